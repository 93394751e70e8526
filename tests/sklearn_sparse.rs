//! L1 and elastic net against scikit-learn on the bundled data.
//!
//! The reference values are in `tests/fixtures/sklearn_sparse.json`, written by
//! `python3 scripts/make_fixtures.py sklearn_sparse.json`: scikit-learn's saga and liblinear
//! (with an intercept scaling of 10⁶, so that the intercept is effectively unpenalized) for
//! logistic regression, its coordinate descent for the Lasso and elastic net, all at tol
//! 1e-12; for logistic regression the best objective of its solvers is the reference.
//!
//! For each fit, descent must
//! - reach the reference objective within 1e-9 (relative),
//! - certify it: report a duality gap at most its tolerance, and be within that gap of every
//!   objective scikit-learn reached (`F − gap ≤ F_sklearn`: an independent check that the
//!   certificate is honest),
//! - and zero exactly the same coefficients.
//!
//! Objectives are in descent's mean form (see the script).

use descent::models::data::Dataset;
use descent::models::{
    FittedLinearRegression, FittedLogisticRegression, LinearRegression, LogisticRegression,
    Penalty, StandardScaler,
};
use ndarray::{Array1, Array2};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Fixtures {
    logistic: Vec<LogisticCase>,
    linear: Vec<LinearCase>,
    lasso_path: LassoPath,
    logistic_path: LogisticPath,
}

#[derive(Deserialize)]
struct Fit {
    coef: Vec<f64>,
    objective: f64,
    zeros: Vec<usize>,
}

#[derive(Deserialize)]
struct LogisticCase {
    scaling: String,
    #[serde(rename = "C")]
    c: f64,
    l1_ratio: f64,
    best_solver: String,
    best: Fit,
    fits: BTreeMap<String, Fit>,
}

#[derive(Deserialize)]
struct LinearCase {
    scaling: String,
    alpha: f64,
    l1_ratio: f64,
    best: Fit,
}

#[derive(Deserialize)]
struct LassoPath {
    alpha_max: f64,
    points: Vec<LassoPoint>,
}

#[derive(Deserialize)]
struct LassoPoint {
    alpha: f64,
    #[serde(flatten)]
    fit: Fit,
}

#[derive(Deserialize)]
struct LogisticPath {
    #[serde(rename = "C_min")]
    c_min: f64,
    points: Vec<LogisticPoint>,
}

#[derive(Deserialize)]
struct LogisticPoint {
    #[serde(rename = "C")]
    c: f64,
    #[serde(flatten)]
    fit: Fit,
}

/// The certified relative accuracy asked of every fit. (The gap cannot be computed much more
/// finely than 1e-14 of the objective: it is a difference of sums of N terms.)
const TOL: f64 = 1e-12;

