//! The home page: every registered experiment as a card with its signature picture (its first
//! chart, from a real run: see `.ci/cards`), what that picture shows, its claim and source.

use leptos::prelude::*;
use overfit_core::experiments::Experiment;
use overfit_core::report::Report;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::components::chart::{self, Layout};
use crate::components::chart_box::{ChartWidth, body_text, follow_width};
use crate::components::problems::Problems;

/// The report a card's picture is drawn from (`cards/ID.json` beside the page), or `None`
/// where it is missing or unreadable: the card then has no picture, and says the rest.
async fn card_report(id: &str) -> Option<Report> {
    let window = web_sys::window()?;
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_str(&format!("cards/{id}.json")))
            .await
            .ok()?
            .dyn_into()
            .ok()?;
    if !response.ok() {
        return None;
    }
    let text = JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()?;
    serde_json::from_str(&text).ok()
}

/// A card's picture: the experiment's first chart as its page draws it, at the card's width.
/// Hidden from screen readers: the card's words say what it shows.
#[component]
fn CardPicture(experiment: Experiment, width: ChartWidth) -> impl IntoView {
    let report: RwSignal<Option<Report>> = RwSignal::new(None);
    wasm_bindgen_futures::spawn_local(async move {
        if let Some(r) = card_report(experiment.id()).await {
            report.set(Some(r));
        }
    });
    let node = NodeRef::<leptos::html::Div>::new();
    follow_width(node, width);
    let body = body_text();
    let svg = move || {
        report.with(|r| {
            let chart = experiment.charts(r.as_ref()?).into_iter().next()?;
            let w = width.get();
            Some(chart::render_at(
                &chart,
                Layout::picture(if w > 0.0 { w } else { 300.0 }, body),
            ))
        })
    };
    view! { <div class="card-picture" node_ref=node aria-hidden="true" inner_html=move || svg().unwrap_or_default()></div> }
}

#[component]
pub fn Home(problems: Vec<String>) -> impl IntoView {
    let width: ChartWidth = RwSignal::new(0.0);
    let cards = Experiment::ALL
        .iter()
        .map(|e| {
            let info = e.info();
            view! {
                <a class="card" href=format!("?exp={}", info.id) data-experiment=info.id>
                    <h2>{info.title}</h2>
                    <CardPicture experiment=*e width=width />
                    <p class="see">{info.see}</p>
                    <p class="claim">{info.claim}</p>
                    <p class="paper">{info.paper}</p>
                </a>
            }
        })
        .collect_view();
    view! {
        <Problems problems=problems />
        <section class="intro">
            <h1>"Experiments"</h1>
            <p>"Each experiment trains real models in your browser and shows the published number beside yours. The pictures are from real runs of each one's smallest setting."</p>
        </section>
        <section class="cards" id="experiments">{cards}</section>
        <p class="sweep-link">"Ran a sweep of many runs with the CLI? "
            <a href="?view=sweep" id="open-sweep">"Open its collected.json"</a>" to draw it here."</p>
    }
}
