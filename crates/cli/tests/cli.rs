//! Drives the `descent` binary through fit, predict and eval, on good and bad input.

mod common;

use common::{data, descent, error_of, json_of, stdout_of, uniform_stream};

#[test]
fn fit_json_reports_coefficients_iterations_and_metrics() {
    let bc = data("breast_cancer.csv");
    let v = json_of(&[
        "fit",
        "--data",
        bc.as_str(),
        "--model",
        "logistic",
        "--standardize",
        "--test-size",
        "0.2",
        "--seed",
        "7",
        "--tol",
        "1e-8",
        "--json",
    ]);
    assert_eq!(v["coef"].as_array().unwrap().len(), 30);
    assert!(v["n_iter"].as_u64().unwrap() > 0);
    assert_eq!(v["converged"], true);
    assert!(v["termination"].as_str().unwrap().starts_with("converged"));
    assert!(v["fit_seconds"].as_f64().unwrap() > 0.0);
    assert!(v["read_seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(v["train_rows"], 455);
    assert_eq!(v["test_rows"], 114);
    assert!(v["test"]["accuracy"].as_f64().unwrap() > 0.9);
    assert!(v["train"]["roc_auc"].as_f64().unwrap() > 0.99);
    assert_eq!(v["classes"], serde_json::json!([0.0, 1.0]));
}

#[test]
fn no_metrics_skips_them_and_changes_nothing_else() {
    let bc = data("breast_cancer.csv");
    let args = [
        "fit",
        "--data",
        bc.as_str(),
        "--model",
        "logistic",
        "--standardize",
        "--test-size",
        "0.2",
        "--seed",
        "7",
        "--json",
    ];
    let with = json_of(&args);
    let without = json_of(&[&args[..], &["--no-metrics"]].concat());
    assert!(without.get("train").is_none() && without.get("test").is_none());
    assert_eq!(with["coef"], without["coef"]);
    assert_eq!(with["objective"], without["objective"]);
    let text = stdout_of(&[&args[..args.len() - 1], &["--no-metrics"]].concat());
    assert!(
        text.contains("coefficients") && !text.contains("accuracy"),
        "{text}"
    );
}

#[test]
fn fit_without_split_matches_scikit_learn_objective() {
    // Standardized breast cancer, C = 1: scikit-learn's optimum in the mean form.
    let bc = data("breast_cancer.csv");
    let v = json_of(&[
        "fit",
        "--data",
        bc.as_str(),
        "--model",
        "logistic",
        "--standardize",
        "--tol",
        "1e-10",
        "--json",
    ]);
    let objective = v["objective"].as_f64().unwrap();
    assert!((objective - 0.0663601862247).abs() < 1e-12, "{objective}");
}

#[test]
fn fit_save_predict_and_eval_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    let diabetes = data("diabetes.csv");
    let d = diabetes.as_str();
    let m = model.to_str().unwrap();
    let fit = json_of(&[
        "fit",
        "--data",
        d,
        "--model",
        "linear",
        "--alpha",
        "1",
        "--standardize",
        "--out",
        m,
        "--json",
    ]);
    let eval = json_of(&["eval", "--model", m, "--data", d, "--json"]);
    assert_eq!(fit["train"]["r2"], eval["r2"]);
    // The target can be named; a missing one is a one-line error.
    let renamed = dir.path().join("renamed.csv");
    let text = std::fs::read_to_string(&diabetes)
        .unwrap()
        .replacen("target", "progression", 1);
    std::fs::write(&renamed, text).unwrap();
    let r = renamed.to_str().unwrap();
    let e = error_of(&["eval", "--model", m, "--data", r]);
    assert!(e.contains("no column named \"target\""), "{e}");
    let eval = json_of(&[
        "eval",
        "--model",
        m,
        "--data",
        r,
        "--target",
        "progression",
        "--json",
    ]);
    assert_eq!(fit["train"]["r2"], eval["r2"]);

    let output = descent()
        .args(["predict", "--model", m, "--data", d])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "prediction");
    assert_eq!(lines.len(), 443);
    assert!(lines[1].parse::<f64>().unwrap().is_finite());

    // Without an intercept the fit passes through the origin.
    let origin = json_of(&[
        "fit",
        "--data",
        d,
        "--model",
        "linear",
        "--no-intercept",
        "--json",
    ]);
    assert_eq!(origin["intercept"], 0.0);

    // A text summary, and the model kind check on predict.
    descent()
        .args(["fit", "--data", d, "--model", "linear"])
        .assert()
        .success();
    let e = error_of(&["predict", "--model", m, "--data", d, "--proba"]);
    assert!(e.contains("apply to logistic models"), "{e}");
}

