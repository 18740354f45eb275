//! Training every run and seed of a grokking-images spec as one module (engine only): each
//! member its own start scale, weight decay and filter, minibatches shared by the runs of a
//! seed; members whose norm is held are rescaled to their start's norm after every step.

use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Int, Tensor, TensorData, Transaction};
use serde_json::{Map, Value};

use super::page::GENERALISED;
use super::{Compare, GrokkingImagesSpec, INFO, RunPlan, metric};
use crate::data::pool::{CLASSES, Pool};
use crate::models::mlp_stack::{MlpStack, MlpStackConfig, Pass};
use crate::report::mean_sd;
use crate::report::{Report, RunReport, Verdict, json_number};
use crate::rng::Stream;
use crate::series::Series;
use crate::spec::SpecError;
use crate::terms::{Metric, Unit, format_value};
use crate::train::{
    BatchOrder, Member, OptimizerKind, RunError, Schedule, StackUpdate, Stepper,
    member_norms_squared, scale_members,
};

/// A set of examples on the device: inputs, one-hot targets and labels.
struct Examples {
    x: Tensor<2>,
    one_hot: Tensor<2>,
    labels: Tensor<1, Int>,
}

impl Examples {
    fn new(pool: &Pool, rows: &[usize], device: &Device) -> Self {
        let n = rows.len();
        let x: Vec<f32> = rows.iter().flat_map(|&i| pool.row(i).to_vec()).collect();
        let mut one_hot = vec![0f32; n * CLASSES];
        for (k, &i) in rows.iter().enumerate() {
            one_hot[k * CLASSES + pool.label(i) as usize] = 1.0;
        }
        let labels: Vec<i64> = rows.iter().map(|&i| i64::from(pool.label(i))).collect();
        Self {
            x: Tensor::from_data(TensorData::new(x, [n, pool.dim()]), device),
            one_hot: Tensor::from_data(TensorData::new(one_hot, [n, CLASSES]), device),
            labels: Tensor::from_data(TensorData::new(labels, [n]), device),
        }
    }
}

/// Each member's mean squared error (over examples and classes) and accuracy, `[members]`
/// each, on `set` (every member reads the whole set).
fn measure(model: &MlpStack, set: &Examples) -> (Tensor<1>, Tensor<1>) {
    let members = model.models();
    let [n, dim] = set.x.dims();
    let x = set.x.clone().reshape([1, n, dim]).repeat_dim(0, members);
    let out = model.forward(x, Pass::Eval, None);
    let target = set.one_hot.clone().reshape([1, n, CLASSES]);
    let loss = (out.clone() - target)
        .powi_scalar(2)
        .reshape([members, n * CLASSES])
        .mean_dim(1)
        .reshape([members]);
    let labels = set.labels.clone().reshape([1, n, 1]).repeat_dim(0, members);
    let acc = out
        .argmax(2)
        .equal(labels)
        .float()
        .reshape([members, n])
        .mean_dim(1)
        .reshape([members]);
    (loss, acc)
}

/// A grokking-images run in progress.
pub struct GrokkingImagesSession {
    spec: GrokkingImagesSpec,
    runs: Vec<RunPlan>,
    device: Device,
    model: MlpStack,
    optim: ModuleOptimizer,
    update: StackUpdate,
    /// One order per seed: the runs of a seed see the same minibatches.
    orders: Vec<BatchOrder>,
    train: Examples,
    test: Examples,
    /// For held norms: each member's start norm, and 1 where it is held (`[members]`).
    held: Option<(Tensor<1>, Tensor<1>)>,
    schedule: Schedule,
    series: Vec<Series>,
}

