//! XOR cluster data (Xu, Wang, Frei, Vardi & Hu 2023): points around four cluster means ±μ₁,
//! ±μ₂ (orthogonal, of norm `signal`) in a high dimension, plus isotropic Gaussian noise. The
//! clusters ±μ₁ are labelled +1 and ±μ₂ are labelled −1, so no linear classifier beats chance,
//! and a fraction of the training labels can be flipped.

use crate::rng::Stream;

/// A labelled set of XOR cluster points.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct XorClusters {
    /// Row-major `[n, dim]` inputs.
    pub x: Vec<f32>,
    pub dim: usize,
    /// The cluster's label, ±1.
    pub clean: Vec<f32>,
    /// The label as given (the clean one, or its opposite where flipped), ±1.
    pub label: Vec<f32>,
    /// Whether the given label was flipped.
    pub flipped: Vec<bool>,
}

impl XorClusters {
    pub fn len(&self) -> usize {
        self.clean.len()
    }

    pub fn is_empty(&self) -> bool {
        self.clean.is_empty()
    }

    pub fn flipped_count(&self) -> usize {
        self.flipped.iter().filter(|f| **f).count()
    }
}

/// `n` points in `dim ≥ 2` dimensions: μ₁ = signal·e₁ and μ₂ = signal·e₂ (any orthogonal pair
/// is equivalent, the noise being isotropic), unit-variance noise in every coordinate, each
/// label flipped with probability `flip`.
pub fn generate(n: usize, dim: usize, signal: f64, flip: f64, rng: &mut Stream) -> XorClusters {
    let mut out = XorClusters {
        x: Vec::with_capacity(n * dim),
        dim,
        ..XorClusters::default()
    };
    for _ in 0..n {
        let cluster = rng.below(4);
        let (axis, sign) = (
            cluster / 2,
            if cluster.is_multiple_of(2) { 1.0 } else { -1.0 },
        );
        let start = out.x.len();
        out.x.extend((0..dim).map(|_| rng.normal() as f32));
        out.x[start + axis] += (sign * signal) as f32;
        let clean = if axis == 0 { 1.0 } else { -1.0 };
        let flipped = rng.chance(flip);
        out.clean.push(clean);
        out.label.push(if flipped { -clean } else { clean });
        out.flipped.push(flipped);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_sit_at_their_means_with_the_xor_labels() {
        let data = generate(4000, 50, 6.0, 0.2, &mut Stream::new(3, "xor"));
        assert_eq!(data.x.len(), 4000 * 50);
        let flipped = data.flipped_count() as f64 / 4000.0;
        assert!((0.17..0.23).contains(&flipped), "{flipped}");
        for i in 0..data.len() {
            assert_eq!(data.label[i] == data.clean[i], !data.flipped[i]);
            let row = &data.x[i * 50..(i + 1) * 50];
            // The cluster's coordinate is ±6 ± noise, far beyond the noise of the other one.
            let (a, b) = (row[0].abs(), row[1].abs());
            let on_first = a > b;
            if (a - b).abs() > 4.0 {
                assert_eq!(on_first, data.clean[i] > 0.0, "point {i}: {a} {b}");
            }
        }
        // Noise coordinates have unit variance.
        let var: f64 = (0..data.len())
            .map(|i| f64::from(data.x[i * 50 + 7]).powi(2))
            .sum::<f64>()
            / 4000.0;
        assert!((0.9..1.1).contains(&var), "{var}");
    }
}
