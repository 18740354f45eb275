//! `augmentation`: MLPs on small training sets of the 8×8 digits (or MNIST-1D, or the reader's
//! own table), with and without random shifts, rotations, scalings and pixel noise (MNIST-1D:
//! translation, stretch, shear, noise; a table: noise alone), at three training-set sizes and over a range of augmentation strengths,
//! several seeds each (mean ± spread), every model trained at once.

use serde::{Deserialize, Serialize};

use super::{Comparison, Info, Panel, PaperRow, Unit};
use crate::cost::Cost;
use crate::data::augment::{Augment, Kind};
use crate::data::pool::{Dataset, Splits};
use crate::data::table::Table;
use crate::device::Target;
use crate::spec::{Knob, KnobKind, Preset, SpecError, float, int};
use crate::terms::Metric;
#[cfg(feature = "engine")]
use crate::train::Session;
#[cfg(feature = "engine")]
use burn::tensor::Device;

mod cost;
#[cfg(feature = "engine")]
mod session;
#[cfg(feature = "engine")]
pub use session::AugmentationSession;

pub static INFO: Info = Info {
    id: "augmentation",
    title: "Data augmentation",
    claim: "Training on randomly shifted, rotated and noisy copies of a few digits works like \
        having more digits, up to a point.",
    see: "The smallest training set's test accuracy with augmentation against without.",
    explanation: "A digit moved by a pixel or turned by a few degrees is still the same digit, \
        so drawing such variations at every step teaches the network what does not matter and \
        stretches a small training set further. Push the strength too far and the copies stop \
        looking like their labels: test accuracy falls again.",
    paper: "Simard, Steinkraus & Platt, Best practices for convolutional neural networks applied \
        to visual document analysis (ICDAR 2003)",
    paper_url: "https://doi.org/10.1109/ICDAR.2003.1227801",
    watch: "Watch the smallest training set: with augmentation its test accuracy climbs above the run without; in the strength sweep, too strong an augmentation hurts again.",
    story: &["dataset", "kind", "strength", "n_small", "width"],
    try_these: &[
        ("Much stronger augmentation", &[("strength", "4")]),
        ("Only small shifts", &[("kind", "shift")]),
        ("MNIST-1D instead of the digits", &[("dataset", "mnist1d")]),
    ],
    marks: &[],
    own_data: Some(crate::data::table::OWN_TABLE),
    next: &[],
};

pub static PANELS: &[Panel] = &[
    Panel {
        title: "test accuracy by training-set size",
        metrics: &[metric::TEST_ACC],
        y_range: None,
        log_x: true,
        log_y: false,
        x: Some(metric::N_TRAIN),
    },
    Panel {
        title: "accuracy by augmentation strength (validation chooses, test reports)",
        metrics: &[metric::VAL_ACC, metric::TEST_ACC],
        y_range: None,
        log_x: false,
        log_y: false,
        x: Some(metric::STRENGTH),
    },
    Panel {
        title: "test accuracy while training",
        metrics: &[metric::TEST_ACC],
        y_range: None,
        log_x: false,
        log_y: false,
        x: None,
    },
    Panel {
        title: "training accuracy (on the original digits)",
        metrics: &[metric::TRAIN_ACC],
        y_range: None,
        log_x: false,
        log_y: false,
        x: None,
    },
];

pub static COMPARISON: Comparison = Comparison {
    caption: "test error without and with augmentation",
    setting: "Simard et al. (2003): MNIST, 60,000 training images, a two-layer MLP: 1.6% test \
        error without augmentation, 1.1% with affine distortions. Yours: 1,000 of the 8×8 \
        digits, so compare the ratio.",
    preset: Preset::Paper,
    set: &[],
    rows: &[
        PaperRow {
            label: "no augmentation",
            run: "no-aug n=1000",
            metric: metric::TEST_ERROR,
            paper: 0.016,
        },
        PaperRow {
            label: "affine distortions",
            run: "aug-all n=1000",
            metric: metric::TEST_ERROR,
            paper: 0.011,
        },
    ],
    ratio_to: Some("no augmentation"),
    ratio_label: "fewer errors",
    unit: Unit::Percent,
    source: "paper",
};

pub mod metric {
    //! The keys only this experiment reports (and, re-exported, the shared ones).

