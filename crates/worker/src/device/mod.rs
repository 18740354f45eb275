//! Opens the worker's compute device: WebGPU when the page asks for it and the browser offers
//! an adapter to workers, burn's Flex CPU backend otherwise, and says which (with the reason
//! for a fallback).
//!
//! The worker comes as two modules (see the crate's docs): the WebGPU module (feature
//! `webgpu`) and the CPU module, built without it, which opens the CPU whatever it is asked.

#[cfg(feature = "webgpu")]
mod webgpu;

use burn::tensor::Device;
use overfit_core::worker_protocol::ComputeInfo;

/// The device a run trains on, with its WebGPU handles when it is a GPU.
#[derive(Clone)]
pub struct Compute {
    pub device: Device,
    /// For the surface shader (`overfit_core::plot::gpu`).
    #[cfg(feature = "webgpu")]
    pub setup: Option<burn::tensor::wgpu::WgpuSetup>,
    pub info: ComputeInfo,
}

impl Compute {
    pub fn cpu(reason: impl Into<String>) -> Self {
        Self {
            device: Device::flex(),
            #[cfg(feature = "webgpu")]
            setup: None,
            info: ComputeInfo {
                label: "CPU fallback".into(),
                gpu: false,
                software: false,
                fallback_reason: Some(reason.into()),
            },
        }
    }
}

/// Opens the device once per worker: the CPU unless `webgpu` (the page's reason for the CPU
/// is `cpu_reason`), else WebGPU if this module carries it and the browser gives an adapter.
pub async fn open(webgpu: bool, cpu_reason: Option<String>) -> Compute {
    if !webgpu {
        return Compute::cpu(cpu_reason.unwrap_or_else(|| "WebGPU not requested".into()));
    }
    #[cfg(feature = "webgpu")]
    {
        webgpu::open().await
    }
    #[cfg(not(feature = "webgpu"))]
    {
        Compute::cpu("this training module is the CPU's (built without WebGPU)")
    }
}
