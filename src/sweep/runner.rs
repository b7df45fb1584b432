//! Running a sweep's runs into its directory, so that any interruption loses at most the runs
//! in flight and a rerun finishes the rest.
//!
//! The directory holds the sweep's identity (`sweep.json`, written last when the directory is
//! started), a copy of the sweep file, every point's scenario (`points/pNNNN.toml`, runnable
//! with `cohesion run`), and one small JSON file per finished run (`runs/pNNNN-rNN.json`). Each
//! file is written under a temporary name and renamed into place, so a run's file exists only
//! once its run has finished; a run is done when its file exists and names this sweep's hash.
//! Several processes (local shards, Slurm array tasks) may work in one directory at once: they
//! write the same bytes to the same names.

use super::plan::{Level, MorrisPath, Plan, RunId, SweepIdentity};
use crate::checkpoint::{self, CheckpointError, Policy};
use crate::observe::Observations;
use crate::output::csv;
use crate::output::terminal::say;
use crate::run::{self, Checkpoints, Driven, Hooks, Note, RunError, Stage, drive};
use crate::summary::MetricSummary;
use crate::summary::summarise;
use crate::{RunOutput, Scenario, Seeds};
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The file that names a sweep directory's sweep.
pub const SWEEP_JSON: &str = "sweep.json";
/// The copy of the sweep file.
pub const SWEEP_TOML: &str = "sweep.toml";
pub const POINTS_DIR: &str = "points";
pub const POINTS_CSV: &str = "points.csv";
pub const RUNS_DIR: &str = "runs";
pub const SERIES_DIR: &str = "series";

/// Everything a sweep writes into its directory (the merge's files included); `--force`
/// removes these, in a directory that another sweep started, and nothing else.
pub const SWEEP_ENTRIES: [&str; 14] = [
    SWEEP_JSON,
    SWEEP_TOML,
    POINTS_DIR,
    POINTS_CSV,
    RUNS_DIR,
    SERIES_DIR,
    "results.csv",
    "summary.csv",
    "sensitivity.csv",
    "charts",
    "manifest.json",
    "sweep.sbatch",
    "logs",
    crate::checkpoint::sweep::CHECKPOINTS_DIR,
];

/// What a start writes before `sweep.json` (see [`prepare`]).
const START_ENTRIES: [&str; 4] = [SWEEP_TOML, POINTS_DIR, POINTS_CSV, RUNS_DIR];

/// How a sweep did not happen. `exit_code` says how the CLI should exit.
#[derive(Debug)]
pub enum SweepError {
    /// A bad sweep file, or one that names a bad scenario.
    Input(crate::ScenarioError),
    /// Refused: a directory that holds something else, a bad shard, a missing tool.
    Refused(String),
    /// The sweep is not complete (merge without --allow-partial).
    Incomplete(String),
    /// Reading or writing files failed.
    Io(String),
    /// Stopped on request (SIGTERM, SIGINT); the runs in flight wrote checkpoints.
    Stopped(String),
}

impl SweepError {
    /// 2 for bad input or a refused request; 1 for anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            SweepError::Input(_) | SweepError::Refused(_) => 2,
            SweepError::Incomplete(_) | SweepError::Io(_) => 1,
            SweepError::Stopped(_) => i32::from(crate::checkpoint::EXIT_STOPPED),
        }
    }
}

impl std::fmt::Display for SweepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SweepError::Input(e) => write!(f, "{e}"),
            SweepError::Refused(m)
            | SweepError::Incomplete(m)
            | SweepError::Io(m)
            | SweepError::Stopped(m) => {
                write!(f, "{m}")
            }
        }
    }
}

impl std::error::Error for SweepError {}

pub(super) fn io(what: impl std::fmt::Display) -> impl FnOnce(std::io::Error) -> SweepError {
    move |e| SweepError::Io(format!("{what}: {}", crate::output::io_message(&e)))
}

/// `sweep.json`: the sweep's identity and what merging needs to know of its points.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    pub engine: String,
    pub sweep_sha256: String,
    pub points: usize,
    pub replicates: u32,
    pub runs: u64,
    pub seed_rule: String,
    pub run_order: String,
    pub params: Vec<String>,
    pub point_values: Vec<Vec<Level>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub morris: Vec<MorrisPath>,
    /// For a Sobol design: what rebuilds its Saltelli design at merge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sobol: Option<SobolRecord>,
    /// For a one-at-a-time design: its scenarios, base values and what each point is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oat: Option<super::oat::OatLayout>,
    pub identity: SweepIdentity,
}

