//! The `mlp` mode (engine only): how far the linear picture carries. MLPs 40-h-10 of several
//! widths learn MNIST-1D (task 1), then the same signals with a share of their 40 positions
//! permuted among themselves (task 2), by plain SGD; forgetting is the task-1 test accuracy
//! lost over task 2. Every width, share and seed trains side by side: a stack of models per
//! width, each model on its own task-2 inputs.

use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Int, Tensor, TensorData, Transaction};
use serde_json::Map;

use super::{ForgettingSpec, INFO, metric};
use crate::data::mnist1d::{self, CLASSES, LENGTH};
use crate::models::mlp_stack::{MlpStack, MlpStackConfig, Pass};
use crate::report::mean_sd;
use crate::report::{Report, RunReport, Verdict, json_number};
use crate::rng::Stream;
use crate::terms::{Unit, format_value};
use crate::train::{
    BatchOrder, OptimizerKind, Probe, RunError, Session, build_optimizer, member_cross_entropy,
    shared_targets,
};

/// A signal set: inputs as each model sees them for task 2 (`[models, n, LENGTH]`), task 1's
/// (`[n, LENGTH]`), and labels.
struct Signals {
    x1: Tensor<2>,
    x2: Tensor<3>,
    labels: Tensor<1, Int>,
}

/// The positions task 2 reads for each share: `m` of the 40 chosen at random and permuted
/// among themselves (a cycle, so every chosen position moves), the rest in place.
pub fn permutation(share: f64, rng: &mut Stream) -> Vec<usize> {
    let m = (share * LENGTH as f64).round() as usize;
    let chosen: Vec<usize> = rng.permutation(LENGTH).into_iter().take(m).collect();
    let mut out: Vec<usize> = (0..LENGTH).collect();
    if m >= 2 {
        for (k, &i) in chosen.iter().enumerate() {
            out[i] = chosen[(k + 1) % m];
        }
    }
    out
}

impl Signals {
    fn new(data: &mnist1d::Samples, perms: &[Vec<usize>], device: &Device) -> Self {
        let n = data.len();
        let models = perms.len();
        let mut x2 = Vec::with_capacity(models * n * LENGTH);
        for perm in perms {
            for i in 0..n {
                let row = data.row(i);
                x2.extend(perm.iter().map(|&j| row[j]));
            }
        }
        let labels: Vec<i64> = data.y.iter().map(|&c| i64::from(c)).collect();
        Self {
            x1: Tensor::from_data(TensorData::new(data.x.clone(), [n, LENGTH]), device),
            x2: Tensor::from_data(TensorData::new(x2, [models, n, LENGTH]), device),
            labels: Tensor::from_data(TensorData::new(labels, [n]), device),
        }
    }
}

/// An `mlp` run in progress.
pub struct MlpSession {
    spec: ForgettingSpec,
    widths: Vec<usize>,
    shares: Vec<f64>,
    device: Device,
    /// One stack per width: `shares × seeds` models each, model = share · seeds + seed.
    stacks: Vec<MlpStack>,
    optims: Vec<ModuleOptimizer>,
    train: Signals,
    test: Signals,
    order: BatchOrder,
    done: usize,
    pending: bool,
    /// Per width, per model: task-1 test accuracy after task 1, then after task 2, and task-2
    /// test accuracy after task 2.
    before: Vec<Vec<f64>>,
    after: Vec<Vec<(f64, f64)>>,
}

