//! A reader's own data: a CSV file of feature columns and a label column, read and checked
//! where it is picked (in the page, or by the CLI's `--data`), never sent anywhere. A run
//! trained on it says so in its link (`dataset=local`), which cannot carry the file.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// Labelled examples read from a CSV file: feature columns, then the label (the last column).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// The file's name, as the reader picked it (for the page's words, not for lookups).
    pub name: String,
    /// The feature columns' names (from the header row, or `x1`, `x2`, … without one).
    pub columns: Vec<String>,
    /// Row-major features, `[rows, columns.len()]`.
    pub x: Vec<f32>,
    /// Each row's class, an index into `classes`.
    pub y: Vec<u8>,
    /// The labels as the file writes them, in class order (numbers by value, else by text).
    pub classes: Vec<String>,
}

/// What a run of `dataset=local` says when it has no file.
pub const NEEDS_FILE: &str = "this run trains on a local CSV file (dataset=local), which a link \
                              cannot carry: pick the file on the page, or give it to the CLI \
                              with --data FILE.csv";

/// What a reader's own file of feature columns may hold where the features are not points on
/// a plane (double descent, dropout, augmentation): up to 64 feature columns (the digits'
/// pixels) and 10 labels. A run is priced at these limits, so a file within them never costs
/// more than its spec's price.
pub const OWN_TABLE: Limits = Limits {
    features: (1, 64),
    rows: (40, 5000),
    classes: (2, 10),
    bytes: 2_000_000,
};

/// Rows of a table of `rows` held out to test on: a quarter.
pub fn test_rows(rows: usize) -> usize {
    rows / 4
}

/// Rows of a table of `rows` a model may train on: the rest.
pub fn train_rows(rows: usize) -> usize {
    rows - test_rows(rows)
}

/// What a file may hold for one experiment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Feature columns: at least, at most.
    pub features: (usize, usize),
    /// Data rows: at least, at most.
    pub rows: (usize, usize),
    /// Distinct labels: at least, at most.
    pub classes: (usize, usize),
    /// The file's size in bytes, at most.
    pub bytes: usize,
}

impl Limits {
    /// Words for a reader: what a file must hold.
    pub fn describe(&self) -> String {
        let features = if self.features.0 == self.features.1 {
            format!("{} feature columns", self.features.0)
        } else {
            format!("{} to {} feature columns", self.features.0, self.features.1)
        };
        let classes = if self.classes.0 == self.classes.1 {
            format!("{} labels", self.classes.0)
        } else {
            format!("{} to {} labels", self.classes.0, self.classes.1)
        };
        format!(
            "{features} then a label column; {} to {} rows; {classes}; at most {} kB",
            self.rows.0,
            self.rows.1,
            self.bytes / 1000
        )
    }
}

impl Limits {
    /// Whether `table` is within these limits; if not, what it holds and what they take, in
    /// words (for `who`, e.g. "dropout").
    pub fn check(&self, table: &Table, who: &str) -> Result<(), String> {
        let fits = |(lo, hi): (usize, usize), n: usize| (lo..=hi).contains(&n);
        if fits(self.features, table.features())
            && fits(self.rows, table.rows())
            && fits(self.classes, table.classes.len())
        {
            return Ok(());
        }
        Err(format!(
            "{} has {} feature columns, {} rows and {} labels; {who} takes {}",
            table.name,
            table.features(),
            table.rows(),
            table.classes.len(),
            self.describe()
        ))
    }
}

/// Why a file was not taken: every problem found, by line and column, for the reader to fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableError {
    pub problems: Vec<String>,
}

/// Problems listed in full before "and N more".
const LISTED: usize = 8;

impl std::fmt::Display for TableError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = &self.problems[..self.problems.len().min(LISTED)];
        write!(f, "{}", shown.join("; "))?;
        if self.problems.len() > LISTED {
            write!(f, "; and {} more", self.problems.len() - LISTED)?;
        }
        Ok(())
    }
}

impl std::error::Error for TableError {}

fn fail(problem: String) -> TableError {
    TableError {
        problems: vec![problem],
    }
}

