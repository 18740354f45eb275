//! The settings each mode reads, a struct per group (the spec holds them side by side, so a
//! link or a page that switches mode keeps the preset's settings of every mode; a mode's code
//! reads only the groups it uses, see [`super::Mode::groups`]).

use serde::{Deserialize, Serialize};

use super::Source;
use crate::models::random_features::FeatureKind;

crate::fields! {
    /// The swept sizes of the closed-form modes (`features`, `samples`): a log grid from
    /// `ratio_min` to `ratio_max` times the threshold, and the ridge run beside the minimum-norm one.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct Grid {
        /// Ridge λ of the regularised run, relative to the sample count.
        pub ridge: f64,
        pub ratio_min: f64,
        pub ratio_max: f64,
        /// Sizes on the grid (the threshold is always one of them).
        pub points: usize,
    }
}

crate::fields! {
    /// `features`: random-features regression on MNIST-1D or the reader's file.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct RandomFeatures {
        pub features: FeatureKind,
        pub dataset: Source,
        pub n_train: usize,
        pub n_test: usize,
        /// Independent feature draws averaged at each size.
        pub draws: usize,
    }
}

crate::fields! {
    /// `samples`: minimum-norm linear regression in `dim` dimensions.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct Samples {
        pub dim: usize,
        /// Standard deviation of the target noise.
        pub noise: f64,
        /// Fresh data sets averaged at each sample count.
        pub trials: usize,
    }
}

crate::fields! {
    /// The trained modes (`width`, `epochs`): MLPs 40-h-h-10 on MNIST-1D trained by SGD.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct Trained {
        pub mlp_train: usize,
        pub mlp_test: usize,
        pub epochs: usize,
        pub lr: f64,
        pub momentum: f64,
        pub batch: usize,
        /// Epochs between evaluations (log-spaced, at most this far apart).
        pub eval_every: usize,
    }
}

crate::fields! {
    /// `width`: the widths trained side by side.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct WidthRange {
        pub width_min: usize,
        pub width_max: usize,
        /// Widths on the geometric grid (the published ones in range are added).
        pub widths: usize,
    }
}

crate::fields! {
    /// `two-scale`: gradient descent on a linear model whose features have two scales.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct TwoScale {
        pub gd_train: usize,
        pub fast_dims: usize,
        pub slow_dims: usize,
        pub slow_scale: f64,
        /// Share of the signal the slow features carry.
        pub slow_share: f64,
        pub target_noise: f64,
        pub gd_steps: usize,
        pub gd_lr: f64,
    }
}
