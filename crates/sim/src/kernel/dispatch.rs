//! Applying operations: the kernel side of every `Op` that is not a primitive's (start,
//! join, tasks, gather, cancel, spawn, exit codes ...).

use super::*;

impl Sim {
    /// Applies a request that came as words (see [`Op::into_words`]). The commonest kinds go
    /// straight to their operation, without an `Op` in between.
    #[inline(always)]
    pub(super) fn dispatch_words(&mut self, u: UnitId, head: u64, word: u64) {
        use crate::program::{ObjOp, REQ_ACQUIRE, REQ_COMPUTE, REQ_RELEASE, obj_from_words};
        if self.footprint.is_some() {
            return self.dispatch_other_words(u, head, word);
        }
        let obj = obj_from_words(head);
        match head & 0xff {
            REQ_COMPUTE => self.start_compute(u, word, None),
            REQ_ACQUIRE => {
                crate::prims::apply(self, u, obj, ObjOp::acquire_from_words(head, word));
            }
            REQ_RELEASE => crate::prims::apply(self, u, obj, ObjOp::release_from_words(word)),
            _ => self.dispatch_other_words(u, head, word),
        }
    }

    #[inline(never)]
    pub(super) fn dispatch_other_words(&mut self, u: UnitId, head: u64, word: u64) {
        match Op::from_words(head, word) {
            Some(op) => self.dispatch(u, op),
            None => self.not_an_op(u),
        }
    }

    #[cold]
    pub(super) fn not_an_op(&mut self, u: UnitId) {
        self.finish_unit(
            u,
            Err(PyError::runtime(
                "a unit awaited something that is not a simulator operation",
            )),
        );
    }

    /// Applies `op` for `u`. The two operations that dominate every program (object
    /// operations and `compute`) go straight to their handlers; `apply`, one big match for
    /// the rest, costs more to enter than these operations' own work.
    #[inline(always)]
    pub(super) fn dispatch(&mut self, u: UnitId, op: Op) {
        if self.footprint.is_some() {
            self.note_footprint(&op);
        }
        match op {
            Op::Obj(o, op) => crate::prims::apply(self, u, o, op),
            Op::Compute(d) => {
                // Owns nothing: forgetting it spares the out-of-line drop of the whole `Op`.
                std::mem::forget(op);
                self.start_compute(u, d, None);
            }
            op => self.apply(u, op),
        }
    }

    /// What `op` will touch, for the explorer's reduction (only called while recording).
    pub(super) fn note_footprint(&mut self, op: &Op) {
        let (r, write) = match op {
            Op::Obj(o, op) => (
                Resource::Obj(*o),
                crate::prims::writes(self.objs.get(o.index()), op),
            ),
            // A unit's life changes only when it starts, ends, is cancelled or
            // terminated, or has its daemon flag set. Asking about it, or waiting for it
            // (which only adds a waiter that the change wakes), reads it: two joins of
            // one thread commute, and a join conflicts with the end it waits for.
            Op::Start(t) | Op::SetDaemon(t, _) | Op::Terminate(t) | Op::Cancel(t) => {
                (Resource::Unit(*t), true)
            }
            Op::AwaitStarted(t)
            | Op::Join(t, _)
            | Op::IsAlive(t)
            | Op::ExitCode(t)
            | Op::UnitDone(t)
            | Op::UnitResult(t) => (Resource::Unit(*t), false),
            Op::AwaitUnit { unit, .. } => (Resource::Unit(*unit), false),
            _ => (Resource::Global, true),
        };
        self.touch(r, write);
    }

    /// Every operation but the two `dispatch` handles itself.
    pub(super) fn apply(&mut self, u: UnitId, op: Op) {
        let result: PyResult<()> = match op {
            Op::Begin => Ok(()),
            Op::ContinueCompute => {
                self.run_chunk(u);
                Ok(())
            }
            Op::Obj(..) | Op::Compute(_) => Err(crate::prims::internal(
                "object operations and compute are dispatched directly",
            )),
            Op::Sleep(_)
            | Op::Io(..)
            | Op::AsyncSleep(_)
            | Op::Now
            | Op::Print(_)
            | Op::SetResult(_)
            | Op::Random(_)
            | Op::CvarGet(_)
            | Op::CvarSet(..) => self.apply_local(u, op),
            Op::Start(_)
            | Op::AwaitStarted(_)
            | Op::SetDaemon(..)
            | Op::Join(..)
            | Op::Terminate(_)
            | Op::IsAlive(_)
            | Op::ExitCode(_) => self.apply_life(u, op),
            Op::RunLoop(_)
            | Op::CallLater(..)
            | Op::CallAt(..)
            | Op::CallSoonIn(..)
            | Op::Cancel(_)
            | Op::AwaitUnit { .. }
            | Op::UnitDone(_)
            | Op::UnitResult(_)
            | Op::Gather { .. }
            | Op::WaitUnits(_)
            | Op::WaitFor { .. }
            | Op::ToThread(_) => self.apply_asyncio(u, op),
        };
        if let Err(e) = result {
            self.complete(u, Err(e));
        }
    }

