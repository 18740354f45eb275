//! One chart description for every screen: curves on shared axes (log rules, ticks, markers,
//! the palette, the legend) and its SVG rendering. The page draws this markup and adds its
//! interaction (the readout under the pointer); the CLI writes it to chart.svg, several charts
//! side by side; the same markup is what the page offers for download.

use std::fmt::Write;

use super::{XAxis, escape_markup as escape, thin, thin_band};

/// One curve.
pub struct Line {
    pub label: String,
    pub color: &'static str,
    pub dashed: bool,
    pub points: Vec<(f64, f64)>,
    /// `(x, low, high)`: a shaded band (mean ± spread over seeds); may be empty.
    pub band: Vec<(f64, f64, f64)>,
}

/// A vertical marker at a step (e.g. the step a run reached 95% validation accuracy).
pub struct Marker {
    pub x: f64,
    pub color: &'static str,
    /// The whole sentence (the line's tooltip).
    pub label: String,
    /// The few words written beside the line, on a chart that writes them.
    pub word: String,
}

/// A chart: curves on shared axes.
pub struct ChartSpec {
    pub title: String,
    /// The x axis's name (the report's axis: `step`, `features`, ...).
    pub x_label: String,
    pub y_label: String,
    pub y_range: Option<(f64, f64)>,
    pub log_x: bool,
    pub log_y: bool,
    pub lines: Vec<Line>,
    pub markers: Vec<Marker>,
    /// Writes each marker's words beside its line (one chart of a page does, so the words
    /// are read once).
    pub marker_words: bool,
}

const W: f64 = 520.0;
const H: f64 = 280.0;
const L: f64 = 52.0;
const R: f64 = 12.0;
const T: f64 = 28.0;
const B: f64 = 40.0;
/// Legend entries per row, where every label fits half the width; else one.
const LEGEND_COLUMNS: usize = 2;
/// The longest label that fits half the legend's width (10 px text).
const LEGEND_HALF_CHARS: usize = 36;
/// The longest y-axis name that fits beside the plot (11 px text); a longer one is left to
/// the chart's title.
const Y_LABEL_CHARS: usize = 34;

/// Legend entries per row for `spec`'s labels.
fn legend_columns(spec: &ChartSpec) -> usize {
    if spec
        .lines
        .iter()
        .all(|l| l.label.chars().count() <= LEGEND_HALF_CHARS)
    {
        LEGEND_COLUMNS
    } else {
        1
    }
}

fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let span = (hi - lo).max(1e-12);
    let raw = span / n as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= n as f64)
        .unwrap_or(mag * 10.0);
    // Each tick a multiple of the step (not a running sum, whose error grows), and `+ 0.0`
    // so that a zero below negative ticks reads "0", not "-0".
    let first = (lo / step).ceil();
    (0..)
        .map(|i| (first + f64::from(i)) * step + 0.0)
        .take_while(|t| *t <= hi + step * 1e-9)
        .take(1000)
        .collect()
}

fn fmt_tick(v: f64) -> String {
    if v != 0.0 && v.abs() < 0.01 {
        format!("{v:.0e}")
    } else if v.abs() >= 10_000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Several charts in one SVG document, side by side in a row (chart.svg).
pub fn side_by_side(charts: &[ChartSpec]) -> String {
    let height = charts.iter().map(|c| size(c).1).fold(0.0, f64::max);
    let width = W * charts.len().max(1) as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\"><rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>"
    );
    for (i, chart) in charts.iter().enumerate() {
        let (w, h) = size(chart);
        // Each chart's own document, placed in its column.
        let inner = render(chart).replacen(
            "<svg ",
            &format!(
                "<svg x=\"{}\" y=\"0\" width=\"{w}\" height=\"{h}\" ",
                W * i as f64
            ),
            1,
        );
        s.push_str(&inner);
    }
    s.push_str("</svg>");
    s
}

/// The chart's width and height in SVG units (its legend included).
pub fn size(spec: &ChartSpec) -> (f64, f64) {
    (
        W,
        H + 8.0 + 14.0 * spec.lines.len().div_ceil(legend_columns(spec)) as f64,
    )
}

/// The chart's x axis. Linear: from 0 (or the smallest x, if negative) to the largest x. Log:
/// from the decade below the smallest positive x to the largest x (x <= 0 is left out there),
/// so a grid of learning rates from 0.001 to 0.01 spans the width.
pub fn x_axis(spec: &ChartSpec) -> XAxis {
    let xs = spec
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .filter(|x| x.is_finite() && (!spec.log_x || *x > 0.0));
    let (x_min, x_max) = xs.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let (lo, hi) = match (spec.log_x, x_min <= x_max) {
        (true, true) => {
            let lo = x_min.log10().floor();
            (lo, x_max.log10())
        }
        (true, false) => (0.0, 1.0),
        (false, true) => {
            let (lo, hi) = (x_min.min(0.0), x_max.max(0.0));
            (lo, if hi > lo { hi } else { lo + 1.0 })
        }
        (false, false) => (0.0, 1.0),
    };
    XAxis {
        lo,
        hi: hi.max(lo + 1e-9),
        log: spec.log_x,
    }
}

