//! `grokking`: a transformer (or MLP) on modular arithmetic memorises its training equations
//! long before it generalises; Grokfast's slow-gradient amplification shortens the wait.
//! Baseline, Grokfast-EMA and Grokfast-MA train side by side on one split from one init.
//!
//! Here: the spec, its choices and the runs it plans. Beside it: `page` (the story, the
//! paper's numbers, the charts and knobs), `cost` and `shape` (what a spec costs and builds),
//! `verdicts` (the comparisons in words) and `session/` (training; engine only).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Comparison, Info, Panel, PaperRow, Unit};
use crate::cost::Cost;
use crate::data::modular::{self, Op};
#[cfg(feature = "engine")]
use crate::data::table::Table;
use crate::device::Target;
use crate::report::{Report, RunReport};
use crate::spec::{Fields, Knob, KnobKind, Preset, SpecError, float, int};
use crate::terms::Metric;
use crate::train::OptimizerKind;
#[cfg(feature = "engine")]
use crate::train::Session;
use crate::train::grokfast::Filter;
#[cfg(feature = "engine")]
use burn::tensor::Device;

mod cost;
#[cfg(feature = "engine")]
mod session;
mod shape;
#[cfg(feature = "engine")]
pub use session::GrokkingSession;
pub use shape::{RunShape, SessionShape};

mod page;
pub mod settings;
pub use settings::{Ema, FractionGrid, Ma, Transformer};
pub mod label;
mod verdicts;
pub use label::{At, Family, Label, Run};
pub use page::{
    COMPARISON, FRACTION_PANELS, INFO, KNOBS, OUTPUT_PANELS, PANELS, TRANSFORMER_FRACTION_PANELS,
    TRANSFORMER_PANELS, WORDS, metric,
};
pub use verdicts::{filter_verdicts, fraction_runs, unfiltered};

/// Which network learns the operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    Transformer,
    Mlp,
}

impl Architecture {
    pub const NAMES: &'static [&'static str] = &["transformer", "mlp"];
}

/// Whether the equations with y = 0 are in the data set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ZeroOperand {
    /// Every pair (x, y): p² equations.
    #[default]
    Keep,
    /// y in 1…p−1 only, as the Grokfast reference code builds x·y mod p: p(p−1) equations.
    Drop,
}

impl ZeroOperand {
    pub const NAMES: &'static [&'static str] = &["keep", "drop"];
}

/// How the transformer's attention projections start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttentionInit {
    /// Every weight and bias uniform within ±1/√fan-in, like the other linear layers.
    #[default]
    Uniform,
    /// As PyTorch's multi-head attention (the reference's): the query, key and value weights
    /// Xavier-uniform as one [3d, d] matrix, their biases and the output bias zero.
    Xavier,
}

impl AttentionInit {
    pub const NAMES: &'static [&'static str] = &["uniform", "xavier"];
}

/// Which runs to train side by side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compare {
    All,
    Ema,
    Ma,
    Baseline,
    /// `all` plus each filter's control: the same optimizer and weight decay, no filter.
    Controls,
    /// `controls` plus the baseline at the weight decays of [`SWEEP`]: with the controls, a
    /// sweep of the unfiltered run from the baseline's weight decay to the filters'.
    Sweep,
    /// The baseline and Grokfast-EMA at each training fraction of
    /// [`GrokkingSpec::fraction_grid`] (Power et al. 2022, Fig. 1): steps to generalise
    /// against the share of equations trained on.
    Fractions,
}

impl Compare {
    pub const NAMES: &'static [&'static str] = &[
        "all",
        "ema",
        "ma",
        "baseline",
        "controls",
        "sweep",
        "fractions",
    ];
}

/// One run a spec trains: its label, Grokfast filter, weight decay and training fraction.
#[derive(Clone, Debug, PartialEq)]
pub struct RunPlan {
    pub label: String,
    pub filter: Option<Filter>,
    pub weight_decay: f64,
    pub train_fraction: f64,
}

