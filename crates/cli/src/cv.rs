//! `descent cv`: k-fold cross-validation over a grid of C (logistic) or alpha (linear), with
//! warm starts along the grid in each fold; the best value and the one-standard-error choice;
//! a refit on all training rows.
//!
//! Whatever is learned from the data (a table's levels and imputation statistics, the scaler of
//! `--standardize`) is learned again in each fold from the fold's training rows alone, as a
//! scikit-learn `Pipeline` is refitted in each fold of `cross_validate`: the held-out rows never
//! inform the preprocessing they are scored through.

use crate::data::{DataArgs, Prepared};
use crate::fit::{stored_as, Dtype, ModelSettings};
use crate::grid::{self, strength_name, GridArgs, Plan};
use crate::number::Sig;
use crate::output::{self, Metrics};
use crate::path::penalty_words;
use crate::plot::{self, Chart, Figure, Series, Style};
use crate::{args, files, progress, ModelKind, Outcome};
use anyhow::{anyhow, bail, Context, Result};
use clap::ValueEnum;
use descent_models::data::read_features;
use descent_models::{Folds, Model, Solver};
use descent_objectives::{DesignMatrix, Element};
use ndarray::ArrayView1;
use rayon::prelude::*;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub(crate) struct CvArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The model.
    #[arg(long, value_enum)]
    model: ModelKind,
    #[command(flatten)]
    grid: GridArgs,
    /// How many values of C or alpha (at most 10 000).
    #[arg(long, default_value_t = 20, allow_hyphen_values = true, value_parser = args::path_points)]
    num: usize,
    /// The number of folds (stratified by class for logistic regression), shuffled by --seed.
    #[arg(long, default_value_t = 5, allow_hyphen_values = true, value_parser = args::folds)]
    folds: usize,
    /// Take the folds from this column of the data (any numbers, one fold per distinct
    /// value), so that results compare exactly with another tool given the same folds. The
    /// column is not a feature.
    #[arg(long, conflicts_with = "folds")]
    folds_column: Option<String>,
    /// The held-out score (default: log-loss for logistic, mse for linear).
    #[arg(long, value_enum)]
    scoring: Option<Scoring>,
    /// Which value the refit uses: the best mean score, or the most regularized one whose
    /// mean is within one standard error of the best.
    #[arg(long, value_enum, default_value = "best")]
    choose: Choice,
    /// Draw the mean held-out score (± one standard deviation) against C or alpha (.svg or
    /// .png).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Save the refitted model to this JSON file, written atomically; it may not be the data
    /// file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Exit with status 3 when a fit did not converge (after printing and saving).
    #[arg(long)]
    strict: bool,
}

/// The held-out scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Scoring {
    /// Mean log loss (logistic; lower is better).
    LogLoss,
    /// Accuracy (logistic).
    Accuracy,
    /// Area under the ROC curve (logistic).
    RocAuc,
    /// Mean squared error (linear; lower is better).
    Mse,
    /// Coefficient of determination (linear).
    R2,
}

impl Scoring {
    fn lower_is_better(self) -> bool {
        matches!(self, Scoring::LogLoss | Scoring::Mse)
    }

    fn applies_to(self, kind: ModelKind) -> bool {
        match self {
            Scoring::LogLoss | Scoring::Accuracy | Scoring::RocAuc => kind == ModelKind::Logistic,
            Scoring::Mse | Scoring::R2 => kind == ModelKind::Linear,
        }
    }

