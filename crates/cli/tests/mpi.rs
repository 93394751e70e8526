//! `mpirun -np N descent fit …` (the `mpi` feature; `scripts/test-mpi.sh` builds and runs
//! these): N processes, each reading its share of the rows, fit the model of all the rows,
//! bit for bit the same as one process; a failure on one rank ends every rank with its error.
#![cfg(feature = "mpi")]

mod common;
use common::{data, json_of, uniform_stream, without, write_parquet};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::Output;

/// `descent` with `args` under `mpirun -np n` (as root too, over loopback).
fn mpirun(n: usize, args: &[&str]) -> Output {
    std::process::Command::new("mpirun")
        .args(["--oversubscribe", "-np", &n.to_string()])
        .arg(assert_cmd::cargo::cargo_bin("descent"))
        .args(args)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_btl", "self,vader,tcp")
        .env("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
        .output()
        .expect("mpirun (install Open MPI: scripts/ensure-mpi.sh)")
}

/// The one line `descent` printed of a run under `mpirun` that failed (mpirun adds its own).
fn error_of(n: usize, args: &[&str]) -> String {
    let output = mpirun(n, args);
    assert!(!output.status.success(), "expected failure: {args:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let ours: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("descent: "))
        .collect();
    assert_eq!(ours.len(), 1, "{stderr}");
    ours[0].to_owned()
}

/// The JSON of `fit` without what differs by design between runs.
fn fitted(json: &str) -> Value {
    without(
        serde_json::from_str(json).expect("JSON on stdout"),
        &[
            "fit_seconds",
            "read_seconds",
            "summary_seconds",
            "processes",
            "communication",
            "data_cache",
            "cache_read",
        ],
    )
}

/// The JSON of `fit --json --data data args` in one process (`ranks` `None`) or under
/// `mpirun -np ranks`, without what differs by design, the data's name included.
fn fit_of_data(ranks: Option<usize>, data: &str, args: &[&str]) -> Value {
    let mut command = vec!["fit", "--json", "--data", data];
    command.extend(args);
    let stdout = match ranks {
        None => json_of(&command).to_string(),
        Some(n) => {
            let output = mpirun(n, &command);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "{n} ranks, {data}: {stderr}");
            String::from_utf8(output.stdout).unwrap()
        }
    };
    let mut json = fitted(&stdout);
    json.as_object_mut().unwrap().remove("data");
    json
}

/// A seeded numeric CSV of `n` rows: 6 features, a binary label and a linear target.
fn write_problem(path: &Path, n: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "a,b,c,d,e,f,s,t,label").unwrap();
    let mut uniform = uniform_stream(0x853C_49E6_748F_EA9B_u64);
    for _ in 0..n {
        let x: Vec<f64> = (0..6).map(|j| 4.0 * uniform() - 2.0 + j as f64).collect();
        let z = x[0] - 0.5 * x[1] + 0.25 * x[3] - 0.6;
        let label = u8::from(uniform() < 1.0 / (1.0 + (-z).exp()));
        let t = 3.0 * z + uniform();
        // Positive: a weighted least-squares summary takes no zero weights.
        let weight = (1.0 + (4.0 * uniform()).floor()) / 2.0;
        let row: Vec<String> = x.iter().map(|v| format!("{v:.6}")).collect();
        writeln!(out, "{},{weight},{t:.6},{label}", row.join(",")).unwrap();
    }
}

