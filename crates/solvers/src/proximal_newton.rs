//! Proximal Newton with coordinate descent on working sets, for composite objectives whose
//! smooth part has a Hessian: L1 and elastic-net logistic and linear regression.

use crate::composite::{
    check_composite, evaluate, gap_tolerance_builder, iterate_composite, Certify, CompositeNext,
    Counter,
};
use crate::stopping::stopping_builders;
use crate::{Criterion, Minimize, Observer, Report, SolverError, Step, Stopping, Termination};
use descent_objectives::{Composite, ElasticNet, HessianBlock, Parameter, Smooth};
use ndarray::{Array1, Array2};

/// Armijo's constant for the line search on the composite objective.
const ARMIJO: f64 = 1e-4;
/// The most halvings of the step.
const MAX_BACKTRACKS: usize = 50;
/// Up to this many parameters, every coordinate is in the working set.
const ALL_COORDINATES: usize = 128;
/// The inner solve stops when the quadratic model's optimality falls below this fraction of
/// the outer optimality (an inexact Newton step that still converges superlinearly).
const FORCING: f64 = 0.05;

/// Proximal Newton: each outer step minimizes the quadratic model of the smooth part plus the
/// penalty, `min_d ∇F(x)ᵀd + ½dᵀ∇²F(x)d + g(x + d)`, by cyclic coordinate descent on the
/// Hessian, then searches along `d` on the true objective. This is what glum and
/// scikit-learn's `newton-cd` do for L1 logistic regression.
///
/// - **Cost independent of `N` in the inner loop.** The Hessian (the weighted Gram matrix
///   `X̃ᵀWX̃` of a linear model) is formed once per outer step by the loss's own kernel, and
///   coordinate descent then works on it alone.
/// - **Working sets.** Beyond 128 parameters, the Hessian is formed only on a working set: the
///   coordinates that are not zero, the unpenalized ones, and the zero coordinates that
///   violate the optimality condition most (as many as there are non-zeros, at least 10),
///   ranked by their violation `max(|∇ⱼF| − λ₁ⱼ, 0)`. The full condition and the duality gap
///   are checked at every outer step, so the certificate covers every coordinate.
/// - **Least squares.** For the mean squared error the model is exact: one outer step with
///   coordinate descent on the (working set's) Gram matrix solves the problem, and the next
///   step certifies it.
///
/// The run stops on the duality gap when the loss knows its dual (checked every step):
/// [`Converged(DualityGap)`](Criterion::DualityGap) when the gap is at most
/// [`gap_tolerance`](ProximalNewton::gap_tolerance) times the objective.
///
/// ```
/// use descent_objectives::{Composite, ElasticNet, LogLoss};
/// use descent_solvers::{Minimize, ProximalNewton};
/// use ndarray::{array, Array1};
///
/// let x = array![[0.0, 3.0], [1.0, 1.0], [2.0, 2.5], [3.0, 0.5], [4.0, 2.0], [5.0, 1.5]];
/// let y = array![0.0, 0.0, 1.0, 0.0, 1.0, 1.0];
/// // scikit-learn's LogisticRegression(penalty="l1", C=0.3): λ₁ = 1/(C·N).
/// let objective = Composite::new(LogLoss::new(&x, &y)?, ElasticNet::for_logistic(0.3, 1.0, 6, 2)?)?;
/// let report = ProximalNewton::new().minimize(&objective, Array1::zeros(3))?;
/// assert!(report.converged(), "{}", report.termination);
/// assert!(report.duality_gap.unwrap() <= 1e-8 * report.value);
/// assert_eq!(report.non_zeros, Some(1)); // the second feature is dropped
/// assert_eq!(report.x[1], 0.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProximalNewton {
    gap_tolerance: f64,
    max_sweeps: usize,
    stopping: Stopping,
}

impl Default for ProximalNewton {
    fn default() -> Self {
        Self::new()
    }
}

impl ProximalNewton {
    /// Proximal Newton with a gap tolerance of 1e-8, at most 100 outer iterations and 1000
    /// sweeps of coordinate descent in each.
    pub fn new() -> Self {
        ProximalNewton {
            gap_tolerance: 1e-8,
            max_sweeps: 1000,
            stopping: Stopping {
                max_iterations: 100,
                ..Stopping::default()
            },
        }
    }

    /// The most sweeps of coordinate descent per outer step (default 1000).
    ///
    /// ```
    /// use descent_solvers::ProximalNewton;
    /// let solver = ProximalNewton::new().max_sweeps(200);
    /// ```
    #[must_use]
    pub fn max_sweeps(mut self, sweeps: usize) -> Self {
        self.max_sweeps = sweeps;
        self
    }
}

stopping_builders!(ProximalNewton, "ProximalNewton::new()");
gap_tolerance_builder!(ProximalNewton, "ProximalNewton::new()");

