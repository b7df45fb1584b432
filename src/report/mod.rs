//! Writing a comparison: tidy CSV of every run and of the summaries, the resolved scenarios,
//! band charts of the headline metrics, the seminar report and a manifest — staged and moved
//! into place like a single run's results, so a directory with a manifest is complete.
//! [`compare`] runs a plan ([`crate::compare::simulate`]) and writes it.
//!
//! Architecture invariant: above `compare` and `calibration`, whose results it reads, and
//! `output`, through which it writes; nothing below it imports it.
//!
//! Files (every one but `timings.json` is a function of the engine version, the resolved
//! scenarios, the seed and the number of replicates):
//!
//! - `summary.csv`: `scenario,metric,tick,year,mean,sd,ci_low,ci_high,n`, every town-level
//!   metric at every week, over replicates;
//! - `effects.csv`:
//!   `scenario,metric,year,reference,mean,reference_mean,diff,ci_low,ci_high,n,interval`, each
//!   headline metric's paired difference from the reference scenario, then from the second
//!   scenario of each named contrast (`--contrast A:B`: rows with `scenario` A and `reference`
//!   B); `interval` is `seeds` (the interval reflects the seeds alone) or `seeds+posterior`
//!   (each replicate also drew its parameters from `--posterior`);
//! - `runs.csv`: `scenario,replicate,tick,year,week,metric,value`, every run's town-level series;
//! - `wards.csv`: `scenario,replicate,year,ward,metric,value`, every run's yearly ward means;
//! - `events.csv`: `scenario,replicate,tick,year,kind,venue,ward,detail`;
//! - `scenarios/NAME.toml`: each scenario fully resolved;
//! - `charts/METRIC.{png,svg}`: one band chart per headline metric;
//! - `report.html`: the story for a seminar, self-contained;
//! - `manifest.json`, `timings.json`.

pub mod html;
pub mod story;

use crate::compare::{ComparePlan, Comparison, simulate};
use crate::metrics::{Metric, Scope, headline};
use crate::output::charts::{self, BandSeries, Marker};
use crate::output::csv::{field, number};
use crate::output::manifest::{REPRODUCIBILITY, sha256_file};
use crate::output::{CHARTS_DIR, MANIFEST, OutputError, TIMINGS, Target, io_err, place, stage};
use crate::run::RunError;
use crate::scenario::WEEKS_PER_YEAR;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Everything a comparison writes at the top of its directory, the manifest last.
pub const COMPARE_ENTRIES: [&str; 10] = [
    "summary.csv",
    "effects.csv",
    "runs.csv",
    "wards.csv",
    "events.csv",
    SCENARIOS_DIR,
    CHARTS_DIR,
    REPORT,
    TIMINGS,
    MANIFEST,
];
/// The folder of resolved scenarios.
pub const SCENARIOS_DIR: &str = "scenarios";
/// The report's file name.
pub const REPORT: &str = "report.html";

/// How a comparison states its seeds.
pub const COMPARE_SEED_RULE: &str = "Replicate r (0-based) of every scenario uses the random \
streams keyed by (seed, r): the same as `cohesion run SCENARIO --seed SEED --replicate r`. \
Replicate r of each scenario therefore starts from the same town and the same random numbers \
(common random numbers), and effects are paired differences, replicate by replicate.";

/// Timing facts about a comparison, for `timings.json`.
#[derive(Clone, Debug)]
pub struct CompareTimings {
    pub wall_seconds: f64,
    pub simulate_seconds: f64,
    pub threads: usize,
    pub runs: usize,
    /// Resident-weeks simulated in all runs, warm-up included: those one run took from
    /// another's history (`resident_weeks_shared`) are not counted.
    pub resident_ticks: f64,
    /// Resident-weeks that runs took from another run's history instead of simulating them.
    pub resident_weeks_shared: f64,
}

