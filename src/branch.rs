//! Branches (`cohesion branch`): a finished run paused at the start of a year, levers pulled,
//! and run on. The branch shares the parent's history byte for byte up to the fork and is a
//! run directory like any other, whose manifest also says where it came from.
//!
//! How the state at the fork is obtained: the engine is byte-reproducible, so the parent is
//! simulated again from its own record (scenario, seed, replicate, and for a parent that is
//! itself a branch, every earlier fork) up to the first week of the fork year. There the
//! simulation switches to the branch's scenario ([`Simulation::fork`]) and goes on. Before
//! going on, the rows it has recorded are checked against the parent's own `metrics.csv` and
//! `events.csv`: a parent that this engine does not reproduce (another version, edited files)
//! is refused rather than branched from a different past.
//!
//! A run's history is a list of stages: the scenario it started with, then for each fork the
//! year and the scenario in force from then on. A plain run has one stage; a branch has its
//! parent's stages up to the fork year and one more. The manifest of a branch records them all
//! ([`BranchRecord`]), so a branch of a branch is simulated the same way.
//!
//! Architecture invariant: reads the parent's files, never writes or changes them; results are
//! driven by `run::drive` and written through `run::write_results`, like a run's.

use crate::model::components::{EventLog, Wards};
use crate::output::{self, Target};
pub use crate::run::Stage;
use crate::run::{
    Driven, Hooks, RunError, RunRequest, RunSummary, Start, drive, step_of, write_results,
};
use crate::{Scenario, Seeds, Simulation};

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub use crate::output::manifest::{BranchRecord, StageRecord};

/// A finished run to branch from, read from its directory.
#[derive(Clone, Debug)]
pub struct Parent {
    pub dir: PathBuf,
    pub seeds: Seeds,
    /// Its history; the last stage's scenario is its `scenario.toml`.
    pub stages: Vec<Stage>,
    pub manifest_sha256: String,
}

/// Why a parent cannot be branched from: always the user's input (status 2).
fn refuse(dir: &Path, why: impl std::fmt::Display) -> RunError {
    RunError::Branch(format!("{}: {why}", dir.display()))
}

