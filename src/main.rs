//! The `cohesion` command line: parse, call the library, print.

use clap::{Parser, Subcommand};
use cohesion::compare::{ComparePlan, PosteriorDraws};
use cohesion::output::terminal;
use cohesion::output::{self as output, Target};
use cohesion::report::compare;
use cohesion::run::RunRequest;
use cohesion::scenario::{BUILTINS, params};
use cohesion::{Scenario, sim};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The `sweep`, `merge`, `calibrate` and `branch` commands.
mod cli {
    pub mod branch;
    pub mod calibrate;
    pub mod drive;
    pub mod progress;
    pub mod sweep;
}

use cli::branch as branch_command;
use cli::calibrate as calibrate_command;
use cli::sweep as sweep_command;

/// The scenario `run` runs when none is named, and the default seed.
const DEFAULT_SCENARIO: &str = "baseline";
const DEFAULT_SEED: u64 = 42;
const DEFAULT_OUTPUTS: &str = "outputs";
/// The default job: the teaching comparison, into `outputs/`.
const TEACHING: [&str; 4] = [
    "baseline",
    "austerity_2010",
    "social_infrastructure",
    "devolution_big_bang",
];
const TEACHING_REPLICATES: u32 = 4;
/// The teaching comparison draws each replicate's behavioural parameters from the built-in
/// posterior fitted to the survey series (`cohesion calibrate behaviour`).
const TEACHING_POSTERIOR: &str = "behaviour";
/// The teaching comparison also reports effects at the end of the decade of cuts.
const TEACHING_EFFECTS_YEARS: [i32; 1] = [2019];
/// The teaching comparison's named contrast: the README's headline, new social infrastructure
/// against the cuts alone.
const TEACHING_CONTRASTS: [&str; 1] = ["social_infrastructure:austerity_2010"];
/// The port `serve` listens on when not given.
const DEFAULT_PORT: u16 = 8765;
/// Replicates of `compare` when not given.
const DEFAULT_REPLICATES: u32 = 8;

