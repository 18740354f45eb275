//! Starting a `benign-overfitting` run, and the `linear` mode as a session (engine only).

use crate::experiments::benign::metric;
use burn::tensor::{Device, TensorData, Transaction};
use serde_json::{Map, Value};

use super::spectrum::{self, Case, isotropic_test_mse};
use super::{BenignSpec, INFO, LinearSweep, Mode, PlaneRun, XorRun, verdict};
use crate::report::{Report, RunReport, json_number};
use crate::train::{Probe, RunError, Session};

/// Starts a run of `spec` on `device` (the linear mode computes on the host in f64).
pub fn start(spec: &BenignSpec, device: &Device) -> Box<dyn Session> {
    match spec.mode {
        Mode::Xor => Box::new(XorRun::new(spec.clone(), &device.clone().autodiff())),
        Mode::Plane => Box::new(PlaneRun::new(spec.clone(), device)),
        Mode::Linear => Box::new(LinearSession::new(spec.clone())),
    }
}

/// The `linear` mode's sweep of `spec`.
fn linear_sweep(spec: &BenignSpec) -> LinearSweep {
    LinearSweep::new(
        spec.cases(),
        spec.linear.n_train,
        spec.linear.strong,
        spec.linear.noise,
        spec.linear.trials,
        spec.data_seed,
    )
}

/// The `linear` mode in progress: both cases, trial by trial; each finished trial is a probe.
pub struct LinearSession {
    spec: BenignSpec,
    sweep: LinearSweep,
    pending: bool,
}

impl LinearSession {
    fn new(spec: BenignSpec) -> Self {
        Self {
            sweep: linear_sweep(&spec),
            spec,
            pending: false,
        }
    }

    fn run_report(&self, index: usize) -> RunReport {
        let case = &self.sweep.cases()[index];
        let spectrum = case.spectrum;
        let n = self.spec.linear.n_train;
        let trials = self.sweep.trials_done(index);
        let mut series = Map::new();
        let mut summary = Map::new();
        summary.insert(metric::N_TRAIN.key.into(), Value::from(n));
        summary.insert(metric::DIM.key.into(), Value::from(spectrum.dim()));
        summary.insert(metric::TRIALS.key.into(), Value::from(trials));
        // The effective ranks: known before any fit.
        let r0 = spectrum.r(0);
        let k_star = spectrum.k_star(n);
        summary.insert(metric::R0.key.into(), json_number(r0));
        summary.insert(metric::R0_OVER_N.key.into(), json_number(r0 / n as f64));
        summary.insert(
            metric::K_STAR.key.into(),
            k_star.map_or(Value::Null, Value::from),
        );
        let big_r = k_star.map(|k| spectrum.big_r(k));
        summary.insert(
            metric::R_K.key.into(),
            big_r.map_or(Value::Null, json_number),
        );
        summary.insert(
            metric::N_OVER_R_K.key.into(),
            big_r.map_or(Value::Null, |r| json_number(n as f64 / r)),
        );
        let sigma = self.spec.linear.noise;
        summary.insert(metric::NOISE.key.into(), json_number(sigma));
        summary.insert(metric::NOISE_VAR.key.into(), json_number(sigma * sigma));
        if case.label == "isotropic" {
            summary.insert(
                metric::THEORY_TEST_MSE.key.into(),
                isotropic_test_mse(n, spectrum.dim(), sigma, 1.0).map_or(Value::Null, json_number),
            );
        }
        if trials > 0 {
            let curves = self.sweep.curves(index);
            // Each point's noise level and its (mean, low, high) test error → one value.
            type Pick<'a> = &'a dyn Fn(f64, &(f64, f64, f64)) -> f64;
            let column = |f: Pick| {
                Value::from(
                    self.sweep
                        .sigmas
                        .iter()
                        .zip(&curves)
                        .map(|(s, c)| json_number(f(*s, c)))
                        .collect::<Vec<_>>(),
                )
            };
            series.insert(metric::NOISE.key.into(), column(&|s, _| s));
            series.insert(metric::NOISE_VAR.key.into(), column(&|s, _| s * s));
            series.insert(metric::TEST_MSE.key.into(), column(&|_, c| c.0));
            series.insert(metric::TRAIN_MSE.key.into(), column(&|_, c| c.1));
            series.insert(metric::NORM.key.into(), column(&|_, c| c.2));
            series.insert(
                metric::TEST_OVER_NOISE.key.into(),
                column(&|s, c| c.0 / (s * s)),
            );
            let (test, train, norm) = curves[spectrum::REFERENCE];
            let ratio = test / (sigma * sigma);
            summary.insert(metric::TRAIN_MSE.key.into(), json_number(train));
            summary.insert(metric::TEST_MSE.key.into(), json_number(test));
            summary.insert(metric::TEST_OVER_NOISE.key.into(), json_number(ratio));
            summary.insert(metric::NORM.key.into(), json_number(norm));
            summary.insert(
                metric::JITTER.key.into(),
                json_number(self.sweep.jitters[index]),
            );
            crate::report::Verdict::write(verdict(ratio), why(case, n, ratio, train), &mut summary);
        } else {
            series.insert(metric::NOISE.key.into(), Value::from(Vec::<f64>::new()));
        }
        RunReport {
            label: case.label.into(),
            series,
            summary,
        }
    }
}

