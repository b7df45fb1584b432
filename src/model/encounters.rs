//! Step 5, encounters: people who are at the same venue in the same week meet.
//!
//! Rule, per venue (in parallel over venues):
//! - ties who are both there meet with chance `friend_meeting_probability`;
//! - besides, visitors meet at random: each has on average
//!   `per_visit_at_capacity × min(occupancy / capacity, occupancy_cap)^occupancy_exponent` encounters, so
//!   busy places produce more meetings (Klinenberg 2018's social infrastructure);
//! - each side of an encounter is positive with chance
//!   `trustworthiness(other) × (1 − w_s (1 − s)) × (1 − w_q (1 − quality))`, where `s` is the
//!   share of identity traits the two share (homophily, as in Axelrod 1997);
//! - when both sides are positive, two who are not yet tied start a tie with chance
//!   `new_tie_probability × (new_tie_similarity_base + s)`.
//!
//! Each venue draws from its own keyed stream and writes only its own log; the logs are then
//! merged into every resident's inbox in venue-id order, never "whichever thread finished
//! first". What the encounters do to trust and ties is the trust mechanism's business.

use super::batches::{self, even_cuts, in_parallel, parts, pieces};
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

    batches::each_venue(
        venues.reborrow(),
        s.town.residents as usize,
        |(venue, mut log)| {
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
        },
    );

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::{self, venue};
    use crate::scenario::{Owner, Scenario, VenueKind};
    use bevy_ecs::system::RunSystemOnce;

    /// Resident `id` (in slot `id`, ward 0) as a venue's bucket holds them: trustworthiness in
    /// thousandths and every identity trait `trait_`.
    fn visitor(id: u32, trustworthiness_permille: u16, trait_: u8) -> Visitor {
        Visitor {
            id,
            slot: id,
            ward: 0,
            trustworthiness_permille,
            traits: [trait_; MAX_FEATURES],
        }
    }

    /// A week in which venue `v` (of `venues`) has the visitors `crowds[v]` (in id order) and
    /// the pairs of ties `friends[v]` (positions in its bucket); every slot up to the highest
    /// visitor's is filled.
    fn week(
        s: Scenario,
        venues: Vec<Venue>,
        crowds: Vec<Vec<Visitor>>,
        friends: Vec<Vec<(u32, u32)>>,
    ) -> World {
        let mut w = testing::world(s, venues, Vec::new());
        for e in w.resource::<VenueIndex>().0.clone() {
            w.entity_mut(e).insert(EncounterLog::default());
        }
        let slots = crowds
            .iter()
            .flatten()
            .map(|v| v.slot + 1)
            .max()
            .unwrap_or(0);
        let entities: Vec<Entity> = (0..slots).map(|_| w.spawn_empty().id()).collect();
        w.insert_resource(SlotIndex {
            entities,
            ids: (0..slots).collect(),
            wards: vec![0; slots as usize],
        });
        let mut starts = vec![0];
        for crowd in &crowds {
            starts.push(starts.last().unwrap() + crowd.len() as u32);
        }
        w.insert_resource(Buckets {
            visitors: crowds.concat(),
            starts,
            friends,
            ..Buckets::default()
        });
        w.insert_resource(Inbox::default());
        w
    }

    fn log(w: &World, venue: u16) -> Vec<Meeting> {
        let e = w.resource::<VenueIndex>().0[venue as usize];
        w.get::<EncounterLog>(e).unwrap().meetings.clone()
    }

    fn ids(m: &Meeting) -> (u32, u32) {
        (m.a.id, m.b.id)
    }

    /// Encounter settings with random meetings per visitor at capacity `per_visit` and ties
    /// meeting with chance `friends`.
    fn scenario(per_visit: f64, friends: f64) -> Scenario {
        let mut s = Scenario::default();
        s.encounters.per_visit_at_capacity = per_visit;
        s.encounters.friend_meeting_probability = friends;
        s
    }

    fn pub_(id: u16, capacity: u32) -> Venue {
        let mut v = venue(id, VenueKind::Pub, Owner::Private);
        v.capacity = capacity;
        v
    }

    #[test]
    fn only_visitors_of_the_same_open_venue_meet() {
        // Venue 0 has residents 0–3, venue 1 has 4–7, venue 2 is closed and venue 3 shut by a
        // lockdown (each with 8, 9 there), venue 4 has 10 alone. Busy weeks: two encounters a
        // visitor at capacity, and ties always meet.
        let mut closed = pub_(2, 4);
        closed.open = false;
        let mut shut = pub_(3, 4);
        shut.shut_until = 3;
        let venues = vec![pub_(0, 4), pub_(1, 4), closed, shut, pub_(4, 4)];
        let crowds: Vec<Vec<Visitor>> = [0..4, 4..8, 8..10, 8..10, 10..11]
            .into_iter()
            .map(|r| r.map(|id| visitor(id, 800, 1)).collect())
            .collect();
        let friends = vec![vec![(0, 1)], vec![], vec![(0, 1)], vec![(0, 1)], vec![]];
        let mut w = week(scenario(2.0, 1.0), venues, crowds.clone(), friends);
        for step in 0..3 {
            w.resource_mut::<Clock>().step = step;
            w.run_system_once(encounters).unwrap();
            for (v, crowd) in crowds.iter().enumerate() {
                let here: Vec<u32> = crowd.iter().map(|x| x.id).collect();
                let meetings = log(&w, v as u16);
                match v {
                    0 | 1 => assert!(!meetings.is_empty(), "venue {v}, step {step}"),
                    _ => assert!(meetings.is_empty(), "venue {v}, step {step}: {meetings:?}"),
                }
                for m in &meetings {
                    let (a, b) = ids(m);
                    assert!(a != b && here.contains(&a) && here.contains(&b), "{m:?}");
                }
            }
            // The ties of venue 0 meet first, as ties.
            let first = log(&w, 0)[0];
            assert_eq!(ids(&first), (0, 1));
            assert!(!first.new_tie, "ties do not start a tie again");
        }
    }

    #[test]
    fn ties_at_the_same_venue_meet_with_the_friend_meeting_probability() {
        // No random encounters: only the tied pairs can meet.
        let crowd = || (0..4).map(|id| visitor(id, 800, 1)).collect::<Vec<_>>();
        let run = |friends: f64| {
            let mut w = week(
                scenario(0.0, friends),
                vec![pub_(0, 90)],
                vec![crowd()],
                vec![vec![(0, 1), (2, 3)]],
            );
            w.run_system_once(encounters).unwrap();
            log(&w, 0).iter().map(ids).collect::<Vec<_>>()
        };
        assert_eq!(run(1.0), [(0, 1), (2, 3)]);
        assert_eq!(run(0.0), []);
        // At 0.3, over 2,000 weeks of two tied pairs, 1,200 meetings are expected (sd 20).
        let mut w = week(
            scenario(0.0, 0.3),
            vec![pub_(0, 90)],
            vec![crowd()],
            vec![vec![(0, 1), (2, 3)]],
        );
        let mut met = 0;
        for step in 0..2000 {
            w.resource_mut::<Clock>().step = step;
            w.run_system_once(encounters).unwrap();
            met += log(&w, 0).len();
        }
        assert!((1100..1300).contains(&met), "{met}");
    }

    #[test]
    fn random_encounters_grow_with_occupancy_up_to_the_cap() {
        // Ten visitors, four encounters each at capacity, exponent ½, no ties: the week's pairs
        // are ⌊10 × 4 × min(10 / capacity, 2)^½ / 2 + u⌋ for a uniform u.
        let pairs = |capacity: u32, step: u32| {
            let crowd = (0..10).map(|id| visitor(id, 800, 1)).collect();
            let mut w = week(
                scenario(4.0, 0.0),
                vec![pub_(0, capacity)],
                vec![crowd],
                vec![vec![]],
            );
            w.resource_mut::<Clock>().step = step;
            w.run_system_once(encounters).unwrap();
            log(&w, 0).len()
        };
        for step in 0..5 {
            assert_eq!(pairs(10, step), 20, "full: 10 × 4 / 2");
            assert_eq!(pairs(40, step), 10, "a quarter full: half as many");
            let crowded = 20.0 * 2f64.sqrt();
            for capacity in [5, 1] {
                let n = pairs(capacity, step) as f64;
                assert!(
                    n == crowded.floor() || n == crowded.ceil(),
                    "twice full or more counts as twice full: {n} at capacity {capacity}"
                );
            }
        }
    }

    #[test]
    fn a_side_is_positive_with_the_stated_chance_and_only_two_positives_start_a_tie() {
        assert!((positive_chance(0.8, 0.5, 0.6, 0.25, 0.15) - 0.8 * 0.875 * 0.94).abs() < 1e-6);
        // 200 visitors in a venue for 200: 1,000 encounters a week.
        let run = |trustworthiness: u16, traits: [u8; 2], quality: f32, s: Scenario| {
            let crowd = (0..200)
                .map(|id| visitor(id, trustworthiness, traits[id as usize % 2]))
                .collect();
            let mut v = pub_(0, 200);
            v.quality = quality;
            let mut w = week(s, vec![v], vec![crowd], vec![vec![]]);
            w.run_system_once(encounters).unwrap();
            log(&w, 0)
        };
        let mut s = scenario(10.0, 0.0);
        s.encounters.new_tie_probability = 1.0;
        // Trustworthy, alike and in a perfect venue: every side is positive and, with a chance
        // of new_tie_probability × (0.5 + 1) ≥ 1, every pair starts a tie.
        let all = run(1000, [1, 1], 1.0, s.clone());
        assert_eq!(all.len(), 1000);
        assert!(
            all.iter()
                .all(|m| m.a_positive && m.b_positive && m.new_tie)
        );
        // Nobody trustworthy: no side is positive and no tie starts.
        let none = run(0, [1, 1], 1.0, s.clone());
        assert!(
            none.iter()
                .all(|m| !m.a_positive && !m.b_positive && !m.new_tie)
        );
        // Similarity weighs fully and half the pairs have nothing in common: they are never
        // positive; the other half always are.
        s.encounters.similarity_weight = 1.0;
        let mixed = run(1000, [1, 2], 1.0, s.clone());
        for m in &mixed {
            let alike = m.a.id % 2 == m.b.id % 2;
            assert_eq!(
                (m.a_positive, m.b_positive, m.new_tie),
                (alike, alike, alike)
            );
        }
        // At the defaults, trustworthiness 0.8, alike and quality 0.6: each side is positive
        // with chance 0.8 × 0.94 = 0.752 (2,000 sides, sd about 19); a tie starts in a share
        // 0.04 × 1.5 of the pairs both positive.
        let d = Scenario::default().encounters;
        let typical = run(800, [1, 1], 0.6, scenario(10.0, 0.0));
        let positive: usize = typical
            .iter()
            .map(|m| usize::from(m.a_positive) + usize::from(m.b_positive))
            .sum();
        let expected = 2000.0 * positive_chance(0.8, 1.0, 0.6, 0.25, d.quality_weight as f32);
        assert!(
            (positive as f32 - expected).abs() < 100.0,
            "{positive} vs {expected}"
        );
        let both = typical
            .iter()
            .filter(|m| m.a_positive && m.b_positive)
            .count();
        let ties = typical.iter().filter(|m| m.new_tie).count();
        assert!(
            typical
                .iter()
                .all(|m| !m.new_tie || (m.a_positive && m.b_positive))
        );
        let expected = both as f64 * d.new_tie_probability * (d.new_tie_similarity_base + 1.0);
        assert!(
            (ties as f64 - expected).abs() < 5.0 * expected.sqrt(),
            "{ties} vs {expected}"
        );
    }

    #[test]
    fn contacts_reach_both_sides_in_venue_order_and_a_venue_draws_only_its_own_numbers() {
        // Resident 0 goes to venues 0 and 1; 1 and 2 to venue 0; 3 to venue 1.
        let crowds = vec![
            vec![visitor(0, 700, 1), visitor(1, 700, 1), visitor(2, 700, 2)],
            vec![visitor(0, 700, 1), visitor(3, 700, 2)],
        ];
        let venues = || vec![pub_(0, 3), pub_(1, 2)];
        let mut w = week(
            scenario(3.0, 1.0),
            venues(),
            crowds.clone(),
            vec![vec![(0, 1)], vec![]],
        );
        w.run_system_once(encounters).unwrap();
        let logs = [log(&w, 0), log(&w, 1)];
        for slot in 0..4u32 {
            let mut expected = Vec::new();
            for (v, meetings) in logs.iter().enumerate() {
                for m in meetings {
                    if m.a.slot == slot {
                        expected.push((v as u16, m.b.id, m.a_positive, m.new_tie));
                    }
                    if m.b.slot == slot {
                        expected.push((v as u16, m.a.id, m.b_positive, m.new_tie));
                    }
                }
            }
            let inbox = w.resource::<Inbox>();
            let got: Vec<_> = inbox
                .of(slot)
                .iter()
                .map(|c| (c.venue, c.partner_id, c.positive, c.new_tie))
                .collect();
            assert_eq!(got, expected, "slot {slot}");
        }
        assert!(
            w.resource::<Inbox>().of(0).len() >= 2,
            "resident 0 met at both"
        );

        // A crowd at venue 1 does not change what happens at venue 0.
        let mut busier = crowds;
        busier[1].extend((4..30).map(|id| visitor(id, 700, 1)));
        let mut other = week(
            scenario(3.0, 1.0),
            venues(),
            busier,
            vec![vec![(0, 1)], vec![]],
        );
        other.run_system_once(encounters).unwrap();
        let key = |m: &Meeting| (ids(m), m.a_positive, m.b_positive, m.new_tie);
        let (before, after) = (log(&w, 0), log(&other, 0));
        assert_eq!(
            before.iter().map(key).collect::<Vec<_>>(),
            after.iter().map(key).collect::<Vec<_>>()
        );
        assert!(log(&other, 1).len() > logs[1].len());
    }
}
