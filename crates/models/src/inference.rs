//! Classical statistical inference for unpenalized fits: what statsmodels' `Logit(…).fit()
//! .summary()`, `MNLogit(…).fit().summary()` and `OLS(…).fit().summary()` report — standard
//! errors, test statistics, p-values, confidence intervals and the fit's likelihood-based
//! statistics.
//!
//! The covariance of the estimates is the inverse of the information matrix, from its
//! Cholesky factor:
//!
//! - logistic regression: `Cov = (X̃ᵀ W X̃)⁻¹`, `W = diag(pᵢ(1 − pᵢ))` at the fit, where `X̃` is
//!   `X` with a column of ones for the intercept (the Hessian of the summed negative
//!   log-likelihood);
//! - least squares: `Cov = σ̂² (X̃ᵀX̃)⁻¹`, `σ̂² = RSS / (N − k)`.
//!
//! Both Hessians come from the losses of `descent-objectives` (so categorical columns, stored as
//! codes, and `f32` storage work as in the fit). [`CovarianceType`] chooses a
//! heteroskedasticity-robust sandwich instead (HC0–HC3). Least squares also gets the residual
//! diagnostics statsmodels prints (Durbin–Watson, Jarque–Bera, skew, kurtosis), and both the
//! condition number of the matrix whose Gram the covariance inverts.
//!
//! Where there are no standard errors the result is an error, never a table of NaN: a column
//! that is a linear combination of others (collinear, or constant beside the intercept) is
//! named by [`ModelError::Collinear`], found by an in-order Cholesky that also catches exact
//! combinations that rounding would let LAPACK factor; a fit that did not converge (a
//! separated logistic fit runs off to infinity) is [`ModelError::NotConverged`]. The
//! distributions' tails come from `statrs`.
//!
//! Penalized fits have no such standard errors (the penalty biases the estimates, and the
//! inverse Hessian is not their covariance); asking for them is
//! [`ModelError::NotApplicable`], as statsmodels declines to report them for regularized fits.
//!
//! ```
//! use descent_models::inference::{logit_summary, CovarianceType};
//! use descent_models::{LogisticRegression, Penalty};
//! use ndarray::array;
//! let x = array![[0.5], [1.5], [2.0], [2.5], [3.5], [0.8], [3.0], [1.0]];
//! let y = array![0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0];
//! let model = LogisticRegression::new().penalty(Penalty::None).tol(1e-10).fit(&x, y.view())?;
//! let summary = logit_summary(&model, &x, y.view(), true, CovarianceType::NonRobust)?;
//! let slope = &summary.coefficients[0];
//! assert!(slope.std_error > 0.0 && (0.0..=1.0).contains(&slope.p_value));
//! assert!(slope.lower < slope.estimate && slope.estimate < slope.upper);
//! # Ok::<(), descent_models::ModelError>(())
//! ```

use crate::linear::one_hot_design;
use crate::solver::parameters_of;
use crate::{
    FittedLinearRegression, FittedLogisticRegression, FittedMultinomialLogisticRegression,
    LogisticRegression, ModelError, Penalty,
};
use descent_objectives::{
    row_total, sum_in_row_order, with_one_blas_thread, DesignMatrix, Hessian, LinearModelLoss,
    LogLoss, MeanSquaredError, MultinomialLogLoss, Objective, ObjectiveError, RowShare, ROW_BLOCK,
};
use descent_solvers::Termination;
use ndarray::{Array1, Array2, ArrayView1};
use ndarray_linalg::{EigValsh, InverseC, SolveC, UPLO};
use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF, FisherSnedecor, Normal, StudentsT};

/// The two-sided confidence level of the intervals.
pub const CONFIDENCE: f64 = 0.95;

/// How the covariance of the estimates is estimated (statsmodels' `cov_type`).
///
/// The robust (sandwich) estimates are `B M B` with the bread `B` the inverse information
/// (least squares: `(X̃ᵀX̃)⁻¹`) and the meat `M = X̃ᵀ diag(ωᵢ) X̃`:
///
/// | type | least squares `ωᵢ` | logistic `ωᵢ` |
/// |---|---|---|
/// | HC0 | `eᵢ²` | `(yᵢ − pᵢ)²` |
/// | HC1 | `eᵢ² N / (N − k)` | as HC0 |
/// | HC2 | `eᵢ² / (1 − hᵢᵢ)` | as HC0 |
/// | HC3 | `eᵢ² / (1 − hᵢᵢ)²` | as HC0 |
///
/// with `hᵢᵢ` the leverages, `x̃ᵢᵀ(X̃ᵀX̃)⁻¹x̃ᵢ`. For logistic regression every HC type is the
/// plain sandwich, as statsmodels computes it for discrete models. With a robust covariance
/// the statistics are referred to the normal distribution, and least squares' F becomes the
/// Wald test of every coefficient but the intercept, as statsmodels does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CovarianceType {
    /// The inverse information (least squares: times `σ̂²`).
    #[default]
    NonRobust,
    /// White's heteroskedasticity-consistent sandwich.
    Hc0,
    /// HC0 with the degrees-of-freedom correction `N / (N − k)`.
    Hc1,
    /// HC0 with each residual scaled by `1 / (1 − hᵢᵢ)`.
    Hc2,
    /// HC0 with each residual scaled by `1 / (1 − hᵢᵢ)²` (the jackknife's).
    Hc3,
}

/// One row of a coefficient table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coefficient {
    /// The estimate.
    pub estimate: f64,
    /// Its standard error, `√Cov_jj`.
    pub std_error: f64,
    /// `estimate / std_error`: z (logistic) or t (least squares).
    pub statistic: f64,
    /// The two-sided p-value of the statistic (normal, or Student's t with the residual
    /// degrees of freedom).
    pub p_value: f64,
    /// The lower end of the 95% confidence interval.
    pub lower: f64,
    /// The upper end of the 95% confidence interval.
    pub upper: f64,
}

