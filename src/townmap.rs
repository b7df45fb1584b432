//! The town map's data: where the wards and the venues are, which venues are open at the start
//! of the run and at the end of every simulated year, and each ward's yearly means. It is what
//! `output::map` draws (`charts/map.png`) and what the seminar page scrubs through year by year.
//!
//! The simulation records every venue's state at the start and after the last week of each
//! year ([`record_venues`], called by `Simulation`) in the world's [`VenueHistory`], so that a
//! checkpoint carries it; [`town_map`] puts the map together at the end. Venues are never despawned, only closed, so a
//! venue's id is its place in every snapshot; one opened by an intervention is absent before it.
//!
//! Architecture invariant: reads the world and never changes it; everything is ordered by our
//! own venue ids, so the map is the same on any number of threads.

use crate::model::components::{Venue, VenueLabels};
use crate::observe::Observations;
use crate::scenario::{Scenario, VenueKind, WEEKS_PER_YEAR};
use bevy_ecs::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A ward as the model sees it: a disc of homes around a centre.
#[derive(Clone, Debug, PartialEq)]
pub struct MapWard {
    pub name: String,
    /// km east and north of the town's origin.
    pub centre_km: [f64; 2],
    pub radius_km: f64,
    /// In [0,1]; 1 is the most deprived.
    pub deprivation: f64,
}

/// A venue's fixed facts: its public label, kind, ward and place.
#[derive(Clone, Debug, PartialEq)]
pub struct MapVenue {
    pub label: String,
    pub kind: VenueKind,
    pub ward: u16,
    pub pos_km: [f32; 2],
}

/// A venue's state at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum VenueState {
    /// Not opened yet (a venue an intervention opens later).
    Absent,
    Open,
    /// Open, but shut by a lockdown that week.
    Shut,
    Closed,
}

impl VenueState {
    /// One letter for compact JSON: `-`, `o`, `s`, `c`.
    pub fn code(self) -> char {
        match self {
            VenueState::Absent => '-',
            VenueState::Open => 'o',
            VenueState::Shut => 's',
            VenueState::Closed => 'c',
        }
    }
}

