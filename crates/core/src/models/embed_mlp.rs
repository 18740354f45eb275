//! The small grokking MLP of PAIR's explorable: embed `x` and `y`, concatenate, one ReLU hidden
//! layer, logits over the vocabulary. Several independent networks of one shape (grokking's
//! runs and seeds) form one module: every parameter carries a leading member axis, so one
//! forward pass, one backward pass and one optimizer step train them all, each on its own
//! batch.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::tensor::{Device, Int, Tensor, TensorData, activation};

use crate::rng::Stream;

#[derive(Module, Debug)]
pub struct EmbedMlp {
    /// `[members, vocabulary, d_embed]`.
    embedding: Param<Tensor<3>>,
    /// `[members, 2·d_embed, width]` and `[members, 1, width]`.
    hidden_weight: Param<Tensor<3>>,
    hidden_bias: Param<Tensor<3>>,
    /// `[members, width, vocabulary]` and `[members, 1, vocabulary]`.
    output_weight: Param<Tensor<3>>,
    output_bias: Param<Tensor<3>>,
}

fn param(values: Vec<f32>, shape: [usize; 3], device: &Device) -> Param<Tensor<3>> {
    Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), device))
}

/// The shape of an [`EmbedMlp`]'s members.
#[derive(Config, Debug)]
pub struct EmbedMlpConfig {
    /// Tokens (numbers and operation symbols); also the classes of the output.
    pub vocabulary: usize,
    /// Width of a token's embedding.
    pub d_embed: usize,
    /// Hidden units.
    pub width: usize,
}

impl EmbedMlpConfig {
    /// One member per stream in `inits`. Each member draws, in order, its embedding (standard
    /// normal), then each linear layer's weights and biases (uniform within ±1/√fan-in, the
    /// usual fully connected default): the same stream gives the same network in any stack.
    pub fn init(&self, inits: &mut [Stream], device: &Device) -> EmbedMlp {
        let Self {
            vocabulary,
            d_embed,
            width,
        } = *self;
        let members = inits.len();
        let mut embedding = Vec::with_capacity(members * vocabulary * d_embed);
        let layers = [(2 * d_embed, width), (width, vocabulary)];
        let mut weights = [Vec::new(), Vec::new()];
        let mut biases = [Vec::new(), Vec::new()];
        for rng in inits.iter_mut() {
            embedding.extend((0..vocabulary * d_embed).map(|_| rng.normal() as f32));
            for (l, &(fan_in, fan_out)) in layers.iter().enumerate() {
                let bound = 1.0 / (fan_in as f64).sqrt();
                weights[l].extend((0..fan_in * fan_out).map(|_| rng.range(-bound, bound) as f32));
                biases[l].extend((0..fan_out).map(|_| rng.range(-bound, bound) as f32));
            }
        }
        let [w0, w1] = weights;
        let [b0, b1] = biases;
        EmbedMlp {
            embedding: param(embedding, [members, vocabulary, d_embed], device),
            hidden_weight: param(w0, [members, 2 * d_embed, width], device),
            hidden_bias: param(b0, [members, 1, width], device),
            output_weight: param(w1, [members, width, vocabulary], device),
            output_bias: param(b1, [members, 1, vocabulary], device),
        }
    }
}

impl EmbedMlp {
    pub fn members(&self) -> usize {
        self.embedding.dims()[0]
    }

    /// Trainable scalars of one member.
    pub fn parameters_per_member(&self) -> usize {
        self.num_params() / self.members()
    }

    /// Each member's logits for its own equations.
    ///
    /// # Shapes
    /// - tokens: `[members, batch, 4]` as `[x, op, y, =]`
    /// - output: `[members, batch, vocabulary]`
    pub fn forward(&self, tokens: Tensor<3, Int>) -> Tensor<3> {
        let [members, batch, _] = tokens.dims();
        let [_, vocabulary, d] = self.embedding.dims();
        let width = self.hidden_bias.dims()[2];
        let device = tokens.device();
        // The hidden layer sees [E[x], E[y]]·W = E[x]·W_x + E[y]·W_y, and E·W_x is a table of
        // one row per token: multiplying the vocabulary's rows once and looking the batch's up
        // costs vocabulary/batch of multiplying the batch's embeddings (49 rows against 512
        // in the quick preset). Same function, a tenth of the hidden layer's work.
        let table = self.embedding.val();
        let w = self.hidden_weight.val();
        let half = |rows: std::ops::Range<usize>| {
            table
                .clone()
                .matmul(w.clone().slice([0..members, rows, 0..width]))
                .reshape([members * vocabulary, width])
        };
        // Member m's row v is row m·vocabulary + v of a flattened table.
        let offsets = Tensor::<1, Int>::arange(0..members as i64, &device)
            .mul_scalar(vocabulary as i64)
            .reshape([members, 1]);
        let lookup = |col: usize, rows: Tensor<2>| {
            let ids = tokens
                .clone()
                .slice([0..members, 0..batch, col..col + 1])
                .reshape([members, batch])
                .add(offsets.clone())
                .reshape([members * batch]);
            rows.select(0, ids).reshape([members, batch, width])
        };
        let pre = lookup(0, half(0..d)) + lookup(2, half(d..2 * d)) + self.hidden_bias.val();
        activation::relu(pre).matmul(self.output_weight.val()) + self.output_bias.val()
    }

