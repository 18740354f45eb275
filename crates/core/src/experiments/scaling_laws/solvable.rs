//! The solvable mode as a run (engine only): each step is one draw of one curve, solved on the
//! host in f64; every finished draw of all five curves is a probe, so the medians settle while
//! it runs.

use burn::tensor::{TensorData, Transaction};
use serde_json::Map;

use super::theory::{
    Spectrum, data_limited, exact_both, exact_data_limited, exact_feature_limited, feature_limited,
    flat, log_slope, power_law,
};
use super::{INFO, ScalingLawsSpec, metric};
use crate::report::{Report, RunReport, Verdict, json_number, range_median};
use crate::rng::Stream;
use crate::terms::{Unit, format_value};
use crate::train::{Probe, RunError, Session};

/// The five curves, in the order they are drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Curve {
    Features,
    Samples,
    Flat,
    FixedT,
    FixedTRidge,
}

const CURVES: [Curve; 5] = [
    Curve::Features,
    Curve::Samples,
    Curve::Flat,
    Curve::FixedT,
    Curve::FixedTRidge,
];

/// A solvable-model run in progress.
pub struct SolvableSession {
    spec: ScalingLawsSpec,
    power: Spectrum,
    flat: Spectrum,
    ladder: Vec<usize>,
    peak_ladder: Vec<usize>,
    /// Per curve, per size: every draw's loss so far.
    values: Vec<Vec<Vec<f64>>>,
    done: usize,
    pending: bool,
}

impl SolvableSession {
    pub fn new(spec: ScalingLawsSpec) -> Self {
        let ladder = spec.size_ladder();
        let peak_ladder = spec.peak_ladder();
        let values = CURVES
            .iter()
            .map(|c| {
                let n = match c {
                    Curve::FixedT | Curve::FixedTRidge => peak_ladder.len(),
                    _ => ladder.len(),
                };
                vec![Vec::new(); n]
            })
            .collect();
        Self {
            power: power_law(spec.latent, spec.alpha),
            flat: flat(spec.latent),
            ladder,
            peak_ladder,
            values,
            spec,
            done: 0,
            pending: false,
        }
    }

    fn draw(&mut self) {
        let (k, c) = (self.done / CURVES.len(), self.done % CURVES.len());
        let curve = CURVES[c];
        // Each curve's draws are their own stream.
        let mut rng = Stream::new(self.spec.data_seed, &format!("scaling-laws/{c}/{k}"));
        let mut normal = || rng.normal();
        let t = self.spec.samples_fixed;
        let losses = match curve {
            Curve::Features => exact_feature_limited(&self.power, &self.ladder, &mut normal),
            Curve::Samples => exact_data_limited(&self.power, &self.ladder, &mut normal),
            Curve::Flat => exact_feature_limited(&self.flat, &self.ladder, &mut normal),
            Curve::FixedT => exact_both(&self.power, &self.peak_ladder, t, 0.0, &mut normal),
            Curve::FixedTRidge => exact_both(
                &self.power,
                &self.peak_ladder,
                t,
                self.spec.ridge,
                &mut normal,
            ),
        };
        for (slot, v) in self.values[c].iter_mut().zip(losses) {
            slot.push(v);
        }
        self.done += 1;
    }

    fn label(&self, curve: Curve) -> String {
        let t = self.spec.samples_fixed;
        match curve {
            Curve::Features => "features, data unlimited".into(),
            Curve::Samples => "samples, features unlimited".into(),
            Curve::Flat => "flat spectrum (control)".into(),
            Curve::FixedT => format!("features at T = {t}, no ridge"),
            Curve::FixedTRidge => format!("features at T = {t}, ridge {}", self.spec.ridge),
        }
    }

