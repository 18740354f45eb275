//! What the page and the CLI say about benign overfitting: the story, the charts of each
//! mode, the papers' numbers and every knob.

use super::*;
use crate::terms::Metric;

pub static INFO: Info = Info {
    id: "benign-overfitting",
    title: "Benign overfitting",
    claim: "A model can fit every noisy training label exactly and still predict almost as well \
        as possible.",
    see: "Training accuracy at 100% on the flipped labels as on the clean ones: the noise is fitted exactly.",
    explanation: "Classical statistics says a model that fits noise perfectly must predict badly, \
        yet a wide ReLU network trained on XOR clusters with 15% flipped labels memorises every \
        flip in its first step and then, still fitting them all, learns to classify new points \
        almost perfectly. In linear regression the same holds exactly when the data has a few \
        strong directions and many weak ones that absorb the noise, and fails catastrophically \
        when the dimension barely exceeds the number of samples.",
    paper: "Bartlett, Long, Lugosi & Tsigler, Benign overfitting in linear regression (PNAS \
        2020); Xu, Wang, Frei, Vardi & Hu, Benign overfitting and grokking in ReLU networks for \
        XOR cluster data (ICLR 2024)",
    paper_url: "https://arxiv.org/abs/2310.02541",
    watch: "Watch the flipped labels: the network fits every one of them (training accuracy on them reaches 100%), yet its test accuracy on clean labels stays high; that is benign overfitting.",
    story: &["mode", "flip", "xor_n", "n_train", "noise"],
    try_these: &[
        ("Flip more of the labels", &[("flip", "0.3")]),
        ("The linear theorem's cases", &[("mode", "linear")]),
        ("See it in the plane", &[("mode", "plane")]),
    ],
    marks: &[],
    own_data: None,
    next: &[],
};

/// Charts of the `xor` mode (x: gradient-descent step, log scale).
pub static XOR_PANELS: &[Panel] = &[
    Panel {
        title: "training accuracy (on the labels as given)",
        metrics: &[
            metric::TRAIN_ACC,
            metric::TRAIN_ACC_FLIPPED,
            metric::TRAIN_ACC_CLEAN,
        ],
        y_range: Some((0.0, 1.0)),
        log_x: true,
        log_y: false,
        x: None,
    },
    Panel {
        title: "test accuracy",
        metrics: &[metric::TEST_ACC_CLEAN, metric::TEST_ACC_NOISY],
        y_range: Some((0.0, 1.0)),
        log_x: true,
        log_y: false,
        x: None,
    },
    Panel {
        title: "logistic loss",
        metrics: &[metric::TRAIN_LOSS, metric::TEST_LOSS],
        y_range: None,
        log_x: true,
        log_y: true,
        x: None,
    },
];

/// Charts of the `linear` mode (x: noise level σ).
pub static LINEAR_PANELS: &[Panel] = &[
    Panel {
        title: "test error against the noise level",
        metrics: &[metric::TEST_MSE, metric::NOISE_VAR],
        y_range: None,
        log_x: true,
        log_y: true,
        x: None,
    },
    Panel {
        title: "test error ÷ noise variance",
        metrics: &[metric::TEST_OVER_NOISE],
        y_range: None,
        log_x: true,
        log_y: true,
        x: None,
    },
    Panel {
        title: "training error (zero: the fit interpolates)",
        metrics: &[metric::TRAIN_MSE, metric::NOISE_VAR],
        y_range: None,
        log_x: true,
        log_y: false,
        x: None,
    },
];

/// Charts of the `plane` mode (x: step).
pub static PLANE_PANELS: &[Panel] = &[
    Panel {
        title: "accuracy",
        metrics: &[
            metric::TRAIN_ACC,
            metric::TRAIN_ACC_FLIPPED,
            metric::TEST_ACC,
        ],
        y_range: Some((0.0, 1.0)),
        log_x: true,
        log_y: false,
        x: None,
    },
    Panel {
        title: "loss",
        metrics: &[metric::TRAIN_LOSS, metric::TEST_LOSS],
        y_range: None,
        log_x: true,
        log_y: true,
        x: None,
    },
];

