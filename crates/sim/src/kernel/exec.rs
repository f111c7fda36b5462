//! Executing a unit: entering it (its GIL, its event loop), resuming its program until its
//! next operation, and taking that operation from its mailbox.

use super::*;

impl Sim {
    /// Runs `u` to its next operation and applies it. `settled`: `candidates` decided `u` at once, so
    /// no event loop exists and, with a GIL, `u` holds its own; nothing here need change.
    #[inline(always)]
    pub(super) fn exec(&mut self, u: UnitId, settled: bool) {
        // Most steps are a thread that `candidates` decided at once resuming its program (nothing
        // pending): a few tests here, and the rest of entering a unit is out of line.
        let idle = self.units[u.index()].pending.is_none();
        if settled {
            if self.machine.gil && self.footprint.is_some() {
                let process = self.units[u.index()].info.process;
                self.touch(Resource::Gil(process), true);
            }
        } else {
            self.exec_enter(u);
        }
        // Usually nothing is pending: tested before taking, so the common case does not copy
        // the whole empty slot out and back.
        if idle {
            self.resume(u);
        } else if !crate::prims::lock::wait_again(self, u) {
            match self.units[u.index()].pending.take() {
                Some(Op::Begin) => self.begin(u),
                Some(op) => self.dispatch(u, op),
                None => {}
            }
        }
    }

    /// Before a unit that the scheduler chose runs: its thread takes the GIL, and a task
    /// becomes its loop's current one.
    #[inline(never)]
    pub(super) fn exec_enter(&mut self, u: UnitId) {
        let task_loop = self.task_loop(u);
        if self.machine.gil {
            // A task runs on its loop's thread, which holds the GIL for it.
            let os = self.os_thread(u);
            let host = &self.units[os.index()];
            let (process, pix) = (host.info.process, host.proc_ix);
            self.touch(Resource::Gil(process), true);
            if self.procs[pix].gil.holder != Some(os) {
                self.hand_gil(pix, os);
            }
        }
        if let Some(l) = task_loop {
            self.touch(Resource::Loop(l as u32), true);
            let lp = &mut self.loops[l];
            if lp.current != Some(u) {
                if lp.ready.front() == Some(&u) {
                    lp.ready.pop_front();
                } else {
                    lp.ready.retain(|&t| t != u);
                }
                lp.current = Some(u);
                self.refresh_loop_display(l);
            }
        }
    }

    /// Starts a unit's program, runs it to its first operation and applies that.
    pub(super) fn begin(&mut self, u: UnitId) {
        // Beginning runs the unit's own code up to its first operation: it only reads its
        // start (and a cancel that came first). `Thread.start()` waiting for this step reads
        // it too, so the two commute: whichever goes first, both end in the same state.
        self.touch(Resource::Unit(u), false);
        let unit = &mut self.units[u.index()];
        if unit.must_cancel {
            unit.must_cancel = false;
            self.finish_unit(u, Err(PyError::cancelled()));
            return;
        }
        let Some(program) = unit.program.take() else {
            self.finish_unit(
                u,
                Err(PyError::runtime("internal error: unit has no program")),
            );
            return;
        };
        let cx = Ctx {
            unit: u,
            mailbox: Rc::clone(&unit.mailbox),
            registry: Rc::clone(&self.registry),
            in_task: unit.in_task,
        };
        unit.fut = Some((program.0)(cx));
        // Wake whoever waits in `start()` for this unit to run, in the order they came.
        // Waking one does not touch this unit's list, so it is walked in place.
        let mut i = 0;
        while let Some(&j) = self.units[u.index()].joiners.get(i) {
            if self.units[j.index()].wait == Some(Wait::Started(u)) {
                self.units[u.index()].joiners.remove(i);
                self.complete(j, Ok(Ret::None));
            } else {
                i += 1;
            }
        }
        self.resume(u);
    }

