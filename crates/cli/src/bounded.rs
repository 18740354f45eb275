//! Reading a file named on the command line (`--data`, `--manifest`) within a size: only a
//! regular file, and never more than the limit and one byte. A FIFO would wait for a writer
//! for ever, and `/dev/zero` never ends; neither is opened.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

/// What a path that is not a regular file is, in words.
fn kind(meta: &Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// Refuses what is not a regular file, in words naming `path`.
fn regular(path: &Path, meta: &Metadata) -> Result<(), String> {
    if meta.is_file() {
        Ok(())
    } else {
        Err(format!(
            "{} is {}: give a regular file",
            path.display(),
            kind(meta)
        ))
    }
}

/// The bytes of the regular file at `path` (a link to one is followed), if it holds at most
/// `limit` bytes; else "PATH is larger than LIMIT bytes", "PATH is a named pipe: …" or why it
/// cannot be read. Reads at most `limit + 1` bytes, however large the file says it is or
/// grows while it is read.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let unreadable = |e: std::io::Error| format!("cannot read {shown}: {e}");
    // Looked at before opening: opening a FIFO would block until something writes to it.
    regular(path, &std::fs::metadata(path).map_err(unreadable)?)?;
    let file = File::open(path).map_err(unreadable)?;
    // What was opened, in case the path was replaced since the look.
    let meta = file.metadata().map_err(unreadable)?;
    regular(path, &meta)?;
    let larger = || format!("{shown} is larger than {limit} bytes");
    if meta.len() > limit {
        return Err(larger());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > limit {
        return Err(larger());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("overfit-bounded-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temp dir");
        dir
    }

    #[test]
    fn a_regular_file_is_read_up_to_its_limit() {
        let dir = temp("regular");
        let file = dir.join("a.csv");
        std::fs::write(&file, "0123456789").expect("write");
        assert_eq!(read_bounded(&file, 10), Ok(b"0123456789".to_vec()));
        let err = read_bounded(&file, 9).expect_err("too large");
        assert_eq!(err, format!("{} is larger than 9 bytes", file.display()));
        let err = read_bounded(&dir, 100).expect_err("a directory");
        assert!(
            err.ends_with("is a directory: give a regular file"),
            "{err}"
        );
        let err = read_bounded(&dir.join("absent"), 100).expect_err("absent");
        assert!(err.starts_with("cannot read "), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// `read_bounded(path)`, or a failure if it takes longer than a few seconds.
    fn within_seconds(path: std::path::PathBuf) -> Result<Vec<u8>, String> {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || tx.send(read_bounded(&path, 1000)));
        rx.recv_timeout(Duration::from_secs(5))
            .unwrap_or_else(|_| panic!("reading did not return: it waited or read on"))
    }

    #[cfg(unix)]
    #[test]
    fn endless_and_waiting_files_are_refused_at_once() {
        let err = within_seconds("/dev/zero".into()).expect_err("a device");
        assert_eq!(err, "/dev/zero is a device: give a regular file");
        let dir = temp("fifo");
        let fifo = dir.join("pipe.csv");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        let err = within_seconds(fifo).expect_err("a FIFO");
        assert!(
            err.ends_with("pipe.csv is a named pipe: give a regular file"),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
