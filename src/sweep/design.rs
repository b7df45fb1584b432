//! Experimental designs: which parameter sets a sweep runs.
//!
//! - **Grid**: every combination of the listed values, the first axis varying slowest.
//! - **Latin hypercube** (McKay, Beckman & Conover 1979): `n` points in which each parameter's
//!   range is cut into `n` equal strata and every stratum is sampled exactly once, the strata of
//!   different parameters paired at random. Spreads few runs evenly over many parameters.
//! - **Morris trajectories** (Morris 1991, with the sampling of Saltelli et al. 2008, ch. 3):
//!   each parameter takes one of `p` evenly spaced levels in [0,1]; a trajectory starts at a
//!   random point and moves one parameter at a time by Δ = p / (2(p − 1)), every parameter
//!   once, in a random order and direction. The change in a metric over one move, divided by
//!   Δ, is that parameter's elementary effect there.
//!
//! Samples are drawn in the unit cube from the sweep's master seed (stream purpose
//! `SweepDesign`) and then mapped to each axis's bounds, evenly or in log10.

use super::spec::ScaleKind;
use crate::rng::{Purpose, RngExt, Seeds};

/// One sampled axis: its bounds and how they are spread.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    pub lo: f64,
    pub hi: f64,
    pub scale: ScaleKind,
}

impl Bounds {
    /// The value at unit coordinate `u` in [0,1].
    pub fn at(&self, u: f64) -> f64 {
        match self.scale {
            ScaleKind::Linear => self.lo + u * (self.hi - self.lo),
            ScaleKind::Log => {
                let (a, b) = (self.lo.log10(), self.hi.log10());
                10f64.powf(a + u * (b - a))
            }
        }
    }
}

/// `steps` values from `from` to `to` inclusive, evenly or evenly in log10.
pub fn range(from: f64, to: f64, steps: u32, scale: ScaleKind) -> Vec<f64> {
    if steps == 1 {
        return vec![from];
    }
    let b = Bounds {
        lo: from,
        hi: to,
        scale,
    };
    (0..steps)
        .map(|i| {
            if i == 0 {
                from
            } else if i == steps - 1 {
                to
            } else {
                b.at(f64::from(i) / f64::from(steps - 1))
            }
        })
        .collect()
}

/// Every combination of one index per axis, the first axis varying slowest.
pub fn grid(sizes: &[usize]) -> Vec<Vec<usize>> {
    let mut combos = vec![Vec::new()];
    for &n in sizes {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                (0..n).map(move |i| {
                    let mut c = c.clone();
                    c.push(i);
                    c
                })
            })
            .collect();
    }
    combos
}

/// A Latin hypercube of `n` points in `k` dimensions, in the unit cube.
pub fn latin_hypercube(n: usize, k: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Seeds::new(seed).stream(Purpose::SweepDesign, 1, 0);
    let mut points = vec![vec![0.0; k]; n];
    for d in 0..k {
        let mut strata: Vec<usize> = (0..n).collect();
        shuffle(&mut strata, &mut rng);
        for (point, &stratum) in points.iter_mut().zip(&strata) {
            let u: f64 = rng.random();
            point[d] = (stratum as f64 + u) / n as f64;
        }
    }
    points
}

/// One Morris trajectory: `k + 1` points in the unit cube, point `j + 1` differing from point
/// `j` in parameter `moves[j].0` only, by `moves[j].1` (±Δ).
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    pub points: Vec<Vec<f64>>,
    pub moves: Vec<(usize, f64)>,
}

/// The Morris step for `levels` levels: Δ = p / (2(p − 1)).
pub fn morris_delta(levels: u32) -> f64 {
    f64::from(levels) / (2.0 * f64::from(levels - 1))
}

