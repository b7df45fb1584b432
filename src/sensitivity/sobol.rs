//! Sobol sensitivity indices from Saltelli's design, with bootstrap intervals.
//!
//! **What the indices say.** For an output `Y` of `k` independent parameters, the first-order
//! index `S1_i` is the share of `Y`'s variance that parameter `i` accounts for alone,
//! `V(E(Y | X_i)) / V(Y)`; the total index `ST_i` is the share it accounts for with all its
//! interactions, `E(V(Y | X_~i)) / V(Y)`. `ST_i − S1_i` is what `i` does only in combination
//! with other parameters; `ST_i ≈ 0` means the output does not depend on `i` at all.
//!
//! **Design** (Saltelli et al. 2010, §2). Two independent `N × k` matrices of points, `A` and
//! `B`, and for each parameter `i` the matrix `A_B^(i)`: `A` with its column `i` taken from
//! `B`. That is `N (k + 2)` runs. Here the points are laid out **row by row**: base row `j`
//! gives the `k + 2` consecutive points
//!
//! ```text
//! point j(k+2) + 0      A_j
//! point j(k+2) + 1      B_j
//! point j(k+2) + 2 + i  A_j with coordinate i from B_j     (i = 0 … k − 1)
//! ```
//!
//! and row `j`'s `2k` unit coordinates (first `A_j`'s `k`, then `B_j`'s `k`) are the first draws
//! of the keyed stream `(seed, SobolDesign, entity j)`. So a point depends only on the seed and
//! its own index, a design with a larger `N` begins with every point of a smaller one (an
//! analysis can be extended by running only the new rows), and the design can be cut into
//! shards anywhere.
//!
//! **Pseudo-random, not quasi-random.** The base rows are plain pseudo-random (ChaCha8) draws,
//! not a Sobol' low-discrepancy sequence, for three reasons: the bootstrap intervals below
//! resample rows as independent draws, which is true of pseudo-random rows and not of a
//! low-discrepancy sequence (whose error the bootstrap would misstate); the model is
//! stochastic, so each run's own noise, not the spread of the design, limits the precision that
//! a low-discrepancy sequence would improve; and a sequence's direction numbers would be a long
//! table to transcribe and check for every dimension the model's parameters could need. The
//! price is precision: the estimates converge as `N^(-1/2)`.
//!
//! **Estimators** (all sums over `j = 1 … N`, `f` the output at a point):
//!
//! ```text
//! S1_i = (1/N) Σ f(B)_j (f(A_B^(i))_j − f(A)_j) / V        Saltelli et al. (2010), Table 2 (b)
//! ST_i = (1/2N) Σ (f(A)_j − f(A_B^(i))_j)² / V             Jansen (1999); Saltelli et al. (2010), Table 2 (f)
//! ```
//!
//! with `V` the variance (divisor `2N`) of the `2N` outputs at `A` and `B` together, as in
//! SciPy's `scipy.stats.sobol_indices` (method `saltelli_2010`). As there, the outputs are first
//! centred on the mean of those `2N` outputs (Sobol' & Levitan 1999): it changes neither
//! estimator's expectation, but without it the first-order estimator's error grows with the
//! output's mean, which for a share such as belonging (about 0.6, moving by hundredths) would
//! swamp the effect.
//!
//! **Bootstrap intervals.** Resample `j`'s rows with replacement (all `k + 2` outputs of a row
//! together), `B` times, each resample from its own keyed stream `(seed, SobolBootstrap,
//! entity b)`; recompute both indices on each; the 95% interval runs from the 2.5% to the 97.5%
//! percentile of the `B` values (the percentile interval; `q`-th percentile = the smallest value
//! with at least a share `q` of the resamples at or below it). The point estimate is the one
//! from the full sample, not the bootstrap mean. Resamples run in parallel and are collected in
//! resample order, so the intervals do not depend on the thread count.
//!
//! **A stochastic model.** When every run has its own seed, run-to-run noise of variance `σ²`
//! adds `σ² / V` to every `ST_i` (the Jansen estimator sees the noise in each difference) but
//! leaves `S1_i` unbiased; the total index of a parameter the model ignores therefore estimates
//! the noise's share, a useful floor to read the others against.
//!
//! References:
//! - Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M. & Tarantola, S. (2010).
//!   Variance based sensitivity analysis of model output. Design and estimator for the total
//!   sensitivity index. *Computer Physics Communications* 181(2), 259–270.
//!   doi:10.1016/j.cpc.2009.09.018
//! - Jansen, M. J. W. (1999). Analysis of variance designs for model output. *Computer Physics
//!   Communications* 117(1–2), 35–43. doi:10.1016/S0010-4655(98)00154-4
//! - Sobol', I. M. & Levitan, Y. L. (1999). On the use of variance reducing multipliers in Monte
//!   Carlo computations of a global sensitivity index. *Computer Physics Communications*
//!   117(1), 52–61.
//! - SciPy, `scipy.stats.sobol_indices` (the `saltelli_2010` method and its centring), used as a
//!   second reading of the formulas.

