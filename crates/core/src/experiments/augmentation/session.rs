//! Training an `augmentation` comparison (engine only).

use crate::experiments::augmentation::metric;
use burn::tensor::{Device, TensorData, Transaction};
use serde_json::{Map, Value};

use super::{AugmentationSpec, INFO};
use crate::data::augment::Augment;
use crate::data::pool::{Dataset, Pool};
use crate::data::table::Table;
use crate::experiments::Paired;
use crate::report::mean_sd;
use crate::report::{Report, RunReport, json_number};
use crate::rng::Stream;
use crate::spec::SpecError;
use crate::train::ensemble::{Ensemble, Group, Member, Settings};
use crate::train::{Gallery, RunError, Schedule, Stepper};

/// What a member of the single group is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    /// Training set `size` (an index into `sizes`), without or with the main augmentation.
    Size { size: usize, augmented: bool },
    /// The smallest training set at sweep strength `k`.
    Sweep { k: usize },
}

/// An `augmentation` run in progress.
pub struct AugmentationSession {
    spec: AugmentationSpec,
    ensemble: Ensemble,
    roles: Vec<Role>,
    schedule: Schedule,
    gallery: Gallery,
}

impl AugmentationSession {
    /// A run of `spec`; `local` is the reader's own table for `dataset=local`.
    pub fn new(
        spec: AugmentationSpec,
        local: Option<&Table>,
        device: &Device,
    ) -> Result<Self, SpecError> {
        let pool = Pool::new(spec.dataset, spec.data_seed, local)?;
        pool.check("n_large", spec.n_large)?;
        let mut roles = Vec::new();
        let mut members = Vec::new();
        let member = |k: usize, n_train: usize, augment: Augment| Member {
            data_seed: spec.splits.data_seed(spec.data_seed, k as u64),
            seed: spec.seed.wrapping_add(k as u64),
            n_train,
            label_noise: 0.0,
            augment,
        };
        for (size, &n) in spec.sizes().iter().enumerate() {
            for augmented in [false, true] {
                for k in 0..spec.seeds {
                    let augment = if augmented {
                        spec.augment(spec.strength)
                    } else {
                        Augment::NONE
                    };
                    roles.push(Role::Size { size, augmented });
                    members.push(member(k, n, augment));
                }
            }
        }
        for (i, &strength) in spec.sweep_strengths().iter().enumerate() {
            for k in 0..spec.seeds {
                roles.push(Role::Sweep { k: i });
                members.push(member(k, spec.n_small, spec.augment(strength)));
            }
        }
        let settings = Settings {
            depth: spec.depth,
            lr: spec.lr,
            weight_decay: spec.weight_decay,
            batch: spec.batch,
            removed: None,
            validation: spec.validation_in(pool.max_train()),
            weight_images: 0,
        };
        let group = Group {
            width: spec.width,
            input_dropout: 0.0,
            hidden_dropout: 0.0,
            members,
        };
        let ensemble = Ensemble::new(settings, pool, vec![group], device);
        Ok(Self {
            gallery: gallery(&spec, ensemble.pool(), ensemble.training_set(0, 0)),
            ensemble,
            roles,
            schedule: Schedule::new(spec.steps, spec.eval_every),
            spec,
        })
    }

    /// Validation examples per model in this run's data set.
    fn validation(&self) -> usize {
        self.spec.validation_in(self.ensemble.pool().max_train())
    }

    fn members(&self, role: Role) -> Vec<usize> {
        (0..self.roles.len())
            .filter(|&i| self.roles[i] == role)
            .collect()
    }

