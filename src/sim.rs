//! The world and the weekly schedule: where the mechanisms are put in order and the clock runs.
//!
//! Architecture invariant: this is the only place that knows the order of the mechanisms. The
//! schedule runs its systems one after another (each system parallelises over residents or
//! venues inside itself), so the order written here is the order they run in.

use crate::model::components::*;
use crate::model::resident::ResidentBundle;
use crate::model::{
    belonging::belonging, council_budget::council_budget, council_response::council_response,
    encounters::encounters, gather::gather, group_life::group_life, groups::groups,
    interventions::interventions, jobs::jobs, libraries::libraries, outings::outings,
    participation::participation, politics::politics, pubs::pubs, right_to_bid::right_to_bid,
    trust::trust, turnover::turnover, week::new_week,
};
use crate::observe::{Observations, observe};
use crate::rng::Seeds;
use crate::scenario::Scenario;
use crate::scenario::WEEKS_PER_YEAR;
use crate::town;
use crate::townmap::{VenueHistory, record_venues, town_map};
use bevy_ecs::prelude::*;
use bevy_ecs::schedule::{IntoScheduleConfigs, Schedule, SingleThreadedExecutor};
use bevy_ecs::system::ScheduleSystem;
use bevy_tasks::{ComputeTaskPool, TaskPoolBuilder};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Sets the number of worker threads for the whole process. The pool is created once; later
/// calls return the size it already has. Returns the number of threads in use.
pub fn init_threads(threads: Option<usize>) -> usize {
    let wanted = crate::limits::threads_or_all(threads);
    ComputeTaskPool::get_or_init(|| TaskPoolBuilder::new().num_threads(wanted.max(1)).build())
        .thread_num()
}

/// A town in a world, ready to run week by week.
pub struct Simulation {
    world: World,
    /// The week's mechanisms, one schedule each, in the order they run.
    mechanisms: Vec<(&'static str, Schedule)>,
    /// Time spent in each mechanism so far, in the same order.
    spent: Vec<Duration>,
    total_steps: u32,
}

/// What a finished run hands to the output writers.
pub struct RunOutput {
    pub observations: Observations,
    /// The town map: wards, venues and their states at the start and each year's end.
    pub map: crate::townmap::TownMap,
    pub events: Vec<EventRecord>,
    pub ward_names: Vec<String>,
}

impl Simulation {
    /// Generates the town for `scenario` and puts it in a new world.
    pub fn new(scenario: &Scenario, seeds: Seeds) -> Simulation {
        init_threads(None);
        let plan = town::generate(scenario, seeds);
        let mut world = World::new();
        let mut slots = Vec::with_capacity(plan.residents.len());
        let ids: Vec<u32> = plan.residents.iter().map(|p| p.resident.id).collect();
        let wards: Vec<u16> = plan.residents.iter().map(|p| p.resident.ward).collect();
        for drawn in plan.residents {
            slots.push(world.spawn(ResidentBundle::founder(drawn)).id());
        }
        let n_residents = slots.len() as u32;
        let venues: Vec<Entity> = plan
            .venues
            .into_iter()
            .map(|v| world.spawn((v, EncounterLog::default())).id())
            .collect();
        let groups: Vec<Entity> = plan
            .groups
            .into_iter()
            .map(|g| world.spawn(g).id())
            .collect();

        world.insert_resource(CouncilState::at_start(&scenario.council));
        let pending: Vec<(u32, crate::scenario::Intervention)> = scenario
            .scheduled()
            .into_iter()
            .map(|(t, e)| (t, e.clone()))
            .collect();
        world.insert_resource(PendingEvents(pending));
        world.insert_resource(Config(Arc::new(scenario.clone())));
        world.insert_resource(RunSeeds(seeds));
        world.insert_resource(Clock {
            step: 0,
            warmup: scenario.time.warmup_weeks,
            start_year: scenario.time.start_year,
        });
        world.insert_resource(SlotIndex {
            entities: slots,
            ids,
            wards,
        });
        world.insert_resource(VenueIndex(venues));
        world.insert_resource(GroupIndex(groups));
        world.insert_resource(VenueLabels(plan.venue_labels));
        world.insert_resource(WardCultures(plan.cultures));
        world.insert_resource(plan.wards);
        world.insert_resource(NextResidentId(n_residents));
        world.insert_resource(Layout::default());
        world.insert_resource(PeerSignals::default());
        world.insert_resource(Buckets::default());
        world.insert_resource(Inbox::default());
        world.insert_resource(Closures::default());
        world.insert_resource(PubHistory::default());
        world.insert_resource(Labour::default());
        world.insert_resource(EventLog::default());
        world.insert_resource(Observations::default());
        world.insert_resource(VenueHistory::default());
        record_venues(&mut world, 0);

        let mechanisms = weekly_schedule();
        Simulation {
            world,
            spent: vec![Duration::ZERO; mechanisms.len()],
            mechanisms,
            total_steps: scenario.time.warmup_weeks + scenario.ticks(),
        }
    }

    /// A simulation around a world rebuilt from a checkpoint (see `crate::checkpoint`), with
    /// `total_steps` weeks in the whole run.
    pub(crate) fn from_world(world: World, total_steps: u32) -> Simulation {
        init_threads(None);
        let mechanisms = weekly_schedule();
        Simulation {
            world,
            spent: vec![Duration::ZERO; mechanisms.len()],
            mechanisms,
            total_steps,
        }
    }

