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
use ndarray_linalg::{FactorizeC, SolveC, UPLO};

/// Armijo's constant for the line search on the composite objective.
const ARMIJO: f64 = 1e-4;
/// The most halvings of the step.
const MAX_BACKTRACKS: usize = 50;
/// Up to this many parameters, every coordinate is in the working set. Beyond, the Hessian is
/// formed on the working set only: from a zero start most coefficients stay zero, and on the
/// README's 200 000 × 50 problem this halves the time of a fit.
const ALL_COORDINATES: usize = 16;
/// The inner solve stops when the quadratic model's optimality falls below this fraction of
/// the outer optimality. A sweep costs `O(|W|²)` against the `O(N·|W|²)` of forming the
/// Hessian, so solving the model accurately is cheap, and it saves outer iterations: on the
/// README's 200 000 × 50 problem, 3 instead of 5 at 0.05.
const FORCING: f64 = 0.001;

/// Proximal Newton: each outer step minimizes the quadratic model of the smooth part plus the
/// penalty, `min_d ∇F(x)ᵀd + ½dᵀ∇²F(x)d + g(x + d)`, by cyclic coordinate descent on the
/// Hessian, then searches along `d` on the true objective. This is what glum and
/// scikit-learn's `newton-cd` do for L1 logistic regression.
///
/// - **Cost independent of `N` in the inner loop.** The Hessian (the weighted Gram matrix
///   `X̃ᵀWX̃` of a linear model) is formed once per outer step by the loss's own kernel, and
///   coordinate descent then works on it alone.
/// - **Working sets.** Beyond 16 parameters, the Hessian is formed only on a working set: the
///   coordinates that are not zero, the unpenalized ones, and the zero coordinates that
///   violate the optimality condition most (four times as many as there are non-zeros, at least 32),
///   ranked by their violation `max(|∇ⱼF| − λ₁ⱼ, 0)`. The full condition is checked at every
///   outer step and the duality gap covers every coordinate, so the certificate does too.
/// - **Active-set steps.** Coordinate descent finds the zeros quickly but crawls on the rest
///   when the Hessian is ill-conditioned; every so often the inner loop solves the non-zero
///   block exactly (Cholesky), as far as the signs hold.
/// - **Least squares.** For the mean squared error the model is exact: one outer step with
///   coordinate descent on the (working set's) Gram matrix solves the problem, and the next
///   step certifies it.
///
/// The run stops on the duality gap when the loss knows its dual (computed whenever the
/// optimality measure says it could pass, every fifth step otherwise, and at the end point):
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
/// let objective = Composite::new(LogLoss::new(&x, &y)?, ElasticNet::for_logistic(0.3, 1.0, 6.0, 2)?)?;
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
/// unpenalized coordinates and the zero ones that violate optimality most, up to four times as
/// many as there are of the former, and at least 32 (from a zero start, a set that grows too
/// slowly costs whole outer iterations to find the support).
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
    set.extend(violators.into_iter().take((4 * active).max(32)));
    set.sort_unstable();
    set
}

/// The quadratic model `gᵀd + ½dᵀHd + g(x + d)` of a proximal Newton step, on a working set.
struct Model<'a> {
    penalty: &'a ElasticNet,
    x: &'a Array1<f64>,
    gradient: &'a Array1<f64>,
    set: &'a [usize],
    h: &'a Array2<f64>,
}

