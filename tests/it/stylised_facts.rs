//! The stylised facts of ODD §1.3 (the checks themselves are in `src/facts.rs`, shared with
//! `cohesion validate`), on small towns so that `cargo test` stays quick: every built-in cut to
//! 1,500 residents (venue and group counts scaled to it) with 52 warm-up weeks, 4 replicates.
//!
//! At this size eight of the twelve facts keep a wide margin: the interval's near end lies at
//! least four half-widths from the boundary (seed 2019; docs/validation.md gives the figures).
//! The other four — austerity lowers neighbour contact, belonging and group membership, and
//! social infrastructure recovers belonging — are effects of under a point that need the full
//! 12,000-resident town and more replicates; a small town leaves their intervals across zero,
//! so `cohesion validate` checks them (12 replicates, 8 with `--quick`) and this test only checks
//! that they are measured and reported. `cargo test --release --test it stylised_facts --
//! --nocapture` prints every figure.

use cohesion::facts::{self, Fact, Size};
use std::sync::OnceLock;

const REPLICATES: u32 = 4;
const SEED: u64 = 2019;
const SIZE: Size = Size {
    residents: Some(1_500),
    warmup_weeks: Some(52),
};

/// Facts checked only by `cohesion validate`, on the full town.
const FULL_TOWN_ONLY: [&str; 4] = [
    "by 2019 austerity lowers neighbour contact",
    "by 2019 austerity lowers belonging",
    "by 2019 austerity lowers group membership",
    "rebuilding social infrastructure recovers belonging",
];

fn all() -> &'static [Fact] {
    static FACTS: OnceLock<Vec<Fact>> = OnceLock::new();
    FACTS.get_or_init(|| {
        cohesion::sim::init_threads(Some(1));
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        facts::check_sized(REPLICATES, SEED, threads, SIZE)
    })
}

fn show(f: &Fact) {
    let e = &f.estimate;
    eprintln!(
        "{}: {} = {:.5} (95% CI {:.5} to {:.5}, n = {})",
        f.claim, f.configuration, e.mean, e.ci_low, e.ci_high, e.n
    );
}

/// Asserts every fact whose claim contains `about`; there must be `expected` of them.
fn assert_facts(about: &str, expected: usize) {
    let chosen: Vec<&Fact> = all().iter().filter(|f| f.claim.contains(about)).collect();
    assert_eq!(chosen.len(), expected, "facts about {about}");
    for f in chosen {
        assert!(!FULL_TOWN_ONLY.contains(&f.claim), "{}", f.claim);
        show(f);
        let e = &f.estimate;
        assert!(
            f.pass,
            "{} ({}): {} is {:.5} (95% CI {:.5} to {:.5}); wanted: {}",
            f.claim,
            f.source,
            f.configuration,
            e.mean,
            e.ci_low,
            e.ci_high,
            f.tolerance()
        );
    }
}

#[test]
fn every_fact_is_measured_and_reported() {
    let all = all();
    assert_eq!(all.len(), 12, "the facts cohesion validate reports");
    for claim in FULL_TOWN_ONLY {
        let f = all
            .iter()
            .find(|f| f.claim == claim)
            .unwrap_or_else(|| panic!("{claim} is reported"));
        show(f);
    }
    for f in all {
        let e = &f.estimate;
        assert!(
            e.n == REPLICATES as usize && e.mean.is_finite() && e.ci_low <= e.ci_high,
            "{}: {e:?}",
            f.claim
        );
    }
}

#[test]
fn austerity_keeps_influence_and_council_trust_near_the_baseline() {
    assert_facts("austerity keeps", 2);
}

#[test]
fn closures_raise_anti_system_support_more_where_deprivation_is_high() {
    assert_facts("raise anti-system support", 1);
}

#[test]
fn voice_without_money_raises_external_efficacy() {
    assert_facts("voice without money", 1);
}

#[test]
fn an_assembly_acted_on_moves_external_efficacy_and_trust_not_internal() {
    assert_facts("assembly", 4);
}
