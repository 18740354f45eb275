//! Training a `grokking` comparison (engine only).

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Int, Tensor, TensorData, Transaction};
use serde_json::{Map, Value};

use super::{Architecture, GrokkingSpec};
use crate::data::modular::{self, Equation};
use crate::models::embed_mlp::EmbedMlp;
use crate::models::transformer::{Transformer, TransformerShape};
use crate::report::{Report, RunReport, json_number};
use crate::rng::Stream;
use crate::train::grokfast::Grokfast;
use crate::train::{
    BatchOrder, RunError, Schedule, Series, Stepper, build_optimizer, loss_and_correct, scalar,
};

// One network per run, a handful per session: the size difference does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
enum Network {
    Transformer(Transformer),
    Mlp(EmbedMlp),
}

impl Network {
    fn forward_last(&self, tokens: Tensor<2, Int>) -> Tensor<2> {
        match self {
            Network::Transformer(t) => t.forward_last(tokens),
            Network::Mlp(m) => m.forward_last(tokens),
        }
    }
}

/// Sums the squares of every float parameter.
struct SquaredNorm(Option<Tensor<1>>);

impl ModuleVisitor for SquaredNorm {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let s = param.val().detach().powi_scalar(2).sum();
        self.0 = Some(match self.0.take() {
            Some(acc) => acc + s,
            None => s,
        });
    }
}

struct Run {
    label: &'static str,
    model: Network,
    optim: ModuleOptimizer,
    filter: Option<Grokfast>,
    order: BatchOrder,
    series: Series,
}

