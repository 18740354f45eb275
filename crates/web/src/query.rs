//! The page URL is the experiment: `?exp=<id>&preset=<p>&<knob>=<value>...`.
//! Reading it never fails: bad pairs are collected as messages and skipped.

use overfit_core::experiments::Experiment;
use overfit_core::spec::{AnySpec, Preset};

/// Keys that are not spec knobs.
pub const CONTROL_KEYS: &[&str] = &["exp", "preset", "backend", "autorun", "v"];

/// The decoded page state.
pub struct PageQuery {
    pub experiment: Option<Experiment>,
    pub preset: Preset,
    pub spec: Option<AnySpec>,
    pub force_cpu: bool,
    pub autorun: bool,
    /// One line per ignored pair.
    pub problems: Vec<String>,
}

fn decode(s: &str) -> String {
    js_sys::decode_uri_component(&s.replace('+', " "))
        .map(String::from)
        .unwrap_or_else(|_| s.to_string())
}

pub fn pairs(search: &str) -> Vec<(String, String)> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

pub fn current_search() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

pub fn parse(search: &str) -> PageQuery {
    let pairs = pairs(search);
    let get = |key: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let mut problems = Vec::new();
    let experiment = get("exp").and_then(|id| match id.parse::<Experiment>() {
        Ok(e) => Some(e),
        Err(e) => {
            problems.push(e.to_string());
            None
        }
    });
    let preset = match get("preset") {
        None => Preset::Quick,
        Some(p) => p.parse().unwrap_or_else(|e| {
            problems.push(format!("{e}; using quick"));
            Preset::Quick
        }),
    };
    let spec = experiment.map(|e| {
        let mut spec = e.preset(preset);
        let knob_pairs = pairs
            .iter()
            .filter(|(k, _)| !CONTROL_KEYS.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str()));
        for err in spec.apply_leniently(knob_pairs) {
            problems.push(format!("{err} (ignored)"));
        }
        spec
    });
    PageQuery {
        experiment,
        preset,
        spec,
        force_cpu: matches!(get("backend").as_deref(), Some("cpu" | "flex")),
        autorun: matches!(get("autorun").as_deref(), Some("1" | "true")),
        problems,
    }
}

/// The query string for a spec: the experiment, the preset and every knob that differs from it.
pub fn encode(spec: &AnySpec, preset: Preset, force_cpu: bool) -> String {
    let base = spec.experiment().preset(preset).to_json();
    let mut out = format!("?exp={}", spec.experiment().id());
    if preset != Preset::Quick {
        out.push_str(&format!("&preset={}", preset.name()));
    }
    for (key, value) in spec.to_json() {
        if base.get(&key) != Some(&value) {
            let text = match &value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            out.push_str(&format!(
                "&{key}={}",
                String::from(js_sys::encode_uri_component(&text))
            ));
        }
    }
    if force_cpu {
        out.push_str("&backend=cpu");
    }
    out
}
