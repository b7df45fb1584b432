//! The sweep file: which scenario to start from, which parameters to vary and how, how many
//! replicates, the master seed, and which metrics to summarise.
//!
//! ```toml
//! name = "austerity_x_devolution"
//! base = "devolution_big_bang"        # a built-in name, or a path relative to this file
//! replicates = 4
//! seed = 2024
//!
//! [set]                               # fixed changes to the base, for every point
//! "time.years" = 12
//!
//! [[axis]]                            # a list of values ...
//! param = "events.austerity.cut_per_year"
//! values = [0.0, 0.02, 0.035, 0.05]
//!
//! [[axis]]                            # ... or a range (scale = "log" for a log range) ...
//! param = "events.devolution.year"
//! range = { from = 2012, to = 2021, steps = 4 }
//!
//! [[metric]]
//! name = "belonging"
//! summary = "final"                   # or "year" (with year = 2019), or "mean" (with years)
//! ```
//!
//! An axis may instead give `bounds = [min, max]`: such axes are sampled together, either by a
//! Latin hypercube (`[lhs] points = n`, crossed with any value and range axes) or by a Morris
//! design (`[morris] trajectories = r, levels = p`, with bounds axes only).
//!
//! A parameter is any numeric or true/false key of a scenario (`council.openness`,
//! `venues.pub.count`, `town.wards[1].deprivation`, as `cohesion params` lists them), or a key
//! of the base scenario's events: `events[0].cut_per_year` for one event, or
//! `events.austerity.cut_per_year` for every event of that kind.
//!
//! This module only reads and checks the file; `plan` resolves it against the base scenario.

use crate::scenario::{ScenarioError, names};
use crate::summary::{MetricSummary, Summary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A sweep file as written, checked for shape but not yet resolved against its base scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// Short name, used for output folders and chart titles.
    pub name: String,
    /// What the sweep asks, in plain words.
    #[serde(default)]
    pub description: String,
    /// The scenario every point starts from: a built-in name or a path relative to the file.
    pub base: String,
    /// Runs per point, each with its own seed.
    pub replicates: u32,
    /// Master seed: every run's seed is derived from it (see `plan::run_seed`).
    pub seed: u64,
    /// Fixed changes to the base scenario, applied to every point: parameter → value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, toml::Value>,
    /// The parameters varied.
    #[serde(default, rename = "axis")]
    pub axes: Vec<SweepAxis>,
    /// A Latin hypercube over the bounds axes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lhs: Option<Lhs>,
    /// A Morris elementary-effects design over the bounds axes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub morris: Option<Morris>,
    /// A Saltelli design over the bounds axes, for Sobol indices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sobol: Option<Sobol>,
    /// A one-at-a-time design: every axis moved alone by each factor of its base value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oat: Option<Oat>,
    /// The metrics each run is summarised by.
    #[serde(default, rename = "metric")]
    pub metrics: Vec<MetricSummary>,
    /// For a one-at-a-time design: contrasts between two of its scenarios whose sign (or size)
    /// is a finding, checked at every point.
    #[serde(default, rename = "conclusion", skip_serializing_if = "Vec::is_empty")]
    pub conclusions: Vec<Conclusion>,
}

/// One varied parameter: exactly one of `values`, `range` or `bounds`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepAxis {
    pub param: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<toml::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<Range>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounds: Option<[f64; 2]>,
    /// How `range` steps and `bounds` samples are spread: evenly, or evenly in log10.
    #[serde(default, skip_serializing_if = "is_linear")]
    pub scale: ScaleKind,
}

/// `steps` values from `from` to `to`, both included.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    pub from: f64,
    pub to: f64,
    pub steps: u32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleKind {
    #[default]
    Linear,
    Log,
}

fn is_linear(s: &ScaleKind) -> bool {
    *s == ScaleKind::Linear
}

/// A Latin hypercube sample of `points` parameter sets (McKay, Beckman & Conover 1979).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lhs {
    pub points: u32,
}

/// A Morris screening design: `trajectories` one-at-a-time paths over a grid of `levels`
/// levels per parameter (Morris 1991; Campolongo, Cariboni & Saltelli 2007).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Morris {
    pub trajectories: u32,
    #[serde(default = "four")]
    pub levels: u32,
}

fn four() -> u32 {
    4
}

