//! A weighted posterior sample and what reports say about it: weighted mean, standard
//! deviation and quantiles of each parameter, the effective sample size, how far the data
//! narrowed each parameter (its shrinkage), and draws of whole parameter sets for comparisons
//! under parameter uncertainty.
//!
//! Definitions, so that a reader can check a report by hand:
//! - weights are normalised to sum to 1 (`w̄`);
//! - mean `m = Σ w̄ x`; standard deviation `sqrt(Σ w̄ (x − m)² / (1 − Σ w̄²))`, the weighted
//!   version of the `n − 1` divisor (it is the usual sample standard deviation when the weights
//!   are equal; NaN when one particle holds all the weight);
//! - the `q` quantile is the smallest value at which the weighted share at or below it reaches
//!   `q` (the inverse of the weighted empirical distribution function, no interpolation);
//! - effective sample size `1 / Σ w̄²`: how many equally weighted particles would carry the same
//!   information;
//! - shrinkage of a parameter: its posterior standard deviation over its prior's, both measured
//!   in the prior's own coordinate (evenly, or in the logarithm for a log-uniform prior, where
//!   the prior's is `1/√12` of the range). Near 1, the data leave the parameter where the prior
//!   put it (it is not identified by these targets); near 0, the data pin it down.

use crate::rng::{Purpose, RngExt, Seeds};
use crate::space::Space;
use std::fmt;

/// Weighted mean, standard deviation and the 2.5%, 50% and 97.5% quantiles of one parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub mean: f64,
    pub sd: f64,
    pub q025: f64,
    pub q50: f64,
    pub q975: f64,
}

impl Summary {
    /// True when `x` lies inside the central 95% interval (ends included).
    pub fn covers(&self, x: f64) -> bool {
        self.q025 <= x && x <= self.q975
    }
}

/// A posterior that cannot be used (read from a file, say), and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PosteriorError {
    /// The particle (row) at fault, counted from 0, when one is.
    pub particle: Option<usize>,
    pub problem: String,
}

impl fmt::Display for PosteriorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.particle {
            Some(i) => write!(f, "particle {i}: {}", self.problem),
            None => write!(f, "{}", self.problem),
        }
    }
}

impl std::error::Error for PosteriorError {}

/// Parameter sets (particles) with weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Posterior {
    names: Vec<String>,
    values: Vec<Vec<f64>>,
    weights: Vec<f64>,
}

/// The columns `calibrate` writes before the parameters in `posterior.csv`.
pub const CSV_LEADING: [&str; 6] = [
    "particle",
    "weight",
    "distance",
    "generation",
    "proposal",
    "seed",
];

