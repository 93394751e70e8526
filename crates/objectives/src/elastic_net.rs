//! Non-smooth penalties: the L1 and elastic-net penalties, composite objectives (a smooth loss
//! plus a penalty), and the duality gaps that certify their solutions.

use crate::{Gradient, Hessian, Objective, ObjectiveError, Parameter};
use ndarray::{s, Array1, Array2};

/// The elastic-net penalty on the first `m` coordinates of a parameter vector (the
/// coefficients; an intercept after them is never penalized):
///
/// `g(w) = Σⱼ λ₁ⱼ·|wⱼ| + ½·λ₂ⱼ·wⱼ²`.
///
/// With `λ₂ = 0` it is the L1 (lasso) penalty, which drives coefficients to exactly zero;
/// with `λ₁ = 0` it is ridge. The weights are per coordinate so that the penalty of one
/// problem can be carried into rescaled coordinates ([`weighted`](ElasticNet::weighted)).
///
/// It is not differentiable where a coefficient is 0, so solvers use its **proximal operator**
/// (soft-thresholding with the L2 part folded in),
///
/// `prox_{t·g}(v)ⱼ = sign(vⱼ)·max(|vⱼ| − t·λ₁ⱼ, 0) / (1 + t·λ₂ⱼ)`,
///
/// and measure optimality by the distance of `−∇F` to the subdifferential `∂g`
/// ([`optimality`](ElasticNet::optimality)).
///
/// scikit-learn's forms map onto it as follows (`N` samples, `r` the `l1_ratio`):
/// - `LogisticRegression(penalty="elasticnet", C, l1_ratio=r)` minimizes
///   `C·Σᵢ lossᵢ + r·‖w‖₁ + ½(1 − r)·‖w‖²`; divided by `C·N`, the mean log loss plus this
///   penalty with `λ₁ = r/(C·N)`, `λ₂ = (1 − r)/(C·N)` ([`for_logistic`](ElasticNet::for_logistic)).
///   `penalty="l1"` is `r = 1`. The course's `L + (1/C)·Σ|wⱼ|` is the same problem with the
///   loss summed, not averaged: its `C` is scikit-learn's `C` divided by `N`.
/// - `ElasticNet(alpha, l1_ratio=r)` (and `Lasso(alpha)`, `r = 1`) minimizes
///   `(1/2N)·‖y − Xw − b‖² + α·r·‖w‖₁ + ½α(1 − r)·‖w‖²`; twice that is the mean squared
///   error plus this penalty with `λ₁ = 2αr`, `λ₂ = 2α(1 − r)`
///   ([`for_least_squares`](ElasticNet::for_least_squares)).
///
/// ```
/// use descent_objectives::ElasticNet;
/// use ndarray::array;
///
/// let lasso = ElasticNet::new(0.5, 0.0, 2)?;
/// // An intercept (the third coordinate) is not penalized.
/// assert_eq!(lasso.value(&array![1.0, -2.0, 7.0]), 1.5);
/// // Soft-thresholding: shrink by t·λ₁ = 0.5, to zero below it.
/// let mut v = array![1.0, 0.3, 7.0];
/// lasso.prox(&mut v, 1.0);
/// assert_eq!(v, array![0.5, 0.0, 7.0]);
/// # Ok::<(), descent_objectives::ObjectiveError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ElasticNet {
    l1: Array1<f64>,
    l2: Array1<f64>,
}

/// `|v| ≤ λ₁(1 + TOLERANCE)` counts as inside the L1 conjugate's domain: rescaled dual points
/// land on its boundary to rounding.
const BOUNDARY: f64 = 1e-12;