#[test]
fn logistic_predict_outputs_labels_probabilities_and_respects_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    let bc = data("breast_cancer.csv");
    let (b, m) = (bc.as_str(), model.to_str().unwrap());
    descent()
        .args([
            "fit",
            "--data",
            b,
            "--model",
            "logistic",
            "--standardize",
            "--out",
            m,
        ])
        .assert()
        .success();
    let run = |extra: &[&str]| {
        let mut args = vec!["predict", "--model", m, "--data", b];
        args.extend_from_slice(extra);
        String::from_utf8(descent().args(&args).output().unwrap().stdout).unwrap()
    };
    let labels = run(&[]);
    assert!(labels.lines().skip(1).all(|l| l == "0" || l == "1"));
    // Probabilities of every class, in the order of the classes, summing to 1.
    let proba = run(&["--proba"]);
    assert_eq!(proba.lines().next(), Some("proba_0,proba_1"));
    for line in proba.lines().skip(1) {
        let p: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
        assert!(p.iter().all(|v| (0.0..=1.0).contains(v)), "{line}");
        assert!((p[0] + p[1] - 1.0).abs() < 1e-12, "{line}");
    }
    // A lower threshold predicts the positive class at least as often.
    let positives = |threshold: &str| {
        run(&["--threshold", threshold])
            .lines()
            .skip(1)
            .filter(|l| *l == "1")
            .count()
    };
    assert!(positives("0.01") >= positives("0.5"));
    assert!(positives("0.5") >= positives("0.99"));
    for bad in ["2", "0", "1", "nan"] {
        let e = error_of(&["predict", "--model", m, "--data", b, "--threshold", bad]);
        assert!(e.contains("--threshold"), "{e}");
    }
}

#[test]
fn predict_passes_ids_through_and_speaks_json() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    let with_ids = dir.path().join("ids.csv");
    std::fs::write(
        &with_ids,
        "id,a,label\n\"r,1\",0,0\nr2,1,0\nr3,4,1\nr4,5,1\nr5,2,1\nr6,3,0\n",
    )
    .unwrap();
    let (d, m) = (with_ids.to_str().unwrap(), model.to_str().unwrap());
    descent()
        .args([
            "fit", "--data", d, "--model", "logistic", "--target", "label", "--out", m,
        ])
        .assert()
        .failure();
    // The id column is not a number: fitting needs the features alone.
    let features = dir.path().join("features.csv");
    std::fs::write(&features, "a,label\n0,0\n1,0\n4,1\n5,1\n2,1\n3,0\n").unwrap();
    let f = features.to_str().unwrap();
    descent()
        .args(["fit", "--data", f, "--model", "logistic", "--out", m])
        .assert()
        .success();
    let output = descent()
        .args([
            "predict",
            "--model",
            m,
            "--data",
            d,
            "--id-column",
            "id",
            "--proba",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "id,proba_0,proba_1");
    assert!(lines[1].starts_with("\"r,1\","), "{}", lines[1]);
    assert_eq!(lines.len(), 7);
    let v = json_of(&[
        "predict",
        "--model",
        m,
        "--data",
        d,
        "--id-column",
        "id",
        "--json",
    ]);
    assert_eq!(v["ids"][0], "r,1");
    assert_eq!(v["rows"], 6);
    assert_eq!(v["classes"], serde_json::json!([0.0, 1.0]));
    assert_eq!(v["probabilities"].as_array().unwrap().len(), 6);
    assert!(
        error_of(&["predict", "--model", m, "--data", d, "--id-column", "nope"])
            .contains("no column named \"nope\"")
    );
}

