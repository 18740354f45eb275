//! Where a sweep stands (finished, failed with why, missing), and running what is left of it
//! on this machine.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;

use overfit_core::device::Backend;

use super::safe::{printable, read_inside};
use super::task::{failed_marker, finished};
use super::{Task, manifest_of, ranges, read_sweep};

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

/// The most of a failed run's marker that is read: its error is one line or a few.
const MARKER_BYTES: u64 = 64 << 10;

/// The state of every run planned in sweep directory `dir`.
pub fn status(dir: &Path) -> Result<Status, String> {
    Ok(status_of(dir, &read_sweep(dir)?))
}

/// The state of each of `tasks` (the manifest of `dir`, read once by the caller: a manifest
/// changed meanwhile cannot disagree with it).
pub fn status_of(dir: &Path, tasks: &[Task]) -> Status {
    let mut out = Status {
        total: tasks.len(),
        ..Status::default()
    };
    for task in tasks {
        let marker = failed_marker(dir, &task.id);
        if finished(dir, &task.id) {
            out.finished.push(task.index);
        } else if std::fs::symlink_metadata(&marker).is_ok() {
            let why = match read_inside(&marker, MARKER_BYTES) {
                Ok(bytes) => {
                    let text = String::from_utf8_lossy(&bytes);
                    let last = text
                        .lines()
                        .rev()
                        .find(|l| !l.trim().is_empty())
                        .unwrap_or("(no message)");
                    printable(last.trim())
                }
                Err(e) => format!("(its error is unreadable: {e})"),
            };
            out.failed.push((task.index, why));
        } else {
            out.missing.push(task.index);
        }
    }
    out
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
    let tasks = read_sweep(dir)?;
    let left = status_of(dir, &tasks).left();
    let large = left.iter().filter(|&&i| tasks[i].allow_large).count();
    if large > 0 && !allow_large {
        return Err(format!(
            "{large} runs left were planned with --allow-large: over this machine's budget; \
             pass --allow-large to run them here"
        ));
    }
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
