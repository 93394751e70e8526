//! Parquet files as [`RawTable`]s, through the `parquet` crate's Arrow reader: row groups are
//! decoded in batches, each column appended to its own vector. Numbers of any width (and
//! booleans, as 0 and 1) become `f64`; strings, plain or dictionary-encoded, become codes,
//! each batch's dictionary mapped onto the column's levels once (a value is looked up once
//! per batch, not once per row). Nulls, and NaN in float columns (pandas' missing value), are
//! missing. Other types (dates, binary, lists) are kept as [`RawColumn::Unsupported`], an error
//! only if a fit uses them.

use crate::csv_field::DataError;
use crate::table::{RawColumn, RawTable};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrowPrimitiveType, RecordBatch};
use arrow_buffer::NullBuffer;
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::reader::ChunkReader;
use std::path::Path;

/// Rows per decoded batch: large enough that per-batch work (a dictionary's lookups) is
/// negligible, small enough that a batch stays in the caches.
const BATCH_ROWS: usize = 1 << 16;

/// A column being read.
enum Building {
    /// Column `.0` of the row-major block of numbers.
    Numeric(usize),
    Text {
        codes: Vec<u32>,
        levels: Vec<String>,
        index: rustc_hash::FxHashMap<String, u32>,
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

/// A batch's column of numbers in the row-major block: the batch's rows (whole rows, `width`
/// values each) and the column's slot in each.
struct Target<'b> {
    rows: &'b mut [f64],
    width: usize,
    slot: usize,
}

impl Target<'_> {
    /// Writes `values` down the column, nulls as NaN; `Err` with the first infinite value's
    /// row (in the batch).
    fn write(
        &mut self,
        values: impl Iterator<Item = f64>,
        nulls: Option<NullBuffer>,
    ) -> Result<(), (usize, f64)> {
        let mut infinite = None;
        for (i, (row, v)) in self
            .rows
            .chunks_exact_mut(self.width)
            .zip(values)
            .enumerate()
        {
            let v = match &nulls {
                Some(n) if n.is_null(i) => f64::NAN,
                _ => v,
            };
            if v.is_infinite() && infinite.is_none() {
                infinite = Some((i, v));
            }
            row[self.slot] = v;
        }
        infinite.map_or(Ok(()), Err)
    }
}

/// Writes the values of a primitive array as `f64` into `target`.
fn write_primitive<T>(array: &dyn Array, target: &mut Target<'_>) -> Result<(), (usize, f64)>
where
    T: ArrowPrimitiveType,
    T::Native: Into<WideNumber>,
{
    let array = array.as_primitive::<T>();
    target.write(
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

    /// Appends a batch's array (numbers into `rows`, the batch's rows of the block, `width`
    /// wide); `Err` with a message (and the row in the batch).
    fn append(
        &mut self,
        array: &dyn Array,
        rows: &mut [f64],
        width: usize,
    ) -> Result<(), (usize, String)> {
        let infinite = |(i, v): (usize, f64)| (i, format!("{v} is not a finite number"));
        match self {
            Building::Unsupported(_) => Ok(()),
            Building::Numeric(slot) => {
                let t = &mut Target {
                    rows,
                    width,
                    slot: *slot,
                };
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
                        t.write(values, array.logical_nulls())
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
                        // Each value of this batch's dictionary is looked up once.
                        let mut local = Vec::with_capacity(values.len());
                        let mut learn = |value: Option<&str>| {
                            local.push(
                                value.map_or(RawColumn::MISSING, |v| Self::code(levels, index, v)),
                            );
                        };
                        match values.data_type() {
                            DataType::Utf8 => values.as_string::<i32>().iter().for_each(&mut learn),
                            DataType::LargeUtf8 => {
                                values.as_string::<i64>().iter().for_each(&mut learn);
                            }
                            DataType::Utf8View => {
                                values.as_string_view().iter().for_each(&mut learn)
                            }
                            other => return Err((0, format!("a dictionary of {other}"))),
                        }
                        let nulls = array.logical_nulls();
                        codes.extend(dictionary.normalized_keys().iter().enumerate().map(
                            |(i, &k)| match &nulls {
                                Some(n) if n.is_null(i) => RawColumn::MISSING,
                                _ => local[k],
                            },
                        ));
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

    /// Appends a batch's rows.
    fn push(&mut self, batch: &RecordBatch) -> Result<(), DataError> {
        let (read, width) = (self.read, self.width);
        let end = read + batch.num_rows();
        if batch.num_columns() != self.columns.len() || end > self.rows {
            return Err(self.error(format!(
                "a batch of {} columns and {} rows after {read} rows, in a table of {} columns and {} rows",
                batch.num_columns(),
                batch.num_rows(),
                self.columns.len(),
                self.rows
            )));
        }
        let rows_of_batch = &mut self.block[read * width..end * width];
        for (c, array) in batch.columns().iter().enumerate() {
            if let Err((i, reason)) = self.columns[c].append(array.as_ref(), rows_of_batch, width) {
                let reason = format!("row {}, column {:?}: {reason}", read + i + 1, self.names[c]);
                return Err(self.error(reason));
            }
        }
        self.read = end;
        Ok(())
    }

    /// The table, with `text_columns` read as text even when numeric (their numbers written as
    /// Rust writes them: `3`, `2.5`).
    fn finish(self, text_columns: &[String]) -> Result<RawTable, DataError> {
        if self.read != self.rows {
            let reason = format!("{} rows where {} were declared", self.read, self.rows);
            return Err(self.error(reason));
        }
        if self.read == 0 {
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

/// Reads a Parquet file (a file, or its bytes) as a [`RawTable`]; `text_columns` are read as
/// text even when numeric.
pub(crate) fn read<R: ChunkReader + 'static>(
    reader: R,
    name: &Path,
    text_columns: &[String],
) -> Result<RawTable, DataError> {
    let error = |reason: String| DataError::Parquet {
        path: name.to_owned(),
        reason,
    };
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(reader).map_err(|e| error(e.to_string()))?;
    let rows = usize::try_from(builder.metadata().file_metadata().num_rows())
        .map_err(|_| error("a negative row count".to_owned()))?;
    let mut table = TableBuilder::new(name, builder.schema(), rows)?;
    let batches = builder
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| error(e.to_string()))?;
    for batch in batches {
        table.push(&batch.map_err(|e| error(e.to_string()))?)?;
    }
    table.finish(text_columns)
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
        table.push(batch)?;
    }
    table.finish(text_columns)
}