/// A Saltelli design for Sobol first-order and total indices (`crate::sensitivity`): `samples`
/// base rows of `k + 2` points each, drawn from `seed` (the sweep's seed unless given), and
/// `resamples` bootstrap resamples for the intervals. With `scenarios`, the whole design is
/// run again on each further scenario with the same seeds, and the indices of each scenario's
/// effect (its paired difference from the base) are computed too (`super::sobol`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sobol {
    pub samples: usize,
    #[serde(default = "thousand")]
    pub resamples: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Further scenarios (built-in names or paths relative to the file) the whole design is
    /// also run on, with common random numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenarios: Vec<String>,
}

fn thousand() -> usize {
    1000
}

/// A one-at-a-time design (`super::oat`): the base point, then every axis moved alone to each
/// `factor` × its value in the base scenario (clamped to the parameter's allowed range), the
/// others staying at base; the whole run again on each of `scenarios`, with the same seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Oat {
    pub factors: Vec<f64>,
    /// Further scenarios (built-in names or paths relative to the file) every point is also
    /// run on, so that `[[conclusion]]`s can contrast them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenarios: Vec<String>,
}

/// A finding of the form "`scenario` gives a lower (higher, or a similar) `metric` than
/// `against`", checked at every point of a one-at-a-time design: it holds where the mean
/// paired difference `scenario − against` over replicates is below zero (`lower`), above
/// zero (`higher`), or at most `within` in size (`within`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conclusion {
    /// The finding in words: "austerity lowers belonging".
    pub name: String,
    /// A metric column of the sweep: `belonging_2019`.
    pub metric: String,
    pub scenario: String,
    pub against: String,
    pub holds: Holds,
    /// The largest difference that counts as similar, for `holds = "within"`, in the metric's
    /// units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<f64>,
}

/// What a conclusion says of its contrast `scenario − against`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Holds {
    Lower,
    Higher,
    Within,
}

/// Most factors of a one-at-a-time design.
pub const MAX_OAT_FACTORS: usize = 100;

/// Most points one sweep may have. Every point's scenario is resolved, held in memory and
/// written to `points/` before the first run, so the cap is counted from the file before any
/// of that is done.
pub const MAX_POINTS: u64 = 100_000;
/// Most runs (points × replicates) one sweep may have: far more than a cluster's week, and
/// well inside the 32 bits that number a sweep's runs (see `plan::run_seed`).
pub const MAX_RUNS: u64 = 1_000_000;
/// Most levels of a Morris design.
pub const MAX_MORRIS_LEVELS: u32 = 1000;

/// How much work a sweep file asks for, counted from the file alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    pub points: u64,
    pub runs: u64,
}

