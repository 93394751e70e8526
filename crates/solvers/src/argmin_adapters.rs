//! argmin's solvers behind this crate's [`Minimize`] trait and [`Report`].
//!
//! The adapters drive argmin's `Solver` state machines (`init`, `next_iter`, `terminate`)
//! from this crate's own loop instead of argmin's `Executor`, so that the stopping rules,
//! divergence checks, evaluation counts and history are the same as for every other solver.

use crate::counting::Counted;
use crate::iterate::{check_start, iterate, Next, Point};
use crate::stopping::{non_negative, positive, stopping_builders};
use crate::{Criterion, Minimize, Record, Report, SolverError, Step, Stopping, Termination};
use argmin::core::{
    CostFunction, Error as ArgminError, IterState, Problem, Solver, State, TerminationReason,
    TerminationStatus,
};
use argmin::solver::brent::BrentOpt;
use argmin::solver::conjugategradient::beta::PolakRibierePlus;
use argmin::solver::conjugategradient::NonlinearConjugateGradient;
use argmin::solver::goldensectionsearch::GoldenSectionSearch;
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::newton::NewtonCG;
use argmin::solver::quasinewton::{BFGS, LBFGS};
use descent_objectives::{Gradient, Hessian, Objective};
use ndarray::{Array1, Array2};
use std::cell::{Cell, RefCell};
use std::time::Instant;

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
    let mut prepare = Some(prepare);
    iterate(name, &counted, x0, stopping, |at| {
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
        let mut next = match solver.next_iter(&mut problem, current) {
            Ok((next, _)) => next,
            Err(error) => return Ok(Next::Stop(Termination::SolverExit(error.to_string()))),
        };
        if let TerminationStatus::Terminated(reason) = next.get_termination_status() {
            return Ok(Next::Stop(solver_exit(reason)));
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
        Ok(match verdict {
            TerminationStatus::Terminated(TerminationReason::SolverConverged) => {
                Next::Last(to, step, Termination::Converged(Criterion::ObjectiveChange))
            }
            TerminationStatus::Terminated(reason) => Next::Last(to, step, solver_exit(&reason)),
            TerminationStatus::NotTerminated => Next::Move(to, step),
        })
    })
}

/// L-BFGS (argmin's, with the More-Thuente line search) for objectives of a vector.
///
/// Limited-memory BFGS builds a model of the inverse Hessian from the last `memory` steps
/// and gradients: no Hessian is ever formed, so it suits problems with many parameters.
/// Besides the rules of [`Stopping`], it stops when the objective changes by less than
/// [`objective_tolerance`](Lbfgs::objective_tolerance) in one iteration
/// ([`Criterion::ObjectiveChange`]).
///
/// ```
/// use descent_objectives::multivariate::Rosenbrock;
/// use descent_solvers::{Lbfgs, Minimize};
/// use ndarray::Array1;
///
/// let report = Lbfgs::new().minimize(&Rosenbrock::new(2)?, Array1::from(vec![-1.2, 1.0]))?;
/// assert!(report.converged());
/// assert!((&report.x - &Array1::<f64>::ones(2)).iter().all(|d| d.abs() < 1e-6));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lbfgs {
    memory: usize,
    objective_tolerance: f64,
    stopping: Stopping,
}

impl Default for Lbfgs {
    fn default() -> Self {
        Self::new()
    }
}

impl Lbfgs {
    /// L-BFGS with a memory of 10 steps and default [`Stopping`].
    pub fn new() -> Self {
        Lbfgs {
            memory: 10,
            objective_tolerance: f64::EPSILON,
            stopping: Stopping::default(),
        }
    }

    /// How many past steps model the inverse Hessian (default 10).
    ///
    /// ```
    /// use descent_solvers::Lbfgs;
    /// let solver = Lbfgs::new().memory(20);
    /// ```
    #[must_use]
    pub fn memory(mut self, memory: usize) -> Self {
        self.memory = memory;
        self
    }
}

stopping_builders!(Lbfgs, "Lbfgs::new()");
objective_tolerance_builder!(Lbfgs, "0 turns the criterion off");