/// What the theorem of Xu et al. predicts for the XOR network, beside the user's run.
pub static XOR_COMPARISON: Comparison = Comparison {
    caption: "what the theorem predicts for the XOR network",
    setting: "XOR clusters with 15% of training labels flipped, two-layer ReLU network with a \
        fixed ±1/√m second layer, small initialisation, full-batch gradient descent on the \
        logistic loss (constants calibrated here: the paper's theorem is asymptotic)",
    preset: Preset::Paper,
    set: &[("mode", "xor")],
    rows: &[
        PaperRow {
            label: "after the first step: training accuracy on the flipped labels",
            run: "relu-net",
            metric: metric::TRAIN_ACC_FLIPPED_STEP1,
            paper: 1.0,
        },
        PaperRow {
            label: "after the first step: test accuracy (chance)",
            run: "relu-net",
            metric: metric::TEST_ACC_CLEAN_STEP1,
            paper: 0.5,
        },
        PaperRow {
            label: "at the end: training accuracy on the flipped labels",
            run: "relu-net",
            metric: metric::TRAIN_ACC_FLIPPED,
            paper: 1.0,
        },
        PaperRow {
            label: "at the end: test accuracy on clean labels",
            run: "relu-net",
            metric: metric::TEST_ACC_CLEAN,
            paper: 1.0,
        },
        PaperRow {
            label: "at the end: test accuracy on noisy labels (optimum 1 − η)",
            run: "relu-net",
            metric: metric::TEST_ACC_NOISY,
            paper: 0.85,
        },
    ],
    ratio_to: None,
    ratio_label: "",
    unit: Unit::Percent,
    source: "theorem",
};

/// The isotropic case's exact expected test error beside the measured one.
pub static LINEAR_COMPARISON: Comparison = Comparison {
    caption: "test error of the minimum-norm interpolator at σ = 1",
    setting: "n = 200 samples, |θ| = 1 on 5 directions, σ = 1; spiked: 5 directions of \
        variance 1 and 20,000 of variance 0.001; isotropic: p = 210 directions of variance 1 \
        (exact expectation σ²(1 + n/(p − n − 1)) + |θ|²(1 − n/p); the spiked case's is the noise \
        level σ² = 1 as n grows)",
    preset: Preset::Paper,
    set: &[("mode", "linear")],
    rows: &[
        PaperRow {
            label: "spiked spectrum (benign): test MSE",
            run: "spiked",
            metric: metric::TEST_MSE,
            paper: 1.0,
        },
        PaperRow {
            label: "isotropic, p = 210 (catastrophic): test MSE",
            run: "isotropic",
            metric: metric::TEST_MSE,
            paper: 23.27,
        },
    ],
    ratio_to: None,
    ratio_label: "",
    unit: Unit::Number,
    source: "theory",
};

pub mod metric {
    //! The keys only this experiment reports (and, re-exported, the shared ones).

    pub use crate::terms::metric::*;
    use crate::terms::{Metric, Unit};

