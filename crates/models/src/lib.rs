//! Logistic and linear regression assembled from [`descent_objectives`] and
//! [`descent_solvers`], with scikit-learn's parameters and meanings.
//!
//! A model is an objective, a penalty and a solver:
//!
//! | model | objective | penalty | solvers |
//! |---|---|---|---|
//! | [`LogisticRegression`] | [`LogLoss`](descent_objectives::LogLoss) | L2 with `C`, or none | Newton (default up to 500 parameters), L-BFGS (default beyond), gradient descent, … |
//! | | | L1 or elastic net with `C` (and `l1_ratio`) | proximal Newton (default), FISTA, ISTA |
//! | [`LinearRegression`] | [`MeanSquaredError`](descent_objectives::MeanSquaredError) | Ridge's `alpha`, or none | least squares (default), Newton, L-BFGS, gradient descent |
//! | | | Lasso or elastic net with `alpha` and `l1_ratio` | proximal Newton (default), FISTA, ISTA |
//!
//! Around them: [`StandardScaler`] and [`train_test_split`], cross-validation [`Folds`], CSV
//! reading ([`data`]), [`metrics`], and model files ([`ModelFile`]).
//!
//! ```
//! use descent_models::{data::Dataset, train_test_split, LogisticRegression, StandardScaler};
//!
//! let data = Dataset::from_csv(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/breast_cancer.csv"), None)?;
//! let split = train_test_split(data.x.view(), data.y.view(), 0.2, 42)?;
//! let scaler = StandardScaler::fit(split.x_train.view())?;
//! let (train, test) = (scaler.transform(split.x_train.view())?, scaler.transform(split.x_test.view())?);
//! let fit = LogisticRegression::new().fit(train.view(), split.y_train.view())?;
//! let scores = fit.evaluate(test.view(), split.y_test.view())?;
//! assert!(fit.report.converged() && scores.accuracy > 0.95 && scores.roc_auc.unwrap() > 0.99);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod cache;
mod csv_field;
pub mod data;
pub mod encoding;
mod error;
mod folds;
pub mod inference;
mod linear;
mod logistic;
pub mod metrics;
mod multinomial;
#[cfg(unix)]
mod parallel_csv;
#[cfg(feature = "parquet")]
mod parquet_table;
/// The Arrow arrays [`table::RawTable::from_arrow`] takes (this version of `arrow-array`).
#[cfg(feature = "parquet")]
pub use arrow_array;
mod persist;
mod plain_decimal;
mod plain_json;
mod preprocessing;
mod solver;
pub mod stream;
pub mod table;
mod weights;

pub use error::ModelError;
pub use folds::Folds;
pub use linear::{FittedLinearRegression, LinearRegression};
pub use logistic::{FittedLogisticRegression, LogisticRegression, Penalty};
pub use multinomial::{FittedMultinomialLogisticRegression, MAX_CLASSES};
pub use persist::{
    replace_atomically, write_atomically, Model, ModelFile, SplitRecord, FORMAT, FORMAT_VERSION,
};
pub use preprocessing::{
    split_indices, train_test_split, train_test_split_owned, Split, StandardScaler,
};
pub use solver::{Solver, NEWTON_MAX_PARAMETERS};
pub use weights::ClassWeight;
