//! WebGPU for the worker: the browser's adapter, read and opened through burn's wgpu runtime.

use burn::tensor::Device;
use burn::tensor::wgpu::wgpu;
use overfit_core::worker_protocol::ComputeInfo;
use wasm_bindgen::{JsCast, JsValue};

use super::Compute;

/// `navigator.gpu` in this worker's global scope. Some browsers offer WebGPU to pages but not
/// to workers; a missing adapter is caught by the initialisation below.
fn has_navigator_gpu() -> bool {
    let global = js_sys::global();
    js_sys::Reflect::get(&global, &"navigator".into())
        .and_then(|navigator| js_sys::Reflect::get(&navigator, &"gpu".into()))
        .map(|gpu| !gpu.is_undefined() && !gpu.is_null())
        .unwrap_or(false)
}

/// What the browser says of its default adapter, read before burn opens it: wgpu reports no
/// name or type for WebGPU adapters, so a software renderer is recognised from the browser's
/// own adapter info (`isFallbackAdapter`, or a software rasteriser's name).
struct AdapterFacts {
    description: String,
    software: bool,
}

async fn adapter_facts() -> Option<AdapterFacts> {
    let get = |object: &JsValue, key: &str| js_sys::Reflect::get(object, &key.into()).ok();
    let global = js_sys::global();
    let gpu = get(&get(&global, "navigator")?, "gpu")?;
    let request: js_sys::Function = get(&gpu, "requestAdapter")?.dyn_into().ok()?;
    let promise: js_sys::Promise = request.call0(&gpu).ok()?.dyn_into().ok()?;
    let adapter = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    if adapter.is_null() || adapter.is_undefined() {
        return None;
    }
    let text = |object: &JsValue, key: &str| {
        get(object, key)
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    let info = get(&adapter, "info").unwrap_or(JsValue::UNDEFINED);
    let parts: Vec<String> = ["vendor", "architecture", "device", "description"]
        .iter()
        .map(|key| text(&info, key))
        .filter(|t| !t.is_empty())
        .collect();
    let description = parts.join(" ");
    let flagged =
        |object: &JsValue| get(object, "isFallbackAdapter").and_then(|v| v.as_bool()) == Some(true);
    let lower = description.to_lowercase();
    let software = flagged(&info)
        || flagged(&adapter)
        || [
            "swiftshader",
            "llvmpipe",
            "lavapipe",
            "software",
            "basic render",
        ]
        .iter()
        .any(|name| lower.contains(name));
    Some(AdapterFacts {
        description,
        software,
    })
}

/// Opens the device once per worker (a second WebGPU initialisation of burn's runtime fails).
/// A software adapter is opened too and marked as one: it computes on the CPU, often slower
/// than burn's CPU backend (the grokking `quick` page: 3.4 steps/s on SwiftShader against
/// 38-66 on the CPU), so the page measures a spec on both before training on it (see
/// [`crate::measure`]). A worker that opened a GPU can always train on the CPU as well.
pub async fn open() -> Compute {
    if !has_navigator_gpu() {
        return Compute::cpu("this browser offers no WebGPU to workers");
    }
    let Some(facts) = adapter_facts().await else {
        return Compute::cpu("this browser offers no WebGPU adapter to workers");
    };
    match Device::wgpu_options().init_with_setup_async().await {
        Ok((device, setup)) => {
            let adapter = setup.adapter.get_info();
            let name = [adapter.name.as_str(), facts.description.as_str()]
                .into_iter()
                .find(|n| !n.is_empty())
                .unwrap_or("WebGPU adapter")
                .to_string();
            let software = facts.software || adapter.device_type == wgpu::DeviceType::Cpu;
            Compute {
                device,
                info: ComputeInfo {
                    label: if software {
                        format!("WebGPU · {name} (software)")
                    } else {
                        format!("WebGPU · {name}")
                    },
                    gpu: true,
                    software,
                    fallback_reason: None,
                },
                setup: Some(setup),
            }
        }
        Err(err) => Compute::cpu(format!("WebGPU could not start: {err}")),
    }
}
