//! Cross-crate native tests (one binary to save link time).

mod parallel;
mod parity;
mod phenomena;
mod shaders;
