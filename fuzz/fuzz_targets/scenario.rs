//! Any bytes as a scenario file: parsing and validation must refuse bad input with an error,
//! never panic; a scenario that is accepted must print as TOML that reads back to itself.
#![no_main]

use cohesion::Scenario;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(scenario) = Scenario::from_toml(text, "fuzz.toml") {
        let resolved = scenario.to_toml();
        let again = Scenario::from_toml(&resolved, "resolved.toml")
            .expect("a resolved scenario reads back");
        assert_eq!(again.to_toml(), resolved, "the resolved scenario is stable");
        let _ = scenario.hash();
    }
});
