use descent_objectives::ObjectiveError;
use descent_solvers::SolverError;
use std::path::PathBuf;
use thiserror::Error;

/// Why a model could not be fitted, used, saved or loaded.
#[derive(Debug, Error)]
pub enum ModelError {
    /// A setting outside its valid range (checked when fitting).
    #[error("invalid {name} = {value}: {reason}")]
    InvalidParameter {
        /// The setting, with scikit-learn's name where there is one (`C`, `tol`, `max_iter`).
        name: &'static str,
        /// The value given.
        value: f64,
        /// The valid range.
        reason: &'static str,
    },

    /// A setting that another setting requires (`l1_ratio` for the elastic net).
    #[error("{needed_by} needs {name}")]
    MissingParameter {
        /// The missing setting.
        name: &'static str,
        /// What needs it.
        needed_by: &'static str,
    },

    /// Fewer rows than cross-validation folds.
    #[error("{rows} rows cannot be split into {folds} folds; use fewer folds")]
    TooFewRows {
        /// The rows.
        rows: usize,
        /// The folds asked for.
        folds: usize,
    },

    /// A class with fewer rows than folds: some fold would have none of it.
    #[error("class {class} has {rows} row{s}, fewer than the {folds} folds: some fold would hold none of it; use fewer folds", s = if *rows == 1 { "" } else { "s" })]
    FewRowsInClass {
        /// The class label.
        class: f64,
        /// Its rows.
        rows: usize,
        /// The folds asked for.
        folds: usize,
    },

    /// A solver that does not apply to this model (least squares for a classifier).
    #[error("the {solver} solver cannot fit {model}")]
    UnsupportedSolver {
        /// The solver asked for.
        solver: &'static str,
        /// The model.
        model: &'static str,
    },

    /// The labels of a binary classifier do not take exactly two values.
    #[error("binary classification needs exactly two distinct labels, found {count}: {shown}")]
    NotBinary {
        /// How many distinct labels there are.
        count: usize,
        /// The first few of them, for the message.
        shown: String,
    },

    /// A classifier's labels take fewer than two values.
    #[error("classification needs at least two distinct labels, found {count}")]
    TooFewClasses {
        /// How many distinct labels there are.
        count: usize,
    },

    /// So many distinct labels that they cannot be classes.
    #[error("{count} distinct labels in {rows} rows: that is an identifier or a continuous measurement, not classes (a multinomial model takes at most 10000 classes, and at most one per two rows)")]
    TooManyClasses {
        /// How many distinct labels there are.
        count: usize,
        /// How many rows.
        rows: usize,
    },

    /// A label that is none of a fitted multiclass model's classes.
    #[error("label {value} is none of the model's classes {classes:?}")]
    UnknownClass {
        /// The offending label.
        value: f64,
        /// The model's classes.
        classes: Vec<f64>,
    },

    /// Class labels that are not whole numbers: a continuous target given to a classifier.
    #[error("label {value} at row {row} (0-based) is not a whole number: a classifier needs class labels (two distinct whole numbers), not a continuous target")]
    ContinuousLabels {
        /// Row index, 0-based.
        row: usize,
        /// The offending label.
        value: f64,
    },

    /// A label other than 0 or 1 given to a metric.
    #[error("label {value} is not 0 or 1 (metrics take labels in {{0, 1}}, 1 being positive)")]
    NonBinaryLabel {
        /// The offending label.
        value: f64,
    },

    /// A label that is neither of a fitted classifier's two classes.
    #[error("label {value} is neither of the model's classes {negative} and {positive}")]
    UnknownLabel {
        /// The offending label.
        value: f64,
        /// The negative class.
        negative: f64,
        /// The positive class.
        positive: f64,
    },

    /// A NaN or infinite label or target.
    #[error("non-finite target {value} at row {row} (0-based)")]
    NonFiniteTarget {
        /// Row index, 0-based.
        row: usize,
        /// The offending value.
        value: f64,
    },

