use super::*;
use crate::experiments::lottery::session::report::at_sparsity;
use crate::spec::Preset;
use crate::train::run_to_end;

#[test]
fn pruned_weights_stay_zero_and_the_arms_keep_their_masks() {
    let mut spec = LotterySpec::preset(Preset::Ci);
    spec.n_train = 200;
    spec.n_test = 100;
    spec.width = 16;
    spec.batch = 20;
    spec.steps = 12;
    spec.rewind_step = 3;
    spec.rounds = 3;
    let mut session = LotterySession::new(spec.clone(), &Device::flex());
    run_to_end(&mut session).expect("trains");
    assert_eq!(session.rounds.len(), 3);
    // Sparsity grows by the rates: 30% of the hidden layers, 15% of the output a round.
    let s: Vec<f64> = session.rounds.iter().map(|r| r.sparsity).collect();
    assert_eq!(s[0], 0.0);
    assert!(s[1] > 0.25 && s[2] > s[1] && s[2] < 0.55, "{s:?}");
    // Every pruned weight is exactly zero after the last round's training.
    let weights: Vec<Vec<f32>> = session
        .net
        .weights
        .iter()
        .map(|p| p.val().into_data().iter::<f32>().collect())
        .collect();
    for (w, m) in weights.iter().zip(&session.host_masks) {
        assert!(w.iter().zip(m).all(|(w, &k)| k || *w == 0.0));
        assert!(w.iter().zip(m).any(|(w, &k)| k && *w != 0.0));
    }
    // The ticket's mask and the new weights' mask agree; the random mask differs.
    let size = D_IN * spec.width;
    let arm = |seed: usize, arm: Arm| {
        let m = seed * Arm::ALL.len() + arm as usize;
        &session.host_masks[0][m * size..(m + 1) * size]
    };
    assert_eq!(arm(0, Arm::Ticket), arm(0, Arm::NewWeights));
    assert_ne!(arm(0, Arm::Ticket), arm(0, Arm::RandomMask));
    assert_eq!(kept(arm(0, Arm::Ticket)), kept(arm(0, Arm::RandomMask)));
    let report = session.report();
    assert_eq!(report.runs.len(), 4);
    assert_eq!(report.runs[0].column("sparsity"), s);
}

#[test]
fn values_are_read_between_sparsities() {
    let at = [0.0, 0.5, 0.75];
    assert_eq!(at_sparsity(&at, &[0.6, 0.7, 0.5], 0.5), Some(0.7));
    assert!((at_sparsity(&at, &[0.6, 0.7, 0.5], 0.625).expect("reached") - 0.6).abs() < 1e-12);
    assert_eq!(at_sparsity(&at, &[0.6, 0.7, 0.5], 0.92), None);
}
