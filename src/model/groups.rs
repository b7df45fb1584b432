//! Step 7b, community groups: members come and go, groups lose their meeting places and find
//! new ones, and a group's capacity follows its members and money.
//!
//! Rule: a group whose meeting place has closed moves to the best open venue for its kind (its
//! own ward first); with none left it folds. Each week a member leaves with chance
//! `leave_per_week × (1 − leave_belonging_damping × β)` (and at once if the group folded); a
//! resident joins, with chance `join_per_week` (× `join_participant_multiplier` if they took
//! part in civic life this week), a group that meets at a venue they visited. Capacity =
//! (1 − m)·min(1, members / `members_for_full_capacity`) + m·min(1, grants /
//! `full_funding_gbp_per_year`), with m = `capacity_money_weight`: people and money (ONS Social
//! capital in the UK 2020 on declining membership). The sizes are assumed.

use super::batches;
use super::components::*;
use super::distance;
use super::venues::Ledger;
use crate::rng::{Purpose, RngExt};
use crate::scenario::{Scenario, WEEKS_PER_YEAR};
use bevy_ecs::prelude::*;

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
    batches::each(
        residents.reborrow(),
        |(me, attitudes, civic, outings, mut memberships)| {
            let mut rng = seeds.tick_stream(Purpose::Groups, u64::from(me.id), step);
            let leave = g.leave_per_week
                * (1.0 - g.leave_belonging_damping * f64::from(attitudes.belonging));
            let mut i = 0;
            while i < memberships.len as usize {
                let id = memberships.groups[i];
                if !active[id as usize] || rng.random_bool(leave.clamp(0.0, 1.0)) {
                    memberships.remove_at(i);
                } else {
                    i += 1;
                }
            }
            let join = g.join_per_week
                * if civic.participated {
                    g.join_participant_multiplier
                } else {
                    1.0
                };
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
        },
    );

    // Recount members (integers: the same in any order) and update capacity.
    let mut members = vec![0u32; group_index.0.len()];
    for (_, _, _, _, m) in residents.iter() {
        for &id in m.as_slice() {
            members[id as usize] += 1;
        }
    }
    let full = g.members_for_full_capacity.max(1) as f32;
    let money_weight = g.capacity_money_weight as f32;
    let full_funding = g.full_funding_gbp_per_year as f32;
    for mut group in groups.iter_mut() {
        let n = members[group.id as usize];
        group.members = n;
        group.volunteer_hours = n as f32 * g.volunteer_hours_per_member as f32;
        let money = (group.funding_gbp * WEEKS_PER_YEAR as f32 / full_funding).min(1.0);
        group.capacity = if group.active {
            (1.0 - money_weight) * (n as f32 / full).min(1.0) + money_weight * money
        } else {
            0.0
        };
    }
}