/// Where and how to write.
pub struct CompareTarget<'a> {
    pub target: &'a Target,
    pub force: bool,
    /// The command that reproduces the comparison, for the manifest and the report.
    pub command: &'a str,
}

/// The file name (without extension) a scenario's resolved TOML gets.
pub fn scenario_file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The file each scenario's resolved TOML is written to, relative to the comparison's directory:
/// `scenarios/NAME.toml`, with `-2`, `-3`, ... added where two names would share a file.
pub fn scenario_files(scenarios: &[crate::Scenario]) -> Vec<String> {
    let mut taken = std::collections::BTreeSet::new();
    scenarios
        .iter()
        .map(|s| {
            let stem = scenario_file_stem(&s.name);
            let mut name = stem.clone();
            let mut k = 1;
            while !taken.insert(name.clone()) {
                k += 1;
                name = format!("{stem}-{k}");
            }
            format!("{SCENARIOS_DIR}/{name}.toml")
        })
        .collect()
}

/// What a finished comparison reports.
pub struct CompareSummary {
    pub dir: PathBuf,
    pub timings: CompareTimings,
    pub comparison: Comparison,
}

/// Runs every (scenario, replicate) of `plan` on `threads` threads, one run per thread at a
/// time, and writes the results to `target`. `command` is recorded as the command that
/// reproduces it; `progress(done, total, scenario, replicate)` is called as runs finish.
pub fn compare(
    plan: &ComparePlan,
    target: &Target,
    force: bool,
    command: &str,
    threads: usize,
    progress: impl Fn(usize, usize, &str, u32) + Sync,
) -> Result<CompareSummary, RunError> {
    plan.check().map_err(|e| RunError::Plan(e.0))?;
    crate::output::check_target(target, force, &COMPARE_ENTRIES).map_err(RunError::Output)?;
    let started = Instant::now();
    let comparison = simulate(plan, threads, progress).map_err(|e| RunError::Plan(e.0))?;
    let simulate_seconds = started.elapsed().as_secs_f64();
    let resident_ticks: f64 = plan
        .scenarios
        .iter()
        .map(|s| {
            f64::from(s.town.residents)
                * f64::from(s.time.warmup_weeks + s.ticks())
                * f64::from(plan.replicates)
        })
        .sum::<f64>()
        - comparison.resident_weeks_shared;
    let mut timings = CompareTimings {
        wall_seconds: started.elapsed().as_secs_f64(),
        simulate_seconds,
        threads,
        runs: plan.runs(),
        resident_ticks,
        resident_weeks_shared: comparison.resident_weeks_shared,
    };
    let to = CompareTarget {
        target,
        force,
        command,
    };
    let dir = write_comparison(&to, &comparison, &timings).map_err(RunError::Output)?;
    timings.wall_seconds = started.elapsed().as_secs_f64();
    Ok(CompareSummary {
        dir,
        timings,
        comparison,
    })
}

