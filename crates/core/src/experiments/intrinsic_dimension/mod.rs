//! `intrinsic-dimension`: a network trained only inside a random d-dimensional subspace of
//! its parameters (θ = θ₀ + P·z, only z trains), for d on a log grid, beside the same network
//! trained directly. d_int90, the smallest d that reaches 90% of the direct network's test
//! accuracy, measures the problem more than the network (Li et al. 2018).
//!
//! Here: the spec, its grid and d_int90. `page` holds the story, knobs, charts and the paper's
//! number; `cost` the price; `session` the training (engine only), on the subspace model of
//! `crate::models::subspace`.

use serde::{Deserialize, Serialize};

use super::{Comparison, Info, Panel};
use crate::cost::Cost;
use crate::data::pool::{CLASSES, Dataset};
#[cfg(feature = "engine")]
use crate::data::table::Table;
use crate::device::Target;
use crate::report::Report;
use crate::spec::{Knob, Preset, SpecError};
use crate::terms::Metric;
use crate::terms::{Unit, format_value};
#[cfg(feature = "engine")]
use crate::train::Session;
#[cfg(feature = "engine")]
use burn::tensor::Device;

mod cost;
mod page;
#[cfg(feature = "engine")]
mod session;

pub use page::{COMPARISON, INFO, KNOBS, PANELS, WORDS, metric};
#[cfg(feature = "engine")]
pub use session::IntrinsicDimensionSession;

/// The data the networks learn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The UCI 8×8 digits.
    #[default]
    Digits,
    /// MNIST-1D, generated from the data seed.
    Mnist1d,
}

impl Source {
    pub const NAMES: &'static [&'static str] = &["digits", "mnist1d"];

    /// The same data as the ensemble experiments load it.
    pub fn dataset(self) -> Dataset {
        match self {
            Source::Digits => Dataset::Digits,
            Source::Mnist1d => Dataset::Mnist1d,
        }
    }
}

/// Whether one network trains, or the same grid at three widths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compare {
    /// The network at `width`.
    #[default]
    One,
    /// Half, the same and twice `width`, side by side: the paper's check that d_int90
    /// measures the problem more than the network.
    Widths,
}

impl Compare {
    pub const NAMES: &'static [&'static str] = &["one", "widths"];
}

crate::fields! {
    /// Everything that defines an `intrinsic-dimension` run.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    pub struct IntrinsicDimensionSpec {
        pub dataset: Source,
        pub compare: Compare,
        pub n_train: usize,
        pub width: usize,
        pub depth: usize,
        /// The grid of subspace dimensions: `dims` values from `d_min` to `d_max`, evenly spaced
        /// on a log scale.
        pub d_min: usize,
        pub d_max: usize,
        pub dims: usize,
        /// Nonzeros per row of each projection.
        pub nonzeros: usize,
        pub lr: f64,
        pub batch: usize,
        pub steps: usize,
        pub eval_every: usize,
        pub data_seed: u64,
        pub init_seed: u64,
        pub projection_seed: u64,
        pub order_seed: u64,
    }
}

impl Default for IntrinsicDimensionSpec {
    fn default() -> Self {
        Self::preset(Preset::Quick)
    }
}

impl IntrinsicDimensionSpec {
    pub fn preset(preset: Preset) -> Self {
        let quick = Self {
            dataset: Source::Digits,
            compare: Compare::One,
            n_train: 1000,
            width: 64,
            depth: 2,
            d_min: 10,
            d_max: 1000,
            dims: 11,
            nonzeros: 4,
            lr: 0.01,
            batch: 128,
            steps: 1500,
            eval_every: 100,
            data_seed: 1,
            init_seed: 1,
            projection_seed: 1,
            order_seed: 1,
        };
        match preset {
            Preset::Quick => quick,
            Preset::Ci => Self {
                steps: 1000,
                ..quick
            },
            // The paper's fully connected network, two hidden layers of 200, on the data sets
            // a browser holds (the paper's MNIST has 784 inputs, 199,210 parameters).
            Preset::Paper => Self {
                width: 200,
                d_min: 10,
                d_max: 5000,
                dims: 19,
                n_train: 1297,
                steps: 4000,
                eval_every: 200,
                ..quick
            },
        }
    }

