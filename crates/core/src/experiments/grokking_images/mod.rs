//! `grokking-images`: grokking on real images (Liu, Michaud & Tegmark 2023, "Omnigrok"). An MLP
//! on the 8×8 digits whose initial weights are scaled up by α fits its training digits at
//! once, then sits at a poor test accuracy until weight decay has brought its weight norm down,
//! and generalises late; at α = 1 (the control) there is no wait, without weight decay (the
//! other control) it never comes, and Grokfast's slow-gradient filter shortens it. With the
//! weight norm held fixed by rescaling after every step (`compare=norms`), training loss is low
//! from a norm upwards and test loss is U-shaped in it: the paper's "LU" picture.
//!
//! Here: the spec and its runs. `page` holds the story, knobs, charts and the paper's
//! numbers; `cost` the price; `session` the training (engine only), on
//! `crate::models::mlp_stack`.

use serde::{Deserialize, Serialize};

use super::{Comparison, Info, Panel};
use crate::cost::Cost;
use crate::data::pool::{CLASSES, Dataset};
#[cfg(feature = "engine")]
use crate::data::table::Table;
use crate::device::Target;
use crate::spec::{Knob, Preset, SpecError};
use crate::terms::Metric;
#[cfg(feature = "engine")]
use crate::train::Session;
use crate::train::grokfast::Filter;
#[cfg(feature = "engine")]
use burn::tensor::Device;

mod cost;
mod page;
#[cfg(feature = "engine")]
mod session;

pub use page::{COMPARISON, GENERALISED, INFO, KNOBS, NORM_PANELS, PANELS, WORDS, metric};
#[cfg(feature = "engine")]
pub use session::GrokkingImagesSession;

/// The images the networks learn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The UCI 8×8 digits.
    #[default]
    Digits,
    /// MNIST-1D, generated from the data seed.
    Mnist1d,
}

impl Source {
    pub const NAMES: &'static [&'static str] = &["digits", "mnist1d"];

    pub fn dataset(self) -> Dataset {
        match self {
            Source::Digits => Dataset::Digits,
            Source::Mnist1d => Dataset::Mnist1d,
        }
    }
}

/// Which runs train side by side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compare {
    /// The large start, and its controls: α = 1, the large start without weight decay, and the
    /// large start with Grokfast-EMA.
    #[default]
    Controls,
    /// The large start alone.
    One,
    /// The weight norm held at each of `norms` scales of the usual start (from `norm_min` to
    /// `norm_max`, log-spaced), no weight decay: the "LU" picture.
    Norms,
}

impl Compare {
    pub const NAMES: &'static [&'static str] = &["controls", "one", "norms"];
}

crate::fields! {
    /// Everything that defines a `grokking-images` run.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    pub struct GrokkingImagesSpec {
        pub dataset: Source,
        pub n_train: usize,
        pub width: usize,
        pub depth: usize,
        /// α: every initial parameter multiplied by it.
        pub init_scale: f64,
        pub compare: Compare,
        pub lr: f64,
        /// AdamW's decoupled weight decay.
        pub weight_decay: f64,
        pub batch: usize,
        pub steps: usize,
        pub eval_every: usize,
        pub ema_alpha: f64,
        pub ema_lambda: f64,
        pub norm_min: f64,
        pub norm_max: f64,
        pub norms: usize,
        pub data_seed: u64,
        pub init_seed: u64,
        pub order_seed: u64,
        /// Networks a run trains from seeds `init_seed + k`, `order_seed + k`, on one split.
        pub seeds: usize,
    }
}

impl Default for GrokkingImagesSpec {
    fn default() -> Self {
        Self::preset(Preset::Quick)
    }
}

/// One run a spec trains.
#[derive(Clone, Debug, PartialEq)]
pub struct RunPlan {
    pub label: String,
    /// α of its start.
    pub scale: f64,
    pub weight_decay: f64,
    pub filter: Option<Filter>,
    /// Whether its weight norm is held at its start's after every step.
    pub fixed_norm: bool,
}

/// A number as a label: `8`, `0.32`.
fn short(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    format!("{r}")
}

impl GrokkingImagesSpec {
    pub fn preset(preset: Preset) -> Self {
        // Calibrated on the 8×8 digits (docs/benchmarks-history.md): with 300 training digits the large
        // start fits them by step ~1,400 and reaches 85% test accuracy only at ~7,400, as its
        // weight norm falls from 76 to 30; at α = 1 by step ~14; without weight decay not in
        // 10,000 steps. Grokfast-EMA at the paper's λ = 0.1 gains nothing at this weight
        // decay; λ = 2 brings it to ~5,800.
        let quick = Self {
            dataset: Source::Digits,
            n_train: 300,
            width: 128,
            depth: 2,
            init_scale: 8.0,
            compare: Compare::Controls,
            lr: 5e-3,
            weight_decay: 0.02,
            batch: 100,
            steps: 10_000,
            eval_every: 200,
            ema_alpha: 0.8,
            ema_lambda: 2.0,
            norm_min: 0.1,
            norm_max: 10.0,
            norms: 9,
            data_seed: 0,
            init_seed: 0,
            order_seed: 0,
            seeds: 1,
        };
        match preset {
            Preset::Quick => quick,
            // Faster for the tests: a larger step and more decay, memorised by ~900 and
            // generalised by ~2,200.
            Preset::Ci => Self {
                lr: 0.01,
                weight_decay: 0.03,
                steps: 3000,
                ..quick
            },
            // The paper's MLP and optimiser on the images a browser holds (the paper: MNIST,
            // 784 inputs, 1,000 training images, batch 200, 10⁵ steps, weight decay 0.01).
            Preset::Paper => Self {
                n_train: 1000,
                width: 200,
                lr: 1e-3,
                weight_decay: 0.01,
                batch: 200,
                steps: 100_000,
                eval_every: 1000,
                ema_lambda: 0.1,
                ..quick
            },
        }
    }

