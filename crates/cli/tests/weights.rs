//! Sample and class weights from file to scores: `--weight-column` (a column of the data,
//! never a feature) and `--class-weight` in `fit`, `path`, `cv` and `race`, weighted scores in
//! `fit` and `eval`, against scikit-learn (`tests/fixtures/sklearn_weights.json`, from
//! `scripts/make_fixtures.py`, whose weights the tests write into a column) and against the
//! meaning of weights (whole-number weights fit as repeated rows, class weights as the rows'
//! weights), with one-line errors for bad weights.

mod common;
use common::{data, error_of, fixture, json_of, numbers, stdout_of};
use serde_json::Value;
use std::path::PathBuf;

fn fixtures() -> Value {
    fixture("sklearn_weights.json")
}

/// The bundled data set `name` with a first column `w` of `weights`, written to `dir`.
fn with_weights(dir: &tempfile::TempDir, name: &str, weights: &[f64]) -> PathBuf {
    let text = std::fs::read_to_string(data(name)).unwrap();
    let mut lines = text.lines();
    let mut out = format!("w,{}\n", lines.next().unwrap());
    let mut count = 0;
    for (line, w) in lines.zip(weights) {
        out.push_str(&format!("{w},{line}\n"));
        count += 1;
    }
    assert_eq!(count, weights.len(), "one weight per row");
    let path = dir.path().join(name);
    std::fs::write(&path, out).unwrap();
    path
}

fn close(ours: f64, theirs: f64, rel: f64, what: &str) {
    assert!(
        (ours - theirs).abs() <= rel * theirs.abs().max(1e-12),
        "{what}: {ours} against scikit-learn's {theirs}"
    );
}

