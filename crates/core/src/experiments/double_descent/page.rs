//! What the page and the CLI say about double descent: the story, the charts of each mode,
//! the published points and every knob.

use super::*;
use crate::terms::Metric;

pub static INFO: Info = Info {
    id: "double-descent",
    title: "Double descent",
    claim: "Test error peaks where a model can first fit its training data exactly, then falls \
        again as the model keeps growing.",
    see: "Test error rises to a peak where the model just fits its training data, then falls again.",
    explanation: "Fit random features of MNIST-1D by least squares and grow the number of \
        features N: the test error first falls, then climbs to a sharp peak at N = n, the size at \
        which the fit can just interpolate the n noisy training labels, and falls again beyond \
        it, as the minimum-norm interpolator grows smoother. A little ridge regularisation \
        removes the peak, and the same happens with data: in a fixed dimension d, a linear fit \
        is worst with n = d samples, so more data can hurt.",
    paper: "Belkin, Hsu, Ma & Mandal, Reconciling modern machine learning practice and the \
        bias-variance trade-off (PNAS 2019); Nakkiran et al., Deep Double Descent (2019); \
        Greydanus, Scaling down deep learning with MNIST-1D (2020); Heckel & Yilmaz, Early \
        stopping in deep networks: double descent and how to eliminate it (ICLR 2021)",
    paper_url: "https://arxiv.org/abs/1812.11118",
    watch: "Watch the test error as the model grows: it falls, rises to a peak where the model just fits every training point (the dotted line), then falls again past it; ridge flattens the peak.",
    story: &["mode", "n_train", "label_noise", "ridge", "noise"],
    try_these: &[
        ("Ridge flattens the peak", &[("ridge", "0.1")]),
        ("Clean labels: a lower peak", &[("label_noise", "0")]),
        ("More data can hurt", &[("mode", "samples")]),
    ],
    marks: &[(metric::THRESHOLD, "interpolation threshold")],
    own_data: Some(crate::data::table::OWN_TABLE),
    next: &[(
        "scaling-laws",
        "Scaling laws: loss as a power law of features and samples, and the same peak at N = T, solved exactly",
    )],
};

/// Charts of the `features` mode (x: feature count).
pub static FEATURE_PANELS: &[Panel] = &[
    Panel {
        title: "squared error",
        metrics: &[metric::TRAIN_ERROR, metric::TEST_ERROR],
        y_range: None,
        log_x: true,
        log_y: true,
        x: None,
    },
    Panel {
        title: "classification error",
        metrics: &[metric::TRAIN_ZERO_ONE, metric::TEST_ZERO_ONE],
        y_range: Some((0.0, 1.0)),
        log_x: true,
        log_y: false,
        x: None,
    },
    Panel {
        title: "norm of the fit",
        metrics: &[metric::NORM],
        y_range: None,
        log_x: true,
        log_y: true,
        x: None,
    },
];

/// Charts of the `samples` mode (x: training samples).
pub static SAMPLE_PANELS: &[Panel] = &[
    Panel {
        title: "squared error",
        metrics: &[metric::TRAIN_ERROR, metric::TEST_ERROR],
        y_range: None,
        log_x: true,
        log_y: true,
        x: None,
    },
    Panel {
        title: "norm of the fit",
        metrics: &[metric::NORM],
        y_range: None,
        log_x: true,
        log_y: true,
        x: None,
    },
];

/// The MNIST-1D notebook's test errors after 500 epochs, beside the width sweep's.
pub static WIDTH_COMPARISON: Comparison = Comparison {
    caption: "test error of MLPs 40-h-h-10 after 500 epochs",
    setting: "MNIST-1D, 4,000 training samples (15% of labels redrawn), 12,000 test samples, \
        widths 2..300, SGD lr 0.01 momentum 0.9, batch 100, 500 epochs",
    preset: Preset::Paper,
    set: &[("mode", "width")],
    rows: &[
        PaperRow {
            label: "h = 16 (first minimum)",
            run: "mlp",
            metric: metric::TEST_ERROR_H16,
            paper: 0.472,
        },
        PaperRow {
            label: "h = 47 (peak)",
            run: "mlp",
            metric: metric::TEST_ERROR_H47,
            paper: 0.541,
        },
        PaperRow {
            label: "h = 300 (widest)",
            run: "mlp",
            metric: metric::TEST_ERROR_H300,
            paper: 0.455,
        },
    ],
    ratio_to: None,
    ratio_label: "",
    unit: Unit::Percent,
    source: "paper",
};

