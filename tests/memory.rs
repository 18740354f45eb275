//! The cost model's memory estimates against the peak heap of real runs on the CPU backend.
//!
//! Its own test binary: the counting allocator must see one run at a time, so nothing else may
//! run in this process while a run is measured.

// A global allocator is the one way to read a process's live heap; it only counts, and
// forwards every call to the system allocator unchanged.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use overfit_cli::run_spec;
use overfit_core::cost::{Budget, Target, bytes};
use overfit_core::device::Backend;
use overfit_core::experiments::Experiment;
use overfit_core::spec::Preset;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to `System` with the caller's arguments; the counters are
// atomics and never affect what is returned.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract, passed on unchanged.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, i.e. from `System`, with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; `System` reallocates its own block.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        new
    }
}

fn grew(size: usize) {
    let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `spec` to the end as `overfit run` does, its metrics.json, metrics.csv and chart.svg
/// made, and returns the most heap it held at once beyond what was live before it started.
fn peak_of(spec: &overfit_core::spec::AnySpec) -> f64 {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let outcome = run_spec(spec, "test", Backend::Flex, |_, _| {}).expect("the run finishes");
    let texts = overfit_cli::output::texts(&outcome.report).expect("the outputs");
    drop((outcome, texts));
    (PEAK.load(Ordering::Relaxed) - before) as f64
}

#[test]
fn memory_estimates_are_within_2x_of_the_measured_peak() {
    // A spread: every experiment and mode, dominated in turn by data, parameters, optimizer
    // state, the Grokfast-MA window, activations of a step and of an evaluation, and solves.
    // Runs are cut short: memory peaks within the first steps and evaluations (the MA window
    // fills within `ma_window` steps, so those runs take more).
    let cases: &[(&str, &[&str])] = &[
        ("toy2d", &["steps=50", "eval_every=25"]),
        (
            "toy2d",
            &["width=256", "depth=4", "steps=20", "eval_every=10"],
        ),
        (
            "grokking",
            &[
                "compare=ma",
                "ma_window=300",
                "d_model=64",
                "width=256",
                "steps=320",
                "eval_every=160",
            ],
        ),
        (
            "grokking",
            &[
                "model=transformer",
                "p=97",
                "train_fraction=0.5",
                "d_model=64",
                "layers=2",
                "compare=baseline",
                "steps=4",
                "eval_every=2",
            ],
        ),
        (
            "grokking",
            &["compare=ema", "batch=2048", "steps=10", "eval_every=5"],
        ),
        ("dropout", &["steps=10", "eval_every=5"]),
        (
            "dropout",
            &[
                "dataset=mnist1d",
                "n_train=2000",
                "width=512",
                "widths=2",
                "steps=10",
                "eval_every=5",
            ],
        ),
        ("augmentation", &["steps=10", "eval_every=5"]),
        ("benign-overfitting", &["steps=10", "eval_every=5"]),
        ("benign-overfitting", &["mode=linear", "trials=1"]),
        (
            "benign-overfitting",
            &["mode=plane", "plane_steps=20", "eval_every=10"],
        ),
        ("double-descent", &[]),
        ("double-descent", &["mode=samples", "trials=2"]),
        (
            "double-descent",
            &["mode=width", "epochs=2", "eval_every=1"],
        ),
    ];
    let mut failures = Vec::new();
    for (id, pairs) in cases {
        let mut spec = id
            .parse::<Experiment>()
            .expect("an experiment")
            .preset(Preset::Ci);
        spec.set_all(pairs.iter().copied()).expect("valid values");
        spec.validate().expect("a valid spec");
        let estimate = Budget::native(Target::Cpu).bytes_of(spec.cost(Target::Cpu));
        let measured = peak_of(&spec);
        let ratio = estimate / measured;
        println!(
            "{id} {}: estimated {} measured {} (×{ratio:.2})",
            pairs.join("&"),
            bytes(estimate),
            bytes(measured)
        );
        if !(0.5..=2.0).contains(&ratio) {
            failures.push(format!("{id} {pairs:?}: ×{ratio:.2}"));
        }
    }
    assert!(
        failures.is_empty(),
        "estimates off by more than 2×: {failures:#?}"
    );
}
