//! A plain multilayer perceptron classifier.

use serde::{Deserialize, Serialize};

#[cfg(feature = "engine")]
mod network;
#[cfg(feature = "engine")]
pub use network::{Mlp, MlpConfig};

/// Hidden-layer non-linearity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    #[default]
    Relu,
    Tanh,
}

impl Activation {
    pub const NAMES: &'static [&'static str] = &["relu", "tanh"];
}
