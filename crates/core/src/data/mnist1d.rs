//! MNIST-1D (Greydanus 2020): ten hand-drawn 1-D templates, each padded, stretched, scaled,
//! shifted, given correlated background noise and white noise, sheared and resampled to 40
//! points. A classification set on which small models differ the way they do on MNIST, at a
//! fraction of the cost, generated here from the published recipe (no download).
//!
//! The statistics of this generator are checked against the reference package's output
//! (`mnist1d_reference.json`, written by `tests/dev/mnist1d_reference.py`).

use super::Labelled;
use crate::rng::Stream;

/// Points per sample.
pub const LENGTH: usize = 40;
/// Digit classes.
pub const CLASSES: usize = 10;

/// The reference recipe's constants (`mnist1d.data.get_dataset_args`).
const TEMPLATE_LEN: usize = 12;
const PADDING: (usize, usize) = (36, 60);
const SCALE_COEFF: f64 = 0.4;
const MAX_TRANSLATION: usize = 48;
const CORR_NOISE_SCALE: f64 = 0.25;
const IID_NOISE_SCALE: f64 = 0.02;
const SHEAR_SCALE: f64 = 0.75;
/// Gaussian smoothing of the background noise: sigma 2, truncated at 4 sigma.
const CORR_SIGMA: f64 = 2.0;

/// The ten digit outlines before normalisation (each starts and ends at 5).
const OUTLINES: [[f64; TEMPLATE_LEN]; CLASSES] = [
    [5.0, 6.0, 6.5, 6.75, 7.0, 7.0, 7.0, 7.0, 6.75, 6.5, 6.0, 5.0],
    [5.0, 3.0, 3.0, 3.4, 3.8, 4.2, 4.6, 5.0, 5.4, 5.8, 5.0, 5.0],
    [5.0, 6.0, 6.5, 6.5, 6.0, 5.25, 4.75, 4.0, 3.5, 3.5, 4.0, 5.0],
    [5.0, 6.0, 6.5, 6.5, 6.0, 5.0, 5.0, 6.0, 6.5, 6.5, 6.0, 5.0],
    [5.0, 4.4, 3.8, 3.2, 2.6, 2.6, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0],
    [5.0, 3.0, 3.0, 3.0, 3.0, 5.0, 6.0, 6.5, 6.5, 6.0, 4.5, 5.0],
    [5.0, 4.0, 3.5, 3.25, 3.0, 3.0, 3.0, 3.0, 3.25, 3.5, 4.0, 5.0],
    [5.0, 7.0, 7.0, 6.6, 6.2, 5.8, 5.4, 5.0, 4.6, 4.2, 5.0, 5.0],
    [5.0, 4.0, 3.5, 3.5, 4.0, 5.0, 5.0, 4.0, 3.5, 3.5, 4.0, 5.0],
    [5.0, 4.0, 3.5, 3.5, 4.0, 5.0, 5.0, 5.0, 5.0, 4.7, 4.3, 5.0],
];

/// A labelled MNIST-1D sample set: `[n, LENGTH]` signals, standardised over the whole set
/// (mean 0, standard deviation 1), and each sample's class.
pub type Samples = Labelled;

/// The templates: each outline standardised, shifted to start at 0, divided by 6.
fn template(class: usize) -> [f64; TEMPLATE_LEN] {
    let d = OUTLINES[class];
    let mean = d.iter().sum::<f64>() / TEMPLATE_LEN as f64;
    let std = (d.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / TEMPLATE_LEN as f64).sqrt();
    let z: Vec<f64> = d.iter().map(|v| (v - mean) / std).collect();
    let mut out = [0.0; TEMPLATE_LEN];
    for (o, v) in out.iter_mut().zip(&z) {
        *o = (v - z[0]) / 6.0;
    }
    out
}

/// Linear resampling of `x` onto `len` evenly spaced points spanning the same interval.
fn resample(x: &[f64], len: usize) -> Vec<f64> {
    let last = (x.len() - 1) as f64;
    (0..len)
        .map(|i| {
            let t = if len > 1 {
                i as f64 * last / (len - 1) as f64
            } else {
                0.0
            };
            let j = (t.floor() as usize).min(x.len() - 2);
            let f = t - j as f64;
            x[j] * (1.0 - f) + x[j + 1] * f
        })
        .collect()
}

/// Gaussian smoothing with mirrored edges (`d c b a | a b c d | d c b a`).
fn smooth(x: &[f64], sigma: f64) -> Vec<f64> {
    let radius = (4.0 * sigma + 0.5) as i64;
    let weights: Vec<f64> = (-radius..=radius)
        .map(|k| (-0.5 * (k as f64 / sigma).powi(2)).exp())
        .collect();
    let total: f64 = weights.iter().sum();
    let n = x.len() as i64;
    let at = |i: i64| -> f64 {
        let mut i = i;
        // Mirror until inside (the radius is far smaller than the signal).
        loop {
            if i < 0 {
                i = -i - 1;
            } else if i >= n {
                i = 2 * n - i - 1;
            } else {
                return x[i as usize];
            }
        }
    };
    (0..n)
        .map(|i| {
            weights
                .iter()
                .zip(-radius..=radius)
                .map(|(w, k)| w * at(i + k))
                .sum::<f64>()
                / total
        })
        .collect()
}

