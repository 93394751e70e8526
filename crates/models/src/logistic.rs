//! Binary logistic regression: the log loss, scikit-learn's penalties (L2, L1, elastic net)
//! and a solver.

use crate::error::from_stream;
use crate::error::positive;
use crate::linear::linear_predictor;
use crate::metrics::ClassificationMetrics;
use crate::solver::{
    minimize_composite_model, minimize_linear_model, minimize_streamed, parameters_of,
    shared_builders, Curvature,
};
use crate::weights::{shared_row_weights, weighted_mean};
use crate::{ClassWeight, ModelError, Solver};
use descent_objectives::{
    sigmoid, DesignMatrix, ElasticNet, L2Regularized, LinearModelLoss, LogLoss, ObjectiveError,
    RowShare, RowSource, StreamError, StreamedLoss,
};
use descent_solvers::{Observer, Report, Termination, Unobserved};
use ndarray::{s, Array1, ArrayView1, CowArray, Ix1, Zip};
use serde::{Deserialize, Serialize};

/// The penalty on the coefficients (never on the intercept).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Penalty {
    /// `½‖w‖²` added to `C` times the summed loss (scikit-learn's `penalty="l2"`).
    L2,
    /// `‖w‖₁` added to `C` times the summed loss (scikit-learn's `penalty="l1"`): drives
    /// coefficients to exactly zero, feature selection. In the course's form,
    /// `L + (1/C)·Σⱼ|wⱼ|` with `L` the summed loss, which has the same minimizer.
    L1,
    /// `r‖w‖₁ + ½(1 − r)‖w‖²` with `r` the [`l1_ratio`](LogisticRegression::l1_ratio)
    /// (scikit-learn's `penalty="elasticnet"`): `r = 1` is L1, `r = 0` is L2.
    ElasticNet,
    /// No penalty (scikit-learn's `penalty=None`); `C` is ignored. On separable data there is
    /// no optimum: the loss keeps decreasing as `‖w‖` grows. A fit whose coefficients classify
    /// every training row correctly proves the data separable, and its report ends
    /// [`Termination::KeepsDecreasing`].
    None,
}

/// Settings of a binary logistic regression, with scikit-learn's names and meanings.
///
/// Fitting minimizes scikit-learn's objective `C Σᵢ ℓᵢ(w, b) + r‖w‖₁ + ½(1 − r)‖w‖²`
/// (`r = 0` for [`Penalty::L2`], `1` for [`Penalty::L1`], the
/// [`l1_ratio`](Self::l1_ratio) for [`Penalty::ElasticNet`]), computed in the equivalent mean
/// form
///
/// `F(w, b) = (1/N) Σᵢ [log(1 + e^{zᵢ}) − yᵢzᵢ] + (r‖w‖₁ + ½(1 − r)‖w‖²)/(CN)`, with
/// `zᵢ = xᵢ·w + b`,
///
/// which has the same minimizer; [`Report::value`] is `F` (multiply by `C·N` for
/// scikit-learn's value). The intercept is not penalized.
///
/// **L1 and elastic net.** The penalty is not differentiable where a coefficient is zero, and
/// that is what makes coefficients exactly zero. These fits use the proximal solvers
/// ([`Solver::ProximalNewton`] by default, [`Solver::Fista`], or [`Solver::GradientDescent`]
/// as ISTA), which stop on a **duality gap**: `tol` is then a certified relative accuracy,
/// `F(w, b) − min F ≤ tol·F(w, b)`, and the report carries the gap
/// ([`Report::duality_gap`]) and the number of non-zero coefficients
/// ([`Report::non_zeros`]). Below [`l1_min_c`](Self::l1_min_c) every coefficient is zero.
///
/// | setting | default | meaning |
/// |---|---|---|
/// | [`c`](Self::c) | 1.0 | inverse regularization strength; larger means less penalty |
/// | [`penalty`](Self::penalty) | [`Penalty::L2`] | or [`Penalty::L1`], [`Penalty::ElasticNet`], [`Penalty::None`] |
/// | [`l1_ratio`](Self::l1_ratio) | none | the elastic net's mix `r` in `[0, 1]` (that penalty only) |
/// | [`fit_intercept`](Self::fit_intercept) | true | fit `b` (unpenalized) |
/// | [`tol`](Self::tol) | 1e-4 | stop when `‖∇F‖₂ ≤ tol`; with L1, when the duality gap is at most `tol·F` |
/// | [`max_iter`](Self::max_iter) | 100 | iteration limit |
/// | [`solver`](Self::solver) | by shape ([`Solver::for_parameters`]); [`Solver::ProximalNewton`] with L1 | any iterative [`Solver`] |
/// | [`threshold`](Self::threshold) | 0.5 | `predict` says the positive class when `P > threshold` |
/// | [`precondition`](Self::precondition) | true | solve in standardized coordinates |
///
/// The parameter vector the solver works on, and [`Report::x`], is `[w₁, …, w_p, b]`: the
/// coefficients in the order of the columns of `X`, then the intercept (when fitted).
///
/// The default solver depends on the shape: Newton up to
/// [`NEWTON_MAX_PARAMETERS`](crate::NEWTON_MAX_PARAMETERS) parameters, L-BFGS beyond. Newton
/// was both fastest and most robust on the bundled data: on breast cancer (30 features) it
/// reaches scikit-learn's optimum in 6 to 15 iterations for every `C` from 0.01 to 10⁴, raw
/// or standardized, where L-BFGS needs tens to thousands (see the README). With thousands of
/// features one Newton step costs `O(Np² + p³)`, and L-BFGS is the better default.
///
/// **Preconditioning.** Features spanning orders of magnitude make the problem
/// ill-conditioned (breast cancer's range from 10⁻³ to 10³). With `precondition(true)` the
/// solver works on the objective in the coordinates of standardized features
/// ([`Standardized`](descent_objectives::Standardized)), a change of variables that copies no
/// data, and the result is mapped back: coefficients, objective and penalty are always those
/// of the problem on the user's own scale, and so is the gradient that `tol` bounds. Only a
/// gradient-descent learning rate applies in the solver's (standardized) coordinates.
///
/// ```
/// use descent_models::{data::Dataset, LogisticRegression, Solver};
///
/// let data = Dataset::from_csv(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/breast_cancer.csv"), None)?;
/// let fit = LogisticRegression::new().c(1.0).tol(1e-8).fit(data.x.view(), data.y.view())?;
/// assert!(fit.report.converged());
/// assert!((fit.report.value - 0.0945423747).abs() < 1e-9); // scikit-learn's optimum, mean form
/// let accuracy = fit.evaluate(data.x.view(), data.y.view())?.accuracy;
/// assert!(accuracy > 0.95);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticRegression {
    pub(crate) c: f64,
    pub(crate) penalty: Penalty,
    pub(crate) l1_ratio: Option<f64>,
    pub(crate) fit_intercept: bool,
    pub(crate) tol: f64,
    pub(crate) max_iter: usize,
    /// `None`: chosen by shape at fit time.
    pub(crate) solver: Option<Solver>,
    threshold: f64,
    precondition: bool,
    record_history: bool,
    pub(crate) class_weight: Option<ClassWeight>,
}

shared_builders!(LogisticRegression);

impl Default for LogisticRegression {
    fn default() -> Self {
        LogisticRegression {
            c: 1.0,
            penalty: Penalty::L2,
            l1_ratio: None,
            fit_intercept: true,
            tol: 1e-4,
            max_iter: 100,
            solver: None,
            threshold: 0.5,
            precondition: true,
            record_history: true,
            class_weight: None,
        }
    }
}

