//! The loss of many models trained as one stack (engine only): every model's own mean
//! cross-entropy, one entry per member. Summed, it gives each member the gradient of its own
//! loss, since no member's loss depends on another's weights.

use burn::tensor::{Int, Tensor, activation};

/// Each member's mean cross-entropy over its rows, `[members]`, kept in the graph.
///
/// # Shapes
/// - logits: `[members, n, classes]`, targets: `[members, n, 1]`
pub fn member_cross_entropy(logits: Tensor<3>, targets: Tensor<3, Int>) -> Tensor<1> {
    let [members, n, _] = logits.dims();
    activation::log_softmax(logits, 2)
        .gather(2, targets)
        .neg()
        .reshape([members, n])
        .mean_dim(1)
        .reshape([members])
}

/// Each member's correct answers among its rows, `[members]`.
///
/// # Shapes
/// - logits: `[members, n, classes]`, targets: `[members, n, 1]`
pub fn member_correct(logits: Tensor<3>, targets: Tensor<3, Int>) -> Tensor<1> {
    let [members, n, _] = logits.dims();
    logits
        .argmax(2)
        .equal(targets)
        .int()
        .reshape([members, n])
        .sum_dim(1)
        .float()
        .reshape([members])
}

/// Labels every member shares, `[n]`, as targets for each: `[members, n, 1]`.
pub fn shared_targets(labels: Tensor<1, Int>, members: usize) -> Tensor<3, Int> {
    let n = labels.dims()[0];
    labels.reshape([1, n, 1]).repeat_dim(0, members)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;

    #[test]
    fn each_member_gets_its_own_mean_loss_and_count() {
        let device = Default::default();
        // Two members, two rows, three classes; member 1's logits favour the wrong class.
        let logits = Tensor::<3>::from_data(
            TensorData::new(
                vec![
                    2.0f32, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 1.0,
                ],
                [2, 2, 3],
            ),
            &device,
        );
        let labels = Tensor::<1, Int>::from_data(TensorData::new(vec![0i64, 1], [2]), &device);
        let targets = shared_targets(labels, 2);
        let loss: Vec<f32> = member_cross_entropy(logits.clone(), targets.clone())
            .into_data()
            .try_to_vec::<f32>()
            .expect("f32 data");
        let correct: Vec<f32> = member_correct(logits, targets)
            .into_data()
            .try_to_vec::<f32>()
            .expect("f32 data");
        let nll = |right: f32, others: [f32; 2]| {
            let total = right.exp() + others[0].exp() + others[1].exp();
            total.ln() - right
        };
        let want0 = nll(2.0, [0.0, 0.0]);
        let want1 = (nll(0.0, [3.0, 0.0]) + nll(0.0, [0.0, 1.0])) / 2.0;
        assert!((loss[0] - want0).abs() < 1e-5, "{loss:?}");
        assert!((loss[1] - want1).abs() < 1e-5, "{loss:?}");
        assert_eq!(correct, [2.0, 0.0]);
    }
}
