//! The `plane` mode: the `toy2d` experiment's MLP, made wide and trained full-batch until it
//! fits every flipped training label, its decision surface drawn live. Each flipped point ends
//! up inside a small island of its own class; the boundary elsewhere stays where the clean
//! labels put it.

use crate::experiments::benign::metric;
use burn::tensor::{Device, TensorData};
use serde_json::Value;

use super::{BenignSpec, INFO};
use crate::experiments::toy2d::{Toy2dSession, generated};
use crate::report::Report;
use crate::train::{Probe, RunError, Session, Surface};

/// A `plane` run: a `toy2d` session reported as this experiment's.
pub struct PlaneRun {
    spec: BenignSpec,
    inner: Toy2dSession,
}

impl PlaneRun {
    pub fn new(spec: BenignSpec, device: &Device) -> Self {
        let toy = spec.plane_spec();
        Self {
            inner: Toy2dSession::on(toy.clone(), generated(&toy, spec.plane.shape), device),
            spec,
        }
    }
}

impl Session for PlaneRun {
    fn total_steps(&self) -> usize {
        self.inner.total_steps()
    }

    fn steps_done(&self) -> usize {
        self.inner.steps_done()
    }

    fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }

    fn advance(&mut self, max_steps: usize) -> Result<Option<Probe>, RunError> {
        self.inner.advance(max_steps)
    }

    fn absorb(&mut self, data: Vec<TensorData>) -> Result<(), RunError> {
        self.inner.absorb(data)
    }

    fn report(&self) -> Report {
        let toy = Session::report(&self.inner);
        let mut runs = toy.runs;
        for run in &mut runs {
            run.label = "wide-mlp".into();
            // This experiment's names for the final accuracies (test labels are clean here).
            for (key, from) in [
                (metric::TRAIN_ACC, metric::TRAIN_ACC),
                (metric::TRAIN_ACC_FLIPPED, metric::TRAIN_ACC_FLIPPED),
                (metric::TEST_ACC_CLEAN, metric::TEST_ACC),
            ] {
                let key = key.key;
                let value = run
                    .summary
                    .get(&from.at_end())
                    .cloned()
                    .unwrap_or(Value::Null);
                run.summary.insert(key.into(), value);
            }
        }
        Report::new(INFO.id, &self.spec, &toy.axis, runs)
    }

    fn surface(&self) -> Option<Surface> {
        self.inner.surface()
    }

    fn points(&self) -> Vec<(f32, f32, u8, bool)> {
        self.inner.points()
    }
}
