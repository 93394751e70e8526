//! Multiclass (multinomial, softmax) logistic regression: scikit-learn's `LogisticRegression`
//! on a target with more than two classes.

use crate::linear::{linear_predictor, one_hot_design};
use crate::metrics::MulticlassMetrics;
use crate::solver::{minimize_composite_objective, minimize_objective, statistics};
use crate::{LogisticRegression, ModelError, Penalty, Solver};
use descent_objectives::{
    softmax, DesignMatrix, ElasticNet, Features, Gradient, Hessian, L2Regularized, LinearModelLoss,
    MultinomialLogLoss, Objective,
};
use descent_solvers::{Observer, Report, Termination};
use ndarray::{Array1, Array2, ArrayView1, Axis, CowArray, Ix1};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Fits `model`'s logistic regression to `K ≥ 2` classes with the multinomial loss (see
/// [`LogisticRegression::fit_multinomial`]).
pub(crate) fn fit(
    model: &LogisticRegression,
    x: DesignMatrix<'_>,
    y: ArrayView1<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
    previous: Option<&FittedMultinomialLogisticRegression>,
    observer: &mut dyn Observer<Array1<f64>>,
) -> Result<FittedMultinomialLogisticRegression, ModelError> {
    let settings = model.iterative();
    crate::logistic::check_l1_ratio(
        model.penalty == Penalty::ElasticNet,
        model.l1_ratio,
        "penalty elasticnet",
    )?;
    let c = match model.penalty {
        Penalty::None => f64::INFINITY,
        _ => {
            crate::error::positive("C", model.c)?;
            model.c
        }
    };
    // The L1 share of the penalty, for the proximal solvers.
    let l1_share = match model.penalty {
        Penalty::L1 => Some(1.0),
        Penalty::ElasticNet => model.l1_ratio,
        _ => None,
    };
    if x.nrows() != y.len() {
        return Err(ModelError::ShapeMismatch {
            what: "labels (one per row of the feature matrix)",
            expected: x.nrows(),
            found: y.len(),
        });
    }
    let (classes, labels) = class_indices(y)?;
    let k = classes.len();
    // Categorical columns are expanded into their indicator columns: the multinomial kernel
    // takes a dense matrix.
    let design = DenseDesign::of(&x);
    let dense = design.features();
    let p = dense.ncols();
    let n_params = k * (p + usize::from(model.fit_intercept));
    let solver = model.solver.unwrap_or_else(|| match l1_share {
        Some(_) => Solver::for_sparse(),
        None => {
            Solver::for_multinomial_rows(k, p + usize::from(model.fit_intercept), dense.nrows())
        }
    });
    let proximal = l1_share.is_some() || matches!(solver, Solver::ProximalNewton | Solver::Fista);
    if solver == Solver::LeastSquares || (l1_share.is_some() && !solver.handles_l1()) {
        return Err(ModelError::UnsupportedSolver {
            solver: solver.short_name(),
            model: if l1_share.is_some() {
                "a multinomial logistic regression with an L1 part (use prox-newton, fista or gd)"
            } else {
                "a multinomial logistic regression"
            },
        });
    }
    let weights = row_weights_of(model, sample_weight, &classes, &labels)?;
    let loss = weighted_loss(
        dense.view(),
        &labels,
        k,
        model.fit_intercept,
        weights.as_ref().map(|s| s.view()),
    )?;
    let unpenalized = c.is_infinite();
    let x0 = match previous {
        None => Array1::zeros(n_params),
        Some(m) if m.classes == classes && m.coef.ncols() == p => {
            let mut start: Vec<f64> = m.coef.iter().copied().collect();
            if model.fit_intercept {
                start.extend(m.intercept.iter());
            }
            Array1::from(start)
        }
        Some(m) => {
            return Err(ModelError::ShapeMismatch {
                what: "the previous model (classes × features)",
                expected: k * p,
                found: m.classes.len() * m.coef.ncols(),
            })
        }
    };
    let mut report = if proximal {
        // scikit-learn's C·Σ loss + r‖W‖₁ + ½(1 − r)‖W‖², in the mean form, on the K·p
        // coefficients (the intercepts are not penalized).
        let total = loss.sample_weight_sum();
        let penalty = match l1_share {
            Some(r) => ElasticNet::for_logistic(c, r, total, k * p)?,
            None if unpenalized => ElasticNet::new(0.0, 0.0, k * p)?,
            None => ElasticNet::for_logistic(c, 0.0, total, k * p)?,
        };
        minimize_composite_objective(&loss, penalty, solver, &settings, x0, observer)?
    } else {
        let objective = L2Regularized::with_c(&loss, c)?;
        if settings.precondition && !matches!(solver, Solver::Newton | Solver::NewtonCg) {
            // Newton's steps do not depend on the scale of the features; the others' do.
            let stats = statistics(&loss, Some(&dense.view().into()))?;
            let standardized = Standardized {
                inner: &objective,
                classes: k,
                mean: if model.fit_intercept {
                    stats.mean.clone()
                } else {
                    Array1::zeros(p)
                },
                scale: stats.scale(),
                intercept: model.fit_intercept,
            };
            let v0 = standardized.to_solver(&x0);
            minimize_objective(&standardized, solver, &settings, v0, observer)?
                .map_points(|v| standardized.to_original(&v))
        } else if matches!(solver, Solver::Newton | Solver::NewtonCg) {
            let identified = Identified {
                inner: &objective,
                classes: k,
                features: p,
                intercept: model.fit_intercept,
                coefficients: unpenalized,
            };
            minimize_objective(&identified, solver, &settings, x0, observer)?
        } else {
            minimize_objective(&objective, solver, &settings, x0, observer)?
        }
    };
    center(&mut report, k, p, model.fit_intercept, unpenalized);
    let (coef, intercept) = loss.split(&report.x);
    if unpenalized && report.termination != Termination::Interrupted {
        let z = decision(&x, &coef, &intercept)?;
        // Rows of weight 0 are not in the loss, and not looked at.
        let (z, labels) = match &weights {
            Some(s) if s.iter().any(|&v| v == 0.0) => {
                let kept: Vec<usize> = (0..s.len()).filter(|&i| s[i] > 0.0).collect();
                let labels = kept.iter().map(|&i| labels[i]).collect();
                (z.select(ndarray::Axis(0), &kept), labels)
            }
            _ => (z, labels),
        };
        if separates(&z, &labels) || separated_class(&z, &labels).is_some() {
            report.termination = Termination::KeepsDecreasing;
        }
    }
    Ok(FittedMultinomialLogisticRegression {
        coef,
        intercept,
        classes,
        c: model.c,
        penalty: model.penalty,
        l1_ratio: model.l1_ratio,
        solver,
        report,
    })
}