/// Writes every result of `cmp`. Returns the directory written.
pub fn write_comparison(
    to: &CompareTarget,
    cmp: &Comparison,
    timings: &CompareTimings,
) -> Result<PathBuf, OutputError> {
    crate::output::check_target(to.target, to.force, &COMPARE_ENTRIES)?;
    let staging = stage(to.target)?;
    if let Err(e) = write_staged(&staging, to, cmp, timings) {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    place(to.target, to.force, &staging, &COMPARE_ENTRIES)
}

fn write_staged(
    dir: &Path,
    to: &CompareTarget,
    cmp: &Comparison,
    timings: &CompareTimings,
) -> Result<(), OutputError> {
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        fs::write(&path, bytes).map_err(io_err(path.display().to_string()))
    };
    let mut files: Vec<String> = Vec::new();
    for (name, text) in [
        ("summary.csv", summary_csv(cmp)),
        ("effects.csv", effects_csv(cmp)),
        ("runs.csv", runs_csv(cmp)),
        ("wards.csv", wards_csv(cmp)),
        ("events.csv", events_csv(cmp)),
    ] {
        write(name, text.as_bytes())?;
        files.push(name.to_string());
    }
    fs::create_dir_all(dir.join(SCENARIOS_DIR)).map_err(io_err(dir.display().to_string()))?;
    for (s, name) in cmp
        .plan
        .scenarios
        .iter()
        .zip(scenario_files(&cmp.plan.scenarios))
    {
        write(&name, s.to_toml().as_bytes())?;
        files.push(name);
    }
    let charts_dir = dir.join(CHARTS_DIR);
    fs::create_dir_all(&charts_dir).map_err(io_err(charts_dir.display().to_string()))?;
    for chart in write_charts(&charts_dir, cmp).map_err(io_err("writing charts"))? {
        files.push(format!("{CHARTS_DIR}/{chart}"));
    }
    let report = html::html(cmp, &charts_dir, to.command)
        .map_err(io_err("reading charts for the report"))?;
    write(REPORT, report.as_bytes())?;
    files.push(REPORT.to_string());
    let manifest = manifest(dir, &files, cmp, to).map_err(io_err("hashing the results"))?;
    write(TIMINGS, timings_json(timings).as_bytes())?;
    write(MANIFEST, manifest.as_bytes())?;
    Ok(())
}

/// A number, or `NA` (as R writes a missing value) when it is not finite.
fn number_or_na(x: f64) -> String {
    if x.is_finite() {
        number(x)
    } else {
        "NA".to_string()
    }
}

fn calendar_year(cmp: &Comparison, tick: u32) -> i32 {
    cmp.plan.years().0 + (tick / WEEKS_PER_YEAR) as i32
}

/// `summary.csv`.
pub fn summary_csv(cmp: &Comparison) -> String {
    let mut out = String::with_capacity(cmp.summary.len() * 64);
    out.push_str("scenario,metric,tick,year,mean,sd,ci_low,ci_high,n\n");
    for row in &cmp.summary {
        let e = &row.estimate;
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{}",
            field(&cmp.plan.scenarios[row.scenario].name),
            row.metric,
            row.tick,
            calendar_year(cmp, row.tick),
            number_or_na(e.mean),
            number_or_na(e.sd),
            number_or_na(e.ci_low),
            number_or_na(e.ci_high),
            e.n
        );
    }
    out
}

/// `effects.csv`.
pub fn effects_csv(cmp: &Comparison) -> String {
    let mut out = String::from(
        "scenario,metric,year,reference,mean,reference_mean,diff,ci_low,ci_high,n,interval\n",
    );
    let interval = cmp.plan.interval_kind().name();
    for row in &cmp.effects {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{interval}",
            field(&cmp.plan.scenarios[row.scenario].name),
            row.metric,
            row.year,
            field(&cmp.plan.scenarios[row.reference].name),
            number_or_na(row.mean),
            number_or_na(row.reference_mean),
            number_or_na(row.diff.mean),
            number_or_na(row.diff.ci_low),
            number_or_na(row.diff.ci_high),
            row.diff.n
        );
    }
    out
}

/// `runs.csv`: every run's town-level series, week by week.
pub fn runs_csv(cmp: &Comparison) -> String {
    let rows: usize = cmp
        .runs
        .iter()
        .map(|r| r.town.values().map(Vec::len).sum::<usize>())
        .sum();
    let mut out = String::with_capacity(rows * 56);
    out.push_str("scenario,replicate,tick,year,week,metric,value\n");
    for run in &cmp.runs {
        let name = field(&cmp.plan.scenarios[run.scenario].name);
        let ticks = run.town.values().map(Vec::len).max().unwrap_or(0);
        for tick in 0..ticks {
            let t = tick as u32;
            for (metric, series) in &run.town {
                let Some(&value) = series.get(tick) else {
                    continue;
                };
                let _ = writeln!(
                    out,
                    "{name},{},{t},{},{},{metric},{}",
                    run.replicate,
                    calendar_year(cmp, t),
                    t % WEEKS_PER_YEAR + 1,
                    number_or_na(value)
                );
            }
        }
    }
    out
}

