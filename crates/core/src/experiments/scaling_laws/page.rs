//! What the page and the CLI show of `scaling-laws`: its story, knobs and charts.

use super::super::{Comparison, Info, Panel, PaperRow};
use super::Mode;
use crate::spec::{Knob, KnobKind, Preset, float, int};
use crate::terms::{Metric, Unit};

pub static INFO: Info = Info {
    id: "scaling-laws",
    title: "Scaling laws",
    claim: "Test loss falls as a power law of model size when data is plentiful and of data \
        when the model is, with the exponent the data's spectrum sets; a flat spectrum gives no \
        power law at all.",
    see: "Test loss falling on a straight line in log-log axes, with features and with samples.",
    explanation: "The solvable model: inputs are random features of a latent vector whose \
        variances fall as I^−(1+α), the target a linear function of it. Ridge regression on N \
        features fitted to T samples is solved exactly for every size, several draws each, \
        and drawn beside the deterministic equivalent (the large-size limit). With unlimited \
        data the loss falls as N^−α, with unlimited features as T^−α, the two curves on top of \
        each other; with both finite and no ridge it peaks at N = T. The measured mode trains \
        MLPs of many widths on MNIST-1D side by side and draws their test loss against the \
        compute spent, with the lower envelope and the best width for each budget.",
    paper: "Maloney, Roberts & Sully, A solvable model of neural scaling laws (2022); Kaplan \
        et al., Scaling laws for neural language models (2020); Hoffmann et al., Training \
        compute-optimal large language models (2022)",
    paper_url: "https://arxiv.org/abs/2210.16859",
    watch: "Watch the first chart: the features curve and the samples curve fall together as \
        straight lines on log-log axes, the flat spectrum stays level, and the dashed \
        equivalents pass through the exact solves' medians. The second: without ridge the \
        loss shoots up where N reaches T, with a little ridge the peak is gone. Try \
        mode=measured for networks trained against compute.",
    story: &["mode", "alpha", "samples_fixed", "ridge", "draws"],
    try_these: &[
        (
            "A faster-falling spectrum: α = 2, steeper lines",
            &[("alpha", "2")],
        ),
        (
            "Sizes up to the latent dimension: the loss drops off its power law",
            &[
                ("latent", "600"),
                ("size_max", "590"),
                ("samples_fixed", "300"),
            ],
        ),
        (
            "Networks trained against compute: the envelope and the best width",
            &[("mode", "measured")],
        ),
    ],
    marks: &[],
    own_data: None,
    next: &[],
};

pub mod metric {
    //! The keys only this experiment reports (and, re-exported, the shared ones).

    pub use crate::terms::metric::*;
    use crate::terms::{Metric, Unit};

    pub const SIZE: Metric = Metric::new("size", "features N or samples T", Unit::Count);
    pub const EQUIVALENT_LOSS: Metric = Metric::new(
        "equivalent_loss",
        "test loss, deterministic equivalent",
        Unit::Number,
    );
    pub const TEST_LOSS_AT_T: Metric = Metric::new(
        "test_loss_at_t",
        "test loss with T samples fixed",
        Unit::Number,
    );
    pub const FITTED_EXPONENT: Metric = Metric::new(
        "fitted_exponent",
        "fitted exponent: minus the log-log slope of the exact medians",
        Unit::Number,
    );
    pub const EQUIVALENT_EXPONENT: Metric = Metric::new(
        "equivalent_exponent",
        "minus the log-log slope of the equivalent over the same sizes",
        Unit::Number,
    );
    pub const PREDICTED_EXPONENT: Metric = Metric::new(
        "predicted_exponent",
        "predicted exponent (α; 0 for a flat spectrum)",
        Unit::Number,
    );
    pub const PEAK_RATIO: Metric = Metric::new(
        "peak_ratio",
        "loss at N = T over the lower of its neighbours'",
        Unit::Number,
    );
    pub const COMPUTE: Metric = Metric::new(
        "compute",
        "training compute, FLOPs (6 × parameters × examples seen)",
        Unit::Number,
    );
    pub const ENVELOPE_LOSS: Metric = Metric::new(
        "envelope_loss",
        "lowest test loss any width reached within the compute",
        Unit::Number,
    );
    pub const OPTIMAL_WIDTH: Metric = Metric::new(
        "optimal_width",
        "the width with the lowest test loss within the compute",
        Unit::Count,
    );
    pub const WIDTH_TRAINED: Metric =
        Metric::new("width_trained", "hidden units of each layer", Unit::Count);
    pub const FEATURES_N: Metric = Metric::new(
        "features_n",
        "features N, with T samples fixed",
        Unit::Count,
    );
    pub const OPTIMAL_SIZE_EXPONENT: Metric = Metric::new(
        "optimal_size_exponent",
        "how the best width's parameters grow with compute: the log-log slope",
        Unit::Number,
    );
}

/// The keys only this experiment reports, in words.
pub static WORDS: &[Metric] = &[
    metric::SIZE,
    metric::EQUIVALENT_LOSS,
    metric::TEST_LOSS_AT_T,
    metric::FITTED_EXPONENT,
    metric::EQUIVALENT_EXPONENT,
    metric::PREDICTED_EXPONENT,
    metric::PEAK_RATIO,
    metric::COMPUTE,
    metric::ENVELOPE_LOSS,
    metric::OPTIMAL_WIDTH,
    metric::WIDTH_TRAINED,
    metric::FEATURES_N,
    metric::OPTIMAL_SIZE_EXPONENT,
];