/// The dense matrix the multinomial loss takes: `x`'s own dense block when it has no
/// categorical columns, else a copy with each categorical column expanded into its indicator
/// columns ([`one_hot_design`]), kept here.
pub(crate) struct DenseDesign<'d, 'x> {
    x: &'d DesignMatrix<'x>,
    expanded: Option<Array2<f64>>,
}

impl<'d, 'x> DenseDesign<'d, 'x> {
    pub(crate) fn of(x: &'d DesignMatrix<'x>) -> Self {
        let expanded = (!x.categorical().is_empty()).then(|| one_hot_design(x, false));
        DenseDesign { x, expanded }
    }

    pub(crate) fn features(&self) -> Features<'_> {
        match &self.expanded {
            Some(m) => Features::F64(m.view()),
            None => self.x.dense().view(),
        }
    }
}

/// `‖∇_W F(0, b*)‖_∞` of `model`'s multinomial loss on `x` and `y` (its class weights
/// included), with the intercepts fitted (`b*_k = log(W_k/W)`, where every class's probability
/// is its share of the rows' weight) or zero: the smallest mean-form L1 strength `λ₁` at which
/// every coefficient of the fit is zero; and the rows' total weight `W`.
pub(crate) fn l1_threshold(
    model: &LogisticRegression,
    x: &DesignMatrix<'_>,
    y: ArrayView1<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<(f64, f64), ModelError> {
    let (classes, labels) = class_indices(y)?;
    let k = classes.len();
    let design = DenseDesign::of(x);
    let dense = design.features();
    let p = dense.ncols();
    let weights = row_weights_of(model, sample_weight, &classes, &labels)?;
    let loss = weighted_loss(
        dense.view(),
        &labels,
        k,
        model.fit_intercept,
        weights.as_ref().map(|s| s.view()),
    )?;
    let total = loss.sample_weight_sum();
    let mut at = Array1::zeros(k * (p + usize::from(model.fit_intercept)));
    if model.fit_intercept {
        let mut counts = vec![0.0; k];
        for (i, &l) in labels.iter().enumerate() {
            counts[l as usize] += weights.as_ref().map_or(1.0, |s| s[i]);
        }
        for (c, count) in counts.iter().enumerate() {
            at[k * p + c] = (count / total).ln();
        }
    }
    let g = loss.gradient(&at);
    Ok((
        g.iter().take(k * p).fold(0.0_f64, |m, v| m.max(v.abs())),
        total,
    ))
}

/// Each row's weight for class indices `labels` of `classes`: the sample weights times
/// `model`'s class weights, `None` without either.
fn row_weights_of<'w>(
    model: &LogisticRegression,
    sample_weight: Option<ArrayView1<'w, f64>>,
    classes: &[f64],
    labels: &[u32],
) -> Result<Option<CowArray<'w, f64, Ix1>>, ModelError> {
    let class_of: Vec<usize> = match model.class_weight {
        Some(_) => labels.iter().map(|&l| l as usize).collect(),
        None => Vec::new(),
    };
    crate::weights::row_weights(
        sample_weight,
        model.class_weight.as_ref(),
        classes,
        &class_of,
    )
}

