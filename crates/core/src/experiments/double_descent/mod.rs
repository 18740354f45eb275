//! `double-descent`: test error falls, rises to a peak where the model can first fit its
//! training set exactly (the interpolation threshold), then falls again as the model grows.
//!
//! Modes (the `mode` key):
//! - `features`: random-features regression on MNIST-1D, the feature count N swept across the
//!   number of training samples n, fitted in closed form (minimum norm, and ridge);
//! - `samples`: minimum-norm linear regression in dimension d, the sample count n swept
//!   across d (more data can hurt);
//! - `width`: MLPs 40-h-h-10 of many widths trained together by SGD on MNIST-1D with noisy
//!   labels (the MNIST-1D notebook's setting), the test error of each width read live;
//! - `epochs`: one such MLP near the interpolation threshold, its errors over training: the
//!   test error bottoms out early and rises while the noisy labels are memorised. (The second,
//!   epoch-wise descent Nakkiran et al. report for large convolutional networks did not appear
//!   for these MLPs: widths 30-300, up to 3,000 epochs.)
//! - `two-scale`: epoch-wise double descent, the test error falling, rising and falling again
//!   over training, in a linear model whose features are learned at two speeds (see
//!   `two_scale`).
//!
//! A sweep is a session like any other: each unit of work is short (a block of features or one
//! trial), and each finished point of the curve is a probe the shell absorbs, so the page draws
//! the curve as it builds up.
//!
//! This file (the spec, its modes and plan), `page` (the story, charts and knobs) and `grid` are
//! burn-free. The sweeps and training runs (`features`, `samples`, `widths`, `two_scale`,
//! `session`) need the `engine` feature.

mod cost;
#[cfg(feature = "engine")]
mod draws;
#[cfg(feature = "engine")]
mod features;
mod grid;
#[cfg(feature = "engine")]
mod samples;
#[cfg(feature = "engine")]
mod session;
#[cfg(feature = "engine")]
mod two_scale;
#[cfg(feature = "engine")]
mod widths;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Comparison, Info, Panel, PaperRow, Unit};
use crate::cost::Cost;
use crate::data::table::Table;
use crate::device::Target;
use crate::models::random_features::FeatureKind;
use crate::spec::{Fields, Knob, KnobKind, Preset, SpecError, float, int};
use crate::terms::Metric;
#[cfg(feature = "engine")]
use crate::train::Session;
#[cfg(feature = "engine")]
use burn::tensor::Device;

#[cfg(feature = "engine")]
pub use draws::FeatureDraws;
#[cfg(feature = "engine")]
pub use features::{FeatureSweep, Step};
#[cfg(feature = "engine")]
pub use samples::SampleSweep;
#[cfg(feature = "engine")]
pub use session::{DoubleDescentSession, start};
#[cfg(feature = "engine")]
pub use two_scale::TwoScaleRun;
#[cfg(feature = "engine")]
pub use widths::WidthSweep;

mod page;
pub mod settings;
pub use page::{
    FEATURE_PANELS, INFO, KNOBS, PAPER_POINTS, SAMPLE_PANELS, TRAINED_PANELS, TWO_SCALE_PANELS,
    WIDTH_COMPARISON, WORDS, metric,
};
pub use settings::{Grid, RandomFeatures, Samples, Trained, TwoScale, WidthRange};

/// What is swept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    Features,
    Samples,
    Width,
    Epochs,
    TwoScale,
}

