//! ABC-SMC with adaptive tolerances: the adaptive population Monte Carlo algorithm of Lenormand,
//! Jabot & Deffuant (2013), run in batches that the caller evaluates.
//!
//! **In plain words.** Approximate Bayesian computation fits a model whose likelihood cannot be
//! written down: it runs the model at many parameter sets and keeps those whose outputs come
//! close to the targets, close meaning a distance below a tolerance. The kept sets, weighted,
//! approximate the posterior. Sequential Monte Carlo does this in generations, each one
//! proposing new sets near the sets kept so far and tightening the tolerance:
//!
//! 1. Generation 0 runs `N` parameter sets drawn from the prior. The `N_α = ⌈α N⌉` nearest to
//!    the targets form the population, each of weight 1; the tolerance `ε₀` is the distance of
//!    the farthest of them (so it is the α-quantile of the distances, set by the data, not
//!    chosen beforehand).
//! 2. Each later generation `g` proposes `N − N_α` new sets: each picks a member of the
//!    population with probability proportional to its weight and moves it by a normal step whose
//!    covariance is twice the population's weighted covariance (Beaumont et al. 2009), redrawn
//!    until it falls inside the prior's bounds. A new set's weight is its prior density over the
//!    density of that proposal, so that the weighted population still targets the posterior.
//! 3. Once the new sets are run, they join the population; the `N_α` nearest stay and set the
//!    next tolerance `ε_g`. The acceptance rate is the share of the new sets that came within the
//!    previous tolerance.
//! 4. Stop when the acceptance rate falls to `min_acceptance` (new proposals rarely improve on
//!    the population: the posterior has settled; Lenormand et al.'s criterion), when the
//!    tolerance falls by less than `min_tolerance_drop` of itself in a generation, when it
//!    reaches zero, or after `max_generations`.
//!
//! **Why this method for this model.** One run of the town takes about 1–5 s, and a calibration
//! must fit in about an hour on 2 cores: a budget of a few thousand runs. Lenormand et al.
//! designed this algorithm to reach a given posterior quality in the fewest runs, for costly
//! stochastic models (their test was a social simulation), and found it 2 to 8 times faster than
//! the other sequential ABC schemes; it sets its own tolerances and says when to stop, so no
//! pilot runs are spent tuning them. Every run of a generation can go at once, on any number of
//! cores or machines. History matching with an emulator is the alternative when runs cost
//! minutes; it needs a fitted emulator and replicate runs to estimate the model's own noise at
//! each design point, where ABC takes the noise in its stride (each run is one stochastic draw)
//! and yields a weighted posterior that comparisons can draw whole parameter sets from. With
//! `N = 500`, `α = 0.5`, ten generations cost 500 + 9 × 250 = 2,750 runs.
//!
//! **Batches, shards and resumption.** The engine never runs the model. [`Abc::batch`] lists the
//! pending generation's proposals, each with its parameter values and a run seed; the caller
//! runs them in any order, on any number of threads or machines, and hands back one distance
//! per proposal, in proposal order, to [`Abc::advance`]. Proposal `i` of generation `g` is drawn
//! from its own keyed stream `(seed, replicate g, CalibrationProposal, entity i)`, so a shard can
//! rebuild its slice of the batch from the saved state alone, and its run seed
//! ([`run_seed`]) is a function of the master seed, `g` and `i`, distinct for every pair. The
//! whole state (settings, prior, every generation's population) saves as JSON
//! ([`Abc::to_json`]) with floats written to round trip exactly, so a calibration stopped
//! between generations resumes where it was, and the same seed gives the same bytes however
//! the runs were split. Within the engine, sums run in population order and parallel work is
//! collected in proposal order.
//!
//! **Details and choices.**
//! - Everything happens in the prior's unit cube ([`crate::space`]), where the prior density is
//!   1: a log-uniform parameter is perturbed in its logarithm.
//! - Two perturbation kernels. [`Kernel::Full`], the default: the multivariate normal with
//!   twice the weighted covariance (Beaumont et al. 2009; its Cholesky factor is computed here),
//!   which follows ridges where parameters trade off. A draw outside the cube is discarded and
//!   the whole draw, ancestor included, is made again, as in EasyABC's implementation of this
//!   algorithm (`inside_prior = TRUE`), which also scales the new weights by the share of draws
//!   that fell inside (the kernel's mass in the cube, estimated from the draws), so that new and
//!   retained particles' weights stay on one scale. [`Kernel::Diagonal`]: an independent normal
//!   per parameter with twice its weighted variance, each truncated to the cube exactly, its
//!   density divided by its mass in the cube. It ignores correlations but needs no rejection of
//!   whole draws, which keeps it fast when many parameters sit against their bounds.
//! - Ties in distance are broken in favour of the older particle, then the lower proposal
//!   index, so the population is a function of the distances alone.
//! - The posterior is that of ABC at the final tolerance, which is wider than the exact one
//!   until the tolerance falls well below the model's own run-to-run noise (measured, like
//!   the distance, in standard errors). With residuals accepted within a ball of radius `ε`
//!   in `d` targets, each posterior variance grows by about `ε² / (d + 2)` of the noise's; in
//!   a two-target test with `N` = 1,000 the tolerance fell below one standard error only after
//!   some 10,000 runs. A calibration stopped earlier by its budget errs on the side of too wide,
//!   and its report should give the final tolerance beside the posterior.
//! - A run that failed or produced no output should be handed back as an infinite distance:
//!   it is never kept. If fewer than `N_α` runs of the pool are finite, [`Abc::advance`]
//!   refuses the batch and leaves the state unchanged.
//!
//! References:
//! - Lenormand, M., Jabot, F. & Deffuant, G. (2013). Adaptive approximate Bayesian computation
//!   for complex models. *Computational Statistics* 28(6), 2777–2796.
//!   doi:10.1007/s00180-013-0428-3 (arXiv:1111.1308).
//! - Beaumont, M. A., Cornuet, J.-M., Marin, J.-M. & Robert, C. P. (2009). Adaptive approximate
//!   Bayesian computation. *Biometrika* 96(4), 983–990.
//! - Toni, T., Welch, D., Strelkowa, N., Ipsen, A. & Stumpf, M. P. H. (2009). Approximate
//!   Bayesian computation scheme for parameter inference and model selection in dynamical
//!   systems. *Journal of the Royal Society Interface* 6, 187–202.
//! - Del Moral, P., Doucet, A. & Jasra, A. (2012). An adaptive sequential Monte Carlo method for
//!   approximate Bayesian computation. *Statistics and Computing* 22(5), 1009–1020 (the other
//!   adaptive scheme, compared against by Lenormand et al.).
//! - Jabot, F., Faure, T., Dumoulin, N. & Albert, C., EasyABC 1.5.2 (R package, CRAN, 2023):
//!   `ABC_sequential(method = "Lenormand")`, whose choices (α = 0.5 and `p_acc_min` = 0.05 by
//!   default, `N_α = ⌈α N⌉`, acceptance counted as distances at or below the previous
//!   tolerance, the in-prior redraw and its weight scaling) are followed here.

