//! The calibration file: the base scenario, the parameters to fit with their priors, the target
//! series each model metric is set against (and the years held out), and the method's budget.
//!
//! ```toml
//! name = "behaviour"
//! base = "baseline"                  # a built-in name, or a path relative to this file
//!
//! [set]                              # optional: fixed changes to the base, as in sweeps
//! "town.residents" = 1500
//!
//! [method]
//! particles = 100                    # runs in generation 0; each later one runs half as many
//! generations = 6                    # at most this many generations
//! seed = 2024
//! predictive = 40                    # runs at posterior draws, for the predictive bands
//!
//! [[parameter]]
//! param = "belonging.intercept"      # any numeric key, as `cohesion params` lists them
//! bounds = [-2.5, -0.5]
//! prior = "uniform"                  # or "log-uniform" (positive bounds)
//!
//! [[target]]
//! file = "cls_england.csv"           # a file of data/targets, or a path relative to this file
//! measure = "belong_neighbourhood"
//! mode = "online_paper"              # optional: keep rows of this mode only
//! years = [2016, 2018]               # fitted
//! held_out = [2020, 2021]            # optional: predicted, not fitted
//! metric = "share_belonging"         # the model's metric, its mean over each calendar year
//! se = 0.02                          # optional: the scale of a miss, overriding the file's
//! ```
//!
//! This module only reads and checks the file; `plan` resolves it against the base scenario
//! and the target files.

use crate::calibrate::Kernel;
use crate::scenario::ScenarioError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A calibration file as written, checked for shape but not yet resolved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationSpec {
    /// Short name, used for output folders and chart titles.
    pub name: String,
    /// What the calibration fits, in plain words.
    #[serde(default)]
    pub description: String,
    /// The scenario every run starts from: a built-in name or a path relative to the file.
    pub base: String,
    /// Fixed changes to the base scenario: parameter → value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, toml::Value>,
    /// The parameters fitted, with their priors.
    #[serde(default, rename = "parameter")]
    pub parameters: Vec<Parameter>,
    /// The target series.
    #[serde(default, rename = "target")]
    pub targets: Vec<TargetSpec>,
    pub method: Method,
}

/// One fitted parameter and its prior.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    pub param: String,
    pub bounds: [f64; 2],
    #[serde(default)]
    pub prior: Prior,
}

/// How a prior spreads its mass between the bounds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Prior {
    /// Evenly between the bounds.
    #[default]
    Uniform,
    /// Evenly in the logarithm (both bounds above zero).
    LogUniform,
}

/// One target series: rows of a target file, the years fitted and held out, and the metric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// A file of `data/targets` by name, or a path relative to the calibration file.
    pub file: String,
    /// The `measure` column's value.
    pub measure: String,
    /// Keep only rows of this `mode` (needed where a year has rows of two modes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Keep only rows of this `geography`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geography: Option<String>,
    /// The `year` values fitted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub years: Vec<i32>,
    /// The `year` values predicted but not fitted (their coverage is reported).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held_out: Vec<i32>,
    /// The town metric set against the series: its mean over each calendar year.
    pub metric: String,
    /// The size of a miss worth one unit of distance. Overrides the file's standard error; the
    /// file's sample size gives one (for a proportion) when neither is there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se: Option<f64>,
    /// How much this series counts in the distance (1 unless given).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub weight: f64,
}

fn one() -> f64 {
    1.0
}

fn is_one(x: &f64) -> bool {
    *x == 1.0
}

/// The method's settings and budget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Method {
    /// `N`: runs in generation 0, drawn from the prior.
    pub particles: usize,
    /// At most this many generations, generation 0 included.
    pub generations: u32,
    /// Master seed of every proposal, run and draw.
    pub seed: u64,
    /// The share of `particles` kept as the population (0.5 unless given).
    #[serde(default = "half")]
    pub alpha: f64,
    /// Stop when a generation's acceptance rate falls to this (0.05 unless given).
    #[serde(default = "five_percent")]
    pub min_acceptance: f64,
    /// The perturbation kernel: "full" (default) or "diagonal".
    #[serde(default = "full")]
    pub kernel: Kernel,
    /// Runs at parameter sets drawn from the posterior, for the predictive bands and the
    /// held-out coverage (40 unless given).
    #[serde(default = "forty")]
    pub predictive: usize,
}

