//! `toy2d`: an MLP classifying TF-Playground-style 2-D point sets, with a live decision surface.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Int, Tensor, TensorData, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Info, Panel};
use crate::data::toy2d::{self, Points, Shape};
use crate::models::mlp::{Activation, Mlp};
use crate::report::{Report, RunReport, json_number};
use crate::rng::Stream;
use crate::spec::{Knob, KnobKind, Preset, SpecError};
use crate::train::{
    BatchOrder, OptimizerKind, RunError, Schedule, Series, Stepper, Surface, build_optimizer,
    loss_and_correct, scalar,
};

pub static INFO: Info = Info {
    id: "toy2d",
    title: "A neural net in the plane",
    claim: "A small MLP learns non-linear boundaries (circle, XOR, spiral) and you watch it happen.",
    explanation: "A multilayer perceptron bends a straight-line classifier into curves by stacking \
        simple non-linear units. Watch the decision surface form, and see what label noise and \
        too little data do to the gap between training and test accuracy.",
    paper: "Smilkov & Carter, TensorFlow Playground (2016)",
    paper_url: "https://playground.tensorflow.org",
};

pub static PANELS: &[Panel] = &[
    Panel {
        title: "accuracy",
        metrics: &["train_acc", "test_acc"],
        y_range: Some((0.0, 1.0)),
        log_x: false,
        log_y: false,
        x: None,
    },
    Panel {
        title: "loss",
        metrics: &["train_loss", "test_loss"],
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
        help: "Shape of the two classes.",
        kind: KnobKind::Choice(Shape::NAMES),
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

/// Everything that defines a `toy2d` run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Toy2dSpec {
    pub dataset: Shape,
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

impl Default for Toy2dSpec {
    fn default() -> Self {
        Self::preset(Preset::Quick)
    }
}

impl Toy2dSpec {
    pub fn preset(preset: Preset) -> Self {
        let quick = Self {
            dataset: Shape::Spiral,
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
                dataset: Shape::Circle,
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

/// A `toy2d` run in progress.
pub struct Toy2dSession {
    spec: Toy2dSpec,
    device: Device,
    model: Mlp,
    optim: ModuleOptimizer,
    order: BatchOrder,
    train: Points,
    test_len: usize,
    x_train: Tensor<2>,
    y_train: Tensor<1, Int>,
    /// 1 at the training points whose label noise flipped, `[n]`.
    flipped: Tensor<1>,
    flipped_count: usize,
    x_test: Tensor<2>,
    y_test: Tensor<1, Int>,
    grid: Tensor<2>,
    schedule: Schedule,
    series: Series,
    surface: Option<Surface>,
    params: usize,
}

fn points_to_tensors(points: &Points, device: &Device) -> (Tensor<2>, Tensor<1, Int>) {
    let n = points.len();
    let x = Tensor::from_data(TensorData::new(points.flat_xy(), [n, 2]), device);
    let labels: Vec<i64> = points.label.iter().map(|&l| i64::from(l)).collect();
    let y = Tensor::from_data(TensorData::new(labels, [n]), device);
    (x, y)
}

/// Cell centres of the surface grid, row-major from the top row.
fn grid_points() -> Vec<f32> {
    let n = SURFACE_SIZE;
    let cell = 2.0 * SURFACE_EXTENT / n as f32;
    let mut out = Vec::with_capacity(n * n * 2);
    for row in 0..n {
        let y = SURFACE_EXTENT - (row as f32 + 0.5) * cell;
        for col in 0..n {
            out.push(-SURFACE_EXTENT + (col as f32 + 0.5) * cell);
            out.push(y);
        }
    }
    out
}

impl Toy2dSession {
    pub fn new(spec: Toy2dSpec, device: &Device) -> Self {
        let device = device.clone().autodiff();
        let mut data_rng = Stream::new(spec.data_seed, "toy2d/points");
        let points = toy2d::generate(spec.dataset, spec.points, spec.input_noise, &mut data_rng);
        let mut noise_rng = Stream::new(spec.data_seed, "toy2d/label-noise");
        let (train, test) = toy2d::split(
            points,
            spec.train_fraction,
            spec.label_noise,
            &mut noise_rng,
        );
        let (x_train, y_train) = points_to_tensors(&train, &device);
        let flipped_count = train.flipped.iter().filter(|f| **f).count();
        let flipped = Tensor::from_data(
            TensorData::new(
                train
                    .flipped
                    .iter()
                    .map(|&f| f32::from(u8::from(f)))
                    .collect::<Vec<_>>(),
                [train.len()],
            ),
            &device,
        );
        let (x_test, y_test) = points_to_tensors(&test, &device);
        let grid = Tensor::from_data(
            TensorData::new(grid_points(), [SURFACE_SIZE * SURFACE_SIZE, 2]),
            &device,
        );
        let mut init_rng = Stream::new(spec.init_seed, "toy2d/init");
        let model = Mlp::new(
            2,
            spec.width,
            spec.depth,
            2,
            spec.activation,
            &mut init_rng,
            &device,
        );
        let params = model.parameter_count();
        let optim = build_optimizer(spec.optimizer, spec.weight_decay, (0.9, 0.999));
        let order = BatchOrder::new(
            train.len(),
            spec.batch,
            Stream::new(spec.order_seed, "toy2d/order"),
        );
        Self {
            schedule: Schedule::new(spec.steps, spec.eval_every),
            test_len: test.len(),
            spec,
            device,
            model,
            optim,
            order,
            train,
            x_train,
            y_train,
            flipped,
            flipped_count,
            x_test,
            y_test,
            grid,
            series: Series::default(),
            surface: None,
            params,
        }
    }

    fn train_one_step(&mut self) {
        let (x, y) = if self.order.is_full_batch() {
            (self.x_train.clone(), self.y_train.clone())
        } else {
            let idx = self.order.next_batch_tensor(&self.device);
            (
                self.x_train.clone().select(0, idx.clone()),
                self.y_train.clone().select(0, idx),
            )
        };
        let loss = CrossEntropyLossConfig::new()
            .init(&self.device)
            .forward(self.model.forward(x), y);
        let grads = GradientsParams::from_grads(loss.backward(), &self.model);
        self.model = self.optim.step(self.spec.lr, self.model.clone(), grads);
    }

    fn read_metrics(&self) -> Transaction {
        let train_logits = self.model.forward(self.x_train.clone()).detach();
        let n = self.train.len();
        // Training points the model gets right on their (possibly flipped) labels, then those
        // among the flipped ones.
        let right = train_logits
            .clone()
            .argmax(1)
            .reshape([n])
            .equal(self.y_train.clone())
            .int()
            .float();
        let flipped_correct = (right * self.flipped.clone()).sum();
        let (train_loss, train_correct) = loss_and_correct(train_logits, self.y_train.clone());
        let (test_loss, test_correct) =
            loss_and_correct(self.model.forward(self.x_test.clone()), self.y_test.clone());
        let surface =
            burn::tensor::activation::softmax(self.model.forward(self.grid.clone()).detach(), 1)
                .slice([0..SURFACE_SIZE * SURFACE_SIZE, 1..2])
                .reshape([SURFACE_SIZE * SURFACE_SIZE]);
        Transaction::default()
            .register(train_loss)
            .register(train_correct)
            .register(flipped_correct)
            .register(test_loss)
            .register(test_correct)
            .register(surface)
    }

    fn summary(&self) -> Map<String, Value> {
        let s = &self.series;
        let mut m = Map::new();
        m.insert("steps".into(), Value::from(self.schedule.step()));
        m.insert("parameters".into(), Value::from(self.params));
        m.insert("n_train".into(), Value::from(self.train.len()));
        m.insert("n_test".into(), Value::from(self.test_len));
        for (key, metric) in [
            ("final_train_acc", "train_acc"),
            ("final_test_acc", "test_acc"),
            ("final_train_acc_flipped", "train_acc_flipped"),
            ("final_train_loss", "train_loss"),
            ("final_test_loss", "test_loss"),
        ] {
            m.insert(
                key.into(),
                s.last(metric).map(json_number).unwrap_or(Value::Null),
            );
        }
        m.insert(
            "best_test_acc".into(),
            s.max("test_acc").map(json_number).unwrap_or(Value::Null),
        );
        m
    }
}

impl Stepper for Toy2dSession {
    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn schedule_mut(&mut self) -> &mut Schedule {
        &mut self.schedule
    }

    fn train_step(&mut self) {
        self.train_one_step();
    }

    fn evaluate(&mut self) -> Transaction {
        self.read_metrics()
    }

    fn record(&mut self, step: usize, data: Vec<TensorData>) -> Result<(), RunError> {
        let [
            train_loss,
            train_correct,
            flipped_correct,
            test_loss,
            test_correct,
            surface,
        ]: [TensorData; 6] = data.try_into().map_err(|d: Vec<TensorData>| {
            RunError::Readback(format!("expected 6 tensors, got {}", d.len()))
        })?;
        let train_loss = scalar(&train_loss);
        let test_loss = scalar(&test_loss);
        let train_acc = scalar(&train_correct) / self.train.len() as f64;
        let test_acc = scalar(&test_correct) / self.test_len.max(1) as f64;
        let mut metrics = vec![
            ("train_loss", train_loss),
            ("test_loss", test_loss),
            ("train_acc", train_acc),
            ("test_acc", test_acc),
        ];
        if self.flipped_count > 0 {
            metrics.push((
                "train_acc_flipped",
                scalar(&flipped_correct) / self.flipped_count as f64,
            ));
        }
        self.series.push(step, &metrics);
        let values: Vec<f32> = surface.iter::<f32>().collect();
        self.surface = Some(Surface {
            size: SURFACE_SIZE,
            values,
            extent: SURFACE_EXTENT,
        });
        RunError::unless_finite(step, "train loss", train_loss)
    }

    fn report(&self) -> Report {
        Report::new(
            INFO.id,
            &self.spec,
            "step",
            vec![RunReport::new("mlp", &self.series, self.summary())],
        )
    }

    fn surface(&self) -> Option<Surface> {
        self.surface.clone()
    }

    fn points(&self) -> Vec<(f32, f32, u8, bool)> {
        (0..self.train.len())
            .map(|i| {
                (
                    self.train.xy[i][0],
                    self.train.xy[i][1],
                    self.train.label[i],
                    self.train.flipped[i],
                )
            })
            .collect()
    }
}
