//! What a spec will cost before anything is allocated: its peak memory and its work, and the
//! budget rule the page and the CLI share.
//!
//! The estimates count the large buffers a run holds (data, parameters, gradients, optimizer
//! and filter state, the activations one step or one evaluation keeps) and the multiply-adds
//! of every training step, evaluation and closed-form solve, from the spec's fields alone.
//! They are checked against the peak heap of real runs on the CPU backend (tests/cost.rs:
//! within 2× for a spread of specs). Burn-free, so the page can price a link before it asks a
//! worker for anything.

use std::fmt;

pub(crate) mod stack;

pub use crate::device::Target;

/// A run's estimated peak memory and total work.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Cost {
    /// Peak bytes the training itself holds at once (host memory on the CPU, device plus host
    /// memory on a GPU), without its recorded metrics.
    pub bytes: f64,
    /// Floating-point operations of the whole run (a multiply-add counts 2).
    pub flops: f64,
    /// Metric values the run records for its report (every evaluation's points): what grows
    /// with steps and evaluations. What each takes depends on where it is kept (see
    /// [`Budget::per_recorded`]).
    pub recorded: f64,
    /// Values a session keeps only as numbers to compute what it reports (each member of a
    /// seed average, each model of an ensemble): [`TRACKED_BYTES`] each, wherever it runs.
    pub tracked: f64,
}

impl Cost {
    /// Peak bytes where each recorded value takes `per_recorded` bytes.
    pub fn peak(&self, per_recorded: f64) -> f64 {
        self.bytes + self.recorded * per_recorded + self.tracked * TRACKED_BYTES
    }
}

/// What one tracked value holds: an f64 in a growing vector (8 bytes, up to twice that while
/// it grows).
pub const TRACKED_BYTES: f64 = 16.0;

/// What one recorded value holds natively at the peak of `overfit run`: the session's series
/// (8 bytes, up to twice that while its vector grows), the report's JSON value (32 bytes in
/// an array), and the `metrics.json` and `metrics.csv` texts written from it (about 25 and 45
/// bytes). Checked by tests/memory.rs on long, frequently evaluated runs.
pub const RECORDED_NATIVE: f64 = 110.0;

/// What one recorded value holds in a tab: the worker's series, the report it builds and
/// the copy it keeps to send only changes; the page's copy per worker, their merge and the
/// copy it shows.
pub const RECORDED_TAB: f64 = 190.0;

/// Memory each training worker holds whatever it trains: its own instance of the worker's
/// wasm module (code, and the heap the engine reserves). Measured in Chromium: 18 workers
/// held 2.06 GB and 2 workers 1.27 GB for the same spec, about 49 MB for each worker more.
pub const WORKER_BYTES: f64 = 50.0 * MIB;

/// Memory every run holds whatever its size: the engine's own buffers and bookkeeping.
pub const BASE_BYTES: f64 = 1.5 * MIB;

const MIB: f64 = 1024.0 * 1024.0;
const GIB: f64 = 1024.0 * MIB;
/// Bytes per f32, f64 and i64 element.
pub(crate) const F32: f64 = 4.0;
pub(crate) const F64: f64 = 8.0;

/// What a run may ask for without the user saying yes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Budget {
    pub bytes: f64,
    pub flops: f64,
    /// A typical sustained speed on this target (FLOP/s), only to turn work into a duration
    /// people can weigh.
    pub speed: f64,
    /// Bytes each recorded metric value takes there ([`RECORDED_NATIVE`], [`RECORDED_TAB`]).
    pub per_recorded: f64,
    /// Where the budget applies, for messages ("this tab", "this machine").
    pub place: &'static str,
}

impl Budget {
    /// A browser tab: a wasm32 worker should stay well inside a tab's memory (browsers kill
    /// tabs long before wasm32's 4 GiB), and a run should end within about an hour.
    pub fn page(target: Target) -> Budget {
        match target {
            Target::Cpu => Budget {
                bytes: GIB,
                flops: 2e13,
                speed: 5e9,
                per_recorded: RECORDED_TAB,
                place: "this tab (CPU)",
            },
            Target::Gpu => Budget {
                bytes: GIB,
                flops: 2e15,
                speed: 2e11,
                per_recorded: RECORDED_TAB,
                place: "this tab (WebGPU)",
            },
        }
    }

