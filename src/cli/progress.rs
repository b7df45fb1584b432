//! The progress bar every long command shows on a terminal: one style, counting weeks or runs.

use cohesion::output::terminal;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// A bar of `total` `unit`s ("weeks", "runs") headed by `prefix`, or `None` when standard error
/// is not a terminal (a log file, a Slurm job), where a line at the start says what runs instead.
pub fn bar(total: u64, unit: &str, prefix: &str) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{prefix}} [{{bar:40}}] {{pos}}/{{len}} {unit}, {{eta}} left"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_prefix(terminal::sanitise(prefix).into_owned());
    Some(bar)
}
