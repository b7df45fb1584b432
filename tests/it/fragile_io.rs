//! I/O failures are reported, not fatal to results: a closed stdout or stderr (`cohesion run
//! ... 2>&1 | head -1`) does not stop a run, comparison or sweep from writing its results; a
//! full disk is named as such, with the file; exit statuses keep to the README's table.

use crate::common::*;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Command;

/// Runs `args` in `cwd` with stdout and stderr both writing into one pipe, like `2>&1 | head
/// -1`: the first line is read, then the reading end is closed. Returns the exit code.
fn like_head_1(cwd: &Path, args: &[&str]) -> Option<i32> {
    let (reader, writer) = std::io::pipe().unwrap();
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .stdout(writer.try_clone().unwrap())
        .stderr(writer)
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(reader).read_line(&mut first).unwrap();
    assert!(!first.is_empty(), "a first line was written");
    // The reader is dropped here: every later write meets a broken pipe.
    child.wait().unwrap().code()
}

/// The bytes of `dir/name`.
fn bytes(dir: &Path, name: &str) -> Vec<u8> {
    fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}/{name}: {e}", dir.display()))
}

#[test]
fn a_run_whose_reader_went_away_still_writes_its_results() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("tiny.toml"), TINY).unwrap();
    let o = cohesion(t, &["run", "tiny.toml", "--out", "whole"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let code = like_head_1(
        t,
        &[
            "run",
            "tiny.toml",
            "--out",
            "cut",
            "--checkpoint-every",
            "10",
        ],
    );
    assert_eq!(code, Some(0), "not a panic (101)");
    assert!(t.join("cut/manifest.json").exists(), "results written");
    assert_eq!(
        bytes(&t.join("cut"), "metrics.csv"),
        bytes(&t.join("whole"), "metrics.csv"),
        "the same results as with a terminal"
    );
    assert!(!t.join("cut.partial").exists(), "checkpoints cleared");
}

#[test]
fn a_comparison_and_a_sweep_whose_reader_went_away_finish() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("tiny.toml"), TINY).unwrap();
    let code = like_head_1(
        t,
        &["compare", "tiny.toml", "--replicates", "2", "--out", "cmp"],
    );
    assert_eq!(code, Some(0));
    assert!(t.join("cmp/manifest.json").exists());
    fs::write(t.join("s.toml"), crate::force_safety::tiny_sweep("s")).unwrap();
    let code = like_head_1(t, &["sweep", "s.toml", "--out", "sw", "--threads", "1"]);
    assert_eq!(code, Some(0));
    assert!(t.join("sw/results.csv").exists());
}

#[test]
fn closed_stderr_alone_does_not_stop_a_run() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("tiny.toml"), TINY).unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = Command::new(bin())
        .args(["run", "tiny.toml", "--out", "out"])
        .current_dir(t)
        .stderr(writer)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("wrote out"));
    assert!(t.join("out/manifest.json").exists());
}

#[test]
fn a_full_disk_is_named_as_such() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("tiny.toml"), TINY).unwrap();
    // Standard output on a full device: the results are written, the failure is reported
    // with exit status 1 (an I/O failure), in the user's words.
    let o = Command::new(bin())
        .args(["run", "tiny.toml", "--out", "out"])
        .current_dir(t)
        .stdout(fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("standard output") && err.contains("the disk is full"),
        "{err}"
    );
    assert!(t.join("out/manifest.json").exists(), "results written");
    // Standard error on a full device is not worth failing for.
    let o = Command::new(bin())
        .args(["run", "tiny.toml", "--out", "out2"])
        .current_dir(t)
        .stderr(fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(t.join("out2/manifest.json").exists());
}
