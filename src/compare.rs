//! Replicated comparisons: several scenarios, each run `replicates` times, summarised with
//! honest uncertainty.
//!
//! **Seed rule.** Replicate `r` (0-based) of *every* scenario in a comparison with master seed
//! `S` uses the streams keyed by `(S, r)` — exactly what `cohesion run SCENARIO --seed S
//! --replicate r` uses. So replicate `r` of two scenarios starts from the same generated town
//! and draws the same random numbers until their interventions make them differ (common random
//! numbers). Differences between scenarios are therefore estimated replicate by replicate, as
//! paired differences, which removes the variation between towns from the comparison.
//!
//! **Statistics.** For every town-level metric and week, the mean over replicates, its sample
//! standard deviation and a 95% Student-t interval for the mean (`summary`). For each headline
//! metric and each chosen year, a replicate's value is its mean over that year's 52 weeks; the
//! effect of a scenario is the mean of its paired differences from the reference (the first
//! scenario), with a 95% Student-t interval (`effects`); named contrasts (`A:B`) are the same
//! paired differences with `B` in the reference's place.
//!
//! **Parameter uncertainty.** With a posterior (`--posterior FILE`, a `posterior.csv` as
//! `cohesion calibrate` writes it), replicate `r` also takes parameter set `r` drawn from it in
//! proportion to the weights, from the keyed stream `(seed, PosteriorDraw, entity r)`
//! ([`crate::calibrate::Posterior::draw`]). Every scenario's replicate `r` takes the same set
//! (paired), applied on top of the scenario's own settings as `--set` would apply it, so where a
//! scenario sets a parameter the posterior also has, the posterior's value wins. The paired
//! differences then vary with the parameters as well as the seeds, and their intervals include
//! parameter uncertainty ([`ComparePlan::interval_kind`]).
//!
//! Runs are spread over a pool of threads, one run per thread at a time; each run is
//! byte-reproducible on its own and results are gathered in (scenario, replicate) order, so
//! everything computed here is the same on any number of threads. Runs of one replicate whose
//! histories begin alike (the same town and settings, the same interventions up to some week)
//! simulate that beginning once ([`crate::prefix`]), which changes no byte of what they record.

use crate::Scenario;
use crate::calibration::plan::POSTERIORS;
use crate::metrics::headline;
use crate::model::components::EventRecord;
use crate::observe::Observations;
use crate::prefix;
use crate::rng::Seeds;
use crate::run::{self, Stage};
use crate::scenario::WEEKS_PER_YEAR;
use crate::sim::RunOutput;
use crate::stats::Estimate;
use crate::townmap::{TownMap, ward_years};
use rayon::prelude::*;
use sha2::Digest;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What to compare.
#[derive(Clone, Debug)]
pub struct ComparePlan {
    /// The scenarios, the first being the reference for effects.
    pub scenarios: Vec<Scenario>,
    pub replicates: u32,
    pub seed: u64,
    /// Years to report effects at, besides the final year.
    pub effects_years: Vec<i32>,
    /// With a year, the scenarios after the first are its branches (`--branch-at`): replicate
    /// `r` of each runs replicate `r` of the first up to the start of that year, then goes on
    /// under its own scenario (see `crate::branch`), so every future starts from the same past.
    pub branch_at: Option<i32>,
    /// Named comparisons besides those against the reference: `(a, b)` reports scenario `a`
    /// against scenario `b` (indices into `scenarios`), paired replicate by replicate.
    pub contrasts: Vec<(usize, usize)>,
    /// Parameter sets drawn from a posterior, one per replicate, the same for every scenario.
    pub posterior: Option<PosteriorDraws>,
}

/// Parameter sets drawn from a posterior for a comparison: set `r` is replicate `r`'s.
#[derive(Clone, Debug)]
pub struct PosteriorDraws {
    /// The file as given on the command line.
    pub path: String,
    /// Whether `path` named a built-in posterior (no file of that name existed).
    pub built_in: bool,
    /// The SHA-256 of the file's bytes, in hex.
    pub sha256: String,
    /// The parameters, as `--set` keys.
    pub names: Vec<String>,
    /// The particle (row, from 0) each replicate drew.
    pub particles: Vec<usize>,
    /// Each replicate's values, one per name.
    pub values: Vec<Vec<f64>>,
}