impl GrokkingImagesSession {
    pub fn new(spec: GrokkingImagesSpec, device: &Device) -> Result<Self, SpecError> {
        let device = device.clone().autodiff();
        let inner = device.clone().inner();
        let pool = Pool::new(spec.dataset.dataset(), spec.data_seed, None)?;
        pool.check("n_train", spec.n_train)?;
        let (train_rows, test_rows) = pool.split(spec.n_train, spec.data_seed);
        let runs = spec.runs();
        let seeds = spec.seeds;
        let members = runs.len() * seeds;
        // Every run's k-th network starts from the same draw, scaled by its α.
        let mut inits: Vec<Stream> = (0..members)
            .map(|m| {
                let k = (m % seeds) as u64;
                Stream::new(spec.init_seed.wrapping_add(k), "grokking-images/init")
            })
            .collect();
        let model = MlpStackConfig::new(pool.dim(), spec.width, spec.depth, CLASSES)
            .init(&mut inits, &device);
        let scales: Vec<f32> = (0..members).map(|m| runs[m / seeds].scale as f32).collect();
        let model = scale_members(
            model,
            Tensor::from_data(TensorData::new(scales, [members]), &inner),
        );
        let held = runs.iter().any(|r| r.fixed_norm).then(|| {
            let start = member_norms_squared(&model, members)
                .map(|t| t.sqrt())
                .unwrap_or_else(|| Tensor::ones([members], &inner));
            let mask: Vec<f32> = (0..members)
                .map(|m| if runs[m / seeds].fixed_norm { 1.0 } else { 0.0 })
                .collect();
            (
                start,
                Tensor::from_data(TensorData::new(mask, [members]), &inner),
            )
        });
        let stack: Vec<Member> = (0..members)
            .map(|m| Member {
                filter: runs[m / seeds].filter,
                weight_decay: runs[m / seeds].weight_decay,
            })
            .collect();
        let (update, optim) = StackUpdate::new(OptimizerKind::Adamw, (0.9, 0.999), &stack, &device);
        let orders = (0..seeds as u64)
            .map(|k| {
                BatchOrder::new(
                    spec.n_train,
                    spec.batch.min(spec.n_train),
                    Stream::new(spec.order_seed.wrapping_add(k), "grokking-images/order"),
                )
            })
            .collect();
        Ok(Self {
            train: Examples::new(&pool, &train_rows, &device),
            test: Examples::new(&pool, &test_rows, &inner),
            schedule: Schedule::log_spaced(spec.steps, spec.eval_every),
            series: vec![Series::default(); members],
            runs,
            device,
            model,
            optim,
            update,
            orders,
            held,
            spec,
        })
    }

    fn members(&self) -> usize {
        self.runs.len() * self.spec.seeds
    }
}

impl Stepper for GrokkingImagesSession {
    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn schedule_mut(&mut self) -> &mut Schedule {
        &mut self.schedule
    }

    fn train_step(&mut self) {
        let members = self.members();
        let seeds = self.spec.seeds;
        let batches: Vec<Vec<usize>> = self.orders.iter_mut().map(BatchOrder::next_batch).collect();
        let batch = batches[0].len();
        let idx: Vec<i64> = (0..members)
            .flat_map(|m| batches[m % seeds].iter().map(|&i| i as i64))
            .collect();
        let idx =
            Tensor::<1, Int>::from_data(TensorData::new(idx, [members * batch]), &self.device);
        let dim = self.train.x.dims()[1];
        let x = self
            .train
            .x
            .clone()
            .select(0, idx.clone())
            .reshape([members, batch, dim]);
        let target = self
            .train
            .one_hot
            .clone()
            .select(0, idx)
            .reshape([members, batch, CLASSES]);
        let out = self.model.forward(x, Pass::Train, None);
        // Each member's mean squared error, summed: each gets the gradient of its own.
        let loss = (out - target).powi_scalar(2).sum() / (batch * CLASSES) as f64;
        let grads = GradientsParams::from_grads(loss.backward(), &self.model);
        let model = self.model.clone();
        let mut model = self
            .update
            .step(&mut self.optim, self.spec.lr, model, grads);
        if let Some((start, mask)) = &self.held
            && let Some(squares) = member_norms_squared(&model, members)
        {
            // Held members back to their start's norm; the others times 1.
            let ratio = start.clone() / squares.sqrt().clamp_min(1e-30);
            let factors = (ratio - 1.0) * mask.clone() + 1.0;
            model = scale_members(model, factors);
        }
        self.model = model;
    }

