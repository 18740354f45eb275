//! Drives a run from the page without training on the page's thread: the spec goes to
//! dedicated Web Workers (see `overfit_core::worker_protocol`), and only what they send back is shown.
//! A spec's independent runs (grokking's baseline and filters) train in workers of their own,
//! about one per core the browser reports (leaving the page one when there are four or more;
//! a worker per run when that evens the load, see [`workers_for`]), and
//! their reports are merged back into the report of training them together. Stop and Reset
//! terminate the workers at once, even in the middle of a long step, and start a fresh one,
//! so the next Run finds its device already open.
//!
//! Where the first worker opened WebGPU (a hardware or a software adapter) and a spec fits both
//! it and the CPU, the page times a few steps of the spec on each before it trains
//! (`ToWorker::Measure`), trains on the faster, and says which and by how much; the measurement
//! is kept for specs of the same work per step while the page is open. `backend=webgpu` and
//! `backend=cpu` choose without measuring.
//!
//! A run is priced where the device is known: a start waits until the first worker says which
//! device it opened (and is priced again after any fallback: a device that does not open in
//! time, "Run on the CPU", a worker whose device differs from the one priced), and nothing
//! starts that is over the budget of that device unless "Run anyway" approved it for exactly
//! that spec and device. A software WebGPU adapter is priced as the CPU it runs on. The price
//! counts every worker (each holds its own module and data), and fewer workers are used when
//! more would not fit.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use wasm_bindgen::JsCast;

use leptos::prelude::*;
use overfit_core::cost::{Budget, Target, workers_for};
use overfit_core::data::table::Table;
use overfit_core::experiments::AnySpec;
use overfit_core::experiments::{Experiment, trains_on_own_data};
use overfit_core::link;
use overfit_core::report::Report;
use overfit_core::spec::Preset;
use overfit_core::train::Gallery;
use overfit_core::worker_protocol::{
    ComputeInfo, Failure, FromWorker, PROTOCOL, Speeds, SurfaceImage, ToWorker,
};

use crate::places::{Place, Places};
use crate::worker_handle::TrainingWorker;

mod workers;

#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Idle,
    /// A start waits for the worker's device, to be priced for it.
    Waiting,
    /// A start waits while the first worker times the spec on WebGPU and on the CPU.
    Measuring,
    /// A widget's start waits for a free training place on its course page.
    Queued,
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
    pub surface: RwSignal<Option<SurfaceImage>>,
    pub points: RwSignal<Vec<(f32, f32, u8, bool)>>,
    pub galleries: RwSignal<Vec<Gallery>>,
    /// A notice that is not a failure (e.g. a switch to the CPU after a lost device).
    pub notice: RwSignal<Option<String>>,
    /// What the first worker trains on, once its device is open.
    pub compute: RwSignal<Option<ComputeInfo>>,
    /// The measurement that chose the current run's device (`None`: no choice was measured).
    pub choice: RwSignal<Option<Speeds>>,
    /// Measurements this page has made.
    pub measurements: RwSignal<usize>,
    /// Workers training the current run (the page itself never trains).
    pub workers: RwSignal<usize>,
    /// The run stopped on the GPU (a lost device, out of memory): the page offers the CPU.
    pub offer_cpu: RwSignal<bool>,
    /// Why the last start did not run: over the budget of the device the worker opened, or
    /// (a widget) no training place freed for [`crate::places::PATIENCE_MS`].
    pub over_budget: RwSignal<Option<String>>,
}

impl RunView {
    fn new() -> Self {
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
            compute: RwSignal::new(None),
            choice: RwSignal::new(None),
            measurements: RwSignal::new(0),
            workers: RwSignal::new(0),
            offer_cpu: RwSignal::new(false),
            over_budget: RwSignal::new(None),
        }
    }
}

/// One worker and what it last told the page.
/// Shows every active worker's galleries, in worker order (each worker draws its own runs').
fn publish_galleries(view: &RunView, slots: &[Slot], active: usize) {
    view.galleries.set(
        slots
            .iter()
            .take(active)
            .flat_map(|s| s.galleries.clone())
            .collect(),
    );
}

struct Slot {
    /// Which spawn this is (a device time-out must not hit a later worker).
    id: u64,
    worker: TrainingWorker,
    /// The independent runs it trains (`None`: the whole spec).
    runs: Option<Vec<usize>>,
    report: Option<Report>,
    steps_done: usize,
    /// Its steps/s, paused time excluded (the worker times itself).
    steps_per_second: f64,
    held: bool,
    done: bool,
    compute: Option<ComputeInfo>,
    /// Its latest galleries: the page shows every worker's, in worker order.
    galleries: Vec<Gallery>,
}

/// What a run is priced for: the device the first worker opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pricing {
    Cpu,
    /// A software WebGPU adapter (SwiftShader, lavapipe): it computes on the CPU.
    SoftwareGpu,
    Gpu,
}

