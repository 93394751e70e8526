//! Tables as people have them: numeric and text columns, blanks and `NA`s, any single-byte
//! delimiter, gzip-compressed or on standard input, or Parquet.
//!
//! [`RawTable::read`] types each column by its contents: a column is numeric when every value
//! that is not a missing-value marker parses as a number, and text otherwise (or when it is
//! named in [`ReadOptions::text_columns`]). Text is stored as dictionary codes, one `u32` per
//! row, with each distinct value stored once. What the columns mean (features, target,
//! identifiers) and how they become a design matrix is [`crate::encoding`]'s business.
//!
//! Plain numeric files without blanks are read faster by [`crate::data::Dataset`], in parallel;
//! this reader is for everything else.

use crate::csv_field::{lone_carriage_return, DataError, LineFeeds};
use crate::data::{check_kind, column_index, csv_error, listed};
use ndarray::{Array2, ArrayView1};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// The markers of a missing value that pandas' `read_csv` recognizes by default, and `?`
/// (the UCI repository's marker). Compared with each field after surrounding spaces are
/// trimmed.
pub const DEFAULT_NA_VALUES: &[&str] = &[
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null", "?",
];

/// The first two bytes of a gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The first four bytes of a Parquet file.
const PARQUET_MAGIC: &[u8] = b"PAR1";

/// Where a table comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file; gzip-compressed when its first bytes say so, whatever its name.
    File(PathBuf),
    /// Standard input (the path `-`), read whole before parsing.
    Stdin,
}

impl Source {
    /// `-` is standard input; anything else a file.
    pub fn new(path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        if path == Path::new("-") {
            Source::Stdin
        } else {
            Source::File(path.to_owned())
        }
    }

    /// The name error messages give it.
    pub fn name(&self) -> PathBuf {
        match self {
            Source::File(path) => path.clone(),
            Source::Stdin => PathBuf::from("<stdin>"),
        }
    }
}

/// How to read a table.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The field delimiter; `None` picks `,`, `;` or tab, whichever the header line holds
    /// most of (`,` when it holds none).
    pub delimiter: Option<u8>,
    /// The texts that mark a missing value (after trimming spaces); these replace
    /// [`DEFAULT_NA_VALUES`].
    pub na_values: Vec<String>,
    /// Columns read as text even when every value is a number (numeric codes of a category).
    pub text_columns: Vec<String>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            delimiter: None,
            na_values: DEFAULT_NA_VALUES.iter().map(|s| (*s).to_owned()).collect(),
            text_columns: Vec::new(),
        }
    }
}

/// One column of a [`RawTable`].
#[derive(Debug, Clone, PartialEq)]
pub enum RawColumn {
    /// Numbers: column `k` of [`RawTable::numbers`], with NaN where the value is missing (a
    /// NaN in the file is a missing-value marker, or an error when it is not one).
    Numeric(usize),
    /// Text as codes into `levels` (distinct values in order of first appearance), with
    /// [`RawColumn::MISSING`] where the value is missing.
    Text {
        /// Each row's code.
        codes: Vec<u32>,
        /// The distinct values.
        levels: Vec<String>,
    },
    /// A column of a type that cannot be a feature or a target (a Parquet date, binary or
    /// list column): kept by name, so that it is an error only if it is used.
    Unsupported {
        /// The type, as the file declares it.
        kind: String,
    },
}

impl RawColumn {
    /// The code of a missing text value.
    pub const MISSING: u32 = u32::MAX;
}

/// A table read with its columns typed: see the [module documentation](self).
///
/// The numeric columns are stored together, row-major, in [`numbers`](RawTable::numbers):
/// the layout of a design matrix, so that the numeric features of a fit become one without a
/// copy when they are all the numeric columns (and in place otherwise; see
/// [`TableEncoding::transform_into`](crate::encoding::TableEncoding::transform_into)).
///
/// ```
/// use descent_models::table::{RawColumn, RawTable, ReadOptions, Source};
/// let path = std::env::temp_dir().join("descent-doc-raw-table.csv");
/// std::fs::write(&path, "id;plan;charges\nA-1;basic;10.5\nB-2;pro;NA\n")?;
/// let table = RawTable::read(&Source::new(&path), &ReadOptions::default())?;
/// assert_eq!(table.names, ["id", "plan", "charges"]);
/// assert!(matches!(&table.columns[1], RawColumn::Text { levels, .. } if levels == &["basic", "pro"]));
/// assert_eq!(table.columns[2], RawColumn::Numeric(0));
/// assert_eq!(table.numbers[[0, 0]], 10.5);
/// assert!(table.is_missing(2, 1));
/// assert_eq!(table.place(1), "line 3");
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RawTable {
    /// Where it was read from, for messages.
    pub source: PathBuf,
    /// The header's names, trimmed.
    pub names: Vec<String>,
    /// The columns, in header order.
    pub columns: Vec<RawColumn>,
    /// The numeric columns' values, one row per table row (row-major).
    pub numbers: Array2<f64>,
    /// Each row's line in the file (1-based; the header is line 1); empty for a Parquet
    /// file, whose rows are numbered instead.
    pub lines: Vec<u64>,
    /// The delimiter it was read with (0 for a Parquet file).
    pub delimiter: u8,
}

