//! Opening, closing and transferring venues: the bookkeeping every mechanism that changes the
//! town's venues shares, so that each change is logged, remembered and seen by venue choice.
//!
//! Asset transfer: when a community right to bid exists, a listed pub that would close may go
//! into a moratorium during which a group may raise the price, and a council building may pass
//! to a capable group (right_to_bid.rs has the rule and its sources). Volunteers then run it for
//! less.

use super::components::*;
use super::right_to_bid::{ELIGIBLE, listed};
use crate::rng::{Purpose, RngExt};
use crate::scenario::Owner;
use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemParam;

/// Why a venue closed, in the words of `events.csv`'s detail. The report reads a run's events
/// back and words each cause for a reader (`report::story`), so every cause is named here once.
pub mod cause {
    pub const COUNCIL_BUDGET: &str = "the council's venue budget no longer covers it";
    pub const LIBRARY_CUTS: &str = "the council's library service shrinks under cuts";
    pub const UNPROFITABLE: &str = "takings no longer cover its costs";
    pub const SOLD_UP: &str = "the trade no longer pays (owner sold up)";
    pub const SCHEDULED: &str = "scheduled closure";
    pub const NO_BID: &str = "no community bid succeeded in the moratorium";
    /// Every cause, for the report's wording and its test.
    pub const ALL: [&str; 6] = [
        COUNCIL_BUDGET,
        LIBRARY_CUTS,
        UNPROFITABLE,
        SOLD_UP,
        SCHEDULED,
        NO_BID,
    ];
}

/// What changing a venue touches: the event log, the memory of closures, the layout version.
#[derive(SystemParam)]
pub struct Ledger<'w> {
    pub log: ResMut<'w, EventLog>,
    pub closures: ResMut<'w, Closures>,
    pub layout: ResMut<'w, Layout>,
    pub labels: ResMut<'w, VenueLabels>,
    pub clock: Res<'w, Clock>,
    pub config: Res<'w, Config>,
    pub seeds: Res<'w, RunSeeds>,
}

