//! Image galleries (first-layer weights, augmented digits) drawn as SVG grids of pixels.

use std::fmt::Write;

use leptos::prelude::*;
use overfit_core::train::Gallery;

/// Screen pixels per image pixel.
const CELL: usize = 6;
/// Gap between images, in screen pixels.
const GAP: usize = 4;

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
    } else {
        (CELL, CELL)
    };
    let columns = gallery.columns.max(1);
    let rows = gallery.images.len().div_ceil(columns);
    let (step_x, step_y) = (iw * cw + GAP, ih * ch + GAP);
    let (w, h) = (columns * step_x, rows * step_y);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
         class=\"gallery\" role=\"img\" aria-label=\"{}\" shape-rendering=\"crispEdges\">",
        gallery.title
    );
    for (i, image) in gallery.images.iter().enumerate() {
        let (x0, y0) = ((i % columns) * step_x, (i / columns) * step_y);
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

/// Every gallery of the current run, each under its title.
#[component]
pub fn GalleryView(galleries: RwSignal<Vec<Gallery>>) -> impl IntoView {
    move || {
        galleries
            .get()
            .into_iter()
            .map(|g| {
                let svg = render(&g);
                view! {
                    <figure class="gallery-box">
                        <figcaption>{g.title}</figcaption>
                        <div inner_html=svg></div>
                    </figure>
                }
            })
            .collect_view()
    }
}
