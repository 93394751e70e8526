//! `descent fit --summary`: statsmodels' summary of an unpenalized fit (see
//! [`descent_models::inference`]), as a table after the fit's own summary, or in its JSON.

use crate::output::scientific;
use descent_models::inference::{
    logit_summary, logit_summary_shared, mnlogit_summary, ols_summary_shared, ols_summary_weighted,
    Coefficient, CovarianceType, Likelihood, LogitSummary, MnLogitSummary, OlsSummary,
};
use descent_models::{Model, ModelError};
use descent_objectives::{DesignMatrix, RowShare};
use ndarray::ArrayView1;
use serde::Serialize;
use std::io::Write;

/// The summary of a logistic or a least-squares fit.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum Inference {
    Logit(LogitSummary),
    Ols(OlsSummary),
    MnLogit(MnLogitSummary),
}

/// `--cov-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum CovTypeArg {
    /// The inverse information matrix (least squares: times σ̂²).
    #[default]
    Nonrobust,
    /// White's heteroskedasticity-consistent sandwich.
    Hc0,
    /// HC0 times N / (N − k).
    Hc1,
    /// HC0 with the residuals scaled by 1 / (1 − leverage).
    Hc2,
    /// HC0 with the residuals scaled by 1 / (1 − leverage)².
    Hc3,
}

impl From<CovTypeArg> for CovarianceType {
    fn from(arg: CovTypeArg) -> Self {
        match arg {
            CovTypeArg::Nonrobust => CovarianceType::NonRobust,
            CovTypeArg::Hc0 => CovarianceType::Hc0,
            CovTypeArg::Hc1 => CovarianceType::Hc1,
            CovTypeArg::Hc2 => CovarianceType::Hc2,
            CovTypeArg::Hc3 => CovarianceType::Hc3,
        }
    }
}

/// Why a classifier fitted with weights has no summary.
pub(crate) const WEIGHTED_CLASSIFIER: &str = "the summary of a classifier fitted with sample or class weights is not built yet (statsmodels' counterpart is GLM with freq_weights, not Logit); fit without weights for the table";

/// The summary of `model`, fitted on `x` and `y` (with an intercept when `fit_intercept`),
/// its rows weighted by `w` when given: statsmodels' `WLS` for least squares. A weighted
/// classifier has none yet (statsmodels' counterpart, `GLM` with `freq_weights`, prints
/// another table than `Logit`).
///
/// With rows shared among MPI processes (`share`), every process calls this with its share,
/// and gets the summary of all the rows.
///
/// # Errors
/// Why there is none: a penalized fit (classical standard errors do not apply), a fit that
/// did not converge, a singular information matrix, a weighted classifier, a multinomial
/// model on shared rows.
pub(crate) fn summarize(
    model: &Model,
    x: &DesignMatrix<'_>,
    y: ArrayView1<'_, f64>,
    w: Option<ArrayView1<'_, f64>>,
    fit_intercept: bool,
    cov: CovarianceType,
    share: Option<&RowShare>,
) -> Result<Inference, ModelError> {
    match (model, share) {
        (Model::LinearRegression(m), None) => {
            ols_summary_weighted(m, x.view(), y, w, fit_intercept, cov).map(Inference::Ols)
        }
        (Model::LinearRegression(m), Some(share)) => {
            ols_summary_shared(m, x.view(), y, w, fit_intercept, cov, share).map(Inference::Ols)
        }
        _ if w.is_some() => Err(ModelError::NotApplicable(WEIGHTED_CLASSIFIER)),
        (Model::LogisticRegression(m), None) => {
            logit_summary(m, x.view(), y, fit_intercept, cov).map(Inference::Logit)
        }
        (Model::LogisticRegression(m), Some(share)) => {
            logit_summary_shared(m, x.view(), y, fit_intercept, cov, share).map(Inference::Logit)
        }
        (Model::MultinomialLogisticRegression(m), None) => {
            mnlogit_summary(m, x.view(), y, fit_intercept, cov).map(Inference::MnLogit)
        }
        (Model::MultinomialLogisticRegression(_), Some(_)) => Err(ModelError::NotApplicable(
            "the summary of a multinomial model on rows shared among processes is not built yet",
        )),
    }
}