impl Mode {
    pub const NAMES: &'static [&'static str] =
        &["features", "samples", "width", "epochs", "two-scale"];

    /// The mode a report's spec names.
    pub fn of_report(spec: &Map<String, Value>) -> Option<Mode> {
        spec.get("mode")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
    }

    /// The series column of the swept size.
    pub fn axis(self) -> &'static str {
        match self {
            Mode::Features => "features",
            Mode::Samples => "n_train",
            Mode::Width => "width",
            Mode::Epochs | Mode::TwoScale => "epoch",
        }
    }

    /// The groups of settings this mode reads (beside the shared ones).
    pub fn groups(self, spec: &DoubleDescentSpec) -> Vec<&dyn Fields> {
        match self {
            Mode::Features => vec![&spec.grid, &spec.rf],
            Mode::Samples => vec![&spec.grid, &spec.samples],
            Mode::Width => vec![&spec.trained, &spec.range],
            Mode::Epochs => vec![&spec.trained],
            Mode::TwoScale => vec![&spec.two_scale],
        }
    }

    pub fn panels(self) -> &'static [Panel] {
        match self {
            Mode::Features => FEATURE_PANELS,
            Mode::Samples => SAMPLE_PANELS,
            Mode::Width | Mode::Epochs => TRAINED_PANELS,
            Mode::TwoScale => TWO_SCALE_PANELS,
        }
    }
}

/// What the features mode fits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// MNIST-1D, generated from the data seed.
    #[default]
    Mnist1d,
    /// The reader's own CSV file (see [`crate::data::table::OWN_TABLE`]), each column scaled
    /// to [-1, 1] and its rows in the data seed's order: the first `n_train` train, the next
    /// `n_test` test. A link says so and cannot carry the file.
    Local,
}

impl Source {
    pub const NAMES: &'static [&'static str] = &["mnist1d", "local"];

    /// Inputs per sample (for an own file, the most it may have).
    pub fn dim(self) -> usize {
        match self {
            Source::Mnist1d => crate::data::mnist1d::LENGTH,
            Source::Local => crate::data::table::OWN_TABLE.features.1,
        }
    }
}

/// Everything that defines a `double-descent` sweep: the mode, the settings several modes
/// share, and each group of settings a mode reads (their keys flat beside each other in links
/// and JSON).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DoubleDescentSpec {
    pub mode: Mode,
    /// Share of training labels redrawn (`features`, `width`, `epochs`).
    pub label_noise: f64,
    /// The one width the `epochs` mode trains.
    pub width: usize,
    #[serde(flatten)]
    pub grid: Grid,
    #[serde(flatten)]
    pub rf: RandomFeatures,
    #[serde(flatten)]
    pub samples: Samples,
    #[serde(flatten)]
    pub trained: Trained,
    #[serde(flatten)]
    pub range: WidthRange,
    #[serde(flatten)]
    pub two_scale: TwoScale,
    pub data_seed: u64,
    /// Initial weights and feature draws (`two-scale` starts from zero).
    pub init_seed: u64,
}

crate::fields!(
    DoubleDescentSpec { mode, label_noise, width, data_seed, init_seed }
    groups { grid, rf, samples, trained, range, two_scale }
);
crate::deserialize_by_fields!(DoubleDescentSpec);

impl Default for DoubleDescentSpec {
    fn default() -> Self {
        Self::preset(Preset::Quick)
    }
}

/// The most random features a sweep may compute (the Gram updates cost n²·N).
pub const MAX_FEATURES: f64 = 40_000.0;
/// The most samples a sample-wise point may draw.
pub const MAX_SAMPLES: f64 = 20_000.0;
/// The most hidden units a width sweep may train at once (the masked middle layer is H²).
pub const MAX_HIDDEN: usize = 4000;
/// Features computed per unit of work: small enough to keep each unit short in a browser tab.
pub const COLUMN_CHUNK: usize = 64;

