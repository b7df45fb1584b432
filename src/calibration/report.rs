//! A finished calibration's results, from its state and its predictive runs alone:
//!
//! - `posterior.csv`: the final population, one row per particle (a weighted parameter set):
//!   `particle,weight,distance,generation,proposal,seed` and one column per parameter;
//! - `predictive.csv`: every target point against the posterior predictive distribution;
//! - `calibration.json`: the manifest (method, tolerances and acceptance rates by generation,
//!   seeds, the target files' SHA-256, the budget, posterior summaries, held-out coverage and
//!   the SHA-256 of every file written);
//! - `charts/`: prior against posterior for each parameter, and each target series against the
//!   posterior predictive band.
//!
//! **Predictive bands.** Each of the `predictive` runs takes a parameter set drawn from the
//! posterior in proportion to the weights and a fresh seed. For a target point, the model band
//! is the 2.5% to 97.5% quantile range of the runs' simulated values (what the town would show);
//! the observation band adds to each run's value a normal draw with the point's scale (what a
//! survey of that town would report), and a point is *covered* when its published value lies
//! inside its observation band. The share of held-out points covered is the out-of-sample
//! check: near 95% if the model and its uncertainty are right, far below if the calibrated town
//! misses the years it was not fitted to. Quantiles are as in `calibrate::posterior`: the
//! smallest value at which the share at or below it reaches `q`.
//!
//! Every number written is a function of the state and the run files, read in draw order, so
//! the files are the same bytes however the runs were split.

use super::plan::Plan;
use super::runner::{self, RunFile, SEED_RULE};
use crate::calibrate::Abc;
use crate::output::calibration_charts::{self, Band, Observed};
use crate::output::csv::field;
use crate::scenario::hex;
use crate::sweep::runner::{SweepError, write_atomic};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

pub const POSTERIOR_CSV: &str = "posterior.csv";
pub const PREDICTIVE_CSV: &str = "predictive.csv";
pub const CALIBRATION_JSON: &str = "calibration.json";
pub const CHARTS: &str = "charts";

/// What was written, for the command to print.
#[derive(Clone, Debug)]
pub struct Written {
    pub files: Vec<String>,
    pub parameters: Vec<ParameterSummary>,
    pub held_out: Coverage,
    pub fitted: Coverage,
    pub generations: usize,
    pub runs: u64,
    pub final_tolerance: f64,
    pub stop: String,
}

/// One parameter's posterior, as the manifest gives it.
#[derive(Clone, Debug, Serialize)]
pub struct ParameterSummary {
    pub param: String,
    pub prior: String,
    pub lo: f64,
    pub hi: f64,
    pub mean: f64,
    pub sd: f64,
    pub q025: f64,
    pub q50: f64,
    pub q975: f64,
    /// Posterior over prior standard deviation in the prior's coordinate: near 1, the targets
    /// leave the parameter where the prior put it; near 0, they pin it down.
    pub shrinkage: f64,
}

/// How many points the observation bands cover.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Coverage {
    pub points: usize,
    pub covered: usize,
    /// `covered / points`; none when there are no points.
    pub share: Option<f64>,
}

/// One target point against the predictive runs.
#[derive(Clone, Debug, Serialize)]
struct PointReport {
    series: String,
    metric: String,
    year: i32,
    held_out: bool,
    observed: f64,
    scale: f64,
    runs: usize,
    mean: f64,
    band_low: f64,
    band_high: f64,
    obs_low: f64,
    obs_high: f64,
    covered: bool,
}

#[derive(Serialize)]
struct Manifest<'a> {
    engine: String,
    calibration: &'a str,
    description: &'a str,
    calibration_sha256: &'a str,
    method: Method<'a>,
    stop: String,
    generations: Vec<GenerationRow>,
    budget: Budget,
    seeds: SeedRule,
    base_scenario: String,
    base_scenario_sha256: String,
    set: &'a BTreeMap<String, toml::Value>,
    target_files: &'a [super::plan::FileUsed],
    targets: Vec<TargetReport<'a>>,
    parameters: &'a [ParameterSummary],
    effective_sample_size: f64,
    held_out_coverage: &'a Coverage,
    fitted_coverage: &'a Coverage,
    points: &'a [PointReport],
    files: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct Method<'a> {
    algorithm: &'static str,
    distance: &'static str,
    particles: usize,
    alpha: f64,
    kept: usize,
    min_acceptance: f64,
    max_generations: u32,
    kernel: crate::calibrate::Kernel,
    predictive_draws: usize,
    predictive_band: &'static str,
    notes: &'a str,
}

