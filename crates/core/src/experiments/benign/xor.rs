//! Benign overfitting and grokking on XOR cluster data (Xu, Wang, Frei, Vardi & Hu 2023): a
//! two-layer ReLU network f(x) = Σⱼ aⱼ·relu(wⱼ·x) with a fixed second layer aⱼ = ±1/√m, a
//! small initialisation, trained by full-batch gradient descent on the logistic loss. In high
//! dimension the first step fits every training label, flipped ones included, by memorising
//! each point's noise, while the test accuracy stays near chance; the neurons learn the cluster
//! directions later, and the test accuracy climbs to nearly optimal with the flipped labels
//! still fitted.

use crate::experiments::benign::metric;
use burn::tensor::{Device, Tensor, TensorData, Transaction, activation};
use serde_json::{Map, Value};

use super::{BenignSpec, INFO};
use crate::data::xor_clusters::{self, XorClusters};
use crate::report::{Report, RunReport, json_number};
use crate::rng::Stream;
use crate::train::{RunError, Schedule, Series, Stepper, scalar};

/// A training or test set on the device.
struct Set {
    x: Tensor<2>,
    /// The labels the accuracy is measured against, ±1.
    label: Tensor<1>,
    /// The clean labels, ±1.
    clean: Tensor<1>,
    /// 1 where the given label was flipped.
    flipped: Tensor<1>,
    len: usize,
    flipped_count: usize,
}

impl Set {
    fn new(data: &XorClusters, device: &Device) -> Self {
        let n = data.len();
        let vector = |v: Vec<f32>| Tensor::<1>::from_data(TensorData::new(v, [n]), device);
        Self {
            x: Tensor::from_data(TensorData::new(data.x.clone(), [n, data.dim]), device),
            label: vector(data.label.clone()),
            clean: vector(data.clean.clone()),
            flipped: vector(
                data.flipped
                    .iter()
                    .map(|&f| f32::from(u8::from(f)))
                    .collect(),
            ),
            len: n,
            flipped_count: data.flipped_count(),
        }
    }
}

/// The logistic loss log(1 + e^(−z)) of margins z, computed without overflow.
fn logistic(margin: Tensor<1>) -> Tensor<1> {
    activation::softplus(margin.neg(), 1.0)
}

/// An `xor` run in progress.
pub struct XorRun {
    spec: BenignSpec,
    /// First-layer weights `[m, d]`; autodiff-enabled and requiring a gradient.
    w: Tensor<2>,
    /// The fixed second layer `[m, 1]`.
    a: Tensor<2>,
    train: Set,
    test: Set,
    schedule: Schedule,
    series: Series,
}

impl XorRun {
    pub fn new(spec: BenignSpec, device: &Device) -> Self {
        let draw = |n: usize, purpose: &str| {
            let mut rng = Stream::new(spec.data_seed, purpose);
            xor_clusters::generate(n, spec.xor.xor_dim, spec.xor.signal, spec.flip, &mut rng)
        };
        let (train, test) = (
            draw(spec.xor.xor_n, "benign/xor/train"),
            draw(spec.xor.xor_test, "benign/xor/test"),
        );
        let m = spec.xor.neurons;
        let mut init = Stream::new(spec.init_seed, "benign/xor/init");
        let w: Vec<f32> = (0..m * spec.xor.xor_dim)
            .map(|_| (spec.xor.init_scale * init.normal()) as f32)
            .collect();
        // Half the neurons vote +1, half −1.
        let scale = 1.0 / (m as f32).sqrt();
        let a: Vec<f32> = (0..m)
            .map(|j| if j % 2 == 0 { scale } else { -scale })
            .collect();
        Self {
            w: Tensor::<2>::from_data(TensorData::new(w, [m, spec.xor.xor_dim]), device)
                .autodiff()
                .require_grad(),
            a: Tensor::from_data(TensorData::new(a, [m, 1]), device),
            train: Set::new(&train, device),
            test: Set::new(&test, device),
            schedule: Schedule::log_spaced(spec.xor.steps, spec.eval_every),
            series: Series::default(),
            spec,
        }
    }

    /// The network's outputs `[n]` for inputs `[n, d]`.
    fn forward(w: Tensor<2>, a: Tensor<2>, x: Tensor<2>) -> Tensor<1> {
        let n = x.dims()[0];
        activation::relu(x.matmul(w.transpose()))
            .matmul(a)
            .reshape([n])
    }