/// The bytes of a source, re-readable: a file is opened again, standard input is kept.
enum Input {
    File(PathBuf),
    Memory(Vec<u8>),
}

impl Input {
    fn new(source: &Source) -> Result<Self, DataError> {
        match source {
            Source::File(path) => {
                let mut file = std::fs::File::open(path).map_err(|e| io(path, e))?;
                check_kind(path, &file)?;
                let regular = file.metadata().map_err(|e| io(path, e))?.is_file();
                if regular {
                    return Ok(Input::File(path.clone()));
                }
                // A pipe (`<(zcat …)`) can be read once: keep its bytes, as standard input's.
                let mut bytes = Vec::new();
                file.read_to_end(&mut bytes).map_err(|e| io(path, e))?;
                Ok(Input::Memory(bytes))
            }
            Source::Stdin => {
                let mut bytes = Vec::new();
                std::io::stdin()
                    .lock()
                    .read_to_end(&mut bytes)
                    .map_err(|e| io(&source.name(), e))?;
                Ok(Input::Memory(bytes))
            }
        }
    }

    /// A reader of the decompressed bytes from the start.
    fn open(&self, name: &Path) -> Result<Box<dyn BufRead + '_>, DataError> {
        let raw: Box<dyn BufRead> = match self {
            Input::File(path) => Box::new(BufReader::with_capacity(
                1 << 20,
                std::fs::File::open(path).map_err(|e| io(path, e))?,
            )),
            Input::Memory(bytes) => Box::new(bytes.as_slice()),
        };
        let mut raw = raw;
        let gzip = raw
            .fill_buf()
            .map_err(|e| io(name, e))?
            .starts_with(&GZIP_MAGIC);
        Ok(if gzip {
            Box::new(BufReader::with_capacity(
                1 << 20,
                flate2::bufread::MultiGzDecoder::new(raw),
            ))
        } else {
            raw
        })
    }
}

/// The rows `pick(n)` (0-based) of the `n` rows of the Parquet file `path` as a table, with
/// `n` and the rows read: what a process sharing a file's rows with others reads (the row
/// count comes from the file's metadata, and row groups outside the window are not read). Its
/// rows are numbered from the window's first in messages.
///
/// # Errors
/// As [`RawTable::read`] of a Parquet file.
#[cfg(feature = "parquet")]
pub fn read_parquet_rows(
    path: &Path,
    pick: impl FnOnce(usize) -> std::ops::Range<usize>,
) -> Result<(RawTable, usize, std::ops::Range<usize>), DataError> {
    let mut rows = 0..0;
    let (table, total) = crate::parquet_table::read_window(
        || std::fs::File::open(path).map_err(|e| io(path, e)),
        path,
        &[],
        |n| {
            rows = pick(n);
            rows.start = rows.start.min(n);
            rows.end = rows.end.clamp(rows.start, n);
            Some(rows.clone())
        },
    )?;
    Ok((table, total, rows))
}

/// The Parquet file `path`'s rows and columns, from its metadata (no data is read).
///
/// # Errors
/// A file that cannot be opened, or whose metadata is not Parquet's.
#[cfg(feature = "parquet")]
pub fn parquet_shape(path: &Path) -> Result<(usize, usize), DataError> {
    let (groups, columns) = crate::parquet_table::row_groups(path)?;
    Ok((groups.iter().sum(), columns))
}

