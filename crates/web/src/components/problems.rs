//! A visible list of what the link contained that could not be used.

use leptos::prelude::*;

#[component]
pub fn Problems(problems: Vec<String>) -> impl IntoView {
    (!problems.is_empty()).then(|| {
        let items = problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view();
        view! {
            <div class="problems" role="alert">
                <strong>"Some settings in this link were ignored; defaults are used instead:"</strong>
                <ul>{items}</ul>
            </div>
        }
    })
}
