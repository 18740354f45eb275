//! Forgetting against task similarity: highly overparameterised, the minimum-norm solutions of
//! two linear tasks forget the first most at an intermediate share of rotated features; near
//! the interpolation threshold forgetting only grows (Goldfarb et al. 2024).

use super::*;

#[test]
fn much_room_forgets_most_at_intermediate_similarity_and_little_room_only_more() {
    let spec = Experiment::Forgetting.preset(Preset::Ci);
    let report = run_in_words(&spec).expect("solves").report;
    for run in &report.runs {
        println!("{}: {:?}", run.label, run.column("forgetting_median"));
    }
    let high = run_labelled(&report, "β 0.95");
    let low = run_labelled(&report, "β 0.1");
    // The hump: a peak away from both ends, and at least a fifth lower with every feature
    // rotated.
    let median = high.column("forgetting_median");
    let (peak_at, peak) =
        median.iter().copied().enumerate().fold(
            (0, 0.0),
            |best, (i, v)| if v > best.1 { (i, v) } else { best },
        );
    assert!(
        peak_at > 1 && peak_at < median.len() - 2,
        "β 0.95 peaks at level {peak_at}: {median:?}"
    );
    assert!(median[median.len() - 1] < 0.8 * peak, "{median:?}");
    assert_eq!(
        high.summary["verdict"].as_str(),
        Some("worst at intermediate similarity")
    );
    // The control, near the threshold: never falls, and ends far above the hump.
    let median = low.column("forgetting_median");
    assert!(
        median.windows(2).all(|w| w[1] >= w[0]),
        "β 0.1 falls somewhere: {median:?}"
    );
    assert!(median[median.len() - 1] > 10.0 * peak);
    assert_eq!(
        low.summary["verdict"].as_str(),
        Some("grows as the tasks part")
    );
}

#[test]
fn mlps_forget_a_first_mnist1d_task_more_the_more_of_the_second_is_permuted() {
    let mut spec = Experiment::Forgetting.preset(Preset::Ci);
    spec.set("mode", "mlp").expect("a mode");
    spec.set("levels", "3").expect("levels");
    let report = run_in_words(&spec).expect("trains").report;
    for run in &report.runs {
        println!("{}: {:?}", run.label, run.column("accuracy_lost"));
    }
    for run in &report.runs {
        let lost = run.column("accuracy_lost");
        // The control: the same task again costs (almost) nothing.
        assert!(lost[0].abs() < 0.03, "{}: {lost:?}", run.label);
        // Every position permuted: a new task, and task 1's accuracy goes with it.
        assert!(lost[2] > lost[0] + 0.04, "{}: {lost:?}", run.label);
    }
}
