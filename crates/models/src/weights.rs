//! How much each training row counts: scikit-learn's `sample_weight` (one weight per row,
//! given to a fit) and `class_weight` (one weight per class, a setting of the classifier),
//! multiplied into one weight per row.

use crate::ModelError;
use descent_objectives::{row_total, ObjectiveError, RowShare};
use ndarray::{ArrayView1, CowArray, Ix1};
use serde::{Deserialize, Serialize};

/// Weights of the classes of a classifier (scikit-learn's `class_weight`): each row's loss is
/// multiplied by its class's weight (and by its sample weight, when the fit is given some).
///
/// ```
/// use descent_models::{ClassWeight, LogisticRegression};
/// use ndarray::array;
/// let x = array![[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]];
/// let y = array![0.0, 0.0, 0.0, 0.0, 1.0, 1.0];
/// let plain = LogisticRegression::new().fit(x.view(), y.view())?;
/// let balanced = LogisticRegression::new()
///     .class_weight(ClassWeight::Balanced)
///     .fit(x.view(), y.view())?;
/// // The rare class counts twice as much as in the plain fit, relative to the other: more of
/// // the rows are predicted positive.
/// assert!(balanced.predict_proba(x.view())?[3] > plain.predict_proba(x.view())?[3]);
/// # Ok::<(), descent_models::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassWeight {
    /// `W / (K·W_k)`: the total weight `W` of the rows over the number of classes `K` times the
    /// total weight `W_k` of the rows of class `k` (without sample weights, `N/(K·n_k)`), so
    /// that every class weighs the same in the loss. scikit-learn's `"balanced"` (since 1.6
    /// it counts sample weights in `W_k`, as here).
    Balanced,
    /// The weight of each listed class label; classes not listed weigh 1. scikit-learn's
    /// `{label: weight}` dictionary.
    Given(Vec<(f64, f64)>),
}

impl ClassWeight {
    /// Each row's weight under these class weights for labels `y` (the classes are the
    /// distinct labels, increasing), times its sample weight when `sample_weight` is given:
    /// the weight a fit multiplies into the row's loss.
    ///
    /// ```
    /// use descent_models::ClassWeight;
    /// use ndarray::array;
    /// let y = array![0.0, 0.0, 0.0, 1.0];
    /// let w = ClassWeight::Balanced.row_weights(y.view(), None)?;
    /// assert_eq!(w.to_vec(), [4.0 / 6.0, 4.0 / 6.0, 4.0 / 6.0, 2.0]);
    /// let given = ClassWeight::Given(vec![(1.0, 5.0)]);
    /// let s = array![1.0, 2.0, 1.0, 0.5];
    /// assert_eq!(given.row_weights(y.view(), Some(s.view()))?.to_vec(), [1.0, 2.0, 1.0, 2.5]);
    /// # Ok::<(), descent_models::ModelError>(())
    /// ```
    ///
    /// # Errors
    /// A label that is NaN, a given label that is not a class, a weight that is negative or
    /// not finite, and sample weights of another length.
    pub fn row_weights(
        &self,
        y: ArrayView1<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
    ) -> Result<ndarray::Array1<f64>, ModelError> {
        if let Some(&value) = y.iter().find(|v| v.is_nan()) {
            return Err(ModelError::InvalidParameter {
                name: "label",
                value,
                reason: "labels must not be NaN",
            });
        }
        let mut classes = y.to_vec();
        classes.sort_by(f64::total_cmp);
        classes.dedup();
        let class_of: Vec<usize> = y
            .iter()
            .map(|v| classes.partition_point(|c| c < v))
            .collect();
        let weights = row_weights(sample_weight, Some(self), &classes, &class_of)?;
        Ok(weights.map_or_else(|| ndarray::Array1::ones(y.len()), CowArray::into_owned))
    }

