//! Drives a training session in the browser without freezing the page: steps are taken in
//! short time slices, metrics are read back asynchronously only at evaluation points, and the
//! loop yields to the event loop between slices. Pause, resume, reset and stop work at any time.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use overfit_core::experiments;
use overfit_core::report::Report;
use overfit_core::spec::AnySpec;
use overfit_core::train::{Gallery, Session, Surface};

use crate::backend::Compute;
use crate::time::{now_ms, sleep_ms};

/// Time budget of one slice of training before yielding to the browser.
const SLICE_MS: f64 = 12.0;
/// Shortest time between two redraws of the charts while a run goes on.
const RENDER_MS: f64 = 100.0;

#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Idle,
    Running,
    Paused,
    Done,
    Failed(String),
}

/// What the page shows about the current run: plain data only.
#[derive(Clone, Copy)]
pub struct RunView {
    pub status: RwSignal<Status>,
    pub steps_done: RwSignal<usize>,
    pub total_steps: RwSignal<usize>,
    pub steps_per_second: RwSignal<f64>,
    pub report: RwSignal<Option<Report>>,
    pub surface: RwSignal<Option<Surface>>,
    pub points: RwSignal<Vec<(f32, f32, u8, bool)>>,
    pub galleries: RwSignal<Vec<Gallery>>,
    /// A notice that is not a failure (e.g. a switch to the CPU after a lost device).
    pub notice: RwSignal<Option<String>>,
}

impl RunView {
    /// Shows the session's latest report, surface and galleries.
    fn publish(&self, session: &dyn Session, preset: &str, gpu: bool) {
        let mut report = session.report();
        report.preset = preset.to_string();
        report.backend = if gpu { "webgpu" } else { "flex" }.into();
        self.report.set(Some(report));
        self.surface.set(session.surface());
        self.galleries.set(session.galleries());
    }

    pub fn new() -> Self {
        Self {
            status: RwSignal::new(Status::Idle),
            steps_done: RwSignal::new(0),
            total_steps: RwSignal::new(0),
            steps_per_second: RwSignal::new(0.0),
            report: RwSignal::new(None),
            surface: RwSignal::new(None),
            points: RwSignal::new(Vec::new()),
            galleries: RwSignal::new(Vec::new()),
            notice: RwSignal::new(None),
        }
    }
}

/// Owns the run loop's cancellation token. Each start bumps the generation; a loop whose
/// generation is stale ends at its next slice.
#[derive(Clone)]
pub struct Runner {
    generation: Rc<Cell<u64>>,
    paused: Rc<Cell<bool>>,
    pub view: RunView,
}

impl Runner {
    pub fn new() -> Self {
        Self {
            generation: Rc::new(Cell::new(0)),
            paused: Rc::new(Cell::new(false)),
            view: RunView::new(),
        }
    }

    /// Starts `spec` from scratch on `compute` (a fresh model and optimizer every time).
    pub fn start(
        &self,
        spec: AnySpec,
        compute: RwSignal<Option<Compute>, LocalStorage>,
        preset: String,
    ) {
        let id = self.generation.get() + 1;
        self.generation.set(id);
        self.paused.set(false);
        let this = self.clone();
        leptos::task::spawn_local(async move { this.run(id, spec, compute, preset).await });
    }

    pub fn stop(&self) {
        self.generation.set(self.generation.get() + 1);
        if self.view.status.get_untracked() != Status::Done {
            self.view.status.set(Status::Idle);
        }
    }

    pub fn reset(&self) {
        self.stop();
        let v = self.view;
        v.status.set(Status::Idle);
        v.steps_done.set(0);
        v.steps_per_second.set(0.0);
        v.report.set(None);
        v.surface.set(None);
        v.galleries.set(Vec::new());
        v.notice.set(None);
    }

    pub fn set_paused(&self, paused: bool) {
        self.paused.set(paused);
        let status = self.view.status.get_untracked();
        if paused && status == Status::Running {
            self.view.status.set(Status::Paused);
        } else if !paused && status == Status::Paused {
            self.view.status.set(Status::Running);
        }
    }

