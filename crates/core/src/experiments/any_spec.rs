//! What every spec can do, whatever its experiment: set a knob from text, apply a link's
//! pairs, validate, and answer through its [`Declaration`](super::Declaration).

use serde_json::{Map, Value};

use super::AnySpec;
use crate::cost::{Budget, Cost, TabPlan};
use crate::device::Target;
use crate::spec::{SpecError, known_keys};

impl AnySpec {
    /// The spec as a flat JSON object (the same keys as the knobs).
    pub fn to_json(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            // Specs are flat structs of numbers, strings and booleans.
            _ => Map::new(),
        }
    }

    /// Sets one knob from its text form (`--set key=value`, a link's query pair), checking the
    /// key, the type and the limits.
    pub fn set(&mut self, key: &str, raw: &str) -> Result<(), SpecError> {
        let experiment = self.experiment();
        let knob = experiment.knob(key).ok_or_else(|| SpecError::UnknownKey {
            experiment: experiment.id(),
            key: key.to_string(),
            known: known_keys(experiment.knobs().iter().map(|k| k.key)),
        })?;
        let value = knob.parse(raw)?;
        match self.declared_mut().set_field(key, &value) {
            Some(Ok(())) => Ok(()),
            Some(Err(e)) => Err(SpecError::BadValue {
                key: key.to_string(),
                value: raw.to_string(),
                expected: e,
            }),
            // The knob tables and the spec types are checked against each other by a test.
            None => Err(SpecError::Inconsistent(format!(
                "{key}: a knob of {} without a setting",
                experiment.id()
            ))),
        }
    }

    /// Applies `key=value` assignments in order.
    pub fn set_all<'a>(
        &mut self,
        pairs: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), SpecError> {
        for pair in pairs {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| SpecError::NotAnAssignment(pair.to_string()))?;
            self.set(key.trim(), value.trim())?;
        }
        Ok(())
    }

    /// Applies `(key, value)` pairs from a link, keeping every pair that leaves a valid spec and
    /// returning one error per pair it had to ignore. Pairs are retried until no more can be
    /// applied, so their order does not matter (`steps=30&eval_every=10` works from a preset
    /// whose `eval_every` is 50).
    pub fn apply_leniently<'a>(
        &mut self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<SpecError> {
        let pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
        // All together first: pairs that are only valid together (heads=5&d_model=10 from a
        // preset with 4 heads and d_model 128) land as they would in a strict decode.
        let mut whole = self.clone();
        if pairs
            .iter()
            .all(|(key, value)| whole.set(key, value).is_ok())
            && whole.validate().is_ok()
        {
            *self = whole;
            return Vec::new();
        }
        let mut errors = Vec::new();
        let mut pending = Vec::new();
        for (key, value) in pairs {
            // Type and limit errors do not depend on the other pairs: report them at once.
            match self.clone().set(key, value) {
                Ok(()) => pending.push((key, value)),
                Err(e) => errors.push(e),
            }
        }
        loop {
            let mut rest = Vec::new();
            for (key, value) in pending.iter().copied() {
                let mut candidate = self.clone();
                match candidate
                    .set(key, value)
                    .and_then(|()| candidate.validate())
                {
                    Ok(()) => *self = candidate,
                    Err(_) => rest.push((key, value)),
                }
            }
            if rest.is_empty() || rest.len() == pending.len() {
                for (key, value) in rest {
                    let mut candidate = self.clone();
                    if let Err(e) = candidate
                        .set(key, value)
                        .and_then(|()| candidate.validate())
                    {
                        errors.push(e);
                    }
                }
                return errors;
            }
            pending = rest;
        }
    }

    /// Checks every knob against its limits, then the experiment's cross-field rules.
    pub fn validate(&self) -> Result<(), SpecError> {
        let spec = self.declared();
        for knob in self.experiment().knobs() {
            if let Some(value) = spec.field(knob.key) {
                knob.check(&value)?;
            }
        }
        self.declared().validate_rules()
    }

    /// A sentence on what this spec's variant of the experiment shows, where it has variants.
    pub fn note(&self) -> Option<&'static str> {
        self.declared().note()
    }

    /// Whether `key` matters for this spec (a sweep's mode or a model choice can make knobs
    /// moot; pages hide those controls).
    pub fn uses(&self, key: &str) -> bool {
        self.declared().uses(key)
    }

    /// Whether a run of this spec is a sweep of closed-form fits (its progress counts units
    /// of work, its axis a swept quantity) rather than a training run.
    pub fn is_sweep(&self) -> bool {
        self.declared().is_sweep()
    }

    /// Whether runs of this spec produce a 2-D decision surface to draw.
    pub fn draws_surface(&self) -> bool {
        self.declared().draws_surface()
    }

    /// How many of this spec's runs train independently of each other: they can train apart
    /// (a worker or a thread each, see [`crate::spec::share_runs`]) and their reports, merged
    /// with [`crate::report::Report::merge`], equal the report of training them together. `1`
    /// when the runs cannot be separated: one model, a sweep, or seeds stacked into one model.
    pub fn independent_runs(&self) -> usize {
        self.declared().independent_runs()
    }

    /// How many threads one independent run's step can keep busy on `target`; more would
    /// idle. The numbers never depend on it.
    pub fn step_threads(&self, target: Target) -> usize {
        self.declared().step_threads(target)
    }

    /// Total steps the run will take (for progress bars): optimizer steps, or a sweep's
    /// units of work.
    pub fn total_steps(&self) -> usize {
        self.declared().total_steps()
    }

    /// The run's estimated peak memory and work on `target`; computed from the spec alone.
    pub fn cost(&self, target: Target) -> Cost {
        self.declared().cost(target)
    }

    /// What training only the independent runs at `runs` (all when `None`; see
    /// [`AnySpec::independent_runs`]) costs in one session.
    pub fn cost_of_runs(&self, target: Target, runs: Option<&[usize]>) -> Cost {
        match runs {
            Some(runs) => self.declared().cost_of_runs(target, runs),
            None => self.cost(target),
        }
    }

    /// How a tab on `target` trains this spec with up to `wanted` workers within `budget`
    /// (see [`crate::cost::tab_plan`]).
    pub fn tab_plan(&self, target: Target, wanted: usize, budget: &Budget) -> TabPlan {
        crate::cost::tab_plan(
            self.independent_runs(),
            |share| self.cost_of_runs(target, Some(share)),
            target,
            wanted,
            budget,
        )
    }

    /// What a measurement of this spec's speed is kept under, given the plans it was measured
    /// with (see `ToWorker::Measure`): the experiment, the work per step of each plan's first
    /// worker (two significant figures) and the CPU's workers. A change that leaves a step's
    /// work as it was (a seed, a learning rate, the number of steps) keeps the key; one that
    /// changes it (a width, the runs per worker) does not.
    pub fn speed_key(&self, gpu: &TabPlan, cpu: &TabPlan) -> String {
        let per_step = |plan: &TabPlan| {
            let runs = plan.shares.first().map(Vec::as_slice);
            let work =
                self.cost_of_runs(Target::Cpu, runs).flops / self.total_steps().max(1) as f64;
            format!("{work:.1e}")
        };
        format!(
            "{}|{}|{}|{}",
            self.experiment().id(),
            per_step(gpu),
            per_step(cpu),
            cpu.shares.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::Experiment;
    use crate::spec::{Preset, clip};

    #[test]
    fn a_speed_is_kept_for_the_same_work_per_step() {
        let key = |spec: &AnySpec, workers: usize| {
            let budget = Budget::page(Target::Cpu);
            let gpu = spec.tab_plan(Target::Gpu, 1, &Budget::page(Target::Gpu));
            spec.speed_key(&gpu, &spec.tab_plan(Target::Cpu, workers, &budget))
        };
        let toy = Experiment::Toy2d.preset(Preset::Quick);
        let mut other = toy.clone();
        other.set("init_seed", "7").expect("seed");
        other.set("lr", "0.01").expect("lr");
        other.set("steps", "500").expect("steps");
        assert_eq!(key(&toy, 1), key(&other, 1));
        other.set("width", "64").expect("width");
        assert_ne!(key(&toy, 1), key(&other, 1));
        // Grokking's three runs: one CPU worker each is another measurement than one for all.
        let grokking = Experiment::Grokking.preset(Preset::Quick);
        assert_ne!(key(&grokking, 1), key(&grokking, 3));
        assert!(key(&grokking, 3).starts_with("grokking|"));
    }

    /// A spec's fields, its JSON (`metrics.json`, links) and its knob table name the same
    /// keys, whatever the mode; every knob reads and writes its own field and no other.
    #[test]
    fn fields_json_and_knobs_name_the_same_keys() {
        for e in Experiment::ALL {
            for preset in Preset::ALL {
                let spec = e.preset(preset);
                let json = spec.to_json();
                let mut keys = spec.declared().keys();
                keys.sort_unstable();
                let mut json_keys: Vec<&str> = json.keys().map(String::as_str).collect();
                json_keys.sort_unstable();
                assert_eq!(keys, json_keys, "{}", e.id());
                let mut knobs: Vec<&str> = e.knobs().iter().map(|k| k.key).collect();
                knobs.sort_unstable();
                assert_eq!(keys, knobs, "{}", e.id());
                for (key, value) in &json {
                    assert_eq!(spec.declared().field(key).as_ref(), Some(value), "{key}");
                    // Written back, the same value leaves the same spec; written as another
                    // type, it is refused and the spec kept.
                    let mut again = spec.clone();
                    assert_eq!(again.declared_mut().set_field(key, value), Some(Ok(())));
                    assert_eq!(again, spec, "{key}");
                    let wrong = serde_json::json!({"not": "a setting"});
                    assert!(matches!(
                        again.declared_mut().set_field(key, &wrong),
                        Some(Err(_))
                    ));
                    assert_eq!(again, spec, "{key}");
                }
                assert_eq!(spec.declared().field("colour"), None);
                // The JSON reads back to the same spec.
                assert_eq!(e.spec_from_json(json).ok(), Some(spec), "{}", e.id());
            }
        }
    }

    #[test]
    fn setting_a_knob_changes_that_setting_only() {
        let mut spec = Experiment::DoubleDescent.preset(Preset::Ci);
        let before = spec.to_json();
        spec.set("gd_lr", "0.05").expect("a two-scale knob");
        spec.set("mode", "width").expect("a mode");
        let after = spec.to_json();
        let changed: Vec<&String> = after.keys().filter(|k| after[*k] != before[*k]).collect();
        assert_eq!(changed, ["gd_lr", "mode"]);
        assert!(spec.uses("width_max") && !spec.uses("gd_lr") && !spec.uses("n_train"));
        // Back in its own mode, a knob set while another mode was shown is still there.
        spec.set("mode", "two-scale").expect("a mode");
        assert!(spec.uses("gd_lr"));
        assert_eq!(spec.to_json()["gd_lr"], 0.05);
    }

    #[test]
    fn grokking_runs_train_apart_and_toy2d_is_one_model() {
        let grokking = Experiment::Grokking.preset(Preset::Quick);
        assert_eq!(grokking.independent_runs(), 3);
        assert_eq!(toy().independent_runs(), 1);
    }

    fn toy() -> AnySpec {
        Experiment::Toy2d.preset(Preset::Quick)
    }

    #[test]
    fn set_changes_one_field_and_keeps_the_rest() {
        let mut spec = toy();
        spec.set("width", "64").expect("in range");
        spec.set("dataset", "xor").expect("a choice");
        spec.set("lr", "0.003").expect("in range");
        let json = spec.to_json();
        assert_eq!(json["width"], 64);
        assert_eq!(json["dataset"], "xor");
        assert_eq!(json["lr"], 0.003);
        assert_eq!(json["depth"], toy().to_json()["depth"]);
    }

    #[test]
    fn bad_values_are_named_in_the_error() {
        let mut spec = toy();
        let cases = [
            ("width", "100000", "width=100000 is above the limit 256"),
            ("width", "0", "width=0 is below the limit 1"),
            ("width", "2.5", "width=2.5 is not a valid integer"),
            ("lr", "NaN", "lr=NaN is not a valid finite number"),
            (
                "dataset",
                "moons",
                "dataset=moons is not one of: circle, xor, gauss, spiral, local",
            ),
            (
                "data_seed",
                "-1",
                "data_seed=-1 is not a valid seed (0..2^64)",
            ),
        ];
        for (key, value, message) in cases {
            let err = spec.set(key, value).expect_err(value);
            assert_eq!(err.to_string(), message);
        }
        let err = spec.set("colour", "red").expect_err("unknown");
        assert!(
            err.to_string()
                .starts_with("unknown key 'colour' for toy2d (known keys: dataset,")
        );
        // An experiment with many knobs names the first and counts the rest: one short line.
        let mut grokking = AnySpec::Grokking(Default::default());
        let err = grokking
            .set("colour", "red")
            .expect_err("unknown")
            .to_string();
        assert!(
            err.len() < 300 && err.contains("more: `overfit list` shows them all"),
            "{err}"
        );
        assert_eq!(spec, toy(), "failed sets leave the spec unchanged");
    }

    #[test]
    fn text_from_input_is_clipped_to_one_short_line_in_messages() {
        let long = "9".repeat(100_000);
        let err = toy().set("width", &long).expect_err("too long");
        assert!(err.to_string().len() < 120, "{err}");
        assert!(err.to_string().contains('…'));
        let err = toy().set("lr", "1\n2").expect_err("not a number");
        assert_eq!(err.to_string(), "lr=1\u{FFFD}2 is not a valid number");
        assert_eq!(clip("short"), "short");
    }

    #[test]
    fn set_all_reports_missing_equals() {
        let err = toy().set_all(["width"]).expect_err("no value");
        assert_eq!(err, SpecError::NotAnAssignment("width".into()));
    }

    #[test]
    fn cross_field_rules_are_checked() {
        let mut spec = toy();
        spec.set_all(["steps=10", "eval_every=20"])
            .expect("each value is in range");
        let err = spec.validate().expect_err("eval_every > steps");
        assert!(
            err.to_string()
                .contains("eval_every=20 is more than steps=10")
        );
    }

    #[test]
    fn lenient_application_is_order_independent_and_names_what_it_ignored() {
        let mut spec = toy();
        // eval_every=10 must land before steps=20 can (the preset evaluates every 25).
        let errors = spec.apply_leniently([("steps", "20"), ("eval_every", "10")]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(spec.to_json()["steps"], 20);
        assert_eq!(spec.to_json()["eval_every"], 10);

        let mut spec = toy();
        let errors = spec.apply_leniently([
            ("width", "100000"),
            ("eval_every", "100"),
            ("steps", "50"),
            ("depth", "3"),
        ]);
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert_eq!(shown[0], "width=100000 is above the limit 256");
        assert!(shown[1].contains("is more than steps"), "{shown:?}");
        assert_eq!(spec.to_json()["depth"], 3, "valid pairs are kept");
        spec.validate().expect("what was kept is valid");
    }

    #[test]
    fn pairs_valid_only_together_are_applied_together() {
        let mut spec = Experiment::Grokking.preset(Preset::Paper);
        // Each alone breaks d_model % heads == 0 (the preset has 128 and 4).
        let errors = spec.apply_leniently([("heads", "5"), ("d_model", "10")]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(spec.to_json()["heads"], 5);
        assert_eq!(spec.to_json()["d_model"], 10);
    }

    #[test]
    fn only_plane_experiments_draw_a_surface() {
        for e in Experiment::ALL {
            let spec = e.preset(Preset::Quick);
            let expected = matches!(e, Experiment::Toy2d);
            assert_eq!(spec.draws_surface(), expected, "{}", e.id());
        }
    }
}
