//! Three wine cultivars from 13 chemical measurements: multinomial logistic regression, first
//! by the model type, then by the parts it is made of (the multinomial log loss, scikit-learn's
//! L2 penalty and a solver), and with an L1 penalty that zeroes coefficients.
//!
//! Data: the UCI wine recognition set bundled in `data/wine.csv` (178 rows, classes 0, 1, 2),
//! standardized as a scikit-learn pipeline with `StandardScaler` does.
//!
//! Run with `cargo run --release --example multiclass`.

use descent::models::data::Dataset;
use descent::models::{LogisticRegression, Penalty, StandardScaler};
use descent::objectives::{Gradient, L2Regularized, MultinomialLogLoss, Objective};
use descent::solvers::{Lbfgs, Minimize};
use ndarray::Array1;
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/wine.csv");
    let data = Dataset::from_csv(path, None)?;
    let x = StandardScaler::fit(data.x.view())?.transform(data.x.view())?;
    let y = data.y;
    let (n, p) = x.dim();

    // The model: Newton by default at this size (3 classes × 14 parameters).
    let fit = LogisticRegression::new()
        .c(1.0)
        .tol(1e-10)
        .fit_multinomial(x.view(), y.view())?;
    let metrics = fit.evaluate(x.view(), y.view())?;
    println!(
        "wine: {n} samples, {p} standardized features, classes {:?}",
        fit.classes
    );
    println!(
        "model: {} in {} iterations, objective {:.12} (scikit-learn: 0.0679232346846)",
        fit.solver, fit.report.iterations, fit.report.value
    );
    println!(
        "       accuracy {:.4}, log loss {:.5}, confusion {:?}",
        metrics.accuracy, metrics.log_loss, metrics.confusion_matrix
    );

    // The same objective from its parts: labels as class indices, the mean multinomial log
    // loss, the penalty ‖W‖²/(2·C·N) on the coefficients (not on the three intercepts).
    let labels: Vec<u32> = y.iter().map(|&v| v as u32).collect();
    let loss = MultinomialLogLoss::new(&x, labels.as_slice(), 3)?;
    let objective = L2Regularized::with_c(&loss, 1.0)?;
    let start = Array1::zeros(3 * (p + 1)); // W (3 × 13, row by row), then b (3)
    let report = Lbfgs::new()
        .gradient_tolerance(1e-8)
        .minimize(&objective, start)?;
    println!(
        "parts: L-BFGS in {} iterations, objective {:.12}, ‖∇F‖ {:.1e}",
        report.iterations,
        objective.value(&report.x),
        objective.gradient_norm(&objective.gradient(&report.x))
    );

    // L1: fewer features per class; the duality gap certifies the objective.
    let sparse = LogisticRegression::new()
        .penalty(Penalty::L1)
        .c(0.1)
        .tol(1e-10)
        .fit_multinomial(x.view(), y.view())?;
    let kept = sparse.coef.iter().filter(|&&w| w != 0.0).count();
    println!(
        "L1, C = 0.1: {kept} of {} coefficients non-zero, duality gap {:.1e}",
        sparse.coef.len(),
        sparse.report.duality_gap.unwrap_or(f64::NAN)
    );
    Ok(())
}