impl RawTable {
    /// The table as numbers: the column named `target` (the last when `None`) as the target,
    /// every other column but `excluded` as a feature, in file order; every one of them
    /// numeric and without missing values (rows named from `first_row`, 0-based, on: the
    /// table's first row in its file).
    ///
    /// # Errors
    /// A column that is not there, or is text, of another type, or has missing values.
    pub fn numeric_dataset<T: descent_objectives::Element>(
        &self,
        target: Option<&str>,
        excluded: &[String],
        first_row: usize,
    ) -> Result<crate::data::Dataset<T>, DataError> {
        let t = match target {
            Some(name) => self.column(name)?,
            None => self.names.len().saturating_sub(1),
        };
        let features: Vec<usize> = (0..self.names.len())
            .filter(|&c| c != t && !excluded.contains(&self.names[c]))
            .collect();
        if features.is_empty() {
            return Err(DataError::NoFeatures {
                path: self.source.clone(),
                target: self.names[t].clone(),
            });
        }
        let numeric = |c: usize| -> Result<ArrayView1<'_, f64>, DataError> {
            self.numeric(c).ok_or_else(|| DataError::Parquet {
                path: self.source.clone(),
                reason: format!(
                    "column {:?} is not numeric; rows read in windows (a process's share under MPI, or converted into a data cache) are read as numbers only",
                    self.names[c]
                ),
            })
        };
        let complete = |c: usize| -> Result<ArrayView1<'_, f64>, DataError> {
            let column = numeric(c)?;
            match missing_in_window(&self.source, &self.names[c], column.iter(), first_row) {
                Some(error) => Err(error),
                None => Ok(column),
            }
        };
        let y = complete(t)?.to_owned();
        // Each feature's slot in the numbers, which are row-major: X is gathered row by row
        // (reads and writes in order), its missing values noticed on the way.
        let slots = features
            .iter()
            .map(|&c| {
                numeric(c)?;
                Ok(match self.columns[c] {
                    RawColumn::Numeric(k) => k,
                    _ => 0,
                })
            })
            .collect::<Result<Vec<usize>, DataError>>()?;
        let mut x = Array2::from_elem((self.nrows(), features.len()), T::from_f64(0.0));
        let mut missing = false;
        for (mut out, row) in x.rows_mut().into_iter().zip(self.numbers.rows()) {
            for (slot, &k) in out.iter_mut().zip(&slots) {
                let v = row[k];
                missing |= v.is_nan();
                *slot = T::from_f64(v);
            }
        }
        if missing {
            // The first column with a missing value, and where it is.
            for &c in &features {
                complete(c)?;
            }
        }
        Ok(crate::data::Dataset {
            feature_names: features.iter().map(|&c| self.names[c].clone()).collect(),
            target_name: self.names[t].clone(),
            x,
            y,
        })
    }
}

/// A Parquet file's table (by the `parquet` feature).
#[cfg(feature = "parquet")]
fn read_parquet(input: Input, name: &Path, text: &[String]) -> Result<RawTable, DataError> {
    match input {
        // Each thread opens the file for itself: a file's clones share one position.
        Input::File(path) => crate::parquet_table::read(
            || std::fs::File::open(&path).map_err(|e| io(&path, e)),
            name,
            text,
        ),
        Input::Memory(bytes) => {
            let bytes = bytes::Bytes::from(bytes);
            crate::parquet_table::read(|| Ok(bytes.clone()), name, text)
        }
    }
}

#[cfg(not(feature = "parquet"))]
fn read_parquet(_: Input, name: &Path, _: &[String]) -> Result<RawTable, DataError> {
    Err(no_parquet(name))
}

/// The error of a Parquet file in a build without the `parquet` feature.
#[cfg(not(feature = "parquet"))]
pub(crate) fn no_parquet(name: &Path) -> DataError {
    DataError::Parquet {
        path: name.to_owned(),
        reason: "a Parquet file, and this build reads none (the `parquet` feature is off)"
            .to_owned(),
    }
}

/// The error of a column of rows read in windows (from row `first_row`, 0-based) that has a
/// missing value (NaN): where the first is (1-based) and how many there are. `None` when
/// there is none.
pub(crate) fn missing_in_window<'v>(
    path: &Path,
    column: &str,
    values: impl Iterator<Item = &'v f64> + Clone,
    first_row: usize,
) -> Option<DataError> {
    let i = values.clone().position(|v| v.is_nan())?;
    Some(DataError::MissingValues {
        path: path.to_owned(),
        column: column.to_owned(),
        count: values.filter(|v| v.is_nan()).count(),
        at: format!("row {}", first_row + i + 1),
        hint: "rows read in windows (a process's share under MPI, or converted into a data cache) take no missing values",
    })
}

fn io(path: &Path, source: std::io::Error) -> DataError {
    DataError::Io {
        path: path.to_owned(),
        source,
    }
}

/// `,`, `;` or tab: whichever `header` holds most of, `,` on a tie or when it holds none.
fn detect_delimiter(header: &[u8]) -> u8 {
    let count = |d: u8| header.iter().filter(|&&b| b == d).count();
    [b';', b'\t']
        .into_iter()
        .fold((b',', count(b',')), |best, d| {
            let n = count(d);
            if n > best.1 {
                (d, n)
            } else {
                best
            }
        })
        .0
}

/// A column being read.
enum Reading {
    /// A slot of the row-major block of numbers.
    Numeric,
    Text {
        codes: Vec<u32>,
        levels: Vec<String>,
        index: rustc_hash::FxHashMap<String, u32>,
    },
}

