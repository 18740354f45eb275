//! Training a `grokking` comparison (engine only).
//!
//! Each run trains `seeds` members (init and order seeds counted up from the spec's). Every
//! member of the session is part of one stacked network ([`EmbedMlp`] or [`Transformer`]): one
//! forward, backward and optimizer step trains them all, each member's filter and weight decay
//! applied member by member ([`StackUpdate`]). On the CPU the transformer's batches are split in
//! [`CPU_SHARDS`](super::CPU_SHARDS) halves whose gradients are summed, so two threads can share a step
//! ([`GrokkingSession::with_threads`]) and the result is the same with one thread or two. A run
//! with several seeds reports the mean of each metric with its spread (`<metric>_sd`) and the
//! median over seeds of its steps to 95% accuracy.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Int, Tensor, TensorData, Transaction};
use serde_json::{Map, Value};

use super::{
    Architecture, AttentionInit, Compare, GrokkingSpec, RunPlan, RunShape, SessionShape,
    ZeroOperand,
};
use crate::cost::Target;
use crate::data::modular::{self, Equation, Op};
use crate::models::embed_mlp::{EmbedMlp, EmbedMlpConfig};
use crate::models::transformer::{Transformer, TransformerShape};
use crate::report::{Report, RunReport, json_number};
use crate::rng::Stream;
use crate::terms::Unit;
use crate::train::{
    BatchOrder, Gallery, GalleryAxes, Member, RunError, Schedule, Series, StackUpdate, Stepper,
    join, map_on_threads, weighted_loss_and_correct,
};

mod report;
mod shards;
mod spectra;
mod tensors;
#[cfg(test)]
mod tests;

use crate::train::{member_correct, member_cross_entropy};
use shards::{transformer_gradients, transformer_logits};
use spectra::spectrogram_axes;
use tensors::{per_member, to_tensors};

/// The session's members, one stacked network, with its optimizer and per-member update.
struct Networks {
    model: Model,
    optim: ModuleOptimizer,
    update: StackUpdate,
}

// One per session: the size difference does not matter.
#[allow(clippy::large_enum_variant)]
enum Model {
    Mlp(EmbedMlp),
    Transformer(Transformer),
}

/// One seed of a run: its batch order and what it recorded.
struct Track {
    order: BatchOrder,
    series: Series,
    spectra: Spectra,
    /// The latest Fourier spectra of the transformer's output side, over the p answers: its
    /// unembedding's and its neuron-to-logit map's (empty for the embedding MLP).
    outputs: Vec<Vec<f64>>,
}

/// Share of the number embeddings' Fourier power at each frequency, at evaluations spread
/// evenly over the run so far (every `stride`-th; the stride doubles whenever the rows would
/// pass twice [`SPECTROGRAM_ROWS`]), and at the latest: bounded however long the run and
/// however often it evaluates.
#[derive(Default)]
struct Spectra {
    kept: Vec<(usize, Vec<f64>)>,
    latest: Option<(usize, Vec<f64>)>,
    stride: usize,
    seen: usize,
}

/// A run: its seeds, members `[first, first + seeds)` of the session.
struct Run {
    plan: RunPlan,
    label: String,
    weight_decay: f64,
    train_fraction: f64,
    /// Its training equations: the first `n_train` of the session's; the rest validate.
    n_train: usize,
    tracks: Vec<Track>,
}

/// The metrics a member records at every evaluation (the last two: the transformer's only).
const METRICS: [&str; 8] = [
    "train_loss",
    "train_acc",
    "val_loss",
    "val_acc",
    "weight_norm",
    "fourier_top5",
    "unembed_fourier_top5",
    "neuron_logit_fourier_top5",
];

/// How many of the strongest frequencies `fourier_top5` adds up.
const KEY_FREQUENCIES: usize = 5;

/// Evaluations drawn in a run's Fourier spectrogram.
const SPECTROGRAM_ROWS: usize = 24;

/// A `grokking` comparison in progress.
pub struct GrokkingSession {
    spec: GrokkingSpec,
    device: Device,
    networks: Networks,
    runs: Vec<Run>,
    /// Every equation, `[n, 4]` tokens and `[n]` answers, in the split's shuffled order: a
    /// run trains on the first `n_train` and validates on the rest (nested training sets).
    x_all: Tensor<2, Int>,
    y_all: Tensor<1, Int>,
    /// `[members, n]`: 1 on each member's training rows, where runs' training sets differ.
    train_mask: Option<Tensor<2>>,
    /// `[p, 2]`: the transformer's prefix `x, op` for every number x.
    prefixes: Tensor<2, Int>,
    parameters: usize,
    /// The operation's group's Fourier basis over the number tokens, `[2K, p]`
    /// ([`modular::fourier_basis`]), and K.
    basis: Tensor<2>,
    frequencies: usize,
    schedule: Schedule,
    /// Parts of a transformer batch ([`GrokkingSpec::step_threads`]: two on the CPU, else one).
    shards: usize,
    /// Threads one transformer step may use ([`GrokkingSession::with_threads`]).
    threads: usize,
}