/// The likelihood-based statistics of a maximum-likelihood classifier's summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Likelihood {
    /// The log-likelihood at the fit, `LL`.
    pub log_likelihood: f64,
    /// The log-likelihood of the intercept-only model, `LL₀`.
    pub null_log_likelihood: f64,
    /// The likelihood-ratio statistic, `2 (LL − LL₀)`.
    pub llr: f64,
    /// Its p-value, from χ² with the model's degrees of freedom (none without any feature).
    pub llr_p_value: Option<f64>,
    /// McFadden's pseudo-R², `1 − LL / LL₀`.
    pub pseudo_r2: f64,
    /// `−2 LL + 2k`, `k` the parameters.
    pub aic: f64,
    /// `−2 LL + k log N`.
    pub bic: f64,
}

impl Likelihood {
    /// The statistics of a fit with log-likelihood `ll` against the intercept-only `null`,
    /// with `df_model` degrees of freedom, `parameters` estimated on `n` observations.
    fn new(ll: f64, null: f64, df_model: usize, parameters: usize, n: usize) -> Self {
        let llr = 2.0 * (ll - null);
        let llr_p_value = ChiSquared::new(df_model as f64)
            .ok()
            .filter(|_| df_model > 0)
            .map(|chi2| chi2.sf(llr));
        let k = parameters as f64;
        Likelihood {
            log_likelihood: ll,
            null_log_likelihood: null,
            llr,
            llr_p_value,
            pseudo_r2: 1.0 - ll / null,
            aic: -2.0 * ll + 2.0 * k,
            bic: -2.0 * ll + k * (n as f64).ln(),
        }
    }
}

/// What statsmodels' `Logit(…).fit().summary()` reports. The coefficients are in the order
/// of the model's, then the intercept's (when fitted).
#[derive(Debug, Clone, Serialize)]
pub struct LogitSummary {
    /// The coefficient table.
    pub coefficients: Vec<Coefficient>,
    /// The number of observations.
    pub n_observations: usize,
    /// The model's degrees of freedom: one less than the parameters (as statsmodels' `Logit`,
    /// with or without an intercept).
    pub df_model: usize,
    /// The residual degrees of freedom: observations less parameters.
    pub df_residuals: usize,
    /// The likelihood statistics (`LL = Σ yᵢ log pᵢ + (1 − yᵢ) log(1 − pᵢ)`, `k` the
    /// parameters).
    #[serde(flatten)]
    pub likelihood: Likelihood,
    /// How the covariance was estimated.
    pub covariance_type: CovarianceType,
    /// The condition number of `W^½X̃` (the square root of the information matrix `X̃ᵀWX̃`,
    /// `W = diag(pᵢ(1 − pᵢ))`): what least squares' condition number is of `X̃`, and what
    /// the standard errors' accuracy depends on (about `ε·κ²` relative).
    pub condition_number: f64,
}

/// What statsmodels' `MNLogit(…).fit().summary()` reports for a multinomial logistic
/// regression fitted without a penalty.
///
/// statsmodels fixes the first class's coefficients at zero (the reference class) and
/// estimates `β_k` for every other class `k`; descent fits the symmetric parametrization
/// `θ_k` (one vector per class, see [`FittedMultinomialLogisticRegression`]), which gives the
/// same probabilities. The map is `β_k = θ_k − θ_0` (intercepts included), and the
/// information matrix of the `β` is the Hessian of the summed loss in the other classes'
/// parameters (with `θ_0` held fixed, the model is exactly statsmodels'), so the covariance is
/// its inverse. The coefficients are listed class by class (`compared_classes`), each in the
/// order of the model's features, then the intercept's (when fitted).
#[derive(Debug, Clone, Serialize)]
pub struct MnLogitSummary {
    /// The reference class, whose coefficients are zero.
    pub reference_class: f64,
    /// The other classes, in the order of the coefficient tables.
    pub compared_classes: Vec<f64>,
    /// How the covariance was estimated.
    pub covariance_type: CovarianceType,
    /// The coefficient tables of the compared classes, one after the other.
    pub coefficients: Vec<Coefficient>,
    /// The number of observations.
    pub n_observations: usize,
    /// `(K − 1)(k − 1)`, `k` the parameters per class (as statsmodels, with or without an
    /// intercept).
    pub df_model: usize,
    /// `N − (K − 1)k`.
    pub df_residuals: usize,
    /// The likelihood statistics (`LL = Σᵢ log P_{i,yᵢ}`, `LL₀ = Σ_k n_k log(n_k / N)`, and
    /// `(K − 1)k` parameters).
    #[serde(flatten)]
    pub likelihood: Likelihood,
    /// The condition number of the square root of the information matrix (as
    /// [`LogitSummary::condition_number`]); very large when a class is (nearly) separable
    /// from the others, where the standard errors lose their meaning.
    pub condition_number: f64,
}

