//! Criterion benchmarks for the cost of building and running the town.
//!
//! Run them all with
//!
//! ```text
//! cargo bench --bench tick
//! ```
//!
//! or one (or a family) by name filter, e.g. `cargo bench --bench tick -- tick/default` or
//! `cargo bench --bench tick -- world_build`.
//!
//! What each benchmark measures (all use the built-in `baseline` scenario and seed 42, and the
//! worker pool is sized to every core the machine has):
//!
//! - `town_generation/default`: `town::generate` of the default 12,000-resident town, as plain
//!   data (wards, residents, initial ties, venues, groups), without a bevy world. Throughput is
//!   residents generated per second.
//! - `world_build/default`: `Simulation::new` for the default town: generation plus spawning
//!   every resident and venue into a new world and building the weekly schedule. Throughput is
//!   residents built per second.
//! - `tick/default`: one weekly tick (`Simulation::step`) of the default town once it has
//!   settled. The simulation is built once and stepped through the 52 warm-up weeks and a few
//!   recorded weeks outside the timer; the timed iterations then keep stepping the same
//!   simulation, so they measure recorded weeks early in the run. Throughput is resident-ticks
//!   per second (12,000 elements per tick).
//! - `tick/large`: the same with `town.residents = 100_000`. The venue counts stay at the
//!   scenario's defaults, so this measures a town with about eight times as many people per
//!   venue, not a scaled-up copy of the default town. The warm-up is cut to 4 weeks to keep the
//!   setup short. Throughput is resident-ticks per second (100,000 elements per tick).
//! - `run/default_year`: a whole run of the default town cut to one year (`time.years = 1`),
//!   measured end to end: `Simulation::new` plus `finish` (the 52 warm-up weeks and 52 recorded
//!   weeks). Throughput is resident-ticks per second, residents × (52 + warm-up weeks). One run
//!   takes longer than the 3-second measurement target, so criterion warns that it cannot
//!   complete 10 samples in time and runs one iteration per sample (10 runs) instead; that is
//!   expected.
//!
//! Sample sizes and measurement times are kept small so the whole suite finishes in a few
//! minutes on a small machine; the numbers are for spotting regressions, not for publication.

use std::hint::black_box;
use std::time::{Duration, Instant};

use cohesion::{Scenario, Seeds, Simulation, sim, town};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

/// Master seed for every benchmark (the CLI's default).
const SEED: u64 = 42;

/// Recorded weeks stepped after the warm-up, outside the timer, before timing ticks.
const SETTLE_WEEKS: u32 = 4;

/// The built-in default town.
fn baseline() -> Scenario {
    Scenario::load("baseline").expect("the built-in baseline scenario loads")
}

/// A simulation of `scenario` stepped through its warm-up and `SETTLE_WEEKS` recorded weeks.
fn settled(scenario: &Scenario) -> Simulation {
    let mut sim = Simulation::new(scenario, Seeds::new(SEED));
    for _ in 0..scenario.time.warmup_weeks + SETTLE_WEEKS {
        assert!(sim.step(), "the run is long enough to settle");
    }
    sim
}

/// Times `iters` weekly ticks of a settled simulation of `scenario`, reusing the simulation
/// between calls. If fewer than `iters` weeks remain in the run, a new settled simulation is
/// built first, outside the timer.
fn time_ticks(sim: &mut Option<Simulation>, scenario: &Scenario, iters: u64) -> Duration {
    let remaining = sim
        .as_ref()
        .map_or(0, |s| u64::from(s.total_steps() - s.steps_done()));
    if remaining < iters {
        *sim = Some(settled(scenario));
    }
    let s = sim.as_mut().expect("a simulation was just built");
    let start = Instant::now();
    for _ in 0..iters {
        black_box(s.step());
    }
    start.elapsed()
}

fn town_generation(c: &mut Criterion) {
    let scenario = baseline();
    let mut group = c.benchmark_group("town_generation");
    group.throughput(Throughput::Elements(u64::from(scenario.town.residents)));
    group.bench_function("default", |b| {
        b.iter(|| town::generate(black_box(&scenario), Seeds::new(SEED)));
    });
    group.finish();
}

fn world_build(c: &mut Criterion) {
    let scenario = baseline();
    let mut group = c.benchmark_group("world_build");
    group.throughput(Throughput::Elements(u64::from(scenario.town.residents)));
    group.bench_function("default", |b| {
        b.iter(|| Simulation::new(black_box(&scenario), Seeds::new(SEED)));
    });
    group.finish();
}

fn tick(c: &mut Criterion) {
    let mut group = c.benchmark_group("tick");

    let default = baseline();
    group.throughput(Throughput::Elements(u64::from(default.town.residents)));
    let mut sim = Some(settled(&default));
    group.bench_function("default", |b| {
        b.iter_custom(|iters| time_ticks(&mut sim, &default, iters));
    });
    drop(sim);

    // 100,000 residents, but the venue counts stay at the baseline's defaults: the venues are
    // not scaled with the population. A 4-week warm-up is enough for the per-tick cost to
    // settle and keeps the setup short.
    let mut large = baseline();
    large.town.residents = 100_000;
    large.time.warmup_weeks = 4;
    group.throughput(Throughput::Elements(u64::from(large.town.residents)));
    group.sampling_mode(SamplingMode::Flat);
    let mut sim = Some(settled(&large));
    group.bench_function("large", |b| {
        b.iter_custom(|iters| time_ticks(&mut sim, &large, iters));
    });
    group.finish();
}

fn run(c: &mut Criterion) {
    let mut scenario = baseline();
    scenario.time.years = 1;
    let resident_ticks = u64::from(scenario.town.residents)
        * u64::from(scenario.ticks() + scenario.time.warmup_weeks);
    let mut group = c.benchmark_group("run");
    group.throughput(Throughput::Elements(resident_ticks));
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("default_year", |b| {
        b.iter(|| Simulation::new(black_box(&scenario), Seeds::new(SEED)).finish());
    });
    group.finish();
}

/// Small samples and short measurement so the suite stays quick. Also sizes the worker pool
/// to all cores before anything else runs (the pool is process-wide and cannot be resized).
fn config() -> Criterion {
    sim::init_threads(None);
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = town_generation, world_build, tick, run
}
criterion_main!(benches);
