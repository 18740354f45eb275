use super::*;

#[test]
fn presets_validate_and_phases_are_the_paper_s_four_weight_decays() {
    for p in Preset::ALL {
        CorruptedLabelsSpec::preset(p)
            .validate_rules()
            .unwrap_or_else(|e| panic!("{}: {e}", p.name()));
    }
    let paper = CorruptedLabelsSpec::preset(Preset::Paper);
    let labels: Vec<String> = paper.runs().into_iter().map(|r| r.label).collect();
    assert_eq!(labels, ["wd 0", "wd 5", "wd 15", "wd 20"]);
    // The paper's split: ⌊0.5 · 9,409⌋ training pairs, ⌊0.35 · 4,704⌋ of them relabelled.
    assert_eq!(paper.train_count(), 4704);
    let (train, test) = paper.split(paper.corruption);
    assert_eq!(train.len() + test.len(), 97 * 97);
    assert_eq!(train.iter().filter(|e| e.corrupted).count(), 1646);
    assert!((paper.inverted_train_acc() - 0.6536).abs() < 1e-3);
    // The clean control shares the split and differs only in the answers.
    let clean = CorruptedLabelsSpec {
        compare: Compare::Clean,
        ..paper.clone()
    };
    let runs = clean.runs();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1].corruption, 0.0);
    let (clean_train, _) = clean.split(0.0);
    assert!(
        clean_train
            .iter()
            .zip(&train)
            .all(|(a, b)| (a.x, a.y) == (b.x, b.y))
    );
    assert!(clean_train.iter().all(|e| !e.corrupted));
    let wrong = CorruptedLabelsSpec {
        p: 91,
        ..paper.clone()
    };
    assert!(wrong.validate_rules().is_err());
    let none = CorruptedLabelsSpec {
        p: 7,
        train_fraction: 0.1,
        corruption: 0.01,
        ..paper
    };
    assert!(
        none.validate_rules().is_err(),
        "a corruption that replaces nothing"
    );
    // A tiny corruption (a fuzzed link's) is named in a short line, not 300 decimals.
    let tiny = CorruptedLabelsSpec {
        corruption: 4.918e-300,
        ..CorruptedLabelsSpec::default()
    };
    let message = tiny
        .validate_rules()
        .expect_err("replaces nothing")
        .to_string();
    assert!(message.len() < 200, "{message}");
    assert!(message.contains("4.918e-300"), "{message}");
}
