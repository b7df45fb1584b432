//! `cohesion validate`: every classic model checked against its published result, and the town
//! model's stylised facts (`crate::facts`) on the built-in scenarios.
//!
//! Each check states its exact configuration, the published result and its source, the
//! tolerance, and how many replicates it runs; it reports our mean with a 95% confidence
//! interval and passes or fails. `--quick` runs fewer replicates and smaller populations (for
//! CI); the configurations that define a published result (Axelrod's 10 × 10 grid, NetLogo's
//! 51 × 51 torus, Granovetter's 100 people) are never shrunk.
//!
//! Replicate `r` of every check uses the seeds (`VALIDATION_SEED`, r). Replicates run in
//! parallel and are collected in replicate order, so the table, `validation.csv` and the figures
//! are the same on any number of threads.

use super::ClassicModel;
use super::axelrod::{self, Axelrod};
use super::deffuant::{self, Deffuant};
use super::figures;
use super::granovetter::{self, Granovetter, Thresholds};
use super::hk::{self, HegselmannKrause};
use super::schelling::{self, Schelling};
use crate::rng::{Purpose, RngExt, Seeds};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The master seed of every validation run.
pub const VALIDATION_SEED: u64 = 1;
/// Where `cohesion validate` writes unless told otherwise.
pub const DEFAULT_OUT: &str = "outputs/validation";

const DEFFUANT_2000: &str = "Deffuant, Neau, Amblard & Weisbuch 2000, Adv. Complex Syst. 3:87";
const FORTUNATO_2005: &str = "Hegselmann & Krause 2002, JASSS 5(3):2; threshold: Fortunato 2005, Int. J. Mod. Phys. C 16:259";
const NETLOGO: &str = "Wilensky 1997, NetLogo Segregation model (Info tab); Schelling 1971";
const MESA: &str =
    "Mesa 3.5.1 examples/basic/schelling, 200 seeds run with scripts/mesa_schelling.py";
const GRANOVETTER_1978: &str = "Granovetter 1978, Am. J. Sociol. 83(6):1420";
const AXELROD_1997: &str = "Axelrod 1997, J. Conflict Resolut. 41(2):203, Table 2";

/// Mesa 3.5.1's example, seeds 0–199 (scripts/mesa_schelling.py): mean and standard deviation
/// of the final mean share of similar neighbours, and the number of runs.
const MESA_SIMILAR_SHARE: (f64, f64, usize) = (0.8276, 0.0227, 200);
/// Axelrod 1997, Table 2: mean number of stable regions over 10 runs, 10 × 10 grid.
/// (features, traits, regions).
pub const AXELROD_TABLE_2: [(usize, u8, f64); 9] = [
    (5, 5, 1.0),
    (5, 10, 3.2),
    (5, 15, 20.0),
    (10, 5, 1.0),
    (10, 10, 1.0),
    (10, 15, 1.4),
    (15, 5, 1.0),
    (15, 10, 1.0),
    (15, 15, 1.2),
];

/// How much work a validation does.
#[derive(Clone, Copy, Debug)]
pub struct Effort {
    pub quick: bool,
    pub deffuant_n: usize,
    pub deffuant_reps: usize,
    pub hk_n: usize,
    pub hk_reps: usize,
    pub schelling_reps: usize,
    pub granovetter_reps: usize,
    pub granovetter_quantile_n: usize,
    pub axelrod_reps: usize,
    /// Runs per point of the figures.
    pub figure_reps: usize,
}

impl Effort {
    pub fn new(quick: bool) -> Effort {
        if quick {
            Effort {
                quick,
                deffuant_n: 500,
                deffuant_reps: 10,
                hk_n: 500,
                hk_reps: 20,
                schelling_reps: 10,
                granovetter_reps: 100,
                granovetter_quantile_n: 10_000,
                axelrod_reps: 50,
                figure_reps: 2,
            }
        } else {
            Effort {
                quick,
                deffuant_n: 1000,
                deffuant_reps: 50,
                hk_n: 1000,
                hk_reps: 50,
                schelling_reps: 50,
                granovetter_reps: 400,
                granovetter_quantile_n: 100_000,
                axelrod_reps: 200,
                figure_reps: 8,
            }
        }
    }
}

