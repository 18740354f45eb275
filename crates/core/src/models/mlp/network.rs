//! The MLP itself (engine only).

use burn::config::Config;
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, activation};

use super::Activation;
use crate::rng::Stream;

/// `d_in -> width (x depth) -> d_out`.
#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Linear>,
    #[module(skip)]
    activation: Activation,
}

/// The shape of an [`Mlp`].
#[derive(Config, Debug)]
pub struct MlpConfig {
    /// Inputs per example.
    pub d_in: usize,
    /// Hidden units per layer.
    pub width: usize,
    /// Hidden layers.
    pub depth: usize,
    /// Outputs (logits).
    pub d_out: usize,
    /// The hidden layers' non-linearity.
    #[config(default = "Activation::Relu")]
    pub activation: Activation,
}

impl MlpConfig {
    /// A new MLP, its initial weights drawn on the host from `rng`.
    pub fn init(&self, rng: &mut Stream, device: &Device) -> Mlp {
        let Self {
            d_in,
            width,
            depth,
            d_out,
            activation,
        } = *self;
        let mut dims = vec![d_in];
        dims.extend(std::iter::repeat_n(width, depth));
        dims.push(d_out);
        let layers = dims
            .windows(2)
            .map(|w| crate::models::init::linear(w[0], w[1], rng, device))
            .collect();
        Mlp { layers, activation }
    }
}

impl Mlp {
    /// # Shapes
    /// - input: `[batch, d_in]`
    /// - output: `[batch, d_out]` (logits)
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        let mut x = input;
        for (i, layer) in self.layers.iter().enumerate() {
            x = layer.forward(x);
            if i < last {
                x = match self.activation {
                    Activation::Relu => activation::relu(x),
                    Activation::Tanh => activation::tanh(x),
                };
            }
        }
        x
    }

    /// Number of trainable scalars.
    pub fn parameter_count(&self) -> usize {
        self.num_params()
    }
}
