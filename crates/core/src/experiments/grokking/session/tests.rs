use super::*;
use crate::spec::Preset;
use crate::train::Session;

fn tiny() -> GrokkingSpec {
    {
        let mut spec = GrokkingSpec::preset(Preset::Ci);
        spec.p = 7;
        spec.model = Architecture::Transformer;
        spec.d_model = 16;
        spec.transformer.heads = 2;
        spec.transformer.layers = 1;
        spec.batch = 8;
        spec.lr = 3e-3;
        spec.ma.ma_window = 5;
        spec.steps = 40;
        spec.eval_every = 10;
        spec
    }
}

fn run_to_end(spec: GrokkingSpec) -> Report {
    let mut session = GrokkingSession::new(spec, None, &Device::flex());
    crate::train::run_to_end(&mut session).expect("finite");
    Session::report(&session)
}

#[test]
fn three_runs_train_from_one_init_and_report_the_summaries() {
    let report = run_to_end(tiny());
    let labels: Vec<&str> = report.runs.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["baseline", "grokfast-ema", "grokfast-ma"]);
    let first: Vec<f64> = report
        .runs
        .iter()
        .map(|r| r.column("train_loss")[0])
        .collect();
    assert!(
        first.iter().all(|l| (l - first[0]).abs() < 1e-6),
        "same init, same first loss: {first:?}"
    );
    for run in &report.runs {
        assert_eq!(run.column("step"), [0.0, 10.0, 20.0, 30.0, 40.0]);
        let loss = run.column("train_loss");
        assert!(
            loss[4] < loss[0],
            "{}: training loss should fall: {loss:?}",
            run.label
        );
        for key in [
            "steps_to_train_acc_95",
            "steps_to_val_acc_95",
            "final_val_acc",
            "final_weight_norm",
        ] {
            assert!(
                run.summary.contains_key(key),
                "{}: summary lacks {key}",
                run.label
            );
        }
    }
    // Grokfast changes the updates: the filtered runs leave the baseline's trajectory.
    let last = |i: usize| report.runs[i].column("train_loss")[4];
    assert!((last(0) - last(1)).abs() > 1e-6 && (last(0) - last(2)).abs() > 1e-6);
}

/// The transformer's output side (its unembedding and neuron-to-logit map) is read in the
/// same Fourier basis as its embeddings, at every evaluation, with its key frequencies in the
/// summary; the embedding MLP reports only its embeddings' (and no chart of the others).
#[test]
fn the_transformer_reports_its_output_side_waves_and_the_mlp_does_not() {
    use crate::experiments::declaration::Declaration;
    let outputs = ["unembed_fourier_top5", "neuron_logit_fourier_top5"];
    let report = run_to_end(tiny());
    for run in &report.runs {
        for key in outputs {
            let shares = run.column(key);
            // p = 7 under multiplication: a cycle of 6, frequencies 1-3, all in the top 5.
            assert_eq!(shares.len(), 5, "{}: {key}", run.label);
            assert!(
                shares.iter().all(|s| (s - 1.0).abs() < 1e-6),
                "{}: {key} {shares:?}",
                run.label
            );
            assert!(run.summary.contains_key(&format!("final_{key}")));
        }
        for key in ["unembed_key_frequencies", "neuron_logit_key_frequencies"] {
            let text = run.summary.get(key).and_then(Value::as_str);
            assert_eq!(
                text.map(|t| t.split(", ").count()),
                Some(3),
                "{}: {key} {text:?}",
                run.label
            );
        }
    }
    let titles: Vec<&str> = tiny().panels().iter().map(|p| p.title).collect();
    assert!(
        titles.iter().any(|t| t.starts_with("neuron-to-logit")),
        "{titles:?}"
    );
    let report = run_to_end(tiny_mlp());
    for run in &report.runs {
        for key in outputs {
            assert!(!run.series.contains_key(key), "{}: {key}", run.label);
            assert!(!run.summary.contains_key(&format!("final_{key}")));
        }
    }
    assert_eq!(tiny_mlp().panels().len(), super::super::PANELS.len());
}

/// On the CPU the transformer's batch trains as two shards: the same numbers on one thread
/// or two, and (to float tolerance) those of the whole batch at once (a lost or mis-scaled
/// half would train another network).
#[test]
fn a_sharded_transformer_step_is_the_same_on_any_number_of_threads() {
    let spec = GrokkingSpec {
        batch: 12,
        ..tiny()
    };
    assert_eq!(
        spec.step_threads(crate::cost::Target::Cpu),
        super::super::CPU_SHARDS
    );
    assert_eq!(spec.step_threads(crate::cost::Target::Gpu), 1);
    let train = |threads: usize, shards: Option<usize>| {
        let mut session =
            GrokkingSession::new(spec.clone(), None, &Device::flex()).with_threads(threads);
        assert_eq!(session.shards, super::super::CPU_SHARDS);
        if let Some(shards) = shards {
            session.shards = shards;
        }
        crate::train::run_to_end(&mut session).expect("finite");
        Session::report(&session)
    };
    let (one, two) = (train(1, None), train(2, None));
    for (a, b) in one.runs.iter().zip(&two.runs) {
        assert_eq!(a.series, b.series, "{}", a.label);
    }
    let whole = train(1, Some(1));
    for (a, b) in one.runs.iter().zip(&whole.runs) {
        assert_same_curves(
            a,
            b,
            &["train_loss", "train_acc", "val_loss", "weight_norm"],
        );
    }
}

