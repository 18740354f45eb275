//! One experiment: explanation and source, controls, Run/Pause/Reset, live charts, the decision
//! surface, the run's summary, and exports.

use std::rc::Rc;

use leptos::prelude::*;
use overfit_core::data::table::Table;
use overfit_core::experiments::AnySpec;
use overfit_core::experiments::Experiment;
use overfit_core::experiments::double_descent::metric::DRAWS_NOTE;
use overfit_core::experiments::terms::metric;
use overfit_core::report::Verdict;
use overfit_core::spec::Preset;
use wasm_bindgen::JsCast;

use crate::components::chart;
use crate::components::chart_box::{ChartBox, ChartWidth, Hover};
use crate::components::comparison::PaperComparison;
use crate::components::controls::Controls;
use crate::components::embed_builder::EmbedBuilder;
use crate::components::gallery::GalleryView;
use crate::components::own_data::OwnData;
use crate::components::problems::Problems;
use crate::components::surface::SurfaceView;
use crate::download::{data_url, download, download_png};
use crate::embed::{self, EmbedOptions};
use crate::query;
use crate::runner::{Runner, Status};

/// Summary keys whose values are sentences, shown above the table rather than in it.
const NOTES: [&str; 2] = [metric::WHY.key, DRAWS_NOTE.key];

/// What a command line adds for a run on the reader's own file (which a link cannot carry).
fn own_file(spec: &AnySpec) -> &'static str {
    if overfit_core::experiments::trains_on_own_data(spec) {
        " --data FILE.csv"
    } else {
        ""
    }
}

