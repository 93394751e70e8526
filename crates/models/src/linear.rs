//! Linear regression: ordinary least squares and Ridge, in closed form or iteratively, and
//! the Lasso and elastic net.

use crate::error::{from_stream, non_negative, positive};
use crate::logistic::check_l1_ratio;
use crate::metrics::RegressionMetrics;
use crate::solver::{
    minimize_composite_model, minimize_linear_model, minimize_streamed, parameters_of,
    shared_builders, Curvature,
};
use crate::weights::weighted_mean;
use crate::{ModelError, Solver};
use descent_objectives::{
    Categorical, DesignMatrix, ElasticNet, Features, Gradient, L2Regularized, MeanSquaredError,
    ObjectiveError, Parameter, RowShare, RowSource, StreamedLoss,
};
use descent_solvers::{Criterion, Evaluations, Observer, Report, Termination, Unobserved};
use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, Axis, ShapeBuilder, Zip};
use ndarray_linalg::{JobSvd, Lapack, MatrixLayout, SVDDCInto, SolveC};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Settings of a linear regression: ordinary least squares, or Ridge with scikit-learn's
/// `alpha`.
///
/// It minimizes `‖y − Xw − b‖² + α‖w‖²` (the intercept `b` is not penalized; `α = 0` is
/// ordinary least squares), computed in the mean form
///
/// `F(w, b) = (1/N) Σᵢ (yᵢ − xᵢ·w − b)² + α‖w‖²/N`,
///
/// which has the same minimizer. [`Report::value`] is `F`.
///
/// **Lasso and elastic net.** With an [`l1_ratio`](Self::l1_ratio) `r`, `alpha` takes
/// scikit-learn's `ElasticNet` meaning instead (`r = 1` is `Lasso`):
///
/// `(1/2N)‖y − Xw − b‖² + α·r‖w‖₁ + ½α(1 − r)‖w‖²`,
///
/// computed as twice that, `F = (1/N)‖y − Xw − b‖² + 2αr‖w‖₁ + α(1 − r)‖w‖²` (the mean squared
/// error plus [`ElasticNet::for_least_squares`]). The solver is then
/// [`Solver::ProximalNewton`] by default (one step of coordinate descent on the Gram matrix
/// solves the quadratic model exactly; working sets for wide data), [`Solver::Fista`], or
/// [`Solver::GradientDescent`] as ISTA; each stops when the duality gap is at most `tol·F`,
/// and the report carries the gap and the number of non-zeros. At and above
/// [`alpha_max`](Self::alpha_max) every coefficient is zero.
///
/// | solver | how |
/// |---|---|
/// | [`Solver::LeastSquares`] (default) | OLS: the SVD of centered `X` (LAPACK's `gesdd`), and the minimum-norm solution `w = Σᵢ vᵢ(uᵢᵀy)/σᵢ` over the singular values above `rcond·σ₁`, `rcond = ε·max(N, p)` (numpy's `lstsq` cut-off): correct on rank-deficient `X`, whose rank is reported. Ridge: Cholesky solve of `(XcᵀXc + αI)w = Xcᵀ(y − ȳ)` |
/// | [`Solver::Newton`] | one Newton step solves the quadratic; a second confirms it |
/// | [`Solver::Lbfgs`], [`Solver::GradientDescent`] and argmin's other methods | iterate to `‖∇F‖₂ ≤ tol` |
///
/// A closed-form solution is checked like an iterative one: it is
/// [`Converged(ClosedForm)`](Criterion::ClosedForm) only if `‖∇F‖₂ ≤ tol` there, and
/// [`Stalled(ClosedForm)`](Criterion::ClosedForm) if rounding left it further off.
///
/// The SVD path copies the centered `X` once (LAPACK overwrites its input) and holds its
/// left singular vectors (another `N × min(N, p)`). The Ridge path forms the Gram matrix block
/// by block without copying `X`.
///
/// The parameters the solvers work on, and [`Report::x`], are `[w₁, …, w_p, b]`: the
/// coefficients in the order of the columns of `X`, then the intercept (when fitted).
///
/// ```
/// use descent_models::{data::Dataset, LinearRegression, Solver};
///
/// let data = Dataset::from_csv(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/diabetes.csv"), None)?;
/// let ols = LinearRegression::new().fit(data.x.view(), data.y.view())?;
/// let iterative = LinearRegression::new().solver(Solver::Newton).tol(1e-9).fit(data.x.view(), data.y.view())?;
/// assert!((ols.intercept + 334.5671385187859).abs() < 1e-9); // scikit-learn's
/// assert!((&ols.coef - &iterative.coef).iter().all(|d| d.abs() < 1e-6));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LinearRegression {
    alpha: f64,
    l1_ratio: Option<f64>,
    fit_intercept: bool,
    /// `None`: least squares.
    solver: Option<Solver>,
    tol: f64,
    max_iter: usize,
    precondition: bool,
    record_history: bool,
}

shared_builders!(LinearRegression);

impl Default for LinearRegression {
    fn default() -> Self {
        LinearRegression {
            alpha: 0.0,
            l1_ratio: None,
            fit_intercept: true,
            solver: None,
            tol: 1e-4,
            max_iter: 1000,
            precondition: true,
            record_history: true,
        }
    }
}

impl LinearRegression {
    /// Ordinary least squares with an intercept, solved directly.
    pub fn new() -> Self {
        Self::default()
    }

    /// Ridge's penalty `α ≥ 0` on `‖w‖²` (0, the default, is ordinary least squares).
    #[must_use]
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// The elastic net's mix `r` in `[0, 1]` of L1 and L2: with it, `alpha` is scikit-learn's
    /// `ElasticNet(alpha, l1_ratio)` (and `r = 1` its `Lasso(alpha)`); `alpha` must then be
    /// positive.
    #[must_use]
    pub fn l1_ratio(mut self, l1_ratio: f64) -> Self {
        self.l1_ratio = Some(l1_ratio);
        self
    }

