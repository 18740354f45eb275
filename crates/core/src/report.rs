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

use crate::series::Series;

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

/// What a run's summary says in words: its verdict (a few words: "benign", "dropout helps") and
/// the sentence that says why. Experiments write it with [`Verdict::write`]; the CLI and the
/// page read it with [`Verdict::of`]. In `metrics.json` they stay the summary keys `verdict`
/// and `why` (the public format).
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub verdict: String,
    pub why: Option<String>,
}

impl Verdict {
    const VERDICT: &str = "verdict";
    const WHY: &str = "why";

    /// Puts a verdict and the sentence that says why into `summary`.
    pub fn write(
        verdict: impl Into<String>,
        why: impl Into<String>,
        summary: &mut Map<String, Value>,
    ) {
        summary.insert(Self::VERDICT.into(), Value::from(verdict.into()));
        summary.insert(Self::WHY.into(), Value::from(why.into()));
    }

    /// The verdict `summary` holds, if any.
    pub fn of(summary: &Map<String, Value>) -> Option<Verdict> {
        let verdict = summary.get(Self::VERDICT)?.as_str()?.to_string();
        let why = summary
            .get(Self::WHY)
            .and_then(Value::as_str)
            .map(str::to_string);
        Some(Verdict { verdict, why })
    }

    /// Whether a summary key holds the verdict's words rather than a figure (a table shows
    /// them below itself, as sentences).
    pub fn is_sentence(key: &str) -> bool {
        key == Self::VERDICT || key == Self::WHY
    }
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

    /// One report from the reports of a spec's independent runs trained apart: `parts` pairs
    /// each part's report with the indices its runs have in the whole (see
    /// [`crate::spec::share_runs`]); runs are put back in that order, the header is the first
    /// part's. `None` when there are no parts or the indices do not match the runs.
    pub fn merge(parts: Vec<(Vec<usize>, Report)>) -> Option<Report> {
        let total: usize = parts.iter().map(|(indices, _)| indices.len()).sum();
        let mut slots: Vec<Option<RunReport>> = vec![None; total];
        let mut header = None;
        for (indices, report) in parts {
            if indices.len() != report.runs.len() {
                return None;
            }
            for (index, run) in indices.into_iter().zip(report.runs.iter().cloned()) {
                *slots.get_mut(index)? = Some(run);
            }
            header.get_or_insert(report);
        }
        let mut report = header?;
        report.runs = slots.into_iter().collect::<Option<Vec<_>>>()?;
        Some(report)
    }

    /// CSV in long form: `run,<axis>,metric,value`, one row per recorded value.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        csv_record(&mut out, &["run", &self.axis, "metric", "value"]);
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
                    let row = [run.label.as_str(), &step.to_string(), &name, &value];
                    csv_record(&mut out, &row);
                }
            }
        }
        out
    }
}

/// Appends one CSV record (RFC 4180): fields joined by commas, a field quoted when it holds a
/// comma, a quote, CR or LF (its quotes doubled); records end with `\n`, which every CSV reader
/// accepts. A field that a spreadsheet would evaluate or reinterpret (`=`, `+`, `-`, `@`, a
/// tab or CR first, not a number) is prefixed with `'` so that opening the export runs no
/// formula.
pub fn csv_record(out: &mut String, fields: &[&str]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let formula =
            field.starts_with(['=', '+', '-', '@', '\t', '\r']) && field.parse::<f64>().is_err();
        let field = if formula {
            format!("'{field}")
        } else {
            (*field).to_string()
        };
        if field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&field);
        }
    }
    out.push('\n');
}

/// The lowest, median and highest of `values`' finite values (NaN for each when none is).
pub fn range_median(values: &[f64]) -> (f64, f64, f64) {
    let mut finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    finite.sort_by(f64::total_cmp);
    let n = finite.len();
    let median = if n % 2 == 1 {
        finite[n / 2]
    } else {
        (finite[n / 2 - 1] + finite[n / 2]) / 2.0
    };
    (finite[0], median, finite[n - 1])
}

/// Mean and sample standard deviation (0 for fewer than two values).
pub fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verdict_is_written_and_read_under_the_public_keys() {
        let mut summary = Map::new();
        assert_eq!(Verdict::of(&summary), None);
        Verdict::write(
            "benign",
            "The test error stays near the noise.",
            &mut summary,
        );
        assert_eq!(summary["verdict"], "benign");
        assert_eq!(summary["why"], "The test error stays near the noise.");
        assert_eq!(
            Verdict::of(&summary),
            Some(Verdict {
                verdict: "benign".into(),
                why: Some("The test error stays near the noise.".into()),
            })
        );
        assert!(Verdict::is_sentence("why") && !Verdict::is_sentence("d_int90"));
    }

    fn report(labels: &[&str]) -> Report {
        let runs = labels
            .iter()
            .enumerate()
            .map(|(i, label)| {
                let mut series = Series::default();
                series.push(0, &[("loss", i as f64)]);
                RunReport::new(label, &series, Map::new())
            })
            .collect();
        Report::new("grokking", &serde_json::json!({"steps": 10}), "step", runs)
    }

    #[test]
    fn csv_fields_are_quoted_as_rfc_4180_says_and_never_a_formula() {
        let mut report = report(&["plain", "a,b \"quoted\"\nline", "=HYPERLINK(1)", "-0.5"]);
        report.axis = "step".into();
        let csv = report.to_csv();
        assert!(csv.starts_with("run,step,metric,value\n"), "{csv}");
        assert!(csv.contains("\nplain,"), "{csv}");
        assert!(csv.contains("\n\"a,b \"\"quoted\"\"\nline\","), "{csv}");
        assert!(csv.contains("\n'=HYPERLINK(1),"), "{csv}");
        assert!(csv.contains("\n-0.5,"), "numbers keep their sign: {csv}");
    }

    #[test]
    fn merged_parts_put_every_run_back_in_place() {
        let whole = report(&["baseline", "grokfast-ema", "grokfast-ma"]);
        let mut first = report(&["baseline", "grokfast-ma"]);
        first.runs[1] = whole.runs[2].clone();
        let second = report(&["grokfast-ema"]);
        let mut second = second;
        second.runs[0] = whole.runs[1].clone();
        let merged = Report::merge(vec![(vec![0, 2], first.clone()), (vec![1], second.clone())]);
        assert_eq!(merged, Some(whole));
        // Indices that do not cover the runs exactly are refused.
        assert_eq!(Report::merge(vec![(vec![0], first.clone())]), None);
        assert_eq!(
            Report::merge(vec![(vec![0, 5], first), (vec![1], second)]),
            None
        );
        assert_eq!(Report::merge(Vec::new()), None);
    }
}