    /// Mean loss, correct predictions against the given labels, correct ones among the
    /// flipped points, and correct predictions against the clean labels, all `[1]`.
    fn measure(&self, set: &Set) -> [Tensor<1>; 4] {
        let f = Self::forward(self.w.clone().inner(), self.a.clone(), set.x.clone());
        let loss = logistic(f.clone() * set.label.clone()).mean();
        let correct = (f.clone() * set.label.clone()).greater_elem(0.0).float();
        let correct_flipped = (correct.clone() * set.flipped.clone()).sum();
        let clean = (f * set.clean.clone()).greater_elem(0.0).float().sum();
        [loss, correct.sum(), correct_flipped, clean]
    }

    fn summary(&self) -> Map<String, Value> {
        let s = &self.series;
        let mut m = Map::new();
        m.insert(metric::STEPS.key.into(), Value::from(self.schedule.step()));
        m.insert(metric::N_TRAIN.key.into(), Value::from(self.train.len));
        m.insert(
            metric::FLIPPED.key.into(),
            Value::from(self.train.flipped_count),
        );
        m.insert(metric::DIM.key.into(), Value::from(self.spec.xor.xor_dim));
        for key in [
            metric::TRAIN_ACC.key,
            metric::TRAIN_ACC_FLIPPED.key,
            metric::TRAIN_ACC_CLEAN.key,
            metric::TEST_ACC_CLEAN.key,
            metric::TEST_ACC_NOISY.key,
        ] {
            m.insert(key.into(), s.last(key).map_or(Value::Null, json_number));
        }
        // The optimum on noisy test labels: predict the clean label, be wrong on the flips.
        m.insert(
            metric::OPTIMAL_TEST_ACC_NOISY.key.into(),
            json_number(1.0 - self.spec.flip),
        );
        // The moments of the story: right after the first step (memorised, at chance), when
        // every training label is first fitted, and when the test accuracy is nearly optimal.
        let at_step_1 = s.step.iter().position(|&step| step == 1);
        for metric in [
            metric::TRAIN_ACC,
            metric::TRAIN_ACC_FLIPPED,
            metric::TEST_ACC_CLEAN,
        ] {
            m.insert(
                metric.step1(),
                at_step_1
                    .and_then(|i| s.get(metric.key).map(|v| v[i]))
                    .map_or(Value::Null, json_number),
            );
        }
        m.insert(
            metric::STEPS_TO_FIT_ALL.key.into(),
            s.first_step_reaching(metric::TRAIN_ACC.key, 1.0)
                .map_or(Value::Null, Value::from),
        );
        if let Some((verdict, why)) = self.verdict() {
            crate::report::Verdict::write(verdict, why, &mut m);
        }
        m.insert(
            metric::STEPS_TO_TEST_CLEAN_90.key.into(),
            s.first_step_reaching(metric::TEST_ACC_CLEAN.key, 0.9)
                .map_or(Value::Null, Value::from),
        );
        m
    }

    /// Once every training label is fitted: how well the interpolating network does on clean
    /// test points (benign ≥ 90%, tempered ≥ 65%, else catastrophic), and why, in a sentence.
    fn verdict(&self) -> Option<(&'static str, String)> {
        let s = &self.series;
        if s.last(metric::TRAIN_ACC.key)? < 1.0 {
            return None;
        }
        let test = s.last(metric::TEST_ACC_CLEAN.key)?;
        let verdict = if test >= 0.9 {
            "benign"
        } else if test >= 0.65 {
            "tempered"
        } else {
            "catastrophic"
        };
        let (n, d) = (self.train.len, self.spec.xor.xor_dim);
        let flips = self.train.flipped_count;
        let first = s
            .step
            .iter()
            .position(|&step| step == 1)
            .and_then(|i| s.get(metric::TEST_ACC_CLEAN.key).map(|t| t[i]));
        let mut why = format!(
            "Every training label is fitted, the {flips} flipped ones too, and {:.1}% of clean \
             test points are classified right.",
            100.0 * test
        );
        if let Some(first) = first {
            why.push_str(&format!(
                " After the first step it was {:.1}%: that step memorised each point through its \
                 own noise (d = {d} dimensions for n = {n} points give every point a direction \
                 of its own), which no test point shares.",
                100.0 * first
            ));
        }
        why.push_str(match verdict {
            "benign" => {
                " Since then the neurons have turned towards the cluster means ±μ₁, ±μ₂, while \
                 the flips stay confined to their points' noise directions."
            }
            _ => {
                " The neurons have not (yet) aligned with the cluster means ±μ₁, ±μ₂: train \
                 longer, or give the clusters more separation |μ|."
            }
        });
        Some((verdict, why))
    }

    pub fn report(&self) -> Report {
        Report::new(
            INFO.id,
            &self.spec,
            metric::STEP.key,
            vec![RunReport::new("relu-net", &self.series, self.summary())],
        )
    }
}

