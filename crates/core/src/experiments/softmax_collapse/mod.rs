//! `softmax-collapse`: grokking that never comes because the softmax rounds to one-hot
//! (Prieto, Barsbey, Mediano & Birdal 2025, "Grokking at the edge of numerical stability").
//! Without weight decay an MLP on a+b mod p fits its training equations and its logits keep
//! growing, until for more and more of them the softmax is exactly one-hot in floating point:
//! their gradient is zero and the network stops learning before it generalises. Two fixes:
//! StableMax, a softmax whose tails fall as 1/x instead of exponentially, and ⊥AdamW, which
//! removes from each gradient its component along the weights (the direction that only
//! scales the logits up). The control: the softmax with weight decay.
//!
//! Here: the spec and its runs. `page` holds the story, knobs, charts and the paper's words;
//! `cost` the price; `session` the training (engine only).

use serde::{Deserialize, Serialize};

use super::{Comparison, Info, Panel};
use crate::cost::Cost;
use crate::data::modular;
#[cfg(feature = "engine")]
use crate::data::table::Table;
use crate::device::Target;
use crate::spec::{Knob, Preset, SpecError};
use crate::terms::Metric;
#[cfg(feature = "engine")]
use crate::train::Session;
#[cfg(feature = "engine")]
use burn::tensor::Device;

mod cost;
mod page;
#[cfg(feature = "engine")]
mod session;

pub use page::{COMPARISON, INFO, KNOBS, PANELS, WORDS, metric};
#[cfg(feature = "engine")]
pub use session::SoftmaxCollapseSession;

/// Which runs train side by side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compare {
    /// The softmax without weight decay, with weight decay (the control), StableMax and
    /// ⊥AdamW, all without weight decay but the control.
    #[default]
    Fixes,
    /// The softmax without weight decay alone.
    One,
}

impl Compare {
    pub const NAMES: &'static [&'static str] = &["fixes", "one"];
}

/// How a run turns outputs into probabilities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Normaliser {
    Softmax,
    /// s(x) = x + 1 for x ≥ 0, 1/(1 − x) below, normalised.
    StableMax,
}

crate::fields! {
    /// Everything that defines a `softmax-collapse` run.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    pub struct SoftmaxCollapseSpec {
        pub p: u32,
        pub train_fraction: f64,
        pub width: usize,
        pub compare: Compare,
        pub lr: f64,
        /// The control's AdamW weight decay (the other runs have none).
        pub weight_decay: f64,
        /// Full-batch steps (epochs).
        pub steps: usize,
        pub eval_every: usize,
        pub data_seed: u64,
        pub init_seed: u64,
        pub seeds: usize,
    }
}

impl Default for SoftmaxCollapseSpec {
    fn default() -> Self {
        Self::preset(Preset::Quick)
    }
}

/// One run a spec trains.
#[derive(Clone, Debug, PartialEq)]
pub struct RunPlan {
    pub label: &'static str,
    pub normaliser: Normaliser,
    pub weight_decay: f64,
    /// ⊥Grad: each gradient's component along its weights removed (the rest rescaled to the
    /// gradient's norm).
    pub orthogonal: bool,
}

/// The runs' labels.
pub const SOFTMAX: &str = "softmax";
pub const WITH_DECAY: &str = "softmax + weight decay (control)";
pub const STABLEMAX: &str = "StableMax";
pub const ORTHOGONAL: &str = "⊥AdamW";

impl SoftmaxCollapseSpec {
    pub fn preset(preset: Preset) -> Self {
        // The paper's setting (its code): (a+b) mod 113, 40% for training, 226-200-200-113
        // ReLU MLP without biases, full-batch AdamW lr 0.01 (⊥AdamW's), no weight decay.
        let paper = Self {
            p: 113,
            train_fraction: 0.4,
            width: 200,
            compare: Compare::Fixes,
            lr: 0.01,
            weight_decay: 2.0,
            steps: 2000,
            eval_every: 20,
            data_seed: 0,
            init_seed: 0,
            seeds: 1,
        };
        match preset {
            Preset::Paper => paper,
            // p = 59 and 128 units (docs/benchmarks-history.md): ⊥AdamW reaches 95% test accuracy by step
            // ~240, the control (weight decay 2) by ~700; the plain softmax stays at chance,
            // one-hot in float16 for every training equation by step ~500.
            Preset::Quick => Self {
                p: 59,
                width: 128,
                steps: 800,
                ..paper
            },
            Preset::Ci => Self {
                p: 59,
                width: 128,
                steps: 300,
                ..paper
            },
        }
    }

    pub fn runs(&self) -> Vec<RunPlan> {
        let run = |label, normaliser, weight_decay, orthogonal| RunPlan {
            label,
            normaliser,
            weight_decay,
            orthogonal,
        };
        let softmax = run(SOFTMAX, Normaliser::Softmax, 0.0, false);
        match self.compare {
            Compare::One => vec![softmax],
            Compare::Fixes => vec![
                softmax,
                run(WITH_DECAY, Normaliser::Softmax, self.weight_decay, false),
                run(STABLEMAX, Normaliser::StableMax, 0.0, false),
                run(ORTHOGONAL, Normaliser::Softmax, 0.0, true),
            ],
        }
    }

