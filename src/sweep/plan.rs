//! A sweep resolved against its base scenario: every point's scenario, every run's seed, and
//! the hash that names the whole.
//!
//! Points are numbered in design order (grid combinations, first axis slowest, each crossed
//! with the Latin-hypercube rows; or Morris trajectories, one after another). Runs are numbered
//! replicate-major, `k = replicate × points + point`, so that any prefix of the runs — and any
//! interleaved shard of them — covers every point before it repeats one.
//!
//! Seed rule: run `k` uses the master seed `H(seed) × 2³² + k`, where `H` is 21 bits of a hash
//! of the sweep's master seed. Distinct `k` give distinct seeds, so no two runs of a sweep
//! share a seed; and every seed is below 2⁵³, so R and pandas read it exactly. Run `k` is
//! exactly `cohesion run DIR/points/pNNNN.toml --seed SEED`.

use super::design::{self, Bounds};
use super::oat::{self, OatLayout};
use super::spec::{Oat, SweepAxis, SweepSpec};
use crate::Scenario;
use crate::scenario::{ScenarioError, hex};
use crate::sensitivity::SaltelliDesign;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

pub use crate::scenario::path::{Level, set};

/// One parameter set and the scenario it gives.
#[derive(Clone, Debug)]
pub struct Point {
    /// One value per axis, in axis order, as actually used (rounded for whole-number keys).
    pub values: Vec<Level>,
    pub scenario: Scenario,
}

/// A Morris trajectory as point numbers: point `start + j + 1` moved parameter `moves[j].0`
/// by `moves[j].1` (in unit-cube terms) from point `start + j`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MorrisPath {
    pub start: usize,
    pub moves: Vec<(usize, f64)>,
}

/// One run: a point, a replicate and its seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunId {
    /// Position in the sweep's run order.
    pub index: u64,
    pub point: usize,
    pub replicate: u32,
    pub seed: u64,
}

/// A sweep ready to run.
#[derive(Clone, Debug)]
pub struct Plan {
    pub spec: SweepSpec,
    /// The sweep file's text, as read.
    pub text: String,
    /// The base scenario with the sweep's `set` applied.
    pub base: Scenario,
    pub points: Vec<Point>,
    /// For a Morris design, its trajectories.
    pub morris: Vec<MorrisPath>,
    /// For a Sobol design, the Saltelli design whose points are the sweep's, in order.
    pub sobol: Option<SaltelliDesign>,
    /// For a one-at-a-time design, what each point is.
    pub oat: Option<OatLayout>,
    /// SHA-256 of everything that decides the runs' results (see [`Plan::identity`]).
    pub hash: String,
}

/// What a sweep directory records to recognise its sweep and say what changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepIdentity {
    pub engine_version: String,
    pub spec: SweepSpec,
    pub base_sha256: String,
    pub point_sha256: Vec<String>,
}

