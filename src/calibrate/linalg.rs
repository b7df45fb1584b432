//! The little linear algebra the ABC kernel needs, for the few dozen parameters a calibration
//! has: a Cholesky factor, products with it and solves against it. Matrices are `k × k`,
//! row-major, in a flat slice.

/// The lower-triangular Cholesky factor `L` of a symmetric positive-definite matrix `a`
/// (`a = L Lᵀ`), computed row by row (the Cholesky–Banachiewicz order); `None` when a pivot is
/// not positive, that is when `a` is not positive definite to working precision.
pub fn cholesky(a: &[f64], k: usize) -> Option<Vec<f64>> {
    debug_assert_eq!(a.len(), k * k);
    let mut l = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let mut sum = a[i * k + j];
            for p in 0..j {
                sum -= l[i * k + p] * l[j * k + p];
            }
            if i == j {
                if !sum.is_finite() || sum <= 0.0 {
                    return None;
                }
                l[i * k + i] = sum.sqrt();
            } else {
                l[i * k + j] = sum / l[j * k + j];
            }
        }
    }
    Some(l)
}

/// The Cholesky factor of `a`, adding a small ridge to the diagonal when `a` is singular to
/// working precision (a population whose particles lie on a line, or fewer particles than
/// parameters). The ridge starts at 10⁻¹⁰ of the mean diagonal and grows a hundredfold until
/// the factor exists; a symmetric matrix always gets one, since a large enough ridge makes it
/// diagonally dominant.
pub fn cholesky_with_ridge(a: &[f64], k: usize) -> Vec<f64> {
    let trace: f64 = (0..k).map(|d| a[d * k + d]).sum();
    let scale = (trace / k as f64).max(1e-12);
    let mut ridge = 0.0;
    loop {
        let mut m = a.to_vec();
        for d in 0..k {
            m[d * k + d] += ridge;
        }
        if let Some(l) = cholesky(&m, k) {
            return l;
        }
        ridge = if ridge == 0.0 {
            1e-10 * scale
        } else {
            ridge * 100.0
        };
    }
}

/// `L z` for lower-triangular `l`.
pub fn lower_times(l: &[f64], k: usize, z: &[f64]) -> Vec<f64> {
    (0..k)
        .map(|i| (0..=i).map(|j| l[i * k + j] * z[j]).sum())
        .collect()
}

/// The squared length of `y` solving `L y = b` (forward substitution): the Mahalanobis
/// distance `bᵀ (L Lᵀ)⁻¹ b`. `y` is scratch space of length `k`.
pub fn mahalanobis_sq(l: &[f64], k: usize, b: &[f64], y: &mut [f64]) -> f64 {
    let mut total = 0.0;
    for i in 0..k {
        let mut sum = b[i];
        for j in 0..i {
            sum -= l[i * k + j] * y[j];
        }
        y[i] = sum / l[i * k + i];
        total += y[i] * y[i];
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_factor_rebuilds_the_matrix_and_solves_against_it() {
        // A = M Mᵀ + I for a fixed M: symmetric positive definite.
        let k = 4;
        let m: Vec<f64> = (0..k * k)
            .map(|i| ((i * 7 + 3) % 11) as f64 / 5.0 - 1.0)
            .collect();
        let mut a = vec![0.0; k * k];
        for i in 0..k {
            for j in 0..k {
                a[i * k + j] = (0..k).map(|p| m[i * k + p] * m[j * k + p]).sum::<f64>()
                    + if i == j { 1.0 } else { 0.0 };
            }
        }
        let l = cholesky(&a, k).unwrap();
        for i in 0..k {
            for j in 0..k {
                let llt: f64 = (0..k).map(|p| l[i * k + p] * l[j * k + p]).sum();
                assert!((llt - a[i * k + j]).abs() < 1e-12, "({i},{j})");
                if j > i {
                    assert_eq!(l[i * k + j], 0.0);
                }
            }
        }
        // bᵀ A⁻¹ b with b = L z is zᵀ z.
        let z = [0.3, -1.2, 0.7, 2.0];
        let b = lower_times(&l, k, &z);
        let mut y = vec![0.0; k];
        let d = mahalanobis_sq(&l, k, &b, &mut y);
        assert!((d - z.iter().map(|v| v * v).sum::<f64>()).abs() < 1e-12);
    }

    #[test]
    fn a_singular_matrix_has_no_factor_until_a_ridge_is_added() {
        // Rank one: every row the same direction.
        let a = [1.0, 2.0, 2.0, 4.0];
        assert!(cholesky(&a, 2).is_none());
        let l = cholesky_with_ridge(&a, 2);
        assert!(l[0] > 0.0 && l[3] > 0.0);
        assert!((l[0] * l[0] - 1.0).abs() < 1e-6);
        assert!(cholesky(&[-1.0], 1).is_none());
    }
}
