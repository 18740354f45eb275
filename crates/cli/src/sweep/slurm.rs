//! A Slurm job array for a sweep: one array task per run left (or per group of `per_task`
//! consecutive lines: a scheduler starts tasks at its own pace, about one a second or more,
//! which dominates runs of a second), each running its manifest lines with the memory and time
//! the cost model gives them.

use std::path::{Path, PathBuf};

use overfit_core::device::Backend;

use super::status::status;
use super::{manifest_of, ranges, read_manifest};

/// The script's file name in the sweep directory.
pub const SCRIPT: &str = "sweep.sbatch";

/// How the array is written.
pub struct SlurmOptions {
    /// The `overfit` binary the tasks run (an absolute path the compute nodes can see).
    pub program: PathBuf,
    /// At most this many tasks at once (`%K`).
    pub parallel: Option<usize>,
    /// Only the runs that failed or never finished (default: every run not finished).
    pub only_failed: bool,
    pub partition: Option<String>,
    pub backend: Backend,
    /// Consecutive manifest lines one array task runs, one after the other (1: a task a run).
    pub per_task: usize,
}

/// What a written array runs.
pub struct Array {
    pub script: PathBuf,
    /// The manifest lines to run.
    pub indices: Vec<usize>,
    /// The array's task ids: line `i` is in task `i / per_task`.
    pub tasks: Vec<usize>,
}