    fn words(self) -> &'static str {
        match self {
            Scoring::LogLoss => "log loss",
            Scoring::Accuracy => "accuracy",
            Scoring::RocAuc => "ROC AUC",
            Scoring::Mse => "MSE",
            Scoring::R2 => "R²",
        }
    }

    /// The score of `model` on held-out rows.
    fn of(
        self,
        model: &Model,
        x: &DesignMatrix<'_>,
        y: ArrayView1<'_, f64>,
        w: Option<ArrayView1<'_, f64>>,
    ) -> Result<f64> {
        let metrics = Metrics::of(model, x, y, w)?;
        let score = match (self, &metrics) {
            (Scoring::LogLoss, Metrics::Classification(m)) => Some(m.log_loss),
            (Scoring::Accuracy, Metrics::Classification(m)) => Some(m.accuracy),
            (Scoring::RocAuc, Metrics::Classification(m)) => m.roc_auc,
            (Scoring::LogLoss, Metrics::Multiclass(m)) => Some(m.log_loss),
            (Scoring::Accuracy, Metrics::Multiclass(m)) => Some(m.accuracy),
            (Scoring::RocAuc, Metrics::Multiclass(_)) => {
                bail!("--scoring roc-auc is for two classes; a multiclass model takes log-loss or accuracy")
            }
            (Scoring::Mse, Metrics::Regression(m)) => Some(m.mse),
            (Scoring::R2, Metrics::Regression(m)) => m.r2,
            _ => None,
        };
        score.ok_or_else(|| {
            anyhow!(
                "{} is undefined on a held-out fold of {} rows (ROC AUC needs both classes, R² two rows); use fewer folds or another --scoring",
                self.words(),
                x.nrows()
            )
        })
    }
}

/// Which value the refit uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Choice {
    /// The best mean held-out score.
    Best,
    /// The one-standard-error rule: the most regularized value within one standard error of
    /// the best mean.
    OneSe,
}

/// One value of the grid, scored on every fold.
#[derive(Debug, Serialize)]
struct GridPoint {
    #[serde(rename = "C", skip_serializing_if = "Option::is_none")]
    c: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alpha: Option<f64>,
    #[serde(skip)]
    value: f64,
    mean: f64,
    /// The standard deviation over folds (with divisor k, as scikit-learn's `cv_results_`).
    std: f64,
    fold_scores: Vec<f64>,
    /// The mean number of non-zero coefficients over the folds' fits.
    mean_non_zeros: f64,
    /// Whether every fold's fit converged.
    converged: bool,
}

/// The fits of one fold along the grid: held-out score, non-zeros and convergence at each
/// value.
struct FoldPath {
    scores: Vec<f64>,
    non_zeros: Vec<usize>,
    converged: Vec<bool>,
    iterations: usize,
}

/// Fits fold `f` along the grid, warm-starting each value from the one before.
fn fold_path<T: Element>(
    settings: &ModelSettings,
    solver: Solver,
    values: &[f64],
    scoring: Scoring,
    folds: &Folds,
    f: usize,
    prepared: &Prepared<T>,
) -> Result<FoldPath> {
    let (train, held_out) = prepared
        .fold(&folds.training(f), &folds.held_out(f))
        .with_context(|| format!("fold {}", f + 1))?;
    let (xt, xh) = (train.design()?, held_out.design()?);
    let mut path = FoldPath {
        scores: Vec::with_capacity(values.len()),
        non_zeros: Vec::with_capacity(values.len()),
        converged: Vec::with_capacity(values.len()),
        iterations: 0,
    };
    let mut previous: Option<Model> = None;
    for &value in values {
        let model = grid::fit_at(
            settings,
            solver,
            value,
            &xt,
            train.y.view(),
            train.w.as_ref().map(ndarray::Array1::view),
            previous.as_ref(),
        )
        .with_context(|| {
            format!(
                "fold {} at {} = {value}",
                f + 1,
                strength_name(settings.kind)
            )
        })?;
        path.scores.push(scoring.of(
            &model,
            &xh,
            held_out.y.view(),
            held_out.w.as_ref().map(ndarray::Array1::view),
        )?);
        path.non_zeros
            .push(model.coef().iter().filter(|w| **w != 0.0).count());
        path.converged.push(model.report().converged());
        path.iterations += model.report().iterations;
        previous = Some(model);
    }
    Ok(path)
}

