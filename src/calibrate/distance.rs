//! The standard distance between a run's outputs and the targets it is fitted to.
//!
//! Each target is a number with a scale: usually the survey's standard error, so that a miss of
//! one standard error counts the same for every series, however precise or noisy. The distance
//! is the weighted Euclidean length of the scaled residuals,
//!
//! ```text
//! d = sqrt( Σ_t  w_t ((simulated_t − target_t) / scale_t)² )
//! ```
//!
//! with weight `w_t` = 1 unless the calibration file says otherwise (a weight of 0 keeps a
//! target for reporting, for example a held-out year, without fitting to it). A run that
//! produced no number for a target (NaN, or infinite) is infinitely far: it can never be
//! accepted, and it costs the calibration nothing else.

use std::fmt;

/// One number to fit: its name (for messages and reports), value, scale and weight.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub name: String,
    pub value: f64,
    /// The size of a residual worth one unit of distance: the standard error, or a scale the
    /// calibration file gives.
    pub scale: f64,
    pub weight: f64,
}

impl Target {
    /// A target of weight 1 with the given scale.
    pub fn new(name: &str, value: f64, scale: f64) -> Target {
        Target {
            name: name.to_string(),
            value,
            scale,
            weight: 1.0,
        }
    }

    /// A survey proportion `p` from a simple random sample of `n` respondents, scaled by its
    /// standard error `sqrt(p (1 − p) / n)`. Surveys with a complex design have larger errors
    /// (a design effect); where the survey publishes its own standard error or interval, use
    /// that through [`Target::new`] instead.
    pub fn proportion(name: &str, p: f64, n: f64) -> Target {
        Target::new(name, p, (p * (1.0 - p) / n).sqrt())
    }

    /// The same target with weight `w`.
    pub fn weighted(mut self, w: f64) -> Target {
        self.weight = w;
        self
    }
}

/// A target that cannot be used, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistanceError {
    pub target: String,
    pub problem: String,
}

impl fmt::Display for DistanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.target.is_empty() {
            write!(f, "{}", self.problem)
        } else {
            write!(f, "target `{}`: {}", self.target, self.problem)
        }
    }
}

impl std::error::Error for DistanceError {}

/// The weighted Euclidean distance over a checked list of targets.
#[derive(Clone, Debug, PartialEq)]
pub struct Distance {
    targets: Vec<Target>,
}

impl Distance {
    /// The distance over `targets`: each value finite, each scale positive and finite, each
    /// weight finite and not negative, and at least one weight above zero.
    pub fn new(targets: Vec<Target>) -> Result<Distance, DistanceError> {
        for t in &targets {
            let problem = if !t.value.is_finite() {
                Some(format!("the value {} is not a finite number", t.value))
            } else if !(t.scale.is_finite() && t.scale > 0.0) {
                Some(format!(
                    "the scale (standard error) must be a positive number, not {}",
                    t.scale
                ))
            } else if !(t.weight.is_finite() && t.weight >= 0.0) {
                Some(format!(
                    "the weight must be zero or positive, not {}",
                    t.weight
                ))
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(DistanceError {
                    target: t.name.clone(),
                    problem,
                });
            }
        }
        if !targets.iter().any(|t| t.weight > 0.0) {
            return Err(DistanceError {
                target: String::new(),
                problem: "at least one target must have a weight above zero".into(),
            });
        }
        Ok(Distance { targets })
    }

    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// Each target's scaled residual `(simulated − value) / scale`, in target order.
    pub fn residuals(&self, simulated: &[f64]) -> Vec<f64> {
        assert_eq!(
            simulated.len(),
            self.targets.len(),
            "one simulated value per target"
        );
        self.targets
            .iter()
            .zip(simulated)
            .map(|(t, &s)| (s - t.value) / t.scale)
            .collect()
    }

    /// The distance of `simulated` (one value per target, in target order) from the targets;
    /// infinite when any weighted target's simulated value is not a finite number.
    pub fn distance(&self, simulated: &[f64]) -> f64 {
        let mut total = 0.0;
        for (t, z) in self.targets.iter().zip(self.residuals(simulated)) {
            if t.weight == 0.0 {
                continue;
            }
            if !z.is_finite() {
                return f64::INFINITY;
            }
            total += t.weight * z * z;
        }
        total.sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn residuals_are_counted_in_standard_errors() {
        let d = Distance::new(vec![
            Target::new("belonging", 0.60, 0.02),
            Target::new("trust", 0.40, 0.05).weighted(4.0),
            Target::new("held_out", 0.10, 0.01).weighted(0.0),
        ])
        .unwrap();
        let r = d.residuals(&[0.64, 0.35, 0.90]);
        assert!((r[0] - 2.0).abs() < 1e-12 && (r[1] + 1.0).abs() < 1e-12);
        // sqrt(2² + 4 × 1²), the held-out target ignored however far it is.
        assert!((d.distance(&[0.64, 0.35, 0.90]) - 8f64.sqrt()).abs() < 1e-12);
        assert_eq!(d.distance(&[0.60, 0.40, 5.0]), 0.0);
        assert_eq!(d.distance(&[f64::NAN, 0.40, 0.1]), f64::INFINITY);
        assert_eq!(
            d.distance(&[0.6, 0.40, f64::NAN]),
            0.0,
            "weight 0 ignores NaN too"
        );
    }

    #[test]
    fn a_proportion_is_scaled_by_its_sampling_error() {
        let t = Target::proportion("chat", 0.5, 2500.0);
        assert!((t.scale - 0.01).abs() < 1e-15);
    }

    #[test]
    fn unusable_targets_are_named() {
        let e = Distance::new(vec![Target::new("x", 0.5, 0.0)]).unwrap_err();
        assert_eq!(e.target, "x");
        assert!(e.to_string().contains("positive"), "{e}");
        let e = Distance::new(vec![Target::new("y", f64::NAN, 1.0)]).unwrap_err();
        assert!(e.to_string().contains("finite"), "{e}");
        let e = Distance::new(vec![Target::new("z", 0.5, 1.0).weighted(-1.0)]).unwrap_err();
        assert!(e.to_string().contains("weight"), "{e}");
        let e = Distance::new(vec![Target::new("z", 0.5, 1.0).weighted(0.0)]).unwrap_err();
        assert!(e.to_string().contains("at least one"), "{e}");
    }
}
