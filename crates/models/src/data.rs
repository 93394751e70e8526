//! Reading numeric tables from CSV: a header row, one target column chosen by name (the last
//! column by default), every other column a feature.

pub use crate::csv_field::DataError;
use crate::csv_field::{lone_carriage_return, narrow, parse_number, LineFeeds};
use descent_objectives::Element;
use ndarray::{Array1, Array2};
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The most column names a "no column named …" message lists.
const LISTED_COLUMNS: usize = 12;

/// Features and target read from a CSV file, the features stored as `T` (`f64`, or `f32` for
/// half the memory: see [`Dataset::read`]).
#[derive(Debug, Clone)]
pub struct Dataset<T = f64> {
    /// The feature columns' names, in file order.
    pub feature_names: Vec<String>,
    /// The target column's name.
    pub target_name: String,
    /// One row per sample, one column per feature.
    pub x: Array2<T>,
    /// One target per sample.
    pub y: Array1<f64>,
}

impl Dataset {
    /// Reads `path`: a header row, then numeric rows. The column named `target` (the last
    /// column when `None`) is the target; every other column is a feature, in file order.
    ///
    /// ```
    /// use descent_models::data::Dataset;
    /// let data = Dataset::from_csv(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/breast_cancer.csv"), None)?;
    /// assert_eq!(data.x.dim(), (569, 30));
    /// assert_eq!(data.target_name, "target");
    /// assert_eq!(data.feature_names[0], "mean_radius");
    /// # Ok::<(), descent_models::data::DataError>(())
    /// ```
    ///
    /// # Errors
    /// An unreadable or empty file, a missing target column, a ragged row, and any value that
    /// is missing, unparsable, NaN or infinite, each with file, line and column.
    pub fn from_csv(path: impl AsRef<Path>, target: Option<&str>) -> Result<Self, DataError> {
        Self::from_csv_excluding(path, target, &[])
    }

    /// As [`from_csv`](Self::from_csv), leaving out the columns named in `excluded` (a column
    /// of fold ids or row identifiers, which is not a feature).
    ///
    /// # Errors
    /// As [`from_csv`](Self::from_csv), and an excluded column that is not in the file.
    pub fn from_csv_excluding(
        path: impl AsRef<Path>,
        target: Option<&str>,
        excluded: &[String],
    ) -> Result<Self, DataError> {
        Self::read(path, target, excluded)
    }
}

impl<T: Element> Dataset<T> {
    /// As [`Dataset::from_csv_excluding`], with the features stored as `T`. For `f32`, each
    /// value is parsed as `f64` and rounded to the nearest `f32` (the values pandas'
    /// `read_csv(…).astype(numpy.float32)` gives), except that a finite value beyond `f32`'s
    /// range is an error where numpy would make it infinite or zero: above about 3.4·10³⁸ in
    /// size, or not zero but so small that it rounds to zero (below about 7·10⁻⁴⁶, half of
    /// `f32`'s smallest subnormal). The target stays `f64`.
    ///
    /// ```
    /// use descent_models::data::Dataset;
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/breast_cancer.csv");
    /// let data = Dataset::<f32>::read(path, None, &[])?;
    /// assert_eq!(data.x.dim(), (569, 30));
    /// assert_eq!(data.x[[0, 0]], 17.99_f32);
    /// # Ok::<(), descent_models::data::DataError>(())
    /// ```
    ///
    /// # Errors
    /// As [`Dataset::from_csv_excluding`], and a value beyond the range of `T`.
    pub fn read(
        path: impl AsRef<Path>,
        target: Option<&str>,
        excluded: &[String],
    ) -> Result<Self, DataError> {
        let path = path.as_ref();
        let mut table = Table::open(path)?;
        let layout = table.layout(target, excluded)?;
        let (x, y) = table.read(&layout.feature_columns, Some(layout.target))?;
        Ok(Dataset {
            feature_names: layout.feature_names,
            target_name: layout.target_name,
            x,
            y: Array1::from_vec(y),
        })
    }
}

