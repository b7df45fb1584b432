//! Writing a run's results: tidy CSV, the manifest, timings and charts, into a directory that
//! only ever appears complete.
//!
//! Files are written into a hidden temporary sibling of the target and moved into place at the
//! end, the manifest last, so a run that is killed leaves a `.partial` directory, never one that
//! looks finished; a failure removes the staging directory. An existing non-empty target is
//! refused unless the caller says `force`, and even then `force` replaces only results that
//! cohesion wrote (named by their manifest), never the current directory, one of its parents,
//! the home directory, `/`, or a folder holding one of the command's inputs. Where results can
//! be written is checked before the run starts. The default run writes straight into
//! `outputs/`, where it may replace the files of an earlier default run (named in that run's
//! manifest) but nothing else. `terminal` is what cohesion says on the terminal.
//!
//! Architecture invariant: everything written here except `timings.json` is a function of the
//! engine version, the scenario and the seed alone.

pub mod calibration_charts;
pub mod charts;
pub mod csv;
pub mod manifest;
pub mod map;
pub mod map_layout;
pub mod numbers;
pub mod sobol_chart;
pub mod sweep_charts;
pub mod terminal;

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
/// The file in `DIR.partial/` that says how to resume.
pub const RUN_JSON: &str = "run.json";
/// The suffix of the checkpoint directory beside a run's directory.
pub const PARTIAL_SUFFIX: &str = ".partial";
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
            OutputError::Io(what, e) => write!(f, "{what}: {}", io_message(e)),
        }
    }
}

impl std::error::Error for OutputError {}

/// Maps an I/O error to an [`OutputError`] that names `what`.
pub fn io_err(what: impl Into<String>) -> impl FnOnce(io::Error) -> OutputError {
    let what = what.into();
    move |e| OutputError::Io(what, e)
}

/// An I/O error in the user's words: a full disk and a used-up quota say so plainly (the
/// system's own words follow in brackets). Shown after the file's name.
pub fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::StorageFull => {
            format!("the disk is full ({e}); free some space or write elsewhere, and run again")
        }
        io::ErrorKind::QuotaExceeded => {
            format!("the disk quota is used up ({e}); free some space or write elsewhere")
        }
        _ => e.to_string(),
    }
}

/// Checks, before anything runs, that results may be written to `target`. `entries` are the
/// top-level names the results will have (e.g. [`RUN_ENTRIES`]).
///
/// A directory of its own must not be `/`, the home directory, the current directory or one
/// of its parents, or something other than a directory (whatever `force` says). It must be
/// missing or empty, or, with `force`, hold nothing but results cohesion wrote there (named by
/// its manifest): `--force` never removes a file cohesion did not write. Its checkpoint folder
/// `DIR.partial/`, which `force` discards, must be cohesion's too. Finally the folder the
/// results are staged in must be writable, so that a read-only place is found before the run.
pub fn check_target(target: &Target, force: bool, entries: &[&str]) -> Result<(), OutputError> {
    match target {
        Target::Dir(dir) => {
            check_place(dir)?;
            if dir.exists() {
                let names = dir_entries(dir)?;
                if !names.is_empty() && !force {
                    return Err(OutputError::Refused(format!(
                        "{} already exists and is not empty; choose another --out, or add \
                         --force to replace it (only results cohesion wrote are replaced)",
                        dir.display()
                    )));
                }
                if !names.is_empty() {
                    let listed = listed_files(read_manifest(dir).as_ref());
                    let foreign = unlisted(dir, &listed, &names);
                    if !foreign.is_empty() {
                        return Err(OutputError::Refused(format!(
                            "{} holds {}, which cohesion did not write; --force replaces only an \
                             empty folder or results cohesion wrote (named by their \
                             manifest.json). Move those away, or choose another --out",
                            dir.display(),
                            list_names(&foreign)
                        )));
                    }
                }
            }
            if force {
                check_checkpoints_are_ours(dir)?;
            }
        }
        Target::DefaultOutputs(dir) => {
            if dir.exists() && !dir.is_dir() {
                return Err(OutputError::Refused(format!(
                    "{} exists and is not a directory; move it away",
                    dir.display()
                )));
            }
            if dir.exists() {
                check_default_outputs(dir, force, entries)?;
            }
        }
    }
    check_writable(&staging_parent(target))
}

