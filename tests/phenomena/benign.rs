//! Benign overfitting: XOR clusters, the linear interpolator, the plane.

use super::*;

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
