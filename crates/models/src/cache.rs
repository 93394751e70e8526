//! A binary cache of a numeric CSV or Parquet file, read through a memory map: out-of-core
//! fits.
//!
//! Converting a CSV file costs one pass that parses every number (a Parquet file is decoded a
//! row group at a time, so that the conversion holds one row group, not the table); the cache
//! holds the parsed values, so every later fit maps the file and the kernels read it in place. Nothing of `X` is
//! copied into the process's memory: the operating system pages the file in as a pass reaches
//! it (with its read-ahead) and drops pages again under memory pressure, so the data may be
//! larger than memory; when it fits, the pages stay, and later passes run at the speed of an
//! in-memory matrix. The kernels and their order of summation are those of an
//! in-memory matrix, so a fit from the cache is bit for bit the fit of the same values in
//! memory.
//!
//! Layout (little-endian):
//!
//! | bytes | what |
//! |---|---|
//! | 8 | magic `DSCNTCH\0` |
//! | 4 | format version ([`VERSION`]) |
//! | 4 | bytes per feature value: 8 (`f64`) or 4 (`f32`) |
//! | 8, 8 | rows, feature columns |
//! | 8 | length of the JSON metadata that follows (names, the source's size and time) |
//! | … | the metadata, then zeros up to a multiple of 64 bytes |
//! | rows × columns × 8 or 4 | `X`, row-major |
//! | rows × 8 | the target `y`, `f64` |
//! | 32 + 8 × (4 + 4 × columns) | the moments of `X`'s columns with `y` ([`RowMoments::to_bytes`]) |
//!
//! The moments (column means, sums of squared deviations, co-moments with the target) are
//! computed during the conversion, chunk by chunk as the losses' checking pass computes them,
//! so a fit from the cache skips that pass, a whole read of `X` from disk, with the same
//! result to the bit ([`DataCache::design`]; a loss uses them only when they are of its rows
//! and targets, which a classifier's are when its labels are 0 and 1).
//!
//! A cache is used only if all of it checks out: the magic, the version, the value type asked
//! for, a file length equal to what the header implies (a truncated file is caught), and a
//! source of the same size and modification time as when the cache was made. Anything else is
//! [`DataError::BadCache`], and [`DataCache::open_or_build`] rebuilds it.

use crate::data::{DataError, Table};
use descent_objectives::{DesignMatrix, Element, RowMoments, RowMomentsBuilder};
use memmap2::Mmap;
use ndarray::{ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

const MAGIC: &[u8; 8] = b"DSCNTCH\0";
/// The format version this build writes and reads.
pub const VERSION: u32 = 3;
/// The fixed part of the header: magic, version, value size, rows, columns, metadata length.
const FIXED: usize = 8 + 4 + 4 + 8 + 8 + 8;
/// `X` starts at a multiple of this (a cache line, and of every value's alignment).
const ALIGN: usize = 64;

/// What the header records besides the shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Metadata {
    feature_names: Vec<String>,
    target_name: String,
    source: Source,
}

/// The identity of the data file a cache was made from: its size and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct Source {
    pub(crate) bytes: u64,
    modified_ns: u128,
}

impl Source {
    pub(crate) fn of(path: &Path) -> Result<Self, DataError> {
        let meta = std::fs::metadata(path).map_err(|source| DataError::Io {
            path: path.to_owned(),
            source,
        })?;
        let modified_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        Ok(Source {
            bytes: meta.len(),
            modified_ns,
        })
    }
}

/// A numeric CSV or Parquet file's features and target, parsed once into a binary file and mapped into
/// memory (see the module's documentation).
///
/// ```
/// use descent_models::cache::DataCache;
/// use descent_models::{data::Dataset, LogisticRegression};
/// let csv = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/breast_cancer.csv");
/// let dir = tempfile::tempdir()?;
/// let (cache, rebuilt) = DataCache::<f64>::open_or_build(csv, dir.path().join("bc.cache"), None, &[])?;
/// assert!(rebuilt.is_some()); // made now: there was none
/// let in_memory = Dataset::from_csv(csv, None)?;
/// assert_eq!(cache.x()?, in_memory.x);
/// let a = LogisticRegression::new().fit(cache.x()?, cache.y())?;
/// let b = LogisticRegression::new().fit(in_memory.x.view(), in_memory.y.view())?;
/// assert_eq!(a.coef, b.coef); // bit for bit
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct DataCache<T> {
    path: PathBuf,
    map: Mmap,
    rows: usize,
    columns: usize,
    x_start: usize,
    metadata: Metadata,
    moments: RowMoments,
    values: PhantomData<T>,
}

