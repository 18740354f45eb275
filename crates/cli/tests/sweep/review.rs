//! What an adversarial review of the sweep commands found, each now refused in one printable
//! line, or survived: text of a manifest in its errors, links planted in a sweep, values a
//! script would read otherwise, numbers from the scheduler, a plan that contradicts itself.

use std::process::Command;

use super::hostile::{manifest_lines, planned, run_line, write_lines};
use super::{overfit, s, text};

/// What a review of the first version of these checks found, each refused or survived.
#[test]
fn a_reviewers_attacks_are_refused_in_one_printable_line() {
    let dir = planned("sweep-review", "width=8,16", "1");
    let good = manifest_lines(&dir);
    let raw = |out: &std::process::Output| {
        let said = text(out);
        assert!(
            !said
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t')
                && !said.contains('\u{202e}'),
            "raw control characters reach the terminal: {said:?}"
        );
        assert!(said.len() < 2000, "a message of {} bytes", said.len());
        said
    };
    // Text of the manifest in its errors: an unknown field, a key of the link, a huge value.
    let mut lines = good.clone();
    lines[1]["\u{1b}[31mEVIL\u{1b}[0m"] = 1.into();
    write_lines(&dir, &lines);
    raw(&overfit(&["sweep", "status", s(&dir)]));
    let mut lines = good.clone();
    lines[1]["link"] = "?exp=toy2d&v=3&%E2%80%AEabc=1".into();
    write_lines(&dir, &lines);
    raw(&overfit(&["sweep", "status", s(&dir)]));
    let mut lines = good.clone();
    lines[1]["grid"]["width"] = "x".repeat(1_000_000).into();
    write_lines(&dir, &lines);
    raw(&overfit(&["sweep", "status", s(&dir)]));
    // Two experiments in one manifest; no runs at all.
    let other = planned("sweep-review-other", "steps=40,50", "1");
    let mut lines = good.clone();
    lines[1] = manifest_lines(&other)[1].clone();
    write_lines(&dir, &lines);
    let said = raw(&overfit(&["sweep", "status", s(&dir)]));
    assert!(
        said.contains("line 2") && said.contains("a sweep is of one experiment")
            || said.contains("axes"),
        "{said}"
    );
    let _ = std::fs::remove_dir_all(&other);
    std::fs::write(dir.join("manifest.jsonl"), "\n\n").expect("empty");
    assert!(raw(&overfit(&["sweep", "collect", s(&dir)])).contains("holds no runs"));
    // A byte-order mark is not part of the first line.
    let manifest: String = good.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join("manifest.jsonl"), format!("\u{feff}{manifest}")).expect("bom");
    assert!(overfit(&["sweep", "status", s(&dir)]).status.success());
    write_lines(&dir, &good);

    // Links planted in the sweep: its manifest, its logs.
    let outside = dir.with_extension("outside");
    std::fs::create_dir_all(&outside).expect("outside");
    std::fs::write(outside.join("manifest.jsonl"), &manifest).expect("copy");
    let linked = dir.with_extension("linked");
    std::fs::create_dir_all(&linked).expect("linked");
    std::os::unix::fs::symlink(
        outside.join("manifest.jsonl"),
        linked.join("manifest.jsonl"),
    )
    .expect("link");
    assert!(raw(&overfit(&["sweep", "status", s(&linked)])).contains("symbolic link"));
    std::os::unix::fs::symlink(&outside, dir.join("logs")).expect("link");
    let said = raw(&overfit(&[
        "sweep",
        "slurm",
        s(&dir),
        "--program",
        "/opt/o",
    ]));
    assert!(said.contains("logs is a symbolic link"), "{said}");
    assert!(!outside.join("sweep.sbatch").exists() && !dir.join("sweep.sbatch").exists());
    std::fs::remove_file(dir.join("logs")).expect("unlink");
    // Logs naming absurd tasks cost one pass, and start nothing.
    std::fs::create_dir_all(dir.join("logs")).expect("logs");
    for task in 0..2000u64 {
        std::fs::write(
            dir.join("logs")
                .join(format!("7_{}.n18446744073709551615.out", task * 997)),
            "",
        )
        .expect("log");
    }
    let out = overfit(&[
        "sweep",
        "slurm",
        s(&dir),
        "--only-failed",
        "--program",
        "/opt/o",
    ]);
    assert!(raw(&out).contains("2 runs: 0-1"), "{}", text(&out));
    std::fs::remove_dir_all(dir.join("logs")).expect("logs");

    // Values that a script would read otherwise.
    for program in ["-c", "overfit", "./overfit"] {
        let said = raw(&overfit(&[
            "sweep",
            "slurm",
            s(&dir),
            &format!("--program={program}"),
        ]));
        assert!(said.contains("not an absolute path"), "{program}: {said}");
    }
    let said = raw(&overfit(&[
        "sweep",
        "slurm",
        s(&dir),
        "--program",
        "/o",
        "--partition=-gpu",
    ]));
    assert!(said.contains("not a partition list"), "{said}");
    for mount in ["/usr/local/bin", "/etc"] {
        let said = raw(&overfit(&[
            "sweep",
            "k8s",
            s(&dir),
            "--image",
            "o:1",
            "--claim",
            "c",
            "--mount",
            mount,
        ]));
        assert!(
            said.contains("would hide the image's own"),
            "{mount}: {said}"
        );
    }
    // An index from the scheduler that is not one.
    let out = Command::new(env!("CARGO_BIN_EXE_overfit"))
        .args([
            "run",
            "--manifest",
            s(&dir.join("manifest.jsonl")),
            "--out",
            s(&dir),
        ])
        .env("SLURM_ARRAY_TASK_ID", "abc")
        .output()
        .expect("starts");
    assert!(
        raw(&out).contains("SLURM_ARRAY_TASK_ID is \"abc\", not an array index"),
        "{}",
        text(&out)
    );
    // A slot in the way is found before training, not after.
    let id = good[0]["id"].as_str().expect("id");
    std::fs::create_dir_all(dir.join(id).join("leftover")).expect("a directory in the way");
    let said = raw(&run_line(&dir, "0"));
    assert!(
        said.contains("is in the way") && !said.contains("finished in"),
        "{said}"
    );
    std::fs::remove_dir_all(dir.join(id)).expect("clear");

    // A chart of an earlier collect is not left beside a collect without one.
    assert!(run_line(&dir, "0").status.success() && run_line(&dir, "1").status.success());
    assert!(
        overfit(&[
            "sweep",
            "collect",
            s(&dir),
            "--x",
            "width",
            "--y",
            "final_test_acc"
        ])
        .status
        .success()
    );
    assert!(dir.join("collected.svg").exists());
    assert!(overfit(&["sweep", "collect", s(&dir)]).status.success());
    assert!(
        !dir.join("collected.svg").exists(),
        "a stale chart was left"
    );
    let _ = std::fs::remove_dir_all(&outside);
    let _ = std::fs::remove_dir_all(&linked);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn plan_refuses_before_it_writes_or_allocates() {
    let dir = planned("sweep-plan-first", "width=8,16", "1");
    let before = std::fs::read_to_string(dir.join("manifest.jsonl")).expect("manifest");
    let out = overfit(&[
        "sweep",
        "plan",
        "toy2d",
        "--preset",
        "ci",
        "--grid",
        "seed=1,2",
        "--grid",
        "init_seed=5",
        "--out",
        s(&dir),
    ]);
    assert!(text(&out).contains("set the same knob"), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(dir.join("manifest.jsonl")).expect("kept"),
        before
    );
    for n in ["18446744073709551615", "200000000"] {
        let out = overfit(&[
            "sweep",
            "plan",
            "toy2d",
            "--seeds",
            n,
            "--out",
            s(&dir.join("x")),
        ]);
        assert_eq!(out.status.code(), Some(1), "{n}: {}", text(&out));
        assert!(
            text(&out).contains("--seeds must be from 1 to 100000"),
            "{}",
            text(&out)
        );
    }
    // A line someone flagged to run over the budget is not run here unless this run allows it.
    let mut lines = manifest_lines(&dir);
    lines[0]["allow_large"] = true.into();
    write_lines(&dir, &lines);
    let out = overfit(&["sweep", "run", s(&dir), "--jobs", "1"]);
    assert!(
        text(&out).contains("1 runs left were planned with --allow-large"),
        "{}",
        text(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
