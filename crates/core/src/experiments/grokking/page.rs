//! What the page and the CLI say about grokking: the story, the paper's numbers, the charts
//! and every knob.

use super::*;
use crate::terms::Metric;

pub static INFO: Info = Info {
    id: "grokking",
    title: "Grokking, and Grokfast",
    claim: "A network memorises modular arithmetic long before it generalises; amplifying slow \
        gradients (Grokfast) shortens the wait.",
    see: "Validation accuracy jumps long after training accuracy reaches 100%; with Grokfast, sooner.",
    explanation: "Trained on part of all equations x∘y mod p, a small network reaches 100% \
        training accuracy quickly, yet validation accuracy stays near chance for thousands of \
        steps and then suddenly climbs to 100%: it groks. Grokfast adds a low-pass filtered copy \
        of each gradient (an exponential or windowed moving average) to the gradient, \
        amplifying the slow component that drives generalisation, and the jump comes sooner. \
        As in the paper, each filter also trains with more weight decay than the baseline, \
        which speeds grokking up by itself; the \"controls\" comparison tells the two apart.",
    paper: "Lee et al., Grokfast: Accelerated Grokking by Amplifying Slow Gradients (2024); \
        Power et al., Grokking (2022)",
    paper_url: "https://arxiv.org/abs/2405.20233",
    watch: "Watch validation accuracy (solid lines): training accuracy (dashed) reaches 100% within a few hundred steps, validation stays near chance for much longer, then jumps. The Grokfast runs jump first; the Fourier share rises as they do.",
    story: &[
        "op",
        "train_fraction",
        "weight_decay",
        "compare",
        "ema_lambda",
    ],
    try_these: &[
        (
            "Tell the filter from its weight decay",
            &[("compare", "controls")],
        ),
        (
            "Train on more of the equations",
            &[("train_fraction", "0.6")],
        ),
        ("Addition instead of multiplication", &[("op", "add")]),
    ],
    marks: &[
        (metric::STEPS_TO_TRAIN_ACC_95, "memorised"),
        (metric::STEPS_TO_VAL_ACC_95, "generalised"),
    ],
    own_data: None,
    next: &[
        (
            "corrupted-labels",
            "Grokking with corrupted labels: a network memorises wrong answers and still generalises, then un-memorises them",
        ),
        (
            "grokking-images",
            "Grokking on images: a large start memorises the digits and generalises once weight decay has shrunk it",
        ),
        (
            "softmax-collapse",
            "Softmax collapse: without weight decay the logits race towards one-hot and grokking stalls; ⊥AdamW fixes it",
        ),
        (
            "lazy-to-rich",
            "Lazy to rich: with no weight decay at all, a network waits at its initial kernel's level, longer the larger its output scale",
        ),
    ],
};

/// What the Grokfast paper reports for its setting: steps to 95% validation accuracy.
pub static COMPARISON: Comparison = Comparison {
    caption: "steps to 95% validation accuracy",
    setting: "x·y mod 97, 50% of equations for training, 2-layer transformer, batch 512",
    preset: Preset::Paper,
    set: &[],
    rows: &[
        row("baseline", 39_890.0),
        row("grokfast-ema", 910.0),
        row("grokfast-ma", 790.0),
    ],
    ratio_to: Some("baseline"),
    ratio_label: "speed-up",
    unit: Unit::Count,
    source: "paper",
};

const fn row(run: &'static str, paper: f64) -> PaperRow {
    PaperRow {
        label: run,
        run,
        metric: metric::STEPS_TO_VAL_ACC_95,
        paper,
    }
}

