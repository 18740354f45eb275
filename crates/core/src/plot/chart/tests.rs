//! The chart description's axes, ticks, markers, legend and SVG.

use super::*;
use crate::plot::PALETTE;

fn line(label: &str, points: &[(f64, f64)]) -> Line {
    Line {
        label: label.into(),
        color: PALETTE[0],
        dashed: false,
        points: points.to_vec(),
        band: Vec::new(),
    }
}

fn spec(lines: Vec<Line>, markers: Vec<Marker>) -> ChartSpec {
    ChartSpec {
        title: "accuracy".into(),
        x_label: "training step".into(),
        y_label: "accuracy".into(),
        y_range: Some((0.0, 1.0)),
        log_x: true,
        log_y: false,
        lines,
        markers,
        marker_words: true,
        pending: None,
    }
}

#[test]
fn ticks_are_round_and_cover_the_range() {
    assert_eq!(
        nice_ticks(0.0, 1.0, 5),
        [0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
    );
    assert_eq!(nice_ticks(0.0, 950.0, 5), [0.0, 200.0, 400.0, 600.0, 800.0]);
}

#[test]
fn the_readout_is_at_the_recorded_step_nearest_the_pointer() {
    let chart = spec(
        vec![
            line("train", &[(10.0, 0.1), (100.0, 0.5), (1000.0, 1.0)]),
            line("validation", &[(10.0, 0.0), (100.0, 0.1), (1000.0, 0.9)]),
        ],
        Vec::new(),
    );
    let r = readout(&chart, Layout::FILE, 1.0).expect("a readout");
    assert_eq!(r.x, 1000.0);
    let values: Vec<f64> = r.rows.iter().map(|row| row.2).collect();
    assert_eq!(values, [1.0, 0.9]);
    assert_eq!(
        readout(&chart, Layout::FILE, 0.0).expect("a readout").x,
        10.0
    );
    assert!(readout(&spec(Vec::new(), Vec::new()), Layout::FILE, 0.5).is_none());
}

#[test]
fn markers_write_their_words_once_and_not_over_each_other() {
    let marker = |x: f64, word: &str| Marker {
        x,
        color: PALETTE[1],
        label: format!("{word} at step {x}"),
        word: word.into(),
    };
    let chart = spec(
        vec![line("validation", &[(10.0, 0.0), (10_000.0, 1.0)])],
        vec![
            marker(300.0, "baseline memorised"),
            marker(310.0, "grokfast-ema memorised"),
            marker(5000.0, "baseline generalised"),
        ],
    );
    let svg = render(&chart);
    assert_eq!(svg.matches("<line class=\"marker\"").count(), 3);
    assert!(svg.contains(">baseline memorised</text>"));
    // 310 sits a pixel from 300 on a log axis: its words would overlap.
    assert!(!svg.contains(">grokfast-ema memorised</text>"));
    assert!(svg.contains("<title>grokfast-ema memorised at step 310</title>"));
    assert!(svg.contains(">baseline generalised</text>"));
    let quiet = render(&ChartSpec {
        marker_words: false,
        pending: None,
        ..chart
    });
    assert!(!quiet.contains("class=\"marker-word\""));
}

#[test]
fn long_legend_labels_take_a_row_each_and_long_axis_names_are_left_to_the_title() {
    let short = spec(
        vec![line("a", &[(1.0, 0.5)]), line("b", &[(1.0, 0.5)])],
        Vec::new(),
    );
    let columns = |c: &ChartSpec| {
        let f = layout::frame(c, Layout::FILE);
        f.legend.iter().filter(|e| e.y == f.legend[0].y).count()
    };
    assert_eq!(columns(&short), 2);
    let long = spec(
        vec![
            line(
                "baseline: share of the embeddings' power in the 5 strongest frequencies",
                &[(1.0, 0.5)],
            ),
            line("b", &[(1.0, 0.5)]),
        ],
        Vec::new(),
    );
    assert_eq!(columns(&long), 1);
    assert!(size(&long).1 > size(&short).1);
    let named = render(&ChartSpec {
        y_label: "embedding power in its 5 strongest Fourier frequencies".into(),
        ..short
    });
    assert!(!named.contains(">embedding power in its 5 strongest Fourier frequencies</text>"));
}

#[test]
fn charts_sit_side_by_side_in_one_document() {
    let one = spec(vec![line("a", &[(1.0, 0.5), (10.0, 0.6)])], Vec::new());
    let two = spec(vec![line("b", &[(1.0, 0.2), (10.0, 0.3)])], Vec::new());
    let svg = side_by_side(&[one, two]);
    assert_eq!(svg.matches("<svg ").count(), 3);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1040\""));
    assert!(svg.contains("<svg x=\"520\" y=\"0\" xmlns="));
    assert_eq!(svg.matches("<polyline").count(), 2);
}

