//! Long runs survive: checkpoints, resume and clean stops, through the real binary. A run killed
//! with SIGKILL part-way, or stopped with SIGTERM, and resumed ends with the same bytes as an
//! uninterrupted run; damaged checkpoints are detected and never used; checkpoints of another
//! scenario are refused; a local sweep stopped with SIGTERM and started again merges to the
//! same bytes. The built-in scenarios with interventions are resumed through the library at
//! many points.

use crate::common::{bin, cohesion, stderr};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A town with interventions of every kind, slow enough (about 2 s) that kills land part-way.
const TOWN: &str = r#"
name = "checkpointed"
description = "A town with an intervention of every kind, for checkpoint tests."

[time]
years = 5
warmup_weeks = 12

[town]
residents = 3000

[council]
community_right_to_bid = true

[[events]]
kind = "austerity"
year = 2010
years = 4
cut_per_year = 0.08

[[events]]
kind = "close"
year = 2011
venue_kind = "library"
count = 1

[[events]]
kind = "invest"
year = 2012
venue_kind = "community_centre"
ward = "Pithead"
count = 1
funding_years = 2

[[events]]
kind = "fund_groups"
year = 2012
gbp_per_year = 50000.0
years = 2

[[events]]
kind = "lockdown"
year = 2012
week = 10
weeks = 6

[[events]]
kind = "devolution"
year = 2013
big_bang = true

[[events]]
kind = "citizens_assembly"
year = 2013
week = 30
members = 60
acted_on = true

[[events]]
kind = "pub_costs"
year = 2014
change = 0.2
"#;

/// Weeks in the run, warm-up included.
const STEPS: u32 = 12 + 5 * 52;

/// The files a run writes that must not depend on how it was run (all but timings.json).
fn results(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                if name != "timings.json" {
                    files.push((name, fs::read(&path).unwrap()));
                }
            }
        }
    }
    files.sort();
    files
}

fn assert_same_results(reference: &Path, dir: &Path) {
    let (a, b) = (results(reference), results(dir));
    let names = |f: &[(String, Vec<u8>)]| f.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b), "the same files");
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} differs from the uninterrupted run's");
    }
    for must in [
        "metrics.csv",
        "events.csv",
        "manifest.json",
        "charts/cohesion.png",
    ] {
        assert!(a.iter().any(|(n, _)| n == must), "{must} is written");
    }
}

struct Setup {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        fs::write(root.join("town.toml"), TOWN).unwrap();
        Setup { _tmp: tmp, root }
    }

    /// The uninterrupted run, into `full`.
    fn reference(&self) -> PathBuf {
        let out = cohesion(
            &self.root,
            &["run", "town.toml", "--seed", "11", "--out", "full"],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        self.root.join("full")
    }

    fn spawn(&self, args: &[&str]) -> Child {
        Command::new(bin())
            .args(args)
            .current_dir(&self.root)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }
}

/// Steps of the checkpoints in `dir`, newest first.
fn checkpoints(dir: &Path) -> Vec<u32> {
    let mut steps: Vec<u32> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            name.strip_prefix("checkpoint-")?
                .strip_suffix(".bin")?
                .parse()
                .ok()
        })
        .collect();
    steps.sort_unstable_by(|a, b| b.cmp(a));
    steps
}

/// Waits until the run writing into `partial` has a checkpoint at step `step` or later;
/// returns the newest step seen. Panics if the run ends first.
fn wait_for_checkpoint(child: &mut Child, partial: &Path, step: u32) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(&newest) = checkpoints(partial).first()
            && newest >= step
        {
            return newest;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before its checkpoint at week {step}");
        }
        assert!(Instant::now() < deadline, "no checkpoint at week {step}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// A pseudo-random step in `lo..hi`, from the clock: printed, so that a failure can be
/// reproduced with that step.
fn random_step(lo: u32, hi: u32) -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let step = lo + nanos % (hi - lo);
    eprintln!("random kill point: week {step}");
    step
}

