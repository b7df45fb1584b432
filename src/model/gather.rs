//! Step 4, gathering: this week's visitors are bucketed by venue, each bucket in resident-id
//! order, so that what happens inside a venue never depends on how residents are stored or
//! which thread chose first. Each venue's visit count for the week is recorded, and the pairs of
//! ties who are at the same venue are listed (in id order) for the encounter step.
//!
//! How: residents are walked in id order (a list of slots kept from week to week: newcomers have
//! the highest ids, so they go to the end) and dropped into their venues' buckets by a counting
//! sort, which leaves every bucket in id order without sorting it. Each thread takes a range of
//! venues, whose buckets lie together, so the threads never write to the same place and the
//! buckets do not depend on how many there are.

use super::batches::{self, Collector, even_cuts, in_parallel, parts, pieces};
use super::components::*;
use bevy_ecs::prelude::*;
use std::sync::atomic::Ordering::Relaxed;

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
    b.mask_by_slot.resize(n_slots, 0);
    b.position_by_slot.resize_with(n_slots, Default::default);
    b.found_at.resize(n_slots, (0, 0));

    // Everyone's week and what the encounter rule reads of them, by slot, and how many go to
    // each venue: one range of slots per thread, each with its own counts.
    let slot_cuts = even_cuts(n_slots, parts(n_slots));
    let mut counts = vec![vec![0u32; n_venues]; slot_cuts.len() - 1];
    {
        let ranges: Vec<_> = pieces(&mut b.week_by_slot, &slot_cuts)
            .into_iter()
            .zip(pieces(&mut b.visitor_by_slot, &slot_cuts))
            .zip(pieces(&mut b.mask_by_slot, &slot_cuts))
            .zip(counts.iter_mut())
            .collect();
        let (residents, slots) = (&residents, &*slots);
        in_parallel(ranges, |p, (((weeks, visitors), masks), count)| {
            for (i, ((week, visitor), mask)) in weeks
                .iter_mut()
                .zip(visitors.iter_mut())
                .zip(masks.iter_mut())
                .enumerate()
            {
                let Ok((resident, identity, _, outings)) =
                    residents.get(slots.entity((slot_cuts[p] + i) as u32))
                else {
                    // No resident in the slot (an empty home, with the labour market on):
                    // nobody goes anywhere from it.
                    *week = Outings::default();
                    *mask = 0;
                    continue;
                };
                *week = outings.clone();
                *visitor = Visitor {
                    id: resident.id,
                    slot: resident.slot,
                    ward: resident.ward,
                    trustworthiness_permille: permille(identity.trustworthiness),
                    traits: identity.traits,
                };
                *mask = 0;
                for &v in outings.as_slice() {
                    count[v as usize] += 1;
                    *mask |= 1 << (v % 64);
                }
            }
        });
    }

    // In parallel: the ties each resident finds at the same venue (each find keyed by the
    // finder's slot, so the order batches finish in does not matter).
    let collector: Collector<Vec<(u32, FoundTie)>> = Collector::default();
    {
        let (mask_by_slot, week_by_slot) = (&b.mask_by_slot, &b.week_by_slot);
        batches::each_init(
            residents.as_readonly(),
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
            .all(|w| ids[w[0] as usize] <= ids[w[1] as usize])
        {
            b.id_order.sort_unstable_by_key(|&s| ids[s as usize]);
        }
    }

    // Where each bucket starts in the flat list.
    b.starts.clear();
    b.starts.resize(n_venues + 1, 0);
    for v in 0..n_venues {
        let here: u32 = counts.iter().map(|c| c[v]).sum();
        b.starts[v + 1] = b.starts[v] + here;
    }
    let total = b.starts[n_venues] as usize;
    b.visitors.clear();
    b.visitors.resize(total, Visitor::default());
    b.friends.resize_with(n_venues, Vec::new);

    // Counting sort into the buckets, in id order, and the friends at each venue, in (lower id,
    // higher id) order: one range of venues per thread, balanced by visits. Each thread walks
    // everyone in id order and writes only its own venues' buckets, which lie together.
    let venue_cuts = balanced_cuts(&b.starts, parts(n_slots));
    let visitor_cuts: Vec<usize> = venue_cuts.iter().map(|&v| b.starts[v] as usize).collect();
    let ranges: Vec<_> = pieces(&mut b.visitors, &visitor_cuts)
        .into_iter()
        .zip(pieces(&mut b.friends, &venue_cuts))
        .collect();
    let (starts, id_order) = (&b.starts, &b.id_order);
    let (week_by_slot, visitor_by_slot) = (&b.week_by_slot, &b.visitor_by_slot);
    let (found, found_at, position) = (&b.found, &b.found_at, &b.position_by_slot);
    in_parallel(ranges, |p, (visitors, friends)| {
        let (first, last) = (venue_cuts[p], venue_cuts[p + 1]);
        let base = starts[first];
        let mut cursor: Vec<u32> = starts[first..last].iter().map(|&s| s - base).collect();
        for &slot in id_order {
            for (k, &v) in week_by_slot[slot as usize].as_slice().iter().enumerate() {
                if let Some(at) = cursor.get_mut((v as usize).wrapping_sub(first)) {
                    visitors[*at as usize] = visitor_by_slot[slot as usize];
                    // Another thread may write this slot's other outings' places, never this one.
                    position[slot as usize][k].store(*at + base - starts[v as usize], Relaxed);
                    *at += 1;
                }
            }
        }
        for list in friends.iter_mut() {
            list.clear();
        }
        for &slot in id_order {
            let (from, to) = found_at[slot as usize];
            for &(v, k, their_slot, j) in &found[from as usize..to as usize] {
                // Both places were written above, by this thread: the venue is in its range.
                if let Some(list) = friends.get_mut((v as usize).wrapping_sub(first)) {
                    list.push((
                        position[slot as usize][k as usize].load(Relaxed),
                        position[their_slot as usize][j as usize].load(Relaxed),
                    ));
                }
            }
        }
    });

    let ring = clock.ring();
    for (id, &e) in venue_index.0.iter().enumerate() {
        if let Ok(mut v) = venues.get_mut(e) {
            v.visits[ring] = b.starts[id + 1] - b.starts[id];
        }
    }
}

