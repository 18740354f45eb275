//! Double descent: model-wise, sample-wise, trained widths, and epoch-wise.

use super::*;

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
