//! Any key a report can hold, in words: found whole first (the shared [`crate::terms`], then
//! each registered experiment's own metrics and knobs), then by its parts: `<key>_sd` (the
//! spread over seeds), `<key>_each` (one value a seed), `<key>_step1`, `final_<key>`,
//! `best_<key>`, `steps_to_<key>_<percent>` and `test_error_h<width>`. It reads the
//! registry, so it lives here; the constants it reads sit below every module, in `terms`.

use crate::experiments::Experiment;
use crate::terms::Unit::{Count, Number, Text};
use crate::terms::{SHARED, Term, format_value};

/// `key` in words, or `None` for a key no experiment reports.
pub fn term(key: &str) -> Option<Term> {
    if let Some(metric) = SHARED
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

/// `key` in words with a capital first letter, or the key itself where it has none.
pub fn title(key: &str) -> String {
    term(key).map_or_else(|| key.to_string(), |t| t.title())
}

/// `key` in words, or the key itself where it has none.
pub fn words(key: &str) -> String {
    term(key).map_or_else(|| key.to_string(), |t| t.words)
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

/// A run's label as every screen shows it: each space-separated part of the label in the
/// words an experiment gives it ([`Experiment::run_words`]), a part no experiment names as it
/// is: `grokfast-ema f=0.30` reads "Grokfast-EMA f = 0.30".
pub fn run_name(label: &str) -> String {
    let all = || Experiment::ALL.iter().flat_map(|e| e.run_words());
    label
        .split(' ')
        .map(|part| {
            if let Some((_, words)) = all().find(|(name, _)| *name == part) {
                return words.to_string();
            }
            for (pattern, words) in all() {
                if let Some((head, tail)) = pattern.split_once("{}")
                    && part.len() > head.len() + tail.len()
                    && let Some(value) = part.strip_prefix(head).and_then(|r| r.strip_suffix(tail))
                {
                    return words.replace("{}", value);
                }
            }
            part.to_string()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terms::SHARED;
    use crate::terms::{Metric, Unit};

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
        let all = SHARED
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
                let whole = SHARED
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
        let mut seen: Vec<&str> = SHARED.iter().map(|w| w.key).collect();
        for e in Experiment::ALL {
            for Metric { key, .. } in e.words() {
                assert!(!seen.contains(key), "{}: {key} has words twice", e.id());
                seen.push(key);
            }
        }
    }

    #[test]
    fn run_labels_read_as_words_and_unknown_parts_as_they_are() {
        assert_eq!(run_name("grokfast-ema"), "Grokfast-EMA");
        assert_eq!(run_name("baseline f=0.30"), "baseline f = 0.30");
        assert_eq!(run_name("wd-only-ma"), "MA's weight decay, no filter");
        assert_eq!(run_name("wd-3e-3"), "weight decay 3e-3");
        assert_eq!(run_name("dropout-0.5 by width"), "dropout 0.5 by width");
        assert_eq!(run_name("no-aug n=100"), "no augmentation n = 100");
        assert_eq!(run_name("relu-net"), "ReLU network");
        assert_eq!(run_name("α 1 (control)"), "α 1 (control)");
        assert_eq!(run_name("wd-"), "wd-");
        assert_eq!(run_name(""), "");
        // Every label a preset of every experiment trains reads without a hyphenated code.
        for e in Experiment::ALL {
            for (name, words) in e.run_words() {
                assert!(!words.is_empty() && !name.contains(' '), "{name}");
            }
        }
    }

    #[test]
    fn summary_values_are_shown_in_their_keys_units() {
        let each = serde_json::json!([731, 869, null]);
        assert_eq!(format_json("steps_to_val_acc_95_each", &each), "731 869 —");
        assert_eq!(
            format_json("final_val_acc", &serde_json::json!(0.5)),
            "50.0%"
        );
    }
}
