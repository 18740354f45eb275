//! Minibatch order: epochs of seeded permutations.

use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::rng::Stream;

/// Yields minibatches of indices into a training set, reshuffled every epoch.
pub struct BatchOrder {
    n: usize,
    batch: usize,
    rng: Stream,
    perm: Vec<usize>,
    cursor: usize,
}

impl BatchOrder {
    /// `batch` is clamped to `n`; a batch of `n` is full-batch training (no shuffling needed).
    pub fn new(n: usize, batch: usize, rng: Stream) -> Self {
        Self {
            n,
            batch: batch.clamp(1, n.max(1)),
            rng,
            perm: Vec::new(),
            cursor: usize::MAX,
        }
    }

    /// Indices per batch.
    pub fn batch(&self) -> usize {
        self.batch
    }

    pub fn is_full_batch(&self) -> bool {
        self.batch >= self.n
    }

    /// The next minibatch (always `batch` indices; an epoch's tail rolls into the next epoch).
    pub fn next_batch(&mut self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.batch);
        while out.len() < self.batch {
            if self.cursor >= self.perm.len() {
                self.perm = self.rng.permutation(self.n);
                self.cursor = 0;
            }
            let take = (self.batch - out.len()).min(self.perm.len() - self.cursor);
            out.extend_from_slice(&self.perm[self.cursor..self.cursor + take]);
            self.cursor += take;
        }
        out
    }

    /// The next minibatch as an index tensor on `device`, ready for `select`.
    pub fn next_batch_tensor(&mut self, device: &Device) -> Tensor<1, Int> {
        let idx: Vec<i64> = self.next_batch().into_iter().map(|i| i as i64).collect();
        let len = idx.len();
        Tensor::from_data(TensorData::new(idx, [len]), device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_epoch_visits_every_index_once() {
        let mut order = BatchOrder::new(10, 5, Stream::new(1, "order"));
        let mut seen = [order.next_batch(), order.next_batch()].concat();
        seen.sort_unstable();
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn batches_have_the_requested_size_across_epochs() {
        let mut order = BatchOrder::new(7, 3, Stream::new(1, "order"));
        for _ in 0..10 {
            assert_eq!(order.next_batch().len(), 3);
        }
    }
}
