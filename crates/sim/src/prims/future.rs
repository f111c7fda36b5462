//! `asyncio.Future`: a result that some task or thread sets later.
//!
//! `set_result`/`set_exception` on a done future raise `InvalidStateError`; `result()` before
//! it is done raises `InvalidStateError`, after `cancel()` raises `CancelledError`. Awaiting a
//! future suspends the task until it is done; cancelling a task that awaits a future cancels the
//! future. Done callbacks run on the event loop in the order they were added.

use crate::error::{PyError, PyErrorKind, PyResult};
use crate::ids::{ObjId, UnitId};
use crate::kernel::{Sim, Wait};
use crate::prims::{ObjState, internal, wrong_kind};
use crate::program::{Ctx, ObjInit, ObjOp, Op, Program, Ret, SpawnKind};
use crate::trace::{EventKind, LinkKind};
use crate::value::Value;

/// An `asyncio.Future` handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Future {
    pub id: ObjId,
}

impl Ctx {
    /// `loop.create_future()`.
    pub fn future(&self, name: &str) -> Future {
        Future {
            id: self.new_obj(name, ObjInit::Future),
        }
    }
}

impl Future {
    pub async fn set_result(&self, cx: &Ctx, v: impl Into<Value>) -> PyResult<()> {
        cx.op_unit(move || Op::Obj(self.id, ObjOp::SetResult(Box::new(v.into()))))
            .await
    }

    pub async fn set_exception(&self, cx: &Ctx, e: PyError) -> PyResult<()> {
        cx.op_unit(move || Op::Obj(self.id, ObjOp::SetException(Box::new(e))))
            .await
    }

    /// `cancel()`: `False` if already done.
    pub async fn cancel(&self, cx: &Ctx) -> PyResult<bool> {
        cx.op_bool(move || Op::Obj(self.id, ObjOp::Cancel)).await
    }

    pub async fn done(&self, cx: &Ctx) -> PyResult<bool> {
        cx.op_bool(move || Op::Obj(self.id, ObjOp::Done)).await
    }

    /// `result()` without waiting.
    pub async fn result(&self, cx: &Ctx) -> PyResult<Value> {
        cx.op_value(move || Op::Obj(self.id, ObjOp::Result)).await
    }

    /// `await fut`.
    pub async fn wait(&self, cx: &Ctx) -> PyResult<Value> {
        cx.op_value(move || Op::Obj(self.id, ObjOp::AwaitFuture))
            .await
    }

