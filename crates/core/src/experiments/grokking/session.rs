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
use burn::tensor::{Device, Int, Tensor, TensorData, Transaction, activation};
use serde_json::{Map, Value};

use super::{
    Architecture, AttentionInit, Compare, GrokkingSpec, RunPlan, RunShape, SessionShape,
    ZeroOperand,
};
use crate::cost::Target;
use crate::data::modular::{self, Equation, Op};
use crate::models::embed_mlp::EmbedMlp;
use crate::models::transformer::{Transformer, TransformerShape};
use crate::report::{Report, RunReport, json_number};
use crate::rng::Stream;
use crate::terms::Unit;
use crate::train::{
    BatchOrder, Gallery, GalleryAxes, Member, RunError, Schedule, Series, StackUpdate, Stepper,
    join, map_on_threads, weighted_loss_and_correct,
};

/// Makes every parameter a new leaf (same values and ids, no shared autodiff history): each
/// shard's forward and backward is its own graph, and two threads can build theirs at once.
struct OwnLeaves;

impl ModuleMapper for OwnLeaves {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|t| t.detach().require_grad())
    }
}

/// Adds `from`'s gradients into `into`, parameter by parameter.
struct AddGradients<'a> {
    into: &'a mut GradientsParams,
    from: GradientsParams,
}

impl ModuleVisitor for AddGradients<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.from.remove::<D>(param.id) {
            let sum = match self.into.remove::<D>(param.id) {
                Some(acc) => acc + g,
                None => g,
            };
            self.into.register(param.id, sum);
        }
    }
}

/// The transformer's last-position logits for equation tokens `[members, n, 4]`
/// (`x, op, y, =`): `[members, n, vocabulary]`. The first two positions depend on x alone (one
/// operation per spec), so they come from the `prefixes` table (`[p, 2]`, row x is `x, op`;
/// see [`Transformer::forward_last_shared`]).
fn transformer_logits(
    model: &Transformer,
    tokens: Tensor<3, Int>,
    prefixes: Tensor<2, Int>,
) -> Tensor<3> {
    let [members, n, width] = tokens.dims();
    let which = tokens
        .clone()
        .slice([0..members, 0..n, 0..1])
        .reshape([members, n]);
    model.forward_last_shared(prefixes, which, tokens.slice([0..members, 0..n, 2..width]))
}

/// The gradients of the sum of the members' mean cross-entropies on their batches (`x`
/// `[members, batch, 4]`, `y` `[members, batch, 1]`), computed in `shards` parts of each
/// member's batch (each part's summed loss over the whole batch's size, so the parts add up to
/// the batch's mean) on up to `threads` threads. The result depends on `shards`, never on
/// `threads`.
fn transformer_gradients(
    model: &Transformer,
    (x, y): (Tensor<3, Int>, Tensor<3, Int>),
    prefixes: &Tensor<2, Int>,
    shards: usize,
    threads: usize,
) -> GradientsParams {
    let [members, batch, width] = x.dims();
    let loss = |model: &Transformer, x: Tensor<3, Int>, y: Tensor<3, Int>| {
        member_losses(transformer_logits(model, x, prefixes.clone()), y).sum()
    };
    let size = batch.div_ceil(shards.max(1)).max(1);
    if batch <= size {
        return GradientsParams::from_grads(loss(model, x, y).backward(), model);
    }
    let parts: Vec<(Tensor<3, Int>, Tensor<3, Int>)> = (0..batch)
        .step_by(size)
        .map(|from| {
            let to = (from + size).min(batch);
            (
                x.clone().slice([0..members, from..to, 0..width]),
                y.clone().slice([0..members, from..to, 0..1]),
            )
        })
        .collect();
    let shard = |(x, y): (Tensor<3, Int>, Tensor<3, Int>)| {
        let own = model.clone().map(&mut OwnLeaves);
        let share = x.dims()[1] as f64 / batch as f64;
        let grads = loss(&own, x, y).mul_scalar(share).backward();
        GradientsParams::from_grads(grads, &own)
    };
    let parts = map_on_threads(parts, threads, shard);
    let mut sum = GradientsParams::new();
    for from in parts {
        model.visit(&mut AddGradients {
            into: &mut sum,
            from,
        });
    }
    sum
}

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

