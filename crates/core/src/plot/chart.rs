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
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + step * 1e-9 {
        out.push(t);
        t += step;
    }
    out
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

/// The chart's x axis: from 0 (the decade below the smallest positive x on a log axis; step
/// 0 is left out there) to the largest x.
pub fn x_axis(spec: &ChartSpec) -> XAxis {
    let xs = spec.lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
    let x_max = xs.clone().fold(1.0, f64::max);
    let x_min = xs.filter(|x| *x > 0.0).fold(f64::MAX, f64::min);
    let lo = if !spec.log_x {
        0.0
    } else if x_min < f64::MAX {
        x_min.log10().floor()
    } else {
        0.0
    };
    let top = if spec.log_x {
        x_max.max(10f64.powf(lo)).log10()
    } else {
        x_max
    };
    XAxis {
        lo,
        hi: top.max(lo + 1e-9),
        log: spec.log_x,
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
    let ys = spec
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .filter(|y| y.is_finite());
    let axis = x_axis(spec);
    let x_max = spec
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .fold(1.0, f64::max);
    let tx = |x: f64| {
        if spec.log_x {
            x.max(10f64.powf(axis.lo)).log10()
        } else {
            x
        }
    };
    let (x_lo, x_hi) = (axis.lo, axis.hi);
    let (y_lo, y_hi) = spec.y_range.unwrap_or_else(|| {
        let hi = ys.clone().fold(0.0, f64::max);
        if spec.log_y {
            let lo = ys.clone().filter(|y| *y > 0.0).fold(f64::MAX, f64::min);
            if hi > 0.0 && lo < f64::MAX {
                // Whole decades, at most six of them below the top.
                let top = 10f64.powf(hi.log10().ceil());
                let bottom = 10f64.powf(lo.log10().floor()).max(top * 1e-6);
                return (bottom, top);
            }
            return (1e-3, 1.0);
        }
        (0.0, if hi > 0.0 { hi * 1.05 } else { 1.0 })
    });
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
        nice_ticks(0.0, x_max, 5)
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
mod tests {
    use super::*;
    use crate::plot::PALETTE;

    fn line(label: &str, points: &[(f64, f64)]) -> Line {
        Line {
            label: label.into(),
            color: PALETTE[0],
            dashed: false,
            points: points.to_vec(),
            band: Vec::new(),
        }
    }

    fn spec(lines: Vec<Line>, markers: Vec<Marker>) -> ChartSpec {
        ChartSpec {
            title: "accuracy".into(),
            x_label: "training step".into(),
            y_label: "accuracy".into(),
            y_range: Some((0.0, 1.0)),
            log_x: true,
            log_y: false,
            lines,
            markers,
            marker_words: true,
        }
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(
            nice_ticks(0.0, 1.0, 5),
            [0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        assert_eq!(nice_ticks(0.0, 950.0, 5), [0.0, 200.0, 400.0, 600.0, 800.0]);
    }

    #[test]
    fn the_readout_is_at_the_recorded_step_nearest_the_pointer() {
        let chart = spec(
            vec![
                line("train", &[(10.0, 0.1), (100.0, 0.5), (1000.0, 1.0)]),
                line("validation", &[(10.0, 0.0), (100.0, 0.1), (1000.0, 0.9)]),
            ],
            Vec::new(),
        );
        let r = readout(&chart, 1.0).expect("a readout");
        assert_eq!(r.x, 1000.0);
        let values: Vec<f64> = r.rows.iter().map(|row| row.2).collect();
        assert_eq!(values, [1.0, 0.9]);
        assert_eq!(readout(&chart, 0.0).expect("a readout").x, 10.0);
        assert!(readout(&spec(Vec::new(), Vec::new()), 0.5).is_none());
    }

    #[test]
    fn markers_write_their_words_once_and_not_over_each_other() {
        let marker = |x: f64, word: &str| Marker {
            x,
            color: PALETTE[1],
            label: format!("{word} at step {x}"),
            word: word.into(),
        };
        let chart = spec(
            vec![line("validation", &[(10.0, 0.0), (10_000.0, 1.0)])],
            vec![
                marker(300.0, "baseline memorised"),
                marker(310.0, "grokfast-ema memorised"),
                marker(5000.0, "baseline generalised"),
            ],
        );
        let svg = render(&chart);
        assert_eq!(svg.matches("<line class=\"marker\"").count(), 3);
        assert!(svg.contains(">baseline memorised</text>"));
        // 310 sits a pixel from 300 on a log axis: its words would overlap.
        assert!(!svg.contains(">grokfast-ema memorised</text>"));
        assert!(svg.contains("<title>grokfast-ema memorised at step 310</title>"));
        assert!(svg.contains(">baseline generalised</text>"));
        let quiet = render(&ChartSpec {
            marker_words: false,
            ..chart
        });
        assert!(!quiet.contains("class=\"marker-word\""));
    }

    #[test]
    fn long_legend_labels_take_a_row_each_and_long_axis_names_are_left_to_the_title() {
        let short = spec(
            vec![line("a", &[(1.0, 0.5)]), line("b", &[(1.0, 0.5)])],
            Vec::new(),
        );
        assert_eq!(legend_columns(&short), 2);
        let long = spec(
            vec![
                line(
                    "baseline: share of the embeddings' power in the 5 strongest frequencies",
                    &[(1.0, 0.5)],
                ),
                line("b", &[(1.0, 0.5)]),
            ],
            Vec::new(),
        );
        assert_eq!(legend_columns(&long), 1);
        assert!(size(&long).1 > size(&short).1);
        let named = render(&ChartSpec {
            y_label: "embedding power in its 5 strongest Fourier frequencies".into(),
            ..short
        });
        assert!(!named.contains(">embedding power in its 5 strongest Fourier frequencies</text>"));
    }

    #[test]
    fn charts_sit_side_by_side_in_one_document() {
        let one = spec(vec![line("a", &[(1.0, 0.5), (10.0, 0.6)])], Vec::new());
        let two = spec(vec![line("b", &[(1.0, 0.2), (10.0, 0.3)])], Vec::new());
        let svg = side_by_side(&[one, two]);
        assert_eq!(svg.matches("<svg ").count(), 3);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1040\""));
        assert!(svg.contains("<svg x=\"520\" y=\"0\" width=\"520\""));
        assert_eq!(svg.matches("<polyline").count(), 2);
    }

    #[test]
    fn labels_are_escaped() {
        let svg = render(&spec(
            vec![line("<b>&", &[(1.0, 0.5), (10.0, 0.6)])],
            Vec::new(),
        ));
        assert!(svg.contains("&lt;b&gt;&amp;"));
        assert!(!svg.contains("<b>"));
    }
}
