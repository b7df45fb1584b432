//! Runs whose histories begin alike simulate their common beginning once.
//!
//! Rule: two runs with the same seeds whose scenarios agree in everything but their name,
//! description and interventions, and whose interventions agree (in the order they are applied)
//! up to some week, are the same world until the start of that week: every mechanism reads only
//! the scenario, the seeds and the world. So the later run need not simulate those weeks. It
//! takes a copy of the earlier run's world at that point (written and restored as a checkpoint
//! would be) and goes on under its own scenario, which is what `Simulation::fork` does. What it
//! records is byte for byte what it would record on its own; an integration test
//! (`shared_beginnings_change_no_byte`) compares the two for the teaching comparison.
//!
//! The teaching comparison gains most: austerity_2010 leaves the baseline only at its first cut
//! (2010, week 14), and social_infrastructure and devolution_big_bang leave austerity_2010 only
//! in 2016 and 2017, so of the 4 × 1,040 weeks (260 of warm-up and 15 years) of one replicate's
//! four runs 2,660 are simulated and 1,500 shared.

use crate::checkpoint::snapshot;
use crate::model::components::Config;
use crate::rng::Seeds;
use crate::run;
use crate::scenario::Scenario;
use crate::sim::{RunOutput, Simulation};

/// One run to make: its scenario and seeds.
pub type Job<'a> = (&'a Scenario, Seeds);

/// Weeks, counted from the start of the warm-up, through which runs of `a` and `b` with the same
/// seeds are the same world: 0 when their towns or settings differ, all of them when only their
/// names differ.
pub fn shared_steps(a: &Scenario, b: &Scenario) -> u32 {
    let bare = |s: &Scenario| Scenario {
        name: String::new(),
        description: String::new(),
        events: Vec::new(),
        ..s.clone()
    };
    if bare(a) != bare(b) {
        return 0;
    }
    let (ea, eb) = (a.scheduled(), b.scheduled());
    let first_difference = ea
        .iter()
        .zip(&eb)
        .find(|(x, y)| x != y)
        .map(|(x, y)| x.0.min(y.0))
        .or_else(|| {
            // One list runs on past the other: they part at its next event.
            let longer = if ea.len() > eb.len() { &ea } else { &eb };
            longer.get(ea.len().min(eb.len())).map(|e| e.0)
        });
    let total = a.time.warmup_weeks + a.ticks();
    first_difference.map_or(total, |tick| a.time.warmup_weeks + tick)
}