/// What statsmodels' `OLS(…).fit().summary()` reports (the coefficients in the order of the
/// model's, then the intercept's when fitted).
#[derive(Debug, Clone, Serialize)]
pub struct OlsSummary {
    /// The coefficient table (t statistics).
    pub coefficients: Vec<Coefficient>,
    /// The number of observations.
    pub n_observations: usize,
    /// The model's degrees of freedom: the parameters besides the intercept.
    pub df_model: usize,
    /// The residual degrees of freedom, `N − k`.
    pub df_residuals: usize,
    /// `R² = 1 − RSS / TSS` (TSS about the mean with an intercept, about zero without, as
    /// statsmodels; weighted: `Σsᵢ(yᵢ − ȳ_s)²` about the weighted mean, or `Σsᵢyᵢ²`).
    pub r2: f64,
    /// `1 − (1 − R²)(N − c) / df_residuals`, `c` = 1 with an intercept, 0 without.
    pub adjusted_r2: f64,
    /// `(R² / df_model) / ((1 − R²) / df_residuals)`.
    pub f_statistic: f64,
    /// Its p-value, from F(df_model, df_residuals) (none without any feature).
    pub f_p_value: Option<f64>,
    /// The Gaussian log-likelihood at the fit, `−N/2 (log 2π + log(RSS/N) + 1)` (weighted:
    /// RSS of the whitened residuals, plus `½Σ log sᵢ`).
    pub log_likelihood: f64,
    /// `−2 LL + 2k`.
    pub aic: f64,
    /// `−2 LL + k log N`.
    pub bic: f64,
    /// The residual variance `σ̂² = RSS / df_residuals`.
    pub scale: f64,
    /// How the covariance was estimated.
    pub covariance_type: CovarianceType,
    /// The Durbin–Watson statistic of the residuals, `Σ (eᵢ − eᵢ₋₁)² / Σ eᵢ²`, in row order.
    pub durbin_watson: f64,
    /// The residuals' skewness, `m₃ / m₂^{3/2}` (moments about their mean).
    pub skew: f64,
    /// The residuals' kurtosis, `m₄ / m₂²` (3 for a normal distribution).
    pub kurtosis: f64,
    /// The Jarque–Bera statistic, `N/6 (skew² + (kurtosis − 3)² / 4)`.
    pub jarque_bera: f64,
    /// Its p-value, from χ² with 2 degrees of freedom.
    pub jarque_bera_p_value: f64,
    /// The condition number of `X̃` (with the intercept's column), `σ_max / σ_min` of its
    /// singular values, as statsmodels' `condition_number`.
    pub condition_number: f64,
}

/// The first coefficient whose column is (numerically) a linear combination of the earlier
/// ones' in the information matrix `H`, and those it combines. The columns are added one at a
/// time to a Cholesky factor `L` of the kept set `R`: column `j` depends on `R` when the Schur
/// complement `H_jj − ‖L⁻¹H_Rj‖²` (`H_jj` times one less the squared multiple correlation of
/// `j` with `R`) is below 1e-12 of `H_jj` — a variance inflation beyond 10¹², which rounding
/// alone reaches when a column is an exact combination of others; its partners are the kept
/// columns with a weight in `H_RR⁻¹ H_Rj`. `None` when every column adds information.
fn dependent_column(information: &Array2<f64>) -> Option<(usize, Vec<usize>)> {
    let mut kept: Vec<usize> = Vec::new();
    // The rows of `L`, lower triangular: `factor[r][c]` for `c ≤ r`.
    let mut factor: Vec<Vec<f64>> = Vec::new();
    for j in 0..information.nrows() {
        let own = information[[j, j]];
        if own.is_nan() || own <= 0.0 {
            return Some((j, Vec::new()));
        }
        // L w = H_Rj, by forward substitution.
        let mut w = vec![0.0; kept.len()];
        for r in 0..kept.len() {
            let v = information[[kept[r], j]] - (0..r).map(|c| factor[r][c] * w[c]).sum::<f64>();
            w[r] = v / factor[r][r];
        }
        let schur = own - w.iter().map(|v| v * v).sum::<f64>();
        if schur <= 1e-12 * own {
            // The weights a = L⁻ᵀ w = H_RR⁻¹ H_Rj, by back substitution.
            let m = kept.len();
            let mut a = vec![0.0; m];
            for r in (0..m).rev() {
                let v = w[r] - (r + 1..m).map(|c| factor[c][r] * a[c]).sum::<f64>();
                a[r] = v / factor[r][r];
            }
            let partners = kept
                .iter()
                .zip(&a)
                .filter(|(&m, w)| w.abs() * information[[m, m]].sqrt() > 1e-8 * own.sqrt())
                .map(|(&m, _)| m)
                .collect();
            return Some((j, partners));
        }
        w.push(schur.sqrt());
        factor.push(w);
        kept.push(j);
    }
    None
}

/// The covariance `scale · H⁻¹` of an information matrix `H` (symmetric), by its Cholesky
/// factor; an error naming what makes it singular otherwise ([`ModelError::Collinear`] with
/// the columns involved, when one depends on others).
fn covariance(information: &Array2<f64>, scale: f64) -> Result<Array2<f64>, ModelError> {
    // A column that depends on others is named, even where rounding leaves Cholesky a
    // (meaningless) factor to find.
    if let Some((column, partners)) = dependent_column(information) {
        return Err(ModelError::Collinear { column, partners });
    }
    let singular = || {
        ModelError::Singular(
            "the information matrix is singular or not positive definite (nearly collinear columns, or classes that some feature separates); standard errors do not exist"
                .to_owned(),
        )
    };
    // LAPACK's Cholesky factor, inverted (potrf, then potri).
    // On one thread: OpenBLAS's threaded paths add in another order.
    let inverse = with_one_blas_thread(|| information.invc()).map_err(|_| singular())?;
    if inverse.diag().iter().any(|v| !(v.is_finite() && *v > 0.0)) {
        return Err(singular());
    }
    Ok(inverse * scale)
}

/// The sandwich `B (X̃ᵀ diag(ω) X̃) B` of the rows of `x` (this process's, with the others'
/// when the rows are shared: see [`meat`]).
fn sandwich(
    bread: &Array2<f64>,
    x: &Array2<f64>,
    omega: &Array1<f64>,
    share: Option<&RowShare>,
) -> Array2<f64> {
    let meat = meat(x, omega, share);
    with_one_blas_thread(|| bread.dot(&meat).dot(bread))
}

/// `X̃ᵀ diag(ω) X̃` in blocks of [`ROW_BLOCK`] rows: each block's product by BLAS on one thread,
/// the blocks added in row order, across the processes sharing the rows when `share` is given;
/// the same bits alone and on shared rows (whose shares are whole blocks).
fn meat(x: &Array2<f64>, omega: &Array1<f64>, share: Option<&RowShare>) -> Array2<f64> {
    let (n, k) = x.dim();
    let mut partials = Vec::with_capacity(n.div_ceil(ROW_BLOCK) * k * k);
    with_one_blas_thread(|| {
        for start in (0..n).step_by(ROW_BLOCK) {
            let rows = start..(start + ROW_BLOCK).min(n);
            let block = x.slice(ndarray::s![rows.clone(), ..]);
            let weights = omega.slice(ndarray::s![rows]).insert_axis(ndarray::Axis(1));
            partials.extend(block.t().dot(&(&block * &weights)).iter());
        }
    });
    let sums = sum_in_row_order(&partials, k * k, share);
    Array2::from_shape_vec((k, k), sums).unwrap_or_else(|_| Array2::zeros((k, k)))
}

