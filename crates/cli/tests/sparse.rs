//! Drives `descent fit`, `path`, `race` and `cv` with L1 and elastic-net penalties, for both
//! models: certified fits, paths from the all-zero end, cross-validation that picks what
//! scikit-learn picks given the same folds, and one clear error for each bad setting.

mod common;

use common::{data, descent, error_of, json_of, stdout_of, with_folds};
use serde::Deserialize;
use std::io::Write;
use std::path::{Path, PathBuf};

fn temp(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

fn svg(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"));
    text
}

#[test]
fn l1_logistic_fit_is_certified_and_sparse() {
    let bc = data("breast_cancer.csv");
    let v = json_of(&[
        "fit",
        "--data",
        &bc,
        "--model",
        "logistic",
        "--penalty",
        "l1",
        "--C",
        "0.1",
        "--standardize",
        "--tol",
        "1e-10",
        "--json",
    ]);
    assert_eq!(v["penalty"], "l1");
    assert_eq!(v["converged"], true);
    assert_eq!(v["solver"], "proximal Newton");
    let gap = v["duality_gap"].as_f64().unwrap();
    let objective = v["objective"].as_f64().unwrap();
    assert!(gap >= 0.0 && gap <= 1e-10 * objective, "gap {gap}");
    let coef: Vec<f64> = v["coef"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_f64().unwrap())
        .collect();
    let non_zeros = coef.iter().filter(|w| **w != 0.0).count();
    assert_eq!(v["non_zeros"].as_u64().unwrap() as usize, non_zeros);
    assert!(non_zeros > 0 && non_zeros < 15, "{non_zeros} non-zeros");
    // The text summary says the same.
    let text = stdout_of(&[
        "fit",
        "--data",
        &bc,
        "--model",
        "logistic",
        "--penalty",
        "elasticnet",
        "--l1-ratio",
        "0.5",
        "--C",
        "0.1",
        "--standardize",
    ]);
    assert!(text.contains("duality gap"), "{text}");
    assert!(text.contains("non-zeros"), "{text}");
    assert!(text.contains("r = 0.5"), "{text}");
    // Proximal Newton and FISTA reach the same optimum (ISTA, gd, needs far more iterations
    // than a test should wait for; the solvers' own tests cover it).
    let mut objectives = Vec::new();
    for solver in ["prox-newton", "fista"] {
        let v = json_of(&[
            "fit",
            "--data",
            &bc,
            "--model",
            "logistic",
            "--penalty",
            "l1",
            "--C",
            "0.1",
            "--standardize",
            "--tol",
            "1e-9",
            "--max-iter",
            "100000",
            "--solver",
            solver,
            "--json",
        ]);
        assert_eq!(v["converged"], true, "{solver}: {}", v["termination"]);
        objectives.push(v["objective"].as_f64().unwrap());
    }
    for o in &objectives {
        assert!(
            (o - objectives[0]).abs() <= 2e-9 * objectives[0],
            "{objectives:?}"
        );
    }
}

#[test]
fn lasso_and_elastic_net_fits_say_what_they_minimize() {
    let db = data("diabetes.csv");
    let v = json_of(&[
        "fit",
        "--data",
        &db,
        "--model",
        "linear",
        "--alpha",
        "10",
        "--l1-ratio",
        "1",
        "--json",
    ]);
    assert_eq!(v["converged"], true);
    assert_eq!(v["l1_ratio"].as_f64(), Some(1.0));
    assert!(v["objective_form"].as_str().unwrap().contains("ElasticNet"));
    assert!(v["non_zeros"].as_u64().unwrap() < 10);
    let saved = tempfile::tempdir().unwrap();
    let out = temp(&saved, "lasso.json");
    stdout_of(&[
        "fit",
        "--data",
        &db,
        "--model",
        "linear",
        "--alpha",
        "0.5",
        "--l1-ratio",
        "0.5",
        "--out",
        out.to_str().unwrap(),
    ]);
    // The model file keeps the l1_ratio, and predicts.
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("\"l1_ratio\": 0.5"), "{text}");
    let predictions = stdout_of(&["predict", "--model", out.to_str().unwrap(), "--data", &db]);
    assert_eq!(predictions.lines().count(), 443);
}

