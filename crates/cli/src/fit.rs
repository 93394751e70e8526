//! `descent fit`.

use crate::data::{DataArgs, Prepared};
use crate::number::Sig;
use crate::output::{self, Metrics};
use crate::progress::Watch;
use crate::{args, files, ModelKind, Outcome};
use anyhow::{bail, Result};
use clap::ValueEnum;
use descent_models::{ClassWeight, LinearRegression, LogisticRegression, Model, Penalty, Solver};
use descent_objectives::{DesignMatrix, Element};
use descent_solvers::{Criterion, Evaluations, Observer, Report, Termination};
use ndarray::{Array1, ArrayView1};
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
    /// The solver (default: prox-newton with an L1 part in the penalty; otherwise for
    /// logistic, newton up to 500 features and lbfgs beyond, and for linear, lstsq).
    #[arg(long, value_enum)]
    solver: Option<SolverName>,
    /// Logistic: inverse regularization strength, as scikit-learn's C (default 1.0).
    #[arg(long = "C", allow_hyphen_values = true, value_parser = args::positive)]
    c: Option<f64>,
    /// Linear: the penalty's strength α, as scikit-learn's alpha: Ridge's on ‖w‖² (default
    /// 0: least squares), or with --l1-ratio the Lasso's and ElasticNet's.
    #[arg(long, allow_hyphen_values = true, value_parser = args::non_negative)]
    alpha: Option<f64>,
    #[command(flatten)]
    penalty: PenaltyArgs,
    /// The fixed step of --solver gd (default 0.1), in the solver's preconditioned coordinates.
    #[arg(long, allow_hyphen_values = true, value_parser = args::positive)]
    learning_rate: Option<f64>,
    /// Converged when the gradient norm is at most this (default 1e-4); with an L1 part in
    /// the penalty, when the duality gap is at most tol times the objective.
    #[arg(long, allow_hyphen_values = true, value_parser = args::non_negative)]
    tol: Option<f64>,
    /// The iteration limit (default: 100 for logistic, 1000 for linear).
    #[arg(long, allow_hyphen_values = true, value_parser = args::positive_count)]
    max_iter: Option<usize>,
    /// Logistic: the probability above which the positive class is predicted, strictly
    /// between 0 and 1 (default 0.5).
    #[arg(long, allow_hyphen_values = true, value_parser = args::fraction)]
    threshold: Option<f64>,
    /// Do not fit an intercept (scikit-learn's fit_intercept=False).
    #[arg(long)]
    no_intercept: bool,
    /// Save the fitted model (with its scaler and split) to this JSON file, written
    /// atomically; it may not be the data file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print one JSON object instead of the text summary.
    #[arg(long)]
    json: bool,
    /// No progress bar (it appears on a terminal when a fit takes over a second).
    #[arg(long)]
    quiet: bool,
    /// Skip the training and test metrics (each costs a pass over its rows to predict, and a
    /// sort for the ROC AUC); the summary then has none.
    #[arg(long)]
    no_metrics: bool,
    /// Fit out of core: convert the (numeric) CSV file once into a binary cache (--cache) and
    /// read X from it in place, through a memory map, on every pass; X is never held in memory.
    #[arg(long)]
    out_of_core: bool,
    /// The data cache of --out-of-core (default: the data file's path with
    /// ".descent-cache" appended); made when missing, and made again when it is stale (the
    /// data file changed), truncated, or of another version, type or set of columns.
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Read the (numeric) CSV or Parquet file again on every pass over the data, in blocks of
    /// rows, instead of holding X in memory (or, as --out-of-core does, in a data cache on
    /// disk): neither memory for X nor disk, at the price of parsing the file on every pass
    /// (Newton or L-BFGS: a few passes). The fit is the in-memory fit to the bit.
    #[arg(long, conflicts_with_all = ["out_of_core", "cache", "memory_limit"])]
    stream: bool,
    /// Fit out of core (as --out-of-core) when X would take more memory than this: bytes, or
    /// with a unit, 512M, 2G, 1.5GiB (units of 1024).
    #[arg(long, value_parser = crate::args::memory_size)]
    memory_limit: Option<u64>,
    /// Exit with status 3 when the fit did not converge (after printing and saving it).
    #[arg(long)]
    strict: bool,
    /// Add statsmodels' summary of an unpenalized fit (logistic with --penalty none, linear
    /// with alpha 0): standard errors, z or t, p-values, 95% intervals, likelihood statistics.
    /// A penalized, unconverged or singular fit gets a warning saying why there is none.
    #[arg(long)]
    summary: bool,
    /// The covariance of --summary's standard errors: nonrobust (the inverse information), or
    /// a heteroskedasticity-robust sandwich, hc0 to hc3 (as statsmodels' cov_type).
    #[arg(long, value_enum, requires = "summary")]
    cov_type: Option<crate::inference::CovTypeArg>,
    /// How the features are stored while fitting: f64, or f32 for half the memory and half
    /// the bytes read per pass (each value rounded to the nearest f32, as numpy's
    /// astype(float32); every sum is still taken in f64, and the model is f64).
    #[arg(long, value_enum, default_value_t = Dtype::F64)]
    dtype: Dtype,
}

/// `", stored as f32"` for features not stored as `f64` (the default, which goes unsaid): for
/// the first line of `fit`'s and `race`'s summaries.
pub(crate) fn stored_as(dtype: &str) -> String {
    if dtype == f64::NAME {
        String::new()
    } else {
        format!(", stored as {dtype}")
    }
}

/// The types the features can be stored as (`--dtype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Dtype {
    /// 64-bit floating point.
    F64,
    /// 32-bit floating point: half the memory and bandwidth; the data rounded to ~7 digits.
    F32,
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
    /// Proximal Newton: coordinate descent on the Hessian, working sets (L1, elastic net).
    ProxNewton,
    /// FISTA: accelerated proximal gradient with backtracking (L1, elastic net).
    Fista,
}

/// The penalties of logistic regression, by their names on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PenaltyName {
    /// ½‖w‖², scikit-learn's default.
    L2,
    /// ‖w‖₁: sparse coefficients (feature selection).
    L1,
    /// l1_ratio·‖w‖₁ + ½(1 − l1_ratio)·‖w‖², with --l1-ratio.
    Elasticnet,
    /// No penalty.
    None,
}

/// The penalty options shared by fit, race, path and cv.
#[derive(Debug, Clone, Copy, clap::Args)]
pub(crate) struct PenaltyArgs {
    /// Logistic: the penalty (default l2).
    #[arg(long, value_enum)]
    pub penalty: Option<PenaltyName>,
    /// The elastic net's share of L1, from 0 to 1: for logistic with --penalty elasticnet;
    /// for linear it makes --alpha scikit-learn's ElasticNet (1: the Lasso).
    #[arg(long, allow_hyphen_values = true, value_parser = args::unit_interval)]
    pub l1_ratio: Option<f64>,
}

