//! Model-wise double descent in closed form: random features of MNIST-1D, a linear read-out
//! fitted by minimum-norm least squares (and by ridge), the feature count N swept across the
//! number of training samples n. Test error and the read-out's norm peak at N = n, where the
//! fit first interpolates the (noisy) training labels.

use crate::experiments::double_descent::metric;
use burn::tensor::{Device, Tensor, TensorData, Transaction};
use nalgebra::DMatrix;

use super::{COLUMN_CHUNK, DoubleDescentSpec, Source, grid};
use crate::data::mnist1d::{self, CLASSES, LENGTH};
use crate::data::table::{NEEDS_FILE, OWN_TABLE, Table};
use crate::linalg::{add_gram_single, solve_spd};
use crate::models::random_features::RandomFeatures;
use crate::rng::Stream;
use crate::spec::SpecError;
use crate::train::RunError;

/// Most feature values (f32) a sweep keeps for its test predictions: 128 MB, every feature of
/// the paper preset (3,000 inputs × 10,000 features). Blocks past it are computed again.
const KEPT_VALUES: usize = 1 << 25;

/// One block of features of the training and test inputs.
struct FeatureBlock {
    /// The block holds features `previous block's to..to`.
    to: usize,
    /// `[n, to - from]` and `[n_test, to - from]`.
    train: DMatrix<f32>,
    test: DMatrix<f32>,
}

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
/// since the last kernel solve and folded into the host's f64 matrix when one needs them.
struct DeviceGram {
    device: Device,
    /// `[n, n]`.
    sum: Tensor<2>,
    /// The grid point waiting for the sums to come back.
    awaiting: Option<usize>,
}

/// One unit of work.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Unit {
    /// Compute features `from..to`, fold them into the Gram matrices and keep them while
    /// they fit.
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
    x_train: DMatrix<f32>,
    x_test: DMatrix<f32>,
    /// One-hot training targets as given (some labels redrawn).
    targets: DMatrix<f64>,
    labels: Vec<u8>,
    test_targets: DMatrix<f64>,
    test_labels: Vec<u8>,
    /// The first min(n, N_max) features of the training and test inputs, kept for the
    /// under-parameterised (primal) solves.
    phi_train: DMatrix<f64>,
    phi_test: DMatrix<f64>,
    /// ΦᵀΦ of those features (unscaled, f64), grown a block of rows at a time; the lower
    /// triangle is filled.
    primal_gram: DMatrix<f64>,
    /// Σ φφᵀ over the training inputs and the features computed so far, for the
    /// over-parameterised (kernel) solves, lower triangle only: each block's product in f32,
    /// the sums in f64 (see [`add_gram_single`]).
    gram: Option<DMatrix<f64>>,
    /// The feature blocks computed so far, in order, while they fit in [`KEPT_VALUES`]; only
    /// above the threshold (the kernel solves' test predictions need them).
    blocks: Vec<FeatureBlock>,
    /// [`KEPT_VALUES`] (smaller in a test).
    keep_limit: usize,
    /// Where the Gram products are formed when a GPU is at hand.
    device: Option<DeviceGram>,
}

/// A sweep's samples before label noise: inputs as rows, labels as classes.
struct Data {
    train_x: DMatrix<f32>,
    train_y: Vec<u8>,
    test_x: DMatrix<f32>,
    test_y: Vec<u8>,
    /// Classes the labels take (and noise redraws among).
    classes: usize,
}

