//! The run driver: every town simulated by cohesion — a run, a resumed run, a branch, each run
//! of a comparison, a sweep or a calibration, and the tests' towns — goes from its first week to
//! its last through [`drive`]. It starts fresh, resumes from the newest checkpoint, or takes a
//! simulation set up by hand ([`Start`]); switches scenario at each fork of a history of
//! [`Stage`]s; writes checkpoints and stops as a [`Policy`] says; and returns one
//! [`RunOutput`] (the town map inside) or the checkpoint it stopped at ([`Driven`]).
//!
//! Above it, [`run`], [`run_keeping`] and [`run_resumable`] are a single run that writes its
//! directory: the CLI, the seminar server and `cohesion run --resume` use them.
//!
//! Architecture invariant: below comparisons, branches, sweeps and calibration, which call it;
//! above the simulation, the town map and the checkpoint format, which it calls. It imports none
//! of the modules above it (tests/it/architecture.rs checks the arrows).

use crate::checkpoint::resume::{self as resumable, ResumeRecord};
use crate::checkpoint::{self, CheckpointError, Policy, Saved};
use crate::model::components::{Config, RunSeeds};
use crate::output::manifest::BranchRecord;
use crate::output::{self, OutputError, Target, Timings, partial_dir};
use crate::scenario::WEEKS_PER_YEAR;
use crate::summary::{MetricSummary, summarise, summary_csv};
use crate::townmap::TownMap;
use crate::{RunOutput, Scenario, ScenarioError, Seeds, Simulation};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One stage of a run's history: the year it starts (`None` from the start) and its scenario.
/// A plain run is one stage; a branch is its parent's stages up to the fork, and one more.
#[derive(Clone, Debug)]
pub struct Stage {
    pub from_year: Option<i32>,
    pub scenario: Scenario,
}

impl Stage {
    /// The one stage of a plain run of `scenario`.
    pub fn plain(scenario: &Scenario) -> Vec<Stage> {
        vec![Stage {
            from_year: None,
            scenario: scenario.clone(),
        }]
    }
}

/// The step (weeks since the warm-up began) at which `year` starts.
pub fn step_of(scenario: &Scenario, year: i32) -> u32 {
    scenario.time.warmup_weeks + (year - scenario.time.start_year) as u32 * WEEKS_PER_YEAR
}

/// Where a run starts.
pub enum Start {
    /// A new town, from the first stage's scenario.
    Fresh,
    /// From the newest intact checkpoint in the checkpoint directory; fresh when there is none.
    Resume,
    /// A simulation already made (and perhaps stepped or changed by hand, as tests do).
    From(Box<Simulation>),
}

/// Where checkpoints go and when they are written.
pub struct Checkpoints<'a> {
    pub dir: &'a Path,
    pub policy: &'a Policy,
    /// Called once, before the first checkpoint is written (to record how to resume).
    pub before_first: &'a mut dyn FnMut() -> Result<(), CheckpointError>,
}