fn fixtures() -> Fixtures {
    let path = format!(
        "{}/tests/fixtures/sklearn_sparse.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn data(name: &str, scaling: &str) -> (Array2<f64>, Array1<f64>) {
    let path = format!("{}/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let data = Dataset::from_csv(path, None).unwrap();
    let x = match scaling {
        "raw" => data.x,
        _ => StandardScaler::fit(data.x.view())
            .unwrap()
            .transform(data.x.view())
            .unwrap(),
    };
    (x, data.y)
}

fn zeros(coef: &Array1<f64>) -> Vec<usize> {
    (0..coef.len()).filter(|&j| coef[j] == 0.0).collect()
}

/// The checks every fit must pass against a reference fit; `others` are the objectives other
/// solvers reached (each at least the optimum).
fn check(
    label: &str,
    value: f64,
    gap: Option<f64>,
    converged: bool,
    coef: &Array1<f64>,
    reference: &Fit,
    others: &[f64],
) {
    let gap = gap.unwrap_or_else(|| panic!("{label}: no duality gap"));
    let relative = (value - reference.objective) / reference.objective;
    println!(
        "{label}: F = {value:.15}, reference {:.15} ({relative:+.1e}), gap {gap:.1e}, {} zeros",
        reference.objective,
        zeros(coef).len()
    );
    assert!(converged, "{label}: not converged");
    assert!(gap <= TOL * value, "{label}: gap {gap:.1e}");
    assert!(
        relative <= 1e-9,
        "{label}: {relative:.1e} above the reference"
    );
    for &other in others.iter().chain([&reference.objective]) {
        assert!(
            value - gap <= other * (1.0 + 1e-15),
            "{label}: the certificate says F* ≥ {}, but a solver reached {other}",
            value - gap
        );
    }
    assert_eq!(zeros(coef), reference.zeros, "{label}: zero sets differ");
    // The coefficients themselves, loosely: both are near the same optimum.
    let scale = reference.coef.iter().fold(1.0_f64, |m, w| m.max(w.abs()));
    let worst = coef
        .iter()
        .zip(&reference.coef)
        .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(
        worst <= 1e-4 * scale,
        "{label}: coefficients differ by {worst:.1e}"
    );
}

fn logistic(c: f64, l1_ratio: f64) -> LogisticRegression {
    let model = LogisticRegression::new()
        .c(c)
        .tol(TOL)
        .record_history(false);
    if l1_ratio == 1.0 {
        model.penalty(Penalty::L1)
    } else {
        model.penalty(Penalty::ElasticNet).l1_ratio(l1_ratio)
    }
}

fn check_logistic(label: &str, fit: &FittedLogisticRegression, reference: &Fit, others: &[f64]) {
    let r = &fit.report;
    let label = format!("{label} ({} iterations)", r.iterations);
    check(
        &label,
        r.value,
        r.duality_gap,
        r.converged(),
        &fit.coef,
        reference,
        others,
    );
}

fn check_linear(label: &str, fit: &FittedLinearRegression, reference: &Fit) {
    let r = &fit.report;
    let label = format!("{label} ({} iterations)", r.iterations);
    check(
        &label,
        r.value,
        r.duality_gap,
        r.converged(),
        &fit.coef,
        reference,
        &[],
    );
}

#[test]
fn l1_and_elastic_net_logistic_regression_match_scikit_learn() {
    let fixtures = fixtures();
    for case in &fixtures.logistic {
        let (x, y) = data("breast_cancer.csv", &case.scaling);
        let others: Vec<f64> = case.fits.values().map(|f| f.objective).collect();
        let fit = logistic(case.c, case.l1_ratio)
            .fit(x.view(), y.view())
            .unwrap();
        let label = format!(
            "logistic {} C = {} l1_ratio = {} (reference: {})",
            case.scaling, case.c, case.l1_ratio, case.best_solver
        );
        check_logistic(&label, &fit, &case.best, &others);
    }
}

#[test]
fn lasso_and_elastic_net_match_scikit_learn() {
    let fixtures = fixtures();
    for case in &fixtures.linear {
        let (x, y) = data("diabetes.csv", &case.scaling);
        let fit = LinearRegression::new()
            .alpha(case.alpha)
            .l1_ratio(case.l1_ratio)
            .tol(TOL)
            .record_history(false)
            .fit(x.view(), y.view())
            .unwrap();
        let label = format!(
            "linear {} alpha = {} l1_ratio = {}",
            case.scaling, case.alpha, case.l1_ratio
        );
        check_linear(&label, &fit, &case.best);
    }
}

/// A warm-started Lasso path matches scikit-learn's `enet_path` point by point, from the
/// alpha at which every coefficient is zero.
#[test]
fn the_lasso_path_matches_scikit_learn_point_by_point() {
    let path = fixtures().lasso_path;
    let (x, y) = data("diabetes.csv", "raw");
    let lasso = LinearRegression::new().l1_ratio(1.0);
    let alpha_max = lasso.alpha_max(x.view(), y.view()).unwrap().unwrap();
    assert!((alpha_max - path.alpha_max).abs() <= 1e-12 * path.alpha_max);
    let mut previous: Option<FittedLinearRegression> = None;
    for (k, point) in path.points.iter().enumerate() {
        let model = lasso
            .clone()
            .alpha(point.alpha)
            .tol(TOL)
            .record_history(false);
        let fit = match &previous {
            Some(p) => model.fit_warm(x.view(), y.view(), p).unwrap(),
            None => model.fit(x.view(), y.view()).unwrap(),
        };
        check_linear(
            &format!("lasso path point {k}, alpha = {}", point.alpha),
            &fit,
            &point.fit,
        );
        previous = Some(fit);
    }
}

/// A warm-started L1 logistic path matches scikit-learn's (saga, `warm_start=True`) point by
/// point. Its first point is C_min itself, where the first coefficient's optimality condition
/// holds with equality: 0 is the solution, and a solver may leave a coefficient of the size
/// of rounding there. The zero sets are compared from the second point on.
#[test]
fn the_l1_logistic_path_matches_scikit_learn_point_by_point() {
    let path = fixtures().logistic_path;
    let (x, y) = data("breast_cancer.csv", "standardized");
    let model = LogisticRegression::new().penalty(Penalty::L1);
    let c_min = model.l1_min_c(x.view(), y.view()).unwrap().unwrap();
    assert!((c_min - path.c_min).abs() <= 1e-12 * path.c_min);
    let mut previous: Option<FittedLogisticRegression> = None;
    for (k, point) in path.points.iter().enumerate() {
        let settings = logistic(point.c, 1.0);
        let fit = match &previous {
            Some(p) => settings.fit_warm(x.view(), y.view(), p).unwrap(),
            None => settings.fit(x.view(), y.view()).unwrap(),
        };
        let label = format!("logistic path point {k}, C = {}", point.c);
        if k == 0 {
            assert!(
                fit.coef.iter().all(|w| w.abs() < 1e-12),
                "{label}: {}",
                fit.coef
            );
            assert!(point.fit.coef.iter().all(|w| w.abs() < 1e-12), "{label}");
        } else {
            check_logistic(&label, &fit, &point.fit, &[]);
        }
        previous = Some(fit);
    }
}
