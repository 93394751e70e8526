//! `descent fit --stream`: the data file read again on every pass gives the in-memory fit bit
//! for bit (the whole JSON, training metrics included); what needs X in memory is refused in
//! one line.

mod common;
use common::{data, error_of, json_of, without, write_parquet};
use serde_json::Value;

/// The JSON of `fit` without the fields that differ between runs (timings) or by design
/// (how the data was read).
fn fitted(args: &[&str]) -> Value {
    without(
        json_of(args),
        &["fit_seconds", "read_seconds", "stream_read", "data"],
    )
}

#[test]
fn streamed_fits_are_the_in_memory_fits_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let parquet = dir.path().join("breast_cancer.parquet");
    let cancer = data("breast_cancer.csv");
    write_parquet(std::path::Path::new(&cancer), &parquet, 0..569, 100);
    let parquet = parquet.to_str().unwrap();
    let diabetes = data("diabetes.csv");
    for (data, model, solver) in [
        (cancer.as_str(), "logistic", "newton"),
        (cancer.as_str(), "logistic", "lbfgs"),
        (parquet, "logistic", "newton"),
        (diabetes.as_str(), "linear", "newton"),
        (diabetes.as_str(), "linear", "lbfgs"),
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
            let in_memory = fitted(&args);
            args.push("--stream");
            let whole = json_of(&args);
            let streamed = fitted(&args);
            assert_eq!(in_memory, streamed, "{data} {model} {solver} {dtype}");
            // Passes: the labels' (logistic), the checks', one per evaluation but the first
            // (at zero coefficients: from the checks' statistics), and a Hessian formed in the
            // pass of the gradient at its point (Newton's) needs none of its own.
            let read = &whole["stream_read"];
            let passes = read["passes"].as_u64().unwrap();
            let evaluations = &whole["evaluations"];
            let counted = ["value", "gradient", "hessian"]
                .iter()
                .map(|k| evaluations[k].as_u64().unwrap())
                .max()
                .unwrap();
            assert!(
                (counted..=counted + 2).contains(&passes),
                "{passes} passes, {evaluations}"
            );
            let bytes = std::fs::metadata(data).unwrap().len();
            assert_eq!(read["bytes"].as_u64().unwrap(), passes * bytes);
        }
    }
    // The text output says how the data was read.
    let text = common::stdout_of(&["fit", "--model", "logistic", "--data", &cancer, "--stream"]);
    assert!(
        text.contains("streamed: the data file read again on every pass:"),
        "{text}"
    );
}

#[test]
fn what_needs_x_in_memory_is_refused_in_one_line() {
    let cancer = data("breast_cancer.csv");
    for (extra, said) in [
        (
            vec!["--test-size", "0.2"],
            "--test-size cannot be used with --stream",
        ),
        (
            vec!["--standardize"],
            "--standardize cannot be used with --stream",
        ),
        (
            vec!["--summary", "--penalty", "none"],
            "--summary cannot be used with --stream",
        ),
        (
            vec!["--class-weight", "balanced"],
            "--class-weight cannot be used with --stream",
        ),
        (
            vec!["--penalty", "l1"],
            "L1 or elastic-net penalty on a stream",
        ),
        (vec!["--out-of-core"], "cannot be used with"),
    ] {
        let mut args = vec!["fit", "--model", "logistic", "--data", &cancer, "--stream"];
        args.extend(extra);
        let error = error_of(&args);
        assert!(error.contains(said), "{error}");
    }
    let iris = data("iris.csv");
    let error = error_of(&["fit", "--model", "logistic", "--data", &iris, "--stream"]);
    assert!(
        error.contains("--stream reads plain numeric files"),
        "{error}"
    );
    // A pipe or a device can be read once at most.
    let error = error_of(&[
        "fit",
        "--model",
        "logistic",
        "--data",
        "/dev/null",
        "--stream",
    ]);
    assert!(error.contains("not a regular file"), "{error}");
    let wine = data("wine.csv");
    let error = error_of(&["fit", "--model", "logistic", "--data", &wine, "--stream"]);
    assert!(error.contains("the target has 3 classes"), "{error}");
    let error = error_of(&[
        "fit", "--model", "linear", "--data", &cancer, "--stream", "--solver", "lstsq",
    ]);
    assert!(error.contains("closed-form"), "{error}");
}
