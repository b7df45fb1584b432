//! cohesion: an agent-based model of civic cohesion in a former English coal-mining town.
//!
//! Data flows one way: a [`Scenario`] (TOML) → a generated town ([`town`]) → a bevy world
//! ([`sim`]) → the weekly tick of the mechanisms ([`model`]) → observations ([`observe`]) →
//! files ([`output`]). Every run is seeded and byte-reproducible on any number of threads.

pub mod branch;
pub mod calibrate;
pub mod calibration;
pub mod checkpoint;
pub mod classic;
pub mod compare;
pub mod facts;
pub mod limits;
pub mod metrics;
pub mod model;
pub mod observe;
pub mod output;
pub mod prefix;
pub mod report;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod sensitivity;
pub mod serve;
pub mod signals;
pub mod sim;
pub mod space;
pub mod stats;
pub mod summary;
pub mod sweep;
pub mod town;
pub mod townmap;
pub mod traffic;

pub use rng::Seeds;
pub use scenario::{Scenario, ScenarioError};
pub use sim::{RunOutput, Simulation};

/// The engine version written into every manifest.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");
