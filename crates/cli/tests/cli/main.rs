//! The `overfit` binary: outputs, the metrics.json contract, and one-line errors on bad input.

use std::process::Command;

mod own_data;

fn overfit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_overfit"))
        .args(args)
        .output()
        .expect("the binary should start")
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

#[test]
fn list_names_every_experiment_and_its_knobs() {
    let out = overfit(&["list"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("toy2d"));
    assert!(text.contains("grokking") && text.contains("ema_lambda"));
    assert!(text.contains("label_noise"));
}

#[test]
fn run_writes_the_metrics_contract_csv_and_svg() {
    let dir = std::env::temp_dir().join(format!("overfit-cli-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = overfit(&[
        "run",
        "toy2d",
        "--preset",
        "ci",
        "--seed",
        "5",
        "--set",
        "steps=40",
        "--set",
        "eval_every=10",
        "--out",
        dir.to_str().expect("utf-8 temp dir"),
    ]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("metrics.json")).expect("metrics.json"),
    )
    .expect("valid JSON");
    assert_eq!(json["schema"], 1);
    assert_eq!(json["experiment"], "toy2d");
    assert_eq!(json["preset"], "ci");
    assert_eq!(json["backend"], "flex");
    assert_eq!(json["spec"]["steps"], 40);
    assert_eq!(json["spec"]["init_seed"], 5);
    let run = &json["runs"][0];
    assert_eq!(run["label"], "mlp");
    assert_eq!(
        run["series"]["step"],
        serde_json::json!([0, 10, 20, 30, 40])
    );
    assert_eq!(run["series"]["test_acc"].as_array().map(Vec::len), Some(5));
    assert!(run["summary"]["final_test_acc"].is_number());
    let csv = std::fs::read_to_string(dir.join("metrics.csv")).expect("metrics.csv");
    assert!(csv.starts_with("run,step,metric,value\n"));
    assert_eq!(csv.lines().count(), 1 + 4 * 5);
    let svg = std::fs::read_to_string(dir.join("chart.svg")).expect("chart.svg");
    assert!(svg.contains("<svg") && (svg.contains("polyline") || svg.contains("<path")));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_same_spec_gives_the_same_metrics() {
    let run = |dir: &std::path::Path| {
        let out = overfit(&[
            "run",
            "toy2d",
            "--preset",
            "ci",
            "--set",
            "steps=20",
            "--set",
            "eval_every=10",
            "--out",
            dir.to_str().expect("utf-8"),
        ]);
        assert!(out.status.success(), "{}", stderr_of(&out));
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("metrics.json")).expect("json"))
                .expect("json");
        json["runs"].clone()
    };
    let base = std::env::temp_dir().join(format!("overfit-repro-{}", std::process::id()));
    let (a, b) = (run(&base.join("a")), run(&base.join("b")));
    assert_eq!(a, b, "Flex runs of one spec should be bitwise identical");
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn bad_input_exits_non_zero_with_one_specific_line() {
    let cases: &[(&[&str], &str)] = &[
        (&["run", "nope"], "unknown experiment 'nope'"),
        (
            &["run", "toy2d", "--preset", "huge"],
            "unknown preset 'huge'",
        ),
        (
            &["run", "toy2d", "--set", "colour=red"],
            "unknown key 'colour'",
        ),
        (
            &["run", "toy2d", "--set", "width=100000"],
            "width=100000 is above the limit 256",
        ),
        (
            &["run", "toy2d", "--set", "lr=-1"],
            "lr=-1 is below the limit",
        ),
        (
            &["run", "toy2d", "--set", "lr=abc"],
            "lr=abc is not a valid number",
        ),
        (
            &["run", "toy2d", "--set", "dataset=moons"],
            "dataset=moons is not one of: circle, xor, gauss, spiral",
        ),
        (&["run", "toy2d", "--set", "width"], "expected key=value"),
        (
            &[
                "run",
                "toy2d",
                "--set",
                "eval_every=500",
                "--set",
                "steps=100",
            ],
            "eval_every=500 is more than steps=100",
        ),
    ];
    for (args, expected) in cases {
        let out = overfit(args);
        assert!(!out.status.success(), "{args:?} should fail");
        let err = stderr_of(&out);
        assert!(err.contains(expected), "{args:?}: stderr was {err:?}");
        assert_eq!(
            err.lines().count(),
            1,
            "{args:?}: one line expected, got {err:?}"
        );
    }
}

