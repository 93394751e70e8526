//! `descent minimize`, `sweep-lr` and `convergence`: functions typed on the command line.
//!
//! - [`one_d`]: `minimize` on a function of x, with every (or every k-th) iteration printed;
//! - [`many`]: `minimize` on a function of several variables;
//! - [`sweep`]: `sweep-lr`, gradient descent at several learning rates;
//! - [`convergence`]: `convergence`, iterations against the starting point.

pub(crate) mod convergence;
mod many;
mod one_d;
pub(crate) mod sweep;

use crate::number::Sig;
use crate::{args, Outcome};
use anyhow::{bail, Result};
use clap::ValueEnum;
use descent_objectives::expression::{abbreviate, Expression, VectorExpression};
use descent_solvers::Stopping;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

/// The expression syntax, shown under `--help`.
pub(crate) const SYNTAX: &str = "\
Expressions: numbers (3, 0.5, 1e-3), the variable x (minimize also takes x, y, z, x1, x2, …),
+ - * /, powers ^ or **, parentheses; constants pi, e, tau; functions sin cos tan asin acos
atan sinh cosh tanh asinh acosh atanh exp ln log (natural) log2 log10 sqrt cbrt abs sigmoid.
Precedence as in mathematics: -x^2 is -(x^2), 2^3^2 is 2^9. Derivatives are exact (automatic
differentiation). At most 100 000 characters, and parentheses nested at most 64 deep.";

/// The solvers of `minimize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum MinimizeSolver {
    /// Newton's method: x ← x − H⁻¹∇f, damped where H is not positive definite, with a line
    /// search (the default).
    Newton,
    /// Gradient descent with a fixed learning rate: x ← x − γ ∇f.
    Gd,
    /// 1-D: Brent's method on a bracket (no derivatives).
    Brent,
    /// 1-D: golden-section search on a bracket (no derivatives).
    Golden,
    /// n-D: argmin's L-BFGS.
    Lbfgs,
    /// n-D: argmin's BFGS.
    Bfgs,
    /// n-D: argmin's nonlinear conjugate gradient.
    Cg,
    /// n-D: argmin's steepest descent with a line search.
    Steepest,
    /// n-D: argmin's Newton-CG.
    NewtonCg,
    /// n-D: the Nelder-Mead simplex (function values only).
    NelderMead,
}

#[derive(Debug, clap::Args)]
pub(crate) struct MinimizeArgs {
    /// The function, e.g. "x^2 - 4*x" or "(1 - x)^2 + 100*(y - x^2)^2" (quote it).
    #[arg(allow_hyphen_values = true)]
    expression: String,
    /// The starting point: one number, or one per variable separated by commas (default 0 for
    /// each; for brent and golden, the bracket's midpoint, or the lowest point the bracket
    /// search found).
    #[arg(long, allow_hyphen_values = true, value_parser = args::point)]
    x0: Option<args::Point>,
    /// The solver.
    #[arg(long, value_enum, default_value_t = MinimizeSolver::Newton)]
    solver: MinimizeSolver,
    /// gd: the learning rate γ > 0 (default 0.1).
    #[arg(long, allow_hyphen_values = true, value_parser = args::positive)]
    learning_rate: Option<f64>,
    /// Converged when the gradient norm (|f′(x)| in 1-D) is at most this (default 1e-8; 1e-5
    /// for nelder-mead). brent, golden: the bracket tolerance (defaults 1e-10 absolute, 1e-8
    /// relative).
    #[arg(long, allow_hyphen_values = true, value_parser = args::non_negative)]
    tol: Option<f64>,
    /// The course's rule: also stop when a step moves less than this (Σ|Δx|); the run is
    /// called converged only if the gradient passes --tol there too (default: off).
    #[arg(long, allow_hyphen_values = true, value_parser = args::non_negative)]
    step_tol: Option<f64>,
    /// The iteration limit (default 1000; 10 000 for nelder-mead).
    #[arg(long, allow_hyphen_values = true, value_parser = args::positive_count)]
    max_iter: Option<usize>,
    /// brent, golden: the interval a,b that holds the minimum, e.g. --bracket -2,3 (default:
    /// found by walking downhill from --x0 until the function rises).
    #[arg(long, allow_hyphen_values = true, value_parser = args::pair)]
    bracket: Option<(f64, f64)>,
    /// Print every k-th iteration (and the first and last); default: as many as keep the
    /// table within about 20 lines.
    #[arg(long, allow_hyphen_values = true, value_parser = args::positive_count)]
    every: Option<usize>,
    /// n-D gradient solvers: estimate gradients by central differences instead of exactly.
    #[arg(long)]
    finite_differences: bool,
    /// Draw the function with the iterates on it (1-D), or the objective against the
    /// iteration (n-D); .svg or .png.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// Exit with status 3 when the run did not converge (after printing it).
    #[arg(long)]
    strict: bool,
}

