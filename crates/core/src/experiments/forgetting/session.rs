//! The draws of a `forgetting` spec as a run (engine only): each step is one draw for one
//! degree of overparameterisation, computed on the host in f64; the curves are read out as
//! probes every quarter of a curve's draws, so they fill in while it runs.

use burn::tensor::{TensorData, Transaction};
use serde_json::{Map, Value};

use super::linear::forgetting_draw;
use super::{ForgettingSpec, INFO, metric};
use crate::report::{Report, RunReport, Verdict, json_number, range_median};
use crate::rng::Stream;
use crate::terms::{Unit, format_value};
use crate::train::{Probe, RunError, Session};

/// What a curve of median forgetting against the share rotated looks like.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    /// Forgetting rises to a peak at an intermediate similarity, then falls by at least a tenth
    /// of it: `(peak, its share rotated, the lowest after it, that share)`.
    Hump(f64, f64, f64, f64),
    /// Forgetting only grows (or falls by less than a tenth of a peak) as the tasks part.
    Monotonic,
}

/// The shape of `medians` at `shares` (the first share 0).
pub fn shape(shares: &[f64], medians: &[f64]) -> Shape {
    for i in 1..medians.len().saturating_sub(1) {
        let (before, here, after) = (medians[i - 1], medians[i], medians[i + 1]);
        if here >= before && here > after {
            let (j, low) =
                medians[i + 1..]
                    .iter()
                    .enumerate()
                    .fold(
                        (0, f64::INFINITY),
                        |best, (k, &v)| {
                            if v < best.1 { (k, v) } else { best }
                        },
                    );
            if here - low >= 0.1 * here {
                return Shape::Hump(here, shares[i], low, shares[i + 1 + j]);
            }
        }
    }
    Shape::Monotonic
}

/// A forgetting run in progress.
pub struct ForgettingSession {
    spec: ForgettingSpec,
    /// `(d, β)` per curve and `(m, m/p)` per level.
    samples: Vec<(usize, f64)>,
    rotated: Vec<(usize, f64)>,
    /// Per curve, per level: every draw's forgetting so far.
    values: Vec<Vec<Vec<f64>>>,
    /// Draws whose Gram matrix was singular (not counted).
    singular: Vec<usize>,
    done: usize,
    pending: bool,
}

impl ForgettingSession {
    pub fn new(spec: ForgettingSpec) -> Self {
        let samples = spec.samples();
        let rotated = spec.rotated();
        Self {
            values: vec![vec![Vec::new(); rotated.len()]; samples.len()],
            singular: vec![0; samples.len()],
            samples,
            rotated,
            spec,
            done: 0,
            pending: false,
        }
    }

    fn draw(&mut self) {
        let draws = self.spec.draws;
        let (curve, k) = (self.done / draws, self.done % draws);
        let (d, _) = self.samples[curve];
        // Each curve's draws are their own stream: a curve reads the same whatever the others.
        let mut rng = Stream::new(self.spec.data_seed, &format!("forgetting/d{d}/draw{k}"));
        let levels: Vec<usize> = self.rotated.iter().map(|r| r.0).collect();
        match forgetting_draw(d, self.spec.dim, &levels, &mut rng) {
            Some(f) => {
                for (slot, v) in self.values[curve].iter_mut().zip(f) {
                    slot.push(v);
                }
            }
            None => self.singular[curve] += 1,
        }
        self.done += 1;
    }

