//! Times a spec on the CPU and on the worker's GPU, one after the other, so the page trains on
//! the faster (`ToWorker::Measure`). Each device builds the spec's session afresh and has its
//! time: it warms up (its first evaluation and two steps: kernels compiled, buffers allocated),
//! then takes steps for [`WINDOW_MS`], evaluations included; a read-back of a fresh value after
//! each phase makes the GPU's queued work count where it is done. A device still warming up
//! when its time is over is timed over all of it, compilation included, and one that took no
//! step is below one step in that time. Nothing is kept: the run that follows starts anew.
//!
//! The CPU has [`CPU_MS`]. A hardware GPU has as long as the CPU would take for the whole run,
//! within [`GPU_MIN_MS`] and [`GPU_MAX_MS`]: a driver may need seconds to compile a model's
//! kernels, and a GPU that is not warm when the CPU would have finished has lost. A software
//! adapter (it computes on the CPU, and compiles slowly) has [`GPU_MIN_MS`].

use burn::tensor::{Device, Tensor};
use overfit_core::data::table::Table;
use overfit_core::experiments::{self, AnySpec};
use overfit_core::train::Session;
use overfit_core::worker_protocol::Speeds;

use crate::clock::{now_ms, within};
use crate::device::Compute;

/// Steps of the warm-up, after the first evaluation.
const WARM_STEPS: usize = 2;
/// The timed window after the warm-up; it takes one step at least.
const WINDOW_MS: f64 = 400.0;
/// The CPU's time, warm-up and window together: a read-back still awaited then is left.
const CPU_MS: f64 = 2500.0;
/// The least and the most time a GPU has.
const GPU_MIN_MS: f64 = 1500.0;
const GPU_MAX_MS: f64 = 6000.0;

/// Steps per second of `spec` on the CPU (the runs at `cpu_runs`) and on `compute`'s GPU
/// (`gpu_runs`). A device where the spec cannot train (no GPU opened, its session refused, a
/// lost device, a diverged step) measures 0 steps/s, and so loses.
pub async fn speeds(
    spec: &AnySpec,
    compute: &Compute,
    gpu_runs: Option<&[usize]>,
    cpu_runs: Option<&[usize]>,
    data: Option<&Table>,
) -> Speeds {
    let cpu = speed(spec, &Device::flex(), cpu_runs, data, CPU_MS).await;
    let gpu_ms = match &cpu {
        _ if compute.info.software => GPU_MIN_MS,
        Ok((rate, false)) if *rate > 0.0 => {
            (spec.total_steps() as f64 * 1000.0 / rate).clamp(GPU_MIN_MS, GPU_MAX_MS)
        }
        _ => GPU_MAX_MS,
    };
    let gpu = if compute.info.gpu {
        speed(spec, &compute.device, gpu_runs, data, gpu_ms).await
    } else {
        Err("this worker opened no GPU".into())
    };
    let (gpu, gpu_below) = gpu.unwrap_or((0.0, false));
    let (cpu, cpu_below) = cpu.unwrap_or((0.0, false));
    Speeds {
        gpu,
        cpu,
        gpu_below,
        cpu_below,
    }
}

/// Steps per second on `device`, and whether that is only a bound: no step was taken in its
/// time, so its speed is below one step in that time.
async fn speed(
    spec: &AnySpec,
    device: &Device,
    runs: Option<&[usize]>,
    data: Option<&Table>,
    budget_ms: f64,
) -> Result<(f64, bool), String> {
    let mut session =
        experiments::start_runs(spec, device, runs, 1, data).map_err(|e| e.to_string())?;
    let started = now_ms();
    let left = || budget_ms - (now_ms() - started);
    let over = || left() <= 0.0;
    while !session.is_finished() && session.steps_done() < WARM_STEPS && !over() {
        if within(left(), step(session.as_mut()))
            .await
            .transpose()?
            .is_none()
        {
            break;
        }
    }
    if !over() {
        within(left(), settle(device)).await.transpose()?;
    }
    let warm = !over() && (session.is_finished() || session.steps_done() >= WARM_STEPS);
    if !warm || session.is_finished() {
        // Out of time while warming up, or the whole spec ended in its warm-up: timed over
        // everything it did.
        let steps = session.steps_done();
        let per_second = |n: usize| n as f64 * 1000.0 / (now_ms() - started).max(1.0);
        return Ok(if steps == 0 {
            (per_second(1), true)
        } else {
            (per_second(steps), false)
        });
    }
    let (from_ms, from_step) = (now_ms(), session.steps_done());
    while !session.is_finished()
        && (session.steps_done() == from_step || (now_ms() - from_ms < WINDOW_MS && !over()))
    {
        step(session.as_mut()).await?;
    }
    settle(device).await?;
    let steps = session.steps_done() - from_step;
    Ok((steps as f64 * 1000.0 / (now_ms() - from_ms).max(1.0), false))
}

/// One step, and the evaluation when one is due.
async fn step(session: &mut dyn Session) -> Result<(), String> {
    if let Some(probe) = session.advance(1).map_err(|e| e.to_string())? {
        let data = probe
            .transaction
            .execute_async()
            .await
            .map_err(|e| format!("{e:?}"))?;
        session.absorb(data).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Waits for the work queued on `device` so far: a value made after it is read back only
/// once the queue before it has run.
async fn settle(device: &Device) -> Result<(), String> {
    Tensor::<1>::from_floats([0.0], device)
        .add_scalar(1.0)
        .into_data_async()
        .await
        .map(|_| ())
        .map_err(|e| format!("{e:?}"))
}
