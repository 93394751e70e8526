//! Saving fitted models, with their scaler and column names, to JSON files.

use crate::encoding::TableEncoding;
use crate::error::{non_negative, positive};
use crate::logistic::{check_l1_ratio, check_threshold};
use crate::{
    FittedLinearRegression, FittedLogisticRegression, FittedMultinomialLogisticRegression,
    ModelError, Penalty, StandardScaler,
};
use descent_solvers::Report;
use ndarray::{Array1, ArrayView1};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// The value of the `format` field of every model file.
pub const FORMAT: &str = "descent-model";
/// The newest model file format version this build writes and reads. Version 2 added the
/// record of the train/test split and the rank of least-squares fits; version 3 the table
/// encoding (columns, levels, imputation, labels) of a model fitted on a raw table, and is
/// written only by such models, so that a build that cannot read the encoding refuses the file
/// rather than misreading it. Older versions still read.
pub const FORMAT_VERSION: u64 = 3;

/// The version written for a model without a table encoding (readable by builds before 3).
const PLAIN_FORMAT_VERSION: u64 = 2;

/// The largest model file read: 1 GiB, enough for tens of millions of features.
const MAX_MODEL_BYTES: u64 = 1 << 30;

/// The train/test split a model was fitted with, so that the held-out rows can be scored
/// later ([`SplitRecord::test_rows`]).
///
/// The split is reproduced from the seed and the number of rows (the shuffle is fixed by its
/// specification, see [`train_test_split`](crate::train_test_split)); the checksum of the
/// target column tells whether a file is the one the model was fitted on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SplitRecord {
    /// The fraction held out.
    pub test_size: f64,
    /// The seed of the shuffle.
    pub seed: u64,
    /// How many rows the data had before the split.
    pub rows: usize,
    /// The FNV-1a hash of the target column's values, in file order.
    pub target_checksum: u64,
}

impl SplitRecord {
    /// The record of a split of `y` (all rows, in file order) with `test_size` and `seed`.
    pub fn new(y: ArrayView1<'_, f64>, test_size: f64, seed: u64) -> Self {
        SplitRecord {
            test_size,
            seed,
            rows: y.len(),
            target_checksum: checksum(y),
        }
    }

    /// Whether `y` (all rows, in file order) is the target column the split was made on.
    pub fn matches(&self, y: ArrayView1<'_, f64>) -> bool {
        y.len() == self.rows && checksum(y) == self.target_checksum
    }

    /// The indices of the held-out rows, in increasing order.
    ///
    /// # Errors
    /// An invalid test size.
    pub fn test_rows(&self) -> Result<Vec<usize>, ModelError> {
        Ok(crate::preprocessing::split_indices(self.rows, self.test_size, self.seed)?.1)
    }

    fn validate(&self) -> Result<(), String> {
        if !(self.test_size > 0.0 && self.test_size < 1.0) {
            return Err(format!(
                "the split's test_size {} is not between 0 and 1",
                self.test_size
            ));
        }
        if self.rows < 2 {
            return Err(format!("the split has {} rows", self.rows));
        }
        Ok(())
    }
}

/// Checks that a table encoding agrees with the file's names and is itself sound: distinct
/// levels and a fill among them for each categorical column, finite numeric fills, two
/// distinct labels.
/// A logistic model's penalty settings, as fitting checks them: a positive `C` with a
/// penalty, an `l1_ratio` in `[0, 1]` exactly for the elastic net.
fn check_logistic_penalty(penalty: Penalty, c: f64, l1_ratio: Option<f64>) -> Result<(), String> {
    if penalty != Penalty::None {
        positive("C", c).map_err(|e| e.to_string())?;
    }
    check_l1_ratio(
        penalty == Penalty::ElasticNet,
        l1_ratio,
        "penalty elasticnet",
    )
    .map_err(|e| e.to_string())
}