/// Which equations each member trains on when runs train on different fractions of them
/// (`[members, equations]`, 1 for the first `n_train` of each run's members).
fn train_mask(runs: &[Run], n_all: usize, device: &Device) -> Tensor<2> {
    let mask: Vec<f32> = runs
        .iter()
        .flat_map(|run| {
            let row: Vec<f32> = (0..n_all)
                .map(|i| if i < run.n_train { 1.0 } else { 0.0 })
                .collect();
            std::iter::repeat_n(row, run.tracks.len()).flatten()
        })
        .collect();
    let members = mask.len() / n_all.max(1);
    Tensor::from_data(TensorData::new(mask, [members, n_all]), device)
}

impl Model {
    /// The spec's network, one member per stream of `inits`.
    fn new(spec: &GrokkingSpec, vocabulary: usize, inits: &mut [Stream], device: &Device) -> Model {
        match spec.model {
            Architecture::Mlp => Model::Mlp(
                EmbedMlpConfig::new(vocabulary, spec.d_model, spec.width).init(inits, device),
            ),
            Architecture::Transformer => {
                let shape = TransformerShape {
                    vocabulary,
                    seq_len: 4,
                    d_model: spec.d_model,
                    heads: spec.transformer.heads,
                    layers: spec.transformer.layers,
                    xavier_attention: spec.transformer.attention_init == AttentionInit::Xavier,
                };
                Model::Transformer(shape.init(inits, device))
            }
        }
    }
}

impl GrokkingSession {
    /// Trains the spec's runs, or only those at `runs` (indices into [`GrokkingSpec::runs`]).
    pub fn new(spec: GrokkingSpec, runs: Option<&[usize]>, device: &Device) -> Self {
        // The transformer's batch shards (two on the CPU): a rule of the spec's, so that
        // the CLI plans its threads by the same one.
        let target = if *device == Device::flex() {
            Target::Cpu
        } else {
            Target::Gpu
        };
        let shards = spec.step_threads(target);
        let device = device.clone().autodiff();
        let y_from = u32::from(spec.zero_operand == ZeroOperand::Drop);
        let equations = modular::equations(spec.op, spec.p, y_from);
        let mut split_rng = Stream::new(spec.data_seed, "grokking/split");
        let (train, val) = modular::split(
            equations,
            spec.train_fraction,
            spec.corruption,
            spec.p,
            &mut split_rng,
        );
        let shared_n = train.len();
        let ordered: Vec<Equation> = train.into_iter().chain(val).collect();
        let (x_all, y_all) = to_tensors(&ordered, spec.p, &device);
        let prefixes: Vec<i64> = (0..i64::from(spec.p))
            .flat_map(|x| [x, i64::from(spec.p)])
            .collect();
        let prefixes = Tensor::from_data(TensorData::new(prefixes, [spec.p as usize, 2]), &device);
        let vocabulary = modular::vocabulary(spec.p);
        // What to build: the description the cost model prices (runs, training sets, batches).
        let shape = spec.shape(runs);
        debug_assert_eq!(ordered.len(), shape.equations);
        debug_assert!(
            spec.compare == Compare::Fractions || shape.runs.iter().all(|r| r.n_train == shared_n)
        );
        let chosen: Vec<(&RunShape, Member)> = shape
            .runs
            .iter()
            .map(|run| {
                let member = Member {
                    filter: run.plan.filter,
                    weight_decay: run.plan.weight_decay,
                };
                (run, member)
            })
            .collect();
        let seeds = shape.seeds;
        // Run-major: run r's seed k is member r·seeds + k.
        let members: Vec<Member> = chosen
            .iter()
            .flat_map(|(_, m)| std::iter::repeat_n(*m, seeds))
            .collect();
        let betas = (0.9, spec.beta2);
        // Every run's seed k starts from the same weights and sees the same batches.
        let seed_of = |member: usize, base: u64| base.wrapping_add((member % seeds) as u64);
        let init = |member: usize| Stream::new(seed_of(member, spec.init_seed), "grokking/init");
        let mut inits: Vec<Stream> = (0..members.len()).map(init).collect();
        let model = Model::new(&spec, vocabulary, &mut inits, &device);
        let parameters = match &model {
            Model::Mlp(m) => m.parameters_per_member(),
            Model::Transformer(t) => t.parameters_per_member(),
        };
        let (update, optim) = StackUpdate::new(spec.optimizer, betas, &members, &device);
        let networks = Networks {
            model,
            optim,
            update,
        };
        let runs: Vec<Run> = chosen
            .iter()
            .enumerate()
            .map(|(r, (run, member))| Run {
                plan: run.plan.clone(),
                label: run.plan.label.clone(),
                weight_decay: member.weight_decay,
                train_fraction: run.plan.train_fraction,
                n_train: run.n_train,
                tracks: (0..seeds)
                    .map(|k| Track {
                        order: BatchOrder::new(
                            run.n_train,
                            run.batch,
                            Stream::new(seed_of(r * seeds + k, spec.order_seed), "grokking/order"),
                        ),
                        series: Series::default(),
                        spectra: Spectra::default(),
                        outputs: Vec::new(),
                    })
                    .collect(),
            })
            .collect();
        let train_mask =
            (spec.compare == Compare::Fractions).then(|| train_mask(&runs, ordered.len(), &device));
        let (frequencies, basis) = modular::fourier_basis(spec.op, spec.p);
        let basis = Tensor::from_data(
            TensorData::new(basis, [2 * frequencies, spec.p as usize]),
            &device,
        );
        Self {
            schedule: Schedule::new(spec.steps, spec.eval_every),
            parameters,
            basis,
            frequencies,
            spec,
            device,
            networks,
            runs,
            x_all,
            y_all,
            train_mask,
            prefixes,
            shards,
            threads: 1,
        }
    }

