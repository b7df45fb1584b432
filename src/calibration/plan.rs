//! A calibration resolved against its base scenario and its target files: the prior (a
//! [`Space`]), the engine's settings, every target point with its value and scale, and the hash
//! that names the whole.
//!
//! A target point is one year of one target series. Its simulated counterpart is the series'
//! metric averaged over the 52 weeks of that calendar year, exactly as a sweep's
//! `summary = "year"` metric is (`summary::summarise`). Its scale — the size of a miss
//! worth one unit of distance — is the calibration file's `se` when given, else the row's
//! standard error, else the sampling error of a proportion from the row's sample size.

use super::spec::{CalibrationSpec, Prior};
use super::targets::{self, TargetFile};
use crate::Scenario;
use crate::calibrate::{AbcSettings, Distance, Target};
use crate::scenario::path::{Level, set};
use crate::scenario::{ScenarioError, hex};
use crate::space::{Space, SpaceAxis};
use crate::summary::{MetricSummary, Summary};
use crate::sweep::plan::{scenario_of, tree_of};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// The calibrations compiled into the binary: (name, TOML text).
pub const BUILTINS: &[(&str, &str)] = &[(
    "behaviour",
    include_str!("../../scenarios/calibrations/behaviour.toml"),
)];

/// The posteriors compiled into the binary: (name, posterior.csv text), each the result of the
/// built-in calibration of the same name (see docs/calibration.md).
pub const POSTERIORS: &[(&str, &str)] = &[(
    "behaviour",
    include_str!("../../scenarios/posteriors/behaviour.csv"),
)];

/// One target series, as resolved.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    /// `measure`, with the mode and geography when the file chose them.
    pub label: String,
    pub file: String,
    pub measure: String,
    pub mode: Option<String>,
    pub geography: Option<String>,
    pub metric: String,
    pub unit: String,
}

/// One year of one target series.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TargetPoint {
    /// The series, by its place in the file's [[target]] list.
    pub series: usize,
    pub year: i32,
    /// Predicted but not fitted.
    pub held_out: bool,
    pub value: f64,
    pub scale: f64,
    /// Where the scale came from: "calibration file", "standard error" or "sample size".
    pub scale_from: &'static str,
    /// The row's line in its file, its period label and mode as published.
    pub line: usize,
    pub period: String,
    pub mode: String,
}

/// A target file used, and the SHA-256 of its bytes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileUsed {
    pub file: String,
    pub source: String,
    pub sha256: String,
}

/// A calibration ready to run.
#[derive(Clone, Debug)]
pub struct Plan {
    pub spec: CalibrationSpec,
    /// The calibration file's text, and where it came from.
    pub text: String,
    pub origin: String,
    /// The base scenario with [set] applied.
    pub base: Scenario,
    tree: toml::Table,
    pub space: Space,
    pub settings: AbcSettings,
    pub series: Vec<Series>,
    pub points: Vec<TargetPoint>,
    pub files: Vec<FileUsed>,
    pub distance: Distance,
    /// SHA-256 of everything that decides the results (see [`Plan::identity`]).
    pub hash: String,
}

/// What decides a calibration's results, hashed to name it.
#[derive(Serialize)]
struct CalibrationIdentity<'a> {
    engine_version: &'a str,
    spec: &'a CalibrationSpec,
    base_sha256: String,
    points: &'a [TargetPoint],
    files: &'a [FileUsed],
}

/// Reads a calibration file (a path, or the name of a built-in calibration).
pub fn read(name_or_path: &str) -> Result<(String, String, std::path::PathBuf), ScenarioError> {
    let path = Path::new(name_or_path);
    if path.exists() {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ScenarioError::plain(name_or_path, format!("cannot read the file: {e}"))
        })?;
        let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        return Ok((text, name_or_path.to_string(), dir));
    }
    if let Some((name, text)) = BUILTINS.iter().find(|(n, _)| *n == name_or_path) {
        return Ok((
            text.to_string(),
            format!("built-in calibration `{name}`"),
            std::path::PathBuf::from("."),
        ));
    }
    let names: Vec<&str> = BUILTINS.iter().map(|(n, _)| *n).collect();
    Err(ScenarioError::plain(
        name_or_path,
        format!(
            "no such file, and no built-in calibration of that name (built-ins: {})",
            names.join(", ")
        ),
    ))
}

impl Plan {
    /// Reads, checks and resolves a calibration file or built-in.
    pub fn load(name_or_path: &str) -> Result<Plan, ScenarioError> {
        let (text, origin, dir) = read(name_or_path)?;
        let spec = CalibrationSpec::from_toml(&text, &origin)?;
        Plan::resolve(spec, &text, &origin, &dir)
    }

