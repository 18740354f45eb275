//! Many small classifiers of the 8×8 digits (or MNIST-1D, or a reader's own table) trained side by side: one
//! `MlpStack` per group of models that share an architecture and dropout rates, one model
//! per member (a seed, a training-set size, an augmentation). A member's data seed picks its held-out test set and
//! training images (nested: a smaller training set is a prefix of a larger one); its seed picks
//! its initial weights, minibatch order and augmentations. Members that share seeds in
//! different groups differ only in what the groups differ in (paired comparisons).
//! The `dropout` and `augmentation` experiments are configurations of this.
//!
//! This file is burn-free (the data sets, the members' description, the paired statistics);
//! the stacks in training, `Ensemble`, need the `engine` feature.

use crate::experiments::terms::metric;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::data::augment::Augment;
use crate::data::table::{OWN_TABLE, Table, test_rows};
use crate::data::{digits, mnist1d};
use crate::report::json_number;
use crate::rng::Stream;
use crate::spec::SpecError;

pub(crate) mod cost;
#[cfg(feature = "engine")]
mod training;
#[cfg(feature = "engine")]
pub use training::Ensemble;

/// Classes of both data sets (and the most a reader's own file may have).
pub const CLASSES: usize = 10;

/// Which data set the models learn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dataset {
    /// The UCI 8×8 digits (1,797 images, embedded).
    #[default]
    Digits,
    /// MNIST-1D (40-point signals, generated from the data seed).
    Mnist1d,
    /// The reader's own CSV file (feature columns, then a label; see [`OWN_TABLE`]), each
    /// column scaled to [-1, 1]. A link says so and cannot carry the file. The spec's rules
    /// and price take the largest file [`OWN_TABLE`] allows; a run checks its sizes against
    /// the file it is given.
    Local,
}

impl Dataset {
    pub const NAMES: &'static [&'static str] = &["digits", "mnist1d", "local"];

    /// Held-out test examples per model: 500 digits, MNIST-1D's usual 1,000, or a quarter of
    /// the largest own file.
    pub fn test(self) -> usize {
        match self {
            Dataset::Digits => 500,
            Dataset::Mnist1d => 1000,
            Dataset::Local => test_rows(OWN_TABLE.rows.1),
        }
    }

    /// The most training examples a model can have: the other 1,297 digits, MNIST-1D's
    /// usual 4,000, or the rest of the largest own file.
    pub fn max_train(self) -> usize {
        match self {
            Dataset::Digits => digits::COUNT - self.test(),
            Dataset::Mnist1d => 4000,
            Dataset::Local => OWN_TABLE.rows.1 - self.test(),
        }
    }

    /// Inputs per example (for an own file, the most it may have).
    pub fn dim(self) -> usize {
        match self {
            Dataset::Digits => digits::PIXELS,
            Dataset::Mnist1d => mnist1d::LENGTH,
            Dataset::Local => OWN_TABLE.features.1,
        }
    }

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// `n_train` fits beside the test set.
    pub fn check(self, key: &str, n_train: usize) -> Result<(), crate::spec::SpecError> {
        if n_train > self.max_train() {
            let what = match self {
                Dataset::Local => format!(
                    "the largest file allowed has ({} rows, a quarter of them held out to test)",
                    OWN_TABLE.rows.1
                ),
                _ => format!("{} has", self.name()),
            };
            return Err(crate::spec::SpecError::Inconsistent(format!(
                "{key}={n_train} is more than the {} training examples {what}",
                self.max_train()
            )));
        }
        Ok(())
    }
}

/// A data set in memory: every example the models may train or be tested on.
pub struct Pool {
    pub dataset: Dataset,
    /// The data seed MNIST-1D was generated from (its generated order is that seed's split).
    pub seed: u64,
    /// Inputs per example.
    pub dim: usize,
    /// Held-out test examples per model.
    pub test: usize,
    /// Classes the labels (and labels redrawn as noise) take.
    pub classes: usize,
    /// Row-major `[len, dim]`.
    pub x: Vec<f32>,
    pub y: Vec<u8>,
}

impl Pool {
    /// The digits (the same for every seed), MNIST-1D generated from `data_seed`, or the
    /// reader's own `local` table (`dataset=local`, which needs one; the others take none).
    pub fn new(dataset: Dataset, data_seed: u64, local: Option<&Table>) -> Result<Self, SpecError> {
        let pool = |dim: usize, x: Vec<f32>, y: Vec<u8>| Self {
            dataset,
            seed: data_seed,
            dim,
            test: dataset.test(),
            classes: CLASSES,
            x,
            y,
        };
        match (dataset, local) {
            (Dataset::Digits, None) => {
                let d = digits::all();
                Ok(pool(digits::PIXELS, d.x, d.y))
            }
            (Dataset::Mnist1d, None) => {
                let d = mnist1d::generate(dataset.test() + dataset.max_train(), data_seed);
                Ok(pool(mnist1d::LENGTH, d.x, d.y))
            }
            (Dataset::Local, Some(table)) => {
                OWN_TABLE
                    .check(table, "this experiment")
                    .map_err(SpecError::Inconsistent)?;
                let scaled = table.scaled();
                Ok(Self {
                    test: test_rows(table.rows()),
                    classes: table.classes.len(),
                    ..pool(table.features(), scaled.x, scaled.y)
                })
            }
            (Dataset::Local, None) => Err(SpecError::Inconsistent(
                crate::data::table::NEEDS_FILE.into(),
            )),
            (_, Some(_)) => Err(SpecError::Inconsistent(format!(
                "a data file was given, but this run learns {}: set dataset=local",
                dataset.name()
            ))),
        }
    }