impl Plan {
    /// Resolves a checked sweep file. `origin` names it in errors; a relative `base` path is
    /// read relative to `dir`, the sweep file's folder.
    pub fn resolve(
        spec: SweepSpec,
        text: &str,
        origin: &str,
        dir: &Path,
    ) -> Result<Plan, ScenarioError> {
        let at =
            |key: &str, message: String| ScenarioError::at_key(origin, Some(text), key, message);
        let base = with_set(&spec, &spec.base, dir).map_err(|(k, m)| at(k, m))?;
        let tree = tree_of(&base);

        // Each axis's levels, checked one axis at a time so that a bad value names its axis.
        let mut levels: Vec<Vec<Level>> = Vec::with_capacity(spec.axes.len());
        for (i, axis) in spec.axes.iter().enumerate() {
            let key = |k: &str| format!("axis[{i}].{k}");
            let given = axis_levels(axis);
            let which = if axis.values.is_some() {
                "values"
            } else if axis.range.is_some() {
                "range"
            } else {
                "bounds"
            };
            let mut used = Vec::with_capacity(given.len());
            for level in given {
                let mut t = tree.clone();
                let exact = axis.bounds.is_none();
                let level = set(&mut t, &axis.param, level, exact).map_err(|m| {
                    let k = if m.starts_with("unknown") || m.starts_with("no ") {
                        "param"
                    } else {
                        which
                    };
                    at(&key(k), format!("`{}`: {m}", axis.param))
                })?;
                scenario_of(&t, &base.name).map_err(|m| {
                    at(
                        &key(which),
                        format!("`{}` = {}: {m}", axis.param, level.text()),
                    )
                })?;
                used.push(level);
            }
            levels.push(used);
        }

        let sobol = sobol_design(&spec).map_err(|m| at("sobol", m))?;
        let (unit_points, morris) = match &sobol {
            Some(design) => (
                design
                    .points()
                    .into_iter()
                    .map(|p| p.into_iter().map(Level::Num).collect())
                    .collect(),
                Vec::new(),
            ),
            None => design_points(&spec, &levels),
        };
        // A Sobol design with further scenarios runs the whole design on each of them, in
        // turn after the base: point `s × n + j` is design point `j` on scenario `s`.
        let mut trees = vec![(spec.base.clone(), tree.clone())];
        for name in spec.sobol.iter().flat_map(|s| &s.scenarios) {
            let further = with_set(&spec, name, dir).map_err(|(k, m)| at(k, m))?;
            trees.push((name.clone(), tree_of(&further)));
        }
        let n_design = unit_points.len();
        let n_points = n_design * trees.len();
        let mut points = Vec::with_capacity(n_points);
        for (s, (name, scenario_tree)) in trees.iter().enumerate() {
            for (j, values) in unit_points.iter().enumerate() {
                let p = s * n_design + j;
                let mut t = scenario_tree.clone();
                let mut used = Vec::with_capacity(values.len());
                for (axis, level) in spec.axes.iter().zip(values) {
                    let exact = axis.bounds.is_none();
                    used.push(set(&mut t, &axis.param, *level, exact).map_err(|m| {
                        if s == 0 {
                            at("axis", format!("`{}`: {m}", axis.param))
                        } else {
                            at(
                                "sobol.scenarios",
                                format!("`{}` in scenario `{name}`: {m}", axis.param),
                            )
                        }
                    })?);
                }
                let label = point_label(n_points, p);
                let settings: Vec<String> = spec
                    .axes
                    .iter()
                    .zip(&used)
                    .map(|(a, l)| format!("{} = {}", a.param, l.text()))
                    .collect();
                let description = if s == 0 {
                    format!(
                        "Point {label} of the sweep `{}` (base `{}`): {}.",
                        spec.name,
                        spec.base,
                        settings.join(", ")
                    )
                } else {
                    format!(
                        "Point {label} of the sweep `{}` (scenario `{name}`, design point {j}): {}.",
                        spec.name,
                        settings.join(", ")
                    )
                };
                let scenario = finished(&spec, t, &label, description, &settings.join(", "))
                    .map_err(|(k, m)| {
                        let k = if s > 0 && k == "axis" {
                            "sobol.scenarios".to_string()
                        } else {
                            k
                        };
                        at(&k, m)
                    })?;
                points.push(Point {
                    values: used,
                    scenario,
                });
            }
        }
        let oat = match &spec.oat {
            Some(o) => {
                let (p, layout) = oat_points(&spec, o, &base, dir).map_err(|(k, m)| at(&k, m))?;
                points = p;
                Some(layout)
            }
            None => None,
        };
        // The file's check counted these before anything was built (`SweepSpec::size`).
        debug_assert!(points.len() as u64 * u64::from(spec.replicates) <= super::spec::MAX_RUNS);
        let mut plan = Plan {
            spec,
            text: text.to_string(),
            base,
            points,
            morris,
            sobol,
            oat,
            hash: String::new(),
        };
        plan.hash = plan.identity().hash();
        Ok(plan)
    }

    /// What decides the runs' results: the engine version, the sweep as parsed, and every
    /// resolved scenario.
    pub fn identity(&self) -> SweepIdentity {
        SweepIdentity {
            engine_version: crate::ENGINE_VERSION.to_string(),
            spec: self.spec.clone(),
            base_sha256: self.base.hash(),
            point_sha256: self.points.iter().map(|p| p.scenario.hash()).collect(),
        }
    }

    /// Number of runs: points × replicates.
    pub fn runs(&self) -> u64 {
        self.points.len() as u64 * u64::from(self.spec.replicates)
    }

    /// Run `k` of the sweep's run order.
    pub fn run(&self, k: u64) -> RunId {
        let points = self.points.len() as u64;
        RunId {
            index: k,
            point: (k % points) as usize,
            replicate: (k / points) as u32,
            seed: seed_of(&self.spec, points, k),
        }
    }

