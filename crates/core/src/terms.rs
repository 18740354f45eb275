//! Words for what runs report: every series column and summary key a report can hold, as a
//! person reads it ("steps to 95% validation accuracy", not `steps_to_val_acc_95`), with the
//! unit its values are shown in. `metrics.json`, `metrics.csv` and links keep the keys (the
//! public format); every screen (the page's tables and legends, chart.svg, the CLI's
//! end-of-run table) shows these words. The phenomenon tests check that every key the
//! experiments report has words here.
//!
//! Each whole key is a [`Metric`] constant (its key, words and unit): the shared ones in
//! [`metric`], an experiment's own in its `metric` module. Code that writes or reads a result
//! names the constant, and its derived keys through [`Metric::sd`], [`Metric::at_end`] and
//! the like.
//!
//! Any key is found in words by `experiments::vocabulary`, which also reads each experiment's
//! own metrics and knobs from the registry: whole first, then by its parts.

/// How a value is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A share between 0 and 1, shown as a percentage with one decimal.
    Percent,
    /// Optimizer steps (or epochs, or examples): a whole number with thousands separators.
    Count,
    /// Any other number (a loss, a norm, a mean squared error, a rate): four significant
    /// digits.
    Number,
    /// A sentence or a list in words.
    Text,
}

/// A result an experiment reports: its key in `metrics.json`, `metrics.csv` and the charts'
/// declarations (the public format), its words and the unit its values are shown in. Code that
/// writes or reads a result names the constant, so a renamed key is one edit the compiler
/// follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metric {
    pub key: &'static str,
    /// What a person reads, lower case.
    pub words: &'static str,
    pub unit: Unit,
}

impl Metric {
    pub const fn new(key: &'static str, words: &'static str, unit: Unit) -> Self {
        Self { key, words, unit }
    }

    /// The key of its spread over seeds (`<key>_sd`).
    pub fn sd(self) -> String {
        format!("{}_sd", self.key)
    }

    /// The key of its value for each seed or draw (`<key>_each`).
    pub fn each(self) -> String {
        format!("{}_each", self.key)
    }

    /// The key of its value after one step (`<key>_step1`).
    pub fn step1(self) -> String {
        format!("{}_step1", self.key)
    }

    /// The key of its value at the end (`final_<key>`).
    pub fn at_end(self) -> String {
        format!("final_{}", self.key)
    }

    /// The key of its best value (`best_<key>`).
    pub fn best(self) -> String {
        format!("best_{}", self.key)
    }

    /// The keys of the draws' median, lowest and highest (`<key>_median`, `_min`, `_max`).
    pub fn median(self) -> String {
        format!("{}_median", self.key)
    }

    pub fn lowest(self) -> String {
        format!("{}_min", self.key)
    }

    pub fn highest(self) -> String {
        format!("{}_max", self.key)
    }

    /// The key of the steps taken to reach `percent`% (`steps_to_<key>_<percent>`).
    pub fn steps_to(self, percent: u32) -> String {
        format!("steps_to_{}_{percent}", self.key)
    }
}

/// A key in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    /// What a person reads, lower case ("training accuracy"); [`Term::title`] capitalises it.
    pub words: String,
    pub unit: Unit,
}

impl Unit {
    /// `value` in this unit (see [`format_value`]).
    pub fn show(self, value: f64) -> String {
        format_value(value, self)
    }
}

impl Term {
    pub(crate) fn new(words: impl Into<String>, unit: Unit) -> Self {
        Self {
            words: words.into(),
            unit,
        }
    }

    /// The words with a capital first letter, for a row or an axis.
    pub fn title(&self) -> String {
        capitalise(&self.words)
    }

    /// `value` as this term shows it: a percentage, a whole number or four significant digits.
    pub fn format(&self, value: f64) -> String {
        format_value(value, self.unit)
    }
}

use Unit::{Count, Percent};

// Keys in words, whole: the vocabulary the experiments share (each adds its own keys' words
// in its declaration, [`super::Declaration::words`]).

pub mod metric {
    //! The keys every experiment may report.

    use super::{Metric, Unit};