use crate::rng::{Purpose, RngExt, Seeds};
use crate::space::Space;
use rayon::prelude::*;
use serde::Serialize;
use std::fmt;

/// What a point of the design is: its base row `j` and which matrix it comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    A,
    B,
    /// `A` with coordinate `i` taken from `B`.
    AB(usize),
}

/// Saltelli's design over a parameter space: `base` rows of `k + 2` points each.
#[derive(Clone, Debug)]
pub struct SaltelliDesign {
    space: Space,
    base: usize,
    seed: u64,
}

/// Why a design or an analysis was refused.
#[derive(Clone, Debug, PartialEq)]
pub enum SobolError {
    /// Fewer than two base rows: no variance can be estimated.
    TooFewRows(usize),
    /// The outputs do not match the design's points one for one.
    WrongOutputCount { expected: usize, got: usize },
    /// An output is NaN or infinite.
    NotFinite { point: usize, value: f64 },
    /// No bootstrap resamples were asked for.
    NoResamples,
    /// Every output at `A` and `B` is the same: the output does not vary, so no share of its
    /// variance can be given to anything.
    ZeroVariance,
}

impl fmt::Display for SobolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SobolError::TooFewRows(n) => write!(
                f,
                "a Sobol design needs at least 2 base rows (got {n}); use a few hundred or more"
            ),
            SobolError::WrongOutputCount { expected, got } => write!(
                f,
                "the design has {expected} points but {got} outputs were given"
            ),
            SobolError::NotFinite { point, value } => {
                write!(
                    f,
                    "the output at point {point} is {value}, not a finite number"
                )
            }
            SobolError::NoResamples => write!(f, "at least one bootstrap resample is needed"),
            SobolError::ZeroVariance => write!(
                f,
                "the output is the same at every point, so it has no variance to share out"
            ),
        }
    }
}

impl std::error::Error for SobolError {}

impl SaltelliDesign {
    /// The design of `base` rows over `space`, drawn from master seed `seed`.
    pub fn new(space: Space, base: usize, seed: u64) -> Result<SaltelliDesign, SobolError> {
        if base < 2 {
            return Err(SobolError::TooFewRows(base));
        }
        Ok(SaltelliDesign { space, base, seed })
    }

    pub fn space(&self) -> &Space {
        &self.space
    }

