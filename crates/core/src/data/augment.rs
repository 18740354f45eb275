//! Data augmentation for the 8×8 digits: random small shifts, rotations, scalings and pixel
//! noise, as in Simard et al. (2003), drawn per image from seeded streams. One `strength` knob
//! scales them all together, so a page can show that a little helps and too much hurts.

use crate::data::digits::{PIXELS, SIDE};
use crate::rng::Stream;

/// Which transformations an augmentation draws.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    #[default]
    All,
    Shift,
    Rotate,
    Scale,
    Noise,
}

impl Kind {
    pub const NAMES: &'static [&'static str] = &["all", "shift", "rotate", "scale", "noise"];

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// The largest random transformation of each kind.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Augment {
    /// Shift in pixels, each axis uniform in [-shift, shift].
    pub shift: f32,
    /// Rotation in degrees, uniform in [-rotate, rotate].
    pub rotate: f32,
    /// Relative scaling, uniform in [1 - scale, 1 + scale].
    pub scale: f32,
    /// Standard deviation of Gaussian pixel noise (pixels are in [0, 1]).
    pub noise: f32,
}

impl Augment {
    /// No augmentation.
    pub const NONE: Augment = Augment {
        shift: 0.0,
        rotate: 0.0,
        scale: 0.0,
        noise: 0.0,
    };

    /// All four kinds together: strength 1 is ±1 pixel, ±10°, ±10% and noise 0.05; the ranges
    /// grow linearly with the strength.
    pub fn strength(s: f32) -> Self {
        Augment {
            shift: s,
            rotate: 10.0 * s,
            scale: 0.1 * s,
            noise: 0.05 * s,
        }
    }

    /// One kind alone (or all four) at strength `s`, on the same scale as [`Augment::strength`].
    pub fn of(kind: Kind, s: f32) -> Self {
        let all = Self::strength(s);
        match kind {
            Kind::All => all,
            Kind::Shift => Augment {
                shift: all.shift,
                ..Self::NONE
            },
            Kind::Rotate => Augment {
                rotate: all.rotate,
                ..Self::NONE
            },
            Kind::Scale => Augment {
                scale: all.scale,
                ..Self::NONE
            },
            Kind::Noise => Augment {
                noise: all.noise,
                ..Self::NONE
            },
        }
    }

    pub fn is_none(&self) -> bool {
        *self == Augment::NONE
    }

    /// A randomly transformed copy of an 8×8 image (values in [0, 1], row-major).
    pub fn apply(&self, image: &[f32], rng: &mut Stream) -> Vec<f32> {
        let mut draw = |limit: f32| {
            if limit > 0.0 {
                rng.range(-f64::from(limit), f64::from(limit)) as f32
            } else {
                0.0
            }
        };
        let (dx, dy) = (draw(self.shift), draw(self.shift));
        let angle = draw(self.rotate).to_radians();
        let scale = 1.0 + draw(self.scale);
        let mut out = transform(image, dx, dy, angle, scale);
        if self.noise > 0.0 {
            for v in &mut out {
                *v = (*v + self.noise * rng.normal() as f32).clamp(0.0, 1.0);
            }
        }
        out
    }
}

impl Augment {
    /// A randomly transformed copy of an MNIST-1D signal (40 standardised values), with the
    /// same strength scale read in one dimension: shifted circularly (as the generator
    /// translates) by up to `5·shift` points, stretched about the centre by up to ±`scale`,
    /// sheared by a linear ramp of up to ±`rotate`/20 at the ends, plus Gaussian noise of
    /// standard deviation `2·noise`.
    pub fn apply_1d(&self, signal: &[f32], rng: &mut Stream) -> Vec<f32> {
        let mut draw = |limit: f32| {
            if limit > 0.0 {
                rng.range(-f64::from(limit), f64::from(limit)) as f32
            } else {
                0.0
            }
        };
        let shift = draw(5.0 * self.shift);
        let scale = 1.0 + draw(self.scale);
        let shear = draw(self.rotate / 20.0);
        let n = signal.len();
        let centre = (n as f32 - 1.0) / 2.0;
        let at = |i: i64| signal[i.rem_euclid(n as i64) as usize];
        let mut out: Vec<f32> = (0..n)
            .map(|i| {
                let src = (i as f32 - centre) / scale + centre - shift;
                let i0 = src.floor();
                let f = src - i0;
                let i0 = i0 as i64;
                let ramp = shear * 2.0 * (i as f32 / (n as f32 - 1.0) - 0.5);
                (1.0 - f) * at(i0) + f * at(i0 + 1) + ramp
            })
            .collect();
        if self.noise > 0.0 {
            for v in &mut out {
                *v += 2.0 * self.noise * rng.normal() as f32;
            }
        }
        out
    }
}

impl Augment {
    /// A copy of a table's row (columns scaled to [-1, 1]) with Gaussian noise of standard
    /// deviation `2·noise` on each value, as on an MNIST-1D signal; the geometric kinds do
    /// not apply to columns.
    pub fn apply_noise(&self, row: &[f32], rng: &mut Stream) -> Vec<f32> {
        row.iter()
            .map(|&v| {
                if self.noise > 0.0 {
                    v + 2.0 * self.noise * rng.normal() as f32
                } else {
                    v
                }
            })
            .collect()
    }
}

