//! `Condition` (threading, multiprocessing, asyncio).
//!
//! `wait` releases the underlying lock completely, joins a FIFO of waiters and, once notified
//! (or timed out), takes the lock back at the depth it had before returning `True` (or
//! `False`). `notify(n)` wakes the `n` oldest waiters, `notify_all` every one. Waiting or
//! notifying without holding the lock raises `RuntimeError` (for a plain `Lock`, "holding"
//! means "locked by someone", as in CPython's `_is_owned`). A woken waiter still has to win
//! the lock, so the predicate may be false again when it runs: hence `while`, not `if`.

use std::future::Future;

use crate::error::PyResult;
use crate::ids::{ObjId, UnitId};
use crate::kernel::{Sim, Wait};
use crate::prims::lock::{self, Lock};
use crate::prims::{ObjState, internal, is_async, need_task, wrong_kind};
use crate::program::{Ctx, Deadline, Flavor, ObjInit, ObjOp, Op, Quick};
use crate::time::Nanos;
use crate::trace::{EventKind, LinkKind};

/// A `Condition` handle with its lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Condition {
    pub id: ObjId,
    pub lock: Lock,
}

impl Ctx {
    /// `threading.Condition()`, with a fresh `RLock`.
    pub fn condition(&self, name: &str) -> Condition {
        self.new_condition(Flavor::Threading, name, None)
    }

    /// A condition of the given flavour over `lock`, or over a fresh lock (`RLock` for threading
    /// and multiprocessing, `Lock` for asyncio) when `lock` is `None`.
    pub fn new_condition(&self, flavor: Flavor, name: &str, lock: Option<Lock>) -> Condition {
        let lock = lock.unwrap_or_else(|| {
            let lname = format!("{name}.lock");
            match flavor {
                Flavor::Asyncio => self.new_lock(flavor, &lname),
                _ => self.new_rlock(flavor, &lname),
            }
        });
        Condition {
            id: self.new_obj(
                name,
                ObjInit::Condition {
                    flavor,
                    lock: lock.id,
                },
            ),
            lock,
        }
    }
}

impl Condition {
    pub async fn acquire(&self, cx: &Ctx) -> PyResult<bool> {
        self.lock.acquire(cx).await
    }

    pub async fn release(&self, cx: &Ctx) -> PyResult<()> {
        self.lock.release(cx).await
    }

    /// `wait()`.
    pub async fn wait(&self, cx: &Ctx) -> PyResult<bool> {
        cx.op_bool(move || Quick::Wait {
            o: self.id,
            deadline: Deadline::Never,
        })
        .await
    }

