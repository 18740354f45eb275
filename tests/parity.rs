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

/// Grokking's transformer runs, stacked into one network, train the same on wgpu as on Flex
/// (where each batch is two shards): the stack's member-wise LayerNorms, products, prefix
/// look-ups and attention on the GPU path.
#[cfg(feature = "wgpu")]
#[test]
fn the_stacked_grokking_transformer_on_wgpu_matches_flex() {
    use overfit_cli::run_spec;
    use overfit_core::device::Backend;
    use overfit_core::experiments::Experiment;
    use overfit_core::spec::Preset;

    let mut spec = Experiment::Grokking.preset(Preset::Ci);
    spec.set_all([
        "model=transformer",
        "p=7",
        "d_model=16",
        "heads=2",
        "layers=2",
        "batch=8",
        "ma_window=2",
        "seeds=1",
        "steps=3",
        "eval_every=1",
    ])
    .expect("valid settings");
    let flex = run_spec(&spec, "ci", Backend::Flex, |_, _| {}).expect("flex run");
    let gpu = run_spec(&spec, "ci", Backend::Wgpu, |_, _| {}).expect("wgpu run");
    assert_eq!(gpu.report.runs.len(), 3);
    for (a, b) in flex.report.runs.iter().zip(&gpu.report.runs) {
        for metric in [
            "train_loss",
            "val_loss",
            "train_acc",
            "val_acc",
            "weight_norm",
        ] {
            let (x, y) = (a.column(metric), b.column(metric));
            assert_eq!(x.len(), 4, "{metric}: initial + 3 evaluations");
            for (step, (u, v)) in x.iter().zip(&y).enumerate() {
                assert!(
                    (u - v).abs() <= 1e-4 + 1e-4 * u.abs(),
                    "{} {metric} at eval {step}: flex {u} vs wgpu {v}",
                    a.label
                );
            }
        }
    }
}

/// The features sweep's Gram products on the GPU (f32 sums per grid interval on the device,
/// folded into f64 on the host) give the host's fits to about six digits.
#[cfg(feature = "wgpu")]
#[test]
fn closed_form_gram_products_on_wgpu_match_the_host() {
    use overfit_cli::run_spec;
    use overfit_core::device::Backend;
    use overfit_core::experiments::Experiment;
    use overfit_core::spec::Preset;

    let mut spec = Experiment::DoubleDescent.preset(Preset::Ci);
    spec.set_all(["n_train=120", "n_test=200", "points=9"])
        .expect("valid settings");
    let host = run_spec(&spec, "ci", Backend::Flex, |_, _| {}).expect("host sweep");
    let gpu = run_spec(&spec, "ci", Backend::Wgpu, |_, _| {}).expect(
        "wgpu sweep: install a Vulkan driver (e.g. mesa-vulkan-drivers) so an adapter exists",
    );
    for (a, b) in host.report.runs.iter().zip(&gpu.report.runs) {
        let sizes = a.column("features");
        assert!(
            sizes.iter().filter(|n| **n > 120.0).count() >= 3,
            "sizes past n: {sizes:?}"
        );
        assert_eq!(sizes, b.column("features"));
        for metric in ["test_error", "test_zero_one", "norm"] {
            for (i, (u, v)) in a.column(metric).iter().zip(&b.column(metric)).enumerate() {
                assert!(
                    (u - v).abs() <= 1e-4 * u.abs().max(1.0),
                    "{} {metric} at N = {}: host {u} vs wgpu {v}",
                    a.label,
                    sizes[i]
                );
            }
        }
    }
}
