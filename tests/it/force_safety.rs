//! `--force` never removes what cohesion did not write. It replaces only an empty folder or one
//! whose manifest says cohesion wrote it; a target that is the current directory, one of its
//! parents, a folder holding an input, a file, `/` or the home directory is refused with exit
//! status 2 before any work; a place that cannot be written is found before the run; and no
//! failure leaves a staging folder behind.

use crate::common::*;
use std::fs;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

/// Runs `args` in `cwd` and checks that the command was refused with status `code` before any
/// simulation started (no progress line, and long before the slow scenario could run).
/// Returns stderr.
fn refused_before_work(cwd: &Path, args: &[&str], code: i32) -> String {
    refused_before_work_env(cwd, args, &[], code)
}

fn refused_before_work_env(cwd: &Path, args: &[&str], env: &[(&str, &Path)], code: i32) -> String {
    let started = Instant::now();
    let o = cohesion_env(cwd, args, env);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
    assert!(
        !err.contains("running") && !err.contains("comparing") && !err.contains("panicked"),
        "{args:?} started work: {err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{args:?} took {:?}",
        started.elapsed()
    );
    assert_eq!(err.lines().count(), 1, "one message: {err}");
    err
}

/// No hidden staging or set-aside folder in `dir`.
fn no_leftovers(dir: &Path) {
    let names = names_in(dir);
    assert!(
        names
            .iter()
            .all(|n| !n.contains(".partial") && !n.contains(".old-") && !n.contains("probe")),
        "left behind in {}: {names:?}",
        dir.display()
    );
}

fn ok(o: &Output) {
    assert!(o.status.success(), "{}", stderr(o));
}

#[test]
fn the_current_directory_is_never_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("slow.toml"), SLOW).unwrap();
    fs::write(t.join("notes.txt"), "my notes").unwrap();
    let err = refused_before_work(t, &["run", "slow.toml", "--out", ".", "--force"], 2);
    assert!(err.contains("current directory"), "{err}");
    // An absolute spelling of the same folder is the same folder.
    refused_before_work(
        t,
        &["run", "slow.toml", "--out", t.to_str().unwrap(), "--force"],
        2,
    );
    assert_eq!(names_in(t), ["notes.txt", "slow.toml"]);
    assert_eq!(fs::read_to_string(t.join("notes.txt")).unwrap(), "my notes");
}

#[test]
fn compare_into_the_current_directory_keeps_its_scenarios() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("a.toml"), SLOW).unwrap();
    fs::write(t.join("b.toml"), SLOW.replace("\"slow\"", "\"other\"")).unwrap();
    let err = refused_before_work(
        t,
        &["compare", "a.toml", "b.toml", "--out", ".", "--force"],
        2,
    );
    assert!(err.contains("current directory"), "{err}");
    assert_eq!(names_in(t), ["a.toml", "b.toml"]);
}

#[test]
fn a_parent_of_the_current_directory_is_never_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let work = t.join("project/work");
    fs::create_dir_all(&work).unwrap();
    fs::write(work.join("slow.toml"), SLOW).unwrap();
    let err = refused_before_work(&work, &["run", "slow.toml", "--out", "..", "--force"], 2);
    assert!(err.contains("parent of the current directory"), "{err}");
    let err = refused_before_work(&work, &["run", "slow.toml", "--out", "../..", "--force"], 2);
    assert!(err.contains("parent of the current directory"), "{err}");
    assert!(work.join("slow.toml").exists());
}

#[test]
fn the_root_and_the_home_directory_are_never_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("slow.toml"), SLOW).unwrap();
    let err = refused_before_work(t, &["run", "slow.toml", "--out", "/", "--force"], 2);
    assert!(err.contains("root of the file system"), "{err}");
    // A stand-in home, so that the test never points cohesion at the real one.
    let home = t.join("home");
    fs::create_dir(&home).unwrap();
    fs::write(home.join(".profile"), "keep").unwrap();
    let err = refused_before_work_env(
        t,
        &[
            "run",
            "slow.toml",
            "--out",
            home.to_str().unwrap(),
            "--force",
        ],
        &[("HOME", &home)],
        2,
    );
    assert!(err.contains("home directory"), "{err}");
    assert_eq!(names_in(&home), [".profile"]);
    // And for compare and sweep alike.
    let err = refused_before_work_env(
        t,
        &[
            "compare",
            "slow.toml",
            "--out",
            home.to_str().unwrap(),
            "--force",
        ],
        &[("HOME", &home)],
        2,
    );
    assert!(err.contains("home directory"), "{err}");
    fs::write(t.join("s.toml"), tiny_sweep("s")).unwrap();
    let err = refused_before_work_env(
        t,
        &[
            "sweep",
            "s.toml",
            "--out",
            home.to_str().unwrap(),
            "--force",
        ],
        &[("HOME", &home)],
        2,
    );
    assert!(err.contains("home directory"), "{err}");
    assert_eq!(names_in(&home), [".profile"]);
}

