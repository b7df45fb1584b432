//! The `calibrate` command: fitting the model's parameters to the published series of
//! `data/targets/`, with the ABC-SMC engine of [`crate::calibrate`].
//!
//! Data flows one way, as in sweeps: the calibration file ([`spec`], checked with file, line
//! and key) → the resolved plan ([`plan`]: the prior, the target points read from their files
//! ([`targets`]), the engine's settings and the hash) → generations of runs written one JSON
//! file each, shardable and resumable ([`runner`]; [`slurm`] for job arrays) → the posterior,
//! the predictive check and charts ([`report`]).
//!
//! Architecture invariant: every file of the results is a function of the calibration's hash
//! (file, base scenario, target files, engine version) and the run files, read in proposal and
//! draw order; how the runs were split (threads, shards, array tasks, resumptions) never shows.

pub mod plan;
pub mod report;
pub mod runner;
pub mod slurm;
pub mod spec;
pub mod targets;

pub use plan::Plan;
pub use spec::CalibrationSpec;
