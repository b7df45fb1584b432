//! The classic models behind the town's mechanisms, each run on its own and checked against its
//! published result: Deffuant–Weisbuch bounded confidence ([`deffuant`]),
//! Hegselmann–Krause averaging ([`hk`]), Schelling segregation ([`schelling`]), Granovetter
//! thresholds ([`granovetter`]) and Axelrod's culture dissemination ([`axelrod`]).
//!
//! They use the engine's machinery: keyed random streams ([`crate::rng`]), reductions in a fixed
//! order, and bevy systems where agents update at once from the same picture (Hegselmann–Krause,
//! Granovetter). Models in which agents act one after another, each seeing the last one's move
//! (Deffuant, Schelling, Axelrod), are sequential by nature and keep their state in plain arrays.
//! Every result is the same to the byte on any number of threads.
//!
//! Where a rule is the town's, the classic model calls the town's function
//! ([`crate::model::rules`], [`crate::model::participation::participation_logit`]), so that a
//! change to the town's rule moves the classic check.
//!
//! [`run`] runs one model from named parameters, for `cohesion classic`; [`validate`] runs every
//! published-result check, for `cohesion validate`.

pub mod axelrod;
pub mod deffuant;
pub mod figures;
pub mod granovetter;
pub mod hk;
pub mod params;
pub mod schelling;
pub mod validate;

use crate::rng::Seeds;
use params::{ParamSpec, Params};
use serde::Serialize;
use std::time::Instant;

/// The classic models: (name, what it is).
pub const MODELS: [(&str, &str); 5] = [
    (
        "deffuant",
        "Deffuant–Weisbuch bounded confidence (Deffuant et al. 2000)",
    ),
    (
        "hk",
        "Hegselmann–Krause bounded-confidence averaging (Hegselmann & Krause 2002)",
    ),
    (
        "schelling",
        "Schelling segregation on a grid (Schelling 1971; Mesa's and NetLogo's versions)",
    ),
    (
        "granovetter",
        "Granovetter threshold cascade (Granovetter 1978)",
    ),
    ("axelrod", "Axelrod culture dissemination (Axelrod 1997)"),
];

/// Why a classic run did not happen. All are the user's input: the CLI exits with status 2.
#[derive(Debug, Clone, PartialEq)]
pub enum ClassicError {
    /// No model of that name.
    UnknownModel { name: String },
    /// The model has no parameter of that name.
    UnknownParam {
        model: String,
        name: String,
        allowed: Vec<&'static str>,
    },
    /// A value that is not allowed.
    BadValue {
        param: String,
        value: String,
        allowed: String,
    },
    /// A command-line word that is not `--name value`.
    BadArgument { argument: String, why: String },
}

impl std::fmt::Display for ClassicError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClassicError::UnknownModel { name } => {
                let names: Vec<&str> = MODELS.iter().map(|(n, _)| *n).collect();
                write!(
                    f,
                    "unknown classic model `{name}`; the models are: {}",
                    names.join(", ")
                )
            }
            ClassicError::UnknownParam {
                model,
                name,
                allowed,
            } => {
                let list: Vec<String> = allowed.iter().map(|a| format!("--{a}")).collect();
                write!(
                    f,
                    "{model} has no parameter `--{name}`; its parameters are: {} \
                     (and --seed, --steps, --threads)",
                    list.join(", ")
                )
            }
            ClassicError::BadValue {
                param,
                value,
                allowed,
            } => write!(f, "--{param} {value}: expected {allowed}"),
            ClassicError::BadArgument { argument, why } => write!(f, "`{argument}`: {why}"),
        }
    }
}

impl std::error::Error for ClassicError {}

/// What `cohesion classic` prints, as one JSON line.
#[derive(Clone, Debug, Serialize)]
pub struct ClassicResult {
    pub model: String,
    /// Every parameter, defaults filled in.
    pub parameters: serde_json::Map<String, serde_json::Value>,
    pub seed: u64,
    /// Steps run (the model's own unit: a sweep of N encounters, a round, a Mesa step...).
    pub steps: u64,
    /// The model's summary statistics.
    pub summary: serde_json::Value,
    /// Seconds spent setting the model up.
    pub setup_s: f64,
    /// Seconds spent running it.
    pub run_s: f64,
    /// Agents × steps per second of `run_s`.
    pub agent_steps_per_s: f64,
}

/// A parsed `cohesion classic MODEL ...` command line.
#[derive(Clone, Debug, PartialEq)]
pub struct Invocation {
    pub model: String,
    pub params: Vec<(String, String)>,
    pub seed: u64,
    /// The most steps to run (None: the model's default).
    pub steps: Option<u64>,
    /// Worker threads (None: all cores). Results do not depend on it.
    pub threads: Option<usize>,
}

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 42;