impl<O: Gradient<Param = Array1<f64>>> Minimize<O> for Lbfgs {
    fn minimize(&self, objective: &O, x0: Array1<f64>) -> Result<Report<Array1<f64>>, SolverError> {
        non_negative("objective_tolerance", self.objective_tolerance)?;
        if self.memory == 0 {
            return Err(SolverError::InvalidSetting {
                name: "memory",
                value: 0.0,
                reason: "must be at least 1",
            });
        }
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), self.memory)
            // The common loop checks the gradient norm; argmin's own check is turned off.
            .with_tolerance_grad(0.0)
            .and_then(|s| s.with_tolerance_cost(self.objective_tolerance))
            .map_err(argmin_error)?;
        run_argmin(
            Method {
                name: "L-BFGS",
                step: Step::QuasiNewton,
                state_gradient_is_current: true,
            },
            objective,
            x0,
            &self.stopping,
            solver,
            |s| s,
        )
    }
}

/// BFGS (argmin's, with the More-Thuente line search): a dense inverse-Hessian model,
/// for objectives of a vector with up to a few hundred parameters.
///
/// ```
/// use descent_objectives::multivariate::Rosenbrock;
/// use descent_solvers::{Bfgs, Minimize};
/// use ndarray::Array1;
///
/// let report = Bfgs::new().minimize(&Rosenbrock::new(2)?, Array1::from(vec![-1.2, 1.0]))?;
/// assert!(report.converged());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bfgs {
    objective_tolerance: f64,
    stopping: Stopping,
}

impl Default for Bfgs {
    fn default() -> Self {
        Self::new()
    }
}

impl Bfgs {
    /// BFGS starting from the identity as the inverse Hessian, with default [`Stopping`].
    pub fn new() -> Self {
        Bfgs {
            objective_tolerance: f64::EPSILON,
            stopping: Stopping::default(),
        }
    }
}

stopping_builders!(Bfgs, "Bfgs::new()");
objective_tolerance_builder!(Bfgs, "0 turns the criterion off");

impl<O: Gradient<Param = Array1<f64>>> Minimize<O> for Bfgs {
    fn minimize(&self, objective: &O, x0: Array1<f64>) -> Result<Report<Array1<f64>>, SolverError> {
        non_negative("objective_tolerance", self.objective_tolerance)?;
        let n = x0.len();
        let solver = BFGS::new(MoreThuenteLineSearch::new())
            .with_tolerance_grad(0.0)
            .and_then(|s| s.with_tolerance_cost(self.objective_tolerance))
            .map_err(argmin_error)?;
        run_argmin(
            Method {
                name: "BFGS",
                step: Step::QuasiNewton,
                state_gradient_is_current: true,
            },
            objective,
            x0,
            &self.stopping,
            solver,
            |s| s.inv_hessian(Array2::eye(n)),
        )
    }
}

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
    fn minimize(&self, objective: &O, x0: Array1<f64>) -> Result<Report<Array1<f64>>, SolverError> {
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
    fn minimize(&self, objective: &O, x0: Array1<f64>) -> Result<Report<Array1<f64>>, SolverError> {
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
/// [`objective_tolerance`](NewtonCg::objective_tolerance) ([`Criterion::ObjectiveChange`]).
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
    fn minimize(&self, objective: &O, x0: Array1<f64>) -> Result<Report<Array1<f64>>, SolverError> {
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
            solver,
            |s| s,
        )
    }
}

/// A value-only 1-D objective seen through argmin's `CostFunction`, which remembers the
/// first point where the objective was not finite.
struct ArgminScalar<'c, 'o, O> {
    objective: &'c Counted<'o, O>,
    non_finite_at: &'c Cell<Option<f64>>,
}

impl<O: Objective<Param = f64>> CostFunction for ArgminScalar<'_, '_, O> {
    type Param = f64;
    type Output = f64;
    fn cost(&self, x: &f64) -> Result<f64, ArgminError> {
        let value = self.objective.value(x);
        if !value.is_finite() && self.non_finite_at.get().is_none() {
            self.non_finite_at.set(Some(*x));
        }
        Ok(value)
    }
}

type ScalarState = IterState<f64, (), (), (), (), f64>;

/// The settings of a bracketing method.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bracket {
    lower: f64,
    upper: f64,
    tolerance: f64,
    max_iterations: usize,
    record_history: bool,
}

impl Bracket {
    fn new(lower: f64, upper: f64, tolerance: f64) -> Self {
        Bracket {
            lower,
            upper,
            tolerance,
            max_iterations: 1000,
            record_history: true,
        }
    }