impl Reading {
    fn text(rows: usize) -> Self {
        Reading::Text {
            codes: vec![RawColumn::MISSING; rows],
            levels: Vec::new(),
            index: rustc_hash::FxHashMap::default(),
        }
    }
}

/// Removes slot `slot` from a row-major block of `rows` whole rows of `width` values and a
/// partial row holding the slots before `slot`, in place.
fn remove_slot(block: &mut Vec<f64>, width: usize, rows: usize, slot: usize) {
    let mut to = 0;
    for from in 0..block.len() {
        let (r, k) = (from / width, from % width);
        if r < rows && k == slot {
            continue;
        }
        block[to] = block[from];
        to += 1;
    }
    block.truncate(to);
}

/// A field's text, or the error naming where it is not UTF-8.
fn utf8<'f>(field: &'f [u8], name: &Path, line: u64) -> Result<&'f str, DataError> {
    std::str::from_utf8(field).map_err(|_| DataError::Malformed {
        path: name.to_owned(),
        line,
        reason: "a field is not valid UTF-8".to_owned(),
    })
}

impl RawTable {
    /// Reads `source`: a header row, then one row per sample. Blank lines are skipped.
    ///
    /// # Errors
    /// An unreadable or empty source, a repeated column name, a text column named in
    /// `options` that is not in the header, a ragged or malformed row, text that is not UTF-8,
    /// and an infinite number (or a NaN that is not a missing-value marker); each names the
    /// line and column.
    pub fn read(source: &Source, options: &ReadOptions) -> Result<Self, DataError> {
        let input = Input::new(source)?;
        let name = source.name();
        // The first line says what the file is: Parquet, or text with its delimiter and its
        // line breaks.
        let mut start = input.open(&name)?;
        if start
            .fill_buf()
            .map_err(|e| io(&name, e))?
            .starts_with(PARQUET_MAGIC)
        {
            drop(start);
            return read_parquet(input, &name, &options.text_columns);
        }
        let mut first = Vec::new();
        start
            .read_until(b'\n', &mut first)
            .map_err(|e| io(&name, e))?;
        drop(start);
        let delimiter = options
            .delimiter
            .unwrap_or_else(|| detect_delimiter(&first));
        let crlf = first.ends_with(b"\r\n");
        // Lines that end with a carriage return alone: read with line feeds (see
        // `LineFeeds`), and then the first "line" is the whole file.
        let cr_lines = lone_carriage_return(&first);
        let mut text_columns = options.text_columns.clone();
        loop {
            match read_once(
                &input,
                &name,
                (delimiter, crlf, cr_lines),
                options,
                &text_columns,
            )? {
                Pass::Done(table) => return Ok(table),
                // Columns that turned out to hold text after some numbers: read again with
                // them as text from the start (their numbers' own spelling is kept).
                Pass::Retype(names) => text_columns.extend(names),
            }
        }
    }

    /// A table of Arrow record batches (of one schema), for data already in memory as Arrow
    /// (from Polars, DataFusion, a Flight stream…): typed as a Parquet file is (numbers of any
    /// width and booleans as `f64`, strings and dictionaries as codes, nulls missing, other
    /// types kept for an error if used); `text_columns` are read as text even when numeric.
    /// `name` stands for the source in messages.
    ///
    /// ```
    /// use descent_models::arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
    /// use descent_models::table::{RawColumn, RawTable};
    /// use std::sync::Arc;
    /// let batch = RecordBatch::try_from_iter([
    ///     ("x", Arc::new(Float64Array::from(vec![Some(1.5), None])) as ArrayRef),
    ///     ("plan", Arc::new(StringArray::from(vec!["basic", "pro"])) as ArrayRef),
    /// ])?;
    /// let table = RawTable::from_arrow("in memory", &[batch], &[])?;
    /// assert_eq!(table.columns[0], RawColumn::Numeric(0));
    /// assert!(table.is_missing(0, 1));
    /// assert_eq!(table.text(1, 1).as_deref(), Some("pro"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// No batches or no rows, a repeated column name, batches of other shapes, an infinite
    /// number, a text column named that is not in the schema.
    #[cfg(feature = "parquet")]
    pub fn from_arrow(
        name: &str,
        batches: &[arrow_array::RecordBatch],
        text_columns: &[String],
    ) -> Result<Self, DataError> {
        crate::parquet_table::from_batches(Path::new(name), batches, text_columns)
    }

    /// The number of rows.
    pub fn nrows(&self) -> usize {
        self.numbers.nrows()
    }