/// `wards.csv`: every run's ward-level metrics, as yearly means.
pub fn wards_csv(cmp: &Comparison) -> String {
    let mut out = String::from("scenario,replicate,year,ward,metric,value\n");
    let start = cmp.plan.years().0;
    for run in &cmp.runs {
        let name = field(&cmp.plan.scenarios[run.scenario].name);
        let years = run.wards.values().map(Vec::len).max().unwrap_or(0);
        for year in 0..years {
            for ((ward, metric), values) in &run.wards {
                let Some(&value) = values.get(year) else {
                    continue;
                };
                let ward = run
                    .ward_names
                    .get(usize::from(*ward))
                    .map_or("", String::as_str);
                let _ = writeln!(
                    out,
                    "{name},{},{},{},{metric},{}",
                    run.replicate,
                    start + year as i32,
                    field(ward),
                    number_or_na(value)
                );
            }
        }
    }
    out
}

/// `events.csv`: every run's events, in the order they happened.
pub fn events_csv(cmp: &Comparison) -> String {
    let mut out = String::from("scenario,replicate,tick,year,kind,venue,ward,detail\n");
    for run in &cmp.runs {
        let name = field(&cmp.plan.scenarios[run.scenario].name);
        for e in &run.events {
            let ward = e
                .ward
                .and_then(|w| run.ward_names.get(usize::from(w)))
                .map_or("", String::as_str);
            let _ = writeln!(
                out,
                "{name},{},{},{},{},{},{},{}",
                run.replicate,
                e.tick,
                calendar_year(cmp, e.tick),
                e.kind,
                field(e.venue.as_deref().unwrap_or("")),
                field(ward),
                field(&e.detail)
            );
        }
    }
    out
}

/// The moments every chart marks: each scheduled intervention of each scenario, as a fractional
/// calendar year, with the kinds that start then, belonging to that scenario's line alone. In a
/// comparison of branches (`--branch-at`), the fork year is marked across the chart, and a
/// branch's line marks only the interventions the first scenario does not have.
pub fn markers(cmp: &Comparison) -> Vec<Marker> {
    let start = f64::from(cmp.plan.years().0);
    let mut all = Vec::new();
    if let Some(year) = cmp.plan.branch_at {
        all.push(Marker {
            year: f64::from(year),
            label: "branches part".to_owned(),
            series: None,
        });
    }
    let reference = cmp
        .plan
        .scenarios
        .first()
        .map_or(&[][..], |s| &s.events[..]);
    for (i, s) in cmp.plan.scenarios.iter().enumerate() {
        let inherited = |e: &&crate::scenario::Intervention| {
            i > 0 && cmp.plan.branch_at.is_some() && reference.contains(*e)
        };
        let mut at: BTreeMap<u32, Vec<&'static str>> = BTreeMap::new();
        for e in s.events.iter().filter(|e| !inherited(e)) {
            let (year, week) = e.when();
            if let Some(tick) = s.tick_of(year, week) {
                let kinds = at.entry(tick).or_default();
                if !kinds.contains(&e.kind()) {
                    kinds.push(e.kind());
                }
            }
        }
        all.extend(at.into_iter().map(|(tick, kinds)| Marker {
            year: start + f64::from(tick) / f64::from(WEEKS_PER_YEAR),
            label: kinds.join(" + "),
            series: Some(i),
        }));
    }
    all
}

