use crate::elastic_net::{mean_gap, ElasticNet, HessianBlock, Smooth};
use crate::linear::{Design, SampleLoss, TargetMoments};
use crate::logistic::max_abs;
use crate::{
    ColumnStatistics, DesignMatrix, Gradient, Hessian, LinearModelLoss, Objective, ObjectiveError,
    RowShare,
};
use ndarray::{Array1, Array2, ArrayView1, ArrayViewMut1};

/// One sample's squared error `(z − y)²`, slope `2(z − y)` and curvature 2.
struct Squared;

impl SampleLoss for Squared {
    #[inline]
    fn loss(&self, z: f64, y: f64) -> f64 {
        (z - y) * (z - y)
    }

    #[inline]
    fn loss_and_slope(&self, z: f64, y: f64) -> (f64, f64) {
        let r = z - y;
        (r * r, 2.0 * r)
    }

    /// `Σᵢ (z − yᵢ)² = Σᵢ (yᵢ − ȳ)² + N(z − ȳ)²`, and the slope `2z − 2y`.
    fn at_constant(&self, z: f64, targets: &TargetMoments) -> Option<(f64, f64, f64)> {
        let offset = z - targets.mean;
        let total = targets.sum_sq + targets.count * offset * offset;
        Some((total, 2.0 * z, -2.0))
    }

    #[inline]
    fn curvature(&self, _z: f64, _y: f64) -> f64 {
        2.0
    }
}

/// Mean squared error of a linear model, `L(w, b) = (1/N) Σᵢ (yᵢ − xᵢ·w − b)²`.
///
/// - `∇_w L = (2/N) Xᵀ(ŷ − y)`, `∂L/∂b = (2/N) Σᵢ (ŷᵢ − yᵢ)`, with `ŷ = Xw + b`
/// - `∇²L = (2/N) X̃ᵀX̃`, where `X̃ = [X 1]` with the intercept (constant in `w`)
///
/// The parameter vector is `[w₁, …, w_p, b]` (or `[w₁, …, w_p]` without an intercept); `X` is
/// borrowed, never copied, and no column of ones is appended. The value and gradient take
/// one pass over `X`, and the Hessian one pass of the Gram kernel; construction checks `X` in
/// one pass that also gives the column statistics and the value and gradient at zero
/// coefficients, as for [`LogLoss`].
///
/// [`LogLoss`]: crate::LogLoss
///
/// ```
/// use descent_objectives::{Gradient, MeanSquaredError, Objective};
/// use ndarray::array;
///
/// let x = array![[0.0], [1.0], [2.0]];
/// let y = array![1.0, 3.0, 5.0]; // y = 2x + 1 exactly
/// let mse = MeanSquaredError::new(&x, &y)?;
/// assert_eq!(mse.value(&array![2.0, 1.0]), 0.0);
/// assert_eq!(mse.value(&array![0.0, 0.0]), (1.0 + 9.0 + 25.0) / 3.0);
/// assert_eq!(mse.gradient(&array![2.0, 1.0]), array![0.0, 0.0]);
/// # Ok::<(), descent_objectives::ObjectiveError>(())
/// ```
#[derive(Debug, Clone)]
pub struct MeanSquaredError<'a> {
    design: Design<'a>,
    y: ArrayView1<'a, f64>,
}

impl<'a> MeanSquaredError<'a> {
    /// The mean squared error of features `x` (one row per sample) against targets `y`, with an
    /// intercept (call [`fit_intercept(false)`](MeanSquaredError::fit_intercept) to drop it).
    ///
    /// # Errors
    /// Empty data, a length mismatch between `x` and `y`, or a NaN or infinite value.
    pub fn new(
        x: impl Into<DesignMatrix<'a>>,
        y: impl Into<ArrayView1<'a, f64>>,
    ) -> Result<Self, ObjectiveError> {
        let y = y.into();
        let design = Design::new(x.into(), &y)?;
        design.check_targets(&y)?;
        Ok(MeanSquaredError { design, y })
    }

    /// The mean squared error of this process's share of rows shared among processes
    /// ([`RowShare`]): values, gradients and Hessians are those of all the rows, the same to
    /// the bit as [`MeanSquaredError::new`] on all of them, on every process (see
    /// [`LogLoss::new_shared`](crate::LogLoss::new_shared), which has an example).
    ///
    /// # Errors
    /// As [`MeanSquaredError::new`], on every process when any process's share fails, and as
    /// [`LogLoss::new_shared`](crate::LogLoss::new_shared) for the shares' layout.
    pub fn new_shared(
        x: impl Into<DesignMatrix<'a>>,
        y: impl Into<ArrayView1<'a, f64>>,
        share: &RowShare,
    ) -> Result<Self, ObjectiveError> {
        let y = y.into();
        let targets = match y.iter().position(|v| !v.is_finite()) {
            Some(at) => Err(ObjectiveError::NonFiniteTarget {
                row: share.first_row() + at,
                value: y[at],
            }),
            None => Ok(()),
        };
        let design = Design::new_shared(x.into(), &y, share, targets)?;
        Ok(MeanSquaredError { design, y })
    }

