//! Picks the compute device once per page: WebGPU when the browser offers an adapter, burn's
//! Flex CPU backend otherwise, and says which (with the reason for a fallback).

use std::rc::Rc;

use burn::tensor::Device;
use burn::tensor::wgpu::WgpuSetup;

/// The device the app trains on.
#[derive(Clone)]
pub struct Compute {
    pub device: Device,
    /// What the badge says: the adapter name, or "CPU fallback".
    pub label: String,
    /// Why the CPU is used, when it is.
    pub fallback_reason: Option<String>,
    /// A software WebGPU adapter (the browser's fallback adapter, e.g. SwiftShader): it trains,
    /// but the closed-form sweeps' Gram products are faster on the CPU (see the runner).
    pub software: bool,
    /// The WebGPU handles, shared with the surface renderer.
    pub gpu: Option<Rc<WgpuSetup>>,
}

impl Compute {
    pub fn cpu(reason: impl Into<String>) -> Self {
        Self {
            device: Device::flex(),
            label: "CPU fallback".into(),
            fallback_reason: Some(reason.into()),
            software: false,
            gpu: None,
        }
    }

    pub fn is_gpu(&self) -> bool {
        self.gpu.is_some()
    }
}

fn has_navigator_gpu() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    js_sys::Reflect::get(&window.navigator(), &"gpu".into())
        .map(|v| !v.is_undefined() && !v.is_null())
        .unwrap_or(false)
}

/// Initialises WebGPU (once; a second initialisation of the runtime is an error in burn).
pub async fn init(force_cpu: bool) -> Compute {
    if force_cpu {
        return Compute::cpu("CPU requested in the link (backend=cpu)");
    }
    if !has_navigator_gpu() {
        return Compute::cpu("this browser has no WebGPU");
    }
    match Device::wgpu_options().init_with_setup_async().await {
        Ok((device, setup)) => {
            let info = setup.adapter.get_info();
            let name = if info.name.is_empty() {
                "WebGPU adapter".to_string()
            } else {
                info.name.clone()
            };
            Compute {
                device,
                label: format!("WebGPU · {name}"),
                fallback_reason: None,
                software: info.device_type == burn::tensor::wgpu::wgpu::DeviceType::Cpu,
                gpu: Some(Rc::new(setup)),
            }
        }
        Err(err) => Compute::cpu(format!("WebGPU could not start: {err}")),
    }
}
