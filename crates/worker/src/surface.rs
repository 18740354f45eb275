//! The decision surface's pixels: coloured by `shaders/surface.wgsl` on the run's GPU in the
//! WebGPU module, left to the page (`None`) on the CPU and in the CPU module.

use overfit_core::train::Surface;

use crate::device::Compute;

/// Holds the surface shader's pipeline once a GPU run first draws.
#[derive(Default)]
pub struct Colourer {
    #[cfg(feature = "webgpu")]
    renderer: Option<overfit_core::plot::gpu::SurfaceRenderer>,
}

impl Colourer {
    /// RGBA pixels for `surface`, or `None` for the page to colour them (the run is not on the
    /// GPU, or the GPU did not answer within about four seconds).
    #[cfg(feature = "webgpu")]
    pub async fn colour(
        &mut self,
        surface: &Surface,
        compute: &Compute,
        on_gpu: bool,
    ) -> Option<Vec<u8>> {
        let setup = compute.setup.as_ref().filter(|_| on_gpu)?;
        let renderer = self
            .renderer
            .get_or_insert_with(|| overfit_core::plot::gpu::SurfaceRenderer::new(setup.clone()));
        let pending = renderer.render(&surface.values, surface.size);
        for _ in 0..2000 {
            if pending.is_ready() {
                return pending.take().ok();
            }
            crate::clock::sleep_ms(2).await;
        }
        None
    }

    /// The CPU module has no GPU: the page colours every surface.
    #[cfg(not(feature = "webgpu"))]
    pub async fn colour(&mut self, _: &Surface, _: &Compute, _: bool) -> Option<Vec<u8>> {
        None
    }
}
