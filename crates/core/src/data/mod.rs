//! Seeded data generators. Pure functions of their parameters and a seed: no downloads.

pub mod modular;
pub mod toy2d;
