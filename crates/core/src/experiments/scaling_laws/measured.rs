//! The measured mode as a run (engine only): 40-h-h-10 MLPs of every width trained side by
//! side by Adam on MNIST-1D (one module, shared minibatches), their test loss read at
//! log-spaced steps and set against the compute each has spent; the lower envelope over
//! widths, its exponent, and the width that is best for each budget.

use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Int, Tensor, TensorData, Transaction};
use serde_json::{Map, Value};

use super::theory::log_slope;
use super::{INFO, ScalingLawsSpec, metric};
use crate::data::mnist1d::{self, CLASSES, LENGTH};
use crate::models::mlp_bank::{GroupedBank, GroupedBankConfig, GroupedMasks, parameter_count};
use crate::report::{Report, RunReport, Verdict, json_number};
use crate::rng::Stream;
use crate::series::Series;
use crate::terms::{Unit, format_value};
use crate::train::{
    BatchOrder, OptimizerKind, RunError, Schedule, Stepper, build_optimizer, member_cross_entropy,
    shared_targets,
};

fn inputs(samples: &mnist1d::Samples, device: &Device) -> (Tensor<2>, Tensor<1, Int>) {
    let n = samples.len();
    let labels: Vec<i64> = samples.y.iter().map(|&y| i64::from(y)).collect();
    (
        Tensor::from_data(TensorData::new(samples.x.clone(), [n, LENGTH]), device),
        Tensor::from_data(TensorData::new(labels, [n]), device),
    )
}

/// The lower envelope of `(compute, loss)` curves: at every compute any curve recorded, the
/// lowest loss any curve reached with at most that compute, and which curve. Sorted by
/// compute; the loss never rises along it.
pub fn envelope(curves: &[Vec<(f64, f64)>]) -> Vec<(f64, f64, usize)> {
    let mut points: Vec<(f64, f64, usize)> = curves
        .iter()
        .enumerate()
        .flat_map(|(k, c)| c.iter().map(move |&(x, y)| (x, y, k)))
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f64, f64, usize)> = Vec::new();
    for (x, y, k) in points {
        match out.last() {
            Some(&(_, best, _)) if y >= best => {
                let last = *out.last().unwrap_or(&(x, best, k));
                out.push((x, last.1, last.2));
            }
            _ => out.push((x, y, k)),
        }
    }
    out
}

/// A measured run in progress.
pub struct MeasuredSession {
    spec: ScalingLawsSpec,
    widths: Vec<usize>,
    device: Device,
    model: GroupedBank,
    masks: GroupedMasks,
    optim: ModuleOptimizer,
    x_train: Tensor<2>,
    y_train: Tensor<1, Int>,
    x_test: Tensor<2>,
    y_test: Tensor<1, Int>,
    order: BatchOrder,
    schedule: Schedule,
    series: Vec<Series>,
}

impl MeasuredSession {
    pub fn new(spec: ScalingLawsSpec, device: &Device) -> Self {
        let device = device.clone().autodiff();
        let all = mnist1d::generate(spec.n_train + spec.n_test, spec.data_seed);
        let (train, test) = all.split_at(spec.n_train);
        let widths = spec.width_ladder();
        let (model, masks) = GroupedBankConfig::new(LENGTH, widths.clone(), CLASSES).init(
            &mut Stream::new(spec.init_seed, "scaling-laws/init"),
            &device,
        );
        let (x_train, y_train) = inputs(&train, &device);
        let (x_test, y_test) = inputs(&test, &device);
        Self {
            order: BatchOrder::new(
                spec.n_train,
                spec.batch,
                Stream::new(spec.data_seed, "scaling-laws/order"),
            ),
            schedule: Schedule::log_spaced(spec.steps, spec.eval_every),
            series: vec![Series::default(); widths.len()],
            optim: build_optimizer(OptimizerKind::Adam, 0.0, (0.9, 0.999)),
            widths,
            device,
            model,
            masks,
            x_train,
            y_train,
            x_test,
            y_test,
            spec,
        }
    }

    /// Each width's compute per step: 6 FLOPs per parameter per example.
    fn per_step(&self) -> Vec<f64> {
        self.widths
            .iter()
            .map(|&w| 6.0 * parameter_count(LENGTH, w, CLASSES) as f64 * self.spec.batch as f64)
            .collect()
    }
}

impl Stepper for MeasuredSession {
    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn schedule_mut(&mut self) -> &mut Schedule {
        &mut self.schedule
    }

    fn train_step(&mut self) {
        let idx = self.order.next_batch_tensor(&self.device);
        let x = self.x_train.clone().select(0, idx.clone());
        let y = self.y_train.clone().select(0, idx);
        let k = self.widths.len();
        // The bank's logits are `[batch, models, classes]`: models first for the loss.
        let logits = self.model.forward(x, &self.masks, CLASSES).swap_dims(0, 1);
        let loss = member_cross_entropy(logits, shared_targets(y, k)).sum();
        let grads = GradientsParams::from_grads(loss.backward(), &self.model);
        self.model = self.optim.step(self.spec.lr, self.model.clone(), grads);
    }

    fn evaluate(&mut self) -> Transaction {
        let k = self.widths.len();
        // Off autodiff: a forward through it would keep its activations for a backward
        // that never comes.
        let logits = self
            .model
            .valid()
            .forward(self.x_test.clone().inner(), &self.masks, CLASSES);
        let targets = shared_targets(self.y_test.clone().inner(), k);
        let loss = member_cross_entropy(logits.swap_dims(0, 1), targets);
        Transaction::default().register(loss)
    }

