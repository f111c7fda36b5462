//! Queues: `queue.Queue`/`LifoQueue`/`PriorityQueue`/`SimpleQueue`, `multiprocessing.Queue`/
//! `JoinableQueue` and `asyncio.Queue`/`LifoQueue`/`PriorityQueue`.
//!
//! `put` blocks while a bounded queue is full and `get` while it is empty; with `block=False`
//! or a timeout they raise `Full` / `Empty` instead. Every `put` on a joinable queue adds an
//! unfinished task, `task_done()` removes one (one too many is a `ValueError`) and `join()`
//! returns when none are left. Priority queues order by Python comparison (an incomparable
//! item is a `TypeError` at `put`). Multiprocessing queues copy each item: the putter and the
//! getter each pay the message cost plus the pickled size times the per-byte cost.

use std::collections::VecDeque;

use crate::error::{PyError, PyErrorKind, PyResult};
use crate::ids::{ObjId, UnitId};
use crate::kernel::{After, Sim, Wait};
use crate::prims::{ObjState, block_on, internal, is_async, live_deadline, need_task, wrong_kind};
use crate::program::{Ctx, Deadline, Flavor, ObjInit, ObjOp, Op, PutOp, QueueKind, Quick, Ret};
use crate::time::Nanos;
use crate::trace::{EventKind, LinkKind};
use crate::value::Value;

/// A queue handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Queue {
    pub id: ObjId,
}

impl Ctx {
    /// `queue.Queue(maxsize)`; `maxsize <= 0` means unbounded.
    pub fn queue(&self, name: &str, maxsize: i64) -> Queue {
        self.new_queue(Flavor::Threading, QueueKind::Fifo, name, maxsize)
    }

    /// A queue of the given flavour and kind. Threading and asyncio queues support
    /// `task_done`/`join` (except `SimpleQueue`); `multiprocessing.Queue` does not — use
    /// [`Ctx::mp_joinable_queue`].
    pub fn new_queue(&self, flavor: Flavor, kind: QueueKind, name: &str, maxsize: i64) -> Queue {
        let joinable = flavor != Flavor::Multiprocessing && kind != QueueKind::Simple;
        let maxsize = if kind == QueueKind::Simple {
            0
        } else {
            maxsize
        };
        Queue {
            id: self.new_obj(
                name,
                ObjInit::Queue {
                    flavor,
                    kind,
                    maxsize,
                    joinable,
                },
            ),
        }
    }

    /// `multiprocessing.JoinableQueue(maxsize)`.
    pub fn mp_joinable_queue(&self, name: &str, maxsize: i64) -> Queue {
        Queue {
            id: self.new_obj(
                name,
                ObjInit::Queue {
                    flavor: Flavor::Multiprocessing,
                    kind: QueueKind::Fifo,
                    maxsize,
                    joinable: true,
                },
            ),
        }
    }
}

impl Queue {
    pub async fn put(&self, cx: &Ctx, item: impl Into<Value>) -> PyResult<()> {
        let op = ObjOp::Put(Box::new(PutOp {
            item: item.into(),
            block: true,
            deadline: Deadline::Never,
        }));
        cx.op_unit(move || Op::Obj(self.id, op)).await
    }

    pub async fn put_timeout(
        &self,
        cx: &Ctx,
        item: impl Into<Value>,
        timeout: Nanos,
    ) -> PyResult<()> {
        let op = ObjOp::Put(Box::new(PutOp {
            item: item.into(),
            block: true,
            deadline: Deadline::In(timeout),
        }));
        cx.op_unit(move || Op::Obj(self.id, op)).await
    }

    pub async fn put_nowait(&self, cx: &Ctx, item: impl Into<Value>) -> PyResult<()> {
        let op = ObjOp::Put(Box::new(PutOp {
            item: item.into(),
            block: false,
            deadline: Deadline::Never,
        }));
        cx.op_unit(move || Op::Obj(self.id, op)).await
    }

