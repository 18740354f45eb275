//! The burn optimizer a spec's choice builds (engine only).

use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, AdamWConfig, ModuleOptimizer, SgdConfig};

use super::OptimizerKind;

/// Builds the optimizer. `betas` apply to the Adam family.
pub fn build_optimizer(
    kind: OptimizerKind,
    weight_decay: f64,
    betas: (f64, f64),
) -> ModuleOptimizer {
    let decay = (weight_decay > 0.0).then(|| WeightDecayConfig::new(weight_decay as f32));
    match kind {
        OptimizerKind::Adam => AdamConfig::new()
            .with_beta_1(betas.0 as f32)
            .with_beta_2(betas.1 as f32)
            .with_epsilon(1e-8)
            .with_weight_decay(decay)
            .init(),
        OptimizerKind::Adamw => AdamWConfig::new()
            .with_beta_1(betas.0 as f32)
            .with_beta_2(betas.1 as f32)
            .with_epsilon(1e-8)
            .with_weight_decay(weight_decay as f32)
            .init(),
        OptimizerKind::Sgd => SgdConfig::new().with_weight_decay(decay).init(),
    }
}
