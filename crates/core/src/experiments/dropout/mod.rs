//! `dropout`: an MLP on a small training set of the 8×8 digits (or MNIST-1D), with and
//! without dropout on its inputs and hidden units, several seeds trained together (mean ± spread), the dropout
//! stability of the trained networks (remove a fraction of hidden units, rescale the rest,
//! watch the test loss) at several widths, and the first-layer weights as images.

use burn::tensor::{Device, TensorData, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ensemble::{self, Dataset, Ensemble, Group, Member, Paired, Settings, mean_sd};
use super::{Comparison, Info, Panel, PaperRow, Unit};
use crate::data::augment::Augment;
use crate::report::{Report, RunReport};
use crate::spec::{Knob, KnobKind, Preset, SpecError, float, int};
use crate::train::{Gallery, RunError, Schedule, Stepper};

pub static INFO: Info = Info {
    id: "dropout",
    title: "Dropout",
    claim: "Randomly silencing units while training makes a network that overfits a small \
        training set generalise better.",
    explanation: "Dropout switches off a random half of the hidden units (and a fifth of the \
        inputs) at every training step, so no unit can rely on particular others: the network \
        learns redundant features and finds it much harder to memorise. Trained this way, it \
        also keeps working when half its units are removed afterwards.",
    paper: "Hinton, Srivastava, Krizhevsky, Sutskever & Salakhutdinov, Improving neural networks \
        by preventing co-adaptation of feature detectors (2012); Srivastava et al., JMLR (2014)",
    paper_url: "https://arxiv.org/abs/1207.0580",
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
    Panel {
        title: "test loss increase with units removed",
        metrics: &["loss_increase"],
        y_range: None,
        log_x: true,
        log_y: false,
        x: Some("width"),
    },
    Panel {
        title: "test accuracy by width",
        metrics: &["test_acc"],
        y_range: None,
        log_x: true,
        log_y: false,
        x: Some("width"),
    },
];

pub static COMPARISON: Comparison = Comparison {
    caption: "test error without and with dropout",
    setting: "Hinton et al. (2012): MNIST, 60,000 training images, MLP 784-800-800-10, dropout \
        20% on inputs and 50% on hidden units: about 160 test errors of 10,000 without dropout, \
        110 with. Yours: the 8×8 digits with a small training set, so compare the ratio.",
    preset: Preset::Paper,
    set: &[],
    rows: &[
        PaperRow {
            label: "no dropout",
            run: "no-dropout",
            key: "test_error",
            paper: 0.016,
        },
        PaperRow {
            label: "dropout 20% / 50%",
            run: "dropout-0.5",
            key: "test_error",
            paper: 0.011,
        },
    ],
    ratio_to: Some("no dropout"),
    ratio_label: "fewer errors",
    unit: Unit::Percent,
    source: "paper",
    marks_steps: false,
};

/// First-layer weight images shown per model.
const WEIGHT_IMAGES: usize = 16;

pub static KNOBS: &[Knob] = &[
    Knob {
        key: "dataset",
        label: "Data set",
        help: "The 8×8 digits (1,797 images) or MNIST-1D (40-point signals, 4,000 for \
            training and 1,000 for testing).",
        kind: KnobKind::Choice(Dataset::NAMES),
    },
    Knob {
        key: "n_train",
        label: "Training examples",
        help: "Examples the models train on (at most 1,297 digits or 4,000 MNIST-1D \
            signals; the test set is 500 other digits or 1,000 other signals).",
        kind: int(20, 4000, true),
    },
    Knob {
        key: "label_noise",
        label: "Label noise",
        help: "Fraction of training labels redrawn at random (the test labels stay clean): \
            something for the plain network to memorise.",
        kind: float(0.0, 0.8, false),
    },
    Knob {
        key: "input_dropout",
        label: "Input dropout",
        help: "Probability that each input pixel is dropped at a training step.",
        kind: float(0.0, 0.9, false),
    },
    Knob {
        key: "hidden_dropout",
        label: "Hidden dropout",
        help: "Probability that each hidden unit is dropped at a training step.",
        kind: float(0.0, 0.9, false),
    },
    Knob {
        key: "width",
        label: "Width",
        help: "Units per hidden layer of the main models.",
        kind: int(8, 1024, true),
    },
    Knob {
        key: "depth",
        label: "Hidden layers",
        help: "Number of hidden layers.",
        kind: int(1, 3, false),
    },
    Knob {
        key: "widths",
        label: "Widths",
        help: "How many widths to train for the stability chart: the width, its half, its \
            quarter, ...",
        kind: int(1, 5, false),
    },
    Knob {
        key: "removed",
        label: "Units removed",
        help: "Fraction of hidden units removed after training (the rest scaled up to \
            compensate) for the stability chart.",
        kind: float(0.05, 0.9, false),
    },
    Knob {
        key: "seeds",
        label: "Seeds",
        help: "Models per setting, each with its own initial weights, minibatch order and \
            dropout masks (the spread between them is the error bar).",
        kind: int(1, 8, false),
    },
    Knob {
        key: "lr",
        label: "Learning rate",
        help: "Adam's step size.",
        kind: float(1e-5, 0.1, true),
    },
    Knob {
        key: "weight_decay",
        label: "Weight decay",
        help: "L2 penalty added to the gradient (0 to see dropout alone).",
        kind: float(0.0, 0.1, false),
    },
    Knob {
        key: "batch",
        label: "Batch size",
        help: "Images per step (at most the training set).",
        kind: int(1, 1024, true),
    },
    Knob {
        key: "steps",
        label: "Steps",
        help: "Optimizer steps.",
        kind: int(1, 100_000, true),
    },
    Knob {
        key: "eval_every",
        label: "Evaluate every",
        help: "Steps between evaluations.",
        kind: int(1, 10_000, true),
    },
    Knob {
        key: "data_seed",
        label: "Data seed",
        help: "Picks the test and training examples (the same for every model) and generates \
            MNIST-1D.",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "seed",
        label: "First seed",
        help: "Seeds seed, seed + 1, ... give the models' initial weights, order and dropout.",
        kind: KnobKind::Seed,
    },
];

/// Everything that defines a `dropout` run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DropoutSpec {
    pub dataset: Dataset,
    pub n_train: usize,
    pub label_noise: f64,
    pub input_dropout: f64,
    pub hidden_dropout: f64,
    pub width: usize,
    pub depth: usize,
    pub widths: usize,
    pub removed: f64,
    pub seeds: usize,
    pub lr: f64,
    pub weight_decay: f64,
    pub batch: usize,
    pub steps: usize,
    pub eval_every: usize,
    pub data_seed: u64,
    pub seed: u64,
}

