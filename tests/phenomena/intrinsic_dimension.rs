//! Intrinsic dimension: trained only inside random subspaces, the network reaches 90% of its
//! direct accuracy at a d that stays put while the network grows (Li et al. 2018).

use super::*;

#[test]
fn d_int90_stays_put_while_the_network_grows_sevenfold() {
    // Widths 32, 64 and 128 side by side, on the same minibatches.
    let mut spec = Experiment::IntrinsicDimension.preset(Preset::Ci);
    spec.set_all(["compare=widths", "width=64"]).expect("valid");
    let report = run_in_words(&spec).expect("trains").report;
    let mut found = Vec::new();
    for width in [32, 64, 128] {
        let subspace = run_labelled(&report, &format!("width {width} subspace"));
        let direct = summary_f64(
            run_labelled(&report, &format!("width {width} direct")),
            "final_test_acc",
        );
        let parameters = summary_f64(subspace, "parameters");
        let accuracy = subspace.column("test_acc");
        let d = summary_f64(subspace, "d_int90");
        println!(
            "width {width}: {parameters} parameters, direct {direct:.3}, d_int90 {d}, \
             accuracy by d {accuracy:.3?}"
        );
        // The network learns the digits when it trains directly.
        assert!(direct > 0.93, "width {width}: direct {direct}");
        // The restriction is real: the smallest subspace falls far short of the direct
        // network (with the projection switched off every member would be the direct one)...
        assert!(accuracy[0] < 0.6 * direct, "width {width}: {accuracy:?}");
        // ...and the largest comes within 3 points of it.
        let last = accuracy[accuracy.len() - 1];
        assert!(
            last > direct - 0.03,
            "width {width}: {last} against {direct}"
        );
        // d_int90 is a small share of the parameters.
        assert!(
            d < 0.1 * parameters,
            "width {width}: d_int90 {d} of {parameters}"
        );
        found.push((parameters, d));
    }
    // The parameters grow more than sevenfold from width 32 to 128; d_int90 stays within a
    // factor of 2.
    let growth = found[2].0 / found[0].0;
    assert!(growth > 7.0, "{growth}");
    let ds: Vec<f64> = found.iter().map(|f| f.1).collect();
    let spread =
        ds.iter().copied().fold(0.0, f64::max) / ds.iter().copied().fold(f64::MAX, f64::min);
    assert!(spread < 2.0, "d_int90 by width {ds:?}");
    // The page and the CLI say so in a sentence.
    let note = Experiment::IntrinsicDimension.notes(&report);
    assert_eq!(note.len(), 1, "{note:?}");
    assert!(
        note[0].starts_with("From width 32 to 128 the parameters grow 7.5×"),
        "{note:?}"
    );
}

#[test]
fn a_width_trains_the_same_alone_and_beside_others() {
    let mut alone = Experiment::IntrinsicDimension.preset(Preset::Ci);
    alone
        .set_all([
            "width=16",
            "d_max=400",
            "dims=4",
            "steps=40",
            "eval_every=20",
        ])
        .expect("valid");
    let mut beside = alone.clone();
    beside.set("compare", "widths").expect("a choice");
    let alone = run_in_words(&alone).expect("trains").report;
    let beside = run_in_words(&beside).expect("trains").report;
    for (one, other) in [
        ("subspace", "width 16 subspace"),
        ("direct", "width 16 direct"),
    ] {
        assert_eq!(
            run_labelled(&alone, one).series,
            run_labelled(&beside, other).series,
            "{one}"
        );
    }
}
