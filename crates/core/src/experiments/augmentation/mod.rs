//! `augmentation`: MLPs on small training sets of the 8×8 digits (or MNIST-1D), with and
//! without random shifts, rotations, scalings and pixel noise (MNIST-1D: translation, stretch,
//! shear, noise), at three training-set sizes and over a range of augmentation strengths,
//! several seeds each (mean ± spread), every model trained at once.

use burn::tensor::{Device, TensorData, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ensemble::{Dataset, Ensemble, Group, Member, Paired, Pool, Settings, mean_sd};
use super::{Comparison, Info, Panel, PaperRow, Unit};
use crate::data::augment::{Augment, Kind};
use crate::report::{Report, RunReport};
use crate::rng::Stream;
use crate::spec::{Knob, KnobKind, Preset, SpecError, float, int};
use crate::train::{Gallery, RunError, Schedule, Stepper};

pub static INFO: Info = Info {
    id: "augmentation",
    title: "Data augmentation",
    claim: "Training on randomly shifted, rotated and noisy copies of a few digits works like \
        having more digits, up to a point.",
    explanation: "A digit moved by a pixel or turned by a few degrees is still the same digit, \
        so drawing such variations at every step teaches the network what does not matter and \
        stretches a small training set further. Push the strength too far and the copies stop \
        looking like their labels: test accuracy falls again.",
    paper: "Simard, Steinkraus & Platt, Best practices for convolutional neural networks applied \
        to visual document analysis (ICDAR 2003)",
    paper_url: "https://doi.org/10.1109/ICDAR.2003.1227801",
};

pub static PANELS: &[Panel] = &[
    Panel {
        title: "test accuracy by training-set size",
        metrics: &["test_acc"],
        y_range: None,
        log_x: true,
        log_y: false,
        x: Some("n_train"),
    },
    Panel {
        title: "test accuracy by augmentation strength",
        metrics: &["test_acc"],
        y_range: None,
        log_x: false,
        log_y: false,
        x: Some("strength"),
    },
    Panel {
        title: "test accuracy while training",
        metrics: &["test_acc"],
        y_range: None,
        log_x: false,
        log_y: false,
        x: None,
    },
    Panel {
        title: "training accuracy (on the original digits)",
        metrics: &["train_acc"],
        y_range: None,
        log_x: false,
        log_y: false,
        x: None,
    },
];

pub static COMPARISON: Comparison = Comparison {
    caption: "test error without and with augmentation",
    setting: "Simard et al. (2003): MNIST, 60,000 training images, a two-layer MLP: 1.6% test \
        error without augmentation, 1.1% with affine distortions. Yours: 1,000 of the 8×8 \
        digits, so compare the ratio.",
    preset: Preset::Paper,
    set: &[],
    rows: &[
        PaperRow {
            label: "no augmentation",
            run: "no-aug n=1000",
            key: "test_error",
            paper: 0.016,
        },
        PaperRow {
            label: "affine distortions",
            run: "aug-all n=1000",
            key: "test_error",
            paper: 0.011,
        },
    ],
    ratio_to: Some("no augmentation"),
    ratio_label: "fewer errors",
    unit: Unit::Percent,
    source: "paper",
    marks_steps: false,
};

pub static KNOBS: &[Knob] = &[
    Knob {
        key: "dataset",
        label: "Data set",
        help: "The 8×8 digits (shifts, rotations, scalings, noise) or MNIST-1D (translation, \
            stretching, shear, noise).",
        kind: KnobKind::Choice(Dataset::NAMES),
    },
    Knob {
        key: "kind",
        label: "Augmentation",
        help: "Which random transformations: all four, or one alone.",
        kind: KnobKind::Choice(Kind::NAMES),
    },
    Knob {
        key: "strength",
        label: "Strength",
        help: "1 means shifts up to ±1 pixel, rotations up to ±10°, scalings up to ±10% and \
            pixel noise 0.05; the ranges grow in proportion.",
        kind: float(0.05, 8.0, true),
    },
    Knob {
        key: "sweep_max",
        label: "Strongest in sweep",
        help: "The largest strength of the strength sweep (run on the smallest training set).",
        kind: float(0.1, 16.0, true),
    },
    Knob {
        key: "sweep",
        label: "Sweep strengths",
        help: "Strengths in the sweep: the strongest, its half, its quarter, ... (0 for none).",
        kind: int(0, 6, false),
    },
    Knob {
        key: "n_small",
        label: "Small training set",
        help: "Training examples of the smallest set (the strength sweep uses it).",
        kind: int(10, 4000, true),
    },
    Knob {
        key: "n_medium",
        label: "Medium training set",
        help: "Training examples of the middle set.",
        kind: int(10, 4000, true),
    },
    Knob {
        key: "n_large",
        label: "Large training set",
        help: "Training examples of the largest set (at most 1,297 digits or 4,000 MNIST-1D \
            signals).",
        kind: int(10, 4000, true),
    },
    Knob {
        key: "width",
        label: "Width",
        help: "Units per hidden layer.",
        kind: int(8, 1024, true),
    },
    Knob {
        key: "depth",
        label: "Hidden layers",
        help: "Number of hidden layers.",
        kind: int(1, 3, false),
    },
    Knob {
        key: "seeds",
        label: "Seeds",
        help: "Models per setting, each with its own initial weights, order and random \
            transformations (the spread between them is the error bar).",
        kind: int(1, 8, false),
    },
    Knob {
        key: "lr",
        label: "Learning rate",
        help: "Adam's step size.",
        kind: float(1e-5, 0.1, true),
    },
    Knob {
        key: "weight_decay",
        label: "Weight decay",
        help: "L2 penalty added to the gradient.",
        kind: float(0.0, 0.1, false),
    },
    Knob {
        key: "batch",
        label: "Batch size",
        help: "Images per step (at most the smallest training set).",
        kind: int(1, 1024, true),
    },
    Knob {
        key: "steps",
        label: "Steps",
        help: "Optimizer steps.",
        kind: int(1, 100_000, true),
    },
    Knob {
        key: "eval_every",
        label: "Evaluate every",
        help: "Steps between evaluations.",
        kind: int(1, 10_000, true),
    },
    Knob {
        key: "data_seed",
        label: "Data seed",
        help: "Picks the test and training examples (smaller training sets are part of \
            larger ones) and generates MNIST-1D.",
        kind: KnobKind::Seed,
    },
    Knob {
        key: "seed",
        label: "First seed",
        help: "Seeds seed, seed + 1, ... give the models' initial weights, order and \
            transformations.",
        kind: KnobKind::Seed,
    },
];

/// Everything that defines an `augmentation` run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AugmentationSpec {
    pub dataset: Dataset,
    pub kind: Kind,
    pub strength: f64,
    pub sweep_max: f64,
    pub sweep: usize,
    pub n_small: usize,
    pub n_medium: usize,
    pub n_large: usize,
    pub width: usize,
    pub depth: usize,
    pub seeds: usize,
    pub lr: f64,
    pub weight_decay: f64,
    pub batch: usize,
    pub steps: usize,
    pub eval_every: usize,
    pub data_seed: u64,
    pub seed: u64,
}

