//! Scores of a fitted model, with scikit-learn's definitions.
//!
//! Classification metrics take labels in {0, 1}, 1 being the positive class; a fitted
//! classifier's [`evaluate`](crate::FittedLogisticRegression::evaluate) maps its own two labels
//! onto these first.
//!
//! The metric sets ([`ClassificationMetrics`], [`MulticlassMetrics`], [`RegressionMetrics`])
//! also take sample weights, with scikit-learn's meaning of `sample_weight=` in its metrics:
//! every mean becomes a weighted mean `Σᵢ sᵢ·termᵢ / Σᵢ sᵢ`, every count a sum of weights.

use crate::ModelError;
use descent_objectives::checked_sample_weight;
use ndarray::{ArrayView1, Zip};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

fn check_pair(
    truth: &ArrayView1<'_, f64>,
    other: &ArrayView1<'_, f64>,
    what: &'static str,
) -> Result<(), ModelError> {
    if truth.is_empty() {
        return Err(ModelError::EmptyData("nothing to score"));
    }
    if other.len() != truth.len() {
        return Err(ModelError::ShapeMismatch {
            what,
            expected: truth.len(),
            found: other.len(),
        });
    }
    Ok(())
}

fn check_binary(y: &ArrayView1<'_, f64>) -> Result<(), ModelError> {
    match y.iter().find(|&&v| v != 0.0 && v != 1.0) {
        Some(&value) => Err(ModelError::NonBinaryLabel { value }),
        None => Ok(()),
    }
}

/// The fraction of labels predicted correctly: `(1/N) Σᵢ [ŷᵢ = yᵢ]`.
///
/// ```
/// use descent_models::metrics::accuracy;
/// use ndarray::array;
/// assert_eq!(accuracy(&array![1.0, 0.0, 1.0, 1.0], &array![1.0, 1.0, 1.0, 0.0])?, 0.5);
/// # Ok::<(), descent_models::ModelError>(())
/// ```
///
/// # Errors
/// Empty labels or a length mismatch.
pub fn accuracy<'a, 'b>(
    y_true: impl Into<ArrayView1<'a, f64>>,
    y_pred: impl Into<ArrayView1<'b, f64>>,
) -> Result<f64, ModelError> {
    let (y_true, y_pred) = (y_true.into(), y_pred.into());
    check_pair(&y_true, &y_pred, "predicted labels")?;
    let correct = Zip::from(&y_true)
        .and(&y_pred)
        .fold(0usize, |n, a, b| n + usize::from(a == b));
    Ok(correct as f64 / y_true.len() as f64)
}

/// Zero-one loss, the fraction misclassified: `1 − accuracy`.
///
/// It is piecewise constant in the model's parameters (no useful gradient), so it evaluates a
/// model rather than training one.
///
/// ```
/// use descent_models::metrics::zero_one_loss;
/// use ndarray::array;
/// assert_eq!(zero_one_loss(&array![1.0, 0.0, 1.0, 1.0], &array![1.0, 1.0, 1.0, 1.0])?, 0.25);
/// # Ok::<(), descent_models::ModelError>(())
/// ```
///
/// # Errors
/// Empty labels or a length mismatch.
pub fn zero_one_loss<'a, 'b>(
    y_true: impl Into<ArrayView1<'a, f64>>,
    y_pred: impl Into<ArrayView1<'b, f64>>,
) -> Result<f64, ModelError> {
    Ok(1.0 - accuracy(y_true, y_pred)?)
}

/// Log loss of predicted probabilities `pᵢ = P(yᵢ = 1)` against labels in {0, 1}:
/// `−(1/N) Σᵢ [yᵢ log pᵢ + (1 − yᵢ) log(1 − pᵢ)]`.
///
/// Probabilities are clipped to `[ε, 1 − ε]` with `ε` the machine epsilon, as scikit-learn
/// does, so a confident wrong prediction costs about 36 rather than infinity.
///
/// The course's examples: label 1 predicted 0.96 costs 0.041, predicted 0.014 costs 4.27.
/// ```
/// use descent_models::metrics::log_loss;
/// use ndarray::array;
/// assert!((log_loss(&array![1.0], &array![0.96])? - 0.041).abs() < 1e-3);
/// assert!((log_loss(&array![1.0], &array![0.014])? - 4.27).abs() < 1e-2);
/// # Ok::<(), descent_models::ModelError>(())
/// ```
///
/// # Errors
/// Empty labels, a length mismatch, a label other than 0 or 1, or a probability outside
/// `[0, 1]` (or NaN).
pub fn log_loss<'a, 'b>(
    y_true: impl Into<ArrayView1<'a, f64>>,
    probability: impl Into<ArrayView1<'b, f64>>,
) -> Result<f64, ModelError> {
    let (y_true, probability) = (y_true.into(), probability.into());
    Ok(log_loss_sum(y_true, probability, None)? / y_true.len() as f64)
}

