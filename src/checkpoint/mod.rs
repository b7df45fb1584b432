//! Checkpoints: a run's complete state on disk, written every so often and when the run is
//! asked to stop, so that a run cut short by a time limit, a pre-emption or a failed node
//! resumes with nothing lost, and ends with exactly the bytes an uninterrupted run writes.
//!
//! A checkpoint file is `checkpoint-<step>.bin`, `<step>` being the weeks simulated so far
//! (warm-up included):
//!
//! ```text
//! magic "COHCKPT\0" | format u32 LE | header length u32 LE | header | state | SHA-256
//! ```
//!
//! The header (postcard) names the engine version, the snapshot schema and layout fingerprint,
//! the scenario's SHA-256, the seed, the replicate and the step; the state is the world
//! ([`snapshot`]); the last 32 bytes are the SHA-256 of everything before them, so a truncated
//! or damaged file is always detected. A file is written under a temporary name, flushed to
//! disk (fsync), renamed into place and its directory flushed; only then are older checkpoints
//! removed, the newest two being kept.
//!
//! Reading takes the newest checkpoint whose checksum holds, warning about (and setting aside,
//! as `*.damaged`) any newer one that is damaged. A checkpoint written by another engine
//! version or for another scenario or seed is refused, never used; so is one whose checksum
//! holds but whose state fails the checks of `validate` (indices in range, lengths that agree,
//! finite numbers in their ranges, a step inside the run): it was edited or written by a
//! faulty build.
//!
//! Architecture invariant: a checkpoint never reaches a run's final directory; results are
//! written as by an uninterrupted run (see `run.rs`). This module is the file format, writing,
//! reading back and checking; the weekly loop that writes checkpoints as a run goes, and the
//! choice between a fresh start and a resume, are `run::drive`'s.

pub mod resume;
pub mod snapshot;
pub mod sweep;
mod validate;

use crate::signals::StopFlag;
use crate::sim::Simulation;
use crate::{Scenario, Seeds};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The first bytes of every checkpoint file.
pub const MAGIC: &[u8; 8] = b"COHCKPT\0";
/// The version of the file layout around the state.
pub const FORMAT: u32 = 1;
/// How many checkpoints are kept: the newest, and the one before in case the newest is lost.
pub const KEEP: usize = 2;
/// The exit status of a run or sweep that stopped on SIGTERM or SIGINT after writing its
/// checkpoints (EX_TEMPFAIL: try again later, and it will go on where it stopped).
pub const EXIT_STOPPED: u8 = 75;

/// What a checkpoint says about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub engine_version: String,
    /// [`snapshot::SCHEMA`] and [`snapshot::layout_fingerprint`].
    pub schema: String,
    pub scenario_sha256: String,
    pub seed: u64,
    pub replicate: u32,
    /// Weeks simulated, warm-up included.
    pub step: u32,
}

impl Header {
    /// The header this engine writes for `scenario` and `seeds` at `step`.
    pub fn new(scenario_sha256: &str, seeds: Seeds, step: u32) -> Header {
        Header {
            engine_version: crate::ENGINE_VERSION.to_string(),
            schema: schema(),
            scenario_sha256: scenario_sha256.to_string(),
            seed: seeds.master,
            replicate: seeds.replicate,
            step,
        }
    }
}

/// This build's snapshot schema: its number and the layout of what it saves.
pub fn schema() -> String {
    format!("{}-{}", snapshot::SCHEMA, snapshot::layout_fingerprint())
}

/// Why a checkpoint could not be written or used.
#[derive(Debug)]
pub enum CheckpointError {
    /// Written by another engine, or for another scenario or seed, or intact but holding a
    /// state no run reaches (edited, or written by a faulty build): refused.
    Refused(String),
    /// No checkpoint, or none intact.
    Missing(String),
    Io(String),
}

impl CheckpointError {
    /// 2 for a refused or missing checkpoint (the user's input), 1 for an I/O failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            CheckpointError::Refused(_) | CheckpointError::Missing(_) => 2,
            CheckpointError::Io(_) => 1,
        }
    }
}

impl std::fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckpointError::Refused(m) | CheckpointError::Missing(m) | CheckpointError::Io(m) => {
                write!(f, "{m}")
            }
        }
    }
}

impl std::error::Error for CheckpointError {}

