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
use arrow_array::{Array, ArrowPrimitiveType};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::reader::ChunkReader;
use std::collections::HashMap;
use std::path::Path;

/// Rows per decoded batch: large enough that per-batch work (a dictionary's lookups) is
/// negligible, small enough that a batch stays in the caches.
const BATCH_ROWS: usize = 1 << 16;

/// A column being read.
enum Building {
    Numeric(Vec<f64>),
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

/// Appends the values of a primitive array as `f64`, nulls and NaN as NaN; `Err` with the
/// first infinite value's row (in the batch).
fn append_primitive<T>(array: &dyn Array, out: &mut Vec<f64>) -> Result<(), (usize, f64)>
where
    T: ArrowPrimitiveType,
    T::Native: Into<WideNumber>,
{
    let array = array.as_primitive::<T>();
    let start = out.len();
    out.extend(array.values().iter().map(|&v| v.into().0));
    if let Some(nulls) = array.logical_nulls() {
        for i in nulls
            .iter()
            .enumerate()
            .filter(|(_, valid)| !valid)
            .map(|(i, _)| i)
        {
            out[start + i] = f64::NAN;
        }
    }
    match out[start..].iter().position(|v| v.is_infinite()) {
        Some(i) => Err((i, out[start + i])),
        None => Ok(()),
    }
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
    fn new(kind: &DataType, rows: usize) -> Self {
        if numeric(kind) {
            Building::Numeric(Vec::with_capacity(rows))
        } else if text(kind) {
            Building::Text {
                codes: Vec::with_capacity(rows),
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

    /// Appends a batch's array; `Err` with a message (and the row in the batch).
    fn append(&mut self, array: &dyn Array) -> Result<(), (usize, String)> {
        let infinite = |(i, v): (usize, f64)| (i, format!("{v} is not a finite number"));
        match self {
            Building::Unsupported(_) => Ok(()),
            Building::Numeric(out) => match array.data_type() {
                DataType::Float64 => append_primitive::<Float64Type>(array, out).map_err(infinite),
                DataType::Float32 => append_primitive::<Float32Type>(array, out).map_err(infinite),
                DataType::Int8 => append_primitive::<Int8Type>(array, out).map_err(infinite),
                DataType::Int16 => append_primitive::<Int16Type>(array, out).map_err(infinite),
                DataType::Int32 => append_primitive::<Int32Type>(array, out).map_err(infinite),
                DataType::Int64 => append_primitive::<Int64Type>(array, out).map_err(infinite),
                DataType::UInt8 => append_primitive::<UInt8Type>(array, out).map_err(infinite),
                DataType::UInt16 => append_primitive::<UInt16Type>(array, out).map_err(infinite),
                DataType::UInt32 => append_primitive::<UInt32Type>(array, out).map_err(infinite),
                DataType::UInt64 => append_primitive::<UInt64Type>(array, out).map_err(infinite),
                DataType::Boolean => {
                    let array = array.as_boolean();
                    out.extend((0..array.len()).map(|i| {
                        if array.is_null(i) {
                            f64::NAN
                        } else {
                            f64::from(u8::from(array.value(i)))
                        }
                    }));
                    Ok(())
                }
                other => Err((0, format!("a batch of type {other} in a numeric column"))),
            },
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

    fn finish(self, rows: usize) -> RawColumn {
        match self {
            Building::Numeric(values) => RawColumn::Numeric(values),
            Building::Text { codes, levels, .. } => RawColumn::Text { codes, levels },
            Building::Unsupported(kind) => RawColumn::Unsupported { kind, rows },
        }
    }
}

/// Reads a Parquet file (a file, or its bytes) as a [`RawTable`]; `text_columns` are read as
/// text even when numeric (their numbers written as Rust writes them: `3`, `2.5`).
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
    let schema = builder.schema().clone();
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let mut seen = HashMap::new();
    for n in &names {
        if seen.insert(n.as_str(), ()).is_some() {
            return Err(DataError::DuplicateColumn {
                path: name.to_owned(),
                name: n.clone(),
            });
        }
    }
    if names.is_empty() {
        return Err(DataError::EmptyFile {
            path: name.to_owned(),
        });
    }
    let mut columns: Vec<Building> = schema
        .fields()
        .iter()
        .map(|f| Building::new(f.data_type(), rows))
        .collect();
    let batches = builder
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| error(e.to_string()))?;
    let mut read = 0;
    for batch in batches {
        let batch = batch.map_err(|e| error(e.to_string()))?;
        for (c, array) in batch.columns().iter().enumerate() {
            columns[c].append(array.as_ref()).map_err(|(i, reason)| {
                error(format!(
                    "row {}, column {:?}: {reason}",
                    read + i + 1,
                    names[c]
                ))
            })?;
        }
        read += batch.num_rows();
    }
    if read == 0 {
        return Err(DataError::NoRows {
            path: name.to_owned(),
        });
    }
    let mut columns: Vec<RawColumn> = columns.into_iter().map(|c| c.finish(read)).collect();
    for wanted in text_columns {
        let c = names
            .iter()
            .position(|n| n == wanted)
            .ok_or_else(|| DataError::MissingColumn {
                path: name.to_owned(),
                name: wanted.clone(),
                available: crate::data::listed(&names),
            })?;
        if let RawColumn::Numeric(values) = &columns[c] {
            let (mut levels, mut index) = (Vec::new(), rustc_hash::FxHashMap::default());
            let codes = values
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
        source: name.to_owned(),
        names,
        columns,
        lines: Vec::new(),
        delimiter: 0,
        rows: read,
    })
}
