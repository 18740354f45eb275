//! Host-side parameter initialisation.

use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, TensorData};

use crate::rng::Stream;

/// A linear layer `[d_in] -> [d_out]` with weights and biases uniform in ±1/sqrt(d_in)
/// (the common default for fully connected layers), drawn from `rng`.
pub fn linear(d_in: usize, d_out: usize, rng: &mut Stream, device: &Device) -> Linear {
    let bound = 1.0 / (d_in as f64).sqrt();
    linear_within(d_in, d_out, bound, Some(bound), rng, device)
}

/// A linear layer `[d_in] -> [d_out]` with weights uniform in ±`weight_bound` and biases
/// uniform in ±`bias_bound` (`None`: zero biases, nothing drawn for them).
pub fn linear_within(
    d_in: usize,
    d_out: usize,
    weight_bound: f64,
    bias_bound: Option<f64>,
    rng: &mut Stream,
    device: &Device,
) -> Linear {
    let mut draw = |n: usize, bound: f64| -> Vec<f32> {
        (0..n).map(|_| rng.range(-bound, bound) as f32).collect()
    };
    let weight = draw(d_in * d_out, weight_bound);
    let bias = bias_bound.map_or_else(|| vec![0.0; d_out], |b| draw(d_out, b));
    Linear {
        // burn stores the weight as [d_in, d_out].
        weight: Param::from_tensor(Tensor::from_data(
            TensorData::new(weight, [d_in, d_out]),
            device,
        )),
        bias: Some(Param::from_tensor(Tensor::from_data(
            TensorData::new(bias, [d_out]),
            device,
        ))),
    }
}