fn io_error(what: &Path) -> impl FnOnce(io::Error) -> CheckpointError + '_ {
    move |e| {
        CheckpointError::Io(format!(
            "{}: {}",
            what.display(),
            crate::output::io_message(&e)
        ))
    }
}

/// A writer that hashes what passes through it, and keeps the first error of the file under
/// it (the serialiser reports a failed write only as "buffer full").
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    failed: Option<io::Error>,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = match self.inner.write(buf) {
            Ok(n) => n,
            Err(e) => {
                if self.failed.is_none() {
                    self.failed = Some(io::Error::new(e.kind(), e.to_string()));
                }
                return Err(e);
            }
        };
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The file name of the checkpoint at `step`.
pub fn file_name(step: u32) -> String {
    format!("checkpoint-{step:06}.bin")
}

/// The step of a checkpoint file name, if it is one.
fn step_of(name: &str) -> Option<u32> {
    name.strip_prefix("checkpoint-")?
        .strip_suffix(".bin")?
        .parse()
        .ok()
}

/// The checkpoints in `dir`, newest first.
pub fn list(dir: &Path) -> Vec<(u32, PathBuf)> {
    let mut found: Vec<(u32, PathBuf)> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name();
            step_of(&name.to_string_lossy()).map(|s| (s, e.path()))
        })
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found
}

/// Writes a checkpoint of `sim` into `dir` (created if missing) and removes all but the
/// newest [`KEEP`]. Returns the file written and its size in bytes.
pub fn save(
    dir: &Path,
    sim: &Simulation,
    scenario_sha256: &str,
    seeds: Seeds,
) -> Result<(PathBuf, u64), CheckpointError> {
    fs::create_dir_all(dir).map_err(io_error(dir))?;
    let step = sim.steps_done();
    let header = Header::new(scenario_sha256, seeds, step);
    let path = dir.join(file_name(step));
    let tmp = dir.join(format!(".{}.tmp-{}", file_name(step), std::process::id()));
    let size = match write_file(dir, &tmp, &path, &header, sim) {
        Ok(size) => size,
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
    };
    for (_, old) in list(dir).into_iter().skip(KEEP) {
        let _ = fs::remove_file(old);
    }
    Ok((path, size))
}

/// Writes the checkpoint to `tmp` (header, state, checksum), flushes it to disk and renames it
/// to `path`. Returns its size in bytes.
fn write_file(
    dir: &Path,
    tmp: &Path,
    path: &Path,
    header: &Header,
    sim: &Simulation,
) -> Result<u64, CheckpointError> {
    let file = fs::File::create(tmp).map_err(io_error(tmp))?;
    let mut out = BufWriter::with_capacity(
        1 << 20,
        Hashing {
            inner: file,
            hasher: Sha256::new(),
            failed: None,
        },
    );
    let head = postcard::to_stdvec(header).map_err(|e| CheckpointError::Io(e.to_string()))?;
    let mut write_head = || -> io::Result<()> {
        out.write_all(MAGIC)?;
        out.write_all(&FORMAT.to_le_bytes())?;
        out.write_all(&(head.len() as u32).to_le_bytes())?;
        out.write_all(&head)
    };
    write_head().map_err(io_error(tmp))?;
    if let Err(e) = snapshot::write(sim, &mut out) {
        return Err(match out.get_mut().failed.take() {
            Some(io) => io_error(tmp)(io),
            None => CheckpointError::Io(e),
        });
    }
    let Hashing {
        mut inner, hasher, ..
    } = out.into_inner().map_err(|e| {
        let (e, _) = e.into_parts();
        io_error(tmp)(e)
    })?;
    inner
        .write_all(&hasher.finalize())
        .and_then(|()| inner.sync_all())
        .map_err(io_error(tmp))?;
    let size = inner.metadata().map_err(io_error(tmp))?.len();
    fs::rename(tmp, path).map_err(io_error(path))?;
    sync_dir(dir).map_err(io_error(dir))?;
    Ok(size)
}

/// Flushes a directory's entries to disk, so that a rename in it survives a crash.
fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

/// Why one checkpoint file cannot be used.
enum Damage {
    /// Truncated or damaged: the next older one may be used.
    Damaged(String),
    /// Intact but not ours to use.
    Refused(String),
}

