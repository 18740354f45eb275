//! A reader's own data: a CSV file of feature columns and a label column, read and checked
//! where it is picked (in the page, or by the CLI's `--data`), never sent anywhere. A run
//! trained on it says so in its link (`dataset=local`), which cannot carry the file.
//!
//! How a file is read, as the person who wrote it meant it:
//! - Lines end at LF, CRLF or a lone CR (old Mac files); blank lines are skipped. Fields are
//!   separated by the first of comma, semicolon and tab that the first line holds outside
//!   quotes; a field in double quotes may hold the separator and `""` (RFC 4180), not a line
//!   break. A separator at the end of every line (an empty last column) is refused in words.
//! - Feature values are 32-bit floats: `1e39` is "out of range for 32-bit floats", `NaN` and
//!   `inf` are "not a finite number", and `1,5` asks for a decimal point.
//! - Labels are classes by value where they are numbers (`1` and `1.0` are one class, named
//!   as the file first writes it), else by text; numbers come first, in value order.
//! - The first row is a header when (in this order):
//!   1. its cells are `0, 1, …, n-1` (the names pandas gives unnamed columns): a header;
//!   2. its last field is a label that another row holds too: an example, read like every other
//!      row (so `1.2,3x,0` in a headerless file is an error at line 1, column x2);
//!   3. one of its feature fields is not a number: a header;
//!   4. all its feature fields are numbers (columns named by numbers, e.g. wavelengths, or as
//!      pandas writes `0,1,label`): a header if its last field is text, an example if it is a
//!      number or empty.
//! - Text from the file (column names, labels, the file's name, fields quoted in messages) is
//!   made [`printable`]: control characters and bidirectional overrides are replaced, so
//!   nothing printed or shown later can act on a terminal or reorder a page.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Labelled;

mod text;
pub use text::printable;

/// Labelled examples read from a CSV file: feature columns, then the label (the last column).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// The file's name, as the reader picked it (for the page's words, not for lookups).
    pub name: String,
    /// The feature columns' names (from the header row, or `x1`, `x2`, … without one).
    pub columns: Vec<String>,
    /// The rows: `columns.len()` features each, and a class, an index into `classes`.
    #[serde(flatten)]
    pub examples: Labelled,
    /// The labels as the file first writes them, in class order (numbers by value, then
    /// texts).
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
        let examples = &table.examples;
        if examples.dim != table.features()
            || !examples.is_whole()
            || examples
                .y
                .iter()
                .any(|&c| usize::from(c) >= table.classes.len())
        {
            return Err(format!(
                "{}'s values do not match its columns and labels",
                table.name
            ));
        }
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

/// A file's separator and the fields of each non-blank line with its number; a line that
/// cannot be split is a problem of its own, by line.
struct Split {
    sep: char,
    rows: Vec<(usize, Vec<String>)>,
    problems: Vec<String>,
}

fn split(text: &str) -> Result<Split, TableError> {
    let lines = text::lines(text);
    let Some(&(_, first)) = lines.first() else {
        return Err(fail("the file is empty".into()));
    };
    let sep = text::separator(first);
    let mut rows = Vec::with_capacity(lines.len());
    let mut problems = Vec::new();
    for (at, line) in lines {
        match text::fields(line, sep) {
            Ok(row) => rows.push((at, row)),
            Err(why) if rows.is_empty() => return Err(fail(format!("line {at}: {why}"))),
            Err(why) => problems.push(format!("line {at}: {why}")),
        }
    }
    // A separator at the end of every line makes an empty last column, which would be read
    // as the labels: say so, rather than "the label is empty" on every line.
    if rows
        .iter()
        .all(|(_, row)| row.len() > 1 && row.last().is_some_and(String::is_empty))
    {
        return Err(fail(format!(
            "every line ends with {} (an empty last column): remove the separator at the end \
             of the lines, so that the label is the last column",
            text::separator_words(sep)
        )));
    }
    Ok(Split {
        sep,
        rows,
        problems,
    })
}

/// Whether the first row names the columns rather than holding an example (the rule in the
/// module's words).
fn is_header(rows: &[(usize, Vec<String>)], features: usize) -> bool {
    let first = &rows[0].1;
    if first
        .iter()
        .enumerate()
        .all(|(i, cell)| *cell == i.to_string())
    {
        return true;
    }
    let label = text::Class::of(&first[features]);
    let elsewhere = rows[1..]
        .iter()
        .any(|(_, row)| row.last().is_some_and(|l| text::Class::of(l) == label));
    if elsewhere {
        return false;
    }
    if first[..features].iter().any(|c| text::number(c).is_err()) {
        return true;
    }
    !first[features].is_empty() && !label.is_number()
}

/// A data row's feature values and label, or its problems (by line and column).
fn read_row(
    at: usize,
    row: &[String],
    columns: &[String],
    label_name: &str,
    problems: &mut Vec<String>,
) -> Option<(Vec<f32>, String)> {
    let width = columns.len() + 1;
    if row.len() != width {
        problems.push(format!(
            "line {at} has {} fields where the first line has {width}",
            row.len()
        ));
        return None;
    }
    let before = problems.len();
    let mut values = Vec::with_capacity(columns.len());
    for (column, field) in columns.iter().zip(row) {
        match text::number(field) {
            Ok(v) => values.push(v),
            Err(why) => problems.push(format!(
                "line {at}, column {column}: \"{}\" {why}",
                shorten(field)
            )),
        }
    }
    let label = text::printable(&row[width - 1]);
    if label.is_empty() {
        problems.push(format!("line {at}: the {label_name} is empty"));
    }
    (problems.len() == before).then_some((values, label))
}

