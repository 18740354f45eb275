//! What a stack of same-shaped MLPs costs (see [`crate::cost`]): the dropout and augmentation
//! pages train their models this way.

use crate::cost::{F32, Tally};
use crate::data::pool::Dataset;
use crate::train::ensemble::eval_rows;

/// Classes of both data sets.
const CLASSES: f64 = 10.0;

/// One group of `models` MLPs of `width` and `depth` trained together.
pub(crate) struct Stack {
    pub models: f64,
    pub d_in: f64,
    pub width: f64,
    pub depth: f64,
}

impl Stack {
    /// Parameters of one model.
    fn params(&self) -> f64 {
        let w = self.width;
        self.d_in * w + w + (self.depth - 1.0) * (w * w + w) + CLASSES * w + CLASSES
    }

    /// Multiply-adds of one model on one example.
    fn macs(&self) -> f64 {
        let w = self.width;
        self.d_in * w + (self.depth - 1.0) * w * w + CLASSES * w
    }

    /// Bytes of activations one model keeps per example in a training step (inputs, each
    /// layer before and after its activation and its dropout mask, the logits) and in an
    /// evaluation's forward (off autodiff, nothing is kept for a backward: its input, a
    /// layer's output and the next one's, the logits).
    fn activations(&self, training: bool) -> f64 {
        if training {
            (2.0 * self.d_in + 3.0 * self.depth * self.width + 2.0 * CLASSES) * F32
        } else {
            (self.d_in + 2.0 * self.width + 2.0 * CLASSES) * F32
        }
    }

    /// Rows per model in one slice of an evaluation over `rows` examples.
    fn slice(&self, rows: f64) -> f64 {
        let count = |v: f64| v.clamp(0.0, 1e12) as usize;
        eval_rows(
            count(self.models),
            count(self.d_in),
            count(self.width),
            count(rows),
        ) as f64
    }

    /// Adds the stack's parameters with their gradients and Adam's two moments, and the work
    /// of `steps` steps on `batch` examples and `evals` evaluations of `eval_examples` per
    /// model. Returns the bytes its training step and an evaluation's largest forward (over
    /// a set of `forward_rows` examples per model) hold: an evaluation runs off autodiff, one
    /// slice of [`eval_rows`] rows at a time, each freed but for its sums, so the caller takes
    /// the largest slice of the stacks that evaluate together.
    pub fn add(
        &self,
        tally: &mut Tally,
        batch: f64,
        steps: f64,
        evals: f64,
        (eval_examples, forward_rows): (f64, f64),
    ) -> (f64, f64) {
        tally.hold(4.0 * self.models * self.params(), F32);
        tally.work(steps * 3.0 * self.models * batch * self.macs());
        tally.work(evals * self.models * eval_examples * self.macs());
        // Every model's measures (accuracies and losses) at every evaluation, kept to report
        // their means and spreads.
        tally.track(evals * self.models * 6.0);
        (
            self.models * batch * self.activations(true),
            self.models * self.slice(forward_rows) * self.activations(false),
        )
    }
}

/// The data set's pool: every example as f32 inputs and a label, on the host and the device.
pub(crate) fn pool(tally: &mut Tally, dataset: Dataset) {
    let count = (dataset.max_train() + dataset.test()) as f64;
    tally.hold(2.0 * count * (dataset.dim() as f64 + 1.0), F32);
}
