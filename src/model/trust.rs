//! Step 5b, trust and ties: what this week's encounters do to each resident.
//!
//! Rule (generalised trust as a Beta-Bernoulli belief with forgetting; Klein & Marx, Generalized
//! Trust in the Mirror): experience fades by `memory_per_week`, then each positive encounter
//! adds `weight_per_encounter` good pseudo-encounters and each negative one bad ones. A resident's
//! trust is the Beta mean (prior + experience). Their disposition (the prior) never fades, so an
//! isolated resident drifts back to it.
//!
//! Ties: every tie weakens by `tie_decay_per_week`; meeting a tie strengthens it by
//! `tie_gain × (1 − strength)` if the meeting went well, and weakens it by half that if not;
//! a new tie starts at `tie_gain`. Ties weaker than `tie_drop_below`, and ties to residents who
//! have left, are dropped. Venues where friends were met become haunts, which draw the resident
//! back (see outings).

use super::batches;
use super::components::*;
use bevy_ecs::prelude::*;

pub fn trust(
    mut residents: Query<(
        &Resident,
        &mut TrustState,
        &mut Ties,
        &mut Haunts,
        &mut Recent,
    )>,
    slots: Res<SlotIndex>,
    inbox: Res<Inbox>,
    config: Res<Config>,
    clock: Res<Clock>,
) {
    let s = &config.0;
    let memory = s.trust.memory_per_week as f32;
    let w = s.trust.weight_per_encounter as f32;
    let e = &s.encounters;
    let (gain, decay, drop) = (
        e.tie_gain as f32,
        e.tie_decay_per_week as f32,
        e.tie_drop_below as f32,
    );
    let cap = s.residents.max_ties as usize;
    let (haunt_memory, haunt_gain) = (e.haunt_memory_per_week as f32, e.haunt_gain as f32);
    let ring = clock.ring();
    let alive = |tie: &Tie| slots.holds(tie.slot, tie.id);

    batches::each(
        residents.reborrow(),
        |(me, mut trust, mut ties, mut haunts, mut recent)| {
            let contacts = inbox.of(me.slot);
            trust.good *= memory;
            trust.bad *= memory;
            for c in contacts {
                if c.positive {
                    trust.good += w;
                } else {
                    trust.bad += w;
                }
            }
            recent.encounters[ring] = contacts.len().min(u16::MAX as usize) as u16;

            for h in haunts.score.iter_mut() {
                *h *= haunt_memory;
            }
            let ties = &mut *ties;
            for t in ties.list[..ties.len as usize].iter_mut() {
                t.strength *= 1.0 - decay;
            }
            let mut local_met = [0u32; MAX_TIES];
            let mut n_local = 0;
            for c in contacts {
                let known = match ties.position(c.partner_id) {
                    Some(k) => {
                        let t = &mut ties.list[k];
                        if c.positive {
                            t.strength += gain * (1.0 - t.strength);
                        } else {
                            t.strength -= 0.5 * gain * t.strength;
                        }
                        true
                    }
                    None if c.new_tie => ties.add(
                        Tie {
                            slot: c.partner_slot,
                            id: c.partner_id,
                            strength: gain,
                        },
                        cap,
                    ),
                    None => false,
                };
                if !known {
                    continue;
                }
                bump_haunt(&mut haunts, c.venue, haunt_gain);
                if c.partner_ward == me.ward
                    && n_local < MAX_TIES
                    && !local_met[..n_local].contains(&c.partner_id)
                {
                    local_met[n_local] = c.partner_id;
                    n_local += 1;
                }
            }
            recent.local_ties_met[ring] = n_local as u8;
            let mut i = 0;
            while i < ties.len as usize {
                if ties.list[i].strength < drop || !alive(&ties.list[i]) {
                    ties.remove(i);
                } else {
                    i += 1;
                }
            }
        },
    );
}