    /// The α values of `compare=norms`, smallest first, log-spaced and rounded to hundredths.
    pub fn norm_grid(&self) -> Vec<f64> {
        let n = self.norms.max(2);
        let (lo, hi) = (self.norm_min.ln(), self.norm_max.ln());
        let mut out: Vec<f64> = (0..n)
            .map(|k| {
                let s = (lo + (hi - lo) * k as f64 / (n - 1) as f64).exp();
                (s * 100.0).round() / 100.0
            })
            .collect();
        out.dedup();
        out
    }

    /// The runs to train, in order.
    pub fn runs(&self) -> Vec<RunPlan> {
        let a = self.init_scale;
        let run = |label: String, scale: f64, weight_decay: f64, filter| RunPlan {
            label,
            scale,
            weight_decay,
            filter,
            fixed_norm: false,
        };
        let large = run(format!("α {}", short(a)), a, self.weight_decay, None);
        match self.compare {
            Compare::One => vec![large],
            Compare::Controls => vec![
                large,
                run("α 1 (control)".into(), 1.0, self.weight_decay, None),
                run(format!("α {} without weight decay", short(a)), a, 0.0, None),
                run(
                    format!("α {} + Grokfast-EMA", short(a)),
                    a,
                    self.weight_decay,
                    Some(Filter::Ema {
                        alpha: self.ema_alpha,
                        lambda: self.ema_lambda,
                    }),
                ),
            ],
            Compare::Norms => self
                .norm_grid()
                .into_iter()
                .map(|s| RunPlan {
                    fixed_norm: true,
                    ..run(format!("norm ×{}", short(s)), s, 0.0, None)
                })
                .collect(),
        }
    }

    /// Parameters of one network.
    pub fn parameters(&self) -> usize {
        let (d, w) = (self.dataset.dataset().dim(), self.width);
        d * w + w + (self.depth - 1) * (w * w + w) + w * CLASSES + CLASSES
    }

    pub(crate) fn validate_rules(&self) -> Result<(), SpecError> {
        crate::spec::evaluates(self.eval_every, self.steps, "steps")?;
        self.dataset.dataset().check("n_train", self.n_train)?;
        if self.norm_min >= self.norm_max {
            return Err(SpecError::Inconsistent(format!(
                "norm_min={} is not below norm_max={}",
                self.norm_min, self.norm_max
            )));
        }
        Ok(())
    }

    /// Whether `key` matters for this spec's runs.
    pub fn uses(&self, key: &str) -> bool {
        match key {
            "ema_alpha" | "ema_lambda" => self.compare == Compare::Controls,
            "norm_min" | "norm_max" | "norms" => self.compare == Compare::Norms,
            "init_scale" | "weight_decay" => self.compare != Compare::Norms,
            _ => true,
        }
    }
}

impl super::Declaration for GrokkingImagesSpec {
    fn info() -> &'static Info {
        &INFO
    }

    fn knobs() -> &'static [Knob] {
        KNOBS
    }

    fn preset(preset: Preset) -> Self {
        GrokkingImagesSpec::preset(preset)
    }

    fn words() -> &'static [Metric] {
        WORDS
    }

    fn comparison() -> Option<&'static Comparison> {
        Some(&COMPARISON)
    }

    fn validate_rules(&self) -> Result<(), SpecError> {
        GrokkingImagesSpec::validate_rules(self)
    }

    fn total_steps(&self) -> usize {
        self.steps
    }

    fn cost(&self, _target: Target) -> Cost {
        GrokkingImagesSpec::cost(self)
    }

    fn panels(&self) -> &'static [Panel] {
        match self.compare {
            Compare::Norms => NORM_PANELS,
            _ => PANELS,
        }
    }

    /// The Grokfast paper's MNIST speed-up is for the large start and its filter.
    fn comparison_here(&self) -> Option<&'static Comparison> {
        (self.compare == Compare::Controls).then_some(&COMPARISON)
    }

    fn uses(&self, key: &str) -> bool {
        GrokkingImagesSpec::uses(self, key)
    }

    #[cfg(feature = "engine")]
    fn start(
        &self,
        device: &Device,
        _runs: Option<&[usize]>,
        _threads: usize,
        _local: Option<&Table>,
    ) -> Result<Box<dyn Session>, SpecError> {
        Ok(Box::new(GrokkingImagesSession::new(self.clone(), device)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_validate_and_the_controls_differ_from_the_large_start_in_one_thing() {
        for p in Preset::ALL {
            GrokkingImagesSpec::preset(p)
                .validate_rules()
                .unwrap_or_else(|e| panic!("{}: {e}", p.name()));
        }
        let quick = GrokkingImagesSpec::preset(Preset::Quick);
        let runs = quick.runs();
        let labels: Vec<&str> = runs.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "α 8",
                "α 1 (control)",
                "α 8 without weight decay",
                "α 8 + Grokfast-EMA"
            ]
        );
        assert_eq!(runs[1].weight_decay, runs[0].weight_decay);
        assert_eq!(runs[2].weight_decay, 0.0);
        assert!(runs[3].filter.is_some() && runs[0].filter.is_none());
        let norms = GrokkingImagesSpec {
            compare: Compare::Norms,
            ..quick
        };
        let grid = norms.norm_grid();
        assert_eq!(grid.len(), 9);
        assert_eq!((grid[0], grid[4], grid[8]), (0.1, 1.0, 10.0));
        assert!(
            norms
                .runs()
                .iter()
                .all(|r| r.fixed_norm && r.weight_decay == 0.0)
        );
    }
}