    pub async fn get(&self, cx: &Ctx) -> PyResult<Value> {
        cx.op_value(move || Quick::Get {
            o: self.id,
            block: true,
            deadline: Deadline::Never,
        })
        .await
    }

    pub async fn get_timeout(&self, cx: &Ctx, timeout: Nanos) -> PyResult<Value> {
        cx.op_value(move || Quick::Get {
            o: self.id,
            block: true,
            deadline: Deadline::In(timeout),
        })
        .await
    }

    pub async fn get_nowait(&self, cx: &Ctx) -> PyResult<Value> {
        cx.op_value(move || Quick::Get {
            o: self.id,
            block: false,
            deadline: Deadline::Never,
        })
        .await
    }

    pub async fn qsize(&self, cx: &Ctx) -> PyResult<i64> {
        cx.op_int(move || Op::Obj(self.id, ObjOp::QSize)).await
    }

    /// `unfinished_tasks`: items put and not yet marked done with `task_done()`.
    pub async fn unfinished_tasks(&self, cx: &Ctx) -> PyResult<i64> {
        cx.op_int(move || Op::Obj(self.id, ObjOp::Unfinished)).await
    }

    pub async fn empty(&self, cx: &Ctx) -> PyResult<bool> {
        cx.op_bool(move || Op::Obj(self.id, ObjOp::Empty)).await
    }

    pub async fn full(&self, cx: &Ctx) -> PyResult<bool> {
        cx.op_bool(move || Op::Obj(self.id, ObjOp::Full)).await
    }

    pub async fn task_done(&self, cx: &Ctx) -> PyResult<()> {
        cx.op_unit(move || Op::Obj(self.id, ObjOp::TaskDone)).await
    }

    pub async fn join(&self, cx: &Ctx) -> PyResult<()> {
        cx.op_unit(move || Op::Obj(self.id, ObjOp::Join)).await
    }
}

pub(crate) fn type_name(flavor: Flavor, kind: QueueKind, joinable: bool) -> String {
    let class = match (flavor, kind, joinable) {
        (Flavor::Multiprocessing, _, true) => "JoinableQueue",
        (_, QueueKind::Fifo, _) => "Queue",
        (_, QueueKind::Lifo, _) => "LifoQueue",
        (_, QueueKind::Priority, _) => "PriorityQueue",
        (_, QueueKind::Simple, _) => "SimpleQueue",
    };
    let module = match flavor {
        Flavor::Threading => "queue",
        f => f.module(),
    };
    format!("{module}.{class}")
}

#[derive(Clone, Debug)]
pub(crate) struct Item {
    pub(crate) value: Value,
    put_event: u32,
    seq: u64,
}

#[derive(Clone, Debug)]
pub(crate) struct QueueState {
    pub(crate) flavor: Flavor,
    pub(crate) kind: QueueKind,
    pub(crate) maxsize: i64,
    pub(crate) joinable: bool,
    pub(crate) items: VecDeque<Item>,
    pub(crate) unfinished: i64,
    pub(crate) putters: VecDeque<UnitId>,
    pub(crate) joiners: Vec<UnitId>,
    seq: u64,
}

impl QueueState {
    pub(crate) fn new(flavor: Flavor, kind: QueueKind, maxsize: i64, joinable: bool) -> Self {
        QueueState {
            flavor,
            kind,
            maxsize,
            joinable,
            items: VecDeque::new(),
            unfinished: 0,
            putters: VecDeque::new(),
            joiners: Vec::new(),
            seq: 0,
        }
    }

    fn full(&self) -> bool {
        self.maxsize > 0 && self.items.len() as i64 >= self.maxsize
    }