/// The multinomial loss of `x` against `labels` of `k` classes, weighted by `weights`.
fn weighted_loss<'a>(
    x: Features<'a>,
    labels: &'a [u32],
    k: usize,
    fit_intercept: bool,
    weights: Option<ArrayView1<'a, f64>>,
) -> Result<MultinomialLogLoss<'a>, ModelError> {
    let loss = MultinomialLogLoss::new(x, Cow::Borrowed(labels), k)?.fit_intercept(fit_intercept);
    Ok(match weights {
        Some(s) => loss.sample_weight(s)?,
        None => loss,
    })
}

/// The most classes a multinomial model takes.
pub const MAX_CLASSES: usize = 10_000;

/// The distinct labels of `y` in increasing order (scikit-learn's `classes_`), and each row's
/// index among them.
///
/// # Errors
/// A NaN or infinite label, a label that is not a whole number, fewer than two classes, or
/// more than [`MAX_CLASSES`] or than half the rows (of at least 20).
pub(crate) fn class_indices(y: ArrayView1<'_, f64>) -> Result<(Vec<f64>, Vec<u32>), ModelError> {
    for (row, &v) in y.iter().enumerate() {
        if !v.is_finite() {
            return Err(ModelError::NonFiniteTarget { row, value: v });
        }
        if v.fract() != 0.0 {
            return Err(ModelError::ContinuousLabels { row, value: v });
        }
    }
    // The distinct labels by one scan, kept sorted (a binary search per row; a sort of every
    // label costs more than a pass of the fit); past MAX_CLASSES, counted by a sort.
    let mut classes: Vec<f64> = Vec::new();
    for &v in y {
        // −0 and 0 are one label (as `==` and a sort with `dedup` take them).
        let v = v + 0.0;
        if let Err(at) = classes.binary_search_by(|c| c.total_cmp(&v)) {
            classes.insert(at, v);
            if classes.len() > MAX_CLASSES {
                classes = y.iter().map(|v| v + 0.0).collect();
                classes.sort_by(f64::total_cmp);
                classes.dedup();
                break;
            }
        }
    }
    if classes.len() < 2 {
        return Err(ModelError::TooFewClasses {
            count: classes.len(),
        });
    }
    // A class per row or two is an identifier or a measurement, not a class: its model would
    // have a coefficient vector per row (and the memory to match).
    if classes.len() > MAX_CLASSES || (classes.len() > y.len() / 2 && y.len() >= 20) {
        return Err(ModelError::TooManyClasses {
            count: classes.len(),
            rows: y.len(),
        });
    }
    let labels = y
        .iter()
        .map(|v| {
            // Every label is one of the classes: they were taken from the labels.
            classes.partition_point(|c| c < v) as u32
        })
        .collect();
    Ok((classes, labels))
}

/// Moves the parameters along the directions in which the objective is constant to the
/// representative with `Σ_k b_k = 0` (and, unpenalized, `Σ_k w_k = 0`): the probabilities, the
/// objective and its gradient do not change, and the answer no longer depends on the solver's
/// path. (An L2 penalty makes `Σ_k w_k = 0` hold at its optimum anyway.)
fn center(
    report: &mut Report<Array1<f64>>,
    k: usize,
    p: usize,
    intercept: bool,
    coefficients: bool,
) {
    let center_one = |x: &mut Array1<f64>| {
        for group in null_directions(k, p, intercept, coefficients) {
            let mean = group.iter().map(|&i| x[i]).sum::<f64>() / k as f64;
            for i in group {
                x[i] -= mean;
            }
        }
    };
    center_one(&mut report.x);
    for record in &mut report.history {
        center_one(&mut record.x);
    }
}

/// The groups of parameter indices, one index per class, along whose sum (`u = Σ e_i / √K`)
/// the multinomial loss is constant: the intercepts, and with `coefficients`, each feature's
/// coefficients.
fn null_directions(k: usize, p: usize, intercept: bool, coefficients: bool) -> Vec<Vec<usize>> {
    let mut groups = Vec::new();
    if coefficients {
        for j in 0..p {
            groups.push((0..k).map(|c| c * p + j).collect());
        }
    }
    if intercept {
        groups.push((0..k).map(|c| k * p + c).collect());
    }
    groups
}

/// Whether every row's own class has the strictly largest linear predictor (`z`, `N × K`). If
/// so, the data are separable, and the unpenalized loss has no minimum: scaling `(W, b)` by
/// `t → ∞` sends every term `log(1 + Σ_{l ≠ yᵢ} e^{t(z_{il} − z_{i,yᵢ})})` towards 0, which it
/// never reaches.
fn separates(z: &Array2<f64>, labels: &[u32]) -> bool {
    z.rows().into_iter().zip(labels).all(|(row, &label)| {
        let own = row[label as usize];
        row.iter()
            .enumerate()
            .all(|(c, &v)| c == label as usize || v < own)
    })
}