/// The MNIST-1D notebook's published test errors (15% label noise, 4,000 training samples,
/// 500 epochs): `(width, test error)`.
pub const PAPER_POINTS: &[(usize, f64)] = &[(16, 0.472), (47, 0.541), (300, 0.455)];

/// Charts of the `two-scale` mode (x: epoch, log scale): the test error on a linear scale (its
/// fall, rise and second fall), its two parts, each with its own fall and rise at its own time,
/// and the training error, which only falls.
pub static TWO_SCALE_PANELS: &[Panel] = &[
    Panel {
        title: "test error",
        metrics: &[metric::TEST_ERROR],
        y_range: None,
        log_x: true,
        log_y: false,
        x: None,
    },
    Panel {
        title: "test error of the fast and slow features",
        metrics: &[metric::TEST_ERROR_FAST, metric::TEST_ERROR_SLOW],
        y_range: None,
        log_x: true,
        log_y: false,
        x: None,
    },
    Panel {
        title: "training error",
        metrics: &[metric::TRAIN_ERROR],
        y_range: None,
        log_x: true,
        log_y: true,
        x: None,
    },
];

/// Charts of the trained modes (x: hidden width, with the published points overlaid, or
/// epoch).
pub static TRAINED_PANELS: &[Panel] = &[Panel {
    title: "classification error",
    metrics: &[metric::TRAIN_ERROR, metric::TEST_ERROR],
    y_range: Some((0.0, 1.0)),
    log_x: true,
    log_y: false,
    x: None,
}];

pub mod metric {
    //! The keys only this experiment reports (and, re-exported, the shared ones).

    pub use crate::terms::metric::*;
    use crate::terms::{Metric, Unit};

    pub const EPOCH: Metric = Metric::new("epoch", "epoch", Unit::Count);
    pub const PEAK_PARAMETERS: Metric =
        Metric::new("peak_parameters", "parameters at the peak", Unit::Count);
    pub const FEATURES: Metric = Metric::new("features", "random features", Unit::Count);
    pub const RATIO: Metric = Metric::new("ratio", "features per training example", Unit::Number);
    pub const TRAIN_ERROR: Metric = Metric::new("train_error", "training error", Unit::Number);
    pub const TEST_ERROR_FAST: Metric = Metric::new(
        "test_error_fast",
        "test error of the fast-learning part",
        Unit::Number,
    );
    pub const TEST_ERROR_SLOW: Metric = Metric::new(
        "test_error_slow",
        "test error of the slow-learning part",
        Unit::Number,
    );
    pub const TRAIN_ZERO_ONE: Metric = Metric::new(
        "train_zero_one",
        "training classification error",
        Unit::Percent,
    );
    pub const TEST_ZERO_ONE: Metric =
        Metric::new("test_zero_one", "test classification error", Unit::Percent);
    pub const PEAK_X: Metric = Metric::new("peak_x", "where the test error peaks", Unit::Count);
    pub const PEAK_X_EACH: Metric = Metric::new(
        "peak_x_each",
        "where the test error peaks, each draw",
        Unit::Count,
    );
    pub const PEAK_TEST_ERROR: Metric = Metric::new(
        "peak_test_error",
        "test error at the peak (mean of the draws)",
        Unit::Number,
    );
    pub const INTERPOLATION_X: Metric = Metric::new(
        "interpolation_x",
        "first size that fits the training set exactly",
        Unit::Count,
    );
    pub const THRESHOLD: Metric = Metric::new("threshold", "interpolation threshold", Unit::Count);
    pub const PEAK_X_MEDIAN: Metric = Metric::new(
        "peak_x_median",
        "where the median test error peaks",
        Unit::Count,
    );
    pub const PEAK_TEST_ERROR_MEDIAN: Metric = Metric::new(
        "peak_test_error_median",
        "test error at the peak, median of the draws",
        Unit::Number,
    );
    pub const PEAK_TEST_ERROR_MIN: Metric = Metric::new(
        "peak_test_error_min",
        "test error at the peak, lowest draw",
        Unit::Number,
    );
    pub const PEAK_TEST_ERROR_MAX: Metric = Metric::new(
        "peak_test_error_max",
        "test error at the peak, highest draw",
        Unit::Number,
    );
    pub const DRAWS_NOTE: Metric = Metric::new("draws_note", "the draws at the peak", Unit::Text);
    pub const FIRST_MIN_X: Metric = Metric::new(
        "first_min_x",
        "where the test error first bottoms out",
        Unit::Number,
    );
    pub const FIRST_MIN_TEST_ERROR: Metric = Metric::new(
        "first_min_test_error",
        "test error at its first minimum",
        Unit::Number,
    );
    pub const SECOND_MIN_X: Metric = Metric::new(
        "second_min_x",
        "where the test error bottoms out again",
        Unit::Number,
    );
    pub const SECOND_MIN_TEST_ERROR: Metric = Metric::new(
        "second_min_test_error",
        "test error at its second minimum",
        Unit::Number,
    );
    pub const NOISE_FLOOR: Metric = Metric::new("noise_floor", "noise floor", Unit::Number);
    pub const DRAWS: Metric = Metric::new("draws", "draws", Unit::Count);
    pub const RIDGE: Metric = Metric::new("ridge", "ridge penalty", Unit::Number);
    pub const SOURCE: Metric = Metric::new("source", "source", Unit::Text);