    /// A loss of `design` (checked already) against `y`: a block of a stream.
    pub(crate) fn from_design(design: Design<'a>, y: ArrayView1<'a, f64>) -> Self {
        MeanSquaredError { design, y }
    }

    /// The loss's design: what its checking pass learned.
    pub(crate) fn design(&self) -> &Design<'a> {
        &self.design
    }

    /// Whether the last parameter is an intercept `b` (default: true).
    #[must_use]
    pub fn fit_intercept(mut self, fit_intercept: bool) -> Self {
        self.design.set_fit_intercept(fit_intercept);
        self
    }

    /// Weighs each sample's squared error by `sᵢ ≥ 0` (scikit-learn's `sample_weight`): the
    /// loss is `(1/W) Σᵢ sᵢ(yᵢ − xᵢ·w − b)²` with `W = Σᵢ sᵢ`, weighted least squares. As for
    /// [`LogLoss::sample_weight`](crate::LogLoss::sample_weight), whole-number weights repeat
    /// rows and zero weights drop them.
    ///
    /// On rows shared among processes ([`new_shared`](Self::new_shared)), every process
    /// calls this with its own rows' weights: `W` is the total over every share, summed in
    /// row order ([`row_total`](crate::row_total)).
    ///
    /// # Errors
    /// A weight count other than the number of rows, a negative, NaN or infinite weight, or
    /// weights that sum to zero; on shared rows, on every process when any process's weights
    /// fail ([`ObjectiveError::PeerFailed`] on the others).
    pub fn sample_weight(
        mut self,
        weights: impl Into<ArrayView1<'a, f64>>,
    ) -> Result<Self, ObjectiveError> {
        self.design.set_sample_weight(weights.into())?;
        Ok(self)
    }

    /// The residuals `ŷ − y`.
    fn residual(&self, params: &Array1<f64>) -> Array1<f64> {
        let mut r = self.design.linear_predictor(params);
        r -= &self.y;
        r
    }

    /// `(1/W) Σᵢ sᵢ(rᵢ − c)²`.
    fn mean_square(&self, r: ArrayView1<'_, f64>, c: f64) -> f64 {
        self.design.weighted_sum_of(|i| (r[i] - c) * (r[i] - c)) / self.design.weight_sum()
    }

    /// The sample weights as a vector, ones without weights.
    fn weights_or_ones(&self) -> Array1<f64> {
        match self.design.sample_weight() {
            Some(s) => Array1::from(s.to_vec()),
            None => Array1::ones(self.design.n_samples()),
        }
    }
}

impl Objective for MeanSquaredError<'_> {
    type Param = Array1<f64>;

    fn value(&self, params: &Array1<f64>) -> f64 {
        match self.design.fused(params, &self.y, &Squared, false) {
            Some((total, _)) => total / self.design.weight_sum(),
            None => self.mean_square(self.residual(params).view(), 0.0),
        }
    }

    fn dimension(&self) -> Option<usize> {
        Some(self.design.n_params())
    }
}

impl Gradient for MeanSquaredError<'_> {
    fn gradient(&self, params: &Array1<f64>) -> Array1<f64> {
        self.value_and_gradient(params).1
    }

    fn value_and_gradient(&self, params: &Array1<f64>) -> (f64, Array1<f64>) {
        let n = self.design.weight_sum();
        if let Some((total, Some(g))) = self.design.fused(params, &self.y, &Squared, true) {
            return (total / n, g / n);
        }
        // The general path: the residuals r = z − y in a kept vector (see `with_predictor`),
        // then sᵢrᵢ.
        self.design.with_predictor(params, |z, r| {
            for ((r, &z), &y) in r.iter_mut().zip(z).zip(&self.y) {
                *r = z - y;
            }
            let total = self.design.weighted_sum_of(|i| r[i] * r[i]);
            self.design.weigh(ArrayViewMut1::from(&mut *r));
            let g = self
                .design
                .gradient_from_residual(ArrayView1::from(&*r), 2.0 / n);
            (total / n, g)
        })
    }
}

impl Hessian for MeanSquaredError<'_> {
    fn hessian(&self, params: &Array1<f64>) -> Array2<f64> {
        let scale = 2.0 / self.design.weight_sum();
        if let Some(h) = self.design.gram::<Squared>(params, &self.y, None) {
            return h * scale;
        }
        self.design.weighted_gram(&self.weights_or_ones(), scale)
    }
}