impl Ledger<'_> {
    /// Closes `venue` for `cause`.
    pub fn close(&mut self, venue: &mut Venue, cause: &str) {
        venue.open = false;
        let tick = self.clock.tick();
        let served_weeks = self.clock.now() - venue.opened_step;
        self.closures.list.push(ClosureRecord {
            tick,
            ward: venue.ward,
            owner: venue.owner,
            service_weight: service_weight(&self.config.0.belonging, served_weeks),
        });
        self.layout.change(venue.id);
        self.log.0.push(EventRecord {
            tick,
            kind: "close",
            venue: Some(self.labels.0[venue.id as usize].clone()),
            ward: Some(venue.ward),
            detail: format!("{} closed: {cause}", venue.kind.name()),
        });
    }

    /// Records a new venue (already given the next id): its label, the layout change and an
    /// `open` event.
    pub fn opened(&mut self, venue: &Venue, cause: &str) {
        let prefix = format!("{}-", venue.kind.name().replace('_', "-"));
        let number = self
            .labels
            .0
            .iter()
            .filter(|l| l.starts_with(&prefix))
            .count() as u32
            + 1;
        let label = venue_label(venue.kind, number);
        self.labels.0.push(label.clone());
        self.layout.change(venue.id);
        self.closures.openings.push(ClosureRecord {
            tick: self.clock.tick(),
            ward: venue.ward,
            owner: venue.owner,
            service_weight: service_weight(&self.config.0.belonging, 0),
        });
        self.log.0.push(EventRecord {
            tick: self.clock.tick(),
            kind: "open",
            venue: Some(label),
            ward: Some(venue.ward),
            detail: format!("{} opened: {cause}", venue.kind.name()),
        });
    }

    /// Passes `venue` to `group` instead of closing it.
    pub fn transfer(
        &mut self,
        venue: &mut Venue,
        group: &mut Group,
        cost_saving: f32,
        cause: &str,
    ) {
        venue.owner = Owner::Community;
        venue.weekly_cost_gbp *= 1.0 - cost_saving;
        group.assets += 1;
        self.log.0.push(EventRecord {
            tick: self.clock.tick(),
            kind: "transfer",
            venue: Some(self.labels.0[venue.id as usize].clone()),
            ward: Some(venue.ward),
            detail: format!(
                "{} passed to {} {} instead of closing: {cause}",
                venue.kind.name(),
                group.kind.name(),
                group.id
            ),
        });
    }

    /// Closes `venue`, unless a community right to bid exists (or, for a library, always) and
    /// a group takes it on: a listed pub goes into a moratorium (shut while a group tries to
    /// raise the price; right_to_bid.rs ends it), a council building may pass to a capable
    /// group by asset transfer.
    pub fn close_or_transfer(
        &mut self,
        venue: &mut Venue,
        groups: &mut Query<&mut Group>,
        group_index: &GroupIndex,
        right_to_bid: bool,
        cause: &str,
    ) {
        let c = &self.config.0.council;
        let (threshold, saving) = (
            c.transfer_capacity_threshold as f32,
            self.config.0.economy.community_cost_saving as f32,
        );
        let seeds = self.seeds.0;
        let step = self.clock.step;
        let mut rng = seeds.tick_stream(Purpose::RightToBid, u64::from(venue.id), step);
        let draw = rng.random::<f64>();
        if right_to_bid && venue.owner == Owner::Private {
            if listed(&seeds, venue.id, c.acv_listed_share)
                && draw < c.moratorium_trigger_probability
                && let Some(id) = bidder(
                    groups.iter().filter(|g| ELIGIBLE.contains(&g.kind)),
                    venue.ward,
                    threshold,
                )
            {
                let until = self.clock.tick() + c.moratorium_weeks;
                venue.bid = Some((until, id));
                venue.shut_until = until;
                self.log.0.push(EventRecord {
                    tick: self.clock.tick(),
                    kind: "moratorium",
                    venue: Some(self.labels.0[venue.id as usize].clone()),
                    ward: Some(venue.ward),
                    detail: format!(
                        "{} up for sale ({cause}); group {id} has {} weeks to raise the price",
                        venue.kind.name(),
                        c.moratorium_weeks
                    ),
                });
                return;
            }
        } else if right_to_bid
            && venue.owner == Owner::Council
            && draw < c.asset_transfer_probability
            && let Some(id) = bidder(groups.iter(), venue.ward, threshold)
            && let Ok(mut group) = groups.get_mut(group_index.0[id as usize])
        {
            self.transfer(venue, &mut group, saving, cause);
            return;
        }
        self.close(venue, cause);
    }

    /// Records something that happened to the town as a whole or to a group.
    pub fn note(&mut self, kind: &'static str, ward: Option<u16>, detail: String) {
        self.log.0.push(EventRecord {
            tick: self.clock.tick(),
            kind,
            venue: None,
            ward,
            detail,
        });
    }
}

/// How much a venue's closing or opening signals to the ward, by the weeks it had served it:
/// `new_venue_signal + (1 − new_venue_signal) · min(1, years / service_years_for_full_signal)`,
/// so a venue that has served for `service_years_for_full_signal` or more counts fully and a new
/// one counts `new_venue_signal` (docs/evidence/places.md §9; assumed).
pub fn service_weight(b: &crate::scenario::Belonging, served_weeks: i32) -> f32 {
    let years = f64::from(served_weeks.max(0)) / f64::from(crate::scenario::WEEKS_PER_YEAR);
    let full = b.service_years_for_full_signal.max(f64::MIN_POSITIVE);
    (b.new_venue_signal + (1.0 - b.new_venue_signal) * (years / full).min(1.0)) as f32
}