    pub use crate::terms::metric::*;
    use crate::terms::{Metric, Unit};

    pub const N_SMALL: Metric =
        Metric::new("n_small", "training examples (small set)", Unit::Count);
    pub const N_MEDIUM: Metric =
        Metric::new("n_medium", "training examples (medium set)", Unit::Count);
    pub const N_LARGE: Metric =
        Metric::new("n_large", "training examples (large set)", Unit::Count);
    pub const STRENGTH: Metric = Metric::new("strength", "augmentation strength", Unit::Number);
    pub const TEST_ACC_AT_BEST: Metric = Metric::new(
        "test_acc_at_best",
        "test accuracy at the best strength",
        Unit::Percent,
    );
    pub const STRONGEST_GAIN: Metric = Metric::new(
        "strongest_gain",
        "gain of the strongest augmentation",
        Unit::Percent,
    );
    pub const BEST_STRENGTH: Metric =
        Metric::new("best_strength", "best augmentation strength", Unit::Number);
    pub const VALIDATION: Metric = Metric::new("validation", "validation examples", Unit::Count);
}

/// The keys only augmentation reports, in words.
pub static WORDS: &[Metric] = &[
    metric::N_SMALL,
    metric::N_MEDIUM,
    metric::N_LARGE,
    metric::STRENGTH,
    metric::TEST_ACC_AT_BEST,
    metric::STRONGEST_GAIN,
    metric::BEST_STRENGTH,
    metric::VALIDATION,
];

pub static KNOBS: &[Knob] = &[
    Knob {
        key: "dataset",
        label: "Data set",
        help: "The 8×8 digits (shifts, rotations, scalings, noise), MNIST-1D (translation, \
            stretching, shear, noise), or local: your own CSV file (feature columns, then a \
            label; noise alone, a quarter of its rows held out to test).",
        kind: KnobKind::Choice(Dataset::NAMES),
    },
    Knob {
        key: "kind",
        label: "Augmentation",
        help: "Which random transformations: all four, or one alone.",
        kind: KnobKind::Choice(Kind::NAMES),
    },
    Knob {
        key: "strength",
        label: "Strength",
        help: "1 means shifts up to ±1 pixel, rotations up to ±10°, scalings up to ±10% and \
            pixel noise 0.05; the ranges grow in proportion.",
        kind: float(0.05, 8.0, true),
    },
    Knob {
        key: "sweep_max",
        label: "Strongest in sweep",
        help: "The largest strength of the strength sweep (run on the smallest training set).",
        kind: float(0.1, 16.0, true),
    },
    Knob {
        key: "sweep",
        label: "Sweep strengths",
        help: "Strengths in the sweep: the strongest, its half, its quarter, ... (0 for none).",
        kind: int(0, 6, false),
    },
    Knob {
        key: "n_small",
        label: "Small training set",
        help: "Training examples of the smallest set (the strength sweep uses it).",
        kind: int(10, 4000, true),
    },
    Knob {
        key: "n_medium",
        label: "Medium training set",
        help: "Training examples of the middle set.",
        kind: int(10, 4000, true),
    },
    Knob {
        key: "n_large",
        label: "Large training set",
        help: "Training examples of the largest set (at most 1,297 digits or 4,000 MNIST-1D \
            signals).",
        kind: int(10, 4000, true),
    },
    Knob {
        key: "width",
        label: "Width",
        help: "Units per hidden layer.",
        kind: int(8, 1024, true),
    },
    Knob {
        key: "depth",
        label: "Hidden layers",
        help: "Number of hidden layers.",
        kind: int(1, 3, false),
    },
    Knob {
        key: "seeds",
        label: "Seeds",
        help: "Models per setting, each with its own initial weights, order and random \
            transformations (the spread between them is the error bar).",
        kind: int(1, 8, false),
    },
    Knob {
        key: "splits",
        label: "Splits",
        help: "per-seed: seed k holds out its own test and validation examples and trains on \
            its own (data seed + k), so the error bar includes the luck of the split; shared: \
            every seed uses the data seed's split.",
        kind: KnobKind::Choice(Splits::NAMES),
    },
    Knob {
        key: "lr",
        label: "Learning rate",
        help: "Adam's step size.",
        kind: float(1e-5, 0.1, true),
    },
    Knob {
        key: "weight_decay",
        label: "Weight decay",
        help: "L2 penalty added to the gradient.",
        kind: float(0.0, 0.1, false),
    },
    Knob {
        key: "batch",
        label: "Batch size",
        help: "Images per step (at most the smallest training set).",
        kind: int(1, 1024, true),
    },
    Knob {
        key: "steps",
        label: "Steps",
        help: "Optimizer steps.",
        kind: int(1, 100_000, true),
    },
    Knob {
        key: "eval_every",
        label: "Evaluate every",
        help: "Steps between evaluations.",
        kind: int(1, 10_000, true),
    },
    Knob {
        key: "data_seed",
        label: "Data seed",
        help: "Picks the test, validation and training examples (smaller training sets are \
            part of larger ones; with per-seed splits, of the first seed) and generates MNIST-1D.",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "seed",
        label: "First seed",
        help: "Seeds seed, seed + 1, ... give the models' initial weights, order and \
            transformations.",
        kind: KnobKind::Seed,
    },
];

