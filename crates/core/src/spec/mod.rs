//! Experiment specs: plain serde structs that fully describe a run (seeds included), their
//! presets, and the knob table that validates them and drives the CLI's `--set` and the web
//! page's controls.

mod knob;
pub mod link;

pub use knob::{Knob, KnobKind, float, int};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::experiments::{
    Experiment, augmentation::AugmentationSpec, benign::BenignSpec,
    double_descent::DoubleDescentSpec, dropout::DropoutSpec, grokking::GrokkingSpec,
    toy2d::Toy2dSpec,
};

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
fn known_keys<'a>(keys: impl Iterator<Item = &'a str>) -> String {
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

/// A spec for any registered experiment.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AnySpec {
    Grokking(GrokkingSpec),
    DoubleDescent(DoubleDescentSpec),
    BenignOverfitting(BenignSpec),
    Dropout(DropoutSpec),
    Augmentation(AugmentationSpec),
    Toy2d(Toy2dSpec),
}

impl AnySpec {
    pub fn experiment(&self) -> Experiment {
        match self {
            AnySpec::Grokking(_) => Experiment::Grokking,
            AnySpec::DoubleDescent(_) => Experiment::DoubleDescent,
            AnySpec::BenignOverfitting(_) => Experiment::BenignOverfitting,
            AnySpec::Dropout(_) => Experiment::Dropout,
            AnySpec::Augmentation(_) => Experiment::Augmentation,
            AnySpec::Toy2d(_) => Experiment::Toy2d,
        }
    }

