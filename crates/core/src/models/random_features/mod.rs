//! Random-features regression: a fixed random first layer (ReLU or Fourier features) and a
//! linear read-out fitted in closed form. Feature `j` is the same function whatever the feature
//! count, so a sweep over N reuses the first N features of one draw (the curves are nested).

use serde::{Deserialize, Serialize};

#[cfg(feature = "engine")]
mod map;
#[cfg(feature = "engine")]
pub use map::RandomFeatures;

/// The random first layer's non-linearity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureKind {
    /// `max(0, v·x + b)`, v ~ N(0, I/d), b ~ N(0, 1/4). (With b ~ N(0, 1) a few features are
    /// active on only a handful of training samples; their least-squares weights are huge and
    /// blow up the test error of small models on the inputs that do activate them.)
    Relu,
    /// `√2·cos(v·x + b)`, v ~ N(0, I/d), b ~ U[0, 2π): random Fourier features of a Gaussian
    /// kernel whose width is the input dimension.
    Fourier,
}

impl FeatureKind {
    pub const NAMES: &'static [&'static str] = &["relu", "fourier"];
}