/// A class that the fit's own coefficients separate from the others: with the linear
/// function `h(x) = z_c(x) − (1/(K−1)) Σ_{l≠c} z_l(x)`, `h > 0` on every row of class `c` and
/// `h < 0` on every other row. Then the unpenalized loss has no minimum: adding `t·h` to class
/// `c`'s predictor (a change of `θ_c` alone) lowers every row's loss for every `t > 0` — a row
/// of class `c` gains on every other class, any other row loses weight on a class not its
/// own — so the loss keeps falling as `t → ∞` and never reaches its infimum (statsmodels'
/// `MNLogit` does not converge there either). Such a class is typical of a multinomial fit
/// that ran towards infinity: iris's setosa.
fn separated_class(z: &Array2<f64>, labels: &[u32]) -> Option<usize> {
    let k = z.ncols();
    if k < 2 {
        return None;
    }
    (0..k).find(|&c| {
        z.rows().into_iter().zip(labels).all(|(row, &label)| {
            let others = (row.sum() - row[c]) / (k - 1) as f64;
            let h = row[c] - others;
            if label as usize == c {
                h > 0.0
            } else {
                h < 0.0
            }
        })
    })
}

/// `z_{ik} = xᵢ·w_k + b_k`, `N × K`, one class at a time through the binary models' checked
/// linear predictor (dense and categorical columns alike).
fn decision(
    x: &DesignMatrix<'_>,
    coef: &Array2<f64>,
    intercept: &Array1<f64>,
) -> Result<Array2<f64>, ModelError> {
    let mut z = Array2::zeros((x.nrows(), coef.nrows()));
    for (c, (w, &b)) in coef.rows().into_iter().zip(intercept).enumerate() {
        let column = linear_predictor(x.view(), &w.to_owned(), b)?;
        z.column_mut(c).assign(&column);
    }
    Ok(z)
}

/// The multinomial objective as Newton's method sees it: the same value and gradient, and the
/// Hessian plus `s·uuᵀ` for each direction `u` along which the objective is constant
/// ([`null_directions`]), `s` the mean of the Hessian's diagonal over those coordinates.
///
/// The true Hessian `H` is singular along each such `u` (`Hu = 0`), and the gradient is
/// orthogonal to it (`uᵀ∇F = 0`, up to rounding). The step `d` that solves
/// `(H + s·uuᵀ)d = −∇F` then has `uᵀd = 0` (multiply by `uᵀ`: `s·(uᵀd) = −uᵀ∇F = 0`), so
/// `Hd = −∇F`: it is the Newton step of least norm along the flat directions, the one the
/// pseudo-inverse gives, and the Cholesky factorization exists.
struct Identified<'o, O> {
    inner: &'o O,
    classes: usize,
    features: usize,
    intercept: bool,
    coefficients: bool,
}

impl<O: Objective<Param = Array1<f64>>> Objective for Identified<'_, O> {
    type Param = Array1<f64>;
    fn value(&self, x: &Array1<f64>) -> f64 {
        self.inner.value(x)
    }
    fn dimension(&self) -> Option<usize> {
        self.inner.dimension()
    }
}

impl<O: Gradient<Param = Array1<f64>>> Gradient for Identified<'_, O> {
    fn gradient(&self, x: &Array1<f64>) -> Array1<f64> {
        self.inner.gradient(x)
    }
    fn value_and_gradient(&self, x: &Array1<f64>) -> (f64, Array1<f64>) {
        self.inner.value_and_gradient(x)
    }
    fn gradient_norm(&self, gradient: &Array1<f64>) -> f64 {
        self.inner.gradient_norm(gradient)
    }
}

impl<O: Hessian<Param = Array1<f64>>> Hessian for Identified<'_, O> {
    fn hessian(&self, x: &Array1<f64>) -> Array2<f64> {
        let mut h = self.inner.hessian(x);
        let groups = null_directions(
            self.classes,
            self.features,
            self.intercept,
            self.coefficients,
        );
        let (mut sum, mut count) = (0.0, 0);
        for &i in groups.iter().flatten() {
            sum += h[[i, i]];
            count += 1;
        }
        let s = if count > 0 && sum > 0.0 {
            sum / count as f64
        } else {
            1.0
        };
        // uuᵀ = (1/K)·J on a group's coordinates.
        let entry = s / self.classes as f64;
        for group in &groups {
            for &i in group {
                for &j in group {
                    h[[i, j]] += entry;
                }
            }
        }
        h
    }
}

/// The multinomial objective in the coordinates of standardized features: every class's
/// coefficients on columns centred by `m` and divided by `s`, the map `θ = A·v` from the
/// solver's `v` to the user's `θ`:
///
/// `w_kj = v_kj / s_j`, `b_k = v_bk − Σ_j v_kj m_j / s_j` (no centring without intercepts).
///
/// The value is the same function of a different variable, so the minimizer maps back
/// exactly; the gradient is `∇_v = Aᵀ∇_θ` (`∂/∂v_kj = (∂/∂w_kj − m_j ∂/∂b_k)/s_j`), the
/// Hessian `AᵀHA`; `gradient_norm` is the user's, `‖∇_θ‖ = ‖A⁻ᵀ∇_v‖`
/// (`∂/∂w_kj = s_j ∂/∂v_kj + m_j ∂/∂v_bk`), so `tol` means what it means without it. Ill-scaled
/// features (wine's run from 0.1 to 1680) make the Hessian's diagonal span orders of magnitude,
/// which slows L-BFGS down by as much; in these coordinates it is even.
struct Standardized<'o, O> {
    inner: &'o O,
    classes: usize,
    mean: Array1<f64>,
    scale: Array1<f64>,
    intercept: bool,
}

