//! `descent path`: a model over a range of its regularization strength (C for logistic, alpha
//! for linear), warm-started from one fit to the next, with train and test scores, the
//! number of non-zero coefficients and the coefficients at each value.

use crate::data::DataArgs;
use crate::fit::{stored_as, Dtype, ModelSettings};
use crate::grid::{self, strength_name, GridArgs, Plan};
use crate::number::Sig;
use crate::output::Metrics;
use crate::plot::{self, Chart, Figure, Series, Style};
use crate::{args, files, progress, ModelKind, Outcome};
use anyhow::{Context, Result};
use descent_models::{Model, Solver};
use descent_objectives::{DesignMatrix, Element};
use ndarray::ArrayView1;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub(crate) struct PathArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The model (default logistic).
    #[arg(long, value_enum, default_value = "logistic")]
    model: ModelKind,
    #[command(flatten)]
    grid: GridArgs,
    /// How many values (at most 10 000; default 17, or 30 with an L1 part).
    #[arg(long, allow_hyphen_values = true, value_parser = args::path_points)]
    num: Option<usize>,
    /// Draw the scores, the number of non-zeros and the coefficients against the strength
    /// (.svg or .png).
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
    /// Logistic regression's C.
    #[serde(rename = "C", skip_serializing_if = "Option::is_none")]
    c: Option<f64>,
    /// Linear regression's alpha.
    #[serde(skip_serializing_if = "Option::is_none")]
    alpha: Option<f64>,
    /// The strength, whichever it is.
    #[serde(skip)]
    value: f64,
    iterations: usize,
    cold_iterations: usize,
    converged: bool,
    seconds: f64,
    cold_seconds: f64,
    /// Coefficients that are not zero.
    non_zeros: usize,
    /// The certified bound on the distance to the optimum (proximal solvers).
    #[serde(skip_serializing_if = "Option::is_none")]
    duality_gap: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    train_accuracy: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    train_log_loss: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    test_accuracy: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    test_log_loss: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    train_r2: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    train_mse: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    test_r2: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    test_mse: Option<f64>,
    coef: crate::output::Coefficients,
    intercept: crate::output::Intercepts,
}

impl Step {
    /// The two scores of the table and figure: accuracy and log loss, or R² and MSE; train
    /// and test.
    fn scores(&self) -> [(Option<f64>, Option<f64>); 2] {
        if self.train_log_loss.is_some() {
            [
                (self.train_accuracy, self.test_accuracy),
                (self.train_log_loss, self.test_log_loss),
            ]
        } else {
            [
                (self.train_r2, self.test_r2),
                (self.train_mse, self.test_mse),
            ]
        }
    }
}

/// The names of the two scores of a model kind: one to maximize, one to minimize (the
/// second chooses the value).
fn score_names(kind: ModelKind) -> [&'static str; 2] {
    match kind {
        ModelKind::Logistic => ["accuracy", "log loss"],
        ModelKind::Linear => ["R²", "MSE"],
    }
}

/// Fits at `value` and times it (the whole fit, wall clock).
fn timed(
    settings: &ModelSettings,
    solver: Solver,
    value: f64,
    x: &DesignMatrix<'_>,
    y: ArrayView1<'_, f64>,
    w: Option<ArrayView1<'_, f64>>,
    previous: Option<&Model>,
) -> Result<(Model, f64), descent_models::ModelError> {
    let started = Instant::now();
    let model = grid::fit_at(settings, solver, value, x, y, w, previous)?;
    Ok((model, started.elapsed().as_secs_f64()))
}

pub(crate) fn run(args: &PathArgs, out: &mut impl Write) -> Result<Outcome> {
    if let Some(path) = &args.plot {
        plot::check_path(path)?;
        files::check_output("--plot", path, &[&args.data.data])?;
    }
    args.grid.check(args.model)?;
    match args.grid.dtype {
        Dtype::F64 => path_as::<f64>(args, out),
        Dtype::F32 => path_as::<f32>(args, out),
    }
}