/// The field separator: the first of comma, semicolon and tab the header line holds.
fn separator(line: &str) -> char {
    [',', ';', '\t']
        .into_iter()
        .find(|c| line.contains(*c))
        .unwrap_or(',')
}

/// One line's fields, each trimmed and without surrounding double quotes.
fn fields(line: &str, sep: char) -> Vec<String> {
    line.split(sep)
        .map(|f| {
            let f = f.trim();
            f.strip_prefix('"')
                .and_then(|f| f.strip_suffix('"'))
                .unwrap_or(f)
                .to_string()
        })
        .collect()
}

fn number(field: &str) -> Option<f32> {
    field.parse::<f32>().ok().filter(|v| v.is_finite())
}

impl Table {
    pub fn rows(&self) -> usize {
        self.y.len()
    }

    pub fn features(&self) -> usize {
        self.columns.len()
    }

    /// Row `i`'s features.
    pub fn row(&self, i: usize) -> &[f32] {
        let d = self.features();
        &self.x[i * d..(i + 1) * d]
    }

    /// Reads `text` (the file `name`) as feature columns and a last label column, with or
    /// without a header row, separated by commas, semicolons or tabs. Every value must be a
    /// finite number except the labels, which may be any text. Checks it against `limits`.
    pub fn parse_csv(name: &str, text: &str, limits: &Limits) -> Result<Table, TableError> {
        if text.len() > limits.bytes {
            return Err(fail(format!(
                "the file is {} kB; at most {} kB is read",
                text.len().div_ceil(1000),
                limits.bytes / 1000
            )));
        }
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let Some((_, first)) = lines.next() else {
            return Err(fail("the file is empty".into()));
        };
        let sep = separator(first);
        let head = fields(first, sep);
        let width = head.len();
        if width < 2 {
            return Err(fail(
                "the first line has one column: a file needs feature columns and a label column, \
                 separated by commas, semicolons or tabs"
                    .into(),
            ));
        }
        let features = width - 1;
        if features < limits.features.0 || features > limits.features.1 {
            return Err(fail(format!(
                "the file has {features} feature column{} before its label; this experiment \
                 takes {}",
                if features == 1 { "" } else { "s" },
                limits.describe()
            )));
        }
        // A first line whose features are not all numbers names the columns.
        let has_header = head[..features].iter().any(|f| number(f).is_none());
        let columns = if has_header {
            head[..features].to_vec()
        } else {
            (1..=features).map(|i| format!("x{i}")).collect()
        };
        let label_name = if has_header {
            head[features].as_str()
        } else {
            "label"
        };
        let data: Vec<(usize, &str)> = if has_header {
            lines.collect()
        } else {
            std::iter::once((0, first)).chain(lines).collect()
        };
        let mut problems = Vec::new();
        if data.len() < limits.rows.0 || data.len() > limits.rows.1 {
            problems.push(format!(
                "the file has {} data rows; this experiment takes {} to {}",
                data.len(),
                limits.rows.0,
                limits.rows.1
            ));
            // Too many is not read further; too few is checked row by row too.
            if data.len() > limits.rows.1 {
                return Err(TableError { problems });
            }
        }
        let mut x = Vec::with_capacity(data.len() * features);
        let mut labels = Vec::with_capacity(data.len());
        for (index, line) in &data {
            let at = index + 1;
            let row = fields(line, sep);
            if row.len() != width {
                problems.push(format!(
                    "line {at} has {} fields where the first line has {width}",
                    row.len()
                ));
                continue;
            }
            for (c, field) in row[..features].iter().enumerate() {
                match number(field) {
                    Some(v) => x.push(v),
                    None => {
                        x.push(0.0);
                        problems.push(format!(
                            "line {at}, column {}: \"{}\" is not a finite number",
                            columns[c],
                            shorten(field)
                        ));
                    }
                }
            }
            if row[features].is_empty() {
                problems.push(format!("line {at}: the {label_name} is empty"));
            }
            labels.push(row[features].clone());
        }
        if !problems.is_empty() {
            return Err(TableError { problems });
        }
        let distinct: BTreeSet<&str> = labels.iter().map(String::as_str).collect();
        let mut classes: Vec<String> = distinct.into_iter().map(str::to_string).collect();
        if classes.iter().all(|c| number(c).is_some()) {
            classes.sort_by(|a, b| {
                number(a)
                    .unwrap_or(0.0)
                    .total_cmp(&number(b).unwrap_or(0.0))
            });
        }
        if classes.len() < limits.classes.0 || classes.len() > limits.classes.1 {
            let listed: Vec<&str> = classes.iter().take(12).map(|c| shorten(c)).collect();
            problems.push(format!(
                "the {label_name} column holds {} distinct labels ({}{}); this experiment takes \
                 {} to {}",
                classes.len(),
                listed.join(", "),
                if classes.len() > 12 { ", …" } else { "" },
                limits.classes.0,
                limits.classes.1
            ));
        }
        if !problems.is_empty() {
            return Err(TableError { problems });
        }
        let y = labels
            .iter()
            .map(|l| classes.iter().position(|c| c == l).unwrap_or(0) as u8)
            .collect();
        Ok(Table {
            name: name.to_string(),
            columns,
            x,
            y,
            classes,
        })
    }