    /// The most training examples a model can have: the pool less its test examples.
    pub fn max_train(&self) -> usize {
        match self.dataset {
            Dataset::Local => self.len() - self.test,
            _ => self.dataset.max_train(),
        }
    }

    /// `n_train` fits beside the test set (the spec's rules checked the largest file; this
    /// checks the file at hand).
    pub fn check(&self, key: &str, n_train: usize) -> Result<(), SpecError> {
        if n_train > self.max_train() {
            return Err(SpecError::Inconsistent(format!(
                "{key}={n_train} is more than the {} examples this data set has to train on \
                 (a quarter of the file is held out to test)",
                self.max_train()
            )));
        }
        Ok(())
    }

    /// How an example (or a first-layer weight vector) is drawn: `(width, height)`.
    pub fn picture(&self) -> (usize, usize) {
        match self.dataset {
            Dataset::Digits => (digits::SIDE, digits::SIDE),
            Dataset::Mnist1d | Dataset::Local => (self.dim, 1),
        }
    }

    /// Whether examples are centred on zero (drawn with signed colours).
    pub fn signed(&self) -> bool {
        self.dataset != Dataset::Digits
    }

    pub fn len(&self) -> usize {
        self.y.len()
    }

    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    pub fn row(&self, i: usize) -> &[f32] {
        let d = self.dim;
        &self.x[i * d..(i + 1) * d]
    }

    /// Every example in a data seed's order: its test examples first, then its training
    /// pool. The digits: a seeded permutation. MNIST-1D: the generated order for the pool's
    /// own seed (its samples are already drawn from it), a seeded permutation of the same
    /// samples for any other seed. An own file: a seeded permutation (files are often sorted
    /// by label).
    fn order(&self, data_seed: u64) -> Vec<usize> {
        match self.dataset {
            Dataset::Digits => digits::split_order(data_seed),
            Dataset::Mnist1d if data_seed == self.seed => (0..self.len()).collect(),
            Dataset::Mnist1d => Stream::new(data_seed, "mnist1d/split").permutation(self.len()),
            Dataset::Local => Stream::new(data_seed, "local/split").permutation(self.len()),
        }
    }

    /// `(train, test)` indices for a data seed: the test examples, then the first `n_train`
    /// of its training pool. A smaller training set is a prefix of a larger one.
    pub fn split(&self, n_train: usize, data_seed: u64) -> (Vec<usize>, Vec<usize>) {
        let test = self.test;
        let order = self.order(data_seed);
        (order[test..test + n_train].to_vec(), order[..test].to_vec())
    }

    /// `count` validation examples for a data seed: the last of its training pool, in no
    /// training set of at most `max_train() - count` examples and in no test set.
    pub fn validation(&self, count: usize, data_seed: u64) -> Vec<usize> {
        let order = self.order(data_seed);
        order[order.len() - count.min(self.max_train())..].to_vec()
    }

    /// A randomly transformed copy of example `i`. A table's columns have no neighbours to
    /// shift, turn or stretch along: it takes the noise alone.
    pub fn augmented(&self, i: usize, augment: &Augment, rng: &mut Stream) -> Vec<f32> {
        match self.dataset {
            Dataset::Digits => augment.apply(self.row(i), rng),
            Dataset::Mnist1d => augment.apply_1d(self.row(i), rng),
            Dataset::Local => augment.apply_noise(self.row(i), rng),
        }
    }
}

/// Whether a run's seeds share one train/test split or each draw their own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Splits {
    /// Seed k uses data seed `data_seed + k`: its own test set, training examples and redrawn
    /// labels, so the spread between seeds includes the luck of the split.
    #[default]
    PerSeed,
    /// Every seed uses `data_seed`: the spread is that of initial weights and order alone.
    Shared,
}

impl Splits {
    pub const NAMES: &'static [&'static str] = &["per-seed", "shared"];

    /// The data seed of seed `k`.
    pub fn data_seed(self, data_seed: u64, k: u64) -> u64 {
        match self {
            Splits::PerSeed => data_seed.wrapping_add(k),
            Splits::Shared => data_seed,
        }
    }
}

/// One model: where its data, weights and order come from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Member {
    pub data_seed: u64,
    pub seed: u64,
    pub n_train: usize,
    /// Fraction of its training labels redrawn at random (the same ones for a data seed).
    pub label_noise: f64,
    pub augment: Augment,
}

/// Models sharing an architecture and dropout rates, trained as one stack.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub width: usize,
    pub input_dropout: f64,
    pub hidden_dropout: f64,
    pub members: Vec<Member>,
}

