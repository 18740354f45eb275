//! The page URL is the experiment: the share-link codec of `overfit_core::link`, plus the
//! page-only keys (`backend`, `workers`, `autorun`, and how an embedded widget appears).
//! Reading it never fails: bad pairs are collected as messages and skipped.

use overfit_core::experiments::AnySpec;
use overfit_core::experiments::Experiment;
use overfit_core::link;
use overfit_core::spec::{Preset, clip};

/// `backend=` in the page's address: where the workers train.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BackendChoice {
    /// WebGPU or the CPU, whichever a few timed steps of the spec find faster here (WebGPU
    /// without measuring where only it can take the spec, the CPU where the browser has no
    /// WebGPU).
    #[default]
    Auto,
    /// `backend=cpu`: the CPU even where WebGPU is offered.
    Cpu,
    /// `backend=webgpu`: WebGPU without measuring, even on a software adapter (priced as the
    /// CPU it runs on).
    WebGpu,
}

impl BackendChoice {
    fn from_link(value: Option<&str>) -> Result<Self, String> {
        match value {
            None => Ok(Self::Auto),
            Some("cpu" | "flex") => Ok(Self::Cpu),
            Some("webgpu" | "gpu" | "wgpu") => Ok(Self::WebGpu),
            Some(other) => Err(format!(
                "backend={} is not cpu or webgpu (ignored)",
                clip(other)
            )),
        }
    }

    /// The pair the page's address carries for it.
    fn suffix(self) -> &'static str {
        match self {
            Self::Auto => "",
            Self::Cpu => "&backend=cpu",
            Self::WebGpu => "&backend=webgpu",
        }
    }
}

/// The decoded page state.
pub struct PageQuery {
    pub experiment: Option<Experiment>,
    pub preset: Preset,
    pub spec: Option<AnySpec>,
    pub backend: BackendChoice,
    /// `workers=N`: train on at most N workers (default: one per core).
    pub max_workers: Option<usize>,
    pub autorun: bool,
    /// One line per ignored pair.
    pub problems: Vec<String>,
    pub embed: EmbedOptions,
}

pub fn current_search() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

pub fn parse(search: &str) -> PageQuery {
    let decoded = link::decode_lenient(search);
    let mut problems = decoded.problems.clone();
    let max_workers = decoded.control("workers").and_then(|raw| {
        let n = raw.parse::<usize>().ok().filter(|n| (1..=64).contains(n));
        if n.is_none() {
            problems.push(format!(
                "workers={} is not a whole number from 1 to 64 (ignored)",
                clip(raw)
            ));
        }
        n
    });
    let backend = BackendChoice::from_link(decoded.control("backend")).unwrap_or_else(|problem| {
        problems.push(problem);
        BackendChoice::Auto
    });
    let mut embed = EmbedOptions::from_controls(&decoded.controls);
    if let Some(raw) = embed.origin.take() {
        embed.origin = web_origin(&raw);
        if embed.origin.is_none() {
            problems.push(format!(
                "origin={} is not a web origin such as https://example.org (ignored): the widget \
                 talks only to the page that embeds it",
                clip(&raw)
            ));
        }
    }
    PageQuery {
        max_workers,
        experiment: decoded.experiment,
        preset: decoded.preset,
        backend,
        autorun: matches!(decoded.control("autorun"), Some("1" | "true")),
        embed,
        spec: decoded.spec,
        problems: link::capped(problems),
    }
}

/// `text` when it is exactly an http(s) origin (`scheme://host[:port]`, no path): never `*`,
/// `null` or a URL with more in it, since the widget posts its state to this origin.
fn web_origin(text: &str) -> Option<String> {
    let url = web_sys::Url::new(text).ok()?;
    let origin = url.origin();
    let web = matches!(url.protocol().as_str(), "http:" | "https:");
    (web && origin == text.trim_end_matches('/')).then_some(origin)
}

