//! Top level: one page per experiment, chosen by the `exp` query key (no server-side routes, so
//! `dist/` works from any static file server at any sub-path).

use leptos::prelude::*;

use crate::pages::{experiment::ExperimentPage, home::Home, sweep::SweepPage};
use crate::query;

#[component]
pub fn App() -> AnyView {
    let page = query::parse(&query::current_search());
    let backend = page.backend;
    let embedded = page.embed.enabled;
    // `?view=sweep`: a collected sweep, opened from a file.
    let sweep = query::current_search()
        .trim_start_matches('?')
        .split('&')
        .any(|pair| pair == "view=sweep");
    let body = match (page.experiment, page.spec.clone()) {
        _ if sweep => view! { <SweepPage /> }.into_any(),
        (Some(experiment), Some(spec)) => view! {
            <ExperimentPage experiment=experiment spec=spec preset=page.preset autorun=page.autorun
                problems=page.problems.clone() backend=backend max_workers=page.max_workers embed=page.embed.clone() />
        }
        .into_any(),
        _ => view! { <Home problems=page.problems.clone() /> }.into_any(),
    };
    if embedded {
        // The widget alone: no site header or footer.
        return view! { <main class="embedded">{body}</main> }.into_any();
    }
    view! {
        <header class="top">
            <a class="brand" href="?">"Overfit Lab"</a>
            <span class="tagline">"See how neural networks generalize — trained live in your browser."</span>
        </header>
        <main>{body}</main>
        <footer>"Runs on your GPU with WebGPU (burn), or on the CPU where WebGPU is missing or slower. "
            "The same specs run natively with the "<code>"overfit"</code>" CLI."</footer>
    }
    .into_any()
}

/// On a panic, replaces nothing but adds a visible overlay (the console gets the details), so
/// a crash is never a silently frozen tab. Built node by node: the panic message and the page's
/// address are text and an attribute value, never markup.
pub fn install_crash_overlay() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let cpu_link = {
            let search = query::current_search();
            let sep = if search.is_empty() { "?" } else { "&" };
            format!("{search}{sep}backend=cpu")
        };
        let element = |tag: &str, text: &str| {
            let node = document.create_element(tag).ok()?;
            node.set_text_content(Some(text));
            Some(node)
        };
        let link = |text: &str, href: &str| {
            let node = element("a", text)?;
            node.set_attribute("href", href).ok()?;
            Some(node)
        };
        let parts = [
            element("strong", "Overfit Lab stopped unexpectedly. "),
            element("span", &format!("{info} ")),
            link("Reload", ""),
            element("span", " or "),
            link("reload on the CPU", &cpu_link),
            element("span", "."),
        ];
        let Ok(overlay) = document.create_element("div") else {
            return;
        };
        overlay.set_class_name("crash");
        for part in parts.into_iter().flatten() {
            let _ = overlay.append_child(&part);
        }
        if let Some(body) = document.body() {
            let _ = body.append_child(&overlay);
        }
    }));
}
