//! A lottery-ticket search's report: one run per arm, its accuracy against sparsity (mean and
//! spread over seeds), and verdicts that weigh each arm against the random mask.

use serde_json::Map;

use super::Round;
use crate::experiments::lottery::{Arm, INFO, LotterySpec, metric};
use crate::report::mean_sd;
use crate::report::{Report, RunReport, Verdict, json_number};
use crate::terms::{Unit, format_value};

/// Test accuracy of each arm at each finished round: `[arm][round]` of per-seed values.
fn by_arm(
    spec: &LotterySpec,
    rounds: &[Round],
    pick: impl Fn(&(f64, f64, f64)) -> f64,
) -> Vec<Vec<Vec<f64>>> {
    let arms = Arm::ALL.len();
    (0..arms)
        .map(|a| {
            rounds
                .iter()
                .map(|r| {
                    (0..spec.seeds)
                        .map(|s| pick(&r.models[s * arms + a]))
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// `values` (one per sparsity in `at`) read at `sparsity` by linear interpolation, if the
/// rounds reached it.
pub fn at_sparsity(at: &[f64], values: &[f64], sparsity: f64) -> Option<f64> {
    let i = at.iter().position(|&s| s >= sparsity)?;
    if i == 0 {
        return (at[0] == sparsity).then_some(values[0]);
    }
    let t = (sparsity - at[i - 1]) / (at[i] - at[i - 1]);
    Some(values[i - 1] + t * (values[i] - values[i - 1]))
}

pub(super) fn report(spec: &LotterySpec, rounds: &[Round]) -> Report {
    let sparsity: Vec<f64> = rounds.iter().map(|r| r.sparsity).collect();
    let test = by_arm(spec, rounds, |m| m.0);
    let loss = by_arm(spec, rounds, |m| m.1);
    let train = by_arm(spec, rounds, |m| m.2);
    let means =
        |per: &Vec<Vec<f64>>| -> (Vec<f64>, Vec<f64>) { per.iter().map(|v| mean_sd(v)).unzip() };
    let random = means(&test[Arm::RandomMask as usize]);
    let pct = |x: f64| format_value(x, Unit::Percent);
    let mut runs = Vec::new();
    for arm in Arm::ALL {
        let a = arm as usize;
        let (acc, sd) = means(&test[a]);
        let mut summary = Map::new();
        if let Some(&dense) = acc.first() {
            summary.insert(metric::DENSE_TEST_ACC.key.into(), json_number(dense));
        }
        for (key, at) in [
            (metric::TEST_ACC_AT_50, 0.5),
            (metric::TEST_ACC_AT_92, 0.92),
        ] {
            if let Some(v) = at_sparsity(&sparsity, &acc, at) {
                summary.insert(key.key.into(), json_number(v));
            }
        }
        if let (Some(&last), Some(&s_last), Some(&spread)) =
            (acc.last(), sparsity.last(), sd.last())
        {
            summary.insert(metric::TEST_ACC.at_end(), json_number(last));
            summary.insert(metric::SPARSITY.at_end(), json_number(s_last));
            let other = random.0[random.0.len() - 1];
            let other_sd = random.1[random.1.len() - 1];
            let gap = last - other;
            // Apart when the gap exceeds both arms' spreads over seeds together.
            let noise = spread + other_sd;
            summary.insert(metric::GAIN_OVER_RANDOM.key.into(), json_number(gap));
            let dense = acc[0];
            let (verdict, why) = if arm == Arm::RandomMask {
                (
                    format!("{} at {} sparse", pct(last), pct(s_last)),
                    format!(
                        "A random mask of the same size per layer, reset to the same start, \
                         holds {} of test accuracy with {} of the weights pruned (dense {}).",
                        pct(last),
                        pct(s_last),
                        pct(dense)
                    ),
                )
            } else {
                let word = if gap > noise && gap > 0.0 {
                    "beats the random mask"
                } else if gap < -noise {
                    "below the random mask"
                } else {
                    "no better than the random mask"
                };
                (
                    format!("{word} at {} sparse", pct(s_last)),
                    format!(
                        "{} of test accuracy with {} of the weights pruned (dense {}), against \
                         {} for the random mask: {} points apart, the seeds' spread ±{}.",
                        pct(last),
                        pct(s_last),
                        pct(dense),
                        pct(other),
                        format_value(gap * 100.0, Unit::Number),
                        format_value(noise * 100.0, Unit::Number)
                    ),
                )
            };
            Verdict::write(verdict, why, &mut summary);
        }
        let (train_acc, _) = means(&train[a]);
        let (test_loss, _) = means(&loss[a]);
        runs.push(RunReport::from_columns(
            arm.label(),
            &[
                (metric::SPARSITY.key, sparsity.clone()),
                (metric::TEST_ACC.key, acc),
                (&format!("{}_sd", metric::TEST_ACC.key), sd),
                (metric::TRAIN_ACC.key, train_acc),
                (metric::TEST_LOSS.key, test_loss),
            ],
            summary,
        ));
    }
    Report::new(INFO.id, spec, metric::SPARSITY.key, runs)
}