    /// Parameters of the network (D): the most a subspace can have.
    pub fn parameters(&self) -> usize {
        self.parameters_at(self.width)
    }

    /// Parameters of the network at `width`.
    pub fn parameters_at(&self, width: usize) -> usize {
        let w = width;
        let d_in = self.dataset.dataset().dim();
        d_in * w + w + (self.depth - 1) * (w * w + w) + w * CLASSES + CLASSES
    }

    /// The widths trained: `width`, or half, the same and twice it (`compare=widths`; within
    /// the knob's limits, 8 to 512).
    pub fn widths(&self) -> Vec<usize> {
        match self.compare {
            Compare::One => vec![self.width],
            Compare::Widths => {
                let mut out = vec![
                    (self.width / 2).max(8),
                    self.width,
                    (self.width * 2).min(512),
                ];
                out.dedup();
                out
            }
        }
    }

    /// The subspace dimensions trained, smallest first: `dims` values evenly spaced on a log
    /// scale from `d_min` to `d_max`, rounded, without repeats.
    pub fn grid(&self) -> Vec<usize> {
        let (lo, hi) = (self.d_min as f64, self.d_max as f64);
        let n = self.dims.max(2);
        let mut out: Vec<usize> = (0..n)
            .map(|k| (lo * (hi / lo).powf(k as f64 / (n - 1) as f64)).round() as usize)
            .collect();
        out.dedup();
        out
    }

    pub(crate) fn validate_rules(&self) -> Result<(), SpecError> {
        crate::spec::evaluates(self.eval_every, self.steps, "steps")?;
        self.dataset.dataset().check("n_train", self.n_train)?;
        if self.d_min >= self.d_max {
            return Err(SpecError::Inconsistent(format!(
                "d_min={} is not below d_max={}",
                self.d_min, self.d_max
            )));
        }
        let smallest = self.widths()[0];
        let parameters = self.parameters_at(smallest);
        if self.d_max > parameters {
            return Err(SpecError::Inconsistent(format!(
                "d_max={} is more than the {parameters} parameters of the network of width \
                 {smallest} (a subspace of them has at most that many dimensions)",
                self.d_max
            )));
        }
        Ok(())
    }
}

/// Where the subspace accuracies first reach `threshold`: the smallest d on the grid whose
/// accuracy does, interpolated on log d from the grid point before it (accuracies rise with d,
/// roughly linearly in log d). `None` when no d reaches it; the first d when it already does.
pub fn crossing(grid: &[usize], accuracy: &[f64], threshold: f64) -> Option<f64> {
    let first = accuracy.iter().position(|a| *a >= threshold)?;
    if first == 0 {
        return Some(grid[0] as f64);
    }
    let (d0, d1) = ((grid[first - 1] as f64).ln(), (grid[first] as f64).ln());
    let (a0, a1) = (accuracy[first - 1], accuracy[first]);
    let t = ((threshold - a0) / (a1 - a0)).clamp(0.0, 1.0);
    Some((d0 + t * (d1 - d0)).exp())
}

/// With several widths: the sentence that says how far d_int90 moved while the parameters
/// grew, once every width has one.
pub fn across_widths(report: &Report) -> Option<String> {
    let found: Vec<(f64, f64, f64)> = report
        .runs
        .iter()
        // The subspace runs of each width: those that report a width and its d_int90 (found
        // by what they report, not by their labels' words).
        .filter(|r| {
            r.summary.contains_key(metric::WIDTH.key) && r.summary.contains_key(metric::D_INT90.key)
        })
        .map(|r| {
            let get = |k: &str| r.summary.get(k).and_then(serde_json::Value::as_f64);
            Some((
                get(metric::WIDTH.key)?,
                get(metric::PARAMETERS.key)?,
                get(metric::D_INT90.key)?,
            ))
        })
        .collect::<Option<_>>()?;
    if found.len() < 2 {
        return None;
    }
    let count = |x: f64| format_value(x, Unit::Count);
    let (lo, hi) = found
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), f| (lo.min(f.2), hi.max(f.2)));
    let (first, last) = (found[0], found[found.len() - 1]);
    Some(format!(
        "From width {} to {} the parameters grow {:.1}× ({} to {}); d_int90 runs from {} to {} \
         ({:.1}×): it measures the problem more than the network.",
        count(first.0),
        count(last.0),
        last.1 / first.1,
        count(first.1),
        count(last.1),
        count(lo),
        count(hi),
        hi / lo
    ))
}

