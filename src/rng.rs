//! Keyed random streams: the only source of randomness in the engine.
//!
//! Every draw in a run comes from a stream named by five things: the master seed, the replicate,
//! the purpose (which mechanism is drawing), the entity (our own stable id, never a bevy `Entity`)
//! and the tick. Two draws with different names never share numbers, and the numbers a resident
//! sees in week 300 do not depend on how many residents there are, which thread ran them, or what
//! happened earlier in the run. That is what makes runs byte-identical on any number of threads
//! (README, Reproducibility; ODD §4.9).
//!
//! Two generators serve two needs:
//!
//! - [`Seeds::stream`], for generating the town (once per entity): ChaCha8. The 256-bit key is
//!   derived from (master seed, replicate, purpose) by SplitMix64 expansion; the entity id is
//!   ChaCha's 64-bit stream number; the tick selects a window of 2^32 words within that stream.
//! - [`Seeds::tick_stream`], for the weekly mechanisms (once per resident per week, several times
//!   over): [`TickRng`], SplitMix64 (Steele, Lea & Flood 2014) started at a point hashed from the
//!   whole name. Building a ChaCha stream costs about 110 ns, which measured as a third of a
//!   whole tick; a `TickRng` costs a few nanoseconds. Streams are as independent as 64-bit
//!   hashed starting points make them: two of the billions of streams in a large run overlap only
//!   if their starts fall within a few hundred steps of each other on a 2^64 cycle.
//!
//! Replicate seeds: replicate `r` of a run with master seed `s` uses the key (s, r, purpose). A
//! single `cohesion run` is replicate 0.

use rand::rand_core::{Infallible, TryRng};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

/// Re-exported so that mechanisms import one trait for `random`, `random_range`, `random_bool`.
pub use rand::RngExt;

/// Which mechanism is drawing. The discriminant is part of the stream key, so it must never be
/// reordered or reused: add new purposes at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Purpose {
    /// Placing wards' homes and drawing residents' attributes.
    TownResidents = 1,
    /// Placing venues and drawing their qualities.
    TownVenues = 2,
    /// Founding community groups and their first members.
    TownGroups = 3,
    /// The initial social network.
    TownNetwork = 4,
    /// A resident's weekly outings and venue choices.
    Outings = 5,
    /// Pairing visitors inside one venue.
    Encounters = 6,
    /// A resident's weekly decision to take part in civic life.
    Participation = 7,
    /// Whether the council acts on a participant's input.
    CouncilResponse = 8,
    /// A venue's background closure hazard.
    Economy = 9,
    /// A resident leaving town.
    Turnover = 10,
    /// A newcomer's attributes (entity = the newcomer's id).
    Newcomer = 11,
    /// Joining and leaving community groups.
    Groups = 12,
    /// Choices made by scheduled interventions.
    Interventions = 13,
    /// Listing as an asset of community value, and the outcome of a right-to-bid moratorium.
    RightToBid = 14,
    /// A council library's closure under cuts.
    Libraries = 15,
    /// Community groups forming and folding.
    GroupLife = 16,
    /// Losing and finding a job, and who is laid off when an employer closes.
    Jobs = 17,
    /// The classic models of `crate::classic` number their purposes from 101, so that the town's
    /// own purposes can grow without renumbering. Deffuant–Weisbuch: opinions and pairs.
    Deffuant = 101,
    /// Hegselmann–Krause: initial opinions.
    HegselmannKrause = 102,
    /// Schelling: placing agents, the order they act in and where they move.
    Schelling = 103,
    /// Granovetter: drawing thresholds.
    Granovetter = 104,
    /// Axelrod: initial cultures and the events of the dynamics.
    Axelrod = 105,
    /// Parameter sweeps number their purposes from 201. Sampling a sweep's design (Latin
    /// hypercube, Morris trajectories) from its master seed.
    SweepDesign = 201,
    /// A Saltelli design's base points (entity = the base row), for Sobol indices.
    SobolDesign = 202,
    /// The bootstrap resamples of Sobol indices (entity = the resample).
    SobolBootstrap = 203,
    /// Calibration numbers its purposes from 301. An ABC-SMC proposal's ancestor and
    /// perturbation (replicate = the generation, entity = the proposal).
    CalibrationProposal = 301,
    /// Draws of parameter sets from a posterior (entity = the draw).
    PosteriorDraw = 302,
}

/// A run's randomness: the master seed and replicate, from which every stream is keyed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seeds {
    /// The seed the user gave (`--seed`).
    pub master: u64,
    /// The replicate number within a comparison or sweep; 0 for a single run.
    pub replicate: u32,
}

impl Seeds {
    /// Seeds for replicate 0 of `master`.
    pub fn new(master: u64) -> Self {
        Seeds::of(master, 0)
    }

    /// Seeds for `replicate` of `master`.
    pub fn of(master: u64, replicate: u32) -> Self {
        Seeds { master, replicate }
    }

