//! argmin's solvers behind this crate's [`Minimize`](crate::Minimize) trait and
//! [`Report`].
//!
//! The adapters drive argmin's `Solver` state machines (`init`, `next_iter`, `terminate`)
//! from this crate's own loops instead of argmin's `Executor`, so that the stopping rules,
//! end-point verdicts, divergence checks, evaluation counts, observers and history are the
//! same as for every other solver.
//!
//! - [`quasi_newton`]: L-BFGS and BFGS;
//! - [`line_search`]: steepest descent, nonlinear conjugate gradient and Newton-CG;
//! - [`bracketing`]: Brent and golden-section search on an interval;
//! - [`nelder_mead`]: the Nelder-Mead simplex, for functions without gradients.

mod bracketing;
mod line_search;
mod nelder_mead;
mod quasi_newton;

pub use bracketing::{Brent, GoldenSection};
pub use line_search::{ConjugateGradient, NewtonCg, SteepestDescent};
pub use nelder_mead::NelderMead;
pub use quasi_newton::{Bfgs, Lbfgs};

use crate::counting::Counted;
use crate::iterate::{iterate, Next, Point};
use crate::{Criterion, Observer, Report, SolverError, Step, Stopping, Termination};
use argmin::core::{
    CostFunction, Error as ArgminError, IterState, Problem, Solver, State, TerminationReason,
    TerminationStatus,
};
use descent_objectives::{Gradient, Hessian};
use ndarray::{Array1, Array2};
use std::cell::RefCell;

/// An objective seen through argmin's `CostFunction` and `Gradient` traits.
///
/// argmin asks for the cost and the gradient in separate calls, usually at the same point
/// (argmin issue #563). Each cost call here computes both with one fused
/// [`value_and_gradient`](Gradient::value_and_gradient) and keeps the gradient, so the
/// gradient call that follows at the same point costs nothing.
struct ArgminProblem<'c, 'o, O: Gradient> {
    objective: &'c Counted<'o, O>,
    cached: RefCell<Option<(O::Param, O::Param)>>,
}

impl<'c, 'o, O: Gradient> ArgminProblem<'c, 'o, O> {
    fn new(objective: &'c Counted<'o, O>) -> Self {
        ArgminProblem {
            objective,
            cached: RefCell::new(None),
        }
    }
}

impl<O: Gradient> ArgminProblem<'_, '_, O> {
    /// The gradient computed with the last cost, if that was at `x`.
    fn cached_gradient(&self, x: &O::Param) -> Option<O::Param>
    where
        O::Param: PartialEq,
    {
        let cached = self.cached.borrow();
        let (at, gradient) = cached.as_ref()?;
        (at == x).then(|| gradient.clone())
    }
}

impl<O: Gradient<Param = Array1<f64>>> CostFunction for ArgminProblem<'_, '_, O> {
    type Param = Array1<f64>;
    type Output = f64;

    fn cost(&self, x: &Array1<f64>) -> Result<f64, ArgminError> {
        let (value, gradient) = self.objective.value_and_gradient(x);
        *self.cached.borrow_mut() = Some((x.clone(), gradient));
        Ok(value)
    }
}

impl<O: Gradient<Param = Array1<f64>>> argmin::core::Gradient for ArgminProblem<'_, '_, O> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;

    fn gradient(&self, x: &Array1<f64>) -> Result<Array1<f64>, ArgminError> {
        Ok(self
            .cached_gradient(x)
            .unwrap_or_else(|| self.objective.gradient(x)))
    }
}

impl<O> argmin::core::Hessian for ArgminProblem<'_, '_, O>
where
    O: Hessian<Param = Array1<f64>>,
{
    type Param = Array1<f64>;
    type Hessian = Array2<f64>;

    fn hessian(&self, x: &Array1<f64>) -> Result<Array2<f64>, ArgminError> {
        Ok(self.objective.hessian(x))
    }
}

/// The `objective_tolerance` builder of the argmin methods that stop on a small change of
/// the objective.
macro_rules! objective_tolerance_builder {
    ($solver:ident, $zero:literal) => {
        impl $solver {
            #[doc = concat!(
                "Stop when `|f(x_k) − f(x_{k−1})|` falls below this (default: machine epsilon, ",
                "as argmin; ", $zero, ").\n\n```\nuse descent_solvers::", stringify!($solver),
                ";\nlet solver = ", stringify!($solver), "::new().objective_tolerance(1e-12);\n```"
            )]
            #[must_use]
            pub fn objective_tolerance(mut self, tolerance: f64) -> Self {
                self.objective_tolerance = tolerance;
                self
            }
        }
    };
}

pub(crate) use objective_tolerance_builder;

/// argmin's state for quasi-Newton methods on vectors; `H` is the (inverse) Hessian type.
type VectorState<H> = IterState<Array1<f64>, Array1<f64>, (), H, (), f64>;

fn argmin_error(error: ArgminError) -> SolverError {
    SolverError::Argmin(error.to_string())
}

