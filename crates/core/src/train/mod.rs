//! The step-function training interface every experiment implements, and the pieces shared by
//! experiments' training loops (optimizers, batch order, metric series).
//!
//! Burn-free: what a run sends back ([`Surface`], [`Gallery`], [`Series`], [`RunError`]) and
//! the choices specs name ([`OptimizerKind`], [`grokfast::Filter`]). With the `engine`
//! feature: the `Session` interface, its `Probe`s, the `Stepper` scaffolding and the
//! trainers' helpers.

pub mod ensemble;
pub mod grokfast;
#[cfg(feature = "engine")]
mod loss;
mod optim;
#[cfg(feature = "engine")]
mod order;
#[cfg(feature = "engine")]
mod schedule;
#[cfg(feature = "engine")]
mod session;
#[cfg(feature = "engine")]
mod threads;
#[cfg(feature = "engine")]
mod update;

pub use crate::series::Series;
#[cfg(feature = "engine")]
pub use loss::{member_correct, member_cross_entropy, shared_targets};
pub use optim::OptimizerKind;
#[cfg(feature = "engine")]
pub use optim::build_optimizer;
#[cfg(feature = "engine")]
pub use order::BatchOrder;
#[cfg(feature = "engine")]
pub use schedule::{Schedule, Stepper, advance};
#[cfg(all(test, feature = "engine"))]
pub(crate) use session::run_to_end;
#[cfg(feature = "engine")]
pub use session::{Probe, Session, loss_and_correct, scalar, weighted_loss_and_correct};
#[cfg(feature = "engine")]
pub use threads::{join, map_on_threads};
#[cfg(feature = "engine")]
pub use update::{Member, StackUpdate, member_norms_squared, scale_members};

use serde::{Deserialize, Serialize};

/// What one evaluation measured for one model (a member of a stack, or a model alone).
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
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Surface {
    /// Grid side (cells per row and column).
    pub size: usize,
    /// Row-major, first row at the top (largest y). Values in [0, 1].
    pub values: Vec<f32>,
    /// Half-width of the plotted square: the grid spans [-extent, extent]².
    pub extent: f32,
}

/// Small square images to show side by side: a model's first-layer weights, augmented samples.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
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
    /// Labelled axes for a single image that is a chart (a spectrogram): what its columns
    /// and rows are, with a few labelled columns and rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub axes: Option<GalleryAxes>,
}

/// The axes of a gallery that is a chart.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GalleryAxes {
    /// What the columns are, left to right ("frequency").
    pub x: String,
    /// What the rows are, top to bottom ("training step").
    pub y: String,
    /// `(column, label)`: the columns to label.
    pub x_ticks: Vec<(usize, String)>,
    /// `(row, label)`: the rows to label.
    pub y_ticks: Vec<(usize, String)>,
}
