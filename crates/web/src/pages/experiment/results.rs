//! What a run gives the reader under its charts: the summary table, the verdicts in words, the
//! exports and the command that runs the same spec natively.

use leptos::prelude::*;
use overfit_core::experiments::double_descent::metric::DRAWS_NOTE;
use overfit_core::experiments::terms::metric;
use overfit_core::experiments::{AnySpec, Experiment};
use overfit_core::report::{Report, Verdict};
use overfit_core::spec::Preset;

use crate::components::chart;
use crate::download::{data_url, download, download_png};

/// Summary keys whose values are sentences, shown above the table rather than in it.
const NOTES: [&str; 2] = [metric::WHY.key, DRAWS_NOTE.key];

/// One row per summary key, one column per run (runs with nothing to summarise, curves over
/// widths or sizes, get none). Each row in words and in its unit; the key (metrics.json's
/// name) is the row's data-key and title.
#[component]
pub fn SummaryTable(#[prop(into)] report: Signal<Option<Report>>) -> impl IntoView {
    let table = move || {
        report.with(|r| {
            r.as_ref().map(|r| {
                let mut keys: Vec<String> = Vec::new();
                for run in &r.runs {
                    for k in run.summary.keys().filter(|k| !NOTES.contains(&k.as_str())) {
                        if !keys.contains(k) {
                            keys.push(k.clone());
                        }
                    }
                }
                let runs: Vec<_> = r
                    .runs
                    .iter()
                    .filter(|run| !run.summary.is_empty())
                    .collect();
                let head = runs
                    .iter()
                    .map(|run| view! { <th>{run.label.clone()}</th> })
                    .collect_view();
                let rows = keys
                    .into_iter()
                    .map(|k| {
                        let cells = runs
                            .iter()
                            .map(|run| {
                                let shown = run.summary.get(&k).map_or("—".to_string(), |v| {
                                    overfit_core::terms::format_json(&k, v)
                                });
                                view! { <td class="num">{shown}</td> }
                            })
                            .collect_view();
                        let words = overfit_core::terms::title(&k);
                        view! {
                            <tr data-key=k.clone()><td class="key" title=k.clone()>{words}</td>{cells}</tr>
                        }
                    })
                    .collect_view();
                view! {
                    <thead><tr><th>"Summary"</th>{head}</tr></thead>
                    <tbody>{rows}</tbody>
                }
            })
        })
    };
    // Focusable, so a table wider than a phone scrolls by keyboard too.
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label="every run's figures">
            <table class="summary">{table}</table>
        </div>
    }
}

/// Each run's verdict and the reason for it, where the experiment gives one; the experiment's
/// notes across runs (for grokking with its controls, how much of each filter's speed-up is
/// the filter); notes on a run's numbers (how far a mean is one draw's).
#[component]
pub fn Verdicts(
    experiment: Experiment,
    #[prop(into)] report: Signal<Option<Report>>,
) -> impl IntoView {
    let verdicts = move || {
        report.with(|r| {
            r.as_ref().map(|r| {
                let filters = experiment
                    .notes(r)
                    .into_iter()
                    .map(|text| view! { <p class="verdict filter">{text}</p> })
                    .collect_view();
                let runs = r
                    .runs
                    .iter()
                    .filter_map(|run| {
                        let Verdict { verdict, why } = Verdict::of(&run.summary)?;
                        let why = why.unwrap_or_default();
                        let class = format!("verdict {verdict}");
                        Some(view! {
                            <p class=class data-run=run.label.clone()>
                                <strong>{format!("{}: {verdict}.", run.label)}</strong>" "{why}
                            </p>
                        })
                    })
                    .collect_view();
                let notes = r
                    .runs
                    .iter()
                    .filter_map(|run| {
                        let note = run.summary.get(DRAWS_NOTE.key)?.as_str()?.to_string();
                        Some(view! {
                            <p class="note" data-run=run.label.clone()>
                                <strong>{format!("{}:", run.label)}</strong>" "{note}
                            </p>
                        })
                    })
                    .collect_view();
                view! { {filters}{runs}{notes} }
            })
        })
    };
    view! { <div class="verdicts" id="verdicts">{verdicts}</div> }
}

/// The run's metrics and first chart as files, built when clicked from the exact points
/// (charts on screen are thinned to their pixels).
#[component]
pub fn Exports(
    experiment: Experiment,
    #[prop(into)] report: Signal<Option<Report>>,
) -> impl IntoView {
    let export = move |name: &'static str| {
        report.with_untracked(|r| {
            let Some(r) = r else {
                return;
            };
            let first = experiment.charts(r).into_iter().next();
            let svg = || first.as_ref().map(chart::render).unwrap_or_default();
            match name {
                "metrics.json" => download(
                    name,
                    &data_url(
                        "application/json",
                        &serde_json::to_string_pretty(r).unwrap_or_default(),
                    ),
                ),
                "metrics.csv" => download(name, &data_url("text/csv", &r.to_csv())),
                "chart.svg" => download(name, &data_url("image/svg+xml", &svg())),
                _ => {
                    let (width, height) = first.as_ref().map(chart::size).unwrap_or((520.0, 300.0));
                    download_png(&svg(), width, height, "chart.png");
                }
            }
        })
    };
    let links = move || {
        report.with(Option::is_some).then(|| {
            ["metrics.json", "metrics.csv", "chart.svg", "chart.png"]
                .into_iter()
                .map(|name| {
                    let id = format!("export-{}", name.rsplit('.').next().unwrap_or(name));
                    view! {
                        <a id=id href="#" on:click=move |ev| {
                            ev.prevent_default();
                            export(name);
                        }>{name}</a>
                    }
                })
                .collect::<Vec<_>>()
        })
    };
    view! { <div class="exports">"Export: "{links}</div> }
}

/// What a command line adds for a run on the reader's own file (which a link cannot carry).
fn own_file(spec: &AnySpec) -> &'static str {
    if overfit_core::experiments::trains_on_own_data(spec) {
        " --data FILE.csv"
    } else {
        ""
    }
}

/// The same run natively: `overfit run` with the preset and each setting that differs from
/// it, or with the page's link.
#[component]
pub fn NativeCommand(
    spec: RwSignal<AnySpec>,
    preset: Preset,
    page_url: Callback<(), String>,
) -> impl IntoView {
    let by_settings = move || {
        let s = spec.get();
        let base = s.experiment().preset(preset).to_json();
        let sets: String = s
            .to_json()
            .into_iter()
            .filter(|(k, v)| base.get(k) != Some(v))
            .map(|(k, v)| {
                format!(
                    " --set {k}={}",
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                )
            })
            .collect();
        format!(
            "overfit run {} --preset {}{sets}{}",
            s.experiment().id(),
            preset.name(),
            own_file(&s)
        )
    };
    let by_link = move || {
        spec.track();
        let url = page_url.run(());
        spec.with(|s| format!("overfit run --url '{url}'{}", own_file(s)))
    };
    view! {
        <p class="cli">"Run natively: "<code id="cli-command">{by_settings}</code>
            " or "<code id="cli-url-command">{by_link}</code></p>
    }
}