/// `Σᵢ sᵢ·ℓᵢ`, the log loss summed over the rows (each weighted by `sᵢ`, or 1), with the
/// checks of [`log_loss`].
fn log_loss_sum(
    y_true: ArrayView1<'_, f64>,
    probability: ArrayView1<'_, f64>,
    weight: Option<&[f64]>,
) -> Result<f64, ModelError> {
    check_pair(&y_true, &probability, "predicted probabilities")?;
    check_binary(&y_true)?;
    check_probabilities(probability.iter())?;
    let eps = f64::EPSILON;
    let loss = |y: f64, p: f64| {
        let p = p.clamp(eps, 1.0 - eps);
        -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
    };
    Ok(match weight {
        None => Zip::from(&y_true)
            .and(&probability)
            .fold(0.0, |acc, &y, &p| acc + loss(y, p)),
        Some(s) => Zip::from(&y_true)
            .and(&probability)
            .and(s)
            .fold(0.0, |acc, &y, &p, &s| acc + s * loss(y, p)),
    })
}

/// Fails on a probability outside `[0, 1]` (or NaN).
fn check_probabilities<'p>(
    mut probability: impl Iterator<Item = &'p f64>,
) -> Result<(), ModelError> {
    match probability.find(|p| !(0.0..=1.0).contains(*p)) {
        Some(&p) => Err(ModelError::InvalidParameter {
            name: "probability",
            value: p,
            reason: "probabilities must lie in [0, 1]",
        }),
        None => Ok(()),
    }
}

/// Counts of a binary classifier's outcomes, the positive class being 1.
///
/// Laid out as scikit-learn's `confusion_matrix` for labels `[0, 1]`:
/// `[[tn, fp], [fn, tp]]` (rows are the truth, columns the prediction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// Negatives predicted negative.
    pub true_negatives: usize,
    /// Negatives predicted positive.
    pub false_positives: usize,
    /// Positives predicted negative.
    pub false_negatives: usize,
    /// Positives predicted positive.
    pub true_positives: usize,
}

impl ConfusionMatrix {
    /// Counts the outcomes of predictions `y_pred` against `y_true`, both in {0, 1}.
    ///
    /// ```
    /// use descent_models::metrics::ConfusionMatrix;
    /// use ndarray::array;
    /// let m = ConfusionMatrix::new(&array![0.0, 0.0, 1.0, 1.0, 1.0], &array![0.0, 1.0, 1.0, 1.0, 0.0])?;
    /// assert_eq!(m.as_array(), [[1, 1], [1, 2]]);
    /// assert_eq!(m.precision(), 2.0 / 3.0);
    /// assert_eq!(m.recall(), 2.0 / 3.0);
    /// # Ok::<(), descent_models::ModelError>(())
    /// ```
    ///
    /// # Errors
    /// Empty labels, a length mismatch, or a label other than 0 or 1.
    pub fn new<'a, 'b>(
        y_true: impl Into<ArrayView1<'a, f64>>,
        y_pred: impl Into<ArrayView1<'b, f64>>,
    ) -> Result<Self, ModelError> {
        let (y_true, y_pred) = (y_true.into(), y_pred.into());
        check_pair(&y_true, &y_pred, "predicted labels")?;
        check_binary(&y_true)?;
        check_binary(&y_pred)?;
        let mut m = ConfusionMatrix {
            true_negatives: 0,
            false_positives: 0,
            false_negatives: 0,
            true_positives: 0,
        };
        Zip::from(&y_true)
            .and(&y_pred)
            .for_each(|&t, &p| match (t == 1.0, p == 1.0) {
                (false, false) => m.true_negatives += 1,
                (false, true) => m.false_positives += 1,
                (true, false) => m.false_negatives += 1,
                (true, true) => m.true_positives += 1,
            });
        Ok(m)
    }

    /// `[[tn, fp], [fn, tp]]`.
    pub fn as_array(&self) -> [[usize; 2]; 2] {
        [
            [self.true_negatives, self.false_positives],
            [self.false_negatives, self.true_positives],
        ]
    }

    /// `tp / (tp + fp)`, the fraction of predicted positives that are positive; 0 when
    /// nothing is predicted positive (scikit-learn's `zero_division=0`).
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// `tp / (tp + fn)`, the fraction of positives found; 0 when there are no positives.
    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    /// `2·precision·recall / (precision + recall) = 2tp / (2tp + fp + fn)`; 0 when undefined.
    pub fn f1(&self) -> f64 {
        ratio(
            2 * self.true_positives,
            2 * self.true_positives + self.false_positives + self.false_negatives,
        )
    }
}

fn ratio(numerator: usize, denominator: usize) -> f64 {
    fraction(numerator as f64, denominator as f64)
}

/// `a / b`, 0 when `b` is 0 (scikit-learn's `zero_division=0`).
fn fraction(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        0.0
    } else {
        a / b
    }
}