impl Default for AugmentationSpec {
    fn default() -> Self {
        Self::preset(Preset::Quick)
    }
}

impl AugmentationSpec {
    pub fn preset(preset: Preset) -> Self {
        let paper = Self {
            dataset: Dataset::Digits,
            kind: Kind::All,
            strength: 0.75,
            sweep_max: 4.0,
            sweep: 4,
            n_small: 100,
            n_medium: 300,
            n_large: 1000,
            width: 256,
            depth: 2,
            seeds: 5,
            lr: 1e-3,
            weight_decay: 0.0,
            batch: 32,
            steps: 4000,
            eval_every: 100,
            data_seed: 1,
            seed: 1,
        };
        match preset {
            Preset::Paper => paper,
            Preset::Quick => Self {
                seeds: 3,
                steps: 2500,
                ..paper
            },
            Preset::Ci => Self {
                seeds: 3,
                sweep: 3,
                steps: 2000,
                ..paper
            },
        }
    }

    pub(crate) fn validate_rules(&self) -> Result<(), SpecError> {
        crate::spec::evaluates(self.eval_every, self.steps, "steps")?;
        self.dataset.check("n_large", self.n_large)?;
        if !(self.n_small < self.n_medium && self.n_medium < self.n_large) {
            return Err(SpecError::Inconsistent(format!(
                "training sets must grow: n_small={} < n_medium={} < n_large={}",
                self.n_small, self.n_medium, self.n_large
            )));
        }
        Ok(())
    }

    pub fn sizes(&self) -> [usize; 3] {
        [self.n_small, self.n_medium, self.n_large]
    }

