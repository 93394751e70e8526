//! Progress bars on stderr for work that takes more than about a second.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// How long work runs before its bar appears: short runs never flash one.
const DELAY: Duration = Duration::from_secs(1);

/// A progress bar of `len` steps, or a spinner when `len` is `None`.
///
/// It is hidden with `--quiet` and when stderr is not a terminal (a pipe, a file, a test),
/// and it appears only once the work has run for about a second. Call
/// `finish_and_clear` when done.
pub(crate) fn start(len: Option<u64>, message: &str, quiet: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(len, ProgressDrawTarget::hidden());
    let template = if len.is_some() {
        "{spinner} {msg:<28} [{bar:32}] {pos}/{len}  {elapsed}"
    } else {
        "{spinner} {msg}  {elapsed}"
    };
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
