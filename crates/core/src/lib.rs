//! Overfit Lab's experiment engine.
//!
//! One experiment spec, two runtimes: the browser app and the `overfit` CLI hand the same
//! [`spec::AnySpec`] to [`experiments::start`] and drive the returned [`train::Session`] one
//! chunk of steps at a time. The engine never reads a tensor back synchronously: each
//! evaluation is a [`train::Probe`] whose transaction the shell executes (awaiting it in the
//! browser) and hands back to [`train::Session::absorb`].
//!
//! ```
//! use overfit_core::{experiments::Experiment, spec::Preset};
//! let spec = Experiment::Toy2d.preset(Preset::Ci);
//! assert!(spec.validate().is_ok());
//! ```

pub mod data;
pub mod device;
pub mod experiments;
pub mod linalg;
pub mod models;
pub mod plot;
pub mod report;
pub mod rng;
pub mod spec;
pub mod train;

pub use burn;
