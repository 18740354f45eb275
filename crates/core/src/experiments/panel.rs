//! Charts of a report: the panels an experiment draws, their curves and the markers where the
//! phenomenon happens.

use super::*;
use crate::plot::PALETTE;
use crate::plot::chart::{ChartSpec, Line, Marker};

/// One chart of a report: which metrics it overlays (for every run) and how its axes scale.
/// The web page and the CLI's chart.svg draw the same panels.
#[derive(Clone, Copy, Debug)]
pub struct Panel {
    pub title: &'static str,
    /// Metric names drawn in this panel (those a run lacks are skipped).
    pub metrics: &'static [Metric],
    /// A fixed y range, or `None` to fit the data.
    pub y_range: Option<(f64, f64)>,
    pub log_x: bool,
    pub log_y: bool,
    /// The series column on the x axis, when not the report's axis (e.g. `width` for a
    /// summary over trained widths). Runs without that column are not drawn in the panel.
    pub x: Option<Metric>,
}

/// One curve of a panel for one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// The metric in words (`overfit_core::terms`), after `run: ` when the report has several
    /// runs.
    pub label: String,
    /// Index into a palette: the run's (among the panel's runs) when there are several, else
    /// the metric's.
    pub colour: usize,
    /// A training-set metric (drawn dashed).
    pub training: bool,
    /// `(x, value)` as recorded (non-finite values included); x is the panel's axis.
    pub points: Vec<(f64, f64)>,
    /// `(x, low, high)`: mean ± one standard deviation over seeds, where the run records the
    /// metric's spread as `<metric>_sd`; the lowest and highest draw where it records the
    /// draws' median (then the curve's points); empty otherwise.
    pub band: Vec<(f64, f64, f64)>,
}

impl Panel {
    /// The panel's curves for `report`: one per run and metric the run records.
    pub fn curves(&self, report: &Report) -> Vec<Curve> {
        let axis = self.x_label(report);
        // Runs recorded against the panel's x column; colours count among them, so a
        // summary panel's first run shares the colour of the step panels' first run.
        let drawn: Vec<&RunReport> = report
            .runs
            .iter()
            .filter(|run| run.series.contains_key(axis))
            .collect();
        let several = drawn.len() > 1;
        let mut out = Vec::new();
        for (r, run) in drawn.into_iter().enumerate() {
            let steps = run.column(axis);
            for (m, metric) in self.metrics.iter().map(|m| m.key).enumerate() {
                if !run.series.contains_key(metric) {
                    continue;
                }
                // Where the run records the median and range of its draws (heavy-tailed
                // values), the curve is the median and the band the range; else the mean and
                // one standard deviation either side.
                let median = format!("{metric}_median");
                let (shown, band) = if run.series.contains_key(&median) {
                    let low = run.column(&format!("{metric}_min"));
                    let high = run.column(&format!("{metric}_max"));
                    let band = steps
                        .iter()
                        .zip(low.iter().zip(&high))
                        .filter(|(_, (l, h))| l.is_finite() && h.is_finite())
                        .map(|(x, (l, h))| (*x, *l, *h))
                        .collect();
                    (median.as_str(), band)
                } else {
                    let values = run.column(metric);
                    let sd = run.column(&format!("{metric}_sd"));
                    let band = steps
                        .iter()
                        .zip(&values)
                        .zip(&sd)
                        .filter(|((_, v), d)| v.is_finite() && d.is_finite())
                        .map(|((x, v), d)| (*x, v - d, v + d))
                        .collect();
                    (metric, band)
                };
                let values = run.column(shown);
                let words = crate::experiments::vocabulary::words(shown);
                out.push(Curve {
                    label: if several {
                        format!(
                            "{}: {words}",
                            crate::experiments::vocabulary::run_name(&run.label)
                        )
                    } else {
                        words
                    },
                    colour: if several { r } else { m },
                    training: metric.starts_with("train"),
                    points: steps.iter().copied().zip(values).collect(),
                    band,
                });
            }
        }
        out
    }

