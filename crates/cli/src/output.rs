//! Where a run's files go: the output directory and every name in it are checked before
//! anything trains, and the set of files is written whole or not at all (every file to a
//! temporary name first, then each renamed into place), never through a symbolic link.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use overfit_core::report::Report;

/// What `overfit run` writes into `--out`, checked before training and written as one set.
pub const OUTPUTS: [&str; 3] = ["metrics.json", "metrics.csv", "chart.svg"];

/// The texts of [`OUTPUTS`] for a finished run's report, in that order.
pub fn texts(report: &Report) -> Result<[String; 3], String> {
    let json = serde_json::to_string_pretty(report).map_err(|e| e.to_string())?;
    let csv = report.to_csv();
    let svg = crate::chart::render_svg(report)?;
    Ok([json, csv, svg])
}

/// An output directory that exists, is a real directory (not a symbolic link) and takes files.
#[derive(Debug)]
pub struct OutDir {
    path: PathBuf,
}

impl OutDir {
    /// Creates `path` if it is missing and checks that a file can be written in it and that
    /// none of `names` is taken by something a file cannot replace (a directory), so that a
    /// long run never ends in "cannot write".
    pub fn prepare(path: &Path, names: &[&str]) -> Result<OutDir, String> {
        let shown = path.display();
        match fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(format!(
                    "--out {shown} is a symbolic link; give the directory it points to instead"
                ));
            }
            Ok(meta) if !meta.is_dir() => {
                return Err(format!("--out {shown} exists and is not a directory"));
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                fs::create_dir_all(path).map_err(|e| format!("cannot create {shown}: {e}"))?;
            }
            Err(e) => return Err(format!("cannot use --out {shown}: {e}")),
        }
        let out = OutDir {
            path: path.to_path_buf(),
        };
        let probe = out.temporary(".probe");
        create_new(&probe)
            .map_err(|e| format!("cannot write in {shown}: {e}"))
            .and_then(|_| fs::remove_file(&probe).map_err(|e| format!("{shown}: {e}")))?;
        for name in names {
            let target = out.path.join(name);
            match fs::symlink_metadata(&target) {
                // A file is replaced; so is a link (never written through).
                Ok(meta) if meta.is_file() || meta.file_type().is_symlink() => {}
                Ok(_) => {
                    return Err(format!(
                        "{} is in the way: it is not a file, so the run's {name} could not \
                         replace it; move it or choose another --out",
                        target.display()
                    ));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("cannot use {}: {e}", target.display())),
            }
        }
        Ok(out)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `DIR/name` atomically: the bytes go to a new temporary file beside it (created
    /// exclusively, so a planted link is never followed), which then replaces `name`. A link
    /// already at `name` is replaced, not written through.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), String> {
        self.write_set(&[(name, bytes)])
    }

    /// Writes a set of files that belong together (a run's metrics and chart): every file goes
    /// to its temporary name first, and only when all are written are they renamed into place,
    /// so a failure (a full disk, a directory in the way) leaves the previous set whole.
    pub fn write_set(&self, files: &[(&str, &[u8])]) -> Result<(), String> {
        let mut written: Vec<(PathBuf, PathBuf)> = Vec::new();
        let clean = |written: &[(PathBuf, PathBuf)]| {
            for (temporary, _) in written {
                let _ = fs::remove_file(temporary);
            }
        };
        for (name, bytes) in files {
            let target = self.path.join(name);
            if fs::symlink_metadata(&target).is_ok_and(|m| m.is_dir()) {
                clean(&written);
                return Err(format!(
                    "cannot write {}: a directory is in the way; nothing was replaced",
                    target.display()
                ));
            }
            let temporary = self.temporary(name);
            let result = create_new(&temporary).and_then(|mut file| {
                file.write_all(bytes)?;
                file.sync_all()
            });
            written.push((temporary, target.clone()));
            if let Err(e) = result {
                clean(&written);
                return Err(format!(
                    "cannot write {}: {e}; nothing was replaced",
                    target.display()
                ));
            }
        }
        for (i, (temporary, target)) in written.iter().enumerate() {
            if let Err(e) = fs::rename(temporary, target) {
                clean(&written[i..]);
                return Err(format!("cannot write {}: {e}", target.display()));
            }
        }
        Ok(())
    }

    fn temporary(&self, name: &str) -> PathBuf {
        self.path.join(format!(".{name}.{}.partial", unique_tag()))
    }
}