#[derive(Parser)]
#[command(
    name = "cohesion",
    version,
    about = "Civic cohesion in a former English coal-mining town: a reproducible agent-based model",
    long_about = "Simulates trust, belonging and agency among the residents of a former pit town, \
                  week by week, as its pubs, library, halls and council change.\n\n\
                  With no command, runs the teaching comparison (baseline, austerity_2010, \
                  social_infrastructure, devolution_big_bang; 4 replicates each, seed 42, each \
                  replicate's behavioural parameters drawn from the built-in posterior \
                  `behaviour`; social_infrastructure also against austerity_2010) into outputs/ \
                  and writes outputs/report.html."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and write tidy data, a manifest and charts.
    Run {
        /// A scenario file (TOML) or the name of a built-in scenario.
        #[arg(default_value = DEFAULT_SCENARIO)]
        scenario: String,
        /// Master seed: the same scenario and seed give the same bytes.
        #[arg(long, default_value_t = DEFAULT_SEED)]
        seed: u64,
        /// Which replicate of the seed to run: replicate r of a comparison with this seed.
        #[arg(long, default_value_t = 0)]
        replicate: u32,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long, value_parser = cohesion::limits::parse_threads)]
        threads: Option<usize>,
        /// Output directory (default: outputs/<scenario>-seed<N>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace an existing output directory.
        #[arg(long)]
        force: bool,
        /// Also write summary.csv: this run's metrics summarised as the sweep file SWEEP
        /// summarises its runs (to check a sweep's run: `cohesion run DIR/points/pNNNN.toml
        /// --seed SEED --summarise DIR/sweep.toml`).
        #[arg(long, value_name = "SWEEP")]
        summarise: Option<PathBuf>,
        /// Write a checkpoint every N simulated weeks (warm-up included) into OUT.partial/, so
        /// that a run killed part-way can go on with --resume. SIGTERM or Ctrl-C always stops
        /// a run with a checkpoint (exit status 75).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        checkpoint_every: Option<u32>,
        /// Continue an interrupted run from its newest intact checkpoint. DIR is the run's
        /// --out (or its DIR.partial); the scenario, seed and options come from there.
        #[arg(long, value_name = "DIR", conflicts_with_all = ["scenario", "seed", "replicate", "out", "force", "summarise", "set"])]
        resume: Option<PathBuf>,
        /// Change a parameter by name before running, checked as a sweep's [set] is
        /// (repeatable): --set council.openness=0.6 --set events.austerity.cut_per_year=0.03.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Print one line of JSON on stdout when done: the headline metrics' means over the
        /// final year, with the scenario, seed and output directory.
        #[arg(long)]
        json: bool,
    },
    /// Continue a finished run from the start of a year under changed levers: "pause in
    /// 2015, pull a lever".
    ///
    /// The branch is the parent run up to the end of YEAR-1, byte for byte (its metrics.csv
    /// and events.csv rows before YEAR are the parent's), and from the first week of YEAR runs
    /// the parent's scenario with the changes in CHANGES.toml: keys given there replace the
    /// parent's, [[events]] given there (in YEAR or later) are added to the parent's, and the
    /// parent's own interventions still to come happen as planned. [town] and [time] cannot
    /// change. The seed and replicate are the parent's; the manifest records the parent, the
    /// year and the changes. RUN_DIR may itself be a branch.
    ///
    /// Example: `cohesion run austerity_2010 --out runs/cuts`, then `cohesion branch runs/cuts
    /// --at 2015 --scenario library.toml --out runs/library`.
    Branch(branch_command::BranchArgs),
    /// Run a parameter sweep: every point × replicate of a sweep file, resumable.
    ///
    /// Rerunning the same command finishes an interrupted sweep (finished runs are kept).
    /// `--shard I/N` runs one interleaved share; inside a Slurm array task the share comes
    /// from SLURM_ARRAY_TASK_ID. `--slurm` writes DIR/sweep.sbatch instead of running.
    /// A sweep that ran whole here is merged at the end (see `cohesion merge`).
    Sweep(sweep_command::SweepArgs),
    /// Fit parameters to published series (data/targets) by ABC-SMC, resumably.
    ///
    /// Writes posterior.csv (weighted parameter sets), predictive.csv, calibration.json and
    /// charts into --out. Rerunning the same command goes on after an interruption;
    /// `--shard I/N` runs one share of each generation, and `--slurm` writes a job array.
    Calibrate(calibrate_command::CalibrateArgs),
    /// Merge a sweep's runs: results.csv, summary.csv, charts, and sensitivity.csv for a
    /// Morris design.
    Merge {
        /// The sweep's directory.
        dir: PathBuf,
        /// Merge what is there even if runs are missing or duplicated.
        #[arg(long)]
        allow_partial: bool,
    },
    /// Run several scenarios, each replicated, and write summaries, effects, charts and a
    /// report.
    ///
    /// Replicate r of every scenario uses the random streams keyed by (seed, r), so replicate
    /// r of each scenario starts from the same town; effects on headline metrics are paired
    /// differences from the first scenario, with 95% intervals.
    ///
    /// With --branch-at YEAR the first argument is a scenario and the rest are changes files
    /// (as `cohesion branch` reads them): each is a branch of the first from the start of
    /// YEAR, sharing its past replicate by replicate: `cohesion compare austerity_2010
    /// library.toml hub.toml --branch-at 2015`.
    Compare {
        /// Scenario files (TOML) or built-in names; the first is the reference. With
        /// --branch-at, the first is a scenario and the rest are changes files.
        #[arg(required = true)]
        scenarios: Vec<String>,
        /// Compare futures from a shared past: the scenarios after the first are changes files,
        /// each a branch of the first from the start of this year.
        #[arg(long, value_name = "YEAR")]
        branch_at: Option<i32>,
        /// Replicates per scenario.
        #[arg(long, default_value_t = DEFAULT_REPLICATES)]
        replicates: u32,
        /// Master seed.
        #[arg(long, default_value_t = DEFAULT_SEED)]
        seed: u64,
        /// Worker threads, each running one run at a time (default: all cores). Results do not
        /// depend on it.
        #[arg(long, value_parser = cohesion::limits::parse_threads)]
        threads: Option<usize>,
        /// Output directory (default: outputs/compare-<scenarios>-seed<N>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace an existing output directory.
        #[arg(long)]
        force: bool,
        /// Also report effects at this year (repeatable, or comma-separated); the final year
        /// is always reported.
        #[arg(long = "effects-year", value_delimiter = ',')]
        effects_years: Vec<i32>,
        /// Also report scenario A against scenario B, paired replicate by replicate, in
        /// effects.csv (rows with reference B) and the report (repeatable): --contrast
        /// social_infrastructure:austerity_2010.
        #[arg(long = "contrast", value_name = "A:B")]
        contrasts: Vec<String>,
        /// Change a parameter by name in every scenario, checked as a sweep's [set] is
        /// (repeatable): --set council.openness=0.6.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Draw each replicate's parameters from a posterior.csv (as `cohesion calibrate`
        /// writes it) or a built-in posterior by name (`behaviour`), the same draw for every
        /// scenario, so effects' intervals include parameter uncertainty. The posterior's
        /// values win over the scenarios' own.
        #[arg(long, value_name = "FILE|NAME")]
        posterior: Option<PathBuf>,
        /// Draws from --posterior: one per replicate, so it must equal --replicates (the
        /// default).
        #[arg(long, value_name = "N", requires = "posterior")]
        draws: Option<u32>,
        /// Print one line of JSON on stdout when done: each scenario's headline means over the
        /// final year and its effects against the first, with 95% intervals.
        #[arg(long)]
        json: bool,
    },
    /// Validate a scenario and print it fully resolved, every default filled in.
    Check {
        /// A scenario file (TOML) or the name of a built-in scenario.
        scenario: String,
    },
    /// List the built-in scenarios.
    Scenarios,
    /// Run one classic model (deffuant, hk, schelling, granovetter, axelrod); print a JSON line.
    Classic {
        /// MODEL [--PARAM VALUE ...] [--seed S] [--steps K] [--threads N]
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        args: Vec<String>,
    },
    /// Check the classic models against their published results; write a table and figures.
    Validate {
        /// Fewer replicates and smaller sizes (for CI).
        #[arg(long)]
        quick: bool,
        /// Output directory (default: outputs/validation).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace an existing output directory.
        #[arg(long)]
        force: bool,
    },
    /// Seminar mode: a local web page to pull the policy levers and watch the town respond.
    ///
    /// Serves one page and a JSON API (see the README) until stopped with Ctrl-C. Prints the
    /// address it listens on as its first line. Listens on the loopback interface unless
    /// --bind says otherwise.
    Serve {
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = DEFAULT_PORT)]
        port: u16,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the page in the default browser.
        #[arg(long)]
        open: bool,
        /// Worker threads for each run (default: all cores). Results do not depend on it.
        #[arg(long, value_parser = cohesion::limits::parse_threads)]
        threads: Option<usize>,
        /// Seconds a client has to send its whole request before it is answered 408 and
        /// closed (1 to 600).
        #[arg(long, value_name = "SECONDS", default_value_t = cohesion::serve::http::REQUEST_SECONDS,
              value_parser = clap::value_parser!(u64).range(1..=600))]
        request_seconds: u64,
    },
    /// List every parameter with its unit, allowed range and default.
    Params {
        /// Print a Markdown table with meanings and sources (as in docs/ODD.md).
        #[arg(long)]
        markdown: bool,
    },
    /// List every metric a run records: name, meaning, unit, what it covers, headline or not.
    Metrics {
        /// Print a Markdown table (as in the README and docs/ODD.md).
        #[arg(long)]
        markdown: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => compare_command(CompareArgs {
            names: TEACHING.iter().map(|s| s.to_string()).collect(),
            replicates: TEACHING_REPLICATES,
            seed: DEFAULT_SEED,
            threads: None,
            target: Target::DefaultOutputs(PathBuf::from(DEFAULT_OUTPUTS)),
            force: false,
            effects_years: TEACHING_EFFECTS_YEARS.to_vec(),
            branch_at: None,
            contrasts: TEACHING_CONTRASTS.iter().map(|c| c.to_string()).collect(),
            set: Vec::new(),
            posterior: Some(PathBuf::from(TEACHING_POSTERIOR)),
            draws: None,
            json: false,
        }),
        Some(Command::Compare {
            scenarios,
            branch_at,
            replicates,
            seed,
            threads,
            out,
            force,
            effects_years,
            contrasts,
            set,
            posterior,
            draws,
            json,
        }) => {
            let target = Target::Dir(out.unwrap_or_else(|| {
                let stems: Vec<String> = scenarios
                    .iter()
                    .map(|s| {
                        PathBuf::from(s)
                            .file_stem()
                            .map(|s| s.to_string_lossy().into_owned())
                            .unwrap_or_else(|| "scenario".into())
                    })
                    .collect();
                PathBuf::from(DEFAULT_OUTPUTS)
                    .join(format!("compare-{}-seed{seed}", stems.join("+")))
            }));
            compare_command(CompareArgs {
                names: scenarios,
                replicates,
                seed,
                threads,
                target,
                force,
                effects_years,
                branch_at,
                contrasts,
                set,
                posterior,
                draws,
                json,
            })
        }
        Some(Command::Run {
            scenario,
            seed,
            replicate,
            threads,
            out,
            force,
            summarise,
            checkpoint_every,
            resume,
            set,
            json,
        }) => {
            if let Some(dir) = resume {
                return match cohesion::run::find(&dir) {
                    Ok(r) => run_request(
                        r.request,
                        threads,
                        checkpoint_every.or(r.checkpoint_every),
                        true,
                        json,
                    ),
                    Err(e) => fail(&e.to_string(), e.exit_code() as u8),
                };
            }
            let target = match out {
                Some(dir) => Target::Dir(dir),
                None => {
                    let stem = PathBuf::from(&scenario)
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_else(|| "run".into());
                    Target::Dir(PathBuf::from(DEFAULT_OUTPUTS).join(format!("{stem}-seed{seed}")))
                }
            };
            run_command(
                &scenario,
                seed,
                replicate,
                threads,
                target,
                force,
                summarise.as_deref(),
                checkpoint_every,
                &set,
                json,
            )
        }
        Some(Command::Branch(args)) => ExitCode::from(branch_command::branch(args)),
        Some(Command::Sweep(args)) => sweep_command::sweep(args),
        Some(Command::Calibrate(args)) => calibrate_command::calibrate(args),
        Some(Command::Merge { dir, allow_partial }) => sweep_command::merge(&dir, allow_partial),
        Some(Command::Check { scenario }) => match Scenario::load(&scenario) {
            Ok(s) => emit(&format!(
                "# {scenario}: valid. Fully resolved, every default filled in:\n{}",
                s.to_toml()
            )),
            Err(e) => fail(&e.to_string(), 2),
        },
        Some(Command::Scenarios) => {
            let mut text = String::new();
            for b in BUILTINS {
                text.push_str(&format!("{:<24} {}\n", b.name, b.summary));
            }
            emit(&text)
        }
        Some(Command::Classic { args }) => match cohesion::classic::cli_line(&args) {
            Ok(line) => emit(&line),
            Err(e) => fail(&e.to_string(), 2),
        },
        Some(Command::Validate { quick, out, force }) => {
            let (text, code) = cohesion::classic::validate::cli(quick, out, force);
            let _ = emit(&text);
            ExitCode::from(code)
        }
        Some(Command::Serve {
            port,
            bind,
            open,
            threads,
            request_seconds,
        }) => {
            let threads = sim::init_threads(threads);
            let options = cohesion::serve::ServeOptions {
                bind,
                port,
                open,
                threads,
                request_seconds,
            };
            match cohesion::serve::serve(&options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e.to_string(), 1),
            }
        }
        Some(Command::Params { markdown: true }) => emit(&params::markdown_table()),
        Some(Command::Params { markdown: false }) => emit(&params::plain_table()),
        Some(Command::Metrics { markdown: true }) => emit(&cohesion::metrics::markdown_table()),
        Some(Command::Metrics { markdown: false }) => emit(&cohesion::metrics::plain_table()),
    }
}