impl Default for DropoutSpec {
    fn default() -> Self {
        Self::preset(Preset::Quick)
    }
}

impl DropoutSpec {
    pub fn preset(preset: Preset) -> Self {
        // Hinton et al.'s rates (20% of inputs, 50% of hidden units) on clean labels.
        let paper = Self {
            dataset: Dataset::Digits,
            n_train: 1000,
            label_noise: 0.0,
            input_dropout: 0.2,
            hidden_dropout: 0.5,
            width: 512,
            depth: 2,
            widths: 4,
            removed: 0.5,
            seeds: 5,
            lr: 1e-3,
            weight_decay: 0.0,
            batch: 32,
            steps: 5000,
            eval_every: 100,
            data_seed: 1,
            seed: 1,
        };
        // A fifth of the 300 training labels wrong: the plain network memorises them.
        let quick = Self {
            n_train: 300,
            label_noise: 0.2,
            width: 256,
            seeds: 3,
            steps: 2500,
            ..paper
        };
        match preset {
            Preset::Paper => paper,
            Preset::Quick => quick,
            Preset::Ci => Self {
                width: 128,
                widths: 3,
                ..quick
            },
        }
    }

    pub(crate) fn validate_rules(&self) -> Result<(), SpecError> {
        crate::spec::evaluates(self.eval_every, self.steps, "steps")?;
        self.dataset.check("n_train", self.n_train)?;
        if self.width >> (self.widths - 1) < 4 {
            return Err(SpecError::Inconsistent(format!(
                "widths={} halves width={} below 4 units",
                self.widths, self.width
            )));
        }
        Ok(())
    }

    /// What this variant shows.
    pub fn note(&self) -> &'static str {
        if self.label_noise > 0.0 {
            "Some training labels are wrong: the plain network memorises them all and pays for \
             it on the test digits; dropout keeps it from memorising."
        } else {
            "Clean labels, Hinton et al.'s rates: on a few hundred clean 8×8 digits the plain \
             network already generalises well and dropout's gain is small; add label noise to \
             give it something to memorise."
        }
    }

    /// Widths trained, narrowest first; the last is `width`.
    pub fn widths(&self) -> Vec<usize> {
        (0..self.widths).rev().map(|k| self.width >> k).collect()
    }

    /// The label of the dropout runs, e.g. `dropout-0.5`.
    pub fn dropout_label(&self) -> String {
        format!("dropout-{}", self.hidden_dropout)
    }
}

/// A `dropout` run in progress: groups alternate no dropout / dropout, one pair per width.
pub struct DropoutSession {
    spec: DropoutSpec,
    ensemble: Ensemble,
    schedule: Schedule,
}

