//! The charts the page draws: overfit-core's one chart description and its SVG rendering
//! ([`overfit_core::plot::chart`]); the page adds the readout under the pointer
//! (`chart_box`).

pub use overfit_core::plot::chart::*;