/// The transformer's batch on the CPU is this many shards, each its own forward and backward,
/// their gradients summed (on a GPU: one). Fixed, so that a run's numbers do not depend on how
/// many threads trained it.
pub const CPU_SHARDS: usize = 2;

/// The unfiltered runs `compare=sweep` adds between the baseline's weight decay (1e-4 in the
/// quick and ci presets) and the filters' (0.01, 0.02): label and weight decay.
pub const SWEEP: [(&str, f64); 2] = [("wd-1e-3", 1e-3), ("wd-3e-3", 3e-3)];

/// Everything that defines a `grokking` run: the task, the model, the optimizer and the
/// comparison, with the settings only some models and comparisons read in groups (their keys
/// flat beside the others in links and JSON).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GrokkingSpec {
    pub op: Op,
    pub p: u32,
    pub train_fraction: f64,
    pub zero_operand: ZeroOperand,
    pub corruption: f64,
    pub model: Architecture,
    pub d_model: usize,
    #[serde(flatten)]
    pub transformer: Transformer,
    /// Hidden width of the MLP.
    pub width: usize,
    pub optimizer: OptimizerKind,
    pub lr: f64,
    pub beta2: f64,
    pub warmup: usize,
    pub batch: usize,
    pub compare: Compare,
    #[serde(flatten)]
    pub grid: FractionGrid,
    pub weight_decay: f64,
    #[serde(flatten)]
    pub ema: Ema,
    #[serde(flatten)]
    pub ma: Ma,
    pub steps: usize,
    pub eval_every: usize,
    pub data_seed: u64,
    pub init_seed: u64,
    pub order_seed: u64,
    /// Members per run: init and order seeds `init_seed + k`, `order_seed + k`.
    pub seeds: usize,
}

crate::fields!(
    GrokkingSpec {
        op, p, train_fraction, zero_operand, corruption, model, d_model, width, optimizer, lr,
        beta2, warmup, batch, compare, weight_decay, steps, eval_every, data_seed, init_seed,
        order_seed, seeds
    }
    groups { transformer, grid, ema, ma }
);
crate::deserialize_by_fields!(GrokkingSpec);

impl Default for GrokkingSpec {
    fn default() -> Self {
        Self::preset(Preset::Quick)
    }
}

impl GrokkingSpec {
    pub fn preset(preset: Preset) -> Self {
        // The Grokfast paper's setting: x*y mod 97, half the equations for training,
        // Adam (coupled L2) lr 1e-3, betas (0.9, 0.98), 10 warm-up steps, batch 512.
        let paper = Self {
            op: Op::Mul,
            p: 97,
            train_fraction: 0.5,
            // The reference's equations and attention (links before v3 meant keep/uniform).
            zero_operand: ZeroOperand::Drop,
            corruption: 0.0,
            model: Architecture::Transformer,
            d_model: 128,
            transformer: Transformer {
                attention_init: AttentionInit::Xavier,
                heads: 4,
                layers: 2,
            },
            width: 128,
            optimizer: OptimizerKind::Adam,
            lr: 1e-3,
            beta2: 0.98,
            warmup: 10,
            batch: 512,
            compare: Compare::All,
            grid: FractionGrid {
                fraction_min: 0.3,
                fraction_max: 0.7,
                fractions: 5,
            },
            weight_decay: 0.0,
            ema: Ema {
                ema_alpha: 0.98,
                ema_lambda: 2.0,
                ema_weight_decay: 0.005,
            },
            ma: Ma {
                ma_window: 100,
                ma_lambda: 5.0,
                ma_weight_decay: 0.01,
            },
            steps: 50_000,
            eval_every: 100,
            data_seed: 0,
            init_seed: 0,
            order_seed: 0,
            seeds: 1,
        };
        match preset {
            Preset::Paper => paper,
            // The embedding MLP on x*y mod 47 with 40% of the equations: it memorises within
            // ~400 steps and groks thousands of steps later, fast enough for 2 CPU cores and a
            // browser tab. The baseline gets a little coupled L2: with none, this MLP does not
            // generalise within 15,000 steps. Calibrated with a 65-run sweep and a second one for
            // the EMA speed-up (below).
            Preset::Quick | Preset::Ci => Self {
                p: 47,
                train_fraction: 0.4,
                zero_operand: ZeroOperand::Keep,
                model: Architecture::Mlp,
                transformer: Transformer {
                    attention_init: AttentionInit::Uniform,
                    ..paper.transformer.clone()
                },
                d_model: 32,
                width: 128,
                // A light baseline decay (1e-4) groks late (5,900 / 7,750 / 8,850 steps for
                // seeds 0-2); Grokfast-EMA with decay 0.02 at 1,900 / 2,400 / 2,300: x3.1-3.8.
                // (With 3e-4 and 0.01 the speed-up was x2.7-2.8; with 2e-4, x2.95-2.98.)
                weight_decay: 1e-4,
                ema: Ema {
                    ema_lambda: 5.0,
                    ema_weight_decay: 0.02,
                    ..paper.ema.clone()
                },
                // The paper's window: Grokfast-MA at 2,900 / 3,200 / 3,400, ahead of the best
                // swept weight decay without a filter (5,250); with a window of 50 (links
                // before v3) it gained nothing over the baseline.
                ma: Ma {
                    ma_window: 100,
                    ma_lambda: 5.0,
                    ma_weight_decay: 0.01,
                },
                steps: 10_000,
                eval_every: 50,
                // How soon a run groks varies with its initialisation: three seeds a run, the
                // median reported (links of version 1 meant one).
                seeds: 3,
                ..paper
            },
        }
    }