impl ElasticNet {
    /// `λ₁·|wⱼ| + ½λ₂·wⱼ²` on each of the first `penalized` coordinates.
    ///
    /// # Errors
    /// A strength that is negative or not finite.
    pub fn new(l1: f64, l2: f64, penalized: usize) -> Result<Self, ObjectiveError> {
        for (name, value) in [("L1 strength", l1), ("L2 strength", l2)] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(ObjectiveError::InvalidParameter {
                    name,
                    value,
                    reason: "must be finite and non-negative",
                });
            }
        }
        Ok(ElasticNet {
            l1: Array1::from_elem(penalized, l1),
            l2: Array1::from_elem(penalized, l2),
        })
    }

    /// scikit-learn's `LogisticRegression(penalty="elasticnet", C, l1_ratio)` for the mean
    /// log loss over `N` samples (a whole number, as `f64`), or over samples of weights summing
    /// to `N` ([`LinearModelLoss::sample_weight_sum`](crate::LinearModelLoss::sample_weight_sum)):
    /// `λ₁ = r/(C·N)`, `λ₂ = (1 − r)/(C·N)`.
    ///
    /// # Errors
    /// `C` not positive and finite, `l1_ratio` outside `[0, 1]`, or `N` not positive.
    pub fn for_logistic(
        c: f64,
        l1_ratio: f64,
        n: f64,
        penalized: usize,
    ) -> Result<Self, ObjectiveError> {
        check_c_and_ratio(c, "C", l1_ratio, n)?;
        let scale = 1.0 / (c * n);
        Self::new(l1_ratio * scale, (1.0 - l1_ratio) * scale, penalized)
    }

    /// scikit-learn's `ElasticNet(alpha, l1_ratio)` for the mean squared error (which is
    /// twice scikit-learn's `‖r‖²/(2N)`): `λ₁ = 2αr`, `λ₂ = 2α(1 − r)`.
    ///
    /// # Errors
    /// `alpha` not positive and finite, or `l1_ratio` outside `[0, 1]`.
    pub fn for_least_squares(
        alpha: f64,
        l1_ratio: f64,
        penalized: usize,
    ) -> Result<Self, ObjectiveError> {
        check_c_and_ratio(alpha, "alpha", l1_ratio, 1.0)?;
        Self::new(
            2.0 * alpha * l1_ratio,
            2.0 * alpha * (1.0 - l1_ratio),
            penalized,
        )
    }

    /// The same penalty on coordinates rescaled by `factors`: with `wⱼ = aⱼ·w̃ⱼ`,
    /// `g(w) = Σ λ₁ⱼaⱼ|w̃ⱼ| + ½λ₂ⱼaⱼ²w̃ⱼ²`. (Standardized features have `aⱼ = 1/sⱼ`.)
    ///
    /// # Errors
    /// Another number of factors than penalized coordinates, or a factor that is not finite
    /// and positive.
    pub fn weighted(&self, factors: &Array1<f64>) -> Result<Self, ObjectiveError> {
        if factors.len() != self.penalized() {
            return Err(ObjectiveError::ShapeMismatch {
                what: "penalty factors",
                expected: self.penalized(),
                found: factors.len(),
            });
        }
        if let Some(&bad) = factors.iter().find(|a| !(a.is_finite() && **a > 0.0)) {
            return Err(ObjectiveError::InvalidParameter {
                name: "penalty factor",
                value: bad,
                reason: "must be finite and positive",
            });
        }
        Ok(ElasticNet {
            l1: &self.l1 * factors,
            l2: &self.l2 * &factors.mapv(|a| a * a),
        })
    }

    /// How many leading coordinates are penalized.
    pub fn penalized(&self) -> usize {
        self.l1.len()
    }

    /// `λ₁ⱼ`, one per penalized coordinate.
    pub fn l1(&self) -> &Array1<f64> {
        &self.l1
    }

    /// `λ₂ⱼ`, one per penalized coordinate.
    pub fn l2(&self) -> &Array1<f64> {
        &self.l2
    }

    /// `g(x)`.
    pub fn value(&self, x: &Array1<f64>) -> f64 {
        self.l1
            .iter()
            .zip(&self.l2)
            .zip(x)
            .map(|((a, b), v)| a * v.abs() + 0.5 * b * v * v)
            .sum()
    }

    /// `prox_{t·gⱼ}(v) = sign(v)·max(|v| − t·λ₁ⱼ, 0) / (1 + t·λ₂ⱼ)` for coordinate `j`; the
    /// identity on coordinates that are not penalized.
    pub fn prox_coordinate(&self, j: usize, v: f64, step: f64) -> f64 {
        if j >= self.penalized() {
            return v;
        }
        let shrunk = (v.abs() - step * self.l1[j]).max(0.0);
        v.signum() * shrunk / (1.0 + step * self.l2[j])
    }

    /// `x ← prox_{t·g}(x)`, coordinate by coordinate.
    pub fn prox(&self, x: &mut Array1<f64>, step: f64) {
        for (j, v) in x.iter_mut().enumerate().take(self.penalized()) {
            *v = self.prox_coordinate(j, *v, step);
        }
    }

    /// The distance of `−gradient` (of the smooth part, at `x`) to `∂g(x)`, coordinate by
    /// coordinate: `|gⱼ + λ₁ⱼ·sign(xⱼ) + λ₂ⱼxⱼ|` where `xⱼ ≠ 0`, `max(|gⱼ| − λ₁ⱼ, 0)` where
    /// `xⱼ = 0`, and `|gⱼ|` for a coordinate that is not penalized. All are 0 exactly at a
    /// minimizer of `F + g`.
    pub fn violations(&self, x: &Array1<f64>, gradient: &Array1<f64>) -> Array1<f64> {
        Array1::from_shape_fn(x.len(), |j| {
            let g = gradient[j];
            if j >= self.penalized() {
                g.abs()
            } else if x[j] == 0.0 {
                (g.abs() - self.l1[j]).max(0.0)
            } else {
                (g + self.l1[j] * x[j].signum() + self.l2[j] * x[j]).abs()
            }
        })
    }

    /// `‖violations‖₂`: how far `x` is from the first-order condition `0 ∈ ∇F(x) + ∂g(x)`.
    ///
    /// ```
    /// use descent_objectives::ElasticNet;
    /// use ndarray::array;
    /// let lasso = ElasticNet::new(1.0, 0.0, 1)?;
    /// // At 0 any slope of magnitude ≤ λ₁ is absorbed by ∂|·| = [−1, 1].
    /// assert_eq!(lasso.optimality(&array![0.0], &array![0.7]), 0.0);
    /// assert_eq!(lasso.optimality(&array![0.0], &array![1.5]), 0.5);
    /// # Ok::<(), descent_objectives::ObjectiveError>(())
    /// ```
    pub fn optimality(&self, x: &Array1<f64>, gradient: &Array1<f64>) -> f64 {
        self.violations(x, gradient).norm()
    }

    /// The convex conjugate `g*(v) = Σⱼ (|vⱼ| − λ₁ⱼ)₊² / (2λ₂ⱼ)`, over the penalized
    /// coordinates. Where `λ₂ⱼ = 0` it is 0 for `|vⱼ| ≤ λ₁ⱼ` and `+∞` beyond.
    pub fn conjugate(&self, v: &Array1<f64>) -> f64 {
        let mut total = 0.0;
        for ((&a, &b), &v) in self.l1.iter().zip(&self.l2).zip(v) {
            let excess = v.abs() - a;
            if b > 0.0 {
                total += excess.max(0.0).powi(2) / (2.0 * b);
            } else if excess > BOUNDARY * a.max(f64::MIN_POSITIVE) {
                return f64::INFINITY;
            }
        }
        total
    }

    /// The largest `c ∈ (0, 1]` such that `c·v` lies in the domain of [`conjugate`]
    /// (`|c·vⱼ| ≤ λ₁ⱼ` where `λ₂ⱼ = 0`): the factor that makes a dual point feasible.
    ///
    /// [`conjugate`]: ElasticNet::conjugate
    pub fn feasible_scale(&self, v: &Array1<f64>) -> f64 {
        self.l1
            .iter()
            .zip(&self.l2)
            .zip(v)
            .filter(|((_, &b), _)| b == 0.0)
            .fold(
                1.0_f64,
                |c, ((&a, _), &v)| {
                    if v.abs() > a {
                        c.min(a / v.abs())
                    } else {
                        c
                    }
                },
            )
    }

    /// The number of penalized coordinates of `x` that are not zero.
    pub fn non_zeros(&self, x: &Array1<f64>) -> usize {
        x.iter()
            .take(self.penalized())
            .filter(|v| **v != 0.0)
            .count()
    }
}

