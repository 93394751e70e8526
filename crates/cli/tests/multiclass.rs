//! Multiclass targets from file to predictions: `fit` switches to the multinomial model on a
//! target of more than two classes (text or numbers), `predict` writes labels and one
//! probability column per class, `eval`, `cv`, `path` and `race` take the model, and the raw
//! churn table's three-level Contract fits as scikit-learn's pipeline does
//! (`tests/fixtures/sklearn_multinomial.json`, from `scripts/make_fixtures.py`).

mod common;
use common::{data, error_of, fixture, json_of, numbers, stdout_of};
use serde_json::Value;

fn fixtures() -> Value {
    fixture("sklearn_multinomial.json")
}

/// The fixture case of `data` at `scaling` and `c`.
fn case<'f>(fixtures: &'f Value, data: &str, scaling: &str, c: f64) -> &'f Value {
    fixtures["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["data"] == data && k["scaling"] == scaling && k["C"].as_f64() == Some(c))
        .unwrap()
}

#[test]
fn text_labels_fit_one_multinomial_model_and_predict_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("iris.json");
    let model = model.to_str().unwrap();
    let iris = data("iris.csv");
    let fit = json_of(&[
        "fit", "--model", "logistic", "--data", &iris, "--tol", "1e-10", "--out", model, "--json",
    ]);
    assert_eq!(fit["model"], "multinomial_logistic_regression");
    assert_eq!(
        fit["labels"],
        serde_json::json!(["setosa", "versicolor", "virginica"])
    );
    assert_eq!(numbers(&fit["classes"]), vec![0.0, 1.0, 2.0]);
    assert_eq!(fit["coef"].as_array().unwrap().len(), 3);
    assert_eq!(numbers(&fit["coef"][0]).len(), 4);
    assert_eq!(numbers(&fit["intercept"]).len(), 3);
    let theirs = case(&fixtures(), "iris.csv", "raw", 1.0)["objective"]
        .as_f64()
        .unwrap();
    let ours = fit["objective"].as_f64().unwrap();
    assert!((ours - theirs).abs() <= 1e-9 * theirs, "{ours} vs {theirs}");
    assert_eq!(
        fit["train"]["confusion_matrix"].as_array().unwrap().len(),
        3
    );

    let predictions = stdout_of(&["predict", "--model", model, "--data", &iris]);
    let mut lines = predictions.lines();
    assert_eq!(lines.next(), Some("prediction"));
    let labels: Vec<&str> = lines.collect();
    assert_eq!(labels.len(), 150);
    assert!(labels
        .iter()
        .all(|l| ["setosa", "versicolor", "virginica"].contains(l)));
    assert_eq!(labels[0], "setosa");
    let proba = stdout_of(&["predict", "--model", model, "--data", &iris, "--proba"]);
    let mut lines = proba.lines();
    assert_eq!(
        lines.next(),
        Some("proba_setosa,proba_versicolor,proba_virginica")
    );
    for line in lines {
        let p: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
        assert_eq!(p.len(), 3);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
    let json = json_of(&["predict", "--model", model, "--data", &iris, "--json"]);
    assert_eq!(json["probabilities"][0].as_array().unwrap().len(), 3);
    assert_eq!(json["predictions"][0], "setosa");

    let eval = json_of(&["eval", "--model", model, "--data", &iris, "--json"]);
    let accuracy = eval["metrics"]["accuracy"]
        .as_f64()
        .or_else(|| eval["accuracy"].as_f64())
        .unwrap_or_else(|| panic!("{eval}"));
    assert!(accuracy > 0.95);

    let text = stdout_of(&["fit", "--model", "logistic", "--data", &iris]);
    assert!(text.contains("classes: 0 = \"setosa\", 1 = \"versicolor\", 2 = \"virginica\""));
    assert!(text.contains("macro F1"));

    // Row numbers given as the target are not classes.
    let dir2 = tempfile::tempdir().unwrap();
    let ids = dir2.path().join("ids.csv");
    let text: String = std::iter::once("a,target\n".to_owned())
        .chain((0..50).map(|i| format!("{},{i}\n", i % 7)))
        .collect();
    std::fs::write(&ids, text).unwrap();
    let error = error_of(&[
        "fit",
        "--model",
        "logistic",
        "--data",
        ids.to_str().unwrap(),
    ]);
    assert!(error.contains("50 distinct labels in 50 rows"), "{error}");
    let error = error_of(&[
        "predict",
        "--model",
        model,
        "--data",
        &iris,
        "--threshold",
        "0.3",
    ]);
    assert!(error.contains("multinomial"), "{error}");
    let error = error_of(&[
        "fit",
        "--model",
        "logistic",
        "--data",
        &iris,
        "--positive-class",
        "setosa",
    ]);
    assert!(error.contains("two classes only"), "{error}");
}