impl LogisticRegression {
    /// scikit-learn's defaults, with the solver chosen by shape (see the table above).
    pub fn new() -> Self {
        Self::default()
    }

    /// Inverse regularization strength `C > 0`.
    #[must_use]
    pub fn c(mut self, c: f64) -> Self {
        self.c = c;
        self
    }

    /// The penalty on the coefficients.
    #[must_use]
    pub fn penalty(mut self, penalty: Penalty) -> Self {
        self.penalty = penalty;
        self
    }

    /// The elastic net's mix `r` in `[0, 1]` of L1 and L2 (scikit-learn's `l1_ratio`): required
    /// by [`Penalty::ElasticNet`], and an error with any other penalty (checked at fit time),
    /// where it would silently mean nothing.
    #[must_use]
    pub fn l1_ratio(mut self, l1_ratio: f64) -> Self {
        self.l1_ratio = Some(l1_ratio);
        self
    }

    /// Weights of the classes (scikit-learn's `class_weight`; default: none, every class
    /// weighs 1): each row's loss is multiplied by its class's weight, and by its sample
    /// weight when the fit is given some ([`fit_weighted`](Self::fit_weighted)).
    #[must_use]
    pub fn class_weight(mut self, class_weight: ClassWeight) -> Self {
        self.class_weight = Some(class_weight);
        self
    }