#[test]
fn eval_scores_the_held_out_rows_of_the_split_a_model_was_fitted_with() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    let bc = data("breast_cancer.csv");
    let (b, m) = (bc.as_str(), model.to_str().unwrap());
    let fit = json_of(&[
        "fit",
        "--data",
        b,
        "--model",
        "logistic",
        "--standardize",
        "--test-size",
        "0.2",
        "--seed",
        "7",
        "--out",
        m,
        "--json",
    ]);
    // By default, the held-out rows: the fit's own test scores.
    let test = json_of(&["eval", "--model", m, "--data", b, "--json"]);
    assert_eq!(test["rows"], "test");
    assert_eq!(test["samples"], 114);
    assert_eq!(test["accuracy"], fit["test"]["accuracy"]);
    assert_eq!(test["log_loss"], fit["test"]["log_loss"]);
    let train = json_of(&[
        "eval", "--model", m, "--data", b, "--rows", "train", "--json",
    ]);
    assert_eq!(train["samples"], 455);
    assert_eq!(train["log_loss"], fit["train"]["log_loss"]);
    let all = json_of(&["eval", "--model", m, "--data", b, "--rows", "all", "--json"]);
    assert_eq!(all["samples"], 569);
    // Another file has no known held-out rows.
    let other = dir.path().join("other.csv");
    let text = std::fs::read_to_string(&bc).unwrap();
    let fewer: Vec<&str> = text.lines().take(300).collect();
    std::fs::write(&other, fewer.join("\n")).unwrap();
    let o = other.to_str().unwrap();
    let e = error_of(&["eval", "--model", m, "--data", o, "--rows", "test"]);
    assert!(e.contains("not the file the model was fitted on"), "{e}");
    assert_eq!(
        json_of(&["eval", "--model", m, "--data", o, "--json"])["rows"],
        "all"
    );
}

#[test]
fn bad_input_gets_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let bad_value = write("bad.csv", "a,b,target\n1,2,0\n3,x,1\n");
    let e = error_of(&["fit", "--data", &bad_value, "--model", "logistic"]);
    assert!(
        e.contains("line 3") && e.contains("\"b\"") && e.contains("\"x\""),
        "{e}"
    );

    let ragged = write("ragged.csv", "a,b,target\n1,2,0\n3,1\n");
    let e = error_of(&["fit", "--data", &ragged, "--model", "logistic"]);
    assert!(
        e.contains("line 3") && e.contains("expected 3 fields"),
        "{e}"
    );

    let empty = write("empty.csv", "");
    assert!(error_of(&["fit", "--data", &empty, "--model", "linear"]).contains("empty"));

    // Three labels are a multinomial model (tests/multiclass.rs); one is not a classification.
    let one = write("one.csv", "a,target\n1,0\n2,0\n3,0\n");
    let e = error_of(&["fit", "--data", &one, "--model", "logistic"]);
    assert!(e.contains("two distinct labels, found 1"), "{e}");

    let nan = write("nan.csv", "a,target\n1,0\nnan,1\n");
    assert!(
        error_of(&["fit", "--data", &nan, "--model", "logistic"]).contains("not a finite number")
    );

    let bc = data("breast_cancer.csv");
    let b = bc.as_str();
    let e = error_of(&["fit", "--data", b, "--model", "logistic", "--C", "-1"]);
    assert!(e.contains("'-1' for '--C") && e.contains("positive"), "{e}");
    let e = error_of(&[
        "fit", "--data", b, "--model", "logistic", "--target", "nope",
    ]);
    assert!(e.contains("no column named \"nope\""), "{e}");
    let e = error_of(&["fit", "--data", b, "--model", "logistic", "--alpha", "1"]);
    assert!(e.contains("--alpha does not apply"), "{e}");
    let e = error_of(&[
        "fit", "--data", b, "--model", "logistic", "--solver", "lstsq",
    ]);
    assert!(e.contains("least squares"), "{e}");
    let e = error_of(&[
        "fit",
        "--data",
        b,
        "--model",
        "logistic",
        "--learning-rate",
        "0.1",
    ]);
    assert!(e.contains("--solver gd"), "{e}");
    let e = error_of(&[
        "fit",
        "--data",
        b,
        "--model",
        "logistic",
        "--test-size",
        "1.5",
    ]);
    assert!(
        e.contains("--test-size") && e.contains("between 0 and 1"),
        "{e}"
    );
    assert!(
        error_of(&["fit", "--data", "/no/such.csv", "--model", "linear"]).contains("/no/such.csv")
    );
    assert!(error_of(&["fit", "--data", b]).contains("--model"));
    assert!(error_of(&["frobnicate"]).contains("frobnicate"));

    let not_json = write("model.json", "{ not json");
    let e = error_of(&["predict", "--model", &not_json, "--data", b]);
    assert!(e.contains("not a valid descent model file"), "{e}");
}