    fn validate(&self, x0: f64) -> Result<(), SolverError> {
        let invalid = |reason| SolverError::InvalidBracket {
            lower: self.lower,
            upper: self.upper,
            reason,
        };
        if !(self.lower.is_finite() && self.upper.is_finite()) {
            return Err(invalid("both ends must be finite"));
        }
        if self.lower >= self.upper {
            return Err(invalid("the lower end must be below the upper end"));
        }
        if !(self.lower..=self.upper).contains(&x0) {
            return Err(invalid("the starting point must lie inside"));
        }
        positive("tolerance", self.tolerance)
    }

    /// Checks the settings, builds the argmin bracketing solver (value-only, scalar) with
    /// `build`, and runs it to its own convergence test.
    fn run<O, S>(
        &self,
        name: &'static str,
        objective: &O,
        x0: f64,
        build: impl FnOnce(&Bracket) -> Result<S, ArgminError>,
    ) -> Result<Report<f64>, SolverError>
    where
        O: Objective<Param = f64>,
        S: for<'c, 'o> Solver<ArgminScalar<'c, 'o, O>, ScalarState>,
    {
        let started = Instant::now();
        check_start(objective, &x0)?;
        self.validate(x0)?;
        let mut solver = build(self).map_err(argmin_error)?;
        let counted = Counted::new(objective);
        let non_finite_at = Cell::new(None);
        let mut problem = Problem::new(ArgminScalar {
            objective: &counted,
            non_finite_at: &non_finite_at,
        });
        let (mut state, _) = solver
            .init(&mut problem, IterState::new().param(x0))
            .map_err(argmin_error)?;
        state.update();
        let mut history = Vec::new();
        let mut last_x = x0;
        let mut best: Option<(f64, f64)> = None;
        let mut record = |iteration: usize, state: &ScalarState, step: Step| {
            let x = state.get_param().copied().unwrap_or(last_x);
            let value = state.get_cost();
            if value.is_finite() && best.is_none_or(|(_, b)| value < b) {
                best = Some((x, value));
            }
            if self.record_history {
                history.push(Record {
                    iteration,
                    x,
                    value,
                    gradient_norm: None,
                    step_length: (x - last_x).abs(),
                    step,
                    elapsed: started.elapsed(),
                });
            }
            last_x = x;
        };
        record(0, &state, Step::Start);
        let mut iterations = 0;
        let termination = loop {
            if let TerminationStatus::Terminated(reason) = state.get_termination_status() {
                break match reason {
                    TerminationReason::SolverConverged => {
                        Termination::Converged(Criterion::BracketWidth)
                    }
                    other => solver_exit(other),
                };
            }
            if let TerminationStatus::Terminated(reason) = solver.terminate(&state) {
                state = state.terminate_with(reason);
                continue;
            }
            if iterations >= self.max_iterations {
                break Termination::MaxIterations;
            }
            state = match solver.next_iter(&mut problem, state) {
                Ok((next, _)) => next,
                Err(error) => return Err(argmin_error(error)),
            };
            state.update();
            state.increment_iter();
            iterations += 1;
            record(iterations, &state, Step::Bracketing);
        };
        // A NaN or infinite value inside the bracket breaks the comparisons that bracketing
        // relies on: the run cannot be trusted, whatever argmin concluded.
        let termination = match non_finite_at.get() {
            Some(at) => Termination::SolverExit(format!(
                "the objective is not finite at x = {at}; bracketing needs finite values on the whole bracket"
            )),
            None => termination,
        };
        let Some((x, value)) = best else {
            return Err(SolverError::NonFiniteStart("the objective"));
        };
        Ok(Report {
            solver: name.to_owned(),
            x,
            value,
            gradient_norm: None,
            iterations,
            evaluations: counted.evaluations(),
            termination,
            history,
            elapsed: started.elapsed(),
        })
    }
}

/// Builder methods shared by the bracketing methods.
macro_rules! bracket_builders {
    ($solver:ident, $example:expr) => {
        impl $solver {
            /// The iteration limit (default 1000).
            #[doc = concat!("```\nuse descent_solvers::", stringify!($solver), ";\nlet solver = ", $example, ".max_iterations(100);\n```")]
            #[must_use]
            pub fn max_iterations(mut self, max_iterations: usize) -> Self {
                self.bracket.max_iterations = max_iterations;
                self
            }

            /// Whether to record the per-iteration history (default true).
            #[doc = concat!("```\nuse descent_solvers::", stringify!($solver), ";\nlet solver = ", $example, ".record_history(false);\n```")]
            #[must_use]
            pub fn record_history(mut self, record: bool) -> Self {
                self.bracket.record_history = record;
                self
            }
        }
    };
}

