//! The data options shared by `fit`, `race`, `path` and `cv`, and the rows they produce.
//!
//! One loader serves them all. A plain numeric file (the common case, and the fast one) is
//! read by the parallel numeric reader; a table with text, blanks or markers of missing
//! values, or any option about columns, goes through [`descent_models::table`] and
//! [`descent_models::encoding`], whose encoding the model file then keeps.

use crate::args;
use crate::ModelKind;
use anyhow::{bail, Context, Result};
use descent_models::cache::DataCache;
use descent_models::data::{DataError, Dataset};
use descent_models::encoding::{
    EncodeOptions, MissingPolicy, Roles, Selection, TableEncoding, UnknownLevel,
};
use descent_models::table::{RawTable, ReadOptions, Source};
use descent_models::{
    split_indices, train_test_split_owned, ClassWeight, Model, ModelError, ModelFile, SplitRecord,
    StandardScaler,
};
use descent_objectives::{Categorical, DesignMatrix, Element};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use std::path::{Path, PathBuf};

/// `--unknown-level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum UnknownLevelArg {
    /// An error naming the column, the level and the line.
    Error,
    /// Encoded as the reference level (no coefficient), as scikit-learn's
    /// handle_unknown="ignore".
    Ignore,
}

impl From<UnknownLevelArg> for UnknownLevel {
    fn from(arg: UnknownLevelArg) -> Self {
        match arg {
            UnknownLevelArg::Error => UnknownLevel::Error,
            UnknownLevelArg::Ignore => UnknownLevel::Ignore,
        }
    }
}

/// `--delimiter`: one byte, or `\t` / `tab` for a tab.
pub(crate) fn delimiter(text: &str) -> Result<u8, String> {
    match text {
        "\\t" | "tab" | "\t" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() && text != "\"" && text != "\n" => {
            Ok(text.as_bytes()[0])
        }
        _ => Err(format!(
            "{text:?} is not a delimiter: give one ASCII character (or \\t for a tab)"
        )),
    }
}

/// How a table's columns are read and encoded: shared by every command that reads data.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct TableArgs {
    /// The feature columns, comma-separated names or glob patterns ('x_*'); default: every
    /// column but the target, the identifier and the dropped ones.
    #[arg(long, value_delimiter = ',')]
    pub features: Vec<String>,
    /// Columns to leave out, comma-separated names or glob patterns.
    #[arg(long, value_delimiter = ',')]
    pub drop: Vec<String>,
    /// A column that identifies each row: not a feature; the model remembers it, and
    /// `predict` copies it into its output.
    #[arg(long)]
    pub id_column: Option<String>,
    /// Numeric columns whose values are category codes (text columns are categorical anyway);
    /// comma-separated names or patterns.
    #[arg(long, value_delimiter = ',')]
    pub categorical: Vec<String>,
    /// The label of the positive class (1) of a logistic model, e.g. Yes; default: the second
    /// of the two labels in sorted order, as scikit-learn's classes_[1].
    #[arg(long)]
    pub positive_class: Option<String>,
    /// Missing feature values: error (default), drop (leave those rows out), or impute with the
    /// training mean, median or most-frequent value (categorical columns: most frequent level).
    #[arg(long, value_parser = MissingPolicy::parse)]
    pub missing: Option<MissingPolicy>,
    /// A categorical column's missing values become a level of their own, "missing".
    #[arg(long)]
    pub missing_level: bool,
    /// The texts that mark a missing value, comma-separated (replacing the default: empty, NA,
    /// N/A, NaN, nan, null, NULL, None, ?, and pandas' other markers).
    #[arg(long, value_delimiter = ',', num_args = 1)]
    pub na_values: Option<Vec<String>>,
    /// The field delimiter, one character (\t for a tab); default: ',', ';' or tab, whichever
    /// the header line holds most of.
    #[arg(long, value_parser = delimiter)]
    pub delimiter: Option<u8>,
    /// A category level that training did not see (in the test rows or at prediction): error
    /// (default), or ignore (encoded as the reference level).
    #[arg(long, value_enum)]
    pub unknown_level: Option<UnknownLevelArg>,
    /// The most levels a text column may have; by default one with more distinct values than
    /// half its rows is taken for an identifier and refused.
    #[arg(long, value_parser = args::positive_count)]
    pub max_levels: Option<usize>,
}

impl TableArgs {
    /// Whether anything asks for the table reader rather than the numeric one.
    fn any(&self) -> bool {
        !self.features.is_empty()
            || !self.drop.is_empty()
            || self.id_column.is_some()
            || !self.categorical.is_empty()
            || self.positive_class.is_some()
            || self.missing.is_some()
            || self.missing_level
            || self.na_values.is_some()
            || self.delimiter.is_some()
            || self.unknown_level.is_some()
            || self.max_levels.is_some()
    }

    fn read_options(&self) -> ReadOptions {
        let mut options = ReadOptions {
            delimiter: self.delimiter,
            text_columns: self.categorical.clone(),
            ..ReadOptions::default()
        };
        if let Some(na) = &self.na_values {
            options.na_values.clone_from(na);
        }
        options
    }
}

/// Whether a file is one the numeric reader cannot take: standard input, a pipe, gzip,
/// Parquet.
/// Whether `path` is a Parquet file (by its first four bytes).
pub(crate) fn is_parquet(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut file| std::io::Read::read_exact(&mut file, &mut magic))
        .is_ok_and(|()| &magic == b"PAR1")
}

/// The number of data rows of the numeric file `path`: a plain CSV file (its lines counted)
/// or a Parquet file (from its metadata).
#[cfg_attr(not(feature = "mpi"), allow(dead_code, reason = "used under MPI only"))]
pub(crate) fn count_rows(path: &Path) -> Result<usize> {
    if is_parquet(path) {
        return Ok(descent_models::table::read_parquet_rows(path, |_| 0..0)?.1);
    }
    Ok(descent_models::data::count_rows(path)?)
}

fn needs_table_reader(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    if path == Path::new("-") {
        return true;
    }
    // A pipe is not even opened here: its bytes would be gone for the reader, or its one
    // writer paired with this look. The table reader reads it once, whole, whatever it holds
    // (the numeric reader could fail on text and leave nothing to read again).
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => {}
        Ok(m) if m.file_type().is_fifo() => return true,
        _ => return false,
    }
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let mut magic = [0u8; 4];
    std::io::Read::read_exact(&mut file, &mut magic)
        .is_ok_and(|()| magic.starts_with(&[0x1f, 0x8b]) || &magic == b"PAR1")
}

