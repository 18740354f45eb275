//! The reader of a reader's own CSV file: what it takes, what it refuses and in which words.

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
    assert_eq!(t.examples.y, [1, 0, 1, 0]);
}

#[test]
fn a_file_without_header_names_its_columns() {
    let t = Table::parse_csv("f", "1,2,yes\n3,4,no\n5,6,yes\n7,8,no\n", &TWO).expect("read");
    assert_eq!(t.columns, ["x1", "x2"]);
    assert_eq!(t.classes, ["no", "yes"]);
    assert_eq!(t.examples.y, [1, 0, 1, 0]);
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
    assert_eq!(s.examples.x, [-1.0, 0.0, 1.0, 0.0, 0.0, 0.0, -0.5, 0.0]);
    let mut rng = crate::rng::Stream::new(1, "t");
    let m = t.shuffled(&mut rng);
    let mut pairs: Vec<(Vec<f32>, u8)> = (0..4)
        .map(|i| (m.row(i).to_vec(), m.examples.y[i]))
        .collect();
    let mut orig: Vec<(Vec<f32>, u8)> = (0..4)
        .map(|i| (t.row(i).to_vec(), t.examples.y[i]))
        .collect();
    pairs.sort_by(|a, b| a.0[0].total_cmp(&b.0[0]));
    orig.sort_by(|a, b| a.0[0].total_cmp(&b.0[0]));
    assert_eq!(pairs, orig);
}

/// `rows` lines of two features and a label alternating between `a` and `b`.
fn body(rows: usize) -> String {
    (0..rows)
        .map(|i| format!("{},{},{}\n", i, i % 3, if i % 2 == 0 { "a" } else { "b" }))
        .collect()
}

#[test]
fn a_header_of_numbers_names_columns_and_adds_no_class() {
    // pandas writes unnamed columns as 0, 1, …: with a named label column, or all unnamed.
    let t = Table::parse_csv("f", &format!("0,1,label\n{}", body(4)), &TWO).expect("read");
    assert_eq!(
        (t.columns.clone(), t.rows()),
        (vec!["0".into(), "1".into()], 4)
    );
    assert_eq!(t.classes, ["a", "b"]);
    let text = "0,1,2\n0.5,1,0\n1,2,1\n3,1,0\n2,2,1\n";
    let t = Table::parse_csv("f", text, &TWO).expect("read");
    assert_eq!(
        (t.rows(), t.classes.clone()),
        (4, vec!["0".into(), "1".into()])
    );
    // Columns named by numbers (wavelengths) over a label column named in words.
    let t = Table::parse_csv("f", &format!("400,450,kind\n{}", body(4)), &TWO).expect("read");
    assert_eq!(t.columns, ["400", "450"]);
    // A headerless first row whose label is a number stays an example.
    let text = "0.5,1,1\n1,2,0\n3,1,0\n2,2,1\n";
    assert_eq!(Table::parse_csv("f", text, &TWO).expect("read").rows(), 4);
}

#[test]
fn labels_of_one_value_are_one_class_named_as_first_written() {
    let text = "1,2,1\n3,4,0\n5,6,1.0\n7,8,0.0\n9,9,+1\n";
    let t = Table::parse_csv("f", text, &TWO).expect("read");
    assert_eq!(t.classes, ["0", "1"]);
    assert_eq!(t.examples.y, [1, 0, 1, 0, 1]);
}

#[test]
fn a_typo_in_a_headerless_first_row_is_an_error_there_not_a_header() {
    let text = "1.2,3x,0\n1,2,0\n3,4,1\n5,6,1\n";
    let err = Table::parse_csv("f", text, &TWO).expect_err("refused");
    assert_eq!(
        err.problems[0],
        "line 1, column x2: \"3x\" is not a finite number"
    );
    assert!(err.problems[1].contains("line 1 is read as data"), "{err}");
}