impl<T: Element> Dataset<T> {
    /// [`Dataset::read`] of the data rows `pick(n)` of the file's `n` (0-based, in file
    /// order), with `n` and the rows read: a process's share of a file whose rows are
    /// shared among processes (`pick` is then, say,
    /// [`RowShare::rows_for`](descent_objectives::RowShare::rows_for) of its rank). Every
    /// line is counted, but a plain numeric file's other rows are not parsed; a file that
    /// needs the general reader (quoted fields) is parsed whole and the window kept.
    ///
    /// ```
    /// use descent_models::data::Dataset;
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/breast_cancer.csv");
    /// let (part, total, rows) =
    ///     Dataset::<f64>::read_rows(path, None, &[], |n| n - 69..n)?;
    /// assert_eq!((total, rows.clone()), (569, 500..569));
    /// let whole = Dataset::<f64>::read(path, None, &[])?;
    /// assert_eq!(part.x, whole.x.slice(ndarray::s![500.., ..]));
    /// # Ok::<(), descent_models::data::DataError>(())
    /// ```
    ///
    /// # Errors
    /// As [`Dataset::read`], for the rows parsed (and every line's count of fields is not
    /// checked outside the window on the fast path).
    pub fn read_rows(
        path: impl AsRef<Path>,
        target: Option<&str>,
        excluded: &[String],
        pick: impl FnOnce(usize) -> Range<usize>,
    ) -> Result<(Self, usize, Range<usize>), DataError> {
        let path = path.as_ref();
        let mut table = Table::open(path)?;
        let layout = table.layout(target, excluded)?;
        let ((x, y), total, rows) =
            table.read_window(&layout.feature_columns, Some(layout.target), pick)?;
        let data = Dataset {
            feature_names: layout.feature_names,
            target_name: layout.target_name,
            x,
            y: Array1::from_vec(y),
        };
        Ok((data, total, rows))
    }
}

/// The number of data rows of the CSV file `path` (blank lines are not rows): a plain
/// numeric file's lines are counted without parsing a value; a file that needs the general
/// reader (quoted fields) is parsed.
///
/// ```
/// use descent_models::data::count_rows;
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/breast_cancer.csv");
/// assert_eq!(count_rows(path)?, 569);
/// # Ok::<(), descent_models::data::DataError>(())
/// ```
///
/// # Errors
/// A file that cannot be read, has no header or no data rows.
pub fn count_rows(path: impl AsRef<Path>) -> Result<usize, DataError> {
    let mut table = Table::open(path.as_ref())?;
    Ok(table.read_window::<f64>(&[], None, |_| 0..0)?.1)
}

/// Which columns of a file are the target and the features.
pub(crate) struct Layout {
    pub(crate) target: usize,
    pub(crate) target_name: String,
    pub(crate) feature_columns: Vec<usize>,
    pub(crate) feature_names: Vec<String>,
}

impl Dataset {
    /// Reads the named feature columns (in the given order) and the named target column of
    /// `path`, ignoring any other column: what scoring a saved model on a new file needs.
    ///
    /// # Errors
    /// As [`Dataset::from_csv`], and a named column that is not in the file.
    pub fn from_csv_columns(
        path: impl AsRef<Path>,
        feature_names: &[String],
        target: &str,
    ) -> Result<Self, DataError> {
        Self::read_columns(path, feature_names, target)
    }
}

impl<T: Element> Dataset<T> {
    /// As [`Dataset::from_csv_columns`], with the features stored as `T` (see
    /// [`Dataset::read`]).
    ///
    /// # Errors
    /// As [`Dataset::from_csv_columns`].
    pub fn read_columns(
        path: impl AsRef<Path>,
        feature_names: &[String],
        target: &str,
    ) -> Result<Self, DataError> {
        let mut table = Table::open(path.as_ref())?;
        let columns = table.columns(feature_names)?;
        let target_index = table.column(target)?;
        let (x, y) = table.read(&columns, Some(target_index))?;
        Ok(Dataset {
            feature_names: feature_names.to_vec(),
            target_name: target.to_owned(),
            x,
            y: Array1::from_vec(y),
        })
    }
}

