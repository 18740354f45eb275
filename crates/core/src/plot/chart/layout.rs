//! Where a chart's parts go for the width it is drawn at. One SVG unit is one pixel on screen,
//! so text keeps its size at every width: a narrow chart gets fewer ticks, a legend of one
//! column and wrapped words, not a smaller drawing.

use super::{ChartSpec, XAxis, fmt_tick, nice_ticks, x_axis, y_bounds};

/// The size a chart is drawn at: its width and its text size, in CSS pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Layout {
    pub width: f64,
    /// Tick labels, axis names, the legend and marker words; the title is 15% larger.
    pub text: f64,
    /// A picture of the chart (a home-page card, whose words say what it shows): its axes
    /// and curves, without its title, legend or marker words.
    pub picture: bool,
}

impl Layout {
    /// A chart written to a file (chart.svg, chart.png): 520 wide, 12 px text.
    pub const FILE: Layout = Layout {
        width: 520.0,
        text: 12.0,
        picture: false,
    };

    /// A chart `width` pixels wide on a page whose body text is `body` pixels: its text 85% of
    /// the body's, so a chart reads as well as the words around it on a phone or a projector.
    pub fn on_screen(width: f64, body: f64) -> Layout {
        let width = if width.is_finite() { width } else { 0.0 };
        let body = if body.is_finite() && body > 0.0 {
            body
        } else {
            15.0
        };
        Layout {
            width: width.clamp(MIN_WIDTH, MAX_WIDTH),
            text: (body * 0.85).clamp(10.0, 32.0),
            picture: false,
        }
    }

    /// [`Layout::on_screen`] as a picture: axes and curves only.
    pub fn picture(width: f64, body: f64) -> Layout {
        Layout {
            picture: true,
            ..Layout::on_screen(width, body)
        }
    }

    /// A generous average advance of a character (system-ui, digits and lower case).
    pub(super) fn char_width(&self) -> f64 {
        0.6 * self.text
    }

    pub(super) fn line_height(&self) -> f64 {
        1.3 * self.text
    }

    pub(super) fn title_size(&self) -> f64 {
        1.15 * self.text
    }

    /// How many characters of text fit in `px`.
    fn chars_in(&self, px: f64) -> usize {
        (px / self.char_width()).floor().max(1.0) as usize
    }
}

/// The narrowest and widest a chart is laid out for.
const MIN_WIDTH: f64 = 240.0;
const MAX_WIDTH: f64 = 2400.0;
/// Space at the chart's edges.
const PAD: f64 = 8.0;
/// The legend's stroke sample and the gap after it.
const SAMPLE: f64 = 24.0;

/// One legend entry's place: its sample's start and its label's lines.
pub(super) struct Entry {
    pub x: f64,
    pub y: f64,
    pub lines: Vec<String>,
}

/// Everything placed: the plot's box, the ticks that fit, the title's and legend's lines.
pub(super) struct Frame {
    pub layout: Layout,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
    pub title: Vec<String>,
    pub y_ticks: Vec<f64>,
    pub x_ticks: Vec<f64>,
    /// The y axis's name where it fits beside the plot (else the title says it).
    pub y_label: bool,
    /// The x axis's name (and "(log scale)"), in the lines that fit the chart's width.
    pub x_label: Vec<String>,
    pub legend: Vec<Entry>,
    pub axis: XAxis,
    pub y_range: (f64, f64),
}

