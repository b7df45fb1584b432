//! Any bytes as a checkpoint's saved state (what follows the header, before the checksum):
//! restore must refuse bad input with an error, never panic; a state it accepts must run on
//! without a panic for a few weeks (the weeks in which an index out of range would be used).
//!
//! The state is of the town in `fuzz/restore-town.toml`, seed 1. With
//! `COHESION_FUZZ_SEED_DIR=DIR` set, the target first writes real states of that town (after
//! the warm-up's second week and after week 20) into DIR: `scripts/fuzz.sh` seeds the corpus
//! with them.
#![no_main]

use cohesion::checkpoint::snapshot;
use cohesion::{Scenario, Seeds, Simulation};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

/// Weeks run after a state is accepted.
const WEEKS_AFTER: u32 = 3;

static TOWN: LazyLock<Scenario> = LazyLock::new(|| {
    Scenario::from_toml(include_str!("../restore-town.toml"), "restore-town.toml")
        .expect("the fuzz town reads")
});

fn seeds() -> Seeds {
    Seeds::new(1)
}

fn write_seeds(dir: &str) {
    std::fs::create_dir_all(dir).expect("the seed directory can be made");
    let mut sim = Simulation::new(&TOWN, seeds());
    for stop in [2, 20] {
        while sim.steps_done() < stop {
            sim.step();
        }
        let mut state = Vec::new();
        snapshot::write(&sim, &mut state).expect("a state is written");
        let path = format!("{dir}/state-week-{stop:03}.bin");
        std::fs::write(&path, state).expect("the seed is written");
    }
}

fuzz_target!(
    init: {
        if let Ok(dir) = std::env::var("COHESION_FUZZ_SEED_DIR") {
            write_seeds(&dir);
        }
        LazyLock::force(&TOWN);
    },
    |data: &[u8]| {
        if let Ok(mut sim) = snapshot::restore(&TOWN, seeds(), data) {
            for _ in 0..WEEKS_AFTER {
                sim.step();
            }
        }
    }
);
