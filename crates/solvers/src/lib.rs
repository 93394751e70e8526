//! Solvers that minimize the objectives of [`descent_objectives`], all behind one trait,
//! [`Minimize`], and all returning one [`Report`].
//!
//! | solver | needs | parameter | notes |
//! |---|---|---|---|
//! | [`GradientDescent`] | gradient | `f64`, `Array1<f64>` | fixed learning rate, the course's step rule |
//! | [`Newton`] | Hessian | `f64`, `Array1<f64>` | Cholesky solve, damping, Armijo line search |
//! | [`Lbfgs`], [`Bfgs`] | gradient | `Array1<f64>` | argmin's, More-Thuente line search |
//! | [`SteepestDescent`], [`ConjugateGradient`] | gradient | `Array1<f64>` | argmin's, More-Thuente line search |
//! | [`NewtonCg`] | Hessian | `Array1<f64>` | argmin's truncated Newton (scikit-learn's `newton-cg`) |
//! | [`Brent`], [`GoldenSection`] | value | `f64` | argmin's, on a bracket `[a, b]` (see [`bracket_minimum`]) |
//! | [`NelderMead`] | value | `Array1<f64>` | argmin's simplex method, for functions without gradients |
//! | [`ProximalGradient`] (ISTA, FISTA) | gradient + penalty | [`Composite`](descent_objectives::Composite) | proximal steps, for L1 and elastic-net penalties |
//! | [`ProximalNewton`] | Hessian + penalty | [`Composite`](descent_objectives::Composite) | coordinate descent on the Hessian of working sets; certified by the duality gap |
//!
//! Every report says why the run ended ([`Termination`]), and its verdict is checked at the
//! point where the run stopped: a run is [`Converged`](Termination::Converged) only when that
//! point passes the convergence test (the gradient norm below its tolerance, or a certified
//! bracket), never because a step became small or the iteration limit was reached. For 1-D
//! functions the end point is also checked for being a minimum at all ([`EndPoint`]): a
//! function that keeps decreasing, or a stationary point that is not a minimum, gets its own
//! termination.
//!
//! Long runs can be watched, and stopped, by an [`Observer`]; the history every report keeps
//! is bounded in memory ([`Stopping::history_limit`]).
//!
//! ```
//! use descent_objectives::univariate::DoubleWell;
//! use descent_solvers::{GradientDescent, Minimize, Newton};
//!
//! let f = DoubleWell::new(0.0); // (x² − 1)², minima at ±1
//! let gd = GradientDescent::new(0.05).minimize(&f, 2.0)?;
//! let newton = Newton::new().minimize(&f, 2.0)?;
//! assert!(gd.converged() && newton.converged());
//! assert!((newton.x - 1.0).abs() < 1e-9);
//! assert!(newton.iterations < gd.iterations);
//! # Ok::<(), descent_solvers::SolverError>(())
//! ```
#![warn(missing_docs)]

mod argmin_adapters;
mod bracket;
mod composite;
mod counting;
mod end_point;
mod error;
mod gradient_descent;
mod history;
mod iterate;
mod newton;
mod observe;
mod proximal_gradient;
mod proximal_newton;
mod report;
mod stopping;

pub use argmin_adapters::{
    Bfgs, Brent, ConjugateGradient, GoldenSection, Lbfgs, NelderMead, NewtonCg, SteepestDescent,
};
pub use bracket::{bracket_minimum, Bracketed};
pub use end_point::{walk_downhill, Downhill, EndPoint};
pub use error::SolverError;
pub use gradient_descent::GradientDescent;
pub use newton::{Newton, NewtonSystem};
pub use observe::{Observer, Progress, Unobserved};
pub use proximal_gradient::ProximalGradient;
pub use proximal_newton::ProximalNewton;
pub use report::{significant, Criterion, Evaluations, Record, Report, Step, Termination};
pub use stopping::Stopping;

use descent_objectives::Objective;

/// A solver that minimizes objectives of type `O` from a starting point.
///
/// Implemented by every solver for the objectives it can handle: [`GradientDescent`] for
/// any [`Gradient`](descent_objectives::Gradient), [`Newton`] for any
/// [`Hessian`](descent_objectives::Hessian), and so on. Code that compares solvers can take
/// `&dyn Minimize<O>`.
pub trait Minimize<O: Objective> {
    /// Minimizes `objective` starting from `x0`.
    ///
    /// # Errors
    /// Invalid settings, a starting point of the wrong dimension or not finite, or an
    /// objective that is not finite at the start. A run that fails to converge is not an
    /// error: its [`Report::termination`] says why (see [`Report::into_converged`]).
    fn minimize(&self, objective: &O, x0: O::Param) -> Result<Report<O::Param>, SolverError> {
        self.minimize_observed(objective, x0, &mut Unobserved)
    }

    /// As [`minimize`](Minimize::minimize), telling `observer` about the start and each
    /// iteration; the observer may stop the run ([`Termination::Interrupted`]). This is the
    /// method a solver implements.
    ///
    /// # Errors
    /// As [`minimize`](Minimize::minimize).
    fn minimize_observed(
        &self,
        objective: &O,
        x0: O::Param,
        observer: &mut dyn Observer<O::Param>,
    ) -> Result<Report<O::Param>, SolverError>;
}