fn check_c_and_ratio(
    strength: f64,
    name: &'static str,
    l1_ratio: f64,
    n: f64,
) -> Result<(), ObjectiveError> {
    if !(strength.is_finite() && strength > 0.0) {
        return Err(ObjectiveError::InvalidParameter {
            name,
            value: strength,
            reason: "must be finite and positive",
        });
    }
    if !(0.0..=1.0).contains(&l1_ratio) {
        return Err(ObjectiveError::InvalidParameter {
            name: "l1_ratio",
            value: l1_ratio,
            reason: "must lie in [0, 1]",
        });
    }
    if n.is_nan() || n <= 0.0 {
        return Err(ObjectiveError::EmptyData(
            "no samples (or no sample weight)",
        ));
    }
    Ok(())
}

/// The smooth part `F` of a composite objective `F + g`: a function with a gradient that may
/// also know the dual of its problem with an elastic-net penalty, and so the **duality gap**
/// that certifies how far a point is from optimal.
///
/// The gap at `x` is `P(x) − D(θ)` for the primal `P = F + g` and a dual-feasible `θ` built
/// from `x`: weak duality makes it an upper bound on `P(x) − min P`, however `x` was found,
/// and it reaches 0 at the minimizer. Functions without a known dual keep the default, `None`.
pub trait Smooth: Gradient<Param = Array1<f64>> {
    /// An upper bound on `F(x) + g(x) − min (F + g)`, in the units of `F`; `None` when
    /// unknown.
    fn duality_gap(&self, x: &Array1<f64>, penalty: &ElasticNet) -> Option<f64> {
        let _ = (x, penalty);
        None
    }
}

