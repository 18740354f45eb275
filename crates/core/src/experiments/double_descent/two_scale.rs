//! Epoch-wise double descent in its smallest form: linear regression whose features come at
//! two scales, trained by full-batch gradient descent from zero. The strong ("fast") features
//! are learned within a few steps; alone they sit close to their own interpolation threshold
//! (70 of them for 100 samples) and, with the weak features' signal still unexplained, they
//! soon fit noise: the test error rises. The weak ("slow") features, ten times smaller, are
//! learned about a hundred times later; once they explain their share of the signal the test
//! error descends a second time, far below its first minimum. This is the mechanism Heckel &
//! Yilmaz (2021) and Pezeshki et al. (2022) give for the epoch-wise double descent Nakkiran et
//! al. (2019) observed in large networks: parts of a model learned at different speeds, each
//! with its own bias-variance curve.
//!
//! Inputs are Gaussian with known covariance, so the test error is exact (no test sample):
//! `|Σ^½(θ − θ*)|² + σ²`, reported split into the fast and slow features' parts.

use crate::experiments::double_descent::metric;
use burn::tensor::{Device, Tensor, TensorData, Transaction};
use nalgebra::DMatrix;
use serde_json::{Map, Value};

use super::{DoubleDescentSpec, INFO};
use crate::report::{Report, RunReport, json_number};
use crate::rng::Stream;
use crate::train::{RunError, Schedule, Stepper};

/// The data of one run, drawn from the data seed: inputs with the two scales, the true
/// coefficients and noisy targets.
#[derive(Clone, Debug)]
pub struct Problem {
    pub n: usize,
    pub fast: usize,
    pub slow: usize,
    /// Standard deviation of each input coordinate: 1 (fast) or `slow_scale` (slow).
    pub scales: Vec<f64>,
    /// `[n, fast + slow]`, row-major.
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub theta: Vec<f64>,
    pub noise: f64,
}

impl Problem {
    /// The signal `x·θ*` has variance 1: `1 − slow_share` from the fast features and
    /// `slow_share` from the slow ones; the noise on the targets has standard deviation
    /// `target_noise`.
    pub fn new(spec: &DoubleDescentSpec) -> Self {
        let (fast, slow) = (spec.two_scale.fast_dims, spec.two_scale.slow_dims);
        let dim = fast + slow;
        let mut rng = Stream::new(spec.data_seed, "double-descent/two-scale");
        let scales: Vec<f64> = (0..dim)
            .map(|i| {
                if i < fast {
                    1.0
                } else {
                    spec.two_scale.slow_scale
                }
            })
            .collect();
        // Directions of θ* in each group, scaled so that each group's signal variance
        // Σ scale²·θ² is its share.
        let mut group = |count: usize, variance: f64, scale: f64| -> Vec<f64> {
            let v: Vec<f64> = (0..count).map(|_| rng.normal()).collect();
            let norm = v
                .iter()
                .map(|a| a * a)
                .sum::<f64>()
                .sqrt()
                .max(f64::MIN_POSITIVE);
            v.iter()
                .map(|a| a / norm * variance.sqrt() / scale)
                .collect()
        };
        let mut theta = group(fast, 1.0 - spec.two_scale.slow_share, 1.0);
        theta.extend(group(
            slow,
            spec.two_scale.slow_share,
            spec.two_scale.slow_scale,
        ));
        let n = spec.two_scale.gd_train;
        let x: Vec<f64> = (0..n * dim)
            .map(|k| scales[k % dim] * rng.normal())
            .collect();
        let y = (0..n)
            .map(|i| {
                let row = &x[i * dim..(i + 1) * dim];
                let signal: f64 = row.iter().zip(&theta).map(|(a, b)| a * b).sum();
                signal + spec.two_scale.target_noise * rng.normal()
            })
            .collect();
        Self {
            n,
            fast,
            slow,
            scales,
            x,
            y,
            theta,
            noise: spec.two_scale.target_noise,
        }
    }

    pub fn dim(&self) -> usize {
        self.fast + self.slow
    }

    /// The exact test error of coefficients `w` split as (fast part, slow part); the total is
    /// their sum plus σ².
    pub fn test_error(&self, w: &[f64]) -> (f64, f64) {
        let part = |range: std::ops::Range<usize>| -> f64 {
            range
                .map(|i| (self.scales[i] * (w[i] - self.theta[i])).powi(2))
                .sum()
        };
        (part(0..self.fast), part(self.fast..self.dim()))
    }
}

