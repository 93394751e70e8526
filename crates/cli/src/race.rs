//! `descent race`: the same model fitted by each solver, compared by work, time and result.

use crate::data::DataArgs;
use crate::fit::{check_model_options, stored_as, Dtype, ModelSettings, PenaltyArgs, SolverName};
use crate::number::Sig;
use crate::plot::{self, Chart, Figure, Series, Style};
use crate::{args, cli_name, files, progress, ModelKind, Outcome};
use anyhow::{bail, Context, Result};
use descent_objectives::Element;
use descent_solvers::Evaluations;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub(crate) struct RaceArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The model to fit.
    #[arg(long, value_enum)]
    model: ModelKind,
    /// The solvers, comma-separated (default: all that fit the model).
    #[arg(long, value_enum, value_delimiter = ',')]
    solvers: Vec<SolverName>,
    /// Logistic: inverse regularization strength, as scikit-learn's C (default 1.0).
    #[arg(long = "C", allow_hyphen_values = true, value_parser = args::positive)]
    c: Option<f64>,
    /// Linear: the penalty's strength α: Ridge's (default 0), or with --l1-ratio the
    /// Lasso's and ElasticNet's.
    #[arg(long, allow_hyphen_values = true, value_parser = args::non_negative)]
    alpha: Option<f64>,
    #[command(flatten)]
    penalty: PenaltyArgs,
    /// The learning rate of gd (default 0.1, in the preconditioned coordinates).
    #[arg(long, allow_hyphen_values = true, value_parser = args::positive)]
    learning_rate: Option<f64>,
    /// Every iterative solver is converged when ‖∇F‖₂ ≤ tol; with an L1 part in the
    /// penalty, when the duality gap is at most tol times the objective.
    #[arg(long, default_value_t = 1e-8, allow_hyphen_values = true, value_parser = args::non_negative)]
    tol: f64,
    /// The iteration limit of each solver.
    #[arg(long, default_value_t = 1000, allow_hyphen_values = true, value_parser = args::positive_count)]
    max_iter: usize,
    /// Run on the raw coordinates (by default the solvers work on centered, scaled features).
    #[arg(long)]
    no_precondition: bool,
    /// Fit each solver this many times and report the median time (the first fit of a run
    /// also pays for warming caches and BLAS threads).
    #[arg(long, default_value_t = 3, allow_hyphen_values = true, value_parser = args::repeats)]
    repeat: usize,
    /// Draw the gap to the best objective against iteration and against time (.svg or .png).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// How the features are stored while fitting, as `descent fit --dtype` (f32: half the
    /// memory and bytes per pass; every sum still in f64).
    #[arg(long, value_enum, default_value_t = Dtype::F64)]
    dtype: Dtype,
}

/// One point of a solver's progress.
#[derive(Debug, Serialize)]
struct Point {
    iteration: usize,
    /// Seconds since the solver started.
    seconds: f64,
    objective: f64,
}

#[derive(Debug, Serialize)]
struct Run {
    solver: String,
    name: String,
    iterations: usize,
    evaluations: Evaluations,
    /// The whole fit, median over `--repeat` runs.
    seconds: f64,
    objective: f64,
    gap: f64,
    gradient_norm: Option<f64>,
    /// The certified bound on the distance to the optimum (proximal solvers).
    duality_gap: Option<f64>,
    /// Coefficients that are not zero (proximal solvers).
    non_zeros: Option<usize>,
    converged: bool,
    /// In a few words, as in the table.
    status: String,
    termination: String,
    history: Vec<Point>,
}

/// The solvers that form a `(p+1)²` matrix at every iteration (a Hessian or an inverse
/// Hessian): left out of the default race beyond `NEWTON_MAX_PARAMETERS` parameters.
const DENSE: [SolverName; 3] = [SolverName::Newton, SolverName::Bfgs, SolverName::NewtonCg];

