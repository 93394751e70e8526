//! Losses for evaluating a classifier, not for training it.

use crate::ObjectiveError;
use ndarray::{ArrayView1, Zip};

fn check_pair(
    truth: &ArrayView1<'_, f64>,
    other: &ArrayView1<'_, f64>,
    what: &'static str,
) -> Result<(), ObjectiveError> {
    if truth.is_empty() {
        return Err(ObjectiveError::EmptyData("no labels to score"));
    }
    if other.len() != truth.len() {
        return Err(ObjectiveError::ShapeMismatch {
            what,
            expected: truth.len(),
            found: other.len(),
        });
    }
    Ok(())
}

/// The fraction of labels predicted correctly: `(1/N) Σᵢ [ŷᵢ = yᵢ]`.
///
/// ```
/// use descent_objectives::metrics::accuracy;
/// use ndarray::array;
/// assert_eq!(accuracy(&array![1.0, 0.0, 1.0, 1.0], &array![1.0, 1.0, 1.0, 0.0])?, 0.5);
/// # Ok::<(), descent_objectives::ObjectiveError>(())
/// ```
///
/// # Errors
/// Empty labels or a length mismatch.
pub fn accuracy<'a>(
    y_true: impl Into<ArrayView1<'a, f64>>,
    y_pred: impl Into<ArrayView1<'a, f64>>,
) -> Result<f64, ObjectiveError> {
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
/// use descent_objectives::metrics::zero_one_loss;
/// use ndarray::array;
/// assert_eq!(zero_one_loss(&array![1.0, 0.0, 1.0, 1.0], &array![1.0, 1.0, 1.0, 1.0])?, 0.25);
/// # Ok::<(), descent_objectives::ObjectiveError>(())
/// ```
///
/// # Errors
/// Empty labels or a length mismatch.
pub fn zero_one_loss<'a>(
    y_true: impl Into<ArrayView1<'a, f64>>,
    y_pred: impl Into<ArrayView1<'a, f64>>,
) -> Result<f64, ObjectiveError> {
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
/// use descent_objectives::metrics::log_loss;
/// use ndarray::array;
/// assert!((log_loss(&array![1.0], &array![0.96])? - 0.041).abs() < 1e-3);
/// assert!((log_loss(&array![1.0], &array![0.014])? - 4.27).abs() < 1e-2);
/// # Ok::<(), descent_objectives::ObjectiveError>(())
/// ```
///
/// # Errors
/// Empty labels, a length mismatch, a label other than 0 or 1, or a probability outside
/// `[0, 1]` (or NaN).
pub fn log_loss<'a>(
    y_true: impl Into<ArrayView1<'a, f64>>,
    probability: impl Into<ArrayView1<'a, f64>>,
) -> Result<f64, ObjectiveError> {
    let (y_true, probability) = (y_true.into(), probability.into());
    check_pair(&y_true, &probability, "predicted probabilities")?;
    if let Some(row) = y_true.iter().position(|&v| v != 0.0 && v != 1.0) {
        return Err(ObjectiveError::NonBinaryLabel {
            row,
            value: y_true[row],
        });
    }
    if let Some(row) = probability.iter().position(|p| !(0.0..=1.0).contains(p)) {
        return Err(ObjectiveError::InvalidParameter {
            name: "probability",
            value: probability[row],
            reason: "probabilities must lie in [0, 1]",
        });
    }
    let eps = f64::EPSILON;
    let total = Zip::from(&y_true)
        .and(&probability)
        .fold(0.0, |acc, &y, &p| {
            let p = p.clamp(eps, 1.0 - eps);
            acc - (y * p.ln() + (1.0 - y) * (1.0 - p).ln())
        });
    Ok(total / y_true.len() as f64)
}