#[test]
fn diverging_gradient_descent_is_reported_not_hidden() {
    let bc = data("diabetes.csv");
    let v = json_of(&[
        "fit",
        "--data",
        bc.as_str(),
        "--model",
        "linear",
        "--solver",
        "gd",
        "--learning-rate",
        "10",
        "--json",
    ]);
    assert_eq!(v["converged"], false);
    assert!(
        v["termination"].as_str().unwrap().starts_with("diverged"),
        "{}",
        v["termination"]
    );
}

#[test]
fn fit_with_f32_storage_says_so_and_lands_near_the_f64_fit() {
    let bc = data("breast_cancer.csv");
    let args = [
        "fit",
        "--data",
        bc.as_str(),
        "--model",
        "logistic",
        "--standardize",
        "--tol",
        "1e-10",
        "--json",
    ];
    let wide = json_of(&args);
    let narrow = json_of(&[&args[..], &["--dtype", "f32"]].concat());
    assert_eq!(wide["dtype"], "f64");
    assert_eq!(narrow["dtype"], "f32");
    assert_eq!(narrow["converged"], true);
    // The data rounded to f32 (relative 6e-8) moves the optimum by about as much.
    let (a, b) = (
        wide["objective"].as_f64().unwrap(),
        narrow["objective"].as_f64().unwrap(),
    );
    assert!((a - b).abs() <= 1e-6 * a, "{a} {b}");
    let text = stdout_of(&[&args[..args.len() - 1], &["--dtype", "f32"]].concat());
    assert!(text.contains("stored as f32"), "{text}");
    // Linear regression's closed form takes f32 data too.
    let diabetes = data("diabetes.csv");
    let v = json_of(&[
        "fit",
        "--data",
        diabetes.as_str(),
        "--model",
        "linear",
        "--dtype",
        "f32",
        "--json",
    ]);
    assert_eq!(v["converged"], true);
}

#[test]
fn f32_storage_names_a_value_beyond_its_range() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    std::fs::write(&path, "a,y\n1,0\n5e38,1\n2,0\n").unwrap();
    let path = path.to_str().unwrap();
    let message = error_of(&[
        "fit", "--data", path, "--model", "logistic", "--dtype", "f32",
    ]);
    assert!(
        message.contains("line 3") && message.contains("beyond the range of f32"),
        "{message}"
    );
}

#[test]
fn race_with_f32_storage_races_the_rounded_data() {
    let bc = data("breast_cancer.csv");
    let args = [
        "race",
        "--data",
        bc.as_str(),
        "--model",
        "logistic",
        "--standardize",
        "--solvers",
        "newton,lbfgs",
        "--repeat",
        "1",
        "--json",
    ];
    let wide = json_of(&args);
    let narrow = json_of(&[&args[..], &["--dtype", "f32"]].concat());
    assert_eq!(wide["dtype"], "f64");
    assert_eq!(narrow["dtype"], "f32");
    let (a, b) = (
        wide["best_objective"].as_f64().unwrap(),
        narrow["best_objective"].as_f64().unwrap(),
    );
    assert!(a != b && (a - b).abs() <= 1e-6 * a, "{a} {b}");
    let text = stdout_of(&[&args[..args.len() - 1], &["--dtype", "f32"]].concat());
    assert!(text.contains("stored as f32"), "{text}");
}

#[test]
fn path_and_cv_with_f32_storage_fit_the_rounded_data() {
    let bc = data("breast_cancer.csv");
    for command in ["path", "cv"] {
        let args = [
            command,
            "--data",
            bc.as_str(),
            "--model",
            "logistic",
            "--standardize",
            "--num",
            "4",
            "--C",
            "0.01..10",
            "--json",
        ];
        let wide = json_of(&args);
        let narrow = json_of(&[&args[..], &["--dtype", "f32"]].concat());
        assert_eq!(wide["dtype"], "f64", "{command}");
        assert_eq!(narrow["dtype"], "f32", "{command}");
        // The held-out (cv) or training (path) log loss at each C moves by about the rounding.
        let scores = |v: &serde_json::Value| -> Vec<f64> {
            match command {
                "path" => v["path"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["train_log_loss"].as_f64().unwrap())
                    .collect(),
                _ => v["grid"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["mean"].as_f64().unwrap())
                    .collect(),
            }
        };
        for (a, b) in scores(&wide).iter().zip(scores(&narrow)) {
            assert!((a - b).abs() <= 1e-5 * a, "{command}: {a} {b}");
        }
        let text = stdout_of(&[&args[..args.len() - 1], &["--dtype", "f32", "--quiet"]].concat());
        assert!(text.contains("stored as f32"), "{command}: {text}");
    }
}

