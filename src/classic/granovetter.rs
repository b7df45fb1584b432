//! Granovetter's threshold model of collective behaviour (Granovetter 1978, "Threshold models
//! of collective behavior", American Journal of Sociology 83(6):1420–1443).
//!
//! Rule: each of N people has a threshold: how many others must already have joined before they
//! join too. Every round, all at once, each person who has not joined joins if the number who
//! joined by last round is at least their threshold; no one leaves. The run stops when a round
//! adds no one.
//!
//! The decision is the town's participation rule, [`participation_logit`], with every term but
//! the peer term switched off: intercept −threshold/N, peer weight 1 and peer share = joined/N,
//! so the logit is (joined − threshold)/N, and a person joins when it is at least 0 (the rule's
//! deterministic limit). Change the town's rule and this model moves with it.
//!
//! Published results: thresholds 0, 1, …, 99 (N = 100) bring everyone out; raise the threshold-1
//! person to 2 and only the instigator acts. With thresholds normal with mean 25 (N = 100) the
//! outcome jumps from a handful to nearly everyone as the standard deviation passes about 12.2.
//!
//! Rounds are a bevy system, parallel over people, each reading last round's count and writing
//! only its own state; the count is an integer sum, the same in any order.

use super::params::{Kind, ParamSpec, Params};
use super::{ClassicError, ClassicModel};
use crate::model::participation::participation_logit;
use crate::rng::{Purpose, Seeds, normal};
use crate::scenario::Participation;
use bevy_ecs::prelude::*;
use bevy_ecs::schedule::{Schedule, SingleThreadedExecutor};
use serde::Serialize;

/// The parameters of `cohesion classic granovetter`.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "distribution",
        kind: Kind::Choice(&["auto", "ladder", "list", "normal", "normal-quantiles"]),
        default: "auto",
        help: "thresholds: ladder (0, 1, …, n−1), list (--thresholds), normal (drawn), \
               normal-quantiles (evenly spaced quantiles of the normal); auto is list when \
               --thresholds is given, else ladder",
    },
    ParamSpec {
        name: "n",
        kind: Kind::Int {
            min: 1,
            max: 10_000_000,
        },
        default: "100",
        help: "number of people (ignored for a list)",
    },
    ParamSpec {
        name: "thresholds",
        kind: Kind::Text,
        default: "",
        help: "explicit thresholds, in people: numbers and inclusive ranges, e.g. 0,2,2..99",
    },
    ParamSpec {
        name: "mean",
        kind: Kind::Float {
            min: -1e9,
            max: 1e9,
        },
        default: "25",
        help: "mean threshold of the normal distribution, in people",
    },
    ParamSpec {
        name: "sd",
        kind: Kind::Float { min: 0.0, max: 1e9 },
        default: "10",
        help: "standard deviation of the normal distribution, in people",
    },
];

/// Rounds run at most, unless `--steps` says otherwise.
pub const DEFAULT_MAX_ROUNDS: u64 = 1_000_000;

/// How thresholds are set.
#[derive(Clone, Debug, PartialEq)]
pub enum Thresholds {
    /// 0, 1, …, n−1.
    Ladder(usize),
    /// As given.
    List(Vec<f64>),
    /// n draws from Normal(mean, sd).
    Normal { n: usize, mean: f64, sd: f64 },
    /// The n quantiles (i + ½)/n of Normal(mean, sd): a sample with no sampling noise.
    NormalQuantiles { n: usize, mean: f64, sd: f64 },
}

/// A Granovetter configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub thresholds: Thresholds,
}

impl Config {
    pub fn from_params(p: &Params) -> Result<Config, ClassicError> {
        let n = p.int("n") as usize;
        let (mean, sd) = (p.float("mean"), p.float("sd"));
        let list = p.text("thresholds");
        let thresholds = match (p.text("distribution"), list.is_empty()) {
            ("auto", true) | ("ladder", _) => Thresholds::Ladder(n),
            ("auto", false) | ("list", _) => Thresholds::List(parse_list(list)?),
            ("normal", _) => Thresholds::Normal { n, mean, sd },
            _ => Thresholds::NormalQuantiles { n, mean, sd },
        };
        Ok(Config { thresholds })
    }
}

/// Parses `0,2,2..99` into thresholds.
pub fn parse_list(text: &str) -> Result<Vec<f64>, ClassicError> {
    let bad = |why: &str| ClassicError::BadValue {
        param: "thresholds".into(),
        value: text.to_owned(),
        allowed: format!(
            "a comma-separated list of numbers and whole-number ranges like 2..99 ({why})"
        ),
    };
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim) {
        if let Some((a, b)) = part.split_once("..") {
            let (a, b): (i64, i64) = match (a.trim().parse(), b.trim().parse()) {
                (Ok(a), Ok(b)) if a <= b && b - a < 10_000_000 => (a, b),
                _ => return Err(bad(&format!("`{part}` is not a range a..b with a ≤ b"))),
            };
            out.extend((a..=b).map(|t| t as f64));
        } else {
            match part.parse::<f64>() {
                Ok(t) if t.is_finite() => out.push(t),
                _ => return Err(bad(&format!("`{part}` is not a number"))),
            }
        }
    }
    if out.is_empty() {
        return Err(bad("it is empty"));
    }
    Ok(out)
}

