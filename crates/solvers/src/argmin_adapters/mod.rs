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
use descent_objectives::{Gradient, Hessian, Parameter};
use ndarray::{Array1, Array2};
use std::cell::{Cell, RefCell};

/// The most evaluations of the objective one iteration may make. argmin runs its line
/// searches without a limit of their own, and on a function whose values and gradient
/// disagree (rounding near the minimum, finite-difference gradients) More-Thuente's can
/// search for ever.
const MAX_EVALUATIONS_PER_ITERATION: usize = 200;

/// The start of the message of an error that this adapter raises inside argmin to stop a line
/// search; the common loop reports it as [`Termination::LineSearchFailed`].
const LINE_SEARCH: &str = "line search stopped: ";

/// An objective seen through argmin's `CostFunction` and `Gradient` traits.
///
/// argmin asks for the cost and the gradient in separate calls, usually at the same point
/// (argmin issue #563). Each cost call here computes both with one fused
/// [`value_and_gradient`](Gradient::value_and_gradient) and keeps the gradient, so the
/// gradient call that follows at the same point costs nothing.
///
/// It also guards argmin's line searches, which compare values without a NaN check and loop
/// without a limit: a value or gradient that is not finite, or more than
/// [`MAX_EVALUATIONS_PER_ITERATION`] evaluations in one iteration, ends the iteration with an
/// error instead.
struct ArgminProblem<'c, 'o, O: Gradient> {
    objective: &'c Counted<'o, O>,
    cached: RefCell<Option<(O::Param, O::Param)>>,
    /// Evaluations in the current iteration.
    spent: Cell<usize>,
}

impl<'c, 'o, O: Gradient> ArgminProblem<'c, 'o, O> {
    fn new(objective: &'c Counted<'o, O>) -> Self {
        ArgminProblem {
            objective,
            cached: RefCell::new(None),
            spent: Cell::new(0),
        }
    }

    /// Counts an evaluation against the iteration's budget.
    fn spend(&self) -> Result<(), ArgminError> {
        let spent = self.spent.get() + 1;
        self.spent.set(spent);
        if spent > MAX_EVALUATIONS_PER_ITERATION {
            return Err(ArgminError::msg(format!(
                "{LINE_SEARCH}more than {MAX_EVALUATIONS_PER_ITERATION} evaluations in one iteration without an acceptable step"
            )));
        }
        Ok(())
    }
}

/// An error that stops argmin's line search where the objective is not finite.
fn not_finite(what: &str) -> ArgminError {
    ArgminError::msg(format!(
        "{LINE_SEARCH}the {what} is not finite at a point the line search tried"
    ))
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
        self.spend()?;
        let (value, gradient) = self.objective.value_and_gradient(x);
        if !value.is_finite() {
            return Err(not_finite("objective"));
        }
        if !gradient.is_finite() {
            return Err(not_finite("gradient"));
        }
        *self.cached.borrow_mut() = Some((x.clone(), gradient));
        Ok(value)
    }
}

impl<O: Gradient<Param = Array1<f64>>> argmin::core::Gradient for ArgminProblem<'_, '_, O> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;

    fn gradient(&self, x: &Array1<f64>) -> Result<Array1<f64>, ArgminError> {
        if let Some(gradient) = self.cached_gradient(x) {
            return Ok(gradient);
        }
        self.spend()?;
        let gradient = self.objective.gradient(x);
        if !gradient.is_finite() {
            return Err(not_finite("gradient"));
        }
        Ok(gradient)
    }
}

impl<O> argmin::core::Hessian for ArgminProblem<'_, '_, O>
where
    O: Hessian<Param = Array1<f64>>,
{
    type Param = Array1<f64>;
    type Hessian = Array2<f64>;

    fn hessian(&self, x: &Array1<f64>) -> Result<Array2<f64>, ArgminError> {
        let hessian = self.objective.hessian(x);
        if !hessian.iter().all(|h| h.is_finite()) {
            return Err(not_finite("Hessian"));
        }
        Ok(hessian)
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

/// The termination of an argmin iteration that ended in `error`: a failed line search when
/// this adapter stopped it, argmin's own reason otherwise.
fn iteration_error(error: &ArgminError) -> Termination {
    let text = error.to_string();
    stopped_line_search(&text).unwrap_or(Termination::SolverExit(text))
}

/// The line search this adapter stopped, if `text` (argmin's message, which may quote the
/// error) says so.
fn stopped_line_search(text: &str) -> Option<Termination> {
    let start = text.find(LINE_SEARCH)? + LINE_SEARCH.len();
    let why = text[start..].trim_end_matches(['\'', '"', '.']);
    Some(Termination::LineSearchFailed(why.to_owned()))
}

/// Maps an argmin termination reason that argmin's solver set itself.
fn solver_exit(reason: &TerminationReason) -> Termination {
    if let Some(stopped) = stopped_line_search(reason.text()) {
        return stopped;
    }
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
        if let Some(p) = problem.problem.as_ref() {
            p.spent.set(0);
        }
        let mut next = match solver.next_iter(&mut problem, current) {
            Ok((next, _)) => next,
            Err(error) => return Ok(ended(iteration_error(&error))),
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
