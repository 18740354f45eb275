//! Overfit Lab in the browser. Thin entry point: panic reporting, then the app.

mod app;
mod backend;
mod components;
mod embed;
mod pages;
mod query;
mod runner;
mod time;

#[cfg(target_family = "wasm")]
#[allow(unsafe_code)]
unsafe extern "C" {
    /// Runs the module's static constructors (burn's compiler IR registers its operations in
    /// them); synthesised by the linker.
    fn __wasm_call_ctors();
}

fn main() {
    // The constructors run once, here. When no code calls them, the linker takes the module
    // for a run-once command and wraps every exported function in a call to them, so each
    // call from JavaScript into the app ran them again (~0.3 s of a 3 s closed-form sweep).
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
