//! One chart description for every screen: curves on shared axes (log rules, ticks, markers,
//! the palette, the legend) and its SVG rendering. The page draws this markup and adds its
//! interaction (the readout under the pointer); the CLI writes it to chart.svg, several charts
//! side by side; the same markup is what the page offers for download.

use std::fmt::Write;

use super::{XAxis, escape_markup as escape, thin, thin_band};

/// One curve.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Line {
    pub label: String,
    pub color: &'static str,
    pub dashed: bool,
    pub points: Vec<(f64, f64)>,
    /// `(x, low, high)`: a shaded band (mean ± spread over seeds); may be empty.
    pub band: Vec<(f64, f64, f64)>,
}

/// A vertical marker at a step (e.g. the step a run reached 95% validation accuracy).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Marker {
    pub x: f64,
    pub color: &'static str,
    /// The whole sentence (the line's tooltip).
    pub label: String,
    /// The few words written beside the line, on a chart that writes them.
    pub word: String,
}

/// A chart: curves on shared axes.
#[derive(Clone, Debug, Default, PartialEq)]
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
    /// Said inside the plot while it has no curve (before a run): what will be drawn there.
    /// An empty chart draws its axes and their names, and no tick it cannot know.
    pub pending: Option<String>,
}

mod layout;

pub use layout::Layout;
use layout::{Frame, frame};

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

/// Several charts in one SVG document, side by side in a row (chart.svg), each laid out as a
/// file's ([`Layout::FILE`]).
pub fn side_by_side(charts: &[ChartSpec]) -> String {
    let height = charts.iter().map(|c| size(c).1).fold(0.0, f64::max);
    let w = Layout::FILE.width;
    let width = w * charts.len().max(1) as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\"><rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>"
    );
    for (i, chart) in charts.iter().enumerate() {
        // Each chart's own document, placed in its column.
        let inner =
            render(chart).replacen("<svg ", &format!("<svg x=\"{}\" y=\"0\" ", w * i as f64), 1);
        s.push_str(&inner);
    }
    s.push_str("</svg>");
    s
}

/// The chart's width and height as a file draws it (its legend included).
pub fn size(spec: &ChartSpec) -> (f64, f64) {
    size_at(spec, Layout::FILE)
}

/// The chart's width and height drawn at `layout`.
pub fn size_at(spec: &ChartSpec, layout: Layout) -> (f64, f64) {
    (layout.width, frame(spec, layout).height)
}

/// The plot's box drawn at `layout`: left, top, right and bottom, in pixels.
pub fn plot_area(spec: &ChartSpec, layout: Layout) -> (f64, f64, f64, f64) {
    let f = frame(spec, layout);
    (f.left, f.top, f.right, f.bottom)
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

/// The readout at `fraction` of the chart's width drawn at `layout` (where a pointer is; in
/// the margins, the plot's nearest edge), or `None` with nothing drawn.
pub fn readout(spec: &ChartSpec, layout: Layout, fraction: f64) -> Option<Readout> {
    let f = frame(spec, layout);
    let w = layout.width;
    let across = ((fraction * w - f.left) / (f.right - f.left)).clamp(0.0, 1.0);
    let axis = f.axis;
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
        at: f.px(x) / w,
        rows,
    })
}

/// Renders the chart as a standalone SVG document, laid out as a file's ([`Layout::FILE`]).
pub fn render(spec: &ChartSpec) -> String {
    render_at(spec, Layout::FILE)
}