    /// The smallest `alpha` at which every coefficient of the Lasso or elastic net is zero
    /// (glmnet's `λ_max`, with the intercept fitted when it is): `α_max = t/(2r)` with
    /// `t = (2/N)·maxⱼ |Σᵢ xᵢⱼ(yᵢ − ȳ)|` ([`MeanSquaredError::l1_threshold`]). Paths over
    /// `alpha` start there and go down.
    ///
    /// `None` without an `l1_ratio` above 0, or when no feature correlates with `y`.
    ///
    /// ```
    /// use descent_models::LinearRegression;
    /// use ndarray::array;
    /// let x = array![[1.0], [2.0], [3.0]];
    /// let y = array![1.0, 2.0, 6.0];
    /// let lasso = LinearRegression::new().l1_ratio(1.0);
    /// let alpha_max = lasso.alpha_max(x.view(), y.view())?.unwrap();
    /// assert!((alpha_max - 5.0 / 3.0).abs() < 1e-15); // |Σ xᵢ(yᵢ − ȳ)|/N = 5/3
    /// let at = lasso.clone().alpha(alpha_max).tol(1e-12).fit(x.view(), y.view())?;
    /// assert_eq!(at.coef[0], 0.0);
    /// let below = lasso.alpha(0.9 * alpha_max).tol(1e-12).fit(x.view(), y.view())?;
    /// assert!(below.coef[0] > 0.0);
    /// # Ok::<(), descent_models::ModelError>(())
    /// ```
    ///
    /// # Errors
    /// Empty, non-finite or mismatched data.
    pub fn alpha_max<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
    ) -> Result<Option<f64>, ModelError> {
        self.alpha_max_weighted(x, y, None)
    }

    /// [`alpha_max`](Self::alpha_max) of the fit weighted by `sample_weight` when given (see
    /// [`fit_weighted`](Self::fit_weighted)): `|Σᵢ sᵢxᵢⱼ(yᵢ − ȳ_s)| / Σᵢ sᵢ` with the
    /// weighted mean `ȳ_s`.
    ///
    /// # Errors
    /// As [`alpha_max`](Self::alpha_max), and invalid weights.
    pub fn alpha_max_weighted<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
    ) -> Result<Option<f64>, ModelError> {
        let x = x.into();
        let loss = MeanSquaredError::new(&x, y.view())?.fit_intercept(self.fit_intercept);
        let t = match sample_weight {
            Some(s) => loss.sample_weight(s.view())?.l1_threshold(),
            None => loss.l1_threshold(),
        };
        Ok(self
            .l1_ratio
            .filter(|&r| r > 0.0 && t > 0.0)
            .map(|r| t / (2.0 * r)))
    }

    /// As [`fit`](Self::fit), starting an iterative solver from the parameters of `previous`
    /// (a warm start, for a path of fits over `alpha`). A closed-form solve ignores it.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), and a previous model with another number of features.
    pub fn fit_warm<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        previous: &FittedLinearRegression,
    ) -> Result<FittedLinearRegression, ModelError> {
        self.fit_warm_weighted(x, y, None, previous)
    }

    /// As [`fit_warm`](Self::fit_warm), each row's loss weighted by `sample_weight` when
    /// given (as [`fit_weighted`](Self::fit_weighted)).
    ///
    /// # Errors
    /// As [`fit_warm`](Self::fit_warm) and [`fit_weighted`](Self::fit_weighted).
    pub fn fit_warm_weighted<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
        previous: &FittedLinearRegression,
    ) -> Result<FittedLinearRegression, ModelError> {
        let start = parameters_of(&previous.coef, previous.intercept, self.fit_intercept);
        self.fit_with_start(
            x.into(),
            y,
            sample_weight,
            Some(&start),
            &mut Unobserved,
            None,
        )
    }

    /// Fits the model to features `x` (one row per sample) and targets `y`.
    ///
    /// # Errors
    /// Invalid settings; empty, non-finite or mismatched data; a singular system in the
    /// closed-form Ridge solve.
    pub fn fit<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
    ) -> Result<FittedLinearRegression, ModelError> {
        self.fit_observed(x, y, &mut Unobserved)
    }

    /// As [`fit`](Self::fit), telling `observer` about each iteration of an iterative solver
    /// (a closed-form solve has none), which may stop it.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_observed<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        observer: &mut dyn Observer<Array1<f64>>,
    ) -> Result<FittedLinearRegression, ModelError> {
        self.fit_with_start(x.into(), y, None, None, observer, None)
    }

    /// As [`fit`](Self::fit), with each row's squared error multiplied by its weight
    /// `sᵢ ≥ 0` (scikit-learn's `fit(X, y, sample_weight)`): weighted least squares
    /// `Σᵢ sᵢ(yᵢ − xᵢ·w − b)² + α‖w‖²` (Ridge, OLS at `α = 0`), or
    /// `(1/(2W))Σᵢ sᵢrᵢ² + α(r‖w‖₁ + ½(1 − r)‖w‖²)` with `W = Σᵢ sᵢ` for the elastic net (what
    /// scikit-learn's `ElasticNet` minimizes after it rescales the weights to sum to `N`).
    /// Whole-number weights give the fit of the data with each row repeated `sᵢ` times. The
    /// closed forms factor a copy of `X` whose rows are scaled by `√sᵢ`.
    ///
    /// ```
    /// use descent_models::LinearRegression;
    /// use ndarray::array;
    /// let x = array![[0.0], [1.0], [2.0]];
    /// let y = array![1.0, 2.0, 7.0];
    /// // Weight 0 drops the last row: the line through the first two.
    /// let fit = LinearRegression::new().fit_weighted(x.view(), y.view(), array![1.0, 1.0, 0.0].view())?;
    /// assert!((fit.coef[0] - 1.0).abs() < 1e-12 && (fit.intercept - 1.0).abs() < 1e-12);
    /// # Ok::<(), descent_models::ModelError>(())
    /// ```
    ///
    /// # Errors
    /// As [`fit`](Self::fit), and a weight count other than the number of rows, a negative
    /// or non-finite weight, or weights that sum to zero.
    pub fn fit_weighted<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        sample_weight: ArrayView1<'_, f64>,
    ) -> Result<FittedLinearRegression, ModelError> {
        self.fit_with_start(
            x.into(),
            y,
            Some(sample_weight),
            None,
            &mut Unobserved,
            None,
        )
    }

    /// As [`fit_weighted`](Self::fit_weighted), telling `observer` about each iteration of
    /// an iterative solver; `sample_weight` `None` fits without weights.
    ///
    /// # Errors
    /// As [`fit_weighted`](Self::fit_weighted).
    pub fn fit_weighted_observed<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
        observer: &mut dyn Observer<Array1<f64>>,
    ) -> Result<FittedLinearRegression, ModelError> {
        self.fit_with_start(x.into(), y, sample_weight, None, observer, None)
    }

    /// The fit, from `start` when given; on this process's share of rows shared among
    /// processes when `share` is given (every sum over rows then sums over every share, and
    /// the smooth solvers alone run: Newton by default).
    fn fit_with_start(
        &self,
        x: DesignMatrix<'_>,
        y: ArrayView1<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
        start: Option<&Array1<f64>>,
        observer: &mut dyn Observer<Array1<f64>>,
        share: Option<&RowShare>,
    ) -> Result<FittedLinearRegression, ModelError> {
        check_l1_ratio(self.l1_ratio.is_some(), self.l1_ratio, "an elastic net")?;
        if share.is_some() && self.solver == Some(Solver::LeastSquares) {
            return Err(ObjectiveError::NotShareable("the closed-form solver").into());
        }
        let mut loss = match share {
            None => MeanSquaredError::new(&x, y.view())?,
            Some(share) => MeanSquaredError::new_shared(&x, y.view(), share)?,
        }
        .fit_intercept(self.fit_intercept);
        if let Some(s) = &sample_weight {
            loss = loss.sample_weight(s.view())?;
        }
        let p = x.ncols();
        if let Some(r) = self.l1_ratio {
            positive("alpha", self.alpha)?;
            let solver = self.solver.unwrap_or_else(Solver::for_sparse);
            let penalty = ElasticNet::for_least_squares(self.alpha, r, p)?;
            let settings = self.iterative();
            // The best intercept for zero coefficients: ȳ (the weighted mean).
            let intercept = weighted_mean(y.view(), sample_weight, share);
            let report = minimize_composite_model(
                loss, penalty, &x, solver, &settings, start, intercept, observer,
            )?;
            return Ok(self.fitted(report, solver, None, p));
        }
        non_negative("alpha", self.alpha)?;
        let objective = L2Regularized::with_c(loss, self.ridge_c())?;
        // The closed forms factor a dense copy of X; categorical columns are never expanded
        // into one, so such a design is fitted iteratively (Newton: one step for least
        // squares while the Hessian is small).
        let solver = self
            .solver
            .unwrap_or_else(|| match (x.categorical(), share) {
                ([], None) => Solver::LeastSquares,
                // On shared rows: Newton, one Gram matrix summed over every share.
                (_, Some(_)) => Solver::Newton,
                _ => Solver::for_parameters(p + usize::from(self.fit_intercept)),
            });
        let mut rank = None;
        let report = match solver {
            Solver::LeastSquares => {
                self.iterative().validate()?;
                let started = Instant::now();
                if !x.categorical().is_empty() {
                    return Err(ModelError::UnsupportedSolver {
                        solver: "least squares",
                        model: "a design with categorical columns (use newton or lbfgs)",
                    });
                }
                let params = if let Some(s) = sample_weight {
                    let (params, r) = self.weighted_closed_form(x.dense(), y, s)?;
                    rank = r;
                    params
                } else if self.alpha > 0.0 {
                    // The Gram matrix is formed by BLAS, from f64 (an f32 matrix is widened).
                    self.ridge_normal_equations(x.dense().to_f64().view(), y)?
                } else {
                    // QR factors its own copy, made straight from the stored values.
                    let (params, r) = self.least_squares(x.dense(), y)?;
                    rank = Some(r);
                    params
                };
                let (value, gradient) = objective.value_and_gradient(&params);
                let gradient_norm = gradient.norm();
                Report {
                    solver: if self.alpha > 0.0 {
                        "Ridge (Cholesky)".to_owned()
                    } else {
                        "least squares (SVD)".to_owned()
                    },
                    x: params,
                    value,
                    gradient_norm: Some(gradient_norm),
                    iterations: 0,
                    evaluations: Evaluations {
                        value: 1,
                        gradient: 1,
                        hessian: 0,
                    },
                    termination: if gradient_norm <= self.tol {
                        Termination::Converged(Criterion::ClosedForm)
                    } else {
                        Termination::Stalled(Criterion::ClosedForm)
                    },
                    history: Vec::new(),
                    elapsed: started.elapsed(),
                    duality_gap: None,
                    non_zeros: None,
                }
            }
            solver => {
                let settings = self.iterative();
                let curvature = Curvature {
                    loss: 2.0,
                    penalty: objective.strength(),
                };
                minimize_linear_model(
                    &objective,
                    Some(&x),
                    solver,
                    &settings,
                    start,
                    curvature,
                    observer,
                )?
            }
        };
        Ok(self.fitted(report, solver, rank, p))
    }

    /// As [`fit`](Self::fit), on this process's share of rows shared among processes (see
    /// [`RowShare`] and [`LogisticRegression::fit_shared`](crate::LogisticRegression::fit_shared),
    /// which has an example): every process gets the fit of all the rows, the same to the bit
    /// as [`fit`](Self::fit) with the same solver on all of them in one process. The default
    /// solver is Newton (one Gram matrix summed across the processes, one Cholesky solve:
    /// least squares in one step), not the closed forms, which factor all of `X` at once.
    /// Lasso and elastic-net fits (`l1_ratio`) run too, by proximal Newton, with the duality
    /// gap summed over every share.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), on every process when any share fails (see
    /// [`MeanSquaredError::new_shared`]); and the closed-form solver, which factors all of `X`
    /// at once and does not run on shared rows.
    pub fn fit_shared<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        share: &RowShare,
    ) -> Result<FittedLinearRegression, ModelError> {
        self.fit_shared_weighted(x, y, None, share)
    }

    /// As [`fit_shared`](Self::fit_shared), each row's squared error weighted by its sample
    /// weight when `sample_weight` (this share's) is given: the fit of
    /// [`fit_weighted`](Self::fit_weighted) with the same solver on all the rows, to the bit.
    ///
    /// # Errors
    /// As [`fit_shared`](Self::fit_shared) and [`fit_weighted`](Self::fit_weighted).
    pub fn fit_shared_weighted<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
        share: &RowShare,
    ) -> Result<FittedLinearRegression, ModelError> {
        let x = x.into();
        self.fit_with_start(x, y, sample_weight, None, &mut Unobserved, Some(share))
    }

    /// As [`fit`](Self::fit), on the rows of a [`RowSource`] read pass by pass (a
    /// [`FileStream`](crate::stream::FileStream) over a CSV or Parquet file, say), with one
    /// block of rows in memory: the same model to the bit as [`fit`](Self::fit) with the same
    /// solver on all the rows in memory. The default solver is Newton: one pass for the
    /// checks and statistics, one for the first Hessian, then one per iteration (the gradient
    /// and the Hessian at the same point); least squares takes one step.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), the source's errors, and what a stream does not support: the
    /// closed-form solver (it factors all of `X` at once), lasso and elastic net.
    pub fn fit_stream<S: RowSource>(&self, source: &S) -> Result<FittedLinearRegression, ModelError>
    where
        ModelError: From<S::Error>,
    {
        self.fit_stream_observed(source, &mut Unobserved)
    }

    /// As [`fit_stream`](Self::fit_stream), with `observer` called after every iteration.
    ///
    /// # Errors
    /// As [`fit_stream`](Self::fit_stream).
    pub fn fit_stream_observed<S: RowSource>(
        &self,
        source: &S,
        observer: &mut dyn Observer<Array1<f64>>,
    ) -> Result<FittedLinearRegression, ModelError>
    where
        ModelError: From<S::Error>,
    {
        if self.l1_ratio.is_some() {
            return Err(ModelError::NotApplicable(
                "lasso and elastic net on a stream (their duality gap sums over rows outside the passes)",
            ));
        }
        non_negative("alpha", self.alpha)?;
        let solver = self.solver.unwrap_or(Solver::Newton);
        if matches!(
            solver,
            Solver::LeastSquares | Solver::ProximalNewton | Solver::Fista
        ) {
            return Err(ModelError::NotApplicable(
                "the closed-form and proximal solvers on a stream (use newton, the default, or lbfgs)",
            ));
        }
        let loss = StreamedLoss::squared_error(source)
            .map_err(from_stream)?
            .fit_intercept(self.fit_intercept);
        let report = minimize_streamed(
            &loss,
            self.ridge_c(),
            2.0,
            solver,
            &self.iterative(),
            observer,
        )?;
        Ok(self.fitted(report, solver, None, source.columns()))
    }

    /// The `C` of the L2 penalty `‖w‖²/(2CN)` that Ridge's `alpha` is: `‖r‖² + α‖w‖²` over
    /// `N` is the MSE plus `‖w‖²/(2CN)` with `C = 1/(2α)` (`∞`, no penalty, at `alpha = 0`).
    fn ridge_c(&self) -> f64 {
        if self.alpha > 0.0 {
            1.0 / (2.0 * self.alpha)
        } else {
            f64::INFINITY
        }
    }

    fn fitted(
        &self,
        report: Report<Array1<f64>>,
        solver: Solver,
        rank: Option<usize>,
        p: usize,
    ) -> FittedLinearRegression {
        FittedLinearRegression {
            coef: report.x.slice(s![..p]).to_owned(),
            intercept: if self.fit_intercept { report.x[p] } else { 0.0 },
            alpha: self.alpha,
            l1_ratio: self.l1_ratio,
            solver,
            rank,
            report,
        }
    }

    /// The column means of `x` and the mean of `y` when fitting an intercept.
    fn centers(
        &self,
        x: &ArrayView2<'_, f64>,
        y: &ArrayView1<'_, f64>,
    ) -> Option<(Array1<f64>, f64)> {
        let n = x.nrows() as f64;
        self.fit_intercept
            .then(|| (x.sum_axis(Axis(0)) / n, y.sum() / n))
    }

    /// `[w, b]` from `w` and the centers: `b = ȳ − x̄·w`.
    fn with_intercept(&self, w: Array1<f64>, centers: Option<(Array1<f64>, f64)>) -> Array1<f64> {
        match centers {
            Some((x_mean, y_mean)) => {
                let b = y_mean - x_mean.dot(&w);
                let mut params = w.to_vec();
                params.push(b);
                Array1::from_vec(params)
            }
            None => w,
        }
    }

    /// OLS by the SVD of the centered data: the minimum-norm least-squares solution and the
    /// numerical rank.
    ///
    /// `[X − 1x̄ᵀ | y − ȳ]` is made once, in the column-major layout LAPACK factors, straight
    /// from the stored values (an `f32` matrix widened as it is copied, not first into an `f64`
    /// copy of its own).
    fn least_squares(
        &self,
        x: &Features<'_>,
        y: ArrayView1<'_, f64>,
    ) -> Result<(Array1<f64>, usize), ModelError> {
        let (augmented, centers) = self.centered_augmented(x, y, None);
        let (w, rank) = minimum_norm_least_squares(augmented)?;
        Ok((self.with_intercept(w, centers), rank))
    }

    /// `[X − 1x̄ᵀ | y − ȳ]` (uncentered without an intercept), column-major, copied straight
    /// from the stored values, with the centers; the means are weighted by `weights` when
    /// given (`x̄ = Σᵢ sᵢxᵢ/W`).
    fn centered_augmented(
        &self,
        x: &Features<'_>,
        y: ArrayView1<'_, f64>,
        weights: Option<ArrayView1<'_, f64>>,
    ) -> (Array2<f64>, Option<(Array1<f64>, f64)>) {
        let (n, p) = (x.nrows(), x.ncols());
        let mut augmented = Array2::zeros((n, p + 1).f());
        match x {
            Features::F64(x) => augmented.slice_mut(s![.., ..p]).assign(x),
            Features::F32(x) => augmented
                .slice_mut(s![.., ..p])
                .zip_mut_with(x, |a, &v| *a = f64::from(v)),
        }
        augmented.column_mut(p).assign(&y);
        let centers = match weights {
            None => self.centers(&augmented.slice(s![.., ..p]), &y),
            Some(s) => self.fit_intercept.then(|| {
                let means = augmented.t().dot(&s) / s.sum();
                (means.slice(s![..p]).to_owned(), means[p])
            }),
        };
        if let Some((x_mean, y_mean)) = &centers {
            augmented
                .slice_mut(s![.., ..p])
                .zip_mut_with(&x_mean.view().insert_axis(Axis(0)), |v, m| *v -= m);
            augmented.column_mut(p).mapv_inplace(|v| v - y_mean);
        }
        (augmented, centers)
    }

    /// Weighted least squares (Ridge at `α > 0`) in closed form: with the weighted means
    /// `x̄ = Σᵢ sᵢxᵢ/W` and `ȳ` (when fitting an intercept), the rows of `A = √s∘(X − 1x̄ᵀ)` and
    /// `c = √s∘(y − ȳ)` make `Σᵢ sᵢ(yᵢ − xᵢ·w − b)²` the plain `‖Aw − c‖²`; OLS solves it by the
    /// SVD (the minimum-norm solution and the rank), Ridge by `(AᵀA + αI)w = Aᵀc`.
    fn weighted_closed_form(
        &self,
        x: &Features<'_>,
        y: ArrayView1<'_, f64>,
        s: ArrayView1<'_, f64>,
    ) -> Result<(Array1<f64>, Option<usize>), ModelError> {
        let p = x.ncols();
        let (mut augmented, centers) = self.centered_augmented(x, y, Some(s));
        let roots = s.mapv(f64::sqrt);
        augmented *= &roots.view().insert_axis(Axis(1));
        if self.alpha > 0.0 {
            let a = augmented.slice(s![.., ..p]);
            let w = self.ridge_solve(a.t().dot(&a), &a.t().dot(&augmented.column(p)))?;
            Ok((self.with_intercept(w, centers), None))
        } else {
            let (w, rank) = minimum_norm_least_squares(augmented)?;
            Ok((self.with_intercept(w, centers), Some(rank)))
        }
    }

    /// Ridge by a Cholesky solve of `(XcᵀXc + αI) w = Xcᵀ(y − ȳ)`.
    fn ridge_normal_equations(
        &self,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
    ) -> Result<Array1<f64>, ModelError> {
        let centers = self.centers(&x, &y);
        let gram = centered_gram(x, centers.as_ref().map(|(m, _)| m));
        // Σᵢ (xᵢ − x̄)(yᵢ − ȳ) = Xᵀ(y − ȳ), since Σᵢ (yᵢ − ȳ) = 0.
        let y_centered = match &centers {
            Some((_, y_mean)) => y.mapv(|v| v - y_mean),
            None => y.to_owned(),
        };
        let w = self.ridge_solve(gram, &x.t().dot(&y_centered))?;
        Ok(self.with_intercept(w, centers))
    }

    /// `w` solving `(G + αI) w = r` by Cholesky, for a Gram matrix `G` of centered columns.
    fn ridge_solve(
        &self,
        mut gram: Array2<f64>,
        rhs: &Array1<f64>,
    ) -> Result<Array1<f64>, ModelError> {
        gram.diag_mut().mapv_inplace(|d| d + self.alpha);
        gram.solvec(rhs).map_err(|e| {
            ModelError::Singular(format!(
                "the Ridge system is not positive definite ({e}); increase alpha"
            ))
        })
    }
}

