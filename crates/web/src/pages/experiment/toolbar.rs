//! The bar above the controls: the device the run trains on, its workers, the presets to start
//! from, and sharing (the exact run as a link, or as embed code for a course page).

use leptos::prelude::*;
use overfit_core::spec::Preset;
use wasm_bindgen::JsCast;

use crate::components::embed_builder;
use crate::runner::RunView;

/// The device badge: its class, its words and why (the page fell back, or measured the CPU
/// faster for this run than the WebGPU adapter its worker opened).
fn badge(view: RunView) -> (&'static str, String, String) {
    match view.compute.get() {
        None => (
            "badge pending",
            "starting device…".to_string(),
            String::new(),
        ),
        Some(c) => match view.choice.get() {
            Some(speeds) if c.gpu && speeds.cpu_wins() => (
                "badge cpu",
                "CPU".to_string(),
                format!(
                    "{} is open here, but this run trains faster on the CPU: {}",
                    c.label,
                    speeds.figures()
                ),
            ),
            _ => (
                if c.gpu { "badge gpu" } else { "badge cpu" },
                c.label.clone(),
                c.fallback_reason.clone().unwrap_or_default(),
            ),
        },
    }
}

/// The presets as links, the open one marked.
fn preset_links(id: &'static str, preset: Preset) -> impl IntoView {
    Preset::ALL
        .iter()
        .map(|p| {
            let href = format!("?exp={id}&preset={}", p.name());
            let class = if *p == preset {
                "preset active"
            } else {
                "preset"
            };
            let (words, title) = p.words();
            view! { <a class=class href=href title=title data-preset=p.name()>{words}</a> }
        })
        .collect_view()
}

#[component]
pub fn Toolbar(
    view: RunView,
    id: &'static str,
    title: &'static str,
    preset: Preset,
    embedded: bool,
    page_url: Callback<(), String>,
) -> impl IntoView {
    let share_text: RwSignal<Option<(&'static str, String)>> = RwSignal::new(None);
    let copy = move |what: &'static str, text: String| {
        if let Some(w) = web_sys::window() {
            // Best effort: the text is also shown, selectable, in case the clipboard is denied.
            let _ = w.navigator().clipboard().write_text(&text);
        }
        share_text.set(Some((what, text)));
    };
    // The embed code uses the loader: it sandboxes the frame and tells the widget the course
    // page's origin, the one page allowed to drive it and read its state.
    let on_copy_embed = move |_| {
        let code = embed_builder::code(
            &page_url.run(()),
            "all",
            false,
            embed_builder::DEFAULT_HEIGHT,
            &format!("Overfit Lab: {title}"),
        );
        copy("embed code", code);
    };
    let workers = move || match view.workers.get() {
        0 => String::new(),
        1 => "1 worker".to_string(),
        n => format!("{n} workers"),
    };
    view! {
        <div class="toolbar">
            {move || { let (class, label, reason) = badge(view); view! { <span class=class title=reason.clone() id="backend">{label}</span> } }}
            {move || view.choice.get().map(|speeds| view! {
                <span class="choice" id="device-choice" title=speeds.figures() data-measurements=move || view.measurements.get()>{speeds.words()}</span>
            })}
            <span class="workers" id="workers" data-workers=move || view.workers.get()
                title="Training runs in Web Workers, never on the page's thread; independent runs train side by side.">
                {workers}
            </span>
            {(!embedded).then(|| view! { <span class="presets">"Start from: "{preset_links(id, preset)}</span> })}
            <button id="copy-link" class="share" on:click=move |_| copy("link", page_url.run(()))>"Copy link"</button>
            <button id="copy-embed" class="share" on:click=on_copy_embed>"Copy embed code"</button>
        </div>
        {move || share_text.get().map(|(what, text)| view! {
            <p class="share-text">
                <span>{format!("Copied {what}:")}</span>
                <input id="share-text" readonly prop:value=text on:focus=|ev| {
                    if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                        input.select();
                    }
                } />
            </p>
        })}
    }
}
