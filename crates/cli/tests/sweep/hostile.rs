//! Sweeps against files and arguments from others: a manifest mailed and edited by hand, a
//! sweep directory with planted files, values that would reach a script or a Job, and two
//! processes of one run at once. Each is refused with its reason, or survived, and nothing
//! outside the sweep directory is touched.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{json, overfit, s, temp_dir, text};

/// A planned sweep of toy2d `ci` runs small enough to train in a second: widths × seeds.
pub fn planned(name: &str, widths: &str, seeds: &str) -> PathBuf {
    let dir = temp_dir(name);
    let out = overfit(&[
        "sweep",
        "plan",
        "toy2d",
        "--preset",
        "ci",
        "--set",
        "steps=40",
        "--set",
        "eval_every=20",
        "--grid",
        widths,
        "--seeds",
        seeds,
        "--out",
        s(&dir),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    dir
}

pub fn manifest_lines(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("manifest.jsonl"))
        .expect("a manifest")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a line"))
        .collect()
}

pub fn write_lines(dir: &Path, lines: &[serde_json::Value]) {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join("manifest.jsonl"), text).expect("write the manifest");
}

/// A change to a manifest's lines, as someone editing it by hand makes.
type Edit<'a> = Box<dyn Fn(&mut Vec<serde_json::Value>) + 'a>;

pub fn run_line(dir: &Path, index: &str) -> std::process::Output {
    overfit(&[
        "run",
        "--manifest",
        s(&dir.join("manifest.jsonl")),
        "--index",
        index,
        "--out",
        s(dir),
    ])
}

