//! Proximal gradient methods for composite objectives: ISTA (the course's fixed-step gradient
//! descent with a soft-threshold step) and FISTA (accelerated, with backtracking).

use crate::composite::{
    check_composite, evaluate, gap_tolerance_builder, iterate_composite, Certify, CompositeNext,
    CompositePoint, Counter,
};
use crate::stopping::{positive, stopping_builders};
use crate::{Minimize, Observer, Report, SolverError, Step, Stopping, Termination};
use descent_objectives::{Composite, Parameter, Smooth};
use ndarray::Array1;

/// How much the Lipschitz estimate grows on each backtracking step.
const GROW: f64 = 2.0;
/// The most backtracking steps in one iteration.
const MAX_BACKTRACKS: usize = 60;
/// How much the Lipschitz estimate is allowed to shrink at the start of each iteration, so
/// that one pessimistic step early on does not slow every later one.
const SHRINK: f64 = 0.9;

/// Proximal gradient descent on `F + g`: a gradient step on the smooth part, then the
/// penalty's proximal operator (soft-thresholding for L1),
///
/// `x ← prox_{t·g}(y − t·∇F(y))`.
///
/// - [`ProximalGradient::ista`] is the course's fixed-step gradient descent with the
///   soft-threshold step: `y = x`, a fixed step `t`. It converges when `t ≤ 1/L` (`L` the
///   Lipschitz constant of `∇F`), at rate `O(1/k)`.
/// - [`ProximalGradient::fista`] (Beck and Teboulle) extrapolates, `y = x_k + ((t_k − 1)/t_{k+1})(x_k − x_{k−1})`,
///   for the rate `O(1/k²)`, finds the step by backtracking (the largest `1/L` with
///   `F(x⁺) ≤ F(y) + ∇F(y)ᵀ(x⁺ − y) + (L/2)‖x⁺ − y‖²`), and restarts the momentum whenever
///   the momentum points uphill or the objective rises (O'Donoghue and Candès). The estimate
///   of `L` may shrink by 10% at each iteration, so that the step can grow again.
///
/// Both stop on the duality gap when the loss knows its dual ([`Smooth::duality_gap`]), checked
/// every 10 iterations: the run is [`Converged(DualityGap)`](crate::Criterion::DualityGap)
/// when the gap is at most [`gap_tolerance`](ProximalGradient::gap_tolerance) times the
/// objective. They are the baselines of the race; coordinate-wise methods
/// ([`ProximalNewton`](crate::ProximalNewton)) are far faster on linear models.
///
/// ```
/// use descent_objectives::{Composite, ElasticNet, MeanSquaredError};
/// use descent_solvers::{Minimize, ProximalGradient};
/// use ndarray::{array, Array1};
///
/// let x = array![[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 1.0]];
/// let y = array![1.0, 0.1, 1.1, 2.1]; // y ≈ x₁, x₂ barely matters
/// let lasso = Composite::new(MeanSquaredError::new(&x, &y)?, ElasticNet::new(0.2, 0.0, 2)?)?;
/// let report = ProximalGradient::fista().minimize(&lasso, Array1::zeros(3))?;
/// assert!(report.converged(), "{}", report.termination);
/// assert_eq!(report.x[1], 0.0); // the L1 penalty sets the weak coefficient to exactly zero
/// assert!(report.duality_gap.unwrap() <= 1e-8 * report.value);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProximalGradient {
    /// A fixed step (ISTA), or `None` for FISTA's backtracking.
    fixed_step: Option<f64>,
    gap_tolerance: f64,
    stopping: Stopping,
}

impl ProximalGradient {
    /// ISTA: the fixed step `t` (the learning rate γ of gradient descent).
    pub fn ista(step: f64) -> Self {
        ProximalGradient {
            fixed_step: Some(step),
            gap_tolerance: 1e-8,
            stopping: Stopping {
                max_iterations: 10_000,
                ..Stopping::default()
            },
        }
    }

    /// FISTA, with backtracking on the step and restarts of the momentum.
    pub fn fista() -> Self {
        ProximalGradient {
            fixed_step: None,
            ..Self::ista(1.0)
        }
    }
}

stopping_builders!(ProximalGradient, "ProximalGradient::fista()");
gap_tolerance_builder!(ProximalGradient, "ProximalGradient::fista()");

/// `prox_{t·g}(y − t·∇F(y))`.
fn proximal_step<F: Smooth>(
    objective: &Composite<F>,
    y: &Array1<f64>,
    gradient: &Array1<f64>,
    t: f64,
) -> Array1<f64> {
    let mut x = y.clone();
    x.add_scaled(-t, gradient);
    objective.penalty().prox(&mut x, t);
    x
}