impl Posterior {
    /// A posterior from particles `values` (one value per name each) and their weights (any
    /// positive scale; they are normalised here). Refuses ragged rows, values that are not
    /// finite numbers, negative or non-finite weights, and weights that are all zero.
    pub fn new(
        names: Vec<String>,
        values: Vec<Vec<f64>>,
        weights: Vec<f64>,
    ) -> Result<Posterior, PosteriorError> {
        let whole = |problem: String| PosteriorError {
            particle: None,
            problem,
        };
        if values.is_empty() {
            return Err(whole("there are no particles".into()));
        }
        if values.len() != weights.len() {
            return Err(whole(format!(
                "{} particles but {} weights",
                values.len(),
                weights.len()
            )));
        }
        for (i, (row, &w)) in values.iter().zip(&weights).enumerate() {
            let problem = if row.len() != names.len() {
                Some(format!(
                    "{} values for {} parameters",
                    row.len(),
                    names.len()
                ))
            } else if let Some((p, x)) = row.iter().enumerate().find(|(_, x)| !x.is_finite()) {
                Some(format!("the value of `{}` is {x}, not a number", names[p]))
            } else if !(w.is_finite() && w >= 0.0) {
                Some(format!("the weight {w} is not zero or a positive number"))
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(PosteriorError {
                    particle: Some(i),
                    problem,
                });
            }
        }
        let total: f64 = weights.iter().sum();
        if !(total > 0.0 && total.is_finite()) {
            return Err(whole("the weights add up to zero".into()));
        }
        let weights = weights.iter().map(|w| w / total).collect();
        Ok(Posterior {
            names,
            values,
            weights,
        })
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The particles, each one value per parameter.
    pub fn values(&self) -> &[Vec<f64>] {
        &self.values
    }

    /// The normalised weights, one per particle.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Parameter `p`'s value in every particle.
    pub fn column(&self, p: usize) -> Vec<f64> {
        self.values.iter().map(|row| row[p]).collect()
    }

    /// The effective sample size, `1 / Σ w̄²`.
    pub fn ess(&self) -> f64 {
        effective_sample_size(&self.weights)
    }

    /// Parameter `p`'s summary.
    pub fn summary(&self, p: usize) -> Summary {
        summarise(&self.column(p), &self.weights)
    }

    /// Every parameter's summary, in order.
    pub fn summaries(&self) -> Vec<Summary> {
        (0..self.names.len()).map(|p| self.summary(p)).collect()
    }

    /// Each parameter's shrinkage against the prior `space` (see the module documentation):
    /// posterior over prior standard deviation in the prior's unit coordinate.
    pub fn shrinkage(&self, space: &Space) -> Vec<f64> {
        let prior_sd = 1.0 / 12f64.sqrt();
        space
            .axes()
            .iter()
            .enumerate()
            .map(|(p, axis)| {
                let units: Vec<f64> = self.values.iter().map(|row| axis.unit(row[p])).collect();
                weighted_mean_sd(&units, &self.weights).1 / prior_sd
            })
            .collect()
    }

    /// The particles chosen by `draws` independent draws in proportion to their weights: draw
    /// `r` is made from the keyed stream `(seed, PosteriorDraw, entity r)` alone, so it does not
    /// depend on how many draws are made (draw 7 of 10 is draw 7 of 100).
    pub fn draw(&self, draws: usize, seed: u64) -> Vec<usize> {
        let mut cumulative = Vec::with_capacity(self.weights.len());
        let mut sum = 0.0;
        for &w in &self.weights {
            sum += w;
            cumulative.push(sum);
        }
        // The last particle with any weight, in case rounding leaves the total just below 1.
        let last = self.weights.iter().rposition(|&w| w > 0.0).unwrap_or(0);
        let seeds = Seeds::new(seed);
        (0..draws)
            .map(|r| {
                let u: f64 = seeds
                    .stream(Purpose::PosteriorDraw, r as u64, 0)
                    .random::<f64>();
                cumulative.partition_point(|&c| c <= u).min(last)
            })
            .collect()
    }

    /// The parameter sets of [`Posterior::draw`].
    pub fn draw_values(&self, draws: usize, seed: u64) -> Vec<Vec<f64>> {
        self.draw(draws, seed)
            .into_iter()
            .map(|i| self.values[i].clone())
            .collect()
    }

    /// Reads a `posterior.csv` as `calibrate` writes it: the header
    /// `particle,weight,distance,generation,proposal,seed` then one column per parameter, and one
    /// row per particle. Only the weights and the parameters' values are used. The error names
    /// the line (the header is line 1) and the column at fault.
    pub fn from_csv(text: &str) -> Result<Posterior, String> {
        let mut lines = text.lines().enumerate();
        let Some((_, header)) = lines.next() else {
            return Err("line 1: the file is empty; expected the header of a posterior.csv".into());
        };
        let columns: Vec<&str> = header.split(',').map(str::trim).collect();
        if columns.len() <= CSV_LEADING.len() || columns[..CSV_LEADING.len()] != CSV_LEADING {
            return Err(format!(
                "line 1: the header must be `{}` followed by one column per parameter, as \
                 `cohesion calibrate` writes it",
                CSV_LEADING.join(",")
            ));
        }
        let names: Vec<String> = columns[CSV_LEADING.len()..]
            .iter()
            .map(|c| c.to_string())
            .collect();
        let (mut values, mut weights) = (Vec::new(), Vec::new());
        for (i, line) in lines {
            let at = i + 1;
            if line.trim().is_empty() {
                return Err(format!(
                    "line {at}: an empty line; every line is a particle"
                ));
            }
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            if cells.len() != columns.len() {
                return Err(format!(
                    "line {at}: {} fields, but the header has {}",
                    cells.len(),
                    columns.len()
                ));
            }
            let number = |c: usize| {
                cells[c]
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| {
                        format!(
                            "line {at}, column `{}`: `{}` is not a number",
                            columns[c], cells[c]
                        )
                    })
            };
            let w = number(1)?;
            if w < 0.0 {
                return Err(format!(
                    "line {at}, column `weight`: {w} is negative; weights are zero or positive"
                ));
            }
            weights.push(w);
            let row = (CSV_LEADING.len()..columns.len())
                .map(number)
                .collect::<Result<Vec<f64>, String>>()?;
            values.push(row);
        }
        Posterior::new(names, values, weights).map_err(|e| match e.particle {
            Some(p) => format!("line {}: {}", p + 2, e.problem),
            None => e.problem,
        })
    }
}