#[test]
fn plan_takes_set_and_refuses_grids_too_large_to_hold() {
    let dir = planned("sweep-set", "width=8,16", "1");
    for line in manifest_lines(&dir) {
        let link = line["link"].as_str().expect("a link");
        assert!(
            link.contains("steps=40") && link.contains("eval_every=20"),
            "{link}"
        );
    }
    let values: Vec<String> = (1..=8192).map(|v| v.to_string()).collect();
    let axis = |key: &str| format!("{key}={}", values.join(","));
    let (a, b, c, d, e) = (
        axis("width"),
        axis("steps"),
        axis("eval_every"),
        axis("seed"),
        axis("label_noise"),
    );
    let out = overfit(&[
        "sweep",
        "plan",
        "toy2d",
        "--grid",
        &a,
        "--grid",
        &b,
        "--grid",
        &c,
        "--grid",
        &d,
        "--grid",
        &e,
        "--out",
        s(&dir.join("huge")),
    ]);
    assert!(
        text(&out).contains("a sweep plans at most 100000"),
        "{}",
        text(&out)
    );
    let five: Vec<String> = (1..=5000).map(|v| v.to_string()).collect();
    let axis = |key: &str| format!("{key}={}", five.join(","));
    let out = overfit(&[
        "sweep",
        "plan",
        "toy2d",
        "--grid",
        &axis("width"),
        "--grid",
        &axis("steps"),
        "--grid",
        &axis("seed"),
        "--out",
        s(&dir.join("huge")),
    ]);
    assert!(text(&out).contains("1.250e11 runs"), "{}", text(&out));
    assert!(
        !dir.join("huge").exists(),
        "nothing is written for a refused plan"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_spec_over_the_budget_is_planned_only_when_allowed_and_then_runs_everywhere() {
    let dir = temp_dir("sweep-large");
    let args = |allow: bool| {
        let mut args = vec![
            "sweep",
            "plan",
            "grokking",
            "--preset",
            "paper",
            "--set",
            "steps=200000",
            "--set",
            "batch=4096",
            "--grid",
            "seed=1,2",
        ];
        if allow {
            args.push("--allow-large");
        }
        args
    };
    let mut refused = args(false);
    refused.extend(["--out", s(&dir)]);
    let out = overfit(&refused);
    assert!(
        !out.status.success() && text(&out).contains("--allow-large"),
        "{}",
        text(&out)
    );
    let mut allowed = args(true);
    allowed.extend(["--out", s(&dir)]);
    let out = overfit(&allowed);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        manifest_lines(&dir)
            .iter()
            .all(|l| l["allow_large"] == true)
    );
    let out = overfit(&["sweep", "slurm", s(&dir), "--program", "/opt/overfit"]);
    assert!(out.status.success(), "{}", text(&out));
    let script = std::fs::read_to_string(dir.join("sweep.sbatch")).expect("a script");
    assert!(
        script.contains("2 of these runs were planned with --allow-large"),
        "{script}"
    );
    let time = script
        .lines()
        .find_map(|l| l.strip_prefix("#SBATCH --time="))
        .expect("a time limit");
    assert!(time.contains('-'), "days are written as D-HH:MM:SS: {time}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_hand_edited_manifest_is_refused_by_line_and_touches_nothing_outside() {
    let dir = planned("sweep-edited", "width=8,16", "1");
    let good = manifest_lines(&dir);
    let victim = dir.with_extension("victim");
    std::fs::write(&victim, "keep").expect("a file outside the sweep");
    let cases: Vec<(&str, Edit)> = vec![
        (
            "not a run's id",
            Box::new(|l| l[1]["id"] = s(&victim).into()),
        ),
        (
            "not a run's id",
            Box::new(|l| l[1]["id"] = "../../../etc/passwd".into()),
        ),
        (
            "not a run's id",
            Box::new(|l| l[1]["id"] = "ABCDEF0123456789".into()),
        ),
        (
            "its grid says width=32",
            Box::new(|l| l[1]["grid"]["width"] = "32".into()),
        ),
        (
            "also line 1",
            Box::new(|l| {
                l[1] = l[0].clone();
                l[1]["index"] = 1.into();
            }),
        ),
        ("holds index", Box::new(|l| l[1]["index"] = u64::MAX.into())),
        (
            "unknown field",
            Box::new(|l| l[1]["command"] = "rm -rf /".into()),
        ),
        (
            "grid axes",
            Box::new(|l| {
                l[1]["grid"]["steps"] = "40".into();
            }),
        ),
    ];
    for (expected, edit) in &cases {
        let mut lines = good.clone();
        edit(&mut lines);
        write_lines(&dir, &lines);
        for out in [
            run_line(&dir, "1"),
            overfit(&["sweep", "status", s(&dir)]),
            overfit(&["sweep", "collect", s(&dir)]),
            overfit(&["sweep", "slurm", s(&dir), "--program", "/opt/overfit"]),
        ] {
            let said = text(&out);
            assert!(!out.status.success(), "{expected}: accepted: {said}");
            assert!(
                said.contains("line 2") && said.contains(expected),
                "{expected}: {said}"
            );
        }
        assert_eq!(std::fs::read_to_string(&victim).expect("victim"), "keep");
    }
    // A price written in a line is not trusted: the script's memory is the cost model's.
    write_lines(&dir, &good);
    assert!(
        overfit(&["sweep", "slurm", s(&dir), "--program", "/p"])
            .status
            .success()
    );
    let honest = std::fs::read_to_string(dir.join("sweep.sbatch")).expect("script");
    let mut lines = good.clone();
    lines[0]["cost"]["peak_bytes"] = 1e300.into();
    lines[0]["cost"]["cpu_seconds"] = (-5.0).into();
    write_lines(&dir, &lines);
    assert!(
        overfit(&["sweep", "slurm", s(&dir), "--program", "/p"])
            .status
            .success()
    );
    let priced = std::fs::read_to_string(dir.join("sweep.sbatch")).expect("script");
    assert_eq!(priced, honest);
    // Files that are not manifests are refused before they are read.
    let out = overfit(&[
        "run",
        "--manifest",
        "/dev/zero",
        "--index",
        "0",
        "--out",
        s(&dir),
    ]);
    assert!(text(&out).contains("is a device"), "{}", text(&out));
    let fifo = dir.join("fifo.jsonl");
    if Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        let out = overfit(&["sweep", "slurm", s(&dir), "--program", "/p"]);
        assert!(out.status.success());
        std::fs::rename(&fifo, dir.join("manifest.jsonl")).expect("a pipe for a manifest");
        let out = overfit(&["sweep", "status", s(&dir)]);
        assert!(text(&out).contains("is a named pipe"), "{}", text(&out));
    }
    let _ = std::fs::remove_file(&victim);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_sweep_directory_with_planted_files_wastes_nothing_but_its_own_runs() {
    let dir = planned("sweep-planted", "width=8,16,32", "1");
    let ids: Vec<String> = manifest_lines(&dir)
        .iter()
        .map(|l| l["id"].as_str().expect("id").to_string())
        .collect();
    for index in ["0", "1", "2"] {
        assert!(run_line(&dir, index).status.success());
    }
    // Run 1's result has a number past f64 in its summary; run 2's error marker (from an
    // earlier try) prints an escape sequence; logs name absurd tasks.
    let path = dir.join(&ids[1]).join("metrics.json");
    let report = std::fs::read_to_string(&path).expect("metrics");
    let broken = report.replacen("\"summary\": {", "\"summary\": {\"huge\": 1e400,", 1);
    assert_ne!(broken, report);
    std::fs::write(&path, broken).expect("write");
    // Run 0's label and a summary figure would be formulas in a spreadsheet.
    let path = dir.join(&ids[0]).join("metrics.json");
    let mut report = json(&path);
    report["runs"][0]["label"] = "=HYPERLINK(\"http://x\")\rnext".into();
    report["runs"][0]["summary"]["note"] = "@SUM(A1)".into();
    std::fs::write(&path, report.to_string()).expect("write");
    std::fs::remove_dir_all(dir.join(&ids[2])).expect("remove");
    std::fs::write(
        dir.join(format!("{}.failed", ids[2])),
        "boom\n\u{1b}[2J\u{1b}]0;owned\u{7}",
    )
    .expect("marker");
    std::fs::create_dir_all(dir.join("logs")).expect("logs");
    for name in [
        "1_18446744073709551615.n18446744073709551615.out",
        "x_99999999999.out",
    ] {
        std::fs::write(dir.join("logs").join(name), "").expect("log");
    }

    let out = overfit(&["sweep", "status", s(&dir)]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        !text(&out).contains('\u{1b}') && !text(&out).contains('\u{7}'),
        "{:?}",
        text(&out)
    );
    assert!(text(&out).contains("\\u{1b}"), "{}", text(&out));
    let out = overfit(&[
        "sweep",
        "slurm",
        s(&dir),
        "--only-failed",
        "--program",
        "/p",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let out = overfit(&["sweep", "collect", s(&dir)]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("1 unreadable"), "{}", text(&out));
    let collected = json(&dir.join("collected.json"));
    assert_eq!(collected["finished"], 1);
    assert_eq!(collected["unreadable"][0]["index"], 1);
    let csv = std::fs::read_to_string(dir.join("collected.csv")).expect("csv");
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\rnext\""),
        "{csv}"
    );
    assert!(csv.contains(",'@SUM(A1)"), "{csv}");
    // A result that is a link, a pipe or a device is never read.
    std::fs::remove_file(dir.join(&ids[0]).join("metrics.json")).expect("remove");
    std::os::unix::fs::symlink("/dev/zero", dir.join(&ids[0]).join("metrics.json")).expect("link");
    let out = overfit(&["sweep", "collect", s(&dir)]);
    assert!(
        text(&out).contains("1 missing, 1 unreadable"),
        "a linked result is not a result: {}",
        text(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn values_a_script_or_a_job_would_read_otherwise_are_refused() {
    let base = temp_dir("sweep-values");
    let odd = base.join("a\nid>pwned;#");
    let out = overfit(&[
        "sweep",
        "plan",
        "toy2d",
        "--preset",
        "ci",
        "--grid",
        "width=8,16",
        "--out",
        s(&odd),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let out = overfit(&["sweep", "slurm", s(&odd), "--program", "/opt/overfit"]);
    assert!(text(&out).contains("a line break"), "{}", text(&out));
    assert!(!odd.join("sweep.sbatch").exists());
    let fine = base.join("fine");
    assert!(
        overfit(&[
            "sweep",
            "plan",
            "toy2d",
            "--preset",
            "ci",
            "--grid",
            "width=8,16",
            "--out",
            s(&fine)
        ])
        .status
        .success()
    );
    let slurm = |extra: &[&str]| {
        let mut args = vec!["sweep", "slurm", s(&fine)];
        args.extend_from_slice(extra);
        overfit(&args)
    };
    let out = slurm(&["--partition", "cpu\n#SBATCH --uid=0", "--program", "/opt/o"]);
    assert!(
        text(&out).contains("is not a partition list"),
        "{}",
        text(&out)
    );
    let out = slurm(&["--program", "/opt/o verfit"]);
    assert!(text(&out).contains("a space"), "{}", text(&out));
    let out = slurm(&["--program", "/opt/100%"]);
    assert!(text(&out).contains("'%'"), "{}", text(&out));
    let k8s = |claim: &str, image: &str, mount: &str| {
        overfit(&[
            "sweep",
            "k8s",
            s(&fine),
            "--claim",
            claim,
            "--image",
            image,
            "--mount",
            mount,
        ])
    };
    for claim in [
        "sweeps\n---\nkind: Pod",
        "sweeps\u{85}x",
        "sweeps\u{2028}x",
        "sweeps\rx",
    ] {
        let out = k8s(claim, "overfit:1", "/sweep");
        assert!(
            text(&out).contains("is not a Kubernetes name"),
            "{claim:?}: {}",
            text(&out)
        );
    }
    let out = k8s("sweeps", "overfit:1\n  command: [sh]", "/sweep");
    assert!(
        text(&out).contains("is not an image reference"),
        "{}",
        text(&out)
    );
    let out = k8s("sweeps", "overfit:1", "/sweep\"\nx");
    assert!(text(&out).contains("is not a mount path"), "{}", text(&out));
    assert!(!fine.join("sweep-job.yaml").exists());
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let latin = base.join(std::ffi::OsStr::from_bytes(b"caf\xe9"));
        let out = Command::new(env!("CARGO_BIN_EXE_overfit"))
            .args([
                "sweep",
                "plan",
                "toy2d",
                "--preset",
                "ci",
                "--grid",
                "width=8,16",
                "--out",
            ])
            .arg(&latin)
            .output()
            .expect("starts");
        assert!(out.status.success(), "{}", text(&out));
        let out = Command::new(env!("CARGO_BIN_EXE_overfit"))
            .args(["sweep", "slurm", "--program", "/opt/o"])
            .arg(&latin)
            .output()
            .expect("starts");
        assert!(text(&out).contains("not UTF-8"), "{}", text(&out));
    }
    let _ = std::fs::remove_dir_all(&base);
}

/// Two processes of one run at once, each the first process of its own PID namespace (as two
/// pods of one index are: a replacement started while the old one is in its grace period), or
/// two plain processes where namespaces cannot be made: exactly one result lands, the other
/// says it skipped, and no staging directory or failure is left behind.
#[test]
fn two_processes_of_one_run_land_it_once() {
    let dir = planned("sweep-race", "width=8", "1");
    let program = env!("CARGO_BIN_EXE_overfit");
    let namespaced = Command::new("unshare")
        .args(["--pid", "--fork", "true"])
        .status()
        .is_ok_and(|s| s.success());
    println!(
        "two processes {}",
        if namespaced {
            "each PID 1 (unshare --pid --fork)"
        } else {
            "(no PID namespaces here)"
        }
    );
    for attempt in 0..12 {
        let out = dir.join(format!("try{attempt}"));
        let start = || {
            let mut command = if namespaced {
                let mut c = Command::new("unshare");
                c.args(["--pid", "--fork", program]);
                c
            } else {
                Command::new(program)
            };
            command
                .args([
                    "run",
                    "--manifest",
                    s(&dir.join("manifest.jsonl")),
                    "--index",
                    "0",
                    "--out",
                    s(&out),
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("starts")
        };
        let (a, b) = (start(), start());
        let said: Vec<String> = [a, b]
            .into_iter()
            .map(|child| {
                let output = child.wait_with_output().expect("ends");
                assert!(output.status.success(), "try {attempt}: {}", text(&output));
                text(&output)
            })
            .collect();
        let finished = said.iter().filter(|t| t.contains("finished in")).count();
        let skipped = said.iter().filter(|t| t.contains("skipped")).count();
        assert_eq!((finished, skipped), (1, 1), "try {attempt}: {said:?}");
        let names: Vec<String> = std::fs::read_dir(&out)
            .expect("the sweep")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 1, "try {attempt}: left behind: {names:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