/// The legend's note for scenario `s` on `metric` (whose unit is `unit`, as in the metric table):
/// its effect against the reference in the last reported year — in percentage points for a
/// share, in points of 100 for a mean on 0–1, else in the metric's own unit — with its interval
/// when there are replicates to give one.
fn effect_note(cmp: &Comparison, s: usize, metric: &str, unit: &str) -> Option<String> {
    let reference = &cmp.plan.scenarios.first()?.name;
    if s == 0 {
        return Some("reference".to_owned());
    }
    let year = *cmp.plan.report_years().last()?;
    let d = &cmp.effect(s, metric, year)?.diff;
    let (scale, unit) = match crate::metrics::metric(metric).and_then(|m| m.per_hundred()) {
        Some("percentage points") => (100.0, " pp".to_owned()),
        Some(words) => (100.0, format!(" {words}")),
        None => (1.0, format!(" {unit}")),
    };
    // As the report words it: two decimals where one would print a clear effect as 0.0.
    let decimals = story::effect_decimals(d, scale);
    let interval = if d.ci_low.is_finite() && d.ci_high.is_finite() {
        format!(
            " ({} to {})",
            story::signed(d.ci_low * scale, decimals),
            story::signed(d.ci_high * scale, decimals)
        )
    } else {
        String::new()
    };
    Some(format!(
        "{}{unit}{interval} vs {reference}, {year}",
        story::signed(d.mean * scale, decimals)
    ))
}

/// One band chart per headline metric. Returns the file names written, PNG then SVG for each.
fn write_charts(dir: &Path, cmp: &Comparison) -> std::io::Result<Vec<String>> {
    let start = f64::from(cmp.plan.years().0);
    let markers = markers(cmp);
    let n = cmp.plan.replicates;
    let mut written = Vec::new();
    for Metric {
        name: metric,
        label,
        meaning,
        unit,
        scope,
        ..
    } in headline().copied()
    {
        let lines = cmp
            .plan
            .scenarios
            .iter()
            .enumerate()
            .map(|(s, scenario)| BandSeries {
                label: scenario.name.clone(),
                points: cmp
                    .summary_of(s, metric)
                    .map(|r| {
                        let e = &r.estimate;
                        let year = start + f64::from(r.tick) / f64::from(WEEKS_PER_YEAR);
                        (year, e.mean, e.ci_low, e.ci_high)
                    })
                    .collect(),
                note: effect_note(cmp, s, metric, unit),
            })
            .collect();
        let title = if n > 1 {
            format!("{label}: mean of {n} replicates with 95% interval")
        } else {
            format!("{label}: one replicate")
        };
        let files = charts::write_band_chart(
            dir,
            metric,
            title,
            meaning,
            scope == Scope::Town,
            lines,
            markers.clone(),
        )?;
        written.extend(files);
    }
    // The town map: the first replicate of each scenario.
    let firsts: Vec<(&str, &crate::townmap::TownMap)> = cmp
        .plan
        .scenarios
        .iter()
        .enumerate()
        .filter_map(|(s, scenario)| Some((scenario.name.as_str(), &cmp.runs_of(s).next()?.map)))
        .collect();
    written.extend(crate::output::map::write_map(
        dir,
        &firsts,
        crate::output::map::DEFAULT_METRIC,
    )?);
    Ok(written)
}

#[derive(Serialize)]
struct ScenarioEntry {
    name: String,
    sha256: String,
    file: String,
}

#[derive(Serialize)]
struct PosteriorEntry<'a> {
    path: &'a str,
    sha256: &'a str,
    draws: usize,
    parameters: &'a [String],
    /// The particle (row of the file, from 0) replicate r drew.
    particles: &'a [usize],
    rule: &'static str,
}

/// How a comparison with `--posterior` uses it.
pub const POSTERIOR_RULE: &str = "Replicate r of every scenario takes parameter set r, drawn \
from the posterior in proportion to the weights with the keyed stream (seed, PosteriorDraw, \
entity r), and applied on top of the scenario as --set would apply it: the posterior's values \
win over the scenario's own. The scenarios/ files are the scenarios before the draws.";

