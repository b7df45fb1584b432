//! Step 11, observation: the week's town-wide and per-ward aggregates.
//!
//! Reductions are in fixed point: each resident's value is rounded to an integer number of
//! billionths and the integers are added, which gives the same sum in any order and on any
//! number of threads. Nothing is recorded during the warm-up.

use crate::metrics::{Compute, METRICS, ResidentView, TownView};
use crate::model::batches::{self, Collector};
use crate::model::components::*;
use crate::scenario::Owner;
use bevy_ecs::prelude::*;

pub use crate::metrics::open_metric;

/// One aggregate value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observation {
    pub tick: u32,
    /// `None` for the whole town.
    pub ward: Option<u16>,
    pub metric: &'static str,
    pub value: f64,
}

/// Every observation of the run, in (tick, town then wards, metric) order.
#[derive(Resource, Default, Clone)]
pub struct Observations(pub Vec<Observation>);

impl Observations {
    /// The series of one metric for the town (`ward = None`) or a ward: (tick, value).
    pub fn series(&self, ward: Option<u16>, metric: &str) -> Vec<(u32, f64)> {
        self.0
            .iter()
            .filter(|o| o.ward == ward && o.metric == metric)
            .map(|o| (o.tick, o.value))
            .collect()
    }
}

const SCALE: f64 = 1e9;

/// `x` in billionths, rounded half away from zero (as `f64::round`).
fn fixed(x: f32) -> i64 {
    let y = f64::from(x) * SCALE;
    // Below 2^52, y + 0.5 is exact, so truncating it rounds a non-negative y exactly as
    // `round` does, without the library call `round` costs (measured: a third of this step).
    if (0.0..4_503_599_627_370_496.0).contains(&y) {
        (y + 0.5) as i64
    } else {
        y.round() as i64
    }
}

/// How a resident metric is computed from one resident.
type PerResident = fn(&ResidentView) -> f32;

/// The resident metrics, in table order, each with its weight if it has one.
fn resident_metrics() -> Vec<(&'static str, PerResident, Option<PerResident>)> {
    METRICS
        .iter()
        .filter_map(|m| match m.compute {
            Compute::Resident(f) => Some((m.name, f, None)),
            Compute::Weighted(f, w) => Some((m.name, f, Some(w))),
            Compute::Town(_) => None,
        })
        .collect()
}

/// What observation reads of each resident.
type Observed<'a> = (
    &'a Resident,
    &'a TrustState,
    &'a Attitudes,
    &'a Recent,
    &'a Civic,
    &'a Memberships,
    &'a Ties,
    &'a Politics,
);

/// One task's sums, by ward (`ward * metrics + metric`): each resident metric's sum in
/// billionths, its weight's sum for a weighted metric, residents counted, ties held.
#[derive(Default)]
struct Sums {
    sums: Vec<i64>,
    weights: Vec<i64>,
    counts: Vec<i64>,
    ties: u64,
}

impl Sums {
    fn new(wards: usize, metrics: usize) -> Sums {
        Sums {
            sums: vec![0; wards * metrics],
            weights: vec![0; wards * metrics],
            counts: vec![0; wards],
            ties: 0,
        }
    }

