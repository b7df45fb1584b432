//! The town model's stylised facts (ODD §1.3): what the research reports about towns like
//! this one, in sign, checked on the built-in scenarios with replicates. Each fact passes only
//! when the 95% interval of its paired difference lies on the reported side of zero.
//!
//! - 2010–19 austerity lowers neighbour contact, belonging and group membership (ONS, Social
//!   capital in the UK, 2020): `austerity_2010` against `baseline` over 2019;
//! - rebuilding social infrastructure recovers belonging (Klinenberg 2018):
//!   `social_infrastructure` against `austerity_2010` over 2019;
//! - a citizens' assembly acted on raises its members' external efficacy and council trust more
//!   than their internal efficacy, with little change among everyone else (the Lisbon citizens'
//!   assembly evidence);
//! - austerity leaves the share who feel able to influence local decisions within 3 points, and
//!   council trust within 0.05, of the baseline (Community Life Survey flat at 25-27% over
//!   2013/14-2019/20; LGA polling steady): `austerity_2010` against `baseline` over 2019;
//! - the same pub closures raise anti-system support more where deprivation is high (Bolet
//!   2021): the matched wards, small;
//! - voice without money raises external efficacy: `devolution_voice` against `austerity_2010`
//!   over 2019, small.
//!
//! Runs end in 2019, the year the facts are stated for; keyed random streams make every week
//! before then the same as in the full-length scenario. Judged by `cohesion validate`.

use crate::compare::{ComparePlan, Comparison, Run, simulate};
use crate::model::components::{Attitudes, Civic, NEVER, Resident};
use crate::scenario::Intervention;
use crate::stats::Estimate;
use crate::{Scenario, Seeds, Simulation};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// The year the facts are stated for.
pub const YEAR: i32 = 2019;

/// Which side of zero a fact needs its interval on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Want {
    Below,
    Above,
    /// Within ± this share of another effect (a "little change").
    Near,
    /// The mean (not its interval) between these two values: a calibration band that towns
    /// vary around more than the runs' interval says.
    Between(f64, f64),
}

/// One checked fact.
#[derive(Clone, Debug)]
pub struct Fact {
    /// What is claimed, in words.
    pub claim: &'static str,
    pub source: &'static str,
    /// What was measured, exactly.
    pub configuration: String,
    pub want: Want,
    pub estimate: Estimate,
    /// For `Want::Near`: the half-width the interval must stay inside.
    pub bound: f64,
    pub pass: bool,
}

impl Fact {
    fn new(
        claim: &'static str,
        source: &'static str,
        configuration: String,
        want: Want,
        estimate: Estimate,
        bound: f64,
    ) -> Fact {
        let pass = match want {
            Want::Below => estimate.below_zero(),
            Want::Above => estimate.above_zero(),
            Want::Near => estimate.ci_low > -bound && estimate.ci_high < bound,
            Want::Between(lo, hi) => (lo..=hi).contains(&estimate.mean),
        };
        Fact {
            claim,
            source,
            configuration,
            want,
            estimate,
            bound,
            pass,
        }
    }

    /// The tolerance in words.
    pub fn tolerance(&self) -> String {
        match self.want {
            Want::Below => "95% interval below zero".into(),
            Want::Above => "95% interval above zero".into(),
            Want::Near => format!("95% interval within ±{:.5}", self.bound),
            Want::Between(lo, hi) => format!("mean between {lo} and {hi}"),
        }
    }
}

const ONS_2020: &str = "ONS 2020, Social capital in the UK";
const ONS_PUBS_2018: &str = "ONS 2018, Economies of ale (pubs closed 2001-18 and 2008-18)";
const CLS_STABLE: &str =
    "DCMS Community Life Survey 2016/17-2023/24 (data/targets/cls_england.csv)";
const KLINENBERG_2018: &str = "Klinenberg 2018, Palaces for the People";
const BOLET_2021: &str = "Bolet 2021, Comparative Political Studies 54(9)";
const LISBON: &str = "Lisbon citizens' assembly evidence";
const CLS_LGA: &str =
    "Community Life Survey 2013/14-2019/20 (influence flat at 25-27%); LGA polling (trust steady)";
