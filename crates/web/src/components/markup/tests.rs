//! The reader against every kind of drawing the page makes, and the changes against a model
//! of the page's elements.

use overfit_core::plot::chart::{ChartSpec, Layout, Line, Marker, render_at};

use super::*;

fn chart(steps: usize, title: &str) -> ChartSpec {
    let curve = |scale: f64| {
        (1..=steps)
            .map(|s| (s as f64 * 10.0, scale / s as f64))
            .collect()
    };
    ChartSpec {
        title: title.into(),
        x_label: "step".into(),
        y_label: "loss".into(),
        y_range: None,
        log_x: true,
        log_y: true,
        lines: vec![
            Line {
                label: "train".into(),
                color: "#2563eb",
                dashed: false,
                points: curve(1.0),
                band: Vec::new(),
            },
            Line {
                label: "validation <held out>".into(),
                color: "#ea580c",
                dashed: true,
                points: curve(2.0),
                band: (1..=steps)
                    .map(|s| (s as f64 * 10.0, 1.0 / s as f64, 3.0 / s as f64))
                    .collect(),
            },
        ],
        markers: vec![Marker {
            x: 40.0,
            color: "#16a34a",
            label: "reached 95% & kept it".into(),
            word: "95%".into(),
        }],
        marker_words: true,
        pending: None,
    }
}

fn empty() -> ChartSpec {
    ChartSpec {
        lines: Vec::new(),
        markers: Vec::new(),
        pending: Some("Training curves appear here once a run starts.".into()),
        ..chart(0, "Loss")
    }
}

fn markup(spec: &ChartSpec, width: f64) -> String {
    render_at(spec, Layout::on_screen(width, 15.0))
}

fn tree(markup: &str) -> Node {
    Node::Element(parse(markup).unwrap_or_else(|e| panic!("{e}: {markup}")))
}

/// Attribute order aside (an attribute set anew goes last, as in the browser).
fn sorted(node: &Node) -> Node {
    match node {
        Node::Text(t) => Node::Text(t.clone()),
        Node::Element(e) => {
            let mut attrs = e.attrs.clone();
            attrs.sort();
            Node::Element(Element {
                name: e.name.clone(),
                attrs,
                children: e.children.iter().map(sorted).collect(),
            })
        }
    }
}

#[test]
fn reads_back_what_the_charts_and_galleries_write() {
    let hostile = "Loss \"quoted\" <b>&amp;</b> it's\u{7}\nnext";
    let gallery = overfit_core::train::Gallery {
        title: "Weights <first layer> & more".into(),
        width: 3,
        height: 2,
        columns: 2,
        images: vec![vec![0.5, -1.0, 0.0, 0.25, 1.0, -0.5]; 3],
        signed: true,
        axes: Some(overfit_core::train::GalleryAxes {
            x: "frequency".into(),
            y: "step".into(),
            x_ticks: vec![(0, "0".into()), (2, "2 <high>".into())],
            ..Default::default()
        }),
    };
    for s in [
        markup(&chart(50, "Loss"), 520.0),
        markup(&chart(3, hostile), 300.0),
        markup(&empty(), 520.0),
        overfit_core::plot::chart::render(&chart(20, "File")),
        super::super::gallery::render(&gallery),
    ] {
        let root = parse(&s).unwrap_or_else(|e| panic!("{e}: {s}"));
        let mut again = String::new();
        write(&root, &mut again);
        assert_eq!(again, s);
    }
    let root = parse(&markup(&chart(3, hostile), 300.0)).expect("read");
    let label = root.attrs.iter().find(|(k, _)| k == "aria-label");
    assert_eq!(
        label.map(|(_, v)| v.as_str()),
        Some("Loss \"quoted\" <b>&amp;</b> it's\u{fffd}\nnext")
    );
}

#[test]
fn a_redraw_changes_what_changed_and_nothing_else() {
    let before = tree(&markup(&chart(40, "Loss"), 520.0));
    assert!(changes(&before, &before.clone()).is_empty());
    // More steps: the curves' points change, and the ticks may; no element is rebuilt.
    let after = tree(&markup(&chart(45, "Loss"), 520.0));
    let found = changes(&before, &after);
    assert!(!found.is_empty());
    // Made anew at most: a tick's line and text, and the tick text's words.
    let made: usize = found
        .iter()
        .map(|c| match c {
            Change::Children(_, plan) => {
                plan.iter().filter(|c| matches!(c, Child::Make(_))).count()
            }
            Change::ReplaceRoot(_) => 1000,
            _ => 0,
        })
        .sum();
    assert!(made <= 4, "{found:?}");
    let points = found
        .iter()
        .filter(|c| matches!(c, Change::SetAttr(_, "points", _)))
        .count();
    // The two curves and the validation curve's band.
    assert_eq!(points, 3, "{found:?}");
    let mut drawn = before.clone();
    apply(&mut drawn, &found);
    assert_eq!(sorted(&drawn), sorted(&after));
}

