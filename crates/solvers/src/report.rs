use crate::SolverError;
use std::fmt;
use std::time::Duration;

/// What every solver returns: where it stopped, why, and what it cost to get there.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Report<P> {
    /// The solver's name, e.g. `"gradient descent"`.
    pub solver: String,
    /// The solution: the last accepted point (the best point seen, for bracketing methods).
    pub x: P,
    /// The objective at [`x`](Report::x).
    pub value: f64,
    /// `‖∇f(x)‖₂` at [`x`](Report::x); `None` for derivative-free methods. For a composite
    /// objective `F + g`, the distance of `−∇F(x)` to `∂g(x)`, which is 0 exactly at a
    /// minimizer.
    pub gradient_norm: Option<f64>,
    /// Completed iterations (accepted steps).
    pub iterations: usize,
    /// Evaluations of the value, gradient and Hessian, including those of line searches.
    pub evaluations: Evaluations,
    /// Why the solver stopped.
    pub termination: Termination,
    /// One record per iteration, starting with the starting point (iteration 0); empty when
    /// history recording is turned off.
    pub history: Vec<Record<P>>,
    /// Wall time spent in the solver, objective evaluations included.
    pub elapsed: Duration,
    /// For a composite objective whose loss knows its dual: the duality gap at
    /// [`x`](Report::x), an upper bound on how far [`value`](Report::value) is above the
    /// optimum (whatever the termination).
    #[cfg_attr(feature = "serde", serde(default))]
    pub duality_gap: Option<f64>,
    /// For a penalized (composite) objective: how many penalized coordinates of
    /// [`x`](Report::x) are not zero.
    #[cfg_attr(feature = "serde", serde(default))]
    pub non_zeros: Option<usize>,
}

impl<P> Report<P> {
    /// Whether the solver met one of its convergence criteria.
    pub fn converged(&self) -> bool {
        matches!(self.termination, Termination::Converged(_))
    }

    /// The report if the solver converged, otherwise [`SolverError::NotConverged`] with the
    /// reason, so that `?` can insist on convergence.
    ///
    /// # Errors
    /// Any termination other than [`Termination::Converged`].
    pub fn into_converged(self) -> Result<Self, SolverError> {
        self.check_converged()?;
        Ok(self)
    }

    fn check_converged(&self) -> Result<(), SolverError> {
        if self.converged() {
            Ok(())
        } else {
            Err(SolverError::NotConverged {
                solver: self.solver.clone(),
                iterations: self.iterations,
                termination: self.termination.clone(),
            })
        }
    }

    /// The same report with every point (the solution and each history record's point)
    /// mapped by `map`: for a solver that ran in transformed coordinates (see
    /// `descent_objectives::Standardized`), this puts the report back in the user's.
    ///
    /// ```
    /// use descent_objectives::univariate::Parabola;
    /// use descent_solvers::{Minimize, Newton};
    /// let report = Newton::new().minimize(&Parabola::new(1.0, 2.0), 0.0)?;
    /// let doubled = report.map_points(|x| 2.0 * x);
    /// assert_eq!(doubled.x, 4.0);
    /// assert_eq!(doubled.history[0].x, 0.0);
    /// # Ok::<(), descent_solvers::SolverError>(())
    /// ```
    pub fn map_points<Q>(self, mut map: impl FnMut(P) -> Q) -> Report<Q> {
        Report {
            solver: self.solver,
            x: map(self.x),
            value: self.value,
            gradient_norm: self.gradient_norm,
            iterations: self.iterations,
            evaluations: self.evaluations,
            termination: self.termination,
            history: self
                .history
                .into_iter()
                .map(|record| Record {
                    iteration: record.iteration,
                    x: map(record.x),
                    value: record.value,
                    gradient_norm: record.gradient_norm,
                    step_length: record.step_length,
                    step: record.step,
                    elapsed: record.elapsed,
                })
                .collect(),
            elapsed: self.elapsed,
            duality_gap: self.duality_gap,
            non_zeros: self.non_zeros,
        }
    }
}

/// A one-line summary: solver, termination, iterations, objective, gradient norm,
/// evaluations and time (the solution itself is left out; it may be long).
///
/// ```
/// use descent_objectives::univariate::Parabola;
/// use descent_solvers::{Minimize, Newton};
/// let report = Newton::new().minimize(&Parabola::new(1.0, 2.0), 0.0)?;
/// let line = report.to_string();
/// assert!(line.starts_with("Newton: converged (gradient norm below tolerance) after 1 iteration"));
/// # Ok::<(), descent_solvers::SolverError>(())
/// ```
impl<P> fmt::Display for Report<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} after {} iteration{}; f = {}",
            self.solver,
            self.termination,
            self.iterations,
            if self.iterations == 1 { "" } else { "s" },
            significant(self.value, 12)
        )?;
        if let Some(norm) = self.gradient_norm {
            write!(f, ", ‖∇f‖ = {}", significant(norm, 4))?;
        }
        write!(
            f,
            "; {} evaluations; {} ms",
            self.evaluations,
            significant(self.elapsed.as_secs_f64() * 1e3, 4)
        )
    }
}

