//! Properties of the model over random valid scenarios: every resident metric stays in [0,1],
//! nothing is NaN, and counts stay whole and non-negative.

use crate::common::for_random_cases;
use cohesion::rng::RngExt;
use cohesion::{Scenario, Seeds};
use rand_chacha::ChaCha8Rng;

/// A random valid scenario: a small town (200 to 900 residents, one or two years) with the
/// levers that matter most to the metrics' ranges drawn across their ranges, and, half the
/// time, seven interventions early in the run (austerity, lockdown, investment, pub costs,
/// devolution, a citizens' assembly, group funding).
fn random_scenario(rng: &mut ChaCha8Rng) -> Scenario {
    let mut s = Scenario::default();
    s.town.residents = rng.random_range(200u32..900);
    s.time.years = rng.random_range(1u32..3);
    s.time.warmup_weeks = rng.random_range(0u32..10);
    let dep_lo = rng.random_range(0.0f64..1.0);
    for (i, w) in s.town.wards.iter_mut().enumerate() {
        w.deprivation = (dep_lo + 0.1 * i as f64).min(1.0);
    }
    s.council.openness = rng.random_range(0.0f64..1.0);
    s.residents.outings_per_week = rng.random_range(0.0f64..6.0);
    s.trust.prior_mean = rng.random_range(0.0f64..1.0);
    s.venues.pubs.preference = rng.random_range(0.0f64..1.0) * 4.0 - 2.0;
    s.council.real_terms_change_per_year = rng.random_range(-0.3f64..0.1);
    s.council.venue_share = rng.random_range(0.0f64..0.3);
    s.encounters.per_visit_at_capacity = rng.random_range(0.0f64..5.0);
    let bid = rng.random::<bool>();
    s.council.community_right_to_bid = bid;
    s.trust.memory_per_week = rng.random_range(0.0f64..1.0);
    s.groups.count = rng.random_range(0u32..40);
    s.residents.sociability_spread = rng.random_range(0.5f64..4.0).min(2.0);
    if rng.random::<bool>() {
        let austerity_cut = rng.random_range(0.0f64..0.5);
        let weeks = rng.random_range(1u32..30);
        let pub_change = rng.random_range(-0.5f64..2.0);
        let members = rng.random_range(1u32..600);
        let events = format!(
            "[[events]]\nkind = \"austerity\"\nyear = 2010\nweek = 3\nyears = 2\n\
             cut_per_year = {austerity_cut}\nstatutory_share_rise_per_year = 0.05\n\
             deprivation_weighted = true\n\
             [[events]]\nkind = \"lockdown\"\nyear = 2010\nweek = 5\nweeks = {weeks}\n\
             [[events]]\nkind = \"invest\"\nyear = 2010\nweek = 6\n\
             venue_kind = \"community_centre\"\nward = \"Pithead\"\ncount = 2\n\
             [[events]]\nkind = \"pub_costs\"\nyear = 2010\nweek = 7\nchange = {pub_change}\n\
             [[events]]\nkind = \"devolution\"\nyear = 2010\nweek = 8\nbig_bang = true\n\
             [[events]]\nkind = \"citizens_assembly\"\nyear = 2010\nweek = 9\n\
             members = {members}\nacted_on = {bid}\n\
             [[events]]\nkind = \"fund_groups\"\nyear = 2010\nweek = 9\n\
             gbp_per_year = 20000.0\nyears = 1\n"
        );
        s.events = Scenario::from_toml(&events, "events").unwrap().events;
    }
    s
}

/// 24 random scenarios, each run to the end with a random seed.
#[test]
fn metrics_stay_in_range() {
    for_random_cases(24, |rng| {
        let s = random_scenario(rng);
        let seed = rng.random_range(0u64..1000);
        s.validate(None, "generated").unwrap();
        let out = cohesion::run::to_end(&s, Seeds::new(seed));
        let wards = s.town.wards.len() as u16;
        assert!(!out.observations.0.is_empty());
        for o in &out.observations.0 {
            assert!(o.value.is_finite(), "{} is {}", o.metric, o.value);
            let metric = cohesion::metrics::metric(o.metric);
            if metric.is_some_and(|m| m.over_residents() && m.per_hundred().is_some()) {
                // A share or a mean on 0-1.
                assert!((0.0..=1.0).contains(&o.value), "{} = {}", o.metric, o.value);
            } else if o.metric == "mean_age" {
                let ages = s.residents.age_min_years..=s.residents.age_max_years;
                assert!(ages.contains(&o.value), "mean_age = {}", o.value);
            } else {
                let whole = o.metric == "mean_ties" || o.value.fract() == 0.0;
                assert!(o.value >= 0.0 && whole, "{} = {}", o.metric, o.value);
            }
            assert!(o.ward.is_none_or(|w| w < wards));
        }
        assert_eq!(
            out.observations
                .series(None, "residents")
                .last()
                .map(|x| x.1),
            Some(f64::from(s.town.residents))
        );
    });
}

/// Mean age over the town's first and last year.
fn mean_age_first_and_last_year(s: &Scenario, seed: u64) -> (f64, f64) {
    let out = cohesion::run::to_end(s, Seeds::new(seed));
    let ages = out.observations.series(None, "mean_age");
    let last_tick = ages.last().expect("mean_age is observed").0;
    let mean = |keep: &dyn Fn(u32) -> bool| {
        let v: Vec<f64> = ages.iter().filter(|(t, _)| keep(*t)).map(|x| x.1).collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    (mean(&|t| t < 52), mean(&|t| t + 52 > last_tick))
}

/// Founders are drawn from the age structure that turnover keeps (`SettledAges`), so with no
/// intervention the town neither ages nor grows younger as its residents are replaced — for the
/// default newcomers and for young newcomers who leave fast, whose town is much younger. A fixed
/// founders' curve would hold for at most one of the two.
#[test]
fn the_founders_age_structure_is_the_one_turnover_keeps() {
    let mut s = Scenario::load("baseline").unwrap();
    s.town.residents = 2000;
    s.time.years = 12;
    s.economy.pub_closure_rate_at_break_even = 0.0;
    let mut young = s.clone();
    young.turnover.newcomer_age_min_years = 18.0;
    young.turnover.newcomer_age_max_years = 30.0;
    young.turnover.leave_rate_per_year *= 2.0;
    let towns = [("default", &s), ("young newcomers", &young)];
    // The two towns in parallel.
    let ages: Vec<(f64, f64)> = std::thread::scope(|scope| {
        let runs: Vec<_> = towns
            .iter()
            .map(|&(_, sc)| scope.spawn(move || mean_age_first_and_last_year(sc, 11)))
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let mut firsts = Vec::new();
    for ((name, _), (first, last)) in towns.into_iter().zip(ages) {
        assert!(
            (last - first).abs() < 1.0,
            "{name}: mean age {first:.2} in the first year, {last:.2} in the twelfth"
        );
        firsts.push(first);
    }
    assert!(
        firsts[1] < firsts[0] - 3.0,
        "young newcomers make a younger town: {firsts:?}"
    );
}