    /// `p0007`: a point's name in files.
    pub fn point_label(&self, point: usize) -> String {
        point_label(self.points.len(), point)
    }

    /// `p0007-r02`: a run's name in files.
    pub fn run_label(&self, run: &RunId) -> String {
        run_label(
            self.points.len(),
            self.spec.replicates,
            run.point,
            run.replicate,
        )
    }

    /// The parameters, in axis order.
    pub fn params(&self) -> Vec<&str> {
        self.spec.axes.iter().map(|a| a.param.as_str()).collect()
    }
}

impl SweepIdentity {
    /// SHA-256 of the identity's canonical JSON, hex.
    pub fn hash(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        hex(&Sha256::digest(json.as_bytes()))
    }

    /// What differs between an earlier identity and this one, in words, for the message that
    /// refuses to mix two sweeps in one directory.
    pub fn differences(&self, earlier: &SweepIdentity) -> Vec<String> {
        let mut out = Vec::new();
        if self.engine_version != earlier.engine_version {
            out.push(format!(
                "the directory was started by cohesion {}, this is {}",
                earlier.engine_version, self.engine_version
            ));
        }
        let now = serde_json::to_value(&self.spec).unwrap_or_default();
        let before = serde_json::to_value(&earlier.spec).unwrap_or_default();
        diff_values("", &before, &now, &mut out);
        if out.is_empty() && self.base_sha256 != earlier.base_sha256 {
            out.push(format!(
                "the base scenario `{}` resolves differently (sha256 {}… then, {}… now): the \
                 file or the engine's defaults changed",
                self.spec.base,
                &earlier.base_sha256[..12.min(earlier.base_sha256.len())],
                &self.base_sha256[..12.min(self.base_sha256.len())]
            ));
        }
        if out.is_empty() && self.point_sha256 != earlier.point_sha256 {
            out.push("the points' scenarios resolve differently".into());
        }
        out
    }
}

/// Lists the keys whose values differ between two JSON trees: "replicates: 4 → 6".
fn diff_values(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let null = Value::Null;
                diff_values(
                    &join(k),
                    x.get(k).unwrap_or(&null),
                    y.get(k).unwrap_or(&null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y))
            if x.len() == y.len() && x.iter().all(|v| v.is_object()) =>
        {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                diff_values(&format!("{path}[{i}]"), p, q, out);
            }
        }
        _ if a != b => {
            let show = |v: &Value| {
                if v.is_null() {
                    "(none)".to_string()
                } else {
                    v.to_string()
                }
            };
            let name = match path {
                "axes" => "axis",
                "metrics" => "metric",
                other => other,
            };
            out.push(format!(
                "{}: {} → {}",
                name.replace("axes[", "axis[")
                    .replace("metrics[", "metric["),
                show(a),
                show(b)
            ));
        }
        _ => {}
    }
}

/// Seed of run `k` of `spec` with `points` points: [`run_seed`] of `k`; for a one-at-a-time
/// design, of the replicate alone, so that every point of a replicate has the same seed; for a
/// Sobol design with further scenarios, of the run's place in the design alone, so that a
/// design point has the same seeds on every scenario (common random numbers).
pub fn seed_of(spec: &SweepSpec, points: u64, k: u64) -> u64 {
    let points = points.max(1);
    if spec.oat.is_some() {
        return run_seed(spec.seed, k / points);
    }
    match spec.sobol.as_ref().map(|s| s.scenarios.len() as u64 + 1) {
        // A Sobol design over several scenarios: design point `j` of replicate `r` has the
        // seed of run `r × n + j` of the design alone, whichever scenario it runs on.
        Some(groups) if groups > 1 => {
            let n = (points / groups).max(1);
            let (r, p) = (k / points, k % points);
            run_seed(spec.seed, r * n + p % n)
        }
        _ => run_seed(spec.seed, k),
    }
}

/// Seed of run `k` of a sweep with master seed `master` (see the module's seed rule).
pub fn run_seed(master: u64, k: u64) -> u64 {
    let high = crate::rng::finalise(master ^ 0x5EED_5EED_5EED_5EED) & 0x001F_FFFF_0000_0000;
    high | (k & 0xFFFF_FFFF)
}

/// `p0007`: point `point` of `points`, numbered with at least four digits.
pub fn point_label(points: usize, point: usize) -> String {
    let width = points.saturating_sub(1).to_string().len().max(4);
    format!("p{point:0width$}")
}