/// Boundaries that cut the venues into `parts` ranges with about the same number of visits
/// each (`starts` as in [`Buckets::starts`]): range `p` is `cuts[p]..cuts[p + 1]`.
fn balanced_cuts(starts: &[u32], parts: usize) -> Vec<usize> {
    let n = starts.len() - 1;
    let total = u64::from(starts[n]);
    let mut cuts = vec![0];
    for p in 1..parts {
        let goal = total * p as u64 / parts as u64;
        let from = *cuts.last().unwrap_or(&0);
        let cut = (from..n)
            .find(|&v| u64::from(starts[v]) >= goal)
            .unwrap_or(n);
        cuts.push(cut);
    }
    cuts.push(n);
    cuts
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
    use crate::model::testing::{self, venue};
    use crate::scenario::{Owner, Scenario, VenueKind};
    use bevy_ecs::system::RunSystemOnce;

    fn outings(venues: &[u16]) -> Outings {
        let mut o = Outings::default();
        for &v in venues {
            o.venues[o.len as usize] = v;
            o.len += 1;
        }
        o
    }

    /// Three venues and four residents, stored out of id order: slot 0 holds id 7, slot 1 id 3,
    /// slot 2 id 5 and slot 3 id 1. Ties: 3 → 7, 5 ↔ 7, 1 ↔ 3, and 3 → id 99, who has left
    /// slot 2. This week 7 goes to venues 0 and 2, 3 to 0, 5 to 2 and 0, and 1 to 1.
    fn town() -> World {
        let venues = (0..3)
            .map(|id| venue(id, VenueKind::Pub, Owner::Private))
            .collect();
        let mut w = testing::world(Scenario::default(), venues, Vec::new());
        let ids = [7, 3, 5, 1];
        let tie = |slot: u32| Tie {
            slot,
            id: ids[slot as usize],
            strength: 0.5,
        };
        let dead = Tie {
            slot: 2,
            id: 99,
            strength: 0.9,
        };
        let people: [(&[Tie], &[u16]); 4] = [
            (&[tie(2)], &[0, 2]),
            (&[dead, tie(0), tie(3)], &[0]),
            (&[tie(0)], &[2, 0]),
            (&[tie(1)], &[1]),
        ];
        let mut entities = Vec::new();
        for (slot, (ties, went)) in people.into_iter().enumerate() {
            let identity = Identity {
                traits: [slot as u8; MAX_FEATURES],
                sociability: 1.0,
                poisson_limit: (-1.0f64).exp(),
                trustworthiness: 0.25 * slot as f32,
                preference: [0.0; 7],
            };
            let mut held = Ties::default();
            for &t in ties {
                held.add(t, MAX_TIES);
            }
            let me = testing::resident(ids[slot], slot as u32, 0, 0.5);
            entities.push(w.spawn((me, identity, held, outings(went))).id());
        }
        w.insert_resource(SlotIndex {
            entities,
            ids: ids.to_vec(),
            wards: vec![0; 4],
        });
        w.insert_resource(Buckets::default());
        w
    }

    fn bucket(w: &World, v: u16) -> Vec<u32> {
        w.resource::<Buckets>().of(v).iter().map(|x| x.id).collect()
    }

    fn visits(w: &World) -> Vec<[u32; RECENT_WEEKS]> {
        (0..3).map(|id| testing::venue_of(w, id).visits).collect()
    }

    #[test]
    fn visitors_are_bucketed_in_id_order_counted_and_their_ties_paired() {
        let mut w = town();
        w.run_system_once(gather).unwrap();
        assert_eq!(
            (bucket(&w, 0), bucket(&w, 1), bucket(&w, 2)),
            (vec![3, 5, 7], vec![1], vec![5, 7])
        );
        let seven = w.resource::<Buckets>().of(0)[2];
        assert_eq!(
            (seven.slot, seven.trustworthiness_permille, seven.traits),
            (0, 0, [0; MAX_FEATURES])
        );
        assert_eq!(
            w.resource::<Buckets>().of(2)[0].trustworthiness_permille,
            500
        );
        // This week's visits, in the ring's place for step 0.
        assert_eq!(visits(&w), [[3, 0, 0, 0], [1, 0, 0, 0], [2, 0, 0, 0]]);
        // Ties both at a venue, as positions in its bucket, by lower id then higher: 3 and 7,
        // 5 and 7 at venue 0; 5 and 7 at venue 2. Not 1 and 3 (apart), nor 3 and the leaver.
        let friends = &w.resource::<Buckets>().friends;
        assert_eq!(friends[..], [vec![(0, 2), (1, 2)], vec![], vec![(0, 1)]]);

        // Next week 7 stays at home and a newcomer, id 10, takes slot 2 (keeping its week):
        // the newcomer comes last in id order, and the visits go to the next place in the ring.
        w.resource_mut::<Clock>().step = 1;
        let e = w.resource::<SlotIndex>().entity(0);
        *w.get_mut::<Outings>(e).unwrap() = outings(&[]);
        let e = w.resource::<SlotIndex>().entity(2);
        w.get_mut::<Resident>(e).unwrap().id = 10;
        w.resource_mut::<SlotIndex>().ids[2] = 10;
        *w.get_mut::<Outings>(e).unwrap() = outings(&[0, 1]);
        w.run_system_once(gather).unwrap();
        assert_eq!(
            (bucket(&w, 0), bucket(&w, 1), bucket(&w, 2)),
            (vec![3, 10], vec![1, 10], vec![])
        );
        assert_eq!(visits(&w), [[3, 2, 0, 0], [1, 2, 0, 0], [2, 0, 0, 0]]);
        let friends = &w.resource::<Buckets>().friends;
        assert_eq!(
            friends[..],
            [vec![], vec![], vec![]],
            "1 and 3 are still apart"
        );
    }

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