/// One sample of `class`, before the data set's standardisation.
fn sample(class: usize, rng: &mut Stream) -> Vec<f64> {
    // Pad with a random number of zeros, then stretch back to a fixed length: the digit's
    // width varies.
    let pad = PADDING.0 + (rng.uniform() * (PADDING.1 - PADDING.0 + 1) as f64) as usize;
    let mut x: Vec<f64> = template(class).iter().map(|v| v + 1e-8).collect();
    x.resize(TEMPLATE_LEN + pad, 0.0);
    let len = TEMPLATE_LEN + PADDING.1;
    let mut x = resample(&x, len);
    let scale = 1.0 + SCALE_COEFF * (rng.uniform() - 0.5);
    for v in &mut x {
        *v *= scale;
    }
    // Shift right (circularly) by 0..MAX_TRANSLATION.
    let shift = rng.below(MAX_TRANSLATION);
    x.rotate_right(shift);
    // The padding (exact zeros) becomes smooth background noise; then white noise everywhere.
    let background: Vec<f64> = (0..len).map(|_| CORR_NOISE_SCALE * rng.normal()).collect();
    let background = smooth(&background, CORR_SIGMA);
    for (v, b) in x.iter_mut().zip(&background) {
        if *v == 0.0 {
            *v = *b;
        }
    }
    for v in &mut x {
        *v += IID_NOISE_SCALE * rng.normal();
    }
    // Shear: subtract a random linear ramp.
    let shear = SHEAR_SCALE * (rng.uniform() - 0.5);
    for (i, v) in x.iter_mut().enumerate() {
        *v -= shear * (i as f64 / (len - 1) as f64 - 0.5);
    }
    resample(&x, LENGTH)
}

/// `n` samples (classes balanced, in random order) from `seed`, standardised as a set.
pub fn generate(n: usize, seed: u64) -> Samples {
    let mut rng = Stream::new(seed, "mnist1d/samples");
    let mut y: Vec<u8> = (0..n).map(|i| (i % CLASSES) as u8).collect();
    rng.shuffle(&mut y);
    let raw: Vec<f64> = y
        .iter()
        .flat_map(|&c| sample(usize::from(c), &mut rng))
        .collect();
    let count = raw.len().max(1) as f64;
    let mean = raw.iter().sum::<f64>() / count;
    let std = (raw.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / count)
        .sqrt()
        .max(1e-12);
    Samples {
        dim: LENGTH,
        x: raw.iter().map(|v| ((v - mean) / std) as f32).collect(),
        y,
    }
}

/// Replaces a `fraction` of the labels (chosen at random) with uniformly drawn classes, as the
/// double-descent setting does (a replacement may draw the same class). Returns which labels
/// were redrawn.
pub fn resample_labels(y: &mut [u8], fraction: f64, rng: &mut Stream) -> Vec<bool> {
    resample_labels_among(y, fraction, CLASSES, rng)
}

