//! Step 7c, group life: community groups fold and new ones form.
//!
//! Rule: each active group folds in a week with the weekly equivalent of the yearly hazard
//! `groups.fold_rate_per_year` × (1 + `groups.grant_dependence` × (1 − council capacity)); a
//! group with no members (one still looking for its first, or one whose last member left) is
//! wound up instead with chance 1 / `groups.empty_group_weeks` a week, so that a new group has
//! some months to recruit. Its members leave it in the next groups step. New groups
//! form at `groups.formation_rate_per_year` × active groups × (open venues / venues at the
//! start) a year: the number that form in a week is a Poisson draw, each of a kind drawn evenly,
//! based in a ward drawn in proportion to its open venues, meeting at the best venue for its kind
//! there (as at the start; `groups::best_venue`), and starting with no members: residents join it as they
//! join any group that meets where they go (groups.rs). Groups live and die in the warm-up too,
//! so that membership starts settled; only what happens after it is logged.
//!
//! Sizes (docs/evidence/places.md §8): about 3% of registered charities are removed from the
//! Charity Commission's register each year and about 3% are added (Charity Commission 2024;
//! Civil Society 2025), a lower bound for informal groups' turnover (NCVO); government grants to
//! the voluntary sector halved between 2009/10 and 2012/13 (NCVO 2022), and how much that raised
//! groups' folding is assumed; that new groups need places to meet is from street-level mapping
//! of groups "below the radar" (Soteri-Proctor 2011), its form assumed. With the council's budget
//! steady, forming and folding balance.

use super::components::*;
use super::groups::best_venue;
use super::venues::Ledger;
use super::weekly_from_yearly;
use crate::rng::{Purpose, RngExt, poisson};
use bevy_ecs::prelude::*;

/// The yearly chance that an active group folds, given the council's capacity.
pub fn fold_rate(g: &crate::scenario::Groups, council_capacity: f64) -> f64 {
    (g.fold_rate_per_year * (1.0 + g.grant_dependence * (1.0 - council_capacity).max(0.0))).min(1.0)
}

/// Groups expected to form in a year: the formation rate × active groups × open venues
/// relative to the start.
pub fn formations_per_year(
    g: &crate::scenario::Groups,
    active: usize,
    open_venues: usize,
    venues_at_start: f64,
) -> f64 {
    g.formation_rate_per_year * active as f64 * open_venues as f64 / venues_at_start.max(1.0)
}

