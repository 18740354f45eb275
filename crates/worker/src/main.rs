//! The WebGPU training module (`overfit-worker`): see the crate's docs.

fn main() {
    overfit_worker::start();
}