/// The MLP preset shrunk: p = 11, narrow, 60 steps.
fn tiny_mlp() -> GrokkingSpec {
    {
        let mut spec = GrokkingSpec::preset(Preset::Ci);
        spec.p = 11;
        spec.model = Architecture::Mlp;
        spec.d_model = 8;
        spec.width = 16;
        spec.batch = 16;
        spec.lr = 3e-3;
        spec.ma.ma_window = 5;
        spec.steps = 60;
        spec.eval_every = 20;
        spec
    }
}

#[test]
fn a_filter_with_lambda_zero_is_exactly_its_weight_decay_control() {
    for base in [tiny(), tiny_mlp()] {
        let spec = {
            let mut spec = base.clone();
            spec.compare = super::super::Compare::Controls;
            spec.ema.ema_lambda = 0.0;
            spec.ma.ma_lambda = 0.0;
            spec
        };
        let report = run_to_end(spec);
        let labels: Vec<&str> = report.runs.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "baseline",
                "grokfast-ema",
                "wd-only-ema",
                "grokfast-ma",
                "wd-only-ma"
            ]
        );
        // With the filter's gain at zero, nothing but the weight decay differs from the
        // control.
        assert_eq!(report.runs[1].series, report.runs[2].series);
        assert_eq!(report.runs[3].series, report.runs[4].series);
        // With its gain, the filter changes the run (the control is not a copy of it).
        let report = run_to_end(GrokkingSpec {
            compare: super::super::Compare::Controls,
            ..base
        });
        assert_ne!(report.runs[1].series, report.runs[2].series);
        assert_ne!(report.runs[3].series, report.runs[4].series);
    }
}

/// The two runs recorded the same `metrics` at the same evaluations, to float tolerance.
fn assert_same_curves(run: &RunReport, other: &RunReport, metrics: &[&str]) {
    for metric in metrics {
        let (a, b) = (run.column(metric), other.column(metric));
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert!(
                (x - y).abs() <= 1e-5 * x.abs().max(1.0),
                "{} {metric}: {a:?} vs {b:?}",
                run.label
            );
        }
    }
}

/// A session's runs train as one stacked network (the MLP's and the transformer's); each
/// run trained alone (a stack of one) gives the same curves.
#[test]
fn stacked_runs_equal_runs_trained_alone() {
    for base in [tiny_mlp(), tiny()] {
        stacked_runs_equal_runs_trained_alone_for(base);
    }
}

fn stacked_runs_equal_runs_trained_alone_for(base: GrokkingSpec) {
    let spec = GrokkingSpec {
        compare: super::super::Compare::Controls,
        ..base
    };
    let whole = run_to_end(spec.clone());
    for (i, run) in whole.runs.iter().enumerate() {
        let mut alone = GrokkingSession::new(spec.clone(), Some(&[i]), &Device::flex());
        crate::train::run_to_end(&mut alone).expect("finite");
        let alone = Session::report(&alone);
        assert_eq!(alone.runs.len(), 1);
        assert_eq!(alone.runs[0].label, run.label);
        assert_same_curves(
            run,
            &alone.runs[0],
            &[
                "train_loss",
                "train_acc",
                "val_loss",
                "val_acc",
                "weight_norm",
            ],
        );
    }
    // The runs differ from one another (a stack does not train one network five times).
    assert_ne!(whole.runs[0].series, whole.runs[1].series);
    let first = whole.runs[0].column("train_loss");
    let last = first[first.len() - 1];
    assert!(last < first[0], "training loss falls: {first:?}");
}