use super::linalg;
use super::posterior::Posterior;
use crate::rng::{self, Purpose, RngExt, Seeds};
use crate::space::Space;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The version of the saved state's layout.
const FORMAT: u32 = 1;

/// Draws allowed for one proposal before the kernel is declared to lie outside the prior.
const MAX_DRAWS: u32 = 100_000;

/// How new proposals are perturbed from the population (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kernel {
    /// Multivariate normal with twice the weighted covariance; whole draws redrawn until inside.
    Full,
    /// Independent normals with twice each weighted variance, each truncated to its bounds.
    Diagonal,
}

/// The algorithm's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbcSettings {
    /// `N`: the runs of generation 0, drawn from the prior.
    pub particles: usize,
    /// `α`: the share of `N` kept as the population (`N_α = ⌈α N⌉`); each later generation runs
    /// `N − N_α` proposals.
    pub alpha: f64,
    /// Stop when the share of a generation's proposals that came within the previous tolerance
    /// is at or below this.
    pub min_acceptance: f64,
    /// Stop after this many generations (generation 0 included).
    pub max_generations: u32,
    /// Stop when the tolerance falls by less than this share of itself in one generation (0:
    /// only when it does not fall at all).
    pub min_tolerance_drop: f64,
    pub kernel: Kernel,
    /// The master seed of every proposal and run seed.
    pub seed: u64,
}

impl AbcSettings {
    /// `particles` runs in generation 0 and the published defaults otherwise: α = 0.5,
    /// minimum acceptance 0.05, at most 20 generations, the full kernel.
    pub fn new(particles: usize, seed: u64) -> AbcSettings {
        AbcSettings {
            particles,
            alpha: 0.5,
            min_acceptance: 0.05,
            max_generations: 20,
            min_tolerance_drop: 0.0,
            kernel: Kernel::Full,
            seed,
        }
    }

    /// `N_α`, the size of the population.
    pub fn kept(&self) -> usize {
        ((self.alpha * self.particles as f64).ceil() as usize).min(self.particles)
    }

    /// The number of runs in generation `g`.
    pub fn runs_in(&self, generation: u32) -> usize {
        if generation == 0 {
            self.particles
        } else {
            self.particles - self.kept()
        }
    }

    fn check(&self) -> Result<(), AbcError> {
        let bad = |what: String| Err(AbcError::Settings(what));
        if self.particles < 4 {
            return bad(format!(
                "particles must be at least 4 (a few hundred is usual), not {}",
                self.particles
            ));
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return bad(format!(
                "alpha must lie strictly between 0 and 1 (0.5 is usual), not {}",
                self.alpha
            ));
        }
        let kept = self.kept();
        if kept < 2 || kept >= self.particles {
            return bad(format!(
                "alpha {} keeps {kept} of {} particles: it must keep at least 2 and fewer than all",
                self.alpha, self.particles
            ));
        }
        if !(self.min_acceptance >= 0.0 && self.min_acceptance < 1.0) {
            return bad(format!(
                "min_acceptance must lie in [0, 1) (0.05 is usual), not {}",
                self.min_acceptance
            ));
        }
        if self.max_generations < 1 {
            return bad("max_generations must be at least 1".into());
        }
        if !(self.min_tolerance_drop >= 0.0 && self.min_tolerance_drop < 1.0) {
            return bad(format!(
                "min_tolerance_drop must lie in [0, 1), not {}",
                self.min_tolerance_drop
            ));
        }
        Ok(())
    }
}

/// Why a calibration stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stop {
    /// Every kept run matched the targets exactly: the tolerance cannot fall further.
    ExactMatch,
    /// The acceptance rate fell to `min_acceptance`: the posterior has settled.
    LowAcceptance,
    /// The tolerance fell by less than `min_tolerance_drop`.
    ToleranceStalled,
    /// `max_generations` were run.
    MaxGenerations,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stop::ExactMatch => "every kept run matched the targets exactly",
            Stop::LowAcceptance => "the acceptance rate fell to its minimum",
            Stop::ToleranceStalled => "the tolerance stopped falling",
            Stop::MaxGenerations => "the last generation allowed was run",
        })
    }
}

