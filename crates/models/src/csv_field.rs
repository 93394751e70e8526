//! One field of a CSV file, and what can be wrong with a file: shared by the general reader
//! ([`crate::data`]) and the parallel one (`parallel_csv`), so that a file reads the same
//! whichever of them takes it.

use descent_objectives::Element;
use std::io::Read;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why a CSV file could not be read into a data set. Every message names the file, and the
/// line (1-based, the header is line 1) and column where there is one.
#[derive(Debug, Error)]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// The path names a directory or a device, not a file of data.
    #[error("{path}: not a data file ({kind})")]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is instead.
        kind: &'static str,
    },

    /// The file has no header row.
    #[error("{path}: the file is empty (expected a header row, then one row per sample)")]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },

    /// The file has a header but no data rows.
    #[error("{path}: the file has a header but no data rows")]
    NoRows {
        /// The file.
        path: PathBuf,
    },

    /// Two columns of the header have the same name.
    #[error("{path}: column name {name:?} appears twice in the header")]
    DuplicateColumn {
        /// The file.
        path: PathBuf,
        /// The repeated name.
        name: String,
    },

    /// A column asked for by name is not in the header.
    #[error("{path}: no column named {name:?} (columns: {available})")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The name asked for.
        name: String,
        /// The header's names, for the message.
        available: String,
    },

    /// The file has only the target column: no features.
    #[error("{path}: no feature columns besides the target {target:?}")]
    NoFeatures {
        /// The file.
        path: PathBuf,
        /// The target column.
        target: String,
    },

    /// A row with more or fewer fields than the header.
    #[error("{path}, line {line}: expected {expected} fields (as in the header), found {found}")]
    Ragged {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The header's width.
        expected: usize,
        /// This row's width.
        found: usize,
    },

    /// An empty field.
    #[error("{path}, line {line}, column {column:?}: missing value")]
    Missing {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The column's name.
        column: String,
    },

    /// A field that is not a number.
    #[error("{path}, line {line}, column {column:?}: cannot parse {text:?} as a number")]
    Unparsable {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The column's name.
        column: String,
        /// The field's text.
        text: String,
    },

    /// A data file read pass by pass ([`FileStream`](crate::stream::FileStream)) that changed
    /// between passes.
    #[error("{path}: the file changed while it was read pass by pass ({what}); a streamed fit reads it again on every pass, so it must not change until the fit ends")]
    Changed {
        /// The file.
        path: PathBuf,
        /// What changed.
        what: String,
    },

    /// A binary cache file ([`DataCache`](crate::cache::DataCache)) that cannot be used: not
    /// one, truncated, of another version or type, or made from another version of its
    /// source. [`DataCache::open_or_build`](crate::cache::DataCache::open_or_build) rebuilds
    /// it instead.
    #[error("{path}: not a usable data cache: {reason}")]
    BadCache {
        /// The cache file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// A NaN or infinite value.
    #[error("{path}, line {line}, column {column:?}: {text:?} is not a finite number")]
    NonFinite {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The column's name.
        column: String,
        /// The field's text.
        text: String,
    },

    /// A finite number too large for the type the features are stored as (`f32`), or so
    /// small that it would become zero there.
    #[error("{path}, line {line}, column {column:?}: {text} is beyond the range of {dtype} (read the file as f64)")]
    OutOfRange {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The column's name.
        column: String,
        /// The value, as parsed.
        text: String,
        /// The type it does not fit in.
        dtype: &'static str,
    },

    /// A column given two parts (the target and a feature, say).
    #[error("{path}: column {column:?} cannot be {role}")]
    RoleConflict {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// The two parts.
        role: &'static str,
    },
    /// A column to treat as categorical that was read as numbers.
    #[error("{path}: column {column:?} is categorical but was read as numbers; read it as text (ReadOptions::text_columns)")]
    NotText {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
    },
    /// A column of numbers with some text: a typo, most likely, not a category.
    #[error("{path}, {at}, column {column:?}: cannot parse {text:?} as a number (the column's other values are numbers; name it with --categorical if its values are categories)")]
    MixedColumn {
        /// The file.
        path: PathBuf,
        /// Where: `line 5` of a text file, `row 4` of a Parquet file.
        at: String,
        /// The column.
        column: String,
        /// The text.
        text: String,
    },
    /// A text feature with so many distinct values that it looks like an identifier.
    #[error("{path}: column {column:?} looks like an identifier, not a category ({levels} distinct values in {values} rows); name it with --id-column, leave it out with --drop, or allow it with --max-levels")]
    LooksLikeIdentifier {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// Its distinct values.
        levels: usize,
        /// Its values that are not missing.
        values: usize,
    },
    /// Missing values where none may be.
    #[error("{path}: column {column:?} has {count} missing value(s), the first at {at}; {hint}")]
    MissingValues {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// How many rows.
        count: usize,
        /// Where the first one is: `line 5` of a text file, `row 4` of a Parquet file.
        at: String,
        /// What to do about it.
        hint: &'static str,
    },
    /// A column to impute with no value in the training rows.
    #[error("{path}: column {column:?} has no value in the training rows, so there is nothing to impute it with; leave it out with --drop")]
    AllMissing {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
    },
    /// A classification target with fewer than two labels.
    #[error("{path}: classification needs at least two distinct labels in column {column:?}, found {count}: {found}")]
    TooFewLabels {
        /// The file.
        path: PathBuf,
        /// The target column.
        column: String,
        /// The first few labels.
        found: String,
        /// How many distinct labels.
        count: usize,
    },
    /// A positive class chosen for a target of more than two labels.
    #[error("{path}: column {column:?} has {count} labels ({found}): a positive class applies to two classes only (more than two are fitted as one multinomial model)")]
    PositiveClassOfMany {
        /// The file.
        path: PathBuf,
        /// The target column.
        column: String,
        /// The first few labels.
        found: String,
        /// How many distinct labels.
        count: usize,
    },
    /// A label that is not one of the model's.
    #[error("{path}: column {column:?}: {label:?} is not one of the labels ({labels})")]
    UnknownLabel {
        /// The file.
        path: PathBuf,
        /// The target column.
        column: String,
        /// The label.
        label: String,
        /// The two labels.
        labels: String,
    },
    /// A level of a categorical column that training did not see.
    #[error("{path}, {at}, column {column:?}: level {level:?} was not seen in training; --unknown-level ignore encodes it as the reference level")]
    UnknownLevel {
        /// The file.
        path: PathBuf,
        /// Where: `line 5` of a text file, `row 4` of a Parquet file.
        at: String,
        /// The column.
        column: String,
        /// The level.
        level: String,
    },
    /// Text where a number is needed (the target of a regression).
    #[error("{path}, {at}, column {column:?}: cannot parse {text:?} as a number")]
    NotNumeric {
        /// The file.
        path: PathBuf,
        /// Where: `line 5` of a text file, `row 4` of a Parquet file.
        at: String,
        /// The column.
        column: String,
        /// The text.
        text: String,
    },
    /// A column whose type cannot be a feature or a target (a Parquet date, list, binary…).
    #[error("{path}: column {column:?} is of type {kind}, which cannot be a feature or a target; leave it out with --drop")]
    UnsupportedType {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// Its type.
        kind: String,
    },
    /// A sample weight that is not one: negative or infinite.
    #[error("{path}, {at}, column {column:?}: weight {value} is negative or infinite (a sample weight is a finite number, 0 or more)")]
    InvalidWeight {
        /// The file.
        path: PathBuf,
        /// Where: `line 5` of a text file, `row 4` of a Parquet file.
        at: String,
        /// The weight column.
        column: String,
        /// The value.
        value: f64,
    },
    /// A Parquet file that could not be read.
    #[error("{path}: {reason}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The Parquet reader's explanation.
        reason: String,
    },
    /// A malformed CSV record (bad quoting, invalid UTF-8).
    #[error("{path}, line {line}: {reason}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The CSV reader's explanation.
        reason: String,
    },
}

