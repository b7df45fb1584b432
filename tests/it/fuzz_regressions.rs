//! Inputs kept from fuzzing the parsers (`scripts/fuzz.sh`), and hand-made extremes beside
//! them, in `fuzz/regressions/<target>/`. Each must be refused with an error naming the file,
//! or accepted (a scenario then reads back from its resolved form); never a panic.

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
