//! Merging a sweep's runs into tidy tables and charts.
//!
//! `results.csv` has a row per run (point, parameters, replicate, seed, metrics);
//! `summary.csv` a row per point and metric (n, mean, sd, 95% interval); a Morris design adds
//! `sensitivity.csv` (μ*, μ, σ per parameter and metric). Every merged file depends only on
//! the runs' result files, read in run order, so a sweep run on one thread, on many, in shards
//! or as a Slurm array merges to the same bytes. Missing, duplicated or foreign run files are
//! listed, and stop the merge unless partial results are allowed.

use super::morris;
use super::plan::Level;
use super::runner::{RUNS_DIR, Record, RunResult, SweepError, io, read_result, write_atomic};
use crate::output::csv::{field, number};
use crate::output::sweep_charts::{self, MorrisPoint, ParamLine};
use crate::stats::Estimate;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

pub const RESULTS: &str = "results.csv";
pub const SUMMARY: &str = "summary.csv";
pub const SENSITIVITY: &str = "sensitivity.csv";
pub const CHARTS: &str = "charts";
pub const MANIFEST: &str = "manifest.json";
pub const OAT: &str = "oat.csv";
pub const CONCLUSIONS: &str = "conclusions.csv";

/// What a merge found and wrote.
#[derive(Clone, Debug)]
pub struct Merged {
    pub runs: usize,
    pub expected: u64,
    /// Runs with no result file, by label.
    pub missing: Vec<String>,
    /// Result files beyond the first for one run, and files that belong to no run of this sweep.
    pub problems: Vec<String>,
    pub files: Vec<String>,
    /// For a Morris design: per metric column, parameters by μ* (largest first).
    pub ranking: Vec<(String, Vec<(String, f64)>)>,
    /// For a one-at-a-time design: per conclusion, whether it holds at the base point and
    /// the moves (`param × factor`) at which it flips.
    pub flips: Vec<(String, Option<bool>, Vec<String>)>,
}

