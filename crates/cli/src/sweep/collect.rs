//! Every finished run of a sweep in one table (JSON and CSV, one row per run of each spec, with
//! its grid values), and a chart of one summary figure against one grid axis: the median over
//! the other axes' values (seeds) with their range shaded, one curve per value of a series axis
//! and per run label.

use std::collections::BTreeSet;
use std::path::Path;

use overfit_core::plot::chart::render;
use overfit_core::report::Report;
use overfit_core::sweep::{Collected, Failed, Row, SCHEMA};
use serde_json::Value;

use super::status::status;
use super::{manifest_of, read_manifest};
use crate::output::OutDir;

/// What `collect` writes into the sweep directory.
pub const COLLECTED: [&str; 2] = ["collected.json", "collected.csv"];
/// The chart's file name.
pub const CHART: &str = "collected.svg";

/// What to draw: `y` (a summary key) against grid axis `x`, a curve per value of `series`.
pub struct ChartRequest {
    pub x: String,
    pub y: String,
    pub series: Option<String>,
}

/// Merges the finished runs of sweep `dir` into `collected.json` and `collected.csv` (and
/// `collected.svg` when a chart is asked for); returns a sentence of what it merged.
pub fn collect(dir: &Path, chart: Option<&ChartRequest>) -> Result<String, String> {
    let tasks = read_manifest(&manifest_of(dir))?;
    let state = status(dir)?;
    let mut rows = Vec::new();
    let mut experiment = String::new();
    for &index in &state.finished {
        let task = &tasks[index];
        let path = dir.join(&task.id).join("metrics.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let report: Report = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a metrics file: {e}", path.display()))?;
        experiment.clone_from(&report.experiment);
        for run in &report.runs {
            rows.push(Row {
                index,
                id: task.id.clone(),
                grid: task.grid.clone(),
                run: run.label.clone(),
                summary: run.summary.clone(),
            });
        }
    }
    let axes: Vec<String> = tasks
        .first()
        .map(|t| t.grid.keys().cloned().collect())
        .unwrap_or_default();
    let collected = Collected {
        schema: SCHEMA,
        experiment,
        axes,
        runs_planned: state.total,
        finished: state.finished.len(),
        failed: state
            .failed
            .iter()
            .map(|(index, error)| Failed {
                index: *index,
                error: error.clone(),
            })
            .collect(),
        missing: state.missing.clone(),
        rows,
    };
    let json = serde_json::to_string_pretty(&collected).map_err(|e| e.to_string())?;
    let csv = csv_text(&collected.axes, &collected.rows);
    let out = OutDir::prepare(dir, &[COLLECTED[0], COLLECTED[1], CHART])?;
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        (COLLECTED[0], json.into_bytes()),
        (COLLECTED[1], csv.into_bytes()),
    ];
    if let Some(request) = chart {
        files.push((CHART, chart_svg(&collected, request)?.into_bytes()));
    }
    let borrowed: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    out.write_set(&borrowed)?;
    Ok(format!(
        "collected {} runs of {} finished specs ({} planned, {} failed, {} missing) into {}",
        collected.rows.len(),
        state.finished.len(),
        state.total,
        state.failed.len(),
        state.missing.len(),
        files
            .iter()
            .map(|(n, _)| format!("{}/{n}", dir.display()))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// A CSV field: quoted when it holds a separator, a quote or a line break.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// One row per run: index, id, the grid values, the run's label, then every scalar summary
/// figure (lists and tables stay in the JSON; a figure named like a grid axis, such as the
/// training fraction a run echoes, is that axis's column).
fn csv_text(axes: &[String], rows: &[Row]) -> String {
    let taken = |k: &String| axes.contains(k) || ["index", "id", "run"].contains(&k.as_str());
    let keys: BTreeSet<&String> = rows
        .iter()
        .flat_map(|r| r.summary.iter())
        .filter(|(k, v)| {
            !taken(k) && matches!(v, Value::Number(_) | Value::String(_) | Value::Bool(_))
        })
        .map(|(k, _)| k)
        .collect();
    let mut out = String::from("index,id");
    for name in axes.iter().chain(std::iter::once(&"run".to_string())) {
        out.push(',');
        out.push_str(&field(name));
    }
    for key in &keys {
        out.push(',');
        out.push_str(&field(key));
    }
    out.push('\n');
    for row in rows {
        out.push_str(&format!("{},{}", row.index, row.id));
        for axis in axes {
            out.push(',');
            out.push_str(&field(row.grid.get(axis).map_or("", String::as_str)));
        }
        out.push(',');
        out.push_str(&field(&row.run));
        for key in &keys {
            out.push(',');
            match row.summary.get(*key) {
                Some(Value::String(s)) => out.push_str(&field(s)),
                Some(v @ (Value::Number(_) | Value::Bool(_))) => out.push_str(&v.to_string()),
                _ => {}
            }
        }
        out.push('\n');
    }
    out
}

fn chart_svg(collected: &Collected, request: &ChartRequest) -> Result<String, String> {
    let found = collected.curves(&request.x, &request.y, request.series.as_deref())?;
    let mut chart = found.chart(&request.x, &request.y);
    chart.title = format!("{}: {}", collected.experiment, chart.title);
    if found.unreached > 0 {
        chart.title.push_str(&format!(
            " ({} runs never reached it: left out)",
            found.unreached
        ));
    }
    Ok(render(&chart))
}