    pub const TRAIN_MSE: Metric =
        Metric::new("train_mse", "training mean squared error", Unit::Number);
    pub const TEST_MSE: Metric = Metric::new("test_mse", "test mean squared error", Unit::Number);
    pub const THEORY_TEST_MSE: Metric = Metric::new(
        "theory_test_mse",
        "test mean squared error the theory predicts",
        Unit::Number,
    );
    pub const TRAIN_ACC_CLEAN: Metric = Metric::new(
        "train_acc_clean",
        "accuracy on the clean training labels",
        Unit::Percent,
    );
    pub const TEST_ACC_CLEAN: Metric = Metric::new(
        "test_acc_clean",
        "test accuracy against the clean labels",
        Unit::Percent,
    );
    pub const TEST_ACC_NOISY: Metric = Metric::new(
        "test_acc_noisy",
        "test accuracy against noisy labels",
        Unit::Percent,
    );
    pub const OPTIMAL_TEST_ACC_NOISY: Metric = Metric::new(
        "optimal_test_acc_noisy",
        "best possible test accuracy against noisy labels",
        Unit::Percent,
    );
    pub const STEPS_TO_FIT_ALL: Metric = Metric::new(
        "steps_to_fit_all",
        "steps to fit every training label",
        Unit::Count,
    );
    pub const STEPS_TO_TEST_CLEAN_90: Metric = Metric::new(
        "steps_to_test_clean_90",
        "steps to 90% test accuracy against the clean labels",
        Unit::Count,
    );
    pub const R0: Metric = Metric::new("r0", "effective rank r₀ of the covariance", Unit::Number);
    pub const R0_OVER_N: Metric = Metric::new(
        "r0_over_n",
        "effective rank r₀ per training example",
        Unit::Number,
    );
    pub const R_K: Metric = Metric::new("R_k", "effective rank R_k beyond k*", Unit::Number);
    pub const N_OVER_R_K: Metric =
        Metric::new("n_over_R_k", "training examples per R_k", Unit::Number);
    pub const K_STAR: Metric = Metric::new(
        "k_star",
        "index k* where the spectrum's tail begins",
        Unit::Count,
    );
    pub const TEST_OVER_NOISE: Metric = Metric::new(
        "test_over_noise",
        "excess test error per unit of noise",
        Unit::Number,
    );
    pub const TAIL_VAR: Metric =
        Metric::new("tail_var", "variance in the spectrum's tail", Unit::Number);
    pub const NOISE_VAR: Metric = Metric::new("noise_var", "noise variance", Unit::Number);
    pub const FLIPPED: Metric = Metric::new("flipped", "flipped training labels", Unit::Count);

    // Keys read by their parts (see `vocabulary::term`), named here for the charts and the paper's rows.
    pub const TEST_ACC_CLEAN_STEP1: Metric = Metric::new(
        "test_acc_clean_step1",
        "test accuracy against the clean labels after one step",
        Unit::Percent,
    );
    pub const TRAIN_ACC_FLIPPED_STEP1: Metric = Metric::new(
        "train_acc_flipped_step1",
        "accuracy on the flipped training labels after one step",
        Unit::Percent,
    );
}

/// The keys only benign overfitting reports, in words (Bartlett et al.'s theory among them).
pub static WORDS: &[Metric] = &[
    metric::TRAIN_MSE,
    metric::TEST_MSE,
    metric::THEORY_TEST_MSE,
    metric::TRAIN_ACC_CLEAN,
    metric::TEST_ACC_CLEAN,
    metric::TEST_ACC_NOISY,
    metric::OPTIMAL_TEST_ACC_NOISY,
    metric::STEPS_TO_FIT_ALL,
    metric::STEPS_TO_TEST_CLEAN_90,
    metric::R0,
    metric::R0_OVER_N,
    metric::R_K,
    metric::K_STAR,
    metric::TEST_OVER_NOISE,
    metric::TAIL_VAR,
    metric::NOISE_VAR,
    metric::FLIPPED,
    metric::N_OVER_R_K,
];

