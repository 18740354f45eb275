//! The network of Doshi et al. 2024 ("To grok or not to grok"): one-hot(a) ⊕ one-hot(b) → N
//! hidden units with the activation h² → p outputs, no biases. Its input weights are two
//! tables, U for `a` and V for `b` (rows of `input`), its output weights W. Several independent
//! networks of one shape (runs and seeds) form one module with a leading member axis, all
//! reading the same equations.
//!
//! Each hidden unit's periodicity is its inverse participation ratio (IPR): the magnitudes of
//! the discrete Fourier transform (over 0..p, as numpy's `rfft`) of its weights from U, from V
//! and to W, each normalised to unit length, summed to the fourth power, the three averaged. A
//! unit that reads a single frequency has IPR 1; one spread over all ⌊p/2⌋ + 1 has 1/(⌊p/2⌋+1).

use burn::module::{Module, Param};
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::rng::Stream;

#[derive(Module, Debug)]
pub struct SquareMlp {
    /// `[members, 2p, width]`: rows `0..p` are U (operand a), rows `p..2p` are V (operand b).
    input: Param<Tensor<3>>,
    /// `[members, width, p]`: W.
    output: Param<Tensor<3>>,
}

impl SquareMlp {
    /// One member per stream: each draws U ⊕ V, then W, from a normal distribution of
    /// standard deviation `std` (the paper's 0.5/(2N)^(1/3)).
    pub fn new(p: usize, width: usize, std: f64, inits: &mut [Stream], device: &Device) -> Self {
        let members = inits.len();
        let mut input = Vec::with_capacity(members * 2 * p * width);
        let mut output = Vec::with_capacity(members * width * p);
        for rng in inits.iter_mut() {
            input.extend((0..2 * p * width).map(|_| (rng.normal() * std) as f32));
            output.extend((0..width * p).map(|_| (rng.normal() * std) as f32));
        }
        let param = |values: Vec<f32>, shape: [usize; 3]| {
            Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), device))
        };
        Self {
            input: param(input, [members, 2 * p, width]),
            output: param(output, [members, width, p]),
        }
    }

    pub fn members(&self) -> usize {
        self.input.dims()[0]
    }

    /// The paper's initial standard deviation for `width` hidden units: 0.5/(2N)^(1/3).
    pub fn paper_std(width: usize) -> f64 {
        0.5 / (2.0 * width as f64).cbrt()
    }

    /// Every member's hidden activations h² for the equations `(a[i], b[i])`: `[members, n,
    /// width]`.
    pub fn hidden(&self, a: Tensor<1, Int>, b: Tensor<1, Int>) -> Tensor<3> {
        let p = self.output.dims()[2];
        let table = self.input.val();
        let pre = table.clone().select(1, a) + table.select(1, b.add_scalar(p as i64));
        pre.clone() * pre
    }

    /// Every member's outputs: `[members, n, p]`.
    pub fn forward(&self, a: Tensor<1, Int>, b: Tensor<1, Int>) -> Tensor<3> {
        self.hidden(a, b).matmul(self.output.val())
    }

    /// W, detached: `[members, width, p]`.
    pub fn output_weights(&self) -> Tensor<3> {
        self.output.val().detach()
    }

    /// Each member's weight norm: `[members]`, detached.
    pub fn weight_norms(&self) -> Tensor<1> {
        let members = self.members();
        let squares = |t: Tensor<3>| {
            t.powi_scalar(2)
                .reshape([members as i32, -1])
                .sum_dim(1)
                .reshape([members])
        };
        (squares(self.input.val().detach()) + squares(self.output.val().detach())).sqrt()
    }

    /// Each member's hidden units' IPR (see the module's doc): `[members, width]`, detached.
    /// `basis` is [`fourier_basis`]'s pair for this `p`.
    pub fn iprs(&self, basis: &(Tensor<2>, Tensor<2>)) -> Tensor<2> {
        let [members, rows, width] = self.input.dims();
        let p = rows / 2;
        let input = self.input.val().detach();
        // Each unit's weights as a row: [members, width, p].
        let u = input
            .clone()
            .slice([0..members, 0..p, 0..width])
            .swap_dims(1, 2);
        let v = input
            .slice([0..members, p..2 * p, 0..width])
            .swap_dims(1, 2);
        let w = self.output.val().detach();
        let ipr = |rows: Tensor<3>| {
            let flat = rows.reshape([members * width, p]);
            let re = flat.clone().matmul(basis.0.clone());
            let im = flat.matmul(basis.1.clone());
            let power = re.clone() * re + im.clone() * im;
            let total = power.clone().sum_dim(1);
            let ratio = power.powi_scalar(2).sum_dim(1) / (total.powi_scalar(2) + 1e-30);
            ratio.reshape([members, width])
        };
        (ipr(u) + ipr(v) + ipr(w)) / 3.0
    }
}

