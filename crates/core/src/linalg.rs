//! Closed-form least squares on the host, with nalgebra: the minimum-norm and ridge solutions
//! the double-descent and benign-overfitting experiments sweep, to double precision (the
//! factorisations run in single precision where iterative refinement recovers the rest).

use nalgebra::{Cholesky, DMatrix, DMatrixView, DMatrixViewMut, Dyn, RealField};

/// Block width of the blocked Cholesky factorisation and of the symmetric rank-k updates: wide
/// enough that nearly all the work is matrix products (which nalgebra hands to
/// `matrixmultiply`), narrow enough that the unblocked parts stay small.
const BLOCK: usize = 96;

/// `target += alpha · P·Pᵀ` on and below the diagonal (a symmetric rank-k update that does about
/// half the work of the full product). Entries above the diagonal are left in an unspecified
/// state: read only the lower triangle of `target` afterwards.
///
/// # Shapes
/// - target: `[n, n]`, panel: `[n, k]`
pub fn syrk_lower<T: RealField + Copy>(
    mut target: DMatrixViewMut<'_, T>,
    panel: DMatrixView<'_, T>,
    alpha: T,
) {
    let n = target.nrows();
    debug_assert_eq!(target.ncols(), n);
    debug_assert_eq!(panel.nrows(), n);
    let panel_t = panel.transpose();
    let mut c = 0;
    while c < n {
        let w = BLOCK.min(n - c);
        // Block column c..c+w from its diagonal block down.
        target.view_mut((c, c), (n - c, w)).gemm(
            alpha,
            &panel.rows(c, n - c),
            &panel_t.columns(c, w),
            T::one(),
        );
        c += w;
    }
}

/// `target += A·Aᵀ` on and below the diagonal, the product formed in single precision and
/// added in double: the Gram sums of a sweep's feature blocks, where f32 keeps about seven digits
/// of each block's sum (the fits agree with an all-f64 computation to about six) and runs on
/// WebAssembly's single-precision SIMD kernels. Only block columns from the diagonal down are
/// updated (about half the work): read only the lower triangle of `target` afterwards.
///
/// # Shapes
/// - target: `[n, n]`, a: `[n, k]`
pub fn add_gram_single(target: &mut DMatrix<f64>, a: &DMatrix<f32>) {
    let n = target.nrows();
    debug_assert_eq!((target.ncols(), a.nrows()), (n, n));
    let mut c = 0;
    while c < n {
        let w = BLOCK.min(n - c);
        let block = a.rows(c, n - c) * a.rows(c, w).transpose();
        target
            .view_mut((c, c), (n - c, w))
            .zip_apply(&block, |t, p| *t += f64::from(p));
        c += w;
    }
}

/// The Cholesky factor of a symmetric positive definite matrix, blocked so that most of the
/// work is matrix products; reads only the lower triangle. `None` when a pivot is not positive
/// (the matrix is singular or indefinite to working precision, or holds NaN).
pub fn cholesky<T: RealField + Copy>(a: DMatrix<T>) -> Option<Cholesky<T, Dyn>> {
    factor(a, false)
}

