//! What cohesion says on the terminal: progress lines and errors on stderr, results on stdout.
//!
//! Two rules. Nothing shown can steer the terminal: control and invisible formatting characters
//! in anything echoed (a scenario's name, a path, an error quoting a file) are replaced by a
//! visible `\u{..}` escape. And saying is never fatal: a closed or broken stderr or stdout
//! (`cohesion run ... 2>&1 | head -1`) does not stop a run from writing its results, where
//! `println!` and `eprintln!` would panic.

use crate::scenario::names::unprintable;
use std::borrow::Cow;
use std::io::{self, Write};

/// `text` with every control or invisible formatting character but the line break and the tab
/// written as a visible `\u{..}` escape.
pub fn sanitise(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| !matches!(c, '\n' | '\t') && unprintable(c))
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !matches!(c, '\n' | '\t') && unprintable(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Writes `line` and a line break to stderr, sanitised. Failures are ignored: a message that
/// cannot be shown must not stop the work it describes.
pub fn say(line: &str) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{}", sanitise(line));
}

/// Writes `text` to stdout, sanitised. A reader that went away (`| head`) is not an error;
/// any other failure is returned.
pub fn print(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out
        .write_all(sanitise(text).as_bytes())
        .and_then(|()| out.flush())
    {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_made_visible_and_lines_kept() {
        assert_eq!(sanitise("plain\ntext\tcolumn"), "plain\ntext\tcolumn");
        assert_eq!(
            sanitise("evil\u{1b}[31mRED\rover\u{202e}"),
            "evil\\u{1b}[31mRED\\u{d}over\\u{202e}"
        );
        assert!(matches!(sanitise("fine"), Cow::Borrowed(_)));
    }
}
