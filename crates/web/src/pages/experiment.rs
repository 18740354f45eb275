//! One experiment: explanation and source, controls, Run/Pause/Reset, live charts, the decision
//! surface, the run's summary, and exports.

use leptos::prelude::*;
use overfit_core::experiments::Experiment;
use overfit_core::report::Report;
use overfit_core::spec::{AnySpec, Preset};

use crate::backend::Compute;
use crate::components::chart::{self, ChartSpec, Line, PALETTE};
use crate::components::controls::Controls;
use crate::components::problems::Problems;
use crate::components::surface::SurfaceView;
use crate::query;
use crate::runner::{Runner, Status};

fn charts(report: &Report) -> Vec<ChartSpec> {
    [
        ("accuracy", "_acc", Some((0.0, 1.0))),
        ("loss", "_loss", None),
    ]
    .into_iter()
    .map(|(title, suffix, y_range)| {
        let mut lines = Vec::new();
        for (r, run) in report.runs.iter().enumerate() {
            let steps = run.column("step");
            for name in run
                .metric_names()
                .into_iter()
                .filter(|n| n.ends_with(suffix))
            {
                let train = name.starts_with("train");
                let label = if report.runs.len() > 1 {
                    format!("{} {name}", run.label)
                } else {
                    name.clone()
                };
                lines.push(Line {
                    label,
                    color: PALETTE[(2 * r + usize::from(!train)) % PALETTE.len()],
                    dashed: train,
                    points: steps.iter().copied().zip(run.column(&name)).collect(),
                });
            }
        }
        ChartSpec {
            title: title.into(),
            y_label: title.into(),
            y_range,
            log_x: false,
            lines,
        }
    })
    .collect()
}

fn data_url(mime: &str, text: &str) -> String {
    format!(
        "data:{mime};charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(text))
    )
}

fn replace_url(search: &str) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(search));
    }
}

#[component]
pub fn ExperimentPage(
    experiment: Experiment,
    spec: AnySpec,
    preset: Preset,
    autorun: bool,
    problems: Vec<String>,
    compute: RwSignal<Option<Compute>, LocalStorage>,
    force_cpu: bool,
) -> impl IntoView {
    let info = experiment.info();
    let spec = RwSignal::new(spec);
    let runner = Runner::new();
    let view = runner.view;
    let running =
        Signal::derive(move || matches!(view.status.get(), Status::Running | Status::Paused));

    // The URL follows the controls, so the address bar is always a link to this exact run.
    Effect::new(move |_| replace_url(&query::encode(&spec.get(), preset, force_cpu)));

    let start = {
        let runner = runner.clone();
        move || runner.start(spec.get_untracked(), compute, preset.name().to_string())
    };
    if autorun {
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

    let badge = move || match compute.get() {
        None => (
            "badge pending",
            "starting device…".to_string(),
            String::new(),
        ),
        Some(c) => {
            let class = if c.is_gpu() { "badge gpu" } else { "badge cpu" };
            (
                class,
                c.label.clone(),
                c.fallback_reason.clone().unwrap_or_default(),
            )
        }
    };
    let status_text = move || match view.status.get() {
        Status::Idle => "ready".to_string(),
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
    let chart_svgs = move || {
        view.report.with(|r| {
            r.as_ref()
                .map(|r| charts(r).iter().map(chart::render).collect::<Vec<_>>())
        })
    };
    let summary_rows = move || {
        view.report.with(|r| {
            r.as_ref().map(|r| {
                r.runs
                    .iter()
                    .flat_map(|run| {
                        run.summary.iter().map(move |(k, v)| {
                            let shown = match v.as_f64() {
                                Some(x) if x.fract() != 0.0 => format!("{x:.4}"),
                                _ => v.to_string(),
                            };
                            view! { <tr><td>{run.label.clone()}</td><td>{k.clone()}</td><td class="num">{shown}</td></tr> }
                        })
                    })
                    .collect_view()
            })
        })
    };
    let exports = move || {
        view.report.with(|r| {
            r.as_ref().map(|r| {
                let json = serde_json::to_string_pretty(r).unwrap_or_default();
                let svg = charts(r).first().map(chart::render).unwrap_or_default();
                view! {
                    <a download="metrics.json" href=data_url("application/json", &json)>"metrics.json"</a>
                    <a download="metrics.csv" href=data_url("text/csv", &r.to_csv())>"metrics.csv"</a>
                    <a download="chart.svg" href=data_url("image/svg+xml", &svg)>"chart.svg"</a>
                }
            })
        })
    };
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
            "overfit run {} --preset {}{sets}",
            s.experiment().id(),
            preset.name()
        )
    };
    let preset_links = Preset::ALL
        .iter()
        .map(|p| {
            let href = format!("?exp={}&preset={}", info.id, p.name());
            let class = if *p == preset {
                "preset active"
            } else {
                "preset"
            };
            view! { <a class=class href=href>{p.name()}</a> }
        })
        .collect_view();

    view! {
        <article class="experiment" data-experiment=info.id>
            <nav class="crumbs"><a href="?">"All experiments"</a></nav>
            <h1>{info.title}</h1>
            <p class="explanation">{info.explanation}</p>
            <p class="paper">"Source: "<a href=info.paper_url target="_blank" rel="noopener">{info.paper}</a></p>
            <Problems problems=problems />
            <div class="toolbar">
                {move || { let (class, label, reason) = badge(); view! { <span class=class title=reason.clone() id="backend">{label}</span> } }}
                <span class="presets">"Preset: "{preset_links}</span>
            </div>
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
                    <p class=status_class id="status">{status_text}</p>
                    <p class="progress" id="progress">
                        {move || format!("step {} / {}", view.steps_done.get(), view.total_steps.get())}
                        " · "
                        <span id="speed">{move || format!("{:.1} steps/s", view.steps_per_second.get())}</span>
                    </p>
                    <p class="notice">{move || view.notice.get()}</p>
                    <Controls knobs=experiment.knobs() spec=spec disabled=running />
                </section>
                <section class="panel results">
                    <div class="charts">
                        {move || chart_svgs().unwrap_or_default().into_iter().map(|svg| view! { <div class="chart-box" inner_html=svg></div> }).collect_view()}
                    </div>
                    <SurfaceView surface=view.surface points=view.points compute=compute />
                    <table class="summary"><tbody>{summary_rows}</tbody></table>
                    <div class="exports">"Export: "{exports}</div>
                    <p class="cli">"Run natively: "<code id="cli-command">{cli_command}</code></p>
                </section>
            </div>
        </article>
    }
}
