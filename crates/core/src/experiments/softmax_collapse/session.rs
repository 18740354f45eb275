//! Training every run of a softmax-collapse spec as one module (engine only): the same
//! network and start for every run, full-batch AdamW, each run its own normaliser, weight
//! decay and (⊥AdamW) gradient projection. Every evaluation reads back the training logits
//! and counts on the host the equations whose probabilities are exactly one-hot at each
//! precision.

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Int, Tensor, TensorData, Transaction, activation};
use serde_json::{Map, Value};

use super::{INFO, Normaliser, PRECISIONS, RunPlan, SoftmaxCollapseSpec, collapsed, metric};
use crate::data::modular::{self, Op};
use crate::report::mean_sd;
use crate::report::{Report, RunReport, Verdict, json_number};
use crate::rng::Stream;
use crate::series::Series;
use crate::terms::{Unit, format_value};
use crate::train::{Member, OptimizerKind, RunError, Schedule, StackUpdate, Stepper};

/// one-hot(a) ⊕ one-hot(b) → width → width → p, ReLU, no biases; a leading member axis.
#[derive(Module, Debug)]
struct Mlp {
    /// `[members, 2p, width]`: rows `0..p` read a, rows `p..2p` read b.
    input: Param<Tensor<3>>,
    hidden: Param<Tensor<3>>,
    output: Param<Tensor<3>>,
}

impl Mlp {
    fn new(p: usize, width: usize, inits: &mut [Stream], device: &Device) -> Self {
        let members = inits.len();
        let layers = [
            (2 * p, width, 2 * p),
            (width, width, width),
            (width, p, width),
        ];
        let mut values = [Vec::new(), Vec::new(), Vec::new()];
        for rng in inits.iter_mut() {
            for (l, &(rows, cols, fan_in)) in layers.iter().enumerate() {
                let bound = 1.0 / (fan_in as f64).sqrt();
                values[l].extend((0..rows * cols).map(|_| rng.range(-bound, bound) as f32));
            }
        }
        let [a, b, c] = values;
        let param = |v: Vec<f32>, (rows, cols, _): (usize, usize, usize)| {
            Param::from_tensor(Tensor::from_data(
                TensorData::new(v, [members, rows, cols]),
                device,
            ))
        };
        Self {
            input: param(a, layers[0]),
            hidden: param(b, layers[1]),
            output: param(c, layers[2]),
        }
    }

    fn forward(&self, a: Tensor<1, Int>, b: Tensor<1, Int>) -> Tensor<3> {
        let p = self.output.dims()[2];
        let table = self.input.val();
        let pre = table.clone().select(1, a) + table.select(1, b.add_scalar(p as i64));
        let h = activation::relu(activation::relu(pre).matmul(self.hidden.val()));
        h.matmul(self.output.val())
    }

    fn members(&self) -> usize {
        self.input.dims()[0]
    }

    fn weight_norms(&self) -> Tensor<1> {
        let m = self.members();
        let sq = |t: Tensor<3>| {
            t.powi_scalar(2)
                .reshape([m as i32, -1])
                .sum_dim(1)
                .reshape([m])
        };
        (sq(self.input.val().detach())
            + sq(self.hidden.val().detach())
            + sq(self.output.val().detach()))
        .sqrt()
    }
}

/// Each member's log-probabilities: the softmax's, or StableMax's where `stable` is 1
/// (`[members, 1, 1]`).
fn log_probs(logits: Tensor<3>, stable: &Tensor<3>) -> Tensor<3> {
    let soft = activation::log_softmax(logits.clone(), 2);
    let positive = logits.clone().greater_equal_elem(0.0).float();
    let s = positive.clone() * (logits.clone().clamp_min(0.0) + 1.0)
        + (positive.neg() + 1.0) / (logits.clamp_max(0.0).neg() + 1.0);
    let total = s.clone().sum_dim(2);
    let stable_lp = s.log() - total.log();
    soft * (stable.clone().neg() + 1.0) + stable_lp * stable.clone()
}

/// ⊥Grad (Prieto et al.): for members whose `mask` is 1, each gradient loses its component
/// along its weights and is rescaled to its own norm.
struct Orthogonal<'a> {
    grads: &'a mut GradientsParams,
    mask: Tensor<2>,
    members: usize,
}

