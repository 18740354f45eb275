//! The experiments. Each has one module: its burn-free declaration (a spec type implementing
//! [`Declaration`]: info, knobs, presets, rules, panels, comparison, cost), and its training
//! sessions in a `session` file behind the `engine` feature. [`registry`] lists them, one line
//! each; [`Experiment`] and [`AnySpec`] come from that list and drive the CLI (`overfit list`,
//! `overfit run <id>`), the web app's routes and home page, links and the tests.

pub mod augmentation;
pub mod benign;
pub mod corrupted_labels;
pub mod double_descent;
pub mod dropout;
pub mod forgetting;
pub mod grokking;
pub mod grokking_images;
pub mod intrinsic_dimension;
pub mod lazy_rich;
pub mod lottery;
pub mod scaling_laws;
pub mod softmax_collapse;
#[cfg(feature = "engine")]
mod start;
pub mod summary;
pub mod toy2d;
pub mod vocabulary;

use crate::report::{Report, RunReport};
use crate::spec::{Knob, Preset, SpecError};

mod any_spec;
mod comparison;
mod declaration;
mod own_data;
mod paired;
mod panel;
mod registry;

pub use crate::terms::{Metric, Unit};
pub use comparison::{Comparison, PaperRow};
pub use declaration::Declaration;
pub use own_data::{trains_on_own_data, use_own_data};
pub use paired::Paired;
pub use panel::{Curve, Mark, Panel};
pub use registry::{AnySpec, Experiment};
#[cfg(feature = "engine")]
pub use start::{start, start_runs};
pub use summary::{RunName, Summary};

/// What a person needs to know about an experiment before running it.
#[derive(Clone, Copy, Debug)]
pub struct Info {
    pub id: &'static str,
    pub title: &'static str,
    /// One line: the claim the experiment demonstrates.
    pub claim: &'static str,
    /// One line: what its first chart shows (the home page's card says it under its picture).
    pub see: &'static str,
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
    pub marks: &'static [(Metric, &'static str)],
    /// What a reader's own CSV file may hold, where the experiment trains on one
    /// (`dataset=local`); `None` where it does not take one.
    pub own_data: Option<crate::data::table::Limits>,
    /// What happens next: experiments that take the story further, each as
    /// `(experiment id, words)` (the page links each; a test checks the ids are registered).
    pub next: &'static [(&'static str, &'static str)],
}

/// A change worth trying: its words, and the knob values it sets.
pub type Suggestion = (&'static str, &'static [(&'static str, &'static str)]);

impl Experiment {
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

    /// The comparison that applies to `spec` (e.g. only the trained sweep has published numbers).
    pub fn comparison_for(self, spec: &AnySpec) -> Option<&'static Comparison> {
        spec.declared().comparison_here()
    }

    /// The charts of a report of this experiment (some depend on the spec, e.g. a sweep's mode).
    pub fn panels_for(self, report: &Report) -> &'static [Panel] {
        self.spec_of(report).declared().panels()
    }

    /// The spec a report was trained with: its recorded settings over the quick preset (a
    /// report's spec holds every knob; anything missing or unreadable keeps the preset's).
    pub fn spec_of(self, report: &Report) -> AnySpec {
        let preset = self.preset(Preset::Quick);
        let mut map = preset.to_json();
        for (key, value) in &report.spec {
            if map.contains_key(key) {
                map.insert(key.clone(), value.clone());
            }
        }
        self.spec_from_json(map).unwrap_or(preset)
    }

    /// Vertical markers for a report's charts, from [`Info::marks`]: each run's (memorised at
    /// step …, generalised at step …), or one for the report where every run has the same
    /// (a sweep's interpolation threshold).
    pub fn markers(self, report: &Report) -> Vec<Mark> {
        let axis = crate::experiments::vocabulary::words(&report.axis);
        let mut out = Vec::new();
        for &(metric, word) in self.info().marks {
            let key = metric.key;
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
                let run = crate::experiments::vocabulary::run_name(&report.runs[r].label);
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
                ("Grokfast-EMA memorised", Some(1), 250.0),
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
