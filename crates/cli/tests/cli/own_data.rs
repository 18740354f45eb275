//! Runs on a reader's own CSV file: learned, said to be local, refused without the file or
//! with a bad one.

use super::*;

/// Two interleaved half-moons in centimetres, sorted by label (as files often are).
fn moons_csv() -> String {
    let mut text = String::from("length_cm,width_cm,species\n");
    for species in ["setosa", "virginica"] {
        for i in 0..150 {
            let a = std::f64::consts::PI * f64::from(i) / 149.0;
            let (x, y) = if species == "setosa" {
                (a.cos(), a.sin())
            } else {
                (1.0 - a.cos(), 0.5 - a.sin())
            };
            text.push_str(&format!(
                "{:.3},{:.3},{species}\n",
                3.0 * x + 5.0,
                2.0 * y + 1.0
            ));
        }
    }
    text
}

#[test]
fn a_run_on_your_own_csv_learns_it_says_local_and_refuses_without_the_file() {
    let dir = temp_dir("own-data");
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let csv = dir.join("moons.csv");
    std::fs::write(&csv, moons_csv()).expect("write the file");
    let out_dir = dir.join("out");
    let run = |out: &std::path::Path| {
        overfit(&[
            "run",
            "toy2d",
            "--data",
            csv.to_str().expect("utf-8"),
            "--set",
            "steps=600",
            "--out",
            out.to_str().expect("utf-8"),
        ])
    };
    let out = run(&out_dir);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("metrics.json")).expect("metrics.json"),
    )
    .expect("valid JSON");
    assert_eq!(json["spec"]["dataset"], "local");
    assert_eq!(json["spec"]["points"], 300);
    let summary = &json["runs"][0]["summary"];
    assert_eq!(summary["n_train"], 150, "{summary}");
    // Half-moons are not linearly separable; the MLP learns them from the file's points.
    let test_acc = summary["final_test_acc"].as_f64().expect("test accuracy");
    assert!(
        test_acc > 0.95,
        "test accuracy {test_acc} on the moons file"
    );
    // The file and the spec reproduce the run exactly.
    let again = dir.join("again");
    assert!(run(&again).status.success());
    assert_eq!(runs_of(&out_dir), runs_of(&again));
    // Without the file, a dataset=local spec says what it needs.
    let out = overfit(&[
        "run",
        "toy2d",
        "--set",
        "dataset=local",
        "--out",
        dir.join("x").to_str().expect("utf-8"),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("--data FILE.csv"),
        "{}",
        stderr_of(&out)
    );
    // A bad file is refused line by line; an experiment without own data refuses any file.
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        format!("x,y,label\n1,2,a\n1,oops,b\n{}", "1,2,a\n".repeat(30)),
    )
    .expect("write");
    let out = overfit(&["run", "toy2d", "--data", bad.to_str().expect("utf-8")]);
    assert!(
        stderr_of(&out).contains("line 3, column y: \"oops\" is not a finite number"),
        "{}",
        stderr_of(&out)
    );
    let out = overfit(&["run", "grokking", "--data", csv.to_str().expect("utf-8")]);
    assert!(
        stderr_of(&out).contains("grokking does not train on a data file"),
        "{}",
        stderr_of(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Three species measured four ways (centimetres, sorted by species as files often are):
/// clusters a classifier separates, with a few examples near the others.
fn species_csv() -> String {
    let mut text = String::from("sepal_l,sepal_w,petal_l,petal_w,species\n");
    let centres = [
        ("setosa", [5.0, 3.4, 1.5, 0.2]),
        ("versicolor", [5.9, 2.8, 4.3, 1.3]),
        ("virginica", [6.6, 3.0, 5.6, 2.0]),
    ];
    for (species, centre) in centres {
        for i in 0..100u32 {
            let values: Vec<String> = centre
                .iter()
                .enumerate()
                .map(|(c, v)| {
                    // A deterministic spread of about ±0.3 cm per measurement.
                    let wobble = ((f64::from(i) * (1.7 + c as f64)).sin()) * 0.3;
                    format!("{:.2}", v + wobble)
                })
                .collect();
            text.push_str(&format!("{},{species}\n", values.join(",")));
        }
    }
    text
}

#[test]
fn dropout_and_augmentation_learn_your_own_table() {
    let dir = temp_dir("own-table");
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let csv = dir.join("species.csv");
    std::fs::write(&csv, species_csv()).expect("write the file");
    let run = |experiment: &str, out: &std::path::Path, extra: &[&str]| {
        let mut args = vec![
            "run",
            experiment,
            "--preset",
            "ci",
            "--data",
            csv.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
        ];
        args.extend_from_slice(extra);
        overfit(&args)
    };
    let metrics = |out: &std::path::Path| -> serde_json::Value {
        serde_json::from_str(
            &std::fs::read_to_string(out.join("metrics.json")).expect("metrics.json"),
        )
        .expect("valid JSON")
    };
    // Dropout: the file's 300 rows leave 225 to train on; a larger n_train shrinks to fit.
    let out_dir = dir.join("dropout");
    let out = run(
        "dropout",
        &out_dir,
        &[
            "--set",
            "n_train=1000",
            "--set",
            "steps=300",
            "--set",
            "eval_every=100",
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let json = metrics(&out_dir);
    assert_eq!(json["spec"]["dataset"], "local");
    assert_eq!(json["spec"]["n_train"], 225);
    for run in json["runs"].as_array().expect("runs").iter().take(2) {
        let test_acc = run["summary"]["test_acc"].as_f64().expect("test accuracy");
        // Three classes: chance is a third. The models learn the file's four columns.
        assert!(test_acc > 0.9, "{}: test accuracy {test_acc}", run["label"]);
    }
    // Augmentation: kind=shift has no meaning for columns; the file makes it noise, and the
    // three training sets fit beside the test quarter and a validation share.
    let out_dir = dir.join("augmentation");
    let out = run(
        "augmentation",
        &out_dir,
        &[
            "--set",
            "kind=shift",
            "--set",
            "n_small=200",
            "--set",
            "n_medium=500",
            "--set",
            "n_large=1000",
            "--set",
            "steps=200",
            "--set",
            "eval_every=100",
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let json = metrics(&out_dir);
    assert_eq!(json["spec"]["dataset"], "local");
    assert_eq!(json["spec"]["kind"], "noise");
    let sizes = ["n_small", "n_medium", "n_large"].map(|k| json["spec"][k].as_u64());
    assert_eq!(sizes, [Some(36), Some(90), Some(180)], "scaled to fit 225");
    let runs = json["runs"].as_array().expect("runs");
    let sweep = runs
        .iter()
        .find(|r| r["summary"].get("validation").is_some())
        .expect("the strength sweep");
    assert_eq!(sweep["summary"]["validation"], 45, "{}", sweep["summary"]);
    let test_acc = runs[0]["summary"]["test_acc"]
        .as_f64()
        .expect("test accuracy");
    assert!(test_acc > 0.8, "test accuracy {test_acc} from 36 rows");
    // A run that says dataset=local without the file says what it needs.
    let out = overfit(&[
        "run",
        "dropout",
        "--set",
        "dataset=local",
        "--out",
        dir.join("x").to_str().expect("utf-8"),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("--data FILE.csv"),
        "{}",
        stderr_of(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
