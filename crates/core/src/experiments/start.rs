//! Starting a run of any spec (engine only).

use burn::tensor::Device;

use super::AnySpec;
use crate::data::table::Table;
use crate::spec::SpecError;
use crate::train::Session;

/// Validates `spec` and starts a run on `device` (a plain device; autodiff is enabled here).
pub fn start(spec: &AnySpec, device: &Device) -> Result<Box<dyn Session>, SpecError> {
    start_runs(spec, device, None, 1, None)
}

/// [`start`], training only the independent runs `runs` (indices below
/// [`AnySpec::independent_runs`]; `None`: all) with up to `threads` threads for one step where
/// the experiment can use them (the grokking transformer's batch shards on the CPU). The
/// session's report holds those runs, in that order, each exactly as it would be in the whole,
/// and the same with any `threads`. `local` is the reader's own data for a spec that trains
/// on it (`dataset=local`, see [`super::Info::own_data`]).
pub fn start_runs(
    spec: &AnySpec,
    device: &Device,
    runs: Option<&[usize]>,
    threads: usize,
    local: Option<&Table>,
) -> Result<Box<dyn Session>, SpecError> {
    spec.validate()?;
    if local.is_some() && spec.experiment().info().own_data.is_none() {
        return Err(SpecError::Inconsistent(format!(
            "{} does not train on a data file",
            spec.experiment().id()
        )));
    }
    if let Some(runs) = runs {
        let available = spec.independent_runs();
        if runs.is_empty() || runs.iter().any(|&r| r >= available) {
            return Err(SpecError::Inconsistent(format!(
                "runs {runs:?} of a spec with {available} independent run(s)"
            )));
        }
        if available == 1 {
            return start_runs(spec, device, None, threads, local);
        }
    }
    spec.declared().start(device, runs, threads, local)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::Experiment;
    use crate::spec::Preset;

    /// Every mode of every experiment reports against the axis its spec declares.
    #[test]
    fn a_spec_knows_its_axis_before_it_trains() {
        let mut wrong = Vec::new();
        for e in Experiment::ALL {
            let modes: &[&str] = e
                .knob("mode")
                .and_then(|k| match k.kind {
                    crate::spec::KnobKind::Choice(names) => Some(names),
                    _ => None,
                })
                .unwrap_or(&[]);
            let mut specs = vec![e.preset(Preset::Ci)];
            for mode in modes {
                let mut spec = e.preset(Preset::Ci);
                if spec.set("mode", mode).is_ok() && spec.validate().is_ok() {
                    specs.push(spec);
                }
            }
            for spec in specs {
                let Ok(session) = start(&spec, &Device::flex()) else {
                    continue;
                };
                let (got, declared) = (session.report().axis, spec.declared().axis());
                if got != declared {
                    let mode = spec.to_json().get("mode").cloned();
                    wrong.push(format!("{} {mode:?}: {got}, declared {declared}", e.id()));
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn panels_name_metrics_the_runs_record() {
        for e in Experiment::ALL {
            let spec = e.preset(Preset::Ci);
            let mut session = start(&spec, &Device::flex()).expect("ci preset starts");
            let probe = loop {
                if let Some(p) = session.advance(1).expect("advance") {
                    break p;
                }
            };
            session.absorb(probe.transaction.execute()).expect("absorb");
            let report = session.report();
            for panel in e.panels_for(&report) {
                // Runs drawn in the panel: those with its x column.
                let drawn: Vec<_> = report
                    .runs
                    .iter()
                    .filter(|r| r.series.contains_key(panel.x_label(&report)))
                    .collect();
                assert!(
                    !drawn.is_empty(),
                    "{}: panel {} has no runs",
                    e.id(),
                    panel.title
                );
                for metric in panel.metrics.iter().map(|m| m.key) {
                    assert!(
                        drawn.iter().all(|r| r.series.contains_key(metric)),
                        "{}: panel {} names {metric}, which no run records",
                        e.id(),
                        panel.title
                    );
                }
            }
            if let Some(c) = e.comparison() {
                let full = c.spec(*e);
                for (key, value) in c.set {
                    assert_eq!(full.to_json()[*key].as_str(), Some(*value), "{key}");
                }
                assert!(e.comparison_for(&full).is_some());
                let mut session = start(&full, &Device::flex()).expect("starts");
                let _ = session.advance(0);
                for row in c.rows {
                    assert!(
                        session.report().runs.iter().any(|r| r.label == row.run),
                        "{}: the {} preset has no run {}",
                        e.id(),
                        c.preset.name(),
                        row.run
                    );
                }
            }
        }
    }
}