/// The page-only pairs of `search` worth keeping when the URL is rewritten (`embed`, `origin`,
/// `workers`, `<key>_hide`), as a `&k=v...` suffix. `autorun` is dropped so a reload does not restart.
pub fn kept_controls(search: &str) -> String {
    link::pairs(search)
        .into_iter()
        .filter(|(k, _)| k == "embed" || k == "origin" || k == "workers" || k.ends_with("_hide"))
        .map(|(k, v)| format!("&{}={}", link::percent_encode(&k), link::percent_encode(&v)))
        .collect()
}

/// The query string for a spec: the share link, plus the page's backend choice.
pub fn encode(spec: &AnySpec, preset: Preset, backend: BackendChoice) -> String {
    let mut out = link::encode(spec, preset);
    out.push_str(backend.suffix());
    out
}

/// Puts `search` in the address bar: a new history entry when `push` (a control changed), else
/// in place. Nothing happens when the address already says it (e.g. after Back).
pub fn set_url(search: &str, push: bool) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if window.location().search().ok().as_deref() == Some(search) {
        return;
    }
    if let Ok(history) = window.history() {
        let null = wasm_bindgen::JsValue::NULL;
        let _ = if push {
            history.push_state_with_url(&null, "", Some(search))
        } else {
            history.replace_state_with_url(&null, "", Some(search))
        };
    }
}

/// How the widget was asked to appear.
#[derive(Clone, Debug, Default)]
pub struct EmbedOptions {
    /// `embed=1`: widget only, no site chrome.
    pub enabled: bool,
    /// Knob keys whose controls are hidden (`<key>_hide=1`); `controls_hide=1` hides them all.
    pub hidden: Vec<String>,
    /// `origin=...`: the only origin allowed to drive the widget.
    pub origin: Option<String>,
}

impl EmbedOptions {
    pub fn from_controls(controls: &[(String, String)]) -> Self {
        let on = |v: &str| matches!(v, "1" | "true");
        let mut options = Self::default();
        for (key, value) in controls {
            if key == "embed" {
                options.enabled = on(value);
            } else if key == "origin" {
                options.origin = Some(value.trim_end_matches('/').to_string());
            } else if let Some(knob) = key.strip_suffix("_hide")
                && on(value)
            {
                options.hidden.push(knob.to_string());
            }
        }
        options
    }

    pub fn hides(&self, key: &str) -> bool {
        self.hidden.iter().any(|k| k == key || k == "controls")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_keys_are_read_and_bad_ones_listed() {
        let q = parse("?exp=toy2d&width=12&backend=gpu&workers=3&autorun=1&controls_hide=1");
        assert_eq!(q.experiment, Some(Experiment::Toy2d));
        assert_eq!(q.backend, BackendChoice::WebGpu);
        assert_eq!(q.max_workers, Some(3));
        assert!(q.autorun && q.embed.hides("width"));
        assert!(q.problems.is_empty(), "{:?}", q.problems);
        let bad = parse("?exp=toy2d&workers=0&backend=tpu");
        assert_eq!((bad.max_workers, bad.backend), (None, BackendChoice::Auto));
        assert_eq!(bad.problems.len(), 2, "{:?}", bad.problems);
        assert!(bad.problems[0].contains("workers=0"));
    }

    #[test]
    fn a_page_link_reopens_its_spec_and_keeps_only_the_page_keys_worth_keeping() {
        for e in Experiment::ALL {
            for preset in Preset::ALL {
                let spec = e.preset(preset);
                let search = encode(&spec, preset, BackendChoice::Cpu);
                let q = parse(&search);
                assert_eq!(q.spec.as_ref(), Some(&spec), "{search}");
                assert_eq!(q.backend, BackendChoice::Cpu);
            }
        }
        assert_eq!(
            kept_controls("?exp=toy2d&embed=1&autorun=1&workers=2&lr_hide=1&width=3"),
            "&embed=1&workers=2&lr_hide=1"
        );
    }
}