const VOICE: &str = "the seed essay's 'autonomy and voice' (chain: ODD §7.3, §7.9, §7.11)";

/// Residents in the small towns of the political facts: enough for ward means, fast to run.
pub const SMALL_TOWN: u32 = 1_500;

/// A built-in scenario cut to end in 2019.
fn to_year(name: &str) -> Scenario {
    let mut s = Scenario::load(name).expect("built-in scenarios are valid");
    s.time.years = (YEAR - s.time.start_year + 1) as u32;
    s
}

/// Four wards alike in everything but deprivation: the same homes, the same venues, laid out
/// symmetrically, two at deprivation 0.3 and two at 0.8. With `closures`, one pub in every
/// ward closes in March 2012: the same closure everywhere. Five years.
pub fn matched_wards(closures: bool) -> Scenario {
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
    Scenario::from_toml(&toml, "matched wards").expect("the matched town is valid")
}

fn plan(scenarios: Vec<Scenario>, replicates: u32, seed: u64) -> ComparePlan {
    ComparePlan {
        scenarios,
        replicates,
        seed,
        effects_years: Vec::new(),
        branch_at: None,
        contrasts: Vec::new(),
        posterior: None,
    }
}

/// How large a check's towns are. `Size::FULL` is the built-ins as written (`cohesion
/// validate`); a smaller size runs every fact on a town of `residents` with the built-ins'
/// venue and group counts scaled to it (`Scenario::scale_counts`) and `warmup_weeks` of
/// warm-up, for a check that must be quick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    /// Residents of each built-in town; `None` keeps each scenario's own.
    pub residents: Option<u32>,
    /// Warm-up weeks; `None` keeps each scenario's own.
    pub warmup_weeks: Option<u32>,
}

impl Size {
    /// The built-in scenarios as written.
    pub const FULL: Size = Size {
        residents: None,
        warmup_weeks: None,
    };

    /// `scenario` at this size.
    pub fn apply(&self, mut scenario: Scenario) -> Scenario {
        if let Some(residents) = self.residents {
            if scenario.town.counts_for_residents == 0 {
                scenario.town.counts_for_residents = scenario.town.residents;
            }
            scenario.town.residents = residents;
            scenario.scale_counts();
        }
        if let Some(weeks) = self.warmup_weeks {
            scenario.time.warmup_weeks = weeks;
        }
        scenario
    }
}

/// The calibration facts: the baseline's pubs close at about the national rate, and its share
/// belonging holds while they do. Each town is one seed (`Seeds::new`), the towns spread over
/// `threads`; `size` as in [`check_sized`] (`cohesion validate` uses the full town).
pub fn calibration_facts(threads: usize, size: Size) -> Vec<Fact> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .expect("a pool of worker threads");
    let baseline = size.apply(Scenario::load("baseline").expect("the built-in baseline"));
    pool.install(|| vec![pub_closures(&baseline), belonging_holds(&baseline)])
}

/// ONS (2018, Economies of ale): 1.8% of pubs closed a year over 2001-18 and 2.5% over 2008-18.
/// Twelve baseline towns (seeds 1000 to 1011) over 2010-17; each town's pubs closed a year per
/// pub. Closures vary more between towns than a Poisson count (some towns start with more
/// marginal pubs), so the band is wide: a mean of 1.0% to 3.5% a year.
fn pub_closures(baseline: &Scenario) -> Fact {
    let mut s = baseline.clone();
    s.time.years = 8;
    let pubs = f64::from(s.venues.pubs.count.max(1));
    let rates: Vec<f64> = (1000..1012u64)
        .into_par_iter()
        .map(|seed| {
            let out = crate::run::to_end(&s, Seeds::new(seed));
            let closed = out
                .events
                .iter()
                .filter(|e| {
                    e.kind == "close" && e.venue.as_deref().is_some_and(|v| v.starts_with("pub"))
                })
                .count();
            closed as f64 / (pubs * 8.0)
        })
        .collect();
    Fact::new(
        "pubs close at about the national rate",
        ONS_PUBS_2018,
        format!(
            "baseline ({} residents, {} pubs) over 2010-17, pubs closed a year per pub, 12 towns \
             (seeds 1000-1011)",
            s.town.residents, s.venues.pubs.count
        ),
        Want::Between(0.010, 0.035),
        Estimate::of(&rates),
        0.0,
    )
}