impl Pricing {
    fn of(compute: &ComputeInfo) -> Self {
        match (compute.gpu, compute.software) {
            (false, _) => Self::Cpu,
            (true, true) => Self::SoftwareGpu,
            (true, false) => Self::Gpu,
        }
    }

    fn budget(self) -> Budget {
        match self {
            Self::Cpu => Budget::page(Target::Cpu),
            Self::SoftwareGpu => Budget::page_software_gpu(),
            Self::Gpu => Budget::page(Target::Gpu),
        }
    }

    /// Where `spec` computes: on the GPU's backend, except a closed-form sweep on a software
    /// adapter, which the worker runs on the CPU.
    fn target(self, spec: &AnySpec) -> Target {
        match self {
            Self::Cpu => Target::Cpu,
            Self::SoftwareGpu if spec.is_sweep() => Target::Cpu,
            Self::SoftwareGpu | Self::Gpu => Target::Gpu,
        }
    }
}

struct Inner {
    slots: RefCell<Vec<Slot>>,
    /// Workers in use by the current run (the first `active` slots).
    active: Cell<usize>,
    /// WebGPU was asked for (not `backend=cpu`), the page's browser has `navigator.gpu`, and
    /// no GPU has failed or timed out on this page.
    webgpu: Cell<bool>,
    cpu_reason: RefCell<Option<String>>,
    spawned: Cell<u64>,
    /// The run last asked for, to price and start again after a device change.
    last: RefCell<Option<(AnySpec, Preset)>>,
    /// A start waits for the first worker's device.
    pending: Cell<bool>,
    /// The device the first worker had opened when the current run was priced.
    priced: Cell<Option<Pricing>>,
    /// Measured speeds on this page, by `AnySpec::speed_key`.
    measured: RefCell<Vec<(String, Speeds)>>,
    /// The key of the measurement the first worker is making.
    measuring: RefCell<Option<String>>,
    /// "Run anyway" for this spec on this device.
    approved: RefCell<Option<(AnySpec, Pricing)>>,
    /// `backend=webgpu`: WebGPU (a software adapter too) without measuring the CPU against it.
    gpu_forced: bool,
    /// `workers=N` from the link: exactly this many workers at most for one run.
    max_workers: Option<usize>,
    /// The share of the time the workers train (see `ToWorker::Speed`).
    speed: Cell<f64>,
    /// A widget's share of the training places of its course page (see [`crate::places`]).
    places: Option<Rc<Places>>,
    /// The place this widget holds from the start of a run to its end.
    place: RefCell<Option<Place>>,
    /// A start waits for a place.
    claiming: Cell<bool>,
    /// Why the wait for a place has gone on too long (as `over_budget` shows it), while it
    /// does: "Run anyway" then runs without a place.
    overdue: RefCell<Option<String>>,
    /// The current run was started without a place ("Run anyway" after a long wait).
    unplaced: Cell<bool>,
    /// The reader's own data, for a spec that trains on it (`dataset=local`).
    data: RefCell<Option<Table>>,
    view: RunView,
}

/// Owns the page's training workers.
#[derive(Clone)]
pub struct Runner {
    inner: Rc<Inner>,
    pub view: RunView,
}

/// How long a worker may take to open its device before the page gives up on WebGPU.
const DEVICE_TIMEOUT_MS: i32 = 30_000;

/// What a widget says while every training place of its course page is taken.
const NO_PLACE: &str = "Waiting for a free place: the widgets on this page train a few at a \
                        time, and this one starts when another finishes or is scrolled away.";
/// What a widget says after giving its place up to one in view.
const GAVE_PLACE: &str = "Stopped while out of view, so that a widget in view could train: \
                          Run starts it again.";

/// Workers the browser can run side by side: its logical cores, less one for the page when
/// there are four or more.
pub fn worker_budget() -> usize {
    let cores = web_sys::window()
        .map(|w| w.navigator().hardware_concurrency() as usize)
        .unwrap_or(1)
        .max(1);
    if cores >= 4 { cores - 1 } else { cores }
}

