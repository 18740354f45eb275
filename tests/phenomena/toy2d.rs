//! toy2d: the MLP learns its point sets, and label noise opens a generalization gap.

use super::*;

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
