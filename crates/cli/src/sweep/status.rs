//! Where a sweep stands (finished, failed with why, missing), and running what is left of it
//! on this machine.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;

use overfit_core::device::Backend;

use super::task::failed_marker;
use super::{manifest_of, ranges, read_manifest};

/// Each index of a sweep, by state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    pub total: usize,
    pub finished: Vec<usize>,
    /// Indices whose last attempt failed, with the last line of the error.
    pub failed: Vec<(usize, String)>,
    /// Never run, or stopped before finishing or failing (preempted, timed out, killed).
    pub missing: Vec<usize>,
}

impl Status {
    /// Indices still to run: failed and missing, in order.
    pub fn left(&self) -> Vec<usize> {
        let mut left: Vec<usize> = self.failed.iter().map(|(i, _)| *i).collect();
        left.extend(&self.missing);
        left.sort_unstable();
        left
    }

    /// The status as a person reads it.
    pub fn text(&self) -> String {
        let mut out = format!(
            "{} runs: {} finished, {} failed, {} missing\n",
            self.total,
            self.finished.len(),
            self.failed.len(),
            self.missing.len()
        );
        if !self.finished.is_empty() {
            out.push_str(&format!("finished: {}\n", ranges(&self.finished)));
        }
        for (index, why) in &self.failed {
            out.push_str(&format!("failed {index}: {why}\n"));
        }
        if !self.missing.is_empty() {
            out.push_str(&format!("missing: {}\n", ranges(&self.missing)));
        }
        out
    }
}

/// The state of every run planned in sweep directory `dir`.
pub fn status(dir: &Path) -> Result<Status, String> {
    let tasks = read_manifest(&manifest_of(dir))?;
    let mut out = Status {
        total: tasks.len(),
        ..Status::default()
    };
    for task in &tasks {
        if dir.join(&task.id).join("metrics.json").is_file() {
            out.finished.push(task.index);
        } else if let Ok(text) = std::fs::read_to_string(failed_marker(dir, &task.id)) {
            let last = text
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("(no message)");
            out.failed.push((task.index, last.trim().to_string()));
        } else {
            out.missing.push(task.index);
        }
    }
    Ok(out)
}

/// One run of [`run_local`] ended.
pub struct Progress {
    pub index: usize,
    pub ok: bool,
    /// Runs ended so far, of those this call runs.
    pub ended: usize,
    pub of: usize,
}

/// Runs every index of sweep `dir` that is not finished, `jobs` at a time, each as its own
/// process of `program` (this binary: exactly what an array task runs), and reports each end.
pub fn run_local(
    program: &Path,
    dir: &Path,
    jobs: usize,
    backend: Backend,
    allow_large: bool,
    on_end: impl Fn(Progress) + Sync,
) -> Result<Status, String> {
    let left = status(dir)?.left();
    let of = left.len();
    let queue = Mutex::new(left.into_iter());
    let ended = Mutex::new(0usize);
    let manifest = manifest_of(dir);
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1).min(of.max(1)) {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().map(|mut q| q.next()).unwrap_or(None);
                    let Some(index) = next else { break };
                    let mut command = Command::new(program);
                    command
                        .arg("run")
                        .arg("--manifest")
                        .arg(&manifest)
                        .arg("--index")
                        .arg(index.to_string())
                        .arg("--out")
                        .arg(dir)
                        .args(["--jobs", "1", "--backend", backend.name()])
                        .stdin(Stdio::null())
                        .stdout(Stdio::null())
                        .stderr(Stdio::null());
                    if allow_large {
                        command.arg("--allow-large");
                    }
                    let ok = command.status().is_ok_and(|s| s.success());
                    let count = ended.lock().map(|mut n| {
                        *n += 1;
                        *n
                    });
                    on_end(Progress {
                        index,
                        ok,
                        ended: count.unwrap_or(0),
                        of,
                    });
                }
            });
        }
    });
    status(dir)
}
