//! An evaluation measured in slices against the same evaluation in one piece.

use burn::tensor::Device;

use super::*;
use crate::data::augment::Augment;
use crate::data::pool::{Dataset, Pool};

fn member(k: u64, n_train: usize) -> Member {
    Member {
        data_seed: k,
        seed: 10 + k,
        n_train,
        label_noise: 0.0,
        augment: Augment::NONE,
    }
}

/// Three models of unequal training sets (padded to the largest), a validation set, and units
/// removed: every measure of an evaluation in slices of 16 rows equals the measure in one
/// piece, after a few steps of training.
#[test]
fn an_evaluation_in_slices_measures_what_one_forward_measures() {
    let settings = Settings {
        depth: 2,
        lr: 1e-2,
        weight_decay: 0.0,
        batch: 16,
        removed: Some(0.25),
        validation: 40,
        weight_images: 0,
    };
    let pool = Pool::new(Dataset::Digits, 3, None).expect("the digits");
    let group = Group {
        width: 24,
        input_dropout: 0.0,
        hidden_dropout: 0.0,
        members: vec![member(0, 50), member(1, 120), member(2, 37)],
    };
    let mut ensemble = Ensemble::new(settings, pool, vec![group], &Device::flex());
    for _ in 0..5 {
        ensemble.train_step();
    }
    let read = |budget: usize| -> Vec<Vec<f64>> {
        ensemble
            .evaluate_within(budget)
            .execute()
            .iter()
            .map(|d| d.iter::<f64>().collect())
            .collect()
    };
    // 16 rows per slice (the least), against every set in one slice.
    let (sliced, whole) = (read(1), read(usize::MAX));
    assert_eq!(
        sliced.len(),
        6,
        "test loss and accuracy, training loss and accuracy, ablation, validation"
    );
    for (a, b) in sliced.iter().zip(&whole) {
        assert_eq!(a.len(), 3);
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-5, "{sliced:?} against {whole:?}");
        }
    }
}

#[test]
fn slices_stay_within_the_budget_and_the_set() {
    assert_eq!(rows_within(1 << 22, 30, 64, 256, 1000), 234);
    assert_eq!(
        rows_within(1 << 22, 2, 64, 32, 500),
        500,
        "a small stack takes its set at once"
    );
    assert_eq!(rows_within(1, 30, 64, 256, 1000), 16, "at least 16 rows");
    assert_eq!(rows_within(1 << 22, 30, 64, 256, 0), 1);
    assert_eq!(
        rows_within(1 << 22, usize::MAX, usize::MAX, usize::MAX, 9),
        9
    );
}