#[test]
fn odd_files_are_read_as_meant_or_refused_in_clear_words() {
    let say = |text: &str| {
        Table::parse_csv("f", text, &TWO)
            .expect_err("refused")
            .to_string()
    };
    let e = say(&format!("x,y,label\n1e39,1,a\n{}", body(4)));
    assert!(
        e.contains("\"1e39\" is out of range for 32-bit floats"),
        "{e}"
    );
    let e = say("x,y,label,\n1,2,a,\n3,4,b,\n5,6,a,\n7,8,b,\n");
    assert!(
        e.starts_with("every line ends with a comma (an empty last column)"),
        "{e}"
    );
    let e = say(&format!("x,y,label\n\"1,5\",2,a\n{}", body(4)));
    assert!(
        e.contains("line 2, column x: \"1,5\" is not a finite number: write decimals with a point"),
        "{e}"
    );
    let e = say(&format!("x,y,label\n{}1,\"2,a\n", body(4)));
    assert!(
        e.contains("line 6: a quoted field is not closed on its line"),
        "{e}"
    );
    // Old Mac line endings are line breaks; a quoted name may hold the separator.
    let text = format!("\"a,b\",c,label\r{}", body(4).replace('\n', "\r"));
    let t = Table::parse_csv("f", &text, &TWO).expect("read");
    assert_eq!(
        (t.columns.clone(), t.rows()),
        (vec!["a,b".into(), "c".into()], 4)
    );
}

#[test]
fn names_and_labels_from_the_file_cannot_act_on_a_terminal() {
    let text = format!(
        "\u{1b}[31mred,b\u{202e},label\n{}9,9,\u{1b}]0;x\u{7}\n",
        body(4)
    );
    let limits = Limits {
        classes: (2, 3),
        ..TWO
    };
    let t = Table::parse_csv("f\u{9b}.csv", &text, &limits).expect("read");
    let shown = format!("{} {} {}", t.name, t.columns.join(" "), t.classes.join(" "));
    assert!(
        !shown.chars().any(|c| c.is_control() || c == '\u{202e}'),
        "{shown}"
    );
    assert_eq!(t.columns[0], "\u{fffd}[31mred");
    let err = Table::parse_csv("f", "x,y,l\n1,\u{1b}[2J,a\n", &TWO).expect_err("refused");
    assert!(!err.to_string().contains('\u{1b}'), "{err}");
}

#[test]
fn huge_values_scale_to_finite_ordered_separable_columns() {
    // Class a far below zero, class b far above, near the limits of an f32.
    let mut text = String::from("x,y,label\n");
    for i in 0..8 {
        let v = 3.0e38 - 2.5e37 * f64::from(i);
        text.push_str(&format!("{:e},{:e},a\n{:e},{:e},b\n", -v, v, v, -v / 2.0));
    }
    let t = Table::parse_csv("f", &text, &TWO).expect("read");
    let s = &t.scaled();
    assert!(s.examples.x.iter().all(|v| v.is_finite() && v.abs() <= 1.0));
    for c in 0..2 {
        let column = |t: &Table| -> Vec<f32> { (0..t.rows()).map(|i| t.row(i)[c]).collect() };
        let (raw, scaled) = (column(&t), column(s));
        assert!(
            scaled.iter().any(|v| *v != scaled[0]),
            "column {c} collapsed"
        );
        for i in 0..raw.len() {
            for j in 0..raw.len() {
                if raw[i] < raw[j] {
                    assert!(scaled[i] < scaled[j], "column {c}: rows {i} and {j}");
                }
            }
        }
    }
    let side = |class: u8| {
        (0..s.rows())
            .filter(move |&i| s.examples.y[i] == class)
            .map(|i| s.row(i)[0])
    };
    assert!(side(0).fold(f32::MIN, f32::max) < side(1).fold(f32::MAX, f32::min));
}

#[test]
fn a_table_whose_values_do_not_fit_its_columns_is_refused_before_use() {
    // A table arrives at the worker as a message: one that was tampered with must not reach
    // a row lookup with too few values, a wrong width or a label past its classes.
    let good = clusters(60, 3, 2);
    assert!(OWN_TABLE.check(&good, "this run").is_ok());
    let mut short = good.clone();
    short.examples.x.pop();
    let mut wide = good.clone();
    wide.examples.dim = 4;
    let mut label = good.clone();
    label.examples.y[7] = 2;
    for bad in [short, wide, label] {
        let text = serde_json::to_string(&bad).expect("a table serialises");
        let back: Table = serde_json::from_str(&text).expect("and reads back");
        let err = OWN_TABLE.check(&back, "this run").expect_err("refused");
        assert!(err.contains("do not match"), "{err}");
    }
}