/// `value` with at most `digits` significant digits (at least 1), as reports print numbers:
/// in plain decimals when its magnitude is between 10⁻⁴ and 10⁶, in scientific notation
/// otherwise, with trailing zeros removed.
///
/// ```
/// use descent_solvers::significant;
/// assert_eq!(significant(4.0, 6), "4");
/// assert_eq!(significant(2.250000000017665, 6), "2.25");
/// assert_eq!(significant(0.00000000000000011102230246251565, 3), "1.11e-16");
/// assert_eq!(significant(-6.542968750000004, 10), "-6.54296875");
/// ```
pub fn significant(value: f64, digits: usize) -> String {
    let digits = digits.max(1);
    if value == 0.0 {
        return "0".to_owned();
    }
    if !value.is_finite() {
        return if value.is_nan() {
            "NaN".to_owned()
        } else if value > 0.0 {
            "inf".to_owned()
        } else {
            "-inf".to_owned()
        };
    }
    // Round to the digits first: 999999.7 at 6 digits is 1e6, which is written in the
    // scientific form.
    let rounded: f64 = format!("{value:.*e}", digits - 1).parse().unwrap_or(value);
    let magnitude = rounded.abs();
    if (1e-4..1e6).contains(&magnitude) {
        let exponent = magnitude.log10().floor() as i64;
        let decimals = (digits as i64 - 1 - exponent).max(0) as usize;
        trim_zeros(format!("{rounded:.decimals$}"))
    } else {
        let text = format!("{rounded:.*e}", digits - 1);
        match text.split_once('e') {
            Some((mantissa, exponent)) => format!("{}e{exponent}", trim_zeros(mantissa.to_owned())),
            None => text,
        }
    }
}

/// `1.2300` → `1.23`, `4.000` → `4`; text without a decimal point is left alone.
fn trim_zeros(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// How many times a solver evaluated each part of the objective.
///
/// A fused value-and-gradient call counts as one value and one gradient evaluation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Evaluations {
    /// Evaluations of `f(x)`.
    pub value: usize,
    /// Evaluations of `∇f(x)`.
    pub gradient: usize,
    /// Evaluations of `∇²f(x)`.
    pub hessian: usize,
}

impl fmt::Display for Evaluations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} value, {} gradient, {} Hessian",
            self.value, self.gradient, self.hessian
        )
    }
}

/// Why a solver stopped, and what is true of the point it stopped at.
///
/// A verdict is checked at the end point, not inferred from which rule ended the loop:
/// [`Converged`](Termination::Converged) means the end point passed the solver's convergence
/// test there (for gradient-based solvers, `‖∇f(x*)‖ ≤` the gradient tolerance; for
/// bracketing methods, a bracket around `x*` whose ends are no lower than `f(x*)`). A rule that
/// only says the run stopped moving (a small step, a small change of the objective) ends in
/// [`Stalled`](Termination::Stalled) unless the end point passes that test too.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Termination {
    /// The end point passed the convergence test named by the criterion.
    Converged(Criterion),
    /// A stopping rule fired (the step rule, a small change of the objective, a bracket that
    /// stopped shrinking), but the end point fails the convergence test: the gradient there is
    /// above its tolerance. With a fixed learning rate this usually means the rate is too small
    /// to make progress; elsewhere, that the objective is too flat or too noisy where the
    /// solver stopped.
    Stalled(Criterion),
    /// The iteration limit was reached before the convergence test passed.
    MaxIterations,
    /// The objective became NaN or infinite, kept rising above its starting value, or ended far
    /// above it (by more than `|f(x₀)|`). For gradient descent this almost always means the
    /// learning rate is too large. The report holds the last finite point.
    Diverged,
    /// No minimum was found where the solver stopped: walking downhill from the end point, the
    /// objective kept decreasing and never rose again. It is unbounded below in that direction,
    /// or approaches its lowest value only at infinity or at the edge of its domain (`e^−x`,
    /// `ln x` near 0, or an unpenalized logistic regression on separable data).
    KeepsDecreasing,
    /// The gradient vanished (within its tolerance) at a point that is not a minimum: the
    /// objective is lower nearby, by more than that tolerance allows. The point is a maximum, a
    /// saddle or inflection point, or the edge of a shelf; start elsewhere.
    NotAMinimum,
    /// A bracketing method's lowest value lies at an end of its bracket, so the bracket holds no
    /// interior minimum: the minimum over the bracket is at its edge, or beyond it.
    MinimumAtBracketEdge,
    /// No acceptable step could be found along the search direction; the text says why.
    LineSearchFailed(String),
    /// The wrapped argmin solver stopped for a reason of its own; the text is argmin's.
    SolverExit(String),
    /// The caller stopped the run (an [`Observer`](crate::Observer) returned
    /// `ControlFlow::Break`, as the command line does on Ctrl-C). The report holds the best
    /// point seen so far.
    Interrupted,
}