/// Area under the ROC curve of scores `s` (any monotone score: probabilities or the decision
/// function) against labels in {0, 1}.
///
/// Computed as the Mann-Whitney statistic, the probability that a random positive scores above
/// a random negative, ties counting one half:
/// `AUC = Σ_negatives (#positives above + ½·#positives equal) / (n₊n₋)`, counted exactly in
/// integers over each class's sorted scores (two sorts of plain numbers, in parallel, and one
/// merge; no sort of indices). This equals the trapezoidal area scikit-learn's
/// `roc_auc_score` computes. `O(N log N)`.
///
/// ```
/// use descent_models::metrics::roc_auc;
/// use ndarray::array;
/// // scikit-learn's documentation example
/// let auc = roc_auc(&array![0.0, 0.0, 1.0, 1.0], &array![0.1, 0.4, 0.35, 0.8])?;
/// assert!((auc - 0.75).abs() < 1e-15);
/// # Ok::<(), descent_models::ModelError>(())
/// ```
///
/// # Errors
/// Empty labels, a length mismatch, labels other than 0 and 1, a NaN score, or labels of
/// only one class (the AUC is then undefined).
pub fn roc_auc<'a, 'b>(
    y_true: impl Into<ArrayView1<'a, f64>>,
    score: impl Into<ArrayView1<'b, f64>>,
) -> Result<f64, ModelError> {
    let (y_true, score) = (y_true.into(), score.into());
    check_scores(&y_true, &score)?;
    let positives = y_true.iter().filter(|&&y| y == 1.0).count();
    let negatives = y_true.len() - positives;
    if positives == 0 || negatives == 0 {
        return Err(ModelError::UndefinedMetric {
            metric: "ROC AUC",
            reason: "the labels contain only one class",
        });
    }
    // Each class's scores as integers in the same order (sorting integers is twice as fast as
    // comparing floats), sorted.
    let mut classes = [Vec::with_capacity(negatives), Vec::with_capacity(positives)];
    for (&y, &s) in y_true.iter().zip(&score) {
        classes[usize::from(y == 1.0)].push(order_key(s));
    }
    classes.par_iter_mut().for_each(|keys| {
        if rayon::current_num_threads() > 1 {
            keys.par_sort_unstable();
        } else {
            keys.sort_unstable();
        }
    });
    let [negative, positive] = classes;
    // For each run of equal negative scores v, the positives above v count 1 and those equal
    // ½: twice the sum, in integers, is exact.
    let (mut below, mut twice) = (0, 0u128);
    let mut start = 0;
    while start < negative.len() {
        let v = negative[start];
        let run = negative[start..].iter().take_while(|&&s| s == v).count();
        while below < positive.len() && positive[below] < v {
            below += 1;
        }
        let equal = positive[below..].iter().take_while(|&&s| s == v).count();
        let above = positive.len() - below - equal;
        twice += run as u128 * (2 * above + equal) as u128;
        start += run;
    }
    let (p, n) = (positives as f64, negatives as f64);
    Ok(twice as f64 / (2.0 * p * n))
}

/// The checks of [`roc_auc`] before counting: lengths, labels in {0, 1}, no NaN score.
fn check_scores(
    y_true: &ArrayView1<'_, f64>,
    score: &ArrayView1<'_, f64>,
) -> Result<(), ModelError> {
    check_pair(y_true, score, "scores")?;
    check_binary(y_true)?;
    match score.iter().find(|s| s.is_nan()) {
        Some(&s) => Err(ModelError::InvalidParameter {
            name: "score",
            value: s,
            reason: "scores must not be NaN",
        }),
        None => Ok(()),
    }
}

/// [`roc_auc`] with sample weights `weight` (checked): the Mann-Whitney statistic over pairs
/// weighted by `s₊·s₋`, `Σ_negatives s₋·(S₊ above + ½·S₊ equal) / (S₊·S₋)` with `S₊` sums of
/// positive rows' weights: the trapezoidal area under scikit-learn's weighted ROC curve
/// (`roc_auc_score(…, sample_weight=s)`). Each class's (score, weight) pairs are sorted by
/// score and merged as in the unweighted count.
fn weighted_roc_auc(
    y_true: ArrayView1<'_, f64>,
    score: ArrayView1<'_, f64>,
    weight: &[f64],
) -> Result<f64, ModelError> {
    check_scores(&y_true, &score)?;
    let mut classes: [Vec<(u64, f64)>; 2] = [Vec::new(), Vec::new()];
    for ((&y, &s), &w) in y_true.iter().zip(&score).zip(weight) {
        classes[usize::from(y == 1.0)].push((order_key(s), w));
    }
    let totals = classes
        .each_ref()
        .map(|c| c.iter().map(|&(_, w)| w).sum::<f64>());
    if totals.contains(&0.0) {
        return Err(ModelError::UndefinedMetric {
            metric: "ROC AUC",
            reason: "the labels of positive weight contain only one class",
        });
    }
    for keys in &mut classes {
        keys.sort_unstable_by_key(|&(k, _)| k);
    }
    let [negative, positive] = classes;
    // Runs of equal negative scores v, against the positives' weight below, equal to and
    // above v.
    let (mut below, mut below_weight, mut pairs) = (0, 0.0, 0.0);
    let mut start = 0;
    while start < negative.len() {
        let v = negative[start].0;
        let run = negative[start..].iter().take_while(|&&(k, _)| k == v);
        let (run_len, run_weight) = run.fold((0, 0.0), |(n, w), &(_, s)| (n + 1, w + s));
        while below < positive.len() && positive[below].0 < v {
            below_weight += positive[below].1;
            below += 1;
        }
        let equal: f64 = positive[below..]
            .iter()
            .take_while(|&&(k, _)| k == v)
            .map(|&(_, w)| w)
            .sum();
        let above = totals[1] - below_weight - equal;
        pairs += run_weight * (above + 0.5 * equal);
        start += run_len;
    }
    Ok((pairs / (totals[0] * totals[1])).clamp(0.0, 1.0))
}