/// One or two sentences on why a case came out as it did, from its effective ranks.
fn why(case: &Case, n: usize, ratio: f64, train: f64) -> String {
    let s = case.spectrum;
    let r0n = s.r(0) / n as f64;
    let fits = if train < 1e-6 {
        format!("It fits all {n} noisy samples exactly (train MSE {train:.0e})")
    } else {
        format!("It nearly fits its {n} noisy samples (train MSE {train:.2e})")
    };
    let ranks = match s.k_star(n) {
        Some(k) => {
            let nr = n as f64 / s.big_r(k);
            format!(
                "r₀/n = {r0n:.2}, k*/n = {:.3}, n/R_k* = {nr:.3}",
                k as f64 / n as f64
            )
        }
        None => format!("r₀/n = {r0n:.2}, and no k has r_k ≥ n"),
    };
    let reason = match verdict(ratio) {
        "benign" => format!(
            "The {} weak directions act like a ridge that spreads the noise thinly: {ranks} are \
             all small, Bartlett et al.'s conditions for benign overfitting.",
            s.tail
        ),
        "tempered" => format!(
            "The noise is spread over only a few times n directions ({ranks}): the fit's \
             variance stays of the order of the noise itself."
        ),
        _ => format!(
            "With p = {} directions for n = {n} samples the noise has too little room ({ranks}; \
             n/R_k* is not small), so fitting it takes huge, wild coefficients.",
            s.dim()
        ),
    };
    format!(
        "{fits}, and its test MSE is {ratio:.2}× the noise variance: {}. {reason}",
        verdict(ratio)
    )
}

impl Session for LinearSession {
    fn total_steps(&self) -> usize {
        self.sweep.units()
    }

    fn steps_done(&self) -> usize {
        self.sweep.units_done()
    }

    fn is_finished(&self) -> bool {
        self.sweep.units_done() >= self.sweep.units() && !self.pending
    }

    fn advance(&mut self, max_steps: usize) -> Result<Option<Probe>, RunError> {
        if self.pending {
            return Err(RunError::Readback(
                "the last trial's probe was not absorbed".into(),
            ));
        }
        for _ in 0..max_steps {
            if self.sweep.step().is_some() {
                self.pending = true;
                // Computed on the host: nothing to read back.
                return Ok(Some(Probe {
                    step: self.sweep.units_done(),
                    transaction: Transaction::default(),
                }));
            }
        }
        Ok(None)
    }

    fn absorb(&mut self, _data: Vec<TensorData>) -> Result<(), RunError> {
        if !std::mem::take(&mut self.pending) {
            return Err(RunError::Readback("no probe is pending".into()));
        }
        Ok(())
    }

    fn report(&self) -> Report {
        Report::new(
            INFO.id,
            &self.spec,
            metric::NOISE.key,
            (0..self.sweep.cases().len())
                .map(|i| self.run_report(i))
                .collect(),
        )
    }
}
