//! A collected sweep (`collected.json` from `overfit sweep collect`), opened from a file picked
//! or dropped on the page and drawn with the experiment pages' charts (readout included): one
//! summary figure against one grid axis, the median over seeds with their range, a curve per
//! value of a series axis and per run. Nothing is uploaded.

use std::sync::Arc;

use leptos::prelude::*;
use overfit_core::experiments::vocabulary::words;
use overfit_core::sweep::{Collected, SCHEMA};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::sweep_file::{Scanner, parse_rows};
use crate::components::chart_box::{ChartBox, ChartWidth, Hover};

/// The largest collected file read (a sweep of thousands of runs is a few MB).
const MAX_BYTES: f64 = 50e6;
/// Bytes scanned, or of rows parsed, between two yields to the page: a few tens of
/// milliseconds of work in a slow tab.
const SLICE_BYTES: usize = 1 << 20;

/// Lets the page handle its events before the next slice of work.
async fn yield_to_page() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let next = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
    });
    let _ = JsFuture::from(next).await;
}

/// Parses a collected file's text a slice at a time, saying how far it got.
async fn parse(text: &str, progress: RwSignal<Option<String>>) -> Result<Collected, String> {
    let mut scanner = Scanner::new(text);
    while !scanner.step(SLICE_BYTES)? {
        progress.set(Some(format!("Reading… {:.0}%", 50.0 * scanner.progress())));
        yield_to_page().await;
    }
    let (mut collected, spans) = scanner.finish().map_err(|e| e.to_string())?;
    if !spans.is_empty() {
        let mut rows = Vec::with_capacity(spans.len());
        let mut next = 0;
        while next < spans.len() {
            next = parse_rows(text, &spans, next, SLICE_BYTES, &mut rows)?;
            let share = next as f64 / spans.len() as f64;
            progress.set(Some(format!("Reading… {:.0}%", 50.0 + 50.0 * share)));
            yield_to_page().await;
        }
        collected.rows = rows;
    }
    Ok(collected)
}

async fn read(
    file: web_sys::File,
    progress: RwSignal<Option<String>>,
) -> Result<Collected, String> {
    if file.size() > MAX_BYTES {
        return Err(format!(
            "{} is {:.0} MB; at most {:.0} MB is read",
            file.name(),
            file.size() / 1e6,
            MAX_BYTES / 1e6
        ));
    }
    // Bytes copied into the module at once, then checked as UTF-8 there: reading the file as a
    // JavaScript string and converting it took a quarter of a second at 42 MB.
    let bytes = JsFuture::from(file.array_buffer())
        .await
        .map(|buffer| js_sys::Uint8Array::new(&buffer).to_vec())
        .map_err(|_| format!("{} could not be read", file.name()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{} is not text (UTF-8): byte {} is not",
            file.name(),
            e.utf8_error().valid_up_to()
        )
    })?;
    let parsed = parse(&text, progress).await;
    progress.set(None);
    let collected = parsed.map_err(|e| {
        format!(
            "{} is not a collected sweep (collected.json from `overfit sweep collect`): {e}",
            file.name()
        )
    })?;
    if collected.schema != SCHEMA {
        return Err(format!(
            "{} is a collected sweep of layout {}; this page reads layout {SCHEMA}",
            file.name(),
            collected.schema
        ));
    }
    if collected.rows.is_empty() {
        return Err(format!("{} holds no finished run", file.name()));
    }
    Ok(collected)
}

/// The first choices: across, a numeric axis other than the seed; up, a "steps to" figure if
/// there is one; a curve per value of another axis other than the seed.
fn defaults(c: &Collected) -> (String, String, String) {
    let axes = c.numeric_axes();
    let x = axes
        .iter()
        .find(|a| *a != "seed")
        .or(axes.first())
        .cloned()
        .unwrap_or_default();
    let figures = c.numeric_figures();
    let y = figures
        .iter()
        .find(|f| f.starts_with("steps_to_val"))
        .or_else(|| figures.iter().find(|f| f.contains("test")))
        .or(figures.first())
        .cloned()
        .unwrap_or_default();
    let series = c
        .varying_axes()
        .into_iter()
        .find(|a| *a != x && a != "seed")
        .unwrap_or_default();
    (x, y, series)
}

fn select(
    id: &'static str,
    label: &'static str,
    choices: Vec<String>,
    none: Option<&'static str>,
    value: RwSignal<String>,
) -> impl IntoView {
    let options = none
        .map(|n| view! { <option value="" selected=move || value.get().is_empty()>{n}</option> })
        .into_iter()
        .collect_view();
    let choices = choices
        .into_iter()
        .map(|c| {
            let shown = format!("{} ({c})", words(&c));
            let key = c.clone();
            view! { <option value=c selected=move || value.get() == key>{shown}</option> }
        })
        .collect_view();
    view! {
        <label class="control">
            <span class="label">{label}</span>
            <select id=id on:change=move |ev| value.set(event_target_value(&ev))>{options}{choices}</select>
        </label>
    }
}