    /// The command line: paper-scale runs are its purpose, so only what would exhaust a
    /// workstation (memory) or run for days (work) is refused without `--allow-large`.
    pub fn native(target: Target) -> Budget {
        match target {
            Target::Cpu => Budget {
                bytes: 8.0 * GIB,
                flops: 5e15,
                speed: 2e10,
                per_recorded: RECORDED_NATIVE,
                place: "this machine (CPU)",
            },
            Target::Gpu => Budget {
                bytes: 8.0 * GIB,
                flops: 5e16,
                speed: 1e12,
                per_recorded: RECORDED_NATIVE,
                place: "this machine (GPU)",
            },
        }
    }

    /// A tab whose WebGPU adapter is a software renderer (SwiftShader, lavapipe): it computes
    /// on the CPU, slower than burn's CPU backend there, so it is priced as the CPU.
    pub fn page_software_gpu() -> Budget {
        Budget {
            place: "this tab (WebGPU on a software adapter, priced as the CPU)",
            ..Budget::page(Target::Cpu)
        }
    }

    /// The peak memory of `cost` here.
    pub fn bytes_of(&self, cost: Cost) -> f64 {
        cost.peak(self.per_recorded)
    }

    /// `Ok` within budget, else what is over and by how much.
    pub fn check(&self, cost: Cost) -> Result<(), OverBudget> {
        if self.bytes_of(cost) <= self.bytes && cost.flops <= self.flops {
            Ok(())
        } else {
            Err(OverBudget {
                cost,
                budget: *self,
            })
        }
    }
}

/// A spec that asks for more than its budget, with the figures to say so.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OverBudget {
    pub cost: Cost,
    pub budget: Budget,
}

impl fmt::Display for OverBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self { cost, budget } = self;
        write!(
            f,
            "this run needs about {} of memory and {} operations (about {} on {}); the budget there is {} and {}",
            bytes(budget.bytes_of(*cost)),
            operations(cost.flops),
            duration(cost.flops / budget.speed),
            budget.place,
            bytes(budget.bytes),
            operations(budget.flops),
        )
    }
}

impl std::error::Error for OverBudget {}

/// `1.5 GB`, `320 MB`, `12 kB`: decimal units, 2 significant figures.
pub fn bytes(b: f64) -> String {
    let units = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")];
    for (scale, unit) in units {
        if b >= scale {
            return format!("{} {unit}", two_figures(b / scale));
        }
    }
    format!("{b:.0} B")
}

/// `8.1e14` style, which is what people compare operation counts in.
pub fn operations(flops: f64) -> String {
    if flops < 1e6 {
        return format!("{flops:.0}");
    }
    let exponent = flops.log10().floor();
    format!("{:.1}e{exponent}", flops / 10f64.powf(exponent))
}

/// A rough duration: `40 s`, `12 min`, `3.5 h`, `9 days`.
pub fn duration(seconds: f64) -> String {
    if seconds < 90.0 {
        format!("{:.0} s", seconds.max(1.0))
    } else if seconds < 5400.0 {
        format!("{:.0} min", seconds / 60.0)
    } else if seconds < 48.0 * 3600.0 {
        format!("{} h", two_figures(seconds / 3600.0))
    } else {
        format!("{:.0} days", seconds / 86_400.0)
    }
}

fn two_figures(x: f64) -> String {
    if x >= 10.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// How many evaluations a run of `total` steps makes: the initial model, every `every` steps
/// and the last step; `log` spaces them like `Schedule::log_spaced` (every step up to 10, every
/// 2nd up to 100, ..., never further apart than `every`).
pub(crate) fn evaluations(total: usize, every: usize, log: bool) -> f64 {
    let every = every.max(1);
    if !log {
        return (1 + total / every + usize::from(!total.is_multiple_of(every))) as f64;
    }
    let mut count = 1; // the initial model
    let mut decade = 1usize;
    while decade <= total {
        let stride = (decade / 5).clamp(1, every);
        let last = total.min(decade.saturating_mul(10) - 1);
        // Multiples of `stride` in [decade, last].
        count += last / stride - (decade - 1) / stride;
        decade = decade.saturating_mul(10);
        if decade == usize::MAX {
            break;
        }
    }
    let stride_at_end = (10usize.pow(total.max(1).ilog10()) / 5).clamp(1, every);
    count += usize::from(!total.is_multiple_of(stride_at_end));
    count as f64
}

/// Adds up a run's memory: buffers it holds throughout, plus the largest of the buffers its
/// phases (a step, an evaluation, a solve) hold for a while.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Tally {
    held: f64,
    phase: f64,
    pub flops: f64,
    recorded: f64,
    tracked: f64,
}