/// Why there is no summary, the coefficients of a collinearity named (`names`: the features',
/// then the intercept's; `intercept`: the intercept's index, when fitted).
pub(crate) fn explain(error: &ModelError, names: &[String], intercept: Option<usize>) -> String {
    let name = |j: usize| {
        names
            .get(j)
            .map_or_else(|| format!("#{j}"), |n| format!("{n:?}"))
    };
    match error {
        ModelError::Collinear { column, partners } if partners.is_empty() => format!(
            "column {} carries no information (all zeros, or no variation where it matters); standard errors do not exist",
            name(*column)
        ),
        ModelError::Collinear { column, partners }
            if Some(*column) == intercept && partners.len() == 1 =>
        {
            format!(
                "column {} is constant, so collinear with the intercept; drop it — standard errors do not exist",
                name(partners[0])
            )
        }
        ModelError::Collinear { column, partners } => format!(
            "column {} is a linear combination of {} (collinear; a constant column is collinear with the intercept); drop one of them — standard errors do not exist",
            name(*column),
            partners.iter().map(|&j| name(j)).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

/// The likelihood statistics of a classifier's summary, up to the end of their second line.
fn write_likelihood(out: &mut impl Write, l: &Likelihood) -> std::io::Result<()> {
    let llr_p = l.llr_p_value.map_or_else(|| "-".to_owned(), p_value);
    write!(
        out,
        "\nlog-likelihood {:.6}, intercept-only {:.6}; LLR {:.4} (p = {llr_p}); pseudo R² {:.6}\nAIC {:.4}, BIC {:.4}",
        l.log_likelihood, l.null_log_likelihood, l.llr, l.pseudo_r2, l.aic, l.bic
    )
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
    // Robust statistics are referred to the normal distribution, as statsmodels does.
    let (table, statistic, cov): (&[Coefficient], &str, CovarianceType) = match inference {
        Inference::Logit(s) => (&s.coefficients, "z", s.covariance_type),
        Inference::MnLogit(s) => (&s.coefficients, "z", s.covariance_type),
        Inference::Ols(s) if s.covariance_type == CovarianceType::NonRobust => {
            (&s.coefficients, "t", s.covariance_type)
        }
        Inference::Ols(s) => (&s.coefficients, "z", s.covariance_type),
    };
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .max(9);
    writeln!(
        out,
        "\n{:<width$}  {:>13}  {:>13}  {:>9}  {:>9}  {:>13}  {:>13}",
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
            "{name:<width$}  {:>13}  {:>13}  {:>9.3}  {:>9}  {:>13}  {:>13}",
            scientific(c.estimate),
            scientific(c.std_error),
            c.statistic,
            p_value(c.p_value),
            scientific(c.lower),
            scientific(c.upper)
        )?;
    }
    let optional = |p: Option<f64>| p.map_or_else(|| "-".to_owned(), p_value);
    if cov != CovarianceType::NonRobust {
        writeln!(
            out,
            "(covariance: {}, robust)",
            format!("{cov:?}").to_uppercase()
        )?;
    }
    match inference {
        Inference::Logit(s) => {
            write_likelihood(out, &s.likelihood)?;
            writeln!(
                out,
                "; {} observations, df model {}, df residuals {}; condition number {:.4e}",
                s.n_observations, s.df_model, s.df_residuals, s.condition_number
            )
        }
        Inference::MnLogit(s) => {
            writeln!(
                out,
                "\nreference class {} (its coefficients are zero; each other class's are its log-odds against it)",
                s.reference_class
            )?;
            write_likelihood(out, &s.likelihood)?;
            writeln!(
                out,
                "; {} observations, df model {}, df residuals {}; condition number {:.4e}",
                s.n_observations, s.df_model, s.df_residuals, s.condition_number
            )
        }
        Inference::Ols(s) => writeln!(
            out,
            "\nR² {:.6}, adjusted {:.6}; F {:.4} (p = {}); log-likelihood {:.6}\nAIC {:.4}, BIC {:.4}; σ̂² {:.6}; {} observations, df model {}, df residuals {}\nresiduals: Durbin-Watson {:.4}, Jarque-Bera {:.4} (p = {}), skew {:.4}, kurtosis {:.4}; condition number {:.4e}",
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
            s.df_residuals,
            s.durbin_watson,
            s.jarque_bera,
            p_value(s.jarque_bera_p_value),
            s.skew,
            s.kurtosis,
            s.condition_number
        ),
    }
}