impl PosteriorDraws {
    /// `draws` parameter sets from `posterior` (read from the file at `path` whose bytes hash
    /// to `sha256`), drawn with the comparison's master `seed`.
    pub fn new(
        posterior: &crate::calibrate::Posterior,
        draws: usize,
        seed: u64,
        path: String,
        sha256: String,
    ) -> PosteriorDraws {
        let particles = posterior.draw(draws, seed);
        let values = particles
            .iter()
            .map(|&i| posterior.values()[i].clone())
            .collect();
        PosteriorDraws {
            path,
            built_in: false,
            sha256,
            names: posterior.names().to_vec(),
            particles,
            values,
        }
    }

    /// Reads the `posterior.csv` at `path`, or the built-in posterior of that name when no such
    /// file exists (as scenarios are found), and draws `draws` parameter sets from it with the
    /// comparison's master `seed`. The error names the file, and the line and column at fault.
    pub fn read(path: &str, draws: usize, seed: u64) -> Result<PosteriorDraws, String> {
        let (bytes, built_in) = match std::fs::read(path) {
            Ok(bytes) => (bytes, false),
            Err(e) => match POSTERIORS.iter().find(|(name, _)| *name == path) {
                Some((_, text)) => (text.as_bytes().to_vec(), true),
                None => {
                    let names: Vec<&str> = POSTERIORS.iter().map(|(name, _)| *name).collect();
                    return Err(format!(
                        "{path}: cannot read it ({e}), and no built-in posterior has that name \
                         (built-ins: {})",
                        names.join(", ")
                    ));
                }
            },
        };
        let text = std::str::from_utf8(&bytes)
            .map_err(|e| format!("{path}: not UTF-8 text ({e}); expected a posterior.csv"))?;
        let posterior =
            crate::calibrate::Posterior::from_csv(text).map_err(|m| format!("{path}: {m}"))?;
        let sha256 = crate::scenario::hex(&sha2::Sha256::digest(&bytes));
        Ok(PosteriorDraws {
            built_in,
            ..PosteriorDraws::new(&posterior, draws, seed, path.to_string(), sha256)
        })
    }
}

/// `scenario` with parameters `names` set to `values`, as `--set` sets them (whole-number keys
/// are rounded, as calibration rounds them), or why that is not a valid scenario.
pub fn with_parameters(
    scenario: &Scenario,
    names: &[String],
    values: &[f64],
) -> Result<Scenario, String> {
    let mut tree = crate::sweep::plan::tree_of(scenario);
    for (name, &x) in names.iter().zip(values) {
        crate::scenario::path::set(&mut tree, name, crate::scenario::path::Level::Num(x), false)
            .map_err(|m| format!("`{name}`: {m}"))?;
    }
    crate::sweep::plan::scenario_of(&tree, &scenario.name)
}

/// What an effect's interval accounts for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntervalKind {
    /// Only the variation between seeds: the parameters are fixed.
    Seeds,
    /// The variation between seeds and between parameter sets drawn from a posterior.
    SeedsPosterior,
}

impl IntervalKind {
    /// As written in `effects.csv`'s `interval` column.
    pub fn name(self) -> &'static str {
        match self {
            IntervalKind::Seeds => "seeds",
            IntervalKind::SeedsPosterior => "seeds+posterior",
        }
    }
}

/// Why a comparison cannot be made as asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError(pub String);

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlanError {}

