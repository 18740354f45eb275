//! The `overfit` binary: outputs, the metrics.json contract, and one-line errors on bad input.

use std::process::Command;

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