/// What the driver tells its caller on the way, besides the weeks.
pub enum Note<'a> {
    /// A damaged checkpoint set aside.
    Warning(&'a str),
    /// Resumed from `path`, after week `step` of `total`.
    Resumed {
        path: &'a Path,
        step: u32,
        total: u32,
    },
    /// Asked to resume, but no checkpoint was written yet: starting from the beginning.
    NothingToResume,
    /// A checkpoint written.
    Saved(&'a Saved),
}

/// The caller's hooks into a run. Any `FnMut(&Simulation)` is a set of hooks that watches the
/// weeks and nothing else.
pub trait Hooks {
    /// After every simulated week.
    fn week(&mut self, _sim: &Simulation) {}
    /// Messages for the user.
    fn note(&mut self, _note: Note<'_>) {}
    /// At each fork of a history, before the switch to the next stage: `Err` stops the run.
    fn at_fork(&mut self, _sim: &Simulation, _year: i32) -> Result<(), RunError> {
        Ok(())
    }
}

impl<F: FnMut(&Simulation)> Hooks for F {
    fn week(&mut self, sim: &Simulation) {
        self(sim)
    }
}

/// A run driven to its end.
pub struct Finished {
    /// What it recorded, the town map included.
    pub output: RunOutput,
    /// Wall time spent in each mechanism, in the order they run (not part of any result).
    pub mechanism_seconds: Vec<(&'static str, f64)>,
    /// Estimated memory per resident and bytes moved per resident-week (not part of any result).
    pub traffic: crate::traffic::Traffic,
}

/// How [`drive`] ended.
pub enum Driven {
    /// Every week simulated (boxed: a finished run's output is much larger than a stop's).
    Finished(Box<Finished>),
    /// Stopped on request after the week in progress; the checkpoint to resume from.
    Stopped(Saved),
}

/// Drives the history `stages` with `seeds` from `start` to its end: `stages[0]` from the
/// start, switching to each later stage at the first week of its year. With `checkpoints`,
/// writes a checkpoint every so many weeks and stops (with a checkpoint) when asked, as its
/// policy says. `hooks` hear every week, every note and every fork.
pub fn drive(
    stages: &[Stage],
    seeds: Seeds,
    start: Start,
    checkpoints: Option<Checkpoints<'_>>,
    hooks: &mut impl Hooks,
) -> Result<Driven, RunError> {
    let first = &stages
        .first()
        .ok_or_else(|| RunError::Branch("a run needs a scenario".to_string()))?
        .scenario;
    if checkpoints.is_some() && stages.len() > 1 {
        return Err(RunError::Checkpoint(CheckpointError::Refused(
            "a run with a fork is not checkpointed; run it without checkpoints".to_string(),
        )));
    }
    let hash = checkpoints.as_ref().map(|_| first.hash());
    let mut sim = match (start, &checkpoints) {
        (Start::From(sim), _) => *sim,
        (Start::Resume, Some(c)) => {
            let found = checkpoint::resume(c.dir, first, seeds, |w| hooks.note(Note::Warning(w)))
                .map_err(RunError::Checkpoint)?;
            match found {
                Some((sim, path)) => {
                    hooks.note(Note::Resumed {
                        path: &path,
                        step: sim.steps_done(),
                        total: sim.total_steps(),
                    });
                    sim
                }
                None => {
                    hooks.note(Note::NothingToResume);
                    Simulation::new(first, seeds)
                }
            }
        }
        _ => Simulation::new(first, seeds),
    };
    let mut forks = stages[1..]
        .iter()
        .filter_map(|s| Some((step_of(first, s.from_year?), s.from_year?, &s.scenario)));
    let mut next_fork = forks.next();
    let total = sim.total_steps();
    let mut checkpoints = checkpoints;
    let mut first_save = true;
    let mut last_saved: Option<Saved> = None;
    loop {
        while let Some((at, year, scenario)) = next_fork {
            if sim.steps_done() < at && sim.steps_done() < total {
                break;
            }
            hooks.at_fork(&sim, year)?;
            sim.fork(scenario);
            next_fork = forks.next();
        }
        if let (Some(c), Some(hash)) = (&mut checkpoints, &hash)
            && c.policy.stop_requested()
            && sim.steps_done() < total
        {
            let s = match last_saved.take() {
                Some(s) if s.step == sim.steps_done() => s,
                _ => save(c, &mut first_save, &sim, hash, seeds, hooks)?,
            };
            return Ok(Driven::Stopped(s));
        }
        if !sim.step() {
            break;
        }
        hooks.week(&sim);
        let step = sim.steps_done();
        if let (Some(c), Some(hash)) = (&mut checkpoints, &hash)
            && step < total
            && c.policy
                .every
                .is_some_and(|n| n > 0 && step.is_multiple_of(n))
        {
            last_saved = Some(save(c, &mut first_save, &sim, hash, seeds, hooks)?);
        }
    }
    let mechanism_seconds = sim
        .mechanism_times()
        .into_iter()
        .map(|(name, d)| (name, d.as_secs_f64()))
        .collect();
    let traffic = sim.traffic();
    Ok(Driven::Finished(Box::new(Finished {
        output: sim.into_output(),
        mechanism_seconds,
        traffic,
    })))
}

/// Writes a checkpoint of `sim` (recording how to resume before the first) and tells `hooks`.
fn save(
    c: &mut Checkpoints<'_>,
    first: &mut bool,
    sim: &Simulation,
    hash: &str,
    seeds: Seeds,
    hooks: &mut impl Hooks,
) -> Result<Saved, RunError> {
    if std::mem::take(first) {
        (c.before_first)().map_err(RunError::Checkpoint)?;
    }
    let started = Instant::now();
    let (path, bytes) = checkpoint::save(c.dir, sim, hash, seeds).map_err(RunError::Checkpoint)?;
    let s = Saved {
        path,
        step: sim.steps_done(),
        bytes,
        seconds: started.elapsed().as_secs_f64(),
    };
    hooks.note(Note::Saved(&s));
    Ok(s)
}

/// A history driven to its end with nothing watching: what it recorded.
pub fn history(stages: &[Stage], seeds: Seeds) -> RunOutput {
    match drive(stages, seeds, Start::Fresh, None, &mut |_: &Simulation| {}) {
        Ok(Driven::Finished(f)) => f.output,
        // Without checkpoints or fork checks a run neither stops nor fails.
        _ => unreachable!("a run without checkpoints or checks always finishes"),
    }
}

/// A plain run of `scenario` driven to its end: what it recorded.
pub fn to_end(scenario: &Scenario, seeds: Seeds) -> RunOutput {
    history(&Stage::plain(scenario), seeds)
}

/// `sim`, made and perhaps changed by hand, driven to its end: what it recorded.
pub fn finish(sim: Simulation) -> RunOutput {
    let scenario = sim.world().resource::<Config>().0.clone();
    let seeds = sim.world().resource::<RunSeeds>().0;
    match drive(
        &Stage::plain(&scenario),
        seeds,
        Start::From(Box::new(sim)),
        None,
        &mut |_: &Simulation| {},
    ) {
        Ok(Driven::Finished(f)) => f.output,
        _ => unreachable!("a run without checkpoints or checks always finishes"),
    }
}

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
    pub summarise: Vec<MetricSummary>,
    /// For a branch (`cohesion branch`): its parent and history, recorded in the manifest.
    pub branch: Option<BranchRecord>,
}

/// Why a run did not happen or did not finish. `exit_code` says how the CLI should exit.
#[derive(Debug)]
pub enum RunError {
    Scenario(ScenarioError),
    /// A comparison that cannot be made as asked.
    Plan(String),
    Output(OutputError),
    /// A run that cannot be branched as asked (its parent, the fork year).
    Branch(String),
    /// A checkpoint that cannot be written, found or used.
    Checkpoint(CheckpointError),
    /// Stopped on request (SIGTERM, SIGINT) after writing a checkpoint; resume from the
    /// directory given.
    Stopped(Saved, PathBuf),
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
            RunError::Stopped(..) => i32::from(checkpoint::EXIT_STOPPED),
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
    /// Town means of the headline metrics (`metrics::headline`) over the last simulated year.
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
    match drive(
        &Stage::plain(&req.scenario),
        seeds,
        Start::Fresh,
        None,
        &mut progress,
    )? {
        Driven::Finished(finished) => write_results(req, threads, *finished, started),
        Driven::Stopped(_) => unreachable!("a run without checkpoints does not stop"),
    }
}

/// Writes the results of `finished`, a finished run of `req` that started at `started`.
pub fn write_results(
    req: &RunRequest,
    threads: usize,
    finished: Finished,
    started: Instant,
) -> Result<FinishedRun, RunError> {
    let seeds = Seeds::of(req.seed, req.replicate);
    let simulate_seconds = started.elapsed().as_secs_f64();
    let peak_memory_bytes = output::peak_memory_bytes();
    let Finished {
        output: mut out,
        mechanism_seconds,
        traffic,
    } = finished;
    let map = std::mem::take(&mut out.map);
    let last_tick = req.scenario.ticks().saturating_sub(1);
    let last_year = crate::metrics::headline()
        .map(|m| m.name)
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
        traffic,
    };
    let mut extra = Vec::new();
    if !req.summarise.is_empty() {
        let values = summarise(&out, &req.scenario, &req.summarise);
        extra.push(("summary.csv".to_string(), summary_csv(&values)));
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

/// What `--resume DIR` found: the request to continue and its checkpoint policy.
#[derive(Debug)]
pub struct Resumable {
    pub request: RunRequest,
    pub checkpoint_every: Option<u32>,
}

/// Reads how to resume the run in `dir`: the run's results directory or its `.partial`
/// checkpoint directory.
pub fn find(dir: &Path) -> Result<Resumable, RunError> {
    let found = resumable::read(dir).map_err(RunError::Checkpoint)?;
    let record = found.record;
    let origin = format!("the scenario recorded in {}", found.record_path.display());
    let scenario = Scenario::from_toml(&record.scenario, &origin).map_err(RunError::Scenario)?;
    if scenario.hash() != record.scenario_sha256 {
        return Err(RunError::Checkpoint(CheckpointError::Refused(format!(
            "{origin} reads differently in this version of cohesion ({}); resume it with \
             the version that started it ({})",
            crate::ENGINE_VERSION,
            record.engine
        ))));
    }
    Ok(Resumable {
        request: RunRequest {
            scenario,
            seed: record.seed,
            replicate: record.replicate,
            target: Target::Dir(found.results),
            force: record.force,
            summarise: record.summarise,
            branch: None,
        },
        checkpoint_every: record.checkpoint_every,
    })
}

/// Runs `req`, writing checkpoints into `DIR.partial/` as `policy` says; with `resume`,
/// continues from the newest intact checkpoint there. `progress` is called after every week,
/// `note` with messages for the user (warnings, checkpoints written).
pub fn run_resumable(
    req: &RunRequest,
    threads: usize,
    policy: &Policy,
    resume: bool,
    progress: impl FnMut(&Simulation),
    note: impl FnMut(&str),
) -> Result<RunSummary, RunError> {
    output::check_target(&req.target, req.force, &output::RUN_ENTRIES).map_err(RunError::Output)?;
    let partial = partial_dir(req.target.path());
    let io = |e: std::io::Error| {
        RunError::Checkpoint(CheckpointError::Io(format!(
            "{}: {}",
            partial.display(),
            output::io_message(&e)
        )))
    };
    let started = Instant::now();
    let seeds = Seeds::of(req.seed, req.replicate);
    if !resume && partial.exists() {
        if !req.force {
            return Err(RunError::Output(OutputError::Refused(format!(
                "{} holds the checkpoints of an unfinished run; continue it with `cohesion \
                 run --resume {}`, or add --force to start again",
                partial.display(),
                req.target.path().display()
            ))));
        }
        fs::remove_dir_all(&partial).map_err(io)?;
    }
    let record = ResumeRecord {
        engine: crate::ENGINE_VERSION.to_string(),
        scenario_sha256: req.scenario.hash(),
        scenario: req.scenario.to_toml(),
        seed: req.seed,
        replicate: req.replicate,
        force: req.force,
        checkpoint_every: policy.every,
        summarise: req.summarise.clone(),
    };
    let mut write_record = || resumable::write_record(&partial, &record);
    let checkpoints = Checkpoints {
        dir: &partial,
        policy,
        before_first: &mut write_record,
    };
    let start = if resume { Start::Resume } else { Start::Fresh };
    let mut hooks = Told { progress, note };
    let driven = drive(
        &Stage::plain(&req.scenario),
        seeds,
        start,
        Some(checkpoints),
        &mut hooks,
    )?;
    let finished = match driven {
        Driven::Finished(finished) => *finished,
        Driven::Stopped(saved) => {
            return Err(RunError::Stopped(saved, req.target.path().to_path_buf()));
        }
    };
    let summary = write_results(req, threads, finished, started)?.summary;
    if partial.exists() {
        fs::remove_dir_all(&partial).map_err(io)?;
    }
    Ok(summary)
}

/// A single run's hooks that tell the user: `progress` after every week, `note` in words.
struct Told<P, N> {
    progress: P,
    note: N,
}

impl<P: FnMut(&Simulation), N: FnMut(&str)> Hooks for Told<P, N> {
    fn week(&mut self, sim: &Simulation) {
        (self.progress)(sim)
    }

    fn note(&mut self, note: Note<'_>) {
        match note {
            Note::Warning(w) => (self.note)(w),
            Note::Resumed { path, step, total } => (self.note)(&format!(
                "resuming from {} (week {step} of {total})",
                path.display()
            )),
            Note::NothingToResume => {
                (self.note)("no checkpoint was written yet: starting from the beginning")
            }
            Note::Saved(s) => (self.note)(&format!(
                "checkpoint after week {}: {} ({:.1} MB in {:.2} s)",
                s.step,
                s.path.display(),
                s.bytes as f64 / 1e6,
                s.seconds
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::StopFlag;

    fn small() -> Scenario {
        Scenario::from_toml(
            "name = \"t\"\n[time]\nyears = 1\nwarmup_weeks = 4\n[town]\nresidents = 300\n\
             [[events]]\nkind = \"close\"\nyear = 2010\nweek = 20\nvenue_kind = \"pub\"\ncount = 1\n",
            "t.toml",
        )
        .unwrap()
    }

    fn files(out: &RunOutput) -> (String, String) {
        (
            output::csv::metrics(&out.observations, &out.ward_names, 2010),
            output::csv::events(&out.events, &out.ward_names, 2010),
        )
    }

    /// Asks for a stop after week `stop_at`, and keeps every note.
    struct Watch {
        stop: StopFlag,
        stop_at: u32,
        notes: Vec<String>,
    }

    impl Hooks for Watch {
        fn week(&mut self, sim: &Simulation) {
            if sim.steps_done() == self.stop_at {
                self.stop.request();
            }
        }

        fn note(&mut self, note: Note<'_>) {
            self.notes.push(match note {
                Note::Warning(w) => format!("warning {w}"),
                Note::Resumed { step, total, .. } => format!("resumed {step}/{total}"),
                Note::NothingToResume => "nothing".to_string(),
                Note::Saved(s) => format!("saved {}", s.step),
            });
        }
    }

    #[test]
    fn a_run_stopped_and_resumed_is_the_run_itself() {
        let s = small();
        let seeds = Seeds::new(5);
        let plain = files(&to_end(&s, seeds));
        let dir = tempfile::tempdir().unwrap();
        let stop = StopFlag::new();
        let policy = Policy {
            every: Some(10),
            stop: Some(stop.clone()),
        };
        let mut recorded = 0;
        let mut before_first = || {
            recorded += 1;
            Ok(())
        };
        let checkpoints = Checkpoints {
            dir: dir.path(),
            policy: &policy,
            before_first: &mut before_first,
        };
        let mut watch = Watch {
            stop,
            stop_at: 25,
            notes: Vec::new(),
        };
        let stages = Stage::plain(&s);
        let Ok(Driven::Stopped(saved)) =
            drive(&stages, seeds, Start::Resume, Some(checkpoints), &mut watch)
        else {
            panic!("the run should stop when asked");
        };
        assert_eq!(saved.step, 25);
        assert_eq!(
            recorded, 1,
            "how to resume is recorded once, before the first"
        );
        assert_eq!(watch.notes, ["nothing", "saved 10", "saved 20", "saved 25"]);
        // Resumed with no stop asked for, it finishes where the plain run does.
        let policy = Policy {
            every: Some(10),
            stop: None,
        };
        let checkpoints = Checkpoints {
            dir: dir.path(),
            policy: &policy,
            before_first: &mut || Ok(()),
        };
        let mut watch = Watch {
            stop: StopFlag::new(),
            stop_at: 0,
            notes: Vec::new(),
        };
        let Ok(Driven::Finished(finished)) =
            drive(&stages, seeds, Start::Resume, Some(checkpoints), &mut watch)
        else {
            panic!("the resumed run should finish");
        };
        assert_eq!(watch.notes[0], format!("resumed 25/{}", 4 + WEEKS_PER_YEAR));
        assert_eq!(files(&finished.output), plain);
    }

    #[test]
    fn a_simulation_made_by_hand_goes_on_from_where_it_is() {
        let s = small();
        let seeds = Seeds::new(6);
        let mut sim = Simulation::new(&s, seeds);
        for _ in 0..9 {
            sim.step();
        }
        let mut weeks = 0;
        let out = match drive(
            &Stage::plain(&s),
            seeds,
            Start::From(Box::new(sim)),
            None,
            &mut |_: &Simulation| weeks += 1,
        ) {
            Ok(Driven::Finished(f)) => f.output,
            _ => panic!("a run without checkpoints finishes"),
        };
        assert_eq!(weeks, 4 + WEEKS_PER_YEAR - 9);
        assert_eq!(files(&out), files(&to_end(&s, seeds)));
    }

    #[test]
    fn a_history_with_a_fork_is_not_checkpointed() {
        let s = small();
        let mut stages = Stage::plain(&s);
        stages.push(Stage {
            from_year: Some(2010),
            scenario: s.clone(),
        });
        let dir = tempfile::tempdir().unwrap();
        let policy = Policy::default();
        let checkpoints = Checkpoints {
            dir: dir.path(),
            policy: &policy,
            before_first: &mut || Ok(()),
        };
        let driven = drive(
            &stages,
            Seeds::new(1),
            Start::Fresh,
            Some(checkpoints),
            &mut |_: &Simulation| {},
        );
        assert!(matches!(
            driven,
            Err(RunError::Checkpoint(CheckpointError::Refused(_)))
        ));
    }
}