/// For each job, the earlier job it continues from and after how many weeks: the one with
/// which it shares the most weeks (the first such, on a tie), if any.
pub fn parents(jobs: &[Job<'_>]) -> Vec<Option<(usize, u32)>> {
    (0..jobs.len())
        .map(|i| {
            let (scenario, seeds) = jobs[i];
            let mut best: Option<(usize, u32)> = None;
            for (j, &(other, other_seeds)) in jobs[..i].iter().enumerate() {
                if other_seeds != seeds {
                    continue;
                }
                let steps = shared_steps(other, scenario);
                if steps > 0 && best.is_none_or(|(_, b)| steps > b) {
                    best = Some((j, steps));
                }
            }
            best
        })
        .collect()
}

/// Runs every job on the current rayon pool, each continuing from the run it shares its
/// beginning with (see [`parents`]), and hands each finished run to `done(index, output)`, from
/// whichever thread finished it. Returns what [`parents`] gave for the jobs.
pub fn run_all(
    jobs: &[Job<'_>],
    done: impl Fn(usize, RunOutput) + Sync,
) -> Vec<Option<(usize, u32)>> {
    let parents = parents(jobs);
    let mut children: Vec<Vec<(u32, usize)>> = vec![Vec::new(); jobs.len()];
    for (i, p) in parents.iter().enumerate() {
        if let Some((j, at)) = *p {
            children[j].push((at, i));
        }
    }
    for c in &mut children {
        c.sort_unstable();
    }
    let plan = Plan {
        jobs,
        children,
        done: &done,
    };
    rayon::scope(|scope| {
        for (i, p) in parents.iter().enumerate() {
            if p.is_none() {
                let plan = &plan;
                scope.spawn(move |scope| plan.run(scope, i, None));
            }
        }
    });
    parents
}

/// What every task of [`run_all`] reads.
struct Plan<'p, 'j> {
    jobs: &'p [Job<'j>],
    /// For each job, the jobs that continue from it and after how many weeks, soonest first.
    children: Vec<Vec<(u32, usize)>>,
    done: &'p (dyn Fn(usize, RunOutput) + Sync),
}

impl<'p> Plan<'p, '_> {
    /// Runs job `i` from `start` (or from a new town), handing a copy of its world to each job
    /// that continues from it as it reaches their weeks.
    fn run(&'p self, scope: &rayon::Scope<'p>, i: usize, start: Option<Simulation>) {
        let (scenario, seeds) = self.jobs[i];
        let mut sim = start.unwrap_or_else(|| Simulation::new(scenario, seeds));
        for &(at, child) in &self.children[i] {
            while sim.steps_done() < at && sim.step() {}
            // The copy waits for a thread as a snapshot (at a million residents 413 MB, against
            // 1.5 GB of world) and becomes a world when its run starts.
            let mut state = Vec::new();
            let written = snapshot::write(&sim, &mut state).is_ok();
            let own = sim.world().resource::<Config>().0.clone();
            scope.spawn(move |scope| {
                let (child_scenario, seeds) = self.jobs[child];
                // A copy that cannot be restored (it never should be) costs time, not
                // results: the run then starts from a new town.
                let start = written
                    .then(|| snapshot::restore(&own, seeds, &state).ok())
                    .flatten()
                    .map(|mut copy| {
                        copy.fork(child_scenario);
                        copy
                    });
                drop(state);
                self.run(scope, child, start)
            });
        }
        (self.done)(i, run::finish(sim));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(text: &str) -> Scenario {
        Scenario::from_toml(text, "test.toml").unwrap()
    }

    const CUTS: &str = "[[events]]\nkind = \"austerity\"\nyear = 2012\nweek = 3\nyears = 2\n\
                        cut_per_year = 0.03\n";

    #[test]
    fn runs_part_at_the_first_intervention_they_do_not_share() {
        let base =
            scenario("name = \"a\"\n[time]\nstart_year = 2010\nyears = 6\nwarmup_weeks = 10\n");
        let warmup = base.time.warmup_weeks;
        let all = warmup + base.ticks();
        let renamed = Scenario {
            name: "b".into(),
            ..base.clone()
        };
        assert_eq!(shared_steps(&base, &renamed), all);
        let mut cut = base.clone();
        cut.events = scenario(CUTS).events;
        // Week 3 of 2012 is tick 2·52 + 2.
        assert_eq!(shared_steps(&base, &cut), warmup + 106);
        assert_eq!(shared_steps(&cut, &base), warmup + 106);
        let mut cut_later = cut.clone();
        cut_later
            .events
            .extend(scenario(&CUTS.replace("2012", "2014")).events);
        assert_eq!(shared_steps(&cut, &cut_later), warmup + 4 * 52 + 2);
        let mut other_town = cut_later.clone();
        other_town.town.residents += 1;
        assert_eq!(shared_steps(&cut_later, &other_town), 0);
    }

    #[test]
    fn each_run_continues_from_the_one_it_shares_most_with() {
        let base =
            scenario("name = \"a\"\n[time]\nstart_year = 2010\nyears = 6\nwarmup_weeks = 10\n");
        let mut cut = base.clone();
        cut.events = scenario(CUTS).events;
        let mut more = cut.clone();
        more.events
            .extend(scenario(&CUTS.replace("2012", "2014")).events);
        let seeds = Seeds::of(1, 0);
        let other_seeds = Seeds::of(1, 1);
        let jobs = [
            (&base, seeds),
            (&cut, seeds),
            (&more, seeds),
            (&more, other_seeds),
        ];
        let p = parents(&jobs);
        assert_eq!(p[0], None);
        assert_eq!(p[1], Some((0, 10 + 106)));
        assert_eq!(p[2], Some((1, 10 + 4 * 52 + 2)));
        assert_eq!(p[3], None, "other seeds make another town");
    }
}