    /// Polls the unit's future until it asks for a non-local operation, and applies that; or
    /// until it returns.
    // Inlined into the step loop, its one hot caller: the call itself was a tenth of its
    // cost.
    #[inline(always)]
    pub(super) fn resume(&mut self, u: UnitId) {
        {
            let unit = &mut self.units[u.index()];
            unit.mailbox.resumed_at.set(self.now);
            if unit.must_cancel && unit.in_task {
                unit.must_cancel = false;
                unit.mailbox.put_reply(Err(PyError::cancelled()));
            }
        }
        loop {
            // The program's code runs here; it only talks to its mailbox and the registry,
            // never to the kernel, so the future is polled where it lives.
            let poll = match self.units[u.index()].fut.as_mut() {
                Some(fut) => fut.as_mut().poll(&mut Context::from_waker(Waker::noop())),
                None => {
                    self.finish_unit(
                        u,
                        Err(PyError::runtime("internal error: unit has no future")),
                    );
                    return;
                }
            };
            self.drain_registry();
            self.record_accesses(u);
            match poll {
                Poll::Ready(result) => {
                    self.units[u.index()].fut = None;
                    self.unit_returned(u, result);
                    return;
                }
                Poll::Pending => {
                    if self.units[u.index()].mailbox.misuse.get() {
                        self.finish_unit(
                            u,
                            Err(PyError::runtime(
                                "a unit awaited two simulator operations at once; await them \
                                 one after the other",
                            )),
                        );
                        return;
                    }
                    let (head, word) = self.units[u.index()].mailbox.take_words();
                    if head != crate::program::REQ_OP {
                        self.dispatch_words(u, head, word);
                        return;
                    }
                    match self.units[u.index()].mailbox.take_op() {
                        None => {
                            self.not_an_op(u);
                            return;
                        }
                        Some(op) if op.is_local() => {
                            let reply = self.local_op(u, op);
                            self.units[u.index()].mailbox.put_reply(reply);
                        }
                        Some(op) => {
                            self.dispatch(u, op);
                            return;
                        }
                    }
                }
            }
        }
    }

    pub(super) fn local_op(&mut self, u: UnitId, op: Op) -> Reply {
        match op {
            Op::CvarGet(var) => {
                if let Some(v) = self.units[u.index()].cvars.get(&var) {
                    return Ok(Ret::Value(v.clone()));
                }
                match self.objs.get(var).map(|o| &o.state) {
                    Some(crate::prims::ObjState::ContextVar { default: Some(d) }) => {
                        Ok(Ret::Value(d.clone()))
                    }
                    _ => Err(PyError::new(
                        PyErrorKind::LookupError,
                        format!("<ContextVar name='{}'>", self.obj_name(var)),
                    )),
                }
            }
            Op::CvarSet(var, v) => {
                self.units[u.index()].cvars.insert(var, *v);
                Ok(Ret::None)
            }
            _ => Err(PyError::runtime("internal error: not a local operation")),
        }
    }

    /// Moves units and objects that programs created into the kernel's arenas.
    #[inline]
    pub(super) fn drain_registry(&mut self) {
        if self.registry.fresh.get() {
            self.drain_registry_slow();
        }
    }

    #[cold]
    pub(super) fn drain_registry_slow(&mut self) {
        self.registry.fresh.set(false);
        // The registry's list and `spec_buf` trade places, so that spawning does not
        // allocate a fresh list every time.
        let mut specs = std::mem::take(&mut self.spec_buf);
        std::mem::swap(&mut specs, &mut *self.registry.units.borrow_mut());
        for spec in specs.drain(..) {
            self.add_unit(spec);
        }
        self.spec_buf = specs;
        let objs = std::mem::take(&mut *self.registry.objs.borrow_mut());
        for spec in objs {
            let proc = self
                .units
                .get(spec.creator.index())
                .map_or(UnitId(0), |c| c.info.process);
            let obj = crate::prims::create(spec, proc);
            if let Some(kind) = crate::prims::counter_name(&obj) {
                let ix = self.trace.counters.len();
                self.trace.counters.push(Counter {
                    name: format!("{} {}", kind, obj.info.name),
                    obj: Some(obj.info.id),
                    points: vec![(self.now, crate::prims::counter_value(&obj))],
                });
                let info = self
                    .objs
                    .push(Obj {
                        counter: Some(ix),
                        ..obj
                    })
                    .info
                    .clone();
                self.trace.objects.push(info);
            } else {
                let info = self.objs.push(obj).info.clone();
                self.trace.objects.push(info);
            }
        }
        if self.units.len() > self.machine.limits.max_units {
            self.end(Outcome::LimitExceeded {
                limit: LimitKind::Units,
                message: format!(
                    "the program created more than {} units (threads, processes, tasks)",
                    self.machine.limits.max_units
                ),
            });
        }
    }

