//! A Slurm job array for a sweep: one array task per run left (or per group of `per_task`
//! consecutive lines: a scheduler starts tasks at its own pace, about one a second or more,
//! which dominates runs of a second), each running its manifest lines with the memory and time
//! the cost model gives them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use overfit_core::device::Backend;

use super::safe::{printable, script_path, slurm_partition};
use super::status::status_of;
use super::{ranges, read_sweep};

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
    /// What the reader should know: runs left out because an array still holds them, or that
    /// `squeue` could not be asked.
    pub note: Option<String>,
}

/// A checked path (see [`script_path`]) as one single-quoted shell word.
fn quoted(path: &str) -> String {
    format!("'{}'", path.replace('\'', r"'\''"))
}

/// `seconds` as Slurm's time limit: `HH:MM:SS`, or `D-HH:MM:SS` from a day on.
fn wall_time(seconds: f64) -> String {
    // `as` saturates: a price of 1e300 s reads as the longest limit, never wraps.
    let s = seconds.ceil().max(0.0) as u64;
    let (days, rest) = (s / 86_400, s % 86_400);
    let clock = format!(
        "{:02}:{:02}:{:02}",
        rest / 3600,
        (rest / 60) % 60,
        rest % 60
    );
    if days > 0 {
        format!("{days}-{clock}")
    } else {
        clock
    }
}

/// What one line costs a task beyond its training: the process's start, reading its manifest
/// line and burn's set-up (measured: about half a second here; a slow node's disk may be slower).
const START_SECONDS: f64 = 5.0;

/// Per-task memory in MB: the largest peak the cost model gives the array's runs, with a
/// quarter more and 256 MB for the process itself.
pub(super) fn memory_mb(peak_bytes: f64) -> u64 {
    ((peak_bytes.max(0.0) * 1.25) / 1e6).ceil() as u64 + 256
}

/// Per-task time: four times the cost model's estimate for the longest run on one core (its
/// speeds are typical, not this cluster's), and at least ten minutes.
pub(super) fn task_seconds(cpu_seconds: f64) -> f64 {
    (cpu_seconds * 4.0 + 120.0).max(600.0)
}

/// The job name of sweep `dir`'s arrays: a hash of its path, and the lines a task runs (so
/// that `squeue` tells which lines an array still holds).
fn job_name(dir: &str, per_task: usize) -> String {
    format!("overfit-sweep-{}-n{per_task}", &super::hash_hex(dir)[..8])
}

/// The manifest lines `[task·n, task·n + n)` of `total`, or nothing when a number read from a
/// log's name or from `squeue` is out of range.
fn lines_of(task: usize, per_task: usize, total: usize) -> std::ops::Range<usize> {
    let start = task.saturating_mul(per_task).min(total);
    start..start.saturating_add(per_task).min(total)
}

/// The manifest lines an earlier array started: each task's log is `<job>_<task>.out` (a line a
/// task) or `<job>_<task>.n<N>.out` (N lines a task, lines task·N to task·N + N − 1). Names are
/// files in the sweep directory, so every number in them is checked before arithmetic, and the
/// ranges are merged before they are counted out (thousands of logs cost no more than one
/// pass over the manifest).
fn started_indices(logs: &Path, total: usize) -> BTreeSet<usize> {
    let lines = |name: String| -> Option<std::ops::Range<usize>> {
        let stem = name.strip_suffix(".out")?;
        let (stem, per_task) = match stem.rsplit_once(".n") {
            Some((stem, n)) => (stem, n.parse::<usize>().ok()?.clamp(1, total.max(1))),
            None => (stem, 1),
        };
        let task: usize = stem.rsplit_once('_')?.1.parse().ok()?;
        Some(lines_of(task, per_task, total))
    };
    let mut ranges: Vec<std::ops::Range<usize>> = std::fs::read_dir(logs)
        .map(|entries| {
            entries
                .filter_map(|e| lines(e.ok()?.file_name().into_string().ok()?))
                .filter(|r| !r.is_empty())
                .collect()
        })
        .unwrap_or_default();
    ranges.sort_by_key(|r| r.start);
    let mut started = BTreeSet::new();
    let mut reached = 0;
    for range in ranges {
        started.extend(range.start.max(reached)..range.end);
        reached = reached.max(range.end);
    }
    started
}

