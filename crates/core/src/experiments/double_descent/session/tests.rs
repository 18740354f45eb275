//! The sweeps and trained modes end to end, on small settings.

use super::*;
use crate::experiments::double_descent::{FEATURE_PANELS, Mode, grid};
use crate::spec::Preset;

fn run(spec: DoubleDescentSpec) -> Report {
    let mut session = DoubleDescentSession::new(spec.clone(), None, None).expect("starts");
    assert_eq!(session.total_steps(), spec.units());
    while !session.is_finished() {
        if let Some(probe) = session.advance(7).expect("advance") {
            assert!(
                session.advance(1).is_err(),
                "a pending probe blocks advancing"
            );
            session.absorb(probe.transaction.execute()).expect("absorb");
        }
    }
    session.report()
}

fn column(report: &Report, run: &str, name: &str) -> Vec<f64> {
    report
        .runs
        .iter()
        .find(|r| r.label == run)
        .expect("run")
        .column(name)
}

#[test]
fn a_small_feature_sweep_peaks_at_the_threshold() {
    let spec = {
        let mut spec = DoubleDescentSpec::preset(Preset::Ci);
        spec.rf.n_train = 80;
        spec.rf.n_test = 300;
        spec.grid.points = 11;
        spec
    };
    let report = run(spec.clone());
    assert_eq!(report.axis, "features");
    let x = column(&report, "min-norm", "features");
    assert_eq!(x.len(), grid::sizes(80, 0.1, 10.0, 11).len());
    let summary = &report.runs[0].summary;
    assert_eq!(summary["n_train"], 80);
    let peak = summary["peak_x"].as_f64().expect("a peak");
    assert!((56.0..=112.0).contains(&peak), "peak at {peak}");
    // Past the threshold the min-norm fit interpolates its training labels (at N = n
    // exactly it may not: a feature that is zero on every sample leaves Φ rank-deficient).
    let train = column(&report, "min-norm", "train_error");
    for (x, e) in x.iter().zip(&train) {
        if *x > 80.0 {
            assert!(*e < 1e-6, "train error {e} at N = {x}");
        }
    }
    assert!(summary["interpolation_x"].as_f64().expect("interpolates") <= 127.0);
    // The ridge run never interpolates and has no peak as tall.
    let ridge = &report.runs[1].summary;
    assert!(
        ridge["peak_test_error"].as_f64() < summary["peak_test_error"].as_f64(),
        "{ridge:?} vs {summary:?}"
    );
    // Same spec, same curves.
    assert_eq!(run(spec), report);
}

#[test]
fn several_draws_are_drawn_as_their_median_and_range() {
    let spec = {
        let mut spec = DoubleDescentSpec::preset(Preset::Ci);
        spec.rf.n_train = 60;
        spec.rf.n_test = 200;
        spec.grid.points = 7;
        spec.rf.draws = 4;
        spec
    };
    let report = run(spec);
    let run = &report.runs[0];
    let (low, median, high) = (
        run.column("test_error_min"),
        run.column("test_error_median"),
        run.column("test_error_max"),
    );
    let mean = run.column("test_error");
    assert_eq!(median.len(), mean.len());
    for i in 0..mean.len() {
        assert!(low[i] <= median[i] && median[i] <= high[i]);
        assert!(low[i] <= mean[i] && mean[i] <= high[i]);
    }
    // The squared-error chart draws the median, its band the draws' range.
    let curves = FEATURE_PANELS[0].curves(&report);
    let test = curves
        .iter()
        .find(|c| c.label == "minimum norm: test error, median of the draws")
        .expect("the median curve");
    assert_eq!(test.points.iter().map(|p| p.1).collect::<Vec<_>>(), median);
    assert_eq!(test.band.len(), mean.len());
    assert!(test.band.iter().zip(&low).all(|(b, l)| b.1 == *l));
    // The summary gives the median curve's peak and the draws there, in a sentence.
    let s = &run.summary;
    let peak = s["peak_test_error_median"].as_f64().expect("a median peak");
    assert_eq!(peak, median.iter().copied().fold(f64::MIN, f64::max));
    assert!(s["peak_test_error_min"].as_f64() <= Some(peak));
    assert!(s["peak_test_error_max"].as_f64() >= Some(peak));
    let note = s["draws_note"].as_str().expect("a note");
    assert!(
        note.starts_with("At ") && note.contains("the 4 draws' test errors"),
        "{note}"
    );
}