impl ModuleVisitor for Orthogonal<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let Some(g) = self.grads.remove::<D>(param.id) else {
            return;
        };
        let shape = g.shape();
        let m = self.members as i32;
        let w = param.val().inner().reshape([m, -1]);
        let flat = g.reshape([m, -1]);
        let dot = (w.clone() * flat.clone()).sum_dim(1);
        let ww = w.clone().powi_scalar(2).sum_dim(1).clamp_min(1e-30);
        let projected = flat.clone() - w * (dot / ww);
        let norm = flat.clone().powi_scalar(2).sum_dim(1).sqrt();
        let left = projected
            .clone()
            .powi_scalar(2)
            .sum_dim(1)
            .sqrt()
            .clamp_min(1e-30);
        let projected = projected * (norm / left);
        let out = flat * (self.mask.clone().neg() + 1.0) + projected * self.mask.clone();
        self.grads.register::<D>(param.id, out.reshape(shape));
    }
}

/// A softmax-collapse run in progress.
pub struct SoftmaxCollapseSession {
    spec: SoftmaxCollapseSpec,
    runs: Vec<RunPlan>,
    net: Mlp,
    optim: ModuleOptimizer,
    update: StackUpdate,
    /// Every equation, training first: operands, answers `[members, n, 1]`.
    a: Tensor<1, Int>,
    b: Tensor<1, Int>,
    answers: Tensor<3, Int>,
    n_train: usize,
    /// `[members, 1, 1]`: 1 for StableMax members; `[members, 1]`: 1 for ⊥ members.
    stable: Tensor<3>,
    orthogonal: Option<Tensor<2>>,
    schedule: Schedule,
    series: Vec<Series>,
}

impl SoftmaxCollapseSession {
    pub fn new(spec: SoftmaxCollapseSpec, device: &Device) -> Self {
        let device = device.clone().autodiff();
        let inner = device.clone().inner();
        let p = spec.p as usize;
        let runs = spec.runs();
        let seeds = spec.seeds;
        let members = runs.len() * seeds;
        let mut rng = Stream::new(spec.data_seed, "softmax-collapse/split");
        let (train, test) = modular::split(
            modular::all_equations(Op::Add, spec.p),
            spec.train_fraction,
            0.0,
            spec.p,
            &mut rng,
        );
        let all: Vec<_> = train.iter().chain(&test).collect();
        let n = all.len();
        let ints = |v: Vec<i64>, d: &Device| {
            let len = v.len();
            Tensor::<1, Int>::from_data(TensorData::new(v, [len]), d)
        };
        let a = ints(all.iter().map(|e| i64::from(e.x)).collect(), &device);
        let b = ints(all.iter().map(|e| i64::from(e.y)).collect(), &device);
        let z: Vec<i64> = (0..members)
            .flat_map(|_| all.iter().map(|e| i64::from(e.z)))
            .collect();
        let answers = Tensor::<3, Int>::from_data(TensorData::new(z, [members, n, 1]), &device);
        let mut inits: Vec<Stream> = (0..members)
            .map(|m| {
                let k = (m % seeds) as u64;
                Stream::new(spec.init_seed.wrapping_add(k), "softmax-collapse/init")
            })
            .collect();
        let net = Mlp::new(p, spec.width, &mut inits, &device);
        let each = |f: &dyn Fn(&RunPlan) -> bool| -> Vec<f32> {
            (0..members)
                .map(|m| if f(&runs[m / seeds]) { 1.0 } else { 0.0 })
                .collect()
        };
        let stable = Tensor::<3>::from_data(
            TensorData::new(
                each(&|r| r.normaliser == Normaliser::StableMax),
                [members, 1, 1],
            ),
            &device,
        );
        let orthogonal = runs.iter().any(|r| r.orthogonal).then(|| {
            Tensor::<2>::from_data(
                TensorData::new(each(&|r| r.orthogonal), [members, 1]),
                &inner,
            )
        });
        let stack: Vec<Member> = (0..members)
            .map(|m| Member {
                filter: None,
                weight_decay: runs[m / seeds].weight_decay,
            })
            .collect();
        let (update, optim) = StackUpdate::new(OptimizerKind::Adamw, (0.9, 0.999), &stack, &device);
        Self {
            n_train: train.len(),
            schedule: Schedule::log_spaced(spec.steps, spec.eval_every),
            series: vec![Series::default(); members],
            runs,
            net,
            optim,
            update,
            a,
            b,
            answers,
            stable,
            orthogonal,
            spec,
        }
    }
}