/// `f` of each block of [`ROW_BLOCK`] rows of `x`, on one BLAS thread, the results one after
/// another: the blocks are the same alone and on shared rows, so each row's value is too
/// (BLAS's value for a row can depend on the rows computed with it).
fn by_blocks(
    x: &Array2<f64>,
    f: impl Fn(ndarray::ArrayView2<'_, f64>) -> Array1<f64>,
) -> Array1<f64> {
    let n = x.nrows();
    let mut out = Vec::with_capacity(n);
    with_one_blas_thread(|| {
        for start in (0..n).step_by(ROW_BLOCK) {
            out.extend(f(
                x.slice(ndarray::s![start..(start + ROW_BLOCK).min(n), ..])
            ));
        }
    });
    Array1::from_vec(out)
}

/// The leverages `hᵢᵢ = x̃ᵢᵀ A x̃ᵢ` of `X̃` for `A = (X̃ᵀX̃)⁻¹`.
fn leverages(x: &Array2<f64>, inverse_gram: &Array2<f64>) -> Array1<f64> {
    by_blocks(x, |block| {
        (block.dot(inverse_gram) * block).sum_axis(ndarray::Axis(1))
    })
}

/// The coefficient table of `params` with covariance `cov`, the statistic's two-sided tail
/// given by `tail(|s|)` and its 97.5% quantile `critical`.
fn table(
    params: &Array1<f64>,
    cov: &Array2<f64>,
    tail: impl Fn(f64) -> f64,
    critical: f64,
) -> Vec<Coefficient> {
    params
        .iter()
        .zip(cov.diag())
        .map(|(&estimate, &variance)| {
            let std_error = variance.sqrt();
            let statistic = estimate / std_error;
            Coefficient {
                estimate,
                std_error,
                statistic,
                p_value: 2.0 * tail(statistic.abs()),
                lower: estimate - critical * std_error,
                upper: estimate + critical * std_error,
            }
        })
        .collect()
}

/// `[w, b]` (or `w` without an intercept) for `loss`, checked: one coefficient per column of
/// its data, and more rows than parameters.
fn parameters(
    coef: &Array1<f64>,
    intercept: f64,
    loss: &impl LinearModelLoss,
) -> Result<Array1<f64>, ModelError> {
    if coef.len() != loss.n_features() {
        return Err(ModelError::ShapeMismatch {
            what: "the feature matrix (columns)",
            expected: coef.len(),
            found: loss.n_features(),
        });
    }
    let params = parameters_of(coef, intercept, loss.fit_intercept());
    if loss.n_samples() <= params.len() {
        return Err(invalid("inference needs more rows than parameters"));
    }
    Ok(params)
}

/// An error unless the fit is unpenalized (classical standard errors do not apply to a
/// penalized one) and converged ([`converged`]).
fn at_unpenalized_optimum(
    penalty: Penalty,
    report: &descent_solvers::Report<Array1<f64>>,
) -> Result<(), ModelError> {
    if penalty != Penalty::None {
        return Err(ModelError::NotApplicable(
            "classical standard errors do not apply to a penalized fit (the penalty biases the estimates); fit without a penalty (penalty none)",
        ));
    }
    converged(report)
}

/// An error unless the fit converged: the covariance is the inverse information at the
/// optimum, and at another point it is no covariance of anything (a separated logistic fit,
/// whose coefficients run off to infinity, ends here).
fn converged(report: &descent_solvers::Report<Array1<f64>>) -> Result<(), ModelError> {
    if report.converged() {
        Ok(())
    } else {
        Err(ModelError::NotConverged(format!(
            "standard errors need the optimum, and the fit stopped short of it: {}",
            report.termination
        )))
    }
}

fn invalid(reason: &'static str) -> ModelError {
    ModelError::InvalidParameter {
        name: "model",
        value: f64::NAN,
        reason,
    }
}

/// The inference summary of a multinomial logistic regression fitted without a penalty on
/// `x` and `y` (the same data; `fit_intercept` as it was fitted), in statsmodels' reference
/// parametrization (see [`MnLogitSummary`]). The estimates are the fit's, polished by Newton's
/// method to `‖∇F‖ ≤ 1e-10` first, so that the covariance is that of the optimum (and a fit
/// that a separable class only made look converged is found out).
///
/// ```
/// use descent_models::inference::{mnlogit_summary, CovarianceType};
/// use descent_models::{LogisticRegression, Penalty};
/// use ndarray::array;
/// let x = array![[0.5], [1.5], [2.0], [2.5], [3.5], [0.8], [3.0], [1.0], [2.2], [0.2], [3.1], [1.7]];
/// let y = array![0.0, 1.0, 2.0, 1.0, 2.0, 0.0, 1.0, 0.0, 2.0, 1.0, 2.0, 0.0];
/// let model = LogisticRegression::new().penalty(Penalty::None).tol(1e-10)
///     .fit_multinomial(&x, y.view())?;
/// let summary = mnlogit_summary(&model, &x, y.view(), true, CovarianceType::NonRobust)?;
/// assert_eq!(summary.compared_classes, vec![1.0, 2.0]);
/// assert_eq!(summary.coefficients.len(), 4); // (slope, intercept) for classes 1 and 2
/// assert!(summary.coefficients.iter().all(|c| c.std_error > 0.0));
/// # Ok::<(), descent_models::ModelError>(())
/// ```
///
/// # Errors
/// A penalized model; a fit that did not converge; data of another shape than fitted; labels
/// other than the model's classes; too few rows; a singular information matrix (collinear or
/// constant columns, or classes that some feature separates).
pub fn mnlogit_summary<'x>(
    model: &FittedMultinomialLogisticRegression,
    x: impl Into<DesignMatrix<'x>>,
    y: ArrayView1<'_, f64>,
    fit_intercept: bool,
    covariance_type: CovarianceType,
) -> Result<MnLogitSummary, ModelError> {
    at_unpenalized_optimum(model.penalty, &model.report)?;
    let x: DesignMatrix<'x> = x.into();
    // The fit polished by Newton's method to ‖∇F‖ ≤ 1e-10 from where it stopped (a step or
    // two from a converged fit): the covariance is that of the optimum, and a fit that only
    // looked converged, because a class is separable and the loss flattens out towards
    // infinity, shows itself by running off (its end point then separates the class).
    let polished = LogisticRegression::new()
        .penalty(Penalty::None)
        .fit_intercept(fit_intercept)
        .solver(crate::Solver::Newton)
        .tol(1e-10)
        .max_iter(100)
        .record_history(false)
        .fit_multinomial_warm(x.view(), y, model)?;
    match polished.report.termination {
        Termination::KeepsDecreasing => {
            return Err(ModelError::NotConverged(
                "a class is linearly separable from the others, so the log-likelihood has no maximum (the coefficients run off to infinity) and standard errors do not exist; add a penalty, or leave out the features that separate".to_owned(),
            ))
        }
        _ => converged(&polished.report)?,
    }
    let model = &polished;
    let classes = &model.classes;
    let k = classes.len();
    // Every label is one of the classes: the polished fit was made on these labels.
    let labels: Vec<u32> = model.class_of(y)?.iter().map(|&c| c as u32).collect();
    let design = crate::multinomial::DenseDesign::of(&x);
    let dense = design.features();
    let loss = MultinomialLogLoss::new(dense.view(), &labels[..], k)?.fit_intercept(fit_intercept);
    let p = dense.ncols();
    let per_class = p + usize::from(fit_intercept);
    let n = y.len();
    let free = (k - 1) * per_class;
    if n <= free {
        return Err(invalid("inference needs more rows than parameters"));
    }
    // The polished fit's parameters, `[W, b]` in the loss's order.
    let theta = &model.report.x;
    let nf = n as f64;
    let log_likelihood = -nf * loss.value(theta);
    // The symmetric Hessian's entries of classes 1..K, in the reference order: class by class,
    // each the features' coefficients and then the intercept.
    let index = |class: usize, j: usize| {
        if j < p {
            class * p + j
        } else {
            k * p + class
        }
    };
    let order: Vec<usize> = (1..k)
        .flat_map(|c| (0..per_class).map(move |j| index(c, j)))
        .collect();
    let hessian = loss.hessian(theta);
    let information =
        Array2::from_shape_fn((free, free), |(a, b)| hessian[[order[a], order[b]]] * nf);
    let mut cov = covariance(&information, 1.0)?;
    if covariance_type != CovarianceType::NonRobust {
        // The scores' outer products, Σᵢ sᵢsᵢᵀ with sᵢ = (y_ic − P_ic)·x̃ᵢ for the compared
        // classes c, between two inverse informations (every HC type alike, as statsmodels
        // computes it for discrete models).
        let probabilities = model.predict_proba(dense.view())?;
        let mut scores = Array2::zeros((n, free));
        for (i, (mut row, &label)) in scores.rows_mut().into_iter().zip(&labels).enumerate() {
            let xi = dense.row_f64(i);
            for c in 1..k {
                let residual = f64::from(u8::from(label as usize == c)) - probabilities[[i, c]];
                let base = (c - 1) * per_class;
                for j in 0..p {
                    row[base + j] = residual * xi[j];
                }
                if fit_intercept {
                    row[base + p] = residual;
                }
            }
        }
        cov = sandwich(&cov, &scores, &Array1::ones(n), None);
    }
    let beta = Array1::from_shape_fn(free, |a| {
        let (c, j) = (a / per_class + 1, a % per_class);
        theta[index(c, j)] - theta[index(0, j)]
    });
    let normal = Normal::standard();
    let critical = normal.inverse_cdf(0.5 + CONFIDENCE / 2.0);
    let coefficients = table(&beta, &cov, |s| normal.sf(s), critical);
    let mut counts = vec![0usize; k];
    for &l in &labels {
        counts[l as usize] += 1;
    }
    let null_log_likelihood: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| c as f64 * (c as f64 / nf).ln())
        .sum();
    let df_model = (k - 1) * (per_class - 1);
    Ok(MnLogitSummary {
        reference_class: classes[0],
        compared_classes: classes[1..].to_vec(),
        covariance_type,
        coefficients,
        n_observations: n,
        df_model,
        df_residuals: n - free,
        likelihood: Likelihood::new(log_likelihood, null_log_likelihood, df_model, free, n),
        condition_number: root_condition(&information)?,
    })
}

