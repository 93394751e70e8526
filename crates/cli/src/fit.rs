//! `descent fit`.

use crate::data::{DataArgs, Prepared};
use crate::output::{self, Metrics};
use crate::ModelKind;
use anyhow::{bail, Result};
use clap::ValueEnum;
use descent_models::{LinearRegression, LogisticRegression, Model, ModelFile, Penalty, Solver};
use descent_solvers::{Evaluations, Termination};
use ndarray::{ArrayView1, ArrayView2};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(crate) struct FitArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The model to fit.
    #[arg(long, value_enum)]
    model: ModelKind,
    /// The solver (default: newton for logistic, lstsq for linear).
    #[arg(long, value_enum)]
    solver: Option<SolverName>,
    /// Logistic: inverse regularization strength, as scikit-learn's C (default 1.0).
    #[arg(long = "C", allow_negative_numbers = true)]
    c: Option<f64>,
    /// Linear: Ridge's penalty α on ‖w‖², as scikit-learn's alpha (default 0: least squares).
    #[arg(long, allow_negative_numbers = true)]
    alpha: Option<f64>,
    /// Logistic: the penalty (default l2).
    #[arg(long, value_enum)]
    penalty: Option<PenaltyName>,
    /// The fixed step of --solver gd (default 0.1), in the solver's preconditioned coordinates.
    #[arg(long, allow_negative_numbers = true)]
    learning_rate: Option<f64>,
    /// Stop when the gradient norm is below this (default 1e-4).
    #[arg(long, allow_negative_numbers = true)]
    tol: Option<f64>,
    /// The iteration limit (default: 100 for logistic, 1000 for linear).
    #[arg(long)]
    max_iter: Option<usize>,
    /// Logistic: the probability above which the positive class is predicted (default 0.5).
    #[arg(long, allow_negative_numbers = true)]
    threshold: Option<f64>,
    /// Do not fit an intercept (scikit-learn's fit_intercept=False).
    #[arg(long)]
    no_intercept: bool,
    /// Save the fitted model (with its scaler) to this JSON file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print one JSON object instead of the text summary.
    #[arg(long)]
    json: bool,
    /// No progress spinner (it appears on a terminal when a fit takes over a second).
    #[arg(long)]
    quiet: bool,
}

/// The solvers, by their names on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SolverName {
    /// Gradient descent with a fixed learning rate.
    Gd,
    /// Newton's method (Cholesky solve, line search).
    Newton,
    /// argmin's L-BFGS.
    Lbfgs,
    /// argmin's BFGS.
    Bfgs,
    /// argmin's Newton-CG (truncated Newton).
    NewtonCg,
    /// argmin's nonlinear conjugate gradient.
    Cg,
    /// argmin's steepest descent with a line search.
    Steepest,
    /// Direct least squares (linear only).
    Lstsq,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PenaltyName {
    /// ‖w‖²/(2C).
    L2,
    /// No penalty.
    None,
}

impl FitArgs {
    fn settings(&self) -> ModelSettings {
        ModelSettings {
            kind: self.model,
            c: self.c,
            alpha: self.alpha,
            penalty: match self.penalty {
                Some(PenaltyName::None) => Penalty::None,
                _ => Penalty::L2,
            },
            tol: self.tol,
            max_iter: self.max_iter,
            threshold: self.threshold,
            fit_intercept: !self.no_intercept,
            precondition: true,
        }
    }

    fn solver(&self) -> Result<Solver> {
        let name = self.solver.unwrap_or(match self.model {
            ModelKind::Logistic => SolverName::Newton,
            ModelKind::Linear => SolverName::Lstsq,
        });
        name.solver(self.learning_rate)
    }

    fn check_options(&self) -> Result<()> {
        check_model_options(
            self.model,
            &[
                ("--C", self.c.is_some()),
                ("--penalty", self.penalty.is_some()),
                ("--threshold", self.threshold.is_some()),
            ],
            &[("--alpha", self.alpha.is_some())],
        )
    }
}

