use super::*;

#[test]
fn rules_name_the_bad_field() {
    let ci = GrokkingSpec::preset(Preset::Ci);
    let not_prime = GrokkingSpec {
        p: 91,
        ..ci.clone()
    };
    assert!(
        not_prime
            .validate_rules()
            .expect_err("91 = 7 x 13")
            .to_string()
            .contains("p=91 is not prime")
    );
    let heads = {
        let mut spec = ci.clone();
        spec.d_model = 30;
        spec.transformer.heads = 4;
        spec
    };
    assert!(
        heads
            .validate_rules()
            .expect_err("30 % 4")
            .to_string()
            .contains("d_model=30 is not a multiple of heads=4")
    );
    assert!(ci.validate_rules().is_ok());
}

#[test]
fn verdicts_group_steps_by_thousands_and_leave_decimals() {
    assert_eq!(
        verdicts::thousands("at step 12500, within 1000000 steps: 4.7× (0.0001, 0.003). 950."),
        "at step 12,500, within 1,000,000 steps: 4.7× (0.0001, 0.003). 950."
    );
}

#[test]
fn verdicts_say_how_much_of_the_gain_is_the_filter() {
    use crate::report::RunReport;
    use crate::train::Series;
    let run = |label: &str, val95: Option<usize>| {
        let mut series = Series::default();
        series.push(0, &[("val_acc", 0.0)]);
        series.push(3000, &[("val_acc", 0.5)]);
        let mut summary = serde_json::Map::new();
        summary.insert(
            "steps_to_val_acc_95".into(),
            val95.map(Value::from).unwrap_or(Value::Null),
        );
        RunReport::new(label, &series, summary)
    };
    let spec = GrokkingSpec::preset(Preset::Ci);
    let runs = vec![
        run("baseline", Some(5900)),
        run("grokfast-ema", Some(1250)),
        run("wd-only-ema", None),
        run("grokfast-ma", Some(5900)),
        run("wd-only-ma", Some(2950)),
    ];
    let report = Report::new("grokking", &spec, "step", runs);
    let verdicts = filter_verdicts(&report);
    assert_eq!(verdicts.len(), 2, "{verdicts:?}");
    assert!(
        verdicts[0].contains("did not within 3,000 steps"),
        "{}",
        verdicts[0]
    );
    assert!(
        verdicts[0].contains("more than 2.4× sooner"),
        "{}",
        verdicts[0]
    );
    assert!(verdicts[0].contains("that is 4.7×"), "{}", verdicts[0]);
    assert!(
        verdicts[1].contains("the weight decay does it, not the filter"),
        "{}",
        verdicts[1]
    );
    // With a sweep, the best unfiltered run is named, whichever it is.
    let mut swept = report.clone();
    let mut wd3 = run("wd-3e-3", Some(2000));
    wd3.summary
        .insert("weight_decay".into(), Value::from(0.003));
    swept.runs.push(wd3);
    swept.runs.push(run("wd-1e-3", None));
    let verdicts = filter_verdicts(&swept);
    assert!(
        verdicts[0].contains("(0.003) took until step 2,000")
            && verdicts[0].contains("the filter is 1.6× sooner"),
        "{}",
        verdicts[0]
    );
    assert!(
        verdicts[1].contains("a tuned weight decay does as well as the filter"),
        "{}",
        verdicts[1]
    );
    // Without controls the sentence says what the weight decay may contribute.
    let mut all = report.clone();
    all.runs.retain(|r| !r.label.starts_with("wd-only"));
    let verdicts = filter_verdicts(&all);
    assert_eq!(verdicts.len(), 2, "{verdicts:?}");
    assert!(
        verdicts[0].starts_with(
            "Grokfast-EMA reached 95% validation accuracy at step 1,250, the baseline at step \
             5,900: 4.7× sooner. But it also trains with 200× the baseline's weight decay \
             (0.02 against 0.0001)"
        ) && verdicts[0].contains("cannot tell the filter's share from the weight decay's"),
        "{}",
        verdicts[0]
    );
    assert!(verdicts[1].contains("no sooner"), "{}", verdicts[1]);
    // A filter at the baseline's weight decay: the gain is the filter's.
    let mut same = all.clone();
    same.spec
        .insert("ema_weight_decay".into(), Value::from(0.0001));
    assert!(
        filter_verdicts(&same)[0].ends_with("the gain is the filter's."),
        "{:?}",
        filter_verdicts(&same)
    );
}
