//! Model-wise double descent with trained networks (the MNIST-1D notebook's setting): MLPs
//! 40-h-h-10 for many widths h, trained together as one [`GroupedBank`] by SGD with momentum on
//! MNIST-1D with some training labels redrawn. After long training the test error peaks at
//! the width where the training error first reaches zero.

use crate::experiments::double_descent::metric;
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{GradientsParams, ModuleOptimizer, SgdConfig};
use burn::tensor::{Device, Int, Tensor, TensorData, Transaction};
use serde_json::{Map, Value};

use super::{DoubleDescentSpec, INFO, Mode, PAPER_POINTS};
use crate::data::mnist1d::{self, CLASSES, LENGTH};
use crate::models::mlp_bank::{GroupedBank, GroupedBankConfig, GroupedMasks, parameter_count};
use crate::report::{Report, RunReport, json_number};
use crate::rng::Stream;
use crate::train::{BatchOrder, RunError, Schedule, Stepper};

/// Where a curve of errors turns: the first x whose training error is ≤ 1% (it fits its noisy
/// labels: `interpolation_x`, also marked as `threshold`), the best test error up to there
/// (`first_min_*`), the worst after that (`peak_*`: the narrowest or earliest models underfit
/// and have high errors too, so the peak is sought after the first minimum) and the last.
fn describe_curve(s: &mut Map<String, Value>, xs: &[usize], train: &[f64], test: &[f64]) {
    let fitting = xs
        .iter()
        .zip(train)
        .find(|(_, e)| **e <= 0.01)
        .map(|(x, _)| *x);
    let fits = fitting.map_or(Value::Null, Value::from);
    s.insert(metric::INTERPOLATION_X.key.into(), fits.clone());
    s.insert(metric::THRESHOLD.key.into(), fits);
    let limit = fitting.unwrap_or(usize::MAX);
    let first_min = (0..test.len())
        .filter(|&i| xs[i] <= limit)
        .min_by(|&a, &b| test[a].total_cmp(&test[b]));
    if let Some(m) = first_min {
        s.insert(metric::FIRST_MIN_X.key.into(), Value::from(xs[m]));
        s.insert(
            metric::FIRST_MIN_TEST_ERROR.key.into(),
            json_number(test[m]),
        );
        if let Some(p) = (m..test.len()).max_by(|&a, &b| test[a].total_cmp(&test[b])) {
            s.insert(metric::PEAK_X.key.into(), Value::from(xs[p]));
            s.insert(metric::PEAK_TEST_ERROR.key.into(), json_number(test[p]));
        }
    }
    if let Some(last) = test.last() {
        s.insert(metric::TEST_ERROR.at_end(), json_number(*last));
    }
}

/// A width sweep in training.
pub struct WidthSweep {
    spec: DoubleDescentSpec,
    widths: Vec<usize>,
    device: Device,
    model: GroupedBank,
    masks: GroupedMasks,
    optim: ModuleOptimizer,
    order: BatchOrder,
    x_train: Tensor<2>,
    y_train: Tensor<1, Int>,
    x_test: Tensor<2>,
    y_test: Tensor<1, Int>,
    schedule: Schedule,
    steps_per_epoch: usize,
    /// Per evaluation: epoch, training error and test error of every width.
    history: Vec<(usize, Vec<f64>, Vec<f64>)>,
}

fn inputs(samples: &mnist1d::Samples, device: &Device) -> (Tensor<2>, Tensor<1, Int>) {
    let n = samples.len();
    let labels: Vec<i64> = samples.y.iter().map(|&y| i64::from(y)).collect();
    (
        Tensor::from_data(TensorData::new(samples.x.clone(), [n, LENGTH]), device),
        Tensor::from_data(TensorData::new(labels, [n]), device),
    )
}

