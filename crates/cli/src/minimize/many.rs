//! `descent minimize` on a function of several variables.

use super::{shown_rows, stopping, MinimizeArgs, MinimizeSolver};
use crate::number::Sig;
use crate::plot::{self, Chart, Figure, Series, Style};
use crate::{cli_name, Outcome};
use anyhow::{bail, Result};
use descent_objectives::expression::{abbreviate, VectorExpression};
use descent_objectives::finite_difference::FiniteDifference;
use descent_objectives::{Gradient, Objective};
use descent_solvers::{
    Bfgs, ConjugateGradient, GradientDescent, Lbfgs, Minimize, NelderMead, Newton, NewtonCg,
    Report, SteepestDescent, Termination,
};
use ndarray::{Array1, Array2};
use ndarray_linalg::{EigValsh, UPLO};
use serde::Serialize;
use std::io::Write;

/// Runs a gradient-based solver on the exact derivatives, or on central differences.
fn with_gradients<S>(
    solver: S,
    f: &VectorExpression,
    x0: Array1<f64>,
    estimated: bool,
) -> Result<Report<Array1<f64>>>
where
    S: Minimize<VectorExpression> + for<'a> Minimize<FiniteDifference<&'a VectorExpression>>,
{
    Ok(if estimated {
        solver.minimize(&FiniteDifference::new(f), x0)?
    } else {
        solver.minimize(f, x0)?
    })
}

fn solve(
    args: &MinimizeArgs,
    f: &VectorExpression,
) -> Result<(Array1<f64>, f64, Report<Array1<f64>>)> {
    let n = f.variables().len();
    let x0 = match args.x0.as_ref().map(|p| &p.0) {
        None => Array1::zeros(n),
        Some(values) if values.len() == n => Array1::from(values.clone()),
        Some(values) => bail!(
            "--x0 has {} value{}, but f has {n} variables ({}): give one per variable, separated by commas",
            values.len(),
            if values.len() == 1 { "" } else { "s" },
            f.variables().join(", ")
        ),
    };
    if args.bracket.is_some() {
        bail!("--bracket applies to functions of x alone (--solver brent and golden)");
    }
    let (value, gradient) = (f.value(&x0), f.gradient(&x0));
    if !(value.is_finite() && gradient.iter().all(|g| g.is_finite())) {
        bail!(
            "f or its gradient is not finite at the starting point x0 = ({}) (f = {value})",
            join(&x0)
        );
    }
    let nelder_mead = args.solver == MinimizeSolver::NelderMead;
    if args.finite_differences
        && matches!(
            args.solver,
            MinimizeSolver::Newton | MinimizeSolver::NewtonCg | MinimizeSolver::NelderMead
        )
    {
        bail!(
            "--finite-differences applies to the gradient solvers gd, lbfgs, bfgs, cg and steepest"
        );
    }
    let tol = args.tol.unwrap_or(if nelder_mead { 1e-5 } else { 1e-8 });
    let max_iter = args
        .max_iter
        .unwrap_or(if nelder_mead { 10_000 } else { 1000 });
    let stop = stopping(tol, args.step_tol, max_iter);
    let fd = args.finite_differences;
    let report = match args.solver {
        MinimizeSolver::Newton => Newton::new().stopping(stop).minimize(f, x0.clone())?,
        MinimizeSolver::Gd => with_gradients(
            GradientDescent::new(args.learning_rate.unwrap_or(0.1)).stopping(stop),
            f,
            x0.clone(),
            fd,
        )?,
        MinimizeSolver::Lbfgs => with_gradients(Lbfgs::new().stopping(stop), f, x0.clone(), fd)?,
        MinimizeSolver::Bfgs => with_gradients(Bfgs::new().stopping(stop), f, x0.clone(), fd)?,
        MinimizeSolver::Cg => {
            with_gradients(ConjugateGradient::new().stopping(stop), f, x0.clone(), fd)?
        }
        MinimizeSolver::Steepest => {
            with_gradients(SteepestDescent::new().stopping(stop), f, x0.clone(), fd)?
        }
        MinimizeSolver::NewtonCg => NewtonCg::new().stopping(stop).minimize(f, x0.clone())?,
        MinimizeSolver::NelderMead => NelderMead::new().stopping(stop).minimize(f, x0.clone())?,
        other => bail!(
            "--solver {} minimizes functions of x alone; f has the variables {}",
            cli_name(other),
            f.variables().join(", ")
        ),
    };
    Ok((x0, tol, report))
}

