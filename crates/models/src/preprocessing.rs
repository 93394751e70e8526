//! Standardization and a seeded train/test split.

use crate::error::check_finite_features;
use crate::ModelError;
use descent_objectives::{ColumnStatistics, Element, Features};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, Zip};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Standardizes features to mean 0 and variance 1, as scikit-learn's `StandardScaler`:
/// `x̃ⱼ = (xⱼ − meanⱼ) / scaleⱼ`, with the population standard deviation as the scale, and
/// constant columns left unscaled (scale 1).
///
/// ```
/// use descent_models::StandardScaler;
/// use ndarray::array;
/// let x = array![[1.0, 10.0], [3.0, 10.0], [5.0, 10.0]];
/// let scaler = StandardScaler::fit(x.view())?;
/// assert_eq!(scaler.mean, array![3.0, 10.0]);
/// let z = scaler.transform(x.view())?;
/// assert!((z[[0, 0]] + 1.224744871391589).abs() < 1e-15); // (1 − 3)/√(8/3)
/// assert_eq!(z.column(1), array![0.0, 0.0, 0.0]);
/// # Ok::<(), descent_models::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardScaler {
    /// The mean of each feature.
    #[serde(with = "crate::plain_json::vector")]
    pub mean: Array1<f64>,
    /// The divisor of each feature: its population standard deviation, or 1 when constant.
    #[serde(with = "crate::plain_json::vector")]
    pub scale: Array1<f64>,
}

impl StandardScaler {
    /// Learns the mean and scale of each column of `x`.
    ///
    /// # Errors
    /// Empty or non-finite data.
    pub fn fit<'x>(x: impl Into<Features<'x>>) -> Result<Self, ModelError> {
        let x = x.into();
        let stats = ColumnStatistics::of(&x)?;
        // The scan runs only to find the value (or finds none: finite values whose squares
        // overflow).
        if !stats.proves_finite() {
            check_finite_features(&x)?;
        }
        Ok(StandardScaler {
            scale: stats.scale(),
            mean: stats.mean,
        })
    }

    /// The number of features the scaler was fitted on.
    pub fn n_features(&self) -> usize {
        self.mean.len()
    }

    /// A standardized copy of `x`.
    ///
    /// # Errors
    /// Another number of columns than the scaler was fitted on.
    pub fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, ModelError> {
        let mut out = x.to_owned();
        self.transform_in_place(&mut out)?;
        Ok(out)
    }

    /// Standardizes `x` in place, without a copy (each value computed in `f64` and stored
    /// back rounded to `T`).
    ///
    /// # Errors
    /// Another number of columns than the scaler was fitted on.
    pub fn transform_in_place<T: Element>(&self, x: &mut Array2<T>) -> Result<(), ModelError> {
        if x.ncols() != self.n_features() {
            return Err(ModelError::ShapeMismatch {
                what: "the feature matrix (columns)",
                expected: self.n_features(),
                found: x.ncols(),
            });
        }
        for mut row in x.rows_mut() {
            Zip::from(&mut row)
                .and(&self.mean)
                .and(&self.scale)
                .for_each(|v, &m, &s| *v = T::from_f64(((*v).into() - m) / s));
        }
        Ok(())
    }
}

/// The four parts of a train/test split (the features stored as `T`).
#[derive(Debug, Clone)]
pub struct Split<T = f64> {
    /// Training features.
    pub x_train: Array2<T>,
    /// Test features.
    pub x_test: Array2<T>,
    /// Training targets.
    pub y_train: Array1<f64>,
    /// Test targets.
    pub y_test: Array1<f64>,
}

/// Holds out a random `⌈test_size·N⌉` of the rows for testing, as scikit-learn's
/// `train_test_split` sizes it; the rest are for training.
///
/// Which rows are held out is decided by shuffling with a seeded generator: the same seed gives
/// the same split on every platform and in every version of descent (the generator is ChaCha8,
/// whose output is fixed by its specification). Within each part, rows keep the order they had
/// in `x`. The split itself is not scikit-learn's (its generator is numpy's).
///
/// ```
/// use descent_models::train_test_split;
/// use ndarray::{Array1, Array2};
/// let x = Array2::from_shape_fn((10, 2), |(i, j)| (i * 2 + j) as f64);
/// let y = Array1::from_shape_fn(10, |i| i as f64);
/// let split = train_test_split(x.view(), y.view(), 0.2, 42)?;
/// assert_eq!((split.x_train.nrows(), split.x_test.nrows()), (8, 2));
/// assert_eq!(split.x_test[[0, 0]], 2.0 * split.y_test[0]); // rows stay paired
/// # Ok::<(), descent_models::ModelError>(())
/// ```
///
/// # Errors
/// `test_size` outside `(0, 1)`, a length mismatch, or a split that would leave either part
/// empty.
pub fn train_test_split(
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    test_size: f64,
    seed: u64,
) -> Result<Split, ModelError> {
    let (train, test) = split_rows(x.nrows(), y.len(), test_size, seed)?;
    Ok(Split {
        x_train: x.select(Axis(0), &train),
        x_test: x.select(Axis(0), &test),
        y_train: y.select(Axis(0), &train),
        y_test: y.select(Axis(0), &test),
    })
}

