//! The native shell: drives experiment sessions to completion on Flex or wgpu, and writes
//! metrics.json, metrics.csv and chart.svg; plans, runs and collects sweeps of many runs
//! ([`sweep`]). The `overfit` binary is a thin clap front end.

pub mod bounded;
pub mod chart;
pub mod drive;
pub mod heap;
pub mod output;
pub mod summary;
pub mod sweep;

pub use drive::{DriveError, run_spec, run_spec_jobs, run_spec_on};

use overfit_core::experiments::{AnySpec, Experiment};
use overfit_core::spec::Preset;

/// Experiment `id`'s preset `preset` (quick when not given), and the preset.
pub fn preset_of(id: &str, preset: Option<&str>) -> Result<(AnySpec, Preset), String> {
    let experiment: Experiment = id.parse().map_err(|e| format!("{e}"))?;
    let preset: Preset = preset
        .unwrap_or("quick")
        .parse()
        .map_err(|e| format!("{e}"))?;
    Ok((experiment.preset(preset), preset))
}