impl MlpSession {
    pub fn new(spec: ForgettingSpec, device: &Device) -> Self {
        let device = device.clone().autodiff();
        let all = mnist1d::generate(spec.n_train + spec.n_test, spec.data_seed);
        let (train, test) = all.split_at(spec.n_train);
        let shares = spec.permuted_shares();
        let mut rng = Stream::new(spec.data_seed, "forgetting/permutations");
        let perms: Vec<Vec<usize>> = shares
            .iter()
            .flat_map(|&s| {
                let p = permutation(s, &mut rng);
                std::iter::repeat_n(p, spec.seeds)
            })
            .collect();
        let widths = spec.width_ladder();
        let stacks: Vec<MlpStack> = widths
            .iter()
            .map(|&w| {
                let mut inits: Vec<Stream> = (0..shares.len())
                    .flat_map(|_| {
                        (0..spec.seeds).map(move |s| {
                            Stream::new(spec.init_seed, &format!("forgetting/mlp/{w}/{s}"))
                        })
                    })
                    .collect();
                MlpStackConfig::new(LENGTH, w, 1, CLASSES).init(&mut inits, &device)
            })
            .collect();
        Self {
            optims: widths
                .iter()
                .map(|_| build_optimizer(OptimizerKind::Sgd, 0.0, (0.9, 0.999)))
                .collect(),
            order: BatchOrder::new(
                spec.n_train,
                spec.batch,
                Stream::new(spec.data_seed, "forgetting/order"),
            ),
            train: Signals::new(&train, &perms, &device),
            test: Signals::new(&test, &perms, &device),
            widths,
            shares,
            stacks,
            device,
            done: 0,
            pending: false,
            before: Vec::new(),
            after: Vec::new(),
            spec,
        }
    }

    fn models(&self) -> usize {
        self.shares.len() * self.spec.seeds
    }

    fn train_step(&mut self) {
        let models = self.models();
        let idx = self.order.next_batch_tensor(&self.device);
        let batch = idx.dims()[0];
        let targets = shared_targets(self.train.labels.clone().select(0, idx.clone()), models);
        let x = if self.done < self.spec.steps {
            self.train
                .x1
                .clone()
                .select(0, idx)
                .reshape([1, batch, LENGTH])
                .repeat_dim(0, models)
        } else {
            self.train.x2.clone().select(1, idx)
        };
        for k in 0..self.stacks.len() {
            let logits = self.stacks[k].forward(x.clone(), Pass::Train, None);
            let loss = member_cross_entropy(logits, targets.clone()).sum();
            let grads = GradientsParams::from_grads(loss.backward(), &self.stacks[k]);
            let stack = self.stacks[k].clone();
            self.stacks[k] = self.optims[k].step(self.spec.lr, stack, grads);
        }
    }

    /// Every width's models' test accuracy on task 1 and task 2: `[models]` each, per width.
    fn accuracies(&self) -> Transaction {
        let models = self.models();
        let n = self.spec.n_test;
        let labels = self
            .test
            .labels
            .clone()
            .reshape([1, n, 1])
            .repeat_dim(0, models);
        let x1 = self
            .test
            .x1
            .clone()
            .reshape([1, n, LENGTH])
            .repeat_dim(0, models);
        let x2 = self.test.x2.clone();
        let mut tx = Transaction::default();
        for stack in &self.stacks {
            for x in [x1.clone(), x2.clone()] {
                let acc = stack
                    .forward(x, Pass::Eval, None)
                    .detach()
                    .argmax(2)
                    .equal(labels.clone())
                    .int()
                    .float()
                    .mean_dim(1)
                    .reshape([models]);
                tx = tx.register(acc);
            }
        }
        tx
    }
}

impl Session for MlpSession {
    fn total_steps(&self) -> usize {
        2 * self.spec.steps
    }

    fn steps_done(&self) -> usize {
        self.done
    }

    fn is_finished(&self) -> bool {
        self.done >= self.total_steps() && !self.pending
    }

    fn advance(&mut self, max_steps: usize) -> Result<Option<Probe>, RunError> {
        if self.pending {
            return Err(RunError::Readback("the last probe was not absorbed".into()));
        }
        for _ in 0..max_steps {
            if self.done >= self.total_steps() {
                break;
            }
            self.train_step();
            self.done += 1;
            if self.done == self.spec.steps || self.done == self.total_steps() {
                self.pending = true;
                return Ok(Some(Probe {
                    step: self.done,
                    transaction: self.accuracies(),
                }));
            }
        }
        Ok(None)
    }

