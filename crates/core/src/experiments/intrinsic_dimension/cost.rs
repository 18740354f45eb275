//! What an intrinsic-dimension spec costs (see [`crate::cost`]).

use super::IntrinsicDimensionSpec;
use crate::cost::stack::pool;
use crate::cost::{Cost, F32, F64, Tally, evaluations};
use crate::data::pool::CLASSES;

impl IntrinsicDimensionSpec {
    pub fn cost(&self) -> Cost {
        let mut tally = Tally::default();
        let dataset = self.dataset.dataset();
        pool(&mut tally, dataset);
        let grid = self.grid();
        let evals = evaluations(self.steps, self.eval_every, false);
        let (mut step_peak, mut eval_peak) = (0.0f64, 0.0f64);
        for width in self.widths() {
            let (step, eval) = self.network(&mut tally, &grid, width, evals);
            // The networks step and evaluate one after another; what each evaluation keeps
            // until the probe is read is a few numbers a member.
            step_peak = step_peak.max(step);
            eval_peak = eval_peak.max(eval);
        }
        tally.phase(step_peak.max(eval_peak));
        // The report holds the latest evaluation of every member (four measures each).
        tally.record(self.widths().len() as f64 * (4.0 * (grid.len() as f64 + 1.0) + 4.0));
        tally.cost()
    }

    /// Adds one width's network (its projections, coordinates and work) to `tally`; returns
    /// the bytes its training step and its evaluation hold.
    fn network(&self, tally: &mut Tally, grid: &[usize], width: usize, evals: f64) -> (f64, f64) {
        let dataset = self.dataset.dataset();
        // Every subspace and the network trained directly.
        let members = grid.len() as f64 + 1.0;
        let params = self.parameters_at(width) as f64;
        let coordinates = grid.iter().sum::<usize>() as f64 + params;
        // The projections: a column index (i64) and a value per entry, on the device, and
        // their host copies while they are built (with the slots' permutation).
        let entries = members * params * self.nonzeros as f64;
        tally.hold(entries, F64 + F32);
        // The coordinates, their gradient and Adam's two moments; θ₀.
        tally.hold(4.0 * coordinates + params, F32);
        let (w, depth, d_in) = (width as f64, self.depth as f64, dataset.dim() as f64);
        let classes = CLASSES as f64;
        let macs = d_in * w + (depth - 1.0) * w * w + classes * w;
        // What one example holds through a member's network: its inputs, each layer before
        // and after the activation, the logits and their log-softmax.
        let per_example = (d_in + 2.0 * depth * w + 2.0 * classes) * F32;
        let batch = (self.batch as f64).min(self.n_train as f64);
        let examples = self.n_train as f64 + dataset.test() as f64;
        // A step: the gathered entries, their products and gradients, every member's θ and
        // its gradient, and the activations with their gradients.
        let step = 3.0 * entries * F32
            + 2.0 * members * params * F32
            + 2.0 * members * batch * per_example;
        // An evaluation: every member's θ and, for the larger of the training and test sets,
        // every member's inputs, one layer's output before and after its activation, and the
        // logits with their log-softmax (each set's forward is reduced before the next).
        let largest = (self.n_train as f64).max(dataset.test() as f64);
        let eval =
            members * params * F32 + members * largest * (d_in + 2.0 * w + 3.0 * classes) * F32;
        let steps = self.steps as f64;
        // Gather, sum and their backward (a scatter-add); the networks' forward and backward.
        tally.work(steps * 3.0 * entries);
        tally.work(steps * 3.0 * members * batch * macs);
        tally.work(evals * members * examples * macs);
        (step, eval)
    }
}