impl<S: Smooth + ?Sized> Smooth for &S {
    fn duality_gap(&self, x: &Array1<f64>, penalty: &ElasticNet) -> Option<f64> {
        (**self).duality_gap(x, penalty)
    }
}

/// A smooth function's Hessian restricted to some of its parameters: what a proximal Newton
/// method needs on its working set, at a cost that grows with the working set rather than
/// with all the parameters.
pub trait HessianBlock: Hessian<Param = Array1<f64>> {
    /// `∇²F(x)` at the rows and columns `indices` (parameter indices, increasing). The default
    /// forms the whole Hessian and selects from it.
    fn hessian_block(&self, x: &Array1<f64>, indices: &[usize]) -> Array2<f64> {
        let h = self.hessian(x);
        Array2::from_shape_fn((indices.len(), indices.len()), |(a, b)| {
            h[[indices[a], indices[b]]]
        })
    }
}

impl<H: HessianBlock + ?Sized> HessianBlock for &H {
    fn hessian_block(&self, x: &Array1<f64>, indices: &[usize]) -> Array2<f64> {
        (**self).hessian_block(x, indices)
    }
}

/// A composite objective `F(x) + g(x)`: a smooth part (a loss, with a gradient) and an
/// elastic-net penalty, minimized by proximal methods.
///
/// Its [`value`](Objective::value) is `F + g`; it has no gradient (the penalty has none at 0),
/// so gradient-based solvers do not apply, and proximal ones do.
///
/// ```
/// use descent_objectives::{Composite, ElasticNet, LogLoss, Objective};
/// use ndarray::array;
///
/// let x = array![[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [1.0, 3.0]];
/// let y = array![0.0, 1.0, 1.0, 0.0];
/// // scikit-learn's LogisticRegression(penalty="l1", C=2): λ₁ = 1/(C·N) = 1/8.
/// let objective = Composite::new(LogLoss::new(&x, &y)?, ElasticNet::for_logistic(2.0, 1.0, 4.0, 2)?)?;
/// let at = array![0.5, -0.25, 0.1];
/// assert!((objective.value(&at) - objective.smooth().value(&at) - 0.75 / 8.0).abs() < 1e-15);
/// // A certified upper bound on the distance to the optimum.
/// assert!(objective.duality_gap(&at).unwrap() >= 0.0);
/// # Ok::<(), descent_objectives::ObjectiveError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Composite<F> {
    smooth: F,
    penalty: ElasticNet,
}

impl<F: Objective<Param = Array1<f64>>> Composite<F> {
    /// `smooth + penalty`.
    ///
    /// # Errors
    /// A penalty on more coordinates than the smooth part has.
    pub fn new(smooth: F, penalty: ElasticNet) -> Result<Self, ObjectiveError> {
        if let Some(n) = smooth.dimension() {
            if penalty.penalized() > n {
                return Err(ObjectiveError::ShapeMismatch {
                    what: "penalized coordinates",
                    expected: n,
                    found: penalty.penalized(),
                });
            }
        }
        Ok(Composite { smooth, penalty })
    }
}

impl<F> Composite<F> {
    /// The smooth part `F`.
    pub fn smooth(&self) -> &F {
        &self.smooth
    }

    /// The penalty `g`.
    pub fn penalty(&self) -> &ElasticNet {
        &self.penalty
    }
}

impl<F: Smooth> Composite<F> {
    /// The duality gap at `x` ([`Smooth::duality_gap`]), when the smooth part knows its dual.
    pub fn duality_gap(&self, x: &Array1<f64>) -> Option<f64> {
        self.smooth.duality_gap(x, &self.penalty)
    }
}

impl<F: Objective<Param = Array1<f64>>> Objective for Composite<F> {
    type Param = Array1<f64>;