    /// Checks the rules that involve several fields.
    pub(crate) fn validate_rules(&self) -> Result<(), SpecError> {
        if !modular::is_prime(self.p) {
            return Err(SpecError::Inconsistent(format!(
                "p={} is not prime (modular division and the paper's setting need a prime)",
                self.p
            )));
        }
        if !self.d_model.is_multiple_of(self.transformer.heads) {
            return Err(SpecError::Inconsistent(format!(
                "d_model={} is not a multiple of heads={}",
                self.d_model, self.transformer.heads
            )));
        }
        crate::spec::evaluates(self.eval_every, self.steps, "steps")?;
        if self.compare == Compare::Fractions {
            self.validate_fractions()?;
        }
        Ok(())
    }

    /// A fraction sweep trains nested training sets side by side: each must hold more than a
    /// batch, and no answers may be corrupted (a larger set would corrupt other rows).
    fn validate_fractions(&self) -> Result<(), SpecError> {
        if self.grid.fraction_min >= self.grid.fraction_max {
            return Err(SpecError::Inconsistent(format!(
                "fraction_min={} must be below fraction_max={}",
                self.grid.fraction_min, self.grid.fraction_max
            )));
        }
        if self.corruption > 0.0 {
            return Err(SpecError::Inconsistent(
                "compare=fractions trains clean answers only: set corruption=0".into(),
            ));
        }
        let smallest = self.split_size(self.grid.fraction_min);
        if self.batch >= smallest {
            return Err(SpecError::Inconsistent(format!(
                "batch={} must be below the smallest training set ({smallest} equations at \
                 fraction_min={}): lower the batch or raise fraction_min",
                self.batch, self.grid.fraction_min
            )));
        }
        Ok(())
    }

    /// How many equations the operation has (p², or p(p−1) without y = 0 or for division).
    pub fn equation_count(&self) -> usize {
        let p = self.p as usize;
        if self.op == Op::Div || self.zero_operand == ZeroOperand::Drop {
            p * (p - 1)
        } else {
            p * p
        }
    }

    /// Training equations at `fraction` (as [`modular::split`] cuts them).
    pub fn split_size(&self, fraction: f64) -> usize {
        modular::train_count(self.equation_count(), fraction)
    }

