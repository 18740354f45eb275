//! `scaling-laws`: test loss falling as a power law of model and data size. `solvable`: the
//! solvable model of Maloney, Roberts & Sully (2022): a latent spectrum with exponent α, N
//! random features, T samples; exact solves for every size beside the deterministic
//! equivalents, the fitted exponents beside the predicted −α, the peak at N = T without
//! ridge, and a flat spectrum (no power law) as the control. `measured`: MLPs of many widths
//! on MNIST-1D trained side by side, test loss against training compute, its lower envelope
//! and the compute-optimal width per budget (Kaplan et al. 2020; Hoffmann et al. 2022).
//!
//! Here: the spec and its price; `page` the story, knobs and charts; `theory` the closed forms
//! and exact solves; `solvable` and `measured` the two modes as runs (engine only).

use serde::{Deserialize, Serialize};

use super::{Comparison, Info, Panel};
use crate::cost::{Cost, F32, F64, Tally, evaluations};
#[cfg(feature = "engine")]
use crate::data::table::Table;
use crate::device::Target;
use crate::spec::{Knob, Preset, SpecError};
use crate::terms::Metric;
#[cfg(feature = "engine")]
use crate::train::Session;
#[cfg(feature = "engine")]
use burn::tensor::Device;

#[cfg(feature = "engine")]
mod measured;
mod page;
#[cfg(feature = "engine")]
mod solvable;
#[cfg(feature = "engine")]
pub mod theory;

pub use page::{COMPARISON, INFO, KNOBS, MEASURED_PANELS, SOLVABLE_PANELS, WORDS, metric};

/// What a run computes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The solvable model: exact solves and deterministic equivalents.
    #[default]
    Solvable,
    /// MLPs of many widths on MNIST-1D, loss against compute.
    Measured,
}

impl Mode {
    pub const NAMES: &'static [&'static str] = &["solvable", "measured"];
}

crate::fields! {
    /// Everything that defines a `scaling-laws` run.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    pub struct ScalingLawsSpec {
        pub mode: Mode,
        /// M: latent dimensions of the solvable model.
        pub latent: usize,
        /// α: the spectrum falls as λ_I ∝ I^−(1+α).
        pub alpha: f64,
        /// Sizes N (and T) from `size_min` to `size_max`, `sizes` of them, log-spaced.
        pub size_min: usize,
        pub size_max: usize,
        pub sizes: usize,
        /// T for the curve against N with both finite (its peak sits at N = T).
        pub samples_fixed: usize,
        /// The ridge of the second such curve, relative to the features' mean squared norm.
        pub ridge: f64,
        pub draws: usize,
        /// Measured: widths from `width_min` to `width_max`, `widths` of them, log-spaced.
        pub width_min: usize,
        pub width_max: usize,
        pub widths: usize,
        pub n_train: usize,
        pub n_test: usize,
        pub lr: f64,
        pub batch: usize,
        pub steps: usize,
        pub eval_every: usize,
        pub data_seed: u64,
        pub init_seed: u64,
    }
}

impl Default for ScalingLawsSpec {
    fn default() -> Self {
        Self::preset(Preset::Quick)
    }
}

/// `count` whole numbers from `lo` to `hi`, log-spaced, without repeats.
pub fn log_ladder(lo: usize, hi: usize, count: usize) -> Vec<usize> {
    let n = count.max(2);
    let (a, b) = ((lo.max(1) as f64).ln(), (hi.max(1) as f64).ln());
    let mut out: Vec<usize> = (0..n)
        .map(|k| (a + (b - a) * k as f64 / (n - 1) as f64).exp().round() as usize)
        .collect();
    out.dedup();
    out
}