    fn value(&self, x: &Array1<f64>) -> f64 {
        self.smooth.value(x) + self.penalty.value(x)
    }

    fn dimension(&self) -> Option<usize> {
        self.smooth.dimension()
    }
}

/// `H(q) = q·ln q + (1 − q)·ln(1 − q)`, the negative binary entropy (0 at `q = 0` and 1): the
/// convex conjugate of `ln(1 + eᶻ)`. `+∞` outside `[0, 1]`.
pub(crate) fn negative_entropy(q: f64) -> f64 {
    if !(0.0..=1.0).contains(&q) {
        return f64::INFINITY;
    }
    let term = |v: f64| if v > 0.0 { v * v.ln() } else { 0.0 };
    term(q) + term(1.0 - q)
}

/// The gap `P(x) − D(θ)` in the units of a mean loss over `n` samples, from the primal value
/// `primal` (mean loss plus penalty), the dual point's loss part `Σᵢ ℓᵢ*(−θᵢ)` and `Xᵀθ`
/// (already scaled to feasibility): `D(θ) = −Σ ℓᵢ*(−θᵢ) − N·g*(Xᵀθ/N)`, divided by `N`.
pub(crate) fn mean_gap(
    primal: f64,
    loss_conjugates: f64,
    x_t_theta: &Array1<f64>,
    penalty: &ElasticNet,
    n: f64,
) -> f64 {
    let penalized = penalty.penalized();
    let v = x_t_theta.slice(s![..penalized]).mapv(|t| t / n);
    let dual = -loss_conjugates / n - penalty.conjugate(&v);
    // Both values are sums of many rounded terms: the certificate allows for that rounding,
    // so that it is never below the true gap (it cannot be finer than about 1e-15 of F).
    (primal - dual).max(0.0) + ROUNDING * primal.abs().max(dual.abs())
}

/// The relative rounding a computed gap is allowed, as a multiple of `ε`.
const ROUNDING: f64 = 16.0 * f64::EPSILON;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `argmin_u ½(u − v)² + t(λ₁|u| + ½λ₂u²)` by golden-section search on a wide bracket.
    fn prox_by_search(v: f64, t: f64, l1: f64, l2: f64) -> f64 {
        let objective = |u: f64| 0.5 * (u - v).powi(2) + t * (l1 * u.abs() + 0.5 * l2 * u * u);
        let (mut a, mut b) = (-(v.abs() + 10.0), v.abs() + 10.0);
        let golden = 0.618_033_988_749_895;
        for _ in 0..300 {
            let (c, d) = (b - golden * (b - a), a + golden * (b - a));
            if objective(c) < objective(d) {
                b = d;
            } else {
                a = c;
            }
        }
        0.5 * (a + b)
    }

    proptest! {
        #[test]
        fn the_proximal_operator_is_the_argmin_of_its_definition(
            v in -20.0f64..20.0, t in 0.01f64..5.0, l1 in 0.0f64..3.0, l2 in 0.0f64..3.0
        ) {
            let penalty = ElasticNet::new(l1, l2, 1).unwrap();
            let prox = penalty.prox_coordinate(0, v, t);
            let searched = prox_by_search(v, t, l1, l2);
            // A search by values resolves the minimizer to about √ε relative.
            prop_assert!((prox - searched).abs() < 1e-6 * (1.0 + searched.abs()), "{prox} vs {searched}");
        }

        #[test]
        fn the_conjugate_is_the_supremum_of_its_definition(
            v in -5.0f64..5.0, l1 in 0.0f64..2.0, l2 in 0.05f64..3.0
        ) {
            // g*(v) = sup_u (uv − λ₁|u| − ½λ₂u²), attained at u = prox-like (|v| − λ₁)₊/λ₂.
            let penalty = ElasticNet::new(l1, l2, 1).unwrap();
            let u = v.signum() * (v.abs() - l1).max(0.0) / l2;
            let sup = u * v - l1 * u.abs() - 0.5 * l2 * u * u;
            let conjugate = penalty.conjugate(&Array1::from(vec![v]));
            prop_assert!((conjugate - sup).abs() < 1e-12 * (1.0 + sup.abs()));
            // And no other u does better.
            for k in -20..=20 {
                let w = u + k as f64 * 0.1;
                prop_assert!(w * v - l1 * w.abs() - 0.5 * l2 * w * w <= conjugate + 1e-12);
            }
        }
    }

    #[test]
    fn optimality_and_weights() {
        let penalty = ElasticNet::new(1.0, 2.0, 2).unwrap();
        // At x = (0.5, 0, 3) the subgradient of the penalty is (1 + 1, [−1, 1], none).
        let x = Array1::from(vec![0.5, 0.0, 3.0]);
        let g = Array1::from(vec![-2.0, 0.25, 0.0]);
        assert_eq!(
            penalty.violations(&x, &g),
            Array1::from(vec![0.0, 0.0, 0.0])
        );
        let weighted = penalty.weighted(&Array1::from(vec![2.0, 0.5])).unwrap();
        assert_eq!(weighted.l1(), &Array1::from(vec![2.0, 0.5]));
        assert_eq!(weighted.l2(), &Array1::from(vec![8.0, 0.5]));
        // The penalty of w equals the weighted penalty of w̃ = w / a.
        let w = Array1::from(vec![1.5, -4.0]);
        let tilde = Array1::from(vec![0.75, -8.0]);
        assert!((penalty.value(&w) - weighted.value(&tilde)).abs() < 1e-12);
        assert!(ElasticNet::new(-1.0, 0.0, 1).is_err());
        assert!(ElasticNet::for_logistic(1.0, 1.5, 10.0, 1).is_err());
        assert!(ElasticNet::for_least_squares(0.0, 0.5, 1).is_err());
        assert_eq!(negative_entropy(0.0), 0.0);
        assert!((negative_entropy(0.5) + std::f64::consts::LN_2).abs() < 1e-15);
    }
}

