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

use super::terms::Metric;
use super::{Comparison, Info, Panel};
use crate::cost::{Cost, F64, Tally};
#[cfg(feature = "engine")]
use crate::data::table::Table;
use crate::device::Target;
use crate::spec::{Knob, Preset, SpecError};
#[cfg(feature = "engine")]
use crate::train::Session;
#[cfg(feature = "engine")]
use burn::tensor::Device;

#[cfg(feature = "engine")]
pub mod linear;
mod page;
#[cfg(feature = "engine")]
mod session;

pub use page::{COMPARISON, INFO, KNOBS, PANELS, WORDS, metric};
#[cfg(feature = "engine")]
pub use session::ForgettingSession;

crate::fields! {
    /// Everything that defines a `forgetting` run.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    pub struct ForgettingSpec {
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
        pub data_seed: u64,
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
            dim: 60,
            overparam_high: 0.95,
            overparam_mid: 0.5,
            overparam_low: 0.1,
            levels: 11,
            draws: 200,
            data_seed: 0,
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
        if betas.iter().any(|b| !(0.0..1.0).contains(b)) {
            return Err(SpecError::Inconsistent(format!(
                "every overparameterisation must be in [0, 1): {betas:?}"
            )));
        }
        Ok(())
    }

    pub fn cost(&self) -> Cost {
        let mut tally = Tally::default();
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
        (self.dim == reference.dim && self.samples() == reference.samples()).then_some(&COMPARISON)
    }

    fn validate_rules(&self) -> Result<(), SpecError> {
        ForgettingSpec::validate_rules(self)
    }

    fn total_steps(&self) -> usize {
        3 * self.draws
    }

    fn cost(&self, _target: Target) -> Cost {
        ForgettingSpec::cost(self)
    }

    fn panels(&self) -> &'static [Panel] {
        PANELS
    }

    #[cfg(feature = "engine")]
    fn start(
        &self,
        _device: &Device,
        _runs: Option<&[usize]>,
        _threads: usize,
        _local: Option<&Table>,
    ) -> Result<Box<dyn Session>, SpecError> {
        Ok(Box::new(ForgettingSession::new(self.clone())))
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