/// `v` (a finite number parsed from `path`, at `line`, in column `column` of `header`) in the
/// type the features are stored as: rounded to nearest, as numpy's `astype` rounds, or the
/// error that says it is beyond that type's range (too large, or so small that it would
/// become zero).
#[inline(always)]
pub(crate) fn narrow<T: Element>(
    v: f64,
    path: &Path,
    header: &[String],
    line: impl FnOnce() -> u64,
    column: usize,
) -> Result<T, DataError> {
    let stored = T::from_f64(v);
    let wide: f64 = stored.into();
    // Beyond the range: infinite, or a value that is not zero rounding to zero (below half of
    // f32's smallest subnormal, about 7·10⁻⁴⁶), which would silently erase it.
    if wide.is_finite() && (wide != 0.0 || v == 0.0) {
        Ok(stored)
    } else {
        Err(out_of_range(v, path, header, line(), column, T::NAME))
    }
}

/// [`narrow`]'s error, out of the line of the parsing loop.
#[cold]
fn out_of_range(
    v: f64,
    path: &Path,
    header: &[String],
    line: u64,
    column: usize,
    dtype: &'static str,
) -> DataError {
    DataError::OutOfRange {
        path: path.to_owned(),
        line,
        column: header[column].clone(),
        // Debug writes 1e-50 and 5e38 as such (Display would spell out every zero).
        text: format!("{v:?}"),
        dtype,
    }
}

