//! Closed-form least squares on the host, in f64, with nalgebra: the minimum-norm and ridge
//! solutions the double-descent and benign-overfitting experiments sweep.

use nalgebra::{Cholesky, DMatrix, Dyn};

/// Solves `(A + shift·I) X = B` for a symmetric positive semi-definite `A` by Cholesky.
///
/// The ridgeless limit (`shift = 0`) of a full-rank system is solved exactly; when rounding
/// makes a nearly singular `A` fail the factorisation, the smallest diagonal jitter that
/// works (10⁻¹⁴, 10⁻¹², … times the mean diagonal) is added and returned, so callers can
/// report how far from exact the solution is.
pub fn solve_spd(a: &DMatrix<f64>, shift: f64, b: &DMatrix<f64>) -> (DMatrix<f64>, f64) {
    let n = a.nrows();
    let scale = (a.trace() / n.max(1) as f64).abs().max(f64::MIN_POSITIVE);
    let mut jitter = 0.0;
    loop {
        let mut m = a.clone();
        for i in 0..n {
            m[(i, i)] += shift + jitter;
        }
        if let Some(chol) = Cholesky::<f64, Dyn>::new(m) {
            return (chol.solve(b), jitter);
        }
        jitter = if jitter == 0.0 {
            1e-14 * scale
        } else {
            jitter * 100.0
        };
        if jitter > scale {
            // Not positive semi-definite: only NaN input does this.
            return (DMatrix::from_element(n, b.ncols(), f64::NAN), jitter);
        }
    }
}

/// `A·Aᵀ` (the Gram matrix of A's rows).
pub fn gram(a: &DMatrix<f64>) -> DMatrix<f64> {
    a * a.transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_known_system() {
        let a = DMatrix::from_row_slice(2, 2, &[4.0, 1.0, 1.0, 3.0]);
        let b = DMatrix::from_row_slice(2, 1, &[1.0, 2.0]);
        let (x, jitter) = solve_spd(&a, 0.0, &b);
        assert_eq!(jitter, 0.0);
        assert!((x[(0, 0)] - 1.0 / 11.0).abs() < 1e-12);
        assert!((x[(1, 0)] - 7.0 / 11.0).abs() < 1e-12);
        let (x, _) = solve_spd(&a, 1.0, &b);
        // (A + I) x = b: [[5,1],[1,4]] x = [1,2]
        assert!((x[(0, 0)] - 2.0 / 19.0).abs() < 1e-12);
    }

    #[test]
    fn a_singular_system_gets_the_smallest_jitter() {
        let a = DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 1.0, 1.0]);
        let b = DMatrix::from_row_slice(2, 1, &[1.0, 1.0]);
        let (x, jitter) = solve_spd(&a, 0.0, &b);
        assert!(jitter > 0.0 && jitter < 1e-6, "{jitter}");
        // The solution fits b.
        let fit = &a * &x;
        assert!((fit[(0, 0)] - 1.0).abs() < 1e-6);
    }
}