/// Which rule ended a run: the convergence test that passed (in
/// [`Termination::Converged`]), or the stopping rule that fired without it (in
/// [`Termination::Stalled`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Criterion {
    /// The course's rule: the last update moved less than the step tolerance,
    /// `Σᵢ |xᵢ_new − xᵢ_old| < tol`. On its own it shows only that the run stopped moving, so
    /// it appears only in [`Termination::Stalled`].
    StepSize,
    /// `‖∇f(x)‖₂ ≤` the gradient tolerance at the end point: the first-order condition.
    GradientNorm,
    /// The objective changed by less than its tolerance in one iteration (argmin's L-BFGS,
    /// BFGS and Newton-CG). Like the step rule, it appears only in [`Termination::Stalled`].
    ObjectiveChange,
    /// The bracket around the minimum became narrower than its tolerance (Brent, golden
    /// section), and the values at `x* ± δ` are no lower than `f(x*)`.
    BracketWidth,
    /// The minimizer was computed directly, without iterating (least squares, or the linear
    /// system of a quadratic objective), and the gradient there is below tolerance.
    ClosedForm,
    /// The values of `f` over a Nelder-Mead simplex agree to within their tolerance: the
    /// simplex has collapsed. Like the step rule, it appears only in
    /// [`Termination::Stalled`].
    SimplexSpread,
    /// The duality gap at the end point, an upper bound on the distance to the optimum, is
    /// below its tolerance ([`Report::duality_gap`] holds it): a certified solution.
    DualityGap,
}

impl fmt::Display for Criterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Criterion::StepSize => "step size below tolerance",
            Criterion::GradientNorm => "gradient norm below tolerance",
            Criterion::ObjectiveChange => "objective change below tolerance",
            Criterion::BracketWidth => "bracket width below tolerance",
            Criterion::ClosedForm => "solved in closed form",
            Criterion::SimplexSpread => "simplex values within tolerance",
            Criterion::DualityGap => "duality gap below tolerance",
        })
    }
}

impl Termination {
    /// A few words for table cells: `converged (gradient)`, `stalled (step)`,
    /// `iteration limit`, `no minimum`.
    ///
    /// ```
    /// use descent_solvers::{Criterion, Termination};
    /// assert_eq!(Termination::Converged(Criterion::GradientNorm).brief(), "converged (gradient)");
    /// assert_eq!(Termination::Stalled(Criterion::ObjectiveChange).brief(), "stalled (Δf)");
    /// ```
    pub fn brief(&self) -> String {
        let rule = |criterion: &Criterion| match criterion {
            Criterion::StepSize => "step",
            Criterion::GradientNorm => "gradient",
            Criterion::ObjectiveChange => "Δf",
            Criterion::BracketWidth => "bracket",
            Criterion::ClosedForm => "closed form",
            Criterion::SimplexSpread => "simplex",
            Criterion::DualityGap => "gap",
        };
        match self {
            Termination::Converged(criterion) => format!("converged ({})", rule(criterion)),
            Termination::Stalled(criterion) => format!("stalled ({})", rule(criterion)),
            Termination::MaxIterations => "iteration limit".into(),
            Termination::Diverged => "diverged".into(),
            Termination::KeepsDecreasing => "no minimum".into(),
            Termination::NotAMinimum => "not a minimum".into(),
            Termination::MinimumAtBracketEdge => "at bracket edge".into(),
            Termination::LineSearchFailed(_) => "line search failed".into(),
            Termination::SolverExit(_) => "solver stopped".into(),
            Termination::Interrupted => "interrupted".into(),
        }
    }
}