impl PenaltyArgs {
    /// Fails on a combination that would silently mean something else.
    pub(crate) fn check(&self, kind: ModelKind) -> Result<()> {
        match (kind, self.penalty, self.l1_ratio) {
            (ModelKind::Linear, Some(_), _) => {
                bail!("--penalty does not apply to --model linear (use --alpha, with --l1-ratio for the Lasso and elastic net)")
            }
            (ModelKind::Logistic, Some(PenaltyName::Elasticnet), None) => {
                bail!("--penalty elasticnet needs --l1-ratio (the share of L1, from 0 to 1)")
            }
            (ModelKind::Logistic, penalty, Some(_)) if penalty != Some(PenaltyName::Elasticnet) => {
                bail!("--l1-ratio applies to --penalty elasticnet (for logistic regression)")
            }
            _ => Ok(()),
        }
    }

    /// Fails when a linear elastic net lacks its strength: `--l1-ratio` needs a positive
    /// `--alpha`.
    pub(crate) fn check_alpha(&self, kind: ModelKind, alpha: Option<f64>) -> Result<()> {
        if kind != ModelKind::Linear || self.l1_ratio.is_none() {
            return Ok(());
        }
        match alpha {
            None => bail!("--l1-ratio needs --alpha (the elastic net's strength, positive)"),
            Some(alpha) if alpha <= 0.0 => bail!(
                "--alpha {alpha} with --l1-ratio: the elastic net's strength must be positive (for least squares, leave out --l1-ratio)"
            ),
            Some(_) => Ok(()),
        }
    }

    /// The logistic penalty (L2 unless told).
    pub(crate) fn penalty(&self) -> Penalty {
        match self.penalty {
            None | Some(PenaltyName::L2) => Penalty::L2,
            Some(PenaltyName::L1) => Penalty::L1,
            Some(PenaltyName::Elasticnet) => Penalty::ElasticNet,
            Some(PenaltyName::None) => Penalty::None,
        }
    }

    /// Whether the penalty of a model of `kind` has an L1 part (its coefficients can be
    /// exactly zero, and a proximal solver is needed).
    pub(crate) fn sparse(&self, kind: ModelKind) -> bool {
        match kind {
            ModelKind::Logistic => match self.penalty() {
                Penalty::L1 => true,
                Penalty::ElasticNet => self.l1_ratio.is_some_and(|r| r > 0.0),
                Penalty::L2 | Penalty::None => false,
            },
            ModelKind::Linear => self.l1_ratio.is_some_and(|r| r > 0.0),
        }
    }
}

impl FitArgs {
    fn settings(&self, class_weight: Option<ClassWeight>) -> ModelSettings {
        ModelSettings {
            kind: self.model,
            c: self.c,
            alpha: self.alpha,
            penalty: self.penalty.penalty(),
            l1_ratio: self.penalty.l1_ratio,
            tol: self.tol,
            max_iter: self.max_iter,
            threshold: self.threshold,
            fit_intercept: !self.no_intercept,
            precondition: true,
            class_weight,
        }
    }

    /// The solver asked for; `None` leaves the choice to the model.
    fn solver(&self) -> Result<Option<Solver>> {
        match self.solver {
            Some(name) => Ok(Some(name.solver(self.learning_rate)?)),
            None if self.learning_rate.is_some() => {
                bail!("--learning-rate applies to --solver gd only")
            }
            None => Ok(None),
        }
    }

    /// Says on standard error that the data file was converted into `cache` now, and why
    /// (`made`; nothing when the cache was used as it was, or with --quiet or --json).
    fn say_converted(&self, cache: &std::path::Path, made: Option<String>) {
        if let (Some(why), false) = (made, self.quiet || self.json) {
            eprintln!(
                "descent: converted {} into the data cache {} ({why})",
                self.data.data.display(),
                cache.display()
            );
        }
    }

    /// The data cache to fit from, with --out-of-core, or with --memory-limit when X would
    /// not fit in it (said on standard error); `None` to read X into memory.
    fn out_of_core_cache<T: Element>(&self) -> Result<Option<PathBuf>> {
        if self.cache.is_some() && !self.out_of_core && self.memory_limit.is_none() {
            bail!("--cache applies to --out-of-core (or --memory-limit)");
        }
        let cache = self.cache.clone().unwrap_or_else(|| {
            let mut name = self.data.data.clone().into_os_string();
            name.push(".descent-cache");
            PathBuf::from(name)
        });
        if self.out_of_core {
            return Ok(Some(cache));
        }
        let Some(limit) = self.memory_limit else {
            return Ok(None);
        };
        let needed = crate::data::estimated_matrix_bytes(&self.data.data, size_of::<T>())?;
        if needed <= limit {
            return Ok(None);
        }
        if !(self.quiet || self.json) {
            eprintln!(
                "descent: X would take about {}, more than --memory-limit ({}): fitting out of core from {}",
                crate::args::memory_text(needed),
                crate::args::memory_text(limit),
                cache.display()
            );
        }
        Ok(Some(cache))
    }

