//! Step 4, gathering: this week's visitors are bucketed by venue, each bucket in resident-id
//! order, so that what happens inside a venue never depends on how residents are stored or
//! which thread chose first. Each venue's visit count for the week is recorded, and the pairs of
//! ties who are at the same venue are listed (in id order) for the encounter step.
//!
//! How: residents are walked in id order (a list of slots kept from week to week: newcomers have
//! the highest ids, so they go to the end) and dropped into their venues' buckets by a counting
//! sort, which leaves every bucket in id order without sorting it.

use super::batches::Collector;
use super::components::*;
use bevy_ecs::prelude::*;

pub fn gather(
    residents: Query<(&Resident, &Identity, &Ties, &Outings)>,
    slots: Res<SlotIndex>,
    mut buckets: ResMut<Buckets>,
    mut venues: Query<&mut Venue>,
    venue_index: Res<VenueIndex>,
    clock: Res<Clock>,
) {
    let n_venues = venue_index.0.len();
    let n_slots = slots.len();
    let b = &mut *buckets;
    b.week_by_slot.resize(n_slots, Outings::default());
    b.visitor_by_slot.resize(n_slots, Visitor::default());
    b.position_by_slot.resize(n_slots, [0; MAX_OUTINGS]);
    b.found_at.resize(n_slots, (0, 0));
    b.mask_by_slot.resize(n_slots, 0);
    b.cursor.clear();
    b.cursor.resize(n_venues + 1, 0);

    // Everyone's week and what the encounter rule reads of them, by slot; bucket sizes; and
    // the ties each resident finds at the same venue (lower id's side only). Friends need every
    // resident's week, so the residents are walked twice.
    for (resident, identity, _, outings) in residents.iter() {
        let slot = resident.slot as usize;
        b.week_by_slot[slot] = outings.clone();
        b.visitor_by_slot[slot] = Visitor {
            id: resident.id,
            slot: resident.slot,
            ward: resident.ward,
            trustworthiness_permille: permille(identity.trustworthiness),
            traits: identity.traits,
        };
        let mut mask = 0u64;
        for &v in outings.as_slice() {
            b.cursor[v as usize + 1] += 1;
            mask |= 1 << (v % 64);
        }
        b.mask_by_slot[slot] = mask;
    }
    // In parallel: the ties each resident finds at the same venue (each find keyed by the
    // finder's slot, so the order batches finish in does not matter).
    let collector: Collector<Vec<(u32, FoundTie)>> = Collector::default();
    {
        let (mask_by_slot, week_by_slot) = (&b.mask_by_slot, &b.week_by_slot);
        residents.par_iter().for_each_init(
            || collector.batch(),
            |batch, (me, _, ties, outings)| {
                let mine = outings.as_slice();
                let my_mask = mask_by_slot[me.slot as usize];
                // Live ties with higher ids who may be at one of my venues (the masks can only
                // say "maybe"), in id order.
                let mut later = [(0u32, 0u32); MAX_TIES];
                let mut n = 0;
                for t in ties.as_slice() {
                    let maybe = (t.id > me.id) & (mask_by_slot[t.slot as usize] & my_mask != 0);
                    if maybe && slots.holds(t.slot, t.id) {
                        let mut at = n;
                        while at > 0 && later[at - 1].0 > t.id {
                            later[at] = later[at - 1];
                            at -= 1;
                        }
                        later[at] = (t.id, t.slot);
                        n += 1;
                    }
                }
                for &(_, their_slot) in &later[..n] {
                    let theirs = week_by_slot[their_slot as usize].as_slice();
                    for (k, &v) in mine.iter().enumerate() {
                        if let Some(j) = theirs.iter().position(|&w| w == v) {
                            batch
                                .value
                                .push((me.slot, (v, k as u8, their_slot, j as u8)));
                        }
                    }
                }
            },
        );
    }
    b.found.clear();
    b.found_at.fill((0, 0));
    for list in collector.into_batches() {
        let mut i = 0;
        while i < list.len() {
            let slot = list[i].0;
            let from = b.found.len() as u32;
            while i < list.len() && list[i].0 == slot {
                b.found.push(list[i].1);
                i += 1;
            }
            b.found_at[slot as usize] = (from, b.found.len() as u32);
        }
    }

    // Slots in id order, carried over from last week.
    if b.id_order_ids.len() != n_slots || b.id_order.len() != n_slots {
        b.id_order = (0..n_slots as u32).collect();
        b.id_order_ids.clear();
        b.id_order_ids.resize(n_slots, u32::MAX);
    }
    let changed: Vec<u32> = (0..n_slots as u32)
        .filter(|&s| b.id_order_ids[s as usize] != slots.ids[s as usize])
        .collect();
    if !changed.is_empty() {
        let ids = &slots.ids;
        let ids_then = &b.id_order_ids;
        b.id_order
            .retain(|&s| ids_then[s as usize] == ids[s as usize]);
        let mut newcomers = changed;
        newcomers.sort_unstable_by_key(|&s| ids[s as usize]);
        b.id_order.extend(newcomers);
        b.id_order_ids.copy_from_slice(ids);
        if !b
            .id_order
            .windows(2)
            .all(|w| ids[w[0] as usize] < ids[w[1] as usize])
        {
            b.id_order.sort_unstable_by_key(|&s| ids[s as usize]);
        }
    }

    // Counting sort into the buckets, in id order.
    for v in 0..n_venues {
        b.cursor[v + 1] += b.cursor[v];
    }
    b.starts.clear();
    b.starts.extend_from_slice(&b.cursor);
    let total = b.cursor[n_venues] as usize;
    b.visitors.clear();
    b.visitors.resize(total, Visitor::default());
    for &slot in &b.id_order {
        let slot = slot as usize;
        let visitor = b.visitor_by_slot[slot];
        for (k, &v) in b.week_by_slot[slot].as_slice().iter().enumerate() {
            let at = b.cursor[v as usize];
            b.visitors[at as usize] = visitor;
            b.position_by_slot[slot][k] = at - b.starts[v as usize];
            b.cursor[v as usize] = at + 1;
        }
    }

    // Friends at each venue, in (lower id, higher id) order.
    b.friends.resize_with(n_venues, Vec::new);
    for list in b.friends.iter_mut() {
        list.clear();
    }
    for &slot in &b.id_order {
        let (from, to) = b.found_at[slot as usize];
        for &(v, k, their_slot, j) in &b.found[from as usize..to as usize] {
            b.friends[v as usize].push((
                b.position_by_slot[slot as usize][k as usize],
                b.position_by_slot[their_slot as usize][j as usize],
            ));
        }
    }

    let ring = clock.ring();
    for (id, &e) in venue_index.0.iter().enumerate() {
        if let Ok(mut v) = venues.get_mut(e) {
            v.visits[ring] = b.starts[id + 1] - b.starts[id];
        }
    }
}

/// `x` in thousandths, rounded half away from zero as `(x * 1000.0).round() as u16` does.
fn permille(x: f32) -> u16 {
    let y = x * 1000.0;
    // Below 2^23, y + 0.5 is exact, so truncating it rounds a non-negative y exactly as
    // `round` does, without the library call.
    if (0.0..8_388_608.0).contains(&y) {
        (y + 0.5) as u16
    } else {
        y.round() as u16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permille_rounds_as_round_does() {
        let mut x = 0.0f32;
        while x < 2.0 {
            assert_eq!(permille(x), (x * 1000.0).round() as u16, "{x}");
            x = f32::from_bits(x.to_bits() + 101);
        }
        for x in [-1.0f32, 0.0005, 65.5355, 1e30, f32::NAN] {
            assert_eq!(permille(x), (x * 1000.0).round() as u16, "{x}");
        }
    }
}