/// The inference summary of a logistic regression fitted without a penalty on `x` and `y`
/// (the same data; `fit_intercept` as it was fitted).
///
/// # Errors
/// A penalized model; data of another shape than fitted; labels other than the model's two
/// classes; too few rows (`N ≤ k`); a singular information matrix (collinear or constant
/// columns, or separation).
pub fn logit_summary<'x>(
    model: &FittedLogisticRegression,
    x: impl Into<DesignMatrix<'x>>,
    y: ArrayView1<'_, f64>,
    fit_intercept: bool,
    covariance_type: CovarianceType,
) -> Result<LogitSummary, ModelError> {
    logit_summary_of(model, x.into(), y, fit_intercept, covariance_type, None)
}

/// [`logit_summary`] of a model fitted on rows shared among processes
/// ([`LogisticRegression::fit_shared`](crate::LogisticRegression::fit_shared)), from this
/// process's share: every process calls it, and every process gets the summary of all the
/// rows, the same to the bit as [`logit_summary`] in one process (the log-likelihood and the
/// information matrix are the shared loss's, the labels' mean is summed in row order, and a
/// robust covariance's middle term `Σᵢ ωᵢx̃ᵢx̃ᵢᵀ` in blocks of rows in row order).
///
/// # Errors
/// As [`logit_summary`], on every process when any share's labels fail.
pub fn logit_summary_shared<'x>(
    model: &FittedLogisticRegression,
    x: impl Into<DesignMatrix<'x>>,
    y: ArrayView1<'_, f64>,
    fit_intercept: bool,
    covariance_type: CovarianceType,
    share: &RowShare,
) -> Result<LogitSummary, ModelError> {
    logit_summary_of(
        model,
        x.into(),
        y,
        fit_intercept,
        covariance_type,
        Some(share),
    )
}

