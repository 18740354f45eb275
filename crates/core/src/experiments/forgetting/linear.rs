//! Two tasks of linear regression solved in closed form (engine only, f64 on the host): what
//! gradient descent from zero reaches after each task, and how much of the first it forgets.
//!
//! Task 1 has d samples X ∈ R^{d×p} (p > d: overparameterised) and answers y = Xw*. Task 2 is
//! the same data with a random orthogonal map applied to a random m-dimensional subspace of the
//! features, X₂ = XOᵀ, and the same answers. Gradient descent from zero ends at the
//! minimum-norm solution of each task in turn:
//!   w₁ = X⁺y,  w₂ = w₁ + X₂⁺(y − X₂w₁),  forgetting F = ‖Xw₂ − y‖² / ‖y‖².
//! X₂X₂ᵀ = XXᵀ, so one Cholesky factor of the d × d Gram matrix serves both tasks and every m.

use nalgebra::{DMatrix, DVector};

use crate::rng::Stream;

/// Forgetting at every number of rotated features in `rotated` (each at most p), for one draw
/// of the data, the teacher and the nested random subspaces (the m-dimensional one is the span
/// of the first m columns of one random orthogonal matrix), so the levels share the draw.
/// `None` when the Gram matrix is singular to working precision (d too close to p).
pub fn forgetting_draw(
    d: usize,
    p: usize,
    rotated: &[usize],
    rng: &mut Stream,
) -> Option<Vec<f64>> {
    let x = DMatrix::from_fn(d, p, |_, _| rng.normal());
    let teacher = DVector::from_fn(p, |_, _| rng.normal());
    let basis = orthogonal(p, rng);
    let y = &x * &teacher;
    let gram = &x * x.transpose();
    let chol = gram.cholesky()?;
    // w₁ = Xᵀ(XXᵀ)⁻¹y: task 1 fitted exactly.
    let w1 = x.transpose() * chol.solve(&y);
    let norm = y.norm_squared();
    let mut out = Vec::with_capacity(rotated.len());
    for &m in rotated {
        let m = m.min(p);
        // O = I + U(R − I)Uᵀ: R a random orthogonal m × m map on the span of U.
        let o = if m == 0 {
            DMatrix::identity(p, p)
        } else {
            let u = basis.columns(0, m).into_owned();
            let r = orthogonal(m, rng);
            DMatrix::identity(p, p) + &u * (r - DMatrix::identity(m, m)) * u.transpose()
        };
        let x2 = &x * o.transpose();
        let residual = &y - &x2 * &w1;
        let w2 = &w1 + x2.transpose() * chol.solve(&residual);
        let error = (&x * w2 - &y).norm_squared();
        out.push(error / norm);
    }
    out.iter().all(|f| f.is_finite()).then_some(out)
}

/// A random orthogonal n × n matrix, uniform (Haar): the Q of a Gaussian matrix's QR with the
/// signs of R's diagonal moved into Q.
pub fn orthogonal(n: usize, rng: &mut Stream) -> DMatrix<f64> {
    let g = DMatrix::from_fn(n, n, |_, _| rng.normal());
    let qr = g.qr();
    let mut q = qr.q();
    let r = qr.r();
    for j in 0..n {
        if r[(j, j)] < 0.0 {
            q.column_mut(j).neg_mut();
        }
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gradient descent from zero on the squared error of `x`, to convergence.
    fn descend(x: &DMatrix<f64>, y: &DVector<f64>, mut w: DVector<f64>) -> DVector<f64> {
        let rate = 1.0 / (x.transpose() * x).norm();
        for _ in 0..200_000 {
            w -= x.transpose() * (x * &w - y) * rate;
        }
        w
    }

    #[test]
    fn the_closed_form_is_where_gradient_descent_from_zero_ends() {
        let (d, p, m) = (5, 12, 6);
        let mut rng = Stream::new(3, "forgetting/test");
        let x = DMatrix::from_fn(d, p, |_, _| rng.normal());
        let y = &x * DVector::from_fn(p, |_, _| rng.normal());
        let basis = orthogonal(p, &mut rng);
        let u = basis.columns(0, m).into_owned();
        let r = orthogonal(m, &mut rng);
        let o = DMatrix::identity(p, p) + &u * (r - DMatrix::identity(m, m)) * u.transpose();
        let x2 = &x * o.transpose();
        let w1 = descend(&x, &y, DVector::zeros(p));
        let w2 = descend(&x2, &y, w1.clone());
        let descended = (&x * w2 - &y).norm_squared() / y.norm_squared();
        // The same draw through the closed form.
        let chol = (&x * x.transpose()).cholesky().expect("full rank");
        let c1 = x.transpose() * chol.solve(&y);
        assert!((&c1 - &w1).norm() < 1e-8 * c1.norm(), "w₁ differs");
        let c2 = &c1 + x2.transpose() * chol.solve(&(&y - &x2 * &c1));
        let closed = (&x * c2 - &y).norm_squared() / y.norm_squared();
        assert!(
            (descended - closed).abs() < 1e-8 * closed.max(1e-12),
            "{descended} against {closed}"
        );
        assert!(closed > 1e-3, "the tasks differ, so something is forgotten");
    }

    #[test]
    fn identical_tasks_forget_nothing_and_the_map_is_orthogonal() {
        let mut rng = Stream::new(1, "forgetting/test");
        let q = orthogonal(7, &mut rng);
        assert!((q.transpose() * &q - DMatrix::identity(7, 7)).norm() < 1e-12);
        let f = forgetting_draw(4, 10, &[0, 5, 10], &mut rng).expect("full rank");
        assert!(f[0] < 1e-20, "identical tasks: {}", f[0]);
        assert!(f[1] > 0.0 && f[2] > 0.0, "{f:?}");
    }
}