    fn size_run(&self, size: usize, augmented: bool) -> RunReport {
        let n = self.spec.sizes()[size];
        let label = if augmented {
            format!("{} n={n}", self.spec.aug_label())
        } else {
            format!("no-aug n={n}")
        };
        let mine = self.members(Role::Size { size, augmented });
        let mut s = self.ensemble.summary(0, &mine);
        s.insert(metric::N_TRAIN.key.into(), Value::from(n));
        s.insert(metric::SEED.key.into(), Value::from(self.spec.seed));
        s.insert(metric::SEEDS.key.into(), Value::from(self.spec.seeds));
        s.insert(
            "splits".into(),
            serde_json::to_value(self.spec.splits).unwrap_or_default(),
        );
        s.insert(
            metric::STRENGTH.key.into(),
            Value::from(if augmented { self.spec.strength } else { 0.0 }),
        );
        if augmented && self.ensemble.latest().is_some() {
            let base = self.members(Role::Size {
                size,
                augmented: false,
            });
            Paired::new(
                &self.ensemble.test_accs(0, &mine),
                &self.ensemble.test_accs(0, &base),
            )
            .describe("Augmentation", &mut s);
        }
        RunReport::new(&label, &self.ensemble.series(0, &mine), s)
    }

    /// Latest test accuracy (mean, spread) of a set of members.
    fn latest_acc(&self, of: &[usize]) -> (f64, f64) {
        mean_sd(&self.ensemble.test_accs(0, of))
    }

    fn by_size(&self, augmented: bool) -> RunReport {
        let mut cols = [Vec::new(), Vec::new(), Vec::new()];
        for (size, &n) in self.spec.sizes().iter().enumerate() {
            let (acc, sd) = self.latest_acc(&self.members(Role::Size { size, augmented }));
            for (c, v) in cols.iter_mut().zip([n as f64, acc, sd]) {
                c.push(v);
            }
        }
        let label = if augmented {
            format!("{} by size", self.spec.aug_label())
        } else {
            "no-aug by size".to_string()
        };
        let [n, acc, sd] = cols;
        RunReport::from_columns(
            &label,
            &[
                (metric::N_TRAIN.key, n),
                (metric::TEST_ACC.key, acc),
                ("test_acc_sd", sd),
            ],
            Map::new(),
        )
    }

    /// Validation and test accuracy against strength on the smallest set. Its summary names
    /// the strength with the best validation accuracy (`best_strength`: the test set plays no
    /// part in the choice) and that strength's test accuracy, and says whether the strongest
    /// one fell below no augmentation.
    fn by_strength(&self) -> RunReport {
        let mut points: Vec<(f64, Vec<usize>)> = vec![
            (
                0.0,
                self.members(Role::Size {
                    size: 0,
                    augmented: false,
                }),
            ),
            (
                self.spec.strength,
                self.members(Role::Size {
                    size: 0,
                    augmented: true,
                }),
            ),
        ];
        for (k, &strength) in self.spec.sweep_strengths().iter().enumerate() {
            points.push((strength, self.members(Role::Sweep { k })));
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let validated = self.validation() > 0;
        let mut cols: Vec<Vec<f64>> = vec![Vec::new(); if validated { 5 } else { 3 }];
        for (strength, of) in &points {
            let (acc, sd) = self.latest_acc(of);
            let mut row = vec![*strength, acc, sd];
            if validated {
                let (val, val_sd) = mean_sd(&self.ensemble.val_accs(0, of));
                row.extend([val, val_sd]);
            }
            for (c, v) in cols.iter_mut().zip(row) {
                c.push(v);
            }
        }
        let mut s = Map::new();
        s.insert(metric::N_TRAIN.key.into(), Value::from(self.spec.n_small));
        s.insert(
            metric::VALIDATION.key.into(),
            Value::from(self.validation()),
        );
        if self.ensemble.latest().is_some() {
            if validated {
                let best = (0..points.len()).max_by(|&a, &b| cols[3][a].total_cmp(&cols[3][b]));
                if let Some(b) = best {
                    s.insert(metric::BEST_STRENGTH.key.into(), Value::from(cols[0][b]));
                    s.insert(metric::VAL_ACC.best(), json_number(cols[3][b]));
                    s.insert(metric::TEST_ACC_AT_BEST.key.into(), json_number(cols[1][b]));
                }
            }
            let last = points.len() - 1;
            let strongest = Paired::new(
                &self.ensemble.test_accs(0, &points[last].1),
                &self.ensemble.test_accs(0, &points[0].1),
            );
            s.insert(
                metric::STRONGEST_GAIN.key.into(),
                json_number(strongest.gain),
            );
        }
        let names = [
            metric::STRENGTH.key,
            metric::TEST_ACC.key,
            "test_acc_sd",
            metric::VAL_ACC.key,
            "val_acc_sd",
        ];
        let columns: Vec<(&str, Vec<f64>)> = names.into_iter().zip(cols).collect();
        RunReport::from_columns(&format!("by strength n={}", self.spec.n_small), &columns, s)
    }
}

/// The first training digits of the data seed, each beside augmented copies at the spec's
/// strength and kind (what the models see).
fn gallery(spec: &AugmentationSpec, pool: &Pool, train: &[usize]) -> Gallery {
    const ROWS: usize = 6;
    let copies = if pool.dataset == Dataset::Digits {
        7
    } else {
        2
    };
    let augment = spec.augment(spec.strength);
    let mut rng = Stream::new(spec.seed, "augmentation/gallery");
    let mut images = Vec::with_capacity(ROWS * (copies + 1));
    for &i in train.iter().take(ROWS) {
        images.push(pool.row(i).to_vec());
        images.extend((0..copies).map(|_| pool.augmented(i, &augment, &mut rng)));
    }
    let (width, height) = pool.picture();
    Gallery {
        title: format!(
            "training examples (left) and augmented copies: {}, strength {}",
            spec.kind.name(),
            spec.strength
        ),
        width,
        height,
        columns: copies + 1,
        images,
        signed: pool.signed(),
        axes: None,
    }
}

impl Stepper for AugmentationSession {
    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn schedule_mut(&mut self) -> &mut Schedule {
        &mut self.schedule
    }