impl DropoutSession {
    pub fn new(spec: DropoutSpec, device: &Device) -> Self {
        let members: Vec<Member> = (0..spec.seeds as u64)
            .map(|k| Member {
                data_seed: spec.data_seed,
                seed: spec.seed.wrapping_add(k),
                n_train: spec.n_train,
                label_noise: spec.label_noise,
                augment: Augment::NONE,
            })
            .collect();
        let mut groups = Vec::new();
        for width in spec.widths() {
            for (input_dropout, hidden_dropout) in
                [(0.0, 0.0), (spec.input_dropout, spec.hidden_dropout)]
            {
                groups.push(Group {
                    width,
                    input_dropout,
                    hidden_dropout,
                    members: members.clone(),
                });
            }
        }
        let settings = Settings {
            depth: spec.depth,
            lr: spec.lr,
            weight_decay: spec.weight_decay,
            batch: spec.batch,
            removed: Some(spec.removed),
            weight_images: WEIGHT_IMAGES.min(spec.width),
        };
        Self {
            ensemble: Ensemble::new(settings, spec.dataset, groups, device),
            schedule: Schedule::new(spec.steps, spec.eval_every),
            spec,
        }
    }

    /// The groups of the main width: (no dropout, dropout).
    fn main_groups(&self) -> (usize, usize) {
        let last = self.ensemble.groups().len() - 2;
        (last, last + 1)
    }

    fn run(&self, g: usize, label: &str, paired_with: Option<usize>) -> RunReport {
        let all: Vec<usize> = (0..self.spec.seeds).collect();
        let mut s = self.ensemble.summary(g, &all);
        s.insert("n_train".into(), Value::from(self.spec.n_train));
        s.insert("seed".into(), Value::from(self.spec.seed));
        s.insert("seeds".into(), Value::from(self.spec.seeds));
        s.insert("width".into(), Value::from(self.ensemble.groups()[g].width));
        s.insert(
            "parameters".into(),
            Value::from(self.ensemble.parameters_per_model(g)),
        );
        if let Some(base) = paired_with.filter(|_| self.ensemble.latest().is_some()) {
            Paired::new(
                &self.ensemble.test_accs(g, &all),
                &self.ensemble.test_accs(base, &all),
            )
            .describe("Dropout", &mut s);
        }
        RunReport::new(label, &self.ensemble.series(g, &all), s)
    }

    /// Final test accuracy and loss increase of every width, for one of the two settings.
    fn by_width(&self, dropout: bool, label: &str) -> RunReport {
        let mut columns: Vec<(&str, Vec<f64>)> = [
            "width",
            "loss_increase",
            "loss_increase_sd",
            "test_acc",
            "test_acc_sd",
        ]
        .into_iter()
        .map(|k| (k, Vec::new()))
        .collect();
        if let Some(latest) = self.ensemble.latest() {
            for (g, group) in self.ensemble.groups().iter().enumerate() {
                // Groups alternate: no dropout, dropout.
                if g % 2 != usize::from(dropout) {
                    continue;
                }
                let ms = &latest[g];
                let (inc, inc_sd) = mean_sd(
                    &ms.iter()
                        .filter_map(|m| m.loss_increase)
                        .collect::<Vec<_>>(),
                );
                let (acc, acc_sd) = mean_sd(&ms.iter().map(|m| m.test_acc).collect::<Vec<_>>());
                for (i, v) in [group.width as f64, inc, inc_sd, acc, acc_sd]
                    .into_iter()
                    .enumerate()
                {
                    columns[i].1.push(v);
                }
            }
        }
        RunReport::from_columns(label, &columns, Map::new())
    }
}

impl Stepper for DropoutSession {
    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn schedule_mut(&mut self) -> &mut Schedule {
        &mut self.schedule
    }

    fn train_step(&mut self) {
        self.ensemble.train_step();
    }

    fn evaluate(&mut self) -> Transaction {
        self.ensemble.evaluate()
    }

    fn record(&mut self, step: usize, data: Vec<TensorData>) -> Result<(), RunError> {
        self.ensemble.record(step, data)
    }

    fn report(&self) -> Report {
        let (plain, drop) = self.main_groups();
        let label = self.spec.dropout_label();
        let runs = vec![
            self.run(plain, "no-dropout", None),
            self.run(drop, &label, Some(plain)),
            self.by_width(false, "no-dropout by width"),
            self.by_width(true, &format!("{label} by width")),
        ];
        Report::new(INFO.id, &self.spec, "step", runs)
    }

