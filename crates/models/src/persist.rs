//! Saving fitted models, with their scaler and column names, to JSON files.

use crate::{FittedLinearRegression, FittedLogisticRegression, ModelError, StandardScaler};
use descent_solvers::Report;
use ndarray::Array1;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The value of the `format` field of every model file.
pub const FORMAT: &str = "descent-model";
/// The newest model file format version this build writes and reads.
pub const FORMAT_VERSION: u64 = 1;

/// A fitted model of either kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Model {
    /// A binary logistic regression.
    LogisticRegression(FittedLogisticRegression),
    /// A linear regression (OLS or Ridge).
    LinearRegression(FittedLinearRegression),
}

impl Model {
    /// `"logistic_regression"` or `"linear_regression"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Model::LogisticRegression(_) => "logistic_regression",
            Model::LinearRegression(_) => "linear_regression",
        }
    }

    /// The coefficients `w`, one per feature.
    pub fn coef(&self) -> &Array1<f64> {
        match self {
            Model::LogisticRegression(m) => &m.coef,
            Model::LinearRegression(m) => &m.coef,
        }
    }

    /// The intercept `b`.
    pub fn intercept(&self) -> f64 {
        match self {
            Model::LogisticRegression(m) => m.intercept,
            Model::LinearRegression(m) => m.intercept,
        }
    }

    /// The solver's report of the fit.
    pub fn report(&self) -> &Report<Array1<f64>> {
        match self {
            Model::LogisticRegression(m) => &m.report,
            Model::LinearRegression(m) => &m.report,
        }
    }

    fn report_mut(&mut self) -> &mut Report<Array1<f64>> {
        match self {
            Model::LogisticRegression(m) => &mut m.report,
            Model::LinearRegression(m) => &mut m.report,
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
            version: FORMAT_VERSION,
            feature_names,
            target_name,
            scaler,
            model,
        }
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
    /// # Errors
    /// Text that is not JSON, not a descent model, of a newer format version, or missing or
    /// mistyped fields.
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
        let coef = self.model.coef().len();
        if coef != n {
            return Err(format!("{coef} coefficients for {n} feature names"));
        }
        if let Some(scaler) = &self.scaler {
            if scaler.mean.len() != n || scaler.scale.len() != n {
                return Err(format!(
                    "the scaler has {} columns for {n} features",
                    scaler.mean.len()
                ));
            }
            if scaler.scale.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
                return Err("the scaler has a non-positive scale".to_owned());
            }
        }
        Ok(())
    }

    /// Writes the model to `path`.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ModelError> {
        let path = path.as_ref();
        let json = self.to_json()?;
        std::fs::write(path, json).map_err(|source| ModelError::Io {
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
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ModelError::Io {
            path: path.to_owned(),
            source,
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

        let newer = json.replace("\"version\": 1", "\"version\": 99");
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
}