impl Stepper for SoftmaxCollapseSession {
    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn schedule_mut(&mut self) -> &mut Schedule {
        &mut self.schedule
    }

    fn train_step(&mut self) {
        let n = self.n_train;
        let members = self.net.members();
        let a = self.a.clone().narrow(0, 0, n);
        let b = self.b.clone().narrow(0, 0, n);
        let answers = self.answers.clone().slice([0..members, 0..n, 0..1]);
        let lp = log_probs(self.net.forward(a, b), &self.stable);
        // Each member's mean cross-entropy, summed.
        let loss = lp.gather(2, answers).sum().neg() / n as f64;
        let mut grads = GradientsParams::from_grads(loss.backward(), &self.net);
        if let Some(mask) = &self.orthogonal {
            self.net.visit(&mut Orthogonal {
                grads: &mut grads,
                mask: mask.clone(),
                members,
            });
        }
        let net = self.net.clone();
        self.net = self.update.step(&mut self.optim, self.spec.lr, net, grads);
    }

    fn evaluate(&mut self) -> Transaction {
        let net = self.net.valid();
        let members = net.members();
        let n_all = self.a.dims()[0];
        let n = self.n_train;
        let p = self.spec.p as usize;
        let logits = net.forward(self.a.clone().inner(), self.b.clone().inner());
        let answers = self.answers.clone().inner();
        let correct = logits
            .clone()
            .argmax(2)
            .equal(answers.clone())
            .float()
            .reshape([members, n_all]);
        let nll = log_probs(logits.clone(), &self.stable.clone().inner())
            .gather(2, answers)
            .neg()
            .reshape([members, n_all]);
        let split = |t: Tensor<2>| {
            let train = t
                .clone()
                .slice([0..members, 0..n])
                .mean_dim(1)
                .reshape([members]);
            let test = t
                .slice([0..members, n..n_all])
                .mean_dim(1)
                .reshape([members]);
            (train, test)
        };
        let (train_acc, test_acc) = split(correct);
        let (train_loss, test_loss) = split(nll);
        Transaction::default()
            .register(train_acc)
            .register(test_acc)
            .register(train_loss)
            .register(test_loss)
            .register(net.weight_norms())
            .register(logits.slice([0..members, 0..n, 0..p]))
    }

    fn record(&mut self, step: usize, data: Vec<TensorData>) -> Result<(), RunError> {
        let members = self.net.members();
        let (n, p) = (self.n_train, self.spec.p as usize);
        let values: Vec<Vec<f64>> = data.iter().map(|d| d.iter::<f64>().collect()).collect();
        let sizes_match = values.len() == 6
            && values[..5].iter().all(|v| v.len() == members)
            && values[5].len() == members * n * p;
        if !sizes_match {
            return Err(RunError::Readback(format!(
                "expected 5 tensors of {members} values and the {members}×{n}×{p} logits"
            )));
        }
        let seeds = self.spec.seeds;
        for (m, series) in self.series.iter_mut().enumerate() {
            RunError::unless_finite(step, "training loss", values[2][m])?;
            let normaliser = self.runs[m / seeds].normaliser;
            let rows = &values[5][m * n * p..(m + 1) * n * p];
            let share = |u: f64| {
                rows.chunks(p)
                    .filter(|row| collapsed(row, u, normaliser))
                    .count() as f64
                    / n as f64
            };
            let [f16, f32, f64] = PRECISIONS.map(|(_, u)| share(u));
            let mut gaps: Vec<f64> = rows.chunks(p).map(lead).collect();
            gaps.sort_by(f64::total_cmp);
            let gap = gaps.get(gaps.len() / 2).copied().unwrap_or(f64::NAN);
            series.push(
                step,
                &[
                    (metric::TRAIN_ACC.key, values[0][m]),
                    (metric::TEST_ACC.key, values[1][m]),
                    (metric::TRAIN_LOSS.key, values[2][m]),
                    (metric::TEST_LOSS.key, values[3][m]),
                    (metric::WEIGHT_NORM.key, values[4][m]),
                    (metric::ONE_HOT_F16.key, f16),
                    (metric::ONE_HOT_F32.key, f32),
                    (metric::ONE_HOT_F64.key, f64),
                    (metric::LOGIT_GAP.key, gap),
                ],
            );
        }
        Ok(())
    }

