//! The home page: every registered experiment with its claim and source.

use leptos::prelude::*;
use overfit_core::experiments::Experiment;

use crate::components::problems::Problems;

#[component]
pub fn Home(problems: Vec<String>) -> impl IntoView {
    let cards = Experiment::ALL
        .iter()
        .map(|e| {
            let info = e.info();
            view! {
                <a class="card" href=format!("?exp={}", info.id) data-experiment=info.id>
                    <h2>{info.title}</h2>
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
            <p>"Each experiment trains real models in your browser and shows the published number beside yours."</p>
        </section>
        <section class="cards" id="experiments">{cards}</section>
        <p class="sweep-link">"Ran a sweep of many runs with the CLI? "
            <a href="?view=sweep" id="open-sweep">"Open its collected.json"</a>" to draw it here."</p>
    }
}