/// A Sobol design as `sweep.json` records it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SobolRecord {
    pub space: crate::space::Space,
    pub samples: usize,
    pub seed: u64,
    pub resamples: usize,
    /// With further scenarios: the base, then each further scenario, as the file names them;
    /// the design's points run on each in turn (empty for the base alone).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenarios: Vec<String>,
}

impl SobolRecord {
    /// The design whose points are the sweep's, in order.
    pub fn design(&self) -> Result<crate::sensitivity::SaltelliDesign, String> {
        crate::sensitivity::SaltelliDesign::new(self.space.clone(), self.samples, self.seed)
            .map_err(|e| e.to_string())
    }
}

pub const SEED_RULE: &str = "Run k (k = replicate × points + point) uses master seed \
H(seed) × 2^32 + k, where H is 21 bits of a hash of the sweep's seed: every run has its own \
seed, below 2^53. The run is exactly `cohesion run points/<point>.toml --seed <seed>`.";

pub const SOBOL_SCENARIOS_SEED_RULE: &str = "Sobol design over several scenarios: point \
s × n + j (design point j of n, on scenario s: the base, then each further scenario) of \
replicate r uses master seed H(seed) × 2^32 + r × n + j, where H is 21 bits of a hash of the \
sweep's seed (common random numbers: a design point has the same seeds on every scenario). \
The run is exactly `cohesion run points/<point>.toml --seed <seed>`.";

pub const OAT_SEED_RULE: &str = "One-at-a-time design: every point of replicate r uses master \
seed H(seed) × 2^32 + r, where H is 21 bits of a hash of the sweep's seed (common random \
numbers: points and scenarios are compared on the same draws). The run is exactly \
`cohesion run points/<point>.toml --seed <seed>`.";

impl Record {
    fn of(plan: &Plan) -> Record {
        Record {
            engine: format!("cohesion {}", crate::ENGINE_VERSION),
            sweep_sha256: plan.hash.clone(),
            points: plan.points.len(),
            replicates: plan.spec.replicates,
            runs: plan.runs(),
            seed_rule: if plan.oat.is_some() {
                OAT_SEED_RULE.into()
            } else if plan
                .spec
                .sobol
                .as_ref()
                .is_some_and(|s| !s.scenarios.is_empty())
            {
                SOBOL_SCENARIOS_SEED_RULE.into()
            } else {
                SEED_RULE.into()
            },
            run_order: "replicate-major: k = replicate × points + point; shard I of N runs every \
                        k with k mod N = I"
                .into(),
            params: plan.params().iter().map(|s| s.to_string()).collect(),
            point_values: plan.points.iter().map(|p| p.values.clone()).collect(),
            morris: plan.morris.clone(),
            sobol: plan.sobol.as_ref().map(|d| SobolRecord {
                space: d.space().clone(),
                samples: d.base(),
                seed: d.seed(),
                resamples: plan.spec.sobol.as_ref().map_or(1000, |s| s.resamples),
                scenarios: match plan.spec.sobol.as_ref() {
                    Some(s) if !s.scenarios.is_empty() => std::iter::once(plan.spec.base.clone())
                        .chain(s.scenarios.iter().cloned())
                        .collect(),
                    _ => Vec::new(),
                },
            }),
            oat: plan.oat.clone(),
            identity: plan.identity(),
        }
    }

    /// Reads `DIR/sweep.json`.
    pub fn read(dir: &Path) -> Result<Record, SweepError> {
        let path = dir.join(SWEEP_JSON);
        let text = fs::read_to_string(&path).map_err(|e| {
            SweepError::Refused(format!(
                "{} is not a sweep directory ({}: {e})",
                dir.display(),
                path.display()
            ))
        })?;
        serde_json::from_str(&text)
            .map_err(|e| SweepError::Refused(format!("{} cannot be read: {e}", path.display())))
    }

    /// The label of a point (`p0007`) and of a run (`p0007-r02`), as in [`Plan`].
    pub fn point_label(&self, point: usize) -> String {
        super::plan::point_label(self.points, point)
    }

    pub fn run_label(&self, point: usize, replicate: u32) -> String {
        super::plan::run_label(self.points, self.replicates, point, replicate)
    }

    pub fn metrics(&self) -> &[MetricSummary] {
        &self.identity.spec.metrics
    }
}

