//! What a run gives the reader under its charts: the summary table and the verdicts in words
//! (one [`Summary`] of the report, as the CLI prints it), the exports and the command that runs
//! the same spec natively.

use leptos::prelude::*;
use overfit_core::experiments::{AnySpec, Experiment, Summary};
use overfit_core::report::Report;
use overfit_core::spec::Preset;

use crate::components::chart;
use crate::components::kept::{each, field};
use crate::download::{data_url, download, download_png};

/// The report's [`Summary`]: a row per figure, in words and in its unit (the key,
/// metrics.json's name, is the row's data-key and title), a column per run with a figure.
#[component]
pub fn SummaryTable(#[prop(into)] report: Signal<Option<Report>>) -> impl IntoView {
    let summary = Memo::new(move |_| report.with(|r| r.as_ref().map(Summary::of)));
    let runs = Memo::new(move |_| {
        summary.with(|s| s.as_ref().map(|s| s.runs.clone()).unwrap_or_default())
    });
    let rows = Memo::new(move |_| {
        summary.with(|s| s.as_ref().map(|s| s.rows.clone()).unwrap_or_default())
    });
    let head = each(runs, |run| {
        view! { <th data-run=field(run, |r| r.label.clone())>{field(run, |r| r.name.clone())}</th> }
    });
    let body = each(rows, |row| {
        let cells = Memo::new(move |_| {
            row.with(|r| r.as_ref().map(|r| r.cells.clone()).unwrap_or_default())
        });
        let key = field(row, |r| r.key.clone());
        view! {
            <tr data-key=key>
                <td class="key" title=key>{field(row, |r| r.words.clone())}</td>
                {each(cells, |cell| view! { <td class="num">{Signal::derive(move || cell.get())}</td> })}
            </tr>
        }
    });
    // Focusable, so a table wider than a phone scrolls by keyboard too.
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label="every run's figures">
            <table class="summary" hidden=move || summary.with(Option::is_none)>
                <thead><tr><th>"Summary"</th>{head}</tr></thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}

/// The experiment's notes across runs (for grokking with its controls, how much of each
/// filter's speed-up is the filter), each run's verdict and the reason for it, and notes on a
/// run's numbers (how far a mean is one draw's): the [`Summary`]'s sentences.
#[component]
pub fn Verdicts(
    experiment: Experiment,
    #[prop(into)] report: Signal<Option<Report>>,
) -> impl IntoView {
    let summary = Memo::new(move |_| report.with(|r| r.as_ref().map(Summary::of)));
    let filters = Memo::new(move |_| {
        report.with(|r| r.as_ref().map(|r| experiment.notes(r)).unwrap_or_default())
    });
    let runs = Memo::new(move |_| {
        summary.with(|s| s.as_ref().map(|s| s.verdicts.clone()).unwrap_or_default())
    });
    let notes = Memo::new(move |_| {
        summary.with(|s| s.as_ref().map(|s| s.notes.clone()).unwrap_or_default())
    });
    let filters = each(
        filters,
        |text| view! { <p class="verdict filter">{Signal::derive(move || text.get())}</p> },
    );
    let runs = each(runs, |item| {
        view! {
            <p class=field(item, |(_, v)| format!("verdict {}", v.verdict)) data-run=field(item, |(run, _)| run.label.clone())>
                <strong>{field(item, |(run, v)| format!("{}: {}.", run.name, v.verdict))}</strong>
                " "
                {field(item, |(_, v)| v.why.clone().unwrap_or_default())}
            </p>
        }
    });
    let notes = each(notes, |item| {
        view! {
            <p class="note" data-run=field(item, |(run, _)| run.label.clone())>
                <strong>{field(item, |(run, _)| format!("{}:", run.name))}</strong>
                " "
                {field(item, |(_, note)| note.clone())}
            </p>
        }
    });
    view! { <div class="verdicts" id="verdicts">{filters}{runs}{notes}</div> }
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
    let has_report = Memo::new(move |_| report.with(Option::is_some));
    let links = move || {
        has_report.get().then(|| {
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
/// it, or with the page's link. A widget on a course page shows it only when asked (a student
/// reads the run; the command is one click away).
#[component]
pub fn NativeCommand(
    spec: RwSignal<AnySpec>,
    preset: Preset,
    page_url: Callback<(), String>,
    embedded: bool,
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
    let command = view! {
        <p class="cli">"Run natively: "<code id="cli-command">{by_settings}</code>
            " or "<code id="cli-url-command">{by_link}</code></p>
    };
    if embedded {
        view! { <details class="cli-more"><summary>"Run it natively"</summary>{command}</details> }
            .into_any()
    } else {
        command.into_any()
    }
}