/// A key with the order of the scores, for scores that are not NaN: the bits of `s + 0`
/// (which turns −0 into +0, equal as scores) with the sign bit flipped for positive numbers
/// and every bit flipped for negative ones.
fn order_key(s: f64) -> u64 {
    let bits = (s + 0.0).to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// Mean squared error `(1/N) Σᵢ (yᵢ − ŷᵢ)²`.
///
/// ```
/// use descent_models::metrics::{mean_absolute_error, mean_squared_error, r2_score, root_mean_squared_error};
/// use ndarray::array;
/// // scikit-learn's documentation examples
/// let (y, y_hat) = (array![3.0, -0.5, 2.0, 7.0], array![2.5, 0.0, 2.0, 8.0]);
/// assert_eq!(mean_squared_error(&y, &y_hat)?, 0.375);
/// assert!((root_mean_squared_error(&y, &y_hat)? - 0.375f64.sqrt()).abs() < 1e-16);
/// assert_eq!(mean_absolute_error(&y, &y_hat)?, 0.5);
/// assert!((r2_score(&y, &y_hat)? - 0.9486081370449679).abs() < 1e-15);
/// # Ok::<(), descent_models::ModelError>(())
/// ```
///
/// # Errors
/// Empty targets or a length mismatch (likewise for the other regression metrics).
pub fn mean_squared_error<'a, 'b>(
    y_true: impl Into<ArrayView1<'a, f64>>,
    y_pred: impl Into<ArrayView1<'b, f64>>,
) -> Result<f64, ModelError> {
    mean_of(y_true.into(), y_pred.into(), |d| d * d)
}

/// Root mean squared error `√MSE`, in the target's units.
///
/// # Errors
/// Empty targets or a length mismatch.
pub fn root_mean_squared_error<'a, 'b>(
    y_true: impl Into<ArrayView1<'a, f64>>,
    y_pred: impl Into<ArrayView1<'b, f64>>,
) -> Result<f64, ModelError> {
    Ok(mean_squared_error(y_true, y_pred)?.sqrt())
}

/// Mean absolute error `(1/N) Σᵢ |yᵢ − ŷᵢ|`.
///
/// # Errors
/// Empty targets or a length mismatch.
pub fn mean_absolute_error<'a, 'b>(
    y_true: impl Into<ArrayView1<'a, f64>>,
    y_pred: impl Into<ArrayView1<'b, f64>>,
) -> Result<f64, ModelError> {
    mean_of(y_true.into(), y_pred.into(), f64::abs)
}

/// The coefficient of determination `R² = 1 − Σᵢ(yᵢ − ŷᵢ)² / Σᵢ(yᵢ − ȳ)²`.
///
/// For constant targets the ratio is undefined; as scikit-learn does, the result is then 1 for
/// perfect predictions and 0 otherwise. With a single sample it is undefined altogether (any
/// prediction of one point by a line through it is "perfect"), and is an error, where
/// scikit-learn returns NaN.
///
/// # Errors
/// Empty targets, a length mismatch, or fewer than two samples
/// ([`ModelError::UndefinedMetric`]).
pub fn r2_score<'a, 'b>(
    y_true: impl Into<ArrayView1<'a, f64>>,
    y_pred: impl Into<ArrayView1<'b, f64>>,
) -> Result<f64, ModelError> {
    r2(y_true.into(), y_pred.into(), None)
}

/// [`r2_score`] with sample weights `(s, Σs)` (checked): `1 − Σsᵢ(yᵢ − ŷᵢ)² / Σsᵢ(yᵢ − ȳ)²`
/// with `ȳ = Σsᵢyᵢ / Σsᵢ`, scikit-learn's `r2_score(…, sample_weight=s)`.
fn r2(
    y_true: ArrayView1<'_, f64>,
    y_pred: ArrayView1<'_, f64>,
    weight: Option<(&[f64], f64)>,
) -> Result<f64, ModelError> {
    check_pair(&y_true, &y_pred, "predictions")?;
    if y_true.len() < 2 {
        return Err(ModelError::UndefinedMetric {
            metric: "R²",
            reason: "it needs at least two samples",
        });
    }
    let (residual, total) = match weight {
        None => {
            let mean = y_true.sum() / y_true.len() as f64;
            let residual = Zip::from(&y_true)
                .and(&y_pred)
                .fold(0.0, |acc, &y, &p| acc + (y - p) * (y - p));
            let total = y_true.fold(0.0, |acc, &y| acc + (y - mean) * (y - mean));
            (residual, total)
        }
        Some((s, sum)) => {
            let mean = Zip::from(&y_true)
                .and(s)
                .fold(0.0, |acc, &y, &s| acc + s * y)
                / sum;
            let residual = Zip::from(&y_true)
                .and(&y_pred)
                .and(s)
                .fold(0.0, |acc, &y, &p, &s| acc + s * (y - p) * (y - p));
            let total = Zip::from(&y_true)
                .and(s)
                .fold(0.0, |acc, &y, &s| acc + s * (y - mean) * (y - mean));
            (residual, total)
        }
    };
    Ok(if total == 0.0 {
        if residual == 0.0 {
            1.0
        } else {
            0.0
        }
    } else {
        1.0 - residual / total
    })
}

fn mean_of(
    y_true: ArrayView1<'_, f64>,
    y_pred: ArrayView1<'_, f64>,
    loss: impl Fn(f64) -> f64,
) -> Result<f64, ModelError> {
    weighted_mean_of(y_true, y_pred, None, loss)
}

/// The mean of `loss(yᵢ − ŷᵢ)`, weighted by `(s, Σs)` when given.
fn weighted_mean_of(
    y_true: ArrayView1<'_, f64>,
    y_pred: ArrayView1<'_, f64>,
    weight: Option<(&[f64], f64)>,
    loss: impl Fn(f64) -> f64,
) -> Result<f64, ModelError> {
    check_pair(&y_true, &y_pred, "predictions")?;
    Ok(match weight {
        None => {
            let total = Zip::from(&y_true)
                .and(&y_pred)
                .fold(0.0, |acc, &y, &p| acc + loss(y - p));
            total / y_true.len() as f64
        }
        Some((s, sum)) => {
            let total = Zip::from(&y_true)
                .and(&y_pred)
                .and(s)
                .fold(0.0, |acc, &y, &p, &s| acc + s * loss(y - p));
            total / sum
        }
    })
}

/// The scores of a binary classifier on one data set, plain or weighted.
///
/// With sample weights (scikit-learn's `sample_weight=` in its metrics), accuracy, log loss,
/// precision, recall, F1 and the ROC AUC are the weighted ones, and
/// [`weighted_confusion_matrix`](Self::weighted_confusion_matrix) holds the weights' sums;
/// [`confusion_matrix`](Self::confusion_matrix) and [`samples`](Self::samples) still count
/// rows.
///
/// ```
/// use descent_models::metrics::ClassificationMetrics;
/// use ndarray::array;
/// let (y, predicted, p) = (array![0.0, 0.0, 1.0, 1.0], array![0.0, 1.0, 1.0, 1.0], array![0.2, 0.6, 0.9, 0.7]);
/// let plain = ClassificationMetrics::new(y.view(), predicted.view(), p.view())?;
/// assert_eq!(plain.accuracy, 0.75);
/// // Integer weights count as repeated rows: the second row twice.
/// let s = array![1.0, 2.0, 1.0, 1.0];
/// let weighted = ClassificationMetrics::weighted(y.view(), predicted.view(), p.view(), Some(s.view()))?;
/// assert_eq!(weighted.accuracy, 0.6);
/// assert_eq!(weighted.weighted_confusion_matrix, Some([[1.0, 2.0], [0.0, 2.0]]));
/// assert_eq!(weighted.precision, 0.5);
/// # Ok::<(), descent_models::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationMetrics {
    /// Number of samples scored.
    pub samples: usize,
    /// With sample weights: their sum, over which the means are taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_sum: Option<f64>,
    /// Fraction predicted correctly.
    pub accuracy: f64,
    /// Fraction misclassified.
    pub zero_one_loss: f64,
    /// Mean log loss of the predicted probabilities.
    pub log_loss: f64,
    /// Precision for the positive class.
    pub precision: f64,
    /// Recall for the positive class.
    pub recall: f64,
    /// F1 for the positive class.
    pub f1: f64,
    /// ROC AUC; `None` when only one class is present (with weights: has positive weight).
    pub roc_auc: Option<f64>,
    /// The outcome counts.
    pub confusion_matrix: ConfusionMatrix,
    /// With sample weights: `[[tn, fp], [fn, tp]]` as sums of the rows' weights (scikit-learn's
    /// `confusion_matrix(…, sample_weight=s)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weighted_confusion_matrix: Option<[[f64; 2]; 2]>,
}