#[test]
fn weighted_logistic_fits_match_scikit_learn() {
    let f = fixtures();
    let dir = tempfile::tempdir().unwrap();
    let file = with_weights(
        &dir,
        "breast_cancer.csv",
        &numbers(&f["breast_cancer_weights"]),
    );
    let file = file.to_str().unwrap();
    for case in f["logistic"].as_array().unwrap() {
        let c = case["C"].as_f64().unwrap().to_string();
        let mut args = vec![
            "fit",
            "--model",
            "logistic",
            "--data",
            file,
            "--weight-column",
            "w",
            "--standardize",
            "--C",
            &c,
            "--tol",
            "1e-10",
            "--json",
        ];
        let class_weight = match &case["class_weight"] {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            Value::Array(pairs) => Some(
                pairs
                    .iter()
                    .map(|p| format!("{}={}", p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            other => panic!("unexpected class_weight {other}"),
        };
        if let Some(cw) = &class_weight {
            args.extend(["--class-weight", cw]);
        }
        let fit = json_of(&args);
        assert_eq!(
            fit["feature_names"].as_array().unwrap().len(),
            30,
            "w is no feature"
        );
        assert_eq!(fit["weight_column"], "w");
        let theirs = case["objective"].as_f64().unwrap();
        close(
            fit["objective"].as_f64().unwrap(),
            theirs,
            1e-9,
            &format!("{args:?}"),
        );
        assert!(fit["objective_form"]
            .as_str()
            .unwrap()
            .starts_with("weighted"));
        assert!(fit["train"]["weight_sum"].as_f64().is_some());
    }
}

#[test]
fn weighted_multinomial_and_linear_fits_match_scikit_learn() {
    let f = fixtures();
    let dir = tempfile::tempdir().unwrap();
    let wine = with_weights(&dir, "wine.csv", &numbers(&f["wine_weights"]));
    for case in f["multinomial"].as_array().unwrap() {
        let mut args = vec![
            "fit",
            "--model",
            "logistic",
            "--data",
            wine.to_str().unwrap(),
            "--weight-column",
            "w",
            "--standardize",
            "--tol",
            "1e-10",
            "--json",
        ];
        if case["class_weight"] == "balanced" {
            args.extend(["--class-weight", "balanced"]);
        }
        let fit = json_of(&args);
        assert_eq!(fit["model"], "multinomial_logistic_regression");
        let theirs = case["objective"].as_f64().unwrap();
        close(
            fit["objective"].as_f64().unwrap(),
            theirs,
            1e-9,
            "multinomial",
        );
    }
    let diabetes = with_weights(&dir, "diabetes.csv", &numbers(&f["diabetes_weights"]));
    let diabetes = diabetes.to_str().unwrap();
    let linear = |extra: &[&str]| {
        let mut args = vec![
            "fit",
            "--model",
            "linear",
            "--data",
            diabetes,
            "--weight-column",
            "w",
            "--json",
        ];
        args.extend(extra);
        json_of(&args)
    };
    for (fit, case) in [
        (linear(&[]), &f["ols"]),
        (linear(&["--alpha", "1"]), &f["ridge"]),
    ] {
        for (ours, theirs) in numbers(&fit["coef"]).iter().zip(numbers(&case["coef"])) {
            close(*ours, theirs, 1e-8, "weighted least squares coefficient");
        }
        close(
            fit["intercept"].as_f64().unwrap(),
            case["intercept"].as_f64().unwrap(),
            1e-10,
            "intercept",
        );
    }
    let lasso = linear(&["--alpha", "0.1", "--l1-ratio", "1", "--tol", "1e-10"]);
    close(
        lasso["objective"].as_f64().unwrap(),
        f["lasso"]["objective"].as_f64().unwrap(),
        1e-9,
        "weighted Lasso",
    );
}

/// Whole-number weights fit and score as the rows repeated; class weights as the same
/// weights given per row; `eval` weighs as `fit` does.
#[test]
fn weights_mean_repeated_rows_and_class_weights_mean_row_weights() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data("breast_cancer.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let weights: Vec<usize> = (0..rows.len()).map(|i| (i * 7) % 4).collect();
    let (mut weighted, mut repeated) = (format!("w,{header}\n"), format!("{header}\n"));
    for (row, &w) in rows.iter().zip(&weights) {
        weighted.push_str(&format!("{w},{row}\n"));
        for _ in 0..w {
            repeated.push_str(&format!("{row}\n"));
        }
    }
    let (weighted_path, repeated_path) = (dir.path().join("w.csv"), dir.path().join("r.csv"));
    std::fs::write(&weighted_path, weighted).unwrap();
    std::fs::write(&repeated_path, repeated).unwrap();
    let model = dir.path().join("model.json");
    let fit = |path: &PathBuf, extra: &[&str]| {
        let mut args = vec![
            "fit",
            "--model",
            "logistic",
            "--data",
            path.to_str().unwrap(),
            "--standardize",
            "--tol",
            "1e-10",
            "--json",
        ];
        args.extend(extra);
        json_of(&args)
    };
    let ours = fit(
        &weighted_path,
        &["--weight-column", "w", "--out", model.to_str().unwrap()],
    );
    // The scaler is learned from the rows as they are, not repeated: standardization is
    // unweighted (as scikit-learn's StandardScaler without sample_weight), so compare the
    // objective of the fits without --standardize too.
    let plain = |path: &PathBuf, extra: &[&str]| {
        let mut args = vec![
            "fit",
            "--model",
            "logistic",
            "--data",
            path.to_str().unwrap(),
            "--tol",
            "1e-10",
            "--json",
        ];
        args.extend(extra);
        json_of(&args)
    };
    let (a, b) = (
        plain(&weighted_path, &["--weight-column", "w"]),
        plain(&repeated_path, &[]),
    );
    close(
        a["objective"].as_f64().unwrap(),
        b["objective"].as_f64().unwrap(),
        1e-9,
        "weighted against repeated rows",
    );
    for key in ["accuracy", "log_loss", "precision", "recall", "roc_auc"] {
        close(
            a["train"][key].as_f64().unwrap(),
            b["train"][key].as_f64().unwrap(),
            1e-6,
            key,
        );
    }
    // eval weighs the rows as fit did.
    let eval = json_of(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--data",
        weighted_path.to_str().unwrap(),
        "--weight-column",
        "w",
        "--json",
    ]);
    for key in ["accuracy", "log_loss", "f1", "roc_auc", "weight_sum"] {
        assert_eq!(eval[key], ours["train"][key], "{key}");
    }
    // Class weights {1: 3} are the sample weights 3 on the positive rows.
    let labels: Vec<&str> = rows.iter().map(|r| r.rsplit(',').next().unwrap()).collect();
    let mut per_class = format!("w,{header}\n");
    for (row, label) in rows.iter().zip(&labels) {
        let w = if *label == "1" { 3 } else { 1 };
        per_class.push_str(&format!("{w},{row}\n"));
    }
    let per_class_path = dir.path().join("c.csv");
    std::fs::write(&per_class_path, per_class).unwrap();
    let repeated_by_class = {
        let mut text = format!("{header}\n");
        for row in &rows {
            let times = if row.ends_with(",1") { 3 } else { 1 };
            for _ in 0..times {
                text.push_str(&format!("{row}\n"));
            }
        }
        let path = dir.path().join("rc.csv");
        std::fs::write(&path, text).unwrap();
        plain(&path, &[])
    };
    let by_rows = plain(&per_class_path, &["--weight-column", "w"]);
    close(
        by_rows["objective"].as_f64().unwrap(),
        repeated_by_class["objective"].as_f64().unwrap(),
        1e-9,
        "per-class weights against repeated rows",
    );
    let class_only = plain(&weighted_path, &["--class-weight", "1=3", "--drop", "w"]);
    assert_eq!(class_only["class_weight"], "1=3");
    close(
        class_only["objective"].as_f64().unwrap(),
        by_rows["objective"].as_f64().unwrap(),
        1e-9,
        "class weights against the same weights per row",
    );
}

/// Text labels name their classes in `--class-weight`; path, cv and race take the weights.
#[test]
fn class_weights_by_label_and_weights_along_paths() {
    let churn = data("churn.csv");
    let common = [
        "--model",
        "logistic",
        "--data",
        churn.as_str(),
        "--target",
        "Churn",
        "--id-column",
        "customerID",
        "--missing",
        "mean",
        "--standardize",
        "--tol",
        "1e-10",
    ];
    let fit = |extra: &[&str]| {
        let mut args = vec!["fit"];
        args.extend(common);
        args.extend(extra);
        args.push("--json");
        json_of(&args)
    };
    let by_label = fit(&["--class-weight", "Yes=3"]);
    let plain = fit(&[]);
    assert_ne!(by_label["objective"], plain["objective"]);
    assert_eq!(
        fit(&["--class-weight", "Yes=3,No=1"])["objective"],
        by_label["objective"]
    );
    let mut args = vec!["fit"];
    args.extend(common);
    args.extend(["--class-weight", "Maybe=3"]);
    let error = error_of(&args);
    assert!(
        error.contains("\"Maybe\" is not one of the labels (No, Yes)"),
        "{error}"
    );

    let f = fixtures();
    let dir = tempfile::tempdir().unwrap();
    let file = with_weights(
        &dir,
        "breast_cancer.csv",
        &numbers(&f["breast_cancer_weights"]),
    );
    let file = file.to_str().unwrap();
    let base = [
        "--model",
        "logistic",
        "--data",
        file,
        "--weight-column",
        "w",
        "--standardize",
    ];
    let mut args = vec!["path"];
    args.extend(base);
    args.extend(["--C", "0.1..100", "--num", "4", "--json"]);
    let path = json_of(&args);
    assert_eq!(path["feature_names"].as_array().unwrap().len(), 30);
    // The path's fit at C = 1 is the weighted fit at C = 1 (scikit-learn's objective).
    let at_one = path["path"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| (s["C"].as_f64().unwrap() - 1.0).abs() < 1e-12)
        .unwrap();
    let mut args = vec!["fit"];
    args.extend(base);
    args.extend(["--C", "1", "--tol", "1e-10", "--json"]);
    let fit = json_of(&args);
    for (a, b) in numbers(&at_one["coef"]).iter().zip(numbers(&fit["coef"])) {
        assert!((a - b).abs() < 1e-3 * b.abs().max(1e-2), "{a} against {b}");
    }
    let mut args = vec!["cv"];
    args.extend(base);
    args.extend(["--num", "3", "--folds", "3", "--json"]);
    let cv = json_of(&args);
    assert_eq!(cv["feature_names"].as_array().unwrap().len(), 30);
    let mut args = vec!["race"];
    args.extend(base);
    args.extend(["--solvers", "newton,lbfgs"]);
    let race = stdout_of(&args);
    assert!(race.contains("weighted by column \"w\""), "{race}");
}

#[test]
fn bad_weights_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let fit = |path: &str, extra: &[&str]| {
        let mut args = vec!["fit", "--model", "logistic", "--data", path];
        args.extend(extra);
        error_of(&args)
    };
    let negative = write("neg.csv", "x,w,y\n1,1,0\n2,-1,1\n3,1,1\n4,1,0\n");
    let e = fit(&negative, &["--weight-column", "w"]);
    assert!(
        e.contains("line 3, column \"w\": weight -1 is negative"),
        "{e}"
    );
    let missing = write("missing.csv", "x,w,y\n1,1,0\n2,,1\n3,1,1\n4,1,0\n");
    let e = fit(&missing, &["--weight-column", "w"]);
    assert!(
        e.contains("line 3, column \"w\": missing sample weight"),
        "{e}"
    );
    let e = fit(&missing, &["--weight-column", "w", "--missing", "drop"]);
    assert!(e.contains("missing sample weight"), "{e}");
    let text = write("text.csv", "x,w,y\n1,1,0\n2,heavy,1\n3,1,1\n4,1,0\n");
    let e = fit(&text, &["--weight-column", "w"]);
    assert!(
        e.contains("line 3, column \"w\": cannot parse \"heavy\""),
        "{e}"
    );
    let infinite = write("inf.csv", "x,w,y\n1,1,0\n2,inf,1\n3,1,1\n4,1,0\n");
    let e = fit(&infinite, &["--weight-column", "w"]);
    assert!(e.contains("line 3") && e.contains("inf"), "{e}");
    let zero = write("zero.csv", "x,w,y\n1,0,0\n2,0,1\n3,0,1\n4,0,0\n");
    let e = fit(&zero, &["--weight-column", "w"]);
    assert!(e.contains("sum of the sample weights"), "{e}");
    let e = fit(&negative, &["--weight-column", "nope"]);
    assert!(e.contains("no column named \"nope\""), "{e}");
    let e = fit(&negative, &["--weight-column", "y"]);
    assert!(e.contains("is the target column"), "{e}");
    let e = fit(&negative, &["--weight-column", "w", "--id-column", "w"]);
    assert!(e.contains("is also the identifier column"), "{e}");
    let e = fit(&negative, &["--class-weight", "1=-2"]);
    assert!(e.contains("it must be 0 or more"), "{e}");
    let e = fit(&negative, &["--class-weight", "heavy"]);
    assert!(e.contains("is not label=weight"), "{e}");
    let e = fit(&negative, &["--class-weight", "7=2", "--drop", "w"]);
    assert!(e.contains("label 7"), "{e}");
    let e = error_of(&[
        "fit",
        "--model",
        "linear",
        "--data",
        &negative,
        "--class-weight",
        "balanced",
    ]);
    assert!(
        e.contains("--class-weight applies to --model logistic"),
        "{e}"
    );
}

/// `fit --model linear --weight-column … --summary` is statsmodels' WLS summary
/// (`tests/fixtures/statsmodels_inference.json`, the weighted diabetes case).
#[test]
fn a_weighted_least_squares_summary_is_statsmodels_wls() {
    let f = fixture("statsmodels_inference.json");
    let case = f["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c.get("weights").is_some() && c["intercept"] == true)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = with_weights(&dir, "diabetes.csv", &numbers(&case["weights"]));
    let fit = json_of(&[
        "fit",
        "--model",
        "linear",
        "--data",
        file.to_str().unwrap(),
        "--weight-column",
        "w",
        "--summary",
        "--json",
    ]);
    let s = &fit["inference"];
    for (ours, key) in [
        ("r2", "rsquared"),
        ("adjusted_r2", "rsquared_adj"),
        ("f_statistic", "fvalue"),
        ("log_likelihood", "llf"),
        ("aic", "aic"),
        ("bic", "bic"),
        ("scale", "scale"),
        ("durbin_watson", "durbin_watson"),
        ("jarque_bera", "jarque_bera"),
        ("condition_number", "condition_number"),
    ] {
        close(
            s[ours].as_f64().unwrap(),
            case[key].as_f64().unwrap(),
            1e-8,
            key,
        );
    }
    let rows = s["coefficients"].as_array().unwrap();
    for (row, (se, estimate)) in rows
        .iter()
        .zip(numbers(&case["bse"]).iter().zip(numbers(&case["params"])))
    {
        close(
            row["std_error"].as_f64().unwrap(),
            *se,
            1e-8,
            "standard error",
        );
        close(
            row["estimate"].as_f64().unwrap(),
            estimate,
            1e-8,
            "estimate",
        );
    }
}

#[test]
fn a_weighted_classifier_has_no_unweighted_summary() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixtures();
    let file = with_weights(
        &dir,
        "breast_cancer.csv",
        &numbers(&f["breast_cancer_weights"]),
    );
    let output = common::descent()
        .args([
            "fit",
            "--model",
            "logistic",
            "--data",
            file.to_str().unwrap(),
            "--weight-column",
            "w",
            "--penalty",
            "none",
            "--standardize",
            "--summary",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let fit: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(fit.get("inference").is_none());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr
        .contains("no --summary: the summary of a classifier fitted with sample or class weights"));
}
