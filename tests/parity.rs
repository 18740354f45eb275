//! The same spec gives the same numbers on wgpu (lavapipe in CI) and on Flex.

#[cfg(feature = "wgpu")]
#[test]
fn wgpu_matches_flex_over_a_few_training_steps() {
    use overfit_cli::run_spec;
    use overfit_core::device::Backend;
    use overfit_core::experiments::Experiment;
    use overfit_core::spec::Preset;

    let mut spec = Experiment::Toy2d.preset(Preset::Ci);
    spec.set_all(["steps=3", "eval_every=1", "points=200", "width=16"])
        .expect("valid settings");
    let flex = run_spec(&spec, "ci", Backend::Flex, |_, _| {}).expect("flex run");
    let gpu = run_spec(&spec, "ci", Backend::Wgpu, |_, _| {}).expect(
        "wgpu run: install a Vulkan driver (e.g. mesa-vulkan-drivers) so an adapter exists",
    );
    let (a, b) = (&flex.report.runs[0], &gpu.report.runs[0]);
    for metric in ["train_loss", "test_loss", "train_acc", "test_acc"] {
        let (x, y) = (a.column(metric), b.column(metric));
        assert_eq!(x.len(), 4, "{metric}: initial + 3 evaluations");
        for (step, (u, v)) in x.iter().zip(&y).enumerate() {
            assert!(
                (u - v).abs() <= 1e-4 + 1e-4 * u.abs(),
                "{metric} at eval {step}: flex {u} vs wgpu {v}"
            );
        }
    }
}
