//! Seeded data generators. Pure functions of their parameters and a seed: no downloads.

pub mod mnist1d;
pub mod modular;
pub mod toy2d;
pub mod xor_clusters;
