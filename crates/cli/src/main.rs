//! `descent`: fit, predict and evaluate logistic and linear regression from CSV files;
//! minimize functions typed as text; race solvers and trace regularization paths.
//!
//! Every error is one line on stderr and a non-zero exit code. Warnings come last, after
//! the output they are about.

mod args;
mod cv;
mod data;
#[cfg(feature = "mpi")]
mod distributed;
mod eval;
mod files;
mod fit;
mod grid;
mod inference;
mod minimize;
mod number;
mod output;
mod path;
mod plot;
mod predict;
mod progress;
mod race;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::process::ExitCode;

/// Fit, predict and evaluate linear models on CSV files; minimize functions typed as text;
/// race solvers; trace regularization paths.
#[derive(Debug, Parser)]
#[command(name = "descent", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Threads for the data passes and for OpenBLAS (default: one per core, or
    /// DESCENT_THREADS); at most the number of cores.
    #[arg(long, global = true, allow_hyphen_values = true)]
    threads: Option<String>,
}

/// The name a value has on the command line (its clap `ValueEnum` name).
pub(crate) fn cli_name(value: impl ValueEnum) -> String {
    value
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_owned())
}

/// The exit status of a run that finished but did not converge, with `--strict`.
const NOT_CONVERGED_STATUS: u8 = 3;

/// What a command leaves for the end: warnings to print after its output, and whether its
/// result is one `--strict` refuses.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// Printed on stderr, each on a line of its own, after stdout is complete.
    pub warnings: Vec<String>,
    /// The run did not converge and `--strict` was given: exit with status 3.
    pub strict_failure: bool,
}

impl Outcome {
    /// A finished command with nothing to add.
    pub(crate) fn done() -> Self {
        Outcome::default()
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fit a model and print a summary (or JSON), optionally saving it.
    Fit(fit::FitArgs),
    /// Predict with a saved model: one CSV row per input row on stdout.
    Predict(predict::PredictArgs),
    /// Score a saved model on a labelled CSV file.
    Eval(eval::EvalArgs),
    /// Minimize a function typed as text (of x, or of x, y, z, x1, x2, …).
    #[command(after_help = minimize::SYNTAX)]
    Minimize(minimize::MinimizeArgs),
    /// Gradient descent on a function of x at several learning rates.
    #[command(name = "sweep-lr", after_help = minimize::SYNTAX)]
    SweepLr(minimize::sweep::SweepArgs),
    /// Iterations to converge against the starting point: gradient descent and Newton.
    #[command(after_help = minimize::SYNTAX)]
    Convergence(minimize::convergence::ConvergenceArgs),
    /// Fit one model with each solver and compare iterations, evaluations, time and result.
    Race(race::RaceArgs),
    /// A model over a range of C or alpha, warm-started: scores, non-zeros and coefficient
    /// paths.
    Path(path::PathArgs),
    /// k-fold cross-validation over a range of C or alpha: the best value, the
    /// one-standard-error choice, and a refit on all rows.
    Cv(cv::CvArgs),
}

/// The model family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ModelKind {
    /// Binary logistic regression (labels: two distinct whole numbers).
    Logistic,
    /// Linear regression: ordinary least squares, or Ridge with --alpha.
    Linear,
}

/// The thread count asked for, by `--threads` or the `DESCENT_THREADS` variable.
fn thread_count(option: Option<&str>) -> Result<Option<(usize, String)>> {
    let (text, source) = match option {
        Some(text) => (text.to_owned(), "--threads".to_owned()),
        None => match std::env::var("DESCENT_THREADS") {
            Ok(text) => (text, "the environment variable DESCENT_THREADS".to_owned()),
            Err(std::env::VarError::NotPresent) => return Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => {
                bail!("the environment variable DESCENT_THREADS is not valid text")
            }
        },
    };
    let threads =
        args::positive_count(&text).map_err(|why| anyhow::anyhow!("{source} = {text:?}: {why}"))?;
    Ok(Some((threads, source)))
}