    /// The index `get` takes from.
    fn next_index(&self) -> usize {
        match self.kind {
            QueueKind::Fifo | QueueKind::Simple => 0,
            QueueKind::Lifo => self.items.len().saturating_sub(1),
            QueueKind::Priority => {
                let mut best = 0;
                for i in 1..self.items.len() {
                    let (a, b) = (&self.items[i], &self.items[best]);
                    let less = match a.value.py_cmp(&b.value) {
                        Ok(std::cmp::Ordering::Less) => true,
                        Ok(std::cmp::Ordering::Equal) => a.seq < b.seq,
                        _ => false,
                    };
                    if less {
                        best = i;
                    }
                }
                best
            }
        }
    }
}

fn state(sim: &mut Sim, o: ObjId) -> PyResult<&mut QueueState> {
    match &mut sim.objs[o].state {
        ObjState::Queue(q) => Ok(q),
        _ => Err(internal("not a queue")),
    }
}

fn copy_cost(sim: &Sim, flavor: Flavor, v: &Value) -> Nanos {
    if flavor == Flavor::Multiprocessing {
        let c = &sim.machine.costs;
        c.message
            .saturating_add(v.pickled_size().saturating_mul(c.copy_per_byte))
    } else {
        0
    }
}

// Out of line, so that `prims::apply` stays a small dispatcher with a cheap entry.
#[inline(never)]
pub(crate) fn apply(sim: &mut Sim, u: UnitId, o: ObjId, op: ObjOp) -> PyResult<()> {
    match op {
        ObjOp::Put(args) => {
            let PutOp {
                item,
                block,
                deadline,
            } = *args;
            put(sim, u, o, item, block, deadline)
        }
        ObjOp::Get { block, deadline } => get(sim, u, o, block, deadline),
        ObjOp::QSize => {
            let n = state(sim, o)?.items.len() as i64;
            sim.complete(u, Ok(Ret::Int(n)));
            Ok(())
        }
        ObjOp::Unfinished => {
            let n = state(sim, o)?.unfinished;
            sim.complete(u, Ok(Ret::Int(n)));
            Ok(())
        }
        ObjOp::Empty => {
            let e = state(sim, o)?.items.is_empty();
            sim.complete(u, Ok(Ret::Bool(e)));
            Ok(())
        }
        ObjOp::Full => {
            let f = state(sim, o)?.full();
            sim.complete(u, Ok(Ret::Bool(f)));
            Ok(())
        }
        ObjOp::TaskDone => {
            if !state(sim, o)?.joinable {
                return Err(no_attribute(sim, o, "task_done"));
            }
            let q = state(sim, o)?;
            if q.unfinished <= 0 {
                return Err(PyError::new(
                    PyErrorKind::ValueError,
                    "task_done() called too many times",
                ));
            }
            q.unfinished -= 1;
            let left = q.unfinished;
            let ev = sim.event(
                u,
                EventKind::TaskDone,
                Some(o),
                Some(format!("{left} unfinished")),
            );
            if left == 0 {
                let joiners = std::mem::take(&mut state(sim, o)?.joiners);
                for j in joiners {
                    let wake = sim.event(j, EventKind::QueueJoin, Some(o), None);
                    sim.link(Some(ev), wake, LinkKind::Wake);
                    sim.complete(j, Ok(Ret::None));
                }
            }
            sim.complete(u, Ok(Ret::None));
            Ok(())
        }
        ObjOp::Join => {
            if !state(sim, o)?.joinable {
                return Err(no_attribute(sim, o, "join"));
            }
            need_task(sim, u, o)?;
            if state(sim, o)?.unfinished == 0 {
                sim.event(u, EventKind::QueueJoin, Some(o), None);
                sim.complete(u, Ok(Ret::None));
                return Ok(());
            }
            state(sim, o)?.joiners.push(u);
            let asy = is_async(sim, o);
            sim.block(u, Wait::Obj(o), None, asy);
            Ok(())
        }
        _ => Err(wrong_kind(sim, o, "this method")),
    }
}