    // Keys read by their parts (see `vocabulary::term`), named here for the charts and the paper's rows.
    pub const TEST_ERROR_H16: Metric = Metric::new(
        "test_error_h16",
        "test error with 16 hidden units",
        Unit::Number,
    );
    pub const TEST_ERROR_H47: Metric = Metric::new(
        "test_error_h47",
        "test error with 47 hidden units",
        Unit::Number,
    );
    pub const TEST_ERROR_H300: Metric = Metric::new(
        "test_error_h300",
        "test error with 300 hidden units",
        Unit::Number,
    );
}

/// The keys only double descent reports, in words.
pub static WORDS: &[Metric] = &[
    metric::EPOCH,
    metric::PEAK_PARAMETERS,
    metric::FEATURES,
    metric::RATIO,
    metric::TRAIN_ERROR,
    metric::TEST_ERROR_FAST,
    metric::TEST_ERROR_SLOW,
    metric::TRAIN_ZERO_ONE,
    metric::TEST_ZERO_ONE,
    metric::PEAK_X,
    metric::PEAK_X_EACH,
    metric::PEAK_TEST_ERROR,
    metric::INTERPOLATION_X,
    metric::THRESHOLD,
    metric::PEAK_X_MEDIAN,
    metric::PEAK_TEST_ERROR_MEDIAN,
    metric::PEAK_TEST_ERROR_MIN,
    metric::PEAK_TEST_ERROR_MAX,
    metric::DRAWS_NOTE,
    metric::FIRST_MIN_X,
    metric::FIRST_MIN_TEST_ERROR,
    metric::SECOND_MIN_X,
    metric::SECOND_MIN_TEST_ERROR,
    metric::NOISE_FLOOR,
    metric::DRAWS,
    metric::RIDGE,
    metric::SOURCE,
];

