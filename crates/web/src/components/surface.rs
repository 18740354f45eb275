//! The decision surface: probabilities coloured by `shaders/surface.wgsl` on the worker's WebGPU
//! device (the pixels come with the message), or by the same colour map here when the worker
//! trains on the CPU, with the training points drawn on top.

use leptos::html::Canvas;
use leptos::prelude::*;
use overfit_core::plot::surface_rgba;
use overfit_core::worker_protocol::SurfaceImage;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

const SIDE: u32 = 320;

fn context_2d(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into().ok())
}

thread_local! {
    /// The canvas the pixels are put on before they are scaled onto the page's: one for the
    /// page, not one per frame (a canvas left behind ten times a second is the browser's
    /// garbage, its pixels with it, until its collector runs).
    static SCRATCH: std::cell::OnceCell<Option<HtmlCanvasElement>> =
        const { std::cell::OnceCell::new() };
}

fn scratch_canvas() -> Option<HtmlCanvasElement> {
    SCRATCH.with(|cell| {
        cell.get_or_init(|| {
            web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.create_element("canvas").ok())
                .and_then(|e| e.dyn_into().ok())
        })
        .clone()
    })
}

/// Paints `size`×`size` RGBA pixels over the whole canvas without smoothing.
fn paint(canvas: &HtmlCanvasElement, rgba: &[u8], size: usize) -> Result<(), String> {
    let ctx = context_2d(canvas).ok_or("no 2-D canvas context")?;
    let image =
        ImageData::new_with_u8_clamped_array_and_sh(Clamped(rgba), size as u32, size as u32)
            .map_err(|_| "bad image size")?;
    let scratch = scratch_canvas().ok_or("no scratch canvas")?;
    if scratch.width() != size as u32 || scratch.height() != size as u32 {
        scratch.set_width(size as u32);
        scratch.set_height(size as u32);
    }
    context_2d(&scratch)
        .ok_or("no scratch context")?
        .put_image_data(&image, 0.0, 0.0)
        .map_err(|_| "put image")?;
    ctx.set_image_smoothing_enabled(false);
    ctx.draw_image_with_html_canvas_element_and_dw_and_dh(
        &scratch,
        0.0,
        0.0,
        SIDE as f64,
        SIDE as f64,
    )
    .map_err(|_| "draw image".into())
}

fn draw_points(canvas: &HtmlCanvasElement, points: &[(f32, f32, u8, bool)], extent: f32) {
    let Some(ctx) = context_2d(canvas) else {
        return;
    };
    let side = SIDE as f64;
    ctx.clear_rect(0.0, 0.0, side, side);
    let to_px = |v: f32| ((v + extent) / (2.0 * extent)) as f64 * side;
    for &(x, y, label, flipped) in points {
        let (px, py) = (to_px(x), side - to_px(y));
        ctx.begin_path();
        let _ = ctx.arc(px, py, 3.2, 0.0, std::f64::consts::TAU);
        ctx.set_fill_style_str(if label == 1 { "#0a88ba" } else { "#f59331" });
        ctx.fill();
        ctx.set_line_width(if flipped { 2.0 } else { 1.0 });
        ctx.set_stroke_style_str(if flipped { "#111" } else { "#fff" });
        ctx.stroke();
    }
}

#[component]
pub fn SurfaceView(
    surface: RwSignal<Option<SurfaceImage>>,
    points: RwSignal<Vec<(f32, f32, u8, bool)>>,
) -> impl IntoView {
    let base = NodeRef::<Canvas>::new();
    let overlay = NodeRef::<Canvas>::new();
    let used = RwSignal::new("none");
    let failure: RwSignal<Option<String>> = RwSignal::new(None);
    Effect::new(move |_| {
        let pts = points.get();
        if let Some(overlay) = overlay.get() {
            let extent = surface
                .with_untracked(|s| s.as_ref().map(|s| s.surface.extent))
                .unwrap_or(1.25);
            draw_points(&overlay, &pts, extent);
        }
    });
    Effect::new(move |_| {
        let Some(canvas) = base.get() else {
            return;
        };
        surface.with(|image| {
            let Some(image) = image else {
                return;
            };
            let size = image.surface.size;
            let drawn = match &image.rgba {
                Some(rgba) => paint(&canvas, rgba, size).map(|()| "webgpu"),
                None => {
                    paint(&canvas, &surface_rgba(&image.surface.values), size).map(|()| "canvas2d")
                }
            };
            match drawn {
                Ok(how) => used.set(how),
                Err(e) => failure.set(Some(format!("surface not drawn: {e}"))),
            }
        });
    });
    view! {
        <div class="surface" data-renderer=move || used.get()>
            <canvas node_ref=base width=SIDE height=SIDE class="surface-base"></canvas>
            <canvas node_ref=overlay width=SIDE height=SIDE class="surface-points"></canvas>
            <p class="hint">{move || failure.get()}</p>
        </div>
    }
}
