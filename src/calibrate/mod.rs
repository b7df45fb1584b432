//! Calibration against real series: fitting the model's parameters to survey targets, with the
//! parameters' uncertainty kept as a weighted posterior.
//!
//! - [`abc`]: the ABC-SMC engine (adaptive population Monte Carlo, Lenormand et al. 2013), run
//!   in batches that the caller evaluates, shardable and resumable from its JSON state.
//! - [`distance`]: the standard distance, residuals counted in standard errors.
//! - [`posterior`]: weighted summaries, shrinkage against the prior (identifiability), and
//!   keyed draws of whole parameter sets for comparisons under parameter uncertainty.
//!
//! The engine never runs the model: it proposes parameter sets with run seeds, and takes back
//! one distance per proposal. Reading a calibration file, mapping model metrics to targets and
//! running the town belong to the caller.
//!
//! Architecture invariant: no simulation and no I/O here; randomness only from keyed streams
//! ([`crate::rng`]); every result a function of the settings, the prior and the distances,
//! whatever the thread count or the way the runs were split.

pub mod abc;
pub mod distance;
mod linalg;
pub mod posterior;

pub use abc::{Abc, AbcError, AbcSettings, Generation, Kernel, Particle, Proposal, Stop, run_seed};
pub use distance::{Distance, DistanceError, Target};
pub use posterior::{Posterior, PosteriorError, Summary};