/// One finished run: `runs/pNNNN-rNN.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub sweep_sha256: String,
    pub run: String,
    pub point: usize,
    pub replicate: u32,
    pub seed: u64,
    /// The point's parameters and their values, in axis order.
    #[serde(default)]
    pub params: Vec<(String, Level)>,
    /// Summarised metrics by column name, in the sweep's metric order.
    pub metrics: Vec<(String, f64)>,
    /// Wall time of the run, seconds (not part of any merged result).
    pub seconds: f64,
}

/// Which runs this process does: those whose number is `index` modulo `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `I/N` (0 ≤ I < N).
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard `{text}`: give I/N with 0 ≤ I < N, such as 0/3");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    pub fn contains(&self, k: u64) -> bool {
        k % self.count == self.index
    }
}

/// How a directory was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// A new sweep.
    Fresh,
    /// The same sweep, started before: finished runs are kept.
    Resumed,
}

/// Makes `dir` the home of `plan`'s sweep, or checks that it already is. A directory holding
/// another sweep, or anything else, is refused unless `force`, which removes another sweep's
/// own files (and only those) first; in a folder that is not a sweep's, `force` writes beside
/// the files there and refuses if any has a name the sweep writes.
pub fn prepare(plan: &Plan, dir: &Path, force: bool) -> Result<Start, SweepError> {
    let record_path = dir.join(SWEEP_JSON);
    if record_path.exists() {
        let old = Record::read(dir)?;
        if old.sweep_sha256 == plan.hash {
            // Written whole before: sweep.json is the last file a start writes.
            return Ok(Start::Resumed);
        } else if force {
            remove_sweep(dir)?;
        } else {
            let changes = plan.identity().differences(&old.identity);
            let done = count_runs(dir);
            return Err(SweepError::Refused(format!(
                "{} holds a different sweep ({done} finished runs); what changed: {}. Choose \
                 another --out, or add --force to discard those runs",
                dir.display(),
                if changes.is_empty() {
                    "the resolved scenarios".to_string()
                } else {
                    changes.join("; ")
                }
            )));
        }
    } else if dir.exists() {
        // A start interrupted before sweep.json, or another shard starting at this moment,
        // leaves only the names a start writes before it; anything else is someone's files
        // (a lone results.csv included: a sweep writes it only after sweep.json).
        let foreign = fs::read_dir(dir)
            .map_err(io(dir.display()))?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .any(|name| !name.starts_with('.') && !START_ENTRIES.contains(&name.as_str()));
        if foreign {
            if !force {
                return Err(SweepError::Refused(format!(
                    "{} exists, is not empty and is not a sweep directory; choose another \
                     --out, or add --force to write the sweep into it beside what is there",
                    dir.display()
                )));
            }
            // Not a sweep's folder, so nothing in it is known to be cohesion's: --force writes
            // beside the files there, and refuses if one of them has a name the sweep writes.
            let clashing: Vec<&str> = SWEEP_ENTRIES
                .iter()
                .copied()
                .filter(|name| fs::symlink_metadata(dir.join(name)).is_ok())
                .collect();
            if !clashing.is_empty() {
                return Err(SweepError::Refused(format!(
                    "{} is not a sweep directory, and holds {}, which the sweep would \
                     overwrite; --force replaces only files cohesion wrote. Choose another \
                     --out",
                    dir.display(),
                    clashing.join(", ")
                )));
            }
        }
    }
    for sub in [POINTS_DIR, RUNS_DIR] {
        fs::create_dir_all(dir.join(sub)).map_err(io(dir.join(sub).display()))?;
    }
    write_atomic(&dir.join(SWEEP_TOML), plan.text.as_bytes())?;
    let mut points_csv = String::from("point");
    for p in plan.params() {
        points_csv.push(',');
        points_csv.push_str(&csv::field(p));
    }
    points_csv.push_str(",scenario_sha256\n");
    for (i, point) in plan.points.iter().enumerate() {
        let label = plan.point_label(i);
        write_atomic(
            &dir.join(POINTS_DIR).join(format!("{label}.toml")),
            point.scenario.to_toml().as_bytes(),
        )?;
        points_csv.push_str(&label);
        for v in &point.values {
            points_csv.push(',');
            points_csv.push_str(&v.text());
        }
        points_csv.push(',');
        points_csv.push_str(&point.scenario.hash());
        points_csv.push('\n');
    }
    write_atomic(&dir.join(POINTS_CSV), points_csv.as_bytes())?;
    let mut record = serde_json::to_string_pretty(&Record::of(plan))
        .map_err(|e| SweepError::Io(format!("describing the sweep: {e}")))?;
    record.push('\n');
    // Last: a directory with sweep.json is a complete start.
    write_atomic(&record_path, record.as_bytes())?;
    Ok(Start::Fresh)
}

