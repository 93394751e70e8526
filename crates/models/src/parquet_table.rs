//! Parquet files as [`RawTable`]s, through the `parquet` crate's Arrow reader: row groups are
//! decoded in batches of [`BATCH_ROWS`] rows, the columns shared out among the threads (each
//! decodes its own through its own reader), and each batch's numbers moved into the row-major
//! block a tile of rows at a time. Numbers of any width (and booleans, as 0 and 1) become
//! `f64` (a `Float64` column without nulls is moved from the batch itself); strings, plain or
//! dictionary-encoded, become codes, a dictionary mapped onto the column's levels once (a value
//! is looked up once per dictionary, not once per row). Nulls, and NaN in float columns
//! (pandas' missing value), are missing. Other types (dates, binary, lists) are kept as
//! [`RawColumn::Unsupported`], an error only if a fit uses them.

use crate::csv_field::DataError;
use crate::table::{RawColumn, RawTable};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, RecordBatch};
use arrow_buffer::NullBuffer;
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder, RowSelection, RowSelector,
};
use parquet::arrow::ProjectionMask;
use parquet::file::reader::ChunkReader;
use rayon::prelude::*;
use std::path::Path;
use std::sync::Arc;

/// Rows per decoded batch: large enough that per-batch work is negligible, small enough that
/// a batch's arrays (128 KiB per `f64` column) are reused from the allocator's free lists
/// rather than mapped and faulted in afresh (2¹⁶ rows read the 1M-row benchmark table in
/// 264 ms, 2¹⁴ in 214 ms, 2¹³ in 220 ms).
const BATCH_ROWS: usize = 1 << 14;

/// A column being read.
enum Building {
    /// Column `.0` of the row-major block of numbers.
    Numeric(usize),
    Text {
        codes: Vec<u32>,
        levels: Vec<String>,
        index: rustc_hash::FxHashMap<String, u32>,
        /// The last batch's dictionary and its values' codes: the batches of a row group
        /// share one dictionary, which is then mapped once, not once per batch.
        dictionary: Option<(ArrayRef, Vec<u32>)>,
    },
    Unsupported(String),
}

/// Whether values of `kind` are read as numbers.
fn numeric(kind: &DataType) -> bool {
    matches!(
        kind,
        DataType::Float64
            | DataType::Float32
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
            | DataType::Boolean
    )
}

/// Whether values of `kind` are read as text.
fn text(kind: &DataType) -> bool {
    match kind {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, values) => text(values),
        _ => false,
    }
}

/// Writes `values` into `column` (one batch's values of a numeric column, contiguous), nulls
/// as NaN; `Err` with the first infinite value's row (in the batch). The copy and the check
/// are flat loops over one column, at the vector width; the values reach the row-major block
/// by [`transpose_into`].
fn write_column(
    column: &mut [f64],
    values: impl Iterator<Item = f64>,
    nulls: Option<NullBuffer>,
) -> Result<(), (usize, f64)> {
    for (out, v) in column.iter_mut().zip(values) {
        *out = v;
    }
    if let Some(nulls) = nulls.filter(|n| n.null_count() > 0) {
        for (out, valid) in column.iter_mut().zip(nulls.iter()) {
            if !valid {
                *out = f64::NAN;
            }
        }
    }
    first_infinite(column).map_or(Ok(()), Err)
}

/// The values of a `Float64` array without nulls, borrowed.
fn plain_f64(array: &dyn Array) -> Option<&[f64]> {
    (array.data_type() == &DataType::Float64 && array.logical_null_count() == 0)
        .then(|| array.as_primitive::<Float64Type>().values().as_ref())
}

/// The first infinite value of `values` and its index (a flat scan, at the vector width,
/// then a search only when there is one).
fn first_infinite(values: &[f64]) -> Option<(usize, f64)> {
    if !values.iter().fold(false, |any, v| any | v.is_infinite()) {
        return None;
    }
    values
        .iter()
        .enumerate()
        .find(|(_, v)| v.is_infinite())
        .map(|(i, &v)| (i, v))
}

/// The message of an infinite value.
fn infinite(v: f64) -> String {
    format!("{v} is not a finite number")
}

/// Rows of a batch per thread, when threads share the moving of a batch into the block.
const PARALLEL_ROWS: usize = 1024;

/// Rows per tile of [`transpose_into`]: a tile's rows of the block (`TILE_ROWS × width`
/// values) stay in the L1 cache while every column writes its values into them.
const TILE_ROWS: usize = 64;