/// A name part that no other writer of a shared directory uses at the same time: not the
/// process id alone, which every container's first process shares (1) and which repeats across
/// hosts, but the host's name, the process id, the time in nanoseconds and 64 random bits.
/// A name made from it is still created exclusively, so two writers never share a file.
pub fn unique_tag() -> String {
    use std::hash::{BuildHasher, Hasher};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // RandomState is seeded from the operating system's randomness.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(nanos);
    let host = fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_default();
    let host: String = host
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(32)
        .collect();
    format!(
        "{host}.{}.{nanos:x}.{:016x}",
        std::process::id(),
        hasher.finish()
    )
}

fn create_new(path: &Path) -> std::io::Result<fs::File> {
    OpenOptions::new().write(true).create_new(true).open(path)
}

/// Writes to stdout; a closed pipe (`overfit list | head`) ends the output quietly instead of
/// panicking like `println!`.
pub fn say(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out
        .write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"));
}

/// Writes a line to stderr; a closed stderr is not a panic (`eprintln!` would be).
pub fn tell(text: &str) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = err
        .write_all(text.as_bytes())
        .and_then(|()| err.write_all(b"\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("overfit-out-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_missing_directory_is_created_and_files_replace_old_ones_whole() {
        let dir = scratch("create");
        let out = OutDir::prepare(&dir.join("a/b"), &["metrics.json"]).expect("created");
        out.write("metrics.json", b"first").expect("written");
        out.write("metrics.json", b"second").expect("replaced");
        assert_eq!(
            fs::read_to_string(dir.join("a/b/metrics.json")).expect("read"),
            "second"
        );
        let left: Vec<_> = fs::read_dir(out.path()).expect("list").collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_in_the_way_is_refused_before_the_run() {
        let dir = scratch("file");
        fs::create_dir_all(&dir).expect("scratch");
        fs::write(dir.join("taken"), "x").expect("file");
        let err = OutDir::prepare(&dir.join("taken"), &[]).expect_err("a file, not a directory");
        assert!(err.contains("exists and is not a directory"), "{err}");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_directory_where_a_result_goes_is_refused_before_the_run() {
        let dir = scratch("dir-in-the-way");
        fs::create_dir_all(dir.join("metrics.csv")).expect("scratch");
        let err = OutDir::prepare(&dir, &["metrics.json", "metrics.csv", "chart.svg"])
            .expect_err("a directory named like a result");
        assert!(err.contains("metrics.csv is in the way"), "{err}");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_set_that_cannot_be_written_whole_replaces_nothing() {
        let dir = scratch("set");
        let out = OutDir::prepare(&dir, &["a", "b", "c"]).expect("created");
        out.write_set(&[("a", b"old a"), ("b", b"old b"), ("c", b"old c")])
            .expect("first set");
        // Something puts a directory where the second file goes after the check.
        fs::remove_file(dir.join("b")).expect("remove");
        fs::create_dir(dir.join("b")).expect("directory in the way");
        let err = out
            .write_set(&[("a", b"new a"), ("b", b"new b"), ("c", b"new c")])
            .expect_err("b cannot be replaced");
        assert!(err.contains("nothing was replaced"), "{err}");
        assert_eq!(fs::read_to_string(dir.join("a")).expect("read"), "old a");
        assert_eq!(fs::read_to_string(dir.join("c")).expect("read"), "old c");
        let names: Vec<String> = fs::read_dir(&dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().all(|n| !n.ends_with(".partial")),
            "temporary files left: {names:?}"
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_are_never_written_through() {
        let dir = scratch("links");
        let outside = dir.join("outside");
        let out_path = dir.join("out");
        fs::create_dir_all(&outside).expect("scratch");
        fs::create_dir_all(&out_path).expect("scratch");
        std::os::unix::fs::symlink(&outside, dir.join("linked")).expect("link");
        let err = OutDir::prepare(&dir.join("linked"), &[]).expect_err("a linked --out");
        assert!(err.contains("symbolic link"), "{err}");

        // A link planted where a result goes is replaced; its target is untouched.
        let secret = outside.join("secret");
        fs::write(&secret, "keep").expect("file");
        std::os::unix::fs::symlink(&secret, out_path.join("metrics.csv")).expect("link");
        let out = OutDir::prepare(&out_path, &["metrics.csv"]).expect("a real directory");
        out.write("metrics.csv", b"run,step").expect("written");
        assert_eq!(fs::read_to_string(&secret).expect("read"), "keep");
        let meta = fs::symlink_metadata(out_path.join("metrics.csv")).expect("stat");
        assert!(meta.is_file(), "the link was replaced by the file");
        let _ = fs::remove_dir_all(&dir);
    }
}