/// Fails when an option of the other model was given. Each list pairs an option's flag with
/// whether it was given: options for logistic regression only, then for linear only.
pub(crate) fn check_model_options(
    kind: ModelKind,
    logistic_only: &[(&str, bool)],
    linear_only: &[(&str, bool)],
) -> Result<()> {
    let other = match kind {
        ModelKind::Logistic => linear_only,
        ModelKind::Linear => logistic_only,
    };
    let misplaced: Vec<&str> = other
        .iter()
        .filter(|(_, given)| *given)
        .map(|(flag, _)| *flag)
        .collect();
    if !misplaced.is_empty() {
        bail!(
            "{} does not apply to --model {}",
            misplaced.join(", "),
            crate::cli_name(kind)
        );
    }
    Ok(())
}

/// What `descent fit --json` prints.
#[derive(Debug, Serialize)]
pub(crate) struct FitSummary {
    pub model: &'static str,
    pub solver: String,
    pub data: String,
    pub target: String,
    pub feature_names: Vec<String>,
    pub standardized: bool,
    pub coef: Vec<f64>,
    pub intercept: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classes: Option<[f64; 2]>,
    #[serde(rename = "C", skip_serializing_if = "Option::is_none")]
    pub c: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    pub n_iter: usize,
    pub termination: String,
    pub converged: bool,
    /// What to try when the solver did not converge.
    #[serde(skip)]
    pub hint: Option<&'static str>,
    pub objective: f64,
    pub gradient_norm: Option<f64>,
    pub evaluations: Evaluations,
    pub fit_seconds: f64,
    pub train_rows: usize,
    pub test_rows: usize,
    pub train: Metrics,
    pub test: Option<Metrics>,
}

pub(crate) fn run(args: &FitArgs, out: &mut impl Write) -> Result<()> {
    args.check_options()?;
    let solver = args.solver()?;
    let prepared = args.data.prepare()?;
    let feature_names = prepared.feature_names.clone();
    let target = prepared.target_name.clone();
    let (x, y) = (prepared.x_train.view(), prepared.y_train.view());

    let spinner = crate::progress::start(
        None,
        &format!("fitting with {solver}"),
        args.quiet || args.json,
    );
    let model = args.settings().fit(solver, x, y);
    spinner.finish_and_clear();
    let model = model?;

    let train = Metrics::of(&model, x, y)?;
    let test = match &prepared.test {
        Some((xt, yt)) => Some(Metrics::of(&model, xt.view(), yt.view())?),
        None => None,
    };
    let summary = summarize(
        args,
        &model,
        feature_names.clone(),
        target.clone(),
        &prepared,
        train,
        test,
    );
    if args.json {
        crate::output::write_json(out, &summary)?;
    } else {
        output::write_fit_summary(out, &summary)?;
    }
    if let Some(hint) = summary.hint {
        eprintln!(
            "descent: warning: the solver did not converge: {}; {hint}",
            summary.termination
        );
    }
    if let Some(path) = &args.out {
        ModelFile::new(model, feature_names, target, prepared.scaler).save(path)?;
        if !args.json {
            writeln!(out, "\nsaved to {}", path.display())?;
        }
    }
    Ok(())
}

impl SolverName {
    /// The models' solver; `learning_rate` is for gradient descent only (default 0.1).
    pub(crate) fn solver(self, learning_rate: Option<f64>) -> Result<Solver> {
        if learning_rate.is_some() && self != SolverName::Gd {
            bail!("--learning-rate applies to --solver gd only");
        }
        Ok(match self {
            SolverName::Gd => Solver::GradientDescent {
                learning_rate: learning_rate.unwrap_or(0.1),
            },
            SolverName::Newton => Solver::Newton,
            SolverName::Lbfgs => Solver::Lbfgs,
            SolverName::Bfgs => Solver::Bfgs,
            SolverName::NewtonCg => Solver::NewtonCg,
            SolverName::Cg => Solver::ConjugateGradient,
            SolverName::Steepest => Solver::SteepestDescent,
            SolverName::Lstsq => Solver::LeastSquares,
        })
    }
}

