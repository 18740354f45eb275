//! One line of a manifest, run: what `overfit run --manifest FILE --index I` does (and what
//! every array task and pod runs).

use std::fs;
use std::path::Path;

use overfit_core::cost::Budget;
use overfit_core::device::Backend;
use overfit_core::link;

use super::{Task, read_manifest, task_id};
use crate::output::{self, OUTPUTS, OutDir};

/// The file a finished run keeps its manifest line in (`collect` reads its grid values).
pub const TASK_FILE: &str = "task.json";

/// How a task ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TaskOutcome {
    /// Its result was already there: nothing ran.
    Skipped,
    Finished {
        seconds: f64,
    },
}

/// The array index a scheduler gave this process: Slurm's `SLURM_ARRAY_TASK_ID`, or a
/// Kubernetes indexed Job's `JOB_COMPLETION_INDEX`.
pub fn index_from_env() -> Option<usize> {
    ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.trim().parse().ok())
}

/// Where a failed task leaves its error.
pub fn failed_marker(out: &Path, id: &str) -> std::path::PathBuf {
    out.join(format!("{id}.failed"))
}

/// Runs line `index` of `manifest` into `out/<id>/`, unless that run is already finished.
/// The result appears whole (every file written into a staging directory, then renamed into
/// place) or not at all; a failure writes `out/<id>.failed` with the error, and a later
/// success removes it.
pub fn run_task(
    manifest: &Path,
    index: usize,
    out: &Path,
    backend: Backend,
    jobs: usize,
    allow_large: bool,
) -> Result<TaskOutcome, String> {
    let tasks = read_manifest(manifest)?;
    let task = tasks.get(index).ok_or_else(|| {
        format!(
            "index {index} is not in {} ({} runs: 0 to {})",
            manifest.display(),
            tasks.len(),
            tasks.len().saturating_sub(1)
        )
    })?;
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    if out.join(&task.id).join("metrics.json").is_file() {
        return Ok(TaskOutcome::Skipped);
    }
    let marker = failed_marker(out, &task.id);
    match train_into(task, out, backend, jobs, allow_large) {
        Ok(outcome) => {
            let _ = fs::remove_file(&marker);
            Ok(outcome)
        }
        Err(error) => {
            // Best effort: the error is also this process's exit message.
            let _ = OutDir::prepare(out, &[])
                .and_then(|dir| dir.write(&format!("{}.failed", task.id), error.as_bytes()));
            Err(error)
        }
    }
}

fn train_into(
    task: &Task,
    out: &Path,
    backend: Backend,
    jobs: usize,
    allow_large: bool,
) -> Result<TaskOutcome, String> {
    let (spec, preset) = link::decode_strict(&task.link).map_err(|e| format!("its link: {e}"))?;
    if task_id(&spec) != task.id {
        return Err(format!(
            "line {} names id {} but its link is another spec (was the manifest edited?)",
            task.index, task.id
        ));
    }
    if !allow_large {
        Budget::native(backend.target())
            .check(spec.cost(backend.target()))
            .map_err(|over| format!("{over}; pass --allow-large to run it anyway"))?;
    }
    let outcome = crate::run_spec_jobs(&spec, preset.name(), backend, jobs, |_, _| {})
        .map_err(|e| e.to_string())?;
    let texts = output::texts(&outcome.report)?;
    let line = serde_json::to_string_pretty(task).map_err(|e| e.to_string())?;
    let staging = out.join(format!(".{}.{}.partial", task.id, std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    let dir = OutDir::prepare(&staging, &OUTPUTS)?;
    let mut files: Vec<(&str, &[u8])> = OUTPUTS
        .iter()
        .zip(&texts)
        .map(|(name, text)| (*name, text.as_bytes()))
        .collect();
    files.push((TASK_FILE, line.as_bytes()));
    dir.write_set(&files)?;
    let target = out.join(&task.id);
    match fs::rename(&staging, &target) {
        Ok(()) => Ok(TaskOutcome::Finished {
            seconds: outcome.seconds,
        }),
        // Another process finished the same run meanwhile (a resubmitted task).
        Err(_) if target.join("metrics.json").is_file() => {
            let _ = fs::remove_dir_all(&staging);
            Ok(TaskOutcome::Skipped)
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            Err(format!(
                "cannot move the result to {}: {e}",
                target.display()
            ))
        }
    }
}