    fn check_options(&self) -> Result<()> {
        check_model_options(
            self.model,
            &[
                ("--C", self.c.is_some()),
                ("--threshold", self.threshold.is_some()),
            ],
            &[("--alpha", self.alpha.is_some())],
        )?;
        self.penalty.check(self.model)?;
        if self.penalty.penalty == Some(PenaltyName::None) && self.c.is_some() {
            bail!("--C sets the strength of the penalty; with --penalty none there is no C");
        }
        self.penalty.check_alpha(self.model, self.alpha)?;
        if let Some(out) = &self.out {
            files::check_output("--out", out, &[&self.data.data])?;
        }
        Ok(())
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
    /// How the features were stored while fitting (`--dtype`): `"f64"` or `"f32"`.
    pub dtype: &'static str,
    /// A vector, or one row per class for a multinomial model (scikit-learn's `coef_`).
    pub coef: output::Coefficients,
    /// A number, or one per class for a multinomial model.
    pub intercept: output::Intercepts,
    /// The classes in increasing order (label `k` of the data is class `k`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classes: Option<Vec<f64>>,
    /// The class labels as the data spells them, when the target was read as labels:
    /// `[negative, positive]` (classes 0 and 1), or the sorted labels of a multiclass target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    /// Rows left out for missing values (`--missing drop`).
    #[serde(skip_serializing_if = "is_zero")]
    pub dropped_rows: usize,
    /// The column of sample weights (`--weight-column`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight_column: Option<String>,
    /// The training rows' total sample weight `W` (with `--weight-column` or
    /// `--class-weight`): the objective's mean is over it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight_sum: Option<f64>,
    /// `--class-weight` as given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_weight: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub penalty: Option<&'static str>,
    #[serde(rename = "C", skip_serializing_if = "Option::is_none")]
    pub c: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l1_ratio: Option<f64>,
    /// The number of coefficients that are not zero (fits with an L1 part).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_zeros: Option<usize>,
    /// The duality gap at the solution: the objective is within this of its minimum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duality_gap: Option<f64>,
    /// The numerical rank of the features (least squares by SVD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank: Option<usize>,
    pub n_iter: usize,
    pub termination: String,
    pub converged: bool,
    /// What went wrong and what to try, when the fit did not converge (or is suspect).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    pub objective: f64,
    /// What the objective is, in words.
    pub objective_form: String,
    pub gradient_norm: Option<f64>,
    pub tol: f64,
    pub evaluations: Evaluations,
    /// The whole fit, wall clock: checks of the data, preconditioning and the solver (not the
    /// CSV read).
    pub fit_seconds: f64,
    /// Reading the CSV and preparing the data (split, scaler), wall clock: with
    /// `fit_seconds`, what a Python user's `read_csv` and `fit()` would cost.
    pub read_seconds: f64,
    /// With `--out-of-core`: the data cache X was read from in place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_cache: Option<String>,
    /// With `--out-of-core`: the fit's passes over the cache and the bytes they read (under
    /// MPI, rank 0's share), whose rate the disk bounds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_read: Option<CacheRead>,
    /// With `--stream`: the fit's passes over the data file (the labels', the checks', the
    /// solver's, a separation test's; not the metrics') and the bytes of the file they read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_read: Option<CacheRead>,
    /// Under MPI: the number of processes that fitted the model together, each on its share
    /// of the rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processes: Option<usize>,
    /// Under MPI: rank 0's wall-clock seconds in MPI calls during the fit (sums passed along
    /// the ranks, broadcasts, and waiting for the other ranks' passes), and the calls made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub communication: Option<Communication>,
    pub train_rows: usize,
    pub test_rows: usize,
    /// The metrics on the training rows; `None` with `--no-metrics`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub train: Option<Metrics>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<Metrics>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved_to: Option<String>,
    /// With `--summary`: statsmodels' summary of the fit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inference: Option<crate::inference::Inference>,
    /// With `--summary`: the time it took (covariance, statistics, diagnostics), wall clock,
    /// apart from `fit_seconds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary_seconds: Option<f64>,
}

/// Time in MPI calls during a fit (`FitSummary::communication`).
#[derive(Debug, Serialize)]
pub(crate) struct Communication {
    pub seconds: f64,
    pub calls: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

pub(crate) fn run(args: &FitArgs, out: &mut impl Write) -> Result<Outcome> {
    match args.dtype {
        Dtype::F64 => run_as::<f64>(args, out),
        Dtype::F32 => run_as::<f32>(args, out),
    }
}

/// [`run`] with the features stored as `T`.
fn run_as<T: Element>(args: &FitArgs, out: &mut impl Write) -> Result<Outcome> {
    args.check_options()?;
    let mut solver = args.solver()?;
    #[cfg(feature = "mpi")]
    if let Some(world) = crate::distributed::world() {
        if args.stream {
            bail!("--stream is not available under MPI (each process reads its share of the rows into memory; or use --out-of-core)");
        }
        return run_shared::<T>(args, out, &world, solver);
    }
    if args.stream {
        return run_streamed::<T>(args, out, solver);
    }
    let reading = std::time::Instant::now();
    let prepared = match args.out_of_core_cache::<T>()? {
        Some(cache) => {
            // Least squares' SVD would copy X; out of core, a linear model's default is
            // Newton, one Gram matrix formed pass by pass.
            if solver.is_none()
                && args.model == ModelKind::Linear
                && args.penalty.l1_ratio.is_none()
            {
                solver = Some(Solver::Newton);
            }
            let (prepared, made) = args.data.prepare_cached::<T>(&cache)?;
            args.say_converted(&cache, made);
            prepared
        }
        None => args.data.prepare_as::<T>(args.model, &[])?,
    };
    let read_seconds = reading.elapsed().as_secs_f64();
    let (x, y, w) = (
        prepared.train()?,
        prepared.y_train.view(),
        prepared.train_weight(),
    );
    let settings = args.settings(prepared.class_weight.clone());
    let started = std::time::Instant::now();
    let before = descent_objectives::data_read();
    let model = {
        let mut watch = Watch::new("fitting", args.quiet || args.json);
        settings
            .fit_observed(solver, &x, y, w, &mut watch)
            .map_err(|e| prepared.explain(e))?
    };
    let fit_seconds = started.elapsed().as_secs_f64();
    let read_during_fit = descent_objectives::data_read().since(before);
    let (train, test) = if args.no_metrics {
        (None, None)
    } else {
        let test = match prepared.test()? {
            Some((xt, yt)) => Some(Metrics::of(&model, xt, yt, prepared.test_weight()).map_err(|e| match e {
                descent_models::ModelError::UnknownLabel { value, .. }
                | descent_models::ModelError::UnknownClass { value, .. } => anyhow::anyhow!(
                    "the test rows hold label {value}, which no training row of the split has, so the model knows no such class ({e}); use another --seed or a larger --test-size, or no split"
                ),
                other => other.into(),
            })?),
            None => None,
        };
        (Some(Metrics::of(&model, &x, y, w)?), test)
    };
    let warning = fit_warning(&model, &settings, x.ncols());
    // The model is saved before anything is printed, so that nothing reads as success
    // before the write succeeded.
    if let Some(path) = &args.out {
        prepared.model_file(model.clone()).save(path)?;
    }
    let seconds = (read_seconds, fit_seconds, read_during_fit);
    let names = coefficient_names(args, &prepared, &model);
    let (inference, summary_seconds, mut warnings) =
        inference_of(args, &model, &prepared, (&x, y, w), &names, None);
    let mut summary = summarize(
        args,
        &model,
        &prepared,
        (train, test),
        warning,
        seconds,
        None,
    );
    summary.inference = inference;
    summary.summary_seconds = summary_seconds;
    write_fit(out, args, &summary, &names)?;
    warnings.extend(summary.warning.clone());
    Ok(Outcome {
        strict_failure: args.strict && !summary.converged,
        warnings,
    })
}

/// [`run`] with `--stream`: the data file is read again on every pass, a block of rows at a
/// time, and X is never in memory; the fit is the in-memory fit to the bit.
fn run_streamed<T: Element>(
    args: &FitArgs,
    out: &mut impl Write,
    solver: Option<Solver>,
) -> Result<Outcome> {
    use descent_models::stream::FileStream;
    use descent_objectives::RowSource;
    if let Some(option) = args.data.needs_all_rows() {
        bail!("{option} cannot be used with --stream: it needs X in memory (the models standardize internally without a copy; split the file itself for a test set)");
    }
    if args.data.class_weight.is_some() {
        bail!("--class-weight cannot be used with --stream");
    }
    if args.summary {
        bail!("--summary cannot be used with --stream: its statistics need X in memory (use --out-of-core)");
    }
    let reading = std::time::Instant::now();
    let stream = FileStream::<T>::open(&args.data.data, args.data.target.as_deref(), &[])?;
    let read_seconds = reading.elapsed().as_secs_f64();
    let settings = args.settings(None);
    let started = std::time::Instant::now();
    let before = descent_objectives::data_read();
    let model = {
        let mut watch = Watch::new("fitting", args.quiet || args.json);
        match settings.kind {
            ModelKind::Logistic => settings
                .logistic(solver)
                .fit_stream_observed(&stream, &mut watch)
                .map(Model::LogisticRegression),
            ModelKind::Linear => settings
                .linear(solver)
                .fit_stream_observed(&stream, &mut watch)
                .map(Model::LinearRegression),
        }
        .map_err(|e| match e {
            descent_models::ModelError::Data(
                e @ (descent_models::data::DataError::Unparsable { .. }
                | descent_models::data::DataError::Missing { .. }),
            ) => anyhow::anyhow!("{e}; --stream reads plain numeric files (no text, no blanks)"),
            descent_models::ModelError::NotBinary { count, .. } if count > 2 => anyhow::anyhow!(
                "--stream fits binary logistic regression: the target has {count} classes (a multinomial model needs X in memory, or --out-of-core)"
            ),
            other => other.into(),
        })?
    };
    let fit_seconds = started.elapsed().as_secs_f64();
    let read_during_fit = descent_objectives::data_read().since(before);
    // The fit's passes over the file (the metrics' pass comes after).
    let passes = stream.passes();
    let stream_read = CacheRead::of(
        descent_objectives::DataRead {
            passes,
            bytes: passes * stream.file_bytes(),
        },
        fit_seconds,
    );
    let train = if args.no_metrics {
        None
    } else {
        Some(stream_metrics(&stream, &model)?)
    };
    let warning = fit_warning(&model, &settings, stream.columns());
    let prepared = crate::data::Prepared::plain(
        stream.feature_names().to_vec(),
        stream.target_name().to_owned(),
        ndarray::Array1::zeros(0),
        crate::data::Stored::Stream(stream),
    );
    if let Some(path) = &args.out {
        prepared.model_file(model.clone()).save(path)?;
    }
    let names = coefficient_names(args, &prepared, &model);
    let mut summary = summarize(
        args,
        &model,
        &prepared,
        (train, None),
        warning,
        (read_seconds, fit_seconds, read_during_fit),
        None,
    );
    summary.stream_read = Some(stream_read);
    write_fit(out, args, &summary, &names)?;
    Ok(Outcome {
        strict_failure: args.strict && !summary.converged,
        warnings: summary.warning.into_iter().collect(),
    })
}

/// The training metrics of a streamed fit: one more pass, predicting each block; the targets
/// and predictions (16 bytes a row) are scored as in memory, to the same bits.
fn stream_metrics<T: Element>(
    stream: &descent_models::stream::FileStream<T>,
    model: &Model,
) -> Result<Metrics> {
    use descent_objectives::RowSource;
    let rows = stream.rows();
    let (mut y, mut predicted) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
    let mut failure = None;
    stream.pass(
        &mut |block| match scores(model, block.x, "multinomial models on a stream") {
            Ok(scores) => {
                y.extend(block.y.iter().copied());
                predicted.extend(scores);
                std::ops::ControlFlow::Continue(())
            }
            Err(e) => {
                failure = Some(e);
                std::ops::ControlFlow::Break(())
            }
        },
    )?;
    if let Some(e) = failure {
        return Err(e.into());
    }
    scored(
        model,
        ArrayView1::from(&y),
        ArrayView1::from(&predicted),
        None,
    )
}

/// What an out-of-core fit read of its data cache.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub(crate) struct CacheRead {
    /// Passes over `X`.
    pub passes: u64,
    /// Bytes of `X` read by those passes.
    pub bytes: u64,
    /// `bytes / fit_seconds`: the fit's rate of reading, in GB/s (10⁹ bytes).
    pub gb_per_second: f64,
}

impl CacheRead {
    fn of(read: descent_objectives::DataRead, fit_seconds: f64) -> Self {
        #[allow(clippy::cast_precision_loss, reason = "a rate for display")]
        let rate = read.bytes as f64 / fit_seconds.max(1e-9) / 1e9;
        CacheRead {
            passes: read.passes,
            bytes: read.bytes,
            gb_per_second: rate,
        }
    }
}

/// The coefficients' names, the intercept's last when fitted: `--summary`'s rows. A
/// multinomial model's rows are per compared class (all but the first, the reference):
/// "feature [class]".
fn coefficient_names<T: Element>(
    args: &FitArgs,
    prepared: &Prepared<T>,
    model: &Model,
) -> Vec<String> {
    let mut names = prepared.feature_names.clone();
    if !args.no_intercept {
        names.push("intercept".to_owned());
    }
    if let Model::MultinomialLogisticRegression(m) = model {
        let labels = prepared.encoding.as_ref().and_then(|e| e.labels.clone());
        let label = |k: usize| match &labels {
            Some(l) => l[k].clone(),
            None => m.classes[k].to_string(),
        };
        names = (1..m.n_classes())
            .flat_map(|k| names.iter().map(move |n| (n.clone(), k)))
            .map(|(n, k)| format!("{n} [{}]", label(k)))
            .collect();
    }
    names
}

/// With `--summary`: statsmodels' summary of the fit (of every share's rows under MPI,
/// `share`), the seconds it took, and otherwise the warning that says why there is none.
fn inference_of<T: Element>(
    args: &FitArgs,
    model: &Model,
    prepared: &Prepared<T>,
    (x, y, w): (
        &DesignMatrix<'_>,
        ArrayView1<'_, f64>,
        Option<ArrayView1<'_, f64>>,
    ),
    names: &[String],
    share: Option<&descent_objectives::RowShare>,
) -> (
    Option<crate::inference::Inference>,
    Option<f64>,
    Vec<String>,
) {
    if !args.summary {
        return (None, None, Vec::new());
    }
    let summarizing = std::time::Instant::now();
    let cov = args.cov_type.unwrap_or_default().into();
    // Class weights are row weights too: a classifier with them has no summary yet, as with
    // sample weights (an unweighted table of a weighted fit would be wrong).
    let summary = match prepared.class_weight {
        Some(_) => Err(descent_models::ModelError::NotApplicable(
            crate::inference::WEIGHTED_CLASSIFIER,
        )),
        None => crate::inference::summarize(model, x, y, w, !args.no_intercept, cov, share),
    };
    let seconds = Some(summarizing.elapsed().as_secs_f64());
    match summary {
        Ok(inference) => (Some(inference), seconds, Vec::new()),
        Err(e) => {
            // The intercept is the last of each class's coefficients.
            let per_class = prepared.feature_names.len() + usize::from(!args.no_intercept);
            let intercept = (!args.no_intercept).then(|| per_class - 1);
            let why = crate::inference::explain(&e, names, intercept);
            (None, seconds, vec![format!("no --summary: {why}")])
        }
    }
}

/// Prints a fit: its JSON, or its summary with `--summary`'s table and where it was saved.
fn write_fit(
    out: &mut impl Write,
    args: &FitArgs,
    summary: &FitSummary,
    names: &[String],
) -> Result<()> {
    if args.json {
        return output::write_json(out, summary);
    }
    write_fit_summary(out, summary)?;
    if let Some(inference) = &summary.inference {
        crate::inference::write_table(out, inference, names)?;
    }
    if let Some(path) = &args.out {
        writeln!(out, "\nsaved to {}", path.display())?;
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
            SolverName::ProxNewton => Solver::ProximalNewton,
            SolverName::Fista => Solver::Fista,
        })
    }
}