#[test]
fn bad_penalty_settings_are_one_clear_error_each() {
    let bc = data("breast_cancer.csv");
    let db = data("diabetes.csv");
    let logistic = ["fit", "--data", bc.as_str(), "--model", "logistic"];
    let with = |extra: &[&str]| -> Vec<String> {
        logistic
            .iter()
            .chain(extra)
            .map(|s| (*s).to_owned())
            .collect()
    };
    let refused = |args: Vec<String>, expected: &str| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let e = error_of(&args);
        assert!(e.contains(expected), "{args:?}: {e}");
    };
    refused(with(&["--l1-ratio", "0.5"]), "--penalty elasticnet");
    refused(
        with(&["--penalty", "l1", "--l1-ratio", "0.5"]),
        "--penalty elasticnet",
    );
    refused(with(&["--penalty", "elasticnet"]), "needs --l1-ratio");
    refused(
        with(&["--penalty", "elasticnet", "--l1-ratio", "1.5"]),
        "from 0 to 1",
    );
    refused(
        with(&["--penalty", "elasticnet", "--l1-ratio", "-0.1"]),
        "from 0 to 1",
    );
    refused(with(&["--penalty", "l1", "--C", "0"]), "positive");
    refused(with(&["--penalty", "l1", "--C", "inf"]), "not finite");
    refused(
        with(&["--penalty", "l1", "--solver", "lbfgs"]),
        "not differentiable",
    );
    refused(
        with(&["--penalty", "l1", "--solver", "newton"]),
        "prox-newton",
    );
    let linear = |extra: &[&str]| -> Vec<String> {
        ["fit", "--data", db.as_str(), "--model", "linear"]
            .iter()
            .chain(extra)
            .map(|s| (*s).to_owned())
            .collect()
    };
    refused(linear(&["--l1-ratio", "1"]), "needs --alpha");
    refused(
        linear(&["--l1-ratio", "1", "--alpha", "0"]),
        "must be positive",
    );
    refused(
        linear(&["--penalty", "l1", "--alpha", "1"]),
        "--penalty does not apply",
    );
    refused(
        linear(&["--l1-ratio", "1", "--alpha", "1", "--solver", "lstsq"]),
        "lstsq",
    );
    // cv: folds.
    let cv = |extra: &[&str]| -> Vec<String> {
        [
            "cv",
            "--data",
            bc.as_str(),
            "--model",
            "logistic",
            "--penalty",
            "l1",
        ]
        .iter()
        .chain(extra)
        .map(|s| (*s).to_owned())
        .collect()
    };
    refused(cv(&["--folds", "1"]), "at least 2 folds");
    refused(cv(&["--folds", "1000"]), "fewer folds");
    refused(cv(&["--scoring", "mse"]), "does not apply");
    refused(cv(&["--C", "0..1"]), "positive");
    refused(cv(&["--folds-column", "nope"]), "nope");
}

#[test]
fn a_fold_with_one_class_or_too_few_rows_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // Ten rows in three folds; fold 2 holds only class 1.
    let path = temp(&dir, "tiny.csv");
    let mut file = std::fs::File::create(&path).unwrap();
    writeln!(file, "a,b,fold,target").unwrap();
    for i in 0..10 {
        let (fold, label) = if i < 4 {
            (2, 1)
        } else {
            (1 + 2 * (i % 2), i / 2 % 2)
        };
        writeln!(
            file,
            "{},{},{fold},{label}",
            i as f64 * 0.3,
            (i * 7 % 5) as f64
        )
        .unwrap();
    }
    drop(file);
    let p = path.to_str().unwrap();
    let e = error_of(&[
        "cv",
        "--data",
        p,
        "--model",
        "logistic",
        "--penalty",
        "l1",
        "--folds-column",
        "fold",
        "--C",
        "0.1..10",
    ]);
    assert!(e.contains("fold 2 holds only class 1"), "{e}");
    let e = error_of(&[
        "cv", "--data", p, "--model", "logistic", "--folds", "6", "--C", "0.1..10",
    ]);
    assert!(e.contains("fewer than the 6 folds"), "{e}");
    let e = error_of(&[
        "cv", "--data", p, "--model", "linear", "--folds", "11", "--alpha", "0.1..10",
    ]);
    assert!(e.contains("10 rows cannot be split into 11 folds"), "{e}");
}