/// `p0007-r02`: a run's name in files, the replicate with at least two digits.
pub fn run_label(points: usize, replicates: u32, point: usize, replicate: u32) -> String {
    let width = replicates.saturating_sub(1).to_string().len().max(2);
    format!("{}-r{replicate:0width$}", point_label(points, point))
}

/// A scenario named by a sweep file (a built-in name, or a path relative to the file's folder
/// `dir`) with the sweep's `[set]` applied: (key, message) if it cannot be used.
fn with_set(spec: &SweepSpec, name: &str, dir: &Path) -> Result<Scenario, (&'static str, String)> {
    let key = if name == spec.base {
        "base"
    } else if spec.sobol.is_some() {
        "sobol.scenarios"
    } else {
        "oat.scenarios"
    };
    let path = dir.join(name);
    let resolved = if Path::new(name).is_relative() && path.exists() {
        path.display().to_string()
    } else {
        name.to_string()
    };
    let what = if key == "base" {
        "the base scenario".to_string()
    } else {
        format!("the scenario `{name}`")
    };
    let scenario =
        Scenario::load(&resolved).map_err(|e| (key, format!("{what} cannot be used: {e}")))?;
    let mut tree = tree_of(&scenario);
    for (param, value) in &spec.set {
        let level = Level::of(value)
            .ok_or_else(|| ("set", format!("`{param}`: give a number or true/false")))?;
        set(&mut tree, param, level, true).map_err(|m| ("set", format!("`{param}`: {m}")))?;
    }
    let applied = scenario_of(&tree, &scenario.name);
    applied.map_err(|m| {
        if key == "base" {
            (
                "set",
                format!("the base with [set] applied is not valid: {m}"),
            )
        } else {
            (
                "set",
                format!("{what} with [set] applied is not valid: {m}"),
            )
        }
    })
}

/// A point's scenario: its table named and described, checked as a scenario, and its metric
/// windows checked against its simulated years. (key, message) of the first problem.
fn finished(
    spec: &SweepSpec,
    mut t: toml::Table,
    label: &str,
    description: String,
    settings: &str,
) -> Result<Scenario, (String, String)> {
    t.insert("name".into(), format!("{}-{label}", spec.name).into());
    t.insert("description".into(), description.into());
    let scenario = Scenario::from_checked_table(t, label).map_err(|e| {
        let m = in_words(e);
        (
            "axis".to_string(),
            format!("point {label} ({settings}) is not a valid scenario: {m}"),
        )
    })?;
    for (i, m) in spec.metrics.iter().enumerate() {
        let (a, b) = m.window(scenario.time.start_year, scenario.time.years);
        let (first, last) = (
            scenario.time.start_year,
            scenario.time.start_year + scenario.time.years as i32 - 1,
        );
        if a < first || b > last {
            let k = if m.year.is_some() { "year" } else { "years" };
            return Err((
                format!("metric[{i}].{k}"),
                format!(
                    "{} is outside the simulated years {first}–{last} (point {label})",
                    m.column()
                ),
            ));
        }
    }
    Ok(scenario)
}

