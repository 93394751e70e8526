//! Raw tables from file to predictions: column roles, string labels, categorical columns,
//! missing values, delimiters, gzip and standard input; parity with scikit-learn's pipeline on
//! the bundled churn table (fixtures from `scripts/make_fixtures.py`).

mod common;
use common::{data, descent, error_of, fixture, json_of, numbers, stdout_of, with_folds};
use serde_json::Value;
use std::io::Write;

fn fixtures() -> Value {
    fixture("sklearn_churn.json")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_raw_churn_table_fits_as_scikit_learns_impute_and_one_hot_pipeline() {
    let churn = data("churn.csv");
    for case in fixtures()["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let target = case["target"].as_str().unwrap();
        let model = if target == "Churn" {
            "logistic"
        } else {
            "linear"
        };
        let mut args: Vec<String> = [
            "fit",
            "--model",
            model,
            "--data",
            &churn,
            "--target",
            target,
            "--id-column",
            "customerID",
            "--tol",
            "1e-12",
            "--max-iter",
            "100",
            "--json",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        if model == "linear" {
            args.extend(["--solver".to_owned(), "newton".to_owned()]);
        }
        args.extend(strings(&case["options"]));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let fit = json_of(&args);
        assert_eq!(
            strings(&fit["feature_names"]),
            strings(&case["feature_names"]),
            "{name}"
        );
        let (ours, theirs) = (numbers(&fit["coef"]), numbers(&case["coef"]));
        let scale = theirs.iter().fold(1.0_f64, |m, v| m.max(v.abs()));
        for (k, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            assert!(
                (a - b).abs() <= 1e-8 * scale,
                "{name}: coefficient {k} ({}): {a} vs {b}",
                case["feature_names"][k]
            );
        }
        let (a, b) = (
            fit["intercept"].as_f64().unwrap(),
            case["intercept"].as_f64().unwrap(),
        );
        assert!(
            (a - b).abs() <= 1e-8 * scale,
            "{name}: intercept {a} vs {b}"
        );
        let (a, b) = (
            fit["objective"].as_f64().unwrap(),
            case["objective"].as_f64().unwrap(),
        );
        assert!(
            (a - b).abs() <= 1e-10 * b.abs(),
            "{name}: objective {a} vs {b}"
        );
        if model == "logistic" {
            assert_eq!(strings(&fit["labels"]), ["No", "Yes"]);
        }
    }
}

/// A temporary file holding `contents`.
fn file(contents: &[u8], suffix: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(suffix).tempfile().unwrap();
    f.write_all(contents).unwrap();
    f
}

const SMALL: &str = "id;colour;size;weight;label\n\
a1;red;1.5;10;yes\n\
a2;blue;2.5;;no\n\
a3;green;0.5;12;yes\n\
a4;red;3.5;9;no\n\
a5;blue;1.0;11;yes\n\
a6;green;2.0;14;no\n\
a7;red;2.2;10;no\n\
a8;blue;0.7;13;yes\n";

#[test]
fn a_model_fitted_on_a_raw_table_predicts_raw_rows_with_their_labels_and_ids() {
    let dir = tempfile::tempdir().unwrap();
    let train = file(SMALL.as_bytes(), ".csv");
    let model = dir.path().join("m.json");
    let model = model.to_str().unwrap();
    let path = train.path().to_str().unwrap();
    let fit = json_of(&[
        "fit",
        "--model",
        "logistic",
        "--data",
        path,
        "--id-column",
        "id",
        "--missing",
        "median",
        "--positive-class",
        "no",
        "--out",
        model,
        "--json",
    ]);
    assert_eq!(strings(&fit["labels"]), ["yes", "no"]);
    assert_eq!(
        strings(&fit["feature_names"]),
        ["size", "weight", "colour=green", "colour=red"]
    );
    // New rows, comma-separated this time, with a blank weight (imputed with the training
    // median) and the columns in another order; no target.
    let new = file(
        b"weight,colour,id,size\n,red,b1,1.0\n20,green,b2,3.0\n",
        ".csv",
    );
    let out = stdout_of(&[
        "predict",
        "--model",
        model,
        "--data",
        new.path().to_str().unwrap(),
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "id,prediction");
    assert!(
        lines[1].starts_with("b1,") && (lines[1].ends_with(",yes") || lines[1].ends_with(",no"))
    );
    assert_eq!(lines.len(), 3);
    let proba = stdout_of(&[
        "predict",
        "--model",
        model,
        "--data",
        new.path().to_str().unwrap(),
        "--proba",
    ]);
    assert!(proba.starts_with("id,proba_yes,proba_no\n"), "{proba}");
    // An unseen level is an error naming it, or the reference level when asked.
    let unseen = file(b"weight,colour,id,size\n10,purple,c1,1.0\n", ".csv");
    let unseen = unseen.path().to_str().unwrap();
    let message = error_of(&["predict", "--model", model, "--data", unseen]);
    assert!(
        message.contains("line 2, column \"colour\": level \"purple\" was not seen in training"),
        "{message}"
    );
    let ignored = stdout_of(&[
        "predict",
        "--model",
        model,
        "--data",
        unseen,
        "--unknown-level",
        "ignore",
    ]);
    assert!(ignored.starts_with("id,prediction\nc1,"));
    // The fit's own file scores as at fit time.
    let eval = json_of(&["eval", "--model", model, "--data", path, "--json"]);
    assert_eq!(eval["rows"], "all");
    assert_eq!(eval["samples"].as_u64(), Some(8));
    assert_eq!(eval["log_loss"], fit["train"]["log_loss"]);
}

#[test]
fn gzip_standard_input_and_tabs_read_the_same_table() {
    let tabs = SMALL.replace(';', "\t");
    let plain = file(tabs.as_bytes(), ".tsv");
    let mut gz = flate2_gz(SMALL.as_bytes());
    let gz = file(&std::mem::take(&mut gz), ".csv.gz");
    let args = |path: &str| {
        vec![
            "fit".to_owned(),
            "--model".into(),
            "logistic".into(),
            "--data".into(),
            path.into(),
            "--drop".into(),
            "id".into(),
            "--missing".into(),
            "mean".into(),
            "--json".into(),
        ]
    };
    let run = |path: &str, stdin: Option<&str>| -> Value {
        let mut cmd = descent();
        cmd.args(args(path));
        if let Some(text) = stdin {
            cmd.write_stdin(text.to_owned());
        }
        let output = cmd.output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let a = run(plain.path().to_str().unwrap(), None);
    let b = run(gz.path().to_str().unwrap(), None);
    let c = run("-", Some(SMALL));
    assert_eq!(a["coef"], b["coef"]);
    assert_eq!(a["coef"], c["coef"]);
    assert_eq!(a["objective"], c["objective"]);
}

fn flate2_gz(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

#[test]
fn every_bad_table_is_one_clear_error_naming_the_column() {
    let churn = data("churn.csv");
    let cases: [(&[&str], &str); 6] = [
        (&[], "column \"customerID\" looks like an identifier"),
        (
            &["--drop", "customerID"],
            "column \"PaymentMethod\" has 25 missing value(s), the first at line",
        ),
        (
            &[
                "--drop",
                "customer*",
                "--target",
                "Contract",
                "--missing",
                "mean",
                "--positive-class",
                "One year",
            ],
            "column \"Contract\" has 3 labels (Month-to-month, One year, Two year): a positive class applies to two classes only",
        ),
        (
            &[
                "--drop",
                "customerID",
                "--missing",
                "drop",
                "--positive-class",
                "Maybe",
            ],
            "\"Maybe\" is not one of the labels (No, Yes)",
        ),
        (&["--drop", "nothing_*"], "no column named \"nothing_*\""),
        (
            &[
                "--drop",
                "customerID",
                "--missing",
                "mean",
                "--target",
                "Contract",
                "--features",
                "Contract",
            ],
            "column \"Contract\" cannot be the target, and a feature",
        ),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["fit", "--model", "logistic", "--data", &churn];
        args.extend(extra);
        let m = error_of(&args);
        assert!(m.contains(expected), "{extra:?}: {m}");
    }
    let m = error_of(&[
        "fit",
        "--model",
        "linear",
        "--data",
        &churn,
        "--drop",
        "customerID",
        "--missing",
        "mean",
    ]);
    assert!(
        m.contains("column \"Churn\": cannot parse \"No\" as a number"),
        "{m}"
    );
    let all_missing = file(b"a,b,y\n1,,0\n2,,1\n3,,0\n", ".csv");
    let path = all_missing.path().to_str().unwrap();
    let m = error_of(&[
        "fit",
        "--model",
        "logistic",
        "--data",
        path,
        "--missing",
        "mean",
    ]);
    assert!(
        m.contains("column \"b\" has no value in the training rows"),
        "{m}"
    );
    let mixed = file(b"a,b,y\n1,2,0\n3,x,1\n4,5,0\n", ".csv");
    let path = mixed.path().to_str().unwrap();
    let m = error_of(&["fit", "--model", "logistic", "--data", path]);
    assert!(
        m.contains("line 3, column \"b\": cannot parse \"x\" as a number"),
        "{m}"
    );
}

#[test]
fn missing_drop_leaves_rows_out_and_says_how_many() {
    let churn = data("churn.csv");
    let fit = json_of(&[
        "fit",
        "--model",
        "logistic",
        "--data",
        &churn,
        "--id-column",
        "customerID",
        "--missing",
        "drop",
        "--json",
    ]);
    let dropped = fit["dropped_rows"].as_u64().unwrap();
    assert!(dropped > 25, "{dropped}");
    assert_eq!(fit["train_rows"].as_u64().unwrap() + dropped, 2000);
}

#[test]
fn race_path_and_cv_take_the_same_table_options() {
    let churn = data("churn.csv");
    let common = [
        "--data",
        &churn,
        "--id-column",
        "customerID",
        "--missing",
        "mean",
    ];
    let with = |head: &[&str]| -> Vec<String> {
        head.iter()
            .chain(&common)
            .map(|s| (*s).to_owned())
            .collect()
    };
    let run = |args: Vec<String>| json_of(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let race = run(with(&[
        "race",
        "--model",
        "logistic",
        "--solvers",
        "newton,lbfgs",
        "--json",
    ]));
    assert_eq!(race["runs"].as_array().map(Vec::len), Some(2), "{race}");
    let path = run(with(&[
        "path", "--model", "logistic", "--num", "3", "--json",
    ]));
    assert_eq!(path["path"].as_array().map(Vec::len), Some(3), "{path}");
    let cv = run(with(&[
        "cv", "--model", "logistic", "--num", "3", "--folds", "3", "--json",
    ]));
    assert_eq!(
        cv["feature_names"].as_array().map(Vec::len),
        Some(13),
        "{cv}"
    );
}

/// Each fold learns its imputation means, scaler and levels from its own training rows, as
/// scikit-learn's `cross_validate` refits a whole `Pipeline` in each fold: with the same folds,
/// every held-out log loss matches to 1e-9. (Learned once from all training rows, the means
/// and scales would leak the held-out rows and the scores would differ in the fourth digit.)
#[test]
fn cv_learns_the_preprocessing_in_each_fold_as_a_pipeline_does() {
    let reference = &fixtures()["cv"];
    let dir = tempfile::tempdir().unwrap();
    let folds: Vec<usize> = reference["folds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_u64().unwrap() as usize)
        .collect();
    let text = std::fs::read_to_string(data("churn.csv")).unwrap();
    let path = with_folds(&dir, &text, "churn.csv", &folds);
    let range = numbers(&reference["C_range"]);
    let mut args: Vec<String> = [
        "cv",
        "--model",
        "logistic",
        "--data",
        path.to_str().unwrap(),
        "--id-column",
        "customerID",
        "--folds-column",
        "fold",
        "--solver",
        "newton",
        "--tol",
        "1e-12",
        "--json",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.extend(["--C".to_owned(), format!("{}..{}", range[0], range[1])]);
    args.extend(["--num".to_owned(), reference["num"].to_string()]);
    args.extend(strings(&reference["options"]));
    let v = json_of(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let grid = v["grid"].as_array().unwrap();
    let expected = reference["fold_log_loss"].as_array().unwrap();
    assert_eq!(grid.len(), expected.len());
    for (point, scores) in grid.iter().zip(expected) {
        for (ours, theirs) in numbers(&point["fold_scores"]).iter().zip(numbers(scores)) {
            assert!(
                (ours - theirs).abs() <= 1e-9 * theirs,
                "C = {}: {ours} vs {theirs}",
                point["C"]
            );
        }
    }
}

/// A level that only a fold's held-out rows hold is unseen by that fold's fit: an error naming
/// the fold, or the reference level with --unknown-level ignore.
#[test]
fn a_level_only_a_held_out_fold_holds_is_unknown_to_that_fold() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("x,colour,fold,y\n");
    for i in 0..40 {
        let colour = if i == 7 {
            "violet"
        } else {
            ["red", "blue"][i % 2]
        };
        let y = ["no", "yes"][(i / 4) % 2];
        text.push_str(&format!("{},{colour},{},{y}\n", i as f64 * 0.1, i % 4));
    }
    let path = dir.path().join("colours.csv");
    std::fs::write(&path, text).unwrap();
    let base = [
        "cv",
        "--model",
        "logistic",
        "--data",
        path.to_str().unwrap(),
        "--folds-column",
        "fold",
        "--num",
        "2",
        "--max-levels",
        "10",
    ];
    let e = error_of(&base);
    assert!(
        e.contains("fold 4") && e.contains("\"violet\"") && e.contains("--unknown-level ignore"),
        "{e}"
    );
    let mut ignore = base.to_vec();
    ignore.extend(["--unknown-level", "ignore", "--json"]);
    let v = json_of(&ignore);
    // The refit on all rows has the level.
    assert!(
        v["feature_names"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "colour=violet"),
        "{v}"
    );
}

fn parquet_fixture() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/churn.parquet"
    )
    .to_owned()
}

#[test]
fn a_parquet_file_written_by_pandas_fits_bit_for_bit_as_its_csv_file() {
    let (csv, parquet) = (data("churn.csv"), parquet_fixture());
    let fit = |path: &str, extra: &[&str]| {
        let mut args = vec![
            "fit",
            "--model",
            "logistic",
            "--data",
            path,
            "--target",
            "Churn",
            "--id-column",
            "customerID",
            "--missing",
            "median",
            "--test-size",
            "0.3",
            "--json",
        ];
        args.extend(extra);
        json_of(&args)
    };
    let a = fit(&csv, &[]);
    let b = fit(&parquet, &["--drop", "signup"]);
    for key in [
        "feature_names",
        "coef",
        "intercept",
        "objective",
        "labels",
        "train",
        "test",
    ] {
        assert_eq!(a[key], b[key], "{key}");
    }
    // The date column is an error only when used.
    let m = error_of(&[
        "fit",
        "--model",
        "logistic",
        "--data",
        &parquet,
        "--target",
        "Churn",
        "--id-column",
        "customerID",
        "--missing",
        "median",
    ]);
    assert!(m.contains("column \"signup\" is of type Timestamp"), "{m}");
    // A model fitted on the CSV file predicts the Parquet rows as it predicts the CSV rows.
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    let model = model.to_str().unwrap();
    stdout_of(&[
        "fit",
        "--model",
        "logistic",
        "--data",
        &csv,
        "--id-column",
        "customerID",
        "--missing",
        "median",
        "--out",
        model,
    ]);
    let from_csv = stdout_of(&["predict", "--model", model, "--data", &csv, "--proba"]);
    let from_parquet = stdout_of(&["predict", "--model", model, "--data", &parquet, "--proba"]);
    assert_eq!(from_csv, from_parquet);
    assert_eq!(from_csv.lines().count(), 2001);
    // Parquet on standard input (read whole into memory, then as from the file).
    let output = descent()
        .args(["predict", "--model", model, "--data", "-", "--proba"])
        .write_stdin(std::fs::read(&parquet).unwrap())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8(output.stdout).unwrap(), from_csv);
}

/// Named pipes (what `<(zcat file)` gives) are read as files are, by both readers.
#[cfg(unix)]
#[test]
fn a_named_pipe_reads_as_its_file() {
    let dir = tempfile::tempdir().unwrap();
    for (name, extra) in [
        ("breast_cancer.csv", &[][..]),
        (
            "churn.csv",
            &["--id-column", "customerID", "--missing", "mean"][..],
        ),
    ] {
        let fifo = dir.path().join(format!("{name}.fifo"));
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let source = data(name);
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, std::fs::read(source).unwrap()))
        };
        let mut args = vec!["fit", "--model", "logistic", "--json", "--data"];
        let through_pipe = fifo.to_str().unwrap().to_owned();
        args.push(&through_pipe);
        args.extend(extra);
        let piped = json_of(&args);
        writer.join().unwrap().unwrap();
        let from_file = data(name);
        args[5] = &from_file;
        assert_eq!(piped["coef"], json_of(&args)["coef"], "{name}");
    }
}

fn inference_fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/statsmodels_inference.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `fit --summary` of the raw churn table (categorical columns as codes) gives statsmodels'
/// `Logit` summary of the same one-hot design to 1e-8.
#[test]
fn fit_summary_of_the_raw_churn_table_is_statsmodels_logit() {
    let reference = &inference_fixture()["churn"];
    let churn = data("churn.csv");
    let mut args: Vec<String> = [
        "fit",
        "--model",
        "logistic",
        "--data",
        &churn,
        "--id-column",
        "customerID",
        "--solver",
        "newton",
        "--tol",
        "1e-12",
        "--summary",
        "--json",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.extend(strings(&reference["options"]));
    let v = json_of(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let summary = &v["inference"];
    let table = summary["coefficients"].as_array().unwrap();
    let close = |ours: f64, theirs: f64, what: &str| {
        assert!(
            (ours - theirs).abs() <= 1e-8 * theirs.abs() + 1e-300,
            "{what}: {ours} vs statsmodels {theirs}"
        );
    };
    for (key, field) in [
        ("params", "estimate"),
        ("bse", "std_error"),
        ("statistic", "statistic"),
        ("pvalues", "p_value"),
        ("lower", "lower"),
        ("upper", "upper"),
    ] {
        let theirs = numbers(&reference[key]);
        assert_eq!(theirs.len(), table.len());
        for (j, (row, t)) in table.iter().zip(theirs).enumerate() {
            close(row[field].as_f64().unwrap(), t, &format!("{key}[{j}]"));
        }
    }
    for (key, field) in [
        ("llf", "log_likelihood"),
        ("exact_llnull", "null_log_likelihood"),
        ("aic", "aic"),
        ("bic", "bic"),
    ] {
        close(
            summary[field].as_f64().unwrap(),
            reference[key].as_f64().unwrap(),
            key,
        );
    }
    // The text form prints the table with the coefficients' names.
    let text = stdout_of(
        &args
            .iter()
            .filter(|a| *a != "--json")
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(
        text.contains("P>|z|") && text.contains("Contract=Two year") && text.contains("pseudo R²"),
        "{text}"
    );
}

/// A penalized fit has no classical standard errors: the fit is printed, with a warning
/// saying why there is no summary, and no table.
#[test]
fn fit_summary_of_a_penalized_fit_says_why_there_is_none() {
    let bc = data("breast_cancer.csv");
    let output = descent()
        .args(["fit", "--model", "logistic", "--data", &bc, "--summary"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stderr.contains("no --summary") && stderr.contains("penalized"),
        "{stderr}"
    );
    assert!(!stdout.contains("std err"), "{stdout}");
}

/// `--cov-type hc3` gives statsmodels' robust standard errors and Wald F, and the residual
/// diagnostics, for least squares on the bundled diabetes data.
#[test]
fn fit_summary_with_a_robust_covariance_is_statsmodels() {
    let cases = &inference_fixture()["cases"];
    let reference = cases
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "ols" && c["intercept"] == true)
        .unwrap();
    let diabetes = data("diabetes.csv");
    let v = json_of(&[
        "fit",
        "--model",
        "linear",
        "--data",
        &diabetes,
        "--summary",
        "--cov-type",
        "hc3",
        "--json",
    ]);
    let summary = &v["inference"];
    assert_eq!(summary["covariance_type"], "hc3");
    let close = |ours: &Value, theirs: &Value, what: &str| {
        let (a, b) = (ours.as_f64().unwrap(), theirs.as_f64().unwrap());
        assert!((a - b).abs() <= 1e-8 * b.abs(), "{what}: {a} vs {b}");
    };
    let robust = &reference["robust"]["hc3"];
    for (row, theirs) in summary["coefficients"]
        .as_array()
        .unwrap()
        .iter()
        .zip(robust["bse"].as_array().unwrap())
    {
        close(&row["std_error"], theirs, "HC3 standard error");
    }
    close(&summary["f_statistic"], &robust["fvalue"], "Wald F");
    for (ours, theirs) in [
        ("durbin_watson", "durbin_watson"),
        ("jarque_bera", "jarque_bera"),
        ("condition_number", "condition_number"),
    ] {
        close(&summary[ours], &reference[theirs], ours);
    }
    let e = error_of(&[
        "fit",
        "--model",
        "linear",
        "--data",
        &diabetes,
        "--cov-type",
        "hc1",
    ]);
    assert!(e.contains("--summary"), "{e}");
}

/// Collinear and constant columns are named in the warning that says why there is no summary.
#[test]
fn fit_summary_names_collinear_and_constant_columns() {
    let dir = tempfile::tempdir().unwrap();
    let mut collinear = String::from("a,b,c,y\n");
    let mut constant = String::from("a,k,b,y\n");
    for i in 0..40 {
        let (a, b) = ((i as f64 * 0.37).sin(), (i as f64 * 0.91).cos());
        let y = 1.0 + a - b + (i as f64 * 1.7).sin() * 0.1;
        collinear.push_str(&format!("{a},{b},{},{y}\n", 2.0 * a + b));
        constant.push_str(&format!("{a},3,{b},{y}\n"));
    }
    for (name, text, expected) in [
        (
            "collinear.csv",
            collinear,
            "column \"c\" is a linear combination of \"a\", \"b\"",
        ),
        (
            "constant.csv",
            constant,
            "column \"k\" is constant, so collinear with the intercept",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let output = descent()
            .args([
                "fit",
                "--model",
                "linear",
                "--data",
                path.to_str().unwrap(),
                "--summary",
            ])
            .output()
            .unwrap();
        assert!(output.status.success());
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(expected), "{stderr}");
    }
}

/// A numeric file learns its per-fold scaler the same way through either reader: the plain
/// numeric reader (the unscaled training rows kept) and the table reader (the table kept and
/// encoded again per fold) give the same held-out scores.
#[test]
fn cv_scales_each_fold_alike_through_either_reader() {
    let bc = data("breast_cancer.csv");
    let args = [
        "cv",
        "--model",
        "logistic",
        "--data",
        &bc,
        "--standardize",
        "--folds",
        "3",
        "--num",
        "3",
        "--C",
        "0.1..10",
        "--json",
    ];
    let scores = |v: &Value| -> Vec<Vec<f64>> {
        v["grid"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| numbers(&p["fold_scores"]))
            .collect()
    };
    let numeric = json_of(&args);
    let table = json_of(&[&args[..], &["--delimiter", ","]].concat());
    for (a, b) in scores(&numeric)
        .iter()
        .flatten()
        .zip(scores(&table).iter().flatten())
    {
        assert!((a - b).abs() <= 1e-12 * b.abs(), "{a} vs {b}");
    }
    assert_eq!(scores(&numeric).len(), 3);
}