#[test]
fn labels_are_escaped() {
    let svg = render(&spec(
        vec![line("<b>&", &[(1.0, 0.5), (10.0, 0.6)])],
        Vec::new(),
    ));
    assert!(svg.contains("&lt;b&gt;&amp;"));
    assert!(!svg.contains("<b>"));
}

#[test]
fn a_log_axis_spans_the_points_even_below_one() {
    let rates = spec(
        vec![line("lr", &[(0.001, 0.5), (0.003, 0.6), (0.01, 0.7)])],
        Vec::new(),
    );
    let axis = x_axis(&rates);
    assert_eq!((axis.lo, axis.hi), (-3.0, -2.0));
    assert!((axis.fraction(0.01) - 1.0).abs() < 1e-12);
    // A linear axis of values below one ends at the largest, not at 1.
    let linear = ChartSpec {
        log_x: false,
        ..spec(vec![line("f", &[(0.1, 0.5), (0.5, 0.6)])], Vec::new())
    };
    assert_eq!(x_axis(&linear).fraction(0.5), 1.0);
}

#[test]
fn negative_values_widen_the_y_range_and_a_zero_baseline_stays() {
    let free = |points: &[(f64, f64)]| ChartSpec {
        y_range: None,
        log_x: false,
        ..spec(vec![line("gap", points)], Vec::new())
    };
    assert_eq!(y_bounds(&free(&[(1.0, 0.5), (2.0, 1.0)])), (0.0, 1.05));
    let (lo, hi) = y_bounds(&free(&[(1.0, -0.5), (2.0, 0.5)]));
    assert!(lo < -0.5 && hi > 0.5, "{lo} {hi}");
    let (lo, hi) = y_bounds(&free(&[(1.0, -2.0), (2.0, -1.0)]));
    assert!(lo < -2.0 && hi == 0.0, "{lo} {hi}");
    // A band below zero is inside the range too.
    let mut banded = free(&[(1.0, 0.5)]);
    banded.lines[0].band = vec![(1.0, -0.25, 0.75)];
    assert!(y_bounds(&banded).0 < -0.25);
    // Ticks below zero read as numbers, and zero as "0".
    let svg = render(&free(&[(1.0, -0.5), (2.0, 0.5)]));
    assert!(
        svg.contains(">0</text>") && svg.contains(">-0.50</text>"),
        "{svg}"
    );
    assert!(!svg.contains(">-0</text>"));
}