/// The Community Life Survey's share belonging to the neighbourhood was broadly stable (0.62 in
/// 2016/17, 0.61 in 2023/24; data/targets/cls_england.csv) while the UK's pubs fell from about
/// 50,000 (2008) to 38,815 (2018; data/targets/pubs.csv). The baseline, its pubs closing, should
/// hold its level too: each town's share belonging in its last year less its first, three towns
/// (seeds 7, 8, 9), the mean within 0.03.
fn belonging_holds(baseline: &Scenario) -> Fact {
    let weeks = crate::scenario::WEEKS_PER_YEAR;
    let last = baseline.time.years - 1;
    let changes: Vec<f64> = [7u64, 8, 9]
        .into_par_iter()
        .map(|seed| {
            let out = crate::run::to_end(baseline, Seeds::new(seed));
            let series = out.observations.series(None, "share_belonging");
            let year = |y: u32| {
                let v: Vec<f64> = series
                    .iter()
                    .filter(|(t, _)| t / weeks == y)
                    .map(|&(_, v)| v)
                    .collect();
                v.iter().sum::<f64>() / v.len().max(1) as f64
            };
            year(last) - year(0)
        })
        .collect();
    Fact::new(
        "the baseline holds its share belonging while its pubs close",
        CLS_STABLE,
        format!(
            "baseline ({} residents), share belonging in {} less {}, 3 towns (seeds 7, 8, 9)",
            baseline.town.residents,
            baseline.time.start_year + last as i32,
            baseline.time.start_year
        ),
        Want::Between(-0.03, 0.03),
        Estimate::of(&changes),
        0.0,
    )
}

/// Every fact, each with `replicates` replicates of `seed`, runs spread over `threads`.
pub fn check(replicates: u32, seed: u64, threads: usize) -> Vec<Fact> {
    check_sized(replicates, seed, threads, Size::FULL)
}

/// Every fact as `check`, on towns of `size`.
pub fn check_sized(replicates: u32, seed: u64, threads: usize, size: Size) -> Vec<Fact> {
    let mut facts = Vec::new();
    let names = ["baseline", "austerity_2010", "social_infrastructure"];
    let scenarios = names.iter().map(|n| size.apply(to_year(n))).collect();
    let cmp = simulate(&plan(scenarios, replicates, seed), threads, |_, _, _, _| {})
        .expect("the built-in comparison is valid");
    let year = cmp.year_index(YEAR);
    let effect = |cmp: &Comparison, a, b, metric: &str| {
        cmp.paired(a, b, |r: &Run| r.year_mean(metric, year))
    };
    for (metric, claim) in [
        (
            "neighbour_contact",
            "by 2019 austerity lowers neighbour contact",
        ),
        ("belonging", "by 2019 austerity lowers belonging"),
        ("group_members", "by 2019 austerity lowers group membership"),
    ] {
        facts.push(Fact::new(
            claim,
            ONS_2020,
            format!("austerity_2010 − baseline, {metric} over {YEAR}"),
            Want::Below,
            effect(&cmp, 1, 0, metric),
            0.0,
        ));
    }
    for (metric, bound, claim) in [
        (
            "share_influence",
            0.03,
            "austerity keeps the share able to influence within 3 points of the baseline",
        ),
        (
            "council_trust",
            0.05,
            "austerity keeps council trust within 0.05 of the baseline",
        ),
    ] {
        facts.push(Fact::new(
            claim,
            CLS_LGA,
            format!("austerity_2010 − baseline, {metric} over {YEAR}"),
            Want::Near,
            effect(&cmp, 1, 0, metric),
            bound,
        ));
    }
    facts.push(Fact::new(
        "rebuilding social infrastructure recovers belonging",
        KLINENBERG_2018,
        format!("social_infrastructure − austerity_2010, belonging over {YEAR}"),
        Want::Above,
        effect(&cmp, 2, 1, "belonging"),
        0.0,
    ));
    drop(cmp);

    facts.extend(assembly_facts(replicates.min(4), seed, threads, size));
    facts.extend(political_facts(replicates, seed, threads, size));
    facts
}

