//! Step 11, observation: the week's town-wide and per-ward aggregates.
//!
//! Reductions are in fixed point: each resident's value is rounded to an integer number of
//! billionths and the integers are added, which gives the same sum in any order and on any
//! number of threads (DESIGN.md §3). Nothing is recorded during the warm-up.

use crate::model::components::*;
use crate::scenario::{Owner, VenueKind};
use bevy_ecs::prelude::*;

/// Resident metrics, reported for the town (`all`) and for each ward. All lie in [0,1].
pub const RESIDENT_METRICS: [&str; 14] = [
    "trust",
    "share_trusting",
    "council_trust",
    "belonging",
    "efficacy_internal",
    "efficacy_external",
    "agency",
    "share_belonging",
    "share_influence",
    "neighbour_contact",
    "participation",
    "participation_year",
    "isolated",
    "group_members",
];

/// Counts and money, reported for the town only (`venues_open` also per ward).
pub const TOWN_METRICS: [&str; 13] = [
    "venues_open",
    "pubs_open",
    "open_library",
    "open_community_centre",
    "open_welfare_hall",
    "open_park",
    "open_sports_club",
    "open_place_of_worship",
    "community_owned_venues",
    "council_budget",
    "groups_active",
    "residents",
    "mean_ties",
];

/// The metric that counts open venues of `kind`.
pub fn open_metric(kind: VenueKind) -> &'static str {
    match kind {
        VenueKind::Pub => "pubs_open",
        VenueKind::Library => "open_library",
        VenueKind::CommunityCentre => "open_community_centre",
        VenueKind::WelfareHall => "open_welfare_hall",
        VenueKind::Park => "open_park",
        VenueKind::SportsClub => "open_sports_club",
        VenueKind::PlaceOfWorship => "open_place_of_worship",
    }
}

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

#[allow(clippy::too_many_arguments)]
pub fn observe(
    residents: Query<(
        &Resident,
        &TrustState,
        &Attitudes,
        &Recent,
        &Civic,
        &Memberships,
        &Ties,
    )>,
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
    let mut sums = vec![[0i64; RESIDENT_METRICS.len()]; n_wards];
    let mut counts = vec![0i64; n_wards];
    let now = clock.now();
    let trusting = s.trust.trusting_threshold as f32;
    let belongs = s.belonging.belonging_threshold as f32;
    let influence = s.participation.influence_threshold as f32;
    let one = fixed(1.0);
    let flag = |b: bool| if b { one } else { 0 };
    let mut ties_total: u64 = 0;
    for (r, trust, a, recent, civic, memberships, ties) in residents.iter() {
        ties_total += u64::from(ties.len);
        let t = trust.mean();
        let values = [
            fixed(t),
            flag(t > trusting),
            fixed(a.council_trust),
            fixed(a.belonging),
            fixed(a.efficacy_internal),
            fixed(a.efficacy_external),
            fixed(a.agency()),
            flag(a.belonging > belongs),
            flag(a.agency() > influence),
            flag(recent.total_local_ties_met() > 0),
            flag(civic.participated),
            flag(now - civic.last_participated < crate::scenario::WEEKS_PER_YEAR as i32),
            flag(recent.total_encounters() == 0),
            flag(memberships.len > 0),
        ];
        let w = r.ward as usize;
        counts[w] += 1;
        for (sum, v) in sums[w].iter_mut().zip(values) {
            *sum += v;
        }
    }
    let tick = clock.tick();
    let mut push = |ward: Option<u16>, metric: &'static str, value: f64| {
        out.0.push(Observation {
            tick,
            ward,
            metric,
            value,
        })
    };

    let mut open_by_kind = [0u32; 7];
    let mut open_by_ward = vec![0u32; n_wards];
    let mut community = 0;
    for v in venues.iter().filter(|v| v.open) {
        open_by_kind[v.kind.index()] += 1;
        open_by_ward[v.ward as usize] += 1;
        if v.owner == Owner::Community {
            community += 1;
        }
    }
    let total_counts: i64 = counts.iter().sum();
    let mut town = [0i64; RESIDENT_METRICS.len()];
    for ward in &sums {
        for (t, w) in town.iter_mut().zip(ward) {
            *t += w;
        }
    }
    let mean = |sum: i64, n: i64| sum as f64 / SCALE / n.max(1) as f64;
    for (m, name) in RESIDENT_METRICS.iter().enumerate() {
        push(None, name, mean(town[m], total_counts));
    }
    let open_total: u32 = open_by_kind.iter().sum();
    for name in TOWN_METRICS {
        let by_kind = VenueKind::ALL.iter().find(|k| open_metric(**k) == name);
        let value = match name {
            _ if by_kind.is_some() => by_kind.map_or(0.0, |k| f64::from(open_by_kind[k.index()])),
            "venues_open" => f64::from(open_total),
            "community_owned_venues" => f64::from(community),
            "council_budget" => council.discretionary_gbp.round(),
            "groups_active" => groups.iter().filter(|g| g.active).count() as f64,
            "residents" => total_counts as f64,
            "mean_ties" => (ties_total as f64 / total_counts.max(1) as f64 * 1e6).round() / 1e6,
            _ => unreachable!("every town metric has a value"),
        };
        push(None, name, value);
    }
    for w in 0..n_wards {
        for (m, name) in RESIDENT_METRICS.iter().enumerate() {
            push(Some(w as u16), name, mean(sums[w][m], counts[w]));
        }
        push(Some(w as u16), "venues_open", f64::from(open_by_ward[w]));
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
