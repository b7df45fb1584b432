//! Deffuant–Weisbuch bounded confidence (Deffuant, Neau, Amblard & Weisbuch 2000, "Mixing
//! beliefs among interacting agents", Advances in Complex Systems 3:87–98).
//!
//! Rule: N agents hold opinions drawn uniformly from [0, 1]. Again and again a random pair meets
//! (any two agents, or two neighbours on a square lattice). If their opinions differ by less
//! than the confidence bound ε, each moves a share μ of the way towards the other's (old)
//! opinion: x ← x + μ(x′ − x), x′ ← x′ + μ(x − x′); otherwise nothing happens.
//!
//! The opinion step is the town's own partial-adjustment rule,
//! [`crate::model::rules::move_toward`], which moves belonging towards its target each week.
//!
//! A step is a sweep of N meetings. The run stops when opinions have settled: every pair that
//! could still meet is either closer than `SETTLED_SPREAD` or at least ε apart. Published result:
//! consensus for ε ≥ 0.5; for smaller ε about ⌊1/(2ε)⌋ major clusters.

use super::params::{Kind, ParamSpec, Params};
use super::{ClassicError, ClassicModel, Cluster, cluster_gap, major_clusters, opinion_clusters};
use crate::model::rules::move_toward;
use crate::rng::{Purpose, RngExt, Seeds};
use serde::Serialize;

/// The parameters of `cohesion classic deffuant`.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "n",
        kind: Kind::Int {
            min: 2,
            max: 10_000_000,
        },
        default: "1000",
        help: "number of agents",
    },
    ParamSpec {
        name: "epsilon",
        kind: Kind::Float { min: 0.0, max: 1.0 },
        default: "0.2",
        help: "confidence bound ε: agents whose opinions differ by less than this influence each other",
    },
    ParamSpec {
        name: "mu",
        kind: Kind::Float { min: 0.0, max: 0.5 },
        default: "0.5",
        help: "convergence μ: the share of the difference each moves",
    },
    ParamSpec {
        name: "network",
        kind: Kind::Choice(&["complete", "lattice"]),
        default: "complete",
        help: "who meets whom: any two agents, or von Neumann neighbours on a square torus (n must be a square)",
    },
];

/// Sweeps run at most, unless `--steps` says otherwise.
pub const DEFAULT_MAX_SWEEPS: u64 = 100_000;
/// Opinions closer than this count as having met for good.
pub const SETTLED_SPREAD: f32 = 1e-3;

/// Who meets whom.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Network {
    /// Any two agents.
    Complete,
    /// The four von Neumann neighbours on a `side × side` torus.
    Lattice { side: usize },
}

/// A Deffuant–Weisbuch configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub n: usize,
    pub epsilon: f32,
    pub mu: f32,
    pub network: Network,
}

impl Config {
    /// The configuration of Deffuant et al. (2000): N agents, μ = 0.5, random pairs.
    pub fn complete(n: usize, epsilon: f32) -> Config {
        Config {
            n,
            epsilon,
            mu: 0.5,
            network: Network::Complete,
        }
    }

    pub fn from_params(p: &Params) -> Result<Config, ClassicError> {
        let n = p.int("n") as usize;
        let network = match p.text("network") {
            "lattice" => {
                let side = (n as f64).sqrt().round() as usize;
                if side * side != n || side < 3 {
                    return Err(ClassicError::BadValue {
                        param: "n".into(),
                        value: n.to_string(),
                        allowed: "a square number of at least 9 agents with --network lattice"
                            .into(),
                    });
                }
                Network::Lattice { side }
            }
            _ => Network::Complete,
        };
        Ok(Config {
            n,
            epsilon: p.float("epsilon") as f32,
            mu: p.float("mu") as f32,
            network,
        })
    }
}

/// What a run ends with.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Number of opinion clusters, however small.
    pub clusters: usize,
    /// Clusters holding at least 10% of the agents.
    pub major_clusters: usize,
    /// Every cluster (mean opinion and size), lowest opinion first.
    pub cluster_list: Vec<Cluster>,
    /// Whether the opinions had settled when the run stopped.
    pub settled: bool,
    /// Sweeps of N meetings run.
    pub sweeps: u64,
}

/// A Deffuant–Weisbuch population.
pub struct Deffuant {
    config: Config,
    seeds: Seeds,
    opinions: Vec<f32>,
    sweeps: u64,
    settled: bool,
}

