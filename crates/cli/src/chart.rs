//! SVG charts of a report: one panel per metric family (accuracy, loss), runs overlaid.

use overfit_core::report::Report;
use plotters::prelude::*;

const COLORS: [RGBColor; 6] = [
    RGBColor(37, 99, 235),
    RGBColor(234, 88, 12),
    RGBColor(22, 163, 74),
    RGBColor(147, 51, 234),
    RGBColor(220, 38, 38),
    RGBColor(8, 145, 178),
];

/// Renders the report's curves: metrics ending in `_acc` in the left panel, `_loss` in the right.
pub fn render_svg(report: &Report) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let panels = root.split_evenly((1, 2));
        for (panel, (suffix, title)) in panels.iter().zip([("_acc", "accuracy"), ("_loss", "loss")])
        {
            draw_panel(panel, report, suffix, title).map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

fn draw_panel(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    report: &Report,
    suffix: &str,
    title: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut lines = Vec::new();
    for run in &report.runs {
        let steps = run.column("step");
        for name in run
            .metric_names()
            .into_iter()
            .filter(|n| n.ends_with(suffix))
        {
            let points: Vec<(f64, f64)> = steps
                .iter()
                .zip(run.column(&name))
                .filter(|(_, v)| v.is_finite())
                .map(|(s, v)| (*s, v))
                .collect();
            let label = if report.runs.len() > 1 {
                format!("{} {}", run.label, name)
            } else {
                name
            };
            lines.push((label, points));
        }
    }
    let x_max = lines
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(x, _)| *x))
        .fold(1.0, f64::max);
    let y_max = lines
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(_, y)| *y))
        .fold(0.0, f64::max);
    let y_top = if suffix == "_acc" {
        1.0
    } else {
        (y_max * 1.05).max(1e-6)
    };
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("{} — {}", report.experiment, title),
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(0.0..x_max, 0.0..y_top)?;
    chart.configure_mesh().x_desc("step").y_desc(title).draw()?;
    for (i, (label, points)) in lines.into_iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let dashed = label.contains("train");
        let style = ShapeStyle {
            color: color.to_rgba(),
            filled: false,
            stroke_width: if dashed { 1 } else { 2 },
        };
        chart
            .draw_series(LineSeries::new(points, style))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}
