//! Overfit Lab's training worker. The page spawns one per run (a dedicated Web Worker), posts
//! it a spec as its share link, and only draws what comes back; every training step runs here,
//! so the page's thread never waits on one, and Stop is `Worker.terminate()`, at once, even
//! in the middle of a long step. See `overfit_core::worker_protocol` for the messages.
//!
//! Trunk builds this crate twice, as two modules the page chooses between by device:
//! - `overfit-worker` (`src/main.rs`, default features): WebGPU and the CPU. The page's first
//!   worker loads it wherever the browser offers WebGPU, to open the GPU and time a spec on
//!   both devices.
//! - `overfit-worker-cpu` (`src/bin/cpu.rs`, built with `--no-default-features`): the CPU
//!   only, without burn's GPU runtime and kernel compiler (about a quarter of the bytes).
//!   Every worker that trains on the CPU loads it: in a browser without WebGPU, with
//!   `backend=cpu`, and the extra workers of a run the page measured faster on the CPU.

#[cfg(target_family = "wasm")]
mod clock;
#[cfg(target_family = "wasm")]
mod device;
#[cfg(target_family = "wasm")]
mod measure;
#[cfg(target_family = "wasm")]
mod run;
#[cfg(target_family = "wasm")]
mod surface;

#[cfg(target_family = "wasm")]
#[allow(unsafe_code)]
unsafe extern "C" {
    /// Runs the module's static constructors (burn's compiler IR registers its operations in
    /// them); synthesised by the linker.
    fn __wasm_call_ctors();
}

/// The module's entry point, called once from its `main`: listens for the page's messages.
#[cfg(target_family = "wasm")]
pub fn start() {
    // Once, here: with no caller the linker takes the module for a run-once command and wraps
    // every export in the constructors, so each call from JavaScript would run them again.
    #[allow(unsafe_code)]
    // SAFETY: called first, once per instance, before anything reads what they register.
    unsafe {
        __wasm_call_ctors();
    }
    run::install();
}

/// Natively there is nothing to run: says so and exits.
#[cfg(not(target_family = "wasm"))]
pub fn start() {
    eprintln!(
        "overfit-worker runs inside a browser (trunk builds it for wasm32); natively, use `overfit run`"
    );
    std::process::exit(2);
}
