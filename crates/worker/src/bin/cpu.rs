//! The CPU training module (`overfit-worker-cpu`), built with `--no-default-features`: see the
//! crate's docs.

fn main() {
    overfit_worker::start();
}