/// Most validation examples per model (see [`AugmentationSpec::validation`]).
pub const VALIDATION: usize = 300;

crate::fields! {
    /// Everything that defines an `augmentation` run.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    pub struct AugmentationSpec {
        pub dataset: Dataset,
        pub kind: Kind,
        pub strength: f64,
        pub sweep_max: f64,
        pub sweep: usize,
        pub n_small: usize,
        pub n_medium: usize,
        pub n_large: usize,
        pub width: usize,
        pub depth: usize,
        pub seeds: usize,
        pub splits: Splits,
        pub lr: f64,
        pub weight_decay: f64,
        pub batch: usize,
        pub steps: usize,
        pub eval_every: usize,
        pub data_seed: u64,
        pub seed: u64,
    }
}

impl Default for AugmentationSpec {
    fn default() -> Self {
        Self::preset(Preset::Quick)
    }
}

impl AugmentationSpec {
    pub fn preset(preset: Preset) -> Self {
        let paper = Self {
            dataset: Dataset::Digits,
            kind: Kind::All,
            strength: 0.75,
            sweep_max: 4.0,
            sweep: 4,
            n_small: 100,
            n_medium: 300,
            n_large: 1000,
            width: 256,
            depth: 2,
            seeds: 5,
            splits: Splits::PerSeed,
            lr: 1e-3,
            weight_decay: 0.0,
            batch: 32,
            steps: 4000,
            eval_every: 100,
            data_seed: 1,
            seed: 1,
        };
        match preset {
            Preset::Paper => paper,
            Preset::Quick => Self {
                seeds: 3,
                steps: 2500,
                ..paper
            },
            Preset::Ci => Self {
                seeds: 3,
                sweep: 3,
                steps: 2000,
                ..paper
            },
        }
    }

    pub(crate) fn validate_rules(&self) -> Result<(), SpecError> {
        crate::spec::evaluates(self.eval_every, self.steps, "steps")?;
        self.dataset.check("n_large", self.n_large)?;
        if self.dataset == Dataset::Local && !matches!(self.kind, Kind::All | Kind::Noise) {
            return Err(SpecError::Inconsistent(format!(
                "kind={} moves values along an image or a signal; a table's columns have no \
                 such order: use kind=noise (or all, which is noise alone on a table)",
                self.kind.name()
            )));
        }
        if !(self.n_small < self.n_medium && self.n_medium < self.n_large) {
            return Err(SpecError::Inconsistent(format!(
                "training sets must grow: n_small={} < n_medium={} < n_large={}",
                self.n_small, self.n_medium, self.n_large
            )));
        }
        Ok(())
    }

    pub fn sizes(&self) -> [usize; 3] {
        [self.n_small, self.n_medium, self.n_large]
    }

    /// Strengths of the sweep besides 0 and `strength`: `sweep_max`, its half, ... ascending.
    pub fn sweep_strengths(&self) -> Vec<f64> {
        let mut out: Vec<f64> = (0..self.sweep)
            .rev()
            .map(|k| self.sweep_max / f64::from(1u32 << k))
            .filter(|s| (s - self.strength).abs() > 1e-9)
            .collect();
        out.dedup();
        out
    }

