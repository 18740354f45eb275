//! Experiment specs: plain serde structs that fully describe a run (seeds included), their
//! presets, and the knob table that validates them and drives the CLI's `--set` and the web
//! page's controls.

pub mod fields;
mod knob;

pub use fields::Fields;
pub use knob::{Knob, KnobKind, float, int};

use serde::{Deserialize, Serialize};

/// A named starting point for a spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// The published setting (sized for a real GPU).
    Paper,
    /// Shows the phenomenon in about a minute in a browser.
    Quick,
    /// Shows the phenomenon natively on 2 CPU cores in a couple of minutes.
    Ci,
}

impl Preset {
    pub const ALL: [Preset; 3] = [Preset::Paper, Preset::Quick, Preset::Ci];

    pub fn name(self) -> &'static str {
        match self {
            Preset::Paper => "paper",
            Preset::Quick => "quick",
            Preset::Ci => "ci",
        }
    }

    /// The preset in words, for a button; the title says what it is for.
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            Preset::Paper => (
                "The paper",
                "The published setting, sized for a real GPU (hours on a CPU)",
            ),
            Preset::Quick => (
                "A quick look",
                "Shows the phenomenon in about a minute in a browser",
            ),
            Preset::Ci => (
                "The test setting",
                "What the project's own tests run: the phenomenon on two CPU cores in minutes",
            ),
        }
    }
}

impl std::str::FromStr for Preset {
    type Err = SpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| SpecError::UnknownPreset(s.to_string()))
    }
}

/// A spec that does not describe a runnable experiment. Messages are one line and name the
/// offending key or value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpecError {
    #[error("unknown experiment '{}' (try `overfit list`)", clip(.0))]
    UnknownExperiment(String),
    #[error("unknown preset '{}' (expected paper, quick or ci)", clip(.0))]
    UnknownPreset(String),
    #[error("unknown key '{}' for {experiment} (known keys: {known})", clip(key))]
    UnknownKey {
        experiment: &'static str,
        key: String,
        known: String,
    },
    #[error("{key}={} is not a valid {expected}", clip(value))]
    BadValue {
        key: String,
        value: String,
        expected: String,
    },
    #[error("{key}={value} is below the limit {limit}")]
    BelowLimit {
        key: String,
        value: String,
        limit: String,
    },
    #[error("{key}={value} is above the limit {limit}")]
    AboveLimit {
        key: String,
        value: String,
        limit: String,
    },
    #[error("{key}={} is not one of: {choices}", clip(value))]
    NotAChoice {
        key: String,
        value: String,
        choices: String,
    },
    #[error("{0}")]
    Inconsistent(String),
    #[error("expected key=value, got '{}'", clip(.0))]
    NotAnAssignment(String),
}

/// Text from a link or a command line as an error message shows it: at most 40 characters
/// (a hostile link can be megabytes long), control characters replaced, so that a message is
/// always one short line.
pub fn clip(text: &str) -> String {
    const MOST: usize = 40;
    let mut out: String = text
        .chars()
        .take(MOST)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    if text.chars().nth(MOST).is_some() {
        out.push('…');
    }
    out
}

/// The keys an experiment knows, for an error message: all of them while the list is short,
/// else the first ones and how many more `overfit list` shows (a message stays one short
/// line).
pub(crate) fn known_keys<'a>(keys: impl Iterator<Item = &'a str>) -> String {
    const MOST: usize = 200;
    let keys: Vec<&str> = keys.collect();
    let mut out = String::new();
    for (i, key) in keys.iter().enumerate() {
        if out.len() + key.len() > MOST {
            out.push_str(&format!(
                ", and {} more: `overfit list` shows them all",
                keys.len() - i
            ));
            break;
        }
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(key);
    }
    out
}

/// `Ok` when a run of `total` steps (or epochs: `unit`) evaluates at least once after its
/// start, i.e. `eval_every ≤ total`; else the error that says so.
pub(crate) fn evaluates(eval_every: usize, total: usize, unit: &str) -> Result<(), SpecError> {
    if eval_every > total {
        return Err(SpecError::Inconsistent(format!(
            "eval_every={eval_every} is more than {unit}={total}: there would be no evaluation"
        )));
    }
    Ok(())
}

/// Deals `runs` independent runs out to at most `shares` trainers, round-robin: each inner list
/// is the run indices one trainer takes. Never an empty share.
pub fn share_runs(runs: usize, shares: usize) -> Vec<Vec<usize>> {
    let shares = shares.clamp(1, runs.max(1));
    (0..shares)
        .map(|k| (k..runs.max(1)).step_by(shares).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_shared_round_robin_without_empty_shares() {
        assert_eq!(share_runs(3, 2), vec![vec![0, 2], vec![1]]);
        assert_eq!(share_runs(3, 8), vec![vec![0], vec![1], vec![2]]);
        assert_eq!(share_runs(3, 1), vec![vec![0, 1, 2]]);
        assert_eq!(share_runs(1, 4), vec![vec![0]]);
        assert_eq!(share_runs(3, 0), vec![vec![0, 1, 2]]);
    }

    #[test]
    fn presets_parse_by_name() {
        for p in Preset::ALL {
            assert_eq!(p.name().parse::<Preset>(), Ok(p));
        }
        assert!("fast".parse::<Preset>().is_err());
    }
}