/// `1 / Σ w̄²` for weights of any positive scale.
pub fn effective_sample_size(weights: &[f64]) -> f64 {
    let total: f64 = weights.iter().sum();
    let sq: f64 = weights.iter().map(|w| (w / total) * (w / total)).sum();
    1.0 / sq
}

/// Weighted mean and standard deviation (see the module documentation) for normalised weights.
pub fn weighted_mean_sd(values: &[f64], weights: &[f64]) -> (f64, f64) {
    let mean: f64 = values.iter().zip(weights).map(|(x, w)| w * x).sum();
    let ss: f64 = values
        .iter()
        .zip(weights)
        .map(|(x, w)| w * (x - mean) * (x - mean))
        .sum();
    let sq: f64 = weights.iter().map(|w| w * w).sum();
    let sd = if sq < 1.0 {
        (ss / (1.0 - sq)).sqrt()
    } else {
        f64::NAN
    };
    (mean, sd)
}

/// The weighted `q` quantile (see the module documentation) for normalised weights.
pub fn weighted_quantile(values: &[f64], weights: &[f64], q: f64) -> f64 {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    quantile_sorted(values, weights, &order, q)
}

fn quantile_sorted(values: &[f64], weights: &[f64], order: &[usize], q: f64) -> f64 {
    let mut cumulative = 0.0;
    for &i in order {
        cumulative += weights[i];
        if cumulative >= q {
            return values[i];
        }
    }
    // Rounding left the total just below q: the largest value with any weight.
    let last = order
        .iter()
        .rev()
        .find(|&&i| weights[i] > 0.0)
        .unwrap_or(&order[order.len() - 1]);
    values[*last]
}

