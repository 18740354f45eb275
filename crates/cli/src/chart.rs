//! chart.svg: a report's charts side by side, as the page draws them
//! ([`overfit_core::plot::chart`]).

use overfit_core::experiments::Experiment;
use overfit_core::plot::chart::side_by_side;
use overfit_core::report::Report;

/// Renders the report as one SVG with a chart per panel of its experiment.
pub fn render_svg(report: &Report) -> Result<String, String> {
    let experiment: Experiment = report.experiment.parse().map_err(|e| format!("{e}"))?;
    // A file stands alone: each title names the experiment too.
    let mut charts = experiment.charts(report);
    for chart in &mut charts {
        chart.title = format!("{} — {}", report.experiment, chart.title);
    }
    Ok(side_by_side(&charts))
}