#[cfg(test)]
mod gap_tests {
    use super::*;
    use crate::{ColumnStatistics, LogLoss, MeanSquaredError, Standardized};
    use ndarray::Array2;
    use proptest::prelude::*;

    fn data(n: usize, p: usize, seed: u64) -> (Array2<f64>, Array1<f64>, Array1<f64>) {
        let x = Array2::from_shape_fn((n, p), |(i, j)| {
            ((i as f64 * 0.91 + j as f64 * 1.7 + seed as f64).sin() * (1.0 + j as f64)).round()
                / 2.0
        });
        let labels = Array1::from_shape_fn(n, |i| {
            f64::from(u8::from((i * 7 + seed as usize).is_multiple_of(3)))
        });
        let targets = Array1::from_shape_fn(n, |i| (i as f64 * 0.37 + seed as f64).cos() * 3.0);
        (x, labels, targets)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn the_gap_is_never_negative(
            seed in 0u64..50,
            point in prop::collection::vec(-3.0f64..3.0, 4),
            l1 in 0.0f64..0.5,
            l2 in 0.0f64..0.5,
            intercept in any::<bool>(),
        ) {
            let (x, labels, targets) = data(23, 3, seed);
            let penalty = ElasticNet::new(l1, l2, 3).unwrap();
            let k = 3 + usize::from(intercept);
            let at = Array1::from(point[..k].to_vec());
            let log = LogLoss::new(&x, &labels).unwrap().fit_intercept(intercept);
            let mse = MeanSquaredError::new(&x, &targets).unwrap().fit_intercept(intercept);
            for gap in [log.duality_gap(&at, &penalty), mse.duality_gap(&at, &penalty)] {
                let gap = gap.unwrap();
                prop_assert!(gap >= 0.0 && !gap.is_nan(), "{gap}");
            }
        }
    }

    #[test]
    fn standardized_coordinates_report_the_original_gap() {
        let (x, labels, _) = data(40, 3, 7);
        let loss = LogLoss::new(&x, &labels).unwrap();
        let stats = ColumnStatistics::of(x.view()).unwrap();
        let standardized = Standardized::new(&loss, &stats).unwrap();
        let penalty = ElasticNet::new(0.05, 0.01, 3).unwrap();
        let weighted = penalty.weighted(standardized.penalty_factors()).unwrap();
        let v = Array1::from(vec![0.3, -0.2, 0.1, 0.4]);
        let original = standardized.to_original(&v);
        let a = standardized.duality_gap(&v, &weighted).unwrap();
        let b = loss.duality_gap(&original, &penalty).unwrap();
        assert!((a - b).abs() <= 1e-12 * b.max(1.0), "{a} vs {b}");
        // The composite objective is the same in both coordinates.
        let here = Composite::new(&standardized, weighted).unwrap();
        let there = Composite::new(&loss, penalty).unwrap();
        assert!((here.value(&v) - there.value(&original)).abs() < 1e-12);
    }
}
