//! Training places shared by every widget of this site on a course page, so that the page's
//! cost does not grow with its number of widgets.
//!
//! The widgets of one course page are frames of one origin (this app's), so they share the
//! browser's Web Locks: there are as many places as the machine has cores for training
//! ([`crate::runner::worker_budget`]), each a lock named `overfit-place-K`. A widget holds one
//! place, and trains on one worker, from the start of a run until it ends (done, stopped,
//! failed); a widget that finds every place taken says so and waits for the first one freed.
//! A widget holding its run out of view gives its place up to one that waits (its run stops;
//! Run starts it again), because the reader is looking at the one that waits. The browser
//! frees a place by itself when its frame goes away.
//!
//! Any page of this origin can post on the places' channel and ask for the locks, so neither
//! is trusted alone: a message is read only in the exact shape a waiting widget posts, and
//! only makes a holder look at the lock manager's state; the holder gives its place up only
//! if that state shows a waiter as a widget waits (a client holding no place that has asked
//! for every place, its own among them). A page that keeps the places forever cannot make a
//! widget wait forever either: after [`PATIENCE_MS`] the widget says why it waits and may be
//! run without a place.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::rc::{Rc, Weak};

use js_sys::{Array, Function, Object, Promise, Reflect};
use serde::Deserialize;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks` (web-sys has it only behind its unstable-API flag).
    type LockManager;

    #[wasm_bindgen(method, js_name = request)]
    fn request_with_options(
        this: &LockManager,
        name: &str,
        options: &JsValue,
        callback: &Function,
    ) -> Promise;

    #[wasm_bindgen(method)]
    fn query(this: &LockManager) -> Promise;
}

/// The prefix of the places' lock names.
const PREFIX: &str = "overfit-place-";
/// The channel on which a waiting widget asks unseen holders to give their place up.
const CHANNEL: &str = "overfit-places";
/// The `type` of the one message a widget posts on [`CHANNEL`].
const WANTED: &str = "overfit-place-wanted";
/// More places than any browser has cores: a message that names more is no widget's.
const MOST_PLACES: usize = 1024;
/// How long a widget waits for a place before it says why and offers to run without one.
pub const PATIENCE_MS: i32 = 20_000;

fn locks() -> Option<LockManager> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &"locks".into()).ok()?;
    (!locks.is_undefined()).then(|| locks.unchecked_into())
}

fn place_name(index: usize) -> String {
    format!("{PREFIX}{index}")
}

/// The message a widget posts when it starts waiting: it waits for each of the places
/// `0..places` (all of them, as it sees them).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wanted {
    #[serde(rename = "type")]
    kind: String,
    places: usize,
}

/// The places a message (its data as JSON) says its widget waits for, if it is exactly what
/// a widget posts: an object of these two fields and no other, `places` a whole number of
/// places a browser could have.
fn wanted_places(json: &str) -> Option<usize> {
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    // A struct would also read from an array of its fields.
    if !value.is_object() {
        return None;
    }
    let wanted: Wanted = serde_json::from_value(value).ok()?;
    (wanted.kind == WANTED && (1..=MOST_PLACES).contains(&wanted.places)).then_some(wanted.places)
}

fn wanted_message(places: usize) -> JsValue {
    let message = Object::new();
    let _ = Reflect::set(&message, &"type".into(), &WANTED.into());
    let _ = Reflect::set(&message, &"places".into(), &JsValue::from(places as u32));
    message.into()
}

/// What `navigator.locks.query()` answers: the locks of this origin held and asked for.
#[derive(Default, Deserialize)]
struct LockState {
    #[serde(default)]
    held: Vec<LockInfo>,
    #[serde(default)]
    pending: Vec<LockInfo>,
}

#[derive(Deserialize)]
struct LockInfo {
    #[serde(default)]
    name: String,
    #[serde(default)]
    mode: String,
    /// The frame or worker that holds or asks for it (empty where a browser does not say).
    #[serde(default, rename = "clientId")]
    client_id: String,
}

impl LockState {
    /// The clients that hold a place (any place: a widget holds one at most).
    fn holders(&self) -> HashSet<&str> {
        self.held
            .iter()
            .filter(|lock| lock.name.starts_with(PREFIX) && !lock.client_id.is_empty())
            .map(|lock| lock.client_id.as_str())
            .collect()
    }

    fn asks(&self, client: &str, index: usize) -> bool {
        let name = place_name(index);
        self.pending
            .iter()
            .any(|lock| lock.client_id == client && lock.name == name && lock.mode == "exclusive")
    }

    /// Whether a widget waits for place `index`, as a waiting widget does: a client that
    /// holds no place has asked for each of the places `0..places`, `index` among them. A
    /// browser that does not name the clients shows no such waiter.
    fn waited_for(&self, index: usize, places: usize) -> bool {
        if index >= places {
            return false;
        }
        let holders = self.holders();
        let name = place_name(index);
        self.pending
            .iter()
            .filter(|lock| lock.name == name && !lock.client_id.is_empty())
            .map(|lock| lock.client_id.as_str())
            .any(|client| {
                !holders.contains(client) && (0..places).all(|other| self.asks(client, other))
            })
    }
}

/// Why a widget still waits after `seconds`, as the page says it ("Not started: ….").
fn overdue_words(state: &LockState, places: usize, seconds: i32) -> String {
    let taken = if places == 1 {
        format!("the one training place of this site's widgets has been taken for {seconds} s")
    } else {
        format!(
            "all {places} training places of this site's widgets have been taken for {seconds} s"
        )
    };
    let by = match state.holders().len() {
        0 => "by other frames or tabs of this site".to_string(),
        1 => "by another frame or tab of this site".to_string(),
        n => format!("by {n} other frames or tabs of this site"),
    };
    format!(
        "{taken}, {by} (widgets still training on this page or in another tab, or another \
         page of this site that keeps them); Run anyway trains this one beside them, on the \
         same cores"
    )
}

/// The lock manager's state now (`None` where it cannot be read).
async fn lock_state() -> Option<LockState> {
    let state = JsFuture::from(locks()?.query()).await.ok()?;
    let json = js_sys::JSON::stringify(&state).ok()?.as_string()?;
    serde_json::from_str(&json).ok()
}

/// Resolves after `ms` milliseconds.
async fn sleep(ms: i32) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let slept = Promise::new(&mut |resolve, _| {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(slept).await;
}

/// A place held: released when dropped (or by [`Place::release`]).
pub struct Place {
    release: Function,
}

impl Drop for Place {
    fn drop(&mut self) {
        let _ = self.release.call0(&JsValue::NULL);
    }
}

/// Asks for place `index`. Without `wait`, resolves to `null` at once if it is held; with it,
/// waits for it (until `signal` aborts the wait, when it resolves to `null`). Once granted,
/// resolves to `[index, free]`, `free` being the function that frees it.
fn take(
    locks: &LockManager,
    index: usize,
    wait: bool,
    signal: Option<&web_sys::AbortSignal>,
) -> Promise {
    let name = place_name(index);
    let mut granted_resolve = None;
    let granted = Promise::new(&mut |resolve, _| granted_resolve = Some(resolve));
    let granted_resolve = granted_resolve.expect("a promise's executor runs at once");
    let refused_resolve = granted_resolve.clone();
    // The lock is held until the promise its callback returns settles: keep that promise's
    // resolve function, and hand it to whoever asked.
    let callback = Closure::once_into_js(move |lock: JsValue| -> Promise {
        if lock.is_null() {
            let _ = granted_resolve.call1(&JsValue::NULL, &JsValue::NULL);
            return Promise::resolve(&JsValue::UNDEFINED);
        }
        let mut free = None;
        let held = Promise::new(&mut |resolve, _| free = Some(resolve));
        let pair = Array::of2(
            &JsValue::from(index as u32),
            &free.expect("run at once").into(),
        );
        let _ = granted_resolve.call1(&JsValue::NULL, &pair);
        held
    });
    let options = Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::from(!wait));
    if let Some(signal) = signal {
        let _ = Reflect::set(&options, &"signal".into(), signal);
    }
    let asked = locks.request_with_options(&name, &options, callback.unchecked_ref());
    // An aborted wait rejects: that is expected, not an error to report, and it was not
    // granted (a promise already resolved stays as it is).
    let refused = Closure::once(move |_: JsValue| {
        let _ = refused_resolve.call1(&JsValue::NULL, &JsValue::NULL);
    });
    let _ = asked.catch(&refused);
    refused.forget();
    granted
}

/// The function that frees a place, from what [`take`] resolved to (`None`: not granted).
fn freed_by(granted: &JsValue) -> Option<Function> {
    let pair: &Array = granted.dyn_ref()?;
    pair.get(1).dyn_into().ok()
}

/// The widgets' shared places, as one widget sees them.
pub struct Places {
    count: usize,
    /// Set while this widget holds its run out of view: it gives its place to a waiting one.
    unseen: Cell<bool>,
    channel: Option<web_sys::BroadcastChannel>,
    /// What to do when this widget should give its place up (set by the runner).
    on_yield: RefCell<Option<Rc<dyn Fn()>>>,
    /// The place this widget holds.
    held: Cell<Option<usize>>,
    /// Ends this widget's wait for a place, while it waits.
    wait: RefCell<Option<web_sys::AbortController>>,
}

impl Places {
    /// The places of this origin, or `None` where the browser has no Web Locks (each widget
    /// then trains as a page of its own would).
    pub fn new(count: usize) -> Option<Rc<Self>> {
        locks()?;
        let places = Rc::new(Self {
            count: count.clamp(1, MOST_PLACES),
            unseen: Cell::new(false),
            channel: web_sys::BroadcastChannel::new(CHANNEL).ok(),
            on_yield: RefCell::new(None),
            held: Cell::new(None),
            wait: RefCell::new(None),
        });
        if let Some(channel) = &places.channel {
            let weak = Rc::downgrade(&places);
            let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(
                move |event: web_sys::MessageEvent| {
                    let places = js_sys::JSON::stringify(&event.data())
                        .ok()
                        .and_then(|json| json.as_string())
                        .and_then(|json| wanted_places(&json));
                    if let (Some(places), Some(this)) = (places, weak.upgrade()) {
                        this.give_up_if_waited_for(places);
                    }
                },
            );
            channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            // Listens for the page's life.
            on_message.forget();
        }
        Some(places)
    }

    /// What to call when this widget must give its place up (stop its run).
    pub fn on_yield(&self, then: impl Fn() + 'static) {
        self.on_yield.replace(Some(Rc::new(then)));
    }

    /// Held out of view, this widget gives its place up if the lock manager shows a widget
    /// waiting for it, among places `0..places` (a message alone never stops a run).
    fn give_up_if_waited_for(self: &Rc<Self>, places: usize) {
        let Some(index) = self.held.get().filter(|_| self.unseen.get()) else {
            return;
        };
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let Some(state) = lock_state().await else {
                return;
            };
            let still = this.unseen.get() && this.held.get() == Some(index);
            if still && state.waited_for(index, places) {
                let then = this.on_yield.borrow().clone();
                if let Some(then) = then {
                    then();
                }
            }
        });
    }

    /// This widget holds its run out of view (`true`), or is seen again. Held out of view, it
    /// gives its place up at once if another widget waits for one.
    pub fn set_unseen(self: &Rc<Self>, unseen: bool) {
        self.unseen.set(unseen);
        if unseen {
            self.give_up_if_waited_for(self.count);
        }
    }

    /// Ends this widget's wait for a place, if it waits: its [`Places::claim`] gives `None`.
    pub fn cancel_wait(&self) {
        if let Some(abort) = self.wait.take() {
            abort.abort();
        }
    }

    /// Takes a free place, or, when none is, calls `waiting` and waits for the first one
    /// freed (asking widgets that hold theirs out of view to give them up). If none is
    /// freed within [`PATIENCE_MS`], calls `overdue` with why, in words, and goes on waiting
    /// (until [`Places::cancel_wait`]).
    pub async fn claim(
        self: &Rc<Self>,
        waiting: impl FnOnce(),
        overdue: impl FnOnce(String) + 'static,
    ) -> Option<Place> {
        let locks = locks()?;
        for index in 0..self.count {
            let granted = JsFuture::from(take(&locks, index, false, None))
                .await
                .ok()?;
            if let Some(release) = freed_by(&granted) {
                return Some(self.hold(index, release));
            }
        }
        waiting();
        let abort = web_sys::AbortController::new().ok()?;
        self.wait.replace(Some(abort.clone()));
        let asks: Vec<Promise> = (0..self.count)
            .map(|index| take(&locks, index, true, Some(&abort.signal())))
            .collect();
        let settled = Rc::new(Cell::new(false));
        Self::watch(Rc::downgrade(self), settled.clone(), overdue);
        // A query answers after this page's asks are queued: a holder that reads the lock
        // state on the message finds them.
        let _ = JsFuture::from(locks.query()).await;
        if let Some(channel) = &self.channel
            && !settled.get()
        {
            let _ = channel.post_message(&wanted_message(self.count));
        }
        let first = JsFuture::from(Promise::race(&asks.iter().collect::<Array>()))
            .await
            .unwrap_or(JsValue::NULL);
        settled.set(true);
        self.wait.replace(None);
        abort.abort();
        let winner = first
            .dyn_ref::<Array>()
            .and_then(|pair| pair.get(0).as_f64())
            .map(|i| i as usize);
        // Another place granted in the same moment is freed again at once.
        for (index, ask) in asks.iter().enumerate() {
            if Some(index) != winner {
                let free = Closure::once(|granted: JsValue| {
                    if let Some(release) = freed_by(&granted) {
                        let _ = release.call0(&JsValue::NULL);
                    }
                });
                let _ = ask.then(&free);
                free.forget();
            }
        }
        Some(self.hold(winner?, freed_by(&first)?))
    }

    /// After [`PATIENCE_MS`] of a wait not `settled`, says why it goes on.
    fn watch(this: Weak<Self>, settled: Rc<Cell<bool>>, overdue: impl FnOnce(String) + 'static) {
        wasm_bindgen_futures::spawn_local(async move {
            sleep(PATIENCE_MS).await;
            if settled.get() {
                return;
            }
            let state = lock_state().await.unwrap_or_default();
            if let Some(places) = this.upgrade()
                && !settled.get()
            {
                overdue(overdue_words(&state, places.count, PATIENCE_MS / 1000));
            }
        });
    }

    fn hold(self: &Rc<Self>, index: usize, release: Function) -> Place {
        self.held.set(Some(index));
        let this = Rc::downgrade(self);
        let release = {
            let closure = Closure::once_into_js(move || {
                if let Some(places) = this.upgrade()
                    && places.held.get() == Some(index)
                {
                    places.held.set(None);
                }
                let _ = release.call0(&JsValue::NULL);
            });
            closure.unchecked_into::<Function>()
        };
        Place { release }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_message_a_widget_posts_is_read() {
        assert_eq!(
            wanted_places(r#"{"type":"overfit-place-wanted","places":3}"#),
            Some(3)
        );
        assert_eq!(
            wanted_places(r#"{"places":1,"type":"overfit-place-wanted"}"#),
            Some(1)
        );
        for forged in [
            r#""wanted""#,
            "null",
            "1",
            "{}",
            r#"["overfit-place-wanted",1]"#,
            r#"{"type":"overfit-place-wanted"}"#,
            r#"{"type":"wanted","places":1}"#,
            r#"{"type":"overfit-place-wanted","places":0}"#,
            r#"{"type":"overfit-place-wanted","places":-1}"#,
            r#"{"type":"overfit-place-wanted","places":1.5}"#,
            r#"{"type":"overfit-place-wanted","places":"1"}"#,
            r#"{"type":"overfit-place-wanted","places":1025}"#,
            r#"{"type":"overfit-place-wanted","places":1e30}"#,
            r#"{"type":"overfit-place-wanted","places":1,"place":0}"#,
            r#"{"type":["overfit-place-wanted"],"places":1}"#,
        ] {
            assert_eq!(wanted_places(forged), None, "{forged}");
        }
    }

    fn state(held: &[(&str, &str)], pending: &[(&str, &str)]) -> LockState {
        let info = |&(name, client): &(&str, &str)| LockInfo {
            name: name.to_string(),
            mode: "exclusive".to_string(),
            client_id: client.to_string(),
        };
        LockState {
            held: held.iter().map(info).collect(),
            pending: pending.iter().map(info).collect(),
        }
    }

    #[test]
    fn a_holder_gives_way_only_to_a_client_that_waits_as_a_widget_does() {
        let mine = ("overfit-place-1", "me");
        let other = ("overfit-place-0", "them");
        // A widget waiting for both places, holding none.
        let waiting = state(
            &[mine, other],
            &[("overfit-place-0", "w"), ("overfit-place-1", "w")],
        );
        assert!(waiting.waited_for(1, 2));
        assert!(waiting.waited_for(0, 2));
        // No one waits: the message was all there was.
        assert!(!state(&[mine, other], &[]).waited_for(1, 2));
        // Someone waits for the other place only, or for a lock that is no place.
        assert!(!state(&[mine, other], &[("overfit-place-0", "w")]).waited_for(1, 2));
        assert!(
            !state(
                &[mine],
                &[("overfit-place-1x", "w"), ("overfit-place-0", "w")]
            )
            .waited_for(1, 2)
        );
        // Asking for a place beyond the ones the message names.
        assert!(!waiting.waited_for(1, 1));
        // A client that holds a place already and asks for more.
        let greedy = state(
            &[mine, other],
            &[("overfit-place-0", "them"), ("overfit-place-1", "them")],
        );
        assert!(!greedy.waited_for(1, 2));
        // A browser that names no clients.
        let nameless = state(&[mine], &[("overfit-place-0", ""), ("overfit-place-1", "")]);
        assert!(!nameless.waited_for(1, 2));
        // Shared asks are no widget's.
        let mut shared = state(
            &[mine],
            &[("overfit-place-0", "w"), ("overfit-place-1", "w")],
        );
        shared.pending[1].mode = "shared".into();
        assert!(!shared.waited_for(1, 2));
    }

    #[test]
    fn a_long_wait_says_how_long_and_who_holds_the_places() {
        let held = state(&[("overfit-place-0", "a"), ("overfit-place-1", "b")], &[]);
        let words = overdue_words(&held, 2, 20);
        assert!(words.starts_with("all 2 training places"), "{words}");
        assert!(
            words.contains("taken for 20 s, by 2 other frames or tabs"),
            "{words}"
        );
        let one = overdue_words(&state(&[("overfit-place-0", "a")], &[]), 1, 20);
        assert!(one.starts_with("the one training place"), "{one}");
        assert!(one.contains("by another frame or tab"), "{one}");
    }

    #[test]
    fn the_lock_state_reads_as_the_browser_writes_it() {
        let json = r#"{"held":[{"name":"overfit-place-0","mode":"exclusive","clientId":"a"}],
            "pending":[{"name":"overfit-place-0","mode":"exclusive","clientId":"b"}]}"#;
        let state: LockState = serde_json::from_str(json).expect("the browser's shape");
        assert!(state.waited_for(0, 1));
    }
}