    // Series columns: what a curve is drawn against.
    pub const STEP: Metric = Metric::new("step", "training step", Unit::Count);
    pub const WIDTH: Metric = Metric::new("width", "hidden units", Unit::Count);
    pub const N: Metric = Metric::new("n", "training examples", Unit::Count);
    pub const N_TRAIN: Metric = Metric::new("n_train", "training examples", Unit::Count);
    pub const N_TEST: Metric = Metric::new("n_test", "test examples", Unit::Count);
    pub const PARAMETERS: Metric = Metric::new("parameters", "parameters", Unit::Count);
    // Accuracy, loss and error.
    pub const TRAIN_ACC: Metric = Metric::new("train_acc", "training accuracy", Unit::Percent);
    pub const VAL_ACC: Metric = Metric::new("val_acc", "validation accuracy", Unit::Percent);
    pub const TEST_ACC: Metric = Metric::new("test_acc", "test accuracy", Unit::Percent);
    pub const TRAIN_LOSS: Metric = Metric::new("train_loss", "training loss", Unit::Number);
    pub const TEST_LOSS: Metric = Metric::new("test_loss", "test loss", Unit::Number);
    pub const TEST_ERROR: Metric = Metric::new("test_error", "test error", Unit::Number);
    pub const TEST_ERROR_SMALL: Metric =
        Metric::new("test_error_small", "test error (small set)", Unit::Number);
    pub const TEST_ERROR_LARGE: Metric =
        Metric::new("test_error_large", "test error (large set)", Unit::Number);
    pub const TRAIN_ACC_FLIPPED: Metric = Metric::new(
        "train_acc_flipped",
        "accuracy on the flipped training labels",
        Unit::Percent,
    );
    pub const TEST_ACC_BY_SEED: Metric = Metric::new(
        "test_acc_by_seed",
        "test accuracy of each seed",
        Unit::Percent,
    );
    // Weights and what the network learned.
    pub const NORM: Metric = Metric::new("norm", "norm of the fitted weights", Unit::Number);
    // A treatment against its control.
    pub const GAIN: Metric = Metric::new(
        "gain",
        "gain in test accuracy over the control",
        Unit::Percent,
    );
    pub const SPREAD: Metric =
        Metric::new("spread", "spread between seeds (largest sd)", Unit::Percent);
    pub const ERROR_REDUCTION: Metric = Metric::new(
        "error_reduction",
        "share of the control's test error removed",
        Unit::Percent,
    );
    pub const LOSS_INCREASE: Metric = Metric::new(
        "loss_increase",
        "test loss increase with hidden units removed",
        Unit::Number,
    );
    // Settings a summary repeats.
    pub const SEEDS: Metric = Metric::new("seeds", "seeds", Unit::Count);
    pub const SEED: Metric = Metric::new("seed", "seed", Unit::Count);
    pub const STEPS: Metric = Metric::new("steps", "training steps", Unit::Count);
    pub const TRIALS: Metric = Metric::new("trials", "draws", Unit::Count);
    pub const DIM: Metric = Metric::new("dim", "input dimensions", Unit::Count);
    pub const TRAIN_FRACTION: Metric =
        Metric::new("train_fraction", "training fraction", Unit::Percent);
    pub const WEIGHT_DECAY: Metric = Metric::new("weight_decay", "weight decay", Unit::Number);
    // The standard deviation of the noise added to regression targets (benign overfitting's
    // linear mode; double descent's sample-wise mode).
    pub const NOISE: Metric = Metric::new("noise", "noise standard deviation σ", Unit::Number);
    pub const JITTER: Metric = Metric::new("jitter", "jitter", Unit::Number);
    pub const MODE: Metric = Metric::new("mode", "mode", Unit::Text);
    pub const VERDICT: Metric = Metric::new("verdict", "verdict", Unit::Text);
    pub const WHY: Metric = Metric::new("why", "why", Unit::Text);
}

/// Every shared key above, for [`term`].
pub(crate) const SHARED: &[Metric] = &[
    metric::STEP,
    metric::WIDTH,
    metric::N,
    metric::N_TRAIN,
    metric::N_TEST,
    metric::PARAMETERS,
    metric::TRAIN_ACC,
    metric::VAL_ACC,
    metric::TEST_ACC,
    metric::TRAIN_LOSS,
    metric::TEST_LOSS,
    metric::TEST_ERROR,
    metric::TEST_ERROR_SMALL,
    metric::TEST_ERROR_LARGE,
    metric::TRAIN_ACC_FLIPPED,
    metric::TEST_ACC_BY_SEED,
    metric::NORM,
    metric::GAIN,
    metric::SPREAD,
    metric::ERROR_REDUCTION,
    metric::LOSS_INCREASE,
    metric::SEEDS,
    metric::SEED,
    metric::STEPS,
    metric::TRIALS,
    metric::DIM,
    metric::TRAIN_FRACTION,
    metric::WEIGHT_DECAY,
    metric::NOISE,
    metric::JITTER,
    metric::MODE,
    metric::VERDICT,
    metric::WHY,
];

/// `text` with a capital first letter.
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `value` in `unit`: a percentage with one decimal, a whole number, or four significant
/// digits, or a whole number from 1,000 (scientific outside 0.0001–10⁹); "—" for a value that
/// is not finite.
pub fn format_value(value: f64, unit: Unit) -> String {
    if !value.is_finite() {
        return "—".to_string();
    }
    match unit {
        Percent => format!("{:.1}%", 100.0 * value),
        Count => {
            let digits = format!("{:.0}", value.abs().round());
            let mut out = String::from(if value < -0.5 { "-" } else { "" });
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    out.push(',');
                }
                out.push(c);
            }
            out
        }
        _ if value == 0.0 => "0".to_string(),
        _ if !(1e-4..1e9).contains(&value.abs()) => format!("{value:.3e}"),
        // A thousand or more: the whole number, with thousands separators.
        _ if value.abs() >= 1e3 => format_value(value.round(), Count),
        _ => {
            // Four significant digits, trailing zeros dropped.
            let digits = (3 - value.abs().log10().floor() as i32).max(0) as usize;
            let text = format!("{value:.digits$}");
            if text.contains('.') {
                text.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                text
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Unit::Number;
    use super::*;

    #[test]
    fn values_are_shown_in_their_units() {
        assert_eq!(format_value(0.9734, Percent), "97.3%");
        assert_eq!(format_value(1200.0, Count), "1,200");
        assert_eq!(Count.show(39_890.0), "39,890");
        assert_eq!(Count.show(910.4), "910");
        assert_eq!(Count.show(-1234.0), "-1,234");
        assert_eq!(Percent.show(0.4725), "47.2%");
        assert_eq!(Number.show(23.2698), "23.27");
        assert_eq!(format_value(3.00216, Number), "3.002");
        assert_eq!(format_value(0.012346, Number), "0.01235");
        assert_eq!(format_value(71067.4, Number), "71,067");
        assert_eq!(format_value(-2500.0, Number), "-2,500");
        assert_eq!(format_value(3.2e9, Number), "3.200e9");
        assert_eq!(format_value(5e-29, Number), "5.000e-29");
        assert_eq!(format_value(0.0, Number), "0");
        assert_eq!(format_value(f64::NAN, Percent), "—");
    }
}