/// A member of a population: a parameter set (in the unit cube), its weight and distance, and
/// which run produced it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Particle {
    pub unit: Vec<f64>,
    /// The natural logarithm of the unnormalised importance weight.
    pub log_weight: f64,
    pub distance: f64,
    /// The generation and proposal index of the run, and its seed.
    pub generation: u32,
    pub index: u32,
    pub seed: u64,
}

/// One generation's outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generation {
    pub generation: u32,
    /// Runs in this generation, and in all generations so far.
    pub runs: usize,
    pub runs_total: u64,
    /// `ε_g`: the largest distance in the population.
    pub tolerance: f64,
    /// The share of this generation's runs within the previous tolerance (1 in generation 0).
    pub acceptance_rate: f64,
    /// The population's effective sample size.
    pub ess: f64,
    /// The perturbation kernel's mass inside the prior's bounds (1 in generation 0): the share
    /// of draws kept for the full kernel, the mean truncated mass for the diagonal one.
    pub kernel_mass: f64,
    /// The `N_α` nearest particles so far, nearest first.
    pub population: Vec<Particle>,
}

impl Generation {
    /// The population's weights, normalised.
    pub fn weights(&self) -> Vec<f64> {
        normalised(&self.population)
    }

    /// The population as a posterior in parameter values.
    pub fn posterior(&self, space: &Space) -> Posterior {
        Posterior::new(
            space.names(),
            self.population
                .iter()
                .map(|p| space.values(&p.unit))
                .collect(),
            self.weights(),
        )
        .expect("a population is non-empty with finite values and weights")
    }
}

/// A parameter set to run.
#[derive(Clone, Debug, PartialEq)]
pub struct Proposal {
    pub generation: u32,
    pub index: u32,
    /// The seed to run the model with.
    pub seed: u64,
    /// The parameter values, in the space's order.
    pub values: Vec<f64>,
    /// The same point in the prior's unit cube.
    pub unit: Vec<f64>,
    /// How many kernel draws it took to land inside the prior.
    pub draws: u32,
}

/// Why the engine refused something.
#[derive(Clone, Debug, PartialEq)]
pub enum AbcError {
    /// Settings that cannot be used: what is wrong and what is allowed.
    Settings(String),
    /// The calibration has already stopped.
    Finished(Stop),
    /// Not one distance per proposal.
    WrongCount {
        generation: u32,
        expected: usize,
        got: usize,
    },
    /// A distance that is NaN or negative.
    BadDistance {
        generation: u32,
        index: usize,
        value: f64,
    },
    /// Fewer than `N_α` finite distances: too many runs failed to produce outputs.
    TooFewFinite {
        generation: u32,
        finite: usize,
        needed: usize,
    },
    /// A proposal could not be drawn inside the prior's bounds.
    KernelOutsidePrior { generation: u32, index: u32 },
    /// A saved state that cannot be used.
    State(String),
}

impl fmt::Display for AbcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AbcError::Settings(what) => write!(f, "calibration settings: {what}"),
            AbcError::Finished(stop) => write!(f, "the calibration has finished ({stop})"),
            AbcError::WrongCount {
                generation,
                expected,
                got,
            } => write!(
                f,
                "generation {generation} has {expected} proposals but {got} distances were given"
            ),
            AbcError::BadDistance {
                generation,
                index,
                value,
            } => write!(
                f,
                "generation {generation}, proposal {index}: distance {value} is not zero or a \
                 positive number (a failed run should be given an infinite distance)"
            ),
            AbcError::TooFewFinite {
                generation,
                finite,
                needed,
            } => write!(
                f,
                "generation {generation}: only {finite} runs produced outputs, and {needed} are \
                 needed to form the population; check that the model runs at these parameters"
            ),
            AbcError::KernelOutsidePrior { generation, index } => write!(
                f,
                "generation {generation}, proposal {index}: {MAX_DRAWS} draws of the perturbation \
                 kernel all fell outside the prior's bounds; use the diagonal kernel, or widen \
                 the bounds the posterior is pressing against"
            ),
            AbcError::State(what) => write!(f, "calibration state: {what}"),
        }
    }
}

impl std::error::Error for AbcError {}

/// The seed for running proposal `index` of generation `generation` under master seed
/// `master`: a bijective mix of the pair, so distinct for every pair.
pub fn run_seed(master: u64, generation: u32, index: u32) -> u64 {
    rng::finalise(rng::finalise(master) ^ ((u64::from(generation) << 32) | u64::from(index)))
}

/// The state of a calibration: settings, prior and every generation so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Abc {
    format: u32,
    space: Space,
    settings: AbcSettings,
    generations: Vec<Generation>,
    stopped: Option<Stop>,
}

/// The perturbation kernel built from a population: the mixture's components and weights, and
/// what each kernel needs to draw and to evaluate its density.
struct Mixture<'a> {
    centres: Vec<&'a [f64]>,
    /// Normalised weights, their logarithms and running sums (for picking an ancestor).
    ln_w: Vec<f64>,
    cumulative: Vec<f64>,
    form: Form,
}

enum Form {
    /// Cholesky factor of twice the weighted covariance, and `ln((2π)^(k/2) det L)`.
    Full { chol: Vec<f64>, ln_norm: f64 },
    /// Each parameter's standard deviation; `Σ_d ln(σ_d √(2π))`; and for each centre the
    /// logarithm of its kernel's mass inside the cube.
    Diagonal {
        sd: Vec<f64>,
        ln_norm: f64,
        ln_mass: Vec<f64>,
    },
}

/// The standard normal distribution function, from `libm`'s complementary error function.
fn phi(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

fn normalised(population: &[Particle]) -> Vec<f64> {
    let max = population
        .iter()
        .map(|p| p.log_weight)
        .fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = population
        .iter()
        .map(|p| libm::exp(p.log_weight - max))
        .collect();
    let total: f64 = w.iter().sum();
    w.iter().map(|x| x / total).collect()
}

/// `ln Σ exp(t)`.
fn log_sum_exp(terms: &[f64]) -> f64 {
    let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return max;
    }
    max + libm::log(terms.iter().map(|t| libm::exp(t - max)).sum::<f64>())
}