/// The folds of the training rows: from the column, or seeded (stratified for logistic), and
/// checked so that every fold can be fitted and scored.
fn make_folds<T>(args: &CvArgs, prepared: &Prepared<T>) -> Result<Folds> {
    let y = prepared.y_train.view();
    let folds = match &args.folds_column {
        Some(name) => {
            let ids = read_features(&args.data.data, std::slice::from_ref(name))?;
            Folds::from_ids(ids.column(0)).map_err(|e| anyhow!("--folds-column {name:?}: {e}"))?
        }
        None if args.model == ModelKind::Logistic => {
            Folds::stratified(y, args.folds, args.data.seed)?
        }
        None => Folds::shuffled(y.len(), args.folds, args.data.seed)?,
    };
    if folds.assignment().len() != y.len() {
        bail!(
            "--folds-column gives {} fold ids for the {} rows being cross-validated (rows held out by --test-size or left out for missing values have no fold)",
            folds.assignment().len(),
            y.len()
        );
    }
    if args.model == ModelKind::Logistic {
        let classes = |rows: &[usize]| {
            let mut seen: Vec<f64> = rows.iter().map(|&i| y[i]).collect();
            seen.sort_by(f64::total_cmp);
            seen.dedup();
            seen
        };
        for f in 0..folds.k() {
            let training = classes(&folds.training(f));
            if training.len() < 2 {
                bail!(
                    "fold {} leaves only class {} to fit on; use other folds",
                    f + 1,
                    training.first().map_or(f64::NAN, |c| *c)
                );
            }
            let held_out = folds.held_out(f);
            let seen = classes(&held_out);
            if seen.len() < 2 {
                bail!(
                    "fold {} holds only class {} ({} rows): its held-out score says nothing about telling the classes apart; use fewer folds, or folds stratified by class",
                    f + 1,
                    seen.first().map_or(f64::NAN, |c| *c),
                    held_out.len()
                );
            }
        }
    }
    Ok(folds)
}

pub(crate) fn run(args: &CvArgs, out: &mut impl Write) -> Result<Outcome> {
    for (flag, path) in [("--plot", &args.plot), ("--out", &args.out)] {
        if let Some(path) = path {
            if flag == "--plot" {
                plot::check_path(path)?;
            }
            files::check_output(flag, path, &[&args.data.data])?;
        }
    }
    args.grid.check(args.model)?;
    if args.folds_column.is_some() && args.data.test_size.is_some() {
        bail!("--folds-column assigns every row to a fold; it cannot be combined with --test-size");
    }
    let scoring = args.scoring.unwrap_or(match args.model {
        ModelKind::Logistic => Scoring::LogLoss,
        ModelKind::Linear => Scoring::Mse,
    });
    if !scoring.applies_to(args.model) {
        bail!(
            "--scoring {} does not apply to --model {}",
            crate::cli_name(scoring),
            crate::cli_name(args.model)
        );
    }
    match args.grid.dtype {
        Dtype::F64 => cv_as::<f64>(args, scoring, out),
        Dtype::F32 => cv_as::<f32>(args, scoring, out),
    }
}

