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

use super::components::*;
use bevy_ecs::prelude::*;

/// A haunt's score fades by this share each week.
const HAUNT_FADE: f32 = 0.8;
/// A meeting with a friend adds this to the venue's haunt score (at most 1).
const HAUNT_GAIN: f32 = 0.5;

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
    let ring = clock.ring();
    let alive = |tie: &Tie| slots.holds(tie.slot, tie.id);

    residents
        .par_iter_mut()
        .for_each(|(me, mut trust, mut ties, mut haunts, mut recent)| {
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
                *h *= HAUNT_FADE;
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
                bump_haunt(&mut haunts, c.venue);
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
        });
}

fn bump_haunt(haunts: &mut Haunts, venue: u16) {
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
    haunts.score[slot] = (haunts.score[slot] + HAUNT_GAIN).min(1.0);
}
