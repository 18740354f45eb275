//! A closed-form `double-descent` sweep as a session, and [`start`], which routes every mode
//! (engine only).

use crate::experiments::double_descent::metric;
use std::collections::BTreeMap;

use burn::tensor::{TensorData, Transaction};
use serde_json::{Map, Value};

use super::{
    DoubleDescentSpec, FeatureDraws, INFO, Mode, SampleSweep, Source, Step, TwoScaleRun, Unit,
    WidthSweep,
};
use crate::data::table::Table;
use crate::report::range_median;
use crate::report::{Report, RunReport, json_number};
use crate::spec::SpecError;
use crate::train::{Probe, RunError, Session};

enum Engine {
    Features(Box<FeatureDraws>),
    Samples(SampleSweep),
}

impl Engine {
    /// The next unit of work (call only while units remain).
    fn step(&mut self) -> Step {
        match self {
            Engine::Features(e) => e.step().unwrap_or(Step::Working),
            Engine::Samples(e) => e.step().map_or(Step::Working, Step::Point),
        }
    }

    fn units(&self) -> usize {
        match self {
            Engine::Features(e) => e.units(),
            Engine::Samples(e) => e.units(),
        }
    }

    fn units_done(&self) -> usize {
        match self {
            Engine::Features(e) => e.units_done(),
            Engine::Samples(e) => e.units_done(),
        }
    }

    fn grid(&self) -> &[usize] {
        match self {
            Engine::Features(e) => e.grid(),
            Engine::Samples(e) => e.grid(),
        }
    }

    fn ridges(&self) -> &[f64] {
        match self {
            Engine::Features(e) => e.ridges(),
            Engine::Samples(e) => e.ridges(),
        }
    }
}

/// One curve of the sweep.
struct Curve {
    label: &'static str,
    ridge: f64,
    x: Vec<usize>,
    metrics: BTreeMap<&'static str, Vec<f64>>,
}

/// Starts a sweep: the trained modes on `device`; the closed-form modes on the host, the
/// features mode's Gram products on `device` when it is a GPU. `local` is the reader's own
/// table for `dataset=local` (the features mode).
pub fn start(
    spec: &DoubleDescentSpec,
    device: &burn::tensor::Device,
    local: Option<&Table>,
) -> Result<Box<dyn Session>, SpecError> {
    if local.is_some() && spec.rf.dataset != Source::Local {
        return Err(SpecError::Inconsistent(
            "a data file was given, but this sweep makes its own data: set dataset=local".into(),
        ));
    }
    Ok(match spec.mode {
        Mode::Width | Mode::Epochs => Box::new(WidthSweep::new(spec.clone(), device)),
        Mode::TwoScale => Box::new(TwoScaleRun::new(spec.clone(), device)),
        Mode::Features | Mode::Samples => {
            let gpu = (*device != burn::tensor::Device::flex()).then_some(device);
            Box::new(DoubleDescentSession::new(spec.clone(), gpu, local)?)
        }
    })
}

