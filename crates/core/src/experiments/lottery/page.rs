//! What the page and the CLI show of `lottery-tickets`: its story, knobs and charts.

use super::super::{Comparison, Info, Panel, PaperRow};
use crate::spec::{Knob, KnobKind, Preset, float, int};
use crate::terms::{Metric, Unit};

pub static INFO: Info = Info {
    id: "lottery-tickets",
    title: "Lottery tickets",
    claim: "Inside a dense network trained from a random start there is a sparse subnetwork \
        that, reset to that same start, trains as well as the whole; a random subnetwork of the \
        same size does not.",
    see: "Accuracy against sparsity: the pruned ticket holds where a random mask of its size falls.",
    explanation: "An MLP (40-h-h-10) learns MNIST-1D. After each round of training the \
        smallest weights of each layer are pruned, the rest reset to their initial values, \
        and it trains again: iterative magnitude pruning. Beside it, from the same start, a \
        random mask with the same number of weights in each layer (the control), the \
        ticket's mask with new initial weights, and the ticket reset not to the start but to \
        its weights at an early step (rewinding). Each trains three times from three seeds.",
    paper: "Frankle & Carbin, The lottery ticket hypothesis (ICLR 2019); Frankle, Dziugaite, \
        Roy & Carbin, Linear mode connectivity and the lottery ticket hypothesis (ICML 2020)",
    paper_url: "https://arxiv.org/abs/1803.03635",
    watch: "Watch test accuracy against sparsity: the ticket holds (or gains) while most of its \
        weights go, the random mask falls away from about 80% sparse, and the gap between them \
        grows round by round. The shaded bands are the seeds' spread: a gap is real when it is \
        wider than them.",
    story: &["prune_rate", "rounds", "width", "rewind_step", "seeds"],
    try_these: &[
        (
            "Prune harder, fewer rounds: a ticket found in big steps",
            &[("prune_rate", "0.5"), ("rounds", "6")],
        ),
        (
            "A wider network: more to prune, larger gaps",
            &[("width", "200")],
        ),
        ("Rewind later, to step 200", &[("rewind_step", "200")]),
    ],
    marks: &[],
    own_data: None,
    next: &[],
};

pub mod metric {
    //! The keys only this experiment reports (and, re-exported, the shared ones).

    pub use crate::terms::metric::*;
    use crate::terms::{Metric, Unit};

    pub const SPARSITY: Metric =
        Metric::new("sparsity", "share of the weights pruned", Unit::Percent);
    pub const DENSE_TEST_ACC: Metric = Metric::new(
        "dense_test_acc",
        "test accuracy of the dense network, mean over seeds",
        Unit::Percent,
    );
    pub const TEST_ACC_AT_50: Metric = Metric::new(
        "test_acc_at_50",
        "test accuracy at 50% sparse (between rounds, interpolated)",
        Unit::Percent,
    );
    pub const TEST_ACC_AT_92: Metric = Metric::new(
        "test_acc_at_92",
        "test accuracy at 92% sparse (between rounds, interpolated)",
        Unit::Percent,
    );
    pub const GAIN_OVER_RANDOM: Metric = Metric::new(
        "gain_over_random",
        "test accuracy above the random mask's at the last round",
        Unit::Percent,
    );
}

/// The keys only this experiment reports, in words.
pub static WORDS: &[Metric] = &[
    metric::SPARSITY,
    metric::DENSE_TEST_ACC,
    metric::TEST_ACC_AT_50,
    metric::TEST_ACC_AT_92,
    metric::GAIN_OVER_RANDOM,
];

pub static PANELS: &[Panel] = &[
    Panel {
        title: "test accuracy against the share of weights pruned",
        metrics: &[metric::TEST_ACC],
        y_range: None,
        log_x: false,
        log_y: false,
        x: None,
    },
    Panel {
        title: "training accuracy",
        metrics: &[metric::TRAIN_ACC],
        y_range: None,
        log_x: false,
        log_y: false,
        x: None,
    },
    Panel {
        title: "test loss",
        metrics: &[metric::TEST_LOSS],
        y_range: None,
        log_x: false,
        log_y: false,
        x: None,
    },
];

