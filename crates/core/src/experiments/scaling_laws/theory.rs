//! Solvable model of neural scaling laws (Maloney, Roberts & Sully 2022).
//!
//! Latent `x = Λ^{1/2} z` with `z ~ N(0, I_M)`, linear teacher `y = aᵀz`, random features
//! `φ(x) = U x` with `U ∈ R^{N×M}` i.i.d. `N(0, 1)`, and `T` training samples. A linear predictor
//! written in `z` coordinates as `ŷ = wᵀz` has the exact test loss `|a − w|²`, so no test set is
//! sampled. Deterministic equivalents (large-size limits) are checked against exact solves.
//!
//! Both equivalents use one `κ`, the root of `Σ_I λ_I/(λ_I + κ) = n` (`n = N` or `T`). The
//! data-limited formula with `κ' = Tκ` is the same as `1 = Σ λ_I/(Tλ_I + κ')`.

use nalgebra::{DMatrix, DVector};

/// Latent spectrum `λ_I` (length `M`) and teacher power `E[a_I²]` (same length).
pub struct Spectrum {
    /// Latent variances `λ_I`, `I = 1..M`.
    pub lambda: Vec<f64>,
    /// Teacher power `p_I = E[a_I²]`.
    pub power: Vec<f64>,
}

/// Power-law spectrum `λ_I ∝ I^−(1+α)`, `I = 1..m`, normalised to `Σ λ = 1`; power `p = λ`.
pub fn power_law(m: usize, alpha: f64) -> Spectrum {
    let raw: Vec<f64> = (1..=m).map(|i| (i as f64).powf(-(1.0 + alpha))).collect();
    let sum: f64 = raw.iter().sum();
    let lambda: Vec<f64> = raw.iter().map(|r| r / sum).collect();
    Spectrum {
        power: lambda.clone(),
        lambda,
    }
}

/// Flat control spectrum `λ_I = p_I = 1/m` (exactly: the `α = −1` power law).
pub fn flat(m: usize) -> Spectrum {
    power_law(m, -1.0)
}

/// Root `κ > 0` of `Σ λ_I/(λ_I + κ) = n` for `0 < n < #{λ_I > 0}`, by bisection in `ln κ`.
fn kappa(lambda: &[f64], n: f64) -> f64 {
    let dof = |k: f64| lambda.iter().map(|l| l / (l + k)).sum::<f64>();
    let (mut lo, mut hi) = (1.0_f64, 1.0_f64);
    while dof(lo) < n && lo > 1e-300 {
        lo *= 1e-3;
    }
    while dof(hi) > n && hi < 1e300 {
        hi *= 1e3;
    }
    for _ in 0..200 {
        let mid = (lo * hi).sqrt();
        *(if dof(mid) > n { &mut lo } else { &mut hi }) = mid;
        if hi <= lo * (1.0 + 1e-15) {
            break;
        }
    }
    (lo * hi).sqrt()
}

/// Deterministic equivalent of the loss with `n` random features and unlimited data (`T = ∞`):
/// `L = Σ p_I κ/(λ_I + κ)`, `Σ λ_I/(λ_I + κ) = n`. `n ≤ 0` gives `Σ p`, `n ≥ M` gives 0.
pub fn feature_limited(s: &Spectrum, n: f64) -> f64 {
    if n <= 0.0 {
        return s.power.iter().sum();
    }
    if n >= s.lambda.len() as f64 {
        return 0.0;
    }
    let k = kappa(&s.lambda, n);
    s.lambda
        .iter()
        .zip(&s.power)
        .map(|(l, p)| p * k / (l + k))
        .sum()
}

