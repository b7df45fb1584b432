//! Running a sweep as a Slurm job array.
//!
//! `cohesion sweep SWEEP --out DIR --slurm` starts the sweep directory and writes
//! `DIR/sweep.sbatch`: an array of T tasks, each calling this same binary on the same sweep
//! and directory. Task `i` runs every run `k` with `k mod T = i` (the same interleaved shards as
//! `--shard i/T`), where T = ⌈runs / K⌉ for K runs per task. Because T comes from the sweep and
//! K, not from the array's size, a failed or cancelled task can be resubmitted alone
//! (`sbatch --array=17 DIR/sweep.sbatch`) and does exactly its share.

use super::plan::Plan;
use super::runner::{Shard, SweepError, io, write_atomic};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The sbatch file's name in the sweep directory, and the folder for the tasks' logs.
pub const SBATCH: &str = "sweep.sbatch";
pub const LOGS: &str = "logs";

/// Choices for the job array.
#[derive(Clone, Debug, Default)]
pub struct SlurmOptions {
    pub partition: Option<String>,
    pub time: Option<String>,
    pub mem: Option<String>,
    pub runs_per_task: Option<u64>,
    /// Threads (and CPUs asked for) per task.
    pub threads: usize,
    pub keep_series: bool,
    /// Each run checkpoints every this many weeks (`--checkpoint-every`).
    pub checkpoint_every: Option<u32>,
}

/// Seconds before the time limit at which Slurm is asked to send the task SIGTERM
/// (`--signal=B:TERM@SECONDS`): the runs in flight then finish their week, write checkpoints
/// and exit with status 75, and a resubmitted task goes on from there. Slurm may send it up
/// to a minute earlier than asked.
pub const SIGNAL_SECONDS: u32 = 45;

/// Runs per task when not given: as few tasks as keep the array under Slurm's usual limit of
/// 1,000 tasks.
pub fn runs_per_task(total: u64, given: Option<u64>) -> u64 {
    given.unwrap_or_else(|| total.div_ceil(1000)).max(1)
}

/// Tasks in the array.
pub fn tasks(total: u64, runs_per_task: u64) -> u64 {
    total.div_ceil(runs_per_task.max(1)).max(1)
}

