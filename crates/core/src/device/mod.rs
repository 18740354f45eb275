//! Which compute backend a run uses. The one place that names burn devices for native shells
//! (`native`, with the `engine` feature); the browser shell initialises WebGPU asynchronously
//! itself and falls back to [`Backend::Flex`].

use serde::{Deserialize, Serialize};

/// Where a run executes, as the cost model prices it: its memory and speed differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// burn's Flex backend: natively, or in a tab without WebGPU.
    Cpu,
    /// burn's wgpu backend: natively, or WebGPU in a tab.
    Gpu,
}

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
    /// What the cost model prices a run on this backend as.
    pub fn target(self) -> Target {
        match self {
            Backend::Flex => Target::Cpu,
            Backend::Wgpu => Target::Gpu,
        }
    }

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

#[cfg(all(feature = "engine", not(target_family = "wasm")))]
mod native;
#[cfg(all(not(target_family = "wasm"), feature = "wgpu"))]
pub use native::native_wgpu;
#[cfg(all(feature = "engine", not(target_family = "wasm")))]
pub use native::open_native;
