//! Several independent MLPs of one shape trained as one module: every layer's weights carry a
//! leading model axis and the layers are batched matrix products, so one forward pass, one
//! backward pass and one optimizer step train every model (e.g. one per seed), each on its own
//! minibatch. Dropout (burn's module) drops inputs and hidden units independently per model
//! and per example.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{Dropout, DropoutConfig};
use burn::tensor::{Device, Tensor, TensorData, activation};

use crate::rng::Stream;

/// `d_in → width (× depth) → classes`, `models` times.
#[derive(Module, Debug)]
pub struct MlpStack {
    /// `[models, fan_in, fan_out]` per layer.
    weights: Vec<Param<Tensor<3>>>,
    /// `[models, 1, fan_out]` per layer.
    biases: Vec<Param<Tensor<3>>>,
    input_dropout: Dropout,
    hidden_dropout: Dropout,
}

/// Whether a forward pass trains (dropout on) or evaluates (every unit present).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    Train,
    Eval,
}

/// The shape of an [`MlpStack`]'s models and their dropout rates.
#[derive(Config, Debug)]
pub struct MlpStackConfig {
    /// Inputs per example.
    pub d_in: usize,
    /// Hidden units per layer.
    pub width: usize,
    /// Hidden layers.
    pub depth: usize,
    /// Outputs (classes).
    pub classes: usize,
    /// Share of inputs dropped in training, in [0, 1).
    #[config(default = 0.0)]
    pub input_dropout: f64,
    /// Share of hidden units dropped in training, in [0, 1).
    #[config(default = 0.0)]
    pub hidden_dropout: f64,
}

impl MlpStackConfig {
    /// One model per seed stream in `inits`, each drawn on the host with uniform ±1/√fan-in
    /// weights and biases (the usual fully connected default), so the same seed gives the same
    /// initial model in every stack and on every backend.
    pub fn init(&self, inits: &mut [Stream], device: &Device) -> MlpStack {
        let Self {
            d_in,
            width,
            depth,
            classes,
            input_dropout,
            hidden_dropout,
        } = *self;
        let models = inits.len();
        let mut dims = vec![d_in];
        dims.extend(std::iter::repeat_n(width, depth));
        dims.push(classes);
        let mut weights = Vec::new();
        let mut biases = Vec::new();
        for pair in dims.windows(2) {
            let (fan_in, fan_out) = (pair[0], pair[1]);
            let bound = 1.0 / (fan_in as f64).sqrt();
            let mut w = Vec::with_capacity(models * fan_in * fan_out);
            let mut b = Vec::with_capacity(models * fan_out);
            for rng in inits.iter_mut() {
                w.extend((0..fan_in * fan_out).map(|_| rng.range(-bound, bound) as f32));
                b.extend((0..fan_out).map(|_| rng.range(-bound, bound) as f32));
            }
            weights.push(Param::from_tensor(Tensor::from_data(
                TensorData::new(w, [models, fan_in, fan_out]),
                device,
            )));
            biases.push(Param::from_tensor(Tensor::from_data(
                TensorData::new(b, [models, 1, fan_out]),
                device,
            )));
        }
        MlpStack {
            weights,
            biases,
            input_dropout: DropoutConfig::new(input_dropout).init(),
            hidden_dropout: DropoutConfig::new(hidden_dropout).init(),
        }
    }
}

impl MlpStack {
    /// Logits of every model on its own inputs. `keep`, when given, holds one `[models, 1,
    /// width]` 0/1 mask per hidden layer: units at 0 are removed after training (the rest are
    /// not rescaled here; the caller scales the mask).
    ///
    /// # Shapes
    /// - input: `[models, batch, d_in]`
    /// - output: `[models, batch, classes]`
    pub fn forward(&self, input: Tensor<3>, pass: Pass, keep: Option<&[Tensor<3>]>) -> Tensor<3> {
        let train = pass == Pass::Train;
        // An evaluation runs off autodiff: a forward through it would keep its activations
        // for a backward that never comes (an evaluation's forwards, all held until its
        // read-back).
        let kind = |t: Tensor<3>| if train { t } else { t.inner() };
        let mut x = if train {
            self.input_dropout.forward(input)
        } else {
            input.inner()
        };
        let last = self.weights.len() - 1;
        for (i, (w, b)) in self.weights.iter().zip(&self.biases).enumerate() {
            x = x.matmul(kind(w.val())) + kind(b.val());
            if i < last {
                x = activation::relu(x);
                if let Some(mask) = keep.and_then(|k| k.get(i)) {
                    x = x * kind(mask.clone());
                }
                if train {
                    x = self.hidden_dropout.forward(x);
                }
            }
        }
        x
    }

    /// Models in the stack.
    pub fn models(&self) -> usize {
        self.weights[0].val().dims()[0]
    }

    /// The first layer's weights into the first `units` hidden units of `model`: `[d_in, units]`.
    pub fn first_layer(&self, model: usize, units: usize) -> Tensor<2> {
        let w = self.weights[0].val();
        let [_, d_in, width] = w.dims();
        w.slice([model..model + 1, 0..d_in, 0..units.min(width)])
            .reshape([d_in as i32, -1])
    }