    fn report(&self) -> Report {
        let seeds = self.spec.seeds;
        let runs = self
            .runs
            .iter()
            .enumerate()
            .map(|(r, run)| {
                let mean = mean_series(&self.series[r * seeds..(r + 1) * seeds]);
                RunReport::new(run.label, &mean, summarise(run, &mean))
            })
            .collect();
        Report::new(INFO.id, &self.spec, metric::STEP.key, runs)
    }
}

/// The largest logit's lead over the second largest.
fn lead(row: &[f64]) -> f64 {
    let (mut first, mut second) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for &z in row {
        if z > first {
            second = first;
            first = z;
        } else if z > second {
            second = z;
        }
    }
    first - second
}

const CURVES: [crate::terms::Metric; 9] = [
    metric::TRAIN_ACC,
    metric::TEST_ACC,
    metric::TRAIN_LOSS,
    metric::TEST_LOSS,
    metric::WEIGHT_NORM,
    metric::ONE_HOT_F16,
    metric::ONE_HOT_F32,
    metric::ONE_HOT_F64,
    metric::LOGIT_GAP,
];

/// The seeds' mean curves (and spread where there are several).
fn mean_series(members: &[Series]) -> Series {
    let mut out = Series::default();
    for (i, &step) in members[0].step.iter().enumerate() {
        let mut pairs: Vec<(String, f64)> = Vec::new();
        for c in CURVES {
            let values: Vec<f64> = members
                .iter()
                .filter_map(|s| s.get(c.key).and_then(|v| v.get(i)).copied())
                .collect();
            let (mean, sd) = mean_sd(&values);
            pairs.push((c.key.to_string(), mean));
            if members.len() > 1 {
                pairs.push((c.sd(), sd));
            }
        }
        let borrowed: Vec<(&str, f64)> = pairs.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        out.push(step, &borrowed);
    }
    out
}

fn summarise(run: &RunPlan, s: &Series) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        metric::WEIGHT_DECAY.key.into(),
        json_number(run.weight_decay),
    );
    let Some(test) = s.last(metric::TEST_ACC.key) else {
        return m;
    };
    let last = |k: crate::terms::Metric| s.last(k.key).unwrap_or(f64::NAN);
    for k in CURVES {
        m.insert(k.at_end(), json_number(last(k)));
    }
    let generalised = s.first_step_reaching(metric::TEST_ACC.key, 0.95);
    if let Some(step) = generalised {
        m.insert(metric::GENERALISED_AT.key.into(), Value::from(step));
    }
    let pct = |x: f64| format_value(x, Unit::Percent);
    let one_hot = last(metric::ONE_HOT_F32);
    let (verdict, why) = match generalised {
        Some(step) => (
            format!(
                "generalised by step {}",
                format_value(step as f64, Unit::Count)
            ),
            format!(
                "Test accuracy reached 95% at step {}; {} of its training equations end exactly \
                 one-hot in float32.",
                format_value(step as f64, Unit::Count),
                pct(one_hot)
            ),
        ),
        None => (
            format!("stalled at {} test accuracy", pct(test)),
            format!(
                "It fits {} of its training equations and gets {} of the test right. Its \
                 logits lead by {} (median): {} of its training equations are exactly one-hot \
                 in float32, {} would be in float16.",
                pct(last(metric::TRAIN_ACC)),
                pct(test),
                format_value(last(metric::LOGIT_GAP), Unit::Number),
                pct(one_hot),
                pct(last(metric::ONE_HOT_F16))
            ),
        ),
    };
    Verdict::write(verdict, why, &mut m);
    m
}