    fn run_report(&self, c: usize) -> RunReport {
        let curve = CURVES[c];
        let fixed = matches!(curve, Curve::FixedT | Curve::FixedTRidge);
        let sizes = if fixed {
            &self.peak_ladder
        } else {
            &self.ladder
        };
        let xs: Vec<f64> = sizes.iter().map(|&n| n as f64).collect();
        let mut columns: [Vec<f64>; 4] = Default::default();
        for values in &self.values[c] {
            let (low, median, high) = range_median(values);
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            for (col, v) in columns.iter_mut().zip([mean, median, low, high]) {
                col.push(v);
            }
        }
        let [mean, median, low, high] = columns;
        let key = if fixed {
            metric::TEST_LOSS_AT_T.key
        } else {
            metric::TEST_LOSS.key
        };
        let axis = if fixed {
            metric::FEATURES_N.key
        } else {
            metric::SIZE.key
        };
        let mut out = vec![
            (axis.to_string(), xs.clone()),
            (key.to_string(), mean),
            (format!("{key}_median"), median.clone()),
            (format!("{key}_min"), low),
            (format!("{key}_max"), high),
        ];
        let mut summary = Map::new();
        let drawn = self.values[c].first().map_or(0, Vec::len);
        if !fixed {
            let spectrum = if curve == Curve::Flat {
                &self.flat
            } else {
                &self.power
            };
            let equivalent: Vec<f64> = xs
                .iter()
                .map(|&n| match curve {
                    Curve::Samples => data_limited(spectrum, n),
                    _ => feature_limited(spectrum, n),
                })
                .collect();
            // Fitted away from M: sizes up to a quarter of it.
            let fit: Vec<usize> = (0..xs.len())
                .filter(|&i| xs[i] <= self.spec.latent as f64 / 4.0)
                .collect();
            let pick = |v: &[f64]| fit.iter().map(|&i| v[i]).collect::<Vec<f64>>();
            let fit_x = pick(&xs);
            let predicted = if curve == Curve::Flat {
                0.0
            } else {
                self.spec.alpha
            };
            summary.insert(
                metric::PREDICTED_EXPONENT.key.into(),
                json_number(predicted),
            );
            summary.insert(
                metric::EQUIVALENT_EXPONENT.key.into(),
                json_number(-log_slope(&fit_x, &pick(&equivalent))),
            );
            if drawn > 0 {
                let fitted = -log_slope(&fit_x, &pick(&median));
                summary.insert(metric::FITTED_EXPONENT.key.into(), json_number(fitted));
                let size = if curve == Curve::Samples { "T" } else { "N" };
                let equivalent_exponent = -log_slope(&fit_x, &pick(&equivalent));
                let (verdict, why) =
                    power_law_verdict(fitted, size, &fit_x, equivalent_exponent, predicted);
                Verdict::write(verdict, why, &mut summary);
            }
            out.push((metric::EQUIVALENT_LOSS.key.to_string(), equivalent));
        } else if drawn > 0 {
            let t = self.spec.samples_fixed;
            if let Some(i) = sizes.iter().position(|&n| n == t) {
                let neighbours = [i.checked_sub(1), Some(i + 1).filter(|&j| j < sizes.len())];
                let lower = neighbours
                    .iter()
                    .flatten()
                    .map(|&j| median[j])
                    .fold(f64::INFINITY, f64::min);
                let ratio = median[i] / lower;
                summary.insert(metric::PEAK_RATIO.key.into(), json_number(ratio));
                let (verdict, why) = peak_verdict(t, ratio);
                Verdict::write(verdict, why, &mut summary);
            }
        }
        let columns: Vec<(&str, Vec<f64>)> =
            out.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        RunReport::from_columns(&self.label(curve), &columns, summary)
    }
}

/// The verdict on a curve of the solvable model against its size: a power law (with the
/// fitted exponent beside the equivalent's and the predicted one), or none.
fn power_law_verdict(
    fitted: f64,
    size: &str,
    fit_x: &[f64],
    equivalent_exponent: f64,
    predicted: f64,
) -> (String, String) {
    let n = |x: f64| format_value(x, Unit::Number);
    if fitted > 0.25 {
        (
            format!("a power law, L ∝ {size}^−{}", n(fitted)),
            format!(
                "The exact solves' medians fall with exponent {} over {size} from {} \
                 to {}; the equivalent's over the same sizes is {}, the model \
                 predicts α = {} (reached as M grows).",
                n(fitted),
                fit_x[0],
                fit_x[fit_x.len() - 1],
                n(equivalent_exponent),
                n(predicted)
            ),
        )
    } else {
        (
            "no power law".to_string(),
            format!(
                "With every latent direction equally strong the loss falls only \
                 as 1 − {size}/M: a log-log slope of {} over {size} from {} to {}.",
                n(-fitted),
                fit_x[0],
                fit_x[fit_x.len() - 1]
            ),
        )
    }
}

/// The verdict on the features at a fixed number of samples: a peak at N = T, or none.
fn peak_verdict(t: usize, ratio: f64) -> (String, String) {
    let n = |x: f64| format_value(x, Unit::Number);
    if ratio > 2.0 {
        (
            format!("peaks at N = T = {t}"),
            format!(
                "With N = T the features interpolate the samples exactly, with \
                 nothing to spare: the median loss there is {}× its neighbours'.",
                n(ratio)
            ),
        )
    } else {
        (
            "no peak".to_string(),
            format!(
                "At N = T = {t} the median loss is {}× its neighbours': the ridge \
                 keeps the fit from chasing the samples.",
                n(ratio)
            ),
        )
    }
}

impl Session for SolvableSession {
    fn total_steps(&self) -> usize {
        CURVES.len() * self.spec.draws
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
        for _ in 0..max_steps {
            if self.done >= self.total_steps() {
                break;
            }
            self.draw();
            if self.done.is_multiple_of(CURVES.len()) {
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
        let runs = (0..CURVES.len()).map(|c| self.run_report(c)).collect();
        Report::new(INFO.id, &self.spec, metric::SIZE.key, runs)
    }
}
