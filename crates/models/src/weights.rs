//! How much each training row counts: scikit-learn's `sample_weight` (one weight per row,
//! given to a fit) and `class_weight` (one weight per class, a setting of the classifier),
//! multiplied into one weight per row.

use crate::ModelError;
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

    /// The weight of each of `classes` (increasing labels) for rows whose class indices are
    /// `class_of` with sample weights `sample` (`None`: ones).
    fn per_class(
        &self,
        classes: &[f64],
        class_of: &[usize],
        sample: Option<&[f64]>,
    ) -> Result<Vec<f64>, ModelError> {
        match self {
            ClassWeight::Balanced => {
                let mut totals = vec![0.0; classes.len()];
                for (i, &c) in class_of.iter().enumerate() {
                    totals[c] += sample.map_or(1.0, |s| s[i]);
                }
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
    let Some(class_weight) = class_weight else {
        return Ok(sample_weight.map(CowArray::from));
    };
    let sample = sample_weight.map(|s| s.to_vec());
    if let Some(s) = &sample {
        if s.len() != class_of.len() {
            return Err(ModelError::ShapeMismatch {
                what: "sample weights (one per row of the feature matrix)",
                expected: class_of.len(),
                found: s.len(),
            });
        }
    }
    let per_class = class_weight.per_class(classes, class_of, sample.as_deref())?;
    let weights: ndarray::Array1<f64> = class_of
        .iter()
        .enumerate()
        .map(|(i, &c)| sample.as_ref().map_or(1.0, |s| s[i]) * per_class[c])
        .collect();
    Ok(Some(weights.into()))
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
