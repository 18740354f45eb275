//! Benign overfitting in linear regression (Bartlett, Long, Lugosi & Tsigler 2020): the
//! minimum-norm interpolator θ̂ = Xᵀ(XXᵀ)⁻¹y of n noisy samples with Gaussian inputs of
//! covariance diag(λ). With a few strong directions and a long tail of weak ones it fits the
//! noise exactly and still predicts almost as well as the truth; with p ≈ n equal directions
//! the same interpolator is catastrophic.
//!
//! Everything is exact for the drawn design: the test error over fresh inputs and noise is
//! Σⱼ λⱼ(θ̂ⱼ − θⱼ)² + σ², and since θ̂ is linear in the noise vector, one fit per trial gives
//! the whole curve over the noise level σ. The p columns of X are drawn (and drawn again, from
//! the same streams) in chunks, so no unit of work holds the tab for long and X is never
//! stored whole.

use nalgebra::{DMatrix, DVector};

use super::spectrum::{self, CHUNK, Case, NOISE_STEPS, REFERENCE};
use crate::linalg::{gram, solve_spd};
use crate::rng::Stream;

/// The fit's error terms, as quadratics in σ: `a + 2σ·b + σ²·c`.
#[derive(Clone, Copy, Debug, Default)]
struct Quadratic {
    a: f64,
    b: f64,
    c: f64,
}

impl Quadratic {
    fn at(&self, sigma: f64) -> f64 {
        self.a + 2.0 * sigma * self.b + sigma * sigma * self.c
    }

    /// Adds `(u + σ·v)²` summed with weight `w`.
    fn add(&mut self, w: f64, u: f64, v: f64) {
        self.a += w * u * u;
        self.b += w * u * v;
        self.c += w * v * v;
    }
}

/// What one trial of one case measured: excess test error, training error (×n) and the
/// squared norm of the fit, each as a function of σ.
#[derive(Clone, Copy, Debug, Default)]
struct Trial {
    excess: Quadratic,
    train: Quadratic,
    norm: Quadratic,
}

enum Phase {
    /// Accumulating K = XXᵀ and Xθ over the chunks of columns.
    Gram(usize),
    Solve,
    /// Projecting the two solutions back onto the columns, chunk by chunk.
    Project(usize),
}

/// The sweep's state between units of work.
pub struct LinearSweep {
    cases: Vec<Case>,
    n: usize,
    /// Signal directions: θ = (1, …, 1, 0, …)/√k on the first k coordinates.
    signal: usize,
    trials: usize,
    seed: u64,
    /// Noise levels of the curve.
    pub sigmas: Vec<f64>,
    // Position.
    trial: usize,
    case: usize,
    phase: Phase,
    units_done: usize,
    // The current fit.
    k: DMatrix<f64>,
    xtheta: DVector<f64>,
    alpha_signal: DVector<f64>,
    alpha_noise: DVector<f64>,
    current: Trial,
    jitter: f64,
    /// Per case: the finished trials.
    done: Vec<Vec<Trial>>,
    /// Per case: the largest diagonal jitter a solve needed (0: all exact).
    pub jitters: Vec<f64>,
}

impl LinearSweep {
    pub fn new(
        cases: Vec<Case>,
        n: usize,
        signal: usize,
        noise: f64,
        trials: usize,
        seed: u64,
    ) -> Self {
        let sigmas = (0..NOISE_STEPS)
            .map(|i| noise * 10f64.powf((i as f64 - REFERENCE as f64) / 8.0))
            .collect();
        let count = cases.len();
        Self {
            cases,
            n,
            signal,
            trials,
            seed,
            sigmas,
            trial: 0,
            case: 0,
            phase: Phase::Gram(0),
            units_done: 0,
            k: DMatrix::zeros(n, n),
            xtheta: DVector::zeros(n),
            alpha_signal: DVector::zeros(n),
            alpha_noise: DVector::zeros(n),
            current: Trial::default(),
            jitter: 0.0,
            done: vec![Vec::new(); count],
            jitters: vec![0.0; count],
        }
    }

    pub fn cases(&self) -> &[Case] {
        &self.cases
    }

    /// Units of work in all: per trial and case, two passes over the chunks and one solve.
    pub fn units(&self) -> usize {
        spectrum::units(&self.cases, self.trials)
    }

    pub fn units_done(&self) -> usize {
        self.units_done
    }

    /// Columns `chunk·CHUNK ..` of X for the current trial and case, as a `[n, width]` matrix
    /// (the same numbers on both passes).
    fn columns(&self, chunk: usize) -> (DMatrix<f64>, usize) {
        let spectrum = self.cases[self.case].spectrum;
        let start = chunk * CHUNK;
        let width = CHUNK.min(spectrum.dim() - start);
        let mut rng = Stream::new(
            self.seed,
            &format!(
                "benign/linear/{}/{}/{chunk}",
                self.cases[self.case].label, self.trial
            ),
        );
        let mut data = Vec::with_capacity(self.n * width);
        for j in 0..width {
            let scale = spectrum.var(start + j).sqrt();
            data.extend((0..self.n).map(|_| scale * rng.normal()));
        }
        (DMatrix::from_vec(self.n, width, data), start)
    }

    fn theta(&self, j: usize) -> f64 {
        if j < self.signal {
            1.0 / (self.signal as f64).sqrt()
        } else {
            0.0
        }
    }

