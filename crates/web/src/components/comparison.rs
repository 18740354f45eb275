//! The paper's numbers beside the reader's: one row per published number, with ratios
//! (speed-ups, fewer errors) to the reference row where the comparison has one.

use leptos::prelude::*;
use overfit_core::experiments::AnySpec;
use overfit_core::experiments::Experiment;
use overfit_core::report::Report;
use overfit_core::spec::Preset;
use overfit_core::terms::capitalise;

/// The paper's numbers beside the user's: one row per published number, with ratios (speed-ups, fewer errors) to
/// the reference row where the comparison has one. Shown only for specs it applies to.
#[component]
pub fn PaperComparison(
    experiment: Experiment,
    preset: Preset,
    spec: RwSignal<AnySpec>,
    report: Signal<Option<Report>>,
) -> impl IntoView {
    move || {
        let c = spec.with(|s| experiment.comparison_for(s))?;
        let paper_spec = c.spec(experiment);
        let same_setting = spec.with(|s| *s == paper_spec);
        let shown = move |v: f64| c.unit.show(v);
        let ratio = move |label: &str, reference: Option<f64>, value: Option<f64>| match (
            c.ratio_to, reference, value,
        ) {
            (Some(to), Some(a), Some(b)) if b > 0.0 && to != label => format!("×{:.1}", a / b),
            _ => String::new(),
        };
        // The reader's side of each row, from the report: the rows stay while the run's
        // reports change these cells.
        let yours = Memo::new(move |_| {
            report.with(|r| {
                let value = |label: &str| -> Option<f64> {
                    let row = c.rows.iter().find(|row| row.label == label)?;
                    c.yours(row, r.as_ref()?)
                };
                let ran = |run: &str| -> bool {
                    r.as_ref()
                        .is_some_and(|r| r.runs.iter().any(|x| x.label == run))
                };
                let your_ref = c.ratio_to.and_then(value);
                c.rows
                    .iter()
                    .map(|row| {
                        let you = value(row.label);
                        let text = match you {
                            Some(v) => shown(v),
                            None if ran(row.run) => "not yet".to_string(),
                            None => "—".to_string(),
                        };
                        (text, ratio(row.label, your_ref, you))
                    })
                    .collect::<Vec<_>>()
            })
        });
        let paper_ref = c
            .ratio_to
            .and_then(|l| c.rows.iter().find(|row| row.label == l))
            .map(|row| row.paper);
        let rows = c
            .rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let you = move |pick: fn(&(String, String)) -> String| {
                    yours.with(|y| y.get(i).map(pick).unwrap_or_default())
                };
                view! {
                    <tr data-run=row.run data-key=row.metric.key>
                        <td>{row.label}</td>
                        <td class="num">{shown(row.paper)}</td>
                        {c.ratio_to.is_some().then(|| view! { <td class="num">{ratio(row.label, paper_ref, Some(row.paper))}</td> })}
                        <td class="num you">{move || you(|y| y.0.clone())}</td>
                        {c.ratio_to.is_some().then(|| view! { <td class="num">{move || you(|y| y.1.clone())}</td> })}
                    </tr>
                }
            })
            .collect_view();
        let mut preset_href = format!("?exp={}&preset={}", experiment.id(), c.preset.name());
        for (key, value) in c.set {
            preset_href.push_str(&format!("&{key}={value}"));
        }
        let head = if c.ratio_to.is_some() {
            view! { <tr><th>"run"</th><th>{c.source}</th><th>{c.ratio_label}</th><th>"you"</th><th>{c.ratio_label}</th></tr> }.into_any()
        } else {
            view! { <tr><th>""</th><th>{c.source}</th><th>"you"</th></tr> }.into_any()
        };
        Some(view! {
            <section class="comparison" id="comparison">
                <h2>{format!("{} vs you: {}", capitalise(c.source), c.caption)}</h2>
                // Focusable, so a table wider than a phone scrolls by keyboard too.
                <div class="table-scroll" tabindex="0" role="region" aria-label="the published numbers beside yours">
                    <table>
                        <thead>{head}</thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                <p class="setting">
                    {format!("{} setting: {}. ", capitalise(c.source), c.setting)}
                    {if same_setting {
                        view! { <span>"You are running exactly this setting."</span> }.into_any()
                    } else {
                        view! { <span>"Your settings differ (preset "{preset.name()}"); the "<a href=preset_href>{c.preset.name()}" preset"</a>" reproduces it."</span> }.into_any()
                    }}
                </p>
            </section>
        })
    }
}