/// [`logit_summary`], alone or on shared rows.
fn logit_summary_of(
    model: &FittedLogisticRegression,
    x: DesignMatrix<'_>,
    y: ArrayView1<'_, f64>,
    fit_intercept: bool,
    covariance_type: CovarianceType,
    share: Option<&RowShare>,
) -> Result<LogitSummary, ModelError> {
    at_unpenalized_optimum(model.penalty, &model.report)?;
    let unknown = y
        .iter()
        .find(|&&v| v != model.classes[0] && v != model.classes[1])
        .map(|&v| ModelError::InvalidParameter {
            name: "y",
            value: v,
            reason: "a label that is not one of the model's two classes",
        });
    if let Some(rank) = share.and_then(|s| s.first_failure(unknown.is_some())) {
        return Err(unknown.unwrap_or(ObjectiveError::PeerFailed { rank }.into()));
    }
    if let Some(e) = unknown {
        return Err(e);
    }
    let y01 = y.mapv(|v| f64::from(v == model.classes[1]));
    let loss = match share {
        None => LogLoss::new(x.view(), &y01)?,
        Some(share) => LogLoss::new_shared(x.view(), &y01, share)?,
    }
    .fit_intercept(fit_intercept);
    let params = parameters(&model.coef, model.intercept, &loss)?;
    let (n, k) = (loss.n_samples(), params.len());
    // The objective is the mean log loss: N times it is −LL, N times its Hessian the
    // information matrix.
    let nf = n as f64;
    let log_likelihood = -nf * loss.value(&params);
    let information = loss.hessian(&params) * nf;
    let mut cov = covariance(&information, 1.0)?;
    if covariance_type != CovarianceType::NonRobust {
        // The scores' outer products: (yᵢ − pᵢ)² x̃ᵢx̃ᵢᵀ.
        let design = one_hot_design(&x, fit_intercept);
        let z = by_blocks(&design, |block| block.dot(&params));
        let omega = ndarray::Zip::from(&z)
            .and(&y01)
            .map_collect(|&z, &y| (y - 1.0 / (1.0 + (-z).exp())).powi(2));
        cov = sandwich(&cov, &design, &omega, share);
    }
    let normal = Normal::standard();
    let critical = normal.inverse_cdf(0.5 + CONFIDENCE / 2.0);
    let coefficients = table(&params, &cov, |s| normal.sf(s), critical);
    // Summed in blocks of rows in order, as a sum over shared rows is.
    let mean = row_total(y01.as_slice().unwrap_or(&[]), share) / nf;
    let null_log_likelihood = if mean > 0.0 && mean < 1.0 {
        nf * (mean * mean.ln() + (1.0 - mean) * (1.0 - mean).ln())
    } else {
        0.0
    };
    // As statsmodels' discrete models: one less than the parameters, with or without an
    // intercept (the null model is the intercept-only model either way).
    let df_model = k - 1;
    Ok(LogitSummary {
        coefficients,
        n_observations: n,
        df_model,
        df_residuals: n - k,
        likelihood: Likelihood::new(log_likelihood, null_log_likelihood, df_model, k, n),
        covariance_type,
        condition_number: root_condition(&information)?,
    })
}

/// `√(λ_max / λ_min)` of a symmetric positive definite matrix `A = BᵀB`: the condition number
/// of `B` (the ratio of its extreme singular values).
fn root_condition(a: &Array2<f64>) -> Result<f64, ModelError> {
    let eigenvalues = with_one_blas_thread(|| a.eigvalsh(UPLO::Lower)).map_err(|e| {
        ModelError::Singular(format!("the eigenvalues of the information matrix: {e}"))
    })?;
    let (low, high) = eigenvalues
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(l, h), &v| (l.min(v), h.max(v)));
    Ok((high / low).sqrt())
}

/// The inference summary of an ordinary least-squares fit (`alpha = 0`) on `x` and `y` (the
/// same data; `fit_intercept` as it was fitted).
///
/// # Errors
/// A penalized model; data of another shape than fitted; too few rows (`N ≤ k`); a singular
/// `X̃ᵀX̃` (collinear or constant columns).
pub fn ols_summary<'x>(
    model: &FittedLinearRegression,
    x: impl Into<DesignMatrix<'x>>,
    y: ArrayView1<'_, f64>,
    fit_intercept: bool,
    covariance_type: CovarianceType,
) -> Result<OlsSummary, ModelError> {
    ols_summary_weighted(model, x, y, None, fit_intercept, covariance_type)
}