impl ClassificationMetrics {
    /// All scores from labels, predicted labels and predicted probabilities (labels in {0, 1}).
    ///
    /// # Errors
    /// As the individual metrics.
    pub fn new(
        y_true: ArrayView1<'_, f64>,
        y_pred: ArrayView1<'_, f64>,
        probability: ArrayView1<'_, f64>,
    ) -> Result<Self, ModelError> {
        Self::weighted(y_true, y_pred, probability, None)
    }

    /// As [`new`](Self::new), each row weighted by its sample weight when `sample_weight` is
    /// given: `accuracy = Σᵢ sᵢ[ŷᵢ = yᵢ] / Σᵢ sᵢ`, the log loss `Σᵢ sᵢℓᵢ / Σᵢ sᵢ`, precision,
    /// recall and F1 from the weighted confusion matrix, the ROC AUC over pairs weighted
    /// `s₊·s₋`.
    ///
    /// # Errors
    /// As [`new`](Self::new), and weights that are not one per row, finite and `≥ 0` with a
    /// positive sum.
    pub fn weighted(
        y_true: ArrayView1<'_, f64>,
        y_pred: ArrayView1<'_, f64>,
        probability: ArrayView1<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
    ) -> Result<Self, ModelError> {
        let confusion_matrix = ConfusionMatrix::new(y_true, y_pred)?;
        let undefined_is_none = |auc: Result<f64, ModelError>| match auc {
            Ok(auc) => Ok(Some(auc)),
            Err(ModelError::UndefinedMetric { .. }) => Ok(None),
            Err(e) => Err(e),
        };
        let Some(weight) = sample_weight else {
            let accuracy = accuracy(y_true, y_pred)?;
            return Ok(ClassificationMetrics {
                samples: y_true.len(),
                weight_sum: None,
                accuracy,
                zero_one_loss: 1.0 - accuracy,
                log_loss: log_loss(y_true, probability)?,
                precision: confusion_matrix.precision(),
                recall: confusion_matrix.recall(),
                f1: confusion_matrix.f1(),
                roc_auc: undefined_is_none(roc_auc(y_true, probability))?,
                confusion_matrix,
                weighted_confusion_matrix: None,
            });
        };
        let (s, sum) = checked_sample_weight(weight, y_true.len())?;
        let mut m = [[0.0; 2]; 2];
        for ((&t, &p), &s) in y_true.iter().zip(&y_pred).zip(s.iter()) {
            m[usize::from(t == 1.0)][usize::from(p == 1.0)] += s;
        }
        let [[tn, fp], [fn_, tp]] = m;
        let accuracy = (tn + tp) / sum;
        let (precision, recall) = (fraction(tp, tp + fp), fraction(tp, tp + fn_));
        Ok(ClassificationMetrics {
            samples: y_true.len(),
            weight_sum: Some(sum),
            accuracy,
            zero_one_loss: 1.0 - accuracy,
            log_loss: log_loss_sum(y_true, probability, Some(&s))? / sum,
            precision,
            recall,
            f1: fraction(2.0 * tp, 2.0 * tp + fp + fn_),
            roc_auc: undefined_is_none(weighted_roc_auc(y_true, probability, &s))?,
            confusion_matrix,
            weighted_confusion_matrix: Some(m),
        })
    }
}

