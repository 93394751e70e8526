//! `descent minimize`, `sweep-lr` and `convergence`: 1-D functions typed on the command line.

use crate::cli_name;
use crate::output::short_termination;
use crate::plot::{self, finite_range, Chart, Figure, Series, Style};
use anyhow::{bail, Context, Result};
use clap::ValueEnum;
use descent_objectives::expression::Expression;
use descent_solvers::{
    bracket_minimum, Brent, GoldenSection, GradientDescent, Minimize, Newton, Report, Step,
    Stopping, Termination,
};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

/// The expression syntax, shown under `--help`.
pub(crate) const SYNTAX: &str = "\
Expressions: numbers (3, 0.5, 1e-3), the variable x, + - * /, powers ^ or **, parentheses;
constants pi, e, tau; functions sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh
exp ln log (natural) log2 log10 sqrt cbrt abs sigmoid. Precedence as in mathematics: -x^2 is
-(x^2), 2^3^2 is 2^9. Derivatives are exact (automatic differentiation).";

/// The 1-D solvers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum OneDSolver {
    /// Gradient descent with a fixed learning rate: x ← x − γ f′(x).
    Gd,
    /// Newton's method: x ← x − f′(x)/f″(x), damped where f″ ≤ 0, with a line search.
    Newton,
    /// Brent's method on a bracket (no derivatives).
    Brent,
    /// Golden-section search on a bracket (no derivatives).
    Golden,
}

#[derive(Debug, clap::Args)]
pub(crate) struct MinimizeArgs {
    /// The function of x, e.g. "x^2 - 4*x" or "(x - 1)^2 * exp(x)" (quote it).
    #[arg(allow_hyphen_values = true)]
    expression: String,
    /// The starting point (default 0; for brent and golden, the bracket's midpoint, or the
    /// lowest point the bracket search found).
    #[arg(long, allow_negative_numbers = true)]
    x0: Option<f64>,
    /// The solver.
    #[arg(long, value_enum, default_value_t = OneDSolver::Newton)]
    solver: OneDSolver,
    /// gd: the learning rate γ (default 0.1).
    #[arg(long, allow_negative_numbers = true)]
    learning_rate: Option<f64>,
    /// gd, newton: stop when |Δx| < tol (the course's rule) or |f′(x)| ≤ tol (default 1e-8).
    /// brent, golden: the bracket tolerance (defaults 1e-10 absolute, 1e-8 relative).
    #[arg(long, allow_negative_numbers = true)]
    tol: Option<f64>,
    /// The iteration limit (default 1000).
    #[arg(long)]
    max_iter: Option<usize>,
    /// brent, golden: the interval a,b that holds the minimum, e.g. --bracket -2,3 (default:
    /// found by walking downhill from --x0 until the function rises).
    #[arg(long, allow_hyphen_values = true, value_parser = parse_pair)]
    bracket: Option<(f64, f64)>,
    /// Draw the function with the iterates on it (.svg or .png).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct SweepArgs {
    /// The function of x, e.g. "(x - 2)^2" (quote it).
    #[arg(allow_hyphen_values = true)]
    expression: String,
    /// The learning rates, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0.001,0.01,0.1,0.4")]
    rates: Vec<f64>,
    /// The starting point.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    x0: f64,
    /// Stop when |Δx| < tol (the course's rule) or |f′(x)| ≤ tol.
    #[arg(long, default_value_t = 1e-6)]
    tol: f64,
    /// The iteration limit of each run.
    #[arg(long, default_value_t = 100)]
    max_iter: usize,
    /// Draw x against the iteration, one line per rate (.svg or .png).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ConvergenceArgs {
    /// The function of x, e.g. "x^4 - 3*x^2 + x" (quote it).
    #[arg(allow_hyphen_values = true)]
    expression: String,
    /// The starting points: an interval a..b, split into --num evenly spaced points.
    #[arg(long, default_value = "-10..10", allow_hyphen_values = true, value_parser = parse_interval)]
    starts: (f64, f64),
    /// How many starting points.
    #[arg(long, default_value_t = 41)]
    num: usize,
    /// The learning rate γ of gradient descent.
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    learning_rate: f64,
    /// Stop when |Δx| < tol or |f′(x)| ≤ tol.
    #[arg(long, default_value_t = 1e-6)]
    tol: f64,
    /// The iteration limit of each run.
    #[arg(long, default_value_t = 1000)]
    max_iter: usize,
    /// Draw iterations against the starting point (.svg or .png).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

/// A number given in an option's value.
fn parse_number(text: &str) -> Result<f64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{:?} is not a number", text.trim()))
}