impl<T: Element> DataCache<T> {
    /// Opens the cache at `cache` if it is a valid cache of the data file `csv` (a CSV or
    /// Parquet file, unchanged since) with features stored as `T`; otherwise converts `csv`
    /// into it first (the column named
    /// `target`, the last when `None`, is the target; `excluded` columns are left out; every
    /// other column is a feature). Returns the cache and, when it was made now, why.
    ///
    /// # Errors
    /// The data file's errors (as [`Dataset::read`](crate::data::Dataset::read) and
    /// [`RawTable::numeric_dataset`](crate::table::RawTable::numeric_dataset): each names the
    /// line and column), and a cache that cannot be written.
    pub fn open_or_build(
        csv: impl AsRef<Path>,
        cache: impl AsRef<Path>,
        target: Option<&str>,
        excluded: &[String],
    ) -> Result<(Self, Option<String>), DataError> {
        let (csv, cache) = (csv.as_ref(), cache.as_ref());
        let why = match Self::open(cache, Some(csv)) {
            Ok(found) if found.matches_columns(csv, target, excluded)? => return Ok((found, None)),
            Ok(_) => "it holds other columns".to_owned(),
            Err(DataError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                "there was none".to_owned()
            }
            Err(DataError::BadCache { reason, .. }) => reason,
            Err(other) => return Err(other),
        };
        Self::build(csv, cache, target, excluded).map(|built| (built, Some(why)))
    }

    /// Converts `csv` into a cache at `cache` in one pass (see
    /// [`open_or_build`](Self::open_or_build) for the columns), and opens it. The file is
    /// written next to `cache` under a temporary name and renamed into place when complete, so
    /// `cache` never holds half a conversion. Memory: the target (8 bytes a row), one block of
    /// parsed rows (64 MiB of a CSV file, parsed on rayon's threads; one row group of a Parquet
    /// file) and a write buffer, not `X`.
    ///
    /// # Errors
    /// As [`open_or_build`](Self::open_or_build); and `cache` naming the data file itself.
    pub fn build(
        csv: impl AsRef<Path>,
        cache: impl AsRef<Path>,
        target: Option<&str>,
        excluded: &[String],
    ) -> Result<Self, DataError> {
        let (data, cache) = (csv.as_ref(), cache.as_ref());
        if same_file(data, cache) {
            return Err(DataError::BadCache {
                path: cache.to_owned(),
                reason: "it is the data file itself; choose another cache path".into(),
            });
        }
        let source = Source::of(data)?;
        let dir = cache
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let temporary = tempfile::NamedTempFile::new_in(dir).map_err(io(cache))?;
        if is_parquet(data) {
            convert_parquet::<T>(data, target, excluded, source, temporary.as_file(), cache)?;
        } else {
            let mut table = Table::open(data)?;
            let layout = table.layout(target, excluded)?;
            let names = (layout.feature_names.clone(), layout.target_name.clone());
            let mut out = Conversion::<T>::start(names, source, temporary.as_file(), cache)?;
            let k = layout.feature_columns.len();
            table.for_each_block(
                &layout.feature_columns,
                layout.target,
                |rows: &[T], targets| {
                    for (row, &target) in rows.chunks_exact(k).zip(targets) {
                        out.push(row, target)?;
                    }
                    Ok(())
                },
            )?;
            out.finish()?;
        }
        temporary.persist(cache).map_err(|e| io(cache)(e.error))?;
        Self::open(cache, Some(data))
    }