/// Maps an argmin termination reason that argmin's solver set itself.
fn solver_exit(reason: &TerminationReason) -> Termination {
    match reason {
        TerminationReason::SolverExit(text) if text.starts_with("Line search") => {
            Termination::LineSearchFailed(text.clone())
        }
        TerminationReason::MaxItersReached => Termination::MaxIterations,
        other => Termination::SolverExit(other.text().to_string()),
    }
}

/// How many iterations in a row may meet argmin's own test on the change of the objective,
/// with the gradient still above its tolerance, before the run is declared stalled.
const STAGNANT_ITERATIONS: usize = 3;

/// How an argmin method is run and recorded.
struct Method {
    name: &'static str,
    /// How each iteration is recorded.
    step: Step,
    /// Whether the solver leaves the gradient at its new iterate in the state it returns.
    state_gradient_is_current: bool,
}

/// Runs an argmin gradient-based solver on `objective` from `x0` in the common loop.
fn run_argmin<O, S, H>(
    method: Method,
    objective: &O,
    x0: Array1<f64>,
    stopping: &Stopping,
    observer: &mut dyn Observer<Array1<f64>>,
    mut solver: S,
    prepare: impl FnOnce(VectorState<H>) -> VectorState<H>,
) -> Result<Report<Array1<f64>>, SolverError>
where
    O: Gradient<Param = Array1<f64>>,
    S: for<'c, 'o> Solver<ArgminProblem<'c, 'o, O>, VectorState<H>>,
{
    let Method {
        name,
        step,
        state_gradient_is_current,
    } = method;
    let counted = Counted::new(objective);
    let mut problem = Problem::new(ArgminProblem::new(&counted));
    let mut state: Option<VectorState<H>> = None;
    let gradient_tolerance = stopping.gradient_tolerance;
    let mut stagnant = 0;
    let mut prepare = Some(prepare);
    iterate(name, &counted, x0, stopping, observer, |at| {
        let current = match (state.take(), prepare.take()) {
            (Some(current), _) => current,
            (None, Some(prepare)) => {
                let fresh = IterState::new()
                    .param(at.x.clone())
                    .cost(at.value)
                    .gradient(at.gradient.clone());
                solver
                    .init(&mut problem, prepare(fresh))
                    .map_err(argmin_error)?
                    .0
            }
            (None, None) => return Err(SolverError::Argmin("solver state lost".into())),
        };
        // Once the objective has stopped changing, a line search that then breaks down (no
        // descent left in the last digits) ends the stall, and is reported as one.
        let ended = |termination: Termination| {
            if stagnant > 0 {
                Next::Stop(Termination::Stalled(Criterion::ObjectiveChange))
            } else {
                Next::Stop(termination)
            }
        };
        let mut next = match solver.next_iter(&mut problem, current) {
            Ok((next, _)) => next,
            Err(error) => return Ok(ended(Termination::SolverExit(error.to_string()))),
        };
        if let TerminationStatus::Terminated(reason) = next.get_termination_status() {
            return Ok(ended(solver_exit(reason)));
        }
        next.update();
        next.increment_iter();
        let Some(x) = next.get_param().cloned() else {
            return Ok(Next::Stop(Termination::SolverExit(
                "argmin returned no parameter".into(),
            )));
        };
        let value = next.get_cost();
        // Some argmin solvers (steepest descent) leave the previous iterate's gradient in the
        // state; only the quasi-Newton methods keep it current. The gradient cached by the
        // last cost evaluation is used when it is at `x`.
        let cached = problem.problem.as_ref().and_then(|p| p.cached_gradient(&x));
        let gradient = match (cached, next.get_gradient()) {
            (Some(gradient), _) => gradient,
            (None, Some(gradient)) if state_gradient_is_current => gradient.clone(),
            (None, _) => counted.gradient(&x),
        };
        let to = Point { x, value, gradient };
        let verdict = solver.terminate(&next);
        state = Some(next);
        let stalled = matches!(
            verdict,
            TerminationStatus::Terminated(TerminationReason::SolverConverged)
        );
        stagnant = if stalled { stagnant + 1 } else { 0 };
        Ok(match verdict {
            // argmin's own test is on the change of the objective, which says only that the
            // run stopped making progress. Where the gradient is still above its tolerance
            // the run goes on (the next steps often do make progress), and stops only after
            // several such iterations in a row; the common loop then gives the verdict.
            TerminationStatus::Terminated(TerminationReason::SolverConverged)
                if stagnant < STAGNANT_ITERATIONS
                    && counted.gradient_norm(&to.gradient) > gradient_tolerance =>
            {
                Next::Move(to, step)
            }
            TerminationStatus::Terminated(TerminationReason::SolverConverged) => {
                Next::Last(to, step, Termination::Stalled(Criterion::ObjectiveChange))
            }
            TerminationStatus::Terminated(reason) => Next::Last(to, step, solver_exit(&reason)),
            TerminationStatus::NotTerminated => Next::Move(to, step),
        })
    })
}
