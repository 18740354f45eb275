//! Share links: a spec as a URL query with readable keys,
//! `?exp=<id>&v=<version>[&preset=<p>]&<knob>=<value>...`, knobs equal to the preset's omitted.
//!
//! Two decoders for two audiences. The page uses [`decode_lenient`]: it never fails, keeps
//! every valid pair and lists what it ignored. The CLI uses [`decode_strict`]: it runs nothing
//! it had to repair, so any unknown key, bad value, or newer schema version is an error.

use crate::experiments::{AnySpec, Experiment};
use crate::spec::{Preset, SpecError, clip};

/// The link schema this build writes and reads. Bump when a key or a preset changes meaning,
/// and teach [`preset_as_of`] what the old version meant.
///
/// - v1: the first schema.
/// - v2: grokking's `quick` and `ci` presets train three seeds per run (`seeds=3`); a v1 link
///   means one.
/// - v3: double descent's feature sweeps average five feature draws (`draws=5`), and the
///   dropout and augmentation seeds each draw their own split (`splits=per-seed`); grokking's
///   `paper` preset leaves out y = 0 and starts its attention as the reference does
///   (`zero_operand=drop`, `attention_init=xavier`), and its `quick` and `ci` presets average
///   Grokfast-MA's gradients over the paper's 100 steps (`ma_window=100`). Older links mean
///   one draw, one shared split, every equation with uniform attention weights, and a window
///   of 50.
///
/// A link without `v` is read as this version (a hand-typed link wants today's presets).
pub const LINK_VERSION: u32 = 3;

/// The spec a link of schema `version` starts from: what `preset` meant when that version was
/// written, so an old link still decodes to the spec it encoded.
pub fn preset_as_of(experiment: Experiment, preset: Preset, version: u32) -> AnySpec {
    let mut spec = experiment.preset(preset);
    spec.declared_mut().as_of(preset, version);
    spec
}

/// Query keys that are not spec knobs. `backend`, `workers`, `autorun`, `embed`, `origin` and
/// the `<key>_hide` family only change how the page runs and shows a run, not the run itself.
pub const CONTROL_KEYS: &[&str] = &[
    "exp", "preset", "v", "backend", "workers", "autorun", "embed", "origin",
];

fn is_control(key: &str) -> bool {
    CONTROL_KEYS.contains(&key) || key.ends_with("_hide")
}

/// A decoded link for the page: whatever could be kept, and what could not.
#[derive(Clone, Debug)]
pub struct PageLink {
    pub experiment: Option<Experiment>,
    pub preset: Preset,
    pub spec: Option<AnySpec>,
    /// The `(key, value)` pairs that only steer the page (`backend`, `autorun`, `*_hide`...).
    pub controls: Vec<(String, String)>,
    /// One message per ignored part.
    pub problems: Vec<String>,
}

