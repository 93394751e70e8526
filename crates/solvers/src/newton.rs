use crate::counting::Counted;
use crate::iterate::{iterate, Next, Point};
use crate::stopping::stopping_builders;
use crate::{
    Criterion, EndPoint, Minimize, Observer, Report, SolverError, Step, Stopping, Termination,
};
use descent_objectives::{Gradient, Hessian, Objective, Parameter};
use ndarray::{Array1, Array2};
use ndarray_linalg::{FactorizeC, SolveC, UPLO};

/// Parameters for which Newton's linear system `(H + μI) d = −g` can be solved.
///
/// Implemented for `f64` (division) and `Array1<f64>` (Cholesky factorization through
/// ndarray-linalg and LAPACK; never an explicit inverse).
pub trait NewtonSystem: Parameter {
    /// `d = −(H + μI)⁻¹ g`, or `None` when `H + μI` is not (numerically) positive definite.
    fn newton_direction(hessian: &Self::Matrix, gradient: &Self, shift: f64) -> Option<Self>;

    /// The largest `|Hᵢᵢ|`, which sets the scale of the shifts tried.
    fn diagonal_scale(hessian: &Self::Matrix) -> f64;
}

impl NewtonSystem for f64 {
    fn newton_direction(hessian: &f64, gradient: &f64, shift: f64) -> Option<f64> {
        let h = hessian + shift;
        (h > 0.0 && h.is_finite()).then(|| -gradient / h)
    }

    fn diagonal_scale(hessian: &f64) -> f64 {
        hessian.abs()
    }
}

impl NewtonSystem for Array1<f64> {
    fn newton_direction(hessian: &Array2<f64>, gradient: &Self, shift: f64) -> Option<Self> {
        if !hessian.iter().all(|v| v.is_finite()) {
            return None;
        }
        let mut h = hessian.clone();
        h.diag_mut().mapv_inplace(|d| d + shift);
        let factor = h.factorizec(UPLO::Lower).ok()?;
        let d = factor.solvec(gradient).ok()?;
        d.iter().all(|v| v.is_finite()).then(|| -d)
    }

    fn diagonal_scale(hessian: &Array2<f64>) -> f64 {
        hessian.diag().fold(0.0_f64, |m, d| m.max(d.abs()))
    }
}

/// Armijo's sufficient-decrease constant `c₁`: accept `α` when
/// `f(x + αd) ≤ f(x) + c₁ α ∇f(x)ᵀd`.
const ARMIJO_C1: f64 = 1e-4;
/// The most halvings of `α` a line search tries (`α` down to about 1e-18).
const MAX_BACKTRACKS: usize = 60;
/// The first shift tried on a Hessian that is not positive definite, relative to its
/// largest diagonal entry; each further try multiplies the shift by 10.
const FIRST_SHIFT: f64 = 1e-3;
/// The most shifts tried before falling back to a steepest-descent step.
const MAX_SHIFTS: usize = 40;

/// Newton's method: `x ← x − α H(x)⁻¹ ∇f(x)`, in one dimension (`x ← x − f′(x)/f″(x)`) or
/// many (solving `H d = −∇f` by Cholesky).
///
/// Near a minimum with a positive definite Hessian it converges quadratically: the number
/// of correct digits roughly doubles each iteration.
///
/// Robustness, recorded in each history [`Step`]:
/// - **Hessian not positive definite** (singular, indefinite, or a 1-D `f″ ≤ 0`): the solver
///   adds `μI`, with `μ = 10⁻³·max|Hᵢᵢ|` and then ten times larger until the Cholesky
///   factorization succeeds ([`Step::DampedNewton`]); this keeps the step a descent
///   direction instead of heading for a maximum or a saddle. If no shift works (a NaN
///   Hessian), it takes a steepest-descent step ([`Step::SteepestDescent`]).
/// - **Line search** (on by default): backtracking from `α = 1`, halving `α` until Armijo's
///   condition holds. A full step is tried first, so near the minimum this is the pure
///   method. Without it (`line_search(false)`) every step is taken whole, as in the course.
///
/// ```
/// use descent_objectives::univariate::DoubleWell;
/// use descent_solvers::{Minimize, Newton};
///
/// // From x = 0.1, where f″ < 0, a pure Newton step heads for the maximum near 0; the damped,
/// // line-searched step goes downhill into the right-hand well.
/// let f = DoubleWell::new(0.0);
/// let report = Newton::new().minimize(&f, 0.1)?;
/// assert!(report.converged());
/// assert!((report.x - 1.0).abs() < 1e-9);
/// # Ok::<(), descent_solvers::SolverError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Newton {
    line_search: bool,
    stopping: Stopping,
}

impl Default for Newton {
    fn default() -> Self {
        Self::new()
    }
}

impl Newton {
    /// Newton's method with a backtracking line search and default [`Stopping`].
    pub fn new() -> Self {
        Newton {
            line_search: true,
            stopping: Stopping::default(),
        }
    }

    /// Whether to backtrack (Armijo) along the Newton direction (default true).
    ///
    /// ```
    /// use descent_solvers::Newton;
    /// let pure = Newton::new().line_search(false);
    /// ```
    #[must_use]
    pub fn line_search(mut self, line_search: bool) -> Self {
        self.line_search = line_search;
        self
    }
}

stopping_builders!(Newton, "Newton::new()");

