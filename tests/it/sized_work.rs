//! Work is sized before it is done: a sweep's run count is computed from the file and refused
//! over the documented cap before anything is built or written; scenario and sweep files over
//! the documented size are refused before they are read; `--threads` is bounded alike by
//! every command.

use crate::common::*;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

/// Runs `args` in `cwd`, expecting a quick exit 2 with one line of error (no allocation
/// failure, no panic). Returns stderr.
fn refused_quickly(cwd: &Path, args: &[&str]) -> String {
    let started = Instant::now();
    let o = cohesion(cwd, args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked") && !err.contains("memory allocation"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{args:?} took {:?}",
        started.elapsed()
    );
    assert_eq!(err.lines().count(), 1, "one message: {err}");
    err
}

/// A sweep file whose design is `design` (axes and sampling tables), on a small base.
fn sweep_with(design: &str, replicates: u64) -> String {
    format!(
        r#"
name = "big"
base = "baseline"
replicates = {replicates}
seed = 1

[set]
"town.residents" = 200
"time.years" = 1

{design}

[[metric]]
name = "belonging"
summary = "final"
"#
    )
}

/// `sweep` and nothing else in `dir` afterwards.
fn refuse_sweep(text: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("big.toml"), text).unwrap();
    let err = refused_quickly(t, &["sweep", "big.toml", "--out", "out"]);
    assert!(err.contains("big.toml"), "names the file: {err}");
    assert_eq!(names_in(t), ["big.toml"], "nothing written");
    // Nor does the Slurm script get written for a sweep too large to run.
    let err2 = refused_quickly(t, &["sweep", "big.toml", "--out", "out", "--slurm"]);
    assert_eq!(err, err2);
    assert_eq!(names_in(t), ["big.toml"], "nothing written");
    err
}

#[test]
fn a_range_of_four_billion_steps_is_refused_from_the_file() {
    let err = refuse_sweep(&sweep_with(
        "[[axis]]\nparam = \"council.openness\"\nrange = { from = 0.1, to = 0.9, steps = 4294967295 }",
        1,
    ));
    assert!(err.contains("axis[0].range"), "names the key: {err}");
    assert!(
        err.contains("4,294,967,295 points") && err.contains("100,000"),
        "{err}"
    );
}

#[test]
fn a_ten_billion_point_grid_is_refused_from_the_file() {
    let axis = |p: &str| {
        format!("[[axis]]\nparam = \"{p}\"\nrange = {{ from = 0.1, to = 0.9, steps = 100000 }}\n")
    };
    let err = refuse_sweep(&sweep_with(
        &(axis("council.openness") + &axis("trust.memory_per_week")),
        1,
    ));
    assert!(err.contains("10,000,000,000 points"), "{err}");
}

#[test]
fn a_hypercube_of_four_billion_points_is_refused_from_the_file() {
    let err = refuse_sweep(&sweep_with(
        "[[axis]]\nparam = \"council.openness\"\nbounds = [0.1, 0.9]\n\n[lhs]\npoints = 4294967295",
        1,
    ));
    assert!(err.contains("lhs.points"), "{err}");
}

#[test]
fn a_morris_design_too_large_is_refused_from_the_file() {
    let err = refuse_sweep(&sweep_with(
        "[[axis]]\nparam = \"council.openness\"\nbounds = [0.1, 0.9]\n\n[morris]\ntrajectories = 4294967295",
        1,
    ));
    assert!(err.contains("morris.trajectories"), "{err}");
}

#[test]
fn too_many_runs_name_the_replicates() {
    // 1,000 points is allowed; 1,000 × 1,001 runs is over the cap of 1,000,000.
    let err = refuse_sweep(&sweep_with(
        "[[axis]]\nparam = \"council.openness\"\nrange = { from = 0.1, to = 0.9, steps = 1000 }",
        1001,
    ));
    assert!(
        err.contains("replicates") && err.contains("1,001,000 runs"),
        "{err}"
    );
    assert!(err.contains("1,000,000"), "states the cap: {err}");
}

#[test]
fn a_device_is_not_read_without_end() {
    let tmp = tempfile::tempdir().unwrap();
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let err = refused_quickly(tmp.path(), &["check", "/dev/zero"]);
    assert!(err.contains("/dev/zero") && err.contains("4 MiB"), "{err}");
    let err = refused_quickly(tmp.path(), &["sweep", "/dev/zero", "--out", "out"]);
    assert!(err.contains("4 MiB"), "{err}");
    assert!(names_in(tmp.path()).is_empty());
}

#[test]
fn a_file_over_the_size_cap_is_refused_by_its_size() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // A sparse file: large to the file system, cheap to make, and never read.
    let big = fs::File::create(t.join("big.toml")).unwrap();
    big.set_len(5 * 1024 * 1024).unwrap();
    drop(big);
    for args in [
        &["check", "big.toml"][..],
        &["run", "big.toml", "--out", "out"],
        &["compare", "big.toml", "--out", "out"],
        &["sweep", "big.toml", "--out", "out"],
    ] {
        let err = refused_quickly(t, args);
        assert!(
            err.contains("big.toml") && err.contains("5242880 bytes") && err.contains("4 MiB"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(names_in(t), ["big.toml"]);
    // Just under the cap is read (and refused only for what it says).
    let text = format!("name = \"padded\"\n#{}\n", "x".repeat(4 * 1024 * 1024 - 40));
    fs::write(t.join("padded.toml"), text).unwrap();
    let o = cohesion(t, &["check", "padded.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn threads_are_bounded_alike_by_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("tiny.toml"), TINY).unwrap();
    fs::write(t.join("s.toml"), crate::force_safety::tiny_sweep("s")).unwrap();
    for bad in ["0", "1025", "100000", "many"] {
        for args in [
            &["run", "tiny.toml", "--out", "out", "--threads", bad][..],
            &["compare", "tiny.toml", "--out", "out", "--threads", bad],
            &["sweep", "s.toml", "--out", "out", "--threads", bad],
            &["serve", "--port", "0", "--threads", bad],
        ] {
            let o = cohesion(t, args);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
            assert!(err.contains("from 1 to 1024"), "{args:?}: {err}");
        }
        let o = cohesion(t, &["classic", "deffuant", "--threads", bad]);
        assert_eq!(o.status.code(), Some(2), "classic --threads {bad}");
        assert!(stderr(&o).contains("from 1 to 1024"), "{}", stderr(&o));
    }
    assert_eq!(names_in(t), ["s.toml", "tiny.toml"], "nothing written");
    let o = cohesion(
        t,
        &["run", "tiny.toml", "--out", "out", "--threads", "1024"],
    );
    assert!(
        o.status.success(),
        "1,024 threads is allowed: {}",
        stderr(&o)
    );
}