/// The scores of a multiclass classifier on one data set: scikit-learn's `accuracy_score`,
/// `log_loss`, `f1_score` (macro, micro and weighted averages, and per class with
/// `average=None`), `precision_score`, `recall_score` and `confusion_matrix`.
///
/// A class that is never predicted has precision 0, and one that never occurs has recall 0
/// (scikit-learn's `zero_division=0`, with which it warns); the macro average takes every class
/// of the model, present in the data or not.
///
/// ```
/// use descent_models::metrics::MulticlassMetrics;
/// use ndarray::array;
/// // Three rows, three classes: the last row's true class (2) is predicted as 1.
/// let p = array![[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.5, 0.4]];
/// let m = MulticlassMetrics::new(&[0, 1, 2], p.view())?;
/// assert_eq!(m.confusion_matrix, vec![vec![1, 0, 0], vec![0, 1, 0], vec![0, 1, 0]]);
/// assert!((m.accuracy - 2.0 / 3.0).abs() < 1e-15);
/// // F1 per class: 1, 2/3 (precision ½, recall 1), 0.
/// assert!((m.macro_f1 - (1.0 + 2.0 / 3.0) / 3.0).abs() < 1e-15);
/// assert!((m.log_loss - (-(0.8f64.ln() + 0.7f64.ln() + 0.4f64.ln()) / 3.0)).abs() < 1e-15);
/// # Ok::<(), descent_models::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MulticlassMetrics {
    /// Number of samples scored.
    pub samples: usize,
    /// With sample weights: their sum, over which the means are taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_sum: Option<f64>,
    /// Fraction predicted correctly (equal to micro-averaged precision, recall and F1).
    pub accuracy: f64,
    /// Fraction misclassified.
    pub zero_one_loss: f64,
    /// Mean of `−log P(true class)`, each probability clipped to `[ε, 1 − ε]`.
    pub log_loss: f64,
    /// Unweighted mean over the classes of precision.
    pub macro_precision: f64,
    /// Unweighted mean over the classes of recall.
    pub macro_recall: f64,
    /// Unweighted mean over the classes of F1.
    pub macro_f1: f64,
    /// F1 from the counts summed over classes (equal to the accuracy).
    pub micro_f1: f64,
    /// Mean over the classes of F1, weighted by each class's number of true rows (with sample
    /// weights: by their sum over the class's true rows).
    pub weighted_f1: f64,
    /// Precision, recall, F1 and support (true rows) of each class.
    pub per_class: Vec<ClassScores>,
    /// `K × K` counts: row = true class, column = predicted class (scikit-learn's layout).
    pub confusion_matrix: Vec<Vec<usize>>,
    /// With sample weights: the `K × K` sums of the rows' weights, laid out as
    /// [`confusion_matrix`](Self::confusion_matrix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weighted_confusion_matrix: Option<Vec<Vec<f64>>>,
}

/// One class's scores in [`MulticlassMetrics`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassScores {
    /// Of the rows predicted as this class, the fraction that are.
    pub precision: f64,
    /// Of the rows of this class, the fraction predicted as it.
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// Rows of this class (a count, weighted or not).
    pub support: usize,
}