    /// Does one unit of work; returns the index of a case when one of its trials finished.
    pub fn step(&mut self) -> Option<usize> {
        if self.units_done >= self.units() {
            return None;
        }
        self.units_done += 1;
        let chunks = self.cases[self.case].chunks();
        match self.phase {
            Phase::Gram(chunk) => {
                let (x, start) = self.columns(chunk);
                self.k += gram(&x);
                let theta = DVector::from_fn(x.ncols(), |j, _| self.theta(start + j));
                self.xtheta += &x * theta;
                self.phase = if chunk + 1 < chunks {
                    Phase::Gram(chunk + 1)
                } else {
                    Phase::Solve
                };
                None
            }
            Phase::Solve => {
                let mut rng = Stream::new(
                    self.seed,
                    &format!(
                        "benign/linear/{}/{}/noise",
                        self.cases[self.case].label, self.trial
                    ),
                );
                let noise = DVector::from_fn(self.n, |_, _| rng.normal());
                let mut rhs = DMatrix::zeros(self.n, 2);
                rhs.set_column(0, &self.xtheta);
                rhs.set_column(1, &noise);
                let (alpha, jitter) = solve_spd(&self.k, 0.0, &rhs);
                self.jitter = jitter;
                self.alpha_signal = alpha.column(0).into_owned();
                self.alpha_noise = alpha.column(1).into_owned();
                // Training residual Kα − y, split into its signal and noise parts.
                let fit = &self.k * &alpha;
                for i in 0..self.n {
                    self.current.train.add(
                        1.0,
                        fit[(i, 0)] - self.xtheta[i],
                        fit[(i, 1)] - noise[i],
                    );
                }
                self.phase = Phase::Project(0);
                None
            }
            Phase::Project(chunk) => {
                let (x, start) = self.columns(chunk);
                let u = x.tr_mul(&self.alpha_signal);
                let v = x.tr_mul(&self.alpha_noise);
                let spectrum = self.cases[self.case].spectrum;
                for j in 0..x.ncols() {
                    let var = spectrum.var(start + j);
                    self.current
                        .excess
                        .add(var, u[j] - self.theta(start + j), v[j]);
                    self.current.norm.add(1.0, u[j], v[j]);
                }
                if chunk + 1 < chunks {
                    self.phase = Phase::Project(chunk + 1);
                    return None;
                }
                Some(self.finish_trial())
            }
        }
    }

    fn finish_trial(&mut self) -> usize {
        let case = self.case;
        self.done[case].push(std::mem::take(&mut self.current));
        self.jitters[case] = self.jitters[case].max(self.jitter);
        self.k.fill(0.0);
        self.xtheta.fill(0.0);
        self.phase = Phase::Gram(0);
        self.case += 1;
        if self.case == self.cases.len() {
            self.case = 0;
            self.trial += 1;
        }
        case
    }

    /// The trial-averaged curves of `case` over [`Self::sigmas`]: `(test MSE, train MSE, norm)`.
    pub fn curves(&self, case: usize) -> Vec<(f64, f64, f64)> {
        let trials = &self.done[case];
        let count = trials.len().max(1) as f64;
        self.sigmas
            .iter()
            .map(|&s| {
                let mean = |f: &dyn Fn(&Trial) -> f64| trials.iter().map(f).sum::<f64>() / count;
                (
                    mean(&|t| t.excess.at(s)) + s * s,
                    mean(&|t| t.train.at(s)) / self.n as f64,
                    mean(&|t| t.norm.at(s).max(0.0).sqrt()),
                )
            })
            .collect()
    }

    pub fn trials_done(&self, case: usize) -> usize {
        self.done[case].len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::benign::isotropic_test_mse;
    use crate::experiments::benign::spectrum::Spectrum;

    fn run(sweep: &mut LinearSweep) {
        let mut finished = 0;
        while sweep.units_done() < sweep.units() {
            if sweep.step().is_some() {
                finished += 1;
            }
        }
        assert_eq!(finished, sweep.trials * sweep.cases.len());
        assert!(sweep.step().is_none());
    }

    #[test]
    fn isotropic_interpolation_matches_the_exact_expectation() {
        // n = 40, p = 60: σ²(1 + 40/19) + (1 − 40/60) at σ = 1 is 4.44.
        let case = Case {
            label: "isotropic",
            spectrum: Spectrum {
                strong: 60,
                tail: 0,
                tail_var: 1.0,
            },
        };
        let mut sweep = LinearSweep::new(vec![case], 40, 5, 1.0, 300, 7);
        run(&mut sweep);
        let (test, train, _) = sweep.curves(0)[REFERENCE];
        let expected = isotropic_test_mse(40, 60, 1.0, 1.0).expect("p > n + 1");
        assert!(train < 1e-18, "interpolates: {train}");
        assert!((test / expected - 1.0).abs() < 0.1, "{test} vs {expected}");
    }

    #[test]
    fn chunks_are_the_same_columns_on_both_passes_and_trials_reproduce() {
        // A case wider than one chunk: the projection pass must see the columns the Gram pass
        // saw, else the interpolator would not interpolate.
        let case = Case {
            label: "spiked",
            spectrum: Spectrum {
                strong: 3,
                tail: CHUNK + 500,
                tail_var: 0.01,
            },
        };
        let mut a = LinearSweep::new(vec![case.clone()], 30, 3, 0.5, 2, 1);
        run(&mut a);
        let curves = a.curves(0);
        assert!(curves.iter().all(|c| c.1 < 1e-16), "{curves:?}");
        let mut b = LinearSweep::new(vec![case], 30, 3, 0.5, 2, 1);
        run(&mut b);
        assert_eq!(b.curves(0), curves);
        // Test error grows with the noise level and stays above σ².
        for (s, c) in a.sigmas.iter().zip(&curves) {
            assert!(c.0 > s * s, "{c:?} at σ = {s}");
        }
    }
}