    /// Maps the cache at `cache` and checks it (see the module's documentation), and, when
    /// `source` is given, that it was made from that file as it is now.
    ///
    /// # Errors
    /// A file that cannot be opened, and [`DataError::BadCache`] for one that does not check
    /// out.
    pub fn open(cache: impl AsRef<Path>, source: Option<&Path>) -> Result<Self, DataError> {
        let path = cache.as_ref().to_owned();
        let bad = |reason: String| DataError::BadCache {
            path: path.clone(),
            reason,
        };
        if cfg!(target_endian = "big") {
            return Err(bad(
                "caches are little-endian, and this machine is not".into()
            ));
        }
        let file = File::open(&path).map_err(|source| DataError::Io {
            path: path.clone(),
            source,
        })?;
        // SAFETY: the map is read-only, and the file is descent's own cache, which nothing
        // else is expected to write while a fit reads it; its length and contents are checked
        // below before any value is read.
        let map = unsafe { Mmap::map(&file) }.map_err(|source| DataError::Io {
            path: path.clone(),
            source,
        })?;
        if map.len() < FIXED || &map[..8] != MAGIC {
            return Err(bad("not a descent data cache".into()));
        }
        let u32_at = |at: usize| u32::from_le_bytes(map[at..at + 4].try_into().unwrap_or([0; 4]));
        let u64_at = |at: usize| u64::from_le_bytes(map[at..at + 8].try_into().unwrap_or([0; 8]));
        let version = u32_at(8);
        if version != VERSION {
            return Err(bad(format!(
                "format version {version}, and this build reads version {}",
                VERSION
            )));
        }
        let value_bytes = u32_at(12) as usize;
        if value_bytes != std::mem::size_of::<T>() {
            return Err(bad(format!(
                "its values are {value_bytes}-byte numbers, and {} was asked for",
                T::NAME
            )));
        }
        let too_large = || bad("its header gives an impossible size".into());
        let rows = usize::try_from(u64_at(16)).map_err(|_| too_large())?;
        let columns = usize::try_from(u64_at(24)).map_err(|_| too_large())?;
        let meta_len = usize::try_from(u64_at(32)).map_err(|_| too_large())?;
        let x_start = FIXED
            .checked_add(meta_len)
            .map(|end| end.div_ceil(ALIGN) * ALIGN)
            .ok_or_else(too_large)?;
        let y_end = rows
            .checked_mul(columns)
            .and_then(|n| n.checked_mul(value_bytes))
            .and_then(|n| n.checked_add(x_start))
            .and_then(|n| n.checked_add(rows.checked_mul(8)?))
            .ok_or_else(too_large)?;
        let expected = y_end
            .checked_add(RowMoments::bytes_for(columns))
            .ok_or_else(too_large)?;
        if map.len() != expected || rows == 0 {
            return Err(bad(format!(
                "{} bytes where its header implies {expected} (an interrupted conversion, or a truncated copy)",
                map.len()
            )));
        }
        let metadata: Metadata = serde_json::from_slice(&map[FIXED..FIXED + meta_len])
            .map_err(|e| bad(format!("its metadata is not readable: {e}")))?;
        let moments = RowMoments::from_bytes(&map[y_end..])
            .filter(|m| m.rows() == rows)
            .ok_or_else(|| bad("its moments are not readable".into()))?;
        if metadata.feature_names.len() != columns {
            return Err(bad("its metadata names another number of columns".into()));
        }
        if let Some(csv) = source {
            if Source::of(csv)? != metadata.source {
                return Err(bad(format!(
                    "{} has changed since the cache was made",
                    csv.display()
                )));
            }
        }
        // No madvise(MADV_SEQUENTIAL): it lets the kernel drop pages right after a pass
        // reads them, so that a cache that fits in memory is read from disk again on every
        // pass (150 against 114 ms a pass at 2 000 000 × 50, warm), and the default read-ahead
        // already streams a cold one at the disk's rate.
        let cache = DataCache {
            path: path.clone(),
            map,
            rows,
            columns,
            x_start,
            metadata,
            moments,
            values: PhantomData,
        };
        // Checked once here, so that `x` and `y` are plain views.
        if cache.x_values().is_none() || cache.y_values().is_none() {
            return Err(DataError::BadCache {
                path,
                reason: "its values are not aligned in memory".into(),
            });
        }
        Ok(cache)
    }

    /// Whether the cache holds the columns that `target` and `excluded` select from `csv`.
    fn matches_columns(
        &self,
        csv: &Path,
        target: Option<&str>,
        excluded: &[String],
    ) -> Result<bool, DataError> {
        let (features, target) = column_names(csv, target, excluded)?;
        Ok(features == self.metadata.feature_names && target == self.metadata.target_name)
    }

    /// `X`'s values, if they are aligned for `T` (they are: the map starts on a page, `X` on a
    /// multiple of 64 bytes).
    fn x_values(&self) -> Option<&[T]> {
        let end = self.x_start + self.rows * self.columns * std::mem::size_of::<T>();
        bytemuck::try_cast_slice(&self.map[self.x_start..end]).ok()
    }

    /// `y`'s values, if aligned (they follow `X` at a multiple of 8 bytes).
    fn y_values(&self) -> Option<&[f64]> {
        let start = self.x_start + self.rows * self.columns * std::mem::size_of::<T>();
        bytemuck::try_cast_slice(&self.map[start..start + self.rows * 8]).ok()
    }

