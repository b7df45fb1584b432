//! Sobol indices of a `[sobol]` sweep: each metric's first-order and total indices per
//! parameter, computed by [`crate::sensitivity::indices`] from the mean over replicates at each
//! point of the Saltelli design (the sweep's points are the design's, in order).
//!
//! With `[sobol] scenarios`, the design's `n` points are run on the base and then on each
//! further scenario (point `s × n + j` is design point `j` on scenario `s`), every design point
//! with the same seeds on every scenario (common random numbers). Besides each scenario's
//! metric levels, each further scenario `S` then has an *effect* per metric: at design point
//! `j`, the mean over replicates of the paired difference `m(S) − m(base)` (replicate `r` of
//! one against replicate `r` of the other), whose indices say which parameters the effect of
//! choosing `S` over the base depends on. Pairing removes the noise the two runs share, so an
//! effect's noise floor (the total index of a parameter it ignores) is usually lower than a
//! level's.

use super::oat::RunValues;
use super::runner::SobolRecord;
use crate::output::csv::{field, number};
use crate::sensitivity::{SobolIndices, indices};

/// One outcome whose indices are computed: a metric's level on one scenario, or its effect
/// (`scenario − against`).
#[derive(Clone, Debug)]
pub struct Outcome {
    pub scenario: String,
    /// For an effect, the scenario it is measured against (the base).
    pub against: Option<String>,
    /// Index of the metric column.
    pub metric: usize,
    pub indices: Result<SobolIndices, String>,
}

/// Every outcome's indices, metric by metric: without further scenarios, each metric's level
/// (in column order); with them, every scenario's levels (scenario by scenario), then every
/// further scenario's effects. `point_means` has the mean over replicates at each point
/// (`None` for a point without runs); `runs` every run's values, for the paired differences.
pub fn analyse(
    sobol: &SobolRecord,
    base: &str,
    columns: &[String],
    point_means: &[Vec<Option<f64>>],
    runs: &[RunValues],
) -> Vec<Outcome> {
    let scenarios: Vec<String> = if sobol.scenarios.is_empty() {
        vec![base.to_string()]
    } else {
        sobol.scenarios.clone()
    };
    let design = sobol.design();
    let n = design.as_ref().map_or(0, |d| d.runs());
    let compute = |outputs: Option<Vec<f64>>| -> Result<SobolIndices, String> {
        let design = design.as_ref().map_err(Clone::clone)?;
        match outputs {
            None => Err("some points have no runs; Sobol indices need every point".into()),
            Some(outputs) => indices(design, &outputs, sobol.resamples).map_err(|e| e.to_string()),
        }
    };
    let mut out = Vec::new();
    for (s, name) in scenarios.iter().enumerate() {
        for m in 0..columns.len() {
            let outputs: Option<Vec<f64>> = (0..n)
                .map(|j| point_means.get(s * n + j).and_then(|p| p[m]))
                .collect();
            out.push(Outcome {
                scenario: name.clone(),
                against: None,
                metric: m,
                indices: compute(outputs),
            });
        }
    }
    for (s, name) in scenarios.iter().enumerate().skip(1) {
        for m in 0..columns.len() {
            let outputs: Option<Vec<f64>> =
                (0..n).map(|j| paired_mean(runs, j, s * n + j, m)).collect();
            out.push(Outcome {
                scenario: name.clone(),
                against: Some(scenarios[0].clone()),
                metric: m,
                indices: compute(outputs),
            });
        }
    }
    out
}

/// The mean over replicates of `m(b) − m(a)`, each replicate's run at `b` against the same
/// replicate's run at `a`; none if no replicate ran at both.
pub fn paired_mean(runs: &[RunValues], a: usize, b: usize, m: usize) -> Option<f64> {
    let at = |p: usize| {
        runs.iter()
            .filter(move |r| r.0 == p)
            .filter_map(move |r| r.2.get(m).map(|&v| (r.1, v)))
    };
    let diffs: Vec<f64> = at(b)
        .filter_map(|(r, vb)| at(a).find(|(q, _)| *q == r).map(|(_, va)| vb - va))
        .collect();
    (!diffs.is_empty()).then(|| diffs.iter().sum::<f64>() / diffs.len() as f64)
}

/// `sensitivity.csv` of a Sobol design:
/// `metric,param,s1,s1_low,s1_high,st,st_low,st_high,variance,resamples`, parameters in axis
/// order; with further scenarios, two columns first, `scenario,against` (`against` empty for a
/// level, the base for an effect). An outcome without indices has no rows.
pub fn csv(outcomes: &[Outcome], columns: &[String], with_scenarios: bool) -> String {
    let mut text = String::new();
    if with_scenarios {
        text.push_str("scenario,against,");
    }
    text.push_str("metric,param,s1,s1_low,s1_high,st,st_low,st_high,variance,resamples\n");
    for o in outcomes {
        let Ok(ix) = &o.indices else { continue };
        for (p, name) in ix.names.iter().enumerate() {
            let (s1, st) = (ix.first[p], ix.total[p]);
            if with_scenarios {
                text.push_str(&format!(
                    "{},{},",
                    field(&o.scenario),
                    o.against.as_deref().map(field).unwrap_or_default()
                ));
            }
            text.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{}\n",
                columns[o.metric],
                field(name),
                number(s1.estimate),
                number(s1.low),
                number(s1.high),
                number(st.estimate),
                number(st.low),
                number(st.high),
                number(ix.variance),
                ix.resamples
            ));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paired_mean_pairs_replicates_and_skips_unpaired_ones() {
        // (point, replicate, values): point 0 replicates 0, 1; point 1 replicates 0, 1, 2.
        let v = [[1.0], [2.0], [4.0], [7.0], [100.0]];
        let runs: Vec<RunValues> = vec![
            (0, 0, &v[0][..]),
            (0, 1, &v[1][..]),
            (1, 0, &v[2][..]),
            (1, 1, &v[3][..]),
            (1, 2, &v[4][..]),
        ];
        // (4 − 1 + 7 − 2) / 2; replicate 2 has no partner.
        assert_eq!(paired_mean(&runs, 0, 1, 0), Some(4.0));
        assert_eq!(paired_mean(&runs, 0, 2, 0), None);
    }
}
