//! The UCI 8×8 handwritten digits (Alpaydin & Kaynak 1998): 1,797 images of 64 pixels with
//! values 0..16, as scikit-learn's wheel carries them (`sklearn/datasets/data/digits.csv.gz`).
//! Embedded in the binary (`digits.bin`, written once by `tests/dev/digits_extract.py`; licence
//! and provenance in `DIGITS.md`), so native runs and the browser load the very same bytes and
//! nothing is downloaded.

use super::Labelled;
use crate::rng::Stream;

/// The embedded records: 64 pixel values then the label, 65 bytes per image.
static RAW: &[u8] = include_bytes!("digits.bin");

/// Images in the set.
pub const COUNT: usize = 1797;
/// Pixels per image (8 × 8, row-major).
pub const PIXELS: usize = 64;
/// Image side.
pub const SIDE: usize = 8;
/// The largest pixel value.
pub const MAX_VALUE: f32 = 16.0;
/// Classes (the digits 0-9).
pub const CLASSES: usize = 10;

/// A set of digit images: `[n, 64]` pixels scaled to [0, 1], and the digit each shows.
pub type Digits = Labelled;

/// All 1,797 images, in the file's order.
pub fn all() -> Digits {
    let mut out = Digits::new(PIXELS);
    for record in RAW.chunks_exact(PIXELS + 1) {
        out.x
            .extend(record[..PIXELS].iter().map(|&v| f32::from(v) / MAX_VALUE));
        out.y.push(record[PIXELS]);
    }
    out
}

/// A seeded split as indices into [`all`], `(train, test)`: `test` images held out at random
/// (the same for a seed everywhere), the training set the first `train` of the remaining ones
/// in shuffled order. Nested: a smaller `train` is a prefix of a larger one, so
/// training-set-size sweeps compare like with like.
pub fn split_indices(train: usize, test: usize, seed: u64) -> (Vec<usize>, Vec<usize>) {
    assert!(train + test <= COUNT, "{train} + {test} images of {COUNT}");
    let order = split_order(seed);
    (order[test..test + train].to_vec(), order[..test].to_vec())
}

/// Every image index in the seed's shuffled order (the order [`split_indices`] cuts).
pub fn split_order(seed: u64) -> Vec<usize> {
    Stream::new(seed, "digits/split").permutation(COUNT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_file_is_the_extracted_one() {
        assert_eq!(RAW.len(), COUNT * (PIXELS + 1));
        // FNV-1a of digits.bin as tests/dev/digits_extract.py wrote it.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in RAW {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        assert_eq!(h, 0x7768_69cc_e379_5967);
        let digits = all();
        assert_eq!(digits.len(), COUNT);
        // scikit-learn's documented class counts.
        let mut counts = [0usize; CLASSES];
        for &y in &digits.y {
            counts[usize::from(y)] += 1;
        }
        assert_eq!(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
        // The first image is a 0: a ring of ink around an empty centre.
        let zero = digits.row(0);
        assert_eq!(digits.y[0], 0);
        assert_eq!(zero[2] * MAX_VALUE, 5.0);
        assert_eq!(zero[3] * MAX_VALUE, 13.0);
        assert_eq!(zero[4 * SIDE + 3], 0.0, "the centre is empty");
        assert!(digits.x.iter().all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn splits_are_seeded_disjoint_and_nested() {
        let (train, test) = split_indices(300, 500, 4);
        assert_eq!((train.len(), test.len()), (300, 500));
        assert!(train.iter().all(|i| !test.contains(i)), "disjoint");
        assert_eq!(split_indices(300, 500, 4), (train.clone(), test.clone()));
        let (small, test_again) = split_indices(100, 500, 4);
        assert_eq!(test_again, test);
        assert_eq!(small[..], train[..100]);
        assert_ne!(split_indices(300, 500, 5).1, test);
    }

    #[test]
    fn a_nearest_centroid_classifier_reads_the_digits() {
        // A sanity check that images and labels belong together: class means classify
        // held-out digits far above chance (scikit-learn's data gives ~90% this way).
        let digits = all();
        let (train, test) = split_indices(1000, 797, 0);
        let mut means = vec![[0f32; PIXELS]; CLASSES];
        let mut counts = [0f32; CLASSES];
        for &i in &train {
            let c = usize::from(digits.y[i]);
            counts[c] += 1.0;
            for (m, v) in means[c].iter_mut().zip(digits.row(i)) {
                *m += v;
            }
        }
        for (m, n) in means.iter_mut().zip(counts) {
            m.iter_mut().for_each(|v| *v /= n);
        }
        let right = test
            .iter()
            .filter(|&&i| {
                let distance = |m: &[f32; PIXELS]| -> f32 {
                    m.iter()
                        .zip(digits.row(i))
                        .map(|(a, b)| (a - b).powi(2))
                        .sum()
                };
                let best = (0..CLASSES)
                    .min_by(|&a, &b| distance(&means[a]).total_cmp(&distance(&means[b])))
                    .unwrap_or(0);
                best == usize::from(digits.y[i])
            })
            .count();
        let accuracy = right as f64 / test.len() as f64;
        assert!(accuracy > 0.85, "nearest-centroid accuracy {accuracy:.3}");
    }
}