impl<O> Standardized<'_, O> {
    fn p(&self) -> usize {
        self.scale.len()
    }

    /// `θ = A·v`.
    fn to_original(&self, v: &Array1<f64>) -> Array1<f64> {
        let (k, p) = (self.classes, self.p());
        let mut theta = v.clone();
        for c in 0..k {
            let mut shift = 0.0;
            for j in 0..p {
                theta[c * p + j] = v[c * p + j] / self.scale[j];
                shift += theta[c * p + j] * self.mean[j];
            }
            if self.intercept {
                theta[k * p + c] = v[k * p + c] - shift;
            }
        }
        theta
    }

    /// `v = A⁻¹·θ`.
    fn to_solver(&self, theta: &Array1<f64>) -> Array1<f64> {
        let (k, p) = (self.classes, self.p());
        let mut v = theta.clone();
        for c in 0..k {
            let mut shift = 0.0;
            for j in 0..p {
                v[c * p + j] = theta[c * p + j] * self.scale[j];
                shift += theta[c * p + j] * self.mean[j];
            }
            if self.intercept {
                v[k * p + c] = theta[k * p + c] + shift;
            }
        }
        v
    }

    /// `∇_v = Aᵀ∇_θ`.
    fn gradient_to_solver(&self, g: &Array1<f64>) -> Array1<f64> {
        let (k, p) = (self.classes, self.p());
        let mut out = g.clone();
        for c in 0..k {
            let gb = if self.intercept { g[k * p + c] } else { 0.0 };
            for j in 0..p {
                out[c * p + j] = (g[c * p + j] - self.mean[j] * gb) / self.scale[j];
            }
        }
        out
    }

    /// `∇_θ = A⁻ᵀ∇_v`.
    fn gradient_to_original(&self, gv: &Array1<f64>) -> Array1<f64> {
        let (k, p) = (self.classes, self.p());
        let mut out = gv.clone();
        for c in 0..k {
            let gb = if self.intercept { gv[k * p + c] } else { 0.0 };
            for j in 0..p {
                out[c * p + j] = self.scale[j] * gv[c * p + j] + self.mean[j] * gb;
            }
        }
        out
    }

    /// `A` as a matrix (for the Hessian, `AᵀHA`).
    fn matrix(&self, n: usize) -> Array2<f64> {
        let mut a = Array2::zeros((n, n));
        for i in 0..n {
            let mut unit = Array1::zeros(n);
            unit[i] = 1.0;
            a.column_mut(i).assign(&self.to_original(&unit));
        }
        a
    }
}

impl<O: Objective<Param = Array1<f64>>> Objective for Standardized<'_, O> {
    type Param = Array1<f64>;
    fn value(&self, v: &Array1<f64>) -> f64 {
        self.inner.value(&self.to_original(v))
    }
    fn dimension(&self) -> Option<usize> {
        self.inner.dimension()
    }
}

impl<O: Gradient<Param = Array1<f64>>> Gradient for Standardized<'_, O> {
    fn gradient(&self, v: &Array1<f64>) -> Array1<f64> {
        self.value_and_gradient(v).1
    }
    fn value_and_gradient(&self, v: &Array1<f64>) -> (f64, Array1<f64>) {
        let (value, g) = self.inner.value_and_gradient(&self.to_original(v));
        (value, self.gradient_to_solver(&g))
    }
    fn gradient_norm(&self, gradient: &Array1<f64>) -> f64 {
        self.inner
            .gradient_norm(&self.gradient_to_original(gradient))
    }
}

impl<O: Hessian<Param = Array1<f64>>> Hessian for Standardized<'_, O> {
    fn hessian(&self, v: &Array1<f64>) -> Array2<f64> {
        let h = self.inner.hessian(&self.to_original(v));
        let a = self.matrix(v.len());
        a.t().dot(&h).dot(&a)
    }
}