/// Sizes rayon's global pool and OpenBLAS's thread count, capped at the number of cores.
fn set_threads(option: Option<&str>, warnings: &mut Vec<String>) -> Result<()> {
    let Some((asked, source)) = thread_count(option)? else {
        return Ok(());
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = if asked > cores {
        warnings.push(format!(
            "{source} asks for {asked} threads, more than this machine's {cores} cores; using {cores}"
        ));
        cores
    } else {
        asked
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .context("setting up the thread pool")?;
    descent_objectives::set_blas_threads(threads);
    Ok(())
}

/// clap's message on one line: the error and its tips (a similar argument, a value to
/// quote), without the usage block.
fn clap_summary(error: &clap::Error) -> String {
    let message = error.to_string();
    let lines: Vec<&str> = message
        .lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with("Usage:"))
        .filter(|line| !line.is_empty() && !line.starts_with("For more information"))
        .map(|line| line.trim_start_matches("error: "))
        .collect();
    lines.join("; ")
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
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                eprintln!(
                    "descent: a subcommand is needed: fit, predict, eval, minimize, sweep-lr, convergence, race, path or cv (see descent --help)"
                );
            } else {
                eprintln!("descent: {} (see descent --help)", clap_summary(&e));
            }
            return ExitCode::from(2);
        }
    };
    let Some(command) = cli.command else {
        eprintln!(
            "descent: a subcommand is needed: fit, predict, eval, minimize, sweep-lr, convergence, race, path or cv (see descent --help)"
        );
        return ExitCode::from(2);
    };
    progress::handle_interrupts();
    // Under an MPI launcher, MPI is initialized here and finalized when `main` returns.
    #[cfg(feature = "mpi")]
    let _mpi = distributed::start();
    #[cfg(feature = "mpi")]
    let prints = distributed::prints();
    #[cfg(not(feature = "mpi"))]
    let prints = true;
    // Buffered: `predict` writes a line per row, and stdout alone would flush each one.
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let mut early_warnings = Vec::new();
    // Under MPI only `fit` shares its work; any other command would run whole on every rank.
    #[cfg(feature = "mpi")]
    let command = match (&command, distributed::world()) {
        (Command::Fit(_), _) | (_, None) => Ok(command),
        (_, Some(_)) => Err(anyhow::anyhow!(
            "only descent fit runs under MPI (mpirun); run the other commands as one process"
        )),
    };
    #[cfg(not(feature = "mpi"))]
    let command: Result<Command> = Ok(command);
    let result = set_threads(cli.threads.as_deref(), &mut early_warnings)
        .and(command)
        .and_then(|command| match command {
            Command::Fit(args) => fit::run(&args, &mut stdout),
            Command::Predict(args) => predict::run(&args, &mut stdout),
            Command::Eval(args) => eval::run(&args, &mut stdout),
            Command::Minimize(args) => minimize::run(&args, &mut stdout),
            Command::SweepLr(args) => minimize::sweep::run(&args, &mut stdout),
            Command::Convergence(args) => minimize::convergence::run(&args, &mut stdout),
            Command::Race(args) => race::run(&args, &mut stdout),
            Command::Path(args) => path::run(&args, &mut stdout),
            Command::Cv(args) => cv::run(&args, &mut stdout),
        })
        .and_then(|outcome| {
            stdout.flush().context("writing to stdout")?;
            Ok(outcome)
        });
    // Under MPI every process ends with the same outcome; rank 0 alone says it.
    if prints {
        for warning in &early_warnings {
            eprintln!("descent: warning: {warning}");
        }
    }
    match result {
        Ok(outcome) => {
            for warning in outcome.warnings.iter().filter(|_| prints) {
                eprintln!("descent: warning: {warning}");
            }
            if progress::interrupted() {
                ExitCode::from(progress::INTERRUPTED_STATUS)
            } else if outcome.strict_failure {
                ExitCode::from(NOT_CONVERGED_STATUS)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            if prints {
                eprintln!("descent: error: {}", one_line(&e));
            }
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, `outer: inner: …`, leaving out a cause whose text
/// the message already ends with (an I/O error that both wraps and shows its source).
fn one_line(e: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if message.ends_with(&text) || message.contains(&format!("{text}:")) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message.replace('\n', " ")
}

/// Output cut short by a closed pipe (`descent predict … | head`) is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    let broken = |io: &std::io::Error| io.kind() == std::io::ErrorKind::BrokenPipe;
    e.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(broken)
            // The csv writer's errors hold the I/O error without giving it as their source.
            || cause
                .downcast_ref::<csv::Error>()
                .is_some_and(|e| matches!(e.kind(), csv::ErrorKind::Io(io) if broken(io)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_already_shown_are_not_repeated() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let wrapped = anyhow::Error::new(io).context("data.csv: No such file");
        assert_eq!(one_line(&wrapped), "data.csv: No such file");
        let layered = anyhow::anyhow!("inner").context("outer");
        assert_eq!(one_line(&layered), "outer: inner");
    }
}
