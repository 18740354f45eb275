//! What the page and the CLI show of `intrinsic-dimension`: its story, knobs, charts and the
//! paper's number.

use super::super::{Comparison, Info, Panel, PaperRow, Unit};
use super::{Compare, Source};
use crate::spec::{Knob, KnobKind, Preset, float, int};
use crate::terms::Metric;

pub static INFO: Info = Info {
    id: "intrinsic-dimension",
    title: "Intrinsic dimension",
    claim: "A network trained along only a few hundred random directions in its parameter space \
        reaches 90% of its full accuracy, however many parameters it has.",
    see: "Test accuracy climbing with the number of directions trained, toward the full network's.",
    explanation: "Freeze a network at its random start and let it move only along d random \
        directions: θ = θ₀ + P·z, where only the d numbers in z train. The smallest d that \
        reaches 90% of the fully trained network's test accuracy, d_int90, measures how hard \
        the problem is more than how big the network is.",
    paper: "Li, Farkhoor, Liu & Yosinski, Measuring the Intrinsic Dimension of Objective \
        Landscapes (ICLR 2018)",
    paper_url: "https://arxiv.org/abs/1804.08838",
    watch: "Watch test accuracy climb with d (a log axis) toward the line of the network trained \
        directly; the marker is d_int90, where it crosses 90% of that line. Then compare widths: \
        the network's parameters grow 7.5×, d_int90 barely moves.",
    story: &["dataset", "compare", "width", "depth", "d_max"],
    try_these: &[
        (
            "Three widths at once: the parameters grow 7.5×, d_int90 barely moves",
            &[("compare", "widths")],
        ),
        (
            "MNIST-1D, a far harder problem for an MLP",
            &[
                ("dataset", "mnist1d"),
                ("n_train", "4000"),
                ("d_min", "100"),
                ("d_max", "7000"),
                ("steps", "3000"),
            ],
        ),
        ("One hidden layer", &[("depth", "1")]),
    ],
    marks: &[(metric::D_INT90, "d_int90")],
    own_data: None,
    next: &[(
        "lottery-tickets",
        "Lottery tickets: a subnetwork a quarter the size, found by pruning, trains as well as the whole",
    )],
};

pub mod metric {
    //! The keys only this experiment reports (and, re-exported, the shared ones).

    pub use crate::terms::metric::*;
    use crate::terms::{Metric, Unit};

    pub const D: Metric = Metric::new("d", "subspace dimension d", Unit::Count);
    pub const D_INT90: Metric = Metric::new(
        "d_int90",
        "intrinsic dimension d_int90 (the smallest d at 90% of the direct network)",
        Unit::Count,
    );
    pub const D_INT90_SHARE: Metric = Metric::new(
        "d_int90_share",
        "share of the parameters d_int90 is",
        Unit::Percent,
    );
    pub const DIRECT_TEST_ACC: Metric = Metric::new(
        "direct_test_acc",
        "test accuracy trained directly",
        Unit::Percent,
    );
    pub const THRESHOLD_ACC: Metric = Metric::new(
        "threshold_acc",
        "90% of the direct network's test accuracy",
        Unit::Percent,
    );
}

/// The keys only this experiment reports, in words.
pub static WORDS: &[Metric] = &[
    metric::D,
    metric::D_INT90,
    metric::D_INT90_SHARE,
    metric::DIRECT_TEST_ACC,
    metric::THRESHOLD_ACC,
];

pub static PANELS: &[Panel] = &[
    Panel {
        title: "accuracy by subspace dimension",
        metrics: &[metric::TRAIN_ACC, metric::TEST_ACC],
        y_range: Some((0.0, 1.0)),
        log_x: true,
        log_y: false,
        x: None,
    },
    Panel {
        title: "loss by subspace dimension",
        metrics: &[metric::TRAIN_LOSS, metric::TEST_LOSS],
        y_range: None,
        log_x: true,
        log_y: true,
        x: None,
    },
];

/// The paper's fully connected MNIST network beside yours on the paper preset's data set.
pub static COMPARISON: Comparison = Comparison {
    caption: "d_int90 of a fully connected network: the paper's on MNIST, yours on this data set",
    setting: "Li et al. 2018: MNIST (784 inputs), 784-200-200-10, 199,210 parameters; yours: \
        two hidden layers of 200 on the 8×8 digits",
    preset: Preset::Paper,
    set: &[],
    rows: &[PaperRow {
        label: "d_int90",
        run: "subspace",
        metric: metric::D_INT90,
        paper: 750.0,
    }],
    ratio_to: None,
    ratio_label: "",
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
        key: "compare",
        label: "Compare",
        help: "one: the network at its width; widths: the same subspaces at half, the same and \
            twice the width, side by side (does d_int90 follow the parameters?).",
        kind: KnobKind::Choice(Compare::NAMES),
    },
    Knob {
        key: "n_train",
        label: "Training examples",
        help: "Examples the networks train on (the test set is held apart: 500 digits, 1,000 \
            MNIST-1D signals).",
        kind: int(50, 4000, true),
    },
    Knob {
        key: "width",
        label: "Width",
        help: "Units per hidden layer.",
        kind: int(8, 512, true),
    },
    Knob {
        key: "depth",
        label: "Hidden layers",
        help: "Number of hidden layers.",
        kind: int(1, 4, false),
    },
    Knob {
        key: "d_min",
        label: "Smallest subspace",
        help: "The smallest subspace dimension d trained.",
        kind: int(1, 100_000, true),
    },
    Knob {
        key: "d_max",
        label: "Largest subspace",
        help: "The largest subspace dimension d trained (at most the network's parameters).",
        kind: int(2, 1_000_000, true),
    },
    Knob {
        key: "dims",
        label: "Subspaces",
        help: "How many subspace dimensions, evenly spaced on a log scale, train side by side.",
        kind: int(2, 32, false),
    },
    Knob {
        key: "nonzeros",
        label: "Nonzeros per parameter",
        help: "How many of the d directions each parameter moves along (the projection's \
            nonzeros per row; its columns have unit length).",
        kind: int(1, 16, false),
    },
    Knob {
        key: "lr",
        label: "Learning rate",
        help: "Adam's step size, for the subspace coordinates and the direct network alike.",
        kind: float(1e-5, 1.0, true),
    },
    Knob {
        key: "batch",
        label: "Batch size",
        help: "Examples per step (every network sees the same batch).",
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
        help: "Steps between metric read-backs.",
        kind: int(1, 10_000, true),
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
        help: "Seed for the start θ₀ every network shares.",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "projection_seed",
        label: "Projection seed",
        help: "Seed for the random subspaces P.",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "order_seed",
        label: "Order seed",
        help: "Seed for the minibatch order.",
        kind: KnobKind::Seed,
    },
];