/// A fitted multinomial logistic regression over `K` classes:
/// `P(y = class k | x) = softmax(W·x + b)_k = e^{x·w_k + b_k} / Σ_l e^{x·w_l + b_l}`.
///
/// The coefficients are centred (`Σ_k b_k = 0`; unpenalized, also `Σ_k w_k = 0`): the
/// probabilities determine them only up to a vector added to every class (see
/// [`MultinomialLogLoss`]), and this is the representative with the least norm.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FittedMultinomialLogisticRegression {
    /// `W`, `K × p`: row `k` holds class `k`'s coefficients (scikit-learn's `coef_`).
    #[serde(with = "crate::plain_json::matrix")]
    pub coef: Array2<f64>,
    /// `b`, one intercept per class (zeros when not fitted; scikit-learn's `intercept_`).
    #[serde(with = "crate::plain_json::vector")]
    pub intercept: Array1<f64>,
    /// The labels, in increasing order (scikit-learn's `classes_`): class `k` is `classes[k]`.
    pub classes: Vec<f64>,
    /// The `C` it was fitted with.
    pub c: f64,
    /// The penalty it was fitted with.
    pub penalty: Penalty,
    /// The elastic net's `l1_ratio` it was fitted with (elastic net only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l1_ratio: Option<f64>,
    /// The solver it was fitted with.
    pub solver: Solver,
    /// The solver's report; its points are `[w_0, …, w_{K−1}, b]` (see
    /// [`MultinomialLogLoss`]), and its value the objective's mean form (the mean loss plus
    /// the penalty divided by `C·N`, with `N` the rows' total weight in a weighted fit; see
    /// [`LogisticRegression::fit_multinomial`](crate::LogisticRegression::fit_multinomial)).
    #[serde(with = "crate::plain_json::report")]
    pub report: Report<Array1<f64>>,
}

impl FittedMultinomialLogisticRegression {
    /// `z_{ik} = xᵢ·w_k + b_k`, `N × K` (scikit-learn's `decision_function`).
    ///
    /// # Errors
    /// A feature count other than the model's, or a NaN or infinite feature.
    pub fn decision_function<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
    ) -> Result<Array2<f64>, ModelError> {
        decision(&x.into(), &self.coef, &self.intercept)
    }

    /// `P(y = class k | xᵢ)`, `N × K`, each row summing to 1 (scikit-learn's
    /// `predict_proba`), computed as `e^{z_k − m} / Σ_l e^{z_l − m}` with `m = max_l z_l`, so
    /// that no exponential overflows.
    ///
    /// # Errors
    /// As [`decision_function`](Self::decision_function).
    pub fn predict_proba<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
    ) -> Result<Array2<f64>, ModelError> {
        Ok(softmax(self.decision_function(x)?))
    }

    /// The most probable class of each row, as its label (the first such class on a tie, as
    /// numpy's `argmax`).
    ///
    /// # Errors
    /// As [`decision_function`](Self::decision_function).
    pub fn predict<'x>(&self, x: impl Into<DesignMatrix<'x>>) -> Result<Array1<f64>, ModelError> {
        let z = self.decision_function(x)?;
        Ok(z.map_axis(Axis(1), |row| self.classes[argmax(row)]))
    }

    /// Accuracy, log loss, macro and micro F1 and the `K × K` confusion matrix on `x`
    /// against labels `y`.
    ///
    /// # Errors
    /// As [`decision_function`](Self::decision_function), a length mismatch, or a label that
    /// is not one of the model's classes.
    pub fn evaluate<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
    ) -> Result<MulticlassMetrics, ModelError> {
        self.evaluate_weighted(x, y, None)
    }

    /// As [`evaluate`](Self::evaluate), each row weighted by `sample_weight` when given (see
    /// [`MulticlassMetrics::weighted`]).
    ///
    /// # Errors
    /// As [`evaluate`](Self::evaluate), and weights that are not one per row, finite and
    /// `≥ 0` with a positive sum.
    pub fn evaluate_weighted<'x>(
        &self,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
    ) -> Result<MulticlassMetrics, ModelError> {
        let probabilities = self.predict_proba(x)?;
        if y.len() != probabilities.nrows() {
            return Err(ModelError::ShapeMismatch {
                what: "labels (one per row)",
                expected: probabilities.nrows(),
                found: y.len(),
            });
        }
        MulticlassMetrics::weighted(&self.class_of(y)?, probabilities.view(), sample_weight)
    }

    /// Each label's class index (its place in [`classes`](Self::classes)).
    ///
    /// # Errors
    /// A label that is none of the model's classes.
    pub fn class_of(&self, y: ArrayView1<'_, f64>) -> Result<Vec<usize>, ModelError> {
        y.iter()
            .map(|&label| {
                self.classes
                    .iter()
                    .position(|&c| c == label)
                    .ok_or_else(|| ModelError::UnknownClass {
                        value: label,
                        classes: self.classes.clone(),
                    })
            })
            .collect()
    }

    /// The number of classes `K`.
    pub fn n_classes(&self) -> usize {
        self.classes.len()
    }

    /// scikit-learn's objective value `C·Σᵢ −log P_{i,yᵢ} + r‖W‖₁ + ½(1 − r)‖W‖²_F`, from the
    /// mean form in the report (`N` the number of training rows; unpenalized, the summed loss).
    pub fn sklearn_objective(&self, n_samples: usize) -> f64 {
        let n = n_samples as f64;
        if self.penalty == Penalty::None {
            self.report.value * n
        } else {
            self.report.value * self.c * n
        }
    }

    /// The coefficients of class `k` and its intercept, as one row `[w_k, b_k]`.
    pub fn class_params(&self, k: usize) -> Array1<f64> {
        let mut row = self.coef.row(k).to_vec();
        row.push(self.intercept[k]);
        Array1::from(row)
    }
}