/// [`cholesky`]; with `invert_blocks`, each panel below a diagonal block is solved as one
/// matrix product with the block's inverse instead of by substitution: faster, a little less
/// accurate on ill-conditioned blocks (fine for a factor that iterative refinement corrects).
fn factor<T: RealField + Copy>(mut a: DMatrix<T>, invert_blocks: bool) -> Option<Cholesky<T, Dyn>> {
    let n = a.nrows();
    assert_eq!(a.ncols(), n, "Cholesky of a non-square matrix");
    let mut k = 0;
    while k < n {
        let kb = BLOCK.min(n - k);
        let end = k + kb;
        // The diagonal block, column by column (its updates from earlier blocks are done).
        for j in k..end {
            for p in k..j {
                let f = a[(j, p)];
                for i in j..end {
                    let v = a[(i, p)];
                    a[(i, j)] -= f * v;
                }
            }
            let pivot = a[(j, j)];
            // Also false for NaN.
            if !(pivot > T::zero() && pivot.is_finite()) {
                return None;
            }
            let root = pivot.sqrt();
            a[(j, j)] = root;
            for i in j + 1..end {
                a[(i, j)] /= root;
            }
        }
        let rest = n - end;
        if rest > 0 && invert_blocks {
            // The panel below it: L21 = A21 · L11⁻ᵀ as a product.
            let mut inverse = DMatrix::<T>::identity(kb, kb);
            a.view((k, k), (kb, kb))
                .solve_lower_triangular_mut(&mut inverse);
            let mut panel = DMatrix::<T>::zeros(rest, kb);
            panel.gemm(
                T::one(),
                &a.view((end, k), (rest, kb)),
                &inverse.transpose(),
                T::zero(),
            );
            a.view_mut((end, k), (rest, kb)).copy_from(&panel);
            syrk_lower(
                a.view_mut((end, end), (rest, rest)),
                panel.as_view(),
                -T::one(),
            );
        } else if rest > 0 {
            // The panel below it: L21 = A21 · L11⁻ᵀ, column by column.
            let mut panel = a.view((end, k), (rest, kb)).into_owned();
            // Over plain column slices (the inner loops vectorise).
            let values = panel.as_mut_slice();
            for j in 0..kb {
                let (earlier, column) = values.split_at_mut(j * rest);
                let column = &mut column[..rest];
                for (p, earlier) in earlier.chunks_exact(rest).enumerate() {
                    let f = a[(k + j, k + p)];
                    for (c, e) in column.iter_mut().zip(earlier) {
                        *c -= f * *e;
                    }
                }
                let pivot = a[(k + j, k + j)];
                for c in column.iter_mut() {
                    *c /= pivot;
                }
            }
            a.view_mut((end, k), (rest, kb)).copy_from(&panel);
            // The trailing matrix: A22 -= L21·L21ᵀ.
            syrk_lower(
                a.view_mut((end, end), (rest, rest)),
                panel.as_view(),
                -T::one(),
            );
        }
        k = end;
    }
    Some(Cholesky::pack_dirty(a))
}

/// A Cholesky factor `L` in single precision, kept with `Lᵀ` so that both triangular solves
/// are mostly matrix products.
struct SingleFactor {
    lower: DMatrix<f32>,
    upper: DMatrix<f32>,
}

impl SingleFactor {
    fn new(a: &DMatrix<f64>) -> Option<Self> {
        let lower = factor(a.map(|v| v as f32), true)?.unpack();
        Some(Self {
            upper: lower.transpose(),
            lower,
        })
    }

    /// Overwrites `b` with `(L·Lᵀ)⁻¹ b`, block by block: each diagonal block's small
    /// triangular solve, then one product updates the rows still to come.
    fn solve_mut(&self, b: &mut DMatrix<f32>) {
        let n = self.lower.nrows();
        // L·Y = B, top down.
        let mut k = 0;
        while k < n {
            let end = (k + BLOCK).min(n);
            let kb = end - k;
            self.lower
                .view((k, k), (kb, kb))
                .solve_lower_triangular_mut(&mut b.rows_mut(k, kb));
            if end < n {
                let (done, mut rest) = b.rows_range_pair_mut(k..end, end..);
                rest.gemm(-1.0, &self.lower.view((end, k), (n - end, kb)), &done, 1.0);
            }
            k = end;
        }
        // Lᵀ·X = Y, bottom up.
        let mut end = n;
        while end > 0 {
            let k = end.saturating_sub(BLOCK);
            let kb = end - k;
            self.upper
                .view((k, k), (kb, kb))
                .solve_upper_triangular_mut(&mut b.rows_mut(k, kb));
            if k > 0 {
                let (mut rest, done) = b.rows_range_pair_mut(0..k, k..end);
                rest.gemm(-1.0, &self.upper.view((0, k), (k, kb)), &done, 1.0);
            }
            end = k;
        }
    }
}

/// Most refinement steps tried before falling back to a double-precision factorisation.
const REFINE_STEPS: usize = 12;

