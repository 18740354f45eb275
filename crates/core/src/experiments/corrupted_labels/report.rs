//! What a corrupted-labels session records and reports: each member's curves, its units'
//! periodicity at the start and the latest evaluation, and the pruning after the last; each
//! run's curves as its seeds' mean and spread, its phase and the steps where things happened.

use serde_json::{Map, Value};

use super::metric;
use super::phase::PhaseReading;
use super::session::{ALL_TRAIN, CLEAN, CORRUPTED, SETS, TEST};
use super::{CorruptedLabelsSpec, INFO, IPR_BINS, PRUNE_FRACTIONS, RunPlan};
use crate::report::{Report, RunReport, Verdict, json_number};
use crate::series::Series;
use crate::terms::{Metric, Unit, format_value};
use crate::train::RunError;

/// The pruning runs' labels.
pub const LEAST_FIRST: &str = "least periodic units pruned first";
pub const MOST_FIRST: &str = "most periodic units pruned first (control)";

/// A unit at or above this IPR counts as periodic.
pub const PERIODIC: f64 = 0.5;

/// One evaluation's read-back, every member's values in member order.
pub(super) struct Evaluation<'a> {
    /// `[members, SETS]`.
    pub accuracy: &'a [f64],
    pub loss: &'a [f64],
    /// `[members, width]`.
    pub iprs: &'a [f64],
    pub norms: &'a [f64],
    /// After the last step: `[members, 2, fractions, SETS]`.
    pub pruned: Option<&'a [f64]>,
}

/// The series every member records, in the order [`Recorder::absorb`] pushes them.
const CURVES: [Metric; 9] = [
    metric::TRAIN_ACC,
    metric::TRAIN_ACC_CLEAN,
    metric::TRAIN_ACC_CORRUPTED,
    metric::TEST_ACC,
    metric::TRAIN_LOSS,
    metric::TEST_LOSS,
    metric::WEIGHT_NORM,
    metric::IPR_MEAN,
    metric::PERIODIC_SHARE,
];

pub(super) struct Recorder {
    seeds: usize,
    width: usize,
    /// Each member's count of equations per set (a set without any reads as NaN).
    counts: Vec<[usize; SETS]>,
    series: Vec<Series>,
    first_iprs: Vec<f64>,
    iprs: Vec<f64>,
    pruned: Option<Vec<f64>>,
}

impl Recorder {
    pub fn new(spec: &CorruptedLabelsSpec, runs: &[RunPlan], counts: Vec<[usize; SETS]>) -> Self {
        Self {
            seeds: spec.seeds,
            width: spec.width,
            series: vec![Series::default(); runs.len() * spec.seeds],
            counts,
            first_iprs: Vec::new(),
            iprs: Vec::new(),
            pruned: None,
        }
    }

    pub fn absorb(&mut self, step: usize, e: &Evaluation) -> Result<(), RunError> {
        let width = self.width;
        for (m, series) in self.series.iter_mut().enumerate() {
            let set = |values: &[f64], s: usize| {
                if self.counts[m][s] == 0 {
                    f64::NAN
                } else {
                    values[m * SETS + s]
                }
            };
            let iprs = &e.iprs[m * width..(m + 1) * width];
            let mean = iprs.iter().sum::<f64>() / width as f64;
            let periodic = iprs.iter().filter(|&&x| x >= PERIODIC).count() as f64 / width as f64;
            let train_loss = set(e.loss, ALL_TRAIN);
            RunError::unless_finite(step, "training loss", train_loss)?;
            let values = [
                set(e.accuracy, ALL_TRAIN),
                set(e.accuracy, CLEAN),
                set(e.accuracy, CORRUPTED),
                set(e.accuracy, TEST),
                train_loss,
                set(e.loss, TEST),
                e.norms[m],
                mean,
                periodic,
            ];
            let pairs: Vec<(&str, f64)> = CURVES.iter().map(|c| c.key).zip(values).collect();
            series.push(step, &pairs);
        }
        if self.first_iprs.is_empty() {
            self.first_iprs = e.iprs.to_vec();
        }
        self.iprs = e.iprs.to_vec();
        if let Some(pruned) = e.pruned {
            self.pruned = Some(pruned.to_vec());
        }
        Ok(())
    }

