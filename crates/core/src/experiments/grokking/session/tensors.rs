//! Equations as tensors, repeated per member of a stacked network.

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

/// `x` repeated once per member: `[n, k]` to `[members, n, k]`.
pub(super) fn per_member<const K: usize>(x: &Tensor<K, Int>, members: usize) -> Tensor<3, Int> {
    let dims = x.dims();
    let (n, k) = (dims[0], if K == 2 { dims[1] } else { 1 });
    x.clone().reshape([1, n, k]).repeat_dim(0, members)
}