/// The model settings of fit, race and path, each `None` meaning the model's default.
#[derive(Debug, Clone)]
pub(crate) struct ModelSettings {
    pub kind: ModelKind,
    pub c: Option<f64>,
    pub alpha: Option<f64>,
    pub penalty: Penalty,
    /// The elastic net's share of L1: logistic with `Penalty::ElasticNet`; linear, the
    /// Lasso and elastic net.
    pub l1_ratio: Option<f64>,
    pub tol: Option<f64>,
    pub max_iter: Option<usize>,
    pub threshold: Option<f64>,
    pub fit_intercept: bool,
    /// Whether iterative solvers work in standardized coordinates (the models' default).
    pub precondition: bool,
    /// Logistic: `--class-weight`.
    pub class_weight: Option<ClassWeight>,
}

impl ModelSettings {
    /// The logistic regression these settings describe (whatever `kind` says), with `solver`
    /// or the model's default.
    pub(crate) fn logistic(&self, solver: Option<Solver>) -> LogisticRegression {
        let mut settings = LogisticRegression::new()
            .c(self.c.unwrap_or(1.0))
            .penalty(self.penalty)
            .fit_intercept(self.fit_intercept)
            .precondition(self.precondition);
        if let Some(solver) = solver {
            settings = settings.solver(solver);
        }
        if let Some(t) = self.threshold {
            settings = settings.threshold(t);
        }
        if let Some(r) = self.l1_ratio {
            settings = settings.l1_ratio(r);
        }
        if let Some(t) = self.tol {
            settings = settings.tol(t);
        }
        if let Some(n) = self.max_iter {
            settings = settings.max_iter(n);
        }
        if let Some(weights) = &self.class_weight {
            settings = settings.class_weight(weights.clone());
        }
        settings
    }