/// The minimum-norm minimizer of `‖Aw − b‖₂` and the numerical rank of `A`, given `[A | b]`
/// (`N × (p + 1)`, column-major), by the SVD of `A`: `w = Σᵢ vᵢ (uᵢᵀb) / σᵢ` over the singular
/// values `σᵢ > rcond·σ₁`, with `rcond = ε·max(N, p)` (numpy's `lstsq` default). Directions
/// whose singular values fall below the cut-off are numerically in the null space of `A`;
/// leaving them out is what gives exactly collinear columns their minimum-norm coefficients
/// instead of `±10¹⁴`.
///
/// With more rows than columns, `[A | b]` is first reduced by Householder QR, in place:
/// `[A | b] = Q [[R, c], [0, ρ]]`, so that `A = Q₁R` has `R`'s singular values and right
/// singular vectors and `Uᵀb = U_Rᵀc`. The SVD is then of the `p × p` matrix `R`, and neither
/// `Q` nor the `N × p` matrix `U` is ever formed (LAPACK's own least squares, `gelsd`, does
/// the same reduction).
fn minimum_norm_least_squares(
    mut augmented: Array2<f64>,
) -> Result<(Array1<f64>, usize), ModelError> {
    let (n, columns) = augmented.dim();
    let p = columns - 1;
    let (small, target) = if n > p {
        let (Ok(col), Ok(lda)) = (i32::try_from(columns), i32::try_from(n)) else {
            return Err(ModelError::Singular(
                "the data is too large for LAPACK".to_owned(),
            ));
        };
        let layout = MatrixLayout::F { col, lda };
        let values = augmented
            .as_slice_memory_order_mut()
            .ok_or_else(|| ModelError::Singular("the data is not contiguous".to_owned()))?;
        <f64 as Lapack>::householder(layout, values).map_err(|e| {
            ModelError::Singular(format!("the QR factorization of the data failed: {e}"))
        })?;
        // R and c: the upper triangle of the first p + 1 rows.
        let r = Array2::from_shape_fn(
            (p, p),
            |(i, j)| {
                if i <= j {
                    augmented[[i, j]]
                } else {
                    0.0
                }
            },
        );
        let c = Array1::from_shape_fn(p, |i| augmented[[i, p]]);
        (r, c)
    } else {
        // A fresh row-major copy: a view's copy may keep strides LAPACK refuses (a 1 × 1
        // matrix with strides 0).
        let a = Array2::from_shape_fn((n, p), |(i, j)| augmented[[i, j]]);
        (a, augmented.column(p).to_owned())
    };
    let (u, sigma, vt) = small
        .svddc_into(JobSvd::Some)
        .map_err(|e| ModelError::Singular(format!("the SVD of the data failed: {e}")))?;
    let (Some(u), Some(vt)) = (u, vt) else {
        return Err(ModelError::Singular(
            "the SVD of the data returned no singular vectors".to_owned(),
        ));
    };
    let largest = sigma.iter().copied().fold(0.0_f64, f64::max);
    let cutoff = f64::EPSILON * n.max(p) as f64 * largest;
    let rank = sigma.iter().filter(|&&s| s > cutoff).count();
    // Uᵀb, scaled by 1/σᵢ where σᵢ is kept and zeroed where it is not.
    let mut coefficients = u.t().dot(&target);
    Zip::from(&mut coefficients)
        .and(&sigma)
        .for_each(|c, &s| *c = if s > cutoff { *c / s } else { 0.0 });
    Ok((vt.t().dot(&coefficients), rank))
}