fn remove_sweep(dir: &Path) -> Result<(), SweepError> {
    for name in SWEEP_ENTRIES {
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
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.ends_with(".json") && !name.starts_with('.')
                })
                .count()
        })
        .unwrap_or(0)
}

/// Writes `bytes` to `path` through a temporary sibling and a rename, so that `path` either
/// does not exist or holds all of `bytes`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SweepError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}-{}", host(), std::process::id()));
    fs::write(&tmp, bytes).map_err(io(tmp.display()))?;
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        SweepError::Io(format!(
            "{}: {}",
            path.display(),
            crate::output::io_message(&e)
        ))
    })
}

/// The host name, so that temporary names differ between nodes sharing a file system.
fn host() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "host".into())
}

/// The path of run `run`'s result file.
pub fn run_path(plan: &Plan, dir: &Path, run: &RunId) -> PathBuf {
    dir.join(RUNS_DIR)
        .join(format!("{}.json", plan.run_label(run)))
}

/// Whether `run` has finished in `dir` for this sweep.
pub fn is_done(plan: &Plan, dir: &Path, run: &RunId) -> bool {
    let Ok(text) = fs::read_to_string(run_path(plan, dir, run)) else {
        return false;
    };
    serde_json::from_str::<RunResult>(&text).is_ok_and(|r| {
        r.sweep_sha256 == plan.hash
            && r.point == run.point
            && r.replicate == run.replicate
            && r.seed == run.seed
    })
}

/// The runs of `shard` not yet finished, in run order.
pub fn pending(plan: &Plan, dir: &Path, shard: Shard) -> Vec<RunId> {
    (0..plan.runs())
        .filter(|&k| shard.contains(k))
        .map(|k| plan.run(k))
        .filter(|run| !is_done(plan, dir, run))
        .collect()
}

/// Runs one run and writes its result; returns its label and wall time.
fn run_one(
    plan: &Plan,
    dir: &Path,
    run: &RunId,
    keep_series: bool,
    policy: &Policy,
) -> Result<(String, f64), SweepError> {
    let t = Instant::now();
    let point = &plan.points[run.point];
    let label = plan.run_label(run);
    let output = simulate(&point.scenario, Seeds::new(run.seed), dir, &label, policy)?;
    if keep_series {
        let town = town_only(&output.observations);
        let text = csv::metrics(&town, &output.ward_names, point.scenario.time.start_year);
        write_atomic(
            &dir.join(SERIES_DIR).join(format!("{label}.csv")),
            text.as_bytes(),
        )?;
    }
    let metrics = summarise(&output, &point.scenario, &plan.spec.metrics);
    let result = RunResult {
        sweep_sha256: plan.hash.clone(),
        run: label.clone(),
        point: run.point,
        replicate: run.replicate,
        seed: run.seed,
        params: plan
            .params()
            .iter()
            .zip(&point.values)
            .map(|(p, v)| (p.to_string(), *v))
            .collect(),
        metrics,
        seconds: t.elapsed().as_secs_f64(),
    };
    let mut text = serde_json::to_string_pretty(&result)
        .map_err(|e| SweepError::Io(format!("{label}: {e}")))?;
    text.push('\n');
    write_atomic(&run_path(plan, dir, run), text.as_bytes())?;
    checkpoint::sweep::finished(dir, &label);
    Ok((label, result.seconds))
}