/// Merges the runs in `dir`. Unless `allow_partial`, a missing, duplicated or foreign run file
/// stops the merge before anything is written.
pub fn merge(dir: &Path, allow_partial: bool) -> Result<Merged, SweepError> {
    let record = Record::read(dir)?;
    let Collected {
        runs,
        missing,
        mut problems,
    } = collect(dir, &record)?;
    if (!missing.is_empty() || !problems.is_empty()) && !allow_partial {
        let mut lines = Vec::new();
        if !missing.is_empty() {
            lines.push(format!(
                "{} of {} runs are missing: {}",
                missing.len(),
                record.runs,
                abbreviate(&missing)
            ));
        }
        lines.extend(problems.iter().cloned());
        return Err(SweepError::Incomplete(format!(
            "{}: {}. Rerun the sweep (finished runs are kept) or resubmit the failed tasks, then \
             merge again; or add --allow-partial to merge what is there",
            dir.display(),
            lines.join("; ")
        )));
    }
    let metrics: Vec<String> = record.metrics().iter().map(|m| m.column()).collect();
    let mut files = Vec::new();

    // results.csv
    let mut results = String::from("point");
    for p in &record.params {
        results.push(',');
        results.push_str(&field(p));
    }
    results.push_str(",replicate,seed");
    for m in &metrics {
        results.push(',');
        results.push_str(m);
    }
    results.push('\n');
    for r in &runs {
        results.push_str(&record.point_label(r.point));
        for v in &record.point_values[r.point] {
            results.push(',');
            results.push_str(&v.text());
        }
        results.push_str(&format!(",{},{}", r.replicate, r.seed));
        for (_, value) in &r.metrics {
            results.push(',');
            results.push_str(&number(*value));
        }
        results.push('\n');
    }
    write_atomic(&dir.join(RESULTS), results.as_bytes())?;
    files.push(RESULTS.to_string());

    // summary.csv: per point and metric.
    let estimates = point_estimates(&record, &runs, metrics.len());
    let mut summary = String::from("point");
    for p in &record.params {
        summary.push(',');
        summary.push_str(&field(p));
    }
    summary.push_str(",metric,n,mean,sd,ci_low,ci_high\n");
    for (point, per_metric) in estimates.iter().enumerate() {
        for (m, e) in per_metric.iter().enumerate() {
            if e.n == 0 {
                continue;
            }
            summary.push_str(&record.point_label(point));
            for v in &record.point_values[point] {
                summary.push(',');
                summary.push_str(&v.text());
            }
            summary.push_str(&format!(
                ",{},{},{},{},{},{}\n",
                metrics[m],
                e.n,
                number(e.mean),
                blank_nan(e.sd),
                blank_nan(e.ci_low),
                blank_nan(e.ci_high)
            ));
        }
    }
    write_atomic(&dir.join(SUMMARY), summary.as_bytes())?;
    files.push(SUMMARY.to_string());

    // sensitivity.csv (Morris).
    let mut ranking = Vec::new();
    let mut morris_stats = Vec::new();
    let mut sobol_results = Vec::new();
    if !record.morris.is_empty() {
        let mut text = String::from("metric,param,rank,mu_star,mu,sigma,effects\n");
        for (m, column) in metrics.iter().enumerate() {
            let means: Vec<Option<f64>> = estimates
                .iter()
                .map(|per| (per[m].n > 0).then_some(per[m].mean))
                .collect();
            let mut stats = morris::effects(&record.morris, record.params.len(), &means);
            stats.sort_by(|a, b| b.mu_star.total_cmp(&a.mu_star).then(a.param.cmp(&b.param)));
            for (rank, s) in stats.iter().enumerate() {
                text.push_str(&format!(
                    "{column},{},{},{},{},{},{}\n",
                    field(&record.params[s.param]),
                    rank + 1,
                    number(s.mu_star),
                    number(s.mu),
                    blank_nan(s.sigma),
                    s.n
                ));
            }
            ranking.push((
                column.clone(),
                stats
                    .iter()
                    .map(|s| (record.params[s.param].clone(), s.mu_star))
                    .collect(),
            ));
            morris_stats.push(stats);
        }
        write_atomic(&dir.join(SENSITIVITY), text.as_bytes())?;
        files.push(SENSITIVITY.to_string());
    } else if let Some(sobol) = &record.sobol {
        let means: Vec<Vec<Option<f64>>> = estimates
            .iter()
            .map(|per| per.iter().map(|e| (e.n > 0).then_some(e.mean)).collect())
            .collect();
        let values = metric_values(&runs);
        let paired = run_values(&runs, &values);
        let base = &record.identity.spec.base;
        sobol_results = super::sobol::analyse(sobol, base, &metrics, &means, &paired);
        let text = super::sobol::csv(&sobol_results, &metrics, !sobol.scenarios.is_empty());
        write_atomic(&dir.join(SENSITIVITY), text.as_bytes())?;
        files.push(SENSITIVITY.to_string());
    } else if dir.join(SENSITIVITY).exists() {
        fs::remove_file(dir.join(SENSITIVITY)).map_err(io(SENSITIVITY))?;
    }

    // oat.csv and conclusions.csv (one-at-a-time).
    let mut flips = Vec::new();
    for name in [OAT, CONCLUSIONS] {
        if record.oat.is_none() && dir.join(name).exists() {
            fs::remove_file(dir.join(name)).map_err(io(name))?;
        }
    }
    if let Some(layout) = &record.oat {
        let (oat_csv, conclusions_csv, found) = oat_tables(&record, layout, &runs, &metrics);
        write_atomic(&dir.join(OAT), oat_csv.as_bytes())?;
        files.push(OAT.to_string());
        write_atomic(&dir.join(CONCLUSIONS), conclusions_csv.as_bytes())?;
        files.push(CONCLUSIONS.to_string());
        flips = found;
    }

    files.extend(write_charts(
        dir,
        &record,
        &runs,
        &estimates,
        &morris_stats,
    )?);
    for o in &sobol_results {
        let column = &metrics[o.metric];
        let described = record.metrics()[o.metric].describe();
        let base = &record.identity.spec.base;
        // The base's levels keep the plain name; a further scenario's levels and effects say
        // which scenario.
        let (name, title, what) = match &o.against {
            None if o.scenario == *base => (
                format!("sobol_{column}"),
                format!("Sobol indices: {described}"),
                column.clone(),
            ),
            None => (
                format!("sobol_{column}_{}", slug(&o.scenario)),
                format!("Sobol indices: {column} in {}", o.scenario),
                format!("{column} in {}", o.scenario),
            ),
            Some(against) => (
                format!(
                    "sobol_{column}_{}_minus_{}",
                    slug(&o.scenario),
                    slug(against)
                ),
                format!(
                    "{} − {against}: {}",
                    o.scenario,
                    record.metrics()[o.metric].name
                ),
                format!("{column}, {} minus {against}", o.scenario),
            ),
        };
        match &o.indices {
            Ok(ix) => files.extend(
                crate::output::sobol_chart::write_sobol_chart(
                    &dir.join(CHARTS),
                    &name,
                    &title,
                    &ix.names,
                    &ix.first,
                    &ix.total,
                )
                .map_err(|e| SweepError::Io(format!("writing charts: {e}")))?
                .map(|f| format!("{CHARTS}/{f}")),
            ),
            Err(why) => problems.push(format!("no Sobol indices for {what}: {why}")),
        }
    }

    // manifest.json, last: what was merged and the hash of every file.
    let manifest = Manifest {
        engine: format!("cohesion {}", crate::ENGINE_VERSION),
        sweep: record.identity.spec.name.clone(),
        sweep_sha256: record.sweep_sha256.clone(),
        runs_expected: record.runs,
        runs_merged: runs.len(),
        missing: missing.clone(),
        problems: problems.clone(),
        seed_rule: record.seed_rule.clone(),
        files: files
            .iter()
            .map(|f| {
                let bytes = fs::read(dir.join(f)).unwrap_or_default();
                (f.clone(), crate::scenario::hex(&Sha256::digest(&bytes)))
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| SweepError::Io(format!("manifest: {e}")))?;
    text.push('\n');
    write_atomic(&dir.join(MANIFEST), text.as_bytes())?;

    Ok(Merged {
        runs: runs.len(),
        expected: record.runs,
        missing,
        problems,
        files,
        ranking,
        flips,
    })
}

/// Each run's metric values, in the order of the sweep's metrics.
fn metric_values(runs: &[RunResult]) -> Vec<Vec<f64>> {
    runs.iter()
        .map(|r| r.metrics.iter().map(|m| m.1).collect())
        .collect()
}

/// Each run as (point, replicate, its values), for pairing runs across points.
fn run_values<'a>(runs: &[RunResult], values: &'a [Vec<f64>]) -> Vec<super::oat::RunValues<'a>> {
    runs.iter()
        .zip(values)
        .map(|(r, v)| (r.point, r.replicate, v.as_slice()))
        .collect()
}

