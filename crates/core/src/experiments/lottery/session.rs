//! Iterative magnitude pruning as one module (engine only): every arm of every seed trains
//! side by side, its pruned weights held at zero by its mask in the forward pass (their
//! gradients, and so Adam's updates, are exactly zero). At the end of each round a probe reads
//! back every model's accuracy and weights; the host prunes, draws the next masks and resets
//! the weights for the next round.

use burn::module::{Module, Param};
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Int, Tensor, TensorData, Transaction, activation};

use super::masks::{kept, prune_smallest, random_mask};
use super::{Arm, D_IN, LotterySpec};
use crate::data::mnist1d;
use crate::report::Report;
use crate::rng::Stream;
use crate::train::{
    BatchOrder, OptimizerKind, Probe, RunError, Session, build_optimizer, member_correct,
    member_cross_entropy, shared_targets,
};

mod report;

/// Every model's layers: `[models, fan_in, fan_out]` and `[models, 1, fan_out]`.
#[derive(Module, Debug)]
struct Net {
    weights: Vec<Param<Tensor<3>>>,
    biases: Vec<Param<Tensor<3>>>,
}

/// Logits of every model: ReLU between layers, each weight times its mask.
///
/// # Shapes
/// - x: `[models, n, D_IN]`, weights and masks as [`Net`]'s: `[models, n, CLASSES]`
fn forward(
    x: Tensor<3>,
    weights: &[Tensor<3>],
    biases: &[Tensor<3>],
    masks: &[Tensor<3>],
) -> Tensor<3> {
    let mut x = x;
    for (i, ((w, b), m)) in weights.iter().zip(biases).zip(masks).enumerate() {
        x = x.matmul(w.clone() * m.clone()) + b.clone();
        if i + 1 < weights.len() {
            x = activation::relu(x);
        }
    }
    x
}

/// A set of examples on the device.
struct Examples {
    x: Tensor<2>,
    labels: Tensor<1, Int>,
}

impl Examples {
    fn new(data: &mnist1d::Samples, device: &Device) -> Self {
        let n = data.len();
        let labels: Vec<i64> = data.y.iter().map(|&c| i64::from(c)).collect();
        Self {
            x: Tensor::from_data(TensorData::new(data.x.clone(), [n, D_IN]), device),
            labels: Tensor::from_data(TensorData::new(labels, [n]), device),
        }
    }
}

/// Host copies of every model's weights and biases, one vector per layer.
#[derive(Clone, Debug)]
struct Weights {
    w: Vec<Vec<f32>>,
    b: Vec<Vec<f32>>,
}

/// What the next absorbed probe holds.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Pending {
    /// The rewound arm's weights at the rewind step of the first round.
    Rewind,
    /// A round's end: accuracies, then weights.
    RoundEnd,
}

/// One round's results: the share of weights pruned, then per model (test accuracy, test
/// loss, training accuracy).
#[derive(Clone, Debug)]
pub(super) struct Round {
    pub sparsity: f64,
    pub models: Vec<(f64, f64, f64)>,
}

/// A lottery-ticket search in progress.
pub struct LotterySession {
    spec: LotterySpec,
    device: Device,
    net: Net,
    optim: ModuleOptimizer,
    /// Per layer: `[models, fan_in, fan_out]` 0/1 on the device, and on the host.
    masks: Vec<Tensor<3>>,
    host_masks: Vec<Vec<bool>>,
    start: Weights,
    rewind: Option<Weights>,
    train: Examples,
    test: Examples,
    orders: Vec<BatchOrder>,
    done: usize,
    pending: Option<Pending>,
    rounds: Vec<Round>,
}

