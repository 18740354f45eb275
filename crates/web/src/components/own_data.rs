//! "Your own data": a CSV file picked (or dropped) on the page, read and checked here, and
//! trained on by this page's workers only. Nothing is uploaded; a link to the run says it used
//! local data (`dataset=local`) and cannot bring the file along.

use std::rc::Rc;

use leptos::prelude::*;
use overfit_core::data::table::{Limits, Table};
use overfit_core::experiments::AnySpec;
use overfit_core::experiments::{trains_on_own_data, use_own_data};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// What the reader's file gave: the table, or every problem found in it.
#[derive(Clone, Debug, PartialEq)]
enum Read {
    None,
    Taken(String),
    Refused(Vec<String>),
}

/// Reads `file` and checks it against `limits` (its size first: a huge file is not read).
async fn read(file: web_sys::File, limits: Limits) -> Result<Table, Vec<String>> {
    let size = file.size();
    if size > limits.bytes as f64 {
        return Err(vec![format!(
            "{} is {:.0} kB; at most {} kB is read",
            file.name(),
            (size / 1000.0).ceil(),
            limits.bytes / 1000
        )]);
    }
    let text = JsFuture::from(file.text())
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(|| vec![format!("{} could not be read as text", file.name())])?;
    Table::parse_csv(&file.name(), &text, &limits).map_err(|e| e.problems)
}

/// What taking the file changed besides the data set, in the knobs' words: " Set to fit it:
/// training examples 1000 → 225." (empty when nothing else changed).
fn fitted(before: &AnySpec, after: &AnySpec) -> String {
    let (old, new) = (before.to_json(), after.to_json());
    let experiment = after.experiment();
    let changes: Vec<String> = new
        .iter()
        .filter(|(key, value)| {
            !matches!(key.as_str(), "dataset" | "points") && old.get(*key) != Some(*value)
        })
        .map(|(key, value)| {
            let label = experiment.knob(key).map_or(key.as_ref(), |k| k.label);
            let shown = |v: Option<&serde_json::Value>| match v {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
                None => "–".into(),
            };
            format!("{label} {} → {}", shown(old.get(key)), shown(Some(value)))
        })
        .collect();
    if changes.is_empty() {
        String::new()
    } else {
        format!(" Set to fit it: {}.", changes.join("; "))
    }
}

/// The file picker and what it says. `set_data` hands a taken table to the runner.
#[component]
pub fn OwnData(
    limits: Limits,
    spec: RwSignal<AnySpec>,
    disabled: Signal<bool>,
    set_data: UnsyncCallback<Option<Table>>,
) -> impl IntoView {
    let state = RwSignal::new(Read::None);
    let take = Rc::new(move |file: web_sys::File| {
        wasm_bindgen_futures::spawn_local(async move {
            match read(file, limits).await {
                Ok(table) => {
                    let before = spec.get_untracked();
                    let mut next = before.clone();
                    match use_own_data(&mut next, &table) {
                        Ok(()) => {
                            let classes = table.classes.join(" / ");
                            state.set(Read::Taken(format!(
                                "Training on your file {}: {} rows; columns {}; labels {}. \
                                 Each column is scaled to −1…1.{}",
                                table.name,
                                table.rows(),
                                table.columns.join(", "),
                                classes,
                                fitted(&before, &next)
                            )));
                            set_data.run(Some(table));
                            spec.set(next);
                        }
                        Err(e) => state.set(Read::Refused(vec![e.to_string()])),
                    }
                }
                Err(problems) => state.set(Read::Refused(problems)),
            }
        });
    });
    let on_change = {
        let take = take.clone();
        move |ev: web_sys::Event| {
            let input: Option<web_sys::HtmlInputElement> =
                ev.target().and_then(|t| t.dyn_into().ok());
            if let Some(file) = input.and_then(|i| i.files()).and_then(|f| f.get(0)) {
                take(file);
            }
        }
    };
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        if disabled.get_untracked() {
            return;
        }
        if let Some(file) = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0))
        {
            take(file);
        }
    };
    let on_drag_over = |ev: web_sys::DragEvent| ev.prevent_default();
    let local = move || spec.with(trains_on_own_data);
    let message = move || match state.get() {
        Read::Taken(text) if local() => view! { <p id="data-status">{text}</p> }.into_any(),
        Read::Refused(problems) => {
            let shown = problems.len().min(8);
            let more = (problems.len() > shown)
                .then(|| view! { <li>{format!("and {} more", problems.len() - shown)}</li> });
            view! {
                <div id="data-problems" role="alert">
                    <p>"This file was not used:"</p>
                    <ul>{problems.into_iter().take(shown).map(|p| view! { <li>{p}</li> }).collect_view()}{more}</ul>
                </div>
            }
            .into_any()
        }
        _ if local() => view! {
            <p id="data-status" class="needs-file">
                "“local” trains on a CSV file of your own, which a link cannot carry: pick or \
                 drop one here to train on it."
            </p>
        }
        .into_any(),
        _ => ().into_any(),
    };
    // Folded like Advanced (the story's controls come first), open where the run trains on a
    // file: a link of `dataset=local` asks for one at once.
    let open = spec.with_untracked(trains_on_own_data);
    view! {
        <details class="own-data" open=open on:drop=on_drop on:dragover=on_drag_over>
            <summary>"Your own data (CSV)"</summary>
            <label class="control" for="data-file">
                <span class="label">"A CSV file"</span>
                <input type="file" id="data-file" accept=".csv,.tsv,.txt,text/csv" disabled=disabled on:change=on_change />
            </label>
            <p class="hint">{format!("Pick or drop a file: {}. It stays on this computer; a link to the run says it used local data.", limits.describe())}</p>
            {message}
        </details>
    }
}