/// Reads the named feature columns of `path` in the given order, ignoring any other column
/// (such as the target): what a fitted model needs to predict on a new file.
///
/// # Errors
/// As [`Dataset::from_csv`], and a named column that is not in the file.
pub fn read_features(path: impl AsRef<Path>, names: &[String]) -> Result<Array2<f64>, DataError> {
    read_features_as(path, names)
}

/// [`read_features`] with the features stored as `T` (see [`Dataset::read`]).
///
/// # Errors
/// As [`read_features`].
pub fn read_features_as<T: Element>(
    path: impl AsRef<Path>,
    names: &[String],
) -> Result<Array2<T>, DataError> {
    let mut table = Table::open(path.as_ref())?;
    let columns = table.columns(names)?;
    Ok(table.read(&columns, None)?.0)
}

/// [`read_features_as`] of the data rows `rows` (0-based) alone: a process's share of the
/// rows of a file shared among processes (see [`Dataset::read_rows`]).
///
/// # Errors
/// As [`read_features`].
pub fn read_features_rows<T: Element>(
    path: impl AsRef<Path>,
    names: &[String],
    rows: Range<usize>,
) -> Result<Array2<T>, DataError> {
    let mut table = Table::open(path.as_ref())?;
    let columns = table.columns(names)?;
    Ok(table.read_window(&columns, None, |_| rows)?.0 .0)
}

/// Reads the column `name` of `path` as text, one value per data row (trimmed), in file
/// order: an identifier column to pass through predictions. Rows are counted as the numeric
/// readers count them (blank lines are not rows).
///
/// # Errors
/// As [`Dataset::from_csv`] for the file's structure, and a column that is not in the file.
pub fn read_text_column(path: impl AsRef<Path>, name: &str) -> Result<Vec<String>, DataError> {
    let mut table = Table::open(path.as_ref())?;
    let column = table.column(name)?;
    let width = table.header.len();
    let mut values = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match table.reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(&table.path, e)),
        }
        if record.len() != width {
            if record.len() == 1 && record[0].trim().is_empty() {
                continue;
            }
            return Err(DataError::Ragged {
                path: table.path.clone(),
                line: record.position().map_or(0, csv::Position::line),
                expected: width,
                found: record.len(),
            });
        }
        values.push(record[column].trim().to_owned());
    }
    Ok(values)
}

/// A window of a file's rows: the features and targets read, the file's number of data
/// rows, and which rows (0-based) were read.
pub(crate) type Window<T> = ((Array2<T>, Vec<f64>), usize, Range<usize>);

/// A CSV file opened with its header read.
pub(crate) struct Table {
    path: PathBuf,
    reader: csv::Reader<LineFeeds<std::fs::File>>,
    pub(crate) header: Vec<String>,
    /// Each column's index, by name.
    index: HashMap<String, usize>,
    /// Where the first data row starts: its byte offset and line number.
    data_start: (u64, u64),
}

impl Table {
    pub(crate) fn open(path: &Path) -> Result<Self, DataError> {
        let io = |source| DataError::Io {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        check_kind(path, &file)?;
        // Lines that end with a carriage return alone are read with line feeds, so that the
        // csv crate counts them.
        let mut start = Vec::with_capacity(1 << 16);
        (&file).take(1 << 16).read_to_end(&mut start).map_err(io)?;
        (&file).seek(SeekFrom::Start(0)).map_err(io)?;
        let cr_lines = lone_carriage_return(&start);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(LineFeeds::new(file, cr_lines));
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| csv_error(path, e))?
            .iter()
            .map(|name| name.trim().to_owned())
            .collect();
        if header.is_empty() || header.iter().all(String::is_empty) {
            return Err(DataError::EmptyFile {
                path: path.to_owned(),
            });
        }
        let index = column_index(path, &header)?;
        let position = reader.position();
        let data_start = (position.byte(), position.line());
        Ok(Table {
            path: path.to_owned(),
            reader,
            header,
            index,
            data_start,
        })
    }

