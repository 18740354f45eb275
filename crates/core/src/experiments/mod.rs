//! The experiment registry. One enum drives the CLI (`overfit list`, `overfit run <id>`), the
//! web app's routes and home page, and the smoke tests.
//!
//! Each experiment's module holds its burn-free declaration (info, knobs, panels, comparison,
//! spec and presets); its training sessions sit in a `session` file (the ensembles' shared
//! trainer in `ensemble/training.rs`) behind the `engine` feature, as does `start`.

pub mod augmentation;
pub mod benign;
pub mod double_descent;
pub mod dropout;
pub mod ensemble;
pub mod grokking;
#[cfg(feature = "engine")]
mod start;
pub mod toy2d;

use serde_json::Value;

use crate::data::augment::Kind;
use crate::report::{Report, RunReport};
use crate::spec::{AnySpec, Knob, Preset, SpecError};

mod comparison;
mod own_data;
mod panel;

pub use crate::terms::Unit;
pub use comparison::{Comparison, PaperRow};
pub use own_data::{trains_on_own_data, use_own_data};
pub use panel::{Curve, Mark, Panel};
#[cfg(feature = "engine")]
pub use start::{start, start_runs};

/// Every experiment Overfit Lab ships.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Experiment {
    Grokking,
    DoubleDescent,
    BenignOverfitting,
    Dropout,
    Augmentation,
    Toy2d,
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
    /// One or two sentences above the charts: what is about to happen, and where to look.
    pub watch: &'static str,
    /// The three to five knobs that tell the experiment's story, in the order a page shows
    /// them first; every other knob is under "Advanced".
    pub story: &'static [&'static str],
    /// Three changes worth trying from the quick preset, in words, each with the settings it
    /// makes (the page links each; every one fits a CPU tab's budget).
    pub try_these: &'static [Suggestion],
    /// Where the phenomenon happens, marked on the charts: summary keys holding a position on
    /// the report's axis (a step, a size), each with its word on the chart ("memorised",
    /// "generalised", "interpolation threshold").
    pub marks: &'static [(&'static str, &'static str)],
    /// What a reader's own CSV file may hold, where the experiment trains on one
    /// (`dataset=local`); `None` where it does not take one.
    pub own_data: Option<crate::data::table::Limits>,
}

/// A change worth trying: its words, and the knob values it sets.
pub type Suggestion = (&'static str, &'static [(&'static str, &'static str)]);