#[derive(Debug, clap::Args)]
pub(crate) struct DataArgs {
    /// The data: a CSV file (or ';'- or tab-separated, gzip-compressed, or - for standard
    /// input) with a header row. Numeric columns are features as they are, text columns
    /// categorical; the target is the last column unless --target names another.
    #[arg(long)]
    pub data: PathBuf,
    /// The target column's name (default: the last column).
    #[arg(long)]
    pub target: Option<String>,
    /// Standardize the features (fitted on the training rows; saved with the model). The
    /// coefficients are then on the standardized scale.
    #[arg(long)]
    pub standardize: bool,
    /// Hold out this fraction of the rows as a test set, strictly between 0 and 1 (e.g. 0.2).
    #[arg(long, allow_hyphen_values = true, value_parser = crate::args::fraction)]
    pub test_size: Option<f64>,
    /// The seed of the train/test shuffle.
    #[arg(long, default_value_t = 42, allow_hyphen_values = true, value_parser = crate::args::seed)]
    pub seed: u64,
    /// A column of sample weights (scikit-learn's sample_weight): each row's loss counts as
    /// many times as its weight, and the scores are weighted means; not a feature. Weights are
    /// finite and 0 or more (0 leaves a row out of the fit).
    #[arg(long)]
    pub weight_column: Option<String>,
    /// Logistic: weights of the classes, multiplied into the rows' weights: balanced (each
    /// class weighs the same in total, W/(K·W_k)), or label=weight pairs, comma-separated
    /// (classes not listed weigh 1), e.g. 1=5 or Yes=3,No=1.
    #[arg(long, value_parser = ClassWeightArg::parse)]
    pub class_weight: Option<ClassWeightArg>,
    #[command(flatten)]
    pub table: TableArgs,
}

/// `--class-weight`: as given, labels still text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ClassWeightArg {
    /// `balanced`.
    Balanced,
    /// `label=weight,…`.
    Given(Vec<(String, f64)>),
}

/// As given: `balanced`, or `label=weight` pairs joined by commas.
impl std::fmt::Display for ClassWeightArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClassWeightArg::Balanced => write!(f, "balanced"),
            ClassWeightArg::Given(pairs) => {
                for (k, (label, weight)) in pairs.iter().enumerate() {
                    let comma = if k > 0 { "," } else { "" };
                    write!(f, "{comma}{label}={weight}")?;
                }
                Ok(())
            }
        }
    }
}

impl ClassWeightArg {
    /// `balanced`, or `label=weight` pairs separated by commas (the weight after the last
    /// `=`), each weight finite and 0 or more, no label twice.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if text.trim() == "balanced" {
            return Ok(ClassWeightArg::Balanced);
        }
        let mut pairs: Vec<(String, f64)> = Vec::new();
        for pair in text.split(',') {
            let (label, weight) = pair.rsplit_once('=').ok_or_else(|| {
                format!("{pair:?} is not label=weight (give balanced, or pairs such as 0=1,1=5)")
            })?;
            let label = label.trim();
            let weight = args::non_negative(weight).map_err(|e| format!("{label}: {e}"))?;
            if label.is_empty() {
                return Err(format!("{pair:?} has no label before the ="));
            }
            if pairs.iter().any(|(l, _)| l == label) {
                return Err(format!("label {label:?} is given twice"));
            }
            pairs.push((label.to_owned(), weight));
        }
        Ok(ClassWeightArg::Given(pairs))
    }

    /// The class weights for targets encoded by `labels` (label `k` stands for class `k`;
    /// `None`: the classes are numbers, read as such).
    fn resolve(&self, labels: Option<&[String]>) -> Result<ClassWeight> {
        let pairs = match self {
            ClassWeightArg::Balanced => return Ok(ClassWeight::Balanced),
            ClassWeightArg::Given(pairs) => pairs,
        };
        let class = |label: &str| -> Result<f64> {
            match labels {
                Some(labels) => labels
                    .iter()
                    .position(|l| l == label)
                    .map(|k| k as f64)
                    .with_context(|| {
                        format!(
                            "--class-weight: {label:?} is not one of the labels ({})",
                            labels.join(", ")
                        )
                    }),
                None => label.parse::<f64>().ok().filter(|v| v.is_finite()).with_context(|| {
                    format!("--class-weight: {label:?} is not a class; the target's classes are numbers")
                }),
            }
        };
        Ok(ClassWeight::Given(
            pairs
                .iter()
                .map(|(label, weight)| Ok((class(label)?, *weight)))
                .collect::<Result<_>>()?,
        ))
    }
}

/// Training and test rows, after the optional split and standardization, the features
/// stored as `T`.
pub(crate) struct Prepared<T = f64> {
    pub feature_names: Vec<String>,
    pub target_name: String,
    /// The numeric features of the training rows (all of them, for a plain numeric file), in
    /// memory or mapped from a data cache (`--out-of-core`).
    pub x_train: Stored<T>,
    /// The categorical features of the training rows, as codes (none for a numeric file).
    pub cat_train: Vec<Categorical<'static>>,
    pub y_train: Array1<f64>,
    pub test: Option<(Array2<T>, Array1<f64>)>,
    /// The categorical features of the test rows.
    pub cat_test: Vec<Categorical<'static>>,
    pub scaler: Option<StandardScaler>,
    /// The split, as a model file records it.
    pub split: Option<SplitRecord>,
    /// How a raw table became these features (none for a plain numeric file).
    pub encoding: Option<TableEncoding>,
    /// Rows left out for missing values (`--missing drop`).
    pub dropped_rows: usize,
    /// The training rows' sample weights (`--weight-column`).
    pub w_train: Option<Array1<f64>>,
    /// The test rows' sample weights.
    pub w_test: Option<Array1<f64>>,
    /// `--class-weight`, its labels resolved to the target's classes.
    pub class_weight: Option<ClassWeight>,
    /// What cross-validation needs to learn the preprocessing again on each fold's training
    /// rows (kept only by [`DataArgs::prepare_for_folds`], and only when something is learned
    /// from the data).
    pub unprepared: Option<Unprepared<T>>,
}