impl Spectra {
    fn push(&mut self, step: usize, spectrum: Vec<f64>) {
        let stride = self.stride.max(1);
        if self.seen.is_multiple_of(stride) {
            self.kept.push((step, spectrum.clone()));
            if self.kept.len() >= 2 * SPECTROGRAM_ROWS {
                self.kept = std::mem::take(&mut self.kept)
                    .into_iter()
                    .step_by(2)
                    .collect();
                self.stride = 2 * stride;
            }
        }
        self.seen += 1;
        self.latest = Some((step, spectrum));
    }

    fn latest(&self) -> Option<&(usize, Vec<f64>)> {
        self.latest.as_ref()
    }

    /// The kept evaluations, then the latest when it is not among them.
    fn rows(&self) -> Vec<&(usize, Vec<f64>)> {
        let mut rows: Vec<_> = self.kept.iter().collect();
        if let Some(latest) = &self.latest
            && rows.last().map(|r| r.0) != Some(latest.0)
        {
            rows.push(latest);
        }
        rows
    }
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

/// The metrics a member records at every evaluation.
const METRICS: [&str; 6] = [
    "train_loss",
    "train_acc",
    "val_loss",
    "val_acc",
    "weight_norm",
    "fourier_top5",
];

/// How many of the strongest frequencies `fourier_top5` adds up.
const KEY_FREQUENCIES: usize = 5;

/// Evaluations drawn in a run's Fourier spectrogram.
const SPECTROGRAM_ROWS: usize = 24;

/// Labels for a spectrogram: frequencies 1–`frequencies` across (about six labelled), the
/// steps of its first, middle and last rows down.
fn spectrogram_axes(frequencies: usize, rows: &[&(usize, Vec<f64>)]) -> GalleryAxes {
    let every = [1, 2, 5, 10, 20, 50]
        .into_iter()
        .find(|e| frequencies / e <= 6)
        .unwrap_or(100);
    let x_ticks = std::iter::once(1)
        .chain(
            (every..=frequencies)
                .step_by(every)
                .filter(|f| *f > 1 + every / 2),
        )
        .map(|f| (f - 1, f.to_string()))
        .collect();
    let last = rows.len().saturating_sub(1);
    let mut picked = vec![0, last / 2, last];
    picked.dedup();
    let y_ticks = picked
        .into_iter()
        .map(|r| (r, Unit::Count.show(rows[r].0 as f64)))
        .collect();
    GalleryAxes {
        x: "frequency".into(),
        y: "training step".into(),
        x_ticks,
        y_ticks,
    }
}

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

fn to_tensors(equations: &[Equation], p: u32, device: &Device) -> (Tensor<2, Int>, Tensor<1, Int>) {
    let n = equations.len();
    let tokens: Vec<i64> = equations
        .iter()
        .flat_map(|e| e.tokens(p))
        .map(i64::from)
        .collect();
    let answers: Vec<i64> = equations.iter().map(|e| i64::from(e.z)).collect();
    (
        Tensor::from_data(TensorData::new(tokens, [n, 4]), device),
        Tensor::from_data(TensorData::new(answers, [n]), device),
    )
}

/// Each member's mean cross-entropy over its rows (`[members]`), kept in the graph.
///
/// # Shapes
/// - logits: `[members, n, classes]`, targets: `[members, n, 1]`
fn member_losses(logits: Tensor<3>, targets: Tensor<3, Int>) -> Tensor<1> {
    let [members, n, _] = logits.dims();
    activation::log_softmax(logits, 2)
        .gather(2, targets)
        .neg()
        .reshape([members, n])
        .mean_dim(1)
        .reshape([members])
}

/// Each member's correct answers among its rows, `[members]`.
fn member_correct(logits: Tensor<3>, targets: Tensor<3, Int>) -> Tensor<1> {
    let [members, n, _] = logits.dims();
    logits
        .argmax(2)
        .equal(targets)
        .int()
        .reshape([members, n])
        .sum_dim(1)
        .float()
        .reshape([members])
}

/// `x` repeated once per member: `[n, k]` to `[members, n, k]`.
fn per_member<const K: usize>(x: &Tensor<K, Int>, members: usize) -> Tensor<3, Int> {
    let dims = x.dims();
    let (n, k) = (dims[0], if K == 2 { dims[1] } else { 1 });
    x.clone().reshape([1, n, k]).repeat_dim(0, members)
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
        let model = match spec.model {
            Architecture::Mlp => Model::Mlp(EmbedMlp::new(
                vocabulary,
                spec.d_model,
                spec.width,
                &mut inits,
                &device,
            )),
            Architecture::Transformer => {
                let shape = TransformerShape {
                    vocabulary,
                    seq_len: 4,
                    d_model: spec.d_model,
                    heads: spec.heads,
                    layers: spec.layers,
                    xavier_attention: spec.attention_init == AttentionInit::Xavier,
                };
                Model::Transformer(Transformer::new(shape, &mut inits, &device))
            }
        };
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
                    })
                    .collect(),
            })
            .collect();
        let n_all = ordered.len();
        let train_mask = (spec.compare == Compare::Fractions).then(|| {
            let mask: Vec<f32> = runs
                .iter()
                .flat_map(|run: &Run| {
                    let row: Vec<f32> = (0..n_all)
                        .map(|i| if i < run.n_train { 1.0 } else { 0.0 })
                        .collect();
                    std::iter::repeat_n(row, run.tracks.len()).flatten()
                })
                .collect();
            let members = mask.len() / n_all.max(1);
            Tensor::from_data(TensorData::new(mask, [members, n_all]), &device)
        });
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
                let loss = member_losses(model.forward(x), y).sum();
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
    ///
    /// # Shapes
    /// - embeddings: `[members, p, d]` (the number tokens' rows)
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
    /// answers, weight norm) and the `[members, K]` Fourier spectra.
    fn read_metrics(&self) -> Transaction {
        let p = self.spec.p as usize;
        // Evaluated without autodiff: no graph holds the whole splits' activations.
        let (spectra, columns) = match &self.networks.model {
            Model::Mlp(model) => {
                let spectra = self.spectra(model.embeddings(p));
                let model = model.valid();
                let columns =
                    self.evaluate(model.members(), |x| model.forward(x), model.weight_norms());
                (spectra, columns)
            }
            Model::Transformer(model) => {
                let spectra = self.spectra(model.embeddings(p));
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
        columns
            .into_iter()
            .map(Tensor::inner)
            .fold(Transaction::default(), Transaction::register)
            .register(spectra.inner())
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
                member_losses(logits.clone(), y.clone()),
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

    /// The run's summary; `series` is its [`Run::series`].
    fn summary(&self, run: &Run, series: &Series) -> Map<String, Value> {
        let opt = |v: Option<f64>| v.map(json_number).unwrap_or(Value::Null);
        // Whole steps as integers (a median of two can end in .5).
        let step = |v: Option<f64>| match v {
            Some(s) if s.fract() == 0.0 => Value::from(s as u64),
            other => opt(other),
        };
        let mut m = Map::new();
        for (key, metric) in [
            ("steps_to_train_acc_95", "train_acc"),
            ("steps_to_val_acc_95", "val_acc"),
        ] {
            let each: Vec<Option<usize>> = run
                .tracks
                .iter()
                .map(|t| t.series.first_step_reaching(metric, 0.95))
                .collect();
            m.insert(key.into(), step(median_step(&each)));
            if each.len() > 1 {
                m.insert(
                    format!("{key}_each"),
                    Value::from(
                        each.iter()
                            .map(|s| s.map(Value::from).unwrap_or(Value::Null))
                            .collect::<Vec<_>>(),
                    ),
                );
            }
        }
        for (key, metric) in [
            ("final_train_acc", "train_acc"),
            ("final_val_acc", "val_acc"),
            ("final_weight_norm", "weight_norm"),
        ] {
            m.insert(key.into(), opt(series.last(metric)));
        }
        // The first seed's strongest frequencies now, strongest first.
        if let Some((_, spectrum)) = run.tracks.first().and_then(|t| t.spectra.latest()) {
            let mut order: Vec<usize> = (0..spectrum.len()).collect();
            order.sort_by(|&a, &b| spectrum[b].total_cmp(&spectrum[a]));
            let keys: Vec<String> = order
                .iter()
                .take(KEY_FREQUENCIES)
                .map(|&i| format!("{} ({:.0}%)", i + 1, 100.0 * spectrum[i]))
                .collect();
            m.insert("key_frequencies".into(), Value::from(keys.join(", ")));
        }
        m.insert(
            "final_fourier_top5".into(),
            opt(series.last("fourier_top5")),
        );
        m.insert("seeds".into(), Value::from(run.tracks.len()));
        m.insert("weight_decay".into(), json_number(run.weight_decay));
        m.insert("n_train".into(), Value::from(run.n_train));
        m.insert(
            "n_val".into(),
            Value::from(self.x_all.dims()[0] - run.n_train),
        );
        m.insert("train_fraction".into(), json_number(run.train_fraction));
        m.insert("parameters".into(), Value::from(self.parameters));
        m
    }
}

/// The median of steps over seeds, a seed that never got there counting as later than every
/// one that did: `None` when the middle seed did not get there. With an even count, the mean
/// of the two middle ones.
pub fn median_step(each: &[Option<usize>]) -> Option<f64> {
    let mut sorted: Vec<f64> = each
        .iter()
        .map(|s| s.map_or(f64::INFINITY, |s| s as f64))
        .collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let mid = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    mid.is_finite().then_some(mid)
}

impl Run {
    /// The run's curves: its only seed's, or the mean over seeds with `<metric>_sd` (the
    /// standard deviation between seeds) beside each metric.
    fn series(&self) -> Series {
        if let [only] = self.tracks.as_slice() {
            return only.series.clone();
        }
        let first = &self.tracks[0].series;
        let mut out = Series::default();
        for (i, &step) in first.step.iter().enumerate() {
            let mut row: Vec<(String, f64)> = Vec::new();
            for metric in METRICS {
                let values: Vec<f64> = self
                    .tracks
                    .iter()
                    .filter_map(|t| t.series.get(metric).and_then(|v| v.get(i)).copied())
                    .collect();
                let n = values.len() as f64;
                let mean = values.iter().sum::<f64>() / n;
                let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
                row.push((metric.to_string(), mean));
                row.push((format!("{metric}_sd"), var.sqrt()));
            }
            let row: Vec<(&str, f64)> = row.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            out.push(step, &row);
        }
        out
    }
}

impl Stepper for GrokkingSession {
    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn schedule_mut(&mut self) -> &mut Schedule {
        &mut self.schedule
    }

    fn train_step(&mut self) {
        self.train_one_step();
    }

    fn evaluate(&mut self) -> Transaction {
        self.read_metrics()
    }

    fn record(&mut self, step: usize, data: Vec<TensorData>) -> Result<(), RunError> {
        let members: usize = self.runs.iter().map(|r| r.tracks.len()).sum();
        let columns: Vec<Vec<f64>> = data.iter().map(|d| d.iter::<f64>().collect()).collect();
        let k = self.frequencies;
        let shaped = columns.len() == 6
            && columns[..5].iter().all(|c| c.len() == members)
            && columns[5].len() == members * k;
        if !shaped {
            return Err(RunError::Readback(format!(
                "expected 5 columns of {members} values and {members}×{k} spectra, got {:?}",
                columns.iter().map(Vec::len).collect::<Vec<_>>()
            )));
        }
        let total = self.x_all.dims()[0];
        let tracks = self.runs.iter_mut().flat_map(|run| {
            let (label, n) = (run.label.as_str(), run.n_train);
            run.tracks.iter_mut().map(move |t| (label, n, t))
        });
        for (i, (label, n, track)) in tracks.enumerate() {
            let (n_train, n_val) = (n.max(1) as f64, (total - n).max(1) as f64);
            let train_loss = columns[0][i];
            let spectrum = columns[5][i * k..(i + 1) * k].to_vec();
            let mut shares = spectrum.clone();
            shares.sort_by(|a, b| b.total_cmp(a));
            let top: f64 = shares.iter().take(KEY_FREQUENCIES).sum();
            track.spectra.push(step, spectrum);
            track.series.push(
                step,
                &[
                    ("train_loss", train_loss),
                    ("train_acc", columns[1][i] / n_train),
                    ("val_loss", columns[2][i]),
                    ("val_acc", columns[3][i] / n_val),
                    ("weight_norm", columns[4][i]),
                    ("fourier_top5", top),
                ],
            );
            RunError::unless_finite(step, &format!("{label} train loss"), train_loss)?;
        }
        Ok(())
    }

    /// Each run's first seed: the Fourier power of its number embeddings per frequency (columns)
    /// over training (rows, at most [`SPECTROGRAM_ROWS`] evaluations spread evenly from the
    /// first to the latest).
    fn galleries(&self) -> Vec<Gallery> {
        let basis = match self.spec.op {
            Op::Add | Op::Sub => "x",
            Op::Mul | Op::Div => "the discrete log of x",
        };
        self.runs
            .iter()
            .filter_map(|run| {
                let spectra = run.tracks.first()?.spectra.rows();
                let (first, last) = (*spectra.first()?, *spectra.last()?);
                let n = spectra.len();
                let rows = n.min(SPECTROGRAM_ROWS);
                let picked: Vec<&(usize, Vec<f64>)> = (0..rows)
                    .map(|r| {
                        spectra[if rows == 1 {
                            n - 1
                        } else {
                            r * (n - 1) / (rows - 1)
                        }]
                    })
                    .collect();
                let peak = picked
                    .iter()
                    .flat_map(|(_, s)| s.iter().copied())
                    .fold(0.0, f64::max)
                    .max(1e-12);
                let image: Vec<f32> = picked
                    .iter()
                    .flat_map(|(_, s)| s.iter().map(|v| (v / peak) as f32))
                    .collect();
                Some(Gallery {
                    title: format!(
                        "{}: Fourier power of the number embeddings (waves in {basis}), frequency \
                         1–{} left to right, steps {}–{} top to bottom (seed 0)",
                        run.label, self.frequencies, first.0, last.0
                    ),
                    width: self.frequencies,
                    height: rows,
                    columns: 1,
                    images: vec![image],
                    signed: false,
                    axes: Some(spectrogram_axes(self.frequencies, &picked)),
                })
            })
            .collect()
    }

    fn report(&self) -> Report {
        Report::new(
            "grokking",
            &self.spec,
            "step",
            self.runs
                .iter()
                .map(|r| {
                    let series = r.series();
                    RunReport::new(&r.label, &series, self.summary(r, &series))
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Preset;
    use crate::train::Session;

    fn tiny() -> GrokkingSpec {
        GrokkingSpec {
            p: 7,
            model: Architecture::Transformer,
            d_model: 16,
            heads: 2,
            layers: 1,
            batch: 8,
            lr: 3e-3,
            ma_window: 5,
            steps: 40,
            eval_every: 10,
            ..GrokkingSpec::preset(Preset::Ci)
        }
    }

    fn run_to_end(spec: GrokkingSpec) -> Report {
        let mut session = GrokkingSession::new(spec, None, &Device::flex());
        crate::train::run_to_end(&mut session).expect("finite");
        Session::report(&session)
    }

    #[test]
    fn three_runs_train_from_one_init_and_report_the_summaries() {
        let report = run_to_end(tiny());
        let labels: Vec<&str> = report.runs.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["baseline", "grokfast-ema", "grokfast-ma"]);
        let first: Vec<f64> = report
            .runs
            .iter()
            .map(|r| r.column("train_loss")[0])
            .collect();
        assert!(
            first.iter().all(|l| (l - first[0]).abs() < 1e-6),
            "same init, same first loss: {first:?}"
        );
        for run in &report.runs {
            assert_eq!(run.column("step"), [0.0, 10.0, 20.0, 30.0, 40.0]);
            let loss = run.column("train_loss");
            assert!(
                loss[4] < loss[0],
                "{}: training loss should fall: {loss:?}",
                run.label
            );
            for key in [
                "steps_to_train_acc_95",
                "steps_to_val_acc_95",
                "final_val_acc",
                "final_weight_norm",
            ] {
                assert!(
                    run.summary.contains_key(key),
                    "{}: summary lacks {key}",
                    run.label
                );
            }
        }
        // Grokfast changes the updates: the filtered runs leave the baseline's trajectory.
        let last = |i: usize| report.runs[i].column("train_loss")[4];
        assert!((last(0) - last(1)).abs() > 1e-6 && (last(0) - last(2)).abs() > 1e-6);
    }

    /// On the CPU the transformer's batch trains as two shards: the same numbers on one thread
    /// or two, and (to float tolerance) those of the whole batch at once (a lost or mis-scaled
    /// half would train another network).
    #[test]
    fn a_sharded_transformer_step_is_the_same_on_any_number_of_threads() {
        let spec = GrokkingSpec {
            batch: 12,
            ..tiny()
        };
        assert_eq!(
            spec.step_threads(crate::cost::Target::Cpu),
            super::super::CPU_SHARDS
        );
        assert_eq!(spec.step_threads(crate::cost::Target::Gpu), 1);
        let train = |threads: usize, shards: Option<usize>| {
            let mut session =
                GrokkingSession::new(spec.clone(), None, &Device::flex()).with_threads(threads);
            assert_eq!(session.shards, super::super::CPU_SHARDS);
            if let Some(shards) = shards {
                session.shards = shards;
            }
            crate::train::run_to_end(&mut session).expect("finite");
            Session::report(&session)
        };
        let (one, two) = (train(1, None), train(2, None));
        for (a, b) in one.runs.iter().zip(&two.runs) {
            assert_eq!(a.series, b.series, "{}", a.label);
        }
        let whole = train(1, Some(1));
        for (a, b) in one.runs.iter().zip(&whole.runs) {
            assert_same_curves(
                a,
                b,
                &["train_loss", "train_acc", "val_loss", "weight_norm"],
            );
        }
    }

    /// The MLP preset shrunk: p = 11, narrow, 60 steps.
    fn tiny_mlp() -> GrokkingSpec {
        GrokkingSpec {
            p: 11,
            model: Architecture::Mlp,
            d_model: 8,
            width: 16,
            batch: 16,
            lr: 3e-3,
            ma_window: 5,
            steps: 60,
            eval_every: 20,
            ..GrokkingSpec::preset(Preset::Ci)
        }
    }

    #[test]
    fn a_filter_with_lambda_zero_is_exactly_its_weight_decay_control() {
        for base in [tiny(), tiny_mlp()] {
            let spec = GrokkingSpec {
                compare: super::super::Compare::Controls,
                ema_lambda: 0.0,
                ma_lambda: 0.0,
                ..base.clone()
            };
            let report = run_to_end(spec);
            let labels: Vec<&str> = report.runs.iter().map(|r| r.label.as_str()).collect();
            assert_eq!(
                labels,
                [
                    "baseline",
                    "grokfast-ema",
                    "wd-only-ema",
                    "grokfast-ma",
                    "wd-only-ma"
                ]
            );
            // With the filter's gain at zero, nothing but the weight decay differs from the
            // control.
            assert_eq!(report.runs[1].series, report.runs[2].series);
            assert_eq!(report.runs[3].series, report.runs[4].series);
            // With its gain, the filter changes the run (the control is not a copy of it).
            let report = run_to_end(GrokkingSpec {
                compare: super::super::Compare::Controls,
                ..base
            });
            assert_ne!(report.runs[1].series, report.runs[2].series);
            assert_ne!(report.runs[3].series, report.runs[4].series);
        }
    }

    /// The two runs recorded the same `metrics` at the same evaluations, to float tolerance.
    fn assert_same_curves(run: &RunReport, other: &RunReport, metrics: &[&str]) {
        for metric in metrics {
            let (a, b) = (run.column(metric), other.column(metric));
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(&b) {
                assert!(
                    (x - y).abs() <= 1e-5 * x.abs().max(1.0),
                    "{} {metric}: {a:?} vs {b:?}",
                    run.label
                );
            }
        }
    }

    /// A session's runs train as one stacked network (the MLP's and the transformer's); each
    /// run trained alone (a stack of one) gives the same curves.
    #[test]
    fn stacked_runs_equal_runs_trained_alone() {
        for base in [tiny_mlp(), tiny()] {
            stacked_runs_equal_runs_trained_alone_for(base);
        }
    }

    fn stacked_runs_equal_runs_trained_alone_for(base: GrokkingSpec) {
        let spec = GrokkingSpec {
            compare: super::super::Compare::Controls,
            ..base
        };
        let whole = run_to_end(spec.clone());
        for (i, run) in whole.runs.iter().enumerate() {
            let mut alone = GrokkingSession::new(spec.clone(), Some(&[i]), &Device::flex());
            crate::train::run_to_end(&mut alone).expect("finite");
            let alone = Session::report(&alone);
            assert_eq!(alone.runs.len(), 1);
            assert_eq!(alone.runs[0].label, run.label);
            assert_same_curves(
                run,
                &alone.runs[0],
                &[
                    "train_loss",
                    "train_acc",
                    "val_loss",
                    "val_acc",
                    "weight_norm",
                ],
            );
        }
        // The runs differ from one another (a stack does not train one network five times).
        assert_ne!(whole.runs[0].series, whole.runs[1].series);
        let first = whole.runs[0].column("train_loss");
        let last = first[first.len() - 1];
        assert!(last < first[0], "training loss falls: {first:?}");
    }

    /// A fraction sweep's run at fraction f trains exactly what a run with that training
    /// fraction trains alone (nested splits of one shuffle), for the stacked MLP and for the
    /// transformer; the sweep's derived runs list its fractions in order.
    #[test]
    fn a_fraction_sweep_run_equals_that_fraction_trained_alone() {
        for base in [tiny_mlp(), tiny()] {
            let sweep = GrokkingSpec {
                compare: Compare::Fractions,
                fraction_min: 0.4,
                fraction_max: 0.8,
                fractions: 3,
                ..base.clone()
            };
            assert!(
                sweep.validate_rules().is_ok(),
                "{:?}",
                sweep.validate_rules()
            );
            let whole = run_to_end(sweep.clone());
            let labels: Vec<&str> = whole.runs.iter().map(|r| r.label.as_str()).collect();
            assert_eq!(
                labels,
                [
                    "baseline f=0.40",
                    "grokfast-ema f=0.40",
                    "baseline f=0.60",
                    "grokfast-ema f=0.60",
                    "baseline f=0.80",
                    "grokfast-ema f=0.80"
                ]
            );
            let n: Vec<u64> = whole
                .runs
                .iter()
                .map(|r| r.summary["n_train"].as_u64().expect("n_train"))
                .collect();
            assert!(n[0] < n[2] && n[2] < n[4] && n[0] == n[1], "{n:?}");
            for (i, f) in [(2, 0.6), (3, 0.6)] {
                let alone = GrokkingSpec {
                    compare: Compare::Ema,
                    train_fraction: f,
                    ..base.clone()
                };
                let alone = run_to_end(alone);
                let other = &alone.runs[i - 2];
                let run = &whole.runs[i];
                assert_eq!(other.summary["n_train"], run.summary["n_train"]);
                assert_same_curves(
                    run,
                    other,
                    &["train_loss", "train_acc", "val_loss", "val_acc"],
                );
            }
            let mut report = whole.clone();
            crate::experiments::Experiment::Grokking.derive(&mut report);
            crate::experiments::Experiment::Grokking.derive(&mut report);
            let derived: Vec<&str> = report.runs[6..].iter().map(|r| r.label.as_str()).collect();
            assert_eq!(
                derived,
                ["baseline by fraction", "grokfast-ema by fraction"]
            );
            assert_eq!(report.runs[6].column("train_fraction"), [0.4, 0.6, 0.8]);
        }
        // Nested sets must each hold more than a batch.
        let bad = GrokkingSpec {
            compare: Compare::Fractions,
            fraction_min: 0.05,
            ..tiny_mlp()
        };
        assert!(bad.validate_rules().is_err());
    }
    /// The session builds exactly the shape the cost model prices: its equations, runs,
    /// training sets, seeds and batches, and every batch it draws has that size, for each mode
    /// (a fraction sweep's runs each their own training set), a share of the runs, and a batch
    /// larger than the training set.
    #[test]
    fn a_session_builds_the_shape_its_cost_is_priced_by() {
        let fractions = GrokkingSpec {
            compare: Compare::Fractions,
            fraction_min: 0.4,
            fraction_max: 0.8,
            fractions: 3,
            ..tiny_mlp()
        };
        let cases: Vec<(GrokkingSpec, Option<Vec<usize>>)> = vec![
            (tiny(), None),
            (tiny_mlp(), Some(vec![2, 0])),
            (
                GrokkingSpec {
                    compare: Compare::Sweep,
                    seeds: 2,
                    ..tiny_mlp()
                },
                None,
            ),
            (fractions.clone(), None),
            (fractions, Some(vec![5, 1])),
            (
                GrokkingSpec {
                    batch: 4096,
                    ..tiny()
                },
                None,
            ),
        ];
        for (spec, runs) in cases {
            let mut session = GrokkingSession::new(spec.clone(), runs.as_deref(), &Device::flex());
            let planned = spec.shape(runs.as_deref());
            assert_eq!(session.shape(), planned, "{:?} {runs:?}", spec.compare);
            let batches = session.next_batches();
            assert_eq!(batches.len(), planned.members());
            for (member, batch) in batches.iter().enumerate() {
                let run = &planned.runs[member / planned.seeds];
                assert_eq!(batch.len(), run.batch, "member {member}");
                assert!(batch.iter().all(|&i| (i as usize) < run.n_train));
            }
        }
    }

    /// However often a run evaluates, each seed keeps a bounded number of spectra, spread
    /// evenly from the first evaluation to the latest.
    #[test]
    fn spectra_stay_bounded_and_span_the_run() {
        let mut spectra = Spectra::default();
        for step in 0..10_000 {
            spectra.push(step, vec![step as f64; 3]);
        }
        let rows = spectra.rows();
        assert!(
            rows.len() <= 2 * SPECTROGRAM_ROWS + 1,
            "{} rows",
            rows.len()
        );
        assert!(rows.len() >= SPECTROGRAM_ROWS, "{} rows", rows.len());
        assert_eq!(rows.first().map(|r| r.0), Some(0));
        assert_eq!(rows.last().map(|r| r.0), Some(9_999));
        let gaps: Vec<usize> = rows.windows(2).map(|w| w[1].0 - w[0].0).collect();
        let stride = gaps[0];
        assert!(
            gaps[..gaps.len() - 1].iter().all(|&g| g == stride),
            "evenly spaced: {gaps:?}"
        );
        assert_eq!(spectra.latest().map(|r| r.0), Some(9_999));
    }
}