    fn evaluate(&mut self) -> Transaction {
        let model = self.model.valid();
        let members = self.members();
        let train = Examples {
            x: self.train.x.clone().inner(),
            one_hot: self.train.one_hot.clone().inner(),
            labels: self.train.labels.clone().inner(),
        };
        let (train_loss, train_acc) = measure(&model, &train);
        let (test_loss, test_acc) = measure(&model, &self.test);
        let norms = member_norms_squared(&model, members)
            .map(|t| t.sqrt())
            .unwrap_or_else(|| Tensor::zeros([members], &self.device.clone().inner()));
        Transaction::default()
            .register(train_loss)
            .register(train_acc)
            .register(test_loss)
            .register(test_acc)
            .register(norms)
    }

    fn record(&mut self, step: usize, data: Vec<TensorData>) -> Result<(), RunError> {
        let members = self.members();
        let values: Vec<Vec<f64>> = data.iter().map(|d| d.iter::<f64>().collect()).collect();
        if values.len() != 5 || values.iter().any(|v| v.len() != members) {
            return Err(RunError::Readback(format!(
                "expected 5 tensors of {members} values"
            )));
        }
        for (m, series) in self.series.iter_mut().enumerate() {
            RunError::unless_finite(step, "training loss", values[0][m])?;
            series.push(
                step,
                &[
                    (metric::TRAIN_LOSS.key, values[0][m]),
                    (metric::TRAIN_ACC.key, values[1][m]),
                    (metric::TEST_LOSS.key, values[2][m]),
                    (metric::TEST_ACC.key, values[3][m]),
                    (metric::WEIGHT_NORM.key, values[4][m]),
                ],
            );
        }
        Ok(())
    }

    fn report(&self) -> Report {
        let seeds = self.spec.seeds;
        let mut runs: Vec<RunReport> = self
            .runs
            .iter()
            .enumerate()
            .map(|(r, run)| {
                let mine = &self.series[r * seeds..(r + 1) * seeds];
                let mean = mean_series(mine);
                RunReport::new(&run.label, &mean, summarise(run, &mean, self.spec.steps))
            })
            .collect();
        if self.spec.compare == Compare::Norms {
            runs.push(by_norm(&self.runs, &runs));
        }
        Report::new(INFO.id, &self.spec, metric::STEP.key, runs)
    }
}

/// The seeds' mean curves, with their spread where there are several.
fn mean_series(members: &[Series]) -> Series {
    let keys = [
        metric::TRAIN_LOSS,
        metric::TRAIN_ACC,
        metric::TEST_LOSS,
        metric::TEST_ACC,
        metric::WEIGHT_NORM,
    ];
    let mut out = Series::default();
    for (i, &step) in members[0].step.iter().enumerate() {
        let mut pairs: Vec<(String, f64)> = Vec::new();
        for key in keys {
            let values: Vec<f64> = members
                .iter()
                .filter_map(|s| s.get(key.key).and_then(|v| v.get(i)).copied())
                .collect();
            let (m, sd) = mean_sd(&values);
            pairs.push((key.key.to_string(), m));
            if members.len() > 1 {
                pairs.push((key.sd(), sd));
            }
        }
        let borrowed: Vec<(&str, f64)> = pairs.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        out.push(step, &borrowed);
    }
    out
}