/// Renders the chart laid out for `layout`: one unit a pixel. Its colours are attributes a
/// page's stylesheet may override by class (`bg`, `grid`, `tick`, `axis`, `legend`, `title`,
/// `marker-word`), so the page's dark theme reaches the chart and a file stays light.
pub fn render_at(spec: &ChartSpec, layout: Layout) -> String {
    let f = frame(spec, layout);
    let (w, h, t) = (layout.width, f.height, layout.text);
    let line_h = layout.line_height();
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h:.0}\" width=\"{w}\" height=\"{h:.0}\" \
         class=\"chart\" role=\"img\" aria-label=\"{}\" font-family=\"system-ui, sans-serif\">\
         <rect class=\"bg\" width=\"{w}\" height=\"{h:.0}\" fill=\"white\"/>",
        escape(&spec.title)
    );
    let title_size = layout.title_size();
    let _ = write!(
        s,
        "<text class=\"title\" y=\"{:.1}\" font-size=\"{title_size:.1}\" font-weight=\"600\" fill=\"#111\">{}</text>",
        8.0 + title_size,
        lines(&f.title, 8.0, 1.3 * title_size)
    );
    for y in &f.y_ticks {
        let y0 = f.py(spec, *y);
        let _ = write!(
            s,
            "<line class=\"grid\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y0:.1}\" y2=\"{y0:.1}\" stroke=\"#e5e7eb\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"{t:.1}\" text-anchor=\"end\" fill=\"#4b5563\">{}</text>",
            f.left,
            f.right,
            f.left - 5.0,
            y0 + 0.35 * t,
            fmt_tick(*y),
        );
    }
    for x in &f.x_ticks {
        let _ = write!(
            s,
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"{t:.1}\" text-anchor=\"middle\" fill=\"#4b5563\">{}</text>",
            f.px(*x),
            f.bottom + line_h,
            fmt_tick(*x)
        );
    }
    // Centred under the plot where it fits, else under the whole chart.
    let widest = f
        .x_label
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0) as f64;
    let half = widest * layout.char_width() / 2.0;
    let centre = ((f.left + f.right) / 2.0)
        .min(w - 8.0 - half)
        .max(8.0 + half);
    let _ = write!(
        s,
        "<text class=\"axis\" y=\"{:.1}\" font-size=\"{t:.1}\" text-anchor=\"middle\" fill=\"#1f2937\">{}</text>",
        f.bottom + 2.0 * line_h + 0.3 * t,
        lines(&f.x_label, centre, line_h),
    );
    if f.y_label {
        let (x, y) = (8.0 + t, (f.top + f.bottom) / 2.0);
        let _ = write!(
            s,
            "<text class=\"axis\" transform=\"translate({x:.1} {y:.1}) rotate(-90)\" font-size=\"{t:.1}\" \
             text-anchor=\"middle\" fill=\"#1f2937\">{}</text>",
            escape(&spec.y_label)
        );
    }
    if spec.lines.is_empty()
        && let Some(note) = &spec.pending
    {
        let room = ((f.right - f.left - 16.0) / layout.char_width()).max(8.0) as usize;
        let words = layout::wrap(note, room);
        let top = (f.top + f.bottom) / 2.0 - (words.len() as f64 - 1.0) * line_h / 2.0;
        // The plot's box stands for its axes until there is a range to tick.
        let _ = write!(
            s,
            "<rect class=\"grid\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"#e5e7eb\"/>",
            f.left,
            f.top,
            f.right - f.left,
            f.bottom - f.top
        );
        let _ = write!(
            s,
            "<text class=\"pending\" y=\"{top:.1}\" font-size=\"{t:.1}\" text-anchor=\"middle\" fill=\"#4b5563\">{}</text>",
            lines(&words, (f.left + f.right) / 2.0, line_h)
        );
    }
    markers(&mut s, spec, &f);
    bands(&mut s, spec, &f);
    for line in &spec.lines {
        let on_screen: Vec<(f64, f64)> = line
            .points
            .iter()
            .filter(|(x, y)| {
                y.is_finite() && (!spec.log_x || *x > 0.0) && (!spec.log_y || *y > 0.0)
            })
            .map(|&(x, y)| (f.px(x), f.py(spec, y)))
            .collect();
        let pts: Vec<String> = thin(&on_screen)
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = write!(
            s,
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{} points=\"{}\"/>",
            line.color,
            dash(line),
            pts.join(" ")
        );
    }
    legend(&mut s, spec, &f);
    s.push_str("</svg>");
    s
}