    /// The column named `target` (the last when `None`) as the target, and every other column
    /// not `excluded` as a feature, in file order.
    pub(crate) fn layout(
        &self,
        target: Option<&str>,
        excluded: &[String],
    ) -> Result<Layout, DataError> {
        let target = match target {
            Some(name) => self.column(name)?,
            None => self.header.len() - 1,
        };
        let excluded = self.columns(excluded)?;
        let target_name = self.header[target].clone();
        let feature_columns: Vec<usize> = (0..self.header.len())
            .filter(|&c| c != target && !excluded.contains(&c))
            .collect();
        if feature_columns.is_empty() {
            return Err(DataError::NoFeatures {
                path: self.path.clone(),
                target: target_name,
            });
        }
        let feature_names = feature_columns
            .iter()
            .map(|&c| self.header[c].clone())
            .collect();
        Ok(Layout {
            target,
            target_name,
            feature_columns,
            feature_names,
        })
    }

    fn column(&self, name: &str) -> Result<usize, DataError> {
        self.index
            .get(name)
            .copied()
            .ok_or_else(|| DataError::MissingColumn {
                path: self.path.clone(),
                name: name.to_owned(),
                available: listed(&self.header),
            })
    }

    /// The indices of the named columns, in the order given.
    fn columns(&self, names: &[String]) -> Result<Vec<usize>, DataError> {
        names.iter().map(|name| self.column(name)).collect()
    }

    /// Parses `columns` of every row into a matrix (one row per data row), and the `target`
    /// column (empty when `None`).
    fn read<T: Element>(
        &mut self,
        columns: &[usize],
        target: Option<usize>,
    ) -> Result<(Array2<T>, Vec<f64>), DataError> {
        Ok(self.read_window(columns, target, |rows| 0..rows)?.0)
    }

