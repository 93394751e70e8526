//! Finding an interval that holds a minimum, for the bracketing methods.

use crate::iterate::check_start;
use crate::SolverError;
use descent_objectives::Objective;

/// The golden ratio φ: each step of the search is φ times longer than the last.
const GROWTH: f64 = 1.618_033_988_749_895;
/// The most expansions tried (the last step is about φ⁹⁹ ≈ 10²⁰ times the first).
const MAX_EXPANSIONS: usize = 100;

/// Three points `lower < middle < upper` with `f(middle)` below both `f(lower)` and
/// `f(upper)`: a continuous function has a local minimum inside `[lower, upper]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bracketed {
    /// The lower end.
    pub lower: f64,
    /// A point inside with a lower value than either end.
    pub middle: f64,
    /// The upper end.
    pub upper: f64,
    /// How many times `f` was evaluated.
    pub evaluations: usize,
}

/// Walks downhill from `x0` with steps that grow by the golden ratio, from `step`, until the
/// function rises again: the classic bracketing search (Numerical Recipes' `mnbrak`,
/// scipy's `optimize.bracket`, without the parabolic extrapolation).
///
/// The result feeds [`Brent`](crate::Brent) or [`GoldenSection`](crate::GoldenSection)
/// when no interval is known in advance.
///
/// ```
/// use descent_objectives::univariate::Parabola;
/// use descent_solvers::{bracket_minimum, Brent, Minimize};
///
/// let f = Parabola::new(1.0, 7.5); // (x − 7.5)²
/// let b = bracket_minimum(&f, 0.0, 1.0)?;
/// assert!(b.lower < 7.5 && 7.5 < b.upper);
/// let report = Brent::new(b.lower, b.upper).minimize(&f, b.middle)?;
/// assert!((report.x - 7.5).abs() < 1e-8);
/// # Ok::<(), descent_solvers::SolverError>(())
/// ```
///
/// # Errors
/// A starting point or first step that is not finite, a zero step,
/// [`SolverError::NonFiniteStart`] when `f(x0)` is not finite, and
/// [`SolverError::NoBracket`] when the function keeps decreasing (as `e^−x` does) or turns
/// non-finite before it rises.
pub fn bracket_minimum<O: Objective<Param = f64>>(
    f: &O,
    x0: f64,
    step: f64,
) -> Result<Bracketed, SolverError> {
    check_start(f, &x0)?;
    if !(step.is_finite() && step != 0.0) {
        return Err(SolverError::InvalidSetting {
            name: "step",
            value: step,
            reason: "must be finite and non-zero",
        });
    }
    let mut evaluations = 0;
    let mut value = |x: f64| {
        evaluations += 1;
        f.value(&x)
    };
    let f0 = value(x0);
    if !f0.is_finite() {
        return Err(SolverError::NonFiniteStart("the objective"));
    }
    let f1 = value(x0 + step);
    // Walk from `a` through `b` (with `f(b) ≤ f(a)`) in the direction of descent.
    let (mut a, mut b, mut fb) = if f1 <= f0 {
        (x0, x0 + step, f1)
    } else {
        // Uphill (or not finite) that way: search the other way, from x0.
        (x0 + step, x0, f0)
    };
    for _ in 0..MAX_EXPANSIONS {
        let c = b + GROWTH * (b - a);
        let fc = value(c);
        if !fc.is_finite() {
            return Err(SolverError::NoBracket {
                start: x0,
                reached: c,
                reason: "the function is not finite",
            });
        }
        if fc > fb {
            let (lower, upper) = if a < c { (a, c) } else { (c, a) };
            return Ok(Bracketed {
                lower,
                middle: b,
                upper,
                evaluations,
            });
        }
        (a, b, fb) = (b, c, fc);
    }
    Err(SolverError::NoBracket {
        start: x0,
        reached: b,
        reason: "the function kept decreasing",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use descent_objectives::univariate::{DoubleWell, ScalarFunction};

    #[test]
    fn brackets_a_minimum_on_either_side() {
        let f = ScalarFunction::new(|x: f64| (x + 40.0).powi(2));
        let b = bracket_minimum(&f, 3.0, 0.5).unwrap();
        assert!(b.lower < -40.0 && -40.0 < b.upper);
        let fm = f.value(&b.middle);
        assert!(fm < f.value(&b.lower) && fm < f.value(&b.upper));
        // The double well from 0.3 downhill: the right-hand well.
        let b = bracket_minimum(&DoubleWell::new(0.0), 0.3, 0.1).unwrap();
        assert!(b.lower < 1.0 && 1.0 < b.upper);
    }

    #[test]
    fn says_why_when_there_is_no_minimum() {
        let decreasing = ScalarFunction::new(|x: f64| (-x).exp());
        assert!(matches!(
            bracket_minimum(&decreasing, 0.0, 1.0),
            Err(SolverError::NoBracket {
                reason: "the function kept decreasing",
                ..
            })
        ));
        // √(10 − x) decreases up to x = 10 and is NaN past it.
        let edge = ScalarFunction::new(|x: f64| (10.0 - x).sqrt());
        assert!(matches!(
            bracket_minimum(&edge, 0.0, 1.0),
            Err(SolverError::NoBracket {
                reason: "the function is not finite",
                ..
            })
        ));
        let nan_start = ScalarFunction::new(|x: f64| x.ln());
        assert!(bracket_minimum(&nan_start, -1.0, 1.0).is_err());
        assert!(bracket_minimum(&decreasing, 0.0, 0.0).is_err());
    }
}
