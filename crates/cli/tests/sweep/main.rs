//! `overfit sweep`: a grid planned, run on this machine as separate processes (as array tasks
//! run), followed, resumed and collected.

use std::path::{Path, PathBuf};
use std::process::Command;

mod hostile;
mod review;

fn overfit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_overfit"))
        .args(args)
        .output()
        .expect("the binary should start")
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("overfit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn s(path: &Path) -> &str {
    path.to_str().expect("a utf-8 path")
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("a file")).expect("JSON")
}

#[test]
fn a_sweep_is_planned_idempotently_run_resumed_and_collected_with_failures_listed() {
    let dir = temp_dir("sweep");
    let plan = || {
        overfit(&[
            "sweep",
            "plan",
            "toy2d",
            "--preset",
            "ci",
            "--grid",
            "steps=40",
            "--grid",
            "eval_every=20",
            "--grid",
            "dataset=circle,local",
            "--grid",
            "label_noise=0,0.2",
            "--seeds",
            "2",
            "--out",
            s(&dir),
        ])
    };
    let out = plan();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("planned 8 runs of toy2d"),
        "{}",
        text(&out)
    );
    let manifest = dir.join("manifest.jsonl");
    let first = std::fs::read_to_string(&manifest).expect("the manifest");
    assert_eq!(first.lines().count(), 8);
    assert!(plan().status.success());
    assert_eq!(
        std::fs::read_to_string(&manifest).expect("again"),
        first,
        "planning again changed the manifest"
    );

    // Four runs are on the reader's own data, which a manifest cannot carry: they fail, and
    // say why; the other four finish.
    let out = overfit(&["sweep", "run", s(&dir), "--jobs", "2"]);
    assert!(
        !out.status.success(),
        "a sweep with failures must say so: {}",
        text(&out)
    );
    let out = overfit(&["sweep", "status", s(&dir)]);
    let status = text(&out);
    assert!(
        status.contains("8 runs: 4 finished, 4 failed, 0 missing"),
        "{status}"
    );
    assert!(status.contains("finished: 0-3"), "{status}");
    assert!(
        status.contains("failed 4:") && status.contains("cannot carry"),
        "{status}"
    );

    // A finished index is skipped; a removed result is missing, and runs again.
    let out = overfit(&[
        "run",
        "--manifest",
        s(&manifest),
        "--index",
        "1",
        "--out",
        s(&dir),
    ]);
    assert!(
        out.status.success() && text(&out).contains("already finished, skipped"),
        "{}",
        text(&out)
    );
    let lines: Vec<serde_json::Value> = first
        .lines()
        .map(|l| serde_json::from_str(l).expect("a manifest line"))
        .collect();
    let id1 = lines[1]["id"].as_str().expect("an id");
    let kept = json(&dir.join(id1).join("metrics.json"));
    std::fs::remove_dir_all(dir.join(id1)).expect("remove a result");
    let status = text(&overfit(&["sweep", "status", s(&dir)]));
    assert!(
        status.contains("3 finished, 4 failed, 1 missing") && status.contains("missing: 1"),
        "{status}"
    );
    let out = overfit(&["sweep", "run", s(&dir), "--jobs", "1"]);
    assert!(text(&out).contains("run 1 finished"), "{}", text(&out));
    // Training is deterministic: the rerun equals the first, and equals the link run alone.
    assert_eq!(
        json(&dir.join(id1).join("metrics.json"))["runs"],
        kept["runs"]
    );
    let alone = dir.join("alone");
    let link = lines[1]["link"].as_str().expect("a link");
    let out = overfit(&["run", "--url", link, "--out", s(&alone)]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(json(&alone.join("metrics.json"))["runs"], kept["runs"]);
    // No staging directory is left behind.
    let partial = std::fs::read_dir(&dir)
        .expect("the sweep dir")
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().contains("partial"));
    assert!(!partial, "a half-written result was left");

    // Collected: one row per finished run with its grid values; failures listed.
    let out = overfit(&[
        "sweep",
        "collect",
        s(&dir),
        "--x",
        "label_noise",
        "--y",
        "final_test_acc",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let collected = json(&dir.join("collected.json"));
    assert_eq!(collected["finished"], 4);
    assert_eq!(collected["failed"].as_array().map(Vec::len), Some(4));
    let rows = collected["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|r| r["grid"]["dataset"] == "circle"));
    let csv = std::fs::read_to_string(dir.join("collected.csv")).expect("csv");
    let header = csv.lines().next().expect("a header");
    assert!(
        header.starts_with("index,id,dataset,eval_every,label_noise,seed,steps,run,"),
        "{header}"
    );
    assert!(header.contains("final_test_acc"), "{header}");
    let columns: Vec<&str> = header.split(',').collect();
    let distinct: std::collections::BTreeSet<&&str> = columns.iter().collect();
    assert_eq!(
        distinct.len(),
        columns.len(),
        "a column named twice: {header}"
    );
    assert_eq!(csv.lines().count(), 5);
    let svg = std::fs::read_to_string(dir.join("collected.svg")).expect("svg");
    assert!(
        svg.contains("<svg") && svg.contains(">label noise<"),
        "the chart names its axis in words"
    );
    // A chart of an axis the sweep does not have is refused by name.
    let out = overfit(&[
        "sweep",
        "collect",
        s(&dir),
        "--x",
        "width",
        "--y",
        "final_test_acc",
    ]);
    assert!(
        text(&out).contains("--x width: not a grid axis"),
        "{}",
        text(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_slurm_array_script_prices_its_tasks_and_resubmits_only_what_failed_or_stopped() {
    let dir = temp_dir("sweep-slurm");
    let out = overfit(&[
        "sweep",
        "plan",
        "toy2d",
        "--preset",
        "ci",
        "--grid",
        "width=8,16,32",
        "--seeds",
        "2",
        "--out",
        s(&dir),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let out = overfit(&[
        "sweep",
        "slurm",
        s(&dir),
        "--parallel",
        "3",
        "--program",
        "/opt/overfit",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let script = std::fs::read_to_string(dir.join("sweep.sbatch")).expect("the script");
    assert!(script.contains("#SBATCH --array=0-5%3"), "{script}");
    assert!(
        script.contains("#SBATCH --mem=") && script.contains("#SBATCH --time=00:10:00"),
        "{script}"
    );
    assert!(
        script.contains("exec '/opt/overfit' run --manifest"),
        "{script}"
    );
    assert!(
        script.contains("--index \"$SLURM_ARRAY_TASK_ID\""),
        "{script}"
    );
    // Index 2 started under an earlier array (it left a log) and never finished; index 4
    // never started: --only-failed takes 2 alone.
    std::fs::write(dir.join("logs").join("77_2.out"), "killed").expect("a log");
    let out = overfit(&[
        "sweep",
        "slurm",
        s(&dir),
        "--only-failed",
        "--program",
        "/opt/overfit",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let script = std::fs::read_to_string(dir.join("sweep.sbatch")).expect("the script");
    assert!(script.contains("#SBATCH --array=2\n"), "{script}");
    // An array task finds its index in Slurm's environment.
    let out = Command::new(env!("CARGO_BIN_EXE_overfit"))
        .args([
            "run",
            "--manifest",
            s(&dir.join("manifest.jsonl")),
            "--out",
            s(&dir),
        ])
        .env("SLURM_ARRAY_TASK_ID", "2")
        .output()
        .expect("starts");
    assert!(
        out.status.success() && text(&out).contains("run 2: finished"),
        "{}",
        text(&out)
    );
    let out = overfit(&[
        "run",
        "--manifest",
        s(&dir.join("manifest.jsonl")),
        "--index",
        "9",
        "--out",
        s(&dir),
    ]);
    assert!(text(&out).contains("index 9 is not in"), "{}", text(&out));
    // Four lines a task: the 5 runs left (2 is finished) make tasks 0 and 1; each loops over
    // its lines and logs under a name that says how many it had.
    let out = overfit(&[
        "sweep",
        "slurm",
        s(&dir),
        "--per-task",
        "4",
        "--program",
        "/opt/overfit",
    ]);
    assert!(
        text(&out).contains("2 array tasks: 0-1; 5 runs: 0-1,3-5"),
        "{}",
        text(&out)
    );
    let script = std::fs::read_to_string(dir.join("sweep.sbatch")).expect("the script");
    assert!(script.contains("#SBATCH --array=0-1\n"), "{script}");
    assert!(
        script.contains("first=$(( SLURM_ARRAY_TASK_ID * 4 ))"),
        "{script}"
    );
    assert!(script.contains("[ \"$index\" -lt 6 ] || break"), "{script}");
    assert!(script.contains("%A_%a.n4.out"), "{script}");
    // Task 1 of that array started (lines 4 and 5) and did not finish: --only-failed takes it
    // (and not line 0, 1 or 3, which no array started).
    std::fs::write(dir.join("logs").join("78_1.n4.out"), "killed").expect("a log");
    let out = overfit(&[
        "sweep",
        "slurm",
        s(&dir),
        "--only-failed",
        "--per-task",
        "4",
        "--program",
        "/opt/overfit",
    ]);
    assert!(
        text(&out).contains("1 array tasks: 1; 2 runs: 4-5"),
        "{}",
        text(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_kubernetes_indexed_job_runs_every_line_with_the_cost_models_memory() {
    let dir = temp_dir("sweep-k8s");
    let out = overfit(&[
        "sweep",
        "plan",
        "toy2d",
        "--preset",
        "ci",
        "--grid",
        "width=8,16",
        "--seeds",
        "3",
        "--out",
        s(&dir),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let out = overfit(&[
        "sweep",
        "k8s",
        s(&dir),
        "--image",
        "registry.example/overfit:1",
        "--claim",
        "sweeps",
        "--parallel",
        "4",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let job = std::fs::read_to_string(dir.join("sweep-job.yaml")).expect("the Job");
    for line in [
        "kind: Job",
        "completionMode: Indexed",
        "completions: 6",
        "parallelism: 4",
        "backoffLimitPerIndex: 2",
        "image: \"registry.example/overfit:1\"",
        "claimName: \"sweeps\"",
        "\"--manifest\", \"/sweep/manifest.jsonl\", \"--lines\", \"0-5\", \"--out\", \"/sweep\"",
        "activeDeadlineSeconds: 600",
        "generateName: overfit-sweep-",
        "ttlSecondsAfterFinished: 86400",
        "fsGroup: 65534",
        "runAsUser: 65534",
    ] {
        assert!(job.contains(line), "missing {line:?} in:\n{job}");
    }
    // The same memory as the Slurm array's tasks (one manifest, one price).
    assert!(overfit(&["sweep", "slurm", s(&dir)]).status.success());
    let script = std::fs::read_to_string(dir.join("sweep.sbatch")).expect("the script");
    let mb = script
        .lines()
        .find_map(|l| l.strip_prefix("#SBATCH --mem=")?.strip_suffix('M'))
        .expect("a memory line");
    assert!(job.contains(&format!("memory: {mb}Mi")), "{job}");
    assert!(
        !job.contains("\n  name:"),
        "a fixed name: applying it again would run nothing"
    );

    // Lines 1 and 4 finished (a pod of an earlier Job ran them): the Job written again runs
    // the four left, pod K the K-th of them.
    for index in ["1", "4"] {
        let out = overfit(&[
            "run",
            "--manifest",
            s(&dir.join("manifest.jsonl")),
            "--index",
            index,
            "--out",
            s(&dir),
        ]);
        assert!(out.status.success(), "{}", text(&out));
    }
    let out = overfit(&[
        "sweep",
        "k8s",
        s(&dir),
        "--image",
        "overfit:1",
        "--claim",
        "sweeps",
    ]);
    assert!(
        text(&out).contains("4 pods, runs 0,2-3,5"),
        "{}",
        text(&out)
    );
    let job = std::fs::read_to_string(dir.join("sweep-job.yaml")).expect("the Job");
    assert!(
        job.contains("completions: 4\n") && job.contains("\"--lines\", \"0,2-3,5\""),
        "{job}"
    );
    // Pod 2 of that Job runs line 3.
    let out = Command::new(env!("CARGO_BIN_EXE_overfit"))
        .args([
            "run",
            "--manifest",
            s(&dir.join("manifest.jsonl")),
            "--lines",
            "0,2-3,5",
            "--out",
            s(&dir),
        ])
        .env("JOB_COMPLETION_INDEX", "2")
        .output()
        .expect("starts");
    assert!(text(&out).contains("run 3: finished"), "{}", text(&out));
    let out = Command::new(env!("CARGO_BIN_EXE_overfit"))
        .args([
            "run",
            "--manifest",
            s(&dir.join("manifest.jsonl")),
            "--lines",
            "0,2",
            "--out",
            s(&dir),
        ])
        .env("JOB_COMPLETION_INDEX", "2")
        .output()
        .expect("starts");
    assert!(text(&out).contains("past the 2 lines"), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}