impl MeanSquaredError<'_> {
    /// The smallest L1 strength `λ₁` (on the mean squared error) at which every coefficient
    /// of the penalized fit is zero: `‖∇_w F(0, ȳ)‖∞ = (2/N)·maxⱼ |Σᵢ xᵢⱼ(yᵢ − ȳ)|` (with
    /// `b = 0` and `y` uncentered without an intercept). scikit-learn's largest `alpha` for
    /// `ElasticNet(l1_ratio=r)` is `λ₁/(2r)`.
    ///
    /// ```
    /// use descent_objectives::MeanSquaredError;
    /// use ndarray::array;
    /// let x = array![[1.0], [2.0], [3.0]];
    /// let y = array![1.0, 2.0, 6.0];
    /// // ȳ = 3: (2/3)·|1·(−2) + 2·(−1) + 3·3| = 10/3
    /// assert!((MeanSquaredError::new(&x, &y)?.l1_threshold() - 10.0 / 3.0).abs() < 1e-15);
    /// # Ok::<(), descent_objectives::ObjectiveError>(())
    /// ```
    ///
    /// With sample weights, `(2/W)·maxⱼ |Σᵢ sᵢxᵢⱼ(yᵢ − ȳ)|` with the weighted mean `ȳ`.
    pub fn l1_threshold(&self) -> f64 {
        let n = self.design.weight_sum();
        let centre = if self.design.fit_intercept() {
            self.design.weighted_sum(self.y) / n
        } else {
            0.0
        };
        let r = self.y.mapv(|y| y - centre);
        2.0 * max_abs(&self.design.transpose_times_weighted(&r)) / n
    }
}

impl Smooth for MeanSquaredError<'_> {
    /// The gap of the mean squared error plus `penalty`, from the dual point `θ = 2r`, with
    /// `r = y − Xw − b*` the residual at the optimal intercept `b*` for `w`, scaled into the
    /// dual's domain: `D(θ) = (1/N)(θᵀy − ‖θ‖²/4) − g*(Xᵀθ/N)`, `Σθ = 0` with an intercept.
    /// With sample weights `sᵢ`, every sum over samples is weighted and `N` is `W = Σᵢ sᵢ`:
    /// `D(θ) = (1/W)Σᵢ sᵢ(θᵢyᵢ − θᵢ²/4) − g*(Xᵀ(s∘θ)/W)`, `Σᵢ sᵢθᵢ = 0`.
    ///
    /// Every sum over samples is added in chunks of rows in row order, over every share when
    /// the rows are shared among processes: the same bits for any number of processes.
    fn duality_gap(&self, x: &Array1<f64>, penalty: &ElasticNet) -> Option<f64> {
        let n = self.design.weight_sum();
        let mut r = &self.y - &self.design.times_coefficients(x);
        // The primal value from the same residuals, at the point's own intercept (no pass of
        // its own): (1/W) Σᵢ sᵢ(yᵢ − xᵢ·w − b)².
        let own = self.design.intercept(x);
        let loss = self.mean_square(r.view(), own);
        if self.design.fit_intercept() {
            let b = self.design.weighted_sum(r.view()) / n;
            r -= b;
        }
        let mut theta = r * 2.0;
        let mut v = self.design.transpose_times_weighted(&theta);
        let c = penalty.feasible_scale(&v.mapv(|t| t / n));
        theta *= c;
        v *= c;
        // Σᵢ sᵢf*(−θᵢ) for fᵢ(z) = (z − yᵢ)²: f*(u) = u·yᵢ + u²/4.
        let conjugates = self
            .design
            .weighted_sum_of(|i| -theta[i] * self.y[i] + 0.25 * theta[i] * theta[i]);
        let primal = loss + penalty.value(x);
        Some(mean_gap(primal, conjugates, &v, penalty, n))
    }
}

impl HessianBlock for MeanSquaredError<'_> {
    fn hessian_block(&self, x: &Array1<f64>, indices: &[usize]) -> Array2<f64> {
        if indices.len() == self.design.n_params() {
            return self.hessian(x);
        }
        let scale = 2.0 / self.design.weight_sum();
        if let Some(h) = self.design.gram_block::<Squared>(x, &self.y, None, indices) {
            return h * scale;
        }
        self.design
            .weighted_gram_block(&self.weights_or_ones(), indices, scale)
    }
}

impl LinearModelLoss for MeanSquaredError<'_> {
    fn column_statistics(&self) -> Option<&ColumnStatistics> {
        self.design.column_statistics()
    }
    fn n_samples(&self) -> usize {
        self.design.total_samples()
    }
    fn sample_weight_sum(&self) -> f64 {
        self.design.weight_sum()
    }
    fn n_features(&self) -> usize {
        self.design.n_features()
    }
    fn fit_intercept(&self) -> bool {
        self.design.fit_intercept()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn hessian_is_twice_the_gram_matrix_over_n() {
        let x = array![[1.0, 2.0], [3.0, 5.0], [-1.0, 0.5]];
        let y = array![1.0, 2.0, 3.0];
        let mse = MeanSquaredError::new(&x, &y).unwrap();
        let h = mse.hessian(&array![0.0, 0.0, 0.0]);
        let mut xt = Array2::ones((3, 3));
        xt.slice_mut(ndarray::s![.., ..2]).assign(&x);
        let expected = xt.t().dot(&xt) * (2.0 / 3.0);
        assert!((&h - &expected).iter().all(|d| d.abs() < 1e-12));
    }

    #[test]
    fn rejects_infinite_targets() {
        let x = array![[1.0], [2.0]];
        assert!(matches!(
            MeanSquaredError::new(&x, &array![1.0, f64::INFINITY]),
            Err(ObjectiveError::NonFiniteTarget { row: 1, .. })
        ));
    }
}
