//! The stylised facts of DESIGN.md §2, as the built-in scenarios must show them: means over
//! replicates, and the 95% interval of each paired difference must exclude zero.
//!
//! - 2010–19 austerity lowers neighbour contact, belonging and group membership (ONS, Social
//!   capital in the UK, 2020);
//! - rebuilding social infrastructure recovers belonging relative to austerity alone;
//! - the same closures lower belonging more in high-deprivation wards than in low ones
//!   (Bolet 2021);
//! - a citizens' assembly whose recommendations are acted on raises its members' external
//!   efficacy and council trust more than their internal efficacy, with little change among
//!   everyone else (the Lisbon citizens' assembly evidence).
//!
//! Runs stop at the end of 2019, the year the facts are stated for: every mechanism before then
//! is unchanged by where the run ends, since random streams are keyed by tick.

use cohesion::compare::{ComparePlan, Comparison, simulate};
use cohesion::model::components::{Attitudes, Civic, NEVER, Resident};
use cohesion::scenario::Event;
use cohesion::stats::Estimate;
use cohesion::{Scenario, Seeds, Simulation};
use std::collections::BTreeMap;
use std::sync::OnceLock;

const REPLICATES: u32 = 6;
const SEED: u64 = 2019;
const YEAR: i32 = 2019;

fn to_2019(name: &str) -> Scenario {
    let mut s = Scenario::load(name).unwrap();
    s.time.years = (YEAR - s.time.start_year + 1) as u32;
    s
}

/// Four wards alike in everything but deprivation: the same homes, the same venues, laid out
/// symmetrically, two at deprivation 0.3 and two at 0.8. With `closures`, one pub in every
/// ward closes in March 2012: the same closure everywhere.
fn matched_wards(closures: bool) -> Scenario {
    let mut toml = String::from(
        r#"
name = "matched_wards"
description = "Four wards alike in all but deprivation."
[time]
years = 5
[[town.wards]]
name = "Low North"
deprivation = 0.3
housing_share = 0.25
centre_km = [-1.2, 1.2]
radius_km = 0.9
[[town.wards]]
name = "High North"
deprivation = 0.8
housing_share = 0.25
centre_km = [1.2, 1.2]
radius_km = 0.9
[[town.wards]]
name = "Low South"
deprivation = 0.3
housing_share = 0.25
centre_km = [-1.2, -1.2]
radius_km = 0.9
[[town.wards]]
name = "High South"
deprivation = 0.8
housing_share = 0.25
centre_km = [1.2, -1.2]
radius_km = 0.9
[venues.pub]
count = 12
placement = "spread"
[venues.library]
count = 0
[venues.community_centre]
count = 0
[venues.welfare_hall]
count = 4
placement = "spread"
[venues.park]
count = 4
placement = "spread"
[venues.sports_club]
count = 4
placement = "spread"
[venues.place_of_worship]
count = 4
placement = "spread"
"#,
    );
    if closures {
        toml = toml.replace("\"matched_wards\"", "\"matched_wards_closures\"");
        for ward in ["Low North", "High North", "Low South", "High South"] {
            toml.push_str(&format!(
                "[[events]]\nkind = \"close\"\nyear = 2012\nweek = 10\nvenue_kind = \"pub\"\n\
                 count = 1\nward = \"{ward}\"\n"
            ));
        }
    }
    Scenario::from_toml(&toml, "matched wards").unwrap()
}

/// baseline, austerity_2010, social_infrastructure: run once for the tests that need them.
fn comparison() -> &'static Comparison {
    static CMP: OnceLock<Comparison> = OnceLock::new();
    CMP.get_or_init(|| {
        cohesion::sim::init_threads(Some(1));
        let plan = ComparePlan {
            scenarios: vec![
                to_2019("baseline"),
                to_2019("austerity_2010"),
                to_2019("social_infrastructure"),
            ],
            replicates: REPLICATES,
            seed: SEED,
            effects_years: Vec::new(),
        };
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        simulate(&plan, threads, |_, _, _, _| {}).unwrap()
    })
}

fn year_effect(cmp: &Comparison, a: usize, b: usize, metric: &str) -> Estimate {
    let y = cmp.year_index(YEAR);
    cmp.paired(a, b, |r| r.year_mean(metric, y))
}

#[test]
fn austerity_lowers_contact_belonging_and_membership_by_2019() {
    let cmp = comparison();
    for metric in ["neighbour_contact", "belonging", "group_members"] {
        let e = year_effect(cmp, 1, 0, metric);
        eprintln!("austerity_2010 − baseline, {metric} {YEAR}: {e:?}");
        assert!(
            e.below_zero(),
            "austerity_2010 − baseline, {metric} in {YEAR}: {:.4} (95% CI {:.4} to {:.4}) \
             should be below zero",
            e.mean,
            e.ci_low,
            e.ci_high
        );
    }
}

#[test]
fn social_infrastructure_recovers_belonging() {
    let cmp = comparison();
    let e = year_effect(cmp, 2, 1, "belonging");
    eprintln!("social_infrastructure − austerity_2010, belonging {YEAR}: {e:?}");
    assert!(
        e.above_zero(),
        "social_infrastructure − austerity_2010, belonging in {YEAR}: {:.4} (95% CI {:.4} to \
         {:.4}) should be above zero",
        e.mean,
        e.ci_low,
        e.ci_high
    );
}

