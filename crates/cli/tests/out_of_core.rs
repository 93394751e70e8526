//! `descent fit --out-of-core` and `--memory-limit`: X read in place from a binary data cache
//! gives the in-memory fit bit for bit; the cache is made once, reused, and made again when it
//! is stale, truncated or of another type; what needs X in memory is refused in one line.

mod common;
use common::{data, descent, error_of, json_of, without, write_parquet};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A copy of the bundled data set `name` in `dir`, so that its cache is written there.
fn copy(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::copy(data(name), &path).unwrap();
    path
}

/// The JSON of `fit` without the fields that differ between runs (timings) or by design
/// (where the data came from).
fn fitted(args: &[&str]) -> Value {
    without(
        json_of(args),
        &[
            "fit_seconds",
            "read_seconds",
            "data_cache",
            "cache_read",
            "data",
        ],
    )
}

#[test]
fn out_of_core_fits_are_the_in_memory_fits_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let cancer = copy(dir.path(), "breast_cancer.csv");
    let diabetes = copy(dir.path(), "diabetes.csv");
    let cancer = cancer.to_str().unwrap();
    let diabetes = diabetes.to_str().unwrap();
    for (data, model, solver) in [
        (cancer, "logistic", "newton"),
        (cancer, "logistic", "lbfgs"),
        (cancer, "logistic", "prox-newton"),
        (diabetes, "linear", "newton"),
        (diabetes, "linear", "lbfgs"),
    ] {
        for dtype in ["f64", "f32"] {
            let mut args = vec![
                "fit",
                "--model",
                model,
                "--data",
                data,
                "--solver",
                solver,
                "--dtype",
                dtype,
                "--tol",
                "1e-8",
                "--max-iter",
                "5000",
                "--json",
            ];
            if solver == "prox-newton" {
                args.extend(["--penalty", "l1"]);
            }
            let in_memory = fitted(&args);
            args.push("--out-of-core");
            let whole = json_of(&args);
            let out_of_core = fitted(&args);
            assert_eq!(in_memory, out_of_core, "{model} {solver} {dtype}");
            // Every pass reads the whole of X: one per Hessian and per evaluation after the
            // first (which, from zero, needs none), and no checking pass: the column
            // statistics come from the moments the conversion computed (the labels are 0 and
            // 1, and so the loss's targets are the cache's).
            let read = &whole["cache_read"];
            let passes = read["passes"].as_u64().unwrap();
            let rows = whole["train_rows"].as_u64().unwrap();
            let columns = whole["feature_names"].as_array().unwrap().len() as u64;
            let size = if dtype == "f32" { 4 } else { 8 };
            assert_eq!(
                read["bytes"].as_u64().unwrap(),
                passes * rows * columns * size
            );
            let evaluations = &whole["evaluations"];
            let count = |k: &str| evaluations[k].as_u64().unwrap();
            if solver == "newton" {
                let expected = count("hessian") + count("gradient") - 1;
                assert_eq!(passes, expected, "{model} {dtype}: {evaluations}");
            }
        }
    }
}

#[test]
fn labels_other_than_zero_and_one_take_their_own_checking_pass_and_the_same_fit() {
    // The cache's moments are of the labels as stored (2 and 5); the loss's targets are 0 and
    // 1, so it makes its own pass over X for the statistics, and the fit is still the
    // in-memory fit.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data("breast_cancer.csv")).unwrap();
    let mut lines = text.lines();
    let mut relabelled = format!("{}\n", lines.next().unwrap());
    for line in lines {
        let (features, label) = line.rsplit_once(',').unwrap();
        let label = if label.trim() == "1" { "5" } else { "2" };
        relabelled.push_str(&format!("{features},{label}\n"));
    }
    let path = dir.path().join("relabelled.csv");
    std::fs::write(&path, relabelled).unwrap();
    let path = path.to_str().unwrap();
    let mut args = vec![
        "fit", "--model", "logistic", "--data", path, "--solver", "newton",
    ];
    args.extend(["--tol", "1e-8", "--json"]);
    let in_memory = fitted(&args);
    args.push("--out-of-core");
    let whole = json_of(&args);
    assert_eq!(in_memory, fitted(&args));
    let evaluations = &whole["evaluations"];
    let count = |k: &str| evaluations[k].as_u64().unwrap();
    let passes = whole["cache_read"]["passes"].as_u64().unwrap();
    assert_eq!(
        passes,
        count("hessian") + count("gradient"),
        "{evaluations}"
    );
}