    /// What the fast path reads of this file: `columns` and `target` of the rows after the
    /// header.
    #[cfg(unix)]
    fn fast_layout<'a>(
        &'a self,
        columns: &'a [usize],
        target: Option<usize>,
    ) -> crate::parallel_csv::Layout<'a> {
        crate::parallel_csv::Layout {
            path: &self.path,
            header: &self.header,
            start: self.data_start.0,
            first_line: self.data_start.1,
            columns,
            target,
        }
    }

    /// [`read`](Table::read) of the data rows `pick(n)` of the file's `n` (0-based), with `n`
    /// and the rows read. The fast path parses only those rows; the general reader (quoted
    /// fields, pipes) parses every row and keeps the window.
    fn read_window<T: Element>(
        &mut self,
        columns: &[usize],
        target: Option<usize>,
        pick: impl FnOnce(usize) -> Range<usize>,
    ) -> Result<Window<T>, DataError> {
        #[cfg(unix)]
        let pick = {
            let layout = self.fast_layout(columns, target);
            // `pick` is taken only when the fast path reads the file.
            let mut pick = Some(pick);
            let once = |n| pick.take().map_or(0..n, |pick| pick(n));
            if let Some(result) = crate::parallel_csv::read_window(&layout, once) {
                return result;
            }
            pick
        };
        let mut values = Vec::new();
        let mut targets = Vec::new();
        let rows = self.for_each_row(columns, target, |row: &[T], y| {
            values.extend_from_slice(row);
            targets.extend(y);
            Ok(())
        })?;
        let no_rows = || DataError::NoRows {
            path: self.path.clone(),
        };
        let x = Array2::from_shape_vec((rows, columns.len()), values).map_err(|_| no_rows())?;
        #[cfg(unix)]
        let window = pick.map_or(0..rows, |pick| pick(rows));
        #[cfg(not(unix))]
        let window = pick(rows);
        let window = window.start.min(rows)..window.end.min(rows).max(window.start.min(rows));
        if window == (0..rows) {
            return Ok(((x, targets), rows, window));
        }
        let x = x.slice(ndarray::s![window.clone(), ..]).to_owned();
        let targets = targets
            .get(window.clone())
            .map_or_else(Vec::new, <[f64]>::to_vec);
        Ok(((x, targets), rows, window))
    }

    /// Parses every row in file order, handing blocks of rows to `block`: their `columns` (as
    /// `T`, row-major) and their targets. A plain numeric file is parsed by the fast path, a
    /// block of 64 MiB of the file at a time on rayon's threads; any other (quoted fields, a
    /// pipe) row by row, in blocks of one row. Returns the number of rows. Memory does not grow
    /// with the file: what converting it into a data cache needs.
    pub(crate) fn for_each_block<T: Element>(
        &mut self,
        columns: &[usize],
        target: usize,
        mut block: impl FnMut(&[T], &[f64]) -> Result<(), DataError>,
    ) -> Result<usize, DataError> {
        #[cfg(unix)]
        {
            let layout = self.fast_layout(columns, Some(target));
            if let Some(result) = crate::parallel_csv::for_each_block(&layout, &mut block) {
                return result;
            }
        }
        self.for_each_row(columns, Some(target), |row: &[T], y| {
            block(row, &[y.unwrap_or(f64::NAN)])
        })
    }

    /// Parses the rows one at a time, in file order, handing each row's `columns` (as `T`) and
    /// its `target` (when asked for) to `row`; returns the number of rows. Memory does not
    /// grow with the file: what the sequential read and the binary cache
    /// ([`DataCache`](crate::cache::DataCache)) share.
    pub(crate) fn for_each_row<T: Element>(
        &mut self,
        columns: &[usize],
        target: Option<usize>,
        mut row: impl FnMut(&[T], Option<f64>) -> Result<(), DataError>,
    ) -> Result<usize, DataError> {
        let mut rows = 0;
        let mut values = Vec::with_capacity(columns.len());
        let mut record = csv::StringRecord::new();
        let width = self.header.len();
        loop {
            match self.reader.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_error(&self.path, e)),
            }
            let line = record.position().map_or(0, csv::Position::line);
            if record.len() != width {
                // A blank line at the end is not a row.
                if record.len() == 1 && record[0].trim().is_empty() {
                    continue;
                }
                return Err(DataError::Ragged {
                    path: self.path.clone(),
                    line,
                    expected: width,
                    found: record.len(),
                });
            }
            values.clear();
            for &c in columns {
                let value = parse_number(&self.path, &self.header, record[c].as_bytes(), line, c)?;
                values.push(narrow(value, &self.path, &self.header, || line, c)?);
            }
            let y = match target {
                Some(t) => Some(parse_number(
                    &self.path,
                    &self.header,
                    record[t].as_bytes(),
                    line,
                    t,
                )?),
                None => None,
            };
            row(&values, y)?;
            rows += 1;
        }
        if rows == 0 {
            return Err(DataError::NoRows {
                path: self.path.clone(),
            });
        }
        Ok(rows)
    }
}

/// Each column's index by name, or the error naming a name that appears twice: one pass with
/// a map, linear in the number of columns however wide the file. Every reader checks its
/// header with it.
pub(crate) fn column_index(
    path: &Path,
    names: &[String],
) -> Result<HashMap<String, usize>, DataError> {
    let mut index = HashMap::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        if index.insert(name.clone(), i).is_some() {
            return Err(DataError::DuplicateColumn {
                path: path.to_owned(),
                name: name.clone(),
            });
        }
    }
    Ok(index)
}

/// Refuses directories and devices: a directory cannot be read as text, and a device such as
/// `/dev/zero` or `/dev/urandom` never ends. Regular files and pipes (`<(…)`) are read.
pub(crate) fn check_kind(path: &Path, file: &std::fs::File) -> Result<(), DataError> {
    let kind = file
        .metadata()
        .map_err(|source| DataError::Io {
            path: path.to_owned(),
            source,
        })?
        .file_type();
    let refused = if kind.is_dir() {
        Some("a directory")
    } else {
        device(&kind)
    };
    match refused {
        Some(kind) => Err(DataError::NotAFile {
            path: path.to_owned(),
            kind,
        }),
        None => Ok(()),
    }
}

