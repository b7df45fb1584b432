//! Step 7b, community groups: members come and go, groups lose their meeting places and find
//! new ones, and a group's capacity follows its members and money.
//!
//! Rule: a group whose meeting place has closed moves to the best open venue for its kind (its
//! own ward first); with none left it folds. Each week a member leaves with chance
//! `leave_per_week × (1 − β/2)` (and at once if the group folded); a resident joins, with
//! chance `join_per_week` (doubled if they took part in civic life this week), a group that
//! meets at a venue they visited. Capacity = 0.8·min(1, members / members_for_full_capacity) + 0.2·min(1, grants /
//! £5,000 a year): people and money (ONS Social capital in the UK 2020 on declining membership).

use super::components::*;
use super::venues::Ledger;
use crate::rng::{Purpose, RngExt};
use crate::town::best_venue;
use bevy_ecs::prelude::*;

/// Yearly grant income at which money stops adding to capacity, GBP.
const FULL_FUNDING_GBP: f32 = 5000.0;

#[allow(clippy::too_many_arguments)]
pub fn groups(
    mut residents: Query<(&Resident, &Attitudes, &Civic, &Outings, &mut Memberships)>,
    mut groups: Query<&mut Group>,
    group_index: Res<GroupIndex>,
    venues: Query<&Venue>,
    venue_index: Res<VenueIndex>,
    config: Res<Config>,
    seeds: Res<RunSeeds>,
    mut ledger: Ledger,
) {
    let s = &config.0;
    let g = &s.groups;
    let all_venues: Vec<Venue> = venue_index
        .0
        .iter()
        .filter_map(|&e| venues.get(e).ok().cloned())
        .collect();

    // Groups whose meeting place closed move or fold.
    for &e in &group_index.0 {
        let Ok(mut group) = groups.get_mut(e) else {
            continue;
        };
        let Some(home) = group.home_venue.filter(|_| group.active) else {
            continue;
        };
        if all_venues[home as usize].open {
            continue;
        }
        match best_venue(group.kind, group.ward, &all_venues, s) {
            Some(v) => {
                group.home_venue = Some(v);
                ledger.note(
                    "group_moved",
                    Some(group.ward),
                    format!(
                        "{} {} now meets at {}",
                        group.kind.name(),
                        group.id,
                        ledger.labels.0[v as usize]
                    ),
                );
            }
            None => {
                group.home_venue = None;
                group.active = false;
                ledger.note(
                    "group_folded",
                    Some(group.ward),
                    format!(
                        "{} {} has nowhere left to meet",
                        group.kind.name(),
                        group.id
                    ),
                );
            }
        }
    }

    let mut meets_at: Vec<Vec<u16>> = vec![Vec::new(); all_venues.len()];
    let mut active = vec![false; group_index.0.len()];
    for &e in &group_index.0 {
        if let Ok(group) = groups.get(e) {
            active[group.id as usize] = group.active;
            if let (true, Some(v)) = (group.active, group.home_venue) {
                meets_at[v as usize].push(group.id);
            }
        }
    }

    let (step, seeds) = (ledger.clock.step, seeds.0);
    residents
        .par_iter_mut()
        .for_each(|(me, attitudes, civic, outings, mut memberships)| {
            let mut rng = seeds.tick_stream(Purpose::Groups, u64::from(me.id), step);
            let leave = g.leave_per_week * (1.0 - 0.5 * f64::from(attitudes.belonging));
            let mut i = 0;
            while i < memberships.len as usize {
                let id = memberships.groups[i];
                if !active[id as usize] || rng.random_bool(leave.clamp(0.0, 1.0)) {
                    memberships.remove_at(i);
                } else {
                    i += 1;
                }
            }
            let join = g.join_per_week * if civic.participated { 2.0 } else { 1.0 };
            if rng.random_bool(join.min(1.0)) {
                let options: Vec<u16> = outings
                    .as_slice()
                    .iter()
                    .flat_map(|&v| meets_at[v as usize].iter().copied())
                    .filter(|&id| !memberships.contains(id))
                    .collect();
                if !options.is_empty() {
                    let pick = options[rng.random_range(0..options.len())];
                    memberships.add(pick);
                }
            }
        });

    // Recount members (integers: the same in any order) and update capacity.
    let mut members = vec![0u32; group_index.0.len()];
    for (_, _, _, _, m) in residents.iter() {
        for &id in m.as_slice() {
            members[id as usize] += 1;
        }
    }
    let full = g.members_for_full_capacity.max(1) as f32;
    for mut group in groups.iter_mut() {
        let n = members[group.id as usize];
        group.members = n;
        group.volunteer_hours = n as f32 * g.volunteer_hours_per_member as f32;
        let money = (group.funding_gbp * 52.0 / FULL_FUNDING_GBP).min(1.0);
        group.capacity = if group.active {
            0.8 * (n as f32 / full).min(1.0) + 0.2 * money
        } else {
            0.0
        };
    }
}
