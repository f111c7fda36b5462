//! `Event` (threading, multiprocessing, asyncio): a flag that `set` raises and `clear` lowers;
//! `wait` returns at once when it is up and otherwise blocks until `set` wakes every waiter.
//! `wait(timeout)` returns the flag: `False` when the time ran out.

use crate::error::PyResult;
use crate::ids::{ObjId, UnitId};
use crate::kernel::{Sim, Wait};
use crate::prims::{ObjState, internal, is_async, live_deadline, need_task, wrong_kind};
use crate::program::{Ctx, Deadline, Flavor, ObjInit, ObjOp, Op, Quick, Ret};
use crate::time::Nanos;
use crate::trace::{EventKind, LinkKind};

/// An `Event` handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub id: ObjId,
}

impl Ctx {
    /// `threading.Event()`.
    pub fn event(&self, name: &str) -> Event {
        self.new_event(Flavor::Threading, name)
    }

    pub fn new_event(&self, flavor: Flavor, name: &str) -> Event {
        Event {
            id: self.new_obj(name, ObjInit::Event(flavor)),
        }
    }
}

impl Event {
    pub async fn set(&self, cx: &Ctx) -> PyResult<()> {
        cx.op_unit(move || Op::Obj(self.id, ObjOp::Set)).await
    }

    pub async fn clear(&self, cx: &Ctx) -> PyResult<()> {
        cx.op_unit(move || Op::Obj(self.id, ObjOp::Clear)).await
    }

    pub async fn is_set(&self, cx: &Ctx) -> PyResult<bool> {
        cx.op_bool(move || Op::Obj(self.id, ObjOp::IsSet)).await
    }

    /// `wait()`: returns `True` once the flag is set.
    pub async fn wait(&self, cx: &Ctx) -> PyResult<bool> {
        cx.op_bool(move || Quick::Wait {
            o: self.id,
            deadline: Deadline::Never,
        })
        .await
    }

    /// `wait(timeout)`: the flag when it returns.
    pub async fn wait_timeout(&self, cx: &Ctx, timeout: Nanos) -> PyResult<bool> {
        cx.op_bool(move || Quick::Wait {
            o: self.id,
            deadline: Deadline::In(timeout),
        })
        .await
    }
}

fn flag(sim: &mut Sim, o: ObjId) -> PyResult<&mut bool> {
    match &mut sim.objs[o].state {
        ObjState::Event { flag } => Ok(flag),
        _ => Err(internal("not an event")),
    }
}

// Out of line, so that `prims::apply` stays a small dispatcher with a cheap entry.
#[inline(never)]
pub(crate) fn apply(sim: &mut Sim, u: UnitId, o: ObjId, op: ObjOp) -> PyResult<()> {
    match op {
        ObjOp::Set => {
            *flag(sim, o)? = true;
            let ev = sim.event(u, EventKind::Set, Some(o), None);
            let waiters: Vec<UnitId> = sim.objs[o].waiters.drain(..).collect();
            for w in waiters {
                let wake = sim.event(w, EventKind::Wake, Some(o), None);
                sim.link(Some(ev), wake, LinkKind::Wake);
                sim.complete(w, Ok(Ret::Bool(true)));
            }
            sim.complete(u, Ok(Ret::None));
        }
        ObjOp::Clear => {
            *flag(sim, o)? = false;
            sim.event(u, EventKind::Clear, Some(o), None);
            sim.complete(u, Ok(Ret::None));
        }
        ObjOp::IsSet => {
            let f = *flag(sim, o)?;
            sim.complete(u, Ok(Ret::Bool(f)));
        }
        ObjOp::Wait(deadline) => {
            need_task(sim, u, o)?;
            if *flag(sim, o)? {
                sim.complete(u, Ok(Ret::Bool(true)));
                return Ok(());
            }
            let Some(at) = live_deadline(sim, deadline) else {
                sim.complete(u, Ok(Ret::Bool(false)));
                return Ok(());
            };
            sim.event(u, EventKind::Wait, Some(o), None);
            sim.objs[o].waiters.push_back(u);
            let asy = is_async(sim, o);
            sim.block(u, Wait::Obj(o), at, asy);
        }
        _ => return Err(wrong_kind(sim, o, "this method")),
    }
    Ok(())
}

pub(crate) fn timeout(sim: &mut Sim, u: UnitId, o: ObjId) {
    sim.objs[o].waiters.retain(|&w| w != u);
    sim.event(u, EventKind::WaitTimeout, Some(o), None);
    let f = flag(sim, o).map(|f| *f).unwrap_or(false);
    sim.complete(u, Ok(Ret::Bool(f)));
}