#[cfg(unix)]
fn device(kind: &std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    (kind.is_char_device() || kind.is_block_device()).then_some("a device")
}

#[cfg(not(unix))]
fn device(_: &std::fs::FileType) -> Option<&'static str> {
    None
}

/// The first few column names, and how many more there are.
pub(crate) fn listed(header: &[String]) -> String {
    let shown: Vec<&str> = header
        .iter()
        .take(LISTED_COLUMNS)
        .map(String::as_str)
        .collect();
    match header.len().saturating_sub(LISTED_COLUMNS) {
        0 => shown.join(", "),
        more => format!("{}, and {more} more", shown.join(", ")),
    }
}

pub(crate) fn csv_error(path: &Path, error: csv::Error) -> DataError {
    let line = error.position().map_or(0, csv::Position::line);
    let reason = error.to_string();
    match error.into_kind() {
        csv::ErrorKind::Io(source) => DataError::Io {
            path: path.to_owned(),
            source,
        },
        _ => DataError::Malformed {
            path: path.to_owned(),
            line,
            reason,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A temporary file holding `contents`, removed when dropped.
    fn file(contents: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, contents.as_bytes()).unwrap();
        f
    }

    fn message(contents: &str, target: Option<&str>) -> String {
        let f = file(contents);
        Dataset::from_csv(f.path(), target).unwrap_err().to_string()
    }

    #[test]
    fn reads_features_and_named_target() {
        let f = file("a,label,b\n1,0,2\n3,1,4\n");
        let data = Dataset::from_csv(f.path(), Some("label")).unwrap();
        assert_eq!(data.feature_names, ["a", "b"]);
        assert_eq!(data.x, ndarray::array![[1.0, 2.0], [3.0, 4.0]]);
        assert_eq!(data.y, ndarray::array![0.0, 1.0]);
        let default = Dataset::from_csv(f.path(), None).unwrap();
        assert_eq!(default.target_name, "b");
        assert_eq!(default.x, ndarray::array![[1.0, 0.0], [3.0, 1.0]]);
        let features = read_features(f.path(), &["b".into(), "a".into()]).unwrap();
        assert_eq!(features, ndarray::array![[2.0, 1.0], [4.0, 3.0]]);
        let reordered = Dataset::from_csv_columns(f.path(), &["b".into()], "a").unwrap();
        assert_eq!(reordered.x, ndarray::array![[2.0], [4.0]]);
        assert_eq!(reordered.y, ndarray::array![1.0, 3.0]);
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let m = message("a,b,t\n1,2,0\n1,x,1\n", None);
        assert!(
            m.contains("line 3") && m.contains("\"b\"") && m.contains("\"x\""),
            "{m}"
        );
        let m = message("a,b,t\n1,,0\n", None);
        assert!(m.contains("line 2") && m.contains("missing value"), "{m}");
        let m = message("a,b,t\n1,2,0\n1,NaN,1\n", None);
        assert!(m.contains("line 3") && m.contains("not a finite"), "{m}");
        let m = message("a,b,t\n1,inf,0\n", None);
        assert!(m.contains("not a finite"), "{m}");
        let m = message("a,b,t\n1,2,0\n1,2\n", None);
        assert!(
            m.contains("line 3") && m.contains("expected 3 fields"),
            "{m}"
        );
        assert!(message("", None).contains("empty"));
        assert!(message("a,b,t\n", None).contains("no data rows"));
        // Lines that end with a carriage return alone, a blank one among them.
        let m = message("a,b,t\r1,2,0\r\r1,2,1\r1,x,1\r", None);
        assert!(m.contains("line 5") && m.contains("\"x\""), "{m}");
        let m = message("a,b,t\r\n1,2,0\r\n\r\n1,inf,1\r\n", None);
        assert!(m.contains("line 4") && m.contains("not a finite"), "{m}");
        let m = message("a,b,t\n1,2,3\n", Some("y"));
        assert!(
            m.contains("no column named \"y\"") && m.contains("a, b, t"),
            "{m}"
        );
        assert!(message("t\n1\n", None).contains("no feature columns"));
        assert!(message("a,a,t\n1,2,3\n", None).contains("appears twice"));
        let missing = Dataset::from_csv("/nonexistent/file.csv", None).unwrap_err();
        assert!(missing.to_string().starts_with("/nonexistent/file.csv:"));
        let directory = Dataset::from_csv(std::env::temp_dir(), None).unwrap_err();
        assert!(directory.to_string().contains("a directory"), "{directory}");
        #[cfg(unix)]
        {
            let device = Dataset::from_csv("/dev/zero", None).unwrap_err();
            assert!(device.to_string().contains("a device"), "{device}");
        }
    }

    #[test]
    fn wide_headers_are_read_in_linear_time_and_listed_briefly() {
        // 200 000 columns: a quadratic duplicate check would take minutes.
        let names: Vec<String> = (0..200_000).map(|i| format!("c{i}")).collect();
        let values = vec!["1"; names.len()];
        let f = file(&format!("{}\n{}\n", names.join(","), values.join(",")));
        let started = std::time::Instant::now();
        let data = Dataset::from_csv(f.path(), None).unwrap();
        assert_eq!(data.x.dim(), (1, 199_999));
        assert!(started.elapsed().as_secs() < 20);
        let e = Dataset::from_csv(f.path(), Some("missing"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("and 199988 more") && e.len() < 300,
            "{}",
            &e[..200]
        );
    }

    #[test]
    fn carriage_returns_alone_end_lines() {
        // Old Mac line endings, as pandas reads them.
        let f = file("a,b,t\r1,2,0\r3,4,1\r");
        let data = Dataset::from_csv(f.path(), None).unwrap();
        assert_eq!(data.x, ndarray::array![[1.0, 2.0], [3.0, 4.0]]);
        assert_eq!(data.y, ndarray::array![0.0, 1.0]);
    }

    #[test]
    fn text_columns_pass_through_in_row_order() {
        let f = file("id,a,t\n\"x, 1\",1,0\n\nb7,2,1\n");
        assert_eq!(read_text_column(f.path(), "id").unwrap(), ["x, 1", "b7"]);
        assert_eq!(read_features(f.path(), &["a".into()]).unwrap().nrows(), 2);
        assert!(read_text_column(f.path(), "nope").is_err());
    }

    #[test]
    fn trailing_blank_line_and_spaces_are_accepted() {
        let f = file("a , t\n 1, 0\n2 ,1\n\n");
        let data = Dataset::from_csv(f.path(), Some("t")).unwrap();
        assert_eq!(data.x, ndarray::array![[1.0], [2.0]]);
        assert_eq!(data.feature_names, ["a"]);
    }

    /// A file of more than one 4 MiB chunk: `rows` rows of `a,b,c,target`, with Windows line
    /// breaks, blank lines here and there, and optionally every field quoted (which sends it
    /// to the general reader).
    fn big_file(rows: usize, quoted: bool, bad_row: Option<usize>) -> tempfile::NamedTempFile {
        let mut text = String::from("a,b,c,target\r\n");
        for i in 0..rows {
            if i % 10_000 == 5 {
                text.push_str("\r\n");
            }
            let value = |k: usize| format!("{:.9e}", ((i * 7 + k * 13) as f64 * 0.001).sin() * 1e3);
            let fields = if bad_row == Some(i) {
                [value(0), "oops".to_owned(), value(2), (i % 2).to_string()]
            } else {
                [value(0), value(1), value(2), (i % 2).to_string()]
            };
            let line: Vec<String> = fields
                .iter()
                .map(|f| {
                    if quoted {
                        format!("\"{f}\"")
                    } else {
                        f.clone()
                    }
                })
                .collect();
            text.push_str(&line.join(","));
            text.push_str("\r\n");
        }
        file(&text)
    }

    #[test]
    fn the_parallel_reader_agrees_with_the_general_one() {
        let rows = 150_000; // about 8 MB: two chunks and a part
        let plain = big_file(rows, false, None);
        let quoted = big_file(rows, true, None);
        let fast = Dataset::from_csv(plain.path(), None).unwrap();
        let general = Dataset::from_csv(quoted.path(), None).unwrap();
        assert_eq!(fast.x.dim(), (rows, 3));
        assert_eq!(fast.x, general.x);
        assert_eq!(fast.y, general.y);
        assert_eq!(fast.feature_names, ["a", "b", "c"]);
        // Columns picked by name, in the order asked for.
        let picked = read_features(plain.path(), &["c".to_owned(), "a".to_owned()]).unwrap();
        assert_eq!(picked.column(0), fast.x.column(2));
        assert_eq!(picked.column(1), fast.x.column(0));
    }

    #[test]
    fn the_parallel_reader_names_the_line_of_an_error_in_a_later_chunk() {
        let bad = 140_000;
        let f = big_file(150_000, false, Some(bad));
        let e = Dataset::from_csv(f.path(), None).unwrap_err().to_string();
        // Line 1 is the header; a blank line precedes rows 5, 10 005, … 130 005.
        let line = bad + 2 + bad / 10_000;
        assert!(e.contains(&format!("line {line}, column \"b\"")), "{e}");
        assert!(e.contains("\"oops\""), "{e}");
        // The general reader takes its line numbers from the csv crate, which does not count
        // blank lines: only the column and the text are checked there.
        let f = big_file(150_000, true, Some(bad));
        let e = Dataset::from_csv(f.path(), None).unwrap_err().to_string();
        assert!(e.contains("column \"b\": cannot parse \"oops\""), "{e}");
    }

    #[test]
    fn f32_storage_rounds_to_nearest_and_rejects_values_beyond_its_range() {
        let contents = "a,b,y\n0.1,16777217,0\n-2.5e-3,1e38,1\n";
        let path = file(contents);
        let data = Dataset::<f32>::read(path.path(), None, &[]).unwrap();
        // As numpy's astype(float32): 16777217 = 2²⁴ + 1 rounds to even.
        assert_eq!(data.x.row(0).to_vec(), vec![0.1_f32, 16_777_216.0]);
        assert_eq!(data.x.row(1).to_vec(), vec![-2.5e-3_f32, 1e38]);
        assert_eq!(data.y.to_vec(), vec![0.0, 1.0]);
        let too_big = file("a,y\n1,0\n-4e38,1\n");
        let message = Dataset::<f32>::read(too_big.path(), None, &[])
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("line 3") && message.contains("beyond the range of f32"),
            "{message}"
        );
        // A value that is not zero but would become zero in f32 is beyond its range too.
        let tiny = file("a,y\n1e-50,0\n2,1\n");
        let message = Dataset::<f32>::read(tiny.path(), None, &[])
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("line 2") && message.contains("1e-50"),
            "{message}"
        );
        assert_eq!(
            Dataset::<f32>::read(file("a,y\n-0,0\n1e-40,1\n").path(), None, &[])
                .unwrap()
                .x
                .column(0)
                .to_vec(),
            vec![-0.0, 1e-40_f32]
        );
        // The target is read as f64 whatever the features are stored as.
        let big_target = file("a,y\n1,1e300\n2,0\n");
        let data = Dataset::<f32>::read(big_target.path(), None, &[]).unwrap();
        assert_eq!(data.y[0], 1e300);
        // The parallel reader, on a file large enough to take it, agrees with the f64 read.
        let big = big_file(50_000, false, None);
        let narrow = Dataset::<f32>::read(big.path(), None, &[]).unwrap();
        let wide = Dataset::from_csv(big.path(), None).unwrap();
        assert_eq!(narrow.x, wide.x.mapv(|v| v as f32));
        assert_eq!(narrow.y, wide.y);
    }
}
