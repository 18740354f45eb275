//! Sweeps: a grid of specs planned into a manifest, each line run on its own (by this machine,
//! a Slurm array task or a Kubernetes indexed pod), and the finished runs collected into one
//! table.
//!
//! A sweep directory holds `manifest.jsonl` (one fully resolved spec per line, as a share link,
//! with its grid values, its id and its price) and one directory per finished run, named by the
//! run's id (`DIR/<id>/metrics.json`, …). An id is a hash of the experiment and the resolved
//! spec, so planning again gives the same lines, a finished id is never run again, and a run
//! preempted or failed is simply run again. A failed run leaves `DIR/<id>.failed` (its error)
//! and no result directory; a result directory appears whole or not at all.

mod collect;
pub mod command;
mod k8s;
mod safe;
mod slurm;
mod status;
mod task;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use overfit_core::cost::{Budget, Target};
use overfit_core::experiments::AnySpec;
use overfit_core::link;
use overfit_core::spec::{self, KnobKind, Preset};
use serde::{Deserialize, Serialize};

pub use collect::{ChartRequest, collect};
pub use k8s::{K8sJob, K8sOptions, k8s_job};
pub use safe::{parse_ranges, printable};
pub use slurm::{Array, SlurmOptions, slurm_script};
pub use status::{Progress, Status, run_local, status};
pub use task::{TaskOutcome, index_from_env, run_task};

/// The manifest's file name in a sweep directory.
pub const MANIFEST: &str = "manifest.jsonl";
/// The grid axis that sets every seed of a spec at once (`--seeds N`: 1..=N).
pub const SEED_AXIS: &str = "seed";
/// The most runs one sweep plans (and one manifest may hold): a grid past it is refused
/// before anything is allocated for it.
pub const MAX_RUNS: usize = 100_000;
/// The largest manifest read: [`MAX_RUNS`] lines of the longest links a spec encodes to.
pub const MANIFEST_BYTES: u64 = 256 << 20;

/// One line of the manifest: one run of the sweep.
///
/// A manifest is a file people mail each other and edit by hand, so it is data, not a
/// program: [`read_manifest`] refuses a line whose id is not 16 hex digits or not its spec's,
/// whose grid values disagree with its spec, or whose id another line has, and prices every
/// line again from its spec (the price written in a line is for reading, never trusted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// Its line number from 0 (what an array task is given).
    pub index: usize,
    /// A hash of the experiment and the resolved spec: its result directory's name.
    pub id: String,
    /// The run's share link (query only): the exact spec, decoded strictly to run.
    pub link: String,
    /// Its value on each grid axis, as given on the command line.
    pub grid: BTreeMap<String, String>,
    pub cost: TaskCost,
    /// Planned with `--allow-large`: the spec is over a machine's budget, and every process
    /// that runs the line (a local run, an array task, a pod) runs it anyway.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_large: bool,
}

/// What the cost model says one run needs, before it runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskCost {
    /// Peak memory on the CPU, in bytes.
    pub peak_bytes: f64,
    /// Floating-point operations.
    pub flops: f64,
    /// Estimated wall time on one CPU core and on a GPU, at the cost model's typical speeds.
    pub cpu_seconds: f64,
    pub gpu_seconds: f64,
}

impl TaskCost {
    pub fn of(spec: &AnySpec) -> Self {
        let cpu = Budget::native(Target::Cpu);
        let gpu = Budget::native(Target::Gpu);
        let cost_cpu = spec.cost(Target::Cpu);
        Self {
            peak_bytes: cpu.bytes_of(cost_cpu),
            flops: cost_cpu.flops,
            cpu_seconds: cost_cpu.flops / cpu.speed,
            gpu_seconds: spec.cost(Target::Gpu).flops / gpu.speed,
        }
    }
}

/// A grid axis: a knob (or [`SEED_AXIS`]) and its values.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub key: String,
    pub values: Vec<String>,
}

