//! Inputs kept from fuzzing (`scripts/fuzz.sh`), and hand-made extremes beside them, in
//! `fuzz/regressions/<target>/`: every crash a fuzz target finds is kept there once fixed.
//! Scenario and sweep files must be refused with an error naming the file, or accepted (a
//! scenario then reads back from its resolved form); a server request refused with a 4xx or
//! accepted within the server's limits; checkpoint states refused or run on. Never a panic.

use cohesion::Scenario;
use cohesion::sweep::{Plan, SweepSpec};
use std::fs;
use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<(PathBuf, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut files: Vec<(PathBuf, String)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            // The fuzzers feed bytes; inputs that are not UTF-8 never reach the parsers.
            let text = String::from_utf8(fs::read(&p).unwrap()).ok()?;
            Some((p, text))
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    files
}

#[test]
fn scenario_inputs_are_refused_or_read_back_never_panic() {
    for (path, text) in inputs("scenario") {
        match Scenario::from_toml(&text, "input.toml") {
            Ok(s) => {
                let resolved = s.to_toml();
                let again = Scenario::from_toml(&resolved, "resolved.toml")
                    .unwrap_or_else(|e| panic!("{}: resolved form refused: {e}", path.display()));
                assert_eq!(again.to_toml(), resolved, "{}", path.display());
            }
            Err(e) => assert!(
                e.to_string().contains("input.toml"),
                "{}: the error names the file: {e}",
                path.display()
            ),
        }
    }
}

#[test]
fn sweep_inputs_are_refused_or_resolved_never_panic() {
    for (path, text) in inputs("sweep") {
        let spec = match SweepSpec::from_toml(&text, "input.toml") {
            Ok(spec) => spec,
            Err(e) => {
                assert!(
                    e.to_string().contains("input.toml"),
                    "{}: {e}",
                    path.display()
                );
                continue;
            }
        };
        match Plan::resolve(spec, &text, "input.toml", Path::new("/nonexistent")) {
            Ok(plan) => {
                let runs = plan.runs();
                for k in (0..runs.min(64)).chain(runs.saturating_sub(64)..runs) {
                    let _ = plan.run_label(&plan.run(k));
                }
            }
            Err(e) => assert!(
                e.to_string().contains("input.toml"),
                "{}: {e}",
                path.display()
            ),
        }
    }
}

#[test]
fn server_request_inputs_are_refused_with_a_4xx_or_accepted_within_the_limits() {
    use cohesion::serve::request::{MAX_WORK, Work, prepare};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/server_request");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    let mut accepted = 0;
    for path in files {
        // Bytes, as the server reads a body: not UTF-8 is a request like any other.
        match prepare(&fs::read(&path).unwrap()) {
            Ok(p) => {
                accepted += 1;
                assert!(
                    Work::of(&p.scenario, p.replicates).total() <= MAX_WORK,
                    "{}",
                    path.display()
                );
                let resolved = p.scenario.to_toml();
                let again = Scenario::from_toml(&resolved, "resolved.toml")
                    .unwrap_or_else(|e| panic!("{}: resolved form refused: {e}", path.display()));
                assert_eq!(again, p.scenario, "{}", path.display());
            }
            Err(e) => assert!(
                (400..500).contains(&e.status) && e.message.starts_with("request"),
                "{}: {} {}",
                path.display(),
                e.status,
                e.message
            ),
        }
    }
    // The seeds include valid requests: the replay would not notice if all were refused.
    assert!(accepted >= 3, "only {accepted} inputs were accepted");
}

/// Saved states of the town in `fuzz/restore-town.toml` (seed 1), as the `restore` fuzz target
/// (`fuzz/fuzz_targets/restore.rs`) reads them. `state-*` are real states (the town after week
/// 2 of its warm-up and after week 20): they restore, run on, and what they then write restores
/// again. `crash-*` are inputs the fuzzer found that made a build without restore's checks panic
/// (an index out of range in outings, gathering or belonging, a NaN chance of leaving a group):
/// each must now be refused with an error. Nothing may panic.
///
/// The states are the snapshot's bytes: when its layout changes, `state-*` no longer restore
/// and this test says so; write them afresh (the target writes them when
/// `COHESION_FUZZ_SEED_DIR` is set) and fuzz again for crash inputs of the new layout.
#[test]
fn restore_inputs_are_refused_or_run_on_never_panic() {
    use cohesion::Seeds;
    use cohesion::checkpoint::snapshot;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let town = Scenario::from_toml(
        &fs::read_to_string(root.join("restore-town.toml")).unwrap(),
        "restore-town.toml",
    )
    .unwrap();
    let dir = root.join("regressions/restore");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
    let real = files
        .iter()
        .filter(|p| name(p).starts_with("state-"))
        .count();
    let crashes = files
        .iter()
        .filter(|p| name(p).starts_with("crash-"))
        .count();
    assert!(
        real >= 1 && crashes >= 1,
        "{}: {real} real states and {crashes} crash inputs",
        dir.display()
    );
    for path in &files {
        let bytes = fs::read(path).unwrap();
        match snapshot::restore(&town, Seeds::new(1), &bytes) {
            Ok(mut sim) => {
                assert!(
                    !name(path).starts_with("crash-"),
                    "{}: restored a state that once made a mechanism panic",
                    path.display()
                );
                for _ in 0..3 {
                    sim.step();
                }
                let mut again = Vec::new();
                snapshot::write(&sim, &mut again).unwrap();
                if let Err(e) = snapshot::restore(&town, Seeds::new(1), &again) {
                    panic!(
                        "{}: its state three weeks on is refused: {e}",
                        path.display()
                    );
                }
            }
            Err(e) => {
                assert!(
                    !name(path).starts_with("state-"),
                    "{}: a real state is refused: {e}",
                    path.display()
                );
                assert!(!e.is_empty(), "{}: an empty refusal", path.display());
            }
        }
    }
}
