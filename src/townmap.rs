//! The town map's data: where the wards and the venues are, which venues are open at the start
//! of the run and at the end of every simulated year, and each ward's yearly means. It is what
//! `output::map` draws (`charts/map.png`) and what the seminar page scrubs through year by year.
//!
//! A [`MapRecorder`] watches a running [`Simulation`]: it reads the venues once at the start
//! and again after the last week of each year. Venues are never despawned, only closed, so a
//! venue's id is its place in every snapshot; one opened by an intervention is absent before it.
//!
//! Architecture invariant: reads the world and never changes it; everything is ordered by our
//! own venue ids, so the map is the same on any number of threads.

use crate::compare::ward_years;
use crate::model::components::{Venue, VenueLabels};
use crate::observe::Observations;
use crate::scenario::{Scenario, VenueKind, WEEKS_PER_YEAR};
use crate::sim::Simulation;
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
}

/// Records a [`TownMap`] while a simulation runs.
pub struct MapRecorder {
    map: TownMap,
    warmup: u32,
}

impl MapRecorder {
    /// Starts recording: reads the wards from `scenario` and the venues as they stand now.
    pub fn new(scenario: &Scenario, sim: &mut Simulation) -> MapRecorder {
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
        let mut recorder = MapRecorder {
            map: TownMap {
                start_year: scenario.time.start_year,
                wards,
                ..TownMap::default()
            },
            warmup: scenario.time.warmup_weeks,
        };
        recorder.snapshot(sim, 0);
        recorder
    }

    /// Call after every step: takes a snapshot when a simulated year has just ended.
    pub fn after_step(&mut self, sim: &mut Simulation) {
        let done = sim.steps_done();
        if done > self.warmup && (done - self.warmup).is_multiple_of(WEEKS_PER_YEAR) {
            self.snapshot(sim, done - self.warmup - 1);
        }
    }

    /// The finished map, with each ward's yearly means taken from the run's observations.
    pub fn finish(mut self, observations: &Observations) -> TownMap {
        let n = self.map.venues.len();
        for row in &mut self.map.states {
            row.resize(n, VenueState::Absent);
        }
        self.map.ward_years = ward_years(observations);
        self.map
    }

    /// Reads every venue's state as of recorded tick `tick`.
    fn snapshot(&mut self, sim: &mut Simulation, tick: u32) {
        let world = sim.world_mut();
        let mut venues: Vec<Venue> = world.query::<&Venue>().iter(world).cloned().collect();
        venues.sort_by_key(|v| v.id);
        let labels = world
            .get_resource::<VenueLabels>()
            .map(|l| l.0.clone())
            .unwrap_or_default();
        let mut row = vec![VenueState::Absent; self.map.venues.len().max(venues.len())];
        for v in &venues {
            let id = v.id as usize;
            if id >= self.map.venues.len() {
                self.map.venues.resize(
                    id + 1,
                    MapVenue {
                        label: String::new(),
                        kind: v.kind,
                        ward: v.ward,
                        pos_km: v.pos_km,
                    },
                );
            }
            self.map.venues[id] = MapVenue {
                label: labels.get(id).cloned().unwrap_or_default(),
                kind: v.kind,
                ward: v.ward,
                pos_km: v.pos_km,
            };
            if id >= row.len() {
                row.resize(id + 1, VenueState::Absent);
            }
            row[id] = if !v.open {
                VenueState::Closed
            } else if v.usable(tick) {
                VenueState::Open
            } else {
                VenueState::Shut
            };
        }
        self.map.states.push(row);
    }
}

/// Runs `scenario` to the end while recording its map; calls `progress` after every week.
pub fn run_recording(
    scenario: &Scenario,
    seeds: crate::Seeds,
    mut progress: impl FnMut(&Simulation),
) -> (crate::RunOutput, TownMap) {
    let mut sim = Simulation::new(scenario, seeds);
    let mut recorder = MapRecorder::new(scenario, &mut sim);
    while sim.step() {
        recorder.after_step(&mut sim);
        progress(&sim);
    }
    let out = sim.into_output();
    let map = recorder.finish(&out.observations);
    (out, map)
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
        let (out, map) = run_recording(&s, Seeds::new(3), |_| {});
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
        assert_eq!(out.ward_names.len(), map.wards.len());
    }
}
