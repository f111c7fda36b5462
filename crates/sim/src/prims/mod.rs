//! Synchronisation primitives, queues, pipes, shared memory and futures.
//!
//! Each primitive lives in its own file with both halves: the handle a program holds (a copyable
//! id with async methods) and the kernel-side state and operations. This module owns the object
//! arena entry ([`Obj`]), dispatches operations by object kind, and answers the cross-cutting
//! questions: who may use an object, what happens when a wait times out, and what a blocked unit
//! is waiting for (for deadlock reports).

use std::collections::VecDeque;

use crate::error::{PyError, PyErrorKind, PyResult};
use crate::ids::{ObjId, UnitId};
use crate::kernel::{Sim, Wait};
use crate::program::{Deadline, Flavor, ObjInit, ObjOp, ObjSpec, Op};
use crate::time::Nanos;
use crate::trace::ObjInfo;

pub mod barrier;
pub mod condition;
pub mod event;
pub mod future;
pub mod lock;
pub mod manager;
pub mod pipe;
pub mod queue;
pub mod semaphore;
pub mod shared;

pub(crate) use future::cancel_future;

/// The `acquire` variants locks and semaphores share: with a timeout, non-blocking, and both
/// (always a `ValueError`, as in Python).
macro_rules! timed_acquire {
    () => {
        /// `acquire(timeout=t)`: `False` if it could not be had in time.
        pub async fn acquire_timeout(&self, cx: &Ctx, timeout: Nanos) -> PyResult<bool> {
            cx.op_bool(move || Quick::acquire(self.id, true, Deadline::In(timeout)))
                .await
        }

        /// `acquire(blocking=False)`.
        pub async fn try_acquire(&self, cx: &Ctx) -> PyResult<bool> {
            cx.op_bool(move || Quick::acquire(self.id, false, Deadline::Never))
                .await
        }

        /// `acquire(blocking=False, timeout=t)`: a `ValueError`.
        pub async fn try_acquire_timeout(&self, cx: &Ctx, timeout: Nanos) -> PyResult<bool> {
            cx.op_bool(move || Quick::acquire(self.id, false, Deadline::In(timeout)))
                .await
        }
    };
}
pub(crate) use timed_acquire;

/// One object in the kernel's arena.
pub(crate) struct Obj {
    pub(crate) info: ObjInfo,
    /// The process that created it (threading objects belong to it).
    pub(crate) proc: UnitId,
    pub(crate) flavor: Option<Flavor>,
    pub(crate) state: ObjState,
    /// Units blocked on the object, oldest first (acquirers, getters, waiters, receivers).
    pub(crate) waiters: VecDeque<UnitId>,
    pub(crate) counter: Option<usize>,
    /// The event that last released, set or fed the object, for causal links.
    pub(crate) last_release: Option<u32>,
    pub(crate) bound_loop: Option<usize>,
}

/// Every object of a run, by id: the store primitives read and change their state in.
#[derive(Default)]
pub(crate) struct Objects(Vec<Obj>);

impl Objects {
    pub(crate) fn with_capacity(n: usize) -> Objects {
        Objects(Vec::with_capacity(n))
    }

    pub(crate) fn get(&self, o: ObjId) -> Option<&Obj> {
        self.0.get(o.index())
    }

    pub(crate) fn get_mut(&mut self, o: ObjId) -> Option<&mut Obj> {
        self.0.get_mut(o.index())
    }