/// Runs `minimize`: on a function of x alone in 1-D, otherwise in as many dimensions as it
/// has variables.
pub(crate) fn run(args: &MinimizeArgs, out: &mut impl Write) -> Result<Outcome> {
    if let Some(path) = &args.plot {
        crate::plot::check_path(path)?;
    }
    if args.learning_rate.is_some() && args.solver != MinimizeSolver::Gd {
        bail!("--learning-rate applies to --solver gd only");
    }
    let vector = match VectorExpression::parse(&args.expression) {
        Ok(f) if f.variables() != ["x"] => Some(f),
        Ok(_) => None,
        // No variables at all: a constant, which is a function of x.
        Err(e) if e.message.contains("no variables") => None,
        Err(e) => return Err(expression_error(&args.expression, e)),
    };
    match vector {
        Some(f) => many::run(args, &f, out),
        None => one_d::run(args, &parse_expression(&args.expression)?, out),
    }
}

/// An expression error, with (a short quote of) the text it is about.
fn expression_error(
    text: &str,
    error: impl std::error::Error + Send + Sync + 'static,
) -> anyhow::Error {
    anyhow::Error::new(error).context(format!("in {:?}", abbreviate(text)))
}

/// Parses a function of x, with the text quoted (briefly) in any error.
pub(crate) fn parse_expression(text: &str) -> Result<Expression> {
    Expression::parse(text).map_err(|e| expression_error(text, e))
}

/// The stopping rules of the commands: converged at `|f′| ≤ tol`, the course's step rule only
/// when asked for.
pub(crate) fn stopping(tol: f64, step_tol: Option<f64>, max_iter: usize) -> Stopping {
    Stopping {
        max_iterations: max_iter,
        step_tolerance: step_tol.unwrap_or(0.0),
        gradient_tolerance: tol,
        ..Stopping::default()
    }
}

/// Checks that a 1-D objective is finite at the start, so that the error names the point.
pub(crate) fn check_start(f: &Expression, x0: f64) -> Result<()> {
    let (value, slope, _) = f.derivatives(x0);
    if !(value.is_finite() && slope.is_finite()) {
        bail!("f or f′ is not finite at the starting point x0 = {x0} (f = {value}, f′ = {slope})");
    }
    Ok(())
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

/// Which recorded iterations a table shows: the first and last, and every `every`-th (default:
/// enough to keep about `LINES` rows).
pub(crate) fn shown_rows(iterations: &[usize], every: Option<usize>) -> (Vec<usize>, usize) {
    const LINES: usize = 20;
    let last = iterations.last().copied().unwrap_or(0);
    let every = every.unwrap_or_else(|| last.div_ceil(LINES).max(1));
    let shown = iterations
        .iter()
        .enumerate()
        .filter(|&(i, &k)| i == 0 || k == last || k.is_multiple_of(every))
        .map(|(i, _)| i)
        .collect();
    (shown, every)
}

/// Says how many of the recorded iterations a table left out, when it left any out.
pub(crate) fn write_shown_note(
    out: &mut impl Write,
    shown: usize,
    recorded: usize,
    every: usize,
) -> std::io::Result<()> {
    if shown < recorded {
        writeln!(
            out,
            "({shown} of {recorded} iterations shown: the first, the last and one in every {every}; --every 1 shows all that were recorded)"
        )?;
    }
    Ok(())
}

/// The convergence rule of sweep-lr and convergence, in words: `|f′| ≤ 1e-6`, and the step
/// rule when it is on.
pub(crate) fn rule(tol: f64, step_tol: Option<f64>) -> String {
    match step_tol {
        Some(step) => format!("|f′| ≤ {} (or a step below {})", Sig(tol, 3), Sig(step, 3)),
        None => format!("|f′| ≤ {}", Sig(tol, 3)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_show_about_twenty_rows_with_both_ends() {
        let iterations: Vec<usize> = (0..=1000).collect();
        let (rows, every) = shown_rows(&iterations, None);
        assert_eq!(every, 50);
        assert_eq!(rows.len(), 21);
        assert_eq!((rows[0], *rows.last().unwrap()), (0, 1000));
        let (rows, _) = shown_rows(&iterations[..8], None);
        assert_eq!(rows.len(), 8);
        let (rows, _) = shown_rows(&iterations[..=998], Some(100));
        assert_eq!(rows.last(), Some(&998));
        assert_eq!(rows.len(), 11);
    }
}
