//! Bad input exits with status 2 and one clear message naming file, key and line, never
//! panics, and creates no output directory. One test per class of mistake.

use crate::common::*;
use std::fs;

/// Runs a scenario text and returns stderr, checking the exit status and that nothing was
/// written.
fn refuse(text: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("bad.toml"), text).unwrap();
    let o = cohesion(tmp.path(), &["run", "bad.toml", "--out", "out"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        !tmp.path().join("out").exists(),
        "an output directory was created"
    );
    let leftovers: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "files left behind: {leftovers:?}");
    assert_eq!(err.lines().count(), 1, "one message, not a report: {err}");
    assert!(err.contains("bad.toml"), "names the file: {err}");
    // `check` says the same.
    let c = cohesion(tmp.path(), &["check", "bad.toml"]);
    assert_eq!(c.status.code(), Some(2));
    assert_eq!(stderr(&c), err);
    err
}

#[test]
fn missing_file() {
    let tmp = tempfile::tempdir().unwrap();
    let o = cohesion(tmp.path(), &["run", "nowhere.toml", "--out", "out"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("nowhere.toml") && err.contains("no such file"),
        "{err}"
    );
    assert!(err.contains("baseline"), "lists the built-ins: {err}");
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn toml_syntax_error() {
    let err = refuse("[town]\nresidents = = 12\n");
    assert!(err.contains("bad.toml:2"), "{err}");
}

#[test]
fn unknown_key() {
    let err = refuse("[council]\nopenness = 0.5\nopeness = 0.4\n");
    assert!(err.contains("bad.toml:3"), "{err}");
    assert!(err.contains("council.openess"), "{err}");
    assert!(err.contains("unknown key"), "{err}");
}

#[test]
fn wrong_type() {
    let err = refuse("[town]\nresidents = \"many\"\n");
    assert!(err.contains("bad.toml:2"), "{err}");
    assert!(err.contains("town.residents"), "{err}");
}

#[test]
fn value_out_of_range() {
    let err = refuse("# a comment\n[council]\nopenness = 1.5\n");
    assert!(err.contains("bad.toml:3"), "{err}");
    assert!(err.contains("council.openness"), "{err}");
    assert!(err.contains("allowed a number from 0 to 1"), "{err}");
}

#[test]
fn event_with_unknown_venue_kind() {
    let err =
        refuse("[[events]]\nkind = \"close\"\nyear = 2012\nvenue_kind = \"cinema\"\ncount = 1\n");
    assert!(err.contains("bad.toml:4"), "{err}");
    assert!(
        err.contains("cinema") && err.contains("library"),
        "lists the kinds: {err}"
    );
}

#[test]
fn event_outside_the_horizon() {
    let err =
        refuse("[[events]]\nkind = \"close\"\nyear = 2031\nvenue_kind = \"library\"\ncount = 1\n");
    assert!(err.contains("bad.toml:3"), "{err}");
    assert!(err.contains("events[0].year"), "{err}");
    assert!(err.contains("2010 to 2024"), "{err}");
}

#[test]
fn event_in_a_ward_that_does_not_exist() {
    let err = refuse(
        "[[events]]\nkind = \"close\"\nyear = 2012\nvenue_kind = \"pub\"\ncount = 1\nward = \"Nowhere\"\n",
    );
    assert!(
        err.contains("bad.toml:6") && err.contains("Nowhere"),
        "{err}"
    );
}

#[test]
fn bad_command_line_value() {
    let tmp = tempfile::tempdir().unwrap();
    let o = cohesion(tmp.path(), &["run", "baseline", "--seed", "minus-one"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--seed"));
}

#[test]
fn event_of_an_unknown_kind() {
    let err = refuse("[[events]]\nkind = \"fireworks\"\nyear = 2012\n");
    assert!(err.contains("bad.toml:2"), "{err}");
    assert!(
        err.contains("fireworks") && err.contains("austerity"),
        "lists the kinds: {err}"
    );
}

#[test]
fn event_with_a_negative_cut() {
    let err =
        refuse("[[events]]\nkind = \"austerity\"\nyear = 2012\nyears = 3\ncut_per_year = -0.05\n");
    assert!(err.contains("bad.toml:5"), "{err}");
    assert!(
        err.contains("events[0].cut_per_year") && err.contains("allowed a number from 0"),
        "{err}"
    );
}

#[test]
fn job_loss_and_benefit_change_with_bad_keys() {
    let err = refuse("[[events]]\nkind = \"job_loss\"\nyear = 2012\ncount = 0\n");
    assert!(err.contains("bad.toml:4"), "{err}");
    assert!(
        err.contains("events[0].count") && err.contains("from 1 to 10,000,000"),
        "{err}"
    );
    let err =
        refuse("[[events]]\nkind = \"job_loss\"\nyear = 2012\ncount = 9\nward = \"Atlantis\"\n");
    assert!(
        err.contains("events[0].ward") && err.contains("Atlantis"),
        "{err}"
    );
    let err = refuse("[[events]]\nkind = \"benefit_change\"\nyear = 2020\ngbp = 20\n");
    assert!(err.contains("bad.toml:4"), "{err}");
    assert!(
        err.contains("unknown key") && err.contains("gbp_per_week"),
        "{err}"
    );
    let err = refuse("[[events]]\nkind = \"benefit_change\"\nyear = 2020\n");
    assert!(
        err.contains("gbp_per_week"),
        "a required key is named: {err}"
    );
}

#[test]
fn invest_in_a_ward_that_does_not_exist() {
    let err = refuse(
        "[[events]]\nkind = \"invest\"\nyear = 2012\nvenue_kind = \"library\"\nward = \"Atlantis\"\n",
    );
    assert!(
        err.contains("bad.toml:5") && err.contains("Atlantis"),
        "{err}"
    );
}