/// `text` in lines of at most `max` characters, broken at spaces (a longer word is cut).
pub(super) fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > max {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(word.drain(..max).collect());
        }
        let word: String = word.into_iter().collect();
        let needed = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
        if !line.is_empty() && needed > max {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The y ticks: whole decades on a log axis, else about `n` round values.
fn y_ticks(spec: &ChartSpec, (lo, hi): (f64, f64), n: usize) -> Vec<f64> {
    if spec.lines.is_empty() && spec.y_range.is_none() {
        // Nothing drawn yet: a range of its own would be a guess.
        return Vec::new();
    }
    if spec.log_y {
        let (a, b) = (lo.log10().round() as i32, hi.log10().round() as i32);
        let every = ((b - a) as usize / n.max(1)).max(1);
        (a..=b)
            .rev()
            .step_by(every)
            .map(|e| 10f64.powi(e))
            .collect()
    } else {
        nice_ticks(lo, hi, n)
    }
}

/// The x ticks that fit `room` pixels of plot: on a log axis decades (with 2× and 5× over
/// two decades or fewer, where they fit), else round values.
fn x_ticks(spec: &ChartSpec, axis: &XAxis, room: f64, layout: &Layout) -> Vec<f64> {
    if spec.lines.is_empty() {
        return Vec::new();
    }
    let inside = |v: &f64| {
        let t = if axis.log { v.log10() } else { *v };
        t >= axis.lo - 1e-9 && t <= axis.hi + 1e-9
    };
    // A label's width and a gap of two characters.
    let slot = |ticks: &[f64]| {
        let widest = ticks.iter().map(|t| fmt_tick(*t).len()).max().unwrap_or(1);
        (widest + 2) as f64 * layout.char_width()
    };
    let fits = |ticks: &[f64]| ticks.len() as f64 * slot(ticks) <= room;
    if spec.log_x {
        let decades: Vec<f64> = (axis.lo as i32..=axis.hi.ceil() as i32)
            .map(|e| 10f64.powi(e))
            .filter(inside)
            .collect();
        if axis.hi - axis.lo <= 2.0 {
            let fine: Vec<f64> = decades
                .iter()
                .flat_map(|d| [*d, 2.0 * d, 5.0 * d])
                .chain(std::iter::once(10f64.powf(axis.hi.ceil())))
                .filter(inside)
                .collect();
            if fits(&fine) {
                return fine;
            }
        }
        let mut every = 1;
        while every < decades.len() {
            let kept: Vec<f64> = decades.iter().step_by(every).copied().collect();
            if fits(&kept) {
                return kept;
            }
            every += 1;
        }
        decades.into_iter().take(1).collect()
    } else {
        for n in (2..=6).rev() {
            let ticks = nice_ticks(axis.lo, axis.hi, n);
            if fits(&ticks) {
                return ticks;
            }
        }
        nice_ticks(axis.lo, axis.hi, 1)
    }
}

/// Where everything goes for `spec` drawn at `layout`.
pub(super) fn frame(spec: &ChartSpec, layout: Layout) -> Frame {
    let (w, t) = (layout.width, layout.text);
    let line = layout.line_height();
    let title = if layout.picture {
        Vec::new()
    } else {
        let chars = (w - 2.0 * PAD) / (layout.char_width() * 1.15);
        wrap(&spec.title, chars.floor().max(1.0) as usize)
    };
    let top = PAD + title.len() as f64 * 1.3 * layout.title_size() + 0.5 * t;
    let plot_h = (0.42 * w).clamp(150.0, 300.0);
    let bottom = top + plot_h;
    let y_range = y_bounds(spec);
    let y_ticks = y_ticks(
        spec,
        y_range,
        ((plot_h / (2.5 * line)) as usize).clamp(2, 5),
    );
    let widest_y = y_ticks
        .iter()
        .map(|v| fmt_tick(*v).len())
        .max()
        .unwrap_or(1);
    // Room for the y axis's name (written upwards) where it fits the plot's height.
    let y_label = !spec.y_label.is_empty()
        && spec.y_label.chars().count() as f64 * layout.char_width() <= plot_h;
    let left =
        PAD + if y_label { line + 4.0 } else { 0.0 } + widest_y as f64 * layout.char_width() + 6.0;
    let axis = x_axis(spec);
    // The last tick's label may reach half its width past the plot.
    let right_pad = (3.0 * layout.char_width()).max(12.0);
    let right = w - right_pad;
    let x_ticks = x_ticks(spec, &axis, right - left, &layout);
    let log = if spec.log_x { " (log scale)" } else { "" };
    let x_label = wrap(
        &format!("{}{log}", spec.x_label),
        layout.chars_in(w - 2.0 * PAD),
    );
    // Tick labels, then the x axis's name.
    let legend_top = bottom + (1.0 + x_label.len() as f64) * line + 0.6 * t + PAD;
    let room = w - left - PAD;
    let labels: Vec<usize> = spec.lines.iter().map(|l| l.label.chars().count()).collect();
    let columns = if labels
        .iter()
        .all(|c| SAMPLE + *c as f64 * layout.char_width() <= room / 2.0 - PAD)
    {
        2
    } else {
        1
    };
    let column_w = room / columns as f64;
    let mut legend = Vec::new();
    let mut y = legend_top;
    let entries = if layout.picture {
        &[][..]
    } else {
        &spec.lines[..]
    };
    for row in entries.chunks(columns) {
        let mut tallest = 1;
        for (col, l) in row.iter().enumerate() {
            let lines = wrap(&l.label, layout.chars_in(column_w - SAMPLE - PAD));
            tallest = tallest.max(lines.len());
            legend.push(Entry {
                x: left + col as f64 * column_w,
                y,
                lines,
            });
        }
        y += tallest as f64 * line;
    }
    Frame {
        layout,
        height: y + PAD,
        left,
        right,
        top,
        bottom,
        title,
        y_ticks,
        x_ticks,
        y_label,
        x_label,
        legend,
        axis,
        y_range,
    }
}

impl Frame {
    /// Pixels across for a data x.
    pub fn px(&self, x: f64) -> f64 {
        self.left + self.axis.fraction(x) * (self.right - self.left)
    }

    /// Pixels down for a data y (clamped to the plot).
    pub fn py(&self, spec: &ChartSpec, y: f64) -> f64 {
        let (lo, hi) = self.y_range;
        let ty = |v: f64| if spec.log_y { v.max(lo).log10() } else { v };
        let (a, b) = (ty(lo), ty(hi));
        self.top + (1.0 - (ty(y.clamp(lo, hi)) - a) / (b - a).max(1e-12)) * (self.bottom - self.top)
    }
}
