//! `Semaphore` and `BoundedSemaphore` (threading, multiprocessing, asyncio).
//!
//! A negative initial value raises `ValueError`; `release(n)` with `n < 1` raises `ValueError`;
//! a bounded semaphore released above its initial value raises `ValueError`. Threading and
//! multiprocessing waiters are woken to try again (not fair); asyncio hands permits over in
//! FIFO order.

use crate::error::{PyError, PyErrorKind, PyResult};
use crate::ids::{ObjId, UnitId};
use crate::kernel::Sim;
use crate::prims::{ObjState, block_on, internal, is_async, live_deadline, need_task, wrong_kind};
use crate::program::{Ctx, Deadline, Flavor, ObjInit, ObjOp, Op, Quick, Ret};
use crate::time::Nanos;
use crate::trace::{EventKind, LinkKind};

/// A `Semaphore` or `BoundedSemaphore` handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Semaphore {
    pub id: ObjId,
}

impl Ctx {
    /// `threading.Semaphore(value)`. A negative value is a `ValueError`.
    pub fn semaphore(&self, name: &str, value: i64) -> PyResult<Semaphore> {
        self.new_semaphore(Flavor::Threading, name, value, false)
    }

    /// A semaphore of the given flavour; `bounded` makes it a `BoundedSemaphore`.
    pub fn new_semaphore(
        &self,
        flavor: Flavor,
        name: &str,
        value: i64,
        bounded: bool,
    ) -> PyResult<Semaphore> {
        if value < 0 {
            return Err(match flavor {
                Flavor::Threading => PyError::new(
                    PyErrorKind::ValueError,
                    "semaphore initial value must be >= 0",
                ),
                Flavor::Asyncio => PyError::new(
                    PyErrorKind::ValueError,
                    "Semaphore initial value must be >= 0",
                ),
                // `sem_open` rejects it (Linux).
                Flavor::Multiprocessing => {
                    PyError::new(PyErrorKind::OSError, "[Errno 22] Invalid argument")
                }
            });
        }
        Ok(Semaphore {
            id: self.new_obj(
                name,
                ObjInit::Semaphore {
                    flavor,
                    value,
                    bounded,
                },
            ),
        })
    }
}

impl Semaphore {
    pub async fn acquire(&self, cx: &Ctx) -> PyResult<bool> {
        cx.op_bool(move || Quick::acquire(self.id, true, Deadline::Never))
            .await
    }

    crate::prims::timed_acquire!();

    /// `release(n)`.
    pub async fn release_n(&self, cx: &Ctx, n: i64) -> PyResult<()> {
        let n = u32::try_from(n).unwrap_or(0);
        cx.op_unit(move || Quick::Release { o: self.id, n }).await
    }

    pub async fn release(&self, cx: &Ctx) -> PyResult<()> {
        self.release_n(cx, 1).await
    }

    /// The current value (`_value`; `get_value()` in multiprocessing).
    pub async fn value(&self, cx: &Ctx) -> PyResult<i64> {
        cx.op_int(move || Op::Obj(self.id, ObjOp::Value)).await
    }
}

#[derive(Clone, Debug)]
pub(crate) struct SemState {
    pub(crate) value: i64,
    pub(crate) initial: i64,
    pub(crate) bounded: bool,
}

impl SemState {
    pub(crate) fn new(value: i64, bounded: bool) -> Self {
        SemState {
            value,
            initial: value,
            bounded,
        }
    }

    /// The class name: `Semaphore` or `BoundedSemaphore`.
    pub(crate) fn class(&self) -> &'static str {
        if self.bounded {
            "BoundedSemaphore"
        } else {
            "Semaphore"
        }
    }
}

fn state(sim: &mut Sim, o: ObjId) -> PyResult<&mut SemState> {
    match &mut sim.objs[o].state {
        ObjState::Semaphore(s) => Ok(s),
        _ => Err(internal("not a semaphore")),
    }
}

// Out of line, so that `prims::apply` stays a small dispatcher with a cheap entry.
#[inline(never)]
pub(crate) fn apply(sim: &mut Sim, u: UnitId, o: ObjId, op: ObjOp) -> PyResult<()> {
    match op {
        ObjOp::Acquire { blocking, deadline } => acquire(sim, u, o, blocking, deadline),
        ObjOp::Release(n) => release(sim, u, o, n),
        ObjOp::Value => {
            let v = state(sim, o)?.value;
            sim.complete(u, Ok(Ret::Int(v)));
            Ok(())
        }
        _ => Err(wrong_kind(sim, o, "this method")),
    }
}

fn acquire(sim: &mut Sim, u: UnitId, o: ObjId, blocking: bool, deadline: Deadline) -> PyResult<()> {
    if !blocking && deadline != Deadline::Never {
        return Err(PyError::new(
            PyErrorKind::ValueError,
            "can't specify timeout for non-blocking acquire",
        ));
    }
    need_task(sim, u, o)?;
    let fair_wait = is_async(sim, o) && !sim.objs[o].waiters.is_empty();
    let s = state(sim, o)?;
    if s.value > 0 && !fair_wait {
        s.value -= 1;
        took(sim, u, o);
        sim.complete(u, Ok(Ret::Bool(true)));
        return Ok(());
    }
    let Some(at) = live_deadline(sim, deadline).filter(|_| blocking) else {
        sim.event(u, EventKind::AcquireTimeout, Some(o), None);
        sim.complete(u, Ok(Ret::Bool(false)));
        return Ok(());
    };
    sim.objs[o].waiters.push_back(u);
    block_on(sim, u, o, at, |deadline| ObjOp::Acquire {
        blocking,
        deadline,
    });
    Ok(())
}

fn took(sim: &mut Sim, u: UnitId, o: ObjId) {
    let ev = sim.event(u, EventKind::Acquire, Some(o), None);
    let from = sim.objs[o].last_release.take();
    sim.link(from, ev, LinkKind::Unlock);
    sim.counter(o);
}

fn release(sim: &mut Sim, u: UnitId, o: ObjId, n: u32) -> PyResult<()> {
    if n < 1 {
        return Err(PyError::new(
            PyErrorKind::ValueError,
            "n must be one or more",
        ));
    }
    let flavor = sim.objs[o].flavor;
    let s = state(sim, o)?;
    if s.bounded && s.value + i64::from(n) > s.initial {
        return Err(PyError::new(
            PyErrorKind::ValueError,
            match flavor {
                Some(Flavor::Multiprocessing) => "semaphore or lock released too many times",
                Some(Flavor::Asyncio) => "BoundedSemaphore released too many times",
                _ => "Semaphore released too many times",
            },
        ));
    }
    s.value += i64::from(n);
    let ev = sim.event(
        u,
        EventKind::Release,
        Some(o),
        (n > 1).then(|| format!("n={n}")),
    );
    sim.objs[o].last_release = Some(ev);
    sim.counter(o);
    let asy = is_async(sim, o);
    for _ in 0..n {
        let Some(w) = sim.objs[o].waiters.pop_front() else {
            break;
        };
        if asy {
            let s = state(sim, o)?;
            s.value -= 1;
            *sim.pending(w) = None;
            took(sim, w, o);
            sim.complete(w, Ok(Ret::Bool(true)));
        } else {
            sim.retry(w);
        }
    }
    sim.complete(u, Ok(Ret::None));
    Ok(())
}
