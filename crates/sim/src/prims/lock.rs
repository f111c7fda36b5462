//! `Lock` and `RLock` (threading, multiprocessing, asyncio).
//!
//! CPython semantics modelled:
//! - `threading.Lock` has no owner and is not fair: a release wakes the oldest waiter, which
//!   must then win the lock again; any thread (including the releaser) may barge in first.
//!   Releasing an unlocked lock raises `RuntimeError: release unlocked lock`. Acquiring a lock
//!   you hold blocks forever (the deadlock `rlock` teaches).
//! - `RLock` has an owner and a depth; the owner re-enters; a release by anyone else raises
//!   `RuntimeError: cannot release un-acquired lock`.
//! - `multiprocessing.Lock` is a semaphore: over-release raises
//!   `ValueError: semaphore or lock released too many times`.
//! - `asyncio.Lock` is fair (FIFO hand-off); release when unlocked raises
//!   `RuntimeError: Lock is not acquired.`

use crate::error::{PyError, PyErrorKind, PyResult};
use crate::ids::{ObjId, UnitId};
use crate::kernel::{Resource, Sim, Wait};
use crate::prims::{ObjState, is_async, need_task, wrong_kind};
use crate::program::{Ctx, Deadline, Flavor, ObjInit, ObjOp, Op, Quick, Ret};
use crate::time::Nanos;
use crate::trace::{EventKind, LinkKind};

/// A `Lock` or `RLock` handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lock {
    pub id: ObjId,
}

impl Ctx {
    /// `threading.Lock()`.
    pub fn lock(&self, name: &str) -> Lock {
        self.new_lock(Flavor::Threading, name)
    }

    /// A `Lock` of the given flavour.
    pub fn new_lock(&self, flavor: Flavor, name: &str) -> Lock {
        Lock {
            id: self.new_obj(name, ObjInit::Lock(flavor)),
        }
    }

    /// `threading.RLock()`.
    pub fn rlock(&self, name: &str) -> Lock {
        self.new_rlock(Flavor::Threading, name)
    }

    /// An `RLock` of the given flavour (`asyncio` has none: it is treated as threading's).
    pub fn new_rlock(&self, flavor: Flavor, name: &str) -> Lock {
        Lock {
            id: self.new_obj(name, ObjInit::RLock(flavor)),
        }
    }
}

impl Lock {
    /// `acquire()`: waits as long as it takes. Returns `True`.
    pub fn acquire<'a>(
        &self,
        cx: &'a Ctx,
    ) -> impl std::future::Future<Output = PyResult<bool>> + use<'a> {
        let id = self.id;
        cx.op_bool(move || Quick::acquire(id, true, Deadline::Never))
    }

    crate::prims::timed_acquire!();

    pub fn release<'a>(
        &self,
        cx: &'a Ctx,
    ) -> impl std::future::Future<Output = PyResult<()>> + use<'a> {
        let id = self.id;
        cx.op_unit(move || Quick::Release { o: id, n: 1 })
    }

    pub async fn locked(&self, cx: &Ctx) -> PyResult<bool> {
        cx.op_bool(move || Op::Obj(self.id, ObjOp::Locked)).await
    }

    /// `with lock: body` — releases on both success and error, like Python's `with`.
    pub async fn with<T, F, Fut>(&self, cx: &Ctx, body: F) -> PyResult<T>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = PyResult<T>>,
    {
        self.acquire(cx).await?;
        let r = body().await;
        self.release(cx).await?;
        r
    }
}

/// Kernel-side state of a lock.
#[derive(Clone, Debug)]
pub(crate) struct LockState {
    pub(crate) reentrant: bool,
    pub(crate) locked: bool,
    pub(crate) owner: Option<UnitId>,
    pub(crate) depth: u32,
}

impl LockState {
    pub(crate) fn new(reentrant: bool) -> Self {
        LockState {
            reentrant,
            locked: false,
            owner: None,
            depth: 0,
        }
    }
}

fn state(sim: &mut Sim, o: ObjId) -> PyResult<&mut LockState> {
    match &mut sim.objs[o].state {
        ObjState::Lock(l) => Ok(l),
        _ => Err(crate::prims::internal("not a lock")),
    }
}

/// The identity that owns a lock: the OS thread for threading/multiprocessing, the task for
/// asyncio.
fn owner_id(sim: &Sim, u: UnitId, o: ObjId) -> UnitId {
    owner(sim, u, is_async(sim, o))
}

/// `owner_id` when the caller already knows whether the lock is an asyncio one.
fn owner(sim: &Sim, u: UnitId, asyncio: bool) -> UnitId {
    if asyncio { u } else { sim.os_thread(u) }
}