/// [`resample_labels`] for labels of `classes` classes (a reader's own table).
pub fn resample_labels_among(
    y: &mut [u8],
    fraction: f64,
    classes: usize,
    rng: &mut Stream,
) -> Vec<bool> {
    let count = ((y.len() as f64) * fraction).round() as usize;
    let mut redrawn = vec![false; y.len()];
    for &i in rng.permutation(y.len()).iter().take(count) {
        y[i] = rng.below(classes) as u8;
        redrawn[i] = true;
    }
    redrawn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_start_and_end_at_zero() {
        for c in 0..CLASSES {
            let t = template(c);
            assert!(
                t[0].abs() < 1e-12 && t[TEMPLATE_LEN - 1].abs() < 1e-12,
                "class {c}"
            );
        }
    }

    #[test]
    fn resample_keeps_endpoints_and_lines() {
        let x = [0.0, 1.0, 2.0, 3.0];
        let y = resample(&x, 7);
        assert_eq!(y.len(), 7);
        for (i, v) in y.iter().enumerate() {
            assert!((v - i as f64 * 0.5).abs() < 1e-12);
        }
    }

    #[test]
    fn smoothing_keeps_constants_and_mass() {
        let flat = smooth(&[2.0; 30], CORR_SIGMA);
        assert!(flat.iter().all(|v| (v - 2.0).abs() < 1e-12));
        let mut spike = vec![0.0; 41];
        spike[20] = 1.0;
        let s = smooth(&spike, CORR_SIGMA);
        assert!((s.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(s[20] > s[19] && s[19] > s[17] && (s[19] - s[21]).abs() < 1e-15);
    }

    #[test]
    fn generation_is_seeded_balanced_and_standardised() {
        let a = generate(500, 3);
        assert_eq!(a, generate(500, 3));
        assert_ne!(a, generate(500, 4));
        assert_eq!(a.x.len(), 500 * LENGTH);
        for c in 0..CLASSES as u8 {
            assert_eq!(a.y.iter().filter(|&&y| y == c).count(), 50);
        }
        let n = a.x.len() as f64;
        let mean = a.x.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let var =
            a.x.iter()
                .map(|&v| (f64::from(v) - mean).powi(2))
                .sum::<f64>()
                / n;
        assert!(mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-4);
    }

    #[test]
    fn resampling_labels_redraws_the_asked_fraction() {
        let mut y = vec![3u8; 1000];
        let redrawn = resample_labels(&mut y, 0.15, &mut Stream::new(0, "t"));
        assert_eq!(redrawn.iter().filter(|&&r| r).count(), 150);
        let changed = y.iter().filter(|&&v| v != 3).count();
        // A redraw lands on the old class one time in ten.
        assert!((120..=145).contains(&changed), "{changed}");
        assert!(y.iter().zip(&redrawn).all(|(v, r)| *r || *v == 3));
    }

    /// Per-class mean signals, per-class variance and a linear probe's accuracy, against the
    /// reference package's data set (independent random draws of the same recipe, so the
    /// tolerances are sampling error: 500 samples per class). Its ridge probe solves with the
    /// engine's nalgebra.
    #[cfg(feature = "engine")]
    #[test]
    fn statistics_match_the_reference_package() {
        use nalgebra::DMatrix;
        let reference: serde_json::Value =
            serde_json::from_str(include_str!("mnist1d_reference.json")).expect("valid JSON");
        let data = generate(5000, 0);
        let mut worst_mean: f64 = 0.0;
        let mut sum_sq = 0.0;
        let mut shuffled_sq = 0.0;
        for c in 0..CLASSES {
            let rows: Vec<&[f32]> = (0..data.len())
                .filter(|&i| usize::from(data.y[i]) == c)
                .map(|i| data.row(i))
                .collect();
            let count = rows.len() as f64;
            let mean: Vec<f64> = (0..LENGTH)
                .map(|j| rows.iter().map(|r| f64::from(r[j])).sum::<f64>() / count)
                .collect();
            let variance = (0..LENGTH)
                .map(|j| {
                    rows.iter()
                        .map(|r| (f64::from(r[j]) - mean[j]).powi(2))
                        .sum::<f64>()
                        / count
                })
                .sum::<f64>()
                / LENGTH as f64;
            let ref_mean = &reference["class_mean"][c];
            let other_mean = &reference["class_mean"][(c + 1) % CLASSES];
            for j in 0..LENGTH {
                let d = mean[j] - ref_mean[j].as_f64().expect("number");
                worst_mean = worst_mean.max(d.abs());
                sum_sq += d * d;
                shuffled_sq += (mean[j] - other_mean[j].as_f64().expect("number")).powi(2);
            }
            let ref_var = reference["class_variance"][c].as_f64().expect("number");
            assert!(
                (variance / ref_var - 1.0).abs() < 0.12,
                "class {c}: variance {variance:.3} vs the package's {ref_var:.3}"
            );
        }
        let rms = (sum_sq / (CLASSES * LENGTH) as f64).sqrt();
        let rms_other = (shuffled_sq / (CLASSES * LENGTH) as f64).sqrt();
        assert!(
            rms < 0.08 && worst_mean < 0.3,
            "class means differ from the package's: rms {rms:.3}, worst {worst_mean:.3}"
        );
        // The comparison can tell classes apart: the means of the wrong class are far off.
        assert!(rms_other > 4.0 * rms, "{rms_other:.3} vs {rms:.3}");

        // A ridge-regression classifier (one-hot targets, bias column, λ = 1e-3·n) trained on
        // 4,000 samples and tested on 1,000, as the reference script does.
        let design = |from: usize, to: usize| {
            DMatrix::from_fn(to - from, LENGTH + 1, |i, j| {
                if j == LENGTH {
                    1.0
                } else {
                    f64::from(data.row(from + i)[j])
                }
            })
        };
        let (a, a_test) = (design(0, 4000), design(4000, 5000));
        let b = DMatrix::from_fn(4000, CLASSES, |i, c| {
            if usize::from(data.y[i]) == c {
                1.0
            } else {
                0.0
            }
        });
        let a_t = a.transpose();
        let (w, _) = crate::linalg::solve_spd(&(&a_t * &a), 1e-3 * 4000.0, &(&a_t * &b));
        let pred = a_test * w;
        let correct = (0..1000)
            .filter(|&i| pred.row(i).transpose().argmax().0 == usize::from(data.y[4000 + i]))
            .count();
        let accuracy = correct as f64 / 1000.0;
        let ref_accuracy = reference["ridge_accuracy"].as_f64().expect("number");
        println!(
            "MNIST-1D vs package: class-mean rms {rms:.3} (worst {worst_mean:.3}, wrong class \
             {rms_other:.3}); ridge accuracy {accuracy:.3} vs {ref_accuracy:.3}"
        );
        assert!(
            (accuracy - ref_accuracy).abs() < 0.05,
            "linear probe accuracy {accuracy:.3} vs the package's {ref_accuracy:.3}"
        );
    }
}