    fn current(&self, id: u64) -> bool {
        self.generation.get() == id
    }

    async fn run(
        &self,
        id: u64,
        spec: AnySpec,
        compute: RwSignal<Option<Compute>, LocalStorage>,
        preset: String,
    ) {
        let v = self.view;
        // The device is initialised asynchronously at page load; wait for it.
        let mut device_wait = 0;
        let mut backend = loop {
            if let Some(c) = compute.get_untracked() {
                break c;
            }
            device_wait += 1;
            if device_wait > 600 || !self.current(id) {
                v.status
                    .set(Status::Failed("the compute device did not start".into()));
                return;
            }
            sleep_ms(50).await;
        };
        'restart: loop {
            // A closed-form sweep forms its Gram products on a hardware GPU; on a software
            // adapter they are far slower than on the CPU (the quick sweep: 140 s on SwiftShader
            // against 3-5 s in wasm), so there the whole sweep runs on the CPU.
            let device = if spec.is_sweep() && backend.software {
                burn::tensor::Device::flex()
            } else {
                backend.device.clone()
            };
            let mut session = match experiments::start(&spec, &device) {
                Ok(s) => s,
                Err(e) => {
                    v.status.set(Status::Failed(e.to_string()));
                    return;
                }
            };
            v.status.set(Status::Running);
            v.total_steps.set(session.total_steps());
            v.steps_done.set(0);
            v.points.set(session.points());
            v.galleries.set(session.galleries());
            let started = now_ms();
            let mut paused_ms = 0.0;
            let mut last_render = f64::NEG_INFINITY;
            let mut stale = false;
            while !session.is_finished() {
                if !self.current(id) {
                    return;
                }
                if self.paused.get() {
                    if stale {
                        v.publish(session.as_ref(), &preset, backend.is_gpu());
                        stale = false;
                    }
                    let t = now_ms();
                    sleep_ms(100).await;
                    paused_ms += now_ms() - t;
                    continue;
                }
                let slice_start = now_ms();
                let mut probe = None;
                while probe.is_none() && !session.is_finished() && now_ms() - slice_start < SLICE_MS
                {
                    match session.advance(4) {
                        Ok(p) => probe = p,
                        Err(e) => {
                            v.status.set(Status::Failed(e.to_string()));
                            return;
                        }
                    }
                }
                if let Some(probe) = probe {
                    match probe.transaction.execute_async().await {
                        Ok(data) => {
                            if !self.current(id) {
                                return;
                            }
                            let absorbed = session.absorb(data);
                            // Redraw at most every RENDER_MS (cheap runs evaluate far more
                            // often than a page can usefully repaint its charts), and always
                            // at the end and on an error; a pause draws what is left.
                            stale = true;
                            if absorbed.is_err()
                                || session.is_finished()
                                || now_ms() - last_render >= RENDER_MS
                            {
                                v.publish(session.as_ref(), &preset, backend.is_gpu());
                                last_render = now_ms();
                                stale = false;
                            }
                            if let Err(e) = absorbed {
                                v.status.set(Status::Failed(e.to_string()));
                                return;
                            }
                        }
                        Err(err) if backend.is_gpu() => {
                            // A lost or poisoned GPU device: continue on the CPU, from the start.
                            let msg =
                                format!("WebGPU failed ({err:?}); restarted the run on the CPU");
                            v.notice.set(Some(msg.clone()));
                            backend = Compute::cpu(msg);
                            compute.set(Some(backend.clone()));
                            continue 'restart;
                        }
                        Err(err) => {
                            v.status
                                .set(Status::Failed(format!("metrics read-back failed: {err:?}")));
                            return;
                        }
                    }
                }
                let done = session.steps_done();
                v.steps_done.set(done);
                let elapsed = (now_ms() - started - paused_ms).max(1.0);
                v.steps_per_second.set(done as f64 * 1000.0 / elapsed);
                sleep_ms(0).await;
            }
            v.status.set(Status::Done);
            return;
        }
    }
}
