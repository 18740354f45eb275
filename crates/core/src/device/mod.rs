//! Which compute backend a run uses. The one place that names burn devices for native shells;
//! the browser shell initialises WebGPU asynchronously itself and falls back to [`Backend::Flex`].

use serde::{Deserialize, Serialize};

/// A compute backend a spec can be run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// burn's portable CPU backend.
    Flex,
    /// burn's wgpu backend (Vulkan/Metal/DX natively, WebGPU in the browser).
    Wgpu,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Flex => "flex",
            Backend::Wgpu => "wgpu",
        }
    }
}

impl std::str::FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "flex" | "cpu" => Ok(Backend::Flex),
            "wgpu" | "gpu" => Ok(Backend::Wgpu),
            other => Err(format!("unknown backend '{other}' (expected flex or wgpu)")),
        }
    }
}

/// Why a device could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("this build has no wgpu backend (rebuild with the `wgpu` feature)")]
    WgpuNotBuilt,
    #[error("no wgpu adapter could be opened: {0}")]
    WgpuInit(String),
}

/// Opens a device for native runs (synchronous initialisation is native-only).
#[cfg(not(target_family = "wasm"))]
pub fn open_native(backend: Backend) -> Result<burn::tensor::Device, DeviceError> {
    match backend {
        Backend::Flex => Ok(burn::tensor::Device::flex()),
        Backend::Wgpu => open_wgpu(),
    }
}

/// The process's native wgpu device and its handles (opened on first use, then shared: a wgpu
/// runtime can only be initialised once per process).
#[cfg(all(not(target_family = "wasm"), feature = "wgpu"))]
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

#[cfg(all(not(target_family = "wasm"), feature = "wgpu"))]
fn open_wgpu() -> Result<burn::tensor::Device, DeviceError> {
    native_wgpu().map(|(device, _)| device)
}

#[cfg(all(not(target_family = "wasm"), not(feature = "wgpu")))]
fn open_wgpu() -> Result<burn::tensor::Device, DeviceError> {
    Err(DeviceError::WgpuNotBuilt)
}