impl MulticlassMetrics {
    /// All scores from each row's true class index (`0..K`) and its predicted probabilities
    /// (`N × K`); the predicted class is the most probable one (the first on a tie).
    ///
    /// # Errors
    /// No rows, a length mismatch, a class index not below `K`, or a probability outside
    /// `[0, 1]` (or NaN).
    pub fn new(
        truth: &[usize],
        probabilities: ndarray::ArrayView2<'_, f64>,
    ) -> Result<Self, ModelError> {
        Self::weighted(truth, probabilities, None)
    }

    /// As [`new`](Self::new), each row weighted by its sample weight when `sample_weight` is
    /// given (scikit-learn's `sample_weight=`): the confusion matrix, precision, recall and F1
    /// from sums of weights, accuracy and log loss as weighted means.
    ///
    /// ```
    /// use descent_models::metrics::MulticlassMetrics;
    /// use ndarray::array;
    /// let p = array![[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.5, 0.4]];
    /// let s = array![1.0, 1.0, 2.0];
    /// let m = MulticlassMetrics::weighted(&[0, 1, 2], p.view(), Some(s.view()))?;
    /// assert_eq!(m.accuracy, 0.5);
    /// assert_eq!(m.weighted_confusion_matrix, Some(vec![vec![1.0, 0.0, 0.0], vec![0.0, 1.0, 0.0], vec![0.0, 2.0, 0.0]]));
    /// # Ok::<(), descent_models::ModelError>(())
    /// ```
    ///
    /// # Errors
    /// As [`new`](Self::new), and weights that are not one per row, finite and `≥ 0` with a
    /// positive sum.
    pub fn weighted(
        truth: &[usize],
        probabilities: ndarray::ArrayView2<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
    ) -> Result<Self, ModelError> {
        let (n, k) = probabilities.dim();
        if n == 0 {
            return Err(ModelError::EmptyData("no rows to score"));
        }
        if truth.len() != n {
            return Err(ModelError::ShapeMismatch {
                what: "true classes (one per row of probabilities)",
                expected: n,
                found: truth.len(),
            });
        }
        if let Some(&bad) = truth.iter().find(|&&t| t >= k) {
            return Err(ModelError::InvalidParameter {
                name: "class index",
                value: bad as f64,
                reason: "must be below the number of classes",
            });
        }
        check_probabilities(probabilities.iter())?;
        let weight = sample_weight
            .map(|s| checked_sample_weight(s, n))
            .transpose()?;
        let weight_at = |i: usize| weight.as_ref().map_or(1.0, |(s, _)| s[i]);
        let mut counts = vec![vec![0usize; k]; k];
        let mut sums = vec![vec![0.0; k]; k];
        let eps = f64::EPSILON;
        let mut total_loss = 0.0;
        for (i, (row, &t)) in probabilities.rows().into_iter().zip(truth).enumerate() {
            let predicted = crate::multinomial::argmax(row);
            counts[t][predicted] += 1;
            let s = weight_at(i);
            sums[t][predicted] += s;
            total_loss -= s * row[t].clamp(eps, 1.0 - eps).ln();
        }
        let total = weight.as_ref().map_or(n as f64, |&(_, sum)| sum);
        let correct: f64 = (0..k).map(|c| sums[c][c]).sum();
        let accuracy = correct / total;
        let mut weighted_f1 = 0.0;
        let per_class: Vec<ClassScores> = (0..k)
            .map(|c| {
                let tp = sums[c][c];
                let predicted: f64 = (0..k).map(|t| sums[t][c]).sum();
                let support: f64 = sums[c].iter().sum();
                let (precision, recall) = (fraction(tp, predicted), fraction(tp, support));
                let f1 = if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                };
                weighted_f1 += f1 * support;
                ClassScores {
                    precision,
                    recall,
                    f1,
                    support: counts[c].iter().sum(),
                }
            })
            .collect();
        let mean = |f: fn(&ClassScores) -> f64| per_class.iter().map(f).sum::<f64>() / k as f64;
        Ok(MulticlassMetrics {
            samples: n,
            weight_sum: weight.as_ref().map(|&(_, sum)| sum),
            accuracy,
            zero_one_loss: 1.0 - accuracy,
            log_loss: total_loss / total,
            macro_precision: mean(|s| s.precision),
            macro_recall: mean(|s| s.recall),
            macro_f1: mean(|s| s.f1),
            micro_f1: accuracy,
            weighted_f1: weighted_f1 / total,
            per_class,
            confusion_matrix: counts,
            weighted_confusion_matrix: weight.is_some().then_some(sums),
        })
    }
}

/// The scores of a regression model on one data set, plain or weighted.
///
/// ```
/// use descent_models::metrics::RegressionMetrics;
/// use ndarray::array;
/// let (y, y_hat) = (array![1.0, 2.0, 4.0], array![1.0, 3.0, 3.0]);
/// let s = array![2.0, 1.0, 1.0];
/// let m = RegressionMetrics::weighted(y.view(), y_hat.view(), Some(s.view()))?;
/// assert_eq!(m.mse, 0.5);
/// assert_eq!(m.weight_sum, Some(4.0));
/// # Ok::<(), descent_models::ModelError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RegressionMetrics {
    /// Number of samples scored.
    pub samples: usize,
    /// With sample weights: their sum, over which the means are taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_sum: Option<f64>,
    /// Mean squared error.
    pub mse: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Coefficient of determination; `None` with fewer than two samples, where it is
    /// undefined.
    pub r2: Option<f64>,
}