    pub fn train_count(&self) -> usize {
        modular::train_count((self.p * self.p) as usize, self.train_fraction)
    }

    pub(crate) fn validate_rules(&self) -> Result<(), SpecError> {
        if !modular::is_prime(self.p) {
            return Err(SpecError::Inconsistent(format!(
                "p={} is not prime",
                self.p
            )));
        }
        crate::spec::evaluates(self.eval_every, self.steps, "steps")
    }

    pub fn uses(&self, key: &str) -> bool {
        key != "weight_decay" || self.compare == Compare::Fixes
    }
}

impl super::Declaration for SoftmaxCollapseSpec {
    fn info() -> &'static Info {
        &INFO
    }

    fn knobs() -> &'static [Knob] {
        KNOBS
    }

    fn preset(preset: Preset) -> Self {
        SoftmaxCollapseSpec::preset(preset)
    }

    fn words() -> &'static [Metric] {
        WORDS
    }

    fn comparison() -> Option<&'static Comparison> {
        Some(&COMPARISON)
    }

    /// The paper's epochs are for its fixes.
    fn comparison_here(&self) -> Option<&'static Comparison> {
        (self.compare == Compare::Fixes).then_some(&COMPARISON)
    }

    fn validate_rules(&self) -> Result<(), SpecError> {
        SoftmaxCollapseSpec::validate_rules(self)
    }

    fn total_steps(&self) -> usize {
        self.steps
    }

    fn cost(&self, _target: Target) -> Cost {
        SoftmaxCollapseSpec::cost(self)
    }

    fn panels(&self) -> &'static [Panel] {
        PANELS
    }

    fn uses(&self, key: &str) -> bool {
        SoftmaxCollapseSpec::uses(self, key)
    }

    #[cfg(feature = "engine")]
    fn start(
        &self,
        device: &Device,
        _runs: Option<&[usize]>,
        _threads: usize,
        _local: Option<&Table>,
    ) -> Result<Box<dyn Session>, SpecError> {
        Ok(Box::new(SoftmaxCollapseSession::new(self.clone(), device)))
    }
}

/// Whether a row's softmax is exactly one-hot at a precision whose unit roundoff is `u`
/// (2⁻¹¹ for f16, 2⁻²⁴ for f32, 2⁻⁵³ for f64): the other classes' exp(z − z_max) add up to
/// less than half an ulp of 1, so 1 + their sum rounds to 1 and the winner's probability is
/// exactly 1 (Prieto et al.'s Σ exp(z − z_max) == 1).
/// With StableMax the same test reads its own terms: s(z)/s(z_max).
pub fn collapsed(row: &[f64], u: f64, normaliser: Normaliser) -> bool {
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return false;
    }
    let stable = |z: f64| if z >= 0.0 { z + 1.0 } else { 1.0 / (1.0 - z) };
    let mut rest = 0.0;
    let mut seen_max = false;
    for &z in row {
        if z == max && !seen_max {
            seen_max = true;
            continue;
        }
        rest += match normaliser {
            Normaliser::Softmax => (z - max).exp(),
            Normaliser::StableMax => stable(z) / stable(max),
        };
    }
    rest < u
}

/// Unit roundoff of f16, f32 and f64, with the precisions' names.
pub const PRECISIONS: [(&str, f64); 3] = [
    ("f16", 1.0 / 2048.0),
    ("f32", 1.0 / 16_777_216.0),
    ("f64", 1.0 / 9_007_199_254_740_992.0),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_collapses_at_the_logit_gaps_the_paper_gives() {
        // Prieto et al.: one-hot from a gap of about 7.6 in f16, 16.6 in f32, 36.7 in f64
        // (two classes: exp(−gap) below the unit roundoff).
        let at = |gap: f64| [gap, 0.0];
        let soft = Normaliser::Softmax;
        for ((_, u), gap) in PRECISIONS.iter().zip([7.6, 16.6, 36.7]) {
            assert!(!collapsed(&at(gap - 0.1), *u, soft), "{gap}");
            assert!(collapsed(&at(gap + 0.1), *u, soft), "{gap}");
        }
        // Ties are not one-hot; StableMax's tails keep a gap of 40 far from one-hot.
        assert!(!collapsed(&[3.0, 3.0, 0.0], PRECISIONS[2].1, soft));
        assert!(!collapsed(
            &at(40.0),
            PRECISIONS[0].1,
            Normaliser::StableMax
        ));
        for p in Preset::ALL {
            SoftmaxCollapseSpec::preset(p)
                .validate_rules()
                .expect("valid");
        }
        let labels: Vec<&str> = SoftmaxCollapseSpec::default()
            .runs()
            .iter()
            .map(|r| r.label)
            .collect();
        assert_eq!(labels, [SOFTMAX, WITH_DECAY, STABLEMAX, ORTHOGONAL]);
    }
}