/// One check and its verdict.
#[derive(Clone, Debug)]
pub struct Check {
    pub model: &'static str,
    pub configuration: String,
    pub published: String,
    pub citation: &'static str,
    pub tolerance: String,
    pub replicates: usize,
    /// Our result: a mean (or a share of runs), with its 95% confidence interval.
    pub mean: f64,
    pub ci: (f64, f64),
    /// Our result in words, where a mean and interval do not say it (a comparison of means).
    pub ours_text: Option<String>,
    pub pass: bool,
}

/// Everything a validation produced, for the table, the CSV and the figures.
pub struct Report {
    pub effort: Effort,
    pub checks: Vec<Check>,
    pub figures: figures::FigureData,
    pub seconds: f64,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.pass)
    }
}

/// Runs `f` for replicates 0..n in parallel; results in replicate order.
fn replicates<T: Send>(n: usize, f: impl Fn(Seeds) -> T + Sync) -> Vec<T> {
    (0..n)
        .into_par_iter()
        .map(|r| f(Seeds::of(VALIDATION_SEED, r as u32)))
        .collect()
}

/// Mean and 95% Student-t confidence interval (the mean itself when there is one value).
pub fn mean_ci(values: &[f64]) -> (f64, (f64, f64)) {
    let e = crate::stats::Estimate::of(values);
    if values.len() < 2 {
        return (e.mean, (e.mean, e.mean));
    }
    (e.mean, (e.ci_low, e.ci_high))
}

/// A share of `k` in `n` with its Wilson 95% interval.
pub fn share_ci(k: usize, n: usize) -> (f64, (f64, f64)) {
    let (k, n, z) = (k as f64, n.max(1) as f64, 1.96f64);
    let p = k / n;
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / (1.0 + z * z / n);
    (p, ((centre - half).max(0.0), (centre + half).min(1.0)))
}

fn deffuant_checks(e: &Effort, out: &mut Vec<Check>) {
    let n = e.deffuant_n;
    let runs = |eps: f32| {
        replicates(e.deffuant_reps, |s| {
            let mut d = Deffuant::new(&deffuant::Config::complete(n, eps), s);
            d.run(deffuant::DEFAULT_MAX_SWEEPS);
            d.summary()
        })
    };
    let consensus = runs(0.5);
    let k = consensus.iter().filter(|s| s.clusters == 1).count();
    let (p, ci) = share_ci(k, consensus.len());
    out.push(Check {
        model: "deffuant",
        configuration: format!(
            "N={n}, ε=0.5, μ=0.5, random pairs; share of runs ending in one cluster"
        ),
        published: "consensus for ε ≥ 0.5".into(),
        citation: DEFFUANT_2000,
        tolerance: "at least 95% of runs".into(),
        replicates: consensus.len(),
        mean: p,
        ci,
        ours_text: None,
        pass: p >= 0.95,
    });
    for eps in [0.3f32, 0.25, 0.2, 0.15] {
        let expected = (1.0 / (2.0 * f64::from(eps)) + 1e-9).floor();
        let major: Vec<f64> = runs(eps).iter().map(|s| s.major_clusters as f64).collect();
        let (mean, ci) = mean_ci(&major);
        out.push(Check {
            model: "deffuant",
            configuration: format!(
                "N={n}, ε={eps}, μ=0.5, random pairs; major clusters (≥10% of agents)"
            ),
            published: format!("about ⌊1/(2ε)⌋ = {expected} major clusters"),
            citation: DEFFUANT_2000,
            tolerance: format!("mean within {expected} ± 0.5"),
            replicates: major.len(),
            mean,
            ci,
            ours_text: None,
            pass: (mean - expected).abs() <= 0.5,
        });
    }
}

/// The confidence bounds scanned for the Hegselmann–Krause threshold.
const HK_SCAN: [f32; 11] = [
    0.16, 0.17, 0.18, 0.19, 0.2, 0.21, 0.22, 0.23, 0.24, 0.25, 0.26,
];

/// Where the share of runs reaching consensus first reaches one half, by linear interpolation
/// between scanned bounds.
fn crossing(eps: &[f32], share: &[f64]) -> f64 {
    for i in 1..eps.len() {
        if share[i] >= 0.5 && share[i - 1] < 0.5 {
            let t = (0.5 - share[i - 1]) / (share[i] - share[i - 1]);
            return f64::from(eps[i - 1]) + t * f64::from(eps[i] - eps[i - 1]);
        }
    }
    if share.first().is_some_and(|&s| s >= 0.5) {
        f64::from(eps[0])
    } else {
        f64::from(eps[eps.len() - 1])
    }
}