    /// The ChaCha8 stream for `purpose`, `entity` and `tick`, for generating the town.
    ///
    /// Building one costs about a hundred nanoseconds: fine once per entity, too dear once per
    /// resident per week (use [`Seeds::tick_stream`] there).
    pub fn stream(&self, purpose: Purpose, entity: u64, tick: u32) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::from_seed(self.key(purpose));
        rng.set_stream(entity);
        rng.set_word_pos(u128::from(tick) << 32);
        rng
    }

    /// The weekly stream for `purpose`, `entity` and `tick` (see [`TickRng`]).
    #[inline]
    pub fn tick_stream(&self, purpose: Purpose, entity: u64, tick: u32) -> TickRng {
        let key = self.master
            ^ (u64::from(self.replicate)).wrapping_mul(0xA24B_AED4_963E_E407)
            ^ (purpose as u64).wrapping_mul(0x9FB2_1C65_1E98_DF25);
        let h = finalise(key.wrapping_add(finalise(entity.wrapping_add(0x2545_F491_4F6C_DD1D))));
        TickRng {
            state: finalise(h ^ finalise(u64::from(tick).wrapping_add(0x9E37_79B9_7F4A_7C15))),
        }
    }

    /// The 256-bit ChaCha key for one purpose.
    fn key(&self, purpose: Purpose) -> [u8; 32] {
        let mut state = self.master
            ^ (u64::from(self.replicate)).wrapping_mul(0xA24B_AED4_963E_E407)
            ^ (purpose as u64).wrapping_mul(0x9FB2_1C65_1E98_DF25);
        let mut key = [0u8; 32];
        for chunk in key.chunks_exact_mut(8) {
            chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
        }
        key
    }
}

/// A cheap keyed generator for the weekly mechanisms: SplitMix64 from a hashed start.
#[derive(Clone, Debug)]
pub struct TickRng {
    state: u64,
}

impl TryRng for TickRng {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((splitmix64(&mut self.state) >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(splitmix64(&mut self.state))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let bytes = splitmix64(&mut self.state).to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

/// SplitMix64's output function (a 64-bit finaliser with good avalanche). It is a bijection
/// of the 64-bit integers: distinct inputs give distinct outputs.
#[inline]
pub fn finalise(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One step of SplitMix64 (Steele, Lea & Flood 2014): a fast, well-mixed 64-bit sequence used
/// here only to spread a seed over a 256-bit key.
#[inline]
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    finalise(*state)
}

/// A Poisson draw by inversion; exact for the small means (a few outings a week) used here.
pub fn poisson<R: RngExt>(rng: &mut R, mean: f64) -> u32 {
    let limit = libm::exp(-mean);
    let mut product: f64 = rng.random();
    let mut count = 0;
    while product > limit && count < 64 {
        product *= rng.random::<f64>();
        count += 1;
    }
    count
}

/// A standard normal draw (Box–Muller, one of the pair), using `libm` so that every platform
/// gives the same bits.
pub fn normal<R: RngExt>(rng: &mut R) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random();
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(std::f64::consts::TAU * u2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(seeds: Seeds, purpose: Purpose, entity: u64, tick: u32) -> [u64; 4] {
        let mut rng = seeds.stream(purpose, entity, tick);
        [rng.random(), rng.random(), rng.random(), rng.random()]
    }

    #[test]
    fn same_name_same_numbers() {
        let s = Seeds::new(42);
        assert_eq!(
            first(s, Purpose::Outings, 7, 3),
            first(s, Purpose::Outings, 7, 3)
        );
    }

    #[test]
    fn every_part_of_the_name_changes_the_stream() {
        let s = Seeds::new(42);
        let base = first(s, Purpose::Outings, 7, 3);
        assert_ne!(base, first(Seeds::new(43), Purpose::Outings, 7, 3));
        let r1 = Seeds {
            master: 42,
            replicate: 1,
        };
        assert_ne!(base, first(r1, Purpose::Outings, 7, 3));
        assert_ne!(base, first(s, Purpose::Encounters, 7, 3));
        assert_ne!(base, first(s, Purpose::Outings, 8, 3));
        assert_ne!(base, first(s, Purpose::Outings, 7, 4));
    }

    #[test]
    fn tick_streams_are_keyed_by_every_part_of_the_name() {
        let s = Seeds::new(42);
        let draw = |seeds: Seeds, p, e, t| {
            let mut rng = seeds.tick_stream(p, e, t);
            [rng.random::<u64>(), rng.random::<u64>()]
        };
        let base = draw(s, Purpose::Outings, 7, 3);
        assert_eq!(base, draw(s, Purpose::Outings, 7, 3));
        assert_ne!(base, draw(Seeds::new(43), Purpose::Outings, 7, 3));
        assert_ne!(base, draw(s, Purpose::Participation, 7, 3));
        assert_ne!(base, draw(s, Purpose::Outings, 8, 3));
        assert_ne!(base, draw(s, Purpose::Outings, 7, 4));
    }

    #[test]
    fn tick_stream_uniforms_look_uniform() {
        // Mean and the share below 0.1 over the first draw of 50,000 neighbouring streams: the
        // case that matters, since each resident draws from its own stream each week.
        let s = Seeds::new(3);
        let n = 50_000;
        let xs: Vec<f64> = (0..n)
            .map(|i| s.tick_stream(Purpose::Outings, i, 0).random::<f64>())
            .collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let low = xs.iter().filter(|&&x| x < 0.1).count() as f64 / n as f64;
        assert!((mean - 0.5).abs() < 0.005, "mean {mean}");
        assert!((low - 0.1).abs() < 0.005, "low {low}");
    }

    #[test]
    fn poisson_mean_is_close() {
        let s = Seeds::new(1);
        let n = 20_000;
        let total: u64 = (0..n)
            .map(|i| u64::from(poisson(&mut s.stream(Purpose::Outings, i, 0), 2.5)))
            .sum();
        let mean = total as f64 / n as f64;
        assert!((mean - 2.5).abs() < 0.05, "mean {mean}");
    }

    #[test]
    fn normal_has_unit_spread() {
        let mut rng = Seeds::new(9).stream(Purpose::TownResidents, 0, 0);
        let xs: Vec<f64> = (0..20_000).map(|_| normal(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
    }
}
