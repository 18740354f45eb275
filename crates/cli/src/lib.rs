//! The native shell: drives experiment sessions to completion on Flex or wgpu, and writes
//! metrics.json, metrics.csv and chart.svg; plans, runs and collects sweeps of many runs
//! ([`sweep`]). The `overfit` binary is a thin clap front end.

pub mod bounded;
pub mod chart;
pub mod drive;
pub mod output;
pub mod summary;
pub mod sweep;

pub use drive::{DriveError, run_spec, run_spec_jobs, run_spec_on};
