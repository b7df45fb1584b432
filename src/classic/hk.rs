//! Hegselmann–Krause bounded-confidence averaging (Hegselmann & Krause 2002, "Opinion dynamics
//! and bounded confidence: models, analysis and simulation", JASSS 5(3):2).
//!
//! Rule: N agents hold opinions drawn uniformly from [0, 1]. Every round, all at once, each
//! agent takes the plain mean of every opinion (its own included) within ε of its own:
//! x_i ← mean{ x_j : |x_i − x_j| ≤ ε }, on the complete graph. The run stops when no opinion
//! changes.
//!
//! Published result: on the complete graph with uniform initial opinions, consensus for ε above
//! a threshold of about 0.2 for large N (Fortunato 2005, Int. J. Mod. Phys. C 16:259); finite N
//! shifts it slightly upwards.
//!
//! The round is a bevy system, parallel over agents: each reads last round's opinions from a
//! sorted snapshot and writes only its own, and each mean is summed in sorted order, so the
//! result is the same on any number of threads.

use super::params::{Kind, ParamSpec, Params};
use super::{ClassicError, ClassicModel, Cluster, cluster_gap, major_clusters, opinion_clusters};
use crate::rng::{Purpose, RngExt, Seeds};
use bevy_ecs::prelude::*;
use bevy_ecs::schedule::{Schedule, SingleThreadedExecutor};
use serde::Serialize;

/// The parameters of `cohesion classic hk`.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "n",
        kind: Kind::Int {
            min: 2,
            max: 1_000_000,
        },
        default: "1000",
        help: "number of agents",
    },
    ParamSpec {
        name: "epsilon",
        kind: Kind::Float { min: 0.0, max: 1.0 },
        default: "0.2",
        help: "confidence bound ε: each agent averages the opinions within ε of its own",
    },
];

/// Rounds run at most, unless `--steps` says otherwise.
pub const DEFAULT_MAX_ROUNDS: u64 = 10_000;

/// A Hegselmann–Krause configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub n: usize,
    pub epsilon: f32,
}

impl Config {
    pub fn from_params(p: &Params) -> Result<Config, ClassicError> {
        Ok(Config {
            n: p.int("n") as usize,
            epsilon: p.float("epsilon") as f32,
        })
    }
}

/// An agent's opinion, and whether the last round changed it.
#[derive(Component, Clone, Copy, Debug)]
struct Opinion {
    x: f32,
    moved: bool,
}

/// Last round's opinions, sorted.
#[derive(Resource, Default)]
struct Snapshot(Vec<f32>);

/// The confidence bound.
#[derive(Resource)]
struct Bound(f32);

/// How many opinions the last round changed.
#[derive(Resource, Default)]
struct Moved(u64);

/// Each agent averages the opinions within ε of its own (from the snapshot).
fn average(mut agents: Query<&mut Opinion>, snapshot: Res<Snapshot>, bound: Res<Bound>) {
    let (s, eps) = (&snapshot.0, bound.0);
    agents.par_iter_mut().for_each(|mut o| {
        let x = o.x;
        // |x − y| ≤ ε, written as the two one-sided tests so the window is exact.
        let lo = s.partition_point(|&y| x - y > eps);
        let hi = s.partition_point(|&y| y - x <= eps);
        let window = &s[lo..hi.max(lo)];
        let sum: f64 = window.iter().map(|&y| f64::from(y)).sum();
        let mean = (sum / window.len().max(1) as f64) as f32;
        o.moved = mean != x;
        o.x = mean;
    });
}

/// Rebuilds the sorted snapshot and counts the agents that moved.
fn gather(agents: Query<&Opinion>, mut snapshot: ResMut<Snapshot>, mut moved: ResMut<Moved>) {
    let s = &mut snapshot.0;
    s.clear();
    s.extend(agents.iter().map(|o| o.x));
    s.sort_by(f32::total_cmp);
    moved.0 = agents.iter().filter(|o| o.moved).count() as u64;
}

/// What a run ends with.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Whether everyone ended in one cluster.
    pub consensus: bool,
    pub clusters: usize,
    /// Clusters holding at least 10% of the agents.
    pub major_clusters: usize,
    /// Every cluster (mean opinion and size), lowest opinion first.
    pub cluster_list: Vec<Cluster>,
    /// Whether the last round changed nothing.
    pub settled: bool,
    pub rounds: u64,
}

/// A Hegselmann–Krause population in a bevy world.
pub struct HegselmannKrause {
    world: World,
    schedule: Schedule,
    config: Config,
    rounds: u64,
    settled: bool,
}

impl HegselmannKrause {
    /// N opinions, uniform on [0, 1], drawn in agent order.
    pub fn new(config: &Config, seeds: Seeds) -> HegselmannKrause {
        crate::sim::init_threads(None);
        let mut rng = seeds.stream(Purpose::HegselmannKrause, 0, 0);
        let mut world = World::new();
        let opinions: Vec<f32> = (0..config.n).map(|_| rng.random::<f32>()).collect();
        world.spawn_batch(opinions.iter().map(|&x| Opinion { x, moved: false }));
        let mut sorted = opinions;
        sorted.sort_by(f32::total_cmp);
        world.insert_resource(Snapshot(sorted));
        world.insert_resource(Bound(config.epsilon));
        world.insert_resource(Moved::default());
        let mut schedule = Schedule::default();
        schedule.set_executor(SingleThreadedExecutor::new());
        schedule.add_systems((average, gather).chain());
        HegselmannKrause {
            world,
            schedule,
            config: config.clone(),
            rounds: 0,
            settled: false,
        }
    }

    /// One round: everyone averages at once.
    pub fn round(&mut self) {
        self.schedule.run(&mut self.world);
        self.rounds += 1;
        self.settled = self.world.resource::<Moved>().0 == 0;
    }

    /// The opinions now, sorted.
    pub fn opinions(&self) -> &[f32] {
        &self.world.resource::<Snapshot>().0
    }

    pub fn summary(&self) -> Summary {
        let cluster_list = opinion_clusters(self.opinions(), cluster_gap(self.config.epsilon));
        Summary {
            consensus: cluster_list.len() == 1,
            clusters: cluster_list.len(),
            major_clusters: major_clusters(&cluster_list, self.config.n),
            cluster_list,
            settled: self.settled,
            rounds: self.rounds,
        }
    }
}

impl ClassicModel for HegselmannKrause {
    fn agents(&self) -> u64 {
        self.config.n as u64
    }

    fn run(&mut self, max_steps: u64) -> u64 {
        let start = self.rounds;
        while !self.settled && self.rounds - start < max_steps {
            self.round();
        }
        self.rounds - start
    }

    fn summary_json(&self) -> serde_json::Value {
        serde_json::to_value(self.summary()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_bound_reaches_consensus_and_stops() {
        let mut m = HegselmannKrause::new(
            &Config {
                n: 200,
                epsilon: 0.4,
            },
            Seeds::new(2),
        );
        m.run(DEFAULT_MAX_ROUNDS);
        let s = m.summary();
        assert!(s.settled && s.consensus, "{s:?}");
    }

    #[test]
    fn narrow_bound_leaves_several_clusters() {
        let mut m = HegselmannKrause::new(
            &Config {
                n: 200,
                epsilon: 0.05,
            },
            Seeds::new(2),
        );
        m.run(DEFAULT_MAX_ROUNDS);
        assert!(m.summary().major_clusters >= 3);
    }
}
