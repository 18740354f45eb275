//! Live training in the browser: the messages between the page and its training workers.
//!
//! The page never trains. It posts a spec (as its share link, the spec's public and versioned
//! form) to a dedicated Web Worker; the worker trains it with the engine and posts back what
//! changed: progress, the *new* metric points since its last update ([`ReportPatch`]), the
//! decision surface and galleries. Messages are JSON text, so the page's wasm needs no burn and
//! both sides can read every message in a console.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::report::{Report, RunReport};
use crate::train::{Gallery, Surface};

mod speeds;
pub use speeds::Speeds;

/// The message format this build speaks. A worker of another version (a page and a worker
/// script cached from different deploys) is refused with a request to reload.
pub const PROTOCOL: u32 = 3;

/// Page → worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    /// Open the compute device: WebGPU when `webgpu` is true and the worker finds an adapter
    /// (a software one too: the page measures it against the CPU before it trains on it),
    /// else the CPU, with `cpu_reason` saying why when the page already knows.
    Open {
        webgpu: bool,
        cpu_reason: Option<String>,
    },
    /// Train the spec named by this share link (`?exp=…&v=…`) from scratch: all of it, or only
    /// the independent runs at `runs` (see `AnySpec::independent_runs`; other workers train
    /// the rest, and the page merges the reports).
    ///
    /// `data` is the reader's own table for a spec that trains on one (`dataset=local`): read
    /// in the page, and sent only to the page's own workers.
    Start {
        link: String,
        #[serde(default)]
        runs: Option<Vec<usize>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<crate::data::table::Table>,
        /// Train on the CPU although this worker opened a GPU: the page measured the CPU
        /// faster for this spec.
        #[serde(default)]
        cpu: bool,
    },
    /// Time a few steps of the spec on this worker's GPU (the runs at `gpu_runs`, what one
    /// GPU worker would train) and on the CPU (`cpu_runs`, the first CPU worker's share),
    /// each after a warm-up, and answer [`FromWorker::Measured`]. Nothing is kept.
    Measure {
        link: String,
        #[serde(default)]
        gpu_runs: Option<Vec<usize>>,
        #[serde(default)]
        cpu_runs: Option<Vec<usize>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<crate::data::table::Table>,
    },
    /// Hold or resume between steps.
    Pause { paused: bool },
    /// Train at most this share of the time (1: full speed; ¼: a quarter, so a class can
    /// watch a change happen), resting between slices of work.
    Speed { share: f64 },
}

/// What the worker trains on, for the page's badge.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ComputeInfo {
    /// The adapter's name, or "CPU fallback".
    pub label: String,
    pub gpu: bool,
    /// A software WebGPU adapter (e.g. SwiftShader): it trains, but closed-form sweeps are
    /// faster on the CPU there.
    pub software: bool,
    /// Why the CPU is used, when it is.
    pub fallback_reason: Option<String>,
}

/// A decision surface as the page paints it: the probabilities, and the pixels when the worker
/// coloured them on its GPU (`surface.wgsl`); the page colours them itself otherwise.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SurfaceImage {
    pub surface: Surface,
    pub rgba: Option<Vec<u8>>,
}

/// Worker → page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromWorker {
    /// The worker's module is running and listening. Messages posted to a worker before this
    /// are lost (its handler is installed only once the module is compiled), so the page
    /// holds them until it arrives.
    Loaded,
    /// The device is open; the worker waits for `Start`.
    Ready { protocol: u32, compute: ComputeInfo },
    /// What [`ToWorker::Measure`] found.
    Measured(Speeds),
    /// A run began.
    Started {
        total_steps: usize,
        /// Training points to draw over the decision surface: `(x, y, label, flipped)`.
        points: Vec<(f32, f32, u8, bool)>,
        galleries: Vec<Gallery>,
    },
    /// What changed since the last update.
    Progress {
        steps_done: usize,
        steps_per_second: f64,
        report: Option<ReportPatch>,
        surface: Option<SurfaceImage>,
        galleries: Option<Vec<Gallery>>,
    },
    /// The run holds (`paused`) or goes on; sent after the last progress message before the
    /// hold, so the page shows the exact step it held at.
    Held { paused: bool },
    /// Something the user should know that is not a failure (the GPU was lost and the run
    /// restarted on the CPU); `compute` is what the worker uses now.
    Notice { text: String, compute: ComputeInfo },
    /// Every step taken; the last progress message had everything.
    Done,
    /// The run cannot go on (a bad spec, divergence, a read-back failure, a panic): what
    /// kind of failure, which the page acts on, and its words, which it shows.
    Failed {
        error: String,
        #[serde(default)]
        kind: Failure,
    },
}

