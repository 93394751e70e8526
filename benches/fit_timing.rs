//! Times whole fits on a CSV file, for `benches/compare.py`: descent's solvers and, for
//! logistic regression, linfa-logistic (the Rust peer), each at several tolerances.
//!
//! ```text
//! cargo bench --bench fit_timing -- --data FILE.csv --model logistic|linear [--C 1]
//!     [--solvers newton,lbfgs,...] [--tols 1e-4,1e-6,...] [--runs 5] [--max-iter 2000] [--linfa]
//!     [--dtype f64|f32]
//! ```
//!
//! With `--dtype f32` the features are read and stored as `f32` (descent's `--dtype f32`), and
//! the objective is that of the `f32` data (evaluated in `f64`, as the fit computes it).
//!
//! Prints one JSON object per line: the CSV read (`"step": "read_csv"`), then one per
//! (library, solver, tolerance) with the median wall time of `--runs` fits (the fit alone:
//! the file is read once, before), the iterations, and the objective in descent's mean form,
//! `(1/N) Σ log loss + ‖w‖²/(2CN)` or `(1/N) Σ (y − ŷ)²`, evaluated by descent for every
//! library so that the numbers compare.

use descent::models::data::Dataset;
use descent::models::{LinearRegression, LogisticRegression, Solver};
use descent::objectives::{Features, L2Regularized, LogLoss, MeanSquaredError, Objective};
use linfa::prelude::Fit;
use ndarray::{concatenate, Array1, Axis};
use std::time::Instant;

struct Options {
    data: String,
    model: String,
    c: f64,
    solvers: Vec<String>,
    tols: Vec<f64>,
    runs: usize,
    max_iter: usize,
    linfa: bool,
    f32: bool,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        data: String::new(),
        model: "logistic".into(),
        c: 1.0,
        solvers: vec!["newton".into(), "lbfgs".into()],
        tols: vec![1e-4, 1e-6, 1e-8],
        runs: 5,
        max_iter: 2000,
        linfa: false,
        f32: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--data" => options.data = value()?,
            "--model" => options.model = value()?,
            "--C" => options.c = value()?.parse().map_err(|e| format!("--C: {e}"))?,
            "--solvers" => options.solvers = value()?.split(',').map(str::to_owned).collect(),
            "--tols" => {
                options.tols = value()?
                    .split(',')
                    .map(|t| t.parse().map_err(|e| format!("--tols: {e}")))
                    .collect::<Result<_, _>>()?;
            }
            "--runs" => options.runs = value()?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--max-iter" => {
                options.max_iter = value()?.parse().map_err(|e| format!("--max-iter: {e}"))?;
            }
            "--linfa" => options.linfa = true,
            "--dtype" => options.f32 = value()? == "f32",
            // cargo bench passes --bench to harness-less benches.
            "--bench" => {}
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if options.data.is_empty() {
        return Err("--data FILE.csv is required".into());
    }
    Ok(options)
}

fn solver(name: &str) -> Result<Solver, String> {
    Ok(match name {
        "newton" => Solver::Newton,
        "lbfgs" => Solver::Lbfgs,
        "bfgs" => Solver::Bfgs,
        "newton-cg" => Solver::NewtonCg,
        "cg" => Solver::ConjugateGradient,
        "lstsq" => Solver::LeastSquares,
        other => return Err(format!("unknown solver {other}")),
    })
}

/// Median wall time of `runs` calls of `fit` (after one untimed call), and the last result.
fn timed<T>(runs: usize, mut fit: impl FnMut() -> T) -> (f64, T) {
    let mut last = fit();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        last = fit();
        times.push(started.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], last)
}

fn main() {
    if let Err(e) = run() {
        eprintln!("fit_timing: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let o = options()?;
    let (read_seconds, data) = timed(o.runs, || Dataset::from_csv(&o.data, None));
    let data = data.map_err(|e| e.to_string())?;
    let narrow = o.f32.then(|| data.x.mapv(|v| v as f32));
    let y = data.y.view();
    let x: Features = match &narrow {
        Some(x32) => x32.into(),
        None => data.x.view().into(),
    };
    let x = &x;
    println!(
        "{{\"step\": \"read_csv\", \"seconds\": {read_seconds}, \"rows\": {}, \"features\": {}}}",
        x.nrows(),
        x.ncols()
    );
    let objective = |params: &Array1<f64>| -> Result<f64, String> {
        Ok(match o.model.as_str() {
            "logistic" => {
                L2Regularized::with_c(LogLoss::new(x, y).map_err(|e| e.to_string())?, o.c)
                    .map_err(|e| e.to_string())?
                    .value(params)
            }
            _ => MeanSquaredError::new(x, y)
                .map_err(|e| e.to_string())?
                .value(params),
        })
    };
    let line = |library: &str, solver: &str, tol: f64, seconds: f64, iterations: usize, f: f64| {
        println!(
            "{{\"library\": \"{library}\", \"solver\": \"{solver}\", \"tol\": {tol}, \"seconds\": {seconds}, \"iterations\": {iterations}, \"objective\": {f:.17e}}}"
        );
    };
    for name in &o.solvers {
        let solver = solver(name)?;
        let tols: &[f64] = if solver == Solver::LeastSquares {
            &[0.0]
        } else {
            &o.tols
        };
        for &tol in tols {
            let (seconds, params, iterations) = if o.model == "logistic" {
                let model = LogisticRegression::new()
                    .c(o.c)
                    .solver(solver)
                    .tol(tol)
                    .max_iter(o.max_iter)
                    .record_history(false);
                let (seconds, fit) = timed(o.runs, || model.fit(x, y));
                let fit = fit.map_err(|e| e.to_string())?;
                (seconds, fit.params(), fit.report.iterations)
            } else {
                let model = LinearRegression::new()
                    .solver(solver)
                    .tol(tol.max(1e-300))
                    .max_iter(o.max_iter)
                    .record_history(false);
                let (seconds, fit) = timed(o.runs, || model.fit(x, y));
                let fit = fit.map_err(|e| e.to_string())?;
                let mut params = fit.coef.to_vec();
                params.push(fit.intercept);
                (seconds, Array1::from(params), fit.report.iterations)
            };
            line(
                "descent",
                name,
                tol,
                seconds,
                iterations,
                objective(&params)?,
            );
        }
    }
    if o.linfa && o.model == "logistic" {
        // linfa minimizes Σ log loss + (α/2)‖w‖², the same minimizer as C Σ log loss + ½‖w‖²
        // with α = 1/C; its gradient tolerance applies to that sum (N times the mean form).
        let labels: Array1<usize> = y.mapv(|v| usize::from(v > 0.5));
        let dataset = linfa::Dataset::new(x.to_f64().into_owned(), labels);
        let n = x.nrows() as f64;
        for &tol in &o.tols {
            let model = linfa_logistic::LogisticRegression::default()
                .alpha(1.0 / o.c)
                .gradient_tolerance(tol * n)
                .max_iterations(o.max_iter as u64);
            let (seconds, fit) = timed(o.runs, || model.fit(&dataset));
            let fit = fit.map_err(|e| e.to_string())?;
            let params = concatenate![
                Axis(0),
                fit.params().view(),
                Array1::from(vec![fit.intercept()])
            ];
            line(
                "linfa-logistic",
                "lbfgs",
                tol,
                seconds,
                0,
                objective(&params)?,
            );
        }
    }
    Ok(())
}