impl Deffuant {
    /// N opinions, uniform on [0, 1], drawn in agent order from the setup stream.
    pub fn new(config: &Config, seeds: Seeds) -> Deffuant {
        let mut rng = seeds.stream(Purpose::Deffuant, 0, 0);
        let opinions = (0..config.n).map(|_| rng.random::<f32>()).collect();
        let mut d = Deffuant {
            config: config.clone(),
            seeds,
            opinions,
            sweeps: 0,
            settled: false,
        };
        d.settled = d.is_settled();
        d
    }

    /// The opinions now, by agent.
    pub fn opinions(&self) -> &[f32] {
        &self.opinions
    }

    /// One sweep: N meetings of random pairs, one after another.
    pub fn sweep(&mut self) {
        let n = self.opinions.len();
        let Config {
            epsilon,
            mu,
            network,
            ..
        } = self.config;
        // One stream per sweep (entity 1 is the dynamics; 0 was the setup).
        let mut rng = self.seeds.stream(
            Purpose::Deffuant,
            1,
            u32::try_from(self.sweeps).unwrap_or(u32::MAX),
        );
        for _ in 0..n {
            let i = rng.random_range(0..n);
            let j = match network {
                Network::Complete => {
                    let j = rng.random_range(0..n - 1);
                    if j >= i { j + 1 } else { j }
                }
                Network::Lattice { side } => {
                    let (x, y) = (i % side, i / side);
                    let (x, y) = match rng.random_range(0..4) {
                        0 => ((x + 1) % side, y),
                        1 => ((x + side - 1) % side, y),
                        2 => (x, (y + 1) % side),
                        _ => (x, (y + side - 1) % side),
                    };
                    y * side + x
                }
            };
            let (a, b) = (self.opinions[i], self.opinions[j]);
            if (a - b).abs() < epsilon {
                self.opinions[i] = move_toward(a, b, mu);
                self.opinions[j] = move_toward(b, a, mu);
            }
        }
        self.sweeps += 1;
        self.settled = self.is_settled();
    }

    /// Whether every pair that can meet is either together (closer than `SETTLED_SPREAD`) or out
    /// of reach (at least ε apart), so no meeting can change much any more.
    fn is_settled(&self) -> bool {
        let eps = self.config.epsilon;
        let quiet = |d: f32| d < SETTLED_SPREAD || d >= eps;
        match self.config.network {
            Network::Complete => {
                // Sorted, every group of close opinions must be tight and far from the next.
                let mut s = self.opinions.clone();
                s.sort_by(f32::total_cmp);
                let mut start = 0;
                for i in 1..=s.len() {
                    if i == s.len() || s[i] - s[i - 1] >= eps {
                        if s[i - 1] - s[start] >= SETTLED_SPREAD {
                            return false;
                        }
                        start = i;
                    }
                }
                true
            }
            Network::Lattice { side } => (0..self.opinions.len()).all(|i| {
                let (x, y) = (i % side, i / side);
                let right = y * side + (x + 1) % side;
                let down = ((y + 1) % side) * side + x;
                quiet((self.opinions[i] - self.opinions[right]).abs())
                    && quiet((self.opinions[i] - self.opinions[down]).abs())
            }),
        }
    }

    /// Clusters and whether the run settled.
    pub fn summary(&self) -> Summary {
        let cluster_list = opinion_clusters(&self.opinions, cluster_gap(self.config.epsilon));
        Summary {
            clusters: cluster_list.len(),
            major_clusters: major_clusters(&cluster_list, self.config.n),
            cluster_list,
            settled: self.settled,
            sweeps: self.sweeps,
        }
    }
}

impl ClassicModel for Deffuant {
    fn agents(&self) -> u64 {
        self.config.n as u64
    }

    fn run(&mut self, max_steps: u64) -> u64 {
        let start = self.sweeps;
        while !self.settled && self.sweeps - start < max_steps {
            self.sweep();
        }
        self.sweeps - start
    }

    fn summary_json(&self) -> serde_json::Value {
        serde_json::to_value(self.summary()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_confidence_gives_consensus() {
        let mut d = Deffuant::new(&Config::complete(300, 0.5), Seeds::new(1));
        d.run(DEFAULT_MAX_SWEEPS);
        let s = d.summary();
        assert!(s.settled);
        assert_eq!(s.clusters, 1, "{:?}", s.cluster_list);
    }

    #[test]
    fn no_confidence_changes_nothing() {
        let mut d = Deffuant::new(&Config::complete(50, 0.0), Seeds::new(1));
        let before = d.opinions().to_vec();
        d.sweep();
        assert_eq!(before, d.opinions());
    }
}
