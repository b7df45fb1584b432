//! `--set KEY=VALUE` and `--json` for `run` and `compare`: parameters changed by name on the
//! command line, checked exactly as a sweep's `[set]` is, and one line of JSON outcomes on
//! standard output, so that a driver (EMA workbench, OpenMOLE, SALib) can run the town without
//! writing TOML.

use cohesion::Scenario;
use cohesion::compare::Comparison;
use cohesion::scenario::path::{Level, set};
use cohesion::sweep::plan::{scenario_of, tree_of};
use serde_json::{Map, Value, json};
use std::path::Path;

/// `scenario` with every `KEY=VALUE` of `sets` applied in order, checked as a sweep's `[set]`:
/// the key must be a number or true/false of the scenario (or of its events), whole-number keys
/// take whole numbers, and the result must be a valid scenario. The error names the key.
pub fn apply(scenario: Scenario, sets: &[String]) -> Result<Scenario, String> {
    if sets.is_empty() {
        return Ok(scenario);
    }
    let mut tree = tree_of(&scenario);
    for item in sets {
        let Some((key, value)) = item.split_once('=') else {
            return Err(format!(
                "--set `{item}`: give KEY=VALUE, such as --set council.openness=0.5"
            ));
        };
        let key = key.trim();
        let level = Level::parse(value).map_err(|m| format!("--set `{key}`: {m}"))?;
        set(&mut tree, key, level, true).map_err(|m| format!("--set `{key}`: {m}"))?;
        scenario_of(&tree, &scenario.name)
            .map_err(|m| format!("--set `{key}` = {}: {m}", level.text()))?;
    }
    scenario_of(&tree, &scenario.name).map_err(|m| format!("--set: {m}"))
}

/// A number for JSON: null when it is not finite.
fn num(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

/// The headline metrics' town means over the final simulated year, from a run's metrics.csv.
fn final_year(dir: &Path, last: i32) -> Result<Map<String, Value>, String> {
    let path = dir.join("metrics.csv");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Map::new();
    for metric in cohesion::metrics::headline() {
        let (mut sum, mut n) = (0.0, 0u32);
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            if f.len() == 6
                && f[3] == "all"
                && f[4] == metric.name
                && f[1] == last.to_string()
                && let Ok(v) = f[5].parse::<f64>()
            {
                sum += v;
                n += 1;
            }
        }
        let mean = if n == 0 { f64::NAN } else { sum / f64::from(n) };
        out.insert(metric.name.to_string(), num(mean));
    }
    Ok(out)
}

/// One line of JSON for a finished run: the scenario, seed, replicate, final year, output
/// directory and the headline metrics' means over the final year.
pub fn run_line(
    dir: &Path,
    scenario: &Scenario,
    seed: u64,
    replicate: u32,
) -> Result<String, String> {
    let last = scenario.time.start_year + scenario.time.years as i32 - 1;
    let line = json!({
        "command": "run",
        "scenario": scenario.name,
        "seed": seed,
        "replicate": replicate,
        "year": last,
        "dir": dir.display().to_string(),
        "outcomes": final_year(dir, last)?,
    });
    Ok(format!("{line}\n"))
}

/// One line of JSON for a finished comparison: each scenario's headline means over the final
/// year (mean over replicates) and, against the first, the paired effect with its 95% interval.
pub fn compare_line(dir: &Path, cmp: &Comparison) -> String {
    let plan = &cmp.plan;
    let (_, last) = plan.years();
    let weeks = cohesion::scenario::WEEKS_PER_YEAR;
    let last_ticks =
        (last - plan.years().0) as u32 * weeks..(last - plan.years().0 + 1) as u32 * weeks;
    let scenarios: Vec<Value> = plan
        .scenarios
        .iter()
        .enumerate()
        .map(|(s, scenario)| {
            let mut outcomes = Map::new();
            let mut effects = Map::new();
            for metric in cohesion::metrics::headline() {
                let means: Vec<f64> = cmp
                    .summary
                    .iter()
                    .filter(|r| r.scenario == s && r.metric == metric.name)
                    .filter(|r| last_ticks.contains(&r.tick))
                    .map(|r| r.estimate.mean)
                    .collect();
                let mean = if means.is_empty() {
                    f64::NAN
                } else {
                    means.iter().sum::<f64>() / means.len() as f64
                };
                outcomes.insert(metric.name.to_string(), num(mean));
                if let Some(e) = cmp.effect(s, metric.name, last) {
                    effects.insert(
                        metric.name.to_string(),
                        json!({
                            "diff": num(e.diff.mean),
                            "ci_low": num(e.diff.ci_low),
                            "ci_high": num(e.diff.ci_high),
                        }),
                    );
                }
            }
            let mut entry = json!({ "scenario": scenario.name, "outcomes": outcomes });
            if s > 0 {
                entry["effects"] = Value::Object(effects);
            }
            entry
        })
        .collect();
    let line = json!({
        "command": "compare",
        "seed": plan.seed,
        "replicates": plan.replicates,
        "interval": plan.interval_kind().name(),
        "year": last,
        "dir": dir.display().to_string(),
        "reference": plan.scenarios.first().map(|s| s.name.clone()),
        "scenarios": scenarios,
    });
    format!("{line}\n")
}