#[test]
fn grokking_run_writes_the_three_runs_and_their_summaries() {
    let dir = std::env::temp_dir().join(format!("overfit-cli-grok-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = overfit(&[
        "run",
        "grokking",
        "--preset",
        "ci",
        "--set",
        "p=11",
        "--set",
        "steps=40",
        "--set",
        "eval_every=20",
        "--set",
        "ma_window=5",
        "--out",
        dir.to_str().expect("utf-8 temp dir"),
    ]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("metrics.json")).expect("metrics.json"),
    )
    .expect("valid JSON");
    assert_eq!(json["experiment"], "grokking");
    let labels: Vec<&str> = json["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .map(|r| r["label"].as_str().expect("label"))
        .collect();
    assert_eq!(labels, ["baseline", "grokfast-ema", "grokfast-ma"]);
    for run in json["runs"].as_array().expect("runs") {
        let summary = &run["summary"];
        for key in ["steps_to_train_acc_95", "steps_to_val_acc_95"] {
            let v = &summary[key];
            assert!(
                v.is_null() || v.is_u64(),
                "{key} should be a step or null: {v}"
            );
        }
        assert!(summary["final_val_acc"].is_number());
        assert!(summary["final_train_acc"].is_number());
        assert_eq!(
            run["series"]["weight_norm"].as_array().map(Vec::len),
            Some(3)
        );
        let label = run["label"].as_str().expect("label");
        let name = overfit_core::experiments::vocabulary::run_name(label);
        assert!(
            stdout.contains(&name),
            "stdout should name {label} as {name} in the summary: {stdout}"
        );
    }
    // The summary is a table in words, not JSON.
    assert!(
        stdout.contains("Steps to 95% validation accuracy"),
        "{stdout}"
    );
    assert!(!stdout.contains("steps_to_val_acc_95"), "{stdout}");
    assert!(!stdout.contains(": {"), "{stdout}");
    let svg = std::fs::read_to_string(dir.join("chart.svg")).expect("chart.svg");
    for panel in ["accuracy", "loss", "weight norm"] {
        assert!(
            svg.contains(&format!("grokking — {panel}")),
            "chart.svg lacks the {panel} panel"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_closed_stdout_ends_the_listing_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_overfit"))
        .arg("list")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary should start");
    // Read nothing: closing our end makes the binary's writes fail (like `overfit list | head -0`).
    drop(child.stdout.take());
    let status = child.wait().expect("the binary should exit");
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(status.code(), Some(101), "a panic exits with 101: {stderr}");
}

#[test]
fn a_closed_stderr_is_not_a_panic() {
    use std::process::Stdio;
    for args in [
        &["run", "nope"][..],
        &[
            "run",
            "toy2d",
            "--set",
            "steps=20",
            "--set",
            "eval_every=10",
            "--out",
            "/dev/null/x",
        ][..],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_overfit"))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary should start");
        drop(child.stderr.take());
        let status = child.wait().expect("the binary should exit");
        assert_eq!(
            status.code(),
            Some(1),
            "{args:?}: an error, reported as one (not a panic)"
        );
    }
}

#[test]
fn an_unusable_out_directory_is_refused_before_the_run() {
    let dir = temp_dir("out-file");
    std::fs::create_dir_all(&dir).expect("scratch");
    let file = dir.join("taken");
    std::fs::write(&file, "x").expect("file");
    let out = overfit(&[
        "run",
        "grokking",
        "--preset",
        "paper",
        "--out",
        file.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains("exists and is not a directory"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A directory where a result goes fails the run before it trains (the paper preset would take
/// hours), and the previous results stay as they were.
#[test]
fn a_directory_named_like_a_result_is_refused_before_the_run_and_replaces_nothing() {
    let dir = temp_dir("out-name-taken");
    std::fs::create_dir_all(dir.join("metrics.csv")).expect("scratch");
    std::fs::write(dir.join("metrics.json"), "previous").expect("file");
    std::fs::write(dir.join("chart.svg"), "previous").expect("file");
    let out = overfit(&[
        "run",
        "grokking",
        "--preset",
        "paper",
        "--out",
        dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains("metrics.csv is in the way"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    for name in ["metrics.json", "chart.svg"] {
        let kept = std::fs::read_to_string(dir.join(name)).expect("still there");
        assert_eq!(kept, "previous", "{name} was replaced");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_over_budget_spec_is_refused_with_its_figures_unless_allowed() {
    let huge = [
        "run",
        "grokking",
        "--set",
        "model=transformer",
        "--set",
        "p=113",
        "--set",
        "d_model=256",
        "--set",
        "layers=4",
        "--set",
        "compare=ma",
        "--set",
        "ma_window=1000",
    ];
    let out = overfit(&huge);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("GB of memory") && err.contains("--allow-large"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    // The dry run prints the price.
    let mut dry = huge.to_vec();
    dry.push("--dry-run");
    let out = overfit(&dry);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let peak = json["cost"]["peak_bytes"].as_f64().expect("a figure");
    assert!(peak > 10e9, "{json}");

    // --allow-large gets past the budget: the next check (an unusable --out) is what stops it.
    let dir = temp_dir("allow-large");
    std::fs::create_dir_all(&dir).expect("scratch");
    let file = dir.join("taken");
    std::fs::write(&file, "x").expect("file");
    let mut allowed = huge.to_vec();
    allowed.extend(["--allow-large", "--out", file.to_str().expect("utf-8")]);
    let err = stderr_of(&overfit(&allowed));
    assert!(err.contains("exists and is not a directory"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("overfit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn runs_of(dir: &std::path::Path) -> serde_json::Value {
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("metrics.json")).expect("metrics.json"),
    )
    .expect("valid JSON");
    json["runs"].clone()
}

#[test]
fn a_link_runs_natively_to_the_same_metrics_bit_for_bit() {
    let sets = [
        "p=11",
        "steps=30",
        "eval_every=10",
        "ma_window=4",
        "lr=0.002",
    ];
    let mut args = vec!["link", "grokking", "--preset", "ci", "--seed", "3"];
    for s in &sets {
        args.extend(["--set", s]);
    }
    let out = overfit(&args);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let link = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        link.starts_with("http://127.0.0.1:8080/?exp=grokking&v=3&preset=ci&"),
        "{link}"
    );
    assert!(
        link.contains("&lr=0.002") && link.contains("&init_seed=3"),
        "{link}"
    );

    let (a, b) = (temp_dir("link-a"), temp_dir("link-b"));
    let mut direct = vec!["run", "grokking", "--preset", "ci", "--seed", "3"];
    for s in &sets {
        direct.extend(["--set", s]);
    }
    direct.extend(["--out", a.to_str().expect("utf-8")]);
    let out = overfit(&direct);
    assert!(out.status.success(), "{}", stderr_of(&out));
    // Any host: only the query matters.
    let elsewhere = link.replace("http://127.0.0.1:8080/", "https://lab.example.edu/course/");
    let out = overfit(&[
        "run",
        "--url",
        &elsewhere,
        "--out",
        b.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        runs_of(&a),
        runs_of(&b),
        "same spec, same seeds, same numbers"
    );
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);

    let out = overfit(&["run", "--url", &link, "--dry-run"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let decoded: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("--dry-run prints JSON");
    assert_eq!(decoded["experiment"], "grokking");
    assert_eq!(decoded["preset"], "ci");
    assert_eq!(decoded["spec"]["lr"], 0.002);
    assert_eq!(decoded["spec"]["order_seed"], 3);
}

#[test]
fn a_link_the_cli_would_have_to_repair_is_refused() {
    let cases: &[(&str, &str)] = &[
        (
            "?exp=toy2d&width=100000",
            "in --url: width=100000 is above the limit 256",
        ),
        (
            "?exp=toy2d&colour=red",
            "in --url: unknown key 'colour' for toy2d",
        ),
        (
            "?exp=toy2d&v=4",
            "in --url: v=4: the link is from a newer Overfit Lab",
        ),
        (
            "https://x.org/?exp=zzz",
            "in --url: unknown experiment 'zzz'",
        ),
        (
            "?exp=toy2d&lr=%FF",
            "in --url: lr=\u{fffd} is not a valid number",
        ),
        ("not a link", "in --url: the link names no experiment"),
    ];
    for (link, want) in cases {
        let out = overfit(&["run", "--url", link, "--dry-run"]);
        assert_eq!(out.status.code(), Some(1), "{link}: {}", stderr_of(&out));
        let stderr = stderr_of(&out);
        assert!(
            stderr.starts_with(&format!("error: {want}")),
            "{link}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    }
    let out = overfit(&["run", "toy2d", "--url", "?exp=toy2d"]);
    assert!(
        !out.status.success(),
        "an experiment and a link together are ambiguous"
    );
}

#[test]
fn a_double_descent_sweep_writes_series_keyed_by_the_swept_size() {
    let dir = temp_dir("double-descent");
    let out = overfit(&[
        "run",
        "double-descent",
        "--preset",
        "ci",
        "--set",
        "n_train=60",
        "--set",
        "points=7",
        "--out",
        dir.to_str().expect("utf-8 temp dir"),
    ]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Where the test error peaks"), "{stdout}");
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("metrics.json")).expect("metrics.json"),
    )
    .expect("valid JSON");
    assert_eq!(json["axis"], "features");
    let runs = json["runs"].as_array().expect("runs");
    let labels: Vec<&str> = runs.iter().filter_map(|r| r["label"].as_str()).collect();
    assert_eq!(labels, ["min-norm", "ridge"]);
    let sizes = runs[0]["series"]["features"].as_array().expect("features");
    // 7 sizes from 6 to 600 and the threshold 60 itself (already on the grid).
    assert_eq!(sizes.len(), 7);
    assert!(sizes.contains(&serde_json::json!(60)));
    for key in ["test_error", "train_error", "norm", "test_zero_one"] {
        assert_eq!(
            runs[0]["series"][key].as_array().map(Vec::len),
            Some(7),
            "{key}"
        );
    }
    let summary = &runs[0]["summary"];
    for key in ["n_train", "peak_x", "peak_test_error", "threshold"] {
        assert!(summary[key].is_number(), "summary lacks {key}: {summary}");
    }
    let csv = std::fs::read_to_string(dir.join("metrics.csv")).expect("metrics.csv");
    assert!(
        csv.starts_with("run,features,metric,value\n"),
        "{}",
        &csv[..40]
    );
    let svg = std::fs::read_to_string(dir.join("chart.svg")).expect("chart.svg");
    assert!(svg.contains("features (log scale)"));
    let _ = std::fs::remove_dir_all(&dir);
}
