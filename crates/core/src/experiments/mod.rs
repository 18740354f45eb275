//! The experiment registry. One enum drives the CLI (`overfit list`, `overfit run <id>`), the
//! web app's routes and home page, and the smoke tests.

pub mod grokking;
pub mod toy2d;

use burn::tensor::Device;

use crate::spec::{AnySpec, Knob, Preset, SpecError};
use crate::train::Session;

/// Every experiment Overfit Lab ships.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Experiment {
    Grokking,
    Toy2d,
}

/// One chart of a report: which metrics it overlays (for every run) and how its axes scale.
/// The web page and the CLI's chart.svg draw the same panels.
#[derive(Clone, Copy, Debug)]
pub struct Panel {
    pub title: &'static str,
    /// Metric names drawn in this panel (those a run lacks are skipped).
    pub metrics: &'static [&'static str],
    /// A fixed y range, or `None` to fit the data.
    pub y_range: Option<(f64, f64)>,
    pub log_x: bool,
    pub log_y: bool,
}

/// One curve of a panel for one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// `metric`, or `run metric` when the report has several runs.
    pub label: String,
    /// Index into a palette: the run's when there are several runs, else the metric's.
    pub colour: usize,
    /// A training-set metric (drawn dashed).
    pub training: bool,
    /// `(step, value)` as recorded (non-finite values included).
    pub points: Vec<(f64, f64)>,
}

impl Panel {
    /// The panel's curves for `report`: one per run and metric the run records.
    pub fn curves(&self, report: &crate::report::Report) -> Vec<Curve> {
        let several = report.runs.len() > 1;
        let mut out = Vec::new();
        for (r, run) in report.runs.iter().enumerate() {
            let steps = run.column("step");
            for (m, metric) in self.metrics.iter().enumerate() {
                if !run.series.contains_key(*metric) {
                    continue;
                }
                out.push(Curve {
                    label: if several {
                        format!("{} {metric}", run.label)
                    } else {
                        metric.to_string()
                    },
                    colour: if several { r } else { m },
                    training: metric.starts_with("train"),
                    points: steps.iter().copied().zip(run.column(metric)).collect(),
                });
            }
        }
        out
    }
}

/// A published number set beside the user's: one summary value per run label.
#[derive(Clone, Copy, Debug)]
pub struct Comparison {
    /// The summary key compared (e.g. `steps_to_val_acc_95`).
    pub metric: &'static str,
    /// What the number is, for people.
    pub caption: &'static str,
    /// The published setting the numbers belong to.
    pub setting: &'static str,
    /// The preset that reproduces that setting.
    pub preset: Preset,
    /// `(run label, published value)`.
    pub paper: &'static [(&'static str, f64)],
    /// Speed-ups are shown relative to this run's value (`baseline / run`).
    pub ratio_to: Option<&'static str>,
}

/// What a person needs to know about an experiment before running it.
#[derive(Clone, Copy, Debug)]
pub struct Info {
    pub id: &'static str,
    pub title: &'static str,
    /// One line: the claim the experiment demonstrates.
    pub claim: &'static str,
    /// Two sentences for the page header.
    pub explanation: &'static str,
    /// The source, as a citation.
    pub paper: &'static str,
    pub paper_url: &'static str,
}

impl Experiment {
    pub const ALL: &'static [Experiment] = &[Experiment::Grokking, Experiment::Toy2d];

