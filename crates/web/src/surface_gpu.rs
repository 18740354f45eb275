//! Draws a decision surface on a canvas with `shaders/surface.wgsl`, on the same WebGPU device
//! that trains the model.

use std::borrow::Cow;
use std::rc::Rc;

use burn::tensor::wgpu::{WgpuSetup, wgpu};
use overfit_core::plot::SURFACE_WGSL;

pub struct GpuSurface {
    setup: Rc<WgpuSetup>,
    surface: wgpu::Surface<'static>,
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    width: u32,
    height: u32,
}

impl GpuSurface {
    pub fn new(setup: Rc<WgpuSetup>, canvas: web_sys::HtmlCanvasElement) -> Result<Self, String> {
        let (width, height) = (canvas.width().max(1), canvas.height().max(1));
        let surface = setup
            .instance
            .create_surface(wgpu::SurfaceTarget::Canvas(canvas))
            .map_err(|e| format!("canvas surface: {e}"))?;
        let config = surface
            .get_default_config(&setup.adapter, width, height)
            .ok_or("the adapter cannot present to this canvas")?;
        surface.configure(&setup.device, &config);
        let device = &setup.device;
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("surface.wgsl"),
            source: wgpu::ShaderSource::Wgsl(Cow::Borrowed(SURFACE_WGSL)),
        });
        let entry = |binding, ty| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty: wgpu::BindingType::Buffer { ty, has_dynamic_offset: false, min_binding_size: None },
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
                targets: &[Some(config.format.into())],
                compilation_options: Default::default(),
            }),
            multiview_mask: None,
            cache: None,
        });
        Ok(Self { setup, surface, pipeline, layout, width, height })
    }

    /// Draws `values` (a `size`×`size` grid of probabilities, first row at the top).
    pub fn draw(&self, values: &[f32], size: usize) -> Result<(), String> {
        use wgpu::util::DeviceExt;
        let device = &self.setup.device;
        let mut params = Vec::with_capacity(16);
        params.extend_from_slice(&(size as u32).to_le_bytes());
        params.extend_from_slice(&(self.width as f32).to_le_bytes());
        params.extend_from_slice(&(self.height as f32).to_le_bytes());
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
                wgpu::BindGroupEntry { binding: 0, resource: uniform.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 1, resource: storage.as_entire_binding() },
            ],
        });
        let frame = match self.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(t) | wgpu::CurrentSurfaceTexture::Suboptimal(t) => t,
            other => return Err(format!("no canvas texture: {other:?}")),
        };
        let view = frame.texture.create_view(&wgpu::TextureViewDescriptor::default());
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("surface draw") });
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("surface pass"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations { load: wgpu::LoadOp::Clear(wgpu::Color::WHITE), store: wgpu::StoreOp::Store },
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
        self.setup.queue.submit([encoder.finish()]);
        frame.present();
        Ok(())
    }
}
