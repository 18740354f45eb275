//! `grokking`: a transformer (or MLP) on modular arithmetic memorises its training equations
//! long before it generalises; Grokfast's slow-gradient amplification shortens the wait.
//! Baseline, Grokfast-EMA and Grokfast-MA train side by side on one split from one init.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Comparison, Info, Panel, PaperRow, Unit};
use crate::data::modular::{self, Op};
use crate::report::{Report, RunReport};
use crate::spec::{Knob, KnobKind, Preset, SpecError, float, int};
use crate::train::OptimizerKind;
use crate::train::grokfast::Filter;

mod cost;
#[cfg(feature = "engine")]
mod session;
mod shape;
#[cfg(feature = "engine")]
pub use session::GrokkingSession;
pub use shape::{RunShape, SessionShape};

pub static INFO: Info = Info {
    id: "grokking",
    title: "Grokking, and Grokfast",
    claim: "A network memorises modular arithmetic long before it generalises; amplifying slow \
        gradients (Grokfast) shortens the wait.",
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
        ("steps_to_train_acc_95", "memorised"),
        ("steps_to_val_acc_95", "generalised"),
    ],
    own_data: None,
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
        key: "steps_to_val_acc_95",
        paper,
    }
}

pub static PANELS: &[Panel] = &[
    Panel {
        title: "accuracy",
        metrics: &["train_acc", "val_acc"],
        y_range: Some((0.0, 1.0)),
        log_x: true,
        log_y: false,
        x: None,
    },
    Panel {
        title: "loss",
        metrics: &["train_loss", "val_loss"],
        y_range: None,
        log_x: true,
        log_y: true,
        x: None,
    },
    Panel {
        title: "weight norm",
        metrics: &["weight_norm"],
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
        metrics: &["fourier_top5"],
        y_range: Some((0.0, 1.0)),
        log_x: true,
        log_y: false,
        x: None,
    },
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

/// Which network learns the operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    Transformer,
    Mlp,
}

impl Architecture {
    pub const NAMES: &'static [&'static str] = &["transformer", "mlp"];
}

/// Whether the equations with y = 0 are in the data set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ZeroOperand {
    /// Every pair (x, y): p² equations.
    #[default]
    Keep,
    /// y in 1…p−1 only, as the Grokfast reference code builds x·y mod p: p(p−1) equations.
    Drop,
}

impl ZeroOperand {
    pub const NAMES: &'static [&'static str] = &["keep", "drop"];
}

/// How the transformer's attention projections start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttentionInit {
    /// Every weight and bias uniform within ±1/√fan-in, like the other linear layers.
    #[default]
    Uniform,
    /// As PyTorch's multi-head attention (the reference's): the query, key and value weights
    /// Xavier-uniform as one [3d, d] matrix, their biases and the output bias zero.
    Xavier,
}

impl AttentionInit {
    pub const NAMES: &'static [&'static str] = &["uniform", "xavier"];
}

/// Which runs to train side by side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compare {
    All,
    Ema,
    Ma,
    Baseline,
    /// `all` plus each filter's control: the same optimizer and weight decay, no filter.
    Controls,
    /// `controls` plus the baseline at the weight decays of [`SWEEP`]: with the controls, a
    /// sweep of the unfiltered run from the baseline's weight decay to the filters'.
    Sweep,
    /// The baseline and Grokfast-EMA at each training fraction of
    /// [`GrokkingSpec::fraction_grid`] (Power et al. 2022, Fig. 1): steps to generalise
    /// against the share of equations trained on.
    Fractions,
}

impl Compare {
    pub const NAMES: &'static [&'static str] = &[
        "all",
        "ema",
        "ma",
        "baseline",
        "controls",
        "sweep",
        "fractions",
    ];
}

/// One run a spec trains: its label, Grokfast filter, weight decay and training fraction.
#[derive(Clone, Debug, PartialEq)]
pub struct RunPlan {
    pub label: String,
    pub filter: Option<Filter>,
    pub weight_decay: f64,
    pub train_fraction: f64,
}