/// [`run`] with the features stored as `T`, after the options are checked.
fn cv_as<T: Element>(args: &CvArgs, scoring: Scoring, out: &mut impl Write) -> Result<Outcome> {
    let excluded: Vec<String> = args.folds_column.iter().cloned().collect();
    let prepared = args.data.prepare_for_folds::<T>(args.model, &excluded)?;
    let Plan {
        settings,
        solver,
        values,
        sparse,
    } = args.grid.plan(args.model, &prepared, args.num)?;
    let (x, y) = (prepared.train()?, prepared.y_train.view());
    // The time of the cross-validation and the refit: from the data in memory to the model.
    let started = Instant::now();
    let folds = make_folds(args, &prepared)?;
    let k = folds.k();
    let bar = progress::start(Some(k as u64), "cross-validating", args.quiet || args.json);
    let paths: Vec<FoldPath> = (0..k)
        .into_par_iter()
        .map(|f| {
            let path = fold_path(&settings, solver, &values, scoring, &folds, f, &prepared);
            bar.inc(1);
            path
        })
        .collect::<Result<_>>()?;
    bar.finish_and_clear();
    let points: Vec<GridPoint> = values
        .iter()
        .enumerate()
        .map(|(v, &value)| {
            let fold_scores: Vec<f64> = paths.iter().map(|p| p.scores[v]).collect();
            let mean = fold_scores.iter().sum::<f64>() / k as f64;
            let variance = fold_scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / k as f64;
            GridPoint {
                c: (args.model == ModelKind::Logistic).then_some(value),
                alpha: (args.model == ModelKind::Linear).then_some(value),
                value,
                mean,
                std: variance.sqrt(),
                fold_scores,
                mean_non_zeros: paths.iter().map(|p| p.non_zeros[v] as f64).sum::<f64>() / k as f64,
                converged: paths.iter().all(|p| p.converged[v]),
            }
        })
        .collect();
    let (best, one_se) = choose(&points, scoring, k);
    let chosen = match args.choose {
        Choice::Best => best,
        Choice::OneSe => one_se,
    };
    let chosen_value = points[chosen].value;
    let w = prepared.train_weight();
    let refit = grid::fit_at(&settings, solver, chosen_value, &x, y, w, None)
        .map_err(|e| prepared.explain(e))
        .context("refitting on all training rows")?;
    let cv_seconds = started.elapsed().as_secs_f64();
    let test = match prepared.test()? {
        Some((xt, yt)) => Some(Metrics::of(&refit, &xt, yt, prepared.test_weight())?),
        None => None,
    };
    if let Some(path) = &args.out {
        let file = prepared.model_file(refit.clone());
        file.save(path)?;
    }
    if let Some(path) = &args.plot {
        plot::save(
            path,
            &cv_figure(args.model, sparse, scoring, k, &points, best, one_se),
        )?;
    }
    let mut warnings = Vec::new();
    let not_converged: Vec<String> = points
        .iter()
        .filter(|p| !p.converged)
        .map(|p| Sig(p.value, 3).to_string())
        .collect();
    if !not_converged.is_empty() {
        warnings.push(format!(
            "some fold's fit did not converge to --tol {} at {} = {}; raise --max-iter",
            Sig(args.grid.tol, 3),
            strength_name(args.model),
            not_converged.join(", ")
        ));
    }
    let refit_report = refit.report();
    let (refit_coef, refit_intercept) = crate::output::coefficients(&refit);
    if !refit_report.converged() {
        warnings.push(format!(
            "the refit did not converge: {}",
            refit_report.termination
        ));
    }
    let strict_failure = args.strict && !warnings.is_empty();
    let strength = strength_name(args.model);
    let fold_source = match &args.folds_column {
        Some(name) => format!("folds from column {name:?}"),
        None if args.model == ModelKind::Logistic => {
            format!("stratified folds, seed {}", args.data.seed)
        }
        None => format!("shuffled folds, seed {}", args.data.seed),
    };
    if args.json {
        #[derive(Serialize)]
        struct Chosen {
            #[serde(rename = "C", skip_serializing_if = "Option::is_none")]
            c: Option<f64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            alpha: Option<f64>,
            mean: f64,
            std: f64,
        }
        let choice = |i: usize| Chosen {
            c: points[i].c,
            alpha: points[i].alpha,
            mean: points[i].mean,
            std: points[i].std,
        };
        #[derive(Serialize)]
        struct Refit<'a> {
            #[serde(rename = "C", skip_serializing_if = "Option::is_none")]
            c: Option<f64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            alpha: Option<f64>,
            solver: &'a str,
            termination: String,
            converged: bool,
            iterations: usize,
            objective: f64,
            #[serde(skip_serializing_if = "Option::is_none")]
            duality_gap: Option<f64>,
            non_zeros: usize,
            coef: crate::output::Coefficients,
            intercept: crate::output::Intercepts,
            #[serde(skip_serializing_if = "Option::is_none")]
            test: Option<&'a Metrics>,
            #[serde(skip_serializing_if = "Option::is_none")]
            saved_to: Option<String>,
        }
        #[derive(Serialize)]
        struct CvSummary<'a> {
            data: String,
            model: &'static str,
            penalty: String,
            solver: String,
            scoring: Scoring,
            folds: usize,
            fold_source: String,
            train_rows: usize,
            test_rows: usize,
            standardized: bool,
            /// How the features were stored while fitting (`--dtype`).
            dtype: &'static str,
            feature_names: &'a [String],
            /// The folds' fits and the refit, wall clock (not the CSV read).
            cv_seconds: f64,
            fits: usize,
            iterations: usize,
            best: Chosen,
            one_standard_error: Chosen,
            chosen: &'static str,
            refit: Refit<'a>,
            grid: &'a [GridPoint],
        }
        let is_logistic = args.model == ModelKind::Logistic;
        output::write_json(
            out,
            &CvSummary {
                data: args.data.data.display().to_string(),
                model: crate::race::model_name(args.model, y),
                penalty: penalty_words(&settings),
                solver: solver.to_string(),
                scoring,
                folds: k,
                fold_source,
                train_rows: x.nrows(),
                test_rows: prepared.test_rows(),
                standardized: args.data.standardize,
                dtype: T::NAME,
                feature_names: &prepared.feature_names,
                cv_seconds,
                fits: k * values.len(),
                iterations: paths.iter().map(|p| p.iterations).sum(),
                best: choice(best),
                one_standard_error: choice(one_se),
                chosen: match args.choose {
                    Choice::Best => "best",
                    Choice::OneSe => "one-se",
                },
                refit: Refit {
                    c: is_logistic.then_some(chosen_value),
                    alpha: (!is_logistic).then_some(chosen_value),
                    solver: &refit_report.solver,
                    termination: refit_report.termination.to_string(),
                    converged: refit_report.converged(),
                    iterations: refit_report.iterations,
                    objective: refit_report.value,
                    duality_gap: refit_report.duality_gap,
                    non_zeros: refit.coef().iter().filter(|w| **w != 0.0).count(),
                    coef: refit_coef,
                    intercept: refit_intercept,
                    test: test.as_ref(),
                    saved_to: args.out.as_ref().map(|p| p.display().to_string()),
                },
                grid: &points,
            },
        )?;
        return Ok(Outcome {
            warnings,
            strict_failure,
        });
    }
    writeln!(
        out,
        "{} ({}) on {}: {k}-fold cross-validation ({fold_source}) over {} values of {strength}, {}; {} training rows{}{}{}\n",
        crate::race::model_name(args.model, y),
        penalty_words(&settings),
        args.data.data.display(),
        values.len(),
        solver,
        x.nrows(),
        prepared
            .test
            .as_ref()
            .map_or(String::new(), |(xt, _)| format!(", {} test rows", xt.nrows())),
        args.data.words(),
        stored_as(T::NAME)
    )?;
    let score = scoring.words();
    writeln!(
        out,
        "{:>10}  {:>12}  {:>10}  {:>9}",
        strength,
        format!("mean {score}"),
        "std",
        "non-zeros"
    )?;
    for (i, p) in points.iter().enumerate() {
        let mark = match (i == best, i == one_se) {
            (true, true) => "  ← best, one-SE",
            (true, false) => "  ← best",
            (false, true) => "  ← one-SE",
            (false, false) => "",
        };
        writeln!(
            out,
            "{:>10}  {:>12}  {:>10}  {:>9}{mark}{}",
            Sig(p.value, 3),
            Sig(p.mean, 5),
            Sig(p.std, 3),
            Sig(p.mean_non_zeros, 3),
            if p.converged { "" } else { "  (not converged)" }
        )?;
    }
    writeln!(
        out,
        "\n{} fits in {} ms ({} per fold, warm-started along the grid)",
        k * values.len(),
        Sig(cv_seconds * 1e3, 4),
        values.len()
    )?;
    let describe = |i: usize| {
        format!(
            "{strength} = {} (mean {score} {} ± {})",
            Sig(points[i].value, 4),
            Sig(points[i].mean, 5),
            Sig(points[i].std, 3)
        )
    };
    writeln!(out, "best:               {}", describe(best))?;
    writeln!(out, "one standard error: {}", describe(one_se))?;
    writeln!(
        out,
        "\nrefit on all {} training rows at {strength} = {}: {}; {} of {} coefficients non-zero{}",
        x.nrows(),
        Sig(chosen_value, 4),
        refit_report.termination,
        refit.coef().iter().filter(|w| **w != 0.0).count(),
        refit.coef().len(),
        refit_report
            .duality_gap
            .map_or(String::new(), |g| format!("; duality gap {}", Sig(g, 3)))
    )?;
    if let Some(test) = &test {
        writeln!(out)?;
        output::write_metrics(out, "test", test)?;
    }
    if let Some(path) = &args.plot {
        writeln!(out, "plot: {}", path.display())?;
    }
    if let Some(path) = &args.out {
        writeln!(out, "saved to {}", path.display())?;
    }
    Ok(Outcome {
        warnings,
        strict_failure,
    })
}