/// Parses the words after `cohesion classic`: a model name, then `--name value` pairs, of which
/// `--seed`, `--steps` and `--threads` are the runner's and the rest the model's.
pub fn parse_args(args: &[String]) -> Result<Invocation, ClassicError> {
    let mut words = args.iter();
    let model = match words.next() {
        Some(m) if !m.starts_with("--") => m.clone(),
        _ => {
            return Err(ClassicError::BadArgument {
                argument: args.first().cloned().unwrap_or_default(),
                why: "expected a model name first (deffuant, hk, schelling, granovetter, axelrod)"
                    .into(),
            });
        }
    };
    let mut inv = Invocation {
        model,
        params: Vec::new(),
        seed: DEFAULT_SEED,
        steps: None,
        threads: None,
    };
    while let Some(word) = words.next() {
        let Some(name) = word.strip_prefix("--") else {
            return Err(ClassicError::BadArgument {
                argument: word.clone(),
                why: "expected `--name value`".into(),
            });
        };
        let (name, value) = match name.split_once('=') {
            Some((n, v)) => (n.to_owned(), v.to_owned()),
            None => {
                let value = words.next().ok_or_else(|| ClassicError::BadArgument {
                    argument: word.clone(),
                    why: "has no value after it".into(),
                })?;
                (name.to_owned(), value.clone())
            }
        };
        let number = |allowed: &str| -> Result<u64, ClassicError> {
            value.parse().map_err(|_| ClassicError::BadValue {
                param: name.clone(),
                value: value.clone(),
                allowed: allowed.into(),
            })
        };
        match name.as_str() {
            "seed" => inv.seed = number("a whole number from 0 to 2^64 − 1")?,
            "steps" => inv.steps = Some(number("a whole number of steps")?),
            "threads" => {
                let allowed = format!(
                    "a whole number of threads from 1 to {}",
                    crate::limits::MAX_THREADS
                );
                let n = number(&allowed)?;
                match crate::limits::check_threads(n) {
                    Ok(n) => inv.threads = Some(n),
                    Err(_) => {
                        return Err(ClassicError::BadValue {
                            param: name,
                            value,
                            allowed,
                        });
                    }
                }
            }
            _ => inv.params.push((name, value)),
        }
    }
    Ok(inv)
}

/// The parameter list of `model`.
pub fn params_of(model: &str) -> Result<&'static [ParamSpec], ClassicError> {
    Ok(match model {
        "deffuant" => deffuant::PARAMS,
        "hk" => hk::PARAMS,
        "schelling" => schelling::PARAMS,
        "granovetter" => granovetter::PARAMS,
        "axelrod" => axelrod::PARAMS,
        _ => {
            return Err(ClassicError::UnknownModel {
                name: model.to_owned(),
            });
        }
    })
}

/// A classic model, set up and ready to run.
pub trait ClassicModel {
    /// How many agents (or sites) take a step each step.
    fn agents(&self) -> u64;
    /// Runs until the model's stopping rule holds or `max_steps` have run; returns steps run.
    fn run(&mut self, max_steps: u64) -> u64;
    /// The summary statistics.
    fn summary_json(&self) -> serde_json::Value;
}

/// Runs `model` with `params` and `seed` for at most `steps` steps (None: the model's default
/// cap), and reports what `cohesion classic` prints.
pub fn run(
    model: &str,
    params: &[(String, String)],
    seed: u64,
    steps: Option<u64>,
) -> Result<ClassicResult, ClassicError> {
    let specs = params_of(model)?;
    let p = Params::resolve(model, specs, params)?;
    let seeds = Seeds::new(seed);
    let started = Instant::now();
    let (mut m, default_steps): (Box<dyn ClassicModel>, u64) = match model {
        "deffuant" => (
            Box::new(deffuant::Deffuant::new(
                &deffuant::Config::from_params(&p)?,
                seeds,
            )),
            deffuant::DEFAULT_MAX_SWEEPS,
        ),
        "hk" => (
            Box::new(hk::HegselmannKrause::new(
                &hk::Config::from_params(&p)?,
                seeds,
            )),
            hk::DEFAULT_MAX_ROUNDS,
        ),
        "schelling" => (
            Box::new(schelling::Schelling::new(
                &schelling::Config::from_params(&p)?,
                seeds,
            )),
            schelling::DEFAULT_MAX_STEPS,
        ),
        "granovetter" => (
            Box::new(granovetter::Granovetter::new(
                &granovetter::Config::from_params(&p)?,
                seeds,
            )),
            granovetter::DEFAULT_MAX_ROUNDS,
        ),
        "axelrod" => (
            Box::new(axelrod::Axelrod::new(
                &axelrod::Config::from_params(&p)?,
                seeds,
            )),
            axelrod::DEFAULT_MAX_SWEEPS,
        ),
        _ => unreachable!("params_of accepted only known models"),
    };
    let setup_s = started.elapsed().as_secs_f64();
    let running = Instant::now();
    let steps_run = m.run(steps.unwrap_or(default_steps));
    let run_s = running.elapsed().as_secs_f64();
    Ok(ClassicResult {
        model: model.to_owned(),
        parameters: p.to_json(),
        seed,
        steps: steps_run,
        summary: m.summary_json(),
        setup_s,
        run_s,
        agent_steps_per_s: (m.agents() * steps_run) as f64 / run_s.max(1e-9),
    })
}