    pub fn report(&self, spec: &CorruptedLabelsSpec, runs: &[RunPlan]) -> Report {
        let mut out: Vec<RunReport> = runs
            .iter()
            .enumerate()
            .map(|(r, run)| self.run(spec, r, run))
            .collect();
        out.extend(self.histograms(runs));
        out.extend(self.pruning(runs));
        Report::new(INFO.id, spec, metric::STEP.key, out)
    }

    fn members(&self, run: usize) -> &[Series] {
        &self.series[run * self.seeds..(run + 1) * self.seeds]
    }

    /// A run's curves: its seeds' mean, and their spread where it has several.
    fn run(&self, spec: &CorruptedLabelsSpec, r: usize, run: &RunPlan) -> RunReport {
        let members = self.members(r);
        let mut mean = Series::default();
        for (i, &step) in members[0].step.iter().enumerate() {
            let mut pairs = Vec::new();
            for curve in CURVES {
                let values: Vec<f64> = members
                    .iter()
                    .filter_map(|s| s.get(curve.key).and_then(|v| v.get(i)).copied())
                    .collect();
                let (m, sd) = mean_sd(&values);
                pairs.push((curve.key.to_string(), m));
                if self.seeds > 1 {
                    pairs.push((curve.sd(), sd));
                }
            }
            let borrowed: Vec<(&str, f64)> = pairs.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            mean.push(step, &borrowed);
        }
        let summary = summarise(spec, run, &mean);
        RunReport::new(&run.label, &mean, summary)
    }

    /// Units per IPR bin: every run's first network at the start (they start alike), and
    /// each run at the latest evaluation (its seeds' mean count).
    fn histograms(&self, runs: &[RunPlan]) -> Vec<RunReport> {
        if self.iprs.is_empty() {
            return Vec::new();
        }
        let w = self.width;
        let centres: Vec<f64> = (0..IPR_BINS)
            .map(|b| (b as f64 + 0.5) / IPR_BINS as f64)
            .collect();
        let count = |iprs: &[f64], members: std::ops::Range<usize>| {
            let k = members.len() as f64;
            let mut bins = vec![0.0; IPR_BINS];
            for m in members {
                for &x in &iprs[m * w..(m + 1) * w] {
                    let b = ((x * IPR_BINS as f64).floor().max(0.0) as usize).min(IPR_BINS - 1);
                    bins[b] += 1.0 / k;
                }
            }
            bins
        };
        let histogram = |label: String, bins: Vec<f64>| {
            RunReport::from_columns(
                &label,
                &[
                    (metric::IPR.key, centres.clone()),
                    (metric::UNITS.key, bins),
                ],
                Map::new(),
            )
        };
        let mut out = vec![histogram(
            "at the start".into(),
            count(&self.first_iprs, 0..self.seeds),
        )];
        for (r, run) in runs.iter().enumerate() {
            out.push(histogram(
                format!("{} at the end", run.label),
                count(&self.iprs, r * self.seeds..(r + 1) * self.seeds),
            ));
        }
        out
    }

    /// The run to prune: the one with the least weight decay whose seeds' mean test accuracy
    /// at the end is 90% or more (it still holds memorising units beside the periodic ones),
    /// else the one with the least weight decay.
    fn pruned_run(&self, runs: &[RunPlan]) -> usize {
        let mut order: Vec<usize> = (0..runs.len()).collect();
        order.sort_by(|&a, &b| runs[a].weight_decay.total_cmp(&runs[b].weight_decay));
        let generalised = |r: usize| {
            let tests: Vec<f64> = self
                .members(r)
                .iter()
                .filter_map(|s| s.last(metric::TEST_ACC.key))
                .collect();
            mean_sd(&tests).0 >= super::phase::HIGH
        };
        order
            .iter()
            .copied()
            .find(|&r| generalised(r))
            .unwrap_or(order[0])
    }

