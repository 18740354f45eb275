use super::*;
use crate::experiments::{AnySpec, Experiment};
use crate::spec::Preset;

#[test]
fn evaluation_counts_follow_the_schedules() {
    assert_eq!(evaluations(100, 10, false), 11.0);
    assert_eq!(evaluations(105, 10, false), 12.0);
    assert_eq!(evaluations(1, 10, false), 2.0);
    // log: 0, 1..=9, 10, 12, ..., 98 (45), 100 → 1 + 9 + 45 + 1.
    assert_eq!(evaluations(100, 1000, true), 56.0);
    // steps 1..=9, then every 2nd (never further apart than `every`).
    assert_eq!(evaluations(50, 5, true), 1.0 + 9.0 + 21.0);
    assert_eq!(evaluations(7, 5, true), 8.0);
}

#[test]
fn figures_read_as_people_write_them() {
    assert_eq!(bytes(1.5e9), "1.5 GB");
    assert_eq!(bytes(320e6), "320 MB");
    assert_eq!(bytes(512.0), "512 B");
    assert_eq!(operations(8.14e14), "8.1e14");
    assert_eq!(duration(30.0), "30 s");
    assert_eq!(duration(720.0), "12 min");
    assert_eq!(duration(3.5 * 3600.0), "3.5 h");
    assert_eq!(duration(9.0 * 86_400.0), "9 days");
}

#[test]
fn every_preset_is_within_the_budget_it_is_sized_for() {
    for e in Experiment::ALL {
        for p in Preset::ALL {
            let spec = e.preset(p);
            for target in [Target::Cpu, Target::Gpu] {
                let cost = spec.cost(target);
                assert!(cost.bytes.is_finite() && cost.flops.is_finite());
                Budget::native(target)
                    .check(cost)
                    .unwrap_or_else(|e| panic!("{} {}: {e}", spec.experiment().id(), p.name()));
            }
            // Quick and ci presets run in any tab; paper presets are sized for a GPU.
            let tab = if p == Preset::Paper {
                Target::Gpu
            } else {
                Target::Cpu
            };
            Budget::page(tab)
                .check(spec.cost(tab))
                .unwrap_or_else(|e| panic!("{} {}: {e}", spec.experiment().id(), p.name()));
        }
    }
}

/// Candidate values of a knob: its limits and a value between them, or each choice.
fn candidates(knob: &crate::spec::Knob) -> Vec<String> {
    use crate::spec::KnobKind;
    match knob.kind {
        KnobKind::Int { min, max, .. } => vec![min, max, min + (max - min) / 3]
            .into_iter()
            .map(|v| v.to_string())
            .collect(),
        KnobKind::Float { min, max, .. } => vec![min, max, min + (max - min) / 3.0]
            .into_iter()
            .map(|v| v.to_string())
            .collect(),
        KnobKind::Choice(options) => options.iter().map(|o| (*o).to_string()).collect(),
        KnobKind::Seed => vec!["0".into(), "12345".into()],
    }
}

/// Specs of every experiment in every mode: each preset with each value of one choice
/// knob (mode, comparison, model, data set...), and the quick preset with each pair.
fn specs_in_every_mode() -> Vec<AnySpec> {
    use crate::spec::KnobKind;
    let mut out = Vec::new();
    for e in Experiment::ALL {
        let choices: Vec<(&str, Vec<String>)> = e
            .knobs()
            .iter()
            .filter(|k| matches!(k.kind, KnobKind::Choice(_)))
            .map(|k| (k.key, candidates(k)))
            .collect();
        for p in Preset::ALL {
            out.push(e.preset(p));
            for (i, (a, values_a)) in choices.iter().enumerate() {
                for va in values_a {
                    let mut one = e.preset(p);
                    if one.set(a, va).is_err() {
                        continue;
                    }
                    out.push(one.clone());
                    if p != Preset::Quick {
                        continue;
                    }
                    for (b, values_b) in &choices[i + 1..] {
                        for vb in values_b {
                            let mut two = one.clone();
                            if two.set(b, vb).is_ok() {
                                out.push(two);
                            }
                        }
                    }
                }
            }
        }
    }
    out.retain(|s| s.validate().is_ok());
    out
}