/// Rows per block when centering `X` for its Gram matrix.
const BLOCK_ROWS: usize = 256;

/// `(X − 1x̄ᵀ)ᵀ(X − 1x̄ᵀ)`, centering a block of rows at a time into a small scratch matrix,
/// so that `X` is not copied and the Gram matrix does not lose digits to the cancellation of
/// `XᵀX − N·x̄x̄ᵀ`. Without a mean, `XᵀX` straight through BLAS.
fn centered_gram(x: ArrayView2<'_, f64>, mean: Option<&Array1<f64>>) -> Array2<f64> {
    let (n, p) = x.dim();
    let Some(mean) = mean else {
        return x.t().dot(&x);
    };
    let mut gram = Array2::zeros((p, p));
    let mut scratch = Array2::zeros((BLOCK_ROWS.min(n), p));
    let mut start = 0;
    while start < n {
        let end = (start + BLOCK_ROWS).min(n);
        let mut block = scratch.slice_mut(s![..end - start, ..]);
        block.assign(&x.slice(s![start..end, ..]));
        block -= mean;
        general_mat_mul(1.0, &block.t(), &block, 1.0, &mut gram);
        start = end;
    }
    gram
}

/// `X̃`: the dense columns, each categorical column's indicators (one per level with a
/// coefficient), and a column of ones when there is an intercept: the design the robust
/// covariances and the diagnostics work on (a copy, as statsmodels' `exog` is), and the dense matrix a
/// multinomial fit takes.
pub(crate) fn one_hot_design(x: &DesignMatrix<'_>, fit_intercept: bool) -> Array2<f64> {
    let dense = x.dense().to_f64();
    let (n, p) = dense.dim();
    let levels: usize = x.categorical().iter().map(|c| c.levels()).sum();
    let k = p + levels + usize::from(fit_intercept);
    let mut out = Array2::zeros((n, k));
    out.slice_mut(ndarray::s![.., ..p]).assign(&dense);
    let mut start = p;
    for c in x.categorical() {
        for (i, &code) in c.codes().iter().enumerate() {
            if (code as usize) < c.levels() {
                out[[i, start + code as usize]] = 1.0;
            }
        }
        start += c.levels();
    }
    if fit_intercept {
        out.column_mut(k - 1).fill(1.0);
    }
    out
}