/// `r` Morris trajectories over `k` parameters on a grid of `levels` levels.
pub fn morris(r: usize, k: usize, levels: u32, seed: u64) -> Vec<Trajectory> {
    let mut rng = Seeds::new(seed).stream(Purpose::SweepDesign, 2, 0);
    let p = levels as usize;
    let delta = morris_delta(levels);
    let step = 1.0 / (p - 1) as f64;
    // Base levels are those from which a move of +Δ stays inside [0,1].
    let base_levels = (0..p)
        .filter(|&i| i as f64 * step + delta <= 1.0 + 1e-12)
        .count();
    (0..r)
        .map(|_| {
            let mut x: Vec<f64> = (0..k)
                .map(|_| rng.random_range(0..base_levels.max(1)) as f64 * step)
                .collect();
            let up: Vec<bool> = (0..k).map(|_| rng.random_bool(0.5)).collect();
            // A parameter that will move down starts Δ higher.
            for (xi, &u) in x.iter_mut().zip(&up) {
                if !u {
                    *xi += delta;
                }
            }
            let mut order: Vec<usize> = (0..k).collect();
            shuffle(&mut order, &mut rng);
            let mut points = vec![x.clone()];
            let mut moves = Vec::with_capacity(k);
            for &i in &order {
                let d = if up[i] { delta } else { -delta };
                x[i] += d;
                points.push(x.clone());
                moves.push((i, d));
            }
            Trajectory { points, moves }
        })
        .collect()
}

/// Fisher–Yates.
fn shuffle<T>(items: &mut [T], rng: &mut impl RngExt) {
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_include_both_ends() {
        assert_eq!(range(0.0, 1.0, 3, ScaleKind::Linear), vec![0.0, 0.5, 1.0]);
        let log = range(1.0, 100.0, 3, ScaleKind::Log);
        assert_eq!(log[0], 1.0);
        assert!((log[1] - 10.0).abs() < 1e-9);
        assert_eq!(log[2], 100.0);
        assert_eq!(range(5.0, 9.0, 1, ScaleKind::Linear), vec![5.0]);
    }

    #[test]
    fn grid_is_every_combination_first_axis_slowest() {
        let g = grid(&[2, 3]);
        assert_eq!(g.len(), 6);
        assert_eq!(g[0], vec![0, 0]);
        assert_eq!(g[1], vec![0, 1]);
        assert_eq!(g[3], vec![1, 0]);
    }

    #[test]
    fn a_latin_hypercube_hits_every_stratum_once() {
        let n = 17;
        let pts = latin_hypercube(n, 3, 9);
        for d in 0..3 {
            let mut strata: Vec<usize> = pts.iter().map(|p| (p[d] * n as f64) as usize).collect();
            strata.sort();
            assert_eq!(strata, (0..n).collect::<Vec<_>>());
        }
        assert_eq!(pts, latin_hypercube(n, 3, 9), "seeded");
        assert_ne!(pts, latin_hypercube(n, 3, 10));
    }

    #[test]
    fn morris_moves_one_parameter_at_a_time_within_the_cube() {
        let k = 5;
        for t in morris(20, k, 4, 3) {
            assert_eq!(t.points.len(), k + 1);
            let mut moved: Vec<usize> = t.moves.iter().map(|m| m.0).collect();
            moved.sort();
            assert_eq!(moved, (0..k).collect::<Vec<_>>(), "each parameter once");
            for (j, &(i, d)) in t.moves.iter().enumerate() {
                assert!((d.abs() - morris_delta(4)).abs() < 1e-12);
                for q in 0..k {
                    let change = t.points[j + 1][q] - t.points[j][q];
                    if q == i {
                        assert!((change - d).abs() < 1e-12);
                    } else {
                        assert_eq!(change, 0.0);
                    }
                }
            }
            for p in &t.points {
                assert!(p.iter().all(|&u| (-1e-12..=1.0 + 1e-12).contains(&u)));
            }
        }
    }

    #[test]
    fn log_bounds_spread_by_powers_of_ten() {
        let b = Bounds {
            lo: 0.01,
            hi: 1.0,
            scale: ScaleKind::Log,
        };
        assert!((b.at(0.5) - 0.1).abs() < 1e-12);
    }
}
