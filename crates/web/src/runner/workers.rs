//! The runner's workers: claiming a training place, pricing and launching a spec on the
//! workers, watching their device, and merging what they send back.

use super::*;

impl Inner {
    /// How the device the first worker opened is priced; `None` while it is opening.
    pub(super) fn pricing(&self) -> Option<Pricing> {
        self.view
            .compute
            .with_untracked(|c| c.as_ref().map(Pricing::of))
    }

    /// The device to train `spec` on: the one the first worker `opened`, or the CPU where this
    /// page measured it faster for a spec of this kind. Measured only where both could take
    /// the spec (within their budgets, or approved); `None` while the first worker measures
    /// it, and the start waits (a running run ends first: the worker that measures is free).
    pub(super) fn measured_choice(
        this: &Rc<Self>,
        spec: &AnySpec,
        preset: Preset,
        opened: Pricing,
        wanted: usize,
        approved: bool,
        busy: bool,
    ) -> Option<Pricing> {
        let v = this.view;
        v.choice.set(None);
        if opened == Pricing::Cpu || this.gpu_forced || spec.is_sweep() {
            return Some(opened);
        }
        let gpu_plan = spec.tab_plan(opened.target(spec), wanted, &opened.budget());
        let cpu_budget = Pricing::Cpu.budget();
        let cpu_plan = spec.tab_plan(Target::Cpu, wanted, &cpu_budget);
        let gpu_ok = approved || opened.budget().check(gpu_plan.cost).is_ok();
        // A software adapter is priced as the CPU: approved for one, approved for the other.
        let cpu_ok =
            cpu_budget.check(cpu_plan.cost).is_ok() || (approved && opened == Pricing::SoftwareGpu);
        if !(gpu_ok && cpu_ok) {
            return Some(opened);
        }
        let key = spec.speed_key(&gpu_plan, &cpu_plan);
        let known = this
            .measured
            .borrow()
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, speeds)| *speeds);
        if let Some(speeds) = known {
            v.choice.set(Some(speeds));
            return Some(if speeds.cpu_wins() {
                Pricing::Cpu
            } else {
                opened
            });
        }
        if this.measuring.borrow().is_none() {
            // The worker that measures must be free (and a widget's may have been let go).
            if busy || this.slots.borrow().is_empty() {
                Self::respawn(this);
            }
            let first = |plan: &overfit_core::cost::TabPlan| {
                (plan.shares.len() > 1).then(|| plan.shares[0].clone())
            };
            let message = ToWorker::Measure {
                link: link::encode(spec, preset),
                gpu_runs: first(&gpu_plan),
                cpu_runs: first(&cpu_plan),
                data: this
                    .data
                    .borrow()
                    .clone()
                    .filter(|_| trains_on_own_data(spec)),
            };
            if let Some(slot) = this.slots.borrow().first() {
                slot.worker.post(&message);
                this.measuring.replace(Some(key));
            }
        }
        this.pending.set(true);
        v.status.set(Status::Measuring);
        None
    }

    pub(super) fn use_cpu(&self, reason: &str) {
        self.webgpu.set(false);
        self.cpu_reason.replace(Some(reason.to_string()));
        self.pending.set(false);
        self.view.offer_cpu.set(false);
        self.view.compute.set(None);
        self.view.status.set(Status::Idle);
    }

    /// Every worker ends, whatever it was doing.
    pub(super) fn end_workers(&self) {
        let old: Vec<Slot> = self.slots.borrow_mut().drain(..).collect();
        for slot in old {
            slot.worker.terminate();
        }
        // A measurement in flight ended with its worker.
        self.measuring.replace(None);
        self.active.set(0);
        self.view.workers.set(0);
    }

    /// A widget's workers end and its training place is freed.
    pub(super) fn let_go(this: &Rc<Self>) {
        this.end_workers();
        this.place.replace(None);
        this.unplaced.set(false);
    }

    /// A widget that has waited too long for a place stops waiting and runs without one.
    pub(super) fn run_unplaced(this: &Rc<Self>) {
        this.overdue.replace(None);
        this.unplaced.set(true);
        if let Some(places) = &this.places {
            places.cancel_wait();
        }
        let view = this.view;
        if view
            .notice
            .with_untracked(|n| n.as_deref() == Some(NO_PLACE))
        {
            view.notice.set(None);
        }
        Self::reprice(this);
    }

    /// A widget without a place waits for one (see [`crate::places`]), then asks again for
    /// the run last asked for, unless it was stopped meanwhile.
    pub(super) fn claim_place(this: &Rc<Self>, places: &Rc<Places>) {
        this.view.status.set(Status::Queued);
        if this.claiming.replace(true) {
            // A start while the wait goes on: it still says why it has been long.
            if let Some(why) = this.overdue.borrow().clone() {
                this.view.over_budget.set(Some(why));
            }
            return;
        }
        let weak = Rc::downgrade(this);
        let places = places.clone();
        let view = this.view;
        let overdue = {
            let weak = weak.clone();
            move |why: String| {
                if let Some(inner) = weak.upgrade()
                    && view.status.get_untracked() == Status::Queued
                {
                    inner.overdue.replace(Some(why.clone()));
                    view.over_budget.set(Some(why));
                }
            }
        };
        wasm_bindgen_futures::spawn_local(async move {
            let place = places
                .claim(move || view.notice.set(Some(NO_PLACE.to_string())), overdue)
                .await;
            let Some(inner) = weak.upgrade() else {
                return;
            };
            inner.claiming.set(false);
            if let Some(why) = inner.overdue.take()
                && view
                    .over_budget
                    .with_untracked(|o| o.as_ref() == Some(&why))
            {
                view.over_budget.set(None);
            }
            if view
                .notice
                .with_untracked(|n| n.as_deref() == Some(NO_PLACE))
            {
                view.notice.set(None);
            }
            if view.status.get_untracked() != Status::Queued {
                return; // stopped while it waited: `place` is freed here
            }
            let Some(place) = place else {
                view.status.set(Status::Failed(
                    "this browser refused a training place to this widget".into(),
                ));
                return;
            };
            inner.place.replace(Some(place));
            Self::reprice(&inner);
        });
    }

    /// See [`Runner::request`].
    pub(super) fn request(this: &Rc<Self>, spec: AnySpec, preset: Preset) {
        let v = this.view;
        this.last.replace(Some((spec.clone(), preset)));
        v.over_budget.set(None);
        v.offer_cpu.set(false);
        if let Some(places) = &this.places
            && this.place.borrow().is_none()
            && !this.unplaced.get()
        {
            if matches!(v.status.get_untracked(), Status::Running | Status::Paused) {
                Self::let_go(this);
            }
            Self::claim_place(this, places);
            return;
        }
        let busy = matches!(
            v.status.get_untracked(),
            Status::Running | Status::Paused | Status::Failed(_)
        );
        let Some(opened) = this.pricing() else {
            // Priced when the first worker reports its device.
            if busy || this.slots.borrow().is_empty() {
                Self::respawn(this);
            }
            this.pending.set(true);
            v.status.set(Status::Waiting);
            return;
        };
        this.pending.set(false);
        let wanted = this
            .max_workers
            .unwrap_or_else(|| workers_for(spec.independent_runs(), worker_budget()));
        let approved = this
            .approved
            .borrow()
            .as_ref()
            .is_some_and(|(s, p)| *s == spec && *p == opened);
        let Some(pricing) =
            Self::measured_choice(this, &spec, preset, opened, wanted, approved, busy)
        else {
            return;
        };
        let budget = pricing.budget();
        let target = pricing.target(&spec);
        let plan = spec.tab_plan(target, wanted, &budget);
        if !approved && let Err(over) = budget.check(plan.cost) {
            if busy {
                Self::respawn(this);
            }
            v.status.set(Status::Idle);
            v.over_budget.set(Some(over.to_string()));
            return;
        }
        this.priced.set(Some(opened));
        let capped =
            target == Target::Cpu && plan.shares.len() < wanted.min(spec.independent_runs());
        let cpu = pricing == Pricing::Cpu && opened != Pricing::Cpu;
        Self::launch(this, spec, preset, plan.shares, busy, cpu);
        if capped {
            v.notice.set(Some(format!(
                "{} worker{} instead of {}: each worker holds its own copy of the engine and \
                 the data, and more would not fit this tab's memory",
                this.active.get(),
                if this.active.get() == 1 { "" } else { "s" },
                wanted
            )));
        }
    }

    /// Starts `spec` on workers, one per share of its independent runs; on the CPU when `cpu`
    /// although the first worker opened a GPU (the others then open none).
    pub(super) fn launch(
        this: &Rc<Self>,
        spec: AnySpec,
        preset: Preset,
        shares: Vec<Vec<usize>>,
        busy: bool,
        cpu: bool,
    ) {
        let v = this.view;
        if busy || this.slots.borrow().is_empty() {
            Self::respawn(this);
        }
        while this.slots.borrow().len() < shares.len() {
            Self::spawn(this, this.webgpu.get() && !cpu);
        }
        // Spare workers hold a whole module's memory each: let them go.
        let spare: Vec<Slot> = this.slots.borrow_mut().drain(shares.len()..).collect();
        for slot in spare {
            slot.worker.terminate();
        }
        v.status.set(Status::Running);
        v.steps_done.set(0);
        v.total_steps.set(spec.total_steps());
        v.steps_per_second.set(0.0);
        v.notice.set(None);
        v.report.set(None);
        v.surface.set(None);
        v.workers.set(shares.len());
        this.active.set(shares.len());
        let link = link::encode(&spec, preset);
        let whole = shares.len() == 1;
        for (slot, runs) in this.slots.borrow_mut().iter_mut().zip(shares) {
            slot.runs = (!whole).then_some(runs);
            slot.report = None;
            slot.galleries = Vec::new();
            slot.steps_done = 0;
            slot.steps_per_second = 0.0;
            slot.held = false;
            slot.done = false;
            slot.worker.post(&ToWorker::Speed {
                share: this.speed.get(),
            });
            slot.worker.post(&ToWorker::Start {
                link: link.clone(),
                runs: slot.runs.clone(),
                data: this
                    .data
                    .borrow()
                    .clone()
                    .filter(|_| trains_on_own_data(&spec)),
                cpu,
            });
        }
    }

    /// Asks again for the run last asked for (after the device changed), if one is waiting or
    /// running.
    pub(super) fn reprice(this: &Rc<Self>) {
        // The borrow ends before `request`, which records the run again.
        let last = this.last.borrow().clone();
        if let Some((spec, preset)) = last {
            Self::request(this, spec, preset);
        }
    }

    /// Replaces every worker (ending whatever they were doing) by one fresh worker opening
    /// its device.
    pub(super) fn respawn(this: &Rc<Self>) {
        this.end_workers();
        Self::spawn(this, this.webgpu.get());
    }

    /// Adds a worker and asks it to open its device: WebGPU when `webgpu` (on the WebGPU
    /// module), else the CPU (on the CPU module, a quarter of the bytes). One that has not
    /// opened WebGPU within [`DEVICE_TIMEOUT_MS`] is given up on, and the page goes on with
    /// CPU workers.
    pub(super) fn spawn(this: &Rc<Self>, webgpu: bool) {
        let index = this.slots.borrow().len();
        let id = this.spawned.get() + 1;
        this.spawned.set(id);
        let weak: Weak<Self> = Rc::downgrade(this);
        let spawned = TrainingWorker::spawn(webgpu, move |message| {
            if let Some(inner) = weak.upgrade() {
                Self::receive(&inner, index, message);
            }
        });
        match spawned {
            Ok(worker) => {
                worker.post(&ToWorker::Open {
                    webgpu,
                    cpu_reason: this.cpu_reason.borrow().clone(),
                });
                if webgpu {
                    Self::watch_device(this, id);
                }
                this.slots.borrow_mut().push(Slot {
                    id,
                    worker,
                    runs: None,
                    report: None,
                    steps_done: 0,
                    steps_per_second: 0.0,
                    held: false,
                    done: false,
                    compute: None,
                    galleries: Vec::new(),
                });
            }
            Err(error) => this.view.status.set(Status::Failed(error)),
        }
    }

    /// After [`DEVICE_TIMEOUT_MS`], if worker `id` is still opening its GPU: switch this page to
    /// the CPU, say why, and ask again for the run that was waiting for it (priced for the CPU
    /// once the CPU worker is ready).
    pub(super) fn watch_device(this: &Rc<Self>, id: u64) {
        let weak = Rc::downgrade(this);
        let check = wasm_bindgen::closure::Closure::once_into_js(move || {
            let Some(inner) = weak.upgrade() else {
                return;
            };
            let stuck = inner
                .slots
                .borrow()
                .iter()
                .any(|slot| slot.id == id && slot.compute.is_none());
            if !stuck {
                return;
            }
            let reason = format!(
                "WebGPU did not start within {} s; training on the CPU",
                DEVICE_TIMEOUT_MS / 1000
            );
            let waiting = matches!(
                inner.view.status.get_untracked(),
                Status::Running | Status::Waiting | Status::Measuring
            );
            inner.use_cpu(&reason);
            Self::respawn(&inner);
            inner.view.notice.set(Some(reason));
            if waiting {
                Self::reprice(&inner);
            }
        });
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                check.unchecked_ref(),
                DEVICE_TIMEOUT_MS,
            );
        }
    }

    /// Takes one message of worker `index`.
    pub(super) fn receive(this: &Rc<Self>, index: usize, message: FromWorker) {
        let ready = matches!(message, FromWorker::Ready { .. });
        if let FromWorker::Measured(speeds) = message {
            if index == 0
                && let Some(key) = this.measuring.take()
            {
                this.measured.borrow_mut().push((key, speeds));
                this.view.measurements.update(|n| *n += 1);
                if this.pending.get() {
                    Self::reprice(this);
                }
            }
            return;
        }
        if matches!(message, FromWorker::Failed { .. }) && index == 0 {
            this.measuring.replace(None);
        }
        this.take(index, message);
        if ready && index == 0 {
            // The device is known now: a waiting start is priced for it, and a run priced for
            // another device (this worker fell back) is priced again.
            let running = matches!(
                this.view.status.get_untracked(),
                Status::Running | Status::Paused
            );
            let moved = running && this.priced.get() != this.pricing();
            if this.pending.get() || moved {
                Self::reprice(this);
            }
        }
    }

    pub(super) fn take(&self, index: usize, message: FromWorker) {
        let v = self.view;
        let active = self.active.get();
        let mut slots = self.slots.borrow_mut();
        let Some(slot) = slots.get_mut(index) else {
            return;
        };
        match message {
            FromWorker::Loaded | FromWorker::Measured(_) => {}
            FromWorker::Ready { protocol, compute } => {
                if protocol != PROTOCOL {
                    v.status.set(Status::Failed(
                        "the training worker is from another version of this page: reload".into(),
                    ));
                }
                slot.compute = Some(compute.clone());
                if index == 0 {
                    v.compute.set(Some(compute));
                }
            }
            FromWorker::Started {
                points, galleries, ..
            } => {
                if index == 0 {
                    v.points.set(points);
                }
                slot.galleries = galleries;
                publish_galleries(&v, &slots, active);
            }
            FromWorker::Progress {
                steps_done,
                steps_per_second,
                report,
                surface,
                galleries,
            } => {
                slot.steps_done = steps_done;
                slot.steps_per_second = steps_per_second;
                if let Some(patch) = report {
                    slot.report = Some(patch.apply(slot.report.take()));
                    drop(slots);
                    self.publish_report();
                    slots = self.slots.borrow_mut();
                }
                if surface.is_some() {
                    v.surface.set(surface);
                }
                if let Some(g) = galleries {
                    slots[index].galleries = g;
                    publish_galleries(&v, &slots, active);
                }
                // The run is as far along, and as fast, as its slowest worker.
                let running = slots.iter().take(active);
                v.steps_done
                    .set(running.clone().map(|s| s.steps_done).min().unwrap_or(0));
                let rate = running.map(|s| s.steps_per_second).reduce(f64::min);
                v.steps_per_second.set(rate.unwrap_or(0.0));
            }
            FromWorker::Held { paused } => {
                slot.held = paused;
                let all_held = slots.iter().take(active).all(|s| s.held);
                let status = v.status.get_untracked();
                if all_held && status == Status::Running {
                    v.status.set(Status::Paused);
                } else if !paused && status == Status::Paused {
                    v.status.set(Status::Running);
                }
            }
            FromWorker::Notice { text, compute } => {
                v.notice.set(Some(text));
                slot.compute = Some(compute.clone());
                if index == 0 {
                    v.compute.set(Some(compute));
                }
            }
            FromWorker::Done => {
                slot.done = true;
                if slots.iter().take(active).all(|s| s.done) {
                    v.status.set(Status::Done);
                }
            }
            FromWorker::Failed { error, kind } => {
                // On a GPU the run may fit the CPU: the page offers it (priced first), unless
                // it diverged, which another device would not mend.
                if kind != Failure::Diverged && slot.compute.as_ref().is_some_and(|c| c.gpu) {
                    v.offer_cpu.set(true);
                }
                v.status.set(Status::Failed(if active > 1 {
                    format!("worker {} of {active}: {error}", index + 1)
                } else {
                    error
                }));
            }
        }
    }

    /// Shows the workers' reports as one, once each has sent its first.
    pub(super) fn publish_report(&self) {
        let slots = self.slots.borrow();
        let active = &slots[..self.active.get().min(slots.len())];
        let mut report = match active {
            [only] => only.report.clone(),
            _ => active
                .iter()
                .map(|s| Some((s.runs.clone()?, s.report.clone()?)))
                .collect::<Option<Vec<_>>>()
                .and_then(Report::merge),
        };
        // What the runs say together (e.g. steps to generalise by training fraction).
        if let Some(r) = &mut report
            && let Ok(experiment) = r.experiment.parse::<Experiment>()
        {
            experiment.add_joint_runs(r);
        }
        if report.is_some() {
            self.view.report.set(report);
        }
    }
}
