//! What a double-descent spec costs (see [`crate::cost`]).

use super::{DoubleDescentSpec, Mode, grid};
use crate::cost::{Cost, F32, F64, Tally, Target, evaluations};
use crate::models::bank_plan::partition;

/// Inputs per example of the trained modes: MNIST-1D's 40 points.
const INPUTS: f64 = 40.0;
/// Classes of MNIST-1D.
const CLASSES: f64 = 10.0;
/// Feature values the sweep keeps to replay blocks instead of recomputing them.
const KEPT_VALUES: f64 = (1u64 << 25) as f64;

/// Memory and work of one `solve_spd` of size m with `rhs` right-hand sides: the shifted
/// system (f64), its f32 factor, an f64 factor if refinement fails; the factorisation plus
/// at most a dozen refinement sweeps.
fn solve(m: f64, rhs: f64) -> (f64, f64) {
    (
        m * m * (F64 + 2.0 * F32 + F64),
        m * m * m / 6.0 + 12.0 * 2.0 * m * m * rhs,
    )
}

impl DoubleDescentSpec {
    pub fn cost(&self, target: Target) -> Cost {
        let mut tally = Tally::default();
        let ridges = if self.grid.ridge > 0.0 { 2.0 } else { 1.0 };
        match self.mode {
            Mode::Features => {
                // The features' input dimension (an own file priced at the most it may have).
                let inputs = self.rf.dataset.dim() as f64;
                let n = self.rf.n_train as f64;
                let nt = self.rf.n_test as f64;
                let sizes = grid::sizes(
                    self.rf.n_train,
                    self.grid.ratio_min,
                    self.grid.ratio_max,
                    self.grid.points,
                );
                let most = sizes.last().copied().unwrap_or(1) as f64;
                let kept = most.min(n);
                // Every draw holds its own data copy, feature map, features and Gram
                // matrices; the kept feature blocks share one budget.
                let draws = self.rf.draws.max(1) as f64;
                tally
                    .hold(draws * (n + nt) * inputs, F32)
                    .hold(draws * most * inputs, F32)
                    .hold(draws * ((n + nt) * kept + kept * kept), F64);
                tally.work(draws * (inputs * most * (n + nt) + n * kept * kept / 2.0));
                if most > n {
                    tally.hold(draws * n * n, F64);
                    tally.hold(
                        most.min(KEPT_VALUES / draws / (n + nt)) * draws * (n + nt),
                        F32,
                    );
                    match target {
                        Target::Gpu => tally.hold(draws * n * n, F32).work(draws * most * n * n),
                        Target::Cpu => tally.work(draws * most * n * n / 2.0),
                    };
                }
                let mut largest_solve: f64 = 0.0;
                for size in sizes {
                    let size = size as f64;
                    let m = size.min(n);
                    let (bytes, macs) = solve(m, CLASSES);
                    // The fitted features of both sets (primal) or the kernel matrix (dual).
                    let operands = if size <= n {
                        (n + nt) * size + size * size
                    } else {
                        n * n
                    };
                    largest_solve = largest_solve.max(bytes + operands * F64);
                    tally.work(draws * ridges * (macs + CLASSES * m * (2.0 * n + nt)));
                    if size > n {
                        tally.work(draws * 2.0 * CLASSES * (n + nt) * size);
                    }
                }
                tally.phase(largest_solve);
            }
            Mode::Samples => {
                let d = self.samples.dim as f64;
                let sizes = grid::sizes(
                    self.samples.dim,
                    self.grid.ratio_min,
                    self.grid.ratio_max,
                    self.grid.points,
                );
                let mut largest: f64 = 0.0;
                for size in sizes {
                    let n = size as f64;
                    let m = n.min(d);
                    let (bytes, macs) = solve(m, 1.0);
                    largest = largest.max(n * d * F64 + m * m * F64 + bytes);
                    tally.work(self.samples.trials as f64 * (n * d * m + ridges * macs));
                }
                tally.phase(largest);
            }
            Mode::Width | Mode::Epochs => {
                let (train, test) = (self.trained.mlp_train as f64, self.trained.mlp_test as f64);
                let widths = self.widths();
                let (mut dense, mut macs, mut units) = (0.0, 0.0, 0.0);
                let (mut widest, mut heads) = (0.0_f64, 0.0);
                for group in partition(&widths) {
                    let h: f64 = widths[group.clone()].iter().sum::<usize>() as f64;
                    let k = group.len() as f64;
                    // The bank's dense weights (masked zeros included) and their masks.
                    dense += INPUTS * h + h + h * h + h + CLASSES * h * k + CLASSES * k;
                    macs += INPUTS * h + h * h + CLASSES * k * h;
                    units += 2.0 * h + CLASSES * k;
                    widest = widest.max(h);
                    heads += CLASSES * k;
                    // Masks, and the masked weights each forward builds (kept for backward).
                    tally.hold(2.0 * (h * h + CLASSES * h * k), F32);
                }
                // Weights, gradients, momentum; the data.
                tally
                    .hold(3.0 * dense, F32)
                    .hold((train + test) * (INPUTS + 1.0), F32);
                let batch = self.trained.batch as f64;
                // A training step keeps every group's activations for its backward; an
                // evaluation (off autodiff) holds one group's input and hidden layers at a time,
                // and every group's logits.
                let forward = INPUTS + 2.0 * widest + 2.0 * heads;
                tally.phase((2.0 * batch * units).max(train.max(test) * forward) * F32);
                let steps = self.trained.epochs * self.steps_per_epoch();
                let every = self.trained.eval_every * self.steps_per_epoch();
                tally.work(steps as f64 * 3.0 * batch.min(train) * macs);
                let evals = evaluations(steps, every, false);
                tally.work(evals * (train + test) * macs);
                // The epoch and every width's training and test error at every evaluation.
                tally.record(evals * (1.0 + 2.0 * widths.len() as f64));
            }
            Mode::TwoScale => {
                let d = (self.two_scale.fast_dims + self.two_scale.slow_dims) as f64;
                tally.hold(3.0 * d * d + self.two_scale.gd_train as f64 * d, F32);
                let every = (self.two_scale.gd_steps / 50).max(1);
                let evals = evaluations(self.two_scale.gd_steps, every, true);
                tally.work(self.two_scale.gd_steps as f64 * d * d + evals * 3.0 * d * d);
                // The epoch, the training error and the test error's two parts.
                tally.record(evals * 4.0);
            }
        }
        tally.cost()
    }
}