/// Everything the town map shows, over the whole run.
#[derive(Clone, Debug, Default)]
pub struct TownMap {
    /// Calendar year of the first simulated year.
    pub start_year: i32,
    pub wards: Vec<MapWard>,
    /// By venue id.
    pub venues: Vec<MapVenue>,
    /// `states[0]`: every venue at the start of the first year; `states[y + 1]`: at the end of
    /// simulated year `y`. Each row has one entry per venue.
    pub states: Vec<Vec<VenueState>>,
    /// Yearly means of every ward-level metric: (ward, metric) → one value per year.
    pub ward_years: BTreeMap<(u16, &'static str), Vec<f64>>,
    /// Every ward-level metric in the first recorded week: (ward, metric) → value. The map's
    /// start panel is shaded by it, so that the venues and the shading it shows are of the
    /// same moment, before any intervention of the first year has acted.
    pub ward_start: BTreeMap<(u16, &'static str), f64>,
}

impl TownMap {
    /// Number of simulated years recorded.
    pub fn years(&self) -> usize {
        self.states.len().saturating_sub(1)
    }

    /// The state of every venue at the end of year index `year` (0 = first year), or at the
    /// start when `year` is `None`.
    pub fn states_at(&self, year: Option<usize>) -> &[VenueState] {
        let row = year.map_or(0, |y| y + 1);
        self.states
            .get(row)
            .or(self.states.last())
            .map_or(&[][..], Vec::as_slice)
    }

    /// The mean of ward metric `metric` in ward `ward` over year index `year`.
    pub fn ward_value(&self, ward: u16, metric: &str, year: usize) -> Option<f64> {
        self.ward_years
            .iter()
            .find(|((w, m), _)| *w == ward && *m == metric)
            .and_then(|(_, v)| v.get(year).copied())
            .filter(|v| v.is_finite())
    }

    /// The value of ward metric `metric` in ward `ward` in the first recorded week.
    pub fn ward_start_value(&self, ward: u16, metric: &str) -> Option<f64> {
        self.ward_start
            .iter()
            .find(|((w, m), _)| *w == ward && *m == metric)
            .map(|(_, v)| *v)
            .filter(|v| v.is_finite())
    }
}

/// Yearly means of every ward-level series: sums in tick order, then divided by the weeks seen.
pub fn ward_years(obs: &Observations) -> BTreeMap<(u16, &'static str), Vec<f64>> {
    let mut sums: BTreeMap<(u16, &'static str), Vec<(f64, u32)>> = BTreeMap::new();
    for o in &obs.0 {
        let Some(ward) = o.ward else { continue };
        let year = (o.tick / WEEKS_PER_YEAR) as usize;
        let years = sums.entry((ward, o.metric)).or_default();
        if years.len() <= year {
            years.resize(year + 1, (0.0, 0));
        }
        years[year].0 += o.value;
        years[year].1 += 1;
    }
    sums.into_iter()
        .map(|(k, v)| {
            let means = v
                .into_iter()
                .map(|(sum, n)| if n == 0 { f64::NAN } else { sum / f64::from(n) })
                .collect();
            (k, means)
        })
        .collect()
}

/// Every ward-level metric's value in the first week observed: (ward, metric) → value.
pub fn ward_start(obs: &Observations) -> BTreeMap<(u16, &'static str), f64> {
    let first = obs.0.iter().map(|o| o.tick).min();
    obs.0
        .iter()
        .filter(|o| Some(o.tick) == first)
        .filter_map(|o| Some(((o.ward?, o.metric), o.value)))
        .collect()
}

/// Every venue's state (by venue id) at the start of the run and at the end of each simulated
/// year so far.
#[derive(Resource, Clone, Debug, Default, Serialize, Deserialize)]
pub struct VenueHistory(pub Vec<Vec<VenueState>>);

/// Appends every venue's state as of recorded tick `tick` to the world's [`VenueHistory`].
pub fn record_venues(world: &mut World, tick: u32) {
    let mut venues: Vec<(u16, VenueState)> = world
        .query::<&Venue>()
        .iter(world)
        .map(|v| {
            let state = if !v.open {
                VenueState::Closed
            } else if v.usable(tick) {
                VenueState::Open
            } else {
                VenueState::Shut
            };
            (v.id, state)
        })
        .collect();
    venues.sort_by_key(|(id, _)| *id);
    let mut row = vec![VenueState::Absent; venues.last().map_or(0, |(id, _)| *id as usize + 1)];
    for (id, state) in venues {
        row[id as usize] = state;
    }
    world
        .get_resource_or_insert_with(VenueHistory::default)
        .0
        .push(row);
}

/// The town map of a simulation: wards from its scenario, venues as they stand, their recorded
/// history, and each ward's yearly means from `observations`.
pub fn town_map(world: &mut World, scenario: &Scenario, observations: &Observations) -> TownMap {
    let wards = scenario
        .town
        .wards
        .iter()
        .map(|w| MapWard {
            name: w.name.clone(),
            centre_km: w.centre_km,
            radius_km: w.radius_km,
            deprivation: w.deprivation,
        })
        .collect();
    let labels = world
        .get_resource::<VenueLabels>()
        .map(|l| l.0.clone())
        .unwrap_or_default();
    let mut venues: Vec<Venue> = world.query::<&Venue>().iter(world).cloned().collect();
    venues.sort_by_key(|v| v.id);
    let venues: Vec<MapVenue> = venues
        .iter()
        .map(|v| MapVenue {
            label: labels.get(v.id as usize).cloned().unwrap_or_default(),
            kind: v.kind,
            ward: v.ward,
            pos_km: v.pos_km,
        })
        .collect();
    let mut states = world
        .get_resource::<VenueHistory>()
        .map(|h| h.0.clone())
        .unwrap_or_default();
    for row in &mut states {
        row.resize(venues.len(), VenueState::Absent);
    }
    TownMap {
        start_year: scenario.time.start_year,
        wards,
        venues,
        states,
        ward_years: ward_years(observations),
        ward_start: ward_start(observations),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Seeds;

    #[test]
    fn records_the_start_and_every_year_end_and_new_venues() {
        let text = r#"
[time]
years = 2
warmup_weeks = 4
[town]
residents = 300
[[events]]
kind = "invest"
year = 2011
week = 10
venue_kind = "library"
ward = "Pithead"
[[events]]
kind = "close"
year = 2010
week = 5
venue_kind = "pub"
count = 2
"#;
        let s = Scenario::from_toml(text, "t.toml").unwrap();
        let mut out = crate::run::to_end(&s, Seeds::new(3));
        let map = std::mem::take(&mut out.map);
        assert_eq!(map.years(), 2);
        assert_eq!(map.states.len(), 3);
        let initial = s.venues.pubs.count + 1 + 2 + 1 + 3 + 4 + 3;
        assert_eq!(
            map.venues.len(),
            initial as usize + 1,
            "the invested library"
        );
        assert!(map.states.iter().all(|r| r.len() == map.venues.len()));
        let new = map.venues.len() - 1;
        assert_eq!(map.venues[new].kind, VenueKind::Library);
        assert_eq!(map.states[0][new], VenueState::Absent);
        assert_eq!(map.states[1][new], VenueState::Absent);
        assert_eq!(map.states[2][new], VenueState::Open);
        assert!(
            map.states[0]
                .iter()
                .take(initial as usize)
                .all(|s| *s == VenueState::Open)
        );
        let closed = map.states[1]
            .iter()
            .filter(|s| **s == VenueState::Closed)
            .count();
        assert!(closed >= 2, "two pubs closed in 2010, {closed} closed");
        assert!(map.venues.iter().all(|v| !v.label.is_empty()));
        assert!(map.ward_value(1, "belonging", 1).is_some());
        assert!(map.ward_start_value(1, "belonging").is_some());
        assert_eq!(out.ward_names.len(), map.wards.len());
    }
}