impl LotterySession {
    pub fn new(spec: LotterySpec, device: &Device) -> Self {
        let device = device.clone().autodiff();
        let all = mnist1d::generate(spec.n_train + spec.n_test, spec.data_seed);
        let (train, test) = all.split_at(spec.n_train);
        let start = Self::initial(&spec, |seed| {
            Stream::new(spec.init_seed, &format!("lottery/init/{seed}"))
        });
        let host_masks: Vec<Vec<bool>> = start.w.iter().map(|w| vec![true; w.len()]).collect();
        let mut session = Self {
            net: Net {
                weights: Vec::new(),
                biases: Vec::new(),
            },
            optim: build_optimizer(OptimizerKind::Adam, 0.0, (0.9, 0.999)),
            masks: Vec::new(),
            host_masks,
            rewind: None,
            train: Examples::new(&train, &device),
            test: Examples::new(&test, &device),
            orders: Vec::new(),
            done: 0,
            pending: None,
            rounds: Vec::new(),
            device,
            start: start.clone(),
            spec,
        };
        session.begin_round(start);
        session
    }

    /// Every model's initial weights, uniform in ±1/√fan-in: each seed's arms from that seed's
    /// stream, the same start for all four.
    fn initial(spec: &LotterySpec, stream: impl Fn(usize) -> Stream) -> Weights {
        let layers = spec.layers();
        let mut w = vec![Vec::new(); layers.len()];
        let mut b = vec![Vec::new(); layers.len()];
        for seed in 0..spec.seeds {
            let mut rng = stream(seed);
            let mut one_w = Vec::new();
            let mut one_b = Vec::new();
            for &(fan_in, fan_out) in &layers {
                let bound = 1.0 / (fan_in as f64).sqrt();
                one_w.push(
                    (0..fan_in * fan_out)
                        .map(|_| rng.range(-bound, bound) as f32)
                        .collect::<Vec<_>>(),
                );
                one_b.push(
                    (0..fan_out)
                        .map(|_| rng.range(-bound, bound) as f32)
                        .collect::<Vec<_>>(),
                );
            }
            for _ in Arm::ALL {
                for l in 0..layers.len() {
                    w[l].extend_from_slice(&one_w[l]);
                    b[l].extend_from_slice(&one_b[l]);
                }
            }
        }
        Weights { w, b }
    }

    /// Uploads `weights` (already masked) and the masks, a fresh optimizer and each seed's
    /// minibatch order for the round (the same for every arm of a seed).
    fn begin_round(&mut self, weights: Weights) {
        let models = self.spec.models();
        let layers = self.spec.layers();
        let to3 = |v: Vec<f32>, shape: [usize; 3]| {
            Tensor::<3>::from_data(TensorData::new(v, shape), &self.device)
        };
        let mut ws = Vec::new();
        let mut bs = Vec::new();
        let mut masks = Vec::new();
        for (l, &(fan_in, fan_out)) in layers.iter().enumerate() {
            let shape = [models, fan_in, fan_out];
            ws.push(Param::from_tensor(to3(weights.w[l].clone(), shape)));
            bs.push(Param::from_tensor(to3(
                weights.b[l].clone(),
                [models, 1, fan_out],
            )));
            let mask = self.host_masks[l]
                .iter()
                .map(|&k| f32::from(u8::from(k)))
                .collect();
            masks.push(to3(mask, shape));
        }
        self.net = Net {
            weights: ws,
            biases: bs,
        };
        self.masks = masks;
        self.optim = build_optimizer(OptimizerKind::Adam, 0.0, (0.9, 0.999));
        let round = self.rounds.len();
        self.orders = (0..self.spec.seeds)
            .map(|s| {
                let rng = Stream::new(self.spec.data_seed, &format!("lottery/order/{s}/{round}"));
                BatchOrder::new(self.spec.n_train, self.spec.batch, rng)
            })
            .collect();
    }

