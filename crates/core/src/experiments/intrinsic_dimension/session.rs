//! Training every subspace and the direct network as one module (engine only).

use crate::experiments::intrinsic_dimension::metric;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Int, Tensor, TensorData, Transaction};
use serde_json::{Map, Value};

use super::{INFO, IntrinsicDimensionSpec, SHARE, crossing};
use crate::data::pool::Pool;
use crate::models::subspace::{Coordinates, Projection, Subspaces, layers};
use crate::report::{Report, RunReport, Verdict, json_number};
use crate::rng::Stream;
use crate::spec::SpecError;
use crate::terms::{Unit, format_value};
use crate::train::{
    BatchOrder, Measure, OptimizerKind, RunError, Schedule, Stepper, build_optimizer,
    member_cross_entropy, shared_targets, weighted_loss_and_correct,
};

/// A set of examples on the device, with what an evaluation of every member needs.
struct Examples {
    x: Tensor<2>,
    y: Tensor<1, Int>,
    /// The labels once per member, `[members, n, 1]`.
    targets: Tensor<3, Int>,
    /// 1/n for every member and example, `[members, n]`.
    weights: Tensor<2>,
}

impl Examples {
    fn new(pool: &Pool, rows: &[usize], members: usize, device: &Device) -> Self {
        let n = rows.len();
        let x: Vec<f32> = rows.iter().flat_map(|&i| pool.row(i).to_vec()).collect();
        let y: Vec<i64> = rows.iter().map(|&i| i64::from(pool.label(i))).collect();
        let y = Tensor::<1, Int>::from_data(TensorData::new(y, [n]), device);
        Self {
            x: Tensor::from_data(TensorData::new(x, [n, pool.dim()]), device),
            targets: y.clone().reshape([1, n, 1]).repeat_dim(0, members),
            y,
            weights: Tensor::ones([members, n], device) / n as f64,
        }
    }
}

/// One network width: every subspace of the grid and the network trained directly (last), as
/// one module.
struct Network {
    width: usize,
    subspaces: Subspaces,
    coordinates: Coordinates,
    optim: ModuleOptimizer,
    /// The latest evaluation of every member.
    latest: Vec<Measure>,
}

impl Network {
    fn new(
        spec: &IntrinsicDimensionSpec,
        pool: &Pool,
        width: usize,
        grid: &[usize],
        device: &Device,
    ) -> Self {
        let layers = layers(pool.dim(), width, spec.depth, pool.classes);
        let parameters = crate::models::subspace::parameter_count(&layers);
        // Each d's projection from its own stream: the same whatever else the grid holds, and
        // a width trains the same alone or beside others.
        let mut projections: Vec<Projection> = grid
            .iter()
            .map(|&d| {
                let mut rng = Stream::new(spec.projection_seed, &format!("intrinsic/P/{d}"));
                Projection::random(parameters, d, spec.nonzeros, &mut rng)
            })
            .collect();
        projections.push(Projection::identity(parameters, spec.nonzeros));
        let (subspaces, coordinates) = Subspaces::new(
            layers,
            &projections,
            &mut Stream::new(spec.init_seed, "intrinsic/init"),
            device,
        );
        Self {
            width,
            subspaces,
            coordinates,
            optim: build_optimizer(OptimizerKind::Adam, 0.0, (0.9, 0.999)),
            latest: Vec::new(),
        }
    }

    /// One Adam step of every member on the batch `x` with labels `y` (`[batch]`).
    fn train(&mut self, x: Tensor<2>, y: Tensor<1, Int>, lr: f64) {
        let members = self.subspaces.members();
        let targets = shared_targets(y, members);
        let theta = self.subspaces.parameters(&self.coordinates);
        let logits = self.subspaces.forward(&theta, x);
        let loss = member_cross_entropy(logits, targets).sum();
        let grads = GradientsParams::from_grads(loss.backward(), &self.coordinates);
        self.coordinates = self.optim.step(lr, self.coordinates.clone(), grads);
    }

    /// Registers every member's loss and accuracy on the training and the test set.
    fn register(&self, mut transaction: Transaction, sets: [&Examples; 2]) -> Transaction {
        // Off autodiff: a forward through it would keep its activations for a backward that
        // never comes.
        let theta = self.subspaces.parameters(&self.coordinates).inner();
        for set in sets {
            let logits = self.subspaces.forward(&theta, set.x.clone().inner());
            let (loss, correct) = weighted_loss_and_correct(
                logits,
                set.targets.clone().inner(),
                set.weights.clone().inner(),
            );
            transaction = transaction.register(loss).register(correct);
        }
        transaction
    }

