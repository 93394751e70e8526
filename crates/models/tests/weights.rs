//! Sample and class weights against scikit-learn (`tests/fixtures/sklearn_weights.json`, from
//! `scripts/make_fixtures.py`; the weights are in the file, one row in ten of weight 0), and
//! against their meaning: whole-number weights fit as the data with rows repeated, zero
//! weights as the data without the rows, for every model and the default solvers.

use descent_models::data::Dataset;
use descent_models::{
    ClassWeight, LinearRegression, LogisticRegression, Penalty, Solver, StandardScaler,
};
use ndarray::{Array1, Array2, Axis};
use serde_json::Value;

fn fixtures() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/sklearn_weights.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn numbers(v: &Value) -> Array1<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn data(name: &str) -> (Array2<f64>, Array1<f64>) {
    let path = format!("{}/../../data/{name}", env!("CARGO_MANIFEST_DIR"));
    let data = Dataset::from_csv(path, None).unwrap();
    (data.x, data.y)
}

fn standardized(name: &str) -> (Array2<f64>, Array1<f64>) {
    let (x, y) = data(name);
    let scaler = StandardScaler::fit(x.view()).unwrap();
    (scaler.transform(x.view()).unwrap(), y)
}

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

fn max_relative(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    let scale = b.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    (a - b).iter().fold(0.0_f64, |m, v| m.max(v.abs())) / scale
}

fn class_weight(v: &Value) -> Option<ClassWeight> {
    match v {
        Value::Null => None,
        Value::String(s) if s == "balanced" => Some(ClassWeight::Balanced),
        Value::Array(pairs) => Some(ClassWeight::Given(
            pairs
                .iter()
                .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
                .collect(),
        )),
        other => panic!("unexpected class_weight {other}"),
    }
}

#[test]
fn weighted_logistic_regression_matches_scikit_learn() {
    let f = fixtures();
    let (x, y) = standardized("breast_cancer.csv");
    let s = numbers(&f["breast_cancer_weights"]);
    for case in f["logistic"].as_array().unwrap() {
        let c = case["C"].as_f64().unwrap();
        let mut model = LogisticRegression::new().c(c).tol(1e-10).max_iter(1000);
        if let Some(w) = class_weight(&case["class_weight"]) {
            model = model.class_weight(w);
        }
        let fit = model.fit_weighted(x.view(), y.view(), s.view()).unwrap();
        assert!(
            fit.report.converged(),
            "C = {c}: {:?}",
            fit.report.termination
        );
        let expected = case["objective"].as_f64().unwrap();
        assert!(
            relative(fit.report.value, expected) < 1e-9,
            "C = {c} {}: {} against scikit-learn's {expected}",
            case["class_weight"],
            fit.report.value
        );
        let coef = numbers(&case["coef"]);
        assert!(max_relative(&fit.coef, &coef) < 1e-5, "C = {c}");
    }
    // Balanced classes without sample weights.
    let case = &f["balanced_unweighted"];
    let fit = LogisticRegression::new()
        .class_weight(ClassWeight::Balanced)
        .tol(1e-10)
        .fit(x.view(), y.view())
        .unwrap();
    assert!(relative(fit.report.value, case["objective"].as_f64().unwrap()) < 1e-9);
}

#[test]
fn weighted_l1_logistic_regression_reaches_scikit_learns_objective() {
    let f = fixtures();
    let (x, y) = standardized("breast_cancer.csv");
    let s = numbers(&f["breast_cancer_weights"]);
    let case = &f["l1"];
    let fit = LogisticRegression::new()
        .penalty(Penalty::L1)
        .c(case["C"].as_f64().unwrap())
        .tol(1e-10)
        .fit_weighted(x.view(), y.view(), s.view())
        .unwrap();
    assert!(fit.report.converged());
    let expected = case["objective"].as_f64().unwrap();
    // At least as low as saga's, and within 1e-9 of it.
    assert!(fit.report.value <= expected * (1.0 + 1e-12));
    assert!(relative(fit.report.value, expected) < 1e-9);
    let non_zeros = fit.coef.iter().filter(|&&w| w != 0.0).count();
    assert_eq!(non_zeros as u64, case["non_zeros"].as_u64().unwrap());
    // The certificate is of the weighted problem.
    assert!(fit.report.duality_gap.unwrap() < 1e-10);
}

