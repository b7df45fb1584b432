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
