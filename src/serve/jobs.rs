//! The server's runs: a table of jobs, one runner thread that works through them in order, and
//! the files each finished run wrote into a folder the server owns.
//!
//! A job is queued by `POST /api/run`, run by the runner (a single run through [`run_keeping`],
//! several replicates, or a fork and the run it was forked from, through [`compare`]; either
//! way the simulation itself uses every core),
//! and kept, with its files, until [`MAX_KEPT`] newer runs have finished. At most
//! [`MAX_ACTIVE`] jobs wait or run at once; more are refused with 429. Files are served only by
//! the names in the run's list of downloads, never by a path the client gives.
//!
//! Architecture invariant: the table's lock is never held while a simulation runs, and a run
//! that fails (or panics) marks its own job failed and leaves the server serving.

use super::http::Part;
use super::request::{ApiError, Prepared};
use super::result::{self, COMPARE_FILES, FORK_FILES, RUN_FILES};
use crate::compare::ComparePlan;
use crate::output::Target;
use crate::report::compare;
use crate::run::{RunRequest, run_keeping};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

/// The most jobs waiting or running at once.
pub const MAX_ACTIVE: usize = 3;
/// Finished jobs kept (with their files); older ones are removed.
pub const MAX_KEPT: usize = 24;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Queued,
    Running,
    Done,
    Failed,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Running => "running",
            Status::Done => "done",
            Status::Failed => "failed",
        }
    }
}

struct Job {
    id: u64,
    prepared: Prepared,
    status: Status,
    /// Share of the work done, 0 to 1.
    progress: f64,
    /// What the runner is doing, in words.
    stage: String,
    seconds: Option<f64>,
    /// The result as JSON text, kept once and written from this one copy to every client.
    result: Option<Arc<[u8]>>,
    error: Option<String>,
}

impl Job {
    fn dir(&self, root: &Path) -> PathBuf {
        root.join(format!("run-{}", self.id))
    }

    fn summary(&self) -> Value {
        json!({
            "id": self.id.to_string(),
            "status": self.status.name(),
            "progress": (self.progress * 1000.0).round() / 1000.0,
            "stage": self.stage,
            "label": self.prepared.label(),
            "changes": self.prepared.changes,
            "scenario": self.prepared.scenario.name,
            "base": self.prepared.base,
            "seed": self.prepared.seed,
            "replicates": self.prepared.replicates,
            "residents": self.prepared.scenario.town.residents,
            "command": self.prepared.command(),
            "fork_at": self.prepared.fork.as_ref().map(|f| f.at),
            "seconds": self.seconds,
            "error": self.error,
            "url": format!("/api/runs/{}", self.id),
        })
    }
}

#[derive(Default)]
struct Table {
    next_id: u64,
    jobs: VecDeque<Job>,
}

/// The job table, shared by the request handlers and the runner.
pub struct Jobs {
    table: Mutex<Table>,
    wake: Condvar,
    root: PathBuf,
    threads: usize,
}

impl Jobs {
    /// A table whose runs write below `root` (which exists), each run on `threads` threads.
    pub fn new(root: PathBuf, threads: usize) -> Jobs {
        Jobs {
            table: Mutex::new(Table {
                next_id: 1,
                jobs: VecDeque::new(),
            }),
            wake: Condvar::new(),
            root,
            threads,
        }
    }

