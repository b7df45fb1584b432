//! Running a calibration into its directory: generation after generation of ABC-SMC, then the
//! posterior predictive runs, so that any interruption loses at most the runs in flight and any
//! way of splitting the runs gives the same bytes.
//!
//! The directory holds the calibration file as given (`calibration.toml`), its identity
//! (`plan.json`, written last when the directory is started), the engine's state
//! (`state.json`: the prior, the settings and every generation so far, rewritten after each
//! generation), and one small JSON file per finished run (`runs/gGG-pPPPP.json` for proposal
//! `P` of generation `G`, `runs/predictive-dDDDD.json` for predictive draw `D`). Every file is
//! written under a temporary name and renamed into place.
//!
//! A process (`--shard I/N`, or a Slurm array task) runs the pending runs `k` of the current
//! generation with `k mod N = I`, then waits for the other shards' runs of that generation;
//! whichever process sees the generation complete advances the state (all write the same
//! bytes, since the new generation is a function of the old state and the distances alone),
//! and each goes on to its share of the next. When the engine stops, the predictive draws are
//! shared out the same way, and shard 0 (or an unsharded process) writes the results
//! (`report`). A SIGTERM or SIGINT stops the runs in flight with checkpoints
//! (`checkpoints/<run>/`) and the process exits with status 75; the same command goes on.

use super::plan::Plan;
use super::report;
use crate::calibrate::{Abc, AbcError, Posterior};
use crate::checkpoint::{self, Policy};
use crate::rng::{self, Purpose, Seeds};
use crate::summary::summarise;
use crate::sweep::runner::{Shard, SweepError, write_atomic};
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The copy of the calibration file.
pub const CALIBRATION_TOML: &str = "calibration.toml";
/// The calibration's identity: written last when a directory is started.
pub const PLAN_JSON: &str = "plan.json";
/// The engine's state, rewritten after each generation.
pub const STATE_JSON: &str = "state.json";
pub const RUNS_DIR: &str = "runs";
pub const SBATCH: &str = "calibrate.sbatch";
pub const LOGS: &str = "logs";

/// Everything a calibration writes into its directory; `--force` removes these and nothing
/// else.
pub const ENTRIES: [&str; 11] = [
    CALIBRATION_TOML,
    PLAN_JSON,
    STATE_JSON,
    RUNS_DIR,
    report::POSTERIOR_CSV,
    report::PREDICTIVE_CSV,
    report::CALIBRATION_JSON,
    report::CHARTS,
    SBATCH,
    LOGS,
    checkpoint::sweep::CHECKPOINTS_DIR,
];

/// The predictive draws' master seed, from the calibration's.
pub fn predictive_seed(seed: u64) -> u64 {
    rng::finalise(seed ^ 0x5052_4544_4943_5456)
}

/// The run seed of predictive draw `draw`: the engine's rule with a generation number that no
/// generation reaches (see `spec::MAX_GENERATIONS`), so it never repeats a proposal's seed.
pub fn predictive_run_seed(seed: u64, draw: u32) -> u64 {
    crate::calibrate::run_seed(seed, u32::MAX, draw)
}

/// How the seeds are made, in words, for the manifest.
pub const SEED_RULE: &str = "Proposal i of generation g is drawn from the keyed stream (seed, \
replicate g, CalibrationProposal, entity i) and run with seed run_seed(seed, g, i) = \
finalise(finalise(seed) xor (g << 32 | i)); predictive draw r picks a particle from the keyed \
stream (predictive_seed, PosteriorDraw, entity r) and runs with run_seed(seed, 2^32 - 1, r).";

/// `plan.json`: which calibration a directory holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    pub engine: String,
    pub name: String,
    pub calibration_sha256: String,
}

/// One finished run: `runs/<label>.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunFile {
    pub calibration_sha256: String,
    pub run: String,
    /// The generation of an ABC run; none for a predictive run.
    pub generation: Option<u32>,
    /// The proposal's index, or the predictive draw's.
    pub index: u32,
    pub seed: u64,
    /// The parameter values, in the prior's order.
    pub values: Vec<f64>,
    /// Each target point's simulated value, in point order; none where the run gave none.
    pub simulated: Vec<Option<f64>>,
    /// Predictive runs: each series metric's mean in every simulated year.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub yearly: Vec<(String, Vec<Option<f64>>)>,
    /// Why the run produced nothing (its parameter set is not a valid scenario).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

impl RunFile {
    /// The simulated values with missing ones as NaN.
    pub fn simulated_values(&self) -> Vec<f64> {
        self.simulated
            .iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect()
    }
}

