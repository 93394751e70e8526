//! The grid of regularization strengths that `path` and `cv` run over, and the warm-started
//! fits along it.

use crate::data::Prepared;
use crate::fit::{check_model_options, Dtype, ModelSettings, PenaltyArgs, SolverName};
use crate::{args, ModelKind};
use anyhow::{bail, Result};
use descent_models::{Model, ModelError, Solver};
use descent_objectives::{DesignMatrix, Element};
use ndarray::ArrayView1;

/// The options of `path` and `cv`: the penalty, the range of its strength, and how each fit
/// along it is solved.
#[derive(Debug, clap::Args)]
pub(crate) struct GridArgs {
    #[command(flatten)]
    pub penalty: PenaltyArgs,
    /// Logistic: the range of C, a..b with 0 < a < b, spaced evenly on a log scale (default:
    /// with an L1 part, from the C at which every coefficient is zero over four decades;
    /// otherwise 1e-4..1e4).
    #[arg(long = "C", allow_hyphen_values = true, value_parser = args::interval)]
    pub c: Option<(f64, f64)>,
    /// Linear: the range of alpha, a..b with 0 < a < b (default: with --l1-ratio, three
    /// decades below the alpha at which every coefficient is zero; otherwise 1e-4..1e4).
    #[arg(long, allow_hyphen_values = true, value_parser = args::interval)]
    pub alpha: Option<(f64, f64)>,
    /// The solver of every fit (default: prox-newton with an L1 part; otherwise for logistic
    /// newton up to 500 features and lbfgs beyond, and for linear lstsq).
    #[arg(long, value_enum)]
    pub solver: Option<SolverName>,
    /// Stop each fit when ‖∇F‖₂ ≤ tol, or with an L1 part when the duality gap is at most
    /// tol times the objective. Tighter than scikit-learn's 1e-4: at large C a warm start
    /// already meets a loose tolerance, and the path would stall.
    #[arg(long, default_value_t = 1e-8, allow_hyphen_values = true, value_parser = args::non_negative)]
    pub tol: f64,
    /// The iteration limit of each fit (default: the model's).
    #[arg(long, allow_hyphen_values = true, value_parser = args::positive_count)]
    pub max_iter: Option<usize>,
    /// How the features are stored while fitting, as `descent fit --dtype` (f32: half the
    /// memory and bytes per pass; every sum still in f64).
    #[arg(long, value_enum, default_value_t = Dtype::F64)]
    pub dtype: Dtype,
}

/// What a path or cross-validation runs: the settings of every fit, their solver, and the
/// values of the strength, strongest penalty first.
pub(crate) struct Plan {
    pub settings: ModelSettings,
    pub solver: Solver,
    pub values: Vec<f64>,
    /// Whether the penalty has an L1 part.
    pub sparse: bool,
}

impl GridArgs {
    /// Fails on options that do not fit the model: the other model's range, a penalty that
    /// does not apply, a range that is not positive.
    pub(crate) fn check(&self, kind: ModelKind) -> Result<()> {
        check_model_options(
            kind,
            &[("--C", self.c.is_some())],
            &[("--alpha", self.alpha.is_some())],
        )?;
        self.penalty.check(kind)?;
        let (given, flag) = match kind {
            ModelKind::Logistic => (self.c, "--C"),
            ModelKind::Linear => (self.alpha, "--alpha"),
        };
        if let Some((lo, hi)) = given {
            if lo <= 0.0 {
                bail!(
                    "{flag} {lo}..{hi}: {} must be positive",
                    strength_name(kind)
                );
            }
        }
        Ok(())
    }

