//! `dropout`: an MLP on a small training set of the 8×8 digits (or MNIST-1D, or the reader's
//! own table), with and
//! without dropout on its inputs and hidden units, several seeds trained together (mean ± spread), the dropout
//! stability of the trained networks (remove a fraction of hidden units, rescale the rest,
//! watch the test loss) at several widths, and the first-layer weights as images.

use serde::{Deserialize, Serialize};

use super::{Comparison, Info, Panel, PaperRow, Unit};
use crate::cost::Cost;
use crate::data::pool::{Dataset, Splits};
use crate::data::table::Table;
use crate::device::Target;
use crate::spec::{Knob, KnobKind, Preset, SpecError, float, int};
use crate::terms::metric;
#[cfg(feature = "engine")]
use crate::train::Session;
#[cfg(feature = "engine")]
use burn::tensor::Device;

mod cost;
#[cfg(feature = "engine")]
mod session;
#[cfg(feature = "engine")]
pub use session::DropoutSession;

pub static INFO: Info = Info {
    id: "dropout",
    title: "Dropout",
    claim: "Randomly silencing units while training makes a network that overfits a small \
        training set generalise better.",
    see: "Test accuracy with dropout against without, as the network fits noisy labels.",
    explanation: "Dropout switches off a random half of the hidden units (and a fifth of the \
        inputs) at every training step, so no unit can rely on particular others: the network \
        learns redundant features and finds it much harder to memorise. Trained this way, it \
        also keeps working when half its units are removed afterwards.",
    paper: "Hinton, Srivastava, Krizhevsky, Sutskever & Salakhutdinov, Improving neural networks \
        by preventing co-adaptation of feature detectors (2012); Srivastava et al., JMLR (2014)",
    paper_url: "https://arxiv.org/abs/1207.0580",
    watch: "Watch the test accuracy with dropout (one colour) against without (the other): without it the network fits the noisy labels and its test accuracy falls back; with it the fall is smaller. The shaded bands are the spread between seeds.",
    story: &[
        "dataset",
        "n_train",
        "label_noise",
        "hidden_dropout",
        "width",
    ],
    try_these: &[
        (
            "Clean labels: does dropout still help?",
            &[("label_noise", "0")],
        ),
        ("Stronger dropout", &[("hidden_dropout", "0.8")]),
        ("MNIST-1D instead of the digits", &[("dataset", "mnist1d")]),
    ],
    marks: &[],
    own_data: Some(crate::data::table::OWN_TABLE),
    next: &[],
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
    Panel {
        title: "test loss increase with units removed",
        metrics: &[metric::LOSS_INCREASE],
        y_range: None,
        log_x: true,
        log_y: false,
        x: Some(metric::WIDTH),
    },
    Panel {
        title: "test accuracy by width",
        metrics: &[metric::TEST_ACC],
        y_range: None,
        log_x: true,
        log_y: false,
        x: Some(metric::WIDTH),
    },
];

pub static COMPARISON: Comparison = Comparison {
    caption: "test error without and with dropout",
    setting: "Hinton et al. (2012): MNIST, 60,000 training images of 28×28 pixels, MLP \
        784-800-800-10 trained by SGD with momentum for thousands of epochs under a max-norm \
        limit on each unit's weights, dropout 20% on inputs and 50% on hidden units: about 160 \
        test errors of 10,000 without dropout, 110 with. Yours: 1,000 of the 8×8 digits \
        (64 pixels), widths up to 512, Adam without a max-norm limit for 5,000 steps of 32, \
        500 held-out test digits per seed (each seed its own split): far less data and a \
        different optimiser, so compare the ratio of errors, not the errors.",
    preset: Preset::Paper,
    set: &[],
    rows: &[
        PaperRow {
            label: "no dropout",
            run: "no-dropout",
            metric: metric::TEST_ERROR,
            paper: 0.016,
        },
        PaperRow {
            label: "dropout 20% / 50%",
            run: "dropout-0.5",
            metric: metric::TEST_ERROR,
            paper: 0.011,
        },
    ],
    ratio_to: Some("no dropout"),
    ratio_label: "fewer errors",
    unit: Unit::Percent,
    source: "paper",
};