/// The political facts, on small towns: the same pub closures raise anti-system support more
/// where deprivation is high, and voice without money raises external efficacy.
pub fn political_facts(replicates: u32, seed: u64, threads: usize, size: Size) -> Vec<Fact> {
    let small = |mut s: Scenario| {
        s.town.residents = SMALL_TOWN;
        if let Some(weeks) = size.warmup_weeks {
            s.time.warmup_weeks = weeks;
        }
        s
    };
    // The matched town at this size cannot keep twelve pubs, so pubs' closure hazard is
    // off: the only closures are the four scheduled ones.
    let matched = |closures| {
        let mut s = small(matched_wards(closures));
        s.economy.pub_closure_rate_at_break_even = 0.0;
        s
    };
    let scenarios = vec![matched(false), matched(true)];
    let cmp = simulate(&plan(scenarios, replicates, seed), threads, |_, _, _, _| {})
        .expect("the matched comparison is valid");
    let wards = &cmp.plan.scenarios[0].town.wards;
    let group = |deprivation: f64| -> Vec<u16> {
        (0..wards.len() as u16)
            .filter(|&w| wards[w as usize].deprivation == deprivation)
            .collect()
    };
    let (high, low) = (group(0.8), group(0.3));
    let (from, to) = (cmp.year_index(2012), cmp.year_index(2013));
    let support = |run: &Run, group: &[u16]| {
        let mut sum = 0.0;
        for &w in group {
            let years = &run.wards[&(w, "anti_system_support")];
            sum += (from..=to).map(|y| years[y as usize]).sum::<f64>() / f64::from(to - from + 1);
        }
        sum / group.len() as f64
    };
    let bolet = Fact::new(
        "the same closures raise anti-system support more in deprived wards",
        BOLET_2021,
        format!(
            "one pub closed in each of four wards alike but for deprivation (0.8 against \
             0.3), {SMALL_TOWN} residents, no other pub closures: (closures − none) in the \
             deprived wards minus the same in the well-off ones, anti_system_support over 2012–13; chain: pub \
             loss (§7.16) on residents whose trust, efficacy and work differ with \
             deprivation (§7.7, §7.9, §7.11), no interaction term"
        ),
        Want::Above,
        cmp.paired(1, 0, |r| support(r, &high) - support(r, &low)),
        0.0,
    );
    drop(cmp);

    let scenarios = ["austerity_2010", "devolution_voice"]
        .iter()
        .map(|n| small(to_year(n)))
        .collect();
    let cmp = simulate(&plan(scenarios, replicates, seed), threads, |_, _, _, _| {})
        .expect("the built-in comparison is valid");
    let year = cmp.year_index(YEAR);
    let voice = Fact::new(
        "voice without money raises external efficacy",
        VOICE,
        format!(
            "devolution_voice − austerity_2010, {SMALL_TOWN} residents, efficacy_external \
             over {YEAR}; chain: powers, openness and participatory budgeting widen \
             opportunities and the chance of being answered (§7.3), more take part (§7.9), \
             more are answered (§7.11); no money"
        ),
        Want::Above,
        cmp.paired(1, 0, |r: &Run| r.year_mean("efficacy_external", year)),
        0.0,
    );
    vec![bolet, voice]
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

/// The `citizens_assembly` scenario, over the assembly's week: the mean change among members
/// and among everyone else, per replicate.
fn assembly_facts(replicates: u32, seed: u64, threads: usize, size: Size) -> Vec<Fact> {
    let scenario = size.apply(to_year("citizens_assembly"));
    let Some((year, week)) = scenario
        .events
        .iter()
        .find(|e| matches!(e, Intervention::CitizensAssembly(_)))
        .map(Intervention::when)
    else {
        return Vec::new();
    };
    let Some(tick) = scenario.tick_of(year, week) else {
        return Vec::new();
    };
    // One replicate: (members' mean change, everyone else's).
    let replicate = |r: u32| {
        let mut sim = Simulation::new(&scenario, Seeds::of(seed, r));
        while sim.clock().warming_up() || sim.clock().tick() < tick {
            sim.step();
        }
        let before = attitudes(&mut sim);
        sim.step();
        let after = attitudes(&mut sim);
        let world = sim.world_mut();
        let mut q = world.query::<(&Resident, &Civic)>();
        let sat: std::collections::BTreeSet<u32> = q
            .iter(world)
            .filter(|(_, c)| c.assembly_step != NEVER)
            .map(|(r, _)| r.id)
            .collect();
        let mean_change = |keep: &dyn Fn(u32) -> bool| {
            let mut sum = [0.0; 3];
            let mut n = 0.0;
            for (id, b) in &before {
                if let (true, Some(a)) = (keep(*id), after.get(id)) {
                    for k in 0..3 {
                        sum[k] += a[k] - b[k];
                    }
                    n += 1.0;
                }
            }
            sum.map(|s| s / f64::max(n, 1.0))
        };
        (
            mean_change(&|id| sat.contains(&id)),
            mean_change(&|id| !sat.contains(&id)),
        )
    };
    // Replicates in parallel, collected in replicate order.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .expect("the worker threads start");
    let changes: Vec<([f64; 3], [f64; 3])> =
        pool.install(|| (0..replicates).into_par_iter().map(replicate).collect());
    let (members, others): (Vec<[f64; 3]>, Vec<[f64; 3]>) = changes.into_iter().unzip();
    let of = |rows: &[[f64; 3]], f: &dyn Fn(&[f64; 3]) -> f64| {
        Estimate::of(&rows.iter().map(f).collect::<Vec<_>>())
    };
    let members_external = of(&members, &|m| m[0]).mean;
    let bound = 0.2 * members_external.abs();
    let week_of = format!("citizens_assembly, the assembly's week ({year} week {week})");
    vec![
        Fact::new(
            "an assembly acted on raises members' external efficacy more than internal",
            LISBON,
            format!("{week_of}: members' change in external minus internal efficacy"),
            Want::Above,
            of(&members, &|m| m[0] - m[2]),
            0.0,
        ),
        Fact::new(
            "an assembly acted on raises members' council trust more than internal efficacy",
            LISBON,
            format!("{week_of}: members' change in council trust minus internal efficacy"),
            Want::Above,
            of(&members, &|m| m[1] - m[2]),
            0.0,
        ),
        Fact::new(
            "an assembly changes little among non-members",
            LISBON,
            format!(
                "{week_of}: non-members' change in external efficacy, against a fifth of \
                 members' ({members_external:.4})"
            ),
            Want::Near,
            of(&others, &|m| m[0]),
            bound,
        ),
        Fact::new(
            "an assembly changes council trust little among non-members",
            LISBON,
            format!(
                "{week_of}: non-members' change in council trust, against a fifth of members' \
                 change in external efficacy"
            ),
            Want::Near,
            of(&others, &|m| m[1]),
            bound,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(want: Want, values: &[f64], bound: f64) -> bool {
        Fact::new(
            "claim",
            "source",
            String::new(),
            want,
            Estimate::of(values),
            bound,
        )
        .pass
    }

    #[test]
    fn each_kind_of_fact_is_judged_by_its_own_rule() {
        // A band judges the mean only, however wide the interval.
        assert!(judged(Want::Between(0.01, 0.035), &[0.0, 0.05], 0.0));
        assert!(!judged(Want::Between(0.01, 0.035), &[0.04, 0.041], 0.0));
        assert!(!judged(Want::Between(-0.03, 0.03), &[-0.04, -0.031], 0.0));
        // A sign needs the whole interval on its side.
        assert!(judged(Want::Below, &[-0.2, -0.21, -0.19], 0.0));
        assert!(!judged(Want::Below, &[-0.2, 0.1, -0.19], 0.0));
        assert!(judged(Want::Above, &[0.2, 0.21, 0.19], 0.0));
        assert!(!judged(Want::Above, &[0.2, -0.1, 0.19], 0.0));
        // "Little change" needs the interval inside ± the bound.
        assert!(judged(Want::Near, &[0.001, -0.001, 0.0], 0.01));
        assert!(!judged(Want::Near, &[0.001, -0.001, 0.0], 0.001));
    }
}
