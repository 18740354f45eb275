//! `forgetting`: how much a model forgets of a first task when it learns a second, as the
//! tasks' similarity and the model's overparameterisation change (Goldfarb, Evron,
//! Weinberger, Soudry & Hand, ICLR 2024). Two tasks of linear regression, the second the first
//! with a random share of its features rotated; gradient descent from zero (the minimum-norm
//! solution) on each in turn. Highly overparameterised, forgetting is worst at an
//! intermediate similarity; near the interpolation threshold it only grows as the tasks part.
//!
//! Here: the spec and its price; `page` the story, knobs and charts; `linear` the closed-form
//! solves and `session` the draws as a run (engine only).

use serde::{Deserialize, Serialize};

use super::{Comparison, Info, Panel};
use crate::cost::{Cost, F32, F64, Tally};
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
pub mod linear;
#[cfg(feature = "engine")]
mod mlp;
mod page;
#[cfg(feature = "engine")]
mod session;

pub use page::{COMPARISON, INFO, KNOBS, MLP_PANELS, PANELS, WORDS, metric};
#[cfg(feature = "engine")]
pub use session::ForgettingSession;

/// What a run computes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Two linear tasks solved exactly.
    #[default]
    Linear,
    /// MLPs trained by SGD on two MNIST-1D tasks, the second with positions permuted.
    Mlp,
}

impl Mode {
    pub const NAMES: &'static [&'static str] = &["linear", "mlp"];
}

crate::fields! {
    /// Everything that defines a `forgetting` run.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    pub struct ForgettingSpec {
        pub mode: Mode,
        /// p: features of both tasks.
        pub dim: usize,
        /// The three degrees of overparameterisation β = 1 − d/p drawn (d samples per task).
        pub overparam_high: f64,
        pub overparam_mid: f64,
        pub overparam_low: f64,
        /// Shares of rotated features m/p, evenly from 0 to 1.
        pub levels: usize,
        /// Independent draws of data, teacher and rotation per point.
        pub draws: usize,
        /// mlp: hidden widths from `width_min` to `width_max`, `widths` of them, log-spaced.
        pub width_min: usize,
        pub width_max: usize,
        pub widths: usize,
        pub n_train: usize,
        pub n_test: usize,
        pub lr: f64,
        pub batch: usize,
        /// SGD steps on each task.
        pub steps: usize,
        pub seeds: usize,
        pub data_seed: u64,
        pub init_seed: u64,
    }
}

impl Default for ForgettingSpec {
    fn default() -> Self {
        Self::preset(Preset::Quick)
    }
}

impl ForgettingSpec {
    pub fn preset(preset: Preset) -> Self {
        // The reference simulation's setting: p = 60, β = 0.95, 0.5 and 0.1, m/p = 0 … 1 in
        // tenths, 200 draws. The paper's own figures use other sizes (not stated in its
        // abstract); the shapes, not the sizes, are its claim.
        let paper = Self {
            mode: Mode::Linear,
            dim: 60,
            overparam_high: 0.95,
            overparam_mid: 0.5,
            overparam_low: 0.1,
            levels: 11,
            draws: 200,
            width_min: 8,
            width_max: 512,
            widths: 3,
            n_train: 2000,
            n_test: 1000,
            lr: 0.1,
            batch: 50,
            steps: 2000,
            seeds: 2,
            data_seed: 0,
            init_seed: 0,
        };
        match preset {
            Preset::Paper => Self {
                levels: 21,
                draws: 1000,
                ..paper
            },
            Preset::Quick => paper,
            Preset::Ci => Self {
                draws: 100,
                ..paper
            },
        }
    }

    /// The samples per task d for each drawn β, with the β that d gives: highest β first.
    pub fn samples(&self) -> Vec<(usize, f64)> {
        let p = self.dim as f64;
        [self.overparam_high, self.overparam_mid, self.overparam_low]
            .iter()
            .map(|&beta| {
                let d = ((1.0 - beta) * p).round().clamp(1.0, p - 1.0) as usize;
                (d, (p - d as f64) / p)
            })
            .collect()
    }

    /// The trained widths of the `mlp` mode.
    pub fn width_ladder(&self) -> Vec<usize> {
        crate::experiments::scaling_laws::log_ladder(self.width_min, self.width_max, self.widths)
    }

    pub fn uses(&self, key: &str) -> bool {
        let mlp = self.mode == Mode::Mlp;
        match key {
            "dim" | "overparam_high" | "overparam_mid" | "overparam_low" | "draws" => !mlp,
            "width_min" | "width_max" | "widths" | "n_train" | "n_test" | "lr" | "batch"
            | "steps" | "seeds" | "init_seed" => mlp,
            _ => true,
        }
    }

    /// The `mlp` mode's shares of permuted positions, evenly from 0 to 1.
    pub fn permuted_shares(&self) -> Vec<f64> {
        let n = self.levels.max(2);
        (0..n).map(|k| k as f64 / (n - 1) as f64).collect()
    }

    /// The rotated features m at each level (0 … p) and their share m/p.
    pub fn rotated(&self) -> Vec<(usize, f64)> {
        let n = self.levels.max(2);
        let mut out: Vec<(usize, f64)> = (0..n)
            .map(|k| {
                let m = (self.dim as f64 * k as f64 / (n - 1) as f64).round() as usize;
                (m, m as f64 / self.dim as f64)
            })
            .collect();
        out.dedup_by_key(|(m, _)| *m);
        out
    }