impl fmt::Display for Termination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Termination::Converged(criterion) => write!(f, "converged ({criterion})"),
            Termination::Stalled(Criterion::DualityGap) => f.write_str(
                "stalled: the duality gap stopped shrinking above its tolerance (not converged)",
            ),
            Termination::Stalled(criterion) => write!(
                f,
                "stalled: {criterion}, but the gradient is above its tolerance (not converged)"
            ),
            Termination::MaxIterations => {
                f.write_str("stopped at the iteration limit without converging")
            }
            Termination::Diverged => f.write_str(
                "diverged: the objective became non-finite or rose far above its starting value \
                 (for gradient descent, the learning rate is likely too large)",
            ),
            Termination::KeepsDecreasing => f.write_str(
                "no minimum found: the objective keeps decreasing beyond the end point (unbounded \
                 below, or lowest only at infinity or at the edge of its domain)",
            ),
            Termination::NotAMinimum => f.write_str(
                "not a minimum: the gradient vanishes there, but the objective is lower nearby \
                 (a maximum, saddle or inflection point)",
            ),
            Termination::MinimumAtBracketEdge => f.write_str(
                "no minimum inside the bracket: the lowest value is at its edge (the minimum is \
                 there or beyond)",
            ),
            Termination::LineSearchFailed(why) => write!(f, "line search failed: {why}"),
            Termination::SolverExit(why) => write!(f, "solver stopped: {why}"),
            Termination::Interrupted => f.write_str("interrupted (the best point so far)"),
        }
    }
}

/// The state after one iteration.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Record<P> {
    /// 0 for the starting point, then 1, 2, …
    pub iteration: usize,
    /// The point reached.
    pub x: P,
    /// `f(x)`.
    pub value: f64,
    /// `‖∇f(x)‖₂`, where the solver computes gradients.
    pub gradient_norm: Option<f64>,
    /// `‖x_k − x_{k−1}‖₂`, how far this iteration moved (0 at the start).
    pub step_length: f64,
    /// What kind of step was taken.
    pub step: Step,
    /// Wall time from the solver's start to the moment this record was made, for plotting
    /// progress against time (when comparing solvers whose iterations cost different
    /// amounts).
    pub elapsed: Duration,
}

/// The kind of step an iteration took.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Step {
    /// The starting point.
    Start,
    /// A fixed-step gradient step `x ← x − γ∇f(x)`.
    Gradient {
        /// `γ`.
        learning_rate: f64,
    },
    /// A Newton step `x ← x − α H⁻¹∇f(x)`; `α = 1` unless a line search shortened it.
    Newton {
        /// The line-search factor `α`.
        alpha: f64,
    },
    /// A Newton step on a Hessian that was not positive definite, shifted to `H + μI`.
    DampedNewton {
        /// The shift `μ` that made the Hessian positive definite.
        shift: f64,
        /// The line-search factor `α`.
        alpha: f64,
    },
    /// Newton's fallback when no shift made the Hessian positive definite: `x ← x − α∇f(x)`.
    SteepestDescent {
        /// The line-search factor `α`.
        alpha: f64,
    },
    /// A quasi-Newton step with a line search (argmin's L-BFGS or BFGS).
    QuasiNewton,
    /// A step along a search direction chosen by one of argmin's line-search methods
    /// (steepest descent, nonlinear conjugate gradient, Newton-CG).
    LineSearch,
    /// A step of a bracketing method (Brent, golden section).
    Bracketing,
    /// A step of the Nelder-Mead simplex (the record holds its best vertex).
    Simplex,
    /// A proximal gradient step `x ← prox_{t·g}(y − t∇F(y))` (ISTA, FISTA).
    Proximal {
        /// The step `t` (`1/L` for the Lipschitz estimate `L`).
        step: f64,
    },
    /// A proximal Newton step: the penalized quadratic model minimized by coordinate descent
    /// on a working set, then a line search.
    ProximalNewton {
        /// The line-search factor `α`.
        alpha: f64,
        /// How many coordinates the working set held.
        working_set: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_digits_and_no_trailing_zeros() {
        assert_eq!(significant(4.0, 6), "4");
        assert_eq!(significant(2.250000000017665, 6), "2.25");
        assert_eq!(significant(2.250000000017665, 13), "2.250000000018");
        assert_eq!(significant(-6.542968750000004, 10), "-6.54296875");
        assert_eq!(
            significant(0.00000000000000011102230246251565, 4),
            "1.11e-16"
        );
        assert_eq!(significant(123456789.0, 4), "1.235e8");
        assert_eq!(significant(999999.7, 6), "1e6");
        assert_eq!(significant(0.000123456, 3), "0.000123");
        assert_eq!(significant(0.0, 3), "0");
        assert_eq!(significant(-3.0e-9, 3), "-3e-9");
        assert_eq!(significant(f64::NAN, 3), "NaN");
        assert_eq!(significant(f64::NEG_INFINITY, 3), "-inf");
    }
}
