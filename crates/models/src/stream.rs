//! A numeric CSV or Parquet file read pass by pass: the [`RowSource`] of a streamed fit
//! ([`LogisticRegression::fit_stream`](crate::LogisticRegression::fit_stream),
//! [`LinearRegression::fit_stream`](crate::LinearRegression::fit_stream)), which holds one
//! block of rows in memory and writes nothing to disk.
//!
//! Every pass reads the file again: a CSV file 64 MiB at a time by the in-memory reader's
//! fast parser (rayon's threads), a Parquet file a decoded batch of 16 384 rows at a time,
//! numbers of any width as `f64`; the rows are handed over in blocks of
//! [`FileStream::BLOCK_ROWS`] rows. A pass costs
//! a parse of the file, so a fit from a stream takes a few parses of it: against a data cache
//! ([`DataCache`](crate::cache::DataCache)), which costs one parse and a binary file as large
//! as `X`, a stream pays the parse on every pass and needs no disk.
//!
//! The file must not change during the fit: each pass checks its size and modification time,
//! and its row count, against the first pass's, and fails with [`DataError::Changed`].

use crate::cache::Source;
use crate::csv_field::DataError;
use crate::data::Table;
use descent_objectives::{Element, RowBlock, RowSource, ROW_BLOCK};
use ndarray::{ArrayView1, ArrayView2};
use std::marker::PhantomData;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A numeric CSV or Parquet file's features (stored as `T` while read) and target, read pass
/// by pass in blocks of rows (see the [module documentation](self)).
///
/// ```
/// use descent_models::stream::FileStream;
/// use descent_models::{data::Dataset, LogisticRegression};
/// let csv = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/breast_cancer.csv");
/// let stream = FileStream::<f64>::open(csv, None, &[])?;
/// let streamed = LogisticRegression::new().fit_stream(&stream)?;
/// let data = Dataset::from_csv(csv, None)?;
/// let in_memory = LogisticRegression::new().fit(data.x.view(), data.y.view())?;
/// assert_eq!(streamed.coef, in_memory.coef); // bit for bit
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct FileStream<T = f64> {
    path: PathBuf,
    parquet: bool,
    /// A CSV file's feature columns and target column.
    columns: (Vec<usize>, usize),
    feature_names: Vec<String>,
    target_name: String,
    rows: usize,
    block_rows: usize,
    /// The file as it was when opened.
    source: Source,
    /// Passes begun so far.
    passes: AtomicU64,
    values: PhantomData<T>,
}

impl<T: Element> FileStream<T> {
    /// Rows per block by default: 16 blocks of [`ROW_BLOCK`], 131 072 rows (50 MB of `X` at 50
    /// features in `f64`).
    pub const BLOCK_ROWS: usize = 16 * ROW_BLOCK;

    /// The CSV or Parquet file `path` (told apart by Parquet's magic bytes) as a stream: the
    /// column named `target` (the last when `None`) is the target, `excluded` columns are left
    /// out, every other column is a feature. Reads the header and counts the rows (a CSV
    /// file's lines are counted; a Parquet file's metadata says).
    ///
    /// # Errors
    /// A file that cannot be read, is not a regular file (a pipe can be read only once), has
    /// no rows, or lacks the columns named.
    pub fn open(
        path: impl AsRef<Path>,
        target: Option<&str>,
        excluded: &[String],
    ) -> Result<Self, DataError> {
        let path = path.as_ref().to_owned();
        // A pipe (`<(…)`) is read once: a stream reads its file on every pass.
        let regular = std::fs::metadata(&path).map_err(|source| DataError::Io {
            path: path.clone(),
            source,
        })?;
        if !regular.is_file() {
            return Err(DataError::NotAFile {
                path,
                kind: "not a regular file, which a stream reads again on every pass",
            });
        }
        let source = Source::of(&path)?;
        let parquet = crate::cache::is_parquet(&path);
        let (columns, rows) = if parquet {
            ((Vec::new(), 0), parquet_rows(&path)?)
        } else {
            let table = Table::open(&path)?;
            let layout = table.layout(target, excluded)?;
            (
                (layout.feature_columns, layout.target),
                crate::data::count_rows(&path)?,
            )
        };
        if rows == 0 {
            return Err(DataError::NoRows { path });
        }
        let (feature_names, target_name) = crate::cache::column_names(&path, target, excluded)?;
        Ok(FileStream {
            path,
            parquet,
            columns,
            feature_names,
            target_name,
            rows,
            block_rows: Self::BLOCK_ROWS,
            source,
            passes: AtomicU64::new(0),
            values: PhantomData,
        })
    }

    /// Hands the rows over in blocks of `rows` rows (rounded up to a multiple of
    /// [`ROW_BLOCK`]): smaller blocks hold less in memory. The fit is the same to the bit for
    /// any block size.
    #[must_use]
    pub fn block_rows(mut self, rows: usize) -> Self {
        self.block_rows = rows.max(1).div_ceil(ROW_BLOCK) * ROW_BLOCK;
        self
    }