/// Copies a batch's columns (`columns`, one per slot of the block, `rows.len() / width`
/// values each) into its rows of the row-major block, a tile of rows at a time: each row's
/// cache lines are filled by all columns while they are in cache, instead of being fetched
/// again for each column (20 columns of a 65 536-row batch wrote 10 MB twenty times over).
///
/// `rows` are the rows from `offset` on of the batch (a part, when threads share a batch).
/// The block's values are stored as `T` (each rounded to nearest from `f64`).
fn transpose_into<T: descent_objectives::Element>(
    columns: &[&[f64]],
    offset: usize,
    rows: &mut [T],
    width: usize,
) {
    let n = rows.len() / width.max(1);
    for first in (0..n).step_by(TILE_ROWS) {
        let tile = &mut rows[first * width..(first + TILE_ROWS).min(n) * width];
        for (slot, column) in columns.iter().enumerate() {
            let values = &column[offset + first..];
            for (row, &v) in tile.chunks_exact_mut(width).zip(values) {
                row[slot] = T::from_f64(v);
            }
        }
    }
}

/// Writes the values of a primitive array as `f64` into `column`.
fn write_primitive<T>(array: &dyn Array, column: &mut [f64]) -> Result<(), (usize, f64)>
where
    T: ArrowPrimitiveType,
    T::Native: Into<WideNumber>,
{
    let array = array.as_primitive::<T>();
    write_column(
        column,
        array.values().iter().map(|&v| v.into().0),
        array.logical_nulls(),
    )
}

/// A stored number as `f64` (integers beyond 2⁵³ rounded, as numpy's `astype(float)`).
struct WideNumber(f64);

macro_rules! wide_number {
    ($($t:ty),*) => {$(
        impl From<$t> for WideNumber {
            #[allow(clippy::cast_precision_loss, reason = "as numpy converts integers to floats")]
            fn from(v: $t) -> Self {
                WideNumber(v as f64)
            }
        }
    )*};
}
wide_number!(f64, f32, i8, i16, i32, i64, u8, u16, u32, u64);

impl Building {
    /// A column of `kind`; a numeric one takes the next slot of the block.
    fn new(kind: &DataType, slots: &mut usize) -> Self {
        if numeric(kind) {
            *slots += 1;
            Building::Numeric(*slots - 1)
        } else if text(kind) {
            Building::Text {
                codes: Vec::new(),
                levels: Vec::new(),
                index: rustc_hash::FxHashMap::default(),
                dictionary: None,
            }
        } else {
            Building::Unsupported(kind.to_string())
        }
    }

    /// The code of `value`, a new level when unseen.
    fn code(
        levels: &mut Vec<String>,
        index: &mut rustc_hash::FxHashMap<String, u32>,
        value: &str,
    ) -> u32 {
        if let Some(&code) = index.get(value) {
            return code;
        }
        // Fewer levels than rows, and rows fit in memory: the count fits in u32 for any
        // table this reader can hold (a `u32::MAX` level would be MISSING's code).
        let code = u32::try_from(levels.len()).unwrap_or(RawColumn::MISSING - 1);
        index.insert(value.to_owned(), code);
        levels.push(value.to_owned());
        code
    }

