//! The covariance spectra of the `linear` mode and what is known about them before any fit:
//! effective ranks, the isotropic case's exact expected test error, and the sweep's plan
//! (burn-free; the sweep itself is `linear`, engine only).

/// Columns of X per unit of work.
pub const CHUNK: usize = 2000;

/// Noise levels of the curve, as multiples of the reference σ: quarter decades from σ/10 to
/// 10σ (index 8 is σ itself).
pub const NOISE_STEPS: usize = 17;
pub const REFERENCE: usize = 8;

/// The constant b in k* = min{k : r_k ≥ b·n}.
pub const B: f64 = 1.0;

/// A two-level covariance spectrum: `strong` directions of variance 1, then `tail` directions
/// of variance `tail_var`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spectrum {
    pub strong: usize,
    pub tail: usize,
    pub tail_var: f64,
}

impl Spectrum {
    pub fn dim(&self) -> usize {
        self.strong + self.tail
    }

    /// The variance of direction `j` (0-based, decreasing).
    pub fn var(&self, j: usize) -> f64 {
        if j < self.strong { 1.0 } else { self.tail_var }
    }

    /// Σ_{i>k} λᵢ and Σ_{i>k} λᵢ² (the directions after the first k).
    fn tail_sums(&self, k: usize) -> (f64, f64) {
        let strong = self.strong.saturating_sub(k) as f64;
        let tail = (self.tail - k.saturating_sub(self.strong)) as f64;
        (
            strong + tail * self.tail_var,
            strong + tail * self.tail_var * self.tail_var,
        )
    }

    /// r_k = Σ_{i>k} λᵢ / λ_{k+1}.
    pub fn r(&self, k: usize) -> f64 {
        self.tail_sums(k).0 / self.var(k)
    }

    /// R_k = (Σ_{i>k} λᵢ)² / Σ_{i>k} λᵢ².
    pub fn big_r(&self, k: usize) -> f64 {
        let (s1, s2) = self.tail_sums(k);
        s1 * s1 / s2
    }

    /// k* = the first k with r_k ≥ b·n, if any.
    pub fn k_star(&self, n: usize) -> Option<usize> {
        (0..self.dim()).find(|&k| self.r(k) >= B * n as f64)
    }
}

/// One covariance case of the experiment (one run).
#[derive(Clone, Debug)]
pub struct Case {
    pub label: &'static str,
    pub spectrum: Spectrum,
}

impl Case {
    /// Chunks of [`CHUNK`] columns the design is drawn in.
    pub fn chunks(&self) -> usize {
        self.spectrum.dim().div_ceil(CHUNK)
    }
}

/// Units of work of a linear sweep over `cases` with `trials` designs: per trial and case, two
/// passes over the chunks and one solve.
pub fn units(cases: &[Case], trials: usize) -> usize {
    trials * cases.iter().map(|c| 2 * c.chunks() + 1).sum::<usize>()
}

/// The expected test error of the minimum-norm interpolator with isotropic Gaussian inputs in
/// p > n + 1 dimensions (Belkin, Hsu & Xu 2019; Hastie et al. 2019): σ²(1 + n/(p − n − 1)) for
/// the noise plus |θ|²(1 − n/p) for the signal the n samples leave unexplained.
pub fn isotropic_test_mse(n: usize, p: usize, sigma: f64, theta_norm: f64) -> Option<f64> {
    if p <= n + 1 {
        return None;
    }
    let (n, p) = (n as f64, p as f64);
    Some(sigma * sigma * (1.0 + n / (p - n - 1.0)) + theta_norm * theta_norm * (1.0 - n / p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effective_ranks_of_a_spiked_spectrum() {
        let s = Spectrum {
            strong: 5,
            tail: 20_000,
            tail_var: 0.001,
        };
        assert!((s.r(0) - 25.0).abs() < 1e-9);
        assert!((s.r(5) - 20_000.0).abs() < 1e-6);
        assert_eq!(s.k_star(200), Some(5));
        // R_5 = (20)² / (20,000 · 10⁻⁶).
        assert!((s.big_r(5) - 20_000.0).abs() < 1e-6);
        let iso = Spectrum {
            strong: 210,
            tail: 0,
            tail_var: 1.0,
        };
        assert_eq!(iso.k_star(200), Some(0));
        assert!((iso.big_r(0) - 210.0).abs() < 1e-9);
        assert_eq!(iso.k_star(300), None);
    }
}
