//! Phenomenon tests: real training on Flex, asserted on the recorded metrics.

use overfit_cli::run_spec;
use overfit_core::device::Backend;
use overfit_core::experiments::Experiment;
use overfit_core::experiments::ensemble::mean_sd;
use overfit_core::report::{Report, RunReport};
use overfit_core::spec::Preset;

/// Runs `spec` as `overfit run` does, and checks that every series column and summary key of
/// its report has words for people (`overfit_core::terms`): what the page and the CLI show.
fn run_in_words(
    spec: &overfit_core::spec::AnySpec,
) -> Result<overfit_cli::drive::Outcome, overfit_cli::DriveError> {
    let outcome = run_spec(spec, "ci", Backend::Flex, |_, _| {})?;
    in_words(&outcome.report);
    Ok(outcome)
}

fn in_words(report: &Report) {
    let mut missing: Vec<String> = Vec::new();
    if overfit_core::terms::term(&report.axis).is_none() {
        missing.push(format!("the axis {}", report.axis));
    }
    for run in &report.runs {
        for key in run.series.keys().chain(run.summary.keys()) {
            if overfit_core::terms::term(key).is_none() {
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

#[test]
fn toy2d_ci_learns_the_spiral() {
    let spec = Experiment::Toy2d.preset(Preset::Ci);
    let outcome = run_in_words(&spec).expect("the ci preset should run");
    let run = &outcome.report.runs[0];
    let test_acc = run.column("test_acc");
    let first = test_acc[0];
    let last = *test_acc.last().expect("at least one evaluation");
    println!(
        "toy2d ci: test accuracy {first:.3} -> {last:.3} ({:.1} steps/s)",
        outcome.steps_per_second
    );
    // Two interleaved spirals: no linear boundary does better than about 0.5-0.65.
    assert!(
        last >= 0.9,
        "spiral test accuracy {last:.3} should be at least 0.9"
    );
    assert!(
        first <= 0.7,
        "the untrained net should be near chance, got {first:.3}"
    );
    let train_loss = run.column("train_loss");
    assert!(
        train_loss.last() < train_loss.first(),
        "training loss should fall"
    );
}

#[test]
fn toy2d_with_label_noise_shows_a_generalization_gap() {
    // A wide net trained long on 30% flipped labels of a small set fits part of the noise:
    // accuracy on the noisy training labels climbs past the 70% that the clean rule would
    // score, while accuracy on clean test labels ends well below it.
    let mut spec = Experiment::Toy2d.preset(Preset::Ci);
    spec.set_all([
        "dataset=xor",
        "label_noise=0.3",
        "width=64",
        "points=300",
        "steps=1200",
        "eval_every=100",
    ])
    .expect("valid settings");
    let outcome = run_in_words(&spec).expect("run");
    let run = &outcome.report.runs[0];
    let train = *run.column("train_acc").last().expect("evaluated");
    let test = *run.column("test_acc").last().expect("evaluated");
    println!("toy2d xor noise 0.3: train {train:.3} test {test:.3}");
    assert!(
        train > 0.72,
        "the net should fit beyond the 70% clean share, got {train:.3}"
    );
    assert!(
        train - test > 0.05,
        "expected a generalization gap, got train {train:.3} vs test {test:.3}"
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
fn train_shares(spec: &overfit_core::spec::AnySpec, shares: &[&[usize]]) -> Report {
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
fn train_runs(spec: &overfit_core::spec::AnySpec, runs: &[usize]) -> Report {
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

#[test]
fn grokking_ci_grokfast_ema_beats_the_best_swept_weight_decay_and_its_own_control() {
    // The ci preset (embedding MLP, x·y mod 47, three init/order seeds a run, medians over
    // seeds) with `compare=sweep`. Trained here: Grokfast-EMA (weight decay 0.02), its control
    // (0.02, no filter), Grokfast-MA (0.01) and the sweep's unfiltered runs at 1e-3 and 3e-3.
    // The baseline's 1e-4 (median 7,250) and MA's control are measured in BENCHMARKS.md, not
    // here: the claim is against the best weight decay, and 6,000 steps cover it.
    let mut spec = Experiment::Grokking.preset(Preset::Ci);
    spec.set_all(["compare=sweep", "steps=6000"])
        .expect("valid values");
    let labels: Vec<String> = match &spec {
        overfit_core::spec::AnySpec::Grokking(g) => {
            g.runs().iter().map(|r| r.label.clone()).collect()
        }
        _ => unreachable!("a grokking spec"),
    };
    let index = |label: &str| labels.iter().position(|l| l == label).expect(label);
    let (ema_i, control_i) = (index("grokfast-ema"), index("wd-only-ema"));
    let (wd1_i, wd3_i, ma_i) = (index("wd-1e-3"), index("wd-3e-3"), index("grokfast-ma"));
    let report = train_shares(&spec, &[&[ema_i, wd1_i, ma_i], &[control_i, wd3_i]]);
    for r in &report.runs {
        println!(
            "grokking ci {}: train 95% at {:?} (median; each {:?}), val 95% at {:?} (each {:?})",
            r.label,
            summary_step(r, "steps_to_train_acc_95"),
            r.summary.get("steps_to_train_acc_95_each"),
            summary_step(r, "steps_to_val_acc_95"),
            r.summary.get("steps_to_val_acc_95_each"),
        );
    }
    for verdict in overfit_core::experiments::grokking::filter_verdicts(&report) {
        println!("{verdict}");
    }
    let steps = 6000.0;
    let ema = run_labelled(&report, "grokfast-ema");
    let ema95 = summary_step(ema, "steps_to_val_acc_95")
        .expect("Grokfast-EMA's median seed should reach 95% validation within 6,000 steps");

    // The unfiltered runs memorise first and generalise much later: grokking, not learning.
    for label in ["wd-1e-3", "wd-3e-3"] {
        let run = run_labelled(&report, label);
        let train95 = summary_step(run, "steps_to_train_acc_95").expect("memorises");
        let val_then = value_at(run, "val_acc", train95);
        assert!(
            val_then < 0.3,
            "{label}: at 95% train accuracy (step {train95}) validation should still be low, \
             got {val_then:.3} (mean over seeds)"
        );
        if let Some(val95) = summary_step(run, "steps_to_val_acc_95") {
            assert!(
                val95 >= 4.0 * train95,
                "{label}: 95% validation at {val95} should come long after 95% train at {train95}"
            );
        }
    }

    // Against the best weight decay of the sweep without a filter: measured 5,250 (3e-3) against
    // 2,400, ×2.2. A seed that does not get there counts as later than every one that does.
    let best = ["wd-1e-3", "wd-3e-3"]
        .iter()
        .map(|l| summary_step(run_labelled(&report, l), "steps_to_val_acc_95").unwrap_or(steps))
        .fold(f64::INFINITY, f64::min);
    assert!(
        best >= 1.5 * ema95,
        "Grokfast-EMA (median {ema95}) should reach 95% validation at least 1.5× sooner than the \
         best swept weight decay (median {best}, or not within {steps})"
    );

    // Grokfast-MA with the paper's window of 100 steps (weight decay 0.01): measured 2,900 /
    // 3,200 / 3,400, median ×1.6 sooner than the best swept weight decay. (With a window of 50
    // it gained nothing over the baseline: 7,200 against 7,250.)
    let ma95 = summary_step(run_labelled(&report, "grokfast-ma"), "steps_to_val_acc_95")
        .expect("Grokfast-MA's median seed should reach 95% validation within 6,000 steps");
    assert!(
        best >= 1.3 * ma95,
        "Grokfast-MA (median {ma95}) should reach 95% validation at least 1.3× sooner than the \
         best swept weight decay (median {best}, or not within {steps})"
    );

    // What it learned: the number embeddings concentrate on a few waves over the group (the
    // discrete log, for multiplication). Share of their Fourier power in the 5 strongest
    // frequencies, mean over seeds: measured 0.28 at step 0 and 1.0 once a seed has grokked
    // (one seed in three has not by 6,000 steps).
    let fourier = ema.column("fourier_top5");
    let (start, end) = (fourier[0], *fourier.last().expect("evaluated"));
    assert!(
        start < 0.4 && end > 0.6,
        "Grokfast-EMA's embeddings should go from spread ({start:.2}) to a few frequencies ({end:.2})"
    );

    // Against its own weight decay without the filter: measured, that run does not even fit
    // its training set in 10,000 steps (train accuracy 0.07).
    let control = run_labelled(&report, "wd-only-ema");
    let control95 = summary_step(control, "steps_to_val_acc_95");
    assert!(
        control95.is_none_or(|c| c >= 2.0 * ema95),
        "the weight decay alone reached 95% at {control95:?}, the filter at {ema95}"
    );
    let control_train = *control.column("train_acc").last().expect("evaluated");
    assert!(
        control_train < 0.5,
        "weight decay 0.02 alone should not fit the training set: train accuracy {control_train:.3}"
    );
}

#[test]
fn grokking_ci_more_training_data_groks_sooner() {
    // Power et al. (2022), Fig. 1: the fewer equations a network trains on, the longer it takes
    // to generalise, and below some fraction it does not within the budget. The ci setting's
    // Grokfast-EMA runs at training fractions 0.3, 0.5 and 0.7 (nested training sets of one
    // shuffle), three seeds each. Measured over 10,000 steps: 95% validation at 1,050 / 1,200 /
    // 1,200 (0.7), 1,400 / 1,650 / 1,600 (0.5), never at 0.3 (validation 0.75 at 10,000); the
    // baseline at 2,900-3,600 (0.7), 4,050-5,400 (0.5), never at 0.3.
    let mut spec = Experiment::Grokking.preset(Preset::Ci);
    spec.set_all([
        "compare=fractions",
        "fraction_min=0.3",
        "fraction_max=0.7",
        "fractions=3",
        "steps=2500",
    ])
    .expect("valid values");
    // Runs alternate baseline / Grokfast-EMA per fraction: the EMA runs are 1, 3, 5.
    let mut report = train_runs(&spec, &[1, 3, 5]);
    Experiment::Grokking.derive(&mut report);
    let by = run_labelled(&report, "grokfast-ema by fraction");
    let (fractions, steps) = (
        by.column("train_fraction"),
        by.column("steps_to_val_acc_95"),
    );
    println!("grokking ci, Grokfast-EMA: fractions {fractions:?}, median steps to 95% {steps:?}");
    for r in &report.runs {
        println!(
            "  {}: {:?}",
            r.label,
            r.summary.get("steps_to_val_acc_95_each")
        );
    }
    assert_eq!(fractions, [0.3, 0.5, 0.7]);
    for f in ["0.30", "0.50", "0.70"] {
        let run = run_labelled(&report, &format!("grokfast-ema f={f}"));
        let fit = summary_step(run, "steps_to_train_acc_95").expect("every fraction memorises");
        assert!(fit <= 600.0, "f={f} fits its training set early: {fit}");
    }
    assert!(
        steps[0].is_nan(),
        "at 30% of the equations Grokfast-EMA should not generalise within 2,500 steps: {steps:?}"
    );
    assert!(
        steps[2] < steps[1] && steps[1] <= 2000.0,
        "more data should generalise sooner: {steps:?}"
    );
}

#[test]
fn grokking_small_transformer_groks_with_grokfast_ema_and_not_without() {
    // The paper's transformer made small enough for the test tier: x·y mod 23, 60% of the
    // equations for training, d_model 32, 2 heads, 1 layer, batch 128, Adam lr 3e-3; the ci
    // preset's filters and weight decays and its three init/order seeds (medians). Measured
    // over 3,600 steps: every baseline seed fits its training set by step 300-400 and none
    // reaches 95% validation (one seed creeps to 58% by step 4,000); Grokfast-EMA reaches 95%
    // at 2,200 / 1,100 / 1,500 (median 1,500), jumping from ~67% to ~99% within a few hundred
    // steps. The two runs train on a thread each.
    let mut spec = Experiment::Grokking.preset(Preset::Ci);
    spec.set_all([
        "model=transformer",
        "p=23",
        "train_fraction=0.6",
        "d_model=32",
        "heads=2",
        "layers=1",
        "batch=128",
        "lr=0.003",
        "steps=3000",
        "eval_every=100",
    ])
    .expect("valid values");
    let report = train_shares(&spec, &[&[0], &[1]]);
    let (baseline, ema) = (
        run_labelled(&report, "baseline"),
        run_labelled(&report, "grokfast-ema"),
    );
    for r in [baseline, ema] {
        println!(
            "grokking transformer {}: train 95% at {:?}, val 95% at {:?}, final val {:.3}",
            r.label,
            summary_step(r, "steps_to_train_acc_95"),
            summary_step(r, "steps_to_val_acc_95"),
            r.column("val_acc").last().copied().unwrap_or(f64::NAN),
        );
    }
    let train95 = summary_step(baseline, "steps_to_train_acc_95").expect("the baseline memorises");
    assert!(
        train95 <= 600.0,
        "the baseline fits its training set early: {train95}"
    );
    let ema95 = summary_step(ema, "steps_to_val_acc_95")
        .expect("Grokfast-EMA should reach 95% validation within 2,600 steps");
    assert!(
        ema95 * 1.5 <= 2600.0,
        "Grokfast-EMA at {ema95}: at least 1.5× sooner than the 2,600 steps the baseline gets"
    );
    let baseline_val = *baseline.column("val_acc").last().expect("evaluated");
    assert!(
        summary_step(baseline, "steps_to_val_acc_95").is_none() && baseline_val < 0.8,
        "the baseline should not have generalised by step 2,600: validation {baseline_val:.3}"
    );
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

#[test]
fn double_descent_ci_peaks_at_the_interpolation_threshold_and_ridge_removes_it() {
    let spec = Experiment::DoubleDescent.preset(Preset::Ci);
    let outcome = run_in_words(&spec).expect("the ci preset runs");
    let report = &outcome.report;
    assert_eq!(report.axis, "features");
    let run = |label: &str| run_labelled(report, label);
    let (plain, ridge) = (run("min-norm"), run("ridge"));
    let n = summary_f64(plain, "n_train");
    let features = plain.column("features");
    let test = plain.column("test_error");
    let train = plain.column("train_error");
    for ((x, te), tr) in features.iter().zip(&test).zip(&train) {
        println!("double-descent ci: N = {x:>5} test {te:>10.3} train {tr:.2e}");
    }
    let peak_x = summary_f64(plain, "peak_x");
    let peak = summary_f64(plain, "peak_test_error");
    let small = summary_f64(plain, "best_test_error_small");
    let large = summary_f64(plain, "best_test_error_large");
    println!(
        "peak {peak:.2} at N = {peak_x} (n = {n}); best at N <= n/2: {small:.3}; at N >= 4n: \
         {large:.3}; ridge peak {:.3}",
        summary_f64(ridge, "peak_test_error")
    );
    // The peak sits at the interpolation threshold N ~ n...
    assert!(
        (0.7 * n..=1.4 * n).contains(&peak_x),
        "the test error should peak near N = n = {n}, not at {peak_x}"
    );
    // ...and towers over both descents.
    assert!(
        peak >= 1.5 * small && peak >= 1.5 * large,
        "peak {peak:.3} should be 1.5x both the best small model ({small:.3}) and the best \
         large one ({large:.3})"
    );
    // Past the threshold the minimum-norm fit interpolates the noisy labels.
    let interpolates = summary_f64(plain, "interpolation_x");
    assert!(
        interpolates <= 1.4 * n,
        "the fit should interpolate just past N = n, first did at {interpolates}"
    );
    // Ridge lowers the peak.
    let ridge_peak = summary_f64(ridge, "peak_test_error");
    assert!(
        ridge_peak < peak / 10.0,
        "ridge should flatten the peak: {ridge_peak:.3} vs {peak:.3}"
    );
    // Accuracy agrees: classification error is worse at the threshold than on both sides.
    let zero_one = plain.column("test_zero_one");
    let at = |x: f64| {
        features
            .iter()
            .position(|f| *f == x)
            .map(|i| zero_one[i])
            .expect("grid point")
    };
    let last = *zero_one.last().expect("points");
    assert!(
        at(n) > zero_one[0] && at(n) > last,
        "classification error at N = n ({:.3}) should exceed both ends ({:.3}, {last:.3})",
        at(n),
        zero_one[0]
    );
}

#[test]
fn double_descent_sample_wise_more_data_hurts_near_n_equals_d() {
    let mut spec = Experiment::DoubleDescent.preset(Preset::Ci);
    spec.set("mode", "samples").expect("a mode");
    let outcome = run_in_words(&spec).expect("runs");
    let plain = &outcome.report.runs[0];
    assert_eq!(outcome.report.axis, "n_train");
    let d = summary_f64(plain, "dim");
    let n = plain.column("n_train");
    let test = plain.column("test_error");
    for (x, e) in n.iter().zip(&test) {
        println!("double-descent samples: n = {x:>5} test {e:.3}");
    }
    let peak_x = summary_f64(plain, "peak_x");
    assert!(
        (0.8 * d..=1.25 * d).contains(&peak_x),
        "sample-wise peak should be at n = d = {d}, got {peak_x}"
    );
    // More data hurts: some n below d has lower error than n = d.
    let at_d = test[n.iter().position(|x| *x == d).expect("d on the grid")];
    let half = test[n.iter().position(|x| *x >= d / 2.0).expect("n >= d/2")];
    assert!(
        at_d > 2.0 * half,
        "error at n = d ({at_d:.3}) should be far above n = d/2 ({half:.3})"
    );
}

#[test]
fn double_descent_trained_mlps_peak_where_the_training_error_first_reaches_zero() {
    let mut spec = Experiment::DoubleDescent.preset(Preset::Ci);
    spec.set("mode", "width").expect("a mode");
    let outcome = run_in_words(&spec).expect("the ci preset runs");
    let report = &outcome.report;
    assert_eq!(report.axis, "width");
    let mlp = &report.runs[0];
    assert_eq!(mlp.label, "mlp");
    let widths = mlp.column("width");
    let train = mlp.column("train_error");
    let test = mlp.column("test_error");
    for ((w, tr), te) in widths.iter().zip(&train).zip(&test) {
        println!("double-descent width ci: h = {w:>3} train {tr:.3} test {te:.3}");
    }
    println!("({:.1} steps/s)", outcome.steps_per_second);
    let fits = summary_f64(mlp, "interpolation_x");
    let peak_x = summary_f64(mlp, "peak_x");
    let peak = summary_f64(mlp, "peak_test_error");
    let first_min = summary_f64(mlp, "first_min_test_error");
    let last = summary_f64(mlp, "final_test_error");
    println!(
        "first minimum {first_min:.3} at h = {}, peak {peak:.3} at h = {peak_x}, training error \
         first ~0 at h = {fits}, widest {last:.3}",
        summary_f64(mlp, "first_min_x")
    );
    // The narrowest widths cannot fit the noisy labels; the widest fit all of them.
    assert!(train[0] > 0.3 && *train.last().expect("widths") < 0.01);
    // The peak is at the width that first fits the training set (one grid step either way)...
    assert!(
        peak_x >= fits / 1.5 && peak_x <= fits * 1.5,
        "the test error should peak where the training error reaches ~0 (h = {fits}), not at \
         h = {peak_x}"
    );
    // ...and rises above the first minimum, then falls again for wider networks.
    assert!(
        peak >= first_min + 0.02 && peak >= last + 0.02,
        "peak {peak:.3} should stand 2 points above the first minimum {first_min:.3} and the \
         widest width's {last:.3}"
    );
    // The published points ride along for the charts.
    let paper = report
        .runs
        .iter()
        .find(|r| r.label == "paper")
        .expect("paper overlay");
    assert_eq!(paper.column("test_error"), vec![0.472, 0.541, 0.455]);
}

#[test]
fn double_descent_epochs_a_network_memorising_noisy_labels_gets_worse_on_test_data() {
    let mut spec = Experiment::DoubleDescent.preset(Preset::Ci);
    spec.set("mode", "epochs").expect("a mode");
    let outcome = run_in_words(&spec).expect("runs");
    assert_eq!(outcome.report.axis, "epoch");
    let mlp = &outcome.report.runs[0];
    let best = summary_f64(mlp, "first_min_test_error");
    let best_at = summary_f64(mlp, "first_min_x");
    let fits_at = summary_f64(mlp, "interpolation_x");
    let last = summary_f64(mlp, "final_test_error");
    println!(
        "double-descent epochs ci: best test error {best:.3} at epoch {best_at}; training error \
         <= 1% from epoch {fits_at}; final test error {last:.3}"
    );
    // The best test error comes early, long before the noisy labels are fitted...
    assert!(
        best_at * 2.0 <= fits_at,
        "the test error should bottom out (epoch {best_at}) well before the training set is fit \
         (epoch {fits_at})"
    );
    // ...and memorising them costs test accuracy.
    assert!(
        last >= best + 0.03,
        "memorising the noisy labels should raise the test error: {best:.3} -> {last:.3}"
    );
}

#[test]
fn double_descent_two_scale_test_error_falls_rises_and_falls_again_over_training() {
    let mut spec = Experiment::DoubleDescent.preset(Preset::Ci);
    spec.set("mode", "two-scale").expect("a mode");
    let outcome = run_in_words(&spec).expect("runs");
    assert_eq!(outcome.report.axis, "epoch");
    let run = &outcome.report.runs[0];
    let epochs = run.column("epoch");
    let test = run.column("test_error");
    let (fast, slow) = (run.column("test_error_fast"), run.column("test_error_slow"));
    for i in (0..epochs.len()).step_by(12) {
        println!(
            "two-scale ci: epoch {:>6} test {:.3} (fast {:.3}, slow {:.3}) train {:.3}",
            epochs[i],
            test[i],
            fast[i],
            slow[i],
            run.column("train_error")[i]
        );
    }
    let (start, first, peak, second, last) = (
        test[0],
        summary_f64(run, "first_min_test_error"),
        summary_f64(run, "peak_test_error"),
        summary_f64(run, "second_min_test_error"),
        summary_f64(run, "final_test_error"),
    );
    let (first_at, peak_at, second_at) = (
        summary_f64(run, "first_min_x"),
        summary_f64(run, "peak_x"),
        summary_f64(run, "second_min_x"),
    );
    println!(
        "two-scale ci: {start:.3} -> {first:.3} (epoch {first_at}) -> {peak:.3} (epoch {peak_at}) \
         -> {second:.3} (epoch {second_at}); final {last:.3} ({:.0} epochs/s)",
        outcome.steps_per_second
    );
    // Down, up, down: each move large, in that order.
    assert!(
        first <= 0.8 * start,
        "first descent: {start:.3} -> {first:.3}"
    );
    assert!(peak >= 1.25 * first, "rise: {first:.3} -> {peak:.3}");
    assert!(
        second <= 0.3 * peak,
        "second descent: {peak:.3} -> {second:.3}"
    );
    assert!(first_at < peak_at && peak_at < second_at);
    // The second descent ends lower than the first: stopping early would have been worse.
    assert!(last < first, "final {last:.3} vs first minimum {first:.3}");
    // The mechanism: the fast features' error bottoms out and climbs back before the slow
    // features' error has fallen by half.
    let i_peak = epochs
        .iter()
        .position(|e| *e == peak_at)
        .expect("peak epoch");
    assert!(
        fast[i_peak] > 1.5 * fast.iter().cloned().fold(f64::INFINITY, f64::min),
        "at the peak the fast features overfit"
    );
    assert!(
        slow[i_peak] > 0.5 * slow[0],
        "at the peak the slow features are still mostly unlearned: {:.3} of {:.3}",
        slow[i_peak],
        slow[0]
    );
    assert!(
        *slow.last().expect("evaluated") < 0.2 * slow[0],
        "in the end the slow features are learned"
    );
}

#[test]
fn benign_xor_network_fits_every_flipped_label_at_once_and_generalises_later() {
    let spec = Experiment::BenignOverfitting.preset(Preset::Ci);
    let outcome = run_in_words(&spec).expect("the ci preset runs");
    let run = run_labelled(&outcome.report, "relu-net");
    let steps = run.column("step");
    let (train, flipped, clean) = (
        run.column("train_acc"),
        run.column("train_acc_flipped"),
        run.column("test_acc_clean"),
    );
    for i in (0..steps.len()).filter(|i| *i < 6 || i % 10 == 0) {
        println!(
            "benign xor ci: step {:>5} train {:.3} flipped {:.3} test (clean) {:.3}",
            steps[i], train[i], flipped[i], clean[i]
        );
    }
    let flips = summary_f64(run, "flipped");
    assert!(
        flips >= 10.0,
        "the ci set should hold flipped labels, has {flips}"
    );
    // After one step: (nearly) every label fitted, flipped ones included, test at chance.
    let train1 = summary_f64(run, "train_acc_step1");
    let test1 = summary_f64(run, "test_acc_clean_step1");
    assert!(
        train1 >= 0.9,
        "step 1 should fit most labels, got {train1:.3}"
    );
    assert!(
        test1 <= 0.6,
        "step 1 should be near chance on test points, got {test1:.3}"
    );
    let fit_all = summary_f64(run, "steps_to_fit_all");
    assert!(
        fit_all <= 5.0,
        "every label should be fitted within 5 steps, took {fit_all}"
    );
    // At the end: every training label, each flip included, still fitted, and the clean test
    // accuracy near optimal.
    assert_eq!(summary_f64(run, "train_acc"), 1.0);
    assert_eq!(summary_f64(run, "train_acc_flipped"), 1.0);
    let test = summary_f64(run, "test_acc_clean");
    assert!(
        test >= 0.9,
        "clean test accuracy {test:.3} should be at least 0.9"
    );
    // While the labels stayed fitted the whole way, the test accuracy rose by 30+ points.
    let fitted_from = steps
        .iter()
        .position(|s| *s >= fit_all)
        .expect("fit step recorded");
    assert!(
        train[fitted_from..].iter().all(|a| *a == 1.0),
        "stays fitted"
    );
    assert!(test - test1 >= 0.3, "{test1:.3} -> {test:.3}");
    assert_eq!(run.summary["verdict"], "benign", "{:?}", run.summary["why"]);
    let noisy = summary_f64(run, "test_acc_noisy");
    let optimal = summary_f64(run, "optimal_test_acc_noisy");
    assert!(
        noisy >= optimal - 0.06,
        "noisy-label test accuracy {noisy:.3} vs the optimum {optimal:.3}"
    );
}

#[test]
fn benign_linear_interpolation_is_benign_for_a_spiked_spectrum_and_catastrophic_when_p_is_near_n() {
    let mut spec = Experiment::BenignOverfitting.preset(Preset::Ci);
    spec.set("mode", "linear").expect("a mode");
    let outcome = run_in_words(&spec).expect("runs");
    let report = &outcome.report;
    assert_eq!(report.axis, "noise");
    let (spiked, iso) = (
        run_labelled(report, "spiked"),
        run_labelled(report, "isotropic"),
    );
    let noise_var = summary_f64(spiked, "noise_var");
    for run in [spiked, iso] {
        println!(
            "benign linear ci: {} train MSE {:.2e} test MSE {:.3} ({:.2}x σ²) r0/n {:.3} n/R_k {:.3}: {}",
            run.label,
            summary_f64(run, "train_mse"),
            summary_f64(run, "test_mse"),
            summary_f64(run, "test_over_noise"),
            summary_f64(run, "r0_over_n"),
            summary_f64(run, "n_over_R_k"),
            run.summary["verdict"]
        );
        let train = summary_f64(run, "train_mse");
        assert!(
            train < 1e-12 * noise_var,
            "{} interpolates: {train:e}",
            run.label
        );
    }
    let benign = summary_f64(spiked, "test_mse");
    assert!(
        benign <= 1.5 * noise_var,
        "spiked test MSE {benign:.3} should be within 1.5x the noise {noise_var}"
    );
    let bad = summary_f64(iso, "test_mse");
    assert!(
        bad >= 5.0 * noise_var,
        "isotropic p ≈ n test MSE {bad:.3} should be at least 5x the noise {noise_var}"
    );
    assert_eq!(spiked.summary["verdict"], "benign");
    assert_eq!(iso.summary["verdict"], "catastrophic");
    // The isotropic case agrees with its exact expectation (three designs: within 30%).
    let theory = summary_f64(iso, "theory_test_mse");
    assert!(
        (bad / theory - 1.0).abs() < 0.3,
        "{bad:.2} vs theory {theory:.2}"
    );
    // The spiked case's conditions: r0/n, k*/n and n/R_k* all small.
    assert!(summary_f64(spiked, "r0_over_n") < 0.2);
    assert!(summary_f64(spiked, "n_over_R_k") < 0.05);
    assert!(summary_f64(iso, "n_over_R_k") > 0.9);
}

#[test]
fn benign_plane_a_wide_mlp_fits_every_flipped_point_and_keeps_the_clean_boundary() {
    let mut spec = Experiment::BenignOverfitting.preset(Preset::Ci);
    spec.set("mode", "plane").expect("a mode");
    let outcome = run_in_words(&spec).expect("runs");
    let run = run_labelled(&outcome.report, "wide-mlp");
    let (train, flipped, test) = (
        summary_f64(run, "train_acc"),
        summary_f64(run, "train_acc_flipped"),
        summary_f64(run, "test_acc_clean"),
    );
    println!("benign plane ci: train {train:.3} flipped {flipped:.3} test (clean) {test:.3}");
    assert_eq!(train, 1.0, "the wide MLP interpolates");
    assert_eq!(flipped, 1.0, "every flipped point is fitted");
    assert!(
        test >= 0.8,
        "clean test accuracy {test:.3} should stay at least 0.8"
    );
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

#[test]
fn dropout_ci_raises_test_accuracy_beyond_the_seed_spread_and_survives_unit_removal() {
    let spec = Experiment::Dropout.preset(Preset::Ci);
    let outcome = run_in_words(&spec).expect("runs");
    let report = &outcome.report;
    let plain = run_labelled(report, "no-dropout");
    let drop = run_labelled(report, "dropout-0.5");
    let (p, d, gain, gain_sd) = seed_stats(plain, drop);
    let train = summary_f64(plain, "train_acc");
    println!(
        "dropout ci: no dropout test {p:.4} (train {train:.3}), dropout {d:.4}: gain {gain:.4} \
         ± {gain_sd:.4} over seeds, each with its own split ({:.1} steps/s)",
        outcome.steps_per_second
    );
    assert!(
        train >= 0.99 && train - p > 0.03,
        "the plain MLP should overfit: train {train:.3}, test {p:.3}"
    );
    assert!(
        gain > 2.0 * gain_sd,
        "dropout's gain {gain:.4} should exceed twice the spread of the per-seed gains \
         {gain_sd:.4}"
    );
    // Dropout stability: removing half the hidden units (rescaling the rest) costs the
    // dropout-trained networks much less test loss, at every width.
    let plain_w = run_labelled(report, "no-dropout by width");
    let drop_w = run_labelled(report, "dropout-0.5 by width");
    let widths = plain_w.column("width");
    let (inc_plain, inc_drop) = (
        plain_w.column("loss_increase"),
        drop_w.column("loss_increase"),
    );
    println!(
        "widths {widths:?}: loss increase {inc_plain:.3?} without, {inc_drop:.3?} with dropout"
    );
    assert!(widths.len() >= 3);
    for i in 0..widths.len() {
        assert!(
            inc_drop[i] < 0.5 * inc_plain[i],
            "width {}: {:.3} with dropout vs {:.3} without",
            widths[i],
            inc_drop[i],
            inc_plain[i]
        );
    }
    // ...and less the wider the dropout-trained network.
    assert!(
        inc_drop.last() < inc_drop.first(),
        "the loss change should shrink with width: {inc_drop:?}"
    );
}

#[test]
fn augmentation_ci_helps_the_smallest_training_set_and_too_much_hurts() {
    let spec = Experiment::Augmentation.preset(Preset::Ci);
    let outcome = run_in_words(&spec).expect("runs");
    let report = &outcome.report;
    let small = spec.to_json()["n_small"].as_u64().expect("a size");
    let plain = run_labelled(report, &format!("no-aug n={small}"));
    let aug = run_labelled(report, &format!("aug-all n={small}"));
    let (p, a, gain, gain_sd) = seed_stats(plain, aug);
    println!(
        "augmentation ci, {small} digits: none {p:.4}, augmented {a:.4}: gain {gain:.4} ± \
         {gain_sd:.4} over seeds, each with its own split ({:.1} steps/s)",
        outcome.steps_per_second
    );
    assert!(
        gain > 2.0 * gain_sd,
        "augmentation's gain {gain:.4} should exceed twice the spread of the per-seed gains \
         {gain_sd:.4}"
    );
    let sweep = run_labelled(report, &format!("by strength n={small}"));
    let strengths = sweep.column("strength");
    let accs = sweep.column("test_acc");
    println!("strength {strengths:?}: test accuracy {accs:.3?}");
    assert_eq!(strengths[0], 0.0);
    let best = accs.iter().copied().fold(f64::MIN, f64::max);
    let strongest = *accs.last().expect("a sweep");
    assert!(best > accs[0], "some strength should help: {accs:?}");
    // The strength chosen on validation examples (the test digits play no part) helps on
    // the test digits.
    let vals = sweep.column("val_acc");
    let chosen = summary_f64(sweep, "best_strength");
    let at_chosen = summary_f64(sweep, "test_acc_at_best");
    println!("validation accuracy {vals:.3?}: strength {chosen} chosen, test {at_chosen:.3}");
    assert!(
        chosen > 0.0 && at_chosen > accs[0],
        "the validated strength {chosen} should help: test {at_chosen:.3} vs {:.3} without",
        accs[0]
    );
    assert!(
        strongest < accs[0] - 0.05,
        "the strongest augmentation should hurt: {strongest:.3} vs {:.3} without",
        accs[0]
    );
}
