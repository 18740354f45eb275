//! Many two-hidden-layer MLPs of different widths trained as one module: their hidden units
//! are concatenated and the layers between them are block-diagonal (masked), so one forward
//! pass, one backward pass and one optimizer step train every width at once, and a GPU sees a
//! handful of large kernels per step instead of a few per model.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, TensorData, activation};

use super::bank_plan::partition;
use crate::rng::Stream;

/// `d_in → h → h → classes` for each width h, side by side.
#[derive(Module, Debug)]
pub struct MlpBank {
    /// `[d_in, H]`, H = Σ widths (every hidden unit sees every input).
    w1: Param<Tensor<2>>,
    b1: Param<Tensor<1>>,
    /// `[H, H]`, block-diagonal through the mask.
    w2: Param<Tensor<2>>,
    b2: Param<Tensor<1>>,
    /// `[H, K·classes]`, block-diagonal through the mask.
    w3: Param<Tensor<2>>,
    b3: Param<Tensor<1>>,
}

/// The constant block-diagonal masks of a bank (0 between models, 1 within).
#[derive(Clone, Debug)]
pub struct BankMasks {
    m2: Tensor<2>,
    m3: Tensor<2>,
}

fn tensor2(values: Vec<f32>, shape: [usize; 2], device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values, shape), device)
}

fn tensor1(values: Vec<f32>, device: &Device) -> Tensor<1> {
    let n = values.len();
    Tensor::from_data(TensorData::new(values, [n]), device)
}

impl MlpBank {
    /// A bank with host-side initial weights: each model's layers uniform in ±1/√fan-in (the
    /// usual fully connected default), entries between models zero.
    pub fn new(
        d_in: usize,
        widths: &[usize],
        classes: usize,
        rng: &mut Stream,
        device: &Device,
    ) -> (Self, BankMasks) {
        let total: usize = widths.iter().sum();
        let k = widths.len();
        let out = k * classes;
        let mut w1 = vec![0f32; d_in * total];
        let mut b1 = vec![0f32; total];
        let mut w2 = vec![0f32; total * total];
        let mut m2 = vec![0f32; total * total];
        let mut b2 = vec![0f32; total];
        let mut w3 = vec![0f32; total * out];
        let mut m3 = vec![0f32; total * out];
        let mut b3 = vec![0f32; out];
        let mut start = 0;
        for (m, &h) in widths.iter().enumerate() {
            let mut draw = |fan_in: usize| {
                let bound = 1.0 / (fan_in as f64).sqrt();
                rng.range(-bound, bound) as f32
            };
            let hidden = start..start + h;
            for i in 0..d_in {
                for j in hidden.clone() {
                    w1[i * total + j] = draw(d_in);
                }
            }
            for j in hidden.clone() {
                b1[j] = draw(d_in);
            }
            for i in hidden.clone() {
                for j in hidden.clone() {
                    w2[i * total + j] = draw(h);
                    m2[i * total + j] = 1.0;
                }
            }
            for j in hidden.clone() {
                b2[j] = draw(h);
            }
            let logits = m * classes..(m + 1) * classes;
            for i in hidden.clone() {
                for j in logits.clone() {
                    w3[i * out + j] = draw(h);
                    m3[i * out + j] = 1.0;
                }
            }
            for j in logits {
                b3[j] = draw(h);
            }
            start += h;
        }
        let bank = Self {
            w1: Param::from_tensor(tensor2(w1, [d_in, total], device)),
            b1: Param::from_tensor(tensor1(b1, device)),
            w2: Param::from_tensor(tensor2(w2, [total, total], device)),
            b2: Param::from_tensor(tensor1(b2, device)),
            w3: Param::from_tensor(tensor2(w3, [total, out], device)),
            b3: Param::from_tensor(tensor1(b3, device)),
        };
        let masks = BankMasks {
            m2: tensor2(m2, [total, total], device),
            m3: tensor2(m3, [total, out], device),
        };
        (bank, masks)
    }

    /// Logits of every model.
    ///
    /// # Shapes
    /// - input: `[batch, d_in]`
    /// - output: `[batch, models, classes]`
    pub fn forward(&self, input: Tensor<2>, masks: &BankMasks, classes: usize) -> Tensor<3> {
        let batch = input.dims()[0];
        let h1 = activation::relu(input.matmul(self.w1.val()) + self.b1.val().unsqueeze());
        let h2 = activation::relu(
            h1.matmul(self.w2.val() * masks.m2.clone()) + self.b2.val().unsqueeze(),
        );
        let logits = h2.matmul(self.w3.val() * masks.m3.clone()) + self.b3.val().unsqueeze();
        let models = logits.dims()[1] / classes;
        logits.reshape([batch, models, classes])
    }
}

/// Several banks side by side: widths are split into contiguous groups so that the wasted
/// (masked) middle-layer work, which grows as the square of a bank's total width, stays small
/// without paying a bank's fixed per-step cost too many times.
#[derive(Module, Debug)]
pub struct GroupedBank {
    banks: Vec<MlpBank>,
}

/// The constant masks of a [`GroupedBank`].
#[derive(Clone, Debug)]
pub struct GroupedMasks(Vec<BankMasks>);

/// The models of a [`GroupedBank`]: MLPs `d_in → h → h → classes`, one per width.
#[derive(Config, Debug)]
pub struct GroupedBankConfig {
    /// Inputs per example.
    pub d_in: usize,
    /// Each model's hidden width, ascending.
    pub widths: Vec<usize>,
    /// Outputs (classes) of each model.
    pub classes: usize,
}