/// Why a run stopped, as the page acts on it (the sentence is for people, never matched).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// The loss stopped being finite: a smaller learning rate helps, another device does not.
    Diverged,
    /// The GPU device was lost or ran out of memory: the CPU may run it.
    Device,
    /// Anything else: a spec or message refused, a read-back that did not match, the
    /// worker's panic or its failure to load.
    #[default]
    Other,
}

impl From<&crate::train::RunError> for Failure {
    fn from(error: &crate::train::RunError) -> Self {
        match error {
            crate::train::RunError::Diverged { .. } => Failure::Diverged,
            crate::train::RunError::Readback(_) => Failure::Other,
        }
    }
}

impl FromWorker {
    /// A failure of kind [`Failure::Other`].
    pub fn failed(error: impl Into<String>) -> Self {
        FromWorker::Failed {
            error: error.into(),
            kind: Failure::Other,
        }
    }
}

impl ToWorker {
    pub fn to_text(&self) -> String {
        // Plain data: serialisation cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_text(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("unreadable message to the worker: {e}"))
    }
}

impl FromWorker {
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_text(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("unreadable message from a worker: {e}"))
    }
}

/// A report as the difference from the last one sent: each series column carries only the
/// values past what the page already has (or the whole column when earlier values changed);
/// summaries and the header are small and come whole.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportPatch {
    pub experiment: String,
    pub preset: String,
    pub spec: Map<String, Value>,
    pub backend: String,
    pub axis: String,
    pub runs: Vec<RunPatch>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunPatch {
    pub label: String,
    /// Column name → `(from, values)`: keep the first `from` values, then append `values`.
    pub series: Map<String, Value>,
    pub summary: Map<String, Value>,
}

impl ReportPatch {
    /// What turns `old` (what the page has) into `new`.
    pub fn between(old: Option<&Report>, new: &Report) -> Self {
        let runs = new
            .runs
            .iter()
            .enumerate()
            .map(|(i, run)| {
                let before = old
                    .and_then(|o| o.runs.get(i))
                    .filter(|r| r.label == run.label);
                let series = run
                    .series
                    .iter()
                    .map(|(name, column)| {
                        let new_values = column.as_array().map(Vec::as_slice).unwrap_or_default();
                        let old_values = before
                            .and_then(|b| b.series.get(name))
                            .and_then(Value::as_array)
                            .map(Vec::as_slice)
                            .unwrap_or_default();
                        let from = if new_values.starts_with(old_values) {
                            old_values.len()
                        } else {
                            0
                        };
                        let tail = Value::from(new_values[from..].to_vec());
                        (name.clone(), Value::from(vec![Value::from(from), tail]))
                    })
                    .collect();
                RunPatch {
                    label: run.label.clone(),
                    series,
                    summary: run.summary.clone(),
                }
            })
            .collect();
        Self {
            experiment: new.experiment.clone(),
            preset: new.preset.clone(),
            spec: new.spec.clone(),
            backend: new.backend.clone(),
            axis: new.axis.clone(),
            runs,
        }
    }