#[derive(Serialize)]
struct GenerationRow {
    generation: u32,
    runs: usize,
    runs_total: u64,
    tolerance: f64,
    acceptance_rate: f64,
    ess: f64,
    kernel_mass: f64,
}

#[derive(Serialize)]
struct Budget {
    abc_runs: u64,
    predictive_runs: usize,
    total_runs: u64,
    residents: u32,
    years: u32,
    warmup_weeks: u32,
}

#[derive(Serialize)]
struct SeedRule {
    seed: u64,
    predictive_seed: u64,
    rule: &'static str,
}

#[derive(Serialize)]
struct TargetReport<'a> {
    series: &'a str,
    file: &'a str,
    measure: &'a str,
    mode: &'a Option<String>,
    geography: &'a Option<String>,
    metric: &'a str,
    unit: &'a str,
    weight: f64,
    mapping: String,
    points: Vec<TargetPointRow<'a>>,
}

#[derive(Serialize)]
struct TargetPointRow<'a> {
    year: i32,
    period: &'a str,
    mode: &'a str,
    line: usize,
    held_out: bool,
    value: f64,
    scale: f64,
    scale_from: &'static str,
}

/// The `q` quantile of `sorted` (ascending, not empty): the smallest value with at least a
/// share `q` at or below it.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// A float as written in the CSV files: the shortest text that reads back as the same number.
fn exact(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// Writes every result of a finished calibration into `dir`.
pub fn write(
    plan: &Plan,
    dir: &Path,
    abc: &Abc,
    predictive: &[RunFile],
) -> Result<Written, SweepError> {
    let posterior = abc
        .posterior()
        .ok_or_else(|| SweepError::Io("the calibration has no population".into()))?;
    let last = abc
        .generations()
        .last()
        .ok_or_else(|| SweepError::Io("the calibration has no generation".into()))?;
    let names = plan.space.names();
    let mut files = Vec::new();

    // posterior.csv
    let mut text = crate::calibrate::posterior::CSV_LEADING.join(",");
    for n in &names {
        text.push(',');
        text.push_str(&field(n));
    }
    text.push('\n');
    for (i, (particle, w)) in last.population.iter().zip(posterior.weights()).enumerate() {
        text.push_str(&format!(
            "{i},{},{},{},{},{}",
            exact(*w),
            exact(particle.distance),
            particle.generation,
            particle.index,
            particle.seed
        ));
        for v in &posterior.values()[i] {
            text.push(',');
            text.push_str(&exact(*v));
        }
        text.push('\n');
    }
    write_atomic(&dir.join(POSTERIOR_CSV), text.as_bytes())?;
    files.push(POSTERIOR_CSV.to_string());

    // Parameters.
    let shrinkage = posterior.shrinkage(&plan.space);
    let parameters: Vec<ParameterSummary> = plan
        .space
        .axes()
        .iter()
        .enumerate()
        .map(|(p, axis)| {
            let s = posterior.summary(p);
            ParameterSummary {
                param: axis.name.clone(),
                prior: match axis.spread {
                    crate::space::Spread::Uniform => "uniform".into(),
                    crate::space::Spread::LogUniform => "log-uniform".into(),
                },
                lo: axis.lo,
                hi: axis.hi,
                mean: s.mean,
                sd: s.sd,
                q025: s.q025,
                q50: s.q50,
                q975: s.q975,
                shrinkage: shrinkage[p],
            }
        })
        .collect();

    // Target points against the predictive runs.
    let seed = plan.settings.seed;
    let mut points = Vec::with_capacity(plan.points.len());
    let (mut held, mut fitted) = (Coverage::default(), Coverage::default());
    for (k, point) in plan.points.iter().enumerate() {
        let mut model = Vec::new();
        let mut observed = Vec::new();
        for (r, run) in predictive.iter().enumerate() {
            if let Some(v) = run.simulated[k] {
                model.push(v);
                observed.push(v + point.scale * runner::survey_noise(seed, r, k));
            }
        }
        let (model, observed) = (sorted(model), sorted(observed));
        let n = model.len();
        let (mean, band, obs) = if n == 0 {
            (f64::NAN, (f64::NAN, f64::NAN), (f64::NAN, f64::NAN))
        } else {
            (
                model.iter().sum::<f64>() / n as f64,
                (quantile(&model, 0.025), quantile(&model, 0.975)),
                (quantile(&observed, 0.025), quantile(&observed, 0.975)),
            )
        };
        let covered = n > 0 && obs.0 <= point.value && point.value <= obs.1;
        let tally = if point.held_out {
            &mut held
        } else {
            &mut fitted
        };
        tally.points += 1;
        tally.covered += usize::from(covered);
        let series = &plan.series[point.series];
        points.push(PointReport {
            series: series.label.clone(),
            metric: series.metric.clone(),
            year: point.year,
            held_out: point.held_out,
            observed: point.value,
            scale: point.scale,
            runs: n,
            mean,
            band_low: band.0,
            band_high: band.1,
            obs_low: obs.0,
            obs_high: obs.1,
            covered,
        });
    }
    for c in [&mut held, &mut fitted] {
        c.share = (c.points > 0).then(|| c.covered as f64 / c.points as f64);
    }

    // predictive.csv
    let mut text = String::from(
        "series,metric,year,held_out,observed,scale,runs,mean,band_low,band_high,obs_low,\
         obs_high,covered\n",
    );
    for p in &points {
        text.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            field(&p.series),
            p.metric,
            p.year,
            p.held_out,
            exact(p.observed),
            exact(p.scale),
            p.runs,
            exact(p.mean),
            exact(p.band_low),
            exact(p.band_high),
            exact(p.obs_low),
            exact(p.obs_high),
            p.covered
        ));
    }
    write_atomic(&dir.join(PREDICTIVE_CSV), text.as_bytes())?;
    files.push(PREDICTIVE_CSV.to_string());

    files.extend(write_charts(plan, dir, &posterior, predictive)?);

    // calibration.json, last.
    let stop = abc
        .stopped()
        .map(|s| s.to_string())
        .unwrap_or_else(|| "not stopped".into());
    let abc_runs = last.runs_total;
    let targets = plan
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| TargetReport {
            series: &s.label,
            file: &s.file,
            measure: &s.measure,
            mode: &s.mode,
            geography: &s.geography,
            metric: &s.metric,
            unit: &s.unit,
            weight: plan.spec.targets[i].weight,
            mapping: format!(
                "the town's weekly `{}` averaged over the 52 weeks of each target year",
                s.metric
            ),
            points: plan
                .points
                .iter()
                .filter(|p| p.series == i)
                .map(|p| TargetPointRow {
                    year: p.year,
                    period: &p.period,
                    mode: &p.mode,
                    line: p.line,
                    held_out: p.held_out,
                    value: p.value,
                    scale: p.scale,
                    scale_from: p.scale_from,
                })
                .collect(),
        })
        .collect();
    let manifest = Manifest {
        engine: format!("cohesion {}", crate::ENGINE_VERSION),
        calibration: &plan.spec.name,
        description: &plan.spec.description,
        calibration_sha256: &plan.hash,
        method: Method {
            algorithm: "ABC-SMC with adaptive tolerances: the adaptive population Monte Carlo \
                        of Lenormand, Jabot & Deffuant (2013)",
            distance: "weighted Euclidean length of the fitted points' residuals, each in units \
                       of its scale (held-out points have weight 0)",
            particles: plan.settings.particles,
            alpha: plan.settings.alpha,
            kept: plan.settings.kept(),
            min_acceptance: plan.settings.min_acceptance,
            max_generations: plan.settings.max_generations,
            kernel: plan.settings.kernel,
            predictive_draws: plan.spec.method.predictive,
            predictive_band: "2.5% to 97.5% quantiles over the predictive runs; the \
                              observation band adds survey noise of each point's scale",
            notes: "The posterior is ABC's at the final tolerance, wider than the exact one \
                    until the tolerance falls well below the model's own run-to-run noise.",
        },
        stop: stop.clone(),
        generations: abc
            .generations()
            .iter()
            .map(|g| GenerationRow {
                generation: g.generation,
                runs: g.runs,
                runs_total: g.runs_total,
                tolerance: g.tolerance,
                acceptance_rate: g.acceptance_rate,
                ess: g.ess,
                kernel_mass: g.kernel_mass,
            })
            .collect(),
        budget: Budget {
            abc_runs,
            predictive_runs: predictive.len(),
            total_runs: abc_runs + predictive.len() as u64,
            residents: plan.base.town.residents,
            years: plan.base.time.years,
            warmup_weeks: plan.base.time.warmup_weeks,
        },
        seeds: SeedRule {
            seed,
            predictive_seed: runner::predictive_seed(seed),
            rule: SEED_RULE,
        },
        base_scenario: plan.spec.base.clone(),
        base_scenario_sha256: plan.base.hash(),
        set: &plan.spec.set,
        target_files: &plan.files,
        targets,
        parameters: &parameters,
        effective_sample_size: posterior.ess(),
        held_out_coverage: &held,
        fitted_coverage: &fitted,
        points: &points,
        files: files
            .iter()
            .map(|f| {
                let bytes = fs::read(dir.join(f)).unwrap_or_default();
                (f.clone(), hex(&Sha256::digest(&bytes)))
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| SweepError::Io(format!("calibration.json: {e}")))?;
    text.push('\n');
    write_atomic(&dir.join(CALIBRATION_JSON), text.as_bytes())?;
    files.push(CALIBRATION_JSON.to_string());

    Ok(Written {
        files,
        parameters,
        held_out: held,
        fitted,
        generations: abc.generations().len(),
        runs: abc_runs + predictive.len() as u64,
        final_tolerance: last.tolerance,
        stop,
    })
}

/// The charts, built in a folder beside `charts/` and swapped in whole.
fn write_charts(
    plan: &Plan,
    dir: &Path,
    posterior: &crate::calibrate::Posterior,
    predictive: &[RunFile],
) -> Result<Vec<String>, SweepError> {
    let staging = dir.join(format!(".{CHARTS}.partial-{}", std::process::id()));
    if staging.exists() {
        fs::remove_dir_all(&staging)
            .map_err(|e| SweepError::Io(format!("{}: {e}", staging.display())))?;
    }
    fs::create_dir_all(&staging)
        .map_err(|e| SweepError::Io(format!("{}: {e}", staging.display())))?;
    let chart_err = |e: std::io::Error| SweepError::Io(format!("writing charts: {e}"));
    let mut written = Vec::new();
    for (p, axis) in plan.space.axes().iter().enumerate() {
        written.extend(
            calibration_charts::write_prior_posterior(
                &staging,
                &format!("posterior_{}", slug(&axis.name)),
                &format!("{}: {} prior and posterior", plan.spec.name, axis.name),
                axis,
                &posterior.column(p),
                posterior.weights(),
            )
            .map_err(chart_err)?,
        );
    }
    let (first, _) = plan.years();
    for (i, series) in plan.series.iter().enumerate() {
        // The model's band over every simulated year, from the predictive runs.
        let yearly: Vec<&Vec<Option<f64>>> = predictive
            .iter()
            .filter_map(|r| {
                r.yearly
                    .iter()
                    .find(|(m, _)| *m == series.metric)
                    .map(|(_, v)| v)
            })
            .collect();
        let years = plan.base.time.years as usize;
        let band: Vec<Band> = (0..years)
            .filter_map(|y| {
                let values = sorted(
                    yearly
                        .iter()
                        .filter_map(|v| v.get(y).copied().flatten())
                        .collect(),
                );
                (!values.is_empty()).then(|| Band {
                    year: f64::from(first + y as i32),
                    low: quantile(&values, 0.025),
                    median: quantile(&values, 0.5),
                    high: quantile(&values, 0.975),
                })
            })
            .collect();
        let observed: Vec<Observed> = plan
            .points
            .iter()
            .filter(|p| p.series == i)
            .map(|p| Observed {
                year: f64::from(p.year),
                value: p.value,
                low: p.value - 1.96 * p.scale,
                high: p.value + 1.96 * p.scale,
                held_out: p.held_out,
            })
            .collect();
        let metric = crate::metrics::metric(&series.metric);
        written.extend(
            calibration_charts::write_predictive(
                &staging,
                &format!("predictive_{}_{i}", slug(&series.measure)),
                // The metric is on the y axis; the title names the calibration and the series.
                &format!("{}: {}", plan.spec.name, series.label),
                &format!(
                    "{} ({})",
                    metric.map_or(series.metric.as_str(), |m| m.label),
                    metric.map_or("", |m| m.unit)
                ),
                &band,
                &observed,
            )
            .map_err(chart_err)?,
        );
    }
    let final_dir = dir.join(CHARTS);
    if final_dir.exists() {
        fs::remove_dir_all(&final_dir)
            .map_err(|e| SweepError::Io(format!("{}: {e}", final_dir.display())))?;
    }
    fs::rename(&staging, &final_dir)
        .map_err(|e| SweepError::Io(format!("{}: {e}", final_dir.display())))?;
    written.sort();
    Ok(written
        .into_iter()
        .map(|f| format!("{CHARTS}/{f}"))
        .collect())
}

/// A parameter or measure as part of a file name.
fn slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_the_inverse_of_the_empirical_distribution() {
        let v: Vec<f64> = (1..=40).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.025), 1.0);
        assert_eq!(quantile(&v, 0.5), 20.0);
        assert_eq!(quantile(&v, 0.975), 39.0);
        assert_eq!(quantile(&[3.0], 0.975), 3.0);
    }
}
