//! Every finished run of a sweep in one table (JSON and CSV, one row per run of each spec, with
//! its grid values), and a chart of one summary figure against one grid axis: the median over
//! the other axes' values (seeds) with their range shaded, one curve per value of a series axis
//! and per run label.

use std::collections::BTreeSet;
use std::path::Path;

use overfit_core::link;
use overfit_core::plot::chart::render;
use overfit_core::report::{Report, csv_record};
use overfit_core::spec;
use overfit_core::sweep::{Collected, Failed, Row, SCHEMA};
use serde_json::Value;

use super::safe::{printable, read_inside};
use super::status::status_of;
use super::{Task, read_sweep};
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

/// The largest result read: far above any run's metrics (a paper preset writes a few MB).
const RESULT_BYTES: u64 = 64 << 20;
/// The most bytes of results one collect reads: its tables would be larger still, and the
/// page opens at most 50 MB.
const COLLECTED_BYTES: u64 = 1 << 30;

/// Merges the finished runs of sweep `dir` into `collected.json` and `collected.csv` (and
/// `collected.svg` when a chart is asked for); returns a sentence of what it merged. A result
/// that cannot be read (not a metrics file, a number past f64, another experiment's) is listed
/// as unreadable, and the rest is collected.
pub fn collect(dir: &Path, chart: Option<&ChartRequest>) -> Result<String, String> {
    let tasks = read_sweep(dir)?;
    let state = status_of(dir, &tasks);
    let mut rows = Vec::new();
    let mut unreadable = Vec::new();
    let mut experiment = String::new();
    let mut read = 0u64;
    for &index in &state.finished {
        let task = &tasks[index];
        if read > COLLECTED_BYTES {
            unreadable.push(Failed {
                index,
                error: format!("not read: the results before it are over {COLLECTED_BYTES} bytes"),
            });
            continue;
        }
        read += std::fs::metadata(dir.join(&task.id).join("metrics.json")).map_or(0, |m| m.len());
        match read_result(dir, task) {
            Ok(report) => {
                experiment.clone_from(&report.experiment);
                rows.extend(report.runs.into_iter().map(|run| Row {
                    index,
                    id: task.id.clone(),
                    grid: task.grid.clone(),
                    run: run.label,
                    summary: run.summary,
                }));
            }
            Err(error) => unreadable.push(Failed { index, error }),
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
        finished: state.finished.len() - unreadable.len(),
        failed: state
            .failed
            .iter()
            .map(|(index, error)| Failed {
                index: *index,
                error: error.clone(),
            })
            .collect(),
        unreadable,
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
    if chart.is_none() {
        // An older chart would be read as this collection's.
        let _ = std::fs::remove_file(dir.join(CHART));
    }
    let unreadable: String = collected
        .unreadable
        .iter()
        .map(|f| format!("\nunreadable {}: {}", f.index, f.error))
        .collect();
    Ok(format!(
        "collected {} runs of {} finished specs ({} planned, {} failed, {} missing, {} \
         unreadable) into {}{unreadable}",
        collected.rows.len(),
        collected.finished,
        state.total,
        state.failed.len(),
        state.missing.len(),
        collected.unreadable.len(),
        files
            .iter()
            .map(|(n, _)| format!("{}/{n}", printable(&dir.display().to_string())))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// The report of finished run `task`, if it is one: a regular file of at most
/// [`RESULT_BYTES`], a metrics file of the manifest's experiment. The error is one printable
/// line.
fn read_result(dir: &Path, task: &Task) -> Result<Report, String> {
    let path = dir.join(&task.id).join("metrics.json");
    let bytes = read_inside(&path, RESULT_BYTES)?;
    let report: Report = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{}/metrics.json is not a metrics file: {e}", task.id))?;
    let (spec, _) = link::decode_strict(&task.link).map_err(|e| format!("its link: {e}"))?;
    let planned = spec.experiment().id();
    if report.experiment != planned {
        return Err(format!(
            "{}/metrics.json is a result of {}, not of {planned}",
            task.id,
            printable(&spec::clip(&report.experiment))
        ));
    }
    Ok(report)
}

/// One row per run: index, id, the grid values, the run's label, then every scalar summary
/// figure (lists and tables stay in the JSON; a figure named like a grid axis, such as the
/// training fraction a run echoes, is that axis's column). Every field is written as
/// [`csv_record`] writes one: quoted where it must be, and never a formula.
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
    let mut out = String::new();
    let mut header: Vec<&str> = vec!["index", "id"];
    header.extend(axes.iter().map(String::as_str));
    header.push("run");
    header.extend(keys.iter().map(|k| k.as_str()));
    csv_record(&mut out, &header);
    for row in rows {
        let mut fields: Vec<String> = vec![row.index.to_string(), row.id.clone()];
        fields.extend(
            axes.iter()
                .map(|axis| row.grid.get(axis).cloned().unwrap_or_default()),
        );
        fields.push(row.run.clone());
        fields.extend(keys.iter().map(|key| match row.summary.get(*key) {
            Some(Value::String(s)) => s.clone(),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
            _ => String::new(),
        }));
        let borrowed: Vec<&str> = fields.iter().map(String::as_str).collect();
        csv_record(&mut out, &borrowed);
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
