//! The text of a CSV file as a person wrote it: lines broken by LF, CRLF or a lone CR (old Mac
//! files), fields split at one separator with RFC 4180 quoting, numbers read as 32-bit floats
//! with words for why a field is not one, and text from the file made safe to print.

use std::cmp::Ordering;

/// The file's non-blank lines, each with its number from 1. A line ends at "\n", "\r\n" or a
/// lone "\r": a file saved with old Mac line endings reads as the lines an editor shows.
pub(super) fn lines(text: &str) -> Vec<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut number, mut i) = (0, 1, 0);
    while i < bytes.len() {
        if matches!(bytes[i], b'\n' | b'\r') {
            out.push((number, &text[start..i]));
            if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            start = i + 1;
            number += 1;
        }
        i += 1;
    }
    out.push((number, &text[start..]));
    out.retain(|(_, line)| !line.trim().is_empty());
    out
}

/// The field separator: the first of comma, semicolon and tab that the line holds outside
/// quotes (a quoted header name may hold a comma of a semicolon-separated file).
pub(super) fn separator(line: &str) -> char {
    let mut quoted = false;
    let mut seen = [false; 3];
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => seen[0] = true,
            ';' if !quoted => seen[1] = true,
            '\t' if !quoted => seen[2] = true,
            _ => {}
        }
    }
    [',', ';', '\t']
        .into_iter()
        .zip(seen)
        .find(|(_, seen)| *seen)
        .map_or(',', |(c, _)| c)
}

/// How the separator is named in a message.
pub(super) fn separator_words(sep: char) -> &'static str {
    match sep {
        ';' => "a semicolon",
        '\t' => "a tab",
        _ => "a comma",
    }
}

/// Blanks around a field that are not the separator itself.
fn blank(c: char, sep: char) -> bool {
    c != sep && c.is_whitespace()
}

/// One line's fields, each trimmed. A field in double quotes may hold the separator and `""`
/// for a quote (RFC 4180); it may not hold a line break, since lines are split first. Else
/// why the line cannot be split, in words.
pub(super) fn fields(line: &str, sep: char) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| blank(*c, sep)).is_some() {}
        let mut field = String::new();
        if chars.next_if_eq(&'"').is_some() {
            loop {
                match chars.next() {
                    None => {
                        return Err("a quoted field is not closed on its line (a field may \
                                    not hold a line break)"
                            .into());
                    }
                    Some('"') if chars.next_if_eq(&'"').is_some() => field.push('"'),
                    Some('"') => break,
                    Some(c) => field.push(c),
                }
            }
            while chars.next_if(|c| blank(*c, sep)).is_some() {}
            match chars.next() {
                None => {
                    out.push(field.trim().to_string());
                    return Ok(out);
                }
                Some(c) if c == sep => out.push(field.trim().to_string()),
                Some(_) => {
                    return Err(format!(
                        "text follows the closing quote of field {} (a quote inside a quoted \
                         field is written \"\")",
                        out.len() + 1
                    ));
                }
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        out.push(field.trim_end().to_string());
                        return Ok(out);
                    }
                    Some(c) if c == sep => break,
                    Some(c) => field.push(c),
                }
            }
            out.push(field.trim_end().to_string());
        }
    }
}

/// What a feature value is, or why it is not one, in words that follow the quoted field.
pub(super) fn number(field: &str) -> Result<f32, &'static str> {
    match field.parse::<f32>() {
        Ok(v) if v.is_finite() => Ok(v),
        // A finite number beyond f32 (1e39) rounds to infinity: say which limit it passed.
        Ok(_) if field.parse::<f64>().is_ok_and(f64::is_finite) => {
            Err("is out of range for 32-bit floats (at most ±3.4e38)")
        }
        Ok(_) => Err("is not a finite number"),
        // "1,5" (a decimal comma, or a thousands separator: which one is not knowable).
        Err(_) if field.contains(',') && field.replacen(',', ".", 1).parse::<f64>().is_ok() => Err(
            "is not a finite number: write decimals with a point (1.5) and no \
                 thousands separators",
        ),
        Err(_) => Err("is not a finite number"),
    }
}