#[test]
fn predict_and_eval_with_f32_storage_score_the_rounded_rows() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    let bc = data("breast_cancer.csv");
    let model = model.to_str().unwrap();
    json_of(&[
        "fit",
        "--data",
        &bc,
        "--model",
        "logistic",
        "--standardize",
        "--out",
        model,
        "--json",
    ]);
    let eval = |dtype: &str| {
        json_of(&[
            "eval", "--model", model, "--data", &bc, "--dtype", dtype, "--json",
        ])
    };
    let (wide, narrow) = (eval("f64"), eval("f32"));
    let loss = |v: &serde_json::Value| v["log_loss"].as_f64().unwrap();
    assert!(
        (loss(&wide) - loss(&narrow)).abs() <= 1e-6 * loss(&wide),
        "{wide} {narrow}"
    );
    let predict = |dtype: &str| {
        json_of(&[
            "predict", "--model", model, "--data", &bc, "--proba", "--dtype", dtype, "--json",
        ])
    };
    let (wide, narrow) = (predict("f64"), predict("f32"));
    let probabilities = |v: &serde_json::Value| -> Vec<f64> {
        v["probabilities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[1].as_f64().unwrap())
            .collect()
    };
    for (a, b) in probabilities(&wide).iter().zip(probabilities(&narrow)) {
        assert!((a - b).abs() <= 1e-5, "{a} {b}");
    }
    // A value f32 cannot hold is an error naming its line, not an infinity.
    let big = dir.path().join("big.csv");
    let mut text = std::fs::read_to_string(&bc).unwrap();
    let second = text.find('\n').unwrap() + 1;
    text.insert_str(second, "1e300");
    let first_field_end = second + 5 + text[second + 5..].find(',').unwrap();
    text.replace_range(second + 5..first_field_end, "");
    std::fs::write(&big, text).unwrap();
    let message = error_of(&[
        "predict",
        "--model",
        model,
        "--data",
        big.to_str().unwrap(),
        "--dtype",
        "f32",
    ]);
    assert!(
        message.contains("line 2") && message.contains("beyond the range of f32"),
        "{message}"
    );
}

/// `fit --summary` gives the same table, to the bit, on one thread and on two: the small
/// LAPACK operations (the covariance's inverse, the condition number's eigenvalues) run on
/// one OpenBLAS thread, whose threaded paths add in another order even at 10 × 10.
#[test]
fn fit_summaries_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logit.csv");
    let mut text = String::from("a,b,c,d,e,f,y\n");
    let mut uniform = uniform_stream(0x9E37_79B9_7F4A_7C15_u64);
    for _ in 0..4000 {
        let x: Vec<f64> = (0..6).map(|_| 2.0 * uniform() - 1.0).collect();
        let z = x[0] - 0.7 * x[1] + 0.3 * x[4];
        let y = u8::from(uniform() < 1.0 / (1.0 + (-z).exp()));
        let row: Vec<String> = x.iter().map(|v| format!("{v:.6}")).collect();
        text.push_str(&format!("{},{y}\n", row.join(",")));
    }
    std::fs::write(&path, text).unwrap();
    let logit = path.to_str().unwrap();
    let diabetes = data("diabetes.csv");
    let runs: [&[&str]; 3] = [
        &[
            "--model",
            "logistic",
            "--data",
            logit,
            "--penalty",
            "none",
            "--tol",
            "1e-10",
        ],
        &["--model", "linear", "--data", &diabetes],
        &[
            "--model",
            "linear",
            "--data",
            &diabetes,
            "--cov-type",
            "hc3",
        ],
    ];
    for args in runs {
        let summary = |threads: &str| {
            let mut command = vec!["--threads", threads, "fit", "--summary", "--json"];
            command.extend(args);
            json_of(&command)["inference"].clone()
        };
        let one = summary("1");
        assert!(one.is_object(), "{args:?}: no summary");
        assert_eq!(one, summary("2"), "{args:?}");
    }
}