/// One field of `path` (at `line`, in column `column` of `header`) as a finite number, or
/// the error that names where it is and what it holds. Both readers use it, so a file reads
/// the same whichever of them takes it.
pub(crate) fn parse_number(
    path: &Path,
    header: &[String],
    field: &[u8],
    line: u64,
    column: usize,
) -> Result<f64, DataError> {
    // Trimmed as `str::trim` does; the ASCII trim is the same thing, and cheaper, whenever
    // it leaves a printable ASCII character at both ends (as a number does).
    let mut text = field.trim_ascii();
    let printable = |b: Option<&u8>| b.is_some_and(u8::is_ascii_graphic);
    let done = text.is_empty() || (printable(text.first()) && printable(text.last()));
    if !done {
        if let Ok(unicode) = std::str::from_utf8(field) {
            text = unicode.trim().as_bytes();
        }
    }
    let column_name = || header[column].clone();
    if text.is_empty() {
        return Err(DataError::Missing {
            path: path.to_owned(),
            line,
            column: column_name(),
        });
    }
    let shown = || String::from_utf8_lossy(text).into_owned();
    // fast-float2: the same correctly rounded result as `str::parse`, about 1.6× faster.
    match fast_float2::parse::<f64, _>(text) {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(DataError::NonFinite {
            path: path.to_owned(),
            line,
            column: column_name(),
            text: shown(),
        }),
        Err(_) => Err(DataError::Unparsable {
            path: path.to_owned(),
            line,
            column: column_name(),
            text: shown(),
        }),
    }
}

/// Whether `bytes` (the start of a file) hold a carriage return that is not followed by a
/// line feed: lines that end with a carriage return alone, as old Mac files do. (One at the
/// very end of `bytes` may be the first half of a CRLF, and does not count.)
pub(crate) fn lone_carriage_return(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'\r', bytes).any(|i| i + 1 < bytes.len() && bytes[i + 1] != b'\n')
}

/// The input of a file whose lines end with a carriage return alone, with each such line
/// break (outside quotes) given as a line feed: the csv crate reads a lone carriage return as
/// a line break but counts lines by line feeds, so every error would say line 1. A carriage
/// return inside a quoted field is data and is left alone, so no value changes.
pub(crate) struct LineFeeds<R> {
    inner: R,
    /// Whether the input's line breaks are carriage returns (else it passes unchanged).
    active: bool,
    quoted: bool,
}

impl<R> LineFeeds<R> {
    /// `inner`, its lone carriage returns made line feeds when `active`.
    pub(crate) fn new(inner: R, active: bool) -> Self {
        LineFeeds {
            inner,
            active,
            quoted: false,
        }
    }
}

impl<R: Read> Read for LineFeeds<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if !self.active {
            return Ok(n);
        }
        for b in &mut buf[..n] {
            match *b {
                // `""` inside quotes toggles twice: the state stays right.
                b'"' => self.quoted = !self.quoted,
                b'\r' if !self.quoted => *b = b'\n',
                _ => {}
            }
        }
        Ok(n)
    }
}