/// [`ols_summary`] of a least-squares fit weighted by `sample_weight`
/// ([`LinearRegression::fit_weighted`](crate::LinearRegression::fit_weighted)): statsmodels'
/// `WLS(y, X, weights=s).fit().summary()`. Everything is computed on the whitened rows
/// `√sᵢ·x̃ᵢ`, `√sᵢ·yᵢ` (the covariance from `X̃ᵀSX̃`, the robust sandwiches and leverages, the
/// condition number, and Durbin–Watson, skew, kurtosis and Jarque–Bera of the whitened
/// residuals `√sᵢ·eᵢ`), except that R² centres the total sum of squares at the weighted mean,
/// `Σsᵢ(yᵢ − ȳ_s)²`, and the log-likelihood gains `½Σ log sᵢ`. Every row counts as an
/// observation, as in statsmodels. `None`: [`ols_summary`].
///
/// # Errors
/// As [`ols_summary`], invalid weights, and a weight of 0 (statsmodels counts such a row as
/// an observation with a log-likelihood of −∞; leave it out instead).
pub fn ols_summary_weighted<'x>(
    model: &FittedLinearRegression,
    x: impl Into<DesignMatrix<'x>>,
    y: ArrayView1<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
    fit_intercept: bool,
    covariance_type: CovarianceType,
) -> Result<OlsSummary, ModelError> {
    let x = x.into();
    ols_summary_of(
        model,
        x,
        y,
        sample_weight,
        fit_intercept,
        covariance_type,
        None,
    )
}

/// [`ols_summary_weighted`] of a model fitted on rows shared among processes
/// ([`LinearRegression::fit_shared_weighted`](crate::LinearRegression::fit_shared_weighted)),
/// from this process's share: every process calls it and gets the summary of all the rows, the
/// same to the bit as in one process. The Gram matrix is the shared loss's; every sum over rows
/// (the residuals' squares and moments, Durbin–Watson's differences, which pair the last
/// residual of a share with the first of the next, the targets' total sum of squares, the
/// weights' logarithms, the robust covariances' middle terms `Σᵢ ωᵢx̃ᵢx̃ᵢᵀ`) is taken in
/// blocks of rows in row order ([`ROW_BLOCK`]), as one process takes it; the leverages of HC2
/// and HC3 are each row's own, from the shared Gram matrix.
///
/// # Errors
/// As [`ols_summary_weighted`], on every process when any share's weights fail.
pub fn ols_summary_shared<'x>(
    model: &FittedLinearRegression,
    x: impl Into<DesignMatrix<'x>>,
    y: ArrayView1<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
    fit_intercept: bool,
    covariance_type: CovarianceType,
    share: &RowShare,
) -> Result<OlsSummary, ModelError> {
    let x = x.into();
    let shared = Some(share);
    ols_summary_of(
        model,
        x,
        y,
        sample_weight,
        fit_intercept,
        covariance_type,
        shared,
    )
}

/// `Σᵢ f(i)` over the `n` rows of this share (`width` sums at once: `f` adds row `i`'s terms
/// into its slice), in blocks of [`ROW_BLOCK`] rows, each summed in row order from zero, then
/// the blocks in order, across the processes sharing the rows when `share` is given: the same
/// bits alone and on shared rows (every process must call it then).
fn row_sums(
    n: usize,
    width: usize,
    share: Option<&RowShare>,
    f: impl Fn(usize, &mut [f64]),
) -> Vec<f64> {
    let blocks = n.div_ceil(ROW_BLOCK);
    let mut partials = vec![0.0; blocks * width];
    for (b, part) in partials.chunks_mut(width.max(1)).enumerate() {
        for i in b * ROW_BLOCK..((b + 1) * ROW_BLOCK).min(n) {
            f(i, part);
        }
    }
    sum_in_row_order(&partials, width, share)
}