/// Refuses, with or without `--force`, an output directory that may never be replaced: one
/// that exists and is not a directory, `/`, the home directory, and the current directory or
/// any of its parents.
pub fn check_place(dir: &Path) -> Result<(), OutputError> {
    if let Ok(meta) = fs::metadata(dir)
        && !meta.is_dir()
    {
        return Err(OutputError::Refused(format!(
            "{} exists and is not a directory; choose another --out",
            dir.display()
        )));
    }
    let Ok(canonical) = dir.canonicalize() else {
        return Ok(()); // Missing: it will be created.
    };
    let refuse = |what: &str| {
        Err(OutputError::Refused(format!(
            "--out {} is {what}; results go into a folder of their own, which cohesion may \
             replace whole, so choose a new folder (such as {})",
            dir.display(),
            Path::new("runs").join("NAME").display()
        )))
    };
    if canonical.parent().is_none() {
        return refuse("the root of the file system");
    }
    if let Some(home) = std::env::var_os("HOME").and_then(|h| PathBuf::from(h).canonicalize().ok())
        && home == canonical
    {
        return refuse("the home directory");
    }
    if let Ok(cwd) = std::env::current_dir().and_then(|d| d.canonicalize())
        && cwd.starts_with(&canonical)
    {
        return refuse(if cwd == canonical {
            "the current directory"
        } else {
            "a parent of the current directory"
        });
    }
    Ok(())
}

/// Refuses an output directory that holds (at any depth) one of the command's input files
/// (scenarios, sweep files), which replacing it would delete.
pub fn check_inputs(dir: &Path, inputs: &[PathBuf]) -> Result<(), OutputError> {
    let Ok(canonical) = dir.canonicalize() else {
        return Ok(());
    };
    for input in inputs {
        if let Ok(file) = input.canonicalize()
            && file.starts_with(&canonical)
        {
            return Err(OutputError::Refused(format!(
                "--out {} holds {}, an input of this command, which replacing the folder would \
                 delete; choose another --out, or move the input out of it",
                dir.display(),
                input.display()
            )));
        }
    }
    Ok(())
}

/// Checks that results can be created in `dir` (or, if it does not exist yet, in its nearest
/// existing parent) by making and removing an empty folder there.
pub fn check_writable(dir: &Path) -> Result<(), OutputError> {
    let existing = dir
        .ancestors()
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .find(|p| fs::symlink_metadata(p).is_ok())
        .unwrap_or(Path::new("."));
    if !existing.is_dir() {
        return Err(OutputError::Refused(format!(
            "{} is not a directory, so nothing can be written below it; choose another --out",
            existing.display()
        )));
    }
    let probe = existing.join(format!(".cohesion-probe-{}", std::process::id()));
    match fs::create_dir(&probe) {
        Ok(()) => {
            let _ = fs::remove_dir(&probe);
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let _ = fs::remove_dir(&probe);
            Ok(())
        }
        Err(e) => Err(OutputError::Io(
            format!(
                "cannot write results into {} (checked before the run; choose another --out)",
                existing.display()
            ),
            e,
        )),
    }
}

/// The folder results are staged in: the target's parent, or `outputs/` for the default run.
fn staging_parent(target: &Target) -> PathBuf {
    match target {
        Target::Dir(dir) => dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(".")),
        Target::DefaultOutputs(dir) => dir.clone(),
    }
}

/// The names in `dir`, sorted.
fn dir_entries(dir: &Path) -> Result<Vec<String>, OutputError> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map_err(io_err(dir.display().to_string()))?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