#[test]
fn a_folder_holding_an_input_is_never_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::create_dir_all(t.join("inside/deeper")).unwrap();
    fs::write(t.join("inside/slow.toml"), SLOW).unwrap();
    fs::write(t.join("inside/deeper/other.toml"), SLOW).unwrap();
    let err = refused_before_work(
        t,
        &["run", "inside/slow.toml", "--out", "inside", "--force"],
        2,
    );
    assert!(
        err.contains("inside/slow.toml") && err.contains("an input"),
        "{err}"
    );
    let err = refused_before_work(
        t,
        &[
            "compare",
            "slow",
            "inside/deeper/other.toml",
            "--out",
            "inside",
            "--force",
        ],
        2,
    );
    assert!(err.contains("inside/deeper/other.toml"), "{err}");
    assert!(t.join("inside/slow.toml").exists());
    assert!(t.join("inside/deeper/other.toml").exists());
}

#[test]
fn a_file_is_not_an_output_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("slow.toml"), SLOW).unwrap();
    fs::write(t.join("afile"), "mine").unwrap();
    for force in [false, true] {
        let mut args = vec!["run", "slow.toml", "--out", "afile"];
        if force {
            args.push("--force");
        }
        let err = refused_before_work(t, &args, 2);
        assert!(err.contains("not a directory"), "{err}");
    }
    let err = refused_before_work(t, &["compare", "slow.toml", "--out", "afile", "--force"], 2);
    assert!(err.contains("not a directory"), "{err}");
    fs::write(t.join("s.toml"), tiny_sweep("s")).unwrap();
    let err = refused_before_work(t, &["sweep", "s.toml", "--out", "afile", "--force"], 2);
    assert!(err.contains("not a directory"), "{err}");
    // Below a file, nothing can be written either.
    let err = refused_before_work(t, &["run", "slow.toml", "--out", "afile/run"], 2);
    assert!(err.contains("not a directory"), "{err}");
    assert_eq!(fs::read_to_string(t.join("afile")).unwrap(), "mine");
    assert_eq!(names_in(t), ["afile", "s.toml", "slow.toml"]);
}

#[test]
fn force_replaces_results_cohesion_wrote_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("tiny.toml"), TINY).unwrap();
    fs::write(t.join("slow.toml"), SLOW).unwrap();

    // A folder of someone else's files.
    fs::create_dir(t.join("mine")).unwrap();
    fs::write(t.join("mine/notes.txt"), "my notes").unwrap();
    let err = refused_before_work(t, &["run", "slow.toml", "--out", "mine", "--force"], 2);
    assert!(
        err.contains("notes.txt") && err.contains("did not write"),
        "{err}"
    );
    assert_eq!(names_in(&t.join("mine")), ["notes.txt"]);

    // An earlier run's folder is replaced whole.
    ok(&cohesion(t, &["run", "tiny.toml", "--out", "out"]));
    let before = fs::read(t.join("out/metrics.csv")).unwrap();
    ok(&cohesion(
        t,
        &["run", "tiny.toml", "--out", "out", "--seed", "7", "--force"],
    ));
    assert_ne!(fs::read(t.join("out/metrics.csv")).unwrap(), before);
    no_leftovers(t);

    // ... but not once someone has added a file of their own to it.
    fs::write(t.join("out/analysis.R"), "plot()").unwrap();
    let err = refused_before_work(t, &["run", "slow.toml", "--out", "out", "--force"], 2);
    assert!(err.contains("analysis.R"), "{err}");
    assert!(t.join("out/analysis.R").exists());
    assert!(t.join("out/manifest.json").exists());

    // A manifest that cohesion did not write does not make a folder cohesion's.
    fs::create_dir(t.join("forged")).unwrap();
    fs::write(
        t.join("forged/manifest.json"),
        r#"{"files": {"data.csv": "x"}}"#,
    )
    .unwrap();
    fs::write(t.join("forged/data.csv"), "1,2").unwrap();
    refused_before_work(t, &["run", "slow.toml", "--out", "forged", "--force"], 2);
    assert!(t.join("forged/data.csv").exists());

    // An empty folder is used, with or without --force.
    fs::create_dir(t.join("empty")).unwrap();
    ok(&cohesion(
        t,
        &["run", "tiny.toml", "--out", "empty", "--force"],
    ));
    assert!(t.join("empty/manifest.json").exists());
    no_leftovers(t);
}

#[test]
fn force_replaces_an_earlier_comparison() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("tiny.toml"), TINY).unwrap();
    let args = [
        "compare",
        "tiny.toml",
        "--replicates",
        "1",
        "--out",
        "cmp",
        "--force",
    ];
    ok(&cohesion(t, &args));
    ok(&cohesion(t, &args));
    assert!(t.join("cmp/manifest.json").exists());
    fs::write(t.join("cmp/scenarios/extra.txt"), "mine").unwrap();
    let o = cohesion(t, &args);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(t.join("cmp/scenarios/extra.txt").exists());
    no_leftovers(t);
}