pub static KNOBS: &[Knob] = &[
    Knob {
        key: "mode",
        label: "Sweep",
        help: "features: random features N swept across n training samples (model-wise); \
            samples: training samples n swept across the dimension d (sample-wise); width: \
            trained MLPs of many widths; epochs: one MLP over training; two-scale: a linear \
            model with fast and slow features over training (epoch-wise).",
        kind: KnobKind::Choice(Mode::NAMES),
    },
    Knob {
        key: "features",
        label: "Feature map",
        help: "features mode: random ReLU features or random Fourier features of the inputs.",
        kind: KnobKind::Choice(FeatureKind::NAMES),
    },
    Knob {
        key: "dataset",
        label: "Data set",
        help: "features mode: MNIST-1D (40-point signals generated from the data seed), or \
            local: your own CSV file (feature columns, then a label; the labels are fitted as \
            one-hot targets, a quarter of the rows held out to test).",
        kind: KnobKind::Choice(Source::NAMES),
    },
    Knob {
        key: "n_train",
        label: "Training samples n",
        help: "features mode: training samples (the interpolation threshold is N = n).",
        kind: int(10, 2000, true),
    },
    Knob {
        key: "n_test",
        label: "Test samples",
        help: "features mode: samples the test error is measured on.",
        kind: int(10, 5000, true),
    },
    Knob {
        key: "label_noise",
        label: "Label noise",
        help: "features and width modes: fraction of training labels redrawn uniformly at random.",
        kind: float(0.0, 0.9, false),
    },
    Knob {
        key: "ridge",
        label: "Ridge λ",
        help: "A second fit minimises |Φw − y|² + λn|w|² (0: only the minimum-norm fit).",
        kind: float(0.0, 10.0, true),
    },
    Knob {
        key: "draws",
        label: "Feature draws",
        help: "features mode: independent random feature maps (feature seed, seed + 1, ...) fitted \
            to the same data; the squared errors and norms are drawn as their median with a band \
            from the lowest to the highest draw (one nearly singular draw can dwarf the rest), \
            the classification errors as their mean ± one standard deviation.",
        kind: int(1, 20, false),
    },
    Knob {
        key: "ratio_min",
        label: "Sweep from (× threshold)",
        help: "Smallest swept size as a multiple of the threshold (n features, or d samples).",
        kind: float(0.01, 1.0, true),
    },
    Knob {
        key: "ratio_max",
        label: "Sweep to (× threshold)",
        help: "Largest swept size as a multiple of the threshold.",
        kind: float(1.0, 100.0, true),
    },
    Knob {
        key: "points",
        label: "Points",
        help: "Sizes on the geometric grid (the threshold itself is always added).",
        kind: int(3, 61, false),
    },
    Knob {
        key: "dim",
        label: "Dimension d",
        help: "samples mode: input dimension of the linear model (the threshold is n = d).",
        kind: int(2, 400, true),
    },
    Knob {
        key: "noise",
        label: "Noise σ",
        help: "samples mode: standard deviation of the noise on y = x·β + ε (|β| = 1).",
        kind: float(0.0, 5.0, false),
    },
    Knob {
        key: "trials",
        label: "Trials per size",
        help: "samples mode: fresh data sets averaged at each sample size.",
        kind: int(1, 200, true),
    },
    Knob {
        key: "mlp_train",
        label: "Training samples",
        help: "width mode: MNIST-1D training samples.",
        kind: int(100, 8000, true),
    },
    Knob {
        key: "mlp_test",
        label: "Test samples",
        help: "width mode: MNIST-1D samples the test error is measured on.",
        kind: int(100, 20_000, true),
    },
    Knob {
        key: "width_min",
        label: "Narrowest width",
        help: "width mode: hidden units of the narrowest MLP 40-h-h-10.",
        kind: int(1, 1000, true),
    },
    Knob {
        key: "width_max",
        label: "Widest width",
        help: "width mode: hidden units of the widest MLP.",
        kind: int(1, 1000, true),
    },
    Knob {
        key: "widths",
        label: "Widths",
        help: "width mode: MLPs on a geometric grid of widths, all trained at once.",
        kind: int(1, 40, false),
    },
    Knob {
        key: "width",
        label: "Width",
        help: "epochs mode: hidden units of the one MLP whose errors are followed over training.",
        kind: int(1, 1000, true),
    },
    Knob {
        key: "epochs",
        label: "Epochs",
        help: "width mode: passes over the training set.",
        kind: int(1, 5000, true),
    },
    Knob {
        key: "lr",
        label: "Learning rate",
        help: "width mode: SGD step size.",
        kind: float(1e-5, 1.0, true),
    },
    Knob {
        key: "momentum",
        label: "Momentum",
        help: "width mode: SGD momentum (no dampening).",
        kind: float(0.0, 0.99, false),
    },
    Knob {
        key: "batch",
        label: "Batch size",
        help: "width mode: samples per SGD step.",
        kind: int(1, 8000, true),
    },
    Knob {
        key: "eval_every",
        label: "Evaluate every (epochs)",
        help: "width mode: epochs between evaluations of every width on the whole sets.",
        kind: int(1, 1000, true),
    },
    Knob {
        key: "gd_train",
        label: "Training samples",
        help: "two-scale mode: Gaussian samples the linear model is trained on.",
        kind: int(10, 2000, true),
    },
    Knob {
        key: "fast_dims",
        label: "Fast features",
        help: "two-scale mode: input features of scale 1, learned within a few steps.",
        kind: int(1, 2000, true),
    },
    Knob {
        key: "slow_dims",
        label: "Slow features",
        help: "two-scale mode: input features of the small scale below, learned 1/scale² times \
            more slowly.",
        kind: int(0, 2000, false),
    },
    Knob {
        key: "slow_scale",
        label: "Slow feature scale",
        help: "two-scale mode: standard deviation of the slow features (the fast ones have 1).",
        kind: float(0.01, 1.0, true),
    },
    Knob {
        key: "slow_share",
        label: "Signal in slow features",
        help: "two-scale mode: share of the target's variance the slow features explain.",
        kind: float(0.0, 1.0, false),
    },
    Knob {
        key: "target_noise",
        label: "Target noise σ",
        help: "two-scale mode: noise on the targets (the signal has variance 1).",
        kind: float(0.0, 2.0, false),
    },
    Knob {
        key: "gd_steps",
        label: "Epochs",
        help: "two-scale mode: full-batch gradient-descent steps (one per epoch).",
        kind: int(1, 200_000, true),
    },
    Knob {
        key: "gd_lr",
        label: "Step size",
        help: "two-scale mode: gradient-descent step size (stable below 2 / the largest \
            eigenvalue of XᵀX/n, about 2 / 3 here).",
        kind: float(1e-4, 1.0, true),
    },
    Knob {
        key: "data_seed",
        label: "Data seed",
        help: "Seed for the samples, the redrawn labels and the Gaussian designs.",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "init_seed",
        label: "Feature seed",
        help: "Seed for the random features, the true β (samples mode) or the MLPs' weights \
            and batch order (width mode).",
        kind: KnobKind::Seed,
    },
];

