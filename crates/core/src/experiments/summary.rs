//! A report's summary as every screen shows it: a row per figure in words and in its unit, a
//! column per run that has a figure, each run's verdict and the notes on a run's numbers as
//! sentences. Built once here; the page renders it as a table, the CLI as text, so the two
//! cannot drift apart.

use serde_json::Value;

use super::double_descent::metric::DRAWS_NOTE;
use super::vocabulary::run_name;
use crate::report::{Report, Verdict};

/// One figure: its key (metrics.json's name), its words, and one cell a run ("—" where the
/// run has none).
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub key: String,
    pub words: String,
    pub cells: Vec<String>,
}

/// A run as the summary names it: its label (metrics.json's, and the page's `data-run`) and
/// that label in words ([`run_name`]).
#[derive(Clone, Debug, PartialEq)]
pub struct RunName {
    pub label: String,
    pub name: String,
}

impl RunName {
    pub fn of(label: &str) -> RunName {
        RunName {
            label: label.to_string(),
            name: run_name(label),
        }
    }
}

/// A report's summary, ready to show.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// The runs with a figure to show (the table's columns), in order.
    pub runs: Vec<RunName>,
    /// A row per figure, in the order the runs first report them.
    pub rows: Vec<Row>,
    /// Each run's verdict, in the report's order.
    pub verdicts: Vec<(RunName, Verdict)>,
    /// Notes on a run's numbers (how far a mean is one draw's), by run.
    pub notes: Vec<(RunName, String)>,
}

/// Whether a summary key holds a sentence (a verdict, the reason for it, a note) rather than a
/// figure: sentences are shown below the table, not in it.
pub fn is_sentence(key: &str) -> bool {
    Verdict::is_sentence(key) || key == DRAWS_NOTE.key
}

impl Summary {
    pub fn of(report: &Report) -> Summary {
        let with_figures: Vec<_> = report
            .runs
            .iter()
            .filter(|run| run.summary.keys().any(|k| !is_sentence(k)))
            .collect();
        let mut keys: Vec<&str> = Vec::new();
        for run in &with_figures {
            for key in run.summary.keys() {
                if !is_sentence(key) && !keys.contains(&key.as_str()) {
                    keys.push(key);
                }
            }
        }
        let rows = keys
            .iter()
            .map(|key| Row {
                key: key.to_string(),
                words: crate::experiments::vocabulary::title(key),
                cells: with_figures
                    .iter()
                    .map(|run| {
                        run.summary.get(*key).map_or("—".to_string(), |v| {
                            crate::experiments::vocabulary::format_json(key, v)
                        })
                    })
                    .collect(),
            })
            .collect();
        let verdicts = report
            .runs
            .iter()
            .filter_map(|run| Some((RunName::of(&run.label), Verdict::of(&run.summary)?)))
            .collect();
        let notes = report
            .runs
            .iter()
            .filter_map(|run| {
                let note = run.summary.get(DRAWS_NOTE.key).and_then(Value::as_str)?;
                Some((RunName::of(&run.label), note.to_string()))
            })
            .collect();
        Summary {
            runs: with_figures
                .iter()
                .map(|run| RunName::of(&run.label))
                .collect(),
            rows,
            verdicts,
            notes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::RunReport;
    use serde_json::json;

    #[test]
    fn figures_are_rows_in_words_and_sentences_are_left_to_the_verdicts_and_notes() {
        let run = |label: &str, summary: Value| {
            let summary = summary.as_object().cloned().unwrap_or_default();
            RunReport::new(label, &Default::default(), summary)
        };
        let report = Report::new(
            "double-descent",
            &json!({}),
            "features",
            vec![
                run(
                    "min-norm",
                    json!({"peak_x": 1000, "verdict": "a peak", "why": "At N = n.",
                           "draws_note": "the 5 draws run from 1 to 9"}),
                ),
                run("ridge", json!({"peak_x": 40, "final_test_acc": 0.5})),
                // Nothing but a sentence: no column.
                run("curve", json!({"why": "only words"})),
            ],
        );
        let s = Summary::of(&report);
        let labels: Vec<&str> = s.runs.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["min-norm", "ridge"]);
        assert_eq!(s.runs[0].name, "minimum norm");
        let keys: Vec<&str> = s.rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["peak_x", "final_test_acc"]);
        assert_eq!(s.rows[0].cells, ["1,000", "40"]);
        assert_eq!(s.rows[1].cells, ["—", "50.0%"]);
        assert!(s.rows.iter().all(|r| !r.words.contains('_')), "{s:?}");
        assert_eq!(s.verdicts.len(), 1);
        assert_eq!(s.verdicts[0].1.verdict, "a peak");
        assert_eq!(
            s.notes,
            [(
                RunName::of("min-norm"),
                "the 5 draws run from 1 to 9".into()
            )]
        );
    }
}