impl Model<'_> {
    /// The model's optimality at `d` (with `hd = Hd`): the largest distance of its gradient
    /// to the penalty's subdifferential over the working set.
    fn optimality(&self, d: &Array1<f64>, hd: &Array1<f64>) -> f64 {
        let penalty = self.penalty;
        self.set
            .iter()
            .enumerate()
            .map(|(c, &j)| {
                let u = self.x[j] + d[c];
                let slope = self.gradient[j] + hd[c];
                if j >= penalty.penalized() {
                    slope.abs()
                } else if u == 0.0 {
                    (slope.abs() - penalty.l1()[j]).max(0.0)
                } else {
                    (slope + penalty.l1()[j] * u.signum() + penalty.l2()[j] * u).abs()
                }
            })
            .fold(0.0_f64, f64::max)
    }

    /// A step of the active-set method from `d`: on the coordinates that are non-zero at `d`
    /// (the active set `A`, with their signs `s`) the penalty is smooth, and the model's
    /// minimizer there solves the linear system
    ///
    /// `(H_AA + diag λ₂) d_A = −(g_A + λ₁·s_A + λ₂·x_A) − H_AZ d_Z`,
    ///
    /// with `Z` the coordinates at zero (`d_Z = −x_Z`), solved by Cholesky. The step goes from
    /// `d` towards that minimizer as far as the signs allow: to it when no coordinate changes
    /// sign, otherwise to where the first one reaches zero, which then stays there. On that
    /// segment the model is a convex quadratic falling towards the minimizer, so the step never
    /// raises it. `None` when the system cannot be solved.
    fn active_set_step(&self, d: &Array1<f64>) -> Option<Array1<f64>> {
        let penalty = self.penalty;
        let (active, zero): (Vec<usize>, Vec<usize>) = (0..self.set.len()).partition(|&c| {
            self.set[c] >= penalty.penalized() || self.x[self.set[c]] + d[c] != 0.0
        });
        if active.is_empty() {
            return None;
        }
        let sign = |c: usize| (self.x[self.set[c]] + d[c]).signum();
        let k = active.len();
        let mut system = Array2::<f64>::zeros((k, k));
        let mut rhs = Array1::<f64>::zeros(k);
        for (a, &c) in active.iter().enumerate() {
            let j = self.set[c];
            for (b, &e) in active.iter().enumerate() {
                system[[a, b]] = self.h[[c, e]];
            }
            rhs[a] = -self.gradient[j];
            if j < penalty.penalized() {
                system[[a, a]] += penalty.l2()[j];
                rhs[a] -= penalty.l1()[j] * sign(c) + penalty.l2()[j] * self.x[j];
            }
            // The zero coordinates sit at d = −x.
            for &z in &zero {
                rhs[a] += self.h[[c, z]] * self.x[self.set[z]];
            }
        }
        // Collinear columns make the block singular: a ridge at rounding level then picks one
        // of the equally good solutions.
        let solution = match system.factorizec(UPLO::Lower) {
            Ok(factor) => factor.solvec(&rhs).ok()?,
            Err(_) => {
                let largest = system.diag().fold(0.0_f64, |m, v| m.max(v.abs()));
                system.diag_mut().mapv_inplace(|v| v + 1e-12 * largest);
                system.factorizec(UPLO::Lower).ok()?.solvec(&rhs).ok()?
            }
        };
        if !solution.is_finite() {
            return None;
        }
        // How far towards the solution before a coordinate of A reaches zero.
        let mut fraction = 1.0_f64;
        let mut blocking = None;
        for (a, &c) in active.iter().enumerate() {
            let j = self.set[c];
            if j >= penalty.penalized() {
                continue;
            }
            let (from, to) = (self.x[j] + d[c], self.x[j] + solution[a]);
            if to.signum() != from.signum() {
                let t = from / (from - to);
                if t < fraction {
                    fraction = t;
                    blocking = Some(c);
                }
            }
        }
        let mut stepped = d.clone();
        for &z in &zero {
            stepped[z] = -self.x[self.set[z]];
        }
        for (a, &c) in active.iter().enumerate() {
            stepped[c] = d[c] + fraction * (solution[a] - d[c]);
        }
        if let Some(c) = blocking {
            stepped[c] = -self.x[self.set[c]];
        }
        Some(stepped)
    }
}

/// Minimizes the model `gᵀd + ½dᵀHd + g(x + d)` over `d` on the working set by cyclic
/// coordinate descent on `H` (the Hessian on the set), until the model's optimality is at most
/// `target` or `max_sweeps` sweeps have passed. Returns `d` on the set.
///
/// Coordinate descent finds which coordinates are zero quickly, but converges slowly on the
/// others when `H` is ill-conditioned (near-separable classes, a weak penalty, collinear
/// columns). So after a few sweeps, and then at doubling intervals, it takes an active-set
/// step ([`Model::active_set_step`]): the non-zero coordinates solved for exactly, as far as
/// their signs hold.
fn coordinate_descent(model: &Model<'_>, target: f64, max_sweeps: usize) -> Array1<f64> {
    let (penalty, x, gradient, set, h) =
        (model.penalty, model.x, model.gradient, model.set, model.h);
    let m = set.len();
    let mut d = Array1::<f64>::zeros(m);
    // Hd, kept up to date as coordinates move.
    let mut hd = Array1::<f64>::zeros(m);
    let mut next_refinement = 4;
    for sweep in 1..=max_sweeps {
        // The largest move of a coordinate in this sweep, against the coordinates' size: once
        // it is at rounding level, further sweeps cannot improve the model's solution.
        let mut largest_move = 0.0_f64;
        let mut largest_value = 0.0_f64;
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
            largest_move = largest_move.max(delta.abs());
            largest_value = largest_value.max(moved.abs());
        }
        if largest_move <= 4.0 * f64::EPSILON * largest_value {
            break;
        }
        let mut worst = model.optimality(&d, &hd);

        if worst <= target {
            break;
        }
        if sweep == next_refinement {
            next_refinement *= 2;
            if let Some(stepped) = model.active_set_step(&d) {
                hd = h.dot(&stepped);
                d = stepped;
                worst = model.optimality(&d, &hd);
            }
            if worst <= target {
                break;
            }
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
            gap_every: 5,
            stall_checks: 10,
        };
        let penalty = objective.penalty();
        iterate_composite(objective, x0, certify, observer, &counter, |at, _| {
            let violations = penalty.violations(&at.x, &at.gradient);
            let set = working_set(penalty, &at.x, &violations);
            counter.hessians(1);
            let h = objective.smooth().hessian_block(&at.x, &set);
            let worst = set.iter().map(|&j| violations[j]).fold(0.0_f64, f64::max);
            let model = Model {
                penalty,
                x: &at.x,
                gradient: &at.gradient,
                set: &set,
                h: &h,
            };
            let d_set = coordinate_descent(&model, FORCING * worst, self.max_sweeps);
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
                // The full step is usually taken: evaluate its gradient with its value, in one
                // pass; shorter trials need the value alone.
                let to = if alpha == 1.0 {
                    Some(evaluate(objective, x.clone(), &counter))
                } else {
                    None
                };
                let value = match &to {
                    Some(point) => point.value,
                    None => {
                        counter.values(1);
                        objective.smooth().value(&x) + penalty.value(&x)
                    }
                };
                if value.is_finite() && value <= at.value + ARMIJO * alpha * predicted + noise {
                    let to = match to {
                        Some(point) => point,
                        None => evaluate(objective, x, &counter),
                    };
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