impl Axis {
    /// `key=v1,v2,…` as given to `--grid`.
    pub fn parse(text: &str) -> Result<Axis, String> {
        let (key, values) = text
            .split_once('=')
            .ok_or_else(|| format!("--grid {text}: expected KEY=V1,V2,…"))?;
        let values: Vec<String> = values
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect();
        if key.trim().is_empty() || values.is_empty() {
            return Err(format!("--grid {text}: expected KEY=V1,V2,…"));
        }
        Ok(Axis {
            key: key.trim().to_string(),
            values,
        })
    }
}

/// 64-bit FNV-1a, as 16 hex digits: stable across machines and versions of Rust.
fn hash_hex(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        h ^= u64::from(byte);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The id of a resolved spec: its experiment and every field, not the preset it started from.
pub fn task_id(spec: &AnySpec) -> String {
    let fields = serde_json::Value::Object(spec.to_json()).to_string();
    hash_hex(&format!("{}:{fields}", spec.experiment().id()))
}

/// Sets one grid value on `spec`.
fn set_axis(spec: &mut AnySpec, key: &str, value: &str) -> Result<(), String> {
    if key == SEED_AXIS {
        let experiment = spec.experiment();
        for knob in experiment.knobs() {
            if matches!(knob.kind, KnobKind::Seed) {
                spec.set(knob.key, value)
                    .map_err(|e| format!("{SEED_AXIS}={}: {e}", spec::clip(value)))?;
            }
        }
        return Ok(());
    }
    spec.set(key, value)
        .map_err(|e| format!("{}={}: {e}", spec::clip(key), spec::clip(value)))
}

/// Every combination of the axes' values applied to `base` (the last axis varying fastest),
/// each validated: a combination the spec refuses is an error naming it, not a silent gap.
/// The grid's size is checked before anything is allocated for it (at most [`MAX_RUNS`]), and
/// a spec over this machine's budget is refused unless `allow_large`, which the lines then
/// carry to every process that runs them.
pub fn plan(
    base: &AnySpec,
    preset: Preset,
    axes: &[Axis],
    allow_large: bool,
) -> Result<Vec<Task>, String> {
    let mut seen = std::collections::BTreeSet::new();
    for axis in axes {
        if !seen.insert(axis.key.as_str()) {
            return Err(format!("--grid {} is given twice", axis.key));
        }
    }
    let count = axes
        .iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.values.len()))
        .filter(|&n| n <= MAX_RUNS)
        .ok_or_else(|| {
            let sizes: Vec<String> = axes.iter().map(|a| a.values.len().to_string()).collect();
            let runs: f64 = axes.iter().map(|a| a.values.len() as f64).product();
            format!(
                "the grid is {} = {runs:.3e} runs; a sweep plans at most {MAX_RUNS} \
                 (split it into several sweeps)",
                sizes.join(" × ")
            )
        })?;
    let budget = Budget::native(Target::Cpu);
    let mut tasks = Vec::with_capacity(count);
    let mut ids = BTreeMap::new();
    for index in 0..count {
        let mut spec = base.clone();
        let mut grid = BTreeMap::new();
        let mut rest = index;
        let mut picks = Vec::with_capacity(axes.len());
        for axis in axes.iter().rev() {
            picks.push(&axis.values[rest % axis.values.len()]);
            rest /= axis.values.len();
        }
        picks.reverse();
        for (axis, value) in axes.iter().zip(picks) {
            set_axis(&mut spec, &axis.key, value)?;
            grid.insert(axis.key.clone(), value.clone());
        }
        // Each value must still hold once every axis is set: two axes setting one knob (`seed`
        // and `init_seed`) would train one value and report another.
        for (key, value) in &grid {
            let mut again = spec.clone();
            set_axis(&mut again, key, value)?;
            if task_id(&again) != task_id(&spec) {
                return Err(format!(
                    "--grid {} and another axis set the same knob (`seed` sets every seed): \
                     give one of them",
                    spec::clip(key)
                ));
            }
        }
        spec.validate().map_err(|e| {
            let named: Vec<String> = grid.iter().map(|(k, v)| format!("{k}={v}")).collect();
            if named.is_empty() {
                format!("the spec is not valid: {e}")
            } else {
                format!(
                    "the grid point {} is not a valid spec: {e}",
                    named.join(" ")
                )
            }
        })?;
        if !allow_large && let Err(over) = budget.check(spec.cost(Target::Cpu)) {
            let named: Vec<String> = grid.iter().map(|(k, v)| format!("{k}={v}")).collect();
            return Err(format!(
                "the grid point {} is over this machine's budget: {over}; plan with \
                 --allow-large to run such specs anyway (every task then runs them)",
                named.join(" ")
            ));
        }
        let id = task_id(&spec);
        if let Some(other) = ids.insert(id.clone(), index) {
            return Err(format!(
                "grid points {other} and {index} are the same spec (an axis value that changes \
                 nothing, such as a knob this mode does not use)"
            ));
        }
        tasks.push(Task {
            index,
            id,
            link: link::encode(&spec, preset),
            grid,
            cost: TaskCost::of(&spec),
            allow_large,
        });
    }
    Ok(tasks)
}