impl PageLink {
    /// The last value given for a control key.
    pub fn control(&self, key: &str) -> Option<&str> {
        self.controls
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The query string (with its leading `?`) for `spec` started from `preset`.
pub fn encode(spec: &AnySpec, preset: Preset) -> String {
    let base = spec.experiment().preset(preset).to_json();
    let mut out = format!("?exp={}&v={LINK_VERSION}", spec.experiment().id());
    if preset != Preset::Quick {
        out.push_str("&preset=");
        out.push_str(preset.name());
    }
    for (key, value) in spec.to_json() {
        if base.get(&key) != Some(&value) {
            let text = match &value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            out.push('&');
            out.push_str(&key);
            out.push('=');
            out.push_str(&percent_encode(&text));
        }
    }
    out
}

/// The query part of a link or URL: everything after the first `?` (and before any `#`), or
/// the whole text when it has no `?` and looks like a query (`exp=...`).
pub fn query_of(link: &str) -> &str {
    let link = link.trim();
    let without_fragment = link.split('#').next().unwrap_or_default();
    match without_fragment.split_once('?') {
        Some((_, query)) => query,
        None => without_fragment,
    }
}

/// Splits a query into decoded `(key, value)` pairs, in order.
pub fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

fn last<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The link's schema version: its `v`, or this build's when it has none.
fn check_version(pairs: &[(String, String)]) -> Result<u32, SpecError> {
    let Some(v) = last(pairs, "v") else {
        return Ok(LINK_VERSION);
    };
    match v.parse::<u32>() {
        Ok(n) if n <= LINK_VERSION => Ok(n),
        Ok(n) => Err(SpecError::Inconsistent(format!(
            "v={n}: the link is from a newer Overfit Lab (this build reads links up to v={LINK_VERSION})"
        ))),
        Err(_) => Err(SpecError::BadValue {
            key: "v".into(),
            value: v.to_string(),
            expected: "link version".into(),
        }),
    }
}

/// The most problems a page lists; the rest are counted (a link can have thousands).
pub const MAX_PROBLEMS: usize = 8;

/// `problems` as a page shows them: the first few, then how many more there were.
pub fn capped(mut problems: Vec<String>) -> Vec<String> {
    if problems.len() > MAX_PROBLEMS {
        let rest = problems.len() - (MAX_PROBLEMS - 1);
        problems.truncate(MAX_PROBLEMS - 1);
        problems.push(format!("… and {rest} more problems with this link"));
    }
    problems
}

/// Decodes a link for the page: never fails; bad parts are listed in `problems` and skipped.
/// A knob given more than once takes its last value. Pages show the problems [`capped`].
pub fn decode_lenient(link: &str) -> PageLink {
    let pairs = pairs(query_of(link));
    let mut problems = Vec::new();
    let version = check_version(&pairs).unwrap_or_else(|e| {
        problems.push(format!("{e}; reading it as v={LINK_VERSION}"));
        LINK_VERSION
    });
    let experiment = last(&pairs, "exp").and_then(|id| match id.parse::<Experiment>() {
        Ok(e) => Some(e),
        Err(e) => {
            problems.push(e.to_string());
            None
        }
    });
    let preset = match last(&pairs, "preset") {
        None => Preset::Quick,
        Some(p) => p.parse().unwrap_or_else(|e: SpecError| {
            problems.push(format!("{e}; using quick"));
            Preset::Quick
        }),
    };
    let spec = experiment.map(|e| {
        let mut spec = preset_as_of(e, preset, version);
        // The last value of each key, in the order keys first appear: repeated keys cost
        // nothing however many times a link repeats them.
        let mut knobs: Vec<(&str, &str, usize)> = Vec::new();
        let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (k, v) in pairs.iter().filter(|(k, _)| !is_control(k)) {
            match seen.get(k.as_str()) {
                Some(&i) => {
                    knobs[i].1 = v.as_str();
                    knobs[i].2 += 1;
                }
                None => {
                    seen.insert(k.as_str(), knobs.len());
                    knobs.push((k.as_str(), v.as_str(), 1));
                }
            }
        }
        for (key, _, times) in knobs.iter().filter(|(_, _, times)| *times > 1) {
            problems.push(format!(
                "{} is given {times} times; using the last value",
                clip(key)
            ));
        }
        for err in spec.apply_leniently(knobs.iter().map(|(k, v, _)| (*k, *v))) {
            problems.push(format!("{err} (ignored)"));
        }
        spec
    });
    PageLink {
        experiment,
        preset,
        spec,
        controls: pairs.into_iter().filter(|(k, _)| is_control(k)).collect(),
        problems,
    }
}

/// Decodes a link for a native run: the exact spec, or the first thing wrong with the link.
pub fn decode_strict(link: &str) -> Result<(AnySpec, Preset), SpecError> {
    let pairs = pairs(query_of(link));
    let version = check_version(&pairs)?;
    let id = last(&pairs, "exp").ok_or_else(|| {
        SpecError::Inconsistent("the link names no experiment (no exp=...)".into())
    })?;
    let experiment: Experiment = id.parse()?;
    let preset: Preset = last(&pairs, "preset").unwrap_or("quick").parse()?;
    let mut spec = preset_as_of(experiment, preset, version);
    let mut seen: Vec<&str> = Vec::new();
    for (key, value) in pairs.iter().filter(|(k, _)| !is_control(k)) {
        if seen.contains(&key.as_str()) {
            return Err(SpecError::Inconsistent(format!(
                "{key} is given twice in the link"
            )));
        }
        seen.push(key);
        spec.set(key, value)?;
    }
    spec.validate()?;
    Ok((spec, preset))
}

/// Percent-encodes everything but unreserved URL characters (RFC 3986).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes and `+` (as a space); malformed escapes are kept as typed, and bytes
/// that are not UTF-8 become U+FFFD.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_of_every_experiment_round_trips() {
        for e in Experiment::ALL {
            for p in Preset::ALL {
                let spec = e.preset(p);
                let link = encode(&spec, p);
                assert_eq!(
                    decode_strict(&link),
                    Ok((spec.clone(), p)),
                    "{} {}: {link}",
                    e.id(),
                    p.name()
                );
                let page = decode_lenient(&format!("https://example.org/lab/{link}#top"));
                assert!(page.problems.is_empty(), "{:?}", page.problems);
                assert_eq!(page.spec, Some(spec));
            }
        }
    }

    #[test]
    fn changed_knobs_and_seeds_round_trip_and_defaults_are_left_out() {
        let mut spec = Experiment::Grokking.preset(Preset::Ci);
        spec.set_all(["op=div", "lr=0.0025", "data_seed=18446744073709551615"])
            .expect("valid");
        let link = encode(&spec, Preset::Ci);
        assert_eq!(
            link,
            "?exp=grokking&v=3&preset=ci&data_seed=18446744073709551615&lr=0.0025&op=div"
        );
        assert_eq!(decode_strict(&link), Ok((spec, Preset::Ci)));
    }