impl Runner {
    /// A runner with a worker already opening its device (the badge shows which); runs use at
    /// most `max_workers` workers (default: [`workers_for`] the spec's runs on [`worker_budget`]
    /// cores, fewer when more would not fit the memory budget). `gpu_forced` (`backend=webgpu`)
    /// trains on WebGPU without measuring the CPU against it.
    ///
    /// A `widget` (on a course page) starts no worker before its first run, and trains on one
    /// worker in one of the training places that all widgets of its page share
    /// ([`crate::places`]): its worker is let go, and its place freed, when the run ends.
    pub fn new(
        force_cpu: bool,
        gpu_forced: bool,
        max_workers: Option<usize>,
        widget: bool,
    ) -> Self {
        let (webgpu, cpu_reason) = if force_cpu {
            (
                false,
                Some("CPU requested in the link (backend=cpu)".to_string()),
            )
        } else if !crate::worker_handle::page_has_webgpu() {
            (false, Some("this browser has no WebGPU".to_string()))
        } else {
            (true, None)
        };
        let view = RunView::new();
        let places = widget.then(|| Places::new(worker_budget())).flatten();
        let max_workers = if places.is_some() {
            Some(1)
        } else {
            max_workers.map(|n| n.max(1))
        };
        let inner = Rc::new(Inner {
            slots: RefCell::new(Vec::new()),
            active: Cell::new(0),
            webgpu: Cell::new(webgpu),
            cpu_reason: RefCell::new(cpu_reason),
            spawned: Cell::new(0),
            last: RefCell::new(None),
            pending: Cell::new(false),
            priced: Cell::new(None),
            approved: RefCell::new(None),
            measured: RefCell::new(Vec::new()),
            measuring: RefCell::new(None),
            gpu_forced,
            max_workers,
            speed: Cell::new(1.0),
            places: places.clone(),
            place: RefCell::new(None),
            claiming: Cell::new(false),
            overdue: RefCell::new(None),
            unplaced: Cell::new(false),
            data: RefCell::new(None),
            view,
        });
        if let Some(places) = places {
            let weak = Rc::downgrade(&inner);
            places.on_yield(move || {
                if let Some(inner) = weak.upgrade() {
                    Runner::stop_inner(&inner);
                    inner.view.notice.set(Some(GAVE_PLACE.to_string()));
                }
            });
            // A run that ended lets its worker and its place go.
            let weak = Rc::downgrade(&inner);
            Effect::new(move |_| {
                let ended = matches!(
                    view.status.get(),
                    Status::Idle | Status::Done | Status::Failed(_)
                );
                if let Some(inner) = weak.upgrade()
                    && ended
                    && (inner.place.borrow().is_some() || inner.unplaced.get())
                {
                    Inner::let_go(&inner);
                }
            });
        }
        if !widget {
            Inner::respawn(&inner);
        }
        Self { inner, view }
    }

    /// The widget holds its run out of view (`true`) or is seen again: it pauses, and gives
    /// its training place up to a widget in view that waits for one.
    pub fn hold_unseen(&self, unseen: bool) {
        self.set_paused(unseen);
        if let Some(places) = &self.inner.places {
            places.set_unseen(unseen);
        }
    }

    /// Asks for `spec` to run from scratch (a new model and optimizer every time): priced for
    /// the device the first worker opened, and started only within that device's budget
    /// (or when "Run anyway" approved it); while the device is still opening, it waits.
    pub fn request(&self, spec: AnySpec, preset: Preset) {
        Inner::request(&self.inner, spec, preset);
    }

    /// Runs the spec last asked for even though it is over the budget of the device that is
    /// open now (not of any other: a change of device prices it again); or, for a widget that
    /// has waited too long for a training place, without one.
    pub fn run_anyway(&self) {
        if self.inner.overdue.borrow().is_some()
            && self.view.status.get_untracked() == Status::Queued
        {
            Inner::run_unplaced(&self.inner);
            return;
        }
        let Some((spec, preset)) = self.inner.last.borrow().clone() else {
            return;
        };
        if let Some(pricing) = self.inner.pricing() {
            self.inner.approved.replace(Some((spec.clone(), pricing)));
        }
        self.request(spec, preset);
    }

    /// From now on this page trains on the CPU (after a GPU failure); fresh workers open it.
    pub fn use_cpu(&self, reason: &str) {
        self.inner.use_cpu(reason);
        Inner::respawn(&self.inner);
    }

    /// Ends the run at once: its workers are terminated mid-step if need be; a start that
    /// waits for the device is dropped.
    pub fn stop(&self) {
        Self::stop_inner(&self.inner);
    }

    fn stop_inner(inner: &Rc<Inner>) {
        inner.pending.set(false);
        let status = inner.view.status.get_untracked();
        if status == Status::Queued
            && let Some(places) = &inner.places
        {
            // A stopped widget no longer waits (nor counts as waiting) for a place.
            places.cancel_wait();
        }
        if matches!(status, Status::Running | Status::Paused) {
            if inner.places.is_some() {
                Inner::let_go(inner);
            } else {
                Inner::respawn(inner);
            }
        }
        if matches!(
            status,
            Status::Running | Status::Paused | Status::Waiting | Status::Measuring | Status::Queued
        ) {
            inner.view.status.set(Status::Idle);
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

    /// The reader's own data that later runs of `dataset=local` train on (it never leaves this
    /// page and its workers).
    pub fn set_data(&self, data: Option<Table>) {
        self.inner.data.replace(data);
    }

    /// Trains at `share` of full speed from now on (this run's workers and later runs').
    pub fn set_speed(&self, share: f64) {
        self.inner.speed.set(share);
        for slot in self.inner.slots.borrow().iter() {
            slot.worker.post(&ToWorker::Speed { share });
        }
    }

    /// Asks the workers to hold or go on; the status follows when they all confirm.
    pub fn set_paused(&self, paused: bool) {
        let slots = self.inner.slots.borrow();
        for slot in slots.iter().take(self.inner.active.get()) {
            slot.worker.post(&ToWorker::Pause { paused });
        }
    }
}