    /// `add_done_callback(fn)`: `program` runs on the loop once the future is done.
    pub async fn add_done_callback(&self, cx: &Ctx, name: &str, program: Program) -> PyResult<()> {
        if !cx.in_task {
            return Err(PyError::runtime(
                "add_done_callback needs a running event loop",
            ));
        }
        let cb = cx.registry.add_unit(
            name.to_string(),
            SpawnKind::Callback,
            cx.unit,
            program,
            true,
        );
        cx.op_unit(move || Op::Obj(self.id, ObjOp::AddDoneCallback(cb)))
            .await
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct FutState {
    outcome: Option<PyResult<Value>>,
    cancelled: bool,
    /// Done callbacks with their loop and registration number.
    callbacks: Vec<(UnitId, usize, u32)>,
    /// The registration number of each awaiter: as in CPython (where awaiting adds the
    /// task's wake-up as a done callback), callbacks and awaiters run in the order they came.
    awaiters: Vec<(UnitId, u32)>,
    registered: u32,
}

impl FutState {
    fn reply(&self) -> PyResult<Ret> {
        if self.cancelled {
            return Err(PyError::cancelled());
        }
        match &self.outcome {
            Some(r) => r.clone().map(Ret::Value),
            None => Err(PyError::new(
                PyErrorKind::InvalidStateError,
                "Result is not set.",
            )),
        }
    }

    fn done(&self) -> bool {
        self.cancelled || self.outcome.is_some()
    }
}

fn state(sim: &mut Sim, o: ObjId) -> PyResult<&mut FutState> {
    match &mut sim.objs[o].state {
        ObjState::Future(f) => Ok(f),
        _ => Err(internal("not a future")),
    }
}

// Out of line, so that `prims::apply` stays a small dispatcher with a cheap entry.
#[inline(never)]
pub(crate) fn apply(sim: &mut Sim, u: UnitId, o: ObjId, op: ObjOp) -> PyResult<()> {
    match op {
        ObjOp::SetResult(_) | ObjOp::SetException(_) if state(sim, o)?.done() => Err(PyError::new(
            PyErrorKind::InvalidStateError,
            "invalid state",
        )),
        ObjOp::SetResult(v) => {
            let ev = sim.event(u, EventKind::Set, Some(o), Some(v.repr()));
            state(sim, o)?.outcome = Some(Ok(*v));
            resolve(sim, o, ev);
            sim.complete(u, Ok(Ret::None));
            Ok(())
        }
        ObjOp::SetException(e) => {
            let ev = sim.event(u, EventKind::Set, Some(o), Some(e.to_string()));
            state(sim, o)?.outcome = Some(Err(*e));
            resolve(sim, o, ev);
            sim.complete(u, Ok(Ret::None));
            Ok(())
        }
        ObjOp::Cancel => {
            let r = cancel(sim, o, u)?;
            sim.complete(u, Ok(Ret::Bool(r)));
            Ok(())
        }
        ObjOp::Done => {
            let d = state(sim, o)?.done();
            sim.complete(u, Ok(Ret::Bool(d)));
            Ok(())
        }
        ObjOp::Result => {
            let r = state(sim, o)?.reply();
            sim.complete(u, r);
            Ok(())
        }
        ObjOp::AwaitFuture => {
            if !sim.in_task(u) {
                return Err(PyError::runtime("'await' outside a task"));
            }
            let f = state(sim, o)?;
            if f.done() {
                let r = f.reply();
                sim.complete(u, r);
                return Ok(());
            }
            f.registered += 1;
            let n = f.registered;
            f.awaiters.retain(|&(w, _)| w != u);
            f.awaiters.push((u, n));
            sim.objs[o].waiters.push_back(u);
            sim.block(u, Wait::AwaitFuture(o), None, true);
            Ok(())
        }
        ObjOp::AddDoneCallback(cb) => {
            let Some(l) = sim.task_loop(u) else {
                return Err(PyError::runtime(
                    "add_done_callback needs a running event loop",
                ));
            };
            if state(sim, o)?.done() {
                sim.schedule_in_loop(cb, l);
            } else {
                let f = state(sim, o)?;
                f.registered += 1;
                let n = f.registered;
                f.callbacks.push((cb, l, n));
            }
            sim.complete(u, Ok(Ret::None));
            Ok(())
        }
        _ => Err(wrong_kind(sim, o, "this method")),
    }
}

fn cancel(sim: &mut Sim, o: ObjId, by: UnitId) -> PyResult<bool> {
    if state(sim, o)?.done() {
        return Ok(false);
    }
    state(sim, o)?.cancelled = true;
    let ev = sim.event(by, EventKind::Cancel, Some(o), None);
    resolve(sim, o, ev);
    Ok(true)
}

/// Wakes every awaiter with the outcome and schedules the done callbacks.
fn resolve(sim: &mut Sim, o: ObjId, ev: u32) {
    let Ok(f) = state(sim, o) else { return };
    let reply = f.reply();
    let callbacks = std::mem::take(&mut f.callbacks);
    let seqs = std::mem::take(&mut f.awaiters);
    let waiters: Vec<UnitId> = sim.objs[o].waiters.drain(..).collect();
    // Awaiters and callbacks in the order they were registered.
    enum Due {
        Awaiter(UnitId),
        Callback(UnitId, usize),
    }
    let mut order: Vec<(u32, Due)> = Vec::new();
    for w in waiters {
        let n = seqs.iter().find(|(u, _)| *u == w).map_or(0, |&(_, n)| n);
        order.push((n, Due::Awaiter(w)));
    }
    for (cb, l, n) in callbacks {
        order.push((n, Due::Callback(cb, l)));
    }
    order.sort_by_key(|e| e.0);
    for (_, due) in order {
        match due {
            Due::Awaiter(w) => {
                let wake = sim.event(w, EventKind::Wake, Some(o), None);
                sim.link(Some(ev), wake, LinkKind::Wake);
                sim.complete(w, reply.clone());
            }
            Due::Callback(cb, l) => sim.schedule_in_loop(cb, l),
        }
    }
}

/// Cancels future `f` on behalf of task `by` being cancelled while awaiting it.
pub(crate) fn cancel_future(sim: &mut Sim, f: ObjId, by: UnitId) {
    let _ = cancel(sim, f, by);
}
