//! The main job: every solver on the bundled data, on a seeded train/test split.
//!
//! - Logistic regression (C = 1) on breast cancer, raw features: Newton, L-BFGS and gradient
//!   descent, each with the internal preconditioning (the default) and L-BFGS also without it.
//! - Linear regression on diabetes: least squares (SVD), Newton, L-BFGS and gradient descent.
//!
//! Run with `make demo`, or `cargo run --release --example bundled_data`.

use descent::models::data::Dataset;
use descent::models::{train_test_split, LinearRegression, LogisticRegression, Solver, Split};
use std::error::Error;

const SEED: u64 = 42;
const TEST_SIZE: f64 = 0.2;
/// Each fit runs this many times and the run with the median solver time is reported, so that
/// one-off costs (the first LAPACK call, page faults) do not land on whichever solver runs first.
const REPEATS: usize = 3;

/// Runs `fit` [`REPEATS`] times and returns the result with the median solver time.
fn median_run<T>(
    mut fit: impl FnMut() -> Result<T, descent::models::ModelError>,
    elapsed: impl Fn(&T) -> std::time::Duration,
) -> Result<T, descent::models::ModelError> {
    let mut runs = (0..REPEATS).map(|_| fit()).collect::<Result<Vec<T>, _>>()?;
    runs.sort_by_key(|r| elapsed(r));
    Ok(runs.swap_remove(REPEATS / 2))
}

fn split(name: &str) -> Result<Split, Box<dyn Error>> {
    let path = format!("{}/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let data = Dataset::from_csv(&path, None)?;
    println!(
        "{name}: {} rows × {} features; train/test split {:.0}%/{:.0}% with seed {SEED}",
        data.x.nrows(),
        data.x.ncols(),
        100.0 * (1.0 - TEST_SIZE),
        100.0 * TEST_SIZE
    );
    Ok(train_test_split(
        data.x.view(),
        data.y.view(),
        TEST_SIZE,
        SEED,
    )?)
}

fn logistic() -> Result<(), Box<dyn Error>> {
    let s = split("breast_cancer.csv")?;
    println!("logistic regression, C = 1, raw features, tol = 1e-8 on ‖∇F‖\n");
    println!(
        "{:<34} {:>6} {:>10} {:>16} {:>9} {:>9} {:>9} {:>9}  termination",
        "solver", "iter", "fit (ms)", "objective", "‖∇F‖", "train acc", "test acc", "test loss"
    );
    let base = LogisticRegression::new().c(1.0).tol(1e-8).max_iter(20_000);
    let runs = [
        ("Newton", base.clone().solver(Solver::Newton)),
        ("L-BFGS", base.clone().solver(Solver::Lbfgs)),
        (
            "gradient descent, γ = 1",
            base.clone()
                .solver(Solver::GradientDescent { learning_rate: 1.0 }),
        ),
        (
            "L-BFGS without preconditioning",
            base.clone().solver(Solver::Lbfgs).precondition(false),
        ),
    ];
    for (name, model) in runs {
        let fit = median_run(
            || model.fit(s.x_train.view(), s.y_train.view()),
            |f| f.report.elapsed,
        )?;
        let train = fit.evaluate(s.x_train.view(), s.y_train.view())?;
        let test = fit.evaluate(s.x_test.view(), s.y_test.view())?;
        println!(
            "{:<34} {:>6} {:>10.3} {:>16.12} {:>9.1e} {:>9.4} {:>9.4} {:>9.5}  {}",
            name,
            fit.report.iterations,
            fit.report.elapsed.as_secs_f64() * 1e3,
            fit.report.value,
            fit.report.gradient_norm.unwrap_or(f64::NAN),
            train.accuracy,
            test.accuracy,
            test.log_loss,
            fit.report.termination.brief()
        );
    }
    Ok(())
}

fn linear() -> Result<(), Box<dyn Error>> {
    let s = split("diabetes.csv")?;
    println!("linear regression (ordinary least squares), raw features, tol = 1e-8 on ‖∇F‖\n");
    println!(
        "{:<34} {:>6} {:>10} {:>16} {:>9} {:>9} {:>9} {:>9}  termination",
        "solver", "iter", "fit (ms)", "objective (MSE)", "‖∇F‖", "train R²", "test R²", "test RMSE"
    );
    let base = LinearRegression::new().tol(1e-8).max_iter(100_000);
    let runs = [
        ("least squares (SVD)", base.clone()),
        ("Newton", base.clone().solver(Solver::Newton)),
        ("L-BFGS", base.clone().solver(Solver::Lbfgs)),
        (
            "gradient descent, γ = 0.1",
            base.clone()
                .solver(Solver::GradientDescent { learning_rate: 0.1 }),
        ),
    ];
    for (name, model) in runs {
        let fit = median_run(
            || model.fit(s.x_train.view(), s.y_train.view()),
            |f| f.report.elapsed,
        )?;
        let train = fit.evaluate(s.x_train.view(), s.y_train.view())?;
        let test = fit.evaluate(s.x_test.view(), s.y_test.view())?;
        println!(
            "{:<34} {:>6} {:>10.3} {:>16.6} {:>9.1e} {:>9.5} {:>9.5} {:>9.4}  {}",
            name,
            fit.report.iterations,
            fit.report.elapsed.as_secs_f64() * 1e3,
            fit.report.value,
            fit.report.gradient_norm.unwrap_or(f64::NAN),
            train.r2.unwrap_or(f64::NAN),
            test.r2.unwrap_or(f64::NAN),
            test.rmse,
            fit.report.termination.brief()
        );
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    logistic()?;
    println!();
    linear()?;
    println!(
        "\nfit (ms): the solver's own time, median of {REPEATS} runs. Objectives are in the mean form: log loss + ‖w‖²/(2CN), and MSE."
    );
    println!(
        "A fit is converged when ‖∇F‖ ≤ tol at its end; L-BFGS stops where F stops changing in its last digits, which here is short of 1e-8, and says that it stalled."
    );
    Ok(())
}