/// Wrapped words as one text's lines: a `tspan` each, at `x`, `step` below the one before.
/// Each line but the last ends in a space, so the text reads as its words (to a screen reader,
/// or copied) and not as lines run together.
fn lines(words: &[String], x: f64, step: f64) -> String {
    let mut s = String::new();
    for (i, line) in words.iter().enumerate() {
        let dy = if i == 0 { 0.0 } else { step };
        let space = if i + 1 < words.len() { " " } else { "" };
        let _ = write!(
            s,
            "<tspan x=\"{x:.1}\" dy=\"{dy:.1}\">{}{space}</tspan>",
            escape(line)
        );
    }
    s
}

fn dash(line: &Line) -> &'static str {
    if line.dashed {
        " stroke-dasharray=\"5 3\""
    } else {
        ""
    }
}

/// The legend below the plot: a sample of each curve's stroke and its label ("run: metric" in
/// words), two entries a row where every label fits half the width, wrapped where it must.
fn legend(s: &mut String, spec: &ChartSpec, f: &Frame) {
    let t = f.layout.text;
    let line_h = f.layout.line_height();
    for (line, entry) in spec.lines.iter().zip(&f.legend) {
        let (lx, ly) = (entry.x, entry.y);
        let _ = write!(
            s,
            "<line x1=\"{lx:.1}\" x2=\"{:.1}\" y1=\"{ly:.1}\" y2=\"{ly:.1}\" stroke=\"{}\" stroke-width=\"2.5\"{}/>",
            lx + 20.0,
            line.color,
            dash(line),
        );
        let _ = write!(
            s,
            "<text class=\"legend\" y=\"{:.1}\" font-size=\"{t:.1}\" fill=\"#1f2937\">{}</text>",
            ly + 0.35 * t,
            lines(&entry.lines, lx + 24.0, line_h)
        );
    }
}

/// Each marker's dashed line (its sentence as a tooltip) and, on the chart that writes them,
/// its words beside it, read top to bottom; none where they would overlap words already there.
fn markers(s: &mut String, spec: &ChartSpec, f: &Frame) {
    let t = f.layout.text;
    let mut written: Vec<f64> = Vec::new();
    for marker in &spec.markers {
        let log = |x: f64| x.log10();
        if spec.log_x && (marker.x <= 0.0 || log(marker.x) < f.axis.lo || log(marker.x) > f.axis.hi)
        {
            continue;
        }
        let x = f.px(marker.x);
        let _ = write!(
            s,
            "<line class=\"marker\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{}\" \
             stroke-width=\"1.5\" stroke-dasharray=\"3 3\"><title>{}</title></line>",
            f.top,
            f.bottom,
            marker.color,
            escape(&marker.label)
        );
        let fits =
            marker.word.chars().count() as f64 * f.layout.char_width() <= f.bottom - f.top - 6.0;
        let words = spec.marker_words && !f.layout.picture;
        if words && fits && written.iter().all(|w| (w - x).abs() >= 1.2 * t) {
            written.push(x);
            let (wx, wy) = (x + 3.0, f.top + 3.0);
            let _ = write!(
                s,
                "<text class=\"marker-word\" x=\"{wx:.1}\" y=\"{wy:.1}\" transform=\"rotate(90 {wx:.1} {wy:.1})\" \
                 font-size=\"{t:.1}\" fill=\"#374151\" stroke=\"white\" stroke-width=\"3\" \
                 paint-order=\"stroke\">{}</text>",
                escape(&marker.word)
            );
        }
    }
}

/// Each curve's band (its spread over seeds), under the curves.
fn bands(s: &mut String, spec: &ChartSpec, f: &Frame) {
    for line in &spec.lines {
        let visible = |x: f64| !spec.log_x || x > 0.0;
        let band: Vec<(f64, f64, f64)> = line
            .band
            .iter()
            .filter(|b| visible(b.0))
            .map(|&(x, lo, hi)| (f.px(x), f.py(spec, lo), f.py(spec, hi)))
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
}

#[cfg(test)]
mod tests;
