//! asyncio's event loops, tasks, callbacks and waits on them, both halves: what programs
//! call (`Ctx::run_loop`, `Ctx::gather`, `Task::cancel` ...) and the kernel's answer to each
//! of those operations (`Sim::apply_asyncio`).

use std::collections::VecDeque;

use crate::error::{PyError, PyErrorKind, PyResult};
use crate::ids::UnitId;
use crate::kernel::{EventLoop, MultiKind, MultiWait, Sim, Status, Wait};
use crate::program::{Ctx, Deadline, Op, Program, Reply, Ret, ReturnWhen, SpawnKind, unexpected};
use crate::time::Nanos;
use crate::trace::EventKind;
use crate::value::Value;

/// An `asyncio.Task`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Task {
    pub id: UnitId,
}

/// A loop callback's `Handle` (from `call_soon`, `call_later`, `call_at`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handle {
    pub id: UnitId,
}

impl Ctx {
    /// `asyncio.run(main())`: runs an event loop in this thread until `main` finishes, then
    /// cancels the tasks still pending. Returns `main`'s result or raises its exception.
    pub async fn run_loop(&self, name: &str, main: Program) -> PyResult<Value> {
        if self.in_task {
            return Err(PyError::runtime(
                "asyncio.run() cannot be called from a running event loop",
            ));
        }
        let id = self.new_unit(name, SpawnKind::Task, main, false);
        self.op_value(move || Op::RunLoop(id)).await
    }

    /// `asyncio.create_task(coro, name=name)`; outside a task: `RuntimeError`.
    pub fn create_task(&self, name: &str, program: Program) -> PyResult<Task> {
        if !self.in_task {
            return Err(PyError::runtime("no running event loop"));
        }
        Ok(Task {
            id: self.new_unit(name, SpawnKind::Task, program, false),
        })
    }

    fn callback(&self, name: &str, program: Program) -> PyResult<UnitId> {
        if !self.in_task {
            return Err(PyError::runtime("no running event loop"));
        }
        Ok(self.new_unit(name, SpawnKind::Callback, program, false))
    }

    /// `loop.call_soon(fn)`.
    pub async fn call_soon(&self, name: &str, program: Program) -> PyResult<Handle> {
        self.call_later(0, name, program).await
    }

    /// `loop.call_later(delay, fn)`.
    pub async fn call_later(&self, delay: Nanos, name: &str, program: Program) -> PyResult<Handle> {
        let id = self.callback(name, program)?;
        self.op_unit(move || Op::CallLater(id, delay)).await?;
        Ok(Handle { id })
    }

    /// `loop.call_at(when, fn)`, `when` in loop time (virtual time since the start).
    pub async fn call_at(&self, when: Nanos, name: &str, program: Program) -> PyResult<Handle> {
        let id = self.callback(name, program)?;
        self.op_unit(move || Op::CallAt(id, when)).await?;
        Ok(Handle { id })
    }

    /// `loop.call_soon_threadsafe(fn)` from any unit (a thread, usually): `program` runs on
    /// the event loop that `via` (a task of it) belongs to. `RuntimeError` once that loop
    /// has finished.
    pub async fn call_soon_threadsafe(
        &self,
        via: Task,
        name: &str,
        program: Program,
    ) -> PyResult<Handle> {
        let id = self.new_unit(name, SpawnKind::Callback, program, false);
        self.op_unit(move || Op::CallSoonIn(id, via.id)).await?;
        Ok(Handle { id })
    }

    /// `asyncio.gather(*tasks)`: the results in order, or the first exception raised.
    pub async fn gather(&self, tasks: &[Task]) -> PyResult<Vec<Value>> {
        self.gather_results(tasks, false)
            .await?
            .into_iter()
            .collect()
    }

    /// `asyncio.gather(*tasks, return_exceptions=True)`: every outcome, in order.
    pub async fn gather_all(&self, tasks: &[Task]) -> PyResult<Vec<PyResult<Value>>> {
        self.gather_results(tasks, true).await
    }

    async fn gather_results(
        &self,
        tasks: &[Task],
        return_exceptions: bool,
    ) -> PyResult<Vec<PyResult<Value>>> {
        let units = tasks.iter().map(|t| t.id).collect();
        match self
            .op(move || Op::Gather {
                units,
                return_exceptions,
            })
            .await?
        {
            Ret::Results(r) => Ok(r),
            other => Err(unexpected(&other)),
        }
    }

    /// `asyncio.wait(tasks, timeout, return_when)`: `(done, pending)` in input order.
    pub async fn wait_tasks(
        &self,
        tasks: &[Task],
        timeout: Option<Nanos>,
        when: ReturnWhen,
    ) -> PyResult<(Vec<Task>, Vec<Task>)> {
        let units = tasks.iter().map(|t| t.id).collect();
        let op = Op::WaitUnits(Box::new((units, Deadline::from_timeout(timeout), when)));
        match self.op(move || op).await? {
            Ret::Split(split) => {
                let (done, pending) = *split;
                Ok((
                    done.into_iter().map(|id| Task { id }).collect(),
                    pending.into_iter().map(|id| Task { id }).collect(),
                ))
            }
            other => Err(unexpected(&other)),
        }
    }

