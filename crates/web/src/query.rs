//! The page URL is the experiment: the share-link codec of `overfit_core::spec::link`, plus the
//! page-only keys (`backend`, `autorun`). Reading it never fails: bad pairs are collected as
//! messages and skipped.

use overfit_core::experiments::Experiment;
use overfit_core::spec::link;
use overfit_core::spec::{AnySpec, Preset};

use crate::embed::EmbedOptions;

/// The decoded page state.
pub struct PageQuery {
    pub experiment: Option<Experiment>,
    pub preset: Preset,
    pub spec: Option<AnySpec>,
    pub force_cpu: bool,
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
    PageQuery {
        experiment: decoded.experiment,
        preset: decoded.preset,
        force_cpu: matches!(decoded.control("backend"), Some("cpu" | "flex")),
        autorun: matches!(decoded.control("autorun"), Some("1" | "true")),
        embed: EmbedOptions::from_controls(&decoded.controls),
        spec: decoded.spec,
        problems: decoded.problems,
    }
}

/// The page-only pairs of `search` worth keeping when the URL is rewritten (`embed`, `origin`,
/// `<key>_hide`), as a `&k=v...` suffix. `autorun` is dropped so a reload does not restart.
pub fn kept_controls(search: &str) -> String {
    link::pairs(search)
        .into_iter()
        .filter(|(k, _)| k == "embed" || k == "origin" || k.ends_with("_hide"))
        .map(|(k, v)| format!("&{}={}", link::percent_encode(&k), link::percent_encode(&v)))
        .collect()
}

/// The query string for a spec: the share link, plus the page's CPU choice.
pub fn encode(spec: &AnySpec, preset: Preset, force_cpu: bool) -> String {
    let mut out = link::encode(spec, preset);
    if force_cpu {
        out.push_str("&backend=cpu");
    }
    out
}