    pub fn info(self) -> &'static Info {
        match self {
            Experiment::Grokking => &grokking::INFO,
            Experiment::Toy2d => &toy2d::INFO,
        }
    }

    /// The URL slug and CLI name.
    pub fn id(self) -> &'static str {
        self.info().id
    }

    pub fn knobs(self) -> &'static [Knob] {
        match self {
            Experiment::Grokking => grokking::KNOBS,
            Experiment::Toy2d => toy2d::KNOBS,
        }
    }

    /// The charts of this experiment's report.
    pub fn panels(self) -> &'static [Panel] {
        match self {
            Experiment::Grokking => grokking::PANELS,
            Experiment::Toy2d => toy2d::PANELS,
        }
    }

    /// Whether the experiment's sessions produce a 2-D decision surface to draw.
    pub fn draws_surface(self) -> bool {
        matches!(self, Experiment::Toy2d)
    }

    /// The paper's numbers to show beside the user's, where the experiment has them.
    pub fn comparison(self) -> Option<&'static Comparison> {
        match self {
            Experiment::Grokking => Some(&grokking::COMPARISON),
            Experiment::Toy2d => None,
        }
    }

    pub fn knob(self, key: &str) -> Option<&'static Knob> {
        self.knobs().iter().find(|k| k.key == key)
    }

    pub fn preset(self, preset: Preset) -> AnySpec {
        match self {
            Experiment::Grokking => AnySpec::Grokking(grokking::GrokkingSpec::preset(preset)),
            Experiment::Toy2d => AnySpec::Toy2d(toy2d::Toy2dSpec::preset(preset)),
        }
    }
}

impl std::str::FromStr for Experiment {
    type Err = SpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Experiment::ALL
            .iter()
            .copied()
            .find(|e| e.id() == s)
            .ok_or_else(|| SpecError::UnknownExperiment(s.to_string()))
    }
}

/// Validates `spec` and starts a run on `device` (a plain device; autodiff is enabled here).
pub fn start(spec: &AnySpec, device: &Device) -> Result<Box<dyn Session>, SpecError> {
    spec.validate()?;
    Ok(match spec {
        AnySpec::Grokking(s) => Box::new(grokking::GrokkingSession::new(s.clone(), device)),
        AnySpec::Toy2d(s) => Box::new(toy2d::Toy2dSession::new(s.clone(), device)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_parse_back() {
        for e in Experiment::ALL {
            assert_eq!(e.id().parse::<Experiment>(), Ok(*e));
        }
        assert!("nope".parse::<Experiment>().is_err());
    }

    #[test]
    fn every_preset_validates() {
        for e in Experiment::ALL {
            for p in Preset::ALL {
                let spec = e.preset(p);
                assert_eq!(spec.experiment(), *e);
                spec.validate()
                    .unwrap_or_else(|err| panic!("{} {}: {err}", e.id(), p.name()));
            }
        }
    }

    #[test]
    fn panels_name_metrics_the_runs_record() {
        for e in Experiment::ALL {
            let spec = e.preset(Preset::Ci);
            let mut session = start(&spec, &Device::flex()).expect("ci preset starts");
            let probe = session
                .advance(1)
                .expect("advance")
                .expect("step 0 is evaluated");
            session.absorb(probe.transaction.execute()).expect("absorb");
            let report = session.report();
            for panel in e.panels() {
                for metric in panel.metrics {
                    assert!(
                        report.runs.iter().all(|r| r.series.contains_key(*metric)),
                        "{}: panel {} names {metric}, which no run records",
                        e.id(),
                        panel.title
                    );
                }
            }
            if let Some(c) = e.comparison() {
                for (label, _) in c.paper {
                    let full = e.preset(c.preset);
                    let mut session = start(&full, &Device::flex()).expect("starts");
                    let _ = session.advance(0);
                    assert!(
                        session.report().runs.iter().any(|r| r.label == *label),
                        "{}: the {} preset has no run {label}",
                        e.id(),
                        c.preset.name()
                    );
                }
            }
        }
    }

    #[test]
    fn every_knob_is_a_spec_field_and_every_field_a_knob() {
        for e in Experiment::ALL {
            let json = e.preset(Preset::Quick).to_json();
            for k in e.knobs() {
                assert!(
                    json.contains_key(k.key),
                    "{}: knob {} has no field",
                    e.id(),
                    k.key
                );
            }
            for key in json.keys() {
                assert!(e.knob(key).is_some(), "{}: field {key} has no knob", e.id());
            }
        }
    }
}