    /// Time, output, randomness and context variables: answered at once or after a timer.
    fn apply_local(&mut self, u: UnitId, op: Op) -> PyResult<()> {
        match op {
            Op::Sleep(d) => {
                self.event(u, EventKind::Sleep, None, Some(fmt_nanos(d)));
                let at = self.now.saturating_add(d);
                self.block(u, Wait::Sleep, Some(at), false);
                Ok(())
            }
            Op::Io(d, label) => {
                self.event(u, EventKind::Io, None, label.map(String::from));
                let at = self.now.saturating_add(d);
                self.block(u, Wait::Io, Some(at), false);
                Ok(())
            }
            Op::AsyncSleep(d) => self.async_sleep(u, d),
            Op::Now => {
                self.complete(u, Ok(Ret::Int(i64::try_from(self.now).unwrap_or(i64::MAX))));
                Ok(())
            }
            Op::Print(line) => {
                self.event(u, EventKind::Print, None, Some(line.clone()));
                self.trace.output.push((self.now, u, line));
                self.complete(u, Ok(Ret::None));
                Ok(())
            }
            Op::SetResult(kv) => {
                let (key, value) = *kv;
                self.event(u, EventKind::Result, None, Some(format!("{key} = {value}")));
                self.trace.result.insert(key, value);
                self.complete(u, Ok(Ret::None));
                Ok(())
            }
            Op::Random(bound) => {
                let r = below(&mut self.rng, bound.max(1));
                self.complete(u, Ok(Ret::Int(i64::try_from(r).unwrap_or(i64::MAX))));
                Ok(())
            }
            Op::CvarGet(_) | Op::CvarSet(..) => {
                let r = self.local_op(u, op);
                self.complete(u, r);
                Ok(())
            }
            other => Err(crate::prims::internal(&format!(
                "{other:?} reached apply_local"
            ))),
        }
    }

    /// Starting, joining and ending units, and asking about them.
    fn apply_life(&mut self, u: UnitId, op: Op) -> PyResult<()> {
        match op {
            Op::Start(t) => self.op_start(u, t),
            Op::AwaitStarted(t) => {
                if self.units[t.index()].fut.is_some() || self.is_done(t) {
                    self.complete(u, Ok(Ret::None));
                } else {
                    self.units[t.index()].joiners.push(u);
                    self.block(u, Wait::Started(t), None, false);
                }
                Ok(())
            }
            Op::SetDaemon(t, flag) => self.op_set_daemon(u, t, flag),
            Op::Join(t, d) => self.op_join(u, t, d),
            Op::Terminate(t) => self.op_terminate(u, t),
            Op::IsAlive(t) => self.unit_ok(t).map(|()| {
                let x = &self.units[t.index()];
                let alive = x.started && x.status != Status::Done;
                self.complete(u, Ok(Ret::Bool(alive)));
            }),
            Op::ExitCode(t) => self.unit_ok(t).map(|()| {
                let code = self
                    .procs
                    .get(self.units[t.index()].proc_ix)
                    .and_then(|p| if p.main == t { p.exit_code } else { None });
                let r = code.map_or(Ret::None, |c| Ret::Int(i64::from(c)));
                self.complete(u, Ok(r));
            }),
            other => Err(crate::prims::internal(&format!(
                "{other:?} reached apply_life"
            ))),
        }
    }