impl ScalingLawsSpec {
    pub fn preset(preset: Preset) -> Self {
        // The checks the derivation asks for: M = 2,000, N and T up to 500, α = 1.
        let paper = Self {
            mode: Mode::Solvable,
            latent: 2000,
            alpha: 1.0,
            size_min: 10,
            size_max: 500,
            sizes: 14,
            samples_fixed: 100,
            ridge: 0.1,
            draws: 21,
            width_min: 4,
            width_max: 256,
            widths: 7,
            n_train: 100_000,
            n_test: 2000,
            lr: 3e-3,
            batch: 128,
            steps: 20_000,
            eval_every: 1000,
            data_seed: 0,
            init_seed: 0,
        };
        match preset {
            Preset::Paper => paper,
            Preset::Quick => Self {
                draws: 7,
                widths: 6,
                width_max: 128,
                n_train: 40_000,
                n_test: 1000,
                steps: 3000,
                eval_every: 250,
                ..paper
            },
            Preset::Ci => Self {
                latent: 1000,
                size_max: 300,
                sizes: 10,
                draws: 9,
                widths: 4,
                width_max: 64,
                n_train: 10_000,
                n_test: 1000,
                steps: 800,
                eval_every: 100,
                ..paper
            },
        }
    }

    /// The sizes N (or T) of the solvable curves.
    pub fn size_ladder(&self) -> Vec<usize> {
        log_ladder(self.size_min, self.size_max, self.sizes)
    }

    /// The sizes N of the curve at fixed T: the ladder with T itself, where the peak is.
    pub fn peak_ladder(&self) -> Vec<usize> {
        let mut sizes = self.size_ladder();
        sizes.push(self.samples_fixed);
        sizes.sort_unstable();
        sizes.dedup();
        sizes
    }

    /// The trained widths.
    pub fn width_ladder(&self) -> Vec<usize> {
        log_ladder(self.width_min, self.width_max, self.widths)
    }

    pub fn uses(&self, key: &str) -> bool {
        let measured = self.mode == Mode::Measured;
        match key {
            "latent" | "alpha" | "size_min" | "size_max" | "sizes" | "samples_fixed" | "ridge"
            | "draws" => !measured,
            "width_min" | "width_max" | "widths" | "n_train" | "n_test" | "lr" | "batch"
            | "steps" | "eval_every" | "init_seed" => measured,
            _ => true,
        }
    }

    pub(crate) fn validate_rules(&self) -> Result<(), SpecError> {
        let bad = |what: String| Err(SpecError::Inconsistent(what));
        match self.mode {
            Mode::Solvable => {
                if self.size_min >= self.size_max {
                    return bad(format!(
                        "size_min={} is not below size_max={}",
                        self.size_min, self.size_max
                    ));
                }
                if self.size_max >= self.latent || self.samples_fixed >= self.latent {
                    return bad(format!(
                        "size_max={} and samples_fixed={} must be below latent={}: at M the \
                         loss is exactly zero",
                        self.size_max, self.samples_fixed, self.latent
                    ));
                }
            }
            Mode::Measured => {
                if self.width_min >= self.width_max {
                    return bad(format!(
                        "width_min={} is not below width_max={}",
                        self.width_min, self.width_max
                    ));
                }
                if self.batch > self.n_train {
                    return bad(format!(
                        "batch={} is more than n_train={}",
                        self.batch, self.n_train
                    ));
                }
                crate::spec::evaluates(self.eval_every, self.steps, "steps")?;
            }
        }
        Ok(())
    }

