//! Generating a town from a scenario: wards, homes, residents, venues, community groups and the
//! first social network. The result is plain data ([`TownPlan`]); `sim` puts it into the world.
//!
//! Architecture invariant: generation depends only on the scenario and the seeds, draws from
//! keyed streams named by our own ids, and knows nothing of bevy beyond the component types.

mod network;
mod venues;

use crate::model::components::{Group, GroupKind, Venue, Wards, venue_label};
use crate::model::groups::best_venue;
use crate::model::resident::draw::{self, ResidentInit, new_resident};
use crate::model::{distance, per_thousand, weighted_index};
use crate::rng::{Purpose, RngExt, Seeds};
use crate::scenario::Scenario;

/// Everything a new world needs.
pub struct TownPlan {
    pub wards: Wards,
    pub cultures: Vec<[u8; crate::model::components::MAX_FEATURES]>,
    pub residents: Vec<ResidentInit>,
    pub venues: Vec<Venue>,
    pub venue_labels: Vec<String>,
    pub groups: Vec<Group>,
}

/// Builds the town described by `scenario`.
pub fn generate(scenario: &Scenario, seeds: Seeds) -> TownPlan {
    let ward_counts = largest_remainder(
        scenario.town.residents,
        &scenario
            .town
            .wards
            .iter()
            .map(|w| w.housing_share)
            .collect::<Vec<_>>(),
    );
    let ward_traits = draw::ward_cultures(scenario, seeds);
    let ages = draw::SettledAges::new(scenario);
    let mut people = Vec::with_capacity(scenario.town.residents as usize);
    for (ward, &count) in ward_counts.iter().enumerate() {
        for _ in 0..count {
            let id = people.len() as u32;
            people.push(new_resident(
                scenario,
                seeds,
                &ward_traits,
                id,
                id,
                ward as u16,
                draw::Arrival::Founder(&ages),
            ));
        }
    }
    let (venues, venue_labels) = venues::place(scenario, seeds);
    network::tie_up(scenario, seeds, &mut people);
    let groups = found_groups(scenario, seeds, &venues, &mut people);

    let n_wards = scenario.town.wards.len();
    let mut open_per_ward = vec![0u32; n_wards];
    for v in &venues {
        open_per_ward[v.ward as usize] += 1;
    }
    let amenity_at_start = (0..n_wards)
        .map(|w| per_thousand(open_per_ward[w], ward_counts[w]))
        .collect();
    TownPlan {
        wards: Wards {
            names: scenario.town.wards.iter().map(|w| w.name.clone()).collect(),
            deprivation: scenario
                .town
                .wards
                .iter()
                .map(|w| w.deprivation as f32)
                .collect(),
            amenity_at_start,
            residents_at_start: ward_counts,
        },
        cultures: ward_traits,
        residents: people,
        venues,
        venue_labels,
        groups,
    }
}

