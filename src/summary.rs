//! A run summarised by a few numbers: each metric's town mean over a window of calendar years
//! (`summary = "final"`, `"year"` or `"mean"`). A sweep summarises every run this way
//! (`results.csv`), a calibration compares these numbers with its targets, and `cohesion run
//! --summarise` writes them as `summary.csv`.
//!
//! Architecture invariant: reads a finished run's output and nothing else, so the run driver,
//! checkpoints, sweeps and calibration can all use it without importing one another.

use crate::output::csv;
use crate::{RunOutput, Scenario};
use serde::{Deserialize, Serialize};

/// A metric to summarise each run by.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricSummary {
    /// A town-level metric (`belonging`, `agency`, `venues_open`...).
    pub name: String,
    pub summary: Summary,
    /// The calendar year, for `summary = "year"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// The first and last calendar years of the window, for `summary = "mean"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<[i32; 2]>,
}

/// How a metric's weekly series is reduced to one number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Summary {
    /// The mean over the last simulated year's 52 weeks.
    Final,
    /// The mean over one calendar year's 52 weeks.
    Year,
    /// The mean over every week of a window of calendar years.
    Mean,
}

impl MetricSummary {
    /// The column this metric gets in `results.csv`: `belonging_final`, `belonging_2019`,
    /// `belonging_2015_2019`.
    pub fn column(&self) -> String {
        match (self.summary, self.year, self.years) {
            (Summary::Year, Some(y), _) => format!("{}_{y}", self.name),
            (Summary::Mean, _, Some([a, b])) => format!("{}_{a}_{b}", self.name),
            _ => format!("{}_final", self.name),
        }
    }

    /// The calendar years `[first, last]` this metric averages over, in a run that starts in
    /// `start_year` and lasts `years` years.
    pub fn window(&self, start_year: i32, years: u32) -> (i32, i32) {
        let last = start_year + years as i32 - 1;
        match (self.summary, self.year, self.years) {
            (Summary::Year, Some(y), _) => (y, y),
            (Summary::Mean, _, Some([a, b])) => (a, b),
            _ => (last, last),
        }
    }

    /// In words, for chart axes: "belonging, mean over 2015–2019".
    pub fn describe(&self) -> String {
        match (self.summary, self.year, self.years) {
            (Summary::Year, Some(y), _) => format!("{}, mean over {y}", self.name),
            (Summary::Mean, _, Some([a, b])) => format!("{}, mean over {a}–{b}", self.name),
            _ => format!("{}, mean over the final year", self.name),
        }
    }
}

/// A run's metrics as the sweep summarises them: (column, value), in metric order. Each value
/// is the mean of the town's weekly values over the metric's years, summed in week order.
pub fn summarise(
    output: &RunOutput,
    scenario: &Scenario,
    metrics: &[MetricSummary],
) -> Vec<(String, f64)> {
    let start = scenario.time.start_year;
    metrics
        .iter()
        .map(|m| {
            let (a, b) = m.window(start, scenario.time.years);
            let from = (a - start).max(0) as u32 * crate::scenario::WEEKS_PER_YEAR;
            let to = (b - start + 1).max(0) as u32 * crate::scenario::WEEKS_PER_YEAR;
            let (mut sum, mut n) = (0.0, 0u32);
            for o in &output.observations.0 {
                if o.ward.is_none() && o.metric == m.name && o.tick >= from && o.tick < to {
                    sum += o.value;
                    n += 1;
                }
            }
            let value = if n == 0 { f64::NAN } else { sum / f64::from(n) };
            (m.column(), value)
        })
        .collect()
}

/// The summary of one run as `cohesion run --summarise` writes it: `metric,value` rows.
pub fn summary_csv(values: &[(String, f64)]) -> String {
    let mut out = String::from("metric,value\n");
    for (column, value) in values {
        out.push_str(&format!("{column},{}\n", csv::number(*value)));
    }
    out
}
