//! Sample-wise double descent: minimum-norm linear regression in a fixed dimension d on
//! Gaussian inputs, the number of training samples n swept across d. The test error peaks at
//! n = d: near the threshold, more data hurts.

use crate::experiments::double_descent::metric;
use nalgebra::{DMatrix, DVector};

use super::{DoubleDescentSpec, grid};
use crate::linalg::solve_spd;
use crate::rng::Stream;

/// The sweep's state between units (one unit = one trial at one sample size).
pub struct SampleSweep {
    grid: Vec<usize>,
    dim: usize,
    noise: f64,
    trials: usize,
    ridges: Vec<f64>,
    /// The true coefficients, |β| = 1.
    beta: DVector<f64>,
    seed: u64,
    next: usize,
    /// Per run, per metric: sums over the current point's trials.
    sums: Vec<[f64; 3]>,
}

impl SampleSweep {
    pub fn new(spec: &DoubleDescentSpec) -> Self {
        let mut rng = Stream::new(spec.init_seed, "double-descent/beta");
        let beta = DVector::from_fn(spec.samples.dim, |_, _| rng.normal());
        let beta = &beta / beta.norm().max(f64::MIN_POSITIVE);
        let mut ridges = vec![0.0];
        if spec.grid.ridge > 0.0 {
            ridges.push(spec.grid.ridge);
        }
        Self {
            grid: grid::sizes(
                spec.samples.dim,
                spec.grid.ratio_min,
                spec.grid.ratio_max,
                spec.grid.points,
            ),
            dim: spec.samples.dim,
            noise: spec.samples.noise,
            trials: spec.samples.trials,
            sums: vec![[0.0; 3]; ridges.len()],
            ridges,
            beta,
            seed: spec.data_seed,
            next: 0,
        }
    }

    pub fn grid(&self) -> &[usize] {
        &self.grid
    }

    pub fn ridges(&self) -> &[f64] {
        &self.ridges
    }

    pub fn units(&self) -> usize {
        self.grid.len() * self.trials
    }

    pub fn units_done(&self) -> usize {
        self.next
    }

    /// Runs the next trial; returns each run's trial-averaged metrics when a size is done.
    pub fn step(&mut self) -> Option<Vec<Vec<(&'static str, f64)>>> {
        if self.next >= self.units() {
            return None;
        }
        let (index, trial) = (self.next / self.trials, self.next % self.trials);
        self.next += 1;
        let n = self.grid[index];
        let mut rng = Stream::new(
            self.seed ^ ((index as u64) << 32 | trial as u64),
            "double-descent/gaussian-design",
        );
        let x = DMatrix::from_fn(n, self.dim, |_, _| rng.normal());
        let y = &x * &self.beta + DVector::from_fn(n, |_, _| self.noise * rng.normal());
        for (r, &ridge) in self.ridges.iter().enumerate() {
            let shift = ridge * n as f64;
            let column = |v: DVector<f64>| DMatrix::from_column_slice(v.len(), 1, v.as_slice());
            let estimate = if n >= self.dim {
                solve_spd(&(x.transpose() * &x), shift, &column(x.transpose() * &y)).0
            } else {
                // Minimum norm: β̂ = Xᵀ (XXᵀ + λn)⁻¹ y.
                x.transpose() * solve_spd(&(&x * x.transpose()), shift, &column(y.clone())).0
            };
            let estimate = estimate.column(0).into_owned();
            let residual = (&x * &estimate - &y).norm_squared() / n as f64;
            // For isotropic Gaussian inputs the expected test error is exact:
            // E[(xᵀβ̂ − xᵀβ − ε)²] = |β̂ − β|² + σ².
            let test = (&estimate - &self.beta).norm_squared() + self.noise * self.noise;
            let sums = &mut self.sums[r];
            sums[0] += residual;
            sums[1] += test;
            sums[2] += estimate.norm();
        }
        if trial + 1 < self.trials {
            return None;
        }
        let t = self.trials as f64;
        Some(
            std::mem::replace(&mut self.sums, vec![[0.0; 3]; self.ridges.len()])
                .into_iter()
                .map(|[train, test, norm]| {
                    vec![
                        (metric::TRAIN_ERROR.key, train / t),
                        (metric::TEST_ERROR.key, test / t),
                        (metric::NORM.key, norm / t),
                    ]
                })
                .collect(),
        )
    }
}
