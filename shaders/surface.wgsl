// Decision-surface renderer: paints a square grid of class-1 probabilities onto a canvas with
// a diverging colour map (orange = class 0, white = undecided, blue = class 1).
//
// Bindings (group 0):
//   0: uniform Params { size: u32 }   grid side; the grid is row-major, first row at the top
//   1: storage array<f32>             size * size probabilities in [0, 1]
// Draw: 3 vertices, no vertex buffers (one triangle covering the viewport).
// Reference implementation on the CPU: `overfit_core::plot::colormap` (same stops, same blend).

struct Params {
    size: u32,
    width: f32,
    height: f32,
    _pad: u32,
};

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> probs: array<f32>;

struct VertexOut {
    @builtin(position) position: vec4<f32>,
};

@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> VertexOut {
    // (-1,-1), (3,-1), (-1,3): a triangle whose clipped part is the whole viewport.
    let x = f32((index << 1u) & 2u) * 2.0 - 1.0;
    let y = f32(index & 2u) * 2.0 - 1.0;
    var out: VertexOut;
    out.position = vec4<f32>(x, y, 0.0, 1.0);
    return out;
}

const CLASS0: vec3<f32> = vec3<f32>(0.961, 0.576, 0.192);
const MIDDLE: vec3<f32> = vec3<f32>(0.910, 0.918, 0.922);
const CLASS1: vec3<f32> = vec3<f32>(0.039, 0.533, 0.729);

fn colormap(p: f32) -> vec3<f32> {
    let t = clamp(p, 0.0, 1.0);
    if (t < 0.5) {
        return mix(CLASS0, MIDDLE, t * 2.0);
    }
    return mix(MIDDLE, CLASS1, (t - 0.5) * 2.0);
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    // Fragment positions are in pixels from the top-left corner.
    let n = params.size;
    let col = min(u32(in.position.x / params.width * f32(n)), n - 1u);
    let row = min(u32(in.position.y / params.height * f32(n)), n - 1u);
    let p = probs[row * n + col];
    return vec4<f32>(colormap(p), 1.0);
}
