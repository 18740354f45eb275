//! What a grokking spec costs (see [`crate::cost`]).

use super::{Architecture, GrokkingSpec, SessionShape};
use crate::cost::{Cost, F32, F64, Tally, evaluations};
use crate::data::modular::vocabulary;
use crate::train::{OptimizerKind, grokfast::Filter};

/// Tokens per equation: `[x, op, y, =]`.
const SEQ: f64 = 4.0;

/// The transformer's positions computed per equation: `y, =` (the positions of `x op` are
/// computed once per number, `Transformer::forward_last_shared`).
const OWN: f64 = 2.0;

/// Metrics [`super::session`] keeps per member and evaluation (the transformer two more:
/// its output side's Fourier shares).
const METRICS: f64 = 6.0;
const TRANSFORMER_METRICS: f64 = 8.0;
/// Fourier spectra a member keeps (`Spectra`: at most twice the spectrogram's rows, and
/// the latest; the transformer also the latest of its two output maps).
const SPECTRA_KEPT: f64 = 49.0;
const TRANSFORMER_SPECTRA_KEPT: f64 = 51.0;

impl GrokkingSpec {
    /// The whole spec's cost: every run in one session.
    pub fn cost(&self) -> Cost {
        self.cost_of(&self.shape(None))
    }

    /// What a session of `shape` (this spec's, [`GrokkingSpec::shape`]) costs: what the
    /// session builds is what is priced.
    pub fn cost_of(&self, shape: &SessionShape) -> Cost {
        let v = vocabulary(self.p) as f64;
        let d = self.d_model as f64;
        let equations = shape.equations as f64;
        // Activations per example: a training step's (kept for the backward pass) and an
        // evaluation's (without autodiff: only the temporaries of the layer being computed).
        let (params, macs_per_example, macs_per_pass, (train_acts, eval_acts)) = match self.model {
            Architecture::Transformer => {
                let layers = self.transformer.layers as f64;
                let heads = self.transformer.heads as f64;
                let params = 2.0 * v * d + 4.0 * d + layers * (12.0 * d * d + 13.0 * d) + 2.0 * d;
                // Per equation, its own positions `y, =`: every block but the last (projections
                // 4d², MLP 8d², the attention's scores and mix), the last block's keys and values
                // and the rest at the last position only, the head at the last position. Per
                // pass, the p prefixes `x op`: every block but the last at both positions, the
                // last block's keys and values (`Transformer::forward_last_shared`).
                let p = self.p as f64;
                let block = 12.0 * d * d + 2.0 * SEQ * d;
                let macs = (layers - 1.0) * OWN * block
                    + OWN * 2.0 * d * d
                    + 10.0 * d * d
                    + 2.0 * SEQ * d
                    + d * v;
                let table = p * ((layers - 1.0) * (SEQ - OWN) * block + (SEQ - OWN) * 2.0 * d * d);
                // Per layer: about 19 d-wide values per own position (projections, norms, the
                // 4d hidden layer) and the attention scores; then the logits.
                let acts = layers * (OWN * 19.0 * d + 3.0 * heads * OWN * SEQ) + 2.0 * v;
                let eval = OWN * 7.0 * d + heads * OWN * SEQ + 2.0 * v;
                (params, macs, table, (acts, eval))
            }
            Architecture::Mlp => {
                let w = self.width as f64;
                let params = v * d + 2.0 * d * w + w + w * v + v;
                // The hidden layer multiplies the vocabulary's embeddings once per pass and looks
                // each example's rows up; the output layer is per example.
                (
                    params,
                    w * v,
                    2.0 * v * d * w,
                    (2.0 * (2.0 * w + 2.0 * v), 2.0 * w + 2.0 * v),
                )
            }
        };
        let moments = match self.optimizer {
            OptimizerKind::Sgd => 0.0,
            _ => 2.0,
        };
        let mut tally = Tally::default();
        // Tokens and labels (i64) of every equation, training and validation.
        tally.hold(equations * (SEQ + 1.0), F64);
        // Every run trains `seeds` members.
        let seeds = shape.seeds as f64;
        let r = shape.members() as f64;
        // Equations in one step of every member, at once.
        let batches: f64 = shape.runs.iter().map(|run| run.batch as f64).sum::<f64>() * seeds;
        let filter_state = |filter: &Option<Filter>| match filter {
            None => 0.0,
            Some(Filter::Ema { .. }) => 1.0,
            // The window of past gradients, the running sum, and the newest before the
            // oldest leaves.
            Some(Filter::Ma { window, .. }) => *window as f64 + 2.0,
        };
        let evaluation = equations * eval_acts * F32;
        // One stacked network: every member holds the state of every filter any member uses,
        // and the whole stack's step or evaluation is alive at once.
        let ema = shape
            .runs
            .iter()
            .any(|r| matches!(r.plan.filter, Some(Filter::Ema { .. })));
        let ma = shape
            .runs
            .iter()
            .find(|r| matches!(r.plan.filter, Some(Filter::Ma { .. })))
            .map_or(0.0, |r| filter_state(&r.plan.filter));
        let state = if ema { 1.0 } else { 0.0 } + ma;
        tally.hold(r * params * (2.0 + moments + state), F32);
        // An evaluation also gives each member its own copy of both splits.
        tally.phase(batches * train_acts * F32);
        tally.phase(r * (evaluation + equations * (SEQ + 1.0) * F64));
        // The transformer's batch is two shards on the CPU, each computing the prefix table.
        let passes = self.step_threads(crate::cost::Target::Cpu) as f64;
        tally.work(
            self.steps as f64 * 3.0 * (batches * macs_per_example + r * passes * macs_per_pass),
        );
        let evals = evaluations(self.steps, self.eval_every, false);
        tally.work(evals * r * (equations * macs_per_example + 2.0 * macs_per_pass));
        // What grows with evaluations: every member's metrics, and every run's reported
        // columns (a single seed's metrics, or each metric's mean and spread over seeds);
        // each member's spectra are bounded (p/2 frequencies).
        let runs = shape.runs.len() as f64;
        let (metrics, spectra) = match self.model {
            Architecture::Mlp => (METRICS, SPECTRA_KEPT),
            Architecture::Transformer => (TRANSFORMER_METRICS, TRANSFORMER_SPECTRA_KEPT),
        };
        let columns = if shape.seeds > 1 {
            2.0 * metrics
        } else {
            metrics
        };
        tally.track(evals * r * metrics);
        tally.record(evals * runs * columns);
        tally.hold(r * spectra * (self.p as f64 / 2.0), F64);
        tally.cost()
    }
}