    /// [`row_weights`](Self::row_weights) of this process's share of rows shared among
    /// processes: the classes are given (every share's, increasing), and balanced weights take
    /// the classes' totals over every share. Every process must call it.
    ///
    /// # Errors
    /// As [`row_weights`](Self::row_weights), and a label that is not one of `classes`.
    pub fn shared_row_weights(
        &self,
        y: ArrayView1<'_, f64>,
        classes: &[f64],
        sample_weight: Option<ArrayView1<'_, f64>>,
        share: &RowShare,
    ) -> Result<ndarray::Array1<f64>, ModelError> {
        let mut class_of = Vec::with_capacity(y.len());
        let mut unknown = None;
        for &v in &y {
            match classes.iter().position(|&c| c == v) {
                Some(k) => class_of.push(k),
                None => {
                    unknown = Some(ModelError::UnknownClass {
                        value: v,
                        classes: classes.to_vec(),
                    });
                    break;
                }
            }
        }
        if let Some(rank) = share.first_failure(unknown.is_some()) {
            return Err(unknown.unwrap_or(ObjectiveError::PeerFailed { rank }.into()));
        }
        let weights =
            shared_row_weights(sample_weight, Some(self), classes, &class_of, Some(share))?;
        Ok(weights.map_or_else(|| ndarray::Array1::ones(y.len()), CowArray::into_owned))
    }

    /// The weight of each of `classes` (increasing labels) for rows whose class indices are
    /// `class_of` with sample weights `sample` (`None`: ones).
    ///
    /// With rows shared among processes (`share`), the classes' totals are carried along the
    /// processes in row order: the additions of one process over all the rows.
    fn per_class(
        &self,
        classes: &[f64],
        class_of: &[usize],
        sample: Option<&[f64]>,
        share: Option<&RowShare>,
    ) -> Result<Vec<f64>, ModelError> {
        match self {
            ClassWeight::Balanced => {
                let add_rows = |mut totals: Vec<f64>| {
                    totals.resize(classes.len(), 0.0);
                    for (i, &c) in class_of.iter().enumerate() {
                        totals[c] += sample.map_or(1.0, |s| s[i]);
                    }
                    totals
                };
                let totals = match share {
                    None => add_rows(Vec::new()),
                    Some(share) => share.fold(|before| add_rows(before.unwrap_or_default())),
                };
                let total: f64 = totals.iter().sum();
                let k = classes.len() as f64;
                // A class whose rows all weigh 0 contributes nothing, whatever its weight.
                Ok(totals
                    .iter()
                    .map(|&t| if t > 0.0 { total / (k * t) } else { 1.0 })
                    .collect())
            }
            ClassWeight::Given(pairs) => {
                let mut weights = vec![1.0; classes.len()];
                for &(label, weight) in pairs {
                    let Some(at) = classes.iter().position(|&c| c == label) else {
                        return Err(ModelError::UnknownClass {
                            value: label,
                            classes: classes.to_vec(),
                        });
                    };
                    if !(weight.is_finite() && weight >= 0.0) {
                        return Err(ModelError::InvalidParameter {
                            name: "class_weight",
                            value: weight,
                            reason: "must be finite and non-negative",
                        });
                    }
                    weights[at] = weight;
                }
                Ok(weights)
            }
        }
    }
}

/// Each row's weight: its sample weight (when given) times its class's weight (when the
/// classifier has class weights); `None` when neither is given (every row weighs 1). The
/// sample weights alone are borrowed, not copied.
///
/// The sample weights are checked by the loss that takes the result (one per row, finite,
/// `≥ 0`, a positive sum); a class weight is checked here.
pub(crate) fn row_weights<'w>(
    sample_weight: Option<ArrayView1<'w, f64>>,
    class_weight: Option<&ClassWeight>,
    classes: &[f64],
    class_of: &[usize],
) -> Result<Option<CowArray<'w, f64, Ix1>>, ModelError> {
    shared_row_weights(sample_weight, class_weight, classes, class_of, None)
}