    /// Appends a batch's array (numbers into `columns`, the batch's values of each numeric
    /// column one after the other, at this column's slot); `Err` with a message (and the row
    /// in the batch).
    fn append(&mut self, array: &dyn Array, columns: &mut [f64]) -> Result<(), (usize, String)> {
        let infinite = |(i, v): (usize, f64)| (i, infinite(v));
        match self {
            Building::Unsupported(_) => Ok(()),
            Building::Numeric(slot) => {
                let n = array.len();
                let t = &mut columns[*slot * n..(*slot + 1) * n];
                match array.data_type() {
                    DataType::Float64 => write_primitive::<Float64Type>(array, t),
                    DataType::Float32 => write_primitive::<Float32Type>(array, t),
                    DataType::Int8 => write_primitive::<Int8Type>(array, t),
                    DataType::Int16 => write_primitive::<Int16Type>(array, t),
                    DataType::Int32 => write_primitive::<Int32Type>(array, t),
                    DataType::Int64 => write_primitive::<Int64Type>(array, t),
                    DataType::UInt8 => write_primitive::<UInt8Type>(array, t),
                    DataType::UInt16 => write_primitive::<UInt16Type>(array, t),
                    DataType::UInt32 => write_primitive::<UInt32Type>(array, t),
                    DataType::UInt64 => write_primitive::<UInt64Type>(array, t),
                    DataType::Boolean => {
                        let array = array.as_boolean();
                        let values = (0..array.len()).map(|i| f64::from(u8::from(array.value(i))));
                        write_column(t, values, array.logical_nulls())
                    }
                    other => {
                        return Err((0, format!("a batch of type {other} in a numeric column")))
                    }
                }
                .map_err(infinite)
            }
            Building::Text {
                codes,
                levels,
                index,
                dictionary: last,
            } => {
                let mut push = |value: Option<&str>| {
                    codes.push(value.map_or(RawColumn::MISSING, |v| Self::code(levels, index, v)));
                };
                match array.data_type() {
                    DataType::Utf8 => array.as_string::<i32>().iter().for_each(&mut push),
                    DataType::LargeUtf8 => array.as_string::<i64>().iter().for_each(&mut push),
                    DataType::Utf8View => array.as_string_view().iter().for_each(&mut push),
                    DataType::Dictionary(..) => {
                        let dictionary = array.as_any_dictionary();
                        let values = dictionary.values();
                        if values.is_empty() {
                            codes.extend(std::iter::repeat_n(RawColumn::MISSING, array.len()));
                            return Ok(());
                        }
                        let same = last.as_ref().is_some_and(|(seen, _)| {
                            std::ptr::addr_eq(Arc::as_ptr(seen), Arc::as_ptr(values))
                        });
                        if !same {
                            // Each value of this dictionary is looked up once.
                            let mut local = Vec::with_capacity(values.len());
                            let mut learn =
                                |value: Option<&str>| {
                                    local.push(value.map_or(RawColumn::MISSING, |v| {
                                        Self::code(levels, index, v)
                                    }));
                                };
                            match values.data_type() {
                                DataType::Utf8 => {
                                    values.as_string::<i32>().iter().for_each(&mut learn);
                                }
                                DataType::LargeUtf8 => {
                                    values.as_string::<i64>().iter().for_each(&mut learn);
                                }
                                DataType::Utf8View => {
                                    values.as_string_view().iter().for_each(&mut learn);
                                }
                                other => return Err((0, format!("a dictionary of {other}"))),
                            }
                            // The dictionary is kept with its codes, so that its address is
                            // not another's while it is compared.
                            *last = Some((Arc::clone(values), local));
                        }
                        let local = last.as_ref().map_or(&[][..], |(_, l)| l.as_slice());
                        let nulls = array.logical_nulls();
                        let keys = dictionary.normalized_keys();
                        let code = |k: usize| local.get(k).copied().unwrap_or(RawColumn::MISSING);
                        match nulls.filter(|n| n.null_count() > 0) {
                            Some(n) => {
                                codes.extend(keys.iter().zip(n.iter()).map(|(&k, valid)| {
                                    if valid {
                                        code(k)
                                    } else {
                                        RawColumn::MISSING
                                    }
                                }))
                            }
                            None => codes.extend(keys.iter().map(|&k| code(k))),
                        }
                    }
                    other => return Err((0, format!("a batch of type {other} in a text column"))),
                }
                Ok(())
            }
        }
    }

    fn finish(self) -> RawColumn {
        match self {
            Building::Numeric(slot) => RawColumn::Numeric(slot),
            Building::Text { codes, levels, .. } => RawColumn::Text { codes, levels },
            Building::Unsupported(kind) => RawColumn::Unsupported { kind },
        }
    }
}

/// A table being built from Arrow record batches of one schema: the numbers of each batch go
/// straight into their rows of the block.
struct TableBuilder {
    name: std::path::PathBuf,
    names: Vec<String>,
    columns: Vec<Building>,
    block: Vec<f64>,
    /// A batch's numeric columns, one after the other, before they go into the block's rows.
    columns_of_batch: Vec<f64>,
    width: usize,
    rows: usize,
    read: usize,
}

impl TableBuilder {
    /// A builder for `rows` rows of `schema`.
    fn new(name: &Path, schema: &arrow_schema::Schema, rows: usize) -> Result<Self, DataError> {
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        crate::data::column_index(name, &names)?;
        if names.is_empty() {
            return Err(DataError::EmptyFile {
                path: name.to_owned(),
            });
        }
        let mut width = 0;
        let columns = schema
            .fields()
            .iter()
            .map(|f| Building::new(f.data_type(), &mut width))
            .collect();
        Ok(TableBuilder {
            name: name.to_owned(),
            names,
            columns,
            block: vec![0.0; rows * width],
            columns_of_batch: Vec::new(),
            width,
            rows,
            read: 0,
        })
    }