/// `cohesion classic ARGS...`: parses, sets the thread count, runs, and returns the JSON line.
pub fn cli_line(args: &[String]) -> Result<String, ClassicError> {
    if let Some(model) = args.first().filter(|_| args.iter().any(|a| a == "--help")) {
        return help(model);
    }
    let inv = parse_args(args)?;
    crate::sim::init_threads(inv.threads);
    let result = run(&inv.model, &inv.params, inv.seed, inv.steps)?;
    Ok(format!(
        "{}\n",
        serde_json::to_string(&result).unwrap_or_default()
    ))
}

/// The parameters of `model`, one a line, for `cohesion classic MODEL --help`.
pub fn help(model: &str) -> Result<String, ClassicError> {
    let mut text = format!(
        "cohesion classic {model} [--PARAM VALUE ...] [--seed S] [--steps K] [--threads N]\n\n"
    );
    for p in params_of(model)? {
        text.push_str(&format!(
            "  --{:<16} {} (default {}; {})\n",
            p.name,
            p.help,
            if p.default.is_empty() {
                "none"
            } else {
                p.default
            },
            p.kind.allowed()
        ));
    }
    Ok(text)
}

/// A group of nearly equal opinions at the end of an opinion-dynamics run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cluster {
    /// Mean opinion of the members.
    pub opinion: f64,
    /// Number of members.
    pub size: usize,
}

/// A cluster is *major* when it holds at least this share of the agents; smaller ones (the
/// handful of agents left at the extremes, Deffuant et al. 2000) are minor.
pub const MAJOR_SHARE: f64 = 0.1;

/// Splits opinions into clusters: sorted, a new cluster starts wherever two neighbouring
/// opinions are more than `gap` apart. Means are summed in sorted order, so the result does not
/// depend on the order of `values`.
pub fn opinion_clusters(values: &[f32], gap: f32) -> Vec<Cluster> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f32::total_cmp);
    let mut clusters = Vec::new();
    let mut start = 0;
    for i in 1..=sorted.len() {
        if i == sorted.len() || sorted[i] - sorted[i - 1] > gap {
            let members = &sorted[start..i];
            let sum: f64 = members.iter().map(|&x| f64::from(x)).sum();
            clusters.push(Cluster {
                opinion: sum / members.len() as f64,
                size: members.len(),
            });
            start = i;
        }
    }
    clusters
}

/// How many clusters hold at least [`MAJOR_SHARE`] of `n` agents.
pub fn major_clusters(clusters: &[Cluster], n: usize) -> usize {
    clusters
        .iter()
        .filter(|c| c.size as f64 >= MAJOR_SHARE * n as f64)
        .count()
}

/// The gap that separates clusters for confidence bound `epsilon`: settled clusters lie at least
/// ε apart while each has almost no spread, so any gap well inside (0, ε) separates them.
pub fn cluster_gap(epsilon: f32) -> f32 {
    (epsilon / 2.0).min(0.01)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_runner_and_model_parameters() {
        let inv = parse_args(&args("hk --epsilon 0.3 --seed 7 --steps=50 --threads 1")).unwrap();
        assert_eq!(inv.model, "hk");
        assert_eq!(inv.params, vec![("epsilon".into(), "0.3".into())]);
        assert_eq!((inv.seed, inv.steps, inv.threads), (7, Some(50), Some(1)));
    }

    #[test]
    fn clusters_split_at_gaps() {
        let c = opinion_clusters(&[0.9, 0.1, 0.1001, 0.5, 0.9], 0.01);
        assert_eq!(c.len(), 3);
        assert_eq!(c.iter().map(|c| c.size).collect::<Vec<_>>(), vec![2, 1, 2]);
        assert_eq!(major_clusters(&c, 5), 3);
    }
}