/// Full-batch gradient descent on `½·mean((x·θ − y)²)` from θ = 0, the errors read at
/// log-spaced steps.
pub struct TwoScaleRun {
    spec: DoubleDescentSpec,
    problem: Problem,
    /// `XᵀX / n`, `[d, d]`, and `Xᵀy / n`, `[d, 1]`: the gradient at θ is `G·θ − b`.
    gram: Tensor<2>,
    rhs: Tensor<2>,
    /// One gradient step as one affine map: θ − η(Gθ − b) = (I − ηG)·θ + η·b.
    step_matrix: Tensor<2>,
    step_offset: Tensor<2>,
    theta: Tensor<2>,
    /// `[d, 1]`: the true coefficients and the input scales, for the exact test error.
    truth: Tensor<2>,
    scales: Tensor<2>,
    /// `[1, d]`: 1 on the fast features.
    fast_mask: Tensor<2>,
    /// Σ y² / n, for the training error `θᵀGθ − 2θᵀb + Σy²/n`.
    y_square: f64,
    schedule: Schedule,
    /// Per evaluation: epoch, training error, test error of the fast and slow parts.
    history: Vec<(usize, f64, f64, f64)>,
}

impl TwoScaleRun {
    pub fn new(spec: DoubleDescentSpec, device: &Device) -> Self {
        let problem = Problem::new(&spec);
        let (n, d) = (problem.n, problem.dim());
        let tensor = |m: DMatrix<f64>| {
            // nalgebra is column-major; the transpose's storage is the row-major data.
            let shape = [m.nrows(), m.ncols()];
            let values: Vec<f32> = m.transpose().iter().map(|a| *a as f32).collect();
            Tensor::<2>::from_data(TensorData::new(values, shape), device)
        };
        let column = |v: &[f64]| tensor(DMatrix::from_column_slice(v.len(), 1, v));
        // The normal equations' matrix and right-hand side, formed once in f64 on the host.
        let x = DMatrix::from_row_slice(n, d, &problem.x);
        let gram = x.transpose() * &x / n as f64;
        let rhs = x.transpose() * DMatrix::from_column_slice(n, 1, &problem.y) / n as f64;
        let step_matrix = DMatrix::identity(d, d) - &gram * spec.two_scale.gd_lr;
        let step_offset = &rhs * spec.two_scale.gd_lr;
        let y_square = problem.y.iter().map(|v| v * v).sum::<f64>() / n as f64;
        let fast_mask: Vec<f32> = (0..d)
            .map(|i| if i < problem.fast { 1.0 } else { 0.0 })
            .collect();
        Self {
            gram: tensor(gram),
            rhs: tensor(rhs),
            step_matrix: tensor(step_matrix),
            step_offset: tensor(step_offset),
            theta: Tensor::zeros([d, 1], device),
            truth: column(&problem.theta),
            scales: column(&problem.scales),
            fast_mask: Tensor::from_data(TensorData::new(fast_mask, [1, d]), device),
            y_square,
            schedule: Schedule::log_spaced(
                spec.two_scale.gd_steps,
                (spec.two_scale.gd_steps / 50).max(1),
            ),
            history: Vec::new(),
            problem,
            spec,
        }
    }

    pub fn problem(&self) -> &Problem {
        &self.problem
    }

    /// The current coefficients (a synchronous read: native callers only).
    #[cfg(test)]
    pub fn theta(&self) -> Vec<f64> {
        self.theta.clone().into_data().iter::<f64>().collect()
    }

    fn summary(&self) -> Map<String, Value> {
        let mut s = Map::new();
        s.insert(metric::N_TRAIN.key.into(), Value::from(self.problem.n));
        s.insert(
            metric::PARAMETERS.key.into(),
            Value::from(self.problem.dim()),
        );
        s.insert(
            metric::NOISE_FLOOR.key.into(),
            json_number(self.problem.noise * self.problem.noise),
        );
        let epochs: Vec<usize> = self.history.iter().map(|h| h.0).collect();
        let test: Vec<f64> = self
            .history
            .iter()
            .map(|h| h.2 + h.3 + self.noise2())
            .collect();
        describe_two_descents(&mut s, &epochs, &test);
        s
    }

    fn noise2(&self) -> f64 {
        self.problem.noise * self.problem.noise
    }

