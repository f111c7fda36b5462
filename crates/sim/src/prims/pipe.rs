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
use crate::prims::{ObjState, internal, wrong_kind};
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

    pub async fn close(&self, cx: &Ctx) -> PyResult<()> {
        cx.op_unit(move || Op::Obj(self.id, ObjOp::Close)).await
    }
}

#[derive(Clone, Debug)]
pub(crate) struct ConnState {
    peer: ObjId,
    readable: bool,
    writable: bool,
    closed: bool,
    inbox: VecDeque<(Value, u32)>,
}

impl ConnState {
    pub(crate) fn new(peer: ObjId, readable: bool, writable: bool) -> Self {
        ConnState {
            peer,
            readable,
            writable,
            closed: false,
            inbox: VecDeque::new(),
        }
    }
}

fn state(sim: &mut Sim, o: ObjId) -> PyResult<&mut ConnState> {
    match sim.objs.get_mut(o.index()).map(|x| &mut x.state) {
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
        ObjOp::Send(v) => {
            let v = *v;
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
            if let Some(r) = sim.objs[peer.index()].waiters.pop_front() {
                sim.retry(r);
            }
            sim.start_compute(u, cost, None);
            Ok(())
        }
        ObjOp::Recv => {
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
            sim.objs[o.index()].waiters.push_back(u);
            sim.block_retry(u, Op::Obj(o, ObjOp::Recv), Wait::Obj(o), None, false);
            Ok(())
        }
        ObjOp::Poll(deadline) => {
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
            let at = sim.resolve(deadline);
            if at.is_some_and(|t| t <= sim.now) {
                sim.complete(u, Ok(Ret::Bool(false)));
                return Ok(());
            }
            sim.objs[o.index()].waiters.push_back(u);
            let op = ObjOp::Poll(at.map_or(Deadline::Never, Deadline::At));
            sim.block_retry(u, Op::Obj(o, op), Wait::Obj(o), at, false);
            Ok(())
        }
        ObjOp::Close => {
            let c = state(sim, o)?;
            let was_closed = c.closed;
            c.closed = true;
            let peer = c.peer;
            if !was_closed {
                sim.event(u, EventKind::Close, Some(o), None);
                // Receivers on either end must notice: EOF on the peer, OSError here.
                for end in [peer, o] {
                    let waiters: Vec<UnitId> = sim.objs[end.index()].waiters.drain(..).collect();
                    for w in waiters {
                        sim.retry(w);
                    }
                }
            }
            sim.complete(u, Ok(Ret::None));
            Ok(())
        }
        _ => Err(wrong_kind(sim, o, "this method")),
    }
}

pub(crate) fn timeout(sim: &mut Sim, u: UnitId, o: ObjId) {
    sim.objs[o.index()].waiters.retain(|&w| w != u);
    sim.units[u.index()].pending = None;
    sim.complete(u, Ok(Ret::Bool(false)));
}