/// The tasks of an array of `tasks` tasks that still have runs to do, given the numbers of the
/// runs not yet finished: task `i` runs every run `k` with `k mod tasks = i`. Sorted, each once.
pub fn tasks_with_runs(pending: impl IntoIterator<Item = u64>, tasks: u64) -> Vec<u64> {
    let t = tasks.max(1);
    let mut ids: Vec<u64> = pending.into_iter().map(|k| k % t).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Task ids as `sbatch --array=` takes them: runs of consecutive ids as ranges (`0-2,5`).
pub fn array_ids(ids: &[u64]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < ids.len() {
        let mut j = i;
        while j + 1 < ids.len() && ids[j + 1] == ids[j] + 1 {
            j += 1;
        }
        parts.push(if j > i {
            format!("{}-{}", ids[i], ids[j])
        } else {
            ids[i].to_string()
        });
        i = j + 1;
    }
    parts.join(",")
}

/// How to resubmit tasks of an array of `tasks` tasks written to `sbatch`, given the tasks that
/// still have runs to do (`unfinished`, as [`tasks_with_runs`] gives them): those tasks by id
/// when some have finished, otherwise the ids the array has (0 to `tasks` − 1) with an example
/// naming the last of them. Never a task the array does not have.
pub fn resubmit_hint(tasks: u64, unfinished: &[u64], sbatch: &str) -> String {
    let last = tasks.max(1) - 1;
    let unfinished: Vec<u64> = unfinished.iter().copied().filter(|&i| i <= last).collect();
    if unfinished.is_empty() {
        "every task has finished its runs\n".to_owned()
    } else if unfinished.len() as u64 == tasks.max(1) {
        format!(
            "resubmit a failed task alone by its id (0–{last}), for example:\n  \
             sbatch --array={last} {sbatch}\n"
        )
    } else {
        let ids = array_ids(&unfinished);
        format!(
            "tasks with runs still to do: {ids} (of 0–{last}); resubmit them alone with:\n  \
             sbatch --array={ids} {sbatch}\n"
        )
    }
}

/// The shard of this process when it is a task of a Slurm job array (`SLURM_ARRAY_TASK_ID`
/// set), or `None` when it is not. With `runs_per_task`, the shard count is ⌈runs / K⌉ and the
/// task id is the shard; otherwise the count is `SLURM_ARRAY_TASK_COUNT` and the shard is the
/// task id less `SLURM_ARRAY_TASK_MIN`.
pub fn shard_from_env(total: u64, runs_per_task: Option<u64>) -> Result<Option<Shard>, String> {
    let var = |name: &str| std::env::var(name).ok();
    let Some(id) = var("SLURM_ARRAY_TASK_ID") else {
        return Ok(None);
    };
    let number = |name: &str, text: &str| {
        text.trim()
            .parse::<u64>()
            .map_err(|_| format!("{name}=`{text}` is not a task number"))
    };
    let id = number("SLURM_ARRAY_TASK_ID", &id)?;
    let shard = match runs_per_task {
        Some(k) => Shard {
            index: id,
            count: tasks(total, k),
        },
        None => {
            let count = var("SLURM_ARRAY_TASK_COUNT")
                .ok_or("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not")?;
            let min = var("SLURM_ARRAY_TASK_MIN").unwrap_or_else(|| "0".into());
            let min = number("SLURM_ARRAY_TASK_MIN", &min)?;
            Shard {
                index: id.saturating_sub(min),
                count: number("SLURM_ARRAY_TASK_COUNT", &count)?,
            }
        }
    };
    if shard.count == 0 || shard.index >= shard.count {
        return Err(format!(
            "array task {id} is outside the sweep's {} tasks; submit with --array=0-{}",
            shard.count,
            shard.count.saturating_sub(1)
        ));
    }
    Ok(Some(shard))
}

/// Writes `DIR/sweep.sbatch` for `plan` and creates `DIR/logs`. `sweep` and `dir` should be
/// absolute, since tasks start wherever Slurm starts them. Returns the file and the task count.
pub fn write_sbatch(
    plan: &Plan,
    sweep: &Path,
    dir: &Path,
    binary: &Path,
    opts: &SlurmOptions,
) -> Result<(PathBuf, u64), SweepError> {
    for (flag, value) in [
        ("--partition", &opts.partition),
        ("--time", &opts.time),
        ("--mem", &opts.mem),
    ] {
        if let Some(v) = value
            && (v.is_empty()
                || !v
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.:,@+-".contains(c)))
        {
            return Err(SweepError::Refused(format!(
                "{flag} `{v}`: use letters, digits and _ . : , @ + - only"
            )));
        }
    }
    let total = plan.runs();
    let k = runs_per_task(total, opts.runs_per_task);
    let t = tasks(total, k);
    let logs = dir.join(LOGS);
    std::fs::create_dir_all(&logs).map_err(io(logs.display()))?;
    let q = |p: &Path| quote(&p.display().to_string());
    let mut s = String::new();
    s.push_str("#!/bin/bash\n");
    s.push_str(&format!(
        "# The cohesion sweep `{}` as a Slurm job array: {total} runs in {t} tasks of up to {k}.\n",
        plan.spec.name
    ));
    s.push_str(
        "# Task i runs every run k with k mod TASKS = i; finished runs are kept, so a task that\n\
         # failed, was cancelled or ran out of time can be resubmitted alone. A task warned of\n\
         # its time limit (or pre-empted) stops its runs with checkpoints and exits with\n\
         # status 75; resubmitted, it goes on from them. For example:\n",
    );
    s.push_str(&format!(
        "#   sbatch --array={} {}   (task ids run from 0 to {})\n\
         # When every task has finished: {} merge {}\n",
        t - 1,
        q(&dir.join(SBATCH)),
        t - 1,
        q(binary),
        q(dir)
    ));
    s.push_str(&format!(
        "#SBATCH --job-name=cohesion-{}\n",
        slurm_name(&plan.spec.name)
    ));
    s.push_str(&format!("#SBATCH --array=0-{}\n", t - 1));
    s.push_str(&format!(
        "#SBATCH --cpus-per-task={}\n",
        opts.threads.max(1)
    ));
    s.push_str(&format!(
        "#SBATCH --output={}\n",
        logs.join("task-%a.out").display()
    ));
    for (flag, value) in [
        ("partition", &opts.partition),
        ("time", &opts.time),
        ("mem", &opts.mem),
    ] {
        if let Some(v) = value {
            s.push_str(&format!("#SBATCH --{flag}={v}\n"));
        }
    }
    // The batch shell becomes cohesion (exec below), so B: delivers the warning to it.
    s.push_str(&format!("#SBATCH --signal=B:TERM@{SIGNAL_SECONDS}\n"));
    s.push_str("#SBATCH --requeue\n#SBATCH --open-mode=append\n");
    s.push_str("set -euo pipefail\n");
    s.push_str(&format!(
        "exec {} sweep {} --out {} --runs-per-task {k} --threads \"${{SLURM_CPUS_PER_TASK:-1}}\"{}{}\n",
        q(binary),
        q(sweep),
        q(dir),
        if opts.keep_series { " --keep-series" } else { "" },
        opts.checkpoint_every
            .map(|n| format!(" --checkpoint-every {n}"))
            .unwrap_or_default()
    ));
    let path = dir.join(SBATCH);
    write_atomic(&path, s.as_bytes())?;
    Ok((path, t))
}

/// Submits the job array with `sbatch --parsable`; returns the job id.
pub fn submit(sbatch: &Path) -> Result<String, SweepError> {
    let out = Command::new("sbatch")
        .arg("--parsable")
        .arg(sbatch)
        .output()
        .map_err(|e| {
            SweepError::Refused(format!(
                "cannot run sbatch ({e}); is Slurm installed here? The job file is {}",
                sbatch.display()
            ))
        })?;
    if !out.status.success() {
        return Err(SweepError::Io(format!(
            "sbatch refused {}: {}",
            sbatch.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Ok(id.split(';').next().unwrap_or("").to_string())
}

/// A word safe inside single quotes in bash.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn slurm_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_cover_the_runs() {
        assert_eq!(tasks(12, 3), 4);
        assert_eq!(tasks(13, 3), 5);
        assert_eq!(runs_per_task(5000, None), 5);
        assert_eq!(runs_per_task(12, None), 1);
        assert_eq!(quote("a'b"), r"'a'\''b'");
    }

    #[test]
    fn resubmit_hints_name_only_tasks_the_array_has() {
        assert_eq!(tasks_with_runs([0, 2, 3, 5, 8, 11], 3), [0, 2]);
        assert_eq!(array_ids(&[0, 1, 2, 5, 7, 8]), "0-2,5,7-8");
        let fresh = resubmit_hint(3, &[0, 1, 2], "s.sbatch");
        assert!(
            fresh.contains("(0–2)") && fresh.contains("--array=2 s.sbatch"),
            "{fresh}"
        );
        let some = resubmit_hint(3, &[0, 2], "s.sbatch");
        assert!(some.contains("--array=0,2 s.sbatch"), "{some}");
        assert!(!resubmit_hint(3, &[], "s").contains("--array"));
    }
}