    fn train_step(&mut self) {
        self.ensemble.train_step();
    }

    fn evaluate(&mut self) -> Transaction {
        self.ensemble.evaluate()
    }

    fn record(&mut self, step: usize, data: Vec<TensorData>) -> Result<(), RunError> {
        self.ensemble.record(step, data)
    }

    fn report(&self) -> Report {
        let mut runs = Vec::new();
        for size in 0..3 {
            runs.push(self.size_run(size, false));
            runs.push(self.size_run(size, true));
        }
        runs.push(self.by_size(false));
        runs.push(self.by_size(true));
        runs.push(self.by_strength());
        Report::new(INFO.id, &self.spec, metric::STEP.key, runs)
    }

    fn galleries(&self) -> Vec<Gallery> {
        vec![self.gallery.clone()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Preset;

    #[test]
    fn a_tiny_run_reports_every_size_and_the_sweep() {
        let spec = AugmentationSpec {
            n_small: 20,
            n_medium: 40,
            n_large: 60,
            width: 16,
            seeds: 2,
            sweep: 2,
            steps: 3,
            eval_every: 3,
            batch: 8,
            ..AugmentationSpec::preset(Preset::Ci)
        };
        let mut session: Box<dyn crate::train::Session> = Box::new(
            AugmentationSession::new(spec, None, &Device::flex()).expect("the spec starts"),
        );
        let gallery = &session.galleries()[0];
        assert_eq!(gallery.images.len(), 6 * 8);
        assert_ne!(
            gallery.images[0], gallery.images[1],
            "copies are transformed"
        );
        crate::train::run_to_end(session.as_mut()).expect("finite");
        let report = session.report();
        let labels: Vec<&str> = report.runs.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "no-aug n=20",
                "aug-all n=20",
                "no-aug n=40",
                "aug-all n=40",
                "no-aug n=60",
                "aug-all n=60",
                "no-aug by size",
                "aug-all by size",
                "by strength n=20"
            ]
        );
        let s = &report.runs[1].summary;
        for key in [
            "test_acc",
            "train_acc",
            "seed",
            "n_train",
            "gain",
            "verdict",
        ] {
            assert!(s.contains_key(key), "{key}");
        }
        assert_eq!(report.runs[6].column("n_train"), [20.0, 40.0, 60.0]);
        // 0, the main strength and the sweep's 2 and 4, in order.
        assert_eq!(report.runs[8].column("strength"), [0.0, 0.75, 2.0, 4.0]);
    }

