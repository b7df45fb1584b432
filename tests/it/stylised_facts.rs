//! The stylised facts of ODD §1.3 as the built-in scenarios must show them (the checks
//! themselves are in `src/facts.rs`, shared with `cohesion validate`): means over 6
//! replicates, and the 95% interval of each paired difference on the reported side of zero.
//! `cargo test --release --test it stylised_facts -- --nocapture` prints the figures.

use cohesion::facts::{self, Fact};
use std::sync::OnceLock;

const REPLICATES: u32 = 6;
const SEED: u64 = 2019;

fn all() -> &'static [Fact] {
    static FACTS: OnceLock<Vec<Fact>> = OnceLock::new();
    FACTS.get_or_init(|| {
        cohesion::sim::init_threads(Some(1));
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        facts::check(REPLICATES, SEED, threads)
    })
}

/// Asserts every fact whose claim contains `about`; there must be `expected` of them.
fn assert_facts(about: &str, expected: usize) {
    let chosen: Vec<&Fact> = all().iter().filter(|f| f.claim.contains(about)).collect();
    assert_eq!(chosen.len(), expected, "facts about {about}");
    for f in chosen {
        let e = &f.estimate;
        eprintln!(
            "{}: {} = {:.5} (95% CI {:.5} to {:.5}, n = {})",
            f.claim, f.configuration, e.mean, e.ci_low, e.ci_high, e.n
        );
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
fn austerity_lowers_contact_belonging_and_membership_by_2019() {
    assert_facts("by 2019 austerity lowers", 3);
}

#[test]
fn social_infrastructure_recovers_belonging() {
    assert_facts("social infrastructure", 1);
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
