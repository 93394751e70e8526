use thiserror::Error;

/// Why an objective could not be built from the data or settings it was given.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ObjectiveError {
    /// The data has no rows (or no columns where columns are required).
    #[error("empty data: {0}")]
    EmptyData(&'static str),

    /// Two inputs disagree in size.
    #[error("shape mismatch: {what} has {found}, expected {expected}")]
    ShapeMismatch {
        /// What was measured, e.g. "targets".
        what: &'static str,
        /// The size that was required.
        expected: usize,
        /// The size that was given.
        found: usize,
    },

    /// A NaN or infinite feature value.
    #[error("non-finite feature value {value} at row {row}, column {column} (0-based)")]
    NonFiniteFeature {
        /// Row index, 0-based.
        row: usize,
        /// Column index, 0-based.
        column: usize,
        /// The offending value.
        value: f64,
    },

    /// A NaN or infinite target value.
    #[error("non-finite target value {value} at row {row} (0-based)")]
    NonFiniteTarget {
        /// Row index, 0-based.
        row: usize,
        /// The offending value.
        value: f64,
    },

    /// A sample weight that is negative, NaN or infinite.
    #[error("sample weight {value} at row {row} (0-based) is not a finite number ≥ 0")]
    InvalidSampleWeight {
        /// Row index, 0-based.
        row: usize,
        /// The offending weight.
        value: f64,
    },

    /// A label that is neither 0 nor 1 where binary labels are required.
    #[error("label {value} at row {row} (0-based) is not 0 or 1; binary labels must be 0 or 1")]
    NonBinaryLabel {
        /// Row index, 0-based.
        row: usize,
        /// The offending label.
        value: f64,
    },

    /// A categorical column's code that names no level.
    #[error("categorical column {column} (0-based): code {code} at row {row} (0-based) is not below its {levels} levels")]
    InvalidLevelCode {
        /// Which categorical column, 0-based.
        column: usize,
        /// Row index, 0-based.
        row: usize,
        /// The code found.
        code: u32,
        /// How many levels the column has.
        levels: usize,
    },

    /// A setting outside its valid range.
    #[error("invalid {name} = {value}: {reason}")]
    InvalidParameter {
        /// The setting's name, e.g. "C".
        name: &'static str,
        /// The value given.
        value: f64,
        /// What the valid range is.
        reason: &'static str,
    },

    /// A share of rows that does not fit the whole: not beginning where the share before it
    /// ended, or at a row that is not a multiple of the block size.
    #[error("rows shared among processes: process {rank} expected {expected}, found {found}")]
    RowLayout {
        /// The rank of the process whose share does not fit.
        rank: usize,
        /// What was required.
        expected: &'static str,
        /// The row or count found.
        found: usize,
    },

    /// A stream's blocks that do not fit together ([`RowSource`](crate::RowSource)): a block
    /// not beginning where the one before it ended, of another size than the source's blocks,
    /// or too few or too many blocks for its rows.
    #[error(
        "rows read as a stream: block {block} (counting from 0) expected {expected}, found {found}"
    )]
    StreamLayout {
        /// The block that does not fit.
        block: usize,
        /// What was required.
        expected: &'static str,
        /// The row or count found.
        found: usize,
    },

    /// Another process sharing the rows found its own share invalid (its own error says why);
    /// every process stops.
    #[error(
        "process {rank} of the group sharing the rows failed on its share (its own error says why)"
    )]
    PeerFailed {
        /// The first rank that failed.
        rank: usize,
    },

    /// Something a loss supports on rows held in one process, but not (yet) on rows shared
    /// among processes.
    #[error("{0} is not supported on rows shared among processes")]
    NotShareable(&'static str),
}