impl RegressionMetrics {
    /// All scores from targets and predictions.
    ///
    /// # Errors
    /// Empty targets or a length mismatch.
    pub fn new(
        y_true: ArrayView1<'_, f64>,
        y_pred: ArrayView1<'_, f64>,
    ) -> Result<Self, ModelError> {
        Self::weighted(y_true, y_pred, None)
    }

    /// As [`new`](Self::new), each row weighted by its sample weight when `sample_weight` is
    /// given: MSE and MAE as weighted means, R² with weighted sums of squares about the
    /// weighted mean (scikit-learn's `sample_weight=`).
    ///
    /// # Errors
    /// As [`new`](Self::new), and weights that are not one per row, finite and `≥ 0` with a
    /// positive sum.
    pub fn weighted(
        y_true: ArrayView1<'_, f64>,
        y_pred: ArrayView1<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
    ) -> Result<Self, ModelError> {
        check_pair(&y_true, &y_pred, "predictions")?;
        let weight = sample_weight
            .map(|s| checked_sample_weight(s, y_true.len()))
            .transpose()?;
        let weight = weight.as_ref().map(|(s, sum)| (&**s, *sum));
        let mse = weighted_mean_of(y_true, y_pred, weight, |d| d * d)?;
        Ok(RegressionMetrics {
            samples: y_true.len(),
            weight_sum: weight.map(|(_, sum)| sum),
            mse,
            rmse: mse.sqrt(),
            mae: weighted_mean_of(y_true, y_pred, weight, f64::abs)?,
            r2: match r2(y_true, y_pred, weight) {
                Ok(r2) => Some(r2),
                Err(ModelError::UndefinedMetric { .. }) => None,
                Err(e) => return Err(e),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn auc_handles_ties_and_needs_both_classes() {
        // All scores tied: AUC is exactly one half.
        let auc = roc_auc(&array![0.0, 1.0, 0.0, 1.0], &array![0.5, 0.5, 0.5, 0.5]).unwrap();
        assert_eq!(auc, 0.5);
        // Perfect ranking.
        assert_eq!(
            roc_auc(&array![0.0, 0.0, 1.0], &array![0.1, 0.2, 0.9]).unwrap(),
            1.0
        );
        assert!(matches!(
            roc_auc(&array![1.0, 1.0], &array![0.1, 0.2]),
            Err(ModelError::UndefinedMetric { .. })
        ));
    }

    #[test]
    fn auc_counts_every_pair() {
        // Against the definition, pair by pair: many ties, −0 and +0, infinities.
        let n = 2_000;
        let y = ndarray::Array1::from_shape_fn(n, |i| f64::from((i * 7 + i / 3) % 5 < 2));
        let levels = [f64::NEG_INFINITY, -0.0, 0.0, 0.25, 0.5, 1.0, f64::INFINITY];
        let score = ndarray::Array1::from_shape_fn(n, |i| match i % 3 {
            0 => levels[(i * 11) % levels.len()],
            _ => ((i * 37) % 101) as f64 / 101.0,
        });
        let (mut pairs, mut twice) = (0u64, 0u64);
        for (yi, si) in y.iter().zip(&score) {
            for (yj, sj) in y.iter().zip(&score) {
                if *yi == 1.0 && *yj == 0.0 {
                    pairs += 1;
                    twice += if si > sj { 2 } else { u64::from(si == sj) };
                }
            }
        }
        let expected = twice as f64 / (2 * pairs) as f64;
        assert_eq!(roc_auc(&y, &score).unwrap(), expected);
    }

    #[test]
    fn precision_recall_f1_are_zero_when_undefined() {
        let m = ConfusionMatrix::new(&array![0.0, 0.0], &array![0.0, 0.0]).unwrap();
        assert_eq!((m.precision(), m.recall(), m.f1()), (0.0, 0.0, 0.0));
        assert!(ConfusionMatrix::new(&array![0.0, 2.0], &array![0.0, 0.0]).is_err());
    }

    #[test]
    fn r2_of_constant_targets_follows_scikit_learn() {
        assert_eq!(r2_score(&array![1.0, 1.0], &array![1.0, 1.0]).unwrap(), 1.0);
        assert_eq!(r2_score(&array![1.0, 1.0], &array![1.0, 2.0]).unwrap(), 0.0);
    }

    #[test]
    fn r2_of_one_sample_is_undefined() {
        assert!(matches!(
            r2_score(&array![3.0], &array![3.0]),
            Err(ModelError::UndefinedMetric { .. })
        ));
        let m = RegressionMetrics::new(array![3.0].view(), array![3.0].view()).unwrap();
        assert_eq!(m.r2, None);
        assert_eq!(m.mse, 0.0);
    }

    #[test]
    fn log_loss_is_finite_for_confident_mistakes() {
        let loss = log_loss(&array![1.0, 0.0], &array![0.0, 1.0]).unwrap();
        assert!(loss.is_finite() && loss > 30.0);
        assert!(log_loss(&array![1.0], &array![1.5]).is_err());
    }
}
