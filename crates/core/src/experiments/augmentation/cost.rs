//! What an augmentation spec costs (see [`crate::cost`]).

use super::AugmentationSpec;
use crate::cost::stack::{Stack, pool};
use crate::cost::{Cost, F32, Tally, evaluations};

impl AugmentationSpec {
    pub fn cost(&self) -> Cost {
        let mut tally = Tally::default();
        pool(&mut tally, self.dataset);
        let seeds = self.seeds as f64;
        // Three sizes, plain and augmented, and the strength sweep at the smallest size.
        let models = seeds * (6.0 + self.sweep_strengths().len() as f64);
        let d_in = self.dataset.dim() as f64;
        let largest = self.n_small.max(self.n_medium).max(self.n_large) as f64;
        let smallest = self.n_small.min(self.n_medium).min(self.n_large) as f64;
        let test = self.dataset.test() as f64;
        let validation = self.validation() as f64;
        let batch = (self.batch as f64).min(smallest);
        // Each step's batch is drawn and augmented on the host, then uploaded; evaluations
        // pad every model's training set to the largest: its indices, labels and weights.
        tally.phase(2.0 * models * batch * d_in * F32);
        tally.hold(models * largest * 3.0, F32);
        let stack = Stack {
            models,
            d_in,
            width: self.width as f64,
            depth: self.depth as f64,
        };
        let evals = evaluations(self.steps, self.eval_every, false);
        let (step, eval) = stack.add(
            &mut tally,
            batch,
            self.steps as f64,
            evals,
            (
                largest + test + validation,
                largest.max(test).max(validation),
            ),
        );
        tally.phase(step.max(eval));
        // Each reported run's curves: four means and their spreads, and the validation
        // accuracy's when there is a validation set.
        let columns = if self.validation() > 0 { 10.0 } else { 8.0 };
        tally.record(evals * (6.0 + self.sweep_strengths().len() as f64) * columns);
        tally.cost()
    }
}