/// `x·w + b`, one per row, checking that `x` has one finite column per coefficient: what
/// every fitted linear model computes first (one pass over `x`, by the losses' vector kernel).
///
/// Never NaN for finite inputs: a row whose products or sum overflow in the plain product
/// (`1e308·2 − 1e308·2` is `∞ − ∞`) is recomputed by [`scaled_dot`], which gives the true
/// value, or `±∞` with the right sign when it lies beyond the range of `f64`.
pub(crate) fn linear_predictor<'x>(
    x: impl Into<DesignMatrix<'x>>,
    coef: &Array1<f64>,
    intercept: f64,
) -> Result<Array1<f64>, ModelError> {
    let x = x.into();
    if x.ncols() != coef.len() {
        return Err(ModelError::ShapeMismatch {
            what: "the feature matrix (columns)",
            expected: coef.len(),
            found: x.ncols(),
        });
    }
    let mut z = descent_objectives::linear_predictor(&x, coef.view(), intercept)?;
    // A NaN or infinite value in a row leaves its zᵢ NaN or infinite, so the check needs no
    // pass of its own: only rows with a non-finite zᵢ are looked at, in order. The first that
    // holds a non-finite value is the error; in the others the products overflowed.
    for (i, zi) in z.iter_mut().enumerate() {
        if !zi.is_finite() {
            let row = x.dense().row_f64(i);
            if let Some((column, &value)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(ModelError::NonFiniteFeature {
                    row: i,
                    column,
                    value,
                });
            }
            // The categorical columns add coefficients, which are finite: into the intercept.
            let p = row.len();
            let b = intercept + categorical_part(&x, coef, i);
            *zi = scaled_dot(row.view(), &coef.slice(s![..p]).to_owned(), b);
        }
    }
    Ok(z)
}

