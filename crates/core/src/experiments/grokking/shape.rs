//! What a grokking session builds, in counts: the runs it trains, each run's training set and
//! batch, its seeds, and the equations it holds. The session is built from this description
//! and the cost model prices it, so a knob that a mode ignores cannot move the price and one
//! that it uses cannot escape it.

use super::{Compare, GrokkingSpec, RunPlan};

/// One run of a session: its plan, its training set and its batch.
#[derive(Clone, Debug, PartialEq)]
pub struct RunShape {
    pub plan: RunPlan,
    /// Its training equations: the first `n_train` of the session's shuffled equations.
    pub n_train: usize,
    /// Equations per step and seed (the whole training set when it is smaller than a batch).
    pub batch: usize,
}

/// A session's shape: [`GrokkingSpec::shape`] before it is built, `GrokkingSession::shape`
/// after.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionShape {
    /// Every equation of the operation (training and validation), held once.
    pub equations: usize,
    /// Members per run: the seeds trained side by side.
    pub seeds: usize,
    pub runs: Vec<RunShape>,
}

impl SessionShape {
    /// Members of the stacked network: every run's seeds.
    pub fn members(&self) -> usize {
        self.runs.len() * self.seeds
    }
}

impl GrokkingSpec {
    /// The session that trains this spec's runs, or only those at `runs` (indices into
    /// [`GrokkingSpec::runs`]; out-of-range ones are left out).
    pub fn shape(&self, runs: Option<&[usize]>) -> SessionShape {
        let all = self.runs();
        let chosen: Vec<RunPlan> = match runs {
            None => all,
            Some(indices) => indices
                .iter()
                .filter_map(|&i| all.get(i).cloned())
                .collect(),
        };
        // A fraction sweep's runs train on nested prefixes of the shuffled equations; every
        // other spec's runs share the split at `train_fraction`.
        let shared = self.split_size(self.train_fraction);
        let runs = chosen
            .into_iter()
            .map(|plan| {
                let n_train = if self.compare == Compare::Fractions {
                    self.split_size(plan.train_fraction)
                } else {
                    shared
                };
                RunShape {
                    batch: self.batch.clamp(1, n_train.max(1)),
                    n_train,
                    plan,
                }
            })
            .collect();
        SessionShape {
            equations: self.equation_count(),
            seeds: self.seeds.max(1),
            runs,
        }
    }
}
