//! The random feature map (engine only: its blocks are nalgebra matrices).

use nalgebra::DMatrix;

use super::FeatureKind;
use crate::rng::Stream;

/// `count` random features of `dim`-dimensional inputs, computed in single precision (the
/// sweeps' products run in f32; the map is the same for the training and test inputs, so the
/// rounding only picks a slightly different random draw).
#[derive(Clone, Debug)]
pub struct RandomFeatures {
    kind: FeatureKind,
    dim: usize,
    /// `[count, dim]` row-major.
    directions: Vec<f32>,
    offsets: Vec<f32>,
}

impl RandomFeatures {
    pub fn new(kind: FeatureKind, dim: usize, count: usize, rng: &mut Stream) -> Self {
        let sd = 1.0 / (dim as f64).sqrt();
        let directions = (0..count * dim)
            .map(|_| (sd * rng.normal()) as f32)
            .collect();
        let offsets = (0..count)
            .map(|_| match kind {
                FeatureKind::Relu => (0.5 * rng.normal()) as f32,
                FeatureKind::Fourier => rng.range(0.0, std::f64::consts::TAU) as f32,
            })
            .collect();
        Self {
            kind,
            dim,
            directions,
            offsets,
        }
    }

    pub fn count(&self) -> usize {
        self.offsets.len()
    }

    /// Features `from..to` of each row of `x`.
    ///
    /// # Shapes
    /// - x: `[rows, dim]` → `[rows, to - from]`
    pub fn block(&self, x: &DMatrix<f32>, from: usize, to: usize) -> DMatrix<f32> {
        debug_assert_eq!(x.ncols(), self.dim);
        let width = to - from;
        // [dim, width] column-major: column j is direction from + j.
        let v = DMatrix::from_column_slice(
            self.dim,
            width,
            &self.directions[from * self.dim..to * self.dim],
        );
        let mut z = x * v;
        let rows = x.nrows();
        let offsets = &self.offsets[from..to];
        // Column by column over plain slices, the kind matched once (the ReLU loop vectorises).
        let columns = z.as_mut_slice().chunks_exact_mut(rows.max(1)).zip(offsets);
        match self.kind {
            FeatureKind::Relu => {
                for (column, &b) in columns {
                    for value in column {
                        let v = *value + b;
                        *value = if v > 0.0 { v } else { 0.0 };
                    }
                }
            }
            FeatureKind::Fourier => {
                for (column, &b) in columns {
                    for value in column {
                        *value = std::f32::consts::SQRT_2 * (*value + b).cos();
                    }
                }
            }
        }
        z
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_slices_of_the_full_map() {
        let mut rng = Stream::new(1, "t");
        let f = RandomFeatures::new(FeatureKind::Relu, 3, 10, &mut rng);
        let x = DMatrix::from_fn(4, 3, |i, j| (i as f32) - (j as f32) * 0.5);
        let all = f.block(&x, 0, 10);
        let part = f.block(&x, 4, 7);
        assert_eq!(part, all.columns(4, 3).into_owned());
        assert!(all.iter().all(|v| *v >= 0.0));
        assert!(all.iter().any(|v| *v > 0.0));
    }

    #[test]
    fn fourier_features_approximate_a_gaussian_kernel() {
        let mut rng = Stream::new(2, "t");
        let dim = 4;
        let f = RandomFeatures::new(FeatureKind::Fourier, dim, 20_000, &mut rng);
        let x = DMatrix::from_row_slice(2, dim, &[0.0f32, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
        let phi = f.block(&x, 0, f.count());
        let k = f64::from(phi.row(0).dot(&phi.row(1))) / f.count() as f64;
        // exp(-|x - x'|² / (2·dim)) = exp(-2/8)
        assert!((k - (-0.25f64).exp()).abs() < 0.03, "{k}");
    }
}