    fn error(&self, reason: String) -> DataError {
        DataError::Parquet {
            path: self.name.clone(),
            reason,
        }
    }

    /// Appends a batch's rows: `arrays`, one per column of the table, of `n` values each.
    fn push(&mut self, arrays: &[ArrayRef], n: usize) -> Result<(), DataError> {
        let (read, width) = (self.read, self.width);
        let end = read + n;
        if arrays.len() != self.columns.len()
            || end > self.rows
            || arrays.iter().any(|a| a.len() != n)
        {
            return Err(self.error(format!(
                "a batch of {} columns and {n} rows after {read} rows, in a table of {} columns and {} rows",
                arrays.len(),
                self.columns.len(),
                self.rows
            )));
        }
        let mut columns = std::mem::take(&mut self.columns_of_batch);
        columns.resize(n * width, 0.0);
        // Float64 columns without nulls are moved from the batch itself, the others from
        // their copies as `f64` in `columns`.
        let mut direct: Vec<Option<&[f64]>> = vec![None; width];
        for (c, array) in arrays.iter().enumerate() {
            let appended = match (&self.columns[c], plain_f64(array.as_ref())) {
                (Building::Numeric(slot), Some(values)) => {
                    direct[*slot] = Some(values);
                    first_infinite(values).map_or(Ok(()), |(i, v)| Err((i, infinite(v))))
                }
                _ => self.columns[c].append(array.as_ref(), &mut columns),
            };
            if let Err((i, reason)) = appended {
                let reason = format!("row {}, column {:?}: {reason}", read + i + 1, self.names[c]);
                return Err(self.error(reason));
            }
        }
        let sources: Vec<&[f64]> = direct
            .iter()
            .zip(columns.chunks_exact(n.max(1)))
            .map(|(direct, copied)| direct.unwrap_or(copied))
            .collect();
        let rows = &mut self.block[read * width..end * width];
        if n > 2 * PARALLEL_ROWS && rayon::current_num_threads() > 1 {
            rows.par_chunks_mut(PARALLEL_ROWS * width)
                .enumerate()
                .for_each(|(k, part)| transpose_into(&sources, k * PARALLEL_ROWS, part, width));
        } else {
            transpose_into(&sources, 0, rows, width);
        }
        self.columns_of_batch = columns;
        self.read = end;
        Ok(())
    }

    /// The table, with `text_columns` read as text even when numeric (their numbers written as
    /// Rust writes them: `3`, `2.5`).
    /// The table; no rows is an error unless `empty` allows it (an empty window of a file
    /// that has rows).
    fn finish(self, text_columns: &[String], empty: bool) -> Result<RawTable, DataError> {
        if self.read != self.rows {
            let reason = format!("{} rows where {} were declared", self.read, self.rows);
            return Err(self.error(reason));
        }
        if self.read == 0 && !empty {
            return Err(DataError::NoRows { path: self.name });
        }
        let numbers = ndarray::Array2::from_shape_vec((self.rows, self.width), self.block)
            .map_err(|e| DataError::Parquet {
                path: self.name.clone(),
                reason: e.to_string(),
            })?;
        let names = self.names;
        let mut columns: Vec<RawColumn> = self.columns.into_iter().map(Building::finish).collect();
        for wanted in text_columns {
            let c =
                names
                    .iter()
                    .position(|n| n == wanted)
                    .ok_or_else(|| DataError::MissingColumn {
                        path: self.name.clone(),
                        name: wanted.clone(),
                        available: crate::data::listed(&names),
                    })?;
            // Its slot in the block stays, unused.
            if let RawColumn::Numeric(slot) = columns[c] {
                let (mut levels, mut index) = (Vec::new(), rustc_hash::FxHashMap::default());
                let codes = numbers
                    .column(slot)
                    .iter()
                    .map(|v| {
                        if v.is_nan() {
                            RawColumn::MISSING
                        } else {
                            Building::code(&mut levels, &mut index, &v.to_string())
                        }
                    })
                    .collect();
                columns[c] = RawColumn::Text { codes, levels };
            }
        }
        Ok(RawTable {
            source: self.name,
            names,
            columns,
            numbers,
            lines: Vec::new(),
            delimiter: 0,
        })
    }
}