/// Reads one checkpoint file and checks its checksum and header against `expected`.
/// Returns the header and the state's bytes.
fn read_one(path: &Path, expected: &Header) -> Result<(Header, Vec<u8>), Damage> {
    let bytes = fs::read(path).map_err(|e| Damage::Damaged(format!("cannot be read: {e}")))?;
    let fixed = MAGIC.len() + 8;
    if bytes.len() < fixed + 32 || &bytes[..MAGIC.len()] != MAGIC {
        return Err(Damage::Damaged(format!(
            "is not a cohesion checkpoint, or is truncated ({} bytes)",
            bytes.len()
        )));
    }
    let (body, sum) = bytes.split_at(bytes.len() - 32);
    if Sha256::digest(body).as_slice() != sum {
        return Err(Damage::Damaged(
            "fails its checksum (truncated or damaged)".into(),
        ));
    }
    let word = |at: usize| u32::from_le_bytes([body[at], body[at + 1], body[at + 2], body[at + 3]]);
    let format = word(MAGIC.len());
    if format != FORMAT {
        return Err(Damage::Refused(format!(
            "has checkpoint format {format}; this engine reads format {FORMAT}"
        )));
    }
    let head_len = word(MAGIC.len() + 4) as usize;
    let head_end = fixed
        .checked_add(head_len)
        .filter(|&e| e <= body.len())
        .ok_or_else(|| Damage::Damaged("has a header longer than the file".into()))?;
    let header: Header = postcard::from_bytes(&body[fixed..head_end])
        .map_err(|e| Damage::Damaged(format!("has an unreadable header: {e}")))?;
    if header.engine_version != expected.engine_version || header.schema != expected.schema {
        return Err(Damage::Refused(format!(
            "was written by cohesion {} (checkpoint schema {}); this is cohesion {} (schema {}). \
             Resume it with the engine that wrote it, or start the run again",
            header.engine_version, header.schema, expected.engine_version, expected.schema
        )));
    }
    if header.scenario_sha256 != expected.scenario_sha256 {
        return Err(Damage::Refused(format!(
            "belongs to another scenario (SHA-256 {}; this run's is {}). Start the run again, \
             or resume it with its own scenario",
            header.scenario_sha256, expected.scenario_sha256
        )));
    }
    if (header.seed, header.replicate) != (expected.seed, expected.replicate) {
        return Err(Damage::Refused(format!(
            "belongs to seed {} replicate {}, not seed {} replicate {}",
            header.seed, header.replicate, expected.seed, expected.replicate
        )));
    }
    Ok((header, body[head_end..].to_vec()))
}

/// Restores the state of a checkpoint whose checksum and header hold, checking it (see
/// `validate`) and that it is at the step its header names.
fn restore_checked(
    scenario: &Scenario,
    seeds: Seeds,
    header: &Header,
    state: &[u8],
) -> Result<Simulation, String> {
    let sim = snapshot::restore(scenario, seeds, state)?;
    if sim.steps_done() != header.step {
        return Err(format!(
            "its header says week {} but its state is at week {}",
            header.step,
            sim.steps_done()
        ));
    }
    Ok(sim)
}

/// Restores the newest intact checkpoint in `dir` of `scenario` with `seeds`. A damaged one
/// (truncated, or failing its checksum) is reported through `warn`, renamed `*.damaged` and
/// the next older one tried. Returns the simulation and the file used, or `None` when `dir`
/// holds no checkpoint at all.
///
/// A checkpoint that passes its checksum but whose state is invalid is refused, not passed
/// over: a checksum that holds rules out damage on disk, so such a file was edited or written
/// by a faulty build, and going quietly back to an older checkpoint would hide that. It is left
/// where it is for the user to look at.
pub fn resume(
    dir: &Path,
    scenario: &Scenario,
    seeds: Seeds,
    mut warn: impl FnMut(&str),
) -> Result<Option<(Simulation, PathBuf)>, CheckpointError> {
    let found = list(dir);
    if found.is_empty() {
        return Ok(None);
    }
    let expected = Header::new(&scenario.hash(), seeds, 0);
    let mut damaged = Vec::new();
    for (_, path) in &found {
        let problem = match read_one(path, &expected) {
            Ok((header, state)) => {
                return restore_checked(scenario, seeds, &header, &state)
                    .map(|sim| Some((sim, path.clone())))
                    .map_err(|e| {
                        CheckpointError::Refused(format!(
                            "the checkpoint {} passes its checksum but holds a state no run of \
                             this scenario reaches ({e}): it was edited, or written by a faulty \
                             build, and is not used. Start the run again, or move the file \
                             aside to resume from the checkpoint before it",
                            path.display()
                        ))
                    });
            }
            Err(Damage::Damaged(m)) => m,
            Err(Damage::Refused(m)) => {
                return Err(CheckpointError::Refused(format!(
                    "the checkpoint {} {m}",
                    path.display()
                )));
            }
        };
        let aside = path.with_extension("bin.damaged");
        let _ = fs::rename(path, &aside);
        warn(&format!(
            "warning: the checkpoint {} {problem}; set aside as {}, trying the one before",
            path.display(),
            aside.display()
        ));
        damaged.push(format!("{}: {problem}", path.display()));
    }
    Err(CheckpointError::Missing(format!(
        "no intact checkpoint in {} ({}). Start the run again",
        dir.display(),
        damaged.join("; ")
    )))
}