/// Solves `A·X = B` (`A` symmetric, both triangles filled) to double-precision accuracy with
/// a single-precision factor: mixed-precision iterative refinement. Each step solves for the
/// correction with the f32 factor and recomputes the residual in f64; it stops when every
/// column's residual is at the level a double-precision Cholesky solve leaves. `None` when
/// the f32 factorisation breaks down or the steps stop converging quickly (the matrix is too
/// ill-conditioned for single precision): the caller then factors in f64.
///
/// On WebAssembly, matrix products run about five times faster in f32 (SIMD kernels) than
/// in f64, so this roughly halves a kernel solve in the browser.
fn solve_refined(a: &DMatrix<f64>, b: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    let n = a.nrows();
    let factor = SingleFactor::new(a)?;
    // The stopping rule of LAPACK's mixed-precision solvers: |r|∞ < |x|∞·|A|∞·ε·√n per
    // column, with ε the f64 unit roundoff.
    let a_norm = a.row_iter().map(|row| row.abs().sum()).fold(0.0, f64::max);
    let tolerance = a_norm * f64::EPSILON * (n as f64).sqrt();
    let mut x = DMatrix::<f64>::zeros(n, b.ncols());
    let mut residual = b.clone();
    let mut previous = f64::INFINITY;
    for _ in 0..REFINE_STEPS {
        // Scaled so that small residuals keep f32's full precision.
        let scale = residual.amax();
        if scale == 0.0 {
            return Some(x);
        }
        let mut correction = residual.map(|v| (v / scale) as f32);
        factor.solve_mut(&mut correction);
        x.zip_apply(&correction, |x, d| *x += f64::from(d) * scale);
        residual.copy_from(b);
        residual.gemm(-1.0, a, &x, 1.0);
        if !residual.iter().all(|v| v.is_finite()) {
            return None;
        }
        let converged = residual
            .column_iter()
            .zip(x.column_iter())
            .all(|(r, x)| r.amax() <= x.amax() * tolerance);
        if converged {
            return Some(x);
        }
        // Each step should gain digits; a slow one means single precision is not enough.
        let size = residual.amax();
        if size > 0.5 * previous {
            return None;
        }
        previous = size;
    }
    None
}