/// The label suffix of `compare=fractions` runs: `baseline f=0.30`.
fn fraction_label(family: &str, fraction: f64) -> String {
    format!("{family} f={fraction:.2}")
}

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
        metrics: &["steps_to_val_acc_95"],
        y_range: None,
        log_x: false,
        log_y: true,
        x: Some("train_fraction"),
    },
];

/// The transformer's batch on the CPU is this many shards, each its own forward and backward,
/// their gradients summed (on a GPU: one). Fixed, so that a run's numbers do not depend on how
/// many threads trained it.
pub const CPU_SHARDS: usize = 2;

/// The unfiltered runs `compare=sweep` adds between the baseline's weight decay (1e-4 in the
/// quick and ci presets) and the filters' (0.01, 0.02): label and weight decay.
pub const SWEEP: [(&str, f64); 2] = [("wd-1e-3", 1e-3), ("wd-3e-3", 3e-3)];

/// Everything that defines a `grokking` run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GrokkingSpec {
    pub op: Op,
    pub p: u32,
    pub train_fraction: f64,
    pub zero_operand: ZeroOperand,
    pub corruption: f64,
    pub model: Architecture,
    pub attention_init: AttentionInit,
    pub d_model: usize,
    pub heads: usize,
    pub layers: usize,
    /// Hidden width of the MLP.
    pub width: usize,
    pub optimizer: OptimizerKind,
    pub lr: f64,
    pub beta2: f64,
    pub warmup: usize,
    pub batch: usize,
    pub compare: Compare,
    pub fraction_min: f64,
    pub fraction_max: f64,
    pub fractions: usize,
    pub weight_decay: f64,
    pub ema_alpha: f64,
    pub ema_lambda: f64,
    pub ema_weight_decay: f64,
    pub ma_window: usize,
    pub ma_lambda: f64,
    pub ma_weight_decay: f64,
    pub steps: usize,
    pub eval_every: usize,
    pub data_seed: u64,
    pub init_seed: u64,
    pub order_seed: u64,
    /// Members per run: init and order seeds `init_seed + k`, `order_seed + k`.
    pub seeds: usize,
}

impl Default for GrokkingSpec {
    fn default() -> Self {
        Self::preset(Preset::Quick)
    }
}

impl GrokkingSpec {
    pub fn preset(preset: Preset) -> Self {
        // The Grokfast paper's setting: x*y mod 97, half the equations for training,
        // Adam (coupled L2) lr 1e-3, betas (0.9, 0.98), 10 warm-up steps, batch 512.
        let paper = Self {
            op: Op::Mul,
            p: 97,
            train_fraction: 0.5,
            // The reference's equations and attention (links before v3 meant keep/uniform).
            zero_operand: ZeroOperand::Drop,
            corruption: 0.0,
            model: Architecture::Transformer,
            attention_init: AttentionInit::Xavier,
            d_model: 128,
            heads: 4,
            layers: 2,
            width: 128,
            optimizer: OptimizerKind::Adam,
            lr: 1e-3,
            beta2: 0.98,
            warmup: 10,
            batch: 512,
            compare: Compare::All,
            fraction_min: 0.3,
            fraction_max: 0.7,
            fractions: 5,
            weight_decay: 0.0,
            ema_alpha: 0.98,
            ema_lambda: 2.0,
            ema_weight_decay: 0.005,
            ma_window: 100,
            ma_lambda: 5.0,
            ma_weight_decay: 0.01,
            steps: 50_000,
            eval_every: 100,
            data_seed: 0,
            init_seed: 0,
            order_seed: 0,
            seeds: 1,
        };
        match preset {
            Preset::Paper => paper,
            // The embedding MLP on x*y mod 47 with 40% of the equations: it memorises within
            // ~400 steps and groks thousands of steps later, fast enough for 2 CPU cores and a
            // browser tab. The baseline gets a little coupled L2: with none, this MLP does not
            // generalise within 15,000 steps. Calibrated with a 65-run sweep and a second one for
            // the EMA speed-up (below).
            Preset::Quick | Preset::Ci => Self {
                p: 47,
                train_fraction: 0.4,
                zero_operand: ZeroOperand::Keep,
                model: Architecture::Mlp,
                attention_init: AttentionInit::Uniform,
                d_model: 32,
                width: 128,
                // A light baseline decay (1e-4) groks late (5,900 / 7,750 / 8,850 steps for
                // seeds 0-2); Grokfast-EMA with decay 0.02 at 1,900 / 2,400 / 2,300: x3.1-3.8.
                // (With 3e-4 and 0.01 the speed-up was x2.7-2.8; with 2e-4, x2.95-2.98.)
                weight_decay: 1e-4,
                ema_lambda: 5.0,
                ema_weight_decay: 0.02,
                // The paper's window: Grokfast-MA at 2,900 / 3,200 / 3,400, ahead of the best
                // swept weight decay without a filter (5,250); with a window of 50 (links
                // before v3) it gained nothing over the baseline.
                ma_window: 100,
                ma_lambda: 5.0,
                ma_weight_decay: 0.01,
                steps: 10_000,
                eval_every: 50,
                // How soon a run groks varies with its initialisation: three seeds a run, the
                // median reported (links of version 1 meant one).
                seeds: 3,
                ..paper
            },
        }
    }