#[test]
fn fits_under_mpi_are_the_single_process_fits_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("problem.csv");
    // 3.4 blocks of 8192 rows: ranks with whole blocks, a last rank with the rest, and with
    // four ranks one without rows.
    write_problem(&file, 3 * 8192 + 3000);
    let file = file.to_str().unwrap();
    let cancer = data("breast_cancer.csv");
    let runs: [&[&str]; 17] = [
        // L1 and elastic net: proximal Newton, its Hessian blocks and duality gaps summed
        // over every rank.
        &[
            "--data",
            file,
            "--model",
            "logistic",
            "--penalty",
            "l1",
            "--C",
            "0.01",
            "--weight-column",
            "s",
        ],
        &[
            "--data",
            file,
            "--model",
            "logistic",
            "--penalty",
            "elasticnet",
            "--l1-ratio",
            "0.5",
            "--C",
            "0.02",
        ],
        &[
            "--data",
            file,
            "--model",
            "linear",
            "--target",
            "t",
            "--alpha",
            "0.3",
            "--l1-ratio",
            "1",
        ],
        // A classifier fitted with class weights has no summary, under MPI as in one process.
        &[
            "--data",
            file,
            "--model",
            "logistic",
            "--penalty",
            "none",
            "--class-weight",
            "balanced",
            "--summary",
        ],
        &[
            "--data",
            file,
            "--model",
            "linear",
            "--target",
            "t",
            "--summary",
            "--weight-column",
            "s",
            "--cov-type",
            "hc3",
        ],
        &[
            "--data",
            file,
            "--model",
            "logistic",
            "--penalty",
            "none",
            "--summary",
            "--cov-type",
            "hc0",
        ],
        &[
            "--data",
            file,
            "--model",
            "linear",
            "--target",
            "t",
            "--summary",
        ],
        &[
            "--data",
            file,
            "--model",
            "linear",
            "--target",
            "t",
            "--summary",
            "--weight-column",
            "s",
        ],
        &[
            "--data",
            file,
            "--model",
            "logistic",
            "--penalty",
            "none",
            "--summary",
            "--tol",
            "1e-10",
        ],
        &[
            "--data",
            file,
            "--model",
            "logistic",
            "--weight-column",
            "s",
            "--solver",
            "newton",
        ],
        &[
            "--data",
            file,
            "--model",
            "logistic",
            "--class-weight",
            "balanced",
            "--tol",
            "1e-8",
        ],
        &[
            "--data",
            file,
            "--model",
            "linear",
            "--target",
            "t",
            "--weight-column",
            "s",
        ],
        &[
            "--data", file, "--model", "logistic", "--solver", "newton", "--tol", "1e-10",
        ],
        &[
            "--data", file, "--model", "logistic", "--solver", "lbfgs", "--C", "0.05",
        ],
        &["--data", file, "--model", "linear", "--target", "t"],
        &[
            "--data", file, "--model", "linear", "--target", "t", "--alpha", "2", "--solver", "cg",
        ],
        &[
            "--data",
            &cancer,
            "--model",
            "logistic",
            "--penalty",
            "none",
            "--solver",
            "newton",
        ],
    ];
    for args in runs {
        let mut single: Vec<&str> = vec!["fit", "--json"];
        single.extend(args);
        // The shared default for linear is Newton (the closed forms factor all of X).
        if args.contains(&"linear") && !args.contains(&"--solver") && !args.contains(&"--l1-ratio")
        {
            single.extend(["--solver", "newton"]);
        }
        let expected = fitted(&json_of(&single).to_string());
        for n in [1, 2, 4] {
            let mut shared = vec!["fit", "--json"];
            shared.extend(args);
            let output = mpirun(n, &shared);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "{n} ranks, {args:?}: {stderr}");
            let stdout = String::from_utf8(output.stdout).unwrap();
            // Rank 0 alone prints.
            assert_eq!(stdout.matches("\"coef\"").count(), 1, "{stdout}");
            let json = fitted(&stdout);
            assert_eq!(json, expected, "{n} ranks, {args:?}");
        }
    }
}

#[test]
fn several_files_are_one_data_set_in_the_order_of_their_names() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole.csv");
    write_problem(&whole, 3 * 8192 + 3000);
    // Three parts whose boundaries are not those of the ranks' blocks.
    let text = std::fs::read_to_string(&whole).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let parts = dir.path().join("parts");
    std::fs::create_dir(&parts).unwrap();
    for (k, range) in [0..5000, 5000..18_000, 18_000..rows.len()]
        .into_iter()
        .enumerate()
    {
        let body: String = rows[range].iter().map(|r| format!("{r}\n")).collect();
        std::fs::write(
            parts.join(format!("part-{k}.csv")),
            format!("{header}\n{body}"),
        )
        .unwrap();
    }
    let pattern = parts.join("part-*.csv");
    let pattern = pattern.to_str().unwrap();
    for args in [
        [
            "--model",
            "logistic",
            "--solver",
            "newton",
            "--weight-column",
            "s",
        ],
        ["--model", "linear", "--target", "t", "--solver", "lbfgs"],
    ] {
        let expected = fit_of_data(None, whole.to_str().unwrap(), &args);
        for n in [1, 2, 3] {
            assert_eq!(
                fit_of_data(Some(n), pattern, &args),
                expected,
                "{n} ranks, {args:?}"
            );
        }
    }
    // A part with other columns is refused by the rank that reads it, for every rank.
    std::fs::write(parts.join("part-3.csv"), "a,b\n1,2\n").unwrap();
    let error = error_of(2, &["fit", "--data", pattern, "--model", "logistic"]);
    assert!(error.contains("part-3.csv"), "{error}");
    let error = error_of(
        2,
        &[
            "fit",
            "--data",
            &format!("{}/none-*.csv", parts.display()),
            "--model",
            "logistic",
        ],
    );
    assert!(error.contains("no file matches"), "{error}");
}

