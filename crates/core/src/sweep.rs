//! A collected sweep: every finished run of a grid of specs, one row per run label of each
//! spec with its grid values and summary (`collected.json`, written by `overfit sweep collect`
//! and opened by the page), and the curves that summarise it: one summary figure against one
//! grid axis, the median over the other axes' values (seeds) with their range.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::report::range_median;

/// The version of the collected file's layout.
pub const SCHEMA: u32 = 1;

/// A whole collected sweep.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Collected {
    pub schema: u32,
    pub experiment: String,
    /// The grid's axes (knobs, or `seed`), in name order.
    pub axes: Vec<String>,
    pub runs_planned: usize,
    pub finished: usize,
    #[serde(default)]
    pub failed: Vec<Failed>,
    /// Runs that finished but whose result could not be read (not a metrics file, a number
    /// past f64's range, another experiment's), and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<Failed>,
    #[serde(default)]
    pub missing: Vec<usize>,
    pub rows: Vec<Row>,
}

/// A run that failed, and the last line of its error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Failed {
    pub index: usize,
    pub error: String,
}

/// One run label (grokking's baseline, a filter…) of one finished spec.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub index: usize,
    pub id: String,
    pub grid: BTreeMap<String, String>,
    pub run: String,
    pub summary: Map<String, Value>,
}

/// A point of a curve: the median of the values at `x`, their range and how many there were.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub median: f64,
    pub low: f64,
    pub high: f64,
    pub count: usize,
}

/// One curve: a value of the series axis and a run label.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    pub label: String,
    pub points: Vec<Point>,
}

/// The curves of `y` against `x`, and how many runs never reached `y` (a null: "steps to
/// 95%" of a run that did not get there), which are left out.
#[derive(Clone, Debug, PartialEq)]
pub struct Curves {
    pub curves: Vec<Curve>,
    pub unreached: usize,
}