    /// What this session built, read from its own state: the cost model prices
    /// [`GrokkingSpec::shape`], and the tests hold the two equal.
    pub fn shape(&self) -> SessionShape {
        SessionShape {
            equations: self.x_all.dims()[0],
            seeds: self.runs.first().map_or(0, |r| r.tracks.len()),
            runs: self
                .runs
                .iter()
                .map(|run| RunShape {
                    plan: run.plan.clone(),
                    n_train: run.n_train,
                    batch: run.tracks.first().map_or(0, |t| t.order.batch()),
                })
                .collect(),
        }
    }

    /// Lets a transformer step use up to `threads` threads (its batch's shards side by side;
    /// native only). The numbers are the same with any count.
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// The first `n` equations (training) and the rest (validation): tokens and answers.
    fn split_at(&self, n: usize) -> [(Tensor<2, Int>, Tensor<1, Int>); 2] {
        let total = self.x_all.dims()[0];
        [(0, n), (n, total)].map(|(from, to)| {
            (
                self.x_all.clone().narrow(0, from, to - from),
                self.y_all.clone().narrow(0, from, to - from),
            )
        })
    }

    fn learning_rate(&self) -> f64 {
        // Linear warm-up over the first `warmup` updates.
        let ramp = if self.spec.warmup == 0 {
            1.0
        } else {
            ((self.schedule.step() + 1) as f64 / self.spec.warmup as f64).min(1.0)
        };
        self.spec.lr * ramp
    }

    /// The next batch of every member: indices into its run's training set (the first rows
    /// of the session's equations).
    fn next_batches(&mut self) -> Vec<Vec<i64>> {
        self.runs
            .iter_mut()
            .flat_map(|run| {
                let n = run.n_train as i64;
                run.tracks.iter_mut().map(move |track| {
                    if track.order.is_full_batch() {
                        (0..n).collect()
                    } else {
                        let rows = track.order.next_batch();
                        rows.into_iter().map(|i| i as i64).collect()
                    }
                })
            })
            .collect()
    }

    fn train_one_step(&mut self) {
        let lr = self.learning_rate();
        let batches = self.next_batches();
        let (members, batch) = (batches.len(), batches.first().map_or(0, Vec::len));
        let idx = Tensor::<1, Int>::from_data(
            TensorData::new(batches.concat(), [members * batch]),
            &self.device,
        );
        let x = self
            .x_all
            .clone()
            .select(0, idx.clone())
            .reshape([members, batch, 4]);
        let y = self
            .y_all
            .clone()
            .select(0, idx)
            .reshape([members, batch, 1]);
        let Networks {
            model,
            optim,
            update,
        } = &mut self.networks;
        match model {
            Model::Mlp(model) => {
                // The sum of the members' mean losses: each member's gradient is its own.
                let loss = member_cross_entropy(model.forward(x), y).sum();
                let grads = GradientsParams::from_grads(loss.backward(), &*model);
                *model = update.step(optim, lr, model.clone(), grads);
            }
            Model::Transformer(model) => {
                let grads =
                    transformer_gradients(model, (x, y), &self.prefixes, self.shards, self.threads);
                *model = update.step(optim, lr, model.clone(), grads);
            }
        }
    }