/// The seeded problem of 3.4 blocks of rows in `dir` as `whole.csv` and as `whole.parquet`
/// (row groups of 5 000 rows, so that the ranks' shares begin and end inside them), and its
/// row count.
fn problem_files(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, usize) {
    let (csv, parquet) = (dir.join("whole.csv"), dir.join("whole.parquet"));
    let n = 3 * 8192 + 3000;
    write_problem(&csv, n);
    write_parquet(&csv, &parquet, 0..n, 5000);
    (csv, parquet, n)
}

#[test]
fn parquet_files_and_parts_give_the_fit_of_the_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, whole, n) = problem_files(dir.path());
    let parts = dir.path().join("parts");
    std::fs::create_dir(&parts).unwrap();
    for (k, range) in [0..7000, 7000..20_000, 20_000..n].into_iter().enumerate() {
        write_parquet(&csv, &parts.join(format!("part-{k}.parquet")), range, 4096);
    }
    let pattern = parts.join("part-*.parquet");
    let args = [
        "--model",
        "logistic",
        "--solver",
        "newton",
        "--weight-column",
        "s",
    ];
    let expected = fit_of_data(None, csv.to_str().unwrap(), &args);
    for data in [whole.to_str().unwrap(), pattern.to_str().unwrap()] {
        for ranks in [1, 2, 3] {
            assert_eq!(
                fit_of_data(Some(ranks), data, &args),
                expected,
                "{ranks} ranks, {data}"
            );
        }
    }
}

#[test]
fn out_of_core_under_mpi_maps_each_ranks_rows_of_one_cache() {
    // Rank 0 converts the file (CSV or Parquet) into the cache once; every rank maps it and
    // fits its share of the rows: the single-process in-memory fit, bit for bit.
    let dir = tempfile::tempdir().unwrap();
    let (csv, parquet, _) = problem_files(dir.path());
    for args in [
        &["--model", "logistic", "--solver", "newton"][..],
        &["--model", "logistic", "--penalty", "l1", "--C", "0.01"][..],
        &["--model", "linear", "--target", "t", "--solver", "newton"][..],
    ] {
        let expected = fit_of_data(None, csv.to_str().unwrap(), args);
        for data in [&csv, &parquet] {
            let cache = dir.path().join("fit.cache");
            let _ = std::fs::remove_file(&cache);
            let mut shared = args.to_vec();
            shared.extend(["--out-of-core", "--cache", cache.to_str().unwrap()]);
            for ranks in [1, 2, 3] {
                let got = fit_of_data(Some(ranks), data.to_str().unwrap(), &shared);
                assert_eq!(got, expected, "{ranks} ranks, {data:?}, {args:?}");
            }
        }
    }
    let pattern = dir.path().join("whole.*");
    let error = error_of(
        2,
        &[
            "fit",
            "--model",
            "logistic",
            "--out-of-core",
            "--data",
            pattern.to_str().unwrap(),
        ],
    );
    assert!(
        error.contains("takes one data file, not a pattern"),
        "{error}"
    );
}

#[test]
fn a_failing_rank_ends_every_rank_with_its_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    write_problem(&path, 2 * 8192 + 100);
    let file = path.to_str().unwrap();
    // A label 2 in the last rank's share (line 1 is the header).
    let text = std::fs::read_to_string(file).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let at = 2 * 8192 + 50;
    lines[at] = lines[at].rsplit_once(',').unwrap().0.to_owned() + ",2";
    std::fs::write(file, lines.join("\n") + "\n").unwrap();
    // The labels are judged together: the job's error, not one rank's.
    assert_eq!(
        error_of(3, &["fit", "--data", file, "--model", "logistic"]),
        "descent: error: binary classification needs exactly two distinct labels, found 3: 0, 1, 2"
    );
    // A value that does not parse in one rank's share: that rank's error, with its line in
    // the whole file.
    let rest = lines[at].split_once(',').unwrap().1.to_owned();
    lines[at] = format!("x,{rest}");
    std::fs::write(file, lines.join("\n") + "\n").unwrap();
    let error = error_of(
        3,
        &["fit", "--data", file, "--model", "linear", "--target", "t"],
    );
    assert!(
        error.starts_with("descent: error: rank 2 of 3: "),
        "{error}"
    );
    assert!(error.contains(&format!("line {}", at + 1)), "{error}");
    // A file no rank can read: every rank stops, with the reader's message once.
    let error = error_of(
        2,
        &["fit", "--data", "/nonexistent.csv", "--model", "logistic"],
    );
    assert!(error.contains("/nonexistent.csv"), "{error}");
    // What needs all rows at once is refused.
    let cancer = data("breast_cancer.csv");
    let error = error_of(
        2,
        &[
            "fit",
            "--data",
            &cancer,
            "--model",
            "logistic",
            "--standardize",
        ],
    );
    assert!(
        error.contains("--standardize cannot be used with rows shared"),
        "{error}"
    );
}