    /// What the page should say about this model's charts: the Fourier view reads the input
    /// embeddings only, where the transformer does not show its waves.
    pub fn note(&self) -> Option<&'static str> {
        match self.model {
            Architecture::Mlp => None,
            Architecture::Transformer => Some(
                "The Fourier chart reads only the input embeddings. The embedding MLP's share \
                 rises from 0.28 to 1.00 as it generalises; on the paper's transformer it stayed \
                 near 0.14 even after Grokfast-EMA reached 99.8% validation accuracy (0.12 for \
                 the baseline). Nanda et al. read the transformer's waves from its embeddings, \
                 its unembedding and its neuron-to-logit map together: a flat Fourier curve \
                 here does not mean the network found no structure.",
            ),
        }
    }

    /// Checks the rules that involve several fields.
    pub(crate) fn validate_rules(&self) -> Result<(), SpecError> {
        if !modular::is_prime(self.p) {
            return Err(SpecError::Inconsistent(format!(
                "p={} is not prime (modular division and the paper's setting need a prime)",
                self.p
            )));
        }
        if !self.d_model.is_multiple_of(self.heads) {
            return Err(SpecError::Inconsistent(format!(
                "d_model={} is not a multiple of heads={}",
                self.d_model, self.heads
            )));
        }
        crate::spec::evaluates(self.eval_every, self.steps, "steps")?;
        if self.compare == Compare::Fractions {
            self.validate_fractions()?;
        }
        Ok(())
    }

    /// A fraction sweep trains nested training sets side by side: each must hold more than a
    /// batch, and no answers may be corrupted (a larger set would corrupt other rows).
    fn validate_fractions(&self) -> Result<(), SpecError> {
        if self.fraction_min >= self.fraction_max {
            return Err(SpecError::Inconsistent(format!(
                "fraction_min={} must be below fraction_max={}",
                self.fraction_min, self.fraction_max
            )));
        }
        if self.corruption > 0.0 {
            return Err(SpecError::Inconsistent(
                "compare=fractions trains clean answers only: set corruption=0".into(),
            ));
        }
        let smallest = self.split_size(self.fraction_min);
        if self.batch >= smallest {
            return Err(SpecError::Inconsistent(format!(
                "batch={} must be below the smallest training set ({smallest} equations at \
                 fraction_min={}): lower the batch or raise fraction_min",
                self.batch, self.fraction_min
            )));
        }
        Ok(())
    }

    /// How many equations the operation has (p², or p(p−1) without y = 0 or for division).
    pub fn equation_count(&self) -> usize {
        let p = self.p as usize;
        if self.op == Op::Div || self.zero_operand == ZeroOperand::Drop {
            p * (p - 1)
        } else {
            p * p
        }
    }

    /// Training equations at `fraction` (as [`modular::split`] cuts them).
    pub fn split_size(&self, fraction: f64) -> usize {
        modular::train_count(self.equation_count(), fraction)
    }

    /// The training fractions of `compare=fractions`, ascending and rounded to hundredths.
    pub fn fraction_grid(&self) -> Vec<f64> {
        let k = self.fractions.max(2);
        let mut out: Vec<f64> = (0..k)
            .map(|i| {
                let t = i as f64 / (k - 1) as f64;
                let f = self.fraction_min + t * (self.fraction_max - self.fraction_min);
                (f * 100.0).round() / 100.0
            })
            .collect();
        out.dedup();
        out
    }

    /// Whether `key` matters for this spec's model and runs.
    pub fn uses(&self, key: &str) -> bool {
        let ema = matches!(
            self.compare,
            Compare::All | Compare::Ema | Compare::Controls | Compare::Sweep | Compare::Fractions
        );
        let fractions = self.compare == Compare::Fractions;
        let ma = matches!(
            self.compare,
            Compare::All | Compare::Ma | Compare::Controls | Compare::Sweep
        );
        match key {
            "width" => self.model == Architecture::Mlp,
            "heads" | "layers" | "attention_init" => self.model == Architecture::Transformer,
            "zero_operand" => self.op != Op::Div,
            "beta2" => self.optimizer != OptimizerKind::Sgd,
            "ema_alpha" | "ema_lambda" | "ema_weight_decay" => ema,
            "ma_window" | "ma_lambda" | "ma_weight_decay" => ma,
            "fraction_min" | "fraction_max" | "fractions" => fractions,
            "train_fraction" => !fractions,
            _ => true,
        }
    }

    /// How many threads one run's step can keep busy on `target`: the transformer's batch is
    /// [`CPU_SHARDS`] shards on the CPU (summed gradients; the same numbers on one thread or
    /// several), the MLP's stacked step is one.
    pub fn step_threads(&self, target: crate::cost::Target) -> usize {
        match (self.model, target) {
            (Architecture::Transformer, crate::cost::Target::Cpu) => CPU_SHARDS,
            _ => 1,
        }
    }

    /// The runs to train, in order.
    pub fn runs(&self) -> Vec<RunPlan> {
        let plan = |label: &str, filter, weight_decay| RunPlan {
            label: label.to_string(),
            filter,
            weight_decay,
            train_fraction: self.train_fraction,
        };
        let ema_filter = Some(Filter::Ema {
            alpha: self.ema_alpha,
            lambda: self.ema_lambda,
        });
        let baseline = plan("baseline", None, self.weight_decay);
        let ema = plan("grokfast-ema", ema_filter, self.ema_weight_decay);
        let ma = plan(
            "grokfast-ma",
            Some(Filter::Ma {
                window: self.ma_window,
                lambda: self.ma_lambda,
            }),
            self.ma_weight_decay,
        );
        // A filter's control: its optimizer and weight decay, no filter.
        let ema_control = plan("wd-only-ema", None, self.ema_weight_decay);
        let ma_control = plan("wd-only-ma", None, self.ma_weight_decay);
        match self.compare {
            Compare::Sweep => {
                let mut runs = vec![baseline, ema, ema_control, ma, ma_control];
                runs.extend(SWEEP.iter().map(|&(label, wd)| plan(label, None, wd)));
                runs
            }
            Compare::Controls => vec![baseline, ema, ema_control, ma, ma_control],
            Compare::All => vec![baseline, ema, ma],
            Compare::Ema => vec![baseline, ema],
            Compare::Ma => vec![baseline, ma],
            Compare::Baseline => vec![baseline],
            Compare::Fractions => self
                .fraction_grid()
                .into_iter()
                .flat_map(|f| {
                    [&baseline, &ema].map(|run| RunPlan {
                        label: fraction_label(&run.label, f),
                        train_fraction: f,
                        ..run.clone()
                    })
                })
                .collect(),
        }
    }
}

