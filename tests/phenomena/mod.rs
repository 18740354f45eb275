//! Phenomenon tests: real training on Flex, asserted on the recorded metrics.

use overfit_cli::run_spec;
use overfit_core::device::Backend;
use overfit_core::experiments::Experiment;
use overfit_core::report::mean_sd;
use overfit_core::report::{Report, RunReport};
use overfit_core::spec::Preset;

mod benign;
mod corrupted_labels;
mod double_descent;
mod ensemble;
mod forgetting;
mod grokking;
mod grokking_images;
mod intrinsic_dimension;
mod lazy_rich;
mod lottery;
mod scaling_laws;
mod softmax_collapse;
mod toy2d;

/// Runs `spec` as `overfit run` does, and checks that every series column and summary key of
/// its report has words for people (`overfit_core::terms`): what the page and the CLI show.
fn run_in_words(
    spec: &overfit_core::experiments::AnySpec,
) -> Result<overfit_cli::drive::Outcome, overfit_cli::DriveError> {
    let outcome = run_spec(spec, "ci", Backend::Flex, |_, _| {})?;
    in_words(&outcome.report);
    Ok(outcome)
}

fn in_words(report: &Report) {
    let mut missing: Vec<String> = Vec::new();
    if overfit_core::experiments::vocabulary::term(&report.axis).is_none() {
        missing.push(format!("the axis {}", report.axis));
    }
    for run in &report.runs {
        for key in run.series.keys().chain(run.summary.keys()) {
            if overfit_core::experiments::vocabulary::term(key).is_none() {
                missing.push(format!("{}: {key}", run.label));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{}: no words in overfit_core::terms for {missing:?}",
        report.experiment
    );
}

fn summary_step(run: &RunReport, key: &str) -> Option<f64> {
    run.summary.get(key).and_then(serde_json::Value::as_f64)
}

fn value_at(run: &RunReport, metric: &str, step: f64) -> f64 {
    let steps = run.column("step");
    let i = steps
        .iter()
        .position(|s| *s >= step)
        .unwrap_or(steps.len() - 1);
    run.column(metric)[i]
}

/// Trains `shares` of `spec`'s independent runs on a thread each (Flex) and merges them: the
/// runs equal those of one session (see tests/parallel.rs).
fn train_shares(spec: &overfit_core::experiments::AnySpec, shares: &[&[usize]]) -> Report {
    let parts: Vec<Report> = std::thread::scope(|scope| {
        let handles: Vec<_> = shares
            .iter()
            .map(|runs| scope.spawn(move || train_runs(spec, runs)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("the runs finish"))
            .collect()
    });
    let mut merged = parts[0].clone();
    merged.runs = parts.into_iter().flat_map(|p| p.runs).collect();
    merged
}

/// Trains runs `runs` of `spec` to the end on Flex (a subset of a spec's independent runs).
fn train_runs(spec: &overfit_core::experiments::AnySpec, runs: &[usize]) -> Report {
    let device = burn::tensor::Device::flex();
    let mut session = overfit_core::experiments::start_runs(spec, &device, Some(runs), 1, None)
        .expect("a valid spec");
    while !session.is_finished() {
        if let Some(probe) = session.advance(64).expect("finite") {
            let data = probe.transaction.try_execute().expect("read back");
            session.absorb(data).expect("finite");
        }
    }
    let report = session.report();
    in_words(&report);
    report
}

fn run_labelled<'a>(report: &'a Report, label: &str) -> &'a RunReport {
    report
        .runs
        .iter()
        .find(|r| r.label == label)
        .unwrap_or_else(|| panic!("no {label} run"))
}

fn summary_f64(run: &RunReport, key: &str) -> f64 {
    run.summary
        .get(key)
        .and_then(|v| v.as_f64())
        .unwrap_or_else(|| panic!("{}: summary has no number {key}", run.label))
}

fn summary_list(run: &RunReport, key: &str) -> Vec<f64> {
    run.summary
        .get(key)
        .and_then(|v| v.as_array())
        .unwrap_or_else(|| panic!("{}: summary has no list {key}", run.label))
        .iter()
        .map(|v| v.as_f64().unwrap_or(f64::NAN))
        .collect()
}

/// The final test accuracy over seeds of a baseline run and a treated one, recomputed from
/// the per-seed values (not taken from the summary): `(base, treated, gain, gain_sd)`, the
/// means and the mean and spread of the per-seed gains (seed k of both runs shares its split,
/// weights and order). At least three seeds each.
fn seed_stats(base: &RunReport, treated: &RunReport) -> (f64, f64, f64, f64) {
    let base = summary_list(base, "test_acc_by_seed");
    let treated = summary_list(treated, "test_acc_by_seed");
    assert!(
        base.len() >= 3 && treated.len() == base.len(),
        "at least three seeds, paired"
    );
    let gains: Vec<f64> = treated.iter().zip(&base).map(|(t, b)| t - b).collect();
    let (gain, gain_sd) = mean_sd(&gains);
    (mean_sd(&base).0, mean_sd(&treated).0, gain, gain_sd)
}