/// `a,b` → (a, b).
fn parse_pair(text: &str) -> Result<(f64, f64), String> {
    let (a, b) = text
        .split_once(',')
        .ok_or_else(|| format!("expected two numbers a,b, found {text:?}"))?;
    Ok((parse_number(a)?, parse_number(b)?))
}

/// `a..b` → (a, b), with a < b.
pub(crate) fn parse_interval(text: &str) -> Result<(f64, f64), String> {
    let (a, b) = text
        .split_once("..")
        .ok_or_else(|| format!("expected an interval a..b, found {text:?}"))?;
    let (a, b) = (parse_number(a)?, parse_number(b)?);
    if !(a.is_finite() && b.is_finite() && a < b) {
        return Err(format!(
            "the interval {text} must have finite ends, the lower first"
        ));
    }
    Ok((a, b))
}

/// `n` evenly spaced points from `a` to `b` inclusive.
pub(crate) fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    match n {
        0 => Vec::new(),
        1 => vec![a],
        _ => (0..n)
            .map(|i| a + (b - a) * i as f64 / (n - 1) as f64)
            .collect(),
    }
}

fn parse_expression(text: &str) -> Result<Expression> {
    Expression::parse(text).with_context(|| format!("in {text:?}"))
}

fn stopping(tol: f64, max_iter: usize) -> Stopping {
    Stopping {
        max_iterations: max_iter,
        step_tolerance: tol,
        gradient_tolerance: tol,
        record_history: true,
        ..Stopping::default()
    }
}

/// Checks that a 1-D objective is finite at the start, so that the error names the point.
fn check_start(f: &Expression, x0: f64) -> Result<()> {
    let (value, slope, _) = f.derivatives(x0);
    if !(value.is_finite() && slope.is_finite()) {
        bail!("f or f′ is not finite at the starting point x0 = {x0} (f = {value}, f′ = {slope})");
    }
    Ok(())
}

fn solve(args: &MinimizeArgs, f: &Expression) -> Result<Solved> {
    let max_iter = args.max_iter.unwrap_or(1000);
    if args.learning_rate.is_some() && args.solver != OneDSolver::Gd {
        bail!("--learning-rate applies to --solver gd only");
    }
    let bracketing = matches!(args.solver, OneDSolver::Brent | OneDSolver::Golden);
    if args.bracket.is_some() && !bracketing {
        bail!("--bracket applies to --solver brent and golden only");
    }
    let report = if bracketing {
        let (a, b, middle) = match args.bracket {
            Some((a, b)) => (a, b, None),
            None => {
                // No interval given: walk downhill from x0 until the function rises.
                let x0 = args.x0.unwrap_or(0.0);
                check_start(f, x0)?;
                let found = bracket_minimum(f, x0, 1.0)
                    .context("no --bracket given, and the search for one failed")?;
                (found.lower, found.upper, Some(found.middle))
            }
        };
        let x0 = args.x0.or(middle).unwrap_or((a + b) / 2.0);
        let report = if args.solver == OneDSolver::Brent {
            let mut brent = Brent::new(a, b).max_iterations(max_iter);
            if let Some(t) = args.tol {
                brent = brent.tolerance(t);
            }
            brent.minimize(f, x0)?
        } else {
            let mut golden = GoldenSection::new(a, b).max_iterations(max_iter);
            if let Some(t) = args.tol {
                golden = golden.tolerance(t);
            }
            golden.minimize(f, x0)?
        };
        Solved {
            x0,
            bracket: Some((a, b)),
            report,
        }
    } else {
        let x0 = args.x0.unwrap_or(0.0);
        check_start(f, x0)?;
        let stop = stopping(args.tol.unwrap_or(1e-8), max_iter);
        let report = if args.solver == OneDSolver::Gd {
            GradientDescent::new(args.learning_rate.unwrap_or(0.1))
                .stopping(stop)
                .minimize(f, x0)?
        } else {
            Newton::new().stopping(stop).minimize(f, x0)?
        };
        Solved {
            x0,
            bracket: None,
            report,
        }
    };
    Ok(report)
}

