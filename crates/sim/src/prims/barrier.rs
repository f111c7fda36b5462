//! `Barrier` (threading, multiprocessing, asyncio).
//!
//! `parties` units call `wait`; the last to arrive runs the optional action and then all pass
//! together, each getting its arrival index (0 to parties - 1). A wait that times out breaks
//! the barrier; so does `abort()` and an action that raises. Every waiter of a broken barrier,
//! and every later `wait`, raises `BrokenBarrierError` until `reset()`.

use std::fmt;
use std::rc::Rc;

use crate::error::{PyError, PyErrorKind, PyResult};
use crate::ids::{ObjId, UnitId};
use crate::kernel::{Sim, Wait};
use crate::prims::{ObjState, internal, is_async, need_task, wrong_kind};
use crate::program::{BoxFuture, Ctx, Deadline, Flavor, ObjInit, ObjOp, Op, Ret};
use crate::time::Nanos;
use crate::trace::{EventKind, LinkKind};

/// The action a barrier runs when the last party arrives.
pub type BarrierAction = Rc<dyn Fn(Ctx) -> BoxFuture>;

/// A `Barrier` handle.
#[derive(Clone)]
pub struct Barrier {
    pub id: ObjId,
    action: Option<BarrierAction>,
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Barrier({})", self.id.number())
    }
}

impl Ctx {
    /// `threading.Barrier(parties)`.
    pub fn barrier(&self, name: &str, parties: i64) -> PyResult<Barrier> {
        self.new_barrier(Flavor::Threading, name, parties, None, None)
    }

    /// A barrier with an optional action and default timeout. `parties < 1` is a `ValueError`.
    pub fn new_barrier(
        &self,
        flavor: Flavor,
        name: &str,
        parties: i64,
        action: Option<BarrierAction>,
        timeout: Option<Nanos>,
    ) -> PyResult<Barrier> {
        if parties < 1 {
            let message = match flavor {
                Flavor::Asyncio => "parties must be > 0",
                // threading.Barrier (and multiprocessing's subclass), CPython 3.13+.
                _ => "parties must be >= 1",
            };
            return Err(PyError::new(PyErrorKind::ValueError, message));
        }
        let id = self.new_obj(
            name,
            ObjInit::Barrier {
                flavor,
                parties,
                timeout,
                has_action: action.is_some(),
            },
        );
        Ok(Barrier { id, action })
    }
}

impl Barrier {
    /// `wait()`: the arrival index.
    pub async fn wait(&self, cx: &Ctx) -> PyResult<i64> {
        self.wait_deadline(cx, Deadline::Never).await
    }

    /// `wait(timeout)`.
    pub async fn wait_timeout(&self, cx: &Ctx, timeout: Nanos) -> PyResult<i64> {
        self.wait_deadline(cx, Deadline::In(timeout)).await
    }

    async fn wait_deadline(&self, cx: &Ctx, d: Deadline) -> PyResult<i64> {
        match cx
            .op(move || Op::Obj(self.id, ObjOp::BarrierWait(d)))
            .await?
        {
            Ret::Int(i) => Ok(i),
            Ret::RunAction => {
                let result = match &self.action {
                    Some(action) => action(cx.clone()).await.map(|_| ()),
                    None => Ok(()),
                };
                cx.op_int(move || {
                    Op::Obj(self.id, ObjOp::BarrierActionDone(result.map_err(Box::new)))
                })
                .await
            }
            other => Err(crate::program::unexpected(&other)),
        }
    }

    pub async fn abort(&self, cx: &Ctx) -> PyResult<()> {
        cx.op_unit(move || Op::Obj(self.id, ObjOp::Abort)).await
    }

    pub async fn reset(&self, cx: &Ctx) -> PyResult<()> {
        cx.op_unit(move || Op::Obj(self.id, ObjOp::Reset)).await
    }

    pub async fn n_waiting(&self, cx: &Ctx) -> PyResult<i64> {
        cx.op_int(move || Op::Obj(self.id, ObjOp::NWaiting)).await
    }

    pub async fn broken(&self, cx: &Ctx) -> PyResult<bool> {
        cx.op_bool(move || Op::Obj(self.id, ObjOp::Broken)).await
    }
}

#[derive(Clone, Debug)]
pub(crate) struct BarrierState {
    pub(crate) parties: i64,
    pub(crate) count: i64,
    pub(crate) broken: bool,
    pub(crate) timeout: Option<Nanos>,
    pub(crate) has_action: bool,
    /// Waiting units with their arrival index.
    pub(crate) arrivals: Vec<(UnitId, i64)>,
    pub(crate) runner: Option<(UnitId, i64)>,
}

impl BarrierState {
    pub(crate) fn new(parties: i64, timeout: Option<Nanos>, has_action: bool) -> Self {
        BarrierState {
            parties,
            count: 0,
            broken: false,
            timeout,
            has_action,
            arrivals: Vec::new(),
            runner: None,
        }
    }
}

fn state(sim: &mut Sim, o: ObjId) -> PyResult<&mut BarrierState> {
    match &mut sim.objs[o].state {
        ObjState::Barrier(b) => Ok(b),
        _ => Err(internal("not a barrier")),
    }
}

fn broken_error() -> PyError {
    PyError::new(PyErrorKind::BrokenBarrierError, "")
}

