//! The data options shared by `fit`, `race` and `path`, and the rows they produce.

use anyhow::Result;
use descent_models::data::Dataset;
use descent_models::{train_test_split_owned, ModelError, SplitRecord, StandardScaler};
use descent_objectives::Element;
use ndarray::{Array1, Array2};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(crate) struct DataArgs {
    /// The CSV file: a header row, one numeric column per feature, and the target.
    #[arg(long)]
    pub data: PathBuf,
    /// The target column's name (default: the last column).
    #[arg(long)]
    pub target: Option<String>,
    /// Standardize the features (fitted on the training rows; saved with the model). The
    /// coefficients are then on the standardized scale.
    #[arg(long)]
    pub standardize: bool,
    /// Hold out this fraction of the rows as a test set, strictly between 0 and 1 (e.g. 0.2).
    #[arg(long, allow_hyphen_values = true, value_parser = crate::args::fraction)]
    pub test_size: Option<f64>,
    /// The seed of the train/test shuffle.
    #[arg(long, default_value_t = 42, allow_hyphen_values = true, value_parser = crate::args::seed)]
    pub seed: u64,
}

/// Training and test rows, after the optional split and standardization, the features
/// stored as `T`.
pub(crate) struct Prepared<T = f64> {
    pub feature_names: Vec<String>,
    pub target_name: String,
    pub x_train: Array2<T>,
    pub y_train: Array1<f64>,
    pub test: Option<(Array2<T>, Array1<f64>)>,
    pub scaler: Option<StandardScaler>,
    /// The split, as a model file records it.
    pub split: Option<SplitRecord>,
}

impl DataArgs {
    /// Reads the CSV file, splits it (with `--test-size`) and standardizes it (with
    /// `--standardize`, fitted on the training rows).
    pub(crate) fn prepare(&self) -> Result<Prepared> {
        self.prepare_excluding(&[])
    }

    /// As [`prepare`](Self::prepare), leaving out the columns named in `excluded` (they are
    /// not features).
    pub(crate) fn prepare_excluding(&self, excluded: &[String]) -> Result<Prepared> {
        self.prepare_as(excluded)
    }

    /// As [`prepare_excluding`](Self::prepare_excluding), the features stored as `T`
    /// (`--dtype`).
    pub(crate) fn prepare_as<T: Element>(&self, excluded: &[String]) -> Result<Prepared<T>> {
        let data = Dataset::<T>::read(&self.data, self.target.as_deref(), excluded)?;
        let (mut x_train, y_train, mut test, split) = match self.test_size {
            Some(size) => {
                let record = SplitRecord::new(data.y.view(), size, self.seed);
                let split = train_test_split_owned(data.x, data.y, size, self.seed)?;
                (
                    split.x_train,
                    split.y_train,
                    Some((split.x_test, split.y_test)),
                    Some(record),
                )
            }
            None => (data.x, data.y, None, None),
        };
        let scaler = if self.standardize {
            let scaler = StandardScaler::fit(x_train.view())?;
            scaler.transform_in_place(&mut x_train)?;
            if let Some((x_test, _)) = &mut test {
                scaler.transform_in_place(x_test)?;
            }
            Some(scaler)
        } else {
            None
        };
        Ok(Prepared {
            feature_names: data.feature_names,
            target_name: data.target_name,
            x_train,
            y_train,
            test,
            scaler,
            split,
        })
    }
}

impl<T> Prepared<T> {
    /// An error of fitting on the training rows, said in terms of the split when the split
    /// is what caused it (a training part with one class).
    pub(crate) fn explain(&self, error: ModelError) -> anyhow::Error {
        match (&error, &self.split) {
            (ModelError::NotBinary { count: 1, .. }, Some(split)) => anyhow::anyhow!(
                "the {} training rows left by --test-size {} hold only one class ({error}); hold out fewer rows or use more data",
                self.x_train.nrows(),
                split.test_size
            ),
            _ => error.into(),
        }
    }
}