    /// Resolves a checked calibration file; a relative `base` or target `file` is read relative
    /// to `dir`, the calibration file's folder.
    pub fn resolve(
        spec: CalibrationSpec,
        text: &str,
        origin: &str,
        dir: &Path,
    ) -> Result<Plan, ScenarioError> {
        let at =
            |key: &str, message: String| ScenarioError::at_key(origin, Some(text), key, message);
        let base_path = dir.join(&spec.base);
        let base_name = if Path::new(&spec.base).is_relative() && base_path.is_file() {
            base_path.display().to_string()
        } else {
            spec.base.clone()
        };
        let base = Scenario::load(&base_name)
            .map_err(|e| at("base", format!("the base scenario cannot be used: {e}")))?;
        let mut tree = tree_of(&base);
        for (param, value) in &spec.set {
            let level = Level::of(value)
                .ok_or_else(|| at("set", format!("`{param}`: give a number or true/false")))?;
            set(&mut tree, param, level, true).map_err(|m| at("set", format!("`{param}`: {m}")))?;
        }
        let base = scenario_of(&tree, &base.name).map_err(|m| {
            at(
                "set",
                format!("the base with [set] applied is not valid: {m}"),
            )
        })?;
        let tree = tree_of(&base);

        // The prior: each parameter must name a number of the scenario, valid at both bounds.
        let mut axes = Vec::with_capacity(spec.parameters.len());
        for (i, p) in spec.parameters.iter().enumerate() {
            for end in p.bounds {
                let mut t = tree.clone();
                let used = set(&mut t, &p.param, Level::Num(end), false).map_err(|m| {
                    let k = if m.starts_with("unknown") || m.starts_with("no ") {
                        "param"
                    } else {
                        "bounds"
                    };
                    at(
                        &format!("parameter[{i}].{k}"),
                        format!("`{}`: {m}", p.param),
                    )
                })?;
                if let Level::Bool(_) = used {
                    return Err(at(
                        &format!("parameter[{i}].param"),
                        format!("`{}` is true/false; only numbers can be fitted", p.param),
                    ));
                }
                scenario_of(&t, &base.name).map_err(|m| {
                    at(
                        &format!("parameter[{i}].bounds"),
                        format!("`{}` = {end}: {m}", p.param),
                    )
                })?;
            }
            let [lo, hi] = p.bounds;
            axes.push(match p.prior {
                Prior::Uniform => SpaceAxis::uniform(&p.param, lo, hi),
                Prior::LogUniform => SpaceAxis::log_uniform(&p.param, lo, hi),
            });
        }
        let space = Space::new(axes).map_err(|e| at("parameter", e.to_string()))?;

        // The targets.
        let first = base.time.start_year;
        let last = first + base.time.years as i32 - 1;
        let mut loaded: BTreeMap<String, TargetFile> = BTreeMap::new();
        let mut series = Vec::new();
        let mut points = Vec::new();
        for (i, t) in spec.targets.iter().enumerate() {
            let key = |k: &str| format!("target[{i}].{k}");
            if !loaded.contains_key(&t.file) {
                let file = targets::load(&t.file, dir).map_err(|m| at(&key("file"), m))?;
                loaded.insert(t.file.clone(), file);
            }
            let file = &loaded[&t.file];
            let rows: Vec<&targets::Row> = file
                .rows
                .iter()
                .filter(|r| r.measure == t.measure)
                .collect();
            if rows.is_empty() {
                let mut measures: Vec<&str> =
                    file.rows.iter().map(|r| r.measure.as_str()).collect();
                measures.sort_unstable();
                measures.dedup();
                return Err(at(
                    &key("measure"),
                    format!(
                        "{} has no rows of `{}`{}",
                        t.file,
                        t.measure,
                        crate::scenario::path::did_you_mean(&t.measure, measures.into_iter())
                    ),
                ));
            }
            let rows: Vec<&targets::Row> = rows
                .into_iter()
                .filter(|r| t.mode.as_ref().is_none_or(|m| &r.mode == m))
                .filter(|r| t.geography.as_ref().is_none_or(|g| &r.geography == g))
                .collect();
            let mut unit = String::new();
            for (which, years, held_out) in
                [("years", &t.years, false), ("held_out", &t.held_out, true)]
            {
                for &year in years {
                    if year < first || year > last {
                        return Err(at(
                            &key(which),
                            format!(
                                "{year} is outside the simulated years {first}–{last} of the \
                                 base scenario (change time.start_year or time.years in [set])"
                            ),
                        ));
                    }
                    let matching: Vec<&&targets::Row> =
                        rows.iter().filter(|r| r.year == year).collect();
                    let row = match matching.as_slice() {
                        [row] => *row,
                        [] => {
                            let mut have: Vec<i32> = rows.iter().map(|r| r.year).collect();
                            have.dedup();
                            let have: Vec<String> = have.iter().map(|y| y.to_string()).collect();
                            return Err(at(
                                &key(which),
                                format!(
                                    "{} has no row of `{}` for {year}{}; years there: {}",
                                    t.file,
                                    t.measure,
                                    filters(t.mode.as_deref(), t.geography.as_deref()),
                                    if have.is_empty() {
                                        "none".into()
                                    } else {
                                        have.join(", ")
                                    }
                                ),
                            ));
                        }
                        many => {
                            let lines: Vec<String> = many
                                .iter()
                                .map(|r| format!("line {} ({}, {})", r.line, r.mode, r.geography))
                                .collect();
                            return Err(at(
                                &key(which),
                                format!(
                                    "{} has {} rows of `{}` for {year}: {}; choose one with \
                                     `mode` or `geography`",
                                    t.file,
                                    many.len(),
                                    t.measure,
                                    lines.join(", ")
                                ),
                            ));
                        }
                    };
                    let (scale, scale_from) = match (t.se, row.se, row.n) {
                        (Some(se), _, _) => (se, "calibration file"),
                        (None, Some(se), _) if se > 0.0 => (se, "standard error"),
                        (None, _, Some(n)) if row.unit == "proportion" && n > 0.0 => {
                            let p = row.value;
                            ((p * (1.0 - p) / n).sqrt(), "sample size")
                        }
                        _ => {
                            return Err(at(
                                &key("se"),
                                format!(
                                    "{} line {} ({} {year}) gives no standard error or sample \
                                     size; give the scale of a miss with `se`",
                                    t.file, row.line, t.measure
                                ),
                            ));
                        }
                    };
                    if !(scale.is_finite() && scale > 0.0) {
                        return Err(at(
                            &key("se"),
                            format!(
                                "the scale from {} line {} is {scale}; give `se`",
                                t.file, row.line
                            ),
                        ));
                    }
                    unit = row.unit.clone();
                    points.push(TargetPoint {
                        series: i,
                        year,
                        held_out,
                        value: row.value,
                        scale,
                        scale_from,
                        line: row.line,
                        period: row.period.clone(),
                        mode: row.mode.clone(),
                    });
                }
            }
            let mut label = t.measure.clone();
            let chosen: Vec<&str> = [t.mode.as_deref(), t.geography.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            if !chosen.is_empty() {
                label = format!("{label} ({})", chosen.join(", "));
            }
            series.push(Series {
                label,
                file: t.file.clone(),
                measure: t.measure.clone(),
                mode: t.mode.clone(),
                geography: t.geography.clone(),
                metric: t.metric.clone(),
                unit,
            });
        }
        let files: Vec<FileUsed> = loaded
            .iter()
            .map(|(name, f)| FileUsed {
                file: name.clone(),
                source: f.source.clone(),
                sha256: f.sha256.clone(),
            })
            .collect();
        let distance = Distance::new(
            points
                .iter()
                .map(|p| {
                    let name = format!("{} {}", series[p.series].label, p.year);
                    let weight = if p.held_out {
                        0.0
                    } else {
                        spec.targets[p.series].weight
                    };
                    Target::new(&name, p.value, p.scale).weighted(weight)
                })
                .collect(),
        )
        .map_err(|e| at("target", e.to_string()))?;

        let m = &spec.method;
        let settings = AbcSettings {
            particles: m.particles,
            alpha: m.alpha,
            min_acceptance: m.min_acceptance,
            max_generations: m.generations,
            min_tolerance_drop: 0.0,
            kernel: m.kernel,
            seed: m.seed,
        };
        crate::calibrate::Abc::new(space.clone(), settings.clone())
            .map_err(|e| at("method", e.to_string()))?;

        let mut plan = Plan {
            spec,
            text: text.to_string(),
            origin: origin.to_string(),
            base,
            tree,
            space,
            settings,
            series,
            points,
            files,
            distance,
            hash: String::new(),
        };
        let identity = CalibrationIdentity {
            engine_version: crate::ENGINE_VERSION,
            spec: &plan.spec,
            base_sha256: plan.base.hash(),
            points: &plan.points,
            files: &plan.files,
        };
        let json = serde_json::to_string(&identity).unwrap_or_default();
        plan.hash = hex(&Sha256::digest(json.as_bytes()));
        Ok(plan)
    }

    /// The scenario of a parameter set (values in the space's order), or why it is not valid.
    /// Whole-number keys are rounded.
    pub fn scenario(&self, values: &[f64]) -> Result<Scenario, String> {
        let mut t = self.tree.clone();
        for (axis, &x) in self.space.axes().iter().zip(values) {
            set(&mut t, &axis.name, Level::Num(x), false)
                .map_err(|m| format!("`{}`: {m}", axis.name))?;
        }
        scenario_of(&t, &self.base.name)
    }

    /// The metrics a run is summarised by: one per target point, in point order.
    pub fn metrics(&self) -> Vec<MetricSummary> {
        self.points
            .iter()
            .map(|p| MetricSummary {
                name: self.series[p.series].metric.clone(),
                summary: Summary::Year,
                year: Some(p.year),
                years: None,
            })
            .collect()
    }

    /// The distinct metrics of the target series, in first-use order.
    pub fn series_metrics(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in &self.series {
            if !out.contains(&s.metric) {
                out.push(s.metric.clone());
            }
        }
        out
    }

    /// The simulated calendar years, first to last.
    pub fn years(&self) -> (i32, i32) {
        let first = self.base.time.start_year;
        (first, first + self.base.time.years as i32 - 1)
    }
}

fn filters(mode: Option<&str>, geography: Option<&str>) -> String {
    let mut parts = Vec::new();
    if let Some(m) = mode {
        parts.push(format!("mode `{m}`"));
    }
    if let Some(g) = geography {
        parts.push(format!("geography `{g}`"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "t"
base = "baseline"

[set]
"time.years" = 12

[method]
particles = 20
generations = 3
seed = 1

[[parameter]]
param = "belonging.intercept"
bounds = [-2.5, -0.5]

[[target]]
file = "cls_england.csv"
measure = "influence_local_decisions"
mode = "online_paper"
years = [2016, 2017]
held_out = [2018]
metric = "share_influence"
"#;

    fn plan(text: &str) -> Result<Plan, ScenarioError> {
        let spec = CalibrationSpec::from_toml(text, "c.toml")?;
        Plan::resolve(spec, text, "c.toml", Path::new("."))
    }

    #[test]
    fn targets_come_from_the_rows_with_scales_from_their_sample_sizes() {
        let p = plan(GOOD).unwrap();
        assert_eq!(p.points.len(), 3);
        let first = &p.points[0];
        assert_eq!(
            (first.year, first.value, first.held_out),
            (2016, 0.27, false)
        );
        assert_eq!(first.scale_from, "sample size");
        assert!((first.scale - (0.27f64 * 0.73 / 10014.0).sqrt()).abs() < 1e-15);
        assert!(p.points[2].held_out);
        assert_eq!(p.distance.targets()[2].weight, 0.0);
        assert_eq!(
            p.series[0].label,
            "influence_local_decisions (online_paper)"
        );
        assert_eq!(p.files[0].source, "data/targets/cls_england.csv (built in)");
        let s = p.scenario(&[-1.0]).unwrap();
        assert_eq!(s.time.years, 12);
    }

    #[test]
    fn bad_targets_and_parameters_are_named() {
        let e =
            plan(&GOOD.replace("\"belonging.intercept\"", "\"belonging.intercep\"")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("parameter[0].param"));
        assert!(e.message.contains("did you mean"), "{e}");
        let e = plan(&GOOD.replace("years = [2016, 2017]", "years = [2014]")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("target[0].years"));
        assert!(e.message.contains("no row"), "{e}");
        let e = plan(&GOOD.replace("held_out = [2018]", "held_out = [2030]")).unwrap_err();
        assert!(e.message.contains("outside the simulated years"), "{e}");
        let e = plan(
            &GOOD
                .replace("mode = \"online_paper\"\n", "")
                .replace("years = [2016, 2017]", "years = [2012]")
                .replace("held_out = [2018]", "se = 0.01"),
        )
        .unwrap();
        assert_eq!(e.points[0].scale, 0.01);
        let e = plan(&GOOD.replace("\"influence_local_decisions\"", "\"influence\"")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("target[0].measure"));
        let e = plan(
            &GOOD
                .replace(
                    "measure = \"influence_local_decisions\"",
                    "measure = \"formal_volunteering_year\"",
                )
                .replace("mode = \"online_paper\"\n", "")
                .replace("years = [2016, 2017]", "years = [2013]")
                .replace("held_out = [2018]", "se = 0.02"),
        )
        .unwrap_err();
        assert!(e.message.contains("choose one with `mode`"), "{e}");
        let e = plan(&GOOD.replace("[-2.5, -0.5]", "[-2.5, 99.0]")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("parameter[0].bounds"), "{e}");
    }
}