/// A knob that a spec's mode does not use cannot change its price: for every experiment
/// in every mode, every unused knob set to each of its limits (and a value between, or
/// each choice) leaves the memory, the work and the recorded values exactly as they were.
#[test]
fn knobs_a_mode_does_not_use_never_move_its_price() {
    let specs = specs_in_every_mode();
    assert!(specs.len() > 300, "only {} specs", specs.len());
    let mut checked = 0;
    for spec in &specs {
        let knobs = spec.experiment().knobs();
        for knob in knobs.iter().filter(|k| !spec.uses(k.key)) {
            for value in candidates(knob) {
                let mut moved = spec.clone();
                if moved.set(knob.key, &value).is_err() || moved.validate().is_err() {
                    continue;
                }
                for target in [Target::Cpu, Target::Gpu] {
                    assert_eq!(
                        moved.cost(target),
                        spec.cost(target),
                        "{} {}={value} moved the price of {:?}",
                        spec.experiment().id(),
                        knob.key,
                        spec.to_json()
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "only {checked} unused settings checked");
}

/// The review's case: a fraction sweep trains every fraction with the batch of its own
/// training set, so `train_fraction` (which the sweep does not use) cannot shrink its price
/// below what it trains (4.2 GB against 30.4 GB before).
#[test]
fn a_fraction_sweep_is_priced_by_the_batches_it_trains() {
    let sweep = |fraction: &str| {
        let mut spec = Experiment::Grokking.preset(Preset::Quick);
        spec.set_all([
            "model=transformer",
            "layers=4",
            "d_model=256",
            "p=97",
            "batch=512",
            "compare=fractions",
            "fraction_min=0.3",
            "fraction_max=0.9",
            &format!("train_fraction={fraction}"),
        ])
        .expect("valid values");
        spec.validate().expect("valid spec");
        spec.cost(Target::Cpu)
    };
    assert_eq!(sweep("0.05"), sweep("0.9"));
    // Every fraction's step holds a whole batch of 512: more than one run at 5%, whose
    // training set (465 equations) is smaller than a batch.
    let mut alone = Experiment::Grokking.preset(Preset::Quick);
    alone
        .set_all([
            "model=transformer",
            "layers=4",
            "d_model=256",
            "p=97",
            "batch=512",
            "compare=baseline",
            "train_fraction=0.05",
        ])
        .expect("valid values");
    assert!(sweep("0.05").bytes > alone.cost(Target::Cpu).bytes);
}

/// The page's workers each hold their module and their own copy of the data: a plan's
/// price grows with its workers, and a plan keeps only as many as the memory budget holds.
#[test]
fn workers_are_priced_and_capped_by_the_budget() {
    let mut spec = Experiment::Grokking.preset(Preset::Quick);
    spec.set_all(["compare=fractions", "fractions=9"])
        .expect("valid");
    spec.validate().expect("valid spec");
    let budget = Budget::page(Target::Cpu);
    let two = spec.tab_plan(Target::Cpu, 2, &budget);
    let many = spec.tab_plan(Target::Cpu, 64, &budget);
    assert_eq!(two.shares.len(), 2);
    assert!(many.shares.len() > 2 && many.shares.len() <= spec.independent_runs());
    assert!(many.cost.bytes >= two.cost.bytes + (many.shares.len() - 2) as f64 * WORKER_BYTES);
    assert!(budget.bytes_of(many.cost) <= budget.bytes, "capped to fit");
    // Every run is trained by exactly one worker.
    let mut runs: Vec<usize> = many.shares.concat();
    runs.sort_unstable();
    assert_eq!(runs, (0..spec.independent_runs()).collect::<Vec<_>>());
    // A GPU trains every run in one worker.
    assert_eq!(
        spec.tab_plan(Target::Gpu, 64, &Budget::page(Target::Gpu))
            .shares
            .len(),
        1
    );
    // With no room for more, one worker.
    let tight = Budget {
        bytes: two.cost.bytes / 2.0,
        ..budget
    };
    assert_eq!(spec.tab_plan(Target::Cpu, 64, &tight).shares.len(), 1);
}

/// What grows with evaluations is priced: the review's small sweep evaluated at each of
/// 200,000 steps needs gigabytes of recorded metrics in a tab.
#[test]
fn recorded_metrics_grow_the_price_with_the_evaluations() {
    let price = |pairs: &[&str]| {
        let mut spec = Experiment::Grokking.preset(Preset::Quick);
        spec.set_all(pairs.iter().copied()).expect("valid values");
        spec.validate().expect("valid spec");
        Budget::page(Target::Cpu).bytes_of(spec.cost(Target::Cpu))
    };
    let rare = price(&["compare=sweep", "steps=20000", "eval_every=1000"]);
    let often = price(&["compare=sweep", "steps=20000", "eval_every=1"]);
    let longer = price(&["compare=sweep", "steps=200000", "eval_every=1"]);
    assert!(often > rare + 100e6, "{rare} {often}");
    assert!(longer > 1e9, "{longer}");
}

#[test]
fn workers_follow_the_cores_and_even_the_load() {
    assert_eq!(workers_for(3, 2), 3);
    assert_eq!(workers_for(1, 8), 1);
    assert_eq!(workers_for(6, 2), 2);
    assert_eq!(workers_for(4, 4), 4);
    assert_eq!(workers_for(0, 0), 1);
}

#[test]
fn the_hostile_links_of_the_review_are_over_budget() {
    let over = |id: &str, pairs: &[&str]| {
        let mut spec = id.parse::<Experiment>().expect("id").preset(Preset::Quick);
        spec.set_all(pairs.iter().copied()).expect("valid values");
        spec.validate().expect("valid spec");
        Budget::page(Target::Cpu).check(spec.cost(Target::Cpu))
    };
    // ~13 GB of Grokfast-MA window on the largest transformer.
    let ma = over(
        "grokking",
        &[
            "model=transformer",
            "p=113",
            "d_model=256",
            "layers=4",
            "compare=ma",
            "ma_window=1000",
        ],
    )
    .expect_err("a huge MA window");
    assert!(ma.cost.bytes > 10e9, "{ma}");
    assert!(over("grokking", &["eval_every=1", "steps=200000"]).is_err());
    assert!(
        over(
            "benign-overfitting",
            &["xor_dim=20000", "neurons=2000", "steps=5000"]
        )
        .is_err()
    );
    assert!(over("augmentation", &["seeds=8", "width=1024", "steps=100000"]).is_err());
    assert!(over("grokking", &[]).is_ok());
}