    /// Adds the next object (its id is the number of objects before it).
    pub(crate) fn push(&mut self, obj: Obj) -> &Obj {
        self.0.push(obj);
        &self.0[self.0.len() - 1]
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

impl std::ops::Index<ObjId> for Objects {
    type Output = Obj;

    #[inline]
    fn index(&self, o: ObjId) -> &Obj {
        &self.0[o.index()]
    }
}

impl std::ops::IndexMut<ObjId> for Objects {
    #[inline]
    fn index_mut(&mut self, o: ObjId) -> &mut Obj {
        &mut self.0[o.index()]
    }
}

pub(crate) enum ObjState {
    Lock(lock::LockState),
    Semaphore(semaphore::SemState),
    Event { flag: bool },
    Condition { lock: ObjId },
    Barrier(barrier::BarrierState),
    Queue(queue::QueueState),
    Conn(pipe::ConnState),
    Var(shared::VarState),
    Shared(shared::SharedState),
    Dict(Vec<(crate::Value, crate::Value)>),
    List(Vec<crate::Value>),
    Future(future::FutState),
    ContextVar { default: Option<crate::Value> },
}

/// Builds the arena entry for a newly registered object.
pub(crate) fn create(spec: ObjSpec, proc: UnitId) -> Obj {
    let (kind, flavor, state) = initial(spec.init, proc);
    Obj {
        info: ObjInfo {
            id: spec.id,
            name: spec.name,
            kind,
        },
        proc,
        flavor,
        state,
        waiters: VecDeque::new(),
        counter: None,
        last_release: None,
        bound_loop: None,
    }
}

/// A new object's type name, flavour and state.
fn initial(init: ObjInit, proc: UnitId) -> (String, Option<Flavor>, ObjState) {
    // A primitive of `flavor` (`threading.Lock`, `asyncio.Lock`, ...).
    let prim = |f: Flavor, class: &str, state| (type_name(f, class), Some(f), state);
    let other = |kind: &str, flavor, state| (kind.to_string(), flavor, state);
    // An object only `multiprocessing` has.
    let mp = |kind: &str, state| other(kind, Some(Flavor::Multiprocessing), state);
    match init {
        ObjInit::Lock(f) => prim(f, "Lock", ObjState::Lock(lock::LockState::new(false))),
        ObjInit::RLock(f) => prim(f, "RLock", ObjState::Lock(lock::LockState::new(true))),
        ObjInit::Semaphore {
            flavor,
            value,
            bounded,
        } => {
            let sem = semaphore::SemState::new(value, bounded);
            prim(flavor, sem.class(), ObjState::Semaphore(sem))
        }
        ObjInit::Event(f) => prim(f, "Event", ObjState::Event { flag: false }),
        ObjInit::Condition { flavor, lock } => {
            prim(flavor, "Condition", ObjState::Condition { lock })
        }
        ObjInit::Barrier {
            flavor,
            parties,
            timeout,
            has_action,
        } => prim(
            flavor,
            "Barrier",
            ObjState::Barrier(barrier::BarrierState::new(parties, timeout, has_action)),
        ),
        ObjInit::Queue {
            flavor,
            kind,
            maxsize,
            joinable,
        } => (
            queue::type_name(flavor, kind, joinable),
            Some(flavor),
            ObjState::Queue(queue::QueueState::new(flavor, kind, maxsize, joinable)),
        ),
        ObjInit::Conn {
            peer,
            readable,
            writable,
        } => mp(
            "multiprocessing.connection.Connection",
            ObjState::Conn(pipe::ConnState::new(peer, readable, writable)),
        ),
        ObjInit::Var(v) => other(
            "variable",
            None,
            ObjState::Var(shared::VarState::new(proc, v)),
        ),
        ObjInit::SharedValue { init, lock, array } => mp(
            if array {
                "multiprocessing.Array"
            } else {
                "multiprocessing.Value"
            },
            ObjState::Shared(shared::SharedState::new(init, lock, array)),
        ),
        ObjInit::ManagerDict => mp("DictProxy", ObjState::Dict(Vec::new())),
        ObjInit::ManagerList => mp("ListProxy", ObjState::List(Vec::new())),
        ObjInit::Future => other(
            "asyncio.Future",
            Some(Flavor::Asyncio),
            ObjState::Future(future::FutState::default()),
        ),
        ObjInit::ContextVar { default } => other(
            "contextvars.ContextVar",
            None,
            ObjState::ContextVar { default },
        ),
    }
}

fn type_name(f: Flavor, class: &str) -> String {
    format!("{}.{class}", f.module())
}

/// Which objects get a counter track, and its label.
pub(crate) fn counter_name(obj: &Obj) -> Option<&'static str> {
    match obj.state {
        ObjState::Semaphore(_) => Some("value of"),
        ObjState::Queue(_) => Some("depth of"),
        _ => None,
    }
}

pub(crate) fn counter_value(obj: &Obj) -> i64 {
    match &obj.state {
        ObjState::Semaphore(s) => s.value,
        ObjState::Queue(q) => q.items.len() as i64,
        _ => 0,
    }
}

/// Checks that `u` may use `o` at all: threading objects stay in their process, asyncio
/// objects stay on their event loop.
fn access(sim: &mut Sim, u: UnitId, o: ObjId) -> PyResult<()> {
    let Some(obj) = sim.objs.get(o) else {
        return Err(PyError::new(
            PyErrorKind::ValueError,
            format!("no object #{}", o.number()),
        ));
    };
    let proc = sim.process_of(u);
    match obj.flavor {
        Some(Flavor::Threading) if obj.proc != proc => Err(PyError::new(
            PyErrorKind::TypeError,
            format!(
                "cannot pickle '{}' object: {} '{}' belongs to another process; use the \
                 multiprocessing version to share it",
                unpicklable_type(sim, o),
                obj.info.kind,
                obj.info.name
            ),
        )),
        Some(Flavor::Asyncio) => {
            if let Some(l) = sim.task_loop(u) {
                match obj.bound_loop {
                    None => sim.objs[o].bound_loop = Some(l),
                    Some(b) if b != l => {
                        return Err(PyError::runtime(format!(
                            "{} '{}' is bound to a different event loop",
                            obj.info.kind, obj.info.name
                        )));
                    }
                    Some(_) => {}
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The C type that pickling a threading object trips over, as CPython names it: every
/// threading primitive and queue holds a `_thread.lock`, except an `RLock` (and a `Condition`
/// over one).
fn unpicklable_type(sim: &Sim, o: ObjId) -> &'static str {
    let lock = match &sim.objs[o].state {
        ObjState::Condition { lock } => *lock,
        _ => o,
    };
    match sim.objs.get(lock).map(|x| &x.state) {
        Some(ObjState::Lock(l)) if l.reentrant => "_thread.RLock",
        _ => "_thread.lock",
    }
}

/// Whether waiting on this object suspends a task (asyncio) rather than the thread.
pub(crate) fn is_async(sim: &Sim, o: ObjId) -> bool {
    sim.objs
        .get(o)
        .is_some_and(|x| x.flavor == Some(Flavor::Asyncio))
}

/// Raises RuntimeError when an asyncio object is awaited outside a task.
pub(crate) fn need_task(sim: &Sim, u: UnitId, o: ObjId) -> PyResult<()> {
    if is_async(sim, o) && !sim.in_task(u) {
        return Err(PyError::runtime(format!(
            "no running event loop: {} '{}' can only be awaited in a task",
            sim.objs[o].info.kind, sim.objs[o].info.name
        )));
    }
    Ok(())
}

/// A wait's deadline made absolute, or `None` when it has already passed (the caller then
/// answers at once: `False`, `Empty`, `Full` ...).
#[inline]
pub(crate) fn live_deadline(sim: &Sim, d: Deadline) -> Option<Option<Nanos>> {
    let at = sim.resolve(d);
    at.is_none_or(|t| t > sim.now).then_some(at)
}

/// Blocks `u` (already in one of `o`'s wait lists) until woken or until `at`; `retry`, given
/// the absolute deadline, is the operation it runs again when woken.
#[inline]
pub(crate) fn block_on(
    sim: &mut Sim,
    u: UnitId,
    o: ObjId,
    at: Option<Nanos>,
    retry: impl FnOnce(Deadline) -> ObjOp,
) {
    let op = retry(at.map_or(Deadline::Never, Deadline::At));
    let asy = is_async(sim, o);
    sim.block_retry(u, Op::Obj(o, op), Wait::Obj(o), at, asy);
}

/// An error for states that dispatch rules out; reported, never a panic.
pub(crate) fn internal(what: &str) -> PyError {
    PyError::runtime(format!("internal error: {what}"))
}

fn wrong_kind(sim: &Sim, o: ObjId, what: &str) -> PyError {
    PyError::new(
        PyErrorKind::AttributeError,
        format!(
            "'{}' object has no attribute '{what}'",
            sim.objs[o].info.kind
        ),
    )
}

/// Whether `op` changes `obj`, for the explorer's reduction: asking about an object (a
/// read, `locked()`, `is_set()`, `empty()`, `full()`) only reads it, and so does waiting on
/// an event that is already set; everything else may change it.
pub(crate) fn writes(obj: Option<&Obj>, op: &ObjOp) -> bool {
    match op {
        ObjOp::Read
        | ObjOp::ReadAt(_)
        | ObjOp::Locked
        | ObjOp::IsSet
        | ObjOp::Empty
        | ObjOp::Full => false,
        ObjOp::Wait(_) => !matches!(obj.map(|o| &o.state), Some(ObjState::Event { flag: true })),
        _ => true,
    }
}

/// Applies one object operation for unit `u`; an error becomes the unit's reply.
///
/// Only the checks every operation passes are inline here, and each way out is a call in
/// tail position: so the commonest operations (a thread's lock) pay for no frame of their
/// own here, and the errors and the other kinds are out of line.
#[inline(always)]
pub(crate) fn apply(sim: &mut Sim, u: UnitId, o: ObjId, op: ObjOp) {
    let Some(obj) = sim.objs.get(o) else {
        return refuse(sim, u, o);
    };
    match reach(sim, u, obj) {
        Reach::Refused => return refuse(sim, u, o),
        Reach::Checked => return apply_other(sim, u, o, op),
        Reach::Direct => {}
    }
    let lock = matches!(obj.state, ObjState::Lock(_));
    match op {
        ObjOp::Acquire { blocking, deadline } if lock => {
            lock::acquire_op(sim, u, o, blocking, deadline)
        }
        ObjOp::Release(_) if lock => lock::release_op(sim, u, o),
        op => apply_other(sim, u, o, op),
    }
}

/// Whether `u` may use `o` directly as a threading or multiprocessing lock (no further check
/// is needed; see `reach`).
#[inline(always)]
fn direct_lock(sim: &Sim, u: UnitId, o: ObjId) -> bool {
    sim.objs.get(o).is_some_and(|obj| {
        matches!(obj.state, ObjState::Lock(_)) && reach(sim, u, obj) == Reach::Direct
    })
}

/// `acquire()` as the request's words carry it: a lock's goes straight to the lock, with no
/// `ObjOp` built (and dropped) on the way; anything else through `apply`.
#[inline(always)]
pub(crate) fn acquire(sim: &mut Sim, u: UnitId, o: ObjId, blocking: bool, deadline: Deadline) {
    if direct_lock(sim, u, o) {
        lock::acquire_op(sim, u, o, blocking, deadline);
    } else {
        apply(sim, u, o, ObjOp::Acquire { blocking, deadline });
    }
}

/// `release(n)` as the request's words carry it (see `acquire`).
#[inline(always)]
pub(crate) fn release(sim: &mut Sim, u: UnitId, o: ObjId, n: u32) {
    if direct_lock(sim, u, o) {
        lock::release_op(sim, u, o);
    } else {
        apply(sim, u, o, ObjOp::Release(n));
    }
}

/// What the access check (`access`) will say, decided without building its error: `u`
/// reaches `obj` directly (a thread with its own process's object, or a multiprocessing
/// one), only after the whole check (asyncio objects, bound to one loop), or not at all.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    Direct,
    Checked,
    Refused,
}

#[inline(always)]
pub(crate) fn reach(sim: &Sim, u: UnitId, obj: &Obj) -> Reach {
    match obj.flavor {
        Some(Flavor::Threading) if obj.proc != sim.process_of(u) => Reach::Refused,
        Some(Flavor::Asyncio) => Reach::Checked,
        _ => Reach::Direct,
    }
}

/// `u` may not use `o` (or there is no such object): the error is the reply.
#[cold]
#[inline(never)]
fn refuse(sim: &mut Sim, u: UnitId, o: ObjId) {
    if let Err(e) = access(sim, u, o) {
        sim.complete(u, Err(e));
    }
}

/// Every object operation but a threading lock's, after the access check.
#[inline(never)]
fn apply_other(sim: &mut Sim, u: UnitId, o: ObjId, op: ObjOp) {
    if let Err(e) = access(sim, u, o) {
        sim.complete(u, Err(e));
        return;
    }
    // Matching on the state alone, not on a (state, op) pair, hands the op on without moving
    // it into a temporary first.
    let r = match &sim.objs[o].state {
        ObjState::Lock(_) => return lock::apply(sim, u, o, op),
        ObjState::Semaphore(_) => semaphore::apply(sim, u, o, op),
        ObjState::Event { .. } => event::apply(sim, u, o, op),
        ObjState::Condition { .. } => condition::apply(sim, u, o, op),
        ObjState::Barrier(_) => barrier::apply(sim, u, o, op),
        ObjState::Queue(_) => queue::apply(sim, u, o, op),
        ObjState::Conn(_) => pipe::apply(sim, u, o, op),
        ObjState::Var(_) | ObjState::Shared(_) => shared::apply(sim, u, o, op),
        ObjState::Dict(_) | ObjState::List(_) => manager::apply(sim, u, o, op),
        ObjState::Future(_) => future::apply(sim, u, o, op),
        ObjState::ContextVar { .. } => Err(wrong_kind(sim, o, "operation")),
    };
    if let Err(e) = r {
        sim.complete(u, Err(e));
    }
}

/// A timed wait on `o` expired for `u`.
pub(crate) fn timeout(sim: &mut Sim, u: UnitId, o: ObjId) {
    match &sim.objs[o].state {
        // A timed `acquire()` gives up the same way on a lock and on a semaphore.
        ObjState::Lock(_) | ObjState::Semaphore(_) => lock::timeout(sim, u, o),
        ObjState::Event { .. } => event::timeout(sim, u, o),
        ObjState::Condition { .. } => condition::timeout(sim, u, o),
        ObjState::Barrier(_) => barrier::timeout(sim, u, o),
        ObjState::Queue(_) => queue::timeout(sim, u, o),
        ObjState::Conn(_) => pipe::timeout(sim, u, o),
        _ => {}
    }
}

/// Removes `u` from every wait list of `o` (it was cancelled or killed).
pub(crate) fn detach(sim: &mut Sim, u: UnitId, o: ObjId) {
    let Some(obj) = sim.objs.get_mut(o) else {
        return;
    };
    obj.waiters.retain(|&w| w != u);
    match &mut obj.state {
        ObjState::Queue(q) => {
            q.putters.retain(|&w| w != u);
            q.joiners.retain(|&w| w != u);
        }
        ObjState::Barrier(b) => {
            // A cancelled or killed waiter leaves the barrier, as CPython's `finally` does.
            let before = b.arrivals.len();
            b.arrivals.retain(|&(w, _)| w != u);
            if b.arrivals.len() < before {
                b.count = (b.count - 1).max(0);
            }
        }
        _ => {}
    }
}

/// What `u`, blocked on `o`, waits for, and which unit could release it.
pub(crate) fn wait_reason(sim: &Sim, u: UnitId, o: ObjId) -> (String, Option<UnitId>) {
    let obj = &sim.objs[o];
    let name = format!("{} '{}'", obj.info.kind, obj.info.name);
    match &obj.state {
        ObjState::Lock(l) => (
            format!(
                "{name} held by {}",
                l.owner.map_or("nobody".to_string(), |h| sim.name(h))
            ),
            l.owner,
        ),
        ObjState::Semaphore(s) => (format!("{name} (value {})", s.value), None),
        ObjState::Event { .. } => (format!("{name} to be set"), None),
        ObjState::Condition { .. } => (format!("a notify on {name}"), None),
        ObjState::Barrier(b) => (
            format!("{} more parties at {name}", (b.parties - b.count).max(0)),
            None,
        ),
        ObjState::Queue(q) => {
            let what = if q.putters.contains(&u) {
                "space in"
            } else if q.joiners.contains(&u) {
                "task_done() calls on"
            } else {
                "an item in"
            };
            (format!("{what} {name}"), None)
        }
        ObjState::Conn(_) => (format!("a message on {name}"), None),
        ObjState::Future(_) => (format!("{name} to be done"), None),
        _ => (name, None),
    }
}
