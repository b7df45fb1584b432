//! `cohesion branch RUN_DIR --at YEAR --scenario CHANGES.toml --out DIR`: a finished run
//! continued from the start of YEAR under changed levers (see `cohesion::branch`).

use cohesion::branch::BranchPlan;
use cohesion::output::{self, Target, terminal};
use std::io::IsTerminal;
use std::path::PathBuf;

/// The command's arguments.
#[derive(clap::Args)]
pub struct BranchArgs {
    /// A finished run's directory (from `cohesion run` or `cohesion branch`).
    #[arg(value_name = "RUN_DIR")]
    parent: PathBuf,
    /// The fork year: the branch changes from its first week on. One of the parent's years.
    #[arg(long, value_name = "YEAR")]
    at: i32,
    /// The changes (TOML, written like a scenario file giving only what changes).
    #[arg(long, value_name = "CHANGES.toml")]
    scenario: PathBuf,
    /// Output directory for the branch.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace an existing output directory (only results cohesion wrote there).
    #[arg(long)]
    force: bool,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = cohesion::limits::parse_threads)]
    threads: Option<usize>,
    /// Also change a parameter by name from the fork on, after the changes file (repeatable):
    /// --set council.openness=0.6. Not `town.`, `time.` or `events.` keys.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

/// Runs `cohesion branch`; returns the exit status.
pub fn branch(args: BranchArgs) -> u8 {
    let fail = |message: &str, code: u8| {
        terminal::say(&format!("error: {message}"));
        code
    };
    let target = Target::Dir(args.out.clone());
    let inputs = [args.scenario.clone(), args.parent.clone()];
    let placed = output::check_place(&args.out)
        .and_then(|()| output::check_inputs(&args.out, &inputs))
        .and_then(|()| output::check_target(&target, args.force, &output::RUN_ENTRIES));
    if let Err(e) = placed {
        let code = match e {
            output::OutputError::Refused(_) => 2,
            output::OutputError::Io(..) => 1,
        };
        return fail(&e.to_string(), code);
    }
    if let Err(e) = cohesion::branch::outside_parent(&args.out, &args.parent) {
        return fail(&e.to_string(), e.exit_code() as u8);
    }
    let mut plan = match BranchPlan::new(&args.parent, args.at, &args.scenario, target, args.force)
    {
        Ok(plan) => plan,
        Err(e) => return fail(&e.to_string(), e.exit_code() as u8),
    };
    if !args.set.is_empty() {
        if let Some(item) = args.set.iter().find(|s| {
            let key = s.trim_start();
            ["town.", "time.", "events."]
                .iter()
                .any(|p| key.starts_with(p))
        }) {
            return fail(
                &format!(
                    "--set `{item}`: a branch keeps the parent's town and years, and its \
                     interventions are changed in the changes file ({})",
                    args.scenario.display()
                ),
                2,
            );
        }
        let changed = match super::drive::apply(plan.scenario().clone(), &args.set) {
            Ok(s) => s,
            Err(m) => return fail(&m, 2),
        };
        if let Err(part) = plan.set(changed, &args.set) {
            return fail(&format!("--set: `{part}` cannot change in a branch"), 2);
        }
    }
    let threads = cohesion::sim::init_threads(args.threads);
    let s = plan.scenario();
    let (first, last) = plan.parent.years();
    terminal::say(&format!(
        "cohesion: branching {} at {} as {} ({first}–{last}, seed {}, replicate {}, {threads} \
         threads)",
        args.parent.display(),
        args.at,
        s.name,
        plan.parent.seeds.master,
        plan.parent.seeds.replicate
    ));
    let on_terminal = std::io::stderr().is_terminal();
    let result = cohesion::branch::run(&plan, threads, |sim| {
        let clock = sim.clock();
        if !on_terminal && !clock.warming_up() && clock.week() == cohesion::scenario::WEEKS_PER_YEAR
        {
            terminal::say(&format!("cohesion: {} done", clock.year()));
        }
    });
    match result {
        Ok(summary) => {
            let parts: Vec<String> = summary
                .last_year
                .iter()
                .map(|(m, v)| format!("{m} {v:.3}"))
                .collect();
            let text = format!(
                "wrote {} ({:.1} s): {} from {}, the same as {} before it\nfinal year: {}\n",
                summary.dir.display(),
                summary.timings.wall_seconds,
                plan.scenario().name,
                args.at,
                args.parent.display(),
                parts.join(", ")
            );
            match terminal::print(&text) {
                Ok(()) => 0,
                Err(e) => fail(
                    &format!(
                        "cannot write to standard output: {}",
                        output::io_message(&e)
                    ),
                    1,
                ),
            }
        }
        Err(e) => fail(&e.to_string(), e.exit_code() as u8),
    }
}