/// Writes `text` to stdout. A reader that stops early (`| head`) is not an error.
fn emit(text: &str) -> ExitCode {
    match terminal::print(text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(
            &format!(
                "cannot write to standard output: {}",
                output::io_message(&e)
            ),
            1,
        ),
    }
}

/// Says `error: MESSAGE` on stderr (sanitised, never fatal) and gives the exit status.
fn fail(message: &str, code: u8) -> ExitCode {
    terminal::say(&format!("error: {message}"));
    ExitCode::from(code)
}

/// Checks, before anything is read or run, that results may go to `target`: the place itself
/// (see `output::check_target`), and that it holds none of the command's `inputs`.
fn check_out(
    target: &Target,
    force: bool,
    entries: &[&str],
    inputs: &[PathBuf],
) -> Result<(), output::OutputError> {
    if let Target::Dir(dir) = target {
        output::check_place(dir)?;
        output::check_inputs(dir, inputs)?;
    }
    output::check_target(target, force, entries)
}

/// 2 for an output directory that is not ours to use, 1 for one that cannot be written.
fn output_exit_code(e: &output::OutputError) -> u8 {
    match e {
        output::OutputError::Refused(_) => 2,
        output::OutputError::Io(..) => 1,
    }
}

/// The scenario arguments that name files (the rest name built-ins), as `Scenario::load`
/// decides.
fn input_files(names: &[&str]) -> Vec<PathBuf> {
    names
        .iter()
        .map(PathBuf::from)
        .filter(|p| p.exists())
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn run_command(
    name: &str,
    seed: u64,
    replicate: u32,
    threads: Option<usize>,
    target: Target,
    force: bool,
    summarise: Option<&std::path::Path>,
    checkpoint_every: Option<u32>,
    set: &[String],
    json: bool,
) -> ExitCode {
    let inputs: Vec<PathBuf> = input_files(&[name])
        .into_iter()
        .chain(summarise.map(std::path::Path::to_path_buf))
        .collect();
    if let Err(e) = check_out(&target, force, &output::RUN_ENTRIES, &inputs) {
        return fail(&e.to_string(), output_exit_code(&e));
    }
    let scenario = match Scenario::load(name) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string(), 2),
    };
    let scenario = match cli::drive::apply(scenario, set) {
        Ok(s) => s,
        Err(m) => return fail(&m, 2),
    };
    let summarise = match summarise.map(cohesion::sweep::SweepSpec::load) {
        None => Vec::new(),
        Some(Err(e)) => return fail(&e.to_string(), 2),
        Some(Ok((spec, _))) => {
            let (first, last) = (
                scenario.time.start_year,
                scenario.time.start_year + scenario.time.years as i32 - 1,
            );
            for m in &spec.metrics {
                let (a, b) = m.window(first, scenario.time.years);
                if a < first || b > last {
                    return fail(
                        &format!(
                            "--summarise: {} is outside the years {first}–{last} of {name}",
                            m.column()
                        ),
                        2,
                    );
                }
            }
            spec.metrics
        }
    };
    let request = RunRequest {
        scenario,
        seed,
        replicate,
        target,
        force,
        summarise,
        branch: None,
    };
    run_request(request, threads, checkpoint_every, false, json)
}

