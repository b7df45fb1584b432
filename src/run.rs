//! One run, or one comparison, from start to finish: check where results go, build the towns,
//! tick them, write files. The CLI is a thin layer over this.

use crate::compare::{ComparePlan, Comparison, PlanError};
use crate::output::comparison::{COMPARE_ENTRIES, CompareTarget, CompareTimings};
use crate::output::{self, OutputError, Target, Timings};
use crate::scenario::WEEKS_PER_YEAR;
use crate::townmap::TownMap;
use crate::{RunOutput, Scenario, ScenarioError, Seeds, Simulation};
use std::path::PathBuf;
use std::time::Instant;

/// Everything a run needs to know.
#[derive(Clone, Debug)]
pub struct RunRequest {
    pub scenario: Scenario,
    pub seed: u64,
    /// Which replicate of `seed` to run (0 for a single run; see `compare` for the rule).
    pub replicate: u32,
    pub target: Target,
    pub force: bool,
    /// Also write `summary.csv`: the run summarised by these sweep metrics, as a sweep would.
    pub summarise: Vec<crate::sweep::spec::Metric>,
    /// For a branch (`cohesion branch`): its parent and history, recorded in the manifest.
    pub branch: Option<crate::branch::BranchRecord>,
}

/// Why a run did not happen or did not finish. `exit_code` says how the CLI should exit.
#[derive(Debug)]
pub enum RunError {
    Scenario(ScenarioError),
    /// A comparison that cannot be made as asked.
    Plan(PlanError),
    Output(OutputError),
    /// A run that cannot be branched as asked (its parent, the fork year).
    Branch(String),
    /// A checkpoint that cannot be written, found or used.
    Checkpoint(crate::checkpoint::CheckpointError),
    /// Stopped on request (SIGTERM, SIGINT) after writing a checkpoint; resume from the
    /// directory given.
    Stopped(crate::checkpoint::Saved, PathBuf),
}

impl RunError {
    /// 2 for bad input or a refused output directory; 1 for anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            RunError::Scenario(_)
            | RunError::Plan(_)
            | RunError::Branch(_)
            | RunError::Output(OutputError::Refused(_)) => 2,
            RunError::Output(OutputError::Io(..)) => 1,
            RunError::Checkpoint(e) => e.exit_code(),
            RunError::Stopped(..) => i32::from(crate::checkpoint::EXIT_STOPPED),
        }
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Scenario(e) => write!(f, "{e}"),
            RunError::Plan(e) => write!(f, "{e}"),
            RunError::Branch(m) => write!(f, "{m}"),
            RunError::Output(e) => write!(f, "{e}"),
            RunError::Checkpoint(e) => write!(f, "{e}"),
            RunError::Stopped(saved, dir) => write!(
                f,
                "stopped after week {} with a checkpoint ({}); continue with: cohesion run \
                 --resume {}",
                saved.step,
                saved.path.display(),
                dir.display()
            ),
        }
    }
}

impl std::error::Error for RunError {}

