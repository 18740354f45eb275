//! Published numbers beside the reader's, each read from a run's summary.

use super::*;

/// Published numbers beside the user's: one row per number, each read from a run's summary.
#[derive(Clone, Copy, Debug)]
pub struct Comparison {
    /// What the numbers are, for people.
    pub caption: &'static str,
    /// The published setting the numbers belong to.
    pub setting: &'static str,
    /// The preset that reproduces that setting...
    pub preset: Preset,
    /// ...with these knobs set on top (e.g. a sweep's mode).
    pub set: &'static [(&'static str, &'static str)],
    pub rows: &'static [PaperRow],
    /// Ratios are shown relative to this row's value (`reference / row`)...
    pub ratio_to: Option<&'static str>,
    /// ...under this heading ("speed-up", "fewer errors").
    pub ratio_label: &'static str,
    /// How the values are shown.
    pub unit: Unit,
    /// Where the reference numbers come from, as a column heading ("paper", "theory").
    pub source: &'static str,
}

/// One published number and where the user's counterpart is.
#[derive(Clone, Copy, Debug)]
pub struct PaperRow {
    pub label: &'static str,
    /// The run whose summary holds the user's number.
    pub run: &'static str,
    /// The summary key that holds it.
    pub metric: Metric,
    pub paper: f64,
}

impl Comparison {
    /// The spec of the published setting.
    pub fn spec(&self, experiment: Experiment) -> AnySpec {
        let mut spec = experiment.preset(self.preset);
        for (key, value) in self.set {
            // The table's own pairs are valid for its experiment (checked by a test).
            let _ = spec.set(key, value);
        }
        spec
    }

    /// The user's number for `row` in `report`, if the run recorded it yet.
    pub fn yours(&self, row: &PaperRow, report: &Report) -> Option<f64> {
        report
            .runs
            .iter()
            .find(|r| r.label == row.run)?
            .summary
            .get(row.metric.key)?
            .as_f64()
    }
}
