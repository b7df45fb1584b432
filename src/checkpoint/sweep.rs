//! Checkpoints for the runs of a sweep: run `pNNNN-rNN` keeps its checkpoints in
//! `DIR/checkpoints/pNNNN-rNN/` while it is unfinished, and they are removed once its result
//! file is written. A sweep started again (the same command, or a Slurm task resubmitted)
//! resumes each unfinished run from its newest intact checkpoint; nothing else is needed,
//! since the sweep's plan already names every run's scenario and seed.

use super::{Outcome, Policy};
use crate::sweep::SweepError;
use crate::{RunOutput, Scenario, Seeds, Simulation};
use std::fs;
use std::path::{Path, PathBuf};

/// The folder of a sweep directory that holds unfinished runs' checkpoints.
pub const CHECKPOINTS_DIR: &str = "checkpoints";

/// Where run `label` of the sweep in `dir` keeps its checkpoints.
pub fn run_dir(dir: &Path, label: &str) -> PathBuf {
    dir.join(CHECKPOINTS_DIR).join(label)
}

/// Simulates one run of a sweep to its end, from its newest checkpoint if it has one, writing
/// checkpoints as `policy` says. Returns the output, or [`SweepError::Stopped`] when a stop was
/// asked for (the run's checkpoint is then written).
pub fn simulate(
    scenario: &Scenario,
    seeds: Seeds,
    dir: &Path,
    label: &str,
    policy: &Policy,
) -> Result<RunOutput, SweepError> {
    let ckpt_dir = run_dir(dir, label);
    let fail = |e: super::CheckpointError| SweepError::Io(format!("run {label}: {e}"));
    let hash = scenario.hash();
    let resumed = super::resume(&ckpt_dir, scenario, seeds, |w| {
        crate::output::terminal::say(&format!("cohesion: run {label}: {w}"))
    })
    .map_err(|e| match e {
        super::CheckpointError::Refused(m) => SweepError::Refused(format!("run {label}: {m}")),
        e => fail(e),
    })?;
    let mut sim = match resumed {
        Some((sim, path)) => {
            crate::output::terminal::say(&format!(
                "cohesion: run {label}: resuming from {} (week {} of {})",
                path.display(),
                sim.steps_done(),
                sim.total_steps()
            ));
            sim
        }
        None => Simulation::new(scenario, seeds),
    };
    match super::drive(
        &mut sim,
        &ckpt_dir,
        &hash,
        seeds,
        policy,
        || Ok(()),
        |_| {},
        |_| {},
    )
    .map_err(fail)?
    {
        Outcome::Finished => Ok(sim.into_output()),
        Outcome::Stopped(saved) => Err(SweepError::Stopped(format!(
            "run {label} stopped after week {} ({})",
            saved.step,
            saved.path.display()
        ))),
    }
}

/// Removes the checkpoints of run `label` once its result is written.
pub fn finished(dir: &Path, label: &str) {
    let _ = fs::remove_dir_all(run_dir(dir, label));
    // The folder itself goes when the last unfinished run has finished.
    let _ = fs::remove_dir(dir.join(CHECKPOINTS_DIR));
}
