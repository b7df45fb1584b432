//! Parameter sweeps: many points × replicates, run locally, in shards or as a Slurm job array,
//! resumed after any interruption, and merged into the same bytes however the work was split.
//!
//! Data flows one way: sweep file ([`spec`]) → resolved points and seeds ([`plan`], built by
//! [`design`]) → runs written one file each ([`runner`]; [`slurm`] for job arrays) → merged
//! tables, sensitivity ([`morris`]), one-at-a-time checks ([`oat`]) and charts ([`merge`]).

pub mod design;
pub mod merge;
pub mod morris;
pub mod oat;
pub mod plan;
pub mod runner;
pub mod slurm;
pub mod sobol;
pub mod spec;

pub use plan::Plan;
pub use runner::{Shard, SweepError};
pub use spec::SweepSpec;

use std::path::Path;

/// Reads, checks and resolves a sweep file.
pub fn load(path: &Path) -> Result<Plan, SweepError> {
    let (spec, text) = SweepSpec::load(path).map_err(SweepError::Input)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    Plan::resolve(spec, &text, &path.display().to_string(), dir).map_err(SweepError::Input)
}