#[component]
pub fn ExperimentPage(
    experiment: Experiment,
    spec: AnySpec,
    preset: Preset,
    autorun: bool,
    problems: Vec<String>,
    backend: query::BackendChoice,
    max_workers: Option<usize>,
    embed: EmbedOptions,
) -> impl IntoView {
    let info = experiment.info();
    let spec = RwSignal::new(spec);
    // Sweeps count units of work (a block of features, a solve, a trial), not optimizer steps.
    let unit = move || {
        if spec.with(AnySpec::is_sweep) {
            "unit"
        } else {
            "step"
        }
    };
    // A widget on a course page starts no worker before its first run: a page of many
    // widgets holds workers only for those a reader ran or scrolled to.
    let runner = Runner::new(
        backend == query::BackendChoice::Cpu,
        backend == query::BackendChoice::WebGpu,
        max_workers,
        embed.enabled,
    );
    let view = runner.view;
    let running = Signal::derive(move || {
        matches!(
            view.status.get(),
            Status::Running | Status::Paused | Status::Waiting | Status::Queued
        )
    });

    // The URL follows the controls, so the address bar is always a link to this exact run.
    // Each change of the controls is a history entry, so Back and Forward step through them.
    let kept = query::kept_controls(&query::current_search());
    Effect::new(move |first: Option<()>| {
        let search = format!("{}{kept}", query::encode(&spec.get(), preset, backend));
        query::set_url(&search, first.is_some());
    });

    // Priced before it runs, for the device the worker opened: a spec over that budget
    // (memory, or hours of work) opens paused, says what it needs, and waits for "Run anyway".
    let over_budget = view.over_budget;
    let start = {
        let runner = runner.clone();
        move || runner.request(spec.get_untracked(), preset)
    };
    let on_run_anyway = {
        let runner = runner.clone();
        move |_| runner.run_anyway()
    };
    let on_cpu = {
        let runner = runner.clone();
        let start = start.clone();
        move |_| {
            runner.use_cpu("WebGPU failed on this page");
            start();
        }
    };
    // A changed spec is priced again when it is run (effects first run after the autorun
    // above: that run must not clear its own message).
    Effect::new(move |first: Option<()>| {
        spec.track();
        if first.is_some() {
            over_budget.set(None);
        }
    });
    if autorun && embed.enabled {
        // A widget's autorun waits until a reader can see it.
        embed::when_seen({
            let start = start.clone();
            move || start()
        });
    } else if autorun {
        start();
    }
    let on_run = {
        let start = start.clone();
        move |_| start()
    };
    let on_pause = {
        let runner = runner.clone();
        move |_| runner.set_paused(view.status.get_untracked() == Status::Running)
    };
    let on_reset = {
        let runner = runner.clone();
        move |_| runner.reset()
    };
    let on_stop = {
        let runner = runner.clone();
        move |_| runner.stop()
    };
    // Slows training down so a class can watch a change happen (with Pause: WCAG 2.2.2).
    let on_speed = {
        let runner = runner.clone();
        move |ev: web_sys::Event| {
            if let Ok(share) = event_target_value(&ev).parse::<f64>() {
                runner.set_speed(share);
            }
        }
    };
    {
        let (stopper, pauser) = (runner.clone(), runner.clone());
        let start = start.clone();
        embed::install(
            &embed,
            info.id,
            view,
            start,
            move || stopper.stop(),
            move |unseen| pauser.hold_unseen(unseen),
        );
    }
    {
        // Back/Forward: show the spec the address now names (stopping a run of another one).
        let runner = runner.clone();
        let on_pop = wasm_bindgen::prelude::Closure::<dyn Fn()>::new(move || {
            let page = query::parse(&query::current_search());
            match (page.experiment, page.spec) {
                (Some(e), Some(s)) if e == experiment && page.preset == preset => {
                    if s != spec.get_untracked() {
                        runner.stop();
                        spec.set(s);
                    }
                }
                _ => {
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().reload();
                    }
                }
            }
        });
        if let Some(w) = web_sys::window() {
            let _ = w.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
        }
        on_pop.forget();
    }

    // Sharing: the exact run as a link, or as an <iframe> for a course page.
    let share_text: RwSignal<Option<(&'static str, String)>> = RwSignal::new(None);
    let page_url = move || {
        let location = web_sys::window().map(|w| w.location());
        let (origin, path) = location
            .map(|l| {
                (
                    l.origin().unwrap_or_default(),
                    l.pathname().unwrap_or_default(),
                )
            })
            .unwrap_or_default();
        format!(
            "{origin}{path}{}",
            query::encode(&spec.get_untracked(), preset, backend)
        )
    };
    let copy = move |what: &'static str, text: String| {
        if let Some(w) = web_sys::window() {
            // Best effort: the text is also shown, selectable, in case the clipboard is denied.
            let _ = w.navigator().clipboard().write_text(&text);
        }
        share_text.set(Some((what, text)));
    };
    let on_copy_link = move |_| copy("link", page_url());
    // The embed code uses the loader: it sandboxes the frame and tells the widget the course
    // page's origin, the one page allowed to drive it and read its state.
    let on_copy_embed = move |_| {
        copy(
            "embed code",
            crate::components::embed_builder::code(
                &page_url(),
                "all",
                false,
                crate::components::embed_builder::DEFAULT_HEIGHT,
                &format!("Overfit Lab: {}", info.title),
            ),
        )
    };
    let full_page_link = move || spec.with(|s| query::encode(s, preset, backend));
    let embedded = embed.enabled;
    let visible_knobs: Vec<_> = experiment
        .knobs()
        .iter()
        .filter(|k| !embed.hides(k.key))
        .collect();
    // The story's controls first, in its order; the rest under "Advanced", open when the link
    // changed one of them from its preset (the reader sees what differs).
    let story_keys = experiment.info().story;
    let story_knobs: Vec<_> = story_keys
        .iter()
        .filter_map(|key| visible_knobs.iter().find(|k| k.key == *key).copied())
        .collect();
    // `advanced_hide=1` (the embed builder's "the story's only") hides all of Advanced.
    let advanced_knobs: Vec<_> = visible_knobs
        .iter()
        .filter(|k| !story_keys.contains(&k.key) && !embed.hides("advanced"))
        .copied()
        .collect();
    let advanced_open = {
        let (preset_json, link_json) = (
            experiment.preset(preset).to_json(),
            spec.with_untracked(AnySpec::to_json),
        );
        advanced_knobs
            .iter()
            .any(|k| preset_json.get(k.key) != link_json.get(k.key))
    };

    let badge = move || match view.compute.get() {
        None => (
            "badge pending",
            "starting device…".to_string(),
            String::new(),
        ),
        Some(c) => {
            let class = if c.gpu { "badge gpu" } else { "badge cpu" };
            (
                class,
                c.label.clone(),
                c.fallback_reason.clone().unwrap_or_default(),
            )
        }
    };
    let status_text = move || match view.status.get() {
        Status::Idle => "ready".to_string(),
        Status::Waiting => "waiting for the device (the run is priced for it first)".to_string(),
        Status::Queued => "queued: another widget on this page is training".to_string(),
        Status::Running => "training".to_string(),
        Status::Paused => "paused".to_string(),
        Status::Done => "done".to_string(),
        Status::Failed(e) => format!("stopped: {e}"),
    };
    let status_class = move || match view.status.get() {
        Status::Failed(_) => "status failed",
        Status::Done => "status done",
        _ => "status",
    };
    let chart_specs = move || {
        view.report
            .with(|r| r.as_ref().map(|r| experiment.charts(r)).unwrap_or_default())
    };
    let hover: Hover = RwSignal::new(None);
    let chart_width: ChartWidth = RwSignal::new(0.0);
    // One row per summary key, one column per run.
    let summary_table = move || {
        view.report.with(|r| {
            r.as_ref().map(|r| {
                let mut keys: Vec<String> = Vec::new();
                for run in &r.runs {
                    // Sentences are shown above the table (see `verdicts`).
                    for k in run.summary.keys().filter(|k| !NOTES.contains(&k.as_str())) {
                        if !keys.contains(k) {
                            keys.push(k.clone());
                        }
                    }
                }
                // Runs with nothing to summarise (curves over widths, sizes) get no column.
                let runs: Vec<_> = r
                    .runs
                    .iter()
                    .filter(|run| !run.summary.is_empty())
                    .collect();
                let head = runs
                    .iter()
                    .map(|run| view! { <th>{run.label.clone()}</th> })
                    .collect_view();
                // Each row in words, in its unit (a share as a percentage, one value a seed
                // side by side); the key (metrics.json's name) is the row's data-key and title.
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
    // A run's verdict and the reason for it, where the experiment gives one; for grokking with
    // its controls, how much of each filter's speed-up is the filter.
    let verdicts = move || {
        view.report.with(|r| {
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
                // Notes on a run's numbers (how far a mean is one draw's).
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
    // Built when clicked, from the exact points (charts on screen are thinned to the pixels).
    let export = move |name: &'static str| {
        view.report.with_untracked(|r| {
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
    let exports = move || {
        view.report.with(Option::is_some).then(|| {
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
    // The reader's own CSV file, where the experiment takes one (`data_hide=1` hides it).
    let own_data = info
        .own_data
        .filter(|_| !embed.hides("data"))
        .map(|limits| {
            let runner = runner.clone();
            let set_data: Rc<dyn Fn(Option<Table>)> = Rc::new(move |table| runner.set_data(table));
            view! { <OwnData limits=limits spec=spec disabled=running set_data=set_data /> }
        });
    let cli_command = move || {
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
    let cli_url_command =
        move || spec.with(|s| format!("overfit run --url '{}'{}", page_url(), own_file(s)));
    // Three changes worth trying, each a link from the quick preset (priced: each fits a CPU
    // tab, see `Info::try_these`).
    let try_links = experiment
        .info()
        .try_these
        .iter()
        .filter_map(|(words, pairs)| {
            let spec = experiment.suggested(pairs).ok()?;
            let href = query::encode(&spec, Preset::Quick, backend);
            Some(view! { <a class="try-link" href=href>{*words}</a> })
        })
        .collect_view();
    // Experiments that take the story further (`Info::next`).
    let next_links = info
        .next
        .iter()
        .map(|(id, words)| {
            let href = format!("?exp={id}");
            view! { <a class="next-link" href=href>{*words}</a> }
        })
        .collect_view();
    let has_next = !info.next.is_empty();
    let preset_links = Preset::ALL
        .iter()
        .map(|p| {
            let href = format!("?exp={}&preset={}", info.id, p.name());
            let class = if *p == preset {
                "preset active"
            } else {
                "preset"
            };
            let (words, title) = p.words();
            view! { <a class=class href=href title=title data-preset=p.name()>{words}</a> }
        })
        .collect_view();

    view! {
        <article class="experiment" class:embedded=embedded data-experiment=info.id>
            {(!embedded).then(|| view! { <nav class="crumbs"><a href="?">"All experiments"</a></nav> })}
            <h1>{info.title}</h1>
            {if embedded {
                view! {
                    <p class="claim">{info.claim}" "
                        <a class="open-full" href=full_page_link target="_blank" rel="noopener">"Open in Overfit Lab ↗"</a>
                    </p>
                }.into_any()
            } else {
                view! {
                    <p class="explanation">{info.explanation}</p>
                    <p class="paper">"Source: "<a href=info.paper_url target="_blank" rel="noopener">{info.paper}</a></p>
                    {move || spec.with(|s| s.note()).map(|note| view! { <p class="mode-note" id="mode-note">{note}</p> })}
                }.into_any()
            }}
            <Problems problems=problems />
            <div class="toolbar">
                {move || { let (class, label, reason) = badge(); view! { <span class=class title=reason.clone() id="backend">{label}</span> } }}
                <span class="workers" id="workers" data-workers=move || view.workers.get()
                    title="Training runs in Web Workers, never on the page's thread; independent runs train side by side.">
                    {move || match view.workers.get() {
                        0 => String::new(),
                        1 => "1 worker".to_string(),
                        n => format!("{n} workers"),
                    }}
                </span>
                {(!embedded).then(|| view! { <span class="presets">"Start from: "{preset_links}</span> })}
                <button id="copy-link" class="share" on:click=on_copy_link>"Copy link"</button>
                <button id="copy-embed" class="share" on:click=on_copy_embed>"Copy embed code"</button>
            </div>
            {move || share_text.get().map(|(what, text)| view! {
                <p class="share-text">
                    <span>{format!("Copied {what}:")}</span>
                    <input id="share-text" readonly prop:value=text on:focus=|ev| {
                        if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                            input.select();
                        }
                    } />
                </p>
            })}
            {(!embedded).then(|| view! {
                <EmbedBuilder link=Signal::derive(move || { spec.track(); page_url() }) title=info.title />
            })}
            <div class="layout">
                <section class="panel controls">
                    <div class="buttons">
                        <button id="run" on:click=on_run>{move || if running.get() { "Restart" } else { "Run" }}</button>
                        <button id="pause" disabled=move || !running.get() on:click=on_pause>
                            {move || if view.status.get() == Status::Paused { "Resume" } else { "Pause" }}
                        </button>
                        <button id="stop" disabled=move || !running.get() on:click=on_stop>"Stop"</button>
                        <button id="reset" on:click=on_reset>"Reset"</button>
                    </div>
                    <label class="speed">"Speed "
                        <select id="speed-control" on:change=on_speed>
                            <option value="1" selected>"full"</option>
                            <option value="0.25">"slow (a quarter)"</option>
                            <option value="0.0625">"slower (a sixteenth)"</option>
                        </select>
                    </label>
                    <p class=status_class id="status">{status_text}</p>
                    <p class="progress" id="progress">
                        {move || format!("{} {} / {}", unit(), view.steps_done.get(), view.total_steps.get())}
                        " · "
                        <span id="speed">{move || format!("{:.1} {}s/s", view.steps_per_second.get(), unit())}</span>
                    </p>
                    <p class="notice">{move || view.notice.get()}</p>
                    <div class="budget" id="budget" role="alert" hidden=move || over_budget.with(Option::is_none)>
                        <p>{move || over_budget.get().map(|text| format!("Not started: {text}."))}</p>
                        <button id="run-anyway" on:click=on_run_anyway>"Run anyway"</button>
                    </div>
                    <p class="budget" id="offer-cpu" hidden=move || !view.offer_cpu.get()>
                        "The GPU stopped this run. "
                        <button id="run-on-cpu" on:click=on_cpu>"Run on the CPU"</button>
                    </p>
                    <Controls knobs=story_knobs spec=spec disabled=running />
                    {own_data}
                    {(!advanced_knobs.is_empty()).then(|| view! {
                        <details class="advanced" open=advanced_open>
                            <summary>"Advanced settings"</summary>
                            <Controls knobs=advanced_knobs spec=spec disabled=running />
                        </details>
                    })}
                </section>
                <section class="panel results">
                    <p class="watch" id="watch"><strong>"What to watch: "</strong>{experiment.info().watch}</p>
                    {(!embedded).then(|| view! { <p class="try" id="try"><strong>"What to try: "</strong>{try_links}</p> })}
                    {(!embedded && has_next).then(|| view! { <p class="try" id="next"><strong>"What happens next: "</strong>{next_links}</p> })}
                    <div class="charts">
                        {move || chart_specs().into_iter().enumerate().map(|(index, spec)| view! { <ChartBox index=index spec=spec hover=hover width=chart_width /> }).collect_view()}
                    </div>
                    <div class="verdicts" id="verdicts">{verdicts}</div>
                    <PaperComparison experiment=experiment preset=preset spec=spec report=Signal::from(view.report) />
                    <div class="galleries" id="galleries"><GalleryView galleries=view.galleries /></div>
                    {move || spec.with(AnySpec::draws_surface).then(|| view! { <SurfaceView surface=view.surface points=view.points /> })}
                    <div class="table-scroll" tabindex="0" role="region" aria-label="every run's figures"><table class="summary">{summary_table}</table></div>
                    <div class="exports">"Export: "{exports}</div>
                    <p class="cli">"Run natively: "<code id="cli-command">{cli_command}</code>
                        " or "<code id="cli-url-command">{cli_url_command}</code></p>
                </section>
            </div>
        </article>
    }
}