/// The model settings of fit, race and path, each `None` meaning the model's default.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ModelSettings {
    pub kind: ModelKind,
    pub c: Option<f64>,
    pub alpha: Option<f64>,
    pub penalty: Penalty,
    pub tol: Option<f64>,
    pub max_iter: Option<usize>,
    pub threshold: Option<f64>,
    pub fit_intercept: bool,
    /// Whether iterative solvers work in standardized coordinates (the models' default).
    pub precondition: bool,
}

impl ModelSettings {
    /// The logistic regression these settings describe (whatever `kind` says).
    pub(crate) fn logistic(&self, solver: Solver) -> LogisticRegression {
        let mut settings = LogisticRegression::new()
            .c(self.c.unwrap_or(1.0))
            .penalty(self.penalty)
            .solver(solver)
            .fit_intercept(self.fit_intercept)
            .precondition(self.precondition);
        if let Some(t) = self.threshold {
            settings = settings.threshold(t);
        }
        if let Some(t) = self.tol {
            settings = settings.tol(t);
        }
        if let Some(n) = self.max_iter {
            settings = settings.max_iter(n);
        }
        settings
    }

    /// The linear regression these settings describe (whatever `kind` says).
    pub(crate) fn linear(&self, solver: Solver) -> LinearRegression {
        let mut settings = LinearRegression::new()
            .alpha(self.alpha.unwrap_or(0.0))
            .solver(solver)
            .fit_intercept(self.fit_intercept)
            .precondition(self.precondition);
        if let Some(t) = self.tol {
            settings = settings.tol(t);
        }
        if let Some(n) = self.max_iter {
            settings = settings.max_iter(n);
        }
        settings
    }

    /// Fits the model of kind `kind` with `solver` on `x`, `y`.
    pub(crate) fn fit(
        &self,
        solver: Solver,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
    ) -> Result<Model> {
        Ok(match self.kind {
            ModelKind::Logistic => Model::LogisticRegression(self.logistic(solver).fit(x, y)?),
            ModelKind::Linear => Model::LinearRegression(self.linear(solver).fit(x, y)?),
        })
    }
}

fn summarize(
    args: &FitArgs,
    model: &Model,
    feature_names: Vec<String>,
    target: String,
    prepared: &Prepared,
    train: Metrics,
    test: Option<Metrics>,
) -> FitSummary {
    let report = model.report();
    let (classes, c, alpha) = match model {
        Model::LogisticRegression(m) => (Some(m.classes), Some(m.c), None),
        Model::LinearRegression(m) => (None, None, Some(m.alpha)),
    };
    FitSummary {
        model: model.kind(),
        solver: report.solver.clone(),
        data: args.data.data.display().to_string(),
        target,
        feature_names,
        standardized: prepared.scaler.is_some(),
        coef: model.coef().to_vec(),
        intercept: model.intercept(),
        classes,
        c,
        alpha,
        n_iter: report.iterations,
        termination: report.termination.to_string(),
        converged: report.converged(),
        hint: match report.termination {
            Termination::Converged(_) => None,
            Termination::MaxIterations => Some("raise --max-iter, or try --solver newton"),
            Termination::Diverged => Some("lower --learning-rate"),
            _ => Some("try another solver, or --standardize"),
        },
        objective: report.value,
        gradient_norm: report.gradient_norm,
        evaluations: report.evaluations,
        fit_seconds: report.elapsed.as_secs_f64(),
        train_rows: prepared.x_train.nrows(),
        test_rows: prepared.test.as_ref().map_or(0, |(x, _)| x.nrows()),
        train,
        test,
    }
}