/// The manifest's text: one JSON object per line.
pub fn manifest_text(tasks: &[Task]) -> Result<String, String> {
    let mut out = String::new();
    for task in tasks {
        out.push_str(&serde_json::to_string(task).map_err(|e| e.to_string())?);
        out.push('\n');
    }
    Ok(out)
}

/// Reads and checks a manifest file: a regular file of at most [`MANIFEST_BYTES`] and
/// [`MAX_RUNS`] lines, each a [`Task`] whose every field agrees with its spec (see [`Task`]),
/// all of one experiment; an error is one printable line that names the line.
pub fn read_manifest(path: &Path) -> Result<Vec<Task>, String> {
    let (mut tasks, lines) = parse_manifest(path)?;
    let mut experiment = None;
    for (task, line) in tasks.iter_mut().zip(&lines) {
        check_spec(task, &mut experiment).map_err(|e| at_line(path, *line, &e))?;
    }
    Ok(tasks)
}

/// Line `index` of a manifest, checked against its spec as [`read_manifest`] checks every
/// line, and the number of lines; the other lines are checked in form only (their ids, indices
/// and axes): an array task of a long sweep decodes its own spec, not every spec.
pub fn read_manifest_line(path: &Path, index: usize) -> Result<(Task, usize), String> {
    let (mut tasks, lines) = parse_manifest(path)?;
    let total = tasks.len();
    if index >= total {
        return Err(format!(
            "index {index} is not in {} ({total} runs: 0 to {})",
            printable(&path.display().to_string()),
            total - 1
        ));
    }
    // The first line's experiment is every line's.
    let mut experiment = None;
    check_spec(&mut tasks[0], &mut experiment).map_err(|e| at_line(path, lines[0], &e))?;
    let line = lines[index];
    let mut task = tasks.swap_remove(index);
    check_spec(&mut task, &mut experiment).map_err(|e| at_line(path, line, &e))?;
    Ok((task, total))
}

/// The manifest of sweep directory `dir`, read and checked: never through a symbolic link
/// (one planted there could point at any file).
pub fn read_sweep(dir: &Path) -> Result<Vec<Task>, String> {
    let path = manifest_of(dir);
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(format!(
            "{} is a symbolic link: a sweep's manifest is a file of its own",
            printable(&path.display().to_string())
        ));
    }
    read_manifest(&path)
}

/// An error about line `line` of manifest `path`, as one printable line of bounded length.
fn at_line(path: &Path, line: usize, error: &str) -> String {
    safe::one_line(&format!("{} line {line}: {error}", path.display()))
}