    /// The table, even if a thread panicked while holding it (its data is still consistent:
    /// every update is a plain assignment).
    fn lock(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a run, or refuses it when [`MAX_ACTIVE`] are already waiting or running.
    pub fn submit(&self, prepared: Prepared) -> Result<Value, ApiError> {
        let mut t = self.lock();
        let active = t
            .jobs
            .iter()
            .filter(|j| matches!(j.status, Status::Queued | Status::Running))
            .count();
        if active >= MAX_ACTIVE {
            return Err(ApiError::new(
                429,
                format!(
                    "{active} runs are already waiting or running, the most this server takes; \
                     try again when one has finished"
                ),
            ));
        }
        let id = t.next_id;
        t.next_id += 1;
        let job = Job {
            id,
            prepared,
            status: Status::Queued,
            progress: 0.0,
            stage: "waiting for the runs before it".into(),
            seconds: None,
            result: None,
            error: None,
        };
        let summary = job.summary();
        t.jobs.push_back(job);
        drop(t);
        self.wake.notify_all();
        Ok(summary)
    }

    /// Every job kept, oldest first, without results.
    pub fn list(&self) -> Value {
        let t = self.lock();
        json!({ "runs": t.jobs.iter().map(Job::summary).collect::<Vec<_>>() })
    }

    /// One job as JSON text, in pieces: its summary, the request as sent and, when it has
    /// finished, its result (shared with the table, not copied).
    pub fn get(&self, id: &str) -> Option<Vec<Part>> {
        let t = self.lock();
        let job = t.jobs.iter().find(|j| j.id.to_string() == id)?;
        let mut v = job.summary();
        v["request"] = job.prepared.echo.clone();
        let mut head = serde_json::to_vec(&v).ok()?;
        let Some(result) = &job.result else {
            return Some(vec![Part::Owned(head)]);
        };
        // `{...}` becomes `{...,"result":RESULT}`.
        head.pop();
        head.extend_from_slice(b",\"result\":");
        Some(vec![
            Part::Owned(head),
            Part::Shared(Arc::clone(result)),
            Part::Owned(b"}".to_vec()),
        ])
    }

    /// A finished job's file by its download name: the path on disk, its content type and the
    /// name to save it under. `None` for anything not in the job's list of downloads.
    pub fn file(&self, id: &str, name: &str) -> Option<(PathBuf, &'static str, String)> {
        let t = self.lock();
        let job = t
            .jobs
            .iter()
            .find(|j| j.id.to_string() == id && j.status == Status::Done)?;
        let dir = job.dir(&self.root);
        let p = &job.prepared;
        let list = match (&p.fork, p.replicates) {
            (Some(_), _) => &FORK_FILES[..],
            (None, 1) => &RUN_FILES[..],
            (None, _) => &COMPARE_FILES[..],
        };
        let (download, relative) = list.iter().find(|(d, _)| d.name == name)?;
        let path = match (download.name, &p.fork) {
            // A comparison keeps its scenarios under scenarios/, named after each; a fork's
            // scenario file is the run it was forked from.
            ("scenario.toml", Some(f)) => {
                let both = [f.parent.clone(), p.scenario.clone()];
                dir.join(crate::report::scenario_files(&both).first()?)
            }
            ("scenario.toml", None) if p.replicates > 1 => {
                let files = crate::report::scenario_files(std::slice::from_ref(&p.scenario));
                dir.join(files.first()?)
            }
            _ => dir.join(relative),
        };
        let kind = match Path::new(name).extension().and_then(|e| e.to_str()) {
            Some("csv") => "text/csv; charset=utf-8",
            Some("toml") => "application/toml; charset=utf-8",
            Some("json") => "application/json; charset=utf-8",
            Some("html") => "text/html; charset=utf-8",
            Some("png") => "image/png",
            Some("svg") => "image/svg+xml",
            _ => "application/octet-stream",
        };
        path.is_file()
            .then(|| (path, kind, result::download_name(p, download.name)))
    }

    /// The runner: takes queued jobs in order, forever.
    pub fn run_forever(&self) {
        loop {
            let (id, prepared, dir) = {
                let mut t = self.lock();
                loop {
                    if let Some(job) = t.jobs.iter_mut().find(|j| j.status == Status::Queued) {
                        job.status = Status::Running;
                        job.stage = "starting".into();
                        break (job.id, job.prepared.clone(), job.dir(&self.root));
                    }
                    t = self.wake.wait(t).unwrap_or_else(|e| e.into_inner());
                }
            };
            let started = Instant::now();
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.execute(id, &prepared, &dir)
            }))
            .unwrap_or_else(|_| Err("the run stopped on an internal error".into()));
            let mut t = self.lock();
            if let Some(job) = t.jobs.iter_mut().find(|j| j.id == id) {
                job.seconds = Some((started.elapsed().as_secs_f64() * 100.0).round() / 100.0);
                match outcome {
                    Ok(result) => {
                        job.status = Status::Done;
                        job.progress = 1.0;
                        job.stage = "done".into();
                        job.result = Some(result);
                    }
                    Err(message) => {
                        job.status = Status::Failed;
                        job.stage = "failed".into();
                        job.error = Some(message);
                    }
                }
            }
            self.evict(&mut t);
        }
    }

    /// Removes the oldest finished jobs, and their files, beyond [`MAX_KEPT`].
    fn evict(&self, t: &mut Table) {
        let finished = |j: &Job| matches!(j.status, Status::Done | Status::Failed);
        while t.jobs.iter().filter(|j| finished(j)).count() > MAX_KEPT {
            let Some(i) = t.jobs.iter().position(finished) else {
                break;
            };
            if let Some(job) = t.jobs.remove(i) {
                let _ = std::fs::remove_dir_all(job.dir(&self.root));
            }
        }
    }

    fn set_progress(&self, id: u64, progress: f64, stage: String) {
        let mut t = self.lock();
        if let Some(job) = t.jobs.iter_mut().find(|j| j.id == id) {
            job.progress = progress.clamp(0.0, 1.0);
            job.stage = stage;
        }
    }

    /// Runs one job into `dir` and returns what the page shows of it.
    fn execute(&self, id: u64, p: &Prepared, dir: &Path) -> Result<Arc<[u8]>, String> {
        let result = self.simulate(id, p, dir)?;
        let text = serde_json::to_vec(&result).map_err(|e| e.to_string())?;
        Ok(text.into())
    }

    fn simulate(&self, id: u64, p: &Prepared, dir: &Path) -> Result<Value, String> {
        if p.replicates == 1 && p.fork.is_none() {
            let request = RunRequest {
                scenario: p.scenario.clone(),
                seed: p.seed,
                replicate: 0,
                target: Target::Dir(dir.to_path_buf()),
                force: false,
                summarise: Vec::new(),
                branch: None,
            };
            let mut last = 0.0;
            let finished = run_keeping(&request, self.threads, |sim| {
                let share = f64::from(sim.steps_done()) / f64::from(sim.total_steps().max(1));
                if share - last >= 0.01 {
                    last = share;
                    let clock = sim.clock();
                    let stage = if clock.warming_up() {
                        "settling the town before the first year".to_string()
                    } else {
                        format!("simulating {}", clock.year())
                    };
                    self.set_progress(id, share * 0.95, stage);
                }
            })
            .map_err(|e| e.to_string())?;
            Ok(result::single(
                p,
                &finished.output.observations,
                &finished.output.events,
                &finished.map,
            ))
        } else {
            // A fork runs the run it was forked from beside its branch, which shares that run's
            // past up to the fork.
            let (scenarios, branch_at) = match &p.fork {
                Some(f) => (vec![f.parent.clone(), p.scenario.clone()], Some(f.at)),
                None => (vec![p.scenario.clone()], None),
            };
            let plan = ComparePlan {
                scenarios,
                replicates: p.replicates,
                seed: p.seed,
                effects_years: Vec::new(),
                branch_at,
                contrasts: Vec::new(),
                posterior: None,
            };
            let runs = plan.runs();
            let what = if p.fork.is_some() { "run" } else { "replicate" };
            self.set_progress(id, 0.0, format!("{what} 1 of {runs}"));
            // One run at a time, each on every core.
            let summary = compare(
                &plan,
                &Target::Dir(dir.to_path_buf()),
                false,
                &p.command(),
                1,
                |done, total, _, _| {
                    let stage = if done < total {
                        format!("{what} {} of {total}", done + 1)
                    } else {
                        "writing the report".into()
                    };
                    self.set_progress(id, 0.9 * done as f64 / total as f64, stage);
                },
            )
            .map_err(|e| e.to_string())?;
            let Some(fork) = &p.fork else {
                return Ok(result::replicated(p, &summary.comparison));
            };
            std::fs::write(dir.join(FORK_CHANGES), &fork.changes_toml)
                .map_err(|e| format!("cannot write the fork's changes file: {e}"))?;
            Ok(result::forked(p, fork, &summary.comparison))
        }
    }
}

/// Where a fork's changes file is kept in its run's folder, beside the comparison.
pub const FORK_CHANGES: &str = "changes.toml";

/// Runs the runner on its own thread.
pub fn start_runner(jobs: Arc<Jobs>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || jobs.run_forever())
}