/// Reads a Parquet file as a [`RawTable`]: `open` gives a reader of its bytes (a file opened
/// again, or bytes in memory), once for the metadata and once for each thread; `text_columns`
/// are read as text even when numeric.
///
/// Parquet stores each column of a row group on its own, so the columns decode
/// independently: with more than one thread, each thread decodes its share of the columns
/// (every `threads`-th), batch by batch, through its own reader, and each batch's columns, put
/// back in order, go into the block together.
pub(crate) fn read<R: ChunkReader + 'static>(
    open: impl Fn() -> Result<R, DataError>,
    name: &Path,
    text_columns: &[String],
) -> Result<RawTable, DataError> {
    Ok(read_window(open, name, text_columns, |_| None)?.0)
}

/// The number of rows of each row group of the Parquet file `path`, in order, and its number
/// of columns.
pub(crate) fn row_groups(path: &Path) -> Result<(Vec<usize>, usize), DataError> {
    let file = std::fs::File::open(path).map_err(|source| DataError::Io {
        path: path.to_owned(),
        source,
    })?;
    let metadata =
        ArrowReaderMetadata::load(&file, ArrowReaderOptions::default()).map_err(|e| {
            DataError::Parquet {
                path: path.to_owned(),
                reason: e.to_string(),
            }
        })?;
    let groups = metadata
        .metadata()
        .row_groups()
        .iter()
        .map(|g| usize::try_from(g.num_rows()).unwrap_or(0))
        .collect();
    Ok((groups, metadata.schema().fields().len()))
}

/// A decoded batch of [`ColumnBatches`]: an array for each column read (`None` for the
/// file's other columns), and its number of rows.
type Batch = (Vec<Option<ArrayRef>>, usize);

/// Columns of a Parquet file decoded batch by batch of [`BATCH_ROWS`] rows, shared out among
/// the threads: each thread decodes every `readers`-th of the columns through its own reader
/// (Parquet stores each column of a row group on its own), and a batch's columns are put back
/// in the file's order.
struct ColumnBatches {
    /// Each reader's columns (indices in the file's schema) and the reader.
    readers: Vec<(Vec<usize>, ParquetRecordBatchReader)>,
    /// The file's number of columns.
    width: usize,
    path: std::path::PathBuf,
}

impl ColumnBatches {
    /// The `columns` (increasing indices in the file's schema) of the file `open` gives, whose
    /// metadata is `metadata`; only the rows of `selection` (row groups and rows in them) when
    /// given.
    fn new<R: ChunkReader + 'static>(
        open: impl Fn() -> Result<R, DataError>,
        metadata: &ArrowReaderMetadata,
        columns: &[usize],
        selection: Option<&(Vec<usize>, RowSelection)>,
        path: &Path,
    ) -> Result<Self, DataError> {
        let error = |reason: String| DataError::Parquet {
            path: path.to_owned(),
            reason,
        };
        let readers = rayon::current_num_threads().clamp(1, columns.len().max(1));
        let readers = (0..readers)
            .map(|g| {
                let mine: Vec<usize> = columns.iter().skip(g).step_by(readers).copied().collect();
                let mut builder =
                    ParquetRecordBatchReaderBuilder::new_with_metadata(open()?, metadata.clone());
                let mask = ProjectionMask::roots(builder.parquet_schema(), mine.iter().copied());
                if let Some((groups, rows)) = selection {
                    builder = builder
                        .with_row_groups(groups.clone())
                        .with_row_selection(rows.clone());
                }
                let reader = builder
                    .with_projection(mask)
                    .with_batch_size(BATCH_ROWS)
                    .build()
                    .map_err(|e| error(e.to_string()))?;
                Ok((mine, reader))
            })
            .collect::<Result<Vec<_>, DataError>>()?;
        Ok(ColumnBatches {
            readers,
            width: metadata.schema().fields().len(),
            path: path.to_owned(),
        })
    }

    /// The next [`Batch`]; `None` after the last.
    fn next(&mut self) -> Option<Result<Batch, DataError>> {
        let batches: Vec<_> = if self.readers.len() > 1 {
            self.readers.par_iter_mut().map(|(_, r)| r.next()).collect()
        } else {
            self.readers.iter_mut().map(|(_, r)| r.next()).collect()
        };
        if batches.iter().all(Option::is_none) {
            return None;
        }
        let error = |reason: String| DataError::Parquet {
            path: self.path.clone(),
            reason,
        };
        let mut arrays: Vec<Option<ArrayRef>> = vec![None; self.width];
        let mut n = None;
        for ((columns, _), batch) in self.readers.iter().zip(batches) {
            let batch = match batch {
                Some(Ok(batch)) => batch,
                Some(Err(e)) => return Some(Err(error(e.to_string()))),
                None => return Some(Err(error("columns of different lengths".to_owned()))),
            };
            if *n.get_or_insert(batch.num_rows()) != batch.num_rows() {
                return Some(Err(error("columns of different lengths".to_owned())));
            }
            for (&c, array) in columns.iter().zip(batch.columns()) {
                arrays[c] = Some(Arc::clone(array));
            }
        }
        Some(Ok((arrays, n.unwrap_or(0))))
    }
}

