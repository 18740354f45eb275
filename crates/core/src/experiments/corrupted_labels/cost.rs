//! What a corrupted-labels spec costs (see [`crate::cost`]).

use super::CorruptedLabelsSpec;
use super::PRUNE_FRACTIONS;
use crate::cost::{Cost, F32, F64, Tally, evaluations};

impl CorruptedLabelsSpec {
    pub fn cost(&self) -> Cost {
        let mut tally = Tally::default();
        let members = (self.runs().len() * self.seeds) as f64;
        let (p, w) = (self.p as f64, self.width as f64);
        let n_all = self.equation_count() as f64;
        let n_train = self.train_count() as f64;
        let params = 3.0 * p * w;
        // The weights, their gradients and AdamW's two moments; the equations' operands and
        // targets (one-hot for training, indices and set weights for every equation); the
        // Fourier basis.
        tally.hold(4.0 * members * params, F32);
        tally.hold(n_train * p + 4.0 * n_all + 2.0 * p * p, F32);
        tally.hold(3.0 * n_all, F64);
        // A step: both operands' rows, their sum and its square (kept for the backward), the
        // outputs, their error and its square; the backward reuses their room.
        let step = members * n_train * (4.0 * w + 3.0 * p) * F32;
        // An evaluation (no autodiff, each intermediate freed once used): about two hidden
        // layers and two outputs a row at once; the last also holds one pruned variant's
        // hidden layer and outputs.
        let eval = members * n_all * (2.0 * w + 2.0 * p) * F32 + n_all * (w + 2.0 * p) * F32;
        tally.phase(step.max(eval));
        let macs_forward = members * p * w;
        let steps = self.steps as f64;
        let evals = evaluations(self.steps, self.eval_every, true);
        tally.work(steps * 3.0 * n_train * macs_forward);
        tally.work(evals * (n_all * macs_forward + 6.0 * members * w * p * p / 2.0));
        // Pruning: every member's variants' outputs for every equation.
        let variants = 2.0 * PRUNE_FRACTIONS.len() as f64 * members;
        tally.work(variants * n_all * p * w);
        // Eight series a run and seed's mean and spread at every evaluation, the histograms
        // and the pruning curves.
        tally.record(members * evals * 16.0 + 40.0 * members + variants * 8.0);
        tally.track(members * (w + 8.0));
        tally.cost()
    }
}