/// Settings every group shares.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    pub depth: usize,
    pub lr: f64,
    pub weight_decay: f64,
    pub batch: usize,
    /// Fraction of hidden units removed (the rest rescaled) for the stability measurement.
    pub removed: Option<f64>,
    /// Validation examples per member (see [`Pool::validation`]); 0 for none.
    pub validation: usize,
    /// First-layer weight images read back per group (of its first member); 0 for none.
    pub weight_images: usize,
}

/// What one evaluation measured for one member.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Measure {
    pub train_loss: f64,
    pub train_acc: f64,
    pub test_loss: f64,
    pub test_acc: f64,
    /// Test loss with a fraction of hidden units removed, minus the full model's.
    pub loss_increase: Option<f64>,
    /// Accuracy on the member's validation examples, where the settings ask for them.
    pub val_acc: Option<f64>,
}

/// A treatment against its baseline, member by member (paired by seed).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Paired {
    /// Mean test accuracy of the treated models minus the baseline's.
    pub gain: f64,
    /// Spread of the per-seed differences.
    pub gain_sd: f64,
    /// The larger of the two settings' spreads of test accuracy between seeds (split luck
    /// included; the verdict weighs the gain against `gain_sd`).
    pub spread: f64,
    /// Share of the baseline's test errors the treatment removes.
    pub error_reduction: f64,
    pub seeds: usize,
}

impl Paired {
    pub fn new(treated: &[f64], baseline: &[f64]) -> Self {
        let diffs: Vec<f64> = treated.iter().zip(baseline).map(|(t, b)| t - b).collect();
        let (gain, gain_sd) = mean_sd(&diffs);
        let (t, t_sd) = mean_sd(treated);
        let (b, b_sd) = mean_sd(baseline);
        Self {
            gain,
            gain_sd,
            spread: t_sd.max(b_sd),
            error_reduction: if b < 1.0 {
                ((1.0 - b) - (1.0 - t)) / (1.0 - b)
            } else {
                0.0
            },
            seeds: treated.len(),
        }
    }

    /// Adds `gain`, `gain_sd`, `spread`, `error_reduction`, `verdict` and `why` to `s`;
    /// `what` names the treatment ("Dropout").
    pub fn describe(&self, what: &str, s: &mut Map<String, Value>) {
        for (key, v) in [
            (metric::GAIN.key, self.gain),
            ("gain_sd", self.gain_sd),
            (metric::SPREAD.key, self.spread),
            (metric::ERROR_REDUCTION.key, self.error_reduction),
        ] {
            s.insert(key.into(), json_number(v));
        }
        let (verdict, why) = self.verdict(what);
        crate::report::Verdict::write(verdict, why, s);
    }

    /// Whether the treatment helped beyond the noise between seeds, in words. Seed k of both
    /// settings shares its split, initial weights and order, so the noise a gain must beat
    /// is the spread of the per-seed gains (not the spread of either setting's accuracies,
    /// which also holds the luck of each seed's split).
    pub fn verdict(&self, what: &str) -> (String, String) {
        let points = |v: f64| format!("{:.1}", 100.0 * v);
        let lower = what.to_lowercase();
        if self.seeds < 2 {
            let word = if self.gain > 0.0 {
                "raised"
            } else {
                "did not raise"
            };
            return (
                "one seed: no error bar".into(),
                format!(
                    "{what} {word} test accuracy by {} points; train two or more seeds to see \
                     whether that is more than chance.",
                    points(self.gain)
                ),
            );
        }
        let spread = points(self.gain_sd);
        if self.gain.abs() < 0.0005 {
            // Less than a twentieth of a point either way: what is shown is 0.0.
            return (
                "no difference".into(),
                format!(
                    "{what} left mean test accuracy where it was (spread of the per-seed gains \
                     {spread} points)."
                ),
            );
        }
        if self.gain > self.gain_sd {
            (
                format!("{lower} helps"),
                format!(
                    "{what} raised mean test accuracy by {} points, more than the spread of \
                     the per-seed gains ({spread} points; each seed compared with itself).",
                    points(self.gain)
                ),
            )
        } else if self.gain > 0.0 {
            (
                "within the noise".into(),
                format!(
                    "{what} raised mean test accuracy by {} points, less than the spread of \
                     the per-seed gains ({spread} points).",
                    points(self.gain)
                ),
            )
        } else {
            (
                format!("{lower} hurts here"),
                format!(
                    "{what} lowered mean test accuracy by {} points (spread of the per-seed \
                     gains {spread} points).",
                    points(-self.gain)
                ),
            )
        }
    }
}

/// Mean and sample standard deviation (0 for fewer than two values).
pub fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, var.sqrt())
}

/// Images of the first `units` columns of a `[dim, units]` weight matrix, one per hidden unit.
pub fn weight_images(weights: &[f32], dim: usize, units: usize) -> Vec<Vec<f32>> {
    if units == 0 || weights.len() != dim * units {
        return Vec::new();
    }
    (0..units)
        .map(|u| (0..dim).map(|i| weights[i * units + u]).collect())
        .collect()
}
