//! Any bytes as a sweep file: parsing, checking and resolving the plan (every point's
//! scenario and every run's seed) must refuse bad input with an error, never panic.
#![no_main]

use cohesion::sweep::{Plan, SweepSpec};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(spec) = SweepSpec::from_toml(text, "fuzz.toml") else {
        return;
    };
    // Base scenarios are looked up by built-in name only: the fuzzer's working directory holds
    // no scenario files worth reading.
    if let Ok(plan) = Plan::resolve(spec, text, "fuzz.toml", Path::new("/nonexistent")) {
        // Every run's seed and label, for the first runs and the last.
        let runs = plan.runs();
        for k in (0..runs.min(64)).chain(runs.saturating_sub(64)..runs) {
            let run = plan.run(k);
            let _ = plan.run_label(&run);
        }
    }
});
