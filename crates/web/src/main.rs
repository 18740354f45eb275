//! Overfit Lab in the browser: the page. Thin entry point: panic reporting, then the app. The
//! page never trains; `overfit-worker` does, in Web Workers (see `runner`).

// Without `ui` (off by default; trunk turns it on) the crate is the page's pure logic alone,
// which the native tests cover; nothing calls it there.
#![cfg_attr(not(feature = "ui"), allow(dead_code))]

#[cfg(feature = "ui")]
mod app;
mod components;
#[cfg(feature = "ui")]
mod download;
#[cfg(feature = "ui")]
mod embed;
mod pages;
mod places;
mod query;
#[cfg(feature = "ui")]
mod runner;
#[cfg(feature = "ui")]
mod worker_handle;

#[cfg(target_family = "wasm")]
#[allow(unsafe_code)]
unsafe extern "C" {
    /// Runs the module's static constructors, if any dependency has them; synthesised by the
    /// linker.
    fn __wasm_call_ctors();
}

#[cfg(feature = "ui")]
fn main() {
    // The constructors run once, here. When no code calls them, the linker takes the module
    // for a run-once command and wraps every exported function in a call to them, so each
    // call from JavaScript into the app would run them again (with burn in this module, that
    // was ~0.3 s of a 3 s closed-form sweep; the worker module does the same).
    #[cfg(target_family = "wasm")]
    #[allow(unsafe_code)]
    // SAFETY: called first, once per instance, before anything reads what they register.
    unsafe {
        __wasm_call_ctors();
    }
    console_error_panic_hook::set_once();
    app::install_crash_overlay();
    leptos::mount::mount_to_body(app::App);
}

#[cfg(not(feature = "ui"))]
fn main() {}