    /// The features' names, in file order.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The target's name.
    pub fn target_name(&self) -> &str {
        &self.target_name
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The passes over the file begun so far.
    pub fn passes(&self) -> u64 {
        self.passes.load(Ordering::Relaxed)
    }

    /// The file's size in bytes when it was opened: what a pass reads.
    pub fn file_bytes(&self) -> u64 {
        self.source.bytes
    }

    fn changed(&self, what: String) -> DataError {
        DataError::Changed {
            path: self.path.clone(),
            what,
        }
    }

    /// Hands the file's rows, as they are parsed, to `rows` (features row-major, targets);
    /// stops when `rows` breaks.
    fn read(&self, rows: &mut Rows<'_, T>) -> Result<(), DataError> {
        // The parsers' callbacks return errors, not a flow: a break is carried out as this
        // error, and not returned.
        let mut stopped = false;
        let mut take = |x: &[T], y: &[f64]| {
            if rows(x, y).is_break() {
                stopped = true;
                return Err(DataError::NoRows {
                    path: self.path.clone(),
                });
            }
            Ok(())
        };
        let read = if self.parquet {
            self.read_parquet(&mut take)
        } else {
            Table::open(&self.path).and_then(|mut table| {
                table
                    .for_each_block(&self.columns.0, self.columns.1, &mut take)
                    .map(|_| ())
            })
        };
        match read {
            Err(_) if stopped => Ok(()),
            other => other,
        }
    }

    #[cfg(feature = "parquet")]
    fn read_parquet(&self, take: &mut Parsed<'_, T>) -> Result<(), DataError> {
        let names = (self.feature_names.as_slice(), self.target_name.as_str());
        if crate::parquet_table::for_each_plain_batch(&self.path, names, take)? {
            return Ok(());
        }
        // Opening the file read its first row as numbers: its columns are numeric.
        Err(DataError::Parquet {
            path: self.path.clone(),
            reason: "a column is no longer numeric".to_owned(),
        })
    }

    #[cfg(not(feature = "parquet"))]
    fn read_parquet(&self, _: &mut Parsed<'_, T>) -> Result<(), DataError> {
        Err(crate::table::no_parquet(&self.path))
    }
}

impl<T: Element> RowSource for FileStream<T> {
    type Error = DataError;

    fn rows(&self) -> usize {
        self.rows
    }

    fn columns(&self) -> usize {
        self.feature_names.len()
    }

    fn block_rows(&self) -> usize {
        self.block_rows
    }

    fn pass(
        &self,
        visit: &mut dyn FnMut(RowBlock<'_>) -> ControlFlow<()>,
    ) -> Result<(), DataError> {
        self.passes.fetch_add(1, Ordering::Relaxed);
        let now = Source::of(&self.path)?;
        if now != self.source {
            return Err(self.changed(format!(
                "{} bytes when the fit began, {} now, or another modification time",
                self.source.bytes, now.bytes
            )));
        }
        let p = self.columns();
        let mut blocks = Reblocked {
            x: Vec::with_capacity(self.block_rows * p),
            y: Vec::with_capacity(self.block_rows),
            first_row: 0,
            block_rows: self.block_rows,
            p,
        };
        let mut flow = ControlFlow::Continue(());
        self.read(&mut |x, y| {
            flow = blocks.push(x, y, visit);
            flow
        })?;
        if flow.is_break() {
            return Ok(());
        }
        let read = blocks.first_row + blocks.y.len();
        if read != self.rows {
            return Err(self.changed(format!("{} rows when the fit began, {read} now", self.rows)));
        }
        let _last = blocks.hand_over(visit);
        Ok(())
    }
}

/// The rows of the Parquet file `path`, from its metadata.
#[cfg(feature = "parquet")]
fn parquet_rows(path: &Path) -> Result<usize, DataError> {
    Ok(crate::table::parquet_shape(path)?.0)
}

#[cfg(not(feature = "parquet"))]
fn parquet_rows(path: &Path) -> Result<usize, DataError> {
    Err(crate::table::no_parquet(path))
}

/// What a read hands parsed rows to (features row-major, targets).
type Rows<'f, T> = dyn FnMut(&[T], &[f64]) -> ControlFlow<()> + 'f;

/// What a parser hands parsed rows to.
pub(crate) type Parsed<'f, T> = dyn FnMut(&[T], &[f64]) -> Result<(), DataError> + 'f;

/// Rows as they are parsed, gathered into blocks of `block_rows` rows.
struct Reblocked<T> {
    x: Vec<T>,
    y: Vec<f64>,
    /// The whole data set's index of the block's first row.
    first_row: usize,
    block_rows: usize,
    p: usize,
}

impl<T: Element> Reblocked<T> {
    /// Adds parsed rows, handing over each block they fill.
    fn push(
        &mut self,
        mut x: &[T],
        mut y: &[f64],
        visit: &mut dyn FnMut(RowBlock<'_>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        if x.len() != y.len() * self.p {
            // Not rows of this width: no block of them (the pass then ends short of its
            // rows, and says so).
            return ControlFlow::Break(());
        }
        while !y.is_empty() {
            let take = (self.block_rows - self.y.len()).min(y.len());
            self.x.extend_from_slice(&x[..take * self.p]);
            self.y.extend_from_slice(&y[..take]);
            (x, y) = (&x[take * self.p..], &y[take..]);
            if self.y.len() == self.block_rows {
                self.hand_over(visit)?;
            }
        }
        ControlFlow::Continue(())
    }

    /// Hands over the rows gathered (when there are some) as a block.
    fn hand_over(
        &mut self,
        visit: &mut dyn FnMut(RowBlock<'_>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let rows = self.y.len();
        if rows == 0 {
            return ControlFlow::Continue(());
        }
        let flow = match ArrayView2::from_shape((rows, self.p), &self.x) {
            Ok(x) => visit(RowBlock {
                first_row: self.first_row,
                x: T::features(x),
                y: ArrayView1::from(&self.y),
            }),
            Err(_) => ControlFlow::Break(()),
        };
        self.first_row += rows;
        self.x.clear();
        self.y.clear();
        flow
    }
}