impl GroupedBankConfig {
    /// The banks (see [`MlpBank::new`]) and their constant masks, every initial weight drawn
    /// on the host from `rng` in width order.
    pub fn init(&self, rng: &mut Stream, device: &Device) -> (GroupedBank, GroupedMasks) {
        let (banks, masks) = partition(&self.widths)
            .into_iter()
            .map(|g| MlpBank::new(self.d_in, &self.widths[g], self.classes, rng, device))
            .unzip();
        (GroupedBank { banks }, GroupedMasks(masks))
    }
}

impl GroupedBank {
    /// Logits of every model, in width order.
    ///
    /// # Shapes
    /// - input: `[batch, d_in]`
    /// - output: `[batch, models, classes]`
    pub fn forward(&self, input: Tensor<2>, masks: &GroupedMasks, classes: usize) -> Tensor<3> {
        let parts = self
            .banks
            .iter()
            .zip(&masks.0)
            .map(|(bank, m)| bank.forward(input.clone(), m, classes))
            .collect();
        Tensor::cat(parts, 1)
    }

    pub fn banks(&self) -> usize {
        self.banks.len()
    }
}

/// Trainable scalars of one `d_in → h → h → classes` MLP.
pub fn parameter_count(d_in: usize, h: usize, classes: usize) -> usize {
    d_in * h + h + h * h + h + h * classes + classes
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::Linear;

    /// The bank computes exactly what separate MLPs with the same weights compute.
    #[test]
    fn a_bank_matches_separate_models() {
        let device = Device::flex();
        let widths = [3, 5];
        let (bank, masks) = MlpBank::new(4, &widths, 2, &mut Stream::new(1, "bank"), &device);
        let x = tensor2(
            (0..12).map(|i| i as f32 * 0.1 - 0.5).collect(),
            [3, 4],
            &device,
        );
        let logits = bank.forward(x.clone(), &masks, 2);
        assert_eq!(logits.dims(), [3, 2, 2]);
        // Rebuild model 1 (width 5) from the bank's blocks.
        let w1 = bank.w1.val().slice([0..4, 3..8]);
        let b1 = bank.b1.val().slice(3..8);
        let w2 = bank.w2.val().slice([3..8, 3..8]);
        let b2 = bank.b2.val().slice(3..8);
        let w3 = bank.w3.val().slice([3..8, 2..4]);
        let b3 = bank.b3.val().slice(2..4);
        let layer = |w: Tensor<2>, b: Tensor<1>| Linear {
            weight: Param::from_tensor(w),
            bias: Some(Param::from_tensor(b)),
        };
        let h = activation::relu(layer(w1, b1).forward(x));
        let h = activation::relu(layer(w2, b2).forward(h));
        let alone = layer(w3, b3).forward(h);
        let from_bank = logits.slice([0..3, 1..2, 0..2]).reshape([3, 2]);
        let diff: f32 = (alone - from_bank).abs().max().into_scalar();
        assert!(diff < 1e-5, "{diff}");
        assert_eq!(
            parameter_count(40, 16, 10),
            40 * 16 + 16 + 256 + 16 + 160 + 10
        );
    }

    /// Entries between models get no gradient: training one model never touches another.
    #[test]
    fn models_do_not_leak_into_each_other() {
        let device = Device::flex().autodiff();
        let (bank, masks) = MlpBank::new(3, &[2, 3], 2, &mut Stream::new(2, "bank"), &device);
        let x = tensor2(vec![0.3, -0.2, 0.5, 0.1, 0.4, -0.6], [2, 3], &device);
        // A loss on model 0's logits only.
        let loss = bank.forward(x, &masks, 2).slice([0..2, 0..1, 0..2]).sum();
        let grads = loss.backward();
        let w2 = bank.w2.val().grad(&grads).expect("w2 has a gradient");
        let w3 = bank.w3.val().grad(&grads).expect("w3 has a gradient");
        // Model 1's block of w2 (rows and columns 2..5) and its logits' columns of w3.
        let leak2: f32 = w2.clone().slice([2..5, 0..5]).abs().sum().into_scalar();
        let leak3: f32 = w3.slice([0..5, 2..4]).abs().sum().into_scalar();
        let own: f32 = w2.slice([0..2, 0..2]).abs().sum().into_scalar();
        assert_eq!((leak2, leak3), (0.0, 0.0));
        assert!(own > 0.0);
    }

    #[test]
    fn partitions_are_contiguous_and_keep_big_widths_apart() {
        let widths = [
            2, 3, 4, 6, 8, 11, 14, 19, 24, 32, 42, 56, 74, 98, 129, 170, 225, 300,
        ];
        let groups = partition(&widths);
        assert_eq!(groups.first().map(|g| g.start), Some(0));
        assert_eq!(groups.last().map(|g| g.end), Some(widths.len()));
        assert!(groups.windows(2).all(|w| w[0].end == w[1].start));
        assert_eq!(
            groups.last(),
            Some(&(17..18)),
            "300 trains in a bank of its own"
        );
        assert!(
            groups.len() < widths.len(),
            "small widths share a bank: {groups:?}"
        );
        assert_eq!(partition(&[5]), vec![0..1]);
    }

    #[test]
    fn a_grouped_bank_keeps_width_order() {
        let device = Device::flex();
        let widths = [2, 3, 200, 300];
        let (bank, masks) = GroupedBankConfig::new(4, widths.to_vec(), 3)
            .init(&mut Stream::new(3, "bank"), &device);
        assert!(bank.banks() >= 2);
        let x = tensor2(vec![0.1; 8], [2, 4], &device);
        assert_eq!(bank.forward(x, &masks, 3).dims(), [2, 4, 3]);
    }
}
