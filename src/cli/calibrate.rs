//! `cohesion calibrate`: parse, call the library, print.

use crate::{emit, fail};
use cohesion::calibration::report::Written;
use cohesion::calibration::runner::{self, Event, Options, Outcome, Start};
use cohesion::calibration::{Plan, slurm};
use cohesion::sim;
use cohesion::sweep::{Shard, SweepError};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct CalibrateArgs {
    /// The calibration file (TOML), or the name of a built-in calibration (`behaviour`).
    pub calibration: String,
    /// The calibration's directory (default: outputs/calibration-<name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads, each running one run at a time (default: all cores). Results do not
    /// depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Discard another calibration's files in --out (or write into a folder that is not a
    /// calibration's).
    #[arg(long)]
    pub force: bool,
    /// Run only share I of N (0 ≤ I < N) of each generation's runs, waiting for the other
    /// shards between generations; shard 0 writes the results.
    #[arg(long, value_name = "I/N", conflicts_with = "slurm")]
    pub shard: Option<String>,
    /// Write DIR/calibrate.sbatch, a Slurm job array of --tasks tasks that runs the
    /// calibration, and print how to submit it.
    #[arg(long)]
    pub slurm: bool,
    /// With --slurm: the number of array tasks, which run at the same time (default 4).
    #[arg(long, requires = "slurm", default_value_t = 4)]
    pub tasks: u64,
    /// With --slurm: the partition to ask for.
    #[arg(long, requires = "slurm")]
    pub partition: Option<String>,
    /// With --slurm: the time limit per task (Slurm's format, e.g. 4:00:00).
    #[arg(long, requires = "slurm")]
    pub time: Option<String>,
    /// With --slurm: the memory per task (e.g. 2G).
    #[arg(long, requires = "slurm")]
    pub mem: Option<String>,
    /// With --slurm: submit the job array with sbatch.
    #[arg(long, requires = "slurm")]
    pub submit: bool,
}

fn failed(e: &SweepError) -> ExitCode {
    fail(&e.to_string(), e.exit_code() as u8)
}

pub fn calibrate(args: CalibrateArgs) -> ExitCode {
    let started = Instant::now();
    let plan = match Plan::load(&args.calibration) {
        Ok(p) => p,
        Err(e) => return fail(&e.to_string(), 2),
    };
    if args.threads == Some(0) {
        return fail("--threads must be at least 1", 2);
    }
    let dir = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("outputs").join(format!("calibration-{}", plan.spec.name))
    });
    if args.slurm {
        return slurm_command(&args, &plan, &dir);
    }
    let shard = match &args.shard {
        Some(text) => match Shard::parse(text) {
            Ok(s) => s,
            Err(m) => return fail(&m, 2),
        },
        None => Shard::ALL,
    };
    let start = match runner::prepare(&plan, &dir, args.force) {
        Ok(s) => s,
        Err(e) => return failed(&e),
    };
    let stop = match cohesion::signals::StopFlag::on_signals() {
        Ok(flag) => flag,
        Err(e) => return fail(&format!("cannot set up signal handling: {e}"), 1),
    };
    sim::init_threads(Some(1));
    let threads = cohesion::limits::threads_or_all(args.threads);
    let m = &plan.spec.method;
    let share = if shard == Shard::ALL {
        String::new()
    } else {
        format!(", shard {}/{}", shard.index, shard.count)
    };
    eprintln!(
        "cohesion: {} calibration `{}` in {}: {} parameters, {} target points ({} held out); \
         {} particles, at most {} generations ({} runs) and {} predictive runs{share}, on \
         {threads} threads",
        if start == Start::Resumed {
            "resuming"
        } else {
            "starting"
        },
        plan.spec.name,
        dir.display(),
        plan.space.dim(),
        plan.points.len(),
        plan.points.iter().filter(|p| p.held_out).count(),
        m.particles,
        m.generations,
        m.particles as u64 + u64::from(m.generations - 1) * plan.settings.runs_in(1) as u64,
        m.predictive,
    );
    let progress = |event: Event<'_>| match event {
        Event::Batch(g, mine, all) => {
            let what = g.map_or("predictive runs".to_string(), |g| format!("generation {g}"));
            eprintln!("cohesion: {what}: {mine} of {all} runs to do here");
        }
        Event::Run(done, of) => {
            if done == of || done % 20 == 0 {
                eprintln!("cohesion:   {done}/{of} runs done");
            }
        }
        Event::Generation(g) => eprintln!(
            "cohesion: generation {} done: tolerance {:.3}, acceptance {:.2}, effective sample \
             size {:.0}, {} runs so far",
            g.generation, g.tolerance, g.acceptance_rate, g.ess, g.runs_total
        ),
        Event::Waiting(n) => eprintln!("cohesion: waiting for {n} runs of other shards"),
    };
    let opts = Options {
        shard,
        threads,
        policy: cohesion::checkpoint::Policy {
            every: None,
            stop: Some(stop),
        },
        progress: &progress,
    };
    match runner::calibrate(&plan, &dir, &opts) {
        Ok(Outcome::Finished(w)) => emit(&finished_text(&dir, &w, started)),
        Ok(Outcome::ShareDone) => emit(&format!(
            "shard {}/{} done; shard 0 writes the results into {}\n",
            shard.index,
            shard.count,
            dir.display()
        )),
        Err(SweepError::Stopped(_)) => {
            eprintln!(
                "cohesion: stopped on request; the runs in flight wrote checkpoints in {}. Run \
                 the same command again to go on",
                dir.join(cohesion::checkpoint::sweep::CHECKPOINTS_DIR)
                    .display()
            );
            ExitCode::from(cohesion::checkpoint::EXIT_STOPPED)
        }
        Err(e) => failed(&e),
    }
}

