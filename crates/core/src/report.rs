//! The metrics.json contract shared by the CLI and the web app's export.
//!
//! `{"schema":1,"experiment":ID,"preset":P,"spec":{...},"backend":"...","axis":"step",
//!   "runs":[{"label":"...","series":{"step":[...],"<metric>":[...]},"summary":{...}}]}`
//!
//! `axis` names the series column the others are plotted against: `step` for training runs,
//! the swept size for sweeps (`features`, `n_train`, ...). Reports written before it existed
//! read as `step`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::train::Series;

pub const SCHEMA: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: u32,
    pub experiment: String,
    /// The preset the spec started from (knobs may have been changed since; `spec` is exact).
    pub preset: String,
    pub spec: Map<String, Value>,
    pub backend: String,
    /// The series column the metrics are recorded against.
    #[serde(default = "step_axis")]
    pub axis: String,
    pub runs: Vec<RunReport>,
}

fn step_axis() -> String {
    "step".into()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub label: String,
    /// `step` plus one array per metric, all the same length.
    pub series: Map<String, Value>,
    pub summary: Map<String, Value>,
}

impl RunReport {
    pub fn new(label: &str, series: &Series, summary: Map<String, Value>) -> Self {
        let mut map = Map::new();
        map.insert("step".into(), Value::from(series.step.clone()));
        for (name, values) in &series.values {
            map.insert(
                name.clone(),
                Value::from(values.iter().map(|v| json_number(*v)).collect::<Vec<_>>()),
            );
        }
        Self {
            label: label.to_string(),
            series: map,
            summary,
        }
    }

    /// A run recorded against its own columns rather than training steps (e.g. a summary over
    /// widths); every column must have the same length.
    pub fn from_columns(
        label: &str,
        columns: &[(&str, Vec<f64>)],
        summary: Map<String, Value>,
    ) -> Self {
        let series = columns
            .iter()
            .map(|(name, values)| {
                (
                    (*name).to_string(),
                    Value::from(values.iter().map(|v| json_number(*v)).collect::<Vec<_>>()),
                )
            })
            .collect();
        Self {
            label: label.to_string(),
            series,
            summary,
        }
    }

    /// A metric column as numbers (`null`s, i.e. non-finite values, become NaN).
    pub fn column(&self, name: &str) -> Vec<f64> {
        match self.series.get(name) {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_f64().unwrap_or(f64::NAN))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Metric names other than `step`, in a stable order (a sweep's axis is included).
    pub fn metric_names(&self) -> Vec<String> {
        self.series
            .keys()
            .filter(|k| k.as_str() != "step")
            .cloned()
            .collect()
    }
}

/// JSON has no NaN or infinity: those become `null`.
pub fn json_number(x: f64) -> Value {
    serde_json::Number::from_f64(x)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

impl Report {
    /// A report of `experiment` for `spec` (a flat serde struct), its series recorded against
    /// `axis`; the shell fills in `preset` and `backend`.
    pub fn new(experiment: &str, spec: &impl Serialize, axis: &str, runs: Vec<RunReport>) -> Self {
        Self {
            schema: SCHEMA,
            experiment: experiment.into(),
            preset: String::new(),
            spec: match serde_json::to_value(spec) {
                Ok(Value::Object(map)) => map,
                _ => Map::new(),
            },
            backend: String::new(),
            axis: axis.into(),
            runs,
        }
    }

    /// CSV in long form: `run,<axis>,metric,value`, one row per recorded value.
    pub fn to_csv(&self) -> String {
        let mut out = format!("run,{},metric,value\n", self.axis);
        for run in &self.runs {
            let steps = run.column(&self.axis);
            for name in run.metric_names() {
                if name == self.axis {
                    continue;
                }
                for (step, value) in steps.iter().zip(run.column(&name)) {
                    let value = if value.is_finite() {
                        value.to_string()
                    } else {
                        String::new()
                    };
                    out.push_str(&format!("{},{},{},{}\n", run.label, step, name, value));
                }
            }
        }
        out
    }
}
