//! Lists the compiler cannot check, checked against the registry (`Experiment::ALL`): the
//! README's table of experiments, and the browser scripts' pages (which read theirs from
//! `overfit list` and the home page rather than a list of their own).

use overfit_core::experiments::Experiment;

const README: &str = include_str!("../README.md");

/// The ids in the README's table of experiments, in its order.
fn readme_ids() -> Vec<&'static str> {
    README
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once("` |").map(|(id, _)| id))
        .collect()
}

#[test]
fn the_readme_table_lists_every_experiment_in_the_registry_order() {
    let ids: Vec<&str> = Experiment::ALL.iter().map(|e| e.id()).collect();
    assert_eq!(readme_ids(), ids, "README.md's table of experiments");
    // Each row names the experiment's first source.
    for e in Experiment::ALL {
        let row = README
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", e.id())))
            .expect("a row");
        let author = e.info().paper.split([',', ' ']).next().expect("an author");
        assert!(
            row.contains(author),
            "{}: its row does not cite {author}",
            e.id()
        );
    }
}

#[test]
fn the_browser_scripts_take_their_pages_from_the_registry() {
    for (script, text) in [
        ("bench.mjs", include_str!("browser/bench.mjs")),
        ("e2e.mjs", include_str!("browser/e2e.mjs")),
    ] {
        // No hand-written list of ids (one line naming them all) to fall out of date.
        let by_hand = text.lines().find(|line| {
            Experiment::ALL
                .iter()
                .all(|e| line.contains(&format!("'{}'", e.id())))
        });
        assert!(
            by_hand.is_none(),
            "{script} lists the experiments by hand ({by_hand:?}); read them from `overfit list`"
        );
    }
}
