//! What is true at the point where a run stopped: the checks behind every verdict.

use crate::Termination;
use descent_objectives::{Objective, Parameter};
use ndarray::Array1;

/// The golden ratio: each step of a downhill walk is this much longer than the last.
const GROWTH: f64 = 1.618_033_988_749_895;
/// The first step of a walk, relative to `|x|` (absolute at `x = 0`): 2⁻²⁶ ≈ 1.5e-8, about
/// √ε.
const FIRST_STEP: f64 = 1.490_116_119_384_765_6e-8;
/// The most steps of one walk from `|x| ≥ 1`: from 1.5e-8·|x| the steps reach 10³³·|x|. From
/// smaller `|x|` the walk may take the extra steps that bring it to the same reach,
/// `10³³·max(|x|, 1)`.
const MAX_STEPS: usize = 200;
/// Differences of `f` below `ROUNDING·max(|f(x)|, 1)` are treated as rounding, not as a rise
/// or a decrease: 10⁴ machine epsilons, about 2.2e-12.
const ROUNDING: f64 = 1e4 * f64::EPSILON;

/// How far apart two values near `value` must be to count as different, not rounding:
/// `2.2e-12·max(|value|, 1)`.
pub(crate) fn rounding_allowance(value: f64) -> f64 {
    ROUNDING * value.abs().max(1.0)
}

/// What walking downhill from a point of a 1-D function finds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Downhill {
    /// `f` rose (or stayed level) on the side or sides walked before it fell measurably
    /// below `f(x)`: no lower point nearby, at the resolution of rounding.
    NoLowerPoint,
    /// A point measurably lower than `f(x)`, after which `f` rose again: a local minimum of a
    /// continuous `f` lies between `x` and `beyond`.
    Lower {
        /// The lowest point the walk found.
        x: f64,
        /// `f` there.
        value: f64,
        /// Where the walk saw `f` rise again.
        beyond: f64,
    },
    /// `f` fell measurably and kept falling until the walk ran out of finite numbers or `f`
    /// stopped being finite, at `reached`: it is unbounded below that way, or lowest only at
    /// infinity or at the edge of its domain.
    KeepsDecreasing {
        /// The last point walked to.
        reached: f64,
    },
}

/// Walks downhill from `x` with steps that grow by the golden ratio from `1.5e-8·|x|` (from
/// `1.5e-8` at `x = 0`), in the direction of `−slope` (both directions when `slope` is 0), until
/// `f` rises.
///
/// Decreases and rises smaller than `2.2e-12·max(|f(x)|, 1)` count as rounding. Each
/// direction takes at most 200 evaluations of `f` from `|x| ≥ 1`, and a few more from small
/// `|x|` (the first step is relative, so that a walk can approach the edge of a domain at 0,
/// as `ln x` has). When both directions are walked, a
/// direction in which `f` keeps decreasing wins over one with a lower point, and of two
/// lower points the lower one is reported.
///
/// ```
/// use descent_objectives::univariate::ScalarFunction;
/// use descent_solvers::{walk_downhill, Downhill};
///
/// // x⁴ − 3x³ + 2 has f′(0) = 0, but is lower to the right of 0.
/// let f = ScalarFunction::new(|x: f64| x.powi(4) - 3.0 * x.powi(3) + 2.0);
/// assert!(matches!(walk_downhill(&f, 0.0, 0.0), Downhill::Lower { x, .. } if x > 1.0));
/// // e^−x decreases for ever.
/// let g = ScalarFunction::new(|x: f64| (-x).exp());
/// assert!(matches!(walk_downhill(&g, 19.0, -5.6e-9), Downhill::KeepsDecreasing { .. }));
/// // (x − 3)² near 3: nothing lower.
/// let h = ScalarFunction::new(|x: f64| (x - 3.0).powi(2));
/// assert_eq!(walk_downhill(&h, 3.0, 0.0), Downhill::NoLowerPoint);
/// ```
pub fn walk_downhill<O: Objective<Param = f64> + ?Sized>(f: &O, x: f64, slope: f64) -> Downhill {
    walk_from(f, x, f.value(&x), slope)
}

/// [`walk_downhill`] from `x`, where `f(x) = value`.
fn walk_from<O: Objective<Param = f64> + ?Sized>(
    f: &O,
    x: f64,
    value: f64,
    slope: f64,
) -> Downhill {
    let directions: &[f64] = if slope < 0.0 {
        &[1.0]
    } else if slope > 0.0 {
        &[-1.0]
    } else {
        &[1.0, -1.0]
    };
    let mut found = Downhill::NoLowerPoint;
    for &direction in directions {
        match walk(f, x, value, direction) {
            unbounded @ Downhill::KeepsDecreasing { .. } => return unbounded,
            Downhill::Lower {
                x,
                value: lower,
                beyond,
            } => {
                if !matches!(found, Downhill::Lower { value: v, .. } if v <= lower) {
                    found = Downhill::Lower {
                        x,
                        value: lower,
                        beyond,
                    };
                }
            }
            Downhill::NoLowerPoint => {}
        }
    }
    found
}