    /// A link written in one mode of an experiment with modes can carry settings of another
    /// (changed on the page before switching): it decodes, keeps them for that mode, and
    /// writes them again, whatever the order of its keys.
    #[test]
    fn links_carrying_other_modes_settings_keep_them() {
        for (link, key, value) in [
            (
                "?exp=double-descent&v=3&preset=ci&mode=width&n_train=500&gd_lr=0.05&width_max=100",
                "gd_lr",
                serde_json::json!(0.05),
            ),
            (
                "?exp=double-descent&v=3&n_train=500&mode=width",
                "n_train",
                serde_json::json!(500),
            ),
            (
                "?exp=benign-overfitting&v=3&mode=linear&xor_dim=2000&plane_width=64",
                "plane_width",
                serde_json::json!(64),
            ),
        ] {
            let (spec, preset) = decode_strict(link).expect(link);
            assert_eq!(spec.to_json()[key], value, "{link}");
            assert!(!spec.uses(key), "{link}: {key} is another mode's");
            assert_eq!(decode_lenient(link).spec.as_ref(), Some(&spec), "{link}");
            assert_eq!(decode_strict(&encode(&spec, preset)), Ok((spec, preset)));
        }
    }

    /// A link keeps its meaning across schema versions: a v1 grokking link trained one seed
    /// per run, and still does.
    #[test]
    fn old_links_decode_to_the_spec_they_encoded() {
        let seeds = |spec: &AnySpec| spec.to_json()["seeds"].as_u64();
        for (link, want) in [
            ("?exp=grokking&v=1", Some(1)),
            ("?exp=grokking&v=1&preset=ci&lr=0.002", Some(1)),
            ("?exp=grokking&v=2", Some(3)),
            ("?exp=grokking", Some(3)),
            ("?exp=grokking&v=1&seeds=5", Some(5)),
            ("?exp=grokking&v=1&preset=paper", Some(1)),
        ] {
            let (spec, preset) = decode_strict(link).expect(link);
            assert_eq!(seeds(&spec), want, "{link}");
            let page = decode_lenient(link);
            assert_eq!(page.spec.as_ref().and_then(seeds), want, "{link}");
            // Written again today, the link says what it means.
            let again = encode(&spec, preset);
            assert_eq!(decode_strict(&again), Ok((spec, preset)), "{again}");
        }
        let (spec, _) = decode_strict("?exp=grokking&v=1").expect("v1");
        assert_eq!(
            encode(&spec, Preset::Quick),
            "?exp=grokking&v=3&ma_window=50&seeds=1"
        );
        // v3: five feature draws and per-seed splits; a v2 link meant one draw and a shared
        // split, and still does.
        let key =
            |link: &str, key: &str| decode_strict(link).expect(link).0.to_json()[key].to_string();
        for (link, k, old, new) in [
            ("?exp=double-descent&v=2", "draws", "1", "5"),
            ("?exp=double-descent&v=2&preset=paper", "draws", "1", "5"),
            ("?exp=dropout&v=2", "splits", "\"shared\"", "\"per-seed\""),
            (
                "?exp=augmentation&v=1&preset=ci",
                "splits",
                "\"shared\"",
                "\"per-seed\"",
            ),
            (
                "?exp=grokking&v=2&preset=paper",
                "zero_operand",
                "\"keep\"",
                "\"drop\"",
            ),
            (
                "?exp=grokking&v=1&preset=paper",
                "attention_init",
                "\"uniform\"",
                "\"xavier\"",
            ),
            (
                "?exp=grokking&v=2&preset=ci",
                "zero_operand",
                "\"keep\"",
                "\"keep\"",
            ),
            ("?exp=grokking&v=2", "ma_window", "50", "100"),
            ("?exp=grokking&v=1&preset=paper", "ma_window", "100", "100"),
        ] {
            assert_eq!(key(link, k), old, "{link}");
            assert_eq!(
                key(&link.replace("&v=2", "&v=3").replace("&v=1", ""), k),
                new,
                "{link}"
            );
        }
        let (spec, preset) = decode_strict("?exp=dropout&v=2&preset=ci").expect("v2");
        assert_eq!(
            encode(&spec, preset),
            "?exp=dropout&v=3&preset=ci&splits=shared"
        );
        // Other experiments' v1 links are today's.
        assert_eq!(
            decode_strict("?exp=toy2d&v=1&width=12"),
            decode_strict("?exp=toy2d&v=3&width=12")
        );
    }