    pub fn cost(&self) -> Cost {
        let mut tally = Tally::default();
        match self.mode {
            Mode::Solvable => {
                let m = self.latent as f64;
                let n = self.size_max.max(self.samples_fixed) as f64;
                let t = self.samples_fixed as f64;
                let draws = self.draws as f64;
                let sizes = self.peak_ladder().len() as f64;
                // Per draw: the feature-limited, data-limited and flat curves (an n × M
                // Gaussian, its Gram, a solve per size), and the two fixed-T curves (X Uᵀ and a
                // solve per size).
                let one = 2.0 * n * n * m + sizes * n * n * n / 3.0 + 2.0 * n * m;
                let fixed = 2.0 * t * m * n + sizes * (t * t * n + t * t * t / 3.0 + n * m);
                tally.work(draws * (3.0 * one + 2.0 * fixed));
                tally.hold(2.0 * m, F64);
                tally.phase((2.0 * n * m + 2.0 * n * n + t * m) * F64);
                tally.record(5.0 * sizes * 6.0);
                tally.track(5.0 * draws * sizes);
            }
            Mode::Measured => {
                let widths = self.width_ladder();
                let h: f64 = widths.iter().sum::<usize>() as f64;
                let (n, t, b) = (self.n_train as f64, self.n_test as f64, self.batch as f64);
                // Each bank is block-diagonal: its dense matrices are larger than the models.
                let dense = 40.0 * h + h * h + h * 10.0 * widths.len() as f64;
                tally.hold((n + t) * 41.0, F32);
                tally.hold(dense * 6.0, F32);
                tally.phase(b.max(t) * h * 3.0 * F32);
                let steps = self.steps as f64;
                tally.work(steps * 6.0 * b * dense);
                let evals = evaluations(self.steps, self.eval_every, true);
                tally.work(evals * 2.0 * t * dense);
                tally.record(evals * widths.len() as f64 * 4.0 + 40.0);
            }
        }
        tally.cost()
    }
}

impl super::Declaration for ScalingLawsSpec {
    fn axis(&self) -> &'static str {
        match self.mode {
            Mode::Solvable => metric::SIZE.key,
            Mode::Measured => "step",
        }
    }

    fn info() -> &'static Info {
        &INFO
    }

    fn knobs() -> &'static [Knob] {
        KNOBS
    }

    fn preset(preset: Preset) -> Self {
        ScalingLawsSpec::preset(preset)
    }

    fn words() -> &'static [Metric] {
        WORDS
    }

    fn comparison() -> Option<&'static Comparison> {
        Some(&COMPARISON)
    }

    /// The predicted exponents are α's: they apply to the solvable mode at α = 1.
    fn comparison_here(&self) -> Option<&'static Comparison> {
        (self.mode == Mode::Solvable && self.alpha == 1.0).then_some(&COMPARISON)
    }

    fn validate_rules(&self) -> Result<(), SpecError> {
        ScalingLawsSpec::validate_rules(self)
    }

    fn total_steps(&self) -> usize {
        match self.mode {
            Mode::Solvable => 5 * self.draws,
            Mode::Measured => self.steps,
        }
    }

    fn cost(&self, _target: Target) -> Cost {
        ScalingLawsSpec::cost(self)
    }

    fn panels(&self) -> &'static [Panel] {
        match self.mode {
            Mode::Solvable => SOLVABLE_PANELS,
            Mode::Measured => MEASURED_PANELS,
        }
    }

    fn uses(&self, key: &str) -> bool {
        ScalingLawsSpec::uses(self, key)
    }

    #[cfg(feature = "engine")]
    fn start(
        &self,
        device: &Device,
        _runs: Option<&[usize]>,
        _threads: usize,
        _local: Option<&Table>,
    ) -> Result<Box<dyn Session>, SpecError> {
        Ok(match self.mode {
            Mode::Solvable => Box::new(solvable::SolvableSession::new(self.clone())),
            Mode::Measured => Box::new(measured::MeasuredSession::new(self.clone(), device)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_validate_and_the_ladders_are_log_spaced() {
        for p in Preset::ALL {
            ScalingLawsSpec::preset(p).validate_rules().expect("valid");
            let mut measured = ScalingLawsSpec::preset(p);
            measured.mode = Mode::Measured;
            measured.validate_rules().expect("valid");
        }
        assert_eq!(log_ladder(4, 256, 7), [4, 8, 16, 32, 64, 128, 256]);
        let spec = ScalingLawsSpec::preset(Preset::Quick);
        assert!(spec.peak_ladder().contains(&100));
        let mut bad = spec.clone();
        bad.size_max = bad.latent;
        assert!(bad.validate_rules().is_err());
    }
}