/// [`read`] of the rows `pick(n)` of the file's `n` (0-based; all rows when `None`), with `n`:
/// row groups outside the window are not read, and rows outside it in the row groups
/// that are, not decoded into the table.
pub(crate) fn read_window<R: ChunkReader + 'static>(
    open: impl Fn() -> Result<R, DataError>,
    name: &Path,
    text_columns: &[String],
    pick: impl FnOnce(usize) -> Option<std::ops::Range<usize>>,
) -> Result<(RawTable, usize), DataError> {
    let error = |reason: String| DataError::Parquet {
        path: name.to_owned(),
        reason,
    };
    let metadata = ArrowReaderMetadata::load(&open()?, ArrowReaderOptions::default())
        .map_err(|e| error(e.to_string()))?;
    let total = usize::try_from(metadata.metadata().file_metadata().num_rows())
        .map_err(|_| error("a negative row count".to_owned()))?;
    let window = pick(total).map(|w| w.start.min(total)..w.end.clamp(w.start.min(total), total));
    let rows = window.as_ref().map_or(total, ExactSizeIterator::len);
    // The row groups the window touches, and the rows to take from them.
    let selection = window.as_ref().map(|w| {
        let (mut groups, mut first_row, mut at) = (Vec::new(), None, 0);
        for (g, group) in metadata.metadata().row_groups().iter().enumerate() {
            let n = usize::try_from(group.num_rows()).unwrap_or(0);
            if at < w.end && at + n > w.start {
                groups.push(g);
                first_row.get_or_insert(at);
            }
            at += n;
        }
        let first_row = first_row.unwrap_or(w.start);
        let read: usize = groups
            .iter()
            .map(|&g| usize::try_from(metadata.metadata().row_group(g).num_rows()).unwrap_or(0))
            .sum();
        let skip = w.start - first_row.min(w.start);
        let selectors = vec![
            RowSelector::skip(skip),
            RowSelector::select(w.len()),
            RowSelector::skip(read.saturating_sub(skip + w.len())),
        ];
        (groups, RowSelection::from(selectors))
    });
    let schema = metadata.schema().clone();
    let width = schema.fields().len();
    let mut table = TableBuilder::new(name, &schema, rows)?;
    let all: Vec<usize> = (0..width).collect();
    let mut batches = ColumnBatches::new(open, &metadata, &all, selection.as_ref(), name)?;
    while let Some(batch) = batches.next() {
        let (arrays, n) = batch?;
        let arrays: Vec<ArrayRef> = arrays
            .into_iter()
            .collect::<Option<_>>()
            .ok_or_else(|| error("a column the file's schema has is not in its data".to_owned()))?;
        table.push(&arrays, n)?;
    }
    if total == 0 {
        return Err(DataError::NoRows {
            path: name.to_owned(),
        });
    }
    Ok((table.finish(text_columns, window.is_some())?, total))
}

/// Arrow record batches of one schema as a [`RawTable`] named `name` in messages; see
/// [`RawTable::from_arrow`].
pub(crate) fn from_batches(
    name: &Path,
    batches: &[RecordBatch],
    text_columns: &[String],
) -> Result<RawTable, DataError> {
    let Some(first) = batches.first() else {
        return Err(DataError::NoRows {
            path: name.to_owned(),
        });
    };
    let rows = batches.iter().map(RecordBatch::num_rows).sum();
    let mut table = TableBuilder::new(name, &first.schema(), rows)?;
    for batch in batches {
        table.push(batch.columns(), batch.num_rows())?;
    }
    table.finish(text_columns, false)
}

