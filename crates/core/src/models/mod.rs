//! burn modules. Weights are drawn on the host from a seeded stream so that a spec gives the
//! same initial model on every backend.

pub mod embed_mlp;
pub mod init;
pub mod mlp;
pub mod mlp_bank;
pub mod mlp_stack;
pub mod random_features;
pub mod transformer;
