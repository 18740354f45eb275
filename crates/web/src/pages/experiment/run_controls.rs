//! Run, Pause, Stop and Reset, the speed, and what the run is doing: its status, progress, a
//! notice, a spec over the device's budget, and the CPU offered after the GPU stopped a run.

use leptos::prelude::*;
use overfit_core::experiments::AnySpec;

use crate::runner::{Runner, Status};

/// What a status reads as on the page.
fn status_words(status: &Status) -> String {
    match status {
        Status::Idle => "ready".to_string(),
        Status::Waiting => "waiting for the device (the run is priced for it first)".to_string(),
        Status::Measuring => {
            "timing a few steps on WebGPU and on the CPU, to train on the faster".to_string()
        }
        Status::Queued => "queued: another widget on this page is training".to_string(),
        Status::Running => "training".to_string(),
        Status::Paused => "paused".to_string(),
        Status::Done => "done".to_string(),
        Status::Failed(e) => format!("stopped: {e}"),
    }
}

/// The buttons and the run's state. `start` prices the page's spec and runs it.
#[component]
pub fn RunControls(
    runner: StoredValue<Runner, LocalStorage>,
    spec: RwSignal<AnySpec>,
    running: Signal<bool>,
    start: UnsyncCallback<()>,
) -> impl IntoView {
    let view = runner.with_value(|r| r.view);
    // Sweeps count units of work (a block of features, a solve, a trial), not optimizer steps.
    let unit = move || {
        if spec.with(AnySpec::is_sweep) {
            "unit"
        } else {
            "step"
        }
    };
    let on_pause = move |_| {
        runner.with_value(|r| r.set_paused(view.status.get_untracked() == Status::Running));
    };
    // Slows training down so a class can watch a change happen (with Pause: WCAG 2.2.2).
    let on_speed = move |ev: web_sys::Event| {
        if let Ok(share) = event_target_value(&ev).parse::<f64>() {
            runner.with_value(|r| r.set_speed(share));
        }
    };
    let on_cpu = move |_| {
        runner.with_value(|r| r.use_cpu("WebGPU failed on this page"));
        start.run(());
    };
    let status_class = move || match view.status.get() {
        Status::Failed(_) => "status failed",
        Status::Done => "status done",
        _ => "status",
    };
    let over_budget = view.over_budget;
    view! {
        <div class="buttons">
            <button id="run" on:click=move |_| start.run(())>{move || if running.get() { "Restart" } else { "Run" }}</button>
            <button id="pause" disabled=move || !running.get() on:click=on_pause>
                {move || if view.status.get() == Status::Paused { "Resume" } else { "Pause" }}
            </button>
            <button id="stop" disabled=move || !running.get() on:click=move |_| runner.with_value(Runner::stop)>"Stop"</button>
            <button id="reset" on:click=move |_| runner.with_value(Runner::reset)>"Reset"</button>
        </div>
        <label class="speed">"Speed "
            <select id="speed-control" on:change=on_speed>
                <option value="1" selected>"full"</option>
                <option value="0.25">"slow (a quarter)"</option>
                <option value="0.0625">"slower (a sixteenth)"</option>
            </select>
        </label>
        <p class=status_class id="status">{move || view.status.with(status_words)}</p>
        <p class="progress" id="progress">
            {move || format!("{} {} / {}", unit(), view.steps_done.get(), view.total_steps.get())}
            " · "
            <span id="speed">{move || format!("{:.1} {}s/s", view.steps_per_second.get(), unit())}</span>
        </p>
        <p class="notice">{move || view.notice.get()}</p>
        // Priced before it runs, for the device the worker opened: a spec over that budget
        // (memory, or hours of work) opens paused, says what it needs, and waits for "Run anyway".
        <div class="budget" id="budget" role="alert" hidden=move || over_budget.with(Option::is_none)>
            <p>{move || over_budget.get().map(|text| format!("Not started: {text}."))}</p>
            <button id="run-anyway" on:click=move |_| runner.with_value(Runner::run_anyway)>"Run anyway"</button>
        </div>
        <p class="budget" id="offer-cpu" hidden=move || !view.offer_cpu.get()>
            "The GPU stopped this run. "
            <button id="run-on-cpu" on:click=on_cpu>"Run on the CPU"</button>
        </p>
    }
}
