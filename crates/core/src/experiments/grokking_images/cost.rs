//! What a grokking-images spec costs (see [`crate::cost`]).

use super::GrokkingImagesSpec;
use crate::cost::stack::pool;
use crate::cost::{Cost, F32, Tally, evaluations};
use crate::data::pool::CLASSES;

impl GrokkingImagesSpec {
    pub fn cost(&self) -> Cost {
        let mut tally = Tally::default();
        let dataset = self.dataset.dataset();
        pool(&mut tally, dataset);
        let members = (self.runs().len() * self.seeds) as f64;
        let params = self.parameters() as f64;
        let (d, w, c) = (dataset.dim() as f64, self.width as f64, CLASSES as f64);
        let depth = self.depth as f64;
        // Weights, gradients, AdamW's two moments and a Grokfast average for every member;
        // the training and test sets with their one-hot targets.
        tally.hold(5.0 * members * params, F32);
        let examples = self.n_train as f64 + dataset.test() as f64;
        tally.hold(examples * (d + c + 2.0), F32);
        let batch = (self.batch.min(self.n_train)) as f64;
        let per_example = d + 2.0 * depth * w + 3.0 * c;
        // A step: every member's batch through the network and back.
        let step = 2.0 * members * batch * per_example * F32 + 2.0 * members * params * F32;
        // An evaluation: every member on the larger set, one layer at a time.
        let largest = (self.n_train as f64).max(dataset.test() as f64);
        let eval = members * largest * (d + 2.0 * w + 3.0 * c) * F32;
        tally.phase(step.max(eval));
        let macs = d * w + (depth - 1.0) * w * w + w * c;
        let steps = self.steps as f64;
        let evals = evaluations(self.steps, self.eval_every, true);
        tally.work(steps * 3.0 * members * batch * macs);
        tally.work(evals * members * examples * macs);
        // Five curves a member (their mean and spread a run) at every evaluation.
        tally.record(members * evals * 10.0 + 5.0 * members);
        tally.track(members * evals * 5.0);
        tally.cost()
    }
}
