//! The data sets the small classifiers learn (the 8×8 digits, MNIST-1D, or a reader's own
//! table) held as one pool of labelled examples, and how a data seed splits it: a member's data
//! seed picks its held-out test set and training examples (nested: a smaller training set is
//! a prefix of a larger one). The dropout, augmentation, intrinsic-dimension and
//! grokking-on-images experiments train on a pool.

use serde::{Deserialize, Serialize};

use crate::data::augment::Augment;
use crate::data::table::{OWN_TABLE, Table, test_rows};
use crate::data::{Labelled, digits, mnist1d};
use crate::rng::Stream;
use crate::spec::SpecError;

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
    /// Held-out test examples per model.
    pub test: usize,
    /// Classes the labels (and labels redrawn as noise) take.
    pub classes: usize,
    /// Every example, in the data set's own order.
    pub examples: Labelled,
}

impl Pool {
    /// The digits (the same for every seed), MNIST-1D generated from `data_seed`, or the
    /// reader's own `local` table (`dataset=local`, which needs one; the others take none).
    pub fn new(dataset: Dataset, data_seed: u64, local: Option<&Table>) -> Result<Self, SpecError> {
        let pool = |examples: Labelled| Self {
            dataset,
            seed: data_seed,
            test: dataset.test(),
            classes: CLASSES,
            examples,
        };
        match (dataset, local) {
            (Dataset::Digits, None) => Ok(pool(digits::all())),
            (Dataset::Mnist1d, None) => {
                let n = dataset.test() + dataset.max_train();
                Ok(pool(mnist1d::generate(n, data_seed)))
            }
            (Dataset::Local, Some(table)) => {
                OWN_TABLE
                    .check(table, "this experiment")
                    .map_err(SpecError::Inconsistent)?;
                let scaled = table.scaled();
                Ok(Self {
                    test: test_rows(table.rows()),
                    classes: table.classes.len(),
                    ..pool(scaled.examples)
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
            Dataset::Mnist1d | Dataset::Local => (self.dim(), 1),
        }
    }

    /// Whether examples are centred on zero (drawn with signed colours).
    pub fn signed(&self) -> bool {
        self.dataset != Dataset::Digits
    }

    pub fn len(&self) -> usize {
        self.examples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.examples.is_empty()
    }

    /// Inputs per example.
    pub fn dim(&self) -> usize {
        self.examples.dim
    }

    /// Example `i`'s inputs.
    pub fn row(&self, i: usize) -> &[f32] {
        self.examples.row(i)
    }

    /// Example `i`'s class.
    pub fn label(&self, i: usize) -> u8 {
        self.examples.y[i]
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
