//! What a dropout spec costs (see [`crate::cost`]).

use super::DropoutSpec;
use crate::cost::stack::{Stack, pool};
use crate::cost::{Cost, Tally, evaluations};

impl DropoutSpec {
    pub fn cost(&self) -> Cost {
        let mut tally = Tally::default();
        pool(&mut tally, self.dataset);
        let (n, test) = (self.n_train as f64, self.dataset.test() as f64);
        let batch = (self.batch as f64).min(n);
        let evals = evaluations(self.steps, self.eval_every, false);
        let (mut step, mut eval): (f64, f64) = (0.0, 0.0);
        for width in self.widths() {
            // Without and with dropout, each a stack of `seeds` models.
            let stack = Stack {
                models: self.seeds as f64,
                d_in: self.dataset.dim() as f64,
                width: width as f64,
                depth: self.depth as f64,
            };
            for _ in 0..2 {
                // Test set twice (the second time with units removed) and the training set.
                let rows = (2.0 * test + n, test.max(n));
                let (s, e) = stack.add(&mut tally, batch, self.steps as f64, evals, rows);
                step = step.max(s);
                eval = eval.max(e);
            }
        }
        tally.phase(step.max(eval));
        // The two reported runs' curves (four means and their spreads); the other widths
        // report only their final accuracies.
        tally.record(evals * 2.0 * 8.0);
        tally.cost()
    }
}