fn hk_checks(e: &Effort, out: &mut Vec<Check>, fig: &mut figures::FigureData) {
    let n = e.hk_n;
    // consensus[i][r]: whether replicate r at HK_SCAN[i] ended in consensus.
    let consensus: Vec<Vec<bool>> = HK_SCAN
        .iter()
        .map(|&eps| {
            replicates(e.hk_reps, |s| {
                let mut m = HegselmannKrause::new(&hk::Config { n, epsilon: eps }, s);
                m.run(hk::DEFAULT_MAX_ROUNDS);
                m.summary().consensus
            })
        })
        .collect();
    let share = |runs: &[bool]| runs.iter().filter(|&&c| c).count() as f64 / runs.len() as f64;
    let shares: Vec<f64> = consensus.iter().map(|r| share(r)).collect();
    let estimate = crossing(&HK_SCAN, &shares);
    // Bootstrap over replicates for the interval (keyed, so the same every time).
    let mut rng = Seeds::new(VALIDATION_SEED).stream(Purpose::HegselmannKrause, 2, 0);
    let mut boot: Vec<f64> = (0..400)
        .map(|_| {
            let s: Vec<f64> = consensus
                .iter()
                .map(|runs| {
                    let k = (0..runs.len())
                        .filter(|_| runs[rng.random_range(0..runs.len())])
                        .count();
                    k as f64 / runs.len() as f64
                })
                .collect();
            crossing(&HK_SCAN, &s)
        })
        .collect();
    boot.sort_by(f64::total_cmp);
    let ci = (boot[10], boot[389]);
    fig.hk = HK_SCAN.iter().map(|&e| f64::from(e)).zip(shares).collect();
    out.push(Check {
        model: "hk",
        configuration: format!(
            "N={n}, complete graph, uniform start; ε where half the runs reach consensus \
             (scan 0.16–0.26 by 0.01)"
        ),
        published: "consensus threshold ≈ 0.2 for large N, slightly higher for finite N".into(),
        citation: FORTUNATO_2005,
        tolerance: "estimate in [0.19, 0.25]".into(),
        replicates: e.hk_reps * HK_SCAN.len(),
        mean: estimate,
        ci,
        ours_text: None,
        pass: (0.19..=0.25).contains(&estimate),
    });
}

fn schelling_checks(e: &Effort, out: &mut Vec<Check>) {
    let netlogo: Vec<f64> = replicates(e.schelling_reps, |s| {
        let mut m = Schelling::new(&schelling::Config::netlogo(0.3), s);
        m.run(schelling::DEFAULT_MAX_STEPS);
        m.summary().similar_share_pooled
    });
    let (mean, ci) = mean_ci(&netlogo);
    out.push(Check {
        model: "schelling",
        configuration: "NetLogo rules: 51×51 torus, density 0.95, two equal groups, 30% wanted; \
                        similar neighbours over all neighbours at the end"
            .into(),
        published: "about 70% similar neighbours".into(),
        citation: NETLOGO,
        tolerance: "mean within 0.70 ± 0.06".into(),
        replicates: netlogo.len(),
        mean,
        ci,
        ours_text: None,
        pass: (mean - 0.70).abs() <= 0.06,
    });
    let reps = e.schelling_reps * 4;
    let mesa: Vec<f64> = replicates(reps, |s| {
        let mut m = Schelling::new(&schelling::Config::mesa(), s);
        m.run(schelling::DEFAULT_MAX_STEPS);
        m.summary().similar_share
    });
    let (mean, ci) = mean_ci(&mesa);
    let (m_mean, m_sd, m_n) = MESA_SIMILAR_SHARE;
    let (_, (lo, hi)) = mean_ci(&mesa);
    let se_ours = (hi - lo) / 2.0 / 1.96;
    let allowed = (2.58 * (se_ours.powi(2) + m_sd.powi(2) / m_n as f64).sqrt()).max(0.01);
    out.push(Check {
        model: "schelling",
        configuration: "Mesa's example: 20×20, not a torus, density 0.8, minority 0.5, \
                        homophily 0.4, radius 1, until all happy; mean share of similar neighbours"
            .into(),
        published: format!("{m_mean:.4} (sd {m_sd}, {m_n} runs of Mesa itself)"),
        citation: MESA,
        tolerance: format!("difference within {allowed:.4} (2.58 standard errors, at least 0.01)"),
        replicates: mesa.len(),
        mean,
        ci,
        ours_text: None,
        pass: (mean - m_mean).abs() <= allowed,
    });
}