#[test]
fn one_draw_records_no_median() {
    let report = run({
        let mut spec = DoubleDescentSpec::preset(Preset::Ci);
        spec.rf.n_train = 40;
        spec.grid.points = 5;
        spec.rf.draws = 1;
        spec
    });
    assert!(!report.runs[0].series.contains_key("test_error_median"));
    assert!(!report.runs[0].summary.contains_key("draws_note"));
}

#[test]
fn a_sample_sweep_peaks_at_n_equals_d() {
    let spec = {
        let mut spec = DoubleDescentSpec::preset(Preset::Ci);
        spec.mode = Mode::Samples;
        spec.samples.dim = 40;
        spec.samples.trials = 10;
        spec.grid.points = 13;
        spec
    };
    let report = run(spec);
    assert_eq!(report.axis, "n_train");
    let summary = &report.runs[0].summary;
    assert_eq!(summary["dim"], 40);
    let peak = summary["peak_x"].as_f64().expect("a peak");
    assert!((30.0..=50.0).contains(&peak), "peak at n = {peak}");
    // Far above d, the error approaches the noise floor σ² (0.25) from above.
    let last = summary["final_test_error"].as_f64().expect("final");
    assert!((0.25..0.35).contains(&last), "{last}");
}

/// A reader's own table: the features mode fits its columns (the sizes fitted to the
/// file), (nearly) interpolates its training rows past N = n, and with noisy labels its
/// minimum-norm test error peaks there, as on MNIST-1D.
#[test]
fn a_feature_sweep_fits_your_own_table_and_peaks_at_its_threshold() {
    let table = crate::data::table::clusters(400, 6, 3);
    let mut spec = crate::experiments::AnySpec::DoubleDescent({
        let mut spec = DoubleDescentSpec::preset(Preset::Ci);
        spec.mode = Mode::Width;
        spec
    });
    crate::experiments::use_own_data(&mut spec, &table).expect("the file fits");
    let crate::experiments::AnySpec::DoubleDescent(spec) = spec else {
        unreachable!("the same experiment")
    };
    assert_eq!(
        (spec.mode, spec.rf.dataset),
        (Mode::Features, Source::Local)
    );
    assert_eq!((spec.rf.n_train, spec.rf.n_test), (300, 100));
    let device = burn::tensor::Device::flex();
    let err = start(&spec, &device, None).err().expect("needs the file");
    assert!(err.to_string().contains("--data FILE.csv"), "{err}");
    let mut session = start(&spec, &device, Some(&table)).expect("starts");
    crate::train::run_to_end(session.as_mut()).expect("finite");
    let report = session.report();
    let summary = &report.runs[0].summary;
    let peak = summary["peak_x"].as_f64().expect("a peak");
    assert!(
        (210.0..=420.0).contains(&peak),
        "peak at N = {peak}, n = 300"
    );
    let sizes = column(&report, "min-norm", "features");
    let train = column(&report, "min-norm", "train_error");
    // A few columns make an ill-conditioned kernel (the solves add a tiny jitter), so the
    // fit only nearly interpolates past N = n: its training error falls a hundredfold.
    for (x, e) in sizes.iter().zip(&train) {
        if *x >= 900.0 {
            assert!(*e < 1e-3, "train error {e} at N = {x}");
        }
    }
    assert!(train[train.len() - 1] < 0.01 * train[0], "{train:?}");
    // Three classes (chance: two errors in three): even fitting 30% wrong labels exactly,
    // the widest fits have learned the clusters.
    let errors = column(&report, "min-norm", "test_zero_one");
    let last = errors.last().copied().expect("a point");
    assert!(
        last < 0.4,
        "{last} of the test rows wrong at N = {:?}",
        sizes.last()
    );
}

#[test]
fn units_match_the_plan() {
    for preset in Preset::ALL {
        let spec = DoubleDescentSpec::preset(preset);
        assert_eq!(
            FeatureDraws::new(&spec, None, None)
                .expect("starts")
                .units(),
            spec.units()
        );
        let spec = DoubleDescentSpec {
            mode: Mode::Samples,
            ..spec
        };
        assert_eq!(SampleSweep::new(&spec).units(), spec.units());
    }
}
