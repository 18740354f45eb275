//! Independent runs trained apart (threads natively, workers in the browser) give exactly the
//! report of training them together.

use overfit_cli::{run_spec, run_spec_jobs};
use overfit_core::device::Backend;
use overfit_core::experiments::Experiment;
use overfit_core::spec::Preset;

#[test]
fn runs_trained_on_threads_equal_runs_trained_together_for_every_ci_preset() {
    let mut compared = 0;
    for experiment in Experiment::ALL {
        let mut spec = experiment.preset(Preset::Ci);
        if spec.independent_runs() == 1 {
            // Nothing to share out: the threaded driver takes the serial path.
            continue;
        }
        // The ci preset's setting, cut short: equality must hold at every evaluation.
        spec.set("steps", "300").expect("steps is a knob");
        spec.set("eval_every", "50").expect("eval_every is a knob");
        let serial = run_spec(&spec, "ci", Backend::Flex, |_, _| {}).expect("serial run");
        for jobs in [2, 3] {
            let parallel =
                run_spec_jobs(&spec, "ci", Backend::Flex, jobs, |_, _| {}).expect("parallel run");
            assert_eq!(
                parallel.report,
                serial.report,
                "{}: {jobs} threads changed the report",
                experiment.id()
            );
        }
        compared += 1;
    }
    assert!(
        compared >= 1,
        "no ci preset has independent runs to compare"
    );
}