/// A `grokking` comparison in progress.
pub struct GrokkingSession {
    spec: GrokkingSpec,
    device: Device,
    runs: Vec<Run>,
    x_train: Tensor<2, Int>,
    y_train: Tensor<1, Int>,
    x_val: Tensor<2, Int>,
    y_val: Tensor<1, Int>,
    n_train: usize,
    n_val: usize,
    schedule: Schedule,
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

impl GrokkingSession {
    /// Trains the spec's runs, or only those at `runs` (indices into [`GrokkingSpec::runs`]).
    pub fn new(spec: GrokkingSpec, runs: Option<&[usize]>, device: &Device) -> Self {
        let device = device.clone().autodiff();
        let equations = modular::all_equations(spec.op, spec.p);
        let mut split_rng = Stream::new(spec.data_seed, "grokking/split");
        let (train, val) = modular::split(
            equations,
            spec.train_fraction,
            spec.corruption,
            spec.p,
            &mut split_rng,
        );
        let (x_train, y_train) = to_tensors(&train, spec.p, &device);
        let (x_val, y_val) = to_tensors(&val, spec.p, &device);
        let vocabulary = modular::vocabulary(spec.p);
        let all = spec.runs();
        let chosen: Vec<usize> = runs.map_or_else(|| (0..all.len()).collect(), <[usize]>::to_vec);
        let runs = chosen
            .into_iter()
            .filter_map(|i| all.get(i).copied())
            .map(|(label, filter, weight_decay)| {
                // Every run starts from the same weights and sees the same batches.
                let mut init_rng = Stream::new(spec.init_seed, "grokking/init");
                let model = match spec.model {
                    Architecture::Transformer => Network::Transformer(Transformer::new(
                        TransformerShape {
                            vocabulary,
                            seq_len: 4,
                            d_model: spec.d_model,
                            heads: spec.heads,
                            layers: spec.layers,
                        },
                        &mut init_rng,
                        &device,
                    )),
                    Architecture::Mlp => Network::Mlp(EmbedMlp::new(
                        vocabulary,
                        spec.d_model,
                        spec.width,
                        &mut init_rng,
                        &device,
                    )),
                };
                Run {
                    label,
                    model,
                    optim: build_optimizer(spec.optimizer, weight_decay, (0.9, spec.beta2)),
                    filter: filter.map(Grokfast::new),
                    order: BatchOrder::new(
                        train.len(),
                        spec.batch,
                        Stream::new(spec.order_seed, "grokking/order"),
                    ),
                    series: Series::default(),
                }
            })
            .collect();
        Self {
            schedule: Schedule::new(spec.steps, spec.eval_every),
            n_train: train.len(),
            n_val: val.len(),
            spec,
            device,
            runs,
            x_train,
            y_train,
            x_val,
            y_val,
        }
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

    fn train_one_step(&mut self) {
        let lr = self.learning_rate();
        for run in &mut self.runs {
            let (x, y) = if run.order.is_full_batch() {
                (self.x_train.clone(), self.y_train.clone())
            } else {
                let idx = run.order.next_batch_tensor(&self.device);
                (
                    self.x_train.clone().select(0, idx.clone()),
                    self.y_train.clone().select(0, idx),
                )
            };
            let logits = run.model.forward_last(x);
            let loss = burn::nn::loss::CrossEntropyLossConfig::new()
                .init(&self.device)
                .forward(logits, y);
            let mut grads = GradientsParams::from_grads(loss.backward(), &run.model);
            if let Some(filter) = &mut run.filter {
                grads = filter.apply(&run.model, grads);
            }
            run.model = run.optim.step(lr, run.model.clone(), grads);
        }
    }

    fn read_metrics(&self) -> Transaction {
        let mut tx = Transaction::default();
        for run in &self.runs {
            let (train_loss, train_correct) = loss_and_correct(
                run.model.forward_last(self.x_train.clone()),
                self.y_train.clone(),
            );
            let (val_loss, val_correct) = loss_and_correct(
                run.model.forward_last(self.x_val.clone()),
                self.y_val.clone(),
            );
            let mut norm = SquaredNorm(None);
            run.model.visit(&mut norm);
            let norm = norm
                .0
                .unwrap_or_else(|| Tensor::zeros([1], &self.device))
                .sqrt();
            tx = tx
                .register(train_loss)
                .register(train_correct)
                .register(val_loss)
                .register(val_correct)
                .register(norm);
        }
        tx
    }

    fn summary(&self, run: &Run) -> Map<String, Value> {
        let s = &run.series;
        let opt = |v: Option<usize>| v.map(Value::from).unwrap_or(Value::Null);
        let mut m = Map::new();
        m.insert(
            "steps_to_train_acc_95".into(),
            opt(s.first_step_reaching("train_acc", 0.95)),
        );
        m.insert(
            "steps_to_val_acc_95".into(),
            opt(s.first_step_reaching("val_acc", 0.95)),
        );
        for (key, metric) in [
            ("final_train_acc", "train_acc"),
            ("final_val_acc", "val_acc"),
            ("final_weight_norm", "weight_norm"),
        ] {
            m.insert(
                key.into(),
                s.last(metric).map(json_number).unwrap_or(Value::Null),
            );
        }
        m.insert("n_train".into(), Value::from(self.n_train));
        m.insert("n_val".into(), Value::from(self.n_val));
        m.insert("parameters".into(), Value::from(run.model.num_params()));
        m
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
        if data.len() != 5 * self.runs.len() {
            return Err(RunError::Readback(format!(
                "expected {} tensors, got {}",
                5 * self.runs.len(),
                data.len()
            )));
        }
        let (n_train, n_val) = (self.n_train as f64, self.n_val.max(1) as f64);
        for (run, d) in self.runs.iter_mut().zip(data.chunks(5)) {
            let train_loss = scalar(&d[0]);
            run.series.push(
                step,
                &[
                    ("train_loss", train_loss),
                    ("train_acc", scalar(&d[1]) / n_train),
                    ("val_loss", scalar(&d[2])),
                    ("val_acc", scalar(&d[3]) / n_val),
                    ("weight_norm", scalar(&d[4])),
                ],
            );
            RunError::unless_finite(step, &format!("{} train loss", run.label), train_loss)?;
        }
        Ok(())
    }

    fn report(&self) -> Report {
        Report::new(
            "grokking",
            &self.spec,
            "step",
            self.runs
                .iter()
                .map(|r| RunReport::new(r.label, &r.series, self.summary(r)))
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

    #[test]
    fn a_filter_with_lambda_zero_is_exactly_its_weight_decay_control() {
        let spec = GrokkingSpec {
            compare: super::super::Compare::Controls,
            ema_lambda: 0.0,
            ma_lambda: 0.0,
            ..tiny()
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
        // With the filter's gain at zero, nothing but the weight decay differs from the control.
        assert_eq!(report.runs[1].series, report.runs[2].series);
        assert_eq!(report.runs[3].series, report.runs[4].series);
        // With its gain, the filter changes the run (the control is not a copy of it).
        let report = run_to_end(GrokkingSpec {
            compare: super::super::Compare::Controls,
            ..tiny()
        });
        assert_ne!(report.runs[1].series, report.runs[2].series);
        assert_ne!(report.runs[3].series, report.runs[4].series);
    }
}