/// The first few names, quoted, and how many more.
fn list_names(names: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut text: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    if names.len() > SHOWN {
        text.push(format!("{} more", names.len() - SHOWN));
    }
    text.join(", ")
}

/// In the shared `outputs/` folder, the entries a default run will replace must be its own:
/// named by an earlier default run's manifest (or, with `force`, by any manifest cohesion
/// wrote there), and holding no file that manifest does not list.
fn check_default_outputs(dir: &Path, force: bool, entries: &[&str]) -> Result<(), OutputError> {
    let manifest = read_manifest(dir);
    let ours = if force {
        let mut names = manifest.as_ref().map(manifest_names).unwrap_or_default();
        names.extend([MANIFEST.to_string(), TIMINGS.to_string()]);
        names
    } else {
        previous_default_files(dir)
    };
    for name in entries {
        let path = dir.join(name);
        if fs::symlink_metadata(&path).is_ok() && !ours.iter().any(|n| n == name) {
            return Err(OutputError::Refused(format!(
                "{} exists but was not written by a default run of cohesion; move it away{}",
                path.display(),
                if force {
                    ""
                } else {
                    ", or add --force to replace it"
                }
            )));
        }
    }
    let replaced: Vec<String> = ours
        .into_iter()
        .filter(|n| fs::symlink_metadata(dir.join(n)).is_ok())
        .collect();
    let foreign = unlisted(dir, &listed_files(manifest.as_ref()), &replaced);
    if !foreign.is_empty() {
        return Err(OutputError::Refused(format!(
            "{} holds {}, which cohesion did not write and replacing its results would \
             delete; move those away",
            dir.display(),
            list_names(&foreign)
        )));
    }
    Ok(())
}

/// Every file a manifest lists, by its path relative to the manifest's folder, and the
/// manifest and timings themselves; empty without a manifest.
fn listed_files(manifest: Option<&serde_json::Value>) -> std::collections::BTreeSet<String> {
    let Some(m) = manifest else {
        return Default::default();
    };
    let mut listed: std::collections::BTreeSet<String> = m
        .get("files")
        .and_then(|f| f.as_object())
        .map(|files| files.keys().cloned().collect())
        .unwrap_or_default();
    listed.insert(MANIFEST.into());
    listed.insert(TIMINGS.into());
    listed
}

/// The paths under the entries `names` of `dir` (walked to any depth) that `listed` does not
/// name: files and links not listed, and folders holding no listed file. Walks at most
/// [`WALK_LIMIT`] entries; past that, the folder is not taken to be cohesion's.
fn unlisted(
    dir: &Path,
    listed: &std::collections::BTreeSet<String>,
    names: &[String],
) -> Vec<String> {
    let mut foreign = Vec::new();
    let mut stack: Vec<String> = names.to_vec();
    let mut seen = 0usize;
    while let Some(rel) = stack.pop() {
        seen += 1;
        if seen > WALK_LIMIT {
            foreign.push(format!("more than {WALK_LIMIT} files"));
            break;
        }
        let path = dir.join(&rel);
        let is_dir = fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        if !is_dir {
            if !listed.contains(&rel) {
                foreign.push(rel);
            }
            continue;
        }
        let prefix = format!("{rel}/");
        if !listed.iter().any(|l| l.starts_with(&prefix)) {
            foreign.push(rel);
            continue;
        }
        match fs::read_dir(&path) {
            Ok(children) => stack.extend(
                children
                    .filter_map(Result::ok)
                    .map(|e| format!("{prefix}{}", e.file_name().to_string_lossy())),
            ),
            Err(_) => foreign.push(rel),
        }
    }
    foreign.sort();
    foreign
}

/// Most entries looked at when checking that a folder holds only cohesion's results.
const WALK_LIMIT: usize = 100_000;