/// A 1-D run: where it started, the interval a bracketing method searched, and the report.
struct Solved {
    x0: f64,
    bracket: Option<(f64, f64)>,
    report: Report<f64>,
}

/// One row of the iteration table.
#[derive(Debug, Serialize)]
struct Row {
    iteration: usize,
    x: f64,
    f: f64,
    df: f64,
    /// x_k − x_{k−1}.
    step: f64,
    /// What the solver did besides a plain step (a shortened line search, a damped Newton
    /// step), if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

fn note(step: &Step) -> Option<String> {
    match *step {
        Step::Newton { alpha } if alpha < 1.0 => Some(format!("line search α = {alpha}")),
        Step::DampedNewton { shift, alpha } => Some(format!(
            "f″ ≤ 0: damped by μ = {shift:.3e}{}",
            if alpha < 1.0 {
                format!(", α = {alpha}")
            } else {
                String::new()
            }
        )),
        Step::SteepestDescent { alpha } => Some(format!("steepest descent, α = {alpha}")),
        _ => None,
    }
}

fn rows(f: &Expression, report: &Report<f64>) -> Vec<Row> {
    let mut previous = report.history.first().map_or(report.x, |r| r.x);
    report
        .history
        .iter()
        .map(|record| {
            let (value, slope, _) = f.derivatives(record.x);
            let row = Row {
                iteration: record.iteration,
                x: record.x,
                f: value,
                df: slope,
                step: record.x - previous,
                note: note(&record.step),
            };
            previous = record.x;
            row
        })
        .collect()
}

#[derive(Debug, Serialize)]
struct MinimizeSummary<'a> {
    expression: &'a str,
    solver: OneDSolver,
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
    evaluations: descent_solvers::Evaluations,
    seconds: f64,
    history: Vec<Row>,
}

pub(crate) fn minimize(args: &MinimizeArgs, out: &mut impl Write) -> Result<()> {
    let f = parse_expression(&args.expression)?;
    if let Some(path) = &args.plot {
        plot::check_path(path)?;
    }
    let Solved {
        x0,
        bracket,
        report,
    } = solve(args, &f)?;
    let (value, slope, curvature) = f.derivatives(report.x);
    let history = rows(&f, &report);
    if let Some(path) = &args.plot {
        plot::save(
            path,
            &Figure::single(function_chart(&f, &report, args.solver)),
        )?;
    }
    if args.json {
        let summary = MinimizeSummary {
            expression: f.text(),
            solver: args.solver,
            x0,
            bracket,
            x: report.x,
            f: value,
            df: slope,
            d2f: curvature,
            iterations: report.iterations,
            converged: report.converged(),
            termination: report.termination.to_string(),
            evaluations: report.evaluations,
            seconds: report.elapsed.as_secs_f64(),
            history,
        };
        crate::output::write_json(out, &summary)?;
        return Ok(());
    }
    let on = bracket.map_or(String::new(), |(a, b)| format!(" on [{a}, {b}]"));
    writeln!(
        out,
        "minimizing f(x) = {} with {} from x0 = {x0}{on}\n",
        f.text(),
        report.solver
    )?;
    writeln!(
        out,
        "{:>5}  {:>22}  {:>22}  {:>12}  {:>12}",
        "iter", "x", "f(x)", "f′(x)", "Δx"
    )?;
    for row in &history {
        write!(
            out,
            "{:>5}  {:>22.15e}  {:>22.15e}  {:>12.4e}  {:>12.4e}",
            row.iteration, row.x, row.f, row.df, row.step
        )?;
        match &row.note {
            Some(note) => writeln!(out, "  {note}")?,
            None => writeln!(out)?,
        }
    }
    writeln!(out, "\n{report}")?;
    let kind = if !curvature.is_finite() {
        "f″ is not finite there"
    } else if curvature > 0.0 {
        "f″ > 0: a local minimum"
    } else if curvature < 0.0 {
        "f″ < 0: not a minimum"
    } else {
        "f″ = 0: flat, not confirmed as a minimum"
    };
    writeln!(
        out,
        "x* = {:.15}   f(x*) = {value:.15e}   f′(x*) = {slope:.3e}   f″(x*) = {curvature:.6e} ({kind})",
        report.x
    )?;
    if let Some(path) = &args.plot {
        writeln!(out, "plot: {}", path.display())?;
    }
    if !report.converged() {
        eprintln!(
            "descent: warning: {}",
            hint_for(&report.termination, args.solver)
        );
    } else if curvature < 0.0 {
        eprintln!(
            "descent: warning: the solver stopped where f′ = 0 but f″ < 0, at a maximum; try another --x0"
        );
    }
    Ok(())
}