/// Splits `total` over `shares` by the largest-remainder method; ties go to the earlier entry.
pub fn largest_remainder(total: u32, shares: &[f64]) -> Vec<u32> {
    let sum: f64 = shares.iter().sum();
    let exact: Vec<f64> = shares
        .iter()
        .map(|s| f64::from(total) * s / sum.max(f64::MIN_POSITIVE))
        .collect();
    let mut counts: Vec<u32> = exact.iter().map(|x| x.floor() as u32).collect();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - exact[a].floor();
        let rb = exact[b] - exact[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    let mut left = total - counts.iter().sum::<u32>();
    for &i in order.iter().cycle() {
        if left == 0 {
            break;
        }
        counts[i] += 1;
        left -= 1;
    }
    counts
}

/// Founds the community groups, each at a venue its kind likes in a ward taken in turn, and
/// enrols the first members among residents who live near it.
fn found_groups(
    scenario: &Scenario,
    seeds: Seeds,
    venues: &[Venue],
    people: &mut [ResidentInit],
) -> Vec<Group> {
    let n_wards = scenario.town.wards.len() as u16;
    let mut groups = Vec::new();
    for g in 0..scenario.groups.count {
        let kind = GroupKind::ALL[g as usize % GroupKind::ALL.len()];
        let ward = (g % u32::from(n_wards)) as u16;
        let home = best_venue(kind, ward, venues, scenario);
        groups.push(Group {
            id: g as u16,
            kind,
            ward,
            home_venue: home,
            members: 0,
            volunteer_hours: 0.0,
            capacity: 0.0,
            funding_gbp: 0.0,
            assets: 0,
            active: home.is_some(),
        });
    }
    let active: Vec<&Group> = groups.iter().filter(|g| g.active).collect();
    if active.is_empty() {
        return groups;
    }
    for person in people.iter_mut() {
        let mut rng = seeds.stream(Purpose::TownGroups, u64::from(person.resident.id), 0);
        let joins = if rng.random_bool(scenario.groups.initial_membership_share) {
            1 + usize::from(rng.random_bool(0.2))
        } else {
            0
        };
        for _ in 0..joins {
            // Nearer groups are likelier: weight 1 / (d + 0.5)^2.
            let weights: Vec<f64> = active
                .iter()
                .map(|g| {
                    let v = &venues[g.home_venue.unwrap_or(0) as usize];
                    let d = distance(person.resident.home_km, v.pos_km);
                    {
                        let x = f64::from(d) + 0.5;
                        1.0 / (x * x)
                    }
                })
                .collect();
            let pick = weighted_index(&weights, rng.random::<f64>());
            person.memberships.add(active[pick].id);
        }
    }
    groups
}

/// Labels of venues: `pub-01`, `pub-02`, ... numbered within their kind.
pub fn label_venues(venues: &[Venue]) -> Vec<String> {
    let mut per_kind = [0u32; 7];
    venues
        .iter()
        .map(|v| {
            per_kind[v.kind.index()] += 1;
            venue_label(v.kind, per_kind[v.kind.index()])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_remainder_adds_up() {
        assert_eq!(
            largest_remainder(14, &[0.16, 0.18, 0.18, 0.16, 0.14, 0.18])
                .iter()
                .sum::<u32>(),
            14
        );
        assert_eq!(largest_remainder(10, &[0.5, 0.5]), vec![5, 5]);
        assert_eq!(largest_remainder(3, &[0.5, 0.5]), vec![2, 1]);
        assert_eq!(largest_remainder(0, &[1.0]), vec![0]);
    }

    #[test]
    fn default_town_has_what_the_design_says() {
        let mut s = Scenario::default();
        s.town.residents = 2000;
        let plan = generate(&s, Seeds::new(1));
        assert_eq!(plan.residents.len(), 2000);
        assert_eq!(plan.venues.len(), 14 + 1 + 2 + 1 + 3 + 4 + 3);
        assert_eq!(plan.groups.len(), 20);
        assert!(plan.groups.iter().all(|g| g.active));
        let ties: usize = plan.residents.iter().map(|p| p.ties.len as usize).sum();
        let mean = ties as f64 / 2000.0;
        assert!(mean > 3.0 && mean < 9.0, "mean ties {mean}");
        let members = plan
            .residents
            .iter()
            .filter(|p| p.memberships.len > 0)
            .count();
        let share = members as f64 / 2000.0;
        assert!((share - 0.28).abs() < 0.04, "membership share {share}");
    }

    #[test]
    fn generation_is_reproducible_and_seeded() {
        let mut s = Scenario::default();
        s.town.residents = 500;
        let a = generate(&s, Seeds::new(5));
        let b = generate(&s, Seeds::new(5));
        let c = generate(&s, Seeds::new(6));
        let ages = |p: &TownPlan| {
            p.residents
                .iter()
                .map(|r| r.resident.age_years)
                .collect::<Vec<_>>()
        };
        assert_eq!(ages(&a), ages(&b));
        assert_ne!(ages(&a), ages(&c));
    }
}
