//! Any bytes as the body of a run request (`POST /api/run`), through the function the server
//! reads it with: a bad request is refused with a 4xx status and a message, never a panic; a
//! request that is accepted is within the server's limits, and its scenario prints as TOML that
//! reads back to itself (that is the file the page offers for download).
#![no_main]

use cohesion::Scenario;
use cohesion::serve::request::{MAX_WORK, Work, check_limits, prepare};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match prepare(data) {
        Ok(p) => {
            assert!(check_limits(&p.scenario, p.replicates).is_ok());
            assert!(Work::of(&p.scenario, p.replicates).total() <= MAX_WORK);
            let resolved = p.scenario.to_toml();
            let again = Scenario::from_toml(&resolved, "resolved.toml")
                .expect("an accepted request's scenario reads back");
            assert_eq!(again.to_toml(), resolved, "the resolved scenario is stable");
            let _ = (p.label(), p.command(), p.file_name());
        }
        Err(e) => {
            assert!((400..500).contains(&e.status), "status {}: {}", e.status, e.message);
            assert!(!e.message.is_empty());
            let _ = e.json();
        }
    }
});
