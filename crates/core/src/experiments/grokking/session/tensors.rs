//! Equations as tensors, and each member's losses and correct answers in a stacked network.

use super::*;

pub(super) fn to_tensors(
    equations: &[Equation],
    p: u32,
    device: &Device,
) -> (Tensor<2, Int>, Tensor<1, Int>) {
    let n = equations.len();
    let tokens: Vec<i64> = equations
        .iter()
        .flat_map(|e| e.tokens(p))
        .map(i64::from)
        .collect();
    let answers: Vec<i64> = equations.iter().map(|e| i64::from(e.z)).collect();
    (
        Tensor::from_data(TensorData::new(tokens, [n, 4]), device),
        Tensor::from_data(TensorData::new(answers, [n]), device),
    )
}

/// Each member's mean cross-entropy over its rows (`[members]`), kept in the graph.
///
/// # Shapes
/// - logits: `[members, n, classes]`, targets: `[members, n, 1]`
pub(super) fn member_losses(logits: Tensor<3>, targets: Tensor<3, Int>) -> Tensor<1> {
    let [members, n, _] = logits.dims();
    activation::log_softmax(logits, 2)
        .gather(2, targets)
        .neg()
        .reshape([members, n])
        .mean_dim(1)
        .reshape([members])
}

/// Each member's correct answers among its rows, `[members]`.
pub(super) fn member_correct(logits: Tensor<3>, targets: Tensor<3, Int>) -> Tensor<1> {
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

/// `x` repeated once per member: `[n, k]` to `[members, n, k]`.
pub(super) fn per_member<const K: usize>(x: &Tensor<K, Int>, members: usize) -> Tensor<3, Int> {
    let dims = x.dims();
    let (n, k) = (dims[0], if K == 2 { dims[1] } else { 1 });
    x.clone().reshape([1, n, k]).repeat_dim(0, members)
}
