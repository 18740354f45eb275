//! The verdicts in words: each Grokfast filter against the baseline and against its own
//! weight-decay control, and steps to generalise by training fraction.

use super::*;
use crate::experiments::grokking::metric;

/// Whether a run of this experiment trains without a Grokfast filter (the baseline, the
/// filters' weight-decay controls and the sweep).
pub fn unfiltered(label: &str) -> bool {
    Label::parse(label).is_some_and(|l| l.run.unfiltered() && l.at != At::ByFraction)
}

/// With `compare=fractions`, one run per family (baseline, Grokfast-EMA): steps to 95%
/// validation against the training fraction, the median over seeds with the spread of the
/// seeds that got there (a seed that never did leaves the spread, but counts in the median as
/// later than every other). From the whole report, so runs trained apart count after merging.
pub fn fraction_runs(report: &Report) -> Vec<RunReport> {
    let mut out = Vec::new();
    for family in [Run::Baseline, Run::Grokfast(Family::Ema)] {
        let mut points: Vec<(f64, f64, f64, Vec<Value>)> = report
            .runs
            .iter()
            .filter(|r| {
                matches!(Label::parse(&r.label),
                    Some(Label { run, at: At::Fraction(_) }) if run == family)
            })
            .filter_map(|r| {
                let fraction = r.summary.get(metric::TRAIN_FRACTION.key)?.as_f64()?;
                let median = r
                    .summary
                    .get(&metric::VAL_ACC.steps_to(95))
                    .and_then(Value::as_f64)
                    .unwrap_or(f64::NAN);
                let each: Vec<Value> = match r.summary.get("steps_to_val_acc_95_each") {
                    Some(Value::Array(a)) => a.clone(),
                    _ => vec![r.summary.get(&metric::VAL_ACC.steps_to(95)).cloned()?],
                };
                let reached: Vec<f64> = each.iter().filter_map(Value::as_f64).collect();
                let sd = crate::report::mean_sd(&reached).1;
                Some((
                    fraction,
                    median,
                    if median.is_finite() { sd } else { f64::NAN },
                    each,
                ))
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let column = |i: usize| {
            points
                .iter()
                .map(|p| [p.0, p.1, p.2][i])
                .collect::<Vec<_>>()
        };
        let mut summary = serde_json::Map::new();
        summary.insert(
            "steps_to_val_acc_95_each".into(),
            Value::from(
                points
                    .iter()
                    .map(|p| Value::from(p.3.clone()))
                    .collect::<Vec<_>>(),
            ),
        );
        out.push(RunReport::from_columns(
            &Label {
                run: family,
                at: At::ByFraction,
            }
            .text(),
            &[
                (metric::TRAIN_FRACTION.key, column(0)),
                ("steps_to_val_acc_95", column(1)),
                ("steps_to_val_acc_95_sd", column(2)),
            ],
            summary,
        ));
    }
    out
}

/// A filter compared with the baseline only (no run of its weight decay without the filter):
/// the speed-up, and, where the filter trains with a larger weight decay than the baseline,
/// that this comparison cannot tell the two apart (`compare=controls` can).
fn uncontrolled(
    name: &str,
    (filter, baseline): (Option<f64>, Option<f64>),
    (its_decay, base_decay): (Option<f64>, Option<f64>),
    steps: f64,
    median: &str,
) -> Option<String> {
    let gain = match (filter, baseline) {
        (None, _) => return None,
        (Some(f), Some(b)) if b > f => format!(
            "{name} reached 95% validation accuracy at step {f:.0}, the baseline at step {b:.0}{median}: {:.1}× sooner",
            b / f.max(1.0)
        ),
        (Some(f), Some(b)) => format!(
            "{name} reached 95% validation accuracy at step {f:.0}, the baseline at step {b:.0}{median}: no sooner"
        ),
        (Some(f), None) => format!(
            "{name} reached 95% validation accuracy at step {f:.0}{median}; the baseline did not within {steps:.0} steps: more than {:.1}× sooner",
            steps / f.max(1.0)
        ),
    };
    let decays = match (its_decay, base_decay) {
        (Some(w), Some(b)) if w > b && b > 0.0 => format!(
            ". But it also trains with {:.0}× the baseline's weight decay ({w} against {b}), and weight decay alone speeds grokking up: this comparison cannot tell the filter's share from the weight decay's. Compare \"controls\" trains that weight decay without the filter.",
            w / b
        ),
        (Some(w), Some(b)) if w > b => format!(
            ". But it also trains with weight decay {w} against the baseline's {b}, and weight decay alone speeds grokking up: compare \"controls\" trains that weight decay without the filter."
        ),
        _ => ", with the baseline's weight decay: the gain is the filter's.".to_string(),
    };
    Some(gain + &decays)
}

/// Sentences that say how much of each filter's speed-up is the filter: its steps to 95%
/// validation accuracy (medians over seeds) against its weight-decay-only control's
/// (`compare=controls`), the baseline's, and, with `compare=sweep`, the best of every run
/// without a filter. Without a control, its speed-up over the baseline and what else differs
/// (its larger weight decay). From the whole report, so runs trained apart are compared after
/// merging.
pub fn filter_verdicts(report: &Report) -> Vec<String> {
    let run = |which: Run| report.runs.iter().find(|r| Label::is(which, &r.label));
    let steps_to = |r: &RunReport| {
        r.summary
            .get(&metric::VAL_ACC.steps_to(95))
            .and_then(Value::as_f64)
    };
    let reached = |which: Run| run(which).and_then(steps_to);
    let steps = report
        .runs
        .first()
        .and_then(|r| r.column(metric::STEP.key).last().copied())
        .unwrap_or(0.0);
    let seeds = report
        .runs
        .first()
        .and_then(|r| r.summary.get(metric::SEEDS.key))
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let median = if seeds > 1 {
        format!(" (medians over {seeds} seeds)")
    } else {
        String::new()
    };
    // With a sweep, the unfiltered run that got there first.
    let swept = report
        .runs
        .iter()
        .any(|r| matches!(Label::parse(&r.label).map(|l| l.run), Some(Run::Swept(_))));
    let best = swept
        .then(|| {
            report
                .runs
                .iter()
                .filter(|r| unfiltered(&r.label))
                .filter_map(|r| steps_to(r).map(|s| (s, r)))
                .min_by(|a, b| a.0.total_cmp(&b.0))
        })
        .flatten();
    let decay = |key: &str| report.spec.get(key).and_then(Value::as_f64);
    let mut out = Vec::new();
    for (filter, control, name, its_decay) in [
        (
            Run::Grokfast(Family::Ema),
            Run::DecayOnly(Family::Ema),
            "Grokfast-EMA",
            "ema_weight_decay",
        ),
        (
            Run::Grokfast(Family::Ma),
            Run::DecayOnly(Family::Ma),
            "Grokfast-MA",
            "ma_weight_decay",
        ),
    ] {
        if run(filter).is_none() {
            continue;
        }
        if run(control).is_none() {
            // The filter against the baseline alone: say what else differs between them.
            if let Some(sentence) = uncontrolled(
                name,
                (reached(filter), reached(Run::Baseline)),
                (decay(its_decay), decay(metric::WEIGHT_DECAY.key)),
                steps,
                &median,
            ) {
                out.push(sentence);
            }
            continue;
        }
        let sentence = against_control(name, (reached(filter), reached(control)), steps, &median);
        let baseline = match (reached(Run::Baseline), reached(filter), reached(control)) {
            (Some(b), Some(f), Some(c)) => format!(
                " Against the baseline (step {b:.0}) that is {:.1}×, of which the weight decay \
                 alone gives {:.1}×.",
                b / f.max(1.0),
                b / c.max(1.0)
            ),
            (Some(b), Some(f), None) => format!(
                " Against the baseline (step {b:.0}) that is {:.1}×.",
                b / f.max(1.0)
            ),
            _ => String::new(),
        };
        let tuned = against_tuned(swept, best, reached(filter), steps);
        out.push(sentence + &baseline + &tuned);
    }
    out.into_iter().map(|s| thousands(&s)).collect()
}

/// A filter's steps to 95% validation against its weight-decay control's, in a sentence.
fn against_control(
    name: &str,
    reached: (Option<f64>, Option<f64>),
    steps: f64,
    median: &str,
) -> String {
    match reached {
        (None, _) => {
            format!("{name} did not reach 95% validation accuracy within {steps:.0} steps{median}.")
        }
        (Some(f), None) => format!(
            "{name} reached 95% validation accuracy at step {f:.0}{median}; the same weight \
             decay without the filter did not within {steps:.0} steps: the filter, not the \
             weight decay, makes it more than {:.1}× sooner.",
            steps / f.max(1.0)
        ),
        (Some(f), Some(c)) if c > f => format!(
            "{name} reached 95% validation accuracy at step {f:.0}, the same weight decay \
             without the filter at step {c:.0}{median}: the filter makes it {:.1}× sooner.",
            c / f.max(1.0)
        ),
        (Some(f), Some(c)) => format!(
            "{name} reached 95% validation accuracy at step {f:.0}, the same weight decay \
             without the filter at step {c:.0}{median}: here the weight decay does it, not \
             the filter."
        ),
    }
}

/// With `compare=sweep`, the filter against the best weight decay without one.
fn against_tuned(
    swept: bool,
    best: Option<(f64, &RunReport)>,
    filter: Option<f64>,
    steps: f64,
) -> String {
    match (swept, best, filter) {
        (false, _, _) => String::new(),
        (true, None, _) => format!(
            " No weight decay of the sweep reached it without a filter within {steps:.0} steps."
        ),
        (true, Some((b, r)), Some(f)) => {
            let wd = r
                .summary
                .get(metric::WEIGHT_DECAY.key)
                .and_then(Value::as_f64)
                .unwrap_or(0.0);
            if b > f {
                format!(
                    " The best weight decay without a filter ({wd}) took until step {b:.0}: \
                     against the best-tuned baseline the filter is {:.1}× sooner.",
                    b / f.max(1.0)
                )
            } else {
                format!(
                    " The best weight decay without a filter ({wd}) got there at step \
                     {b:.0}: a tuned weight decay does as well as the filter here."
                )
            }
        }
        (true, Some(_), None) => String::new(),
    }
}

/// `sentence` with every whole number of four or more digits grouped by thousands ("step
/// 12,500"); decimals ("0.0001", "4.7×") are left as they are.
pub(super) fn thousands(sentence: &str) -> String {
    let chars: Vec<char> = sentence.chars().collect();
    let mut out = String::with_capacity(sentence.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let run: String = chars[start..i].iter().collect();
        let after_point = start > 0 && chars[start - 1] == '.';
        let before_decimals =
            i + 1 < chars.len() && chars[i] == '.' && chars[i + 1].is_ascii_digit();
        if run.len() < 4 || after_point || before_decimals {
            out.push_str(&run);
            continue;
        }
        for (k, c) in run.chars().enumerate() {
            if k > 0 && (run.len() - k).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
    }
    out
}
