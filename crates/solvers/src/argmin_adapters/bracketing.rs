//! Bracketing methods on an interval: argmin's Brent and golden-section search.

use super::{argmin_error, solver_exit};
use crate::counting::Counted;
use crate::end_point::rounding_allowance;
use crate::history::History;
use crate::iterate::check_start;
use crate::stopping::positive;
use crate::{
    Criterion, Minimize, Observer, Progress, Record, Report, SolverError, Step, Termination,
};
use argmin::core::{
    CostFunction, Error as ArgminError, IterState, Problem, Solver, State, TerminationReason,
    TerminationStatus,
};
use argmin::solver::brent::BrentOpt;
use argmin::solver::goldensectionsearch::GoldenSectionSearch;
use descent_objectives::Objective;
use std::cell::Cell;
use std::time::Instant;

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
    history_limit: usize,
}

impl Bracket {
    fn new(lower: f64, upper: f64, tolerance: f64) -> Self {
        Bracket {
            lower,
            upper,
            tolerance,
            max_iterations: 1000,
            record_history: true,
            history_limit: 10_000,
        }
    }

    fn validate(&self, x0: f64) -> Result<(), SolverError> {
        let invalid = |reason| SolverError::InvalidBracket {
            lower: self.lower,
            upper: self.upper,
            reason,
        };
        if self.lower.is_nan() || self.upper.is_nan() {
            return Err(invalid("an end is NaN (not a number)"));
        }
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

    /// The verdict at the lowest point `(x, fx)` of a run that ended for `termination`.
    ///
    /// The ends of the bracket are evaluated: if either is as low as `f(x)`, the bracket holds
    /// no interior minimum ([`Termination::MinimumAtBracketEdge`]), and that end becomes the
    /// result. Otherwise a run that met its width test is [`Converged`](Termination::Converged)
    /// only if `f(x ± δ)` (`δ = 2(√ε·|x| + tol)`, kept inside the bracket) are no lower than
    /// `f(x)` up to rounding: then a continuous `f` has a local minimum within `δ` of `x`.
    fn verdict<O: Objective<Param = f64>>(
        &self,
        objective: &O,
        (x, fx): (f64, f64),
        termination: Termination,
    ) -> (Termination, f64, f64) {
        if matches!(
            termination,
            Termination::Interrupted | Termination::SolverExit(_)
        ) {
            return (termination, x, fx);
        }
        let at_lower = objective.value(&self.lower);
        let at_upper = objective.value(&self.upper);
        if at_lower <= fx || at_upper <= fx {
            let (edge, value) = if at_lower <= at_upper {
                (self.lower, at_lower)
            } else {
                (self.upper, at_upper)
            };
            return (Termination::MinimumAtBracketEdge, edge, value);
        }
        if termination != Termination::Converged(Criterion::BracketWidth) {
            return (termination, x, fx);
        }
        let delta = 2.0 * (f64::EPSILON.sqrt() * x.abs() + self.tolerance);
        let noise = rounding_allowance(fx);
        let left = objective.value(&(x - delta).max(self.lower));
        let right = objective.value(&(x + delta).min(self.upper));
        let verdict = if left >= fx - noise && right >= fx - noise {
            termination
        } else {
            Termination::Stalled(Criterion::BracketWidth)
        };
        (verdict, x, fx)
    }

    /// Checks the settings, builds the argmin bracketing solver (value-only, scalar) with
    /// `build`, runs it to its own convergence test, and checks the point it found.
    fn run<O, S>(
        &self,
        name: &'static str,
        objective: &O,
        x0: f64,
        observer: &mut dyn Observer<f64>,
        build: impl FnOnce(&Bracket) -> Result<S, ArgminError>,
    ) -> Result<Report<f64>, SolverError>
    where
        O: Objective<Param = f64>,
        S: for<'c, 'o> Solver<ArgminScalar<'c, 'o, O>, ScalarState>,
    {
        let started = Instant::now();
        check_start(objective, &x0)?;
        self.validate(x0)?;
        if self.history_limit < 2 {
            return Err(SolverError::InvalidSetting {
                name: "history_limit",
                value: self.history_limit as f64,
                reason: "must be at least 2",
            });
        }
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
        let mut history = History::new(self.record_history, self.history_limit, 1);
        let mut last_x = x0;
        let mut best: Option<(f64, f64)> = None;
        let mut record = |iteration: usize, state: &ScalarState, step: Step| {
            let x = state.get_param().copied().unwrap_or(last_x);
            let value = state.get_cost();
            if value.is_finite() && best.is_none_or(|(_, b)| value < b) {
                best = Some((x, value));
            }
            history.push(Record {
                iteration,
                x,
                value,
                gradient_norm: None,
                step_length: (x - last_x).abs(),
                step,
                elapsed: started.elapsed(),
            });
            last_x = x;
            observer.observe(&Progress {
                iteration,
                max_iterations: self.max_iterations,
                x: &x,
                value,
                gradient_norm: None,
                elapsed: started.elapsed(),
            })
        };
        let mut iterations = 0;
        let termination = 'run: {
            if record(0, &state, Step::Start).is_break() {
                break 'run Termination::Interrupted;
            }
            loop {
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
                if record(iterations, &state, Step::Bracketing).is_break() {
                    break Termination::Interrupted;
                }
            }
        };
        // A NaN or infinite value inside the bracket breaks the comparisons that bracketing
        // relies on: the run cannot be trusted, whatever argmin concluded.
        let termination = match non_finite_at.get() {
            Some(at) => Termination::SolverExit(format!(
                "the objective is not finite at x = {at}; bracketing needs finite values on the whole bracket"
            )),
            None => termination,
        };
        let Some(best) = best else {
            return Err(SolverError::NonFiniteStart("the objective"));
        };
        let (termination, x, value) = self.verdict(&counted, best, termination);
        Ok(Report {
            solver: name.to_owned(),
            x,
            value,
            gradient_norm: None,
            iterations,
            evaluations: counted.evaluations(),
            termination,
            history: history.finish(),
            elapsed: started.elapsed(),
            duality_gap: None,
            non_zeros: None,
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

            /// The most records the history keeps (default 10 000); a longer run is thinned
            /// evenly ([`Stopping::history_limit`](crate::Stopping::history_limit)).
            #[doc = concat!("```\nuse descent_solvers::", stringify!($solver), ";\nlet solver = ", $example, ".history_limit(100);\n```")]
            #[must_use]
            pub fn history_limit(mut self, limit: usize) -> Self {
                self.bracket.history_limit = limit;
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
/// The verdict is checked at the end: the run is converged only if `f` at both ends of the
/// bracket, and at `x* ± 2·tol`, is no lower than `f(x*)` (so a continuous `f` has a minimum
/// there). A lowest value at an end of the bracket is
/// [`MinimumAtBracketEdge`](crate::Termination::MinimumAtBracketEdge).
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
    fn minimize_observed(
        &self,
        objective: &O,
        x0: f64,
        observer: &mut dyn Observer<f64>,
    ) -> Result<Report<f64>, SolverError> {
        self.bracket.run("Brent", objective, x0, observer, |b| {
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
    fn minimize_observed(
        &self,
        objective: &O,
        x0: f64,
        observer: &mut dyn Observer<f64>,
    ) -> Result<Report<f64>, SolverError> {
        self.bracket
            .run("golden-section search", objective, x0, observer, |b| {
                GoldenSectionSearch::new(b.lower, b.upper)
                    .and_then(|s| s.with_tolerance(b.tolerance))
            })
    }
}
