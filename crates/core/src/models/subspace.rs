//! MLPs trained inside random subspaces of their own parameters (Li et al. 2018): every
//! member is θ = θ₀ + P·z, with θ₀ the network's usual random start (frozen, the same for
//! every member), P a fixed random D × d projection with unit-length columns, and z ∈ Rᵈ,
//! starting at 0, the only numbers that train.
//!
//! P is sparse: each of the D parameters reads `nonzeros` of the d coordinates, with random
//! signs, every column read equally often and scaled to unit length. It is stored as
//! `[D, nonzeros]` column indices and values, 8 bytes per entry, where a dense P would take
//! 4·D·d. Members of different d train as one module: their coordinates sit one after
//! another in one vector, their parameters are built by one `select` of it and a sum over
//! `nonzeros`, and their networks run as batched matrix products. A member with the identity
//! for P (d = D) is the network trained directly.

use burn::module::{Module, Param};
use burn::tensor::{Device, Int, Tensor, TensorData, activation};

use crate::rng::Stream;

/// A sparse D × d projection: row i (parameter i) holds `values[i·s + k]` in column
/// `columns[i·s + k]`, for k < s.
#[derive(Clone, Debug, PartialEq)]
pub struct Projection {
    /// The subspace's dimension (columns).
    pub d: usize,
    /// Nonzeros per row.
    pub nonzeros: usize,
    pub columns: Vec<u32>,
    pub values: Vec<f32>,
}

impl Projection {
    /// A random projection of `parameters` rows into `d` columns (`1 ≤ d ≤ parameters`): the
    /// `parameters · nonzeros` entries go to the columns in turn, in a random order, so every
    /// column is read ⌊·⌋ or ⌈·⌉ of `parameters · nonzeros / d` times; each entry is ±1 at
    /// random, scaled by 1/√(its column's count), so every column has unit length.
    pub fn random(parameters: usize, d: usize, nonzeros: usize, rng: &mut Stream) -> Self {
        let slots = parameters * nonzeros;
        let d = d.clamp(1, slots.max(1));
        let mut columns = vec![0u32; slots];
        for (t, slot) in rng.permutation(slots).into_iter().enumerate() {
            columns[slot] = (t % d) as u32;
        }
        let mut counts = vec![0u32; d];
        for &c in &columns {
            counts[c as usize] += 1;
        }
        let values = columns
            .iter()
            .map(|&c| {
                let sign = if rng.chance(0.5) { 1.0 } else { -1.0 };
                sign / (counts[c as usize] as f32).sqrt()
            })
            .collect();
        Self {
            d,
            nonzeros,
            columns,
            values,
        }
    }

    /// The identity (d = `parameters`): every parameter its own coordinate, the network
    /// trained directly. Stored with `nonzeros` entries a row like the others (the first 1,
    /// the rest 0) so that it stacks with them.
    pub fn identity(parameters: usize, nonzeros: usize) -> Self {
        let mut columns = vec![0u32; parameters * nonzeros];
        let mut values = vec![0.0f32; parameters * nonzeros];
        for i in 0..parameters {
            columns[i * nonzeros] = i as u32;
            values[i * nonzeros] = 1.0;
        }
        Self {
            d: parameters,
            nonzeros,
            columns,
            values,
        }
    }
}

/// Every member's coordinates z, one after another: the only trained numbers.
#[derive(Module, Debug)]
pub struct Coordinates {
    pub z: Param<Tensor<1>>,
}

/// The fixed part of a stack of subspace members: the start θ₀, the projections as one
/// gather, and the network's layer layout.
pub struct Subspaces {
    /// `[1, D]`.
    theta0: Tensor<2>,
    /// `[members · D · s]`: for each member, parameter and entry, the coordinate it reads (its
    /// member's offset into the coordinates added).
    index: Tensor<1, Int>,
    /// `[members, D, s]`.
    values: Tensor<3>,
    /// `(fan_in, fan_out)` per layer; each layer's weights `[fan_in, fan_out]` then its
    /// biases, in that order in θ.
    layers: Vec<(usize, usize)>,
    members: usize,
    parameters: usize,
}

/// Layer sizes of a `d_in → width (× depth) → classes` MLP.
pub fn layers(d_in: usize, width: usize, depth: usize, classes: usize) -> Vec<(usize, usize)> {
    let mut dims = vec![d_in];
    dims.extend(std::iter::repeat_n(width, depth));
    dims.push(classes);
    dims.windows(2).map(|p| (p[0], p[1])).collect()
}

/// Parameters of an MLP of these layers (weights and biases).
pub fn parameter_count(layers: &[(usize, usize)]) -> usize {
    layers.iter().map(|(i, o)| i * o + o).sum()
}