#[test]
fn text_keeps_its_size_at_every_width_and_a_narrow_chart_says_less() {
    let many = spec(
        vec![
            line(
                "baseline: validation accuracy",
                &[(1.0, 0.1), (100_000.0, 0.9)],
            ),
            line(
                "grokfast-ema: validation accuracy",
                &[(1.0, 0.2), (100_000.0, 1.0)],
            ),
        ],
        Vec::new(),
    );
    for width in [300.0, 520.0, 1200.0] {
        let layout = Layout::on_screen(width, 15.0);
        let svg = render_at(&many, layout);
        assert!(svg.contains(&format!("width=\"{width}\"")), "{svg}");
        // Every text at 85% of the body's 15 px (the title larger), whatever the width.
        let sizes: Vec<f64> = svg
            .split("font-size=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next()?.parse().ok())
            .collect();
        assert!(sizes.len() > 8, "{sizes:?}");
        assert!(sizes.iter().all(|s| *s >= 12.7), "{width}: {sizes:?}");
        // No text is written past the chart's right edge: tick labels and legend lines fit.
        let f = layout::frame(&many, layout);
        for entry in &f.legend {
            for words in &entry.lines {
                let end = entry.x + 24.0 + words.chars().count() as f64 * layout.char_width();
                assert!(end <= width + 1e-9, "{width}: {words:?} ends at {end}");
            }
        }
        for words in &f.x_label {
            assert!(words.chars().count() as f64 * layout.char_width() <= width - 16.0 + 1e-9);
        }
        let slot = 8.0 * layout.char_width();
        assert!(
            f.x_ticks.len() as f64 * slot <= f.right - f.left + slot,
            "{width}: {:?}",
            f.x_ticks
        );
    }
    // A wrapped label still reads as its words, one space between its lines.
    let words = |svg: &str| -> String {
        svg.split('<')
            .filter_map(|part| part.split_once('>').map(|(_, text)| text))
            .collect()
    };
    let narrow_svg = render_at(&many, Layout::on_screen(300.0, 15.0));
    assert!(narrow_svg.matches("<tspan").count() > 3, "{narrow_svg}");
    assert!(words(&narrow_svg).contains("grokfast-ema: validation accuracy"));
    let narrow = layout::frame(&many, Layout::on_screen(300.0, 15.0));
    let wide = layout::frame(&many, Layout::on_screen(1200.0, 15.0));
    assert!(narrow.x_ticks.len() < wide.x_ticks.len());
    // At 300 px the two labels take a row each; at 1,200 they share one.
    assert!(narrow.legend[1].y > narrow.legend[0].y);
    assert_eq!(wide.legend[1].y, wide.legend[0].y);
}

#[test]
fn words_wrap_at_spaces_and_a_long_word_is_cut() {
    assert_eq!(layout::wrap("a bc def", 4), ["a bc", "def"]);
    assert_eq!(layout::wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    assert_eq!(layout::wrap("", 4), [""]);
    assert_eq!(layout::wrap("x\ny  z", 10), ["x y z"]);
}

#[test]
fn a_chart_at_any_width_or_text_size_is_laid_out() {
    let chart = spec(vec![line("a", &[(1.0, 0.5), (10.0, 0.6)])], Vec::new());
    for (width, body) in [(0.0, 15.0), (f64::NAN, f64::NAN), (1e12, 1e6), (-5.0, -1.0)] {
        let layout = Layout::on_screen(width, body);
        assert!(
            layout.width.is_finite() && layout.text.is_finite(),
            "{layout:?}"
        );
        let (w, h) = size_at(&chart, layout);
        assert!(w >= 240.0 && h.is_finite() && h > 0.0, "{w} {h}");
        assert!(readout(&chart, layout, 0.5).is_some());
    }
}

#[test]
fn a_picture_is_its_axes_and_curves_only() {
    let marker = Marker {
        x: 100.0,
        color: PALETTE[1],
        label: "baseline generalised at step 100".into(),
        word: "generalised".into(),
    };
    let chart = spec(
        vec![line(
            "baseline: validation accuracy",
            &[(10.0, 0.1), (1000.0, 0.9)],
        )],
        vec![marker],
    );
    let full = render_at(&chart, Layout::on_screen(400.0, 15.0));
    let picture = render_at(&chart, Layout::picture(400.0, 15.0));
    assert!(full.contains(">baseline: validation accuracy</tspan>"));
    assert!(
        !picture.contains("validation accuracy</tspan>"),
        "{picture}"
    );
    assert!(!picture.contains("class=\"marker-word\""));
    assert!(
        !picture.contains(">accuracy</tspan>"),
        "no title: {picture}"
    );
    assert!(full.contains(">accuracy</tspan>"));
    assert_eq!(picture.matches("<polyline").count(), 1);
    assert!(
        size_at(&chart, Layout::picture(400.0, 15.0)).1
            < size_at(&chart, Layout::on_screen(400.0, 15.0)).1
    );
}

#[test]
fn a_long_axis_name_wraps_within_the_chart() {
    let chart = ChartSpec {
        x_label: "share of the features rotated for task 2, of every feature the model sees".into(),
        ..spec(vec![line("a", &[(0.1, 0.5), (1.0, 0.6)])], Vec::new())
    };
    let layout = Layout::picture(260.0, 15.0);
    let f = layout::frame(&chart, layout);
    assert!(f.x_label.len() >= 2, "{:?}", f.x_label);
    for words in &f.x_label {
        assert!(words.chars().count() as f64 * layout.char_width() <= 260.0 - 16.0);
    }
    assert!(f.x_label.last().is_some_and(|l| l.ends_with("(log scale)")));
    // The drawing grows to hold the second line.
    let short = layout::frame(
        &spec(vec![line("a", &[(0.1, 0.5), (1.0, 0.6)])], Vec::new()),
        layout,
    );
    assert!(f.height > short.height);
}

#[test]
fn an_empty_chart_draws_its_axes_and_says_what_will_come_there() {
    let note =
        "Each run's validation accuracy and training accuracy will be drawn here as it runs.";
    let mut empty = spec(Vec::new(), Vec::new());
    empty.pending = Some(note.into());
    empty.y_range = None;
    let svg = render_at(&empty, Layout::on_screen(390.0, 15.0));
    assert!(svg.contains("class=\"pending\""), "{svg}");
    // The note's words, wrapped to the plot's width but every one there.
    let words: String = note.split_whitespace().collect();
    let drawn: String = svg
        .split("class=\"pending\"")
        .nth(1)
        .unwrap_or_default()
        .split("</text>")
        .next()
        .unwrap_or_default()
        .split("<tspan")
        .filter_map(|t| {
            t.split_once('>')
                .map(|(_, rest)| rest.replace("</tspan>", "").replace("&#39;", "'"))
        })
        .collect::<String>()
        .split_whitespace()
        .collect();
    assert_eq!(drawn, words);
    // No tick it cannot know, but the axes' names.
    assert!(!svg.contains("class=\"tick\""), "{svg}");
    assert!(svg.contains("training step") && svg.contains("accuracy"));
    // With a fixed range, the y ticks are known; once a curve is in, the note goes.
    empty.y_range = Some((0.0, 1.0));
    assert!(render_at(&empty, Layout::FILE).contains("class=\"tick\""));
    let mut drawn = spec(vec![line("a", &[(1.0, 0.5), (10.0, 0.9)])], Vec::new());
    drawn.pending = Some(note.into());
    assert!(!render_at(&drawn, Layout::FILE).contains("pending"));
}