/// A path as one single-quoted shell word.
fn quoted(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// `seconds` as Slurm's `HH:MM:SS` (days as hours).
fn wall_time(seconds: f64) -> String {
    let s = seconds.ceil() as u64;
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

/// Per-task memory in MB: the largest peak the cost model gives the array's runs, with a
/// quarter more and 256 MB for the process itself.
pub(super) fn memory_mb(peak_bytes: f64) -> u64 {
    ((peak_bytes * 1.25) / 1e6).ceil() as u64 + 256
}

/// Per-task time: four times the cost model's estimate for the longest run on one core (its
/// speeds are typical, not this cluster's), and at least ten minutes.
pub(super) fn task_seconds(cpu_seconds: f64) -> f64 {
    (cpu_seconds * 4.0 + 120.0).max(600.0)
}

/// The manifest lines an earlier array started: each task's log is `<job>_<task>.out` (a line a
/// task) or `<job>_<task>.n<N>.out` (N lines a task, lines task·N to task·N + N − 1).
fn started_indices(logs: &Path) -> std::collections::BTreeSet<usize> {
    let lines = |name: String| -> Option<std::ops::Range<usize>> {
        let stem = name.strip_suffix(".out")?;
        let (stem, per_task) = match stem.rsplit_once(".n") {
            Some((stem, n)) => (stem, n.parse::<usize>().ok()?.max(1)),
            None => (stem, 1),
        };
        let task: usize = stem.rsplit_once('_')?.1.parse().ok()?;
        Some(task * per_task..(task + 1) * per_task)
    };
    std::fs::read_dir(logs)
        .map(|entries| {
            entries
                .filter_map(|e| lines(e.ok()?.file_name().into_string().ok()?))
                .flatten()
                .collect()
        })
        .unwrap_or_default()
}

/// Writes `DIR/sweep.sbatch` for the runs of sweep `dir` not finished (or, `only_failed`,
/// only those that failed or that an earlier array started and did not finish: timed out,
/// preempted, killed). Returns what it runs; `None` when nothing is left.
pub fn slurm_script(dir: &Path, options: &SlurmOptions) -> Result<Option<Array>, String> {
    let dir = dir
        .canonicalize()
        .map_err(|e| format!("cannot use {}: {e}", dir.display()))?;
    let tasks = read_manifest(&manifest_of(&dir))?;
    let state = status(&dir)?;
    let logs = dir.join("logs");
    let indices = if options.only_failed {
        // Failed with an error, or started by an earlier array (it left a log) and never
        // finished: timed out, preempted or killed.
        let started = started_indices(&logs);
        let mut again: Vec<usize> = state.failed.iter().map(|(i, _)| *i).collect();
        again.extend(state.missing.iter().filter(|i| started.contains(i)));
        again.sort_unstable();
        again
    } else {
        state.left()
    };
    if indices.is_empty() {
        return Ok(None);
    }
    let per_task = options.per_task.max(1);
    let mut groups: std::collections::BTreeMap<usize, f64> = std::collections::BTreeMap::new();
    for &i in &indices {
        *groups.entry(i / per_task).or_default() += tasks[i].cost.cpu_seconds;
    }
    let peak = indices
        .iter()
        .map(|&i| tasks[i].cost.peak_bytes)
        .fold(0.0, f64::max);
    // A task's time: the lines of its group run one after the other.
    let seconds = groups.values().copied().fold(0.0, f64::max);
    let array: Vec<usize> = groups.keys().copied().collect();
    let run = |index: &str| {
        format!(
            "{} run --manifest {} --index {index} --out {} --jobs 1 --backend {}",
            quoted(&options.program),
            quoted(&manifest_of(&dir)),
            quoted(&dir),
            options.backend.name()
        )
    };
    let (log, body) = if per_task == 1 {
        (
            "%A_%a.out".to_string(),
            format!("set -eu\nexec {}\n", run("\"$SLURM_ARRAY_TASK_ID\"")),
        )
    } else {
        (
            format!("%A_%a.n{per_task}.out"),
            format!(
                "set -u\n\
                 # Lines task*{per_task} to task*{per_task}+{last}; a finished one is skipped.\n\
                 first=$(( SLURM_ARRAY_TASK_ID * {per_task} ))\n\
                 failed=0\n\
                 for index in $(seq \"$first\" $(( first + {last} ))); do\n  \
                   [ \"$index\" -lt {total} ] || break\n  \
                   {} || failed=1\n\
                 done\n\
                 exit \"$failed\"\n",
                run("\"$index\""),
                last = per_task - 1,
                total = tasks.len(),
            ),
        )
    };
    std::fs::create_dir_all(&logs).map_err(|e| format!("cannot create {}: {e}", logs.display()))?;
    let throttle = options
        .parallel
        .map_or(String::new(), |k| format!("%{}", k.max(1)));
    let partition = options
        .partition
        .as_ref()
        .map_or(String::new(), |p| format!("#SBATCH --partition={p}\n"));
    let script = format!(
        "#!/bin/bash\n\
         # {count} runs of {manifest} (written by `overfit sweep slurm`; memory and time per\n\
         # task from the cost model), {per_task} line(s) a task, each into {dir}/<id>/;\n\
         # a finished id is skipped, so resubmitting is safe.\n\
         #SBATCH --job-name=overfit-sweep\n\
         #SBATCH --array={array}{throttle}\n\
         #SBATCH --ntasks=1\n\
         #SBATCH --cpus-per-task=1\n\
         #SBATCH --mem={mem}M\n\
         #SBATCH --time={time}\n\
         #SBATCH --output={logs}/{log}\n\
         {partition}\
         {body}",
        count = indices.len(),
        manifest = manifest_of(&dir).display(),
        dir = dir.display(),
        array = ranges(&array),
        mem = memory_mb(peak),
        time = wall_time(task_seconds(seconds)),
        logs = logs.display(),
    );
    let path = dir.join(SCRIPT);
    crate::output::OutDir::prepare(&dir, &[SCRIPT])?.write(SCRIPT, script.as_bytes())?;
    Ok(Some(Array {
        script: path,
        indices,
        tasks: array,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_memory_and_quoting_read_as_slurm_expects() {
        assert_eq!(wall_time(3725.2), "01:02:06");
        assert_eq!(wall_time(task_seconds(1.0)), "00:10:00");
        assert_eq!(memory_mb(100e6), 125 + 256);
        assert_eq!(quoted(Path::new("/a b/it's")), r"'/a b/it'\''s'");
    }
}
