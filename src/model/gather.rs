//! Step 4, gathering: this week's visitors are bucketed by venue, each bucket in resident-id
//! order, so that what happens inside a venue never depends on how residents are stored or
//! which thread chose first. Each venue's visit count for the week is recorded, and the pairs of
//! ties who are at the same venue are listed (in id order) for the encounter step.

use super::components::*;
use bevy_ecs::prelude::*;

pub fn gather(
    residents: Query<(&Resident, &Identity, &Outings)>,
    ties: Query<(&Resident, &Ties, &Outings)>,
    slots: Res<SlotIndex>,
    mut buckets: ResMut<Buckets>,
    mut venues: Query<&mut Venue>,
    venue_index: Res<VenueIndex>,
    clock: Res<Clock>,
) {
    let n = venue_index.0.len();
    let b = &mut *buckets;
    b.by_venue.resize_with(n, Vec::new);
    b.friends.resize_with(n, Vec::new);
    b.pairs.resize_with(n, Vec::new);
    b.seen.resize(slots.len(), (0, 0));
    b.week_by_slot.resize(slots.len(), Outings::default());
    for list in b.by_venue.iter_mut() {
        list.clear();
    }
    for list in b.pairs.iter_mut() {
        list.clear();
    }
    for (resident, identity, outings) in residents.iter() {
        b.week_by_slot[resident.slot as usize] = outings.clone();
        for &v in outings.as_slice() {
            b.by_venue[v as usize].push(Visitor {
                id: resident.id,
                slot: resident.slot,
                ward: resident.ward,
                trustworthiness_permille: (identity.trustworthiness * 1000.0).round() as u16,
                traits: identity.traits,
            });
        }
    }
    // Ties at the same venue, found from each resident's own ties (read in storage order).
    for (me, my_ties, outings) in ties.iter() {
        for t in my_ties.as_slice() {
            if t.id <= me.id || !slots.holds(t.slot, t.id) {
                continue;
            }
            let theirs = &b.week_by_slot[t.slot as usize];
            for &v in outings.as_slice() {
                if theirs.as_slice().contains(&v) {
                    b.pairs[v as usize].push((me.id, me.slot, t.id, t.slot));
                }
            }
        }
    }
    for ((bucket, friends), pairs) in b
        .by_venue
        .iter_mut()
        .zip(b.friends.iter_mut())
        .zip(b.pairs.iter_mut())
    {
        bucket.sort_unstable();
        pairs.sort_unstable();
        b.next_marker = b.next_marker.wrapping_add(1).max(1);
        let marker = b.next_marker;
        for (i, v) in bucket.iter().enumerate() {
            b.seen[v.slot as usize] = (marker, i as u32);
        }
        friends.clear();
        friends.extend(
            pairs
                .iter()
                .map(|&(_, a, _, c)| (b.seen[a as usize].1, b.seen[c as usize].1)),
        );
    }
    let ring = clock.ring();
    for (id, &e) in venue_index.0.iter().enumerate() {
        if let Ok(mut v) = venues.get_mut(e) {
            v.visits[ring] = b.by_venue[id].len() as u32;
        }
    }
}
