//! What the page and the CLI show of `grokking-images`: its story, knobs, charts and the
//! paper's numbers.

use super::super::{Comparison, Info, Panel, PaperRow, Unit};
use super::{Compare, Source};
use crate::spec::{Knob, KnobKind, Preset, float, int};
use crate::terms::Metric;

pub static INFO: Info = Info {
    id: "grokking-images",
    title: "Grokking on images",
    claim: "Started with large weights, an MLP fits its training digits at once and generalises \
        only once weight decay has shrunk its weights; started as usual, it generalises at once.",
    see: "Training digits fitted at once from large weights; test accuracy catches up much later.",
    explanation: "Every initial weight of a small MLP on the 8×8 digits is multiplied by α. The \
        network fits its training digits within a few hundred steps, but its test accuracy \
        stays low until weight decay has brought the weight norm down towards where networks \
        started as usual live; then it climbs: grokking, on images. At α = 1 there is no wait; \
        without weight decay the wait does not end. Held at a fixed weight norm, training loss \
        is low from a norm upwards and test loss is lowest near the usual one (an L and a U).",
    paper: "Liu, Michaud & Tegmark, Omnigrok: Grokking Beyond Algorithmic Data (ICLR 2023); \
        Lee et al., Grokfast (2024)",
    paper_url: "https://arxiv.org/abs/2210.01117",
    watch: "Watch test accuracy (solid) against training accuracy (dashed): the α = 8 run fits its \
        digits early and generalises late, as its weight norm (third chart) falls; the α = 1 \
        control generalises at once, the run without weight decay keeps its norm and stays \
        behind, and Grokfast gets there first.",
    story: &["init_scale", "weight_decay", "compare", "n_train", "width"],
    try_these: &[
        (
            "Hold the weight norm fixed: training loss is an L, test loss a U",
            &[("compare", "norms"), ("steps", "3000")],
        ),
        ("A larger start, α = 16", &[("init_scale", "16")]),
        ("More training digits", &[("n_train", "1000")]),
    ],
    marks: &[
        (metric::MEMORISED_AT, "memorised"),
        (metric::GENERALISED_AT, "generalised"),
    ],
    own_data: None,
    next: &[],
};

pub mod metric {
    //! The keys only this experiment reports (and, re-exported, the shared ones).

    pub use crate::experiments::grokking::metric::WEIGHT_NORM;
    pub use crate::terms::metric::*;
    use crate::terms::{Metric, Unit};

    pub const INIT_SCALE: Metric = Metric::new("init_scale", "initial scale α", Unit::Number);
    pub const NORM_SCALE: Metric = Metric::new(
        "norm_scale",
        "weight norm held, as a multiple of the usual start's",
        Unit::Number,
    );
    pub const TRAIN_ERROR: Metric =
        Metric::new("train_error_share", "training error", Unit::Percent);
    pub const TEST_ERROR_SHARE: Metric =
        Metric::new("test_error_share", "test error", Unit::Percent);
    // Keys read by their parts (see `vocabulary::term`), named here for the marks and the paper's
    // rows.
    pub use crate::experiments::grokking::metric::STEPS_TO_TRAIN_ACC_95 as MEMORISED_AT;
    pub const GENERALISED_AT: Metric = Metric::new(
        "steps_to_test_acc_85",
        "steps to 85% test accuracy",
        Unit::Count,
    );
}

/// Test accuracy that counts as generalised on the digits.
pub const GENERALISED: f64 = 0.85;

/// The keys only this experiment reports, in words.
pub static WORDS: &[Metric] = &[
    metric::INIT_SCALE,
    metric::NORM_SCALE,
    metric::TRAIN_ERROR,
    metric::TEST_ERROR_SHARE,
];

pub static PANELS: &[Panel] = &[
    Panel {
        title: "accuracy",
        metrics: &[metric::TRAIN_ACC, metric::TEST_ACC],
        y_range: Some((0.0, 1.0)),
        log_x: true,
        log_y: false,
        x: None,
    },
    Panel {
        title: "loss (mean squared error)",
        metrics: &[metric::TRAIN_LOSS, metric::TEST_LOSS],
        y_range: None,
        log_x: true,
        log_y: true,
        x: None,
    },
    Panel {
        title: "weight norm",
        metrics: &[metric::WEIGHT_NORM],
        y_range: None,
        log_x: true,
        log_y: false,
        x: None,
    },
];

pub static NORM_PANELS: &[Panel] = &[
    Panel {
        title: "loss at the end, by the weight norm held",
        metrics: &[metric::TRAIN_LOSS, metric::TEST_LOSS],
        y_range: None,
        log_x: true,
        log_y: true,
        x: Some(metric::NORM_SCALE),
    },
    Panel {
        title: "error at the end, by the weight norm held",
        metrics: &[metric::TRAIN_ERROR, metric::TEST_ERROR_SHARE],
        y_range: Some((0.0, 1.0)),
        log_x: true,
        log_y: false,
        x: Some(metric::NORM_SCALE),
    },
    Panel {
        title: "test accuracy",
        metrics: &[metric::TEST_ACC],
        y_range: Some((0.0, 1.0)),
        log_x: true,
        log_y: false,
        x: None,
    },
];

