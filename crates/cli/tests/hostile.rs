//! Hostile input: what real users and attackers feed the `descent` command.
//!
//! Every case must end without a panic, without a crash (a stack overflow or an allocation
//! failure kills the process by a signal, with no exit code), without a hang (each run has a
//! time limit), without a silent wrong answer, and without losing data: an input file is
//! byte for byte the same afterwards. Refusals are one line on stderr, short, naming what is
//! wrong, and never Rust's internal names.
//!
//! Add a case whenever a new kind of input is found to misbehave.

mod common;

use common::{data, descent};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How a run ended.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The longest any case may run (debug builds, on a loaded machine).
const LIMIT: Duration = Duration::from_secs(120);

/// Runs `descent` with `args` (and `env`), checks that it ended on its own terms (an exit
/// code, no panic, every stderr line from descent), and returns how.
fn attempt_with<I, S>(args: I, env: &[(&str, &str)]) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = descent();
    command
        .env_remove("DESCENT_THREADS")
        .timeout(LIMIT)
        .args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("the command runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let Some(code) = output.status.code() else {
        panic!("killed by a signal (a crash, or the time limit): {stderr}");
    };
    assert!(
        !stderr.contains("internal error") && !stderr.contains("panicked"),
        "a panic: {stderr}"
    );
    for line in stderr.lines() {
        assert!(line.starts_with("descent: "), "stray stderr line: {line}");
    }
    Run {
        code,
        stdout,
        stderr,
    }
}

fn attempt(args: &[&str]) -> Run {
    attempt_with(args, &[])
}

/// Internal names that a message must never show.
const INTERNAL: [&str; 9] = [
    "Some(",
    "None",
    "Err(",
    "Ok(",
    "::",
    "InvalidSetting",
    "ModelError",
    "SolverError",
    "{ ",
];

/// Checks that `run` was refused with one short line that contains `expected`.
fn check_refused(run: &Run, expected: &str, what: &str) {
    assert!(
        run.code == 1 || run.code == 2,
        "{what}: exit {} (expected a refusal): {}",
        run.code,
        run.stderr
    );
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{what}: not one line: {}", run.stderr);
    assert!(
        lines[0].contains(expected),
        "{what}: {:?} lacks {expected:?}",
        lines[0]
    );
    assert!(
        lines[0].len() < 600,
        "{what}: a message of {} bytes",
        lines[0].len()
    );
    for name in INTERNAL {
        assert!(
            !lines[0].contains(name),
            "{what}: internal name {name:?}: {}",
            lines[0]
        );
    }
}

fn refused(args: &[&str], expected: &str) {
    let run = attempt(args);
    check_refused(&run, expected, &format!("{args:?}"));
}

fn accepted(args: &[&str]) -> Run {
    let run = attempt(args);
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    run
}

/// A file in `dir` with `contents`, as a path string.
fn file(dir: &tempfile::TempDir, name: &str, contents: impl AsRef<[u8]>) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_string_lossy().into_owned()
}

/// A labelled data file: `rows` rows of `features` features and a 0/1 target that depends
/// on them (with noise, so classes overlap).
fn table(rows: usize, features: usize) -> String {
    let mut text: Vec<String> = vec![(0..features)
        .map(|j| format!("f{j}"))
        .chain(["target".to_owned()])
        .collect::<Vec<_>>()
        .join(",")];
    for i in 0..rows {
        let values: Vec<f64> = (0..features)
            .map(|j| ((i * 31 + j * 17) as f64 * 0.37).sin())
            .collect();
        let score: f64 = values.iter().take(5).sum::<f64>() + ((i * 7) as f64).cos();
        let mut row: Vec<String> = values.iter().map(|v| format!("{v:.6}")).collect();
        row.push(if score > 0.0 { "1" } else { "0" }.to_owned());
        text.push(row.join(","));
    }
    text.join("\n") + "\n"
}

