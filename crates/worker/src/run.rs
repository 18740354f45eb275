//! The worker's side of the messages: open the device, train the spec a link names, post what
//! changed. Steps are taken in slices of about [`SLICE_MS`]; between slices the worker reads
//! its messages (pause, a new start), so pausing takes effect within a slice.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use burn::tensor::Device;
use overfit_core::data::table::Table;
use overfit_core::experiments;
use overfit_core::link;
use overfit_core::report::Report;
use overfit_core::train::{Gallery, RunError, Session, Surface};
use overfit_core::worker_protocol::{
    Failure, FromWorker, PROTOCOL, ReportPatch, SurfaceImage, ToWorker,
};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::clock::{now_ms, sleep_ms, yield_now};
use crate::device::{self, Compute};
use crate::measure;
use crate::surface::Colourer;

/// Training time between two looks at the message queue.
const SLICE_MS: f64 = 40.0;
/// Shortest time between two metric updates to the page (the page redraws on each).
const PUBLISH_MS: f64 = 100.0;

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(message: &FromWorker) {
    let _ = scope().post_message(&JsValue::from_str(&message.to_text()));
}

/// What the worker holds between messages.
#[derive(Default)]
struct State {
    compute: RefCell<Option<Compute>>,
    /// The run a start message began; a loop whose number is stale ends at its next slice.
    generation: Cell<u64>,
    paused: Cell<bool>,
    /// The share of the time spent training (see `ToWorker::Speed`).
    share: Cell<f64>,
    /// A start that arrived before the device was open.
    waiting: RefCell<Option<Start>>,
}

/// A start: the spec's link, the runs to train (all when `None`), the reader's own file, and
/// whether to train on the CPU although a GPU is open.
struct Start {
    link: String,
    runs: Option<Vec<usize>>,
    data: Option<Table>,
    cpu: bool,
}

/// Listens for the page's messages. A panic is reported to the page before the module aborts,
/// so the page can say what happened and start a fresh worker.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        post(&FromWorker::failed(format!(
            "the training worker stopped: {info}"
        )));
    }));
    let state = Rc::new(State {
        share: Cell::new(1.0),
        ..State::default()
    });
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(text) = event.data().as_string() else {
            return;
        };
        match ToWorker::from_text(&text) {
            Ok(message) => handle(&state, message),
            Err(error) => post(&FromWorker::failed(error)),
        }
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&FromWorker::Loaded);
}

fn handle(state: &Rc<State>, message: ToWorker) {
    match message {
        ToWorker::Open { webgpu, cpu_reason } => {
            let state = state.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let compute = device::open(webgpu, cpu_reason).await;
                post(&FromWorker::Ready {
                    protocol: PROTOCOL,
                    compute: compute.info.clone(),
                });
                state.compute.replace(Some(compute));
                if let Some(waiting) = state.waiting.take() {
                    start(&state, waiting);
                }
            });
        }
        ToWorker::Start {
            link,
            runs,
            data,
            cpu,
        } => {
            let begin = Start {
                link,
                runs,
                data,
                cpu,
            };
            if state.compute.borrow().is_none() {
                state.waiting.replace(Some(begin));
            } else {
                start(state, begin);
            }
        }
        ToWorker::Measure {
            link,
            gpu_runs,
            cpu_runs,
            data,
        } => {
            let state = state.clone();
            wasm_bindgen_futures::spawn_local(async move {
                // A measure may come before the device is open (a fresh worker): it waits.
                let opened = now_ms();
                while state.compute.borrow().is_none() && now_ms() - opened < 60_000.0 {
                    sleep_ms(20).await;
                }
                let compute = state.compute.borrow().clone();
                let measured = match (link::decode_strict(&link), compute) {
                    (Err(e), _) => Err(e.to_string()),
                    (_, None) => Err("the device is not open".to_string()),
                    (Ok((spec, _)), Some(compute)) => Ok(measure::speeds(
                        &spec,
                        &compute,
                        gpu_runs.as_deref(),
                        cpu_runs.as_deref(),
                        data.as_ref(),
                    )
                    .await),
                };
                post(&match measured {
                    Ok(speeds) => FromWorker::Measured(speeds),
                    Err(error) => FromWorker::failed(error),
                });
            });
        }
        ToWorker::Pause { paused } => state.paused.set(paused),
        ToWorker::Speed { share } => state.share.set(if share.is_finite() {
            share.clamp(0.01, 1.0)
        } else {
            1.0
        }),
    }
}