/// Hands the rows of the Parquet file `path` to `rows` as they are decoded, a batch of
/// [`BATCH_ROWS`] rows at a time: the columns `feature_names` row-major as `T`, and the column
/// `target_name`. Nothing is kept between batches but a block of the batch's size, so a pass
/// over a file of any size holds a few megabytes: what a stream
/// ([`FileStream`](crate::stream::FileStream)) reads on every pass.
///
/// `Ok(false)`, before any row is read, when a column is not numeric or not in the file: the
/// caller then reads the file in windows of the table, which says what is wrong. Numbers of
/// any width become `f64` (a `Float64` column without nulls is read from the batch itself). A
/// missing value (a null, or NaN) or an infinite value is an error at its row (1-based) and
/// column, as in a window (the count of missing values is the batch's).
pub(crate) fn for_each_plain_batch<T: descent_objectives::Element>(
    path: &Path,
    (feature_names, target_name): (&[String], &str),
    rows: &mut crate::stream::Parsed<'_, T>,
) -> Result<bool, DataError> {
    let error = |reason: String| DataError::Parquet {
        path: path.to_owned(),
        reason,
    };
    let open = || {
        std::fs::File::open(path).map_err(|source| DataError::Io {
            path: path.to_owned(),
            source,
        })
    };
    let metadata = ArrowReaderMetadata::load(&open()?, ArrowReaderOptions::default())
        .map_err(|e| error(e.to_string()))?;
    let schema = metadata.schema().clone();
    let index_of = |name: &str| schema.fields().iter().position(|f| f.name() == name);
    let Some(columns) = feature_names
        .iter()
        .map(|name| index_of(name))
        .chain(std::iter::once(index_of(target_name)))
        .collect::<Option<Vec<usize>>>()
    else {
        return Ok(false);
    };
    if !columns
        .iter()
        .all(|&c| numeric(schema.field(c).data_type()))
    {
        return Ok(false);
    }
    // The columns read, in the file's order, shared out among the threads.
    let mut projected = columns.clone();
    projected.sort_unstable();
    projected.dedup();
    let mut batches = ColumnBatches::new(open, &metadata, &projected, None, path)?;
    let p = feature_names.len();
    let (mut block, mut first_row) = (Vec::<T>::new(), 0);
    let mut copies = vec![Vec::new(); p + 1];
    while let Some(batch) = batches.next() {
        let (arrays, n) = batch?;
        let selected = columns
            .iter()
            .map(|&c| arrays[c].as_ref())
            .collect::<Option<Vec<&ArrayRef>>>()
            .ok_or_else(|| error("a column the file's schema has is not in its data".to_owned()))?;
        let array_of = |k: usize| selected[k];
        // Columns other than plain `Float64` are copied as `f64` (nulls as NaN), each into its
        // own buffer, kept from batch to batch.
        for (k, buffer) in copies.iter_mut().enumerate() {
            let array = array_of(k);
            if plain_f64(array.as_ref()).is_none() {
                buffer.resize(n, 0.0);
                Building::Numeric(0)
                    .append(array.as_ref(), buffer)
                    .map_err(|(i, reason)| {
                        let name = schema.field(columns[k]).name();
                        error(format!(
                            "row {}, column {name:?}: {reason}",
                            first_row + i + 1
                        ))
                    })?;
            }
        }
        let column = |k: usize| -> Result<&[f64], DataError> {
            let array = array_of(k);
            let values = match plain_f64(array.as_ref()) {
                Some(values) => values,
                None => copies[k].get(..n).unwrap_or(&[]),
            };
            if values.iter().fold(true, |all, v| all & v.is_finite()) {
                return Ok(values);
            }
            let name = schema.field(columns[k]).name();
            if let Some(missing) =
                crate::table::missing_in_window(path, name, values.iter(), first_row)
            {
                return Err(missing);
            }
            match first_infinite(values) {
                Some((i, v)) => Err(error(format!(
                    "row {}, column {name:?}: {}",
                    first_row + i + 1,
                    infinite(v)
                ))),
                None => Ok(values),
            }
        };
        let sources = (0..p).map(column).collect::<Result<Vec<_>, _>>()?;
        let y = column(p)?;
        // Every value is written below: the block is only resized (batches have one size
        // but the last), not cleared.
        block.resize(n * p, T::from_f64(0.0));
        transpose_into(&sources, 0, &mut block, p);
        rows(&block, y)?;
        first_row += n;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{
        ArrayRef, BooleanArray, Float32Array, Float64Array, Int32Array, StringArray,
    };
    use std::sync::Arc;

    /// A batch of `n` rows from row `first` on: numbers of four types with nulls, and text.
    fn batch(first: usize, n: usize) -> RecordBatch {
        let rows = first..first + n;
        let f64s: Float64Array = rows
            .clone()
            .map(|i| (i % 7 != 3).then_some(i as f64 * 0.5))
            .collect();
        let i32s: Int32Array = rows
            .clone()
            .map(|i| (i % 11 != 5).then_some(i as i32 - 40))
            .collect();
        let f32s: Float32Array = rows.clone().map(|i| Some(i as f32 * 0.25)).collect();
        let bools: BooleanArray = rows.clone().map(|i| Some(i % 2 == 0)).collect();
        let text: StringArray = rows.map(|i| Some(["a", "b", "c"][i % 3])).collect();
        RecordBatch::try_from_iter([
            ("x", Arc::new(f64s) as ArrayRef),
            ("k", Arc::new(text) as ArrayRef),
            ("n", Arc::new(i32s) as ArrayRef),
            ("h", Arc::new(f32s) as ArrayRef),
            ("b", Arc::new(bools) as ArrayRef),
        ])
        .unwrap()
    }

    #[test]
    fn batches_of_any_size_go_into_their_rows_of_the_block() {
        // Batch sizes that end mid-tile and span several tiles.
        let sizes = [1, TILE_ROWS - 1, 3 * TILE_ROWS + 5, 200];
        let mut batches = Vec::new();
        let mut first = 0;
        for n in sizes {
            batches.push(batch(first, n));
            first += n;
        }
        let table = from_batches(Path::new("t"), &batches, &[]).unwrap();
        assert_eq!(table.nrows(), first);
        for i in 0..first {
            let x = if i % 7 == 3 { f64::NAN } else { i as f64 * 0.5 };
            let n = if i % 11 == 5 {
                f64::NAN
            } else {
                i as f64 - 40.0
            };
            let expected = [x, n, i as f64 * 0.25, f64::from(u8::from(i % 2 == 0))];
            let row = table.numbers.row(i);
            for (got, want) in row.iter().zip(expected) {
                assert!(
                    got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                    "row {i}: {row} vs {expected:?}"
                );
            }
            assert_eq!(table.text(1, i).as_deref(), Some(["a", "b", "c"][i % 3]));
        }
    }

    #[test]
    fn a_file_reads_to_the_same_table_at_any_thread_count() {
        use parquet::arrow::ArrowWriter;
        use parquet::file::properties::WriterProperties;
        let batches: Vec<RecordBatch> = [(0, 700), (700, 333)]
            .iter()
            .map(|&(first, n)| batch(first, n))
            .collect();
        let mut file = Vec::new();
        // Row groups of 250 rows, each with its own dictionaries, decoded in batches that
        // cross them.
        let properties = WriterProperties::builder()
            .set_max_row_group_row_count(Some(250))
            .build();
        let mut writer =
            ArrowWriter::try_new(&mut file, batches[0].schema(), Some(properties)).unwrap();
        for b in &batches {
            writer.write(b).unwrap();
        }
        writer.close().unwrap();
        let bytes = bytes::Bytes::from(file);
        let in_memory = from_batches(Path::new("t"), &batches, &[]).unwrap();
        for threads in [1, 2, 3] {
            let table = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| read(|| Ok(bytes.clone()), Path::new("t"), &[]).unwrap());
            let bits = |t: &RawTable| t.numbers.mapv(f64::to_bits);
            assert_eq!(bits(&table), bits(&in_memory), "{threads} threads");
            assert_eq!(table.columns, in_memory.columns, "{threads} threads");
        }
    }

    #[test]
    fn an_infinite_number_is_an_error_naming_its_row() {
        let good = batch(0, 100);
        let values: Float64Array = (0..50)
            .map(|i| Some(if i == 17 { f64::NEG_INFINITY } else { 1.0 }))
            .collect();
        let mut columns = batch(100, 50).columns().to_vec();
        columns[0] = Arc::new(values);
        let bad = RecordBatch::try_new(good.schema(), columns).unwrap();
        let e = from_batches(Path::new("t"), &[good, bad], &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("row 118, column \"x\": -inf is not a finite number"),
            "{e}"
        );
    }
}
