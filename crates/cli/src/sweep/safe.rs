//! The border between a sweep and what it reads or writes for others: files read with a size
//! limit and only when they are regular files, text from files printed without control
//! characters, and every value that reaches a Slurm script or a Kubernetes Job checked against
//! what the reader there takes literally (never escaped into something another parser may
//! read differently).

use std::path::Path;

use crate::bounded::read_bounded;

/// As [`read_bounded`] (a regular file, at most `limit` bytes), for a file found inside a
/// sweep directory: a symbolic link there is refused (a result or a marker is never a link,
/// and one could point anywhere).
pub fn read_inside(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| {
        format!(
            "cannot read {}: {e}",
            printable(&path.display().to_string())
        )
    })?;
    if meta.file_type().is_symlink() {
        return Err(format!(
            "{} is a symbolic link: a sweep's files are never links",
            printable(&path.display().to_string())
        ));
    }
    read_bounded(path, limit).map_err(|e| printable(&e))
}

/// Text from a file (a header, an error, a run's label, a path) as a terminal may show it:
/// every control character (ESC among them), and every character that reorders or hides text
/// (bidirectional overrides, zero-width marks), written as a visible escape.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || hides_or_reorders(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// [`printable`] text of at most 400 characters: an error message is one line of reading,
/// however long the value it quotes.
pub fn one_line(text: &str) -> String {
    const MOST: usize = 400;
    let mut out = printable(text);
    if let Some((cut, _)) = out.char_indices().nth(MOST) {
        out.truncate(cut);
        out.push('…');
    }
    out
}

/// Characters that change how the text around them reads without being seen.
fn hides_or_reorders(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}')
}

/// Manifest lines as ranges (`0-3,7,9-10`, what a Job's pods are given): ascending, each below
/// `total`, none twice.
pub fn parse_ranges(text: &str, total: usize) -> Result<Vec<usize>, String> {
    let number = |t: &str| -> Result<usize, String> {
        t.trim()
            .parse::<usize>()
            .ok()
            .filter(|&n| n < total)
            .ok_or_else(|| {
                format!(
                    "\"{}\" is not a line of the manifest (0 to {})",
                    printable(&overfit_core::spec::clip(t)),
                    total.saturating_sub(1)
                )
            })
    };
    let mut out: Vec<usize> = Vec::new();
    for part in text.split(',').filter(|p| !p.trim().is_empty()) {
        let (start, end) = match part.split_once('-') {
            Some((a, b)) => (number(a)?, number(b)?),
            None => {
                let n = number(part)?;
                (n, n)
            }
        };
        if end < start || out.last().is_some_and(|&last| start <= last) {
            return Err(format!(
                "lines {}: ranges go up and never overlap",
                printable(&overfit_core::spec::clip(text))
            ));
        }
        out.extend(start..=end);
    }
    if out.is_empty() {
        return Err("no manifest lines given".into());
    }
    Ok(out)
}

/// `path` as it may stand in a Slurm script, literally: UTF-8, and only letters, digits and
/// `/ . _ - + , : @ = ~`. Slurm's `#SBATCH` parser cuts a line at white space and expands `%`,
/// a shell reads quotes, `$` and line breaks: such a path is refused (with the character
/// named), never escaped into something one of them reads differently.
pub fn script_path(path: &Path, what: &str) -> Result<String, String> {
    let text = path.to_str().ok_or_else(|| {
        format!(
            "{what} {} is not UTF-8: it cannot be written into a script without changing it",
            printable(&path.to_string_lossy())
        )
    })?;
    if let Some(c) = text
        .chars()
        .find(|&c| !(c.is_alphanumeric() || "/._-+,:@=~".contains(c)))
    {
        return Err(format!(
            "{what} {} holds {}, which a Slurm script cannot carry as written (its #SBATCH \
             lines split at spaces and expand %; the shell reads quotes, $ and line breaks): \
             move it to a path of letters, digits and / . _ - + , : @ = ~",
            printable(text),
            describe(c)
        ));
    }
    Ok(text.to_string())
}