/// Final share joined for normal thresholds (mean 25 people).
fn cascade(thresholds: Thresholds, seeds: Seeds) -> f64 {
    let mut g = Granovetter::new(&granovetter::Config { thresholds }, seeds);
    g.run(granovetter::DEFAULT_MAX_ROUNDS);
    g.summary().joined_share
}

/// The standard deviation at which a quantile population of `n` cascades, by bisection.
fn critical_sd(n: usize) -> f64 {
    let (mut lo, mut hi) = (5.0f64, 20.0f64);
    for _ in 0..30 {
        let mid = 0.5 * (lo + hi);
        let t = Thresholds::NormalQuantiles {
            n,
            mean: 0.25 * n as f64,
            sd: mid / 100.0 * n as f64,
        };
        if cascade(t, Seeds::new(VALIDATION_SEED)) > 0.5 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    0.5 * (lo + hi)
}

fn granovetter_checks(e: &Effort, out: &mut Vec<Check>) {
    let seeds = Seeds::new(VALIDATION_SEED);
    let ladder = cascade(Thresholds::Ladder(100), seeds) * 100.0;
    out.push(Check {
        model: "granovetter",
        configuration: "N=100, thresholds 0, 1, 2, …, 99; people who join".into(),
        published: "all 100 join".into(),
        citation: GRANOVETTER_1978,
        tolerance: "exactly".into(),
        replicates: 1,
        mean: ladder,
        ci: (ladder, ladder),
        ours_text: None,
        pass: ladder.round() == 100.0,
    });
    let mut bumped: Vec<f64> = (0..100).map(f64::from).collect();
    bumped[1] = 2.0;
    let one = cascade(Thresholds::List(bumped), seeds) * 100.0;
    out.push(Check {
        model: "granovetter",
        configuration: "N=100, thresholds 0, 2, 2, 3, …, 99 (the 1 raised to 2); people who join"
            .into(),
        published: "only 1 joins".into(),
        citation: GRANOVETTER_1978,
        tolerance: "exactly".into(),
        replicates: 1,
        mean: one,
        ci: (one, one),
        ours_text: None,
        pass: one.round() == 1.0,
    });
    let n = e.granovetter_quantile_n;
    let sd = critical_sd(n);
    out.push(Check {
        model: "granovetter",
        configuration: format!(
            "N={n} thresholds at the quantiles of a normal, mean 25% of N; sd (in % of N) at \
             which the cascade jumps past half"
        ),
        published: "critical sd ≈ 12.2 (mean 25, N=100)".into(),
        citation: GRANOVETTER_1978,
        tolerance: "within 12.2 ± 0.3".into(),
        replicates: 1,
        mean: sd,
        ci: (sd, sd),
        ours_text: None,
        pass: (sd - 12.2).abs() <= 0.3,
    });
    let cascades = |sd: f64| {
        replicates(e.granovetter_reps, |s| {
            cascade(
                Thresholds::Normal {
                    n: 100,
                    mean: 25.0,
                    sd,
                },
                s,
            ) > 0.5
        })
        .iter()
        .filter(|&&c| c)
        .count()
    };
    let (low, high) = (cascades(8.0), cascades(18.0));
    let (p_low, ci_low) = share_ci(low, e.granovetter_reps);
    let (p_high, ci_high) = share_ci(high, e.granovetter_reps);
    out.push(Check {
        model: "granovetter",
        configuration: "N=100 thresholds drawn from Normal(25, sd); share of runs where more than \
                        half join, at sd=8"
            .into(),
        published: "few join below the critical sd".into(),
        citation: GRANOVETTER_1978,
        tolerance: "at most 5% of runs".into(),
        replicates: e.granovetter_reps,
        mean: p_low,
        ci: ci_low,
        ours_text: None,
        pass: p_low <= 0.05,
    });
    out.push(Check {
        model: "granovetter",
        configuration: "as above, at sd=18".into(),
        published: "nearly all join above the critical sd".into(),
        citation: GRANOVETTER_1978,
        tolerance: "at least 90% of runs".into(),
        replicates: e.granovetter_reps,
        mean: p_high,
        ci: ci_high,
        ours_text: None,
        pass: p_high >= 0.9,
    });
}

fn axelrod_checks(e: &Effort, out: &mut Vec<Check>, fig: &mut figures::FigureData) {
    let mut means = Vec::new();
    for &(f, q, published) in &AXELROD_TABLE_2 {
        let regions: Vec<f64> = replicates(e.axelrod_reps, |s| {
            let mut a = Axelrod::new(&axelrod::Config::paper(f, q), s);
            a.run(axelrod::DEFAULT_MAX_SWEEPS);
            a.regions() as f64
        });
        let (mean, ci) = mean_ci(&regions);
        let n = regions.len() as f64;
        let sd = ((ci.1 - ci.0) / 2.0 / (1.96 + 2.5 / (n - 1.0))) * n.sqrt();
        let allowed = (2.58 * sd / 10f64.sqrt()).max(0.5);
        means.push((f, q, mean, ci, published));
        out.push(Check {
            model: "axelrod",
            configuration: format!("10×10, not a torus, F={f}, q={q}; stable regions"),
            published: format!("{published} (mean of 10 runs)"),
            citation: AXELROD_1997,
            tolerance: format!("within {allowed:.2} (2.58 sd of a 10-run mean, at least 0.5)"),
            replicates: regions.len(),
            mean,
            ci,
            ours_text: None,
            pass: (mean - published).abs() <= allowed,
        });
    }
    let m = |f: usize, q: u8| {
        means
            .iter()
            .find(|x| x.0 == f && x.1 == q)
            .map_or(f64::NAN, |x| x.2)
    };
    let rising = m(5, 5) < m(5, 10) && m(5, 10) < m(5, 15);
    out.push(Check {
        model: "axelrod",
        configuration: "F=5: mean regions at q=5, 10, 15".into(),
        published: "more regions as q grows (1.0 < 3.2 < 20.0)".into(),
        citation: AXELROD_1997,
        tolerance: "strictly increasing".into(),
        replicates: 3 * e.axelrod_reps,
        mean: f64::from(u8::from(rising)),
        ci: (f64::NAN, f64::NAN),
        ours_text: Some(format!(
            "{:.2} < {:.2} < {:.2}",
            m(5, 5),
            m(5, 10),
            m(5, 15)
        )),
        pass: rising,
    });
    let falling = m(5, 15) > m(10, 15) && m(5, 15) > m(15, 15);
    out.push(Check {
        model: "axelrod",
        configuration: "q=15: mean regions at F=5 against F=10 and F=15".into(),
        published: "fewer regions as F grows (20.0 > 1.4, 1.2)".into(),
        citation: AXELROD_1997,
        tolerance: "F=5 above both".into(),
        replicates: 3 * e.axelrod_reps,
        mean: f64::from(u8::from(falling)),
        ci: (f64::NAN, f64::NAN),
        ours_text: Some(format!(
            "{:.2} against {:.2} and {:.2}",
            m(5, 15),
            m(10, 15),
            m(15, 15)
        )),
        pass: falling,
    });
    fig.axelrod = means
        .iter()
        .map(|&(f, q, mean, ci, published)| (f, q, mean, ci, published))
        .collect();
}

/// Runs every check (and the runs behind the figures).
pub fn validate(quick: bool) -> Report {
    let started = Instant::now();
    let effort = Effort::new(quick);
    let mut checks = Vec::new();
    let mut fig = figures::FigureData::default();
    deffuant_checks(&effort, &mut checks);
    hk_checks(&effort, &mut checks, &mut fig);
    schelling_checks(&effort, &mut checks);
    granovetter_checks(&effort, &mut checks);
    axelrod_checks(&effort, &mut checks, &mut fig);
    town_checks(&effort, &mut checks);
    figure_runs(&effort, &mut fig);
    Report {
        effort,
        checks,
        figures: fig,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// The town model's stylised facts (`crate::facts`) on the built-in scenarios: 8 replicates with
/// `--quick`, 12 otherwise; then its two calibration facts (pubs' closure rate, belonging held)
/// on full baseline towns. The smallest facts are effects of about half a point; with 4
/// replicates the t interval (3 degrees of freedom) is too wide to place them reliably.
fn town_checks(e: &Effort, out: &mut Vec<Check>) {
    let replicates = if e.quick { 8 } else { 12 };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let facts = crate::facts::check(replicates, VALIDATION_SEED, threads).into_iter();
    let calibration = crate::facts::calibration_facts(threads, crate::facts::Size::FULL);
    for f in facts.chain(calibration) {
        let n = f.estimate.n;
        out.push(Check {
            model: "town",
            configuration: f.configuration.clone(),
            published: f.claim.to_string(),
            citation: f.source,
            tolerance: f.tolerance(),
            replicates: n,
            mean: f.estimate.mean,
            ci: (f.estimate.ci_low, f.estimate.ci_high),
            ours_text: None,
            pass: f.pass,
        });
    }
}

/// The runs behind the figures that the checks have not already made.
fn figure_runs(e: &Effort, fig: &mut figures::FigureData) {
    let n = e.deffuant_n;
    // Deffuant: final clusters for ε from 0.05 to 0.5.
    let eps: Vec<f32> = (5..=50).map(|i| i as f32 / 100.0).collect();
    fig.deffuant = eps
        .par_iter()
        .flat_map_iter(|&eps| {
            (0..e.figure_reps).flat_map(move |r| {
                let seeds = Seeds::of(VALIDATION_SEED, 1000 + r as u32);
                let mut d = Deffuant::new(&deffuant::Config::complete(n, eps), seeds);
                d.run(deffuant::DEFAULT_MAX_SWEEPS);
                d.summary()
                    .cluster_list
                    .into_iter()
                    .map(move |c| (f64::from(eps), c.opinion, c.size as f64 / n as f64))
            })
        })
        .collect();
    // Schelling: similar share against wanted share, NetLogo's and Mesa's rules.
    let wanted: Vec<f64> = (0..=16).map(|i| f64::from(i) * 0.05).collect();
    let cap = if e.quick { 200 } else { 500 };
    let curve =
        |config: &(dyn Fn(f64) -> schelling::Config + Sync), pooled: bool| -> Vec<(f64, f64)> {
            wanted
                .par_iter()
                .map(|&w| {
                    let v: Vec<f64> = (0..e.figure_reps)
                        .map(|r| {
                            let seeds = Seeds::of(VALIDATION_SEED, 1000 + r as u32);
                            let mut m = Schelling::new(&config(w), seeds);
                            m.run(cap);
                            let s = m.summary();
                            if pooled {
                                s.similar_share_pooled
                            } else {
                                s.similar_share
                            }
                        })
                        .collect();
                    (w, v.iter().sum::<f64>() / v.len() as f64)
                })
                .collect()
        };
    fig.schelling_netlogo = curve(&schelling::Config::netlogo, true);
    fig.schelling_mesa = curve(
        &|w| schelling::Config {
            homophily: w,
            ..schelling::Config::mesa()
        },
        false,
    );
    // Granovetter: final share joined against sd.
    let sds: Vec<f64> = (0..=100).map(|i| f64::from(i) * 0.25).collect();
    let qn = e.granovetter_quantile_n;
    fig.granovetter_quantiles = sds
        .par_iter()
        .map(|&sd| {
            let t = Thresholds::NormalQuantiles {
                n: qn,
                mean: 0.25 * qn as f64,
                sd: sd / 100.0 * qn as f64,
            };
            (sd, cascade(t, Seeds::new(VALIDATION_SEED)))
        })
        .collect();
    let reps = e.granovetter_reps / 2;
    fig.granovetter_sampled = sds
        .par_iter()
        .map(|&sd| {
            let total: f64 = (0..reps)
                .map(|r| {
                    let seeds = Seeds::of(VALIDATION_SEED, 1000 + r as u32);
                    cascade(
                        Thresholds::Normal {
                            n: 100,
                            mean: 25.0,
                            sd,
                        },
                        seeds,
                    )
                })
                .sum();
            (sd, total / reps as f64)
        })
        .collect();
}

/// The table as printed.
pub fn table(report: &Report) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "cohesion validate{}: {} checks, {:.1} s",
        if report.effort.quick { " --quick" } else { "" },
        report.checks.len(),
        report.seconds
    );
    for (i, c) in report.checks.iter().enumerate() {
        let _ = writeln!(
            t,
            "\n{:>2}. [{}] {}: {}\n    published: {} ({})\n    ours: {}, {} replicate{}; tolerance: {}",
            i + 1,
            if c.pass { "PASS" } else { "FAIL" },
            c.model,
            c.configuration,
            c.published,
            c.citation,
            ours(c),
            c.replicates,
            if c.replicates == 1 { "" } else { "s" },
            c.tolerance
        );
    }
    let failed = report.checks.iter().filter(|c| !c.pass).count();
    let _ = writeln!(
        t,
        "\n{} of {} checks passed{}",
        report.checks.len() - failed,
        report.checks.len(),
        if failed == 0 {
            "."
        } else {
            "; see FAIL above."
        }
    );
    t
}

/// Our result as printed: the mean and its interval, or the words for a comparison.
fn ours(c: &Check) -> String {
    match &c.ours_text {
        Some(text) => text.clone(),
        None if c.ci.0 == c.ci.1 => fmt(c.mean),
        None => format!(
            "{} (95% CI {} to {})",
            fmt(c.mean),
            fmt(c.ci.0),
            fmt(c.ci.1)
        ),
    }
}

fn fmt(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e9 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// `validation.csv`: one row per check.
pub fn csv(report: &Report) -> String {
    let mut t = String::from(
        "model,configuration,published,citation,tolerance,replicates,mean,ci_low,ci_high,ours,pass\n",
    );
    for c in &report.checks {
        let _ = writeln!(
            t,
            "{},{},{},{},{},{},{},{},{},{},{}",
            c.model,
            csv_field(&c.configuration),
            csv_field(&c.published),
            csv_field(c.citation),
            csv_field(&c.tolerance),
            c.replicates,
            c.mean,
            c.ci.0,
            c.ci.1,
            csv_field(&ours(c)),
            c.pass
        );
    }
    t
}

/// Why validation results could not be written.
#[derive(Debug)]
pub enum WriteError {
    /// The directory exists, is not empty, and `--force` was not given.
    Refused(PathBuf),
    Io(std::io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Refused(d) => write!(
                f,
                "{} exists and is not empty; choose another --out or add --force to replace it",
                d.display()
            ),
            WriteError::Io(e) => write!(
                f,
                "writing validation results: {}",
                crate::output::io_message(e)
            ),
        }
    }
}

/// Refuses a non-empty `dir` unless `force`, and even then one that holds no `validation.csv`
/// (an earlier validation's files are the only ones `--force` overwrites); refuses, whatever
/// `force` says, `/`, the home directory, the current directory or a parent of it, and a place
/// where nothing can be written (checked before the models run).
pub fn check_out(dir: &Path, force: bool) -> Result<(), String> {
    crate::output::check_place(dir).map_err(|e| e.to_string())?;
    let non_empty = std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some());
    if non_empty && !force {
        return Err(WriteError::Refused(dir.to_owned()).to_string());
    }
    if non_empty && !dir.join("validation.csv").is_file() {
        return Err(format!(
            "{} is not empty and holds no validation.csv, so it is not an earlier validation's \
             folder; --force overwrites only those. Choose another --out",
            dir.display()
        ));
    }
    crate::output::check_writable(dir).map_err(|e| e.to_string())
}