/// The share of the direct network's accuracy that defines d_int90.
pub const SHARE: f64 = 0.9;

impl super::Declaration for IntrinsicDimensionSpec {
    fn axis(&self) -> &'static str {
        metric::D.key
    }

    fn info() -> &'static Info {
        &INFO
    }

    fn knobs() -> &'static [Knob] {
        KNOBS
    }

    fn preset(preset: Preset) -> Self {
        IntrinsicDimensionSpec::preset(preset)
    }

    fn words() -> &'static [Metric] {
        WORDS
    }

    fn comparison() -> Option<&'static Comparison> {
        Some(&COMPARISON)
    }

    fn validate_rules(&self) -> Result<(), SpecError> {
        IntrinsicDimensionSpec::validate_rules(self)
    }

    fn total_steps(&self) -> usize {
        self.steps
    }

    fn cost(&self, _target: Target) -> Cost {
        IntrinsicDimensionSpec::cost(self)
    }

    fn panels(&self) -> &'static [Panel] {
        PANELS
    }

    /// The paper's figure is for one network.
    fn comparison_here(&self) -> Option<&'static Comparison> {
        (self.compare == Compare::One).then_some(&COMPARISON)
    }

    /// Across widths: how far d_int90 moves while the parameters grow.
    fn notes(report: &Report) -> Vec<String> {
        across_widths(report).into_iter().collect()
    }

    #[cfg(feature = "engine")]
    fn start(
        &self,
        device: &Device,
        _runs: Option<&[usize]>,
        _threads: usize,
        _local: Option<&Table>,
    ) -> Result<Box<dyn Session>, SpecError> {
        Ok(Box::new(IntrinsicDimensionSession::new(
            self.clone(),
            device,
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_is_log_spaced_and_the_crossing_interpolates_on_log_d() {
        let spec = IntrinsicDimensionSpec::preset(Preset::Quick);
        let grid = spec.grid();
        assert_eq!(grid.first(), Some(&10));
        assert_eq!(grid.last(), Some(&1000));
        assert_eq!(grid.len(), 11);
        assert_eq!(grid[5], 100);
        let grid = [10, 100, 1000];
        // Halfway in accuracy between 10 and 100: √(10·100).
        let d = crossing(&grid, &[0.2, 0.6, 0.9], 0.4).expect("crosses");
        assert!((d - 1000f64.sqrt()).abs() < 1e-9, "{d}");
        assert_eq!(crossing(&grid, &[0.5, 0.6, 0.9], 0.4), Some(10.0));
        assert_eq!(crossing(&grid, &[0.1, 0.2, 0.3], 0.4), None);
    }

    #[test]
    fn presets_validate_and_a_subspace_cannot_outgrow_the_network() {
        for p in Preset::ALL {
            IntrinsicDimensionSpec::preset(p)
                .validate_rules()
                .unwrap_or_else(|e| panic!("{}: {e}", p.name()));
        }
        let quick = IntrinsicDimensionSpec::preset(Preset::Quick);
        assert_eq!(
            quick.parameters(),
            64 * 64 + 64 + 64 * 64 + 64 + 64 * 10 + 10
        );
        let too_big = IntrinsicDimensionSpec {
            width: 8,
            depth: 1,
            ..quick.clone()
        };
        let err = too_big.validate_rules().expect_err("d_max > D").to_string();
        assert!(
            err.contains("more than the 610 parameters of the network of width 8"),
            "{err}"
        );
        let upside_down = IntrinsicDimensionSpec {
            d_min: 1000,
            d_max: 10,
            ..quick
        };
        assert!(upside_down.validate_rules().is_err());
    }
}