fn hint_for(termination: &Termination, solver: OneDSolver) -> String {
    let what = termination.to_string();
    match (termination, solver) {
        (Termination::Diverged, OneDSolver::Gd) => format!("{what}; lower --learning-rate"),
        (Termination::MaxIterations, OneDSolver::Gd) => {
            format!("{what}; raise --max-iter or --learning-rate, or try --solver newton")
        }
        (Termination::MaxIterations, _) => format!("{what}; raise --max-iter"),
        _ => what,
    }
}

/// The function over the interval the iterates cover, with the iterates marked on it.
fn function_chart(f: &Expression, report: &Report<f64>, solver: OneDSolver) -> Chart {
    let iterates = report.history.iter().map(|r| r.x).chain([report.x]);
    let (lo, hi) = finite_range(iterates).unwrap_or((0.0, 0.0));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let (a, b) = (lo - 0.25 * span, hi + 0.25 * span);
    let curve: Vec<(f64, f64)> = linspace(a, b, 600)
        .into_iter()
        .map(|x| (x, descent_objectives::Objective::value(f, &x)))
        .filter(|(_, y)| y.is_finite())
        .collect();
    let path: Vec<(f64, f64)> = report
        .history
        .iter()
        .map(|r| (r.x, r.value))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    let mut series = vec![
        Series::new(
            format!("f(x) = {}", f.text()),
            curve,
            Style::Line,
            plot::color(0),
        ),
        Series::new(
            format!("{} iterates ({})", report.solver, report.iterations),
            path,
            Style::LineWithMarkers,
            plot::color(1),
        ),
    ];
    let last = if report.converged() { "x*" } else { "last x" };
    series.push(Series::new(
        format!("{last} = {:.6}", report.x),
        vec![(report.x, report.value)],
        Style::Crosses,
        plot::color(3),
    ));
    Chart {
        title: format!(
            "{} on f(x) = {}: {}",
            cli_name(solver),
            f.text(),
            short_termination(&report.termination)
        ),
        x_label: "x".into(),
        y_label: "f(x)".into(),
        x_range: Some(a..b),
        series,
        ..Chart::default()
    }
}

/// How a fixed-step run ended, in the words of the course's learning-rate figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "&'static str")]
enum Outcome {
    Converged,
    Diverged,
    Oscillates,
    TooSlow,
}

impl From<Outcome> for &'static str {
    fn from(outcome: Outcome) -> Self {
        outcome.text()
    }
}

impl Outcome {
    fn text(self) -> &'static str {
        match self {
            Outcome::Converged => "converged",
            Outcome::Diverged => "diverged",
            Outcome::Oscillates => "not converged: oscillates",
            Outcome::TooSlow => "not converged: too slow",
        }
    }
}

fn outcome(report: &Report<f64>) -> Outcome {
    match report.termination {
        Termination::Converged(_) => Outcome::Converged,
        Termination::Diverged => Outcome::Diverged,
        _ => {
            // Still moving at the limit: bouncing across the minimum (Δx changing sign) or
            // creeping towards it.
            let steps: Vec<f64> = report
                .history
                .windows(2)
                .rev()
                .take(6)
                .map(|w| w[1].x - w[0].x)
                .collect();
            let alternating = steps.len() >= 2 && steps.windows(2).all(|s| s[0] * s[1] < 0.0);
            if alternating {
                Outcome::Oscillates
            } else {
                Outcome::TooSlow
            }
        }
    }
}

#[derive(Debug, Serialize)]
struct SweepRun {
    learning_rate: f64,
    outcome: Outcome,
    iterations: usize,
    x: f64,
    f: f64,
    df: f64,
    trajectory: Vec<f64>,
}

