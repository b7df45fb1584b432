//! `cohesion sweep` and `cohesion merge`: parse, call the library, print.

use crate::{emit, fail};
use cohesion::output::{self, terminal};
use cohesion::sim;
use cohesion::sweep::runner::{self, Start};
use cohesion::sweep::slurm::{self, SlurmOptions};
use cohesion::sweep::{Shard, SweepError, merge};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct SweepArgs {
    /// The sweep file (TOML), e.g. scenarios/sweeps/austerity_devolution.toml.
    pub sweep: PathBuf,
    /// The sweep's directory (default: outputs/sweep-<name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads, each running one run at a time (default: all cores). Results do not
    /// depend on it.
    #[arg(long, value_parser = cohesion::limits::parse_threads)]
    pub threads: Option<usize>,
    /// Run only share I of N (0 ≤ I < N): every run k with k mod N = I.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Runs per Slurm array task (with --slurm, or inside a task: the task's share).
    #[arg(long, value_name = "K")]
    pub runs_per_task: Option<u64>,
    /// Also keep each run's weekly town series (DIR/series/).
    #[arg(long)]
    pub keep_series: bool,
    /// Discard a different sweep's runs in --out (or write into a folder that is not a
    /// sweep's, beside its files, if none has a name the sweep writes).
    #[arg(long)]
    pub force: bool,
    /// Write DIR/sweep.sbatch, a Slurm job array running the sweep, and print how to submit
    /// it.
    #[arg(long)]
    pub slurm: bool,
    /// With --slurm: the partition to ask for.
    #[arg(long, requires = "slurm")]
    pub partition: Option<String>,
    /// With --slurm: the time limit per task (Slurm's format, e.g. 1:00:00).
    #[arg(long, requires = "slurm")]
    pub time: Option<String>,
    /// With --slurm: the memory per task (e.g. 2G).
    #[arg(long, requires = "slurm")]
    pub mem: Option<String>,
    /// With --slurm: submit the job array with sbatch.
    #[arg(long, requires = "slurm")]
    pub submit: bool,
    /// Each run writes a checkpoint every N simulated weeks into DIR/checkpoints/, so that a
    /// run killed part-way goes on from there when the sweep is started again. SIGTERM or
    /// Ctrl-C always stops the runs in flight with a checkpoint (exit status 75).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub checkpoint_every: Option<u32>,
}

fn failed(e: &SweepError) -> ExitCode {
    fail(&e.to_string(), e.exit_code() as u8)
}

