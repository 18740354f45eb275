//! Time and yielding inside a dedicated worker (there is no `window` here: the global scope is
//! a `DedicatedWorkerGlobalScope`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use wasm_bindgen::JsCast;
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

/// Lets the worker's event loop run (messages from the page: pause, a new start) and comes
/// back at once. A message to itself rather than a zero timeout, which browsers clamp to 4 ms.
pub async fn yield_now() {
    let Ok(channel) = MessageChannel::new() else {
        return sleep_ms(0).await;
    };
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        channel.port1().set_onmessage(Some(resolve.unchecked_ref()));
        let _ = channel.port2().post_message(&wasm_bindgen::JsValue::NULL);
    });
    let _ = JsFuture::from(promise).await;
    channel.port1().set_onmessage(None);
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
