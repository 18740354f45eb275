//! Labelled examples in memory: the one type the digits, MNIST-1D, a reader's own table and a
//! classifier's data pool hold their inputs and classes in.

use serde::{Deserialize, Serialize};

/// Examples as row-major inputs, `[len, dim]`, and a class for each.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Labelled {
    /// Inputs per example.
    pub dim: usize,
    /// Row-major `[len, dim]`.
    pub x: Vec<f32>,
    /// Each example's class.
    pub y: Vec<u8>,
}

impl Labelled {
    /// No examples yet, each to have `dim` inputs.
    pub fn new(dim: usize) -> Self {
        Self {
            dim,
            ..Self::default()
        }
    }

    pub fn len(&self) -> usize {
        self.y.len()
    }

    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Example `i`'s inputs.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.x[i * self.dim..(i + 1) * self.dim]
    }

    /// Adds an example (`row` has `dim` inputs).
    pub fn push(&mut self, row: &[f32], class: u8) {
        debug_assert_eq!(row.len(), self.dim);
        self.x.extend_from_slice(row);
        self.y.push(class);
    }

    /// Whether the inputs are `dim` for every class given.
    pub fn is_whole(&self) -> bool {
        self.x.len() == self.y.len() * self.dim
    }

    /// The first `n` examples and the rest.
    pub fn split_at(&self, n: usize) -> (Labelled, Labelled) {
        let n = n.min(self.len());
        let part = |rows: std::ops::Range<usize>| Labelled {
            dim: self.dim,
            x: self.x[rows.start * self.dim..rows.end * self.dim].to_vec(),
            y: self.y[rows].to_vec(),
        };
        (part(0..n), part(n..self.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_splits_keep_inputs_with_their_classes() {
        let mut set = Labelled::new(2);
        for i in 0..5u8 {
            set.push(&[f32::from(i), -f32::from(i)], i % 3);
        }
        assert_eq!(set.len(), 5);
        assert_eq!(set.row(3), [3.0, -3.0]);
        let (head, tail) = set.split_at(2);
        assert_eq!((head.len(), tail.len()), (2, 3));
        assert_eq!(tail.row(0), [2.0, -2.0]);
        assert_eq!(tail.y, [2, 0, 1]);
        let (all, none) = set.split_at(9);
        assert_eq!((all, none.is_empty()), (set, true));
    }
}
