//! `descent path`: logistic regression over a range of C, warm-started from one fit to the
//! next, with train and test scores and the coefficients at each C.

use crate::data::DataArgs;
use crate::fit::{ModelSettings, SolverName};
use crate::number::Sig;
use crate::plot::{self, Chart, Figure, Series, Style};
use crate::{args, files, progress, ModelKind, Outcome};
use anyhow::{bail, Context, Result};
use descent_models::{FittedLogisticRegression, LogisticRegression, Penalty};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub(crate) struct PathArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The range of C (inverse regularization strength), a..b with 0 < a < b, spaced
    /// evenly on a log scale.
    #[arg(long = "C", default_value = "1e-4..1e4", allow_hyphen_values = true, value_parser = args::interval)]
    c: (f64, f64),
    /// How many values of C (at most 10 000).
    #[arg(long, default_value_t = 17, allow_hyphen_values = true, value_parser = args::path_points)]
    num: usize,
    /// The solver (default: newton up to 500 features, lbfgs beyond).
    #[arg(long, value_enum)]
    solver: Option<SolverName>,
    /// Stop each fit when ‖∇F‖₂ ≤ tol. Tighter than scikit-learn's 1e-4: at large C a warm
    /// start already meets a loose tolerance, and the path would stall.
    #[arg(long, default_value_t = 1e-8, allow_hyphen_values = true, value_parser = args::non_negative)]
    tol: f64,
    /// The iteration limit of each fit (default 100).
    #[arg(long, allow_hyphen_values = true, value_parser = args::positive_count)]
    max_iter: Option<usize>,
    /// Draw accuracy, log loss and coefficients against C (.svg or .png).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

#[derive(Debug, Serialize)]
struct Step {
    #[serde(rename = "C")]
    c: f64,
    iterations: usize,
    cold_iterations: usize,
    converged: bool,
    seconds: f64,
    cold_seconds: f64,
    train_accuracy: f64,
    train_log_loss: f64,
    test_accuracy: Option<f64>,
    test_log_loss: Option<f64>,
    coef: Vec<f64>,
    intercept: f64,
}

/// `n` values from `a` to `b`, evenly spaced on a log scale.
fn logspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    crate::minimize::linspace(a.log10(), b.log10(), n)
        .into_iter()
        .map(|e| 10f64.powf(e))
        .collect()
}

/// Fits `settings` at C and times it (the whole fit, wall clock).
fn timed(
    settings: &LogisticRegression,
    x: ndarray::ArrayView2<'_, f64>,
    y: ndarray::ArrayView1<'_, f64>,
    previous: Option<&FittedLogisticRegression>,
) -> Result<(FittedLogisticRegression, f64)> {
    let started = Instant::now();
    let model = match previous {
        Some(previous) => settings.fit_warm(x, y, previous)?,
        None => settings.fit(x, y)?,
    };
    Ok((model, started.elapsed().as_secs_f64()))
}

