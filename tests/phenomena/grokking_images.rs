//! Grokking on images (Omnigrok): a large start fits its training digits early and
//! generalises late, as weight decay brings its weight norm down; the usual start generalises
//! at once, and without weight decay the large start does not generalise.

use super::*;

#[test]
fn a_large_start_groks_the_digits_once_weight_decay_shrinks_it() {
    let spec = Experiment::GrokkingImages.preset(Preset::Ci);
    let report = run_in_words(&spec).expect("trains").report;
    for run in &report.runs {
        println!("{}: {:?}", run.label, run.summary.get("why"));
    }
    let large = run_labelled(&report, "α 8");
    let usual = run_labelled(&report, "α 1 (control)");
    let no_decay = run_labelled(&report, "α 8 without weight decay");
    // The large start memorises first: 95% of its training digits while its test accuracy is
    // still below 60%...
    let memorised = summary_f64(large, "steps_to_train_acc_95");
    let test_then = value_at(large, "test_acc", memorised);
    assert!(
        test_then < 0.6,
        "test accuracy {test_then} when it memorised"
    );
    // ...and generalises (85% test) at least 500 steps later, its weight norm down by a third.
    let generalised = summary_f64(large, "steps_to_test_acc_85");
    assert!(
        generalised >= memorised + 500.0,
        "memorised at {memorised}, generalised at {generalised}"
    );
    let norms = large.column("weight_norm");
    assert!(norms[norms.len() - 1] < 0.67 * norms[0], "{norms:?}");
    // The usual start has no wait: 85% within 100 steps.
    let at_once = summary_f64(usual, "steps_to_test_acc_85");
    assert!(at_once <= 100.0, "α = 1 generalised at {at_once}");
    // Without weight decay the large start keeps its norm and does not generalise: the
    // mechanism switched off.
    let kept = no_decay.column("weight_norm");
    assert!(kept[kept.len() - 1] > 0.95 * kept[0], "{kept:?}");
    let final_test = summary_f64(no_decay, "final_test_acc");
    assert!(final_test < 0.5, "without weight decay: test {final_test}");
    assert!(!no_decay.summary.contains_key("steps_to_test_acc_85"));
}
