//! Fuzzing links and specs down to their values: generated links mix every knob of every
//! experiment with values at, inside, just outside and far outside its limits, malformed
//! numbers, wrong-case choices, repeated and unknown keys. Decoding must never panic, whatever
//! it keeps must validate and be priced, strict decoding must agree with the page's, and the
//! messages must stay one short line. A second property trains the valid, affordable specs
//! it finds for a few steps: any panic in an experiment's set-up on an edge value shows there.
//!
//! Cases: `OVERFIT_FUZZ_CASES` (default 3,000; the decoding property was run once with
//! 1,000,000, see BENCHMARKS.md) and `OVERFIT_FUZZ_RUNS` for the training one (default 24).
//! The draws come from `OVERFIT_FUZZ_SEED`: a fixed seed unless it is set, so that a test run
//! (and CI) is repeatable; `OVERFIT_FUZZ_SEED=random` explores new links each run, and a
//! failure names the seed that finds it again.

use burn::tensor::Device;
use overfit_core::cost::Target;
use overfit_core::data::table::Table;
use overfit_core::experiments::AnySpec;
use overfit_core::experiments::{Experiment, start_runs, trains_on_own_data, use_own_data};
use overfit_core::link::{decode_lenient, decode_strict, encode, percent_encode};
use overfit_core::spec::{KnobKind, Preset};
use overfit_core::train::RunError;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};

