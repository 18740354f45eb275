//! A treatment against its baseline, paired seed by seed, in numbers and in words (dropout
//! against none, augmentation against none).

use serde_json::{Map, Value};

use crate::report::{json_number, mean_sd};
use crate::terms::metric;

/// A treatment against its baseline, member by member (paired by seed).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Paired {
    /// Mean test accuracy of the treated models minus the baseline's.
    pub gain: f64,
    /// Spread of the per-seed differences.
    pub gain_sd: f64,
    /// The larger of the two settings' spreads of test accuracy between seeds (split luck
    /// included; the verdict weighs the gain against `gain_sd`).
    pub spread: f64,
    /// Share of the baseline's test errors the treatment removes.
    pub error_reduction: f64,
    pub seeds: usize,
}

impl Paired {
    pub fn new(treated: &[f64], baseline: &[f64]) -> Self {
        let diffs: Vec<f64> = treated.iter().zip(baseline).map(|(t, b)| t - b).collect();
        let (gain, gain_sd) = mean_sd(&diffs);
        let (t, t_sd) = mean_sd(treated);
        let (b, b_sd) = mean_sd(baseline);
        Self {
            gain,
            gain_sd,
            spread: t_sd.max(b_sd),
            error_reduction: if b < 1.0 {
                ((1.0 - b) - (1.0 - t)) / (1.0 - b)
            } else {
                0.0
            },
            seeds: treated.len(),
        }
    }

    /// Adds `gain`, `gain_sd`, `spread`, `error_reduction`, `verdict` and `why` to `s`;
    /// `what` names the treatment ("Dropout").
    pub fn describe(&self, what: &str, s: &mut Map<String, Value>) {
        for (key, v) in [
            (metric::GAIN.key, self.gain),
            ("gain_sd", self.gain_sd),
            (metric::SPREAD.key, self.spread),
            (metric::ERROR_REDUCTION.key, self.error_reduction),
        ] {
            s.insert(key.into(), json_number(v));
        }
        let (verdict, why) = self.verdict(what);
        crate::report::Verdict::write(verdict, why, s);
    }

    /// Whether the treatment helped beyond the noise between seeds, in words. Seed k of both
    /// settings shares its split, initial weights and order, so the noise a gain must beat
    /// is the spread of the per-seed gains (not the spread of either setting's accuracies,
    /// which also holds the luck of each seed's split).
    pub fn verdict(&self, what: &str) -> (String, String) {
        let points = |v: f64| format!("{:.1}", 100.0 * v);
        let lower = what.to_lowercase();
        if self.seeds < 2 {
            let word = if self.gain > 0.0 {
                "raised"
            } else {
                "did not raise"
            };
            return (
                "one seed: no error bar".into(),
                format!(
                    "{what} {word} test accuracy by {} points; train two or more seeds to see \
                     whether that is more than chance.",
                    points(self.gain)
                ),
            );
        }
        let spread = points(self.gain_sd);
        if self.gain.abs() < 0.0005 {
            // Less than a twentieth of a point either way: what is shown is 0.0.
            return (
                "no difference".into(),
                format!(
                    "{what} left mean test accuracy where it was (spread of the per-seed gains \
                     {spread} points)."
                ),
            );
        }
        if self.gain > self.gain_sd {
            (
                format!("{lower} helps"),
                format!(
                    "{what} raised mean test accuracy by {} points, more than the spread of \
                     the per-seed gains ({spread} points; each seed compared with itself).",
                    points(self.gain)
                ),
            )
        } else if self.gain > 0.0 {
            (
                "within the noise".into(),
                format!(
                    "{what} raised mean test accuracy by {} points, less than the spread of \
                     the per-seed gains ({spread} points).",
                    points(self.gain)
                ),
            )
        } else {
            (
                format!("{lower} hurts here"),
                format!(
                    "{what} lowered mean test accuracy by {} points (spread of the per-seed \
                     gains {spread} points).",
                    points(-self.gain)
                ),
            )
        }
    }
}