    /// A NaN or infinite feature value given to a fitted model.
    #[error("non-finite feature value {value} at row {row}, column {column} (0-based)")]
    NonFiniteFeature {
        /// Row index, 0-based.
        row: usize,
        /// Column index, 0-based.
        column: usize,
        /// The offending value.
        value: f64,
    },

    /// Inputs whose sizes do not fit together.
    #[error("shape mismatch: {what} has {found}, expected {expected}")]
    ShapeMismatch {
        /// What was measured.
        what: &'static str,
        /// The size that was required.
        expected: usize,
        /// The size that was given.
        found: usize,
    },

    /// Nothing to fit or score.
    #[error("empty data: {0}")]
    EmptyData(&'static str),

    /// A metric that is undefined for these labels (ROC AUC with one class present).
    #[error("{metric} is undefined: {reason}")]
    UndefinedMetric {
        /// The metric.
        metric: &'static str,
        /// Why.
        reason: &'static str,
    },

    /// The linear system of a closed-form fit could not be solved, or an information matrix
    /// could not be inverted.
    #[error("{0}")]
    Singular(String),

    /// A result that needs the optimum was asked of a fit that did not reach it.
    #[error("{0}")]
    NotConverged(String),

    /// An information matrix that is singular because a coefficient's column is a linear
    /// combination of others': collinear columns (a constant column is collinear with the
    /// intercept; a column of zeros, with anything).
    #[error("the information matrix is singular: coefficient {column} (counting from 0, the intercept last) is a linear combination of coefficients {partners:?}; standard errors do not exist")]
    Collinear {
        /// The coefficient whose column depends on earlier ones.
        column: usize,
        /// The earlier coefficients it is a combination of (empty: its column is zero).
        partners: Vec<usize>,
    },

    /// A result asked of a model it does not apply to (standard errors of a penalized fit).
    #[error("{0}")]
    NotApplicable(&'static str),

    /// The objective rejected the data.
    #[error(transparent)]
    Objective(#[from] ObjectiveError),

    /// The solver rejected its settings or starting point.
    #[error(transparent)]
    Solver(#[from] SolverError),

    /// A data file could not be read (a streamed fit reads it on every pass).
    #[error(transparent)]
    Data(#[from] crate::csv_field::DataError),

    /// A model file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// A model file that is not valid JSON, or not a descent model.
    #[error("{path}: not a valid descent model file: {reason}")]
    CorruptModelFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// A model file written by a newer version of descent.
    #[error("{path}: model file format version {found} is newer than the versions this build reads (up to {supported}); upgrade descent")]
    NewerModelFormat {
        /// The file.
        path: PathBuf,
        /// The file's format version.
        found: u64,
        /// The newest version this build reads.
        supported: u64,
    },

    /// A model of another kind than the one asked for.
    #[error("expected a {expected} model, found a {found} model")]
    WrongModelKind {
        /// The kind asked for.
        expected: &'static str,
        /// The kind in the file.
        found: &'static str,
    },
}

/// Checks that every value of `x` is finite.
pub(crate) fn check_finite_features(
    x: &descent_objectives::Features<'_>,
) -> Result<(), ModelError> {
    match descent_objectives::first_non_finite(x) {
        Some((row, column, value)) => Err(ModelError::NonFiniteFeature { row, column, value }),
        None => Ok(()),
    }
}

/// Checks a setting that must be finite and positive.
pub(crate) fn positive(name: &'static str, value: f64) -> Result<(), ModelError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(ModelError::InvalidParameter {
            name,
            value,
            reason: "must be finite and positive",
        })
    }
}

/// Checks a setting that must be finite and non-negative.
pub(crate) fn non_negative(name: &'static str, value: f64) -> Result<(), ModelError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(ModelError::InvalidParameter {
            name,
            value,
            reason: "must be finite and non-negative",
        })
    }
}

/// A streamed loss's error as a model's: the source's own, or the loss's.
pub(crate) fn from_stream<E>(error: descent_objectives::StreamError<E>) -> ModelError
where
    ModelError: From<E>,
{
    match error {
        descent_objectives::StreamError::Source(e) => e.into(),
        descent_objectives::StreamError::Objective(e) => e.into(),
    }
}
