//! `descent minimize` on a function of x.

use super::{check_start, linspace, shown_rows, stopping, MinimizeArgs, MinimizeSolver};
use crate::number::Sig;
use crate::plot::{self, finite_range, Chart, Figure, Series, Style};
use crate::{cli_name, Outcome};
use anyhow::{bail, Context, Result};
use descent_objectives::expression::{abbreviate, Expression};
use descent_objectives::Objective;
use descent_solvers::{
    bracket_minimum, walk_downhill, Brent, Criterion, Downhill, GoldenSection, GradientDescent,
    Minimize, Newton, Report, Step, Termination,
};
use serde::Serialize;
use std::io::Write;

/// A 1-D run: where it started (and whether that was the default), the interval a
/// bracketing method searched, and the report.
struct Solved {
    x0: f64,
    default_start: bool,
    bracket: Option<(f64, f64)>,
    tol: f64,
    report: Report<f64>,
}

fn solve(args: &MinimizeArgs, f: &Expression) -> Result<Solved> {
    let max_iter = args.max_iter.unwrap_or(1000);
    let x0 = match args.x0.as_ref().map(|p| p.0.as_slice()) {
        None => None,
        Some([x0]) => Some(*x0),
        Some(values) => bail!(
            "--x0 has {} values, but f is a function of x alone",
            values.len()
        ),
    };
    let bracketing = matches!(args.solver, MinimizeSolver::Brent | MinimizeSolver::Golden);
    if args.bracket.is_some() && !bracketing {
        bail!("--bracket applies to --solver brent and golden only");
    }
    if args.finite_differences {
        bail!("--finite-differences applies to functions of several variables (derivatives in 1-D are exact)");
    }
    if bracketing {
        if args.step_tol.is_some() {
            bail!("--step-tol applies to --solver newton and gd (brent and golden stop on --tol)");
        }
        let (a, b, middle) = match args.bracket {
            Some((a, b)) => (a, b, None),
            None => {
                // No interval given: walk downhill from x0 until the function rises.
                let start = x0.unwrap_or(0.0);
                check_start(f, start)?;
                let found = bracket_minimum(f, start, 1.0)
                    .context("no --bracket given, and the search for one failed")?;
                (found.lower, found.upper, Some(found.middle))
            }
        };
        let start = x0.or(middle).unwrap_or((a + b) / 2.0);
        let report = if args.solver == MinimizeSolver::Brent {
            let mut brent = Brent::new(a, b).max_iterations(max_iter);
            if let Some(t) = args.tol {
                brent = brent.tolerance(t);
            }
            brent.minimize(f, start)?
        } else {
            let mut golden = GoldenSection::new(a, b).max_iterations(max_iter);
            if let Some(t) = args.tol {
                golden = golden.tolerance(t);
            }
            golden.minimize(f, start)?
        };
        return Ok(Solved {
            x0: start,
            default_start: false,
            bracket: Some((a, b)),
            tol: args.tol.unwrap_or(if args.solver == MinimizeSolver::Brent {
                1e-10
            } else {
                1e-8
            }),
            report,
        });
    }
    let start = x0.unwrap_or(0.0);
    check_start(f, start)?;
    let tol = args.tol.unwrap_or(1e-8);
    let stop = stopping(tol, args.step_tol, max_iter);
    let report = match args.solver {
        MinimizeSolver::Gd => GradientDescent::new(args.learning_rate.unwrap_or(0.1))
            .stopping(stop)
            .minimize(f, start)?,
        MinimizeSolver::Newton => Newton::new().stopping(stop).minimize(f, start)?,
        other => bail!(
            "--solver {} minimizes functions of several variables; for a function of x use newton, gd, brent or golden",
            cli_name(other)
        ),
    };
    Ok(Solved {
        x0: start,
        default_start: x0.is_none(),
        bracket: None,
        tol,
        report,
    })
}