/// The manifest lines that arrays of sweep `dir` still hold, queued or running, as `squeue`
/// lists them; `Err` says why that could not be asked.
fn held_indices(dir: &str, total: usize) -> Result<BTreeSet<usize>, String> {
    let out = std::process::Command::new("squeue")
        .args(["--noheader", "--me", "--array", "--format=%j|%K"])
        .output()
        .map_err(|e| format!("squeue cannot be run here ({e})"))?;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        let last = said
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(format!("squeue failed ({})", printable(last.trim())));
    }
    let prefix = job_name(dir, 0);
    let prefix = prefix.trim_end_matches('0');
    let mut held = BTreeSet::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some((name, tasks)) = line.trim().split_once('|') else {
            continue;
        };
        let Some(per_task) = name
            .strip_prefix(prefix)
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        let per_task = per_task.clamp(1, super::MAX_RUNS);
        // A pending array not yet split shows as ranges, `3-5,9%2`; a task as its number.
        let tasks = tasks.split('%').next().unwrap_or("");
        for part in tasks.trim_matches(['[', ']']).split(',') {
            let (a, b) = part.split_once('-').unwrap_or((part, part));
            if let (Ok(a), Ok(b)) = (a.parse::<usize>(), b.parse::<usize>()) {
                let b = b.min(total);
                for task in a..=b {
                    held.extend(lines_of(task, per_task, total));
                }
            }
        }
    }
    Ok(held)
}

/// The runs to submit, and a note on what was left out: those not finished (`only_failed`:
/// those that failed, or that an earlier array started and did not finish), less those an
/// array of this sweep still holds.
fn runs_to_submit(
    dir_text: &str,
    logs: &Path,
    state: &super::status::Status,
    total: usize,
    only_failed: bool,
) -> (Vec<usize>, Option<String>) {
    let mut indices = if only_failed {
        // Failed with an error, or started by an earlier array (it left a log) and never
        // finished: timed out, preempted or killed.
        let started = started_indices(logs, total);
        let mut again: Vec<usize> = state.failed.iter().map(|(i, _)| *i).collect();
        again.extend(state.missing.iter().filter(|i| started.contains(i)));
        again.sort_unstable();
        again
    } else {
        state.left()
    };
    let note = match held_indices(dir_text, total) {
        Ok(held) => {
            let before = indices.len();
            indices.retain(|i| !held.contains(i));
            (before > indices.len()).then(|| {
                format!(
                    "{} runs left out: an array of this sweep still holds them, queued or running",
                    before - indices.len()
                )
            })
        }
        Err(why) => Some(format!(
            "{why}: a run still queued or running cannot be told from one that stopped, so it \
             may be submitted again (it lands once; the second says it was skipped)"
        )),
    };
    (indices, note)
}

/// A task's log name and its lines of shell: one run, or `per_task` runs one after the
/// other (a finished one is skipped by the CLI), the task failing if any did.
fn task_body(per_task: usize, total: usize, run: &dyn Fn(&str) -> String) -> (String, String) {
    if per_task == 1 {
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
                total = total,
            ),
        )
    }
}

