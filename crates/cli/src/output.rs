//! Text output shared by the commands: metrics, JSON, terminations and numbers in tables.

use crate::number::Sig;
use descent_models::metrics::{ClassificationMetrics, MulticlassMetrics, RegressionMetrics};
use descent_models::{Model, ModelError};
use descent_objectives::DesignMatrix;
use ndarray::ArrayView1;
use serde::Serialize;
use std::io::{self, Write};

/// The scores of either kind of model.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum Metrics {
    Classification(ClassificationMetrics),
    Regression(RegressionMetrics),
    Multiclass(MulticlassMetrics),
}

impl Metrics {
    /// The scores of `model` on features `x` (already scaled) against targets `y`, weighted by
    /// `w` when given.
    pub(crate) fn of<'x>(
        model: &Model,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        w: Option<ArrayView1<'_, f64>>,
    ) -> Result<Self, ModelError> {
        Ok(match model {
            Model::LogisticRegression(m) => Metrics::Classification(m.evaluate_weighted(x, y, w)?),
            Model::LinearRegression(m) => Metrics::Regression(m.evaluate_weighted(x, y, w)?),
            Model::MultinomialLogisticRegression(m) => {
                Metrics::Multiclass(m.evaluate_weighted(x, y, w)?)
            }
        })
    }
}

/// A model's coefficients in JSON, in scikit-learn's shapes: a vector (`coef_[0]` of a binary
/// model, `coef_` of a regression), or one row per class for the multinomial model.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub(crate) enum Coefficients {
    One(Vec<f64>),
    PerClass(Vec<Vec<f64>>),
}

impl Coefficients {
    /// Every coefficient, class after class for a multinomial model.
    pub(crate) fn flat(&self) -> Vec<f64> {
        match self {
            Coefficients::One(w) => w.clone(),
            Coefficients::PerClass(rows) => rows.concat(),
        }
    }
}

/// A model's intercept in JSON: a number, or one per class for the multinomial model.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub(crate) enum Intercepts {
    One(f64),
    PerClass(Vec<f64>),
}

/// The rows of `m`, each as a vector (a matrix in JSON).
pub(crate) fn rows(m: &ndarray::Array2<f64>) -> Vec<Vec<f64>> {
    m.rows().into_iter().map(|r| r.to_vec()).collect()
}

/// `model`'s coefficients and intercepts, shaped for JSON.
pub(crate) fn coefficients(model: &Model) -> (Coefficients, Intercepts) {
    match model {
        Model::MultinomialLogisticRegression(m) => (
            Coefficients::PerClass(rows(&m.coef)),
            Intercepts::PerClass(m.intercept.to_vec()),
        ),
        _ => (
            Coefficients::One(model.coef().to_vec()),
            Intercepts::One(model.intercepts()[0]),
        ),
    }
}

/// Writes `value` as one pretty-printed JSON object and a line break: every `--json`.
pub(crate) fn write_json(out: &mut impl Write, value: &impl Serialize) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// `-3.566406e-01`: a fixed-width mantissa and a two-digit exponent, so columns line up.
pub(crate) fn scientific(v: f64) -> String {
    let text = format!("{v:+.6e}");
    match text.split_once('e') {
        Some((mantissa, exponent)) => {
            let (sign, digits) = match exponent.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exponent),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => text,
    }
}

pub(crate) fn write_metrics(out: &mut impl Write, label: &str, m: &Metrics) -> io::Result<()> {
    write_metric_rows(out, &[(label, Some(m))])
}

pub(crate) fn write_metric_rows(
    out: &mut impl Write,
    rows: &[(&str, Option<&Metrics>)],
) -> io::Result<()> {
    let width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let Some(first) = rows.iter().find_map(|(_, m)| *m) else {
        return Ok(());
    };
    match first {
        Metrics::Classification(_) => writeln!(
            out,
            "  {:<width$}  {:>6}  {:>9}  {:>9}  {:>9}  {:>7}  {:>7}  {:>7}  confusion [[tn, fp], [fn, tp]]",
            "", "rows", "accuracy", "log loss", "precision", "recall", "F1", "ROC AUC"
        )?,
        Metrics::Regression(_) => writeln!(
            out,
            "  {:<width$}  {:>6}  {:>12}  {:>10}  {:>10}  {:>8}",
            "", "rows", "MSE", "RMSE", "MAE", "R²"
        )?,
        Metrics::Multiclass(_) => writeln!(
            out,
            "  {:<width$}  {:>6}  {:>9}  {:>9}  {:>9}  {:>11}  confusion (rows: true class, columns: predicted)",
            "", "rows", "accuracy", "log loss", "macro F1", "weighted F1"
        )?,
    }
    for (label, metrics) in rows {
        match metrics {
            Some(Metrics::Classification(m)) => writeln!(
                out,
                "  {label:<width$}  {:>6}  {:>9.4}  {:>9.5}  {:>9.4}  {:>7.4}  {:>7.4}  {:>7}  {}",
                m.samples,
                m.accuracy,
                m.log_loss,
                m.precision,
                m.recall,
                m.f1,
                m.roc_auc.map_or("n/a".to_owned(), |a| format!("{a:.4}")),
                match &m.weighted_confusion_matrix {
                    Some(w) => matrix(w.iter().map(|r| r.as_slice())),
                    None => format!("{:?}", m.confusion_matrix.as_array()),
                }
            )?,
            Some(Metrics::Regression(m)) => writeln!(
                out,
                "  {label:<width$}  {:>6}  {:>12.4}  {:>10.4}  {:>10.4}  {:>8}",
                m.samples,
                m.mse,
                m.rmse,
                m.mae,
                m.r2.map_or("n/a".to_owned(), |r| format!("{r:.4}"))
            )?,
            Some(Metrics::Multiclass(m)) => writeln!(
                out,
                "  {label:<width$}  {:>6}  {:>9.4}  {:>9.5}  {:>9.4}  {:>11.4}  {}",
                m.samples,
                m.accuracy,
                m.log_loss,
                m.macro_f1,
                m.weighted_f1,
                match &m.weighted_confusion_matrix {
                    Some(w) => matrix(w.iter().map(Vec::as_slice)),
                    None => format!("{:?}", m.confusion_matrix),
                }
            )?,
            None => {}
        }
    }
    let weighted = rows.iter().any(|(_, m)| {
        matches!(
            m,
            Some(
                Metrics::Classification(ClassificationMetrics {
                    weight_sum: Some(_),
                    ..
                }) | Metrics::Regression(RegressionMetrics {
                    weight_sum: Some(_),
                    ..
                }) | Metrics::Multiclass(MulticlassMetrics {
                    weight_sum: Some(_),
                    ..
                })
            )
        )
    });
    if weighted {
        writeln!(
            out,
            "  (weighted by the sample weights: means over their sum, the confusion counts sums of weights)"
        )?;
    }
    Ok(())
}

/// A matrix of sums of weights, four significant digits each: `[[161.2, 6.13], [0.5, 287]]`.
fn matrix<'a>(rows: impl Iterator<Item = &'a [f64]>) -> String {
    let rows: Vec<String> = rows
        .map(|r| {
            let cells: Vec<String> = r.iter().map(|v| Sig(*v, 4).to_string()).collect();
            format!("[{}]", cells.join(", "))
        })
        .collect();
    format!("[{}]", rows.join(", "))
}