/// [`run`] with the features stored as `T`, after the options are checked.
fn path_as<T: Element>(args: &PathArgs, out: &mut impl Write) -> Result<Outcome> {
    let prepared = args.data.prepare_as::<T>(args.model, &[])?;
    let sparse = args.grid.penalty.sparse(args.model);
    let num = args.num.unwrap_or(if sparse { 30 } else { 17 });
    let Plan {
        settings,
        solver,
        values,
        sparse,
    } = args.grid.plan(args.model, &prepared, num)?;
    let (x, y, w) = (
        prepared.train()?,
        prepared.y_train.view(),
        prepared.train_weight(),
    );
    let test_part = prepared.test()?;
    let strength = strength_name(args.model);
    let bar = progress::start(
        Some(values.len() as u64),
        &format!("path over {strength}"),
        args.quiet || args.json,
    );
    let mut steps = Vec::new();
    let mut previous: Option<Model> = None;
    for &value in &values {
        bar.set_message(format!("{strength} = {value:.3e}"));
        let (model, seconds) = timed(&settings, solver, value, &x, y, w, previous.as_ref())
            .map_err(|e| prepared.explain(e))
            .with_context(|| format!("fitting at {strength} = {value}"))?;
        let (cold, cold_seconds) = timed(&settings, solver, value, &x, y, w, None)?;
        let train = Metrics::of(&model, &x, y, w)?;
        let test = match &test_part {
            Some((xt, yt)) => Some(Metrics::of(&model, xt, *yt, prepared.test_weight())?),
            None => None,
        };
        steps.push(step(
            args.model,
            value,
            &model,
            &cold,
            seconds,
            cold_seconds,
            &train,
            test.as_ref(),
        ));
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
    // The chosen value: the lowest test log loss or MSE.
    let chosen = steps
        .iter()
        .filter_map(|s| s.scores()[1].1.map(|l| (s.value, l)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let not_converged: Vec<String> = steps
        .iter()
        .filter(|s| !s.converged)
        .map(|s| Sig(s.value, 3).to_string())
        .collect();
    let warnings: Vec<String> = if not_converged.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "the fits at {strength} = {} did not converge to --tol {} (see the table); raise --max-iter",
            not_converged.join(", "),
            Sig(args.grid.tol, 3)
        )]
    };
    if let Some(path) = &args.plot {
        plot::save(
            path,
            &path_figure(
                args.model,
                sparse,
                &prepared.feature_names,
                &steps,
                chosen.map(|c| c.0),
            ),
        )?;
    }
    let model_name = crate::race::model_name(args.model, y);
    if args.json {
        #[derive(Serialize)]
        struct PathSummary<'a> {
            data: String,
            model: &'static str,
            solver: String,
            penalty: String,
            train_rows: usize,
            test_rows: usize,
            standardized: bool,
            /// How the features were stored while fitting (`--dtype`).
            dtype: &'static str,
            feature_names: &'a [String],
            warm_seconds: f64,
            cold_seconds: f64,
            warm_iterations: f64,
            cold_iterations: f64,
            #[serde(rename = "chosen_C", skip_serializing_if = "Option::is_none")]
            chosen_c: Option<f64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            chosen_alpha: Option<f64>,
            path: &'a [Step],
        }
        let chosen_value = chosen.map(|c| c.0);
        crate::output::write_json(
            out,
            &PathSummary {
                data: args.data.data.display().to_string(),
                model: model_name,
                solver: solver.to_string(),
                penalty: penalty_words(&settings),
                train_rows: x.nrows(),
                test_rows: prepared.test_rows(),
                standardized: args.data.standardize,
                dtype: T::NAME,
                feature_names: &prepared.feature_names,
                warm_seconds,
                cold_seconds,
                warm_iterations,
                cold_iterations,
                chosen_c: chosen_value.filter(|_| args.model == ModelKind::Logistic),
                chosen_alpha: chosen_value.filter(|_| args.model == ModelKind::Linear),
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
        "{model_name} ({}) on {} over {} values of {strength}, {}; {} training rows, {} test rows{}{}\n",
        penalty_words(&settings),
        args.data.data.display(),
        steps.len(),
        solver,
        x.nrows(),
        prepared.test_rows(),
        args.data.words(),
        stored_as(T::NAME)
    )?;
    let [first, second] = score_names(args.model);
    writeln!(
        out,
        "{:>10}  {:>6}  {:>6}  {:>9}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}",
        strength,
        "iters",
        "cold",
        "non-zeros",
        format!("train {first}"),
        format!("test {first}"),
        format!("train {second}"),
        format!("test {second}"),
        "‖w‖₂"
    )?;
    let optional =
        |v: Option<f64>, digits: usize| v.map_or("-".to_owned(), |v| Sig(v, digits).to_string());
    for s in &steps {
        let norm = s.coef.flat().iter().map(|w| w * w).sum::<f64>().sqrt();
        let [(train_a, test_a), (train_b, test_b)] = s.scores();
        writeln!(
            out,
            "{:>10}  {:>6}  {:>6}  {:>9}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}{}",
            Sig(s.value, 3),
            s.iterations,
            s.cold_iterations,
            s.non_zeros,
            optional(train_a, 4),
            optional(test_a, 4),
            optional(train_b, 5),
            optional(test_b, 5),
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
    if let Some((value, loss)) = chosen {
        writeln!(
            out,
            "lowest test {second}: {} at {strength} = {} (marked on the plot); to choose without the test rows, use descent cv",
            Sig(loss, 5),
            Sig(value, 3)
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

/// The penalty of `settings` in a few words: "L2", "L1", "elastic net, l1_ratio 0.5",
/// "Ridge", "Lasso".
pub(crate) fn penalty_words(settings: &ModelSettings) -> String {
    use descent_models::Penalty;
    match (settings.kind, settings.penalty, settings.l1_ratio) {
        (ModelKind::Logistic, Penalty::L2, _) => "L2".to_owned(),
        (ModelKind::Logistic, Penalty::L1, _) => "L1".to_owned(),
        (ModelKind::Logistic, Penalty::None, _) => "no penalty".to_owned(),
        (ModelKind::Logistic, Penalty::ElasticNet, r) | (ModelKind::Linear, _, r @ Some(_))
            if r != Some(1.0) =>
        {
            format!("elastic net, l1_ratio {}", Sig(r.unwrap_or(f64::NAN), 4))
        }
        (ModelKind::Linear, _, Some(_)) => "Lasso".to_owned(),
        (ModelKind::Logistic, Penalty::ElasticNet, _) => "elastic net".to_owned(),
        (ModelKind::Linear, _, None) => "Ridge".to_owned(),
    }
}

/// One row of the path.
#[allow(clippy::too_many_arguments)]
fn step(
    kind: ModelKind,
    value: f64,
    model: &Model,
    cold: &Model,
    seconds: f64,
    cold_seconds: f64,
    train: &Metrics,
    test: Option<&Metrics>,
) -> Step {
    let report = model.report();
    let (coef, intercept) = crate::output::coefficients(model);
    let mut step = Step {
        c: (kind == ModelKind::Logistic).then_some(value),
        alpha: (kind == ModelKind::Linear).then_some(value),
        value,
        iterations: report.iterations,
        cold_iterations: cold.report().iterations,
        converged: report.converged(),
        seconds,
        cold_seconds,
        non_zeros: model.coef().iter().filter(|w| **w != 0.0).count(),
        duality_gap: report.duality_gap,
        train_accuracy: None,
        train_log_loss: None,
        test_accuracy: None,
        test_log_loss: None,
        train_r2: None,
        train_mse: None,
        test_r2: None,
        test_mse: None,
        coef,
        intercept,
    };
    match train {
        Metrics::Classification(m) => {
            step.train_accuracy = Some(m.accuracy);
            step.train_log_loss = Some(m.log_loss);
        }
        Metrics::Multiclass(m) => {
            step.train_accuracy = Some(m.accuracy);
            step.train_log_loss = Some(m.log_loss);
        }
        Metrics::Regression(m) => {
            step.train_r2 = m.r2;
            step.train_mse = Some(m.mse);
        }
    }
    match test {
        Some(Metrics::Classification(m)) => {
            step.test_accuracy = Some(m.accuracy);
            step.test_log_loss = Some(m.log_loss);
        }
        Some(Metrics::Multiclass(m)) => {
            step.test_accuracy = Some(m.accuracy);
            step.test_log_loss = Some(m.log_loss);
        }
        Some(Metrics::Regression(m)) => {
            step.test_r2 = m.r2;
            step.test_mse = Some(m.mse);
        }
        None => {}
    }
    step
}

/// How many coefficient paths get a legend entry (the largest at the weakest penalty).
const NAMED_COEFFICIENTS: usize = 8;

fn path_figure(
    kind: ModelKind,
    sparse: bool,
    feature_names: &[String],
    steps: &[Step],
    chosen: Option<f64>,
) -> Figure {
    let strength = strength_name(kind);
    let along = |f: &dyn Fn(&Step) -> Option<f64>| -> Vec<(f64, f64)> {
        steps
            .iter()
            .filter_map(|s| f(s).map(|v| (s.value, v)))
            .collect()
    };
    let pair = |which: usize| {
        let mut series = vec![Series::new(
            "train",
            along(&|s| s.scores()[which].0),
            Style::LineWithMarkers,
            plot::color(0),
        )];
        let test = along(&|s| s.scores()[which].1);
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
    // Every coefficient's trace; a multinomial model's are named "feature (class k)".
    let traces: Vec<Vec<f64>> = steps.iter().map(|s| s.coef.flat()).collect();
    let p = feature_names.len().max(1);
    let count = traces.first().map_or(0, Vec::len);
    let name = |i: usize| {
        if count == p {
            feature_names[i].clone()
        } else {
            format!("{} (class {})", feature_names[i % p], i / p)
        }
    };
    // Name the coefficients that are largest at the weakest regularization (the last step).
    let mut order: Vec<usize> = (0..count).collect();
    if let Some(last) = traces.last() {
        order.sort_by(|&a, &b| last[b].abs().total_cmp(&last[a].abs()));
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
                name(j),
                steps
                    .iter()
                    .zip(&traces)
                    .map(|(s, w)| (s.value, w[j]))
                    .collect(),
                Style::Line,
                rank.map_or(plotters::style::RGBColor(200, 200, 200), plot::color),
            );
            series.legend = rank.is_some();
            series
        })
        .collect();
    let x_label = match kind {
        ModelKind::Logistic => "C (inverse regularization strength)".to_owned(),
        ModelKind::Linear => "alpha (regularization strength)".to_owned(),
    };
    let chart = |title: String, y: &str, series| Chart {
        title,
        x_label: x_label.clone(),
        y_label: y.into(),
        x_log: true,
        series,
        marker: chosen.map(|c| (c, format!("chosen {strength} = {}", Sig(c, 3)))),
        ..Chart::default()
    };
    let [first, second] = score_names(kind);
    let capital = |name: &str| {
        let mut chars = name.chars();
        chars.next().map_or(String::new(), |c| {
            c.to_uppercase().chain(chars).collect::<String>()
        })
    };
    let mut charts = vec![
        chart(
            format!("{} against {strength}", capital(first)),
            first,
            pair(0),
        ),
        chart(
            format!("{} against {strength}", capital(second)),
            second,
            pair(1),
        ),
    ];
    if sparse {
        charts.push(chart(
            format!("Non-zero coefficients against {strength}"),
            "non-zero coefficients",
            vec![Series::new(
                "non-zeros",
                steps
                    .iter()
                    .map(|s| (s.value, s.non_zeros as f64))
                    .collect(),
                Style::LineWithMarkers,
                plot::color(2),
            )],
        ));
    }
    charts.push(chart(
        format!("Coefficients against {strength}"),
        "coefficient",
        coefficients,
    ));
    Figure {
        charts,
        // One above the other, so that each keeps its full width where the figure is shown
        // narrow (a README, a notebook).
        columns: 1,
        panel: plot::PANEL,
    }
}