#[test]
fn paths_start_where_every_coefficient_is_zero_and_plot_the_non_zeros() {
    let dir = tempfile::tempdir().unwrap();
    let plot = temp(&dir, "path.svg");
    let bc = data("breast_cancer.csv");
    let v = json_of(&[
        "path",
        "--data",
        &bc,
        "--penalty",
        "l1",
        "--standardize",
        "--num",
        "8",
        "--plot",
        plot.to_str().unwrap(),
        "--json",
    ]);
    let path = v["path"].as_array().unwrap();
    assert_eq!(path.len(), 8);
    assert_eq!(path[0]["non_zeros"], 0);
    assert!(path.iter().all(|s| s["converged"] == true));
    let non_zeros: Vec<u64> = path
        .iter()
        .map(|s| s["non_zeros"].as_u64().unwrap())
        .collect();
    assert!(
        non_zeros[7] > non_zeros[1] && non_zeros[1] > 0,
        "{non_zeros:?}"
    );
    let text = svg(&plot);
    assert!(text.contains("Non-zero coefficients against C"));
    // Linear regression: alpha from its largest useful value down.
    let v = json_of(&[
        "path",
        "--data",
        &data("diabetes.csv"),
        "--model",
        "linear",
        "--l1-ratio",
        "1",
        "--num",
        "6",
        "--test-size",
        "0.2",
        "--json",
    ]);
    let path = v["path"].as_array().unwrap();
    let alphas: Vec<f64> = path.iter().map(|s| s["alpha"].as_f64().unwrap()).collect();
    assert!(alphas.windows(2).all(|w| w[1] < w[0]), "{alphas:?}");
    assert_eq!(path[0]["non_zeros"], 0);
    assert!(path[5]["test_mse"].as_f64().is_some());
    assert!(v["chosen_alpha"].as_f64().is_some());
}

#[test]
fn race_on_an_l1_problem_includes_the_proximal_solvers() {
    let v = json_of(&[
        "race",
        "--data",
        &data("breast_cancer.csv"),
        "--model",
        "logistic",
        "--penalty",
        "l1",
        "--C",
        "0.5",
        "--standardize",
        "--repeat",
        "1",
        "--max-iter",
        "20000",
        "--json",
    ]);
    let runs = v["runs"].as_array().unwrap();
    let names: Vec<&str> = runs.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["prox-newton", "fista", "gd"]);
    for run in runs {
        assert!(run["duality_gap"].as_f64().is_some(), "{run}");
        assert!(run["non_zeros"].as_u64().is_some(), "{run}");
    }
    assert_eq!(runs[0]["converged"], true);
}

#[derive(Deserialize)]
struct CvFixtures {
    cv: Cv,
}

#[derive(Deserialize)]
struct Cv {
    logistic: LogisticCv,
    lasso: LassoCv,
}

#[derive(Deserialize)]
struct LogisticCv {
    folds: Vec<usize>,
    #[serde(rename = "C_range")]
    c_range: [f64; 2],
    num: usize,
    mean_log_loss: Vec<f64>,
    #[serde(rename = "chosen_C")]
    chosen_c: f64,
}

#[derive(Deserialize)]
struct LassoCv {
    folds: Vec<usize>,
    alpha_range: [f64; 2],
    num: usize,
    mean_mse: Vec<f64>,
    chosen_alpha: f64,
}

