//! What the page and the CLI show of `forgetting`: its story, knobs and charts.

use super::super::{Comparison, Info, Panel, PaperRow};
use crate::spec::{Knob, KnobKind, Preset, float, int};
use crate::terms::{Metric, Unit};

pub static INFO: Info = Info {
    id: "forgetting",
    title: "Forgetting and task similarity",
    claim: "A model that learns a second task forgets the first most when the tasks are \
        neither alike nor unlike, if it is highly overparameterised; near the interpolation \
        threshold it forgets more the more the tasks differ.",
    see: "Forgetting against how much of the task changed: a hump when the model is overparameterised.",
    explanation: "Two tasks of linear regression share their data and answers; the second \
        rotates a random share m/p of the p features. Gradient descent from zero learns the \
        first task, then the second, and ends at the minimum-norm solution of each in turn, \
        solved here exactly for every draw. Forgetting is the error on the first task's data \
        afterwards over its answers' size. With d samples for p features the model has β = \
        1 − d/p of its directions free: with much room, a few rotated features move the \
        solution where task 1 looks, while many rotated features move it mostly where task 1 \
        does not.",
    paper: "Goldfarb, Evron, Weinberger, Soudry & Hand, The joint effect of task similarity and \
        overparameterization on catastrophic forgetting (ICLR 2024)",
    paper_url: "https://arxiv.org/abs/2401.12617",
    watch: "Watch the highly overparameterised curve (β 0.95): it rises, peaks near half the \
        features rotated and falls again, while β 0.1, near the threshold, only climbs. The \
        second chart draws each curve over its own largest value, so the shapes compare on \
        one axis; the bands are the draws' range.",
    story: &["overparam_high", "overparam_low", "dim", "draws"],
    try_these: &[
        (
            "Less room: at β 0.8 the hump flattens",
            &[("overparam_high", "0.8")],
        ),
        (
            "Twice the features: the same shapes, sharper",
            &[("dim", "120")],
        ),
        (
            "MLPs on two MNIST-1D tasks: how far the linear picture carries",
            &[("mode", "mlp"), ("levels", "6")],
        ),
    ],
    marks: &[(metric::PEAK_FORGETTING, "peak")],
    own_data: None,
    next: &[],
};

pub mod metric {
    //! The keys only this experiment reports (and, re-exported, the shared ones).

    pub use crate::terms::metric::*;
    use crate::terms::{Metric, Unit};

    pub const ROTATED: Metric = Metric::new(
        "rotated",
        "share of the features rotated for task 2, m/p",
        Unit::Percent,
    );
    pub const FORGETTING: Metric = Metric::new(
        "forgetting",
        "forgetting of task 1, ‖Xw₂ − y‖² / ‖y‖²",
        Unit::Number,
    );
    pub const RELATIVE_FORGETTING: Metric = Metric::new(
        "relative_forgetting",
        "median forgetting over its curve's largest",
        Unit::Number,
    );
    pub const OVERPARAM: Metric = Metric::new(
        "overparam",
        "overparameterisation β = 1 − d/p",
        Unit::Number,
    );
    pub const SAMPLES_PER_TASK: Metric =
        Metric::new("samples_per_task", "samples per task d", Unit::Count);
    pub const DRAWS_DONE: Metric = Metric::new(
        "draws_done",
        "draws of data, teacher and rotation so far",
        Unit::Count,
    );
    pub const SINGULAR_DRAWS: Metric = Metric::new(
        "singular_draws",
        "draws left out because XXᵀ was singular",
        Unit::Count,
    );
    pub const PEAK_FORGETTING: Metric = Metric::new(
        "peak_forgetting",
        "median forgetting at the hump's peak",
        Unit::Number,
    );
    pub const PEAK_ROTATED: Metric = Metric::new(
        "peak_rotated",
        "share rotated at the hump's peak",
        Unit::Percent,
    );
    pub const PERMUTED: Metric = Metric::new(
        "permuted",
        "share of the signal's positions permuted for task 2",
        Unit::Percent,
    );
    pub const ACCURACY_LOST: Metric = Metric::new(
        "accuracy_lost",
        "task 1's test accuracy lost over task 2",
        Unit::Percent,
    );
    pub const TASK1_ACC: Metric = Metric::new(
        "task1_acc",
        "task 1's test accuracy after task 1",
        Unit::Percent,
    );
    pub const TASK2_ACC: Metric = Metric::new(
        "task2_acc",
        "task 2's test accuracy after task 2",
        Unit::Percent,
    );
    pub const WIDTH_TRAINED_TASKS: Metric =
        Metric::new("hidden_width", "hidden units of the MLP", Unit::Count);
    pub const FORGETTING_ALL_ROTATED: Metric = Metric::new(
        "forgetting_all_rotated",
        "median forgetting with every feature rotated",
        Unit::Number,
    );
}

/// The keys only this experiment reports, in words.
pub static WORDS: &[Metric] = &[
    metric::ROTATED,
    metric::FORGETTING,
    metric::RELATIVE_FORGETTING,
    metric::OVERPARAM,
    metric::SAMPLES_PER_TASK,
    metric::DRAWS_DONE,
    metric::SINGULAR_DRAWS,
    metric::PEAK_FORGETTING,
    metric::PEAK_ROTATED,
    metric::FORGETTING_ALL_ROTATED,
    metric::PERMUTED,
    metric::ACCURACY_LOST,
    metric::TASK1_ACC,
    metric::TASK2_ACC,
    metric::WIDTH_TRAINED_TASKS,
];