    /// Each row's weight for labels `y01` (0/1) of `classes`: the sample weights times the
    /// class weights, `None` without either.
    fn row_weights<'w>(
        &self,
        sample_weight: Option<ArrayView1<'w, f64>>,
        classes: &[f64; 2],
        y01: &Array1<f64>,
        share: Option<&RowShare>,
    ) -> Result<Option<CowArray<'w, f64, Ix1>>, ModelError> {
        let class_of: Vec<usize> = match self.class_weight {
            Some(_) => y01.iter().map(|&v| usize::from(v == 1.0)).collect(),
            None => Vec::new(),
        };
        shared_row_weights(
            sample_weight,
            self.class_weight.as_ref(),
            classes,
            &class_of,
            share,
        )
    }

    /// The share of the penalty that is L1: 0 for L2, 1 for L1, the `l1_ratio` for the
    /// elastic net; `None` without a penalty.
    fn l1_share(&self) -> Option<f64> {
        match self.penalty {
            Penalty::L2 => Some(0.0),
            Penalty::L1 => Some(1.0),
            Penalty::ElasticNet => self.l1_ratio,
            Penalty::None => None,
        }
    }

    /// The smallest `C` at which some coefficient is not zero, for this penalty on `x` and
    /// `y`: at and below it, the fit is the intercept alone (scikit-learn's `l1_min_c`, here
    /// computed with the intercept fitted when it is). With the mean-form L1 strength
    /// `λ₁ = r/(CN)` and `t = ‖∇_w F(0, b*)‖_∞ = maxⱼ |Σᵢ xᵢⱼ(ȳ − yᵢ)|/N` (the
    /// [`LogLoss::l1_threshold`]), every coefficient is zero exactly when `λ₁ ≥ t`, so
    /// `C_min = r/(N·t)`. Paths over `C` start there.
    ///
    /// `None` when no `C` zeroes every coefficient: a penalty without an L1 part, or labels
    /// that no feature correlates with (`t = 0`).
    ///
    /// ```
    /// use descent_models::{LogisticRegression, Penalty};
    /// use ndarray::array;
    /// let x = array![[1.0], [2.0], [3.0], [4.0]];
    /// let y = array![0.0, 0.0, 1.0, 1.0];
    /// let model = LogisticRegression::new().penalty(Penalty::L1);
    /// let c_min = model.l1_min_c(x.view(), y.view())?.unwrap();
    /// assert_eq!(c_min, 0.5); // t = |Σ xᵢ(½ − yᵢ)|/4 = ½: C_min = 1/(4·½)
    /// let below = model.clone().c(0.99 * c_min).tol(1e-12).fit(x.view(), y.view())?;
    /// assert_eq!(below.coef[0], 0.0);
    /// let above = model.c(1.01 * c_min).tol(1e-12).fit(x.view(), y.view())?;
    /// assert!(above.coef[0] > 0.0);
    /// # Ok::<(), descent_models::ModelError>(())
    /// ```
    ///
    /// # Errors
    /// Invalid settings, or data the model could not be fitted to.
    pub fn l1_min_c<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
    ) -> Result<Option<f64>, ModelError> {
        self.l1_min_c_weighted(x, y, None)
    }

    /// [`l1_min_c`](Self::l1_min_c) of the fit weighted by `sample_weight` when given (see
    /// [`fit_weighted`](Self::fit_weighted)): the threshold and `N` become their weighted
    /// forms.
    ///
    /// # Errors
    /// As [`l1_min_c`](Self::l1_min_c), and invalid weights.
    pub fn l1_min_c_weighted<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
    ) -> Result<Option<f64>, ModelError> {
        self.validate()?;
        let x = x.into();
        let (classes, y01) = binary_labels(y)?;
        let weights = self.row_weights(sample_weight, &classes, &y01, None)?;
        let mut loss = LogLoss::new(&x, &y01)?.fit_intercept(self.fit_intercept);
        if let Some(s) = &weights {
            loss = loss.sample_weight(s.view())?;
        }
        Ok(self.c_min(loss.l1_threshold(), loss.sample_weight_sum()))
    }

    /// [`l1_min_c`](Self::l1_min_c) of the multinomial model
    /// ([`fit_multinomial`](Self::fit_multinomial)): `C_min = r/(N·t)` with
    /// `t = ‖∇_W F(0, b*)‖_∞ = max_{k,j} |Σᵢ xᵢⱼ(n_k/N − [yᵢ = k])|/N`, the intercepts at the
    /// classes' log-shares (or zero without an intercept).
    ///
    /// ```
    /// use descent_models::{LogisticRegression, Penalty};
    /// use ndarray::array;
    /// let x = array![[1.0], [2.0], [3.0], [4.0], [5.0], [6.0]];
    /// let y = array![0.0, 0.0, 1.0, 1.0, 2.0, 2.0];
    /// let model = LogisticRegression::new().penalty(Penalty::L1).tol(1e-12);
    /// let c_min = model.l1_min_c_multinomial(x.view(), y.view())?.unwrap();
    /// let below = model.clone().c(0.99 * c_min).fit_multinomial(x.view(), y.view())?;
    /// assert!(below.coef.iter().all(|&w| w == 0.0));
    /// let above = model.c(1.01 * c_min).fit_multinomial(x.view(), y.view())?;
    /// assert!(above.coef.iter().any(|&w| w != 0.0));
    /// # Ok::<(), descent_models::ModelError>(())
    /// ```
    ///
    /// # Errors
    /// Invalid settings, or data the model could not be fitted to.
    pub fn l1_min_c_multinomial<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
    ) -> Result<Option<f64>, ModelError> {
        self.l1_min_c_multinomial_weighted(x, y, None)
    }

    /// [`l1_min_c_multinomial`](Self::l1_min_c_multinomial) of the fit weighted by
    /// `sample_weight` when given.
    ///
    /// # Errors
    /// As [`l1_min_c_multinomial`](Self::l1_min_c_multinomial), and invalid weights.
    pub fn l1_min_c_multinomial_weighted<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
    ) -> Result<Option<f64>, ModelError> {
        self.validate()?;
        let x = x.into();
        let (t, n) = crate::multinomial::l1_threshold(self, &x, y, sample_weight)?;
        Ok(self.c_min(t, n))
    }

    /// `C_min = r/(N·t)` for the L1 threshold `t` on `n` rows (or rows of total weight `n`);
    /// `None` without an L1 part or with `t = 0`.
    fn c_min(&self, t: f64, n: f64) -> Option<f64> {
        let r = self.l1_share().unwrap_or(0.0);
        (r > 0.0 && t > 0.0).then(|| r / (n * t))
    }

    /// The probability above which [`predict`](FittedLogisticRegression::predict) says the
    /// positive class, strictly between 0 and 1 (checked at fit time).
    #[must_use]
    pub fn threshold(mut self, threshold: f64) -> Self {
        self.threshold = threshold;
        self
    }

    /// Fits the model to features `x` (one row per sample) and labels `y`, starting from zero.
    ///
    /// Labels are 0/1, or any two distinct whole numbers: the smaller one becomes the negative
    /// class and the larger the positive one, whatever order the rows come in. Labels that are
    /// not whole numbers (0.5) are a continuous target, not classes, and are rejected, as
    /// scikit-learn rejects them.
    ///
    /// A run that stops without converging (iteration limit, divergence) is not an error:
    /// check [`Report::converged`] on the result's `report`. Without a penalty, a fit whose
    /// coefficients classify every training row correctly ends
    /// [`Termination::KeepsDecreasing`]: the data are separable and the loss has no minimum.
    ///
    /// # Errors
    /// Invalid settings; empty, non-finite or mismatched data; labels with other than two
    /// distinct values, or that are not whole numbers; an objective that is not finite at the
    /// start.
    pub fn fit<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
    ) -> Result<FittedLogisticRegression, ModelError> {
        self.fit_with_start(x.into(), y, None, None, &mut Unobserved, None)
    }

    /// As [`fit`](Self::fit), with each row's loss multiplied by its weight `sᵢ ≥ 0`
    /// (scikit-learn's `fit(X, y, sample_weight)`): the fit minimizes `C·Σᵢ sᵢℓᵢ + ½‖w‖²`.
    /// Whole-number weights give the fit of the data with each row repeated `sᵢ` times, and a
    /// zero weight the fit without the row. The [`class_weight`](Self::class_weight), when
    /// set, multiplies in.
    ///
    /// ```
    /// use descent_models::LogisticRegression;
    /// use ndarray::array;
    /// let x = array![[0.0], [1.0], [2.0], [3.0]];
    /// let y = array![0.0, 1.0, 0.0, 1.0];
    /// let model = LogisticRegression::new().tol(1e-12);
    /// let weighted = model.fit_weighted(x.view(), y.view(), array![2.0, 1.0, 1.0, 0.0].view())?;
    /// let repeated = model.fit(
    ///     array![[0.0], [0.0], [1.0], [2.0]].view(),
    ///     array![0.0, 0.0, 1.0, 0.0].view(),
    /// )?;
    /// assert!((weighted.coef[0] - repeated.coef[0]).abs() < 1e-9);
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
    ) -> Result<FittedLogisticRegression, ModelError> {
        self.fit_with_start(
            x.into(),
            y,
            Some(sample_weight),
            None,
            &mut Unobserved,
            None,
        )
    }

    /// As [`fit_weighted`](Self::fit_weighted), telling `observer` about each iteration (as
    /// [`fit_observed`](Self::fit_observed)); `sample_weight` `None` fits without weights.
    ///
    /// # Errors
    /// As [`fit_weighted`](Self::fit_weighted).
    pub fn fit_weighted_observed<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
        observer: &mut dyn Observer<Array1<f64>>,
    ) -> Result<FittedLogisticRegression, ModelError> {
        self.fit_with_start(x.into(), y, sample_weight, None, observer, None)
    }

    /// As [`fit`](Self::fit), telling `observer` about each iteration of the solver (whose
    /// points are in the solver's coordinates: standardized when preconditioning). The
    /// observer may stop the fit, which then ends
    /// [`Termination::Interrupted`] with the best point so far.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_observed<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        observer: &mut dyn Observer<Array1<f64>>,
    ) -> Result<FittedLogisticRegression, ModelError> {
        self.fit_with_start(x.into(), y, None, None, observer, None)
    }

    /// As [`fit`](Self::fit), starting from the parameters of `previous` (a warm start, for
    /// a path of fits over `C`).
    ///
    /// # Errors
    /// As [`fit`](Self::fit), and a previous model with another number of features.
    pub fn fit_warm<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        previous: &FittedLogisticRegression,
    ) -> Result<FittedLogisticRegression, ModelError> {
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
        previous: &FittedLogisticRegression,
    ) -> Result<FittedLogisticRegression, ModelError> {
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

    /// Fits the multinomial (softmax) model to labels of `K ≥ 2` classes: scikit-learn's
    /// `LogisticRegression` on a target with more than two classes, minimizing
    /// `C·Σᵢ −log softmax(zᵢ)_{yᵢ} + ½‖W‖²_F` (no penalty with [`Penalty::None`]) with
    /// `z_{ik} = xᵢ·w_k + b_k`, the intercepts unpenalized. The classes are the distinct labels
    /// in increasing order (`classes_`); the loss and its parameter layout are those of
    /// [`MultinomialLogLoss`](descent_objectives::MultinomialLogLoss), and the report's value
    /// is its mean form `(1/N)Σᵢ −log P_{i,yᵢ} + ‖W‖²_F/(2CN)`.
    ///
    /// The default solver is Newton while its Hessian is cheap ([`Solver::for_multinomial_rows`]),
    /// L-BFGS beyond; Newton works around the directions in which the
    /// loss is constant (a constant added to every intercept) by taking the step of least
    /// norm along them. L1 and elastic-net penalties (`C·Σ loss + r‖W‖₁ + ½(1 − r)‖W‖²`) take
    /// the proximal solvers (proximal Newton by default), which stop on the duality gap, as
    /// for two classes ([`Smooth::duality_gap`](descent_objectives::Smooth::duality_gap) of
    /// [`MultinomialLogLoss`](descent_objectives::MultinomialLogLoss)). No preconditioning:
    /// the solvers work on the features as given. The threshold and `precondition` do not
    /// apply.
    ///
    /// With two classes this is the symmetric softmax model, which scikit-learn fits only when
    /// asked; [`fit`](Self::fit) fits the binary model.
    ///
    /// ```
    /// use descent_models::LogisticRegression;
    /// use ndarray::array;
    /// let x = array![[0.0, 1.0], [1.0, 0.5], [2.0, 1.5], [3.0, 0.0], [4.0, 2.0], [5.0, 1.0]];
    /// let y = array![0.0, 0.0, 1.0, 1.0, 2.0, 2.0];
    /// let fit = LogisticRegression::new().tol(1e-10).fit_multinomial(x.view(), y.view())?;
    /// assert!(fit.report.converged());
    /// assert_eq!(fit.classes, vec![0.0, 1.0, 2.0]);
    /// let p = fit.predict_proba(x.view())?;
    /// assert!((p.row(0).sum() - 1.0).abs() < 1e-12);
    /// # Ok::<(), descent_models::ModelError>(())
    /// ```
    ///
    /// # Errors
    /// Invalid settings, a least-squares solver, a penalty with an L1 part and a solver that
    /// cannot minimize it; empty, non-finite or mismatched data; fewer than two classes,
    /// labels that are not whole numbers.
    pub fn fit_multinomial<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
    ) -> Result<crate::FittedMultinomialLogisticRegression, ModelError> {
        crate::multinomial::fit(self, x.into(), y, None, None, &mut Unobserved)
    }

    /// As [`fit_multinomial`](Self::fit_multinomial), with each row's loss multiplied by its
    /// weight `sᵢ ≥ 0` (as [`fit_weighted`](Self::fit_weighted) for two classes):
    /// `C·Σᵢ sᵢℓᵢ + ½‖W‖²_F`.
    ///
    /// # Errors
    /// As [`fit_multinomial`](Self::fit_multinomial), and invalid weights (as
    /// [`fit_weighted`](Self::fit_weighted)).
    pub fn fit_multinomial_weighted<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        sample_weight: ArrayView1<'_, f64>,
    ) -> Result<crate::FittedMultinomialLogisticRegression, ModelError> {
        let weights = Some(sample_weight);
        crate::multinomial::fit(self, x.into(), y, weights, None, &mut Unobserved)
    }

    /// As [`fit_multinomial_weighted`](Self::fit_multinomial_weighted), telling `observer`
    /// about each iteration; `sample_weight` `None` fits without weights.
    ///
    /// # Errors
    /// As [`fit_multinomial_weighted`](Self::fit_multinomial_weighted).
    pub fn fit_multinomial_weighted_observed<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
        observer: &mut dyn Observer<Array1<f64>>,
    ) -> Result<crate::FittedMultinomialLogisticRegression, ModelError> {
        crate::multinomial::fit(self, x.into(), y, sample_weight, None, observer)
    }

    /// As [`fit_multinomial`](Self::fit_multinomial), telling `observer` about each
    /// iteration.
    ///
    /// # Errors
    /// As [`fit_multinomial`](Self::fit_multinomial).
    pub fn fit_multinomial_observed<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        observer: &mut dyn Observer<Array1<f64>>,
    ) -> Result<crate::FittedMultinomialLogisticRegression, ModelError> {
        crate::multinomial::fit(self, x.into(), y, None, None, observer)
    }

    /// As [`fit_multinomial`](Self::fit_multinomial), starting from the parameters of
    /// `previous` (a warm start, for a path of fits over `C`).
    ///
    /// # Errors
    /// As [`fit_multinomial`](Self::fit_multinomial), and a previous model with other classes
    /// or another number of features.
    pub fn fit_multinomial_warm<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        previous: &crate::FittedMultinomialLogisticRegression,
    ) -> Result<crate::FittedMultinomialLogisticRegression, ModelError> {
        self.fit_multinomial_warm_weighted(x, y, None, previous)
    }

    /// As [`fit_multinomial_warm`](Self::fit_multinomial_warm), each row's loss weighted by
    /// `sample_weight` when given (as [`fit_multinomial_weighted`](Self::fit_multinomial_weighted)).
    ///
    /// # Errors
    /// As [`fit_multinomial_warm`](Self::fit_multinomial_warm) and
    /// [`fit_multinomial_weighted`](Self::fit_multinomial_weighted).
    pub fn fit_multinomial_warm_weighted<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
        previous: &crate::FittedMultinomialLogisticRegression,
    ) -> Result<crate::FittedMultinomialLogisticRegression, ModelError> {
        let previous = Some(previous);
        crate::multinomial::fit(self, x.into(), y, sample_weight, previous, &mut Unobserved)
    }

    fn validate(&self) -> Result<(), ModelError> {
        if self.penalty != Penalty::None {
            positive("C", self.c)?;
        }
        check_l1_ratio(
            self.penalty == Penalty::ElasticNet,
            self.l1_ratio,
            "penalty elasticnet",
        )?;
        check_threshold(self.threshold)?;
        if self.solver == Some(Solver::LeastSquares) {
            return Err(ModelError::UnsupportedSolver {
                solver: "least squares",
                model: "a logistic regression",
            });
        }
        Ok(())
    }

    /// The fit, from `start` when given; on this process's share of rows shared among
    /// processes when `share` is given (every step that sums over rows then sums over every
    /// share, and the smooth solvers alone run).
    fn fit_with_start(
        &self,
        x: DesignMatrix<'_>,
        y: ArrayView1<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
        start: Option<&Array1<f64>>,
        observer: &mut dyn Observer<Array1<f64>>,
        share: Option<&RowShare>,
    ) -> Result<FittedLogisticRegression, ModelError> {
        self.validate()?;
        let sparse = matches!(self.penalty, Penalty::L1 | Penalty::ElasticNet);
        let (classes, y01) = match share {
            None => binary_labels(y)?,
            Some(share) => shared_binary_labels(y, share)?,
        };
        let weights = self.row_weights(sample_weight, &classes, &y01, share)?;
        let mut loss = match share {
            None => LogLoss::new(&x, &y01)?,
            Some(share) => LogLoss::new_shared(&x, &y01, share)?,
        }
        .fit_intercept(self.fit_intercept);
        if let Some(s) = &weights {
            loss = loss.sample_weight(s.view())?;
        }
        let settings = self.iterative();
        let p = x.ncols();
        let solver = self.solver.unwrap_or_else(|| {
            if sparse {
                Solver::for_sparse()
            } else {
                Solver::for_parameters(p + usize::from(self.fit_intercept))
            }
        });
        let mut report = if sparse || matches!(solver, Solver::ProximalNewton | Solver::Fista) {
            let total = loss.sample_weight_sum();
            let penalty = match self.l1_share() {
                Some(r) => ElasticNet::for_logistic(self.c, r, total, p)?,
                None => ElasticNet::new(0.0, 0.0, p)?,
            };
            // The best intercept for zero coefficients: σ(b) = ȳ (the weighted mean).
            let mean = weighted_mean(y01.view(), weights.as_ref().map(|s| s.view()), share);
            let intercept = (mean / (1.0 - mean)).ln();
            minimize_composite_model(
                loss, penalty, &x, solver, &settings, start, intercept, observer,
            )?
        } else {
            let objective = L2Regularized::with_c(loss, self.l2_c())?;
            let curvature = Curvature {
                loss: 0.25,
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
        };
        let coef = report.x.slice(s![..p]).to_owned();
        let intercept = if self.fit_intercept { report.x[p] } else { 0.0 };
        if self.penalty == Penalty::None && report.termination != Termination::Interrupted {
            let weights = weights.as_ref().map(|s| s.view());
            let separated = separates(&x, &y01, weights, (&coef, intercept))?;
            // On shared rows, every share must be separated by the hyperplane.
            if share.map_or(separated, |share| share.all(separated)) {
                report.termination = Termination::KeepsDecreasing;
            }
        }
        Ok(self.fitted((coef, intercept), classes, solver, report))
    }

    /// As [`fit`](Self::fit), on this process's share of rows shared among processes (see
    /// [`RowShare`]): every process of the group calls this with its own rows, in the same
    /// order as its other calls, and every process gets the model of all the rows, the same to
    /// the bit as [`fit`](Self::fit) on all of them in one process (the classes, the column
    /// statistics that precondition, every value, gradient and Hessian, and so every iterate
    /// and the verdict; the test for separable data asks every share). L1 and elastic-net
    /// fits run too: proximal Newton's Hessian blocks and its duality gap (the optimal
    /// intercept's root finding, the dual point's entropies) sum over every share in row order,
    /// so the certificate, the iterates and the zeros are those of one process.
    ///
    /// ```
    /// use descent_models::LogisticRegression;
    /// use descent_objectives::{RowShare, ThreadGroup};
    /// use ndarray::{s, Array1, Array2};
    /// use std::sync::Arc;
    /// let n = 20_000;
    /// let x = Array2::from_shape_fn((n, 2), |(i, j)| ((i * 13 + j * 7) % 17) as f64 / 4.0);
    /// let y = Array1::from_shape_fn(n, |i| ((i * 13) % 17 > 8 || i % 5 == 0) as u8 as f64);
    /// let model = LogisticRegression::new().tol(1e-8);
    /// let whole = model.fit(x.view(), y.view())?;
    /// let fits = std::thread::scope(|scope| {
    ///     let runs: Vec<_> = ThreadGroup::new(2)
    ///         .into_iter()
    ///         .map(|group| {
    ///             let (x, y, model) = (&x, &y, &model);
    ///             scope.spawn(move || {
    ///                 let (share, rows) = RowShare::even(Arc::new(group), n)?;
    ///                 let (x, y) = (x.slice(s![rows.clone(), ..]), y.slice(s![rows]));
    ///                 model.fit_shared(x, y, &share)
    ///             })
    ///         })
    ///         .collect();
    ///     runs.into_iter().map(|r| r.join().unwrap()).collect::<Result<Vec<_>, _>>()
    /// })?;
    /// for fit in fits {
    ///     assert_eq!((&fit.coef, fit.intercept), (&whole.coef, whole.intercept));
    ///     assert_eq!(fit.report.iterations, whole.report.iterations);
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`fit`](Self::fit), on every process when any share fails (see
    /// [`LogLoss::new_shared`]).
    pub fn fit_shared<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        share: &RowShare,
    ) -> Result<FittedLogisticRegression, ModelError> {
        self.fit_shared_weighted(x, y, None, share)
    }

    /// As [`fit_shared`](Self::fit_shared), each row weighted by its sample weight when
    /// `sample_weight` (this share's) is given, and by its class's weight when the model has
    /// class weights ([`ClassWeight::Balanced`]'s totals are of every share): the fit of
    /// [`fit_weighted`](Self::fit_weighted) on all the rows, to the bit.
    ///
    /// # Errors
    /// As [`fit_shared`](Self::fit_shared) and [`fit_weighted`](Self::fit_weighted).
    pub fn fit_shared_weighted<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
        share: &RowShare,
    ) -> Result<FittedLogisticRegression, ModelError> {
        let x = x.into();
        self.fit_with_start(x, y, sample_weight, None, &mut Unobserved, Some(share))
    }
}

