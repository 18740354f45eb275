//! When a run trains and when it evaluates: the initial model first, then every `every` steps
//! and after the last step. Shared by every session so that none re-implements the stepping.

use burn::tensor::{TensorData, Transaction};

use super::{Gallery, Probe, RunError, Surface};
use crate::report::Report;

/// Step counter and evaluation bookkeeping of one session.
#[derive(Clone, Debug)]
pub struct Schedule {
    total: usize,
    every: usize,
    step: usize,
    started: bool,
    pending: Option<usize>,
    /// Evaluate densely early on (see [`Schedule::log_spaced`]).
    log: bool,
}

impl Schedule {
    /// `every` is clamped to at least 1.
    pub fn new(total: usize, every: usize) -> Self {
        Self {
            total,
            every: every.max(1),
            step: 0,
            started: false,
            pending: None,
            log: false,
        }
    }

    /// Evaluations spread evenly on a log-step axis: every step up to 10, then every 2nd up to
    /// 100, every 20th up to 1,000, and so on (about 45 per decade), but never further apart
    /// than `every` steps. For runs whose interesting moments are their first few steps.
    pub fn log_spaced(total: usize, every: usize) -> Self {
        Self {
            log: true,
            ..Self::new(total, every)
        }
    }

    /// Whether the model after `step` steps is evaluated.
    fn evaluates_at(&self, step: usize) -> bool {
        if step == self.total {
            return true;
        }
        let stride = if self.log {
            let decade = 10usize.pow(step.max(1).ilog10());
            (decade / 5).clamp(1, self.every)
        } else {
            self.every
        };
        step.is_multiple_of(stride)
    }

    pub fn total(&self) -> usize {
        self.total
    }

    /// Optimizer steps taken so far.
    pub fn step(&self) -> usize {
        self.step
    }

    /// Every step taken and every evaluation absorbed.
    pub fn is_finished(&self) -> bool {
        self.started && self.step >= self.total && self.pending.is_none()
    }

    /// The step of the evaluation being absorbed; an error if none was asked for.
    pub fn take_pending(&mut self) -> Result<usize, RunError> {
        self.pending
            .take()
            .ok_or_else(|| RunError::Readback("no probe is pending".into()))
    }
}

/// A session that trains one step at a time and evaluates into a transaction.
/// What an experiment implements; every `Stepper` is a [`Session`](super::Session) (the
/// stepping, probing and bookkeeping live here once).
pub trait Stepper {
    fn schedule(&self) -> &Schedule;
    fn schedule_mut(&mut self) -> &mut Schedule;
    /// One optimizer step of every model in the session.
    fn train_step(&mut self);
    /// Registers the metrics to read back, in the order `record` expects them.
    fn evaluate(&mut self) -> Transaction;
    /// Stores the read-back data of the evaluation at `step`.
    fn record(&mut self, step: usize, data: Vec<TensorData>) -> Result<(), RunError>;
    /// Everything recorded so far, in the metrics.json shape.
    fn report(&self) -> Report;
    /// The latest decision surface, for experiments on 2-D inputs.
    fn surface(&self) -> Option<Surface> {
        None
    }
    /// Training points to draw over the surface: `(x, y, label, flipped)`.
    fn points(&self) -> Vec<(f32, f32, u8, bool)> {
        Vec::new()
    }
    /// Image galleries to show beside the charts.
    fn galleries(&self) -> Vec<Gallery> {
        Vec::new()
    }
}

fn probe_now<S: Stepper>(session: &mut S) -> Probe {
    let transaction = session.evaluate();
    let schedule = session.schedule_mut();
    schedule.pending = Some(schedule.step);
    Probe {
        step: schedule.step,
        transaction,
    }
}

/// Takes up to `max_steps` steps; returns a probe when an evaluation is due.
pub fn advance<S: Stepper>(session: &mut S, max_steps: usize) -> Result<Option<Probe>, RunError> {
    let schedule = session.schedule_mut();
    if schedule.pending.is_some() {
        return Err(RunError::Readback(
            "the previous probe was not absorbed".into(),
        ));
    }
    if !schedule.started {
        schedule.started = true;
        return Ok(Some(probe_now(session)));
    }
    for _ in 0..max_steps {
        if session.schedule().step >= session.schedule().total {
            break;
        }
        session.train_step();
        let schedule = session.schedule_mut();
        schedule.step += 1;
        if schedule.evaluates_at(schedule.step) {
            return Ok(Some(probe_now(session)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counter {
        schedule: Schedule,
        trained: usize,
    }

    impl Stepper for Counter {
        fn schedule(&self) -> &Schedule {
            &self.schedule
        }
        fn schedule_mut(&mut self) -> &mut Schedule {
            &mut self.schedule
        }
        fn record(&mut self, _: usize, _: Vec<TensorData>) -> Result<(), RunError> {
            Ok(())
        }
        fn report(&self) -> Report {
            Report {
                schema: crate::report::SCHEMA,
                experiment: String::new(),
                preset: String::new(),
                spec: Default::default(),
                backend: String::new(),
                axis: "step".into(),
                runs: Vec::new(),
            }
        }
        fn train_step(&mut self) {
            self.trained += 1;
        }
        fn evaluate(&mut self) -> Transaction {
            Transaction::default()
        }
    }

    #[test]
    fn evaluates_at_start_every_n_and_at_the_end() {
        let mut c = Counter {
            schedule: Schedule::new(25, 10),
            trained: 0,
        };
        let mut evals = Vec::new();
        while !c.schedule.is_finished() {
            if let Some(p) = advance(&mut c, 4).expect("no pending probe") {
                evals.push(p.step);
                assert_eq!(c.schedule.take_pending(), Ok(p.step));
            }
        }
        assert_eq!(evals, [0, 10, 20, 25]);
        assert_eq!(c.trained, 25);
    }

    #[test]
    fn log_spaced_evaluations_are_dense_early_and_capped_later() {
        let mut c = Counter {
            schedule: Schedule::log_spaced(1500, 100),
            trained: 0,
        };
        let mut evals = Vec::new();
        while !c.schedule.is_finished() {
            if let Some(p) = advance(&mut c, 7).expect("no pending probe") {
                evals.push(p.step);
                c.schedule.take_pending().expect("pending");
            }
        }
        assert_eq!(&evals[..12], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12]);
        assert!(evals.contains(&98) && evals.contains(&120) && !evals.contains(&110));
        // Past 1,000 the stride would be 200: `every` caps it at 100.
        assert!(evals.contains(&1100) && !evals.contains(&1050));
        assert_eq!(evals.last(), Some(&1500));
        assert_eq!(c.trained, 1500);
    }

    #[test]
    fn refuses_to_advance_past_an_unabsorbed_probe() {
        let mut c = Counter {
            schedule: Schedule::new(5, 1),
            trained: 0,
        };
        assert!(advance(&mut c, 1).expect("first").is_some());
        assert!(advance(&mut c, 1).is_err());
        assert!(c.schedule.take_pending().is_ok());
        assert!(c.schedule.take_pending().is_err());
    }
}
