//! Embedding: the page inside another site's `<iframe>` (`embed=1`), and its postMessage API.
//!
//! Messages in (from the embedding page only): `{type: "overfit:start"}`, `"overfit:stop"`,
//! `"overfit:state"` and `"overfit:metrics"`. Messages out: `{type: "overfit:state", status,
//! step, total, experiment}` whenever the run changes state, and `{type: "overfit:metrics",
//! report}` on request (the metrics.json contract). Only the parent window may talk to the
//! widget; when the link names `origin=<scheme://host>`, only that origin may, and state is
//! broadcast only to it (otherwise to the origin of the page that loaded the widget, as told
//! by the referrer, or not at all). A framed widget holds its run while it is out of view.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use crate::query::EmbedOptions;
use crate::runner::{RunView, Status};

fn status_name(status: &Status) -> &'static str {
    match status {
        Status::Idle => "ready",
        Status::Waiting | Status::Measuring => "starting",
        Status::Queued => "queued",
        Status::Running => "training",
        Status::Paused => "paused",
        Status::Done => "done",
        Status::Failed(_) => "failed",
    }
}

fn object(pairs: &[(&str, wasm_bindgen::JsValue)]) -> js_sys::Object {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &(*k).into(), v);
    }
    o
}

fn referrer_origin() -> Option<String> {
    let referrer = web_sys::window()?.document()?.referrer();
    let url = web_sys::Url::new(&referrer).ok()?;
    let origin = url.origin();
    (origin != "null" && !origin.is_empty()).then_some(origin)
}

/// Installs the message API. `start` and `stop` drive the page's runner.
pub fn install(
    options: &EmbedOptions,
    experiment: &'static str,
    view: RunView,
    start: impl Fn() + 'static,
    stop: impl Fn() + 'static,
    hold_unseen: impl Fn(bool) + 'static,
) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(Some(parent)) = window.parent() else {
        return;
    };
    if js_sys::Object::is(&parent, &window) {
        return; // not framed
    }
    pause_when_unseen(view, hold_unseen);
    let allowed = options.origin.clone();
    let broadcast_to = allowed.clone().or_else(referrer_origin);
    let state = move || {
        object(&[
            ("type", "overfit:state".into()),
            ("experiment", experiment.into()),
            ("status", status_name(&view.status.get_untracked()).into()),
            ("step", (view.steps_done.get_untracked() as f64).into()),
            ("total", (view.total_steps.get_untracked() as f64).into()),
        ])
    };
    {
        let parent = parent.clone();
        let target = broadcast_to.clone();
        Effect::new(move |_| {
            view.status.track();
            if let Some(target) = &target {
                let _ = parent.post_message(&state(), target);
            }
        });
    }
    let handler =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let from_parent = event
                .source()
                .is_some_and(|s| js_sys::Object::is(&s, &parent));
            let origin = event.origin();
            if !from_parent || allowed.as_ref().is_some_and(|a| *a != origin) {
                return;
            }
            let kind = js_sys::Reflect::get(&event.data(), &"type".into())
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default();
            // Replies go to the sender's origin only.
            let reply = |msg: &js_sys::Object| {
                let _ = parent.post_message(msg, &origin);
            };
            match kind.as_str() {
                "overfit:start" => start(),
                "overfit:stop" => stop(),
                "overfit:state" => reply(&state()),
                "overfit:metrics" => {
                    let report = view.report.with_untracked(|r| {
                        r.as_ref()
                            .and_then(|r| serde_json::to_string(r).ok())
                            .and_then(|json| js_sys::JSON::parse(&json).ok())
                            .unwrap_or(wasm_bindgen::JsValue::NULL)
                    });
                    reply(&object(&[
                        ("type", "overfit:metrics".into()),
                        ("report", report),
                    ]));
                }
                _ => {}
            }
        });
    let _ = window.add_event_listener_with_callback("message", handler.as_ref().unchecked_ref());
    // The listener lives as long as the page.
    handler.forget();
}

/// What a widget says while it holds its run out of view.
const UNSEEN: &str = "Paused while out of view: it goes on when you scroll back to it.";

/// A framed widget holds its run while no one can see it (scrolled out of the course page's
/// view, or its tab hidden), says so, and goes on when it is seen again, so a page of many
/// widgets trains only the ones in front of the reader.
fn pause_when_unseen(view: RunView, hold_unseen: impl Fn(bool) + 'static) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let in_view = RwSignal::new(true);
    let tab_shown = RwSignal::new(!document.hidden());
    // The frame's own root against the top-level page's viewport (also across origins).
    let on_intersect = Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
        if let Some(entry) = entries
            .iter()
            .last()
            .and_then(|e| e.dyn_into::<web_sys::IntersectionObserverEntry>().ok())
        {
            in_view.set(entry.is_intersecting());
        }
    });
    if let (Ok(observer), Some(root)) = (
        web_sys::IntersectionObserver::new(on_intersect.as_ref().unchecked_ref()),
        document.document_element(),
    ) {
        observer.observe(&root);
        // Observes for the page's life.
        std::mem::forget(observer);
    }
    on_intersect.forget();
    let on_visibility = {
        let document = document.clone();
        Closure::<dyn Fn()>::new(move || tab_shown.set(!document.hidden()))
    };
    let _ = document.add_event_listener_with_callback(
        "visibilitychange",
        on_visibility.as_ref().unchecked_ref(),
    );
    on_visibility.forget();
    let held = std::rc::Rc::new(std::cell::Cell::new(false));
    Effect::new(move |_| {
        let seen = in_view.get() && tab_shown.get();
        let status = view.status.get();
        if !seen && status == Status::Running {
            held.set(true);
            hold_unseen(true);
            view.notice.set(Some(UNSEEN.to_string()));
        } else if seen && held.get() {
            held.set(false);
            // Whether or not the workers have confirmed the hold yet (a quick scroll back).
            hold_unseen(false);
            if view.notice.with_untracked(|n| n.as_deref() == Some(UNSEEN)) {
                view.notice.set(None);
            }
        }
    });
}

/// Calls `then` once, the first time the page is in view (at once if it is now): a widget's
/// autorun waits for a reader.
pub fn when_seen(then: impl Fn() + 'static) {
    let then: std::rc::Rc<dyn Fn()> = std::rc::Rc::new(then);
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        then();
        return;
    };
    let done = std::rc::Rc::new(std::cell::Cell::new(false));
    let on_intersect = {
        let then = then.clone();
        Closure::<dyn Fn(js_sys::Array, web_sys::IntersectionObserver)>::new(
            move |entries: js_sys::Array, observer: web_sys::IntersectionObserver| {
                let seen = entries.iter().any(|e| {
                    e.dyn_into::<web_sys::IntersectionObserverEntry>()
                        .is_ok_and(|e| e.is_intersecting())
                });
                if seen && !done.replace(true) {
                    observer.disconnect();
                    then();
                }
            },
        )
    };
    match web_sys::IntersectionObserver::new(on_intersect.as_ref().unchecked_ref()) {
        Ok(observer) => {
            observer.observe(&root);
            on_intersect.forget();
        }
        // No way to tell: start as asked.
        Err(_) => then(),
    }
}
