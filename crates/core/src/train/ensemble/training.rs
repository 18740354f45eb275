//! The ensemble in training (engine only).

use crate::terms::metric;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Int, Tensor, TensorData, Transaction};
use serde_json::{Map, Value};

use super::{EVAL_VALUES, Group, Settings, rows_within};
use crate::data::pool::{CLASSES, Dataset, Pool};
use crate::models::mlp_stack::{MlpStack, MlpStackConfig, Pass};
use crate::report::json_number;
use crate::report::mean_sd;
use crate::rng::Stream;
use crate::train::Measure;
use crate::train::{
    BatchOrder, OptimizerKind, RunError, Series, build_optimizer, weighted_loss_and_correct,
};

/// One group's training state on the device.
struct Stack {
    model: MlpStack,
    optim: ModuleOptimizer,
    batch: usize,
    /// Per member: its training images (indices into the pool), their labels (some redrawn
    /// under label noise), order and augmentation stream.
    train: Vec<Vec<usize>>,
    labels: Vec<Vec<u8>>,
    orders: Vec<BatchOrder>,
    augment_rngs: Vec<Stream>,
    /// `[members, test]` pool indices and `[members, test, 1]` labels.
    test_idx: Tensor<2, Int>,
    test_y: Tensor<3, Int>,
    /// Training sets padded to the largest: `[members, n_max]` indices, `[members, n_max, 1]`
    /// labels and `[members, n_max]` weights (1/n for real images, 0 for padding).
    train_idx: Tensor<2, Int>,
    train_y: Tensor<3, Int>,
    train_w: Tensor<2>,
    /// Per hidden layer `[members, 1, width]`: 0 for removed units, 1/(1 − removed) for kept.
    keep: Option<Vec<Tensor<3>>>,
    /// `[members, validation]` pool indices and `[members, validation, 1]` labels, where the
    /// settings ask for validation examples.
    validation: Option<(Tensor<2, Int>, Tensor<3, Int>)>,
}

/// Every group in training.
pub struct Ensemble {
    settings: Settings,
    groups: Vec<Group>,
    device: Device,
    pool: Pool,
    pool_x: Tensor<2>,
    stacks: Vec<Stack>,
    /// Per evaluation: its step and, per group and member, what it measured.
    pub history: Vec<(usize, Vec<Vec<Measure>>)>,
    /// Per group, the latest first-layer weights of its first member: `[dim, units]`.
    pub weights: Vec<Vec<f32>>,
}

fn int_tensor<const D: usize>(
    values: Vec<i64>,
    shape: [usize; D],
    device: &Device,
) -> Tensor<D, Int> {
    Tensor::from_data(TensorData::new(values, shape), device)
}