    /// The features, `rows × columns`, read in place from the map.
    ///
    /// # Errors
    /// None in practice: [`open`](Self::open) has checked the values' alignment and count;
    /// [`DataError::BadCache`] if they somehow do not fill the shape.
    pub fn x(&self) -> Result<ArrayView2<'_, T>, DataError> {
        let values = self.x_values().unwrap_or(&[]);
        ArrayView2::from_shape((self.rows, self.columns), values).map_err(|_| DataError::BadCache {
            path: self.path.clone(),
            reason: "its values do not fill its shape".into(),
        })
    }

    /// The features as a design that carries the moments computed during the conversion
    /// ([`RowMoments`]): a loss built on it with [`y`](Self::y) as its targets (or any targets
    /// equal to them, such as a classifier's labels when they are 0 and 1) skips its pass over
    /// `X` for the column statistics, with the same result to the bit.
    ///
    /// # Errors
    /// As [`x`](Self::x).
    pub fn design(&self) -> Result<DesignMatrix<'_>, DataError> {
        Ok(DesignMatrix::from(self.x()?).with_moments(&self.moments))
    }

    /// The moments of `X`'s columns with `y`, computed during the conversion.
    pub fn moments(&self) -> &RowMoments {
        &self.moments
    }

    /// The target, one value per row.
    pub fn y(&self) -> ArrayView1<'_, f64> {
        ArrayView1::from(self.y_values().unwrap_or(&[]))
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The feature columns' names.
    pub fn feature_names(&self) -> &[String] {
        &self.metadata.feature_names
    }

    /// The target column's name.
    pub fn target_name(&self) -> &str {
        &self.metadata.target_name
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The size of the cache file in bytes.
    pub fn bytes(&self) -> usize {
        self.map.len()
    }
}

/// An error of writing the cache at `path`.
fn io(path: &Path) -> impl Fn(std::io::Error) -> DataError {
    let path = path.to_owned();
    move |source| DataError::Io {
        path: path.clone(),
        source,
    }
}

/// A conversion under way: the header written, rows appended to `X` as they come, the targets
/// and the moments (a chunk of rows at a time, as the losses' checking pass takes them) kept
/// until the end. Memory: the targets (8 bytes a row), one chunk of rows for the moments and a
/// write buffer (and the caller's block of parsed rows).
struct Conversion<'f, T> {
    out: BufWriter<&'f File>,
    cache: PathBuf,
    columns: usize,
    y: Vec<f64>,
    chunk: Vec<T>,
    moments: RowMomentsBuilder,
}

impl<'f, T: Element> Conversion<'f, T> {
    /// Writes the header of a cache of the columns `(features, target)` of `source` into
    /// `file` (with 0 rows until [`finish`](Conversion::finish)).
    fn start(
        (feature_names, target_name): (Vec<String>, String),
        source: Source,
        file: &'f File,
        cache: &Path,
    ) -> Result<Self, DataError> {
        let columns = feature_names.len();
        let metadata = Metadata {
            feature_names,
            target_name,
            source,
        };
        let meta = serde_json::to_vec(&metadata).map_err(|e| DataError::BadCache {
            path: cache.to_owned(),
            reason: e.to_string(),
        })?;
        let value_bytes = std::mem::size_of::<T>();
        let x_start = (FIXED + meta.len()).div_ceil(ALIGN) * ALIGN;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        out.write_all(&header(value_bytes, 0, columns, &meta, x_start))
            .map_err(io(cache))?;
        Ok(Conversion {
            out,
            cache: cache.to_owned(),
            columns,
            y: Vec::new(),
            chunk: Vec::with_capacity(RowMomentsBuilder::CHUNK_ROWS * columns),
            moments: RowMomentsBuilder::new(columns),
        })
    }

    /// Appends a row and its target.
    fn push(&mut self, row: &[T], target: f64) -> Result<(), DataError> {
        self.y.push(target);
        self.chunk.extend_from_slice(row);
        if self.chunk.len() == RowMomentsBuilder::CHUNK_ROWS * self.columns {
            self.add_chunk()?;
        }
        self.out
            .write_all(bytemuck::cast_slice(row))
            .map_err(io(&self.cache))
    }

