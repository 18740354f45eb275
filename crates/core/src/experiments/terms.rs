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
//! A key is found whole first, then by its parts: `<key>_sd` (the spread over seeds),
//! `<key>_each` (one value a seed), `<key>_step1`, `final_<key>`, `best_<key>`,
//! `steps_to_<key>_<percent>` and `test_error_h<width>`.

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
    fn new(words: impl Into<String>, unit: Unit) -> Self {
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

use super::Experiment;
use Unit::{Count, Number, Percent, Text};

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
const WORDS: &[Metric] = &[
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

/// `key` in words, or `None` for a key no experiment reports.
pub fn term(key: &str) -> Option<Term> {
    if let Some(metric) = WORDS
        .iter()
        .chain(Experiment::ALL.iter().flat_map(|e| e.words()))
        .find(|m| m.key == key)
    {
        return Some(Term::new(metric.words, metric.unit));
    }
    if let Some(t) = knob_term(key) {
        return Some(t);
    }
    if let Some(stem) = key.strip_suffix("_sd") {
        let t = term(stem)?;
        return Some(Term::new(format!("spread of the {} (sd)", t.words), t.unit));
    }
    // The draws' median and range, where a mean would mislead (see double descent's draws).
    for (suffix, form) in [
        ("_median", "{}, median of the draws"),
        ("_min", "{}, lowest draw"),
        ("_max", "{}, highest draw"),
    ] {
        if let Some(stem) = key.strip_suffix(suffix) {
            let t = term(stem)?;
            return Some(Term::new(form.replace("{}", &t.words), t.unit));
        }
    }
    if let Some(stem) = key.strip_suffix("_each") {
        let t = term(stem)?;
        return Some(Term::new(format!("{}, each seed", t.words), t.unit));
    }
    if let Some(stem) = key.strip_suffix("_step1") {
        let t = term(stem)?;
        return Some(Term::new(format!("{} after one step", t.words), t.unit));
    }
    if let Some(stem) = key.strip_prefix("final_") {
        let t = term(stem)?;
        return Some(Term::new(format!("{} at the end", t.words), t.unit));
    }
    if let Some(stem) = key.strip_prefix("best_") {
        let t = term(stem)?;
        return Some(Term::new(format!("best {}", t.words), t.unit));
    }
    if let Some(rest) = key.strip_prefix("steps_to_")
        && let Some((metric, percent)) = rest.rsplit_once('_')
        && percent.parse::<u32>().is_ok()
    {
        let t = term(metric)?;
        return Some(Term::new(format!("steps to {percent}% {}", t.words), Count));
    }
    if let Some(width) = key.strip_prefix("test_error_h")
        && width.parse::<u32>().is_ok()
    {
        return Some(Term::new(
            format!("test error with {width} hidden units"),
            Number,
        ));
    }
    None
}

/// A setting a summary repeats, in the words of its control on the page.
fn knob_term(key: &str) -> Option<Term> {
    use crate::spec::KnobKind;
    let knob = Experiment::ALL
        .iter()
        .flat_map(|e| e.knobs())
        .find(|k| k.key == key)?;
    let unit = match knob.kind {
        KnobKind::Int { .. } | KnobKind::Seed => Count,
        KnobKind::Float { .. } => Number,
        KnobKind::Choice(_) => Text,
    };
    // Labels are written for a control ("Weight decay"); a term is lower case but keeps
    // acronyms ("EMA λ").
    let mut chars = knob.label.chars();
    let first = chars.next()?;
    let second_upper = chars.clone().next().is_some_and(char::is_uppercase);
    let words = if second_upper {
        knob.label.to_string()
    } else {
        first.to_lowercase().chain(chars).collect()
    };
    Some(Term::new(words, unit))
}

/// `text` with a capital first letter.
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `key` in words with a capital first letter, or the key itself where it has none.
pub fn title(key: &str) -> String {
    term(key).map_or_else(|| key.to_string(), |t| t.title())
}

/// `key` in words, or the key itself where it has none.
pub fn words(key: &str) -> String {
    term(key).map_or_else(|| key.to_string(), |t| t.words)
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

/// A summary value (a number, a list of one number a seed, a sentence, or nothing yet) as
/// `key` shows it.
pub fn format_json(key: &str, value: &serde_json::Value) -> String {
    let unit = term(key).map_or(Number, |t| t.unit);
    match value {
        serde_json::Value::Null => "—".to_string(),
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        serde_json::Value::Number(n) => n
            .as_f64()
            .map_or("—".to_string(), |x| format_value(x, unit)),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|item| format_json(key, item))
            .collect::<Vec<_>>()
            .join(" "),
        serde_json::Value::Object(_) => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_whole_and_by_their_parts() {
        assert_eq!(
            words("steps_to_val_acc_95"),
            "steps to 95% validation accuracy"
        );
        assert_eq!(
            words("steps_to_val_acc_95_each"),
            "steps to 95% validation accuracy, each seed"
        );
        assert_eq!(
            words("final_fourier_top5"),
            "share of the embeddings' power in the 5 strongest frequencies at the end"
        );
        assert_eq!(words("test_acc_sd"), "spread of the test accuracy (sd)");
        assert_eq!(words("best_val_acc"), "best validation accuracy");
        assert_eq!(
            words("train_acc_flipped_step1"),
            "accuracy on the flipped training labels after one step"
        );
        assert_eq!(words("test_error_h47"), "test error with 47 hidden units");
        assert_eq!(title("n_val"), "Validation examples");
        // Whole keys win over their parts.
        assert_eq!(
            words("peak_x_each"),
            "where the test error peaks, each draw"
        );
        // Settings in the words of their controls.
        assert_eq!(words("ema_lambda"), "EMA λ");
        assert_eq!(term("splits").map(|t| t.unit), Some(Text));
        // Unknown keys stay as they are, never blank.
        assert_eq!(term("no_such_metric"), None);
        assert_eq!(title("no_such_metric"), "no_such_metric");
        assert_eq!(term("steps_to_val_acc_x"), None);
    }

    /// Every metric a chart, a paper row or a marker names reads the words it declares,
    /// whether its key is worded whole or by its parts (`steps_to_val_acc_95`), in every mode.
    #[test]
    fn declared_metrics_read_their_own_words() {
        use crate::spec::{KnobKind, Preset};
        let mut checked = 0;
        for e in Experiment::ALL {
            let mut metrics: Vec<Metric> = e.words().to_vec();
            metrics.extend(e.info().marks.iter().map(|(m, _)| *m));
            // The preset, and the preset with each choice of each choice knob (modes, models).
            let base = e.preset(Preset::Quick);
            let mut specs = vec![base.clone()];
            for knob in e.knobs() {
                if let KnobKind::Choice(choices) = knob.kind {
                    for choice in choices {
                        let mut spec = base.clone();
                        if spec.set(knob.key, choice).is_ok() {
                            specs.push(spec);
                        }
                    }
                }
            }
            for spec in &specs {
                for panel in spec.declared().panels() {
                    metrics.extend(panel.metrics);
                    metrics.extend(panel.x);
                }
                for c in spec
                    .declared()
                    .comparison_here()
                    .into_iter()
                    .chain(e.comparison())
                {
                    metrics.extend(c.rows.iter().map(|row| row.metric));
                }
            }
            for metric in metrics {
                let term = term(metric.key);
                assert_eq!(
                    term,
                    Some(Term::new(metric.words, metric.unit)),
                    "{}: {metric:?}",
                    e.id()
                );
                checked += 1;
            }
        }
        assert!(checked > 150, "{checked}");
    }

    /// The keys a metric's forms write (`Metric::sd`, `at_end`, ...) are the keys [`term`]
    /// reads by their parts: the two spellings of each form cannot drift apart.
    #[test]
    fn every_form_of_every_metric_reads_as_words() {
        let all = WORDS
            .iter()
            .chain(Experiment::ALL.iter().flat_map(|e| e.words()));
        // Forms of base metrics (a key that is itself a form, `peak_x_each`, has none).
        let form = |key: &str| {
            ["_sd", "_each", "_step1", "_median", "_min", "_max"]
                .iter()
                .any(|s| key.ends_with(s))
                || ["final_", "best_", "steps_to_"]
                    .iter()
                    .any(|p| key.starts_with(p))
        };
        let mut checked = 0;
        for m in all.filter(|m| m.unit != Unit::Text && !form(m.key)) {
            let base = term(m.key).expect("whole").words;
            for (key, want) in [
                (m.sd(), format!("spread of the {base} (sd)")),
                (m.each(), format!("{base}, each seed")),
                (m.step1(), format!("{base} after one step")),
                (m.at_end(), format!("{base} at the end")),
                (m.best(), format!("best {base}")),
                (m.median(), format!("{base}, median of the draws")),
                (m.lowest(), format!("{base}, lowest draw")),
                (m.highest(), format!("{base}, highest draw")),
                (m.steps_to(95), format!("steps to 95% {base}")),
            ] {
                // A form some experiment declares whole (with its own words), or a knob's key
                // (`width_min`), wins; the rest read by their parts.
                let whole = WORDS
                    .iter()
                    .chain(Experiment::ALL.iter().flat_map(|e| e.words()))
                    .any(|w| w.key == key);
                let knob = Experiment::ALL.iter().any(|e| e.knob(&key).is_some());
                if whole || knob {
                    continue;
                }
                assert_eq!(term(&key).map(|t| t.words), Some(want), "{key}");
                checked += 1;
            }
        }
        assert!(checked > 500, "{checked}");
    }

    #[test]
    fn an_experiments_own_words_are_found_and_never_shadow_shared_ones() {
        assert_eq!(words("d_int90_share"), "share of the parameters d_int90 is");
        assert_eq!(title("d"), "Subspace dimension d");
        let mut seen: Vec<&str> = WORDS.iter().map(|w| w.key).collect();
        for e in Experiment::ALL {
            for Metric { key, .. } in e.words() {
                assert!(!seen.contains(key), "{}: {key} has words twice", e.id());
                seen.push(key);
            }
        }
    }

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
        let each = serde_json::json!([731, 869, null]);
        assert_eq!(format_json("steps_to_val_acc_95_each", &each), "731 869 —");
        assert_eq!(
            format_json("final_val_acc", &serde_json::json!(0.5)),
            "50.0%"
        );
    }
}
