//! A chart on the page with a readout: under the pointer or a finger (drag across it), or
//! with the arrow keys once it has focus, a guide line at the nearest recorded x and every
//! curve's value there. The readout follows the live report: it stays where the reader put it
//! while the run updates the curves.
//!
//! A chart is laid out for the width it has (one unit a pixel, its text 85% of the page's),
//! measured when it is drawn and again when the window's size changes: a phone gets fewer
//! ticks and a legend of one column, not a smaller drawing.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::chart::{self, ChartSpec, Layout};
use super::live_svg::LiveSvg;

/// Where the reader is reading: which chart, and the fraction of its width.
pub type Hover = RwSignal<Option<(usize, f64)>>;

/// The width the charts of one grid are drawn at, in CSS pixels (0 until measured). The grid's
/// charts are equally wide; holding it above them keeps the width when a report redraws them.
pub type ChartWidth = RwSignal<f64>;

/// Keyboard steps across a chart's width.
const KEY_STEPS: f64 = 40.0;

thread_local! {
    /// The body text size, read once: reading a computed style makes the browser recompute
    /// styles, and every chart box of every page would read it.
    static BODY_TEXT: std::cell::OnceCell<f64> = const { std::cell::OnceCell::new() };
}

/// The page's body text size in pixels (style.css's 15 px where it cannot be read).
pub(crate) fn body_text() -> f64 {
    BODY_TEXT.with(|cell| {
        *cell.get_or_init(|| {
            let size = window().document().and_then(|d| d.body()).and_then(|body| {
                let style = window().get_computed_style(&body).ok()??;
                style.get_property_value("font-size").ok()
            });
            size.and_then(|s| s.trim_end_matches("px").parse().ok())
                .unwrap_or(15.0)
        })
    })
}

/// Keeps `width` the drawing's width in `node`: measured once the box is in the document, and
/// again whenever the window's size changes.
pub(crate) fn follow_width(node: NodeRef<leptos::html::Div>, width: ChartWidth) {
    let measure = move || {
        if let Some(el) = node.get_untracked() {
            // The drawing's own width: the box's, less the drawing's 1 px border each side
            // (a box not yet in the document has none).
            let w = f64::from(el.client_width()) - 2.0;
            if w > 0.0 && (w - width.get_untracked()).abs() >= 1.0 {
                width.set(w);
            }
        }
    };
    Effect::new(move |_| {
        if node.get().is_some() {
            measure();
        }
    });
    let resized = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || resized.remove());
}

#[component]
pub fn ChartBox(
    index: usize,
    /// The chart: the box stays while it changes (a run's reports), and only what changed
    /// in its drawing is redrawn.
    #[prop(into)]
    spec: Signal<ChartSpec>,
    hover: Hover,
    width: ChartWidth,
) -> impl IntoView {
    let body = body_text();
    let layout = move || {
        let w = width.get();
        Layout::on_screen(if w > 0.0 { w } else { 520.0 }, body)
    };
    let node = NodeRef::<leptos::html::Div>::new();
    follow_width(node, width);
    let svg = Signal::derive(move || spec.with(|spec| chart::render_at(spec, layout())));
    let at_pointer = move |ev: web_sys::PointerEvent| {
        let Some(el) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let rect = el.get_bounding_client_rect();
        if rect.width() > 0.0 {
            let fraction = (f64::from(ev.client_x()) - rect.left()) / rect.width();
            hover.set(Some((index, fraction.clamp(0.0, 1.0))));
        }
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let step = match ev.key().as_str() {
            "ArrowRight" => 1.0,
            "ArrowLeft" => -1.0,
            // The first and the latest recorded point.
            "Home" => -KEY_STEPS,
            "End" => KEY_STEPS,
            "Escape" => {
                hover.set(None);
                return;
            }
            _ => return,
        };
        ev.prevent_default();
        let now = hover
            .get_untracked()
            .filter(|(i, _)| *i == index)
            .map_or(0.5, |(_, f)| f);
        hover.set(Some((index, (now + step / KEY_STEPS).clamp(0.0, 1.0))));
    };
    let readout = move || {
        let (_, fraction) = hover.get().filter(|(i, _)| *i == index)?;
        let r = spec.with(|spec| chart::readout(spec, layout(), fraction))?;
        let at = r.at * 100.0;
        // Beside the guide, on the side with more room, never past the chart's edge.
        let side = if r.at > 0.5 {
            format!(
                "right:calc({:.2}% + 8px);max-width:calc({at:.2}% - 16px)",
                100.0 - at
            )
        } else {
            format!(
                "left:calc({at:.2}% + 8px);max-width:calc({:.2}% - 16px)",
                100.0 - at
            )
        };
        let rows = r
            .rows
            .into_iter()
            .map(|(label, color, value)| {
                view! {
                    <li>
                        <span class="swatch" style=format!("background:{color}")></span>
                        <span class="what">{label}</span>
                        <span class="value">{overfit_core::terms::format_value(value, overfit_core::terms::Unit::Number)}</span>
                    </li>
                }
            })
            .collect_view();
        Some(view! {
            <div class="guide" style=format!("left:{at:.2}%")></div>
            <div class="readout" style=side>
                <div class="readout-x">
                    {format!("{}: {}", spec.with(|s| s.x_label.clone()), overfit_core::terms::format_value(r.x, overfit_core::terms::Unit::Number))}
                </div>
                <ul>{rows}</ul>
            </div>
        })
    };
    view! {
        <div
            node_ref=node
            class="chart-box"
            tabindex="0"
            role="group"
            aria-label=move || spec.with(|s| format!("{}: point at the chart, or use the arrow keys (Home and End for the first and latest step), to read its values", s.title))
            on:pointermove=at_pointer
            on:pointerdown=at_pointer
            on:pointerleave=move |ev: web_sys::PointerEvent| {
                // A finger lifted keeps its reading; a mouse that leaves clears it.
                if ev.pointer_type() == "mouse" {
                    hover.set(None);
                }
            }
            on:keydown=on_key
            on:blur=move |_| hover.set(None)
        >
            <LiveSvg class="chart-svg" markup=svg />
            <div class="readout-layer" aria-live="polite">{readout}</div>
        </div>
    }
}