#[test]
fn expressions_that_would_overflow_the_stack_or_flood_the_terminal() {
    // Within the limits: long, but compiled and evaluated without recursion.
    let sum = vec!["x"; 30_000].join("+");
    let run = accepted(&["minimize", &sum]);
    assert!(
        run.stderr.contains("no minimum"),
        "a linear function has no minimum: {}",
        run.stderr
    );
    let negations = format!("{}(x-1)^2", "-".repeat(40_000));
    accepted(&["minimize", &negations, "--x0", "3"]);
    let tower = vec!["1"; 20_000].join("^") + "^x + x^2";
    accepted(&["minimize", &tower]);
    let products = vec!["(x/2+1)"; 3_000].join("*");
    accepted(&["minimize", &products, "--json"]);
    // Beyond them: refused, briefly. (The operating system itself refuses arguments over
    // 128 KiB.)
    let deep = format!("{}x{}", "(".repeat(60_000), ")".repeat(60_000));
    refused(&["minimize", &deep], "characters long");
    let nested = format!("{}x{}", "(".repeat(5_000), ")".repeat(5_000));
    refused(&["minimize", &nested], "nested more than 64 deep");
    let name = format!("x + {}", "q".repeat(20_000));
    refused(&["minimize", &name], "unknown name");
    let garbage = "x+".repeat(49_000) + "$";
    refused(&["minimize", &garbage], "position");
    // The same in the other commands that take an expression.
    refused(&["sweep-lr", &deep], "characters long");
    refused(&["convergence", &nested], "nested more than 64 deep");
}

#[cfg(unix)]
#[test]
fn arguments_that_are_not_text() {
    use std::os::unix::ffi::OsStrExt;
    let bytes = OsStr::from_bytes(b"x^2 + \xff\xfe");
    let run = attempt_with([OsStr::new("minimize"), bytes], &[]);
    check_refused(&run, "UTF-8", "invalid UTF-8");
}

