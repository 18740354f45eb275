//! Training a `toy2d` MLP (engine only).

use crate::terms::metric;
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Int, Tensor, TensorData, Transaction};
use serde_json::{Map, Value};

use super::{INFO, SURFACE_EXTENT, SURFACE_SIZE, Toy2dSpec};
use crate::data::table::Table;
use crate::data::toy2d::{self, Points, Shape};
use crate::models::mlp::{Mlp, MlpConfig};
use crate::report::{Report, RunReport, json_number};
use crate::rng::Stream;
use crate::spec::SpecError;
use crate::train::{
    BatchOrder, RunError, Schedule, Series, Stepper, Surface, build_optimizer, loss_and_correct,
    scalar,
};

/// A `toy2d` run in progress.
pub struct Toy2dSession {
    spec: Toy2dSpec,
    device: Device,
    model: Mlp,
    optim: ModuleOptimizer,
    order: BatchOrder,
    train: Points,
    test_len: usize,
    x_train: Tensor<2>,
    y_train: Tensor<1, Int>,
    /// 1 at the training points whose label noise flipped, `[n]`.
    flipped: Tensor<1>,
    flipped_count: usize,
    x_test: Tensor<2>,
    y_test: Tensor<1, Int>,
    grid: Tensor<2>,
    schedule: Schedule,
    series: Series,
    surface: Option<Surface>,
    params: usize,
}

fn points_to_tensors(points: &Points, device: &Device) -> (Tensor<2>, Tensor<1, Int>) {
    let n = points.len();
    let x = Tensor::from_data(TensorData::new(points.flat_xy(), [n, 2]), device);
    let labels: Vec<i64> = points.label.iter().map(|&l| i64::from(l)).collect();
    let y = Tensor::from_data(TensorData::new(labels, [n]), device);
    (x, y)
}

/// Cell centres of the surface grid, row-major from the top row.
fn grid_points() -> Vec<f32> {
    let n = SURFACE_SIZE;
    let cell = 2.0 * SURFACE_EXTENT / n as f32;
    let mut out = Vec::with_capacity(n * n * 2);
    for row in 0..n {
        let y = SURFACE_EXTENT - (row as f32 + 0.5) * cell;
        for col in 0..n {
            out.push(-SURFACE_EXTENT + (col as f32 + 0.5) * cell);
            out.push(y);
        }
    }
    out
}

/// `spec`'s points generated as `shape` from its data seed.
pub fn generated(spec: &Toy2dSpec, shape: Shape) -> Points {
    let mut rng = Stream::new(spec.data_seed, "toy2d/points");
    toy2d::generate(shape, spec.points, spec.input_noise, &mut rng)
}

/// The points a run trains and tests on: generated from its data seed, or read from the
/// reader's own table (`dataset=local`; `points` must be its number of rows).
pub fn points(spec: &Toy2dSpec, local: Option<&Table>) -> Result<Points, SpecError> {
    let inconsistent = |s: String| Err(SpecError::Inconsistent(s));
    match (spec.dataset.shape(), local) {
        (Some(shape), None) => Ok(generated(spec, shape)),
        (Some(_), Some(_)) => inconsistent(
            "a data file was given, but this run generates its points: set dataset=local".into(),
        ),
        (None, None) => inconsistent(crate::data::table::NEEDS_FILE.into()),
        (None, Some(table)) => {
            super::OWN_DATA
                .check(table, "this experiment")
                .map_err(SpecError::Inconsistent)?;
            if table.rows() != spec.points {
                return inconsistent(format!(
                    "points={} but {} has {} rows",
                    spec.points,
                    table.name,
                    table.rows()
                ));
            }
            let mut rng = Stream::new(spec.data_seed, "toy2d/points");
            Ok(toy2d::from_table(table, spec.input_noise, &mut rng))
        }
    }
}

impl Toy2dSession {
    /// A run of `spec` on `local` (its own file, for `dataset=local`) or generated points.
    pub fn start(
        spec: Toy2dSpec,
        local: Option<&Table>,
        device: &Device,
    ) -> Result<Self, SpecError> {
        let points = points(&spec, local)?;
        Ok(Self::on(spec, points, device))
    }

    /// A run of `spec` on these points (split for training and testing here).
    pub fn on(spec: Toy2dSpec, points: Points, device: &Device) -> Self {
        let device = device.clone().autodiff();
        let mut noise_rng = Stream::new(spec.data_seed, "toy2d/label-noise");
        let (train, test) = toy2d::split(
            points,
            spec.train_fraction,
            spec.label_noise,
            &mut noise_rng,
        );
        let (x_train, y_train) = points_to_tensors(&train, &device);
        let flipped_count = train.flipped.iter().filter(|f| **f).count();
        let flipped = Tensor::from_data(
            TensorData::new(
                train
                    .flipped
                    .iter()
                    .map(|&f| f32::from(u8::from(f)))
                    .collect::<Vec<_>>(),
                [train.len()],
            ),
            &device,
        );
        let (x_test, y_test) = points_to_tensors(&test, &device);
        let grid = Tensor::from_data(
            TensorData::new(grid_points(), [SURFACE_SIZE * SURFACE_SIZE, 2]),
            &device,
        );
        let mut init_rng = Stream::new(spec.init_seed, "toy2d/init");
        let model = MlpConfig::new(2, spec.width, spec.depth, 2)
            .with_activation(spec.activation)
            .init(&mut init_rng, &device);
        let params = model.parameter_count();
        let optim = build_optimizer(spec.optimizer, spec.weight_decay, (0.9, 0.999));
        let order = BatchOrder::new(
            train.len(),
            spec.batch,
            Stream::new(spec.order_seed, "toy2d/order"),
        );
        Self {
            schedule: Schedule::new(spec.steps, spec.eval_every),
            test_len: test.len(),
            spec,
            device,
            model,
            optim,
            order,
            train,
            x_train,
            y_train,
            flipped,
            flipped_count,
            x_test,
            y_test,
            grid,
            series: Series::default(),
            surface: None,
            params,
        }
    }

