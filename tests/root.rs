//! Cross-crate native tests (one binary to save link time).

mod fuzz;
mod parallel;
mod parity;
mod phenomena;
mod registry;
mod shaders;