    /// What a new unit of `kind` takes from its creator `parent`: the loop thread hosting
    /// it (a task's, a callback's), its daemon flag, its context variables, its loop.
    fn inherited(
        &self,
        spec: &crate::program::UnitSpec,
        parent: Option<UnitId>,
        kind: UnitKind,
    ) -> Inherited {
        let parent_unit = parent.map(|p| &self.units[p.index()]);
        let in_task = matches!(kind, UnitKind::Task | UnitKind::Callback);
        let host = if in_task {
            parent_unit.map(|p| {
                if p.in_task {
                    p.info.host.unwrap_or(p.info.id)
                } else {
                    p.info.id
                }
            })
        } else {
            None
        };
        let daemon = match (kind, parent_unit) {
            (UnitKind::Thread, Some(p)) => p.info.daemon && p.info.kind == UnitKind::Thread,
            (UnitKind::Process, Some(p)) => self.units[p.info.process.index()].info.daemon,
            _ => false,
        };
        let cvars = match (spec.kind, parent_unit) {
            (SpawnKind::Task | SpawnKind::Callback | SpawnKind::ExecutorThread, Some(p)) => {
                p.cvars.clone()
            }
            (SpawnKind::Thread, Some(p)) if spec.copy_context => p.cvars.clone(),
            _ => BTreeMap::new(),
        };
        let loop_ix = if in_task {
            parent_unit.and_then(|p| if p.in_task { p.loop_ix } else { None })
        } else {
            None
        };
        Inherited {
            host,
            daemon,
            cvars,
            loop_ix,
        }
    }

    pub(super) fn add_unit(&mut self, spec: crate::program::UnitSpec) {
        let parent = self.units.get(spec.parent.index()).map(|p| p.info.id);
        let parent_unit = parent.map(|p| &self.units[p.index()]);
        let kind = match spec.kind {
            SpawnKind::Process => UnitKind::Process,
            SpawnKind::Thread | SpawnKind::ExecutorThread => UnitKind::Thread,
            SpawnKind::Task => UnitKind::Task,
            SpawnKind::Callback => UnitKind::Callback,
        };
        let in_task = matches!(kind, UnitKind::Task | UnitKind::Callback);
        let (process, proc_ix) = match (kind, parent_unit) {
            (UnitKind::Process, _) | (_, None) => (spec.id, self.procs.len()),
            (_, Some(p)) => (p.info.process, p.proc_ix),
        };
        let Inherited {
            host,
            daemon,
            cvars,
            loop_ix,
        } = self.inherited(&spec, parent, kind);
        // The trace keeps the name; the kernel's copy goes without (no second allocation per
        // unit), and `Sim::name` reads it from the trace.
        let info = UnitInfo {
            id: spec.id,
            name: String::new(),
            kind,
            process,
            parent,
            daemon,
            host,
            created: self.now,
        };
        self.trace.units.push(UnitInfo {
            name: spec.name,
            ..info.clone()
        });
        if kind == UnitKind::Process {
            self.procs.push(Proc::new(spec.id));
            if let Some(p) = parent {
                let pp = self.units[p.index()].proc_ix;
                self.procs[pp].children.push(spec.id);
            }
        } else if !in_task {
            self.procs[proc_ix].threads.push(spec.id);
        }
        self.units.push(Box::new(Unit::new(
            info,
            spec.kind,
            spec.program,
            Placement {
                proc_ix,
                loop_ix,
                in_task,
            },
            cvars,
            self.now,
        )));
        self.event(spec.id, EventKind::Create, None, None);
        // A task created from inside a running loop is scheduled at once (create_task).
        if in_task
            && spec.kind == SpawnKind::Task
            && let Some(l) = loop_ix
        {
            self.schedule_in_loop(spec.id, l);
        }
    }

    pub(crate) fn schedule_in_loop(&mut self, t: UnitId, l: usize) {
        let unit = &mut self.units[t.index()];
        unit.loop_ix = Some(l);
        unit.started = true;
        unit.pending = Some(Op::Begin);
        self.loops[l].members.push(t);
        let ev = self.event(t, EventKind::Start, None, None);
        self.units[t.index()].start_event = Some(ev);
        self.make_runnable(t);
    }
}

/// What a new unit takes from its creator (see `Sim::inherited`).
struct Inherited {
    host: Option<UnitId>,
    daemon: bool,
    cvars: BTreeMap<ObjId, Value>,
    loop_ix: Option<usize>,
}
