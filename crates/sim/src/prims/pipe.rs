//! `multiprocessing.Pipe(duplex)`: two connection ends.
//!
//! `send` copies the object to the other end (paying the message and per-byte costs) and
//! `recv` blocks until something arrives. When the other end is closed and nothing is left,
//! `recv` raises `EOFError`; using a closed end raises `OSError: handle is closed`; a simplex
//! pipe's reader cannot send and its writer cannot receive. The model has no OS buffer limit,
//! and an end counts as closed after one `close()` (real pipes need every copy of the write end
//! closed, including the parent's after a fork: the scenario text says so).

use std::collections::VecDeque;

use crate::error::{PyError, PyErrorKind, PyResult};
use crate::ids::{ObjId, UnitId};
use crate::kernel::{After, Sim, Wait};
use crate::prims::{ObjState, block_on, internal, live_deadline, wrong_kind};
use crate::program::{Ctx, Deadline, ObjInit, ObjOp, Op, Ret};
use crate::time::Nanos;
use crate::trace::{EventKind, LinkKind};
use crate::value::Value;

/// One end of a pipe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conn {
    pub id: ObjId,
}

impl Ctx {
    /// `multiprocessing.Pipe(duplex)`: for a simplex pipe, `(reader, writer)`.
    pub fn pipe(&self, name: &str, duplex: bool) -> (Conn, Conn) {
        let first = ObjId::new(self.registry.next_obj.get());
        let second = ObjId::new(first.number().saturating_add(1));
        let a = self.new_obj(
            format!("{name}[0]"),
            ObjInit::Conn {
                peer: second,
                readable: true,
                writable: duplex,
            },
        );
        let b = self.new_obj(
            format!("{name}[1]"),
            ObjInit::Conn {
                peer: first,
                readable: duplex,
                writable: true,
            },
        );
        (Conn { id: a }, Conn { id: b })
    }
}

impl Conn {
    pub async fn send(&self, cx: &Ctx, v: impl Into<Value>) -> PyResult<()> {
        cx.op_unit(move || Op::Obj(self.id, ObjOp::Send(Box::new(v.into()))))
            .await
    }

    pub async fn recv(&self, cx: &Ctx) -> PyResult<Value> {
        cx.op_value(move || Op::Obj(self.id, ObjOp::Recv)).await
    }

    /// `poll(timeout)`: whether `recv` would return without blocking.
    pub async fn poll(&self, cx: &Ctx, timeout: Nanos) -> PyResult<bool> {
        cx.op_bool(move || Op::Obj(self.id, ObjOp::Poll(Deadline::In(timeout))))
            .await
    }

    /// `close()` of the caller's process's handle. Until `dup_for` counts handles, one close
    /// closes the end; after it, the end closes when its last holder closes or exits.
    pub async fn close(&self, cx: &Ctx) -> PyResult<()> {
        cx.op_unit(move || Op::Obj(self.id, ObjOp::Close)).await
    }

    /// Process `process` (its main unit) now holds a handle to this end too, as a forked
    /// child inherits its parent's: the peer sees end of file only once every holder closed
    /// its handle or exited (real pipes count file descriptors the same way).
    pub async fn dup_for(&self, cx: &Ctx, process: UnitId) -> PyResult<()> {
        cx.op_unit(move || Op::Obj(self.id, ObjOp::DupFor(process)))
            .await
    }
}

#[derive(Clone, Debug)]
pub(crate) struct ConnState {
    peer: ObjId,
    readable: bool,
    writable: bool,
    closed: bool,
    /// The processes (main units) holding a handle, once `dup_for` started counting (None:
    /// one handle, the creator's).
    holders: Option<Vec<UnitId>>,
    inbox: VecDeque<(Value, u32)>,
}

impl ConnState {
    pub(crate) fn new(peer: ObjId, readable: bool, writable: bool) -> Self {
        ConnState {
            peer,
            readable,
            writable,
            closed: false,
            holders: None,
            inbox: VecDeque::new(),
        }
    }
}

fn state(sim: &mut Sim, o: ObjId) -> PyResult<&mut ConnState> {
    match sim.objs.get_mut(o).map(|x| &mut x.state) {
        Some(ObjState::Conn(c)) => Ok(c),
        _ => Err(internal("not a connection")),
    }
}

fn closed_error() -> PyError {
    PyError::new(PyErrorKind::OSError, "handle is closed")
}

// Out of line, so that `prims::apply` stays a small dispatcher with a cheap entry.
#[inline(never)]
pub(crate) fn apply(sim: &mut Sim, u: UnitId, o: ObjId, op: ObjOp) -> PyResult<()> {
    match op {
        ObjOp::Send(v) => send(sim, u, o, *v),
        ObjOp::Recv => recv(sim, u, o),
        ObjOp::Poll(deadline) => poll(sim, u, o, deadline),
        ObjOp::Close => close(sim, u, o),
        ObjOp::DupFor(process) => dup_for(sim, u, o, process),
        _ => Err(wrong_kind(sim, o, "this method")),
    }
}