pub static KNOBS: &[Knob] = &[
    Knob {
        key: "dataset",
        label: "Data set",
        help: "The 8×8 digits (1,797 images), MNIST-1D (40-point signals, 4,000 for \
            training and 1,000 for testing), or local: your own CSV file (feature columns, \
            then a label; a quarter of its rows held out to test).",
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
        key: "splits",
        label: "Splits",
        help: "per-seed: seed k holds out its own test digits and trains on its own examples \
            (data seed + k), so the error bar includes the luck of the split; shared: every \
            seed uses the data seed's split.",
        kind: KnobKind::Choice(Splits::NAMES),
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
        help: "Picks the test and training examples (of the first seed, with per-seed \
            splits) and generates MNIST-1D.",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "seed",
        label: "First seed",
        help: "Seeds seed, seed + 1, ... give the models' initial weights, order and dropout.",
        kind: KnobKind::Seed,
    },
];

crate::fields! {
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
        pub splits: Splits,
        pub lr: f64,
        pub weight_decay: f64,
        pub batch: usize,
        pub steps: usize,
        pub eval_every: usize,
        pub data_seed: u64,
        pub seed: u64,
    }
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
            splits: Splits::PerSeed,
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

impl super::Declaration for DropoutSpec {
    fn run_words() -> &'static [(&'static str, &'static str)] {
        &[("no-dropout", "no dropout"), ("dropout-{}", "dropout {}")]
    }

    fn info() -> &'static Info {
        &INFO
    }

    fn knobs() -> &'static [Knob] {
        KNOBS
    }

    fn preset(preset: Preset) -> Self {
        DropoutSpec::preset(preset)
    }

    fn comparison() -> Option<&'static Comparison> {
        Some(&COMPARISON)
    }

    /// Before v3 every seed trained on one shared split.
    fn as_of(&mut self, _preset: Preset, version: u32) {
        if version < 3 {
            self.splits = Splits::Shared;
        }
    }

    fn validate_rules(&self) -> Result<(), SpecError> {
        DropoutSpec::validate_rules(self)
    }

    fn total_steps(&self) -> usize {
        self.steps
    }

    fn cost(&self, _target: Target) -> Cost {
        DropoutSpec::cost(self)
    }

    fn panels(&self) -> &'static [Panel] {
        PANELS
    }

    fn comparison_here(&self) -> Option<&'static Comparison> {
        Some(&COMPARISON)
    }

    fn note(&self) -> Option<&'static str> {
        Some(DropoutSpec::note(self))
    }

    fn on_own_data(&self) -> bool {
        self.dataset == Dataset::Local
    }

    /// The training set fits beside the quarter of the file held out to test.
    fn fit_to(&mut self, table: &Table) -> Result<(), SpecError> {
        self.dataset = Dataset::Local;
        self.n_train = self
            .n_train
            .min(crate::data::table::train_rows(table.rows()));
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
        Ok(Box::new(DropoutSession::new(self.clone(), local, device)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::Paired;

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
        // Each seed gains 3 points, while the seeds' accuracies spread over 5 (their splits
        // differ): the pairs decide.
        assert_eq!(
            verdict(&[0.85, 0.95, 0.90], &[0.82, 0.92, 0.87]).0,
            "dropout helps"
        );
        // Every seed at 100% both ways: no gain to weigh, and no "-0.0 points".
        let (same, why) = verdict(&[1.0, 1.0, 1.0], &[1.0, 1.0, 1.0]);
        assert_eq!(same, "no difference");
        assert!(!why.contains("-0.0"), "{why}");
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
}
