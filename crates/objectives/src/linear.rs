//! The parts of a linear model's loss that do not depend on the loss: the borrowed feature
//! matrix, the intercept, and the products with it.

use crate::{Gradient, ObjectiveError};
use ndarray::{linalg::general_mat_mul, s, Array1, Array2, ArrayView1, ArrayView2, Axis};

/// A loss of a linear model that is a mean over samples, `L(w) = (1/N) Σᵢ ℓ(yᵢ, xᵢ·w + b)`.
///
/// The parameter vector holds the `n_features` coefficients `w`, followed by the intercept `b`
/// when [`fit_intercept`](LinearModelLoss::fit_intercept) is true. [`L2Regularized::with_c`]
/// uses this to scale the penalty as scikit-learn does and to leave the intercept unpenalized.
///
/// [`L2Regularized::with_c`]: crate::L2Regularized::with_c
pub trait LinearModelLoss: Gradient<Param = Array1<f64>> {
    /// `N`, the number of samples the mean is taken over.
    fn n_samples(&self) -> usize;
    /// `p`, the number of coefficients (features).
    fn n_features(&self) -> usize;
    /// Whether the last parameter is an intercept.
    fn fit_intercept(&self) -> bool;
}

impl<O: LinearModelLoss + ?Sized> LinearModelLoss for &O {
    fn n_samples(&self) -> usize {
        (**self).n_samples()
    }
    fn n_features(&self) -> usize {
        (**self).n_features()
    }
    fn fit_intercept(&self) -> bool {
        (**self).fit_intercept()
    }
}

/// Rows per block when forming `Xᵀ diag(q) X`: the scaled block is scratch of this many rows.
const GRAM_BLOCK_ROWS: usize = 256;

/// The feature matrix `X` (borrowed, never copied) and whether an intercept is fitted.
#[derive(Debug, Clone)]
pub(crate) struct Design<'a> {
    x: ArrayView2<'a, f64>,
    fit_intercept: bool,
}

impl<'a> Design<'a> {
    /// Checks that `x` is non-empty and finite.
    pub(crate) fn new(x: ArrayView2<'a, f64>) -> Result<Self, ObjectiveError> {
        if x.nrows() == 0 {
            return Err(ObjectiveError::EmptyData("the feature matrix has no rows"));
        }
        if x.ncols() == 0 {
            return Err(ObjectiveError::EmptyData(
                "the feature matrix has no columns",
            ));
        }
        for ((row, column), &value) in x.indexed_iter() {
            if !value.is_finite() {
                return Err(ObjectiveError::NonFiniteFeature { row, column, value });
            }
        }
        Ok(Design {
            x,
            fit_intercept: true,
        })
    }

    /// Checks that `y` has one finite value per row of `x`.
    pub(crate) fn check_targets(&self, y: &ArrayView1<'_, f64>) -> Result<(), ObjectiveError> {
        if y.len() != self.n_samples() {
            return Err(ObjectiveError::ShapeMismatch {
                what: "targets (one per row of the feature matrix)",
                expected: self.n_samples(),
                found: y.len(),
            });
        }
        match y.iter().position(|v| !v.is_finite()) {
            Some(row) => Err(ObjectiveError::NonFiniteTarget { row, value: y[row] }),
            None => Ok(()),
        }
    }

    pub(crate) fn set_fit_intercept(&mut self, fit_intercept: bool) {
        self.fit_intercept = fit_intercept;
    }

    pub(crate) fn fit_intercept(&self) -> bool {
        self.fit_intercept
    }

    pub(crate) fn n_samples(&self) -> usize {
        self.x.nrows()
    }

    pub(crate) fn n_features(&self) -> usize {
        self.x.ncols()
    }

    /// `p + 1` with an intercept, `p` without.
    pub(crate) fn n_params(&self) -> usize {
        self.n_features() + usize::from(self.fit_intercept)
    }

    /// The linear predictor `z = X·w + b` (`b = 0` without an intercept).
    pub(crate) fn linear_predictor(&self, params: &Array1<f64>) -> Array1<f64> {
        let p = self.n_features();
        let mut z = self.x.dot(&params.slice(s![..p]));
        if self.fit_intercept {
            z += params[p];
        }
        z
    }

    /// `scale · [Xᵀr, Σᵢ rᵢ]`, the gradient of a mean loss whose per-sample derivative with
    /// respect to `zᵢ` is `rᵢ` (`scale = 1/N`).
    pub(crate) fn gradient_from_residual(&self, r: &Array1<f64>, scale: f64) -> Array1<f64> {
        let mut g = Array1::zeros(self.n_params());
        let p = self.n_features();
        ndarray::linalg::general_mat_vec_mul(scale, &self.x.t(), r, 0.0, &mut g.slice_mut(s![..p]));
        if self.fit_intercept {
            g[p] = scale * r.sum();
        }
        g
    }

    /// `scale · [[XᵀQX, XᵀQ1], [1ᵀQX, 1ᵀQ1]]` with `Q = diag(q)`: the Hessian of a mean loss
    /// whose per-sample second derivative with respect to `zᵢ` is `qᵢ` (`scale = 1/N`).
    ///
    /// `X` is never copied: rows are scaled block by block into a small scratch matrix and
    /// the products `X_bᵀ·(Q_b X_b)` accumulated through BLAS.
    pub(crate) fn weighted_gram(&self, q: &Array1<f64>, scale: f64) -> Array2<f64> {
        let p = self.n_features();
        let n = self.n_samples();
        let mut h = Array2::zeros((self.n_params(), self.n_params()));
        let mut scratch = Array2::zeros((GRAM_BLOCK_ROWS.min(n), p));
        let mut start = 0;
        while start < n {
            let end = (start + GRAM_BLOCK_ROWS).min(n);
            let xb = self.x.slice(s![start..end, ..]);
            let qb = q.slice(s![start..end]);
            let mut sb = scratch.slice_mut(s![..end - start, ..]);
            sb.assign(&xb);
            sb *= &qb.insert_axis(Axis(1));
            general_mat_mul(scale, &xb.t(), &sb, 1.0, &mut h.slice_mut(s![..p, ..p]));
            start = end;
        }
        if self.fit_intercept {
            let mut column = Array1::zeros(p);
            ndarray::linalg::general_mat_vec_mul(scale, &self.x.t(), q, 0.0, &mut column);
            h.slice_mut(s![..p, p]).assign(&column);
            h.slice_mut(s![p, ..p]).assign(&column);
            h[[p, p]] = scale * q.sum();
        }
        h
    }
}

#[cfg(test)]
impl Design<'_> {
    pub(crate) fn x_ptr(&self) -> *const f64 {
        self.x.as_ptr()
    }
}