/// About how many bytes `path`'s numeric features would take as values of `value_bytes`
/// each: the rows estimated from the file's size and its first lines' length (read from the
/// metadata of a Parquet file), times the columns but one (the target). For --memory-limit.
pub(crate) fn estimated_matrix_bytes(path: &Path, value_bytes: usize) -> Result<u64> {
    use std::io::Read;
    if is_parquet(path) {
        // Exact, from the file's metadata.
        let (rows, columns) = descent_models::table::parquet_shape(path)?;
        return Ok((rows * columns.saturating_sub(1).max(1) * value_bytes) as u64);
    }
    let size = std::fs::metadata(path)
        .with_context(|| format!("{}", path.display()))?
        .len();
    let mut start = Vec::with_capacity(1 << 16);
    std::fs::File::open(path)
        .and_then(|f| f.take(1 << 16).read_to_end(&mut start))
        .with_context(|| format!("{}", path.display()))?;
    let mut lines = start.split(|&b| b == b'\n');
    let columns = lines
        .next()
        .map_or(1, |h| h.iter().filter(|&&b| b == b',').count() + 1);
    let sampled: Vec<&[u8]> = lines.filter(|l| !l.is_empty()).collect();
    // The last sampled line may be cut short; the others give the mean length of a row.
    let whole = &sampled[..sampled.len().saturating_sub(1)];
    let row_bytes = if whole.is_empty() {
        size.max(1)
    } else {
        (whole.iter().map(|l| l.len() + 1).sum::<usize>() / whole.len()).max(1) as u64
    };
    let rows = size / row_bytes;
    Ok(rows * (columns.saturating_sub(1).max(1) * value_bytes) as u64)
}

/// Numeric feature rows: read into memory, or mapped in place from a data cache
/// (`--out-of-core`), which the operating system pages in as a pass reads it.
pub(crate) enum Stored<T> {
    Memory(Array2<T>),
    /// A data cache, and the rows of it fitted: all of them, or a process's share under MPI.
    Cache(DataCache<T>, std::ops::Range<usize>),
    /// The data file itself, read again on every pass (`--stream`): X is never in memory.
    Stream(descent_models::stream::FileStream<T>),
}

impl<T: Element> Stored<T> {
    /// The rows as a matrix view.
    pub(crate) fn view(&self) -> Result<ArrayView2<'_, T>> {
        Ok(match self {
            Stored::Memory(x) => x.view(),
            Stored::Cache(cache, rows) => cache.x()?.slice_move(ndarray::s![rows.clone(), ..]),
            Stored::Stream(stream) => anyhow::bail!(
                "{} is read pass by pass (--stream): X is not in memory",
                stream.path().display()
            ),
        })
    }

    /// The number of rows.
    pub(crate) fn nrows(&self) -> usize {
        match self {
            Stored::Memory(x) => x.nrows(),
            Stored::Cache(_, rows) => rows.len(),
            Stored::Stream(stream) => descent_objectives::RowSource::rows(stream),
        }
    }
}

/// The training rows before anything learned from them was applied, so that each fold of
/// cross-validation learns its preprocessing (levels, imputation statistics, the scaler) from
/// its own training rows only, as a scikit-learn `Pipeline` inside `cross_validate` does; the
/// held-out rows then never inform what they are scored with.
pub(crate) enum Unprepared<T> {
    /// A numeric file with `--standardize`: the training rows unscaled.
    Numeric(Array2<T>),
    /// A table: the table itself, what it is encoded with, and the table rows of the
    /// training part, in order.
    Table {
        table: Box<RawTable>,
        selection: Box<Selection>,
        options: EncodeOptions,
        na_values: Vec<String>,
        train_rows: Vec<usize>,
    },
}

impl DataArgs {
    /// The words a command's header gives the options that change what is fitted:
    /// `, standardized`, `, weighted by column "w"`, `, class weights balanced`.
    pub(crate) fn words(&self) -> String {
        let mut words = String::new();
        if self.standardize {
            words.push_str(", standardized");
        }
        if let Some(column) = &self.weight_column {
            words.push_str(&format!(", weighted by column {column:?}"));
        }
        if let Some(classes) = &self.class_weight {
            words.push_str(&format!(", class weights {classes}"));
        }
        words
    }

    /// Reads the data file, splits it (with `--test-size`) and standardizes it (with
    /// `--standardize`, fitted on the training rows), for a model of `kind`, leaving out the
    /// columns named in `excluded` (they are not features), the numeric features stored as `T`
    /// (`--dtype`).
    pub(crate) fn prepare_as<T: Element>(
        &self,
        kind: ModelKind,
        excluded: &[String],
    ) -> Result<Prepared<T>> {
        self.prepare_with(kind, excluded, false)
    }

    /// As [`prepare_as`](Self::prepare_as), keeping what [`Prepared::fold`] needs to learn
    /// the preprocessing again on each fold's training rows.
    pub(crate) fn prepare_for_folds<T: Element>(
        &self,
        kind: ModelKind,
        excluded: &[String],
    ) -> Result<Prepared<T>> {
        self.prepare_with(kind, excluded, true)
    }

