//! What the app draws: the decision-surface colour map (a CPU reference) and its WGSL renderer.

#[cfg(any(feature = "wgpu", feature = "webgpu"))]
pub mod gpu;

/// The decision-surface colour map (orange = class 0, light grey = undecided, blue = class 1),
/// the CPU reference for `shaders/surface.wgsl`'s `colormap`, used by the canvas fallback.
pub fn colormap(p: f32) -> [u8; 3] {
    const CLASS0: [f32; 3] = [0.961, 0.576, 0.192];
    const MIDDLE: [f32; 3] = [0.910, 0.918, 0.922];
    const CLASS1: [f32; 3] = [0.039, 0.533, 0.729];
    let t = if p.is_nan() { 0.5 } else { p.clamp(0.0, 1.0) };
    let (a, b, s) = if t < 0.5 {
        (CLASS0, MIDDLE, t * 2.0)
    } else {
        (MIDDLE, CLASS1, (t - 0.5) * 2.0)
    };
    let mix = |i: usize| ((a[i] + (b[i] - a[i]) * s) * 255.0).round() as u8;
    [mix(0), mix(1), mix(2)]
}

/// RGBA pixels (row-major, first row at the top) for a grid of probabilities, on the CPU.
pub fn surface_rgba(values: &[f32]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|p| {
            let [r, g, b] = colormap(*p);
            [r, g, b, 255]
        })
        .collect()
}

/// The WGSL source of the decision-surface renderer.
pub const SURFACE_WGSL: &str = include_str!("../../../../shaders/surface.wgsl");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colormap_ends_and_middle() {
        assert_eq!(colormap(0.0), [245, 147, 49]);
        assert_eq!(colormap(1.0), [10, 136, 186]);
        assert_eq!(colormap(0.5), [232, 234, 235]);
        assert_eq!(colormap(f32::NAN), colormap(0.5));
        assert_eq!(colormap(-3.0), colormap(0.0));
    }

    #[test]
    fn shader_uses_the_same_stops() {
        for stop in [
            "0.961, 0.576, 0.192",
            "0.910, 0.918, 0.922",
            "0.039, 0.533, 0.729",
        ] {
            assert!(
                SURFACE_WGSL.contains(stop),
                "surface.wgsl lacks colour stop {stop}"
            );
        }
    }
}