    /// Each member's Fourier power per frequency, as shares of its total: `[members, K]`.
    /// The waves run along the numbers' axis (the group's basis over `0..p`), the power is
    /// summed over the other.
    ///
    /// # Shapes
    /// - embeddings: `[members, p, d]` (a row per number: the number tokens' embeddings, or
    ///   an output map's row per answer)
    fn spectra(&self, embeddings: Tensor<3>) -> Tensor<2> {
        let [members, p, _] = embeddings.dims();
        let k = self.frequencies;
        let power = self
            .basis
            .clone()
            .reshape([1, 2 * k, p])
            .matmul(embeddings)
            .powi_scalar(2)
            .sum_dim(2) // [members, 2K, 1]: cosine and sine rows
            .reshape([members, 2, k])
            .sum_dim(1)
            .reshape([members, k]);
        let total = power.clone().sum_dim(1).clamp_min(1e-30);
        power / total
    }

    /// Five `[members]` tensors (training loss and correct answers, validation loss and correct
    /// answers, weight norm) and the `[members, K]` Fourier spectra: the number embeddings',
    /// then for the transformer its unembedding's and its neuron-to-logit map's over the p
    /// answers (Nanda et al. 2023 read the learned waves in all three).
    fn read_metrics(&self) -> Transaction {
        let p = self.spec.p as usize;
        // Evaluated without autodiff: no graph holds the whole splits' activations.
        let (spectra, columns) = match &self.networks.model {
            Model::Mlp(model) => {
                let spectra = vec![self.spectra(model.embeddings(p))];
                let model = model.valid();
                let columns =
                    self.evaluate(model.members(), |x| model.forward(x), model.weight_norms());
                (spectra, columns)
            }
            Model::Transformer(model) => {
                let spectra = vec![
                    self.spectra(model.embeddings(p)),
                    self.spectra(model.unembedding(p)),
                    self.spectra(model.neuron_logits(p)),
                ];
                let model = model.valid();
                let prefixes = self.prefixes.clone().inner();
                let columns = self.evaluate(
                    model.members(),
                    |x| transformer_logits(&model, x, prefixes.clone()),
                    model.weight_norms(),
                );
                (spectra, columns)
            }
        };
        // One transaction reads tensors of one kind: all without autodiff.
        let columns = columns
            .into_iter()
            .map(Tensor::inner)
            .fold(Transaction::default(), Transaction::register);
        spectra
            .into_iter()
            .map(Tensor::inner)
            .fold(columns, Transaction::register)
    }

    /// Every member's training loss and correct answers, validation loss and correct answers
    /// (`[members]` each), from `logits` (`[members, n, 4]` tokens to `[members, n, classes]`),
    /// then its weight `norms`: the two splits side by side when a step has two threads.
    fn evaluate(
        &self,
        members: usize,
        logits: impl Fn(Tensor<3, Int>) -> Tensor<3> + Sync,
        norms: Tensor<1>,
    ) -> [Tensor<1>; 5] {
        let split = |(x, y): (Tensor<2, Int>, Tensor<1, Int>)| {
            let logits = logits(per_member(&x.inner(), members));
            let y = per_member(&y.inner(), members);
            (
                member_cross_entropy(logits.clone(), y.clone()),
                member_correct(logits, y),
            )
        };
        let [(train_loss, train_correct), (val_loss, val_correct)] = match &self.train_mask {
            // Every member on every equation, each split's rows picked by the mask.
            Some(mask) => {
                let logits = logits(per_member(&self.x_all.clone().inner(), members));
                let y = per_member(&self.y_all.clone().inner(), members);
                let mask = mask.clone().inner();
                [mask.clone(), mask.ones_like() - mask].map(|rows| {
                    let count = rows.clone().sum_dim(1).clamp_min(1.0).reshape([members]);
                    let (loss, correct) =
                        weighted_loss_and_correct(logits.clone(), y.clone(), rows);
                    (loss / count, correct)
                })
            }
            None => {
                let [train, val] = self.split_at(self.runs[0].n_train);
                let (train, val) = join(self.threads, || split(train), || split(val));
                [train, val]
            }
        };
        [train_loss, train_correct, val_loss, val_correct, norms]
    }
}