/// Every solver that fits the model and the shape: with an L1 part in the penalty, the
/// proximal ones (and gradient descent, as ISTA); otherwise, with more parameters than
/// `NEWTON_MAX_PARAMETERS`, those that form dense `(p+1)²` matrices are left out (each of
/// their iterations costs `O(Np² + p³)`), and the second value says so.
fn default_solvers(
    model: ModelKind,
    sparse: bool,
    parameters: usize,
) -> (Vec<SolverName>, Option<String>) {
    if sparse {
        return (
            vec![SolverName::ProxNewton, SolverName::Fista, SolverName::Gd],
            None,
        );
    }
    let mut solvers = Vec::new();
    if model == ModelKind::Linear {
        solvers.push(SolverName::Lstsq);
    }
    solvers.extend([
        SolverName::Newton,
        SolverName::Lbfgs,
        SolverName::Bfgs,
        SolverName::NewtonCg,
        SolverName::Cg,
        SolverName::Steepest,
        SolverName::Gd,
    ]);
    if parameters <= descent_models::NEWTON_MAX_PARAMETERS {
        return (solvers, None);
    }
    solvers.retain(|s| !DENSE.contains(s));
    let note = format!(
        "newton, bfgs and newton-cg are left out: with {parameters} parameters each of their iterations forms a {parameters}² matrix; name them in --solvers to race them anyway"
    );
    (solvers, Some(note))
}

pub(crate) fn run(args: &RaceArgs, out: &mut impl Write) -> Result<Outcome> {
    if let Some(path) = &args.plot {
        plot::check_path(path)?;
        files::check_output("--plot", path, &[&args.data.data])?;
    }
    check_model_options(
        args.model,
        &[("--C", args.c.is_some())],
        &[("--alpha", args.alpha.is_some())],
    )?;
    args.penalty.check(args.model)?;
    args.penalty.check_alpha(args.model, args.alpha)?;
    match args.dtype {
        Dtype::F64 => race_as::<f64>(args, out),
        Dtype::F32 => race_as::<f32>(args, out),
    }
}