impl Parent {
    /// Reads the run in `dir`: its manifest (engine, seed, replicate, and for a branch its
    /// stages) and its `scenario.toml`, checked against the manifest.
    pub fn load(dir: &Path) -> Result<Parent, RunError> {
        let manifest_path = dir.join(output::MANIFEST);
        if !dir.is_dir() {
            return Err(refuse(dir, "no such run directory"));
        }
        let text = crate::limits::read_text(&manifest_path).map_err(|m| {
            refuse(
                &manifest_path,
                format!("{m}; give the directory of a finished `cohesion run`"),
            )
        })?;
        let manifest: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| refuse(&manifest_path, format!("is not a cohesion manifest: {e}")))?;
        let field = |key: &str| manifest.get(key).filter(|v| !v.is_null());
        if field("engine").and_then(|v| v.as_str()) != Some("cohesion")
            || field("seed").is_none()
            || !dir.join("scenario.toml").is_file()
        {
            return Err(refuse(
                dir,
                "is not the directory of a single run (it needs manifest.json, scenario.toml and \
                 metrics.csv as `cohesion run` writes them); a comparison's folder cannot be \
                 branched, but a run of one of its scenarios can (`cohesion run SCENARIO --seed \
                 S --replicate R`)",
            ));
        }
        let version = field("engine_version")
            .and_then(|v| v.as_str())
            .unwrap_or("?");
        if version != crate::ENGINE_VERSION {
            return Err(refuse(
                dir,
                format!(
                    "was written by cohesion {version}; this is cohesion {}, which may not \
                     reproduce its past byte for byte. Run the parent again with this version \
                     (its scenario.toml with the seed and replicate its manifest names), then \
                     branch it",
                    crate::ENGINE_VERSION
                ),
            ));
        }
        let seed = field("seed").and_then(|v| v.as_u64());
        let replicate = field("replicate")
            .and_then(|v| v.as_u64())
            .and_then(|r| u32::try_from(r).ok());
        let (Some(master), Some(replicate)) = (seed, replicate) else {
            return Err(refuse(
                &manifest_path,
                "has no valid `seed` and `replicate`",
            ));
        };
        let scenario_path = dir.join("scenario.toml");
        let origin = scenario_path.display().to_string();
        let scenario_text = crate::limits::read_text(&scenario_path)
            .map_err(|m| RunError::Scenario(crate::ScenarioError::plain(&origin, m)))?;
        let scenario = Scenario::from_toml(&scenario_text, &origin).map_err(RunError::Scenario)?;
        if field("scenario_sha256").and_then(|v| v.as_str()) != Some(scenario.hash().as_str()) {
            return Err(refuse(
                dir,
                "its scenario.toml is not the scenario its manifest names (the file was edited); \
                 a branch must start from the run's own past",
            ));
        }
        let stages = match field("branch") {
            None => vec![Stage {
                from_year: None,
                scenario,
            }],
            Some(record) => {
                let record: BranchRecord = serde_json::from_value(record.clone()).map_err(|e| {
                    refuse(&manifest_path, format!("has an unreadable `branch`: {e}"))
                })?;
                let stages = read_stages(&record.stages, &manifest_path)?;
                if stages.last().map(|s| &s.scenario) != Some(&scenario) {
                    return Err(refuse(
                        dir,
                        "its scenario.toml is not the last stage its manifest records",
                    ));
                }
                stages
            }
        };
        Ok(Parent {
            dir: dir.to_path_buf(),
            seeds: Seeds::of(master, replicate),
            stages,
            manifest_sha256: crate::scenario::hex(&Sha256::digest(text.as_bytes())),
        })
    }

    /// The scenario in force at the start of `year`, and the stages before it: the history a
    /// branch at `year` inherits. A stage that begins in `year` itself is the base the branch
    /// changes (so a branch of a branch at the same year keeps both sets of changes).
    pub fn history_at(&self, year: i32) -> (Vec<Stage>, Scenario) {
        let mut kept: Vec<Stage> = self
            .stages
            .iter()
            .filter(|s| s.from_year.is_none_or(|y| y <= year))
            .cloned()
            .collect();
        let base = kept.last().map(|s| s.scenario.clone()).unwrap_or_default();
        if kept.len() > 1 && kept.last().and_then(|s| s.from_year) == Some(year) {
            kept.pop();
        }
        (kept, base)
    }

    /// The years the parent covers, first and last.
    pub fn years(&self) -> (i32, i32) {
        let s = &self.stages[0].scenario;
        (
            s.time.start_year,
            s.time.start_year + s.time.years as i32 - 1,
        )
    }
}

/// Refuses an output directory that is the parent run's directory or lies inside it: a branch
/// never writes into its parent.
pub fn outside_parent(out: &Path, parent: &Path) -> Result<(), RunError> {
    let Ok(parent_dir) = parent.canonicalize() else {
        return Ok(()); // Missing: reading the parent says so.
    };
    // The nearest part of `out` that exists, made canonical, with the rest joined back on.
    let mut probe = out.to_path_buf();
    let mut rest = Vec::new();
    let full = loop {
        if let Ok(found) = probe.canonicalize() {
            break rest.iter().rev().fold(found, |p: PathBuf, n| p.join(n));
        }
        match (probe.file_name(), probe.parent()) {
            (Some(name), Some(up)) => {
                rest.push(name.to_owned());
                probe = if up.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    up.to_path_buf()
                };
            }
            _ => return Ok(()),
        }
    };
    if full.starts_with(&parent_dir) {
        return Err(RunError::Branch(format!(
            "--out {} is inside the parent run {}; a branch never writes into its parent, so \
             choose an --out beside it",
            out.display(),
            parent.display()
        )));
    }
    Ok(())
}