/// `image` rotated by `angle` (radians, counter-clockwise as drawn), scaled by `scale` about
/// the centre, then shifted by `(dx, dy)` pixels (right, down); bilinear interpolation, zero
/// outside the image.
pub fn transform(image: &[f32], dx: f32, dy: f32, angle: f32, scale: f32) -> Vec<f32> {
    let centre = (SIDE as f32 - 1.0) / 2.0;
    let (sin, cos) = angle.sin_cos();
    let at = |r: i64, c: i64| -> f32 {
        if (0..SIDE as i64).contains(&r) && (0..SIDE as i64).contains(&c) {
            image[r as usize * SIDE + c as usize]
        } else {
            0.0
        }
    };
    let mut out = vec![0.0; PIXELS];
    for row in 0..SIDE {
        for col in 0..SIDE {
            // Where this output pixel comes from: undo the shift, then the scaling and the
            // rotation (rows grow downwards, so a counter-clockwise turn as drawn is clockwise
            // in (col, row) coordinates).
            let x = (col as f32 - dx - centre) / scale;
            let y = (row as f32 - dy - centre) / scale;
            let sx = cos * x - sin * y + centre;
            let sy = sin * x + cos * y + centre;
            let (c0, r0) = (sx.floor(), sy.floor());
            let (fx, fy) = (sx - c0, sy - r0);
            let (c0, r0) = (c0 as i64, r0 as i64);
            out[row * SIDE + col] = (1.0 - fy) * ((1.0 - fx) * at(r0, c0) + fx * at(r0, c0 + 1))
                + fy * ((1.0 - fx) * at(r0 + 1, c0) + fx * at(r0 + 1, c0 + 1));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_dimensional_shifts_roll_and_nothing_changes_nothing() {
        let signal: Vec<f32> = (0..40).map(|i| (i as f32 * 0.3).sin()).collect();
        let mut rng = Stream::new(1, "augment-1d");
        assert_eq!(Augment::NONE.apply_1d(&signal, &mut rng), signal);
        let shifted = Augment {
            shift: 0.2,
            ..Augment::NONE
        };
        let out = shifted.apply_1d(&signal, &mut rng);
        assert_eq!(out.len(), 40);
        assert_ne!(out, signal);
        // A circular shift keeps the values' sum (up to interpolation between neighbours).
        let (a, b): (f32, f32) = (signal.iter().sum(), out.iter().sum());
        assert!((a - b).abs() < 0.05 * a.abs().max(1.0), "{a} vs {b}");
        let strong = Augment::strength(3.0).apply_1d(&signal, &mut rng);
        let change: f32 = strong.iter().zip(&signal).map(|(x, y)| (x - y).abs()).sum();
        assert!(change > 5.0, "{change}");
    }
    use crate::data::digits;

    fn dot(row: usize, col: usize) -> Vec<f32> {
        let mut image = vec![0.0; PIXELS];
        image[row * SIDE + col] = 1.0;
        image
    }

    #[test]
    fn the_identity_changes_nothing() {
        let image = digits::all().row(5).to_vec();
        let same = transform(&image, 0.0, 0.0, 0.0, 1.0);
        assert!(same.iter().zip(&image).all(|(a, b)| (a - b).abs() < 1e-6));
        let mut rng = Stream::new(1, "augment");
        assert_eq!(Augment::NONE.apply(&image, &mut rng), image);
    }

    #[test]
    fn whole_pixel_shifts_and_quarter_turns_move_pixels_exactly() {
        let moved = transform(&dot(2, 3), 1.0, 2.0, 0.0, 1.0);
        assert_eq!(moved, dot(4, 4));
        // Off the edge: gone.
        assert!(
            transform(&dot(2, 7), 1.0, 0.0, 0.0, 1.0)
                .iter()
                .all(|v| *v == 0.0)
        );
        // A quarter turn counter-clockwise as drawn: the top-right corner goes to the top-left.
        let turned = transform(&dot(0, 7), 0.0, 0.0, std::f32::consts::FRAC_PI_2, 1.0);
        let at = turned.iter().position(|v| (*v - 1.0).abs() < 1e-5);
        assert_eq!(at, Some(0), "{turned:?}");
    }

    #[test]
    fn half_pixel_shifts_interpolate_and_scaling_spreads_ink() {
        let half = transform(&dot(3, 3), 0.5, 0.0, 0.0, 1.0);
        assert!((half[3 * SIDE + 3] - 0.5).abs() < 1e-6);
        assert!((half[3 * SIDE + 4] - 0.5).abs() < 1e-6);
        let image = digits::all().row(0).to_vec();
        let ink = |v: &[f32]| v.iter().sum::<f32>();
        let bigger = transform(&image, 0.0, 0.0, 0.0, 1.2);
        // Zooming in by 20% spreads the ink over about 1.2² as many pixels, the edge clipped.
        assert!(
            ink(&bigger) > ink(&image) * 1.1,
            "{} vs {}",
            ink(&bigger),
            ink(&image)
        );
    }

    #[test]
    fn random_augmentations_are_seeded_bounded_and_grow_with_strength() {
        let image = digits::all().row(10).to_vec();
        let change = |s: f32, seed: u64| -> f32 {
            let mut rng = Stream::new(seed, "augment");
            let out = Augment::strength(s).apply(&image, &mut rng);
            assert!(out.iter().all(|v| (0.0..=1.0).contains(v)));
            out.iter().zip(&image).map(|(a, b)| (a - b).abs()).sum()
        };
        assert_eq!(change(1.0, 3), change(1.0, 3));
        let mean = |s: f32| (0..40).map(|seed| change(s, seed)).sum::<f32>() / 40.0;
        let (small, medium, large) = (mean(0.25), mean(1.0), mean(3.0));
        assert!(small < medium && medium < large, "{small} {medium} {large}");
        assert!(small > 0.0);
    }
}