    /// The plan for a model of `kind` on the training rows of `prepared`, with `num` values.
    pub(crate) fn plan<T: Element>(
        &self,
        kind: ModelKind,
        prepared: &Prepared<T>,
        num: usize,
    ) -> Result<Plan> {
        let sparse = self.penalty.sparse(kind);
        let settings = ModelSettings {
            kind,
            c: None,
            alpha: None,
            penalty: self.penalty.penalty(),
            l1_ratio: self.penalty.l1_ratio,
            tol: Some(self.tol),
            max_iter: self.max_iter,
            threshold: None,
            fit_intercept: true,
            precondition: true,
            class_weight: prepared.class_weight.clone(),
        };
        let (x, y, w) = (
            prepared.train()?,
            prepared.y_train.view(),
            prepared.train_weight(),
        );
        let asked = self.solver.map(|name| name.solver(None)).transpose()?;
        let solver = solver(kind, asked, sparse, &x, y);
        let given = match kind {
            ModelKind::Logistic => self.c,
            ModelKind::Linear => self.alpha,
        };
        let range = match given {
            Some(range) => range,
            None => default_range(&settings, sparse, &x, y, w)
                .map_err(|e| e.context(format!("choosing the range of {}", strength_name(kind))))?,
        };
        Ok(Plan {
            settings,
            solver,
            values: values(kind, range, num),
            sparse,
        })
    }
}

/// How many decades a default grid spans below the strength that zeroes every coefficient
/// (scikit-learn's `LassoCV` uses `eps = 1e-3`, three decades; logistic paths need more).
const LINEAR_DECADES: f64 = 3.0;
const LOGISTIC_DECADES: f64 = 4.0;

/// The name of the strength a model is regularized by: `C` for logistic regression (larger is
/// weaker), `alpha` for linear regression (larger is stronger).
pub(crate) fn strength_name(kind: ModelKind) -> &'static str {
    match kind {
        ModelKind::Logistic => "C",
        ModelKind::Linear => "alpha",
    }
}

/// `n` values from `a` to `b`, evenly spaced on a log scale.
pub(crate) fn logspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    crate::minimize::linspace(a.log10(), b.log10(), n)
        .into_iter()
        .map(|e| 10f64.powf(e))
        .collect()
}

/// The values of a grid over `range` (low, high), strongest penalty first, so that each fit
/// warm-starts from a sparser, more regularized one: `C` increasing, `alpha` decreasing (the
/// orders of scikit-learn's `LogisticRegressionCV` and `LassoCV`).
pub(crate) fn values(kind: ModelKind, (low, high): (f64, f64), num: usize) -> Vec<f64> {
    let mut values = logspace(low, high, num);
    if kind == ModelKind::Linear {
        values.reverse();
    }
    values
}

/// The default range of the strength: with an L1 part, from the value at which every
/// coefficient is zero (the smallest `C`, [`descent_models::LogisticRegression::l1_min_c`];
/// the largest `alpha`, [`descent_models::LinearRegression::alpha_max`]) over four decades of
/// `C` or three of `alpha`; otherwise `1e-4..1e4`.
pub(crate) fn default_range(
    settings: &ModelSettings,
    sparse: bool,
    x: &DesignMatrix<'_>,
    y: ArrayView1<'_, f64>,
    w: Option<ArrayView1<'_, f64>>,
) -> Result<(f64, f64)> {
    if !sparse {
        return Ok((1e-4, 1e4));
    }
    match settings.kind {
        ModelKind::Logistic => match if crate::fit::more_than_two_classes(y) {
            settings
                .logistic(None)
                .l1_min_c_multinomial_weighted(x, y, w)?
        } else {
            settings.logistic(None).l1_min_c_weighted(x, y, w)?
        } {
            Some(c) => Ok((c, c * 10f64.powf(LOGISTIC_DECADES))),
            None => bail!(
                "no feature is correlated with the labels, so every C gives all-zero coefficients; give the range with --C"
            ),
        },
        ModelKind::Linear => match settings.linear(None).alpha_max_weighted(x, y, w)? {
            Some(a) => Ok((a * 10f64.powf(-LINEAR_DECADES), a)),
            None => bail!(
                "no feature is correlated with the target, so every alpha gives all-zero coefficients; give the range with --alpha"
            ),
        },
    }
}