/// The one-at-a-time tables: `oat.csv` (each moved point's effect on each metric),
/// `conclusions.csv` (each conclusion at each slot) and, per conclusion, where it flips.
#[allow(clippy::type_complexity)]
fn oat_tables(
    record: &Record,
    layout: &super::oat::OatLayout,
    runs: &[RunResult],
    metrics: &[String],
) -> (String, String, Vec<(String, Option<bool>, Vec<String>)>) {
    let values = metric_values(runs);
    let paired = run_values(runs, &values);
    let slots = layout.slots();
    // A slot's move as columns: param, factor, moved value, base value, clamped.
    let slot_of = |s: usize, slot: usize| -> (String, String, String, String, String) {
        let p = s * slots + slot;
        match layout.points.get(p).and_then(|q| q.moved) {
            None => (
                "(base)".into(),
                "1".into(),
                String::new(),
                String::new(),
                String::new(),
            ),
            Some((a, f)) => (
                field(&record.params[a]),
                Level::Num(f).text(),
                record.point_values[p][a].text(),
                Level::Num(layout.base[s][a]).text(),
                layout.points[p].clamped.to_string(),
            ),
        }
    };
    let mut oat = String::from(
        "scenario,param,factor,base_value,value,clamped,metric,n,metric_base,metric_moved,\
         difference,difference_low,difference_high\n",
    );
    for e in super::oat::effects(layout, &paired, metrics.len()) {
        let point = &layout.points[e.point];
        let Some((a, f)) = point.moved else { continue };
        let s = point.scenario;
        oat.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            field(&layout.scenarios[s]),
            field(&record.params[a]),
            Level::Num(f).text(),
            Level::Num(layout.base[s][a]).text(),
            record.point_values[e.point][a].text(),
            point.clamped,
            metrics[e.metric],
            e.difference.n,
            blank_nan(e.base.mean),
            blank_nan(e.moved.mean),
            blank_nan(e.difference.mean),
            blank_nan(e.difference.ci_low),
            blank_nan(e.difference.ci_high)
        ));
    }
    let list = &record.identity.spec.conclusions;
    let verdicts = super::oat::conclusions(
        layout,
        list,
        |c| metrics.iter().position(|m| *m == c.metric),
        &paired,
    );
    let mut text = String::from(
        "conclusion,metric,scenario,against,param,factor,value,n,contrast,contrast_low,\
         contrast_high,holds,flips\n",
    );
    let mut flips: Vec<(String, Option<bool>, Vec<String>)> = list
        .iter()
        .map(|c| (c.name.clone(), None, Vec::new()))
        .collect();
    for v in &verdicts {
        let c = &list[v.conclusion];
        // The moved value in the conclusion's scenario.
        let s = layout
            .scenarios
            .iter()
            .position(|n| *n == c.scenario)
            .unwrap_or(0);
        let (param, factor, value, _, _) = slot_of(s, v.slot);
        text.push_str(&format!(
            "{},{},{},{},{param},{factor},{value},{},{},{},{},{},{}\n",
            field(&c.name),
            field(&c.metric),
            field(&c.scenario),
            field(&c.against),
            v.contrast.n,
            blank_nan(v.contrast.mean),
            blank_nan(v.contrast.ci_low),
            blank_nan(v.contrast.ci_high),
            v.holds.map_or(String::new(), |h| h.to_string()),
            v.flips
        ));
        let entry = &mut flips[v.conclusion];
        if v.slot == 0 {
            entry.1 = v.holds;
        } else if v.flips {
            entry.2.push(format!("{param} × {factor}"));
        }
    }
    (oat, text, flips)
}