/// A label as a class: a number by its value (so `1`, `1.0` and `+1` are one class), else its
/// text. Numbers come first, by value; texts after them, in text order.
#[derive(Clone, Debug)]
pub(super) enum Class {
    Number(f64),
    Text(String),
}

impl Class {
    pub(super) fn of(label: &str) -> Class {
        match label.parse::<f64>() {
            // `+ 0.0` makes -0 and 0 one value.
            Ok(v) if v.is_finite() => Class::Number(v + 0.0),
            _ => Class::Text(label.to_string()),
        }
    }

    pub(super) fn is_number(&self) -> bool {
        matches!(self, Class::Number(_))
    }
}

impl Ord for Class {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Class::Number(a), Class::Number(b)) => a.total_cmp(b),
            (Class::Number(_), Class::Text(_)) => Ordering::Less,
            (Class::Text(_), Class::Number(_)) => Ordering::Greater,
            (Class::Text(a), Class::Text(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Class {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Class {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Class {}

/// Whether `c` would act on a terminal or a page rather than show: control characters (C0
/// with ESC, CR and TAB, DEL, C1) and the marks and overrides that reorder bidirectional text.
fn acts(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` from a file, safe to print or show: each character that would act rather than show
/// is replaced by U+FFFD, so a column name cannot recolour a terminal or reverse a page's
/// words, and the reader still sees that something was there.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if acts(c) { '\u{fffd}' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_at_lf_crlf_or_a_lone_cr() {
        assert_eq!(
            lines("a\r\nb\rc\n\nd\r"),
            [(1, "a"), (2, "b"), (3, "c"), (5, "d")]
        );
        assert_eq!(lines("x,y\r1,2\r3,4"), [(1, "x,y"), (2, "1,2"), (3, "3,4")]);
    }

    #[test]
    fn quoted_fields_hold_separators_and_quotes() {
        assert_eq!(
            fields(" \"a,b\" , \"say \"\"hi\"\"\",3 ", ','),
            Ok(vec!["a,b".to_string(), "say \"hi\"".into(), "3".into()])
        );
        assert_eq!(
            fields("1,,", ','),
            Ok(vec!["1".into(), "".into(), "".into()])
        );
        assert!(fields("\"open,1", ',').is_err());
        assert!(fields("\"a\"b,1", ',').is_err());
        assert_eq!(separator("\"a,b\";c;label"), ';');
        assert_eq!(separator("a\tb,c"), ',');
    }

    #[test]
    fn numbers_say_why_they_are_not() {
        assert_eq!(number("2e-1"), Ok(0.2));
        assert_eq!(number("-3.4e38"), Ok(-3.4e38));
        assert!(number("1e39").is_err_and(|e| e.contains("out of range for 32-bit floats")));
        assert_eq!(number("NaN"), Err("is not a finite number"));
        assert_eq!(number("inf"), Err("is not a finite number"));
        assert!(number("1,5").is_err_and(|e| e.contains("with a point")));
    }

    #[test]
    fn labels_of_one_value_are_one_class() {
        assert_eq!(Class::of("1"), Class::of("1.0"));
        assert_eq!(Class::of("-0"), Class::of("0"));
        assert_ne!(Class::of("a"), Class::of("A"));
        assert!(Class::of("10") > Class::of("2"));
        assert!(Class::of("z") > Class::of("1e9"));
    }

    #[test]
    fn what_acts_on_a_terminal_is_replaced() {
        assert_eq!(
            printable("\u{1b}[31mred\r\u{7f}\u{85}\u{202e}x\u{2066}"),
            "\u{fffd}[31mred\u{fffd}\u{fffd}\u{fffd}\u{fffd}x\u{fffd}"
        );
        assert_eq!(printable("größe µm"), "größe µm");
    }
}
