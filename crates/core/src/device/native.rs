//! Native devices (synchronous initialisation; engine only).

use super::{Backend, DeviceError};

/// Opens a device for native runs (synchronous initialisation is native-only).
pub fn open_native(backend: Backend) -> Result<burn::tensor::Device, DeviceError> {
    match backend {
        Backend::Flex => Ok(burn::tensor::Device::flex()),
        Backend::Wgpu => open_wgpu(),
    }
}

/// The process's native wgpu device and its handles (opened on first use, then shared: a wgpu
/// runtime can only be initialised once per process).
#[cfg(feature = "wgpu")]
pub fn native_wgpu() -> Result<(burn::tensor::Device, burn::tensor::wgpu::WgpuSetup), DeviceError> {
    use std::sync::OnceLock;
    type Opened = Result<(burn::tensor::Device, burn::tensor::wgpu::WgpuSetup), String>;
    static OPENED: OnceLock<Opened> = OnceLock::new();
    OPENED
        .get_or_init(|| {
            burn::tensor::Device::wgpu_options()
                .init_with_setup()
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(DeviceError::WgpuInit)
}

#[cfg(feature = "wgpu")]
fn open_wgpu() -> Result<burn::tensor::Device, DeviceError> {
    native_wgpu().map(|(device, _)| device)
}

#[cfg(not(feature = "wgpu"))]
fn open_wgpu() -> Result<burn::tensor::Device, DeviceError> {
    Err(DeviceError::WgpuNotBuilt)
}
