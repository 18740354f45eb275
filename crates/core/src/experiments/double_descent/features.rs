//! Model-wise double descent in closed form: random features of MNIST-1D, a linear read-out
//! fitted by minimum-norm least squares (and by ridge), the feature count N swept across the
//! number of training samples n. Test error and the read-out's norm peak at N = n, where the
//! fit first interpolates the (noisy) training labels.

use burn::tensor::{Device, Tensor, TensorData, Transaction};
use nalgebra::DMatrix;

use super::{DoubleDescentSpec, grid};
use crate::data::mnist1d::{self, CLASSES, LENGTH};
use crate::linalg::{add_product_single, solve_spd, syrk_lower};
use crate::models::random_features::RandomFeatures;
use crate::rng::Stream;
use crate::train::RunError;

/// Features computed per unit of work: small enough to keep each unit short in a browser tab.
pub(super) const COLUMN_CHUNK: usize = 64;

/// What a unit of work produced.
pub enum Step {
    /// A block of features folded in (nothing to show yet).
    Working,
    /// Every run's metrics at the grid point just solved.
    Point(Vec<Vec<(&'static str, f64)>>),
    /// The grid point needs the device's Gram sums first: read these back and pass them to
    /// [`FeatureSweep::absorb`], which solves the point.
    Readback(Transaction),
}

/// The Gram sums on a GPU: each feature block's products on the device, in f32, summed there
/// since the last kernel solve and folded into the host's f64 matrices when one needs them.
struct DeviceGram {
    device: Device,
    /// `[n, n]` and `[n_test, n]`.
    train: Tensor<2>,
    test: Tensor<2>,
    /// The grid point waiting for the sums to come back.
    awaiting: Option<usize>,
}

/// One unit of work.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Unit {
    /// Compute features `from..to` and fold them into the Gram matrices.
    Columns { from: usize, to: usize },
    /// Fit and evaluate every run at grid point `index`.
    Solve { index: usize },
}

/// The sweep's state between units.
pub struct FeatureSweep {
    grid: Vec<usize>,
    plan: Vec<Unit>,
    next: usize,
    /// One ridge per run (0 = minimum norm).
    ridges: Vec<f64>,
    map: RandomFeatures,
    x_train: DMatrix<f64>,
    x_test: DMatrix<f64>,
    /// One-hot training targets as given (some labels redrawn).
    targets: DMatrix<f64>,
    labels: Vec<u8>,
    test_targets: DMatrix<f64>,
    test_labels: Vec<u8>,
    /// The first min(n, N_max) features of the training and test inputs, kept for the
    /// under-parameterised (primal) solves.
    phi_train: DMatrix<f64>,
    phi_test: DMatrix<f64>,
    /// Σ φφᵀ over the features computed so far, for the over-parameterised (kernel) solves
    /// (training × training, lower triangle only, and test × training): each block's product
    /// in f32, the sums in f64 (see [`add_product_single`]).
    gram_train: Option<DMatrix<f64>>,
    gram_test: Option<DMatrix<f64>>,
    /// Where the Gram products are formed when a GPU is at hand.
    device: Option<DeviceGram>,
}

fn to_matrix(samples: &mnist1d::Samples) -> DMatrix<f64> {
    DMatrix::from_row_iterator(
        samples.len(),
        LENGTH,
        samples.x.iter().map(|v| f64::from(*v)),
    )
}

fn one_hot(labels: &[u8]) -> DMatrix<f64> {
    DMatrix::from_fn(labels.len(), CLASSES, |i, c| {
        if usize::from(labels[i]) == c {
            1.0
        } else {
            0.0
        }
    })
}

/// Mean squared distance between rows of predictions and targets.
fn mse(pred: &DMatrix<f64>, targets: &DMatrix<f64>) -> f64 {
    (pred - targets).norm_squared() / pred.nrows().max(1) as f64
}

/// Fraction of rows whose arg-max is not the label.
fn zero_one(pred: &DMatrix<f64>, labels: &[u8]) -> f64 {
    let wrong = pred
        .row_iter()
        .zip(labels)
        .filter(|(row, label)| row.transpose().argmax().0 != usize::from(**label))
        .count();
    wrong as f64 / labels.len().max(1) as f64
}

impl FeatureSweep {
    /// A sweep on the host; with `gpu`, the Gram products (nearly all the arithmetic above the
    /// threshold) run on that device and the solves on the host.
    pub fn new(spec: &DoubleDescentSpec, gpu: Option<&Device>) -> Self {
        let n = spec.n_train;
        let all = mnist1d::generate(n + spec.n_test, spec.data_seed);
        let (train, test) = all.split_at(n);
        let mut labels = train.y.clone();
        let mut noise_rng = Stream::new(spec.data_seed, "double-descent/label-noise");
        mnist1d::resample_labels(&mut labels, spec.label_noise, &mut noise_rng);
        let grid = grid::sizes(n, spec.ratio_min, spec.ratio_max, spec.points);
        let n_max = *grid.last().expect("the grid has at least one size");
        let map = RandomFeatures::new(
            spec.features,
            LENGTH,
            n_max,
            &mut Stream::new(spec.init_seed, "double-descent/features"),
        );
        let kept = n_max.min(n);
        let over = n_max > n;
        let mut plan = Vec::new();
        let mut done = 0;
        for (index, &size) in grid.iter().enumerate() {
            while done < size {
                let to = (done + COLUMN_CHUNK).min(size);
                plan.push(Unit::Columns { from: done, to });
                done = to;
            }
            plan.push(Unit::Solve { index });
        }
        let mut ridges = vec![0.0];
        if spec.ridge > 0.0 {
            ridges.push(spec.ridge);
        }
        Self {
            plan,
            next: 0,
            ridges,
            x_train: to_matrix(&train),
            x_test: to_matrix(&test),
            targets: one_hot(&labels),
            labels,
            test_targets: one_hot(&test.y),
            test_labels: test.y.clone(),
            phi_train: DMatrix::zeros(n, kept),
            phi_test: DMatrix::zeros(spec.n_test, kept),
            gram_train: over.then(|| DMatrix::zeros(n, n)),
            gram_test: over.then(|| DMatrix::zeros(spec.n_test, n)),
            device: gpu.filter(|_| over).map(|device| DeviceGram {
                device: device.clone(),
                train: Tensor::zeros([n, n], device),
                test: Tensor::zeros([spec.n_test, n], device),
                awaiting: None,
            }),
            map,
            grid,
        }
    }