impl<'a> Mixture<'a> {
    fn new(population: &'a [Particle], kernel: Kernel, k: usize) -> Mixture<'a> {
        let w = normalised(population);
        let centres: Vec<&[f64]> = population.iter().map(|p| p.unit.as_slice()).collect();
        let mut mean = vec![0.0; k];
        for (c, wi) in centres.iter().zip(&w) {
            for d in 0..k {
                mean[d] += wi * c[d];
            }
        }
        let mut cov = vec![0.0; k * k];
        for (c, wi) in centres.iter().zip(&w) {
            for a in 0..k {
                for b in 0..k {
                    cov[a * k + b] += wi * (c[a] - mean[a]) * (c[b] - mean[b]);
                }
            }
        }
        let ln_2pi = libm::log(std::f64::consts::TAU);
        let form = match kernel {
            Kernel::Full => {
                let twice: Vec<f64> = cov.iter().map(|v| 2.0 * v).collect();
                let chol = linalg::cholesky_with_ridge(&twice, k);
                let ln_det: f64 = (0..k).map(|d| libm::log(chol[d * k + d])).sum();
                Form::Full {
                    chol,
                    ln_norm: ln_det + 0.5 * k as f64 * ln_2pi,
                }
            }
            Kernel::Diagonal => {
                // A floor keeps a collapsed parameter's step positive.
                let sd: Vec<f64> = (0..k)
                    .map(|d| (2.0 * cov[d * k + d]).sqrt().max(1e-9))
                    .collect();
                let ln_norm = sd.iter().map(|s| libm::log(*s) + 0.5 * ln_2pi).sum();
                let ln_mass = centres
                    .iter()
                    .map(|c| {
                        (0..k)
                            .map(|d| libm::log(phi((1.0 - c[d]) / sd[d]) - phi(-c[d] / sd[d])))
                            .sum()
                    })
                    .collect();
                Form::Diagonal {
                    sd,
                    ln_norm,
                    ln_mass,
                }
            }
        };
        let mut cumulative = Vec::with_capacity(w.len());
        let mut sum = 0.0;
        for wi in &w {
            sum += wi;
            cumulative.push(sum);
        }
        Mixture {
            centres,
            ln_w: w.iter().map(|x| libm::log(*x)).collect(),
            cumulative,
            form,
        }
    }

    fn pick(&self, rng: &mut ChaCha8Rng) -> usize {
        let u: f64 = rng.random();
        let last = self
            .ln_w
            .iter()
            .rposition(|&l| l > f64::NEG_INFINITY)
            .unwrap_or(0);
        self.cumulative.partition_point(|&c| c <= u).min(last)
    }

    /// A draw inside the unit cube and the number of draws it took; `None` past `MAX_DRAWS`.
    fn draw(&self, rng: &mut ChaCha8Rng) -> Option<(Vec<f64>, u32)> {
        let k = self.centres[0].len();
        let inside = |x: f64| (0.0..=1.0).contains(&x);
        match &self.form {
            Form::Full { chol, .. } => {
                for draws in 1..=MAX_DRAWS {
                    let c = self.centres[self.pick(rng)];
                    let z: Vec<f64> = (0..k).map(|_| rng::normal(rng)).collect();
                    let step = linalg::lower_times(chol, k, &z);
                    let x: Vec<f64> = c.iter().zip(&step).map(|(a, b)| a + b).collect();
                    if x.iter().all(|&v| inside(v)) {
                        return Some((x, draws));
                    }
                }
                None
            }
            Form::Diagonal { sd, .. } => {
                let c = self.centres[self.pick(rng)];
                let mut draws = 1;
                let mut x = Vec::with_capacity(k);
                for d in 0..k {
                    loop {
                        let v = c[d] + sd[d] * rng::normal(rng);
                        if inside(v) {
                            x.push(v);
                            break;
                        }
                        draws += 1;
                        if draws > MAX_DRAWS {
                            return None;
                        }
                    }
                }
                Some((x, draws))
            }
        }
    }

    /// The logarithm of the proposal density at `x` (for the full kernel, before truncation).
    fn ln_density(&self, x: &[f64]) -> f64 {
        let k = x.len();
        let mut diff = vec![0.0; k];
        let mut scratch = vec![0.0; k];
        let terms: Vec<f64> = self
            .centres
            .iter()
            .enumerate()
            .map(|(j, c)| {
                let ln_kernel = match &self.form {
                    Form::Full { chol, ln_norm } => {
                        for d in 0..k {
                            diff[d] = x[d] - c[d];
                        }
                        -0.5 * linalg::mahalanobis_sq(chol, k, &diff, &mut scratch) - ln_norm
                    }
                    Form::Diagonal {
                        sd,
                        ln_norm,
                        ln_mass,
                    } => {
                        let q: f64 = (0..k).map(|d| ((x[d] - c[d]) / sd[d]).powi(2)).sum();
                        -0.5 * q - ln_norm - ln_mass[j]
                    }
                };
                self.ln_w[j] + ln_kernel
            })
            .collect();
        log_sum_exp(&terms)
    }

    /// The diagonal kernel's mean mass inside the cube.
    fn mean_mass(&self) -> f64 {
        match &self.form {
            Form::Full { .. } => 1.0,
            Form::Diagonal { ln_mass, .. } => self
                .ln_w
                .iter()
                .zip(ln_mass)
                .map(|(w, m)| libm::exp(w + m))
                .sum(),
        }
    }
}

impl Abc {
    /// A new calibration of the parameters `space` (the prior) with `settings`.
    pub fn new(space: Space, settings: AbcSettings) -> Result<Abc, AbcError> {
        settings.check()?;
        Ok(Abc {
            format: FORMAT,
            space,
            settings,
            generations: Vec::new(),
            stopped: None,
        })
    }