#[test]
fn killed_runs_resume_to_the_bytes_of_an_uninterrupted_run() {
    let s = Setup::new();
    let full = s.reference();
    let partial = s.root.join("a.partial");
    // Killed three times: in the warm-up, at a random week, and late in the run; each time
    // resumed from the newest checkpoint (which may be older than the kill: SIGKILL gives no
    // chance to write one).
    let mut last = 0;
    for target in [8, random_step(40, 200), 250] {
        let target = target.max(last + 4);
        let mut child = if last == 0 {
            s.spawn(&[
                "run",
                "town.toml",
                "--seed",
                "11",
                "--out",
                "a",
                "--checkpoint-every",
                "4",
            ])
        } else {
            s.spawn(&["run", "--resume", "a"])
        };
        last = wait_for_checkpoint(&mut child, &partial, target);
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success(), "killed");
        assert!(
            !s.root.join("a").exists(),
            "a killed run never looks finished"
        );
        // Two are kept; a kill between completing a new one and removing the oldest leaves
        // three, until the next checkpoint tidies up.
        let kept = checkpoints(&partial);
        assert!(
            kept.len() <= 3,
            "at most two checkpoints kept, and one more: {kept:?}"
        );
        assert!(kept[0] >= target && kept[0] < STEPS);
    }
    let out = cohesion(&s.root, &["run", "--resume", "a"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("resuming from"), "{}", stderr(&out));
    assert_same_results(&full, &s.root.join("a"));
    assert!(
        !partial.exists(),
        "checkpoints are removed once the run is finished"
    );
    // Nothing left to resume.
    let again = cohesion(&s.root, &["run", "--resume", "a"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("finished run"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn sigterm_stops_with_a_checkpoint_and_status_75() {
    let s = Setup::new();
    let full = s.reference();
    let partial = s.root.join("b.partial");
    // No --checkpoint-every: the only checkpoint is the one written on SIGTERM. Wait until
    // the run is under way (its stderr reports the first recorded year), then stop it.
    let mut child = s.spawn(&["run", "town.toml", "--seed", "11", "--out", "b"]);
    let mut err = child.stderr.take().unwrap();
    let mut seen = String::new();
    let mut buf = [0u8; 256];
    while !seen.contains("2010 done") {
        use std::io::Read;
        let n = err.read(&mut buf).unwrap();
        assert!(n > 0, "the run ended early: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    signal(&child, "TERM");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(75), "{seen}{rest}");
    assert!(rest.contains("--resume b"), "says how to go on: {rest}");
    let kept = checkpoints(&partial);
    assert_eq!(kept.len(), 1, "one checkpoint, at the stop");
    assert!(
        kept[0] > 12 + 26 && kept[0] < STEPS,
        "stopped part-way: {kept:?}"
    );
    assert!(!s.root.join("b").exists());
    // A fresh start into the same place is refused while the run is unfinished.
    let refused = cohesion(&s.root, &["run", "town.toml", "--seed", "11", "--out", "b"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("--resume"),
        "{}",
        stderr(&refused)
    );
    // Resumed by its .partial directory's name too.
    let out = cohesion(&s.root, &["run", "--resume", "b.partial"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_same_results(&full, &s.root.join("b"));
}

/// Stops a run with SIGTERM once it has two checkpoints; returns their steps, newest first.
fn stopped_with_two_checkpoints(s: &Setup, out: &str) -> Vec<u32> {
    let partial = s.root.join(format!("{out}.partial"));
    let mut child = s.spawn(&[
        "run",
        "town.toml",
        "--seed",
        "11",
        "--out",
        out,
        "--checkpoint-every",
        "10",
    ]);
    wait_for_checkpoint(&mut child, &partial, 30);
    signal(&child, "TERM");
    assert_eq!(child.wait().unwrap().code(), Some(75));
    let kept = checkpoints(&partial);
    assert_eq!(kept.len(), 2, "{kept:?}");
    kept
}

#[test]
fn damaged_checkpoints_are_detected_and_never_used() {
    let s = Setup::new();
    let full = s.reference();
    for (out, damage) in [("flipped", "flip"), ("truncated", "truncate")] {
        let kept = stopped_with_two_checkpoints(&s, out);
        let partial = s.root.join(format!("{out}.partial"));
        let newest = partial.join(format!("checkpoint-{:06}.bin", kept[0]));
        let mut bytes = fs::read(&newest).unwrap();
        match damage {
            "flip" => {
                let at = bytes.len() * 2 / 3;
                bytes[at] ^= 0x04;
            }
            _ => bytes.truncate(bytes.len() - 1000),
        }
        fs::write(&newest, &bytes).unwrap();
        let out_run = cohesion(&s.root, &["run", "--resume", out]);
        let err = stderr(&out_run);
        assert!(out_run.status.success(), "{err}");
        assert!(
            err.contains("warning") && err.contains("checksum"),
            "the damage is reported: {err}"
        );
        assert!(
            err.contains(&format!("checkpoint-{:06}.bin (week {}", kept[1], kept[1])),
            "the previous checkpoint is used: {err}"
        );
        assert_same_results(&full, &s.root.join(out));
    }

    // Nothing intact: a clear error, exit 2, and nothing written.
    let kept = stopped_with_two_checkpoints(&s, "ruined");
    let partial = s.root.join("ruined.partial");
    for step in &kept {
        let path = partial.join(format!("checkpoint-{step:06}.bin"));
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    }
    let out = cohesion(&s.root, &["run", "--resume", "ruined"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no intact checkpoint"),
        "{}",
        stderr(&out)
    );
    assert!(!s.root.join("ruined").exists());
}

#[test]
fn a_checkpoint_of_another_scenario_is_refused() {
    let s = Setup::new();
    stopped_with_two_checkpoints(&s, "mine");
    fs::write(
        s.root.join("other.toml"),
        TOWN.replace("residents = 3000", "residents = 2900"),
    )
    .unwrap();
    let mut child = s.spawn(&["run", "other.toml", "--seed", "11", "--out", "other"]);
    // Stopped at once: its own checkpoint is replaced by one of the first scenario's.
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, "TERM");
    assert_eq!(child.wait().unwrap().code(), Some(75));
    let theirs = s.root.join("other.partial");
    for step in checkpoints(&theirs) {
        fs::remove_file(theirs.join(format!("checkpoint-{step:06}.bin"))).unwrap();
    }
    let mine = s.root.join("mine.partial");
    let step = checkpoints(&mine)[0];
    let name = format!("checkpoint-{step:06}.bin");
    fs::copy(mine.join(&name), theirs.join(&name)).unwrap();
    let out = cohesion(&s.root, &["run", "--resume", "other"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("belongs to another scenario"),
        "{}",
        stderr(&out)
    );
    assert!(
        theirs.join(&name).exists(),
        "a refused checkpoint is left alone"
    );
}

/// Rewrites the checkpoint at `path` with `edit` applied to its world and its checksum
/// recomputed: what a forger, or a faulty build, would leave behind.
fn forge(path: &Path, edit: impl FnOnce(&mut cohesion::Simulation)) {
    use cohesion::checkpoint::snapshot;
    use sha2::{Digest, Sha256};
    let bytes = fs::read(path).unwrap();
    // magic (8) | format (4) | header length (4) | header | state | SHA-256 (32)
    let head_len = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let start = 16 + head_len;
    let scenario = cohesion::Scenario::from_toml(TOWN, "town.toml").unwrap();
    let seeds = cohesion::Seeds::of(11, 0);
    let mut sim = snapshot::restore(&scenario, seeds, &bytes[start..bytes.len() - 32]).unwrap();
    edit(&mut sim);
    let mut out = bytes[..start].to_vec();
    snapshot::write(&sim, &mut out).unwrap();
    let sum = Sha256::digest(&out);
    out.extend_from_slice(&sum);
    fs::write(path, out).unwrap();
}

#[test]
fn a_forged_checkpoint_is_refused_naming_the_file() {
    use cohesion::model::components::{Attitudes, Outings, SlotIndex};
    let s = Setup::new();
    type Edit = fn(&mut cohesion::Simulation);
    let edits: [(&str, Edit, &str); 2] = [
        (
            "index",
            |sim| {
                // An outing to a venue that does not exist: a mechanism would index past the
                // end of the venues.
                let e = sim.world().resource::<SlotIndex>().entity(5);
                let mut outings = sim.world_mut().get_mut::<Outings>(e).unwrap();
                outings.len = 1;
                outings.venues[0] = 60_000;
            },
            "outing 0 names venue 60000",
        ),
        (
            "nan",
            |sim| {
                let e = sim.world().resource::<SlotIndex>().entity(7);
                sim.world_mut().get_mut::<Attitudes>(e).unwrap().belonging = f32::NAN;
            },
            "belonging is NaN",
        ),
    ];
    for (out, edit, says) in edits {
        let kept = stopped_with_two_checkpoints(&s, out);
        let partial = s.root.join(format!("{out}.partial"));
        let newest = partial.join(format!("checkpoint-{:06}.bin", kept[0]));
        forge(&newest, edit);
        let run = cohesion(&s.root, &["run", "--resume", out]);
        let err = stderr(&run);
        assert_eq!(run.status.code(), Some(2), "{err}");
        // The run's opening line, then the refusal on one line.
        let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
        assert_eq!(lines.len(), 1, "one error line: {err}");
        let file = format!("{out}.partial/checkpoint-{:06}.bin", kept[0]);
        assert!(
            lines[0].contains(&file) && lines[0].contains(says),
            "names the file and what is wrong: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert!(newest.exists(), "the forged checkpoint is left where it is");
        assert_eq!(checkpoints(&partial), kept, "and the older one is not used");
        assert!(!s.root.join(out).exists(), "nothing is written");
    }
}

/// A sweep of runs slow enough for a stop to land part-way.
const SWEEP: &str = r#"
name = "stoppable"
base = "baseline"
replicates = 2
seed = 5

[set]
"town.residents" = 2000
"time.years" = 4
"time.warmup_weeks" = 10

[[axis]]
param = "council.openness"
values = [0.2, 0.6]

[[metric]]
name = "belonging"
summary = "final"
"#;

#[test]
fn a_stopped_sweep_goes_on_from_its_checkpoints() {
    let s = Setup::new();
    fs::write(s.root.join("sweep.toml"), SWEEP).unwrap();
    let whole = cohesion(
        &s.root,
        &["sweep", "sweep.toml", "--out", "whole", "--threads", "2"],
    );
    assert!(whole.status.success(), "{}", stderr(&whole));
    let mut child = s.spawn(&[
        "sweep",
        "sweep.toml",
        "--out",
        "stopped",
        "--threads",
        "2",
        "--checkpoint-every",
        "10",
    ]);
    let ckpts = s.root.join("stopped/checkpoints/p0000-r00");
    wait_for_checkpoint(&mut child, &ckpts, 60);
    signal(&child, "TERM");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(75));
    assert!(!s.root.join("stopped/results.csv").exists());
    let out = cohesion(
        &s.root,
        &["sweep", "sweep.toml", "--out", "stopped", "--threads", "1"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    for f in ["results.csv", "summary.csv", "manifest.json"] {
        assert_eq!(
            fs::read(s.root.join("whole").join(f)).unwrap(),
            fs::read(s.root.join("stopped").join(f)).unwrap(),
            "{f}"
        );
    }
    assert!(
        !s.root.join("stopped/checkpoints").exists(),
        "checkpoints go once the runs are finished"
    );
}

/// The built-in scenarios with interventions, shrunk to 300 residents, saved and restored
/// every 37 weeks (a new world each time) end exactly as when run straight through.
#[test]
fn built_in_scenarios_resume_exactly_at_many_points() {
    use cohesion::checkpoint::snapshot;
    use cohesion::{Scenario, Seeds, Simulation};
    for name in [
        "austerity_2010",
        "community_ownership",
        "citizens_assembly",
        "devolution_big_bang",
        "lockdown_2020",
        "jobs_shock",
        "social_infrastructure",
    ] {
        // A small town with a one-year warm-up, run to 2022: every intervention (the last
        // ends in 2021) still happens, and a restore lands in the warm-up, before, during and
        // after each of them.
        let mut scenario = Scenario::load(name).unwrap();
        scenario.town.residents = 300;
        scenario.time.warmup_weeks = 52;
        scenario.time.years = 13;
        let seeds = Seeds::of(7, 1);
        let straight = cohesion::run::to_end(&scenario, seeds);
        let mut sim = Simulation::new(&scenario, seeds);
        let mut restores = 0;
        while sim.step() {
            if sim.steps_done().is_multiple_of(37) {
                let mut bytes = Vec::new();
                snapshot::write(&sim, &mut bytes).unwrap();
                sim = snapshot::restore(&scenario, seeds, &bytes).unwrap();
                let mut again = Vec::new();
                snapshot::write(&sim, &mut again).unwrap();
                assert!(
                    again == bytes,
                    "{name}: restore then save gives the same bytes"
                );
                restores += 1;
            }
        }
        assert!(restores > 10, "{name}");
        let resumed = sim.into_output();
        assert!(!straight.events.is_empty(), "{name} has events");
        assert_eq!(straight.events, resumed.events, "{name}: events");
        assert!(
            straight.observations.0 == resumed.observations.0,
            "{name}: observations"
        );
    }
}
