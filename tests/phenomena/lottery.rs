//! Lottery tickets: iterative magnitude pruning finds sparse subnetworks that, reset to their
//! start, train far better than a random mask of the same size per layer (Frankle & Carbin
//! 2019).

use super::*;

#[test]
fn a_pruned_ticket_reset_to_its_start_beats_a_random_mask_beyond_the_seeds_spread() {
    let spec = Experiment::LotteryTickets.preset(Preset::Ci);
    let report = run_in_words(&spec).expect("trains").report;
    for run in &report.runs {
        println!("{}: {:?}", run.label, run.summary.get("why"));
    }
    let ticket = run_labelled(&report, "ticket");
    let random = run_labelled(&report, "random mask (control)");
    let sparsity = ticket.column("sparsity");
    assert!(sparsity[sparsity.len() - 1] > 0.9, "{sparsity:?}");
    let (t, r) = (ticket.column("test_acc"), random.column("test_acc"));
    let (t_sd, r_sd) = (ticket.column("test_acc_sd"), random.column("test_acc_sd"));
    let last = t.len() - 1;
    // At the end: more than five points and three times both spreads apart.
    let gap = t[last] - r[last];
    assert!(
        gap > 0.05 && gap > 3.0 * (t_sd[last] + r_sd[last]),
        "ticket {t:?} ± {t_sd:?}, random {r:?} ± {r_sd:?}"
    );
    // From half the weights pruned on, the ticket is ahead at every round.
    for i in 0..t.len() {
        if sparsity[i] >= 0.5 {
            assert!(t[i] > r[i], "at {}: {} against {}", sparsity[i], t[i], r[i]);
        }
    }
    // With half its weights gone the ticket still matches the dense network (within 3 points).
    let dense = t[0];
    let half = sparsity
        .iter()
        .position(|&s| s >= 0.45)
        .expect("half pruned");
    assert!(
        t[half] > dense - 0.03,
        "dense {dense}, at {}: {}",
        sparsity[half],
        t[half]
    );
    assert_eq!(
        ticket.summary["verdict"]
            .as_str()
            .map(|v| v.starts_with("beats the random mask")),
        Some(true)
    );
}
