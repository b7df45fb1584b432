//! Criterion benchmarks for the cost of building and running the town.
//!
//! Run them all with
//!
//! ```text
//! cargo bench --features bench --bench tick
//! ```
//!
//! or one (or a family) by name filter, e.g. `cargo bench --features bench --bench tick --
//! tick/default` or `cargo bench --features bench --bench tick -- world_build`. Criterion is an
//! optional dependency behind the `bench` feature rather than a dev-dependency, so that `cargo
//! test` neither builds it nor rebuilds the library for its features.
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
//! - `tick/million`: the same for the built-in `scale` scenario: 1,000,000 residents, the
//!   default town repeated as 84 pit towns (wards, venues and groups in proportion). The warm-up
//!   is cut to 2 weeks to keep the setup short (generating the town and its first choice sets
//!   takes most of a minute). Throughput is resident-ticks per second (1,000,000 per tick).
//! - `mechanism/<name>`: one mechanism's system on its own (`outings`, `gather`, `encounters`,
//!   `trust`, ...), in the default town: the settled simulation steps whole weeks, and only the
//!   time spent in that mechanism is counted, so each system sees the state the week before it
//!   left. Throughput is resident-ticks per second.
//! - `schelling/mesa_300x300`: the classic Schelling model in its Mesa-matching variant on a
//!   300×300 grid (density 0.8, minority 0.5, homophily 0.4), 20 steps, set-up excluded.
//!   Throughput is agent-steps per second. `scripts/peer-bench.sh` times the same against Mesa.
//! - `bandwidth/copy`, `bandwidth/triad`: the machine's memory bandwidth, STREAM-like loops
//!   (`a = b`; `a = b + s·c`) over three arrays of 2²⁴ f64 (384 MiB, beyond any cache), one
//!   contiguous piece per core. Throughput is bytes moved per second (16 and 24 per element),
//!   the ceiling against which `tick/million` is read.
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

use cohesion::classic::ClassicModel;
use cohesion::classic::schelling::{Config as SchellingConfig, Schelling};
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

    // A million residents: the `scale` built-in, with a short warm-up.
    let mut million = Scenario::load("scale").expect("the built-in scale scenario loads");
    million.time.warmup_weeks = 2;
    group.throughput(Throughput::Elements(u64::from(million.town.residents)));
    group.sampling_mode(SamplingMode::Flat);
    let mut sim = Some(settled(&million));
    group.bench_function("million", |b| {
        b.iter_custom(|iters| time_ticks(&mut sim, &million, iters));
    });
    group.finish();
}

/// Seconds spent so far in the mechanism called `name`.
fn spent_in(sim: &Simulation, name: &str) -> Duration {
    sim.mechanism_times()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map_or(Duration::ZERO, |(_, d)| d)
}

fn mechanisms(c: &mut Criterion) {
    let default = baseline();
    let mut group = c.benchmark_group("mechanism");
    group.throughput(Throughput::Elements(u64::from(default.town.residents)));
    let mut sim = Some(settled(&default));
    let names: Vec<&'static str> = sim
        .as_ref()
        .map(|s| s.mechanism_times().into_iter().map(|(n, _)| n).collect())
        .unwrap_or_default();
    for name in names {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let done = sim
                        .as_ref()
                        .is_none_or(|s| s.steps_done() >= s.total_steps());
                    if done {
                        sim = Some(settled(&default));
                    }
                    let s = sim.as_mut().expect("a simulation was just built");
                    let before = spent_in(s, name);
                    black_box(s.step());
                    total += spent_in(s, name) - before;
                }
                total
            });
        });
    }
    group.finish();
}

fn schelling(c: &mut Criterion) {
    const STEPS: u64 = 20;
    let config = SchellingConfig {
        width: 300,
        height: 300,
        stop_when_happy: false,
        ..SchellingConfig::mesa()
    };
    let agents = Schelling::new(&config, Seeds::new(SEED)).agents();
    let mut group = c.benchmark_group("schelling");
    group.throughput(Throughput::Elements(agents * STEPS));
    group.bench_function("mesa_300x300", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for i in 0..iters {
                let mut model = Schelling::new(&config, Seeds::new(SEED + i));
                let start = Instant::now();
                black_box(model.run(STEPS));
                total += start.elapsed();
            }
            total
        });
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
        b.iter(|| cohesion::run::to_end(black_box(&scenario), Seeds::new(SEED)));
    });
    group.finish();
}

/// Elements in each array of the bandwidth bench: 3 × 2²⁴ f64 = 384 MiB in all, far beyond any
/// cache, so every pass goes to main memory.
const STREAM_LEN: usize = 1 << 24;

/// The machine's memory bandwidth, as a STREAM-like copy (`a = b`, 16 bytes moved per element:
/// one read, one write) and triad (`a = b + s·c`, 24 bytes) over arrays far larger than the
/// caches, split into one contiguous piece per core. Throughput is bytes moved per second; the
/// million-resident tick's bytes per second can be set against it.
fn bandwidth(c: &mut Criterion) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut a = vec![0f64; STREAM_LEN];
    let b: Vec<f64> = (0..STREAM_LEN).map(|i| i as f64).collect();
    let c2: Vec<f64> = (0..STREAM_LEN).map(|i| (i % 7) as f64).collect();
    let piece = STREAM_LEN.div_ceil(threads);
    let mut group = c.benchmark_group("bandwidth");
    group.throughput(Throughput::Bytes(16 * STREAM_LEN as u64));
    group.bench_function("copy", |bench| {
        bench.iter(|| {
            std::thread::scope(|scope| {
                for (out, from) in a.chunks_mut(piece).zip(b.chunks(piece)) {
                    scope.spawn(move || out.copy_from_slice(from));
                }
            });
            black_box(&a);
        });
    });
    group.throughput(Throughput::Bytes(24 * STREAM_LEN as u64));
    group.bench_function("triad", |bench| {
        let s = black_box(3.0f64);
        bench.iter(|| {
            std::thread::scope(|scope| {
                for ((out, x), y) in a
                    .chunks_mut(piece)
                    .zip(b.chunks(piece))
                    .zip(c2.chunks(piece))
                {
                    scope.spawn(move || {
                        for ((o, &x), &y) in out.iter_mut().zip(x).zip(y) {
                            *o = x + s * y;
                        }
                    });
                }
            });
            black_box(&a);
        });
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
    targets = town_generation, world_build, tick, mechanisms, schelling, run, bandwidth
}
criterion_main!(benches);