/// Deterministic equivalent of ridgeless minimum-norm regression on `x` itself (`N = ∞`) with
/// `t` samples: `L = (1 − γ)⁻¹ Σ p_I κ²/(λ_I + κ)²`, `γ = t⁻¹ Σ λ_I²/(λ_I + κ)²`,
/// `Σ λ_I/(λ_I + κ) = t`. `t ≤ 0` gives `Σ p`, `t ≥ M` gives 0.
pub fn data_limited(s: &Spectrum, t: f64) -> f64 {
    if t <= 0.0 {
        return s.power.iter().sum();
    }
    if t >= s.lambda.len() as f64 {
        return 0.0;
    }
    let k = kappa(&s.lambda, t);
    let gamma: f64 = s.lambda.iter().map(|l| (l / (l + k)).powi(2)).sum::<f64>() / t;
    let bias: f64 = s
        .lambda
        .iter()
        .zip(&s.power)
        .map(|(l, p)| p * (k / (l + k)).powi(2))
        .sum();
    bias / (1.0 - gamma)
}

/// `rows × cols` matrix of `N(0, 1)` entries (filled column by column).
fn gaussian(rows: usize, cols: usize, normal: &mut dyn FnMut() -> f64) -> DMatrix<f64> {
    DMatrix::from_fn(rows, cols, |_, _| normal())
}

/// Teacher draw `a_I = sqrt(p_I) g_I` (length `M`).
fn teacher(s: &Spectrum, normal: &mut dyn FnMut() -> f64) -> DVector<f64> {
    DVector::from_iterator(s.power.len(), s.power.iter().map(|p| p.sqrt() * normal()))
}

/// Scales column `I` of `m` (`· × M`) by `sqrt(λ_I)`, i.e. `m ← m Λ^{1/2}`.
fn scale_columns(m: &mut DMatrix<f64>, lambda: &[f64]) {
    for (mut col, l) in m.column_iter_mut().zip(lambda) {
        col *= l.sqrt();
    }
}

/// Solves `(G + (μ + ε)I) x = rhs` for a symmetric PSD `G` (`k × k`) by Cholesky. The jitter `ε`
/// starts at `1e-12 ×` the mean diagonal of `G` (negligible unless `G` is numerically singular)
/// and grows ×100 until the factorisation succeeds, so the result is always finite.
fn spd_solve(g: &DMatrix<f64>, mu: f64, rhs: &DVector<f64>) -> DVector<f64> {
    let k = g.nrows();
    if k == 0 {
        return DVector::zeros(0);
    }
    let mut eps = (1e-12 * g.trace() / k as f64).max(f64::MIN_POSITIVE);
    loop {
        let shifted = g + DMatrix::identity(k, k) * (mu + eps);
        if let Some(chol) = shifted.cholesky() {
            return chol.solve(rhs);
        }
        eps *= 100.0;
    }
}

/// Exact loss, one draw, `T = ∞`: the best predictor on the features `U_N x` is the orthogonal
/// projection of `a` onto the row space of `G = U_N Λ^{1/2}` (`N × M`): `β = A⁻¹b` with
/// `A = GGᵀ = U Λ Uᵀ`, `b = G a = U Λ^{1/2} a`, `w = Gᵀβ`, `L = |a − w|² = aᵀa − bᵀA⁻¹b`.
/// Sizes in `ns` use the first `N` rows of one `U`; `N ≥ M` gives 0. Returns one loss per `ns`.
pub fn exact_feature_limited(
    s: &Spectrum,
    ns: &[usize],
    normal: &mut dyn FnMut() -> f64,
) -> Vec<f64> {
    let m = s.lambda.len();
    let a = teacher(s, normal);
    let n_max = ns.iter().copied().filter(|&n| n < m).max().unwrap_or(0);
    let mut g = gaussian(n_max, m, normal);
    scale_columns(&mut g, &s.lambda);
    let gram = &g * g.transpose();
    let b = &g * &a;
    ns.iter()
        .map(|&n| {
            if n >= m {
                return 0.0;
            }
            let gram_n = gram.view((0, 0), (n, n)).into_owned();
            let beta = spd_solve(&gram_n, 0.0, &b.rows(0, n).into_owned());
            (&a - g.rows(0, n).tr_mul(&beta)).norm_squared()
        })
        .collect()
}