pub(crate) fn sweep_lr(args: &SweepArgs, out: &mut impl Write) -> Result<()> {
    let f = parse_expression(&args.expression)?;
    if let Some(path) = &args.plot {
        plot::check_path(path)?;
    }
    if args.rates.is_empty() {
        bail!("--rates needs at least one learning rate");
    }
    check_start(&f, args.x0)?;
    let stop = stopping(args.tol, args.max_iter);
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
            trajectory: report.history.iter().map(|r| r.x).collect(),
        });
    }
    // The minimizer Newton's method finds from the same start, as a reference line.
    let reference = Newton::new()
        .stopping(stopping(1e-12, 1000))
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
                max_iter: args.max_iter,
                minimizer: reference,
                runs: &runs,
            },
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "gradient descent on f(x) = {} from x0 = {}, tol {}, at most {} iterations{}\n",
        f.text(),
        args.x0,
        args.tol,
        args.max_iter,
        reference.map_or(String::new(), |x| format!(
            "; Newton's minimizer x* = {x:.10}"
        ))
    )?;
    writeln!(
        out,
        "{:>10}  {:<26}  {:>10}  {:>18}  {:>14}  {:>10}",
        "γ", "outcome", "iterations", "x", "f(x)", "|f′(x)|"
    )?;
    for run in &runs {
        writeln!(
            out,
            "{:>10}  {:<26}  {:>10}  {:>18.10e}  {:>14.6e}  {:>10.2e}",
            run.learning_rate,
            run.outcome.text(),
            run.iterations,
            run.x,
            run.f,
            run.df.abs()
        )?;
    }
    if let Some(path) = &args.plot {
        writeln!(out, "\nplot: {}", path.display())?;
    }
    Ok(())
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
        .filter(|r| r.outcome != Outcome::Diverged)
        .flat_map(|r| r.trajectory.iter().copied())
        .chain([args.x0])
        .chain(minimizer);
    let (lo, hi) = finite_range(bounded).unwrap_or((args.x0, args.x0));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let longest = runs.iter().map(|r| r.trajectory.len()).max().unwrap_or(1);
    let mut series: Vec<Series> = runs
        .iter()
        .enumerate()
        .map(|(i, run)| {
            Series::new(
                format!("γ = {}: {}", run.learning_rate, run.outcome.text()),
                run.trajectory
                    .iter()
                    .enumerate()
                    .map(|(k, &x)| (k as f64, x))
                    .collect(),
                Style::Line,
                plot::color(i),
            )
        })
        .collect();
    if let Some(x) = minimizer {
        series.push(Series::new(
            format!("minimum x* = {x:.4}"),
            vec![(0.0, x), ((longest - 1).max(1) as f64, x)],
            Style::Dashed,
            RGB_GRAY,
        ));
    }
    Chart {
        title: format!("Gradient descent on f(x) = {}, by learning rate", f.text()),
        x_label: "iteration".into(),
        y_label: "x".into(),
        x_range: Some(0.0..(longest - 1).max(1) as f64),
        y_range: Some(lo - 0.1 * span..hi + 0.1 * span),
        series,
        ..Chart::default()
    }
}

const RGB_GRAY: plotters::style::RGBColor = plotters::style::RGBColor(90, 90, 90);

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
                termination: short_termination(&r.termination),
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

pub(crate) fn convergence(args: &ConvergenceArgs, out: &mut impl Write) -> Result<()> {
    let f = parse_expression(&args.expression)?;
    if let Some(path) = &args.plot {
        plot::check_path(path)?;
    }
    if args.num == 0 {
        bail!("--num must be at least 1");
    }
    let stop = stopping(args.tol, args.max_iter);
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
        return Ok(());
    }
    writeln!(
        out,
        "iterations to |Δx| < {} or |f′| ≤ {} on f(x) = {}: gradient descent (γ = {}) and Newton\n",
        args.tol,
        args.tol,
        f.text(),
        args.learning_rate
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
            "{:>12.4}  {:>10}  {:>14.6}  {:>10}  {:>14.6}",
            s.x0,
            cell(&s.gd),
            s.gd.x,
            cell(&s.newton),
            s.newton.x
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
    Ok(())
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
            f.text()
        ),
        x_label: "starting point x0".into(),
        y_label: "iterations".into(),
        y_log: spans_decades,
        series,
        ..Chart::default()
    }
}