#[test]
fn closures_hurt_belonging_more_where_deprivation_is_high() {
    cohesion::sim::init_threads(Some(1));
    let plan = ComparePlan {
        scenarios: vec![matched_wards(false), matched_wards(true)],
        replicates: REPLICATES,
        seed: SEED,
        effects_years: Vec::new(),
    };
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let cmp = simulate(&plan, threads, |_, _, _, _| {}).unwrap();
    let wards = &plan.scenarios[0].town.wards;
    let group = |deprivation: f64| -> Vec<u16> {
        (0..wards.len() as u16)
            .filter(|&w| wards[w as usize].deprivation == deprivation)
            .collect()
    };
    let (high, low) = (group(0.8), group(0.3));
    // Belonging over the two years after the closures, averaged over a group of wards.
    let (from, to) = (cmp.year_index(2012), cmp.year_index(2013));
    let belonging = |run: &cohesion::compare::Run, group: &[u16]| {
        let mut sum = 0.0;
        for &w in group {
            let years = &run.wards[&(w, "belonging")];
            sum += (from..=to).map(|y| years[y as usize]).sum::<f64>() / f64::from(to - from + 1);
        }
        sum / group.len() as f64
    };
    // Difference in differences, replicate by replicate: (closures − none) in the deprived
    // wards minus the same in the well-off ones.
    let did = cmp.paired(1, 0, |r| belonging(r, &high) - belonging(r, &low));
    let fall_low = cmp.paired(1, 0, |r| belonging(r, &low));
    eprintln!("closures, well-off wards: {fall_low:?}; difference in differences: {did:?}");
    assert!(
        fall_low.below_zero(),
        "the closures should lower belonging in the well-off wards too: {fall_low:?}"
    );
    assert!(
        did.below_zero(),
        "the same pub closures: the fall in belonging in deprived wards minus the fall in \
         well-off ones is {:.4} (95% CI {:.4} to {:.4}); it should be below zero",
        did.mean,
        did.ci_low,
        did.ci_high
    );
}

/// Each resident's (external efficacy, council trust, internal efficacy), by id.
fn attitudes(sim: &mut Simulation) -> BTreeMap<u32, [f64; 3]> {
    let world = sim.world_mut();
    let mut q = world.query::<(&Resident, &Attitudes)>();
    q.iter(world)
        .map(|(r, a)| {
            let v = [a.efficacy_external, a.council_trust, a.efficacy_internal];
            (r.id, v.map(f64::from))
        })
        .collect()
}

#[test]
fn an_assembly_acted_on_moves_external_efficacy_and_trust_not_internal() {
    cohesion::sim::init_threads(Some(1));
    let scenario = to_2019("citizens_assembly");
    let Some(Event::CitizensAssembly { year, week, .. }) = scenario
        .events
        .iter()
        .find(|e| matches!(e, Event::CitizensAssembly { .. }))
        .cloned()
    else {
        panic!("citizens_assembly has an assembly");
    };
    let tick = scenario.tick_of(year, week).unwrap();
    // Per replicate: mean change over the assembly week among members and among everyone
    // else, for [external efficacy, council trust, internal efficacy].
    let mut members = Vec::new();
    let mut others = Vec::new();
    for r in 0..4 {
        let mut sim = Simulation::new(
            &scenario,
            Seeds {
                master: SEED,
                replicate: r,
            },
        );
        while sim.clock().warming_up() || sim.clock().tick() < tick {
            sim.step();
        }
        let before = attitudes(&mut sim);
        sim.step();
        let after = attitudes(&mut sim);
        let world = sim.world_mut();
        let mut q = world.query::<(&Resident, &Civic)>();
        let sat: Vec<u32> = q
            .iter(world)
            .filter(|(_, c)| c.assembly_step != NEVER)
            .map(|(r, _)| r.id)
            .collect();
        assert!(sat.len() >= 90, "about 100 members sit, got {}", sat.len());
        let mean_change = |ids: &mut dyn Iterator<Item = u32>| {
            let mut sum = [0.0; 3];
            let mut n = 0.0;
            for id in ids {
                if let (Some(b), Some(a)) = (before.get(&id), after.get(&id)) {
                    for k in 0..3 {
                        sum[k] += a[k] - b[k];
                    }
                    n += 1.0;
                }
            }
            sum.map(|s| s / n)
        };
        members.push(mean_change(&mut sat.iter().copied()));
        others.push(mean_change(
            &mut before.keys().copied().filter(|id| !sat.contains(id)),
        ));
    }
    let of = |rows: &[[f64; 3]], f: &dyn Fn(&[f64; 3]) -> f64| {
        Estimate::of(&rows.iter().map(f).collect::<Vec<_>>())
    };
    let external_over_internal = of(&members, &|m| m[0] - m[2]);
    eprintln!(
        "assembly week, mean change [external, council trust, internal]: members {members:?}, others {others:?}"
    );
    let trust_over_internal = of(&members, &|m| m[1] - m[2]);
    assert!(
        external_over_internal.above_zero(),
        "members' external efficacy should rise more than internal: {external_over_internal:?}"
    );
    assert!(
        trust_over_internal.above_zero(),
        "members' council trust should rise more than internal efficacy: {trust_over_internal:?}"
    );
    let members_external = of(&members, &|m| m[0]);
    let others_external = of(&others, &|m| m[0]);
    let others_trust = of(&others, &|m| m[1]);
    assert!(members_external.above_zero(), "{members_external:?}");
    for (what, e) in [
        ("external efficacy", others_external),
        ("council trust", others_trust),
    ] {
        assert!(
            e.mean.abs() < 0.2 * members_external.mean,
            "non-members' {what} moved {:.5}, not little next to members' {:.5}",
            e.mean,
            members_external.mean
        );
    }
}