#[derive(Serialize)]
struct Manifest {
    engine: String,
    sweep: String,
    sweep_sha256: String,
    runs_expected: u64,
    runs_merged: usize,
    missing: Vec<String>,
    problems: Vec<String>,
    seed_rule: String,
    files: BTreeMap<String, String>,
}

/// The run files of a sweep directory, sorted out.
struct Collected {
    /// One result per run found, in run order (point, then replicate).
    runs: Vec<RunResult>,
    /// Labels of the runs with no result file.
    missing: Vec<String>,
    /// Duplicates, and foreign or unreadable files.
    problems: Vec<String>,
}

fn collect(dir: &Path, record: &Record) -> Result<Collected, SweepError> {
    let runs_dir = dir.join(RUNS_DIR);
    let mut names: Vec<String> = fs::read_dir(&runs_dir)
        .map_err(io(runs_dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
        .collect();
    names.sort();
    let mut found: BTreeMap<(usize, u32), (String, RunResult)> = BTreeMap::new();
    let mut problems = Vec::new();
    for name in names {
        let result = match read_result(&runs_dir.join(&name)) {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{RUNS_DIR}/{name} cannot be read ({e})"));
                continue;
            }
        };
        let expected_seed = (result.point < record.points && result.replicate < record.replicates)
            .then(|| {
                let k = u64::from(result.replicate) * record.points as u64 + result.point as u64;
                super::plan::seed_of(&record.identity.spec, record.points as u64, k)
            });
        if result.sweep_sha256 != record.sweep_sha256 || expected_seed != Some(result.seed) {
            problems.push(format!("{RUNS_DIR}/{name} is not a run of this sweep"));
            continue;
        }
        let key = (result.point, result.replicate);
        if let Some((first, _)) = found.get(&key) {
            problems.push(format!(
                "{RUNS_DIR}/{name} duplicates {RUNS_DIR}/{first} (both are {})",
                record.run_label(result.point, result.replicate)
            ));
            continue;
        }
        found.insert(key, (name, result));
    }
    let mut missing = Vec::new();
    for point in 0..record.points {
        for replicate in 0..record.replicates {
            if !found.contains_key(&(point, replicate)) {
                missing.push(record.run_label(point, replicate));
            }
        }
    }
    Ok(Collected {
        runs: found.into_values().map(|(_, r)| r).collect(),
        missing,
        problems,
    })
}

/// Per point, per metric: the estimate over its replicates (n = 0 for a point without runs).
fn point_estimates(record: &Record, runs: &[RunResult], metrics: usize) -> Vec<Vec<Estimate>> {
    let mut values: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); metrics]; record.points];
    for r in runs {
        for (m, (_, v)) in r.metrics.iter().enumerate().take(metrics) {
            values[r.point][m].push(*v);
        }
    }
    values
        .iter()
        .map(|per| per.iter().map(|v| Estimate::of(v)).collect())
        .collect()
}

/// A number, or an empty field for NaN (an interval from a single replicate).
fn blank_nan(x: f64) -> String {
    if x.is_finite() {
        number(x)
    } else {
        String::new()
    }
}

