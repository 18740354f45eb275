//! Controls generated from an experiment's knob table: the same limits the CLI and links use.

use leptos::prelude::*;
use overfit_core::experiments::AnySpec;
use overfit_core::spec::{Knob, KnobKind};
use serde_json::Value;

fn text_of(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// One control per knob. Editing one applies it to `spec` if valid, else shows why not.
#[component]
pub fn Controls(
    knobs: Vec<&'static Knob>,
    spec: RwSignal<AnySpec>,
    disabled: Signal<bool>,
) -> impl IntoView {
    knobs
        .into_iter()
        .map(|knob| {
            let error: RwSignal<Option<String>> = RwSignal::new(None);
            let current = move || text_of(spec.with(|s| s.to_json().get(knob.key).cloned()).as_ref());
            let apply = move |raw: String| {
                let mut next = spec.get_untracked();
                match next.set(knob.key, &raw).and_then(|()| next.validate()) {
                    Ok(()) => {
                        error.set(None);
                        spec.set(next);
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
            };
            let input = match knob.kind {
                KnobKind::Choice(choices) => {
                    let options = choices
                        .iter()
                        .map(|c| view! { <option value=*c selected=move || current() == *c>{*c}</option> })
                        .collect_view();
                    view! {
                        <select name=knob.key disabled=disabled on:change=move |ev| apply(event_target_value(&ev))>
                            {options}
                        </select>
                    }
                    .into_any()
                }
                KnobKind::Int { min, max, .. } => view! {
                    <input type="number" name=knob.key min=min max=max step="1" prop:value=current
                        disabled=disabled on:change=move |ev| apply(event_target_value(&ev)) />
                }
                .into_any(),
                KnobKind::Float { min, max, log } => {
                    let step = if log { "any".to_string() } else { ((max - min) / 100.0).to_string() };
                    view! {
                        <input type="number" name=knob.key min=min max=max step=step prop:value=current
                            disabled=disabled on:change=move |ev| apply(event_target_value(&ev)) />
                    }
                    .into_any()
                }
                KnobKind::Seed => view! {
                    <input type="number" name=knob.key min="0" step="1" prop:value=current
                        disabled=disabled on:change=move |ev| apply(event_target_value(&ev)) />
                }
                .into_any(),
            };
            view! {
                <label class="control" title=knob.help
                    class:irrelevant=move || !spec.with(|s| s.uses(knob.key))>
                    <span class="label">{knob.label}</span>
                    {input}
                    <span class="error" role="status">{move || error.get()}</span>
                </label>
            }
        })
        .collect_view()
}
