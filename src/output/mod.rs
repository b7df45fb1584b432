//! Writing a run's results: tidy CSV, the manifest, timings and charts, into a directory that
//! only ever appears complete.
//!
//! Files are written into a hidden temporary sibling of the target and moved into place at the
//! end, the manifest last, so a run that is killed leaves a `.partial` directory, never one that
//! looks finished. An existing non-empty target is refused unless the caller says `force`. The
//! default run writes straight into `outputs/`, where it may replace the files of an earlier
//! default run (named in that run's manifest) but nothing else.
//!
//! Architecture invariant: everything written here except `timings.json` is a function of the
//! engine version, the scenario and the seed alone.

pub mod calibration_charts;
pub mod charts;
pub mod comparison;
pub mod csv;
pub mod manifest;
pub mod map;
pub mod report;
pub mod sobol_chart;
pub mod sweep_charts;

use crate::sim::RunOutput;
use crate::townmap::TownMap;
use crate::{Scenario, Seeds};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Names of the files a run writes, besides charts.
pub const DATA_FILES: [&str; 3] = ["metrics.csv", "events.csv", "scenario.toml"];
/// The manifest's name.
pub const MANIFEST: &str = "manifest.json";
/// The timings file's name (the only file that differs between identical runs).
pub const TIMINGS: &str = "timings.json";
/// The charts folder's name.
pub const CHARTS_DIR: &str = "charts";
/// Everything a single run writes at the top of its directory, in the order it is moved into
/// place: the manifest last, so that a directory with a manifest is complete.
pub const RUN_ENTRIES: [&str; 6] = [
    "metrics.csv",
    "events.csv",
    "scenario.toml",
    CHARTS_DIR,
    TIMINGS,
    MANIFEST,
];

/// Where a run's results go.
#[derive(Clone, Debug)]
pub enum Target {
    /// A directory of its own, created by the run.
    Dir(PathBuf),
    /// The shared `outputs/` folder of the default run: files go straight in, beside its README.
    DefaultOutputs(PathBuf),
}

impl Target {
    pub fn path(&self) -> &Path {
        match self {
            Target::Dir(p) | Target::DefaultOutputs(p) => p,
        }
    }
}

/// Why results could not be written where asked.
#[derive(Debug)]
pub enum OutputError {
    /// The target holds results or files that are not ours to replace.
    Refused(String),
    Io(String, io::Error),
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutputError::Refused(msg) => write!(f, "{msg}"),
            OutputError::Io(what, e) => write!(f, "{what}: {e}"),
        }
    }
}

impl std::error::Error for OutputError {}

fn io_err(what: impl Into<String>) -> impl FnOnce(io::Error) -> OutputError {
    let what = what.into();
    move |e| OutputError::Io(what, e)
}

/// Checks, before anything runs, that results may be written to `target`. `entries` are the
/// top-level names the results will have (e.g. [`RUN_ENTRIES`]).
pub fn check_target(target: &Target, force: bool, entries: &[&str]) -> Result<(), OutputError> {
    match target {
        Target::Dir(dir) => {
            if force || !dir.exists() {
                return Ok(());
            }
            if !dir.is_dir() {
                return Err(OutputError::Refused(format!(
                    "{} exists and is not a directory; choose another --out",
                    dir.display()
                )));
            }
            let mut entries = fs::read_dir(dir).map_err(io_err(dir.display().to_string()))?;
            if entries.next().is_some() {
                return Err(OutputError::Refused(format!(
                    "{} already exists and is not empty; choose another --out, or add --force \
                     to replace it",
                    dir.display()
                )));
            }
            Ok(())
        }
        Target::DefaultOutputs(dir) => {
            if force || !dir.exists() {
                return Ok(());
            }
            let ours = previous_default_files(dir);
            for name in entries {
                let path = dir.join(name);
                if path.exists() && !ours.contains(&name.to_string()) {
                    return Err(OutputError::Refused(format!(
                        "{} exists but was not written by a default run of cohesion; move it \
                         away, or add --force to replace it",
                        path.display()
                    )));
                }
            }
            Ok(())
        }
    }
}

/// Top-level names written by an earlier default run into `dir`, read from its manifest.
fn previous_default_files(dir: &Path) -> Vec<String> {
    let Ok(text) = fs::read_to_string(dir.join(MANIFEST)) else {
        return Vec::new();
    };
    let Ok(m) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Vec::new();
    };
    if m.get("engine").and_then(|v| v.as_str()) != Some("cohesion")
        || m.get("default_run").and_then(|v| v.as_bool()) != Some(true)
    {
        return Vec::new();
    }
    let mut names: Vec<String> = m
        .get("files")
        .and_then(|f| f.as_object())
        .map(|files| {
            files
                .keys()
                .map(|k| k.split('/').next().unwrap_or(k).to_string())
                .collect()
        })
        .unwrap_or_default();
    names.push(MANIFEST.into());
    names.push(TIMINGS.into());
    names.sort();
    names.dedup();
    names
}