impl SweepSpec {
    /// Parses and checks a sweep file's text. `origin` names the file in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<SweepSpec, ScenarioError> {
        let spec: SweepSpec =
            toml::from_str(text).map_err(|e| ScenarioError::from_toml(e, text, origin))?;
        spec.check()
            .map_err(|(key, message)| ScenarioError::at_key(origin, Some(text), &key, message))?;
        Ok(spec)
    }

    /// Reads and checks a sweep file.
    pub fn load(path: &std::path::Path) -> Result<(SweepSpec, String), ScenarioError> {
        let origin = path.display().to_string();
        let text = crate::limits::read_text(path).map_err(|m| ScenarioError::plain(&origin, m))?;
        Ok((SweepSpec::from_toml(&text, &origin)?, text))
    }

    /// The checks that need nothing but the file: (key, message) of the first problem.
    pub fn check(&self) -> Result<(), (String, String)> {
        let err = |key: &str, message: String| Err((key.to_string(), message));
        if self.name.trim().is_empty() {
            return err("name", "a sweep needs a name".into());
        }
        names::check_name(&self.name, names::MAX_SWEEP_NAME_CHARS, true)
            .or_else(|m| err("name", m))?;
        names::check_text(&self.description).or_else(|m| err("description", m))?;
        if self.replicates == 0 {
            return err(
                "replicates",
                "must be at least 1 (each replicate is a run with its own seed)".into(),
            );
        }
        if i64::try_from(self.seed).is_err() {
            return err("seed", "must be between 0 and 9223372036854775807".into());
        }
        if self.axes.is_empty() {
            return err(
                "axis",
                "a sweep needs at least one [[axis]] (a parameter and its values)".into(),
            );
        }
        for (i, axis) in self.axes.iter().enumerate() {
            let key = |k: &str| format!("axis[{i}].{k}");
            if self.axes[..i].iter().any(|a| a.param == axis.param) {
                return err(
                    &key("param"),
                    format!("`{}` is swept by an earlier axis already", axis.param),
                );
            }
            let given = [
                axis.values.is_some(),
                axis.range.is_some(),
                axis.bounds.is_some(),
            ];
            if self.oat.is_some() {
                if given.iter().any(|&g| g) {
                    let k =
                        ["values", "range", "bounds"][given.iter().position(|&g| g).unwrap_or(0)];
                    return err(
                        &key(k),
                        format!(
                            "an [oat] axis gives only `param`: `{}` is moved to each factor × \
                             its base value",
                            axis.param
                        ),
                    );
                }
                if axis.scale == ScaleKind::Log {
                    return err(&key("scale"), "an [oat] axis takes no `scale`".into());
                }
                continue;
            }
            if given.iter().filter(|&&g| g).count() != 1 {
                return err(
                    &key("param"),
                    format!(
                        "axis `{}` must give exactly one of `values`, `range` or `bounds`",
                        axis.param
                    ),
                );
            }
            let log = axis.scale == ScaleKind::Log;
            if let Some(values) = &axis.values {
                if values.is_empty() {
                    return err(
                        &key("values"),
                        format!("empty axis: give `{}` at least one value", axis.param),
                    );
                }
                for v in values {
                    match v {
                        toml::Value::Integer(_) | toml::Value::Float(_) => {}
                        toml::Value::Boolean(_) => {}
                        other => {
                            return err(
                                &key("values"),
                                format!(
                                    "values must be numbers or true/false, not {}",
                                    other.type_str()
                                ),
                            );
                        }
                    }
                    if let Some(x) = number(v)
                        && !x.is_finite()
                    {
                        return err(&key("values"), "values must be finite numbers".into());
                    }
                }
                if log {
                    return err(
                        &key("scale"),
                        "`scale` applies to `range` and `bounds`, not to a list of values".into(),
                    );
                }
            }
            if let Some(r) = &axis.range {
                if r.steps == 0 {
                    return err(
                        &key("range"),
                        "empty axis: `steps` must be at least 1".into(),
                    );
                }
                if !(r.from.is_finite() && r.to.is_finite()) {
                    return err(&key("range"), "`from` and `to` must be finite".into());
                }
                if log && (r.from <= 0.0 || r.to <= 0.0) {
                    return err(
                        &key("range"),
                        "a log range needs `from` and `to` above zero".into(),
                    );
                }
            }
            if let Some([lo, hi]) = axis.bounds {
                if !(lo.is_finite() && hi.is_finite()) {
                    return err(&key("bounds"), "bounds must be finite".into());
                }
                if lo >= hi {
                    return err(
                        &key("bounds"),
                        format!(
                            "bounds reversed or empty: [{lo}, {hi}]; give [min, max] with min < max"
                        ),
                    );
                }
                if log && lo <= 0.0 {
                    return err(&key("bounds"), "log bounds must be above zero".into());
                }
            }
        }
        let sampled = self.axes.iter().any(|a| a.bounds.is_some());
        let listed = self.axes.iter().any(|a| a.bounds.is_none());
        if let Some(o) = &self.oat {
            self.check_oat(o)?;
        } else if !self.conclusions.is_empty() {
            return err(
                "conclusion",
                "[[conclusion]] contrasts the scenarios of a one-at-a-time design: add [oat] \
                 factors = [...] and scenarios = [...]"
                    .into(),
            );
        }
        if let Some(s) = &self.sobol {
            if self.lhs.is_some() || self.morris.is_some() {
                return err(
                    "sobol",
                    "choose one design: [sobol], [lhs] or [morris], not two".into(),
                );
            }
            if s.samples < 2 {
                return err(
                    "sobol.samples",
                    "a Sobol design needs at least 2 base samples (a few hundred is usual)".into(),
                );
            }
            if s.resamples == 0 {
                return err(
                    "sobol.resamples",
                    "at least 1 bootstrap resample is needed (1000 is usual)".into(),
                );
            }
            if let Some(seed) = s.seed
                && i64::try_from(seed).is_err()
            {
                return err(
                    "sobol.seed",
                    "must be between 0 and 9223372036854775807".into(),
                );
            }
            if listed {
                return err(
                    "sobol",
                    "every axis of a Sobol design gives `bounds` (no `values` or `range`)".into(),
                );
            }
            check_scenarios("sobol.scenarios", &self.base, &s.scenarios)?;
        }
        match (&self.lhs, &self.morris) {
            (Some(_), Some(_)) => {
                return err(
                    "morris",
                    "choose one design: [lhs] or [morris], not both".into(),
                );
            }
            (Some(lhs), None) => {
                if lhs.points == 0 {
                    return err(
                        "lhs.points",
                        "a Latin hypercube needs at least 1 point".into(),
                    );
                }
                if !sampled {
                    return err(
                        "lhs",
                        "[lhs] samples the axes that give `bounds`, and no axis does".into(),
                    );
                }
            }
            (None, Some(m)) => {
                if m.trajectories == 0 {
                    return err(
                        "morris.trajectories",
                        "a Morris design needs at least 1 trajectory (10 or more is usual)".into(),
                    );
                }
                if !(2..=MAX_MORRIS_LEVELS).contains(&m.levels) {
                    return err(
                        "morris.levels",
                        format!(
                            "a Morris design needs from 2 to {MAX_MORRIS_LEVELS} levels (4 is \
                             usual)"
                        ),
                    );
                }
                if listed {
                    return err(
                        "morris",
                        "every axis of a Morris design gives `bounds` (no `values` or `range`)"
                            .into(),
                    );
                }
            }
            (None, None) => {
                if sampled && self.sobol.is_none() {
                    return err(
                        "axis",
                        "axes with `bounds` are sampled: add [lhs] points = N, [morris] \
                         trajectories = R or [sobol] samples = N"
                            .into(),
                    );
                }
            }
        }
        if self.metrics.is_empty() {
            return err(
                "metric",
                "a sweep needs at least one [[metric]] to summarise its runs by".into(),
            );
        }
        for (i, m) in self.metrics.iter().enumerate() {
            let key = |k: &str| format!("metric[{i}].{k}");
            if !is_town_metric(&m.name) {
                return err(
                    &key("name"),
                    format!(
                        "unknown metric `{}`; town metrics are: {}",
                        m.name,
                        town_metrics().join(", ")
                    ),
                );
            }
            match (m.summary, m.year, m.years) {
                (Summary::Final, None, None) => {}
                (Summary::Year, Some(_), None) => {}
                (Summary::Mean, None, Some([a, b])) if a <= b => {}
                (Summary::Mean, None, Some([a, b])) => {
                    return err(
                        &key("years"),
                        format!("years reversed: [{a}, {b}]; give [first, last]"),
                    );
                }
                (Summary::Final, _, _) => {
                    return err(
                        &key("summary"),
                        "`final` takes neither `year` nor `years`".into(),
                    );
                }
                (Summary::Year, _, _) => {
                    return err(
                        &key("summary"),
                        "`year` needs `year = YYYY` (and no `years`)".into(),
                    );
                }
                (Summary::Mean, _, _) => {
                    return err(
                        &key("summary"),
                        "`mean` needs `years = [first, last]` (and no `year`)".into(),
                    );
                }
            }
            if self.metrics[..i].iter().any(|o| o.column() == m.column()) {
                return err(
                    &key("name"),
                    format!("the metric `{}` is summarised twice", m.column()),
                );
            }
        }
        self.size().map(|_| ())
    }

    /// Counts the sweep's points and runs from the file alone, by arithmetic (a grid is the
    /// product of its axes' lengths, crossed with a Latin hypercube's points; a Morris design
    /// is trajectories × (parameters + 1); runs are points × replicates), and refuses more
    /// than [`MAX_POINTS`] points or [`MAX_RUNS`] runs before anything is built. The error
    /// names the key of the largest factor.
    pub fn size(&self) -> Result<Size, (String, String)> {
        // (key, count) of every factor of the number of points.
        let mut factors: Vec<(String, u64)> = Vec::new();
        if let Some(o) = &self.oat {
            let moves = (self.axes.len() as u64).saturating_mul(o.factors.len() as u64);
            factors.push(("axis".into(), moves.saturating_add(1)));
            factors.push(("oat.scenarios".into(), o.scenarios.len() as u64 + 1));
        } else if let Some(sb) = &self.sobol {
            factors.push(("sobol.samples".into(), sb.samples as u64));
            factors.push(("axis".into(), self.axes.len() as u64 + 2));
            factors.push(("sobol.scenarios".into(), sb.scenarios.len() as u64 + 1));
        } else if let Some(m) = &self.morris {
            factors.push(("morris.trajectories".into(), u64::from(m.trajectories)));
            factors.push(("axis".into(), self.axes.len() as u64 + 1));
        } else {
            for (i, a) in self.axes.iter().enumerate() {
                if let Some(v) = &a.values {
                    factors.push((format!("axis[{i}].values"), v.len() as u64));
                } else if let Some(r) = &a.range {
                    factors.push((format!("axis[{i}].range"), u64::from(r.steps)));
                }
            }
            if let Some(l) = &self.lhs {
                factors.push(("lhs.points".into(), u64::from(l.points)));
            }
        }
        let points = factors.iter().try_fold(1u64, |acc, f| acc.checked_mul(f.1));
        // The first of the largest (max_by_key keeps the last, so search from the end).
        let largest = factors
            .iter()
            .rev()
            .max_by_key(|f| f.1)
            .map_or("axis".to_string(), |f| f.0.clone());
        let shown = |xs: &[(String, u64)]| {
            xs.iter()
                .map(|f| thousands(f.1))
                .collect::<Vec<_>>()
                .join(" × ")
        };
        let count = |n: Option<u64>| n.map_or("more than 18 billion billion".into(), thousands);
        let what = if self.oat.is_some() {
            "(parameters × factors + 1) × scenarios"
        } else if self.sobol.is_some() {
            "samples × (parameters + 2) × scenarios"
        } else if self.morris.is_some() {
            "trajectories × (parameters + 1)"
        } else if self.lhs.is_some() {
            "the axes' lengths × the hypercube's points"
        } else {
            "the product of the axes' lengths"
        };
        match points {
            Some(p) if p <= MAX_POINTS => {}
            _ => {
                return Err((
                    largest,
                    format!(
                        "the design has {} points ({} = {}), more than the {} a sweep may have; \
                         use fewer values, steps, points or trajectories, or split the sweep",
                        count(points),
                        what,
                        shown(&factors),
                        thousands(MAX_POINTS)
                    ),
                ));
            }
        }
        let points = points.unwrap_or(0);
        let runs = points.checked_mul(u64::from(self.replicates));
        match runs {
            Some(r) if r <= MAX_RUNS => Ok(Size { points, runs: r }),
            _ => {
                let key = if u64::from(self.replicates) >= points {
                    "replicates".to_string()
                } else {
                    largest
                };
                Err((
                    key,
                    format!(
                        "the sweep has {} runs ({} points × {} replicates), more than the {} a \
                         sweep may have; use fewer points or replicates, or split the sweep",
                        count(runs),
                        thousands(points),
                        thousands(u64::from(self.replicates)),
                        thousands(MAX_RUNS)
                    ),
                ))
            }
        }
    }

    /// The checks of an `[oat]` design and its conclusions.
    fn check_oat(&self, o: &Oat) -> Result<(), (String, String)> {
        let err = |key: &str, message: String| Err((key.to_string(), message));
        if self.lhs.is_some() || self.morris.is_some() || self.sobol.is_some() {
            return err(
                "oat",
                "choose one design: [oat], [lhs], [morris] or [sobol], not two".into(),
            );
        }
        if o.factors.is_empty() {
            return err(
                "oat.factors",
                "give at least one factor, e.g. factors = [0.5, 1.5]".into(),
            );
        }
        if o.factors.len() > MAX_OAT_FACTORS {
            return err("oat.factors", format!("at most {MAX_OAT_FACTORS} factors"));
        }
        for (i, &f) in o.factors.iter().enumerate() {
            if !f.is_finite() || f < 0.0 {
                return err(
                    "oat.factors",
                    format!("factors multiply base values: give finite numbers ≥ 0, not {f}"),
                );
            }
            if f == 1.0 {
                return err(
                    "oat.factors",
                    "1 is the base point, which every [oat] design runs already".into(),
                );
            }
            if o.factors[..i].contains(&f) {
                return err("oat.factors", format!("the factor {f} is given twice"));
            }
        }
        check_scenarios("oat.scenarios", &self.base, &o.scenarios)?;
        let mut names = vec![self.base.as_str()];
        names.extend(o.scenarios.iter().map(String::as_str));
        let columns: Vec<String> = self.metrics.iter().map(MetricSummary::column).collect();
        for (i, c) in self.conclusions.iter().enumerate() {
            let key = |k: &str| format!("conclusion[{i}].{k}");
            names::check_text(&c.name).or_else(|m| err(&key("name"), m))?;
            if c.name.trim().is_empty() {
                return err(&key("name"), "say the finding in words".into());
            }
            if !columns.contains(&c.metric) {
                return err(
                    &key("metric"),
                    format!(
                        "`{}` is not a metric column of this sweep; its columns are: {}",
                        c.metric,
                        columns.join(", ")
                    ),
                );
            }
            for (k, s) in [("scenario", &c.scenario), ("against", &c.against)] {
                if !names.contains(&s.as_str()) {
                    return err(
                        &key(k),
                        format!(
                            "`{s}` is not one of the sweep's scenarios: {}",
                            names.join(", ")
                        ),
                    );
                }
            }
            if c.scenario == c.against {
                return err(
                    &key("against"),
                    "a conclusion contrasts two different scenarios".into(),
                );
            }
            match (c.holds, c.within) {
                (Holds::Within, Some(w)) if w.is_finite() && w >= 0.0 => {}
                (Holds::Within, _) => {
                    return err(
                        &key("within"),
                        "`holds = \"within\"` needs `within`, a finite number ≥ 0".into(),
                    );
                }
                (_, Some(_)) => {
                    return err(
                        &key("within"),
                        "`within` goes with `holds = \"within\"` only".into(),
                    );
                }
                (_, None) => {}
            }
        }
        Ok(())
    }

    /// The axes given by values or ranges (crossed as a grid), in file order.
    pub fn grid_axes(&self) -> impl Iterator<Item = (usize, &SweepAxis)> {
        self.axes
            .iter()
            .enumerate()
            .filter(|(_, a)| a.bounds.is_none())
    }

    /// The axes given by bounds (sampled), in file order.
    pub fn sampled_axes(&self) -> impl Iterator<Item = (usize, &SweepAxis)> {
        self.axes
            .iter()
            .enumerate()
            .filter(|(_, a)| a.bounds.is_some())
    }
}

