//! The model: components and resources ([`components`]) and one file per mechanism of the
//! weekly tick. Each mechanism is a bevy system whose parameters say what it reads and writes;
//! mechanisms never call one another and meet only through components and resources, in the
//! order [`crate::sim`] gives them (ODD §3).
//!
//! Architecture invariant: no mechanism draws randomness except from a keyed stream
//! ([`crate::rng`]), iterates in an order that depends on bevy's storage when the result could
//! depend on it, or adds floating-point numbers across residents in parallel.

pub mod batches;
pub mod components;
pub mod resident;

pub mod belonging;
pub mod council_budget;
pub mod council_response;
pub mod encounters;
pub mod gather;
pub mod group_life;
pub mod groups;
pub mod interventions;
pub mod jobs;
pub mod libraries;
pub mod outings;
pub mod participation;
pub mod politics;
pub mod pubs;
pub mod right_to_bid;
pub mod rules;
#[cfg(test)]
pub mod testing;
pub mod trust;
pub mod turnover;
pub mod venues;
pub mod week;

/// The logistic function σ(x) = 1 / (1 + e^−x), with `libm` so every platform agrees.
pub fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-x))
}

/// Whether a draw `u` falls below σ(x): always the same answer as `u < logistic(x)`.
///
/// Most draws are far from σ(x), so a cheap estimate of e^−x, within 0.001% and widened by
/// 0.1% either way, brackets σ(x) and settles the question; only draws inside that narrow
/// bracket pay for the exact `libm` exponential (measured: it was a twentieth of a tick).
/// Rounding keeps the order of the bracket and the exact value, so the answer never differs.
pub fn below_logistic(u: f64, x: f64) -> bool {
    let t = -x * std::f64::consts::LOG2_E;
    if t.is_nan() || t.abs() >= 1000.0 {
        return u < logistic(x);
    }
    // e^−x = 2^t = 2^k · 2^f with k whole and f in [0, 1); 2^f = e^(f ln 2) by its Taylor
    // series to the 7th power (error below 3e-6 of the value).
    let mut k = t as i64;
    if k as f64 > t {
        k -= 1;
    }
    let g = (t - k as f64) * std::f64::consts::LN_2;
    let p = 1.0
        + g * (1.0
            + g * (0.5
                + g * (1.0 / 6.0
                    + g * (1.0 / 24.0 + g * (1.0 / 120.0 + g * (1.0 / 720.0 + g / 5040.0))))));
    let estimate = libm::scalbn(p, k as i32);
    if u < 1.0 / (1.0 + estimate * 1.001) {
        true
    } else if u >= 1.0 / (1.0 + estimate * 0.999) {
        false
    } else {
        u < logistic(x)
    }
}

/// Weekly probability equivalent to a yearly rate: 1 − (1 − r)^(1/52).
pub fn weekly_from_yearly(rate: f64) -> f64 {
    1.0 - libm::pow(
        1.0 - rate.clamp(0.0, 1.0),
        1.0 / f64::from(crate::scenario::WEEKS_PER_YEAR),
    )
}

/// Venues per 1,000 residents.
pub fn per_thousand(venues: u32, residents: u32) -> f32 {
    venues as f32 * 1000.0 / residents.max(1) as f32
}

/// Euclidean distance, km.
pub fn distance(a: [f32; 2], b: [f32; 2]) -> f32 {
    {
        let (dx, dy) = (a[0] - b[0], a[1] - b[1]);
        (dx * dx + dy * dy).sqrt()
    }
}

/// The index whose cumulative weight first exceeds `u` × total.
pub fn weighted_index(weights: &[f64], u: f64) -> usize {
    let total: f64 = weights.iter().sum();
    let mut target = u * total;
    for (i, w) in weights.iter().enumerate() {
        if target < *w {
            return i;
        }
        target -= w;
    }
    weights.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, RngExt, Seeds};

    #[test]
    fn below_logistic_agrees_with_logistic() {
        let mut rng = Seeds::new(11).tick_stream(Purpose::Participation, 0, 0);
        for _ in 0..2_000_000 {
            let x = (rng.random::<f64>() - 0.5) * 60.0;
            let u = rng.random::<f64>();
            assert_eq!(below_logistic(u, x), u < logistic(x), "u {u} x {x}");
            // Draws right at the boundary.
            let s = logistic(x);
            for v in [s, s.next_down(), s.next_up()] {
                assert_eq!(below_logistic(v, x), v < s, "v {v} x {x}");
            }
        }
        for x in [
            0.0,
            -0.0,
            1e-300,
            700.0,
            -700.0,
            1e6,
            -1e6,
            f64::NAN,
            f64::INFINITY,
        ] {
            for u in [0.0, 0.25, 0.5, 0.75, 1.0 - f64::EPSILON] {
                assert_eq!(below_logistic(u, x), u < logistic(x), "u {u} x {x}");
            }
        }
    }
}