#[allow(clippy::too_many_arguments)]
pub fn group_life(
    mut commands: Commands,
    mut groups: Query<&mut Group>,
    mut group_index: ResMut<GroupIndex>,
    venues: Query<&Venue>,
    venue_index: Res<VenueIndex>,
    council: Res<CouncilState>,
    wards: Res<Wards>,
    mut ledger: Ledger,
) {
    let clock = *ledger.clock;
    let log = !clock.warming_up();
    let config = ledger.config.0.clone();
    let s = &*config;
    let g = &s.groups;
    let seeds = ledger.seeds.0;
    let fold = weekly_from_yearly(fold_rate(g, council.capacity));
    let mut active = 0;
    for &e in &group_index.0 {
        let Ok(mut group) = groups.get_mut(e) else {
            continue;
        };
        if !group.active {
            continue;
        }
        let mut rng = seeds.tick_stream(Purpose::GroupLife, u64::from(group.id), clock.step);
        let u = rng.random::<f64>();
        let why = if group.members == 0 {
            (u < 1.0 / g.empty_group_weeks).then_some("no members")
        } else if u < fold {
            Some("volunteers and money ran out")
        } else {
            None
        };
        match why {
            Some(why) => {
                group.active = false;
                group.home_venue = None;
                if log {
                    ledger.note(
                        "group_folded",
                        Some(group.ward),
                        format!("{} {} folded: {why}", group.kind.name(), group.id),
                    );
                }
            }
            None => active += 1,
        }
    }

    let all_venues: Vec<Venue> = venue_index
        .0
        .iter()
        .filter_map(|&e| venues.get(e).ok().cloned())
        .collect();
    let mut open_in_ward = vec![0usize; wards.names.len()];
    for v in all_venues.iter().filter(|v| v.open) {
        open_in_ward[v.ward as usize] += 1;
    }
    let open: usize = open_in_ward.iter().sum();
    let at_start: f64 = wards
        .amenity_at_start
        .iter()
        .zip(&wards.residents_at_start)
        .map(|(a, &r)| f64::from(a * r as f32 / 1000.0))
        .sum::<f64>()
        .round();
    let per_week =
        formations_per_year(g, active, open, at_start) / f64::from(crate::scenario::WEEKS_PER_YEAR);
    // Keyed by a slot past any group id, so it never shares a stream with a group's own draws.
    let mut rng = seeds.tick_stream(Purpose::GroupLife, u64::from(u16::MAX) + 1, clock.step);
    let new = poisson(&mut rng, per_week);
    for _ in 0..new {
        if open == 0 || group_index.0.len() >= usize::from(u16::MAX) {
            break;
        }
        let kind = GroupKind::ALL[rng.random_range(0..GroupKind::ALL.len())];
        let mut pick = rng.random_range(0..open);
        let ward = open_in_ward
            .iter()
            .position(|&n| {
                let here = pick < n;
                pick = pick.saturating_sub(n);
                here
            })
            .unwrap_or(0) as u16;
        let Some(home) = best_venue(kind, ward, &all_venues, s) else {
            continue;
        };
        let id = group_index.0.len() as u16;
        let entity = commands
            .spawn(Group {
                id,
                kind,
                ward,
                home_venue: Some(home),
                members: 0,
                volunteer_hours: 0.0,
                capacity: 0.0,
                funding_gbp: 0.0,
                assets: 0,
                active: true,
            })
            .id();
        group_index.0.push(entity);
        if !log {
            continue;
        }
        ledger.note(
            "group_formed",
            Some(ward),
            format!(
                "{} {id} formed, meeting at {}",
                kind.name(),
                ledger.labels.0[home as usize]
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Groups;

    #[test]
    fn cuts_to_the_council_raise_folding() {
        let g = Groups::default();
        assert_eq!(fold_rate(&g, 1.0), g.fold_rate_per_year);
        assert!((fold_rate(&g, 0.5) - g.fold_rate_per_year * 1.5).abs() < 1e-12);
        assert!(fold_rate(&g, 0.5) > fold_rate(&g, 0.8));
    }

    #[test]
    fn with_the_venues_of_the_start_forming_balances_folding() {
        let g = Groups::default();
        let formed = formations_per_year(&g, 20, 28, 28.0);
        let folded = 20.0 * fold_rate(&g, 1.0);
        assert!((formed - folded).abs() < 1e-12, "{formed} against {folded}");
        assert!(
            formations_per_year(&g, 20, 14, 28.0) < formed,
            "fewer places, fewer groups"
        );
    }
    use crate::model::testing;
    use crate::scenario::{Owner, Scenario, VenueKind};
    use bevy_ecs::system::RunSystemOnce;

    /// A town of one ward with a hall, 100 empty groups (ids 0–99) and 100 with members
    /// (ids 100–199), no folding for other reasons and no new groups; returns how many of each
    /// are still active after `weeks` weeks of group life.
    fn still_active_after(weeks: u32, empty_group_weeks: f64) -> (usize, usize) {
        let mut s = Scenario::default();
        s.groups.fold_rate_per_year = 0.0;
        s.groups.formation_rate_per_year = 0.0;
        s.groups.empty_group_weeks = empty_group_weeks;
        let groups = (0..200u16)
            .map(|id| testing::group(id, GroupKind::SportsTeam, if id < 100 { 0 } else { 12 }))
            .collect();
        let hall = testing::venue(0, VenueKind::CommunityCentre, Owner::Council);
        let mut w = testing::world(s, vec![hall], groups);
        w.insert_resource(Wards {
            names: vec!["Only".into()],
            deprivation: vec![0.3],
            amenity_at_start: vec![1.0],
            residents_at_start: vec![1000],
        });
        for _ in 0..weeks {
            w.run_system_once(group_life).expect("group life runs");
            w.resource_mut::<Clock>().step += 1;
        }
        let active =
            |ids: std::ops::Range<u16>| ids.filter(|&id| testing::group_of(&w, id).active).count();
        (active(0..100), active(100..200))
    }

    #[test]
    fn an_empty_group_is_wound_up_after_some_weeks_not_at_once() {
        // With 1 / 10 a week, an empty group survives a week with chance 0.9 and ten weeks
        // with chance 0.9^10 ≈ 0.35: about 90 and 35 of 100, never all and never none.
        let (empty, full) = still_active_after(1, 10.0);
        assert!(
            (75..100).contains(&empty),
            "{empty} of 100 empty groups after a week"
        );
        assert_eq!(
            full, 100,
            "groups with members do not fold at a zero fold rate"
        );
        let (empty, full) = still_active_after(10, 10.0);
        assert!((18..55).contains(&empty), "{empty} of 100 after ten weeks");
        assert_eq!(full, 100);
        // At the shortest allowed wait, an empty group is wound up the week it is empty.
        assert_eq!(still_active_after(1, 1.0), (0, 100));
    }
}
