//! Small, exact statistics for replicated runs: means, standard deviations and Student-t
//! confidence intervals.
//!
//! Sums run in the order the values are given, so the same values in the same order give the
//! same bits; callers pass replicates in replicate order, never in the order threads finished.

/// Mean, sample standard deviation and a 95% confidence interval for the mean of `n` values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    /// Sample standard deviation (n − 1 in the denominator); NaN when n < 2.
    pub sd: f64,
    /// 95% Student-t interval for the mean; NaN when n < 2.
    pub ci_low: f64,
    pub ci_high: f64,
    pub n: usize,
}

impl Estimate {
    /// The estimate from `values` (NaN everywhere when there are none).
    pub fn of(values: &[f64]) -> Estimate {
        let n = values.len();
        if n == 0 {
            return Estimate {
                mean: f64::NAN,
                sd: f64::NAN,
                ci_low: f64::NAN,
                ci_high: f64::NAN,
                n,
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Estimate {
                mean,
                sd: f64::NAN,
                ci_low: f64::NAN,
                ci_high: f64::NAN,
                n,
            };
        }
        let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
        let sd = (ss / (n - 1) as f64).sqrt();
        let half = t_975(n - 1) * sd / (n as f64).sqrt();
        Estimate {
            mean,
            sd,
            ci_low: mean - half,
            ci_high: mean + half,
            n,
        }
    }

    /// True when the 95% interval lies wholly above zero.
    pub fn above_zero(&self) -> bool {
        self.ci_low > 0.0
    }

    /// True when the 95% interval lies wholly below zero.
    pub fn below_zero(&self) -> bool {
        self.ci_high < 0.0
    }
}

/// Two-sided 95% critical values of Student's t for 1 to 30 degrees of freedom (the 0.975
/// quantile), to three decimals as printed in standard tables.
const T_975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// The 0.975 quantile of Student's t with `df` degrees of freedom. From the table up to 30;
/// beyond, the Cornish–Fisher expansion around the normal quantile (Abramowitz & Stegun
/// 26.7.5), which is within 0.001 of the exact value there.
pub fn t_975(df: usize) -> f64 {
    match df {
        0 => f64::NAN,
        1..=30 => T_975[df - 1],
        _ => {
            let z: f64 = 1.959_963_984_540_054;
            let v = df as f64;
            let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
            z + (z3 + z) / (4.0 * v)
                + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
                + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v * v * v)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_of_known_values() {
        let e = Estimate::of(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(e.mean, 2.5);
        assert!((e.sd - 1.290_994_448_735_805_6).abs() < 1e-12);
        let half = 3.182 * e.sd / 2.0;
        assert!((e.ci_low - (2.5 - half)).abs() < 1e-12);
        assert!((e.ci_high - (2.5 + half)).abs() < 1e-12);
        assert_eq!(e.n, 4);
    }

    #[test]
    fn one_value_has_no_interval() {
        let e = Estimate::of(&[0.3]);
        assert_eq!(e.mean, 0.3);
        assert!(e.sd.is_nan() && e.ci_low.is_nan() && e.ci_high.is_nan());
        assert!(!e.above_zero() && !e.below_zero());
    }

    #[test]
    fn t_quantiles_join_the_table_and_tend_to_normal() {
        // Published values: t(40) = 2.021, t(60) = 2.000, t(120) = 1.980.
        assert!((t_975(40) - 2.021).abs() < 1e-3);
        assert!((t_975(60) - 2.000).abs() < 1e-3);
        assert!((t_975(120) - 1.980).abs() < 1e-3);
        assert!((t_975(31) - 2.040).abs() < 1e-3);
        assert!(t_975(10_000) > 1.959 && t_975(10_000) < 1.961);
    }
}
