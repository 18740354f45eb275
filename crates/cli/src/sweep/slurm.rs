//! A Slurm job array for a sweep: one array task per run left, each running its manifest line
//! with the memory and time the cost model gives it.

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

/// The array indices that left a log (`<job>_<index>.out`) in `logs`.
fn started_indices(logs: &Path) -> std::collections::BTreeSet<usize> {
    std::fs::read_dir(logs)
        .map(|entries| {
            entries
                .filter_map(|e| {
                    let name = e.ok()?.file_name().into_string().ok()?;
                    let stem = name.strip_suffix(".out")?;
                    stem.rsplit_once('_')?.1.parse().ok()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Writes `DIR/sweep.sbatch` for the runs of sweep `dir` not finished (or, `only_failed`,
/// only those that failed or that an earlier array started and did not finish: timed out,
/// preempted, killed). Returns the script's path and the indices
/// it runs; `None` when nothing is left.
pub fn slurm_script(
    dir: &Path,
    options: &SlurmOptions,
) -> Result<Option<(PathBuf, Vec<usize>)>, String> {
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
    let (peak, seconds) = indices.iter().fold((0.0f64, 0.0f64), |(p, s), &i| {
        (
            p.max(tasks[i].cost.peak_bytes),
            s.max(tasks[i].cost.cpu_seconds),
        )
    });
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
         # task from the cost model). Each task runs one manifest line into {dir}/<id>/;\n\
         # a finished id is skipped, so resubmitting is safe.\n\
         #SBATCH --job-name=overfit-sweep\n\
         #SBATCH --array={array}{throttle}\n\
         #SBATCH --ntasks=1\n\
         #SBATCH --cpus-per-task=1\n\
         #SBATCH --mem={mem}M\n\
         #SBATCH --time={time}\n\
         #SBATCH --output={logs}/%A_%a.out\n\
         {partition}\
         set -eu\n\
         exec {program} run --manifest {manifest_q} --index \"$SLURM_ARRAY_TASK_ID\" --out {dir_q} --jobs 1 --backend {backend}\n",
        count = indices.len(),
        manifest = manifest_of(&dir).display(),
        dir = dir.display(),
        array = ranges(&indices),
        mem = memory_mb(peak),
        time = wall_time(task_seconds(seconds)),
        logs = logs.display(),
        program = quoted(&options.program),
        manifest_q = quoted(&manifest_of(&dir)),
        dir_q = quoted(&dir),
        backend = options.backend.name(),
    );
    let path = dir.join(SCRIPT);
    crate::output::OutDir::prepare(&dir, &[SCRIPT])?.write(SCRIPT, script.as_bytes())?;
    Ok(Some((path, indices)))
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