    /// The training fractions of `compare=fractions`, ascending and rounded to hundredths.
    pub fn fraction_grid(&self) -> Vec<f64> {
        let k = self.grid.fractions.max(2);
        let mut out: Vec<f64> = (0..k)
            .map(|i| {
                let t = i as f64 / (k - 1) as f64;
                let f =
                    self.grid.fraction_min + t * (self.grid.fraction_max - self.grid.fraction_min);
                (f * 100.0).round() / 100.0
            })
            .collect();
        out.dedup();
        out
    }

    /// Whether `key` matters for this spec's model and runs.
    pub fn uses(&self, key: &str) -> bool {
        let ema = matches!(
            self.compare,
            Compare::All | Compare::Ema | Compare::Controls | Compare::Sweep | Compare::Fractions
        );
        let fractions = self.compare == Compare::Fractions;
        let ma = matches!(
            self.compare,
            Compare::All | Compare::Ma | Compare::Controls | Compare::Sweep
        );
        match key {
            "width" => self.model == Architecture::Mlp,
            "zero_operand" => self.op != Op::Div,
            "beta2" => self.optimizer != OptimizerKind::Sgd,
            "train_fraction" => !fractions,
            _ if self.transformer.keys().contains(&key) => self.model == Architecture::Transformer,
            _ if self.ema.keys().contains(&key) => ema,
            _ if self.ma.keys().contains(&key) => ma,
            _ if self.grid.keys().contains(&key) => fractions,
            _ => true,
        }
    }

    /// How many threads one run's step can keep busy on `target`: the transformer's batch is
    /// [`CPU_SHARDS`] shards on the CPU (summed gradients; the same numbers on one thread or
    /// several), the MLP's stacked step is one.
    pub fn step_threads(&self, target: crate::cost::Target) -> usize {
        match (self.model, target) {
            (Architecture::Transformer, crate::cost::Target::Cpu) => CPU_SHARDS,
            _ => 1,
        }
    }

    /// The runs to train, in order.
    pub fn runs(&self) -> Vec<RunPlan> {
        let plan = |run: Run, filter, weight_decay| RunPlan {
            label: Label::of(run).text(),
            filter,
            weight_decay,
            train_fraction: self.train_fraction,
        };
        let ema_filter = Some(Filter::Ema {
            alpha: self.ema.ema_alpha,
            lambda: self.ema.ema_lambda,
        });
        let baseline = plan(Run::Baseline, None, self.weight_decay);
        let ema = plan(
            Run::Grokfast(Family::Ema),
            ema_filter,
            self.ema.ema_weight_decay,
        );
        let ma = plan(
            Run::Grokfast(Family::Ma),
            Some(Filter::Ma {
                window: self.ma.ma_window,
                lambda: self.ma.ma_lambda,
            }),
            self.ma.ma_weight_decay,
        );
        // A filter's control: its optimizer and weight decay, no filter.
        let ema_control = plan(Run::DecayOnly(Family::Ema), None, self.ema.ema_weight_decay);
        let ma_control = plan(Run::DecayOnly(Family::Ma), None, self.ma.ma_weight_decay);
        match self.compare {
            Compare::Sweep => {
                let mut runs = vec![baseline, ema, ema_control, ma, ma_control];
                let swept = SWEEP.iter().enumerate();
                runs.extend(swept.map(|(i, &(_, wd))| plan(Run::Swept(i), None, wd)));
                runs
            }
            Compare::Controls => vec![baseline, ema, ema_control, ma, ma_control],
            Compare::All => vec![baseline, ema, ma],
            Compare::Ema => vec![baseline, ema],
            Compare::Ma => vec![baseline, ma],
            Compare::Baseline => vec![baseline],
            Compare::Fractions => self
                .fraction_grid()
                .into_iter()
                .flat_map(|f| {
                    [
                        (&baseline, Run::Baseline),
                        (&ema, Run::Grokfast(Family::Ema)),
                    ]
                    .map(|(plan, run)| RunPlan {
                        label: Label {
                            run,
                            at: At::Fraction(f),
                        }
                        .text(),
                        train_fraction: f,
                        ..plan.clone()
                    })
                })
                .collect(),
        }
    }
}