/// A character as an error message names it.
fn describe(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '\n' => "a line break".into(),
        c if c.is_control() || hides_or_reorders(c) => {
            format!("the control character {}", c.escape_unicode())
        }
        c => format!("'{c}'"),
    }
}

/// A Slurm partition list as `--partition` takes it: names of letters, digits, `_ . -`, joined
/// by commas.
pub fn slurm_partition(text: &str) -> Result<String, String> {
    let fine = !text.is_empty()
        && text.len() <= 256
        && text.split(',').all(|name| {
            name.starts_with(|c: char| c.is_ascii_alphanumeric())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        });
    if fine {
        Ok(text.to_string())
    } else {
        Err(format!(
            "--partition {} is not a partition list (names of letters, digits, _ . - joined by \
             commas)",
            printable(&overfit_core::spec::clip(text))
        ))
    }
}

/// A Kubernetes object name (a PersistentVolumeClaim's): a DNS subdomain of RFC 1123, lower
/// case letters, digits, `-` and `.`, at most 253 characters.
pub fn k8s_name(text: &str, what: &str) -> Result<String, String> {
    let label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if text.len() <= 253 && text.split('.').all(label) {
        Ok(text.to_string())
    } else {
        Err(format!(
            "{what} {} is not a Kubernetes name (lower-case letters, digits, - and ., at most \
             253 characters)",
            printable(&overfit_core::spec::clip(text))
        ))
    }
}

/// A container image reference (`registry/name:tag` or `…@sha256:…`).
pub fn image_ref(text: &str) -> Result<String, String> {
    let fine = !text.is_empty()
        && text.len() <= 512
        && !text.starts_with(['-', '.', '/', ':', '@'])
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/:@".contains(c));
    if fine {
        Ok(text.to_string())
    } else {
        Err(format!(
            "--image {} is not an image reference (letters, digits and . _ - / : @)",
            printable(&overfit_core::spec::clip(text))
        ))
    }
}

/// Directories of the image that a mount must not hide.
const SYSTEM_DIRS: [&str; 13] = [
    "bin", "boot", "dev", "etc", "lib", "lib32", "lib64", "proc", "run", "sbin", "sys", "usr",
    "var",
];

/// Where a pod mounts the sweep volume: an absolute path of letters, digits and `/ . _ -`,
/// without `..` and not `/` itself.
pub fn mount_path(text: &str) -> Result<String, String> {
    let trimmed = text.trim_end_matches('/');
    let fine = trimmed.starts_with('/')
        && trimmed.len() <= 1024
        && trimmed.split('/').skip(1).all(|part| {
            !part.is_empty()
                && part != ".."
                && part != "."
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        });
    let top = trimmed.split('/').nth(1).unwrap_or("");
    if fine && SYSTEM_DIRS.contains(&top) {
        return Err(format!(
            "--mount {trimmed} would hide the image's own /{top} (where overfit and its \
             libraries are): mount the sweep elsewhere, e.g. /sweep"
        ));
    }
    if fine {
        Ok(trimmed.to_string())
    } else {
        Err(format!(
            "--mount {} is not a mount path (absolute, not /, of letters, digits and / . _ -, \
             without ..)",
            printable(&overfit_core::spec::clip(text))
        ))
    }
}