    fn train_step(&mut self) {
        let models = self.spec.models();
        let arms = Arm::ALL.len();
        let batches: Vec<Vec<usize>> = self.orders.iter_mut().map(BatchOrder::next_batch).collect();
        let batch = batches[0].len();
        let idx: Vec<i64> = (0..models)
            .flat_map(|m| batches[m / arms].iter().map(|&i| i as i64))
            .collect();
        let idx = Tensor::<1, Int>::from_data(TensorData::new(idx, [models * batch]), &self.device);
        let x = self
            .train
            .x
            .clone()
            .select(0, idx.clone())
            .reshape([models, batch, D_IN]);
        let targets = self
            .train
            .labels
            .clone()
            .select(0, idx)
            .reshape([models, batch, 1]);
        let weights: Vec<Tensor<3>> = self.net.weights.iter().map(Param::val).collect();
        let biases: Vec<Tensor<3>> = self.net.biases.iter().map(Param::val).collect();
        let logits = forward(x, &weights, &biases, &self.masks);
        let loss = member_cross_entropy(logits, targets).sum();
        let grads = GradientsParams::from_grads(loss.backward(), &self.net);
        let net = self.net.clone();
        self.net = self.optim.step(self.spec.lr, net, grads);
    }

    /// Every model's accuracy on `set` (and its mean cross-entropy), `[models]` each.
    fn measure(&self, set: &Examples) -> (Tensor<1>, Tensor<1>) {
        let models = self.spec.models();
        let [n, _] = set.x.dims();
        let x = set
            .x
            .clone()
            .inner()
            .reshape([1, n, D_IN])
            .repeat_dim(0, models);
        let weights: Vec<Tensor<3>> = self.net.weights.iter().map(|p| p.val().inner()).collect();
        let biases: Vec<Tensor<3>> = self.net.biases.iter().map(|p| p.val().inner()).collect();
        let masks: Vec<Tensor<3>> = self.masks.iter().map(|m| m.clone().inner()).collect();
        let logits = forward(x, &weights, &biases, &masks);
        let labels = shared_targets(set.labels.clone().inner(), models);
        let loss = member_cross_entropy(logits.clone(), labels.clone());
        let accuracy = member_correct(logits, labels) / n as f64;
        (accuracy, loss)
    }

    /// Registers every layer's weights and biases (no autodiff).
    fn weights_read(&self, mut tx: Transaction) -> Transaction {
        for p in &self.net.weights {
            tx = tx.register(p.val().inner());
        }
        for p in &self.net.biases {
            tx = tx.register(p.val().inner());
        }
        tx
    }

    fn unpack(data: &[TensorData], layers: usize) -> Result<Weights, RunError> {
        if data.len() != 2 * layers {
            return Err(RunError::Readback(format!(
                "expected {} weight tensors, got {}",
                2 * layers,
                data.len()
            )));
        }
        let values = |d: &TensorData| d.iter::<f32>().collect::<Vec<f32>>();
        Ok(Weights {
            w: data[..layers].iter().map(values).collect(),
            b: data[layers..].iter().map(values).collect(),
        })
    }

    /// The share of all weights the ticket's masks prune now.
    fn sparsity(&self) -> f64 {
        let total: usize = self.host_masks.iter().map(Vec::len).sum();
        let on: usize = self.host_masks.iter().map(|m| kept(m)).sum();
        1.0 - on as f64 / total as f64
    }

    /// After a round: the next masks from the trained weights, and the weights each arm
    /// starts the next round from.
    fn next_round(&mut self, trained: &Weights) {
        let round = self.rounds.len();
        let layers = self.spec.layers();
        let rates = self.spec.rates();
        let arms = Arm::ALL.len();
        let fresh = Self::initial(&self.spec, |seed| {
            Stream::new(self.spec.init_seed, &format!("lottery/new/{seed}/{round}"))
        });
        let rewind = self.rewind.clone().unwrap_or_else(|| self.start.clone());
        let mut next = self.start.clone();
        for (l, &(fan_in, fan_out)) in layers.iter().enumerate() {
            let size = fan_in * fan_out;
            let slot = |m: usize| m * size..(m + 1) * size;
            for seed in 0..self.spec.seeds {
                let model = |arm: Arm| seed * arms + arm as usize;
                let ticket = model(Arm::Ticket);
                let pruned = prune_smallest(
                    &trained.w[l][slot(ticket)],
                    &self.host_masks[l][slot(ticket)],
                    rates[l],
                );
                let rewound = model(Arm::Rewound);
                let pruned_rewound = prune_smallest(
                    &trained.w[l][slot(rewound)],
                    &self.host_masks[l][slot(rewound)],
                    rates[l],
                );
                let mut rng = Stream::new(
                    self.spec.data_seed,
                    &format!("lottery/random/{seed}/{round}/{l}"),
                );
                let random = random_mask(size, kept(&pruned), &mut rng);
                for arm in Arm::ALL {
                    let m = model(arm);
                    let (mask, from) = match arm {
                        Arm::Ticket => (&pruned, &self.start),
                        Arm::RandomMask => (&random, &self.start),
                        Arm::NewWeights => (&pruned, &fresh),
                        Arm::Rewound => (&pruned_rewound, &rewind),
                    };
                    self.host_masks[l][slot(m)].copy_from_slice(mask);
                    for (k, i) in slot(m).enumerate() {
                        next.w[l][i] = if mask[k] { from.w[l][i] } else { 0.0 };
                    }
                    let bias = m * fan_out..(m + 1) * fan_out;
                    next.b[l][bias.clone()].copy_from_slice(&from.b[l][bias]);
                }
            }
        }
        self.begin_round(next);
    }
}

