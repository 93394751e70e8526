//! Folds for k-fold cross-validation: seeded and shuffled, stratified by class for
//! classifiers, or taken from a column of fold ids so that results can be compared exactly
//! with another tool given the same folds.

use crate::ModelError;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// An assignment of rows to `k` folds: `fold[i]` is the fold of row `i`, each fold non-empty.
/// Fold `f` is held out in turn; the model is fitted on the others.
///
/// ```
/// use descent_models::Folds;
/// use ndarray::array;
/// let y = array![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
/// let folds = Folds::stratified(y.view(), 2, 42)?;
/// // Each fold holds half of each class.
/// for f in 0..2 {
///     let held_out = folds.held_out(f);
///     assert_eq!(held_out.len(), 4);
///     assert_eq!(held_out.iter().filter(|&&i| y[i] == 1.0).count(), 2);
/// }
/// # Ok::<(), descent_models::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folds {
    fold: Vec<usize>,
    k: usize,
}

impl Folds {
    /// `k` folds of `n` rows, shuffled by `seed`, of sizes differing by at most one
    /// (scikit-learn's `KFold(k, shuffle=True)`, with another random generator).
    ///
    /// # Errors
    /// `k` below 2, or more folds than rows.
    pub fn shuffled(n: usize, k: usize, seed: u64) -> Result<Self, ModelError> {
        check_count(n, k)?;
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        let mut fold = vec![0; n];
        // Contiguous runs of the shuffled order: the first n mod k folds one row larger.
        let (base, extra) = (n / k, n % k);
        let mut start = 0;
        for f in 0..k {
            let size = base + usize::from(f < extra);
            for &i in &order[start..start + size] {
                fold[i] = f;
            }
            start += size;
        }
        Ok(Folds { fold, k })
    }

    /// `k` folds in which each class keeps its share of the rows (scikit-learn's
    /// `StratifiedKFold(k, shuffle=True)`, with another random generator): the rows of each
    /// class are shuffled by `seed` and dealt to the folds in turn, continuing from where the
    /// previous class stopped, so that fold sizes differ by at most one.
    ///
    /// # Errors
    /// `k` below 2, more folds than rows, or a class with fewer rows than folds (some fold
    /// would hold none of it, and a classifier fitted without it is undefined).
    pub fn stratified(y: ArrayView1<'_, f64>, k: usize, seed: u64) -> Result<Self, ModelError> {
        let n = y.len();
        check_count(n, k)?;
        let mut classes: Vec<f64> = y.to_vec();
        classes.sort_by(f64::total_cmp);
        classes.dedup();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut fold = vec![0; n];
        let mut next = 0;
        for class in classes {
            let mut rows: Vec<usize> = (0..n).filter(|&i| y[i] == class).collect();
            if rows.len() < k {
                return Err(ModelError::FewRowsInClass {
                    class,
                    rows: rows.len(),
                    folds: k,
                });
            }
            rows.shuffle(&mut rng);
            for i in rows {
                fold[i] = next;
                next = (next + 1) % k;
            }
        }
        Ok(Folds { fold, k })
    }

    /// Folds given by a column of ids, one per row (any numbers; each distinct value is a
    /// fold, numbered in increasing order of the ids).
    ///
    /// ```
    /// use descent_models::Folds;
    /// use ndarray::array;
    /// let folds = Folds::from_ids(array![3.0, 1.0, 3.0, 2.0, 1.0, 2.0].view())?;
    /// assert_eq!(folds.k(), 3);
    /// assert_eq!(folds.held_out(0), vec![1, 4]); // the rows with id 1
    /// # Ok::<(), descent_models::ModelError>(())
    /// ```
    ///
    /// # Errors
    /// A non-finite id, or fewer than two distinct ids.
    pub fn from_ids(ids: ArrayView1<'_, f64>) -> Result<Self, ModelError> {
        if let Some(row) = ids.iter().position(|v| !v.is_finite()) {
            return Err(ModelError::NonFiniteTarget {
                row,
                value: ids[row],
            });
        }
        let mut distinct = ids.to_vec();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        check_count(ids.len(), distinct.len())?;
        let fold = ids
            .iter()
            .map(|v| distinct.partition_point(|d| d < v))
            .collect();
        Ok(Folds {
            fold,
            k: distinct.len(),
        })
    }

