//! `descent`: fit, predict and evaluate logistic and linear regression from CSV files;
//! minimize functions of one variable; race solvers and trace regularization paths.
//!
//! Every error is one line on stderr and a non-zero exit code.

mod data;
mod fit;
mod minimize;
mod output;
mod path;
mod plot;
mod progress;
mod race;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use descent_models::data::{read_features, Dataset};
use descent_models::{Model, ModelFile};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Fit, predict and evaluate linear models on CSV files (header row, numeric values).
#[derive(Debug, Parser)]
#[command(name = "descent", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Threads for the data passes (rayon) and for OpenBLAS (default: one per core).
    #[arg(long, global = true, env = "DESCENT_THREADS")]
    threads: Option<usize>,
}

/// The name a value has on the command line (its clap `ValueEnum` name).
pub(crate) fn cli_name(value: impl ValueEnum) -> String {
    value
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_owned())
}

/// Sizes rayon's global pool and OpenBLAS's thread count to `threads`.
fn set_threads(threads: usize) -> Result<()> {
    if threads == 0 {
        bail!("--threads (or DESCENT_THREADS) must be at least 1");
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .context("setting up the thread pool")?;
    descent_objectives::set_blas_threads(threads);
    Ok(())
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fit a model and print a summary (or JSON), optionally saving it.
    Fit(fit::FitArgs),
    /// Predict with a saved model: one CSV row per input row on stdout.
    Predict(PredictArgs),
    /// Score a saved model on a labelled CSV file.
    Eval(EvalArgs),
    /// Minimize a function of x typed as text, printing every iteration.
    #[command(after_help = minimize::SYNTAX)]
    Minimize(minimize::MinimizeArgs),
    /// Gradient descent on a function of x at several learning rates.
    #[command(name = "sweep-lr", after_help = minimize::SYNTAX)]
    SweepLr(minimize::SweepArgs),
    /// Iterations to converge against the starting point: gradient descent and Newton.
    #[command(after_help = minimize::SYNTAX)]
    Convergence(minimize::ConvergenceArgs),
    /// Fit one model with each solver and compare iterations, evaluations, time and result.
    Race(race::RaceArgs),
    /// Logistic regression over a range of C, warm-started: scores and coefficient paths.
    Path(path::PathArgs),
}

/// The model family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ModelKind {
    /// Binary logistic regression (labels: two distinct values).
    Logistic,
    /// Linear regression: ordinary least squares, or Ridge with --alpha.
    Linear,
}

#[derive(Debug, clap::Args)]
struct PredictArgs {
    /// A model file written by `descent fit --out`.
    #[arg(long)]
    model: PathBuf,
    /// The CSV file to predict on; it needs the model's feature columns (a target column, if
    /// present, is ignored).
    #[arg(long)]
    data: PathBuf,
    /// Print P(positive class) instead of labels (logistic models only).
    #[arg(long)]
    proba: bool,
    /// Decision threshold on P(positive class) (logistic models only; default: the model's).
    #[arg(long, allow_negative_numbers = true)]
    threshold: Option<f64>,
}

#[derive(Debug, clap::Args)]
struct EvalArgs {
    /// A model file written by `descent fit --out`.
    #[arg(long)]
    model: PathBuf,
    /// A CSV file with the model's feature columns and its target column.
    #[arg(long)]
    data: PathBuf,
    /// The target column's name (default: the one the model was fitted on).
    #[arg(long)]
    target: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    // A panic is a bug; still, report it on one line rather than with a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("descent: internal error (please report): {info}");
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            // clap's message spans lines (the error and its details, then usage); keep what
            // comes before the first blank line, joined on one line.
            let message = e.to_string();
            let summary: Vec<&str> = message
                .lines()
                .map(str::trim)
                .take_while(|line| !line.is_empty() && !line.starts_with("Usage:"))
                .filter(|line| !line.starts_with("tip:"))
                .collect();
            eprintln!(
                "descent: {} (see descent --help)",
                summary.join(" ").trim_start_matches("error: ")
            );
            return ExitCode::from(2);
        }
    };
    // Buffered: `predict` writes a line per row, and stdout alone would flush each one.
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let result = match cli.threads.map(set_threads).transpose() {
        Err(e) => Err(e),
        Ok(_) => match cli.command {
            Command::Fit(args) => fit::run(&args, &mut stdout),
            Command::Predict(args) => predict(&args, &mut stdout),
            Command::Eval(args) => eval(&args, &mut stdout),
            Command::Minimize(args) => minimize::minimize(&args, &mut stdout),
            Command::SweepLr(args) => minimize::sweep_lr(&args, &mut stdout),
            Command::Convergence(args) => minimize::convergence(&args, &mut stdout),
            Command::Race(args) => race::run(&args, &mut stdout),
            Command::Path(args) => path::run(&args, &mut stdout),
        },
    }
    .and_then(|()| stdout.flush().context("writing to stdout"));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("descent: error: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, `outer: inner: …`.
fn one_line(e: &anyhow::Error) -> String {
    format!("{e:#}").replace('\n', " ")
}

/// Output cut short by a closed pipe (`descent predict … | head`) is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Puts features read for a saved model through the model's scaler, if it has one.
fn scale_features(file: &ModelFile, x: &mut ndarray::Array2<f64>) -> Result<()> {
    if let Some(scaler) = &file.scaler {
        scaler.transform_in_place(x)?;
    }
    Ok(())
}

fn predict(args: &PredictArgs, out: &mut impl Write) -> Result<()> {
    let file = ModelFile::load(&args.model)?;
    let mut x = read_features(&args.data, &file.feature_names)?;
    scale_features(&file, &mut x)?;
    let values = match file.model {
        Model::LogisticRegression(mut model) => {
            if let Some(t) = args.threshold {
                model = model.with_threshold(t)?;
            }
            if args.proba {
                writeln!(out, "probability")?;
                model.predict_proba(x.view())?
            } else {
                writeln!(out, "prediction")?;
                model.predict(x.view())?
            }
        }
        Model::LinearRegression(model) => {
            if args.proba || args.threshold.is_some() {
                bail!("--proba and --threshold apply to logistic models; {} holds a linear regression", args.model.display());
            }
            writeln!(out, "prediction")?;
            model.predict(x.view())?
        }
    };
    for v in values {
        writeln!(out, "{v}")?;
    }
    Ok(())
}

fn eval(args: &EvalArgs, out: &mut impl Write) -> Result<()> {
    let file = ModelFile::load(&args.model)?;
    let target = args.target.as_deref().unwrap_or(&file.target_name);
    let mut data = Dataset::from_csv_columns(&args.data, &file.feature_names, target)?;
    scale_features(&file, &mut data.x)?;
    let metrics = output::Metrics::of(&file.model, data.x.view(), data.y.view())?;
    if args.json {
        crate::output::write_json(out, &metrics)?;
    } else {
        output::write_metrics(out, &args.data.display().to_string(), &metrics)?;
    }
    Ok(())
}