    pub fn grid(&self) -> &[usize] {
        &self.grid
    }

    pub fn ridges(&self) -> &[f64] {
        &self.ridges
    }

    pub fn units(&self) -> usize {
        self.plan.len()
    }

    pub fn units_done(&self) -> usize {
        self.next
    }

    /// Does the next unit of work (`None` when every unit is done).
    pub fn step(&mut self) -> Option<Step> {
        let unit = *self.plan.get(self.next)?;
        self.next += 1;
        Some(match unit {
            Unit::Columns { from, to } => {
                self.add_columns(from, to);
                Step::Working
            }
            Unit::Solve { index } => {
                let size = self.grid[index];
                match &mut self.device {
                    Some(gram) if size > self.x_train.nrows() => {
                        gram.awaiting = Some(size);
                        let transaction = Transaction::default()
                            .register(gram.train.clone())
                            .register(gram.test.clone());
                        // The next interval's sums start from zero (the transaction holds
                        // these).
                        gram.train = gram.train.clone().zeros_like();
                        gram.test = gram.test.clone().zeros_like();
                        Step::Readback(transaction)
                    }
                    _ => Step::Point(self.solve(size)),
                }
            }
        })
    }

    /// Folds the device's Gram sums (read back from [`Step::Readback`]) into the host's and
    /// solves the grid point that waited for them.
    pub fn absorb(
        &mut self,
        data: Vec<TensorData>,
    ) -> Result<Vec<Vec<(&'static str, f64)>>, RunError> {
        let size = self
            .device
            .as_mut()
            .and_then(|gram| gram.awaiting.take())
            .ok_or_else(|| RunError::Readback("no Gram sums are awaited".into()))?;
        let [train, test] = data.as_slice() else {
            return Err(RunError::Readback(format!(
                "expected 2 tensors, got {}",
                data.len()
            )));
        };
        let (Some(gram_train), Some(gram_test)) = (&mut self.gram_train, &mut self.gram_test)
        else {
            return Err(RunError::Readback("no Gram matrices on the host".into()));
        };
        // Row-major from the device.
        for (target, data) in [(gram_train, train), (gram_test, test)] {
            let cols = target.ncols();
            let values: Vec<f64> = data.iter::<f64>().collect();
            if values.len() != target.len() {
                return Err(RunError::Readback(format!(
                    "expected {} Gram entries, got {}",
                    target.len(),
                    values.len()
                )));
            }
            for (k, v) in values.into_iter().enumerate() {
                target[(k / cols, k % cols)] += v;
            }
        }
        Ok(self.solve(size))
    }