/// A lock operation; an error becomes the unit's reply. `prims::apply` sends a threading
/// or multiprocessing lock's `acquire()` and `release()` straight to `acquire_op` and
/// `release_op`: small functions, each reached by a jump. The rest (asyncio locks, the
/// other methods) come here.
#[inline(never)]
pub(crate) fn apply(sim: &mut Sim, u: UnitId, o: ObjId, op: ObjOp) {
    let r = match op {
        ObjOp::Acquire { blocking, deadline } => return acquire_op(sim, u, o, blocking, deadline),
        ObjOp::Release(_) => return release_op(sim, u, o),
        ObjOp::Reacquire { depth, ret } => acquire(sim, u, o, true, Deadline::Never, depth, ret),
        ObjOp::Locked => state(sim, o)
            .map(|l| l.locked)
            .map(|l| sim.complete(u, Ok(Ret::Bool(l)))),
        _ => Err(wrong_kind(sim, o, "this method")),
    };
    if let Err(e) = r {
        sim.complete(u, Err(e));
    }
}

/// `acquire()` (blocking, any timeout).
#[inline(never)]
pub(crate) fn acquire_op(sim: &mut Sim, u: UnitId, o: ObjId, blocking: bool, deadline: Deadline) {
    if let Err(e) = acquire(sim, u, o, blocking, deadline, 1, true) {
        sim.complete(u, Err(e));
    }
}

/// `release()`.
#[inline(never)]
pub(crate) fn release_op(sim: &mut Sim, u: UnitId, o: ObjId) {
    let r = release(sim, u, o).map(|()| Ret::None);
    sim.complete(u, r);
}

#[inline(always)]
fn acquire(
    sim: &mut Sim,
    u: UnitId,
    o: ObjId,
    blocking: bool,
    deadline: Deadline,
    depth: u32,
    ret: bool,
) -> PyResult<()> {
    if !blocking && deadline != Deadline::Never {
        return Err(PyError::new(
            PyErrorKind::ValueError,
            "can't specify a timeout for a non-blocking call",
        ));
    }
    let asy = is_async(sim, o);
    if asy {
        need_task(sim, u, o)?;
    }
    let me = owner(sim, u, asy);
    let reacquire = depth != 1 || !ret;
    let l = state(sim, o)?;
    if l.reentrant && l.locked && l.owner == Some(me) && !reacquire {
        l.depth += 1;
        let d = l.depth;
        sim.event(
            u,
            EventKind::Acquire,
            Some(o),
            Some(format!("re-entered, depth {d}")),
        );
        sim.complete(u, Ok(Ret::Bool(true)));
        return Ok(());
    }
    if !l.locked {
        l.locked = true;
        l.owner = Some(me);
        l.depth = depth;
        took(sim, u, o);
        sim.complete(u, Ok(Ret::Bool(ret)));
        return Ok(());
    }
    if !blocking {
        sim.event(
            u,
            EventKind::AcquireTimeout,
            Some(o),
            Some("non-blocking".to_string()),
        );
        sim.complete(u, Ok(Ret::Bool(false)));
        return Ok(());
    }
    let Some(at) = crate::prims::live_deadline(sim, deadline) else {
        sim.event(
            u,
            EventKind::AcquireTimeout,
            Some(o),
            Some("timed out".to_string()),
        );
        sim.complete(u, Ok(Ret::Bool(false)));
        return Ok(());
    };
    sim.objs[o].waiters.push_back(u);
    let deadline = at.map_or(Deadline::Never, Deadline::At);
    let op = if reacquire {
        ObjOp::Reacquire { depth, ret }
    } else {
        ObjOp::Acquire { blocking, deadline }
    };
    sim.block_retry(u, Op::Obj(o, op), Wait::Obj(o), at, asy);
    Ok(())
}

/// Records an acquisition and links it to the release that made it possible.
#[inline(always)]
fn took(sim: &mut Sim, u: UnitId, o: ObjId) {
    let ev = sim.event(u, EventKind::Acquire, Some(o), None);
    let from = sim.objs[o].last_release.take();
    sim.link(from, ev, LinkKind::Unlock);
}

