//! What the page and the CLI show of `softmax-collapse`: its story, knobs and charts.

use super::super::{Comparison, Info, Panel, PaperRow, Unit};
use super::Compare;
use crate::spec::{Knob, KnobKind, Preset, float, int};
use crate::terms::Metric;

pub static INFO: Info = Info {
    id: "softmax-collapse",
    title: "Softmax collapse: grokking at the edge of numerical stability",
    claim: "Without weight decay a network can stop learning before it generalises: its softmax \
        rounds to exactly one-hot in floating point and the gradient vanishes.",
    see: "Test accuracy stuck at chance while the logits race ahead, beside two fixes that generalise.",
    explanation: "An MLP learns a+b mod p from 40% of the equations, with no weight decay. Once \
        it fits them, the easiest way to lower the loss is to scale its outputs up; the logits \
        grow until exp(z − z_max) of every other class is below the precision's rounding, the \
        softmax is exactly one-hot, and the gradient is zero: training stops short of \
        generalising. StableMax (tails of 1/x instead of e^x) and ⊥AdamW (the gradient's \
        component along the weights removed) keep it learning; weight decay is the control.",
    paper: "Prieto, Barsbey, Mediano & Birdal, Grokking at the Edge of Numerical Stability \
        (ICLR 2025)",
    paper_url: "https://arxiv.org/abs/2501.04697",
    watch: "Watch test accuracy: ⊥AdamW generalises within a few hundred steps and the \
        weight-decay control soon after, while the plain softmax fits its training equations and \
        stays at chance as its logits race ahead (the logit-gap chart). In float16 every \
        training equation would already be exactly one-hot by step ~500; in float32, the \
        precision training uses here on every device, the gap is still short of the 16.6 where \
        it collapses: the paper gets there after far longer training. StableMax grows its \
        logits fastest without ever collapsing, and needs far longer to generalise.",
    story: &["compare", "lr", "train_fraction", "weight_decay", "width"],
    try_these: &[
        (
            "A smaller learning rate",
            &[("lr", "0.002"), ("steps", "2000")],
        ),
        (
            "Train on 60% of the equations",
            &[("train_fraction", "0.6")],
        ),
        ("A narrower network", &[("width", "64")]),
    ],
    marks: &[(metric::GENERALISED_AT, "generalised")],
    own_data: None,
    next: &[],
};

pub mod metric {
    //! The keys only this experiment reports (and, re-exported, the shared ones).

    pub use crate::experiments::grokking::metric::WEIGHT_NORM;
    pub use crate::terms::metric::*;
    use crate::terms::{Metric, Unit};

    pub const ONE_HOT_F16: Metric = Metric::new(
        "one_hot_f16",
        "training equations whose probabilities are exactly one-hot in float16",
        Unit::Percent,
    );
    pub const ONE_HOT_F32: Metric = Metric::new(
        "one_hot_f32",
        "training equations whose probabilities are exactly one-hot in float32",
        Unit::Percent,
    );
    pub const ONE_HOT_F64: Metric = Metric::new(
        "one_hot_f64",
        "training equations whose probabilities are exactly one-hot in float64",
        Unit::Percent,
    );
    pub const LOGIT_GAP: Metric = Metric::new(
        "logit_gap",
        "the largest logit's lead over the next (median over training equations)",
        Unit::Number,
    );
    /// Read by its parts (see `vocabulary::term`).
    pub const GENERALISED_AT: Metric = Metric::new(
        "steps_to_test_acc_95",
        "steps to 95% test accuracy",
        Unit::Count,
    );
}

/// The keys only this experiment reports, in words.
pub static WORDS: &[Metric] = &[
    metric::ONE_HOT_F16,
    metric::ONE_HOT_F32,
    metric::ONE_HOT_F64,
    metric::LOGIT_GAP,
];

const fn over_steps(
    title: &'static str,
    metrics: &'static [Metric],
    share: bool,
    log_y: bool,
) -> Panel {
    Panel {
        title,
        metrics,
        y_range: if share { Some((0.0, 1.0)) } else { None },
        log_x: true,
        log_y,
        x: None,
    }
}