/// The points of a one-at-a-time design (see [`super::oat`]) and what each is.
fn oat_points(
    spec: &SweepSpec,
    o: &Oat,
    base: &Scenario,
    dir: &Path,
) -> Result<(Vec<Point>, OatLayout), (String, String)> {
    let mut scenarios = vec![base.clone()];
    for name in &o.scenarios {
        scenarios.push(with_set(spec, name, dir).map_err(|(k, m)| (k.to_string(), m))?);
    }
    let names: Vec<String> = std::iter::once(spec.base.clone())
        .chain(o.scenarios.iter().cloned())
        .collect();
    let trees: Vec<toml::Table> = scenarios.iter().map(tree_of).collect();
    // Per scenario, per axis: the base value and the allowed range.
    let mut base_values = Vec::with_capacity(trees.len());
    let mut ranges = Vec::with_capacity(trees.len());
    for (s, tree) in trees.iter().enumerate() {
        let mut values = Vec::with_capacity(spec.axes.len());
        let mut rs = Vec::with_capacity(spec.axes.len());
        for (i, axis) in spec.axes.iter().enumerate() {
            let key = format!("axis[{i}].param");
            let value = match oat::value_at(tree, &axis.param) {
                Some(v) => v,
                None => {
                    // The reason, as setting the parameter words it (an unknown key's
                    // error suggests the right name).
                    let mut t = tree.clone();
                    let why = set(&mut t, &axis.param, Level::Num(0.0), false)
                        .err()
                        .unwrap_or_else(|| "it has no value to scale".into());
                    return Err((
                        key,
                        format!("`{}` in scenario `{}`: {why}", axis.param, names[s]),
                    ));
                }
            };
            let Some(x) = super::spec::number(&value) else {
                return Err((
                    key,
                    format!(
                        "`{}` is {}, not a number: a one-at-a-time design scales numbers",
                        axis.param,
                        value.type_str()
                    ),
                ));
            };
            values.push(x);
            rs.push(oat::allowed_range(tree, &axis.param));
        }
        base_values.push(values);
        ranges.push(rs);
    }
    let mut layout = OatLayout {
        scenarios: names,
        base: base_values,
        points: oat::layout(trees.len(), spec.axes.len(), &o.factors),
    };
    let n_points = layout.points.len();
    let mut points = Vec::with_capacity(n_points);
    for (p, point) in layout.points.iter_mut().enumerate() {
        let s = point.scenario;
        let mut t = trees[s].clone();
        let mut values: Vec<Level> = layout.base[s].iter().map(|&x| Level::Num(x)).collect();
        let label = point_label(n_points, p);
        let settings = match point.moved {
            None => "every parameter at its base value".to_string(),
            Some((a, f)) => {
                let axis = &spec.axes[a];
                let range = ranges[s][a].map(|(lo, hi, _)| (lo, hi));
                let (x, clamped) = oat::moved(layout.base[s][a], f, range);
                point.clamped = clamped;
                let used = set(&mut t, &axis.param, Level::Num(x), false)
                    .map_err(|m| (format!("axis[{a}].param"), format!("`{}`: {m}", axis.param)))?;
                values[a] = used;
                format!(
                    "{} = {} ({f} × {}{}), the others at their base values",
                    axis.param,
                    used.text(),
                    Level::Num(layout.base[s][a]).text(),
                    if clamped {
                        ", clamped to its allowed range"
                    } else {
                        ""
                    }
                )
            }
        };
        let description = format!(
            "Point {label} of the one-at-a-time sweep `{}` (scenario `{}`): {settings}.",
            spec.name, layout.scenarios[s]
        );
        let scenario = finished(spec, t, &label, description, &settings).map_err(|(k, m)| {
            match point.moved {
                Some((a, _)) if k == "axis" => (format!("axis[{a}].param"), m),
                _ => (k, m),
            }
        })?;
        points.push(Point { values, scenario });
    }
    Ok((points, layout))
}

/// The levels an axis lists (values or range); for bounds, its two ends (checked only).
fn axis_levels(axis: &SweepAxis) -> Vec<Level> {
    if let Some(values) = &axis.values {
        return values.iter().filter_map(Level::of).collect();
    }
    if let Some(r) = &axis.range {
        return design::range(r.from, r.to, r.steps, axis.scale)
            .into_iter()
            .map(Level::Num)
            .collect();
    }
    axis.bounds
        .map(|[lo, hi]| vec![Level::Num(lo), Level::Num(hi)])
        .unwrap_or_default()
}

