//! Training every run and seed of a corrupted-labels spec as one module (engine only): one
//! full-batch AdamW step each, each member with its own weight decay; every evaluation reads
//! the accuracy on the clean and the corrupted training answers and the test, the losses, the
//! weight norm and each hidden unit's IPR; the last one also prunes the least-decayed run's
//! units, least and most periodic first.

use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Int, Tensor, TensorData, Transaction};

use super::report::{Evaluation, Recorder};
use super::{CorruptedLabelsSpec, PRUNE_FRACTIONS, RunPlan};
use crate::models::square_mlp::{SquareMlp, fourier_basis};
use crate::report::Report;
use crate::rng::Stream;
use crate::train::{Member, OptimizerKind, RunError, Schedule, StackUpdate, Stepper};

/// The equations' sets, as the columns of a member's selector.
pub(super) const SETS: usize = 4;
/// Column of the selector: every training equation, the clean ones, the corrupted ones, the
/// test.
pub(super) const ALL_TRAIN: usize = 0;
pub(super) const CLEAN: usize = 1;
pub(super) const CORRUPTED: usize = 2;
pub(super) const TEST: usize = 3;

fn ints(values: Vec<i64>, device: &Device) -> Tensor<1, Int> {
    let n = values.len();
    Tensor::from_data(TensorData::new(values, [n]), device)
}

/// Every equation (training first, then test) with each member's answers and sets.
struct Equations {
    a: Tensor<1, Int>,
    b: Tensor<1, Int>,
    /// `[members, n, 1]`: each member's answer for each equation (its training answer, the
    /// true one for the test).
    answers: Tensor<3, Int>,
    /// `[members, n, p]`: the same, one-hot.
    one_hot: Tensor<3>,
    /// `[members, n, SETS]`: 1/|set| where the equation is in the set, else 0.
    selector: Tensor<3>,
    /// Each member's count of equations per set.
    counts: Vec<[usize; SETS]>,
}

impl Equations {
    /// `members[m]` is the run each member belongs to; `splits[r]` is run r's (train, test).
    fn new(
        p: usize,
        splits: &[(
            Vec<crate::data::modular::Equation>,
            Vec<crate::data::modular::Equation>,
        )],
        members: &[usize],
        rows: usize,
        device: &Device,
    ) -> Self {
        let (train0, test0) = &splits[0];
        let all: Vec<_> = train0.iter().chain(test0).collect();
        let n = rows.min(all.len());
        let a = ints(all[..n].iter().map(|e| i64::from(e.x)).collect(), device);
        let b = ints(all[..n].iter().map(|e| i64::from(e.y)).collect(), device);
        let mut answers = Vec::with_capacity(members.len() * n);
        let mut one_hot = vec![0f32; members.len() * n * p];
        let mut selector = vec![0f32; members.len() * n * SETS];
        let mut counts = Vec::with_capacity(members.len());
        for (m, &run) in members.iter().enumerate() {
            let (train, test) = &splits[run];
            let rows: Vec<_> = train
                .iter()
                .map(|e| (e, true))
                .chain(test.iter().map(|e| (e, false)))
                .take(n)
                .collect();
            let mut count = [0usize; SETS];
            let sets = |&(e, is_train): &(&crate::data::modular::Equation, bool)| match (
                is_train,
                e.corrupted,
            ) {
                (true, false) => [true, true, false, false],
                (true, true) => [true, false, true, false],
                (false, _) => [false, false, false, true],
            };
            for row in &rows {
                for (s, inside) in sets(row).into_iter().enumerate() {
                    count[s] += usize::from(inside);
                }
            }
            for (i, row) in rows.iter().enumerate() {
                let z = row.0.z as usize;
                answers.push(z as i64);
                one_hot[(m * n + i) * p + z] = 1.0;
                for (s, inside) in sets(row).into_iter().enumerate() {
                    if inside {
                        selector[(m * n + i) * SETS + s] = 1.0 / count[s] as f32;
                    }
                }
            }
            counts.push(count);
        }
        let m = members.len();
        Self {
            a,
            b,
            answers: Tensor::from_data(TensorData::new(answers, [m, n, 1]), device),
            one_hot: Tensor::from_data(TensorData::new(one_hot, [m, n, p]), device),
            selector: Tensor::from_data(TensorData::new(selector, [m, n, SETS]), device),
            counts,
        }
    }