#[derive(Serialize)]
struct Manifest<'a> {
    engine: &'static str,
    engine_version: &'static str,
    kind: &'static str,
    command: &'a str,
    seed: u64,
    replicates: u32,
    seed_rule: &'static str,
    reference: &'a str,
    /// With `--branch-at`: the year the scenarios after the first branch from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    branch_at: Option<i32>,
    effects_years: Vec<i32>,
    /// What the effects' intervals account for: `seeds` or `seeds+posterior`.
    interval: &'static str,
    /// With `--posterior`: the file, its SHA-256, and the particle each replicate drew.
    #[serde(skip_serializing_if = "Option::is_none")]
    posterior: Option<PosteriorEntry<'a>>,
    /// Named contrasts, `A:B` (A against B).
    contrasts: Vec<String>,
    start_year: i32,
    years: u32,
    scenarios: Vec<ScenarioEntry>,
    reproducibility: &'static str,
    default_run: bool,
    files: BTreeMap<String, String>,
}

fn manifest(
    dir: &Path,
    files: &[String],
    cmp: &Comparison,
    to: &CompareTarget,
) -> std::io::Result<String> {
    let mut hashes = BTreeMap::new();
    for f in files {
        hashes.insert(f.clone(), sha256_file(&dir.join(f))?);
    }
    let plan = &cmp.plan;
    let m = Manifest {
        engine: "cohesion",
        engine_version: crate::ENGINE_VERSION,
        kind: "comparison",
        command: to.command,
        seed: plan.seed,
        replicates: plan.replicates,
        seed_rule: COMPARE_SEED_RULE,
        reference: plan.scenarios.first().map_or("", |s| s.name.as_str()),
        branch_at: plan.branch_at,
        effects_years: plan.report_years(),
        interval: plan.interval_kind().name(),
        posterior: plan.posterior.as_ref().map(|p| PosteriorEntry {
            path: &p.path,
            sha256: &p.sha256,
            draws: p.values.len(),
            parameters: &p.names,
            particles: &p.particles,
            rule: POSTERIOR_RULE,
        }),
        contrasts: plan
            .contrasts
            .iter()
            .map(|&(a, b)| format!("{}:{}", plan.scenarios[a].name, plan.scenarios[b].name))
            .collect(),
        start_year: plan.years().0,
        years: plan.scenarios.first().map_or(0, |s| s.time.years),
        scenarios: plan
            .scenarios
            .iter()
            .zip(scenario_files(&cmp.plan.scenarios))
            .map(|(s, file)| ScenarioEntry {
                name: s.name.clone(),
                sha256: s.hash(),
                file,
            })
            .collect(),
        reproducibility: REPRODUCIBILITY,
        default_run: matches!(to.target, Target::DefaultOutputs(_)),
        files: hashes,
    };
    let mut text = serde_json::to_string_pretty(&m).map_err(std::io::Error::other)?;
    text.push('\n');
    Ok(text)
}

fn timings_json(t: &CompareTimings) -> String {
    let value = serde_json::json!({
        "wall_seconds": t.wall_seconds,
        "simulate_seconds": t.simulate_seconds,
        "threads": t.threads,
        "runs": t.runs,
        "resident_ticks_per_s": t.resident_ticks / t.simulate_seconds.max(1e-9),
        "resident_weeks_shared": t.resident_weeks_shared,
        "resident_weeks_simulated": t.resident_ticks,
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;

    #[test]
    fn scenario_files_never_collide() {
        let named = |n: &str| Scenario {
            name: n.to_string(),
            ..Scenario::default()
        };
        let files = scenario_files(&[named("a/b"), named("a_b"), named("a b"), named("c")]);
        assert_eq!(
            files,
            [
                "scenarios/a_b.toml",
                "scenarios/a_b-2.toml",
                "scenarios/a_b-3.toml",
                "scenarios/c.toml"
            ]
        );
    }
}