/// [`run`] with the features stored as `T`, after the options are checked.
fn race_as<T: Element>(args: &RaceArgs, out: &mut impl Write) -> Result<Outcome> {
    let sparse = args.penalty.sparse(args.model);
    let prepared = args.data.prepare_as::<T>(args.model, &[])?;
    let (x, y) = (prepared.train()?, prepared.y_train.view());
    let (solvers, left_out) = if args.solvers.is_empty() {
        default_solvers(
            args.model,
            sparse,
            crate::grid::parameter_count(args.model, &x, y),
        )
    } else {
        (args.solvers.clone(), None)
    };
    if args.learning_rate.is_some() && !solvers.contains(&SolverName::Gd) {
        bail!("--learning-rate applies to gd, which is not in --solvers");
    }
    let settings = ModelSettings {
        kind: args.model,
        c: args.c,
        alpha: args.alpha,
        penalty: args.penalty.penalty(),
        l1_ratio: args.penalty.l1_ratio,
        tol: Some(args.tol),
        max_iter: Some(args.max_iter),
        threshold: None,
        fit_intercept: true,
        precondition: !args.no_precondition,
        class_weight: prepared.class_weight.clone(),
    };
    let bar = progress::start(
        Some((solvers.len() * args.repeat) as u64),
        "racing",
        args.quiet || args.json,
    );
    let mut fitted = Vec::new();
    for name in &solvers {
        let rate = (*name == SolverName::Gd)
            .then_some(args.learning_rate)
            .flatten();
        let solver = name.solver(rate)?;
        let mut times = Vec::new();
        let mut last = None;
        for _ in 0..args.repeat {
            bar.set_message(solver.to_string());
            let started = Instant::now();
            let model = settings
                .fit(solver, &x, y, prepared.train_weight())
                .map_err(|e| prepared.explain(e))
                .with_context(|| format!("solver {}", solver.short_name()))?;
            times.push(started.elapsed().as_secs_f64());
            last = Some(model);
            bar.inc(1);
        }
        times.sort_by(f64::total_cmp);
        if let Some(model) = last {
            fitted.push((*name, solver, model, times[times.len() / 2]));
        }
    }
    bar.finish_and_clear();

    // The best objective any solver reached, at any iteration.
    let best = fitted
        .iter()
        .flat_map(|(_, _, model, _)| {
            let report = model.report();
            report.history.iter().map(|r| r.value).chain([report.value])
        })
        .filter(|v| v.is_finite())
        .fold(f64::INFINITY, f64::min);
    let runs: Vec<Run> = fitted
        .iter()
        .map(|(name, solver, model, seconds)| {
            let report = model.report();
            let mut history: Vec<Point> = report
                .history
                .iter()
                .map(|r| Point {
                    iteration: r.iteration,
                    seconds: r.elapsed.as_secs_f64(),
                    objective: r.value,
                })
                .collect();
            if history.is_empty() {
                // A closed-form solve: one step from nothing to the answer.
                history.push(Point {
                    iteration: 1,
                    seconds: report.elapsed.as_secs_f64(),
                    objective: report.value,
                });
            }
            Run {
                solver: solver.to_string(),
                name: cli_name(*name),
                iterations: report.iterations,
                evaluations: report.evaluations,
                seconds: *seconds,
                objective: report.value,
                gap: report.value - best,
                gradient_norm: report.gradient_norm,
                duality_gap: report.duality_gap,
                non_zeros: report.non_zeros,
                converged: report.converged(),
                status: report.termination.brief(),
                termination: report.termination.to_string(),
                history,
            }
        })
        .collect();

    if let Some(path) = &args.plot {
        let name = model_name(args.model, y);
        plot::save(
            path,
            &race_figure(args, (name, &prepared.target_name), &runs, best),
        )?;
    }
    if args.json {
        #[derive(Serialize)]
        struct Race<'a> {
            data: String,
            model: &'static str,
            rows: usize,
            features: usize,
            dtype: &'static str,
            tol: f64,
            max_iter: usize,
            preconditioned: bool,
            best_objective: f64,
            runs: &'a [Run],
        }
        crate::output::write_json(
            out,
            &Race {
                data: args.data.data.display().to_string(),
                model: model_name(args.model, y),
                rows: x.nrows(),
                features: x.ncols(),
                dtype: T::NAME,
                tol: args.tol,
                max_iter: args.max_iter,
                preconditioned: !args.no_precondition,
                best_objective: best,
                runs: &runs,
            },
        )?;
        return Ok(Outcome {
            warnings: left_out.into_iter().collect(),
            strict_failure: false,
        });
    }
    writeln!(
        out,
        "{} on {}: {} rows, {} features{}{}; tol {}, at most {} iterations{}\n",
        model_name(args.model, y),
        args.data.data.display(),
        x.nrows(),
        x.ncols(),
        args.data.words(),
        stored_as(T::NAME),
        Sig(args.tol, 3),
        args.max_iter,
        if args.no_precondition {
            ", no preconditioning"
        } else {
            ""
        },
    )?;
    let width = runs
        .iter()
        .map(|r| r.solver.chars().count())
        .max()
        .unwrap_or(6);
    writeln!(
        out,
        "{:<width$}  {:>6}  {:>7}  {:>7}  {:>7}  {:>10}  {:>18}  {:>9}  {:>9}{}  termination",
        "solver",
        "iters",
        "f evals",
        "∇ evals",
        "H evals",
        "time ms",
        "objective",
        "gap",
        "‖∇F‖",
        if sparse {
            format!("  {:>9}  {:>8}", "dual gap", "non-zero")
        } else {
            String::new()
        }
    )?;
    for run in &runs {
        let certificate = if sparse {
            format!(
                "  {:>9}  {:>8}",
                run.duality_gap
                    .map_or("-".to_owned(), |g| Sig(g, 2).to_string()),
                run.non_zeros.map_or("-".to_owned(), |k| k.to_string())
            )
        } else {
            String::new()
        };
        writeln!(
            out,
            "{:<width$}  {:>6}  {:>7}  {:>7}  {:>7}  {:>10}  {:>18}  {:>9}  {:>9}{certificate}  {}",
            run.solver,
            run.iterations,
            run.evaluations.value,
            run.evaluations.gradient,
            run.evaluations.hessian,
            Sig(run.seconds * 1e3, 4),
            Sig(run.objective, 12),
            Sig(run.gap, 2),
            run.gradient_norm
                .map_or("-".to_owned(), |g| Sig(g, 2).to_string()),
            run.status
        )?;
    }
    if let Some(fastest) = runs
        .iter()
        .filter(|r| r.converged)
        .min_by(|a, b| a.seconds.total_cmp(&b.seconds))
    {
        writeln!(
            out,
            "\nfastest to converge: {} in {} ms{}",
            fastest.solver,
            Sig(fastest.seconds * 1e3, 4),
            if args.repeat > 1 {
                format!(" (median of {})", args.repeat)
            } else {
                String::new()
            }
        )?;
    }
    if let Some(path) = &args.plot {
        writeln!(out, "plot: {}", path.display())?;
    }
    Ok(Outcome {
        warnings: left_out.into_iter().collect(),
        strict_failure: false,
    })
}