    /// The number of folds.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The fold of each row.
    pub fn assignment(&self) -> &[usize] {
        &self.fold
    }

    /// The rows of fold `f`, in increasing order: the ones held out when `f` is scored.
    pub fn held_out(&self, f: usize) -> Vec<usize> {
        (0..self.fold.len())
            .filter(|&i| self.fold[i] == f)
            .collect()
    }

    /// The rows of every other fold, in increasing order: the ones fitted on when `f` is
    /// scored.
    pub fn training(&self, f: usize) -> Vec<usize> {
        (0..self.fold.len())
            .filter(|&i| self.fold[i] != f)
            .collect()
    }

    /// The training and held-out rows of fold `f`: `(x_train, y_train, x_held_out,
    /// y_held_out)`, copied out of `x` and `y`.
    ///
    /// # Errors
    /// `x` and `y` of other lengths than the folds.
    #[allow(clippy::type_complexity)]
    pub fn split(
        &self,
        f: usize,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
    ) -> Result<(Array2<f64>, Array1<f64>, Array2<f64>, Array1<f64>), ModelError> {
        for (what, found) in [("features (rows)", x.nrows()), ("targets", y.len())] {
            if found != self.fold.len() {
                return Err(ModelError::ShapeMismatch {
                    what,
                    expected: self.fold.len(),
                    found,
                });
            }
        }
        let (train, test) = (self.training(f), self.held_out(f));
        Ok((
            x.select(Axis(0), &train),
            y.select(Axis(0), &train),
            x.select(Axis(0), &test),
            y.select(Axis(0), &test),
        ))
    }
}

fn check_count(n: usize, k: usize) -> Result<(), ModelError> {
    if k < 2 {
        return Err(ModelError::InvalidParameter {
            name: "folds",
            value: k as f64,
            reason: "must be at least 2",
        });
    }
    if n < k {
        return Err(ModelError::TooFewRows { rows: n, folds: k });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn shuffled_folds_partition_the_rows_evenly_and_reproducibly() {
        let a = Folds::shuffled(11, 3, 7).unwrap();
        assert_eq!(a, Folds::shuffled(11, 3, 7).unwrap());
        assert_ne!(a, Folds::shuffled(11, 3, 8).unwrap());
        let sizes: Vec<usize> = (0..3).map(|f| a.held_out(f).len()).collect();
        assert_eq!(sizes, vec![4, 4, 3]);
        for f in 0..3 {
            assert_eq!(a.held_out(f).len() + a.training(f).len(), 11);
        }
    }

    #[test]
    fn stratified_folds_keep_the_class_shares() {
        let y = Array1::from_shape_fn(30, |i| f64::from(u8::from(i % 3 == 0)));
        let folds = Folds::stratified(y.view(), 5, 1).unwrap();
        for f in 0..5 {
            let rows = folds.held_out(f);
            assert_eq!(rows.len(), 6);
            assert_eq!(rows.iter().filter(|&&i| y[i] == 1.0).count(), 2);
        }
    }

    #[test]
    fn bad_fold_counts_are_errors() {
        assert!(matches!(
            Folds::shuffled(3, 5, 0),
            Err(ModelError::TooFewRows { rows: 3, folds: 5 })
        ));
        assert!(Folds::shuffled(10, 1, 0).is_err());
        let y = array![0.0, 0.0, 0.0, 0.0, 1.0];
        let e = Folds::stratified(y.view(), 2, 0).unwrap_err();
        assert!(e.to_string().contains("class 1 has 1 row"), "{e}");
        assert!(Folds::from_ids(array![1.0, 1.0].view()).is_err());
        assert!(Folds::from_ids(array![1.0, f64::NAN].view()).is_err());
    }

    #[test]
    fn split_copies_the_rows_of_each_side() {
        let x = array![[0.0], [1.0], [2.0], [3.0]];
        let y = array![0.0, 1.0, 2.0, 3.0];
        let folds = Folds::from_ids(array![1.0, 2.0, 1.0, 2.0].view()).unwrap();
        let (xt, yt, xh, yh) = folds.split(1, x.view(), y.view()).unwrap();
        assert_eq!(yt, array![0.0, 2.0]);
        assert_eq!(yh, array![1.0, 3.0]);
        assert_eq!(xt.column(0), yt);
        assert_eq!(xh.column(0), yh);
    }
}
