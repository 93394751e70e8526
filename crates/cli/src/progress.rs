//! Progress bars on stderr for work that takes more than about a second, and Ctrl-C.
//!
//! Ctrl-C during a fit that is being watched ([`Watch`]) stops the solver cleanly: it returns
//! the best point so far with an "interrupted" termination, which the command prints and
//! saves before exiting with status 130. Ctrl-C at any other time, or a second Ctrl-C, exits
//! at once with status 130.

use crate::number::Sig;
use descent_objectives::{data_read, DataRead};
use descent_solvers::{Observer, Progress};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long work runs before its bar appears: short runs never flash one.
const DELAY: Duration = Duration::from_secs(1);

/// Whether a watched fit is running, so that Ctrl-C should stop it rather than the process.
static ARMED: AtomicBool = AtomicBool::new(false);
/// Whether Ctrl-C was pressed during a watched fit.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The exit status after Ctrl-C (128 + SIGINT, as shells report it).
pub(crate) const INTERRUPTED_STATUS: u8 = 130;

/// Installs the Ctrl-C handler (once, at start-up).
pub(crate) fn handle_interrupts() {
    // Failing to install it (another handler is set) only means Ctrl-C keeps its default.
    let _ = ctrlc::set_handler(|| {
        if !ARMED.load(Ordering::SeqCst) || INTERRUPTED.swap(true, Ordering::SeqCst) {
            eprintln!();
            std::process::exit(i32::from(INTERRUPTED_STATUS));
        }
    });
}

/// Whether Ctrl-C stopped a watched fit.
pub(crate) fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// A progress bar of `len` steps, or a spinner when `len` is `None`.
///
/// It is hidden with `--quiet` and when stderr is not a terminal (a pipe, a file, a test),
/// and it appears only once the work has run for about a second. Call
/// `finish_and_clear` when done.
pub(crate) fn start(len: Option<u64>, message: &str, quiet: bool) -> ProgressBar {
    let template = if len.is_some() {
        "{spinner} {msg:<28} [{bar:32}] {pos}/{len}  {elapsed}"
    } else {
        "{spinner} {msg}  {elapsed}"
    };
    styled(len, template, message, quiet)
}

fn styled(len: Option<u64>, template: &str, message: &str, quiet: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(len, ProgressDrawTarget::hidden());
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message.to_owned());
    if quiet || !std::io::stderr().is_terminal() {
        return bar;
    }
    let shown = bar.clone();
    std::thread::spawn(move || {
        std::thread::sleep(DELAY);
        if !shown.is_finished() {
            shown.set_draw_target(ProgressDrawTarget::stderr());
            shown.enable_steady_tick(Duration::from_millis(120));
        }
    });
    bar
}

/// Watches a solver: a bar of its iterations against the iteration limit, with the current
/// objective and gradient norm, the passes over `X` so far and the rate they read it at
/// (`7 passes, 2.1 GB/s`: what an out-of-core fit is bound by), and Ctrl-C to stop it with
/// the best point so far.
pub(crate) struct Watch {
    bar: ProgressBar,
    /// What the kernels had read when the watch started, and when.
    start: (DataRead, Instant),
}

impl Watch {
    /// Starts watching a fit described by `what` (hidden with `quiet`); Ctrl-C now stops the
    /// fit instead of the process.
    pub(crate) fn new(what: &str, quiet: bool) -> Self {
        ARMED.store(true, Ordering::SeqCst);
        Watch {
            bar: styled(
                Some(0),
                "{spinner} {prefix} iteration {pos}/{len} [{bar:24}] {msg}  {elapsed}",
                "",
                quiet,
            )
            .with_prefix(what.to_owned()),
            start: (data_read(), Instant::now()),
        }
    }

    /// The passes over `X` since the watch started, and the bytes they read per second.
    fn throughput(&self) -> (u64, f64) {
        let read = data_read().since(self.start.0);
        let seconds = self.start.1.elapsed().as_secs_f64().max(1e-9);
        #[allow(clippy::cast_precision_loss, reason = "a rate for display")]
        (read.passes, read.bytes as f64 / seconds)
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        ARMED.store(false, Ordering::SeqCst);
        self.bar.finish_and_clear();
    }
}

impl<P> Observer<P> for Watch {
    fn observe(&mut self, progress: &Progress<'_, P>) -> ControlFlow<()> {
        self.bar.set_length(progress.max_iterations as u64);
        self.bar.set_position(progress.iteration as u64);
        let gradient = progress
            .gradient_norm
            .map_or(String::new(), |g| format!("  ‖∇f‖ = {}", Sig(g, 3)));
        let (passes, rate) = self.throughput();
        let plural = if passes == 1 { "" } else { "es" };
        self.bar.set_message(format!(
            "f = {}{gradient}  {passes} pass{plural}, {:.2} GB/s",
            Sig(progress.value, 10),
            rate / 1e9
        ));
        if interrupted() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}