    fn prepare_with<T: Element>(
        &self,
        kind: ModelKind,
        excluded: &[String],
        folds: bool,
    ) -> Result<Prepared<T>> {
        if self.class_weight.is_some() && kind != ModelKind::Logistic {
            bail!("--class-weight applies to --model logistic");
        }
        // The weight column is read by the table reader, which keeps the lines for messages.
        let table_reader =
            self.table.any() || self.weight_column.is_some() || needs_table_reader(&self.data);
        if !table_reader {
            match Dataset::<T>::read(&self.data, self.target.as_deref(), excluded) {
                Ok(data) => return self.prepare_numeric(data, folds),
                // Text or blanks: the table reader takes such files.
                Err(DataError::Unparsable { .. } | DataError::Missing { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.prepare_table(kind, excluded, folds)
    }

    /// The training rows from the data cache at `cache` (made or remade from the data file
    /// when needed; the reason is returned when it was): every row, X read in place. Only a
    /// plain numeric file, fitted whole, can be read so: a split, --standardize, the table
    /// options and a weight column need X in memory, and are refused.
    pub(crate) fn prepare_cached<T: Element>(
        &self,
        cache: &Path,
    ) -> Result<(Prepared<T>, Option<String>)> {
        let (data, made) = self.open_cache::<T>(cache)?;
        let (prepared, _, _) = self.cached_rows(data, |n| 0..n)?;
        Ok((prepared, made))
    }

    /// The rows `pick(n)` of the cache's `n` (a process's share under MPI) as training rows,
    /// with `n` and the rows.
    pub(crate) fn cached_rows<T: Element>(
        &self,
        data: DataCache<T>,
        pick: impl FnOnce(usize) -> std::ops::Range<usize>,
    ) -> Result<(Prepared<T>, usize, std::ops::Range<usize>)> {
        let total = data.rows();
        let mut rows = pick(total);
        rows.end = rows.end.min(total);
        rows.start = rows.start.min(rows.end);
        let mut prepared = Prepared::plain(
            data.feature_names().to_vec(),
            data.target_name().to_owned(),
            data.y().slice(ndarray::s![rows.clone()]).to_owned(),
            Stored::Cache(data, rows.clone()),
        );
        prepared.class_weight = self.numeric_class_weight()?;
        Ok((prepared, total, rows))
    }

    /// The data cache at `cache`, made or remade from the data file when needed (with the
    /// reason when it was); the options that need X in memory are refused.
    pub(crate) fn open_cache<T: Element>(
        &self,
        cache: &Path,
    ) -> Result<(DataCache<T>, Option<String>)> {
        if let Some(option) = self.needs_all_rows() {
            bail!(
                "{option} cannot be used out of core: it needs X in memory (the models \
                 standardize internally without a copy; split the file itself for a test set)"
            );
        }
        crate::files::check_output("--cache", cache, &[&self.data])?;
        DataCache::<T>::open_or_build(&self.data, cache, self.target.as_deref(), &[]).map_err(|e| {
            match e {
                DataError::Unparsable { .. } | DataError::Missing { .. } => anyhow::anyhow!(
                    "{e}; --out-of-core reads plain numeric files (no text, no blanks)"
                ),
                other => other.into(),
            }
        })
    }

    /// The first option given that needs every row in memory at once (a split, a scaler, a
    /// table's encoding, a weight column), which neither a data cache nor a share of rows
    /// provides.
    pub(crate) fn needs_all_rows(&self) -> Option<&'static str> {
        let options = [
            ("--test-size", self.test_size.is_some()),
            ("--standardize", self.standardize),
            ("--weight-column", self.weight_column.is_some()),
            ("the table options", self.table.any()),
        ];
        options.iter().find(|(_, given)| *given).map(|(o, _)| *o)
    }

    /// This process's share of a plain numeric file's rows, `pick(n)` of its `n` (under MPI),
    /// with `n` and the rows read.
    #[cfg_attr(not(feature = "mpi"), allow(dead_code, reason = "used under MPI only"))]
    pub(crate) fn prepare_share<T: Element>(
        &self,
        pick: impl FnOnce(usize) -> std::ops::Range<usize>,
    ) -> Result<(Prepared<T>, usize, std::ops::Range<usize>)> {
        self.refuse_for_shares()?;
        let (data, total, rows, weights) = self.read_rows_of::<T>(&self.data, pick)?;
        let mut prepared = Prepared::plain(
            data.feature_names,
            data.target_name,
            data.y,
            Stored::Memory(data.x),
        );
        prepared.w_train = weights;
        prepared.class_weight = self.numeric_class_weight()?;
        Ok((prepared, total, rows))
    }

    /// Fails on an option that a share of the rows cannot serve.
    fn refuse_for_shares(&self) -> Result<()> {
        let refused = [
            ("--test-size", self.test_size.is_some()),
            ("--standardize", self.standardize),
            ("the table options", self.table.any()),
        ];
        if let Some((option, _)) = refused.iter().find(|(_, given)| *given) {
            bail!(
                "{option} cannot be used with rows shared among MPI processes (the models \
                 standardize internally; split the file itself for a test set)"
            );
        }
        Ok(())
    }

    /// The rows `pick(n)` of the numeric file `path` (of its `n`: a plain CSV file or a
    /// Parquet file), the weight column left out, with `n`, the rows read and their sample
    /// weights (`--weight-column`; `None` without one).
    #[allow(clippy::type_complexity, reason = "a private reader's four results")]
    fn read_rows_of<T: Element>(
        &self,
        path: &Path,
        pick: impl FnOnce(usize) -> std::ops::Range<usize>,
    ) -> Result<(
        Dataset<T>,
        usize,
        std::ops::Range<usize>,
        Option<Array1<f64>>,
    )> {
        let excluded: Vec<String> = self.weight_column.iter().cloned().collect();
        let target = self.target.as_deref();
        if is_parquet(path) {
            let (table, total, rows) = descent_models::table::read_parquet_rows(path, pick)?;
            let data = table.numeric_dataset::<T>(target, &excluded, rows.start)?;
            let weights = match &self.weight_column {
                Some(name) => Some(table.sample_weights(table.column(name)?)?.to_owned()),
                None => None,
            };
            return Ok((data, total, rows, weights));
        }
        let (data, total, rows) = Dataset::<T>::read_rows(path, target, &excluded, pick)?;
        let weights = match &self.weight_column {
            Some(name) => Some(
                descent_models::data::read_features_rows::<f64>(
                    path,
                    std::slice::from_ref(name),
                    rows.clone(),
                )?
                .column(0)
                .to_owned(),
            ),
            None => None,
        };
        Ok((data, total, rows, weights))
    }

    /// [`prepare_share`](Self::prepare_share) of a data set made of several files, one after
    /// another (`parts`: each file with its number of data rows): the rows `rows` of the
    /// whole, read from the files they fall in. Every file must have the columns of the first.
    #[cfg_attr(not(feature = "mpi"), allow(dead_code, reason = "used under MPI only"))]
    pub(crate) fn prepare_share_of_parts<T: Element>(
        &self,
        parts: &[(PathBuf, usize)],
        rows: std::ops::Range<usize>,
    ) -> Result<Prepared<T>> {
        self.refuse_for_shares()?;
        let (mut xs, mut ys, mut ws) = (Vec::new(), Vec::new(), Vec::new());
        let mut names: Option<(Vec<String>, String)> = None;
        let mut start = 0;
        for (k, (path, count)) in parts.iter().enumerate() {
            let (first, end) = (start, start + count);
            start = end;
            let (from, to) = (first.max(rows.start), end.min(rows.end));
            // Every file overlapping the share, and the first file for the names of an empty
            // share.
            if from >= to && !(k == 0 && rows.is_empty()) {
                continue;
            }
            let window = from.min(to) - first..to.max(from) - first;
            let (data, n, _, weights) = self.read_rows_of::<T>(path, |_| window.clone())?;
            if n != *count {
                bail!(
                    "{}: {n} data rows now, {count} when the processes counted them: a file changed while being read",
                    path.display()
                );
            }
            let these = (data.feature_names.clone(), data.target_name.clone());
            match &names {
                None => names = Some(these),
                Some(first_names) if *first_names != these => bail!(
                    "{}: columns {} do not match the first file's {}",
                    path.display(),
                    these.0.join(","),
                    first_names.0.join(",")
                ),
                Some(_) => {}
            }
            ws.extend(weights);
            xs.push(data.x);
            ys.push(data.y);
        }
        let Some((feature_names, target_name)) = names else {
            bail!("no data files");
        };
        let views: Vec<_> = xs.iter().map(ndarray::Array2::view).collect();
        let x = ndarray::concatenate(ndarray::Axis(0), &views)?;
        let y_views: Vec<_> = ys.iter().map(Array1::view).collect();
        let y = ndarray::concatenate(ndarray::Axis(0), &y_views)?;
        let mut prepared = Prepared::plain(feature_names, target_name, y, Stored::Memory(x));
        if self.weight_column.is_some() {
            let w_views: Vec<_> = ws.iter().map(Array1::view).collect();
            prepared.w_train = Some(ndarray::concatenate(ndarray::Axis(0), &w_views)?);
        }
        prepared.class_weight = self.numeric_class_weight()?;
        Ok(prepared)
    }

    /// `--class-weight` for a numeric file, whose labels are the numbers themselves.
    fn numeric_class_weight(&self) -> Result<Option<ClassWeight>> {
        self.class_weight
            .as_ref()
            .map(|c| c.resolve(None))
            .transpose()
    }

    fn prepare_numeric<T: Element>(&self, data: Dataset<T>, folds: bool) -> Result<Prepared<T>> {
        let (mut x_train, y_train, mut test, split) = match self.test_size {
            Some(size) => {
                let record = SplitRecord::new(data.y.view(), size, self.seed);
                let split = train_test_split_owned(data.x, data.y, size, self.seed)?;
                (
                    split.x_train,
                    split.y_train,
                    Some((split.x_test, split.y_test)),
                    Some(record),
                )
            }
            None => (data.x, data.y, None, None),
        };
        let unprepared = (folds && self.standardize).then(|| Unprepared::Numeric(x_train.clone()));
        let scaler = self.standardize(&mut x_train, test.as_mut().map(|t| &mut t.0))?;
        let class_weight = self.numeric_class_weight()?;
        Ok(Prepared {
            feature_names: data.feature_names,
            target_name: data.target_name,
            x_train: Stored::Memory(x_train),
            cat_train: Vec::new(),
            y_train,
            test,
            cat_test: Vec::new(),
            scaler,
            split,
            encoding: None,
            dropped_rows: 0,
            w_train: None,
            w_test: None,
            class_weight,
            unprepared,
        })
    }

    /// The scaler of `--standardize`, fitted on `train` and applied to both parts.
    fn standardize<T: Element>(
        &self,
        train: &mut Array2<T>,
        test: Option<&mut Array2<T>>,
    ) -> Result<Option<StandardScaler>> {
        if !self.standardize || train.ncols() == 0 {
            return Ok(None);
        }
        let scaler = StandardScaler::fit(train.view())?;
        scaler.transform_in_place(train)?;
        if let Some(test) = test {
            scaler.transform_in_place(test)?;
        }
        Ok(Some(scaler))
    }

    /// The table path: roles, missing values, labels and categories.
    fn prepare_table<T: Element>(
        &self,
        kind: ModelKind,
        excluded: &[String],
        folds: bool,
    ) -> Result<Prepared<T>> {
        let t = &self.table;
        let read = t.read_options();
        let table = RawTable::read(&Source::new(&self.data), &read)?;
        if let Some(name) = &self.weight_column {
            let target = self.target.as_ref().or(table.names.last());
            if target == Some(name) {
                bail!("--weight-column {name} is the target column; name another with --target, or the column of weights");
            }
            if t.id_column.as_ref() == Some(name) {
                bail!("--weight-column {name} is also the identifier column (--id-column)");
            }
        }
        let roles = Roles {
            target: self.target.clone(),
            features: t.features.clone(),
            drop: t
                .drop
                .iter()
                .chain(excluded)
                .chain(&self.weight_column)
                .cloned()
                .collect(),
            id_column: t.id_column.clone(),
            categorical: t.categorical.clone(),
        };
        let options = EncodeOptions {
            missing: t.missing.unwrap_or_default(),
            missing_level: t.missing_level,
            unknown: t.unknown_level.map_or(UnknownLevel::Error, Into::into),
            classification: kind == ModelKind::Logistic,
            positive_class: t.positive_class.clone(),
            max_levels: t.max_levels,
        };
        let selection = Selection::new(&table, &roles, &options)?;
        let (mut rows, dropped_rows) = selection.usable_rows(&table, &options)?;
        // Every usable row's weight, taken before the table is consumed by the encoding.
        let weights = match &self.weight_column {
            Some(name) => Some(weights_of(&table, table.column(name)?, &rows)?),
            None => None,
        };
        let (train_rows, test_rows, w_train, w_test) = match self.test_size {
            Some(size) => {
                let (train, test) = split_indices(rows.len(), size, self.seed)?;
                let pick = |part: &[usize]| part.iter().map(|&k| rows[k]).collect::<Vec<_>>();
                let weigh =
                    |part: &[usize]| weights.as_ref().map(|w| w.select(ndarray::Axis(0), part));
                (pick(&train), Some(pick(&test)), weigh(&train), weigh(&test))
            }
            // No split: the rows themselves (8 bytes a row, not held twice).
            None => (std::mem::take(&mut rows), None, weights, None),
        };
        let encoding =
            TableEncoding::fit(&table, &selection, &options, &read.na_values, &train_rows)?;
        let parts: Vec<&[usize]> = std::iter::once(train_rows.as_slice())
            .chain(test_rows.as_deref())
            .collect();
        let (encoded, unprepared) = if folds {
            // Cross-validation encodes the table again for each fold: it is kept, and the
            // training rows' numbers are copied out.
            let encoded = parts
                .iter()
                .map(|rows| encoding.transform(&table, Some(rows), true))
                .collect::<Result<Vec<_>, _>>()?;
            let unprepared = Unprepared::Table {
                table: Box::new(table),
                selection: Box::new(selection),
                options,
                na_values: read.na_values.clone(),
                train_rows: train_rows.clone(),
            };
            (encoded, Some(unprepared))
        } else {
            // The training rows' numbers are made in the table's own block, in place.
            (encoding.transform_into(table, &parts, true)?, None)
        };
        let mut encoded = encoded.into_iter();
        let (Some(train), test) = (encoded.next(), encoded.next()) else {
            bail!("no training rows");
        };
        let split = match (self.test_size, &test_rows, &test) {
            (Some(size), Some(test_rows), Some(test)) => {
                // The target of every usable row in file order, for the record's checksum.
                let mut y = Array1::zeros(rows.len());
                let position: std::collections::HashMap<usize, usize> =
                    rows.iter().enumerate().map(|(k, &r)| (r, k)).collect();
                for (r, v) in train_rows.iter().zip(train.y.iter().flatten()) {
                    y[position[r]] = *v;
                }
                for (r, v) in test_rows.iter().zip(test.y.iter().flatten()) {
                    y[position[r]] = *v;
                }
                Some(SplitRecord::new(y.view(), size, self.seed))
            }
            _ => None,
        };
        let narrow = |x: Array2<f64>| -> Result<Array2<T>> { narrow_features(x) };
        let y_train = train.y.context("the training target")?;
        let mut x_train = narrow(train.dense)?;
        let (mut test, cat_test) = match test {
            Some(t) => (
                Some((narrow(t.dense)?, t.y.context("the test target")?)),
                t.categorical,
            ),
            None => (None, Vec::new()),
        };
        let scaler = self.standardize(&mut x_train, test.as_mut().map(|t| &mut t.0))?;
        let class_weight = self
            .class_weight
            .as_ref()
            .map(|c| c.resolve(encoding.labels.as_deref()))
            .transpose()?;
        Ok(Prepared {
            feature_names: encoding.feature_names(),
            target_name: encoding.target.clone(),
            x_train: Stored::Memory(x_train),
            cat_train: train.categorical,
            y_train,
            test,
            cat_test,
            scaler,
            split,
            encoding: Some(encoding),
            dropped_rows,
            w_train,
            w_test,
            class_weight,
            unprepared,
        })
    }
}

/// The sample weights of `rows` of `table` from its column `c` (see
/// [`RawTable::sample_weights`]); a missing weight is an error naming its line, whatever
/// `--missing` says, since a weight is neither a feature to impute nor a reason to drop a row
/// silently.
pub(crate) fn weights_of(table: &RawTable, c: usize, rows: &[usize]) -> Result<Array1<f64>> {
    let all = table.sample_weights(c)?;
    let weights: Array1<f64> = rows.iter().map(|&i| all[i]).collect();
    if let Some(k) = weights.iter().position(|w| w.is_nan()) {
        let count = weights.iter().filter(|w| w.is_nan()).count();
        bail!(
            "{}, {}, column {:?}: missing sample weight ({count} row(s) have none); give every row a weight (0 leaves a row out of the fit)",
            table.source.display(),
            table.place(rows[k]),
            table.names[c]
        );
    }
    Ok(weights)
}

/// The sample weights in column `name` of the plain numeric file `path` (`rows` of them).
fn numeric_weights(path: &Path, name: &str, rows: usize) -> Result<Array1<f64>> {
    let w = descent_models::data::read_features_as::<f64>(path, &[name.to_owned()])?;
    let w = w.column(0).to_owned();
    if w.len() != rows {
        bail!("--weight-column {name}: {} values for {rows} rows", w.len());
    }
    if let Some(i) = w.iter().position(|&v| v < 0.0) {
        bail!(
            "{}, data row {}, column {name:?}: weight {} is negative (a sample weight is a finite number, 0 or more)",
            path.display(),
            i + 1,
            w[i]
        );
    }
    Ok(w)
}

/// Values read as `f64` stored as `T`; a value beyond `T`'s range (too large, or not zero
/// but rounding to zero) is an error.
fn narrow_features<T: Element>(x: Array2<f64>) -> Result<Array2<T>> {
    // Stored as f64: the matrix itself, moved (no copy of the data).
    let x: Box<dyn std::any::Any> = Box::new(x);
    let x = match x.downcast::<Array2<T>>() {
        Ok(same) => return Ok(*same),
        Err(x) => *x
            .downcast::<Array2<f64>>()
            .map_err(|_| anyhow::anyhow!("the features changed type"))?,
    };
    let narrowed = x.mapv(T::from_f64);
    let beyond = x.indexed_iter().zip(narrowed.iter()).find(|((_, &v), &n)| {
        let n: f64 = n.into();
        !n.is_finite() || (n == 0.0 && v != 0.0)
    });
    if let Some((((i, j), v), _)) = beyond {
        bail!(
            "row {}, numeric feature {}: {v:?} is beyond the range of {}",
            i + 1,
            j + 1,
            T::NAME
        );
    }
    Ok(narrowed)
}

impl<T: Element> Prepared<T> {
    /// The training rows' design: the numeric block and the categorical columns.
    pub(crate) fn train(&self) -> Result<DesignMatrix<'_>> {
        let design = design(self.x_train.view()?, &self.cat_train)?;
        // A data cache's moments, computed while converting: the loss skips its pass over X
        // for the column statistics when they are of its targets.
        Ok(match &self.x_train {
            // The moments are of all the cache's rows (a share's are summed across processes).
            Stored::Cache(cache, rows) if rows.len() == cache.rows() => {
                design.with_moments(cache.moments())
            }
            Stored::Cache(..) | Stored::Memory(_) | Stored::Stream(_) => design,
        })
    }

    /// The test rows' design and target, with `--test-size`.
    pub(crate) fn test(&self) -> Result<Option<(DesignMatrix<'_>, ArrayView1<'_, f64>)>> {
        self.test
            .as_ref()
            .map(|(x, y)| Ok((design(x.view(), &self.cat_test)?, y.view())))
            .transpose()
    }

    /// The training rows' sample weights, with `--weight-column`.
    pub(crate) fn train_weight(&self) -> Option<ArrayView1<'_, f64>> {
        self.w_train.as_ref().map(Array1::view)
    }

    /// The test rows' sample weights, with `--weight-column` and `--test-size`.
    pub(crate) fn test_weight(&self) -> Option<ArrayView1<'_, f64>> {
        self.w_test.as_ref().map(Array1::view)
    }

