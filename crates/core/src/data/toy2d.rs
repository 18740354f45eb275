//! Two-class point clouds in the plane, in the spirit of TensorFlow Playground's data sets.
//! Coordinates lie in roughly [-1, 1]²; labels are 0 or 1.

use serde::{Deserialize, Serialize};

use crate::data::table::Table;
use crate::rng::Stream;

/// The shape of a 2-D data set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// A disc inside a ring: needs a closed boundary.
    Circle,
    /// Four quadrants, opposite ones share a label.
    Xor,
    /// Two Gaussian blobs: linearly separable (the control).
    Gauss,
    /// Two interleaved spirals: the hard one.
    Spiral,
}

impl Shape {
    pub const NAMES: &'static [&'static str] = &["circle", "xor", "gauss", "spiral"];
}

/// Where a `toy2d` run's points come from: a generated [`Shape`], or the reader's own CSV file
/// (`local`: a link says so, and cannot carry the file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Circle,
    Xor,
    Gauss,
    Spiral,
    Local,
}

impl Source {
    pub const NAMES: &'static [&'static str] = &["circle", "xor", "gauss", "spiral", "local"];

    /// The shape generated, or `None` for the reader's own file.
    pub fn shape(self) -> Option<Shape> {
        match self {
            Source::Circle => Some(Shape::Circle),
            Source::Xor => Some(Shape::Xor),
            Source::Gauss => Some(Shape::Gauss),
            Source::Spiral => Some(Shape::Spiral),
            Source::Local => None,
        }
    }
}

impl From<Shape> for Source {
    fn from(shape: Shape) -> Self {
        match shape {
            Shape::Circle => Source::Circle,
            Shape::Xor => Source::Xor,
            Shape::Gauss => Source::Gauss,
            Shape::Spiral => Source::Spiral,
        }
    }
}

/// Points from the reader's own table (two feature columns, two labels): each column scaled
/// to [-1, 1], rows shuffled by `rng`, Gaussian input noise of standard deviation `noise`
/// added, classes in the table's order.
pub fn from_table(table: &Table, noise: f64, rng: &mut Stream) -> Points {
    let table = table.scaled().shuffled(rng);
    let mut points = Points::default();
    for i in 0..table.rows() {
        let row = table.row(i);
        let mut jitter = || {
            if noise > 0.0 {
                (noise * rng.normal()) as f32
            } else {
                0.0
            }
        };
        let xy = [row[0] + jitter(), row[1] + jitter()];
        points.push(xy, table.examples.y[i]);
    }
    points
}

/// A labelled point set.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Points {
    /// `[x, y]` per point.
    pub xy: Vec<[f32; 2]>,
    /// The label the model is trained on (possibly flipped by label noise).
    pub label: Vec<u8>,
    /// Whether label noise flipped this point's label.
    pub flipped: Vec<bool>,
}

impl Points {
    pub fn len(&self) -> usize {
        self.xy.len()
    }

    pub fn is_empty(&self) -> bool {
        self.xy.is_empty()
    }

    fn push(&mut self, xy: [f32; 2], label: u8) {
        self.xy.push(xy);
        self.label.push(label);
        self.flipped.push(false);
    }

    /// Row-major `[n, 2]` coordinates, ready for a tensor.
    pub fn flat_xy(&self) -> Vec<f32> {
        self.xy.iter().flat_map(|p| *p).collect()
    }
}

