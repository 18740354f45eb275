//! The small grokking MLP of PAIR's explorable: embed `x` and `y`, concatenate, one ReLU hidden
//! layer, logits over the vocabulary.

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::{Device, Int, Tensor, TensorData, activation};

use super::init;
use crate::rng::Stream;

#[derive(Module, Debug)]
pub struct EmbedMlp {
    embedding: Param<Tensor<2>>,
    hidden: Linear,
    output: Linear,
}

impl EmbedMlp {
    pub fn new(
        vocabulary: usize,
        d_embed: usize,
        width: usize,
        rng: &mut Stream,
        device: &Device,
    ) -> Self {
        let values: Vec<f32> = (0..vocabulary * d_embed)
            .map(|_| rng.normal() as f32)
            .collect();
        Self {
            embedding: Param::from_tensor(Tensor::from_data(
                TensorData::new(values, [vocabulary, d_embed]),
                device,
            )),
            hidden: init::linear(2 * d_embed, width, rng, device),
            output: init::linear(width, vocabulary, rng, device),
        }
    }

    /// # Shapes
    /// - tokens: `[batch, 4]` as `[x, op, y, =]`
    /// - output: `[batch, vocabulary]`
    pub fn forward_last(&self, tokens: Tensor<2, Int>) -> Tensor<2> {
        let [batch, _] = tokens.dims();
        let d = self.embedding.dims()[1];
        let embed = |col: usize| {
            let ids = tokens
                .clone()
                .slice([0..batch, col..col + 1])
                .reshape([batch]);
            self.embedding.val().select(0, ids) // [batch, d]
        };
        let joined = Tensor::cat(vec![embed(0), embed(2)], 1); // [batch, 2d]
        debug_assert_eq!(joined.dims(), [batch, 2 * d]);
        self.output
            .forward(activation::relu(self.hidden.forward(joined)))
    }
}
