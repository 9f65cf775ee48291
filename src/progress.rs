//! Progress bars for long-running commands, shown only when stderr is a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Whether bars are drawn: only when stderr is a terminal. A command whose bar needs a total it
/// must count first (a full scan) skips counting when no one will see it.
pub fn shown() -> bool {
    std::io::stderr().is_terminal()
}

/// A bar of `total` steps named `what`, hidden when stderr is not a terminal.
pub fn bar(total: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    if shown() {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)")
        {
            bar.set_style(style.progress_chars("=> "));
        }
    } else {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_message(what.to_owned());
    bar
}