/// The working set at `x`: every coordinate of a small problem; otherwise the non-zero and
/// unpenalized coordinates and the zero ones that violate optimality most.
fn working_set(penalty: &ElasticNet, x: &Array1<f64>, violations: &Array1<f64>) -> Vec<usize> {
    let n = x.len();
    if n <= ALL_COORDINATES {
        return (0..n).collect();
    }
    let penalized = penalty.penalized();
    let mut set: Vec<usize> = (0..n).filter(|&j| j >= penalized || x[j] != 0.0).collect();
    let active = set.len();
    let mut violators: Vec<usize> = (0..penalized)
        .filter(|&j| x[j] == 0.0 && violations[j] > 0.0)
        .collect();
    violators.sort_by(|&a, &b| violations[b].total_cmp(&violations[a]));
    set.extend(violators.into_iter().take(active.max(10)));
    set.sort_unstable();
    set
}

/// Minimizes the model `gᵀd + ½dᵀHd + g(x + d)` over `d` on the working set `set` by cyclic
/// coordinate descent on `H` (the Hessian on `set`), until the model's optimality is at most
/// `target` or `max_sweeps` sweeps have passed. Returns `d` on `set`.
fn coordinate_descent(
    penalty: &ElasticNet,
    x: &Array1<f64>,
    gradient: &Array1<f64>,
    set: &[usize],
    h: &Array2<f64>,
    target: f64,
    max_sweeps: usize,
) -> Array1<f64> {
    let m = set.len();
    let mut d = Array1::<f64>::zeros(m);
    // Hd, kept up to date as coordinates move.
    let mut hd = Array1::<f64>::zeros(m);
    for _ in 0..max_sweeps {
        for (c, &j) in set.iter().enumerate() {
            let a = h[[c, c]];
            if !(a > 0.0 && a.is_finite()) {
                continue;
            }
            let u = x[j] + d[c];
            let slope = gradient[j] + hd[c];
            let moved = penalty.prox_coordinate(j, u - slope / a, 1.0 / a);
            let delta = moved - u;
            if delta != 0.0 {
                d[c] += delta;
                hd.scaled_add(delta, &h.column(c));
            }
        }
        // The model's optimality at the new d.
        let worst = set
            .iter()
            .enumerate()
            .map(|(c, &j)| {
                let u = x[j] + d[c];
                let slope = gradient[j] + hd[c];
                if j >= penalty.penalized() {
                    slope.abs()
                } else if u == 0.0 {
                    (slope.abs() - penalty.l1()[j]).max(0.0)
                } else {
                    (slope + penalty.l1()[j] * u.signum() + penalty.l2()[j] * u).abs()
                }
            })
            .fold(0.0_f64, f64::max);
        if worst <= target {
            break;
        }
    }
    d
}

impl<F: Smooth + HessianBlock> Minimize<Composite<F>> for ProximalNewton {
    fn minimize_observed(
        &self,
        objective: &Composite<F>,
        x0: Array1<f64>,
        observer: &mut dyn Observer<Array1<f64>>,
    ) -> Result<Report<Array1<f64>>, SolverError> {
        check_composite(objective, &x0)?;
        if self.max_sweeps == 0 {
            return Err(SolverError::InvalidSetting {
                name: "max_sweeps",
                value: 0.0,
                reason: "must be at least 1",
            });
        }
        let counter = Counter::default();
        let certify = Certify {
            solver: "proximal Newton",
            stopping: self.stopping,
            gap_tolerance: self.gap_tolerance,
            gap_every: 1,
        };
        let penalty = objective.penalty();
        iterate_composite(objective, x0, certify, observer, &counter, |at, _| {
            let violations = penalty.violations(&at.x, &at.gradient);
            let set = working_set(penalty, &at.x, &violations);
            counter.hessians(1);
            let h = objective.smooth().hessian_block(&at.x, &set);
            let worst = set.iter().map(|&j| violations[j]).fold(0.0_f64, f64::max);
            let d_set = coordinate_descent(
                penalty,
                &at.x,
                &at.gradient,
                &set,
                &h,
                FORCING * worst,
                self.max_sweeps,
            );
            let mut d = Array1::zeros(at.x.len());
            for (c, &j) in set.iter().enumerate() {
                d[j] = d_set[c];
            }
            if d.iter().all(|v| *v == 0.0) {
                return Ok(CompositeNext::Stop(Termination::Stalled(
                    Criterion::StepSize,
                )));
            }
            // The decrease the model predicts, an upper bound on the directional one.
            let full = {
                let mut x = at.x.clone();
                x.add_scaled(1.0, &d);
                x
            };
            let predicted = at.gradient.dot(&d) + penalty.value(&full) - penalty.value(&at.x);
            let noise = 8.0 * f64::EPSILON * at.value.abs();
            let mut alpha = 1.0;
            for _ in 0..MAX_BACKTRACKS {
                let mut x = at.x.clone();
                x.add_scaled(alpha, &d);
                counter.values(1);
                let value = objective.smooth().value(&x) + penalty.value(&x);
                if value.is_finite() && value <= at.value + ARMIJO * alpha * predicted + noise {
                    let to = evaluate(objective, x, &counter);
                    return Ok(CompositeNext::Move(
                        to,
                        Step::ProximalNewton {
                            alpha,
                            working_set: set.len(),
                        },
                    ));
                }
                alpha *= 0.5;
            }
            Ok(CompositeNext::Stop(Termination::LineSearchFailed(
                "no step along the proximal Newton direction decreased the objective".into(),
            )))
        })
    }
}
