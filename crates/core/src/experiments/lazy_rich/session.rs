//! Training every α of a lazy-to-rich spec as one module (engine only), the linearised
//! network beside them, and the initial kernel's regression as a level (solved on the host
//! once, before the first step).

use burn::module::{Module, Param};
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData, Transaction};
use nalgebra::DMatrix;
use serde_json::{Map, Value};

use super::{INFO, LazyRichSpec, metric};
use crate::report::{Report, RunReport, Verdict, json_number};
use crate::rng::Stream;
use crate::series::Series;
use crate::terms::{Unit, format_value};
use crate::train::{OptimizerKind, RunError, Schedule, Stepper, build_optimizer};

/// Every α's first-layer weights, `[members, D, N]`.
#[derive(Module, Debug)]
struct Layer {
    w: Param<Tensor<3>>,
}

fn tensor<const D: usize>(values: Vec<f32>, shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// The data, the start and the initial kernel, built on the host.
struct Problem {
    x_train: Vec<f64>,
    x_test: Vec<f64>,
    y_train: Vec<f64>,
    y_test: Vec<f64>,
    w0: Vec<f64>,
}

impl Problem {
    fn new(spec: &LazyRichSpec) -> Self {
        let (d, n) = (spec.dim, spec.width);
        let mut data = Stream::new(spec.data_seed, "lazy-rich/data");
        let beta: Vec<f64> = (0..d).map(|_| data.normal()).collect();
        let mut draw = |count: usize| -> (Vec<f64>, Vec<f64>) {
            let x: Vec<f64> = (0..count * d).map(|_| data.normal()).collect();
            let y = x
                .chunks(d)
                .map(|row| {
                    let t =
                        row.iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>() / (d as f64).sqrt();
                    t * t
                })
                .collect();
            (x, y)
        };
        let (x_train, y_train) = draw(spec.n_train);
        let (x_test, y_test) = draw(spec.n_test);
        let mut init = Stream::new(spec.init_seed, "lazy-rich/init");
        let w0 = (0..d * n).map(|_| init.normal()).collect();
        Self {
            x_train,
            x_test,
            y_train,
            y_test,
            w0,
        }
    }

    /// The start's tangent kernel K̃(x, x') = (1/N²) Σᵢ φ'(hᵢ(x)) φ'(hᵢ(x')) (x·x')/D between
    /// every point (training first) and the training points: `[P + T, P]`, row-major.
    fn kernel(&self, spec: &LazyRichSpec) -> DMatrix<f64> {
        let (d, n, p) = (spec.dim, spec.width, spec.n_train);
        let all: Vec<f64> = self.x_train.iter().chain(&self.x_test).copied().collect();
        let rows = all.len() / d;
        let x = DMatrix::from_row_slice(rows, d, &all);
        let w = DMatrix::from_row_slice(d, n, &self.w0);
        let h = (&x * &w) / (d as f64).sqrt();
        let slope = h.map(|v| 1.0 + spec.epsilon * v);
        let train_slope = slope.rows(0, p).into_owned();
        let features = &slope * train_slope.transpose() / (n * n) as f64;
        let inputs = &x * x.rows(0, p).transpose() / d as f64;
        features.component_mul(&inputs)
    }
}

/// A lazy-to-rich run in progress.
pub struct LazyRichSession {
    spec: LazyRichSpec,
    alphas: Vec<f64>,
    layer: Layer,
    optim: ModuleOptimizer,
    /// The start's weights and norm, `[members, D, N]` (no autodiff).
    w0: Tensor<3>,
    x_train: Tensor<2>,
    x_test: Tensor<2>,
    y_train: Tensor<2>,
    y_test: Tensor<2>,
    /// The start's mean activation per point, `[1, n]`, subtracted to centre the output.
    g0_train: Tensor<2>,
    g0_test: Tensor<2>,
    /// `[members, 1]`: α and 1/α².
    alpha: Tensor<2>,
    inverse_square: Tensor<2>,
    /// The linearised network: its kernels and outputs (`[P, P]`, `[T, P]`, `[n, 1]`).
    k_train: Tensor<2>,
    k_test: Tensor<2>,
    lin_train: Tensor<2>,
    lin_test: Tensor<2>,
    /// Inputs' Gram matrix over D, `[P, P]`, for the kernel's alignment.
    gram: Tensor<2>,
    kernel_test_loss: f64,
    schedule: Schedule,
    series: Vec<Series>,
    linear: Series,
}

impl LazyRichSession {
    pub fn new(spec: LazyRichSpec, device: &Device) -> Self {
        let device = device.clone().autodiff();
        let inner = device.clone().inner();
        let alphas = spec.alpha_grid();
        let m = alphas.len();
        let (d, n, p, t) = (spec.dim, spec.width, spec.n_train, spec.n_test);
        let problem = Problem::new(&spec);
        let kernel = problem.kernel(&spec);
        let k_train = kernel.rows(0, p).into_owned();
        let k_test = kernel.rows(p, t).into_owned();
        // The initial kernel's ridgeless regression: where the linearised network ends.
        let y = DMatrix::from_column_slice(p, 1, &problem.y_train);
        let (coef, _) = crate::linalg::solve_spd(&k_train, 0.0, &y);
        let predicted = &k_test * coef;
        let kernel_test_loss = predicted
            .iter()
            .zip(&problem.y_test)
            .map(|(f, y)| (f - y).powi(2))
            .sum::<f64>()
            / t as f64;
        let f32s = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<_>>();
        let row_major = |mtx: &DMatrix<f64>| f32s(mtx.transpose().as_slice());
        let w0: Vec<f32> = (0..m).flat_map(|_| f32s(&problem.w0)).collect();
        let start = |x: &[f64], count: usize| {
            // (1/N) Σ φ(hᵢ) of the start, per point.
            let xm = DMatrix::from_row_slice(count, d, x);
            let wm = DMatrix::from_row_slice(d, n, &problem.w0);
            let h = (xm * wm) / (d as f64).sqrt();
            let g: Vec<f32> = h
                .row_iter()
                .map(|row| {
                    (row.iter()
                        .map(|&v| v + spec.epsilon / 2.0 * v * v)
                        .sum::<f64>()
                        / n as f64) as f32
                })
                .collect();
            g
        };
        let x_train = tensor(f32s(&problem.x_train), [p, d], &device);
        let gram = {
            let x = x_train.clone().inner();
            x.clone().matmul(x.transpose()) / d as f64
        };
        let each = |f: &dyn Fn(f64) -> f64| {
            tensor(
                alphas.iter().map(|&a| f(a) as f32).collect(),
                [m, 1],
                &device,
            )
        };
        Self {
            layer: Layer {
                w: Param::from_tensor(tensor(w0.clone(), [m, d, n], &device)),
            },
            optim: build_optimizer(OptimizerKind::Sgd, 0.0, (0.9, 0.999)),
            w0: tensor(w0, [m, d, n], &inner),
            x_test: tensor(f32s(&problem.x_test), [t, d], &device),
            y_train: tensor(f32s(&problem.y_train), [1, p], &device),
            y_test: tensor(f32s(&problem.y_test), [1, t], &device),
            g0_train: tensor(start(&problem.x_train, p), [1, p], &device),
            g0_test: tensor(start(&problem.x_test, t), [1, t], &device),
            alpha: each(&|a| a),
            inverse_square: each(&|a| 1.0 / (a * a)),
            k_train: tensor(row_major(&k_train), [p, p], &inner),
            k_test: tensor(row_major(&k_test), [t, p], &inner),
            lin_train: Tensor::zeros([p, 1], &inner),
            lin_test: Tensor::zeros([t, 1], &inner),
            gram,
            x_train,
            kernel_test_loss,
            schedule: Schedule::log_spaced(spec.steps, spec.eval_every),
            series: vec![Series::default(); m],
            linear: Series::default(),
            alphas,
            spec,
        }
    }

    /// Every α's pre-activations on `x` (`[n, D]`): `[members, n, N]`.
    fn pre(&self, w: Tensor<3>, x: Tensor<2>) -> Tensor<3> {
        let m = w.dims()[0];
        let [n, d] = x.dims();
        x.reshape([1, n, d]).repeat_dim(0, m).matmul(w) / (d as f64).sqrt()
    }

    /// Every α's centred outputs: `[members, n]`.
    fn output(&self, h: Tensor<3>, g0: Tensor<2>, alpha: Tensor<2>) -> Tensor<2> {
        let [m, n, _] = h.dims();
        let phi = h.clone() + h.powi_scalar(2) * (self.spec.epsilon / 2.0);
        (phi.mean_dim(2).reshape([m, n]) - g0) * alpha
    }
}

impl Stepper for LazyRichSession {
    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn schedule_mut(&mut self) -> &mut Schedule {
        &mut self.schedule
    }

    fn train_step(&mut self) {
        let p = self.spec.n_train as f64;
        let h = self.pre(self.layer.w.val(), self.x_train.clone());
        let f = self.output(h, self.g0_train.clone(), self.alpha.clone());
        // Each α's mean squared error over α², summed: each gets the gradient of its own.
        let loss =
            ((f - self.y_train.clone()).powi_scalar(2) * self.inverse_square.clone()).sum() / p;
        let grads = GradientsParams::from_grads(loss.backward(), &self.layer);
        let lr = self.spec.lr * self.spec.width as f64;
        let layer = self.layer.clone();
        self.layer = self.optim.step(lr, layer, grads);
        // The linearised network's step in function space: f ← f − (2η/P) K̃ (f − y).
        let rate = 2.0 * lr / p;
        let residual = self.lin_train.clone() - self.y_train.clone().inner().reshape([-1, 1]);
        self.lin_train =
            self.lin_train.clone() - self.k_train.clone().matmul(residual.clone()) * rate;
        self.lin_test = self.lin_test.clone() - self.k_test.clone().matmul(residual) * rate;
    }

    fn evaluate(&mut self) -> Transaction {
        let w = self.layer.w.val().inner();
        let m = w.dims()[0];
        let alpha = self.alpha.clone().inner();
        let (y_train, y_test) = (self.y_train.clone().inner(), self.y_test.clone().inner());
        let h_train = self.pre(w.clone(), self.x_train.clone().inner());
        let h_test = self.pre(w.clone(), self.x_test.clone().inner());
        let loss = |f: Tensor<2>, y: Tensor<2>| (f - y).powi_scalar(2).mean_dim(1).reshape([m]);
        let train_loss = loss(
            self.output(
                h_train.clone(),
                self.g0_train.clone().inner(),
                alpha.clone(),
            ),
            y_train.clone(),
        );
        let test_loss = loss(
            self.output(h_test, self.g0_test.clone().inner(), alpha),
            y_test.clone(),
        );
        // The current tangent kernel on the training points, up to a constant: (Φ'Φ'ᵀ) ⊙ G.
        let slope = h_train * self.spec.epsilon + 1.0;
        let kernel =
            slope.clone().matmul(slope.swap_dims(1, 2)) * self.gram.clone().unsqueeze::<3>();
        let p = self.spec.n_train;
        let y = y_train.clone().reshape([1, p, 1]).repeat_dim(0, m);
        let ky = kernel.clone().matmul(y.clone());
        let yky = (ky * y).reshape([m, p]).sum_dim(1).reshape([m]);
        let frobenius = kernel
            .powi_scalar(2)
            .reshape([m, p * p])
            .sum_dim(1)
            .sqrt()
            .reshape([m]);
        let yy = y_train.clone().powi_scalar(2).sum();
        let alignment = yky / (frobenius * yy);
        let moved = |t: Tensor<3>| {
            t.powi_scalar(2)
                .reshape([m as i32, -1])
                .sum_dim(1)
                .sqrt()
                .reshape([m])
        };
        let change = moved(w - self.w0.clone()) / moved(self.w0.clone());
        let linear = Tensor::cat(
            vec![
                (self.lin_train.clone() - y_train.reshape([-1, 1]))
                    .powi_scalar(2)
                    .mean(),
                (self.lin_test.clone() - y_test.reshape([-1, 1]))
                    .powi_scalar(2)
                    .mean(),
            ],
            0,
        );
        Transaction::default()
            .register(train_loss)
            .register(test_loss)
            .register(alignment)
            .register(change)
            .register(linear)
    }

    fn record(&mut self, step: usize, data: Vec<TensorData>) -> Result<(), RunError> {
        let m = self.alphas.len();
        let values: Vec<Vec<f64>> = data.iter().map(|d| d.iter::<f64>().collect()).collect();
        if values.len() != 5 || values[..4].iter().any(|v| v.len() != m) || values[4].len() != 2 {
            return Err(RunError::Readback(format!(
                "expected 4 tensors of {m} values and 2"
            )));
        }
        for (k, series) in self.series.iter_mut().enumerate() {
            RunError::unless_finite(
                step,
                &format!("training loss at α = {}", self.alphas[k]),
                values[0][k],
            )?;
            series.push(
                step,
                &[
                    (metric::TRAIN_LOSS.key, values[0][k]),
                    (metric::TEST_LOSS.key, values[1][k]),
                    (metric::ALIGNMENT.key, values[2][k]),
                    (metric::WEIGHT_CHANGE.key, values[3][k]),
                ],
            );
        }
        RunError::unless_finite(step, "the linearised network's loss", values[4][0])?;
        self.linear.push(
            step,
            &[
                (metric::TRAIN_LOSS.key, values[4][0]),
                (metric::TEST_LOSS.key, values[4][1]),
            ],
        );
        Ok(())
    }

    fn report(&self) -> Report {
        let level = self.kernel_test_loss;
        let count = |x: f64| format_value(x, Unit::Count);
        let n = |x: f64| format_value(x, Unit::Number);
        let mut runs: Vec<RunReport> = Vec::new();
        let mut rich = Vec::new();
        for (k, series) in self.series.iter().enumerate() {
            let a = self.alphas[k];
            let mut summary = Map::new();
            summary.insert(metric::ALPHA.key.into(), json_number(a));
            summary.insert(metric::KERNEL_TEST_LOSS.key.into(), json_number(level));
            let left = series
                .get(metric::TEST_LOSS.key)
                .and_then(|v| v.iter().position(|&l| l < 0.5 * level))
                .map(|i| series.step[i]);
            rich.push(left.map_or(f64::NAN, |s| s as f64));
            if let Some(last) = series.last(metric::TEST_LOSS.key) {
                summary.insert(metric::TEST_LOSS.at_end(), json_number(last));
                let moved = series.last(metric::WEIGHT_CHANGE.key).unwrap_or(f64::NAN);
                summary.insert(metric::WEIGHT_CHANGE.at_end(), json_number(moved));
                let (verdict, why) = match left {
                    Some(step) => {
                        summary.insert(metric::RICH_AT.key.into(), Value::from(step));
                        (
                            format!("left the kernel at step {}", count(step as f64)),
                            format!(
                                "Its test loss fell below half the initial kernel's ({}) at step \
                                 {} and ends at {}; its weights moved {} of their norm.",
                                n(level),
                                count(step as f64),
                                n(last),
                                format_value(moved, Unit::Percent)
                            ),
                        )
                    }
                    None => (
                        "still lazy".to_string(),
                        format!(
                            "Its test loss ({}) has not fallen below half the initial kernel's \
                             ({}); its weights moved {} of their norm.",
                            n(last),
                            n(level),
                            format_value(moved, Unit::Percent)
                        ),
                    ),
                };
                Verdict::write(verdict, why, &mut summary);
            }
            runs.push(RunReport::new(&format!("α {a}"), series, summary));
        }
        // The linearised network and the kernel's regression keep the initial kernel: its
        // alignment (every α's at step 0) throughout; their weights' movement is not drawn.
        let initial = self
            .series
            .first()
            .and_then(|s| s.get(metric::ALIGNMENT.key))
            .and_then(|v| v.first().copied())
            .unwrap_or(f64::NAN);
        let mut summary = Map::new();
        if let Some(last) = self.linear.last(metric::TEST_LOSS.key) {
            summary.insert(metric::TEST_LOSS.at_end(), json_number(last));
        }
        let points = self.linear.step.len();
        let mut linear = self.linear.clone();
        linear
            .values
            .insert(metric::ALIGNMENT.key.into(), vec![initial; points]);
        linear
            .values
            .insert(metric::WEIGHT_CHANGE.key.into(), vec![f64::NAN; points]);
        runs.push(RunReport::new("linearised network", &linear, summary));
        let steps = self.spec.steps as f64;
        runs.push(RunReport::from_columns(
            "initial kernel's regression",
            &[
                (metric::STEP.key, vec![0.0, steps]),
                (metric::TEST_LOSS.key, vec![level, level]),
                (metric::TRAIN_LOSS.key, vec![f64::NAN, f64::NAN]),
                (metric::ALIGNMENT.key, vec![initial, initial]),
                (metric::WEIGHT_CHANGE.key, vec![f64::NAN, f64::NAN]),
            ],
            Map::new(),
        ));
        runs.push(RunReport::from_columns(
            "by α",
            &[
                (metric::ALPHA.key, self.alphas.clone()),
                (metric::RICH_AT.key, rich),
            ],
            Map::new(),
        ));
        Report::new(INFO.id, &self.spec, metric::STEP.key, runs)
    }
}
