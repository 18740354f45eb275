//! Where a run's files go: the output directory is checked before anything trains, and every
//! file is written whole or not at all (a temporary file renamed into place), never through a
//! symbolic link.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// An output directory that exists, is a real directory (not a symbolic link) and takes files.
#[derive(Debug)]
pub struct OutDir {
    path: PathBuf,
}

impl OutDir {
    /// Creates `path` if it is missing and checks that a file can be written in it, so that a
    /// long run never ends in "cannot write".
    pub fn prepare(path: &Path) -> Result<OutDir, String> {
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
        Ok(out)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `DIR/name` atomically: the bytes go to a new temporary file beside it (created
    /// exclusively, so a planted link is never followed), which then replaces `name`. A link
    /// already at `name` is replaced, not written through.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), String> {
        let target = self.path.join(name);
        let temporary = self.temporary(name);
        let written = create_new(&temporary)
            .and_then(|mut file| {
                file.write_all(bytes)?;
                file.sync_all()
            })
            .and_then(|()| fs::rename(&temporary, &target));
        written.map_err(|e| {
            let _ = fs::remove_file(&temporary);
            format!("cannot write {}: {e}", target.display())
        })
    }

    fn temporary(&self, name: &str) -> PathBuf {
        self.path
            .join(format!(".{name}.{}.partial", std::process::id()))
    }
}

fn create_new(path: &Path) -> std::io::Result<fs::File> {
    OpenOptions::new().write(true).create_new(true).open(path)
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
        let out = OutDir::prepare(&dir.join("a/b")).expect("created");
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
        let err = OutDir::prepare(&dir.join("taken")).expect_err("a file, not a directory");
        assert!(err.contains("exists and is not a directory"), "{err}");
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
        let err = OutDir::prepare(&dir.join("linked")).expect_err("a linked --out");
        assert!(err.contains("symbolic link"), "{err}");

        // A link planted where a result goes is replaced; its target is untouched.
        let secret = outside.join("secret");
        fs::write(&secret, "keep").expect("file");
        std::os::unix::fs::symlink(&secret, out_path.join("metrics.csv")).expect("link");
        let out = OutDir::prepare(&out_path).expect("a real directory");
        out.write("metrics.csv", b"run,step").expect("written");
        assert_eq!(fs::read_to_string(&secret).expect("read"), "keep");
        let meta = fs::symlink_metadata(out_path.join("metrics.csv")).expect("stat");
        assert!(meta.is_file(), "the link was replaced by the file");
        let _ = fs::remove_dir_all(&dir);
    }
}