    pub(crate) fn validate_rules(&self) -> Result<(), SpecError> {
        let betas = [self.overparam_high, self.overparam_mid, self.overparam_low];
        if self.mode == Mode::Mlp {
            if self.width_min >= self.width_max {
                return Err(SpecError::Inconsistent(format!(
                    "width_min={} is not below width_max={}",
                    self.width_min, self.width_max
                )));
            }
            if self.batch > self.n_train {
                return Err(SpecError::Inconsistent(format!(
                    "batch={} is more than n_train={}",
                    self.batch, self.n_train
                )));
            }
        }
        if betas.iter().any(|b| !(0.0..1.0).contains(b)) {
            return Err(SpecError::Inconsistent(format!(
                "every overparameterisation must be in [0, 1): {betas:?}"
            )));
        }
        Ok(())
    }

    pub fn cost(&self) -> Cost {
        let mut tally = Tally::default();
        if self.mode == Mode::Mlp {
            let models = (self.permuted_shares().len() * self.seeds) as f64;
            let (n, t, b) = (self.n_train as f64, self.n_test as f64, self.batch as f64);
            let length = crate::data::mnist1d::LENGTH as f64;
            // Task 2's inputs as each model sees them, train and test; each width's stack.
            tally.hold((n + t) * (models + 1.0) * length, F32);
            for w in self.width_ladder() {
                let params = (length + 1.0) * w as f64 + (w as f64 + 1.0) * 10.0;
                tally.hold(models * params * 3.0, F32);
                tally.work(2.0 * self.steps as f64 * 6.0 * models * b * params / 2.0);
                // A training step keeps about five activations of the hidden layer for its
                // backward; an evaluation (off autodiff) holds two at once.
                tally.phase(models * (5.0 * b).max(2.0 * t) * (w as f64 + 10.0) * F32);
            }
            tally.record(self.permuted_shares().len() as f64 * self.widths as f64 * 5.0);
            return tally.cost();
        }
        let p = self.dim as f64;
        let levels = self.rotated().len() as f64;
        let draws = self.draws as f64;
        for (d, _) in self.samples() {
            let d = d as f64;
            // Per draw: the data, a p × p orthogonal basis (QR), the Gram factor; per level an
            // m × m map, O (p × p) and XOᵀ, two solves.
            let per_level = 2.0 * p * p * p + 2.0 * d * p * p + 4.0 * d * d + 8.0 * d * p;
            tally.work(draws * (4.0 * p * p * p / 3.0 + 2.0 * d * d * p + levels * per_level));
        }
        tally.hold(6.0 * p * p, F64);
        tally.phase(4.0 * p * p * F64);
        tally.record(3.0 * levels * 5.0);
        tally.track(3.0 * draws * levels);
        tally.cost()
    }
}

impl super::Declaration for ForgettingSpec {
    fn axis(&self) -> &'static str {
        match self.mode {
            Mode::Linear => metric::ROTATED.key,
            Mode::Mlp => metric::PERMUTED.key,
        }
    }

    fn info() -> &'static Info {
        &INFO
    }

    fn knobs() -> &'static [Knob] {
        KNOBS
    }

    fn preset(preset: Preset) -> Self {
        ForgettingSpec::preset(preset)
    }

    fn words() -> &'static [Metric] {
        WORDS
    }

    fn comparison() -> Option<&'static Comparison> {
        Some(&COMPARISON)
    }

    /// The reference numbers belong to its sizes: p = 60 and β 0.95, 0.5 and 0.1.
    fn comparison_here(&self) -> Option<&'static Comparison> {
        let reference = Self::preset(Preset::Quick);
        (self.mode == Mode::Linear
            && self.dim == reference.dim
            && self.samples() == reference.samples())
        .then_some(&COMPARISON)
    }

    fn validate_rules(&self) -> Result<(), SpecError> {
        ForgettingSpec::validate_rules(self)
    }

    fn total_steps(&self) -> usize {
        match self.mode {
            Mode::Linear => 3 * self.draws,
            Mode::Mlp => 2 * self.steps,
        }
    }

    fn uses(&self, key: &str) -> bool {
        ForgettingSpec::uses(self, key)
    }

    fn panels(&self) -> &'static [Panel] {
        match self.mode {
            Mode::Linear => PANELS,
            Mode::Mlp => MLP_PANELS,
        }
    }

    fn cost(&self, _target: Target) -> Cost {
        ForgettingSpec::cost(self)
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
            Mode::Linear => Box::new(ForgettingSession::new(self.clone())),
            Mode::Mlp => Box::new(mlp::MlpSession::new(self.clone(), device)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_validate_and_the_grids_are_the_reference_ones() {
        for p in Preset::ALL {
            ForgettingSpec::preset(p).validate_rules().expect("valid");
        }
        let spec = ForgettingSpec::preset(Preset::Quick);
        assert_eq!(spec.samples(), [(3, 0.95), (30, 0.5), (54, 0.1)]);
        let shares: Vec<f64> = spec.rotated().iter().map(|r| r.1).collect();
        assert_eq!(shares.len(), 11);
        assert_eq!((shares[0], shares[10]), (0.0, 1.0));
        let mut bad = spec.clone();
        bad.overparam_low = 1.0;
        assert!(bad.validate_rules().is_err());
    }
}