impl Stepper for XorRun {
    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn schedule_mut(&mut self) -> &mut Schedule {
        &mut self.schedule
    }

    fn train_step(&mut self) {
        let f = Self::forward(self.w.clone(), self.a.clone(), self.train.x.clone());
        let loss = logistic(f * self.train.label.clone()).mean();
        let grads = loss.backward();
        let Some(g) = self.w.grad(&grads) else {
            return;
        };
        self.w = (self.w.clone().inner() - g * self.spec.xor.lr)
            .autodiff()
            .require_grad();
    }

    fn evaluate(&mut self) -> Transaction {
        let [loss, correct, flipped, _] = self.measure(&self.train);
        let [test_loss, test_noisy, _, test_clean] = self.measure(&self.test);
        Transaction::default()
            .register(loss)
            .register(correct)
            .register(flipped)
            .register(test_loss)
            .register(test_noisy)
            .register(test_clean)
    }

    fn record(&mut self, step: usize, data: Vec<TensorData>) -> Result<(), RunError> {
        let [loss, correct, flipped, test_loss, test_noisy, test_clean]: [TensorData; 6] =
            data.try_into().map_err(|d: Vec<TensorData>| {
                RunError::Readback(format!("expected 6 tensors, got {}", d.len()))
            })?;
        let n = self.train.len as f64;
        let n_flipped = self.train.flipped_count as f64;
        let n_test = self.test.len.max(1) as f64;
        let train_loss = scalar(&loss);
        let correct = scalar(&correct);
        let flipped = scalar(&flipped);
        let mut metrics = vec![
            (metric::TRAIN_LOSS.key, train_loss),
            (metric::TEST_LOSS.key, scalar(&test_loss)),
            (metric::TRAIN_ACC.key, correct / n),
            (metric::TEST_ACC_NOISY.key, scalar(&test_noisy) / n_test),
            (metric::TEST_ACC_CLEAN.key, scalar(&test_clean) / n_test),
        ];
        if n_flipped > 0.0 {
            metrics.push((metric::TRAIN_ACC_FLIPPED.key, flipped / n_flipped));
            metrics.push((
                metric::TRAIN_ACC_CLEAN.key,
                (correct - flipped) / (n - n_flipped),
            ));
        } else {
            metrics.push((metric::TRAIN_ACC_CLEAN.key, correct / n));
        }
        self.series.push(step, &metrics);
        RunError::unless_finite(step, "train loss", train_loss)
    }

    fn report(&self) -> Report {
        XorRun::report(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gradient_is_the_logistic_loss_gradient() {
        let device = Device::flex().autodiff();
        let (n, d, m) = (3, 4, 2);
        let xs: Vec<f32> = (0..n * d)
            .map(|i| ((i * 7 % 5) as f32 - 2.0) * 0.5)
            .collect();
        let ws: Vec<f32> = (0..m * d)
            .map(|i| ((i * 3 % 5) as f32 - 2.0) * 0.3)
            .collect();
        let y = [1.0f32, -1.0, 1.0];
        let a = [0.5f32, -0.5];
        let x = Tensor::<2>::from_data(TensorData::new(xs.clone(), [n, d]), &device);
        let w = Tensor::<2>::from_data(TensorData::new(ws.clone(), [m, d]), &device).require_grad();
        let at = Tensor::<2>::from_data(TensorData::new(a.to_vec(), [m, 1]), &device);
        let yt = Tensor::<1>::from_data(TensorData::new(y.to_vec(), [n]), &device);
        let f = XorRun::forward(w.clone(), at, x.clone());
        let loss = logistic(f * yt).mean();
        let grads = loss.backward();
        let g: Vec<f32> = w
            .grad(&grads)
            .expect("grad")
            .into_data()
            .iter::<f32>()
            .collect();
        // By hand: dL/dw_j = (1/n) Σ_i −y_i σ(−y_i f_i) a_j 1[w_j·x_i > 0] x_i.
        let mut expected = vec![0.0f32; m * d];
        for i in 0..n {
            let row = &xs[i * d..(i + 1) * d];
            let h: Vec<f32> = (0..m)
                .map(|j| (0..d).map(|k| ws[j * d + k] * row[k]).sum())
                .collect();
            let f: f32 = (0..m).map(|j| a[j] * h[j].max(0.0)).sum();
            let coef = -y[i] / (1.0 + (y[i] * f).exp()) / n as f32;
            for j in 0..m {
                if h[j] > 0.0 {
                    for k in 0..d {
                        expected[j * d + k] += coef * a[j] * row[k];
                    }
                }
            }
        }
        for (got, want) in g.iter().zip(&expected) {
            assert!((got - want).abs() < 1e-6, "{g:?} vs {expected:?}");
        }
    }
}
