//! Each mode's own settings (the spec holds them side by side, so a link or a page that
//! switches mode keeps the preset's settings of every mode; a mode's run reads only its own).

use serde::{Deserialize, Serialize};

use crate::data::toy2d::Shape;

crate::fields! {
    /// `xor`: a two-layer ReLU network on XOR clusters with flipped labels, trained by gradient
    /// descent.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct Xor {
        /// Training points.
        pub xor_n: usize,
        /// Input dimension d.
        pub xor_dim: usize,
        /// Length of the cluster means ±μ₁, ±μ₂.
        pub signal: f64,
        /// Hidden neurons.
        pub neurons: usize,
        /// Standard deviation of the initial weights.
        pub init_scale: f64,
        /// Gradient-descent step size.
        pub lr: f64,
        /// Gradient-descent steps.
        pub steps: usize,
        /// Test points.
        pub xor_test: usize,
    }
}

crate::fields! {
    /// `linear`: the minimum-norm interpolator for a spiked covariance beside an isotropic one.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct Linear {
        /// Samples n.
        pub n_train: usize,
        /// Strong directions of the spiked covariance (variance 1).
        pub strong: usize,
        /// Weak directions of its tail.
        pub tail: usize,
        /// Variance of each weak direction.
        pub tail_var: f64,
        /// Dimension p of the isotropic case.
        pub iso_dim: usize,
        /// Standard deviation of the label noise.
        pub noise: f64,
        /// Independent draws averaged.
        pub trials: usize,
    }
}

crate::fields! {
    /// `plane`: a wide MLP interpolating flipped labels in the plane.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct Plane {
        pub shape: Shape,
        pub plane_points: usize,
        pub plane_width: usize,
        pub plane_lr: f64,
        pub plane_steps: usize,
    }
}
