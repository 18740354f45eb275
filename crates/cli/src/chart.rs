//! SVG charts of a report: the experiment's panels side by side, runs overlaid (one colour per
//! run; training curves dashed).

use overfit_core::experiments::{Experiment, Mark, Panel};
use overfit_core::report::Report;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

/// The project's palette (`overfit_core::plot::PALETTE`), colour `i`.
pub(crate) fn color(i: usize) -> RGBColor {
    let (r, g, b) = overfit_core::plot::palette_rgb(i);
    RGBColor(r, g, b)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Error = Box<dyn std::error::Error>;

struct Curve {
    label: String,
    color: RGBColor,
    dashed: bool,
    points: Vec<(f64, f64)>,
    /// `(x, low, high)`: mean ± spread over seeds, shaded.
    band: Vec<(f64, f64, f64)>,
}

/// Renders the report as one SVG with a panel per chart of its experiment.
pub fn render_svg(report: &Report) -> Result<String, String> {
    let experiment: Experiment = report.experiment.parse().map_err(|e| format!("{e}"))?;
    let panels = experiment.panels_for(report);
    let marks = experiment.markers(report);
    let mut svg = String::new();
    {
        let width = 500 * panels.len().max(1) as u32;
        let root = SVGBackend::with_string(&mut svg, (width, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let areas = root.split_evenly((1, panels.len().max(1)));
        for (i, (area, panel)) in areas.iter().zip(panels).enumerate() {
            // The first panel writes the markers' words; the others draw their lines.
            draw_panel(area, report, panel, &marks, i == 0).map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

fn curves(report: &Report, panel: &Panel) -> Vec<Curve> {
    panel
        .curves(report)
        .into_iter()
        .map(|c| Curve {
            label: c.label,
            color: color(c.colour),
            dashed: c.training,
            band: c
                .band
                .into_iter()
                .filter(|(x, lo, hi)| {
                    lo.is_finite() && hi.is_finite() && (!panel.log_x || *x > 0.0)
                })
                .collect(),
            points: c
                .points
                .into_iter()
                .filter(|(s, v)| {
                    v.is_finite() && (!panel.log_x || *s > 0.0) && (!panel.log_y || *v > 0.0)
                })
                .collect(),
        })
        .filter(|c| !c.points.is_empty())
        .collect()
}

fn draw_panel(
    area: &Area<'_>,
    report: &Report,
    panel: &Panel,
    marks: &[Mark],
    words: bool,
) -> Result<(), Error> {
    let curves = curves(report, panel);
    let all = || curves.iter().flat_map(|c| c.points.iter());
    let x_max = all().map(|p| p.0).fold(1.0, f64::max).max(2.0);
    // Log axes start at the decade below the smallest positive x (step 0 is left out).
    let x_min = all()
        .map(|p| p.0)
        .filter(|x| *x > 0.0)
        .fold(f64::MAX, f64::min);
    let x_min = if x_min < f64::MAX {
        10f64.powf(x_min.log10().floor())
    } else {
        1.0
    };
    let (y_lo, y_hi) = panel.y_range.unwrap_or_else(|| {
        let hi = all().map(|p| p.1).fold(f64::MIN, f64::max);
        let lo = all().map(|p| p.1).fold(f64::MAX, f64::min);
        if panel.log_y && hi > 0.0 {
            (lo.max(hi * 1e-6), hi * 1.5)
        } else {
            (0.0, if hi > 0.0 { hi * 1.05 } else { 1.0 })
        }
    });
    let caption = format!("{} — {}", report.experiment, panel.title);
    let axis = overfit_core::terms::words(panel.x_label(report));
    let x_desc = if panel.log_x {
        format!("{axis} (log scale)")
    } else {
        axis.to_string()
    };
    // Markers sit on the report's axis.
    let marks = if panel.x.is_none() { marks } else { &[] };
    let x_desc = x_desc.as_str();
    let lines = Lines {
        curves: &curves,
        marks,
        words,
        y: (y_lo, y_hi),
    };
    match (panel.log_x, panel.log_y) {
        (false, false) => plot(
            area,
            &caption,
            x_desc,
            panel,
            &lines,
            0.0..x_max,
            y_lo..y_hi,
        ),
        (true, false) => plot(
            area,
            &caption,
            x_desc,
            panel,
            &lines,
            (x_min..x_max).log_scale(),
            y_lo..y_hi,
        ),
        (false, true) => plot(
            area,
            &caption,
            x_desc,
            panel,
            &lines,
            0.0..x_max,
            (y_lo..y_hi).log_scale(),
        ),
        (true, true) => plot(
            area,
            &caption,
            x_desc,
            panel,
            &lines,
            (x_min..x_max).log_scale(),
            (y_lo..y_hi).log_scale(),
        ),
    }
}

/// What a panel draws: its curves and the report's vertical markers over the y range.
struct Lines<'a> {
    curves: &'a [Curve],
    marks: &'a [Mark],
    /// Write each marker's words beside its line.
    words: bool,
    y: (f64, f64),
}

fn plot<X, Y>(
    area: &Area<'_>,
    caption: &str,
    x_desc: &str,
    panel: &Panel,
    lines: &Lines<'_>,
    x: X,
    y: Y,
) -> Result<(), Error>
where
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(52)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(panel.title)
        .draw()?;
    let curves = lines.curves;
    for mark in lines.marks {
        let color = mark.run.map_or(RGBColor(100, 100, 100), color);
        chart.draw_series(DashedLineSeries::new(
            [(mark.x, lines.y.0), (mark.x, lines.y.1)],
            3,
            4,
            color.stroke_width(1),
        ))?;
    }
    // Words read top to bottom beside each line; none that would overlap words written.
    let mut written: Vec<i32> = Vec::new();
    for mark in lines.marks.iter().filter(|_| lines.words) {
        let (x, _) = chart.backend_coord(&(mark.x, lines.y.1));
        if written.iter().any(|w| (w - x).abs() < 12) {
            continue;
        }
        written.push(x);
        let font = ("sans-serif", 11)
            .into_font()
            .transform(FontTransform::Rotate90)
            .color(&RGBColor(55, 65, 81));
        chart
            .plotting_area()
            .draw(&Text::new(mark.word.clone(), (mark.x, lines.y.1), font))?;
    }
    for curve in curves.iter().filter(|c| c.band.len() >= 2) {
        let (lo, hi) = lines.y;
        let outline: Vec<(f64, f64)> = curve
            .band
            .iter()
            .map(|(x, _, h)| (*x, h.clamp(lo, hi)))
            .chain(
                curve
                    .band
                    .iter()
                    .rev()
                    .map(|(x, l, _)| (*x, l.clamp(lo, hi))),
            )
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(
            outline,
            curve.color.mix(0.15).filled(),
        )))?;
    }
    for curve in curves {
        let style = ShapeStyle {
            color: curve.color.to_rgba(),
            filled: false,
            stroke_width: if curve.dashed { 1 } else { 2 },
        };
        chart
            .draw_series(LineSeries::new(curve.points.iter().copied(), style))?
            .label(curve.label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style));
    }
    if !curves.is_empty() {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
    }
    Ok(())
}
