//! Corrupted labels: with weight decay the network fits the wrong answers, then un-memorises
//! them while it generalises; without, it keeps them (Doshi et al. 2024). Its periodic units
//! compute the rule: pruning the least periodic first removes wrong answers and keeps the test,
//! pruning the most periodic first loses the test.

use super::*;

#[test]
fn weight_decay_un_memorises_the_wrong_answers_and_periodic_units_hold_the_rule() {
    // Weight decay 0, 4, 12 and 16 from one initialisation, on one split with 30% of the
    // training answers random.
    let spec = Experiment::CorruptedLabels.preset(Preset::Ci);
    let report = run_in_words(&spec).expect("trains").report;
    let corrupted = |label: &str| run_labelled(&report, label).column("train_acc_corrupted");
    let test = |label: &str| summary_f64(run_labelled(&report, label), "final_test_acc");
    for run in &report.runs {
        println!("{}: {:?}", run.label, run.summary.get("why"));
    }
    // Inversion: weight decay 12 fitted the wrong answers (90% or more given back), then gave
    // nearly all of them up, and gets the test right.
    let inverted = corrupted("wd 12");
    let peak = inverted.iter().copied().fold(0.0, f64::max);
    let end = *inverted.last().expect("evaluated");
    assert!(peak > 0.9, "wd 12 never fitted the wrong answers: {peak}");
    assert!(end < 0.15, "wd 12 kept {end} of the wrong answers");
    assert!(test("wd 12") > 0.95, "wd 12 test {}", test("wd 12"));
    let phase = |label: &str| {
        run_labelled(&report, label).summary["phase"]
            .as_str()
            .expect("a phase")
            .to_string()
    };
    assert_eq!(phase("wd 12"), "full inversion");
    // The control, weight decay switched off: it keeps every wrong answer.
    let kept = *corrupted("wd 0").last().expect("evaluated");
    assert!(kept > 0.95, "wd 0 gave up wrong answers: {kept}");
    // Between them, weight decay 4 generalises and keeps most wrong answers: coexistence.
    assert!(test("wd 4") > 0.9, "wd 4 test {}", test("wd 4"));
    assert!(*corrupted("wd 4").last().expect("evaluated") > 0.8);

    // Pruning the run that generalised with the least weight decay (wd 4): least periodic
    // first lowers the wrong answers with the test held; most periodic first loses the test.
    let least = run_labelled(&report, "least periodic units pruned first");
    let most = run_labelled(&report, "most periodic units pruned first (control)");
    assert_eq!(least.summary["pruned_run"], "wd 4");
    let (pruned, l_test, l_wrong) = (
        least.column("pruned"),
        least.column("test_acc"),
        least.column("train_acc_corrupted"),
    );
    let m_test = most.column("test_acc");
    println!(
        "pruned {pruned:?}\n least: test {l_test:.3?} wrong {l_wrong:.3?}\n most: test {m_test:.3?}"
    );
    let at = |share: f64| {
        pruned
            .iter()
            .position(|p| (p - share).abs() < 1e-9)
            .expect("on the grid")
    };
    let i = at(0.3);
    assert!(
        l_test[i] > 0.9,
        "least periodic 30% pruned: test {}",
        l_test[i]
    );
    assert!(
        l_wrong[i] < l_wrong[0] - 0.3,
        "least periodic 30% pruned: wrong answers {} from {}",
        l_wrong[i],
        l_wrong[0]
    );
    assert!(
        m_test[i] < 0.5,
        "most periodic 30% pruned: test {}",
        m_test[i]
    );
}