    /// Event loops, callbacks, tasks and waiting for them.
    fn apply_asyncio(&mut self, u: UnitId, op: Op) -> PyResult<()> {
        match op {
            Op::RunLoop(main) => self.op_run_loop(u, main),
            Op::CallLater(cb, d) => self.op_call_at(u, cb, self.now.saturating_add(d)),
            Op::CallAt(cb, t) => self.op_call_at(u, cb, t),
            Op::CallSoonIn(cb, via) => self.op_call_soon_in(u, cb, via),
            Op::Cancel(t) => self.unit_ok(t).map(|()| {
                let r = self.cancel_unit(t, Some(u));
                self.complete(u, Ok(Ret::Bool(r)));
            }),
            Op::AwaitUnit { unit, shield } => self.op_await_unit(u, unit, shield),
            Op::UnitDone(t) => self.unit_ok(t).map(|()| {
                let d = self.is_done(t);
                self.complete(u, Ok(Ret::Bool(d)));
            }),
            Op::UnitResult(t) => {
                self.unit_ok(t)
                    .and_then(|()| match &self.units[t.index()].result {
                        Some(r) => {
                            let r = r.clone().map(Ret::Value);
                            self.complete(u, r);
                            Ok(())
                        }
                        None => Err(PyError::new(
                            PyErrorKind::InvalidStateError,
                            "Result is not set.",
                        )),
                    })
            }
            Op::Gather {
                units,
                return_exceptions,
            } => self.op_multi(
                u,
                units,
                MultiKind::Gather { return_exceptions },
                Deadline::Never,
            ),
            Op::WaitUnits(args) => {
                let (units, deadline, when) = *args;
                if units.is_empty() {
                    Err(PyError::new(
                        PyErrorKind::ValueError,
                        "Set of Tasks/Futures is empty.",
                    ))
                } else {
                    self.op_multi(u, units, MultiKind::Wait(when), deadline)
                }
            }
            Op::WaitFor { unit, deadline } => {
                self.op_multi(u, vec![unit], MultiKind::WaitFor, deadline)
            }
            Op::ToThread(t) => self.op_to_thread(u, t),

            other => Err(crate::prims::internal(&format!(
                "{other:?} reached apply_asyncio"
            ))),
        }
    }

    pub(super) fn async_sleep(&mut self, u: UnitId, d: Nanos) -> PyResult<()> {
        if !self.units[u.index()].in_task {
            return Err(PyError::runtime(
                "no running event loop (asyncio.sleep outside a task)",
            ));
        }
        self.event(
            u,
            EventKind::Sleep,
            None,
            Some(format!("asyncio.sleep({})", fmt_nanos(d))),
        );
        let at = self.now.saturating_add(d);
        self.block(u, Wait::AsyncSleep, Some(at), true);
        Ok(())
    }

    pub(super) fn op_start(&mut self, u: UnitId, t: UnitId) -> PyResult<()> {
        self.unit_ok(t)?;
        let target = &self.units[t.index()];
        let is_process = target.info.kind == UnitKind::Process;
        match target.spawn_kind {
            SpawnKind::Thread | SpawnKind::Process => {}
            _ => {
                return Err(PyError::new(
                    PyErrorKind::TypeError,
                    "only threads and processes are started",
                ));
            }
        }
        if target.started {
            return Err(if is_process {
                PyError::new(PyErrorKind::AssertionError, "cannot start a process twice")
            } else {
                PyError::runtime("threads can only be started once")
            });
        }
        if is_process
            && self.units[self.units[u.index()].info.process.index()]
                .info
                .daemon
        {
            return Err(PyError::new(
                PyErrorKind::AssertionError,
                "daemonic processes are not allowed to have children",
            ));
        }
        let ev = self.event(u, EventKind::Start, None, Some(self.name(t)));
        let target = &mut self.units[t.index()];
        target.started = true;
        target.start_event = Some(ev);
        target.pending = Some(Op::Begin);
        if is_process {
            let at = self.now.saturating_add(self.machine.costs.process_spawn);
            self.block(t, Wait::Starting, Some(at), false);
            self.start_compute(u, self.machine.costs.thread_spawn, None);
        } else {
            self.make_runnable(t);
            let after = After::Op(Op::AwaitStarted(t));
            self.start_compute(u, self.machine.costs.thread_spawn, Some(after));
        }
        Ok(())
    }

    pub(super) fn op_set_daemon(&mut self, u: UnitId, t: UnitId, flag: bool) -> PyResult<()> {
        self.unit_ok(t)?;
        let target = &mut self.units[t.index()];
        if target.started {
            return Err(if target.info.kind == UnitKind::Process {
                PyError::new(PyErrorKind::AssertionError, "process has already started")
            } else {
                PyError::runtime("cannot set daemon status of active thread")
            });
        }
        target.info.daemon = flag;
        self.trace.units[t.index()].daemon = flag;
        self.complete(u, Ok(Ret::None));
        Ok(())
    }