/// The first few labels and how many more.
fn abbreviate(labels: &[String]) -> String {
    const SHOWN: usize = 12;
    let mut text = labels
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if labels.len() > SHOWN {
        text.push_str(&format!(" and {} more", labels.len() - SHOWN));
    }
    text
}

/// Charts: each swept parameter against each metric; a heatmap per metric for a two-axis
/// grid; a μ*–σ chart per metric for a Morris design. Returns the files written, relative to
/// `dir`. The chart folder is rebuilt whole, beside the old one, and swapped in.
fn write_charts(
    dir: &Path,
    record: &Record,
    runs: &[RunResult],
    estimates: &[Vec<Estimate>],
    morris_stats: &[Vec<morris::Effects>],
) -> Result<Vec<String>, SweepError> {
    let staging = dir.join(format!(".{CHARTS}.partial-{}", std::process::id()));
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(io(staging.display()))?;
    }
    fs::create_dir_all(&staging).map_err(io(staging.display()))?;
    let drawn = draw_charts(&staging, record, runs, estimates, morris_stats).and_then(|written| {
        let final_dir = dir.join(CHARTS);
        if final_dir.exists() {
            fs::remove_dir_all(&final_dir).map_err(io(final_dir.display()))?;
        }
        fs::rename(&staging, &final_dir).map_err(io(final_dir.display()))?;
        Ok(written)
    });
    if drawn.is_err() {
        // No failure leaves the staging folder behind.
        let _ = fs::remove_dir_all(&staging);
    }
    let mut written = drawn?;
    written.sort();
    Ok(written
        .into_iter()
        .map(|f| format!("{CHARTS}/{f}"))
        .collect())
}

