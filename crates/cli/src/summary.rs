//! The end-of-run summary in words: the report's [`Summary`] (the table the page shows: a row
//! per figure in words and in its unit, a column per run with a figure), printed as text; then
//! each run's verdict and notes as sentences. Reports with too many runs to sit side by side
//! get one block a run instead.

use overfit_core::experiments::Summary;
use overfit_core::experiments::summary::Row;
use overfit_core::report::Report;

/// Widest table printed side by side, in characters.
const MAX_WIDTH: usize = 120;

/// Cells longer than this are listed below the table.
const LONG_CELL: usize = 20;

/// `report`'s summary ([`Summary`], as the page shows it) as a table in words, then its runs'
/// verdicts and notes as sentences.
pub fn in_words(report: &Report) -> String {
    let summary = Summary::of(report);
    let runs = &summary.runs;
    // Long texts (a list of frequencies) go below the table.
    let (rows, long): (Vec<&Row>, Vec<&Row>) = summary
        .rows
        .iter()
        .partition(|row| row.cells.iter().all(|c| c.chars().count() <= LONG_CELL));
    let mut out = String::new();
    let first = rows
        .iter()
        .map(|row| row.words.chars().count())
        .max()
        .unwrap_or(0);
    let widths: Vec<usize> = runs
        .iter()
        .enumerate()
        .map(|(i, run)| {
            rows.iter()
                .map(|row| row.cells[i].chars().count())
                .chain([run.name.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let total = first + widths.iter().map(|w| w + 2).sum::<usize>();
    if rows.is_empty() {
        // Nothing to tabulate.
    } else if total <= MAX_WIDTH {
        out.push_str(&pad("", first));
        for (run, w) in runs.iter().zip(&widths) {
            out.push_str(&format!("  {}", pad_left(&run.name, *w)));
        }
        out.push('\n');
        for row in &rows {
            out.push_str(&pad(&row.words, first));
            for (cell, w) in row.cells.iter().zip(&widths) {
                out.push_str(&format!("  {}", pad_left(cell, *w)));
            }
            out.push('\n');
        }
    } else {
        for (i, run) in runs.iter().enumerate() {
            out.push_str(&format!("{}\n", run.name));
            for row in rows.iter().filter(|row| has(report, &run.label, &row.key)) {
                out.push_str(&format!("  {}  {}\n", pad(&row.words, first), row.cells[i]));
            }
        }
    }
    for row in &long {
        for (run, cell) in runs.iter().zip(&row.cells) {
            if has(report, &run.label, &row.key) {
                out.push_str(&format!("{}: {}: {cell}\n", run.name, row.words));
            }
        }
    }
    for (run, verdict) in &summary.verdicts {
        out.push_str(&format!("{}: {}.", run.name, verdict.verdict));
        if let Some(why) = &verdict.why {
            out.push_str(&format!(" {why}"));
        }
        out.push('\n');
    }
    for (run, note) in &summary.notes {
        out.push_str(&format!("{}: {note}\n", run.name));
    }
    out
}

/// Whether the run labelled `run` reports `key`.
fn has(report: &Report, run: &str, key: &str) -> bool {
    report
        .runs
        .iter()
        .any(|r| r.label == run && r.summary.contains_key(key))
}

fn pad(text: &str, width: usize) -> String {
    let n = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(n)))
}

fn pad_left(text: &str, width: usize) -> String {
    let n = text.chars().count();
    format!("{}{text}", " ".repeat(width.saturating_sub(n)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use overfit_core::report::RunReport;
    use serde_json::json;

    fn report(runs: &[(&str, serde_json::Value)]) -> Report {
        let runs = runs
            .iter()
            .map(|(label, summary)| {
                let summary = summary.as_object().cloned().unwrap_or_default();
                RunReport::new(label, &Default::default(), summary)
            })
            .collect();
        Report::new("grokking", &json!({}), "step", runs)
    }

    #[test]
    fn summaries_read_as_a_table_in_words_with_the_verdicts_below() {
        let text = in_words(&report(&[
            (
                "baseline",
                json!({"steps_to_val_acc_95": null, "final_val_acc": 0.0868}),
            ),
            (
                "grokfast-ema",
                json!({
                    "steps_to_val_acc_95": 869,
                    "final_val_acc": 1.0,
                    "steps_to_val_acc_95_each": [731, 869, null],
                    "key_frequencies": "1 (29%), 3 (22%), 5 (19%), 2 (15%), 4 (15%)",
                    "verdict": "faster",
                    "why": "It generalised 2.2× sooner."
                }),
            ),
            // Nothing to summarise: no column.
            ("by-width", json!({})),
        ]));
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].ends_with("baseline  Grokfast-EMA"),
            "runs in words: {text}"
        );
        assert!(!text.contains("by-width"), "{text}");
        let row = |words: &str| {
            lines
                .iter()
                .find(|l| l.starts_with(words))
                .unwrap_or_else(|| panic!("no row {words}: {text}"))
                .split_whitespace()
                .rev()
                .take(3)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            row("Steps to 95% validation accuracy "),
            ["869", "—", "accuracy"]
        );
        assert_eq!(
            row("Validation accuracy at the end"),
            ["100.0%", "8.7%", "end"]
        );
        assert!(
            text.contains("Steps to 95% validation accuracy, each seed"),
            "{text}"
        );
        assert!(text.contains("731 869 —"), "{text}");
        assert!(
            !text.contains("steps_to_val_acc_95"),
            "keys are not shown: {text}"
        );
        assert!(!text.contains('{'), "no JSON: {text}");
        assert!(
            text.contains(
                "\nGrokfast-EMA: Strongest frequencies (share of the power): 1 (29%), 3 (22%), 5"
            ),
            "{text}"
        );
        assert_eq!(
            lines.last(),
            Some(&"Grokfast-EMA: faster. It generalised 2.2× sooner.")
        );
    }

    #[test]
    fn many_runs_get_a_block_each() {
        let runs: Vec<(String, serde_json::Value)> = (0..12)
            .map(|i| {
                (
                    format!("width-{i:03}"),
                    json!({"final_test_acc": 0.5, "parameters": 1000 + i}),
                )
            })
            .collect();
        let borrowed: Vec<(&str, serde_json::Value)> =
            runs.iter().map(|(l, v)| (l.as_str(), v.clone())).collect();
        let text = in_words(&report(&borrowed));
        assert!(
            text.lines().all(|l| l.chars().count() <= MAX_WIDTH),
            "{text}"
        );
        assert!(
            text.contains("width-011\n  Test accuracy at the end"),
            "{text}"
        );
        assert!(
            text.lines()
                .any(|l| l.starts_with("  Parameters ") && l.ends_with(" 1,011")),
            "{text}"
        );
    }
}