    /// `asyncio.wait_for(task, timeout)`: on timeout the task is cancelled and `TimeoutError`
    /// raised.
    pub async fn wait_for(&self, task: Task, timeout: Nanos) -> PyResult<Value> {
        self.op_value(move || Op::WaitFor {
            unit: task.id,
            deadline: Deadline::In(timeout),
        })
        .await
    }

    /// `asyncio.as_completed(tasks)`: the tasks in the order they finish.
    pub async fn as_completed(&self, tasks: &[Task]) -> PyResult<Vec<Task>> {
        let mut pending: Vec<Task> = tasks.to_vec();
        let mut order = Vec::with_capacity(tasks.len());
        while !pending.is_empty() {
            let (done, rest) = self
                .wait_tasks(&pending, None, ReturnWhen::FirstCompleted)
                .await?;
            order.extend(done);
            pending = rest;
        }
        Ok(order)
    }

    /// `await asyncio.to_thread(fn)`: runs `program` in a new thread; this task waits for it.
    pub async fn to_thread(&self, name: &str, program: Program) -> PyResult<Value> {
        if !self.in_task {
            return Err(PyError::runtime("no running event loop"));
        }
        let id = self.new_unit(name, SpawnKind::ExecutorThread, program, true);
        self.op_value(move || Op::ToThread(id)).await
    }
}

impl Task {
    /// `await task`: its result, or its exception (`CancelledError` if it was cancelled).
    pub async fn wait(&self, cx: &Ctx) -> PyResult<Value> {
        cx.op_value(move || Op::AwaitUnit {
            unit: self.id,
            shield: false,
        })
        .await
    }

    /// `await asyncio.shield(task)`: cancelling the awaiting task leaves this one running.
    pub async fn wait_shielded(&self, cx: &Ctx) -> PyResult<Value> {
        cx.op_value(move || Op::AwaitUnit {
            unit: self.id,
            shield: true,
        })
        .await
    }

    /// `task.cancel()`: `False` if it already finished.
    pub async fn cancel(&self, cx: &Ctx) -> PyResult<bool> {
        cx.op_bool(move || Op::Cancel(self.id)).await
    }

    pub async fn done(&self, cx: &Ctx) -> PyResult<bool> {
        cx.op_bool(move || Op::UnitDone(self.id)).await
    }

    /// `task.result()`: `InvalidStateError` while it runs.
    pub async fn result(&self, cx: &Ctx) -> PyResult<Value> {
        cx.op_value(move || Op::UnitResult(self.id)).await
    }
}

impl Handle {
    /// `handle.cancel()`: the callback will not run.
    pub async fn cancel(&self, cx: &Ctx) -> PyResult<()> {
        cx.op_bool(move || Op::Cancel(self.id)).await.map(|_| ())
    }
}

impl Sim {
    /// Event loops, callbacks, tasks and waiting for them.
    pub(crate) fn apply_asyncio(&mut self, u: UnitId, op: Op) -> PyResult<()> {
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

    fn op_run_loop(&mut self, u: UnitId, main: UnitId) -> PyResult<()> {
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

    fn op_call_at(&mut self, u: UnitId, cb: UnitId, at: Nanos) -> PyResult<()> {
        self.unit_ok(cb)?;
        let Some(l) = self.task_loop(u) else {
            return Err(PyError::runtime("no running event loop"));
        };
        self.add_callback(u, cb, l, at);
        Ok(())
    }

    /// `call_soon_threadsafe` from unit `u`: `cb` runs on the loop task `via` belongs to, if
    /// that loop still runs.
    fn op_call_soon_in(&mut self, u: UnitId, cb: UnitId, via: UnitId) -> PyResult<()> {
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
    fn add_callback(&mut self, u: UnitId, cb: UnitId, l: usize, at: Nanos) {
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

    fn op_await_unit(&mut self, u: UnitId, t: UnitId, shield: bool) -> PyResult<()> {
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

    fn op_to_thread(&mut self, u: UnitId, t: UnitId) -> PyResult<()> {
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
    pub(crate) fn unit_outcome(&self, t: UnitId) -> Reply {
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

    fn op_multi(
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
    pub(crate) fn check_multi(&mut self, u: UnitId) -> bool {
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

    fn split(&self, units: &[UnitId]) -> Ret {
        let (done, pending): (Vec<UnitId>, Vec<UnitId>) =
            units.iter().copied().partition(|&t| self.is_done(t));
        Ret::Split(Box::new((done, pending)))
    }

    pub(crate) fn multi_timeout(&mut self, u: UnitId) {
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
}

/// A finished unit's reply as the value `gather` lists.
fn ret_value(r: Ret) -> Value {
    match r {
        Ret::Value(v) => v,
        Ret::Bool(b) => Value::Bool(b),
        Ret::Int(i) => Value::Int(i),
        _ => Value::None,
    }
}