/// The Grokfast paper's MNIST run (Omnigrok's setting) beside yours on the digits.
pub static COMPARISON: Comparison = Comparison {
    caption: "steps until the large start generalises, and Grokfast's speed-up (the paper: MNIST \
        to its own criterion; yours: the digits to 85% test accuracy)",
    setting: "Lee et al. 2024 on Omnigrok's MNIST setting: 784-200-200-10, 1,000 training images, \
        every weight ×8 at init, MSE, AdamW; Grokfast-EMA α 0.8, λ 0.1",
    preset: Preset::Quick,
    set: &[],
    rows: &[
        PaperRow {
            label: "large start",
            run: "α 8",
            metric: metric::GENERALISED_AT,
            paper: 44_022.0,
        },
        PaperRow {
            label: "large start with Grokfast-EMA",
            run: "α 8 + Grokfast-EMA",
            metric: metric::GENERALISED_AT,
            paper: 2_001.0,
        },
    ],
    ratio_to: Some("α 8"),
    ratio_label: "speed-up",
    unit: Unit::Count,
    source: "paper",
};

pub static KNOBS: &[Knob] = &[
    Knob {
        key: "dataset",
        label: "Data set",
        help: "The 8×8 digits (64 pixels) or MNIST-1D (40-point signals).",
        kind: KnobKind::Choice(Source::NAMES),
    },
    Knob {
        key: "n_train",
        label: "Training examples",
        help: "Examples trained on (the test set is held apart).",
        kind: int(50, 4000, true),
    },
    Knob {
        key: "width",
        label: "Width",
        help: "Units per hidden layer (ReLU).",
        kind: int(8, 512, true),
    },
    Knob {
        key: "depth",
        label: "Hidden layers",
        help: "Number of hidden layers.",
        kind: int(1, 4, false),
    },
    Knob {
        key: "init_scale",
        label: "Initial scale α",
        help: "Every initial weight and bias multiplied by α (1: the usual start).",
        kind: float(0.05, 64.0, true),
    },
    Knob {
        key: "compare",
        label: "Runs",
        help: "controls: the large start, α = 1, the large start without weight decay and with \
            Grokfast-EMA; one: the large start alone; norms: the weight norm held fixed at \
            several multiples of the usual start's.",
        kind: KnobKind::Choice(Compare::NAMES),
    },
    Knob {
        key: "lr",
        label: "Learning rate",
        help: "AdamW's step size.",
        kind: float(1e-5, 0.1, true),
    },
    Knob {
        key: "weight_decay",
        label: "Weight decay",
        help: "AdamW's decoupled decay: each step scales the weights by 1 − lr·wd.",
        kind: float(0.0, 10.0, false),
    },
    Knob {
        key: "batch",
        label: "Batch size",
        help: "Examples per step.",
        kind: int(1, 4000, true),
    },
    Knob {
        key: "steps",
        label: "Steps",
        help: "Optimizer steps in the run.",
        kind: int(1, 200_000, true),
    },
    Knob {
        key: "eval_every",
        label: "Evaluate every",
        help: "Steps between metric read-backs at most (denser early on).",
        kind: int(1, 10_000, true),
    },
    Knob {
        key: "ema_alpha",
        label: "EMA α",
        help: "Grokfast-EMA's momentum (the MNIST setting: 0.8).",
        kind: float(0.0, 0.999, false),
    },
    Knob {
        key: "ema_lambda",
        label: "EMA λ",
        help: "Grokfast-EMA's amplification (the MNIST setting: 0.1).",
        kind: float(0.0, 10.0, false),
    },
    Knob {
        key: "norm_min",
        label: "Smallest norm",
        help: "compare=norms: the smallest multiple of the usual start's weight norm held.",
        kind: float(0.01, 100.0, true),
    },
    Knob {
        key: "norm_max",
        label: "Largest norm",
        help: "compare=norms: the largest multiple held.",
        kind: float(0.01, 100.0, true),
    },
    Knob {
        key: "norms",
        label: "Norms",
        help: "compare=norms: how many multiples, log-spaced, train side by side.",
        kind: int(2, 16, false),
    },
    Knob {
        key: "data_seed",
        label: "Data seed",
        help: "Seed for the split (and MNIST-1D's signals).",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "init_seed",
        label: "Init seed",
        help: "Seed for the first network's start (seed k adds k; every run shares it).",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "order_seed",
        label: "Order seed",
        help: "Seed for the minibatch order.",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "seeds",
        label: "Seeds per run",
        help: "Networks each run trains from successive seeds: the charts show their mean and \
            spread.",
        kind: int(1, 5, false),
    },
];