/// Generates `n` points of `shape` with Gaussian input noise of standard deviation `noise`,
/// classes balanced, order shuffled.
pub fn generate(shape: Shape, n: usize, noise: f64, rng: &mut Stream) -> Points {
    let mut points = Points::default();
    for i in 0..n {
        let label = (i % 2) as u8;
        let (x, y) = match shape {
            Shape::Circle => {
                let r = if label == 1 {
                    rng.range(0.0, 0.5)
                } else {
                    rng.range(0.7, 1.0)
                };
                let t = rng.range(0.0, std::f64::consts::TAU);
                (r * t.cos(), r * t.sin())
            }
            Shape::Xor => {
                // Keep a small margin off the axes so the clean labels are unambiguous.
                let pad = |v: f64| if v > 0.0 { v + 0.05 } else { v - 0.05 };
                let (sx, sy) = (rng.range(-0.95, 0.95), rng.range(-0.95, 0.95));
                let (x, y) = (pad(sx), pad(sy));
                let same_sign = (x > 0.0) == (y > 0.0);
                // Choose the quadrant pair from the label, keep the magnitudes.
                if same_sign == (label == 1) {
                    (x, y)
                } else {
                    (-x, y)
                }
            }
            Shape::Gauss => {
                let c = if label == 1 { 0.45 } else { -0.45 };
                (c + 0.2 * rng.normal(), c + 0.2 * rng.normal())
            }
            Shape::Spiral => {
                let k = (i / 2) as f64 / (n / 2).max(1) as f64;
                let r = 0.05 + 0.9 * k;
                let t = 1.75 * std::f64::consts::TAU * k
                    + if label == 1 {
                        std::f64::consts::PI
                    } else {
                        0.0
                    };
                (r * t.sin(), r * t.cos())
            }
        };
        let jitter = |rng: &mut Stream| {
            if noise > 0.0 {
                noise * rng.normal()
            } else {
                0.0
            }
        };
        let (x, y) = (x + jitter(rng), y + jitter(rng));
        points.push([x as f32, y as f32], label);
    }
    let order = rng.permutation(n);
    Points {
        xy: order.iter().map(|&i| points.xy[i]).collect(),
        label: order.iter().map(|&i| points.label[i]).collect(),
        flipped: vec![false; n],
    }
}

/// Splits off the first `train_fraction` of the points for training (at least one point on
/// each side when there are two or more), then flips each training label with probability
/// `label_noise`. Test labels stay clean.
pub fn split(
    points: Points,
    train_fraction: f64,
    label_noise: f64,
    rng: &mut Stream,
) -> (Points, Points) {
    let n = points.len();
    let n_train =
        ((n as f64 * train_fraction).round() as usize).clamp(1.min(n), n.saturating_sub(1).max(1));
    let take = |range: std::ops::Range<usize>| Points {
        xy: points.xy[range.clone()].to_vec(),
        label: points.label[range.clone()].to_vec(),
        flipped: points.flipped[range].to_vec(),
    };
    let mut train = take(0..n_train);
    let test = take(n_train..n);
    for i in 0..train.len() {
        if rng.chance(label_noise) {
            train.label[i] ^= 1;
            train.flipped[i] = true;
        }
    }
    (train, test)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(shape: Shape) -> Points {
        generate(shape, 400, 0.0, &mut Stream::new(1, "data"))
    }

    #[test]
    fn classes_are_balanced_and_in_range() {
        for shape in [Shape::Circle, Shape::Xor, Shape::Gauss, Shape::Spiral] {
            let p = make(shape);
            assert_eq!(p.len(), 400);
            assert_eq!(p.label.iter().filter(|&&l| l == 1).count(), 200);
            assert!(
                p.xy.iter().all(|[x, y]| x.abs() <= 1.6 && y.abs() <= 1.6),
                "{shape:?}"
            );
        }
    }

    #[test]
    fn noiseless_labels_follow_the_rule() {
        let c = make(Shape::Circle);
        for ([x, y], l) in c.xy.iter().zip(&c.label) {
            let r = (x * x + y * y).sqrt();
            assert_eq!(*l == 1, r < 0.6, "circle point r={r}");
        }
        let x = make(Shape::Xor);
        for ([a, b], l) in x.xy.iter().zip(&x.label) {
            assert_eq!(*l == 1, (*a > 0.0) == (*b > 0.0));
        }
    }

    #[test]
    fn same_seed_same_points() {
        assert_eq!(make(Shape::Spiral), make(Shape::Spiral));
        let other = generate(Shape::Spiral, 400, 0.0, &mut Stream::new(2, "data"));
        assert_ne!(make(Shape::Spiral), other);
    }

    #[test]
    fn split_flips_only_training_labels_at_the_given_rate() {
        let p = generate(Shape::Xor, 4000, 0.0, &mut Stream::new(3, "data"));
        let (train, test) = split(p, 0.5, 0.2, &mut Stream::new(3, "noise"));
        assert_eq!(train.len(), 2000);
        assert_eq!(test.len(), 2000);
        assert!(test.flipped.iter().all(|f| !f));
        let rate = train.flipped.iter().filter(|f| **f).count() as f64 / 2000.0;
        assert!((rate - 0.2).abs() < 0.03, "flip rate {rate}");
    }
}
