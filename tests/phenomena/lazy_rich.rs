//! Lazy to rich: without weight decay, a network whose output is scaled up by α sits at its
//! initial kernel's test loss for longer the larger α, then leaves it as its features move;
//! the linearised network never leaves it (Kumar et al. 2024).

use super::*;

#[test]
fn a_larger_output_scale_stays_lazy_longer_and_the_linearised_network_never_leaves() {
    let spec = Experiment::LazyToRich.preset(Preset::Ci);
    let report = run_in_words(&spec).expect("trains").report;
    for run in &report.runs {
        println!("{}: {:?}", run.label, run.summary.get("why"));
    }
    let level = summary_f64(run_labelled(&report, "α 0.125"), "kernel_test_loss");
    // The smallest α leaves the kernel early, the largest later (or not within the run).
    let small = summary_f64(run_labelled(&report, "α 0.125"), "rich_at");
    let large = run_labelled(&report, "α 8");
    let later = large
        .summary
        .get("rich_at")
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(f64::INFINITY);
    assert!(later > 4.0 * small, "α 0.125 at {small}, α 8 at {later}");
    // While lazy, the large α's weights barely move; the small α's move far.
    let moved = |label: &str| summary_f64(run_labelled(&report, label), "final_weight_change");
    assert!(moved("α 0.125") > 5.0 * moved("α 8"));
    // The control: the linearised network ends at or above the kernel's level, never below
    // half of it.
    let linear = summary_f64(
        run_labelled(&report, "linearised network"),
        "final_test_loss",
    );
    assert!(
        linear > 0.5 * level,
        "linearised {linear} against the kernel's {level}"
    );
    // The kernel turns towards the target as the small α leaves the kernel.
    let alignment = run_labelled(&report, "α 0.125").column("alignment");
    assert!(
        alignment[alignment.len() - 1] > 1.5 * alignment[0],
        "{alignment:?}"
    );
}