    /// The number of base rows, `N`.
    pub fn base(&self) -> usize {
        self.base
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The number of model runs the design needs: `N (k + 2)`.
    pub fn runs(&self) -> usize {
        self.base * (self.space.dim() + 2)
    }

    /// Point `point`'s base row and role (see the module documentation for the order).
    pub fn role(&self, point: usize) -> (usize, Role) {
        let width = self.space.dim() + 2;
        let (row, m) = (point / width, point % width);
        let role = match m {
            0 => Role::A,
            1 => Role::B,
            _ => Role::AB(m - 2),
        };
        (row, role)
    }

    /// Base row `j`'s unit points `A_j` and `B_j`.
    fn base_row(&self, row: usize) -> (Vec<f64>, Vec<f64>) {
        let k = self.space.dim();
        let mut rng = Seeds::new(self.seed).stream(Purpose::SobolDesign, row as u64, 0);
        let a: Vec<f64> = (0..k).map(|_| rng.random::<f64>()).collect();
        let b: Vec<f64> = (0..k).map(|_| rng.random::<f64>()).collect();
        (a, b)
    }

    /// Point `point` in the unit cube.
    pub fn unit_point(&self, point: usize) -> Vec<f64> {
        let (row, role) = self.role(point);
        let (a, b) = self.base_row(row);
        match role {
            Role::A => a,
            Role::B => b,
            Role::AB(i) => {
                let mut p = a;
                p[i] = b[i];
                p
            }
        }
    }

    /// Point `point`'s parameter values, in the space's order.
    pub fn point(&self, point: usize) -> Vec<f64> {
        self.space.values(&self.unit_point(point))
    }

    /// Every point's parameter values, in point order.
    pub fn points(&self) -> Vec<Vec<f64>> {
        (0..self.runs()).map(|p| self.point(p)).collect()
    }
}

/// An estimate with its 95% bootstrap percentile interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Interval {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

impl Interval {
    /// True when `x` lies inside the interval (ends included).
    pub fn covers(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

/// First-order and total indices of one output, one of each per parameter in the space's order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SobolIndices {
    pub names: Vec<String>,
    pub first: Vec<Interval>,
    pub total: Vec<Interval>,
    /// The output's variance over `A` and `B`, the denominator of every index.
    pub variance: f64,
    /// The number of bootstrap resamples behind the intervals.
    pub resamples: usize,
}

/// The outputs arranged by matrix and centred: `a[j]`, `b[j]`, `ab[i][j]`.
struct Columns {
    a: Vec<f64>,
    b: Vec<f64>,
    ab: Vec<Vec<f64>>,
}

/// First-order and total indices, one of each per parameter.
type Estimates = (Vec<f64>, Vec<f64>);

/// Both indices of every parameter from the rows `rows` (a row may repeat). An all-equal
/// resample, whose variance is zero, gives indices of zero.
fn estimate(cols: &Columns, rows: &[usize]) -> Estimates {
    let n = rows.len() as f64;
    let mean = rows.iter().map(|&j| cols.a[j] + cols.b[j]).sum::<f64>() / (2.0 * n);
    let variance = rows
        .iter()
        .map(|&j| (cols.a[j] - mean).powi(2) + (cols.b[j] - mean).powi(2))
        .sum::<f64>()
        / (2.0 * n);
    let k = cols.ab.len();
    if variance <= 0.0 {
        return (vec![0.0; k], vec![0.0; k]);
    }
    let first = cols
        .ab
        .iter()
        .map(|ab| {
            let v: f64 = rows.iter().map(|&j| cols.b[j] * (ab[j] - cols.a[j])).sum();
            v / n / variance
        })
        .collect();
    let total = cols
        .ab
        .iter()
        .map(|ab| {
            let v: f64 = rows.iter().map(|&j| (cols.a[j] - ab[j]).powi(2)).sum();
            v / (2.0 * n) / variance
        })
        .collect();
    (first, total)
}

/// The `q`-th percentile of sorted values: the smallest with at least a share `q` at or below.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The indices of one output from its values at the design's points, in point order, with
/// 95% intervals from `resamples` bootstrap resamples (a thousand is usual).
pub fn indices(
    design: &SaltelliDesign,
    outputs: &[f64],
    resamples: usize,
) -> Result<SobolIndices, SobolError> {
    if outputs.len() != design.runs() {
        return Err(SobolError::WrongOutputCount {
            expected: design.runs(),
            got: outputs.len(),
        });
    }
    if let Some((point, &value)) = outputs.iter().enumerate().find(|(_, y)| !y.is_finite()) {
        return Err(SobolError::NotFinite { point, value });
    }
    if resamples == 0 {
        return Err(SobolError::NoResamples);
    }
    let (n, k) = (design.base(), design.space().dim());
    let width = k + 2;
    let centre = (0..n)
        .map(|j| outputs[j * width] + outputs[j * width + 1])
        .sum::<f64>()
        / (2.0 * n as f64);
    let at = |j: usize, m: usize| outputs[j * width + m] - centre;
    let cols = Columns {
        a: (0..n).map(|j| at(j, 0)).collect(),
        b: (0..n).map(|j| at(j, 1)).collect(),
        ab: (0..k)
            .map(|i| (0..n).map(|j| at(j, 2 + i)).collect())
            .collect(),
    };
    let all: Vec<usize> = (0..n).collect();
    let variance = {
        let ss: f64 = cols.a.iter().chain(&cols.b).map(|y| y * y).sum();
        // The columns are centred on their joint mean, so this is the variance about it.
        ss / (2.0 * n as f64)
    };
    if variance <= 0.0 {
        return Err(SobolError::ZeroVariance);
    }
    let (first, total) = estimate(&cols, &all);

    let seeds = Seeds::new(design.seed());
    let boot: Vec<Estimates> = (0..resamples)
        .into_par_iter()
        .map(|b| {
            let mut rng = seeds.stream(Purpose::SobolBootstrap, b as u64, 0);
            let rows: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
            estimate(&cols, &rows)
        })
        .collect();
    let interval = |point: f64, pick: fn(&Estimates) -> &Vec<f64>, i: usize| {
        let mut values: Vec<f64> = boot.iter().map(|r| pick(r)[i]).collect();
        values.sort_by(f64::total_cmp);
        Interval {
            estimate: point,
            low: percentile(&values, 0.025),
            high: percentile(&values, 0.975),
        }
    };
    Ok(SobolIndices {
        names: design.space().names(),
        first: (0..k).map(|i| interval(first[i], |r| &r.0, i)).collect(),
        total: (0..k).map(|i| interval(total[i], |r| &r.1, i)).collect(),
        variance,
        resamples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::SpaceAxis;
    use std::f64::consts::PI;

    fn cube(k: usize) -> Space {
        Space::new(
            (0..k)
                .map(|i| SpaceAxis::uniform(&format!("x{i}"), -PI, PI))
                .collect(),
        )
        .unwrap()
    }

    /// The Ishigami function, `sin x1 + a sin² x2 + b x3⁴ sin x1`.
    fn ishigami(x: &[f64], a: f64, b: f64) -> f64 {
        x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
    }

    /// The Ishigami function's exact first-order and total indices for inputs uniform on
    /// [−π, π], from its closed-form variance decomposition (Ishigami & Homma 1990; as given
    /// in the OpenTURNS use case "The Ishigami function" and on UQWorld):
    /// V = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2, V1 = (1 + bπ⁴/5)²/2, V2 = a²/8, V3 = 0,
    /// V13 = 8b²π⁸/225, every other term zero; S1 = (V1, V2, 0)/V, ST = (V1 + V13, V2, V13)/V.
    fn ishigami_truth(a: f64, b: f64) -> ([f64; 3], [f64; 3]) {
        let (pi4, pi8) = (PI.powi(4), PI.powi(8));
        let v = a * a / 8.0 + b * pi4 / 5.0 + b * b * pi8 / 18.0 + 0.5;
        let v1 = 0.5 * (1.0 + b * pi4 / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = 8.0 * b * b * pi8 / 225.0;
        ([v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v])
    }

    fn ishigami_indices(base: usize, seed: u64, resamples: usize) -> SobolIndices {
        let design = SaltelliDesign::new(cube(3), base, seed).unwrap();
        let y: Vec<f64> = design
            .points()
            .iter()
            .map(|x| ishigami(x, 7.0, 0.1))
            .collect();
        indices(&design, &y, resamples).unwrap()
    }

    #[test]
    fn points_follow_the_documented_row_order() {
        let space = Space::new(vec![
            SpaceAxis::uniform("p", 0.0, 1.0),
            SpaceAxis::log_uniform("q", 0.1, 10.0),
            SpaceAxis::uniform("r", -5.0, 5.0),
        ])
        .unwrap();
        let d = SaltelliDesign::new(space, 7, 11).unwrap();
        assert_eq!(d.runs(), 7 * 5);
        for row in 0..7 {
            let base = row * 5;
            let a = d.unit_point(base);
            let b = d.unit_point(base + 1);
            assert_eq!(d.role(base), (row, Role::A));
            assert_eq!(d.role(base + 1), (row, Role::B));
            for i in 0..3 {
                assert_eq!(d.role(base + 2 + i), (row, Role::AB(i)));
                let ab = d.unit_point(base + 2 + i);
                for c in 0..3 {
                    assert_eq!(ab[c], if c == i { b[c] } else { a[c] });
                }
            }
            assert!(a.iter().chain(&b).all(|&u| (0.0..1.0).contains(&u)));
            assert_ne!(a, b);
        }
        for p in d.points() {
            assert!((0.0..=1.0).contains(&p[0]));
            assert!((0.1..=10.0).contains(&p[1]));
            assert!((-5.0..=5.0).contains(&p[2]));
        }
    }

    #[test]
    fn a_larger_design_begins_with_every_point_of_a_smaller_one() {
        let small = SaltelliDesign::new(cube(4), 50, 3).unwrap();
        let large = SaltelliDesign::new(cube(4), 120, 3).unwrap();
        assert_eq!(small.points()[..], large.points()[..small.runs()]);
        let other = SaltelliDesign::new(cube(4), 50, 4).unwrap();
        assert_ne!(small.points(), other.points());
    }

    #[test]
    fn ishigami_indices_match_their_closed_form_and_intervals_cover_it() {
        let (s1, st) = ishigami_truth(7.0, 0.1);
        // At N = 32,768 the estimates' standard errors are about 0.01 (the largest, ST of x1,
        // whose Jansen differences carry the heavy-tailed x3⁴ term); 0.03 is three of them.
        let r = ishigami_indices(32_768, 2024, 1000);
        for i in 0..3 {
            let (f, t) = (r.first[i], r.total[i]);
            assert!(
                (f.estimate - s1[i]).abs() < 0.03,
                "S1[{i}] {f:?} vs {}",
                s1[i]
            );
            assert!(
                (t.estimate - st[i]).abs() < 0.03,
                "ST[{i}] {t:?} vs {}",
                st[i]
            );
            assert!(f.covers(s1[i]), "S1[{i}] interval {f:?} misses {}", s1[i]);
            assert!(t.covers(st[i]), "ST[{i}] interval {t:?} misses {}", st[i]);
            assert!(f.low <= f.estimate && f.estimate <= f.high);
            assert!(t.high - t.low < 0.06, "ST[{i}] interval too wide: {t:?}");
        }
    }

    #[test]
    fn bootstrap_intervals_cover_the_truth_about_as_often_as_they_claim() {
        // Forty independent designs: each 95% interval should miss its true value about twice.
        let (s1, st) = ishigami_truth(7.0, 0.1);
        let designs = 40;
        let mut covered = [[0usize; 3]; 2];
        for seed in 0..designs {
            let r = ishigami_indices(512, 100 + seed, 400);
            for i in 0..3 {
                covered[0][i] += usize::from(r.first[i].covers(s1[i]));
                covered[1][i] += usize::from(r.total[i].covers(st[i]));
            }
        }
        for (kind, counts) in ["S1", "ST"].iter().zip(covered) {
            for (i, c) in counts.iter().enumerate() {
                let share = *c as f64 / designs as f64;
                assert!(share >= 0.8, "{kind}[{i}] covered in {c} of {designs}");
            }
        }
    }

    #[test]
    fn a_linear_function_has_its_squared_weights_as_indices() {
        // y = 3 x0 + 1 x1 − 2 log(x2) + 0 x3: independent terms, so S1 = ST = c² Var / Σ c² Var,
        // with Var = (hi − lo)²/12 for a uniform and (ln hi − ln lo)²/12 for the logarithm of a
        // log-uniform parameter.
        let space = Space::new(vec![
            SpaceAxis::uniform("x0", 0.0, 1.0),
            SpaceAxis::uniform("x1", -1.0, 1.0),
            SpaceAxis::log_uniform("x2", 0.1, 10.0),
            SpaceAxis::uniform("x3", 0.0, 5.0),
        ])
        .unwrap();
        let design = SaltelliDesign::new(space, 4096, 5).unwrap();
        let y: Vec<f64> = design
            .points()
            .iter()
            .map(|x| 3.0 * x[0] + x[1] - 2.0 * x[2].ln() + 0.0 * x[3])
            .collect();
        let r = indices(&design, &y, 500).unwrap();
        let ln_range = (10f64).ln() - (0.1f64).ln();
        let parts = [
            9.0 * 1.0 / 12.0,
            1.0 * 4.0 / 12.0,
            4.0 * ln_range * ln_range / 12.0,
            0.0,
        ];
        let sum: f64 = parts.iter().sum();
        for (i, part) in parts.iter().enumerate() {
            let truth = part / sum;
            assert!(
                (r.first[i].estimate - truth).abs() < 0.02,
                "S1[{i}] {:?} vs {truth}",
                r.first[i]
            );
            assert!(
                (r.total[i].estimate - truth).abs() < 0.02,
                "ST[{i}] {:?} vs {truth}",
                r.total[i]
            );
            assert!(
                r.first[i].covers(truth) && r.total[i].covers(truth),
                "{i}: {r:?}"
            );
        }
        assert_eq!(
            r.total[3].estimate, 0.0,
            "an ignored input has no total effect at all"
        );
    }

    #[test]
    fn indices_are_the_same_on_any_number_of_threads() {
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| ishigami_indices(300, 8, 300))
        };
        let one = run(1);
        let two = run(2);
        assert_eq!(
            serde_json::to_string(&one).unwrap(),
            serde_json::to_string(&two).unwrap()
        );
    }

    #[test]
    fn bad_outputs_are_refused_with_the_reason() {
        let d = SaltelliDesign::new(cube(2), 10, 1).unwrap();
        let mut y = vec![1.0; d.runs()];
        assert_eq!(indices(&d, &y, 10), Err(SobolError::ZeroVariance));
        assert_eq!(
            indices(&d, &y[1..], 10),
            Err(SobolError::WrongOutputCount {
                expected: 40,
                got: 39
            })
        );
        y[0] = 2.0;
        assert_eq!(indices(&d, &y, 0), Err(SobolError::NoResamples));
        y[7] = f64::NAN;
        let e = indices(&d, &y, 10).unwrap_err();
        assert!(matches!(e, SobolError::NotFinite { point: 7, .. }), "{e}");
        assert_eq!(
            SaltelliDesign::new(cube(2), 1, 0).unwrap_err(),
            SobolError::TooFewRows(1)
        );
    }
}