/// A run to make.
#[derive(Clone, Debug)]
struct Job {
    label: String,
    generation: Option<u32>,
    index: u32,
    seed: u64,
    values: Vec<f64>,
}

/// What the runner tells its caller as it goes.
pub enum Event<'a> {
    /// A run finished: (done, of this batch's share).
    Run(usize, usize),
    /// Starting a batch: generation (none: predictive), runs of this share to do, runs in all.
    Batch(Option<u32>, usize, usize),
    /// A generation completed.
    Generation(&'a crate::calibrate::Generation),
    /// Waiting for other shards' runs.
    Waiting(usize),
}

/// How a call to [`calibrate`] ended.
pub enum Outcome {
    /// Finished, and the results were written.
    Finished(report::Written),
    /// This shard's part is done; shard 0 writes the results.
    ShareDone,
}

/// How a directory was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    Fresh,
    Resumed,
}

fn io(what: impl std::fmt::Display) -> impl FnOnce(std::io::Error) -> SweepError {
    move |e| SweepError::Io(format!("{what}: {e}"))
}

fn abc_error(e: AbcError) -> SweepError {
    match e {
        AbcError::State(_) => SweepError::Refused(format!(
            "{e}. The directory's state.json is damaged: start again with --force"
        )),
        e => SweepError::Refused(e.to_string()),
    }
}

/// Makes `dir` the home of `plan`'s calibration, or checks that it already is. A directory
/// holding another calibration, or anything else, is refused unless `force`, which removes a
/// calibration's own files (and only those) first.
pub fn prepare(plan: &Plan, dir: &Path, force: bool) -> Result<Start, SweepError> {
    let record_path = dir.join(PLAN_JSON);
    if record_path.exists() {
        let old: Option<Record> = fs::read_to_string(&record_path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        match old {
            Some(old) if old.calibration_sha256 == plan.hash => return Ok(Start::Resumed),
            _ if force => remove(dir)?,
            old => {
                let what = old.map_or("an unreadable calibration".to_string(), |o| {
                    format!("the calibration `{}` as it was then", o.name)
                });
                return Err(SweepError::Refused(format!(
                    "{} holds {what} ({} finished runs), not this one (its file, base scenario, \
                     target files or the engine differ). Choose another --out, or add --force \
                     to discard those runs",
                    dir.display(),
                    count_runs(dir)
                )));
            }
        }
    } else if dir.exists() {
        let foreign = fs::read_dir(dir)
            .map_err(io(dir.display()))?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .any(|name| !name.starts_with('.') && !ENTRIES.contains(&name.as_str()));
        if foreign {
            if !force {
                return Err(SweepError::Refused(format!(
                    "{} exists, is not empty and is not a calibration directory; choose \
                     another --out, or add --force to write the calibration into it",
                    dir.display()
                )));
            }
            remove(dir)?;
        }
    }
    fs::create_dir_all(dir.join(RUNS_DIR)).map_err(io(dir.join(RUNS_DIR).display()))?;
    write_atomic(&dir.join(CALIBRATION_TOML), plan.text.as_bytes())?;
    let abc = Abc::new(plan.space.clone(), plan.settings.clone()).map_err(abc_error)?;
    write_atomic(&dir.join(STATE_JSON), abc.to_json().as_bytes())?;
    let record = Record {
        engine: format!("cohesion {}", crate::ENGINE_VERSION),
        name: plan.spec.name.clone(),
        calibration_sha256: plan.hash.clone(),
    };
    let mut text = serde_json::to_string_pretty(&record)
        .map_err(|e| SweepError::Io(format!("describing the calibration: {e}")))?;
    text.push('\n');
    // Last: a directory with plan.json is a complete start.
    write_atomic(&record_path, text.as_bytes())?;
    Ok(Start::Fresh)
}

fn remove(dir: &Path) -> Result<(), SweepError> {
    for name in ENTRIES {
        let path = dir.join(name);
        if path.is_dir() {
            fs::remove_dir_all(&path).map_err(io(path.display()))?;
        } else if path.exists() {
            fs::remove_file(&path).map_err(io(path.display()))?;
        }
    }
    Ok(())
}

fn count_runs(dir: &Path) -> usize {
    fs::read_dir(dir.join(RUNS_DIR))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                .count()
        })
        .unwrap_or(0)
}

/// The engine's state as saved in `dir`.
pub fn read_state(dir: &Path) -> Result<Abc, SweepError> {
    let path = dir.join(STATE_JSON);
    let text = fs::read_to_string(&path).map_err(io(path.display()))?;
    Abc::from_json(&text).map_err(abc_error)
}