/// `send(v)`: hand a copy to the other end, charged by its pickled size.
fn send(sim: &mut Sim, u: UnitId, o: ObjId, v: Value) -> PyResult<()> {
    let c = state(sim, o)?;
    if c.closed {
        return Err(closed_error());
    }
    if !c.writable {
        return Err(PyError::new(
            PyErrorKind::OSError,
            "connection is read-only",
        ));
    }
    let peer = c.peer;
    if state(sim, peer)?.closed {
        return Err(PyError::new(PyErrorKind::OSError, "[Errno 32] Broken pipe"));
    }
    let ev = sim.event(u, EventKind::Send, Some(o), Some(v.repr()));
    let costs = &sim.machine.costs;
    let cost = costs
        .message
        .saturating_add(v.pickled_size().saturating_mul(costs.copy_per_byte));
    state(sim, peer)?.inbox.push_back((v, ev));
    if let Some(r) = sim.objs[peer].waiters.pop_front() {
        sim.retry(r);
    }
    sim.start_compute(u, cost, None);
    Ok(())
}

/// `recv()`: the oldest item sent here, or wait; end of file once the other end is closed.
fn recv(sim: &mut Sim, u: UnitId, o: ObjId) -> PyResult<()> {
    let c = state(sim, o)?;
    if c.closed {
        return Err(closed_error());
    }
    if !c.readable {
        return Err(PyError::new(
            PyErrorKind::OSError,
            "connection is write-only",
        ));
    }
    if let Some((v, sent)) = c.inbox.pop_front() {
        let ev = sim.event(u, EventKind::Recv, Some(o), Some(v.repr()));
        sim.link(Some(sent), ev, LinkKind::Feed);
        let costs = &sim.machine.costs;
        let cost = costs
            .message
            .saturating_add(v.pickled_size().saturating_mul(costs.copy_per_byte));
        sim.start_compute(u, cost, Some(After::Reply(Ok(Ret::Value(v)))));
        return Ok(());
    }
    let peer = c.peer;
    if state(sim, peer)?.closed {
        sim.event(u, EventKind::Recv, Some(o), Some("EOF".to_string()));
        return Err(PyError::new(PyErrorKind::EOFError, ""));
    }
    sim.objs[o].waiters.push_back(u);
    sim.block_retry(u, Op::Obj(o, ObjOp::Recv), Wait::Obj(o), None, false);
    Ok(())
}

/// `poll(timeout)`: whether `recv()` would return at once, waiting up to the deadline.
fn poll(sim: &mut Sim, u: UnitId, o: ObjId, deadline: Deadline) -> PyResult<()> {
    let c = state(sim, o)?;
    if c.closed {
        return Err(closed_error());
    }
    let ready = !c.inbox.is_empty();
    let peer = c.peer;
    if ready || state(sim, peer)?.closed {
        sim.complete(u, Ok(Ret::Bool(true)));
        return Ok(());
    }
    let Some(at) = live_deadline(sim, deadline) else {
        sim.complete(u, Ok(Ret::Bool(false)));
        return Ok(());
    };
    sim.objs[o].waiters.push_back(u);
    block_on(sim, u, o, at, ObjOp::Poll);
    Ok(())
}

/// `close()`: drop this process's handle; the last handle closes the end.
fn close(sim: &mut Sim, u: UnitId, o: ObjId) -> PyResult<()> {
    let process = sim.process_of(u);
    let c = state(sim, o)?;
    let last = match &mut c.holders {
        None => true,
        Some(h) => {
            if let Some(i) = h.iter().position(|&p| p == process) {
                h.remove(i);
            }
            h.is_empty()
        }
    };
    if last {
        close_end(sim, u, o)?;
    } else {
        sim.event(
            u,
            EventKind::Close,
            Some(o),
            Some("this process's handle".into()),
        );
    }
    sim.complete(u, Ok(Ret::None));
    Ok(())
}

/// A forked child holds a handle of this end too.
fn dup_for(sim: &mut Sim, u: UnitId, o: ObjId, process: UnitId) -> PyResult<()> {
    let creator = sim.objs[o].proc;
    let c = state(sim, o)?;
    if !c.closed {
        c.holders.get_or_insert_with(|| vec![creator]).push(process);
    }
    sim.complete(u, Ok(Ret::None));
    Ok(())
}

/// Closes end `o` for good (its last handle went, closed by `u`): receivers on the peer see
/// end of file, users of this end an `OSError`.
fn close_end(sim: &mut Sim, u: UnitId, o: ObjId) -> PyResult<()> {
    let c = state(sim, o)?;
    let was_closed = c.closed;
    c.closed = true;
    let peer = c.peer;
    if !was_closed {
        sim.event(u, EventKind::Close, Some(o), None);
        for end in [peer, o] {
            let waiters: Vec<UnitId> = sim.objs[end].waiters.drain(..).collect();
            for w in waiters {
                sim.retry(w);
            }
        }
    }
    Ok(())
}

/// A process (its main unit) exited: the OS closes its handles, so an end it was the last
/// holder of closes.
pub(crate) fn process_gone(sim: &mut Sim, process: UnitId) {
    for i in 0..sim.objs.len() {
        let end = ObjId::new(i as u32);
        let last = match &mut sim.objs[end].state {
            ObjState::Conn(c) if !c.closed => match &mut c.holders {
                Some(h) if h.contains(&process) => {
                    h.retain(|&p| p != process);
                    h.is_empty()
                }
                _ => false,
            },
            _ => false,
        };
        if last {
            let _ = close_end(sim, process, end);
        }
    }
}

pub(crate) fn timeout(sim: &mut Sim, u: UnitId, o: ObjId) {
    sim.objs[o].waiters.retain(|&w| w != u);
    *sim.pending(u) = None;
    sim.complete(u, Ok(Ret::Bool(false)));
}