impl LogisticRegression {
    /// As [`fit`](Self::fit), on the rows of a [`RowSource`] read pass by pass (a
    /// [`FileStream`](crate::stream::FileStream) over a CSV or Parquet file, say), with one
    /// block of rows in memory: the same model to the bit as [`fit`](Self::fit) with the same
    /// solver on all the rows in memory (see [`StreamedLoss`]).
    ///
    /// Passes: one for the checks and column statistics (and one more before it for labels
    /// other than 0 and 1, which finds the two classes), one per evaluation of the solver but
    /// the first (at zero coefficients, from the checking pass's statistics; a Newton
    /// iteration forms its Hessian in its gradient's pass), and one more for the separation
    /// test of an unpenalized fit. Newton needs the fewest passes while the Hessian is small (the
    /// default up to [`NEWTON_MAX_PARAMETERS`](crate::NEWTON_MAX_PARAMETERS) parameters), then
    /// L-BFGS.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), the source's errors, and what a stream does not support: L1 and
    /// elastic-net penalties, the proximal solvers, class weights.
    pub fn fit_stream<S: RowSource>(
        &self,
        source: &S,
    ) -> Result<FittedLogisticRegression, ModelError>
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
    ) -> Result<FittedLogisticRegression, ModelError>
    where
        ModelError: From<S::Error>,
    {
        self.validate()?;
        if matches!(self.penalty, Penalty::L1 | Penalty::ElasticNet) {
            return Err(ModelError::NotApplicable(
                "an L1 or elastic-net penalty on a stream (its duality gap sums over rows outside the passes)",
            ));
        }
        if self.class_weight.is_some() {
            return Err(ModelError::NotApplicable("class weights on a stream"));
        }
        let p = source.columns();
        let solver = self
            .solver
            .unwrap_or_else(|| Solver::for_parameters(p + usize::from(self.fit_intercept)));
        if matches!(solver, Solver::ProximalNewton | Solver::Fista) {
            return Err(ModelError::NotApplicable(
                "the proximal solvers on a stream (use newton or lbfgs)",
            ));
        }
        // Labels 0 and 1, both present (the share of 1s strictly between 0 and 1): the
        // checking pass was the labels' pass too. Other labels stop it at the first block,
        // and a pass of their own finds the classes (or says what is wrong with them, as in
        // memory) before the checking pass of the labels mapped to 0 and 1.
        let (loss, classes) = match StreamedLoss::log_loss(source) {
            Ok(loss) if loss.target_mean().is_some_and(|m| m > 0.0 && m < 1.0) => {
                (loss, [0.0, 1.0])
            }
            Ok(_)
            | Err(StreamError::Objective(
                ObjectiveError::NonBinaryLabel { .. } | ObjectiveError::NonFiniteTarget { .. },
            )) => {
                let classes = stream_binary_labels(source)?;
                let loss =
                    StreamedLoss::log_loss_of_classes(source, classes).map_err(from_stream)?;
                (loss, classes)
            }
            Err(e) => return Err(from_stream(e)),
        };
        let loss = loss.fit_intercept(self.fit_intercept);
        let mut report = minimize_streamed(
            &loss,
            self.l2_c(),
            0.25,
            solver,
            &self.iterative(),
            observer,
        )?;
        let coef = report.x.slice(s![..p]).to_owned();
        let intercept = if self.fit_intercept { report.x[p] } else { 0.0 };
        if self.penalty == Penalty::None
            && report.termination != Termination::Interrupted
            && stream_separates(source, classes, (&coef, intercept))?
        {
            report.termination = Termination::KeepsDecreasing;
        }
        Ok(self.fitted((coef, intercept), classes, solver, report))
    }
}

