//! Global sensitivity analysis: how much of the spread of a model's output each parameter
//! accounts for, alone and with its interactions.
//!
//! - [`sobol`]: Saltelli's design and the Sobol first-order and total indices, with bootstrap
//!   intervals.
//!
//! The engines here are pure library code: they produce the points to run and turn the outputs
//! of those runs (handed back in point order) into indices. Running the model, and deciding
//! which metric is analysed, belongs to the caller (a sweep's `[sobol]` design).
//!
//! Architecture invariant: no simulation and no I/O here; randomness only from keyed streams
//! ([`crate::rng`]); results independent of the thread count.

pub mod sobol;

pub use sobol::{Interval, Role, SaltelliDesign, SobolError, SobolIndices, indices};
