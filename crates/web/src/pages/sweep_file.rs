//! Reading a collected sweep of up to 50 MB without holding the page: the rows array of the
//! file's top-level object is found by a scan that stops after a given number of bytes and
//! goes on where it stopped, the rest of the file (small) is parsed at once, and the rows a
//! slice at a time, so the page can yield between slices (no task of hundreds of
//! milliseconds, which one `serde_json::from_str` of the whole file would be).

use std::ops::Range;

use overfit_core::sweep::{Collected, Row};

/// A resumable scan of a collected file's text for its rows.
pub struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
    in_string: bool,
    escaped: bool,
    string_start: usize,
    /// The last string closed in the top-level object, and the key it became at a `:`.
    last_string: Range<usize>,
    key: Range<usize>,
    /// Where the rows array opens (`[`) and closes (`]`), once seen.
    open: Option<usize>,
    close: Option<usize>,
    row_start: usize,
    rows: Vec<Range<usize>>,
}

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str) -> Self {
        Self {
            text,
            pos: 0,
            depth: 0,
            in_string: false,
            escaped: false,
            string_start: 0,
            last_string: 0..0,
            key: 0..0,
            open: None,
            close: None,
            row_start: 0,
            rows: Vec::new(),
        }
    }

    /// The share of the text scanned, from 0 to 1.
    pub fn progress(&self) -> f64 {
        self.pos as f64 / self.text.len().max(1) as f64
    }

    /// Scans up to `bytes` more bytes; `true` once the whole text is scanned.
    pub fn step(&mut self, bytes: usize) -> Result<bool, String> {
        let text = self.text.as_bytes();
        let end = self.pos.saturating_add(bytes).min(text.len());
        while self.pos < end {
            let b = text[self.pos];
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                    if self.depth == 1 {
                        self.last_string = self.string_start + 1..self.pos;
                    }
                }
            } else {
                self.structural(b)?;
            }
            self.pos += 1;
        }
        Ok(self.pos >= text.len())
    }

    fn structural(&mut self, b: u8) -> Result<(), String> {
        let in_rows = self.open.is_some() && self.close.is_none();
        match b {
            b'"' => {
                self.in_string = true;
                self.string_start = self.pos;
            }
            b':' if self.depth == 1 => self.key = self.last_string.clone(),
            b'{' | b'[' => {
                if self.depth == 1 && b == b'[' && self.open.is_none() && self.key_is("rows") {
                    self.open = Some(self.pos);
                } else if self.depth == 2 && in_rows {
                    if b == b'[' {
                        return Err("a row of its rows is not an object".into());
                    }
                    self.row_start = self.pos;
                }
                self.depth += 1;
            }
            b'}' | b']' => {
                self.depth = self.depth.checked_sub(1).ok_or("it is not JSON")?;
                if self.depth == 2 && in_rows {
                    self.rows.push(self.row_start..self.pos + 1);
                } else if self.depth == 1 && in_rows && b == b']' {
                    self.close = Some(self.pos);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn key_is(&self, name: &str) -> bool {
        self.text.get(self.key.clone()) == Some(name)
    }

    /// The file's fields but its rows (parsed at once: they are small), and where each row is.
    /// A text whose rows the scan did not find is parsed whole.
    pub fn finish(self) -> Result<(Collected, Vec<Range<usize>>), serde_json::Error> {
        match (self.open, self.close) {
            (Some(open), Some(close)) => {
                let header = format!("{}[]{}", &self.text[..open], &self.text[close + 1..]);
                Ok((serde_json::from_str(&header)?, self.rows))
            }
            _ => Ok((serde_json::from_str(self.text)?, Vec::new())),
        }
    }
}

/// Parses the rows at `spans` of `text`, from `next` on, until `bytes` bytes of them are
/// parsed; returns the index of the first row left.
pub fn parse_rows(
    text: &str,
    spans: &[Range<usize>],
    next: usize,
    bytes: usize,
    rows: &mut Vec<Row>,
) -> Result<usize, String> {
    let mut taken = 0;
    let mut i = next;
    while i < spans.len() && taken < bytes {
        let span = spans[i].clone();
        taken += span.len();
        let row: Row =
            serde_json::from_str(&text[span]).map_err(|e| format!("row {}: {e}", i + 1))?;
        rows.push(row);
        i += 1;
    }
    Ok(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> String {
        let mut c = Collected {
            schema: 1,
            experiment: "grokking".into(),
            axes: vec!["seed".into()],
            runs_planned: 3,
            finished: 3,
            ..Collected::default()
        };
        for i in 0..3 {
            let mut summary = serde_json::Map::new();
            summary.insert(
                "label \"]}[{".into(),
                serde_json::Value::from(format!("x\\\"]}} {i}")),
            );
            summary.insert("list".into(), serde_json::json!([[1, 2], {"a": [3]}]));
            c.rows.push(Row {
                index: i,
                id: format!("{i:016x}"),
                grid: [("seed".to_string(), i.to_string())].into(),
                run: "rows".into(),
                summary,
            });
        }
        serde_json::to_string_pretty(&c).expect("json")
    }

    fn read_in_steps(text: &str, bytes: usize) -> Collected {
        let mut scanner = Scanner::new(text);
        while !scanner.step(bytes).expect("scans") {}
        let (mut collected, spans) = scanner.finish().expect("its fields");
        let mut rows = Vec::new();
        let mut next = 0;
        while next < spans.len() {
            next = parse_rows(text, &spans, next, bytes, &mut rows).expect("rows");
        }
        if !spans.is_empty() {
            collected.rows = rows;
        }
        collected
    }

    #[test]
    fn a_file_read_in_slices_equals_the_file_read_at_once() {
        let text = sample();
        let whole: Collected = serde_json::from_str(&text).expect("at once");
        for bytes in [1, 7, 64, 1 << 20] {
            assert_eq!(
                read_in_steps(&text, bytes),
                whole,
                "slices of {bytes} bytes"
            );
        }
        // Rows first, compact, or with a key that only reads "rows" once unescaped.
        let compact = serde_json::to_string(&whole).expect("json");
        assert_eq!(read_in_steps(&compact, 5), whole);
        let escaped = compact.replacen("\"rows\":", "\"r\\u006fws\":", 1);
        assert_eq!(read_in_steps(&escaped, 5), whole);
    }

    #[test]
    fn a_broken_file_is_an_error_not_a_panic() {
        for bad in [
            "]",
            "{\"rows\": [1]}",
            "{\"rows\": [[1]]}",
            "{\"schema\": 1, \"rows\": [{\"index\": }]}",
            "",
        ] {
            let mut scanner = Scanner::new(bad);
            let scanned = loop {
                match scanner.step(3) {
                    Ok(true) => break true,
                    Ok(false) => {}
                    Err(_) => break false,
                }
            };
            if scanned {
                let parsed = scanner
                    .finish()
                    .map_err(|e| e.to_string())
                    .and_then(|(_, spans)| {
                        parse_rows(bad, &spans, 0, usize::MAX, &mut Vec::new()).map(|_| ())
                    });
                assert!(parsed.is_err(), "{bad:?} was accepted");
            }
        }
    }
}