/// The solver of every fit along a grid: the one asked for, or the model's default for the
/// penalty and shape.
pub(crate) fn solver(
    kind: ModelKind,
    asked: Option<Solver>,
    sparse: bool,
    x: &DesignMatrix<'_>,
    y: ArrayView1<'_, f64>,
) -> Solver {
    asked.unwrap_or_else(|| match kind {
        _ if sparse => Solver::for_sparse(),
        ModelKind::Linear if x.categorical().is_empty() => Solver::LeastSquares,
        ModelKind::Logistic if crate::fit::more_than_two_classes(y) => {
            let classes = parameter_count(kind, x, y) / (x.ncols() + 1);
            Solver::for_multinomial_rows(classes, x.ncols() + 1, x.nrows())
        }
        // Least squares would expand the categorical columns into a dense copy.
        ModelKind::Logistic | ModelKind::Linear => {
            Solver::for_parameters(parameter_count(kind, x, y))
        }
    })
}

/// How many parameters a model of `kind` has on `x` and `y`: the coefficients and the
/// intercept, once per class for a multinomial model (a logistic model of more than two
/// classes).
pub(crate) fn parameter_count(
    kind: ModelKind,
    x: &DesignMatrix<'_>,
    y: ArrayView1<'_, f64>,
) -> usize {
    let per_output = x.ncols() + 1;
    if kind == ModelKind::Logistic && crate::fit::more_than_two_classes(y) {
        let mut classes = y.to_vec();
        classes.sort_by(f64::total_cmp);
        classes.dedup();
        classes.len() * per_output
    } else {
        per_output
    }
}

/// The model of `settings` at strength `value` (its `C` or `alpha`) with `solver`, fitted on
/// `x`, `y` (rows weighted by `w` when given) from the coefficients of `previous` when given
/// (a warm start), without history.
pub(crate) fn fit_at(
    settings: &ModelSettings,
    solver: Solver,
    value: f64,
    x: &DesignMatrix<'_>,
    y: ArrayView1<'_, f64>,
    w: Option<ArrayView1<'_, f64>>,
    previous: Option<&Model>,
) -> Result<Model, ModelError> {
    let mut at = settings.clone();
    match settings.kind {
        ModelKind::Logistic => at.c = Some(value),
        ModelKind::Linear => at.alpha = Some(value),
    }
    Ok(match (settings.kind, previous) {
        (ModelKind::Logistic, previous) if crate::fit::more_than_two_classes(y) => {
            let model = at.logistic(Some(solver)).record_history(false);
            Model::MultinomialLogisticRegression(match previous {
                Some(Model::MultinomialLogisticRegression(p)) => {
                    model.fit_multinomial_warm_weighted(x, y, w, p)?
                }
                _ => model.fit_multinomial_weighted_observed(
                    x,
                    y,
                    w,
                    &mut descent_solvers::Unobserved,
                )?,
            })
        }
        (ModelKind::Logistic, previous) => {
            let model = at.logistic(Some(solver)).record_history(false);
            Model::LogisticRegression(match previous {
                Some(Model::LogisticRegression(p)) => model.fit_warm_weighted(x, y, w, p)?,
                _ => model.fit_weighted_observed(x, y, w, &mut descent_solvers::Unobserved)?,
            })
        }
        (ModelKind::Linear, previous) => {
            let model = at.linear(Some(solver)).record_history(false);
            Model::LinearRegression(match previous {
                Some(Model::LinearRegression(p)) => model.fit_warm_weighted(x, y, w, p)?,
                _ => model.fit_weighted_observed(x, y, w, &mut descent_solvers::Unobserved)?,
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_run_from_the_strongest_penalty() {
        let c = values(ModelKind::Logistic, (1e-2, 1e2), 5);
        assert!((c[0] - 1e-2).abs() < 1e-17 && (c[4] - 1e2).abs() < 1e-12);
        let alpha = values(ModelKind::Linear, (1e-2, 1e2), 5);
        assert!((alpha[0] - 1e2).abs() < 1e-12 && (alpha[4] - 1e-2).abs() < 1e-17);
    }
}