/// Runs `request` (continuing from its checkpoints with `resume`), stopping cleanly with a
/// checkpoint on SIGTERM or SIGINT.
fn run_request(
    request: RunRequest,
    threads: Option<usize>,
    checkpoint_every: Option<u32>,
    resume: bool,
    json: bool,
) -> ExitCode {
    let (scenario, replicate) = (request.scenario.clone(), request.replicate);
    let stop = match cohesion::signals::StopFlag::on_signals() {
        Ok(flag) => flag,
        Err(e) => return fail(&format!("cannot set up signal handling: {e}"), 1),
    };
    let policy = cohesion::checkpoint::Policy {
        every: checkpoint_every,
        stop: Some(stop),
    };
    if let Err(e) = output::check_target(&request.target, request.force, &output::RUN_ENTRIES) {
        return fail(&e.to_string(), output_exit_code(&e));
    }
    let seed = request.seed;
    let threads = sim::init_threads(threads);
    let s = &request.scenario;
    let total = u64::from(s.time.warmup_weeks + s.ticks());
    let bar = cli::progress::bar(total, "weeks", &format!("{} seed {seed}", s.name));
    if bar.is_none() {
        terminal::say(&format!(
            "cohesion: running {} (seed {seed}, {} residents, {} year{}, {threads} thread{})",
            s.name,
            s.town.residents,
            s.time.years,
            if s.time.years == 1 { "" } else { "s" },
            if threads == 1 { "" } else { "s" }
        ));
    }
    let note = |text: &str| match &bar {
        Some(bar) => bar.println(terminal::sanitise(&format!("cohesion: {text}"))),
        None => terminal::say(&format!("cohesion: {text}")),
    };
    let result = cohesion::run::run_resumable(
        &request,
        threads,
        &policy,
        resume,
        |sim| {
            if let Some(bar) = &bar {
                bar.set_position(u64::from(sim.steps_done()));
            } else {
                let clock = sim.clock();
                if !clock.warming_up() && clock.week() == cohesion::scenario::WEEKS_PER_YEAR {
                    let obs = sim.observations();
                    let last = |m: &str| {
                        obs.0
                            .iter()
                            .rev()
                            .find(|o| o.ward.is_none() && o.metric == m)
                            .map_or(f64::NAN, |o| o.value)
                    };
                    terminal::say(&format!(
                        "cohesion: {} done: trust {:.3}, belonging {:.3}, agency {:.3}, pubs open {}",
                        clock.year(),
                        last("trust"),
                        last("belonging"),
                        last("agency"),
                        last("pubs_open")
                    ));
                }
            }
        },
        note,
    );
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(summary) if json => {
            match cli::drive::run_line(&summary.dir, &scenario, seed, replicate) {
                Ok(line) => emit(&line),
                Err(m) => fail(&m, 1),
            }
        }
        Ok(summary) => {
            let t = &summary.timings;
            let parts: Vec<String> = summary
                .last_year
                .iter()
                .map(|(m, v)| format!("{m} {v:.3}"))
                .collect();
            emit(&format!(
                "wrote {} ({:.1} s, {:.2} million resident-weeks/s on {} threads)\nfinal year: {}\n",
                summary.dir.display(),
                t.wall_seconds,
                t.resident_ticks_per_s() / 1e6,
                t.threads,
                parts.join(", ")
            ))
        }
        Err(e @ cohesion::run::RunError::Stopped(..)) => {
            terminal::say(&format!("cohesion: {e}"));
            ExitCode::from(e.exit_code() as u8)
        }
        Err(e) => fail(&e.to_string(), e.exit_code() as u8),
    }
}