/// Writes `validation.csv` and the figures into `dir`.
pub fn write(report: &Report, dir: &Path) -> Result<Vec<String>, WriteError> {
    std::fs::create_dir_all(dir).map_err(WriteError::Io)?;
    std::fs::write(dir.join("validation.csv"), csv(report)).map_err(WriteError::Io)?;
    let mut files = vec!["validation.csv".to_owned()];
    files.extend(figures::write_figures(dir, &report.figures).map_err(WriteError::Io)?);
    Ok(files)
}

/// `cohesion validate [--quick] [--out DIR] [--force]`: the text to print and the exit code
/// (0 all passed, 1 a check failed or writing failed, 2 a refused directory).
pub fn cli(quick: bool, out: Option<PathBuf>, force: bool) -> (String, u8) {
    let dir = out.unwrap_or_else(|| PathBuf::from(DEFAULT_OUT));
    if let Err(e) = check_out(&dir, force) {
        crate::output::terminal::say(&format!("error: {e}"));
        return (String::new(), 2);
    }
    crate::sim::init_threads(None);
    let report = validate(quick);
    let mut text = table(&report);
    match write(&report, &dir) {
        Ok(files) => {
            let _ = writeln!(text, "wrote {}: {}", dir.display(), files.join(", "));
        }
        Err(e) => {
            crate::output::terminal::say(&format!("error: {e}"));
            return (text, 1);
        }
    }
    (text, if report.passed() { 0 } else { 1 })
}
