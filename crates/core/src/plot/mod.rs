//! What the app draws: charts ([`chart`]: one description, rendered to SVG for every screen),
//! the decision-surface colour map (a CPU reference) and its WGSL renderer,
//! and what keeps charts cheap and safe: curves thinned to the pixel grid, escaped text.

pub mod chart;
#[cfg(any(feature = "wgpu", feature = "webgpu"))]
pub mod gpu;

/// The decision-surface colour map (orange = class 0, light grey = undecided, blue = class 1),
/// the CPU reference for `shaders/surface.wgsl`'s `colormap`, used by the canvas fallback.
pub fn colormap(p: f32) -> [u8; 3] {
    const CLASS0: [f32; 3] = [0.961, 0.576, 0.192];
    const MIDDLE: [f32; 3] = [0.910, 0.918, 0.922];
    const CLASS1: [f32; 3] = [0.039, 0.533, 0.729];
    let t = if p.is_nan() { 0.5 } else { p.clamp(0.0, 1.0) };
    let (a, b, s) = if t < 0.5 {
        (CLASS0, MIDDLE, t * 2.0)
    } else {
        (MIDDLE, CLASS1, (t - 0.5) * 2.0)
    };
    let mix = |i: usize| ((a[i] + (b[i] - a[i]) * s) * 255.0).round() as u8;
    [mix(0), mix(1), mix(2)]
}

/// RGBA pixels (row-major, first row at the top) for a grid of probabilities, on the CPU.
pub fn surface_rgba(values: &[f32]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|p| {
            let [r, g, b] = colormap(*p);
            [r, g, b, 255]
        })
        .collect()
}

/// Text for SVG or HTML markup, with `&`, `<`, `>` and quotes escaped, and the control
/// characters XML does not allow (every one but tab and line breaks) replaced by U+FFFD: a
/// label read from someone's file cannot make the drawing invalid.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => out.push('\u{fffd}'),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A curve in screen units thinned to what a pixel column can show: of each run of points in
/// one column, the lowest and the highest, in their order. However long the run, a curve costs
/// at most two points per pixel of width, and looks the same (exports keep every point).
pub fn thin(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < points.len() {
        let column = points[i].0.floor();
        let (mut low, mut high) = (i, i);
        let mut j = i + 1;
        while j < points.len() && points[j].0.floor() == column {
            if points[j].1 < points[low].1 {
                low = j;
            }
            if points[j].1 > points[high].1 {
                high = j;
            }
            j += 1;
        }
        out.push(points[low.min(high)]);
        if low != high {
            out.push(points[low.max(high)]);
        }
        i = j;
    }
    out
}

/// A band `(x, low, high)` in screen units thinned the same way: per pixel column, the widest
/// extent.
pub fn thin_band(band: &[(f64, f64, f64)]) -> Vec<(f64, f64, f64)> {
    let mut out: Vec<(f64, f64, f64)> = Vec::new();
    for &(x, lo, hi) in band {
        match out.last_mut() {
            Some(last) if last.0.floor() == x.floor() => {
                last.1 = last.1.min(lo);
                last.2 = last.2.max(hi);
            }
            _ => out.push((x, lo, hi)),
        }
    }
    out
}

/// The WGSL source of the decision-surface renderer.
pub const SURFACE_WGSL: &str = include_str!("../../../../shaders/surface.wgsl");

/// The colours of runs (or of a single run's metrics), in order: the Okabe–Ito palette, told
/// apart by readers with any common colour-vision deficiency. The page, chart.svg and the
/// readouts all take their colours from here.
pub const PALETTE: [&str; 6] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
];

/// `PALETTE[i]` (cycling) as red, green and blue.
pub fn palette_rgb(i: usize) -> (u8, u8, u8) {
    let hex = PALETTE[i % PALETTE.len()];
    let channel = |at: usize| u8::from_str_radix(&hex[at..at + 2], 16).unwrap_or(0);
    (channel(1), channel(3), channel(5))
}

/// A chart's horizontal axis: where a data x sits across the plot area (0 at its left edge, 1
/// at its right) and back, linear or on log10(x) from `lo` to `hi` (in those units: decades on
/// a log axis). The page's pointer readout and the drawing use the same axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct XAxis {
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
}

impl XAxis {
    fn scaled(&self, x: f64) -> f64 {
        if self.log {
            x.max(10f64.powf(self.lo)).log10()
        } else {
            x
        }
    }

    /// Where `x` sits across the plot area.
    pub fn fraction(&self, x: f64) -> f64 {
        (self.scaled(x) - self.lo) / (self.hi - self.lo).max(1e-12)
    }

    /// The x at `fraction` across the plot area.
    pub fn value_at(&self, fraction: f64) -> f64 {
        let t = self.lo + fraction * (self.hi - self.lo);
        if self.log { 10f64.powf(t) } else { t }
    }

