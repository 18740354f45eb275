//! What a grokking spec costs (see [`crate::cost`]).

use super::{Architecture, GrokkingSpec};
use crate::cost::{Cost, F32, F64, Tally, evaluations};
use crate::data::modular::{Op, vocabulary};
use crate::train::{OptimizerKind, grokfast::Filter};

/// Tokens per equation: `[x, op, y, =]`.
const SEQ: f64 = 4.0;

impl GrokkingSpec {
    pub fn cost(&self) -> Cost {
        let p = f64::from(self.p);
        let v = vocabulary(self.p) as f64;
        let d = self.d_model as f64;
        let equations = if self.op == Op::Div {
            p * (p - 1.0)
        } else {
            p * p
        };
        let n_train = (equations * self.train_fraction).round().max(1.0);
        let n_val = (equations - n_train).max(1.0);
        let batch = (self.batch as f64).min(n_train);
        let (params, macs_per_example, macs_per_pass, activations_per_example) = match self.model {
            Architecture::Transformer => {
                let layers = self.layers as f64;
                let heads = self.heads as f64;
                let params = 2.0 * v * d + 4.0 * d + layers * (12.0 * d * d + 13.0 * d) + 2.0 * d;
                let macs = SEQ * (layers * (12.0 * d * d + 2.0 * SEQ * d) + d * v);
                // Per layer: about 19 d-wide values per token (projections, norms, the 4d
                // hidden layer) and the attention scores; then the logits at every position.
                let acts = layers * (SEQ * 19.0 * d + 3.0 * heads * SEQ * SEQ) + 2.0 * SEQ * v;
                (params, macs, 0.0, acts)
            }
            Architecture::Mlp => {
                let w = self.width as f64;
                let params = v * d + 2.0 * d * w + w + w * v + v;
                // The hidden layer multiplies the vocabulary's embeddings once per pass and looks
                // each example's rows up; the output layer is per example.
                (params, w * v, 2.0 * v * d * w, 2.0 * (2.0 * w + 2.0 * v))
            }
        };
        let moments = match self.optimizer {
            OptimizerKind::Sgd => 0.0,
            _ => 2.0,
        };
        let mut tally = Tally::default();
        // Tokens and labels (i64) of both splits.
        tally.hold((n_train + n_val) * (SEQ + 1.0), F64);
        let runs = self.runs();
        let r = runs.len() as f64;
        let filter_state = |filter: &Option<Filter>| match filter {
            None => 0.0,
            Some(Filter::Ema { .. }) => 1.0,
            // The window of past gradients, the running sum, and the newest before the
            // oldest leaves.
            Some(Filter::Ma { window, .. }) => *window as f64 + 2.0,
        };
        let widest = batch.max(n_train + n_val);
        if self.model == Architecture::Mlp {
            // One stacked network: every member holds the state of every filter any member
            // uses, and the whole stack's step or evaluation is alive at once (an
            // evaluation's forwards of both splits are held until the probe is read).
            let ema = runs
                .iter()
                .any(|(_, f, _)| matches!(f, Some(Filter::Ema { .. })));
            let ma = runs
                .iter()
                .find(|(_, f, _)| matches!(f, Some(Filter::Ma { .. })))
                .map_or(0.0, |(_, f, _)| filter_state(f));
            let state = if ema { 1.0 } else { 0.0 } + ma;
            tally.hold(r * params * (2.0 + moments + state), F32);
            // An evaluation also gives each member its own copy of both splits.
            tally.phase(
                r * (widest * activations_per_example * F32
                    + (n_train + n_val) * (SEQ + 1.0) * F64),
            );
        } else {
            for (_, filter, _) in &runs {
                // Parameters, gradients, optimizer moments, filter state.
                tally.hold(params * (2.0 + moments + filter_state(filter)), F32);
            }
            // Runs step one after another: one run's step or evaluation is alive at a time.
            tally.phase(widest * activations_per_example * F32);
        }
        tally.work(self.steps as f64 * r * 3.0 * (batch * macs_per_example + macs_per_pass));
        tally.work(
            evaluations(self.steps, self.eval_every, false)
                * r
                * ((n_train + n_val) * macs_per_example + 2.0 * macs_per_pass),
        );
        tally.cost()
    }
}
