//! Drives `descent minimize`, `sweep-lr`, `convergence`, `race` and `path` on good and bad
//! input, and checks that their plots are valid SVG and PNG files holding the expected series.

mod common;

use common::{data, descent, error_of, json_of, stdout_of};
use std::path::{Path, PathBuf};

/// The text of an SVG file, checked to be a complete SVG document.
fn svg(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.starts_with("<svg"), "{}", &text[..text.len().min(80)]);
    assert!(text.trim_end().ends_with("</svg>"));
    text
}

/// The series colors of the plots (Tableau 10), by series number.
const PALETTE: [[u8; 3]; 4] = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40]];

/// Decodes a PNG file, and returns its size and how many pixels have each of the first
/// `series` palette colors.
fn png_colors(path: &Path, series: usize) -> ((u32, u32), Vec<usize>) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).unwrap();
    let channels = info.color_type.samples();
    let pixels = &buffer[..info.buffer_size()];
    let counts = PALETTE[..series]
        .iter()
        .map(|color| {
            pixels
                .chunks(channels)
                .filter(|p| p[..3] == color[..])
                .count()
        })
        .collect();
    ((info.width, info.height), counts)
}

fn temp(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

#[test]
fn minimize_prints_every_iteration_and_plots_the_iterates() {
    let dir = tempfile::tempdir().unwrap();
    let plot = temp(&dir, "min.svg");
    let v = json_of(&[
        "minimize",
        "x^2 - 4*x",
        "--x0",
        "-3",
        "--plot",
        plot.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(v["converged"], true);
    assert_eq!(v["x"], 2.0);
    assert_eq!(v["d2f"], 2.0);
    let history = v["history"].as_array().unwrap();
    assert_eq!(
        history.len(),
        v["iterations"].as_u64().unwrap() as usize + 1
    );
    assert_eq!(history[0]["x"], -3.0);
    assert_eq!(history[0]["df"], -10.0);
    let text = svg(&plot);
    assert!(text.contains("f(x) = x^2 - 4*x"));
    assert!(text.contains("Newton iterates"));
    assert!(
        text.lines().any(|l| l.trim() == "x* = 2"),
        "no x* = 2 label"
    );

    // The table: one row per iteration, the result, the second derivative's verdict.
    let table = stdout_of(&[
        "minimize",
        "-x^2 + x^4",
        "--x0",
        "2",
        "--solver",
        "gd",
        "--learning-rate",
        "0.05",
    ]);
    assert!(table.contains("minimizing f(x) = -x^2 + x^4 with gradient descent from x0 = 2"));
    assert!(table.contains("converged"));
    assert!(table.contains("a local minimum"));
    // -x^2 is −(x²): the minimizer of x⁴ − x² is 1/√2.
    let v = json_of(&["minimize", "-x^2 + x^4", "--x0", "2", "--json"]);
    assert!((v["x"].as_f64().unwrap() - 0.5_f64.sqrt()).abs() < 1e-9);
    // Bracketing methods, on a function with a kink.
    let v = json_of(&[
        "minimize",
        "abs(x - 1.5) + 0.1*x^2",
        "--solver",
        "brent",
        "--bracket",
        "-4,5",
        "--json",
    ]);
    assert!((v["x"].as_f64().unwrap() - 1.5).abs() < 1e-6, "{v}");
    let v = json_of(&[
        "minimize",
        "(x-1)^2",
        "--solver",
        "golden",
        "--bracket",
        "-4,5",
        "--json",
    ]);
    assert!((v["x"].as_f64().unwrap() - 1.0).abs() < 1e-6);
}

#[test]
fn minimize_in_several_dimensions_from_exact_derivatives_or_values_alone() {
    let rosenbrock = "(1 - x)^2 + 100*(y - x^2)^2";
    for extra in [
        &["--solver", "newton"][..],
        &["--solver", "lbfgs"],
        &["--solver", "bfgs", "--finite-differences", "--tol", "1e-6"],
        &["--solver", "nelder-mead"],
    ] {
        let mut args = vec!["minimize", rosenbrock, "--x0", "-1.2,1", "--json"];
        args.extend_from_slice(extra);
        let v = json_of(&args);
        assert_eq!(v["variables"], serde_json::json!(["x", "y"]), "{extra:?}");
        assert_eq!(v["converged"], true, "{extra:?}: {}", v["termination"]);
        assert_eq!(v["kind"], "minimum", "{extra:?}");
        for coordinate in v["x"].as_array().unwrap() {
            assert!(
                (coordinate.as_f64().unwrap() - 1.0).abs() < 1e-5,
                "{extra:?}: {}",
                v["x"]
            );
        }
    }
    // The table names the variables and the verdict; the plot draws f by iteration.
    let dir = tempfile::tempdir().unwrap();
    let plot = temp(&dir, "nd.svg");
    let table = stdout_of(&[
        "minimize",
        "x1^2 + 2*x2^2 + x1*x2",
        "--x0",
        "3,-2",
        "--plot",
        plot.to_str().unwrap(),
    ]);
    assert!(table.contains("minimizing f(x1, x2)"), "{table}");
    assert!(table.contains("a local minimum"), "{table}");
    assert!(svg(&plot).contains("newton on f(x1, x2)"));
}

#[test]
fn minimize_explains_bad_input_on_one_line() {
    let cases: [(&[&str], &str); 8] = [
        (&["minimize", "x^2 +* 3"], "position 6: found '*'"),
        (&["minimize", "x^2 + w"], "position 7: unknown name 'w'"),
        (&["minimize", "sin(x"], "unclosed '('"),
        (&["minimize", "2x"], "multiplication needs '*'"),
        (
            &["minimize", "exp(-x)", "--solver", "brent"],
            "kept decreasing",
        ),
        (
            &["minimize", "x^2", "--bracket", "1,2"],
            "--bracket applies to",
        ),
        (
            &["minimize", "ln(x)", "--x0", "-1"],
            "not finite at the starting point",
        ),
        (
            &["minimize", "x^2", "--plot", "out.jpg"],
            "must end in .svg or .png",
        ),
    ];
    for (args, expected) in cases {
        let message = error_of(args);
        assert!(message.contains(expected), "{args:?}: {message}");
    }
    // A rate that is far too large diverges: reported, not an error, with a hint.
    let output = descent()
        .args([
            "minimize",
            "x^2",
            "--x0",
            "1",
            "--solver",
            "gd",
            "--learning-rate",
            "5",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("lower --learning-rate"));
}

#[test]
fn sweep_lr_reproduces_the_course_figure() {
    let dir = tempfile::tempdir().unwrap();
    let plot = temp(&dir, "sweep.png");
    let v = json_of(&[
        "sweep-lr",
        "2.5*(x - 2)^2",
        "--rates",
        "0.001,0.1,0.4,0.5",
        "--plot",
        plot.to_str().unwrap(),
        "--json",
    ]);
    let outcomes: Vec<&str> = v["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        [
            "not converged: too slow",
            "converged",
            "not converged: oscillates",
            "diverged"
        ]
    );
    assert_eq!(v["minimizer"], 2.0);
    let ((width, height), counts) = png_colors(&plot, 4);
    assert_eq!((width, height), (880, 560));
    assert!(counts.iter().all(|&n| n > 20), "series colors: {counts:?}");

    let svg_path = temp(&dir, "sweep.svg");
    stdout_of(&["sweep-lr", "(x-2)^2", "--plot", svg_path.to_str().unwrap()]);
    let text = svg(&svg_path);
    for rate in [
        "γ = 0.001",
        "γ = 0.01",
        "γ = 0.1",
        "γ = 0.4",
        "minimum x* = 2",
    ] {
        assert!(text.contains(rate), "missing {rate}");
    }
    assert!(error_of(&["sweep-lr", "x^2", "--rates", "0.1,abc"]).contains("abc"));
}

#[test]
fn convergence_compares_newton_and_gradient_descent_by_start() {
    let dir = tempfile::tempdir().unwrap();
    let plot = temp(&dir, "conv.png");
    let v = json_of(&[
        "convergence",
        "x^4 - 3*x^2 + x",
        "--starts",
        "-3..3",
        "--num",
        "7",
        "--learning-rate",
        "0.01",
        "--plot",
        plot.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(v["starts"].as_array().unwrap().len(), 7);
    let gd = v["gd_median_iterations"].as_f64().unwrap();
    let newton = v["newton_median_iterations"].as_f64().unwrap();
    assert!(newton * 4.0 < gd, "Newton {newton}, gd {gd}");
    let (_, counts) = png_colors(&plot, 2);
    assert!(counts.iter().all(|&n| n > 20), "series colors: {counts:?}");
    assert!(error_of(&["convergence", "x^2", "--starts", "3..-3"]).contains("the lower end first"));
    assert!(error_of(&["convergence", "x^2", "--starts", "-3"]).contains("a..b"));
}

#[test]
fn race_fits_one_problem_with_each_solver() {
    let dir = tempfile::tempdir().unwrap();
    let plot = temp(&dir, "race.svg");
    let bc = data("breast_cancer.csv");
    let v = json_of(&[
        "race",
        "--data",
        &bc,
        "--model",
        "logistic",
        "--solvers",
        "newton,lbfgs,steepest,gd",
        "--max-iter",
        "200",
        "--repeat",
        "1",
        "--plot",
        plot.to_str().unwrap(),
        "--json",
    ]);
    let runs = v["runs"].as_array().unwrap();
    let names: Vec<&str> = runs.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["newton", "lbfgs", "steepest", "gd"]);
    let newton = &runs[0];
    assert_eq!(newton["converged"], true);
    assert!(newton["evaluations"]["hessian"].as_u64().unwrap() > 0);
    assert_eq!(runs[1]["evaluations"]["hessian"], 0);
    // Gaps are measured from the best objective any run reached, so none is negative and
    // the converged Newton run is within rounding of it.
    assert!(runs.iter().all(|r| r["gap"].as_f64().unwrap() >= 0.0));
    assert!(newton["gap"].as_f64().unwrap() < 1e-12);
    assert_eq!(runs[3]["status"], "iteration limit");
    // The history has a time for each iteration, never decreasing.
    let history = newton["history"].as_array().unwrap();
    assert_eq!(
        history.len(),
        newton["iterations"].as_u64().unwrap() as usize + 1
    );
    let seconds: Vec<f64> = history
        .iter()
        .map(|p| p["seconds"].as_f64().unwrap())
        .collect();
    assert!(seconds.windows(2).all(|w| w[0] <= w[1]));
    let text = svg(&plot);
    for label in [
        "gap by iteration",
        "gap by time",
        "Newton (converged",
        "L-BFGS",
        "steepest descent",
    ] {
        assert!(text.contains(label), "missing {label}");
    }

    // Linear regression, with the closed form among the solvers; a PNG this time.
    let png_plot = temp(&dir, "race.png");
    let v = json_of(&[
        "race",
        "--data",
        &data("diabetes.csv"),
        "--model",
        "linear",
        "--solvers",
        "lstsq,newton,bfgs",
        "--plot",
        png_plot.to_str().unwrap(),
        "--json",
    ]);
    // The closed form and Newton converge; BFGS reaches the same objective (to within
    // rounding: on raw features its verdict depends on where rounding stops its progress, so
    // it may honestly say "stalled" short of ‖∇F‖ ≤ 1e-8).
    let runs = v["runs"].as_array().unwrap();
    assert!(runs[..2].iter().all(|r| r["converged"] == true));
    let best = runs[0]["objective"].as_f64().unwrap();
    assert!(runs
        .iter()
        .all(|r| (r["objective"].as_f64().unwrap() - best).abs() <= 1e-12 * best));
    let (size, counts) = png_colors(&png_plot, 3);
    assert_eq!(size, (880, 1520));
    assert!(counts.iter().all(|&n| n > 0), "series colors: {counts:?}");

    let table = stdout_of(&[
        "race",
        "--data",
        &bc,
        "--model",
        "logistic",
        "--solvers",
        "newton,bfgs",
        "--quiet",
    ]);
    assert!(table.contains("fastest to converge"));
    assert!(error_of(&[
        "race",
        "--data",
        &bc,
        "--model",
        "logistic",
        "--solvers",
        "newton,simplex"
    ])
    .contains("simplex"));
    assert!(error_of(&[
        "race",
        "--data",
        &bc,
        "--model",
        "logistic",
        "--solvers",
        "lstsq"
    ])
    .contains("least squares"));
    assert!(
        error_of(&["race", "--data", &bc, "--model", "logistic", "--alpha", "1"])
            .contains("--alpha")
    );
}

#[test]
fn path_warm_starts_along_c_and_plots_scores_and_coefficients() {
    let dir = tempfile::tempdir().unwrap();
    let plot = temp(&dir, "path.svg");
    let bc = data("breast_cancer.csv");
    let v = json_of(&[
        "path",
        "--data",
        &bc,
        "--standardize",
        "--test-size",
        "0.2",
        "--C",
        "1e-3..1e3",
        "--num",
        "7",
        "--plot",
        plot.to_str().unwrap(),
        "--json",
    ]);
    let path = v["path"].as_array().unwrap();
    assert_eq!(path.len(), 7);
    assert!((path[0]["C"].as_f64().unwrap() - 1e-3).abs() < 1e-15);
    assert!((path[6]["C"].as_f64().unwrap() - 1e3).abs() < 1e-9);
    assert!(path.iter().all(|s| s["converged"] == true));
    // Less regularization fits the training rows better, and the weights grow.
    let train_loss: Vec<f64> = path
        .iter()
        .map(|s| s["train_log_loss"].as_f64().unwrap())
        .collect();
    assert!(train_loss.windows(2).all(|w| w[1] < w[0]), "{train_loss:?}");
    assert!(path.iter().all(|s| s["test_accuracy"].as_f64().is_some()));
    // Warm starts save iterations.
    assert!(v["warm_iterations"].as_f64().unwrap() < v["cold_iterations"].as_f64().unwrap());
    let text = svg(&plot);
    for label in [
        "Accuracy against C",
        "Log loss against C",
        "Coefficients against C",
        "train",
        "test",
    ] {
        assert!(text.contains(label), "missing {label}");
    }
    // The chosen C, the lowest test log loss, is marked on each chart.
    let chosen = v["chosen_C"].as_f64().unwrap();
    let lowest = path
        .iter()
        .min_by(|a, b| {
            a["test_log_loss"]
                .as_f64()
                .unwrap()
                .total_cmp(&b["test_log_loss"].as_f64().unwrap())
        })
        .unwrap();
    assert_eq!(lowest["C"].as_f64().unwrap(), chosen);
    assert_eq!(text.matches("chosen C = ").count(), 3);
    assert!(error_of(&["path", "--data", &bc, "--C", "0..10"]).contains("C must be positive"));
    assert!(error_of(&["path", "--data", &bc, "--C", "10..1"]).contains("the lower end first"));
    assert!(error_of(&["path", "--data", "/no/such.csv"]).contains("such.csv"));
}
