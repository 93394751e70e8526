//! `descent sweep-lr`: the course's learning-rate figure.

use super::{check_start, parse_expression, stopping};
use crate::number::Sig;
use crate::plot::{self, finite_range, Chart, Figure, Series, Style};
use crate::{args, Outcome};
use anyhow::{Context, Result};
use descent_objectives::expression::{abbreviate, Expression};
use descent_solvers::{GradientDescent, Minimize, Newton, Report, Termination};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(crate) struct SweepArgs {
    /// The function of x, e.g. "(x - 2)^2" (quote it).
    #[arg(allow_hyphen_values = true)]
    expression: String,
    /// The learning rates, comma-separated, each > 0.
    #[arg(long, value_delimiter = ',', default_value = "0.001,0.01,0.1,0.4", allow_hyphen_values = true, value_parser = args::positive)]
    rates: Vec<f64>,
    /// The starting point.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true, value_parser = args::finite)]
    x0: f64,
    /// Converged when |f′(x)| is at most this.
    #[arg(long, default_value_t = 1e-6, allow_hyphen_values = true, value_parser = args::non_negative)]
    tol: f64,
    /// The course's rule: also stop when a step moves less than this (|Δx|); such a stop
    /// counts as converged only if |f′| ≤ --tol there (default: off).
    #[arg(long, allow_hyphen_values = true, value_parser = args::non_negative)]
    step_tol: Option<f64>,
    /// The iteration limit of each run.
    #[arg(long, default_value_t = 100, allow_hyphen_values = true, value_parser = args::positive_count)]
    max_iter: usize,
    /// Draw x against the iteration, one line per rate (.svg or .png).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

/// How a fixed-step run ended, in the words of the course's learning-rate figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "&'static str")]
enum RateOutcome {
    Converged,
    Diverged,
    Oscillates,
    TooSlow,
    Stalled,
    NoMinimum,
}

impl From<RateOutcome> for &'static str {
    fn from(outcome: RateOutcome) -> Self {
        outcome.text()
    }
}

impl RateOutcome {
    fn text(self) -> &'static str {
        match self {
            RateOutcome::Converged => "converged",
            RateOutcome::Diverged => "diverged",
            RateOutcome::Oscillates => "not converged: oscillates",
            RateOutcome::TooSlow => "not converged: too slow",
            RateOutcome::Stalled => "not converged: step below --step-tol",
            RateOutcome::NoMinimum => "no minimum: f keeps decreasing",
        }
    }
}

fn outcome(report: &Report<f64>) -> RateOutcome {
    match report.termination {
        Termination::Converged(_) => RateOutcome::Converged,
        Termination::Diverged => RateOutcome::Diverged,
        Termination::Stalled(_) => RateOutcome::Stalled,
        Termination::KeepsDecreasing => RateOutcome::NoMinimum,
        _ => {
            // Still moving at the limit: bouncing across the minimum or creeping towards it.
            // Across the last consecutive records, Δx changing sign is a bounce; where the
            // history was thinned, steps that no longer shrink are.
            let last: Vec<_> = report.history.iter().rev().take(7).collect();
            let consecutive = last
                .windows(2)
                .all(|w| w[0].iteration == w[1].iteration + 1);
            let bouncing = if consecutive {
                let steps: Vec<f64> = last.windows(2).map(|w| w[0].x - w[1].x).collect();
                steps.len() >= 2 && steps.windows(2).all(|s| s[0] * s[1] < 0.0)
            } else {
                last.len() >= 2 && last[0].step_length >= 0.5 * last[last.len() - 1].step_length
            };
            if bouncing {
                RateOutcome::Oscillates
            } else {
                RateOutcome::TooSlow
            }
        }
    }
}

#[derive(Debug, Serialize)]
struct SweepRun {
    learning_rate: f64,
    outcome: RateOutcome,
    iterations: usize,
    x: f64,
    f: f64,
    df: f64,
    trajectory: Vec<(usize, f64)>,
}