/// The further scenarios of a design (`key` names them in errors): none empty, none twice,
/// none the base.
fn check_scenarios(key: &str, base: &str, scenarios: &[String]) -> Result<(), (String, String)> {
    let err = |message: String| Err((key.to_string(), message));
    let mut names = vec![base];
    for s in scenarios {
        if s.trim().is_empty() {
            return err("a scenario name is empty".into());
        }
        if names.contains(&s.as_str()) {
            return err(format!("`{s}` is listed twice (the base counts as listed)"));
        }
        names.push(s);
    }
    Ok(())
}

/// A TOML value as a number, if it is one.
pub fn number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// Every metric observed for the whole town, in the order of `cohesion`'s tables.
pub fn town_metrics() -> Vec<&'static str> {
    crate::metrics::names().collect()
}

/// A whole number with thousands separated by commas: 1,000,000.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn is_town_metric(name: &str) -> bool {
    town_metrics().contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "t"
base = "baseline"
replicates = 2
seed = 7

[[axis]]
param = "council.openness"
values = [0.2, 0.5]

[[metric]]
name = "belonging"
summary = "final"
"#;

    fn error(text: &str) -> ScenarioError {
        SweepSpec::from_toml(text, "s.toml").unwrap_err()
    }

    #[test]
    fn a_good_file_parses() {
        let s = SweepSpec::from_toml(GOOD, "s.toml").unwrap();
        assert_eq!(s.axes.len(), 1);
        assert_eq!(s.metrics[0].column(), "belonging_final");
    }

    #[test]
    fn problems_name_the_line_and_key() {
        let e = error(&GOOD.replace("replicates = 2", "replicates = 0"));
        assert_eq!(e.key.as_deref(), Some("replicates"));
        assert_eq!(e.line, Some(4));
        let e = error(&GOOD.replace("[0.2, 0.5]", "[]"));
        assert_eq!(e.key.as_deref(), Some("axis[0].values"));
        assert!(e.message.contains("empty axis"), "{e}");
        let e = error(&GOOD.replace("values = [0.2, 0.5]", "bounds = [0.5, 0.2]"));
        assert!(e.message.contains("bounds reversed"), "{e}");
        let e = error(&GOOD.replace("\"belonging\"", "\"happiness\""));
        assert_eq!(e.key.as_deref(), Some("metric[0].name"));
    }

    #[test]
    fn sampled_axes_need_a_design_and_lhs_needs_points() {
        let bounds = GOOD.replace("values = [0.2, 0.5]", "bounds = [0.2, 0.5]");
        assert!(error(&bounds).message.contains("[lhs]"));
        let e = error(&format!("{bounds}\n[lhs]\npoints = 0\n"));
        assert_eq!(e.key.as_deref(), Some("lhs.points"));
        let ok = format!("{bounds}\n[morris]\ntrajectories = 3\n");
        assert_eq!(
            SweepSpec::from_toml(&ok, "s")
                .unwrap()
                .morris
                .unwrap()
                .levels,
            4
        );
    }

    #[test]
    fn work_is_counted_before_it_is_built() {
        let s = SweepSpec::from_toml(GOOD, "s.toml").unwrap();
        assert_eq!(s.size(), Ok(Size { points: 2, runs: 4 }));
        let grid = GOOD.replace(
            "values = [0.2, 0.5]",
            "range = { from = 0.1, to = 0.9, steps = 100000 }\n\n[[axis]]\nparam = \
             \"trust.memory_per_week\"\nrange = { from = 0.1, to = 0.9, steps = 100000 }",
        );
        let e = error(&grid);
        assert_eq!(e.key.as_deref(), Some("axis[0].range"));
        assert!(
            e.message.contains("10,000,000,000 points") && e.message.contains("100,000"),
            "{e}"
        );
        let lhs = GOOD.replace("values = [0.2, 0.5]", "bounds = [0.2, 0.5]")
            + "\n[lhs]\npoints = 4294967295\n";
        assert_eq!(error(&lhs).key.as_deref(), Some("lhs.points"));
        let morris = GOOD.replace("values = [0.2, 0.5]", "bounds = [0.2, 0.5]")
            + "\n[morris]\ntrajectories = 4294967295\n";
        let e = error(&morris);
        assert_eq!(e.key.as_deref(), Some("morris.trajectories"));
        assert!(e.message.contains("8,589,934,590 points"), "{e}");
        // 1,000 points × 1,001 replicates is over the run cap, and names the replicates.
        let runs = GOOD
            .replace(
                "values = [0.2, 0.5]",
                "range = { from = 0.1, to = 0.9, steps = 1000 }",
            )
            .replace("replicates = 2", "replicates = 1001");
        let e = error(&runs);
        assert_eq!(e.key.as_deref(), Some("replicates"));
        assert!(e.message.contains("1,001,000 runs"), "{e}");
        // Many axes whose product overflows 64 bits are counted without overflowing.
        let mut many = GOOD.to_string();
        for i in 0..8 {
            many.push_str(&format!(
                "\n[[axis]]\nparam = \"town.wards[{i}].deprivation\"\nrange = {{ from = 0.1, \
                 to = 0.9, steps = 4000000000 }}\n"
            ));
        }
        assert!(
            error(&many)
                .message
                .contains("more than 18 billion billion")
        );
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn a_sweep_name_is_not_a_path() {
        let e = error(&GOOD.replace("name = \"t\"", "name = \"x/../../../ESCAPED\""));
        assert_eq!(e.key.as_deref(), Some("name"));
        assert!(e.message.contains("path separator"), "{e}");
        let e = error(&GOOD.replace("name = \"t\"", "name = \"t\\u001b[2J\""));
        assert_eq!(e.key.as_deref(), Some("name"));
        assert!(e.message.contains("U+001B"), "{e}");
    }

    #[test]
    fn a_sobol_design_needs_bounds_axes_and_samples() {
        let bounds = GOOD.replace("values = [0.2, 0.5]", "bounds = [0.2, 0.5]");
        let ok = format!("{bounds}\n[sobol]\nsamples = 16\n");
        let s = SweepSpec::from_toml(&ok, "s").unwrap().sobol.unwrap();
        assert_eq!((s.samples, s.resamples, s.seed), (16, 1000, None));
        let e = error(&format!("{bounds}\n[sobol]\nsamples = 1\n"));
        assert_eq!(e.key.as_deref(), Some("sobol.samples"));
        let e = error(&format!("{GOOD}\n[sobol]\nsamples = 8\n"));
        assert!(e.message.contains("every axis of a Sobol design"), "{e}");
        let e = error(&format!(
            "{bounds}\n[sobol]\nsamples = 8\n[lhs]\npoints = 3\n"
        ));
        assert_eq!(e.key.as_deref(), Some("sobol"));
    }

    const OAT: &str = r#"
name = "o"
base = "baseline"
replicates = 2
seed = 7

[oat]
factors = [0.5, 1.5]
scenarios = ["austerity_2010"]

[[axis]]
param = "council.openness"

[[axis]]
param = "trust.memory_per_week"

[[metric]]
name = "belonging"
summary = "final"

[[conclusion]]
name = "austerity lowers belonging"
metric = "belonging_final"
scenario = "austerity_2010"
against = "baseline"
holds = "lower"
"#;

    #[test]
    fn an_oat_design_is_counted_and_checked() {
        let s = SweepSpec::from_toml(OAT, "s.toml").unwrap();
        // (2 axes × 2 factors + 1) × 2 scenarios.
        assert_eq!(
            s.size(),
            Ok(Size {
                points: 10,
                runs: 20
            })
        );
        let e = error(&OAT.replace("factors = [0.5, 1.5]", "factors = []"));
        assert_eq!(e.key.as_deref(), Some("oat.factors"));
        let e = error(&OAT.replace("[0.5, 1.5]", "[0.5, 0.5]"));
        assert!(e.message.contains("twice"), "{e}");
        let e = error(&OAT.replace("[0.5, 1.5]", "[1]"));
        assert!(e.message.contains("base point"), "{e}");
        let e = error(&OAT.replace("factors", "factor"));
        assert!(e.message.contains("factor"), "{e}");
        assert_eq!(e.line, Some(8), "{e}");
        let e = error(&OAT.replace(
            "param = \"council.openness\"",
            "param = \"council.openness\"\nbounds = [0.1, 0.9]",
        ));
        assert_eq!(e.key.as_deref(), Some("axis[0].bounds"));
        let e = error(&format!("{OAT}\n[lhs]\npoints = 3\n"));
        assert_eq!(e.key.as_deref(), Some("oat"));
        let e = error(&OAT.replace("\"belonging_final\"", "\"belonging_2019\""));
        assert_eq!(e.key.as_deref(), Some("conclusion[0].metric"));
        let e = error(&OAT.replace("against = \"baseline\"", "against = \"austerity_2010\""));
        assert_eq!(e.key.as_deref(), Some("conclusion[0].against"));
        let e = error(&OAT.replace("holds = \"lower\"", "holds = \"lower\"\nwithin = 0.1"));
        assert_eq!(e.key.as_deref(), Some("conclusion[0].within"));
        let e = error(&OAT.replace("[\"austerity_2010\"]", "[\"baseline\"]"));
        assert_eq!(e.key.as_deref(), Some("oat.scenarios"));
        // Conclusions need an [oat] design.
        let grid = GOOD.to_string()
            + "\n[[conclusion]]\nname = \"x\"\nmetric = \"belonging_final\"\nscenario = \
               \"a\"\nagainst = \"b\"\nholds = \"higher\"\n";
        assert_eq!(error(&grid).key.as_deref(), Some("conclusion"));
    }

    #[test]
    fn columns_name_the_summary() {
        let m = |summary, year, years| MetricSummary {
            name: "agency".into(),
            summary,
            year,
            years,
        };
        assert_eq!(m(Summary::Year, Some(2019), None).column(), "agency_2019");
        assert_eq!(
            m(Summary::Mean, None, Some([2015, 2019])).column(),
            "agency_2015_2019"
        );
        assert_eq!(m(Summary::Final, None, None).window(2010, 15), (2024, 2024));
    }
}