impl Tally {
    /// `n` elements of `size` bytes held for the whole run.
    pub fn hold(&mut self, n: f64, size: f64) -> &mut Self {
        self.held += n * size;
        self
    }

    /// A phase that holds `bytes` while it lasts.
    pub fn phase(&mut self, bytes: f64) -> &mut Self {
        self.phase = self.phase.max(bytes);
        self
    }

    /// `macs` multiply-adds of work.
    pub fn work(&mut self, macs: f64) -> &mut Self {
        self.flops += 2.0 * macs;
        self
    }

    /// `values` metric values recorded for the report over the run.
    pub fn record(&mut self, values: f64) -> &mut Self {
        self.recorded += values;
        self
    }

    /// `values` metric values a session keeps over the run only to compute what it reports.
    pub fn track(&mut self, values: f64) -> &mut Self {
        self.tracked += values;
        self
    }

    pub fn cost(&self) -> Cost {
        Cost {
            bytes: BASE_BYTES + self.held + self.phase,
            flops: self.flops,
            recorded: self.recorded,
            tracked: self.tracked,
        }
    }
}

/// How a tab trains a spec: the runs each worker takes, and what that costs in all.
#[derive(Clone, Debug, PartialEq)]
pub struct TabPlan {
    /// The independent runs each worker trains (one share per worker).
    pub shares: Vec<Vec<usize>>,
    /// Every worker's session and the worker itself ([`WORKER_BYTES`]) added up.
    pub cost: Cost,
}

/// Plans `runs` independent runs in a tab on `target`, a share of them costing
/// `cost_of_runs(share)` (see `AnySpec::tab_plan`): on a GPU one worker trains every run (they
/// share the device); on the CPU the runs are shared out to `wanted` workers, fewer when the
/// workers' memory together would pass the budget's (each worker holds its own module and its
/// own copy of the data), never fewer than one.
pub fn tab_plan(
    runs: usize,
    cost_of_runs: impl Fn(&[usize]) -> Cost,
    target: Target,
    wanted: usize,
    budget: &Budget,
) -> TabPlan {
    let plan = |workers: usize| {
        let shares = crate::spec::share_runs(runs, workers);
        let mut cost = Cost::default();
        for share in &shares {
            let part = cost_of_runs(share);
            cost.bytes += part.bytes + WORKER_BYTES;
            cost.flops += part.flops;
            cost.recorded += part.recorded;
            cost.tracked += part.tracked;
        }
        TabPlan { shares, cost }
    };
    let wanted = if target == Target::Gpu { 1 } else { wanted };
    let mut workers = wanted.clamp(1, runs.max(1));
    loop {
        let candidate = plan(workers);
        if workers == 1 || budget.bytes_of(candidate.cost) <= budget.bytes {
            return candidate;
        }
        workers -= 1;
    }
}

/// How many workers train `runs` independent runs on `cores` cores: the count (up to twice
/// the cores) that minimises the estimated wall time, the largest share's runs times the
/// oversubscription. Three runs on two cores take three workers: measured, grokking `quick`
/// took 205 s that way against 243 s with two (two runs in one worker, one core idle for half
/// the run). Ties go to fewer workers (each holds its own copy of the module).
pub fn workers_for(runs: usize, cores: usize) -> usize {
    let (runs, cores) = (runs.max(1), cores.max(1));
    let time = |w: usize| runs.div_ceil(w) as f64 * (w as f64 / cores as f64).max(1.0);
    (1..=runs.min(2 * cores))
        .min_by(|a, b| time(*a).total_cmp(&time(*b)))
        .unwrap_or(1)
}

#[cfg(test)]
mod tests;