/// Solves `(A + shift·I) X = B` for a symmetric positive semi-definite `A` by Cholesky,
/// reading only the lower triangle of `A`.
///
/// The system is solved to double precision, first with a single-precision factor and
/// iterative refinement (see [`solve_refined`]), else with a double-precision factor. The
/// ridgeless limit (`shift = 0`) of a full-rank system is solved exactly; when rounding
/// makes a nearly singular `A` fail the factorisation, the smallest diagonal jitter that
/// works (10⁻¹⁴, 10⁻¹², … times the mean diagonal) is added and returned, so callers can
/// report how far from exact the solution is.
pub fn solve_spd(a: &DMatrix<f64>, shift: f64, b: &DMatrix<f64>) -> (DMatrix<f64>, f64) {
    let n = a.nrows();
    let mut shifted = a.clone();
    shifted.fill_upper_triangle_with_lower_triangle();
    for i in 0..n {
        shifted[(i, i)] += shift;
    }
    if let Some(x) = solve_refined(&shifted, b) {
        return (x, 0.0);
    }
    let scale = (a.trace() / n.max(1) as f64).abs().max(f64::MIN_POSITIVE);
    let mut jitter = 0.0;
    loop {
        let mut m = shifted.clone();
        for i in 0..n {
            m[(i, i)] += jitter;
        }
        if let Some(chol) = cholesky(m) {
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

    fn random_spd(n: usize, seed: u64) -> DMatrix<f64> {
        let mut rng = crate::rng::Stream::new(seed, "linalg-test");
        let x = DMatrix::from_fn(n, n + 3, |_, _| rng.normal());
        &x * x.transpose()
    }

    #[test]
    fn blocked_cholesky_matches_the_unblocked_one() {
        // Sizes below, at and across block boundaries (ragged last block).
        for n in [1, 5, BLOCK, BLOCK + 1, 2 * BLOCK + 37] {
            let a = random_spd(n, n as u64);
            let mine = cholesky(a.clone()).expect("positive definite").unpack();
            let reference = Cholesky::new(a.clone())
                .expect("positive definite")
                .unpack();
            let diff = (&mine - &reference).abs().max();
            assert!(diff < 1e-9 * reference.abs().max(), "n = {n}: {diff}");
            // The upper triangle of the input is never read.
            let mut lower_only = a.clone();
            lower_only.fill_upper_triangle(f64::NAN, 1);
            let again = cholesky(lower_only)
                .expect("reads the lower triangle")
                .unpack();
            assert_eq!(again, mine);
        }
    }

    #[test]
    fn cholesky_refuses_indefinite_and_nan_matrices() {
        let mut a = random_spd(2 * BLOCK + 5, 9);
        a[(BLOCK + 7, BLOCK + 7)] = -1e6;
        assert!(cholesky(a.clone()).is_none());
        a[(BLOCK + 7, BLOCK + 7)] = f64::NAN;
        assert!(cholesky(a).is_none());
    }

    #[test]
    fn single_precision_products_match_double_ones() {
        let mut rng = crate::rng::Stream::new(6, "linalg-test");
        let (n, k) = (2 * BLOCK + 9, 64);
        let a = DMatrix::from_fn(n, k, |_, _| rng.normal());
        let mut lower = DMatrix::from_element(n, n, 1.0);
        add_gram_single(&mut lower, &a.map(|v| v as f32));
        let expected = DMatrix::from_element(n, n, 1.0) + &a * a.transpose();
        for j in 0..n {
            for i in j..n {
                assert!(
                    (lower[(i, j)] - expected[(i, j)]).abs() < 1e-4,
                    "({i}, {j})"
                );
            }
        }
    }

    #[test]
    fn syrk_fills_the_lower_triangle_of_the_product() {
        let n = 2 * BLOCK + 11;
        let mut rng = crate::rng::Stream::new(4, "linalg-test");
        let p = DMatrix::from_fn(n, 17, |_, _| rng.normal());
        let mut target = random_spd(n, 5);
        let expected = &target - 2.0 * &p * p.transpose();
        syrk_lower(target.as_view_mut(), p.as_view(), -2.0);
        for j in 0..n {
            for i in j..n {
                assert!(
                    (target[(i, j)] - expected[(i, j)]).abs() < 1e-9,
                    "({i}, {j})"
                );
            }
        }
    }

    /// A symmetric matrix with eigenvalues spread geometrically from 1 down to `1 / cond`.
    fn conditioned(n: usize, cond: f64, seed: u64) -> DMatrix<f64> {
        let mut rng = crate::rng::Stream::new(seed, "linalg-test");
        let q = DMatrix::from_fn(n, n, |_, _| rng.normal()).qr().q();
        let d = DMatrix::from_fn(n, n, |i, j| {
            if i == j {
                cond.powf(-(i as f64) / (n - 1) as f64)
            } else {
                0.0
            }
        });
        let a = &q * d * q.transpose();
        (&a + a.transpose()) * 0.5
    }

    #[test]
    fn single_precision_factors_solve_like_double_ones() {
        let n = 2 * BLOCK + 37;
        let a = random_spd(n, 12);
        let factor = SingleFactor::new(&a).expect("positive definite");
        let mut rng = crate::rng::Stream::new(13, "linalg-test");
        let b = DMatrix::from_fn(n, 3, |_, _| rng.normal());
        let mut x = b.map(|v| v as f32);
        factor.solve_mut(&mut x);
        let expected = Cholesky::new(a.clone())
            .expect("positive definite")
            .solve(&b);
        let diff = (x.map(f64::from) - &expected).amax() / expected.amax();
        assert!(diff < 1e-3, "{diff}");
    }

    #[test]
    fn refinement_reaches_double_precision() {
        let n = 2 * BLOCK + 37;
        let a = conditioned(n, 1e4, 14);
        let mut rng = crate::rng::Stream::new(15, "linalg-test");
        let b = DMatrix::from_fn(n, 4, |_, _| rng.normal());
        let x = solve_refined(&a, &b).expect("well enough conditioned for f32");
        let expected = Cholesky::new(a.clone())
            .expect("positive definite")
            .solve(&b);
        // Forward error of a double-precision solve: about cond·ε.
        let diff = (&x - &expected).amax() / expected.amax();
        assert!(diff < 1e-10, "{diff}");
        // The residual a double-precision solve leaves: ~|A|∞·|x|·ε.
        let a_norm = a.row_iter().map(|row| row.abs().sum()).fold(0.0, f64::max);
        let residual = (&b - &a * &x).amax() / (a_norm * x.amax());
        assert!(residual < 1e-14, "{residual}");
    }

    #[test]
    fn ill_conditioned_systems_fall_back_to_double_precision() {
        let n = BLOCK + 40;
        let a = conditioned(n, 1e11, 16);
        let mut rng = crate::rng::Stream::new(17, "linalg-test");
        let b = DMatrix::from_fn(n, 2, |_, _| rng.normal());
        assert!(solve_refined(&a, &b).is_none());
        let (x, jitter) = solve_spd(&a, 0.0, &b);
        assert_eq!(jitter, 0.0);
        let residual = (&b - &a * &x).amax() / (a.amax() * x.amax());
        assert!(residual < 1e-13, "{residual}");
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