    /// Adds the rows kept since the last chunk to the moments.
    fn add_chunk(&mut self) -> Result<(), DataError> {
        let rows = self.chunk.len() / self.columns.max(1);
        let ys = &self.y[self.y.len() - rows..];
        self.moments
            .add(&self.chunk, ys)
            .map_err(|e| DataError::BadCache {
                path: self.cache.clone(),
                reason: format!("its moments could not be computed: {e}"),
            })?;
        self.chunk.clear();
        Ok(())
    }

    /// Writes the targets and the moments after `X`, the row count into the header, and
    /// syncs the file.
    fn finish(mut self) -> Result<(), DataError> {
        self.add_chunk()?;
        let cache = self.cache.clone();
        for chunk in self.y.chunks(1 << 16) {
            let bytes: Vec<u8> = chunk.iter().flat_map(|v| v.to_le_bytes()).collect();
            self.out.write_all(&bytes).map_err(io(&cache))?;
        }
        let moments = std::mem::replace(&mut self.moments, RowMomentsBuilder::new(0));
        self.out
            .write_all(&moments.finish().to_bytes())
            .map_err(io(&cache))?;
        let mut file = self
            .out
            .into_inner()
            .map_err(|e| io(&cache)(e.into_error()))?;
        file.seek(SeekFrom::Start(16)).map_err(io(&cache))?;
        file.write_all(&(self.y.len() as u64).to_le_bytes())
            .map_err(io(&cache))?;
        file.sync_all().map_err(io(&cache))
    }
}

/// Whether `path` starts with Parquet's magic bytes.
pub(crate) fn is_parquet(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok_and(|()| &magic == b"PAR1")
}

/// The rows of the Parquet file `path` as windows to read one at a time: its row groups,
/// cut into pieces of at most `ROWS` rows (a piece of a larger group re-reads the group's
/// pages before it), so that a conversion holds one window of the table in memory.
#[cfg(feature = "parquet")]
pub(crate) fn parquet_windows(path: &Path) -> Result<Vec<std::ops::Range<usize>>, DataError> {
    const ROWS: usize = 1 << 20;
    let mut windows = Vec::new();
    let mut start = 0;
    for rows in crate::parquet_table::row_groups(path)?.0 {
        let end = start + rows;
        while start < end {
            windows.push(start..(start + ROWS).min(end));
            start = (start + ROWS).min(end);
        }
    }
    Ok(windows)
}

/// Converts the Parquet file `path` (numeric columns, no missing values) into a cache written
/// to `file`, a window of rows at a time ([`parquet_windows`]).
#[cfg(feature = "parquet")]
fn convert_parquet<T: Element>(
    path: &Path,
    target: Option<&str>,
    excluded: &[String],
    source: Source,
    file: &File,
    cache: &Path,
) -> Result<(), DataError> {
    let mut out: Option<Conversion<'_, T>> = None;
    for window in parquet_windows(path)? {
        let first = window.start;
        let (table, _, _) = crate::table::read_parquet_rows(path, |_| window)?;
        let data = table.numeric_dataset::<T>(target, excluded, first)?;
        let out = match &mut out {
            Some(out) => out,
            None => out.insert(Conversion::start(
                (data.feature_names.clone(), data.target_name.clone()),
                source,
                file,
                cache,
            )?),
        };
        for (row, &y) in data.x.rows().into_iter().zip(&data.y) {
            match row.as_slice() {
                Some(row) => out.push(row, y)?,
                None => out.push(&row.to_vec(), y)?,
            }
        }
    }
    match out {
        Some(out) => out.finish(),
        None => Err(DataError::NoRows {
            path: path.to_owned(),
        }),
    }
}

#[cfg(not(feature = "parquet"))]
fn convert_parquet<T: Element>(
    path: &Path,
    _: Option<&str>,
    _: &[String],
    _: Source,
    _: &File,
    _: &Path,
) -> Result<(), DataError> {
    Err(crate::table::no_parquet(path))
}

/// The feature and target names of the columns `target` and `excluded` select from `data`
/// (a CSV or Parquet file).
pub(crate) fn column_names(
    data: &Path,
    target: Option<&str>,
    excluded: &[String],
) -> Result<(Vec<String>, String), DataError> {
    #[cfg(feature = "parquet")]
    if is_parquet(data) {
        let (table, _, _) = crate::table::read_parquet_rows(data, |_| 0..1)?;
        let first = table.numeric_dataset::<f64>(target, excluded, 0)?;
        return Ok((first.feature_names, first.target_name));
    }
    let layout = Table::open(data)?.layout(target, excluded)?;
    Ok((layout.feature_names, layout.target_name))
}