pub fn sweep(args: SweepArgs) -> ExitCode {
    let plan = match cohesion::sweep::load(&args.sweep) {
        Ok(p) => p,
        Err(e) => return failed(&e),
    };
    let dir = match &args.out {
        Some(dir) => dir.clone(),
        None => match default_dir(&plan.spec.name) {
            Some(dir) => dir,
            None => {
                return fail(
                    &format!(
                        "{}: the sweep's name cannot name a folder; give --out",
                        args.sweep.display()
                    ),
                    2,
                );
            }
        },
    };
    if let Err(e) = check_out(&args, &plan, &dir) {
        return fail(&e.to_string(), 2);
    }
    if args.runs_per_task == Some(0) {
        return fail("--runs-per-task must be at least 1", 2);
    }

    if args.slurm {
        if args.shard.is_some() {
            return fail(
                "--shard and --slurm do not go together: the array makes the shards",
                2,
            );
        }
        let opts = SlurmOptions {
            partition: args.partition.clone(),
            time: args.time.clone(),
            mem: args.mem.clone(),
            runs_per_task: args.runs_per_task,
            threads: args.threads.unwrap_or(1),
            keep_series: args.keep_series,
            checkpoint_every: args.checkpoint_every,
        };
        let start = match runner::prepare(&plan, &dir, args.force) {
            Ok(s) => s,
            Err(e) => return failed(&e),
        };
        let (sweep, dir, binary) = match (
            absolute(&args.sweep),
            absolute(&dir),
            std::env::current_exe(),
        ) {
            (Ok(s), Ok(d), Ok(b)) => (s, d, b),
            _ => {
                return fail(
                    "cannot resolve the absolute paths of the sweep, --out or this program",
                    1,
                );
            }
        };
        let (sbatch, tasks) = match slurm::write_sbatch(&plan, &sweep, &dir, &binary, &opts) {
            Ok(x) => x,
            Err(e) => return failed(&e),
        };
        let pending = runner::pending(&plan, &dir, Shard::ALL);
        let done = plan.runs() - pending.len() as u64;
        let unfinished = slurm::tasks_with_runs(pending.iter().map(|run| run.index), tasks);
        let mut text = format!(
            "{} sweep `{}`: {} runs ({} points × {} replicates), {done} finished\n\
             wrote {} ({tasks} tasks)\n",
            if start == Start::Resumed {
                "resumed"
            } else {
                "started"
            },
            plan.spec.name,
            plan.runs(),
            plan.points.len(),
            plan.spec.replicates,
            sbatch.display()
        );
        if args.submit {
            match slurm::submit(&sbatch) {
                Ok(id) => text.push_str(&format!("submitted job {id}\n")),
                Err(e) => return failed(&e),
            }
        } else {
            text.push_str(&format!("submit it with:\n  sbatch {}\n", sbatch.display()));
        }
        text.push_str(&slurm::resubmit_hint(
            tasks,
            &unfinished,
            &sbatch.display().to_string(),
        ));
        text.push_str(&format!(
            "when all have finished:\n  cohesion merge {}\n",
            dir.display()
        ));
        return emit(&text);
    }

    let total = plan.runs();
    let shard = match &args.shard {
        Some(text) => match Shard::parse(text) {
            Ok(s) => s,
            Err(m) => return fail(&m, 2),
        },
        None => match slurm::shard_from_env(total, args.runs_per_task) {
            Ok(Some(s)) => s,
            Ok(None) => Shard::ALL,
            Err(m) => return fail(&m, 2),
        },
    };
    let start = match runner::prepare(&plan, &dir, args.force) {
        Ok(s) => s,
        Err(e) => return failed(&e),
    };
    let stop = match cohesion::signals::StopFlag::on_signals() {
        Ok(flag) => flag,
        Err(e) => return fail(&format!("cannot set up signal handling: {e}"), 1),
    };
    let policy = cohesion::checkpoint::Policy {
        every: args.checkpoint_every,
        stop: Some(stop),
    };
    let todo = runner::pending(&plan, &dir, shard);
    let mine = (0..total).filter(|&k| shard.contains(k)).count();
    sim::init_threads(Some(1));
    let threads = cohesion::limits::threads_or_all(args.threads);
    let share = if shard == Shard::ALL {
        String::new()
    } else {
        format!(", shard {}/{}", shard.index, shard.count)
    };
    terminal::say(&format!(
        "cohesion: {} sweep `{}` in {}: {} runs ({} points × {} replicates){share}; {} to do \
         of {mine}, on {threads} threads",
        if start == Start::Resumed {
            "resuming"
        } else {
            "starting"
        },
        plan.spec.name,
        dir.display(),
        total,
        plan.points.len(),
        plan.spec.replicates,
        todo.len()
    ));
    let bar = super::progress::bar(
        todo.len() as u64,
        "runs",
        &format!("sweep {}", plan.spec.name),
    );
    let result = runner::execute(
        &plan,
        &dir,
        &todo,
        threads,
        args.keep_series,
        &policy,
        |done, n, label| match &bar {
            Some(bar) => bar.set_position(done as u64),
            None => terminal::say(&format!("cohesion: {done}/{n} runs done ({label})")),
        },
    );
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let executed = match result {
        Ok(x) => x,
        Err(SweepError::Stopped(_)) => {
            let left = runner::pending(&plan, &dir, Shard::ALL).len();
            terminal::say(&format!(
                "cohesion: stopped on request; {} of {total} runs of the sweep are finished, and \
                 the runs in flight wrote checkpoints in {}. Run the same command again (or \
                 resubmit the Slurm task) to go on",
                total - left as u64,
                dir.join(cohesion::checkpoint::sweep::CHECKPOINTS_DIR)
                    .display()
            ));
            return ExitCode::from(cohesion::checkpoint::EXIT_STOPPED);
        }
        Err(e) => return failed(&e),
    };
    let left = runner::pending(&plan, &dir, Shard::ALL).len();
    let mut text = format!(
        "ran {} runs in {:.1} s ({:.1} s of runs on {threads} threads); {} of {total} runs of \
         the sweep are finished\n",
        executed.runs,
        executed.wall_seconds,
        executed.run_seconds,
        total - left as u64
    );
    if left == 0 && shard == Shard::ALL {
        match merge::merge(&dir, false) {
            Ok(m) => text.push_str(&merged_text(&dir, &m)),
            Err(e) => return failed(&e),
        }
    } else if left == 0 {
        text.push_str(&format!(
            "all runs are finished; merge with: cohesion merge {}\n",
            dir.display()
        ));
    } else {
        text.push_str(&format!(
            "when every shard has finished: cohesion merge {}\n",
            dir.display()
        ));
    }
    emit(&text)
}