/// The best value (the first in grid order, strongest penalty first, with the best mean
/// score, as scikit-learn's `argmax`/`argmin` take the first) and the one-standard-error
/// choice: the first value in grid order whose mean is within one standard error
/// (`std/√k` at the best) of the best mean.
fn choose(points: &[GridPoint], scoring: Scoring, k: usize) -> (usize, usize) {
    let better = |a: f64, b: f64| {
        if scoring.lower_is_better() {
            a < b
        } else {
            a > b
        }
    };
    let mut best = 0;
    for (i, p) in points.iter().enumerate() {
        if better(p.mean, points[best].mean) {
            best = i;
        }
    }
    let standard_error = points[best].std / (k as f64).sqrt();
    let within = |p: &GridPoint| (p.mean - points[best].mean).abs() <= standard_error;
    let one_se = points.iter().position(within).unwrap_or(best);
    (best, one_se)
}

fn cv_figure(
    kind: ModelKind,
    sparse: bool,
    scoring: Scoring,
    k: usize,
    points: &[GridPoint],
    best: usize,
    one_se: usize,
) -> Figure {
    let strength = strength_name(kind);
    let x_label = match kind {
        ModelKind::Logistic => "C (inverse regularization strength)".to_owned(),
        ModelKind::Linear => "alpha (regularization strength)".to_owned(),
    };
    let score = scoring.words();
    let line = |f: &dyn Fn(&GridPoint) -> f64| -> Vec<(f64, f64)> {
        points.iter().map(|p| (p.value, f(p))).collect()
    };
    let low = points
        .iter()
        .map(|p| p.mean - p.std)
        .fold(f64::INFINITY, f64::min);
    let high = points
        .iter()
        .map(|p| p.mean + p.std)
        .fold(f64::NEG_INFINITY, f64::max);
    let one_se_value = points[one_se].value;
    let mut scores = vec![
        Series::new(
            format!("mean held-out {score} ({k} folds)"),
            line(&|p| p.mean),
            Style::LineWithMarkers,
            plot::color(0),
        ),
        Series::new(
            "± one standard deviation",
            line(&|p| p.mean + p.std),
            Style::Dashed,
            plot::color(0),
        ),
    ];
    let mut lower = Series::new("", line(&|p| p.mean - p.std), Style::Dashed, plot::color(0));
    lower.legend = false;
    scores.push(lower);
    scores.push(Series::new(
        format!("one-SE {strength} = {}", Sig(one_se_value, 3)),
        vec![(one_se_value, low), (one_se_value, high)],
        Style::Dashed,
        plot::color(2),
    ));
    let marker = Some((
        points[best].value,
        format!("best {strength} = {}", Sig(points[best].value, 3)),
    ));
    let mut charts = vec![Chart {
        title: format!("Cross-validated {score} against {strength}"),
        x_label: x_label.clone(),
        y_label: format!("held-out {score}"),
        x_log: true,
        series: scores,
        marker: marker.clone(),
        ..Chart::default()
    }];
    if sparse {
        charts.push(Chart {
            title: format!("Non-zero coefficients against {strength} (mean over folds)"),
            x_label,
            y_label: "non-zero coefficients".into(),
            x_log: true,
            series: vec![Series::new(
                "non-zeros",
                line(&|p| p.mean_non_zeros),
                Style::LineWithMarkers,
                plot::color(1),
            )],
            marker,
            ..Chart::default()
        });
    }
    Figure {
        charts,
        columns: 1,
        panel: plot::PANEL,
    }
}