    /// `wait()`, declaring what the waiter waits for: the same steps as `wait()`, and if the
    /// run ends (or the waiter is killed at exit) with it still blocked here while `holds`
    /// is true, the trace reports a lost wakeup.
    pub async fn wait_expecting(
        &self,
        cx: &Ctx,
        what: &str,
        holds: impl Fn(&crate::wakeup::StateView<'_>) -> bool + 'static,
    ) -> PyResult<bool> {
        cx.declare_awaiting(Some(crate::wakeup::Awaiting::new(what, holds)));
        let r = self.wait(cx).await;
        cx.declare_awaiting(None);
        r
    }

    /// `wait(timeout)`: `False` if it timed out.
    pub async fn wait_timeout(&self, cx: &Ctx, timeout: Nanos) -> PyResult<bool> {
        cx.op_bool(move || Quick::Wait {
            o: self.id,
            deadline: Deadline::In(timeout),
        })
        .await
    }

    /// `wait_for(predicate, timeout)`: waits until the predicate holds, re-checking after each
    /// wake-up; returns the predicate's last value.
    pub async fn wait_for<F, Fut>(
        &self,
        cx: &Ctx,
        mut predicate: F,
        timeout: Option<Nanos>,
    ) -> PyResult<bool>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = PyResult<bool>>,
    {
        let mut end = None;
        let mut result = predicate().await?;
        while !result {
            match (timeout, end) {
                (None, _) => {
                    self.wait(cx).await?;
                }
                (Some(t), None) => {
                    end = Some(cx.now().await?.saturating_add(t));
                    self.wait_timeout(cx, t).await?;
                }
                (Some(_), Some(e)) => {
                    let now = cx.now().await?;
                    if now >= e {
                        break;
                    }
                    self.wait_timeout(cx, e - now).await?;
                }
            }
            result = predicate().await?;
        }
        Ok(result)
    }

    /// `notify(n)`.
    pub async fn notify_n(&self, cx: &Ctx, n: usize) -> PyResult<()> {
        cx.op_unit(move || Op::Obj(self.id, ObjOp::Notify(n))).await
    }

    /// `notify()`: wakes one waiter.
    pub async fn notify(&self, cx: &Ctx) -> PyResult<()> {
        self.notify_n(cx, 1).await
    }

    pub async fn notify_all(&self, cx: &Ctx) -> PyResult<()> {
        cx.op_unit(move || Op::Obj(self.id, ObjOp::NotifyAll)).await
    }
}

fn lock_of(sim: &Sim, o: ObjId) -> PyResult<ObjId> {
    match &sim.objs[o].state {
        ObjState::Condition { lock } => Ok(*lock),
        _ => Err(internal("not a condition")),
    }
}

// Out of line, so that `prims::apply` stays a small dispatcher with a cheap entry.
#[inline(never)]
pub(crate) fn apply(sim: &mut Sim, u: UnitId, o: ObjId, op: ObjOp) -> PyResult<()> {
    let l = lock_of(sim, o)?;
    match op {
        ObjOp::Wait(deadline) => {
            need_task(sim, u, o)?;
            let Some(depth) = lock::owned_depth(sim, u, l)? else {
                return Err(crate::PyError::runtime("cannot wait on un-acquired lock"));
            };
            sim.event(u, EventKind::Wait, Some(o), None);
            lock::release_all(sim, u, l)?;
            let at = sim.resolve(deadline);
            sim.objs[o].waiters.push_back(u);
            let asy = is_async(sim, o);
            sim.block_retry(
                u,
                Op::Obj(l, ObjOp::Reacquire { depth, ret: true }),
                Wait::Obj(o),
                at,
                asy,
            );
            Ok(())
        }
        ObjOp::Notify(n) => notify(sim, u, o, l, n, false),
        ObjOp::NotifyAll => notify(sim, u, o, l, usize::MAX, true),
        _ => Err(wrong_kind(sim, o, "this method")),
    }
}

fn notify(sim: &mut Sim, u: UnitId, o: ObjId, l: ObjId, n: usize, all: bool) -> PyResult<()> {
    if lock::owned_depth(sim, u, l)?.is_none() {
        return Err(crate::PyError::runtime("cannot notify on un-acquired lock"));
    }
    let count = n.min(sim.objs[o].waiters.len());
    let detail = if all {
        "all".to_string()
    } else {
        format!("n={n}, woke {count}")
    };
    let ev = sim.event(u, EventKind::Notify, Some(o), Some(detail));
    for _ in 0..count {
        let Some(w) = sim.objs[o].waiters.pop_front() else {
            break;
        };
        let wake = sim.event(w, EventKind::Wake, Some(o), None);
        sim.link(Some(ev), wake, LinkKind::Wake);
        sim.retry(w);
    }
    sim.complete(u, Ok(crate::program::Ret::None));
    Ok(())
}

pub(crate) fn timeout(sim: &mut Sim, u: UnitId, o: ObjId) {
    sim.objs[o].waiters.retain(|&w| w != u);
    sim.event(u, EventKind::WaitTimeout, Some(o), None);
    if let Some(Op::Obj(_, ObjOp::Reacquire { ret, .. })) = sim.pending(u) {
        *ret = false;
    }
    sim.retry(u);
}