struct CompareArgs {
    names: Vec<String>,
    replicates: u32,
    seed: u64,
    threads: Option<usize>,
    target: Target,
    force: bool,
    effects_years: Vec<i32>,
    branch_at: Option<i32>,
    contrasts: Vec<String>,
    set: Vec<String>,
    posterior: Option<PathBuf>,
    draws: Option<u32>,
    json: bool,
}

/// The command line that reproduces a comparison (threads and output folder aside).
fn compare_command_line(args: &CompareArgs) -> String {
    let mut words = vec!["cohesion".to_string(), "compare".to_string()];
    words.extend(args.names.iter().cloned());
    words.push(format!("--replicates {}", args.replicates));
    words.push(format!("--seed {}", args.seed));
    if !args.effects_years.is_empty() {
        let years: Vec<String> = args.effects_years.iter().map(|y| y.to_string()).collect();
        words.push(format!("--effects-year {}", years.join(",")));
    }
    if let Some(year) = args.branch_at {
        words.push(format!("--branch-at {year}"));
    }
    for item in &args.contrasts {
        words.push(format!("--contrast {item}"));
    }
    for item in &args.set {
        words.push(format!("--set {item}"));
    }
    if let Some(path) = &args.posterior {
        words.push(format!("--posterior {}", path.display()));
        words.push(format!("--draws {}", args.draws.unwrap_or(args.replicates)));
    }
    words.join(" ")
}