/// A fraction sweep's run at fraction f trains exactly what a run with that training
/// fraction trains alone (nested splits of one shuffle), for the stacked MLP and for the
/// transformer; the sweep's derived runs list its fractions in order.
#[test]
fn a_fraction_sweep_run_equals_that_fraction_trained_alone() {
    for base in [tiny_mlp(), tiny()] {
        let sweep = {
            let mut spec = base.clone();
            spec.compare = Compare::Fractions;
            spec.grid.fraction_min = 0.4;
            spec.grid.fraction_max = 0.8;
            spec.grid.fractions = 3;
            spec
        };
        assert!(
            sweep.validate_rules().is_ok(),
            "{:?}",
            sweep.validate_rules()
        );
        let whole = run_to_end(sweep.clone());
        let labels: Vec<&str> = whole.runs.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "baseline f=0.40",
                "grokfast-ema f=0.40",
                "baseline f=0.60",
                "grokfast-ema f=0.60",
                "baseline f=0.80",
                "grokfast-ema f=0.80"
            ]
        );
        let n: Vec<u64> = whole
            .runs
            .iter()
            .map(|r| r.summary["n_train"].as_u64().expect("n_train"))
            .collect();
        assert!(n[0] < n[2] && n[2] < n[4] && n[0] == n[1], "{n:?}");
        for (i, f) in [(2, 0.6), (3, 0.6)] {
            let alone = GrokkingSpec {
                compare: Compare::Ema,
                train_fraction: f,
                ..base.clone()
            };
            let alone = run_to_end(alone);
            let other = &alone.runs[i - 2];
            let run = &whole.runs[i];
            assert_eq!(other.summary["n_train"], run.summary["n_train"]);
            assert_same_curves(
                run,
                other,
                &["train_loss", "train_acc", "val_loss", "val_acc"],
            );
        }
        let mut report = whole.clone();
        crate::experiments::Experiment::Grokking.add_joint_runs(&mut report);
        crate::experiments::Experiment::Grokking.add_joint_runs(&mut report);
        let derived: Vec<&str> = report.runs[6..].iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            derived,
            ["baseline by fraction", "grokfast-ema by fraction"]
        );
        assert_eq!(report.runs[6].column("train_fraction"), [0.4, 0.6, 0.8]);
    }
    // Nested sets must each hold more than a batch.
    let bad = {
        let mut spec = tiny_mlp();
        spec.compare = Compare::Fractions;
        spec.grid.fraction_min = 0.05;
        spec
    };
    assert!(bad.validate_rules().is_err());
}
/// The session builds exactly the shape the cost model prices: its equations, runs,
/// training sets, seeds and batches, and every batch it draws has that size, for each mode
/// (a fraction sweep's runs each their own training set), a share of the runs, and a batch
/// larger than the training set.
#[test]
fn a_session_builds_the_shape_its_cost_is_priced_by() {
    let fractions = {
        let mut spec = tiny_mlp();
        spec.compare = Compare::Fractions;
        spec.grid.fraction_min = 0.4;
        spec.grid.fraction_max = 0.8;
        spec.grid.fractions = 3;
        spec
    };
    let cases: Vec<(GrokkingSpec, Option<Vec<usize>>)> = vec![
        (tiny(), None),
        (tiny_mlp(), Some(vec![2, 0])),
        (
            GrokkingSpec {
                compare: Compare::Sweep,
                seeds: 2,
                ..tiny_mlp()
            },
            None,
        ),
        (fractions.clone(), None),
        (fractions, Some(vec![5, 1])),
        (
            GrokkingSpec {
                batch: 4096,
                ..tiny()
            },
            None,
        ),
    ];
    for (spec, runs) in cases {
        let mut session = GrokkingSession::new(spec.clone(), runs.as_deref(), &Device::flex());
        let planned = spec.shape(runs.as_deref());
        assert_eq!(session.shape(), planned, "{:?} {runs:?}", spec.compare);
        let batches = session.next_batches();
        assert_eq!(batches.len(), planned.members());
        for (member, batch) in batches.iter().enumerate() {
            let run = &planned.runs[member / planned.seeds];
            assert_eq!(batch.len(), run.batch, "member {member}");
            assert!(batch.iter().all(|&i| (i as usize) < run.n_train));
        }
    }
}

/// However often a run evaluates, each seed keeps a bounded number of spectra, spread
/// evenly from the first evaluation to the latest.
#[test]
fn spectra_stay_bounded_and_span_the_run() {
    let mut spectra = Spectra::default();
    for step in 0..10_000 {
        spectra.push(step, vec![step as f64; 3]);
    }
    let rows = spectra.rows();
    assert!(
        rows.len() <= 2 * SPECTROGRAM_ROWS + 1,
        "{} rows",
        rows.len()
    );
    assert!(rows.len() >= SPECTROGRAM_ROWS, "{} rows", rows.len());
    assert_eq!(rows.first().map(|r| r.0), Some(0));
    assert_eq!(rows.last().map(|r| r.0), Some(9_999));
    let gaps: Vec<usize> = rows.windows(2).map(|w| w[1].0 - w[0].0).collect();
    let stride = gaps[0];
    assert!(
        gaps[..gaps.len() - 1].iter().all(|&g| g == stride),
        "evenly spaced: {gaps:?}"
    );
    assert_eq!(spectra.latest().map(|r| r.0), Some(9_999));
}