/// Draws the charts of [`write_charts`] into `staging`; returns their file names.
fn draw_charts(
    staging: &Path,
    record: &Record,
    runs: &[RunResult],
    estimates: &[Vec<Estimate>],
    morris_stats: &[Vec<morris::Effects>],
) -> Result<Vec<String>, SweepError> {
    let spec = &record.identity.spec;
    let metrics = spec.metrics.as_slice();
    let mut written = Vec::new();
    let chart_err = |e: std::io::Error| {
        SweepError::Io(format!("writing charts: {}", crate::output::io_message(&e)))
    };
    let log_axis = |a: usize| spec.axes[a].scale == super::spec::ScaleKind::Log;
    let levels = |a: usize| -> Vec<f64> {
        let mut xs: Vec<f64> = record.point_values.iter().map(|v| v[a].as_f64()).collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        xs
    };
    let grid_axes: Vec<usize> = spec.grid_axes().map(|(i, _)| i).collect();
    let sampled: Vec<usize> = spec.sampled_axes().map(|(i, _)| i).collect();

    if record.oat.is_some() {
        // A one-at-a-time design is read from `oat.csv` and `conclusions.csv`.
    } else if !record.morris.is_empty() {
        for (m, stats) in morris_stats.iter().enumerate() {
            let points: Vec<MorrisPoint> = stats
                .iter()
                .map(|s| MorrisPoint {
                    label: record.params[s.param].clone(),
                    mu_star: s.mu_star,
                    sigma: s.sigma,
                })
                .collect();
            let name = format!("sensitivity_{}", metrics[m].column());
            written.extend(
                sweep_charts::write_morris_chart(
                    staging,
                    &name,
                    &format!("Morris screening: {}", metrics[m].describe()),
                    &metrics[m].name,
                    &points,
                )
                .map_err(chart_err)?,
            );
        }
    } else {
        for (m, metric) in metrics.iter().enumerate() {
            let column = metric.column();
            // Point `p` on a chart of parameter `a`: (x, mean, interval low, interval high).
            let at = |p: usize, a: usize| {
                let e = &estimates[p][m];
                (
                    record.point_values[p][a].as_f64(),
                    e.mean,
                    e.ci_low,
                    e.ci_high,
                )
            };
            // The metric against parameter `a`: lines with bands, or dots with intervals.
            let param_chart = |a: usize, scatter: bool, lines: &[ParamLine]| {
                sweep_charts::write_param_chart(
                    staging,
                    &format!("{column}_by_{}", slug(&record.params[a])),
                    &format!("{}: {} by {}", spec.name, metric.name, record.params[a]),
                    &record.params[a],
                    &metric.describe(),
                    log_axis(a),
                    scatter,
                    lines,
                )
                .map_err(chart_err)
            };
            // Listed axes: the metric against each, one line per level of the other axis of
            // a two-axis grid, or pooled over the others.
            for &a in &grid_axes {
                let others: Vec<usize> = grid_axes.iter().copied().filter(|&b| b != a).collect();
                let lines =
                    if others.len() == 1 && sampled.is_empty() && levels(others[0]).len() <= 8 {
                        let b = others[0];
                        levels(b)
                            .into_iter()
                            .map(|lb| ParamLine {
                                label: format!(
                                    "{} = {}",
                                    record.params[b],
                                    if crate::output::numbers::is_money_key(&record.params[b]) {
                                        crate::output::numbers::money_exact(lb)
                                    } else {
                                        Level::Num(lb).text()
                                    }
                                ),
                                points: (0..record.points)
                                    .filter(|&p| record.point_values[p][b].as_f64() == lb)
                                    .filter(|&p| estimates[p][m].n > 0)
                                    .map(|p| at(p, a))
                                    .collect(),
                            })
                            .collect()
                    } else {
                        let label = if others.is_empty() && sampled.is_empty() {
                            spec.name.clone()
                        } else {
                            "pooled over the other parameters".to_string()
                        };
                        vec![ParamLine {
                            label,
                            points: levels(a)
                                .into_iter()
                                .map(|x| {
                                    let values: Vec<f64> = runs
                                        .iter()
                                        .filter(|r| record.point_values[r.point][a].as_f64() == x)
                                        .map(|r| r.metrics[m].1)
                                        .collect();
                                    let e = Estimate::of(&values);
                                    (x, e.mean, e.ci_low, e.ci_high)
                                })
                                .collect(),
                        }]
                    };
                written.extend(param_chart(a, false, &lines)?);
            }
            // Sampled axes: every point, with its interval.
            for &a in &sampled {
                let line = ParamLine {
                    label: "sampled points".into(),
                    points: (0..record.points)
                        .filter(|&p| estimates[p][m].n > 0)
                        .map(|p| at(p, a))
                        .collect(),
                };
                written.extend(param_chart(a, true, &[line])?);
            }
            // A two-axis grid: the metric over both at once.
            if grid_axes.len() == 2 && sampled.is_empty() {
                let (ax, ay) = (grid_axes[1], grid_axes[0]);
                let (xs, ys) = (levels(ax), levels(ay));
                // Each cell's estimate over its runs, where it has any.
                let cell: Vec<Vec<Option<Estimate>>> = ys
                    .iter()
                    .map(|&y| {
                        xs.iter()
                            .map(|&x| {
                                (0..record.points)
                                    .find(|&p| {
                                        record.point_values[p][ax].as_f64() == x
                                            && record.point_values[p][ay].as_f64() == y
                                    })
                                    .filter(|&p| estimates[p][m].n > 0)
                                    .map(|p| estimates[p][m])
                            })
                            .collect()
                    })
                    .collect();
                let table = |f: &dyn Fn(&Estimate) -> f64| -> Vec<Vec<Option<f64>>> {
                    cell.iter()
                        .map(|row| row.iter().map(|e| e.as_ref().map(f)).collect())
                        .collect()
                };
                let values = table(&|e| e.mean);
                let half_widths = table(&|e| e.ci_high - e.mean);
                let runs: Vec<usize> = cell.iter().flatten().flatten().map(|e| e.n).collect();
                let per_cell = match (runs.iter().min(), runs.iter().max()) {
                    (Some(1), Some(1)) => "1 run per cell, no interval".to_string(),
                    (Some(lo), Some(hi)) if lo == hi => {
                        format!("{lo} runs per cell, mean ± 95% interval")
                    }
                    (Some(lo), Some(hi)) => {
                        format!("{lo} to {hi} runs per cell, mean ± 95% interval")
                    }
                    _ => "no runs".to_string(),
                };
                let name = format!("{column}_heatmap");
                written.extend(
                    sweep_charts::write_heatmap(
                        staging,
                        &name,
                        &format!("{}: {} ({per_cell})", spec.name, metric.name),
                        &record.params[ax],
                        &record.params[ay],
                        &metric.describe(),
                        &xs,
                        &ys,
                        &values,
                        &half_widths,
                    )
                    .map_err(chart_err)?,
                );
            }
        }
    }
    Ok(written)
}

/// A parameter path (or a scenario's name or path) as part of a file name:
/// `events.austerity.cut_per_year` → `events-austerity-cut_per_year`.
fn slug(param: &str) -> String {
    param
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_matches('-')
        .replace("--", "-")
}