/// [`row_weights`] of this process's share of rows shared among processes (`share`), or of
/// all the rows (`None`): the same weights, the balanced classes' totals taken over every
/// share. Every process must call it when the rows are shared.
pub(crate) fn shared_row_weights<'w>(
    sample_weight: Option<ArrayView1<'w, f64>>,
    class_weight: Option<&ClassWeight>,
    classes: &[f64],
    class_of: &[usize],
    share: Option<&RowShare>,
) -> Result<Option<CowArray<'w, f64, Ix1>>, ModelError> {
    let Some(class_weight) = class_weight else {
        return Ok(sample_weight.map(CowArray::from));
    };
    let sample = sample_weight.map(|s| s.to_vec());
    let shape = match &sample {
        Some(s) if s.len() != class_of.len() => Err(ModelError::ShapeMismatch {
            what: "sample weights (one per row of the feature matrix)",
            expected: class_of.len(),
            found: s.len(),
        }),
        _ => Ok(()),
    };
    if let Some(rank) = share.and_then(|share| share.first_failure(shape.is_err())) {
        shape?;
        return Err(ObjectiveError::PeerFailed { rank }.into());
    }
    shape?;
    let per_class = class_weight.per_class(classes, class_of, sample.as_deref(), share)?;
    let weights: ndarray::Array1<f64> = class_of
        .iter()
        .enumerate()
        .map(|(i, &c)| sample.as_ref().map_or(1.0, |s| s[i]) * per_class[c])
        .collect();
    Ok(Some(weights.into()))
}

/// `Σᵢ sᵢvᵢ / Σᵢ sᵢ` (the plain mean without weights), each total added in row order
/// ([`row_total`]), over every share when the rows are shared among processes (`share`; every
/// process must call it with its own rows): the same bits for any number of processes. The
/// sparse fits start their intercept from it.
pub(crate) fn weighted_mean(
    values: ArrayView1<'_, f64>,
    weights: Option<ArrayView1<'_, f64>>,
    share: Option<&RowShare>,
) -> f64 {
    let total = |v: Vec<f64>| row_total(&v, share);
    match weights {
        Some(s) => total(values.iter().zip(s).map(|(v, s)| s * v).collect()) / total(s.to_vec()),
        None => {
            let n = share.map_or(values.len(), RowShare::total_rows);
            total(values.to_vec()) / n as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_weights_are_scikit_learns() {
        // Classes of 3 and 1 rows: N/(K·n_k) = 4/6 and 4/2.
        let w = row_weights(
            None,
            Some(&ClassWeight::Balanced),
            &[0.0, 1.0],
            &[0, 0, 0, 1],
        )
        .unwrap()
        .unwrap();
        assert_eq!(w.to_vec(), vec![4.0 / 6.0, 4.0 / 6.0, 4.0 / 6.0, 2.0]);
        // With sample weights, the classes' totals are weighted: W = 6, W_0 = 2, W_1 = 4.
        let s = ndarray::array![1.0, 1.0, 0.0, 4.0];
        let w = row_weights(
            Some(s.view()),
            Some(&ClassWeight::Balanced),
            &[0.0, 1.0],
            &[0, 0, 0, 1],
        )
        .unwrap()
        .unwrap();
        assert_eq!(w.to_vec(), vec![1.5, 1.5, 0.0, 4.0 * 0.75]);
    }

    #[test]
    fn given_weights_apply_to_their_labels_and_refuse_others() {
        let given = ClassWeight::Given(vec![(5.0, 3.0)]);
        let w = row_weights(None, Some(&given), &[2.0, 5.0], &[0, 1, 1])
            .unwrap()
            .unwrap();
        assert_eq!(w.to_vec(), vec![1.0, 3.0, 3.0]);
        let unknown = ClassWeight::Given(vec![(7.0, 3.0)]);
        let e = row_weights(None, Some(&unknown), &[2.0, 5.0], &[0, 1]).unwrap_err();
        assert!(matches!(e, ModelError::UnknownClass { value, .. } if value == 7.0));
        let negative = ClassWeight::Given(vec![(2.0, -1.0)]);
        assert!(row_weights(None, Some(&negative), &[2.0, 5.0], &[0, 1]).is_err());
        assert!(row_weights(None, None, &[2.0, 5.0], &[0, 1])
            .unwrap()
            .is_none());
    }
}