    /// The linear regression these settings describe (whatever `kind` says).
    pub(crate) fn linear(&self, solver: Option<Solver>) -> LinearRegression {
        let mut settings = LinearRegression::new()
            .alpha(self.alpha.unwrap_or(0.0))
            .fit_intercept(self.fit_intercept)
            .precondition(self.precondition);
        if let Some(solver) = solver {
            settings = settings.solver(solver);
        }
        if let Some(r) = self.l1_ratio {
            settings = settings.l1_ratio(r);
        }
        if let Some(t) = self.tol {
            settings = settings.tol(t);
        }
        if let Some(n) = self.max_iter {
            settings = settings.max_iter(n);
        }
        settings
    }

    /// The tolerance the fit is held to.
    pub(crate) fn tolerance(&self) -> f64 {
        self.tol.unwrap_or(1e-4)
    }

    /// Fits the model of kind `kind` with `solver` on `x`, `y`, each row weighted by `w` when
    /// given.
    pub(crate) fn fit<'x>(
        &self,
        solver: Solver,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        w: Option<ArrayView1<'_, f64>>,
    ) -> Result<Model, descent_models::ModelError> {
        self.fit_observed(Some(solver), x, y, w, &mut descent_solvers::Unobserved)
    }

    /// As [`fit`](Self::fit), on this process's share of rows shared among processes (see
    /// [`LogisticRegression::fit_shared_weighted`]); `None` leaves the solver to the model.
    #[cfg(feature = "mpi")]
    pub(crate) fn fit_shared<'x>(
        &self,
        solver: Option<Solver>,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        w: Option<ArrayView1<'_, f64>>,
        share: &descent_objectives::RowShare,
    ) -> Result<Model, descent_models::ModelError> {
        Ok(match self.kind {
            ModelKind::Logistic => Model::LogisticRegression(
                self.logistic(solver).fit_shared_weighted(x, y, w, share)?,
            ),
            ModelKind::Linear => {
                Model::LinearRegression(self.linear(solver).fit_shared_weighted(x, y, w, share)?)
            }
        })
    }

    /// As [`fit`](Self::fit), the solver reporting to `observer`.
    pub(crate) fn fit_observed<'x>(
        &self,
        solver: Option<Solver>,
        x: impl Into<DesignMatrix<'x>>,
        y: ArrayView1<'_, f64>,
        w: Option<ArrayView1<'_, f64>>,
        observer: &mut dyn Observer<Array1<f64>>,
    ) -> Result<Model, descent_models::ModelError> {
        Ok(match self.kind {
            ModelKind::Logistic if more_than_two_classes(y) => {
                Model::MultinomialLogisticRegression(
                    self.logistic(solver)
                        .fit_multinomial_weighted_observed(x, y, w, observer)?,
                )
            }
            ModelKind::Logistic => Model::LogisticRegression(
                self.logistic(solver)
                    .fit_weighted_observed(x, y, w, observer)?,
            ),
            ModelKind::Linear => Model::LinearRegression(
                self.linear(solver)
                    .fit_weighted_observed(x, y, w, observer)?,
            ),
        })
    }
}

/// [`run`] under MPI: this process reads its share of the rows, the processes fit one model
/// together (the fit of all the rows, to the bit), and rank 0 saves and prints it. Every
/// failure is agreed: each rank ends with the failing rank's error.
#[cfg(feature = "mpi")]
fn run_shared<T: Element>(
    args: &FitArgs,
    out: &mut impl Write,
    world: &std::sync::Arc<crate::distributed::MpiGroup>,
    solver: Option<Solver>,
) -> Result<Outcome> {
    use descent_objectives::RowShare;
    if args.memory_limit.is_some() {
        bail!("--memory-limit is not available for a fit under MPI (use --out-of-core: each process then maps its share of the rows from the data cache)");
    }
    let (rank, size) = (world.rank(), world.size());
    let reading = std::time::Instant::now();
    let files = world.agree(crate::distributed::data_files(&args.data.data))?;
    let cache = args.out_of_core_cache::<T>()?;
    let read = if let Some(cache) = &cache {
        if files.len() != 1 || files[0] != args.data.data {
            bail!("--out-of-core under MPI takes one data file, not a pattern (convert the parts into one file, or fit them in memory)");
        }
        // Rank 0 makes the cache when it is missing or stale, once; then every rank maps it
        // and takes its share of the rows (the file must be on a file system every rank sees).
        let first = world.agree(match rank {
            0 => args.data.open_cache::<T>(cache).map(Some),
            _ => Ok(None),
        })?;
        let data = match first {
            Some((data, made)) => {
                args.say_converted(cache, made);
                Ok(data)
            }
            None => args.data.open_cache::<T>(cache).map(|(data, _)| data),
        };
        data.and_then(|data| {
            args.data
                .cached_rows(data, |n| RowShare::rows_for(rank, size, n))
        })
    } else if files.len() == 1 {
        args.data
            .prepare_share::<T>(|n| RowShare::rows_for(rank, size, n))
    } else {
        // Several files, one after another: each rank counts the rows of every size-th
        // file, the counts are gathered, and each rank reads its rows from the files they
        // fall in.
        let mine: Result<Vec<f64>> = files
            .iter()
            .skip(rank)
            .step_by(size)
            .map(|f| Ok(crate::data::count_rows(f)? as f64))
            .collect();
        let mine = world.agree(mine)?;
        let all = world.gather_all(&mine)?;
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "row counts this program wrote as f64"
        )]
        let counts: Vec<usize> = (0..files.len())
            .map(|k| all[k % size].get(k / size).map_or(0, |&n| n as usize))
            .collect();
        let total = counts.iter().sum();
        let rows = RowShare::rows_for(rank, size, total);
        let parts: Vec<_> = files.into_iter().zip(counts).collect();
        args.data
            .prepare_share_of_parts::<T>(&parts, rows.clone())
            .map(|prepared| (prepared, total, rows))
    };
    let (prepared, total, rows) = world.agree(read)?;
    let share = RowShare::new(std::sync::Arc::new(world.handle()), rows.start, total)?;
    if share
        .gather(&[total as f64])
        .iter()
        .any(|t| t[..] != [total as f64])
    {
        bail!(
            "the processes found different numbers of rows in {}: every process must read the same file",
            args.data.data.display()
        );
    }
    let read_seconds = reading.elapsed().as_secs_f64();
    let (x, y, w) = (
        prepared.train()?,
        prepared.y_train.view(),
        prepared.train_weight(),
    );
    let settings = args.settings(prepared.class_weight.clone());
    let started = std::time::Instant::now();
    let before = world.spent();
    let read_before = descent_objectives::data_read();
    let model = world.agree(
        settings
            .fit_shared(solver, &x, y, w, &share)
            .map_err(anyhow::Error::from),
    )?;
    let fit_seconds = started.elapsed().as_secs_f64();
    let read_during_fit = descent_objectives::data_read().since(read_before);
    let after = world.spent();
    world.check_same(model.report().x.as_slice().unwrap_or(&[]))?;
    let warning = fit_warning(&model, &settings, x.ncols());
    // The statistics are of every share: each rank computes them with the others (the same
    // verdict everywhere), rank 0 prints them.
    let names = coefficient_names(args, &prepared, &model);
    let (inference, summary_seconds, mut warnings) =
        inference_of(args, &model, &prepared, (&x, y, w), &names, Some(&share));
    let train = if args.no_metrics {
        None
    } else {
        shared_metrics(world, &model, (&x, y, w), total)?
    };
    let mut summary = summarize(
        args,
        &model,
        &prepared,
        (train, None),
        warning,
        (read_seconds, fit_seconds, read_during_fit),
        Some(&share),
    );
    summary.train_rows = total;
    summary.processes = Some(size);
    summary.inference = inference;
    summary.summary_seconds = summary_seconds;
    summary.communication = Some(Communication {
        seconds: after.0 - before.0,
        calls: after.1 - before.1,
    });
    let strict_failure = args.strict && !summary.converged;
    if rank != 0 {
        return Ok(Outcome {
            strict_failure,
            warnings: Vec::new(),
        });
    }
    if let Some(path) = &args.out {
        prepared.model_file(model.clone()).save(path)?;
    }
    write_fit(out, args, &summary, &names)?;
    warnings.extend(summary.warning);
    Ok(Outcome {
        strict_failure,
        warnings,
    })
}