    /// What the panel will draw, said on its empty axes before a run: its metrics in words,
    /// one curve each a run.
    pub fn pending(&self) -> String {
        let words: Vec<String> = self
            .metrics
            .iter()
            .map(|m| crate::experiments::vocabulary::words(m.key))
            .collect();
        let list = match words.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        };
        format!("Each run's {list} will be drawn here as it runs.")
    }

    /// The name of the panel's x column.
    pub fn x_label<'a>(&self, report: &'a Report) -> &'a str {
        self.x.map_or(&report.axis, |x| x.key)
    }
}

/// A vertical line on every chart of a report.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub x: f64,
    /// The run it belongs to (drawn in its colour), or `None` for the whole report.
    pub run: Option<usize>,
    /// The whole sentence (a tooltip, a screen reader's text).
    pub label: String,
    /// The few words written beside the line ("baseline generalised").
    pub word: String,
}

impl Experiment {
    /// The charts a run of `spec` will draw, before it has: empty axes with their names, and
    /// what will appear on each.
    pub fn empty_charts(self, spec: &AnySpec) -> Vec<ChartSpec> {
        let report = Report::new(
            self.id(),
            &spec.to_json(),
            spec.declared().axis(),
            Vec::new(),
        );
        self.charts(&report)
    }

    /// The charts of `report`: one per panel of the experiment, its curves in the palette's
    /// colours (training curves dashed), the phenomenon's markers on the report's axis. What the
    /// page draws and the CLI writes to chart.svg.
    pub fn charts(self, report: &Report) -> Vec<ChartSpec> {
        let experiment = self;
        let several = report.runs.len() > 1;
        let markers = || -> Vec<Marker> {
            experiment
                .markers(report)
                .into_iter()
                .map(|m| Marker {
                    x: m.x,
                    color: match m.run {
                        Some(r) => PALETTE[(if several { r } else { 1 }) % PALETTE.len()],
                        None => "#6b7280",
                    },
                    label: m.label,
                    word: m.word,
                })
                .collect()
        };
        experiment
            .panels_for(report)
            .iter()
            .enumerate()
            .map(|(i, panel)| {
                let lines = panel
                    .curves(report)
                    .into_iter()
                    .map(|c| Line {
                        label: c.label,
                        color: PALETTE[c.colour % PALETTE.len()],
                        dashed: c.training,
                        points: c.points,
                        band: c.band,
                    })
                    .collect();
                ChartSpec {
                    title: panel.title.into(),
                    x_label: crate::experiments::vocabulary::words(panel.x_label(report)),
                    y_label: panel.title.into(),
                    y_range: panel.y_range,
                    log_x: panel.log_x,
                    log_y: panel.log_y,
                    lines,
                    // Markers sit on the report's axis.
                    markers: if panel.x.is_none() {
                        markers()
                    } else {
                        Vec::new()
                    },
                    // The first chart writes the markers' words; the others draw their lines.
                    marker_words: i == 0,
                    pending: report.runs.is_empty().then(|| panel.pending()),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::experiments::Experiment;
    use crate::experiments::vocabulary::words;
    use crate::spec::Preset;

    #[test]
    fn before_a_run_every_chart_has_its_axis_and_says_what_it_will_draw() {
        for e in Experiment::ALL {
            let spec = e.preset(Preset::Quick);
            let axis = words(spec.declared().axis());
            let charts = e.empty_charts(&spec);
            assert!(!charts.is_empty(), "{}", e.id());
            for chart in &charts {
                assert!(chart.lines.is_empty() && chart.markers.is_empty());
                let note = chart.pending.as_deref().unwrap_or_default();
                assert!(
                    note.starts_with("Each run's ") && !note.contains('_'),
                    "{note}"
                );
            }
            // Panels on the report's axis name it; the others name their own column.
            assert!(
                charts.iter().any(|c| c.x_label == axis),
                "{}: {axis}",
                e.id()
            );
        }
    }
}