    pub fn report(&self) -> Report {
        let numbers = |v: Vec<f64>| Value::from(v.into_iter().map(json_number).collect::<Vec<_>>());
        let h = &self.history;
        let mut series = Map::new();
        series.insert(
            metric::EPOCH.key.into(),
            Value::from(h.iter().map(|e| e.0).collect::<Vec<_>>()),
        );
        series.insert(
            metric::TRAIN_ERROR.key.into(),
            numbers(h.iter().map(|e| e.1).collect()),
        );
        series.insert(
            metric::TEST_ERROR.key.into(),
            numbers(h.iter().map(|e| e.2 + e.3 + self.noise2()).collect()),
        );
        series.insert(
            metric::TEST_ERROR_FAST.key.into(),
            numbers(h.iter().map(|e| e.2).collect()),
        );
        series.insert(
            metric::TEST_ERROR_SLOW.key.into(),
            numbers(h.iter().map(|e| e.3).collect()),
        );
        Report::new(
            INFO.id,
            &self.spec,
            metric::EPOCH.key,
            vec![RunReport {
                label: "linear".into(),
                series,
                summary: self.summary(),
            }],
        )
    }
}

/// The shape of a test-error curve with two descents: the first minimum, the worst point after
/// it, the best point after that, and the last; a verdict sentence when both rises and falls
/// are clear (the peak at least 20% above the first minimum, the second minimum at least 20%
/// below the peak).
fn describe_two_descents(s: &mut Map<String, Value>, xs: &[usize], test: &[f64]) {
    let Some(last) = test.last() else {
        return;
    };
    s.insert(metric::TEST_ERROR.at_end(), json_number(*last));
    let argmin = |range: std::ops::Range<usize>| range.min_by(|&a, &b| test[a].total_cmp(&test[b]));
    // The peak: the highest point that has a lower point both before and after it, chosen to
    // make the two drops around it largest.
    let mut best: Option<(f64, usize, usize, usize)> = None;
    for p in 1..test.len().saturating_sub(1) {
        let (Some(a), Some(b)) = (argmin(0..p), argmin(p + 1..test.len())) else {
            continue;
        };
        let depth = (test[p] / test[a]).min(test[p] / test[b]);
        if best.is_none_or(|(d, ..)| depth > d) {
            best = Some((depth, a, p, b));
        }
    }
    let Some((depth, a, p, b)) = best.filter(|(depth, ..)| *depth > 1.0) else {
        if let Some(m) = argmin(0..test.len()) {
            s.insert(metric::FIRST_MIN_X.key.into(), Value::from(xs[m]));
            s.insert(
                metric::FIRST_MIN_TEST_ERROR.key.into(),
                json_number(test[m]),
            );
        }
        crate::report::Verdict::write(
            "no second descent",
            "The test error has no peak between two lower points (yet).",
            s,
        );
        return;
    };
    s.insert(metric::FIRST_MIN_X.key.into(), Value::from(xs[a]));
    s.insert(
        metric::FIRST_MIN_TEST_ERROR.key.into(),
        json_number(test[a]),
    );
    s.insert(metric::PEAK_X.key.into(), Value::from(xs[p]));
    s.insert(metric::PEAK_TEST_ERROR.key.into(), json_number(test[p]));
    s.insert(metric::SECOND_MIN_X.key.into(), Value::from(xs[b]));
    s.insert(
        metric::SECOND_MIN_TEST_ERROR.key.into(),
        json_number(test[b]),
    );
    let verdict = if depth >= 1.2 {
        "double descent over training"
    } else {
        "only a faint bump"
    };
    crate::report::Verdict::write(
        verdict,
        format!(
            "The test error fell to {:.3} at epoch {}, rose to {:.3} at epoch {} and fell again \
             to {:.3} at epoch {}.",
            test[a], xs[a], test[p], xs[p], test[b], xs[b]
        ),
        s,
    );
}

impl Stepper for TwoScaleRun {
    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn schedule_mut(&mut self) -> &mut Schedule {
        &mut self.schedule
    }

    fn train_step(&mut self) {
        // ∇ ½·mean((Xθ − y)²) = (XᵀX/n)·θ − Xᵀy/n, so a step of size η is
        // θ ← (I − η·XᵀX/n)·θ + η·Xᵀy/n: one product and one sum.
        self.theta = self.step_matrix.clone().matmul(self.theta.clone()) + self.step_offset.clone();
    }

