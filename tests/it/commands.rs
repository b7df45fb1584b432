//! The small commands: `check`, `scenarios`, `params`, and output cut short by a reader.

use crate::common::*;
use std::process::{Command, Stdio};

#[test]
fn check_prints_a_scenario_that_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("t.toml"),
        "[venues.pub]\nweekly_cost_gbp = 3200.0\n",
    )
    .unwrap();
    let o = cohesion(tmp.path(), &["check", "t.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("weekly_cost_gbp = 3200.0"));
    assert!(text.contains("[council]") && text.contains("openness = "));
    // What check prints is itself a valid scenario.
    std::fs::write(tmp.path().join("resolved.toml"), &text).unwrap();
    let again = cohesion(tmp.path(), &["check", "resolved.toml"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        String::from_utf8(again.stdout)
            .unwrap()
            .lines()
            .skip(1)
            .collect::<Vec<_>>(),
        text.lines().skip(1).collect::<Vec<_>>()
    );
}

#[test]
fn scenarios_and_params_list_what_exists() {
    let tmp = tempfile::tempdir().unwrap();
    let o = cohesion(tmp.path(), &["scenarios"]);
    assert!(String::from_utf8(o.stdout).unwrap().starts_with("baseline"));
    let o = cohesion(tmp.path(), &["params"]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("council.openness") && text.contains("0 to 1"));
    assert!(text.contains("town.residents") && text.contains("12,000"));
    // Every key is listed, not only numbers: choices, flags, names and intervention keys too.
    for key in [
        "council.community_right_to_bid",
        "venues.*.owner",
        "town.wards[].name",
        "events.austerity.cut_per_year",
    ] {
        assert!(text.contains(key), "`params` leaves out {key}");
    }
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    let mut child = Command::new(bin())
        .arg("params")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