/// Elements and text nodes by kind, below the root.
fn census(node: &Node, out: &mut std::collections::HashMap<String, usize>) {
    if let Node::Element(e) = node {
        for child in &e.children {
            *out.entry(format!("{:?}", kind(child))).or_default() += 1;
            census(child, out);
        }
    }
}

#[test]
fn a_chart_that_gains_ticks_makes_only_those() {
    let few = ChartSpec {
        y_range: Some((0.0, 1.0)),
        log_y: false,
        ..chart(30, "Loss")
    };
    let more = ChartSpec {
        y_range: Some((0.0, 3.0)),
        log_y: false,
        ..chart(900, "Loss")
    };
    for (a, b) in [(&few, &more), (&more, &few)] {
        let (old, new) = (tree(&markup(a, 520.0)), tree(&markup(b, 520.0)));
        let (mut before, mut after) = (Default::default(), Default::default());
        census(&old, &mut before);
        census(&new, &mut after);
        assert_ne!(before, after, "the two charts should differ in their ticks");
        let found = changes(&old, &new);
        let made: usize = found
            .iter()
            .flat_map(|c| match c {
                Change::Children(_, plan) => plan.as_slice(),
                _ => &[],
            })
            .map(|c| match c {
                // A node made counts with everything below it.
                Child::Make(n) => {
                    let mut inside = std::collections::HashMap::new();
                    census(n, &mut inside);
                    1 + inside.values().sum::<usize>()
                }
                Child::Keep(_) => 0,
            })
            .sum();
        let surplus: usize = after
            .iter()
            .map(|(k, n)| n.saturating_sub(before.get(k).copied().unwrap_or(0)))
            .sum();
        assert_eq!(made, surplus, "{found:?}");
        let mut drawn = old.clone();
        apply(&mut drawn, &found);
        assert_eq!(sorted(&drawn), sorted(&new));
    }
}

#[test]
fn any_drawing_becomes_any_other() {
    let drawings = [
        markup(&empty(), 520.0),
        markup(&chart(2, "Loss"), 520.0),
        markup(&chart(80, "Accuracy on the held-out set, per step"), 300.0),
        super::super::gallery::render(&overfit_core::train::Gallery::default()),
        "<svg><g a=\"1\">text<b/></g>more</svg>".into(),
        "<g><svg/></g>".into(),
    ];
    for a in &drawings {
        for b in &drawings {
            let (old, new) = (tree(a), tree(b));
            let mut drawn = old.clone();
            apply(&mut drawn, &changes(&old, &new));
            assert_eq!(sorted(&drawn), sorted(&new), "{a}\n->\n{b}");
        }
    }
}

#[test]
fn malformed_markup_is_an_error_not_a_panic() {
    let deep = "<g>".repeat(MAX_DEPTH + 1) + &"</g>".repeat(MAX_DEPTH + 1);
    for bad in [
        "",
        "<",
        "<svg",
        "<svg>",
        "<svg a=b/>",
        "<svg a=\"1/>",
        "<svg a\"1\"/>",
        "<svga=\"1\"/>x",
        "<svg></g>",
        "<svg></svg",
        "<!-- a comment --><svg/>",
        "<?xml version=\"1.0\"?><svg/>",
        "<svg/>trailing",
        "<svg>&bogus;</svg>",
        "<svg>&amp</svg>",
        "<svg a=\"&#xFFFFFFFF;\"/>",
        "<svg>&#55296;</svg>",
        "<1svg/>",
        "<é/>",
        "text",
        deep.as_str(),
    ] {
        assert!(parse(bad).is_err(), "{bad:?} read as {:?}", parse(bad));
    }
    let nested = "<g>".repeat(MAX_DEPTH - 1) + &"</g>".repeat(MAX_DEPTH - 1);
    assert!(parse(&nested).is_ok());
    // Every cut of a real drawing is read or refused, never a panic.
    let s = markup(&chart(5, "Loss ✓ é"), 400.0);
    for (i, _) in s.char_indices() {
        assert!(parse(&s[..i]).is_err(), "cut at {i}");
    }
}