/// The Saltelli design of a `[sobol]` sweep over its axes' bounds (each axis uniform, or
/// log-uniform for `scale = "log"`), or none for another design.
fn sobol_design(spec: &SweepSpec) -> Result<Option<SaltelliDesign>, String> {
    let Some(s) = &spec.sobol else {
        return Ok(None);
    };
    let axes = spec
        .axes
        .iter()
        .filter_map(|a| {
            a.bounds.map(|[lo, hi]| match a.scale {
                super::spec::ScaleKind::Log => {
                    crate::space::SpaceAxis::log_uniform(&a.param, lo, hi)
                }
                super::spec::ScaleKind::Linear => {
                    crate::space::SpaceAxis::uniform(&a.param, lo, hi)
                }
            })
        })
        .collect();
    let space = crate::space::Space::new(axes).map_err(|e| e.to_string())?;
    SaltelliDesign::new(space, s.samples, s.seed.unwrap_or(spec.seed))
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Every point's values, in design order, and the Morris trajectories if any.
fn design_points(spec: &SweepSpec, levels: &[Vec<Level>]) -> (Vec<Vec<Level>>, Vec<MorrisPath>) {
    let bounds: Vec<(usize, Bounds)> = spec
        .sampled_axes()
        .filter_map(|(i, a)| {
            a.bounds.map(|[lo, hi]| {
                (
                    i,
                    Bounds {
                        lo,
                        hi,
                        scale: a.scale,
                    },
                )
            })
        })
        .collect();
    if let Some(m) = &spec.morris {
        let k = spec.axes.len();
        let mut points = Vec::new();
        let mut paths = Vec::new();
        for t in design::morris(m.trajectories as usize, k, m.levels, spec.seed) {
            paths.push(MorrisPath {
                start: points.len(),
                moves: t.moves.clone(),
            });
            for u in &t.points {
                points.push(
                    bounds
                        .iter()
                        .map(|(d, b)| Level::Num(b.at(u[*d].clamp(0.0, 1.0))))
                        .collect(),
                );
            }
        }
        return (points, paths);
    }
    let grid_axes: Vec<usize> = spec.grid_axes().map(|(i, _)| i).collect();
    let sizes: Vec<usize> = grid_axes.iter().map(|&i| levels[i].len()).collect();
    let samples = match &spec.lhs {
        Some(l) => design::latin_hypercube(l.points as usize, bounds.len(), spec.seed),
        None => vec![Vec::new()],
    };
    let mut points = Vec::new();
    for combo in design::grid(&sizes) {
        for u in &samples {
            let mut values = vec![Level::Num(f64::NAN); spec.axes.len()];
            for (&axis, &i) in grid_axes.iter().zip(&combo) {
                values[axis] = levels[axis][i];
            }
            for ((axis, b), &x) in bounds.iter().zip(u) {
                values[*axis] = Level::Num(b.at(x));
            }
            points.push(values);
        }
    }
    (points, Vec::new())
}

/// A scenario as a TOML table, every key present.
pub fn tree_of(s: &Scenario) -> toml::Table {
    s.to_toml()
        .parse::<toml::Table>()
        .expect("a resolved scenario always reads back as TOML")
}

/// The scenario a table describes, or why it is not valid (without the generated text's lines).
pub fn scenario_of(t: &toml::Table, origin: &str) -> Result<Scenario, String> {
    let text = toml::to_string(t).map_err(|e| e.to_string())?;
    Scenario::from_toml(&text, origin).map_err(in_words)
}

/// A scenario error about a generated table, in words: its key and message, without the lines
/// of text the table never had.
fn in_words(e: ScenarioError) -> String {
    match e.key {
        Some(k) => format!("key `{k}`: {}", e.message),
        None => e.message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str) -> Result<Plan, ScenarioError> {
        let spec = SweepSpec::from_toml(text, "s.toml")?;
        Plan::resolve(spec, text, "s.toml", Path::new("."))
    }

    const GRID: &str = r#"
name = "g"
base = "devolution_big_bang"
replicates = 3
seed = 11

[[axis]]
param = "events.austerity.cut_per_year"
values = [0.0, 0.05]

[[axis]]
param = "events.devolution.year"
range = { from = 2012, to = 2018, steps = 3 }

[[metric]]
name = "belonging"
summary = "final"
"#;

    #[test]
    fn a_grid_sets_event_parameters() {
        let p = plan(GRID).unwrap();
        assert_eq!(p.points.len(), 6);
        assert_eq!(p.runs(), 18);
        let last = &p.points[5].scenario;
        assert!(last.events.iter().any(|e| matches!(e,
            crate::scenario::Intervention::Austerity(a) if a.cut_per_year == 0.05)));
        assert!(
            last.events
                .iter()
                .any(|e| e.kind() == "devolution" && e.when().0 == 2018)
        );
        assert_eq!(
            p.points[1].values,
            vec![Level::Num(0.0), Level::Num(2015.0)]
        );
    }

    #[test]
    fn no_two_runs_share_a_seed_and_runs_are_replicate_major() {
        let p = plan(GRID).unwrap();
        let mut seeds: Vec<u64> = (0..p.runs()).map(|k| p.run(k).seed).collect();
        assert!(seeds.iter().all(|&s| s < (1 << 53)));
        seeds.sort();
        seeds.dedup();
        assert_eq!(seeds.len() as u64, p.runs());
        assert_eq!(p.run(7).point, 1);
        assert_eq!(p.run(7).replicate, 1);
        assert_eq!(p.run_label(&p.run(7)), "p0001-r01");
    }

    #[test]
    fn bad_parameters_and_values_are_named() {
        let e = plan(&GRID.replace("events.devolution.year", "council.opennness")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("axis[1].param"));
        assert!(
            e.message.contains("openness"),
            "suggests the right name: {e}"
        );
        let e = plan(&GRID.replace("events.devolution.year", "events.lockdown.weeks")).unwrap_err();
        assert!(e.message.contains("no `lockdown` event"), "{e}");
        let e = plan(&GRID.replace("[0.0, 0.05]", "[0.0, 1.5]")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("axis[0].values"));
        let e = plan(&GRID.replace("to = 2018", "to = 2040")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("axis[1].range"), "{e}");
    }

    #[test]
    fn whole_number_keys_refuse_fractions_unless_sampled() {
        let e = plan(&GRID.replace("steps = 3", "steps = 5")).unwrap_err();
        assert!(e.message.contains("whole numbers"), "{e}");
        let sampled = GRID.replace(
            "range = { from = 2012, to = 2018, steps = 3 }",
            "bounds = [2012, 2018]\n[lhs]\npoints = 7",
        );
        let p = plan(&sampled).unwrap();
        assert_eq!(p.points.len(), 14);
        for point in &p.points {
            let year = point.values[1].as_f64();
            assert_eq!(year.fract(), 0.0, "rounded: {year}");
            assert!(
                point
                    .scenario
                    .events
                    .iter()
                    .any(|e| e.when().0 == year as i32)
            );
        }
    }

    #[test]
    fn a_change_is_named() {
        let a = plan(GRID).unwrap().identity();
        let b = plan(&GRID.replace("replicates = 3", "replicates = 4"))
            .unwrap()
            .identity();
        assert_eq!(b.differences(&a), vec!["replicates: 3 → 4".to_string()]);
        assert_ne!(a.hash(), b.hash());
    }

    #[test]
    fn a_sobol_design_on_further_scenarios_repeats_its_points_and_seeds() {
        let text = r#"
name = "s"
base = "baseline"
replicates = 2
seed = 5
[sobol]
samples = 3
scenarios = ["austerity_2010"]
[[axis]]
param = "trust.memory_per_week"
bounds = [0.9, 0.99]
[[metric]]
name = "trust"
summary = "final"
"#;
        let p = plan(text).unwrap();
        let n = 3 * (1 + 2);
        assert_eq!(p.points.len(), 2 * n);
        assert_eq!(p.points[1].values, p.points[n + 1].values);
        assert!(
            p.points[n + 1]
                .scenario
                .events
                .iter()
                .any(|e| e.kind() == "austerity")
        );
        assert!(p.points[1].scenario.events.is_empty());
        let points = p.points.len() as u64;
        for k in 0..p.runs() {
            let (run, twin) = (p.run(k), p.run((k + n as u64) % p.runs()));
            if run.point < n {
                // The same design point and replicate on the other scenario: the same seed.
                assert_eq!((twin.point, twin.replicate), (run.point + n, run.replicate));
                assert_eq!(run.seed, twin.seed);
            }
        }
        assert_ne!(p.run(0).seed, p.run(1).seed);
        assert_ne!(p.run(0).seed, p.run(points).seed, "replicates differ");
        // Without further scenarios, every run has its own seed, as before.
        let alone = plan(&text.replace("scenarios = [\"austerity_2010\"]\n", "")).unwrap();
        assert_eq!(alone.points.len(), n);
        assert_eq!(alone.run(4).seed, run_seed(5, 4));
        let e = plan(&text.replace("austerity_2010", "no_such_town")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("sobol.scenarios"), "{e}");
    }

    #[test]
    fn morris_points_follow_trajectories() {
        let text = r#"
name = "m"
base = "baseline"
replicates = 1
seed = 5
[morris]
trajectories = 3
[[axis]]
param = "belonging.local_ties_weight"
bounds = [0.1, 0.4]
[[axis]]
param = "trust.memory_per_week"
bounds = [0.9, 0.99]
[[metric]]
name = "trust"
summary = "final"
"#;
        let p = plan(text).unwrap();
        assert_eq!(p.points.len(), 9);
        assert_eq!(p.morris.len(), 3);
        let path = &p.morris[1];
        let (moved, _) = path.moves[0];
        let (a, b) = (&p.points[path.start], &p.points[path.start + 1]);
        for d in 0..2 {
            assert_eq!(a.values[d] == b.values[d], d != moved);
        }
    }
}