/// The most rows whose scores rank 0 gathers for the training metrics under MPI (16 bytes a
/// row: 1 GiB).
#[cfg(feature = "mpi")]
const GATHERED_ROWS: usize = 1 << 26;

/// The training metrics of a fit under MPI, on rank 0 (`None` elsewhere): every rank predicts
/// its rows, and rank 0 gathers the targets and predictions in row order and scores them as
/// one process would, to the same bits. `None` beyond [`GATHERED_ROWS`] rows.
#[cfg(feature = "mpi")]
fn shared_metrics(
    world: &crate::distributed::MpiGroup,
    model: &Model,
    (x, y, w): (
        &DesignMatrix<'_>,
        ArrayView1<'_, f64>,
        Option<ArrayView1<'_, f64>>,
    ),
    total: usize,
) -> Result<Option<Metrics>> {
    if total > GATHERED_ROWS {
        return Ok(None);
    }
    let predicted = world.agree(
        scores(model, x.clone(), "multinomial models under MPI").map_err(anyhow::Error::from),
    )?;
    let gather = |v: ArrayView1<'_, f64>| world.gather_to_root(&v.to_vec());
    let y_all = gather(y);
    let predicted_all = gather(predicted.view());
    let w_all = w.map(gather);
    let (Some(y_all), Some(predicted_all)) = (y_all, predicted_all) else {
        return Ok(None);
    };
    let w_all = match w_all {
        Some(Some(w)) => Some(ndarray::Array1::from(w)),
        Some(None) => return Ok(None),
        None => None,
    };
    let (y_all, predicted_all) = (ArrayView1::from(&y_all), ArrayView1::from(&predicted_all));
    let w_all = w_all.as_ref().map(ndarray::Array1::view);
    Ok(Some(scored(model, y_all, predicted_all, w_all)?))
}

/// What the training metrics score of rows predicted apart from their model's own metrics
/// (by the processes sharing them, or block by block from a stream): a binary model's
/// probability of the positive class, a linear model's prediction. A multinomial model is
/// refused as `unsupported`.
fn scores<'x>(
    model: &Model,
    x: impl Into<DesignMatrix<'x>>,
    unsupported: &'static str,
) -> Result<ndarray::Array1<f64>, descent_models::ModelError> {
    match model {
        Model::LogisticRegression(m) => m.predict_proba(x),
        Model::LinearRegression(m) => m.predict(x),
        Model::MultinomialLogisticRegression(_) => {
            Err(descent_models::ModelError::NotApplicable(unsupported))
        }
    }
}

/// The metrics of targets `y` and their [`scores`], weighted by `w` when given: the same
/// numbers as the model's metrics of the rows in memory.
fn scored(
    model: &Model,
    y: ArrayView1<'_, f64>,
    scores: ArrayView1<'_, f64>,
    w: Option<ArrayView1<'_, f64>>,
) -> Result<Metrics> {
    Ok(match model {
        Model::LogisticRegression(m) => {
            Metrics::Classification(m.evaluate_probabilities(y, scores, w)?)
        }
        _ => Metrics::Regression(descent_models::metrics::RegressionMetrics::weighted(
            y, scores, w,
        )?),
    })
}

/// Whether `y` holds more than two distinct values (a multiclass target: fitted as one
/// multinomial model, as scikit-learn does), by a scan that stops at the third.
pub(crate) fn more_than_two_classes(y: ArrayView1<'_, f64>) -> bool {
    let mut seen: [Option<f64>; 2] = [None, None];
    for &v in y {
        match seen {
            [Some(a), _] if a == v => {}
            [_, Some(b)] if b == v => {}
            [None, _] => seen[0] = Some(v),
            [_, None] => seen[1] = Some(v),
            // A NaN label is never equal to a seen one; the fit's checks name it.
            _ if v.is_nan() => return false,
            _ => return true,
        }
    }
    false
}

