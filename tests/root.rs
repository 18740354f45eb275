//! Cross-crate native tests (one binary to save link time).

mod parity;
mod phenomena;
mod shaders;
