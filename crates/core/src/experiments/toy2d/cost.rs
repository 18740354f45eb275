//! What a toy2d spec costs (see [`crate::cost`]).

use super::{SURFACE_SIZE, Toy2dSpec};
use crate::cost::{Cost, F32, Tally, evaluations};
use crate::train::OptimizerKind;

impl Toy2dSpec {
    pub fn cost(&self) -> Cost {
        let points = self.points as f64;
        let n_train = (points * self.train_fraction).round().max(1.0);
        let batch = (self.batch as f64).min(n_train);
        let (w, depth) = (self.width as f64, self.depth as f64);
        let params = 3.0 * w + (depth - 1.0) * (w * w + w) + 2.0 * w + 2.0;
        let macs = 2.0 * w + (depth - 1.0) * w * w + 2.0 * w;
        let moments = match self.optimizer {
            OptimizerKind::Sgd => 0.0,
            _ => 2.0,
        };
        let grid = (SURFACE_SIZE * SURFACE_SIZE) as f64;
        // An evaluation forwards the training set, the test set and the surface's grid.
        let eval_rows = points + grid;
        let mut tally = Tally::default();
        tally.hold(3.0 * (points + grid), F32);
        tally.hold((2.0 + moments) * params, F32);
        // A training step keeps three activations per layer for its backward; an evaluation's
        // forward (off autodiff, the training set, the test set and the grid in turn) holds
        // a layer's output, the next one's and their softmax.
        let forward = n_train.max(points - n_train).max(grid);
        tally.phase((batch * 3.0 * depth).max(forward * 3.0) * w * F32);
        tally.work(self.steps as f64 * 3.0 * batch * macs);
        let evals = evaluations(self.steps, self.eval_every, false);
        tally.work(evals * eval_rows * macs);
        // The step and up to five metrics at every evaluation.
        tally.record(evals * 6.0);
        tally.cost()
    }
}