    fn galleries(&self) -> Vec<Gallery> {
        let (plain, drop) = self.main_groups();
        let units = WEIGHT_IMAGES.min(self.spec.width);
        [
            (plain, "no dropout".to_string()),
            (drop, self.spec.dropout_label()),
        ]
        .into_iter()
        .filter(|(g, _)| !self.ensemble.weights[*g].is_empty())
        .map(|(g, name)| Gallery {
            title: format!(
                "{name}: first-layer weights of {units} hidden units (seed {})",
                self.spec.seed
            ),
            width: self.spec.dataset.picture().0,
            height: self.spec.dataset.picture().1,
            columns: if self.spec.dataset == Dataset::Digits {
                8
            } else {
                2
            },
            images: ensemble::weight_images(
                &self.ensemble.weights[g],
                self.spec.dataset.dim(),
                units,
            ),
            signed: true,
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_halve_down_to_the_narrowest() {
        let spec = DropoutSpec::preset(Preset::Ci);
        assert_eq!(spec.widths(), [32, 64, 128]);
        let bad = DropoutSpec {
            width: 16,
            widths: 4,
            ..spec
        };
        assert!(bad.validate_rules().is_err());
    }

    #[test]
    fn verdicts_weigh_the_gain_against_the_spread() {
        let verdict = |t: &[f64], b: &[f64]| Paired::new(t, b).verdict("Dropout");
        assert_eq!(
            verdict(&[0.95, 0.96, 0.94], &[0.91, 0.92, 0.90]).0,
            "dropout helps"
        );
        assert_eq!(
            verdict(&[0.93, 0.96, 0.90], &[0.92, 0.94, 0.90]).0,
            "within the noise"
        );
        assert_eq!(
            verdict(&[0.90, 0.91, 0.92], &[0.91, 0.92, 0.93]).0,
            "dropout hurts here"
        );
        assert_eq!(verdict(&[0.95], &[0.9]).0, "one seed: no error bar");
        assert!(
            verdict(&[0.95, 0.96, 0.94], &[0.91, 0.92, 0.90])
                .1
                .contains("4.0 points")
        );
        let p = Paired::new(&[0.95, 0.95], &[0.90, 0.90]);
        assert!((p.error_reduction - 0.5).abs() < 1e-12);
        assert!((p.gain - 0.05).abs() < 1e-12 && p.gain_sd.abs() < 1e-12);
    }

    /// MNIST-1D's first-layer weights are 40-point strips.
    #[test]
    fn mnist1d_weights_are_strips() {
        let spec = DropoutSpec {
            dataset: Dataset::Mnist1d,
            n_train: 40,
            width: 8,
            widths: 1,
            seeds: 1,
            steps: 1,
            eval_every: 1,
            ..DropoutSpec::preset(Preset::Ci)
        };
        let mut session: Box<dyn crate::train::Session> =
            Box::new(DropoutSession::new(spec, &Device::flex()));
        let p = session
            .advance(1)
            .expect("probe")
            .expect("first evaluation");
        session.absorb(p.transaction.execute()).expect("absorb");
        let g = &session.galleries()[0];
        assert_eq!((g.width, g.height, g.images.len()), (40, 1, 8));
        assert_eq!(g.images[0].len(), 40);
    }

    /// A tiny run: every run is in the report with its summary keys, and the weight images
    /// are there after the first evaluation.
    #[test]
    fn a_tiny_run_reports_both_settings_and_every_width() {
        let spec = DropoutSpec {
            n_train: 40,
            width: 16,
            widths: 2,
            seeds: 2,
            steps: 4,
            eval_every: 2,
            ..DropoutSpec::preset(Preset::Ci)
        };
        let mut session: Box<dyn crate::train::Session> =
            Box::new(DropoutSession::new(spec, &Device::flex()));
        crate::train::run_to_end(session.as_mut()).expect("finite");
        let report = session.report();
        let labels: Vec<&str> = report.runs.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "no-dropout",
                "dropout-0.5",
                "no-dropout by width",
                "dropout-0.5 by width"
            ]
        );
        assert_eq!(report.runs[0].column("step"), [0.0, 2.0, 4.0]);
        let s = &report.runs[1].summary;
        for key in [
            "test_acc",
            "train_acc",
            "seed",
            "n_train",
            "gain",
            "verdict",
        ] {
            assert!(s.contains_key(key), "{key}");
        }
        assert_eq!(s["n_train"], 40);
        assert_eq!(report.runs[2].column("width"), [8.0, 16.0]);
        let galleries = session.galleries();
        assert_eq!(galleries.len(), 2);
        assert_eq!(galleries[0].images.len(), 16);
        assert_eq!(galleries[0].images[0].len(), 64);
    }
}