/// What the user should know about a fit that did not converge, or whose result needs a word
/// of caution, with what to try.
fn fit_warning(model: &Model, settings: &ModelSettings, features: usize) -> Option<String> {
    let report: &Report<Array1<f64>> = model.report();
    let tol = Sig(settings.tolerance(), 3);
    let gradient = match (report.duality_gap, report.gradient_norm) {
        (Some(gap), _) => format!(
            "the duality gap {} > --tol·F = {}",
            Sig(gap, 3),
            Sig(settings.tolerance() * report.value.abs(), 3)
        ),
        (None, Some(g)) => format!("‖∇F‖ = {} > --tol {tol}", Sig(g, 3)),
        (None, None) => String::new(),
    };
    let gd = matches!(model_solver(model), Solver::GradientDescent { .. });
    let advice = match &report.termination {
        Termination::Converged(_) => {
            return match model {
                Model::LinearRegression(m) => m.rank.filter(|&r| r < features).map(|rank| {
                    format!(
                        "the features are linearly dependent (rank {rank} of {features}): the coefficients are the minimum-norm solution, one of many that fit equally well"
                    )
                }),
                Model::LogisticRegression(_) | Model::MultinomialLogisticRegression(_) => None,
            };
        }
        Termination::MaxIterations if gd => format!(
            "{gradient} at the iteration limit; raise --max-iter or --learning-rate, or try another --solver"
        ),
        Termination::MaxIterations => {
            format!("{gradient} at the iteration limit; raise --max-iter")
        }
        Termination::Diverged => "lower --learning-rate".to_owned(),
        Termination::Stalled(Criterion::ClosedForm) => format!(
            "the closed-form solution is inaccurate ({gradient}): the features are ill-conditioned; try --standardize"
        ),
        Termination::Stalled(_) => format!(
            "the objective stopped changing with {gradient}: loosen --tol, or try another --solver"
        ),
        Termination::KeepsDecreasing if matches!(model, Model::MultinomialLogisticRegression(_)) => {
            return Some(
                "separation: the fitted coefficients separate a class from the others (or every class from the rest), so without a penalty the log loss has no minimum (the coefficients grow without bound as the loss keeps falling); use --penalty l2 (with --C), or leave out the features that separate".to_owned(),
            )
        }
        Termination::KeepsDecreasing => {
            return Some(
                "perfect separation: the fitted model classifies every training row correctly, so the data are linearly separable and, without a penalty, the log loss has no minimum (the coefficients grow without bound as the loss falls towards 0); use --penalty l2 (with --C)".to_owned(),
            )
        }
        Termination::Interrupted => {
            "interrupted by Ctrl-C: the coefficients are the best point so far".to_owned()
        }
        _ => "try another --solver, or --standardize".to_owned(),
    };
    Some(format!(
        "the fit did not converge: {}; {advice}",
        report.termination
    ))
}

fn model_solver(model: &Model) -> Solver {
    match model {
        Model::LogisticRegression(m) => m.solver,
        Model::LinearRegression(m) => m.solver,
        Model::MultinomialLogisticRegression(m) => m.solver,
    }
}

/// `W`, the training rows' total weight (sample weights times class weights), from the loss
/// the model was fitted with; `None` without weights, or when it cannot be formed.
///
/// With rows shared among MPI processes (`share`), over every share: every process must call
/// this then.
fn weight_sum<T>(
    model: &Model,
    prepared: &Prepared<T>,
    share: Option<&descent_objectives::RowShare>,
) -> Option<f64> {
    let y = prepared.y_train.view();
    let weights = match (&prepared.class_weight, model) {
        (_, Model::LinearRegression(_)) | (None, _) => prepared.w_train.clone()?,
        (Some(class_weight), model) => {
            let w = prepared.w_train.as_ref().map(ndarray::Array1::view);
            match (share, model) {
                (Some(share), Model::LogisticRegression(m)) => class_weight
                    .shared_row_weights(y, &m.classes, w, share)
                    .ok()?,
                _ => class_weight.row_weights(y, w).ok()?,
            }
        }
    };
    Some(descent_objectives::row_total(weights.as_slice()?, share))
}

/// What the objective `F` is, in words.
fn objective_form(model: &Model) -> String {
    match model {
        Model::LogisticRegression(m) => match (m.penalty, m.l1_ratio) {
            (Penalty::L2, _) => format!("mean log loss + ‖w‖²/(2·C·N), C = {}", Sig(m.c, 6)),
            (Penalty::L1, _) => format!("mean log loss + ‖w‖₁/(C·N), C = {}", Sig(m.c, 6)),
            (Penalty::ElasticNet, r) => format!(
                "mean log loss + (r‖w‖₁ + ½(1 − r)‖w‖²)/(C·N), C = {}, r = {}",
                Sig(m.c, 6),
                Sig(r.unwrap_or(f64::NAN), 6)
            ),
            (Penalty::None, _) => "mean log loss (no penalty)".to_owned(),
        },
        Model::LinearRegression(m) if m.l1_ratio.is_some() => format!(
            "mean squared error + α(2r‖w‖₁ + (1 − r)‖w‖²), twice scikit-learn's ElasticNet objective, α = {}, r = {}",
            Sig(m.alpha, 6),
            Sig(m.l1_ratio.unwrap_or(f64::NAN), 6)
        ),
        Model::LinearRegression(m) if m.alpha > 0.0 => {
            format!("mean squared error + α‖w‖²/N, α = {}", Sig(m.alpha, 6))
        }
        Model::LinearRegression(_) => "mean squared error".to_owned(),
        Model::MultinomialLogisticRegression(m) => match m.penalty {
            Penalty::None => "mean multinomial log loss (no penalty)".to_owned(),
            Penalty::L2 => format!(
                "mean multinomial log loss + ‖W‖²/(2·C·N), C = {}",
                Sig(m.c, 6)
            ),
            Penalty::L1 => format!(
                "mean multinomial log loss + ‖W‖₁/(C·N), C = {}",
                Sig(m.c, 6)
            ),
            Penalty::ElasticNet => format!(
                "mean multinomial log loss + (r‖W‖₁ + ½(1 − r)‖W‖²)/(C·N), C = {}, r = {}",
                Sig(m.c, 6),
                Sig(m.l1_ratio.unwrap_or(f64::NAN), 6)
            ),
        },
    }
}

fn summarize<T: Element>(
    args: &FitArgs,
    model: &Model,
    prepared: &Prepared<T>,
    (train, test): (Option<Metrics>, Option<Metrics>),
    warning: Option<String>,
    (read_seconds, fit_seconds, read): (f64, f64, descent_objectives::DataRead),
    share: Option<&descent_objectives::RowShare>,
) -> FitSummary {
    let report = model.report();
    let penalty_name = |p: Penalty| match p {
        Penalty::L2 => "l2",
        Penalty::L1 => "l1",
        Penalty::ElasticNet => "elasticnet",
        Penalty::None => "none",
    };
    let (classes, penalty, c, alpha, l1_ratio, rank) = match model {
        Model::LogisticRegression(m) => (
            Some(m.classes.to_vec()),
            Some(penalty_name(m.penalty)),
            (m.penalty != Penalty::None).then_some(m.c),
            None,
            m.l1_ratio,
            None,
        ),
        Model::MultinomialLogisticRegression(m) => (
            Some(m.classes.clone()),
            Some(penalty_name(m.penalty)),
            (m.penalty != Penalty::None).then_some(m.c),
            None,
            m.l1_ratio,
            None,
        ),
        Model::LinearRegression(m) => (None, None, None, Some(m.alpha), m.l1_ratio, m.rank),
    };
    let (coef, intercept) = output::coefficients(model);
    let class_weight = args.data.class_weight.as_ref().map(ToString::to_string);
    // The rows' combined weights sum to W, over which the objective's mean is taken.
    let weight_sum = weight_sum(model, prepared, share);
    let mut objective_form = objective_form(model);
    if let Some(total) = weight_sum {
        objective_form = format!(
            "weighted {}, W = Σ weights = {}",
            objective_form.replace("·N)", "·W)").replace("/N,", "/W,"),
            Sig(total, 6)
        );
    }
    FitSummary {
        model: model.kind(),
        solver: report.solver.clone(),
        data: args.data.data.display().to_string(),
        target: prepared.target_name.clone(),
        feature_names: prepared.feature_names.clone(),
        standardized: prepared.scaler.is_some(),
        dtype: T::NAME,
        coef,
        intercept,
        classes,
        labels: prepared.encoding.as_ref().and_then(|e| e.labels.clone()),
        dropped_rows: prepared.dropped_rows,
        weight_column: args.data.weight_column.clone(),
        weight_sum,
        class_weight,
        penalty,
        c,
        alpha,
        l1_ratio,
        non_zeros: report.non_zeros,
        duality_gap: report.duality_gap,
        rank,
        n_iter: report.iterations,
        termination: report.termination.to_string(),
        converged: report.converged(),
        warning,
        objective: report.value,
        objective_form,
        gradient_norm: report.gradient_norm,
        tol: args.settings(None).tolerance(),
        evaluations: report.evaluations,
        fit_seconds,
        read_seconds,
        data_cache: match &prepared.x_train {
            crate::data::Stored::Cache(cache, _) => Some(cache.path().display().to_string()),
            crate::data::Stored::Memory(_) | crate::data::Stored::Stream(_) => None,
        },
        cache_read: match &prepared.x_train {
            crate::data::Stored::Cache(..) => Some(CacheRead::of(read, fit_seconds)),
            crate::data::Stored::Memory(_) | crate::data::Stored::Stream(_) => None,
        },
        stream_read: None,
        train_rows: prepared.train_rows(),
        test_rows: prepared.test_rows(),
        train,
        test,
        saved_to: args.out.as_ref().map(|p| p.display().to_string()),
        inference: None,
        summary_seconds: None,
        processes: None,
        communication: None,
    }
}