fn check_encoding(
    encoding: &TableEncoding,
    feature_names: &[String],
    target_name: &str,
) -> Result<(), String> {
    if encoding.feature_names() != feature_names {
        return Err("the table encoding's features are not the file's feature names".to_owned());
    }
    if encoding.target != target_name {
        return Err(format!(
            "the table encoding's target {:?} is not the file's {target_name:?}",
            encoding.target
        ));
    }
    if let Some(c) = encoding
        .numeric
        .iter()
        .find(|c| c.fill.is_some_and(|v| !v.is_finite()))
    {
        return Err(format!(
            "column {:?} is imputed with a non-finite value",
            c.name
        ));
    }
    for c in &encoding.categorical {
        let mut levels: Vec<&String> = c.levels.iter().collect();
        levels.sort_unstable();
        if levels.windows(2).any(|pair| pair[0] == pair[1]) {
            return Err(format!("column {:?} has a level twice", c.name));
        }
    }
    if let Some(labels) = &encoding.labels {
        let mut sorted: Vec<&String> = labels.iter().collect();
        sorted.sort_unstable();
        if let Some(pair) = sorted.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(format!("the label {:?} appears twice", pair[0]));
        }
        if labels.len() < 2 {
            return Err(format!("{} class label(s)", labels.len()));
        }
    }
    Ok(())
}

/// The 64-bit FNV-1a hash of the bits of `values`.
fn checksum(values: ArrayView1<'_, f64>) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    values.iter().fold(OFFSET, |hash, v| {
        v.to_bits()
            .to_le_bytes()
            .iter()
            .fold(hash, |h, &byte| (h ^ u64::from(byte)).wrapping_mul(PRIME))
    })
}

/// A fitted model of either kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Model {
    /// A binary logistic regression.
    LogisticRegression(FittedLogisticRegression),
    /// A linear regression (OLS or Ridge).
    LinearRegression(FittedLinearRegression),
    /// A multinomial (multiclass) logistic regression.
    MultinomialLogisticRegression(FittedMultinomialLogisticRegression),
}

impl Model {
    /// `"logistic_regression"`, `"linear_regression"` or
    /// `"multinomial_logistic_regression"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Model::LogisticRegression(_) => "logistic_regression",
            Model::LinearRegression(_) => "linear_regression",
            Model::MultinomialLogisticRegression(_) => "multinomial_logistic_regression",
        }
    }

    /// The coefficients: one per feature, or for the multinomial model `K` rows of one per
    /// feature, class after class (`coef[k·p + j]` is class `k`'s coefficient of feature `j`).
    pub fn coef(&self) -> Array1<f64> {
        match self {
            Model::LogisticRegression(m) => m.coef.clone(),
            Model::LinearRegression(m) => m.coef.clone(),
            Model::MultinomialLogisticRegression(m) => m.coef.iter().copied().collect(),
        }
    }

    /// The intercepts, one per linear predictor: one value, or one per class of the
    /// multinomial model.
    pub fn intercepts(&self) -> Array1<f64> {
        match self {
            Model::LogisticRegression(m) => Array1::from_elem(1, m.intercept),
            Model::LinearRegression(m) => Array1::from_elem(1, m.intercept),
            Model::MultinomialLogisticRegression(m) => m.intercept.clone(),
        }
    }

    /// How many linear predictors the model has: the number of classes of the multinomial
    /// model, 1 otherwise.
    pub fn n_outputs(&self) -> usize {
        match self {
            Model::MultinomialLogisticRegression(m) => m.n_classes(),
            _ => 1,
        }
    }

    /// The solver's report of the fit.
    pub fn report(&self) -> &Report<Array1<f64>> {
        match self {
            Model::LogisticRegression(m) => &m.report,
            Model::LinearRegression(m) => &m.report,
            Model::MultinomialLogisticRegression(m) => &m.report,
        }
    }

    fn report_mut(&mut self) -> &mut Report<Array1<f64>> {
        match self {
            Model::LogisticRegression(m) => &mut m.report,
            Model::LinearRegression(m) => &mut m.report,
            Model::MultinomialLogisticRegression(m) => &mut m.report,
        }
    }
}