/// The stages recorded in a branch's manifest, read and checked against their hashes.
fn read_stages(records: &[StageRecord], manifest: &Path) -> Result<Vec<Stage>, RunError> {
    let mut stages = Vec::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        let origin = format!("{}, branch.stages[{i}]", manifest.display());
        let scenario = Scenario::from_toml(&r.scenario, &origin).map_err(RunError::Scenario)?;
        if scenario.hash() != r.scenario_sha256 || (i == 0) != r.from_year.is_none() {
            return Err(refuse(
                manifest,
                format!("branch.stages[{i}] does not match its own record (edited?)"),
            ));
        }
        stages.push(Stage {
            from_year: r.from_year,
            scenario,
        });
    }
    let Some(first) = stages.first().map(|s| s.scenario.clone()) else {
        return Err(refuse(manifest, "`branch.stages` is empty"));
    };
    let (start, last) = (
        first.time.start_year,
        first.time.start_year + first.time.years as i32 - 1,
    );
    let mut after = start - 1;
    for (i, stage) in stages.iter().enumerate().skip(1) {
        let year = stage.from_year.unwrap_or(start - 1);
        if year <= after || year > last || same_town(&first, &stage.scenario).is_err() {
            return Err(refuse(
                manifest,
                format!(
                    "branch.stages[{i}] does not continue the stages before it (its year must \
                     follow theirs within {start}–{last}, with the same town and years)"
                ),
            ));
        }
        after = year;
    }
    Ok(stages)
}

/// The scenario `base` becomes from `year` on under the changes file `path`, and the file's
/// text. The branch is named `BASE+STEM` (the base's name and the file's stem) unless the
/// changes give a `name`.
pub fn read_changes(
    base: &Scenario,
    path: &Path,
    year: i32,
) -> Result<(Scenario, String), crate::ScenarioError> {
    let origin = path.display().to_string();
    let text =
        crate::limits::read_text(path).map_err(|m| crate::ScenarioError::plain(&origin, m))?;
    let stem = path
        .file_stem()
        .map_or("changes".into(), |s| s.to_string_lossy().into_owned());
    let name = format!("{}+{stem}", base.name);
    let scenario = crate::scenario::changes::apply(base, &text, &origin, year, &name)?;
    Ok((scenario, text))
}

/// Checks that `branch` keeps `base`'s town and years, which a fork cannot change. `Err`
/// names the part that changed.
pub fn same_town(base: &Scenario, branch: &Scenario) -> Result<(), String> {
    if base.town != branch.town {
        return Err("town".into());
    }
    if base.time != branch.time {
        return Err("time".into());
    }
    Ok(())
}

/// A branch ready to run: the parent, the fork year, the branch's whole history and where its
/// results go.
pub struct BranchPlan {
    pub parent: Parent,
    pub year: i32,
    /// The parent's stages up to the fork, then the branch's own scenario from `year`.
    pub stages: Vec<Stage>,
    /// The changes file as given, and its text.
    pub changes_file: String,
    pub changes: String,
    /// `--set KEY=VALUE` applied after the changes (recorded; see [`BranchPlan::set`]).
    pub set: Vec<String>,
    pub target: Target,
    pub force: bool,
}

impl BranchPlan {
    /// Reads the parent run in `parent_dir` and the changes in `changes_file`, and makes the
    /// branch at the start of `year` (named as [`read_changes`] says).
    pub fn new(
        parent_dir: &Path,
        year: i32,
        changes_file: &Path,
        target: Target,
        force: bool,
    ) -> Result<BranchPlan, RunError> {
        let parent = Parent::load(parent_dir)?;
        let (first, last) = parent.years();
        if year < first || year > last {
            return Err(RunError::Branch(format!(
                "--at {year} is outside the years of the run in {} ({first}–{last}); fork at \
                 one of them",
                parent_dir.display()
            )));
        }
        let (mut stages, base) = parent.history_at(year);
        let (scenario, changes) =
            read_changes(&base, changes_file, year).map_err(RunError::Scenario)?;
        let origin = changes_file.display().to_string();
        stages.push(Stage {
            from_year: Some(year),
            scenario,
        });
        Ok(BranchPlan {
            parent,
            year,
            stages,
            changes_file: origin,
            changes,
            set: Vec::new(),
            target,
            force,
        })
    }

    /// The scenario the branch runs from the fork on.
    pub fn scenario(&self) -> &Scenario {
        &self.stages.last().expect("a plan has stages").scenario
    }

