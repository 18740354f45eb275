//! Training a `dropout` comparison (engine only).

use crate::terms::metric;
use burn::tensor::{Device, TensorData, Transaction};
use serde_json::{Map, Value};

use super::{DropoutSpec, INFO};
use crate::data::augment::Augment;
use crate::data::pool::{Dataset, Pool};
use crate::data::table::Table;
use crate::experiments::Paired;
use crate::report::mean_sd;
use crate::report::{Report, RunReport};
use crate::spec::SpecError;
use crate::train::ensemble::{Ensemble, Group, Member, Settings};
use crate::train::{Gallery, RunError, Schedule, Stepper};

/// First-layer weight images shown per model.
const WEIGHT_IMAGES: usize = 16;

/// A `dropout` run in progress: groups alternate no dropout / dropout, one pair per width.
pub struct DropoutSession {
    spec: DropoutSpec,
    ensemble: Ensemble,
    schedule: Schedule,
}

impl DropoutSession {
    /// A run of `spec`; `local` is the reader's own table for `dataset=local`.
    pub fn new(
        spec: DropoutSpec,
        local: Option<&Table>,
        device: &Device,
    ) -> Result<Self, SpecError> {
        let pool = Pool::new(spec.dataset, spec.data_seed, local)?;
        pool.check("n_train", spec.n_train)?;
        let members: Vec<Member> = (0..spec.seeds as u64)
            .map(|k| Member {
                data_seed: spec.splits.data_seed(spec.data_seed, k),
                seed: spec.seed.wrapping_add(k),
                n_train: spec.n_train,
                label_noise: spec.label_noise,
                augment: Augment::NONE,
            })
            .collect();
        let mut groups = Vec::new();
        for width in spec.widths() {
            for (input_dropout, hidden_dropout) in
                [(0.0, 0.0), (spec.input_dropout, spec.hidden_dropout)]
            {
                groups.push(Group {
                    width,
                    input_dropout,
                    hidden_dropout,
                    members: members.clone(),
                });
            }
        }
        let settings = Settings {
            depth: spec.depth,
            lr: spec.lr,
            weight_decay: spec.weight_decay,
            batch: spec.batch,
            removed: Some(spec.removed),
            validation: 0,
            weight_images: WEIGHT_IMAGES.min(spec.width),
        };
        Ok(Self {
            ensemble: Ensemble::new(settings, pool, groups, device),
            schedule: Schedule::new(spec.steps, spec.eval_every),
            spec,
        })
    }

    /// The groups of the main width: (no dropout, dropout).
    fn main_groups(&self) -> (usize, usize) {
        let last = self.ensemble.groups().len() - 2;
        (last, last + 1)
    }

    fn run(&self, g: usize, label: &str, paired_with: Option<usize>) -> RunReport {
        let all: Vec<usize> = (0..self.spec.seeds).collect();
        let mut s = self.ensemble.summary(g, &all);
        s.insert(metric::N_TRAIN.key.into(), Value::from(self.spec.n_train));
        s.insert(metric::SEED.key.into(), Value::from(self.spec.seed));
        s.insert(metric::SEEDS.key.into(), Value::from(self.spec.seeds));
        s.insert(
            "splits".into(),
            serde_json::to_value(self.spec.splits).unwrap_or_default(),
        );
        s.insert(
            metric::WIDTH.key.into(),
            Value::from(self.ensemble.groups()[g].width),
        );
        s.insert(
            metric::PARAMETERS.key.into(),
            Value::from(self.ensemble.parameters_per_model(g)),
        );
        if let Some(base) = paired_with.filter(|_| self.ensemble.latest().is_some()) {
            Paired::new(
                &self.ensemble.test_accs(g, &all),
                &self.ensemble.test_accs(base, &all),
            )
            .describe("Dropout", &mut s);
        }
        RunReport::new(label, &self.ensemble.series(g, &all), s)
    }