impl DoubleDescentSpec {
    pub fn preset(preset: Preset) -> Self {
        // Belkin et al.'s model-wise sweep, on MNIST-1D: n = 1000 training samples, random
        // ReLU features from n/10 to 10n, 15% of the labels redrawn. The ridge run uses
        // λ = 1e-4 (relative to n): the peak is gone and the test error falls monotonically.
        let paper = Self {
            mode: Mode::Features,
            label_noise: 0.15,
            width: 47,
            grid: Grid {
                ridge: 1e-4,
                ratio_min: 0.1,
                ratio_max: 10.0,
                points: 25,
            },
            rf: RandomFeatures {
                features: FeatureKind::Relu,
                dataset: Source::Mnist1d,
                n_train: 1000,
                n_test: 2000,
                draws: 5,
            },
            samples: Samples {
                dim: 100,
                noise: 0.5,
                trials: 20,
            },
            // The MNIST-1D notebook: 4,000 / 12,000 samples, widths 2..300 (19), SGD lr 0.01
            // momentum 0.9, batch 100, 500 epochs.
            trained: Trained {
                mlp_train: 4000,
                mlp_test: 12_000,
                epochs: 500,
                lr: 0.01,
                momentum: 0.9,
                batch: 100,
                eval_every: 10,
            },
            range: WidthRange {
                width_min: 2,
                width_max: 300,
                widths: 19,
            },
            // Epoch-wise: 100 samples, 70 fast features (scale 1) and 20 slow ones (scale 0.1)
            // that carry 40% of the signal, noise σ = 0.1; gradient descent with step 0.2 for
            // 20,000 epochs. Test error: 1.01 → ~0.65 (epoch ~6) → ~1.0 (epoch ~150) →
            // ~0.06-0.1 (epochs 10,000-20,000).
            two_scale: TwoScale {
                gd_train: 100,
                fast_dims: 70,
                slow_dims: 20,
                slow_scale: 0.1,
                slow_share: 0.4,
                target_noise: 0.1,
                gd_steps: 20_000,
                gd_lr: 0.2,
            },
            data_seed: 0,
            init_seed: 0,
        };
        // The quick and ci presets: 1,000 test samples, 19 sizes, 30% of the labels redrawn,
        // and the width mode on 1,000 / 5,000 samples, 14 widths (the ci setting, ~25 s on 2
        // CPU cores).
        let smaller = |n_train| Self {
            label_noise: 0.3,
            width: 30,
            grid: Grid {
                points: 19,
                ..paper.grid.clone()
            },
            rf: RandomFeatures {
                n_train,
                n_test: 1000,
                ..paper.rf.clone()
            },
            trained: Trained {
                mlp_train: 1000,
                mlp_test: 5000,
                ..paper.trained.clone()
            },
            range: WidthRange {
                widths: 14,
                ..paper.range.clone()
            },
            ..paper.clone()
        };
        match preset {
            Preset::Paper => paper,
            // The closed form at n = 1000 takes ~1.2 s natively and ~3 s in a browser tab.
            Preset::Quick => smaller(1000),
            // The width mode on 2 CPU cores: 1,000 training samples with 30% of the labels
            // redrawn, 14 widths 2..300, 500 epochs (~25 s). The test error bottoms out near
            // h = 3-6, peaks at h = 30 where the training error first reaches 0, and falls
            // again to its lowest at h = 300 (seeds 0 and 1).
            Preset::Ci => smaller(300),
        }
    }

    /// Checks the rules that involve several fields.
    pub(crate) fn validate_rules(&self) -> Result<(), SpecError> {
        if self.rf.dataset == Source::Local && self.mode != Mode::Features {
            return Err(SpecError::Inconsistent(
                "dataset=local: the features mode fits a data file; the other modes make \
                 their own data"
                    .into(),
            ));
        }
        if self.grid.ratio_min >= self.grid.ratio_max {
            return Err(SpecError::Inconsistent(format!(
                "ratio_min={} must be below ratio_max={}",
                self.grid.ratio_min, self.grid.ratio_max
            )));
        }
        let (threshold, limit, what) = match self.mode {
            Mode::Features => (self.rf.n_train, MAX_FEATURES, "features"),
            Mode::Samples => (self.samples.dim, MAX_SAMPLES, "samples"),
            Mode::Width | Mode::Epochs => return self.validate_widths(),
            Mode::TwoScale => return self.validate_two_scale(),
        };
        let largest = threshold as f64 * self.grid.ratio_max;
        if largest > limit {
            return Err(SpecError::Inconsistent(format!(
                "the sweep would reach {largest:.0} {what} (limit {limit:.0}): lower ratio_max"
            )));
        }
        Ok(())
    }