pub(crate) fn run(args: &SweepArgs, out: &mut impl Write) -> Result<Outcome> {
    let f = parse_expression(&args.expression)?;
    if let Some(path) = &args.plot {
        plot::check_path(path)?;
    }
    check_start(&f, args.x0)?;
    let stop = stopping(args.tol, args.step_tol, args.max_iter);
    let mut runs = Vec::new();
    for &rate in &args.rates {
        let report = GradientDescent::new(rate)
            .stopping(stop)
            .minimize(&f, args.x0)
            .with_context(|| format!("learning rate {rate}"))?;
        let (value, slope, _) = f.derivatives(report.x);
        runs.push(SweepRun {
            learning_rate: rate,
            outcome: outcome(&report),
            iterations: report.iterations,
            x: report.x,
            f: value,
            df: slope,
            trajectory: report.history.iter().map(|r| (r.iteration, r.x)).collect(),
        });
    }
    // The minimizer Newton's method finds from the same start, as a reference line.
    let reference = Newton::new()
        .stopping(stopping(1e-12, None, 1000))
        .minimize(&f, args.x0)
        .ok()
        .filter(Report::converged)
        .map(|r| r.x);
    if let Some(path) = &args.plot {
        plot::save(
            path,
            &Figure::single(sweep_chart(&f, args, &runs, reference)),
        )?;
    }
    if args.json {
        #[derive(Serialize)]
        struct Sweep<'a> {
            expression: &'a str,
            x0: f64,
            tol: f64,
            step_tol: Option<f64>,
            max_iter: usize,
            minimizer: Option<f64>,
            runs: &'a [SweepRun],
        }
        crate::output::write_json(
            out,
            &Sweep {
                expression: f.text(),
                x0: args.x0,
                tol: args.tol,
                step_tol: args.step_tol,
                max_iter: args.max_iter,
                minimizer: reference,
                runs: &runs,
            },
        )?;
        return Ok(Outcome::done());
    }
    let rule = super::rule(args.tol, args.step_tol);
    writeln!(
        out,
        "gradient descent on f(x) = {} from x0 = {}, to {rule}, at most {} iterations{}\n",
        abbreviate(f.text()),
        Sig(args.x0, 10),
        args.max_iter,
        reference.map_or(String::new(), |x| format!(
            "; Newton's minimizer x* = {}",
            Sig(x, 10)
        ))
    )?;
    writeln!(
        out,
        "{:>10}  {:<36}  {:>10}  {:>14}  {:>14}  {:>10}",
        "γ", "outcome", "iterations", "x", "f(x)", "|f′(x)|"
    )?;
    for run in &runs {
        writeln!(
            out,
            "{:>10}  {:<36}  {:>10}  {:>14}  {:>14}  {:>10}",
            Sig(run.learning_rate, 6),
            run.outcome.text(),
            run.iterations,
            Sig(run.x, 8),
            Sig(run.f, 8),
            Sig(run.df.abs(), 3)
        )?;
    }
    if let Some(path) = &args.plot {
        writeln!(out, "\nplot: {}", path.display())?;
    }
    Ok(Outcome::done())
}

fn sweep_chart(
    f: &Expression,
    args: &SweepArgs,
    runs: &[SweepRun],
    minimizer: Option<f64>,
) -> Chart {
    // The vertical range is that of the runs that stayed bounded; a diverging run leaves the
    // chart rather than flattening the others.
    let bounded = runs
        .iter()
        .filter(|r| r.outcome != RateOutcome::Diverged)
        .flat_map(|r| r.trajectory.iter().map(|p| p.1))
        .chain([args.x0])
        .chain(minimizer);
    let (lo, hi) = finite_range(bounded).unwrap_or((args.x0, args.x0));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let longest = runs
        .iter()
        .filter_map(|r| r.trajectory.last().map(|p| p.0))
        .max()
        .unwrap_or(1)
        .max(1);
    let mut series: Vec<Series> = runs
        .iter()
        .enumerate()
        .map(|(i, run)| {
            Series::new(
                format!("γ = {}: {}", Sig(run.learning_rate, 6), run.outcome.text()),
                run.trajectory.iter().map(|&(k, x)| (k as f64, x)).collect(),
                Style::Line,
                plot::color(i),
            )
        })
        .collect();
    if let Some(x) = minimizer {
        series.push(Series::new(
            format!("minimum x* = {}", Sig(x, 4)),
            vec![(0.0, x), (longest as f64, x)],
            Style::Dashed,
            plot::GRAY,
        ));
    }
    Chart {
        title: format!(
            "Gradient descent on f(x) = {}, by learning rate",
            abbreviate(f.text())
        ),
        x_label: "iteration".into(),
        y_label: "x".into(),
        x_range: Some(0.0..longest as f64),
        y_range: Some(lo - 0.1 * span..hi + 0.1 * span),
        series,
        ..Chart::default()
    }
}