/// What a model file holds: the model, the scaler its features went through (if any), and
/// the names of the feature and target columns it was fitted on.
///
/// On disk it is one JSON object with `format = "descent-model"` and a `version`; the
/// solver's report is kept without its per-iteration history.
///
/// ```
/// use descent_models::{LinearRegression, Model, ModelFile};
/// use ndarray::array;
/// let x = array![[0.0], [1.0], [2.0]];
/// let y = array![1.0, 3.0, 5.0];
/// let fit = LinearRegression::new().fit(x.view(), y.view())?;
/// let file = ModelFile::new(Model::LinearRegression(fit), vec!["x".into()], "y".into(), None);
/// let json = file.to_json()?;
/// let back = ModelFile::from_json(&json, "in memory")?;
/// assert!((back.into_linear()?.coef[0] - 2.0).abs() < 1e-12);
/// # Ok::<(), descent_models::ModelError>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// The format version, [`FORMAT_VERSION`] when written by this build.
    pub version: u64,
    /// The feature columns, in the order of the coefficients.
    pub feature_names: Vec<String>,
    /// The target column.
    pub target_name: String,
    /// The scaler applied to the features before the model, if any: the model's
    /// coefficients are on the standardized scale.
    pub scaler: Option<StandardScaler>,
    /// The train/test split the model was fitted with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<SplitRecord>,
    /// For a model fitted on a raw table: what turns its rows into features (the scaler, if
    /// any, then applies to the numeric columns, which come first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<TableEncoding>,
    /// The fitted model.
    pub model: Model,
}

impl ModelFile {
    /// Bundles a fitted model for saving; the report's history is dropped.
    pub fn new(
        mut model: Model,
        feature_names: Vec<String>,
        target_name: String,
        scaler: Option<StandardScaler>,
    ) -> Self {
        model.report_mut().history.clear();
        ModelFile {
            format: FORMAT.to_owned(),
            version: PLAIN_FORMAT_VERSION,
            feature_names,
            target_name,
            scaler,
            split: None,
            encoding: None,
            model,
        }
    }

    /// The same file, recording the table encoding the model's features came from.
    #[must_use]
    pub fn with_encoding(mut self, encoding: TableEncoding) -> Self {
        self.encoding = Some(encoding);
        self.version = FORMAT_VERSION;
        self
    }

    /// How many leading features are the numeric columns a scaler applies to: all of them
    /// without an encoding.
    pub fn numeric_features(&self) -> usize {
        self.encoding
            .as_ref()
            .map_or(self.feature_names.len(), |e| e.numeric.len())
    }

    /// The same file, recording the train/test split the model was fitted with.
    #[must_use]
    pub fn with_split(mut self, split: SplitRecord) -> Self {
        self.split = Some(split);
        self
    }

    /// The file's JSON text.
    ///
    /// # Errors
    /// A value JSON cannot represent (a non-finite number in the report).
    pub fn to_json(&self) -> Result<String, ModelError> {
        serde_json::to_string_pretty(self).map_err(|e| ModelError::CorruptModelFile {
            path: "(being written)".into(),
            reason: e.to_string(),
        })
    }