    /// Strengths of the sweep besides 0 and `strength`: `sweep_max`, its half, ... ascending.
    pub fn sweep_strengths(&self) -> Vec<f64> {
        let mut out: Vec<f64> = (0..self.sweep)
            .rev()
            .map(|k| self.sweep_max / f64::from(1u32 << k))
            .filter(|s| (s - self.strength).abs() > 1e-9)
            .collect();
        out.dedup();
        out
    }

    /// The augmented runs' label, e.g. `aug-all`.
    pub fn aug_label(&self) -> String {
        format!("aug-{}", self.kind.name())
    }

    fn augment(&self, strength: f64) -> Augment {
        Augment::of(self.kind, strength as f32)
    }
}

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
    pub fn new(spec: AugmentationSpec, device: &Device) -> Self {
        let mut roles = Vec::new();
        let mut members = Vec::new();
        let member = |k: usize, n_train: usize, augment: Augment| Member {
            data_seed: spec.data_seed,
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
            weight_images: 0,
        };
        let group = Group {
            width: spec.width,
            input_dropout: 0.0,
            hidden_dropout: 0.0,
            members,
        };
        let ensemble = Ensemble::new(settings, spec.dataset, vec![group], device);
        Self {
            gallery: gallery(&spec, ensemble.pool(), ensemble.training_set(0, 0)),
            ensemble,
            roles,
            schedule: Schedule::new(spec.steps, spec.eval_every),
            spec,
        }
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
        s.insert("n_train".into(), Value::from(n));
        s.insert("seed".into(), Value::from(self.spec.seed));
        s.insert("seeds".into(), Value::from(self.spec.seeds));
        s.insert(
            "strength".into(),
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
            &[("n_train", n), ("test_acc", acc), ("test_acc_sd", sd)],
            Map::new(),
        )
    }

    /// Test accuracy against strength on the smallest set; its summary names the best
    /// strength and says whether the strongest one fell below no augmentation.
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
        let mut cols = [Vec::new(), Vec::new(), Vec::new()];
        for (strength, of) in &points {
            let (acc, sd) = self.latest_acc(of);
            for (c, v) in cols.iter_mut().zip([*strength, acc, sd]) {
                c.push(v);
            }
        }
        let mut s = Map::new();
        s.insert("n_train".into(), Value::from(self.spec.n_small));
        if self.ensemble.latest().is_some() {
            let best = (0..points.len()).max_by(|&a, &b| cols[1][a].total_cmp(&cols[1][b]));
            if let Some(b) = best {
                s.insert("best_strength".into(), Value::from(cols[0][b]));
            }
            let last = points.len() - 1;
            let strongest = Paired::new(
                &self.ensemble.test_accs(0, &points[last].1),
                &self.ensemble.test_accs(0, &points[0].1),
            );
            s.insert(
                "strongest_gain".into(),
                crate::report::json_number(strongest.gain),
            );
        }
        let [x, acc, sd] = cols;
        RunReport::from_columns(
            &format!("by strength n={}", self.spec.n_small),
            &[("strength", x), ("test_acc", acc), ("test_acc_sd", sd)],
            s,
        )
    }
}

/// The first training digits of the data seed, each beside augmented copies at the spec's
/// strength and kind (what the models see).
fn gallery(spec: &AugmentationSpec, pool: &Pool, train: &[usize]) -> Gallery {
    const ROWS: usize = 6;
    let copies = if spec.dataset == Dataset::Digits {
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
    let (width, height) = spec.dataset.picture();
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
        signed: spec.dataset.signed(),
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
        Report::new(INFO.id, &self.spec, "step", runs)
    }

    fn galleries(&self) -> Vec<Gallery> {
        vec![self.gallery.clone()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sweep_halves_from_the_strongest_and_skips_the_main_strength() {
        let spec = AugmentationSpec::preset(Preset::Paper);
        assert_eq!(spec.sweep_strengths(), [0.5, 1.0, 2.0, 4.0]);
        let at_one = AugmentationSpec {
            strength: 1.0,
            ..spec.clone()
        };
        assert_eq!(at_one.sweep_strengths(), [0.5, 2.0, 4.0]);
        let none = AugmentationSpec {
            sweep: 0,
            ..spec.clone()
        };
        assert!(none.sweep_strengths().is_empty());
        let bad = AugmentationSpec {
            n_medium: 50,
            ..spec
        };
        assert!(bad.validate_rules().is_err());
    }

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
        let mut session: Box<dyn crate::train::Session> =
            Box::new(AugmentationSession::new(spec, &Device::flex()));
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
        let mut session: Box<dyn crate::train::Session> =
            Box::new(AugmentationSession::new(spec.clone(), &Device::flex()));
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
}