/// How a run checkpoints and stops.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// Write a checkpoint after every this many simulated weeks (warm-up included).
    pub every: Option<u32>,
    /// When set, the run stops after the week in progress, with a checkpoint.
    pub stop: Option<StopFlag>,
}

impl Policy {
    /// Whether a stop was asked for.
    pub fn stop_requested(&self) -> bool {
        self.stop.as_ref().is_some_and(StopFlag::requested)
    }
}

/// One checkpoint written.
#[derive(Clone, Debug)]
pub struct Saved {
    pub path: PathBuf,
    pub step: u32,
    pub bytes: u64,
    pub seconds: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Scenario {
        Scenario::from_toml(
            "name = \"t\"\n[time]\nyears = 1\nwarmup_weeks = 2\n[town]\nresidents = 300\n",
            "test",
        )
        .unwrap()
    }

    #[test]
    fn a_full_disk_names_the_file_and_says_so() {
        // /dev/full answers every write with ENOSPC, as a full disk does.
        let full = Path::new("/dev/full");
        if !full.exists() {
            return;
        }
        let scenario = small();
        let seeds = Seeds::new(5);
        let mut sim = Simulation::new(&scenario, seeds);
        sim.step();
        let header = Header::new(&scenario.hash(), seeds, sim.steps_done());
        let dir = tempfile::tempdir().unwrap();
        let e = write_file(dir.path(), full, &dir.path().join("x.bin"), &header, &sim)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/dev/full") && e.contains("the disk is full"),
            "{e}"
        );
        assert!(!e.contains("serialize buffer"), "{e}");
    }

    #[test]
    fn names_sort_by_step() {
        assert_eq!(file_name(52), "checkpoint-000052.bin");
        assert_eq!(step_of("checkpoint-000052.bin"), Some(52));
        assert_eq!(step_of("checkpoint-000052.bin.damaged"), None);
        assert_eq!(step_of(".checkpoint-000052.bin.tmp-1"), None);
    }

    #[test]
    fn damaged_checkpoints_fall_back_and_others_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let scenario = small();
        let seeds = Seeds::new(5);
        let mut sim = Simulation::new(&scenario, seeds);
        let hash = scenario.hash();
        for _ in 0..3 {
            sim.step();
            save(dir.path(), &sim, &hash, seeds).unwrap();
        }
        // Two kept: steps 3 and 2.
        let steps: Vec<u32> = list(dir.path()).iter().map(|(s, _)| *s).collect();
        assert_eq!(steps, vec![3, 2]);
        // Flip one bit of the newest: it is set aside and step 2 used, with a warning.
        let newest = dir.path().join(file_name(3));
        let mut bytes = fs::read(&newest).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 0x10;
        fs::write(&newest, &bytes).unwrap();
        let mut warnings = Vec::new();
        let (back, used) = resume(dir.path(), &scenario, seeds, |w| {
            warnings.push(w.to_string())
        })
        .unwrap()
        .unwrap();
        assert_eq!(back.steps_done(), 2);
        assert_eq!(used, dir.path().join(file_name(2)));
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("checksum"), "{}", warnings[0]);
        assert!(dir.path().join("checkpoint-000003.bin.damaged").exists());
        // Another seed, another scenario: refused.
        let other = resume(dir.path(), &scenario, Seeds::new(6), |_| {});
        assert!(matches!(other, Err(CheckpointError::Refused(_))));
        let mut changed = small();
        changed.town.residents = 301;
        let other = resume(dir.path(), &changed, seeds, |_| {});
        assert!(matches!(other, Err(CheckpointError::Refused(ref m)) if m.contains("scenario")));
        // Truncate the last one: nothing intact is left.
        let last = dir.path().join(file_name(2));
        let bytes = fs::read(&last).unwrap();
        fs::write(&last, &bytes[..bytes.len() - 7]).unwrap();
        let none = resume(dir.path(), &scenario, seeds, |_| {});
        assert!(matches!(none, Err(CheckpointError::Missing(_))));
    }

    /// Where the state starts in a checkpoint file: after the magic, format, header length
    /// and header.
    fn state_start(bytes: &[u8]) -> usize {
        let head_len = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
        16 + head_len
    }

    /// `bytes` with the byte at `at` set to `value` and the trailing SHA-256 recomputed, as a
    /// forger would.
    fn forged(bytes: &[u8], at: usize, value: u8) -> Vec<u8> {
        let mut out = bytes.to_vec();
        out[at] = value;
        let body = out.len() - 32;
        let sum = Sha256::digest(&out[..body]);
        out[body..].copy_from_slice(&sum);
        out
    }

    /// A world that restores from its own snapshot passes every check restore makes.
    fn passes_validation(
        sim: &Simulation,
        scenario: &Scenario,
        seeds: Seeds,
    ) -> Result<(), String> {
        let mut state = Vec::new();
        snapshot::write(sim, &mut state)?;
        snapshot::restore(scenario, seeds, &state).map(|_| ())
    }

    #[test]
    fn a_forged_checkpoint_is_refused_or_restores_a_valid_world_never_a_panic() {
        use crate::rng::{Purpose, RngExt};
        // Every kind of intervention still to come, and the largest choice sets, ties and
        // weeks the scenario allows, so that the state has every part a forger could edit.
        let scenario = Scenario::from_toml(
            "name = \"t\"\n[time]\nyears = 1\nwarmup_weeks = 4\n[town]\nresidents = 300\n\
             [residents]\nmax_ties = 16\n[outings]\nnearest_per_kind = 8\nmax_per_week = 14\n\
             [[events]]\nkind = \"close\"\nyear = 2010\nweek = 2\nvenue_kind = \"pub\"\ncount = 1\n\
             [[events]]\nkind = \"austerity\"\nyear = 2010\nyears = 1\ncut_per_year = 0.1\n\
             [[events]]\nkind = \"invest\"\nyear = 2010\nweek = 40\nvenue_kind = \"library\"\nward = \"Pithead\"\ncount = 1\n",
            "test",
        )
        .unwrap();
        let seeds = Seeds::new(3);
        let dir = tempfile::tempdir().unwrap();
        let mut sim = Simulation::new(&scenario, seeds);
        for _ in 0..20 {
            sim.step();
        }
        let (path, _) = save(dir.path(), &sim, &scenario.hash(), seeds).unwrap();
        let original = fs::read(&path).unwrap();
        let start = state_start(&original);
        let end = original.len() - 32;
        // The genuine file restores, and its world passes.
        let (back, _) = resume(dir.path(), &scenario, seeds, |_| {})
            .unwrap()
            .unwrap();
        passes_validation(&back, &scenario, seeds).unwrap();

        let mut rng = seeds.tick_stream(Purpose::Turnover, 1 << 40, 0);
        let (mut refused, mut restored) = (0, 0);
        for _ in 0..300 {
            let at = rng.random_range(start..end);
            let value = (original[at] as u32 + rng.random_range(1..256u32)) as u8;
            fs::write(&path, forged(&original, at, value)).unwrap();
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                match resume(dir.path(), &scenario, seeds, |w| panic!("warned: {w}")) {
                    Err(CheckpointError::Refused(m)) => {
                        assert!(m.contains(&path.display().to_string()), "{m}");
                        None
                    }
                    Err(e) => panic!("not refused: {e}"),
                    Ok(None) => panic!("no checkpoint found"),
                    Ok(Some((mut sim, _))) => {
                        passes_validation(&sim, &scenario, seeds).unwrap();
                        while sim.step() {}
                        Some(())
                    }
                }
            }));
            match outcome {
                Ok(None) => refused += 1,
                Ok(Some(())) => restored += 1,
                Err(_) => panic!("byte {at} of the file set to {value}: a panic (see above)"),
            }
            assert!(path.exists(), "a refused checkpoint is left where it is");
        }
        // Most single-byte edits of a small town's state land on numbers, where a new value
        // inside the model's ranges cannot be told from a real one.
        assert!(
            refused > 50 && restored > 50,
            "{refused} refused, {restored} restored"
        );
    }
}