/// The scenarios of a comparison, each changed by `--set`; with `--branch-at`, the first and
/// its branches, made from the changes files that follow it.
fn compare_scenarios(args: &CompareArgs) -> Result<Vec<Scenario>, String> {
    let load = |name: &str| {
        let scenario = Scenario::load(name).map_err(|e| e.to_string())?;
        cli::drive::apply(scenario, &args.set)
    };
    let Some(year) = args.branch_at else {
        return args.names.iter().map(|n| load(n)).collect();
    };
    let first = load(&args.names[0])?;
    let (lo, hi) = (
        first.time.start_year,
        first.time.start_year + first.time.years as i32 - 1,
    );
    if year < lo || year > hi {
        return Err(format!(
            "--branch-at {year} is outside the years of {} ({lo}–{hi})",
            first.name
        ));
    }
    if args.names.len() < 2 {
        return Err(format!(
            "--branch-at {year}: give the scenario to branch from, then one or more changes \
             files: cohesion compare {} CHANGES.toml... --branch-at {year}",
            args.names[0]
        ));
    }
    let mut scenarios = vec![first];
    for name in &args.names[1..] {
        let (branch, _) = cohesion::branch::read_changes(&scenarios[0], Path::new(name), year)
            .map_err(|e| e.to_string())?;
        scenarios.push(branch);
    }
    Ok(scenarios)
}

