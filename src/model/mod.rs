//! The model: components and resources ([`components`]) and one file per mechanism of the
//! weekly tick. Each mechanism is a bevy system whose parameters say what it reads and writes;
//! mechanisms never call one another and meet only through components and resources, in the
//! order [`crate::sim`] gives them (DESIGN.md §2).
//!
//! Architecture invariant: no mechanism draws randomness except from a keyed stream
//! ([`crate::rng`]), iterates in an order that depends on bevy's storage when the result could
//! depend on it, or adds floating-point numbers across residents in parallel.

pub mod components;

pub mod belonging;
pub mod council_budget;
pub mod council_response;
pub mod economy;
pub mod encounters;
pub mod gather;
pub mod groups;
pub mod interventions;
pub mod outings;
pub mod participation;
pub mod rules;
pub mod trust;
pub mod turnover;
pub mod venues;
pub mod week;

/// The logistic function σ(x) = 1 / (1 + e^−x), with `libm` so every platform agrees.
pub fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-x))
}

/// Weekly probability equivalent to a yearly rate: 1 − (1 − r)^(1/52).
pub fn weekly_from_yearly(rate: f64) -> f64 {
    1.0 - libm::pow(
        1.0 - rate.clamp(0.0, 1.0),
        1.0 / f64::from(crate::scenario::WEEKS_PER_YEAR),
    )
}
