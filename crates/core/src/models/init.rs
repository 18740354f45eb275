//! Host-side parameter initialisation.

use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, TensorData};

use crate::rng::Stream;

/// A linear layer `[d_in] -> [d_out]` with weights and biases uniform in ±1/sqrt(d_in)
/// (the common default for fully connected layers), drawn from `rng`: weights, then biases.
pub fn linear(d_in: usize, d_out: usize, rng: &mut Stream, device: &Device) -> Linear {
    let bound = 1.0 / (d_in as f64).sqrt();
    let mut draw =
        |n: usize| -> Vec<f32> { (0..n).map(|_| rng.range(-bound, bound) as f32).collect() };
    let weight = draw(d_in * d_out);
    let bias = draw(d_out);
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
