//! Time and yielding inside a dedicated worker (there is no `window` here: the global scope is
//! a `DedicatedWorkerGlobalScope`).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageChannel, WorkerGlobalScope};

fn scope() -> WorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Milliseconds since the worker started (monotonic).
pub fn now_ms() -> f64 {
    scope().performance().map(|p| p.now()).unwrap_or(0.0)
}

/// Resolves after `ms` milliseconds.
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let _ = scope()
            .set_timeout_with_callback_and_timeout_and_arguments_0(resolve.unchecked_ref(), ms);
    });
    let _ = JsFuture::from(promise).await;
}

/// The worker's one channel to itself for [`yield_now`], and the yields waiting on it, each
/// woken by one message, first in first out.
struct Yielder {
    channel: MessageChannel,
    waiting: Rc<RefCell<VecDeque<js_sys::Function>>>,
    _on_message: Closure<dyn FnMut()>,
}

impl Yielder {
    fn open() -> Option<Self> {
        let channel = MessageChannel::new().ok()?;
        let waiting = Rc::new(RefCell::new(VecDeque::<js_sys::Function>::new()));
        let woken = Rc::clone(&waiting);
        let on_message = Closure::<dyn FnMut()>::new(move || {
            let next = woken.borrow_mut().pop_front();
            if let Some(resolve) = next {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            }
        });
        channel
            .port1()
            .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        Some(Self {
            channel,
            waiting,
            _on_message: on_message,
        })
    }
}

thread_local! {
    static YIELDER: Option<Yielder> = Yielder::open();
}

/// Lets the worker's event loop run (messages from the page: pause, a new start) and comes
/// back at once. A message to itself rather than a zero timeout, which browsers clamp to 4 ms.
/// One channel serves every yield: a channel opened per yield (25 a second) left its ports to
/// the worker's collector, tens of megabytes of them in a minute.
pub async fn yield_now() {
    let promise = YIELDER.with(|y| {
        let y = y.as_ref()?;
        Some(js_sys::Promise::new(&mut |resolve, _reject| {
            y.waiting.borrow_mut().push_back(resolve);
            let _ = y.channel.port2().post_message(&JsValue::NULL);
        }))
    });
    match promise {
        Some(promise) => {
            let _ = JsFuture::from(promise).await;
        }
        None => sleep_ms(0).await,
    }
}

/// `future`'s output, or `None` when `ms` milliseconds pass first (the future is then dropped:
/// a read-back it waited for is left to finish unread).
pub async fn within<T>(ms: f64, future: impl Future<Output = T>) -> Option<T> {
    Within {
        future: Box::pin(future),
        timer: Box::pin(sleep_ms(ms.max(0.0).min(i32::MAX as f64) as i32)),
    }
    .await
}

struct Within<F, S> {
    future: Pin<Box<F>>,
    timer: Pin<Box<S>>,
}

impl<F: Future, S: Future<Output = ()>> Future for Within<F, S> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Poll::Ready(out) = self.future.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}