pub(crate) fn run(args: &PathArgs, out: &mut impl Write) -> Result<Outcome> {
    if let Some(path) = &args.plot {
        plot::check_path(path)?;
        files::check_output("--plot", path, &[&args.data.data])?;
    }
    let (lo, hi) = args.c;
    if lo <= 0.0 {
        bail!("--C {lo}..{hi}: C must be positive");
    }
    let prepared = args.data.prepare()?;
    let base = ModelSettings {
        kind: ModelKind::Logistic,
        c: None,
        alpha: None,
        penalty: Penalty::L2,
        tol: Some(args.tol),
        max_iter: args.max_iter,
        threshold: None,
        fit_intercept: true,
        precondition: true,
    };
    let (x, y) = (prepared.x_train.view(), prepared.y_train.view());
    let solver = match args.solver {
        Some(name) => name.solver(None)?,
        None => descent_models::Solver::for_parameters(x.ncols() + 1),
    };
    let cs = logspace(lo, hi, args.num);
    let bar = progress::start(
        Some(cs.len() as u64),
        "path over C",
        args.quiet || args.json,
    );
    let mut steps = Vec::new();
    let mut previous: Option<FittedLogisticRegression> = None;
    for &c in &cs {
        bar.set_message(format!("C = {c:.3e}"));
        let settings = ModelSettings { c: Some(c), ..base }
            .logistic(Some(solver))
            .record_history(false);
        let (model, seconds) = timed(&settings, x, y, previous.as_ref())
            .with_context(|| format!("fitting at C = {c}"))?;
        let (cold, cold_seconds) = timed(&settings, x, y, None)?;
        let train = model.evaluate(x, y)?;
        let test = match &prepared.test {
            Some((xt, yt)) => Some(model.evaluate(xt.view(), yt.view())?),
            None => None,
        };
        steps.push(Step {
            c,
            iterations: model.report.iterations,
            cold_iterations: cold.report.iterations,
            converged: model.report.converged(),
            seconds,
            cold_seconds,
            train_accuracy: train.accuracy,
            train_log_loss: train.log_loss,
            test_accuracy: test.as_ref().map(|m| m.accuracy),
            test_log_loss: test.as_ref().map(|m| m.log_loss),
            coef: model.coef.to_vec(),
            intercept: model.intercept,
        });
        previous = Some(model);
        bar.inc(1);
    }
    bar.finish_and_clear();

    let total = |f: fn(&Step) -> f64| steps.iter().map(f).sum::<f64>();
    let (warm_seconds, cold_seconds) = (total(|s| s.seconds), total(|s| s.cold_seconds));
    let (warm_iterations, cold_iterations) = (
        total(|s| s.iterations as f64),
        total(|s| s.cold_iterations as f64),
    );
    // The chosen C: the lowest test log loss, or the lowest train log loss without a split.
    let chosen = steps
        .iter()
        .filter_map(|s| s.test_log_loss.map(|l| (s.c, l)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let not_converged: Vec<String> = steps
        .iter()
        .filter(|s| !s.converged)
        .map(|s| Sig(s.c, 3).to_string())
        .collect();
    let warnings: Vec<String> = if not_converged.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "the fits at C = {} did not converge to --tol {} (see the table); raise --max-iter",
            not_converged.join(", "),
            Sig(args.tol, 3)
        )]
    };
    if let Some(path) = &args.plot {
        plot::save(
            path,
            &path_figure(&prepared.feature_names, &steps, chosen.map(|c| c.0)),
        )?;
    }
    if args.json {
        #[derive(Serialize)]
        struct PathSummary<'a> {
            data: String,
            solver: String,
            train_rows: usize,
            test_rows: usize,
            standardized: bool,
            feature_names: &'a [String],
            warm_seconds: f64,
            cold_seconds: f64,
            warm_iterations: f64,
            cold_iterations: f64,
            #[serde(rename = "chosen_C")]
            chosen_c: Option<f64>,
            path: &'a [Step],
        }
        crate::output::write_json(
            out,
            &PathSummary {
                data: args.data.data.display().to_string(),
                solver: solver.to_string(),
                train_rows: x.nrows(),
                test_rows: prepared.test.as_ref().map_or(0, |(xt, _)| xt.nrows()),
                standardized: args.data.standardize,
                feature_names: &prepared.feature_names,
                warm_seconds,
                cold_seconds,
                warm_iterations,
                cold_iterations,
                chosen_c: chosen.map(|c| c.0),
                path: &steps,
            },
        )?;
        return Ok(Outcome {
            warnings,
            strict_failure: false,
        });
    }
    writeln!(
        out,
        "logistic regression on {} over {} values of C, {}; {} training rows, {} test rows{}\n",
        args.data.data.display(),
        steps.len(),
        solver,
        x.nrows(),
        prepared.test.as_ref().map_or(0, |(xt, _)| xt.nrows()),
        if args.data.standardize {
            ", standardized"
        } else {
            ""
        }
    )?;
    writeln!(
        out,
        "{:>10}  {:>6}  {:>6}  {:>9}  {:>9}  {:>10}  {:>10}  {:>10}",
        "C", "iters", "cold", "train acc", "test acc", "train loss", "test loss", "‖w‖₂"
    )?;
    let optional =
        |v: Option<f64>, digits: usize| v.map_or("-".to_owned(), |v| Sig(v, digits).to_string());
    for s in &steps {
        let norm = s.coef.iter().map(|w| w * w).sum::<f64>().sqrt();
        writeln!(
            out,
            "{:>10}  {:>6}  {:>6}  {:>9}  {:>9}  {:>10}  {:>10}  {:>10}{}",
            Sig(s.c, 3),
            s.iterations,
            s.cold_iterations,
            Sig(s.train_accuracy, 4),
            optional(s.test_accuracy, 4),
            Sig(s.train_log_loss, 5),
            optional(s.test_log_loss, 5),
            Sig(norm, 4),
            if s.converged { "" } else { "  (not converged)" }
        )?;
    }
    writeln!(
        out,
        "\nwarm starts: {warm_iterations} iterations in {} ms; cold starts: {cold_iterations} iterations in {} ms ({}× the time)",
        Sig(warm_seconds * 1e3, 4),
        Sig(cold_seconds * 1e3, 4),
        Sig(cold_seconds / warm_seconds, 3)
    )?;
    if let Some((c, loss)) = chosen {
        writeln!(
            out,
            "lowest test log loss: {} at C = {} (marked on the plot)",
            Sig(loss, 5),
            Sig(c, 3)
        )?;
    }
    if let Some(path) = &args.plot {
        writeln!(out, "plot: {}", path.display())?;
    }
    Ok(Outcome {
        warnings,
        strict_failure: false,
    })
}

