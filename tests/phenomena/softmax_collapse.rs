//! Softmax collapse: without weight decay the plain softmax fits its training equations and
//! stops short of generalising while its logits race towards one-hot; ⊥AdamW, which removes
//! the gradient's component along the weights, generalises (Prieto et al. 2025).

use super::*;

#[test]
fn orthogonal_gradients_generalise_where_the_plain_softmax_races_to_one_hot() {
    let spec = Experiment::SoftmaxCollapse.preset(Preset::Ci);
    let report = run_in_words(&spec).expect("trains").report;
    for run in &report.runs {
        println!("{}: {:?}", run.label, run.summary.get("why"));
    }
    let plain = run_labelled(&report, "softmax");
    let orthogonal = run_labelled(&report, "⊥AdamW");
    // ⊥AdamW generalises within 300 steps...
    let generalised = summary_f64(orthogonal, "steps_to_test_acc_95");
    assert!(generalised <= 300.0, "⊥AdamW at {generalised}");
    // ...the plain softmax, the same network, start and optimizer without the projection,
    // fits every training equation and stays at chance on the test.
    assert!(summary_f64(plain, "final_train_acc") > 0.99);
    let stalled = summary_f64(plain, "final_test_acc");
    assert!(stalled < 0.05, "softmax test {stalled}");
    // Its logits run ahead: most of its training equations would be exactly one-hot in
    // float16 and its median gap keeps growing; ⊥AdamW's stays small.
    assert!(summary_f64(plain, "final_one_hot_f16") > 0.8);
    let gaps = plain.column("logit_gap");
    let n = gaps.len();
    assert!(gaps[n - 1] > gaps[n / 2], "{gaps:?}");
    assert!(summary_f64(orthogonal, "final_logit_gap") < 0.5 * gaps[n - 1]);
    assert!(summary_f64(orthogonal, "final_one_hot_f16") < 0.05);
}
