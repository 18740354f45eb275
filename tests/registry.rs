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

/// Top-level modules of overfit-core and the modules each names (`crate::x`), outside tests
/// and comments.
fn core_imports() -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/core/src");
    let mut modules = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(&src).expect("overfit-core's sources") {
        let path = entry.expect("an entry").path();
        let name = path.file_stem().and_then(|s| s.to_str()).expect("utf-8");
        if name != "lib" && (path.is_dir() || path.extension().is_some_and(|e| e == "rs")) {
            modules.insert(name.to_string(), path);
        }
    }
    let files_of = |path: &std::path::Path| -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![path.to_path_buf()];
        while let Some(p) = stack.pop() {
            if p.is_dir() {
                stack.extend(
                    std::fs::read_dir(&p)
                        .expect("a dir")
                        .map(|e| e.expect("entry").path()),
                );
            } else if p.extension().is_some_and(|e| e == "rs") && !p.ends_with("tests.rs") {
                out.push(p);
            }
        }
        out
    };
    let names: Vec<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(module, path)| {
            let mut named = std::collections::BTreeSet::new();
            for file in files_of(path) {
                let text = std::fs::read_to_string(&file).expect("a source file");
                let code = text
                    .split("#[cfg(test)]\nmod tests")
                    .next()
                    .unwrap_or_default();
                for line in code
                    .lines()
                    .map(|l| l.split("//").next().unwrap_or_default())
                {
                    for (i, _) in line.match_indices("crate::") {
                        let rest = &line[i + "crate::".len()..];
                        let word: String = rest
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        if names.contains(&word) && &word != module {
                            named.insert(word);
                        }
                    }
                }
            }
            (module.clone(), named)
        })
        .collect()
}

/// The modules of overfit-core that reach each other through imports (each set more than one
/// module), found by following every import both ways.
fn circles() -> Vec<Vec<String>> {
    let imports = core_imports();
    let reaches = |from: &str| -> std::collections::BTreeSet<String> {
        let mut seen = std::collections::BTreeSet::new();
        let mut todo = vec![from.to_string()];
        while let Some(m) = todo.pop() {
            for next in imports.get(&m).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let mut out: Vec<Vec<String>> = Vec::new();
    for module in imports.keys() {
        let mine = reaches(module);
        let circle: Vec<String> = imports
            .keys()
            .filter(|other| {
                *other == module || (mine.contains(*other) && reaches(other).contains(module))
            })
            .cloned()
            .collect();
        if circle.len() > 1 && !out.contains(&circle) {
            out.push(circle);
        }
    }
    out
}

/// No module of overfit-core joins an import circle: specs and knobs, the cost model, links
/// and the experiments import one way (the registry of experiments sits above the specs and
/// prices, links above the registry).
#[test]
fn overfit_core_has_no_import_circle() {
    let found = circles();
    assert!(found.is_empty(), "import circles: {found:?}");
    // The check sees what it must: report and train no longer import each other, but train
    // still imports report.
    let imports = core_imports();
    assert!(imports["train"].contains("report") && !imports["report"].contains("train"));
    assert!(imports["link"].contains("experiments") && imports["experiments"].contains("spec"));
    assert!(!imports["spec"].contains("experiments") && !imports["cost"].contains("experiments"));
}

/// No source file grows past 600 lines: a file that does holds more than one concern (split
/// its tests, its words or a mode into a file of their own).
#[test]
fn no_source_file_is_over_600_lines() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut stack = vec![root.join("crates"), root.join("tests")];
    let (mut long, mut files) = (Vec::new(), 0);
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            let skip = path
                .file_name()
                .is_some_and(|n| n == "target" || n == "node_modules");
            if !skip {
                for entry in std::fs::read_dir(&path).expect("a directory") {
                    stack.push(entry.expect("an entry").path());
                }
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            files += 1;
            let lines = std::fs::read_to_string(&path)
                .expect("utf-8")
                .lines()
                .count();
            if lines > 600 {
                long.push(format!("{} ({lines})", path.display()));
            }
        }
    }
    assert!(files > 100, "only {files} sources found");
    assert!(long.is_empty(), "over 600 lines: {long:?}");
}

/// The Rust sources under `dir` (recursively), with their text.
fn sources(dir: &std::path::Path) -> Vec<(std::path::PathBuf, String)> {
    let mut stack = vec![dir.to_path_buf()];
    let mut out = Vec::new();
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("a directory") {
                stack.push(entry.expect("an entry").path());
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("utf-8");
            out.push((path, text));
        }
    }
    out
}

