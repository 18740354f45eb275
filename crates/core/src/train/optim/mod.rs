//! Optimizer choice shared by experiments.

use serde::{Deserialize, Serialize};

#[cfg(feature = "engine")]
mod build;
#[cfg(feature = "engine")]
pub use build::build_optimizer;

/// Which optimizer a spec asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// Adam; weight decay, if any, is the coupled L2 form (added to the gradient).
    #[default]
    Adam,
    /// AdamW: decoupled weight decay.
    Adamw,
    /// Plain stochastic gradient descent.
    Sgd,
}

impl OptimizerKind {
    pub const NAMES: &'static [&'static str] = &["adam", "adamw", "sgd"];
}