    /// The number of training rows.
    pub(crate) fn train_rows(&self) -> usize {
        self.x_train.nrows()
    }

    /// The number of test rows.
    pub(crate) fn test_rows(&self) -> usize {
        self.test.as_ref().map_or(0, |(x, _)| x.nrows())
    }

    /// `rows` of the training part (indices into it, increasing), copied out.
    pub(crate) fn training_rows(&self, rows: &[usize]) -> Result<Rows<T>> {
        self.training_rows_of(self.x_train.view()?, rows)
    }

    /// [`training_rows`](Self::training_rows) with the numeric features taken from `x` (the
    /// training part's, as they are or before `--standardize`).
    fn training_rows_of(&self, x: ArrayView2<'_, T>, rows: &[usize]) -> Result<Rows<T>> {
        Ok(Rows {
            x: x.select(ndarray::Axis(0), rows),
            categorical: select_categorical(&self.cat_train, rows)?,
            y: self.y_train.select(ndarray::Axis(0), rows),
            w: self.fold_weights(rows),
        })
    }

    /// The sample weights of `rows` of the training part, with `--weight-column`.
    fn fold_weights(&self, rows: &[usize]) -> Option<Array1<f64>> {
        self.w_train
            .as_ref()
            .map(|w| w.select(ndarray::Axis(0), rows))
    }