    /// Validation examples per model: held out of every training set and of the test set,
    /// they choose the best strength of the sweep (the test set only reports it). At most
    /// [`VALIDATION`], and what the largest training set leaves of the data set (for an own
    /// file, of the largest one allowed: see [`AugmentationSpec::validation_in`]).
    pub fn validation(&self) -> usize {
        self.validation_in(self.dataset.max_train())
    }

    /// [`AugmentationSpec::validation`] in a data set of `max_train` training examples.
    pub fn validation_in(&self, max_train: usize) -> usize {
        VALIDATION.min(max_train.saturating_sub(self.n_large))
    }

    /// The augmented runs' label, e.g. `aug-all`.
    pub fn aug_label(&self) -> String {
        format!("aug-{}", self.kind.name())
    }

    /// The augmentation of this spec's kind at `strength`.
    pub fn augment(&self, strength: f64) -> Augment {
        Augment::of(self.kind, strength as f32)
    }
}

impl super::Declaration for AugmentationSpec {
    fn run_words() -> &'static [(&'static str, &'static str)] {
        &[
            ("no-aug", "no augmentation"),
            ("aug-all", "all augmentations"),
            ("n={}", "n = {}"),
        ]
    }

    fn info() -> &'static Info {
        &INFO
    }

    fn knobs() -> &'static [Knob] {
        KNOBS
    }

    fn preset(preset: Preset) -> Self {
        AugmentationSpec::preset(preset)
    }

    fn words() -> &'static [Metric] {
        WORDS
    }

    fn comparison() -> Option<&'static Comparison> {
        Some(&COMPARISON)
    }

    /// Before v3 every seed trained on one shared split.
    fn as_of(&mut self, _preset: Preset, version: u32) {
        if version < 3 {
            self.splits = Splits::Shared;
        }
    }

    fn validate_rules(&self) -> Result<(), SpecError> {
        AugmentationSpec::validate_rules(self)
    }

    fn total_steps(&self) -> usize {
        self.steps
    }

    fn cost(&self, _target: Target) -> Cost {
        AugmentationSpec::cost(self)
    }

    fn panels(&self) -> &'static [Panel] {
        PANELS
    }

    fn comparison_here(&self) -> Option<&'static Comparison> {
        Some(&COMPARISON)
    }

    fn on_own_data(&self) -> bool {
        self.dataset == Dataset::Local
    }

    /// A table takes noise alone (it has no picture to shift, rotate or scale); the three
    /// training sets fit beside the file's test quarter with a fifth of the rest left to
    /// validate, shrunk in proportion.
    fn fit_to(&mut self, table: &Table) -> Result<(), SpecError> {
        self.dataset = Dataset::Local;
        if !matches!(self.kind, Kind::All | Kind::Noise) {
            self.kind = Kind::Noise;
        }
        let cap = crate::data::table::train_rows(table.rows()) * 4 / 5;
        if self.n_large > cap {
            let scale = |n: usize| (n as f64 * cap as f64 / self.n_large as f64).round() as usize;
            let medium = scale(self.n_medium).clamp(11, cap - 1);
            self.n_small = scale(self.n_small).clamp(10, medium - 1);
            self.n_medium = medium;
            self.n_large = cap;
        }
        Ok(())
    }

    #[cfg(feature = "engine")]
    fn start(
        &self,
        device: &Device,
        _runs: Option<&[usize]>,
        _threads: usize,
        local: Option<&Table>,
    ) -> Result<Box<dyn Session>, SpecError> {
        Ok(Box::new(AugmentationSession::new(
            self.clone(),
            local,
            device,
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sweep_halves_from_the_strongest_and_skips_the_main_strength() {
        let spec = AugmentationSpec::preset(Preset::Paper);
        assert_eq!(spec.sweep_strengths(), [0.5, 1.0, 2.0, 4.0]);
        let at_one = AugmentationSpec {
            strength: 1.0,
            ..spec.clone()
        };
        assert_eq!(at_one.sweep_strengths(), [0.5, 2.0, 4.0]);
        let none = AugmentationSpec {
            sweep: 0,
            ..spec.clone()
        };
        assert!(none.sweep_strengths().is_empty());
        let bad = AugmentationSpec {
            n_medium: 50,
            ..spec
        };
        assert!(bad.validate_rules().is_err());
    }
}
