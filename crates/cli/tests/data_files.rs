//! `--data` names a regular file: a device or a named pipe is refused at once, never read until
//! memory runs out or waited on.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `overfit run toy2d --data FILE`'s output, or a failure after 60 seconds (a run that waits
/// on a pipe or reads an endless file would never end).
fn run_on(file: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_overfit"))
        .args(["run", "toy2d", "--data", file, "--dry-run"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary should start");
    let start = Instant::now();
    while child.try_wait().expect("its status").is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("overfit run --data {file} did not return within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("its output")
}

#[cfg(unix)]
#[test]
fn a_device_or_a_pipe_is_refused_without_reading_it() {
    let out = run_on("/dev/zero");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("/dev/zero is a device: give a regular file"),
        "{err}"
    );
    let dir = std::env::temp_dir().join(format!("overfit-data-files-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let fifo = dir.join("pipe.csv");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let out = run_on(fifo.to_str().expect("utf-8"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pipe.csv is a named pipe: give a regular file"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
