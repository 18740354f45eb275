//! Opens the worker's compute device: WebGPU when the browser offers an adapter to workers,
//! burn's Flex CPU backend otherwise, and says which (with the reason for a fallback).

use burn::tensor::Device;
use burn::tensor::wgpu::{WgpuSetup, wgpu};
use overfit_core::live::ComputeInfo;

/// The device a run trains on, with its WebGPU handles when it is a GPU.
#[derive(Clone)]
pub struct Compute {
    pub device: Device,
    pub setup: Option<WgpuSetup>,
    pub info: ComputeInfo,
}

impl Compute {
    pub fn cpu(reason: impl Into<String>) -> Self {
        Self {
            device: Device::flex(),
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

/// `navigator.gpu` in this worker's global scope. Some browsers offer WebGPU to pages but not
/// to workers; a missing adapter is caught by the initialisation below.
fn has_navigator_gpu() -> bool {
    let global = js_sys::global();
    js_sys::Reflect::get(&global, &"navigator".into())
        .and_then(|navigator| js_sys::Reflect::get(&navigator, &"gpu".into()))
        .map(|gpu| !gpu.is_undefined() && !gpu.is_null())
        .unwrap_or(false)
}

/// Opens the device once per worker (a second WebGPU initialisation of burn's runtime fails).
pub async fn open(webgpu: bool, cpu_reason: Option<String>) -> Compute {
    if !webgpu {
        return Compute::cpu(cpu_reason.unwrap_or_else(|| "WebGPU not requested".into()));
    }
    if !has_navigator_gpu() {
        return Compute::cpu("this browser offers no WebGPU to workers");
    }
    match Device::wgpu_options().init_with_setup_async().await {
        Ok((device, setup)) => {
            let adapter = setup.adapter.get_info();
            let name = if adapter.name.is_empty() {
                "WebGPU adapter".to_string()
            } else {
                adapter.name.clone()
            };
            Compute {
                device,
                info: ComputeInfo {
                    label: format!("WebGPU · {name}"),
                    gpu: true,
                    software: adapter.device_type == wgpu::DeviceType::Cpu,
                    fallback_reason: None,
                },
                setup: Some(setup),
            }
        }
        Err(err) => Compute::cpu(format!("WebGPU could not start: {err}")),
    }
}