#[test]
fn a_parquet_file_converts_row_group_by_row_group_into_the_same_fit() {
    // Row groups of 200 rows: the conversion reads one at a time; the fit is the in-memory
    // fit of the CSV file with the same numbers, f64 and f32, and --memory-limit reads the
    // size of X from the file's metadata.
    let dir = tempfile::tempdir().unwrap();
    let csv = copy(dir.path(), "breast_cancer.csv");
    let parquet = dir.path().join("breast_cancer.parquet");
    write_parquet(&csv, &parquet, 0..569, 200);
    let (csv, parquet) = (csv.to_str().unwrap(), parquet.to_str().unwrap());
    for dtype in ["f64", "f32"] {
        let args = [
            "fit", "--model", "logistic", "--solver", "newton", "--dtype", dtype,
        ];
        let with = |data: &str, extra: &[&str]| {
            let mut all = args.to_vec();
            all.extend(["--data", data, "--json"]);
            all.extend(extra);
            fitted(&all)
        };
        let in_memory = with(csv, &[]);
        assert_eq!(in_memory, with(parquet, &["--out-of-core"]), "{dtype}");
        // Again, from the cache made by the first.
        assert_eq!(in_memory, with(parquet, &["--out-of-core"]), "{dtype}");
        assert_eq!(
            in_memory,
            with(parquet, &["--memory-limit", "10K"]),
            "{dtype}"
        );
    }
}

/// Runs `descent fit --model logistic --data DATA EXTRA…`, expects success, and returns its
/// standard output and standard error.
fn fit_logistic(data: &Path, extra: &[&str]) -> (String, String) {
    let output = descent()
        .args(["fit", "--model", "logistic", "--data"])
        .arg(data)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn the_cache_is_made_once_and_remade_when_it_cannot_be_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let data = copy(dir.path(), "breast_cancer.csv");
    let cache = dir.path().join("bc.cache");
    let run = || {
        let (stdout, stderr) = fit_logistic(
            &data,
            &["--out-of-core", "--cache", cache.to_str().unwrap()],
        );
        assert!(
            stdout.contains("out of core: X read in place from the data cache"),
            "{stdout}"
        );
        stderr
    };
    assert!(run().contains("(there was none)"));
    assert_eq!(run(), "", "a valid cache is used as it is");
    let bytes = std::fs::read(&cache).unwrap();
    std::fs::write(&cache, &bytes[..bytes.len() / 2]).unwrap();
    assert!(run().contains("truncated"));
    std::fs::write(&cache, b"not a cache").unwrap();
    assert!(run().contains("not a descent data cache"));
    // The data changes: the cache is stale.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let text = std::fs::read_to_string(&data).unwrap();
    std::fs::write(&data, text.replacen("17.99", "18.5", 1)).unwrap();
    assert!(run().contains("has changed"));
    // The default cache sits next to the data file.
    fit_logistic(&data, &["--out-of-core"]);
    assert!(dir.path().join("breast_cancer.csv.descent-cache").exists());
}

#[test]
fn a_memory_limit_below_x_switches_to_out_of_core_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let data = copy(dir.path(), "breast_cancer.csv");
    let (_, stderr) = fit_logistic(&data, &["--memory-limit", "64K"]);
    assert!(
        stderr.contains("more than --memory-limit (64 KiB): fitting out of core"),
        "{stderr}"
    );
    let (stdout, stderr) = fit_logistic(&data, &["--memory-limit", "1G"]);
    assert!(stderr.is_empty(), "X fits: read into memory as usual");
    assert!(!stdout.contains("out of core"));
}

#[test]
fn what_needs_x_in_memory_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = copy(dir.path(), "breast_cancer.csv");
    let data = data.to_str().unwrap();
    let base = [
        "fit",
        "--model",
        "logistic",
        "--out-of-core",
        "--data",
        data,
    ];
    for (extra, said) in [
        (
            &["--test-size", "0.2"][..],
            "--test-size cannot be used out of core",
        ),
        (
            &["--standardize"][..],
            "--standardize cannot be used out of core",
        ),
        (
            &["--drop", "mean_radius"][..],
            "the table options cannot be used out of core",
        ),
        (&["--cache", data][..], "--cache"),
    ] {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        let error = error_of(&args);
        assert!(error.contains(said), "{extra:?}: {error}");
    }
    let error = error_of(&[
        "fit", "--model", "logistic", "--cache", "x.cache", "--data", data,
    ]);
    assert!(
        error.contains("--cache applies to --out-of-core"),
        "{error}"
    );
    // Text in a numeric column: the line and column, and what out of core reads.
    let text = std::fs::read_to_string(data)
        .unwrap()
        .replacen("17.99", "n/a", 1);
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, text).unwrap();
    let error = error_of(&[
        "fit",
        "--model",
        "logistic",
        "--out-of-core",
        "--data",
        bad.to_str().unwrap(),
    ]);
    assert!(
        error.contains("line 2") && error.contains("plain numeric files"),
        "{error}"
    );
}