    /// One fold of cross-validation: its training rows and its held-out rows (indices into
    /// the training part, increasing), with the preprocessing learned from the fold's
    /// training rows alone (the categories' levels, the imputation statistics, the scaler
    /// of `--standardize`) and applied to both.
    ///
    /// Without [`Unprepared`] rows (nothing is learned from a plain numeric file read without
    /// `--standardize`), the rows are those of the whole training part.
    pub(crate) fn fold(&self, train: &[usize], held_out: &[usize]) -> Result<(Rows<T>, Rows<T>)> {
        let (mut fit, mut score) = match &self.unprepared {
            None => return Ok((self.training_rows(train)?, self.training_rows(held_out)?)),
            Some(Unprepared::Numeric(x)) => (
                self.training_rows_of(x.view(), train)?,
                self.training_rows_of(x.view(), held_out)?,
            ),
            Some(Unprepared::Table {
                table,
                selection,
                options,
                na_values,
                train_rows,
            }) => {
                let in_table =
                    |rows: &[usize]| rows.iter().map(|&i| train_rows[i]).collect::<Vec<_>>();
                let table_train = in_table(train);
                let encoding =
                    TableEncoding::fit(table, selection, options, na_values, &table_train)
                        .context("learning the encoding from the fold's training rows")?;
                // `part`: indices into the training part; their rows of the table are encoded.
                let rows = |part: &[usize], name: &str| -> Result<Rows<T>> {
                    let encoded = encoding
                        .transform(table, Some(&in_table(part)), true)
                        .with_context(|| {
                            format!(
                                "encoding the fold's {name} rows by what its training rows hold"
                            )
                        })?;
                    Ok(Rows {
                        x: narrow_features(encoded.dense)?,
                        categorical: encoded.categorical,
                        y: encoded.y.context("the fold's target")?,
                        w: self.fold_weights(part),
                    })
                };
                (rows(train, "training")?, rows(held_out, "held-out")?)
            }
        };
        if self.scaler.is_some() && fit.x.ncols() > 0 {
            let scaler = StandardScaler::fit(fit.x.view())?;
            scaler.transform_in_place(&mut fit.x)?;
            scaler.transform_in_place(&mut score.x)?;
        }
        Ok((fit, score))
    }
}

