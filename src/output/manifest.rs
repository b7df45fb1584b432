//! The manifest: what a run was (engine, scenario, seed) and the SHA-256 of everything it wrote,
//! so that anyone can check a result and rerun it. It holds nothing time-dependent; timings go
//! to `timings.json`.

use super::Timings;
use crate::scenario::hex;
use crate::{Scenario, Seeds};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// What the manifest says about thread counts and machines.
pub const REPRODUCIBILITY: &str = "Every file listed here depends only on the engine version, \
the resolved scenario and the seed: the same three give the same bytes on any number of threads, \
under any machine load. Randomness comes from streams keyed by (seed, replicate, purpose, entity, \
tick); reductions across residents are in fixed point; venues' encounters are merged in venue-id \
order. timings.json is the only file that differs between reruns.";

/// How seeds are used.
pub const SEED_RULE: &str = "Each random stream is keyed by (seed, replicate, purpose, entity id, \
tick); see src/rng.rs. A single run is replicate 0 of its seed unless --replicate says otherwise; \
in a comparison, replicate r of every scenario uses (seed, r).";

/// What a branch adds to its manifest (under `branch`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BranchRecord {
    /// The parent run's directory, as given on the command line.
    pub parent_dir: String,
    /// SHA-256 of the parent's `manifest.json`, which hashes every file of the parent.
    pub parent_manifest_sha256: String,
    /// The fork year: the parent's rows before it are this run's rows before it.
    pub year: i32,
    /// The changes file, as given, and its text.
    pub changes_file: String,
    pub changes: String,
    /// `--set KEY=VALUE` given on the command line, applied after the changes file.
    pub set: Vec<String>,
    /// The run's history: the scenario it started with, then each fork.
    pub stages: Vec<StageRecord>,
}

/// One stage of a run's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageRecord {
    /// The year this scenario took over (`None` for the scenario the run started with).
    pub from_year: Option<i32>,
    pub scenario_sha256: String,
    /// The fully resolved scenario.
    pub scenario: String,
}

#[derive(Serialize)]
struct Manifest<'a> {
    engine: &'static str,
    engine_version: &'static str,
    scenario_name: &'a str,
    scenario_sha256: String,
    seed: u64,
    replicate: u32,
    seed_rule: &'static str,
    start_year: i32,
    years: u32,
    ticks: u32,
    warmup_weeks: u32,
    reproducibility: &'static str,
    default_run: bool,
    /// For a branch: its parent, fork year, changes and history (absent for other runs).
    #[serde(skip_serializing_if = "Option::is_none")]
    branch: Option<&'a BranchRecord>,
    files: BTreeMap<String, String>,
    scenario: &'a Scenario,
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    Ok(hex(&Sha256::digest(std::fs::read(path)?)))
}

/// The manifest for the files `files` (relative to `dir`) as pretty JSON.
pub fn build(
    dir: &Path,
    files: &[String],
    scenario: &Scenario,
    seeds: Seeds,
    default_run: bool,
    branch: Option<&BranchRecord>,
) -> std::io::Result<String> {
    let mut hashes = BTreeMap::new();
    for f in files {
        hashes.insert(f.clone(), sha256_file(&dir.join(f))?);
    }
    let m = Manifest {
        engine: "cohesion",
        engine_version: crate::ENGINE_VERSION,
        scenario_name: &scenario.name,
        scenario_sha256: scenario.hash(),
        seed: seeds.master,
        replicate: seeds.replicate,
        seed_rule: SEED_RULE,
        start_year: scenario.time.start_year,
        years: scenario.time.years,
        ticks: scenario.ticks(),
        warmup_weeks: scenario.time.warmup_weeks,
        reproducibility: REPRODUCIBILITY,
        default_run,
        branch,
        files: hashes,
        scenario,
    };
    let mut text = serde_json::to_string_pretty(&m).map_err(std::io::Error::other)?;
    text.push('\n');
    Ok(text)
}

/// `timings.json`: wall time and throughput. Not reproducible by nature.
pub fn timings_json(t: &Timings) -> String {
    let value = serde_json::json!({
        "wall_seconds": t.wall_seconds,
        "simulate_seconds": t.simulate_seconds,
        "resident_ticks_per_s": t.resident_ticks_per_s(),
        "threads": t.threads,
        "residents": t.residents,
        "ticks": t.ticks,
        "warmup_weeks": t.warmup_weeks,
        "peak_memory_bytes": t.peak_memory_bytes,
        "peak_memory_bytes_per_resident": t
            .peak_memory_bytes
            .map(|b| b as f64 / f64::from(t.residents.max(1))),
        "state_bytes_per_resident": t.traffic.state_bytes_per_resident,
        "bytes_moved_per_resident_week": t.traffic.total_bytes_per_resident_week(),
        "bytes_moved_per_s": t.bytes_per_s(),
        "mechanism_seconds": t
            .mechanism_seconds
            .iter()
            .map(|(name, s)| {
                let moved = t
                    .traffic
                    .bytes_per_resident_week
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, b)| *b);
                serde_json::json!({
                    "mechanism": name,
                    "seconds": s,
                    "bytes_moved_per_resident_week": moved,
                })
            })
            .collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
