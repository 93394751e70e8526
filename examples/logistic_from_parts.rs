//! Trains a logistic regression by composing the parts directly: the log loss of the data,
//! scikit-learn's L2 penalty with C = 1, and a solver. No model type is involved; this is
//! what a `LogisticRegression` is made of.
//!
//! Data: the Wisconsin breast cancer set bundled in `data/breast_cancer.csv` (569 rows, 30
//! features, target 1 = benign). Features are standardized (mean 0, population standard
//! deviation 1), as a scikit-learn pipeline with `StandardScaler` does.
//!
//! Run with `cargo run --release --example logistic_from_parts`.

use descent::objectives::metrics::{accuracy, log_loss};
use descent::objectives::{sigmoid, L2Regularized, LogLoss};
use descent::solvers::{Bfgs, GradientDescent, Lbfgs, Minimize, Newton, Report};
use ndarray::{s, Array1, Array2, Axis};
use std::error::Error;

/// Reads a numeric CSV with a header row; the last column is the target.
fn read_csv(path: &str) -> Result<(Array2<f64>, Array1<f64>), Box<dyn Error>> {
    let mut reader = csv::Reader::from_path(path)?;
    let mut values = Vec::new();
    let mut rows = 0;
    for (line, record) in reader.records().enumerate() {
        for field in record?.iter() {
            let value: f64 = field
                .parse()
                .map_err(|e| format!("{path}, line {}: {field:?}: {e}", line + 2))?;
            values.push(value);
        }
        rows += 1;
    }
    let table = Array2::from_shape_vec((rows, values.len() / rows.max(1)), values)?;
    let columns = table.ncols();
    Ok((
        table.slice(s![.., ..columns - 1]).to_owned(),
        table.column(columns - 1).to_owned(),
    ))
}

fn standardize(x: &mut Array2<f64>) {
    let Some(mean) = x.mean_axis(Axis(0)) else {
        return;
    };
    let std = x.std_axis(Axis(0), 0.0);
    for (mut column, (&m, &s)) in x.columns_mut().into_iter().zip(mean.iter().zip(&std)) {
        let s = if s > 0.0 { s } else { 1.0 };
        column.mapv_inplace(|v| (v - m) / s);
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/breast_cancer.csv");
    let (mut x, y) = read_csv(path)?;
    standardize(&mut x);
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