#[test]
fn numeric_classes_fit_as_scikit_learn_does() {
    let fixtures = fixtures();
    let wine = data("wine.csv");
    for (c, scaling) in [(0.01, "raw"), (100.0, "standardized")] {
        let c_text = c.to_string();
        let mut args = vec![
            "fit", "--model", "logistic", "--data", &wine, "--C", &c_text, "--tol", "1e-11",
            "--json",
        ];
        if scaling == "standardized" {
            args.push("--standardize");
        }
        let fit = json_of(&args);
        assert_eq!(numbers(&fit["classes"]), vec![0.0, 1.0, 2.0]);
        assert!(fit["converged"].as_bool().unwrap(), "{fit}");
        let theirs = case(&fixtures, "wine.csv", scaling, c)["objective"]
            .as_f64()
            .unwrap();
        let ours = fit["objective"].as_f64().unwrap();
        assert!(
            (ours - theirs).abs() <= 1e-9 * theirs,
            "C={c} {scaling}: {ours} vs {theirs}"
        );
    }
}

#[test]
fn the_churn_contract_fits_as_scikit_learns_pipeline() {
    let fixtures = fixtures();
    let case = &fixtures["churn_contract"];
    let churn = data("churn.csv");
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("contract.json");
    let model = model.to_str().unwrap();
    let mut args = vec![
        "fit", "--model", "logistic", "--data", &churn, "--tol", "1e-11", "--out", model, "--json",
    ];
    let options: Vec<String> = case["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    args.extend(options.iter().map(String::as_str));
    let fit = json_of(&args);
    assert_eq!(fit["labels"], case["labels"]);
    let (ours, theirs) = (
        fit["objective"].as_f64().unwrap(),
        case["objective"].as_f64().unwrap(),
    );
    assert!((ours - theirs).abs() <= 1e-9 * theirs, "{ours} vs {theirs}");
    let predicted = json_of(&["predict", "--model", model, "--data", &churn, "--json"]);
    let ours: Vec<Vec<f64>> = serde_json::from_value(predicted["probabilities"].clone()).unwrap();
    let theirs: Vec<Vec<f64>> = serde_json::from_value(case["probabilities"].clone()).unwrap();
    assert_eq!(ours.len(), theirs.len());
    let gap = ours
        .iter()
        .flatten()
        .zip(theirs.iter().flatten())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0_f64, f64::max);
    assert!(gap < 1e-7, "probabilities differ by {gap}");
}