    fn validate_two_scale(&self) -> Result<(), SpecError> {
        let dim = self.two_scale.fast_dims + self.two_scale.slow_dims;
        if self.two_scale.gd_train * dim > 1_000_000 || dim > 2000 {
            return Err(SpecError::Inconsistent(format!(
                "{} samples of {dim} features is too large (at most 2,000 features and a million \
                 numbers)",
                self.two_scale.gd_train
            )));
        }
        Ok(())
    }

    fn validate_widths(&self) -> Result<(), SpecError> {
        if self.range.width_min > self.range.width_max {
            return Err(SpecError::Inconsistent(format!(
                "width_min={} is above width_max={}",
                self.range.width_min, self.range.width_max
            )));
        }
        if self.trained.batch > self.trained.mlp_train {
            return Err(SpecError::Inconsistent(format!(
                "batch={} is more than mlp_train={}",
                self.trained.batch, self.trained.mlp_train
            )));
        }
        crate::spec::evaluates(self.trained.eval_every, self.trained.epochs, "epochs")?;
        let total: usize = self.widths().iter().sum();
        if total > MAX_HIDDEN {
            return Err(SpecError::Inconsistent(format!(
                "the widths add up to {total} hidden units (limit {MAX_HIDDEN}): fewer or \
                 narrower widths"
            )));
        }
        Ok(())
    }

    /// Whether `key` matters in this spec's mode: the groups the mode reads
    /// ([`Mode::groups`]), and the settings it shares.
    pub fn uses(&self, key: &str) -> bool {
        match key {
            "mode" | "data_seed" => true,
            "label_noise" => matches!(self.mode, Mode::Features | Mode::Width | Mode::Epochs),
            "width" => self.mode == Mode::Epochs,
            // Gradient descent starts from zero: nothing random but the data.
            "init_seed" => self.mode != Mode::TwoScale,
            _ => self
                .mode
                .groups(self)
                .iter()
                .any(|group| group.keys().contains(&key)),
        }
    }

    /// The size at which fits first interpolate: n (features mode) or d (samples mode).
    /// (The width mode measures it instead: the narrowest width that fits its training set.)
    pub fn threshold(&self) -> usize {
        match self.mode {
            Mode::Features | Mode::Width | Mode::Epochs => self.rf.n_train,
            Mode::Samples => self.samples.dim,
            Mode::TwoScale => self.two_scale.gd_train,
        }
    }

    /// SGD steps per epoch in the width mode.
    pub fn steps_per_epoch(&self) -> usize {
        self.trained.mlp_train.div_ceil(self.trained.batch.max(1))
    }

    /// Units of work of the sweep (progress bars).
    pub fn units(&self) -> usize {
        match self.mode {
            Mode::Features => {
                let sizes = grid::sizes(
                    self.rf.n_train,
                    self.grid.ratio_min,
                    self.grid.ratio_max,
                    self.grid.points,
                );
                let mut done = 0;
                let mut units = 0;
                for size in sizes {
                    units += (size - done).div_ceil(COLUMN_CHUNK) + 1;
                    done = size;
                }
                units * self.rf.draws.max(1)
            }
            Mode::Samples => {
                grid::sizes(
                    self.samples.dim,
                    self.grid.ratio_min,
                    self.grid.ratio_max,
                    self.grid.points,
                )
                .len()
                    * self.samples.trials
            }
            Mode::Width | Mode::Epochs => self.trained.epochs * self.steps_per_epoch(),
            Mode::TwoScale => self.two_scale.gd_steps,
        }
    }

