//! What the page and the CLI show of `corrupted-labels`: its story, knobs, charts and the
//! paper's numbers.

use super::super::{Comparison, Info, Panel, PaperRow, Unit};
use super::Compare;
use crate::data::modular::Op;
use crate::spec::{Knob, KnobKind, Preset, float, int};
use crate::terms::Metric;

pub static INFO: Info = Info {
    id: "corrupted-labels",
    title: "Grokking with corrupted labels",
    claim: "A network given wrong answers can memorise them and still generalise; with enough \
        weight decay it generalises first and then un-memorises them.",
    see: "Wrong answers memorised first; with enough weight decay, unlearnt as the network generalises.",
    explanation: "A share ξ of the training answers of a+b mod p are replaced by random ones. \
        Without weight decay the network learns the rule and memorises the wrong answers too \
        (coexistence); with more, it fits everything, then forgets the wrong answers while \
        test accuracy stays at 100% (inversion); with too much it learns nothing. The rule is \
        computed by periodic hidden units, the wrong answers by the rest: pruning the least \
        periodic units removes the memorised answers.",
    paper: "Doshi, Das, He & Gromov, To grok or not to grok: Disentangling generalization and \
        memorization on corrupted algorithmic datasets (ICLR 2024)",
    paper_url: "https://arxiv.org/abs/2310.13061",
    watch: "Watch the corrupted answers (second chart): every run first fits them; the runs with \
        more weight decay then un-memorise them while test accuracy (first chart) stays high. \
        The last two charts, after training: units split into periodic and memorising ones, and \
        pruning the least periodic first removes the wrong answers and keeps the rule.",
    story: &[
        "corruption",
        "weight_decay",
        "compare",
        "train_fraction",
        "width",
    ],
    try_these: &[
        (
            "The same weight decay without corrupted answers",
            &[("compare", "clean")],
        ),
        ("Half the answers corrupted", &[("corruption", "0.5")]),
        ("Multiplication instead of addition", &[("op", "mul")]),
    ],
    marks: &[
        (metric::GENERALISED_AT, "generalised"),
        (metric::UNMEMORISED_AT, "un-memorised"),
    ],
    own_data: None,
    next: &[],
};

pub mod metric {
    //! The keys only this experiment reports (and, re-exported, the shared ones).

    pub use crate::terms::metric::*;
    use crate::terms::{Metric, Unit};

    // The same keys as benign overfitting's clean labels and grokking's weight norm.
    pub use crate::experiments::benign::metric::TRAIN_ACC_CLEAN;
    pub use crate::experiments::grokking::metric::WEIGHT_NORM;

    pub const TRAIN_ACC_CORRUPTED: Metric = Metric::new(
        "train_acc_corrupted",
        "accuracy on the corrupted training labels (the wrong answers it was given)",
        Unit::Percent,
    );
    pub const IPR_MEAN: Metric = Metric::new(
        "ipr_mean",
        "mean periodicity of the hidden units (IPR)",
        Unit::Number,
    );
    pub const PERIODIC_SHARE: Metric = Metric::new(
        "periodic_share",
        "periodic hidden units (IPR ≥ 0.5)",
        Unit::Percent,
    );
    pub const IPR: Metric = Metric::new("ipr", "periodicity of a hidden unit (IPR)", Unit::Number);
    pub const UNITS: Metric = Metric::new("units", "hidden units", Unit::Number);
    pub const PRUNED: Metric = Metric::new("pruned", "hidden units pruned", Unit::Percent);
    pub const CORRUPTION: Metric = Metric::new(
        "corruption",
        "share of training answers corrupted ξ",
        Unit::Number,
    );
    pub const PHASE: Metric = Metric::new("phase", "phase", Unit::Text);
    pub const PRUNED_RUN: Metric = Metric::new(
        "pruned_run",
        "run pruned (the one that generalised with the least weight decay)",
        Unit::Text,
    );
    pub const INVERTED_TRAIN_ACC: Metric = Metric::new(
        "inverted_train_acc",
        "training accuracy of the rule itself, 1 − ξ(1 − 1/p)",
        Unit::Percent,
    );
    pub const FINAL_TRAIN_ACC: Metric = Metric::new(
        "final_train_acc",
        "training accuracy at the end",
        Unit::Percent,
    );
    pub const FINAL_TEST_ACC: Metric =
        Metric::new("final_test_acc", "test accuracy at the end", Unit::Percent);
    pub const MEMORISED_AT: Metric = Metric::new(
        "memorised_at",
        "step it fitted 95% of its training answers",
        Unit::Count,
    );
    pub const GENERALISED_AT: Metric = Metric::new(
        "generalised_at",
        "step test accuracy reached 95%",
        Unit::Count,
    );
    pub const UNMEMORISED_AT: Metric = Metric::new(
        "unmemorised_at",
        "step it had un-memorised the corrupted answers (10% or fewer given back)",
        Unit::Count,
    );
}

/// The keys only this experiment reports, in words.
pub static WORDS: &[Metric] = &[
    metric::TRAIN_ACC_CORRUPTED,
    metric::IPR_MEAN,
    metric::PERIODIC_SHARE,
    metric::IPR,
    metric::UNITS,
    metric::PRUNED,
    metric::CORRUPTION,
    metric::PHASE,
    metric::PRUNED_RUN,
    metric::INVERTED_TRAIN_ACC,
    metric::FINAL_TRAIN_ACC,
    metric::FINAL_TEST_ACC,
    metric::MEMORISED_AT,
    metric::GENERALISED_AT,
    metric::UNMEMORISED_AT,
];