pub static PANELS: &[Panel] = &[
    over_steps(
        "accuracy",
        &[metric::TRAIN_ACC, metric::TEST_ACC],
        true,
        false,
    ),
    over_steps(
        "training equations exactly one-hot in float32 (the precision training uses)",
        &[metric::ONE_HOT_F32],
        true,
        false,
    ),
    over_steps(
        "logit gap (one-hot from 7.6 in float16, 16.6 in float32, 36.7 in float64)",
        &[metric::LOGIT_GAP],
        false,
        false,
    ),
    over_steps(
        "loss (each run's own)",
        &[metric::TRAIN_LOSS, metric::TEST_LOSS],
        false,
        true,
    ),
    over_steps("weight norm", &[metric::WEIGHT_NORM], false, false),
    over_steps(
        "exactly one-hot in float16 and float64",
        &[metric::ONE_HOT_F16, metric::ONE_HOT_F64],
        true,
        false,
    ),
];

/// What the paper reports for its setting: epochs until each fix generalises.
pub static COMPARISON: Comparison = Comparison {
    caption: "full-batch steps (epochs) until the fixes generalise (the paper: its own \
        criterion; yours: 95% test accuracy)",
    setting: "Prieto et al. 2025: (a+b) mod 113, 40% for training, 226-200-200-113 ReLU MLP \
        without biases, full-batch AdamW lr 0.01, no weight decay, float32",
    preset: Preset::Paper,
    set: &[],
    rows: &[
        PaperRow {
            label: "⊥AdamW",
            run: super::ORTHOGONAL,
            metric: metric::GENERALISED_AT,
            paper: 300.0,
        },
        PaperRow {
            label: "StableMax",
            run: super::STABLEMAX,
            metric: metric::GENERALISED_AT,
            paper: 80_000.0,
        },
    ],
    ratio_to: None,
    ratio_label: "",
    unit: Unit::Count,
    source: "paper",
};

pub static KNOBS: &[Knob] = &[
    Knob {
        key: "p",
        label: "Modulus p",
        help: "A prime; there are p² equations a+b mod p.",
        kind: int(7, 113, false),
    },
    Knob {
        key: "train_fraction",
        label: "Training fraction",
        help: "Share of the equations trained on; the rest is the test.",
        kind: float(0.05, 0.95, false),
    },
    Knob {
        key: "width",
        label: "Width",
        help: "Units of each of the two hidden layers (ReLU, no biases).",
        kind: int(8, 512, true),
    },
    Knob {
        key: "compare",
        label: "Runs",
        help: "fixes: the softmax without weight decay, with weight decay (the control), \
            StableMax and ⊥AdamW; one: the softmax without weight decay alone.",
        kind: KnobKind::Choice(Compare::NAMES),
    },
    Knob {
        key: "lr",
        label: "Learning rate",
        help: "AdamW's step size (the paper's ⊥AdamW: 0.01).",
        kind: float(1e-5, 0.1, true),
    },
    Knob {
        key: "weight_decay",
        label: "Control's weight decay",
        help: "AdamW's decoupled decay of the control run (the others have none).",
        kind: float(0.0, 10.0, false),
    },
    Knob {
        key: "steps",
        label: "Steps",
        help: "Full-batch steps (epochs).",
        kind: int(1, 100_000, true),
    },
    Knob {
        key: "eval_every",
        label: "Evaluate every",
        help: "Steps between metric read-backs at most (denser early on).",
        kind: int(1, 10_000, true),
    },
    Knob {
        key: "data_seed",
        label: "Data seed",
        help: "Seed for the split.",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "init_seed",
        label: "Init seed",
        help: "Seed for the first network's weights (every run starts from them; seed k adds k).",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "seeds",
        label: "Seeds per run",
        help: "Networks each run trains from successive init seeds: the charts show their mean.",
        kind: int(1, 5, false),
    },
];
