//! `descent fit`.

use crate::output::{self, Metrics};
use crate::ModelKind;
use anyhow::{bail, Result};
use clap::ValueEnum;
use descent_models::data::Dataset;
use descent_models::{
    train_test_split_owned, LinearRegression, LogisticRegression, Model, ModelFile, Penalty,
    Solver, StandardScaler,
};
use descent_solvers::{Evaluations, Termination};
use ndarray::{Array1, Array2};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(crate) struct FitArgs {
    /// The CSV file: a header row, one numeric column per feature, and the target.
    #[arg(long)]
    data: PathBuf,
    /// The target column's name (default: the last column).
    #[arg(long)]
    target: Option<String>,
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
    /// Standardize the features (fitted on the training rows; saved with the model). The
    /// coefficients are then on the standardized scale.
    #[arg(long)]
    standardize: bool,
    /// Hold out this fraction of the rows as a test set (e.g. 0.2).
    #[arg(long, allow_negative_numbers = true)]
    test_size: Option<f64>,
    /// The seed of the train/test shuffle.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Save the fitted model (with its scaler) to this JSON file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print one JSON object instead of the text summary.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SolverName {
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
    fn solver(&self) -> Result<Solver> {
        let name = self.solver.unwrap_or(match self.model {
            ModelKind::Logistic => SolverName::Newton,
            ModelKind::Linear => SolverName::Lstsq,
        });
        if self.learning_rate.is_some() && name != SolverName::Gd {
            bail!("--learning-rate applies to --solver gd only");
        }
        Ok(match name {
            SolverName::Gd => Solver::GradientDescent {
                learning_rate: self.learning_rate.unwrap_or(0.1),
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

    fn check_options(&self) -> Result<()> {
        let given = |flag: &str, present: bool| present.then(|| flag.to_owned());
        let misplaced: Vec<String> = match self.model {
            ModelKind::Logistic => [given("--alpha", self.alpha.is_some())]
                .into_iter()
                .flatten()
                .collect(),
            ModelKind::Linear => [
                given("--C", self.c.is_some()),
                given("--penalty", self.penalty.is_some()),
                given("--threshold", self.threshold.is_some()),
            ]
            .into_iter()
            .flatten()
            .collect(),
        };
        if !misplaced.is_empty() {
            let model = match self.model {
                ModelKind::Logistic => "logistic",
                ModelKind::Linear => "linear",
            };
            bail!("{} does not apply to --model {model}", misplaced.join(", "));
        }
        Ok(())
    }
}

/// Training and test rows, after the optional split and standardization.
struct Prepared {
    x_train: Array2<f64>,
    y_train: Array1<f64>,
    test: Option<(Array2<f64>, Array1<f64>)>,
    scaler: Option<StandardScaler>,
}

fn prepare(args: &FitArgs, data: Dataset) -> Result<Prepared> {
    let (mut x_train, y_train, mut test) = match args.test_size {
        Some(size) => {
            let split = train_test_split_owned(data.x, data.y, size, args.seed)?;
            (
                split.x_train,
                split.y_train,
                Some((split.x_test, split.y_test)),
            )
        }
        None => (data.x, data.y, None),
    };
    let scaler = if args.standardize {
        let scaler = StandardScaler::fit(x_train.view())?;
        scaler.transform_in_place(&mut x_train)?;
        if let Some((x_test, _)) = &mut test {
            scaler.transform_in_place(x_test)?;
        }
        Some(scaler)
    } else {
        None
    };
    Ok(Prepared {
        x_train,
        y_train,
        test,
        scaler,
    })
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
    let data = Dataset::from_csv(&args.data, args.target.as_deref())?;
    let feature_names = data.feature_names.clone();
    let target = data.target_name.clone();
    let prepared = prepare(args, data)?;
    let (x, y) = (prepared.x_train.view(), prepared.y_train.view());

    let model = match args.model {
        ModelKind::Logistic => {
            let mut settings = LogisticRegression::new()
                .c(args.c.unwrap_or(1.0))
                .penalty(match args.penalty {
                    Some(PenaltyName::None) => Penalty::None,
                    _ => Penalty::L2,
                })
                .solver(solver);
            if let Some(t) = args.threshold {
                settings = settings.threshold(t);
            }
            settings = apply_common(
                settings,
                args,
                LogisticRegression::tol,
                LogisticRegression::max_iter,
            )
            .fit_intercept(!args.no_intercept);
            Model::LogisticRegression(settings.fit(x, y)?)
        }
        ModelKind::Linear => {
            let mut settings = LinearRegression::new()
                .alpha(args.alpha.unwrap_or(0.0))
                .solver(solver);
            settings = apply_common(
                settings,
                args,
                LinearRegression::tol,
                LinearRegression::max_iter,
            )
            .fit_intercept(!args.no_intercept);
            Model::LinearRegression(settings.fit(x, y)?)
        }
    };

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
        serde_json::to_writer_pretty(&mut *out, &summary)?;
        writeln!(out)?;
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

/// Applies `--tol` and `--max-iter` when given, keeping the model's defaults otherwise.
fn apply_common<M>(
    mut settings: M,
    args: &FitArgs,
    tol: fn(M, f64) -> M,
    max_iter: fn(M, usize) -> M,
) -> M {
    if let Some(t) = args.tol {
        settings = tol(settings, t);
    }
    if let Some(n) = args.max_iter {
        settings = max_iter(settings, n);
    }
    settings
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
        data: args.data.display().to_string(),
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
