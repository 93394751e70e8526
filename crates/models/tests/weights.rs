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

/// scikit-learn's metrics with `sample_weight=` on the fixture's predictions: binary (with and
/// without ties in the scores), multiclass and regression.
#[test]
fn weighted_metrics_match_scikit_learn() {
    use descent_models::metrics::{ClassificationMetrics, MulticlassMetrics, RegressionMetrics};
    let f = &fixtures()["metrics"];
    let close = |found: f64, expected: &Value, what: &str| {
        let expected = expected.as_f64().unwrap();
        assert!(
            relative(found, expected) < 1e-12,
            "{what}: {found} against scikit-learn's {expected}"
        );
    };
    for case in f["binary"].as_array().unwrap() {
        let (y, p, s) = (
            numbers(&case["y"]),
            numbers(&case["probability"]),
            numbers(&case["weights"]),
        );
        let predicted = p.mapv(|p| f64::from(u8::from(p > 0.5)));
        let m =
            ClassificationMetrics::weighted(y.view(), predicted.view(), p.view(), Some(s.view()))
                .unwrap();
        close(m.accuracy, &case["accuracy"], "accuracy");
        close(m.log_loss, &case["log_loss"], "log loss");
        close(m.precision, &case["precision"], "precision");
        close(m.recall, &case["recall"], "recall");
        close(m.f1, &case["f1"], "F1");
        close(m.roc_auc.unwrap(), &case["roc_auc"], "ROC AUC");
        let matrix = m.weighted_confusion_matrix.unwrap();
        for (t, row) in case["confusion_matrix"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            for (q, v) in row.as_array().unwrap().iter().enumerate() {
                close(matrix[t][q], v, "confusion matrix");
            }
        }
        // W as the weighted losses sum it (blocks of rows in order), to the bit.
        let total = descent_objectives::row_total(s.as_slice().unwrap(), None);
        assert_eq!(m.weight_sum, Some(total));
        assert!((total - s.sum()).abs() <= 1e-12 * total);
    }
    let case = &f["multiclass"];
    let labels: Vec<usize> = numbers(&case["labels"])
        .iter()
        .map(|&l| l as usize)
        .collect();
    let rows: Vec<Array1<f64>> = case["probabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(numbers)
        .collect();
    let views: Vec<_> = rows.iter().map(|r| r.view()).collect();
    let p = ndarray::stack(Axis(0), &views).unwrap();
    let s = numbers(&case["weights"]);
    let m = MulticlassMetrics::weighted(&labels, p.view(), Some(s.view())).unwrap();
    close(m.accuracy, &case["accuracy"], "accuracy");
    close(m.log_loss, &case["log_loss"], "log loss");
    close(
        m.macro_precision,
        &case["macro_precision"],
        "macro precision",
    );
    close(m.macro_recall, &case["macro_recall"], "macro recall");
    close(m.macro_f1, &case["macro_f1"], "macro F1");
    close(m.weighted_f1, &case["weighted_f1"], "weighted F1");
    let matrix = m.weighted_confusion_matrix.unwrap();
    for (t, row) in case["confusion_matrix"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        for (q, v) in row.as_array().unwrap().iter().enumerate() {
            close(matrix[t][q], v, "confusion matrix");
        }
    }
    let case = &f["regression"];
    let (y, predicted, s) = (
        numbers(&case["y"]),
        numbers(&case["predicted"]),
        numbers(&case["weights"]),
    );
    let m = RegressionMetrics::weighted(y.view(), predicted.view(), Some(s.view())).unwrap();
    close(m.mse, &case["mse"], "MSE");
    close(m.mae, &case["mae"], "MAE");
    close(m.r2.unwrap(), &case["r2"], "R²");
}

/// Weighted metrics mean what repeating rows means, unit weights give the plain metrics, and
/// bad weights are errors.
#[test]
fn weighted_metrics_count_as_repeated_rows() {
    use descent_models::metrics::{ClassificationMetrics, RegressionMetrics};
    use ndarray::array;
    let y = array![0.0, 1.0, 1.0, 0.0, 1.0];
    let p = array![0.3, 0.3, 0.8, 0.6, 0.6];
    let predicted = p.mapv(|p| f64::from(u8::from(p > 0.5)));
    let s = array![2.0, 1.0, 3.0, 0.0, 1.0];
    let weighted =
        ClassificationMetrics::weighted(y.view(), predicted.view(), p.view(), Some(s.view()))
            .unwrap();
    let rows: Vec<usize> = (0..5)
        .flat_map(|i| std::iter::repeat_n(i, s[i] as usize))
        .collect();
    let pick = |v: &Array1<f64>| v.select(Axis(0), &rows);
    let repeated =
        ClassificationMetrics::new(pick(&y).view(), pick(&predicted).view(), pick(&p).view())
            .unwrap();
    for (a, b) in [
        (weighted.accuracy, repeated.accuracy),
        (weighted.log_loss, repeated.log_loss),
        (weighted.precision, repeated.precision),
        (weighted.recall, repeated.recall),
        (weighted.f1, repeated.f1),
        (weighted.roc_auc.unwrap(), repeated.roc_auc.unwrap()),
    ] {
        assert!((a - b).abs() < 1e-14, "{a} against {b}");
    }
    let ones = Array1::ones(5);
    let unit =
        ClassificationMetrics::weighted(y.view(), predicted.view(), p.view(), Some(ones.view()))
            .unwrap();
    let plain = ClassificationMetrics::new(y.view(), predicted.view(), p.view()).unwrap();
    assert_eq!(
        (unit.accuracy, unit.precision, unit.roc_auc),
        (plain.accuracy, plain.precision, plain.roc_auc)
    );
    let regression = RegressionMetrics::weighted(y.view(), p.view(), Some(s.view())).unwrap();
    let repeated_regression = RegressionMetrics::new(pick(&y).view(), pick(&p).view()).unwrap();
    assert!((regression.mse - repeated_regression.mse).abs() < 1e-15);
    assert!((regression.r2.unwrap() - repeated_regression.r2.unwrap()).abs() < 1e-14);
    for bad in [
        array![1.0, -1.0, 1.0, 1.0, 1.0],
        array![0.0, 0.0, 0.0, 0.0, 0.0],
    ] {
        assert!(RegressionMetrics::weighted(y.view(), p.view(), Some(bad.view())).is_err());
    }
    // Positive weight on one class only: the ROC AUC is undefined, not a number.
    let one_class = array![1.0, 0.0, 0.0, 1.0, 0.0];
    let m = ClassificationMetrics::weighted(
        y.view(),
        predicted.view(),
        p.view(),
        Some(one_class.view()),
    )
    .unwrap();
    assert_eq!(m.roc_auc, None);
}

/// The weighted strengths where an L1 path starts (`C_min`, `alpha_max`) are those of the
/// repeated rows, and a warm-started weighted fit reaches the cold fit's objective.
#[test]
fn weighted_path_starts_and_warm_starts_are_those_of_repeated_rows() {
    let (x, y) = standardized("breast_cancer.csv");
    let (s, rows) = repeated(x.nrows());
    let (xr, yr) = (x.select(Axis(0), &rows), y.select(Axis(0), &rows));
    let l1 = LogisticRegression::new().penalty(Penalty::L1).tol(1e-10);
    let weighted = l1
        .l1_min_c_weighted(x.view(), y.view(), Some(s.view()))
        .unwrap()
        .unwrap();
    let plain = l1.l1_min_c(xr.view(), yr.view()).unwrap().unwrap();
    assert!(
        relative(weighted, plain) < 1e-12,
        "{weighted} against {plain}"
    );
    let previous = l1
        .clone()
        .c(2.0 * weighted)
        .fit_weighted(x.view(), y.view(), s.view())
        .unwrap();
    let next = l1.clone().c(20.0 * weighted);
    let warm = next
        .fit_warm_weighted(x.view(), y.view(), Some(s.view()), &previous)
        .unwrap();
    let cold = next.fit_weighted(x.view(), y.view(), s.view()).unwrap();
    assert!(relative(warm.report.value, cold.report.value) < 1e-9);

    let (xw, yw) = standardized("wine.csv");
    let (sw, rows) = repeated(xw.nrows());
    let (xwr, ywr) = (xw.select(Axis(0), &rows), yw.select(Axis(0), &rows));
    let weighted = l1
        .l1_min_c_multinomial_weighted(xw.view(), yw.view(), Some(sw.view()))
        .unwrap()
        .unwrap();
    let plain = l1
        .l1_min_c_multinomial(xwr.view(), ywr.view())
        .unwrap()
        .unwrap();
    assert!(
        relative(weighted, plain) < 1e-12,
        "{weighted} against {plain}"
    );
    let model = LogisticRegression::new().tol(1e-10);
    let previous = model
        .clone()
        .c(0.1)
        .fit_multinomial_weighted(xw.view(), yw.view(), sw.view())
        .unwrap();
    let warm = model
        .fit_multinomial_warm_weighted(xw.view(), yw.view(), Some(sw.view()), &previous)
        .unwrap();
    let cold = model
        .fit_multinomial_weighted(xw.view(), yw.view(), sw.view())
        .unwrap();
    assert!(relative(warm.report.value, cold.report.value) < 1e-10);

    let (x, y) = data("diabetes.csv");
    let (s, rows) = repeated(x.nrows());
    let (xr, yr) = (x.select(Axis(0), &rows), y.select(Axis(0), &rows));
    let lasso = LinearRegression::new().l1_ratio(1.0).alpha(1.0).tol(1e-10);
    let weighted = lasso
        .alpha_max_weighted(x.view(), y.view(), Some(s.view()))
        .unwrap()
        .unwrap();
    let plain = lasso.alpha_max(xr.view(), yr.view()).unwrap().unwrap();
    assert!(
        relative(weighted, plain) < 1e-12,
        "{weighted} against {plain}"
    );
    let previous = lasso
        .clone()
        .alpha(0.5 * weighted)
        .fit_weighted(x.view(), y.view(), s.view())
        .unwrap();
    let next = lasso.alpha(0.05 * weighted);
    let warm = next
        .fit_warm_weighted(x.view(), y.view(), Some(s.view()), &previous)
        .unwrap();
    let cold = next.fit_weighted(x.view(), y.view(), s.view()).unwrap();
    assert!(relative(warm.report.value, cold.report.value) < 1e-9);
}