/// How many coefficient paths get a legend entry (the largest at the largest C).
const NAMED_COEFFICIENTS: usize = 8;

fn path_figure(feature_names: &[String], steps: &[Step], chosen: Option<f64>) -> Figure {
    let along = |f: &dyn Fn(&Step) -> Option<f64>| -> Vec<(f64, f64)> {
        steps
            .iter()
            .filter_map(|s| f(s).map(|v| (s.c, v)))
            .collect()
    };
    let pair = |train: &dyn Fn(&Step) -> Option<f64>, test: &dyn Fn(&Step) -> Option<f64>| {
        let mut series = vec![Series::new(
            "train",
            along(train),
            Style::LineWithMarkers,
            plot::color(0),
        )];
        let test = along(test);
        if !test.is_empty() {
            series.push(Series::new(
                "test",
                test,
                Style::LineWithMarkers,
                plot::color(1),
            ));
        }
        series
    };
    let accuracy = pair(&|s| Some(s.train_accuracy), &|s| s.test_accuracy);
    let loss = pair(&|s| Some(s.train_log_loss), &|s| s.test_log_loss);
    // Name the coefficients that are largest at the weakest regularization.
    let mut order: Vec<usize> = (0..feature_names.len()).collect();
    if let Some(last) = steps.last() {
        order.sort_by(|&a, &b| last.coef[b].abs().total_cmp(&last.coef[a].abs()));
    }
    // Unnamed paths first (in gray, underneath), then the named ones in order of size.
    let coefficients = order
        .iter()
        .skip(NAMED_COEFFICIENTS)
        .map(|&j| (j, None))
        .chain(
            order
                .iter()
                .take(NAMED_COEFFICIENTS)
                .enumerate()
                .map(|(rank, &j)| (j, Some(rank))),
        )
        .map(|(j, rank)| {
            let mut series = Series::new(
                feature_names[j].clone(),
                steps.iter().map(|s| (s.c, s.coef[j])).collect(),
                Style::Line,
                rank.map_or(plotters::style::RGBColor(200, 200, 200), plot::color),
            );
            series.legend = rank.is_some();
            series
        })
        .collect();
    let chart = |title: &str, y: &str, series| Chart {
        title: title.into(),
        x_label: "C (inverse regularization strength)".into(),
        y_label: y.into(),
        x_log: true,
        series,
        marker: chosen.map(|c| (c, format!("chosen C = {}", Sig(c, 3)))),
        ..Chart::default()
    };
    Figure {
        charts: vec![
            chart("Accuracy against C", "accuracy", accuracy),
            chart("Log loss against C", "log loss", loss),
            chart("Coefficients against C", "coefficient", coefficients),
        ],
        // One above the other, so that each keeps its full width where the figure is shown
        // narrow (a README, a notebook).
        columns: 1,
        panel: plot::PANEL,
    }
}