    /// Trainable scalars of one model.
    pub fn parameters_per_model(&self) -> usize {
        self.num_params() / self.models()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn streams(seeds: &[u64]) -> Vec<Stream> {
        seeds.iter().map(|&s| Stream::new(s, "stack")).collect()
    }

    /// Each model of a stack computes what a plain MLP with its weights computes, and models
    /// with the same seed start out identical whatever else is in the stack.
    #[test]
    fn a_stack_is_independent_models() {
        let device = Device::flex();
        let stack = MlpStackConfig::new(4, 5, 2, 3).init(&mut streams(&[7, 8]), &device);
        let other = MlpStackConfig::new(4, 5, 2, 3)
            .with_input_dropout(0.5)
            .with_hidden_dropout(0.5)
            .init(&mut streams(&[9, 8]), &device);
        assert_eq!(stack.models(), 2);
        assert_eq!(
            stack.parameters_per_model(),
            4 * 5 + 5 + 5 * 5 + 5 + 5 * 3 + 3
        );
        let x: Vec<f32> = (0..2 * 3 * 4).map(|i| (i as f32 * 0.37).sin()).collect();
        let x = Tensor::<3>::from_data(TensorData::new(x, [2, 3, 4]), &device);
        let out = stack.forward(x.clone(), Pass::Eval, None);
        assert_eq!(out.dims(), [2, 3, 3]);
        // Model 1 of `stack` (seed 8) by hand, with its own weights.
        let mut h = x.clone().slice([1..2, 0..3, 0..4]).reshape([3, 4]);
        for (i, (w, b)) in stack.weights.iter().zip(&stack.biases).enumerate() {
            let [_, fi, fo] = w.val().dims();
            let w = w.val().slice([1..2, 0..fi, 0..fo]).reshape([fi, fo]);
            let b = b.val().slice([1..2, 0..1, 0..fo]).reshape([1, fo]);
            h = h.matmul(w) + b;
            if i < 2 {
                h = activation::relu(h);
            }
        }
        let alone = out.clone().slice([1..2, 0..3, 0..3]).reshape([3, 3]);
        let diff: f32 = (alone - h).abs().max().into_scalar();
        assert!(diff < 1e-5, "{diff}");
        // Same seed, same model, in a stack with different rates and neighbours.
        let twin = other.forward(x, Pass::Eval, None).slice([1..2, 0..3, 0..3]);
        let diff: f32 = (twin - out.slice([1..2, 0..3, 0..3]))
            .abs()
            .max()
            .into_scalar();
        assert_eq!(diff, 0.0);
        // The init is the plain MLP's: uniform within ±1/√fan-in.
        let bound = 1.0 / 2.0;
        let w0: f32 = stack.weights[0].val().abs().max().into_scalar();
        assert!(w0 <= bound && w0 > 0.3 * bound);
    }

    /// Dropout acts only in training passes, per example, and keeps the expected activation.
    #[test]
    fn dropout_only_while_training() {
        let device = Device::flex().autodiff();
        let stack = MlpStackConfig::new(16, 64, 1, 2)
            .with_input_dropout(0.5)
            .with_hidden_dropout(0.5)
            .init(&mut streams(&[1]), &device);
        let x = Tensor::<3>::ones([1, 8, 16], &device);
        let a = stack.forward(x.clone(), Pass::Eval, None);
        let b = stack.forward(x.clone(), Pass::Eval, None);
        let same: f32 = (a.clone() - b).abs().max().into_scalar();
        assert_eq!(same, 0.0, "evaluation is deterministic");
        let t = stack.forward(x, Pass::Train, None);
        let rows_differ: f32 = (t.clone().slice([0..1, 0..1, 0..2]) - t.slice([0..1, 1..2, 0..2]))
            .abs()
            .sum()
            .into_scalar();
        assert!(rows_differ > 0.0, "examples get different masks");
    }

    /// The input dropout drops the stated share and scales the rest up to keep the mean.
    #[test]
    fn input_dropout_drops_its_rate() {
        let device = Device::flex().autodiff();
        let stack = MlpStackConfig::new(4000, 4, 1, 2)
            .with_input_dropout(0.2)
            .with_hidden_dropout(0.5)
            .init(&mut streams(&[5]), &device);
        let x = Tensor::<3>::ones([2, 5, 4000], &device);
        let dropped = stack.input_dropout.forward(x);
        let zeros: f32 = dropped
            .clone()
            .equal_elem(0.0)
            .int()
            .float()
            .mean()
            .into_scalar();
        let mean: f32 = dropped.mean().into_scalar();
        assert!((zeros - 0.2).abs() < 0.01, "dropped share {zeros}");
        assert!((mean - 1.0).abs() < 0.02, "mean {mean}");
    }

    /// A keep mask of zeros removes every hidden unit: the output is the last bias alone.
    #[test]
    fn removing_every_unit_leaves_the_bias() {
        let device = Device::flex();
        let stack = MlpStackConfig::new(3, 4, 1, 2).init(&mut streams(&[3]), &device);
        let x = Tensor::<3>::ones([1, 2, 3], &device);
        let none = [Tensor::<3>::zeros([1, 1, 4], &device)];
        let out = stack.forward(x, Pass::Eval, Some(&none));
        let bias = stack.biases[1].val();
        let diff: f32 = (out - bias).abs().max().into_scalar();
        assert_eq!(diff, 0.0);
    }
}
