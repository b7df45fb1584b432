//! The `cohesion` command line: parse, call the library, print.

use clap::{Parser, Subcommand};
use cohesion::output::Target;
use cohesion::run::{RunRequest, run};
use cohesion::scenario::{BUILTINS, params, params::PARAMS};
use cohesion::{Scenario, sim};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// The default run: this built-in scenario, this seed, into `outputs/`.
const DEFAULT_SCENARIO: &str = "baseline";
const DEFAULT_SEED: u64 = 42;
const DEFAULT_OUTPUTS: &str = "outputs";

#[derive(Parser)]
#[command(
    name = "cohesion",
    version,
    about = "Civic cohesion in a former English coal-mining town: a reproducible agent-based model",
    long_about = "Simulates trust, belonging and agency among the residents of a former pit town, \
                  week by week, as its pubs, library, halls and council change.\n\n\
                  With no command, runs the built-in `baseline` scenario with seed 42 into \
                  outputs/."
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
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Output directory (default: outputs/<scenario>-seed<N>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace an existing output directory.
        #[arg(long)]
        force: bool,
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
    /// List every parameter with its unit, allowed range and default.
    Params {
        /// Print a Markdown table with meanings and sources (as in docs/ODD.md).
        #[arg(long)]
        markdown: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => run_command(
            DEFAULT_SCENARIO,
            DEFAULT_SEED,
            None,
            Target::DefaultOutputs(PathBuf::from(DEFAULT_OUTPUTS)),
            false,
        ),
        Some(Command::Run {
            scenario,
            seed,
            threads,
            out,
            force,
        }) => {
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
            run_command(&scenario, seed, threads, target, force)
        }
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
        Some(Command::Params { markdown: true }) => emit(&params::markdown_table()),
        Some(Command::Params { markdown: false }) => {
            let mut text = format!(
                "{:<52} {:>14} {:>14} {:>14}  unit\n",
                "parameter", "default", "min", "max"
            );
            for p in PARAMS {
                let default = params::default_text(p.path);
                text.push_str(&format!(
                    "{:<52} {:>14} {:>14} {:>14}  {}\n",
                    p.path, default, p.min, p.max, p.unit
                ));
            }
            emit(&text)
        }
    }
}

/// Writes `text` to stdout. A reader that stops early (`| head`) is not an error.
fn emit(text: &str) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => fail(&format!("cannot write to standard output: {e}"), 1),
    }
}

fn fail(message: &str, code: u8) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(code)
}

fn run_command(
    name: &str,
    seed: u64,
    threads: Option<usize>,
    target: Target,
    force: bool,
) -> ExitCode {
    let scenario = match Scenario::load(name) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string(), 2),
    };
    let threads = sim::init_threads(threads);
    let request = RunRequest {
        scenario,
        seed,
        target,
        force,
    };
    let s = &request.scenario;
    let total = u64::from(s.time.warmup_weeks + s.ticks());
    let terminal = std::io::stderr().is_terminal();
    let bar = if terminal {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:40}] {pos}/{len} weeks, {eta} left")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(format!("{} seed {seed}", s.name));
        Some(bar)
    } else {
        eprintln!(
            "cohesion: running {} (seed {seed}, {} residents, {} years, {threads} threads)",
            s.name, s.town.residents, s.time.years
        );
        None
    };
    let result = run(&request, threads, |sim| {
        if let Some(bar) = &bar {
            bar.set_position(u64::from(sim.steps_done()));
        } else {
            let clock = sim.clock();
            if !clock.warming_up() && clock.week() == 52 {
                let obs = sim.observations();
                let last = |m: &str| {
                    obs.0
                        .iter()
                        .rev()
                        .find(|o| o.ward.is_none() && o.metric == m)
                        .map_or(f64::NAN, |o| o.value)
                };
                eprintln!(
                    "cohesion: {} done: trust {:.3}, belonging {:.3}, agency {:.3}, pubs open {}",
                    clock.year(),
                    last("trust"),
                    last("belonging"),
                    last("agency"),
                    last("pubs_open")
                );
            }
        }
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    match result {
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
        Err(e) => fail(&e.to_string(), e.exit_code() as u8),
    }
}