/// The checklist for a new experiment, as far as the compiler cannot hold it: a type that
/// declares an experiment is a line of the registry (else no page, link or CLI knows it), and
/// every experiment of the registry has phenomenon tests that train it.
#[test]
fn every_declared_experiment_is_registered_and_has_phenomenon_tests() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let registry = std::fs::read_to_string(root.join("crates/core/src/experiments/registry.rs"))
        .expect("the registry");
    let lines = registry
        .split_once("registry! {")
        .map(|(_, rest)| rest)
        .expect("the registry's lines");
    let mut declared = Vec::new();
    for (path, text) in sources(&root.join("crates/core/src/experiments")) {
        for (_, rest) in text
            .match_indices("Declaration for ")
            .map(|(i, _)| text.split_at(i + 16))
        {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if name.is_empty() || !text.contains(&format!("impl super::Declaration for {name}")) {
                continue;
            }
            assert!(
                lines.contains(&format!("::{name})")),
                "{name} ({}) declares an experiment but is not a line of the registry",
                path.display()
            );
            declared.push(name);
        }
    }
    assert_eq!(
        declared.len(),
        Experiment::ALL.len(),
        "declarations: {declared:?}"
    );
    let tests = sources(&root.join("tests/phenomena"));
    for e in Experiment::ALL {
        let named = format!("Experiment::{e:?}");
        let trained = tests
            .iter()
            .any(|(_, text)| text.contains(&named) && text.contains("#[test]"));
        assert!(
            trained,
            "{}: no phenomenon test in tests/phenomena names {named}",
            e.id()
        );
    }
}

#[test]
fn what_happens_next_names_registered_experiments() {
    let ids: Vec<&str> = Experiment::ALL.iter().map(|e| e.id()).collect();
    for e in Experiment::ALL {
        for (id, words) in e.info().next {
            assert!(
                ids.contains(id),
                "{}: next names {id}, not registered",
                e.id()
            );
            assert_ne!(*id, e.id(), "{}: next names itself", e.id());
            assert!(!words.is_empty());
        }
    }
    assert!(
        Experiment::Grokking
            .info()
            .next
            .iter()
            .any(|(id, _)| *id == "corrupted-labels"),
        "the grokking page links what happens next"
    );
}

/// Every experiment has its home-page picture (`www/cards/ID.json`, written by `.ci/cards`
/// from a real run): a report of that experiment, small, whose first chart has curves.
#[test]
fn every_experiment_has_its_card_picture_from_a_real_run() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for e in Experiment::ALL {
        let path = root.join("www/cards").join(format!("{}.json", e.id()));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("{}: {err} (run .ci/cards)", path.display()));
        assert!(
            text.len() < 120_000,
            "{}: {} bytes",
            path.display(),
            text.len()
        );
        let report: overfit_core::report::Report = serde_json::from_str(&text).expect("a report");
        assert_eq!(report.experiment, e.id());
        let first = e.charts(&report).into_iter().next().expect("a chart");
        assert!(
            first.lines.iter().any(|l| l.points.len() >= 2),
            "{}: its first chart draws no curve",
            e.id()
        );
    }
}

/// Every run of every experiment's card (its `ci` preset, trained for real) is named in words on
/// the screens: no label part left as a code (`grokfast-ema`, `n=100`).
#[test]
fn every_run_label_reads_as_words() {
    use overfit_core::experiments::vocabulary::run_name;
    let code = |part: &str| {
        (part.contains('=') && part != "=")
            || (part.contains('-')
                && part.starts_with(|c: char| c.is_ascii_lowercase())
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-.".contains(c)))
    };
    assert!(code("grokfast-ema") && code("n=100") && !code("Grokfast-EMA") && !code("3e-3"));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut named = 0;
    for e in Experiment::ALL {
        let path = root.join("www/cards").join(format!("{}.json", e.id()));
        let text = std::fs::read_to_string(&path).expect("a card report (run .ci/cards)");
        let report: overfit_core::report::Report = serde_json::from_str(&text).expect("a report");
        for run in &report.runs {
            let name = run_name(&run.label);
            assert!(
                !name.split(' ').any(code),
                "{}: {:?} reads {name:?}",
                e.id(),
                run.label
            );
            named += usize::from(name != run.label);
        }
    }
    assert!(named >= 10, "only {named} labels needed words");
}

/// Each function of `text` (as rustfmt lays them out: its closing brace alone at its own
/// indent) with its length in lines.
fn functions(text: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let head = [
            "pub(crate) ",
            "pub(super) ",
            "pub ",
            "const ",
            "async ",
            "unsafe ",
        ]
        .iter()
        .fold(trimmed, |t, p| t.strip_prefix(p).unwrap_or(t));
        let Some(rest) = head.strip_prefix("fn ") else {
            continue;
        };
        if line.trim_end().ends_with(';') {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let close = format!("{indent}}}");
        if let Some(end) = lines[i..].iter().position(|l| l.trim_end() == close) {
            out.push((name, end + 1));
        }
    }
    out
}

/// No function of the crates' sources (tests aside) is over 120 lines.
#[test]
fn no_function_is_over_120_lines() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (mut long, mut counted) = (Vec::new(), 0);
    for (path, text) in sources(&root.join("crates")) {
        let rel = path
            .strip_prefix(&root)
            .expect("under the root")
            .to_string_lossy()
            .replace('\\', "/");
        let is_test = rel.contains("/tests/") || rel.ends_with("/tests.rs");
        if is_test || !rel.contains("/src/") {
            continue;
        }
        for (name, lines) in functions(&text) {
            counted += 1;
            if lines > 120 {
                long.push(format!("{rel}: {name} is {lines} lines"));
            }
        }
    }
    assert!(counted > 1000, "only {counted} functions found");
    assert!(long.is_empty(), "over 120 lines: {long:?}");
    // The scan sees a long function as one.
    let long_fn = format!("fn f() {{\n{}}}\n", "    x();\n".repeat(130));
    assert_eq!(functions(&long_fn), [("f".to_string(), 132)]);
}