#[test]
fn weighted_multinomial_regression_matches_scikit_learn() {
    let f = fixtures();
    let (x, y) = standardized("wine.csv");
    let s = numbers(&f["wine_weights"]);
    for case in f["multinomial"].as_array().unwrap() {
        let mut model = LogisticRegression::new().tol(1e-10);
        if let Some(w) = class_weight(&case["class_weight"]) {
            model = model.class_weight(w);
        }
        let fit = model
            .fit_multinomial_weighted(x.view(), y.view(), s.view())
            .unwrap();
        assert!(fit.report.converged());
        let expected = case["objective"].as_f64().unwrap();
        assert!(
            relative(fit.report.value, expected) < 1e-9,
            "{}: {} against {expected}",
            case["class_weight"],
            fit.report.value
        );
    }
}

#[test]
fn weighted_least_squares_matches_scikit_learn() {
    let f = fixtures();
    let (x, y) = data("diabetes.csv");
    let s = numbers(&f["diabetes_weights"]);
    let ols = LinearRegression::new()
        .fit_weighted(x.view(), y.view(), s.view())
        .unwrap();
    assert!(max_relative(&ols.coef, &numbers(&f["ols"]["coef"])) < 1e-9);
    assert!(relative(ols.intercept, f["ols"]["intercept"].as_f64().unwrap()) < 1e-9);
    let ridge = LinearRegression::new()
        .alpha(1.0)
        .fit_weighted(x.view(), y.view(), s.view())
        .unwrap();
    assert!(max_relative(&ridge.coef, &numbers(&f["ridge"]["coef"])) < 1e-9);
    // The same Ridge by an iterative solver.
    let newton = LinearRegression::new()
        .alpha(1.0)
        .solver(Solver::Newton)
        .tol(1e-10)
        .fit_weighted(x.view(), y.view(), s.view())
        .unwrap();
    assert!(max_relative(&newton.coef, &numbers(&f["ridge"]["coef"])) < 1e-8);
    let lasso = LinearRegression::new()
        .alpha(0.1)
        .l1_ratio(1.0)
        .tol(1e-10)
        .max_iter(100_000)
        .fit_weighted(x.view(), y.view(), s.view())
        .unwrap();
    let expected = f["lasso"]["objective"].as_f64().unwrap();
    assert!(
        relative(lasso.report.value, expected) < 1e-9,
        "{} against {expected}",
        lasso.report.value
    );
}

/// Seeded whole-number weights in 0..=3 and the rows they repeat.
fn repeated(n: usize) -> (Array1<f64>, Vec<usize>) {
    let s: Array1<f64> = (0..n).map(|i| ((i * 7 + 3) % 4) as f64).collect();
    let rows = (0..n)
        .flat_map(|i| std::iter::repeat_n(i, s[i] as usize))
        .collect();
    (s, rows)
}

