//! `toy2d`: an MLP classifying TF-Playground-style 2-D point sets, with a live decision surface.

use serde::{Deserialize, Serialize};

use super::{Info, Panel};
use crate::cost::Cost;
use crate::data::table::Limits;
use crate::data::table::Table;
use crate::data::toy2d::Source;
use crate::device::Target;
use crate::models::mlp::Activation;
use crate::spec::{Knob, KnobKind, Preset, SpecError};
use crate::terms::metric;
use crate::train::OptimizerKind;
#[cfg(feature = "engine")]
use crate::train::Session;
#[cfg(feature = "engine")]
use burn::tensor::Device;

mod cost;
#[cfg(feature = "engine")]
mod session;
#[cfg(feature = "engine")]
pub use session::{Toy2dSession, generated, points};

pub static INFO: Info = Info {
    id: "toy2d",
    title: "A neural net in the plane",
    claim: "A small MLP learns non-linear boundaries (circle, XOR, spiral) and you watch it happen.",
    see: "A decision surface bending to fit the points, and the gap between training and test.",
    explanation: "A multilayer perceptron bends a straight-line classifier into curves by stacking \
        simple non-linear units. Watch the decision surface form, and see what label noise and \
        too little data do to the gap between training and test accuracy.",
    paper: "Smilkov & Carter, TensorFlow Playground (2016)",
    paper_url: "https://playground.tensorflow.org",
    watch: "Watch the decision surface bend to fit the points, and the gap between training accuracy (dashed) and test accuracy (solid): label noise and few points widen it.",
    story: &["dataset", "label_noise", "width", "depth", "activation"],
    try_these: &[
        (
            "Add label noise and watch the gap open",
            &[("label_noise", "0.3")],
        ),
        (
            "XOR with a single hidden layer",
            &[("dataset", "xor"), ("depth", "1")],
        ),
        (
            "The spiral with a wider network",
            &[("dataset", "spiral"), ("width", "32")],
        ),
    ],
    marks: &[],
    own_data: Some(OWN_DATA),
    next: &[],
};

/// What a reader's own file may hold: two coordinates and two labels, as many points as the
/// `points` knob allows.
pub const OWN_DATA: Limits = Limits {
    features: (2, 2),
    rows: (20, 5000),
    classes: (2, 2),
    bytes: 1_000_000,
};

pub static PANELS: &[Panel] = &[
    Panel {
        title: "accuracy",
        metrics: &[metric::TRAIN_ACC, metric::TEST_ACC],
        y_range: Some((0.0, 1.0)),
        log_x: false,
        log_y: false,
        x: None,
    },
    Panel {
        title: "loss",
        metrics: &[metric::TRAIN_LOSS, metric::TEST_LOSS],
        y_range: None,
        log_x: false,
        log_y: false,
        x: None,
    },
];

/// Grid side of the decision surface.
pub const SURFACE_SIZE: usize = 48;
/// The surface covers [-SURFACE_EXTENT, SURFACE_EXTENT]².
pub const SURFACE_EXTENT: f32 = 1.25;

pub static KNOBS: &[Knob] = &[
    Knob {
        key: "dataset",
        label: "Data set",
        help: "Shape of the two classes, or local: your own CSV file (x1, x2, label).",
        kind: KnobKind::Choice(Source::NAMES),
    },
    Knob {
        key: "points",
        label: "Points",
        help: "Total number of points (train + test).",
        kind: KnobKind::Int {
            min: 20,
            max: 5000,
            log: true,
        },
    },
    Knob {
        key: "train_fraction",
        label: "Train fraction",
        help: "Share of the points used for training; the rest is the test set.",
        kind: KnobKind::Float {
            min: 0.1,
            max: 0.9,
            log: false,
        },
    },
    Knob {
        key: "label_noise",
        label: "Label noise",
        help: "Fraction of training labels flipped (test labels stay clean).",
        kind: KnobKind::Float {
            min: 0.0,
            max: 0.5,
            log: false,
        },
    },
    Knob {
        key: "input_noise",
        label: "Input noise",
        help: "Standard deviation of Gaussian jitter added to every point.",
        kind: KnobKind::Float {
            min: 0.0,
            max: 0.5,
            log: false,
        },
    },
    Knob {
        key: "width",
        label: "Width",
        help: "Units per hidden layer.",
        kind: KnobKind::Int {
            min: 1,
            max: 256,
            log: true,
        },
    },
    Knob {
        key: "depth",
        label: "Hidden layers",
        help: "Number of hidden layers.",
        kind: KnobKind::Int {
            min: 1,
            max: 6,
            log: false,
        },
    },
    Knob {
        key: "activation",
        label: "Activation",
        help: "Hidden-layer non-linearity.",
        kind: KnobKind::Choice(Activation::NAMES),
    },
    Knob {
        key: "optimizer",
        label: "Optimizer",
        help: "Adam (coupled L2), AdamW (decoupled decay) or plain SGD.",
        kind: KnobKind::Choice(OptimizerKind::NAMES),
    },
    Knob {
        key: "lr",
        label: "Learning rate",
        help: "Step size.",
        kind: KnobKind::Float {
            min: 1e-5,
            max: 1.0,
            log: true,
        },
    },
    Knob {
        key: "weight_decay",
        label: "Weight decay",
        help: "L2 penalty (decoupled for AdamW).",
        kind: KnobKind::Float {
            min: 0.0,
            max: 1.0,
            log: false,
        },
    },
    Knob {
        key: "batch",
        label: "Batch size",
        help: "Examples per step (at most the training set: full batch).",
        kind: KnobKind::Int {
            min: 1,
            max: 5000,
            log: true,
        },
    },
    Knob {
        key: "steps",
        label: "Steps",
        help: "Optimizer steps in the run.",
        kind: KnobKind::Int {
            min: 1,
            max: 200_000,
            log: true,
        },
    },
    Knob {
        key: "eval_every",
        label: "Evaluate every",
        help: "Steps between metric read-backs.",
        kind: KnobKind::Int {
            min: 1,
            max: 10_000,
            log: true,
        },
    },
    Knob {
        key: "data_seed",
        label: "Data seed",
        help: "Seed for the points, the split and the label noise.",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "init_seed",
        label: "Init seed",
        help: "Seed for the initial weights.",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "order_seed",
        label: "Order seed",
        help: "Seed for the minibatch order.",
        kind: KnobKind::Seed,
    },
];