    fn train_one_step(&mut self) {
        let (x, y) = if self.order.is_full_batch() {
            (self.x_train.clone(), self.y_train.clone())
        } else {
            let idx = self.order.next_batch_tensor(&self.device);
            (
                self.x_train.clone().select(0, idx.clone()),
                self.y_train.clone().select(0, idx),
            )
        };
        let loss = CrossEntropyLossConfig::new()
            .init(&self.device)
            .forward(self.model.forward(x), y);
        let grads = GradientsParams::from_grads(loss.backward(), &self.model);
        self.model = self.optim.step(self.spec.lr, self.model.clone(), grads);
    }

    fn read_metrics(&self) -> Transaction {
        // Off autodiff: a forward through it would keep its activations for a backward
        // that never comes.
        let model = self.model.valid();
        let train_logits = model.forward(self.x_train.clone().inner());
        let n = self.train.len();
        // Training points the model gets right on their (possibly flipped) labels, then those
        // among the flipped ones.
        let right = train_logits
            .clone()
            .argmax(1)
            .reshape([n])
            .equal(self.y_train.clone().inner())
            .int()
            .float();
        let flipped_correct = (right * self.flipped.clone().inner()).sum();
        let (train_loss, train_correct) =
            loss_and_correct(train_logits, self.y_train.clone().inner());
        let (test_loss, test_correct) = loss_and_correct(
            model.forward(self.x_test.clone().inner()),
            self.y_test.clone().inner(),
        );
        let surface =
            burn::tensor::activation::softmax(model.forward(self.grid.clone().inner()), 1)
                .slice([0..SURFACE_SIZE * SURFACE_SIZE, 1..2])
                .reshape([SURFACE_SIZE * SURFACE_SIZE]);
        Transaction::default()
            .register(train_loss)
            .register(train_correct)
            .register(flipped_correct)
            .register(test_loss)
            .register(test_correct)
            .register(surface)
    }

    fn summary(&self) -> Map<String, Value> {
        let s = &self.series;
        let mut m = Map::new();
        m.insert(metric::STEPS.key.into(), Value::from(self.schedule.step()));
        m.insert(metric::PARAMETERS.key.into(), Value::from(self.params));
        m.insert(metric::N_TRAIN.key.into(), Value::from(self.train.len()));
        m.insert(metric::N_TEST.key.into(), Value::from(self.test_len));
        for metric in [
            metric::TRAIN_ACC,
            metric::TEST_ACC,
            metric::TRAIN_ACC_FLIPPED,
            metric::TRAIN_LOSS,
            metric::TEST_LOSS,
        ] {
            m.insert(
                metric.at_end(),
                s.last(metric.key).map(json_number).unwrap_or(Value::Null),
            );
        }
        m.insert(
            metric::TEST_ACC.best(),
            s.max(metric::TEST_ACC.key)
                .map(json_number)
                .unwrap_or(Value::Null),
        );
        m
    }
}

impl Stepper for Toy2dSession {
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
        let [
            train_loss,
            train_correct,
            flipped_correct,
            test_loss,
            test_correct,
            surface,
        ]: [TensorData; 6] = data.try_into().map_err(|d: Vec<TensorData>| {
            RunError::Readback(format!("expected 6 tensors, got {}", d.len()))
        })?;
        let train_loss = scalar(&train_loss);
        let test_loss = scalar(&test_loss);
        let train_acc = scalar(&train_correct) / self.train.len() as f64;
        let test_acc = scalar(&test_correct) / self.test_len.max(1) as f64;
        let mut metrics = vec![
            (metric::TRAIN_LOSS.key, train_loss),
            (metric::TEST_LOSS.key, test_loss),
            (metric::TRAIN_ACC.key, train_acc),
            (metric::TEST_ACC.key, test_acc),
        ];
        if self.flipped_count > 0 {
            metrics.push((
                metric::TRAIN_ACC_FLIPPED.key,
                scalar(&flipped_correct) / self.flipped_count as f64,
            ));
        }
        self.series.push(step, &metrics);
        let values: Vec<f32> = surface.iter::<f32>().collect();
        self.surface = Some(Surface {
            size: SURFACE_SIZE,
            values,
            extent: SURFACE_EXTENT,
        });
        RunError::unless_finite(step, "train loss", train_loss)
    }

    fn report(&self) -> Report {
        Report::new(
            INFO.id,
            &self.spec,
            metric::STEP.key,
            vec![RunReport::new("mlp", &self.series, self.summary())],
        )
    }

    fn surface(&self) -> Option<Surface> {
        self.surface.clone()
    }

    fn points(&self) -> Vec<(f32, f32, u8, bool)> {
        (0..self.train.len())
            .map(|i| {
                (
                    self.train.xy[i][0],
                    self.train.xy[i][1],
                    self.train.label[i],
                    self.train.flipped[i],
                )
            })
            .collect()
    }
}