pub static KNOBS: &[Knob] = &[
    Knob {
        key: "mode",
        label: "Setting",
        help: "xor: a ReLU network on XOR clusters with flipped labels; linear: the minimum-norm \
            interpolator for a spiked and an isotropic covariance; plane: a wide MLP in 2-D.",
        kind: KnobKind::Choice(Mode::NAMES),
    },
    Knob {
        key: "flip",
        label: "Flipped labels η",
        help: "xor and plane: fraction of training labels flipped (and of xor's noisy test labels).",
        kind: float(0.0, 0.45, false),
    },
    Knob {
        key: "xor_n",
        label: "Training points",
        help: "xor: training points (drawn evenly from the four clusters).",
        kind: int(10, 2000, true),
    },
    Knob {
        key: "xor_dim",
        label: "Dimension d",
        help: "xor: input dimension; benign overfitting needs d well above the training points.",
        kind: int(2, 50_000, true),
    },
    Knob {
        key: "signal",
        label: "Cluster distance |μ|",
        help: "xor: norm of the cluster means ±μ₁, ±μ₂ (the noise has unit variance per coordinate).",
        kind: float(0.0, 200.0, false),
    },
    Knob {
        key: "neurons",
        label: "Neurons m",
        help: "xor: hidden ReLU units (half vote +1/√m, half −1/√m; only the first layer trains).",
        kind: int(2, 2000, true),
    },
    Knob {
        key: "init_scale",
        label: "Init scale ω",
        help: "xor: standard deviation of the first layer's initial weights (small: the first step dominates).",
        kind: float(1e-8, 1.0, true),
    },
    Knob {
        key: "lr",
        label: "Learning rate",
        help: "xor: gradient-descent step size on the mean logistic loss.",
        kind: float(1e-4, 100.0, true),
    },
    Knob {
        key: "steps",
        label: "Steps",
        help: "xor: full-batch gradient-descent steps.",
        kind: int(1, 100_000, true),
    },
    Knob {
        key: "xor_test",
        label: "Test points",
        help: "xor: fresh points the test accuracies are measured on.",
        kind: int(100, 10_000, true),
    },
    Knob {
        key: "eval_every",
        label: "Evaluate at most every",
        help: "xor and plane: evaluations are dense early (every step up to 10) and at most this many steps apart later.",
        kind: int(1, 10_000, true),
    },
    Knob {
        key: "n_train",
        label: "Samples n",
        help: "linear: training samples the interpolator fits exactly.",
        kind: int(10, 2000, true),
    },
    Knob {
        key: "strong",
        label: "Strong directions k",
        help: "linear: directions of variance 1; the true θ (|θ| = 1) lies in them.",
        kind: int(1, 200, true),
    },
    Knob {
        key: "tail",
        label: "Weak directions",
        help: "linear (spiked case): how many weak directions follow the strong ones.",
        kind: int(0, 100_000, true),
    },
    Knob {
        key: "tail_var",
        label: "Weak variance",
        help: "linear (spiked case): variance of each weak direction.",
        kind: float(1e-6, 1.0, true),
    },
    Knob {
        key: "iso_dim",
        label: "Isotropic dimension p",
        help: "linear (isotropic case): directions of variance 1; p just above n is catastrophic.",
        kind: int(3, 5000, true),
    },
    Knob {
        key: "noise",
        label: "Noise σ",
        help: "linear: the reference noise level (the curves span σ/10 to 10σ; the verdict is read at σ).",
        kind: float(0.01, 10.0, true),
    },
    Knob {
        key: "trials",
        label: "Trials",
        help: "linear: fresh designs averaged.",
        kind: int(1, 100, true),
    },
    Knob {
        key: "shape",
        label: "Data set",
        help: "plane: shape of the two classes.",
        kind: KnobKind::Choice(Shape::NAMES),
    },
    Knob {
        key: "plane_points",
        label: "Points",
        help: "plane: points in all (half train, half test).",
        kind: int(20, 2000, true),
    },
    Knob {
        key: "plane_width",
        label: "Width",
        help: "plane: units per hidden layer of the two-hidden-layer MLP.",
        kind: int(4, 1024, true),
    },
    Knob {
        key: "plane_lr",
        label: "Learning rate",
        help: "plane: Adam step size (full batch).",
        kind: float(1e-5, 1.0, true),
    },
    Knob {
        key: "plane_steps",
        label: "Steps",
        help: "plane: Adam steps.",
        kind: int(1, 100_000, true),
    },
    Knob {
        key: "data_seed",
        label: "Data seed",
        help: "Seed for the points, the flipped labels and the Gaussian designs.",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "init_seed",
        label: "Init seed",
        help: "Seed for the networks' initial weights.",
        kind: KnobKind::Seed,
    },
];