fn run_path(dir: &Path, label: &str) -> PathBuf {
    dir.join(RUNS_DIR).join(format!("{label}.json"))
}

/// Run `label`'s file, if it is finished for this calibration with this seed.
pub fn read_run(plan: &Plan, dir: &Path, label: &str, seed: u64) -> Option<RunFile> {
    let text = fs::read_to_string(run_path(dir, label)).ok()?;
    let run: RunFile = serde_json::from_str(&text).ok()?;
    (run.calibration_sha256 == plan.hash
        && run.seed == seed
        && run.simulated.len() == plan.points.len())
    .then_some(run)
}

fn abc_label(generation: u32, index: u32) -> String {
    format!("g{generation:02}-p{index:04}")
}

fn predictive_label(draw: u32) -> String {
    format!("predictive-d{draw:04}")
}

/// The predictive draws of a posterior: (particle, run seed) for each draw, in draw order.
pub fn predictive_draws(plan: &Plan, posterior: &Posterior) -> Vec<(usize, u64)> {
    let seed = plan.settings.seed;
    posterior
        .draw(plan.spec.method.predictive, predictive_seed(seed))
        .into_iter()
        .enumerate()
        .map(|(r, particle)| (particle, predictive_run_seed(seed, r as u32)))
        .collect()
}

/// Survey noise for predictive draw `draw` at target point `point`: a standard normal from the
/// keyed stream (predictive_seed, PosteriorDraw, entity draw) at word block `point + 1`.
pub fn survey_noise(seed: u64, draw: usize, point: usize) -> f64 {
    let mut rng = Seeds::new(predictive_seed(seed)).stream(
        Purpose::PosteriorDraw,
        draw as u64,
        point as u32 + 1,
    );
    rng::normal(&mut rng)
}

/// Choices for [`calibrate`].
pub struct Options<'a> {
    pub shard: Shard,
    pub threads: usize,
    pub policy: Policy,
    pub progress: &'a (dyn Fn(Event<'_>) + Sync),
}

/// Runs the calibration in `dir` (prepared by [`prepare`]) as far as this process's share
/// goes: to the end and the results, for shard 0 or an unsharded process.
pub fn calibrate(plan: &Plan, dir: &Path, opts: &Options) -> Result<Outcome, SweepError> {
    loop {
        let mut abc = read_state(dir)?;
        if abc.stopped().is_none() {
            let g = abc.next_generation();
            let batch = abc.batch().map_err(abc_error)?;
            let jobs: Vec<Job> = batch
                .iter()
                .map(|p| Job {
                    label: abc_label(g, p.index),
                    generation: Some(g),
                    index: p.index,
                    seed: p.seed,
                    values: p.values.clone(),
                })
                .collect();
            let runs = run_batch(plan, dir, &jobs, Some(g), opts)?;
            let distances: Vec<f64> = runs
                .iter()
                .map(|r| plan.distance.distance(&r.simulated_values()))
                .collect();
            abc.advance(&distances).map_err(abc_error)?;
            write_atomic(&dir.join(STATE_JSON), abc.to_json().as_bytes())?;
            if let Some(last) = abc.generations().last() {
                (opts.progress)(Event::Generation(last));
            }
            continue;
        }
        let posterior = abc
            .posterior()
            .ok_or_else(|| SweepError::Io("the state has no population".into()))?;
        let jobs: Vec<Job> = predictive_draws(plan, &posterior)
            .into_iter()
            .enumerate()
            .map(|(r, (particle, seed))| Job {
                label: predictive_label(r as u32),
                generation: None,
                index: r as u32,
                seed,
                values: posterior.values()[particle].clone(),
            })
            .collect();
        let predictive = run_batch(plan, dir, &jobs, None, opts)?;
        if opts.shard.index != 0 {
            return Ok(Outcome::ShareDone);
        }
        return report::write(plan, dir, &abc, &predictive).map(Outcome::Finished);
    }
}