    fn record(&mut self, step: usize, data: Vec<TensorData>) -> Result<(), RunError> {
        let losses: Vec<f64> = match data.as_slice() {
            [d] => d.iter::<f64>().collect(),
            _ => return Err(RunError::Readback("expected one tensor".into())),
        };
        if losses.len() != self.widths.len() {
            return Err(RunError::Readback("one loss per width expected".into()));
        }
        let per_step = self.per_step();
        for (k, series) in self.series.iter_mut().enumerate() {
            RunError::unless_finite(
                step,
                &format!("width {}'s test loss", self.widths[k]),
                losses[k],
            )?;
            series.push(
                step,
                &[
                    (metric::COMPUTE.key, per_step[k] * step as f64),
                    (metric::TEST_LOSS.key, losses[k]),
                ],
            );
        }
        Ok(())
    }

    fn report(&self) -> Report {
        let mut runs = Vec::new();
        let mut curves = Vec::new();
        for (k, series) in self.series.iter().enumerate() {
            let w = self.widths[k];
            let mut summary = Map::new();
            summary.insert(metric::WIDTH_TRAINED.key.into(), Value::from(w));
            summary.insert(
                metric::PARAMETERS.key.into(),
                Value::from(parameter_count(LENGTH, w, CLASSES)),
            );
            if let Some(last) = series.last(metric::TEST_LOSS.key) {
                summary.insert(metric::TEST_LOSS.at_end(), json_number(last));
            }
            let compute = series.get(metric::COMPUTE.key).unwrap_or(&[]);
            let loss = series.get(metric::TEST_LOSS.key).unwrap_or(&[]);
            // Step 0 spent no compute: not on a log axis, not on the envelope.
            curves.push(
                compute
                    .iter()
                    .zip(loss)
                    .filter(|(c, _)| **c > 0.0)
                    .map(|(&c, &l)| (c, l))
                    .collect::<Vec<_>>(),
            );
            runs.push(RunReport::new(&format!("width {w}"), series, summary));
        }
        let frontier = envelope(&curves);
        let mut summary = Map::new();
        if frontier.len() >= 3 {
            let xs: Vec<f64> = frontier.iter().map(|p| p.0).collect();
            let ys: Vec<f64> = frontier.iter().map(|p| p.1).collect();
            // Fitted from ten times the least compute on, past the first steps' transient.
            let from = xs[0] * 10.0;
            let (fx, fy): (Vec<f64>, Vec<f64>) = xs
                .iter()
                .zip(&ys)
                .filter(|(x, _)| **x >= from)
                .map(|(x, y)| (*x, *y))
                .unzip();
            let exponent = -log_slope(&fx, &fy);
            summary.insert(metric::FITTED_EXPONENT.key.into(), json_number(exponent));
            let sizes: Vec<f64> = frontier
                .iter()
                .filter(|p| p.0 >= from)
                .map(|p| parameter_count(LENGTH, self.widths[p.2], CLASSES) as f64)
                .collect();
            let growth = log_slope(&fx, &sizes);
            summary.insert(
                metric::OPTIMAL_SIZE_EXPONENT.key.into(),
                json_number(growth),
            );
            let n = |x: f64| format_value(x, Unit::Number);
            let first = frontier[0];
            let last = frontier[frontier.len() - 1];
            let (w0, w1) = (self.widths[first.2], self.widths[last.2]);
            summary.insert(metric::OPTIMAL_WIDTH.at_end(), Value::from(w1));
            Verdict::write(
                format!("L ∝ C^−{} along the envelope", n(exponent)),
                format!(
                    "The lowest test loss for a given compute falls from {} at {} FLOPs to {} at \
                     {} (a log-log slope of −{} from {} FLOPs on); the best width goes from \
                     {w0} to {w1} as the budget grows, its parameters as C^{}.",
                    n(first.1),
                    n(first.0),
                    n(last.1),
                    n(last.0),
                    n(exponent),
                    n(from),
                    n(growth)
                ),
                &mut summary,
            );
        }
        runs.push(RunReport::from_columns(
            "lower envelope",
            &[
                (metric::COMPUTE.key, frontier.iter().map(|p| p.0).collect()),
                (
                    metric::ENVELOPE_LOSS.key,
                    frontier.iter().map(|p| p.1).collect(),
                ),
                (
                    metric::OPTIMAL_WIDTH.key,
                    frontier.iter().map(|p| self.widths[p.2] as f64).collect(),
                ),
            ],
            summary,
        ));
        Report::new(INFO.id, &self.spec, metric::STEP.key, runs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_never_rises_and_names_the_best_curve() {
        let small = vec![(1.0, 2.0), (2.0, 1.5), (4.0, 1.4)];
        let large = vec![(3.0, 1.8), (6.0, 1.0), (12.0, 0.5)];
        let e = envelope(&[small, large]);
        assert_eq!(
            e,
            vec![
                (1.0, 2.0, 0),
                (2.0, 1.5, 0),
                (3.0, 1.5, 0),
                (4.0, 1.4, 0),
                (6.0, 1.0, 1),
                (12.0, 0.5, 1)
            ]
        );
    }
}