    /// The embeddings of tokens `0..rows` of every member: `[members, rows, d_embed]`,
    /// detached.
    pub fn embeddings(&self, rows: usize) -> Tensor<3> {
        let [members, _, d] = self.embedding.dims();
        self.embedding
            .val()
            .detach()
            .slice([0..members, 0..rows, 0..d])
    }

    /// Each member's weight norm (all parameters): `[members]`, detached.
    pub fn weight_norms(&self) -> Tensor<1> {
        let members = self.members();
        let squares = |p: &Param<Tensor<3>>| {
            p.val()
                .detach()
                .powi_scalar(2)
                .reshape([members as i32, -1])
                .sum_dim(1)
                .reshape([members])
        };
        (squares(&self.embedding)
            + squares(&self.hidden_weight)
            + squares(&self.hidden_bias)
            + squares(&self.output_weight)
            + squares(&self.output_bias))
        .sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn streams(seeds: &[u64]) -> Vec<Stream> {
        seeds.iter().map(|&s| Stream::new(s, "embed")).collect()
    }

    /// A member computes what the same network alone computes, whatever its neighbours are,
    /// and reads its own equations.
    #[test]
    fn members_are_independent_networks() {
        let device = Device::flex();
        let (v, d, w) = (7, 4, 6);
        let stack = EmbedMlpConfig::new(v, d, w).init(&mut streams(&[3, 5]), &device);
        let lone = EmbedMlpConfig::new(v, d, w).init(&mut streams(&[5]), &device);
        assert_eq!(stack.members(), 2);
        assert_eq!(
            lone.parameters_per_member(),
            v * d + 2 * d * w + w + w * v + v
        );
        let eqs = |rows: &[[i64; 4]]| -> Vec<i64> { rows.iter().flatten().copied().collect() };
        let a = [[1, 7, 2, 8], [6, 7, 6, 8], [0, 7, 3, 8]];
        let b = [[4, 7, 4, 8], [5, 7, 1, 8], [2, 7, 2, 8]];
        let both = Tensor::<3, Int>::from_data(
            TensorData::new([eqs(&a), eqs(&b)].concat(), [2, 3, 4]),
            &device,
        );
        let out = stack.forward(both);
        assert_eq!(out.dims(), [2, 3, v]);
        let second = Tensor::<3, Int>::from_data(TensorData::new(eqs(&b), [1, 3, 4]), &device);
        let alone = lone.forward(second);
        let diff: f32 = (out.clone().slice([1..2, 0..3, 0..v]) - alone)
            .abs()
            .max()
            .into_scalar();
        assert_eq!(diff, 0.0, "member 1 is the seed-5 network");
        let first = out.slice([0..1, 0..3, 0..v]);
        let other: f32 = (first.clone() - out_of(&lone, &a, &device))
            .abs()
            .max()
            .into_scalar();
        assert!(other > 1e-3, "member 0 is another network");
        let norms = stack
            .weight_norms()
            .into_data()
            .try_to_vec::<f32>()
            .expect("f32");
        let lone_norm = lone
            .weight_norms()
            .into_data()
            .try_to_vec::<f32>()
            .expect("f32");
        assert_eq!(norms.len(), 2);
        assert!((norms[1] - lone_norm[0]).abs() <= 1e-5 * lone_norm[0]);
    }

    fn out_of(net: &EmbedMlp, rows: &[[i64; 4]], device: &Device) -> Tensor<3> {
        let flat: Vec<i64> = rows.iter().flatten().copied().collect();
        net.forward(Tensor::from_data(
            TensorData::new(flat, [1, rows.len(), 4]),
            device,
        ))
    }
}