impl Stack {
    /// Group `g`'s stack over `pool` on `device` (autodiff enabled): its models, each
    /// member's split, training labels (with label noise), batch order and augmentations,
    /// and the index tensors its evaluations read.
    fn new(settings: &Settings, pool: &Pool, g: &Group, device: &Device) -> Stack {
        let (dim, test_n) = (pool.dim(), pool.test);
        let label = |i: usize| i64::from(pool.label(i));
        let m = g.members.len();
        let splits: Vec<(Vec<usize>, Vec<usize>)> = g
            .members
            .iter()
            .map(|mem| pool.split(mem.n_train, mem.data_seed))
            .collect();
        let mut inits: Vec<Stream> = g
            .members
            .iter()
            .map(|mem| Stream::new(mem.seed, "ensemble/init"))
            .collect();
        let model = MlpStackConfig::new(dim, g.width, settings.depth, CLASSES)
            .with_input_dropout(g.input_dropout)
            .with_hidden_dropout(g.hidden_dropout)
            .init(&mut inits, device);
        let smallest = g.members.iter().map(|mem| mem.n_train).min().unwrap_or(1);
        let batch = settings.batch.clamp(1, smallest.max(1));
        let orders = g
            .members
            .iter()
            .map(|mem| BatchOrder::new(mem.n_train, batch, Stream::new(mem.seed, "ensemble/order")))
            .collect();
        let augment_rngs = g
            .members
            .iter()
            .map(|mem| Stream::new(mem.seed, "ensemble/augment"))
            .collect();
        let labels: Vec<Vec<u8>> = g
            .members
            .iter()
            .zip(&splits)
            .map(|(mem, (train, _))| {
                let mut y: Vec<u8> = train.iter().map(|&i| pool.label(i)).collect();
                if mem.label_noise > 0.0 {
                    let mut rng = Stream::new(mem.data_seed, "ensemble/label-noise");
                    crate::data::mnist1d::resample_labels_among(
                        &mut y,
                        mem.label_noise,
                        pool.classes,
                        &mut rng,
                    );
                }
                y
            })
            .collect();
        let test: Vec<usize> = splits.iter().flat_map(|s| s.1.iter().copied()).collect();
        let validation = (settings.validation > 0).then(|| {
            let idx: Vec<usize> = g
                .members
                .iter()
                .flat_map(|mem| pool.validation(settings.validation, mem.data_seed))
                .collect();
            let v = idx.len() / m.max(1);
            (
                int_tensor(idx.iter().map(|&i| i as i64).collect(), [m, v], device),
                int_tensor(idx.iter().map(|&i| label(i)).collect(), [m, v, 1], device),
            )
        });
        let test_y = test.iter().map(|&i| label(i)).collect();
        let n_max = g.members.iter().map(|mem| mem.n_train).max().unwrap_or(0);
        let mut train_idx = Vec::with_capacity(m * n_max);
        let mut train_y = Vec::with_capacity(m * n_max);
        let mut train_w = Vec::with_capacity(m * n_max);
        for ((train, _), y) in splits.iter().zip(&labels) {
            let w = 1.0 / train.len().max(1) as f32;
            for k in 0..n_max {
                train_idx.push(train.get(k).copied().unwrap_or(0));
                train_y.push(y.get(k).map_or(0, |&c| i64::from(c)));
                train_w.push(if k < train.len() { w } else { 0.0 });
            }
        }
        let keep = settings
            .removed
            .map(|f| removal_masks(f, settings.depth, g, device));
        Stack {
            optim: build_optimizer(OptimizerKind::Adam, settings.weight_decay, (0.9, 0.999)),
            model,
            batch,
            train: splits.into_iter().map(|s| s.0).collect(),
            labels,
            orders,
            augment_rngs,
            test_idx: int_tensor(
                test.iter().map(|&i| i as i64).collect(),
                [m, test_n],
                device,
            ),
            test_y: int_tensor(test_y, [m, test_n, 1], device),
            train_idx: int_tensor(
                train_idx.iter().map(|&i| i as i64).collect(),
                [m, n_max],
                device,
            ),
            train_y: int_tensor(train_y, [m, n_max, 1], device),
            train_w: Tensor::from_data(TensorData::new(train_w, [m, n_max]), device),
            keep,
            validation,
        }
    }
}

/// For each hidden layer, `[members, 1, width]`: a share `f` of a member's units at 0, the rest
/// scaled up to keep the layer's sum (the same units for a seed).
fn removal_masks(f: f64, depth: usize, g: &Group, device: &Device) -> Vec<Tensor<3>> {
    let m = g.members.len();
    let mut rng = Stream::new(
        g.members.first().map_or(0, |mem| mem.seed),
        "ensemble/remove",
    );
    let k = ((f * g.width as f64).round() as usize).min(g.width.saturating_sub(1));
    let scale = g.width as f32 / (g.width - k) as f32;
    (0..depth)
        .map(|_| {
            let mut mask = Vec::with_capacity(m * g.width);
            for _ in 0..m {
                let gone = &rng.permutation(g.width)[..k];
                let mut row = vec![scale; g.width];
                for &u in gone {
                    row[u] = 0.0;
                }
                mask.extend(row);
            }
            Tensor::from_data(TensorData::new(mask, [m, 1, g.width]), device)
        })
        .collect()
}

impl Ensemble {
    /// Builds every group's stack on `device` (autodiff is enabled here) over `pool` (see
    /// [`Pool::new`]). Members must have `n_train ≤ pool.max_train()`
    /// ([`Pool::check`]).
    pub fn new(settings: Settings, pool: Pool, groups: Vec<Group>, device: &Device) -> Self {
        let device = device.clone().autodiff();
        // Dropout draws its masks from the device's generator.
        device.seed(
            groups
                .first()
                .and_then(|g| g.members.first())
                .map_or(0, |m| m.seed),
        );
        let pool_x = Tensor::from_data(
            TensorData::new(pool.examples.x.clone(), [pool.len(), pool.dim()]),
            &device,
        );
        let stacks = groups
            .iter()
            .map(|g| Stack::new(&settings, &pool, g, &device))
            .collect();
        Self {
            weights: vec![Vec::new(); groups.len()],
            settings,
            groups,
            device,
            pool,
            pool_x,
            stacks,
            history: Vec::new(),
        }
    }