/// The same split as [`train_test_split`], taking ownership of the data so that the training
/// rows are compacted in place: the only new allocation is the test part, so the peak memory
/// is `x` plus the test rows rather than twice `x`.
///
/// ```
/// use descent_models::{train_test_split, train_test_split_owned};
/// use ndarray::{Array1, Array2};
/// let x = Array2::from_shape_fn((50, 3), |(i, j)| (i * 3 + j) as f64);
/// let y = Array1::from_shape_fn(50, |i| i as f64);
/// let by_view = train_test_split(x.view(), y.view(), 0.3, 1)?;
/// let owned = train_test_split_owned(x, y, 0.3, 1)?;
/// assert_eq!(owned.x_train, by_view.x_train);
/// assert_eq!(owned.y_test, by_view.y_test);
/// # Ok::<(), descent_models::ModelError>(())
/// ```
///
/// # Errors
/// As [`train_test_split`].
pub fn train_test_split_owned<T: Element>(
    x: Array2<T>,
    y: Array1<f64>,
    test_size: f64,
    seed: u64,
) -> Result<Split<T>, ModelError> {
    let (train, test) = split_rows(x.nrows(), y.len(), test_size, seed)?;
    let x_test = x.select(Axis(0), &test);
    let y_test = y.select(Axis(0), &test);
    let y_train = y.select(Axis(0), &train);
    let p = x.ncols();
    let x = if x.is_standard_layout() {
        x
    } else {
        x.as_standard_layout().into_owned()
    };
    let (mut values, offset) = x.into_raw_vec_and_offset();
    let start = offset.unwrap_or(0);
    // Training rows are in increasing order, so row `r` moves to slot `k ≤ r`: copying in
    // order never overwrites a row still to be moved.
    for (k, &r) in train.iter().enumerate() {
        values.copy_within(start + r * p..start + (r + 1) * p, k * p);
    }
    values.truncate(train.len() * p);
    let x_train = Array2::from_shape_vec((train.len(), p), values)
        .map_err(|_| ModelError::EmptyData("the training rows could not be reshaped"))?;
    Ok(Split {
        x_train,
        x_test,
        y_train,
        y_test,
    })
}

/// The training and test row indices, each in increasing order.
fn split_rows(
    n: usize,
    targets: usize,
    test_size: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>), ModelError> {
    if targets != n {
        return Err(ModelError::ShapeMismatch {
            what: "targets (one per row)",
            expected: n,
            found: targets,
        });
    }
    split_indices(n, test_size, seed)
}

/// The training and test row indices of a split of `n` rows, each in increasing order: the
/// split of [`train_test_split`].
///
/// # Errors
/// `test_size` outside `(0, 1)`, or a split that would leave either part empty.
pub fn split_indices(
    n: usize,
    test_size: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>), ModelError> {
    if !(test_size > 0.0 && test_size < 1.0) {
        return Err(ModelError::InvalidParameter {
            name: "test_size",
            value: test_size,
            reason: "must lie strictly between 0 and 1",
        });
    }
    let n_test = (test_size * n as f64).ceil() as usize;
    if n_test == 0 || n_test >= n {
        return Err(ModelError::EmptyData(
            "the split leaves no rows for training or for testing",
        ));
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let (test, train) = order.split_at_mut(n_test);
    test.sort_unstable();
    train.sort_unstable();
    Ok((train.to_vec(), test.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn split_is_reproducible_and_a_partition() {
        let x = Array2::from_shape_fn((50, 1), |(i, _)| i as f64);
        let y = Array1::from_shape_fn(50, |i| i as f64);
        let a = train_test_split(x.view(), y.view(), 0.3, 7).unwrap();
        let b = train_test_split(x.view(), y.view(), 0.3, 7).unwrap();
        let c = train_test_split(x.view(), y.view(), 0.3, 8).unwrap();
        assert_eq!(a.y_test, b.y_test);
        assert_ne!(a.y_test, c.y_test);
        assert_eq!(a.y_test.len(), 15);
        // Rows stay paired and in their original order within each part.
        assert!(a.y_train.windows(2).into_iter().all(|w| w[0] < w[1]));
        assert_eq!(a.x_train.column(0), a.y_train);
        let mut all: Vec<f64> = a.y_train.iter().chain(a.y_test.iter()).copied().collect();
        all.sort_by(f64::total_cmp);
        assert_eq!(all, y.to_vec());
    }

    #[test]
    fn bad_split_sizes_are_errors() {
        let x = array![[1.0], [2.0]];
        let y = array![0.0, 1.0];
        for size in [0.0, 1.0, -0.5, f64::NAN] {
            assert!(train_test_split(x.view(), y.view(), size, 0).is_err());
        }
        assert!(train_test_split(x.view(), y.view(), 0.9, 0).is_err());
    }

    #[test]
    fn scaler_rejects_other_widths_and_bad_values() {
        let scaler = StandardScaler::fit(array![[1.0, 2.0], [3.0, 5.0]].view()).unwrap();
        assert!(scaler.transform(array![[1.0]].view()).is_err());
        assert!(StandardScaler::fit(array![[f64::NAN]].view()).is_err());
    }
}
