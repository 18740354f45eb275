//! Runs `shaders/surface.wgsl` on a wgpu device: a grid of probabilities in, RGBA pixels out.
//!
//! It renders into an offscreen texture and reads it back rather than presenting to a canvas,
//! so it works wherever compute works (headless browsers with a software adapter cannot back a
//! WebGPU canvas). The read-back is never waited on here: natively the caller polls the device,
//! in the browser it yields until [`PendingPixels::is_ready`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use burn::tensor::wgpu::{WgpuSetup, wgpu};

const PENDING: u8 = 0;
const MAPPED: u8 = 1;
const FAILED: u8 = 2;

/// A compiled surface renderer for one device.
pub struct SurfaceRenderer {
    setup: WgpuSetup,
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
}

/// Pixels on their way back from the device.
pub struct PendingPixels {
    buffer: wgpu::Buffer,
    state: Arc<AtomicU8>,
    size: usize,
    padded_row: usize,
}

const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

impl SurfaceRenderer {
    pub fn new(setup: WgpuSetup) -> Self {
        let device = &setup.device;
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("surface.wgsl"),
            source: wgpu::ShaderSource::Wgsl(super::SURFACE_WGSL.into()),
        });
        let entry = |binding, ty| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty: wgpu::BindingType::Buffer {
                ty,
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("surface bindings"),
            entries: &[
                entry(0, wgpu::BufferBindingType::Uniform),
                entry(1, wgpu::BufferBindingType::Storage { read_only: true }),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("surface pipeline layout"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("surface pipeline"),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &module,
                entry_point: Some("vs_main"),
                buffers: &[],
                compilation_options: Default::default(),
            },
            primitive: wgpu::PrimitiveState::default(),
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            fragment: Some(wgpu::FragmentState {
                module: &module,
                entry_point: Some("fs_main"),
                targets: &[Some(FORMAT.into())],
                compilation_options: Default::default(),
            }),
            multiview_mask: None,
            cache: None,
        });
        Self {
            setup,
            pipeline,
            layout,
        }
    }

    /// Submits the render of a `size`×`size` grid (row-major, first row at the top) and starts
    /// mapping the result.
    pub fn render(&self, values: &[f32], size: usize) -> PendingPixels {
        use wgpu::util::DeviceExt;
        let device = &self.setup.device;
        let side = size as u32;
        let mut params = Vec::with_capacity(16);
        params.extend_from_slice(&side.to_le_bytes());
        params.extend_from_slice(&(side as f32).to_le_bytes());
        params.extend_from_slice(&(side as f32).to_le_bytes());
        params.extend_from_slice(&0u32.to_le_bytes());
        let uniform = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("surface params"),
            contents: &params,
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let storage = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("surface probabilities"),
            contents: &bytes,
            usage: wgpu::BufferUsages::STORAGE,
        });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("surface bind group"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: uniform.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: storage.as_entire_binding(),
                },
            ],
        });
        let extent = wgpu::Extent3d {
            width: side,
            height: side,
            depth_or_array_layers: 1,
        };
        let texture = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("surface target"),
            size: extent,
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: FORMAT,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        // Buffer rows must be 256-byte aligned.
        let padded_row = (size * 4).div_ceil(256) * 256;
        let buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("surface read-back"),
            size: (padded_row * size) as u64,
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("surface draw"),
        });
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("surface pass"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::WHITE),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.draw(0..3, 0..1);
        }
        encoder.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo {
                texture: &texture,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::TexelCopyBufferInfo {
                buffer: &buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(padded_row as u32),
                    rows_per_image: Some(side),
                },
            },
            extent,
        );
        self.setup.queue.submit([encoder.finish()]);
        let state = Arc::new(AtomicU8::new(PENDING));
        let flag = state.clone();
        buffer.map_async(wgpu::MapMode::Read, .., move |result| {
            flag.store(
                if result.is_ok() { MAPPED } else { FAILED },
                Ordering::Release,
            );
        });
        PendingPixels {
            buffer,
            state,
            size,
            padded_row,
        }
    }

    /// The device, for native callers that poll it.
    pub fn device(&self) -> &wgpu::Device {
        &self.setup.device
    }
}

impl PendingPixels {
    /// Whether the pixels have arrived (or failed to).
    pub fn is_ready(&self) -> bool {
        self.state.load(Ordering::Acquire) != PENDING
    }

    /// The RGBA pixels, row-major, `size * size * 4` bytes.
    pub fn take(self) -> Result<Vec<u8>, String> {
        match self.state.load(Ordering::Acquire) {
            MAPPED => {}
            FAILED => return Err("the surface read-back failed".into()),
            _ => return Err("the surface read-back is not ready".into()),
        }
        let out = {
            let view = self
                .buffer
                .get_mapped_range(..)
                .map_err(|e| format!("{e:?}"))?;
            let row = self.size * 4;
            let mut out = Vec::with_capacity(row * self.size);
            for r in 0..self.size {
                out.extend_from_slice(&view[r * self.padded_row..r * self.padded_row + row]);
            }
            out
        };
        self.buffer.unmap();
        Ok(out)
    }
}