impl ComparePlan {
    /// Checks that the scenarios can be set side by side.
    pub fn check(&self) -> Result<(), PlanError> {
        let Some(first) = self.scenarios.first() else {
            return Err(PlanError("compare needs at least one scenario".into()));
        };
        if self.replicates == 0 {
            return Err(PlanError(
                "--replicates must be at least 1 (2 or more for confidence intervals)".into(),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for s in &self.scenarios {
            if !seen.insert(s.name.as_str()) {
                return Err(PlanError(format!(
                    "scenario `{}` is named twice; each scenario in a comparison needs its own \
                     `name`",
                    s.name
                )));
            }
            if (s.time.start_year, s.time.years) != (first.time.start_year, first.time.years) {
                return Err(PlanError(format!(
                    "scenarios must cover the same years to be compared: `{}` runs {}–{} but \
                     `{}` runs {}–{} (set [time] start_year and years alike)",
                    first.name,
                    first.time.start_year,
                    first.time.start_year + first.time.years as i32 - 1,
                    s.name,
                    s.time.start_year,
                    s.time.start_year + s.time.years as i32 - 1
                )));
            }
        }
        for &(a, b) in &self.contrasts {
            let n = self.scenarios.len();
            if a >= n || b >= n {
                return Err(PlanError(format!(
                    "a contrast names scenario {} of {n}",
                    a.max(b) + 1
                )));
            }
            if a == b {
                return Err(PlanError(format!(
                    "--contrast {0}:{0} sets `{0}` against itself; name two different scenarios",
                    self.scenarios[a].name
                )));
            }
        }
        let (lo, hi) = self.years();
        if let Some(year) = self.branch_at {
            if year < lo || year > hi {
                return Err(PlanError(format!(
                    "--branch-at {year} is outside the simulated years {lo}–{hi}"
                )));
            }
            for s in &self.scenarios[1..] {
                if let Err(part) = crate::branch::same_town(first, s) {
                    return Err(PlanError(format!(
                        "`{}` is a branch of `{}` but changes its [{part}]; a branch keeps the \
                         town and years it was forked from",
                        s.name, first.name
                    )));
                }
            }
        }
        if let Some(post) = &self.posterior {
            if post.values.len() != self.replicates as usize {
                return Err(PlanError(format!(
                    "--draws {} with --replicates {}: each replicate takes one draw from the \
                     posterior, so give as many draws as replicates (or leave --draws out)",
                    post.values.len(),
                    self.replicates
                )));
            }
            for s in 0..self.scenarios.len() {
                for r in 0..self.replicates {
                    self.scenario_of(s, r)?;
                }
            }
        }
        for &y in &self.effects_years {
            if y < lo || y > hi {
                return Err(PlanError(format!(
                    "--effects-year {y} is outside the simulated years {lo}–{hi}"
                )));
            }
        }
        Ok(())
    }

    /// First and last simulated calendar years.
    pub fn years(&self) -> (i32, i32) {
        self.scenarios.first().map_or((0, 0), |s| {
            (
                s.time.start_year,
                s.time.start_year + s.time.years as i32 - 1,
            )
        })
    }

    /// The years effects are reported at: those asked for and the final year, in order.
    pub fn report_years(&self) -> Vec<i32> {
        let mut years = self.effects_years.clone();
        years.push(self.years().1);
        years.sort_unstable();
        years.dedup();
        years
    }

    /// What the effects' intervals account for.
    pub fn interval_kind(&self) -> IntervalKind {
        if self.posterior.is_some() {
            IntervalKind::SeedsPosterior
        } else {
            IntervalKind::Seeds
        }
    }

    /// The scenario replicate `r` of scenario `s` runs: the scenario itself, or with the
    /// posterior's parameter set `r` applied on top. The error names the particle's row.
    pub fn scenario_of(&self, s: usize, r: u32) -> Result<Scenario, PlanError> {
        let scenario = &self.scenarios[s];
        let Some(post) = &self.posterior else {
            return Ok(scenario.clone());
        };
        let (Some(values), Some(particle)) =
            (post.values.get(r as usize), post.particles.get(r as usize))
        else {
            return Err(PlanError(format!(
                "{}: {} draws for {} replicates; each replicate takes one draw",
                post.path,
                post.values.len(),
                self.replicates
            )));
        };
        with_parameters(scenario, &post.names, values).map_err(|m| {
            PlanError(format!(
                "{}: line {} (drawn for replicate {r}) applied to `{}`: {m}",
                post.path,
                particle + 2,
                scenario.name
            ))
        })
    }

    /// Number of runs.
    pub fn runs(&self) -> usize {
        self.scenarios.len() * self.replicates as usize
    }

    /// The index of the scenario named `name`, if there is one.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.scenarios.iter().position(|s| s.name == name)
    }

    /// Reads a contrast written `A:B` (scenario names) into indices. The error names what is
    /// wrong and the scenarios there are.
    pub fn parse_contrast(&self, text: &str) -> Result<(usize, usize), PlanError> {
        let names = || {
            self.scenarios
                .iter()
                .map(|s| format!("`{}`", s.name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some((a, b)) = text.split_once(':') else {
            return Err(PlanError(format!(
                "--contrast `{text}` must be two scenario names joined by a colon, \
                 A:B (A against B); the scenarios are {}",
                names()
            )));
        };
        let find = |n: &str| {
            self.index_of(n.trim()).ok_or_else(|| {
                PlanError(format!(
                    "--contrast `{text}`: no scenario in this comparison is named `{}`; the \
                     scenarios are {}",
                    n.trim(),
                    names()
                ))
            })
        };
        Ok((find(a)?, find(b)?))
    }

    /// The pairs effects are reported for, `(scenario, reference)`: every scenario against the
    /// first, then the named contrasts, each once.
    pub fn effect_pairs(&self) -> Vec<(usize, usize)> {
        let mut pairs: Vec<(usize, usize)> = (1..self.scenarios.len()).map(|s| (s, 0)).collect();
        for &c in &self.contrasts {
            if !pairs.contains(&c) {
                pairs.push(c);
            }
        }
        pairs
    }
}

/// One town-level series of a run: the value at each tick.
pub type Series = Vec<f64>;

/// One run of a comparison, reduced to what the comparison reports: the weekly town-level
/// series, yearly means per ward, and the events.
pub struct Run {
    pub scenario: usize,
    pub replicate: u32,
    /// Town-level series by metric, indexed by tick.
    pub town: BTreeMap<&'static str, Series>,
    /// Per ward (index into `ward_names`) and metric, the mean of each year's 52 weeks.
    pub wards: BTreeMap<(u16, &'static str), Vec<f64>>,
    pub ward_names: Vec<String>,
    pub events: Vec<EventRecord>,
    /// The town map of the run: wards, venues and their state at each year's end.
    pub map: TownMap,
}

impl Run {
    fn new(scenario: usize, replicate: u32, output: RunOutput, map: TownMap) -> Run {
        let town = town_series(&output.observations);
        let wards = ward_years(&output.observations);
        Run {
            scenario,
            replicate,
            town,
            wards,
            ward_names: output.ward_names,
            events: output.events,
            map,
        }
    }

    /// The mean of `metric` over the 52 weeks of year index `year_index` (0 = first year).
    pub fn year_mean(&self, metric: &str, year_index: u32) -> f64 {
        let Some(series) = self.town.get(metric) else {
            return f64::NAN;
        };
        let from = (year_index * WEEKS_PER_YEAR) as usize;
        let to = (from + WEEKS_PER_YEAR as usize).min(series.len());
        if from >= to {
            return f64::NAN;
        }
        series[from..to].iter().sum::<f64>() / (to - from) as f64
    }
}

/// Town-level series of every metric, indexed by tick.
fn town_series(obs: &Observations) -> BTreeMap<&'static str, Series> {
    let mut town: BTreeMap<&'static str, Series> = BTreeMap::new();
    for o in obs.0.iter().filter(|o| o.ward.is_none()) {
        let series = town.entry(o.metric).or_default();
        let t = o.tick as usize;
        if series.len() <= t {
            series.resize(t + 1, f64::NAN);
        }
        series[t] = o.value;
    }
    town
}

/// One row of `summary.csv`.
#[derive(Clone, Debug)]
pub struct SummaryRow {
    pub scenario: usize,
    pub metric: &'static str,
    pub tick: u32,
    pub estimate: Estimate,
}

/// One row of `effects.csv`: scenario minus reference at a year, from paired replicates. The
/// reference is the first scenario, or the second of a named contrast.
#[derive(Clone, Debug)]
pub struct EffectRow {
    pub scenario: usize,
    pub reference: usize,
    pub metric: &'static str,
    pub year: i32,
    pub mean: f64,
    pub reference_mean: f64,
    pub diff: Estimate,
}

/// Everything a comparison produced, in (scenario, replicate) order.
pub struct Comparison {
    pub plan: ComparePlan,
    pub runs: Vec<Run>,
    pub summary: Vec<SummaryRow>,
    pub effects: Vec<EffectRow>,
    /// Weeks, warm-up included, that runs took from another run's history instead of
    /// simulating them (`crate::prefix`): summed over runs, weighted by each town's residents.
    pub resident_weeks_shared: f64,
}

impl Comparison {
    /// The runs of scenario `s`, in replicate order.
    pub fn runs_of(&self, s: usize) -> impl Iterator<Item = &Run> {
        self.runs.iter().filter(move |r| r.scenario == s)
    }

    /// The effect of scenario `s` against the reference (the first) on `metric` at `year`, if
    /// reported.
    pub fn effect(&self, s: usize, metric: &str, year: i32) -> Option<&EffectRow> {
        self.contrast(s, 0, metric, year)
    }

    /// The effect of scenario `a` against scenario `b` on `metric` at `year`, if reported.
    pub fn contrast(&self, a: usize, b: usize, metric: &str, year: i32) -> Option<&EffectRow> {
        self.effects
            .iter()
            .find(|e| e.scenario == a && e.reference == b && e.metric == metric && e.year == year)
    }

    /// Scenario `a` minus scenario `b`, replicate by replicate, for the per-run value `value`
    /// (for example a year's mean of a metric): mean and 95% interval of the paired
    /// differences.
    pub fn paired(&self, a: usize, b: usize, value: impl Fn(&Run) -> f64) -> Estimate {
        let diffs: Vec<f64> = self
            .runs_of(a)
            .zip(self.runs_of(b))
            .map(|(x, y)| value(x) - value(y))
            .collect();
        Estimate::of(&diffs)
    }

    /// The index of calendar year `year` (0 for the first simulated year).
    pub fn year_index(&self, year: i32) -> u32 {
        (year - self.plan.years().0).max(0) as u32
    }

    /// The summary series of `metric` for scenario `s`, in tick order.
    pub fn summary_of(&self, s: usize, metric: &str) -> impl Iterator<Item = &SummaryRow> {
        self.summary
            .iter()
            .filter(move |r| r.scenario == s && r.metric == metric)
    }
}

/// Runs every (scenario, replicate) of `plan` on a pool of `threads` threads and summarises
/// them. `progress(done, total, scenario, replicate)` is called as each run finishes, from
/// whichever thread finished it.
pub fn simulate(
    plan: &ComparePlan,
    threads: usize,
    progress: impl Fn(usize, usize, &str, u32) + Sync,
) -> Result<Comparison, PlanError> {
    plan.check()?;
    let jobs: Vec<(usize, u32)> = (0..plan.scenarios.len())
        .flat_map(|s| (0..plan.replicates).map(move |r| (s, r)))
        .collect();
    // Each run's scenario, made before any run starts so a bad parameter set stops nothing
    // half-way.
    let scenarios: Vec<Scenario> = jobs
        .iter()
        .map(|&(s, r)| plan.scenario_of(s, r))
        .collect::<Result<_, _>>()?;
    let reference = |r: u32| &scenarios[r as usize];
    let total = jobs.len();
    let done = AtomicUsize::new(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| PlanError(format!("cannot start {threads} worker threads: {e}")))?;
    let finished = |n: usize| {
        let (s, r) = jobs[n];
        let done = done.fetch_add(1, Ordering::Relaxed) + 1;
        progress(done, total, &plan.scenarios[s].name, r);
    };
    let mut shared = 0.0;
    let runs: Vec<Run> = match plan.branch_at {
        Some(year) => pool.install(|| {
            jobs.par_iter()
                .zip(&scenarios)
                .enumerate()
                .map(|(n, (&(s, r), scenario))| {
                    let stages = if s > 0 {
                        vec![
                            Stage {
                                from_year: None,
                                scenario: reference(r).clone(),
                            },
                            Stage {
                                from_year: Some(year),
                                scenario: scenario.clone(),
                            },
                        ]
                    } else {
                        Stage::plain(scenario)
                    };
                    let mut output = run::history(&stages, Seeds::of(plan.seed, r));
                    let map = std::mem::take(&mut output.map);
                    finished(n);
                    Run::new(s, r, output, map)
                })
                .collect()
        }),
        // Runs whose histories begin alike share that beginning (`crate::prefix`): the same
        // bytes, fewer weeks simulated.
        None => {
            let prefix_jobs: Vec<prefix::Job<'_>> = jobs
                .iter()
                .zip(&scenarios)
                .map(|(&(_, r), scenario)| (scenario, Seeds::of(plan.seed, r)))
                .collect();
            let outputs: Vec<Mutex<Option<RunOutput>>> =
                jobs.iter().map(|_| Mutex::new(None)).collect();
            let parents = pool.install(|| {
                prefix::run_all(&prefix_jobs, |n, output| {
                    *outputs[n].lock().unwrap_or_else(|e| e.into_inner()) = Some(output);
                    finished(n);
                })
            });
            shared = parents
                .iter()
                .zip(&prefix_jobs)
                .filter_map(|(p, (scenario, _))| {
                    Some(f64::from(p.as_ref()?.1) * f64::from(scenario.town.residents))
                })
                .sum();
            jobs.iter()
                .zip(outputs)
                .zip(&prefix_jobs)
                .map(|((&(s, r), output), &(scenario, seeds))| {
                    // Every job hands in its output; were one missing, it is run again.
                    let mut output = output
                        .into_inner()
                        .unwrap_or_else(|e| e.into_inner())
                        .unwrap_or_else(|| run::to_end(scenario, seeds));
                    let map = std::mem::take(&mut output.map);
                    Run::new(s, r, output, map)
                })
                .collect()
        }
    };
    let summary = summarise(plan, &runs);
    let mut cmp = Comparison {
        plan: plan.clone(),
        runs,
        summary,
        effects: Vec::new(),
        resident_weeks_shared: shared,
    };
    cmp.effects = effects(&cmp);
    Ok(cmp)
}

/// Mean, sd and interval over replicates of every town-level metric at every tick.
fn summarise(plan: &ComparePlan, runs: &[Run]) -> Vec<SummaryRow> {
    let mut rows = Vec::new();
    for s in 0..plan.scenarios.len() {
        let mine: Vec<&Run> = runs.iter().filter(|r| r.scenario == s).collect();
        let Some(first) = mine.first() else { continue };
        for (&metric, series) in &first.town {
            for tick in 0..series.len() {
                let values: Vec<f64> = mine
                    .iter()
                    .map(|r| r.town.get(metric).and_then(|v| v.get(tick)).copied())
                    .map(|v| v.unwrap_or(f64::NAN))
                    .collect();
                rows.push(SummaryRow {
                    scenario: s,
                    metric,
                    tick: tick as u32,
                    estimate: Estimate::of(&values),
                });
            }
        }
    }
    rows
}

/// Paired differences from the reference scenario at each reported year, then those of the
/// named contrasts.
fn effects(cmp: &Comparison) -> Vec<EffectRow> {
    let mut rows = Vec::new();
    for (s, reference) in cmp.plan.effect_pairs() {
        for metric in headline().map(|m| m.name) {
            for year in cmp.plan.report_years() {
                let index = cmp.year_index(year);
                let value = |r: &Run| r.year_mean(metric, index);
                let mean = |s| Estimate::of(&cmp.runs_of(s).map(value).collect::<Vec<_>>()).mean;
                rows.push(EffectRow {
                    scenario: s,
                    reference,
                    metric,
                    year,
                    mean: mean(s),
                    reference_mean: mean(reference),
                    diff: cmp.paired(s, reference, value),
                });
            }
        }
    }
    rows
}