/// How many runs of the grid finished, failed, cannot be read or are missing.
fn counts(c: &Collected) -> String {
    let unreadable = if c.unreadable.is_empty() {
        String::new()
    } else {
        format!(", {} unreadable", c.unreadable.len())
    };
    format!(
        "{}: {} of {} runs finished, {} failed{unreadable}, {} missing.",
        c.experiment,
        c.finished,
        c.runs_planned,
        c.failed.len(),
        c.missing.len()
    )
}

/// The first 20 runs that failed or whose result cannot be read, each in a line.
fn failures(c: &Collected) -> impl Iterator<Item = String> + '_ {
    c.failed
        .iter()
        .map(|f| format!("run {}: {}", f.index, f.error))
        .chain(c.unreadable.iter().map(|f| {
            format!(
                "run {} finished, its result unreadable: {}",
                f.index, f.error
            )
        }))
        .take(20)
}

#[component]
pub fn SweepPage() -> impl IntoView {
    // Shared, never copied: a file of 50 MB is drawn again at every change of axis.
    let collected: RwSignal<Option<Arc<Collected>>> = RwSignal::new(None);
    let problem: RwSignal<Option<String>> = RwSignal::new(None);
    let progress: RwSignal<Option<String>> = RwSignal::new(None);
    let (x, y, series) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let take = move |file: web_sys::File| {
        wasm_bindgen_futures::spawn_local(async move {
            match read(file, progress).await {
                Ok(c) => {
                    let (dx, dy, ds) = defaults(&c);
                    x.set(dx);
                    y.set(dy);
                    series.set(ds);
                    problem.set(None);
                    collected.set(Some(Arc::new(c)));
                }
                Err(e) => problem.set(Some(e)),
            }
        });
    };
    let on_change = move |ev: web_sys::Event| {
        let input: Option<web_sys::HtmlInputElement> = ev.target().and_then(|t| t.dyn_into().ok());
        if let Some(file) = input.and_then(|i| i.files()).and_then(|f| f.get(0)) {
            take(file);
        }
    };
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        if let Some(file) = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0))
        {
            take(file);
        }
    };
    let hover: Hover = RwSignal::new(None);
    let chart_width: ChartWidth = RwSignal::new(0.0);
    let chosen = move || {
        collected.with(|c| {
            let c = c.as_ref()?;
            let series = series.get();
            let found = c.curves(
                &x.get(),
                &y.get(),
                (!series.is_empty()).then_some(series.as_str()),
            );
            Some((c.clone(), found))
        })
    };
    let body = move || {
        let (c, found) = chosen()?;
        let controls = view! {
            <div class="sweep-controls">
                {select("sweep-x", "Across", c.numeric_axes(), None, x)}
                {select("sweep-y", "Up", c.numeric_figures(), None, y)}
                {select("sweep-series", "A curve per", c.varying_axes(), Some("(none: one curve per run)"), series)}
            </div>
        };
        let counts = counts(&c);
        let chart = match found {
            Ok(found) => {
                let (xk, yk) = (x.get_untracked(), y.get_untracked());
                let note = (found.unreached > 0).then(|| {
                    format!(
                        " {} runs never reached {}: they are left out.",
                        found.unreached,
                        words(&yk)
                    )
                });
                let spec = found.chart(&xk, &yk);
                view! {
                    <p class="sweep-counts" id="sweep-counts">{counts}{note}</p>
                    <div class="charts"><ChartBox index=0 spec=Signal::stored(spec) hover=hover width=chart_width /></div>
                }
                .into_any()
            }
            Err(e) => view! {
                <p class="sweep-counts" id="sweep-counts">{counts}</p>
                <p class="problems" role="alert">{e}</p>
            }
            .into_any(),
        };
        let failures = failures(&c)
            .map(|line| view! { <li>{line}</li> })
            .collect_view();
        Some(view! {
            {controls}
            {chart}
            <ul class="sweep-failed" id="sweep-failed">{failures}</ul>
        })
    };
    view! {
        <section class="panel sweep" on:drop=on_drop on:dragover=|ev: web_sys::DragEvent| ev.prevent_default()>
            <h1>"A collected sweep"</h1>
            <p>"Open the "<code>"collected.json"</code>" that "<code>"overfit sweep collect DIR"</code>
               " writes (or drop it here): every finished run of a grid, drawn as one figure against one grid axis. It is read in this page only."</p>
            <label class="control" for="sweep-file">
                <span class="label">"Collected sweep (JSON)"</span>
                <input type="file" id="sweep-file" accept=".json,application/json" on:change=on_change />
            </label>
            <p class="sweep-progress" id="sweep-progress" role="status" hidden=move || progress.with(Option::is_none)>{move || progress.get()}</p>
            <p class="problems" id="sweep-problem" role="alert" hidden=move || problem.with(Option::is_none)>{move || problem.get()}</p>
            {body}
        </section>
    }
}