    /// The pruned run's accuracies with its least periodic units pruned first, and with its
    /// most periodic first (the control), once the last evaluation is in.
    /// Before then, the two runs have no points (the chart waits for the end of training).
    fn pruning(&self, runs: &[RunPlan]) -> Vec<RunReport> {
        let names = [LEAST_FIRST, MOST_FIRST];
        let Some(pruned) = &self.pruned else {
            return names
                .into_iter()
                .map(|label| {
                    let empty = |m: Metric| (m.key, Vec::new());
                    RunReport::from_columns(
                        label,
                        &[
                            empty(metric::PRUNED),
                            empty(metric::TRAIN_ACC),
                            empty(metric::TRAIN_ACC_CLEAN),
                            empty(metric::TRAIN_ACC_CORRUPTED),
                            empty(metric::TEST_ACC),
                        ],
                        Map::new(),
                    )
                })
                .collect();
        };
        let chosen = self.pruned_run(runs);
        let run = &runs[chosen];
        let first = chosen * self.seeds;
        let counts = self.counts[first];
        let f = PRUNE_FRACTIONS.len();
        let at = |seed: usize, order: usize, i: usize, s: usize| {
            if counts[s] == 0 {
                f64::NAN
            } else {
                pruned[(((first + seed) * 2 + order) * f + i) * SETS + s]
            }
        };
        let sets = [
            (metric::TRAIN_ACC, ALL_TRAIN),
            (metric::TRAIN_ACC_CLEAN, CLEAN),
            (metric::TRAIN_ACC_CORRUPTED, CORRUPTED),
            (metric::TEST_ACC, TEST),
        ];
        names
            .into_iter()
            .enumerate()
            .map(|(order, label)| {
                let mut columns = vec![(metric::PRUNED.key.to_string(), PRUNE_FRACTIONS.to_vec())];
                for (metric, s) in sets {
                    let (mut means, mut sds) = (Vec::new(), Vec::new());
                    for i in 0..f {
                        let values: Vec<f64> =
                            (0..self.seeds).map(|seed| at(seed, order, i, s)).collect();
                        let (m, sd) = mean_sd(&values);
                        means.push(m);
                        sds.push(sd);
                    }
                    columns.push((metric.key.to_string(), means));
                    if self.seeds > 1 {
                        columns.push((metric.sd(), sds));
                    }
                }
                let mut summary = prune_summary(order == 0, &columns);
                summary.insert(
                    metric::PRUNED_RUN.key.into(),
                    Value::from(run.label.clone()),
                );
                let borrowed: Vec<(&str, Vec<f64>)> = columns
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone()))
                    .collect();
                RunReport::from_columns(label, &borrowed, summary)
            })
            .collect()
    }
}

/// Mean and (sample) standard deviation; NaN where there is nothing.
fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mean = values.iter().sum::<f64>() / n;
    let var = if values.len() > 1 {
        values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var.sqrt())
}

