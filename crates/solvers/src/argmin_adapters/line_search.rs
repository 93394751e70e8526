//! Methods that search along a direction: argmin's steepest descent, nonlinear conjugate
//! gradient and Newton-CG.

use super::{argmin_error, objective_tolerance_builder, run_argmin, Method};
use crate::stopping::{positive, stopping_builders};
use crate::{Minimize, Observer, Report, SolverError, Step, Stopping};
use argmin::solver::conjugategradient::beta::PolakRibierePlus;
use argmin::solver::conjugategradient::NonlinearConjugateGradient;
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::newton::NewtonCG;
use descent_objectives::{Gradient, Hessian};
use ndarray::Array1;

/// Steepest descent with a line search (argmin's `SteepestDescent`, More-Thuente): each step
/// goes along `−∇f(x)` as far as the line search finds a sufficient decrease, instead of a
/// fixed learning rate ([`GradientDescent`](crate::GradientDescent)).
///
/// On ill-conditioned problems it zig-zags and needs many iterations; it is here to show
/// what a line search alone buys over a fixed step, and what curvature information adds.
///
/// ```
/// use descent_objectives::multivariate::QuadraticForm;
/// use descent_solvers::{Minimize, SteepestDescent};
/// use ndarray::{array, Array1};
///
/// // f(x) = ½xᵀAx − bᵀx, minimized where Ax = b: x = (1, 1).
/// let f = QuadraticForm::new(array![[2.0, 0.0], [0.0, 1.0]], array![2.0, 1.0])?;
/// let report = SteepestDescent::new().minimize(&f, Array1::zeros(2))?;
/// assert!(report.converged());
/// assert!((&report.x - &array![1.0, 1.0]).iter().all(|d| d.abs() < 1e-6));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SteepestDescent {
    stopping: Stopping,
}

impl SteepestDescent {
    /// Steepest descent with default [`Stopping`].
    pub fn new() -> Self {
        SteepestDescent::default()
    }
}

stopping_builders!(SteepestDescent, "SteepestDescent::new()");

impl<O: Gradient<Param = Array1<f64>>> Minimize<O> for SteepestDescent {
    fn minimize_observed(
        &self,
        objective: &O,
        x0: Array1<f64>,
        observer: &mut dyn Observer<Array1<f64>>,
    ) -> Result<Report<Array1<f64>>, SolverError> {
        let solver =
            argmin::solver::gradientdescent::SteepestDescent::new(MoreThuenteLineSearch::new());
        run_argmin(
            Method {
                name: "steepest descent",
                step: Step::LineSearch,
                state_gradient_is_current: false,
            },
            objective,
            x0,
            &self.stopping,
            observer,
            solver,
            |s| s,
        )
    }
}

/// Nonlinear conjugate gradient (argmin's, Polak-Ribière+ with restarts, More-Thuente line
/// search with `c₂ = 0.1`): the search direction `dₖ = −∇fₖ + βₖdₖ₋₁` mixes in the previous
/// one, with `βₖ = max(0, ∇fₖᵀ(∇fₖ − ∇fₖ₋₁) / ‖∇fₖ₋₁‖²)`. It restarts along `−∇f` when two
/// successive gradients are far from orthogonal (`|∇fₖᵀ∇fₖ₋₁| ≥ 0.1‖∇fₖ‖²`).
///
/// Memory is a few vectors, as for L-BFGS, but it usually needs more iterations.
///
/// ```
/// use descent_objectives::multivariate::Rosenbrock;
/// use descent_solvers::{ConjugateGradient, Minimize};
/// use ndarray::Array1;
///
/// let solver = ConjugateGradient::new().max_iterations(10_000);
/// let report = solver.minimize(&Rosenbrock::new(2)?, Array1::from(vec![-1.2, 1.0]))?;
/// assert!(report.converged());
/// assert!((&report.x - &Array1::<f64>::ones(2)).iter().all(|d| d.abs() < 1e-4));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ConjugateGradient {
    stopping: Stopping,
}

impl ConjugateGradient {
    /// Nonlinear conjugate gradient with default [`Stopping`].
    pub fn new() -> Self {
        ConjugateGradient::default()
    }
}

stopping_builders!(ConjugateGradient, "ConjugateGradient::new()");