    /// Reads a model from JSON text; `origin` names the source in error messages.
    ///
    /// The model is checked as strictly as at fit time: one finite coefficient per (distinct)
    /// feature name, a finite intercept, two finite, distinct, increasing whole-number classes,
    /// a threshold strictly between 0 and 1, a positive finite `C` (with a penalty) and an
    /// `l1_ratio` in `[0, 1]` exactly for the elastic net, or a non-negative finite `alpha`
    /// (positive, with an `l1_ratio` in `[0, 1]`, for the Lasso and elastic net), and a scaler with finite means and positive finite scales.
    ///
    /// # Errors
    /// Text that is not JSON, not a descent model, of a newer format version, with missing or
    /// mistyped fields, or with any value that fails the checks above.
    pub fn from_json(text: &str, origin: impl AsRef<Path>) -> Result<Self, ModelError> {
        let path = origin.as_ref().to_owned();
        let corrupt = |reason: String| ModelError::CorruptModelFile {
            path: path.clone(),
            reason,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| corrupt(format!("invalid JSON: {e}")))?;
        if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(corrupt(format!(
                "the \"format\" field is not {FORMAT:?}; this is not a descent model file"
            )));
        }
        let version = value
            .get("version")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| corrupt("missing or invalid \"version\"".to_owned()))?;
        if version > FORMAT_VERSION {
            return Err(ModelError::NewerModelFormat {
                path,
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let file: ModelFile = serde_json::from_value(value).map_err(|e| corrupt(e.to_string()))?;
        file.check_consistency().map_err(corrupt)?;
        Ok(file)
    }

    fn check_consistency(&self) -> Result<(), String> {
        let n = self.feature_names.len();
        if n == 0 {
            return Err("no feature names".to_owned());
        }
        let mut names: Vec<&String> = self.feature_names.iter().collect();
        names.sort_unstable();
        if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(format!("the feature name {:?} appears twice", pair[0]));
        }
        let coef = self.model.coef();
        let outputs = self.model.n_outputs();
        if coef.len() != n * outputs {
            return Err(format!(
                "{} coefficients for {n} feature names and {outputs} output(s)",
                coef.len()
            ));
        }
        if let Some(j) = coef.iter().position(|w| !w.is_finite()) {
            return Err(format!(
                "the coefficient of {:?} is {}",
                self.feature_names[j % n],
                coef[j]
            ));
        }
        let intercepts = self.model.intercepts();
        if intercepts.len() != outputs {
            return Err(format!(
                "{} intercepts for {outputs} output(s)",
                intercepts.len()
            ));
        }
        if let Some(b) = intercepts.iter().find(|b| !b.is_finite()) {
            return Err(format!("the intercept is {b}"));
        }
        match &self.model {
            Model::LogisticRegression(m) => {
                let [negative, positive_class] = m.classes;
                let whole = |c: f64| c.is_finite() && c.fract() == 0.0;
                if !(whole(negative) && whole(positive_class) && negative < positive_class) {
                    return Err(format!(
                        "the classes [{negative}, {positive_class}] are not two distinct whole numbers in increasing order"
                    ));
                }
                check_threshold(m.threshold).map_err(|e| e.to_string())?;
                check_logistic_penalty(m.penalty, m.c, m.l1_ratio)?;
            }
            Model::MultinomialLogisticRegression(m) => {
                let whole = |c: &f64| c.is_finite() && c.fract() == 0.0;
                if m.classes.len() < 2
                    || !m.classes.iter().all(whole)
                    || m.classes.windows(2).any(|pair| pair[0] >= pair[1])
                {
                    return Err(format!(
                        "the classes {:?} are not at least two distinct whole numbers in increasing order",
                        m.classes
                    ));
                }
                if m.coef.nrows() != m.classes.len() {
                    return Err(format!(
                        "{} rows of coefficients for {} classes",
                        m.coef.nrows(),
                        m.classes.len()
                    ));
                }
                check_logistic_penalty(m.penalty, m.c, m.l1_ratio)?;
            }
            Model::LinearRegression(m) => {
                if m.l1_ratio.is_some() {
                    positive("alpha", m.alpha).map_err(|e| e.to_string())?;
                    check_l1_ratio(true, m.l1_ratio, "an elastic net")
                        .map_err(|e| e.to_string())?;
                } else {
                    non_negative("alpha", m.alpha).map_err(|e| e.to_string())?;
                }
            }
        }
        if let Some(encoding) = &self.encoding {
            check_encoding(encoding, &self.feature_names, &self.target_name)?;
            let classes = match &self.model {
                Model::LogisticRegression(_) => Some(2),
                Model::MultinomialLogisticRegression(m) => Some(m.classes.len()),
                Model::LinearRegression(_) => None,
            };
            if let (Some(labels), Some(classes)) = (&encoding.labels, classes) {
                if labels.len() != classes {
                    return Err(format!(
                        "{} class labels for a model of {classes} classes",
                        labels.len()
                    ));
                }
            }
        }
        if let Some(scaler) = &self.scaler {
            let n = self.numeric_features();
            if scaler.mean.len() != n || scaler.scale.len() != n {
                return Err(format!(
                    "the scaler has {} columns for {n} numeric features",
                    scaler.mean.len()
                ));
            }
            if scaler.mean.iter().any(|m| !m.is_finite()) {
                return Err("the scaler has a non-finite mean".to_owned());
            }
            if scaler.scale.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
                return Err("the scaler has a scale that is not positive and finite".to_owned());
            }
        }
        if let Some(split) = &self.split {
            split.validate()?;
        }
        Ok(())
    }

    /// Writes the model to `path` atomically: to a temporary file in the same directory, then
    /// renamed over `path`. A failed write leaves any file already at `path` as it was.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ModelError> {
        let path = path.as_ref();
        let json = self.to_json()?;
        write_atomically(path, json.as_bytes()).map_err(|source| ModelError::Io {
            path: path.to_owned(),
            source,
        })
    }

    /// Reads a model from `path`.
    ///
    /// # Errors
    /// The file cannot be read, or is not a valid model file (see
    /// [`from_json`](Self::from_json)).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ModelError> {
        use std::io::Read;
        let path = path.as_ref();
        let io = |source| ModelError::Io {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        crate::data::check_kind(path, &file).map_err(|e| ModelError::CorruptModelFile {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        // A model file holds a few numbers per feature; a larger one is not a model file, and
        // reading it whole could exhaust memory.
        let mut bytes = Vec::new();
        file.take(MAX_MODEL_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        let corrupt = |reason: String| ModelError::CorruptModelFile {
            path: path.to_owned(),
            reason,
        };
        if bytes.len() as u64 > MAX_MODEL_BYTES {
            return Err(corrupt(format!(
                "larger than {} MiB",
                MAX_MODEL_BYTES >> 20
            )));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            corrupt(format!(
                "not text (invalid UTF-8 at byte {})",
                e.utf8_error().valid_up_to()
            ))
        })?;
        Self::from_json(&text, path)
    }

    /// The logistic regression in the file.
    ///
    /// # Errors
    /// The file holds another kind of model.
    pub fn into_logistic(self) -> Result<FittedLogisticRegression, ModelError> {
        match self.model {
            Model::LogisticRegression(m) => Ok(m),
            other => Err(ModelError::WrongModelKind {
                expected: "logistic_regression",
                found: other.kind(),
            }),
        }
    }

    /// The multinomial logistic regression in the file.
    ///
    /// # Errors
    /// The file holds another kind of model.
    pub fn into_multinomial(self) -> Result<FittedMultinomialLogisticRegression, ModelError> {
        match self.model {
            Model::MultinomialLogisticRegression(m) => Ok(m),
            other => Err(ModelError::WrongModelKind {
                expected: "multinomial_logistic_regression",
                found: other.kind(),
            }),
        }
    }

    /// The linear regression in the file.
    ///
    /// # Errors
    /// The file holds another kind of model.
    pub fn into_linear(self) -> Result<FittedLinearRegression, ModelError> {
        match self.model {
            Model::LinearRegression(m) => Ok(m),
            other => Err(ModelError::WrongModelKind {
                expected: "linear_regression",
                found: other.kind(),
            }),
        }
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory, renamed over
/// `path` once complete and flushed to disk (tempfile's `persist`): whatever happens, `path`
/// holds either its old contents or all of the new ones.
///
/// # Errors
/// The directory cannot be written, or the disk is full.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace_atomically(path, |temporary| {
        let mut file = std::fs::OpenOptions::new().write(true).open(temporary)?;
        file.write_all(bytes)?;
        file.sync_all()
    })
}