fn start(state: &Rc<State>, begin: Start) {
    let id = state.generation.get() + 1;
    state.generation.set(id);
    state.paused.set(false);
    let state = state.clone();
    wasm_bindgen_futures::spawn_local(async move {
        if let Err((kind, error)) = train(&state, id, &begin).await {
            post(&FromWorker::Failed { error, kind });
        }
    });
}

/// What the page was last sent, so each update carries only what changed.
#[derive(Default)]
struct Sent {
    report: Option<Report>,
    surface: Option<Surface>,
    galleries: Vec<Gallery>,
}

struct Publisher {
    sent: Sent,
    preset: String,
    colourer: Colourer,
    /// The run trains on the GPU (not on the CPU, whatever the worker opened).
    gpu: bool,
}

impl Publisher {
    async fn publish(&mut self, session: &dyn Session, compute: &Compute, steps_per_second: f64) {
        let mut report = session.report();
        report.preset = self.preset.clone();
        report.backend = if self.gpu { "webgpu" } else { "flex" }.into();
        let patch = (self.sent.report.as_ref() != Some(&report))
            .then(|| ReportPatch::between(self.sent.report.as_ref(), &report));
        self.sent.report = Some(report);
        let surface = match session.surface() {
            Some(s) if self.sent.surface.as_ref() != Some(&s) => {
                let rgba = self.colourer.colour(&s, compute, self.gpu).await;
                self.sent.surface = Some(s.clone());
                Some(SurfaceImage { surface: s, rgba })
            }
            _ => None,
        };
        let galleries = session.galleries();
        let galleries = (galleries != self.sent.galleries).then(|| {
            self.sent.galleries = galleries.clone();
            galleries
        });
        post(&FromWorker::Progress {
            steps_done: session.steps_done(),
            steps_per_second,
            report: patch,
            surface,
            galleries,
        });
    }
}

/// The device a spec trains on: the CPU when the page asked for it (it measured the CPU
/// faster), or when the worker opened none. A closed-form sweep forms its Gram products on a
/// hardware GPU; on a software adapter they are far slower than on the CPU (the quick sweep:
/// 140 s on SwiftShader against 3-5 s in wasm), so there the whole sweep runs on the CPU.
/// Says whether that is the GPU.
fn device_for(spec: &experiments::AnySpec, compute: &Compute, cpu: bool) -> (Device, bool) {
    if !compute.info.gpu || cpu || (spec.is_sweep() && compute.info.software) {
        (Device::flex(), false)
    } else {
        (compute.device.clone(), true)
    }
}

/// Why a read-back failed. On a GPU: a lost device or one out of memory, so the run stops
/// here and the page offers the CPU once the spec is priced for it.
fn readback_failure(err: impl std::fmt::Debug, gpu: bool) -> (Failure, String) {
    if gpu {
        (
            Failure::Device,
            format!("WebGPU failed ({err:?}): the device was lost or ran out of memory"),
        )
    } else {
        (Failure::Other, format!("metrics read-back failed: {err:?}"))
    }
}

/// Slowed down: rests in proportion to a slice's `worked_ms`, a little at a time, so a pause,
/// a new start or a faster speed takes effect at once.
async fn rest(state: &State, id: u64, worked_ms: f64) {
    let mut rest = worked_ms * (1.0 / state.share.get() - 1.0);
    while rest >= 1.0
        && state.generation.get() == id
        && !state.paused.get()
        && state.share.get() < 1.0
    {
        let nap = rest.min(50.0);
        sleep_ms(nap as i32).await;
        rest -= nap;
    }
}

