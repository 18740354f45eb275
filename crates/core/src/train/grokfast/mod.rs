//! Grokfast gradient filters (Lee et al. 2024, "Grokfast: Accelerated Grokking by Amplifying
//! Slow Gradients"): after backward and before the optimizer step, each parameter's gradient
//! gets its slow component added back, amplified by `lambda`. The filters themselves are
//! applied by [`crate::train::StackUpdate`], member by member for stacked runs.

use serde::{Deserialize, Serialize};

/// Which filter to apply.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Filter {
    /// `ema = alpha * ema + (1 - alpha) * g` (starting at the first gradient, no bias
    /// correction), then `g += lambda * ema`.
    Ema { alpha: f64, lambda: f64 },
    /// `g += lambda * mean(last window gradients)`, applied only once the window is full.
    Ma { window: usize, lambda: f64 },
}