impl Experiment {
    pub const ALL: &'static [Experiment] = &[
        Experiment::Grokking,
        Experiment::DoubleDescent,
        Experiment::BenignOverfitting,
        Experiment::Dropout,
        Experiment::Augmentation,
        Experiment::Toy2d,
    ];

    pub fn info(self) -> &'static Info {
        match self {
            Experiment::Grokking => &grokking::INFO,
            Experiment::DoubleDescent => &double_descent::INFO,
            Experiment::BenignOverfitting => &benign::INFO,
            Experiment::Dropout => &dropout::INFO,
            Experiment::Augmentation => &augmentation::INFO,
            Experiment::Toy2d => &toy2d::INFO,
        }
    }

    /// The quick preset with `pairs` set, validated (see [`Info::try_these`]).
    pub fn suggested(self, pairs: &[(&str, &str)]) -> Result<AnySpec, SpecError> {
        let mut spec = self.preset(Preset::Quick);
        for (key, value) in pairs {
            spec.set(key, value)?;
        }
        spec.validate()?;
        Ok(spec)
    }

    /// The URL slug and CLI name.
    pub fn id(self) -> &'static str {
        self.info().id
    }

    pub fn knobs(self) -> &'static [Knob] {
        match self {
            Experiment::Grokking => grokking::KNOBS,
            Experiment::DoubleDescent => double_descent::KNOBS,
            Experiment::BenignOverfitting => benign::KNOBS,
            Experiment::Dropout => dropout::KNOBS,
            Experiment::Augmentation => augmentation::KNOBS,
            Experiment::Toy2d => toy2d::KNOBS,
        }
    }

    /// The charts of this experiment's report (with its default spec).
    pub fn panels(self) -> &'static [Panel] {
        match self {
            Experiment::Grokking => grokking::PANELS,
            Experiment::DoubleDescent => double_descent::Mode::Features.panels(),
            Experiment::BenignOverfitting => benign::Mode::Xor.panels(),
            Experiment::Dropout => dropout::PANELS,
            Experiment::Augmentation => augmentation::PANELS,
            Experiment::Toy2d => toy2d::PANELS,
        }
    }

    /// The paper's numbers to show beside the user's, where the experiment has them.
    pub fn comparison(self) -> Option<&'static Comparison> {
        match self {
            Experiment::Grokking => Some(&grokking::COMPARISON),
            Experiment::DoubleDescent => Some(&double_descent::WIDTH_COMPARISON),
            Experiment::BenignOverfitting => benign::Mode::Xor.comparison(),
            Experiment::Dropout => Some(&dropout::COMPARISON),
            Experiment::Augmentation => Some(&augmentation::COMPARISON),
            Experiment::Toy2d => None,
        }
    }

    /// The comparison that applies to `spec` (e.g. only the trained sweep has published numbers).
    pub fn comparison_for(self, spec: &AnySpec) -> Option<&'static Comparison> {
        match spec {
            AnySpec::DoubleDescent(s) if s.mode != double_descent::Mode::Width => None,
            AnySpec::BenignOverfitting(s) => s.mode.comparison(),
            _ => self.comparison(),
        }
    }

    /// The charts of a report of this experiment (some depend on the spec, e.g. a sweep's mode).
    pub fn panels_for(self, report: &Report) -> &'static [Panel] {
        match self {
            Experiment::DoubleDescent => double_descent::Mode::of_report(&report.spec)
                .unwrap_or(double_descent::Mode::Features)
                .panels(),
            Experiment::BenignOverfitting => {
                match report.spec.get("mode").and_then(Value::as_str) {
                    Some("linear") => benign::Mode::Linear.panels(),
                    Some("plane") => benign::Mode::Plane.panels(),
                    _ => benign::Mode::Xor.panels(),
                }
            }
            Experiment::Grokking
                if report.spec.get("compare").and_then(Value::as_str) == Some("fractions") =>
            {
                grokking::FRACTION_PANELS
            }
            _ => self.panels(),
        }
    }

    /// Adds what a report's runs say together, once every run is in it (after runs trained
    /// apart are merged): `compare=fractions`' steps to generalise by training fraction.
    /// Replaces what an earlier call added, so a live report can be derived at every update.
    pub fn derive(self, report: &mut Report) {
        if self == Experiment::Grokking
            && report.spec.get("compare").and_then(Value::as_str) == Some("fractions")
        {
            report.runs.retain(|r| !r.label.ends_with(" by fraction"));
            let derived = grokking::fraction_runs(report);
            report.runs.extend(derived);
        }
    }

    /// Vertical markers for a report's charts, from [`Info::marks`]: each run's (memorised at
    /// step …, generalised at step …), or one for the report where every run has the same
    /// (a sweep's interpolation threshold).
    pub fn markers(self, report: &Report) -> Vec<Mark> {
        let axis = crate::terms::words(&report.axis);
        let mut out = Vec::new();
        for &(key, word) in self.info().marks {
            let at: Vec<(usize, f64)> = report
                .runs
                .iter()
                .enumerate()
                .filter_map(|(r, run)| Some((r, run.summary.get(key)?.as_f64()?)))
                .collect();
            let Some(&(_, first)) = at.first() else {
                continue;
            };
            let shown = |x: f64| crate::terms::format_value(x, Unit::Count);
            if report.runs.len() > 1
                && at.len() == report.runs.len()
                && at.iter().all(|(_, x)| *x == first)
            {
                out.push(Mark {
                    x: first,
                    run: None,
                    label: format!("{word} ({axis} {})", shown(first)),
                    word: word.to_string(),
                });
                continue;
            }
            for (r, x) in at {
                let run = &report.runs[r].label;
                out.push(Mark {
                    x,
                    run: Some(r),
                    label: format!("{run}: {word} at {axis} {}", shown(x)),
                    word: if report.runs.len() > 1 {
                        format!("{run} {word}")
                    } else {
                        word.to_string()
                    },
                });
            }
        }
        out
    }

    pub fn knob(self, key: &str) -> Option<&'static Knob> {
        self.knobs().iter().find(|k| k.key == key)
    }

    pub fn preset(self, preset: Preset) -> AnySpec {
        match self {
            Experiment::Grokking => AnySpec::Grokking(grokking::GrokkingSpec::preset(preset)),
            Experiment::DoubleDescent => {
                AnySpec::DoubleDescent(double_descent::DoubleDescentSpec::preset(preset))
            }
            Experiment::BenignOverfitting => {
                AnySpec::BenignOverfitting(benign::BenignSpec::preset(preset))
            }
            Experiment::Dropout => AnySpec::Dropout(dropout::DropoutSpec::preset(preset)),
            Experiment::Augmentation => {
                AnySpec::Augmentation(augmentation::AugmentationSpec::preset(preset))
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    #[test]
    fn each_story_is_three_to_five_of_the_experiments_own_knobs() {
        for e in Experiment::ALL {
            let story = e.info().story;
            assert!((3..=5).contains(&story.len()), "{}: {story:?}", e.id());
            for (i, key) in story.iter().enumerate() {
                assert!(
                    e.knobs().iter().any(|k| k.key == *key),
                    "{}: {key} is not a knob",
                    e.id()
                );
                assert!(!story[..i].contains(key), "{}: {key} twice", e.id());
            }
        }
    }

    #[test]
    fn each_suggestion_changes_the_quick_preset_into_a_valid_spec_a_cpu_tab_can_run() {
        use crate::cost::{Budget, Target};
        for e in Experiment::ALL {
            let tries = e.info().try_these;
            assert_eq!(tries.len(), 3, "{}", e.id());
            let quick = e.preset(Preset::Quick);
            for (words, pairs) in tries {
                let spec = e
                    .suggested(pairs)
                    .unwrap_or_else(|err| panic!("{} {words}: {err}", e.id()));
                assert_ne!(spec, quick, "{} {words}: changes nothing", e.id());
                let budget = Budget::page(Target::Cpu);
                budget
                    .check(spec.cost(Target::Cpu))
                    .unwrap_or_else(|over| panic!("{} {words}: {over}", e.id()));
            }
        }
    }

    fn run(label: &str, summary: serde_json::Value) -> RunReport {
        RunReport {
            label: label.into(),
            series: Map::new(),
            summary: summary.as_object().cloned().unwrap_or_default(),
        }
    }

    #[test]
    fn markers_say_where_each_run_memorised_and_generalised_and_share_a_threshold() {
        let spec = Experiment::Grokking.preset(Preset::Ci);
        let mut report = Report::new("grokking", &spec, "step", Vec::new());
        report.runs = vec![
            run(
                "baseline",
                serde_json::json!({"steps_to_train_acc_95": 300, "steps_to_val_acc_95": 7250}),
            ),
            // Not generalised yet: no marker for it.
            run(
                "grokfast-ema",
                serde_json::json!({"steps_to_train_acc_95": 250}),
            ),
        ];
        let marks = Experiment::Grokking.markers(&report);
        let said: Vec<(&str, Option<usize>, f64)> = marks
            .iter()
            .map(|m| (m.word.as_str(), m.run, m.x))
            .collect();
        assert_eq!(
            said,
            [
                ("baseline memorised", Some(0), 300.0),
                ("grokfast-ema memorised", Some(1), 250.0),
                ("baseline generalised", Some(0), 7250.0),
            ]
        );
        assert_eq!(
            marks[2].label,
            "baseline: generalised at training step 7,250"
        );
        // A sweep's threshold, the same for every run: one marker for the report.
        let spec = Experiment::DoubleDescent.preset(Preset::Ci);
        let mut report = Report::new("double-descent", &spec, "features", Vec::new());
        report.runs = vec![
            run("min-norm", serde_json::json!({"threshold": 1000})),
            run("ridge", serde_json::json!({"threshold": 1000})),
        ];
        let marks = Experiment::DoubleDescent.markers(&report);
        assert_eq!(marks.len(), 1);
        assert_eq!(marks[0].run, None);
        assert_eq!(
            marks[0].label,
            "interpolation threshold (random features 1,000)"
        );
    }

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