fn bump_haunt(haunts: &mut Haunts, venue: u16, gain: f32) {
    let slot = (0..HAUNTS)
        .find(|&i| haunts.venue[i] == venue && haunts.score[i] > 0.0)
        .unwrap_or_else(|| {
            (0..HAUNTS)
                .min_by(|&a, &b| haunts.score[a].total_cmp(&haunts.score[b]))
                .unwrap_or(0)
        });
    if haunts.venue[slot] != venue {
        haunts.venue[slot] = venue;
        haunts.score[slot] = 0.0;
    }
    haunts.score[slot] = (haunts.score[slot] + gain).min(1.0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing;
    use bevy_ecs::system::RunSystemOnce;

    fn contact(partner_slot: u32, ward: u16, venue: u16, positive: bool, new_tie: bool) -> Contact {
        Contact {
            partner_slot,
            partner_id: 10 + partner_slot,
            partner_ward: ward,
            venue,
            positive,
            new_tie,
        }
    }

    fn tie(slot: u32, id: u32, strength: f32) -> Tie {
        Tie { slot, id, strength }
    }

    /// Four residents (slots 0–3, ids 10–13; slot 2 lives in ward 1). Resident 10 knows 11
    /// (0.5), 13 (0.3) and 99, who has left (slot 3 now holds 13). This week 10 meets 11 well
    /// and 13 badly at venue 4, and 12 well at venue 5, where they start a tie; the others meet
    /// nobody.
    fn town() -> World {
        crate::sim::init_threads(None);
        let mut world = World::new();
        let mut entities = Vec::new();
        for (slot, ward) in [(0, 0), (1, 0), (2, 1), (3, 0)] {
            let mut ties = Ties::default();
            if slot == 0 {
                for t in [tie(1, 11, 0.5), tie(3, 13, 0.3), tie(3, 99, 0.9)] {
                    ties.add(t, MAX_TIES);
                }
            }
            let trust = TrustState {
                prior_good: 4.0,
                prior_bad: 6.0,
                good: 3.0,
                bad: 1.0,
            };
            let parts = (
                testing::resident(10 + slot, slot, ward, 0.5),
                trust,
                ties,
                Haunts::default(),
                Recent::default(),
            );
            entities.push(world.spawn(parts).id());
        }
        world.insert_resource(SlotIndex {
            entities,
            ids: vec![10, 11, 12, 13],
            wards: vec![0, 0, 1, 0],
        });
        world.insert_resource(Inbox {
            offsets: vec![0, 3, 3, 3, 3],
            items: vec![
                contact(1, 0, 4, true, false),
                contact(2, 1, 5, true, true),
                contact(3, 0, 4, false, false),
            ],
        });
        world.insert_resource(Config(std::sync::Arc::new(crate::Scenario::default())));
        world.insert_resource(Clock {
            step: 5,
            warmup: 0,
            start_year: 2010,
        });
        world
    }

    fn state(world: &mut World, slot: u32) -> (TrustState, Ties, Haunts, Recent) {
        let e = world.resource::<SlotIndex>().entity(slot);
        let r = world.entity(e);
        (
            r.get::<TrustState>().unwrap().clone(),
            r.get::<Ties>().unwrap().clone(),
            r.get::<Haunts>().unwrap().clone(),
            r.get::<Recent>().unwrap().clone(),
        )
    }

    #[test]
    fn experience_fades_and_each_encounter_adds_a_good_or_bad_pseudo_count() {
        let mut world = town();
        world.run_system_once(trust).unwrap();
        let s = crate::Scenario::default();
        let (m, w) = (
            s.trust.memory_per_week as f32,
            s.trust.weight_per_encounter as f32,
        );
        let (met, _, _, recent) = state(&mut world, 0);
        assert!((met.good - (3.0 * m + 2.0 * w)).abs() < 1e-6, "{met:?}");
        assert!((met.bad - (1.0 * m + w)).abs() < 1e-6, "{met:?}");
        assert_eq!(
            (met.prior_good, met.prior_bad),
            (4.0, 6.0),
            "the prior never fades"
        );
        assert_eq!(recent.encounters[world.resource::<Clock>().ring()], 3);
        // Someone who met nobody drifts back towards their disposition (0.4).
        let (alone, ..) = state(&mut world, 1);
        let before = 7.0 / 11.0;
        assert!((alone.good - 3.0 * m).abs() < 1e-6 && (alone.bad - m).abs() < 1e-6);
        assert!(alone.mean() < before && alone.mean() > 0.4);
    }

    #[test]
    fn meetings_strengthen_or_weaken_ties_new_ones_start_and_leavers_are_dropped() {
        let mut world = town();
        world.run_system_once(trust).unwrap();
        let e = crate::Scenario::default().encounters;
        let (gain, decay) = (e.tie_gain as f32, e.tie_decay_per_week as f32);
        let (_, ties, haunts, recent) = state(&mut world, 0);
        let strength = |id| ties.position(id).map(|k| ties.list[k].strength);
        let good = 0.5 * (1.0 - decay);
        let good = good + gain * (1.0 - good);
        let bad = 0.3 * (1.0 - decay);
        let bad = bad - 0.5 * gain * bad;
        assert!((strength(11).unwrap() - good).abs() < 1e-6);
        assert!((strength(13).unwrap() - bad).abs() < 1e-6);
        assert_eq!(strength(12), Some(gain), "a new tie starts at the gain");
        assert_eq!(strength(99), None, "a resident who left is dropped");
        assert_eq!(ties.len, 3);
        // Friends were met at venue 4 twice (a haunt at most 1) and at venue 5 once.
        assert_eq!(haunts.score_of(4), 1.0);
        assert_eq!(haunts.score_of(5), e.haunt_gain as f32);
        // Two distinct friends from the resident's own ward were met.
        assert_eq!(recent.local_ties_met[world.resource::<Clock>().ring()], 2);
    }

    #[test]
    fn a_tie_not_kept_up_fades_below_the_floor_and_is_dropped() {
        let e = crate::Scenario::default().encounters;
        let mut world = town();
        world.resource_mut::<Inbox>().offsets = vec![0, 0, 0, 0, 0];
        world.resource_mut::<Inbox>().items.clear();
        let weeks = (f64::ln(e.tie_drop_below / 0.3) / f64::ln(1.0 - e.tie_decay_per_week)).ceil();
        for _ in 0..weeks as u32 - 1 {
            world.run_system_once(trust).unwrap();
        }
        assert!(state(&mut world, 0).1.position(13).is_some(), "not yet");
        world.run_system_once(trust).unwrap();
        let ties = state(&mut world, 0).1;
        assert!(ties.position(13).is_none() && ties.position(11).is_some());
    }
}