/// A run's summary: its start, its final accuracies and norm, where it memorised and where
/// it generalised, in words.
fn summarise(run: &RunPlan, s: &Series, steps: usize) -> Map<String, Value> {
    let mut m = Map::new();
    let scale_key = if run.fixed_norm {
        metric::NORM_SCALE
    } else {
        metric::INIT_SCALE
    };
    m.insert(scale_key.key.into(), json_number(run.scale));
    m.insert(
        metric::WEIGHT_DECAY.key.into(),
        json_number(run.weight_decay),
    );
    let last = |k: Metric| s.last(k.key).unwrap_or(f64::NAN);
    if s.step.is_empty() {
        return m;
    }
    for k in [
        metric::TRAIN_ACC,
        metric::TEST_ACC,
        metric::TRAIN_LOSS,
        metric::TEST_LOSS,
        metric::WEIGHT_NORM,
    ] {
        m.insert(k.at_end(), json_number(last(k)));
    }
    let memorised = s.first_step_reaching(metric::TRAIN_ACC.key, 0.95);
    let generalised = s.first_step_reaching(metric::TEST_ACC.key, GENERALISED);
    if let Some(step) = memorised {
        m.insert(metric::MEMORISED_AT.key.into(), Value::from(step));
    }
    if let Some(step) = generalised {
        m.insert(metric::GENERALISED_AT.key.into(), Value::from(step));
    }
    let count = |x: usize| format_value(x as f64, Unit::Count);
    let pct = |x: f64| format_value(x, Unit::Percent);
    let (verdict, why) = match (memorised, generalised) {
        (Some(a), Some(b)) if b > a => (
            format!("generalised {} steps after it memorised", count(b - a)),
            format!(
                "It fitted 95% of its training digits by step {} and reached {} test accuracy \
                 only at step {}; its weight norm went from {} to {}.",
                count(a),
                pct(GENERALISED),
                count(b),
                format_value(
                    s.get(metric::WEIGHT_NORM.key)
                        .and_then(|v| v.first().copied())
                        .unwrap_or(f64::NAN),
                    Unit::Number
                ),
                format_value(last(metric::WEIGHT_NORM), Unit::Number)
            ),
        ),
        (_, Some(b)) => (
            "generalised without a wait".to_string(),
            format!(
                "Test accuracy reached {} by step {}, as soon as the training digits were fitted.",
                pct(GENERALISED),
                count(b)
            ),
        ),
        (_, None) => (
            format!(
                "not generalised in {} steps",
                count(steps.min(*s.step.last().unwrap_or(&0)))
            ),
            format!(
                "Training accuracy {}, test accuracy {} (short of {}); weight norm {}.",
                pct(last(metric::TRAIN_ACC)),
                pct(last(metric::TEST_ACC)),
                pct(GENERALISED),
                format_value(last(metric::WEIGHT_NORM), Unit::Number)
            ),
        ),
    };
    Verdict::write(verdict, why, &mut m);
    m
}

/// `compare=norms`: each held norm's latest losses and errors, against the norm.
fn by_norm(plans: &[RunPlan], runs: &[RunReport]) -> RunReport {
    let at_end = |r: &RunReport, k: Metric| {
        r.summary
            .get(&k.at_end())
            .and_then(Value::as_f64)
            .unwrap_or(f64::NAN)
    };
    let scales: Vec<f64> = plans.iter().map(|p| p.scale).collect();
    let train_loss: Vec<f64> = runs.iter().map(|r| at_end(r, metric::TRAIN_LOSS)).collect();
    let test_loss: Vec<f64> = runs.iter().map(|r| at_end(r, metric::TEST_LOSS)).collect();
    let train_error: Vec<f64> = runs
        .iter()
        .map(|r| 1.0 - at_end(r, metric::TRAIN_ACC))
        .collect();
    let test_error: Vec<f64> = runs
        .iter()
        .map(|r| 1.0 - at_end(r, metric::TEST_ACC))
        .collect();
    let mut summary = Map::new();
    let best = (0..scales.len())
        .filter(|&i| test_loss[i].is_finite())
        .min_by(|&a, &b| test_loss[a].total_cmp(&test_loss[b]));
    if let Some(i) = best {
        let n = |x: f64| format_value(x, Unit::Number);
        let pct = |x: f64| format_value(x, Unit::Percent);
        let last = scales.len() - 1;
        Verdict::write(
            format!("test loss lowest at ×{}", n(scales[i])),
            format!(
                "Held at ×{} the usual start's norm the network reaches its lowest test loss \
                 ({}, test error {}); at ×{} it fits {} of its training digits yet errs on {} \
                 of the test; at ×{}, {} and {}.",
                n(scales[i]),
                n(test_loss[i]),
                pct(test_error[i]),
                n(scales[last]),
                pct(1.0 - train_error[last]),
                pct(test_error[last]),
                n(scales[0]),
                pct(1.0 - train_error[0]),
                pct(test_error[0])
            ),
            &mut summary,
        );
    }
    RunReport::from_columns(
        "by norm",
        &[
            (metric::NORM_SCALE.key, scales),
            (metric::TRAIN_LOSS.key, train_loss),
            (metric::TEST_LOSS.key, test_loss),
            (metric::TRAIN_ERROR.key, train_error),
            (metric::TEST_ERROR_SHARE.key, test_error),
        ],
        summary,
    )
}