/// Exact loss, one draw, `N = ∞`: ridgeless minimum-norm regression on `x` with `T` samples,
/// `X = Z Λ^{1/2}` (`T × M`), `y = Z a`, `v = Xᵀ(XXᵀ)⁻¹y` (x coordinates), `w = Λ^{1/2} v`,
/// `L = |a − w|²`. Sizes in `ts` use the first `T` rows of one `Z`; `T ≥ M` interpolates, 0.
pub fn exact_data_limited(s: &Spectrum, ts: &[usize], normal: &mut dyn FnMut() -> f64) -> Vec<f64> {
    let m = s.lambda.len();
    let a = teacher(s, normal);
    let t_max = ts.iter().copied().filter(|&t| t < m).max().unwrap_or(0);
    let mut x = gaussian(t_max, m, normal);
    let y = &x * &a;
    scale_columns(&mut x, &s.lambda);
    let gram = &x * x.transpose();
    let sqrt_l = DVector::from_iterator(m, s.lambda.iter().map(|l| l.sqrt()));
    ts.iter()
        .map(|&t| {
            if t >= m {
                return 0.0;
            }
            let gram_t = gram.view((0, 0), (t, t)).into_owned();
            let c = spd_solve(&gram_t, 0.0, &y.rows(0, t).into_owned());
            let w = x.rows(0, t).tr_mul(&c).component_mul(&sqrt_l);
            (&a - w).norm_squared()
        })
        .collect()
}

/// Exact loss, one draw, `T = t` samples and `N` features for each `N` in `ns` (first `N` rows
/// of one `U`). `F = X Uᵀ` (`T × N`), `y = Z a`, and
/// `β = argmin |y − Fβ|² + μ|β|²`, solved through the smaller Gram (`FᵀF`, `N × N`, or `FFᵀ`,
/// `T × T`), `w = Λ^{1/2} Uᵀ β`, `L = |a − w|²`. The ridge is relative:
/// `μ = ridge · tr(FFᵀ)/T`, the mean squared feature norm `|φ(x)|²` (≈ `N Σλ`).
/// `ridge = 0` is the minimum-norm fit; at `N = T` it stays finite through the jitter of the
/// Cholesky solve (`1e-12 ×` the Gram's mean diagonal, grown only if the factorisation fails).
pub fn exact_both(
    s: &Spectrum,
    ns: &[usize],
    t: usize,
    ridge: f64,
    normal: &mut dyn FnMut() -> f64,
) -> Vec<f64> {
    let m = s.lambda.len();
    let a = teacher(s, normal);
    let mut x = gaussian(t, m, normal);
    let y = &x * &a;
    scale_columns(&mut x, &s.lambda);
    let n_max = ns.iter().copied().max().unwrap_or(0);
    let u = gaussian(n_max, m, normal);
    let f = &x * u.transpose();
    let sqrt_l = DVector::from_iterator(m, s.lambda.iter().map(|l| l.sqrt()));
    ns.iter()
        .map(|&n| {
            let f_n = f.columns(0, n);
            let mu = ridge * f_n.norm_squared() / t.max(1) as f64;
            let beta = if n <= t {
                spd_solve(&f_n.tr_mul(&f_n), mu, &f_n.tr_mul(&y))
            } else {
                f_n.tr_mul(&spd_solve(&(f_n * f_n.transpose()), mu, &y))
            };
            let w = u.rows(0, n).tr_mul(&beta).component_mul(&sqrt_l);
            (&a - w).norm_squared()
        })
        .collect()
}