const fn over_steps(title: &'static str, metrics: &'static [Metric], share: bool) -> Panel {
    Panel {
        title,
        metrics,
        y_range: if share { Some((0.0, 1.0)) } else { None },
        log_x: true,
        log_y: false,
        x: None,
    }
}

pub static PANELS: &[Panel] = &[
    over_steps("test accuracy", &[metric::TEST_ACC], true),
    over_steps(
        "accuracy on the corrupted training labels",
        &[metric::TRAIN_ACC_CORRUPTED],
        true,
    ),
    over_steps(
        "accuracy on the clean training labels",
        &[metric::TRAIN_ACC_CLEAN],
        true,
    ),
    over_steps(
        "periodic hidden units (IPR ≥ 0.5)",
        &[metric::PERIODIC_SHARE],
        true,
    ),
    over_steps("weight norm", &[metric::WEIGHT_NORM], false),
    Panel {
        title: "hidden units by periodicity (IPR)",
        metrics: &[metric::UNITS],
        y_range: None,
        log_x: false,
        log_y: false,
        x: Some(metric::IPR),
    },
    Panel {
        title: "pruning after training, by periodicity",
        metrics: &[metric::TEST_ACC, metric::TRAIN_ACC_CORRUPTED],
        y_range: Some((0.0, 1.0)),
        log_x: false,
        log_y: false,
        x: Some(metric::PRUNED),
    },
];

const fn row(label: &'static str, run: &'static str, metric: Metric, paper: f64) -> PaperRow {
    PaperRow {
        label,
        run,
        metric,
        paper,
    }
}

/// The paper's saved runs at ξ = 0.35 (its code's outputs): training and test accuracy after
/// 2,000 epochs at each weight decay.
pub static COMPARISON: Comparison = Comparison {
    caption: "accuracy at the end, by weight decay (training accuracy counts the wrong answers \
        it was given)",
    setting: "Doshi et al. 2024: (a+b) mod 97, half the pairs for training, ξ = 0.35, 500 units \
        with h², MSE, full-batch AdamW lr 0.01, 2,000 epochs",
    preset: Preset::Paper,
    set: &[],
    rows: &[
        row("wd 0: training", "wd 0", metric::FINAL_TRAIN_ACC, 0.978),
        row("wd 0: test", "wd 0", metric::FINAL_TEST_ACC, 0.983),
        row("wd 5: training", "wd 5", metric::FINAL_TRAIN_ACC, 0.786),
        row("wd 5: test", "wd 5", metric::FINAL_TEST_ACC, 1.0),
        row("wd 15: training", "wd 15", metric::FINAL_TRAIN_ACC, 0.654),
        row("wd 15: test", "wd 15", metric::FINAL_TEST_ACC, 1.0),
    ],
    ratio_to: None,
    ratio_label: "",
    unit: Unit::Percent,
    source: "paper",
};

pub static KNOBS: &[Knob] = &[
    Knob {
        key: "op",
        label: "Operation",
        help: "The operation mod p (the paper: addition).",
        kind: KnobKind::Choice(Op::NAMES),
    },
    Knob {
        key: "p",
        label: "Modulus p",
        help: "A prime; there are p² equations (p(p−1) for division).",
        kind: int(7, 113, false),
    },
    Knob {
        key: "train_fraction",
        label: "Training fraction",
        help: "Share of the equations trained on; the rest is the test.",
        kind: float(0.05, 0.95, false),
    },
    Knob {
        key: "corruption",
        label: "Corrupted answers ξ",
        help: "Share of training answers replaced by random ones (one in p stays right by \
            chance).",
        kind: float(0.0, 0.95, false),
    },
    Knob {
        key: "width",
        label: "Hidden units",
        help: "Units of the one hidden layer (activation h², no biases).",
        kind: int(8, 1024, true),
    },
    Knob {
        key: "compare",
        label: "Runs",
        help: "phases: weight decay 0, a third of it, it and four thirds of it (the paper's 0, \
            5, 15, 20); one: only this weight decay; clean: this weight decay with and without \
            the corrupted answers.",
        kind: KnobKind::Choice(Compare::NAMES),
    },
    Knob {
        key: "weight_decay",
        label: "Weight decay",
        help: "AdamW's decoupled decay: each step scales the weights by 1 − lr·wd.",
        kind: float(0.0, 99.0, false),
    },
    Knob {
        key: "lr",
        label: "Learning rate",
        help: "AdamW's step size (the paper: 0.01).",
        kind: float(1e-5, 0.1, true),
    },
    Knob {
        key: "beta2",
        label: "Adam β₂",
        help: "Second-moment decay (β₁ is 0.9).",
        kind: float(0.9, 0.9999, false),
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
        help: "Seed for the split and the random answers.",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "init_seed",
        label: "Init seed",
        help: "Seed for the first network's weights (seed k adds k).",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "seeds",
        label: "Seeds per run",
        help: "Networks each run trains from successive init seeds, on one split: the charts \
            show their mean and spread.",
        kind: int(1, 5, false),
    },
];