/// Writes `DIR/sweep.sbatch` for the runs of sweep `dir` not finished (or, `only_failed`,
/// only those that failed or that an earlier array started and did not finish: timed out,
/// preempted, killed), leaving out what an array of this sweep still holds, queued or running
/// (asked of `squeue`; [`Array::note`] says when it could not be). Returns what it runs;
/// `None` when nothing is left.
pub fn slurm_script(dir: &Path, options: &SlurmOptions) -> Result<Option<Array>, String> {
    let dir = dir
        .canonicalize()
        .map_err(|e| format!("cannot use {}: {e}", printable(&dir.display().to_string())))?;
    let dir_text = script_path(&dir, "the sweep directory")?;
    if !options.program.is_absolute() {
        return Err(format!(
            "--program {} is not an absolute path: the nodes run it from a directory of their own",
            printable(&options.program.display().to_string())
        ));
    }
    let program = script_path(&options.program, "--program")?;
    let partition = options
        .partition
        .as_deref()
        .map(slurm_partition)
        .transpose()?;
    let tasks = read_sweep(&dir)?;
    let state = status_of(&dir, &tasks);
    let logs = dir.join("logs");
    // Slurm writes the tasks' logs there: never through a link planted in the sweep.
    if let Ok(meta) = std::fs::symlink_metadata(&logs)
        && !meta.is_dir()
    {
        return Err(format!(
            "{dir_text}/logs is a symbolic link or not a directory: Slurm would write the \
             tasks' logs where it points; remove it"
        ));
    }
    let (indices, note) =
        runs_to_submit(&dir_text, &logs, &state, tasks.len(), options.only_failed);
    if indices.is_empty() {
        return Ok(None);
    }
    let per_task = options.per_task.clamp(1, super::MAX_RUNS);
    let mut groups: BTreeMap<usize, f64> = BTreeMap::new();
    for &i in &indices {
        *groups.entry(i / per_task).or_default() += tasks[i].cost.cpu_seconds + START_SECONDS;
    }
    let peak = indices
        .iter()
        .map(|&i| tasks[i].cost.peak_bytes)
        .fold(0.0, f64::max);
    let large = super::large_note(&tasks, &indices);
    // A task's time: the lines of its group run one after the other.
    let seconds = groups.values().copied().fold(0.0, f64::max);
    let array: Vec<usize> = groups.keys().copied().collect();
    let manifest = format!("{dir_text}/{}", super::MANIFEST);
    let run = |index: &str| {
        format!(
            "{} run --manifest {} --index {index} --out {} --jobs 1 --backend {}",
            quoted(&program),
            quoted(&manifest),
            quoted(&dir_text),
            options.backend.name()
        )
    };
    let (log, body) = task_body(per_task, tasks.len(), &run);
    std::fs::create_dir_all(&logs).map_err(|e| format!("cannot create {}: {e}", logs.display()))?;
    let throttle = options.parallel.map_or(String::new(), |k| {
        format!("%{}", k.clamp(1, super::MAX_RUNS))
    });
    let partition = partition.map_or(String::new(), |p| format!("#SBATCH --partition={p}\n"));
    let script = format!(
        "#!/bin/bash\n\
         # {count} runs of {manifest} (written by `overfit sweep slurm`; memory and time per\n\
         # task from the cost model), {per_task} line(s) a task, each into {dir_text}/<id>/;\n\
         # a finished id is skipped, so resubmitting is safe.\n\
         {large}\
         #SBATCH --job-name={name}\n\
         #SBATCH --array={array}{throttle}\n\
         #SBATCH --ntasks=1\n\
         #SBATCH --cpus-per-task=1\n\
         #SBATCH --mem={mem}M\n\
         #SBATCH --time={time}\n\
         #SBATCH --output={dir_text}/logs/{log}\n\
         {partition}\
         {body}",
        count = indices.len(),
        name = job_name(&dir_text, per_task),
        array = ranges(&array),
        mem = memory_mb(peak),
        time = wall_time(task_seconds(seconds)),
    );
    let path = dir.join(SCRIPT);
    crate::output::OutDir::prepare(&dir, &[SCRIPT])?.write(SCRIPT, script.as_bytes())?;
    Ok(Some(Array {
        script: path,
        indices,
        tasks: array,
        note,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_memory_and_quoting_read_as_slurm_expects() {
        assert_eq!(wall_time(3725.2), "01:02:06");
        assert_eq!(wall_time(task_seconds(1.0)), "00:10:00");
        assert_eq!(wall_time(2.0 * 86_400.0 + 61.0), "2-00:01:01");
        assert!(
            wall_time(1e300).contains('-'),
            "a huge price is a long limit, not a panic"
        );
        assert_eq!(memory_mb(100e6), 125 + 256);
        assert_eq!(quoted("/a/it's"), r"'/a/it'\''s'");
        assert_eq!(lines_of(3, 2, 100), 6..8);
        assert_eq!(lines_of(usize::MAX, 1000, 100), 100..100);
        assert!(lines_of(49, 3, 100).is_empty());
    }
}