/// Whether someone with `threshold` joins when `joined` of `n` have: the town's participation
/// logit with only the peer term on, at its deterministic limit (join when the logit ≥ 0).
pub fn joins(joined: u64, n: u64, threshold: f64) -> bool {
    let n = n.max(1) as f64;
    let rule = Participation {
        intercept: -threshold / n,
        agency_weight: 0.0,
        peer_weight: 1.0,
        belonging_weight: 0.0,
        cost_weight: 0.0,
        opportunity_weight: 0.0,
        group_member_weight: 0.0,
        influence_threshold: 0.0,
    };
    participation_logit(&rule, 0.0, joined as f64 / n, 0.0, 0.0, 0.0, false) >= 0.0
}

/// The inverse of the standard normal distribution function, by bisection on `libm::erfc`
/// (identical on every platform).
pub fn normal_quantile(p: f64) -> f64 {
    let cdf = |z: f64| 0.5 * libm::erfc(-z / std::f64::consts::SQRT_2);
    let (mut lo, mut hi) = (-40.0f64, 40.0f64);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// A person's threshold, in people.
#[derive(Component, Clone, Copy)]
struct Threshold(f64);

/// Whether a person has joined.
#[derive(Component, Clone, Copy)]
struct Joined(bool);

/// How many had joined by the end of last round, of how many.
#[derive(Resource, Clone, Copy)]
struct Crowd {
    joined: u64,
    n: u64,
}

/// Everyone who has not joined decides, from last round's count.
fn decide(mut people: Query<(&Threshold, &mut Joined)>, crowd: Res<Crowd>) {
    let Crowd { joined, n } = *crowd;
    people.par_iter_mut().for_each(|(t, mut j)| {
        if !j.0 && joins(joined, n, t.0) {
            j.0 = true;
        }
    });
}

/// Counts who has joined (an integer sum, the same in any order).
fn count(people: Query<&Joined>, mut crowd: ResMut<Crowd>) {
    crowd.joined = people.iter().filter(|j| j.0).count() as u64;
}

/// What a run ends with.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub n: u64,
    /// How many joined in the end.
    pub joined: u64,
    pub joined_share: f64,
    /// Rounds run, the last of which added no one.
    pub rounds: u64,
    /// Whether the last round added no one.
    pub settled: bool,
}

/// A population with thresholds in a bevy world.
pub struct Granovetter {
    world: World,
    schedule: Schedule,
    rounds: u64,
    settled: bool,
}

impl Granovetter {
    pub fn new(config: &Config, seeds: Seeds) -> Granovetter {
        crate::sim::init_threads(None);
        let thresholds: Vec<f64> = match &config.thresholds {
            Thresholds::Ladder(n) => (0..*n).map(|t| t as f64).collect(),
            Thresholds::List(list) => list.clone(),
            Thresholds::Normal { n, mean, sd } => {
                let mut rng = seeds.stream(Purpose::Granovetter, 0, 0);
                (0..*n).map(|_| mean + sd * normal(&mut rng)).collect()
            }
            Thresholds::NormalQuantiles { n, mean, sd } => (0..*n)
                .map(|i| mean + sd * normal_quantile((i as f64 + 0.5) / *n as f64))
                .collect(),
        };
        let n = thresholds.len() as u64;
        let mut world = World::new();
        world.spawn_batch(
            thresholds
                .into_iter()
                .map(|t| (Threshold(t), Joined(false))),
        );
        world.insert_resource(Crowd { joined: 0, n });
        let mut schedule = Schedule::default();
        schedule.set_executor(SingleThreadedExecutor::new());
        schedule.add_systems((decide, count).chain());
        Granovetter {
            world,
            schedule,
            rounds: 0,
            settled: false,
        }
    }

    /// One round; returns whether it added anyone.
    pub fn round(&mut self) -> bool {
        let before = self.world.resource::<Crowd>().joined;
        self.schedule.run(&mut self.world);
        self.rounds += 1;
        self.settled = self.world.resource::<Crowd>().joined == before;
        !self.settled
    }

    pub fn summary(&self) -> Summary {
        let c = *self.world.resource::<Crowd>();
        Summary {
            n: c.n,
            joined: c.joined,
            joined_share: c.joined as f64 / c.n.max(1) as f64,
            rounds: self.rounds,
            settled: self.settled,
        }
    }
}

impl ClassicModel for Granovetter {
    fn agents(&self) -> u64 {
        self.world.resource::<Crowd>().n
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
    fn joins_is_the_threshold_rule() {
        assert!(joins(0, 100, 0.0));
        assert!(!joins(0, 100, 1.0));
        assert!(joins(3, 100, 3.0));
        assert!(!joins(3, 100, 3.5));
        assert!(joins(4, 100, 3.5));
        assert!(joins(0, 100, -2.0));
    }

    #[test]
    fn quantiles_invert_the_normal() {
        assert!(normal_quantile(0.5).abs() < 1e-12);
        assert!((normal_quantile(0.975) - 1.959_964).abs() < 1e-5);
    }

    #[test]
    fn lists_parse_with_ranges() {
        assert_eq!(
            parse_list("0, 2,2..4").unwrap(),
            vec![0.0, 2.0, 2.0, 3.0, 4.0]
        );
        assert!(parse_list("1,x").is_err());
        assert!(parse_list("5..2").is_err());
    }
}
