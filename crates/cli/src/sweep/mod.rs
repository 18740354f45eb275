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
mod k8s;
mod slurm;
mod status;
mod task;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use overfit_core::cost::{Budget, Target};
use overfit_core::experiments::AnySpec;
use overfit_core::link;
use overfit_core::spec::{KnobKind, Preset};
use serde::{Deserialize, Serialize};

pub use collect::{ChartRequest, collect};
pub use k8s::{K8sOptions, k8s_job};
pub use slurm::{Array, SlurmOptions, slurm_script};
pub use status::{Progress, Status, run_local, status};
pub use task::{TaskOutcome, index_from_env, run_task};

/// The manifest's file name in a sweep directory.
pub const MANIFEST: &str = "manifest.jsonl";
/// The grid axis that sets every seed of a spec at once (`--seeds N`: 1..=N).
pub const SEED_AXIS: &str = "seed";

/// One line of the manifest: one run of the sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

/// Eight hex digits naming a whole plan (its ids in order): a Job's name.
fn task_id_short(tasks: &[Task]) -> String {
    let ids: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
    hash_hex(&ids.join(","))[..8].to_string()
}

/// Sets one grid value on `spec`.
fn set_axis(spec: &mut AnySpec, key: &str, value: &str) -> Result<(), String> {
    if key == SEED_AXIS {
        let experiment = spec.experiment();
        for knob in experiment.knobs() {
            if matches!(knob.kind, KnobKind::Seed) {
                spec.set(knob.key, value)
                    .map_err(|e| format!("{SEED_AXIS}={value}: {e}"))?;
            }
        }
        return Ok(());
    }
    spec.set(key, value)
        .map_err(|e| format!("{key}={value}: {e}"))
}

/// Every combination of the axes' values applied to `base` (the last axis varying fastest),
/// each validated: a combination the spec refuses is an error naming it, not a silent gap.
pub fn plan(base: &AnySpec, preset: Preset, axes: &[Axis]) -> Result<Vec<Task>, String> {
    let mut seen = std::collections::BTreeSet::new();
    for axis in axes {
        if !seen.insert(axis.key.as_str()) {
            return Err(format!("--grid {} is given twice", axis.key));
        }
    }
    let count: usize = axes.iter().map(|a| a.values.len()).product();
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
        spec.validate().map_err(|e| {
            let named: Vec<String> = grid.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!(
                "the grid point {} is not a valid spec: {e}",
                named.join(" ")
            )
        })?;
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

/// Reads a manifest file.
pub fn read_manifest(path: &Path) -> Result<Vec<Task>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the manifest {}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, line)| {
            serde_json::from_str::<Task>(line)
                .map_err(|e| format!("{} line {}: {e}", path.display(), n + 1))
        })
        .enumerate()
        .map(|(i, task)| {
            let task = task?;
            if task.index != i {
                return Err(format!(
                    "{}: line {} holds index {}",
                    path.display(),
                    i + 1,
                    task.index
                ));
            }
            Ok(task)
        })
        .collect()
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
        let tasks = plan(&base, Preset::Ci, &grid).expect("a plan");
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
        assert_eq!(plan(&base, Preset::Ci, &grid).expect("again"), tasks);
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
        let err = plan(&base, Preset::Ci, &axes(&["width=8,abc"])).expect_err("bad value");
        assert!(err.contains("width=abc"), "{err}");
        let err = plan(&base, Preset::Ci, &axes(&["nope=1"])).expect_err("bad key");
        assert!(err.contains("nope=1"), "{err}");
        let err = plan(&base, Preset::Ci, &axes(&["width=8,8"])).expect_err("same spec");
        assert!(err.contains("the same spec"), "{err}");
        let err = plan(&base, Preset::Ci, &axes(&["width=8", "width=9"])).expect_err("twice");
        assert!(err.contains("given twice"), "{err}");
        assert!(Axis::parse("width").is_err());
        assert!(Axis::parse("width=").is_err());
    }

    #[test]
    fn manifests_round_trip_and_ranges_read_short() {
        let base = Experiment::Toy2d.preset(Preset::Ci);
        let tasks = plan(&base, Preset::Ci, &axes(&["seed=1,2,3"])).expect("a plan");
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