    pub fn space(&self) -> &Space {
        &self.space
    }

    pub fn settings(&self) -> &AbcSettings {
        &self.settings
    }

    /// Every generation so far, in order.
    pub fn generations(&self) -> &[Generation] {
        &self.generations
    }

    /// The generation whose proposals are pending.
    pub fn next_generation(&self) -> u32 {
        self.generations.len() as u32
    }

    /// Why the calibration stopped, once it has.
    pub fn stopped(&self) -> Option<Stop> {
        self.stopped
    }

    /// The latest population as a posterior, once generation 0 has been run.
    pub fn posterior(&self) -> Option<Posterior> {
        self.generations.last().map(|g| g.posterior(&self.space))
    }

    /// The pending generation's proposals, in index order (see the module documentation).
    pub fn batch(&self) -> Result<Vec<Proposal>, AbcError> {
        if let Some(stop) = self.stopped {
            return Err(AbcError::Finished(stop));
        }
        let g = self.next_generation();
        let n = self.settings.runs_in(g) as u32;
        let k = self.space.dim();
        let stream = |i: u32| {
            Seeds::of(self.settings.seed, g).stream(Purpose::CalibrationProposal, u64::from(i), 0)
        };
        let mixture = self
            .generations
            .last()
            .map(|last| Mixture::new(&last.population, self.settings.kernel, k));
        (0..n)
            .into_par_iter()
            .map(|i| {
                let mut rng = stream(i);
                let (unit, draws) = match &mixture {
                    None => ((0..k).map(|_| rng.random::<f64>()).collect(), 1),
                    Some(m) => m.draw(&mut rng).ok_or(AbcError::KernelOutsidePrior {
                        generation: g,
                        index: i,
                    })?,
                };
                Ok(Proposal {
                    generation: g,
                    index: i,
                    seed: run_seed(self.settings.seed, g, i),
                    values: self.space.values(&unit),
                    unit,
                    draws,
                })
            })
            .collect()
    }

    /// Take the pending generation's distances, one per proposal in proposal order, and form
    /// the next population, tolerance and (if a stopping rule is met) the reason to stop. On an
    /// error the state is unchanged.
    pub fn advance(&mut self, distances: &[f64]) -> Result<(), AbcError> {
        let g = self.next_generation();
        let proposals = self.batch()?;
        if distances.len() != proposals.len() {
            return Err(AbcError::WrongCount {
                generation: g,
                expected: proposals.len(),
                got: distances.len(),
            });
        }
        if let Some((index, &value)) = distances
            .iter()
            .enumerate()
            .find(|(_, d)| d.is_nan() || **d < 0.0)
        {
            return Err(AbcError::BadDistance {
                generation: g,
                index,
                value,
            });
        }
        let k = self.space.dim();
        let previous = self.generations.last();
        let (log_weights, kernel_mass) = match previous {
            None => (vec![0.0; proposals.len()], 1.0),
            Some(last) => {
                let mixture = Mixture::new(&last.population, self.settings.kernel, k);
                let (ln_scale, mass) = match self.settings.kernel {
                    Kernel::Full => {
                        let draws: u64 = proposals.iter().map(|p| u64::from(p.draws)).sum();
                        let share = proposals.len() as f64 / draws as f64;
                        (libm::log(share), share)
                    }
                    Kernel::Diagonal => (0.0, mixture.mean_mass()),
                };
                let lw: Vec<f64> = proposals
                    .par_iter()
                    .map(|p| ln_scale - mixture.ln_density(&p.unit))
                    .collect();
                (lw, mass)
            }
        };
        let acceptance_rate = match previous {
            None => 1.0,
            Some(last) => {
                let within = distances.iter().filter(|&&d| d <= last.tolerance).count();
                within as f64 / distances.len() as f64
            }
        };
        let mut pool: Vec<Particle> = previous.map(|p| p.population.clone()).unwrap_or_default();
        pool.extend(proposals.into_iter().zip(distances).zip(log_weights).map(
            |((p, &d), log_weight)| Particle {
                unit: p.unit,
                log_weight,
                // + 0.0 turns −0.0 into +0.0, which sorts with the other zeros.
                distance: d + 0.0,
                generation: g,
                index: p.index,
                seed: p.seed,
            },
        ));
        // Stable: equal distances keep the pool's order, older particles first.
        pool.sort_by(|a, b| a.distance.total_cmp(&b.distance));
        let kept = self.settings.kept();
        let finite = pool.iter().filter(|p| p.distance.is_finite()).count();
        if finite < kept {
            return Err(AbcError::TooFewFinite {
                generation: g,
                finite,
                needed: kept,
            });
        }
        pool.truncate(kept);
        let tolerance = pool[kept - 1].distance;
        let runs = self.settings.runs_in(g);
        let runs_total = previous.map_or(0, |p| p.runs_total) + runs as u64;
        let ess = super::posterior::effective_sample_size(&normalised(&pool));
        let previous_tolerance = previous.map(|p| p.tolerance);
        self.generations.push(Generation {
            generation: g,
            runs,
            runs_total,
            tolerance,
            acceptance_rate,
            ess,
            kernel_mass,
            population: pool,
        });
        let s = &self.settings;
        self.stopped = if tolerance == 0.0 {
            Some(Stop::ExactMatch)
        } else if g >= 1 && acceptance_rate <= s.min_acceptance {
            Some(Stop::LowAcceptance)
        } else if previous_tolerance.is_some_and(|e| tolerance >= (1.0 - s.min_tolerance_drop) * e)
        {
            Some(Stop::ToleranceStalled)
        } else if g + 1 >= s.max_generations {
            Some(Stop::MaxGenerations)
        } else {
            None
        };
        Ok(())
    }