/// One direction of [`walk_downhill`].
fn walk<O: Objective<Param = f64> + ?Sized>(f: &O, x: f64, value: f64, direction: f64) -> Downhill {
    let noise = rounding_allowance(value);
    let mut step = FIRST_STEP * if x == 0.0 { 1.0 } else { x.abs() };
    // Extra steps from |x| < 1, to reach as far as a walk from |x| = 1 would.
    let extra = (x.abs().max(1.0) / (step / FIRST_STEP)).log(GROWTH).ceil();
    let steps = MAX_STEPS + extra.clamp(0.0, 2000.0) as usize;
    let (mut best_x, mut best) = (x, value);
    let fell = |best: f64| best < value - noise;
    let mut reached = x;
    for _ in 0..steps {
        let t = x + direction * step;
        if !t.is_finite() {
            break;
        }
        reached = t;
        let ft = f.value(&t);
        // Beyond the edge of the domain: bounded there unless f fell on the way.
        if !ft.is_finite() {
            break;
        }
        if ft > best + noise {
            return if fell(best) {
                Downhill::Lower {
                    x: best_x,
                    value: best,
                    beyond: t,
                }
            } else {
                Downhill::NoLowerPoint
            };
        }
        if ft < best {
            (best_x, best) = (t, ft);
        }
        step *= GROWTH;
    }
    if fell(best) {
        Downhill::KeepsDecreasing { reached }
    } else {
        Downhill::NoLowerPoint
    }
}

/// The check a solver makes at its end point before it gives its verdict, for each kind of
/// parameter.
///
/// For every parameter type the common iteration loop has already checked the gradient
/// test. For 1-D functions (`f64`) more is checked, because it can be, with a walk downhill
/// from the end point ([`walk_downhill`]):
/// - a run that passed the gradient test ends [`NotAMinimum`](Termination::NotAMinimum) when
///   a point at distance `D` is lower by more than `tol·D` (a convex `f` is never lower than
///   `|f′(x*)|·D`, so a true minimum always passes), and
///   [`KeepsDecreasing`](Termination::KeepsDecreasing) when `f` falls without end (`e^−x`);
/// - a run that did not converge ends [`KeepsDecreasing`](Termination::KeepsDecreasing) when
///   `f` falls without end from where it stopped (`ln x` near 0).
///
/// For vectors no walk is made: there is no direction that settles it in general.
pub trait EndPoint: Parameter {
    /// The verdict on a run that ended at `x` (with `f(x) = value` and gradient `gradient`)
    /// for reason `termination`, given the gradient tolerance.
    fn verdict<O: Objective<Param = Self> + ?Sized>(
        objective: &O,
        x: &Self,
        value: f64,
        gradient: &Self,
        gradient_tolerance: f64,
        termination: Termination,
    ) -> Termination;
}

impl EndPoint for f64 {
    fn verdict<O: Objective<Param = f64> + ?Sized>(
        objective: &O,
        x: &f64,
        value: f64,
        gradient: &f64,
        gradient_tolerance: f64,
        termination: Termination,
    ) -> Termination {
        if matches!(
            termination,
            Termination::Diverged | Termination::Interrupted
        ) {
            return termination;
        }
        let converged = matches!(termination, Termination::Converged(_));
        match walk_from(objective, *x, value, *gradient) {
            Downhill::KeepsDecreasing { .. } => Termination::KeepsDecreasing,
            Downhill::Lower {
                x: lower,
                value: lower_value,
                ..
            } if converged => {
                let drop = value - lower_value;
                if drop > gradient_tolerance * (lower - x).abs() {
                    Termination::NotAMinimum
                } else {
                    termination
                }
            }
            _ => termination,
        }
    }
}

impl EndPoint for Array1<f64> {
    fn verdict<O: Objective<Param = Array1<f64>> + ?Sized>(
        _: &O,
        _: &Array1<f64>,
        _: f64,
        _: &Array1<f64>,
        _: f64,
        termination: Termination,
    ) -> Termination {
        termination
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use descent_objectives::univariate::ScalarFunction;

    #[test]
    fn cancellation_near_a_minimum_is_not_a_decrease() {
        // x² − 2x + 1 loses every digit near 1; rounding must not look like a lower point.
        let f = ScalarFunction::new(|x: f64| x * x - 2.0 * x + 1.0);
        for x in [1.0, 1.0 + 3e-9, 1.0 - 7e-9] {
            assert_eq!(walk_downhill(&f, x, 0.0), Downhill::NoLowerPoint, "{x}");
        }
    }

    #[test]
    fn a_flat_bottomed_minimum_a_short_walk_away_is_found() {
        let f = ScalarFunction::new(|x: f64| (x - 1.0).powi(4));
        match walk_downhill(&f, 1.0014, 4.0 * 0.0014_f64.powi(3)) {
            Downhill::Lower { x, beyond, .. } => assert!(beyond < 1.0 && x < 1.0014),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_edge_of_the_domain_ends_a_walk() {
        // ln x falls towards 0 and is NaN beyond: it keeps decreasing up to the edge.
        let ln = ScalarFunction::new(|x: f64| x.ln());
        assert!(matches!(
            walk_downhill(&ln, 0.5, 2.0),
            Downhill::KeepsDecreasing { reached } if reached < 0.0
        ));
        // √x rises away from 0 and is NaN below it: nothing lower from 0.
        let sqrt = ScalarFunction::new(|x: f64| x.sqrt());
        assert_eq!(walk_downhill(&sqrt, 0.0, 1.0), Downhill::NoLowerPoint);
    }

    #[test]
    fn constants_and_maxima() {
        let flat = ScalarFunction::new(|_: f64| 5.0);
        assert_eq!(walk_downhill(&flat, 2.0, 0.0), Downhill::NoLowerPoint);
        // −x² falls both ways for ever.
        let cap = ScalarFunction::new(|x: f64| -x * x);
        assert!(matches!(
            walk_downhill(&cap, 0.0, 0.0),
            Downhill::KeepsDecreasing { .. }
        ));
    }
}
