//! One line of a manifest, run: what `overfit run --manifest FILE --index I` does (and what
//! every array task and pod runs).

use std::fs;
use std::path::Path;

use overfit_core::cost::Budget;
use overfit_core::device::Backend;
use overfit_core::link;

use super::{Task, read_manifest_line, task_id};
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
/// Kubernetes indexed Job's `JOB_COMPLETION_INDEX`; `Ok(None)` when neither is set, and an
/// error when the one set is not an index.
pub fn index_from_env() -> Result<Option<usize>, String> {
    for name in ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"] {
        if let Some(value) = std::env::var_os(name) {
            let text = value.to_string_lossy();
            return text.trim().parse().map(Some).map_err(|_| {
                format!(
                    "{name} is \"{}\", not an array index",
                    super::printable(&overfit_core::spec::clip(&text))
                )
            });
        }
    }
    Ok(None)
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
    let (task, _) = read_manifest_line(manifest, index)?;
    let task = &task;
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    if finished(out, &task.id) {
        return Ok(TaskOutcome::Skipped);
    }

    let marker = failed_marker(out, &task.id);
    match train_into(task, out, backend, jobs, allow_large) {
        Ok(outcome) => {
            let _ = fs::remove_file(&marker);
            Ok(outcome)
        }
        // A run that failed here but landed from another process is finished.
        Err(_) if finished(out, &task.id) => Ok(TaskOutcome::Skipped),
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
    let slot = out.join(&task.id);
    if fs::symlink_metadata(&slot).is_ok() {
        // Found before training, not after: the result could not be put in place.
        return Err(format!(
            "{} is in the way: it is not a finished result (a result is a directory holding \
             metrics.json); remove it to run this line",
            super::printable(&slot.display().to_string())
        ));
    }
    let (spec, preset) = link::decode_strict(&task.link).map_err(|e| format!("its link: {e}"))?;
    if task_id(&spec) != task.id {
        return Err(format!(
            "line {} names id {} but its link is another spec (was the manifest edited?)",
            task.index, task.id
        ));
    }
    if !(allow_large || task.allow_large) {
        Budget::native(backend.target())
            .check(spec.cost(backend.target()))
            .map_err(|over| format!("{over}; pass --allow-large to run it anyway"))?;
    }
    let outcome = crate::run_spec_jobs(&spec, preset.name(), backend, jobs, |_, _| {})
        .map_err(|e| e.to_string())?;
    let target = out.join(&task.id);
    if finished(out, &task.id) {
        // Another process (a replacement pod, a resubmitted task) finished it meanwhile.
        return Ok(TaskOutcome::Skipped);
    }
    let texts = output::texts(&outcome.report)?;
    let line = serde_json::to_string_pretty(task).map_err(|e| e.to_string())?;
    let staging = Staging::create(out, &task.id)?;
    let mut files: Vec<(&str, &[u8])> = OUTPUTS
        .iter()
        .zip(&texts)
        .map(|(name, text)| (*name, text.as_bytes()))
        .collect();
    files.push((TASK_FILE, line.as_bytes()));
    OutDir::prepare(&staging.path, &OUTPUTS)?.write_set(&files)?;
    match fs::rename(&staging.path, &target) {
        Ok(()) => {
            staging.landed();
            Ok(TaskOutcome::Finished {
                seconds: outcome.seconds,
            })
        }
        // Another process landed the same run first: its result stays, this one goes.
        Err(_) if finished(out, &task.id) => Ok(TaskOutcome::Skipped),
        Err(e) => Err(format!(
            "cannot move the result to {}: {e}",
            target.display()
        )),
    }
}

/// Whether run `id`'s result is in place in `out`.
pub(super) fn finished(out: &Path, id: &str) -> bool {
    let dir = out.join(id);
    fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir())
        && fs::symlink_metadata(dir.join("metrics.json")).is_ok_and(|m| m.is_file())
}

/// A run's staging directory, made by this process alone (created exclusively, under a name
/// no other process, host or container uses: [`output::unique_tag`]) and removed, unless it
/// landed, by this process alone: two processes of one run (a replacement pod while the old one
/// is in its grace period, both process 1 of their containers) never touch each other's.
struct Staging {
    path: std::path::PathBuf,
    landed: bool,
}

impl Staging {
    fn create(out: &Path, id: &str) -> Result<Staging, String> {
        let mut last = None;
        for _ in 0..8 {
            let path = out.join(format!(".{id}.{}.partial", output::unique_tag()));
            match fs::create_dir(&path) {
                Ok(()) => {
                    return Ok(Staging {
                        path,
                        landed: false,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(format!("cannot create {}: {e}", path.display())),
            }
        }
        Err(format!(
            "cannot create a staging directory in {}: {}",
            out.display(),
            last.map_or_else(String::new, |e| e.to_string())
        ))
    }

    fn landed(mut self) {
        self.landed = true;
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.landed {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}
