//! `descent convergence`: the course's figure of iterations against the starting point.

use super::{check_start, linspace, parse_expression, stopping};
use crate::number::Sig;
use crate::plot::{self, finite_range, Chart, Figure, Series, Style};
use crate::{args, Outcome};
use anyhow::Result;
use descent_objectives::expression::{abbreviate, Expression};
use descent_solvers::{GradientDescent, Minimize, Newton, Report};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(crate) struct ConvergenceArgs {
    /// The function of x, e.g. "x^4 - 3*x^2 + x" (quote it).
    #[arg(allow_hyphen_values = true)]
    expression: String,
    /// The starting points: an interval a..b, split into --num evenly spaced points.
    #[arg(long, default_value = "-10..10", allow_hyphen_values = true, value_parser = args::interval)]
    starts: (f64, f64),
    /// How many starting points (at most 100 000).
    #[arg(long, default_value_t = 41, allow_hyphen_values = true, value_parser = args::starts)]
    num: usize,
    /// The learning rate γ > 0 of gradient descent.
    #[arg(long, default_value_t = 0.1, allow_hyphen_values = true, value_parser = args::positive)]
    learning_rate: f64,
    /// Converged when |f′(x)| is at most this.
    #[arg(long, default_value_t = 1e-6, allow_hyphen_values = true, value_parser = args::non_negative)]
    tol: f64,
    /// The course's rule: also stop when a step moves less than this (|Δx|); such a stop
    /// counts as converged only if |f′| ≤ --tol there (default: off).
    #[arg(long, allow_hyphen_values = true, value_parser = args::non_negative)]
    step_tol: Option<f64>,
    /// The iteration limit of each run.
    #[arg(long, default_value_t = 1000, allow_hyphen_values = true, value_parser = args::positive_count)]
    max_iter: usize,
    /// Draw iterations against the starting point (.svg or .png).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

/// Picks one solver's outcome from a start.
type Pick = fn(&Start) -> &RunOutcome;

#[derive(Debug, Serialize)]
struct Start {
    x0: f64,
    gd: RunOutcome,
    newton: RunOutcome,
}

#[derive(Debug, Serialize)]
struct RunOutcome {
    converged: bool,
    iterations: usize,
    x: f64,
    termination: String,
}

impl RunOutcome {
    fn of(report: Option<&Report<f64>>) -> Self {
        match report {
            Some(r) => RunOutcome {
                converged: r.converged(),
                iterations: r.iterations,
                x: r.x,
                termination: r.termination.brief(),
            },
            None => RunOutcome {
                converged: false,
                iterations: 0,
                x: f64::NAN,
                termination: "not started: f or f′ not finite".into(),
            },
        }
    }
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

pub(crate) fn run(args: &ConvergenceArgs, out: &mut impl Write) -> Result<Outcome> {
    let f = parse_expression(&args.expression)?;
    if let Some(path) = &args.plot {
        plot::check_path(path)?;
    }
    let stop = stopping(args.tol, args.step_tol, args.max_iter);
    let gd = GradientDescent::new(args.learning_rate).stopping(stop);
    let newton = Newton::new().stopping(stop);
    let mut starts = Vec::new();
    for x0 in linspace(args.starts.0, args.starts.1, args.num) {
        let finite = check_start(&f, x0).is_ok();
        let g = finite.then(|| gd.minimize(&f, x0)).transpose()?;
        let n = finite.then(|| newton.minimize(&f, x0)).transpose()?;
        starts.push(Start {
            x0,
            gd: RunOutcome::of(g.as_ref()),
            newton: RunOutcome::of(n.as_ref()),
        });
    }
    let converged_iterations = |pick: Pick| -> Vec<f64> {
        starts
            .iter()
            .map(pick)
            .filter(|r| r.converged)
            .map(|r| r.iterations as f64)
            .collect()
    };
    let mut gd_iterations = converged_iterations(|s| &s.gd);
    let mut newton_iterations = converged_iterations(|s| &s.newton);
    let spread = |v: &[f64]| finite_range(v.iter().copied());
    let (gd_spread, newton_spread) = (spread(&gd_iterations), spread(&newton_iterations));
    let (gd_median, newton_median) = (median(&mut gd_iterations), median(&mut newton_iterations));
    if let Some(path) = &args.plot {
        plot::save(path, &Figure::single(convergence_chart(&f, args, &starts)))?;
    }
    if args.json {
        #[derive(Serialize)]
        struct Convergence<'a> {
            expression: &'a str,
            learning_rate: f64,
            tol: f64,
            max_iter: usize,
            gd_median_iterations: Option<f64>,
            newton_median_iterations: Option<f64>,
            starts: &'a [Start],
        }
        crate::output::write_json(
            out,
            &Convergence {
                expression: f.text(),
                learning_rate: args.learning_rate,
                tol: args.tol,
                max_iter: args.max_iter,
                gd_median_iterations: gd_median,
                newton_median_iterations: newton_median,
                starts: &starts,
            },
        )?;
        return Ok(Outcome::done());
    }
    let rule = super::rule(args.tol, args.step_tol);
    writeln!(
        out,
        "iterations to {rule} on f(x) = {}: gradient descent (γ = {}) and Newton\n",
        abbreviate(f.text()),
        Sig(args.learning_rate, 6)
    )?;
    writeln!(
        out,
        "{:>12}  {:>10}  {:>14}  {:>10}  {:>14}",
        "x0", "gd iters", "gd x*", "Newton", "Newton x*"
    )?;
    let cell = |r: &RunOutcome| {
        if r.converged {
            r.iterations.to_string()
        } else {
            r.termination.clone()
        }
    };
    for s in &starts {
        writeln!(
            out,
            "{:>12}  {:>10}  {:>14}  {:>10}  {:>14}",
            Sig(s.x0, 6),
            cell(&s.gd),
            Sig(s.gd.x, 7),
            cell(&s.newton),
            Sig(s.newton.x, 7)
        )?;
    }
    let describe = |name: &str, median: Option<f64>, spread: Option<(f64, f64)>, count: usize| {
        match (median, spread) {
            (Some(m), Some((lo, hi))) => format!(
                "{name}: converged from {count} of {} starts, median {m} iterations (from {lo} to {hi})",
                starts.len()
            ),
            _ => format!("{name}: converged from none of the {} starts", starts.len()),
        }
    };
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        describe(
            "gradient descent",
            gd_median,
            gd_spread,
            gd_iterations.len()
        )
    )?;
    writeln!(
        out,
        "{}",
        describe(
            "Newton",
            newton_median,
            newton_spread,
            newton_iterations.len()
        )
    )?;
    if let (Some(g), Some(n)) = (gd_median, newton_median) {
        if n > 0.0 {
            writeln!(
                out,
                "median ratio: Newton needs {:.1}× fewer iterations",
                g / n
            )?;
        }
    }
    if let Some(path) = &args.plot {
        writeln!(out, "plot: {}", path.display())?;
    }
    Ok(Outcome::done())
}