    /// Takes this network's four read-back tensors.
    fn absorb(&mut self, step: usize, data: &[TensorData], grid: &[usize]) -> Result<(), RunError> {
        let members = self.subspaces.members();
        let values: Vec<Vec<f64>> = data.iter().map(|d| d.iter::<f64>().collect()).collect();
        if values.len() != 4 || values.iter().any(|v| v.len() != members) {
            return Err(RunError::Readback(format!(
                "expected 4 tensors of {members} values"
            )));
        }
        self.latest = (0..members)
            .map(|m| Measure {
                train_loss: values[0][m],
                train_acc: values[1][m],
                test_loss: values[2][m],
                test_acc: values[3][m],
                ..Measure::default()
            })
            .collect();
        for (m, measure) in self.latest.iter().enumerate() {
            let what = match grid.get(m) {
                Some(d) => format!("training loss at d = {d}"),
                None => "training loss trained directly".to_string(),
            };
            RunError::unless_finite(step, &what, measure.train_loss)?;
        }
        Ok(())
    }

    /// The network trained directly (the last member).
    fn direct(&self) -> Option<Measure> {
        self.latest.last().copied()
    }

    fn summary(
        &self,
        grid: &[usize],
        spec: &IntrinsicDimensionSpec,
        steps: usize,
    ) -> Map<String, Value> {
        let mut m = Map::new();
        let parameters = self.subspaces.parameter_count();
        m.insert(metric::STEPS.key.into(), Value::from(steps));
        m.insert(metric::WIDTH.key.into(), Value::from(self.width));
        m.insert(metric::PARAMETERS.key.into(), Value::from(parameters));
        m.insert(metric::N_TRAIN.key.into(), Value::from(spec.n_train));
        let Some(direct) = self.direct() else {
            return m;
        };
        let threshold = SHARE * direct.test_acc;
        m.insert(
            metric::DIRECT_TEST_ACC.key.into(),
            json_number(direct.test_acc),
        );
        m.insert(metric::THRESHOLD_ACC.key.into(), json_number(threshold));
        let accuracy: Vec<f64> = self.latest[..grid.len()]
            .iter()
            .map(|x| x.test_acc)
            .collect();
        let found = crossing(grid, &accuracy, threshold);
        let count = |x: f64| format_value(x, Unit::Count);
        let percent = |x: f64| format_value(x, Unit::Percent);
        let (verdict, why) = match found {
            Some(d) if d <= grid[0] as f64 => (
                format!("d_int90 is at most {}", count(d)),
                format!(
                    "Even the smallest subspace, d = {}, reaches 90% of the direct network's \
                     test accuracy ({} against {}): lower d_min to find where it falls short.",
                    count(d),
                    percent(accuracy[0]),
                    percent(direct.test_acc)
                ),
            ),
            Some(d) => {
                let d = d.round();
                let share = d / parameters as f64;
                m.insert(metric::D_INT90.key.into(), json_number(d));
                m.insert(metric::D_INT90_SHARE.key.into(), json_number(share));
                let above = accuracy.iter().position(|a| *a >= threshold).unwrap_or(0);
                (
                    format!(
                        "d_int90 ≈ {}, {} of the {} parameters",
                        count(d),
                        percent(share),
                        count(parameters as f64)
                    ),
                    format!(
                        "Training only {} random directions reaches 90% of the test accuracy \
                         the network reaches trained directly ({} of {}); the subspaces cross \
                         it between d = {} and d = {}.",
                        count(d),
                        percent(threshold),
                        percent(direct.test_acc),
                        count(grid[above.saturating_sub(1)] as f64),
                        count(grid[above] as f64)
                    ),
                )
            }
            None => (
                format!(
                    "no subspace up to d = {} reaches 90% yet",
                    count(spec.d_max as f64)
                ),
                format!(
                    "The best subspace reaches {} test accuracy against {} trained directly: \
                     raise d_max or train longer.",
                    percent(accuracy.iter().copied().fold(0.0, f64::max)),
                    percent(direct.test_acc)
                ),
            ),
        };
        Verdict::write(verdict, why, &mut m);
        m
    }

