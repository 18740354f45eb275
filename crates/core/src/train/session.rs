//! A run as the shells drive it (engine only): the [`Session`] interface every experiment
//! implements (directly or as a [`Stepper`]), its probes, and the trainers' helpers.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::tensor::{Int, Tensor, TensorData, Transaction, activation};

use super::{Gallery, RunError, Stepper, Surface, advance};
use crate::report::Report;

/// A metrics read-back the shell must execute: natively with `transaction.execute()`, in the
/// browser with `transaction.execute_async().await`, then hand the data to
/// [`Session::absorb`]. The engine itself never blocks on the device.
pub struct Probe {
    /// Optimizer steps completed when the probe was taken.
    pub step: usize,
    pub transaction: Transaction,
}

/// A training run in progress, driven one chunk at a time by a shell.
pub trait Session {
    /// Optimizer steps this run will take in total.
    fn total_steps(&self) -> usize;
    /// Optimizer steps taken so far.
    fn steps_done(&self) -> usize;
    /// Whether every step has been taken and every probe absorbed.
    fn is_finished(&self) -> bool;
    /// Takes up to `max_steps` optimizer steps. Returns a probe when an evaluation is due (the
    /// first call evaluates the initial model); the shell must absorb it before advancing again.
    fn advance(&mut self, max_steps: usize) -> Result<Option<Probe>, RunError>;
    /// Takes the data of the last probe, in registration order.
    fn absorb(&mut self, data: Vec<TensorData>) -> Result<(), RunError>;
    /// Everything recorded so far, in the metrics.json shape.
    fn report(&self) -> Report;
    /// The latest decision surface, for experiments on 2-D inputs.
    fn surface(&self) -> Option<Surface> {
        None
    }
    /// Training points to draw over the surface: `(x, y, label, flipped)`.
    fn points(&self) -> Vec<(f32, f32, u8, bool)> {
        Vec::new()
    }
    /// Image galleries to show beside the charts.
    fn galleries(&self) -> Vec<Gallery> {
        Vec::new()
    }
}

impl<T: Stepper> Session for T {
    fn total_steps(&self) -> usize {
        self.schedule().total()
    }

    fn steps_done(&self) -> usize {
        self.schedule().step()
    }

    fn is_finished(&self) -> bool {
        self.schedule().is_finished()
    }

    fn advance(&mut self, max_steps: usize) -> Result<Option<Probe>, RunError> {
        advance(self, max_steps)
    }

    fn absorb(&mut self, data: Vec<TensorData>) -> Result<(), RunError> {
        let step = self.schedule_mut().take_pending()?;
        self.record(step, data)
    }

    fn report(&self) -> Report {
        Stepper::report(self)
    }

    fn surface(&self) -> Option<Surface> {
        Stepper::surface(self)
    }

    fn points(&self) -> Vec<(f32, f32, u8, bool)> {
        Stepper::points(self)
    }

    fn galleries(&self) -> Vec<Gallery> {
        Stepper::galleries(self)
    }
}

/// Mean cross-entropy and the number of correct arg-max predictions, both `[1]` and detached
/// from any autodiff graph: what an evaluation probe registers.
///
/// # Shapes
/// - logits: `[n, classes]`, targets: `[n]`
pub fn loss_and_correct(logits: Tensor<2>, targets: Tensor<1, Int>) -> (Tensor<1>, Tensor<1>) {
    let logits = logits.detach();
    let n = targets.dims()[0];
    let loss = CrossEntropyLossConfig::new()
        .init(&logits.device())
        .forward(logits.clone(), targets.clone());
    let correct = logits
        .argmax(1)
        .reshape([n])
        .equal(targets)
        .int()
        .sum()
        .float();
    (loss, correct)
}

/// Per model, the weighted sums of its cross-entropy and of its correct arg-max predictions
/// over its rows, both `[models]` and detached: with weights 1/n, the mean loss and the
/// accuracy; with 0/1 weights, the summed loss and the count of correct rows they select.
///
/// # Shapes
/// - logits: `[models, n, classes]`, targets: `[models, n, 1]`, weights: `[models, n]`
pub fn weighted_loss_and_correct(
    logits: Tensor<3>,
    targets: Tensor<3, Int>,
    weights: Tensor<2>,
) -> (Tensor<1>, Tensor<1>) {
    let logits = logits.detach();
    let [m, n, _] = logits.dims();
    let nll = activation::log_softmax(logits.clone(), 2)
        .gather(2, targets.clone())
        .neg()
        .reshape([m, n]);
    let correct = logits
        .argmax(2)
        .equal(targets)
        .int()
        .float()
        .reshape([m, n]);
    (
        (nll * weights.clone()).sum_dim(1).reshape([m]),
        (correct * weights).sum_dim(1).reshape([m]),
    )
}

/// Drives a session natively to its end (tests only: the read-backs block, which the browser
/// must never do).
#[cfg(test)]
pub(crate) fn run_to_end(session: &mut dyn Session) -> Result<(), RunError> {
    while !session.is_finished() {
        if let Some(probe) = session.advance(16)? {
            session.absorb(probe.transaction.execute())?;
        }
    }
    Ok(())
}

/// Reads one scalar from read-back data (any element type), for `absorb` implementations.
pub fn scalar(data: &TensorData) -> f64 {
    data.iter::<f64>().next().unwrap_or(f64::NAN)
}
