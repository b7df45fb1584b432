//! Morris elementary effects: which parameters matter, from one-at-a-time moves.
//!
//! Along each trajectory, parameter `i` moves once, by ±Δ in the unit cube; its elementary
//! effect there is the change in the metric (the mean over replicates at each point) divided
//! by that move. Over `r` trajectories, μ* is the mean of the effects' absolute values (how
//! much the parameter matters; Campolongo, Cariboni & Saltelli 2007), μ their plain mean (its
//! direction) and σ their standard deviation (how much the effect depends on where one stands:
//! non-linearity or interaction with other parameters; Morris 1991).

use super::plan::MorrisPath;

/// One parameter's statistics for one metric.
#[derive(Clone, Debug, PartialEq)]
pub struct Effects {
    pub param: usize,
    pub mu_star: f64,
    pub mu: f64,
    pub sigma: f64,
    /// Elementary effects used (trajectories whose two points both have runs).
    pub n: usize,
}

/// μ*, μ and σ of every parameter, from the mean metric at each point (`None` for a point
/// without runs). Parameters are in axis order.
pub fn effects(paths: &[MorrisPath], params: usize, point_means: &[Option<f64>]) -> Vec<Effects> {
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); params];
    for path in paths {
        for (j, &(param, delta)) in path.moves.iter().enumerate() {
            let before = point_means.get(path.start + j).copied().flatten();
            let after = point_means.get(path.start + j + 1).copied().flatten();
            if let (Some(y0), Some(y1)) = (before, after)
                && param < params
                && delta != 0.0
            {
                samples[param].push((y1 - y0) / delta);
            }
        }
    }
    samples
        .into_iter()
        .enumerate()
        .map(|(param, ee)| {
            let n = ee.len();
            if n == 0 {
                return Effects {
                    param,
                    mu_star: f64::NAN,
                    mu: f64::NAN,
                    sigma: f64::NAN,
                    n,
                };
            }
            let mu = ee.iter().sum::<f64>() / n as f64;
            let mu_star = ee.iter().map(|e| e.abs()).sum::<f64>() / n as f64;
            let sigma = if n < 2 {
                f64::NAN
            } else {
                (ee.iter().map(|e| (e - mu) * (e - mu)).sum::<f64>() / (n - 1) as f64).sqrt()
            };
            Effects {
                param,
                mu_star,
                mu,
                sigma,
                n,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// y = 3·x0 + 0·x1 + x2², sampled along two trajectories by hand.
    #[test]
    fn effects_recover_a_known_function() {
        let f = |x: &[f64]| 3.0 * x[0] + x[2] * x[2];
        let d = 2.0 / 3.0;
        let traj = |start: [f64; 3], order: [(usize, f64); 3]| {
            let mut x = start.to_vec();
            let mut ys = vec![f(&x)];
            for &(i, s) in &order {
                x[i] += s;
                ys.push(f(&x));
            }
            ys
        };
        let a = traj([0.0, 0.0, 0.0], [(0, d), (1, d), (2, d)]);
        let b = traj([1.0, d, d], [(2, -d), (0, -d), (1, -d)]);
        let paths = vec![
            MorrisPath {
                start: 0,
                moves: vec![(0, d), (1, d), (2, d)],
            },
            MorrisPath {
                start: 4,
                moves: vec![(2, -d), (0, -d), (1, -d)],
            },
        ];
        let means: Vec<Option<f64>> = a.into_iter().chain(b).map(Some).collect();
        let e = effects(&paths, 3, &means);
        assert!((e[0].mu_star - 3.0).abs() < 1e-12 && (e[0].sigma).abs() < 1e-12);
        assert_eq!(e[1].mu_star, 0.0);
        // x2² from 0 to d has effect d; from d to 0 (moving down) also d: non-zero μ*.
        assert!((e[2].mu_star - d).abs() < 1e-12, "{:?}", e[2]);
        let partial: Vec<Option<f64>> = means
            .iter()
            .enumerate()
            .map(|(i, m)| if i == 1 { None } else { *m })
            .collect();
        assert_eq!(
            effects(&paths, 3, &partial)[0].n,
            1,
            "a missing point drops its moves"
        );
    }
}