/// Whether a run of this experiment trains without a Grokfast filter (the baseline, the
/// filters' weight-decay controls and the sweep).
pub fn unfiltered(label: &str) -> bool {
    label == "baseline" || label.starts_with("baseline f=") || label.starts_with("wd-")
}

/// With `compare=fractions`, one run per family (baseline, Grokfast-EMA): steps to 95%
/// validation against the training fraction, the median over seeds with the spread of the
/// seeds that got there (a seed that never did leaves the spread, but counts in the median as
/// later than every other). From the whole report, so runs trained apart count after merging.
pub fn fraction_runs(report: &Report) -> Vec<RunReport> {
    let mut out = Vec::new();
    for family in ["baseline", "grokfast-ema"] {
        let prefix = format!("{family} f=");
        let mut points: Vec<(f64, f64, f64, Vec<Value>)> = report
            .runs
            .iter()
            .filter(|r| r.label.starts_with(&prefix))
            .filter_map(|r| {
                let fraction = r.summary.get("train_fraction")?.as_f64()?;
                let median = r
                    .summary
                    .get("steps_to_val_acc_95")
                    .and_then(Value::as_f64)
                    .unwrap_or(f64::NAN);
                let each: Vec<Value> = match r.summary.get("steps_to_val_acc_95_each") {
                    Some(Value::Array(a)) => a.clone(),
                    _ => vec![r.summary.get("steps_to_val_acc_95").cloned()?],
                };
                let reached: Vec<f64> = each.iter().filter_map(Value::as_f64).collect();
                let sd = crate::experiments::ensemble::mean_sd(&reached).1;
                Some((
                    fraction,
                    median,
                    if median.is_finite() { sd } else { f64::NAN },
                    each,
                ))
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let column = |i: usize| {
            points
                .iter()
                .map(|p| [p.0, p.1, p.2][i])
                .collect::<Vec<_>>()
        };
        let mut summary = serde_json::Map::new();
        summary.insert(
            "steps_to_val_acc_95_each".into(),
            Value::from(
                points
                    .iter()
                    .map(|p| Value::from(p.3.clone()))
                    .collect::<Vec<_>>(),
            ),
        );
        out.push(RunReport::from_columns(
            &format!("{family} by fraction"),
            &[
                ("train_fraction", column(0)),
                ("steps_to_val_acc_95", column(1)),
                ("steps_to_val_acc_95_sd", column(2)),
            ],
            summary,
        ));
    }
    out
}

/// A filter compared with the baseline only (no run of its weight decay without the filter):
/// the speed-up, and, where the filter trains with a larger weight decay than the baseline,
/// that this comparison cannot tell the two apart (`compare=controls` can).
fn uncontrolled(
    name: &str,
    (filter, baseline): (Option<f64>, Option<f64>),
    (its_decay, base_decay): (Option<f64>, Option<f64>),
    steps: f64,
    median: &str,
) -> Option<String> {
    let gain = match (filter, baseline) {
        (None, _) => return None,
        (Some(f), Some(b)) if b > f => format!(
            "{name} reached 95% validation accuracy at step {f:.0}, the baseline at step {b:.0}{median}: {:.1}× sooner",
            b / f.max(1.0)
        ),
        (Some(f), Some(b)) => format!(
            "{name} reached 95% validation accuracy at step {f:.0}, the baseline at step {b:.0}{median}: no sooner"
        ),
        (Some(f), None) => format!(
            "{name} reached 95% validation accuracy at step {f:.0}{median}; the baseline did not within {steps:.0} steps: more than {:.1}× sooner",
            steps / f.max(1.0)
        ),
    };
    let decays = match (its_decay, base_decay) {
        (Some(w), Some(b)) if w > b && b > 0.0 => format!(
            ". But it also trains with {:.0}× the baseline's weight decay ({w} against {b}), and weight decay alone speeds grokking up: this comparison cannot tell the filter's share from the weight decay's. Compare \"controls\" trains that weight decay without the filter.",
            w / b
        ),
        (Some(w), Some(b)) if w > b => format!(
            ". But it also trains with weight decay {w} against the baseline's {b}, and weight decay alone speeds grokking up: compare \"controls\" trains that weight decay without the filter."
        ),
        _ => ", with the baseline's weight decay: the gain is the filter's.".to_string(),
    };
    Some(gain + &decays)
}

/// Sentences that say how much of each filter's speed-up is the filter: its steps to 95%
/// validation accuracy (medians over seeds) against its weight-decay-only control's
/// (`compare=controls`), the baseline's, and, with `compare=sweep`, the best of every run
/// without a filter. Without a control, its speed-up over the baseline and what else differs
/// (its larger weight decay). From the whole report, so runs trained apart are compared after
/// merging.
pub fn filter_verdicts(report: &Report) -> Vec<String> {
    let run = |label: &str| report.runs.iter().find(|r| r.label == label);
    let reached = |label: &str| {
        run(label)
            .and_then(|r| r.summary.get("steps_to_val_acc_95"))
            .and_then(Value::as_f64)
    };
    let steps = report
        .runs
        .first()
        .and_then(|r| r.column("step").last().copied())
        .unwrap_or(0.0);
    let seeds = report
        .runs
        .first()
        .and_then(|r| r.summary.get("seeds"))
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let median = if seeds > 1 {
        format!(" (medians over {seeds} seeds)")
    } else {
        String::new()
    };
    // With a sweep, the unfiltered run that got there first.
    let swept = report
        .runs
        .iter()
        .any(|r| SWEEP.iter().any(|(l, _)| r.label == *l));
    let best = swept
        .then(|| {
            report
                .runs
                .iter()
                .filter(|r| unfiltered(&r.label))
                .filter_map(|r| reached(&r.label).map(|s| (s, r)))
                .min_by(|a, b| a.0.total_cmp(&b.0))
        })
        .flatten();
    let decay = |key: &str| report.spec.get(key).and_then(Value::as_f64);
    let mut out = Vec::new();
    for (filter, control, name, its_decay) in [
        (
            "grokfast-ema",
            "wd-only-ema",
            "Grokfast-EMA",
            "ema_weight_decay",
        ),
        (
            "grokfast-ma",
            "wd-only-ma",
            "Grokfast-MA",
            "ma_weight_decay",
        ),
    ] {
        if run(filter).is_none() {
            continue;
        }
        if run(control).is_none() {
            // The filter against the baseline alone: say what else differs between them.
            if let Some(sentence) = uncontrolled(
                name,
                (reached(filter), reached("baseline")),
                (decay(its_decay), decay("weight_decay")),
                steps,
                &median,
            ) {
                out.push(sentence);
            }
            continue;
        }
        let sentence = match (reached(filter), reached(control)) {
            (None, _) => format!(
                "{name} did not reach 95% validation accuracy within {steps:.0} steps{median}."
            ),
            (Some(f), None) => format!(
                "{name} reached 95% validation accuracy at step {f:.0}{median}; the same weight \
                 decay without the filter did not within {steps:.0} steps: the filter, not the \
                 weight decay, makes it more than {:.1}× sooner.",
                steps / f.max(1.0)
            ),
            (Some(f), Some(c)) if c > f => format!(
                "{name} reached 95% validation accuracy at step {f:.0}, the same weight decay \
                 without the filter at step {c:.0}{median}: the filter makes it {:.1}× sooner.",
                c / f.max(1.0)
            ),
            (Some(f), Some(c)) => format!(
                "{name} reached 95% validation accuracy at step {f:.0}, the same weight decay \
                 without the filter at step {c:.0}{median}: here the weight decay does it, not \
                 the filter."
            ),
        };
        let baseline = match (reached("baseline"), reached(filter), reached(control)) {
            (Some(b), Some(f), Some(c)) => format!(
                " Against the baseline (step {b:.0}) that is {:.1}×, of which the weight decay \
                 alone gives {:.1}×.",
                b / f.max(1.0),
                b / c.max(1.0)
            ),
            (Some(b), Some(f), None) => format!(
                " Against the baseline (step {b:.0}) that is {:.1}×.",
                b / f.max(1.0)
            ),
            _ => String::new(),
        };
        let tuned = match (swept, best, reached(filter)) {
            (false, _, _) => String::new(),
            (true, None, _) => format!(
                " No weight decay of the sweep reached it without a filter within {steps:.0} steps."
            ),
            (true, Some((b, r)), Some(f)) => {
                let wd = r
                    .summary
                    .get("weight_decay")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0);
                if b > f {
                    format!(
                        " The best weight decay without a filter ({wd}) took until step {b:.0}: \
                         against the best-tuned baseline the filter is {:.1}× sooner.",
                        b / f.max(1.0)
                    )
                } else {
                    format!(
                        " The best weight decay without a filter ({wd}) got there at step \
                         {b:.0}: a tuned weight decay does as well as the filter here."
                    )
                }
            }
            (true, Some(_), None) => String::new(),
        };
        out.push(sentence + &baseline + &tuned);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_name_the_bad_field() {
        let ci = GrokkingSpec::preset(Preset::Ci);
        let not_prime = GrokkingSpec {
            p: 91,
            ..ci.clone()
        };
        assert!(
            not_prime
                .validate_rules()
                .expect_err("91 = 7 x 13")
                .to_string()
                .contains("p=91 is not prime")
        );
        let heads = GrokkingSpec {
            d_model: 30,
            heads: 4,
            ..ci.clone()
        };
        assert!(
            heads
                .validate_rules()
                .expect_err("30 % 4")
                .to_string()
                .contains("d_model=30 is not a multiple of heads=4")
        );
        assert!(ci.validate_rules().is_ok());
    }

    #[test]
    fn verdicts_say_how_much_of_the_gain_is_the_filter() {
        use crate::report::RunReport;
        use crate::train::Series;
        let run = |label: &str, val95: Option<usize>| {
            let mut series = Series::default();
            series.push(0, &[("val_acc", 0.0)]);
            series.push(3000, &[("val_acc", 0.5)]);
            let mut summary = serde_json::Map::new();
            summary.insert(
                "steps_to_val_acc_95".into(),
                val95.map(Value::from).unwrap_or(Value::Null),
            );
            RunReport::new(label, &series, summary)
        };
        let spec = GrokkingSpec::preset(Preset::Ci);
        let runs = vec![
            run("baseline", Some(5900)),
            run("grokfast-ema", Some(1250)),
            run("wd-only-ema", None),
            run("grokfast-ma", Some(5900)),
            run("wd-only-ma", Some(2950)),
        ];
        let report = Report::new("grokking", &spec, "step", runs);
        let verdicts = filter_verdicts(&report);
        assert_eq!(verdicts.len(), 2, "{verdicts:?}");
        assert!(
            verdicts[0].contains("did not within 3000 steps"),
            "{}",
            verdicts[0]
        );
        assert!(
            verdicts[0].contains("more than 2.4× sooner"),
            "{}",
            verdicts[0]
        );
        assert!(verdicts[0].contains("that is 4.7×"), "{}", verdicts[0]);
        assert!(
            verdicts[1].contains("the weight decay does it, not the filter"),
            "{}",
            verdicts[1]
        );
        // With a sweep, the best unfiltered run is named, whichever it is.
        let mut swept = report.clone();
        let mut wd3 = run("wd-3e-3", Some(2000));
        wd3.summary
            .insert("weight_decay".into(), Value::from(0.003));
        swept.runs.push(wd3);
        swept.runs.push(run("wd-1e-3", None));
        let verdicts = filter_verdicts(&swept);
        assert!(
            verdicts[0].contains("(0.003) took until step 2000")
                && verdicts[0].contains("the filter is 1.6× sooner"),
            "{}",
            verdicts[0]
        );
        assert!(
            verdicts[1].contains("a tuned weight decay does as well as the filter"),
            "{}",
            verdicts[1]
        );
        // Without controls the sentence says what the weight decay may contribute.
        let mut all = report.clone();
        all.runs.retain(|r| !r.label.starts_with("wd-only"));
        let verdicts = filter_verdicts(&all);
        assert_eq!(verdicts.len(), 2, "{verdicts:?}");
        assert!(
            verdicts[0].starts_with(
                "Grokfast-EMA reached 95% validation accuracy at step 1250, the baseline at step \
                 5900: 4.7× sooner. But it also trains with 200× the baseline's weight decay \
                 (0.02 against 0.0001)"
            ) && verdicts[0].contains("cannot tell the filter's share from the weight decay's"),
            "{}",
            verdicts[0]
        );
        assert!(verdicts[1].contains("no sooner"), "{}", verdicts[1]);
        // A filter at the baseline's weight decay: the gain is the filter's.
        let mut same = all.clone();
        same.spec
            .insert("ema_weight_decay".into(), Value::from(0.0001));
        assert!(
            filter_verdicts(&same)[0].ends_with("the gain is the filter's."),
            "{:?}",
            filter_verdicts(&same)
        );
    }
}
