//! Step 5, encounters: people who are at the same venue in the same week meet.
//!
//! Rule, per venue (in parallel over venues):
//! - ties who are both there meet with chance `friend_meeting_probability`;
//! - besides, visitors meet at random: each has on average
//!   `per_visit_at_capacity × min(occupancy / capacity, 2)^occupancy_exponent` encounters, so
//!   busy places produce more meetings (Klinenberg 2018's social infrastructure);
//! - each side of an encounter is positive with chance
//!   `trustworthiness(other) × (1 − w_s (1 − s)) × (1 − w_q (1 − quality))`, where `s` is the
//!   share of identity traits the two share (homophily, as in Axelrod 1997);
//! - when both sides are positive, two who are not yet tied start a tie with chance
//!   `new_tie_probability × (0.5 + s)`.
//!
//! Each venue draws from its own keyed stream and writes only its own log; the logs are then
//! merged into every resident's inbox in venue-id order, never "whichever thread finished
//! first". What the encounters do to trust and ties is the trust mechanism's business.

use super::batches::{even_cuts, in_parallel, parts, pieces};
use super::components::*;
use crate::rng::{Purpose, RngExt};
use bevy_ecs::prelude::*;

pub use super::rules::similarity;

/// Chance that the one who meets `other` has a good experience.
pub fn positive_chance(
    other_trustworthiness: f32,
    similarity: f32,
    quality: f32,
    similarity_weight: f32,
    quality_weight: f32,
) -> f32 {
    other_trustworthiness
        * (1.0 - similarity_weight * (1.0 - similarity))
        * (1.0 - quality_weight * (1.0 - quality))
}

#[allow(clippy::too_many_arguments)]
pub fn encounters(
    mut venues: Query<(&Venue, &mut EncounterLog)>,
    slots: Res<SlotIndex>,
    venue_index: Res<VenueIndex>,
    buckets: Res<Buckets>,
    mut inbox: ResMut<Inbox>,
    config: Res<Config>,
    clock: Res<Clock>,
    seeds: Res<RunSeeds>,
) {
    let s = &config.0;
    let e = &s.encounters;
    let features = s.residents.identity_features as usize;
    let (sw, qw) = (e.similarity_weight as f32, e.quality_weight as f32);
    let (step, tick) = (clock.step, clock.tick());
    let seeds = seeds.0;

    // Venues differ hugely in size, so hand them out one at a time.
    let one_by_one = bevy_ecs::batching::BatchingStrategy::fixed(1);
    venues
        .par_iter_mut()
        .batching_strategy(one_by_one)
        .for_each(|(venue, mut log)| {
            log.meetings.clear();
            let visitors = buckets.of(venue.id);
            let n = visitors.len();
            if n < 2 || !venue.usable(tick) {
                return;
            }
            let mut rng = seeds.tick_stream(Purpose::Encounters, u64::from(venue.id), step);
            let mut meet = |a: &Visitor, b: &Visitor, tied: bool, rng: &mut crate::rng::TickRng| {
                let sim = similarity(&a.traits, &b.traits, features);
                let tw = |v: &Visitor| f32::from(v.trustworthiness_permille) / 1000.0;
                let pa = positive_chance(tw(b), sim, venue.quality, sw, qw);
                let pb = positive_chance(tw(a), sim, venue.quality, sw, qw);
                let a_positive = rng.random::<f32>() < pa;
                let b_positive = rng.random::<f32>() < pb;
                let new_tie = !tied
                    && a_positive
                    && b_positive
                    && rng.random::<f64>()
                        < e.new_tie_probability * (e.new_tie_similarity_base + f64::from(sim));
                log.meetings.push(Meeting {
                    a: Party::of(a),
                    b: Party::of(b),
                    a_positive,
                    b_positive,
                    new_tie,
                });
            };
            // Friends who are both here.
            for &(i, j) in &buckets.friends[venue.id as usize] {
                if rng.random_bool(e.friend_meeting_probability) {
                    meet(&visitors[i as usize], &visitors[j as usize], true, &mut rng);
                }
            }
            // Everyone else, at random, more often when the place is busy.
            let occupancy = (n as f64 / f64::from(venue.capacity.max(1))).min(e.occupancy_cap);
            let per_visitor = e.per_visit_at_capacity * libm::pow(occupancy, e.occupancy_exponent);
            let pairs = (n as f64 * per_visitor / 2.0 + rng.random::<f64>()).floor() as usize;
            for _ in 0..pairs {
                let i = rng.random_range(0..n);
                let mut j = rng.random_range(0..n - 1);
                if j >= i {
                    j += 1;
                }
                // Whether the two already know each other is the trust step's to find out.
                meet(&visitors[i], &visitors[j], false, &mut rng);
            }
        });

    // Merge, venue by venue in id order, into each resident's inbox. The slots are cut into
    // one range per thread; each thread reads every log and writes only its own range's
    // contacts, which lie together in the inbox.
    let residents = slots.len();
    let inbox = &mut *inbox;
    let logs: Vec<(u16, &[Meeting])> = venue_index
        .0
        .iter()
        .filter_map(|&e| venues.get(e).ok())
        .map(|(v, log)| (v.id, log.meetings.as_slice()))
        .collect();
    let cuts = even_cuts(residents, parts(residents));
    inbox.offsets.clear();
    inbox.offsets.resize(residents + 1, 0);
    in_parallel(pieces(&mut inbox.offsets[1..], &cuts), |p, counts| {
        let from = cuts[p];
        for &(_, meetings) in &logs {
            for m in meetings {
                for slot in [m.a.slot, m.b.slot] {
                    if let Some(n) = counts.get_mut((slot as usize).wrapping_sub(from)) {
                        *n += 1;
                    }
                }
            }
        }
    });
    for i in 0..residents {
        inbox.offsets[i + 1] += inbox.offsets[i];
    }
    let total = inbox.offsets[residents] as usize;
    let placeholder = Contact {
        partner_slot: 0,
        partner_id: 0,
        partner_ward: 0,
        venue: 0,
        positive: false,
        new_tie: false,
    };
    inbox.items.clear();
    inbox.items.resize(total, placeholder);
    let offsets = &inbox.offsets;
    let item_cuts: Vec<usize> = cuts.iter().map(|&c| offsets[c] as usize).collect();
    in_parallel(pieces(&mut inbox.items, &item_cuts), |p, items| {
        let (from, to) = (cuts[p], cuts[p + 1]);
        let base = offsets[from];
        let mut cursor: Vec<u32> = offsets[from..to].iter().map(|&o| o - base).collect();
        for &(venue, meetings) in &logs {
            for m in meetings {
                for (me, other, positive) in [(m.a, m.b, m.a_positive), (m.b, m.a, m.b_positive)] {
                    let Some(at) = cursor.get_mut((me.slot as usize).wrapping_sub(from)) else {
                        continue;
                    };
                    items[*at as usize] = Contact {
                        partner_slot: other.slot,
                        partner_id: other.id,
                        partner_ward: other.ward,
                        venue,
                        positive,
                        new_tie: m.new_tie,
                    };
                    *at += 1;
                }
            }
        }
    });
}