    /// The point of `points` nearest to `x` across the plot (on a log axis, nearest on the
    /// log scale), among those with a finite value and, on a log axis, a positive x.
    pub fn nearest(&self, points: &[(f64, f64)], x: f64) -> Option<(f64, f64)> {
        let at = self.fraction(x);
        points
            .iter()
            .filter(|(px, y)| y.is_finite() && (!self.log || *px > 0.0))
            .min_by(|a, b| {
                (self.fraction(a.0) - at)
                    .abs()
                    .total_cmp(&(self.fraction(b.0) - at).abs())
            })
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colormap_ends_and_middle() {
        assert_eq!(colormap(0.0), [245, 147, 49]);
        assert_eq!(colormap(1.0), [10, 136, 186]);
        assert_eq!(colormap(0.5), [232, 234, 235]);
        assert_eq!(colormap(f32::NAN), colormap(0.5));
        assert_eq!(colormap(-3.0), colormap(0.0));
    }

    #[test]
    fn shader_uses_the_same_stops() {
        for stop in [
            "0.961, 0.576, 0.192",
            "0.910, 0.918, 0.922",
            "0.039, 0.533, 0.729",
        ] {
            assert!(
                SURFACE_WGSL.contains(stop),
                "surface.wgsl lacks colour stop {stop}"
            );
        }
    }

    #[test]
    fn thinning_keeps_each_columns_extremes_in_order() {
        // 1,000 points over 10 pixel columns: a zig-zag whose extremes must survive.
        let points: Vec<(f64, f64)> = (0..1000)
            .map(|i| {
                (
                    i as f64 / 100.0,
                    if i % 100 == 37 { -5.0 } else { (i % 7) as f64 },
                )
            })
            .collect();
        let thinned = thin(&points);
        assert!(
            thinned.len() <= 20,
            "{} points for 10 columns",
            thinned.len()
        );
        for column in 0..10 {
            let here: Vec<f64> = thinned
                .iter()
                .filter(|p| p.0.floor() == column as f64)
                .map(|p| p.1)
                .collect();
            assert!(
                here.contains(&-5.0) && here.contains(&6.0),
                "column {column}: {here:?}"
            );
        }
        assert!(thinned.windows(2).all(|w| w[0].0 <= w[1].0), "order kept");
        assert_eq!(
            thin(&[(0.5, 1.0), (3.2, 2.0)]),
            vec![(0.5, 1.0), (3.2, 2.0)]
        );
    }

    #[test]
    fn a_thinned_band_keeps_each_columns_widest_extent() {
        let band = [
            (0.1, 2.0, 3.0),
            (0.7, 1.0, 2.5),
            (0.9, 2.2, 4.0),
            (1.2, 0.0, 1.0),
        ];
        assert_eq!(thin_band(&band), vec![(0.1, 1.0, 4.0), (1.2, 0.0, 1.0)]);
    }

    #[test]
    fn text_cannot_become_markup() {
        assert_eq!(
            escape_markup("<b a=\"1\">&'"),
            "&lt;b a=&quot;1&quot;&gt;&amp;&#39;"
        );
        // XML allows no control character but tab and line breaks: a label from a file with
        // an escape sequence would make the drawing unreadable.
        assert_eq!(
            escape_markup("\u{1b}[31mred\u{7}\tx\u{85}"),
            "\u{fffd}[31mred\u{fffd}\tx\u{fffd}"
        );
    }

    #[test]
    fn an_axis_maps_both_ways_and_finds_the_nearest_point() {
        let linear = XAxis {
            lo: 0.0,
            hi: 1000.0,
            log: false,
        };
        assert_eq!(linear.fraction(250.0), 0.25);
        assert_eq!(linear.value_at(0.75), 750.0);
        let points = [(0.0, 0.1), (100.0, 0.5), (200.0, f64::NAN), (300.0, 0.9)];
        assert_eq!(linear.nearest(&points, 140.0), Some((100.0, 0.5)));
        // A point without a value is skipped for its neighbour.
        assert_eq!(linear.nearest(&points, 210.0), Some((300.0, 0.9)));
        assert_eq!(linear.nearest(&[], 10.0), None);
        let log = XAxis {
            lo: 0.0,
            hi: 4.0,
            log: true,
        };
        assert!((log.fraction(100.0) - 0.5).abs() < 1e-12);
        assert!((log.value_at(0.25) - 10.0).abs() < 1e-9);
        // Nearest on the log scale: 30 is nearer 10 than 100 there (log 30 = 1.48).
        let steps = [(0.0, 1.0), (10.0, 2.0), (100.0, 3.0)];
        assert_eq!(log.nearest(&steps, 30.0), Some((10.0, 2.0)));
        // Step 0 is not on a log axis.
        assert_eq!(log.nearest(&steps, 1.0), Some((10.0, 2.0)));
    }

    #[test]
    fn the_palette_reads_as_rgb() {
        assert_eq!(palette_rgb(0), (0x00, 0x72, 0xb2));
        assert_eq!(palette_rgb(1), (0xd5, 0x5e, 0x00));
        assert_eq!(palette_rgb(PALETTE.len()), palette_rgb(0));
    }
}
