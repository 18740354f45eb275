//! One experiment: explanation and source, controls, Run/Pause/Reset, live charts, the decision
//! surface, the run's summary, and exports. The page wires the runner and the address bar to
//! components with one job each: the [`toolbar`] (device, presets, sharing), the
//! [`run_controls`], and the [`results`] under the charts.

mod results;
mod run_controls;
mod toolbar;

use std::sync::Arc;

use leptos::prelude::*;
use overfit_core::data::table::Table;
use overfit_core::experiments::{AnySpec, Experiment};
use overfit_core::report::Report;
use overfit_core::spec::{Knob, Preset};

use crate::components::chart_box::{ChartBox, ChartWidth, Hover};
use crate::components::comparison::PaperComparison;
use crate::components::controls::Controls;
use crate::components::embed_builder::EmbedBuilder;
use crate::components::gallery::GalleryView;
use crate::components::kept::by_position;
use crate::components::own_data::OwnData;
use crate::components::problems::Problems;
use crate::components::surface::SurfaceView;
use crate::embed;
use crate::query;
use crate::query::EmbedOptions;
use crate::runner::{Runner, Status};
use results::{Exports, NativeCommand, SummaryTable, Verdicts};
use run_controls::RunControls;
use toolbar::Toolbar;

/// The knobs a page shows: the story's first, in its order, then the rest (under "Advanced"),
/// less those the embed hides (`advanced_hide=1`, the embed builder's "the story's only",
/// hides all of Advanced); and whether Advanced opens, as it does when the link changed one
/// of its knobs from the preset (the reader sees what differs).
fn knob_groups(
    experiment: Experiment,
    preset: Preset,
    spec: &AnySpec,
    embed: &EmbedOptions,
) -> (Vec<&'static Knob>, Vec<&'static Knob>, bool) {
    let visible: Vec<&'static Knob> = experiment
        .knobs()
        .iter()
        .filter(|k| !embed.hides(k.key))
        .collect();
    let story_keys = experiment.info().story;
    let story = story_keys
        .iter()
        .filter_map(|key| visible.iter().find(|k| k.key == *key).copied())
        .collect();
    let advanced: Vec<&'static Knob> = visible
        .iter()
        .filter(|k| !story_keys.contains(&k.key) && !embed.hides("advanced"))
        .copied()
        .collect();
    let (preset_json, link_json) = (experiment.preset(preset).to_json(), spec.to_json());
    let open = advanced
        .iter()
        .any(|k| preset_json.get(k.key) != link_json.get(k.key));
    (story, advanced, open)
}

/// Three changes worth trying, each a link from the quick preset (priced: each fits a CPU
/// tab, see `Info::try_these`), and the experiments that take the story further.
fn story_links(experiment: Experiment, backend: query::BackendChoice) -> (AnyView, AnyView) {
    let info = experiment.info();
    let try_links = info
        .try_these
        .iter()
        .filter_map(|(words, pairs)| {
            let spec = experiment.suggested(pairs).ok()?;
            let href = query::encode(&spec, Preset::Quick, backend);
            Some(view! { <a class="try-link" href=href>{*words}</a> })
        })
        .collect_view()
        .into_any();
    let next_links = info
        .next
        .iter()
        .map(|(id, words)| {
            let href = format!("?exp={id}");
            view! { <a class="next-link" href=href>{*words}</a> }
        })
        .collect_view()
        .into_any();
    (try_links, next_links)
}

/// The page's full address for `spec` (a link, and the embed code's source).
fn page_url(spec: &AnySpec, preset: Preset, backend: query::BackendChoice) -> String {
    let location = web_sys::window().map(|w| w.location());
    let (origin, path) = location
        .map(|l| {
            (
                l.origin().unwrap_or_default(),
                l.pathname().unwrap_or_default(),
            )
        })
        .unwrap_or_default();
    format!("{origin}{path}{}", query::encode(spec, preset, backend))
}