/// A design from a numeric block and categorical columns (of the same rows).
pub(crate) fn design<'a, T: Element>(
    x: ArrayView2<'a, T>,
    categorical: &'a [Categorical<'static>],
) -> Result<DesignMatrix<'a>> {
    let columns = categorical.iter().map(Categorical::view).collect();
    Ok(DesignMatrix::new(x, columns)?)
}

impl<T: Element> Prepared<T> {
    /// The model file of `model` fitted on these rows: names, scaler, split and encoding.
    /// The training rows of a plain numeric file, as they are: no split, scaler, encoding or
    /// weights.
    pub(crate) fn plain(
        feature_names: Vec<String>,
        target_name: String,
        y_train: Array1<f64>,
        x_train: Stored<T>,
    ) -> Self {
        Prepared {
            feature_names,
            target_name,
            y_train,
            x_train,
            cat_train: Vec::new(),
            test: None,
            cat_test: Vec::new(),
            scaler: None,
            split: None,
            encoding: None,
            dropped_rows: 0,
            w_train: None,
            w_test: None,
            class_weight: None,
            unprepared: None,
        }
    }

    pub(crate) fn model_file(&self, model: Model) -> ModelFile {
        let mut file = ModelFile::new(
            model,
            self.feature_names.clone(),
            self.target_name.clone(),
            self.scaler.clone(),
        );
        if let Some(split) = self.split {
            file = file.with_split(split);
        }
        if let Some(encoding) = &self.encoding {
            file = file.with_encoding(encoding.clone());
        }
        file
    }

    /// An error of fitting on the training rows, said in terms of the split when the split
    /// is what caused it (a training part with one class).
    pub(crate) fn explain(&self, error: ModelError) -> anyhow::Error {
        match (&error, &self.split) {
            (ModelError::NotBinary { count: 1, .. }, Some(split)) => anyhow::anyhow!(
                "the {} training rows left by --test-size {} hold only one class ({error}); hold out fewer rows or use more data",
                self.x_train.nrows(),
                split.test_size
            ),
            _ => error.into(),
        }
    }
}

/// What to read from a data file for a saved model.
pub(crate) struct ForModel<'a> {
    /// The target column to read too (`eval`), or none (`predict`).
    pub target: Option<&'a str>,
    /// A column to copy out as row identifiers (default: the model's identifier column).
    pub id_column: Option<&'a str>,
    /// `--delimiter` (default: detected).
    pub delimiter: Option<u8>,
    /// `--unknown-level`, overriding the model's.
    pub unknown_level: Option<UnknownLevelArg>,
    /// A column of sample weights to read too (`eval --weight-column`).
    pub weight_column: Option<&'a str>,
}