impl WidthSweep {
    pub fn new(spec: DoubleDescentSpec, device: &Device) -> Self {
        let device = device.clone().autodiff();
        let all = mnist1d::generate(
            spec.trained.mlp_train + spec.trained.mlp_test,
            spec.data_seed,
        );
        let (mut train, test) = all.split_at(spec.trained.mlp_train);
        let mut noise_rng = Stream::new(spec.data_seed, "double-descent/label-noise");
        mnist1d::resample_labels(&mut train.y, spec.label_noise, &mut noise_rng);
        let widths = spec.widths();
        let (model, masks) = GroupedBankConfig::new(LENGTH, widths.clone(), CLASSES).init(
            &mut Stream::new(spec.init_seed, "double-descent/mlp-init"),
            &device,
        );
        let optim = SgdConfig::new()
            .with_momentum(Some(
                MomentumConfig::new()
                    .with_momentum(spec.trained.momentum)
                    .with_dampening(0.0),
            ))
            .init();
        let (x_train, y_train) = inputs(&train, &device);
        let (x_test, y_test) = inputs(&test, &device);
        let steps_per_epoch = spec.steps_per_epoch();
        Self {
            schedule: Schedule::new(
                spec.trained.epochs * steps_per_epoch,
                spec.trained.eval_every * steps_per_epoch,
            ),
            order: BatchOrder::new(
                spec.trained.mlp_train,
                spec.trained.batch,
                Stream::new(spec.init_seed, "double-descent/order"),
            ),
            steps_per_epoch,
            widths,
            device,
            model,
            masks,
            optim,
            x_train,
            y_train,
            x_test,
            y_test,
            history: Vec::new(),
            spec,
        }
    }

    /// Wrong arg-max predictions of every model on a whole set, `[K]`.
    fn wrong(&self, x: Tensor<2>, y: Tensor<1, Int>) -> Tensor<1> {
        let n = y.dims()[0];
        let k = self.widths.len();
        // Off autodiff: a forward through it would keep its activations for a backward
        // that never comes.
        let logits = self.model.valid().forward(x.inner(), &self.masks, CLASSES);
        let predicted = logits.argmax(2).reshape([n, k]);
        let truth = y.reshape([n, 1]).expand([n, k]);
        predicted
            .not_equal(truth)
            .int()
            .sum_dim(0)
            .reshape([k])
            .float()
    }

    fn summary(&self) -> Map<String, Value> {
        let mut s = Map::new();
        s.insert(
            metric::N_TRAIN.key.into(),
            Value::from(self.spec.trained.mlp_train),
        );
        let Some((epoch, train, test)) = self.history.last() else {
            return s;
        };
        s.insert(metric::EPOCH.key.into(), Value::from(*epoch));
        if self.spec.mode == Mode::Epochs {
            // The curve over training of the one width.
            s.insert(metric::WIDTH.key.into(), Value::from(self.spec.width));
            let epochs: Vec<usize> = self.history.iter().map(|h| h.0).collect();
            let train: Vec<f64> = self.history.iter().map(|h| h.1[0]).collect();
            let test: Vec<f64> = self.history.iter().map(|h| h.2[0]).collect();
            describe_curve(&mut s, &epochs, &train, &test);
            return s;
        }
        describe_curve(&mut s, &self.widths, train, test);
        if let Some(x) = s.get(metric::PEAK_X.key).and_then(Value::as_u64) {
            s.insert(
                metric::PEAK_PARAMETERS.key.into(),
                Value::from(parameter_count(LENGTH, x as usize, CLASSES)),
            );
        }
        for (width, _) in PAPER_POINTS {
            if let Some(i) = self.widths.iter().position(|w| w == width) {
                s.insert(format!("test_error_h{width}"), json_number(test[i]));
            }
        }
        s
    }

    /// The report of the epochs mode: one width's errors over training.
    fn epochs_report(&self) -> Map<String, Value> {
        let numbers = |v: Vec<f64>| Value::from(v.into_iter().map(json_number).collect::<Vec<_>>());
        let mut series = Map::new();
        series.insert(
            metric::EPOCH.key.into(),
            Value::from(self.history.iter().map(|h| h.0).collect::<Vec<_>>()),
        );
        series.insert(
            metric::TRAIN_ERROR.key.into(),
            numbers(self.history.iter().map(|h| h.1[0]).collect()),
        );
        series.insert(
            metric::TEST_ERROR.key.into(),
            numbers(self.history.iter().map(|h| h.2[0]).collect()),
        );
        series
    }