fn convergence_chart(f: &Expression, args: &ConvergenceArgs, starts: &[Start]) -> Chart {
    let mut series = Vec::new();
    let solvers: [(&str, Pick); 2] = [("gradient descent", |s| &s.gd), ("Newton", |s| &s.newton)];
    for (i, (name, pick)) in solvers.into_iter().enumerate() {
        let converged: Vec<(f64, f64)> = starts
            .iter()
            .filter(|s| pick(s).converged)
            .map(|s| (s.x0, pick(s).iterations as f64))
            .collect();
        let failed: Vec<(f64, f64)> = starts
            .iter()
            .filter(|s| !pick(s).converged)
            .map(|s| (s.x0, args.max_iter as f64))
            .collect();
        let label = if i == 0 {
            format!("{name} (γ = {})", args.learning_rate)
        } else {
            name.to_owned()
        };
        series.push(Series::new(
            label,
            converged,
            Style::LineWithMarkers,
            plot::color(i),
        ));
        if !failed.is_empty() {
            series.push(Series::new(
                format!("{name}: not converged (plotted at the limit)"),
                failed,
                Style::Crosses,
                plot::color(i),
            ));
        }
    }
    // A log axis only when the counts span more than a decade and a half.
    let counts = series.iter().flat_map(|s| s.points.iter().map(|p| p.1));
    let spans_decades = finite_range(counts).is_some_and(|(lo, hi)| lo > 0.0 && hi / lo > 30.0);
    Chart {
        title: format!(
            "Iterations to converge on f(x) = {}, by starting point",
            abbreviate(f.text())
        ),
        x_label: "starting point x0".into(),
        y_label: "iterations".into(),
        y_log: spans_decades,
        series,
        ..Chart::default()
    }
}