impl super::Declaration for GrokkingSpec {
    fn run_words() -> &'static [(&'static str, &'static str)] {
        &[
            ("grokfast-ema", "Grokfast-EMA"),
            ("grokfast-ma", "Grokfast-MA"),
            ("wd-only-ema", "EMA's weight decay, no filter"),
            ("wd-only-ma", "MA's weight decay, no filter"),
            ("wd-{}", "weight decay {}"),
            ("f={}", "f = {}"),
        ]
    }

    fn info() -> &'static Info {
        &INFO
    }

    fn knobs() -> &'static [Knob] {
        KNOBS
    }

    fn preset(preset: Preset) -> Self {
        GrokkingSpec::preset(preset)
    }

    fn words() -> &'static [Metric] {
        WORDS
    }

    fn comparison() -> Option<&'static Comparison> {
        Some(&COMPARISON)
    }

    /// `compare=fractions`: steps to generalise by training fraction, one run a filter.
    fn add_joint_runs(report: &mut Report) {
        if report.spec.get("compare").and_then(Value::as_str) == Some("fractions") {
            report.runs.retain(|r| {
                !matches!(
                    Label::parse(&r.label),
                    Some(Label {
                        at: At::ByFraction,
                        ..
                    })
                )
            });
            let derived = fraction_runs(report);
            report.runs.extend(derived);
        }
    }

    /// How much of each filter's speed-up is the filter (against its weight-decay control).
    fn notes(report: &Report) -> Vec<String> {
        filter_verdicts(report)
    }

    /// v1 trained one seed a run; before v3 every preset kept y = 0 and started attention
    /// uniform, and the quick and ci presets averaged Grokfast-MA over 50 steps.
    fn as_of(&mut self, preset: Preset, version: u32) {
        if version < 3 {
            if version < 2 {
                self.seeds = 1;
            }
            self.zero_operand = ZeroOperand::Keep;
            self.transformer.attention_init = AttentionInit::Uniform;
            if preset != Preset::Paper {
                self.ma.ma_window = 50;
            }
        }
    }

    fn validate_rules(&self) -> Result<(), SpecError> {
        GrokkingSpec::validate_rules(self)
    }

    fn total_steps(&self) -> usize {
        self.steps
    }

    fn cost(&self, _target: Target) -> Cost {
        GrokkingSpec::cost(self)
    }

    fn cost_of_runs(&self, _target: Target, runs: &[usize]) -> Cost {
        self.cost_of(&self.shape(Some(runs)))
    }

    fn panels(&self) -> &'static [Panel] {
        match (self.compare == Compare::Fractions, self.model) {
            (true, Architecture::Mlp) => FRACTION_PANELS,
            (true, Architecture::Transformer) => TRANSFORMER_FRACTION_PANELS,
            (false, Architecture::Mlp) => PANELS,
            (false, Architecture::Transformer) => TRANSFORMER_PANELS,
        }
    }

    fn comparison_here(&self) -> Option<&'static Comparison> {
        Some(&COMPARISON)
    }

    fn note(&self) -> Option<&'static str> {
        GrokkingSpec::note(self)
    }

    fn uses(&self, key: &str) -> bool {
        GrokkingSpec::uses(self, key)
    }

    /// Every run has its own model (from the same init seed), optimizer, filter and batch
    /// order; nothing is shared but the data.
    fn independent_runs(&self) -> usize {
        self.runs().len()
    }

    fn step_threads(&self, target: Target) -> usize {
        GrokkingSpec::step_threads(self, target)
    }

    #[cfg(feature = "engine")]
    fn start(
        &self,
        device: &Device,
        runs: Option<&[usize]>,
        threads: usize,
        _local: Option<&Table>,
    ) -> Result<Box<dyn Session>, SpecError> {
        Ok(Box::new(
            GrokkingSession::new(self.clone(), runs, device).with_threads(threads),
        ))
    }
}

#[cfg(test)]
mod tests;
