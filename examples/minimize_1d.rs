//! Minimizes one 1-D function with gradient descent at four learning rates, with Newton's
//! method and with Brent's method, and prints how each run ended.
//!
//! The function is f(x) = (x − 2)² + 4·log cosh(x − 2), minimum 0 at x = 2, with derivatives
//! from automatic differentiation. Its curvature is 6 at the minimum and 2 far from it, so
//! the four learning rates reproduce the course's figure: 0.001 is too small (far from the
//! minimum after 50 iterations), 0.01 and 0.1 converge (0.1 much faster), and 0.4 overshoots
//! into a 2-cycle around the minimum that never converges. A run converges when
//! |f′(x)| ≤ 1e-10 at its end; the course's step rule |Δx| < tol, run last, shows what it says
//! of a learning rate too small to move: that the run stalled, not that it converged.
//!
//! Run with `cargo run --release --example minimize_1d`.

use descent::objectives::univariate::{AutoDiff, Dual2_64, DualNum};
use descent::solvers::{
    significant, Brent, GradientDescent, Minimize, Newton, Report, SolverError,
};

fn row(method: &str, report: &Report<f64>) {
    println!(
        "{method:<26} {:>10} {:>14} {:>12}  {}",
        report.iterations,
        significant(report.x, 10),
        significant(report.value, 4),
        report.termination
    );
}

fn main() -> Result<(), SolverError> {
    let f = AutoDiff::new(|x: Dual2_64| {
        let u = x - 2.0;
        u * u + u.cosh().ln() * 4.0
    });
    let x0 = 0.0;
    let (tolerance, max_iterations) = (1e-10, 50);
    println!("f(x) = (x − 2)² + 4·log cosh(x − 2), from x0 = {x0}");
    println!("converged when |f′(x)| ≤ {tolerance:e}, at most {max_iterations} iterations\n");
    println!(
        "{:<26} {:>10} {:>14} {:>12}  termination",
        "method", "iterations", "x", "f(x)"
    );
    for rate in [0.001, 0.01, 0.1, 0.4] {
        let report = GradientDescent::new(rate)
            .gradient_tolerance(tolerance)
            .max_iterations(max_iterations)
            .minimize(&f, x0)?;
        row(&format!("gradient descent {rate}"), &report);
    }
    // With 500 iterations 0.01 converges too, and 0.4 still bounces.
    for rate in [0.01, 0.4] {
        let report = GradientDescent::new(rate)
            .gradient_tolerance(tolerance)
            .max_iterations(500)
            .minimize(&f, x0)?;
        row(&format!("  … {rate}, 500 iterations"), &report);
    }
    let newton = Newton::new()
        .gradient_tolerance(tolerance)
        .max_iterations(max_iterations)
        .minimize(&f, x0)?;
    row("Newton", &newton);
    let brent = Brent::new(-10.0, 10.0).minimize(&f, x0)?;
    row("Brent on [-10, 10]", &brent);
    // The course's step rule with a rate far too small: it fires at once, far from 2.
    let crawl = GradientDescent::new(1e-9)
        .step_tolerance(1e-8)
        .minimize(&f, x0)?;
    row("gd 1e-9, |Δx| < 1e-8 rule", &crawl);
    Ok(())
}