/// The distinct labels in class order (numbers by value, then texts; each written as the
/// file first writes it) and each row's class.
fn classes_of(labels: &[String]) -> (Vec<String>, Vec<usize>) {
    let mut distinct: BTreeMap<text::Class, (usize, &str)> = BTreeMap::new();
    for label in labels {
        let next = distinct.len();
        distinct
            .entry(text::Class::of(label))
            .or_insert((next, label));
    }
    // Classes were numbered as first met: renumber them in class order.
    let mut order = vec![0; distinct.len()];
    for (class, (first, _)) in distinct.values().enumerate() {
        order[*first] = class;
    }
    let classes = distinct.values().map(|(_, l)| l.to_string()).collect();
    let y = labels
        .iter()
        .map(|l| {
            distinct
                .get(&text::Class::of(l))
                .map_or(0, |(i, _)| order[*i])
        })
        .collect();
    (classes, y)
}

impl Table {
    pub fn rows(&self) -> usize {
        self.examples.len()
    }

    pub fn features(&self) -> usize {
        self.columns.len()
    }

    /// Row `i`'s features.
    pub fn row(&self, i: usize) -> &[f32] {
        self.examples.row(i)
    }

    /// Reads `text` (the file `name`) as feature columns and a last label column, with or
    /// without a header row, as the module's words say. Every feature value must be a
    /// finite 32-bit float; labels may be any text. Checks it against `limits`.
    pub fn parse_csv(name: &str, text: &str, limits: &Limits) -> Result<Table, TableError> {
        if text.len() > limits.bytes {
            return Err(fail(format!(
                "the file is {} kB; at most {} kB is read",
                text.len().div_ceil(1000),
                limits.bytes / 1000
            )));
        }
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let Split {
            sep,
            rows,
            mut problems,
        } = split(text)?;
        let width = rows[0].1.len();
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
                "the file has {features} feature column{} before its label ({} between \
                 fields); this experiment takes {}",
                if features == 1 { "" } else { "s" },
                text::separator_words(sep),
                limits.describe()
            )));
        }
        let header = is_header(&rows, features);
        let head = &rows[0].1;
        let columns: Vec<String> = (0..features)
            .map(|i| match head[i].as_str() {
                name if header && !name.is_empty() => text::printable(name),
                _ => format!("x{}", i + 1),
            })
            .collect();
        let label_name = match head[features].as_str() {
            name if header && !name.is_empty() => text::printable(name),
            _ => "label".to_string(),
        };
        let data = &rows[usize::from(header)..];
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
        for (at, row) in data {
            if let Some((values, label)) = read_row(*at, row, &columns, &label_name, &mut problems)
            {
                x.extend(values);
                labels.push(label);
            }
        }
        if !header && problems.iter().any(|p| p.starts_with("line 1,")) {
            problems.push(format!(
                "line 1 is read as data, since its last field \"{}\" is a label of other lines \
                 too; a header names the label column with a word that is not a label",
                shorten(&head[features])
            ));
        }
        if !problems.is_empty() {
            return Err(TableError { problems });
        }
        let (classes, y) = classes_of(&labels);
        if classes.len() < limits.classes.0 || classes.len() > limits.classes.1 {
            let listed: Vec<String> = classes.iter().take(12).map(|c| shorten(c)).collect();
            return Err(fail(format!(
                "the {label_name} column holds {} distinct labels ({}{}); this experiment takes \
                 {} to {}",
                classes.len(),
                listed.join(", "),
                if classes.len() > 12 { ", …" } else { "" },
                limits.classes.0,
                limits.classes.1
            )));
        }
        Ok(Table {
            name: text::printable(name),
            examples: Labelled {
                dim: columns.len(),
                x,
                // At most `limits.classes.1` classes, which an experiment keeps to a byte's
                // worth.
                y: y.into_iter().map(|c| c as u8).collect(),
            },
            columns,
            classes,
        })
    }

    /// The table with each feature column mapped onto [-1, 1] by its range (a constant column
    /// to 0). The range is taken in f64: a column from -3e38 to 3e38 spans more than an f32
    /// holds, and its midpoint and half-width there would be infinite (every value NaN or 0).
    /// In f64 each value lands finite in [-1, 1], in the order the file gives.
    pub fn scaled(&self) -> Table {
        let d = self.features();
        let mut out = self.clone();
        for c in 0..d {
            let column = self
                .examples
                .x
                .iter()
                .skip(c)
                .step_by(d)
                .map(|&v| f64::from(v));
            let (lo, hi) = column.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
            let (mid, half) = ((lo + hi) / 2.0, (hi - lo) / 2.0);
            for v in out.examples.x.iter_mut().skip(c).step_by(d) {
                *v = if half > 0.0 {
                    ((f64::from(*v) - mid) / half).clamp(-1.0, 1.0) as f32
                } else {
                    0.0
                };
            }
        }
        out
    }

    /// Rows in an order drawn from `rng` (files are often sorted by label; a split should not
    /// take one class for training and another for testing).
    pub fn shuffled(&self, rng: &mut crate::rng::Stream) -> Table {
        let order = rng.permutation(self.rows());
        let mut out = self.clone();
        out.examples.x = order.iter().flat_map(|&i| self.row(i).to_vec()).collect();
        out.examples.y = order.iter().map(|&i| self.examples.y[i]).collect();
        out
    }
}

/// A field as quoted in a message: at most 24 characters, safe to print.
fn shorten(field: &str) -> String {
    let end = field
        .char_indices()
        .nth(24)
        .map_or(field.len(), |(end, _)| end);
    text::printable(&field[..end])
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
mod tests;
