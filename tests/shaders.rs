//! Every WGSL file the app ships parses and validates with naga.

use std::path::Path;

#[test]
fn every_shader_validates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shaders");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("shaders/ should exist") {
        let path = entry.expect("shaders/ should be readable").path();
        if path.extension().and_then(|e| e.to_str()) != Some("wgsl") {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("shader should be UTF-8");
        let module = naga::front::wgsl::parse_str(&source)
            .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.emit_to_string(&source)));
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::empty(),
        )
        .validate(&module)
        .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        checked += 1;
    }
    assert!(checked >= 1, "no shaders found in {}", dir.display());
}

#[test]
fn the_app_embeds_the_shader_it_validates() {
    let on_disk = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shaders/surface.wgsl"),
    )
    .expect("surface.wgsl should exist");
    assert_eq!(overfit_core::plot::SURFACE_WGSL, on_disk);
}

/// surface.wgsl, run on a real wgpu device (lavapipe in CI), paints what the CPU reference does.
#[cfg(feature = "wgpu")]
#[test]
fn surface_shader_matches_the_cpu_colour_map() {
    use overfit_core::plot::{gpu::SurfaceRenderer, surface_rgba};
    let (_, setup) = overfit_core::device::native_wgpu()
        .expect("a wgpu adapter: install a Vulkan driver (e.g. mesa-vulkan-drivers)");
    let size = 37; // not a multiple of 64 texels: exercises the padded read-back rows
    let values: Vec<f32> = (0..size * size)
        .map(|i| ((i * 7919) % 1000) as f32 / 999.0)
        .collect();
    let renderer = SurfaceRenderer::new(setup);
    let pending = renderer.render(&values, size);
    renderer
        .device()
        .poll(burn::tensor::wgpu::wgpu::PollType::Wait {
            submission_index: None,
            timeout: None,
        })
        .expect("the device should finish the draw");
    let gpu = pending.take().expect("pixels");
    let cpu = surface_rgba(&values);
    assert_eq!(gpu.len(), cpu.len());
    let worst = gpu
        .iter()
        .zip(&cpu)
        .map(|(a, b)| a.abs_diff(*b))
        .max()
        .unwrap_or(0);
    assert!(
        worst <= 2,
        "GPU and CPU colours differ by up to {worst}/255"
    );
}