    pub fn report(&self) -> Report {
        if self.spec.mode == Mode::Epochs {
            return Report::new(
                INFO.id,
                &self.spec,
                metric::EPOCH.key,
                vec![RunReport {
                    label: "mlp".into(),
                    series: self.epochs_report(),
                    summary: self.summary(),
                }],
            );
        }
        // The latest evaluation of every width (empty until the first one).
        let numbers =
            |v: &[f64]| Value::from(v.iter().map(|x| json_number(*x)).collect::<Vec<_>>());
        let mut series = Map::new();
        let (widths, train, test) = match self.history.last() {
            Some((_, train, test)) => (self.widths.clone(), train.clone(), test.clone()),
            None => Default::default(),
        };
        series.insert(
            metric::PARAMETERS.key.into(),
            Value::from(
                widths
                    .iter()
                    .map(|h| parameter_count(LENGTH, *h, CLASSES))
                    .collect::<Vec<_>>(),
            ),
        );
        series.insert(metric::WIDTH.key.into(), Value::from(widths));
        series.insert(metric::TRAIN_ERROR.key.into(), numbers(&train));
        series.insert(metric::TEST_ERROR.key.into(), numbers(&test));
        let mut paper = Map::new();
        paper.insert(
            metric::WIDTH.key.into(),
            Value::from(PAPER_POINTS.iter().map(|p| p.0).collect::<Vec<_>>()),
        );
        paper.insert(
            metric::TEST_ERROR.key.into(),
            Value::from(PAPER_POINTS.iter().map(|p| p.1).collect::<Vec<_>>()),
        );
        let mut paper_summary = Map::new();
        paper_summary.insert(
            metric::SOURCE.key.into(),
            Value::from("published: MNIST-1D deep double descent notebook"),
        );
        Report::new(
            INFO.id,
            &self.spec,
            metric::WIDTH.key,
            vec![
                RunReport {
                    label: "mlp".into(),
                    series,
                    summary: self.summary(),
                },
                RunReport {
                    label: "paper".into(),
                    series: paper,
                    summary: paper_summary,
                },
            ],
        )
    }
}

impl Stepper for WidthSweep {
    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn schedule_mut(&mut self) -> &mut Schedule {
        &mut self.schedule
    }

    fn train_step(&mut self) {
        let idx = self.order.next_batch_tensor(&self.device);
        let batch = idx.dims()[0];
        let x = self.x_train.clone().select(0, idx.clone());
        let y = self.y_train.clone().select(0, idx);
        let k = self.widths.len();
        let logits = self
            .model
            .forward(x, &self.masks, CLASSES)
            .reshape([batch * k, CLASSES]);
        let targets = y
            .reshape([batch, 1])
            .expand([batch, k])
            .reshape([batch * k]);
        // The sum over models of each model's mean loss: every model gets the gradient it
        // would get if trained alone.
        let loss = CrossEntropyLossConfig::new()
            .init(&self.device)
            .forward(logits, targets)
            * (k as f64);
        let grads = GradientsParams::from_grads(loss.backward(), &self.model);
        self.model = self
            .optim
            .step(self.spec.trained.lr, self.model.clone(), grads);
    }

    fn evaluate(&mut self) -> Transaction {
        Transaction::default()
            .register(self.wrong(self.x_train.clone(), self.y_train.clone()))
            .register(self.wrong(self.x_test.clone(), self.y_test.clone()))
    }

    fn record(&mut self, step: usize, data: Vec<TensorData>) -> Result<(), RunError> {
        let [train, test] = data.as_slice() else {
            return Err(RunError::Readback(format!(
                "expected 2 tensors, got {}",
                data.len()
            )));
        };
        let rate = |d: &TensorData, n: usize| -> Vec<f64> {
            d.iter::<f64>().map(|w| w / n.max(1) as f64).collect()
        };
        let (train, test) = (
            rate(train, self.spec.trained.mlp_train),
            rate(test, self.spec.trained.mlp_test),
        );
        if train.len() != self.widths.len() || test.len() != self.widths.len() {
            return Err(RunError::Readback("one error per width expected".into()));
        }
        self.history
            .push((step / self.steps_per_epoch, train, test));
        Ok(())
    }

    fn report(&self) -> Report {
        WidthSweep::report(self)
    }
}