impl Data {
    /// MNIST-1D generated from the data seed (its first `n_train` samples train), or the
    /// reader's own table (`dataset=local`): columns scaled to [-1, 1], rows in the data
    /// seed's order, the first `n_train` training and the next `n_test` testing.
    fn new(spec: &DoubleDescentSpec, local: Option<&Table>) -> Result<Self, SpecError> {
        let (n, n_test) = (spec.rf.n_train, spec.rf.n_test);
        let rows = |x: &[f32], dim: usize, from: usize, count: usize| {
            DMatrix::from_row_slice(count, dim, &x[from * dim..(from + count) * dim])
        };
        match (spec.rf.dataset, local) {
            (Source::Mnist1d, None) => {
                let all = mnist1d::generate(n + n_test, spec.data_seed);
                Ok(Self {
                    train_x: rows(&all.x, LENGTH, 0, n),
                    train_y: all.y[..n].to_vec(),
                    test_x: rows(&all.x, LENGTH, n, n_test),
                    test_y: all.y[n..].to_vec(),
                    classes: CLASSES,
                })
            }
            (Source::Local, Some(table)) => {
                OWN_TABLE
                    .check(table, "double-descent")
                    .map_err(SpecError::Inconsistent)?;
                if n + n_test > table.rows() {
                    return Err(SpecError::Inconsistent(format!(
                        "n_train={n} and n_test={n_test} need {} rows; {} has {}",
                        n + n_test,
                        table.name,
                        table.rows()
                    )));
                }
                let mut rng = Stream::new(spec.data_seed, "local/split");
                let t = table.scaled().shuffled(&mut rng);
                let dim = t.features();
                Ok(Self {
                    train_x: rows(&t.examples.x, dim, 0, n),
                    train_y: t.examples.y[..n].to_vec(),
                    test_x: rows(&t.examples.x, dim, n, n_test),
                    test_y: t.examples.y[n..n + n_test].to_vec(),
                    classes: t.classes.len(),
                })
            }
            (Source::Local, None) => Err(SpecError::Inconsistent(NEEDS_FILE.into())),
            (Source::Mnist1d, Some(_)) => Err(SpecError::Inconsistent(
                "a data file was given, but this sweep fits MNIST-1D: set dataset=local".into(),
            )),
        }
    }
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
    /// A sweep on the host; with `gpu`, the training Gram products (most of the arithmetic
    /// above the threshold) run on that device, the solves and test predictions on the host.
    /// `local` is the reader's own table for `dataset=local`.
    pub fn new(
        spec: &DoubleDescentSpec,
        gpu: Option<&Device>,
        local: Option<&Table>,
    ) -> Result<Self, SpecError> {
        let n = spec.rf.n_train;
        let data = Data::new(spec, local)?;
        let mut labels = data.train_y;
        let mut noise_rng = Stream::new(spec.data_seed, "double-descent/label-noise");
        mnist1d::resample_labels_among(&mut labels, spec.label_noise, data.classes, &mut noise_rng);
        let grid = grid::sizes(
            n,
            spec.grid.ratio_min,
            spec.grid.ratio_max,
            spec.grid.points,
        );
        let n_max = *grid.last().expect("the grid has at least one size");
        let map = RandomFeatures::new(
            spec.rf.features,
            data.train_x.ncols(),
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
        if spec.grid.ridge > 0.0 {
            ridges.push(spec.grid.ridge);
        }
        Ok(Self {
            plan,
            next: 0,
            ridges,
            x_train: data.train_x,
            x_test: data.test_x,
            targets: one_hot(&labels),
            labels,
            test_targets: one_hot(&data.test_y),
            test_labels: data.test_y,
            phi_train: DMatrix::zeros(n, kept),
            phi_test: DMatrix::zeros(spec.rf.n_test, kept),
            primal_gram: DMatrix::zeros(kept, kept),
            gram: over.then(|| DMatrix::zeros(n, n)),
            blocks: Vec::new(),
            keep_limit: KEPT_VALUES,
            device: gpu.filter(|_| over).map(|device| DeviceGram {
                device: device.clone(),
                sum: Tensor::zeros([n, n], device),
                awaiting: None,
            }),
            map,
            grid,
        })
    }

    /// Keeps a `1/ways` share of [`KEPT_VALUES`]: for sweeps that run side by side.
    pub fn share_kept(&mut self, ways: usize) {
        self.keep_limit = KEPT_VALUES / ways.max(1);
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
                        let transaction = Transaction::default().register(gram.sum.clone());
                        // The next interval's sums start from zero (the transaction holds
                        // these).
                        gram.sum = gram.sum.clone().zeros_like();
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
        let [sum] = data.as_slice() else {
            return Err(RunError::Readback(format!(
                "expected 1 tensor, got {}",
                data.len()
            )));
        };
        let Some(gram) = &mut self.gram else {
            return Err(RunError::Readback("no Gram matrix on the host".into()));
        };
        let values: Vec<f64> = sum.iter::<f64>().collect();
        if values.len() != gram.len() {
            return Err(RunError::Readback(format!(
                "expected {} Gram entries, got {}",
                gram.len(),
                values.len()
            )));
        }
        // Row-major from the device; the sum is symmetric (and the solves read only its lower
        // triangle), so taking it as column-major transposes nothing that matters.
        for (target, v) in gram.iter_mut().zip(values) {
            *target += v;
        }
        Ok(self.solve(size))
    }

    fn add_columns(&mut self, from: usize, to: usize) {
        let train = self.map.block(&self.x_train, from, to);
        let kept = self.phi_train.ncols();
        let (n, n_test) = (self.x_train.nrows(), self.x_test.nrows());
        let stored = self.blocks.last().map_or(0, |b| b.to);
        let keep = self.gram.is_some() && stored == from && (to * (n + n_test)) <= self.keep_limit;
        let test = (from < kept || keep).then(|| self.map.block(&self.x_test, from, to));
        if let (true, Some(test)) = (from < kept, &test) {
            let width = to.min(kept) - from;
            self.phi_train
                .columns_mut(from, width)
                .copy_from(&train.columns(0, width).map(f64::from));
            self.phi_test
                .columns_mut(from, width)
                .copy_from(&test.columns(0, width).map(f64::from));
            // The new rows of ΦᵀΦ: these features against every one so far.
            let rows = from + width;
            let block_t = self.phi_train.columns(from, width).transpose();
            self.primal_gram.view_mut((from, 0), (width, rows)).gemm(
                1.0,
                &block_t,
                &self.phi_train.columns(0, rows),
                0.0,
            );
        }
        if let Some(gram) = &mut self.device {
            // Column-major n × w is row-major w × n: the block goes up transposed.
            let block = Tensor::<2>::from_data(
                TensorData::new(train.as_slice().to_vec(), [train.ncols(), train.nrows()]),
                &gram.device,
            );
            gram.sum = gram.sum.clone() + block.clone().transpose().matmul(block);
        } else if let Some(gram) = &mut self.gram {
            add_gram_single(gram, &train);
        }
        if let (true, Some(test)) = (keep, test) {
            self.blocks.push(FeatureBlock { to, train, test });
        }
    }

    /// `Φ_test·Φᵀ·A` over the first `size` features, block by block: the kernel solves' test
    /// predictions, for about (n + n_test)·N·k multiply-adds (the test × training Gram
    /// matrix they replace would cost n_test·n·N). Kept blocks are reused, the rest computed
    /// again. The products run in f32 and are summed in f64, like the Gram sums (the fits
    /// match an all-f64 computation to about six digits: see the test below).
    ///
    /// # Shapes
    /// - a: `[n, k]` → `[n_test, k]`
    fn test_products(&self, size: usize, a: &DMatrix<f64>) -> DMatrix<f64> {
        let a = a.map(|v| v as f32);
        let mut out = DMatrix::<f64>::zeros(self.x_test.nrows(), a.ncols());
        let mut add = |train: &DMatrix<f32>, test: &DMatrix<f32>| {
            let products = test * (train.transpose() * &a);
            out.zip_apply(&products, |o, p| *o += f64::from(p));
        };
        let mut from = 0;
        for block in self.blocks.iter().take_while(|b| b.to <= size) {
            add(&block.train, &block.test);
            from = block.to;
        }
        // The rest in the blocks the plan computed them in (the same sums as if kept).
        for unit in &self.plan {
            if let Unit::Columns { from: start, to } = *unit
                && start >= from
                && to <= size
            {
                add(
                    &self.map.block(&self.x_train, start, to),
                    &self.map.block(&self.x_test, start, to),
                );
            }
        }
        out
    }

    /// Fits every run with the first `size` features (scaled by 1/√size, so the kernel does
    /// not grow with N and one ridge means the same at every size) and evaluates it.
    fn solve(&self, size: usize) -> Vec<Vec<(&'static str, f64)>> {
        let n = self.x_train.nrows();
        let scale = 1.0 / size as f64;
        let metrics = |pred_train: DMatrix<f64>, pred_test: DMatrix<f64>, norm: f64, jitter| {
            vec![
                (metric::TRAIN_ERROR.key, mse(&pred_train, &self.targets)),
                (metric::TEST_ERROR.key, mse(&pred_test, &self.test_targets)),
                ("train_zero_one", zero_one(&pred_train, &self.labels)),
                ("test_zero_one", zero_one(&pred_test, &self.test_labels)),
                (metric::NORM.key, norm),
                (metric::JITTER.key, jitter),
            ]
        };
        if size <= n {
            // Under-parameterised: w = (ΦᵀΦ + λn)⁻¹ Φᵀ Y, Φ = features / √N.
            let phi = self.phi_train.columns(0, size) * scale.sqrt();
            let phi_test = self.phi_test.columns(0, size) * scale.sqrt();
            // ΦᵀΦ: the lower triangle is all the solver reads.
            let a = self.primal_gram.view((0, 0), (size, size)) * scale;
            let rhs = phi.transpose() * &self.targets;
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
            let mut k = self.gram.as_ref().expect("kept when N > n") * scale;
            k.fill_upper_triangle_with_lower_triangle();
            let solved: Vec<_> = self
                .ridges
                .iter()
                .map(|&ridge| solve_spd(&k, ridge * n as f64, &self.targets))
                .collect();
            // Every run's test predictions in one pass over the features.
            let alphas = DMatrix::from_columns(
                &solved
                    .iter()
                    .flat_map(|(alpha, _)| alpha.column_iter())
                    .collect::<Vec<_>>(),
            );
            let predictions = self.test_products(size, &alphas) * scale;
            solved
                .iter()
                .enumerate()
                .map(|(run, (alpha, jitter))| {
                    let fit = &k * alpha;
                    let norm = fit.component_mul(alpha).sum().max(0.0).sqrt();
                    let classes = alpha.ncols();
                    let pred_test = predictions.columns(run * classes, classes).into_owned();
                    metrics(fit, pred_test, norm, *jitter)
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Preset;

    /// The sweep's fast path (f32 block products summed in f64, test predictions from
    /// recomputed blocks) against a plain f64 computation of the same fits: the features in
    /// f64, min-norm by the pseudo-inverse, ridge by the normal equations.
    #[test]
    fn the_fast_sweep_matches_a_direct_double_precision_fit() {
        let spec = {
            let mut spec = DoubleDescentSpec::preset(Preset::Ci);
            spec.rf.n_train = 150;
            spec.rf.n_test = 400;
            spec.grid.points = 15;
            spec.grid.ratio_max = 8.0;
            spec
        };
        let run = |sweep: &mut FeatureSweep| {
            let mut points = Vec::new();
            while let Some(step) = sweep.step() {
                match step {
                    Step::Point(runs) => points.push(runs),
                    Step::Working => {}
                    Step::Readback(_) => unreachable!("no device"),
                }
            }
            points
        };
        let mut sweep = FeatureSweep::new(&spec, None, None).expect("starts");
        let points = run(&mut sweep);
        assert_eq!(
            sweep.blocks.last().map(|b| b.to),
            sweep.grid().last().copied()
        );
        // Keeping only the first few feature blocks (computing the rest again for each test
        // prediction) changes nothing.
        let mut short = FeatureSweep::new(&spec, None, None).expect("starts");
        short.keep_limit = 3 * COLUMN_CHUNK * (spec.rf.n_train + spec.rf.n_test);
        assert_eq!(run(&mut short), points);
        assert!(short.blocks.len() < sweep.blocks.len());
        let n = spec.rf.n_train;
        assert_eq!(points.len(), sweep.grid().len());
        let mut worst: f64 = 0.0;
        for (&size, runs) in sweep.grid().iter().zip(&points) {
            let scale = (1.0 / size as f64).sqrt();
            let phi = sweep.map.block(&sweep.x_train, 0, size).map(f64::from) * scale;
            let phi_test = sweep.map.block(&sweep.x_test, 0, size).map(f64::from) * scale;
            for (&ridge, metrics) in sweep.ridges().iter().zip(runs) {
                let get = |name| {
                    metrics
                        .iter()
                        .find(|(k, _)| *k == name)
                        .map(|(_, v)| *v)
                        .expect("metric")
                };
                if get("jitter") > 0.0 {
                    // Rounding made the system singular: no exact fit to compare with.
                    continue;
                }
                let w = if ridge == 0.0 {
                    phi.clone().pseudo_inverse(1e-12).expect("an SVD") * &sweep.targets
                } else {
                    let mut a = phi.transpose() * &phi;
                    for i in 0..size {
                        a[(i, i)] += ridge * n as f64;
                    }
                    a.cholesky()
                        .expect("positive definite")
                        .solve(&(phi.transpose() * &sweep.targets))
                };
                let test = mse(&(&phi_test * &w), &sweep.test_targets);
                let train = mse(&(&phi * &w), &sweep.targets);
                let rel = (get("test_error") - test).abs() / test;
                worst = worst.max(rel);
                assert!(
                    rel < 1e-4,
                    "N = {size}, ridge {ridge}: test error {} vs {test}",
                    get("test_error")
                );
                assert!(
                    (get("train_error") - train).abs() < 1e-4 * (train + 1e-3),
                    "N = {size}, ridge {ridge}: train error {} vs {train}",
                    get("train_error")
                );
                assert!(
                    (get("norm") - w.norm()).abs() < 1e-4 * w.norm(),
                    "N = {size}, ridge {ridge}: norm {} vs {}",
                    get("norm"),
                    w.norm()
                );
            }
        }
        eprintln!("worst relative test-error difference {worst:.2e}");
    }
}