    pub(super) fn op_join(&mut self, u: UnitId, t: UnitId, d: Deadline) -> PyResult<()> {
        self.unit_ok(t)?;
        let target = &self.units[t.index()];
        let is_process = target.info.kind == UnitKind::Process;
        if !target.started {
            return Err(if is_process {
                PyError::new(
                    PyErrorKind::AssertionError,
                    "can only join a started process",
                )
            } else {
                PyError::runtime("cannot join thread before it is started")
            });
        }
        if t == self.os_thread(u) {
            return Err(PyError::runtime("cannot join current thread"));
        }
        if is_process
            && target
                .info
                .parent
                .map(|p| self.units[p.index()].info.process)
                != Some(self.units[u.index()].info.process)
        {
            return Err(PyError::new(
                PyErrorKind::AssertionError,
                "can only join a child process",
            ));
        }
        if target.status == Status::Done {
            let ev = self.event(u, EventKind::Join, None, Some(self.name(t)));
            let exit = self.units[t.index()].exit_event;
            self.link(exit, ev, LinkKind::Join);
            self.complete(u, Ok(Ret::None));
            return Ok(());
        }
        let deadline = self.resolve(d);
        if deadline == Some(self.now) {
            self.complete(u, Ok(Ret::None));
            return Ok(());
        }
        self.units[t.index()].joiners.push(u);
        self.block(u, Wait::Join(t), deadline, false);
        Ok(())
    }

    pub(super) fn op_terminate(&mut self, u: UnitId, t: UnitId) -> PyResult<()> {
        self.unit_ok(t)?;
        let target = &self.units[t.index()];
        if target.info.kind != UnitKind::Process {
            return Err(PyError::new(
                PyErrorKind::TypeError,
                "only processes can be terminated",
            ));
        }
        if target.status != Status::Done && target.started {
            self.event(u, EventKind::Terminate, None, Some(self.name(t)));
            self.kill_process(t, -15);
        }
        self.complete(u, Ok(Ret::None));
        Ok(())
    }

    pub(super) fn op_run_loop(&mut self, u: UnitId, main: UnitId) -> PyResult<()> {
        self.unit_ok(main)?;
        if self.units[u.index()].in_task {
            return Err(PyError::runtime(
                "asyncio.run() cannot be called from a running event loop",
            ));
        }
        let l = self.loops.len();
        self.loops.push(EventLoop {
            host: u,
            main,
            ready: VecDeque::new(),
            current: None,
            members: Vec::new(),
            closing: false,
        });
        self.units[u.index()].loop_ix = Some(l);
        self.block(u, Wait::Loop(l), None, false);
        self.schedule_in_loop(main, l);
        self.refresh_loop_display(l);
        Ok(())
    }

    pub(super) fn op_call_at(&mut self, u: UnitId, cb: UnitId, at: Nanos) -> PyResult<()> {
        self.unit_ok(cb)?;
        let Some(l) = self.task_loop(u) else {
            return Err(PyError::runtime("no running event loop"));
        };
        self.add_callback(u, cb, l, at);
        Ok(())
    }

    /// `call_soon_threadsafe` from unit `u`: `cb` runs on the loop task `via` belongs to, if
    /// that loop still runs.
    pub(super) fn op_call_soon_in(&mut self, u: UnitId, cb: UnitId, via: UnitId) -> PyResult<()> {
        self.unit_ok(cb)?;
        self.unit_ok(via)?;
        let running = |l: usize| self.units[self.loops[l].host.index()].wait == Some(Wait::Loop(l));
        let Some(l) = self.task_loop(via).filter(|&l| running(l)) else {
            return Err(PyError::runtime("Event loop is closed"));
        };
        self.add_callback(u, cb, l, self.now);
        Ok(())
    }

    /// Puts callback `cb` on loop `l`, due at `at`, and answers `u`.
    pub(super) fn add_callback(&mut self, u: UnitId, cb: UnitId, l: usize, at: Nanos) {
        // It runs on the loop's thread (which holds the GIL for it), whoever scheduled it.
        let host = self.loops[l].host;
        self.units[cb.index()].info.host = Some(host);
        let unit = &mut self.units[cb.index()];
        unit.loop_ix = Some(l);
        unit.started = true;
        unit.pending = Some(Op::Begin);
        self.loops[l].members.push(cb);
        if at <= self.now {
            self.make_runnable(cb);
        } else {
            self.block(cb, Wait::Starting, Some(at), false);
        }
        self.complete(u, Ok(Ret::None));
    }

