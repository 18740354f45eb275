//! burn modules. Weights are drawn on the host from a seeded stream so that a spec gives the
//! same initial model on every backend.
//!
//! Every model needs the `engine` feature; the choices specs name ([`mlp::Activation`],
//! [`random_features::FeatureKind`]) do not.

pub mod bank_plan;
#[cfg(feature = "engine")]
pub mod embed_mlp;
#[cfg(feature = "engine")]
pub mod init;
pub mod mlp;
#[cfg(feature = "engine")]
pub mod mlp_bank;
#[cfg(feature = "engine")]
pub mod mlp_stack;
pub mod random_features;
#[cfg(feature = "engine")]
pub mod square_mlp;
#[cfg(feature = "engine")]
pub mod subspace;
#[cfg(feature = "engine")]
pub mod transformer;