/// The index of the first largest value.
pub(crate) fn argmax(row: ArrayView1<'_, f64>) -> usize {
    let mut best = 0;
    for (k, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = k;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use descent_objectives::ColumnStatistics;
    use ndarray::array;

    fn three_classes() -> (Array2<f64>, Array1<f64>) {
        let x = array![
            [0.0, 1.0],
            [1.0, 0.5],
            [2.0, 1.5],
            [3.0, 0.0],
            [4.0, 2.0],
            [5.0, 1.0],
            [1.5, 2.5],
            [3.5, 0.5],
            [0.5, 0.0]
        ];
        let y = array![3.0, 3.0, 5.0, 5.0, 9.0, 9.0, 3.0, 5.0, 9.0];
        (x, y)
    }

    #[test]
    fn newton_and_lbfgs_reach_the_same_optimum() {
        let (x, y) = three_classes();
        let newton = LogisticRegression::new()
            .tol(1e-10)
            .fit_multinomial(x.view(), y.view())
            .unwrap();
        // argmin's L-BFGS stalls (its objective stops changing) near 1e-9 here.
        let lbfgs = LogisticRegression::new()
            .tol(1e-8)
            .solver(Solver::Lbfgs)
            .max_iter(1000)
            .fit_multinomial(x.view(), y.view())
            .unwrap();
        assert_eq!(newton.solver, Solver::Newton);
        assert!(newton.report.converged(), "{:?}", newton.report.termination);
        assert!(
            lbfgs.report.converged(),
            "{:?} {:?}",
            lbfgs.report.termination,
            lbfgs.report.gradient_norm
        );
        assert!((newton.report.value - lbfgs.report.value).abs() < 1e-12);
        assert!((newton.intercept.sum()).abs() < 1e-12);
        let (pn, pl) = (
            newton.predict_proba(x.view()).unwrap(),
            lbfgs.predict_proba(x.view()).unwrap(),
        );
        assert!((&pn - &pl).iter().all(|d| d.abs() < 1e-6));
        assert!(pn.rows().into_iter().all(|r| (r.sum() - 1.0).abs() < 1e-12));
        assert_eq!(newton.classes, vec![3.0, 5.0, 9.0]);
        let predicted = newton.predict(x.view()).unwrap();
        assert!(predicted.iter().all(|v| [3.0, 5.0, 9.0].contains(v)));
        let metrics = newton.evaluate(x.view(), y.view()).unwrap();
        assert_eq!(metrics.confusion_matrix.len(), 3);
        assert_eq!(metrics.confusion_matrix.iter().flatten().sum::<usize>(), 9);
    }

    #[test]
    fn minus_zero_is_the_label_zero() {
        let y = array![0.0, -0.0, 1.0, 2.0, -0.0, 2.0];
        let (classes, labels) = class_indices(y.view()).unwrap();
        assert_eq!(classes.len(), 3);
        assert_eq!(labels, vec![0, 0, 1, 2, 0, 2]);
    }

    #[test]
    fn unpenalized_separable_data_keep_decreasing() {
        let x = array![[0.0], [1.0], [10.0], [11.0], [20.0], [21.0]];
        let y = array![0.0, 0.0, 1.0, 1.0, 2.0, 2.0];
        let fit = LogisticRegression::new()
            .penalty(Penalty::None)
            .fit_multinomial(x.view(), y.view())
            .unwrap();
        assert_eq!(fit.report.termination, Termination::KeepsDecreasing);
    }

    #[test]
    fn bad_labels_are_refused() {
        let (x, _) = three_classes();
        let one = Array1::from_elem(9, 2.0);
        assert!(matches!(
            LogisticRegression::new().fit_multinomial(x.view(), one.view()),
            Err(ModelError::TooFewClasses { count: 1 })
        ));
        let mut fractional = Array1::from_elem(9, 2.0);
        fractional[4] = 0.5;
        assert!(matches!(
            LogisticRegression::new().fit_multinomial(x.view(), fractional.view()),
            Err(ModelError::ContinuousLabels { row: 4, .. })
        ));
        let identifiers = Array1::from_shape_fn(40, |i| i as f64);
        let x40 = Array2::from_shape_fn((40, 1), |(i, _)| i as f64);
        assert!(matches!(
            LogisticRegression::new().fit_multinomial(x40.view(), identifiers.view()),
            Err(ModelError::TooManyClasses {
                count: 40,
                rows: 40
            })
        ));
        let short = Array1::from_elem(3, 2.0);
        assert!(LogisticRegression::new()
            .fit_multinomial(x.view(), short.view())
            .is_err());
        let elastic = LogisticRegression::new().penalty(Penalty::ElasticNet);
        assert!(matches!(
            elastic.fit_multinomial(x.view(), three_classes().1.view()),
            Err(ModelError::MissingParameter { .. })
        ));
        let l1_by_lbfgs = LogisticRegression::new()
            .penalty(Penalty::L1)
            .solver(Solver::Lbfgs);
        assert!(matches!(
            l1_by_lbfgs.fit_multinomial(x.view(), three_classes().1.view()),
            Err(ModelError::UnsupportedSolver { .. })
        ));
    }

    #[test]
    fn l1_zeroes_coefficients_and_reaches_the_optimality_tolerance() {
        let (x, y) = three_classes();
        let strong = LogisticRegression::new()
            .penalty(Penalty::L1)
            .c(0.05)
            .tol(1e-10)
            .fit_multinomial(x.view(), y.view())
            .unwrap();
        assert_eq!(strong.solver, Solver::ProximalNewton);
        assert!(strong.report.converged(), "{:?}", strong.report.termination);
        assert!(strong.coef.iter().all(|&w| w == 0.0), "{}", strong.coef);
        let weak = LogisticRegression::new()
            .penalty(Penalty::L1)
            .c(10.0)
            .tol(1e-10)
            .fit_multinomial(x.view(), y.view())
            .unwrap();
        assert!(weak.coef.iter().any(|&w| w != 0.0));
        let fista = LogisticRegression::new()
            .penalty(Penalty::L1)
            .c(10.0)
            .tol(1e-9)
            .max_iter(100_000)
            .solver(Solver::Fista)
            .fit_multinomial(x.view(), y.view())
            .unwrap();
        assert!((fista.report.value - weak.report.value).abs() < 1e-8);
    }

    #[test]
    fn standardized_coordinates_are_the_same_function() {
        let (x, y) = three_classes();
        let x = x.mapv(|v| v * 100.0 + 7.0);
        let (_, labels) = class_indices(y.view()).unwrap();
        for intercept in [true, false] {
            let loss = MultinomialLogLoss::new(&x, &labels[..], 3)
                .unwrap()
                .fit_intercept(intercept);
            let objective = L2Regularized::with_c(&loss, 2.0).unwrap();
            let stats = ColumnStatistics::of(x.view()).unwrap();
            let s = Standardized {
                inner: &objective,
                classes: 3,
                mean: if intercept {
                    stats.mean.clone()
                } else {
                    Array1::zeros(2)
                },
                scale: stats.scale(),
                intercept,
            };
            let n = 3 * (2 + usize::from(intercept));
            let theta = Array1::from_shape_fn(n, |i| (i as f64 * 0.37).sin() / 50.0);
            let v = s.to_solver(&theta);
            assert!((&s.to_original(&v) - &theta)
                .iter()
                .all(|d| d.abs() < 1e-15));
            assert!((s.value(&v) - objective.value(&theta)).abs() < 1e-15);
            // ∇_v by central differences of the value in v.
            let (_, gv) = s.value_and_gradient(&v);
            for i in 0..n {
                let h = 1e-6 * v[i].abs().max(1.0);
                let (mut a, mut b) = (v.clone(), v.clone());
                a[i] += h;
                b[i] -= h;
                let numeric = (s.value(&a) - s.value(&b)) / (2.0 * h);
                assert!(
                    (gv[i] - numeric).abs() < 1e-6 * numeric.abs().max(1.0),
                    "{i}"
                );
            }
            // The user's gradient norm, whatever the coordinates.
            let g = objective.gradient(&theta);
            assert!((s.gradient_norm(&gv) - objective.gradient_norm(&g)).abs() < 1e-12);
            // ∇²_v by central differences of the gradient in v.
            let hv = s.hessian(&v);
            for i in 0..n {
                let h = 1e-6 * v[i].abs().max(1.0);
                let (mut a, mut b) = (v.clone(), v.clone());
                a[i] += h;
                b[i] -= h;
                let column = (s.gradient(&a) - s.gradient(&b)) / (2.0 * h);
                for j in 0..n {
                    let scale = column[j].abs().max(1.0);
                    assert!((hv[[j, i]] - column[j]).abs() < 1e-5 * scale, "{j} {i}");
                }
            }
        }
    }

    #[test]
    fn class_params_and_objective_scale() {
        let (x, y) = three_classes();
        let fit = LogisticRegression::new()
            .c(2.0)
            .tol(1e-10)
            .fit_multinomial(x.view(), y.view())
            .unwrap();
        assert_eq!(fit.class_params(1).len(), 3);
        assert!((fit.sklearn_objective(9) - fit.report.value * 18.0).abs() < 1e-12);
        let z = fit.decision_function(x.view()).unwrap();
        let e = z.row(0).mapv(f64::exp);
        let expected = &e / e.sum();
        let p = fit.predict_proba(x.view()).unwrap().row(0).to_owned();
        assert!((&p - &expected).iter().all(|d| d.abs() < 1e-15));
    }
}
