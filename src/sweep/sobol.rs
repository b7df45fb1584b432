//! Sobol indices of a `[sobol]` sweep: each metric's first-order and total indices per
//! parameter, computed by [`crate::sensitivity::indices`] from the mean over replicates at each
//! point of the Saltelli design (the sweep's points are the design's, in order).

use super::runner::SobolRecord;
use crate::output::csv::{field, number};
use crate::sensitivity::{SobolIndices, indices};

/// Every metric's indices from the point means (`None` for a point without runs), metric by
/// metric: (column, indices or why there are none).
pub fn analyse(
    sobol: &SobolRecord,
    columns: &[String],
    point_means: &[Vec<Option<f64>>],
) -> Vec<(String, Result<SobolIndices, String>)> {
    let design = match sobol.design() {
        Ok(d) => d,
        Err(e) => {
            return columns
                .iter()
                .map(|c| (c.clone(), Err(e.clone())))
                .collect();
        }
    };
    columns
        .iter()
        .enumerate()
        .map(|(m, column)| {
            let outputs: Option<Vec<f64>> = point_means.iter().map(|p| p[m]).collect();
            let result = match outputs {
                None => Err("some points have no runs; Sobol indices need every point".into()),
                Some(outputs) => {
                    indices(&design, &outputs, sobol.resamples).map_err(|e| e.to_string())
                }
            };
            (column.clone(), result)
        })
        .collect()
}

/// `sensitivity.csv` of a Sobol design:
/// `metric,param,s1,s1_low,s1_high,st,st_low,st_high,variance,resamples`, parameters in axis
/// order; a metric without indices has no rows.
pub fn csv(results: &[(String, Result<SobolIndices, String>)]) -> String {
    let mut text =
        String::from("metric,param,s1,s1_low,s1_high,st,st_low,st_high,variance,resamples\n");
    for (column, result) in results {
        let Ok(ix) = result else { continue };
        for (p, name) in ix.names.iter().enumerate() {
            let (s1, st) = (ix.first[p], ix.total[p]);
            text.push_str(&format!(
                "{column},{},{},{},{},{},{},{},{},{}\n",
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
