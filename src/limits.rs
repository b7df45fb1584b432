//! The limits on work and input that every command shares, so that a mistyped number or a
//! strange file is refused at once, with a message, rather than exhausting the machine.
//!
//! - Scenario and sweep files are read only up to [`MAX_INPUT_BYTES`]: a larger regular file is
//!   refused from its size before a byte is read, and anything else (a device, a pipe) is read
//!   through a reader that stops one byte past the limit.
//! - `--threads` is a whole number from 1 to [`MAX_THREADS`] for every command that takes it.
//!
//! A sweep's own caps (points and runs) are in `sweep::spec`, next to the design they bound.

use std::fs;
use std::io::Read;
use std::path::Path;

/// Largest scenario or sweep file read, in bytes (4 MiB): far above any real scenario (the
/// baseline is about 10 KB, and a thousand wards with a thousand events is under 400 KB).
pub const MAX_INPUT_BYTES: u64 = 4 * 1024 * 1024;

/// Largest `--threads` any command accepts.
pub const MAX_THREADS: usize = 1024;

/// Reads a scenario or sweep file as text, refusing one over [`MAX_INPUT_BYTES`] before
/// reading it (or, for something that is not a regular file, as soon as it passes the limit).
/// The error is the message to show after the file's name.
pub fn read_text(path: &Path) -> Result<String, String> {
    let cannot = |e: std::io::Error| format!("cannot read the file: {e}");
    let meta = fs::metadata(path).map_err(cannot)?;
    if meta.is_dir() {
        return Err("is a folder, not a file".into());
    }
    let most = format!("a scenario or sweep file may be at most 4 MiB ({MAX_INPUT_BYTES} bytes)");
    if meta.is_file() && meta.len() > MAX_INPUT_BYTES {
        return Err(format!("is {} bytes; {most}", meta.len()));
    }
    let file = fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(format!(
            "is not a regular file, and goes on past {MAX_INPUT_BYTES} bytes; {most}"
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "is not UTF-8 text (the first bad byte is at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Checks a thread count from the command line: a whole number from 1 to [`MAX_THREADS`].
pub fn check_threads(n: u64) -> Result<usize, String> {
    if n == 0 || n > MAX_THREADS as u64 {
        return Err(format!(
            "{n} threads: give a whole number from 1 to {MAX_THREADS} (leave --threads out to \
             use every core)"
        ));
    }
    Ok(n as usize)
}

/// The threads a command uses: `--threads` when given, else every core the machine offers.
pub fn threads_or_all(given: Option<usize>) -> usize {
    given.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
}

/// Parses `--threads` for clap: a whole number from 1 to [`MAX_THREADS`].
pub fn parse_threads(text: &str) -> Result<usize, String> {
    let n: u64 = text.trim().parse().map_err(|_| {
        format!("`{text}` is not a whole number: give a number of threads from 1 to {MAX_THREADS}")
    })?;
    check_threads(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_are_bounded_on_both_sides() {
        assert_eq!(parse_threads("1"), Ok(1));
        assert_eq!(parse_threads("1024"), Ok(1024));
        assert!(parse_threads("0").unwrap_err().contains("from 1 to 1024"));
        assert!(parse_threads("1025").is_err());
        assert!(parse_threads("100000").is_err());
        assert!(parse_threads("-1").is_err());
        assert!(parse_threads("two").is_err());
    }

    #[test]
    fn a_device_is_read_only_up_to_the_limit() {
        let e = read_text(Path::new("/dev/zero")).unwrap_err();
        assert!(
            e.contains("not a regular file") && e.contains("at most 4 MiB"),
            "{e}"
        );
    }

    #[test]
    fn a_large_file_is_refused_by_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.toml");
        let f = fs::File::create(&path).unwrap();
        f.set_len(MAX_INPUT_BYTES + 1).unwrap();
        let e = read_text(&path).unwrap_err();
        assert!(e.contains("is 4194305 bytes"), "{e}");
        fs::write(&path, "name = \"ok\"\n").unwrap();
        assert_eq!(read_text(&path).unwrap(), "name = \"ok\"\n");
        assert!(read_text(dir.path()).unwrap_err().contains("folder"));
        fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(read_text(&path).unwrap_err().contains("UTF-8"));
    }
}
