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
}

impl Experiment {
    pub const ALL: &'static [Experiment] = &[Experiment::Toy2d];

    pub fn info(self) -> &'static Info {
        match self {
            Experiment::Toy2d => &toy2d::INFO,
        }
    }

    /// The URL slug and CLI name.
    pub fn id(self) -> &'static str {
        self.info().id
    }

    pub fn knobs(self) -> &'static [Knob] {
        match self {
            Experiment::Toy2d => toy2d::KNOBS,
        }
    }

    pub fn knob(self, key: &str) -> Option<&'static Knob> {
        self.knobs().iter().find(|k| k.key == key)
    }

    pub fn preset(self, preset: Preset) -> AnySpec {
        match self {
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