    fn len(&self) -> usize {
        self.a.dims()[0]
    }
}

/// A corrupted-labels run in progress.
pub struct CorruptedLabelsSession {
    spec: CorruptedLabelsSpec,
    runs: Vec<RunPlan>,
    net: SquareMlp,
    optim: ModuleOptimizer,
    update: StackUpdate,
    /// The training equations only (the first rows of `all`), for the steps.
    train: Equations,
    /// Every equation, without autodiff, for the evaluations.
    all: Equations,
    basis: (Tensor<2>, Tensor<2>),
    schedule: Schedule,
    recorder: Recorder,
}

impl CorruptedLabelsSession {
    pub fn new(spec: CorruptedLabelsSpec, device: &Device) -> Self {
        let device = device.clone().autodiff();
        let inner = device.clone().inner();
        let runs = spec.runs();
        let p = spec.p as usize;
        let splits: Vec<_> = runs.iter().map(|r| spec.split(r.corruption)).collect();
        let n_train = splits[0].0.len();
        let members: Vec<usize> = (0..runs.len())
            .flat_map(|r| std::iter::repeat_n(r, spec.seeds))
            .collect();
        // Every run's k-th network starts from the same weights: the runs differ only in their
        // weight decay (and answers).
        let mut inits: Vec<Stream> = members
            .iter()
            .enumerate()
            .map(|(m, _)| {
                let k = (m % spec.seeds) as u64;
                Stream::new(spec.init_seed.wrapping_add(k), "corrupted-labels/init")
            })
            .collect();
        let net = SquareMlp::new(
            p,
            spec.width,
            SquareMlp::paper_std(spec.width),
            &mut inits,
            &device,
        );
        let stack: Vec<Member> = members
            .iter()
            .map(|&r| Member {
                filter: None,
                weight_decay: runs[r].weight_decay,
            })
            .collect();
        let (update, optim) =
            StackUpdate::new(OptimizerKind::Adamw, (0.9, spec.beta2), &stack, &device);
        let train = Equations::new(p, &splits, &members, n_train, &device);
        let all = Equations::new(p, &splits, &members, usize::MAX, &inner);
        let recorder = Recorder::new(&spec, &runs, all.counts.clone());
        Self {
            schedule: Schedule::log_spaced(spec.steps, spec.eval_every),
            basis: fourier_basis(p, &inner),
            runs,
            net,
            optim,
            update,
            train,
            all,
            recorder,
            spec,
        }
    }