    /// MNIST-1D: 40-point signals, their own augmentation, drawn as strips.
    #[test]
    fn mnist1d_runs_with_its_own_shapes() {
        let spec = AugmentationSpec {
            dataset: Dataset::Mnist1d,
            n_small: 20,
            n_medium: 40,
            n_large: 60,
            width: 8,
            seeds: 1,
            sweep: 1,
            steps: 2,
            eval_every: 2,
            batch: 8,
            ..AugmentationSpec::preset(Preset::Ci)
        };
        let mut session: Box<dyn crate::train::Session> = Box::new(
            AugmentationSession::new(spec.clone(), None, &Device::flex()).expect("starts"),
        );
        let gallery = &session.galleries()[0];
        assert_eq!((gallery.width, gallery.height), (40, 1));
        assert!(gallery.signed);
        assert_eq!(gallery.images[0].len(), 40);
        crate::train::run_to_end(session.as_mut()).expect("finite");
        let acc = session.report().runs[0].summary["test_acc"].as_f64();
        assert!(acc.is_some_and(|a| (0.0..=1.0).contains(&a)), "{acc:?}");
        // 4,000 training signals at most; the digits have 1,297.
        let big = AugmentationSpec {
            n_large: 3000,
            ..spec
        };
        assert!(big.validate_rules().is_ok());
        let digits = AugmentationSpec {
            dataset: Dataset::Digits,
            ..big
        };
        let err = digits.validate_rules().expect_err("too many digits");
        assert!(
            err.to_string()
                .contains("1297 training examples digits has"),
            "{err}"
        );
    }

    /// A reader's own table: noise alone (the geometric kinds are refused or, from a picked
    /// file, replaced), rows drawn as signed strips of its columns, its sizes checked.
    #[test]
    fn a_table_takes_noise_alone_and_is_drawn_as_strips() {
        use crate::data::augment::Kind;
        use crate::experiments::AnySpec;
        let table = crate::data::table::clusters(200, 5, 4);
        let mut spec = AnySpec::Augmentation(AugmentationSpec {
            kind: Kind::Rotate,
            width: 8,
            seeds: 1,
            sweep: 1,
            steps: 2,
            eval_every: 2,
            batch: 8,
            ..AugmentationSpec::preset(Preset::Ci)
        });
        crate::experiments::use_own_data(&mut spec, &table).expect("fits");
        let AnySpec::Augmentation(spec) = spec else {
            unreachable!("the same experiment")
        };
        assert_eq!((spec.dataset, spec.kind), (Dataset::Local, Kind::Noise));
        let shifted = AugmentationSpec {
            kind: Kind::Shift,
            ..spec.clone()
        };
        let err = shifted.validate_rules().expect_err("no shifts of columns");
        assert!(err.to_string().contains("kind=shift"), "{err}");
        let too_big = AugmentationSpec {
            n_large: 151,
            ..spec.clone()
        };
        let err = AugmentationSession::new(too_big, Some(&table), &Device::flex())
            .err()
            .expect("150 rows to train on");
        assert!(err.to_string().contains("n_large=151"), "{err}");
        let mut session: Box<dyn crate::train::Session> = Box::new(
            AugmentationSession::new(spec, Some(&table), &Device::flex()).expect("starts"),
        );
        let gallery = &session.galleries()[0];
        assert_eq!((gallery.width, gallery.height), (5, 1));
        assert!(gallery.signed);
        assert_ne!(gallery.images[0], gallery.images[1], "a noisy copy");
        crate::train::run_to_end(session.as_mut()).expect("finite");
        let acc = session.report().runs[0].summary["test_acc"].as_f64();
        assert!(acc.is_some_and(|a| (0.0..=1.0).contains(&a)), "{acc:?}");
    }
}