#[test]
fn a_checkpoint_folder_that_is_not_cohesions_is_not_discarded() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("slow.toml"), SLOW).unwrap();
    fs::create_dir(t.join("out.partial")).unwrap();
    fs::write(t.join("out.partial/thesis.tex"), "chapter 1").unwrap();
    let err = refused_before_work(t, &["run", "slow.toml", "--out", "out", "--force"], 2);
    assert!(err.contains("out.partial"), "{err}");
    assert!(t.join("out.partial/thesis.tex").exists());
}

#[test]
fn a_place_that_cannot_be_written_is_found_before_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("slow.toml"), SLOW).unwrap();
    // /proc refuses new folders, whoever asks.
    if Path::new("/proc/self").exists() {
        let err = refused_before_work(t, &["run", "slow.toml", "--out", "/proc/cohesion-out"], 1);
        assert!(err.contains("before the run"), "{err}");
    }
    // A read-only folder, for a user the permissions bind (not root).
    let ro = t.join("ro");
    fs::create_dir(&ro).unwrap();
    let mut perms = fs::metadata(&ro).unwrap().permissions();
    perms.set_readonly(true);
    fs::set_permissions(&ro, perms.clone()).unwrap();
    let binding = fs::create_dir(ro.join("probe")).is_err();
    if binding {
        let err = refused_before_work(t, &["run", "slow.toml", "--out", "ro/out"], 1);
        assert!(err.contains("before the run"), "{err}");
        let err = refused_before_work(t, &["compare", "slow.toml", "--out", "ro/out"], 1);
        assert!(err.contains("before the run"), "{err}");
    }
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    fs::set_permissions(&ro, perms).unwrap();
    let _ = fs::remove_dir(ro.join("probe"));
}

#[test]
fn a_folder_that_appears_during_the_run_is_kept_and_no_staging_is_left() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(
        t.join("s.toml"),
        TINY.replace("years = 1", "years = 12")
            .replace("residents = 300", "residents = 1500"),
    )
    .unwrap();
    let child = std::process::Command::new(bin())
        .args(["run", "s.toml", "--out", "out", "--force"])
        .current_dir(t)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    fs::create_dir(t.join("out")).unwrap();
    fs::write(t.join("out/notes.txt"), "written meanwhile").unwrap();
    let o = child.wait_with_output().unwrap();
    if o.status.success() {
        // The run finished before the folder appeared; nothing to check but that it is whole.
        assert!(t.join("out/manifest.json").exists());
        return;
    }
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(t.join("out/notes.txt")).unwrap(),
        "written meanwhile"
    );
    assert_eq!(names_in(&t.join("out")), ["notes.txt"]);
    no_leftovers(t);
}

#[test]
fn validate_force_replaces_only_a_validation_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("notes.txt"), "mine").unwrap();
    let err = refused_before_work(t, &["validate", "--quick", "--out", ".", "--force"], 2);
    assert!(err.contains("current directory"), "{err}");
    fs::create_dir(t.join("v")).unwrap();
    fs::write(t.join("v/notes.txt"), "mine").unwrap();
    let err = refused_before_work(t, &["validate", "--quick", "--out", "v", "--force"], 2);
    assert!(err.contains("validation.csv"), "{err}");
    assert_eq!(names_in(&t.join("v")), ["notes.txt"]);
}

#[test]
fn sweep_force_keeps_what_it_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("s.toml"), tiny_sweep("s")).unwrap();
    let err = refused_before_work(t, &["sweep", "s.toml", "--out", ".", "--force"], 2);
    assert!(err.contains("current directory"), "{err}");
    // The folder holding the sweep file is not replaced.
    fs::create_dir(t.join("in")).unwrap();
    fs::write(t.join("in/s.toml"), tiny_sweep("s")).unwrap();
    let err = refused_before_work(t, &["sweep", "in/s.toml", "--out", "in", "--force"], 2);
    assert!(err.contains("an input"), "{err}");
    // A folder of other files: the sweep goes in beside them, replacing none.
    fs::create_dir(t.join("mixed")).unwrap();
    fs::write(t.join("mixed/notes.txt"), "mine").unwrap();
    let o = cohesion(t, &["sweep", "s.toml", "--out", "mixed"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    ok(&cohesion(
        t,
        &["sweep", "s.toml", "--out", "mixed", "--force"],
    ));
    assert_eq!(
        fs::read_to_string(t.join("mixed/notes.txt")).unwrap(),
        "mine"
    );
    assert!(t.join("mixed/results.csv").exists());
    // ... and refuses if one of them has a name the sweep would write.
    fs::create_dir(t.join("clash")).unwrap();
    fs::write(t.join("clash/results.csv"), "mine").unwrap();
    let o = cohesion(t, &["sweep", "s.toml", "--out", "clash", "--force"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("results.csv"), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(t.join("clash/results.csv")).unwrap(),
        "mine"
    );
}

/// A sweep of two tiny runs.
pub fn tiny_sweep(name: &str) -> String {
    format!(
        r#"
name = "{name}"
base = "baseline"
replicates = 1
seed = 3

[set]
"town.residents" = 200
"time.years" = 1
"time.warmup_weeks" = 4

[[axis]]
param = "council.openness"
values = [0.2, 0.6]

[[metric]]
name = "belonging"
summary = "final"
"#
    )
}