/// Rows of a data file encoded as a saved model's features (scaled by its scaler), the
/// numeric features stored as `T` (`--dtype`).
pub(crate) struct ModelRows<T = f64> {
    pub x: Array2<T>,
    pub categorical: Vec<Categorical<'static>>,
    /// With [`ForModel::target`].
    pub y: Option<Array1<f64>>,
    pub ids: Option<Vec<String>>,
    /// Rows of the file left out for missing values (`eval` of a model fitted with
    /// `--missing drop`).
    pub dropped_rows: usize,
    /// With [`ForModel::weight_column`]: each row's sample weight.
    pub w: Option<Array1<f64>>,
}

impl<T: Element> ModelRows<T> {
    /// The design of these rows.
    pub(crate) fn design(&self) -> Result<DesignMatrix<'_>> {
        design(self.x.view(), &self.categorical)
    }

    /// Keeps only `rows` (indices into these rows, increasing).
    pub(crate) fn select(&mut self, rows: &[usize]) -> Result<()> {
        self.x = self.x.select(ndarray::Axis(0), rows);
        self.y = self.y.as_ref().map(|y| y.select(ndarray::Axis(0), rows));
        self.w = self.w.as_ref().map(|w| w.select(ndarray::Axis(0), rows));
        self.ids = self
            .ids
            .as_ref()
            .map(|ids| rows.iter().map(|&i| ids[i].clone()).collect());
        self.categorical = select_categorical(&self.categorical, rows)?;
        Ok(())
    }
}

/// `rows` of categorical columns (indices, increasing).
fn select_categorical(
    columns: &[Categorical<'_>],
    rows: &[usize],
) -> Result<Vec<Categorical<'static>>> {
    columns
        .iter()
        .map(|c| {
            let codes: Vec<u32> = rows.iter().map(|&i| c.codes()[i]).collect();
            Ok(Categorical::new(codes, c.levels())?)
        })
        .collect()
}

/// Some rows of a data set, copied out: a fold of cross-validation.
pub(crate) struct Rows<T> {
    pub x: Array2<T>,
    pub categorical: Vec<Categorical<'static>>,
    pub y: Array1<f64>,
    /// Their sample weights, with `--weight-column`.
    pub w: Option<Array1<f64>>,
}

impl<T: Element> Rows<T> {
    /// The design of these rows.
    pub(crate) fn design(&self) -> Result<DesignMatrix<'_>> {
        design(self.x.view(), &self.categorical)
    }
}

/// Reads `path` for the model in `file`: by the model's table encoding when it has one (any
/// delimiter, gzip, standard input, text and missing values as at fit time), else as a
/// numeric CSV file with the model's feature columns.
///
/// A plain numeric file is read straight into `T`; a table is encoded in `f64` (its block of
/// numbers), then narrowed.
pub(crate) fn read_for_model<T: Element>(
    file: &ModelFile,
    path: &Path,
    what: &ForModel<'_>,
) -> Result<ModelRows<T>> {
    let mut rows = match &file.encoding {
        Some(encoding) => {
            let mut encoding = encoding.clone();
            if let Some(unknown) = what.unknown_level {
                encoding.unknown = unknown.into();
            }
            let read = ReadOptions {
                delimiter: what.delimiter,
                na_values: encoding.na_values.clone(),
                text_columns: encoding.text_columns(),
            };
            let table = RawTable::read(&Source::new(path), &read)?;
            if let Some(target) = what.target {
                encoding.target = target.to_owned();
            }
            // Scoring can leave out incomplete rows as the fit did; a prediction is owed for
            // every row.
            let (chosen, dropped_rows) =
                if what.target.is_some() && encoding.missing == MissingPolicy::Drop {
                    let complete = encoding.complete_rows(&table, true)?;
                    let dropped = table.nrows() - complete.len();
                    (Some(complete), dropped)
                } else {
                    (None, 0)
                };
            let encoded = encoding.transform(&table, chosen.as_deref(), what.target.is_some())?;
            // The rows read, for the columns taken as they are (weights, identifiers).
            let rows: Vec<usize> = match (what.weight_column, what.id_column) {
                (None, None) => Vec::new(),
                _ => chosen.unwrap_or_else(|| (0..table.nrows()).collect()),
            };
            let w = match what.weight_column {
                Some(name) => Some(weights_of(&table, table.column(name)?, &rows)?),
                None => None,
            };
            let ids = match what.id_column {
                Some(name) => {
                    let c = table.column(name)?;
                    Some(
                        rows.iter()
                            .map(|&i| table.text(c, i).unwrap_or_default())
                            .collect(),
                    )
                }
                None => encoded.ids,
            };
            ModelRows {
                x: narrow_features(encoded.dense)?,
                categorical: encoded.categorical,
                y: encoded.y,
                ids,
                dropped_rows,
                w,
            }
        }
        None => {
            if what.delimiter.is_some() || what.unknown_level.is_some() {
                bail!(
                    "--delimiter and --unknown-level apply to models fitted on a table read with them; this model was fitted on a plain numeric file"
                );
            }
            let (x, y) = match what.target {
                Some(target) => {
                    let data = Dataset::<T>::read_columns(path, &file.feature_names, target)?;
                    (data.x, Some(data.y))
                }
                None => (
                    descent_models::data::read_features_as::<T>(path, &file.feature_names)?,
                    None,
                ),
            };
            let ids = match what.id_column {
                Some(name) => {
                    let ids = descent_models::data::read_text_column(path, name)?;
                    if ids.len() != x.nrows() {
                        bail!(
                            "--id-column {name}: {} values for {} rows",
                            ids.len(),
                            x.nrows()
                        );
                    }
                    Some(ids)
                }
                None => None,
            };
            let w = match what.weight_column {
                Some(name) => Some(numeric_weights(path, name, x.nrows())?),
                None => None,
            };
            ModelRows {
                x,
                categorical: Vec::new(),
                y,
                ids,
                dropped_rows: 0,
                w,
            }
        }
    };
    if let Some(scaler) = &file.scaler {
        scaler.transform_in_place(&mut rows.x)?;
    }
    Ok(rows)
}
