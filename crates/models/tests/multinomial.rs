//! Multinomial logistic regression against scikit-learn (`tests/fixtures/sklearn_multinomial.json`,
//! from `scripts/make_fixtures.py`): iris, wine and diabetes cut into quartile classes, raw and
//! standardized, several C and no penalty (where iris is separable, and the fit says so). The
//! objective within 1e-9 relative of scikit-learn's
//! best solver at tol 1e-12, and the probabilities (unique at the optimum, unlike the
//! intercepts) within 1e-6.

use descent_models::{LogisticRegression, Penalty, StandardScaler};
use ndarray::{Array1, Array2};
use serde_json::Value;

fn fixtures() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/sklearn_multinomial.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A bundled CSV file whose last column is the label: features, and labels as their index
/// among the sorted distinct labels (which is scikit-learn's class order for these files).
fn read(name: &str) -> (Array2<f64>, Vec<String>) {
    let path = format!("{}/../../data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let (last, features) = fields.split_last().unwrap();
        rows.push(
            features
                .iter()
                .map(|v| v.parse::<f64>().unwrap())
                .collect::<Vec<_>>(),
        );
        labels.push(last.to_string());
    }
    let p = rows[0].len();
    (
        Array2::from_shape_vec((rows.len(), p), rows.concat()).unwrap(),
        labels,
    )
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn data(name: &str, quartiles: &[f64]) -> (Array2<f64>, Array1<f64>) {
    match name {
        "iris.csv" | "wine.csv" => {
            let (x, labels) = read(name);
            let mut distinct = labels.clone();
            distinct.sort();
            distinct.dedup();
            let y = labels
                .iter()
                .map(|l| distinct.iter().position(|d| d == l).unwrap() as f64)
                .collect();
            (x, y)
        }
        "diabetes.csv quartiles" => {
            let (x, target) = read("diabetes.csv");
            // numpy's searchsorted(quartiles, t, side="right"): the quartiles at or below t.
            let y = target
                .iter()
                .map(|t| {
                    let t: f64 = t.parse().unwrap();
                    quartiles.iter().filter(|&&q| q <= t).count() as f64
                })
                .collect();
            (x, y)
        }
        other => panic!("unknown data {other}"),
    }
}

#[test]
fn objectives_and_probabilities_match_scikit_learn() {
    let fixtures = fixtures();
    let quartiles = numbers(&fixtures["quartiles_of_diabetes_target"]);
    let cases = fixtures["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 19);
    for case in cases {
        let name = case["data"].as_str().unwrap();
        let (raw, y) = data(name, &quartiles);
        let x = if case["scaling"] == "standardized" {
            StandardScaler::fit(&raw)
                .unwrap()
                .transform(raw.view())
                .unwrap()
        } else {
            raw
        };
        let model = match case["C"].as_f64() {
            Some(c) => LogisticRegression::new().c(c),
            None => LogisticRegression::new().penalty(Penalty::None),
        };
        let fit = model
            .tol(1e-12)
            .max_iter(200)
            .fit_multinomial(x.view(), y.view())
            .unwrap();
        let what = format!("{name} {} C={}", case["scaling"], case["C"]);
        if case["C"].is_null() {
            // Iris's setosa is linearly separable from the other species: without a penalty
            // the loss has no minimum, and the fit says so (scikit-learn's lbfgs stops where
            // its tolerance lets it; both objectives approach the infimum).
            assert_eq!(
                fit.report.termination,
                descent_solvers::Termination::KeepsDecreasing,
                "{what}"
            );
        } else {
            assert!(
                fit.report.converged(),
                "{what}: {:?}",
                fit.report.termination
            );
        }
        let theirs = case["objective"].as_f64().unwrap();
        let ours = fit.report.value;
        assert!(
            ours <= theirs * (1.0 + 1e-9),
            "{what}: objective {ours} vs scikit-learn's {theirs} ({})",
            case["best_solver"]
        );
        let expected: Vec<f64> = case["probabilities"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(numbers)
            .collect();
        let p = fit.predict_proba(x.view()).unwrap();
        let gap = p
            .iter()
            .zip(&expected)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0_f64, f64::max);
        assert!(gap < 1e-6, "{what}: probabilities differ by {gap}");
        assert_eq!(fit.classes.len(), case["classes"].as_array().unwrap().len());
    }
}

#[test]
fn metrics_match_scikit_learn() {
    let fixtures = fixtures();
    let expected = &fixtures["wine_standardized_c1_metrics"];
    let (raw, y) = data("wine.csv", &[]);
    let x = StandardScaler::fit(&raw)
        .unwrap()
        .transform(raw.view())
        .unwrap();
    let fit = LogisticRegression::new()
        .tol(1e-10)
        .fit_multinomial(x.view(), y.view())
        .unwrap();
    let m = fit.evaluate(x.view(), y.view()).unwrap();
    for (ours, key) in [
        (m.accuracy, "accuracy"),
        (m.log_loss, "log_loss"),
        (m.macro_f1, "macro_f1"),
        (m.weighted_f1, "weighted_f1"),
        (m.micro_f1, "micro_f1"),
    ] {
        let theirs = expected[key].as_f64().unwrap();
        assert!((ours - theirs).abs() < 1e-8, "{key}: {ours} vs {theirs}");
    }
    let confusion: Vec<Vec<usize>> =
        serde_json::from_value(expected["confusion_matrix"].clone()).unwrap();
    assert_eq!(m.confusion_matrix, confusion);
}

#[test]
fn l1_and_elastic_net_match_scikit_learns_saga() {
    let fixtures = fixtures();
    for case in fixtures["sparse_cases"].as_array().unwrap() {
        let name = case["data"].as_str().unwrap();
        let (raw, y) = data(name, &[]);
        let x = StandardScaler::fit(&raw)
            .unwrap()
            .transform(raw.view())
            .unwrap();
        let (c, ratio) = (
            case["C"].as_f64().unwrap(),
            case["l1_ratio"].as_f64().unwrap(),
        );
        let model = if ratio == 1.0 {
            LogisticRegression::new().penalty(Penalty::L1)
        } else {
            LogisticRegression::new()
                .penalty(Penalty::ElasticNet)
                .l1_ratio(ratio)
        };
        let fit = model
            .c(c)
            .tol(1e-11)
            .max_iter(1000)
            .fit_multinomial(x.view(), y.view())
            .unwrap();
        let what = format!("{name} C={c} l1_ratio={ratio}");
        assert!(
            fit.report.converged(),
            "{what}: {:?}",
            fit.report.termination
        );
        let (ours, theirs) = (fit.report.value, case["objective"].as_f64().unwrap());
        assert!(
            (ours - theirs).abs() <= 1e-9 * theirs,
            "{what}: {ours} vs scikit-learn's {theirs}"
        );
        // Certified: the gap bounds the distance to the minimum, which scikit-learn's value
        // cannot be below.
        let gap = fit.report.duality_gap.expect("a duality gap");
        assert!(gap <= 1e-11 * ours, "{what}: gap {gap}");
        assert!(
            ours - theirs <= gap,
            "{what}: {ours} − {theirs} > gap {gap}"
        );
        let non_zeros = fit.coef.iter().filter(|&&w| w != 0.0).count();
        assert_eq!(
            non_zeros as u64,
            case["non_zeros"].as_u64().unwrap(),
            "{what}"
        );
    }
}
