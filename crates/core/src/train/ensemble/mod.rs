//! Many small classifiers of a [`Pool`] trained side by side: one `MlpStack` per group of
//! models that share an architecture and dropout rates, one model per member (a seed, a
//! training-set size, an augmentation). A member's seed picks its initial weights, minibatch
//! order and augmentations. Members that share seeds in different groups differ only in what
//! the groups differ in (paired comparisons). The `dropout` and `augmentation` experiments
//! are configurations of this.
//!
//! This file is burn-free (the members' description); the stacks in training, `Ensemble`,
//! need the `engine` feature.

use crate::data::augment::Augment;
#[cfg(doc)]
use crate::data::pool::Pool;

#[cfg(all(test, feature = "engine"))]
mod tests;
#[cfg(feature = "engine")]
mod training;
#[cfg(feature = "engine")]
pub use training::Ensemble;

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

/// Activations (f32 values) an evaluation's forward holds at once, at most: 16 MB. An
/// evaluation measures its sets in slices of rows (see [`eval_rows`]); a slice's forward holds
/// its input, a layer's output and the next one's, and the logits.
pub const EVAL_VALUES: usize = 1 << 22;

/// Rows per model in one slice of an evaluation of `models` models of input `dim` and `width`
/// over sets of `n` rows: as many as [`EVAL_VALUES`] allows, at least 16, at most `n`.
pub fn eval_rows(models: usize, dim: usize, width: usize, n: usize) -> usize {
    rows_within(EVAL_VALUES, models, dim, width, n)
}

/// [`eval_rows`] for a budget of `budget` values.
fn rows_within(budget: usize, models: usize, dim: usize, width: usize, n: usize) -> usize {
    let values = dim
        .saturating_add(width.saturating_mul(2))
        .saturating_add(2 * crate::data::pool::CLASSES);
    (budget / models.max(1).saturating_mul(values))
        .max(16)
        .min(n.max(1))
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