fn half() -> f64 {
    0.5
}

fn five_percent() -> f64 {
    0.05
}

fn full() -> Kernel {
    Kernel::Full
}

fn forty() -> usize {
    40
}

/// Most generations: far beyond any budget, and it keeps generation numbers clear of the
/// predictive runs' seeds (see `runner`).
pub const MAX_GENERATIONS: u32 = 1000;

/// Most predictive runs: enough for smooth bands, few enough to stay a small part of a budget.
pub const MAX_PREDICTIVE: usize = 10_000;

impl CalibrationSpec {
    /// Parses and checks a calibration file's text. `origin` names the file in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<CalibrationSpec, ScenarioError> {
        let spec: CalibrationSpec =
            toml::from_str(text).map_err(|e| ScenarioError::from_toml(e, text, origin))?;
        spec.check()
            .map_err(|(key, message)| ScenarioError::at_key(origin, Some(text), &key, message))?;
        Ok(spec)
    }

    /// The checks that need nothing but the file: (key, message) of the first problem.
    pub fn check(&self) -> Result<(), (String, String)> {
        let err = |key: &str, message: String| Err((key.to_string(), message));
        if self.name.trim().is_empty() {
            return err("name", "a calibration needs a name".into());
        }
        if self.parameters.is_empty() {
            return err(
                "parameter",
                "a calibration needs at least one [[parameter]] (param, bounds and prior)".into(),
            );
        }
        for (i, p) in self.parameters.iter().enumerate() {
            let key = |k: &str| format!("parameter[{i}].{k}");
            if self.parameters[..i].iter().any(|q| q.param == p.param) {
                return err(
                    &key("param"),
                    format!(
                        "`{}` is fitted by an earlier [[parameter]] already",
                        p.param
                    ),
                );
            }
            if self.set.contains_key(&p.param) {
                return err(
                    &key("param"),
                    format!(
                        "`{}` is fixed in [set]; fit it or fix it, not both",
                        p.param
                    ),
                );
            }
            let [lo, hi] = p.bounds;
            if !(lo.is_finite() && hi.is_finite()) {
                return err(&key("bounds"), "bounds must be finite numbers".into());
            }
            if lo >= hi {
                return err(
                    &key("bounds"),
                    format!(
                        "bounds reversed or empty: [{lo}, {hi}]; give [min, max] with min < max"
                    ),
                );
            }
            if p.prior == Prior::LogUniform && lo <= 0.0 {
                return err(
                    &key("bounds"),
                    format!("a log-uniform prior needs bounds above zero (the lower is {lo})"),
                );
            }
        }
        if self.targets.is_empty() {
            return err(
                "target",
                "a calibration needs at least one [[target]] (file, measure, years, metric)".into(),
            );
        }
        for (i, t) in self.targets.iter().enumerate() {
            let key = |k: &str| format!("target[{i}].{k}");
            if t.file.trim().is_empty() {
                return err(&key("file"), "name a file of data/targets".into());
            }
            if t.measure.trim().is_empty() {
                return err(&key("measure"), "name the `measure` to fit".into());
            }
            if t.years.is_empty() && t.held_out.is_empty() {
                return err(
                    &key("years"),
                    "give at least one year, to fit (`years`) or to predict (`held_out`)".into(),
                );
            }
            for (what, years) in [("years", &t.years), ("held_out", &t.held_out)] {
                for (j, y) in years.iter().enumerate() {
                    if years[..j].contains(y) {
                        return err(&key(what), format!("{y} is listed twice"));
                    }
                }
            }
            if let Some(y) = t.held_out.iter().find(|y| t.years.contains(y)) {
                return err(
                    &key("held_out"),
                    format!("{y} is both fitted and held out; a year is one or the other"),
                );
            }
            if crate::metrics::metric(&t.metric).is_none() {
                return err(
                    &key("metric"),
                    format!(
                        "unknown metric `{}`; town metrics are: {}",
                        t.metric,
                        crate::sweep::spec::town_metrics().join(", ")
                    ),
                );
            }
            if let Some(se) = t.se
                && !(se.is_finite() && se > 0.0)
            {
                return err(&key("se"), format!("must be a positive number, not {se}"));
            }
            if !(t.weight.is_finite() && t.weight > 0.0) {
                return err(
                    &key("weight"),
                    format!(
                        "must be a positive number, not {} (hold years out with `held_out`)",
                        t.weight
                    ),
                );
            }
        }
        if !self.targets.iter().any(|t| !t.years.is_empty()) {
            return err(
                "target",
                "at least one [[target]] must have `years` to fit (held-out years are only \
                 predicted)"
                    .into(),
            );
        }
        let m = &self.method;
        if m.particles < 4 {
            return err(
                "method.particles",
                format!(
                    "must be at least 4 (a few hundred is usual), not {}",
                    m.particles
                ),
            );
        }
        if m.generations < 1 || m.generations > MAX_GENERATIONS {
            return err(
                "method.generations",
                format!(
                    "must be between 1 and {MAX_GENERATIONS}, not {}",
                    m.generations
                ),
            );
        }
        if i64::try_from(m.seed).is_err() {
            return err(
                "method.seed",
                "must be between 0 and 9223372036854775807".into(),
            );
        }
        if m.predictive < 2 || m.predictive > MAX_PREDICTIVE {
            return err(
                "method.predictive",
                format!(
                    "must be between 2 and {MAX_PREDICTIVE} (40 to 200 is usual), not {}",
                    m.predictive
                ),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "t"
base = "baseline"

[method]
particles = 20
generations = 3
seed = 1

[[parameter]]
param = "belonging.intercept"
bounds = [-2.5, -0.5]

[[target]]
file = "cls_england.csv"
measure = "belong_neighbourhood"
mode = "online_paper"
years = [2016]
metric = "share_belonging"
"#;

    fn error(text: &str) -> ScenarioError {
        CalibrationSpec::from_toml(text, "c.toml").unwrap_err()
    }

    #[test]
    fn a_good_file_parses_with_the_defaults() {
        let s = CalibrationSpec::from_toml(GOOD, "c.toml").unwrap();
        assert_eq!(s.parameters[0].prior, Prior::Uniform);
        assert_eq!(s.method.alpha, 0.5);
        assert_eq!(s.method.predictive, 40);
        assert_eq!(s.targets[0].weight, 1.0);
    }

    #[test]
    fn problems_name_the_line_and_key() {
        let e = error(&GOOD.replace("[-2.5, -0.5]", "[-0.5, -2.5]"));
        assert_eq!(e.key.as_deref(), Some("parameter[0].bounds"));
        assert_eq!(e.line, Some(12));
        assert!(e.message.contains("reversed"), "{e}");
        let e = error(&GOOD.replace("particles = 20", "particles = 2"));
        assert_eq!(e.key.as_deref(), Some("method.particles"));
        assert_eq!(e.line, Some(6));
        let e = error(&GOOD.replace("\"share_belonging\"", "\"happiness\""));
        assert_eq!(e.key.as_deref(), Some("target[0].metric"));
        let e = error(&GOOD.replace("years = [2016]", "years = [2016]\nheld_out = [2016]"));
        assert_eq!(e.key.as_deref(), Some("target[0].held_out"));
        let e = error(&GOOD.replace(
            "bounds = [-2.5, -0.5]",
            "bounds = [-2.5, -0.5]\nprior = \"normal\"",
        ));
        assert_eq!(e.line, Some(13), "{e}");
        let e = error(&GOOD.replace("seed = 1", "seed = 1\nparticle = 3"));
        assert!(e.message.contains("unknown field"), "{e}");
        assert_eq!(e.line, Some(9), "{e}");
        let e = error(&GOOD.replace(
            "bounds = [-2.5, -0.5]",
            "bounds = [0.0, 1.0]\nprior = \"log-uniform\"",
        ));
        assert!(e.message.contains("above zero"), "{e}");
    }
}
