//! When a run trains and when it evaluates: the initial model first, then every `every` steps
//! and after the last step. Shared by every session so that none re-implements the stepping.

use burn::tensor::Transaction;

use super::{Probe, RunError};

/// Step counter and evaluation bookkeeping of one session.
#[derive(Clone, Debug)]
pub struct Schedule {
    total: usize,
    every: usize,
    step: usize,
    started: bool,
    pending: Option<usize>,
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
        }
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
pub trait Stepper {
    fn schedule(&mut self) -> &mut Schedule;
    /// One optimizer step of every model in the session.
    fn train_step(&mut self);
    /// Registers the metrics to read back, in the order `absorb` expects them.
    fn evaluate(&mut self) -> Transaction;
}

fn probe_now<S: Stepper>(session: &mut S) -> Probe {
    let transaction = session.evaluate();
    let schedule = session.schedule();
    schedule.pending = Some(schedule.step);
    Probe {
        step: schedule.step,
        transaction,
    }
}

/// Takes up to `max_steps` steps; returns a probe when an evaluation is due.
pub fn advance<S: Stepper>(session: &mut S, max_steps: usize) -> Result<Option<Probe>, RunError> {
    let schedule = session.schedule();
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
        let schedule = session.schedule();
        schedule.step += 1;
        if schedule.step.is_multiple_of(schedule.every) || schedule.step == schedule.total {
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
        fn schedule(&mut self) -> &mut Schedule {
            &mut self.schedule
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