/// A grid point between its probe and the probe's absorption.
type Pending = (usize, Option<Vec<Vec<(&'static str, f64)>>>);

/// A closed-form `double-descent` sweep in progress.
pub struct DoubleDescentSession {
    spec: DoubleDescentSpec,
    engine: Engine,
    curves: Vec<Curve>,
    /// A finished point waiting for its probe to be absorbed: its size and the metrics of
    /// each run (`None` while they wait for the probe's Gram sums from the device).
    pending: Option<Pending>,
    points_done: usize,
}

impl DoubleDescentSession {
    /// A closed-form sweep (`features` or `samples`; [`start`] routes the trained modes), the
    /// Gram products on `gpu` if given.
    fn new(
        spec: DoubleDescentSpec,
        gpu: Option<&burn::tensor::Device>,
        local: Option<&Table>,
    ) -> Result<Self, SpecError> {
        let engine = match spec.mode {
            Mode::Samples => Engine::Samples(SampleSweep::new(&spec)),
            // The trained modes train (see `start`); a closed-form session never gets them.
            Mode::Features | Mode::Width | Mode::Epochs | Mode::TwoScale => {
                Engine::Features(Box::new(FeatureDraws::new(&spec, gpu, local)?))
            }
        };
        let curves = engine
            .ridges()
            .iter()
            .map(|&ridge| Curve {
                label: if ridge > 0.0 { "ridge" } else { "min-norm" },
                ridge,
                x: Vec::new(),
                metrics: BTreeMap::new(),
            })
            .collect();
        Ok(Self {
            spec,
            engine,
            curves,
            pending: None,
            points_done: 0,
        })
    }

    /// The summary of run `run`, whose curve is `curve`.
    fn summary(&self, run: usize, curve: &Curve) -> Map<String, Value> {
        let threshold = self.spec.threshold();
        let mut s = Map::new();
        match self.spec.mode {
            Mode::Samples => s.insert(metric::DIM.key.into(), Value::from(self.spec.samples.dim)),
            Mode::Features | Mode::Width | Mode::Epochs | Mode::TwoScale => s.insert(
                metric::N_TRAIN.key.into(),
                Value::from(self.spec.rf.n_train),
            ),
        };
        s.insert(metric::THRESHOLD.key.into(), Value::from(threshold));
        s.insert(metric::RIDGE.key.into(), json_number(curve.ridge));
        if let Engine::Features(e) = &self.engine {
            // Each draw's own peak: where the mean curve peaks is measured, not built in.
            let per_point = e.test_errors(run);
            let peaks: Vec<Value> = (0..e.draws())
                .map(|d| {
                    curve
                        .x
                        .iter()
                        .zip(&per_point)
                        .filter(|(_, p)| p[d].is_finite())
                        .max_by(|a, b| a.1[d].total_cmp(&b.1[d]))
                        .map_or(Value::Null, |(x, _)| Value::from(*x))
                })
                .collect();
            s.insert(metric::DRAWS.key.into(), Value::from(e.draws()));
            s.insert(metric::PEAK_X_EACH.key.into(), Value::from(peaks));
            if e.draws() > 1 {
                self.median_peak(&mut s, &curve.x, &per_point);
            }
        }
        let test = curve
            .metrics
            .get(metric::TEST_ERROR.key)
            .cloned()
            .unwrap_or_default();
        let train = curve
            .metrics
            .get(metric::TRAIN_ERROR.key)
            .cloned()
            .unwrap_or_default();
        let peak = test
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .max_by(|a, b| a.1.total_cmp(b.1));
        s.insert(
            metric::PEAK_X.key.into(),
            peak.map_or(Value::Null, |(i, _)| Value::from(curve.x[i])),
        );
        s.insert(
            metric::PEAK_TEST_ERROR.key.into(),
            peak.map_or(Value::Null, |(_, v)| json_number(*v)),
        );
        let best = |keep: &dyn Fn(usize) -> bool| {
            curve
                .x
                .iter()
                .zip(&test)
                .filter(|(x, v)| keep(**x) && v.is_finite())
                .map(|(_, v)| *v)
                .reduce(f64::min)
                .map_or(Value::Null, json_number)
        };
        // The two descents: the best error well below and well above the threshold.
        s.insert(
            metric::TEST_ERROR_SMALL.best(),
            best(&|x| 2 * x <= threshold),
        );
        s.insert(
            metric::TEST_ERROR_LARGE.best(),
            best(&|x| x >= 4 * threshold),
        );
        // The first size whose fit (almost) interpolates its training set.
        let floor = train.first().copied().unwrap_or(0.0) * 1e-6;
        s.insert(
            metric::INTERPOLATION_X.key.into(),
            curve
                .x
                .iter()
                .zip(&train)
                .find(|(_, v)| **v <= floor)
                .map_or(Value::Null, |(x, _)| Value::from(*x)),
        );
        if let Some(last) = test.last() {
            s.insert(metric::TEST_ERROR.at_end(), json_number(*last));
        }
        s
    }

    /// The peak of the draws' median curve, the lowest and highest draw there, and a sentence
    /// on how far the mean is one draw's (a nearly singular draw can outweigh the rest).
    fn median_peak(&self, s: &mut Map<String, Value>, x: &[usize], per_point: &[Vec<f64>]) {
        let Some((i, (low, median, high))) = per_point
            .iter()
            .map(|draws| range_median(draws))
            .enumerate()
            .filter(|(_, (_, m, _))| m.is_finite())
            .max_by(|a, b| a.1.1.total_cmp(&b.1.1))
        else {
            return;
        };
        s.insert(metric::PEAK_X_MEDIAN.key.into(), Value::from(x[i]));
        s.insert(
            metric::PEAK_TEST_ERROR_MEDIAN.key.into(),
            json_number(median),
        );
        s.insert(metric::PEAK_TEST_ERROR_MIN.key.into(), json_number(low));
        s.insert(metric::PEAK_TEST_ERROR_MAX.key.into(), json_number(high));
        let draws: Vec<f64> = per_point[i]
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        let sum: f64 = draws.iter().sum();
        let mean = sum / draws.len() as f64;
        let number = |v: f64| Unit::Number.show(v);
        let mean_words = if high > 0.5 * sum && draws.len() > 2 {
            format!(
                "the mean, {}, comes {:.0}% from the highest draw",
                number(mean),
                100.0 * high / sum
            )
        } else {
            format!("the mean is {}", number(mean))
        };
        s.insert(
            metric::DRAWS_NOTE.key.into(),
            Value::from(format!(
                "At {} {}, the {} draws' test errors run from {} to {} (median {}); {}.",
                Unit::Count.show(x[i] as f64),
                crate::experiments::vocabulary::words(self.spec.mode.axis()),
                draws.len(),
                number(low),
                number(high),
                number(median),
                mean_words,
            )),
        );
    }
}

impl Session for DoubleDescentSession {
    fn total_steps(&self) -> usize {
        self.engine.units()
    }

    fn steps_done(&self) -> usize {
        self.engine.units_done()
    }

    fn is_finished(&self) -> bool {
        self.engine.units_done() >= self.engine.units() && self.pending.is_none()
    }

    fn advance(&mut self, max_steps: usize) -> Result<Option<Probe>, RunError> {
        if self.pending.is_some() {
            return Err(RunError::Readback(
                "the last point's probe was not absorbed".into(),
            ));
        }
        for _ in 0..max_steps {
            if self.engine.units_done() >= self.engine.units() {
                break;
            }
            let (metrics, transaction) = match self.engine.step() {
                Step::Working => continue,
                // Solved on the host: there is nothing to read back.
                Step::Point(metrics) => (Some(metrics), Transaction::default()),
                Step::Readback(transaction) => (None, transaction),
            };
            let size = self.engine.grid()[self.points_done];
            self.pending = Some((size, metrics));
            return Ok(Some(Probe {
                step: self.engine.units_done(),
                transaction,
            }));
        }
        Ok(None)
    }

    fn absorb(&mut self, data: Vec<TensorData>) -> Result<(), RunError> {
        let (size, metrics) = self
            .pending
            .take()
            .ok_or_else(|| RunError::Readback("no probe is pending".into()))?;
        let metrics = match (metrics, &mut self.engine) {
            (Some(metrics), _) => metrics,
            (None, Engine::Features(e)) => match e.absorb(data)? {
                Some(metrics) => metrics,
                // Other draws have yet to solve this point.
                None => return Ok(()),
            },
            (None, Engine::Samples(_)) => {
                return Err(RunError::Readback(
                    "a sample sweep reads nothing back".into(),
                ));
            }
        };
        self.points_done += 1;
        for (curve, values) in self.curves.iter_mut().zip(metrics) {
            curve.x.push(size);
            for (name, value) in values {
                curve.metrics.entry(name).or_default().push(value);
            }
        }
        Ok(())
    }

    fn report(&self) -> Report {
        let axis = self.spec.mode.axis();
        let threshold = self.spec.threshold() as f64;
        Report::new(
            INFO.id,
            &self.spec,
            axis,
            self.curves
                .iter()
                .enumerate()
                .map(|(run, c)| {
                    let mut series = Map::new();
                    series.insert(axis.into(), Value::from(c.x.clone()));
                    series.insert(
                        metric::RATIO.key.into(),
                        Value::from(
                            c.x.iter()
                                .map(|x| json_number(*x as f64 / threshold))
                                .collect::<Vec<_>>(),
                        ),
                    );
                    for (name, values) in &c.metrics {
                        series.insert(
                            (*name).into(),
                            Value::from(values.iter().map(|v| json_number(*v)).collect::<Vec<_>>()),
                        );
                    }
                    RunReport {
                        label: c.label.into(),
                        series,
                        summary: self.summary(run, c),
                    }
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests;