/// Keeps the address bar a link to this exact run: each change of the controls is a history
/// entry, and Back/Forward show the spec the address names (stopping a run of another one).
fn follow_the_address(
    experiment: Experiment,
    spec: RwSignal<AnySpec>,
    preset: Preset,
    backend: query::BackendChoice,
    runner: StoredValue<Runner, LocalStorage>,
) {
    let kept = query::kept_controls(&query::current_search());
    Effect::new(move |first: Option<()>| {
        let search = format!("{}{kept}", query::encode(&spec.get(), preset, backend));
        query::set_url(&search, first.is_some());
    });
    let on_pop = window_event_listener(leptos::ev::popstate, move |_| {
        let page = query::parse(&query::current_search());
        match (page.experiment, page.spec) {
            (Some(e), Some(s)) if e == experiment && page.preset == preset => {
                if s != spec.get_untracked() {
                    runner.with_value(Runner::stop);
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
    on_cleanup(move || on_pop.remove());
}

/// The title and what the experiment shows: on its page the explanation, the source and the
/// mode's note; in a widget the claim and a link to the full page.
#[component]
fn Heading(
    experiment: Experiment,
    spec: RwSignal<AnySpec>,
    preset: Preset,
    backend: query::BackendChoice,
    embedded: bool,
) -> impl IntoView {
    let info = experiment.info();
    let full_page_link = move || spec.with(|s| query::encode(s, preset, backend));
    let about = if embedded {
        view! {
            <p class="claim">{info.claim}" "
                <a class="open-full" href=full_page_link target="_blank" rel="noopener">"Open in Overfit Lab ↗"</a>
            </p>
        }
        .into_any()
    } else {
        view! {
            <p class="explanation">{info.explanation}</p>
            <p class="paper">"Source: "<a href=info.paper_url target="_blank" rel="noopener">{info.paper}</a></p>
            {move || spec.with(|s| s.note()).map(|note| view! { <p class="mode-note" id="mode-note">{note}</p> })}
        }
        .into_any()
    };
    view! {
        {(!embedded).then(|| view! { <nav class="crumbs"><a href="?">"All experiments"</a></nav> })}
        <h1>{info.title}</h1>
        {about}
    }
}

/// The run's charts (before the first run, the spec's empty axes and what will be drawn on
/// them), each box kept while the run's reports change its chart.
fn charts(
    experiment: Experiment,
    spec: RwSignal<AnySpec>,
    report: RwSignal<Option<Report>>,
) -> AnyView {
    let specs = Memo::new(move |_| {
        report.with(|r| match r {
            Some(r) => experiment.charts(r),
            None => spec.with(|s| experiment.empty_charts(s)),
        })
    });
    let hover: Hover = RwSignal::new(None);
    let width: ChartWidth = RwSignal::new(0.0);
    let count = Memo::new(move |_| specs.with(Vec::len));
    by_position(
        count,
        Arc::new(move |index| {
            let spec =
                Memo::new(move |_| specs.with(|all| all.get(index).cloned().unwrap_or_default()));
            view! { <ChartBox index=index spec=spec hover=hover width=width /> }.into_any()
        }),
    )
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
    let (story_knobs, advanced_knobs, advanced_open) =
        knob_groups(experiment, preset, &spec, &embed);
    let spec = RwSignal::new(spec);
    // A widget on a course page starts no worker before its first run: a page of many
    // widgets holds workers only for those a reader ran or scrolled to.
    let runner = Runner::new(
        backend == query::BackendChoice::Cpu,
        backend == query::BackendChoice::WebGpu,
        max_workers,
        embed.enabled,
    );
    let view = runner.view;
    let runner = StoredValue::new_local(runner);
    let running = Signal::derive(move || {
        matches!(
            view.status.get(),
            Status::Running | Status::Paused | Status::Waiting | Status::Measuring | Status::Queued
        )
    });
    follow_the_address(experiment, spec, preset, backend, runner);
    // Priced before it runs, for the device the worker opened (see `RunControls`).
    let start = UnsyncCallback::new(move |()| {
        runner.with_value(|r| r.request(spec.get_untracked(), preset));
    });
    // A changed spec is priced again when it is run (effects first run after the autorun
    // below: that run must not clear its own message).
    Effect::new(move |first: Option<()>| {
        spec.track();
        if first.is_some() {
            view.over_budget.set(None);
        }
    });
    if autorun && embed.enabled {
        // A widget's autorun waits until a reader can see it.
        embed::when_seen(move || start.run(()));
    } else if autorun {
        start.run(());
    }
    embed::install(
        &embed,
        info.id,
        view,
        move || start.run(()),
        move || runner.with_value(Runner::stop),
        move |unseen| runner.with_value(|r| r.hold_unseen(unseen)),
    );
    let page_url = Callback::new(move |()| page_url(&spec.get_untracked(), preset, backend));
    let embedded = embed.enabled;
    // The reader's own CSV file, where the experiment takes one (`data_hide=1` hides it).
    let own_data = info
        .own_data
        .filter(|_| !embed.hides("data"))
        .map(|limits| {
            let set_data = UnsyncCallback::new(move |table: Option<Table>| {
                runner.with_value(|r| r.set_data(table));
            });
            view! { <OwnData limits=limits spec=spec disabled=running set_data=set_data /> }
        });
    let (try_links, next_links) = story_links(experiment, backend);
    let has_next = !info.next.is_empty();

    view! {
        <article class="experiment" class:embedded=embedded data-experiment=info.id>
            <Heading experiment=experiment spec=spec preset=preset backend=backend embedded=embedded />
            <Problems problems=problems />
            <Toolbar view=view id=info.id title=info.title preset=preset embedded=embedded page_url=page_url />
            {(!embedded).then(|| view! {
                <EmbedBuilder link=Signal::derive(move || { spec.track(); page_url.run(()) }) title=info.title />
            })}
            <div class="layout">
                <section class="panel controls">
                    <RunControls runner=runner spec=spec running=running start=start />
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
                    <p class="watch" id="watch"><strong>"What to watch: "</strong>{info.watch}</p>
                    {(!embedded).then(|| view! { <p class="try" id="try"><strong>"What to try: "</strong>{try_links}</p> })}
                    {(!embedded && has_next).then(|| view! { <p class="try" id="next"><strong>"What happens next: "</strong>{next_links}</p> })}
                    <div class="charts">{charts(experiment, spec, view.report)}</div>
                    <Verdicts experiment=experiment report=view.report />
                    <PaperComparison experiment=experiment preset=preset spec=spec report=Signal::from(view.report) />
                    <div class="galleries" id="galleries"><GalleryView galleries=view.galleries /></div>
                    {move || spec.with(AnySpec::draws_surface).then(|| view! { <SurfaceView surface=view.surface points=view.points /> })}
                    <SummaryTable report=view.report />
                    <Exports experiment=experiment report=view.report />
                    <NativeCommand spec=spec preset=preset page_url=page_url embedded=embedded />
                </section>
            </div>
        </article>
    }
}