impl Curves {
    /// Whether the grid's x values are all positive and span a decade or more (learning rates
    /// 0.001 to 0.01, widths 8 to 512): drawn on a linear axis from 0, all but the largest would
    /// crowd its first few pixels.
    pub fn spans_decades(&self) -> bool {
        let xs = self
            .curves
            .iter()
            .flat_map(|c| c.points.iter().map(|p| p.x));
        let (lo, hi) = xs.fold((f64::INFINITY, 0.0_f64), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
        lo > 0.0 && hi / lo >= 10.0
    }

    /// The chart of these curves of `y` against `x`: each curve's median, its range shaded
    /// (what the sweep page draws and `overfit sweep collect` writes), on a log x axis where
    /// the grid [spans decades](Self::spans_decades), and a y axis that reaches below zero
    /// where a median or a range does.
    pub fn chart(&self, x: &str, y: &str) -> crate::plot::chart::ChartSpec {
        use crate::experiments::vocabulary::words;
        use crate::plot::PALETTE;
        crate::plot::chart::ChartSpec {
            title: format!("{} by {}", words(y), words(x)),
            x_label: words(x),
            y_label: format!("{} (median; range shaded)", words(y)),
            y_range: None,
            log_x: self.spans_decades(),
            log_y: false,
            lines: self
                .curves
                .iter()
                .enumerate()
                .map(|(i, curve)| crate::plot::chart::Line {
                    label: curve.label.clone(),
                    color: PALETTE[i % PALETTE.len()],
                    dashed: false,
                    points: curve.points.iter().map(|p| (p.x, p.median)).collect(),
                    band: curve.points.iter().map(|p| (p.x, p.low, p.high)).collect(),
                })
                .collect(),
            markers: Vec::new(),
            marker_words: false,
            pending: None,
        }
    }
}

fn number(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

impl Collected {
    /// The grid axes that take two values or more in the finished runs (a knob the plan set
    /// once is a constant of the sweep, not an axis to draw).
    pub fn varying_axes(&self) -> Vec<String> {
        self.axes
            .iter()
            .filter(|axis| {
                let values: std::collections::BTreeSet<Option<&String>> =
                    self.rows.iter().map(|r| r.grid.get(*axis)).collect();
                values.len() > 1
            })
            .cloned()
            .collect()
    }

    /// The varying grid axes whose values are all numbers (what can go across a chart).
    pub fn numeric_axes(&self) -> Vec<String> {
        self.varying_axes()
            .into_iter()
            .filter(|axis| {
                self.rows
                    .iter()
                    .all(|r| r.grid.get(axis).is_some_and(|v| number(v).is_some()))
            })
            .collect()
    }

    /// The summary keys that hold a number (or a null) in every row that has them, and a
    /// number in at least one: what can go up a chart.
    pub fn numeric_figures(&self) -> Vec<String> {
        let mut keys: BTreeMap<&str, bool> = BTreeMap::new();
        for row in &self.rows {
            for (key, value) in &row.summary {
                let ok = keys.entry(key).or_insert(true);
                *ok &= matches!(value, Value::Number(_) | Value::Null);
            }
        }
        keys.into_iter()
            .filter(|(key, ok)| {
                *ok && self
                    .rows
                    .iter()
                    .any(|r| matches!(r.summary.get(*key), Some(Value::Number(_))))
            })
            .map(|(key, _)| key.to_string())
            .collect()
    }

    /// `y` (a summary key) against grid axis `x`: a curve per value of `series` (a grid axis)
    /// and run label, each point the median over the rows that share its x (the other axes:
    /// seeds) with their range.
    pub fn curves(&self, x: &str, y: &str, series: Option<&str>) -> Result<Curves, String> {
        if !self.axes.iter().any(|a| a == x) {
            return Err(format!("--x {x}: not a grid axis of this sweep"));
        }
        if let Some(s) = series
            && !self.axes.iter().any(|a| a == s)
        {
            return Err(format!("--series {s}: not a grid axis of this sweep"));
        }
        let mut groups: BTreeMap<(String, String), BTreeMap<String, Vec<f64>>> = BTreeMap::new();
        let mut unreached = 0;
        for row in &self.rows {
            let at = row.grid.get(x).cloned().unwrap_or_default();
            let series = series
                .and_then(|key| row.grid.get(key).map(|v| format!("{key}={v}")))
                .unwrap_or_default();
            let values = groups
                .entry((series, row.run.clone()))
                .or_default()
                .entry(at)
                .or_default();
            match row.summary.get(y) {
                Some(Value::Number(n)) => values.extend(n.as_f64()),
                Some(Value::Null) => unreached += 1,
                Some(_) => return Err(format!("--y {y}: not a number in the summaries")),
                None => {}
            }
        }
        // Curves in the order of their series value, numerically where it is a number (2
        // before 12), then by run label.
        let mut groups: Vec<_> = groups.into_iter().collect();
        let value = |series: &str| {
            series
                .split_once('=')
                .and_then(|(_, v)| number(v))
                .unwrap_or(f64::NAN)
        };
        groups.sort_by(|((a, ra), _), ((b, rb), _)| {
            value(a)
                .total_cmp(&value(b))
                .then_with(|| a.cmp(b))
                .then_with(|| ra.cmp(rb))
        });
        let curves: Vec<Curve> = groups
            .into_iter()
            .map(|((series, run), by_x)| {
                let mut points: Vec<Point> = by_x
                    .into_iter()
                    .filter_map(|(at, values)| {
                        let x = number(&at)?;
                        (!values.is_empty()).then(|| {
                            let (low, median, high) = range_median(&values);
                            Point {
                                x,
                                median,
                                low,
                                high,
                                count: values.len(),
                            }
                        })
                    })
                    .collect();
                points.sort_by(|a, b| a.x.total_cmp(&b.x));
                let label = [series, run]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(", ");
                Curve { label, points }
            })
            .filter(|c| !c.points.is_empty())
            .collect();
        if curves.is_empty() {
            return Err(format!("no finished run has a number for {y} against {x}"));
        }
        Ok(Curves { curves, unreached })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(fraction: &str, wd: &str, seed: &str, steps: Value) -> Row {
        let mut summary = Map::new();
        summary.insert("steps".into(), steps);
        summary.insert("note".into(), Value::from("text"));
        Row {
            index: 0,
            id: String::new(),
            grid: [("fraction", fraction), ("wd", wd), ("seed", seed)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            run: "baseline".into(),
            summary,
        }
    }

    #[test]
    fn curves_take_the_median_and_range_over_seeds_and_count_the_unreached() {
        let collected = Collected {
            schema: SCHEMA,
            axes: vec!["fraction".into(), "seed".into(), "wd".into()],
            rows: vec![
                row("0.3", "1", "1", Value::from(900)),
                row("0.3", "1", "2", Value::from(100)),
                row("0.3", "1", "3", Value::from(300)),
                row("0.5", "1", "1", Value::from(50)),
                row("0.5", "1", "2", Value::Null),
                row("0.3", "2", "1", Value::from(10)),
            ],
            ..Collected::default()
        };
        let c = collected
            .curves("fraction", "steps", Some("wd"))
            .expect("curves");
        assert_eq!(c.unreached, 1);
        assert_eq!(c.curves.len(), 2);
        assert_eq!(c.curves[0].label, "wd=1, baseline");
        let first = c.curves[0].points[0];
        assert_eq!(
            (first.x, first.median, first.low, first.high, first.count),
            (0.3, 300.0, 100.0, 900.0, 3)
        );
        assert_eq!(c.curves[0].points[1].count, 1);
        assert_eq!(collected.numeric_axes(), ["fraction", "seed", "wd"]);
        let mut constant = collected.clone();
        for row in &mut constant.rows {
            row.grid.insert("model".into(), "mlp".into());
            row.grid.insert("p".into(), "47".into());
        }
        constant.axes = vec![
            "fraction".into(),
            "model".into(),
            "p".into(),
            "seed".into(),
            "wd".into(),
        ];
        assert_eq!(constant.varying_axes(), ["fraction", "seed", "wd"]);
        assert_eq!(constant.numeric_axes(), ["fraction", "seed", "wd"]);
        assert_eq!(collected.numeric_figures(), ["steps"]);
        assert!(collected.curves("width", "steps", None).is_err());
        // Series values order as numbers: 2 before 12.
        let mut twelve = collected.clone();
        twelve.rows[5].grid.insert("wd".into(), "12".into());
        twelve.rows[0].grid.insert("wd".into(), "2".into());
        let order: Vec<String> = twelve
            .curves("fraction", "steps", Some("wd"))
            .expect("curves")
            .curves
            .into_iter()
            .map(|c| c.label)
            .collect();
        assert_eq!(
            order,
            ["wd=1, baseline", "wd=2, baseline", "wd=12, baseline"]
        );
        assert!(collected.curves("fraction", "note", None).is_err());
        assert!(collected.curves("fraction", "absent", None).is_err());
    }

    /// `values[i]` of figure `gap` at learning rate `rates[i]`, one row per seed.
    fn rates(values: &[(&str, f64)]) -> Collected {
        let rows = values
            .iter()
            .enumerate()
            .map(|(i, (lr, gap))| {
                let mut summary = Map::new();
                summary.insert("gap".into(), Value::from(*gap));
                Row {
                    index: i,
                    id: String::new(),
                    grid: [("lr", *lr), ("seed", if i % 2 == 0 { "1" } else { "2" })]
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                    run: "baseline".into(),
                    summary,
                }
            })
            .collect();
        Collected {
            schema: SCHEMA,
            axes: vec!["lr".into(), "seed".into()],
            rows,
            ..Collected::default()
        }
    }

    /// The (x, y) pixels of the SVG's first curve, and the y pixel of its zero grid line.
    fn drawn(svg: &str) -> (Vec<(f64, f64)>, f64) {
        let after = |at: &str| svg.split_once(at).map_or("", |(_, rest)| rest);
        let points = after("<polyline")
            .split_once("points=\"")
            .map_or("", |(_, p)| p);
        let points = points.split('"').next().unwrap_or_default();
        let pixels = points
            .split(' ')
            .filter_map(|p| p.split_once(','))
            .filter_map(|(x, y)| Some((x.parse().ok()?, y.parse().ok()?)))
            .collect();
        // The grid line written just before the tick that reads "0".
        let before_zero = svg.split_once(">0</text>").map_or("", |(head, _)| head);
        let zero = before_zero
            .rsplit_once("y1=\"")
            .and_then(|(_, y)| y.split('"').next()?.parse().ok())
            .unwrap_or(f64::NAN);
        (pixels, zero)
    }

    #[test]
    fn a_grid_over_a_decade_spreads_across_a_log_axis_and_negatives_sit_below_zero() {
        let collected = rates(&[
            ("0.001", -0.4),
            ("0.001", -0.2),
            ("0.003", 0.1),
            ("0.003", 0.3),
            ("0.01", 0.5),
            ("0.01", 0.7),
        ]);
        let curves = collected.curves("lr", "gap", None).expect("curves");
        let chart = curves.chart("lr", "gap");
        assert!(chart.log_x);
        let (pixels, zero) = drawn(&crate::plot::chart::render(&chart));
        let xs: Vec<f64> = pixels.iter().map(|p| p.0).collect();
        assert_eq!(xs.len(), 3, "{pixels:?}");
        // The three rates at the plot's ends and log10(3) between.
        let (left, _, right, _) =
            crate::plot::chart::plot_area(&chart, crate::plot::chart::Layout::FILE);
        assert!(
            (xs[0] - left).abs() < 1.0 && (xs[2] - right).abs() < 1.0,
            "{xs:?}"
        );
        assert!(
            (xs[1] - (left + (right - left) * 3f64.log10())).abs() < 2.0,
            "{xs:?}"
        );
        // The median at 0.001 is -0.3: below the zero line (a larger y in pixels).
        assert!(pixels[0].1 > zero + 10.0, "{pixels:?}, zero at {zero}");
        assert!(pixels[2].1 < zero, "{pixels:?}, zero at {zero}");
        // A grid within a decade stays linear; one with zero in it cannot be log.
        let narrow = rates(&[("0.002", 1.0), ("0.01", 2.0)]);
        assert!(
            !narrow
                .curves("lr", "gap", None)
                .expect("curves")
                .spans_decades()
        );
        let zero_in = rates(&[("0", 1.0), ("0.01", 2.0)]);
        assert!(
            !zero_in
                .curves("lr", "gap", None)
                .expect("curves")
                .spans_decades()
        );
    }
}
