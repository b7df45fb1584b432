//! A single run that can be stopped and resumed: `cohesion run ... --checkpoint-every N` and
//! `cohesion run --resume DIR`.
//!
//! While a run whose results go to `DIR` is unfinished, its checkpoints live beside it in
//! `DIR.partial/`, with `run.json`, everything `--resume` needs to go on (the resolved
//! scenario, seed, replicate and options). `DIR` itself appears only when the run has finished,
//! through the usual staging (see `output`), holding exactly the files of an uninterrupted run;
//! `DIR.partial/` is then removed. So a half-finished run never looks complete, and its
//! checkpoints never reach its results.

use super::CheckpointError;
use crate::output::{self, PARTIAL_SUFFIX, RUN_JSON, partial_dir, results_dir};
use crate::summary::MetricSummary;
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};

/// `run.json`: how an unfinished run was started.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResumeRecord {
    pub engine: String,
    pub scenario_sha256: String,
    /// The fully resolved scenario.
    pub scenario: String,
    pub seed: u64,
    pub replicate: u32,
    pub force: bool,
    pub checkpoint_every: Option<u32>,
    #[serde(default)]
    pub summarise: Vec<MetricSummary>,
}

/// What `--resume DIR` found: where the run's results go, its checkpoints and how it started.
#[derive(Debug)]
pub struct Found {
    /// The run's results directory (`DIR`).
    pub results: PathBuf,
    /// Its checkpoint directory (`DIR.partial`).
    pub partial: PathBuf,
    /// `run.json`, and where it was read from.
    pub record: ResumeRecord,
    pub record_path: PathBuf,
}

/// Reads how to resume the run in `dir`: the run's results directory or its `.partial`
/// checkpoint directory.
pub fn read(dir: &Path) -> Result<Found, CheckpointError> {
    let refuse = CheckpointError::Missing;
    let (partial, results) = if dir.join(RUN_JSON).is_file() {
        let results = results_dir(dir).ok_or_else(|| {
            refuse(format!(
                "{} holds {RUN_JSON} but is not named DIR{PARTIAL_SUFFIX}; rename it back",
                dir.display()
            ))
        })?;
        (dir.to_path_buf(), results)
    } else {
        (partial_dir(dir), dir.to_path_buf())
    };
    let record_path = partial.join(RUN_JSON);
    if !record_path.is_file() {
        if results.join(output::MANIFEST).is_file() {
            return Err(refuse(format!(
                "{} is a finished run: there is nothing to resume",
                results.display()
            )));
        }
        return Err(refuse(format!(
            "nothing to resume at {}: no {} (a run writes it with its first checkpoint; start \
             the run with --checkpoint-every N, or stop it with SIGTERM or Ctrl-C)",
            dir.display(),
            record_path.display()
        )));
    }
    let text = fs::read_to_string(&record_path)
        .map_err(|e| CheckpointError::Io(format!("{}: {e}", record_path.display())))?;
    let record: ResumeRecord = serde_json::from_str(&text)
        .map_err(|e| refuse(format!("{} cannot be read: {e}", record_path.display())))?;
    Ok(Found {
        results,
        partial,
        record,
        record_path,
    })
}

/// Writes `record` as `run.json` in `partial`, creating the directory.
pub fn write_record(partial: &Path, record: &ResumeRecord) -> Result<(), CheckpointError> {
    fs::create_dir_all(partial).map_err(|e| {
        CheckpointError::Io(format!("{}: {}", partial.display(), output::io_message(&e)))
    })?;
    let mut text =
        serde_json::to_string_pretty(record).map_err(|e| CheckpointError::Io(e.to_string()))?;
    text.push('\n');
    write_synced(&partial.join(RUN_JSON), text.as_bytes())
}

/// Writes `bytes` to `path` through a temporary file, flushed to disk before the rename.
fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), CheckpointError> {
    use std::io::Write;
    let err = |e: std::io::Error| {
        CheckpointError::Io(format!("{}: {}", path.display(), output::io_message(&e)))
    };
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut f = fs::File::create(&tmp).map_err(err)?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(err)?;
    fs::rename(&tmp, path).map_err(err)
}
