//! What a benign-overfitting spec costs (see [`crate::cost`]).

use super::{BenignSpec, Mode, spectrum};
use crate::cost::{Cost, F32, F64, Tally, evaluations};

impl BenignSpec {
    pub fn cost(&self) -> Cost {
        let mut tally = Tally::default();
        match self.mode {
            Mode::Xor => {
                let (n, nt) = (self.xor.xor_n as f64, self.xor.xor_test as f64);
                let (d, m) = (self.xor.xor_dim as f64, self.xor.neurons as f64);
                // Both sets on the device; the largest also as the host copy it came from.
                tally.hold((n + nt) * (d + 1.0), F32);
                tally.phase(n.max(nt) * d * F32);
                // Weights, their gradient and the descent's update; the hidden activations.
                tally.hold(3.0 * m * d, F32);
                tally.phase(4.0 * n.max(nt) * m * F32);
                tally.work(self.xor.steps as f64 * 2.0 * n * d * m);
                let evals = evaluations(self.xor.steps, self.eval_every, true);
                tally.work(evals * (n + nt) * d * m);
                // The step and up to seven metrics at every evaluation.
                tally.record(evals * 8.0);
            }
            Mode::Linear => {
                let n = self.linear.n_train as f64;
                let mut largest: f64 = 0.0;
                for case in self.cases() {
                    let p = case.spectrum.dim() as f64;
                    let chunk = p.min(spectrum::CHUNK as f64);
                    largest = largest.max(n * chunk * F64);
                    // Two passes of XXᵀ over the chunks, one solve, the projections.
                    tally.work(
                        self.linear.trials as f64
                            * (2.0 * n * n * p + n * n * n / 6.0 + 4.0 * n * p),
                    );
                }
                tally
                    .hold(2.0 * n * n, F64)
                    .phase(largest + 2.0 * n * n * F64);
            }
            Mode::Plane => return self.plane_spec().cost(),
        }
        tally.cost()
    }
}