/// A run's summary: its settings, final accuracies, phase and the steps where it memorised,
/// generalised and un-memorised.
fn summarise(spec: &CorruptedLabelsSpec, run: &RunPlan, s: &Series) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        metric::WEIGHT_DECAY.key.into(),
        json_number(run.weight_decay),
    );
    m.insert(metric::CORRUPTION.key.into(), json_number(run.corruption));
    let Some(test) = s.last(metric::TEST_ACC.key) else {
        return m;
    };
    let last = |k: Metric| s.last(k.key).unwrap_or(f64::NAN);
    m.insert(
        metric::FINAL_TRAIN_ACC.key.into(),
        json_number(last(metric::TRAIN_ACC)),
    );
    m.insert(
        metric::TRAIN_ACC_CLEAN.at_end(),
        json_number(last(metric::TRAIN_ACC_CLEAN)),
    );
    m.insert(
        metric::TRAIN_ACC_CORRUPTED.at_end(),
        json_number(last(metric::TRAIN_ACC_CORRUPTED)),
    );
    m.insert(metric::FINAL_TEST_ACC.key.into(), json_number(test));
    m.insert(
        metric::PERIODIC_SHARE.at_end(),
        json_number(last(metric::PERIODIC_SHARE)),
    );
    if run.corruption > 0.0 {
        let inverted = 1.0 - run.corruption * (1.0 - 1.0 / spec.p as f64);
        m.insert(metric::INVERTED_TRAIN_ACC.key.into(), json_number(inverted));
    }
    let memorised = s.first_step_reaching(metric::TRAIN_ACC.key, 0.95);
    let generalised = s.first_step_reaching(metric::TEST_ACC.key, 0.95);
    for (key, step) in [
        (metric::MEMORISED_AT, memorised),
        (metric::GENERALISED_AT, generalised),
    ] {
        if let Some(step) = step {
            m.insert(key.key.into(), Value::from(step));
        }
    }
    // Un-memorised: after the corrupted answers were fitted (90% or more), the first
    // evaluation where no more than 10% of them are given back.
    let corrupted = s.get(metric::TRAIN_ACC_CORRUPTED.key).unwrap_or(&[]);
    let fitted = corrupted.iter().position(|&c| c >= super::phase::HIGH);
    let unmemorised = fitted.and_then(|i| {
        corrupted[i..]
            .iter()
            .position(|&c| c <= super::phase::LOW)
            .map(|j| s.step[i + j])
    });
    if let Some(step) = unmemorised {
        m.insert(metric::UNMEMORISED_AT.key.into(), Value::from(step));
    }
    let reading = PhaseReading {
        clean: last(metric::TRAIN_ACC_CLEAN),
        corrupted: last(metric::TRAIN_ACC_CORRUPTED),
        test,
    };
    let phase = reading.phase();
    m.insert(metric::PHASE.key.into(), Value::from(phase.name()));
    let pct = |x: f64| format_value(x, Unit::Percent);
    let why = match (run.corruption > 0.0, unmemorised) {
        (false, _) => format!(
            "Without corrupted answers: {} on the training answers, {} on the test.",
            pct(reading.clean),
            pct(test)
        ),
        (true, Some(step)) => format!(
            "It fitted the wrong answers, then un-memorised them by step {}: it now gives back \
             {} of them and gets {} of the test right; training accuracy {} against the rule's \
             own {}.",
            format_value(step as f64, Unit::Count),
            pct(reading.corrupted),
            pct(test),
            pct(last(metric::TRAIN_ACC)),
            pct(spec_inverted(spec, run))
        ),
        (true, None) => format!(
            "It gives back {} of the wrong answers it was given, {} of the clean ones, and gets \
             {} of the test right.",
            pct(reading.corrupted),
            pct(reading.clean),
            pct(test)
        ),
    };
    Verdict::write(phase.name(), why, &mut m);
    m
}

fn spec_inverted(spec: &CorruptedLabelsSpec, run: &RunPlan) -> f64 {
    1.0 - run.corruption * (1.0 - 1.0 / spec.p as f64)
}

/// A pruning curve's summary: where pruning least periodic units first leaves the fewest
/// wrong answers while the test holds (90% or more), or where pruning the most periodic first
/// first loses the test (below 50%).
fn prune_summary(least_first: bool, columns: &[(String, Vec<f64>)]) -> Map<String, Value> {
    let mut m = Map::new();
    let column = |k: Metric| {
        columns
            .iter()
            .find(|(key, _)| key == k.key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let test = column(metric::TEST_ACC);
    let corrupted = column(metric::TRAIN_ACC_CORRUPTED);
    let pct = |x: f64| format_value(x, Unit::Percent);
    if test.is_empty() {
        return m;
    }
    if test[0] < super::phase::HIGH {
        // A network that did not generalise has no rule to keep or lose.
        return m;
    }
    if least_first {
        let best = (1..test.len())
            .filter(|&i| test[i] >= super::phase::HIGH && corrupted[i] < corrupted[0])
            .min_by(|&a, &b| corrupted[a].total_cmp(&corrupted[b]));
        if let Some(i) = best {
            Verdict::write(
                format!(
                    "{} pruned: wrong answers {}",
                    pct(PRUNE_FRACTIONS[i]),
                    pct(corrupted[i])
                ),
                format!(
                    "Pruning the {} least periodic units takes the wrong answers it gives back \
                     from {} to {}, while test accuracy goes from {} to {}.",
                    pct(PRUNE_FRACTIONS[i]),
                    pct(corrupted[0]),
                    pct(corrupted[i]),
                    pct(test[0]),
                    pct(test[i])
                ),
                &mut m,
            );
        }
    } else if let Some(i) = test.iter().position(|&t| t < super::phase::NOTHING) {
        Verdict::write(
            format!("{} pruned: test {}", pct(PRUNE_FRACTIONS[i]), pct(test[i])),
            format!(
                "Pruning the {} most periodic units instead takes test accuracy from {} to {}: \
                 they compute the rule.",
                pct(PRUNE_FRACTIONS[i]),
                pct(test[0]),
                pct(test[i])
            ),
            &mut m,
        );
    }
    m
}
