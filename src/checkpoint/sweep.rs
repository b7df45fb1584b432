//! Checkpoints for the runs of a sweep: run `pNNNN-rNN` keeps its checkpoints in
//! `DIR/checkpoints/pNNNN-rNN/` while it is unfinished, and they are removed once its result
//! file is written. A sweep started again (the same command, or a Slurm task resubmitted)
//! resumes each unfinished run from its newest intact checkpoint; nothing else is needed,
//! since the sweep's plan already names every run's scenario and seed.

use std::fs;
use std::path::{Path, PathBuf};

/// The folder of a sweep directory that holds unfinished runs' checkpoints.
pub const CHECKPOINTS_DIR: &str = "checkpoints";

/// Where run `label` of the sweep in `dir` keeps its checkpoints.
pub fn run_dir(dir: &Path, label: &str) -> PathBuf {
    dir.join(CHECKPOINTS_DIR).join(label)
}

/// Removes the checkpoints of run `label` once its result is written.
pub fn finished(dir: &Path, label: &str) {
    let _ = fs::remove_dir_all(run_dir(dir, label));
    // The folder itself goes when the last unfinished run has finished.
    let _ = fs::remove_dir(dir.join(CHECKPOINTS_DIR));
}
