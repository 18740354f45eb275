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

use crate::spec::AnySpec;

/// Where a run executes: its memory and speed differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// burn's Flex backend: natively, or in a tab without WebGPU.
    Cpu,
    /// burn's wgpu backend: natively, or WebGPU in a tab.
    Gpu,
}

/// A run's estimated peak memory and total work.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cost {
    /// Peak bytes held at once (host memory on the CPU, device plus host memory on a GPU).
    pub bytes: f64,
    /// Floating-point operations of the whole run (a multiply-add counts 2).
    pub flops: f64,
}

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
                place: "this tab (CPU)",
            },
            Target::Gpu => Budget {
                bytes: GIB,
                flops: 2e15,
                speed: 2e11,
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
                place: "this machine (CPU)",
            },
            Target::Gpu => Budget {
                bytes: 8.0 * GIB,
                flops: 5e16,
                speed: 1e12,
                place: "this machine (GPU)",
            },
        }
    }

    /// `Ok` within budget, else what is over and by how much.
    pub fn check(&self, cost: Cost) -> Result<(), OverBudget> {
        if cost.bytes <= self.bytes && cost.flops <= self.flops {
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
            bytes(cost.bytes),
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

    pub fn cost(&self) -> Cost {
        Cost {
            bytes: BASE_BYTES + self.held + self.phase,
            flops: self.flops,
        }
    }
}

impl AnySpec {
    /// The run's estimated peak memory and work on `target`; computed from the spec alone.
    pub fn cost(&self, target: Target) -> Cost {
        match self {
            AnySpec::Grokking(s) => s.cost(),
            AnySpec::DoubleDescent(s) => s.cost(target),
            AnySpec::BenignOverfitting(s) => s.cost(),
            AnySpec::Dropout(s) => s.cost(),
            AnySpec::Augmentation(s) => s.cost(),
            AnySpec::Toy2d(s) => s.cost(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::Experiment;
    use crate::spec::Preset;

    #[test]
    fn evaluation_counts_follow_the_schedules() {
        assert_eq!(evaluations(100, 10, false), 11.0);
        assert_eq!(evaluations(105, 10, false), 12.0);
        assert_eq!(evaluations(1, 10, false), 2.0);
        // log: 0, 1..=9, 10, 12, ..., 98 (45), 100 → 1 + 9 + 45 + 1.
        assert_eq!(evaluations(100, 1000, true), 56.0);
        // steps 1..=9, then every 2nd (never further apart than `every`).
        assert_eq!(evaluations(50, 5, true), 1.0 + 9.0 + 21.0);
        assert_eq!(evaluations(7, 5, true), 8.0);
    }

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(bytes(1.5e9), "1.5 GB");
        assert_eq!(bytes(320e6), "320 MB");
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(operations(8.14e14), "8.1e14");
        assert_eq!(duration(30.0), "30 s");
        assert_eq!(duration(720.0), "12 min");
        assert_eq!(duration(3.5 * 3600.0), "3.5 h");
        assert_eq!(duration(9.0 * 86_400.0), "9 days");
    }

    #[test]
    fn every_preset_is_within_the_budget_it_is_sized_for() {
        for e in Experiment::ALL {
            for p in Preset::ALL {
                let spec = e.preset(p);
                for target in [Target::Cpu, Target::Gpu] {
                    let cost = spec.cost(target);
                    assert!(cost.bytes.is_finite() && cost.flops.is_finite());
                    Budget::native(target)
                        .check(cost)
                        .unwrap_or_else(|e| panic!("{} {}: {e}", spec.experiment().id(), p.name()));
                }
                // Quick and ci presets run in any tab; paper presets are sized for a GPU.
                let tab = if p == Preset::Paper {
                    Target::Gpu
                } else {
                    Target::Cpu
                };
                Budget::page(tab)
                    .check(spec.cost(tab))
                    .unwrap_or_else(|e| panic!("{} {}: {e}", spec.experiment().id(), p.name()));
            }
        }
    }

    #[test]
    fn the_hostile_links_of_the_review_are_over_budget() {
        let over = |id: &str, pairs: &[&str]| {
            let mut spec = id.parse::<Experiment>().expect("id").preset(Preset::Quick);
            spec.set_all(pairs.iter().copied()).expect("valid values");
            spec.validate().expect("valid spec");
            Budget::page(Target::Cpu).check(spec.cost(Target::Cpu))
        };
        // ~13 GB of Grokfast-MA window on the largest transformer.
        let ma = over(
            "grokking",
            &[
                "model=transformer",
                "p=113",
                "d_model=256",
                "layers=4",
                "compare=ma",
                "ma_window=1000",
            ],
        )
        .expect_err("a huge MA window");
        assert!(ma.cost.bytes > 10e9, "{ma}");
        assert!(over("grokking", &["eval_every=1", "steps=200000"]).is_err());
        assert!(
            over(
                "benign-overfitting",
                &["xor_dim=20000", "neurons=2000", "steps=5000"]
            )
            .is_err()
        );
        assert!(over("augmentation", &["seeds=8", "width=1024", "steps=100000"]).is_err());
        assert!(over("grokking", &[]).is_ok());
    }
}
