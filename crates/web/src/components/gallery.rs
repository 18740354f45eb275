//! Image galleries (first-layer weights, augmented digits) drawn as SVG grids of pixels.

use std::fmt::Write;

#[cfg(feature = "ui")]
use leptos::prelude::*;
use overfit_core::plot::escape_markup as escape;
use overfit_core::train::Gallery;

/// Screen pixels per image pixel.
const CELL: usize = 6;
/// Gap between images, in screen pixels.
const GAP: usize = 4;
/// Margins of a gallery with axes: row labels and the rows' name; column labels and name.
const AXIS_LEFT: usize = 84;
const AXIS_BOTTOM: usize = 42;
/// The least width of a gallery chart's plot, in screen pixels.
const AXIS_PLOT_WIDTH: usize = 240;

/// A pixel's colour: signed values on a blue (positive) / white / orange (negative) scale
/// relative to `scale`, intensities as dark ink on white.
fn colour(v: f32, signed: bool, scale: f32) -> String {
    if signed {
        let t = if scale > 0.0 {
            (v / scale).clamp(-1.0, 1.0)
        } else {
            0.0
        };
        let (r, g, b) = if t >= 0.0 {
            (37.0, 99.0, 235.0)
        } else {
            (234.0, 88.0, 12.0)
        };
        let a = t.abs();
        let mix = |c: f32| (255.0 + (c - 255.0) * a).round() as u8;
        format!("#{:02x}{:02x}{:02x}", mix(r), mix(g), mix(b))
    } else {
        let ink = (255.0 * (1.0 - v.clamp(0.0, 1.0))).round() as u8;
        format!("#{ink:02x}{ink:02x}{ink:02x}")
    }
}

/// The gallery as one SVG document.
pub fn render(gallery: &Gallery) -> String {
    let (iw, ih) = (gallery.width.max(1), gallery.height.max(1));
    // A one-row signal is drawn as a band tall enough to see.
    let (cw, ch) = if ih == 1 {
        (CELL, 6 * CELL)
    } else if gallery.axes.is_some() {
        // A chart: columns wide enough to read at a glance (a few frequencies make a narrow
        // image).
        ((AXIS_PLOT_WIDTH / iw).max(CELL), CELL)
    } else {
        (CELL, CELL)
    };
    let columns = gallery.columns.max(1);
    let rows = gallery.images.len().div_ceil(columns);
    let (step_x, step_y) = (iw * cw + GAP, ih * ch + GAP);
    // A chart's margins: its rows' labels and name on the left, its columns' below.
    let (left, bottom) = if gallery.axes.is_some() {
        (AXIS_LEFT, AXIS_BOTTOM)
    } else {
        (0, 0)
    };
    let (w, h) = (left + columns * step_x, rows * step_y + bottom);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
         class=\"gallery\" role=\"img\" aria-label=\"{}\" shape-rendering=\"crispEdges\">",
        escape(&gallery.title)
    );
    if let Some(axes) = &gallery.axes {
        let (plot_w, plot_h) = (iw * cw, ih * ch);
        let text = "font-size=\"13\" fill=\"currentColor\" shape-rendering=\"auto\"";
        for (column, label) in &axes.x_ticks {
            let x = left + column * cw + cw / 2;
            let _ = write!(
                s,
                "<line x1=\"{x}\" x2=\"{x}\" y1=\"{plot_h}\" y2=\"{}\" stroke=\"currentColor\"/>\
                 <text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" {text}>{}</text>",
                plot_h + 3,
                plot_h + 16,
                escape(label)
            );
        }
        for (row, label) in &axes.y_ticks {
            let y = row * ch + ch / 2;
            let _ = write!(
                s,
                "<line x1=\"{}\" x2=\"{left}\" y1=\"{y}\" y2=\"{y}\" stroke=\"currentColor\"/>\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"end\" {text}>{}</text>",
                left - 3,
                left - 5,
                y + 4,
                escape(label)
            );
        }
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" {text}>{} →</text>\
             <text x=\"14\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {})\" {text}>← {}</text>",
            left + plot_w / 2,
            plot_h + 36,
            escape(&axes.x),
            plot_h / 2,
            plot_h / 2,
            escape(&axes.y)
        );
    }
    for (i, image) in gallery.images.iter().enumerate() {
        let (x0, y0) = (left + (i % columns) * step_x, (i / columns) * step_y);
        let scale = image.iter().fold(0f32, |m, v| m.max(v.abs()));
        let _ = write!(
            s,
            "<rect class=\"image\" x=\"{x0}\" y=\"{y0}\" width=\"{}\" height=\"{}\" fill=\"white\" stroke=\"#d1d5db\"/>",
            iw * cw,
            ih * ch
        );
        for (p, v) in image.iter().enumerate() {
            let fill = colour(*v, gallery.signed, scale);
            if fill == "#ffffff" {
                continue;
            }
            let _ = write!(
                s,
                "<rect x=\"{}\" y=\"{}\" width=\"{cw}\" height=\"{ch}\" fill=\"{fill}\"/>",
                x0 + (p % iw) * cw,
                y0 + (p / iw) * ch
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// Every gallery of the current run, each under its title. A gallery's box stays while the
/// run's reports change it (see `live_svg`).
#[cfg(feature = "ui")]
#[component]
pub fn GalleryView(galleries: RwSignal<Vec<Gallery>>) -> impl IntoView {
    use super::kept::{each, field};
    use super::live_svg::LiveSvg;
    each(galleries, |gallery| {
        view! {
            <figure class="gallery-box">
                <figcaption>{field(gallery, |g| g.title.clone())}</figcaption>
                <LiveSvg markup=Signal::derive(move || gallery.with(|g| g.as_ref().map(render).unwrap_or_default())) />
            </figure>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use overfit_core::train::GalleryAxes;

    #[test]
    fn a_spectrogram_has_labelled_axes_and_a_readable_width() {
        let gallery = Gallery {
            title: "baseline: Fourier power".into(),
            width: 11,
            height: 3,
            columns: 1,
            images: vec![vec![0.5; 33]],
            signed: false,
            axes: Some(GalleryAxes {
                x: "frequency".into(),
                y: "training step".into(),
                x_ticks: vec![(0, "1".into()), (9, "10".into())],
                y_ticks: vec![(0, "0".into()), (2, "3,000".into())],
            }),
        };
        let svg = render(&gallery);
        for text in [
            ">frequency →</text>",
            ">← training step</text>",
            ">10</text>",
            ">3,000</text>",
        ] {
            assert!(svg.contains(text), "{text} in {svg}");
        }
        // Eleven frequencies drawn at least AXIS_PLOT_WIDTH wide, beside the margin.
        let width = AXIS_LEFT + (AXIS_PLOT_WIDTH / 11) * 11 + GAP;
        assert!(svg.contains(&format!("width=\"{width}\"")), "{svg}");
        let plain = render(&Gallery {
            axes: None,
            ..gallery
        });
        assert!(!plain.contains("frequency"));
    }
}