    pub fn dataset(&self) -> Dataset {
        self.pool.dataset
    }

    /// The training examples of member `k` of group `g`, as pool indices.
    pub fn training_set(&self, g: usize, k: usize) -> &[usize] {
        &self.stacks[g].train[k]
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// Trainable scalars of one model of group `g`.
    pub fn parameters_per_model(&self, g: usize) -> usize {
        self.stacks[g].model.parameters_per_model()
    }

    /// One optimizer step of every model, each on its own minibatch.
    pub fn train_step(&mut self) {
        let dim = self.pool.dim();
        for (g, stack) in self.stacks.iter_mut().enumerate() {
            let members = &self.groups[g].members;
            let (m, b) = (members.len(), stack.batch);
            let mut picked = Vec::with_capacity(m * b);
            let mut labels = Vec::with_capacity(m * b);
            for (k, order) in stack.orders.iter_mut().enumerate() {
                for i in order.next_batch() {
                    picked.push(stack.train[k][i]);
                    labels.push(i64::from(stack.labels[k][i]));
                }
            }
            let x = if members.iter().all(|mem| mem.augment.is_none()) {
                let idx = int_tensor(
                    picked.iter().map(|&i| i as i64).collect(),
                    [m * b],
                    &self.device,
                );
                self.pool_x.clone().select(0, idx).reshape([m, b, dim])
            } else {
                let mut host = Vec::with_capacity(m * b * dim);
                for (k, chunk) in picked.chunks(b).enumerate() {
                    let augment = members[k].augment;
                    for &i in chunk {
                        if augment.is_none() {
                            host.extend_from_slice(self.pool.row(i));
                        } else {
                            host.extend(self.pool.augmented(
                                i,
                                &augment,
                                &mut stack.augment_rngs[k],
                            ));
                        }
                    }
                }
                Tensor::from_data(TensorData::new(host, [m, b, dim]), &self.device)
            };
            let y = int_tensor(labels, [m * b], &self.device);
            let logits = stack
                .model
                .forward(x, Pass::Train, None)
                .reshape([m * b, CLASSES]);
            // The sum of the models' own mean losses: each model's gradient is its own.
            let loss = CrossEntropyLossConfig::new()
                .init(&self.device)
                .forward(logits, y)
                .mul_scalar(m as f64);
            let grads = GradientsParams::from_grads(loss.backward(), &stack.model);
            stack.model = stack
                .optim
                .step(self.settings.lr, stack.model.clone(), grads);
        }
    }

    /// Registers, per group: test loss, test accuracy, training loss, training accuracy (each
    /// `[members]`), then the loss with units removed (`[members]`), the validation accuracy
    /// (`[members]`) and the first member's first-layer weights where the settings ask for
    /// them.
    ///
    /// Off autodiff, every tensor of it (the stack's forward takes its inputs and weights off
    /// too): a forward through autodiff would keep its activations for a backward that never
    /// comes, and a transaction reads back tensors of one kind.
    pub fn evaluate(&self) -> Transaction {
        self.evaluate_within(EVAL_VALUES)
    }

    /// [`Ensemble::evaluate`], each forward's slice within `budget` activations.
    pub(super) fn evaluate_within(&self, budget: usize) -> Transaction {
        let device = self.device.clone().inner();
        let mut t = Transaction::default();
        for (g, stack) in self.stacks.iter().enumerate() {
            let [m, test_n] = stack.test_idx.dims();
            let uniform = |n: usize| Tensor::<2>::full([m, n], 1.0 / n as f64, &device);
            let test_y = stack.test_y.clone().inner();
            let (test_loss, test_acc) = self.measure(
                (g, budget),
                &stack.test_idx,
                &test_y,
                &uniform(test_n),
                None,
            );
            let (train_loss, train_acc) = self.measure(
                (g, budget),
                &stack.train_idx,
                &stack.train_y.clone().inner(),
                &stack.train_w.clone().inner(),
                None,
            );
            t = t
                .register(test_loss)
                .register(test_acc)
                .register(train_loss)
                .register(train_acc);
            if let Some(keep) = &stack.keep {
                let (ablated, _) = self.measure(
                    (g, budget),
                    &stack.test_idx,
                    &test_y,
                    &uniform(test_n),
                    Some(keep),
                );
                t = t.register(ablated);
            }
            if let Some((idx, y)) = &stack.validation {
                let v = idx.dims()[1];
                let (_, acc) =
                    self.measure((g, budget), idx, &y.clone().inner(), &uniform(v), None);
                t = t.register(acc);
            }
            if self.settings.weight_images > 0 {
                t = t.register(
                    stack
                        .model
                        .first_layer(0, self.settings.weight_images)
                        .inner(),
                );
            }
        }
        t
    }

    /// Group `g`'s weighted loss and weighted share correct (`[members]`) over the pool rows
    /// `idx` (`[members, n]`) with labels `y` (`[members, n, 1]`) and weights `w`
    /// (`[members, n]`), off autodiff. The forwards take as many rows per model at a time as
    /// `budget` activations allow ([`super::eval_rows`]), each slice freed but for its sums:
    /// an evaluation's memory stays within the budget however large its sets.
    fn measure(
        &self,
        (g, budget): (usize, usize),
        idx: &Tensor<2, Int>,
        y: &Tensor<3, Int>,
        w: &Tensor<2>,
        keep: Option<&[Tensor<3>]>,
    ) -> (Tensor<1>, Tensor<1>) {
        let [m, n] = idx.dims();
        let dim = self.pool.dim();
        let rows = rows_within(budget, m, dim, self.groups[g].width, n);
        let mut sums: Option<(Tensor<1>, Tensor<1>)> = None;
        for start in (0..n).step_by(rows) {
            let len = rows.min(n - start);
            let picked = idx.clone().narrow(1, start, len).reshape([m * len]);
            let x = self.pool_x.clone().select(0, picked).reshape([m, len, dim]);
            let (loss, correct) = weighted_loss_and_correct(
                self.stacks[g].model.forward(x, Pass::Eval, keep),
                y.clone().narrow(1, start, len),
                w.clone().narrow(1, start, len),
            );
            sums = Some(match sums {
                None => (loss, correct),
                Some((l, c)) => (l + loss, c + correct),
            });
        }
        sums.unwrap_or_else(|| {
            let zeros = Tensor::<1>::zeros([m], &self.device.clone().inner());
            (zeros.clone(), zeros)
        })
    }

    /// Stores the read-back of an [`Ensemble::evaluate`] at `step`.
    pub fn record(&mut self, step: usize, data: Vec<TensorData>) -> Result<(), RunError> {
        let mut it = data.iter();
        let mut next = |what: &str| -> Result<Vec<f64>, RunError> {
            it.next()
                .map(|d| d.iter::<f64>().collect())
                .ok_or_else(|| RunError::Readback(format!("missing {what}")))
        };
        let mut measured = Vec::with_capacity(self.groups.len());
        for (g, group) in self.groups.iter().enumerate() {
            let test_loss = next("test loss")?;
            let test_acc = next("test accuracy")?;
            let train_loss = next("training loss")?;
            let train_acc = next("training accuracy")?;
            let ablated = match self.stacks[g].keep {
                Some(_) => Some(next("loss with units removed")?),
                None => None,
            };
            let val_acc = match self.stacks[g].validation {
                Some(_) => Some(next("validation accuracy")?),
                None => None,
            };
            if self.settings.weight_images > 0 {
                self.weights[g] = next("first-layer weights")?
                    .into_iter()
                    .map(|v| v as f32)
                    .collect();
            }
            let members = group.members.len();
            if [&test_loss, &test_acc, &train_loss, &train_acc]
                .iter()
                .any(|v| v.len() != members)
            {
                return Err(RunError::Readback(format!(
                    "group {g}: expected {members} values per metric"
                )));
            }
            let mut row = Vec::with_capacity(members);
            for k in 0..members {
                RunError::unless_finite(step, "training loss", train_loss[k])?;
                row.push(Measure {
                    train_loss: train_loss[k],
                    train_acc: train_acc[k],
                    test_loss: test_loss[k],
                    test_acc: test_acc[k],
                    loss_increase: ablated.as_ref().map(|a| a[k] - test_loss[k]),
                    val_acc: val_acc.as_ref().and_then(|a| a.get(k).copied()),
                });
            }
            measured.push(row);
        }
        self.history.push((step, measured));
        Ok(())
    }

    /// The latest evaluation's measures, per group and member.
    pub fn latest(&self) -> Option<&[Vec<Measure>]> {
        self.history.last().map(|(_, m)| m.as_slice())
    }
}

impl Ensemble {
    /// Mean and spread over members `of` group `g` at every evaluation: training and test
    /// accuracy and loss, each with its `_sd`.
    pub fn series(&self, g: usize, of: &[usize]) -> Series {
        let mut series = Series::default();
        for (step, groups) in &self.history {
            let pick = |f: fn(&Measure) -> f64| -> Vec<f64> {
                of.iter().map(|&k| f(&groups[g][k])).collect()
            };
            let (ta, ta_sd) = mean_sd(&pick(|m| m.train_acc));
            let (va, va_sd) = mean_sd(&pick(|m| m.test_acc));
            let (tl, tl_sd) = mean_sd(&pick(|m| m.train_loss));
            let (vl, vl_sd) = mean_sd(&pick(|m| m.test_loss));
            let mut row = vec![
                (metric::TRAIN_ACC.key, ta),
                ("train_acc_sd", ta_sd),
                (metric::TEST_ACC.key, va),
                ("test_acc_sd", va_sd),
                (metric::TRAIN_LOSS.key, tl),
                ("train_loss_sd", tl_sd),
                (metric::TEST_LOSS.key, vl),
                ("test_loss_sd", vl_sd),
            ];
            if self.settings.validation > 0 {
                let (a, sd) = mean_sd(&pick(|m| m.val_acc.unwrap_or(f64::NAN)));
                row.extend([(metric::VAL_ACC.key, a), ("val_acc_sd", sd)]);
            }
            series.push(*step, &row);
        }
        series
    }