async fn train(state: &Rc<State>, id: u64, begin: &Start) -> Result<(), (Failure, String)> {
    let other = |e: String| (Failure::Other, e);
    let run_error = |e: RunError| (Failure::from(&e), e.to_string());
    let (spec, preset) = link::decode_strict(&begin.link).map_err(|e| other(e.to_string()))?;
    let current = || state.generation.get() == id;
    {
        let compute = state
            .compute
            .borrow()
            .clone()
            .ok_or_else(|| other("the device is not open".into()))?;
        let (device, on_gpu) = device_for(&spec, &compute, begin.cpu);
        let mut session = experiments::start_runs(
            &spec,
            &device,
            begin.runs.as_deref(),
            1,
            begin.data.as_ref(),
        )
        .map_err(|e| other(e.to_string()))?;
        post(&FromWorker::Started {
            total_steps: session.total_steps(),
            points: session.points(),
            galleries: session.galleries(),
        });
        let mut publisher = Publisher {
            sent: Sent {
                galleries: session.galleries(),
                ..Sent::default()
            },
            preset: preset.name().to_string(),
            colourer: Colourer::default(),
            gpu: on_gpu,
        };
        let started = now_ms();
        let mut paused_ms = 0.0;
        let mut last_publish = f64::NEG_INFINITY;
        let mut stale = false;
        let mut held = false;
        let rate = |paused_ms: f64, steps: usize| {
            steps as f64 * 1000.0 / (now_ms() - started - paused_ms).max(1.0)
        };
        while !session.is_finished() {
            if !current() {
                return Ok(());
            }
            if state.paused.get() {
                if stale {
                    let r = rate(paused_ms, session.steps_done());
                    publisher.publish(session.as_ref(), &compute, r).await;
                    stale = false;
                }
                if !held {
                    // After the last progress message: the page shows the exact step it held at.
                    post(&FromWorker::Held { paused: true });
                    held = true;
                }
                let t = now_ms();
                sleep_ms(50).await;
                paused_ms += now_ms() - t;
                continue;
            }
            if held {
                post(&FromWorker::Held { paused: false });
                held = false;
            }
            let slice_start = now_ms();
            let mut probe = None;
            while probe.is_none() && !session.is_finished() && now_ms() - slice_start < SLICE_MS {
                probe = session.advance(4).map_err(run_error)?;
            }
            if let Some(probe) = probe {
                match probe.transaction.execute_async().await {
                    Ok(data) => {
                        if !current() {
                            return Ok(());
                        }
                        let absorbed = session.absorb(data);
                        stale = true;
                        if let Err(e) = absorbed {
                            let r = rate(paused_ms, session.steps_done());
                            publisher.publish(session.as_ref(), &compute, r).await;
                            return Err(run_error(e));
                        }
                    }
                    Err(err) => return Err(readback_failure(err, on_gpu)),
                }
            }
            let steps_per_second = rate(paused_ms, session.steps_done());
            if stale && (session.is_finished() || now_ms() - last_publish >= PUBLISH_MS) {
                publisher
                    .publish(session.as_ref(), &compute, steps_per_second)
                    .await;
                last_publish = now_ms();
                stale = false;
            } else {
                // Steps only: cheap, and the progress bar moves between evaluations.
                post(&FromWorker::Progress {
                    steps_done: session.steps_done(),
                    steps_per_second,
                    report: None,
                    surface: None,
                    galleries: None,
                });
            }
            rest(state, id, now_ms() - slice_start).await;
            yield_now().await;
        }
        if stale {
            let r = rate(paused_ms, session.steps_done());
            publisher.publish(session.as_ref(), &compute, r).await;
        }
        if current() {
            post(&FromWorker::Done);
        }
        Ok(())
    }
}
