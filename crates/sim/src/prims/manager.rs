//! `multiprocessing.Manager()` proxies: a dict and a list that live in a manager process.
//!
//! Every method call is a round trip to the manager (the caller waits, releasing its GIL),
//! after which the operation applies atomically in the manager. `d[k] += 1` is therefore a
//! `get` round trip and a `set` round trip: slow, and racy without a lock. The manager process
//! itself is not drawn as a lane.

use crate::error::{PyError, PyErrorKind, PyResult};
use crate::ids::{ObjId, UnitId};
use crate::kernel::{Sim, Wait};
use crate::prims::{ObjState, internal, wrong_kind};
use crate::program::{Ctx, ObjInit, ObjOp, Op, Ret};
use crate::trace::EventKind;
use crate::value::Value;

/// A `DictProxy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DictProxy {
    pub id: ObjId,
}

/// A `ListProxy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListProxy {
    pub id: ObjId,
}

impl Ctx {
    /// `manager.dict()`.
    pub fn manager_dict(&self, name: &str) -> DictProxy {
        DictProxy {
            id: self.new_obj(name, ObjInit::ManagerDict),
        }
    }

    /// `manager.list()`.
    pub fn manager_list(&self, name: &str) -> ListProxy {
        ListProxy {
            id: self.new_obj(name, ObjInit::ManagerList),
        }
    }
}

async fn call(cx: &Ctx, id: ObjId, op: ObjOp) -> PyResult<Value> {
    cx.op_value(move || Op::Obj(id, op)).await
}

impl DictProxy {
    /// `d[key]`: `KeyError` when missing.
    pub async fn get(&self, cx: &Ctx, key: impl Into<Value>) -> PyResult<Value> {
        call(cx, self.id, ObjOp::DictGet(Box::new((key.into(), None)))).await
    }

    /// `d.get(key, default)`.
    pub async fn get_or(
        &self,
        cx: &Ctx,
        key: impl Into<Value>,
        default: impl Into<Value>,
    ) -> PyResult<Value> {
        call(
            cx,
            self.id,
            ObjOp::DictGet(Box::new((key.into(), Some(default.into())))),
        )
        .await
    }

    /// `d[key] = value`.
    pub async fn set(
        &self,
        cx: &Ctx,
        key: impl Into<Value>,
        value: impl Into<Value>,
    ) -> PyResult<()> {
        call(
            cx,
            self.id,
            ObjOp::DictSet(Box::new((key.into(), value.into()))),
        )
        .await
        .map(|_| ())
    }

    /// `list(d.keys())`, in insertion order.
    pub async fn keys(&self, cx: &Ctx) -> PyResult<Value> {
        call(cx, self.id, ObjOp::DictKeys).await
    }

    pub async fn len(&self, cx: &Ctx) -> PyResult<i64> {
        call(cx, self.id, ObjOp::Len).await?.as_int()
    }
}

impl ListProxy {
    pub async fn append(&self, cx: &Ctx, v: impl Into<Value>) -> PyResult<()> {
        call(cx, self.id, ObjOp::Append(Box::new(v.into())))
            .await
            .map(|_| ())
    }

    /// `l[i]`.
    pub async fn get(&self, cx: &Ctx, i: i64) -> PyResult<Value> {
        call(cx, self.id, ObjOp::ReadAt(i)).await
    }

    /// `l[i] = v`.
    pub async fn set(&self, cx: &Ctx, i: i64, v: impl Into<Value>) -> PyResult<()> {
        call(cx, self.id, ObjOp::WriteAt(Box::new((i, v.into()))))
            .await
            .map(|_| ())
    }

    pub async fn pop(&self, cx: &Ctx) -> PyResult<Value> {
        call(cx, self.id, ObjOp::Pop).await
    }

    pub async fn len(&self, cx: &Ctx) -> PyResult<i64> {
        call(cx, self.id, ObjOp::Len).await?.as_int()
    }

    /// `list(l)`: a copy of the whole list.
    pub async fn snapshot(&self, cx: &Ctx) -> PyResult<Value> {
        call(cx, self.id, ObjOp::Read).await
    }
}