/// Runs this shard's pending jobs of a batch, waits for the others' and returns every job's
/// run file, in job order.
fn run_batch(
    plan: &Plan,
    dir: &Path,
    jobs: &[Job],
    generation: Option<u32>,
    opts: &Options,
) -> Result<Vec<RunFile>, SweepError> {
    let mine: Vec<&Job> = jobs
        .iter()
        .filter(|j| opts.shard.contains(u64::from(j.index)))
        .filter(|j| read_run(plan, dir, &j.label, j.seed).is_none())
        .collect();
    (opts.progress)(Event::Batch(generation, mine.len(), jobs.len()));
    execute(plan, dir, &mine, opts)?;
    let mut told = None;
    loop {
        let found: Vec<Option<RunFile>> = jobs
            .iter()
            .map(|j| read_run(plan, dir, &j.label, j.seed))
            .collect();
        let missing = found.iter().filter(|r| r.is_none()).count();
        if missing == 0 {
            return Ok(found.into_iter().flatten().collect());
        }
        if opts.shard == Shard::ALL {
            return Err(SweepError::Io(format!(
                "{missing} runs of the batch have no readable result in {}",
                dir.join(RUNS_DIR).display()
            )));
        }
        if opts.policy.stop.as_ref().is_some_and(|s| s.requested()) {
            return Err(SweepError::Stopped(
                "stopped on request while waiting for other shards".into(),
            ));
        }
        if told != Some(missing) {
            (opts.progress)(Event::Waiting(missing));
            told = Some(missing);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `jobs` on the options' threads, one run per thread at a time, writing each result as
/// it finishes. A stop request lets no new run start and stops the runs in flight with a
/// checkpoint.
fn execute(plan: &Plan, dir: &Path, jobs: &[&Job], opts: &Options) -> Result<(), SweepError> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let failure: Mutex<Option<SweepError>> = Mutex::new(None);
    let metrics = plan.metrics();
    std::thread::scope(|scope| {
        for _ in 0..opts.threads.max(1) {
            scope.spawn(|| {
                loop {
                    if opts.policy.stop.as_ref().is_some_and(|s| s.requested()) {
                        lock(&failure)
                            .get_or_insert(SweepError::Stopped("stopped on request".into()));
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    match run_one(plan, dir, job, &metrics, &opts.policy) {
                        Ok(()) => {
                            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                            (opts.progress)(Event::Run(n, jobs.len()));
                        }
                        Err(e) => {
                            lock(&failure).get_or_insert(e);
                            next.store(jobs.len(), Ordering::Relaxed);
                            break;
                        }
                    }
                }
            });
        }
    });
    match lock(&failure).take() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Runs one job and writes its file.
fn run_one(
    plan: &Plan,
    dir: &Path,
    job: &Job,
    metrics: &[crate::summary::MetricSummary],
    policy: &Policy,
) -> Result<(), SweepError> {
    let mut file = RunFile {
        calibration_sha256: plan.hash.clone(),
        run: job.label.clone(),
        generation: job.generation,
        index: job.index,
        seed: job.seed,
        values: job.values.clone(),
        simulated: vec![None; plan.points.len()],
        yearly: Vec::new(),
        failed: None,
    };
    match plan.scenario(&job.values) {
        Err(m) => file.failed = Some(m),
        Ok(scenario) => {
            let output = crate::sweep::runner::simulate(
                &scenario,
                Seeds::new(job.seed),
                dir,
                &job.label,
                policy,
            )?;
            file.simulated = summarise(&output, &scenario, metrics)
                .into_iter()
                .map(|(_, v)| v.is_finite().then_some(v))
                .collect();
            if job.generation.is_none() {
                file.yearly = yearly_means(plan, &output);
            }
        }
    }
    let mut text = serde_json::to_string_pretty(&file)
        .map_err(|e| SweepError::Io(format!("{}: {e}", job.label)))?;
    text.push('\n');
    write_atomic(&run_path(dir, &job.label), text.as_bytes())?;
    checkpoint::sweep::finished(dir, &job.label);
    Ok(())
}

/// Each series metric's town mean over every simulated calendar year, summed in week order.
fn yearly_means(plan: &Plan, output: &crate::RunOutput) -> Vec<(String, Vec<Option<f64>>)> {
    let years = plan.base.time.years as usize;
    let weeks = crate::scenario::WEEKS_PER_YEAR;
    plan.series_metrics()
        .into_iter()
        .map(|metric| {
            let mut sums = vec![(0.0, 0u32); years];
            for o in &output.observations.0 {
                if o.ward.is_none() && o.metric == metric {
                    let y = (o.tick / weeks) as usize;
                    if y < years {
                        sums[y].0 += o.value;
                        sums[y].1 += 1;
                    }
                }
            }
            let means = sums
                .into_iter()
                .map(|(s, n)| (n > 0).then(|| s / f64::from(n)).filter(|v| v.is_finite()))
                .collect();
            (metric, means)
        })
        .collect()
}

/// Seconds since `start`, for messages.
pub fn elapsed(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}