impl Subspaces {
    /// Members with these projections (each with `parameter_count(layers)` rows and the same
    /// nonzeros) from one start θ₀, drawn from `init` with uniform ±1/√fan-in weights and
    /// biases (the usual fully connected default); and their coordinates, all zero.
    pub fn new(
        layers: Vec<(usize, usize)>,
        projections: &[Projection],
        init: &mut Stream,
        device: &Device,
    ) -> (Self, Coordinates) {
        let parameters = parameter_count(&layers);
        let mut theta0 = Vec::with_capacity(parameters);
        for &(fan_in, fan_out) in &layers {
            let bound = 1.0 / (fan_in as f64).sqrt();
            theta0
                .extend((0..fan_in * fan_out + fan_out).map(|_| init.range(-bound, bound) as f32));
        }
        let nonzeros = projections.first().map_or(1, |p| p.nonzeros);
        let mut index = Vec::with_capacity(projections.len() * parameters * nonzeros);
        let mut values = Vec::with_capacity(index.capacity());
        let mut offset = 0i64;
        for p in projections {
            debug_assert_eq!(p.columns.len(), parameters * nonzeros);
            index.extend(p.columns.iter().map(|&c| offset + i64::from(c)));
            values.extend_from_slice(&p.values);
            offset += p.d as i64;
        }
        let members = projections.len();
        let total = index.len();
        let subspaces = Self {
            theta0: Tensor::from_data(TensorData::new(theta0, [1, parameters]), device),
            index: Tensor::from_data(TensorData::new(index, [total]), device),
            values: Tensor::from_data(
                TensorData::new(values, [members, parameters, nonzeros]),
                device,
            ),
            layers,
            members,
            parameters,
        };
        let z = Tensor::zeros([offset as usize], device);
        (
            subspaces,
            Coordinates {
                z: Param::from_tensor(z),
            },
        )
    }

    /// Every member's parameters θ₀ + P·z: `[members, D]`.
    pub fn parameters(&self, coordinates: &Coordinates) -> Tensor<2> {
        let [m, d, s] = self.values.dims();
        let picked = coordinates
            .z
            .val()
            .select(0, self.index.clone())
            .reshape([m, d, s]);
        (picked * self.values.clone()).sum_dim(2).reshape([m, d]) + self.theta0.clone()
    }

    /// Every member's logits on the same inputs.
    ///
    /// # Shapes
    /// - theta: `[members, D]` (from [`Subspaces::parameters`]), input: `[batch, d_in]`
    /// - output: `[members, batch, classes]`
    pub fn forward(&self, theta: &Tensor<2>, input: Tensor<2>) -> Tensor<3> {
        let m = self.members;
        let [batch, d_in] = input.dims();
        let mut x = input.reshape([1, batch, d_in]).repeat_dim(0, m);
        let mut at = 0;
        let last = self.layers.len() - 1;
        for (l, &(fan_in, fan_out)) in self.layers.iter().enumerate() {
            let w = theta
                .clone()
                .slice([0..m, at..at + fan_in * fan_out])
                .reshape([m, fan_in, fan_out]);
            at += fan_in * fan_out;
            let b = theta
                .clone()
                .slice([0..m, at..at + fan_out])
                .reshape([m, 1, fan_out]);
            at += fan_out;
            x = x.matmul(w) + b;
            if l < last {
                x = activation::relu(x);
            }
        }
        x
    }

    pub fn members(&self) -> usize {
        self.members
    }

    /// Parameters of one member's network (D).
    pub fn parameter_count(&self) -> usize {
        self.parameters
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_random_projection_has_unit_columns_each_read_about_equally_often() {
        let p = Projection::random(1000, 37, 4, &mut Stream::new(1, "test"));
        assert_eq!(p.columns.len(), 4000);
        let mut norms = vec![0.0f64; 37];
        let mut counts = vec![0usize; 37];
        for (&c, &v) in p.columns.iter().zip(&p.values) {
            norms[c as usize] += f64::from(v) * f64::from(v);
            counts[c as usize] += 1;
        }
        for j in 0..37 {
            assert!((norms[j] - 1.0).abs() < 1e-5, "column {j}: {}", norms[j]);
            assert!(
                (108..=109).contains(&counts[j]),
                "column {j}: {}",
                counts[j]
            );
        }
        // Signs are random: about half negative.
        let negative = p.values.iter().filter(|v| **v < 0.0).count();
        assert!((1800..2200).contains(&negative), "{negative}");
        // Seeded: the same stream gives the same projection, another seed another.
        assert_eq!(
            p,
            Projection::random(1000, 37, 4, &mut Stream::new(1, "test"))
        );
        assert_ne!(
            p,
            Projection::random(1000, 37, 4, &mut Stream::new(2, "test"))
        );
    }

    #[test]
    fn parameters_are_the_start_plus_the_projected_coordinates() {
        let device = Device::flex();
        let layers = layers(3, 4, 1, 2);
        let count = parameter_count(&layers);
        assert_eq!(count, 3 * 4 + 4 + 4 * 2 + 2);
        let projections = [
            Projection::random(count, 5, 2, &mut Stream::new(3, "p")),
            Projection::identity(count, 2),
        ];
        let (stack, mut coords) =
            Subspaces::new(layers, &projections, &mut Stream::new(4, "init"), &device);
        // At z = 0 both members are θ₀.
        let theta: Vec<f32> = stack
            .parameters(&coords)
            .into_data()
            .try_to_vec::<f32>()
            .expect("f32");
        assert_eq!(theta[..count], theta[count..]);
        // A coordinate vector: the first member's θ moves by P·z, the identity member's by z.
        let z: Vec<f32> = (0..5 + count).map(|i| (i as f32 * 0.37).sin()).collect();
        coords.z = Param::from_tensor(Tensor::from_data(
            TensorData::new(z.clone(), [5 + count]),
            &device,
        ));
        let moved: Vec<f32> = stack
            .parameters(&coords)
            .into_data()
            .try_to_vec::<f32>()
            .expect("f32");
        let p = &projections[0];
        for i in 0..count {
            let expected: f32 = (0..2)
                .map(|k| p.values[i * 2 + k] * z[p.columns[i * 2 + k] as usize])
                .sum();
            assert!((moved[i] - theta[i] - expected).abs() < 1e-5, "row {i}");
            assert!((moved[count + i] - theta[count + i] - z[5 + i]).abs() < 1e-5);
        }
    }
}