/// [`ols_summary_weighted`], alone or on shared rows.
fn ols_summary_of(
    model: &FittedLinearRegression,
    x: DesignMatrix<'_>,
    y: ArrayView1<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
    fit_intercept: bool,
    covariance_type: CovarianceType,
    share: Option<&RowShare>,
) -> Result<OlsSummary, ModelError> {
    let zero_weight = sample_weight.is_some_and(|s| s.iter().any(|&v| v == 0.0));
    // A zero weight anywhere is refused everywhere.
    let zero_weight = match share {
        Some(share) => !share.all(!zero_weight),
        None => zero_weight,
    };
    if zero_weight {
        return Err(ModelError::NotApplicable(
            "a row of weight 0 has no place in a weighted least-squares summary (statsmodels' WLS counts it as an observation, and its log-likelihood is −∞); leave such rows out",
        ));
    }
    if model.alpha != 0.0 {
        return Err(ModelError::NotApplicable(
            "classical standard errors do not apply to a penalized fit (the penalty biases the estimates); fit without a penalty (alpha 0)",
        ));
    }
    converged(&model.report)?;
    let loss = match share {
        None => MeanSquaredError::new(x.view(), y.view())?,
        Some(share) => MeanSquaredError::new_shared(x.view(), y.view(), share)?,
    }
    .fit_intercept(fit_intercept);
    let loss = match &sample_weight {
        Some(s) => loss.sample_weight(s.view())?,
        None => loss,
    };
    let params = parameters(&model.coef, model.intercept, &loss)?;
    let (n, k) = (loss.n_samples(), params.len());
    let rows = y.len();
    let nf = n as f64;
    let df_residuals = n - k;
    // The objective is the (weighted) mean squared residual, its Hessian 2X̃ᵀSX̃ / W.
    let gram = loss.hessian(&params) * (loss.sample_weight_sum() / 2.0);
    let inverse_gram = covariance(&gram, 1.0)?;
    let mut design = one_hot_design(&x, fit_intercept);
    let mut residuals = &y - &by_blocks(&design, |block| block.dot(&params));
    // Whitened: each row times √sᵢ.
    let root_weight = sample_weight.map(|s| s.mapv(f64::sqrt));
    if let Some(root) = &root_weight {
        for ((mut row, e), r) in design.rows_mut().into_iter().zip(&mut residuals).zip(root) {
            row *= *r;
            *e *= r;
        }
    }
    let squared = residuals.mapv(|e| e * e);
    let rss = row_sums(rows, 1, share, |i, sum| sum[0] += squared[i])[0];
    let scale = rss / df_residuals as f64;
    let cov = match covariance_type {
        CovarianceType::NonRobust => &inverse_gram * scale,
        CovarianceType::Hc0 => sandwich(&inverse_gram, &design, &squared, share),
        CovarianceType::Hc1 => {
            sandwich(&inverse_gram, &design, &squared, share) * (nf / df_residuals as f64)
        }
        CovarianceType::Hc2 | CovarianceType::Hc3 => {
            let power = if covariance_type == CovarianceType::Hc2 {
                1
            } else {
                2
            };
            let h = leverages(&design, &inverse_gram);
            let omega = ndarray::Zip::from(&squared)
                .and(&h)
                .map_collect(|&e2, &h| e2 / (1.0 - h).powi(power));
            sandwich(&inverse_gram, &design, &omega, share)
        }
    };
    let df_model = k - usize::from(fit_intercept);
    let robust = covariance_type != CovarianceType::NonRobust;
    let coefficients = if robust {
        // statsmodels refers robust statistics to the normal distribution.
        let normal = Normal::standard();
        let critical = normal.inverse_cdf(0.5 + CONFIDENCE / 2.0);
        table(&params, &cov, |s| normal.sf(s), critical)
    } else {
        let t = StudentsT::new(0.0, 1.0, df_residuals as f64)
            .map_err(|_| invalid("no residual degrees of freedom"))?;
        let critical = t.inverse_cdf(0.5 + CONFIDENCE / 2.0);
        table(&params, &cov, |s| t.sf(s), critical)
    };
    let weight = |i: usize| sample_weight.map_or(1.0, |s| s[i]);
    let tss = {
        let mean = if fit_intercept {
            // [Σ sᵢyᵢ, Σ sᵢ] (Σ yᵢ and N without weights).
            let sums = row_sums(rows, 2, share, |i, sum| {
                sum[0] += weight(i) * y[i];
                sum[1] += weight(i);
            });
            sums[0] / sums[1]
        } else {
            0.0
        };
        row_sums(rows, 1, share, |i, sum| {
            sum[0] += weight(i) * (y[i] - mean).powi(2);
        })[0]
    };
    let r2 = 1.0 - rss / tss;
    let centered = usize::from(fit_intercept) as f64;
    let adjusted_r2 = 1.0 - (1.0 - r2) * (nf - centered) / df_residuals as f64;
    let f_statistic = if robust {
        // The Wald test that every coefficient but the intercept (which is last) is zero.
        let q = df_model;
        let tested = params.slice(ndarray::s![..q]).to_owned();
        let block = cov.slice(ndarray::s![..q, ..q]).to_owned();
        let solved = with_one_blas_thread(|| block.solvec(&tested))
            .map_err(|_| ModelError::Singular("the robust covariance is singular".to_owned()))?;
        tested.dot(&solved) / q as f64
    } else {
        (r2 / df_model as f64) / ((1.0 - r2) / df_residuals as f64)
    };
    let f_p_value = FisherSnedecor::new(df_model as f64, df_residuals as f64)
        .ok()
        .filter(|_| df_model > 0)
        .map(|f| f.sf(f_statistic));
    let (skew, kurtosis) = moments(&residuals, nf, share);
    let jarque_bera = nf / 6.0 * (skew * skew + (kurtosis - 3.0).powi(2) / 4.0);
    let jarque_bera_p_value = ChiSquared::new(2.0).map_or(f64::NAN, |c| c.sf(jarque_bera));
    // Σ (eₜ − eₜ₋₁)² over every row after the first of the whole data: a share's first row
    // pairs with the last residual of the share before it.
    let previous = match share {
        None => None,
        Some(share) => {
            let mut last_before = None;
            share.fold(|before| {
                last_before = before.as_deref().and_then(<[f64]>::first).copied();
                residuals
                    .last()
                    .map_or_else(|| before.unwrap_or_default(), |&e| vec![e])
            });
            last_before
        }
    };
    let durbin_watson = row_sums(rows, 1, share, |i, sum| {
        let earlier = if i == 0 {
            previous
        } else {
            Some(residuals[i - 1])
        };
        if let Some(e) = earlier {
            sum[0] += (residuals[i] - e).powi(2);
        }
    })[0]
        / rss;
    let condition_number = root_condition(&gram)?;
    let log_weights = match sample_weight {
        Some(s) => row_sums(rows, 1, share, |i, sum| sum[0] += s[i].ln())[0] / 2.0,
        None => 0.0,
    };
    let log_likelihood =
        -nf / 2.0 * ((2.0 * std::f64::consts::PI).ln() + (rss / nf).ln() + 1.0) + log_weights;
    let kf = k as f64;
    Ok(OlsSummary {
        coefficients,
        n_observations: n,
        df_model,
        df_residuals,
        r2,
        adjusted_r2,
        f_statistic,
        f_p_value,
        log_likelihood,
        aic: -2.0 * log_likelihood + 2.0 * kf,
        bic: -2.0 * log_likelihood + kf * nf.ln(),
        scale,
        covariance_type,
        durbin_watson,
        skew,
        kurtosis,
        jarque_bera,
        jarque_bera_p_value,
        condition_number,
    })
}

/// The skewness `m₃ / m₂^{3/2}` and kurtosis `m₄ / m₂²` of `values`, from their moments about
/// their mean (scipy's biased estimates, as statsmodels prints).
///
/// `n` values in all, this share's `values` among them when the rows are shared (`share`):
/// the sums are taken in blocks of rows in row order ([`row_sums`]).
fn moments(values: &Array1<f64>, n: f64, share: Option<&RowShare>) -> (f64, f64) {
    let rows = values.len();
    let mean = row_sums(rows, 1, share, |i, sum| sum[0] += values[i])[0] / n;
    let m = row_sums(rows, 3, share, |i, sum| {
        let d = values[i] - mean;
        sum[0] += d * d;
        sum[1] += d * d * d;
        sum[2] += d * d * d * d;
    });
    let (m2, m3, m4) = (m[0] / n, m[1] / n, m[2] / n);
    (m3 / m2.powf(1.5), m4 / (m2 * m2))
}