/// The `AttributeError` for a method the queue class lacks, with the type name CPython prints.
fn no_attribute(sim: &mut Sim, o: ObjId, what: &str) -> PyError {
    let class = match state(sim, o) {
        Ok(q) if q.kind == QueueKind::Simple && q.flavor == Flavor::Threading => {
            "_queue.SimpleQueue"
        }
        Ok(q) if q.flavor == Flavor::Multiprocessing => "Queue",
        _ => return wrong_kind(sim, o, what),
    };
    PyError::new(
        PyErrorKind::AttributeError,
        format!("'{class}' object has no attribute '{what}'"),
    )
}

fn put(
    sim: &mut Sim,
    u: UnitId,
    o: ObjId,
    item: Value,
    block: bool,
    deadline: Deadline,
) -> PyResult<()> {
    let q = state(sim, o)?;
    if q.kind == QueueKind::Priority {
        for other in &q.items {
            item.py_cmp(&other.value)?;
        }
    }
    if q.full() {
        if !block {
            return Err(PyError::new(PyErrorKind::Full, ""));
        }
        need_task(sim, u, o)?;
        let Some(at) = live_deadline(sim, deadline) else {
            return Err(PyError::new(PyErrorKind::Full, ""));
        };
        state(sim, o)?.putters.push_back(u);
        block_on(sim, u, o, at, |deadline| {
            ObjOp::Put(Box::new(PutOp {
                item,
                block,
                deadline,
            }))
        });
        return Ok(());
    }
    let ev = sim.event(u, EventKind::Put, Some(o), Some(item.repr()));
    let q = state(sim, o)?;
    q.seq += 1;
    let seq = q.seq;
    let flavor = q.flavor;
    let cost = copy_cost(sim, flavor, &item);
    let q = state(sim, o)?;
    q.items.push_back(Item {
        value: item,
        put_event: ev,
        seq,
    });
    if q.joinable {
        q.unfinished += 1;
    }
    sim.counter(o);
    if let Some(g) = sim.objs[o].waiters.pop_front() {
        sim.retry(g);
    }
    sim.start_compute(u, cost, None);
    Ok(())
}

fn get(sim: &mut Sim, u: UnitId, o: ObjId, block: bool, deadline: Deadline) -> PyResult<()> {
    let q = state(sim, o)?;
    if q.items.is_empty() {
        if !block {
            return Err(PyError::new(PyErrorKind::Empty, ""));
        }
        need_task(sim, u, o)?;
        let Some(at) = live_deadline(sim, deadline) else {
            return Err(PyError::new(PyErrorKind::Empty, ""));
        };
        sim.objs[o].waiters.push_back(u);
        block_on(sim, u, o, at, |deadline| ObjOp::Get { block, deadline });
        return Ok(());
    }
    let i = q.next_index();
    let Some(item) = q.items.remove(i) else {
        return Err(internal("queue index out of range"));
    };
    let flavor = q.flavor;
    let ev = sim.event(u, EventKind::Get, Some(o), Some(item.value.repr()));
    sim.link(Some(item.put_event), ev, LinkKind::Feed);
    sim.counter(o);
    if let Some(p) = state(sim, o)?.putters.pop_front() {
        sim.retry(p);
    }
    let cost = copy_cost(sim, flavor, &item.value);
    sim.start_compute(u, cost, Some(After::Reply(Ok(Ret::Value(item.value)))));
    Ok(())
}

pub(crate) fn timeout(sim: &mut Sim, u: UnitId, o: ObjId) {
    let was_putter = match state(sim, o) {
        Ok(q) => {
            let p = q.putters.contains(&u);
            q.putters.retain(|&w| w != u);
            p
        }
        Err(_) => false,
    };
    sim.objs[o].waiters.retain(|&w| w != u);
    *sim.pending(u) = None;
    let kind = if was_putter {
        PyErrorKind::Full
    } else {
        PyErrorKind::Empty
    };
    sim.complete(u, Err(PyError::new(kind, "")));
}
