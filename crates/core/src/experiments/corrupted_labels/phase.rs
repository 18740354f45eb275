//! The phase a run ends in, from its final accuracies, named as Doshi et al. 2024 name them.

use serde::{Deserialize, Serialize};

/// Where a network ends with corrupted training answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// It generalises and still answers the corrupted equations with their wrong answers.
    Coexistence,
    /// It generalises and has un-memorised some of the wrong answers.
    PartialInversion,
    /// It generalises and answers the corrupted equations right: it un-memorised them.
    FullInversion,
    /// It fits the training answers, wrong ones too, and does not generalise.
    Memorisation,
    /// It learns neither the training answers nor the rule.
    Forgetting,
    /// Something between: part of the training answers, not the rule.
    Confusion,
    /// Without corrupted answers: it generalises.
    Generalisation,
}

/// Test accuracy at or above this generalises; corrupted-answer accuracy at or above it
/// memorised them.
pub const HIGH: f64 = 0.9;
/// Corrupted-answer accuracy at or below this has un-memorised them (chance is 1/p).
pub const LOW: f64 = 0.1;
/// Below this on the clean training answers and the test, nothing was learned.
pub const NOTHING: f64 = 0.5;

impl Phase {
    /// The phase's name, as the page and the summary write it.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Coexistence => "coexistence",
            Phase::PartialInversion => "partial inversion",
            Phase::FullInversion => "full inversion",
            Phase::Memorisation => "memorisation",
            Phase::Forgetting => "forgetting",
            Phase::Confusion => "confusion",
            Phase::Generalisation => "generalisation",
        }
    }

    /// Every phase, in the order the paper's diagram reads (less weight decay first).
    pub const ALL: [Phase; 7] = [
        Phase::Coexistence,
        Phase::PartialInversion,
        Phase::FullInversion,
        Phase::Memorisation,
        Phase::Forgetting,
        Phase::Confusion,
        Phase::Generalisation,
    ];

    /// The phase from its name.
    pub fn from_name(name: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// A run's final accuracies: on its clean and its corrupted training equations, and the test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhaseReading {
    pub clean: f64,
    /// NaN where no answer was corrupted.
    pub corrupted: f64,
    pub test: f64,
}

impl PhaseReading {
    pub fn phase(&self) -> Phase {
        let generalises = self.test >= HIGH;
        if self.corrupted.is_nan() {
            return if generalises {
                Phase::Generalisation
            } else if self.clean >= HIGH {
                Phase::Memorisation
            } else if self.clean < NOTHING && self.test < NOTHING {
                Phase::Forgetting
            } else {
                Phase::Confusion
            };
        }
        match (generalises, self.corrupted) {
            (true, c) if c >= HIGH => Phase::Coexistence,
            (true, c) if c <= LOW => Phase::FullInversion,
            (true, _) => Phase::PartialInversion,
            (false, c) if c >= HIGH && self.clean >= HIGH => Phase::Memorisation,
            _ if self.clean < NOTHING && self.test < NOTHING => Phase::Forgetting,
            _ => Phase::Confusion,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_paper_s_four_runs_read_as_its_phases() {
        // Doshi et al.'s saved runs at ξ = 0.35, wd 0 / 5 / 15 / 20 (train, test); the
        // corrupted share is what the training accuracy implies with clean answers all right.
        let at = |train: f64, test: f64| {
            let corrupted = (train - 0.65) / 0.35;
            PhaseReading {
                clean: 1.0,
                corrupted: corrupted.max(0.0),
                test,
            }
            .phase()
        };
        assert_eq!(at(0.978, 0.983), Phase::Coexistence);
        assert_eq!(at(0.786, 1.0), Phase::PartialInversion);
        assert_eq!(at(0.654, 1.0), Phase::FullInversion);
        let forgot = PhaseReading {
            clean: 0.01,
            corrupted: 0.01,
            test: 0.01,
        };
        assert_eq!(forgot.phase(), Phase::Forgetting);
        let memorised = PhaseReading {
            clean: 1.0,
            corrupted: 1.0,
            test: 0.2,
        };
        assert_eq!(memorised.phase(), Phase::Memorisation);
        for p in Phase::ALL {
            assert_eq!(Phase::from_name(p.name()), Some(p));
        }
        let clean = PhaseReading {
            clean: 1.0,
            corrupted: f64::NAN,
            test: 0.99,
        };
        assert_eq!(clean.phase(), Phase::Generalisation);
    }
}