    /// Run the calibration to its end with `model`, which maps a proposal to its distance
    /// (infinite for a failed run). Proposals of a generation run in parallel on the current
    /// rayon pool and are collected in proposal order.
    pub fn run<F>(&mut self, model: F) -> Result<(), AbcError>
    where
        F: Fn(&Proposal) -> f64 + Sync,
    {
        while self.stopped.is_none() {
            let batch = self.batch()?;
            let distances: Vec<f64> = batch.par_iter().map(&model).collect();
            self.advance(&distances)?;
        }
        Ok(())
    }

    /// The whole state as JSON (pretty-printed, with a final newline), floats written so that
    /// they read back to the same bits.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("the state serialises");
        text.push('\n');
        text
    }

    /// A state saved by [`Abc::to_json`], checked.
    pub fn from_json(text: &str) -> Result<Abc, AbcError> {
        let abc: Abc = serde_json::from_str(text).map_err(|e| AbcError::State(e.to_string()))?;
        if abc.format != FORMAT {
            return Err(AbcError::State(format!(
                "format {} is not the {FORMAT} this version reads",
                abc.format
            )));
        }
        abc.settings.check()?;
        let (k, kept) = (abc.space.dim(), abc.settings.kept());
        for (i, g) in abc.generations.iter().enumerate() {
            let bad = |what: String| Err(AbcError::State(format!("generation {i}: {what}")));
            if g.generation as usize != i {
                return bad(format!("it is numbered {}", g.generation));
            }
            if g.population.len() != kept {
                return bad(format!(
                    "{} particles where the settings keep {kept}",
                    g.population.len()
                ));
            }
            if !g.tolerance.is_finite() {
                return bad("the tolerance is not a finite number".into());
            }
            for (j, p) in g.population.iter().enumerate() {
                let inside = p.unit.len() == k
                    && p.unit.iter().all(|u| (0.0..=1.0).contains(u))
                    && p.log_weight.is_finite()
                    && p.distance.is_finite()
                    && p.distance >= 0.0;
                if !inside {
                    return bad(format!(
                        "particle {j} is not {k} coordinates in [0, 1] with a finite weight and \
                         distance"
                    ));
                }
            }
        }
        if abc.stopped.is_some() && abc.generations.is_empty() {
            return Err(AbcError::State(
                "it says it stopped before any generation ran".into(),
            ));
        }
        Ok(abc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::distance::{Distance, Target};
    use crate::space::SpaceAxis;

    /// A toy model's own randomness, keyed by the run seed it was given.
    fn noise(seed: u64) -> ChaCha8Rng {
        Seeds::new(seed).stream(Purpose::TownResidents, 0, 0)
    }

    /// The normal-mean model: the mean of `n` observations from N(θ, 1), simulated directly as
    /// one draw from N(θ, 1/n). Returns the calibration of θ under a U(−5, 5) prior.
    fn normal_mean(n: f64, observed: f64, seed: u64) -> Abc {
        let space = Space::new(vec![SpaceAxis::uniform("theta", -5.0, 5.0)]).unwrap();
        let mut settings = AbcSettings::new(1000, seed);
        settings.min_acceptance = 0.02;
        let mut abc = Abc::new(space, settings).unwrap();
        let distance = Distance::new(vec![Target::new("mean", observed, 1.0 / n.sqrt())]).unwrap();
        abc.run(|p| {
            let simulated = p.values[0] + rng::normal(&mut noise(p.seed)) / n.sqrt();
            distance.distance(&[simulated])
        })
        .unwrap();
        abc
    }

    #[test]
    fn recovers_a_normal_mean_and_narrows_with_more_data() {
        let truth = 1.3;
        let mut data = noise(77);
        let mut sds = Vec::new();
        for n in [10.0, 100.0] {
            // The observed mean of n observations from N(truth, 1).
            let observed = truth + rng::normal(&mut data) / f64::sqrt(n);
            let abc = normal_mean(n, observed, 9);
            let s = abc.posterior().unwrap().summary(0);
            assert!(s.covers(truth), "n = {n}: {s:?} misses {truth}");
            // The exact posterior under a flat prior is N(observed, 1/n).
            let sd = 1.0 / f64::sqrt(n);
            assert!(
                (s.mean - observed).abs() < 0.15 * sd,
                "n = {n}: {s:?} vs {observed}"
            );
            assert!(
                (s.sd / sd - 1.0).abs() < 0.15,
                "n = {n}: sd {} vs {sd}",
                s.sd
            );
            assert!(abc.stopped().is_some());
            sds.push(s.sd);
        }
        // Ten times the data: the posterior sd falls by about √10 ≈ 3.2.
        assert!(sds[1] < 0.5 * sds[0], "{sds:?}");
    }

    /// A linear Gaussian model with two parameters and a correlated posterior: s1 = θ1 + θ2 + e1,
    /// s2 = θ2 + e2, e ~ N(0, σ² I). Under a flat prior the posterior is normal with mean
    /// (s1 − s2, s2) and covariance σ² (HᵀH)⁻¹ = σ² [[2, −1], [−1, 1]]: sds (σ√2, σ),
    /// correlation −1/√2. ABC's own posterior is that one widened by the tolerance: accepting
    /// scaled residuals within a disc of radius ε adds the disc's variance, ε²/4 per
    /// coordinate, to the unit noise, so each sd is about √(1 + ε²/4) times the exact one.
    /// Returns the posterior, the exact means and sds, the correlation and the final ε.
    fn linear_gaussian(kernel: Kernel) -> (Posterior, [f64; 2], [f64; 2], f64, f64) {
        let sigma = 0.2;
        let (s1, s2) = (1.1, -0.4);
        let space = Space::new(vec![
            SpaceAxis::uniform("theta1", -3.0, 3.0),
            SpaceAxis::uniform("theta2", -3.0, 3.0),
        ])
        .unwrap();
        let mut settings = AbcSettings::new(2000, 31);
        settings.min_acceptance = 0.02;
        settings.max_generations = 60;
        settings.kernel = kernel;
        let mut abc = Abc::new(space, settings).unwrap();
        let distance = Distance::new(vec![
            Target::new("s1", s1, sigma),
            Target::new("s2", s2, sigma),
        ])
        .unwrap();
        abc.run(|p| {
            let mut rng = noise(p.seed);
            let a = p.values[0] + p.values[1] + sigma * rng::normal(&mut rng);
            let b = p.values[1] + sigma * rng::normal(&mut rng);
            distance.distance(&[a, b])
        })
        .unwrap();
        (
            abc.posterior().unwrap(),
            [s1 - s2, s2],
            [sigma * 2f64.sqrt(), sigma],
            -1.0 / 2f64.sqrt(),
            abc.generations().last().unwrap().tolerance,
        )
    }

    fn weighted_correlation(post: &Posterior) -> f64 {
        let (x, y, w) = (post.column(0), post.column(1), post.weights());
        let mx: f64 = x.iter().zip(w).map(|(a, b)| a * b).sum();
        let my: f64 = y.iter().zip(w).map(|(a, b)| a * b).sum();
        let mut sxy = 0.0;
        let mut sxx = 0.0;
        let mut syy = 0.0;
        for i in 0..x.len() {
            sxy += w[i] * (x[i] - mx) * (y[i] - my);
            sxx += w[i] * (x[i] - mx).powi(2);
            syy += w[i] * (y[i] - my).powi(2);
        }
        sxy / (sxx * syy).sqrt()
    }

    #[test]
    fn matches_the_analytic_posterior_of_a_two_parameter_gaussian_model() {
        for kernel in [Kernel::Full, Kernel::Diagonal] {
            let (post, mean, sd, rho, eps) = linear_gaussian(kernel);
            assert!(
                eps < 1.0,
                "{kernel:?}: the tolerance should end below the noise: {eps}"
            );
            let widening = (1.0 + eps * eps / 4.0).sqrt();
            for p in 0..2 {
                let s = post.summary(p);
                // The Monte Carlo error of a weighted mean or sd is a few per cent of the sd at
                // these effective sample sizes (300 to 500); without the importance weights the
                // sds come out about 15% too small.
                assert!(
                    (s.mean - mean[p]).abs() < 0.15 * sd[p],
                    "{kernel:?} θ{}: {s:?} vs mean {}",
                    p + 1,
                    mean[p]
                );
                assert!(
                    (s.sd / (sd[p] * widening) - 1.0).abs() < 0.1,
                    "{kernel:?} θ{}: sd {} vs {} widened by {widening}",
                    p + 1,
                    s.sd,
                    sd[p]
                );
            }
            let r = weighted_correlation(&post);
            assert!(
                (r - rho).abs() < 0.08,
                "{kernel:?}: correlation {r} vs {rho}"
            );
        }
    }

    /// A model that reads θ1 only, with θ2 (uniform) and θ3 (log-uniform) ignored.
    fn ignores_two(settings: AbcSettings) -> Abc {
        let space = Space::new(vec![
            SpaceAxis::uniform("used", 0.0, 10.0),
            SpaceAxis::uniform("ignored", -1.0, 1.0),
            SpaceAxis::log_uniform("ignored_log", 0.01, 100.0),
        ])
        .unwrap();
        let mut abc = Abc::new(space, settings).unwrap();
        let distance = Distance::new(vec![Target::new("y", 4.0, 0.1)]).unwrap();
        abc.run(|p| {
            let y = p.values[0] + 0.1 * rng::normal(&mut noise(p.seed));
            distance.distance(&[y])
        })
        .unwrap();
        abc
    }

    #[test]
    fn a_parameter_the_model_ignores_keeps_its_prior_spread() {
        for kernel in [Kernel::Full, Kernel::Diagonal] {
            let mut settings = AbcSettings::new(1000, 12);
            settings.kernel = kernel;
            settings.min_acceptance = 0.02;
            let abc = ignores_two(settings);
            let post = abc.posterior().unwrap();
            let shrink = post.shrinkage(abc.space());
            assert!(
                shrink[0] < 0.1,
                "{kernel:?}: the used parameter is pinned: {shrink:?}"
            );
            for p in [1, 2] {
                assert!(
                    (shrink[p] - 1.0).abs() < 0.15,
                    "{kernel:?}: parameter {p} should keep its prior spread: {shrink:?}"
                );
                let units: Vec<f64> = post
                    .column(p)
                    .iter()
                    .map(|&x| abc.space().axes()[p].unit(x))
                    .collect();
                let (mean, _) = super::super::posterior::weighted_mean_sd(&units, post.weights());
                assert!(
                    (mean - 0.5).abs() < 0.08,
                    "{kernel:?}: parameter {p} centre {mean}"
                );
            }
        }
    }

    #[test]
    fn sharded_shuffled_and_resumed_runs_give_the_same_bytes() {
        let model = |p: &Proposal| {
            let y = p.values[0] * p.values[1] + 0.05 * rng::normal(&mut noise(p.seed));
            (y - 2.0).abs() / 0.05
        };
        let space = Space::new(vec![
            SpaceAxis::uniform("a", 0.0, 4.0),
            SpaceAxis::log_uniform("b", 0.1, 10.0),
        ])
        .unwrap();
        let mut settings = AbcSettings::new(200, 5);
        settings.max_generations = 4;

        // In one go, on one thread.
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let whole = one.install(|| {
            let mut abc = Abc::new(space.clone(), settings.clone()).unwrap();
            abc.run(model).unwrap();
            abc.to_json()
        });

        // Generation by generation from the saved state, in three shards that each rebuild the
        // batch and evaluate their slice backwards, on two threads.
        let two = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let pieces = two.install(|| {
            let mut saved = Abc::new(space.clone(), settings.clone()).unwrap().to_json();
            loop {
                let abc = Abc::from_json(&saved).unwrap();
                if abc.stopped().is_some() {
                    break saved;
                }
                let n = abc.settings().runs_in(abc.next_generation());
                let mut distances = vec![f64::NAN; n];
                for shard in 0..3 {
                    let mine = Abc::from_json(&saved).unwrap().batch().unwrap();
                    for p in mine.iter().rev().filter(|p| p.index as usize % 3 == shard) {
                        distances[p.index as usize] = model(p);
                    }
                }
                let mut abc = abc;
                abc.advance(&distances).unwrap();
                saved = abc.to_json();
            }
        });
        assert_eq!(whole, pieces);
        let done = Abc::from_json(&whole).unwrap();
        assert_eq!(done.generations().len(), 4);
        assert_eq!(done.stopped(), Some(Stop::MaxGenerations));
        assert_eq!(
            done.to_json(),
            whole,
            "the state reads back to the same bytes"
        );
    }

    #[test]
    fn proposals_lie_inside_the_prior_with_distinct_run_seeds() {
        let space = Space::new(vec![
            SpaceAxis::uniform("a", 2.0, 3.0),
            SpaceAxis::log_uniform("b", 1e-3, 1e3),
        ])
        .unwrap();
        let mut abc = Abc::new(space, AbcSettings::new(100, 1)).unwrap();
        let mut seeds = Vec::new();
        for _ in 0..3 {
            let batch = abc.batch().unwrap();
            for p in &batch {
                assert!((2.0..=3.0).contains(&p.values[0]), "{p:?}");
                assert!((1e-3..=1e3).contains(&p.values[1]), "{p:?}");
                assert_eq!(p.seed, run_seed(1, p.generation, p.index));
                seeds.push(p.seed);
            }
            // Push the population against the lower corner, where the kernel must redraw.
            let d: Vec<f64> = batch.iter().map(|p| p.unit[0] + p.unit[1]).collect();
            abc.advance(&d).unwrap();
        }
        let n = seeds.len();
        seeds.sort_unstable();
        seeds.dedup();
        assert_eq!(seeds.len(), n, "every run has its own seed");
        let g = &abc.generations()[2];
        assert!(
            g.kernel_mass > 0.0 && g.kernel_mass < 1.0,
            "{}",
            g.kernel_mass
        );
        assert!(g.tolerance < abc.generations()[0].tolerance);
        assert_eq!(g.runs_total, 100 + 50 + 50);
    }

    #[test]
    fn bad_settings_and_bad_distances_are_refused_and_change_nothing() {
        let space = Space::new(vec![SpaceAxis::uniform("a", 0.0, 1.0)]).unwrap();
        let mut s = AbcSettings::new(100, 0);
        s.alpha = 1.0;
        assert!(matches!(
            Abc::new(space.clone(), s),
            Err(AbcError::Settings(_))
        ));
        let mut s = AbcSettings::new(3, 0);
        assert!(Abc::new(space.clone(), s.clone()).is_err());
        s.particles = 10;
        s.min_acceptance = 1.0;
        assert!(Abc::new(space.clone(), s).is_err());

        let mut abc = Abc::new(space, AbcSettings::new(10, 0)).unwrap();
        let before = abc.to_json();
        assert!(matches!(
            abc.advance(&[1.0; 9]),
            Err(AbcError::WrongCount {
                expected: 10,
                got: 9,
                ..
            })
        ));
        let mut d = vec![1.0; 10];
        d[3] = f64::NAN;
        assert!(matches!(
            abc.advance(&d),
            Err(AbcError::BadDistance { index: 3, .. })
        ));
        // Six failed runs leave four finite distances, fewer than the five kept.
        let d = [
            1.0,
            2.0,
            3.0,
            4.0,
            f64::INFINITY,
            f64::INFINITY,
            f64::INFINITY,
            f64::INFINITY,
            f64::INFINITY,
            f64::INFINITY,
        ];
        assert!(matches!(
            abc.advance(&d),
            Err(AbcError::TooFewFinite {
                finite: 4,
                needed: 5,
                ..
            })
        ));
        assert_eq!(abc.to_json(), before);
        let e = Abc::from_json("{\"format\": 1}").unwrap_err();
        assert!(matches!(e, AbcError::State(_)), "{e}");
        let broken = before.replace("\"alpha\": 0.5", "\"alpha\": 2.0");
        assert!(matches!(
            Abc::from_json(&broken),
            Err(AbcError::Settings(_))
        ));
    }

    #[test]
    fn an_exact_match_stops_the_calibration() {
        let space = Space::new(vec![SpaceAxis::uniform("a", 0.0, 1.0)]).unwrap();
        let mut abc = Abc::new(space, AbcSettings::new(10, 0)).unwrap();
        abc.run(|_| 0.0).unwrap();
        assert_eq!(abc.stopped(), Some(Stop::ExactMatch));
        assert_eq!(abc.generations().len(), 1);
        assert!(matches!(
            abc.batch(),
            Err(AbcError::Finished(Stop::ExactMatch))
        ));
    }
}