    /// Every member's accuracies on every set with its least periodic units pruned first, then
    /// its most periodic first, at each of [`PRUNE_FRACTIONS`]: `[members · 2 · fractions,
    /// SETS]` (the report shows the run that generalised with the least weight decay).
    fn pruned(&self, net: &SquareMlp, iprs: Tensor<2>) -> Tensor<2> {
        let width = self.spec.width;
        let n = self.all.len();
        let p = self.spec.p as usize;
        let hidden = net.hidden(self.all.a.clone(), self.all.b.clone());
        let output = net.output_weights();
        let mut rows = Vec::new();
        for m in 0..net.members() {
            let ipr = iprs.clone().slice([m..m + 1, 0..width]);
            // Each unit's rank: how many units are less periodic.
            let mine = ipr.clone().reshape([width, 1]).repeat_dim(1, width);
            let others = ipr.reshape([1, width]).repeat_dim(0, width);
            let rank = others.lower(mine).float().sum_dim(1).reshape([width, 1]);
            let h = hidden
                .clone()
                .slice([m..m + 1, 0..n, 0..width])
                .reshape([n, width]);
            let w = output
                .clone()
                .slice([m..m + 1, 0..width, 0..p])
                .reshape([width, p]);
            let answers = self
                .all
                .answers
                .clone()
                .slice([m..m + 1, 0..n, 0..1])
                .reshape([n, 1]);
            let selector = self
                .all
                .selector
                .clone()
                .slice([m..m + 1, 0..n, 0..SETS])
                .reshape([n, SETS]);
            for least_first in [true, false] {
                for f in PRUNE_FRACTIONS {
                    let k = (f * width as f64).round();
                    let keep = if least_first {
                        rank.clone().greater_equal_elem(k)
                    } else {
                        rank.clone().lower_elem(width as f64 - k)
                    };
                    let logits = h.clone().matmul(w.clone() * keep.float());
                    let correct = logits.argmax(1).equal(answers.clone()).float();
                    rows.push(correct.reshape([1, n]).matmul(selector.clone()));
                }
            }
        }
        Tensor::cat(rows, 0)
    }
}

impl Stepper for CorruptedLabelsSession {
    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn schedule_mut(&mut self) -> &mut Schedule {
        &mut self.schedule
    }

    fn train_step(&mut self) {
        let [_, n, p] = self.train.one_hot.dims();
        let outputs = self.net.forward(self.train.a.clone(), self.train.b.clone());
        // Each member's mean squared error over its equations and classes, summed: every
        // member's weights get the gradient of its own loss.
        let loss = (outputs - self.train.one_hot.clone()).powi_scalar(2).sum() / (n * p) as f64;
        let grads = GradientsParams::from_grads(loss.backward(), &self.net);
        let net = self.net.clone();
        self.net = self.update.step(&mut self.optim, self.spec.lr, net, grads);
    }

    fn evaluate(&mut self) -> Transaction {
        let net = self.net.valid();
        let members = net.members();
        let n = self.all.len();
        let p = self.spec.p as usize;
        let outputs = net.forward(self.all.a.clone(), self.all.b.clone());
        let correct = outputs
            .clone()
            .argmax(2)
            .equal(self.all.answers.clone())
            .float()
            .reshape([members, 1, n]);
        let squares = (outputs - self.all.one_hot.clone())
            .powi_scalar(2)
            .sum_dim(2)
            .reshape([members, 1, n])
            / p as f64;
        let accuracy = correct.matmul(self.all.selector.clone());
        let loss = squares.matmul(self.all.selector.clone());
        let iprs = net.iprs(&self.basis);
        let mut transaction = Transaction::default()
            .register(accuracy)
            .register(loss)
            .register(iprs.clone())
            .register(net.weight_norms());
        if self.schedule.step() >= self.schedule.total() {
            transaction = transaction.register(self.pruned(&net, iprs));
        }
        transaction
    }

    fn record(&mut self, step: usize, data: Vec<TensorData>) -> Result<(), RunError> {
        let values: Vec<Vec<f64>> = data.iter().map(|d| d.iter::<f64>().collect()).collect();
        let members = self.runs.len() * self.spec.seeds;
        let last = step >= self.schedule.total();
        let want = [
            members * SETS,
            members * SETS,
            members * self.spec.width,
            members,
        ];
        let shapes_match = values.len() == 4 + usize::from(last)
            && values.iter().zip(want).all(|(v, w)| v.len() == w);
        if !shapes_match {
            return Err(RunError::Readback(format!(
                "expected {} tensors of {want:?} values",
                4 + usize::from(last)
            )));
        }
        let evaluation = Evaluation {
            accuracy: &values[0],
            loss: &values[1],
            iprs: &values[2],
            norms: &values[3],
            pruned: values.get(4).map(Vec::as_slice),
        };
        self.recorder.absorb(step, &evaluation)
    }

    fn report(&self) -> Report {
        self.recorder.report(&self.spec, &self.runs)
    }
}