/// Least-squares slope of `ln y` against `ln x` over the points where both are finite and
/// positive; NaN when fewer than two such points (or all `x` equal).
pub fn log_slope(xs: &[f64], ys: &[f64]) -> f64 {
    let pts: Vec<(f64, f64)> = xs
        .iter()
        .zip(ys)
        .filter(|(x, y)| x.is_finite() && y.is_finite() && **x > 0.0 && **y > 0.0)
        .map(|(x, y)| (x.ln(), y.ln()))
        .collect();
    if pts.len() < 2 {
        return f64::NAN;
    }
    let k = pts.len() as f64;
    let (mx, my) = pts
        .iter()
        .fold((0.0, 0.0), |(sx, sy), (x, y)| (sx + x / k, sy + y / k));
    let sxy: f64 = pts.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = pts.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    sxy / sxx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    type Exact = fn(&Spectrum, &[usize], &mut dyn FnMut() -> f64) -> Vec<f64>;
    type Equiv = fn(&Spectrum, f64) -> f64;

    /// Per-size medians over an odd number `draws` of runs of `run`, seeded by `seed`.
    fn medians(
        draws: usize,
        seed: u64,
        run: impl Fn(&mut dyn FnMut() -> f64) -> Vec<f64>,
    ) -> Vec<f64> {
        let mut rng = Stream::new(seed, "scaling-laws/test");
        let runs: Vec<Vec<f64>> = (0..draws).map(|_| run(&mut || rng.normal())).collect();
        let median = |i: usize| {
            let mut v: Vec<f64> = runs.iter().map(|r| r[i]).collect();
            v.sort_by(f64::total_cmp);
            v[draws / 2]
        };
        (0..runs[0].len()).map(median).collect()
    }

    #[test]
    fn flat_spectrum_is_exactly_linear_and_n_t_dual() {
        let m = 2000;
        let s = flat(m);
        for n in [1.0, 25.0, 100.0, 400.0, 1999.0, 1999.5] {
            let want = 1.0 - n / m as f64;
            assert!(
                (feature_limited(&s, n) - want).abs() < 1e-9,
                "feature N={n}"
            );
            assert!((data_limited(&s, n) - want).abs() < 1e-9, "data T={n}");
        }
        assert_eq!(
            (feature_limited(&s, 2000.0), data_limited(&s, 5000.0)),
            (0.0, 0.0)
        );
        // With p = λ both equivalents reduce to L = κ n: the model's N <-> T duality.
        let s = power_law(2000, 0.7);
        for n in [3.0, 50.0, 700.0] {
            let (f, d) = (feature_limited(&s, n), data_limited(&s, n));
            assert!((f - d).abs() < 1e-9 * f, "duality at n={n}: {f} vs {d}");
        }
    }

    #[test]
    fn exact_medians_match_equivalents() {
        let sizes = [25, 50, 100, 200, 400];
        for alpha in [1.0, 0.5] {
            let s = power_law(2000, alpha);
            let cases: [(&str, Exact, Equiv); 2] = [
                ("feature", exact_feature_limited, feature_limited),
                ("data", exact_data_limited, data_limited),
            ];
            for (name, exact, equiv) in cases {
                let med = medians(21, 7, |nr| exact(&s, &sizes, nr));
                let mut worst: f64 = 0.0;
                for (&n, e) in sizes.iter().zip(&med) {
                    let d = equiv(&s, n as f64);
                    let rel = (e - d).abs() / d;
                    worst = worst.max(rel);
                    println!(
                        "alpha={alpha} {name:7} n={n:3} median={e:.4e} equiv={d:.4e} rel={rel:.3}"
                    );
                }
                println!("alpha={alpha} {name}: worst relative error {worst:.3}");
                // The equivalent is the mean; the median of the skewed loss sits a few % below
                // it at small sizes, and 21 draws leave ~5% noise at n = 25.
                assert!(worst < 0.15, "alpha={alpha} {name}: {worst}");
            }
        }
    }

    #[test]
    fn slopes_follow_alpha() {
        let sizes = [20, 30, 45, 67, 100, 150, 200];
        let xs: Vec<f64> = sizes.iter().map(|&n| n as f64).collect();
        let slope =
            |f: &dyn Fn(f64) -> f64| log_slope(&xs, &xs.iter().map(|&n| f(n)).collect::<Vec<_>>());
        for alpha in [1.0, 0.5] {
            let s = power_law(2000, alpha);
            let (eq_f, eq_d) = (
                slope(&|n| feature_limited(&s, n)),
                slope(&|t| data_limited(&s, t)),
            );
            let ex_f = log_slope(
                &xs,
                &medians(21, 11, |nr| exact_feature_limited(&s, &sizes, nr)),
            );
            let ex_d = log_slope(
                &xs,
                &medians(21, 13, |nr| exact_data_limited(&s, &sizes, nr)),
            );
            let big = power_law(200_000, alpha);
            let eq_big = slope(&|n| feature_limited(&big, n));
            println!(
                "alpha={alpha}: M=2000 equiv feature {eq_f:.3} data {eq_d:.3}, exact median \
                 feature {ex_f:.3} data {ex_d:.3}; M=200000 equiv {eq_big:.3}"
            );
            // At M = 2000 the cut-off of the tail steepens the α = 0.5 slope (≈ −0.58);
            // it reaches −α as M grows. The exact medians follow the equivalents.
            assert!((eq_f + alpha).abs() < 0.1 && (eq_d + alpha).abs() < 0.1);
            assert!((eq_big + alpha).abs() < 0.03);
            assert!((ex_f - eq_f).abs() < 0.06 && (ex_d - eq_d).abs() < 0.06);
        }
        let s = flat(2000);
        let (fl_f, fl_d) = (
            slope(&|n| feature_limited(&s, n)),
            slope(&|t| data_limited(&s, t)),
        );
        let fl_x = log_slope(
            &xs,
            &medians(11, 17, |nr| exact_feature_limited(&s, &sizes, nr)),
        );
        println!("flat: equiv feature {fl_f:.3} data {fl_d:.3}; exact feature {fl_x:.3}");
        assert!(fl_f > -0.15 && fl_d > -0.15 && fl_x > -0.15);
        // The drop once n approaches M (checked exactly at M = 300): far steeper than −α.
        let (s, near) = (power_law(300, 1.0), [150, 200, 250, 280, 295]);
        let xs: Vec<f64> = near.iter().map(|&n| n as f64).collect();
        let eq = log_slope(
            &xs,
            &xs.iter()
                .map(|&n| feature_limited(&s, n))
                .collect::<Vec<_>>(),
        );
        let ex = log_slope(
            &xs,
            &medians(11, 19, |nr| exact_feature_limited(&s, &near, nr)),
        );
        println!(
            "alpha=1, M=300, N in [150, 295]: equiv slope {eq:.3}, exact median slope {ex:.3}"
        );
        assert!(eq < -2.0 && ex < -2.0);
    }

    #[test]
    fn double_descent_peak_and_ridge() {
        let s = power_law(2000, 1.0);
        let ns = [25, 100, 400];
        for ridge in [0.0, 1e-1] {
            let l = medians(5, 23, |nr| exact_both(&s, &ns, 100, ridge, nr));
            println!(
                "ridge={ridge}: T=100, N=25 {:.4e}, N=100 {:.4e}, N=400 {:.4e}",
                l[0], l[1], l[2]
            );
            assert!(l.iter().all(|v| v.is_finite()));
            if ridge == 0.0 {
                assert!(l[1] > 5.0 * l[0] && l[1] > 5.0 * l[2]);
            } else {
                assert!(l[1] < 2.0 * l[0].min(l[2]));
            }
        }
    }

    #[test]
    fn the_largest_sizes_stay_finite_even_at_n_equal_t() {
        let s = power_law(2000, 1.0);
        let mut rng = Stream::new(5, "scaling-laws/test");
        let mut normal = || rng.normal();
        let ladder = [25, 100, 500];
        let f = exact_feature_limited(&s, &ladder, &mut normal);
        let d = exact_data_limited(&s, &ladder, &mut normal);
        let b = exact_both(&s, &ladder, 500, 0.0, &mut normal);
        assert!(
            f.iter()
                .chain(&d)
                .chain(&b)
                .all(|v| v.is_finite() && *v > 0.0)
        );
    }
}