fn finished_text(dir: &Path, w: &Written, started: Instant) -> String {
    let mut text = format!(
        "wrote {} ({} files) in {:.1} s: {} generations, {} runs; stopped because {}; final \
         tolerance {:.3}\n",
        dir.display(),
        w.files.len(),
        started.elapsed().as_secs_f64(),
        w.generations,
        w.runs,
        w.stop,
        w.final_tolerance
    );
    text.push_str("posterior (mean, 95% interval, shrinkage against the prior):\n");
    for p in &w.parameters {
        text.push_str(&format!(
            "  {:<42} {:>10.4} [{:.4}, {:.4}]  shrinkage {:.2}\n",
            p.param, p.mean, p.q025, p.q975, p.shrinkage
        ));
    }
    let share = |c: &cohesion::calibration::report::Coverage| match c.share {
        Some(s) => format!("{}/{} ({:.0}%)", c.covered, c.points, 100.0 * s),
        None => "no points".into(),
    };
    text.push_str(&format!(
        "held-out coverage by the 95% predictive band: {}; fitted points: {}\n",
        share(&w.held_out),
        share(&w.fitted)
    ));
    text
}

fn slurm_command(args: &CalibrateArgs, plan: &Plan, dir: &Path) -> ExitCode {
    if args.tasks == 0 {
        return fail("--tasks must be at least 1", 2);
    }
    let start = match runner::prepare(plan, dir, args.force) {
        Ok(s) => s,
        Err(e) => return failed(&e),
    };
    let calibration = if Path::new(&args.calibration).exists() {
        match absolute(Path::new(&args.calibration)) {
            Ok(p) => p.display().to_string(),
            Err(e) => return fail(&format!("cannot resolve {}: {e}", args.calibration), 1),
        }
    } else {
        args.calibration.clone()
    };
    let (dir, binary) = match (absolute(dir), std::env::current_exe()) {
        (Ok(d), Ok(b)) => (d, b),
        _ => {
            return fail(
                "cannot resolve the absolute paths of --out or this program",
                1,
            );
        }
    };
    let opts = slurm::SlurmOptions {
        tasks: args.tasks,
        partition: args.partition.clone(),
        time: args.time.clone(),
        mem: args.mem.clone(),
        threads: args.threads.unwrap_or(1),
    };
    let sbatch = match slurm::write_sbatch(&plan.spec.name, &calibration, &dir, &binary, &opts) {
        Ok(p) => p,
        Err(e) => return failed(&e),
    };
    let mut text = format!(
        "{} calibration `{}` in {}\nwrote {} ({} tasks, which run at the same time)\n",
        if start == Start::Resumed {
            "resumed"
        } else {
            "started"
        },
        plan.spec.name,
        dir.display(),
        sbatch.display(),
        args.tasks
    );
    if args.submit {
        match cohesion::sweep::slurm::submit(&sbatch) {
            Ok(id) => text.push_str(&format!("submitted job {id}\n")),
            Err(e) => return failed(&e),
        }
    } else {
        text.push_str(&format!("submit it with:\n  sbatch {}\n", sbatch.display()));
    }
    text.push_str(&format!(
        "a task that failed or ran out of time goes on when resubmitted alone {}\n",
        slurm::resubmit_hint(args.tasks, &sbatch.display().to_string())
    ));
    emit(&text)
}

fn absolute(p: &Path) -> std::io::Result<PathBuf> {
    if p.is_absolute() {
        Ok(p.to_path_buf())
    } else {
        Ok(std::env::current_dir()?.join(p))
    }
}