    /// Pulls levers mid-run (`cohesion branch`): from the next week the model reads
    /// `scenario` in place of the one it has been running. Its interventions from the current
    /// week on replace those still to come, and each council setting it changes (openness,
    /// budget, shares, powers, right to bid, fiscal autonomy) is set on the council now, since
    /// the council carries those as state; everything else the mechanisms read from the
    /// scenario week by week. The town itself (residents, venues, groups, the clock) goes on as it is: the
    /// caller has checked that `scenario` has the same town and years.
    pub fn fork(&mut self, scenario: &Scenario) {
        let tick = self.clock().tick();
        let pending: Vec<(u32, crate::scenario::Intervention)> = scenario
            .scheduled()
            .into_iter()
            .filter(|(t, _)| *t >= tick)
            .map(|(t, e)| (t, e.clone()))
            .collect();
        let was = self.world.resource::<Config>().0.council.clone();
        let now = &scenario.council;
        let mut c = self.world.resource_mut::<CouncilState>();
        // A setting the changes alter is carried onto the council; one they leave alone keeps
        // whatever the run has made of it (a budget already cut stays cut).
        macro_rules! carry {
            ($($field:ident),* $(,)?) => {
                $(if was.$field != now.$field {
                    c.$field = now.$field;
                })*
            };
        }
        carry!(
            yearly_budget_gbp,
            real_terms_change_per_year,
            statutory_share,
            venue_share,
            grant_share,
            participatory_budget_share,
            openness,
            devolved_powers,
            consultations_per_year,
            community_right_to_bid,
            fiscal_autonomy,
        );
        self.world.insert_resource(PendingEvents(pending));
        self.world
            .insert_resource(Config(Arc::new(scenario.clone())));
    }

    /// Weeks simulated so far, warm-up included.
    pub fn steps_done(&self) -> u32 {
        self.world.resource::<Clock>().step
    }

    /// Weeks in the whole run, warm-up included.
    pub fn total_steps(&self) -> u32 {
        self.total_steps
    }

    /// The current clock.
    pub fn clock(&self) -> Clock {
        *self.world.resource::<Clock>()
    }

    /// Runs one week. Returns false (and does nothing) when the run is over.
    pub fn step(&mut self) -> bool {
        if self.steps_done() >= self.total_steps {
            return false;
        }
        for ((_, schedule), spent) in self.mechanisms.iter_mut().zip(&mut self.spent) {
            let start = Instant::now();
            schedule.run(&mut self.world);
            *spent += start.elapsed();
        }
        let clock = {
            let mut clock = self.world.resource_mut::<Clock>();
            clock.step += 1;
            *clock
        };
        // The town map's record: every venue at the end of each simulated year.
        let recorded = clock.step.saturating_sub(clock.warmup);
        if clock.step > clock.warmup && recorded.is_multiple_of(WEEKS_PER_YEAR) {
            record_venues(&mut self.world, recorded - 1);
        }
        true
    }

    /// Wall time spent in each mechanism so far, in the order they run: where a run's time
    /// goes. Not part of any result.
    pub fn mechanism_times(&self) -> Vec<(&'static str, Duration)> {
        self.mechanisms
            .iter()
            .zip(&self.spent)
            .map(|((name, _), &d)| (*name, d))
            .collect()
    }

    /// Estimated bytes of state per resident and bytes moved per resident-week (see
    /// `crate::traffic`). Not part of any result.
    pub fn traffic(&mut self) -> crate::traffic::Traffic {
        crate::traffic::estimate(&mut self.world, &self.mechanisms)
    }

    /// The observations recorded so far.
    pub fn observations(&self) -> &Observations {
        self.world.resource::<Observations>()
    }

    /// Read access to the world, for tests and tools.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Mutable access to the world, for tests that set up a situation.
    pub fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    /// Hands over what was recorded so far.
    pub fn into_output(mut self) -> RunOutput {
        let observations = self
            .world
            .remove_resource::<Observations>()
            .unwrap_or_default();
        let scenario = self.world.resource::<Config>().0.clone();
        let map = town_map(&mut self.world, &scenario, &observations);
        RunOutput {
            observations,
            map,
            events: self
                .world
                .remove_resource::<EventLog>()
                .map(|l| l.0)
                .unwrap_or_default(),
            ward_names: self.world.resource::<Wards>().names.clone(),
        }
    }
}

/// The weekly tick, in the order of ODD §3: one schedule per mechanism, named, so that
/// the time each takes can be measured. They run one after another; each parallelises inside
/// itself.
fn weekly_schedule() -> Vec<(&'static str, Schedule)> {
    fn one<M>(system: impl IntoScheduleConfigs<ScheduleSystem, M>) -> Schedule {
        let mut schedule = Schedule::default();
        schedule.set_executor(SingleThreadedExecutor::new());
        schedule.add_systems(system);
        schedule
    }
    vec![
        ("new_week", one(new_week)),
        ("interventions", one(interventions)),
        ("jobs", one(jobs)),
        ("council_budget", one(council_budget)),
        ("libraries", one(libraries)),
        ("outings", one(outings)),
        ("gather", one(gather)),
        ("encounters", one(encounters)),
        ("trust", one(trust)),
        ("belonging", one(belonging)),
        ("participation", one(participation)),
        ("groups", one(groups)),
        ("group_life", one(group_life)),
        ("council_response", one(council_response)),
        ("pubs", one(pubs)),
        ("right_to_bid", one(right_to_bid)),
        ("turnover", one(turnover)),
        ("politics", one(politics)),
        ("observe", one(observe)),
    ]
}
