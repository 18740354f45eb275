//! Seeded, portable random streams.
//!
//! Every random choice an experiment makes comes from a ChaCha stream derived from one of the
//! spec's seeds and a purpose label, so that data, initial weights and batch order can be
//! varied independently and reproduce bit for bit on every platform and backend (weights and
//! data are generated on the host, never with the device's own RNG).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A deterministic random stream.
pub struct Stream(ChaCha8Rng);

impl Stream {
    /// The stream for `purpose` under `seed`. Different purposes give independent streams.
    pub fn new(seed: u64, purpose: &str) -> Self {
        // FNV-1a of the purpose, mixed into the seed: stable across versions and platforms.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in purpose.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Self(ChaCha8Rng::seed_from_u64(seed ^ h.rotate_left(17)))
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Uniform integer in [0, n). `n` must be positive.
    pub fn below(&mut self, n: usize) -> usize {
        self.0.random_range(0..n)
    }

    /// Standard normal (Box–Muller; one value per call keeps the stream simple to reason about).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // (0, 1]: ln is finite
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    /// A permutation of 0..n.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        self.shuffle(&mut p);
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_and_purpose_repeat() {
        let a: Vec<f64> = (0..5)
            .map({
                let mut s = Stream::new(7, "data");
                move |_| s.uniform()
            })
            .collect();
        let b: Vec<f64> = (0..5)
            .map({
                let mut s = Stream::new(7, "data");
                move |_| s.uniform()
            })
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn purposes_are_independent() {
        let mut a = Stream::new(7, "data");
        let mut b = Stream::new(7, "init");
        assert_ne!(a.uniform(), b.uniform());
    }

    #[test]
    fn normal_has_unit_moments() {
        let mut s = Stream::new(1, "normal");
        let xs: Vec<f64> = (0..20_000).map(|_| s.normal()).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "var {var}");
    }

    #[test]
    fn permutation_is_a_permutation() {
        let mut p = Stream::new(3, "order").permutation(100);
        p.sort_unstable();
        assert_eq!(p, (0..100).collect::<Vec<_>>());
    }
}