/// The manifest's lines in form: each a [`Task`] with an id of 16 hex digits, its index, the
/// first line's axes and an id of its own; with the line number of each.
fn parse_manifest(path: &Path) -> Result<(Vec<Task>, Vec<usize>), String> {
    let bytes = crate::bounded::read_bounded(path, MANIFEST_BYTES).map_err(|e| printable(&e))?;
    let shown = printable(&path.display().to_string());
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..valid]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        format!("{shown} line {line} is not UTF-8 text: this is not a manifest")
    })?;
    // A byte-order mark, as some editors write one, is not part of the first line.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut tasks: Vec<Task> = Vec::new();
    let mut lines: Vec<usize> = Vec::new();
    let mut lines_of: BTreeMap<String, usize> = BTreeMap::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let fail = |e: &str| at_line(path, n + 1, e);
        if tasks.len() == MAX_RUNS {
            return Err(fail(&format!("a manifest holds at most {MAX_RUNS} runs")));
        }
        let task: Task = serde_json::from_str(line).map_err(|e| fail(&e.to_string()))?;
        check_form(&task, tasks.len(), tasks.first()).map_err(|e| fail(&e))?;
        if let Some(first) = lines_of.insert(task.id.clone(), n + 1) {
            return Err(fail(&format!(
                "id {} is also line {first}'s: each run is planned once",
                task.id
            )));
        }
        tasks.push(task);
        lines.push(n + 1);
    }
    if tasks.is_empty() {
        return Err(format!("{shown} holds no runs"));
    }
    Ok((tasks, lines))
}