/// `Σ_c w_c[codeᵢ]`: row `i`'s part of `x·w` from `x`'s categorical columns.
fn categorical_part(x: &DesignMatrix<'_>, coef: &Array1<f64>, i: usize) -> f64 {
    let mut start = x.dense().ncols();
    let mut sum = 0.0;
    for c in x.categorical() {
        if let Some(w) = coef.get(start + c.codes()[i] as usize) {
            if c.codes()[i] != Categorical::NONE {
                sum += w;
            }
        }
        start += c.levels();
    }
    sum
}

/// `x·w + b` for finite `x`, `w` and `b` without intermediate overflow: with `m_w = maxⱼ|wⱼ|`
/// and `m_x = maxⱼ|xⱼ|`, `s = Σⱼ (wⱼ/m_w)(xⱼ/m_x)` has terms in `[−1, 1]`, and
/// `x·w + b = (m_w·s)·m_x + b`, which overflows only when the result itself is beyond `f64`
/// (and is then `±∞` with the sign of `s`).
fn scaled_dot(x: ArrayView1<'_, f64>, w: &Array1<f64>, b: f64) -> f64 {
    let largest = |v: ArrayView1<'_, f64>| v.fold(0.0_f64, |m, a| m.max(a.abs()));
    let (mw, mx) = (largest(w.view()), largest(x));
    if mw == 0.0 || mx == 0.0 {
        return b;
    }
    let s = Zip::from(x)
        .and(w)
        .fold(0.0, |acc, &xj, &wj| acc + (wj / mw) * (xj / mx));
    if s == 0.0 {
        return b;
    }
    (mw * s) * mx + b
}