fn method(op: &ObjOp) -> &'static str {
    match op {
        ObjOp::DictGet(kd) if kd.1.is_none() => "__getitem__",
        ObjOp::DictGet(_) => "get",
        ObjOp::DictSet(..) => "__setitem__",
        ObjOp::DictKeys => "keys",
        ObjOp::Append(_) => "append",
        ObjOp::ReadAt(_) => "__getitem__",
        ObjOp::WriteAt(_) => "__setitem__",
        ObjOp::Pop => "pop",
        ObjOp::Len => "__len__",
        ObjOp::Read => "copy",
        _ => "?",
    }
}

// Out of line, so that `prims::apply` stays a small dispatcher with a cheap entry.
#[inline(never)]
pub(crate) fn apply(sim: &mut Sim, u: UnitId, o: ObjId, op: ObjOp) -> PyResult<()> {
    if let ObjOp::ProxyApply(inner) = op {
        let reply = apply_now(sim, o, *inner)?;
        sim.complete(u, Ok(reply));
        return Ok(());
    }
    sim.event(u, EventKind::Call, Some(o), Some(method(&op).to_string()));
    let rtt = sim.machine.costs.manager_round_trip;
    let at = sim.now.saturating_add(rtt);
    sim.then_apply(u, Op::Obj(o, ObjOp::ProxyApply(Box::new(op))));
    sim.block(u, Wait::Proxy(o), Some(at), false);
    Ok(())
}

fn key_error(k: &Value) -> PyError {
    PyError::new(PyErrorKind::KeyError, k.repr())
}

fn index(len: usize, i: i64) -> PyResult<usize> {
    let n = i64::try_from(len).unwrap_or(i64::MAX);
    let j = if i < 0 { i + n } else { i };
    if (0..n).contains(&j) {
        Ok(j as usize)
    } else {
        Err(PyError::new(
            PyErrorKind::IndexError,
            "list index out of range",
        ))
    }
}

fn apply_now(sim: &mut Sim, o: ObjId, op: ObjOp) -> PyResult<Ret> {
    match (&mut sim.objs[o].state, op) {
        (ObjState::Dict(d), ObjOp::DictGet(kd)) => {
            let (k, default) = *kd;
            match (d.iter().find(|(key, _)| *key == k), default) {
                (Some((_, v)), _) => Ok(Ret::Value(v.clone())),
                (None, Some(def)) => Ok(Ret::Value(def)),
                (None, None) => Err(key_error(&k)),
            }
        }
        (ObjState::Dict(d), ObjOp::DictSet(kv)) => {
            let (k, v) = *kv;
            match d.iter_mut().find(|(key, _)| *key == k) {
                Some(entry) => entry.1 = v,
                None => d.push((k, v)),
            }
            Ok(Ret::None)
        }
        (ObjState::Dict(d), ObjOp::DictKeys) => Ok(Ret::Value(Value::List(
            d.iter().map(|(k, _)| k.clone()).collect(),
        ))),
        (ObjState::Dict(d), ObjOp::Len) => Ok(Ret::Int(d.len() as i64)),
        (ObjState::List(l), ObjOp::Append(v)) => {
            l.push(*v);
            Ok(Ret::None)
        }
        (ObjState::List(l), ObjOp::ReadAt(i)) => {
            let j = index(l.len(), i)?;
            Ok(Ret::Value(l[j].clone()))
        }
        (ObjState::List(l), ObjOp::WriteAt(iv)) => {
            let (i, v) = *iv;
            let j = index(l.len(), i)?;
            l[j] = v;
            Ok(Ret::None)
        }
        (ObjState::List(l), ObjOp::Pop) => l
            .pop()
            .map(Ret::Value)
            .ok_or_else(|| PyError::new(PyErrorKind::IndexError, "pop from empty list")),
        (ObjState::List(l), ObjOp::Len) => Ok(Ret::Int(l.len() as i64)),
        (ObjState::List(l), ObjOp::Read) => Ok(Ret::Value(Value::List(l.clone()))),
        (ObjState::Dict(_) | ObjState::List(_), _) => Err(wrong_kind(sim, o, "this method")),
        _ => Err(internal("not a manager proxy")),
    }
}
