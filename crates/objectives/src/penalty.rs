use crate::{Gradient, Hessian, LinearModelLoss, Objective, ObjectiveError};
use ndarray::{s, Array1, Array2};

/// An objective plus an L2 penalty: `F(w) = f(w) + (λ/2) Σ_{j<k} wⱼ²`.
///
/// The penalty covers the first `k` parameters: all of them with [`L2Regularized::new`], the
/// coefficients but not the intercept (or intercepts, one per class of a
/// [`MultinomialLogLoss`](crate::MultinomialLogLoss)) with [`L2Regularized::with_c`].
///
/// - `∇F = ∇f + λ·[w₁, …, w_k, 0, …]`
/// - `∇²F = ∇²f + λ·diag(1, …, 1, 0, …)`
///
/// # scikit-learn's `C`, and the course's form
///
/// scikit-learn's logistic regression minimizes `C Σᵢ ℓᵢ(w, b) + ½‖w‖²`, where `ℓᵢ` is the
/// loss of sample `i` and the intercept `b` is not penalized. Dividing by `C·N` does not move
/// the minimizer, and gives the mean-loss form computed here:
///
/// `F(w, b) = L(w, b) + ‖w‖² / (2·C·N)`, with `L = (1/N) Σᵢ ℓᵢ`, so `λ = 1 / (C·N)`.
///
/// [`value`](Objective::value) returns this mean form; multiply it by `C·N` to compare with
/// scikit-learn's objective value. The course writes the penalty as `L + (1/C)·Σⱼ wⱼ²`; that is
/// this form with `λ = 2/C` (no division by `N`), so the course's `C` is `N/2` times
/// scikit-learn's for the same fit. Larger `C` means less regularization in every form.
///
/// For mean squared error, scikit-learn's Ridge minimizes `‖y − Xw − b‖² + α‖w‖²`; that is
/// [`L2Regularized::with_c`] on [`MeanSquaredError`](crate::MeanSquaredError) with
/// `C = 1/(2α)`.
///
/// ```
/// use descent_objectives::{L2Regularized, LogLoss, Objective};
/// use ndarray::array;
///
/// let x = array![[1.0], [2.0], [3.0], [4.0]];
/// let y = array![0.0, 0.0, 1.0, 1.0];
/// let c = 0.5;
/// let penalized = L2Regularized::with_c(LogLoss::new(&x, &y)?, c)?;
/// let wb = array![3.0, -7.0]; // w = 3, b = −7 (the intercept is not penalized)
/// let mean_loss = LogLoss::new(&x, &y)?.value(&wb);
/// let expected = mean_loss + 3.0_f64.powi(2) / (2.0 * c * 4.0);
/// assert!((penalized.value(&wb) - expected).abs() < 1e-15);
/// # Ok::<(), descent_objectives::ObjectiveError>(())
/// ```
#[derive(Debug, Clone)]
pub struct L2Regularized<O> {
    inner: O,
    strength: f64,
    n_penalized: Option<usize>,
}

impl<O: Objective<Param = Array1<f64>>> L2Regularized<O> {
    /// `f(w) + (λ/2)‖w‖²` over every parameter, with `λ = strength ≥ 0`.
    ///
    /// # Errors
    /// A negative, NaN or infinite `strength`.
    pub fn new(inner: O, strength: f64) -> Result<Self, ObjectiveError> {
        if !(strength.is_finite() && strength >= 0.0) {
            return Err(ObjectiveError::InvalidParameter {
                name: "L2 strength",
                value: strength,
                reason: "must be finite and non-negative",
            });
        }
        Ok(L2Regularized {
            inner,
            strength,
            n_penalized: None,
        })
    }

    /// The penalty strength `λ`.
    pub fn strength(&self) -> f64 {
        self.strength
    }

    /// The unpenalized objective.
    pub fn inner(&self) -> &O {
        &self.inner
    }

    /// The penalty `(λ/2) Σ_{j<k} wⱼ²` alone.
    pub fn penalty(&self, params: &Array1<f64>) -> f64 {
        let w = self.penalized(params);
        0.5 * self.strength * w.dot(&w)
    }

    fn penalized<'p>(&self, params: &'p Array1<f64>) -> ndarray::ArrayView1<'p, f64> {
        let k = self.n_penalized.unwrap_or(params.len());
        params.slice(s![..k])
    }

    fn add_penalty_gradient(&self, params: &Array1<f64>, gradient: &mut Array1<f64>) {
        let w = self.penalized(params);
        gradient
            .slice_mut(s![..w.len()])
            .scaled_add(self.strength, &w);
    }
}

