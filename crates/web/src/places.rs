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

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect};
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

fn locks() -> Option<LockManager> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &"locks".into()).ok()?;
    (!locks.is_undefined()).then(|| locks.unchecked_into())
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
/// waits for it (until `signal` aborts the wait). Once granted, resolves to `[index, free]`,
/// `free` being the function that frees it.
fn take(
    locks: &LockManager,
    index: usize,
    wait: bool,
    signal: Option<&web_sys::AbortSignal>,
) -> Promise {
    let name = format!("{PREFIX}{index}");
    let mut granted_resolve = None;
    let granted = Promise::new(&mut |resolve, _| granted_resolve = Some(resolve));
    let granted_resolve = granted_resolve.expect("a promise's executor runs at once");
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
    // An aborted wait rejects: that is expected, not an error to report.
    let ignore = Closure::once(|_: JsValue| {});
    let _ = asked.catch(&ignore);
    ignore.forget();
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
    holding: Cell<bool>,
}

impl Places {
    /// The places of this origin, or `None` where the browser has no Web Locks (each widget
    /// then trains as a page of its own would).
    pub fn new(count: usize) -> Option<Rc<Self>> {
        locks()?;
        let places = Rc::new(Self {
            count: count.max(1),
            unseen: Cell::new(false),
            channel: web_sys::BroadcastChannel::new(CHANNEL).ok(),
            on_yield: RefCell::new(None),
            holding: Cell::new(false),
        });
        if let Some(channel) = &places.channel {
            let weak = Rc::downgrade(&places);
            let on_message = Closure::<dyn Fn()>::new(move || {
                if let Some(places) = weak.upgrade() {
                    places.give_up_if_unseen();
                }
            });
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

    fn give_up_if_unseen(&self) {
        if self.unseen.get() && self.holding.get() {
            let then = self.on_yield.borrow().clone();
            if let Some(then) = then {
                then();
            }
        }
    }

    /// This widget holds its run out of view (`true`), or is seen again. Held out of view, it
    /// gives its place up at once if another widget waits for one.
    pub fn set_unseen(self: &Rc<Self>, unseen: bool) {
        self.unseen.set(unseen);
        if !unseen || !self.holding.get() {
            return;
        }
        let Some(locks) = locks() else {
            return;
        };
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let Ok(state) = JsFuture::from(locks.query()).await else {
                return;
            };
            let pending = Reflect::get(&state, &"pending".into())
                .ok()
                .and_then(|p| p.dyn_into::<Array>().ok());
            let someone_waits = pending.is_some_and(|p| {
                p.iter().any(|lock| {
                    Reflect::get(&lock, &"name".into())
                        .ok()
                        .and_then(|n| n.as_string())
                        .is_some_and(|n| n.starts_with(PREFIX))
                })
            });
            if someone_waits {
                this.give_up_if_unseen();
            }
        });
    }

    /// Takes a free place, or, when none is, calls `waiting` and waits for the first one
    /// freed (asking widgets that hold theirs out of view to give them up).
    pub async fn claim(self: &Rc<Self>, waiting: impl FnOnce()) -> Option<Place> {
        let locks = locks()?;
        for index in 0..self.count {
            let granted = JsFuture::from(take(&locks, index, false, None))
                .await
                .ok()?;
            if let Some(release) = freed_by(&granted) {
                return Some(self.hold(release));
            }
        }
        waiting();
        let abort = web_sys::AbortController::new().ok()?;
        let asks: Vec<Promise> = (0..self.count)
            .map(|index| take(&locks, index, true, Some(&abort.signal())))
            .collect();
        if let Some(channel) = &self.channel {
            let _ = channel.post_message(&"wanted".into());
        }
        let first = JsFuture::from(Promise::race(&asks.iter().collect::<Array>()))
            .await
            .ok()?;
        abort.abort();
        let winner = Array::from(&first).get(0).as_f64().map(|i| i as usize);
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
        Some(self.hold(freed_by(&first)?))
    }

    fn hold(self: &Rc<Self>, release: Function) -> Place {
        self.holding.set(true);
        let this = Rc::downgrade(self);
        let release = {
            let closure = Closure::once_into_js(move || {
                if let Some(places) = this.upgrade() {
                    places.holding.set(false);
                }
                let _ = release.call0(&JsValue::NULL);
            });
            closure.unchecked_into::<Function>()
        };
        Place { release }
    }
}