pub static PANELS: &[Panel] = &[
    Panel {
        title: "accuracy",
        metrics: &[metric::TRAIN_ACC, metric::VAL_ACC],
        y_range: Some((0.0, 1.0)),
        log_x: true,
        log_y: false,
        x: None,
    },
    Panel {
        title: "loss",
        metrics: &[metric::TRAIN_LOSS, metric::VAL_LOSS],
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
    // Nanda et al. (2023): a network that has learned modular arithmetic represents numbers
    // with a few waves over the group; the share of the embeddings' Fourier power in the five
    // strongest frequencies rises from ~5/K as those waves form.
    Panel {
        title: "embedding power in its 5 strongest Fourier frequencies",
        metrics: &[metric::FOURIER_TOP5],
        y_range: Some((0.0, 1.0)),
        log_x: true,
        log_y: false,
        x: None,
    },
];

/// The transformer's output side beside its embeddings (Nanda et al. 2023): the unembedding's
/// and the neuron-to-logit map's Fourier power over the p answers, in the same 5-of-K share.
/// The embedding MLP records neither.
pub static OUTPUT_PANELS: [Panel; 2] = [
    Panel {
        title: "unembedding power in its 5 strongest Fourier frequencies",
        metrics: &[metric::UNEMBED_FOURIER_TOP5],
        y_range: Some((0.0, 1.0)),
        log_x: true,
        log_y: false,
        x: None,
    },
    Panel {
        title: "neuron-to-logit map power in its 5 strongest Fourier frequencies",
        metrics: &[metric::NEURON_LOGIT_FOURIER_TOP5],
        y_range: Some((0.0, 1.0)),
        log_x: true,
        log_y: false,
        x: None,
    },
];

/// The transformer's charts: the usual four and its output side's Fourier views.
pub static TRANSFORMER_PANELS: &[Panel] = &[
    PANELS[0],
    PANELS[1],
    PANELS[2],
    PANELS[3],
    OUTPUT_PANELS[0],
    OUTPUT_PANELS[1],
];

/// Charts of `compare=fractions`: the usual four, and steps to generalise by training
/// fraction.
pub static FRACTION_PANELS: &[Panel] = &[
    PANELS[0],
    PANELS[1],
    PANELS[2],
    PANELS[3],
    Panel {
        title: "steps to 95% validation by training fraction (median over seeds; band: spread \
            of the seeds that got there)",
        metrics: &[metric::STEPS_TO_VAL_ACC_95],
        y_range: None,
        log_x: false,
        log_y: true,
        x: Some(metric::TRAIN_FRACTION),
    },
];

/// `compare=fractions` with the transformer: its output side's Fourier views too.
pub static TRANSFORMER_FRACTION_PANELS: &[Panel] = &[
    FRACTION_PANELS[0],
    FRACTION_PANELS[1],
    FRACTION_PANELS[2],
    FRACTION_PANELS[3],
    OUTPUT_PANELS[0],
    OUTPUT_PANELS[1],
    FRACTION_PANELS[4],
];

pub mod metric {
    //! The keys only this experiment reports (and, re-exported, the shared ones).

    pub use crate::terms::metric::*;
    use crate::terms::{Metric, Unit};

    pub const N_VAL: Metric = Metric::new("n_val", "validation examples", Unit::Count);
    pub const VAL_LOSS: Metric = Metric::new("val_loss", "validation loss", Unit::Number);
    pub const WEIGHT_NORM: Metric = Metric::new("weight_norm", "weight norm", Unit::Number);
    pub const FOURIER_TOP5: Metric = Metric::new(
        "fourier_top5",
        "share of the embeddings' power in the 5 strongest frequencies",
        Unit::Percent,
    );
    pub const KEY_FREQUENCIES: Metric = Metric::new(
        "key_frequencies",
        "strongest frequencies (share of the power)",
        Unit::Text,
    );
    // The transformer's output side, its Fourier power over the p answers.
    pub const UNEMBED_FOURIER_TOP5: Metric = Metric::new(
        "unembed_fourier_top5",
        "share of the unembedding's power in the 5 strongest frequencies",
        Unit::Percent,
    );
    pub const UNEMBED_KEY_FREQUENCIES: Metric = Metric::new(
        "unembed_key_frequencies",
        "the unembedding's strongest frequencies (share of the power)",
        Unit::Text,
    );
    pub const NEURON_LOGIT_FOURIER_TOP5: Metric = Metric::new(
        "neuron_logit_fourier_top5",
        "share of the neuron-to-logit map's power in the 5 strongest frequencies",
        Unit::Percent,
    );
    pub const NEURON_LOGIT_KEY_FREQUENCIES: Metric = Metric::new(
        "neuron_logit_key_frequencies",
        "the neuron-to-logit map's strongest frequencies (share of the power)",
        Unit::Text,
    );

    // Keys read by their parts (see `vocabulary::term`), named here for the charts and the paper's rows.
    pub const STEPS_TO_VAL_ACC_95: Metric = Metric::new(
        "steps_to_val_acc_95",
        "steps to 95% validation accuracy",
        Unit::Count,
    );
    pub const STEPS_TO_TRAIN_ACC_95: Metric = Metric::new(
        "steps_to_train_acc_95",
        "steps to 95% training accuracy",
        Unit::Count,
    );
}

/// The keys only grokking reports, in words.
pub static WORDS: &[Metric] = &[
    metric::N_VAL,
    metric::VAL_LOSS,
    metric::WEIGHT_NORM,
    metric::FOURIER_TOP5,
    metric::KEY_FREQUENCIES,
    metric::UNEMBED_FOURIER_TOP5,
    metric::UNEMBED_KEY_FREQUENCIES,
    metric::NEURON_LOGIT_FOURIER_TOP5,
    metric::NEURON_LOGIT_KEY_FREQUENCIES,
];

pub static KNOBS: &[Knob] = &[
    Knob {
        key: "op",
        label: "Operation",
        help: "The operation x∘y mod p to learn.",
        kind: KnobKind::Choice(Op::NAMES),
    },
    Knob {
        key: "p",
        label: "Modulus p",
        help: "A prime; there are p² equations (p(p−1) for division or without y = 0).",
        kind: int(7, 113, false),
    },
    Knob {
        key: "train_fraction",
        label: "Train fraction",
        help: "Share of all equations used for training; the rest is validation.",
        kind: float(0.05, 0.95, false),
    },
    Knob {
        key: "zero_operand",
        label: "Equations with y = 0",
        help: "keep: all p² pairs; drop: y from 1 to p−1, as the Grokfast reference code (for \
            division they are never there).",
        kind: KnobKind::Choice(ZeroOperand::NAMES),
    },
    Knob {
        key: "corruption",
        label: "Corrupted answers",
        help: "Fraction of training answers replaced by wrong ones.",
        kind: float(0.0, 0.5, false),
    },
    Knob {
        key: "model",
        label: "Model",
        help: "Decoder-only transformer (the paper's) or a one-hidden-layer embedding MLP.",
        kind: KnobKind::Choice(Architecture::NAMES),
    },
    Knob {
        key: "attention_init",
        label: "Attention init",
        help: "transformer: uniform within ±1/√fan-in like every other layer, or xavier: \
            query/key/value weights Xavier-uniform with zero biases and a zero output bias \
            (PyTorch's multi-head attention, as in the Grokfast reference).",
        kind: KnobKind::Choice(AttentionInit::NAMES),
    },
    Knob {
        key: "d_model",
        label: "Embedding size",
        help: "Token embedding width (transformer d_model; MLP embedding size).",
        kind: int(8, 256, true),
    },
    Knob {
        key: "heads",
        label: "Attention heads",
        help: "Heads per attention layer (must divide the embedding size).",
        kind: int(1, 8, false),
    },
    Knob {
        key: "layers",
        label: "Layers",
        help: "Transformer blocks.",
        kind: int(1, 4, false),
    },
    Knob {
        key: "width",
        label: "MLP width",
        help: "Hidden units of the embedding MLP.",
        kind: int(4, 1024, true),
    },
    Knob {
        key: "optimizer",
        label: "Optimizer",
        help: "Adam with coupled L2 (the Grokfast reference), AdamW (decoupled, Power et al.) or SGD.",
        kind: KnobKind::Choice(OptimizerKind::NAMES),
    },
    Knob {
        key: "lr",
        label: "Learning rate",
        help: "Peak step size after warm-up (Adam family ~1e-3; SGD needs far larger).",
        kind: float(1e-5, 10.0, true),
    },
    Knob {
        key: "beta2",
        label: "Adam β₂",
        help: "Second-moment decay (β₁ is 0.9).",
        kind: float(0.9, 0.9999, false),
    },
    Knob {
        key: "warmup",
        label: "Warm-up steps",
        help: "Linear learning-rate warm-up.",
        kind: int(0, 1000, false),
    },
    Knob {
        key: "batch",
        label: "Batch size",
        help: "Equations per step (at least the training set: full batch).",
        kind: int(1, 16_384, true),
    },
    Knob {
        key: "compare",
        label: "Runs",
        help: "Which runs train side by side with the baseline (controls: each filter's weight \
               decay without the filter, too; sweep: and two more weight decays; fractions: \
               the baseline and Grokfast-EMA at several training fractions).",
        kind: KnobKind::Choice(Compare::NAMES),
    },
    Knob {
        key: "fraction_min",
        label: "Smallest fraction",
        help: "compare=fractions: the smallest training fraction of the sweep.",
        kind: float(0.05, 0.95, false),
    },
    Knob {
        key: "fraction_max",
        label: "Largest fraction",
        help: "compare=fractions: the largest training fraction of the sweep.",
        kind: float(0.05, 0.95, false),
    },
    Knob {
        key: "fractions",
        label: "Fractions",
        help: "compare=fractions: training fractions evenly spaced from the smallest to the \
            largest; at each, the baseline and Grokfast-EMA train on that share of the \
            equations (smaller training sets are part of larger ones).",
        kind: int(2, 9, false),
    },
    Knob {
        key: "weight_decay",
        label: "Baseline weight decay",
        help: "Weight decay of the baseline run.",
        kind: float(0.0, 10.0, false),
    },
    Knob {
        key: "ema_alpha",
        label: "EMA α",
        help: "Grokfast-EMA momentum: ema = α·ema + (1−α)·g.",
        kind: float(0.0, 0.999, false),
    },
    Knob {
        key: "ema_lambda",
        label: "EMA λ",
        help: "Grokfast-EMA amplification: g += λ·ema.",
        kind: float(0.0, 10.0, false),
    },
    Knob {
        key: "ema_weight_decay",
        label: "EMA weight decay",
        help: "Weight decay of the Grokfast-EMA run.",
        kind: float(0.0, 10.0, false),
    },
    Knob {
        key: "ma_window",
        label: "MA window",
        help: "Grokfast-MA: gradients averaged (applied once the window is full).",
        kind: int(1, 1000, true),
    },
    Knob {
        key: "ma_lambda",
        label: "MA λ",
        help: "Grokfast-MA amplification: g += λ·mean.",
        kind: float(0.0, 10.0, false),
    },
    Knob {
        key: "ma_weight_decay",
        label: "MA weight decay",
        help: "Weight decay of the Grokfast-MA run.",
        kind: float(0.0, 10.0, false),
    },
    Knob {
        key: "steps",
        label: "Steps",
        help: "Optimizer steps per run.",
        kind: int(1, 200_000, true),
    },
    Knob {
        key: "eval_every",
        label: "Evaluate every",
        help: "Steps between evaluations on the whole train and validation sets.",
        kind: int(1, 10_000, true),
    },
    Knob {
        key: "data_seed",
        label: "Data seed",
        help: "Seed for the train/validation split and the corrupted answers.",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "init_seed",
        label: "Init seed",
        help: "Seed for the initial weights (shared by every run).",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "order_seed",
        label: "Order seed",
        help: "Seed for the minibatch order (shared by every run).",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "seeds",
        label: "Seeds per run",
        help: "Each run trains from this many initialisations and batch orders (init and order \
               seeds counted up from those above, one split): the charts show the mean and its \
               spread, the summary the median.",
        kind: int(1, 8, false),
    },
];

impl GrokkingSpec {
    /// What the page should say about this model's charts: the transformer's input
    /// embeddings do not show its waves, its output side does.
    pub fn note(&self) -> Option<&'static str> {
        match self.model {
            Architecture::Mlp => None,
            Architecture::Transformer => Some(
                "The embedding chart reads only the input embeddings. The embedding MLP's share \
                 rises from 0.28 to 1.00 as it generalises; on the paper's transformer it stayed \
                 near 0.14 even after Grokfast-EMA reached 99.8% validation accuracy (0.12 for \
                 the baseline). Nanda et al. read the transformer's waves on its output side \
                 too: two more charts measure the unembedding and the neuron-to-logit map \
                 (each MLP neuron of the last block, written through the unembedding to the p \
                 answers) in the same Fourier basis, and there the waves show. In 1,200 steps \
                 of the paper's setting on the CPU, Grokfast-EMA's neuron-to-logit map went \
                 from 0.12 to 0.91 as validation accuracy reached 98.5% (its unembedding to \
                 0.80), the baseline's, memorised at 35% validation, to 0.30 (0.24).",
            ),
        }
    }
}