/// The chart's y range: `y_range` where the spec sets one. Else on a log axis whole decades
/// about the positive values; on a linear one from 0 (or below the lowest value, band
/// included, where one is negative) to a little above the highest (or 0, where all are
/// negative), so a negative value is drawn where it is, not on the zero line.
pub fn y_bounds(spec: &ChartSpec) -> (f64, f64) {
    if let Some(range) = spec.y_range {
        return range;
    }
    let ys = spec
        .lines
        .iter()
        .flat_map(|l| {
            let band = l.band.iter().flat_map(|b| [b.1, b.2]);
            l.points.iter().map(|p| p.1).chain(band)
        })
        .filter(|y| y.is_finite());
    let hi = ys.clone().fold(0.0, f64::max);
    if spec.log_y {
        let lo = ys.filter(|y| *y > 0.0).fold(f64::MAX, f64::min);
        if hi > 0.0 && lo < f64::MAX {
            // Whole decades, at most six of them below the top.
            let top = 10f64.powf(hi.log10().ceil());
            let bottom = 10f64.powf(lo.log10().floor()).max(top * 1e-6);
            return (bottom, top);
        }
        return (1e-3, 1.0);
    }
    let lo = ys.fold(0.0, f64::min);
    let pad = 0.05 * (hi - lo);
    match (lo < 0.0, hi > 0.0) {
        (false, false) => (0.0, 1.0),
        (false, true) => (0.0, hi + pad),
        (true, false) => (lo - pad, 0.0),
        (true, true) => (lo - pad, hi + pad),
    }
}