    /// `old` with this patch applied (the report the worker had when it made the patch).
    pub fn apply(self, old: Option<Report>) -> Report {
        let mut old_runs = old.map(|r| r.runs).unwrap_or_default().into_iter();
        let runs = self
            .runs
            .into_iter()
            .map(|patch| {
                let mut before = old_runs
                    .next()
                    .filter(|r| r.label == patch.label)
                    .map(|r| r.series)
                    .unwrap_or_default();
                let series = patch
                    .series
                    .into_iter()
                    .map(|(name, change)| {
                        let (from, tail) = match change {
                            Value::Array(mut pair) if pair.len() == 2 => {
                                let tail = pair.pop().unwrap_or(Value::Null);
                                let from = pair.pop().and_then(|v| v.as_u64()).unwrap_or(0);
                                (from as usize, tail)
                            }
                            _ => (0, Value::Array(Vec::new())),
                        };
                        let mut column = match before.remove(&name) {
                            Some(Value::Array(values)) => values,
                            _ => Vec::new(),
                        };
                        column.truncate(from);
                        if let Value::Array(tail) = tail {
                            column.extend(tail);
                        }
                        (name, Value::Array(column))
                    })
                    .collect();
                RunReport {
                    label: patch.label,
                    series,
                    summary: patch.summary,
                }
            })
            .collect();
        Report {
            schema: crate::report::SCHEMA,
            experiment: self.experiment,
            preset: self.preset,
            spec: self.spec,
            backend: self.backend,
            axis: self.axis,
            runs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::Series;

    fn report(steps: usize, first_loss: f64) -> Report {
        let mut series = Series::default();
        for s in 0..steps {
            let loss = if s == 0 { first_loss } else { 1.0 / s as f64 };
            series.push(s * 10, &[("loss", loss), ("acc", f64::NAN)]);
        }
        let mut summary = Map::new();
        summary.insert("steps".into(), Value::from(steps));
        Report::new(
            "toy2d",
            &serde_json::json!({"width": 8}),
            "step",
            vec![
                RunReport::new("a", &series, summary.clone()),
                RunReport::new("b", &series, summary),
            ],
        )
    }

    #[test]
    fn patches_carry_only_new_points_and_rebuild_the_report() {
        let mut page: Option<Report> = None;
        let mut sent = None;
        for steps in [0, 1, 4, 4, 9] {
            let now = report(steps, 2.0);
            let patch = ReportPatch::between(sent.as_ref(), &now);
            // Through JSON, as on the wire.
            let patch: ReportPatch =
                serde_json::from_str(&serde_json::to_string(&patch).expect("json"))
                    .expect("reads back");
            if let Some(before) = &sent {
                let already = before.runs[0].column("loss").len();
                let carried = patch.runs[0].series["loss"][1]
                    .as_array()
                    .expect("tail")
                    .len();
                assert_eq!(carried, steps - already, "only new points travel");
            }
            page = Some(patch.apply(page));
            assert_eq!(page.as_ref(), Some(&now));
            sent = Some(now);
        }
    }

    #[test]
    fn a_rewritten_column_travels_whole() {
        let old = report(5, 2.0);
        let new = report(5, 3.0);
        let patch = ReportPatch::between(Some(&old), &new);
        assert_eq!(patch.runs[0].series["loss"][0], Value::from(0));
        assert_eq!(patch.apply(Some(old)), new);
    }

    #[test]
    fn messages_round_trip_as_text() {
        let messages = [
            FromWorker::Ready {
                protocol: PROTOCOL,
                compute: ComputeInfo {
                    label: "CPU fallback".into(),
                    fallback_reason: Some("no WebGPU".into()),
                    ..ComputeInfo::default()
                },
            },
            FromWorker::Failed {
                error: "training diverged at step 3".into(),
                kind: Failure::Diverged,
            },
            FromWorker::failed("the training worker could not load"),
            FromWorker::Done,
        ];
        for m in messages {
            assert_eq!(FromWorker::from_text(&m.to_text()), Ok(m));
        }
        let start = ToWorker::Start {
            link: "?exp=grokking&v=1&steps=30".into(),
            runs: Some(vec![0, 2]),
            data: None,
            cpu: true,
        };
        assert_eq!(ToWorker::from_text(&start.to_text()), Ok(start));
        let measure = ToWorker::Measure {
            link: "?exp=toy2d&v=1".into(),
            gpu_runs: None,
            cpu_runs: Some(vec![0]),
            data: None,
        };
        assert_eq!(ToWorker::from_text(&measure.to_text()), Ok(measure));
        let measured = FromWorker::Measured(Speeds {
            gpu_below: true,
            ..Speeds::new(0.4, 80.0)
        });
        assert_eq!(FromWorker::from_text(&measured.to_text()), Ok(measured));
        // A start that says nothing of the device trains on the one the worker opened.
        assert_eq!(
            ToWorker::from_text("{\"type\":\"start\",\"link\":\"?exp=toy2d\"}"),
            Ok(ToWorker::Start {
                link: "?exp=toy2d".into(),
                runs: None,
                data: None,
                cpu: false
            })
        );
        assert!(ToWorker::from_text("{\"type\":\"nope\"}").is_err());
        // A failure from a worker that says no kind (an older build) is of no kind the page
        // acts on.
        assert_eq!(
            FromWorker::from_text("{\"type\":\"failed\",\"error\":\"x\"}"),
            Ok(FromWorker::failed("x"))
        );
    }
}
