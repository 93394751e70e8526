//! Text output of the summaries and metrics.

use crate::fit::FitSummary;
use descent_models::metrics::{ClassificationMetrics, RegressionMetrics};
use descent_models::{Model, ModelError};
use descent_solvers::{Criterion, Termination};
use ndarray::{ArrayView1, ArrayView2};
use serde::Serialize;
use std::io::{self, Write};

/// The scores of either kind of model.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum Metrics {
    Classification(ClassificationMetrics),
    Regression(RegressionMetrics),
}

impl Metrics {
    /// The scores of `model` on features `x` (already scaled) against targets `y`.
    pub(crate) fn of(
        model: &Model,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
    ) -> Result<Self, ModelError> {
        Ok(match model {
            Model::LogisticRegression(m) => Metrics::Classification(m.evaluate(x, y)?),
            Model::LinearRegression(m) => Metrics::Regression(m.evaluate(x, y)?),
        })
    }
}

pub(crate) fn write_fit_summary(out: &mut impl Write, s: &FitSummary) -> io::Result<()> {
    let scale = if s.standardized { ", standardized" } else { "" };
    writeln!(
        out,
        "{} on {}: {} training rows, {} test rows, {} features{scale}; target {:?}",
        s.model.replace('_', " "),
        s.data,
        s.train_rows,
        s.test_rows,
        s.feature_names.len(),
        s.target
    )?;
    writeln!(out)?;
    writeln!(out, "  solver       {}", s.solver)?;
    writeln!(out, "  termination  {}", s.termination)?;
    writeln!(
        out,
        "  iterations   {} ({} value, {} gradient, {} Hessian evaluations)",
        s.n_iter, s.evaluations.value, s.evaluations.gradient, s.evaluations.hessian
    )?;
    let form = match (s.c, s.alpha) {
        (Some(c), _) => format!("mean log loss + ‖w‖²/(2·C·N), C = {c}"),
        (_, Some(alpha)) if alpha > 0.0 => {
            format!("mean squared error + α‖w‖²/N, α = {alpha}")
        }
        _ => "mean squared error".to_owned(),
    };
    writeln!(out, "  objective    {:.12} ({form})", s.objective)?;
    if let Some(g) = s.gradient_norm {
        writeln!(out, "  ‖∇F‖         {g:.3e}")?;
    }
    writeln!(out, "  fit time     {:.3} ms", s.fit_seconds * 1e3)?;
    writeln!(out)?;
    write_metric_rows(out, &[("train", Some(&s.train)), ("test", s.test.as_ref())])?;
    writeln!(out)?;
    let scale = if s.standardized {
        " (standardized scale)"
    } else {
        ""
    };
    writeln!(out, "coefficients{scale}")?;
    let width = s
        .feature_names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .max(11);
    for (name, w) in s.feature_names.iter().zip(&s.coef) {
        writeln!(out, "  {name:<width$}  {:>14}", scientific(*w))?;
    }
    writeln!(
        out,
        "  {:<width$}  {:>14}",
        "(intercept)",
        scientific(s.intercept)
    )
}

/// Writes `value` as one pretty-printed JSON object and a line break: every `--json`.
pub(crate) fn write_json(out: &mut impl Write, value: &impl Serialize) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// A few words for a termination, for table cells: `converged (gradient)`, `iteration limit`.
pub(crate) fn short_termination(termination: &Termination) -> String {
    match termination {
        Termination::Converged(criterion) => format!(
            "converged ({})",
            match criterion {
                Criterion::StepSize => "step",
                Criterion::GradientNorm => "gradient",
                Criterion::ObjectiveChange => "Δf",
                Criterion::BracketWidth => "bracket",
                Criterion::ClosedForm => "closed form",
                Criterion::SimplexSpread => "simplex",
            }
        ),
        Termination::Stalled(_) => "stalled".into(),
        Termination::MaxIterations => "iteration limit".into(),
        Termination::Diverged => "diverged".into(),
        Termination::KeepsDecreasing => "no minimum".into(),
        Termination::NotAMinimum => "not a minimum".into(),
        Termination::MinimumAtBracketEdge => "at bracket edge".into(),
        Termination::LineSearchFailed(_) => "line search failed".into(),
        Termination::SolverExit(_) => "solver stopped".into(),
        Termination::Interrupted => "interrupted".into(),
    }
}

/// `-3.566406e-01`: a fixed-width mantissa and a two-digit exponent, so columns line up.
fn scientific(v: f64) -> String {
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

fn write_metric_rows(out: &mut impl Write, rows: &[(&str, Option<&Metrics>)]) -> io::Result<()> {
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
    }
    for (label, metrics) in rows {
        match metrics {
            Some(Metrics::Classification(m)) => writeln!(
                out,
                "  {label:<width$}  {:>6}  {:>9.4}  {:>9.5}  {:>9.4}  {:>7.4}  {:>7.4}  {:>7}  {:?}",
                m.samples,
                m.accuracy,
                m.log_loss,
                m.precision,
                m.recall,
                m.f1,
                m.roc_auc.map_or("n/a".to_owned(), |a| format!("{a:.4}")),
                m.confusion_matrix.as_array()
            )?,
            Some(Metrics::Regression(m)) => writeln!(
                out,
                "  {label:<width$}  {:>6}  {:>12.4}  {:>10.4}  {:>10.4}  {:>8}",
                m.samples, m.mse, m.rmse, m.mae, m.r2.map_or("n/a".to_owned(), |r| format!("{r:.4}"))
            )?,
            None => {}
        }
    }
    Ok(())
}