/// The header: magic, version, value size, rows, columns, metadata length, the metadata, and
/// zeros up to `x_start`.
fn header(value_bytes: usize, rows: usize, columns: usize, meta: &[u8], x_start: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(x_start);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&VERSION.to_le_bytes());
    bytes.extend_from_slice(&(value_bytes as u32).to_le_bytes());
    bytes.extend_from_slice(&(rows as u64).to_le_bytes());
    bytes.extend_from_slice(&(columns as u64).to_le_bytes());
    bytes.extend_from_slice(&(meta.len() as u64).to_le_bytes());
    bytes.extend_from_slice(meta);
    bytes.resize(x_start, 0);
    bytes
}

/// Whether two paths name the same file (both existing, same device and inode on Unix).
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Dataset;

    fn csv(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("data.csv");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_cache_holds_exactly_the_values_of_the_csv() {
        let dir = tempfile::tempdir().unwrap();
        let data = csv(dir.path(), "a,b,y\n1.5,2,0\n-3,4e-3,1\n0.1,0.2,1\n");
        let (cache, why) =
            DataCache::<f64>::open_or_build(&data, dir.path().join("c"), None, &[]).unwrap();
        assert_eq!(why.as_deref(), Some("there was none"));
        let reference = Dataset::from_csv(&data, None).unwrap();
        assert_eq!(cache.x().unwrap(), reference.x);
        assert_eq!(cache.y(), reference.y);
        assert_eq!(cache.feature_names(), ["a", "b"]);
        assert_eq!(cache.target_name(), "y");
        // The second time it is used as it is.
        let (_, why) =
            DataCache::<f64>::open_or_build(&data, dir.path().join("c"), None, &[]).unwrap();
        assert_eq!(why, None);
        // As f32, it is made again, and holds the rounded values.
        let (small, why) =
            DataCache::<f32>::open_or_build(&data, dir.path().join("c"), None, &[]).unwrap();
        assert!(why.unwrap().contains("8-byte numbers"));
        assert_eq!(
            small.x().unwrap(),
            Dataset::<f32>::read(&data, None, &[]).unwrap().x
        );
    }

    #[test]
    fn truncated_foreign_stale_and_other_column_caches_are_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let data = csv(dir.path(), "a,b,y\n1,2,0\n3,4,1\n5,6,1\n");
        let cache = dir.path().join("c");
        DataCache::<f64>::build(&data, &cache, None, &[]).unwrap();
        let whole = std::fs::read(&cache).unwrap();
        std::fs::write(&cache, &whole[..whole.len() - 3]).unwrap();
        let (_, why) = DataCache::<f64>::open_or_build(&data, &cache, None, &[]).unwrap();
        assert!(why.unwrap().contains("truncated"));
        std::fs::write(&cache, b"something else entirely").unwrap();
        let (_, why) = DataCache::<f64>::open_or_build(&data, &cache, None, &[]).unwrap();
        assert!(why.unwrap().contains("not a descent data cache"));
        let mut other_version = std::fs::read(&cache).unwrap();
        other_version[8] = 99;
        std::fs::write(&cache, &other_version).unwrap();
        let (_, why) = DataCache::<f64>::open_or_build(&data, &cache, None, &[]).unwrap();
        assert!(why.unwrap().contains("version 99"));
        let (_, why) = DataCache::<f64>::open_or_build(&data, &cache, Some("a"), &[]).unwrap();
        assert_eq!(why.as_deref(), Some("it holds other columns"));
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&data, "a,b,y\n1,2,0\n3,4,1\n5,7,1\n").unwrap();
        let (fresh, why) = DataCache::<f64>::open_or_build(&data, &cache, None, &[]).unwrap();
        assert!(why.unwrap().contains("has changed"));
        assert_eq!(fresh.x().unwrap()[[2, 1]], 7.0);
    }

    #[test]
    fn bad_values_name_their_line_and_no_cache_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let data = csv(dir.path(), "a,y\n1,0\nnan,1\n");
        let cache = dir.path().join("c");
        let error = DataCache::<f64>::build(&data, &cache, None, &[]).unwrap_err();
        assert!(error.to_string().contains("line 3"), "{error}");
        assert!(!cache.exists());
        let error = DataCache::<f64>::build(&data, &data, None, &[]).unwrap_err();
        assert!(
            error.to_string().contains("the data file itself"),
            "{error}"
        );
    }
}