/// The summary of `values` with normalised `weights`.
pub fn summarise(values: &[f64], weights: &[f64]) -> Summary {
    let (mean, sd) = weighted_mean_sd(values, weights);
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    Summary {
        mean,
        sd,
        q025: quantile_sorted(values, weights, &order, 0.025),
        q50: quantile_sorted(values, weights, &order, 0.5),
        q975: quantile_sorted(values, weights, &order, 0.975),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::SpaceAxis;
    use crate::stats::Estimate;

    fn names(k: usize) -> Vec<String> {
        (0..k).map(|i| format!("p{i}")).collect()
    }

    #[test]
    fn equal_weights_give_the_ordinary_mean_and_sample_sd() {
        let xs = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        let post = Posterior::new(
            names(1),
            xs.iter().map(|&x| vec![x]).collect(),
            vec![2.0; xs.len()],
        )
        .unwrap();
        let s = post.summary(0);
        let e = Estimate::of(&xs);
        assert!((s.mean - e.mean).abs() < 1e-12);
        assert!((s.sd - e.sd).abs() < 1e-12);
        assert_eq!(s.q50, 3.0, "four of eight values are at or below 3");
        assert_eq!(s.q025, 1.0);
        assert_eq!(s.q975, 9.0);
        assert!((post.ess() - 8.0).abs() < 1e-12);
    }

    #[test]
    fn weighted_quantiles_invert_the_weighted_distribution() {
        let values = [10.0, 20.0, 30.0, 40.0];
        let weights = [0.1, 0.2, 0.3, 0.4];
        assert_eq!(weighted_quantile(&values, &weights, 0.05), 10.0);
        assert_eq!(weighted_quantile(&values, &weights, 0.1), 10.0);
        assert_eq!(weighted_quantile(&values, &weights, 0.11), 20.0);
        assert_eq!(weighted_quantile(&values, &weights, 0.5), 30.0);
        assert_eq!(weighted_quantile(&values, &weights, 0.61), 40.0);
        assert_eq!(weighted_quantile(&values, &weights, 1.0), 40.0);
        // Order of the particles does not matter.
        assert_eq!(
            weighted_quantile(&[40.0, 10.0, 30.0, 20.0], &[0.4, 0.1, 0.3, 0.2], 0.5),
            30.0
        );
        let (mean, _) = weighted_mean_sd(&values, &weights);
        assert!((mean - 30.0).abs() < 1e-12);
    }

    #[test]
    fn draws_follow_the_weights_and_do_not_depend_on_how_many_are_made() {
        let post = Posterior::new(
            names(2),
            vec![
                vec![0.0, 1.0],
                vec![1.0, 2.0],
                vec![2.0, 3.0],
                vec![3.0, 4.0],
            ],
            vec![1.0, 0.0, 3.0, 6.0],
        )
        .unwrap();
        let n = 20_000;
        let d = post.draw(n, 5);
        let mut counts = [0usize; 4];
        for &i in &d {
            counts[i] += 1;
        }
        assert_eq!(counts[1], 0, "a particle of weight zero is never drawn");
        for (i, expected) in [(0, 0.1), (2, 0.3), (3, 0.6)] {
            let share = counts[i] as f64 / n as f64;
            // Four binomial standard errors at n = 20,000 are under 0.015.
            assert!((share - expected).abs() < 0.015, "{i}: {share}");
        }
        assert_eq!(post.draw(10, 5)[..], d[..10]);
        assert_ne!(post.draw(10, 6), post.draw(10, 5));
        assert_eq!(post.draw_values(3, 5)[0], post.values()[d[0]]);
    }

    #[test]
    fn shrinkage_is_one_for_a_posterior_spread_like_its_prior() {
        let space = Space::new(vec![
            SpaceAxis::uniform("flat", 0.0, 10.0),
            SpaceAxis::log_uniform("scale", 0.01, 100.0),
        ])
        .unwrap();
        // An even grid over each prior's own coordinate, and a narrow column.
        let n = 2001;
        let values: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                let u = i as f64 / (n - 1) as f64;
                vec![
                    space.axes()[0].value(u),
                    space.axes()[1].value(0.5 + 0.01 * (u - 0.5)),
                ]
            })
            .collect();
        let post = Posterior::new(space.names(), values, vec![1.0; n]).unwrap();
        let s = post.shrinkage(&space);
        assert!((s[0] - 1.0).abs() < 0.01, "{s:?}");
        assert!((s[1] - 0.01).abs() < 0.001, "{s:?}");
    }

    #[test]
    fn unusable_posteriors_say_which_particle_and_why() {
        let e = Posterior::new(names(2), vec![vec![1.0]], vec![1.0]).unwrap_err();
        assert_eq!(e.particle, Some(0));
        let e = Posterior::new(names(1), vec![vec![1.0], vec![2.0]], vec![1.0, -1.0]).unwrap_err();
        assert_eq!(e.particle, Some(1));
        assert!(e.to_string().contains("weight"), "{e}");
        let e = Posterior::new(names(1), vec![vec![f64::NAN]], vec![1.0]).unwrap_err();
        assert!(e.to_string().contains("p0"), "{e}");
        let e = Posterior::new(names(1), vec![vec![1.0]], vec![0.0]).unwrap_err();
        assert!(e.to_string().contains("zero"), "{e}");
        assert!(Posterior::new(names(1), vec![], vec![]).is_err());
    }
}