pub static MLP_PANELS: &[Panel] = &[
    Panel {
        title: "task 1's test accuracy lost over task 2, against the share permuted",
        metrics: &[metric::ACCURACY_LOST],
        y_range: None,
        log_x: false,
        log_y: false,
        x: None,
    },
    Panel {
        title: "test accuracy: task 1 after task 1, task 2 after task 2",
        metrics: &[metric::TASK1_ACC, metric::TASK2_ACC],
        y_range: None,
        log_x: false,
        log_y: false,
        x: None,
    },
];

pub static PANELS: &[Panel] = &[
    Panel {
        title: "forgetting of task 1 against the share of features rotated",
        metrics: &[metric::FORGETTING],
        y_range: None,
        log_x: false,
        log_y: true,
        x: None,
    },
    Panel {
        title: "each curve over its own largest value: the shapes",
        metrics: &[metric::RELATIVE_FORGETTING],
        y_range: Some((0.0, 1.05)),
        log_x: false,
        log_y: false,
        x: None,
    },
];

/// A reference simulation of the same model beside the user's (not the paper's figures,
/// whose sizes its abstract does not give).
pub static COMPARISON: Comparison = Comparison {
    caption: "median forgetting of task 1: a reference simulation of the same closed form \
        (p = 60, 200 draws), not figures from the paper",
    setting: "p = 60 features; d = 3, 30 and 54 samples per task (β 0.95, 0.5, 0.1); m/p in \
        tenths; minimum-norm solutions",
    preset: Preset::Quick,
    set: &[],
    rows: &[
        PaperRow {
            label: "β 0.95, at the hump's peak (m/p 0.5)",
            run: "β 0.95",
            metric: metric::PEAK_FORGETTING,
            paper: 0.056,
        },
        PaperRow {
            label: "β 0.95, every feature rotated",
            run: "β 0.95",
            metric: metric::FORGETTING_ALL_ROTATED,
            paper: 0.057,
        },
        PaperRow {
            label: "β 0.5, every feature rotated",
            run: "β 0.5",
            metric: metric::FORGETTING_ALL_ROTATED,
            paper: 0.87,
        },
        PaperRow {
            label: "β 0.1, every feature rotated",
            run: "β 0.1",
            metric: metric::FORGETTING_ALL_ROTATED,
            paper: 1.85,
        },
    ],
    ratio_to: None,
    ratio_label: "",
    unit: Unit::Number,
    source: "simulation",
};

pub static KNOBS: &[Knob] = &[
    Knob {
        key: "mode",
        label: "Mode",
        help: "linear: two regression tasks solved exactly; mlp: MLPs trained by SGD on two \
            MNIST-1D tasks.",
        kind: KnobKind::Choice(super::Mode::NAMES),
    },
    Knob {
        key: "dim",
        label: "Features p",
        help: "Features of both tasks; the rotation acts on a share of them.",
        kind: int(4, 400, true),
    },
    Knob {
        key: "overparam_high",
        label: "Overparameterisation, high",
        help: "β = 1 − d/p of the first curve (d samples per task).",
        kind: float(0.0, 0.995, false),
    },
    Knob {
        key: "overparam_mid",
        label: "Overparameterisation, middle",
        help: "β of the second curve.",
        kind: float(0.0, 0.995, false),
    },
    Knob {
        key: "overparam_low",
        label: "Overparameterisation, low",
        help: "β of the third curve: near 0 is the interpolation threshold (d = p).",
        kind: float(0.0, 0.995, false),
    },
    Knob {
        key: "levels",
        label: "Similarity levels",
        help: "Shares of rotated features m/p, evenly from none to all.",
        kind: int(2, 101, false),
    },
    Knob {
        key: "draws",
        label: "Draws",
        help: "Independent draws of data, teacher and rotation per point (median and range).",
        kind: int(1, 5000, true),
    },
    Knob {
        key: "width_min",
        label: "Narrowest width",
        help: "Hidden units of the narrowest MLP (40-h-10).",
        kind: int(1, 2048, true),
    },
    Knob {
        key: "width_max",
        label: "Widest width",
        help: "Hidden units of the widest MLP.",
        kind: int(2, 2048, true),
    },
    Knob {
        key: "widths",
        label: "Widths",
        help: "How many widths, log-spaced, train side by side.",
        kind: int(2, 8, false),
    },
    Knob {
        key: "n_train",
        label: "Training signals",
        help: "MNIST-1D signals per task (the same signals, permuted for task 2).",
        kind: int(50, 8000, true),
    },
    Knob {
        key: "n_test",
        label: "Test signals",
        help: "Signals held apart to measure each task's accuracy.",
        kind: int(50, 4000, true),
    },
    Knob {
        key: "lr",
        label: "Learning rate",
        help: "Plain SGD's step size.",
        kind: float(1e-4, 1.0, true),
    },
    Knob {
        key: "batch",
        label: "Batch size",
        help: "Signals per minibatch.",
        kind: int(1, 1000, true),
    },
    Knob {
        key: "steps",
        label: "Steps per task",
        help: "SGD steps on task 1, then as many on task 2.",
        kind: int(1, 50_000, true),
    },
    Knob {
        key: "seeds",
        label: "Seeds",
        help: "Independent starts per width and share (the spread).",
        kind: int(1, 8, false),
    },
    Knob {
        key: "data_seed",
        label: "Data seed",
        help: "Seed for the data, the teacher and the rotations (or the permutations).",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "init_seed",
        label: "Init seed",
        help: "Seed for the MLPs' starts.",
        kind: KnobKind::Seed,
    },
];
