//! `lottery-tickets`: sparse subnetworks that train as well as the whole (Frankle & Carbin
//! 2019; Frankle, Dziugaite, Roy & Carbin 2020), found by iterative magnitude pruning of an
//! MLP on MNIST-1D: train, prune the smallest weights of each layer, reset the rest to their
//! initial values, repeat. Against it, at every sparsity: a random mask of the same size (the
//! control), the ticket's mask with new weights, and rewinding to an early step instead of
//! the start.
//!
//! Here: the spec and its price; `page` the story, knobs and charts; `masks` the pruning on
//! the host; `session` the training (engine only).

use serde::{Deserialize, Serialize};

use super::{Comparison, Info, Panel};
use crate::cost::{Cost, F32, Tally};
#[cfg(feature = "engine")]
use crate::data::table::Table;
use crate::device::Target;
use crate::spec::{Knob, Preset, SpecError};
use crate::terms::Metric;
#[cfg(feature = "engine")]
use crate::train::Session;
#[cfg(feature = "engine")]
use burn::tensor::Device;

pub mod masks;
mod page;
#[cfg(feature = "engine")]
mod session;

pub use page::{COMPARISON, INFO, KNOBS, PANELS, WORDS, metric};
#[cfg(feature = "engine")]
pub use session::LotterySession;

/// MNIST-1D's signal length and classes.
pub const D_IN: usize = crate::data::mnist1d::LENGTH;
pub const CLASSES: usize = crate::data::mnist1d::CLASSES;

/// What each seed trains side by side, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arm {
    /// Pruned by its own trained magnitudes, reset to its initial weights.
    Ticket,
    /// A random mask with the ticket's size per layer, reset to the same initial weights.
    RandomMask,
    /// The ticket's mask with new initial weights each round.
    NewWeights,
    /// Pruned by its own magnitudes, reset to its weights at an early step.
    Rewound,
}

impl Arm {
    pub const ALL: [Arm; 4] = [Arm::Ticket, Arm::RandomMask, Arm::NewWeights, Arm::Rewound];

    pub fn label(self) -> &'static str {
        match self {
            Arm::Ticket => "ticket",
            Arm::RandomMask => "random mask (control)",
            Arm::NewWeights => "ticket's mask, new weights",
            Arm::Rewound => "ticket rewound to an early step",
        }
    }
}

crate::fields! {
    /// Everything that defines a `lottery-tickets` run.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    pub struct LotterySpec {
        pub n_train: usize,
        pub n_test: usize,
        /// Hidden units in each of the two hidden layers.
        pub width: usize,
        pub lr: f64,
        pub batch: usize,
        /// Adam steps each round.
        pub steps: usize,
        /// Rounds of training: the dense network, then each pruning.
        pub rounds: usize,
        /// Share of each hidden layer's remaining weights pruned a round (the output layer
        /// half as much).
        pub prune_rate: f64,
        /// The step of the first round the rewound arm goes back to.
        pub rewind_step: usize,
        pub seeds: usize,
        pub data_seed: u64,
        pub init_seed: u64,
    }
}

impl Default for LotterySpec {
    fn default() -> Self {
        Self::preset(Preset::Quick)
    }
}

impl LotterySpec {
    pub fn preset(preset: Preset) -> Self {
        // The MNIST-1D notebook: 4,000/1,000, 40-500-500-10, Adam lr 2e-2, batch 100, 1,501
        // steps a round, 2 seeds (its 100 rounds to sparsities evenly from 0 to 1 become
        // 20% a round here, 18 rounds to 97.6%).
        let paper = Self {
            n_train: 4000,
            n_test: 1000,
            width: 500,
            lr: 0.02,
            batch: 100,
            steps: 1501,
            rounds: 18,
            prune_rate: 0.2,
            rewind_step: 50,
            seeds: 2,
            data_seed: 0,
            init_seed: 0,
        };
        match preset {
            Preset::Paper => paper,
            // Frankle et al. 2020's down-scaled guess: hidden 100, three seeds; a quarter a
            // round for 11 rounds reaches 94% sparse.
            Preset::Quick => Self {
                width: 100,
                lr: 0.01,
                steps: 500,
                rounds: 11,
                prune_rate: 0.25,
                seeds: 3,
                ..paper
            },
            Preset::Ci => Self {
                n_train: 2000,
                width: 64,
                lr: 0.01,
                steps: 300,
                rounds: 9,
                prune_rate: 0.3,
                rewind_step: 30,
                seeds: 2,
                ..paper
            },
        }
    }