impl DoubleDescentSpec {
    /// What the current mode shows, in one sentence for the page.
    pub fn mode_note(&self) -> &'static str {
        match self.mode {
            Mode::Features if self.rf.dataset == Source::Local => {
                "Random features of your own file's columns fitted in closed form to one-hot \
                 labels; the curve appears size by size over several feature draws (their spread \
                 shaded), and the dotted line marks N = n, where the minimum-norm fit \
                 first interpolates the training rows. Whether the test error peaks there on \
                 your data is measured, not assumed."
            }
            Mode::Features => {
                "Random features of MNIST-1D fitted in closed form; the curve appears size by \
                 size, the mean over independent feature draws with their spread shaded, and \
                 the dotted line marks N = n. By construction N = n is on the grid and the \
                 minimum-norm fit interpolates from there on (n equations, N ≥ n unknowns); \
                 that the test error peaks there, and how high, is measured: the summary lists \
                 each draw's peak."
            }
            Mode::Samples => {
                "Linear regression in d dimensions on fresh Gaussian data: the fit is worst with \
                 n = d samples, so near the threshold more data hurts."
            }
            Mode::Width => {
                "MLPs 40-h-h-10 of every width train together; the curve is each width's error \
                 at the latest evaluation, beside the MNIST-1D notebook's published points."
            }
            Mode::Epochs => {
                "One MLP's errors over training: the test error is lowest early and rises while \
                 the noisy labels are memorised (the epoch-wise second descent reported for \
                 large convolutional networks does not appear for these MLPs; the two-scale \
                 mode shows it)."
            }
            Mode::TwoScale => {
                "Epoch-wise double descent: gradient descent learns the strong features within \
                 a few epochs and then fits noise with them (the first rise), and learns the \
                 weak features a hundred times later (the second descent), the mechanism \
                 Heckel & Yilmaz (2021) give for epoch-wise double descent. The second chart \
                 splits the test error between the two groups."
            }
        }
    }
}
