//! Rules the town shares with the classic models of `crate::classic`: small pure functions, so
//! that a classic check exercises the very code the town runs, and a change here moves both.
//!
//! - [`similarity`]: the share of identity features on which two people agree (Axelrod 1997).
//!   The town uses it for homophily in encounters; Axelrod's culture model uses it as the chance
//!   that two neighbours interact.
//! - [`move_toward`]: partial adjustment of a state towards a target, x ← x + r·(target − x). The
//!   town uses it for belonging; the Deffuant–Weisbuch model (Deffuant et al. 2000) uses it for
//!   the opinion step of two agents who are within each other's confidence bound.
//!
//! The participation decision is shared too, from its own file:
//! [`super::participation::participation_logit`] is Granovetter's (1978) threshold rule when the
//! peer term is the only one switched on.

use super::components::MAX_FEATURES;

/// Share of identity features on which two people agree (Axelrod's similarity): the number of
/// the first `features` positions where `a` and `b` hold the same trait, over `features`.
#[inline]
pub fn similarity(a: &[u8; MAX_FEATURES], b: &[u8; MAX_FEATURES], features: usize) -> f32 {
    // All sixteen places compared at once, those past `features` masked out.
    let features = features.min(MAX_FEATURES);
    let same: u32 = (0..MAX_FEATURES)
        .map(|i| u32::from((a[i] == b[i]) & (i < features)))
        .sum();
    same as f32 / features.max(1) as f32
}

/// Moves `x` a share `rate` of the way towards `target`: x + rate·(target − x).
#[inline]
pub fn move_toward(x: f32, target: f32, rate: f32) -> f32 {
    x + rate * (target - x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similarity_counts_shared_features() {
        let mut a = [0u8; MAX_FEATURES];
        let mut b = [0u8; MAX_FEATURES];
        a[..4].copy_from_slice(&[1, 2, 3, 4]);
        b[..4].copy_from_slice(&[1, 9, 3, 9]);
        assert_eq!(similarity(&a, &b, 4), 0.5);
        assert_eq!(similarity(&a, &a, 4), 1.0);
        // Only the first `features` positions count.
        assert_eq!(similarity(&a, &b, 1), 1.0);
    }

    #[test]
    fn move_toward_goes_part_of_the_way() {
        assert_eq!(move_toward(0.25, 0.75, 0.5), 0.5);
        assert_eq!(move_toward(0.25, 0.75, 0.0), 0.25);
        assert_eq!(move_toward(0.25, 0.75, 1.0), 0.75);
    }
}
