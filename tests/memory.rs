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
fn peak_of(spec: &overfit_core::experiments::AnySpec) -> f64 {
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
        ("intrinsic-dimension", &["steps=10", "eval_every=5"]),
        (
            "intrinsic-dimension",
            &["compare=widths", "steps=10", "eval_every=5"],
        ),
        // Projections (a column and a value per entry) outweigh the network.
        (
            "intrinsic-dimension",
            &["width=256", "nonzeros=16", "steps=4", "eval_every=2"],
        ),
        // The last evaluation prunes every network 22 ways: the hidden layer of every
        // equation, held for each network.
        ("corrupted-labels", &["steps=4", "eval_every=2"]),
        (
            "corrupted-labels",
            &[
                "p=97",
                "width=500",
                "compare=one",
                "steps=2",
                "eval_every=1",
            ],
        ),
        ("grokking-images", &["steps=10", "eval_every=5"]),
        (
            "grokking-images",
            &["compare=norms", "width=256", "steps=6", "eval_every=3"],
        ),
        // The training logits are read back at every evaluation.
        ("softmax-collapse", &["steps=4", "eval_every=2"]),
        (
            "softmax-collapse",
            &["p=113", "width=200", "steps=2", "eval_every=1"],
        ),
        // The initial kernel is built and solved on the host before the first step.
        ("lazy-to-rich", &["steps=4", "eval_every=2"]),
        (
            "lazy-to-rich",
            &[
                "dim=100",
                "width=500",
                "alphas=11",
                "alpha_min=0.03125",
                "alpha_max=32",
                "steps=2",
                "eval_every=1",
            ],
        ),
        // Closed-form draws on the host: every draw's value at every level is kept.
        ("forgetting", &["dim=200", "draws=8"]),
        ("forgetting", &["mode=mlp", "steps=4", "levels=3"]),
        (
            "forgetting",
            &["dim=400", "levels=101", "draws=2", "overparam_low=0.005"],
        ),
        // Every round reads back every model's weights; the host keeps the start, the rewind
        // point and the masks.
        (
            "lottery-tickets",
            &["steps=20", "rewind_step=5", "rounds=2"],
        ),
        (
            "lottery-tickets",
            &[
                "width=500",
                "seeds=2",
                "steps=4",
                "rewind_step=1",
                "rounds=2",
            ],
        ),
        // Solvable: n × M Gaussians and their Grams on the host; measured: the widths' banks.
        ("scaling-laws", &["draws=1"]),
        (
            "scaling-laws",
            &[
                "latent=4000",
                "size_max=2000",
                "samples_fixed=2000",
                "draws=1",
                "sizes=3",
            ],
        ),
        (
            "scaling-laws",
            &["mode=measured", "steps=4", "eval_every=2"],
        ),
        (
            "scaling-laws",
            &[
                "mode=measured",
                "width_max=1024",
                "widths=8",
                "n_train=200000",
                "steps=2",
                "eval_every=1",
            ],
        ),
        // Long runs evaluated at every step: what they record, not what they train, is most
        // of their memory.
        (
            "grokking",
            &[
                "compare=sweep",
                "p=11",
                "d_model=8",
                "width=16",
                "batch=16",
                "steps=3000",
                "eval_every=1",
            ],
        ),
        (
            "toy2d",
            &["points=60", "width=4", "steps=5000", "eval_every=1"],
        ),
        (
            "dropout",
            &["n_train=100", "width=16", "steps=2000", "eval_every=1"],
        ),
    ];
    // Every experiment is priced somewhere in the spread.
    for e in Experiment::ALL {
        assert!(
            cases.iter().any(|(id, _)| *id == e.id()),
            "no memory case for {}",
            e.id()
        );
    }
    // Each case is measured in a fresh process (this test binary run again for that case
    // alone): caches and pools a previous run left behind, freed during the next, would
    // otherwise hide part of its peak.
    if let Ok(index) = std::env::var(CASE) {
        let (id, pairs) = cases[index.parse::<usize>().expect("a case index")];
        println!("\n{MEASURED}{}", peak_of(&spec_of(id, pairs)));
        return;
    }
    // The cases' processes run as many at a time as there are cores: each measures its own
    // heap, so they do not disturb one another's peaks.
    let measured = measure_all(cases.len());
    let mut failures = Vec::new();
    for ((id, pairs), measured) in cases.iter().zip(measured) {
        let spec = spec_of(id, pairs);
        let estimate = Budget::native(Target::Cpu).bytes_of(spec.cost(Target::Cpu));
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

/// The variable that makes this binary measure one case and print its peak.
const CASE: &str = "OVERFIT_MEMORY_CASE";
const MEASURED: &str = "measured peak bytes: ";

fn spec_of(id: &str, pairs: &[&str]) -> overfit_core::experiments::AnySpec {
    let mut spec = id
        .parse::<Experiment>()
        .expect("an experiment")
        .preset(Preset::Ci);
    spec.set_all(pairs.iter().copied()).expect("valid values");
    spec.validate().expect("a valid spec");
    spec
}

/// Every case's peak, in order, each measured alone by [`measure_alone`], one process per core
/// at a time.
fn measure_all(count: usize) -> Vec<f64> {
    let next = AtomicUsize::new(0);
    let peaks = std::sync::Mutex::new(vec![0.0; count]);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..cores.min(count) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= count {
                        break;
                    }
                    let peak = measure_alone(index);
                    peaks.lock().expect("no case panicked holding the list")[index] = peak;
                }
            });
        }
    });
    peaks
        .into_inner()
        .expect("no case panicked holding the list")
}

/// Runs this test binary again for case `index` alone and reads the peak it measured.
fn measure_alone(index: usize) -> f64 {
    let out = std::process::Command::new(std::env::current_exe().expect("this test binary"))
        .args([
            "--exact",
            "memory_estimates_are_within_2x_of_the_measured_peak",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CASE, index.to_string())
        .output()
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "case {index} failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .find_map(|line| line.split_once(MEASURED))
        .and_then(|(_, n)| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("case {index} printed no peak: {stdout}"))
}