    /// The latest test accuracies of members `of` group `g`.
    pub fn test_accs(&self, g: usize, of: &[usize]) -> Vec<f64> {
        self.latest()
            .map(|l| of.iter().map(|&k| l[g][k].test_acc).collect())
            .unwrap_or_default()
    }

    /// The latest validation accuracies of members `of` group `g` (empty without validation
    /// examples).
    pub fn val_accs(&self, g: usize, of: &[usize]) -> Vec<f64> {
        self.latest()
            .map(|l| of.iter().filter_map(|&k| l[g][k].val_acc).collect())
            .unwrap_or_default()
    }

    /// The latest evaluation of members `of` group `g`, summarised: `test_acc`, `test_error`,
    /// `train_acc`, `test_loss` (means), their spreads (`_sd`), `loss_increase` where measured,
    /// and `test_acc_by_seed`.
    pub fn summary(&self, g: usize, of: &[usize]) -> Map<String, Value> {
        let mut s = Map::new();
        let Some(latest) = self.latest() else {
            return s;
        };
        let ms: Vec<&Measure> = of.iter().map(|&k| &latest[g][k]).collect();
        let accs: Vec<f64> = ms.iter().map(|m| m.test_acc).collect();
        let (test, test_sd) = mean_sd(&accs);
        let (train, train_sd) = mean_sd(&ms.iter().map(|m| m.train_acc).collect::<Vec<_>>());
        let (loss, _) = mean_sd(&ms.iter().map(|m| m.test_loss).collect::<Vec<_>>());
        let mut values = vec![
            (metric::TEST_ACC.key, test),
            ("test_acc_sd", test_sd),
            (metric::TEST_ERROR.key, 1.0 - test),
            (metric::TRAIN_ACC.key, train),
            ("train_acc_sd", train_sd),
            (metric::TEST_LOSS.key, loss),
        ];
        let vals: Vec<f64> = ms.iter().filter_map(|m| m.val_acc).collect();
        if !vals.is_empty() {
            let (val, val_sd) = mean_sd(&vals);
            values.extend([(metric::VAL_ACC.key, val), ("val_acc_sd", val_sd)]);
        }
        let increases: Vec<f64> = ms.iter().filter_map(|m| m.loss_increase).collect();
        if !increases.is_empty() {
            let (inc, inc_sd) = mean_sd(&increases);
            values.extend([
                (metric::LOSS_INCREASE.key, inc),
                ("loss_increase_sd", inc_sd),
            ]);
        }
        for (key, v) in values {
            s.insert(key.into(), json_number(v));
        }
        s.insert(
            metric::TEST_ACC_BY_SEED.key.into(),
            Value::from(accs.iter().map(|v| json_number(*v)).collect::<Vec<_>>()),
        );
        s
    }
}