#[test]
fn whole_number_weights_fit_as_repeated_rows() {
    let (x, y) = standardized("breast_cancer.csv");
    let (s, rows) = repeated(x.nrows());
    let (xr, yr) = (x.select(Axis(0), &rows), y.select(Axis(0), &rows));
    // Newton to 1e-10; the first-order solvers to where the objective stops changing.
    for (solver, tol) in [
        (Solver::Newton, 1e-10),
        (Solver::Lbfgs, 1e-7),
        (Solver::NewtonCg, 1e-7),
    ] {
        let model = LogisticRegression::new()
            .solver(solver)
            .tol(tol)
            .max_iter(5000);
        let weighted = model.fit_weighted(x.view(), y.view(), s.view()).unwrap();
        let plain = model.fit(xr.view(), yr.view()).unwrap();
        assert!(
            relative(weighted.report.value, plain.report.value) < 1e-10,
            "{solver:?}: {} against {}",
            weighted.report.value,
            plain.report.value
        );
        if solver == Solver::Newton {
            assert!(max_relative(&weighted.coef, &plain.coef) < 1e-8);
        }
    }
    let l1 = LogisticRegression::new()
        .penalty(Penalty::L1)
        .c(0.2)
        .tol(1e-10);
    let weighted = l1.fit_weighted(x.view(), y.view(), s.view()).unwrap();
    let plain = l1.fit(xr.view(), yr.view()).unwrap();
    assert!(relative(weighted.report.value, plain.report.value) < 1e-10);

    let (x, y) = standardized("wine.csv");
    let (s, rows) = repeated(x.nrows());
    let (xr, yr) = (x.select(Axis(0), &rows), y.select(Axis(0), &rows));
    let model = LogisticRegression::new().tol(1e-10);
    let weighted = model
        .fit_multinomial_weighted(x.view(), y.view(), s.view())
        .unwrap();
    let plain = model.fit_multinomial(xr.view(), yr.view()).unwrap();
    assert!(relative(weighted.report.value, plain.report.value) < 1e-12);

    let (x, y) = data("diabetes.csv");
    let (s, rows) = repeated(x.nrows());
    let (xr, yr) = (x.select(Axis(0), &rows), y.select(Axis(0), &rows));
    for alpha in [0.0, 2.0] {
        let model = LinearRegression::new().alpha(alpha);
        let weighted = model.fit_weighted(x.view(), y.view(), s.view()).unwrap();
        let plain = model.fit(xr.view(), yr.view()).unwrap();
        assert!(
            max_relative(&weighted.coef, &plain.coef) < 1e-9,
            "alpha {alpha}"
        );
        assert!(relative(weighted.intercept, plain.intercept) < 1e-9);
    }
}

#[test]
fn a_row_of_weight_zero_does_not_stop_the_separation_verdict() {
    // Separable but for one row, which weighs nothing: the unpenalized fit has no minimum.
    let x = ndarray::array![[0.0], [1.0], [2.0], [3.0], [0.5]];
    let y = ndarray::array![0.0, 0.0, 1.0, 1.0, 1.0];
    let s = ndarray::array![1.0, 1.0, 1.0, 1.0, 0.0];
    let fit = LogisticRegression::new()
        .penalty(Penalty::None)
        .fit_weighted(x.view(), y.view(), s.view())
        .unwrap();
    assert_eq!(
        fit.report.termination,
        descent_solvers::Termination::KeepsDecreasing
    );
    // With the row's weight, it is not separable, and the fit converges.
    let fit = LogisticRegression::new()
        .penalty(Penalty::None)
        .fit_weighted(
            x.view(),
            y.view(),
            ndarray::array![1.0, 1.0, 1.0, 1.0, 1.0].view(),
        )
        .unwrap();
    assert!(fit.report.converged());
}

#[test]
fn bad_weights_are_errors() {
    let (x, y) = (ndarray::array![[0.0], [1.0]], ndarray::array![0.0, 1.0]);
    let model = LogisticRegression::new();
    for bad in [
        ndarray::array![1.0],
        ndarray::array![1.0, -1.0],
        ndarray::array![0.0, 0.0],
        ndarray::array![1.0, f64::NAN],
    ] {
        assert!(model.fit_weighted(x.view(), y.view(), bad.view()).is_err());
    }
    let unknown = ClassWeight::Given(vec![(2.0, 1.0)]);
    let e = model
        .clone()
        .class_weight(unknown)
        .fit(x.view(), y.view())
        .unwrap_err();
    assert!(e.to_string().contains('2'), "{e}");
}