    /// The table with each feature column scaled to [-1, 1] (a constant column to 0).
    pub fn scaled(&self) -> Table {
        let d = self.features();
        let mut out = self.clone();
        for c in 0..d {
            let column = self.x.iter().skip(c).step_by(d);
            let (lo, hi) = column.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
            let (mid, half) = ((lo + hi) / 2.0, (hi - lo) / 2.0);
            for v in out.x.iter_mut().skip(c).step_by(d) {
                *v = if half > 0.0 { (*v - mid) / half } else { 0.0 };
            }
        }
        out
    }

    /// Rows in an order drawn from `rng` (files are often sorted by label; a split should not
    /// take one class for training and another for testing).
    pub fn shuffled(&self, rng: &mut crate::rng::Stream) -> Table {
        let order = rng.permutation(self.rows());
        let mut out = self.clone();
        out.x = order.iter().flat_map(|&i| self.row(i).to_vec()).collect();
        out.y = order.iter().map(|&i| self.y[i]).collect();
        out
    }
}

/// A field as quoted in a message: at most 24 characters.
fn shorten(field: &str) -> &str {
    match field.char_indices().nth(24) {
        Some((end, _)) => &field[..end],
        None => field,
    }
}

/// A table of `classes` clusters of `rows` rows in `features` columns (sorted by label, as
/// files often are): each class's centre is one apart from the others, each value wobbles by
/// at most ±0.35 about it. For tests of the experiments that take one.
#[cfg(test)]
pub(crate) fn clusters(rows: usize, features: usize, classes: usize) -> Table {
    let mut text = (1..=features).map(|c| format!("f{c},")).collect::<String>() + "label\n";
    for i in 0..rows {
        let class = i * classes / rows;
        for c in 0..features {
            let centre = if c % classes == class { 1.0 } else { 0.0 };
            let wobble = 0.35 * ((i * (c + 3)) as f64 * 0.77).sin();
            text.push_str(&format!("{:.3},", centre + wobble));
        }
        text.push_str(&format!("c{class}\n"));
    }
    Table::parse_csv("clusters.csv", &text, &OWN_TABLE).expect("a valid table")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: Limits = Limits {
        features: (2, 2),
        rows: (4, 5000),
        classes: (2, 2),
        bytes: 1_000_000,
    };

    #[test]
    fn reads_a_header_quotes_separators_and_orders_numeric_labels_by_value() {
        let text = "\u{feff}\"a\";\"b\";\"kind\"\r\n0.5;1;10\r\n\r\n-1;2e-1;2\n3;4;10\n0;0;2\n";
        let t = Table::parse_csv("f.csv", text, &TWO).expect("a good file");
        assert_eq!(t.columns, ["a", "b"]);
        assert_eq!(t.classes, ["2", "10"]);
        assert_eq!(t.rows(), 4);
        assert_eq!(t.row(1), [-1.0, 0.2]);
        assert_eq!(t.y, [1, 0, 1, 0]);
    }

    #[test]
    fn a_file_without_header_names_its_columns() {
        let t = Table::parse_csv("f", "1,2,yes\n3,4,no\n5,6,yes\n7,8,no\n", &TWO).expect("read");
        assert_eq!(t.columns, ["x1", "x2"]);
        assert_eq!(t.classes, ["no", "yes"]);
        assert_eq!(t.y, [1, 0, 1, 0]);
    }

    #[test]
    fn every_bad_row_and_column_is_named_by_line() {
        let text = "x1,x2,label\n1,2,0\n1,abc,1\n1,2\n1,NaN,0\n1,2,\n1,2,1\n";
        let err = Table::parse_csv("f", text, &TWO).expect_err("refused");
        assert_eq!(
            err.problems,
            [
                "line 3, column x2: \"abc\" is not a finite number",
                "line 4 has 2 fields where the first line has 3",
                "line 5, column x2: \"NaN\" is not a finite number",
                "line 6: the label is empty",
            ]
        );
    }

    #[test]
    fn limits_are_said_in_words() {
        let three = "a,b,c,label\n1,2,3,0\n";
        let err = Table::parse_csv("f", three, &TWO)
            .expect_err("refused")
            .to_string();
        assert!(err.contains("3 feature columns before its label"), "{err}");
        assert!(
            err.contains("2 feature columns then a label column"),
            "{err}"
        );
        let many = "x,y,l\n1,1,a\n2,2,b\n3,3,c\n4,4,d\n";
        let err = Table::parse_csv("f", many, &TWO)
            .expect_err("refused")
            .to_string();
        assert!(err.contains("4 distinct labels (a, b, c, d)"), "{err}");
        let short = "x,y,l\n1,1,a\n1,z,b\n";
        let err = Table::parse_csv("f", short, &TWO)
            .expect_err("refused")
            .to_string();
        assert!(
            err.contains("2 data rows; this experiment takes 4 to 5000"),
            "{err}"
        );
        assert!(err.contains("line 3, column y"), "{err}");
        let big = "1,1,0\n".repeat(200_000);
        let err = Table::parse_csv("f", &big, &TWO)
            .expect_err("refused")
            .to_string();
        assert!(err.contains("at most 1000 kB"), "{err}");
        assert!(Table::parse_csv("f", "  \n", &TWO).is_err());
        assert!(Table::parse_csv("f", "just one column\n", &TWO).is_err());
    }

    #[test]
    fn many_problems_are_counted_after_the_first_eight() {
        let mut text = String::from("x,y,l\n");
        for _ in 0..20 {
            text.push_str("a,1,0\n");
        }
        let err = Table::parse_csv("f", &text, &TWO).expect_err("refused");
        assert_eq!(err.problems.len(), 20);
        assert!(err.to_string().ends_with("; and 12 more"));
    }

    #[test]
    fn scaling_maps_each_column_onto_minus_one_to_one() {
        let t = Table::parse_csv("f", "0,5,0\n10,5,1\n5,5,0\n2.5,5,1\n", &TWO).expect("read");
        let s = t.scaled();
        assert_eq!(s.x, [-1.0, 0.0, 1.0, 0.0, 0.0, 0.0, -0.5, 0.0]);
        let mut rng = crate::rng::Stream::new(1, "t");
        let m = t.shuffled(&mut rng);
        let mut pairs: Vec<(Vec<f32>, u8)> = (0..4).map(|i| (m.row(i).to_vec(), m.y[i])).collect();
        let mut orig: Vec<(Vec<f32>, u8)> = (0..4).map(|i| (t.row(i).to_vec(), t.y[i])).collect();
        pairs.sort_by(|a, b| a.0[0].total_cmp(&b.0[0]));
        orig.sort_by(|a, b| a.0[0].total_cmp(&b.0[0]));
        assert_eq!(pairs, orig);
    }
}