/// What the chart shows at a point across it: the x of the nearest recorded point, where that
/// sits (a fraction of the chart's width), and each curve's value there.
pub struct Readout {
    pub x: f64,
    pub at: f64,
    pub rows: Vec<(String, &'static str, f64)>,
}

/// The readout at `fraction` of the chart's width (where a pointer is; in the margins, the
/// plot's nearest edge), or `None` with nothing drawn.
pub fn readout(spec: &ChartSpec, fraction: f64) -> Option<Readout> {
    let across = ((fraction * W - L) / (W - L - R)).clamp(0.0, 1.0);
    let axis = x_axis(spec);
    let wanted = axis.value_at(across);
    // The recorded x nearest the pointer over every curve; each curve's value nearest it.
    let x = spec
        .lines
        .iter()
        .filter_map(|l| axis.nearest(&l.points, wanted))
        .map(|p| p.0)
        .min_by(|a, b| {
            (axis.fraction(*a) - axis.fraction(wanted))
                .abs()
                .total_cmp(&(axis.fraction(*b) - axis.fraction(wanted)).abs())
        })?;
    let rows = spec
        .lines
        .iter()
        .filter_map(|l| {
            let (_, y) = axis.nearest(&l.points, x)?;
            Some((l.label.clone(), l.color, y))
        })
        .collect();
    Some(Readout {
        x,
        at: (L + axis.fraction(x) * (W - L - R)) / W,
        rows,
    })
}

/// Renders the chart as a standalone SVG document.
pub fn render(spec: &ChartSpec) -> String {
    let axis = x_axis(spec);
    let tx = |x: f64| {
        if spec.log_x {
            x.max(10f64.powf(axis.lo)).log10()
        } else {
            x
        }
    };
    let (x_lo, x_hi) = (axis.lo, axis.hi);
    let (y_lo, y_hi) = y_bounds(spec);
    let ty = |y: f64| {
        if spec.log_y { y.max(y_lo).log10() } else { y }
    };
    let (ty_lo, ty_hi) = (ty(y_lo), ty(y_hi));
    let px = |x: f64| L + axis.fraction(x) * (W - L - R);
    let py = |y: f64| {
        T + (1.0 - (ty(y.clamp(y_lo, y_hi)) - ty_lo) / (ty_hi - ty_lo).max(1e-12)) * (H - T - B)
    };
    let full_h = size(spec).1;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {full_h}\" class=\"chart\" role=\"img\" \
         aria-label=\"{}\"><rect width=\"{W}\" height=\"{full_h}\" fill=\"white\"/>",
        escape(&spec.title)
    );
    let _ = write!(
        s,
        "<text x=\"{L}\" y=\"18\" font-size=\"13\" font-weight=\"600\">{}</text>",
        escape(&spec.title)
    );
    let y_ticks: Vec<f64> = if spec.log_y {
        (ty_lo.round() as i32..=ty_hi.round() as i32)
            .map(|e| 10f64.powi(e))
            .collect()
    } else {
        nice_ticks(y_lo, y_hi, 4)
    };
    for y in y_ticks {
        let _ = write!(
            s,
            "<line x1=\"{L}\" x2=\"{}\" y1=\"{y0:.1}\" y2=\"{y0:.1}\" stroke=\"#e5e7eb\"/>\
             <text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"#555\">{}</text>",
            W - R,
            L - 4.0,
            py(y) + 3.0,
            fmt_tick(y),
            y0 = py(y)
        );
    }
    let x_ticks: Vec<f64> = if spec.log_x {
        (x_lo as i32..=x_hi.ceil() as i32)
            .flat_map(|e| {
                let decade = 10f64.powi(e);
                // Two decades or fewer: label 2× and 5× too.
                if x_hi - x_lo <= 2.0 {
                    vec![decade, 2.0 * decade, 5.0 * decade]
                } else {
                    vec![decade]
                }
            })
            .filter(|v| tx(*v) >= x_lo - 1e-9 && tx(*v) <= x_hi + 1e-9)
            .collect()
    } else {
        nice_ticks(x_lo, x_hi, 5)
    };
    for x in x_ticks {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
            px(x),
            H - B + 14.0,
            fmt_tick(x)
        );
    }
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#333\">{}{}</text>\
         <text transform=\"translate(12 {}) rotate(-90)\" font-size=\"11\" text-anchor=\"middle\" fill=\"#333\">{}</text>",
        (L + W - R) / 2.0,
        H - 6.0,
        escape(&spec.x_label),
        if spec.log_x { " (log scale)" } else { "" },
        (T + H - B) / 2.0,
        if spec.y_label.chars().count() <= Y_LABEL_CHARS {
            escape(&spec.y_label)
        } else {
            String::new()
        }
    );
    // Words beside a marker's line, read top to bottom; none where they would overlap the
    // words of a marker already written.
    let mut written: Vec<f64> = Vec::new();
    for marker in &spec.markers {
        if spec.log_x && (marker.x <= 0.0 || tx(marker.x) < x_lo || tx(marker.x) > x_hi) {
            continue;
        }
        let x = px(marker.x);
        let _ = write!(
            s,
            "<line class=\"marker\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{T}\" y2=\"{}\" stroke=\"{}\" \
             stroke-width=\"1.5\" stroke-dasharray=\"3 3\"><title>{}</title></line>",
            H - B,
            marker.color,
            escape(&marker.label)
        );
        if spec.marker_words && written.iter().all(|w| (w - x).abs() >= 12.0) {
            written.push(x);
            let (wx, wy) = (x + 3.0, T + 3.0);
            let _ = write!(
                s,
                "<text class=\"marker-word\" x=\"{wx:.1}\" y=\"{wy:.1}\" transform=\"rotate(90 {wx:.1} {wy:.1})\" \
                 font-size=\"10\" fill=\"#374151\" stroke=\"white\" stroke-width=\"3\" \
                 paint-order=\"stroke\">{}</text>",
                escape(&marker.word)
            );
        }
    }
    for line in &spec.lines {
        let visible = |x: f64| !spec.log_x || x > 0.0;
        let band: Vec<(f64, f64, f64)> = line
            .band
            .iter()
            .filter(|b| visible(b.0))
            .map(|&(x, lo, hi)| (px(x), py(lo), py(hi)))
            .collect();
        let band = thin_band(&band);
        let upper = band.iter().map(|(x, _, hi)| format!("{x:.1},{hi:.1}"));
        let lower = band
            .iter()
            .rev()
            .map(|(x, lo, _)| format!("{x:.1},{lo:.1}"));
        let outline: Vec<String> = upper.chain(lower).collect();
        if outline.len() >= 4 {
            let _ = write!(
                s,
                "<polygon class=\"band\" fill=\"{}\" fill-opacity=\"0.15\" stroke=\"none\" points=\"{}\"/>",
                line.color,
                outline.join(" ")
            );
        }
    }
    let columns = legend_columns(spec);
    for (i, line) in spec.lines.iter().enumerate() {
        let on_screen: Vec<(f64, f64)> = line
            .points
            .iter()
            .filter(|(x, y)| {
                y.is_finite() && (!spec.log_x || *x > 0.0) && (!spec.log_y || *y > 0.0)
            })
            .map(|&(x, y)| (px(x), py(y)))
            .collect();
        let pts: Vec<String> = thin(&on_screen)
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let dash = if line.dashed {
            " stroke-dasharray=\"5 3\""
        } else {
            ""
        };
        let _ = write!(
            s,
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{dash} points=\"{}\"/>",
            line.color,
            pts.join(" ")
        );
        // Legend below the plot, two entries per row where they fit ("run: metric" in words).
        let (row, col) = (i / columns, i % columns);
        let lx = L + col as f64 * (W - L - R) / columns as f64;
        let ly = H + 6.0 + 14.0 * row as f64;
        let _ = write!(
            s,
            "<line x1=\"{lx}\" x2=\"{}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{}\" stroke-width=\"2\"{dash}/>\
             <text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#333\">{}</text>",
            lx + 20.0,
            line.color,
            lx + 24.0,
            ly + 3.0,
            escape(&line.label)
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests;
