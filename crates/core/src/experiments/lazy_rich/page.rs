//! What the page and the CLI show of `lazy-to-rich`: its story, knobs and charts.

use super::super::{Info, Panel};
use crate::spec::{Knob, KnobKind, float, int};
use crate::terms::Metric;

pub static INFO: Info = Info {
    id: "lazy-to-rich",
    title: "Grokking as lazy to rich",
    claim: "Without any weight decay, a network that starts lazy fits its data as its initial \
        kernel would, and generalises only once its features start to move; the larger its \
        output scale, the longer it waits.",
    see: "Each α at the kernel's test loss first; the small α leave it early, the large α late.",
    explanation: "A two-layer network with a fixed readout learns y = (β·x/√D)² from 550 \
        points by plain gradient descent. Its output is multiplied by α, its loss divided by \
        α², so its weights move about 1/α as far: a large α stays close to its start and \
        behaves like the linear model of its initial kernel (lazy), whose regression's test loss is the \
        level line. Only when its features move (rich), and the kernel turns towards the \
        target, does its test loss drop below that level.",
    paper: "Kumar, Bordelon, Gershman & Pehlevan, Grokking as the transition from lazy to rich \
        training dynamics (ICLR 2024)",
    paper_url: "https://arxiv.org/abs/2310.06110",
    watch: "Watch test loss: each α first falls to the kernel's level (the linearised \
        network's curve, which stays there), then the small α leave it early and the large α \
        late; the kernel's alignment with the target rises as they do. The last chart is the \
        wait against α.",
    story: &["alpha_max", "epsilon", "n_train", "width", "steps"],
    try_these: &[
        (
            "A flatter activation: the initial kernel aligns less with the target",
            &[("epsilon", "0.25")],
        ),
        (
            "More data than D²: no gap between the kernel and the network",
            &[("dim", "20"), ("n_train", "2000")],
        ),
        (
            "A larger α, a longer wait",
            &[("alpha_max", "16"), ("steps", "6000")],
        ),
    ],
    marks: &[(metric::RICH_AT, "leaves the kernel")],
    own_data: None,
    next: &[],
};

pub mod metric {
    //! The keys only this experiment reports (and, re-exported, the shared ones).

    pub use crate::terms::metric::*;
    use crate::terms::{Metric, Unit};

    pub const ALPHA: Metric = Metric::new("alpha", "output scale α", Unit::Number);
    pub const ALIGNMENT: Metric = Metric::new(
        "alignment",
        "the kernel's alignment with the target, yᵀKy / (‖K‖‖y‖²)",
        Unit::Number,
    );
    pub const WEIGHT_CHANGE: Metric = Metric::new(
        "weight_change",
        "how far the weights moved, ‖W − W₀‖ / ‖W₀‖",
        Unit::Number,
    );
    pub const KERNEL_TEST_LOSS: Metric = Metric::new(
        "kernel_test_loss",
        "test loss of the initial kernel's regression",
        Unit::Number,
    );
    pub const RICH_AT: Metric = Metric::new(
        "rich_at",
        "step its test loss fell below half the kernel's",
        Unit::Count,
    );
}

/// The keys only this experiment reports, in words.
pub static WORDS: &[Metric] = &[
    metric::ALPHA,
    metric::ALIGNMENT,
    metric::WEIGHT_CHANGE,
    metric::KERNEL_TEST_LOSS,
    metric::RICH_AT,
];

pub static PANELS: &[Panel] = &[
    Panel {
        title: "test loss (the linearised network stays at the kernel's level)",
        metrics: &[metric::TEST_LOSS],
        y_range: None,
        log_x: true,
        log_y: true,
        x: None,
    },
    Panel {
        title: "training loss",
        metrics: &[metric::TRAIN_LOSS],
        y_range: None,
        log_x: true,
        log_y: true,
        x: None,
    },
    Panel {
        title: "the kernel's alignment with the target",
        metrics: &[metric::ALIGNMENT],
        y_range: None,
        log_x: true,
        log_y: false,
        x: None,
    },
    Panel {
        title: "how far the weights moved",
        metrics: &[metric::WEIGHT_CHANGE],
        y_range: None,
        log_x: true,
        log_y: true,
        x: None,
    },
    Panel {
        title: "steps until the network leaves the kernel, by α",
        metrics: &[metric::RICH_AT],
        y_range: None,
        log_x: true,
        log_y: true,
        x: Some(metric::ALPHA),
    },
];

pub static KNOBS: &[Knob] = &[
    Knob {
        key: "dim",
        label: "Input dimensions D",
        help: "x is drawn from N(0, I) in D dimensions.",
        kind: int(2, 400, true),
    },
    Knob {
        key: "n_train",
        label: "Training points",
        help: "Points the network trains on (a gap needs fewer than D²).",
        kind: int(10, 4000, true),
    },
    Knob {
        key: "n_test",
        label: "Test points",
        help: "Points held apart to measure the test loss.",
        kind: int(10, 4000, true),
    },
    Knob {
        key: "width",
        label: "Hidden units N",
        help: "Units of the hidden layer; the readout is fixed at 1/N each.",
        kind: int(4, 2000, true),
    },
    Knob {
        key: "epsilon",
        label: "Curvature ε",
        help: "φ(h) = h + (ε/2)h²: how well the initial kernel aligns with the quadratic target.",
        kind: float(0.0, 8.0, false),
    },
    Knob {
        key: "alpha_min",
        label: "Smallest α",
        help: "The smallest output scale trained.",
        kind: float(0.001, 100.0, true),
    },
    Knob {
        key: "alpha_max",
        label: "Largest α",
        help: "The largest output scale trained.",
        kind: float(0.001, 100.0, true),
    },
    Knob {
        key: "alphas",
        label: "Scales",
        help: "How many output scales, log-spaced, train side by side.",
        kind: int(2, 12, false),
    },
    Knob {
        key: "lr",
        label: "Step size / N",
        help: "Gradient descent's step size as a multiple of N (the paper: 0.5).",
        kind: float(0.001, 10.0, true),
    },
    Knob {
        key: "steps",
        label: "Steps",
        help: "Full-batch gradient descent steps.",
        kind: int(1, 200_000, true),
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
        help: "Seed for the points and the target direction β.",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "init_seed",
        label: "Init seed",
        help: "Seed for the weights every α starts from.",
        kind: KnobKind::Seed,
    },
];
