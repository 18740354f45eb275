//! The page's handle on a training worker: a dedicated Web Worker running one of the two
//! training modules trunk builds beside the page, each with a loader script: `overfit-worker`
//! (WebGPU and the CPU) for a worker that is to open WebGPU, `overfit-worker-cpu` (the CPU
//! only, about a quarter of the bytes) for one that trains on the CPU. Messages are JSON text
//! both ways.

use std::cell::RefCell;
use std::rc::Rc;

use overfit_core::worker_protocol::{FromWorker, ToWorker};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker};

/// The loader of the module a worker needs, relative to the page (trunk names worker files
/// after the binary): the WebGPU module when it is to open WebGPU, else the CPU module. The
/// query names this build, so a browser never mixes a cached worker of another deploy with
/// this page (the worker's `Ready` message checks the protocol too).
fn loader_url(webgpu: bool) -> String {
    let module = if webgpu {
        "overfit-worker"
    } else {
        "overfit-worker-cpu"
    };
    format!("{module}_loader.js?v={}", env!("CARGO_PKG_VERSION"))
}

/// Whether the page's browser offers WebGPU at all (`navigator.gpu`). Without it the worker is
/// told to use the CPU; with it the worker still checks for an adapter of its own.
pub fn page_has_webgpu() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    js_sys::Reflect::get(&window.navigator(), &"gpu".into())
        .map(|v| !v.is_undefined() && !v.is_null())
        .unwrap_or(false)
}

struct Inner {
    worker: Worker,
    /// Messages posted before the worker's module was listening.
    queued: Vec<String>,
    loaded: bool,
}

/// One training worker. Dropping it does not end it: call [`TrainingWorker::terminate`].
pub struct TrainingWorker {
    inner: Rc<RefCell<Inner>>,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(ErrorEvent)>,
}

impl TrainingWorker {
    /// Starts a worker on the module for `webgpu` (see [`loader_url`]); `receive` gets each of
    /// its messages (and a failure if it cannot load or crashes).
    pub fn spawn(webgpu: bool, receive: impl Fn(FromWorker) + 'static) -> Result<Self, String> {
        let worker = Worker::new(&loader_url(webgpu))
            .map_err(|e| format!("the training worker could not start: {e:?}"))?;
        let inner = Rc::new(RefCell::new(Inner {
            worker: worker.clone(),
            queued: Vec::new(),
            loaded: false,
        }));
        let receive = Rc::new(receive);
        let on_message = {
            let inner = inner.clone();
            let receive = receive.clone();
            Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
                let Some(text) = event.data().as_string() else {
                    return;
                };
                match FromWorker::from_text(&text) {
                    Ok(FromWorker::Loaded) => {
                        let mut inner = inner.borrow_mut();
                        inner.loaded = true;
                        for message in std::mem::take(&mut inner.queued) {
                            let _ = inner.worker.post_message(&JsValue::from_str(&message));
                        }
                    }
                    Ok(message) => receive(message),
                    Err(error) => receive(FromWorker::failed(error)),
                }
            })
        };
        let on_error = Closure::<dyn Fn(ErrorEvent)>::new(move |event: ErrorEvent| {
            event.prevent_default();
            let detail = event.message();
            receive(FromWorker::failed(if detail.is_empty() {
                "the training worker could not load".into()
            } else {
                format!("the training worker failed: {detail}")
            }));
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Self {
            inner,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    pub fn post(&self, message: &ToWorker) {
        let text = message.to_text();
        let mut inner = self.inner.borrow_mut();
        if inner.loaded {
            let _ = inner.worker.post_message(&JsValue::from_str(&text));
        } else {
            inner.queued.push(text);
        }
    }

    /// Ends the worker now, mid-step if need be; nothing it sent afterwards is delivered.
    pub fn terminate(self) {
        let inner = self.inner.borrow();
        inner.worker.set_onmessage(None);
        inner.worker.set_onerror(None);
        inner.worker.terminate();
    }
}