    /// Replaces the branch's scenario by `scenario`, made from it by `--set` (recorded as
    /// `set`). Refused when it changes the town or the years: `Err` names the part.
    pub fn set(&mut self, scenario: Scenario, set: &[String]) -> Result<(), String> {
        same_town(&self.stages[0].scenario, &scenario)?;
        if let Some(last) = self.stages.last_mut() {
            last.scenario = scenario;
        }
        self.set = set.to_vec();
        Ok(())
    }

    /// What the branch's manifest records.
    pub fn record(&self) -> BranchRecord {
        BranchRecord {
            parent_dir: self.parent.dir.display().to_string(),
            parent_manifest_sha256: self.parent.manifest_sha256.clone(),
            year: self.year,
            changes_file: self.changes_file.clone(),
            changes: self.changes.clone(),
            set: self.set.clone(),
            stages: stage_records(&self.stages),
        }
    }
}

/// Checks that `ours`, what the branch recorded before the fork, is what the parent's file
/// `name` holds before `fork_tick`: the file starts with exactly these rows, and its next row
/// (if any) is at the fork or later.
fn check_shared(dir: &Path, name: &str, ours: &str, fork_tick: u32) -> Result<(), RunError> {
    let path = dir.join(name);
    let theirs = std::fs::read_to_string(&path).map_err(|e| {
        refuse(
            &path,
            format!("cannot be read ({}); the parent's files are incomplete", e),
        )
    })?;
    let next_tick = theirs
        .get(ours.len()..)
        .map(|rest| rest.split(',').next().unwrap_or(""))
        .map(|t| t.is_empty() || t.parse::<u32>().is_ok_and(|t| t >= fork_tick));
    if !theirs.starts_with(ours) || next_tick != Some(true) {
        let line = ours
            .lines()
            .zip(theirs.lines())
            .position(|(a, b)| a != b)
            .map_or(ours.lines().count(), |i| i)
            + 1;
        return Err(refuse(
            &path,
            format!(
                "simulating the parent again does not give its own rows before the fork (first \
                 difference at line {line}): the file was edited, or written by another build. \
                 Run the parent again, then branch it"
            ),
        ));
    }
    Ok(())
}

/// Runs the branch: the parent's history again up to the fork, checked against the parent's
/// files, then the branch's scenario to the end; writes a run directory whose manifest holds
/// the branch's record. `progress` is called after every week.
pub fn run(
    plan: &BranchPlan,
    threads: usize,
    progress: impl FnMut(&Simulation),
) -> Result<RunSummary, RunError> {
    output::check_target(&plan.target, plan.force, &output::RUN_ENTRIES)
        .map_err(RunError::Output)?;
    let started = Instant::now();
    let seeds = plan.parent.seeds;
    let first = &plan.stages[0].scenario;
    let check = |sim: &Simulation, year: i32| {
        if year != plan.year {
            return Ok(());
        }
        let wards = &sim.world().resource::<Wards>().names;
        let start = first.time.start_year;
        let fork_tick = step_of(first, year) - first.time.warmup_weeks;
        let metrics = output::csv::metrics(sim.observations(), wards, start);
        check_shared(&plan.parent.dir, "metrics.csv", &metrics, fork_tick)?;
        let log = &sim.world().resource::<EventLog>().0;
        let events = output::csv::events(log, wards, start);
        check_shared(&plan.parent.dir, "events.csv", &events, fork_tick)
    };
    let mut hooks = Forking { progress, check };
    let finished = match drive(&plan.stages, seeds, Start::Fresh, None, &mut hooks)? {
        Driven::Finished(finished) => *finished,
        Driven::Stopped(_) => unreachable!("a branch is not checkpointed, so it does not stop"),
    };
    let request = RunRequest {
        scenario: plan.scenario().clone(),
        seed: seeds.master,
        replicate: seeds.replicate,
        target: plan.target.clone(),
        force: plan.force,
        summarise: Vec::new(),
        branch: Some(plan.record()),
    };
    write_results(&request, threads, finished, started).map(|f| f.summary)
}

/// A branch's hooks: `progress` after every week, `check` at each fork.
struct Forking<P, C> {
    progress: P,
    check: C,
}

impl<P, C> Hooks for Forking<P, C>
where
    P: FnMut(&Simulation),
    C: FnMut(&Simulation, i32) -> Result<(), RunError>,
{
    fn week(&mut self, sim: &Simulation) {
        (self.progress)(sim)
    }

    fn at_fork(&mut self, sim: &Simulation, year: i32) -> Result<(), RunError> {
        (self.check)(sim, year)
    }
}

