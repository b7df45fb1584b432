//! Where results go: an existing non-empty directory is refused without --force, results appear
//! only when complete, and the default run replaces only its own earlier files.

use crate::common::*;
use std::fs;

#[test]
fn non_empty_directory_needs_force() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("small.toml"), SMALL).unwrap();
    fs::create_dir(tmp.path().join("out")).unwrap();
    fs::write(tmp.path().join("out/notes.txt"), "my notes").unwrap();
    let o = cohesion(tmp.path(), &["run", "small.toml", "--out", "out"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"));
    assert_eq!(
        fs::read_to_string(tmp.path().join("out/notes.txt")).unwrap(),
        "my notes"
    );

    // --force does not remove a file cohesion did not write (see force_safety.rs)...
    let o = cohesion(
        tmp.path(),
        &["run", "small.toml", "--out", "out", "--force"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(tmp.path().join("out/notes.txt").exists());
    // ... but replaces an earlier run's results.
    fs::remove_file(tmp.path().join("out/notes.txt")).unwrap();
    let o = cohesion(tmp.path(), &["run", "small.toml", "--out", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = cohesion(
        tmp.path(),
        &["run", "small.toml", "--out", "out", "--force"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(tmp.path().join("out/manifest.json").exists());
    // No staging directory is left behind.
    let names: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains("partial")), "{names:?}");
}

#[test]
fn an_empty_directory_is_used() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("small.toml"), SMALL).unwrap();
    fs::create_dir(tmp.path().join("out")).unwrap();
    let o = cohesion(tmp.path(), &["run", "small.toml", "--out", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(tmp.path().join("out/metrics.csv").exists());
}

#[test]
fn a_killed_run_leaves_nothing_that_looks_complete() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(
        tmp.path().join("small.toml"),
        SMALL.replace("years = 3", "years = 100"),
    )
    .unwrap();
    let mut child = std::process::Command::new(bin())
        .args(["run", "small.toml", "--out", "out"])
        .current_dir(tmp.path())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended before it could be killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!tmp.path().join("out").exists(), "a killed run left out/");
}

/// A small comparison into `outputs/` as the default job writes it: the same library call as
/// `cohesion` with no arguments, with smaller towns (the full one is run by CI).
fn compare_into_default(outputs: &std::path::Path) -> Result<(), cohesion::run::RunError> {
    let mut small = cohesion::Scenario::from_toml(SMALL, "small").unwrap();
    small.time.years = 2;
    let mut other = small.clone();
    other.name = "small_closures".into();
    let plan = cohesion::compare::ComparePlan {
        scenarios: vec![small, other],
        replicates: 2,
        seed: 3,
        effects_years: Vec::new(),
        branch_at: None,
        contrasts: Vec::new(),
        posterior: None,
    };
    let target = cohesion::output::Target::DefaultOutputs(outputs.to_path_buf());
    cohesion::report::compare(&plan, &target, false, "test", 2, |_, _, _, _| {}).map(|_| ())
}

#[test]
fn the_default_job_replaces_only_its_own_files() {
    let tmp = tempfile::tempdir().unwrap();
    let outputs = tmp.path().join("outputs");
    fs::create_dir(&outputs).unwrap();
    fs::write(outputs.join("README.md"), "keep me").unwrap();
    fs::create_dir(outputs.join("mine")).unwrap();
    fs::write(outputs.join("mine/data.csv"), "1,2").unwrap();

    // An earlier default single run's files (as older versions wrote them) are ours to replace.
    fs::write(tmp.path().join("small.toml"), SMALL).unwrap();
    let old = cohesion::run::RunRequest {
        scenario: cohesion::Scenario::from_toml(SMALL, "small").unwrap(),
        seed: 1,
        replicate: 0,
        target: cohesion::output::Target::DefaultOutputs(outputs.clone()),
        force: false,
        summarise: Vec::new(),
        branch: None,
    };
    cohesion::run::run(&old, 2, |_| {}).unwrap();
    assert!(outputs.join("metrics.csv").exists());

    compare_into_default(&outputs).unwrap();
    for f in [
        "summary.csv",
        "effects.csv",
        "runs.csv",
        "wards.csv",
        "events.csv",
        "report.html",
        "manifest.json",
        "timings.json",
        "scenarios/small.toml",
        "charts/belonging.png",
        "charts/belonging.svg",
    ] {
        assert!(outputs.join(f).exists(), "{f}");
    }
    assert!(
        !outputs.join("metrics.csv").exists(),
        "the old default run's files are replaced"
    );
    compare_into_default(&outputs).unwrap();
    assert_eq!(
        fs::read_to_string(outputs.join("README.md")).unwrap(),
        "keep me"
    );
    assert_eq!(
        fs::read_to_string(outputs.join("mine/data.csv")).unwrap(),
        "1,2"
    );
    assert!(
        !fs::read_dir(&outputs).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains("partial"))
    );

    // A summary.csv that no default run wrote is not ours to replace.
    fs::remove_file(outputs.join("manifest.json")).unwrap();
    let refused = compare_into_default(&outputs).unwrap_err();
    assert_eq!(refused.exit_code(), 2, "{refused}");
    assert!(outputs.join("summary.csv").exists());
}