// Out of line, so that `prims::apply` stays a small dispatcher with a cheap entry.
#[inline(never)]
pub(crate) fn apply(sim: &mut Sim, u: UnitId, o: ObjId, op: ObjOp) -> PyResult<()> {
    match op {
        ObjOp::BarrierWait(deadline) => arrive(sim, u, o, deadline),
        ObjOp::BarrierActionDone(result) => action_done(sim, u, o, result),
        ObjOp::Abort => {
            let ev = sim.event(u, EventKind::Broken, Some(o), Some("abort()".to_string()));
            break_barrier(sim, o, ev)?;
            sim.complete(u, Ok(Ret::None));
            Ok(())
        }
        ObjOp::Reset => {
            let ev = sim.event(u, EventKind::Broken, Some(o), Some("reset()".to_string()));
            break_barrier(sim, o, ev)?;
            let b = state(sim, o)?;
            b.broken = false;
            b.count = 0;
            sim.complete(u, Ok(Ret::None));
            Ok(())
        }
        ObjOp::NWaiting => {
            let n = state(sim, o)?.arrivals.len() as i64;
            sim.complete(u, Ok(Ret::Int(n)));
            Ok(())
        }
        ObjOp::Broken => {
            let b = state(sim, o)?.broken;
            sim.complete(u, Ok(Ret::Bool(b)));
            Ok(())
        }
        _ => Err(wrong_kind(sim, o, "this method")),
    }
}

/// `wait()`: count in; the last party passes everyone (after the action, if any), the others
/// wait until then or their deadline.
fn arrive(sim: &mut Sim, u: UnitId, o: ObjId, deadline: Deadline) -> PyResult<()> {
    need_task(sim, u, o)?;
    let b = state(sim, o)?;
    if b.broken {
        return Err(broken_error());
    }
    let index = b.count;
    b.count += 1;
    let parties = b.parties;
    let default_timeout = b.timeout;
    let has_action = b.has_action;
    sim.event(
        u,
        EventKind::Wait,
        Some(o),
        Some(format!("arrived {}/{parties}", index + 1)),
    );
    if index + 1 == parties {
        if has_action {
            state(sim, o)?.runner = Some((u, index));
            sim.complete(u, Ok(Ret::RunAction));
        } else {
            pass(sim, u, o, index)?;
        }
        return Ok(());
    }
    let deadline = match deadline {
        Deadline::Never => default_timeout.map_or(Deadline::Never, Deadline::In),
        d => d,
    };
    let at = sim.resolve(deadline);
    state(sim, o)?.arrivals.push((u, index));
    sim.objs[o].waiters.push_back(u);
    let asy = is_async(sim, o);
    sim.block(u, Wait::Obj(o), at, asy);
    Ok(())
}

/// The action the last party ran has finished: everyone passes, or, if it raised, the
/// barrier breaks.
fn action_done(
    sim: &mut Sim,
    u: UnitId,
    o: ObjId,
    result: Result<(), Box<PyError>>,
) -> PyResult<()> {
    let b = state(sim, o)?;
    let Some((runner, index)) = b.runner.take() else {
        return Err(internal("barrier action finished without a runner"));
    };
    if runner != u {
        return Err(internal("barrier action finished by another unit"));
    }
    match result {
        Ok(()) => pass(sim, u, o, index),
        Err(e) => {
            let ev = sim.event(
                u,
                EventKind::Broken,
                Some(o),
                Some(format!("action raised {e}")),
            );
            break_barrier(sim, o, ev)?;
            sim.complete(u, Err(*e));
            Ok(())
        }
    }
}

/// The last party arrived: everyone passes, and the barrier starts its next cycle.
fn pass(sim: &mut Sim, u: UnitId, o: ObjId, index: i64) -> PyResult<()> {
    let b = state(sim, o)?;
    let arrivals = std::mem::take(&mut b.arrivals);
    b.count = 0;
    let ev = sim.event(u, EventKind::Pass, Some(o), None);
    sim.objs[o].waiters.clear();
    for (w, i) in arrivals {
        let wake = sim.event(w, EventKind::Pass, Some(o), None);
        sim.link(Some(ev), wake, LinkKind::Wake);
        sim.complete(w, Ok(Ret::Int(i)));
    }
    sim.complete(u, Ok(Ret::Int(index)));
    Ok(())
}

fn break_barrier(sim: &mut Sim, o: ObjId, ev: u32) -> PyResult<()> {
    let b = state(sim, o)?;
    b.broken = true;
    b.count = 0;
    let arrivals = std::mem::take(&mut b.arrivals);
    sim.objs[o].waiters.clear();
    for (w, _) in arrivals {
        let wake = sim.event(w, EventKind::Broken, Some(o), None);
        sim.link(Some(ev), wake, LinkKind::Wake);
        sim.complete(w, Err(broken_error()));
    }
    Ok(())
}

pub(crate) fn timeout(sim: &mut Sim, u: UnitId, o: ObjId) {
    if let Ok(b) = state(sim, o) {
        b.arrivals.retain(|&(w, _)| w != u);
    }
    sim.objs[o].waiters.retain(|&w| w != u);
    let ev = sim.event(
        u,
        EventKind::Broken,
        Some(o),
        Some("wait timed out".to_string()),
    );
    let _ = break_barrier(sim, o, ev);
    sim.complete(u, Err(broken_error()));
}