/// One row of the iteration table.
#[derive(Debug, Serialize)]
struct Row {
    iteration: usize,
    x: f64,
    f: f64,
    df: f64,
    /// |x_k − x_{k−1}|.
    step: f64,
    /// What the solver did besides a plain step (a shortened line search, a damped Newton
    /// step), if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

fn note(step: &Step) -> Option<String> {
    match *step {
        Step::Newton { alpha } if alpha < 1.0 => Some(format!("line search α = {}", Sig(alpha, 4))),
        Step::DampedNewton { shift, alpha } => Some(format!(
            "f″ ≤ 0: damped by μ = {}{}",
            Sig(shift, 3),
            if alpha < 1.0 {
                format!(", α = {}", Sig(alpha, 4))
            } else {
                String::new()
            }
        )),
        Step::SteepestDescent { alpha } => Some(format!("steepest descent, α = {}", Sig(alpha, 4))),
        _ => None,
    }
}

fn rows(f: &Expression, report: &Report<f64>) -> Vec<Row> {
    report
        .history
        .iter()
        .map(|record| {
            let (value, slope, _) = f.derivatives(record.x);
            Row {
                iteration: record.iteration,
                x: record.x,
                f: value,
                df: slope,
                step: record.step_length,
                note: note(&record.step),
            }
        })
        .collect()
}

/// What kind of point a converged run ended at, from f′ and f″ together (the end-point
/// check has already ruled out a lower point nearby).
fn kind_of_point(slope: f64, curvature: f64, tol: f64, bracketing: bool) -> String {
    let first = if bracketing {
        "f is no lower on either side".to_owned()
    } else {
        format!("|f′(x*)| = {} ≤ tol {}", Sig(slope.abs(), 3), Sig(tol, 3))
    };
    if curvature > 0.0 {
        format!(
            "a local minimum: {first}, and f″(x*) = {} > 0",
            Sig(curvature, 6)
        )
    } else {
        format!(
            "a local minimum with a flat bottom: {first}, f″(x*) = {}, and f rises on both sides",
            Sig(curvature, 3)
        )
    }
}

/// What to tell the user about a run that did not converge, and what to try.
fn advice(f: &Expression, solved: &Solved, args: &MinimizeArgs, slope: f64) -> String {
    let report = &solved.report;
    let x = report.x;
    let gd = args.solver == MinimizeSolver::Gd;
    let f_prime = format!("f′ = {}", Sig(slope, 3));
    let what = report.termination.to_string();
    match &report.termination {
        Termination::Stalled(Criterion::StepSize) => format!(
            "step below tolerance (|Δx| < --step-tol {}), but {f_prime} is not small (|f′| > --tol {}): {}",
            Sig(args.step_tol.unwrap_or(0.0), 3),
            Sig(solved.tol, 3),
            if gd {
                "the learning rate is likely too small"
            } else {
                "the steps stalled; try a larger --max-iter or another solver"
            }
        ),
        Termination::Stalled(_) => format!("{what}; f is too flat or too noisy here to locate a minimum"),
        Termination::MaxIterations if gd => format!(
            "stopped at the iteration limit with {f_prime}; raise --max-iter or --learning-rate, or try --solver newton"
        ),
        Termination::MaxIterations => {
            format!("stopped at the iteration limit with {f_prime}; raise --max-iter")
        }
        Termination::Diverged => format!("{what}; lower --learning-rate"),
        Termination::KeepsDecreasing => {
            let toward = match walk_downhill(f, x, slope) {
                Downhill::KeepsDecreasing { reached } if reached > x => "towards larger x",
                Downhill::KeepsDecreasing { .. } => "towards smaller x",
                _ if slope < 0.0 => "towards larger x",
                _ => "towards smaller x",
            };
            format!(
                "no minimum: from x = {} f keeps decreasing {toward} and never rises again (it is unbounded below that way, or lowest only at infinity or at the edge of its domain)",
                Sig(x, 10)
            )
        }
        Termination::NotAMinimum => {
            let start = if solved.default_start && report.iterations == 0 {
                format!("the default start x0 = {} is", Sig(x, 10))
            } else {
                format!("x = {} is", Sig(x, 10))
            };
            let lower = match walk_downhill(f, x, slope) {
                Downhill::Lower { x: lower, value, .. } => format!(
                    ": f is lower at x = {} (f = {}); start there, e.g. --x0 {}",
                    Sig(lower, 6),
                    Sig(value, 6),
                    Sig(lower, 6)
                ),
                _ => "; start elsewhere with --x0".to_owned(),
            };
            format!(
                "{start} a stationary point ({f_prime}) but not a minimum (a maximum, saddle or inflection point){lower}"
            )
        }
        Termination::MinimumAtBracketEdge => {
            let (a, b) = solved.bracket.unwrap_or((x, x));
            format!(
                "the lowest value on [{}, {}] is at its edge x = {} (f = {}): the minimum is not inside the bracket; widen --bracket",
                Sig(a, 10),
                Sig(b, 10),
                Sig(x, 10),
                Sig(report.value, 10)
            )
        }
        _ => what,
    }
}

#[derive(Debug, Serialize)]
struct MinimizeSummary {
    expression: String,
    solver: MinimizeSolver,
    x0: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    bracket: Option<(f64, f64)>,
    x: f64,
    f: f64,
    df: f64,
    d2f: f64,
    iterations: usize,
    converged: bool,
    termination: String,
    /// What kind of point a converged run found.
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<String>,
    /// Why a run did not converge, and what to try.
    #[serde(skip_serializing_if = "Option::is_none")]
    warning: Option<String>,
    evaluations: descent_solvers::Evaluations,
    seconds: f64,
    history: Vec<Row>,
}

pub(crate) fn run(args: &MinimizeArgs, f: &Expression, out: &mut impl Write) -> Result<Outcome> {
    let solved = solve(args, f)?;
    let report = &solved.report;
    let (value, slope, curvature) = f.derivatives(report.x);
    let history = rows(f, report);
    let bracketing = solved.bracket.is_some();
    let verdict = report
        .converged()
        .then(|| kind_of_point(slope, curvature, solved.tol, bracketing));
    let warning = (!report.converged()).then(|| advice(f, &solved, args, slope));
    if let Some(path) = &args.plot {
        plot::save(
            path,
            &Figure::single(function_chart(f, report, args.solver)),
        )?;
    }
    let outcome = Outcome {
        strict_failure: args.strict && !report.converged(),
        warnings: warning.iter().cloned().collect(),
    };
    if args.json {
        let summary = MinimizeSummary {
            expression: f.text().to_owned(),
            solver: args.solver,
            x0: solved.x0,
            bracket: solved.bracket,
            x: report.x,
            f: value,
            df: slope,
            d2f: curvature,
            iterations: report.iterations,
            converged: report.converged(),
            termination: report.termination.to_string(),
            verdict,
            warning,
            evaluations: report.evaluations,
            seconds: report.elapsed.as_secs_f64(),
            history,
        };
        crate::output::write_json(out, &summary)?;
        return Ok(outcome);
    }
    let on = solved.bracket.map_or(String::new(), |(a, b)| {
        format!(" on [{}, {}]", Sig(a, 10), Sig(b, 10))
    });
    writeln!(
        out,
        "minimizing f(x) = {} with {} from x0 = {}{on}\n",
        abbreviate(f.text()),
        report.solver,
        Sig(solved.x0, 10)
    )?;
    writeln!(
        out,
        "{:>6}  {:>18}  {:>18}  {:>11}  {:>11}",
        "iter", "x", "f(x)", "f′(x)", "|Δx|"
    )?;
    let iterations: Vec<usize> = history.iter().map(|r| r.iteration).collect();
    let (shown, every) = shown_rows(&iterations, args.every);
    for &i in &shown {
        let row = &history[i];
        write!(
            out,
            "{:>6}  {:>18}  {:>18}  {:>11}  {:>11}",
            row.iteration,
            Sig(row.x, 12),
            Sig(row.f, 12),
            Sig(row.df, 4),
            Sig(row.step, 4)
        )?;
        match &row.note {
            Some(note) => writeln!(out, "  {note}")?,
            None => writeln!(out)?,
        }
    }
    super::write_shown_note(out, shown.len(), history.len(), every)?;
    writeln!(out, "\n{report}")?;
    let label = if report.converged() { "x*" } else { "x" };
    writeln!(
        out,
        "{label} = {}   f({label}) = {}   f′({label}) = {}   f″({label}) = {}",
        Sig(report.x, 12),
        Sig(value, 12),
        Sig(slope, 4),
        Sig(curvature, 6)
    )?;
    if let Some(verdict) = &verdict {
        writeln!(out, "{verdict}")?;
    }
    if let Some(path) = &args.plot {
        writeln!(out, "plot: {}", path.display())?;
    }
    Ok(outcome)
}

/// The function over the interval the iterates cover, with the iterates marked on it.
fn function_chart(f: &Expression, report: &Report<f64>, solver: MinimizeSolver) -> Chart {
    let iterates = report.history.iter().map(|r| r.x).chain([report.x]);
    let (lo, hi) = finite_range(iterates).unwrap_or((0.0, 0.0));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let (a, b) = (lo - 0.25 * span, hi + 0.25 * span);
    let curve: Vec<(f64, f64)> = linspace(a, b, 600)
        .into_iter()
        .map(|x| (x, f.value(&x)))
        .filter(|(_, y)| y.is_finite())
        .collect();
    let path: Vec<(f64, f64)> = report
        .history
        .iter()
        .map(|r| (r.x, r.value))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    let text = abbreviate(f.text());
    let mut series = vec![
        Series::new(format!("f(x) = {text}"), curve, Style::Line, plot::color(0)),
        Series::new(
            format!("{} iterates ({})", report.solver, report.iterations),
            path,
            Style::LineWithMarkers,
            plot::color(1),
        ),
    ];
    let last = if report.converged() { "x*" } else { "last x" };
    series.push(Series::new(
        format!("{last} = {}", Sig(report.x, 6)),
        vec![(report.x, report.value)],
        Style::Crosses,
        plot::color(3),
    ));
    Chart {
        title: format!(
            "{} on f(x) = {text}: {}",
            cli_name(solver),
            report.termination.brief()
        ),
        x_label: "x".into(),
        y_label: "f(x)".into(),
        x_range: Some(a..b),
        series,
        ..Chart::default()
    }
}
