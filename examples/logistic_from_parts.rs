//! Trains a logistic regression by composing the parts directly: the log loss of the data,
//! scikit-learn's L2 penalty with C = 1, and a solver. No model type is involved; this is
//! what a `LogisticRegression` is made of.
//!
//! Data: the Wisconsin breast cancer set bundled in `data/breast_cancer.csv` (569 rows, 30
//! features, target 1 = benign). Features are standardized (mean 0, population standard
//! deviation 1), as a scikit-learn pipeline with `StandardScaler` does.
//!
//! Run with `cargo run --release --example logistic_from_parts`.

use descent::models::data::Dataset;
use descent::models::metrics::{accuracy, log_loss};
use descent::models::StandardScaler;
use descent::objectives::{sigmoid, L2Regularized, LogLoss};
use descent::solvers::{Bfgs, GradientDescent, Lbfgs, Minimize, Newton, Report};
use ndarray::{s, Array1};
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/breast_cancer.csv");
    let data = Dataset::from_csv(path, None)?;
    let (x, y) = (
        StandardScaler::fit(data.x.view())?.transform(data.x.view())?,
        data.y,
    );
    let (n, p) = x.dim();
    let c = 1.0;

    // The objective: mean log loss + ‖w‖²/(2·C·N), scikit-learn's C·Σ loss + ½‖w‖² rescaled.
    let objective = L2Regularized::with_c(LogLoss::new(&x, &y)?, c)?;
    let start = Array1::zeros(p + 1); // 30 coefficients, then the intercept

    println!("breast cancer: {n} samples, {p} standardized features, L2 penalty with C = {c}\n");
    println!(
        "{:<18} {:>5} {:>6} {:>6} {:>5} {:>15} {:>10} {:>9} {:>9}  termination",
        "solver", "iter", "f", "∇f", "∇²f", "objective", "‖∇f‖", "accuracy", "log loss"
    );
    let solvers: Vec<Box<dyn Minimize<_>>> = vec![
        Box::new(Newton::new().step_tolerance(1e-12)),
        Box::new(Lbfgs::new().step_tolerance(1e-12)),
        Box::new(Bfgs::new().step_tolerance(1e-12)),
        Box::new(
            GradientDescent::new(1.0)
                .max_iterations(100_000)
                .step_tolerance(1e-12),
        ),
    ];
    for solver in &solvers {
        let report: Report<Array1<f64>> = solver.minimize(&objective, start.clone())?;
        let (w, b) = (report.x.slice(s![..p]), report.x[p]);
        let probability = (x.dot(&w) + b).mapv(sigmoid);
        let predicted = probability.mapv(|q| if q >= 0.5 { 1.0 } else { 0.0 });
        println!(
            "{:<18} {:>5} {:>6} {:>6} {:>5} {:>15.12} {:>10.2e} {:>9.4} {:>9.5}  {}",
            report.solver,
            report.iterations,
            report.evaluations.value,
            report.evaluations.gradient,
            report.evaluations.hessian,
            report.value,
            report.gradient_norm.unwrap_or(f64::NAN),
            accuracy(&y, &predicted)?,
            log_loss(&y, &probability)?,
            report.termination
        );
    }
    println!("\nobjective = mean log loss + ‖w‖²/(2·C·N); multiply by C·N = {} for scikit-learn's C·Σ loss + ½‖w‖²", c * n as f64);
    Ok(())
}
