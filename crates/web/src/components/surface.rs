//! The decision surface: probabilities painted by the WGSL renderer on WebGPU (or by the same
//! colour map on a 2-D canvas on the CPU fallback), with the training points drawn on top.

use leptos::html::Canvas;
use leptos::prelude::*;
use overfit_core::plot::colormap;
use overfit_core::train::Surface;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

use crate::backend::Compute;
use crate::surface_gpu::GpuSurface;

const SIDE: u32 = 320;

fn context_2d(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into().ok())
}

fn draw_cpu(canvas: &HtmlCanvasElement, surface: &Surface) -> Result<(), String> {
    let ctx = context_2d(canvas).ok_or("no 2-D canvas context")?;
    let n = surface.size;
    let mut rgba = Vec::with_capacity(n * n * 4);
    for p in &surface.values {
        let [r, g, b] = colormap(*p);
        rgba.extend_from_slice(&[r, g, b, 255]);
    }
    let image = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), n as u32, n as u32)
        .map_err(|_| "image data")?;
    // Paint the grid at its own resolution, then scale it up without smoothing.
    let scratch: HtmlCanvasElement = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("canvas").ok())
        .and_then(|e| e.dyn_into().ok())
        .ok_or("scratch canvas")?;
    scratch.set_width(n as u32);
    scratch.set_height(n as u32);
    context_2d(&scratch).ok_or("scratch context")?.put_image_data(&image, 0.0, 0.0).map_err(|_| "put image")?;
    ctx.set_image_smoothing_enabled(false);
    ctx.draw_image_with_html_canvas_element_and_dw_and_dh(&scratch, 0.0, 0.0, SIDE as f64, SIDE as f64)
        .map_err(|_| "draw image".into())
}

fn draw_points(canvas: &HtmlCanvasElement, points: &[(f32, f32, u8, bool)], extent: f32) {
    let Some(ctx) = context_2d(canvas) else { return };
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
    surface: RwSignal<Option<Surface>>,
    points: RwSignal<Vec<(f32, f32, u8, bool)>>,
    compute: RwSignal<Option<Compute>>,
) -> impl IntoView {
    let base = NodeRef::<Canvas>::new();
    let overlay = NodeRef::<Canvas>::new();
    let renderer: StoredValue<Option<GpuSurface>, LocalStorage> = StoredValue::new_local(None);
    let used = RwSignal::new("none");
    let failure: RwSignal<Option<String>> = RwSignal::new(None);
    Effect::new(move |_| {
        let current = surface.get();
        let pts = points.get();
        let (Some(base), Some(overlay)) = (base.get(), overlay.get()) else { return };
        let extent = current.as_ref().map(|s| s.extent).unwrap_or(1.25);
        draw_points(&overlay, &pts, extent);
        let Some(current) = current else { return };
        let gpu = compute.with_untracked(|c| c.as_ref().and_then(|c| c.gpu.clone()));
        let result = match gpu {
            Some(setup) if used.get_untracked() != "canvas2d" => {
                if renderer.with_value(Option::is_none) {
                    match GpuSurface::new(setup, base.clone()) {
                        Ok(r) => renderer.set_value(Some(r)),
                        Err(e) => failure.set(Some(e)),
                    }
                }
                let drawn = renderer.with_value(|r| r.as_ref().map(|r| r.draw(&current.values, current.size)));
                match drawn {
                    Some(Ok(())) => {
                        used.set("webgpu");
                        Ok(())
                    }
                    Some(Err(e)) => Err(e),
                    None => Err("WebGPU renderer unavailable".into()),
                }
            }
            _ => draw_cpu(&base, &current).map(|()| used.set("canvas2d")),
        };
        if let Err(e) = result {
            failure.set(Some(format!("surface not drawn: {e}")));
        }
    });
    view! {
        <div class="surface" data-renderer=move || used.get()>
            <canvas node_ref=base width=SIDE height=SIDE class="surface-base"></canvas>
            <canvas node_ref=overlay width=SIDE height=SIDE class="surface-points"></canvas>
            <p class="hint">{move || failure.get()}</p>
        </div>
    }
}