impl LogisticRegression {
    /// The `C` of the L2 penalty `‖w‖²/(2CN)` of a smooth fit: `∞` (none) without a penalty.
    fn l2_c(&self) -> f64 {
        match self.penalty {
            Penalty::None => f64::INFINITY,
            _ => self.c,
        }
    }

    /// The fitted model of these settings: its coefficients and intercept, classes, solver
    /// and report.
    fn fitted(
        &self,
        (coef, intercept): (Array1<f64>, f64),
        classes: [f64; 2],
        solver: Solver,
        report: Report<Array1<f64>>,
    ) -> FittedLogisticRegression {
        FittedLogisticRegression {
            coef,
            intercept,
            classes,
            threshold: self.threshold,
            c: self.c,
            penalty: self.penalty,
            l1_ratio: self.l1_ratio,
            solver,
            report,
        }
    }
}

/// The two classes of a stream's targets, sorted, in one pass with the checks of
/// [`binary_labels`] (rows counted in the whole data set).
fn stream_binary_labels<S: RowSource>(source: &S) -> Result<[f64; 2], ModelError>
where
    ModelError: From<S::Error>,
{
    let mut labels = DistinctLabels::default();
    let mut failure = None;
    source.pass(&mut |block| match labels.add(block.y, block.first_row) {
        Ok(()) => std::ops::ControlFlow::Continue(()),
        Err(e) => {
            failure = Some(e);
            std::ops::ControlFlow::Break(())
        }
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    let (mut distinct, more) = (labels.seen, labels.more);
    distinct.sort_by(f64::total_cmp);
    match distinct[..] {
        [negative, positive] => Ok([negative, positive]),
        _ => {
            // Beyond six labels, only that there are more is known: at least seven.
            let shown: Vec<String> = distinct.iter().take(5).map(|v| v.to_string()).collect();
            let tail = if more || distinct.len() > 5 {
                ", …"
            } else {
                ""
            };
            Err(ModelError::NotBinary {
                count: distinct.len() + usize::from(more),
                shown: format!("{}{tail}", shown.join(", ")),
            })
        }
    }
}

/// [`separates`] over a stream's rows, in one pass (stopping at the first row on the wrong
/// side).
fn stream_separates<S: RowSource>(
    source: &S,
    [_, positive]: [f64; 2],
    (coef, intercept): (&Array1<f64>, f64),
) -> Result<bool, ModelError>
where
    ModelError: From<S::Error>,
{
    let mut outcome = Ok(true);
    source.pass(&mut |block| {
        let separated = linear_predictor(block.x, coef, intercept).map(|z| {
            Zip::from(&z)
                .and(block.y)
                .all(|&z, &y| if y == positive { z > 0.0 } else { z < 0.0 })
        });
        match separated {
            Ok(true) => std::ops::ControlFlow::Continue(()),
            other => {
                outcome = other;
                std::ops::ControlFlow::Break(())
            }
        }
    })?;
    outcome
}

/// [`binary_labels`] of rows shared among processes: the distinct labels of every share,
/// gathered; every process gets the same two classes, or the same error (a share's own, or
/// [`ObjectiveError::PeerFailed`] on the others).
fn shared_binary_labels(
    y: ArrayView1<'_, f64>,
    share: &RowShare,
) -> Result<([f64; 2], Array1<f64>), ModelError> {
    // This share's distinct labels (three are enough to tell that there are too many).
    let mut distinct: Vec<f64> = Vec::with_capacity(3);
    let mut invalid = None;
    for (at, &v) in y.iter().enumerate() {
        if distinct.contains(&v) {
            continue;
        }
        let row = share.first_row() + at;
        if !v.is_finite() {
            invalid = Some(ModelError::NonFiniteTarget { row, value: v });
            break;
        }
        if v.fract() != 0.0 {
            invalid = Some(ModelError::ContinuousLabels { row, value: v });
            break;
        }
        if distinct.len() < 3 {
            distinct.push(v);
        }
    }
    if let Some(rank) = share.first_failure(invalid.is_some()) {
        return Err(invalid.unwrap_or(ObjectiveError::PeerFailed { rank }.into()));
    }
    if distinct.len() > 2 {
        // Too many: every distinct label, for an exact count in the message.
        distinct = y.to_vec();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
    }
    let mut all: Vec<f64> = share.gather(&distinct).concat();
    all.sort_by(f64::total_cmp);
    all.dedup();
    if all.len() != 2 {
        let shown: Vec<String> = all.iter().take(5).map(|v| v.to_string()).collect();
        let more = if all.len() > 5 { ", …" } else { "" };
        return Err(ModelError::NotBinary {
            count: all.len(),
            shown: format!("{}{more}", shown.join(", ")),
        });
    }
    let classes = [all[0], all[1]];
    Ok((classes, y.mapv(|v| if v == classes[1] { 1.0 } else { 0.0 })))
}

/// Whether the hyperplane `x·w + b = 0` puts every row strictly on the side of its label
/// (`zᵢ > 0` for label 1, `zᵢ < 0` for label 0). If it does, the data are linearly separable,
/// and the unpenalized log loss has no minimum: along `t·(w, b)` every term
/// `log(1 + e^{−|zᵢ|t})` falls towards 0 as `t → ∞`, and never reaches it. Rows of weight 0
/// are not in the loss, and not looked at.
fn separates(
    x: &DesignMatrix<'_>,
    y01: &Array1<f64>,
    weights: Option<ArrayView1<'_, f64>>,
    (coef, intercept): (&Array1<f64>, f64),
) -> Result<bool, ModelError> {
    let z = linear_predictor(x, coef, intercept)?;
    let on_its_side = |z: f64, y: f64| if y == 1.0 { z > 0.0 } else { z < 0.0 };
    Ok(match weights {
        Some(s) => Zip::from(&z)
            .and(y01)
            .and(s)
            .all(|&z, &y, &s| s == 0.0 || on_its_side(z, y)),
        None => Zip::from(&z).and(y01).all(|&z, &y| on_its_side(z, y)),
    })
}

/// Checks an `l1_ratio`: given exactly when the penalty uses it (`used`, described by
/// `what`), and then in `[0, 1]`.
pub(crate) fn check_l1_ratio(
    used: bool,
    l1_ratio: Option<f64>,
    what: &'static str,
) -> Result<(), ModelError> {
    match (used, l1_ratio) {
        (true, Some(r)) if (0.0..=1.0).contains(&r) => Ok(()),
        (true, Some(r)) => Err(ModelError::InvalidParameter {
            name: "l1_ratio",
            value: r,
            reason: "must lie in [0, 1]",
        }),
        (true, None) => Err(ModelError::MissingParameter {
            name: "l1_ratio",
            needed_by: what,
        }),
        (false, Some(r)) => Err(ModelError::InvalidParameter {
            name: "l1_ratio",
            value: r,
            reason: "is only used by an elastic-net penalty",
        }),
        (false, None) => Ok(()),
    }
}

/// Checks a decision threshold: a probability strictly between 0 and 1 (at 0 or 1 every
/// prediction would be the same class).
pub(crate) fn check_threshold(threshold: f64) -> Result<(), ModelError> {
    if threshold > 0.0 && threshold < 1.0 {
        Ok(())
    } else {
        Err(ModelError::InvalidParameter {
            name: "threshold",
            value: threshold,
            reason: "must lie strictly between 0 and 1",
        })
    }
}

/// The distinct labels of a scan, each checked when first met: up to six (beyond a handful,
/// only their count matters), and whether there were more. A label equal to one of the first
/// two found is settled by one or two comparisons, so that the scan (rather than a sort of
/// every label, which would cost more than a fit step on a warm-started path) is cheap.
#[derive(Default)]
struct DistinctLabels {
    seen: Vec<f64>,
    more: bool,
}

impl DistinctLabels {
    /// Adds the labels `y`, rows counted from `first_row`.
    ///
    /// # Errors
    /// A label that is not finite or not a whole number, at its row.
    fn add(&mut self, y: ArrayView1<'_, f64>, first_row: usize) -> Result<(), ModelError> {
        for (i, &v) in y.iter().enumerate() {
            if self.seen.first() == Some(&v) || self.seen.get(1) == Some(&v) {
                continue;
            }
            let row = first_row + i;
            if !v.is_finite() {
                return Err(ModelError::NonFiniteTarget { row, value: v });
            }
            if v.fract() != 0.0 {
                return Err(ModelError::ContinuousLabels { row, value: v });
            }
            if !self.seen.contains(&v) {
                if self.seen.len() < 6 {
                    self.seen.push(v);
                } else {
                    self.more = true;
                }
            }
        }
        Ok(())
    }
}

/// Maps two distinct labels to 0 (the smaller) and 1 (the larger).
fn binary_labels(y: ArrayView1<'_, f64>) -> Result<([f64; 2], Array1<f64>), ModelError> {
    let mut labels = DistinctLabels::default();
    labels.add(y, 0)?;
    let (mut distinct, more) = (labels.seen, labels.more);
    if more {
        let mut all = y.to_vec();
        all.sort_by(f64::total_cmp);
        all.dedup();
        distinct = all;
    }
    distinct.sort_by(f64::total_cmp);
    if distinct.len() != 2 {
        let shown: Vec<String> = distinct.iter().take(5).map(|v| v.to_string()).collect();
        let more = match distinct.len() {
            n if n > 5 => ", … (LogisticRegression::fit_multinomial fits more than two classes)",
            n if n > 2 => " (LogisticRegression::fit_multinomial fits more than two classes)",
            _ => "",
        };
        return Err(ModelError::NotBinary {
            count: distinct.len(),
            shown: format!("{}{more}", shown.join(", ")),
        });
    }
    let classes = [distinct[0], distinct[1]];
    Ok((classes, y.mapv(|v| if v == classes[1] { 1.0 } else { 0.0 })))
}

/// A fitted binary logistic regression: `P(y = positive | x) = σ(x·w + b)`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FittedLogisticRegression {
    /// The coefficients `w`, one per feature, on the scale of the features it was fitted on.
    #[serde(with = "crate::plain_json::vector")]
    pub coef: Array1<f64>,
    /// The intercept `b` (0 when not fitted).
    pub intercept: f64,
    /// The labels: `[negative, positive]`, in increasing order.
    pub classes: [f64; 2],
    /// The probability above which [`predict`](Self::predict) says the positive class.
    pub threshold: f64,
    /// The `C` it was fitted with.
    pub c: f64,
    /// The penalty it was fitted with.
    pub penalty: Penalty,
    /// The elastic net's `l1_ratio` it was fitted with (elastic net only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l1_ratio: Option<f64>,
    /// The solver it was fitted with.
    pub solver: Solver,
    /// The solver's report: iterations, termination, evaluation counts, objective, gradient
    /// norm and history, all on the user's scale (points are `[w, b]`). A model loaded from
    /// a file has no history.
    #[serde(with = "crate::plain_json::report")]
    pub report: Report<Array1<f64>>,
}

impl FittedLogisticRegression {
    /// The linear predictor `z = x·w + b`, one per row (scikit-learn's `decision_function`).
    ///
    /// # Errors
    /// Another number of features than fitted, or a non-finite value.
    pub fn decision_function<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
    ) -> Result<Array1<f64>, ModelError> {
        linear_predictor(x, &self.coef, self.intercept)
    }

    /// `P(y = classes[1] | x) = σ(x·w + b)`, one per row (the inverse logit of the decision
    /// function; scikit-learn's `predict_proba[:, 1]`).
    ///
    /// # Errors
    /// As [`decision_function`](Self::decision_function).
    pub fn predict_proba<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
    ) -> Result<Array1<f64>, ModelError> {
        Ok(self.decision_function(x)?.mapv(sigmoid))
    }

    /// The probability of each class, one row per row of `x` and one column per class in the
    /// order of [`classes`](Self::classes): `[σ(−z), σ(z)]` with `z = x·w + b` (scikit-learn's
    /// `predict_proba`). Each is computed from `z` directly, so that a probability near 0 is
    /// not lost to rounding in `1 − p`.
    ///
    /// # Errors
    /// As [`decision_function`](Self::decision_function).
    pub fn predict_class_probabilities<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
    ) -> Result<ndarray::Array2<f64>, ModelError> {
        let z = self.decision_function(x)?;
        Ok(ndarray::Array2::from_shape_fn(
            (z.len(), 2),
            |(i, class)| {
                if class == 1 {
                    sigmoid(z[i])
                } else {
                    sigmoid(-z[i])
                }
            },
        ))
    }

    /// The predicted label, `classes[1]` when `P > threshold` and `classes[0]` otherwise (at
    /// the default 0.5 this is scikit-learn's `predict`, `z > 0`).
    ///
    /// # Errors
    /// As [`decision_function`](Self::decision_function).
    pub fn predict<'x>(&self, x: impl Into<DesignMatrix<'x>>) -> Result<Array1<f64>, ModelError> {
        Ok(self.predict_proba(x)?.mapv(|p| self.label(p)))
    }

    fn label(&self, probability: f64) -> f64 {
        self.classes[usize::from(self.is_positive(probability))]
    }

    fn is_positive(&self, probability: f64) -> bool {
        probability > self.threshold
    }

    /// The same model with another decision threshold.
    ///
    /// # Errors
    /// A threshold that is not strictly between 0 and 1.
    pub fn with_threshold(mut self, threshold: f64) -> Result<Self, ModelError> {
        check_threshold(threshold)?;
        self.threshold = threshold;
        Ok(self)
    }

    /// Accuracy, log loss, precision, recall, F1, ROC AUC and the confusion matrix on `x`
    /// against labels `y` (in the model's own two label values).
    ///
    /// # Errors
    /// As [`decision_function`](Self::decision_function), a length mismatch, or a label that
    /// is not one of the model's two classes.
    pub fn evaluate<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
    ) -> Result<ClassificationMetrics, ModelError> {
        self.evaluate_weighted(x, y, None)
    }

    /// As [`evaluate`](Self::evaluate), each row weighted by `sample_weight` when given (see
    /// [`ClassificationMetrics::weighted`]).
    ///
    /// # Errors
    /// As [`evaluate`](Self::evaluate), and weights that are not one per row, finite and
    /// `≥ 0` with a positive sum.
    pub fn evaluate_weighted<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
    ) -> Result<ClassificationMetrics, ModelError> {
        let probability = self.predict_proba(x)?;
        self.evaluate_probabilities(y, probability.view(), sample_weight)
    }

    /// The scores of [`evaluate_weighted`](Self::evaluate_weighted) from the model's predicted
    /// probabilities `P(y = 1)` of the rows (what [`predict_proba`](Self::predict_proba)
    /// gives), for when they were predicted elsewhere: by the processes that share the rows,
    /// say, and gathered.
    ///
    /// # Errors
    /// As [`evaluate_weighted`](Self::evaluate_weighted).
    pub fn evaluate_probabilities(
        &self,
        y: ArrayView1<'_, f64>,
        probability: ArrayView1<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
    ) -> Result<ClassificationMetrics, ModelError> {
        if y.len() != probability.len() {
            return Err(ModelError::ShapeMismatch {
                what: "labels (one per row)",
                expected: probability.len(),
                found: y.len(),
            });
        }
        let mut y01 = Array1::zeros(y.len());
        for (target, &label) in y01.iter_mut().zip(y) {
            *target = if label == self.classes[1] {
                1.0
            } else if label == self.classes[0] {
                0.0
            } else {
                return Err(ModelError::UnknownLabel {
                    value: label,
                    negative: self.classes[0],
                    positive: self.classes[1],
                });
            };
        }
        let predicted = probability.mapv(|p| f64::from(u8::from(self.is_positive(p))));
        ClassificationMetrics::weighted(
            y01.view(),
            predicted.view(),
            probability.view(),
            sample_weight,
        )
    }

    /// The parameter vector `[w₁, …, w_p, b]` the solver worked on.
    pub fn params(&self) -> Array1<f64> {
        self.report.x.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn toy() -> (ndarray::Array2<f64>, Array1<f64>) {
        (
            array![
                [0.0, 1.0],
                [1.0, 0.5],
                [2.0, 1.5],
                [3.0, 0.0],
                [4.0, 2.0],
                [5.0, 1.0]
            ],
            array![0.0, 0.0, 1.0, 0.0, 1.0, 1.0],
        )
    }

    #[test]
    fn positive_class_does_not_depend_on_row_order() {
        let (x, y) = toy();
        let labels = y.mapv(|v| if v == 1.0 { 7.0 } else { -3.0 });
        let fit = LogisticRegression::new()
            .fit(x.view(), labels.view())
            .unwrap();
        assert_eq!(fit.classes, [-3.0, 7.0]);
        let reversed_x = x.slice(s![..;-1, ..]).to_owned();
        let reversed_y = labels.slice(s![..;-1]).to_owned();
        let fit2 = LogisticRegression::new()
            .fit(reversed_x.view(), reversed_y.view())
            .unwrap();
        assert_eq!(fit2.classes, fit.classes);
        assert!((&fit.coef - &fit2.coef).iter().all(|d| d.abs() < 1e-9));
        let predicted = fit.predict(x.view()).unwrap();
        assert!(predicted.iter().all(|&v| v == 7.0 || v == -3.0));
        let both = fit.predict_class_probabilities(x.view()).unwrap();
        let positive = fit.predict_proba(x.view()).unwrap();
        for (row, p) in both.rows().into_iter().zip(&positive) {
            assert_eq!(row[1], *p);
            assert!((row[0] + row[1] - 1.0).abs() < 1e-15);
        }
    }

    #[test]
    fn label_errors_are_clear() {
        let (x, _) = toy();
        let one_class = Array1::zeros(6);
        let e = LogisticRegression::new()
            .fit(x.view(), one_class.view())
            .unwrap_err();
        assert!(e.to_string().contains("found 1: 0"), "{e}");
        let three = array![0.0, 1.0, 2.0, 0.0, 1.0, 2.0];
        let e = LogisticRegression::new()
            .fit(x.view(), three.view())
            .unwrap_err();
        assert!(e.to_string().contains("found 3: 0, 1, 2"), "{e}");
        let nan = array![0.0, 1.0, f64::NAN, 0.0, 1.0, 1.0];
        assert!(matches!(
            LogisticRegression::new().fit(x.view(), nan.view()),
            Err(ModelError::NonFiniteTarget { row: 2, .. })
        ));
    }

    #[test]
    fn continuous_labels_are_not_classes() {
        let (x, _) = toy();
        let halves = array![0.0, 0.5, 0.0, 0.5, 0.0, 0.5];
        let e = LogisticRegression::new()
            .fit(x.view(), halves.view())
            .unwrap_err();
        assert!(
            matches!(e, ModelError::ContinuousLabels { row: 1, value } if value == 0.5),
            "{e}"
        );
        assert!(e.to_string().contains("not a whole number"), "{e}");
    }

    #[test]
    fn separable_data_without_a_penalty_has_no_minimum() {
        // Class 1 exactly where x₀ > 2.5: separable.
        let x = array![[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]];
        let y = array![0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let free = LogisticRegression::new()
            .penalty(Penalty::None)
            .fit(x.view(), y.view())
            .unwrap();
        assert_eq!(free.report.termination, Termination::KeepsDecreasing);
        assert!(!free.report.converged());
        // With the L2 penalty the minimum exists, and the fit converges.
        let penalized = LogisticRegression::new().fit(x.view(), y.view()).unwrap();
        assert!(
            penalized.report.converged(),
            "{}",
            penalized.report.termination
        );
        // Overlapping classes have a finite unpenalized minimum. (The toy data are separable
        // too, by x₀ + 2x₁ = 4.5.)
        let y = array![0.0, 1.0, 0.0, 1.0, 0.0, 1.0];
        let overlapping = LogisticRegression::new()
            .penalty(Penalty::None)
            .tol(1e-10)
            .fit(x.view(), y.view())
            .unwrap();
        assert!(
            overlapping.report.converged(),
            "{}",
            overlapping.report.termination
        );
    }

    #[test]
    fn settings_are_validated_at_fit_time() {
        let (x, y) = toy();
        for model in [
            LogisticRegression::new().c(0.0),
            LogisticRegression::new().c(f64::NAN),
            LogisticRegression::new().tol(-1.0),
            LogisticRegression::new().max_iter(0),
            LogisticRegression::new().threshold(1.5),
            LogisticRegression::new().threshold(0.0),
            LogisticRegression::new().threshold(1.0),
            LogisticRegression::new().solver(Solver::LeastSquares),
            LogisticRegression::new().solver(Solver::GradientDescent { learning_rate: 0.0 }),
        ] {
            assert!(model.fit(x.view(), y.view()).is_err(), "{model:?}");
        }
        // C is ignored without a penalty.
        assert!(LogisticRegression::new()
            .penalty(Penalty::None)
            .c(0.0)
            .max_iter(5)
            .fit(x.view(), y.view())
            .is_ok());
    }

    #[test]
    fn threshold_moves_predictions() {
        let (x, y) = toy();
        let fit = LogisticRegression::new().fit(x.view(), y.view()).unwrap();
        let p = fit.predict_proba(x.view()).unwrap();
        let lowest = p.iter().copied().fold(f64::INFINITY, f64::min);
        let all_positive = fit.clone().with_threshold(lowest / 2.0).unwrap();
        assert!(all_positive
            .predict(x.view())
            .unwrap()
            .iter()
            .all(|&v| v == 1.0));
        assert!(fit.clone().with_threshold(0.0).is_err());
        let strict = fit.with_threshold(p[4]).unwrap();
        assert_eq!(strict.predict(x.view()).unwrap()[4], 0.0);
    }

    #[test]
    fn preconditioning_does_not_change_the_optimum() {
        let (mut x, y) = toy();
        x.column_mut(0).mapv_inplace(|v| v * 1000.0);
        for intercept in [true, false] {
            let model = LogisticRegression::new()
                .fit_intercept(intercept)
                .tol(1e-12);
            let plain = model
                .clone()
                .precondition(false)
                .fit(x.view(), y.view())
                .unwrap();
            let scaled = model.fit(x.view(), y.view()).unwrap();
            assert!((plain.report.value - scaled.report.value).abs() < 1e-14);
            assert!((&plain.coef - &scaled.coef).iter().all(|d| d.abs() < 1e-9));
            assert!((plain.intercept - scaled.intercept).abs() < 1e-9);
            if !intercept {
                assert_eq!(scaled.intercept, 0.0);
                assert_eq!(scaled.report.x.len(), 2);
            }
        }
    }

    #[test]
    fn warm_start_from_the_optimum_converges_at_once() {
        let (x, y) = toy();
        let model = LogisticRegression::new().tol(1e-10);
        let first = model.fit(x.view(), y.view()).unwrap();
        let again = model.fit_warm(x.view(), y.view(), &first).unwrap();
        assert_eq!(again.report.iterations, 0);
    }

    #[test]
    fn f32_storage_fits_exactly_as_f64_holding_the_same_values() {
        use crate::data::Dataset;
        use crate::{LinearRegression, Penalty};
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/breast_cancer.csv");
        let data = Dataset::<f32>::read(path, None, &[]).unwrap();
        let widened = data.x.mapv(f64::from);
        let y = data.y.view();
        for model in [
            LogisticRegression::new().solver(Solver::Lbfgs),
            LogisticRegression::new().solver(Solver::Newton),
            LogisticRegression::new().penalty(Penalty::L1).c(0.05),
        ] {
            let narrow = model.fit(&data.x, y).unwrap();
            let wide = model.fit(&widened, y).unwrap();
            assert_eq!(narrow.coef, wide.coef, "{model:?}");
            assert_eq!(narrow.intercept, wide.intercept);
            assert_eq!(narrow.report.termination, wide.report.termination);
            assert_eq!(
                narrow.predict_proba(&data.x).unwrap(),
                wide.predict_proba(&widened).unwrap()
            );
        }
        let targets = data.x.column(0).mapv(|v| 2.0 * f64::from(v) + 1.0) + &data.y;
        for model in [
            LinearRegression::new().solver(Solver::Newton),
            LinearRegression::new().solver(Solver::LeastSquares),
            LinearRegression::new()
                .alpha(0.5)
                .solver(Solver::LeastSquares),
            LinearRegression::new().alpha(0.1).l1_ratio(1.0),
        ] {
            let narrow = model.fit(&data.x, targets.view()).unwrap();
            let wide = model.fit(&widened, targets.view()).unwrap();
            assert_eq!(narrow.coef, wide.coef, "{model:?}");
            assert_eq!(narrow.intercept, wide.intercept);
        }
    }
}