    /// Whether column `c` is missing at row `i` (a column of an unsupported type always is).
    pub fn is_missing(&self, c: usize, i: usize) -> bool {
        match &self.columns[c] {
            RawColumn::Numeric(k) => self.numbers[[i, *k]].is_nan(),
            RawColumn::Text { codes, .. } => codes[i] == RawColumn::MISSING,
            RawColumn::Unsupported { .. } => true,
        }
    }

    /// Column `c` at row `i` as text: the value itself, or a number as Rust writes it (`1`,
    /// `0.5`); `None` when missing.
    pub fn text(&self, c: usize, i: usize) -> Option<String> {
        match &self.columns[c] {
            RawColumn::Numeric(k) => {
                let v = self.numbers[[i, *k]];
                (!v.is_nan()).then(|| v.to_string())
            }
            RawColumn::Text { codes, levels } => levels.get(codes[i] as usize).cloned(),
            RawColumn::Unsupported { .. } => None,
        }
    }

    /// The values of numeric column `c` (a strided view into [`numbers`](Self::numbers)),
    /// `None` for other columns.
    pub fn numeric(&self, c: usize) -> Option<ArrayView1<'_, f64>> {
        match self.columns[c] {
            RawColumn::Numeric(k) => Some(self.numbers.column(k)),
            _ => None,
        }
    }

    /// Column `c` as sample weights, one per row: a numeric column whose values are finite and
    /// `≥ 0`, NaN where a value is missing (a fit leaves such rows out, or refuses them).
    ///
    /// ```
    /// use descent_models::table::{RawTable, ReadOptions, Source};
    /// let path = std::env::temp_dir().join("descent-doc-weights.csv");
    /// std::fs::write(&path, "x,w,y\n1,2.5,0\n2,NA,1\n3,-1,1\n")?;
    /// let table = RawTable::read(&Source::new(&path), &ReadOptions::default())?;
    /// let error = table.sample_weights(1).unwrap_err();
    /// assert!(error.to_string().contains("line 4, column \"w\": weight -1 is negative"));
    /// std::fs::write(&path, "x,w,y\n1,2.5,0\n2,NA,1\n")?;
    /// let table = RawTable::read(&Source::new(&path), &ReadOptions::default())?;
    /// let w = table.sample_weights(1)?;
    /// assert_eq!(w[0], 2.5);
    /// assert!(w[1].is_nan());
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// A column of text ([`DataError::NotNumeric`], naming the first value) or of an
    /// unsupported type, and a negative or infinite weight ([`DataError::InvalidWeight`]).
    pub fn sample_weights(&self, c: usize) -> Result<ArrayView1<'_, f64>, DataError> {
        let column = || self.names[c].clone();
        let weights = match &self.columns[c] {
            RawColumn::Numeric(k) => self.numbers.column(*k),
            RawColumn::Text { codes, levels } => {
                // The first value that is not a number (the column was read as text for it).
                let number = |code: u32| {
                    levels
                        .get(code as usize)
                        .is_some_and(|l| l.trim().parse::<f64>().is_ok())
                };
                let (i, code) = codes
                    .iter()
                    .enumerate()
                    .find(|&(_, &code)| code != RawColumn::MISSING && !number(code))
                    .map_or((0, 0), |(i, &code)| (i, code));
                return Err(DataError::NotNumeric {
                    path: self.source.clone(),
                    at: self.place(i),
                    column: column(),
                    text: levels.get(code as usize).cloned().unwrap_or_default(),
                });
            }
            RawColumn::Unsupported { kind } => {
                return Err(DataError::UnsupportedType {
                    path: self.source.clone(),
                    column: column(),
                    kind: kind.clone(),
                })
            }
        };
        // NaN (missing) passes: `!(v < 0 || v infinite)`.
        if let Some(i) = weights.iter().position(|v| *v < 0.0 || v.is_infinite()) {
            return Err(DataError::InvalidWeight {
                path: self.source.clone(),
                at: self.place(i),
                column: column(),
                value: weights[i],
            });
        }
        Ok(weights)
    }

    /// Where row `i` is, for messages: `line 5` of a text file, `row 4` of a Parquet file
    /// (1-based).
    pub fn place(&self, i: usize) -> String {
        match self.lines.get(i) {
            Some(line) => format!("line {line}"),
            None => format!("row {}", i + 1),
        }
    }

    /// The index of the column named `name`.
    ///
    /// # Errors
    /// No such column; the message lists the header.
    pub fn column(&self, name: &str) -> Result<usize, DataError> {
        self.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| DataError::MissingColumn {
                path: self.source.clone(),
                name: name.to_owned(),
                available: listed(&self.names),
            })
    }
}

/// What one pass over the input gave.
enum Pass {
    Done(RawTable),
    Retype(Vec<String>),
}