    /// Models trained side by side: every arm of every seed.
    pub fn models(&self) -> usize {
        Arm::ALL.len() * self.seeds
    }

    /// `(fan_in, fan_out)` of each layer.
    pub fn layers(&self) -> [(usize, usize); 3] {
        [
            (D_IN, self.width),
            (self.width, self.width),
            (self.width, CLASSES),
        ]
    }

    /// The share of each layer's remaining weights pruned a round.
    pub fn rates(&self) -> [f64; 3] {
        [self.prune_rate, self.prune_rate, self.prune_rate / 2.0]
    }

    pub(crate) fn validate_rules(&self) -> Result<(), SpecError> {
        if self.rewind_step >= self.steps {
            return Err(SpecError::Inconsistent(format!(
                "rewind_step={} is not before the round's end (steps={})",
                self.rewind_step, self.steps
            )));
        }
        if self.batch > self.n_train {
            return Err(SpecError::Inconsistent(format!(
                "batch={} is more than n_train={}",
                self.batch, self.n_train
            )));
        }
        Ok(())
    }

    pub fn cost(&self) -> Cost {
        let mut tally = Tally::default();
        let models = self.models() as f64;
        let params: f64 = self
            .layers()
            .iter()
            .map(|(i, o)| ((i + 1) * o) as f64)
            .sum();
        let (n, t, b) = (self.n_train as f64, self.n_test as f64, self.batch as f64);
        let w = self.width as f64;
        // The data; every model's weights, masks, gradients and Adam's two moments; the host's
        // start, rewind point and masks.
        tally.hold((n + t) * (D_IN as f64 + 1.0), F32);
        tally.hold(models * params * 6.0, F32);
        tally.hold(models * params * 4.0, F32);
        // A step's activations; an evaluation's on the larger set (training, then test).
        let step = models * b * (2.0 * w + CLASSES as f64) * 3.0 * F32;
        let eval = models * n.max(t) * (2.0 * w + CLASSES as f64) * 2.0 * F32;
        tally.phase(step.max(eval));
        let rounds = self.rounds as f64;
        tally.work(rounds * self.steps as f64 * 6.0 * models * b * params);
        tally.work(rounds * 2.0 * models * (n + t) * params);
        tally.record(rounds * Arm::ALL.len() as f64 * 10.0);
        tally.track(rounds * models * 4.0);
        tally.cost()
    }
}

impl super::Declaration for LotterySpec {
    fn axis(&self) -> &'static str {
        metric::SPARSITY.key
    }

    fn info() -> &'static Info {
        &INFO
    }

    fn knobs() -> &'static [Knob] {
        KNOBS
    }

    fn preset(preset: Preset) -> Self {
        LotterySpec::preset(preset)
    }

    fn words() -> &'static [Metric] {
        WORDS
    }

    fn comparison() -> Option<&'static Comparison> {
        Some(&COMPARISON)
    }

    fn comparison_here(&self) -> Option<&'static Comparison> {
        Some(&COMPARISON)
    }

    fn validate_rules(&self) -> Result<(), SpecError> {
        LotterySpec::validate_rules(self)
    }

    fn total_steps(&self) -> usize {
        self.rounds * self.steps
    }

    fn cost(&self, _target: Target) -> Cost {
        LotterySpec::cost(self)
    }

    fn panels(&self) -> &'static [Panel] {
        PANELS
    }

    #[cfg(feature = "engine")]
    fn start(
        &self,
        device: &Device,
        _runs: Option<&[usize]>,
        _threads: usize,
        _local: Option<&Table>,
    ) -> Result<Box<dyn Session>, SpecError> {
        Ok(Box::new(LotterySession::new(self.clone(), device)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_validate() {
        for p in Preset::ALL {
            LotterySpec::preset(p).validate_rules().expect("valid");
        }
        let mut spec = LotterySpec::preset(Preset::Ci);
        spec.rewind_step = spec.steps;
        assert!(spec.validate_rules().is_err());
    }
}
