//! What an experiment declares, once: the [`Declaration`] its spec type implements. The
//! registry (`registry.rs`) lists every experiment's spec type on one line each; the CLI, the
//! page, links, the cost model and the tests read everything else from here.

#[cfg(feature = "engine")]
use burn::tensor::Device;

use super::{Comparison, Info, Panel};
use crate::cost::Cost;
use crate::data::table::Table;
use crate::device::Target;
use crate::report::Report;
use crate::spec::{Fields, Knob, Preset, SpecError};
use crate::terms::Metric;
#[cfg(feature = "engine")]
use crate::train::Session;

/// One experiment: its words, knobs and presets (the functions without `self`), and what a
/// spec of it means: its rules, charts, price and training (the methods). A serde struct whose
/// fields are exactly its knobs implements it; `registry!` gives it a line in
/// [`super::Experiment`] and [`super::AnySpec`].
pub trait Declaration: Fields + Send + Sync + 'static {
    /// Id, title, story, sources and what the page shows first.
    fn info() -> &'static Info
    where
        Self: Sized;

    /// Every setting, with its limits and words (the spec's fields, one knob each).
    fn knobs() -> &'static [Knob]
    where
        Self: Sized;

    fn preset(preset: Preset) -> Self
    where
        Self: Sized;

    /// The series columns and summary keys only this experiment reports, each a [`Metric`]
    /// constant of its `metric` module (the shared ones, `train_acc` and the like, are in
    /// [`crate::terms::metric`]).
    fn words() -> &'static [Metric]
    where
        Self: Sized,
    {
        &[]
    }

    /// The series column its charts are drawn against, known before any run (the page draws
    /// empty axes with it): `step` for training, the swept size for a sweep. A session's
    /// report names the same (a test holds them equal for every mode).
    fn axis(&self) -> &'static str {
        "step"
    }

    /// How the parts of this experiment's run labels read as words on every screen: a whole
    /// part (`("grokfast-ema", "Grokfast-EMA")`), or a part with a value where the label has
    /// `{}` (`("dropout-{}", "dropout {}")`). Labels stay as they are in metrics.json and
    /// links; see [`crate::experiments::vocabulary::run_name`].
    fn run_words() -> &'static [(&'static str, &'static str)]
    where
        Self: Sized,
    {
        &[]
    }

    /// The paper's numbers to show beside a run, where the experiment has them (for the
    /// setting [`Comparison::set`] names; see [`Declaration::comparison_here`]).
    fn comparison() -> Option<&'static Comparison>
    where
        Self: Sized,
    {
        None
    }

    /// Adds the runs that a report's runs make together (a curve across runs, such as steps
    /// to generalise by training fraction) once every run is in it, after runs trained apart
    /// are merged; replaces what an earlier call added.
    fn add_joint_runs(_report: &mut Report)
    where
        Self: Sized,
    {
    }

    /// Sentences beyond each run's verdict that a finished report supports (how much of a
    /// speed-up its mechanism accounts for, against a control).
    fn notes(_report: &Report) -> Vec<String>
    where
        Self: Sized,
    {
        Vec::new()
    }

    /// Turns today's preset into what it was at link schema `version` (see
    /// `crate::link::preset_as_of`): an experiment whose preset changed says how, so an old
    /// link still decodes to the spec it encoded.
    fn as_of(&mut self, _preset: Preset, _version: u32) {}

    /// The rules that involve several fields (each knob's own limits are checked before).
    fn validate_rules(&self) -> Result<(), SpecError>;

    /// Total steps the run will take (for progress bars): optimizer steps, or a sweep's
    /// units of work.
    fn total_steps(&self) -> usize;

    /// The run's estimated peak memory and work on `target`, from the spec alone.
    fn cost(&self, target: Target) -> Cost;

    /// What training only the independent runs `runs` costs in one session.
    fn cost_of_runs(&self, target: Target, _runs: &[usize]) -> Cost {
        self.cost(target)
    }

    /// The charts of this spec's report.
    fn panels(&self) -> &'static [Panel];

    /// The paper's numbers that apply to this spec (e.g. only a trained sweep has them).
    fn comparison_here(&self) -> Option<&'static Comparison> {
        None
    }

    /// A sentence on what this spec's variant shows, where the experiment has variants.
    fn note(&self) -> Option<&'static str> {
        None
    }

    /// Whether `key` matters for this spec (a mode or a model can make knobs moot; pages
    /// hide those controls).
    fn uses(&self, _key: &str) -> bool {
        true
    }

    /// Whether a run is a sweep of closed-form fits (its progress counts units of work, its
    /// axis a swept quantity) rather than a training run.
    fn is_sweep(&self) -> bool {
        false
    }

    /// Whether runs produce a 2-D decision surface to draw.
    fn draws_surface(&self) -> bool {
        false
    }

    /// How many runs train independently of each other (a worker or a thread each, their
    /// reports merged); `1` when they cannot be separated.
    fn independent_runs(&self) -> usize {
        1
    }

    /// How many threads one independent run's step can keep busy on `target`.
    fn step_threads(&self, _target: Target) -> usize {
        1
    }

    /// Whether the spec trains on the reader's own data (`dataset=local`).
    fn on_own_data(&self) -> bool {
        false
    }

    /// Sets the spec to train on `table`, already checked against [`Info::own_data`]: sizes
    /// the file cannot hold shrink to what it can. `Err` where the experiment takes no file.
    fn fit_to(&mut self, _table: &Table) -> Result<(), SpecError> {
        Err(SpecError::Inconsistent(
            "this experiment cannot take a data file yet".to_string(),
        ))
    }

    /// Starts training the (validated) spec on `device`: only the independent runs `runs`
    /// where given, with up to `threads` threads for one step, on `local` where the spec
    /// trains on the reader's own data.
    #[cfg(feature = "engine")]
    fn start(
        &self,
        device: &Device,
        runs: Option<&[usize]>,
        threads: usize,
        local: Option<&Table>,
    ) -> Result<Box<dyn Session>, SpecError>;
}