/// A reader that remembers the last byte it gave out (whether the input ends with a line
/// break).
struct LastByte<R> {
    inner: R,
    last: std::rc::Rc<std::cell::Cell<u8>>,
}

impl<R> LastByte<R> {
    fn new(inner: R, last: &std::rc::Rc<std::cell::Cell<u8>>) -> Self {
        LastByte {
            inner,
            last: std::rc::Rc::clone(last),
        }
    }
}

impl<R: Read> Read for LastByte<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(&b) = buf[..n].last() {
            self.last.set(b);
        }
        Ok(n)
    }
}

/// The line on which `record`, just read, starts.
///
/// The csv crate's own record positions are taken before blank lines are skipped, so they
/// are early after a blank line; the reader's position after the record is right, and the
/// record starts as many lines before it as it holds line breaks, plus its own terminating
/// `\n` (not yet read with `\r\n` endings, where the record ends at the `\r`; absent when the
/// record ended the input, which the caller corrects once the input is known to end so).
fn record_line<R: Read>(reader: &csv::Reader<R>, record: &csv::ByteRecord, crlf: bool) -> u64 {
    let inside = record.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
    let terminator = u64::from(!crlf);
    reader.position().line().saturating_sub(inside + terminator)
}

/// One pass over the text of `input`, with its delimiter and whether its lines end `\r\n`.
fn read_once(
    input: &Input,
    name: &Path,
    (delimiter, crlf, cr_lines): (u8, bool, bool),
    options: &ReadOptions,
    text_columns: &[String],
) -> Result<Pass, DataError> {
    let last_byte = std::rc::Rc::new(std::cell::Cell::new(b'\n'));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(LastByte::new(
            LineFeeds::new(input.open(name)?, cr_lines),
            &last_byte,
        ));
    let header = reader
        .byte_headers()
        .map_err(|e| csv_error(name, e))?
        .clone();
    let mut names = Vec::with_capacity(header.len());
    for (i, field) in header.iter().enumerate() {
        let text = utf8(field, name, 1)?;
        // A byte-order mark, as spreadsheet programs write, is not part of the first name.
        let text = if i == 0 {
            text.trim_start_matches('\u{feff}')
        } else {
            text
        };
        names.push(text.trim().to_owned());
    }
    if names.is_empty() || names.iter().all(String::is_empty) {
        return Err(DataError::EmptyFile {
            path: name.to_owned(),
        });
    }
    let seen = column_index(name, &names)?;
    let mut columns: Vec<Reading> = names.iter().map(|_| Reading::Numeric).collect();
    for text in text_columns {
        match seen.get(text.as_str()) {
            Some(&c) => columns[c] = Reading::text(0),
            None => {
                return Err(DataError::MissingColumn {
                    path: name.to_owned(),
                    name: text.clone(),
                    available: listed(&names),
                })
            }
        }
    }
    let na: rustc_hash::FxHashSet<&[u8]> = options
        .na_values
        .iter()
        .map(|s| s.trim().as_bytes())
        .collect();
    let numeric_markers = na
        .iter()
        .any(|m| fast_float2::parse::<f64, _>(m).is_ok_and(f64::is_finite));
    let width = names.len();
    let mut lines = Vec::new();
    let mut retype = Vec::new();
    let mut numeric_width = columns
        .iter()
        .filter(|c| matches!(c, Reading::Numeric))
        .count();
    let mut block: Vec<f64> = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(name, e)),
        }
        let line = record_line(&reader, &record, crlf);
        if record.len() != width {
            if record.len() == 1 && record[0].trim_ascii().is_empty() {
                continue;
            }
            return Err(DataError::Ragged {
                path: name.to_owned(),
                line,
                expected: width,
                found: record.len(),
            });
        }
        let row = lines.len();
        // The numeric values of this row go to `block` in column order: row-major.
        let mut slot = 0;
        for (c, field) in record.iter().enumerate() {
            let field = field.trim_ascii();
            let column = &mut columns[c];
            if let Reading::Numeric = column {
                // A number needs no look-up among the markers unless a marker is a number.
                let parsed = fast_float2::parse::<f64, _>(field);
                match parsed {
                    Ok(v) if v.is_finite() && !numeric_markers => {
                        block.push(v);
                        slot += 1;
                        continue;
                    }
                    _ if na.contains(field) => {
                        block.push(f64::NAN);
                        slot += 1;
                        continue;
                    }
                    Ok(v) if v.is_finite() => {
                        block.push(v);
                        slot += 1;
                        continue;
                    }
                    Ok(_) => {
                        return Err(DataError::NonFinite {
                            path: name.to_owned(),
                            line,
                            column: names[c].clone(),
                            text: String::from_utf8_lossy(field).into_owned(),
                        })
                    }
                    Err(_) => {
                        // Text: after numbers, the column is read again as text; after only
                        // missing values, its slot leaves the block and it is text from here.
                        let w = numeric_width;
                        if (0..row).any(|r| !block[r * w + slot].is_nan()) {
                            retype.push(names[c].clone());
                        }
                        remove_slot(&mut block, w, row, slot);
                        numeric_width -= 1;
                        *column = Reading::text(row);
                    }
                }
            } else if na.contains(field) {
                if let Reading::Text { codes, .. } = column {
                    codes.push(RawColumn::MISSING);
                }
                continue;
            }
            if let Reading::Text {
                codes,
                levels,
                index,
            } = column
            {
                let text = utf8(field, name, line)?;
                let code = match index.get(text) {
                    Some(&code) => code,
                    None => {
                        let code = u32::try_from(levels.len())
                            .ok()
                            .filter(|&c| c != RawColumn::MISSING)
                            .ok_or_else(|| DataError::Malformed {
                                path: name.to_owned(),
                                line,
                                reason: format!(
                                    "column {:?} has too many distinct values",
                                    names[c]
                                ),
                            })?;
                        index.insert(text.to_owned(), code);
                        levels.push(text.to_owned());
                        code
                    }
                };
                codes.push(code);
            }
        }
        debug_assert_eq!(block.len(), (row + 1) * numeric_width);
        lines.push(line);
        if !retype.is_empty() {
            // Found one mixed column: read again (the rest of this pass is wasted work).
            return Ok(Pass::Retype(retype));
        }
    }
    if !retype.is_empty() {
        return Ok(Pass::Retype(retype));
    }
    // The last record had no line break of its own to subtract (see `record_line`).
    if !crlf && last_byte.get() != b'\n' {
        if let Some(line) = lines.last_mut() {
            *line += 1;
        }
    }
    if lines.is_empty() {
        return Err(DataError::NoRows {
            path: name.to_owned(),
        });
    }
    let rows = lines.len();
    let numbers =
        Array2::from_shape_vec((rows, numeric_width), block).map_err(|e| DataError::Malformed {
            path: name.to_owned(),
            line: 0,
            reason: e.to_string(),
        })?;
    let mut slot = 0;
    let columns = columns
        .into_iter()
        .map(|c| match c {
            Reading::Numeric => {
                slot += 1;
                RawColumn::Numeric(slot - 1)
            }
            Reading::Text { codes, levels, .. } => RawColumn::Text { codes, levels },
        })
        .collect();
    Ok(Pass::Done(RawTable {
        source: name.to_owned(),
        names,
        columns,
        numbers,
        lines,
        delimiter,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(contents: &[u8], suffix: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(suffix).tempfile().unwrap();
        f.write_all(contents).unwrap();
        f
    }

    fn read(contents: &str) -> Result<RawTable, DataError> {
        let f = file(contents.as_bytes(), ".csv");
        RawTable::read(&Source::new(f.path()), &ReadOptions::default())
    }

    #[test]
    fn types_columns_by_their_contents_and_marks_missing_values() {
        let t = read("id,churn,charges,plan\nA,No,10.5,1\nB,Yes,,2\nC,No, NA ,1\n\nD,No,3e2,?\n")
            .unwrap();
        assert_eq!(t.nrows(), 4);
        assert_eq!(t.lines, [2, 3, 4, 6]);
        assert!(
            matches!(&t.columns[0], RawColumn::Text { levels, .. } if levels == &["A", "B", "C", "D"])
        );
        // Numeric columns share the row-major block, in file order.
        assert_eq!(t.columns[2], RawColumn::Numeric(0));
        assert_eq!(t.columns[3], RawColumn::Numeric(1));
        let charges = t.numeric(2).unwrap();
        assert_eq!((charges[0], charges[3]), (10.5, 300.0));
        assert!(t.is_missing(2, 1) && t.is_missing(2, 2));
        assert!(t.is_missing(3, 3));
        assert_eq!(t.numbers.row(0).to_vec(), [10.5, 1.0]);
        assert_eq!(t.text(1, 1).as_deref(), Some("Yes"));
        assert_eq!(t.text(3, 1).as_deref(), Some("2"));
    }

    #[test]
    fn a_column_with_text_after_numbers_is_read_again_as_text_keeping_their_spelling() {
        let t = read("zip,y\n02134,1\n10001,0\nSW1A,1\n").unwrap();
        assert!(
            matches!(&t.columns[0], RawColumn::Text { levels, .. } if levels == &["02134", "10001", "SW1A"])
        );
        // Text after only missing values needs no second pass and loses nothing.
        let t = read("a,y\n,1\nx,0\n").unwrap();
        assert!(
            matches!(&t.columns[0], RawColumn::Text { codes, .. } if codes == &[RawColumn::MISSING, 0])
        );
    }

    #[test]
    fn lines_are_those_of_the_file_after_blank_lines_quoted_breaks_and_with_crlf() {
        let t = read("a,b\n1,2\n\n\n\n2,3\n4,\"x\ny\"\n5,6").unwrap();
        assert_eq!(t.lines, [2, 6, 7, 9]);
        let t = read("a,b\r\n1,2\r\n\r\n2,3\r\n4,5").unwrap();
        assert_eq!(t.lines, [2, 4, 5]);
        let message = read("a,b\r\n1,2\r\n\r\n2\r\n").unwrap_err().to_string();
        assert!(message.contains("line 4:"), "{message}");
    }

    #[test]
    fn a_text_column_after_missing_values_leaves_the_block_without_a_second_pass() {
        // b's first two values are missing, then text: its slot leaves the block in place.
        let t = read("a,b,c\n1,,2\n3,NA,4\n5,x,6\n7,y,8\n").unwrap();
        assert_eq!(
            t.numbers,
            ndarray::array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]
        );
        assert_eq!(t.columns[2], RawColumn::Numeric(1));
        assert!(
            matches!(&t.columns[1], RawColumn::Text { codes, .. } if codes == &[RawColumn::MISSING, RawColumn::MISSING, 0, 1])
        );
    }

    #[test]
    fn detects_semicolons_and_tabs_and_reads_gzip_whatever_the_name() {
        let t = read("a;b;c\n1,5;2;x\n").unwrap();
        assert_eq!(t.delimiter, b';');
        assert_eq!(t.names, ["a", "b", "c"]);
        let t = read("a\tb\n1\t2\n").unwrap();
        assert_eq!(t.delimiter, b'\t');
        assert_eq!(t.numbers, ndarray::array![[1.0, 2.0]]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"\xef\xbb\xbfx,y\n1,a\n2,b\n").unwrap();
        let f = file(&gz.finish().unwrap(), ".csv.gz");
        let t = RawTable::read(&Source::new(f.path()), &ReadOptions::default()).unwrap();
        assert_eq!(t.names, ["x", "y"]);
        assert_eq!(t.numbers, ndarray::array![[1.0], [2.0]]);
    }

    #[test]
    fn named_text_columns_stay_text_and_custom_markers_replace_the_defaults() {
        let f = file(b"code,v\n1,NA\n2,-\n", ".csv");
        let options = ReadOptions {
            na_values: vec!["-".into()],
            text_columns: vec!["code".into()],
            ..ReadOptions::default()
        };
        let t = RawTable::read(&Source::new(f.path()), &options).unwrap();
        assert!(matches!(&t.columns[0], RawColumn::Text { levels, .. } if levels == &["1", "2"]));
        // "NA" is text now that only "-" marks a missing value.
        assert!(
            matches!(&t.columns[1], RawColumn::Text { codes, levels } if levels == &["NA"] && codes[1] == RawColumn::MISSING)
        );
        let missing = ReadOptions {
            text_columns: vec!["nope".into()],
            ..ReadOptions::default()
        };
        assert!(RawTable::read(&Source::new(f.path()), &missing)
            .unwrap_err()
            .to_string()
            .contains("no column named \"nope\""));
    }

    #[test]
    fn bad_input_is_one_clear_error_naming_the_line() {
        let message = |s: &str| read(s).unwrap_err().to_string();
        assert!(message("a,b\n1,2\n3\n").contains("line 3: expected 2 fields"));
        assert!(message("a,b\n1,inf\n")
            .contains("line 2, column \"b\": \"inf\" is not a finite number"));
        assert!(message("a,a\n1,2\n").contains("appears twice"));
        assert!(message("a,b\n").contains("no data rows"));
        assert!(message("").contains("empty"));
    }

    #[test]
    fn lines_that_end_with_a_carriage_return_alone_are_counted() {
        let message = |s: &str| read(s).unwrap_err().to_string();
        // A blank line, and a carriage return inside quotes (data, not a line break).
        let text = "a,b\r\"x\ry\",1\r\rz,4\rw,inf\r";
        assert!(
            message(text).contains("line 5, column \"b\": \"inf\" is not a finite number"),
            "{}",
            message(text)
        );
        let table = read("a,b\r\"x\ry\",1\r\rz,4\r").unwrap();
        assert_eq!(table.nrows(), 2);
        assert_eq!(table.text(0, 0).as_deref(), Some("x\ry"));
        assert_eq!(table.place(1), "line 4");
        assert!(message("a,b\r1,2\r3\r").contains("line 3: expected 2 fields"));
    }
}