    /// The subspaces' run (its latest accuracies and losses by d) and the direct network's
    /// (its measures as level lines across the grid), labelled `subspace` and `direct`, after
    /// `prefix` where several widths train.
    fn runs(
        &self,
        prefix: &str,
        grid: &[usize],
        spec: &IntrinsicDimensionSpec,
        steps: usize,
    ) -> Vec<RunReport> {
        let shown = grid.len().min(self.latest.len());
        let numbers = |f: fn(&Measure) -> f64| {
            Value::from(
                self.latest[..shown]
                    .iter()
                    .map(|x| json_number(f(x)))
                    .collect::<Vec<_>>(),
            )
        };
        let mut series = Map::new();
        series.insert(metric::D.key.into(), Value::from(grid[..shown].to_vec()));
        series.insert(metric::TRAIN_ACC.key.into(), numbers(|x| x.train_acc));
        series.insert(metric::TEST_ACC.key.into(), numbers(|x| x.test_acc));
        series.insert(metric::TRAIN_LOSS.key.into(), numbers(|x| x.train_loss));
        series.insert(metric::TEST_LOSS.key.into(), numbers(|x| x.test_loss));
        let mut runs = vec![RunReport {
            label: format!("{prefix}subspace"),
            series,
            summary: self.summary(grid, spec, steps),
        }];
        if let Some(direct) = self.direct() {
            let level = |x: f64| Value::from(vec![json_number(x), json_number(x)]);
            let mut series = Map::new();
            series.insert(
                metric::D.key.into(),
                Value::from(vec![spec.d_min, spec.d_max]),
            );
            series.insert(metric::TRAIN_ACC.key.into(), level(direct.train_acc));
            series.insert(metric::TEST_ACC.key.into(), level(direct.test_acc));
            series.insert(metric::TRAIN_LOSS.key.into(), level(direct.train_loss));
            series.insert(metric::TEST_LOSS.key.into(), level(direct.test_loss));
            let mut summary = Map::new();
            summary.insert(
                metric::PARAMETERS.key.into(),
                Value::from(self.subspaces.parameter_count()),
            );
            summary.insert(metric::TRAIN_ACC.at_end(), json_number(direct.train_acc));
            summary.insert(metric::TEST_ACC.at_end(), json_number(direct.test_acc));
            runs.push(RunReport {
                label: format!("{prefix}direct"),
                series,
                summary,
            });
        }
        runs
    }
}

/// An intrinsic-dimension run in progress: for each width, every subspace dimension of the
/// grid and the network trained directly, on the same minibatches.
pub struct IntrinsicDimensionSession {
    spec: IntrinsicDimensionSpec,
    device: Device,
    grid: Vec<usize>,
    networks: Vec<Network>,
    order: BatchOrder,
    train: Examples,
    test: Examples,
    schedule: Schedule,
}

impl IntrinsicDimensionSession {
    pub fn new(spec: IntrinsicDimensionSpec, device: &Device) -> Result<Self, SpecError> {
        let device = device.clone().autodiff();
        let pool = Pool::new(spec.dataset.dataset(), spec.data_seed, None)?;
        pool.check("n_train", spec.n_train)?;
        let (train_rows, test_rows) = pool.split(spec.n_train, spec.data_seed);
        let grid = spec.grid();
        let networks: Vec<Network> = spec
            .widths()
            .into_iter()
            .map(|width| Network::new(&spec, &pool, width, &grid, &device))
            .collect();
        let members = grid.len() + 1;
        Ok(Self {
            order: BatchOrder::new(
                spec.n_train,
                spec.batch,
                Stream::new(spec.order_seed, "intrinsic/order"),
            ),
            train: Examples::new(&pool, &train_rows, members, &device),
            test: Examples::new(&pool, &test_rows, members, &device),
            schedule: Schedule::new(spec.steps, spec.eval_every),
            grid,
            networks,
            device,
            spec,
        })
    }
}

impl Stepper for IntrinsicDimensionSession {
    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn schedule_mut(&mut self) -> &mut Schedule {
        &mut self.schedule
    }

    fn train_step(&mut self) {
        let idx = self.order.next_batch_tensor(&self.device);
        let x = self.train.x.clone().select(0, idx.clone());
        let y = self.train.y.clone().select(0, idx);
        for network in &mut self.networks {
            network.train(x.clone(), y.clone(), self.spec.lr);
        }
    }

    fn evaluate(&mut self) -> Transaction {
        self.networks
            .iter()
            .fold(Transaction::default(), |t, network| {
                network.register(t, [&self.train, &self.test])
            })
    }

    fn record(&mut self, step: usize, data: Vec<TensorData>) -> Result<(), RunError> {
        if data.len() != 4 * self.networks.len() {
            return Err(RunError::Readback(format!(
                "expected {} tensors, got {}",
                4 * self.networks.len(),
                data.len()
            )));
        }
        for (network, data) in self.networks.iter_mut().zip(data.chunks(4)) {
            network.absorb(step, data, &self.grid)?;
        }
        Ok(())
    }

    fn report(&self) -> Report {
        let several = self.networks.len() > 1;
        let steps = self.schedule.step();
        let runs = self
            .networks
            .iter()
            .flat_map(|n| {
                let prefix = if several {
                    format!("width {} ", n.width)
                } else {
                    String::new()
                };
                n.runs(&prefix, &self.grid, &self.spec, steps)
            })
            .collect();
        Report::new(INFO.id, &self.spec, metric::D.key, runs)
    }
}