impl<F: Smooth> Minimize<Composite<F>> for ProximalGradient {
    fn minimize_observed(
        &self,
        objective: &Composite<F>,
        x0: Array1<f64>,
        observer: &mut dyn Observer<Array1<f64>>,
    ) -> Result<Report<Array1<f64>>, SolverError> {
        check_composite(objective, &x0)?;
        let counter = Counter::default();
        let certify = Certify {
            solver: if self.fixed_step.is_some() {
                "ISTA"
            } else {
                "FISTA"
            },
            stopping: self.stopping,
            gap_tolerance: self.gap_tolerance,
            gap_every: 10,
            // Slow progress is not a stall: first-order methods run to their limit.
            stall_checks: usize::MAX,
        };
        if let Some(t) = self.fixed_step {
            positive("step", t)?;
            return iterate_composite(objective, x0, certify, observer, &counter, |at, _| {
                let x = proximal_step(objective, &at.x, &at.gradient, t);
                Ok(CompositeNext::Move(
                    evaluate(objective, x, &counter),
                    Step::Proximal { step: t },
                ))
            });
        }
        // FISTA's state: the previous iterate, the momentum t_k, and the Lipschitz estimate.
        let mut previous: Option<CompositePoint> = None;
        let mut momentum = 1.0_f64;
        let mut lipschitz: Option<f64> = None;
        iterate_composite(objective, x0, certify, observer, &counter, |at, _| {
            // The extrapolated point y and its gradient.
            let next_momentum = 0.5 * (1.0 + (1.0 + 4.0 * momentum * momentum).sqrt());
            let y = match &previous {
                Some(before) if momentum > 1.0 => {
                    let mut y = at.x.clone();
                    let mut delta = at.x.clone();
                    delta.add_scaled(-1.0, &before.x);
                    y.add_scaled((momentum - 1.0) / next_momentum, &delta);
                    evaluate(objective, y, &counter)
                }
                _ => at.clone(),
            };
            // A first estimate of L from the gradient's change along a small step.
            let mut l = match lipschitz {
                Some(l) => l * SHRINK,
                None => first_lipschitz(objective, &y, &counter),
            };
            let mut accepted = None;
            for _ in 0..MAX_BACKTRACKS {
                let t = 1.0 / l;
                let candidate = evaluate(
                    objective,
                    proximal_step(objective, &y.x, &y.gradient, t),
                    &counter,
                );
                if upper_bound_holds(&y, &candidate, l) {
                    accepted = Some((candidate, t));
                    break;
                }
                l *= GROW;
            }
            let Some((to, t)) = accepted else {
                return Ok(CompositeNext::Stop(Termination::LineSearchFailed(
                    "no step satisfied the quadratic upper bound".into(),
                )));
            };
            lipschitz = Some(l);
            // Restart the momentum when it points uphill: when the step taken,
            // x⁺ − x, and the gradient mapping at y, y − x⁺, make an acute angle
            // (O'Donoghue and Candès's gradient restart), or when the objective rises.
            let mut step_taken = to.x.clone();
            step_taken.add_scaled(-1.0, &at.x);
            let mut mapping = y.x.clone();
            mapping.add_scaled(-1.0, &to.x);
            momentum = if to.value > at.value || mapping.dot(&step_taken) > 0.0 {
                1.0
            } else {
                next_momentum
            };
            previous = Some(at.clone());
            Ok(CompositeNext::Move(to, Step::Proximal { step: t }))
        })
    }
}

/// Whether `L` bounds the curvature of the smooth part between `y` and `x⁺`:
///
/// `F(x⁺) ≤ F(y) + ∇F(y)ᵀd + (L/2)‖d‖²`, with `d = x⁺ − y`.
///
/// Near the optimum that difference of values is lost to rounding (it is `O(‖d‖²)` against
/// values of `O(1)`), and a test on it would accept any step. There, as TFOCS does, the
/// curvature is measured from gradients instead, `(∇F(x⁺) − ∇F(y))ᵀd ≤ L‖d‖²`, which has no
/// cancellation of values and is exact for a quadratic.
fn upper_bound_holds(y: &CompositePoint, candidate: &CompositePoint, l: f64) -> bool {
    if !(candidate.smooth.is_finite() && candidate.gradient.is_finite()) {
        return false;
    }
    let mut d = candidate.x.clone();
    d.add_scaled(-1.0, &y.x);
    let squared = d.dot(&d);
    if squared == 0.0 {
        return true;
    }
    let rise = candidate.smooth - y.smooth - y.gradient.dot(&d);
    let resolution = 1e-10 * y.smooth.abs().max(candidate.smooth.abs());
    if rise.abs() > resolution {
        return rise <= 0.5 * l * squared;
    }
    let mut change = candidate.gradient.clone();
    change.add_scaled(-1.0, &y.gradient);
    change.dot(&d) <= l * squared
}

/// An estimate of the Lipschitz constant of `∇F` near `at`: `‖∇F(at + h) − ∇F(at)‖/‖h‖` for
/// a step `h` along the negative gradient, of length `1e-4·max(‖x‖, 1)`.
fn first_lipschitz<F: Smooth>(
    objective: &Composite<F>,
    at: &CompositePoint,
    counter: &Counter,
) -> f64 {
    let norm = at.gradient.norm();
    if norm == 0.0 {
        return 1.0;
    }
    let length = 1e-4 * at.x.norm().max(1.0);
    let mut moved = at.x.clone();
    moved.add_scaled(-length / norm, &at.gradient);
    counter.gradients(1);
    let mut change = objective.smooth().gradient(&moved);
    change.add_scaled(-1.0, &at.gradient);
    let l = change.norm() / length;
    if l.is_finite() && l > 0.0 {
        l
    } else {
        1.0
    }
}