/// The real and imaginary parts of the DFT over `0..p` for frequencies `0..=p/2` (numpy's
/// `rfft`), as two `[p, p/2 + 1]` matrices: a row of weights times them gives the transform.
pub fn fourier_basis(p: usize, device: &Device) -> (Tensor<2>, Tensor<2>) {
    let k_count = p / 2 + 1;
    let mut re = Vec::with_capacity(p * k_count);
    let mut im = Vec::with_capacity(p * k_count);
    for n in 0..p {
        for k in 0..k_count {
            let angle = std::f64::consts::TAU * (k * n % p) as f64 / p as f64;
            re.push(angle.cos() as f32);
            im.push(-angle.sin() as f32);
        }
    }
    let make = |v: Vec<f32>| Tensor::from_data(TensorData::new(v, [p, k_count]), device);
    (make(re), make(im))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The IPR of a pure wave is 1, of an impulse 1/(⌊p/2⌋+1); the model computes h² and a
    /// member is the same network alone or in a stack.
    #[test]
    fn ipr_and_forward_read_as_documented() {
        let device = Device::flex();
        let (p, width) = (7, 3);
        let mut streams = [Stream::new(1, "m"), Stream::new(2, "m")];
        let net = SquareMlp::new(p, width, 0.3, &mut streams, &device);
        let alone = SquareMlp::new(p, width, 0.3, &mut [Stream::new(2, "m")], &device);
        let a = Tensor::<1, Int>::from_data(TensorData::new(vec![0i64, 3, 6], [3]), &device);
        let b = Tensor::<1, Int>::from_data(TensorData::new(vec![1i64, 5, 6], [3]), &device);
        let both = net.forward(a.clone(), b.clone());
        let second = alone.forward(a, b);
        let diff: f32 = (both.slice([1..2, 0..3, 0..p]) - second)
            .abs()
            .max()
            .into_scalar();
        assert_eq!(diff, 0.0);

        // A unit whose U, V and W rows are one cosine wave (frequency 2) has IPR 1; a unit
        // whose rows are impulses has 1/4 (p = 7: frequencies 0..=3).
        let wave: Vec<f32> = (0..p)
            .map(|n| (std::f64::consts::TAU * 2.0 * n as f64 / p as f64).cos() as f32)
            .collect();
        let impulse: Vec<f32> = (0..p).map(|n| if n == 0 { 1.0 } else { 0.0 }).collect();
        let mut input = vec![0f32; 2 * p * 2];
        let mut output = vec![0f32; 2 * p];
        for n in 0..p {
            for half in 0..2 {
                input[(half * p + n) * 2] = wave[n];
                input[(half * p + n) * 2 + 1] = impulse[n];
            }
            output[n] = wave[n];
            output[p + n] = impulse[n];
        }
        let param = |v: Vec<f32>, s: [usize; 3]| {
            Param::from_tensor(Tensor::from_data(TensorData::new(v, s), &device))
        };
        let net = SquareMlp {
            input: param(input, [1, 2 * p, 2]),
            output: param(output, [1, 2, p]),
        };
        let iprs: Vec<f32> = net
            .iprs(&fourier_basis(p, &device))
            .into_data()
            .try_to_vec::<f32>()
            .expect("f32");
        assert!((iprs[0] - 1.0).abs() < 1e-5, "{iprs:?}");
        assert!((iprs[1] - 0.25).abs() < 1e-5, "{iprs:?}");
    }
}