/// Whether `id` is what [`task_id`] writes: 16 lowercase hex digits.
pub fn is_task_id(id: &str) -> bool {
    id.len() == 16
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Checks one manifest line's form: its id, its position and the first line's axes.
fn check_form(task: &Task, position: usize, first: Option<&Task>) -> Result<(), String> {
    if !is_task_id(&task.id) {
        return Err(format!(
            "id \"{}\" is not a run's id (16 hex digits, as `overfit sweep plan` writes)",
            printable(&spec::clip(&task.id))
        ));
    }
    if task.index != position {
        return Err(format!(
            "it holds index {} but is run {position} of the manifest",
            task.index
        ));
    }
    if let Some(first) = first
        && !task.grid.keys().eq(first.grid.keys())
    {
        let keys = |t: &Task| t.grid.keys().cloned().collect::<Vec<_>>().join(", ");
        return Err(format!(
            "its grid axes ({}) are not the first line's ({})",
            printable(&spec::clip(&keys(task))),
            printable(&spec::clip(&keys(first)))
        ));
    }
    Ok(())
}

/// Checks one manifest line against its own spec and the experiment of the lines before it
/// (`experiment`, set by the first), and prices it again from the spec.
fn check_spec(task: &mut Task, experiment: &mut Option<&'static str>) -> Result<(), String> {
    let (spec, _) = link::decode_strict(&task.link).map_err(|e| format!("its link: {e}"))?;
    let id = spec.experiment().id();
    match experiment {
        Some(first) if *first != id => {
            return Err(format!(
                "it is a run of {id}, and the first line one of {first}: a sweep is of one \
                 experiment"
            ));
        }
        _ => *experiment = Some(id),
    }
    if task_id(&spec) != task.id {
        return Err(format!(
            "id {} is not its link's spec (was the line edited?)",
            task.id
        ));
    }
    for (key, value) in &task.grid {
        let mut moved = spec.clone();
        set_axis(&mut moved, key, value).map_err(|e| format!("its grid: {}", printable(&e)))?;
        if task_id(&moved) != task.id {
            let json = spec.to_json();
            let holds = json.get(key.as_str()).map_or_else(
                || "other seeds".to_string(),
                |v| format!("{key}={}", spec::clip(&v.to_string())),
            );
            return Err(format!(
                "its grid says {}={} but its spec has {}: the line would train one value and \
                 report another",
                printable(&spec::clip(key)),
                printable(&spec::clip(value)),
                printable(&holds)
            ));
        }
    }
    task.cost = TaskCost::of(&spec);
    Ok(())
}

/// A comment line for a script or a Job that runs `lines` of `tasks`: how many of them were
/// planned over a machine's budget (nothing when none was).
fn large_note(tasks: &[Task], lines: &[usize]) -> String {
    match lines.iter().filter(|&&i| tasks[i].allow_large).count() {
        0 => String::new(),
        large => format!(
            "# {large} of these runs were planned with --allow-large: over a machine's budget, \
             run anyway.\n"
        ),
    }
}

/// The manifest of sweep directory `dir`.
pub fn manifest_of(dir: &Path) -> PathBuf {
    dir.join(MANIFEST)
}

/// Indices as ranges: `0-3,7,9-10`.
pub fn ranges(indices: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < indices.len() {
        let start = indices[i];
        let mut end = start;
        while i + 1 < indices.len() && indices[i + 1] == end + 1 {
            i += 1;
            end = indices[i];
        }
        out.push(if end > start {
            format!("{start}-{end}")
        } else {
            start.to_string()
        });
        i += 1;
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use overfit_core::experiments::Experiment;

    fn axes(list: &[&str]) -> Vec<Axis> {
        list.iter()
            .map(|a| Axis::parse(a).expect("an axis"))
            .collect()
    }

    #[test]
    fn a_plan_is_every_combination_in_order_and_the_same_when_planned_again() {
        let base = Experiment::Toy2d.preset(Preset::Ci);
        let grid = axes(&["label_noise=0,0.1,0.2", "width=8,16", "seed=1,2"]);
        let tasks = plan(&base, Preset::Ci, &grid, false).expect("a plan");
        assert_eq!(tasks.len(), 12);
        assert_eq!(tasks[0].grid["label_noise"], "0");
        assert_eq!(tasks[1].grid["seed"], "2");
        assert_eq!(tasks[2].grid["width"], "16");
        assert_eq!(tasks[11].grid["label_noise"], "0.2");
        let (spec, _) = link::decode_strict(&tasks[11].link).expect("its link decodes");
        let json = spec.to_json();
        assert_eq!(json["width"], 16);
        assert_eq!(json["init_seed"], 2);
        assert_eq!(json["data_seed"], 2);
        assert_eq!(task_id(&spec), tasks[11].id);
        assert_eq!(plan(&base, Preset::Ci, &grid, false).expect("again"), tasks);
        let ids: std::collections::BTreeSet<_> = tasks.iter().map(|t| &t.id).collect();
        assert_eq!(ids.len(), 12);
        assert!(
            tasks
                .iter()
                .all(|t| t.cost.flops > 0.0 && t.cost.peak_bytes > 0.0)
        );
    }

    #[test]
    fn bad_grids_are_refused_by_name() {
        let base = Experiment::Toy2d.preset(Preset::Ci);
        let err = plan(&base, Preset::Ci, &axes(&["width=8,abc"]), false).expect_err("bad value");
        assert!(err.contains("width=abc"), "{err}");
        let err = plan(&base, Preset::Ci, &axes(&["nope=1"]), false).expect_err("bad key");
        assert!(err.contains("nope=1"), "{err}");
        let err = plan(&base, Preset::Ci, &axes(&["width=8,8"]), false).expect_err("same spec");
        assert!(err.contains("the same spec"), "{err}");
        let err =
            plan(&base, Preset::Ci, &axes(&["width=8", "width=9"]), false).expect_err("twice");
        assert!(err.contains("given twice"), "{err}");
        assert!(Axis::parse("width").is_err());
        assert!(Axis::parse("width=").is_err());
    }

    #[test]
    fn manifests_round_trip_and_ranges_read_short() {
        let base = Experiment::Toy2d.preset(Preset::Ci);
        let tasks = plan(&base, Preset::Ci, &axes(&["seed=1,2,3"]), false).expect("a plan");
        let dir = std::env::temp_dir().join(format!("overfit-manifest-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join(MANIFEST);
        std::fs::write(&path, manifest_text(&tasks).expect("text")).expect("write");
        assert_eq!(read_manifest(&path).expect("read"), tasks);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(ranges(&[0, 1, 2, 3, 7, 9, 10]), "0-3,7,9-10");
        assert_eq!(ranges(&[]), "");
    }
}