    /// The spec as a flat JSON object (the same keys as the knobs).
    pub fn to_json(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            // Specs are flat structs of numbers, strings and booleans.
            _ => Map::new(),
        }
    }

    fn from_json(experiment: Experiment, map: Map<String, Value>) -> Result<Self, SpecError> {
        let value = Value::Object(map);
        let bad =
            |e: serde_json::Error| SpecError::Inconsistent(format!("{}: {e}", experiment.id()));
        Ok(match experiment {
            Experiment::Grokking => AnySpec::Grokking(serde_json::from_value(value).map_err(bad)?),
            Experiment::DoubleDescent => {
                AnySpec::DoubleDescent(serde_json::from_value(value).map_err(bad)?)
            }
            Experiment::BenignOverfitting => {
                AnySpec::BenignOverfitting(serde_json::from_value(value).map_err(bad)?)
            }
            Experiment::Dropout => AnySpec::Dropout(serde_json::from_value(value).map_err(bad)?),
            Experiment::Augmentation => {
                AnySpec::Augmentation(serde_json::from_value(value).map_err(bad)?)
            }
            Experiment::Toy2d => AnySpec::Toy2d(serde_json::from_value(value).map_err(bad)?),
        })
    }

    /// Sets one knob from its text form (`--set key=value`, a link's query pair), checking the
    /// key, the type and the limits.
    pub fn set(&mut self, key: &str, raw: &str) -> Result<(), SpecError> {
        let experiment = self.experiment();
        let knob = experiment.knob(key).ok_or_else(|| SpecError::UnknownKey {
            experiment: experiment.id(),
            key: key.to_string(),
            known: known_keys(experiment.knobs().iter().map(|k| k.key)),
        })?;
        let value = knob.parse(raw)?;
        let mut map = self.to_json();
        map.insert(key.to_string(), value);
        *self = Self::from_json(experiment, map)?;
        Ok(())
    }

    /// Applies `key=value` assignments in order.
    pub fn set_all<'a>(
        &mut self,
        pairs: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), SpecError> {
        for pair in pairs {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| SpecError::NotAnAssignment(pair.to_string()))?;
            self.set(key.trim(), value.trim())?;
        }
        Ok(())
    }

    /// Applies `(key, value)` pairs from a link, keeping every pair that leaves a valid spec and
    /// returning one error per pair it had to ignore. Pairs are retried until no more can be
    /// applied, so their order does not matter (`steps=30&eval_every=10` works from a preset
    /// whose `eval_every` is 50).
    pub fn apply_leniently<'a>(
        &mut self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<SpecError> {
        let pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
        // All together first: pairs that are only valid together (heads=5&d_model=10 from a
        // preset with 4 heads and d_model 128) land as they would in a strict decode.
        let mut whole = self.clone();
        if pairs
            .iter()
            .all(|(key, value)| whole.set(key, value).is_ok())
            && whole.validate().is_ok()
        {
            *self = whole;
            return Vec::new();
        }
        let mut errors = Vec::new();
        let mut pending = Vec::new();
        for (key, value) in pairs {
            // Type and limit errors do not depend on the other pairs: report them at once.
            match self.clone().set(key, value) {
                Ok(()) => pending.push((key, value)),
                Err(e) => errors.push(e),
            }
        }
        loop {
            let mut rest = Vec::new();
            for (key, value) in pending.iter().copied() {
                let mut candidate = self.clone();
                match candidate
                    .set(key, value)
                    .and_then(|()| candidate.validate())
                {
                    Ok(()) => *self = candidate,
                    Err(_) => rest.push((key, value)),
                }
            }
            if rest.is_empty() || rest.len() == pending.len() {
                for (key, value) in rest {
                    let mut candidate = self.clone();
                    if let Err(e) = candidate
                        .set(key, value)
                        .and_then(|()| candidate.validate())
                    {
                        errors.push(e);
                    }
                }
                return errors;
            }
            pending = rest;
        }
    }

    /// Checks every knob against its limits, then the experiment's cross-field rules.
    pub fn validate(&self) -> Result<(), SpecError> {
        let map = self.to_json();
        for knob in self.experiment().knobs() {
            if let Some(value) = map.get(knob.key) {
                knob.check(value)?;
            }
        }
        match self {
            AnySpec::Grokking(s) => s.validate_rules(),
            AnySpec::DoubleDescent(s) => s.validate_rules(),
            AnySpec::BenignOverfitting(s) => s.validate_rules(),
            AnySpec::Dropout(s) => s.validate_rules(),
            AnySpec::Augmentation(s) => s.validate_rules(),
            AnySpec::Toy2d(s) => s.validate_rules(),
        }
    }

    /// A sentence on what this spec's variant of the experiment shows, where it has variants.
    pub fn note(&self) -> Option<&'static str> {
        match self {
            AnySpec::DoubleDescent(s) => Some(s.mode_note()),
            AnySpec::BenignOverfitting(s) => Some(s.mode_note()),
            AnySpec::Dropout(s) => Some(s.note()),
            AnySpec::Grokking(s) => s.note(),
            _ => None,
        }
    }

    /// Whether `key` matters for this spec (a sweep's mode or a model choice can make knobs
    /// moot; pages hide those controls).
    pub fn uses(&self, key: &str) -> bool {
        match self {
            AnySpec::DoubleDescent(s) => s.uses(key),
            AnySpec::BenignOverfitting(s) => s.uses(key),
            AnySpec::Grokking(s) => s.uses(key),
            AnySpec::Dropout(_) | AnySpec::Augmentation(_) | AnySpec::Toy2d(_) => true,
        }
    }

    /// Whether a run of this spec is a sweep of closed-form fits (its progress counts units
    /// of work, its axis a swept quantity) rather than a training run.
    pub fn is_sweep(&self) -> bool {
        use crate::experiments::{benign, double_descent};
        match self {
            AnySpec::DoubleDescent(s) => matches!(
                s.mode,
                double_descent::Mode::Features | double_descent::Mode::Samples
            ),
            AnySpec::BenignOverfitting(s) => s.mode == benign::Mode::Linear,
            _ => false,
        }
    }

    /// Whether runs of this spec produce a 2-D decision surface to draw.
    pub fn draws_surface(&self) -> bool {
        match self {
            AnySpec::Toy2d(_) => true,
            AnySpec::BenignOverfitting(s) => s.mode == crate::experiments::benign::Mode::Plane,
            _ => false,
        }
    }

    /// How many of this spec's runs train independently of each other: they can train apart
    /// (a worker or a thread each, see [`share_runs`]) and their reports, merged with
    /// [`crate::report::Report::merge`], equal the report of training them together. `1` when
    /// the runs cannot be separated: one model, a sweep, or seeds stacked into one model.
    pub fn independent_runs(&self) -> usize {
        match self {
            // Every run has its own model (from the same init seed), optimizer, filter and
            // batch order; nothing is shared but the data.
            AnySpec::Grokking(s) => s.runs().len(),
            _ => 1,
        }
    }

    /// How many threads one independent run's step can keep busy on `target` (see
    /// [`GrokkingSpec::step_threads`]); more would idle. The numbers never depend on it.
    pub fn step_threads(&self, target: crate::device::Target) -> usize {
        match self {
            AnySpec::Grokking(s) => s.step_threads(target),
            _ => 1,
        }
    }

    /// Total steps the run will take (for progress bars): optimizer steps, or a sweep's
    /// units of work.
    pub fn total_steps(&self) -> usize {
        match self {
            AnySpec::Grokking(s) => s.steps,
            AnySpec::DoubleDescent(s) => s.units(),
            AnySpec::BenignOverfitting(s) => s.units(),
            AnySpec::Dropout(s) => s.steps,
            AnySpec::Augmentation(s) => s.steps,
            AnySpec::Toy2d(s) => s.steps,
        }
    }
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
        let grokking = Experiment::Grokking.preset(Preset::Quick);
        assert_eq!(grokking.independent_runs(), 3);
        assert_eq!(toy().independent_runs(), 1);
    }

    fn toy() -> AnySpec {
        Experiment::Toy2d.preset(Preset::Quick)
    }

    #[test]
    fn set_changes_one_field_and_keeps_the_rest() {
        let mut spec = toy();
        spec.set("width", "64").expect("in range");
        spec.set("dataset", "xor").expect("a choice");
        spec.set("lr", "0.003").expect("in range");
        let json = spec.to_json();
        assert_eq!(json["width"], 64);
        assert_eq!(json["dataset"], "xor");
        assert_eq!(json["lr"], 0.003);
        assert_eq!(json["depth"], toy().to_json()["depth"]);
    }

    #[test]
    fn bad_values_are_named_in_the_error() {
        let mut spec = toy();
        let cases = [
            ("width", "100000", "width=100000 is above the limit 256"),
            ("width", "0", "width=0 is below the limit 1"),
            ("width", "2.5", "width=2.5 is not a valid integer"),
            ("lr", "NaN", "lr=NaN is not a valid finite number"),
            (
                "dataset",
                "moons",
                "dataset=moons is not one of: circle, xor, gauss, spiral, local",
            ),
            (
                "data_seed",
                "-1",
                "data_seed=-1 is not a valid seed (0..2^64)",
            ),
        ];
        for (key, value, message) in cases {
            let err = spec.set(key, value).expect_err(value);
            assert_eq!(err.to_string(), message);
        }
        let err = spec.set("colour", "red").expect_err("unknown");
        assert!(
            err.to_string()
                .starts_with("unknown key 'colour' for toy2d (known keys: dataset,")
        );
        // An experiment with many knobs names the first and counts the rest: one short line.
        let mut grokking = AnySpec::Grokking(Default::default());
        let err = grokking
            .set("colour", "red")
            .expect_err("unknown")
            .to_string();
        assert!(
            err.len() < 300 && err.contains("more: `overfit list` shows them all"),
            "{err}"
        );
        assert_eq!(spec, toy(), "failed sets leave the spec unchanged");
    }

    #[test]
    fn text_from_input_is_clipped_to_one_short_line_in_messages() {
        let long = "9".repeat(100_000);
        let err = toy().set("width", &long).expect_err("too long");
        assert!(err.to_string().len() < 120, "{err}");
        assert!(err.to_string().contains('…'));
        let err = toy().set("lr", "1\n2").expect_err("not a number");
        assert_eq!(err.to_string(), "lr=1\u{FFFD}2 is not a valid number");
        assert_eq!(clip("short"), "short");
    }

    #[test]
    fn set_all_reports_missing_equals() {
        let err = toy().set_all(["width"]).expect_err("no value");
        assert_eq!(err, SpecError::NotAnAssignment("width".into()));
    }

    #[test]
    fn cross_field_rules_are_checked() {
        let mut spec = toy();
        spec.set_all(["steps=10", "eval_every=20"])
            .expect("each value is in range");
        let err = spec.validate().expect_err("eval_every > steps");
        assert!(
            err.to_string()
                .contains("eval_every=20 is more than steps=10")
        );
    }

    #[test]
    fn lenient_application_is_order_independent_and_names_what_it_ignored() {
        let mut spec = toy();
        // eval_every=10 must land before steps=20 can (the preset evaluates every 25).
        let errors = spec.apply_leniently([("steps", "20"), ("eval_every", "10")]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(spec.to_json()["steps"], 20);
        assert_eq!(spec.to_json()["eval_every"], 10);

        let mut spec = toy();
        let errors = spec.apply_leniently([
            ("width", "100000"),
            ("eval_every", "100"),
            ("steps", "50"),
            ("depth", "3"),
        ]);
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert_eq!(shown[0], "width=100000 is above the limit 256");
        assert!(shown[1].contains("is more than steps"), "{shown:?}");
        assert_eq!(spec.to_json()["depth"], 3, "valid pairs are kept");
        spec.validate().expect("what was kept is valid");
    }

    #[test]
    fn pairs_valid_only_together_are_applied_together() {
        let mut spec = Experiment::Grokking.preset(Preset::Paper);
        // Each alone breaks d_model % heads == 0 (the preset has 128 and 4).
        let errors = spec.apply_leniently([("heads", "5"), ("d_model", "10")]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(spec.to_json()["heads"], 5);
        assert_eq!(spec.to_json()["d_model"], 10);
    }

    #[test]
    fn only_plane_experiments_draw_a_surface() {
        for e in Experiment::ALL {
            let spec = e.preset(Preset::Quick);
            let expected = matches!(e, Experiment::Toy2d);
            assert_eq!(spec.draws_surface(), expected, "{}", e.id());
        }
    }

    #[test]
    fn presets_parse_by_name() {
        for p in Preset::ALL {
            assert_eq!(p.name().parse::<Preset>(), Ok(p));
        }
        assert!("fast".parse::<Preset>().is_err());
    }
}