/// `"7 passes in the fit, 1.23 GB at 2.10 GB/s"`.
fn read_text(read: &CacheRead) -> String {
    #[allow(clippy::cast_precision_loss, reason = "sizes for display")]
    let bytes = read.bytes as f64;
    let size = if bytes >= 1e9 {
        format!("{:.2} GB", bytes / 1e9)
    } else {
        format!("{:.1} MB", bytes / 1e6)
    };
    let plural = if read.passes == 1 { "" } else { "es" };
    format!(
        "{} pass{plural} in the fit, {size} at {:.2} GB/s",
        read.passes, read.gb_per_second
    )
}

fn write_fit_summary(out: &mut impl Write, s: &FitSummary) -> std::io::Result<()> {
    let scale = if s.standardized { ", standardized" } else { "" };
    let stored = stored_as(s.dtype);
    writeln!(
        out,
        "{} on {}: {} training rows, {} test rows, {} features{scale}{stored}; target {:?}",
        s.model.replace('_', " "),
        s.data,
        s.train_rows,
        s.test_rows,
        s.feature_names.len(),
        s.target
    )?;
    if let Some(cache) = &s.data_cache {
        write!(
            out,
            "out of core: X read in place from the data cache {cache}"
        )?;
        if let Some(read) = &s.cache_read {
            write!(out, ": {}", read_text(read))?;
        }
        writeln!(out)?;
    }
    if let Some(read) = &s.stream_read {
        writeln!(
            out,
            "streamed: the data file read again on every pass: {}",
            read_text(read)
        )?;
    }
    if let Some(n) = s.processes {
        writeln!(
            out,
            "fitted by {n} MPI processes, each on its share of the rows"
        )?;
    }
    if s.dropped_rows > 0 {
        writeln!(
            out,
            "{} rows with missing values left out (--missing drop)",
            s.dropped_rows
        )?;
    }
    match (&s.weight_column, &s.class_weight) {
        (Some(column), None) => writeln!(out, "sample weights: column {column:?}")?,
        (None, Some(classes)) => writeln!(out, "class weights: {classes}")?,
        (Some(column), Some(classes)) => writeln!(
            out,
            "sample weights: column {column:?}, times the class weights {classes}"
        )?,
        (None, None) => {}
    }
    match s.labels.as_deref() {
        Some([negative, positive]) => writeln!(
            out,
            "classes: 0 = {negative:?}, 1 = {positive:?} (the positive class; --positive-class chooses)"
        )?,
        Some(labels) => {
            let named: Vec<String> = labels
                .iter()
                .enumerate()
                .map(|(k, l)| format!("{k} = {l:?}"))
                .collect();
            writeln!(
                out,
                "classes: {} (multinomial: one coefficient vector per class)",
                named.join(", ")
            )?;
        }
        None => {}
    }
    writeln!(out)?;
    writeln!(out, "  solver       {}", s.solver)?;
    writeln!(out, "  termination  {}", s.termination)?;
    writeln!(
        out,
        "  iterations   {} ({} value, {} gradient, {} Hessian evaluations)",
        s.n_iter, s.evaluations.value, s.evaluations.gradient, s.evaluations.hessian
    )?;
    writeln!(
        out,
        "  objective    {} ({})",
        Sig(s.objective, 12),
        s.objective_form
    )?;
    match (s.duality_gap, s.gradient_norm) {
        (Some(gap), _) => writeln!(
            out,
            "  duality gap  {} (certified: F is within this of its minimum; tol·F = {})",
            Sig(gap, 3),
            Sig(s.tol * s.objective.abs(), 3)
        )?,
        (None, Some(g)) => writeln!(out, "  ‖∇F‖         {} (tol {})", Sig(g, 3), Sig(s.tol, 3))?,
        (None, None) => {}
    }
    if let Some(k) = s.non_zeros {
        writeln!(
            out,
            "  non-zeros    {k} of {} coefficients",
            s.coef.flat().len()
        )?;
    }
    if let Some(rank) = s.rank {
        writeln!(out, "  rank         {rank} of {}", s.feature_names.len())?;
    }
    writeln!(out, "  fit time     {} ms", Sig(s.fit_seconds * 1e3, 4))?;
    writeln!(out)?;
    if s.train.is_some() || s.test.is_some() {
        output::write_metric_rows(
            out,
            &[("train", s.train.as_ref()), ("test", s.test.as_ref())],
        )?;
        writeln!(out)?;
    }
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
    match (&s.coef, &s.intercept) {
        (output::Coefficients::PerClass(rows), output::Intercepts::PerClass(b)) => {
            // One column per class, headed by its label.
            let heads: Vec<String> = match &s.labels {
                Some(labels) => labels.clone(),
                None => s.classes.iter().flatten().map(f64::to_string).collect(),
            };
            let mut line = format!("  {:<width$}", "");
            for head in &heads {
                line.push_str(&format!("  {:>14}", clip(head, 14)));
            }
            writeln!(out, "{line}")?;
            for (j, name) in s.feature_names.iter().enumerate() {
                let mut line = format!("  {name:<width$}");
                for row in rows {
                    line.push_str(&format!("  {:>14}", output::scientific(row[j])));
                }
                writeln!(out, "{line}")?;
            }
            let mut line = format!("  {:<width$}", "(intercept)");
            for v in b {
                line.push_str(&format!("  {:>14}", output::scientific(*v)));
            }
            writeln!(out, "{line}")
        }
        (output::Coefficients::One(coef), output::Intercepts::One(b)) => {
            for (name, w) in s.feature_names.iter().zip(coef) {
                writeln!(out, "  {name:<width$}  {:>14}", output::scientific(*w))?;
            }
            writeln!(
                out,
                "  {:<width$}  {:>14}",
                "(intercept)",
                output::scientific(*b)
            )
        }
        _ => Ok(()),
    }
}

/// `text` cut to `width` characters (the last one an ellipsis when cut).
fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(width - 1).collect();
        cut.push('…');
        cut
    }
}
