//! Masks of a lottery-ticket search, on the host: per-layer magnitude pruning, random masks
//! of the same size, and the share of weights they remove.

use crate::rng::Stream;

/// The mask that keeps `mask`'s weights but the `rate` share of them (rounded) with the
/// smallest magnitude in `weights`. Ties go by position, so a mask is the same on every
/// backend that gives the same weights.
pub fn prune_smallest(weights: &[f32], mask: &[bool], rate: f64) -> Vec<bool> {
    let mut kept: Vec<usize> = (0..mask.len()).filter(|&i| mask[i]).collect();
    let remove = (rate.clamp(0.0, 1.0) * kept.len() as f64).round() as usize;
    kept.sort_by(|&a, &b| {
        weights[a]
            .abs()
            .total_cmp(&weights[b].abs())
            .then(a.cmp(&b))
    });
    let mut out = mask.to_vec();
    for &i in &kept[..remove.min(kept.len())] {
        out[i] = false;
    }
    out
}

/// A uniformly random mask of `len` entries that keeps `keep` of them.
pub fn random_mask(len: usize, keep: usize, rng: &mut Stream) -> Vec<bool> {
    let mut order = rng.permutation(len);
    order.truncate(keep.min(len));
    let mut out = vec![false; len];
    for i in order {
        out[i] = true;
    }
    out
}

/// How many entries `mask` keeps.
pub fn kept(mask: &[bool]) -> usize {
    mask.iter().filter(|&&k| k).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_removes_the_smallest_kept_weights_and_never_revives_one() {
        let w = [0.5, -0.1, 3.0, 0.2, -2.0, 0.0];
        let mask = [true, true, true, true, true, false];
        // 40% of the five kept: the two smallest, -0.1 and 0.2.
        let pruned = prune_smallest(&w, &mask, 0.4);
        assert_eq!(pruned, [true, false, true, false, true, false]);
        // The pruned stay pruned, whatever their weights now.
        let again = prune_smallest(&[0.5, 9.0, 3.0, 9.0, -2.0, 9.0], &pruned, 1.0 / 3.0);
        assert_eq!(again, [false, false, true, false, true, false]);
        let mut rng = Stream::new(0, "masks/test");
        let random = random_mask(100, 37, &mut rng);
        assert_eq!(kept(&random), 37);
    }
}