/// What a finished run reports.
#[derive(Clone, Debug)]
pub struct RunSummary {
    pub dir: PathBuf,
    pub timings: Timings,
    /// Town means over the last simulated year: (metric, value).
    pub last_year: Vec<(&'static str, f64)>,
}

/// Runs `req` as [`run`] does, and also hands back the observations, events and town map (for
/// callers that show a run as well as write it: the seminar page).
pub fn run_keeping(
    req: &RunRequest,
    threads: usize,
    mut progress: impl FnMut(&Simulation),
) -> Result<FinishedRun, RunError> {
    output::check_target(&req.target, req.force, &output::RUN_ENTRIES).map_err(RunError::Output)?;
    let started = Instant::now();
    let seeds = Seeds::of(req.seed, req.replicate);
    let mut sim = Simulation::new(&req.scenario, seeds);
    while sim.step() {
        progress(&sim);
    }
    write_results(req, threads, sim, started)
}

/// Writes the results of `sim`, a finished run of `req` that started at `started`.
pub fn write_results(
    req: &RunRequest,
    threads: usize,
    sim: Simulation,
    started: Instant,
) -> Result<FinishedRun, RunError> {
    let seeds = Seeds::of(req.seed, req.replicate);
    let simulate_seconds = started.elapsed().as_secs_f64();
    let peak_memory_bytes = output::peak_memory_bytes();
    let mechanism_seconds = sim
        .mechanism_times()
        .into_iter()
        .map(|(name, d)| (name, d.as_secs_f64()))
        .collect();
    let mut out = sim.into_output();
    let map = std::mem::take(&mut out.map);
    let last_tick = req.scenario.ticks().saturating_sub(1);
    let last_year = ["trust", "belonging", "agency", "pubs_open", "venues_open"]
        .into_iter()
        .map(|m| {
            let series = out.observations.series(None, m);
            let year: Vec<f64> = series
                .iter()
                .filter(|(t, _)| t / WEEKS_PER_YEAR == last_tick / WEEKS_PER_YEAR)
                .map(|(_, v)| *v)
                .collect();
            (m, year.iter().sum::<f64>() / year.len().max(1) as f64)
        })
        .collect();
    let mut timings = Timings {
        // Until the files are written; the CLI reports the full time.
        wall_seconds: started.elapsed().as_secs_f64(),
        simulate_seconds,
        threads,
        residents: req.scenario.town.residents,
        ticks: req.scenario.ticks(),
        warmup_weeks: req.scenario.time.warmup_weeks,
        mechanism_seconds,
        peak_memory_bytes,
    };
    let mut extra = Vec::new();
    if !req.summarise.is_empty() {
        let values = crate::sweep::runner::summarise(&out, &req.scenario, &req.summarise);
        extra.push((
            "summary.csv".to_string(),
            crate::sweep::runner::summary_csv(&values),
        ));
    }
    let dir = output::write_run(
        &req.target,
        req.force,
        &req.scenario,
        seeds,
        &out,
        &map,
        &timings,
        &extra,
        req.branch.as_ref(),
    )
    .map_err(RunError::Output)?;
    timings.wall_seconds = started.elapsed().as_secs_f64();
    Ok(FinishedRun {
        summary: RunSummary {
            dir,
            timings,
            last_year,
        },
        output: out,
        map,
    })
}

/// Runs `req`, calling `progress(sim)` after every simulated week.
pub fn run(
    req: &RunRequest,
    threads: usize,
    progress: impl FnMut(&Simulation),
) -> Result<RunSummary, RunError> {
    run_keeping(req, threads, progress).map(|finished| finished.summary)
}

/// A finished run with what it recorded.
pub struct FinishedRun {
    pub summary: RunSummary,
    pub output: RunOutput,
    pub map: TownMap,
}

/// What a finished comparison reports.
pub struct CompareSummary {
    pub dir: PathBuf,
    pub timings: CompareTimings,
    pub comparison: Comparison,
}

/// Runs every (scenario, replicate) of `plan` on `threads` threads, one run per thread at a
/// time, and writes the results to `target`. `command` is recorded as the command that
/// reproduces it; `progress(done, total, scenario, replicate)` is called as runs finish.
pub fn compare(
    plan: &ComparePlan,
    target: &Target,
    force: bool,
    command: &str,
    threads: usize,
    progress: impl Fn(usize, usize, &str, u32) + Sync,
) -> Result<CompareSummary, RunError> {
    plan.check().map_err(RunError::Plan)?;
    output::check_target(target, force, &COMPARE_ENTRIES).map_err(RunError::Output)?;
    let started = Instant::now();
    let comparison = crate::compare::simulate(plan, threads, progress).map_err(RunError::Plan)?;
    let simulate_seconds = started.elapsed().as_secs_f64();
    let resident_ticks: f64 = plan
        .scenarios
        .iter()
        .map(|s| {
            f64::from(s.town.residents)
                * f64::from(s.time.warmup_weeks + s.ticks())
                * f64::from(plan.replicates)
        })
        .sum();
    let mut timings = CompareTimings {
        wall_seconds: started.elapsed().as_secs_f64(),
        simulate_seconds,
        threads,
        runs: plan.runs(),
        resident_ticks,
    };
    let to = CompareTarget {
        target,
        force,
        command,
    };
    let dir = output::comparison::write_comparison(&to, &comparison, &timings)
        .map_err(RunError::Output)?;
    timings.wall_seconds = started.elapsed().as_secs_f64();
    Ok(CompareSummary {
        dir,
        timings,
        comparison,
    })
}
