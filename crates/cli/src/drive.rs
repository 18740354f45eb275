//! Running a spec to the end natively.

use std::time::Instant;

use overfit_core::device::{Backend, DeviceError, open_native};
use overfit_core::experiments;
use overfit_core::report::Report;
use overfit_core::spec::{AnySpec, SpecError};
use overfit_core::train::RunError;

/// Why a native run stopped early.
#[derive(Debug, thiserror::Error)]
pub enum DriveError {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("metrics read-back failed: {0}")]
    Execution(String),
}

/// What a finished run produced.
pub struct Outcome {
    pub report: Report,
    /// Optimizer steps per second of wall time, evaluations included.
    pub steps_per_second: f64,
    pub seconds: f64,
}

/// Runs `spec` on `backend` to the end, calling `progress(steps_done, total)` after every chunk.
pub fn run_spec(
    spec: &AnySpec,
    preset: &str,
    backend: Backend,
    mut progress: impl FnMut(usize, usize),
) -> Result<Outcome, DriveError> {
    let device = open_native(backend)?;
    let mut session = experiments::start(spec, &device)?;
    let total = session.total_steps();
    let started = Instant::now();
    while !session.is_finished() {
        if let Some(probe) = session.advance(64)? {
            let data = probe
                .transaction
                .try_execute()
                .map_err(|e| DriveError::Execution(format!("{e:?}")))?;
            session.absorb(data)?;
        }
        progress(session.steps_done(), total);
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut report = session.report();
    report.preset = preset.to_string();
    report.backend = backend.name().to_string();
    Ok(Outcome {
        steps_per_second: total as f64 / seconds.max(1e-9),
        seconds,
        report,
    })
}
