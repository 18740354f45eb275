//! Overfit Lab's experiment engine.
//!
//! One experiment spec, two runtimes: the browser app and the `overfit` CLI hand the same
//! [`experiments::AnySpec`] to `experiments::start` and drive the returned `train::Session` one
//! chunk of steps at a time. The engine never reads a tensor back synchronously: each
//! evaluation is a `train::Probe` whose transaction the shell executes (awaiting it in the
//! browser) and hands back to `train::Session::absorb`.
//!
//! The crate has two halves. Without the `engine` feature (on by default) it is burn-free:
//! specs, knobs, presets, share links ([`link`]), reports, panels, comparisons, the experiment registry's
//! metadata, the data types a run sends back ([`train::Surface`], [`train::Gallery`],
//! [`series::Series`]), the colour map and [`device::Backend`]; this is all the page's wasm
//! links, since training runs in a Web Worker and the page only renders. The `engine` feature
//! adds the training engine (burn models, sessions, trainers, the nalgebra closed-form
//! solves); every module or file that needs burn or nalgebra sits behind it, so the burn-free
//! files can later move to their own crate unchanged.
//!
//! ```
//! use overfit_core::{experiments::Experiment, spec::Preset};
//! let spec = Experiment::Toy2d.preset(Preset::Ci);
//! assert!(spec.validate().is_ok());
//! ```

pub mod cost;
pub mod data;
pub mod device;
pub mod experiments;
#[cfg(feature = "engine")]
pub mod linalg;
pub mod link;
pub mod models;
pub mod plot;
pub mod report;
pub mod rng;
pub mod series;
pub mod spec;
pub mod sweep;
pub mod terms;
pub mod train;
pub mod worker_protocol;

#[cfg(feature = "engine")]
pub use burn;