    #[test]
    fn strict_decoding_names_the_first_problem() {
        let cases = [
            (
                "?exp=toy2d&width=100000",
                "width=100000 is above the limit 256",
            ),
            ("?exp=toy2d&colour=red", "unknown key 'colour' for toy2d"),
            (
                "?exp=toy2d&v=9",
                "v=9: the link is from a newer Overfit Lab",
            ),
            ("?exp=toy2d&v=x", "v=x is not a valid link version"),
            ("?exp=nope", "unknown experiment 'nope'"),
            ("?width=3", "the link names no experiment"),
            ("?exp=toy2d&width=8&width=9", "width is given twice"),
            ("?exp=toy2d&steps=10", "eval_every=25 is more than steps=10"),
            ("?exp=toy2d&preset=huge", "unknown preset 'huge'"),
        ];
        for (link, want) in cases {
            let err = decode_strict(link).expect_err(link).to_string();
            assert!(err.contains(want), "{link}: got '{err}', want '{want}'");
        }
    }

    #[test]
    fn page_controls_are_not_spec_keys() {
        let link = "?exp=toy2d&autorun=1&backend=cpu&lr_hide=1&embed=1&width=8";
        let (spec, _) = decode_strict(link).expect("controls are ignored natively");
        assert_eq!(spec.to_json()["width"], 8);
        let page = decode_lenient(link);
        assert_eq!(page.control("autorun"), Some("1"));
        assert_eq!(page.control("lr_hide"), Some("1"));
        assert!(page.problems.is_empty());
    }

    #[test]
    fn lenient_decoding_keeps_what_is_valid() {
        let page = decode_lenient("?exp=toy2d&width=100000&depth=3&v=7&preset=huge");
        assert_eq!(page.spec.expect("toy2d").to_json()["depth"], 3);
        assert_eq!(page.problems.len(), 3, "{:?}", page.problems);
    }

    #[test]
    fn a_link_with_thousands_of_problems_lists_a_few_and_counts_the_rest() {
        let mut link = String::from("?exp=toy2d");
        for i in 0..5000 {
            link.push_str(&format!("&junk{i}=1&width=100000"));
        }
        let page = decode_lenient(&link);
        let shown = capped(page.problems);
        assert_eq!(shown.len(), MAX_PROBLEMS, "{shown:?}");
        assert!(shown[0].contains("width is given 5000 times"), "{shown:?}");
        let last = shown.last().expect("a count");
        assert!(last.contains("more problems"), "{last}");
        assert_eq!(page.spec, Some(Experiment::Toy2d.preset(Preset::Quick)));
    }

    #[test]
    fn percent_coding_round_trips_any_text() {
        for text in ["a b&c=d", "100%", "x·y ÷ z", "", "%zz", "%4"] {
            assert_eq!(percent_decode(&percent_encode(text)), text);
        }
        assert_eq!(
            percent_decode("%zz%4"),
            "%zz%4",
            "malformed escapes stay as typed"
        );
        assert_eq!(percent_decode("a+b%20c"), "a b c");
    }

    /// A bounded fuzz run: random byte soup, random mutations of real links. Decoding must
    /// never panic, strict decoding must agree with validation, and lenient decoding of a link
    /// strict decoding accepts must give the same spec.
    #[test]
    fn decoding_arbitrary_text_never_panics() {
        let mut rng = crate::rng::Stream::new(7, "link-fuzz");
        let alphabet: Vec<char> = "exp=&?%+#v0123456789.-e_abcdefghijklmnopqrstuvwxyz·\u{0}"
            .chars()
            .collect();
        let seeds: Vec<String> = Experiment::ALL
            .iter()
            .flat_map(|e| Preset::ALL.map(|p| encode(&e.preset(p), p)))
            .collect();
        for i in 0..100_000 {
            let text: String = if i % 2 == 0 {
                (0..rng.below(60))
                    .map(|_| alphabet[rng.below(alphabet.len())])
                    .collect()
            } else {
                let mut chars: Vec<char> = seeds[rng.below(seeds.len())].chars().collect();
                for _ in 0..1 + rng.below(4) {
                    let at = rng.below(chars.len() + 1);
                    match rng.below(3) {
                        0 if at < chars.len() => {
                            chars.remove(at);
                        }
                        1 => chars.insert(at, alphabet[rng.below(alphabet.len())]),
                        _ => {
                            let digit = char::from(b'0' + rng.below(10) as u8);
                            chars.insert(at, digit);
                        }
                    }
                }
                chars.into_iter().collect()
            };
            let page = decode_lenient(&text);
            if let Some(spec) = &page.spec {
                assert!(
                    spec.validate().is_ok(),
                    "lenient kept an invalid spec: {text}"
                );
            }
            if let Ok((spec, _)) = decode_strict(&text) {
                assert!(spec.validate().is_ok());
                assert_eq!(page.spec.as_ref(), Some(&spec), "{text}");
            }
        }
    }
}