    fn absorb(&mut self, data: Vec<TensorData>) -> Result<(), RunError> {
        if !std::mem::take(&mut self.pending) {
            return Err(RunError::Readback("no probe is pending".into()));
        }
        let models = self.models();
        let values: Vec<Vec<f64>> = data.iter().map(|d| d.iter::<f64>().collect()).collect();
        if values.len() != 2 * self.widths.len() || values.iter().any(|v| v.len() != models) {
            return Err(RunError::Readback(format!(
                "expected {} accuracies of {models} models",
                2 * self.widths.len()
            )));
        }
        if self.before.is_empty() {
            self.before = values.chunks(2).map(|pair| pair[0].clone()).collect();
        } else {
            self.after = values
                .chunks(2)
                .map(|pair| {
                    pair[0]
                        .iter()
                        .copied()
                        .zip(pair[1].iter().copied())
                        .collect()
                })
                .collect();
        }
        Ok(())
    }

    fn report(&self) -> Report {
        let seeds = self.spec.seeds;
        let mut runs = Vec::new();
        for (k, &w) in self.widths.iter().enumerate() {
            let mut columns: [Vec<f64>; 5] = Default::default();
            for (l, _) in self.shares.iter().enumerate() {
                let pick = |f: &dyn Fn(usize) -> f64| -> Vec<f64> {
                    (0..seeds).map(|s| f(l * seeds + s)).collect()
                };
                let before = self.before.get(k);
                let after = self.after.get(k);
                let lost = pick(&|m| match (before, after) {
                    (Some(b), Some(a)) => b[m] - a[m].0,
                    _ => f64::NAN,
                });
                let (mean, sd) = mean_sd(&lost);
                let (b, _) = mean_sd(&pick(&|m| before.map_or(f64::NAN, |b| b[m])));
                let (t2, _) = mean_sd(&pick(&|m| after.map_or(f64::NAN, |a| a[m].1)));
                for (c, v) in columns.iter_mut().zip([mean, sd, b, t2, 0.0]) {
                    c.push(v);
                }
            }
            let [lost, lost_sd, before, task2, _] = columns;
            let mut summary = Map::new();
            summary.insert(
                metric::WIDTH_TRAINED_TASKS.key.into(),
                json_number(w as f64),
            );
            if !self.after.is_empty() {
                let last = lost[lost.len() - 1];
                let (peak_at, peak) = lost
                    .iter()
                    .enumerate()
                    .fold((0, f64::MIN), |b, (i, &v)| if v > b.1 { (i, v) } else { b });
                summary.insert(metric::ACCURACY_LOST.at_end(), json_number(last));
                let pct = |x: f64| format_value(x, Unit::Percent);
                let shape = if peak_at + 1 < lost.len()
                    && peak - last > lost_sd[peak_at] + lost_sd[lost.len() - 1]
                {
                    "worst at intermediate similarity"
                } else {
                    "grows as the tasks part"
                };
                Verdict::write(
                    shape,
                    format!(
                        "After task 2 the {w}-unit network has lost {} of task 1's test accuracy \
                         (from {}) with every position permuted, {} at most (at {} permuted); \
                         it reaches {} on task 2.",
                        pct(last),
                        pct(before[before.len() - 1]),
                        pct(peak),
                        pct(self.shares[peak_at]),
                        pct(task2[task2.len() - 1])
                    ),
                    &mut summary,
                );
            }
            runs.push(RunReport::from_columns(
                &format!("width {w}"),
                &[
                    (metric::PERMUTED.key, self.shares.clone()),
                    (metric::ACCURACY_LOST.key, lost),
                    (&format!("{}_sd", metric::ACCURACY_LOST.key), lost_sd),
                    (metric::TASK1_ACC.key, before),
                    (metric::TASK2_ACC.key, task2),
                ],
                summary,
            ));
        }
        Report::new(INFO.id, &self.spec, metric::PERMUTED.key, runs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_permuted_share_moves_exactly_its_positions() {
        let mut rng = Stream::new(0, "forgetting/test");
        assert_eq!(permutation(0.0, &mut rng), (0..LENGTH).collect::<Vec<_>>());
        let p = permutation(0.5, &mut rng);
        let moved = p.iter().enumerate().filter(|(i, j)| i != *j).count();
        assert_eq!(moved, 20);
        let mut sorted = p.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..LENGTH).collect::<Vec<_>>());
    }
}