/// Timing facts about a run, for `timings.json`.
#[derive(Clone, Debug)]
pub struct Timings {
    /// From the start of the run until its files are about to be written.
    pub wall_seconds: f64,
    /// Building the town and ticking it, warm-up included.
    pub simulate_seconds: f64,
    pub threads: usize,
    pub residents: u32,
    pub ticks: u32,
    pub warmup_weeks: u32,
    /// Seconds spent in each mechanism over the whole run, in the order they run.
    pub mechanism_seconds: Vec<(&'static str, f64)>,
    /// The process's peak resident memory when the simulation ended, where the system reports
    /// it (Linux).
    pub peak_memory_bytes: Option<u64>,
}

impl Timings {
    /// Resident-weeks simulated per second of simulation (warm-up included).
    pub fn resident_ticks_per_s(&self) -> f64 {
        f64::from(self.residents) * f64::from(self.ticks + self.warmup_weeks)
            / self.simulate_seconds.max(1e-9)
    }
}

/// The process's peak resident set size so far (`VmHWM` in `/proc/self/status`), where the
/// system reports it.
pub fn peak_memory_bytes() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Writes every result of a run to `target`, atomically as far as the file system allows.
/// Returns the directory written.
#[allow(clippy::too_many_arguments)]
pub fn write_run(
    target: &Target,
    force: bool,
    scenario: &Scenario,
    seeds: Seeds,
    out: &RunOutput,
    map: &TownMap,
    timings: &Timings,
    extra: &[(String, String)],
) -> Result<PathBuf, OutputError> {
    check_target(target, force, &RUN_ENTRIES)?;
    let staging = stage(target)?;
    let result = write_staged(&staging, scenario, seeds, out, map, timings, target, extra);
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    place(target, force, &staging, &RUN_ENTRIES)
}

/// Creates the hidden directory that results are written into before they are moved into
/// place: a sibling of the target, or inside `outputs/` for the default run.
pub fn stage(target: &Target) -> Result<PathBuf, OutputError> {
    let final_dir = target.path();
    let parent = final_dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let name = final_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    let staging = match target {
        Target::Dir(_) => parent.join(format!(".{name}.partial-{}", std::process::id())),
        Target::DefaultOutputs(dir) => dir.join(format!(".partial-{}", std::process::id())),
    };
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(io_err(staging.display().to_string()))?;
    }
    fs::create_dir_all(&staging).map_err(io_err(staging.display().to_string()))?;
    Ok(staging)
}

/// Moves the staged `entries` into `target`, the manifest last, and removes the staging
/// directory. In a directory of its own the target is replaced whole (it is empty, or `force`
/// was given); in `outputs/` only the entries of an earlier default run (or, with `force`, any
/// entry of the same name) are replaced. Returns the directory written.
pub fn place(
    target: &Target,
    force: bool,
    staging: &Path,
    entries: &[&str],
) -> Result<PathBuf, OutputError> {
    let final_dir = target.path().to_path_buf();
    match target {
        Target::Dir(dir) => {
            if dir.exists() {
                // Empty, or --force.
                fs::remove_dir_all(dir).map_err(io_err(dir.display().to_string()))?;
            }
            fs::rename(staging, dir).map_err(io_err(dir.display().to_string()))?;
        }
        Target::DefaultOutputs(dir) => {
            let mut old = previous_default_files(dir);
            if force {
                old.extend(entries.iter().map(|s| s.to_string()));
            }
            // The old manifest goes first, so a half-replaced folder never looks complete.
            for name in std::iter::once(MANIFEST.to_string()).chain(old) {
                let path = dir.join(&name);
                if path.is_dir() {
                    fs::remove_dir_all(&path).map_err(io_err(path.display().to_string()))?;
                } else if path.exists() {
                    fs::remove_file(&path).map_err(io_err(path.display().to_string()))?;
                }
            }
            for name in entries
                .iter()
                .filter(|&&n| n != MANIFEST)
                .chain(&[MANIFEST])
            {
                fs::rename(staging.join(name), dir.join(name))
                    .map_err(io_err(dir.join(name).display().to_string()))?;
            }
            fs::remove_dir_all(staging).map_err(io_err(staging.display().to_string()))?;
        }
    }
    Ok(final_dir)
}

#[allow(clippy::too_many_arguments)]
fn write_staged(
    dir: &Path,
    scenario: &Scenario,
    seeds: Seeds,
    out: &RunOutput,
    map: &TownMap,
    timings: &Timings,
    target: &Target,
    extra: &[(String, String)],
) -> Result<(), OutputError> {
    let write = |name: &str, bytes: &[u8]| {
        fs::write(dir.join(name), bytes).map_err(io_err(dir.join(name).display().to_string()))
    };
    write(
        "metrics.csv",
        csv::metrics(&out.observations, &out.ward_names, scenario.time.start_year).as_bytes(),
    )?;
    write(
        "events.csv",
        csv::events(&out.events, &out.ward_names, scenario.time.start_year).as_bytes(),
    )?;
    write("scenario.toml", scenario.to_toml().as_bytes())?;
    fs::create_dir_all(dir.join(CHARTS_DIR)).map_err(io_err(dir.display().to_string()))?;
    let charts = charts::write_charts(
        &dir.join(CHARTS_DIR),
        &out.observations,
        &out.ward_names,
        scenario.time.start_year,
        &scenario.name,
    )
    .map_err(io_err("writing charts"))?;
    let maps = map::write_map(
        &dir.join(CHARTS_DIR),
        &[(scenario.name.as_str(), map)],
        map::DEFAULT_METRIC,
    )
    .map_err(io_err("drawing the town map"))?;
    let charts: Vec<String> = charts.into_iter().chain(maps).collect();
    let mut files: Vec<String> = DATA_FILES.iter().map(|s| s.to_string()).collect();
    for (name, text) in extra {
        write(name, text.as_bytes())?;
        files.push(name.clone());
    }
    files.extend(charts.iter().map(|c| format!("{CHARTS_DIR}/{c}")));
    let manifest = manifest::build(
        dir,
        &files,
        scenario,
        seeds,
        matches!(target, Target::DefaultOutputs(_)),
    )
    .map_err(io_err("hashing the results"))?;
    write(TIMINGS, manifest::timings_json(timings).as_bytes())?;
    write(MANIFEST, manifest.as_bytes())?;
    Ok(())
}