#[test]
fn iteration_limits_do_not_grow_memory() {
    // 2.5(x − 2)² at γ = 0.4 bounces for ever: three million iterations, a bounded history.
    let run = accepted(&[
        "minimize",
        "2.5*(x - 2)^2",
        "--solver",
        "gd",
        "--learning-rate",
        "0.4",
        "--max-iter",
        "3000000",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["iterations"], 3_000_000);
    assert!(v["history"].as_array().unwrap().len() <= 10_001);
    assert!(run.stderr.contains("iteration limit"));
    // The text table stays short too.
    let run = accepted(&[
        "minimize",
        "2.5*(x - 2)^2",
        "--solver",
        "gd",
        "--learning-rate",
        "0.4",
        "--max-iter",
        "100000",
    ]);
    assert!(
        run.stdout.lines().count() < 40,
        "{} lines",
        run.stdout.lines().count()
    );
    // The largest limit there is, on a function Newton solves at once.
    accepted(&["minimize", "(x-1)^2", "--max-iter", "18446744073709551615"]);
}

#[test]
fn shapes_that_would_make_a_solver_explode() {
    let dir = tempfile::tempdir().unwrap();
    // 1500 features: Newton's Hessian would be 1501²; the default is L-BFGS.
    let wide = file(&dir, "wide.csv", table(60, 1500));
    let run = accepted(&["fit", "--data", &wide, "--model", "logistic", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["solver"], "L-BFGS");
    // The race leaves out the solvers that form dense (p+1)² matrices, and says so; the path
    // chooses L-BFGS.
    let run = accepted(&[
        "race",
        "--data",
        &wide,
        "--model",
        "logistic",
        "--max-iter",
        "20",
        "--repeat",
        "1",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let raced: Vec<&str> = v["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(
        !raced.contains(&"newton") && !raced.contains(&"bfgs") && raced.contains(&"lbfgs"),
        "{raced:?}"
    );
    assert!(run.stderr.contains("left out"), "{}", run.stderr);
    let run = accepted(&[
        "path",
        "--data",
        &wide,
        "--num",
        "2",
        "--max-iter",
        "20",
        "--json",
    ]);
    assert!(
        run.stdout.contains("\"solver\": \"L-BFGS\""),
        "{}",
        &run.stdout[..200]
    );
    // A header of 200 000 columns is read in linear time.
    let names: Vec<String> = (0..200_000).map(|i| format!("c{i}")).collect();
    let ones = vec!["1"; 200_000].join(",");
    let header = file(
        &dir,
        "header.csv",
        format!("{}\n{ones}\n{ones}\n", names.join(",")),
    );
    let run = accepted(&["fit", "--data", &header, "--model", "linear", "--json"]);
    assert!(run.stdout.contains("\"rank\": 0"));
    refused(
        &[
            "fit", "--data", &header, "--model", "linear", "--target", "nope",
        ],
        "and 199988 more",
    );
}

#[test]
fn line_searches_that_would_loop_for_ever() {
    // argmin's line searches have no limit and no NaN check of their own: a function that is
    // NaN beyond an edge, or a gradient from finite differences that disagrees with the
    // values near the minimum, once made them search for ever.
    for solver in ["lbfgs", "bfgs", "cg", "steepest", "newton-cg"] {
        let run = accepted(&[
            "minimize",
            "sqrt(x) + (y-1)^2",
            "--x0",
            "1,3",
            "--solver",
            solver,
        ]);
        assert!(
            run.stderr.contains("line search failed"),
            "{solver}: {}",
            run.stderr
        );
    }
    for solver in ["lbfgs", "bfgs", "cg", "steepest", "gd"] {
        accepted(&[
            "minimize",
            "(1 - x)^2 + 100*(y - x^2)^2",
            "--x0",
            "-1.2,1",
            "--solver",
            solver,
            "--finite-differences",
        ]);
    }
}

#[test]
fn thread_counts_beyond_the_machine() {
    let dir = tempfile::tempdir().unwrap();
    let small = file(&dir, "small.csv", "a,t\n1,0\n2,1\n3,0\n4,1\n");
    let run = accepted(&[
        "--threads",
        "10000",
        "fit",
        "--data",
        &small,
        "--model",
        "logistic",
    ]);
    assert!(
        run.stderr.contains("more than this machine's"),
        "{}",
        run.stderr
    );
    refused(
        &[
            "--threads",
            "0",
            "fit",
            "--data",
            &small,
            "--model",
            "logistic",
        ],
        "at least 1",
    );
    refused(
        &[
            "--threads",
            "-3",
            "fit",
            "--data",
            &small,
            "--model",
            "logistic",
        ],
        "at least 1",
    );
    let run = attempt_with(
        ["fit", "--data", &small, "--model", "logistic"],
        &[("DESCENT_THREADS", "many")],
    );
    check_refused(&run, "DESCENT_THREADS", "a bad DESCENT_THREADS");
}

/// A saved logistic model on features a and b, as JSON.
fn logistic_model(dir: &tempfile::TempDir) -> (String, serde_json::Value) {
    let train = file(
        dir,
        "train.csv",
        "a,b,t\n0,1,0\n1,0,0\n2,2,1\n3,1,1\n1,1,1\n2,0,0\n",
    );
    let path = dir.path().join("model.json");
    accepted(&[
        "fit",
        "--data",
        &train,
        "--model",
        "logistic",
        "--out",
        path.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&path).unwrap();
    (
        path.to_string_lossy().into_owned(),
        serde_json::from_str(&text).unwrap(),
    )
}

#[test]
fn model_files_are_checked_as_strictly_as_fits() {
    let dir = tempfile::tempdir().unwrap();
    let (_, model) = logistic_model(&dir);
    let rows = file(&dir, "rows.csv", "a,b\n2,2\n-1,3\n");
    let tampered = |name: &str, edit: &dyn Fn(&mut serde_json::Value)| {
        let mut value = model.clone();
        edit(&mut value);
        file(&dir, name, value.to_string())
    };
    let cases: Vec<(String, &str)> = vec![
        (
            tampered("t0.json", &|v| v["model"]["threshold"] = 0.0.into()),
            "threshold",
        ),
        (
            tampered("t2.json", &|v| v["model"]["threshold"] = 2.0.into()),
            "threshold",
        ),
        (
            tampered("classes.json", &|v| {
                v["model"]["classes"] = serde_json::json!([1.0, 0.0])
            }),
            "classes",
        ),
        (
            tampered("same.json", &|v| {
                v["model"]["classes"] = serde_json::json!([1.0, 1.0])
            }),
            "classes",
        ),
        (
            tampered("short.json", &|v| {
                v["model"]["coef"] = serde_json::json!([1.0])
            }),
            "1 coefficients for 2 feature names",
        ),
        (
            tampered("twice.json", &|v| {
                v["feature_names"] = serde_json::json!(["a", "a"])
            }),
            "appears twice",
        ),
        (
            tampered("c.json", &|v| v["model"]["c"] = serde_json::json!(-2.0)),
            "C",
        ),
        (
            tampered("null.json", &|v| {
                v["model"]["coef"] = serde_json::json!([null, 1.0])
            }),
            "not a valid descent model file",
        ),
        (file(&dir, "empty.json", ""), "invalid JSON"),
        (
            file(&dir, "binary.json", [0u8, 159, 146, 150]),
            "not a valid",
        ),
        (
            file(&dir, "half.json", &model.to_string()[..100]),
            "invalid JSON",
        ),
        (dir.path().to_string_lossy().into_owned(), "a directory"),
    ];
    for (path, expected) in &cases {
        refused(&["predict", "--model", path, "--data", &rows], expected);
        refused(&["eval", "--model", path, "--data", &rows], expected);
    }
    #[cfg(unix)]
    refused(
        &["predict", "--model", "/dev/zero", "--data", &rows],
        "a device",
    );
}

#[test]
fn huge_coefficients_predict_without_nan() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mut model) = logistic_model(&dir);
    model["model"]["coef"] = serde_json::json!([1e308, -1e308]);
    model["model"]["intercept"] = 0.0.into();
    let path = file(&dir, "huge.json", model.to_string());
    // a·1e308 − b·1e308 overflows in the plain product; the answer is σ(0) = ½, σ(±∞).
    let rows = file(&dir, "rows.csv", "a,b\n2,2\n3,1\n1,3\n");
    let run = accepted(&["predict", "--model", &path, "--data", &rows, "--proba"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines, ["proba_0,proba_1", "0.5,0.5", "0,1", "1,0"]);
}

/// Runs a command that must not touch `input`, and checks that it is byte for byte the same.
fn untouched(input: &Path, run: impl FnOnce()) {
    let before = std::fs::read(input).unwrap();
    run();
    assert_eq!(
        std::fs::read(input).unwrap(),
        before,
        "{} changed",
        input.display()
    );
}

#[test]
fn outputs_never_overwrite_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("bc.csv");
    std::fs::copy(data("breast_cancer.csv"), &copy).unwrap();
    let c = copy.to_str().unwrap();
    let alias = dir.path().join(".").join("bc.csv");
    let a = alias.to_str().unwrap();
    let png = dir.path().join("bc.png");
    std::fs::copy(&copy, &png).unwrap();
    untouched(&copy, || {
        refused(
            &["fit", "--data", c, "--model", "logistic", "--out", c],
            "is an input",
        );
        refused(
            &["fit", "--data", c, "--model", "logistic", "--out", a],
            "is an input",
        );
    });
    // A data file with a plot's extension may not be replaced by the plot either.
    let p = png.to_str().unwrap();
    untouched(&png, || {
        refused(
            &["path", "--data", p, "--plot", p, "--num", "2"],
            "is an input",
        );
        refused(
            &["race", "--data", p, "--model", "logistic", "--plot", p],
            "is an input",
        );
    });
    // An output in a directory that does not exist, or that is a directory: refused before
    // any work, with nothing on stdout.
    for out in ["/no/such/dir/model.json", dir.path().to_str().unwrap()] {
        let run = attempt(&["fit", "--data", c, "--model", "logistic", "--out", out]);
        check_refused(&run, "--out", out);
        assert!(run.stdout.is_empty());
    }
}

#[test]
fn number_like_values_get_range_errors() {
    let bc = data("breast_cancer.csv");
    let b = bc.as_str();
    let fit = |extra: &[&str], expected: &str| {
        let mut args = vec!["fit", "--data", b, "--model", "logistic"];
        args.extend_from_slice(extra);
        refused(&args, expected);
    };
    fit(&["--max-iter", "-1"], "at least 1");
    fit(&["--max-iter", "0"], "at least 1");
    fit(&["--max-iter", "1e3"], "not a whole number");
    fit(&["--C", "nan"], "NaN");
    fit(&["--C", "inf"], "not finite");
    fit(&["--C", "0"], "positive");
    fit(&["--tol", "-1"], "0 or more");
    fit(&["--threshold", "1"], "between 0 and 1");
    fit(&["--test-size", "0"], "between 0 and 1");
    fit(&["--seed", "-5"], "from 0");
    fit(&["--solver", "gd", "--learning-rate", "-0.1"], "positive");
    refused(
        &["minimize", "x^2", "--solver", "brent", "--bracket", "nan,1"],
        "NaN",
    );
    refused(&["minimize", "x^2", "--x0", "nan"], "NaN");
    refused(&["minimize", "x^2", "--every", "-2"], "at least 1");
    refused(&["sweep-lr", "x^2", "--rates", "0.1,-0.2"], "positive");
    refused(&["convergence", "x^2", "--num", "0"], "at least 1");
    // Counts of things kept in memory or run one after another are bounded.
    refused(
        &["convergence", "x^2", "--num", "1000000000"],
        "at most 100000",
    );
    refused(&["path", "--data", b, "--num", "99999999"], "at most 10000");
    refused(
        &[
            "race",
            "--data",
            b,
            "--model",
            "logistic",
            "--repeat",
            "100000000",
        ],
        "at most 1000",
    );
    refused(
        &["race", "--data", b, "--model", "logistic", "--repeat", "0"],
        "at least 1",
    );
    refused(&["path", "--data", b, "--C", "-1..2"], "positive");
    // Negative numbers are values where they make sense.
    accepted(&["minimize", "(x+3)^2", "--x0", "-7", "--json"]);
    accepted(&[
        "minimize",
        "(x+3)^2",
        "--solver",
        "golden",
        "--bracket",
        "-10,-1",
    ]);
}

#[test]
fn tables_real_users_produce() {
    let dir = tempfile::tempdir().unwrap();
    // Old Mac line endings, as pandas reads them.
    let cr = file(&dir, "cr.csv", "a,t\r1,0\r2,1\r3,0\r4,1\r");
    let run = accepted(&["fit", "--data", &cr, "--model", "logistic", "--json"]);
    assert!(run.stdout.contains("\"train_rows\": 4"));
    // A byte-order mark before the header.
    let bom = file(&dir, "bom.csv", "\u{feff}a,t\n1,0\n2,1\n3,0\n4,1\n");
    accepted(&["fit", "--data", &bom, "--model", "logistic"]);
    // A split that leaves one class for training says so.
    let rare = file(
        &dir,
        "rare.csv",
        "a,t\n1,0\n2,0\n3,0\n4,0\n5,0\n6,0\n7,0\n8,0\n9,1\n10,1\n",
    );
    refused(
        &[
            "fit",
            "--data",
            &rare,
            "--model",
            "logistic",
            "--test-size",
            "0.9",
        ],
        "only one class",
    );
    // Fractional labels are a continuous target, not classes.
    let halves = file(&dir, "halves.csv", "a,t\n1,0\n2,0.5\n3,0\n4,0.5\n");
    refused(
        &["fit", "--data", &halves, "--model", "logistic"],
        "not a whole number",
    );
    // One row: a line through it fits exactly, and R² is undefined, not 1.
    let one = file(&dir, "one.csv", "a,t\n1,5\n");
    let run = accepted(&["fit", "--data", &one, "--model", "linear", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(v["train"]["r2"].is_null(), "{}", v["train"]);
    let run = accepted(&["fit", "--data", &one, "--model", "linear"]);
    assert!(run.stdout.contains("n/a"));
    // Two exactly collinear columns: the minimum-norm solution, and the rank.
    let collinear = file(
        &dir,
        "collinear.csv",
        "a,b,y\n0.1,0.3,1.2\n1.1,3.3,3.2\n2.3,6.9,5.6\n3.7,11.1,8.4\n",
    );
    let run = accepted(&["fit", "--data", &collinear, "--model", "linear", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["rank"], 1);
    assert_eq!(v["converged"], true);
    assert!(v["coef"][0].as_f64().unwrap().abs() < 10.0, "{}", v["coef"]);
    assert!(run.stderr.contains("linearly dependent"));
    // Broken tables.
    refused(
        &[
            "fit",
            "--data",
            &file(&dir, "e.csv", ""),
            "--model",
            "linear",
        ],
        "empty",
    );
    refused(
        &[
            "fit",
            "--data",
            &file(&dir, "h.csv", "a,t\n"),
            "--model",
            "linear",
        ],
        "no data rows",
    );
    refused(
        &[
            "fit",
            "--data",
            &file(&dir, "big.csv", "a,t\n1e999,1\n2,3\n"),
            "--model",
            "linear",
        ],
        "not a finite number",
    );
    refused(
        &[
            "fit",
            "--data",
            &file(&dir, "hex.csv", "a,t\n0x10,1\n2,3\n"),
            "--model",
            "linear",
        ],
        "line 2",
    );
    refused(
        &[
            "fit",
            "--data",
            &file(&dir, "bin.csv", [0u8, 1, 2, 255, 254, 10, 7]),
            "--model",
            "linear",
        ],
        "",
    );
    refused(
        &[
            "fit",
            "--data",
            dir.path().to_str().unwrap(),
            "--model",
            "linear",
        ],
        "a directory",
    );
    #[cfg(unix)]
    refused(
        &["fit", "--data", "/dev/zero", "--model", "linear"],
        "a device",
    );
    let missing = attempt(&["fit", "--data", "/no/such.csv", "--model", "linear"]);
    check_refused(&missing, "/no/such.csv", "a missing file");
    assert_eq!(
        missing.stderr.matches("No such file").count(),
        1,
        "{}",
        missing.stderr
    );
}

#[test]
fn error_text_helps_and_hides_the_machinery() {
    let bc = data("breast_cancer.csv");
    refused(
        &["fit", "--data", &bc, "--model", "logistic", "--tols", "1"],
        "tip: a similar argument exists: '--tol'",
    );
    refused(
        &["minimze", "x^2"],
        "tip: a similar subcommand exists: 'minimize'",
    );
    refused(&[], "a subcommand is needed");
    refused(&["fit", "--data", &bc], "--model");
    refused(
        &[
            "fit",
            "--data",
            &bc,
            "--model",
            "logistic",
            "--penalty",
            "none",
            "--C",
            "2",
        ],
        "no C",
    );
    refused(
        &[
            "fit",
            "--data",
            &bc,
            "--model",
            "linear",
            "--solver",
            "newton",
            "--learning-rate",
            "1",
        ],
        "--solver gd only",
    );
    refused(
        &["minimize", "x^2", "--solver", "lbfgs"],
        "several variables",
    );
    refused(&["minimize", "x^2 + y^2", "--solver", "brent"], "x alone");
    refused(
        &["minimize", "x^2 + y^2", "--x0", "1,2,3"],
        "one per variable",
    );
}

#[test]
fn verdicts_on_functions_without_minima_and_on_bad_starts() {
    // The issue's examples, each with the verdict that is true.
    let run = accepted(&[
        "minimize",
        "(x-3)^2",
        "--solver",
        "gd",
        "--learning-rate",
        "1e-9",
        "--step-tol",
        "1e-8",
    ]);
    assert!(!run.stdout.contains("a local minimum"));
    assert!(
        run.stderr.contains("learning rate is likely too small"),
        "{}",
        run.stderr
    );
    let run = accepted(&["minimize", "ln(x)", "--x0", "1"]);
    assert!(run.stderr.contains("no minimum"), "{}", run.stderr);
    assert!(!run.stdout.contains("a local minimum"));
    let run = accepted(&["minimize", "exp(-x)"]);
    assert!(
        run.stderr.contains("no minimum") && run.stderr.contains("larger x"),
        "{}",
        run.stderr
    );
    let run = accepted(&[
        "minimize",
        "(x-5)^2",
        "--solver",
        "brent",
        "--bracket",
        "0,1",
    ]);
    assert!(run.stderr.contains("at its edge x = 1"), "{}", run.stderr);
    let run = accepted(&["minimize", "x^4 - 3*x^3 + 2"]);
    assert!(
        run.stderr
            .contains("the default start x0 = 0 is a stationary point"),
        "{}",
        run.stderr
    );
    let run = accepted(&["minimize", "x^4 - 3*x^3 + 2", "--x0", "4"]);
    assert!(run.stdout.contains("a local minimum"), "{}", run.stdout);
    assert!(run.stderr.is_empty());
    // A diverged run is never called a local minimum.
    let run = accepted(&[
        "minimize",
        "x^2",
        "--x0",
        "1",
        "--solver",
        "gd",
        "--learning-rate",
        "5",
    ]);
    assert!(!run.stdout.contains("a local minimum"));
    assert!(run.stderr.contains("lower --learning-rate"));
    // In n-D a saddle is not a minimum.
    let run = accepted(&["minimize", "x^2 - y^2", "--x0", "1,0"]);
    assert!(run.stderr.contains("saddle"), "{}", run.stderr);
    // --strict turns a run that did not converge into exit status 3, after the output.
    let run = attempt(&["minimize", "exp(-x)", "--strict"]);
    assert_eq!(run.code, 3);
    assert!(run.stdout.contains("no minimum"));
    let bc = data("breast_cancer.csv");
    let run = attempt(&[
        "fit",
        "--data",
        &bc,
        "--model",
        "logistic",
        "--max-iter",
        "2",
        "--strict",
    ]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("did not converge"), "{}", run.stderr);
    // Unpenalized logistic regression on separable data has no minimum, and says so.
    let run = accepted(&[
        "fit",
        "--data",
        &bc,
        "--model",
        "logistic",
        "--penalty",
        "none",
        "--standardize",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["converged"], false);
    assert!(v["warning"]
        .as_str()
        .unwrap()
        .contains("perfect separation"));
    assert!(run.stderr.contains("perfect separation"));
    assert_eq!(v["objective_form"], "mean log loss (no penalty)");
}

#[cfg(unix)]
#[test]
fn ctrl_c_ends_a_fit_with_the_best_point_so_far() {
    let dir = tempfile::tempdir().unwrap();
    let model: PathBuf = dir.path().join("model.json");
    let bc = data("breast_cancer.csv");
    // A fixed step this small runs for far longer than the test waits.
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("descent"))
        .args([
            "fit",
            "--data",
            &bc,
            "--model",
            "logistic",
            "--solver",
            "gd",
            "--learning-rate",
            "1e-6",
            "--max-iter",
            "1000000000",
            "--out",
            model.to_str().unwrap(),
            "--json",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(v["termination"], "interrupted (the best point so far)");
    assert!(v["n_iter"].as_u64().unwrap() > 0);
    assert!(String::from_utf8_lossy(&output.stderr).contains("interrupted by Ctrl-C"));
    // The best point so far was saved, and reads back.
    let saved = std::fs::read_to_string(&model).unwrap();
    assert!(saved.contains("Interrupted"));
}