impl Session for LotterySession {
    fn total_steps(&self) -> usize {
        self.spec.rounds * self.spec.steps
    }

    fn steps_done(&self) -> usize {
        self.done
    }

    fn is_finished(&self) -> bool {
        self.done >= self.total_steps() && self.pending.is_none()
    }

    fn advance(&mut self, max_steps: usize) -> Result<Option<Probe>, RunError> {
        if self.pending.is_some() {
            return Err(RunError::Readback("the last probe was not absorbed".into()));
        }
        for _ in 0..max_steps {
            if self.done >= self.total_steps() {
                break;
            }
            if self.done == self.spec.rewind_step && self.rewind.is_none() {
                self.pending = Some(Pending::Rewind);
                return Ok(Some(Probe {
                    step: self.done,
                    transaction: self.weights_read(Transaction::default()),
                }));
            }
            self.train_step();
            self.done += 1;
            if self.done.is_multiple_of(self.spec.steps) {
                let (test_acc, test_loss) = self.measure(&self.test);
                let (train_acc, _) = self.measure(&self.train);
                let tx = Transaction::default()
                    .register(test_acc)
                    .register(test_loss)
                    .register(train_acc);
                self.pending = Some(Pending::RoundEnd);
                return Ok(Some(Probe {
                    step: self.done,
                    transaction: self.weights_read(tx),
                }));
            }
        }
        Ok(None)
    }

    fn absorb(&mut self, data: Vec<TensorData>) -> Result<(), RunError> {
        let layers = self.spec.layers().len();
        match self.pending.take() {
            None => Err(RunError::Readback("no probe is pending".into())),
            Some(Pending::Rewind) => {
                let at = Self::unpack(&data, layers)?;
                self.rewind = Some(at);
                Ok(())
            }
            Some(Pending::RoundEnd) => {
                let models = self.spec.models();
                if data.len() < 3 {
                    return Err(RunError::Readback(
                        "a round's end lacks its accuracies".into(),
                    ));
                }
                let read = |d: &TensorData| d.iter::<f64>().collect::<Vec<f64>>();
                let (test_acc, test_loss, train_acc) =
                    (read(&data[0]), read(&data[1]), read(&data[2]));
                if [&test_acc, &test_loss, &train_acc]
                    .iter()
                    .any(|v| v.len() != models)
                {
                    return Err(RunError::Readback(format!(
                        "expected {models} models' results"
                    )));
                }
                RunError::unless_finite(self.done, "test loss", test_loss.iter().sum())?;
                let trained = Self::unpack(&data[3..], layers)?;
                self.rounds.push(Round {
                    sparsity: self.sparsity(),
                    models: (0..models)
                        .map(|m| (test_acc[m], test_loss[m], train_acc[m]))
                        .collect(),
                });
                if self.rounds.len() < self.spec.rounds {
                    self.next_round(&trained);
                }
                Ok(())
            }
        }
    }

    fn report(&self) -> Report {
        report::report(&self.spec, &self.rounds)
    }
}

#[cfg(test)]
mod tests;