pub static SOLVABLE_PANELS: &[Panel] = &[
    Panel {
        title: "test loss against N (data unlimited) and T (features unlimited)",
        metrics: &[metric::TEST_LOSS, metric::EQUIVALENT_LOSS],
        y_range: None,
        log_x: true,
        log_y: true,
        x: None,
    },
    Panel {
        title: "test loss against N with T fixed: the peak at N = T",
        metrics: &[metric::TEST_LOSS_AT_T],
        y_range: None,
        log_x: true,
        log_y: true,
        x: Some(metric::FEATURES_N),
    },
];

pub static MEASURED_PANELS: &[Panel] = &[
    Panel {
        title: "test loss against training compute, each width and the lower envelope",
        metrics: &[metric::TEST_LOSS, metric::ENVELOPE_LOSS],
        y_range: None,
        log_x: true,
        log_y: true,
        x: Some(metric::COMPUTE),
    },
    Panel {
        title: "the compute-optimal width for each budget",
        metrics: &[metric::OPTIMAL_WIDTH],
        y_range: None,
        log_x: true,
        log_y: true,
        x: Some(metric::COMPUTE),
    },
    Panel {
        title: "test loss against steps",
        metrics: &[metric::TEST_LOSS],
        y_range: None,
        log_x: true,
        log_y: true,
        x: None,
    },
];

/// The exponents the solvable model predicts beside the fitted ones.
pub static COMPARISON: Comparison = Comparison {
    caption: "scaling exponents: fitted to the exact solves' medians, against the model's \
        prediction (α, or none for a flat spectrum)",
    setting: "Maloney, Roberts & Sully's solvable model: M = 2,000 latent dimensions, α = 1, \
        N and T from 10 to 500, fitted away from M",
    preset: Preset::Quick,
    set: &[],
    rows: &[
        PaperRow {
            label: "loss against N, data unlimited",
            run: "features, data unlimited",
            metric: metric::FITTED_EXPONENT,
            paper: 1.0,
        },
        PaperRow {
            label: "loss against T, features unlimited",
            run: "samples, features unlimited",
            metric: metric::FITTED_EXPONENT,
            paper: 1.0,
        },
        PaperRow {
            label: "flat spectrum, against N",
            run: "flat spectrum (control)",
            metric: metric::FITTED_EXPONENT,
            paper: 0.0,
        },
    ],
    ratio_to: None,
    ratio_label: "",
    unit: Unit::Number,
    source: "theory",
};

pub static KNOBS: &[Knob] = &[
    Knob {
        key: "mode",
        label: "Mode",
        help: "solvable: the closed-form model; measured: MLPs trained against compute.",
        kind: KnobKind::Choice(Mode::NAMES),
    },
    Knob {
        key: "latent",
        label: "Latent dimensions M",
        help: "Dimensions of the latent vector; the loss is zero once N or T reaches M.",
        kind: int(20, 4000, true),
    },
    Knob {
        key: "alpha",
        label: "Spectrum exponent α",
        help: "Latent variances fall as I^−(1+α); the predicted loss exponent is α.",
        kind: float(0.1, 4.0, false),
    },
    Knob {
        key: "size_min",
        label: "Smallest N, T",
        help: "The smallest number of features or samples solved.",
        kind: int(1, 4000, true),
    },
    Knob {
        key: "size_max",
        label: "Largest N, T",
        help: "The largest number of features or samples solved (below M).",
        kind: int(2, 4000, true),
    },
    Knob {
        key: "sizes",
        label: "Sizes",
        help: "How many sizes, log-spaced, each curve solves.",
        kind: int(2, 40, false),
    },
    Knob {
        key: "samples_fixed",
        label: "T for the peak",
        help: "Samples of the curve against N with both finite: it peaks at N = T.",
        kind: int(2, 4000, true),
    },
    Knob {
        key: "ridge",
        label: "Ridge",
        help: "The second fixed-T curve's ridge, relative to the features' mean squared norm.",
        kind: float(1e-6, 10.0, true),
    },
    Knob {
        key: "draws",
        label: "Draws",
        help: "Independent draws of features, samples and target per size (median and range).",
        kind: int(1, 200, true),
    },
    Knob {
        key: "width_min",
        label: "Narrowest width",
        help: "Hidden units of the narrowest MLP trained (40-h-h-10).",
        kind: int(1, 1024, true),
    },
    Knob {
        key: "width_max",
        label: "Widest width",
        help: "Hidden units of the widest MLP trained.",
        kind: int(2, 1024, true),
    },
    Knob {
        key: "widths",
        label: "Widths",
        help: "How many widths, log-spaced, train side by side.",
        kind: int(2, 16, false),
    },
    Knob {
        key: "n_train",
        label: "Training signals",
        help: "MNIST-1D signals trained on (plenty, so compute, not data, limits).",
        kind: int(100, 200_000, true),
    },
    Knob {
        key: "n_test",
        label: "Test signals",
        help: "Signals held apart to measure test loss.",
        kind: int(100, 10_000, true),
    },
    Knob {
        key: "lr",
        label: "Learning rate",
        help: "Adam's step size, the same for every width.",
        kind: float(1e-5, 0.1, true),
    },
    Knob {
        key: "batch",
        label: "Batch size",
        help: "Signals per minibatch.",
        kind: int(1, 4096, true),
    },
    Knob {
        key: "steps",
        label: "Steps",
        help: "Adam steps every width trains.",
        kind: int(1, 200_000, true),
    },
    Knob {
        key: "eval_every",
        label: "Evaluate every",
        help: "Steps between test-loss read-backs at most (denser early on).",
        kind: int(1, 20_000, true),
    },
    Knob {
        key: "data_seed",
        label: "Data seed",
        help: "Seed for the draws (solvable) or the signals and batch order (measured).",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "init_seed",
        label: "Init seed",
        help: "Seed for the networks' starts (measured).",
        kind: KnobKind::Seed,
    },
];