fn cases(var: &str, default: u32) -> u32 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The seed the generators draw from (see the module's notes), printed so a failure can be
/// found again.
fn seed() -> RngSeed {
    let seed = match std::env::var("OVERFIT_FUZZ_SEED").as_deref() {
        Ok("random") => rand_seed(),
        Ok(text) => text
            .parse()
            .unwrap_or_else(|_| panic!("OVERFIT_FUZZ_SEED={text}: a number or `random`")),
        Err(_) => 20_261_204,
    };
    println!("fuzz: OVERFIT_FUZZ_SEED={seed}");
    RngSeed::Fixed(seed)
}

fn rand_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// A value for `kind`: mostly plausible, often at or past a limit, sometimes garbage.
fn value(kind: KnobKind) -> BoxedStrategy<String> {
    let garbage = prop_oneof![
        Just(String::new()),
        Just("NaN".to_string()),
        Just("-inf".to_string()),
        Just("1e309".to_string()),
        Just("0x10".to_string()),
        Just(" 5".to_string()),
        Just("+5".to_string()),
        Just("9".repeat(40)),
        Just("<script>alert(1)</script>".to_string()),
        "\\PC{0,12}",
    ];
    let typed = match kind {
        KnobKind::Int { min, max, .. } => prop_oneof![
            Just(min.to_string()),
            Just(max.to_string()),
            Just((min - 1).to_string()),
            Just(max.saturating_add(1).to_string()),
            (min..=max).prop_map(|v| v.to_string()),
            // Log-uniform: small values as often as large ones.
            (0.0f64..1.0).prop_map(move |t| {
                let (lo, hi) = ((min.max(1)) as f64, (max.max(1)) as f64);
                ((lo.ln() + t * (hi.ln() - lo.ln())).exp().round() as i64).to_string()
            }),
            any::<i64>().prop_map(|v| v.to_string()),
        ]
        .boxed(),
        KnobKind::Float { min, max, .. } => prop_oneof![
            Just(min.to_string()),
            Just(max.to_string()),
            Just((min - 1e-9).to_string()),
            Just((max * 1.5 + 1.0).to_string()),
            (min..=max).prop_map(|v| v.to_string()),
            any::<f64>().prop_map(|v| v.to_string()),
        ]
        .boxed(),
        KnobKind::Choice(names) => prop_oneof![
            proptest::sample::select(names.to_vec()).prop_map(str::to_string),
            proptest::sample::select(names.to_vec()).prop_map(str::to_uppercase),
        ]
        .boxed(),
        KnobKind::Seed => prop_oneof![
            Just(u64::MAX.to_string()),
            Just("-1".to_string()),
            any::<u64>().prop_map(|v| v.to_string()),
        ]
        .boxed(),
    };
    prop_oneof![6 => typed, 1 => garbage].boxed()
}

/// A link: an experiment, maybe a preset and version, then up to 12 knob pairs (any key of
/// the experiment, sometimes an unknown or control key).
fn link() -> impl Strategy<Value = String> {
    let experiment = proptest::sample::select(Experiment::ALL.to_vec());
    (experiment, 0..4usize, 0..4u32).prop_flat_map(|(e, preset, version)| {
        let knobs = e.knobs();
        let pair = (0..knobs.len() + 2).prop_flat_map(move |i| match knobs.get(i) {
            Some(k) => value(k.kind)
                .prop_map(move |v| (k.key.to_string(), v))
                .boxed(),
            None if i == knobs.len() => ("[a-z_]{1,8}", "[0-9a-z]{0,4}").boxed(),
            None => (
                proptest::sample::select(vec!["backend", "autorun", "embed", "origin", "workers"])
                    .prop_map(str::to_string),
                "\\PC{0,8}",
            )
                .boxed(),
        });
        proptest::collection::vec(pair, 0..12).prop_map(move |pairs| {
            let mut out = format!("https://lab.example/?exp={}", e.id());
            if let Some(p) = Preset::ALL.get(preset) {
                out.push_str(&format!("&preset={}", p.name()));
            }
            if version > 0 {
                out.push_str(&format!("&v={version}"));
            }
            for (k, v) in pairs {
                out.push_str(&format!("&{}={}", percent_encode(&k), percent_encode(&v)));
            }
            out
        })
    })
}

fn one_short_line(message: &str) -> bool {
    !message.contains(['\n', '\r']) && message.chars().count() < 400
}

#[test]
fn decoding_generated_links_keeps_only_valid_priced_specs() {
    let mut runner = TestRunner::new(Config {
        cases: cases("OVERFIT_FUZZ_CASES", 3000),
        failure_persistence: None,
        rng_seed: seed(),
        ..Config::default()
    });
    let (decoded, changed) = (std::cell::Cell::new(0u32), std::cell::Cell::new(0u32));
    runner
        .run(&link(), |text| {
            let page = decode_lenient(&text);
            decoded.set(decoded.get() + 1);
            if let (Some(spec), Some(e)) = (&page.spec, page.experiment)
                && *spec != e.preset(page.preset)
            {
                changed.set(changed.get() + 1);
            }
            for problem in &page.problems {
                prop_assert!(one_short_line(problem), "{problem:?}");
            }
            if let Some(spec) = &page.spec {
                prop_assert!(spec.validate().is_ok(), "kept an invalid spec: {text}");
                for target in [Target::Cpu, Target::Gpu] {
                    let cost = spec.cost(target);
                    prop_assert!(
                        cost.bytes.is_finite() && cost.bytes > 0.0,
                        "{text}: {cost:?}"
                    );
                    prop_assert!(
                        cost.flops.is_finite() && cost.flops >= 0.0,
                        "{text}: {cost:?}"
                    );
                }
                // What the page keeps, it can share: the link it writes reads back the same.
                let again = encode(spec, page.preset);
                prop_assert_eq!(decode_strict(&again), Ok((spec.clone(), page.preset)));
            }
            match decode_strict(&text) {
                Ok((spec, _)) => prop_assert_eq!(page.spec.as_ref(), Some(&spec), "{}", text),
                Err(e) => prop_assert!(one_short_line(&e.to_string()), "{e}"),
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    // The generator reaches values: most links change their preset's spec.
    let (decoded, changed) = (decoded.get(), changed.get());
    println!("fuzz: {decoded} links decoded, {changed} changed their preset's spec");
    assert!(changed * 2 >= decoded, "{changed} of {decoded}");
}

#[test]
fn valid_affordable_generated_specs_start_and_train() {
    let device = Device::flex();
    let mut runner = TestRunner::new(Config {
        // Most generated specs are too large to train in a test: these are the cases drawn,
        // of which those under the work cap below train.
        cases: cases("OVERFIT_FUZZ_RUNS", 24) * 20,
        failure_persistence: None,
        rng_seed: seed(),
        ..Config::default()
    });
    let trained = std::cell::Cell::new(0u32);
    let wanted = cases("OVERFIT_FUZZ_RUNS", 24);
    runner
        .run(&link(), |text| {
            let Some(spec) = decode_lenient(&text).spec else {
                return Ok(());
            };
            let cost = spec.cost(Target::Cpu);
            if trained.get() >= wanted || cost.bytes > 256e6 || cost.flops > 2e10 {
                return Ok(());
            }
            trained.set(trained.get() + 1);
            println!("fuzz: training {text}");
            train_a_little(&spec, &device).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let trained = trained.get();
    assert!(
        trained >= wanted / 2,
        "only {trained} affordable specs were drawn"
    );
}

/// Starts `spec` and takes up to three chunks of steps, reading back each probe. A divergence
/// is an outcome (reported to the user), not a failure.
/// For a spec that trains on the reader's own file (`dataset=local`), a file as a reader
/// would give it: as many rows as the spec says, read by the page's and the CLI's reader.
fn own_file(spec: &AnySpec) -> Result<Option<Table>, String> {
    if !trains_on_own_data(spec) {
        return Ok(None);
    }
    let limits = spec
        .experiment()
        .info()
        .own_data
        .ok_or("dataset=local on an experiment that takes no file")?;
    // As many rows as the spec's points, or enough for its largest training set beside the
    // quarter of the file held out to test.
    let json = spec.to_json();
    let count = |key: &str| json.get(key).and_then(serde_json::Value::as_u64);
    // (Double descent's `points` are its sweep's, not rows: a training-set size comes first.)
    let rows = match count("n_large").or_else(|| count("n_train")) {
        Some(largest) => (largest * 4).div_ceil(3) + 1,
        None => count("points").ok_or("dataset=local without points or a training-set size")?,
    }
    .clamp(limits.rows.0 as u64, limits.rows.1 as u64);
    let features = limits.features.0.max(2).min(limits.features.1);
    let mut text = (1..=features).map(|c| format!("x{c},")).collect::<String>() + "label\n";
    for i in 0..rows {
        let t = i as f32;
        for c in 0..features {
            text.push_str(&format!("{},", ((0.37 + c as f32) * t).sin()));
        }
        text.push_str(&format!("{}\n", i % limits.classes.0 as u64));
    }
    Table::parse_csv("fuzz.csv", &text, &limits)
        .map(Some)
        .map_err(|e| e.to_string())
}

fn train_a_little(spec: &AnySpec, device: &Device) -> Result<(), String> {
    let file = own_file(spec)?;
    // As the page and the CLI do once a file is picked: the spec fitted to it.
    let mut spec = spec.clone();
    if let Some(table) = &file {
        use_own_data(&mut spec, table).map_err(|e| format!("fitting to the file: {e}"))?;
    }
    let spec = &spec;
    let mut session =
        start_runs(spec, device, None, 1, file.as_ref()).map_err(|e| e.to_string())?;
    for _ in 0..3 {
        if session.is_finished() {
            break;
        }
        match session.advance(8) {
            Ok(Some(probe)) => {
                let data = probe
                    .transaction
                    .try_execute()
                    .map_err(|e| format!("{e:?}"))?;
                match session.absorb(data) {
                    Ok(()) => {}
                    Err(RunError::Diverged { .. }) => return Ok(()),
                    Err(e) => return Err(e.to_string()),
                }
            }
            Ok(None) => {}
            Err(RunError::Diverged { .. }) => return Ok(()),
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(())
}

/// Every experiment that takes a reader's file trains on one from its `ci` link with
/// `dataset=local` (what the generator above reaches only by chance).
#[test]
fn each_own_data_experiment_trains_on_a_file_from_its_link() {
    let device = Device::flex();
    let mut tried = 0;
    for e in Experiment::ALL
        .iter()
        .filter(|e| e.info().own_data.is_some())
    {
        let text = format!(
            "https://lab.example/?exp={}&preset=ci&dataset=local",
            e.id()
        );
        let page = decode_lenient(&text);
        let spec = page
            .spec
            .unwrap_or_else(|| panic!("{text}: {:?}", page.problems));
        assert!(trains_on_own_data(&spec), "{text} does not train on a file");
        train_a_little(&spec, &device).unwrap_or_else(|e| panic!("{text}: {e}"));
        tried += 1;
    }
    assert!(tried >= 3, "only {tried} experiments take a file");
}
