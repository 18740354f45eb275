//! Dropout and augmentation against their controls, beyond the spread between seeds.

use super::*;

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
    let mut spec = Experiment::Augmentation.preset(Preset::Ci);
    // Half the preset's 2,000 steps, in a third of the time: the gain and the harm are as
    // clear (`overfit run augmentation --preset ci`, 100 digits: +4.2 ± 1.5 points at 2,000
    // steps, +3.5 ± 0.4 at 1,000; strength 4 at 27% and 20% against 87% without).
    spec.set("steps", "1000").expect("steps");
    let outcome = run_in_words(&spec).expect("runs");
    let report = &outcome.report;
    let small = spec.to_json()["n_small"].as_u64().expect("a size");
    let plain = run_labelled(report, &format!("no-aug n={small}"));
    let aug = run_labelled(report, &format!("aug-all n={small}"));
    let (p, a, gain, gain_sd) = seed_stats(plain, aug);
    println!(
        "augmentation ci, {} steps, {small} digits: none {p:.4}, augmented {a:.4}: gain \
         {gain:.4} ± {gain_sd:.4} over seeds, each with its own split ({:.1} steps/s)",
        spec.to_json()["steps"],
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