/// A fitted linear regression: `ŷ = x·w + b`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FittedLinearRegression {
    /// The coefficients `w`, one per feature.
    #[serde(with = "crate::plain_json::vector")]
    pub coef: Array1<f64>,
    /// The intercept `b` (0 when not fitted).
    pub intercept: f64,
    /// The penalty it was fitted with (0 for OLS): Ridge's, or the elastic net's when
    /// [`l1_ratio`](Self::l1_ratio) is set.
    pub alpha: f64,
    /// The elastic net's `l1_ratio` it was fitted with (1 for the Lasso); `None` for OLS and
    /// Ridge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l1_ratio: Option<f64>,
    /// The solver it was fitted with.
    pub solver: Solver,
    /// The numerical rank of the centered `X` (of `X` without an intercept), for an ordinary
    /// least-squares fit by SVD; `None` for other fits. Below the number of features, the
    /// columns are linearly dependent and the coefficients are the minimum-norm solution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<usize>,
    /// The solver's report (for the closed form: 0 iterations, terminated
    /// `Converged(ClosedForm)` when the gradient there passes `tol`). A model loaded from a
    /// file has no history.
    #[serde(with = "crate::plain_json::report")]
    pub report: Report<Array1<f64>>,
}

impl FittedLinearRegression {
    /// `ŷ = x·w + b`, one per row.
    ///
    /// # Errors
    /// Another number of features than fitted, or a non-finite value.
    pub fn predict<'x>(&self, x: impl Into<DesignMatrix<'x>>) -> Result<Array1<f64>, ModelError> {
        linear_predictor(x, &self.coef, self.intercept)
    }

    /// MSE, RMSE, MAE and R² on `x` against targets `y`.
    ///
    /// # Errors
    /// As [`predict`](Self::predict), or a length mismatch.
    pub fn evaluate<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
    ) -> Result<RegressionMetrics, ModelError> {
        self.evaluate_weighted(x, y, None)
    }

    /// As [`evaluate`](Self::evaluate), each row weighted by `sample_weight` when given (see
    /// [`RegressionMetrics::weighted`]).
    ///
    /// # Errors
    /// As [`evaluate`](Self::evaluate), and weights that are not one per row, finite and
    /// `≥ 0` with a positive sum.
    pub fn evaluate_weighted<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
    ) -> Result<RegressionMetrics, ModelError> {
        let predicted = self.predict(x)?;
        RegressionMetrics::weighted(y, predicted.view(), sample_weight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn recovers_an_exact_line_and_handles_rank_deficiency() {
        let x = array![[0.0, 0.0], [1.0, 2.0], [2.0, 4.0], [3.0, 6.0]]; // column 2 = 2 × column 1
        let y = array![1.0, 6.0, 11.0, 16.0]; // y = 1 + 5·x₁ = 1 + x₁ + 2·x₂, among others
        let fit = LinearRegression::new().fit(x.view(), y.view()).unwrap();
        // The minimum-norm solution: w ∝ (1, 2) with w₁ + 2w₂ = 5 → w = (1, 2).
        assert!((fit.coef[0] - 1.0).abs() < 1e-12 && (fit.coef[1] - 2.0).abs() < 1e-12);
        assert!((fit.intercept - 1.0).abs() < 1e-12);
        assert!(fit.report.converged());
        assert_eq!(fit.report.iterations, 0);
        assert_eq!(fit.rank, Some(1));
    }

    #[test]
    fn collinear_columns_whose_rounding_hides_it_get_the_minimum_norm_solution() {
        // Column 2 is exactly 3 × column 1, with values whose centering rounds: LAPACK's
        // default cut-off (ε) keeps the rounding residue as a direction and returns ±1e14.
        let x = Array2::from_shape_fn((50, 2), |(i, j)| {
            let v = 0.1 + (i as f64 * 0.37).sin() * 1e3;
            if j == 0 {
                v
            } else {
                3.0 * v
            }
        });
        let y = x.column(0).mapv(|v| 2.0 * v + 1.0);
        let fit = LinearRegression::new().fit(x.view(), y.view()).unwrap();
        assert_eq!(fit.rank, Some(1));
        // w₁ + 3w₂ = 2 with w ∝ (1, 3): w = (0.2, 0.6).
        assert!((fit.coef[0] - 0.2).abs() < 1e-9, "{}", fit.coef);
        assert!((fit.coef[1] - 0.6).abs() < 1e-9, "{}", fit.coef);
        assert!(fit.report.converged(), "{}", fit.report.termination);
        assert!(fit.report.gradient_norm.unwrap() < 1e-6);
    }

    #[test]
    fn ridge_closed_form_matches_iterative_solvers() {
        let x = array![
            [1.0, 200.0],
            [2.0, 150.0],
            [3.0, 420.0],
            [4.0, 310.0],
            [5.0, 500.0]
        ];
        let y = array![3.0, 4.5, 8.0, 8.5, 11.0];
        for intercept in [true, false] {
            let model = LinearRegression::new().alpha(2.0).fit_intercept(intercept);
            let exact = model.fit(x.view(), y.view()).unwrap();
            // L-BFGS stops once f stops changing, where the gradient is near 4e-11.
            for (solver, tol) in [(Solver::Newton, 1e-11), (Solver::Lbfgs, 1e-9)] {
                let fit = model
                    .clone()
                    .solver(solver)
                    .tol(tol)
                    .fit(x.view(), y.view())
                    .unwrap();
                let label = format!("{solver}, intercept {intercept}: {}", fit.report);
                assert!(fit.report.converged(), "{label}");
                assert!(
                    (&fit.coef - &exact.coef).iter().all(|d| d.abs() < 1e-8),
                    "{label}"
                );
                assert!((fit.intercept - exact.intercept).abs() < 1e-7, "{label}");
            }
        }
        assert!(LinearRegression::new()
            .alpha(-1.0)
            .fit(x.view(), y.view())
            .is_err());
    }

    #[test]
    fn without_intercept_passes_through_the_origin() {
        let x = array![[1.0], [2.0], [3.0]];
        let y = array![2.0, 4.0, 6.5];
        for alpha in [0.0, 0.5] {
            let fit = LinearRegression::new()
                .alpha(alpha)
                .fit_intercept(false)
                .fit(x.view(), y.view())
                .unwrap();
            let expected = (2.0 + 8.0 + 19.5) / (14.0 + alpha);
            assert!((fit.coef[0] - expected).abs() < 1e-12);
            assert_eq!(fit.intercept, 0.0);
        }
    }

    #[test]
    fn predictions_never_overflow_into_nan() {
        // 2e308 − 2e308 overflows to ∞ − ∞ = NaN in the plain product; the value is b.
        let fit = FittedLinearRegression {
            coef: array![1e308, -1e308],
            intercept: 0.5,
            alpha: 0.0,
            l1_ratio: None,
            solver: Solver::LeastSquares,
            rank: None,
            report: LinearRegression::new()
                .fit(array![[0.0], [1.0]].view(), array![0.0, 1.0].view())
                .unwrap()
                .report,
        };
        let z = fit
            .predict(array![[2.0, 2.0], [3.0, 1.0], [-4.0, 1.0], [1e-300, 0.0]].view())
            .unwrap();
        assert_eq!(z[0], 0.5);
        assert_eq!(z[1], f64::INFINITY);
        assert_eq!(z[2], f64::NEG_INFINITY);
        assert!((z[3] - (1e8 + 0.5)).abs() < 1e-6);
        assert!(z.iter().all(|v| !v.is_nan()));
    }

    #[test]
    fn centered_gram_matches_the_dense_product() {
        let x = Array2::from_shape_fn((600, 3), |(i, j)| ((i * 7 + j * 3) % 11) as f64 + 1e3);
        let mean = x.mean_axis(Axis(0)).unwrap();
        let centered = &x - &mean;
        let expected = centered.t().dot(&centered);
        let gram = centered_gram(x.view(), Some(&mean));
        assert!((&gram - &expected).iter().all(|d| d.abs() < 1e-8));
    }
}