/// The record of a history, for a manifest.
pub fn stage_records(stages: &[Stage]) -> Vec<StageRecord> {
    stages
        .iter()
        .map(|s| StageRecord {
            from_year: s.from_year,
            scenario_sha256: s.scenario.hash(),
            scenario: s.scenario.to_toml(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::components::CouncilState;

    fn town() -> Scenario {
        Scenario::from_toml(
            "name = \"t\"\n[time]\nyears = 3\nwarmup_weeks = 4\n[town]\nresidents = 400\n\
             [[events]]\nkind = \"close\"\nyear = 2011\nweek = 3\nvenue_kind = \"library\"\ncount = 1\n\
             [[events]]\nkind = \"austerity\"\nyear = 2012\nyears = 1\ncut_per_year = 0.1\n",
            "t.toml",
        )
        .unwrap()
    }

    fn stages(first: &Scenario, fork: Option<(i32, &Scenario)>) -> Vec<Stage> {
        let mut stages = vec![Stage {
            from_year: None,
            scenario: first.clone(),
        }];
        if let Some((year, s)) = fork {
            stages.push(Stage {
                from_year: Some(year),
                scenario: s.clone(),
            });
        }
        stages
    }

    fn outputs(stages: &[Stage], seeds: Seeds) -> (String, String) {
        let out = crate::run::history(stages, seeds);
        (
            output::csv::metrics(&out.observations, &out.ward_names, 2010),
            output::csv::events(&out.events, &out.ward_names, 2010),
        )
    }

    #[test]
    fn a_fork_that_changes_nothing_is_the_run_itself() {
        let s = town();
        let seeds = Seeds::new(11);
        let plain = outputs(&stages(&s, None), seeds);
        for year in [2010, 2011, 2012] {
            assert_eq!(
                outputs(&stages(&s, Some((year, &s))), seeds),
                plain,
                "{year}"
            );
        }
    }

    #[test]
    fn a_fork_sets_the_council_settings_it_changes_and_only_those() {
        let s = town();
        let mut open = s.clone();
        open.council.openness = 0.95;
        let seeds = Seeds::new(11);
        // The council's state at the fork, and after the last week.
        struct Watch(Option<CouncilState>, Option<CouncilState>);
        impl Hooks for Watch {
            fn week(&mut self, sim: &Simulation) {
                self.1 = Some(sim.world().resource::<CouncilState>().clone());
            }
            fn at_fork(&mut self, sim: &Simulation, _: i32) -> Result<(), RunError> {
                self.0 = Some(sim.world().resource::<CouncilState>().clone());
                Ok(())
            }
        }
        let mut watch = Watch(None, None);
        let stages = stages(&s, Some((2011, &open)));
        assert!(matches!(
            drive(&stages, seeds, Start::Fresh, None, &mut watch),
            Ok(Driven::Finished(_))
        ));
        let Watch(at_fork, last) = watch;
        let before = at_fork.unwrap();
        assert_eq!(before.openness, s.council.openness);
        let after = last.unwrap();
        assert_eq!(after.openness, 0.95);
        assert_eq!(after.venue_share, before.venue_share);
        // The austerity still to come happened in the branch: the budget was cut.
        assert!(after.yearly_budget_gbp < before.yearly_budget_gbp);
    }

    #[test]
    fn the_history_at_a_year_keeps_the_forks_before_it() {
        let s = town();
        let mut a = s.clone();
        a.name = "a".into();
        let parent = Parent {
            dir: PathBuf::from("p"),
            seeds: Seeds::new(1),
            stages: stages(&s, Some((2011, &a))),
            manifest_sha256: String::new(),
        };
        let (kept, base) = parent.history_at(2010);
        assert_eq!((kept.len(), base.name.as_str()), (1, "t"));
        let (kept, base) = parent.history_at(2011);
        assert_eq!((kept.len(), base.name.as_str()), (1, "a"));
        let (kept, base) = parent.history_at(2012);
        assert_eq!((kept.len(), base.name.as_str()), (2, "a"));
    }
}
