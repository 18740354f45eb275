//! Several independent random-feature maps swept side by side: draw k uses feature seed
//! `init_seed + k` on the same data. Each grid point is solved for every draw before the next
//! point starts, so the curve still grows point by point; a point's metrics are the draws'
//! mean, with their spread as `<metric>_sd`. Near the threshold one nearly singular draw can
//! outweigh the others by orders of magnitude, so the squared errors and the norm also record
//! the draws' median, lowest and highest value (`<metric>_median`, `_min`, `_max`), which the
//! charts draw in place of the mean.

use crate::experiments::double_descent::metric;
use burn::tensor::{Device, TensorData};

use super::{DoubleDescentSpec, FeatureSweep, Step};
use crate::data::table::Table;
use crate::report::mean_sd;
use crate::report::range_median;
use crate::spec::SpecError;
use crate::train::RunError;

/// Every metric a solve reports, with the name of its spread.
const SPREADS: &[(&str, &str)] = &[
    (metric::TRAIN_ERROR.key, "train_error_sd"),
    (metric::TEST_ERROR.key, "test_error_sd"),
    (metric::TRAIN_ZERO_ONE.key, "train_zero_one_sd"),
    (metric::TEST_ZERO_ONE.key, "test_zero_one_sd"),
    (metric::NORM.key, "norm_sd"),
];

/// Metrics whose draws can be heavy-tailed, with the names of their median, lowest and highest
/// draw (recorded when there are several draws).
const HEAVY: &[(&str, [&str; 3])] = &[
    (
        metric::TRAIN_ERROR.key,
        ["train_error_median", "train_error_min", "train_error_max"],
    ),
    (
        metric::TEST_ERROR.key,
        ["test_error_median", "test_error_min", "test_error_max"],
    ),
    (metric::NORM.key, ["norm_median", "norm_min", "norm_max"]),
];

/// Per run, its metrics at one grid point.
type Metrics = Vec<Vec<(&'static str, f64)>>;

/// The feature sweeps of every draw.
pub struct FeatureDraws {
    sweeps: Vec<FeatureSweep>,
    /// The draw whose units run now.
    current: usize,
    /// The current grid point's metrics of the draws solved so far.
    solved: Vec<Metrics>,
    /// Per grid point solved, per run, per draw: the test error (each draw's own curve).
    test_errors: Vec<Vec<Vec<f64>>>,
}

impl FeatureDraws {
    /// `spec.rf.draws` sweeps (at least one); together they keep at most the feature values one
    /// sweep alone would.
    /// `local` is the reader's own table for `dataset=local`.
    pub fn new(
        spec: &DoubleDescentSpec,
        gpu: Option<&Device>,
        local: Option<&Table>,
    ) -> Result<Self, SpecError> {
        let draws = spec.rf.draws.max(1);
        let sweeps = (0..draws as u64)
            .map(|k| {
                let spec = DoubleDescentSpec {
                    init_seed: spec.init_seed.wrapping_add(k),
                    ..spec.clone()
                };
                let mut sweep = FeatureSweep::new(&spec, gpu, local)?;
                sweep.share_kept(draws);
                Ok(sweep)
            })
            .collect::<Result<_, SpecError>>()?;
        Ok(Self {
            sweeps,
            current: 0,
            solved: Vec::new(),
            test_errors: Vec::new(),
        })
    }

    pub fn grid(&self) -> &[usize] {
        self.sweeps[0].grid()
    }

    pub fn ridges(&self) -> &[f64] {
        self.sweeps[0].ridges()
    }

    pub fn draws(&self) -> usize {
        self.sweeps.len()
    }

    pub fn units(&self) -> usize {
        self.sweeps.iter().map(FeatureSweep::units).sum()
    }

    pub fn units_done(&self) -> usize {
        self.sweeps.iter().map(FeatureSweep::units_done).sum()
    }

    /// Each draw's test errors of run `run`, per grid point solved.
    pub fn test_errors(&self, run: usize) -> Vec<Vec<f64>> {
        self.test_errors.iter().map(|p| p[run].clone()).collect()
    }

    /// The next unit of work of the current draw (`None` when every unit is done). A point
    /// comes out once every draw has solved it.
    pub fn step(&mut self) -> Option<Step> {
        Some(match self.sweeps[self.current].step()? {
            Step::Point(metrics) => self.solved_one(metrics).map_or(Step::Working, Step::Point),
            other => other,
        })
    }

    /// Solves the current draw's point from its Gram sums (see [`FeatureSweep::absorb`]):
    /// the point's metrics if that was the last draw to solve it.
    pub fn absorb(&mut self, data: Vec<TensorData>) -> Result<Option<Metrics>, RunError> {
        let metrics = self.sweeps[self.current].absorb(data)?;
        Ok(self.solved_one(metrics))
    }

    fn solved_one(&mut self, metrics: Metrics) -> Option<Metrics> {
        self.solved.push(metrics);
        self.current += 1;
        if self.current < self.sweeps.len() {
            return None;
        }
        self.current = 0;
        let solved = std::mem::take(&mut self.solved);
        let runs = solved[0].len();
        self.test_errors.push(
            (0..runs)
                .map(|r| {
                    solved
                        .iter()
                        .map(|d| value(&d[r], metric::TEST_ERROR.key))
                        .collect()
                })
                .collect(),
        );
        Some(
            (0..runs)
                .map(|r| {
                    let mut out = Vec::new();
                    for &(name, _) in &solved[0][r] {
                        let values: Vec<f64> = solved.iter().map(|d| value(&d[r], name)).collect();
                        let (mean, sd) = mean_sd(&values);
                        out.push((name, mean));
                        if let Some(&(_, sd_name)) = SPREADS.iter().find(|(m, _)| *m == name) {
                            out.push((sd_name, sd));
                        }
                        if let Some((_, [median_name, min_name, max_name])) =
                            HEAVY.iter().find(|(m, _)| *m == name)
                            && values.len() > 1
                        {
                            let (low, middle, high) = range_median(&values);
                            out.extend([
                                (*median_name, middle),
                                (*min_name, low),
                                (*max_name, high),
                            ]);
                        }
                    }
                    out
                })
                .collect(),
        )
    }
}

fn value(metrics: &[(&'static str, f64)], name: &str) -> f64 {
    metrics
        .iter()
        .find(|(k, _)| *k == name)
        .map_or(f64::NAN, |(_, v)| *v)
}