    /// Final test accuracy and loss increase of every width, for one of the two settings.
    fn by_width(&self, dropout: bool, label: &str) -> RunReport {
        let mut columns: Vec<(&str, Vec<f64>)> = [
            metric::WIDTH.key,
            metric::LOSS_INCREASE.key,
            "loss_increase_sd",
            metric::TEST_ACC.key,
            "test_acc_sd",
        ]
        .into_iter()
        .map(|k| (k, Vec::new()))
        .collect();
        if let Some(latest) = self.ensemble.latest() {
            for (g, group) in self.ensemble.groups().iter().enumerate() {
                // Groups alternate: no dropout, dropout.
                if g % 2 != usize::from(dropout) {
                    continue;
                }
                let ms = &latest[g];
                let (inc, inc_sd) = mean_sd(
                    &ms.iter()
                        .filter_map(|m| m.loss_increase)
                        .collect::<Vec<_>>(),
                );
                let (acc, acc_sd) = mean_sd(&ms.iter().map(|m| m.test_acc).collect::<Vec<_>>());
                for (i, v) in [group.width as f64, inc, inc_sd, acc, acc_sd]
                    .into_iter()
                    .enumerate()
                {
                    columns[i].1.push(v);
                }
            }
        }
        RunReport::from_columns(label, &columns, Map::new())
    }
}

impl Stepper for DropoutSession {
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
        let (plain, drop) = self.main_groups();
        let label = self.spec.dropout_label();
        let runs = vec![
            self.run(plain, "no-dropout", None),
            self.run(drop, &label, Some(plain)),
            self.by_width(false, "no-dropout by width"),
            self.by_width(true, &format!("{label} by width")),
        ];
        Report::new(INFO.id, &self.spec, metric::STEP.key, runs)
    }

    fn galleries(&self) -> Vec<Gallery> {
        let (plain, drop) = self.main_groups();
        let units = WEIGHT_IMAGES.min(self.spec.width);
        [
            (plain, "no dropout".to_string()),
            (drop, self.spec.dropout_label()),
        ]
        .into_iter()
        .filter(|(g, _)| !self.ensemble.weights[*g].is_empty())
        .map(|(g, name)| Gallery {
            title: format!(
                "{name}: first-layer weights of {units} hidden units (seed {})",
                self.spec.seed
            ),
            width: self.ensemble.pool().picture().0,
            height: self.ensemble.pool().picture().1,
            columns: if self.spec.dataset == Dataset::Digits {
                8
            } else {
                2
            },
            images: crate::train::ensemble::weight_images(
                &self.ensemble.weights[g],
                self.ensemble.pool().dim(),
                units,
            ),
            signed: true,
            axes: None,
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Preset;

    /// MNIST-1D's first-layer weights are 40-point strips.
    #[test]
    fn mnist1d_weights_are_strips() {
        let spec = DropoutSpec {
            dataset: Dataset::Mnist1d,
            n_train: 40,
            width: 8,
            widths: 1,
            seeds: 1,
            steps: 1,
            eval_every: 1,
            ..DropoutSpec::preset(Preset::Ci)
        };
        let mut session: Box<dyn crate::train::Session> =
            Box::new(DropoutSession::new(spec, None, &Device::flex()).expect("the spec starts"));
        let p = session
            .advance(1)
            .expect("probe")
            .expect("first evaluation");
        session.absorb(p.transaction.execute()).expect("absorb");
        let g = &session.galleries()[0];
        assert_eq!((g.width, g.height, g.images.len()), (40, 1, 8));
        assert_eq!(g.images[0].len(), 40);
    }

    /// A tiny run: every run is in the report with its summary keys, and the weight images
    /// are there after the first evaluation.
    #[test]
    fn a_tiny_run_reports_both_settings_and_every_width() {
        let spec = DropoutSpec {
            n_train: 40,
            width: 16,
            widths: 2,
            seeds: 2,
            steps: 4,
            eval_every: 2,
            ..DropoutSpec::preset(Preset::Ci)
        };
        let mut session: Box<dyn crate::train::Session> =
            Box::new(DropoutSession::new(spec, None, &Device::flex()).expect("the spec starts"));
        crate::train::run_to_end(session.as_mut()).expect("finite");
        let report = session.report();
        let labels: Vec<&str> = report.runs.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "no-dropout",
                "dropout-0.5",
                "no-dropout by width",
                "dropout-0.5 by width"
            ]
        );
        assert_eq!(report.runs[0].column("step"), [0.0, 2.0, 4.0]);
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
        assert_eq!(s["n_train"], 40);
        assert_eq!(report.runs[2].column("width"), [8.0, 16.0]);
        let galleries = session.galleries();
        assert_eq!(galleries.len(), 2);
        assert_eq!(galleries[0].images.len(), 16);
        assert_eq!(galleries[0].images[0].len(), 64);
    }
}