/// The venue a group of `kind` based in `ward` meets at: its favourite kind first, in its own
/// ward if there is one, else the nearest to the ward's venues of that kind.
pub fn best_venue(
    kind: GroupKind,
    ward: u16,
    venues: &[Venue],
    scenario: &Scenario,
) -> Option<u16> {
    let centre = scenario.town.wards[ward as usize].centre_km;
    let centre = [centre[0] as f32, centre[1] as f32];
    for vk in kind.venues() {
        let best = venues
            .iter()
            .filter(|v| v.open && v.kind == *vk)
            .min_by(|a, b| {
                let da = distance(a.pos_km, centre) + if a.ward == ward { 0.0 } else { 100.0 };
                let db = distance(b.pos_km, centre) + if b.ward == ward { 0.0 } else { 100.0 };
                da.total_cmp(&db).then(a.id.cmp(&b.id))
            });
        if let Some(v) = best {
            return Some(v.id);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::{self, group, group_of, venue};
    use crate::scenario::{Owner, Scenario, VenueKind};
    use bevy_ecs::system::RunSystemOnce;

    /// A resident of ward 0 who went to `venues` this week, belonging in `groups`.
    fn resident(id: u32, venues: &[u16], groups: &[u16], belonging: f32) -> impl Bundle {
        let mut outings = Outings::default();
        for &v in venues {
            outings.venues[outings.len as usize] = v;
            outings.len += 1;
        }
        let mut memberships = Memberships::default();
        for &g in groups {
            memberships.add(g);
        }
        (
            testing::resident(id, id, 0, 0.3),
            testing::attitudes(belonging),
            Civic::fresh(),
            outings,
            memberships,
        )
    }

    fn memberships(w: &mut World) -> Vec<(u32, Vec<u16>)> {
        let mut q = w.query::<(&Resident, &Memberships)>();
        let mut all: Vec<_> = q
            .iter(w)
            .map(|(r, m)| (r.id, m.as_slice().to_vec()))
            .collect();
        all.sort();
        all
    }

    #[test]
    fn a_group_that_loses_its_hall_moves_and_one_with_nowhere_left_folds() {
        // A brass band meets at the welfare hall, which has closed; a community centre is open.
        // A heritage society meets at the closed library and has nowhere else of its kinds.
        let mut hall = venue(0, VenueKind::WelfareHall, Owner::Private);
        hall.open = false;
        let mut library = venue(1, VenueKind::Library, Owner::Council);
        library.open = false;
        let centre = venue(2, VenueKind::CommunityCentre, Owner::Council);
        let pub_ = venue(3, VenueKind::Pub, Owner::Private);
        let mut band = group(0, GroupKind::BrassBand, 2);
        band.home_venue = Some(0);
        let mut society = group(1, GroupKind::HeritageSociety, 2);
        society.home_venue = Some(1);
        let mut s = Scenario::default();
        (s.groups.leave_per_week, s.groups.join_per_week) = (0.0, 0.0);
        let mut w = testing::world(s, vec![hall, library, centre, pub_], vec![band, society]);
        w.spawn(resident(0, &[], &[0, 1], 0.5));
        w.spawn(resident(1, &[], &[0, 1], 0.5));
        w.run_system_once(groups).unwrap();
        // Both move to the open centre (the society's third choice after library and hall);
        // close the centre too and the band goes to the pub while the society folds.
        assert_eq!(group_of(&w, 0).home_venue, Some(2));
        assert_eq!(group_of(&w, 1).home_venue, Some(2));
        let e = w.resource::<VenueIndex>().0[2];
        w.get_mut::<Venue>(e).unwrap().open = false;
        w.run_system_once(groups).unwrap();
        let (band, society) = (group_of(&w, 0), group_of(&w, 1));
        assert!(
            band.active && band.home_venue == Some(3),
            "a band can meet in a pub"
        );
        assert!(!society.active && society.home_venue.is_none());
        assert_eq!(
            (band.members, society.members),
            (2, 0),
            "members of a folded group leave"
        );
        assert_eq!(memberships(&mut w), [(0, vec![0]), (1, vec![0])]);
        let kinds: Vec<&str> = w.resource::<EventLog>().0.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            ["group_moved", "group_moved", "group_moved", "group_folded"]
        );
    }

    #[test]
    fn capacity_is_four_fifths_members_and_a_fifth_money() {
        let mut s = Scenario::default();
        (s.groups.leave_per_week, s.groups.join_per_week) = (0.0, 0.0);
        s.groups.members_for_full_capacity = 4;
        let mut poor = group(0, GroupKind::SportsTeam, 0);
        poor.home_venue = Some(0);
        let mut funded = group(1, GroupKind::SportsTeam, 0);
        funded.home_venue = Some(0);
        funded.funding_gbp = s.groups.full_funding_gbp_per_year as f32 / 52.0 / 2.0;
        let mut w = testing::world(
            s,
            vec![venue(0, VenueKind::SportsClub, Owner::Private)],
            vec![poor, funded],
        );
        for id in 0..6 {
            let g: &[u16] = if id < 2 { &[0, 1] } else { &[1] };
            w.spawn(resident(id, &[], g, 0.5));
        }
        w.run_system_once(groups).unwrap();
        let (poor, funded) = (group_of(&w, 0), group_of(&w, 1));
        assert_eq!((poor.members, funded.members), (2, 6));
        assert!(
            (poor.capacity - 0.8 * 0.5).abs() < 1e-6,
            "{}",
            poor.capacity
        );
        assert!(
            (funded.capacity - (0.8 + 0.2 * 0.5)).abs() < 1e-6,
            "{}",
            funded.capacity
        );
        let hours = crate::Scenario::default().groups.volunteer_hours_per_member as f32;
        assert!((funded.volunteer_hours - 6.0 * hours).abs() < 1e-5);
    }

    #[test]
    fn residents_join_only_groups_meeting_where_they_went() {
        let mut s = Scenario::default();
        (s.groups.leave_per_week, s.groups.join_per_week) = (0.0, 1.0);
        let venues = vec![
            venue(0, VenueKind::SportsClub, Owner::Private),
            venue(1, VenueKind::PlaceOfWorship, Owner::Private),
        ];
        let mut team = group(0, GroupKind::SportsTeam, 0);
        team.home_venue = Some(0);
        let mut faith = group(1, GroupKind::FaithGroup, 0);
        faith.home_venue = Some(1);
        let mut w = testing::world(s, venues, vec![team, faith]);
        w.spawn(resident(0, &[0], &[], 0.5));
        w.spawn(resident(1, &[1], &[], 0.5));
        w.spawn(resident(2, &[], &[], 0.5));
        w.run_system_once(groups).unwrap();
        assert_eq!(
            memberships(&mut w),
            [(0, vec![0]), (1, vec![1]), (2, vec![])]
        );
    }

    #[test]
    fn members_leave_at_the_weekly_rate_halved_by_full_belonging() {
        let count = |belonging: f32| {
            let mut s = Scenario::default();
            (s.groups.leave_per_week, s.groups.join_per_week) = (0.2, 0.0);
            let mut team = group(0, GroupKind::SportsTeam, 0);
            team.home_venue = Some(0);
            let club = venue(0, VenueKind::SportsClub, Owner::Private);
            let mut w = testing::world(s, vec![club], vec![team]);
            for id in 0..4000 {
                w.spawn(resident(id, &[], &[0], belonging));
            }
            w.run_system_once(groups).unwrap();
            4000 - group_of(&w, 0).members
        };
        // Expected 800 leave at belonging 0 and 400 at belonging 1 (sd about 25 and 19).
        let (none, full) = (count(0.0), count(1.0));
        assert!((700..900).contains(&none), "{none}");
        assert!((320..480).contains(&full), "{full}");
    }
}