pub fn merge(dir: &Path, allow_partial: bool) -> ExitCode {
    match merge::merge(dir, allow_partial) {
        Ok(m) => {
            let mut text = String::new();
            if !m.missing.is_empty() || !m.problems.is_empty() {
                terminal::say(&format!(
                    "cohesion: merged a partial sweep: {} of {} runs missing{}",
                    m.missing.len(),
                    m.expected,
                    if m.problems.is_empty() {
                        String::new()
                    } else {
                        format!("; {}", m.problems.join("; "))
                    }
                ));
            }
            text.push_str(&merged_text(dir, &m));
            emit(&text)
        }
        Err(e) => failed(&e),
    }
}

fn merged_text(dir: &Path, m: &merge::Merged) -> String {
    let mut text = format!(
        "merged {} of {} runs into {} ({} files: results.csv, summary.csv{}, charts/)\n",
        m.runs,
        m.expected,
        dir.display(),
        m.files.len(),
        if m.files.iter().any(|f| f == "sensitivity.csv") {
            ", sensitivity.csv"
        } else if m.files.iter().any(|f| f == "oat.csv") {
            ", oat.csv, conclusions.csv"
        } else {
            ""
        }
    );
    for (conclusion, at_base, flips) in &m.flips {
        let verdict = match (at_base, flips.is_empty()) {
            (None, _) => "not measured at base (runs missing)".to_string(),
            (Some(true), true) => "holds at base and at every move".to_string(),
            (Some(false), true) => "does not hold at base, nor at any move".to_string(),
            (Some(h), false) => format!(
                "{} at base, and flips at {}",
                if *h { "holds" } else { "does not hold" },
                flips.join(", ")
            ),
        };
        text.push_str(&format!("{conclusion}: {verdict}\n"));
    }
    for (metric, ranks) in &m.ranking {
        let top: Vec<String> = ranks
            .iter()
            .take(4)
            .map(|(p, mu)| format!("{p} ({mu:.3})"))
            .collect();
        text.push_str(&format!("{metric}: largest μ* {}\n", top.join(", ")));
    }
    text
}

/// `outputs/sweep-NAME`, if the name makes one folder there (names are checked when the sweep
/// file is read; this is the last guard that the default stays under `outputs/`).
fn default_dir(name: &str) -> Option<PathBuf> {
    let leaf = PathBuf::from(format!("sweep-{name}"));
    let mut parts = leaf.components();
    match (parts.next(), parts.next()) {
        (Some(std::path::Component::Normal(_)), None) => Some(PathBuf::from("outputs").join(leaf)),
        _ => None,
    }
}

/// With `--force`, which removes a sweep's own files from `--out`, refuses a directory that
/// may never be replaced (`/`, the home directory, the current directory or a parent of it)
/// and one that holds the sweep file or its base scenario. A file where the directory should
/// be is refused in any case.
fn check_out(
    args: &SweepArgs,
    plan: &cohesion::sweep::Plan,
    dir: &Path,
) -> Result<(), output::OutputError> {
    if dir.exists() && !dir.is_dir() {
        return output::check_place(dir);
    }
    if !args.force {
        return Ok(());
    }
    output::check_place(dir)?;
    let folder = args.sweep.parent().unwrap_or(Path::new("."));
    let mut inputs = vec![args.sweep.clone()];
    let base = folder.join(&plan.spec.base);
    if Path::new(&plan.spec.base).is_relative() && base.exists() {
        inputs.push(base);
    } else if Path::new(&plan.spec.base).exists() {
        inputs.push(PathBuf::from(&plan.spec.base));
    }
    output::check_inputs(dir, &inputs)
}

fn absolute(p: &Path) -> std::io::Result<PathBuf> {
    if p.is_absolute() {
        Ok(p.to_path_buf())
    } else {
        Ok(std::env::current_dir()?.join(p))
    }
}