    /// Widths `width_min..=width_max` on a geometric grid of `count` sizes (distinct, rounded),
    /// plus the published widths that fall in the range, so the numbers compare directly; the
    /// epochs mode trains the one `width`.
    pub fn widths(&self) -> Vec<usize> {
        if self.mode == Mode::Epochs {
            return vec![self.width];
        }
        let ratio = self.range.width_max as f64 / self.range.width_min as f64;
        let mut out = grid::sizes(self.range.width_min, 1.0, ratio, self.range.widths);
        out.extend(
            PAPER_POINTS
                .iter()
                .map(|p| p.0)
                .filter(|w| (self.range.width_min..=self.range.width_max).contains(w)),
        );
        out.sort_unstable();
        out.dedup();
        out
    }
}

impl super::Declaration for DoubleDescentSpec {
    fn axis(&self) -> &'static str {
        self.mode.axis()
    }

    fn run_words() -> &'static [(&'static str, &'static str)] {
        &[("min-norm", "minimum norm"), ("mlp", "MLP")]
    }

    fn info() -> &'static Info {
        &INFO
    }

    fn knobs() -> &'static [Knob] {
        KNOBS
    }

    fn preset(preset: Preset) -> Self {
        DoubleDescentSpec::preset(preset)
    }

    fn words() -> &'static [Metric] {
        WORDS
    }

    fn comparison() -> Option<&'static Comparison> {
        Some(&WIDTH_COMPARISON)
    }

    /// Before v3 a feature sweep drew its features once.
    fn as_of(&mut self, _preset: Preset, version: u32) {
        if version < 3 {
            self.rf.draws = 1;
        }
    }

    fn validate_rules(&self) -> Result<(), SpecError> {
        DoubleDescentSpec::validate_rules(self)
    }

    fn total_steps(&self) -> usize {
        self.units()
    }

    fn cost(&self, target: Target) -> Cost {
        DoubleDescentSpec::cost(self, target)
    }

    fn panels(&self) -> &'static [Panel] {
        self.mode.panels()
    }

    /// Only the trained width sweep has published numbers.
    fn comparison_here(&self) -> Option<&'static Comparison> {
        (self.mode == Mode::Width).then_some(&WIDTH_COMPARISON)
    }

    fn note(&self) -> Option<&'static str> {
        Some(self.mode_note())
    }

    fn uses(&self, key: &str) -> bool {
        DoubleDescentSpec::uses(self, key)
    }

    fn is_sweep(&self) -> bool {
        matches!(self.mode, Mode::Features | Mode::Samples)
    }

    fn on_own_data(&self) -> bool {
        self.rf.dataset == Source::Local
    }

    /// The feature sweep (the mode that fits data), its test set a quarter of the file, its
    /// threshold n the rest (or less).
    fn fit_to(&mut self, table: &Table) -> Result<(), SpecError> {
        self.mode = Mode::Features;
        self.rf.dataset = Source::Local;
        self.rf.n_test = crate::data::table::test_rows(table.rows());
        self.rf.n_train = self
            .rf
            .n_train
            .min(crate::data::table::train_rows(table.rows()));
        Ok(())
    }

    /// Closed-form sweeps solve on the host in f64 (the features mode's Gram products on the
    /// device when it is a GPU); the trained modes train on the device.
    #[cfg(feature = "engine")]
    fn start(
        &self,
        device: &Device,
        _runs: Option<&[usize]>,
        _threads: usize,
        local: Option<&Table>,
    ) -> Result<Box<dyn Session>, SpecError> {
        start(self, device, local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_sweeps_are_refused() {
        let mut spec = DoubleDescentSpec::preset(Preset::Quick);
        spec.rf.n_train = 2000;
        spec.grid.ratio_max = 50.0;
        let err = spec.validate_rules().expect_err("100k features");
        assert!(err.to_string().contains("100000 features"), "{err}");
        let mut spec = DoubleDescentSpec::preset(Preset::Quick);
        spec.grid.ratio_min = 1.0;
        spec.grid.ratio_max = 1.0;
        assert!(spec.validate_rules().is_err());
    }
}
