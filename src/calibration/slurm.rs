//! Running a calibration as a Slurm job array.
//!
//! `cohesion calibrate FILE --out DIR --slurm --tasks T` starts the calibration's directory and
//! writes `DIR/calibrate.sbatch`: an array of T tasks, task `i` calling this same binary with
//! `--shard i/T`. The tasks run together: each runs its share of a generation, waits for the
//! others' share, and goes on to the next generation (ABC-SMC's generations follow one
//! another, so the array as a whole steps through them); shard 0 writes the results. As for
//! sweeps, Slurm is asked for SIGTERM before the time limit, the runs in flight then stop with
//! checkpoints and the task exits with status 75; a task resubmitted alone by its id, from 0 to
//! T−1 (`sbatch --array=I DIR/calibrate.sbatch`), goes on where it stopped, and the others,
//! which wait for its runs, go on with it.

use super::runner::{LOGS, SBATCH};
use crate::sweep::SweepError;
use crate::sweep::runner::write_atomic;
use crate::sweep::slurm::SIGNAL_SECONDS;
use std::path::{Path, PathBuf};

/// Choices for the job array.
#[derive(Clone, Debug, Default)]
pub struct SlurmOptions {
    pub tasks: u64,
    pub partition: Option<String>,
    pub time: Option<String>,
    pub mem: Option<String>,
    /// Threads (and CPUs asked for) per task.
    pub threads: usize,
}

/// How to resubmit one task of an array of `tasks` tasks written to `sbatch`: the ids the array
/// has (0 to `tasks` − 1) and an example naming the last of them, which exists for any count.
pub fn resubmit_hint(tasks: u64, sbatch: &str) -> String {
    let last = tasks.max(1) - 1;
    format!("by its id (0–{last}), for example:\n  sbatch --array={last} {sbatch}")
}

/// A word safe inside single quotes in bash.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Writes `DIR/calibrate.sbatch` and creates `DIR/logs`. `calibration` (a path, absolute, or a
/// built-in name) and `dir` should not depend on where Slurm starts the tasks.
pub fn write_sbatch(
    name: &str,
    calibration: &str,
    dir: &Path,
    binary: &Path,
    opts: &SlurmOptions,
) -> Result<PathBuf, SweepError> {
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
    let t = opts.tasks.max(1);
    let logs = dir.join(LOGS);
    std::fs::create_dir_all(&logs)
        .map_err(|e| SweepError::Io(format!("{}: {e}", logs.display())))?;
    let q = |p: &Path| quote(&p.display().to_string());
    let job: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut s = String::from("#!/bin/bash\n");
    s.push_str(&format!(
        "# The cohesion calibration `{name}` as a Slurm job array of {t} tasks. Task i runs the\n\
         # runs k of each generation with k mod {t} = i, waits for the other tasks' runs, and\n\
         # goes on to the next generation; task 0 writes the results. The tasks must run at the\n\
         # same time. A task that failed, was cancelled or ran out of time is resubmitted alone\n\
         # and goes on where it stopped, {}\n",
        resubmit_hint(t, &q(&dir.join(SBATCH))).replace('\n', "\n# ")
    ));
    s.push_str(&format!("#SBATCH --job-name=cohesion-calibrate-{job}\n"));
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
    s.push_str(&format!("#SBATCH --signal=B:TERM@{SIGNAL_SECONDS}\n"));
    s.push_str("#SBATCH --requeue\n#SBATCH --open-mode=append\n");
    s.push_str("set -euo pipefail\n");
    s.push_str(&format!(
        "exec {} calibrate {} --out {} --shard \"${{SLURM_ARRAY_TASK_ID}}/{t}\" --threads \"${{SLURM_CPUS_PER_TASK:-1}}\"\n",
        q(binary),
        quote(calibration),
        q(dir)
    ));
    let path = dir.join(SBATCH);
    write_atomic(&path, s.as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_array_passes_each_task_its_shard() {
        let dir = tempfile::tempdir().unwrap();
        let opts = SlurmOptions {
            tasks: 4,
            time: Some("1:00:00".into()),
            threads: 2,
            ..SlurmOptions::default()
        };
        let path = write_sbatch(
            "b",
            "/x/c.toml",
            dir.path(),
            Path::new("/bin/cohesion"),
            &opts,
        )
        .unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        assert!(text.contains("#SBATCH --array=0-3\n"), "{text}");
        assert!(
            text.contains("--shard \"${SLURM_ARRAY_TASK_ID}/4\""),
            "{text}"
        );
        assert!(text.contains("#SBATCH --time=1:00:00\n"));
        assert!(text.contains("#   sbatch --array=3 '"), "{text}");
        assert!(
            resubmit_hint(2, "c.sbatch")
                .ends_with("(0–1), for example:\n  sbatch --array=1 c.sbatch"),
            "a task that exists"
        );
        let bad = SlurmOptions {
            mem: Some("2G; rm".into()),
            ..opts
        };
        assert!(write_sbatch("b", "c", dir.path(), Path::new("/b"), &bad).is_err());
    }
}
