//! Running a spec to the end natively.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use burn::tensor::Device;

use overfit_core::cost::Target;
use overfit_core::data::table::Table;
use overfit_core::device::{Backend, DeviceError, open_native};
use overfit_core::experiments;
use overfit_core::experiments::AnySpec;
use overfit_core::report::Report;
use overfit_core::spec::{SpecError, share_runs};
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
    /// Sessions that trained side by side, and the threads each had.
    pub trainers: usize,
    pub threads_each: usize,
}

/// Runs `spec` on `backend` to the end, calling `progress(steps_done, total)` after every chunk.
pub fn run_spec(
    spec: &AnySpec,
    preset: &str,
    backend: Backend,
    progress: impl FnMut(usize, usize),
) -> Result<Outcome, DriveError> {
    run_spec_jobs(spec, preset, backend, 1, progress)
}

/// [`run_spec`] on up to `jobs` threads (see [`plan`]): the spec's independent runs (see
/// `AnySpec::independent_runs`) shared out to sessions side by side, and a session's step given
/// the threads it can use; the merged report equals the serial one. `progress` gets the
/// slowest share's steps.
pub fn run_spec_jobs(
    spec: &AnySpec,
    preset: &str,
    backend: Backend,
    jobs: usize,
    progress: impl FnMut(usize, usize),
) -> Result<Outcome, DriveError> {
    run_spec_on(spec, preset, backend, jobs, None, progress)
}

/// [`run_spec_jobs`] on the reader's own data `local` (for `dataset=local`; see
/// `overfit_core::experiments::use_own_data`).
pub fn run_spec_on(
    spec: &AnySpec,
    preset: &str,
    backend: Backend,
    jobs: usize,
    local: Option<&Table>,
    mut progress: impl FnMut(usize, usize),
) -> Result<Outcome, DriveError> {
    crate::heap::keep_freed_memory();
    let device = open_native(backend)?;
    let (shares, threads) = plan(spec, backend, jobs);
    let shares_count = shares.len();
    let total = spec.total_steps();
    let started = Instant::now();
    let mut report = if let [_] = shares.as_slice() {
        train(spec, &device, None, threads, local, |done| {
            progress(done, total)
        })?
    } else {
        let done: Vec<AtomicUsize> = shares.iter().map(|_| AtomicUsize::new(0)).collect();
        let parts = std::thread::scope(|scope| {
            let handles: Vec<_> = shares
                .iter()
                .zip(&done)
                .map(|(runs, done)| {
                    let device = device.clone();
                    scope.spawn(move || {
                        train(spec, &device, Some(runs), threads, local, |n| {
                            done.store(n, Ordering::Relaxed)
                        })
                    })
                })
                .collect();
            while handles.iter().any(|h| !h.is_finished()) {
                let slowest = done.iter().map(|d| d.load(Ordering::Relaxed)).min();
                progress(slowest.unwrap_or(0), total);
                std::thread::sleep(Duration::from_millis(50));
            }
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect::<Result<Vec<_>, _>>()
        })?;
        progress(total, total);
        Report::merge(shares.into_iter().zip(parts).collect())
            .ok_or_else(|| DriveError::Execution("the runs trained apart did not merge".into()))?
    };
    // What the runs say together (e.g. steps to generalise by training fraction).
    spec.experiment().add_joint_runs(&mut report);
    let seconds = started.elapsed().as_secs_f64();
    report.preset = preset.to_string();
    report.backend = backend.name().to_string();
    Ok(Outcome {
        steps_per_second: total as f64 / seconds.max(1e-9),
        seconds,
        trainers: shares_count,
        threads_each: threads,
        report,
    })
}

/// How `jobs` threads train `spec` on `backend`: the shares of its independent runs that
/// train side by side (a session each), and the threads each session's step may use. On the
/// CPU a run's step gets the threads it can use first (the grokking transformer's two batch
/// halves train one run in about 0.55 of the time), then runs go side by side on the threads
/// left. On a GPU one session trains every run, stacked into one network where the experiment
/// stacks them: the device is shared anyway, and one large kernel costs less than several small
/// ones.
fn plan(spec: &AnySpec, backend: Backend, jobs: usize) -> (Vec<Vec<usize>>, usize) {
    let runs = spec.independent_runs();
    let target = backend.target();
    if target == Target::Gpu {
        return (share_runs(runs, 1), 1);
    }
    let per_run = spec.step_threads(target).clamp(1, jobs.max(1));
    let shares = share_runs(runs, jobs / per_run);
    let threads = (jobs / shares.len().max(1)).clamp(1, per_run);
    (shares, threads)
}

/// Trains `runs` of `spec` (all when `None`) to the end on this thread and up to `threads - 1`
/// helpers.
fn train(
    spec: &AnySpec,
    device: &Device,
    runs: Option<&[usize]>,
    threads: usize,
    local: Option<&Table>,
    mut progress: impl FnMut(usize),
) -> Result<Report, DriveError> {
    let mut session = experiments::start_runs(spec, device, runs, threads, local)?;
    while !session.is_finished() {
        if let Some(probe) = session.advance(64)? {
            let data = probe
                .transaction
                .try_execute()
                .map_err(|e| DriveError::Execution(format!("{e:?}")))?;
            session.absorb(data)?;
        }
        progress(session.steps_done());
    }
    Ok(session.report())
}