    pub(super) fn op_await_unit(&mut self, u: UnitId, t: UnitId, shield: bool) -> PyResult<()> {
        self.unit_ok(t)?;
        if !self.units[u.index()].in_task {
            return Err(PyError::runtime(
                "'await' outside a task: use join() in threads",
            ));
        }
        if t == u {
            return Err(PyError::runtime("a task cannot await itself"));
        }
        if self.units[t.index()].status == Status::Done {
            let r = self.unit_outcome(t);
            self.complete(u, r);
            return Ok(());
        }
        self.units[t.index()].joiners.push(u);
        self.units[u.index()].shielded = shield;
        self.block(u, Wait::AwaitUnit(t), None, true);
        Ok(())
    }

    pub(super) fn op_to_thread(&mut self, u: UnitId, t: UnitId) -> PyResult<()> {
        self.unit_ok(t)?;
        if !self.units[u.index()].in_task {
            return Err(PyError::runtime(
                "no running event loop (to_thread outside a task)",
            ));
        }
        let ev = self.event(u, EventKind::Start, None, Some(self.name(t)));
        let target = &mut self.units[t.index()];
        target.started = true;
        target.start_event = Some(ev);
        target.pending = Some(Op::Begin);
        self.make_runnable(t);
        self.units[t.index()].joiners.push(u);
        self.units[u.index()].shielded = true;
        self.block(u, Wait::AwaitUnit(t), None, true);
        Ok(())
    }

    /// The value an `await` of a finished unit produces.
    pub(super) fn unit_outcome(&self, t: UnitId) -> Reply {
        let unit = &self.units[t.index()];
        if unit.cancelled {
            return Err(PyError::cancelled());
        }
        match &unit.result {
            Some(Ok(v)) => Ok(Ret::Value(v.clone())),
            Some(Err(e)) => Err(e.clone()),
            None => Ok(Ret::None),
        }
    }

    pub(super) fn op_multi(
        &mut self,
        u: UnitId,
        units: Vec<UnitId>,
        kind: MultiKind,
        d: Deadline,
    ) -> PyResult<()> {
        for &t in &units {
            self.unit_ok(t)?;
        }
        if !self.units[u.index()].in_task {
            return Err(PyError::runtime(
                "no running event loop (await outside a task)",
            ));
        }
        let deadline = self.resolve(d);
        for &t in &units {
            if !self.units[t.index()].joiners.contains(&u) {
                self.units[t.index()].joiners.push(u);
            }
        }
        self.units[u.index()].multi = Some(MultiWait { kind, units });
        if !self.check_multi(u) {
            self.units[u.index()].pending = None;
            self.block(u, Wait::Multi, deadline, true);
        }
        Ok(())
    }

    /// Completes a gather/wait/wait_for if its condition holds. Returns whether it did.
    pub(super) fn check_multi(&mut self, u: UnitId) -> bool {
        let Some(m) = self.units[u.index()].multi.clone() else {
            return false;
        };
        let done: Vec<UnitId> = m
            .units
            .iter()
            .copied()
            .filter(|&t| self.is_done(t))
            .collect();
        let failed = |s: &Self, t: UnitId| {
            let x = &s.units[t.index()];
            x.cancelled || matches!(x.result, Some(Err(_)))
        };
        // Every unit's outcome, in the order given, once all are done.
        let all_results = |s: &Self| {
            (done.len() == m.units.len()).then(|| {
                Ok(Ret::Results(
                    m.units
                        .iter()
                        .map(|&t| s.unit_outcome(t).map(ret_value))
                        .collect(),
                ))
            })
        };
        let reply = match m.kind {
            MultiKind::Gather { return_exceptions } => {
                // Without `return_exceptions`, the first failure (in finishing order) is
                // raised at once.
                let first_failure = (!return_exceptions)
                    .then(|| {
                        done.iter()
                            .copied()
                            .filter(|&t| failed(self, t))
                            .min_by_key(|&t| self.units[t.index()].done_seq)
                    })
                    .flatten();
                match first_failure {
                    Some(t) => Some(self.unit_outcome(t).map(|_| Ret::None)),
                    None => all_results(self),
                }
            }
            MultiKind::Wait(when) => {
                use crate::program::ReturnWhen::*;
                let ready = match when {
                    FirstCompleted => !done.is_empty(),
                    FirstException => {
                        done.len() == m.units.len()
                            || done.iter().any(|&t| {
                                matches!(self.units[t.index()].result, Some(Err(_)))
                                    && !self.units[t.index()].cancelled
                            })
                    }
                    AllCompleted => done.len() == m.units.len(),
                };
                ready.then(|| Ok(self.split(&m.units)))
            }
            MultiKind::WaitFor => {
                let t = m.units[0];
                self.is_done(t).then(|| self.unit_outcome(t))
            }
        };
        match reply {
            Some(r) => {
                for &t in &m.units {
                    if let Some(x) = self.units.get_mut(t.index()) {
                        x.joiners.retain(|&j| j != u);
                    }
                }
                self.complete(u, r);
                true
            }
            None => false,
        }
    }

