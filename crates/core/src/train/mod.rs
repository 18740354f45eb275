//! The step-function training interface every experiment implements, and the pieces shared by
//! experiments' training loops (optimizers, batch order, metric series).

pub mod grokfast;
mod optim;
mod order;
mod schedule;
mod series;

pub use optim::{OptimizerKind, build_optimizer};
pub use order::BatchOrder;
pub use schedule::{Schedule, Stepper, advance};
pub use series::Series;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::tensor::{Int, Tensor, TensorData, Transaction};

use crate::report::Report;

/// A metrics read-back the shell must execute: natively with `transaction.execute()`, in the
/// browser with `transaction.execute_async().await`, then hand the data to
/// [`Session::absorb`]. The engine itself never blocks on the device.
pub struct Probe {
    /// Optimizer steps completed when the probe was taken.
    pub step: usize,
    pub transaction: Transaction,
}

/// A run that cannot go on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    #[error("training diverged at step {step} ({what} = {value}): try a smaller learning rate")]
    Diverged {
        step: usize,
        what: String,
        value: f64,
    },
    #[error("metrics read-back did not match the probe: {0}")]
    Readback(String),
}

impl RunError {
    /// `Ok` while `value` (a loss) is finite, else the divergence error naming it.
    pub fn unless_finite(step: usize, what: &str, value: f64) -> Result<(), RunError> {
        if value.is_finite() {
            Ok(())
        } else {
            Err(RunError::Diverged {
                step,
                what: what.to_string(),
                value,
            })
        }
    }
}

/// A decision surface: class-1 probability on a square grid over the input plane.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Surface {
    /// Grid side (cells per row and column).
    pub size: usize,
    /// Row-major, first row at the top (largest y). Values in [0, 1].
    pub values: Vec<f32>,
    /// Half-width of the plotted square: the grid spans [-extent, extent]².
    pub extent: f32,
}

/// Small square images to show side by side: a model's first-layer weights, augmented samples.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Gallery {
    pub title: String,
    /// Pixels per image row and rows per image (an MNIST-1D signal is 40 × 1).
    pub width: usize,
    pub height: usize,
    /// Images per row.
    pub columns: usize,
    /// Row-major images of `width · height` values each.
    pub images: Vec<Vec<f32>>,
    /// Values centred on zero (weights: drawn with a diverging colour map, each image scaled
    /// to its own largest magnitude) rather than intensities in [0, 1].
    pub signed: bool,
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
