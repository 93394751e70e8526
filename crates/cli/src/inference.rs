//! `descent fit --summary`: statsmodels' summary of an unpenalized fit (see
//! [`descent_models::inference`]), as a table after the fit's own summary, or in its JSON.

use descent_models::inference::{
    logit_summary, ols_summary, Coefficient, LogitSummary, OlsSummary,
};
use descent_models::{Model, ModelError};
use descent_objectives::DesignMatrix;
use ndarray::ArrayView1;
use serde::Serialize;
use std::io::Write;

/// The summary of a logistic or a least-squares fit.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum Inference {
    Logit(LogitSummary),
    Ols(OlsSummary),
}

/// The summary of `model`, fitted on `x` and `y` (with an intercept when `fit_intercept`).
///
/// # Errors
/// Why there is none: a penalized fit (classical standard errors do not apply), a fit that
/// did not converge, a singular information matrix.
pub(crate) fn summarize(
    model: &Model,
    x: &DesignMatrix<'_>,
    y: ArrayView1<'_, f64>,
    fit_intercept: bool,
) -> Result<Inference, ModelError> {
    match model {
        Model::LogisticRegression(m) => {
            logit_summary(m, x.view(), y, fit_intercept).map(Inference::Logit)
        }
        Model::LinearRegression(m) => {
            ols_summary(m, x.view(), y, fit_intercept).map(Inference::Ols)
        }
    }
}

/// A p-value as statsmodels prints it, with more digits: fixed below 1, in exponent form
/// below 1e-4.
fn p_value(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.2e}")
    } else {
        format!("{p:.4}")
    }
}

/// Writes the coefficient table and the fit statistics; `names` are the coefficients' (the
/// intercept's last, when fitted).
pub(crate) fn write_table(
    out: &mut impl Write,
    inference: &Inference,
    names: &[String],
) -> std::io::Result<()> {
    let (table, statistic): (&[Coefficient], &str) = match inference {
        Inference::Logit(s) => (&s.coefficients, "z"),
        Inference::Ols(s) => (&s.coefficients, "t"),
    };
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .max(9);
    writeln!(
        out,
        "\n{:<width$}  {:>13}  {:>11}  {:>9}  {:>9}  {:>13}  {:>13}",
        "",
        "coef",
        "std err",
        statistic,
        format!("P>|{statistic}|"),
        "[0.025",
        "0.975]"
    )?;
    for (name, c) in names.iter().zip(table) {
        writeln!(
            out,
            "{name:<width$}  {:>13.6e}  {:>11.4e}  {:>9.3}  {:>9}  {:>13.6e}  {:>13.6e}",
            c.estimate,
            c.std_error,
            c.statistic,
            p_value(c.p_value),
            c.lower,
            c.upper
        )?;
    }
    let optional = |p: Option<f64>| p.map_or_else(|| "-".to_owned(), p_value);
    match inference {
        Inference::Logit(s) => writeln!(
            out,
            "\nlog-likelihood {:.6}, intercept-only {:.6}; LLR {:.4} (p = {}); pseudo R² {:.6}\nAIC {:.4}, BIC {:.4}; {} observations, df model {}, df residuals {}",
            s.log_likelihood,
            s.null_log_likelihood,
            s.llr,
            optional(s.llr_p_value),
            s.pseudo_r2,
            s.aic,
            s.bic,
            s.n_observations,
            s.df_model,
            s.df_residuals
        ),
        Inference::Ols(s) => writeln!(
            out,
            "\nR² {:.6}, adjusted {:.6}; F {:.4} (p = {}); log-likelihood {:.6}\nAIC {:.4}, BIC {:.4}; σ̂² {:.6}; {} observations, df model {}, df residuals {}",
            s.r2,
            s.adjusted_r2,
            s.f_statistic,
            optional(s.f_p_value),
            s.log_likelihood,
            s.aic,
            s.bic,
            s.scale,
            s.n_observations,
            s.df_model,
            s.df_residuals
        ),
    }
}
