//! Every finished run of a sweep in one table (JSON and CSV, one row per run of each spec, with
//! its grid values), and a chart of one summary figure against one grid axis: the median over
//! the other axes' values (seeds) with their range shaded, one curve per value of a series axis
//! and per run label.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use overfit_core::report::Report;
use plotters::prelude::*;
use serde_json::{Value, json};

use super::status::status;
use super::{manifest_of, read_manifest};
use crate::output::OutDir;

/// What `collect` writes into the sweep directory.
pub const COLLECTED: [&str; 2] = ["collected.json", "collected.csv"];
/// The chart's file name.
pub const CHART: &str = "collected.svg";

/// One row: one run (a report's run label) of one finished spec.
struct Row {
    index: usize,
    id: String,
    grid: BTreeMap<String, String>,
    run: String,
    summary: serde_json::Map<String, Value>,
}

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
    let json = json!({
        "schema": 1,
        "experiment": experiment,
        "axes": axes,
        "runs_planned": state.total,
        "finished": state.finished.len(),
        "failed": state.failed.iter().map(|(i, why)| json!({"index": i, "error": why})).collect::<Vec<_>>(),
        "missing": state.missing,
        "rows": rows.iter().map(|r| json!({
            "index": r.index, "id": r.id, "grid": r.grid, "run": r.run, "summary": r.summary,
        })).collect::<Vec<_>>(),
    });
    let json = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    let csv = csv_text(&axes, &rows);
    let out = OutDir::prepare(dir, &[COLLECTED[0], COLLECTED[1], CHART])?;
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        (COLLECTED[0], json.into_bytes()),
        (COLLECTED[1], csv.into_bytes()),
    ];
    if let Some(request) = chart {
        files.push((CHART, chart_svg(&experiment, &rows, request)?.into_bytes()));
    }
    let borrowed: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    out.write_set(&borrowed)?;
    Ok(format!(
        "collected {} runs of {} finished specs ({} planned, {} failed, {} missing) into {}",
        rows.len(),
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
/// figure (lists and tables stay in the JSON).
fn csv_text(axes: &[String], rows: &[Row]) -> String {
    let keys: BTreeSet<&String> = rows
        .iter()
        .flat_map(|r| r.summary.iter())
        .filter(|(_, v)| matches!(v, Value::Number(_) | Value::String(_) | Value::Bool(_)))
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

/// Median, lowest and highest of `values` (not empty).
fn spread(values: &mut [f64]) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    (median, values[0], values[n - 1])
}

/// A curve of the chart: its label and `(x, median, low, high, count)` points.
type Points = Vec<(f64, f64, f64, f64, usize)>;

fn chart_svg(experiment: &str, rows: &[Row], request: &ChartRequest) -> Result<String, String> {
    let number = |text: &str| text.parse::<f64>().ok().filter(|v| v.is_finite());
    // (series value, run label) -> x -> values
    let mut groups: BTreeMap<(String, String), BTreeMap<String, Vec<f64>>> = BTreeMap::new();
    let mut unreached = 0usize;
    for row in rows {
        let x = row
            .grid
            .get(&request.x)
            .ok_or_else(|| format!("--x {}: not a grid axis of this sweep", request.x))?;
        let series = match &request.series {
            Some(key) => row
                .grid
                .get(key)
                .map(|v| format!("{key}={v}"))
                .ok_or_else(|| format!("--series {key}: not a grid axis of this sweep"))?,
            None => String::new(),
        };
        let entry = groups
            .entry((series, row.run.clone()))
            .or_default()
            .entry(x.clone())
            .or_default();
        match row.summary.get(&request.y) {
            Some(Value::Number(n)) => entry.extend(n.as_f64()),
            Some(Value::Null) => unreached += 1,
            Some(_) => return Err(format!("--y {}: not a number in the summaries", request.y)),
            None => {}
        }
    }
    let curves: Vec<(String, Points)> = groups
        .into_iter()
        .map(|((series, run), by_x)| {
            let mut points: Points = by_x
                .into_iter()
                .filter_map(|(x, mut values)| {
                    let x = number(&x)?;
                    (!values.is_empty()).then(|| {
                        let (m, lo, hi) = spread(&mut values);
                        (x, m, lo, hi, values.len())
                    })
                })
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let label = [series, run]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            (label, points)
        })
        .filter(|(_, p)| !p.is_empty())
        .collect();
    if curves.is_empty() {
        return Err(format!(
            "no finished run has a number for {} against {}",
            request.y, request.x
        ));
    }
    let all = || curves.iter().flat_map(|(_, p)| p.iter());
    let (x_lo, x_hi) = all().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let y_hi = all().map(|p| p.3).fold(f64::MIN, f64::max);
    let pad = ((x_hi - x_lo) * 0.05).max(1e-9);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 480)).into_drawing_area();
        let draw = || -> Result<(), Box<dyn std::error::Error>> {
            root.fill(&WHITE)?;
            let note = if unreached > 0 {
                format!(" ({unreached} runs never reached it: left out)")
            } else {
                String::new()
            };
            let mut chart = ChartBuilder::on(&root)
                .caption(
                    format!(
                        "{experiment}: {} by {}{note}",
                        overfit_core::terms::words(&request.y),
                        request.x
                    ),
                    ("sans-serif", 16),
                )
                .margin(14)
                .x_label_area_size(40)
                .y_label_area_size(64)
                .build_cartesian_2d(x_lo - pad..x_hi + pad, 0.0..(y_hi * 1.08).max(1e-9))?;
            chart
                .configure_mesh()
                .x_desc(request.x.as_str())
                .y_desc(format!(
                    "{} (median, range shaded)",
                    overfit_core::terms::words(&request.y)
                ))
                .draw()?;
            for (i, (label, points)) in curves.iter().enumerate() {
                let colour = crate::chart::color(i);
                if points.len() >= 2 {
                    let outline: Vec<(f64, f64)> = points
                        .iter()
                        .map(|p| (p.0, p.3))
                        .chain(points.iter().rev().map(|p| (p.0, p.2)))
                        .collect();
                    chart.draw_series(std::iter::once(Polygon::new(
                        outline,
                        colour.mix(0.15).filled(),
                    )))?;
                }
                let style = colour.stroke_width(2);
                chart
                    .draw_series(LineSeries::new(points.iter().map(|p| (p.0, p.1)), style))?
                    .label(label.clone())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style));
                chart.draw_series(
                    points
                        .iter()
                        .map(|p| Circle::new((p.0, p.1), 3, colour.filled())),
                )?;
            }
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()?;
            root.present()?;
            Ok(())
        };
        draw().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}