    fn add_columns(&mut self, from: usize, to: usize) {
        let train = self.map.block(&self.x_train, from, to);
        let test = self.map.block(&self.x_test, from, to);
        let kept = self.phi_train.ncols();
        if from < kept {
            let width = to.min(kept) - from;
            self.phi_train
                .columns_mut(from, width)
                .copy_from(&train.columns(0, width));
            self.phi_test
                .columns_mut(from, width)
                .copy_from(&test.columns(0, width));
        }
        if let Some(gram) = &mut self.device {
            // Column-major n × w is row-major w × n: the blocks go up transposed.
            let upload = |m: &DMatrix<f64>| {
                let values: Vec<f32> = m.iter().map(|v| *v as f32).collect();
                Tensor::<2>::from_data(
                    TensorData::new(values, [m.ncols(), m.nrows()]),
                    &gram.device,
                )
            };
            let (train_t, test_t) = (upload(&train), upload(&test));
            gram.train = gram.train.clone() + train_t.clone().transpose().matmul(train_t.clone());
            gram.test = gram.test.clone() + test_t.transpose().matmul(train_t);
            return;
        }
        if let (Some(gram_train), Some(gram_test)) = (&mut self.gram_train, &mut self.gram_test) {
            let single = |m: &DMatrix<f64>| m.map(|v| v as f32);
            let train = single(&train);
            add_product_single(gram_train, &train, &train, true);
            add_product_single(gram_test, &single(&test), &train, false);
        }
    }

    /// Fits every run with the first `size` features (scaled by 1/√size, so the kernel does
    /// not grow with N and one ridge means the same at every size) and evaluates it.
    fn solve(&self, size: usize) -> Vec<Vec<(&'static str, f64)>> {
        let n = self.x_train.nrows();
        let scale = 1.0 / size as f64;
        let metrics = |pred_train: DMatrix<f64>, pred_test: DMatrix<f64>, norm: f64, jitter| {
            vec![
                ("train_error", mse(&pred_train, &self.targets)),
                ("test_error", mse(&pred_test, &self.test_targets)),
                ("train_zero_one", zero_one(&pred_train, &self.labels)),
                ("test_zero_one", zero_one(&pred_test, &self.test_labels)),
                ("norm", norm),
                ("jitter", jitter),
            ]
        };
        if size <= n {
            // Under-parameterised: w = (ΦᵀΦ + λn)⁻¹ Φᵀ Y, Φ = features / √N.
            let phi = self.phi_train.columns(0, size) * scale.sqrt();
            let phi_test = self.phi_test.columns(0, size) * scale.sqrt();
            let phi_t = phi.transpose();
            // ΦᵀΦ: the lower triangle is all the solver reads.
            let mut a = DMatrix::zeros(size, size);
            syrk_lower(a.as_view_mut(), phi_t.as_view(), 1.0);
            let rhs = &phi_t * &self.targets;
            self.ridges
                .iter()
                .map(|&ridge| {
                    let (w, jitter) = solve_spd(&a, ridge * n as f64, &rhs);
                    metrics(&phi * &w, &phi_test * &w, w.norm(), jitter)
                })
                .collect()
        } else {
            // Over-parameterised: w = Φᵀ α, (ΦΦᵀ + λn) α = Y; |w|² = tr(αᵀ ΦΦᵀ α).
            // The host path sums only the lower triangle.
            let mut k = self.gram_train.as_ref().expect("kept when N > n") * scale;
            k.fill_upper_triangle_with_lower_triangle();
            let k_test = self.gram_test.as_ref().expect("kept when N > n") * scale;
            self.ridges
                .iter()
                .map(|&ridge| {
                    let (alpha, jitter) = solve_spd(&k, ridge * n as f64, &self.targets);
                    let fit = &k * &alpha;
                    let norm = fit.component_mul(&alpha).sum().max(0.0).sqrt();
                    metrics(fit, &k_test * &alpha, norm, jitter)
                })
                .collect()
        }
    }
}