/// A YAML double-quoted scalar that holds `text` and nothing else, whatever it holds: every
/// character outside printable ASCII (each line break YAML knows among them: LF, CR, NEL,
/// LS, PS) is written as an escape.
pub fn yaml_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if u32::from(c) <= 0xffff => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_a_script_would_read_otherwise_are_refused_by_name() {
        assert_eq!(
            script_path(Path::new("/srv/sweeps/lr-0.1,wd=2@x"), "the sweep").expect("fine"),
            "/srv/sweeps/lr-0.1,wd=2@x"
        );
        for (path, named) in [
            ("/tmp/a b", "a space"),
            ("/tmp/a\nrm -rf ~", "a line break"),
            ("/tmp/100%", "'%'"),
            ("/tmp/it's", "'''"),
            ("/tmp/$(id)", "'$'"),
            ("/tmp/a\u{2028}b", "\\u{2028}"),
        ] {
            let err = script_path(Path::new(path), "the sweep").expect_err(path);
            assert!(err.contains(named), "{path}: {err}");
            assert!(!err.contains('\n'), "the message is one line: {err}");
        }
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let raw = std::ffi::OsStr::from_bytes(b"/tmp/caf\xe9");
            let err = script_path(Path::new(raw), "the sweep").expect_err("latin-1");
            assert!(err.contains("not UTF-8"), "{err}");
        }
    }

    #[test]
    fn names_images_mounts_and_partitions_take_only_their_grammar() {
        assert!(slurm_partition("gpu,cpu-long").is_ok());
        for bad in ["", "gpu\n#SBATCH --uid=0", "a b", "gpu;id", ",gpu"] {
            assert!(slurm_partition(bad).is_err(), "{bad:?}");
        }
        assert!(k8s_name("overfit-sweeps.v2", "--claim").is_ok());
        for bad in [
            "Sweeps",
            "a\n---\nkind: Pod",
            "a\u{85}b",
            "-a",
            "a..b",
            &"a".repeat(254),
        ] {
            assert!(k8s_name(bad, "--claim").is_err(), "{bad:?}");
        }
        assert!(image_ref("ghcr.io/lab/overfit:1.2@sha256:abc").is_ok());
        assert!(image_ref("overfit\n  command: [sh]").is_err());
        assert_eq!(mount_path("/sweep/").expect("fine"), "/sweep");
        for bad in ["sweep", "/", "/a/../etc", "/a b", "/a:b", "/a\u{2029}"] {
            assert!(mount_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn yaml_quoting_escapes_every_line_break_yaml_knows() {
        let quoted = yaml_quoted("a\nb\rc\u{85}d\u{2028}e\u{2029}f\"g\\h\u{1F600}");
        assert_eq!(
            quoted,
            r#""a\u000ab\u000dc\u0085d\u2028e\u2029f\"g\\h\U0001f600""#
        );
        assert!(quoted.chars().all(|c| (' '..='~').contains(&c)));
    }

    #[test]
    fn printable_text_keeps_words_and_shows_controls() {
        assert_eq!(printable("lr 0.1 → ok"), "lr 0.1 → ok");
        let shown = printable("\u{1b}[31mred\u{7}\r\u{202e}txt");
        assert!(shown.chars().all(|c| !c.is_control()), "{shown}");
        assert!(shown.contains("\\u{1b}[31mred"), "{shown}");
        assert!(shown.contains("\\u{202e}"), "{shown}");
    }

    #[test]
    fn ranges_parse_only_lines_of_the_manifest() {
        assert_eq!(
            parse_ranges("0-2,5,7-8", 10).expect("fine"),
            [0, 1, 2, 5, 7, 8]
        );
        for bad in [
            "",
            "3-1",
            "1,1",
            "5,2",
            "10",
            "0-18446744073709551615",
            "x",
            "-1",
        ] {
            assert!(parse_ranges(bad, 10).is_err(), "{bad:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn files_inside_a_sweep_are_never_links() {
        let dir = std::env::temp_dir().join(format!("overfit-inside-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch");
        let file = dir.join("metrics.json");
        std::fs::write(&file, "{}").expect("file");
        assert_eq!(read_inside(&file, 10).expect("a file"), b"{}");
        std::os::unix::fs::symlink(&file, dir.join("link")).expect("link");
        let err = read_inside(&dir.join("link"), 10).expect_err("a link inside a sweep");
        assert!(err.contains("symbolic link"), "{err}");
        let err = read_inside(Path::new("/dev/zero"), 10).expect_err("a device");
        assert!(err.contains("is a device"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