    fn run_report(&self, curve: usize) -> RunReport {
        let (d, beta) = self.samples[curve];
        let shares: Vec<f64> = self.rotated.iter().map(|r| r.1).collect();
        let mut columns: [Vec<f64>; 4] = Default::default();
        for values in &self.values[curve] {
            let (low, median, high) = range_median(values);
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            for (c, v) in columns.iter_mut().zip([mean, median, low, high]) {
                c.push(v);
            }
        }
        let [mean, median, low, high] = columns;
        let largest = median.iter().copied().fold(0.0, f64::max);
        let relative: Vec<f64> = median.iter().map(|m| m / largest).collect();
        let drawn = self.values[curve].first().map_or(0, Vec::len);
        let mut summary = Map::new();
        summary.insert(metric::OVERPARAM.key.into(), json_number(beta));
        summary.insert(metric::SAMPLES_PER_TASK.key.into(), Value::from(d));
        summary.insert(metric::DRAWS_DONE.key.into(), Value::from(drawn));
        if self.singular[curve] > 0 {
            summary.insert(
                metric::SINGULAR_DRAWS.key.into(),
                Value::from(self.singular[curve]),
            );
        }
        if drawn > 0 {
            let last = median[median.len() - 1];
            summary.insert(metric::FORGETTING_ALL_ROTATED.key.into(), json_number(last));
            let n = |x: f64| format_value(x, Unit::Number);
            let share = |x: f64| format_value(x, Unit::Percent);
            let (verdict, why) = match shape(&shares, &median) {
                Shape::Hump(peak, at, low, low_at) => {
                    summary.insert(metric::PEAK_FORGETTING.key.into(), json_number(peak));
                    summary.insert(metric::PEAK_ROTATED.key.into(), json_number(at));
                    (
                        "worst at intermediate similarity".to_string(),
                        format!(
                            "With d = {d} samples for p = {} features, the median forgetting \
                             peaks at {} with {} of the features rotated and falls to {} at {}: \
                             rotating more of the features lets task 2's solution move where \
                             task 1 does not look. With all of them rotated it is {}.",
                            self.spec.dim,
                            n(peak),
                            share(at),
                            n(low),
                            share(low_at),
                            n(last)
                        ),
                    )
                }
                Shape::Monotonic => (
                    "grows as the tasks part".to_string(),
                    format!(
                        "With d = {d} samples for p = {} features, little room is left outside \
                         task 1's data: the median forgetting rises from 0 to {} as the share \
                         rotated goes from none to all.",
                        self.spec.dim,
                        n(last)
                    ),
                ),
            };
            Verdict::write(verdict, why, &mut summary);
        }
        RunReport::from_columns(
            &format!("β {}", (beta * 100.0).round() / 100.0),
            &[
                (metric::ROTATED.key, shares),
                (metric::FORGETTING.key, mean),
                (&format!("{}_median", metric::FORGETTING.key), median),
                (&format!("{}_min", metric::FORGETTING.key), low),
                (&format!("{}_max", metric::FORGETTING.key), high),
                (metric::RELATIVE_FORGETTING.key, relative),
            ],
            summary,
        )
    }
}

impl Session for ForgettingSession {
    fn total_steps(&self) -> usize {
        self.samples.len() * self.spec.draws
    }

    fn steps_done(&self) -> usize {
        self.done
    }

    fn is_finished(&self) -> bool {
        self.done >= self.total_steps() && !self.pending
    }

    fn advance(&mut self, max_steps: usize) -> Result<Option<Probe>, RunError> {
        if self.pending {
            return Err(RunError::Readback("the last probe was not absorbed".into()));
        }
        let every = (self.spec.draws / 4).max(1);
        for _ in 0..max_steps {
            if self.done >= self.total_steps() {
                break;
            }
            self.draw();
            let k = self.done % self.spec.draws;
            if k.is_multiple_of(every) {
                self.pending = true;
                // Computed on the host: nothing to read back.
                return Ok(Some(Probe {
                    step: self.done,
                    transaction: Transaction::default(),
                }));
            }
        }
        Ok(None)
    }

    fn absorb(&mut self, _data: Vec<TensorData>) -> Result<(), RunError> {
        if !std::mem::take(&mut self.pending) {
            return Err(RunError::Readback("no probe is pending".into()));
        }
        Ok(())
    }

    fn report(&self) -> Report {
        let runs = (0..self.samples.len())
            .map(|c| self.run_report(c))
            .collect();
        Report::new(INFO.id, &self.spec, metric::ROTATED.key, runs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hump_needs_a_fall_of_a_tenth_after_its_peak() {
        let shares = [0.0, 0.25, 0.5, 0.75, 1.0];
        assert_eq!(
            shape(&shares, &[0.0, 0.5, 1.0, 0.8, 1.2]),
            Shape::Hump(1.0, 0.5, 0.8, 0.75)
        );
        assert_eq!(
            shape(&shares, &[0.0, 0.5, 1.0, 0.95, 1.2]),
            Shape::Monotonic
        );
        assert_eq!(shape(&shares, &[0.0, 0.5, 1.0, 1.1, 1.2]), Shape::Monotonic);
    }
}
