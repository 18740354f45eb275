//! Scaling laws: in the solvable model the loss falls as N^−α and T^−α, a flat spectrum gives
//! no power law, and without ridge the loss peaks at N = T (Maloney, Roberts & Sully 2022);
//! trained MLPs' lowest loss for a compute falls as a power of it, wider networks taking over
//! as the budget grows (Kaplan et al. 2020).

use super::*;

fn exponent(report: &Report, label: &str) -> f64 {
    summary_f64(run_labelled(report, label), "fitted_exponent")
}

#[test]
fn the_solvable_model_falls_as_its_spectrum_says_and_a_flat_one_does_not() {
    let spec = Experiment::ScalingLaws.preset(Preset::Ci);
    let report = run_in_words(&spec).expect("solves").report;
    for run in &report.runs {
        println!("{}: {:?}", run.label, run.summary.get("why"));
    }
    for label in ["features, data unlimited", "samples, features unlimited"] {
        let fitted = exponent(&report, label);
        let equivalent = summary_f64(run_labelled(&report, label), "equivalent_exponent");
        assert!((fitted - 1.0).abs() < 0.15, "{label}: {fitted}");
        assert!(
            (fitted - equivalent).abs() < 0.1,
            "{label}: {fitted} vs {equivalent}"
        );
    }
    // The control: equally strong directions, no power law.
    assert!(exponent(&report, "flat spectrum (control)") < 0.15);
    // The peak at N = T without ridge, and none with it.
    let peak = |label: &str| summary_f64(run_labelled(&report, label), "peak_ratio");
    assert!(peak("features at T = 100, no ridge") > 5.0);
    assert!(peak("features at T = 100, ridge 0.1") < 2.0);
}

#[test]
fn trained_widths_fall_along_a_compute_envelope_the_widest_ending_lowest() {
    let mut spec = Experiment::ScalingLaws.preset(Preset::Ci);
    spec.set("mode", "measured").expect("a mode");
    let report = run_in_words(&spec).expect("trains").report;
    let envelope = run_labelled(&report, "lower envelope");
    println!("{:?}", envelope.summary.get("why"));
    assert!(summary_f64(envelope, "fitted_exponent") > 0.05);
    // The best width grows with the budget: the narrowest leads early, the widest at the end.
    let best = envelope.column("optimal_width");
    assert_eq!(best[0], 4.0, "{best:?}");
    assert_eq!(best[best.len() - 1], 64.0, "{best:?}");
    assert!(summary_f64(envelope, "optimal_size_exponent") > 0.0);
    // At the end, loss falls with width.
    let last: Vec<f64> = [4, 10, 25, 64]
        .iter()
        .map(|w| {
            summary_f64(
                run_labelled(&report, &format!("width {w}")),
                "final_test_loss",
            )
        })
        .collect();
    assert!(last.windows(2).all(|w| w[1] < w[0]), "{last:?}");
}