impl<O: LinearModelLoss> L2Regularized<O> {
    /// scikit-learn's L2 penalty for inverse regularization strength `C`: minimizes
    /// `C Σᵢ ℓᵢ + ½‖w‖²`, computed as `L + ‖w‖²/(2·C·N)`; the intercept is not penalized. For
    /// a weighted loss, `C Σᵢ sᵢℓᵢ + ½‖w‖²`, and `N` is `W = Σᵢ sᵢ`.
    /// `C = ∞` means no penalty.
    ///
    /// # Errors
    /// `C` that is not positive (or is NaN).
    pub fn with_c(inner: O, c: f64) -> Result<Self, ObjectiveError> {
        if c.is_nan() || c <= 0.0 {
            return Err(ObjectiveError::InvalidParameter {
                name: "C",
                value: c,
                reason: "must be positive (larger C means less regularization)",
            });
        }
        let strength = 1.0 / (c * inner.sample_weight_sum());
        let n_coefficients = inner.n_coefficients();
        let mut penalized = Self::new(inner, strength)?;
        penalized.n_penalized = Some(n_coefficients);
        Ok(penalized)
    }
}

impl<O: Objective<Param = Array1<f64>>> Objective for L2Regularized<O> {
    type Param = Array1<f64>;

    fn value(&self, params: &Array1<f64>) -> f64 {
        self.inner.value(params) + self.penalty(params)
    }

    fn dimension(&self) -> Option<usize> {
        self.inner.dimension()
    }
}

impl<O: Gradient<Param = Array1<f64>>> Gradient for L2Regularized<O> {
    fn gradient(&self, params: &Array1<f64>) -> Array1<f64> {
        let mut g = self.inner.gradient(params);
        self.add_penalty_gradient(params, &mut g);
        g
    }

    fn value_and_gradient(&self, params: &Array1<f64>) -> (f64, Array1<f64>) {
        let (value, mut g) = self.inner.value_and_gradient(params);
        self.add_penalty_gradient(params, &mut g);
        (value + self.penalty(params), g)
    }

    fn gradient_norm(&self, gradient: &Array1<f64>) -> f64 {
        self.inner.gradient_norm(gradient)
    }
}

impl<O: Hessian<Param = Array1<f64>>> Hessian for L2Regularized<O> {
    fn hessian(&self, params: &Array1<f64>) -> Array2<f64> {
        let mut h = self.inner.hessian(params);
        let k = self.n_penalized.unwrap_or(params.len());
        h.diag_mut()
            .slice_mut(s![..k])
            .mapv_inplace(|d| d + self.strength);
        h
    }
}

impl<O: LinearModelLoss> LinearModelLoss for L2Regularized<O> {
    fn column_statistics(&self) -> Option<&crate::ColumnStatistics> {
        self.inner.column_statistics()
    }
    fn n_samples(&self) -> usize {
        self.inner.n_samples()
    }
    fn sample_weight_sum(&self) -> f64 {
        self.inner.sample_weight_sum()
    }
    fn n_features(&self) -> usize {
        self.inner.n_features()
    }
    fn fit_intercept(&self) -> bool {
        self.inner.fit_intercept()
    }
    fn n_outputs(&self) -> usize {
        self.inner.n_outputs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LogLoss, MeanSquaredError};
    use ndarray::array;

    #[test]
    fn course_l2_example_is_dominated_by_the_large_weight() {
        // Weights 3.1, 5.2, 1493, −4.3: Σw² ≈ 2,229,104.
        let w = array![3.1, 5.2, 1493.0, -4.3];
        let x = Array2::<f64>::zeros((1, 4));
        let y = array![0.0];
        let zero_loss = MeanSquaredError::new(&x, &y).unwrap().fit_intercept(false);
        let penalty = L2Regularized::new(zero_loss, 2.0).unwrap(); // (λ/2)Σw² with λ = 2
        assert!((penalty.value(&w) - 2_229_104.0).abs() < 1.0);
    }

    #[test]
    fn intercept_is_not_penalized_and_c_is_validated() {
        let x = array![[1.0], [2.0]];
        let y = array![0.0, 1.0];
        let penalized = L2Regularized::with_c(LogLoss::new(&x, &y).unwrap(), 1.0).unwrap();
        assert_eq!(penalized.penalty(&array![0.0, 100.0]), 0.0);
        assert_eq!(penalized.penalty(&array![2.0, 100.0]), 0.5 * 0.5 * 4.0);
        assert!(
            penalized.hessian(&array![0.0, 0.0])[[1, 1]]
                == LogLoss::new(&x, &y).unwrap().hessian(&array![0.0, 0.0])[[1, 1]]
        );
        for c in [0.0, -1.0, f64::NAN] {
            assert!(L2Regularized::with_c(LogLoss::new(&x, &y).unwrap(), c).is_err());
        }
        let unpenalized =
            L2Regularized::with_c(LogLoss::new(&x, &y).unwrap(), f64::INFINITY).unwrap();
        assert_eq!(unpenalized.strength(), 0.0);
    }
}