    pub(super) fn split(&self, units: &[UnitId]) -> Ret {
        let (done, pending): (Vec<UnitId>, Vec<UnitId>) =
            units.iter().copied().partition(|&t| self.is_done(t));
        Ret::Split(Box::new((done, pending)))
    }

    pub(super) fn multi_timeout(&mut self, u: UnitId) {
        let Some(m) = self.units[u.index()].multi.clone() else {
            return;
        };
        for &t in &m.units {
            if let Some(x) = self.units.get_mut(t.index()) {
                x.joiners.retain(|&j| j != u);
            }
        }
        match m.kind {
            MultiKind::Wait(_) => {
                let r = self.split(&m.units);
                self.complete(u, Ok(r));
            }
            MultiKind::WaitFor => {
                self.event(u, EventKind::Timeout, None, Some(self.name(m.units[0])));
                self.cancel_unit(m.units[0], Some(u));
                self.complete(u, Err(PyError::new(PyErrorKind::TimeoutError, "")));
            }
            MultiKind::Gather { .. } => {}
        }
    }

    /// `Task.cancel()` / `Handle.cancel()`. Returns False when the unit already finished.
    pub(crate) fn cancel_unit(&mut self, t: UnitId, by: Option<UnitId>) -> bool {
        let unit = &self.units[t.index()];
        if unit.status == Status::Done {
            return false;
        }
        if !unit.in_task {
            // Threads cannot be cancelled in Python; to_thread keeps running.
            return false;
        }
        self.event(by.unwrap_or(t), EventKind::Cancel, None, Some(self.name(t)));
        let unit = &self.units[t.index()];
        if unit.spawn_kind == SpawnKind::Callback && unit.fut.is_none() {
            // A callback that has not run yet is simply dropped.
            self.units[t.index()].cancelled = true;
            self.finish_unit(t, Err(PyError::cancelled()));
            return true;
        }
        if unit.status == Status::Blocked && unit.async_wait {
            match unit.wait.clone() {
                Some(Wait::AwaitUnit(x)) if !unit.shielded && self.cancel_unit(x, Some(t)) => {
                    return true;
                }
                Some(Wait::AwaitFuture(f)) => {
                    crate::prims::cancel_future(self, f, t);
                    if self.units[t.index()].status != Status::Blocked {
                        return true;
                    }
                }
                Some(Wait::Multi) => {
                    if let Some(m) = self.units[t.index()].multi.clone()
                        && matches!(m.kind, MultiKind::Gather { .. } | MultiKind::WaitFor)
                    {
                        for x in m.units {
                            self.cancel_unit(x, Some(t));
                        }
                    }
                }
                _ => {}
            }
            if self.units[t.index()].status == Status::Blocked {
                let wait = self.units[t.index()].wait.clone();
                if let Some(w) = wait {
                    self.detach_wait_target(t, &w);
                }
                self.units[t.index()].pending = None;
                self.complete(t, Err(PyError::cancelled()));
            }
            return true;
        }
        self.units[t.index()].must_cancel = true;
        true
    }

    /// Removes `u` from whatever list it is waiting in.
    pub(crate) fn detach_wait_target(&mut self, u: UnitId, wait: &Wait) {
        match wait {
            Wait::Obj(o) | Wait::AwaitFuture(o) => crate::prims::detach(self, u, *o),
            Wait::Join(t) | Wait::AwaitUnit(t) | Wait::Started(t) => {
                if let Some(x) = self.units.get_mut(t.index()) {
                    x.joiners.retain(|&j| j != u);
                }
            }
            Wait::Multi => {
                if let Some(m) = self.units[u.index()].multi.take() {
                    for t in m.units {
                        if let Some(x) = self.units.get_mut(t.index()) {
                            x.joiners.retain(|&j| j != u);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}