    fn evaluate(&mut self) -> Transaction {
        let theta = self.theta.clone();
        // Training error: θᵀGθ − 2θᵀb + Σy²/n = mean((Xθ − y)²).
        let quadratic = theta
            .clone()
            .transpose()
            .matmul(self.gram.clone().matmul(theta.clone()) - self.rhs.clone() * 2.0)
            .reshape([1]);
        let error = ((theta - self.truth.clone()) * self.scales.clone()).powi_scalar(2);
        let fast = self.fast_mask.clone().matmul(error.clone()).reshape([1]);
        let total = error.sum().reshape([1]);
        Transaction::default()
            .register(quadratic)
            .register(fast)
            .register(total)
    }

    fn record(&mut self, step: usize, data: Vec<TensorData>) -> Result<(), RunError> {
        let values: Vec<f64> = data.iter().filter_map(|d| d.iter::<f64>().next()).collect();
        let [quadratic, fast, total] = values.as_slice() else {
            return Err(RunError::Readback(format!(
                "expected 3 scalars, got {}",
                values.len()
            )));
        };
        let train = (quadratic + self.y_square).max(0.0);
        let slow = (total - fast).max(0.0);
        RunError::unless_finite(step, "test error", *total)?;
        RunError::unless_finite(step, "training error", train)?;
        self.history.push((step, train, *fast, slow));
        Ok(())
    }

    fn report(&self) -> Report {
        TwoScaleRun::report(self)
    }
}

#[cfg(test)]
mod tests {
    use nalgebra::{DMatrix, DVector, SymmetricEigen};

    use super::*;
    use crate::spec::Preset;

    fn spec() -> DoubleDescentSpec {
        {
            let mut spec = DoubleDescentSpec::preset(Preset::Ci);
            spec.mode = super::super::Mode::TwoScale;
            spec.two_scale.gd_train = 40;
            spec.two_scale.fast_dims = 25;
            spec.two_scale.slow_dims = 10;
            spec
        }
    }

    #[test]
    fn the_signal_has_unit_variance_split_by_the_share() {
        let spec = spec();
        let p = Problem::new(&spec);
        let zero = vec![0.0; p.dim()];
        let (fast, slow) = p.test_error(&zero);
        assert!((fast - (1.0 - spec.two_scale.slow_share)).abs() < 1e-12);
        assert!((slow - spec.two_scale.slow_share).abs() < 1e-12);
        assert_eq!(p.test_error(&p.theta), (0.0, 0.0));
    }

    /// Gradient descent from zero has a closed form in the eigenbasis of G = XᵀX/n:
    /// θ_t = V·diag((1 − (1 − ηλ)^t)/λ)·Vᵀ·b. The trained coefficients must match it.
    #[test]
    fn training_is_gradient_descent() {
        let spec = spec();
        let device = burn::tensor::Device::flex();
        let mut run = TwoScaleRun::new(spec.clone(), &device);
        let steps = 300;
        for _ in 0..steps {
            run.train_step();
        }
        let p = run.problem().clone();
        let (n, d) = (p.n, p.dim());
        let x = DMatrix::from_row_slice(n, d, &p.x);
        let y = DVector::from_column_slice(&p.y);
        let g = x.transpose() * &x / n as f64;
        let b = x.transpose() * y / n as f64;
        let eig = SymmetricEigen::new(g);
        let c = eig.eigenvectors.transpose() * b;
        let f = DVector::from_fn(d, |i, _| {
            let l = eig.eigenvalues[i];
            (1.0 - (1.0 - spec.two_scale.gd_lr * l).powi(steps)) / l
        });
        let expected = &eig.eigenvectors * c.component_mul(&f);
        let got = run.theta();
        let worst = (0..d)
            .map(|i| (got[i] - expected[i]).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-3 * expected.amax().max(1.0), "{worst}");
        // The errors evaluated on the device are the host's formulas at those coefficients.
        let data = run.evaluate().execute();
        run.record(steps as usize, data).expect("finite");
        let &(_, train, fast, slow) = run.history.last().expect("recorded");
        let (host_fast, host_slow) = p.test_error(&got);
        let residual = &x * DVector::from_column_slice(&got) - DVector::from_column_slice(&p.y);
        let host_train = residual.norm_squared() / n as f64;
        for (device, host) in [(fast, host_fast), (slow, host_slow), (train, host_train)] {
            assert!(
                (device - host).abs() < 1e-4 * host.max(1e-2),
                "{device} vs {host}"
            );
        }
    }
}
