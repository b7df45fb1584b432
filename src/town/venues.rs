//! Placing the town's venues: how many of each kind in each ward, where, how big and how good.
//! Pubs vary in size (small pubs close more often: ONS 2018), and a venue's running cost scales
//! with its size.

use super::{label_venues, largest_remainder};
use crate::model::components::{RECENT_WEEKS, Venue};
use crate::rng::{Purpose, RngExt, Seeds, normal};
use crate::scenario::{Placement, Scenario, VenueKind};

/// Venues sit within this share of their ward's radius from its centre.
const SPREAD_WITHIN_RADIUS: f64 = 0.7;

/// The venues of the town, ids in kind order then ward order, and their labels.
pub fn place(s: &Scenario, seeds: Seeds) -> (Vec<Venue>, Vec<String>) {
    let wards = &s.town.wards;
    let mut venues = Vec::new();
    for kind in VenueKind::ALL {
        let spec = s.venues.spec(kind);
        for ward in allocate(s, kind, spec.count) {
            let id = venues.len() as u16;
            let mut rng = seeds.stream(Purpose::TownVenues, u64::from(id), 0);
            let w = &wards[ward as usize];
            let r = w.radius_km * SPREAD_WITHIN_RADIUS * rng.random::<f64>().sqrt();
            let angle = std::f64::consts::TAU * rng.random::<f64>();
            let size = if kind == VenueKind::Pub {
                0.6 + 0.8 * rng.random::<f64>()
            } else {
                1.0
            };
            let capacity = ((f64::from(spec.capacity) * size).round() as u32).max(1);
            let quality = (spec.quality + spec.quality_spread * normal(&mut rng)).clamp(0.05, 1.0);
            venues.push(Venue {
                id,
                kind,
                owner: spec.owner,
                ward,
                pos_km: [
                    (w.centre_km[0] + r * libm::cos(angle)) as f32,
                    (w.centre_km[1] + r * libm::sin(angle)) as f32,
                ],
                capacity,
                quality: quality as f32,
                weekly_cost_gbp: (spec.weekly_cost_gbp * size) as f32,
                visit_cost_gbp: spec.visit_cost_gbp as f32,
                open: true,
                shut_until: 0,
                funded_until: 0,
                visits: [0; RECENT_WEEKS],
                opened_step: -((s.belonging.service_years_at_start
                    * f64::from(crate::scenario::WEEKS_PER_YEAR))
                .round() as i32),
                bid: None,
                closure_hazard: 0.0,
            });
        }
    }
    let labels = label_venues(&venues);
    (venues, labels)
}

/// The ward of each of `count` venues of `kind`, by the kind's placement rule.
fn allocate(s: &Scenario, kind: VenueKind, count: u32) -> Vec<u16> {
    let wards = &s.town.wards;
    let n = wards.len();
    let order: Vec<usize> = match s.venues.spec(kind).placement {
        Placement::Spread => {
            let shares: Vec<f64> = wards.iter().map(|w| w.housing_share).collect();
            let counts = largest_remainder(count, &shares);
            return counts
                .iter()
                .enumerate()
                .flat_map(|(w, &c)| std::iter::repeat_n(w as u16, c as usize))
                .collect();
        }
        Placement::Centre => (0..n).collect(),
        Placement::Deprived => {
            let mut o: Vec<usize> = (0..n).collect();
            o.sort_by(|&a, &b| {
                wards[b]
                    .deprivation
                    .total_cmp(&wards[a].deprivation)
                    .then(a.cmp(&b))
            });
            o
        }
    };
    (0..count as usize).map(|i| order[i % n] as u16).collect()
}
