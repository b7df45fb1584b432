//! The stylised facts of ODD §1.3 are judged by `cohesion validate` (`src/facts.rs`), which CI
//! runs: every built-in at full size, 8 replicates with `--quick` and 12 without, since the
//! smallest facts are effects of under a point. Judging them here too would add a statistical
//! run of a minute to every `cargo test`, so this test checks only that the machinery measures
//! and judges each fact, on towns cut to 600 residents with 2 replicates.

use cohesion::facts::{self, Size};

#[test]
fn every_fact_is_measured_and_judged() {
    cohesion::sim::init_threads(Some(1));
    let size = Size {
        residents: Some(600),
        warmup_weeks: Some(26),
    };
    let all = facts::check_sized(2, 2019, 2, size);
    assert_eq!(all.len(), 12, "the facts cohesion validate reports");
    let mut claims: Vec<&str> = all.iter().map(|f| f.claim).collect();
    claims.sort_unstable();
    claims.dedup();
    assert_eq!(claims.len(), 12, "each fact once");
    for f in &all {
        let e = &f.estimate;
        assert!(
            e.n == 2 && e.mean.is_finite() && e.ci_low <= e.mean && e.mean <= e.ci_high,
            "{}: {e:?}",
            f.claim
        );
        assert!(!f.configuration.is_empty() && !f.source.is_empty());
        assert!(!f.tolerance().is_empty(), "{} says what passes", f.claim);
    }
}