/// Releases one level of the lock for `u` and wakes a waiter. Shared with `Condition.wait`.
#[inline(always)]
pub(crate) fn release(sim: &mut Sim, u: UnitId, o: ObjId) -> PyResult<()> {
    let me = owner_id(sim, u, o);
    let flavor = sim.objs[o].flavor;
    let l = state(sim, o)?;
    if l.reentrant {
        if !l.locked || l.owner != Some(me) {
            return Err(match flavor {
                Some(Flavor::Multiprocessing) => PyError::new(
                    PyErrorKind::AssertionError,
                    "attempt to release recursive lock not owned by thread",
                ),
                _ => PyError::runtime("cannot release un-acquired lock"),
            });
        }
        l.depth -= 1;
        if l.depth > 0 {
            let d = l.depth;
            sim.event(u, EventKind::Release, Some(o), Some(format!("depth {d}")));
            return Ok(());
        }
    } else if !l.locked {
        return Err(match flavor {
            Some(Flavor::Multiprocessing) => PyError::new(
                PyErrorKind::ValueError,
                "semaphore or lock released too many times",
            ),
            Some(Flavor::Asyncio) => PyError::runtime("Lock is not acquired."),
            _ => PyError::runtime("release unlocked lock"),
        });
    }
    l.locked = false;
    l.owner = None;
    l.depth = 0;
    let ev = sim.event(u, EventKind::Release, Some(o), None);
    sim.objs[o].last_release = Some(ev);
    wake_one(sim, o);
    Ok(())
}

/// Lets the oldest waiter have the lock: hand-off for asyncio, a retry otherwise. Only the
/// test for a waiter is inline: most releases find none.
#[inline(always)]
fn wake_one(sim: &mut Sim, o: ObjId) {
    if !sim.objs[o].waiters.is_empty() {
        wake_oldest(sim, o);
    }
}

#[inline(never)]
fn wake_oldest(sim: &mut Sim, o: ObjId) {
    let Some(w) = sim.objs[o].waiters.pop_front() else {
        return;
    };
    if is_async(sim, o) {
        let (depth, ret) = match sim.pending(w).take() {
            Some(Op::Obj(_, ObjOp::Reacquire { depth, ret })) => (depth, ret),
            _ => (1, true),
        };
        if let Ok(l) = state(sim, o) {
            l.locked = true;
            l.owner = Some(w);
            l.depth = depth;
        }
        took(sim, w, o);
        sim.complete(w, Ok(Ret::Bool(ret)));
    } else {
        sim.retry(w);
    }
}

/// The early return of a woken waiter's retried `acquire()`: a blocking, untimed acquire of
/// a plain `Lock` that someone took first (threading locks are not fair) waits again at once,
/// as `acquire` itself would decide (same access rule, no event, at the back of the queue),
/// with its operation left pending in place instead of taken out, dispatched and put back.
/// Returns whether it did; anything else is dispatched as usual.
/// PERF(events, 100 units, no GIL): dispatching these retries instead measured 0.93×.
#[inline(always)]
pub(crate) fn wait_again(sim: &mut Sim, u: UnitId) -> bool {
    let Some(Op::Obj(
        o,
        ObjOp::Acquire {
            blocking: true,
            deadline: Deadline::Never,
        },
    )) = *sim.pending(u)
    else {
        return false;
    };
    let Some(obj) = sim.objs.get(o) else {
        return false;
    };
    let held = matches!(&obj.state, ObjState::Lock(l) if l.locked && !l.reentrant);
    if !held || crate::prims::reach(sim, u, obj) != crate::prims::Reach::Direct || sim.in_task(u) {
        return false;
    }
    block_again(sim, u, o);
    true
}

#[inline(never)]
fn block_again(sim: &mut Sim, u: UnitId, o: ObjId) {
    sim.touch(Resource::Obj(o), true);
    sim.objs[o].waiters.push_back(u);
    sim.block(u, Wait::Obj(o), None, false);
}

/// The owner's depth, after checking that `u` owns (or, for a plain lock, that someone holds)
/// the lock — CPython's `Condition._is_owned`.
pub(crate) fn owned_depth(sim: &mut Sim, u: UnitId, o: ObjId) -> PyResult<Option<u32>> {
    let me = owner_id(sim, u, o);
    let l = state(sim, o)?;
    Ok(if l.reentrant {
        (l.locked && l.owner == Some(me)).then_some(l.depth)
    } else {
        l.locked.then_some(1)
    })
}

/// Releases a condition's lock completely (all RLock levels) before waiting.
pub(crate) fn release_all(sim: &mut Sim, u: UnitId, o: ObjId) -> PyResult<()> {
    let l = state(sim, o)?;
    if l.reentrant {
        l.depth = 1;
    }
    release(sim, u, o)
}

/// A timed `acquire()` (of a lock or a semaphore) ran out: `u` stops waiting and gets
/// `False`.
pub(crate) fn timeout(sim: &mut Sim, u: UnitId, o: ObjId) {
    sim.objs[o].waiters.retain(|&w| w != u);
    *sim.pending(u) = None;
    sim.event(
        u,
        EventKind::AcquireTimeout,
        Some(o),
        Some("timed out".to_string()),
    );
    sim.complete(u, Ok(Ret::Bool(false)));
}