/// Simulates one run of a sweep (or a calibration) to its end, from its newest checkpoint if
/// it has one, writing checkpoints into its own folder as `policy` says. Returns the output, or
/// [`SweepError::Stopped`] when a stop was asked for (the run's checkpoint is then written).
pub fn simulate(
    scenario: &Scenario,
    seeds: Seeds,
    dir: &Path,
    label: &str,
    policy: &Policy,
) -> Result<RunOutput, SweepError> {
    let ckpt_dir = checkpoint::sweep::run_dir(dir, label);
    let checkpoints = Checkpoints {
        dir: &ckpt_dir,
        policy,
        before_first: &mut || Ok(()),
    };
    let driven = drive(
        &Stage::plain(scenario),
        seeds,
        run::Start::Resume,
        Some(checkpoints),
        &mut Said(label),
    );
    match driven {
        Ok(Driven::Finished(finished)) => Ok(finished.output),
        Ok(Driven::Stopped(saved)) => Err(SweepError::Stopped(format!(
            "run {label} stopped after week {} ({})",
            saved.step,
            saved.path.display()
        ))),
        Err(RunError::Checkpoint(CheckpointError::Refused(m))) => {
            Err(SweepError::Refused(format!("run {label}: {m}")))
        }
        Err(e) => Err(SweepError::Io(format!("run {label}: {e}"))),
    }
}

/// A sweep run's hooks: warnings and resumes said on the terminal, naming the run.
struct Said<'a>(&'a str);

impl Hooks for Said<'_> {
    fn note(&mut self, note: Note<'_>) {
        let label = self.0;
        match note {
            Note::Warning(w) => say(&format!("cohesion: run {label}: {w}")),
            Note::Resumed { path, step, total } => say(&format!(
                "cohesion: run {label}: resuming from {} (week {step} of {total})",
                path.display()
            )),
            Note::NothingToResume | Note::Saved(_) => {}
        }
    }
}

/// A mutex's contents, even if a thread panicked while holding it.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a call to [`execute`] did.
#[derive(Clone, Debug)]
pub struct Executed {
    pub runs: usize,
    pub wall_seconds: f64,
    /// Sum of the runs' own wall times.
    pub run_seconds: f64,
}

/// Runs `runs` on `threads` threads (one run per thread at a time), writing each result as it
/// finishes; with `keep_series`, each run's weekly town series too. `progress(done, total,
/// label)` is called as runs finish. Runs write checkpoints as `policy` says; when it asks
/// for a stop, no new run starts and the runs in flight stop with a checkpoint.
pub fn execute(
    plan: &Plan,
    dir: &Path,
    runs: &[RunId],
    threads: usize,
    keep_series: bool,
    policy: &Policy,
    progress: impl Fn(usize, usize, &str) + Sync,
) -> Result<Executed, SweepError> {
    let started = Instant::now();
    if keep_series {
        fs::create_dir_all(dir.join(SERIES_DIR)).map_err(io(dir.join(SERIES_DIR).display()))?;
    }
    // Workers take runs in run order from a shared counter, so that an interrupted sweep has
    // finished a prefix of its runs (every point once before any twice), give or take the
    // runs in flight.
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let seconds = Mutex::new(Vec::with_capacity(runs.len()));
    let failure: Mutex<Option<SweepError>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                loop {
                    if policy.stop.as_ref().is_some_and(|s| s.requested()) {
                        lock(&failure)
                            .get_or_insert(SweepError::Stopped("stopped on request".into()));
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(run) = runs.get(i) else { break };
                    match run_one(plan, dir, run, keep_series, policy) {
                        Ok((label, secs)) => {
                            lock(&seconds).push(secs);
                            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                            progress(n, runs.len(), &label);
                        }
                        Err(e) => {
                            lock(&failure).get_or_insert(e);
                            next.store(runs.len(), Ordering::Relaxed);
                            break;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = lock(&failure).take() {
        return Err(e);
    }
    let seconds = std::mem::take(&mut *lock(&seconds));
    Ok(Executed {
        runs: seconds.len(),
        wall_seconds: started.elapsed().as_secs_f64(),
        run_seconds: seconds.iter().fold(0.0, |a, b| a + b),
    })
}

fn town_only(obs: &Observations) -> Observations {
    Observations(obs.0.iter().filter(|o| o.ward.is_none()).copied().collect())
}

/// Reads a run result, for merging.
pub fn read_result(path: &Path) -> Result<RunResult, String> {
    let text = fs::read_to_string(path).map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_runs_without_overlap() {
        assert_eq!(Shard::parse("1/3"), Ok(Shard { index: 1, count: 3 }));
        assert!(Shard::parse("3/3").is_err());
        assert!(Shard::parse("0/0").is_err());
        assert!(Shard::parse("a/3").is_err());
        let shards: Vec<Shard> = (0..3).map(|i| Shard { index: i, count: 3 }).collect();
        for k in 0..30 {
            assert_eq!(shards.iter().filter(|s| s.contains(k)).count(), 1);
        }
    }
}