/// The Newton direction at `at`, shifting the Hessian until it is positive definite.
fn direction<P: NewtonSystem>(hessian: &P::Matrix, gradient: &P) -> (P, Step) {
    if let Some(d) = P::newton_direction(hessian, gradient, 0.0) {
        return (d, Step::Newton { alpha: 1.0 });
    }
    let scale = P::diagonal_scale(hessian);
    let mut shift = FIRST_SHIFT
        * if scale > 0.0 && scale.is_finite() {
            scale
        } else {
            1.0
        };
    for _ in 0..MAX_SHIFTS {
        if let Some(d) = P::newton_direction(hessian, gradient, shift) {
            return (d, Step::DampedNewton { shift, alpha: 1.0 });
        }
        shift *= 10.0;
    }
    (gradient.scaled(-1.0), Step::SteepestDescent { alpha: 1.0 })
}

fn with_alpha(step: Step, alpha: f64) -> Step {
    match step {
        Step::Newton { .. } => Step::Newton { alpha },
        Step::DampedNewton { shift, .. } => Step::DampedNewton { shift, alpha },
        Step::SteepestDescent { .. } => Step::SteepestDescent { alpha },
        other => other,
    }
}

impl<O> Minimize<O> for Newton
where
    O: Hessian,
    O::Param: NewtonSystem + EndPoint,
{
    fn minimize_observed(
        &self,
        objective: &O,
        x0: O::Param,
        observer: &mut dyn Observer<O::Param>,
    ) -> Result<Report<O::Param>, SolverError> {
        let counted = Counted::new(objective);
        let line_search = self.line_search;
        let step_tolerance = self.stopping.step_tolerance;
        iterate("Newton", &counted, x0, &self.stopping, observer, |at| {
            let hessian = counted.hessian(&at.x);
            let (d, step) = direction::<O::Param>(&hessian, &at.gradient);
            let trial = |alpha: f64| {
                let mut x = at.x.clone();
                x.add_scaled(alpha, &d);
                x
            };
            // The full step, with value and gradient in one call: usually accepted.
            let x = trial(1.0);
            let (value, gradient) = counted.value_and_gradient(&x);
            if !line_search {
                return Ok(Next::Move(Point { x, value, gradient }, step));
            }
            let slope = at.gradient.dot(&d);
            // Round-off allowance: near the minimum f cannot decrease measurably.
            let noise = 4.0 * f64::EPSILON * at.value.abs();
            let acceptable = |alpha: f64, value: f64| {
                value.is_finite() && value <= at.value + ARMIJO_C1 * alpha * slope + noise
            };
            if acceptable(1.0, value) {
                return Ok(Next::Move(Point { x, value, gradient }, step));
            }
            let mut alpha = 1.0;
            for _ in 0..MAX_BACKTRACKS {
                alpha *= 0.5;
                let x = trial(alpha);
                let value = counted.value(&x);
                if acceptable(alpha, value) {
                    let gradient = counted.gradient(&x);
                    return Ok(Next::Move(
                        Point { x, value, gradient },
                        with_alpha(step, alpha),
                    ));
                }
            }
            // The full step itself is below the step rule's tolerance: nothing left to gain.
            if d.l1_norm() < step_tolerance {
                return Ok(Next::Stop(Termination::Stalled(Criterion::StepSize)));
            }
            Ok(Next::Stop(Termination::LineSearchFailed(format!(
                "no step along the {} direction decreased the objective",
                match step {
                    Step::SteepestDescent { .. } => "steepest-descent",
                    _ => "Newton",
                }
            ))))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use ndarray_linalg::Solve;

    #[test]
    fn cholesky_direction_matches_an_lu_solve() {
        let h = array![[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]];
        let g = array![1.0, -2.0, 0.5];
        let d = <Array1<f64> as NewtonSystem>::newton_direction(&h, &g, 0.0).unwrap();
        let expected = -h.solve(&g).unwrap();
        assert!((&d - &expected).iter().all(|e| e.abs() < 1e-14));
        // With a shift: (H + μI) d = −g.
        let shifted = &h + &(Array2::<f64>::eye(3) * 0.7);
        let d = <Array1<f64> as NewtonSystem>::newton_direction(&h, &g, 0.7).unwrap();
        assert!((&d - &(-shifted.solve(&g).unwrap()))
            .iter()
            .all(|e| e.abs() < 1e-14));
    }

    #[test]
    fn indefinite_and_singular_hessians_are_shifted_into_descent_directions() {
        let g = array![1.0, 1.0];
        for h in [array![[1.0, 0.0], [0.0, -2.0]], Array2::zeros((2, 2))] {
            assert!(<Array1<f64> as NewtonSystem>::newton_direction(&h, &g, 0.0).is_none());
            let (d, step) = direction::<Array1<f64>>(&h, &g);
            assert!(matches!(step, Step::DampedNewton { shift, .. } if shift > 0.0));
            assert!(g.dot(&d) < 0.0, "not a descent direction");
        }
        let (d, step) = direction::<f64>(&-3.0, &2.0);
        assert!(matches!(step, Step::DampedNewton { shift, .. } if shift > 3.0));
        assert!(d < 0.0);
        // A NaN Hessian cannot be factorized at any shift: steepest descent.
        let (d, step) = direction::<f64>(&f64::NAN, &2.0);
        assert_eq!((d, step), (-2.0, Step::SteepestDescent { alpha: 1.0 }));
    }
}