crate::fields! {
    /// Everything that defines a `toy2d` run.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    pub struct Toy2dSpec {
        pub dataset: Source,
        pub points: usize,
        pub train_fraction: f64,
        pub label_noise: f64,
        pub input_noise: f64,
        pub width: usize,
        pub depth: usize,
        pub activation: Activation,
        pub optimizer: OptimizerKind,
        pub lr: f64,
        pub weight_decay: f64,
        pub batch: usize,
        pub steps: usize,
        pub eval_every: usize,
        pub data_seed: u64,
        pub init_seed: u64,
        pub order_seed: u64,
    }
}

impl Default for Toy2dSpec {
    fn default() -> Self {
        Self::preset(Preset::Quick)
    }
}

impl Toy2dSpec {
    pub fn preset(preset: Preset) -> Self {
        let quick = Self {
            dataset: Source::Spiral,
            points: 600,
            train_fraction: 0.5,
            label_noise: 0.0,
            input_noise: 0.0,
            width: 24,
            depth: 2,
            activation: Activation::Relu,
            optimizer: OptimizerKind::Adam,
            lr: 0.01,
            weight_decay: 0.0,
            batch: 32,
            steps: 2000,
            eval_every: 25,
            data_seed: 1,
            init_seed: 1,
            order_seed: 1,
        };
        match preset {
            Preset::Quick => quick,
            Preset::Ci => Self {
                steps: 1500,
                eval_every: 50,
                ..quick
            },
            // TensorFlow Playground's opening setting: circle data, tanh, SGD lr 0.03, batch 10.
            Preset::Paper => Self {
                dataset: Source::Circle,
                points: 500,
                width: 4,
                depth: 2,
                activation: Activation::Tanh,
                optimizer: OptimizerKind::Sgd,
                lr: 0.03,
                batch: 10,
                steps: 5000,
                eval_every: 50,
                ..quick
            },
        }
    }

    pub(crate) fn validate_rules(&self) -> Result<(), SpecError> {
        crate::spec::evaluates(self.eval_every, self.steps, "steps")
    }
}

impl super::Declaration for Toy2dSpec {
    fn run_words() -> &'static [(&'static str, &'static str)] {
        &[("mlp", "MLP")]
    }

    fn info() -> &'static Info {
        &INFO
    }

    fn knobs() -> &'static [Knob] {
        KNOBS
    }

    fn preset(preset: Preset) -> Self {
        Toy2dSpec::preset(preset)
    }

    fn validate_rules(&self) -> Result<(), SpecError> {
        Toy2dSpec::validate_rules(self)
    }

    fn total_steps(&self) -> usize {
        self.steps
    }

    fn cost(&self, _target: Target) -> Cost {
        Toy2dSpec::cost(self)
    }

    fn panels(&self) -> &'static [Panel] {
        PANELS
    }

    fn draws_surface(&self) -> bool {
        true
    }

    fn on_own_data(&self) -> bool {
        self.dataset == Source::Local
    }

    /// Every row of the file is a point.
    fn fit_to(&mut self, table: &Table) -> Result<(), SpecError> {
        self.dataset = Source::Local;
        self.points = table.rows();
        Ok(())
    }

    #[cfg(feature = "engine")]
    fn start(
        &self,
        device: &Device,
        _runs: Option<&[usize]>,
        _threads: usize,
        local: Option<&Table>,
    ) -> Result<Box<dyn Session>, SpecError> {
        Ok(Box::new(Toy2dSession::start(self.clone(), local, device)?))
    }
}