/// `dir/manifest.json`, if it is a manifest cohesion wrote for a run or a comparison.
fn read_manifest(dir: &Path) -> Option<serde_json::Value> {
    let path = dir.join(MANIFEST);
    if fs::metadata(&path).ok()?.len() > crate::limits::MAX_INPUT_BYTES * 16 {
        return None;
    }
    let m: serde_json::Value = serde_json::from_str(&fs::read_to_string(path).ok()?).ok()?;
    (m.get("engine").and_then(|v| v.as_str()) == Some("cohesion")).then_some(m)
}

/// The top-level names of the files a manifest lists.
fn manifest_names(m: &serde_json::Value) -> Vec<String> {
    m.get("files")
        .and_then(|f| f.as_object())
        .map(|files| {
            files
                .keys()
                .map(|k| k.split('/').next().unwrap_or(k).to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The checkpoint directory of a run whose results go to `dir`: `dir.partial`.
pub fn partial_dir(dir: &Path) -> PathBuf {
    let mut name = dir
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "run".into());
    name.push(PARTIAL_SUFFIX);
    dir.with_file_name(name)
}

/// The results directory of the checkpoint directory `partial` (`DIR.partial` → `DIR`).
pub fn results_dir(partial: &Path) -> Option<PathBuf> {
    let name = partial.file_name()?.to_str()?;
    let stem = name.strip_suffix(PARTIAL_SUFFIX)?;
    (!stem.is_empty()).then(|| partial.with_file_name(stem))
}

/// With `--force`, the checkpoint folder `DIR.partial/` is discarded: refuse if something
/// other than a run's checkpoints (its `run.json`) is there.
fn check_checkpoints_are_ours(dir: &Path) -> Result<(), OutputError> {
    let partial = partial_dir(dir);
    if fs::symlink_metadata(&partial).is_err() {
        return Ok(());
    }
    if partial.is_dir() && partial.join(RUN_JSON).is_file() {
        return Ok(());
    }
    Err(OutputError::Refused(format!(
        "{} is where this run keeps its checkpoints, and --force would discard it, but it is \
         not a cohesion checkpoint folder (it has no {}); move it away",
        partial.display(),
        RUN_JSON
    )))
}

/// Top-level names written by an earlier default run into `dir`, read from its manifest.
fn previous_default_files(dir: &Path) -> Vec<String> {
    let Some(m) = read_manifest(dir) else {
        return Vec::new();
    };
    if m.get("default_run").and_then(|v| v.as_bool()) != Some(true) {
        return Vec::new();
    }
    let mut names = manifest_names(&m);
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
    /// Estimated bytes of state per resident and moved per resident-week (`crate::traffic`).
    pub traffic: crate::traffic::Traffic,
}

impl Timings {
    /// Resident-weeks simulated per second of simulation (warm-up included).
    pub fn resident_ticks_per_s(&self) -> f64 {
        f64::from(self.residents) * f64::from(self.ticks + self.warmup_weeks)
            / self.simulate_seconds.max(1e-9)
    }

    /// The estimated memory traffic of the run's weeks, bytes per second of simulation: bytes
    /// moved per resident-week × resident-weeks per second.
    pub fn bytes_per_s(&self) -> f64 {
        self.traffic.total_bytes_per_resident_week() * self.resident_ticks_per_s()
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
    branch: Option<&manifest::BranchRecord>,
) -> Result<PathBuf, OutputError> {
    check_target(target, force, &RUN_ENTRIES)?;
    let staging = stage(target)?;
    let result = write_staged(
        &staging, scenario, seeds, out, map, timings, target, extra, branch,
    );
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
/// directory, which never outlives a failure. In a directory of its own the target is replaced
/// whole (it is empty, or holds cohesion's results and `force` was given): the old directory is
/// set aside, the new one renamed into place, and only then is the old one removed, so that a
/// failed rename puts it back. In `outputs/` only the entries of an earlier default run (or,
/// with `force`, any entry of the same name) are replaced. Returns the directory written.
pub fn place(
    target: &Target,
    force: bool,
    staging: &Path,
    entries: &[&str],
) -> Result<PathBuf, OutputError> {
    let placed = match target {
        Target::Dir(dir) => swap_into_place(dir, staging),
        Target::DefaultOutputs(dir) => place_in_outputs(dir, force, staging, entries),
    };
    if placed.is_err() && staging.exists() {
        let _ = fs::remove_dir_all(staging);
    }
    placed.map(|()| target.path().to_path_buf())
}

/// Replaces `dir` by `staging` (see [`place`]).
fn swap_into_place(dir: &Path, staging: &Path) -> Result<(), OutputError> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    let aside = dir.with_file_name(format!(".{name}.old-{}", std::process::id()));
    let old = if fs::symlink_metadata(dir).is_ok() {
        fs::rename(dir, &aside).map_err(io_err(dir.display().to_string()))?;
        Some(aside)
    } else {
        None
    };
    if let Err(e) = fs::rename(staging, dir) {
        if let Some(aside) = &old {
            let _ = fs::rename(aside, dir);
        }
        return Err(OutputError::Io(dir.display().to_string(), e));
    }
    if let Some(aside) = old {
        fs::remove_dir_all(&aside).map_err(io_err(format!(
            "the new results are in {}, but the old ones, set aside in {}, could not be removed",
            dir.display(),
            aside.display()
        )))?;
    }
    Ok(())
}

/// Moves the staged entries into the shared `outputs/` folder (see [`place`]).
fn place_in_outputs(
    dir: &Path,
    force: bool,
    staging: &Path,
    entries: &[&str],
) -> Result<(), OutputError> {
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
    fs::remove_dir_all(staging).map_err(io_err(staging.display().to_string()))
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
    branch: Option<&manifest::BranchRecord>,
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
        branch,
    )
    .map_err(io_err("hashing the results"))?;
    write(TIMINGS, manifest::timings_json(timings).as_bytes())?;
    write(MANIFEST, manifest.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dirs_sit_beside_the_results() {
        assert_eq!(
            partial_dir(Path::new("runs/a")),
            PathBuf::from("runs/a.partial")
        );
        assert_eq!(partial_dir(Path::new("a")), PathBuf::from("a.partial"));
        assert_eq!(
            results_dir(Path::new("runs/a.partial")),
            Some(PathBuf::from("runs/a"))
        );
        assert_eq!(results_dir(Path::new("runs/.partial")), None);
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    }

    #[test]
    fn a_failed_swap_puts_the_old_results_back_and_leaves_no_staging() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        fs::create_dir(&out).unwrap();
        fs::write(out.join(MANIFEST), "old").unwrap();
        // A staging folder that vanished: the rename into place fails.
        let staging = tmp.path().join(".out.partial-1");
        let e = place(&Target::Dir(out.clone()), true, &staging, &RUN_ENTRIES).unwrap_err();
        assert!(matches!(e, OutputError::Io(..)), "{e}");
        assert_eq!(fs::read_to_string(out.join(MANIFEST)).unwrap(), "old");
        assert_eq!(names(tmp.path()), ["out"], "nothing set aside is left");
    }

    #[test]
    fn a_failed_move_into_outputs_removes_the_staging_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let outputs = tmp.path().join("outputs");
        fs::create_dir(&outputs).unwrap();
        let target = Target::DefaultOutputs(outputs.clone());
        let staging = stage(&target).unwrap();
        // Only some of the entries were staged: moving the rest fails.
        fs::write(staging.join("metrics.csv"), "x").unwrap();
        place(&target, false, &staging, &RUN_ENTRIES).unwrap_err();
        assert!(!staging.exists(), "the staging folder outlived the failure");
        assert!(
            !outputs.join(MANIFEST).exists(),
            "nothing looks complete after a failure"
        );
    }

    #[test]
    fn a_full_disk_is_said_in_words() {
        let e = io::Error::from(io::ErrorKind::StorageFull);
        assert!(io_message(&e).starts_with("the disk is full"));
        let e = io::Error::from(io::ErrorKind::NotFound);
        assert!(!io_message(&e).contains("disk"));
    }
}
