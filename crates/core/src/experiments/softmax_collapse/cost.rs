//! What a softmax-collapse spec costs (see [`crate::cost`]).

use super::SoftmaxCollapseSpec;
use crate::cost::{Cost, F32, F64, Tally, evaluations};

impl SoftmaxCollapseSpec {
    pub fn cost(&self) -> Cost {
        let mut tally = Tally::default();
        let members = (self.runs().len() * self.seeds) as f64;
        let (p, w) = (self.p as f64, self.width as f64);
        let n_all = p * p;
        let n_train = self.train_count() as f64;
        let params = 2.0 * p * w + w * w + w * p;
        // Weights, gradients and AdamW's two moments; the operands and every member's answers.
        tally.hold(4.0 * members * params, F32);
        tally.hold(2.0 * n_all + members * n_all, F64);
        // A step: the hidden layers before and after their activations, the logits and both
        // normalisers' log-probabilities, and their gradients.
        let step = members * n_train * (4.0 * w + 4.0 * p) * F32;
        // An evaluation: the same for every equation without gradients, and the training
        // logits read back (as f64 on the host).
        let eval = members * n_all * (2.0 * w + 3.0 * p) * F32 + members * n_train * p * F64;
        tally.phase(step.max(eval));
        let macs = members * (w * w + w * p);
        let steps = self.steps as f64;
        let evals = evaluations(self.steps, self.eval_every, true);
        tally.work(steps * 3.0 * n_train * macs);
        tally.work(evals * n_all * macs);
        tally.record(members * evals * 16.0);
        tally.track(members * evals * 8.0);
        tally.cost()
    }
}