/// The MNIST-1D notebook's lottery-ticket numbers (seed 0).
pub static COMPARISON: Comparison = Comparison {
    caption: "test accuracy of the ticket and of a random mask (the MNIST-1D notebook, seed 0; \
        seed 1 gave 64.8, 69.1, 62.1, 74.4 and 61.8)",
    setting: "MNIST-1D 4,000/1,000, 40-500-500-10, Adam lr 2e-2, batch 100, 1,501 steps a \
        round, 100 rounds of per-layer magnitude pruning to sparsities evenly from 0 to 1",
    preset: Preset::Paper,
    set: &[],
    rows: &[
        PaperRow {
            label: "dense",
            run: "ticket",
            metric: metric::DENSE_TEST_ACC,
            paper: 0.664,
        },
        PaperRow {
            label: "ticket, 50% sparse",
            run: "ticket",
            metric: metric::TEST_ACC_AT_50,
            paper: 0.686,
        },
        PaperRow {
            label: "random mask, 50% sparse",
            run: "random mask (control)",
            metric: metric::TEST_ACC_AT_50,
            paper: 0.636,
        },
        PaperRow {
            label: "ticket, 92% sparse",
            run: "ticket",
            metric: metric::TEST_ACC_AT_92,
            paper: 0.756,
        },
        PaperRow {
            label: "random mask, 92% sparse",
            run: "random mask (control)",
            metric: metric::TEST_ACC_AT_92,
            paper: 0.606,
        },
    ],
    ratio_to: None,
    ratio_label: "",
    unit: Unit::Percent,
    source: "notebook",
};

pub static KNOBS: &[Knob] = &[
    Knob {
        key: "n_train",
        label: "Training signals",
        help: "MNIST-1D signals trained on.",
        kind: int(100, 8000, true),
    },
    Knob {
        key: "n_test",
        label: "Test signals",
        help: "Signals held apart to measure test accuracy.",
        kind: int(100, 4000, true),
    },
    Knob {
        key: "width",
        label: "Hidden units",
        help: "Units in each of the two hidden layers.",
        kind: int(4, 1000, true),
    },
    Knob {
        key: "lr",
        label: "Learning rate",
        help: "Adam's step size, every round from a fresh optimizer.",
        kind: float(1e-4, 0.1, true),
    },
    Knob {
        key: "batch",
        label: "Batch size",
        help: "Signals per minibatch.",
        kind: int(1, 1000, true),
    },
    Knob {
        key: "steps",
        label: "Steps a round",
        help: "Adam steps each round trains.",
        kind: int(2, 20_000, true),
    },
    Knob {
        key: "rounds",
        label: "Rounds",
        help: "Rounds of training: the dense network, then one after each pruning.",
        kind: int(1, 40, false),
    },
    Knob {
        key: "prune_rate",
        label: "Pruned a round",
        help: "Share of each hidden layer's remaining weights pruned after a round (the \
            output layer half as much).",
        kind: float(0.01, 0.9, false),
    },
    Knob {
        key: "rewind_step",
        label: "Rewind to step",
        help: "The step of the first round the rewound ticket is reset to.",
        kind: int(0, 20_000, false),
    },
    Knob {
        key: "seeds",
        label: "Seeds",
        help: "Independent starts and batch orders, for the spread.",
        kind: int(1, 8, false),
    },
    Knob {
        key: "data_seed",
        label: "Data seed",
        help: "Seed for the signals, the batch orders and the random masks.",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "init_seed",
        label: "Init seed",
        help: "Seed for the starts (and the new weights each round).",
        kind: KnobKind::Seed,
    },
];