fn compare_command(args: CompareArgs) -> ExitCode {
    let names: Vec<&str> = args.names.iter().map(String::as_str).collect();
    let entries = cohesion::report::COMPARE_ENTRIES;
    let mut inputs = input_files(&names);
    inputs.extend(args.posterior.iter().filter(|p| p.exists()).cloned());
    if let Err(e) = check_out(&args.target, args.force, &entries, &inputs) {
        return fail(&e.to_string(), output_exit_code(&e));
    }
    let scenarios = match compare_scenarios(&args) {
        Ok(s) => s,
        Err(m) => return fail(&m, 2),
    };
    let mut plan = ComparePlan {
        scenarios,
        replicates: args.replicates,
        seed: args.seed,
        effects_years: args.effects_years.clone(),
        branch_at: args.branch_at,
        contrasts: Vec::new(),
        posterior: None,
    };
    if let Some(path) = &args.posterior {
        let draws = args.draws.unwrap_or(args.replicates) as usize;
        match PosteriorDraws::read(&path.display().to_string(), draws, args.seed) {
            Ok(p) => plan.posterior = Some(p),
            Err(m) => return fail(&m, 2),
        }
    }
    for text in &args.contrasts {
        match plan.parse_contrast(text) {
            Ok(pair) => plan.contrasts.push(pair),
            Err(e) => return fail(&e.to_string(), 2),
        }
    }
    if let Err(e) = plan.check() {
        return fail(&e.to_string(), 2);
    }
    // Each run uses one thread; the runs share the machine's threads between them.
    sim::init_threads(Some(1));
    let threads = cohesion::limits::threads_or_all(args.threads);
    let mut command = compare_command_line(&args);
    if matches!(args.target, Target::DefaultOutputs(_)) {
        command = format!("cargo run --release   # the same as: {command}");
    }
    let total = plan.runs();
    let bar = cli::progress::bar(total as u64, "runs", &format!("compare seed {}", plan.seed));
    if bar.is_none() {
        terminal::say(&format!(
            "cohesion: comparing {} ({} replicates each, seed {}, {total} runs on {threads} thread{})",
            args.names.join(", "),
            plan.replicates,
            plan.seed,
            if threads == 1 { "" } else { "s" }
        ));
    }
    let result = compare(
        &plan,
        &args.target,
        args.force,
        &command,
        threads,
        |done, total, name, replicate| match &bar {
            Some(bar) => bar.set_position(done as u64),
            None => terminal::say(&format!(
                "cohesion: {done}/{total} done ({name}, replicate {replicate})"
            )),
        },
    );
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(summary) if args.json => {
            emit(&cli::drive::compare_line(&summary.dir, &summary.comparison))
        }
        Ok(summary) => {
            let t = &summary.timings;
            let cmp = &summary.comparison;
            let (_, last) = plan.years();
            let all = t.resident_ticks + t.resident_weeks_shared;
            let shared = if t.resident_weeks_shared > 0.0 {
                format!(
                    "; {:.0}% of the weeks shared between runs that begin alike",
                    100.0 * t.resident_weeks_shared / all.max(1e-9)
                )
            } else {
                String::new()
            };
            let mut text = format!(
                "wrote {} ({:.1} s, {} runs on {} thread{}, {:.2} million resident-weeks/s \
                 simulated{shared})\n",
                summary.dir.display(),
                t.wall_seconds,
                t.runs,
                t.threads,
                if t.threads == 1 { "" } else { "s" },
                t.resident_ticks / t.simulate_seconds.max(1e-9) / 1e6
            );
            for (s, r) in plan.effect_pairs() {
                let parts: Vec<String> = ["belonging", "trust", "agency", "venues_open"]
                    .iter()
                    .filter_map(|m| cmp.contrast(s, r, m, last))
                    .map(|e| format!("{} {:+.3}", e.metric, e.diff.mean))
                    .collect();
                text.push_str(&format!(
                    "{last}, {} vs {}: {}\n",
                    plan.scenarios[s].name,
                    plan.scenarios[r].name,
                    parts.join(", ")
                ));
            }
            text.push_str(&format!(
                "report: {}\n",
                summary.dir.join(cohesion::report::REPORT).display()
            ));
            emit(&text)
        }
        Err(e) => fail(&e.to_string(), e.exit_code() as u8),
    }
}