/// The bundled data set `name`, each feature standardized (mean 0, population standard
/// deviation 1, as scikit-learn's `StandardScaler`), as the CSV text of a table.
fn standardized(name: &str) -> String {
    let text = std::fs::read_to_string(data(name)).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    let (n, p) = (rows.len() as f64, rows[0].len() - 1);
    let mean: Vec<f64> = (0..p)
        .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / n)
        .collect();
    let std: Vec<f64> = (0..p)
        .map(|j| (rows.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / n).sqrt())
        .collect();
    let mut out = format!("{header}\n");
    for r in &rows {
        let fields: Vec<String> = (0..p)
            .map(|j| format!("{:?}", (r[j] - mean[j]) / std[j]))
            .chain(std::iter::once(format!("{:?}", r[p])))
            .collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

fn fixtures() -> CvFixtures {
    let path = format!(
        "{}/../../tests/fixtures/sklearn_sparse.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Given scikit-learn's folds, `cv` scores every value as `LogisticRegressionCV` and
/// `LassoCV` do, and picks the same C and alpha.
#[test]
fn cv_with_the_same_folds_picks_what_scikit_learn_picks() {
    let fixtures = fixtures();
    let dir = tempfile::tempdir().unwrap();
    let logistic = &fixtures.cv.logistic;
    // scikit-learn's LogisticRegressionCV was given the standardized data: the scaler was
    // learned from all rows, outside the folds, so it is applied here before `cv` sees the
    // data (`cv --standardize` learns a scaler in each fold, as a Pipeline would).
    let path = with_folds(
        &dir,
        &standardized("breast_cancer.csv"),
        "breast_cancer.csv",
        &logistic.folds,
    );
    let range = format!("{}..{}", logistic.c_range[0], logistic.c_range[1]);
    let num = logistic.num.to_string();
    let v = json_of(&[
        "cv",
        "--data",
        path.to_str().unwrap(),
        "--model",
        "logistic",
        "--penalty",
        "l1",
        "--folds-column",
        "fold",
        "--C",
        &range,
        "--num",
        &num,
        "--scoring",
        "log-loss",
        "--tol",
        "1e-10",
        "--json",
    ]);
    let grid = v["grid"].as_array().unwrap();
    for (point, reference) in grid.iter().zip(&logistic.mean_log_loss) {
        let mean = point["mean"].as_f64().unwrap();
        // saga stops short of the optimum by a few parts in a million; descent's fits are
        // certified to 1e-10.
        assert!(
            (mean - reference).abs() <= 1e-5 * reference,
            "{mean} vs {reference}"
        );
    }
    let chosen = v["best"]["C"].as_f64().unwrap();
    assert!(
        (chosen - logistic.chosen_c).abs() <= 1e-9 * chosen,
        "{chosen} vs {}",
        logistic.chosen_c
    );
    assert_eq!(v["feature_names"].as_array().unwrap().len(), 30); // the fold column is not a feature
    let lasso = &fixtures.cv.lasso;
    let diabetes = std::fs::read_to_string(data("diabetes.csv")).unwrap();
    let path = with_folds(&dir, &diabetes, "diabetes.csv", &lasso.folds);
    let range = format!("{}..{}", lasso.alpha_range[0], lasso.alpha_range[1]);
    let num = lasso.num.to_string();
    let v = json_of(&[
        "cv",
        "--data",
        path.to_str().unwrap(),
        "--model",
        "linear",
        "--l1-ratio",
        "1",
        "--folds-column",
        "fold",
        "--alpha",
        &range,
        "--num",
        &num,
        "--tol",
        "1e-12",
        "--json",
    ]);
    let grid = v["grid"].as_array().unwrap();
    for (point, reference) in grid.iter().zip(&lasso.mean_mse) {
        let mean = point["mean"].as_f64().unwrap();
        assert!(
            (mean - reference).abs() <= 1e-9 * reference,
            "{mean} vs {reference}"
        );
    }
    let chosen = v["best"]["alpha"].as_f64().unwrap();
    assert!(
        (chosen - lasso.chosen_alpha).abs() <= 1e-9 * chosen,
        "{chosen} vs {}",
        lasso.chosen_alpha
    );
}

#[test]
fn cv_refits_saves_and_plots() {
    let dir = tempfile::tempdir().unwrap();
    let plot = temp(&dir, "cv.svg");
    let out = temp(&dir, "model.json");
    let bc = data("breast_cancer.csv");
    let text = stdout_of(&[
        "cv",
        "--data",
        &bc,
        "--model",
        "logistic",
        "--penalty",
        "l1",
        "--standardize",
        "--test-size",
        "0.2",
        "--num",
        "8",
        "--choose",
        "one-se",
        "--plot",
        plot.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        text.contains("5-fold cross-validation (stratified folds, seed 42)"),
        "{text}"
    );
    assert!(text.contains("one-SE"), "{text}");
    assert!(text.contains("refit on all 455 training rows"), "{text}");
    assert!(svg(&plot).contains("Cross-validated log loss against C"));
    // The saved model scores the held-out rows as the refit did.
    let scored = stdout_of(&["eval", "--model", out.to_str().unwrap(), "--data", &bc]);
    assert!(scored.contains("accuracy"), "{scored}");
    // Seeds change the folds; the same seed gives the same result.
    let run = |seed: &str| {
        json_of(&[
            "cv", "--data", &bc, "--model", "logistic", "--num", "5", "--C", "0.01..10", "--seed",
            seed, "--json",
        ])["grid"][2]["mean"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(run("1"), run("1"));
    assert_ne!(run("1"), run("2"));
    let _ = descent;
}