fn join(x: &Array1<f64>) -> String {
    x.iter()
        .map(|v| Sig(*v, 10).to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the Hessian says of a stationary point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    /// Every eigenvalue positive: a strict local minimum.
    Minimum,
    /// A negative eigenvalue: f decreases along its eigenvector, so not a minimum.
    Saddle,
    /// The smallest eigenvalue is zero to rounding: second derivatives cannot tell.
    Degenerate,
}

/// The smallest eigenvalue of the Hessian, and what it makes of a stationary point: below
/// `−10⁻⁸·max|λ|` a saddle, above `+10⁻⁸·max|λ|` a minimum, zero to rounding in between.
fn classify(hessian: &Array2<f64>) -> Option<(Kind, f64)> {
    let eigenvalues = hessian.eigvalsh(UPLO::Lower).ok()?;
    let smallest = eigenvalues.iter().copied().fold(f64::INFINITY, f64::min);
    let largest = eigenvalues.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let zero = 1e-8 * largest;
    let kind = if smallest > zero {
        Kind::Minimum
    } else if smallest < -zero {
        Kind::Saddle
    } else {
        Kind::Degenerate
    };
    Some((kind, smallest))
}

#[derive(Debug, Serialize)]
struct ManySummary {
    expression: String,
    variables: Vec<String>,
    solver: MinimizeSolver,
    x0: Vec<f64>,
    x: Vec<f64>,
    f: f64,
    gradient: Vec<f64>,
    gradient_norm: f64,
    iterations: usize,
    converged: bool,
    termination: String,
    /// What the Hessian makes of the end point of a run that met the gradient test.
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<Kind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    smallest_eigenvalue: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    warning: Option<String>,
    evaluations: descent_solvers::Evaluations,
    seconds: f64,
    history: Vec<Row>,
}

#[derive(Debug, Serialize)]
struct Row {
    iteration: usize,
    x: Vec<f64>,
    f: f64,
    gradient_norm: Option<f64>,
    step: f64,
}

fn advice(report: &Report<Array1<f64>>, args: &MinimizeArgs, tol: f64) -> String {
    let gradient = report
        .gradient_norm
        .map_or(String::new(), |g| format!("‖∇f‖ = {}", Sig(g, 3)));
    let what = report.termination.to_string();
    match &report.termination {
        Termination::MaxIterations if args.solver == MinimizeSolver::Gd => format!(
            "stopped at the iteration limit with {gradient}; raise --max-iter or --learning-rate, or try --solver newton"
        ),
        Termination::MaxIterations => {
            format!("stopped at the iteration limit with {gradient}; raise --max-iter")
        }
        Termination::Diverged => format!("{what}; lower --learning-rate"),
        Termination::Stalled(_) => format!(
            "{what}: {gradient} > --tol {}; the function is too flat or too noisy here, or --tol is tighter than its rounding allows",
            Sig(tol, 3)
        ),
        _ => what,
    }
}

pub(crate) fn run(
    args: &MinimizeArgs,
    f: &VectorExpression,
    out: &mut impl Write,
) -> Result<Outcome> {
    let (x0, tol, report) = solve(args, f)?;
    let (value, gradient, hessian) = f.derivatives(&report.x);
    let gradient_norm = gradient.iter().map(|g| g * g).sum::<f64>().sqrt();
    let classified = report.converged().then(|| classify(&hessian)).flatten();
    // A stationary point where f decreases along an eigenvector is not a minimum.
    let saddle = matches!(classified, Some((Kind::Saddle, _)));
    let warning = if !report.converged() {
        Some(advice(&report, args, tol))
    } else if let Some((Kind::Saddle, smallest)) = classified {
        Some(format!(
            "not a minimum: ‖∇f‖ ≤ tol at x = ({}), but the Hessian there has the negative eigenvalue {}, so f decreases along its eigenvector: a saddle point; start elsewhere",
            join(&report.x),
            Sig(smallest, 4)
        ))
    } else {
        None
    };
    let minimum = report.converged() && !saddle;
    let history: Vec<Row> = report
        .history
        .iter()
        .map(|r| Row {
            iteration: r.iteration,
            x: r.x.to_vec(),
            f: r.value,
            gradient_norm: r.gradient_norm,
            step: r.step_length,
        })
        .collect();
    if let Some(path) = &args.plot {
        plot::save(path, &Figure::single(value_chart(f, &report, args.solver)))?;
    }
    let outcome = Outcome {
        strict_failure: args.strict && !minimum,
        warnings: warning.iter().cloned().collect(),
    };
    if args.json {
        crate::output::write_json(
            out,
            &ManySummary {
                expression: f.text().to_owned(),
                variables: f.variables().to_vec(),
                solver: args.solver,
                x0: x0.to_vec(),
                x: report.x.to_vec(),
                f: value,
                gradient: gradient.to_vec(),
                gradient_norm,
                iterations: report.iterations,
                converged: minimum,
                termination: report.termination.to_string(),
                kind: classified.map(|(kind, _)| kind),
                smallest_eigenvalue: classified.map(|(_, smallest)| smallest),
                warning,
                evaluations: report.evaluations,
                seconds: report.elapsed.as_secs_f64(),
                history,
            },
        )?;
        return Ok(outcome);
    }
    writeln!(
        out,
        "minimizing f({}) = {} with {}{} from ({})\n",
        f.variables().join(", "),
        abbreviate(f.text()),
        report.solver,
        if args.finite_differences {
            " (central-difference gradients)"
        } else {
            ""
        },
        join(&x0)
    )?;
    writeln!(
        out,
        "{:>6}  {:>18}  {:>11}  {:>11}  x",
        "iter", "f(x)", "‖∇f(x)‖", "‖Δx‖"
    )?;
    let iterations: Vec<usize> = history.iter().map(|r| r.iteration).collect();
    let (shown, every) = shown_rows(&iterations, args.every);
    for &i in &shown {
        let row = &history[i];
        writeln!(
            out,
            "{:>6}  {:>18}  {:>11}  {:>11}  ({})",
            row.iteration,
            Sig(row.f, 12),
            row.gradient_norm
                .map_or("-".to_owned(), |g| Sig(g, 4).to_string()),
            Sig(row.step, 4),
            join(&Array1::from(row.x.clone()))
        )?;
    }
    super::write_shown_note(out, shown.len(), history.len(), every)?;
    writeln!(out, "\n{report}")?;
    let label = if report.converged() { "x*" } else { "x" };
    writeln!(
        out,
        "{label} = ({})   f({label}) = {}   ‖∇f({label})‖ = {}",
        join(&report.x),
        Sig(value, 12),
        Sig(gradient_norm, 4)
    )?;
    match classified {
        Some((Kind::Minimum, smallest)) => writeln!(
            out,
            "a local minimum: ‖∇f(x*)‖ ≤ tol {}, and the Hessian is positive definite (smallest eigenvalue {})",
            Sig(tol, 3),
            Sig(smallest, 4)
        )?,
        Some((Kind::Degenerate, smallest)) => writeln!(
            out,
            "a stationary point: ‖∇f(x*)‖ ≤ tol {}; the Hessian's smallest eigenvalue is {}, zero to rounding, so second derivatives cannot tell a minimum from a saddle",
            Sig(tol, 3),
            Sig(smallest, 4)
        )?,
        _ => {}
    }
    if let Some(path) = &args.plot {
        writeln!(out, "plot: {}", path.display())?;
    }
    Ok(outcome)
}

/// The objective against the iteration.
fn value_chart(
    f: &VectorExpression,
    report: &Report<Array1<f64>>,
    solver: MinimizeSolver,
) -> Chart {
    let values: Vec<(f64, f64)> = report
        .history
        .iter()
        .map(|r| (r.iteration as f64, r.value))
        .filter(|(_, v)| v.is_finite())
        .collect();
    Chart {
        title: format!(
            "{} on f({}) = {}: {}",
            cli_name(solver),
            f.variables().join(", "),
            abbreviate(f.text()),
            report.termination.brief()
        ),
        x_label: "iteration".into(),
        y_label: "f(x)".into(),
        series: vec![Series::new(
            format!("{} ({} iterations)", report.solver, report.iterations),
            values,
            Style::LineWithMarkers,
            plot::color(0),
        )],
        ..Chart::default()
    }
}