impl<O: Gradient<Param = Array1<f64>>> Minimize<O> for ConjugateGradient {
    fn minimize_observed(
        &self,
        objective: &O,
        x0: Array1<f64>,
        observer: &mut dyn Observer<Array1<f64>>,
    ) -> Result<Report<Array1<f64>>, SolverError> {
        let line_search = MoreThuenteLineSearch::new()
            .with_c(1e-4, 0.1)
            .map_err(argmin_error)?;
        let solver = NonlinearConjugateGradient::new(line_search, PolakRibierePlus::new())
            .restart_orthogonality(0.1);
        run_argmin(
            Method {
                name: "conjugate gradient",
                step: Step::LineSearch,
                state_gradient_is_current: false,
            },
            objective,
            x0,
            &self.stopping,
            observer,
            solver,
            |s| s,
        )
    }
}

/// Newton-CG, or truncated Newton (argmin's `NewtonCG`, More-Thuente line search): the
/// Newton system `H d = −∇f` is solved only approximately, by linear conjugate gradient
/// iterations that stop once the residual is below `min(½, √‖∇f‖)·‖∇f‖`, or at the first
/// direction of non-positive curvature. scikit-learn's `newton-cg` is this method.
///
/// It needs Hessian-vector products only, though here each iteration forms the Hessian
/// once; it stops on the rules of [`Stopping`], or when the objective changes by less than
/// [`objective_tolerance`](NewtonCg::objective_tolerance) (then
/// [`Stalled(ObjectiveChange)`](crate::Criterion::ObjectiveChange) unless the gradient at the
/// end point passes its tolerance).
///
/// **A limitation inherited from argmin 0.11.** Its inner loop compares the *squared*
/// residual `rᵀr` (the cost its linear CG reports) with `min(½, √‖∇f‖)·‖∇f‖`. Once
/// `‖∇f‖ < 1` the first CG step already passes, so every iteration becomes one
/// steepest-descent step with the model's exact step length, and convergence slows from
/// superlinear to linear. On the bundled breast cancer data (`descent race`, logistic
/// regression, C = 1) it is 6e-4 above the optimum after 1000 iterations, where [`Newton`](crate::Newton)
/// converges in 9. Prefer [`Newton`](crate::Newton) for problems of up to a few thousand
/// parameters.
///
/// ```
/// use descent_objectives::multivariate::QuadraticForm;
/// use descent_solvers::{Minimize, NewtonCg};
/// use ndarray::{array, Array1};
///
/// // f(x) = ½xᵀAx − bᵀx, minimized where Ax = b: x = (1, 1).
/// let f = QuadraticForm::new(array![[3.0, 1.0], [1.0, 2.0]], array![4.0, 3.0])?;
/// let report = NewtonCg::new().minimize(&f, Array1::zeros(2))?;
/// assert!(report.converged());
/// assert!((&report.x - &array![1.0, 1.0]).iter().all(|d| d.abs() < 1e-6));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NewtonCg {
    objective_tolerance: f64,
    stopping: Stopping,
}

impl Default for NewtonCg {
    fn default() -> Self {
        Self::new()
    }
}

impl NewtonCg {
    /// Newton-CG with default [`Stopping`].
    pub fn new() -> Self {
        NewtonCg {
            objective_tolerance: f64::EPSILON,
            stopping: Stopping::default(),
        }
    }
}

stopping_builders!(NewtonCg, "NewtonCg::new()");
objective_tolerance_builder!(NewtonCg, "it must be positive");

impl<O: Hessian<Param = Array1<f64>>> Minimize<O> for NewtonCg {
    fn minimize_observed(
        &self,
        objective: &O,
        x0: Array1<f64>,
        observer: &mut dyn Observer<Array1<f64>>,
    ) -> Result<Report<Array1<f64>>, SolverError> {
        positive("objective_tolerance", self.objective_tolerance)?;
        let solver = NewtonCG::new(MoreThuenteLineSearch::new())
            .with_tolerance(self.objective_tolerance)
            .map_err(argmin_error)?;
        run_argmin(
            Method {
                name: "Newton-CG",
                step: Step::LineSearch,
                state_gradient_is_current: false,
            },
            objective,
            x0,
            &self.stopping,
            observer,
            solver,
            |s| s,
        )
    }
}