#[test]
fn cv_path_and_race_take_multiclass_targets() {
    let wine = data("wine.csv");
    let cv = json_of(&[
        "cv",
        "--model",
        "logistic",
        "--data",
        &wine,
        "--standardize",
        "--num",
        "5",
        "--json",
    ]);
    let refit = &cv["refit"];
    assert!(refit["converged"].as_bool().unwrap(), "{cv}");
    assert_eq!(refit["coef"].as_array().unwrap().len(), 3);
    let error = error_of(&[
        "cv",
        "--model",
        "logistic",
        "--data",
        &wine,
        "--standardize",
        "--scoring",
        "roc-auc",
    ]);
    assert!(error.contains("two classes"), "{error}");
    let path = json_of(&[
        "path",
        "--model",
        "logistic",
        "--data",
        &wine,
        "--standardize",
        "--num",
        "4",
        "--json",
    ]);
    let steps = path["path"].as_array().unwrap_or_else(|| panic!("{path}"));
    assert_eq!(steps.len(), 4);
    assert!(steps.iter().all(|s| s["converged"].as_bool().unwrap()));
    // L1: the path starts at the multinomial C_min, where every coefficient is zero.
    let sparse = json_of(&[
        "path",
        "--model",
        "logistic",
        "--data",
        &wine,
        "--standardize",
        "--penalty",
        "l1",
        "--num",
        "3",
        "--json",
    ]);
    let steps = sparse["path"].as_array().unwrap();
    assert_eq!(steps[0]["non_zeros"], 0, "{sparse}");
    assert!(steps[2]["non_zeros"].as_u64().unwrap() > 0);
    let race = stdout_of(&[
        "race",
        "--model",
        "logistic",
        "--data",
        &wine,
        "--standardize",
    ]);
    assert!(race.contains("Newton") && race.contains("L-BFGS"), "{race}");
}

#[test]
fn summaries_of_multinomial_fits_are_statsmodels_mnlogit_tables() {
    let wine = data("wine.csv");
    let fit = json_of(&[
        "fit",
        "--model",
        "logistic",
        "--data",
        &wine,
        "--features",
        "alcohol,malic_acid,ash,alcalinity_of_ash,magnesium",
        "--penalty",
        "none",
        "--tol",
        "1e-12",
        "--summary",
        "--json",
    ]);
    let theirs = &fixture("statsmodels_inference.json")["mnlogit"][2];
    assert_eq!(theirs["data"], "wine.csv");
    let inference = &fit["inference"];
    assert_eq!(inference["compared_classes"], serde_json::json!([1.0, 2.0]));
    let ours: Vec<f64> = inference["coefficients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["std_error"].as_f64().unwrap())
        .collect();
    for (a, b) in ours.iter().zip(numbers(&theirs["bse"])) {
        assert!((a - b).abs() <= 1e-8 * b.abs(), "{a} vs {b}");
    }
    let (a, b) = (
        inference["log_likelihood"].as_f64().unwrap(),
        theirs["llf"].as_f64().unwrap(),
    );
    assert!((a - b).abs() <= 1e-9 * b.abs());

    // Iris's setosa is separable from the other species: without a penalty there is no
    // optimum (the fit at the default tol only looks converged; the summary polishes it, and
    // finds out), and no table.
    let iris = data("iris.csv");
    let output = common::descent()
        .args([
            "fit",
            "--model",
            "logistic",
            "--data",
            &iris,
            "--penalty",
            "none",
            "--summary",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("no --summary"), "{stderr}");
    assert!(stderr.contains("linearly separable"), "{stderr}");
    // At a tight tol the fit itself says so.
    let output = common::descent()
        .args([
            "fit",
            "--model",
            "logistic",
            "--data",
            &iris,
            "--penalty",
            "none",
            "--tol",
            "1e-10",
        ])
        .output()
        .unwrap();
    let warning = String::from_utf8(output.stderr).unwrap();
    assert!(warning.contains("separate a class"), "{warning}");
    assert!(!stdout.contains("std err"), "{stdout}");
}

#[test]
fn a_split_that_leaves_a_label_out_of_training_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rare.csv");
    std::fs::write(
        &path,
        "a,b,t\n1,2,0\n2,1,1\n3,3,2\n1,1,0\n2,2,1\n0,1,0\n3,1,1\n2,0,0\n",
    )
    .unwrap();
    let error = error_of(&[
        "fit",
        "--model",
        "logistic",
        "--data",
        path.to_str().unwrap(),
        "--test-size",
        "0.4",
        "--seed",
        "1",
    ]);
    assert!(
        error.contains("which no training row of the split has"),
        "{error}"
    );
}