    /// Adds another task's sums.
    fn add(&mut self, other: &Sums) {
        for (a, b) in self.sums.iter_mut().zip(&other.sums) {
            *a += b;
        }
        for (a, b) in self.weights.iter_mut().zip(&other.weights) {
            *a += b;
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.ties += other.ties;
    }
}

#[allow(clippy::too_many_arguments)]
pub fn observe(
    residents: Query<Observed>,
    venues: Query<&Venue>,
    groups: Query<&Group>,
    council: Res<CouncilState>,
    wards: Res<Wards>,
    config: Res<Config>,
    clock: Res<Clock>,
    mut out: ResMut<Observations>,
) {
    if clock.warming_up() {
        return;
    }
    let s = &config.0;
    let n_wards = wards.names.len();
    let per_resident = resident_metrics();
    let m = per_resident.len();
    let (trusting, belongs, influence) = (
        s.trust.trusting_threshold as f32,
        s.belonging.belonging_threshold as f32,
        s.participation.influence_threshold as f32,
    );
    // Each task adds its residents into its own sums; the integer sums are then added up, which
    // gives the same totals whichever task took which residents.
    let tasks: Collector<Sums> = Collector::default();
    batches::each_init(
        residents,
        || {
            let mut batch = tasks.batch();
            batch.value = Sums::new(n_wards, m);
            batch
        },
        |batch, (r, trust, attitudes, recent, civic, memberships, ties, politics)| {
            let sums = &mut batch.value;
            sums.ties += u64::from(ties.len);
            let view = ResidentView {
                resident: r,
                trust,
                attitudes,
                recent,
                civic,
                memberships,
                politics,
                now: clock.now(),
                trusting,
                belongs,
                influence,
            };
            let w = r.ward as usize;
            sums.counts[w] += 1;
            let row = w * m..(w + 1) * m;
            for ((sum, weight), (_, f, by)) in sums.sums[row.clone()]
                .iter_mut()
                .zip(&mut sums.weights[row])
                .zip(&per_resident)
            {
                match by {
                    None => *sum += fixed(f(&view)),
                    Some(by) => {
                        let b = by(&view);
                        *sum += fixed(f(&view) * b);
                        *weight += fixed(b);
                    }
                }
            }
        },
    );
    let mut total = Sums::new(n_wards, m);
    for part in tasks.into_batches() {
        total.add(&part);
    }
    let Sums {
        sums,
        weights,
        counts,
        ties: ties_total,
    } = total;
    let tick = clock.tick();
    let mut push = |ward: Option<u16>, metric: &'static str, value: f64| {
        out.0.push(Observation {
            tick,
            ward,
            metric,
            value,
        })
    };
    let mut ward_views: Vec<TownView> = counts
        .iter()
        .map(|&n| TownView {
            open_by_kind: [0; 7],
            community_owned: 0,
            council_budget_gbp: council.discretionary_gbp,
            groups_active: 0,
            residents: n as u64,
            ties: 0,
        })
        .collect();
    let mut town = TownView {
        open_by_kind: [0; 7],
        community_owned: 0,
        council_budget_gbp: council.discretionary_gbp,
        groups_active: groups.iter().filter(|g| g.active).count() as u32,
        residents: counts.iter().sum::<i64>() as u64,
        ties: ties_total,
    };
    for v in venues.iter().filter(|v| v.open) {
        town.open_by_kind[v.kind.index()] += 1;
        ward_views[v.ward as usize].open_by_kind[v.kind.index()] += 1;
        if v.owner == Owner::Community {
            town.community_owned += 1;
        }
    }
    // A mean over residents, or for a weighted metric the weighted mean (0 with no weight).
    let mean = |i: usize, sum: i64, weight: i64, n: i64| {
        if per_resident[i].2.is_some() {
            if weight > 0 {
                sum as f64 / weight as f64
            } else {
                0.0
            }
        } else {
            sum as f64 / SCALE / n.max(1) as f64
        }
    };
    for (i, (name, ..)) in per_resident.iter().enumerate() {
        let sum: i64 = (0..n_wards).map(|w| sums[w * m + i]).sum();
        let weight: i64 = (0..n_wards).map(|w| weights[w * m + i]).sum();
        push(None, name, mean(i, sum, weight, town.residents as i64));
    }
    for metric in METRICS {
        if let Compute::Town(f) = metric.compute {
            push(None, metric.name, f(&town));
        }
    }
    for (w, view) in ward_views.iter().enumerate() {
        for (i, (name, ..)) in per_resident.iter().enumerate() {
            let at = w * m + i;
            push(
                Some(w as u16),
                name,
                mean(i, sums[at], weights[at], counts[w]),
            );
        }
        for metric in METRICS.iter().filter(|m| m.per_ward) {
            if let Compute::Town(f) = metric.compute {
                push(Some(w as u16), metric.name, f(view));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_rounds_as_round_does() {
        let mut x = 0.0f32;
        while x < 1.0 {
            assert_eq!(fixed(x), (f64::from(x) * SCALE).round() as i64, "{x}");
            x = f32::from_bits(x.to_bits() + 997);
        }
        for x in [-1.0f32, -0.5, 0.5, 1.0, 1e7, 1e30, f32::NAN, f32::INFINITY] {
            assert_eq!(fixed(x), (f64::from(x) * SCALE).round() as i64, "{x}");
        }
    }
}