/// Creates or replaces `path` through a temporary file in the same directory, with the same
/// extension (so that writers that choose a format by extension still do): `write` fills the
/// file at the temporary path it is given, which is then renamed over `path`. If `write`
/// fails, `path` is untouched and the temporary file removed.
///
/// The new file gets the permissions of the file it replaces, or those of any new file (read
/// and write for all, less the umask), not the owner-only permissions of a temporary file.
///
/// # Errors
/// The directory cannot be written, `write`'s error, or the disk is full.
pub fn replace_atomically(
    path: &Path,
    write: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let suffix = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let mut builder = tempfile::Builder::new();
    builder.prefix(".descent-").suffix(&suffix);
    let existing = std::fs::metadata(path).ok().map(|m| m.permissions());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Created with this mode, the umask applies as to any new file.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let temporary = builder.tempfile_in(directory)?;
    write(temporary.path())?;
    if let Some(permissions) = existing {
        std::fs::set_permissions(temporary.path(), permissions)?;
    }
    temporary.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LogisticRegression;
    use ndarray::array;

    fn logistic_file() -> ModelFile {
        let x = array![[0.0], [1.0], [2.0], [3.0]];
        let y = array![0.0, 1.0, 0.0, 1.0];
        let fit = LogisticRegression::new().fit(x.view(), y.view()).unwrap();
        ModelFile::new(
            Model::LogisticRegression(fit),
            vec!["a".into()],
            "t".into(),
            None,
        )
    }

    #[test]
    fn round_trip_keeps_the_model_and_drops_the_history() {
        let file = logistic_file();
        let back = ModelFile::from_json(&file.to_json().unwrap(), "x.json").unwrap();
        let (a, b) = (file.into_logistic().unwrap(), back.into_logistic().unwrap());
        // Bit for bit: the JSON numbers read back exactly (serde_json's float_roundtrip).
        assert!(a
            .coef
            .iter()
            .zip(&b.coef)
            .all(|(x, y)| x.to_bits() == y.to_bits()));
        assert_eq!(a.intercept.to_bits(), b.intercept.to_bits());
        assert_eq!(a.report.termination, b.report.termination);
        assert!(b.report.history.is_empty());
    }

    #[test]
    fn wrong_kind_newer_version_and_corruption_are_clear() {
        let json = logistic_file().to_json().unwrap();
        let e = ModelFile::from_json(&json, "m.json")
            .unwrap()
            .into_linear()
            .unwrap_err();
        assert!(
            e.to_string().contains("expected a linear_regression model"),
            "{e}"
        );

        let newer = json.replace("\"version\": 2", "\"version\": 99");
        let e = ModelFile::from_json(&newer, "m.json").unwrap_err();
        assert!(
            matches!(e, ModelError::NewerModelFormat { found: 99, .. }),
            "{e}"
        );

        let e = ModelFile::from_json(&json[..json.len() / 2], "m.json").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("m.json: not a valid descent model file: invalid JSON"),
            "{e}"
        );

        let e = ModelFile::from_json("{\"format\": \"other\"}", "m.json").unwrap_err();
        assert!(e.to_string().contains("not a descent model file"), "{e}");

        let unknown = json.replace("logistic_regression", "forest");
        assert!(ModelFile::from_json(&unknown, "m.json").is_err());

        let mismatched = json.replace("\"a\"", "\"a\", \"b\"");
        let e = ModelFile::from_json(&mismatched, "m.json").unwrap_err();
        assert!(
            e.to_string().contains("1 coefficients for 2 feature names"),
            "{e}"
        );
    }

    /// The file's JSON with `edit` applied to its value.
    fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut value: serde_json::Value =
            serde_json::from_str(&logistic_file().to_json().unwrap()).unwrap();
        edit(&mut value);
        value.to_string()
    }

    #[test]
    fn loading_checks_what_fitting_checks() {
        let cases: Vec<(String, &str)> = vec![
            (
                edited(|v| v["model"]["threshold"] = 0.0.into()),
                "threshold",
            ),
            (
                edited(|v| v["model"]["threshold"] = 1.5.into()),
                "threshold",
            ),
            (
                edited(|v| v["model"]["classes"] = serde_json::json!([1.0, 0.0])),
                "classes",
            ),
            (
                edited(|v| v["model"]["classes"] = serde_json::json!([1.0, 1.0])),
                "classes",
            ),
            (
                edited(|v| v["model"]["classes"] = serde_json::json!([0.0, 0.5])),
                "classes",
            ),
            (edited(|v| v["model"]["c"] = (-1.0).into()), "C"),
            (
                edited(|v| v["model"]["coef"] = serde_json::json!([1.5e300]))
                    .replace("1.5e300", "1.5e400")
                    .replace("1.5e+300", "1.5e400"),
                "out of range",
            ),
            (
                edited(|v| {
                    v["feature_names"] = serde_json::json!(["a", "a"]);
                    v["model"]["coef"] = serde_json::json!([1.0, 2.0]);
                }),
                "appears twice",
            ),
            (
                edited(|v| {
                    v["scaler"] = serde_json::json!({"mean": [0.0], "scale": [0.0]});
                }),
                "scale",
            ),
            (
                edited(|v| {
                    v["split"] = serde_json::json!(
                        {"test_size": 1.5, "seed": 1, "rows": 10, "target_checksum": 0}
                    );
                }),
                "test_size",
            ),
        ];
        for (json, needle) in cases {
            let e = ModelFile::from_json(&json, "m.json").unwrap_err();
            assert!(
                matches!(e, ModelError::CorruptModelFile { .. }) && e.to_string().contains(needle),
                "{needle}: {e}"
            );
        }
        // A version 1 file (no split, no rank) still reads.
        let v1 = edited(|v| v["version"] = 1.into());
        assert!(ModelFile::from_json(&v1, "m.json").is_ok());
    }

    fn multinomial_file() -> ModelFile {
        let x = array![
            [0.0, 1.0],
            [1.0, 0.0],
            [2.0, 2.0],
            [3.0, 1.0],
            [0.5, 2.5],
            [2.5, 0.5]
        ];
        let y = array![4.0, 7.0, 9.0, 4.0, 7.0, 9.0];
        let fit = LogisticRegression::new()
            .fit_multinomial(x.view(), y.view())
            .unwrap();
        ModelFile::new(
            Model::MultinomialLogisticRegression(fit),
            vec!["a".into(), "b".into()],
            "t".into(),
            None,
        )
    }

    #[test]
    fn multinomial_models_round_trip_and_are_checked_on_load() {
        let file = multinomial_file();
        let json = file.to_json().unwrap();
        assert!(json.contains("\"kind\": \"multinomial_logistic_regression\""));
        let back = ModelFile::from_json(&json, "m.json").unwrap();
        let (a, b) = (
            file.into_multinomial().unwrap(),
            back.into_multinomial().unwrap(),
        );
        assert_eq!(a.coef, b.coef);
        assert_eq!(a.intercept, b.intercept);
        assert_eq!(a.classes, vec![4.0, 7.0, 9.0]);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let edit = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v = value.clone();
            f(&mut v);
            v.to_string()
        };
        let cases: Vec<(String, &str)> = vec![
            (
                edit(&|v| v["model"]["classes"] = serde_json::json!([4.0, 9.0, 7.0])),
                "classes",
            ),
            (
                edit(&|v| v["model"]["classes"] = serde_json::json!([4.0, 7.0])),
                "6 coefficients for 2 feature names and 2 output(s)",
            ),
            (
                edit(&|v| v["model"]["coef"] = serde_json::json!([[1.0, 2.0], [3.0]])),
                "differ in length",
            ),
            (
                edit(&|v| v["model"]["intercept"] = serde_json::json!([0.0, 1.0])),
                "intercepts",
            ),
            (
                edit(&|v| v["model"]["penalty"] = "elastic_net".into()),
                "l1_ratio",
            ),
        ];
        for (json, needle) in cases {
            let e = ModelFile::from_json(&json, "m.json").unwrap_err();
            assert!(e.to_string().contains(needle), "{needle}: {e}");
        }
        let e = ModelFile::from_json(&json, "m.json")
            .unwrap()
            .into_logistic()
            .unwrap_err();
        assert!(
            e.to_string().contains("multinomial_logistic_regression"),
            "{e}"
        );
    }

    #[test]
    fn a_failed_save_leaves_the_old_file_and_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.json");
        std::fs::write(&path, "old").unwrap();
        // A directory in the way of the rename: the write fails after the temporary file.
        let blocked = dir.path().join("blocked");
        std::fs::create_dir(blocked.join("")).unwrap();
        std::fs::write(blocked.join("inside"), "x").unwrap();
        assert!(logistic_file().save(&blocked).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        logistic_file().save(&path).unwrap();
        assert!(ModelFile::load(&path).is_ok());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn saved_files_get_the_permissions_of_new_files_or_of_what_they_replace() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.json");
        logistic_file().save(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        // A plain new file, for comparison: the same umask applies.
        let plain = dir.path().join("plain");
        std::fs::write(&plain, "").unwrap();
        let expected = std::fs::metadata(&plain).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, expected);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        logistic_file().save(&path).unwrap();
        let kept = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(kept, 0o640);
    }

    #[test]
    fn split_records_reproduce_the_held_out_rows() {
        let y = ndarray::Array1::from_shape_fn(40, |i| (i % 2) as f64);
        let record = SplitRecord::new(y.view(), 0.25, 9);
        let x = ndarray::Array2::from_shape_fn((40, 1), |(i, _)| i as f64);
        let split = crate::train_test_split(x.view(), y.view(), 0.25, 9).unwrap();
        let rows = record.test_rows().unwrap();
        let held_out: Vec<f64> = rows.iter().map(|&r| r as f64).collect();
        assert_eq!(split.x_test.column(0).to_vec(), held_out);
        assert!(record.matches(y.view()));
        let mut other = y.clone();
        other[3] = 7.0;
        assert!(!record.matches(other.view()));
    }
}
