//! The embed builder: a teacher picks what a widget on a course page shows (all controls,
//! the story's only, or none), whether it starts when scrolled into view, its height and its
//! title, and copies the code: the loader script and one `data-overfit` div.

#[cfg(feature = "ui")]
use leptos::prelude::*;

/// The widget's height when none is chosen (the loader's default).
pub const DEFAULT_HEIGHT: u32 = 820;

/// `text` as an HTML attribute value.
fn attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

/// The embed code for `link` (an absolute link to the app, the current spec) with the
/// builder's choices.
pub fn code(link: &str, controls: &str, autorun: bool, height: u32, title: &str) -> String {
    let mut link = link.to_string();
    match controls {
        "story" => link.push_str("&advanced_hide=1"),
        "none" => link.push_str("&controls_hide=1"),
        _ => {}
    }
    if autorun {
        link.push_str("&autorun=1");
    }
    let site = link.split('?').next().unwrap_or_default();
    let loader = format!("{}embed.js", &site[..site.rfind('/').map_or(0, |i| i + 1)]);
    let height = if height == DEFAULT_HEIGHT {
        String::new()
    } else {
        format!(" data-height=\"{height}\"")
    };
    format!(
        "<script src=\"{}\" defer></script>\n<div data-overfit=\"{}\" data-title=\"{}\"{height}></div>",
        attribute(&loader),
        attribute(&link),
        attribute(title)
    )
}

/// The builder, folded under its summary. `link` follows the page's spec.
#[cfg(feature = "ui")]
#[component]
pub fn EmbedBuilder(link: Signal<String>, title: &'static str) -> impl IntoView {
    let controls = RwSignal::new("all".to_string());
    let autorun = RwSignal::new(false);
    let height = RwSignal::new(DEFAULT_HEIGHT);
    let name = RwSignal::new(format!("Overfit Lab: {title}"));
    let code = move || {
        code(
            &link.get(),
            &controls.get(),
            autorun.get(),
            height.get(),
            &name.get(),
        )
    };
    let copied = RwSignal::new(false);
    let on_copy = move |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.navigator().clipboard().write_text(&code());
        }
        copied.set(true);
    };
    view! {
        <details class="embed-builder" id="embed-builder">
            <summary>"Put this on a course page"</summary>
            <div class="embed-options">
                <label>"Controls "
                    <select id="embed-controls" on:change=move |ev| { controls.set(event_target_value(&ev)); copied.set(false); }>
                        <option value="all" selected>"all of them"</option>
                        <option value="story">"the story's only (no Advanced)"</option>
                        <option value="none">"none: the charts only"</option>
                    </select>
                </label>
                <label>
                    <input type="checkbox" id="embed-autorun" on:change=move |ev| { autorun.set(event_target_checked(&ev)); copied.set(false); } />
                    " Start training when it scrolls into view"
                </label>
                <label>"Height (pixels) "
                    <input type="number" id="embed-height" min="200" max="4000" step="10" prop:value=move || height.get().to_string()
                        on:change=move |ev| {
                            if let Ok(h) = event_target_value(&ev).parse::<u32>() {
                                height.set(h.clamp(200, 4000));
                            }
                            copied.set(false);
                        } />
                </label>
                <label>"Title "
                    <input type="text" id="embed-title" prop:value=move || name.get()
                        on:input=move |ev| { name.set(event_target_value(&ev)); copied.set(false); } />
                </label>
            </div>
            <textarea id="embed-code" readonly rows="4" aria-label="Embed code" prop:value=code></textarea>
            <p>
                <button id="embed-copy" on:click=on_copy>{move || if copied.get() { "Copied" } else { "Copy the code" }}</button>
                " Paste it into the course page's HTML. The widget runs in the reader's browser; it pauses while scrolled out of view."
            </p>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_carries_the_choices_escaped() {
        let link = "https://lab.example/app/?exp=grokking&v=3&p=23";
        let plain = code(link, "all", false, DEFAULT_HEIGHT, "Overfit Lab: Grokking");
        assert_eq!(
            plain,
            "<script src=\"https://lab.example/app/embed.js\" defer></script>\n<div \
             data-overfit=\"https://lab.example/app/?exp=grokking&amp;v=3&amp;p=23\" \
             data-title=\"Overfit Lab: Grokking\"></div>"
        );
        let chosen = code(link, "none", true, 600, "Week 7 \"grokking\" <demo>");
        assert!(chosen.contains("p=23&amp;controls_hide=1&amp;autorun=1\""));
        assert!(chosen.contains("data-height=\"600\""));
        assert!(chosen.contains("data-title=\"Week 7 &quot;grokking&quot; &lt;demo>\""));
        assert!(code(link, "story", false, 820, "t").contains("&amp;advanced_hide=1\""));
    }
}