/// The model's name in words: a logistic model on a target of more than two classes is the
/// multinomial one.
pub(crate) fn model_name(kind: ModelKind, y: ndarray::ArrayView1<'_, f64>) -> &'static str {
    match kind {
        ModelKind::Logistic if crate::fit::more_than_two_classes(y) => {
            "multinomial logistic regression"
        }
        ModelKind::Logistic => "logistic regression",
        ModelKind::Linear => "linear regression",
    }
}

/// The gap `f − f_best` against iteration and against time, one line per solver, on log
/// axes. A gap of 0 (the best run's end) is drawn at a floor of 1e-16·max(1, |f_best|).
fn race_figure(args: &RaceArgs, (name, target): (&str, &str), runs: &[Run], best: f64) -> Figure {
    let floor = 1e-16 * best.abs().max(1.0);
    let gap = |objective: f64| (objective - best).max(floor);
    let mut by_iteration = Vec::new();
    let mut by_time = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let color = plot::color(i);
        let label = format!("{} ({})", run.solver, run.status);
        let iterations: Vec<(f64, f64)> = run
            .history
            .iter()
            .filter(|p| p.iteration > 0)
            .map(|p| (p.iteration as f64, gap(p.objective)))
            .collect();
        let times: Vec<(f64, f64)> = run
            .history
            .iter()
            .filter(|p| p.iteration > 0 && p.seconds > 0.0)
            .map(|p| (p.seconds * 1e3, gap(p.objective)))
            .collect();
        // A run of one or two iterations (a closed form, Newton on a quadratic) would be an
        // invisible line: mark its points.
        let style = if iterations.len() <= 3 {
            Style::LineWithMarkers
        } else {
            Style::Line
        };
        by_iteration.push(Series::new(label.clone(), iterations, style, color));
        by_time.push(Series::new(label, times, style, color));
    }
    let title = format!(
        "{name} on {} ({target})",
        args.data.data.file_name().map_or_else(
            || args.data.data.display().to_string(),
            |n| n.to_string_lossy().into_owned()
        )
    );
    let y_label = "objective − best objective".to_owned();
    Figure {
        charts: vec![
            Chart {
                title: format!("{title}: gap by iteration"),
                x_label: "iteration".into(),
                y_label: y_label.clone(),
                x_log: true,
                y_log: true,
                series: by_iteration,
                ..Chart::default()
            },
            Chart {
                title: "gap by time".into(),
                x_label: "time in the solver (ms)".into(),
                y_label,
                x_log: true,
                y_log: true,
                series: by_time,
                ..Chart::default()
            },
        ],
        // One above the other, so that each keeps its full width where the figure is shown
        // narrow (a README, a notebook).
        columns: 1,
        // Taller panels: the legend of seven solvers goes below each chart.
        panel: (plot::PANEL.0, 760),
    }
}