/// The group (by id) that can take over a closing venue in `ward`: the most capable active
/// group based there, if its capacity reaches `threshold`.
pub fn bidder<'a>(
    groups: impl Iterator<Item = &'a Group>,
    ward: u16,
    threshold: f32,
) -> Option<u16> {
    groups
        .filter(|g| g.active && g.ward == ward && g.capacity >= threshold)
        .max_by(|a, b| a.capacity.total_cmp(&b.capacity).then(b.id.cmp(&a.id)))
        .map(|g| g.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::{self, group, group_of, venue, venue_of};
    use crate::scenario::{Scenario, VenueKind, WEEKS_PER_YEAR};
    use bevy_ecs::system::RunSystemOnce;

    /// A town of `venues` and `groups` at recorded week 10.
    fn town(s: Scenario, venues: Vec<Venue>, groups: Vec<Group>) -> World {
        let mut w = testing::world(s, venues, groups);
        w.resource_mut::<Clock>().step = 10;
        w
    }

    /// Closes venue `id` through the ledger, or hands it to a group if one may take it on.
    fn close_or_transfer(w: &mut World, id: u16, right_to_bid: bool) {
        w.run_system_once(
            move |mut venues: Query<&mut Venue>,
                  index: Res<VenueIndex>,
                  mut groups: Query<&mut Group>,
                  group_index: Res<GroupIndex>,
                  mut ledger: Ledger| {
                let mut v = venues.get_mut(index.0[id as usize]).unwrap();
                ledger.close_or_transfer(&mut v, &mut groups, &group_index, right_to_bid, "test");
            },
        )
        .unwrap();
    }

    fn events(w: &World) -> Vec<(&'static str, Option<String>, Option<u16>, String)> {
        let log = &w.resource::<EventLog>().0;
        log.iter()
            .map(|e| (e.kind, e.venue.clone(), e.ward, e.detail.clone()))
            .collect()
    }

    #[test]
    fn a_closing_or_opening_signals_more_the_longer_the_venue_served() {
        let mut b = Scenario::default().belonging;
        (b.new_venue_signal, b.service_years_for_full_signal) = (0.4, 10.0);
        let year = WEEKS_PER_YEAR as i32;
        let weight = |weeks| service_weight(&b, weeks);
        assert!(
            (weight(0) - 0.4).abs() < 1e-6,
            "a new venue counts new_venue_signal"
        );
        assert_eq!(weight(-5), weight(0), "not yet open counts as new");
        assert!(
            (weight(5 * year) - 0.7).abs() < 1e-6,
            "halfway: halfway to 1"
        );
        assert_eq!((weight(10 * year), weight(40 * year)), (1.0, 1.0));
    }

    #[test]
    fn a_closure_is_logged_remembered_by_its_service_and_seen_by_venue_choice() {
        let s = Scenario::default();
        let mut old = venue(0, VenueKind::Pub, Owner::Private);
        old.ward = 1;
        let mut new = venue(1, VenueKind::Library, Owner::Council);
        new.opened_step = 10;
        let mut w = town(s.clone(), vec![old, new], Vec::new());
        w.run_system_once(
            |mut venues: Query<&mut Venue>, index: Res<VenueIndex>, mut ledger: Ledger| {
                for &e in index.0.iter().rev() {
                    ledger.close(&mut venues.get_mut(e).unwrap(), "test");
                }
            },
        )
        .unwrap();
        assert!(!venue_of(&w, 0).open && !venue_of(&w, 1).open);
        let list = &w.resource::<Closures>().list;
        let remembered: Vec<_> = list
            .iter()
            .map(|c| (c.tick, c.ward, c.owner, c.service_weight))
            .collect();
        let new_signal = s.belonging.new_venue_signal as f32;
        assert_eq!(
            remembered,
            [
                (10, 0, Owner::Council, new_signal),
                (10, 1, Owner::Private, 1.0)
            ]
        );
        assert!(w.resource::<Closures>().openings.is_empty());
        assert_eq!(w.resource::<Layout>().changed, [1, 0]);
        assert_eq!(
            events(&w),
            [
                (
                    "close",
                    Some("venue-1".into()),
                    Some(0),
                    "library closed: test".into()
                ),
                (
                    "close",
                    Some("venue-0".into()),
                    Some(1),
                    "pub closed: test".into()
                ),
            ]
        );
    }

    #[test]
    fn a_new_venue_is_numbered_after_its_kind_logged_and_remembered_as_an_opening() {
        let mut w = town(Scenario::default(), Vec::new(), Vec::new());
        w.insert_resource(VenueLabels(vec![
            "community-centre-01".into(),
            "pub-01".into(),
            "community-centre-02".into(),
        ]));
        let mut centre = venue(3, VenueKind::CommunityCentre, Owner::Council);
        centre.ward = 2;
        w.run_system_once(move |mut ledger: Ledger| ledger.opened(&centre, "test"))
            .unwrap();
        assert_eq!(w.resource::<VenueLabels>().0[3], "community-centre-03");
        assert_eq!(w.resource::<Layout>().changed, [3]);
        let c = w.resource::<Closures>();
        assert!(c.list.is_empty());
        let new_signal = Scenario::default().belonging.new_venue_signal as f32;
        let o = c.openings[0];
        assert_eq!(
            (c.openings.len(), o.tick, o.ward, o.owner, o.service_weight),
            (1, 10, 2, Owner::Council, new_signal)
        );
        assert_eq!(
            events(&w),
            [(
                "open",
                Some("community-centre-03".into()),
                Some(2),
                "community_centre opened: test".into()
            )]
        );
    }

    #[test]
    fn a_council_building_passes_to_the_most_capable_group_of_its_ward_and_costs_less() {
        let mut s = Scenario::default();
        s.council.asset_transfer_probability = 1.0;
        let saving = s.economy.community_cost_saving as f32;
        let threshold = s.council.transfer_capacity_threshold as f32;
        let capable = |id, ward, capacity| {
            let mut g = group(id, GroupKind::ResidentsAssociation, 20);
            (g.ward, g.capacity) = (ward, capacity);
            g
        };
        // Group 1 is the most capable in ward 0; group 2 is more capable but inactive, group 3
        // lives in ward 1.
        let groups = || {
            let mut inactive = capable(2, 0, 1.0);
            inactive.active = false;
            vec![
                capable(0, 0, threshold + 0.1),
                capable(1, 0, threshold + 0.2),
                inactive,
                capable(3, 1, 1.0),
            ]
        };
        let hall = || venue(0, VenueKind::CommunityCentre, Owner::Council);
        let mut w = town(s.clone(), vec![hall()], groups());
        close_or_transfer(&mut w, 0, true);
        let v = venue_of(&w, 0);
        assert!(v.open, "transferred, not closed");
        assert_eq!(v.owner, Owner::Community);
        assert!((v.weekly_cost_gbp - 1000.0 * (1.0 - saving)).abs() < 1e-3);
        let assets: Vec<u32> = (0..4).map(|g| group_of(&w, g).assets).collect();
        assert_eq!(assets, [0, 1, 0, 0]);
        assert!(w.resource::<Closures>().list.is_empty());
        assert!(
            w.resource::<Layout>().changed.is_empty(),
            "nothing to choose anew"
        );
        let log = events(&w);
        assert_eq!((log.len(), log[0].0), (1, "transfer"));
        assert!(log[0].3.contains("residents_association 1"), "{}", log[0].3);

        // It closes when there is no right to bid, no capable group in the ward, no chance of a
        // transfer, or when it is the community's already.
        let closes = |w: &mut World, right_to_bid| {
            close_or_transfer(w, 0, right_to_bid);
            let v = venue_of(w, 0);
            !v.open && v.weekly_cost_gbp == 1000.0 && w.resource::<Closures>().list.len() == 1
        };
        assert!(closes(&mut town(s.clone(), vec![hall()], groups()), false));
        let weak = vec![capable(0, 0, threshold - 0.01), capable(1, 1, 1.0)];
        assert!(closes(&mut town(s.clone(), vec![hall()], weak), true));
        let mut never = s.clone();
        never.council.asset_transfer_probability = 0.0;
        assert!(closes(&mut town(never, vec![hall()], groups()), true));
        let ours = venue(0, VenueKind::CommunityCentre, Owner::Community);
        assert!(closes(&mut town(s, vec![ours], groups()), true));
    }

    #[test]
    fn the_bidder_is_the_most_capable_active_group_of_the_ward_lower_id_on_a_tie() {
        let g = |id, ward, capacity, active| {
            let mut g = group(id, GroupKind::MutualAid, 10);
            (g.ward, g.capacity, g.active) = (ward, capacity, active);
            g
        };
        let groups = [
            g(0, 0, 0.7, true),
            g(1, 0, 0.9, true),
            g(2, 0, 0.9, true),
            g(3, 0, 1.0, false),
            g(4, 1, 1.0, true),
        ];
        assert_eq!(bidder(groups.iter(), 0, 0.6), Some(1));
        assert_eq!(bidder(groups.iter(), 1, 0.6), Some(4));
        assert_eq!(bidder(groups.iter(), 0, 0.95), None);
        assert_eq!(bidder(groups.iter(), 2, 0.0), None);
    }
}