/// Brent's method (argmin's `BrentOpt`) for a 1-D function on an interval `[a, b]`: golden-
/// section steps safeguarding parabolic interpolation, using function values only.
///
/// It finds a local minimum inside the bracket, to within `tol = √ε·|x| + t` (`t` set by
/// [`tolerance`](Brent::tolerance), default 1e-10). Brent starts from the golden-section
/// point of the bracket; the `x0` given to [`Minimize::minimize`] is only checked to lie in
/// it.
///
/// ```
/// use descent_objectives::univariate::ScalarFunction;
/// use descent_solvers::{Brent, Minimize};
///
/// let f = ScalarFunction::new(|x: f64| (x - 2.0).powi(2) + 1.0);
/// let report = Brent::new(0.0, 5.0).minimize(&f, 0.0)?;
/// assert!(report.converged());
/// assert!((report.x - 2.0).abs() < 1e-7);
/// # Ok::<(), descent_solvers::SolverError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Brent {
    bracket: Bracket,
}

impl Brent {
    /// Brent's method on `[lower, upper]`.
    pub fn new(lower: f64, upper: f64) -> Self {
        Brent {
            bracket: Bracket::new(lower, upper, 1e-10),
        }
    }

    /// The absolute part `t > 0` of Brent's tolerance `√ε·|x| + t` (default 1e-10).
    ///
    /// ```
    /// use descent_solvers::Brent;
    /// let solver = Brent::new(-1.0, 1.0).tolerance(1e-6);
    /// ```
    #[must_use]
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.bracket.tolerance = tolerance;
        self
    }
}

bracket_builders!(Brent, "Brent::new(-1.0, 1.0)");

impl<O: Objective<Param = f64>> Minimize<O> for Brent {
    fn minimize(&self, objective: &O, x0: f64) -> Result<Report<f64>, SolverError> {
        self.bracket.run("Brent", objective, x0, |b| {
            Ok(BrentOpt::new(b.lower, b.upper).set_tolerance(f64::EPSILON.sqrt(), b.tolerance))
        })
    }
}

/// Golden-section search (argmin's) for a 1-D function on an interval `[a, b]`, starting
/// from `x0` inside it; function values only.
///
/// Each iteration shrinks the bracket by the golden ratio. argmin's stopping test is relative:
/// `tol·(|x₁| + |x₂|) ≥ |x₃ − x₀|` (`tol` from [`tolerance`](GoldenSection::tolerance),
/// default 1e-8). A minimum at exactly `x = 0` never meets a relative test, and the run ends
/// at the iteration limit; shift the variable, or use [`Brent`].
///
/// ```
/// use descent_objectives::univariate::ScalarFunction;
/// use descent_solvers::{GoldenSection, Minimize};
///
/// let f = ScalarFunction::new(|x: f64| (x - 2.0).powi(2) + 1.0);
/// let report = GoldenSection::new(0.0, 5.0).minimize(&f, 1.0)?;
/// assert!(report.converged());
/// assert!((report.x - 2.0).abs() < 1e-6);
/// # Ok::<(), descent_solvers::SolverError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GoldenSection {
    bracket: Bracket,
}

impl GoldenSection {
    /// Golden-section search on `[lower, upper]`.
    pub fn new(lower: f64, upper: f64) -> Self {
        GoldenSection {
            bracket: Bracket::new(lower, upper, 1e-8),
        }
    }

    /// The relative tolerance on the bracket width (default 1e-8).
    ///
    /// ```
    /// use descent_solvers::GoldenSection;
    /// let solver = GoldenSection::new(1.0, 3.0).tolerance(1e-6);
    /// ```
    #[must_use]
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.bracket.tolerance = tolerance;
        self
    }
}

bracket_builders!(GoldenSection, "GoldenSection::new(1.0, 3.0)");

impl<O: Objective<Param = f64>> Minimize<O> for GoldenSection {
    fn minimize(&self, objective: &O, x0: f64) -> Result<Report<f64>, SolverError> {
        self.bracket
            .run("golden-section search", objective, x0, |b| {
                GoldenSectionSearch::new(b.lower, b.upper)
                    .and_then(|s| s.with_tolerance(b.tolerance))
            })
    }
}
