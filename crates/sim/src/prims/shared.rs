//! Shared variables: plain module-level variables of a process, and `multiprocessing.Value` /
//! `Array` in shared memory.
//!
//! Reads and writes are separate scheduling points, so `x = x + 1` written as a read and a
//! write really can lose updates. A plain variable belongs to one process: another process
//! works on its own copy, holding the value its parent had when it started it (as a fork
//! would; the copy is materialised lazily, at the first touch or at the parent's next write),
//! which is the lesson "processes do not share memory". `Value`/`Array` are shared by
//! every process; with `lock=True` they carry a `multiprocessing.RLock` from `get_lock()`.

use std::collections::BTreeMap;

use crate::error::{PyError, PyErrorKind, PyResult};
use crate::ids::{ObjId, UnitId};
use crate::kernel::Sim;
use crate::prims::lock::Lock;
use crate::prims::{ObjState, internal, wrong_kind};
use crate::program::{Ctx, Flavor, ObjInit, ObjOp, Op, Ret};
use crate::trace::EventKind;
use crate::value::Value;

/// A variable of the process that created it (a Python global).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Var {
    pub id: ObjId,
}

impl Ctx {
    /// A global variable of this process, starting at `init`.
    pub fn var(&self, name: &str, init: impl Into<Value>) -> Var {
        Var {
            id: self.new_obj(name, ObjInit::Var(init.into())),
        }
    }

    /// `multiprocessing.Value(typecode, init, lock=lock)`.
    pub fn mp_value(&self, name: &str, init: impl Into<Value>, lock: bool) -> SharedValue {
        let lock = lock.then(|| self.new_rlock(Flavor::Multiprocessing, &format!("{name}.lock")));
        let id = self.new_obj(
            name,
            ObjInit::SharedValue {
                init: init.into(),
                lock: lock.map(|l| l.id),
                array: false,
            },
        );
        SharedValue { id, lock }
    }

    /// `multiprocessing.Array(typecode, values, lock=lock)`.
    pub fn mp_array(&self, name: &str, values: Vec<Value>, lock: bool) -> SharedValue {
        let lock = lock.then(|| self.new_rlock(Flavor::Multiprocessing, &format!("{name}.lock")));
        let id = self.new_obj(
            name,
            ObjInit::SharedValue {
                init: Value::List(values),
                lock: lock.map(|l| l.id),
                array: true,
            },
        );
        SharedValue { id, lock }
    }
}

impl Var {
    pub fn read<'a>(
        &self,
        cx: &'a Ctx,
    ) -> impl std::future::Future<Output = PyResult<Value>> + use<'a> {
        let id = self.id;
        cx.op_value(move || Op::Obj(id, ObjOp::Read))
    }

    /// Reads an `int` (a `TypeError` for anything else).
    pub async fn read_int(&self, cx: &Ctx) -> PyResult<i64> {
        self.read(cx).await?.as_int()
    }

    pub fn write<'a, V: Into<Value>>(
        &self,
        cx: &'a Ctx,
        v: V,
    ) -> impl std::future::Future<Output = PyResult<()>> + use<'a, V> {
        let id = self.id;
        cx.op_unit(move || Op::Obj(id, ObjOp::Write(Box::new(v.into()))))
    }
}

/// A `multiprocessing.Value` or `Array` handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SharedValue {
    pub id: ObjId,
    lock: Option<Lock>,
}

impl SharedValue {
    /// `.value` (for an `Array`, the whole list).
    pub async fn read(&self, cx: &Ctx) -> PyResult<Value> {
        cx.op_value(move || Op::Obj(self.id, ObjOp::Read)).await
    }

    pub async fn read_int(&self, cx: &Ctx) -> PyResult<i64> {
        self.read(cx).await?.as_int()
    }

    /// `.value = v`.
    pub async fn write(&self, cx: &Ctx, v: impl Into<Value>) -> PyResult<()> {
        cx.op_unit(move || Op::Obj(self.id, ObjOp::Write(Box::new(v.into()))))
            .await
    }

    /// `arr[i]` (negative indices count from the end).
    pub async fn read_at(&self, cx: &Ctx, i: i64) -> PyResult<Value> {
        cx.op_value(move || Op::Obj(self.id, ObjOp::ReadAt(i)))
            .await
    }

    /// `arr[i] = v`.
    pub async fn write_at(&self, cx: &Ctx, i: i64, v: impl Into<Value>) -> PyResult<()> {
        cx.op_unit(move || Op::Obj(self.id, ObjOp::WriteAt(Box::new((i, v.into())))))
            .await
    }

    pub async fn len(&self, cx: &Ctx) -> PyResult<i64> {
        cx.op_int(move || Op::Obj(self.id, ObjOp::Len)).await
    }

    /// `get_lock()`; an `AttributeError` when created with `lock=False`.
    pub fn get_lock(&self) -> PyResult<Lock> {
        self.lock.ok_or_else(|| {
            PyError::new(
                PyErrorKind::AttributeError,
                "'c_long' object has no attribute 'get_lock'",
            )
        })
    }
}

#[derive(Clone, Debug)]
pub(crate) struct VarState {
    home: UnitId,
    values: BTreeMap<UnitId, Value>,
}

impl VarState {
    pub(crate) fn new(home: UnitId, init: Value) -> Self {
        VarState {
            home,
            values: BTreeMap::from([(home, init)]),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct SharedState {
    values: Vec<Value>,
    array: bool,
}

impl SharedState {
    pub(crate) fn new(init: Value, _lock: Option<ObjId>, array: bool) -> Self {
        let values = match (array, init) {
            (true, Value::List(v)) => v,
            (_, v) => vec![v],
        };
        SharedState { values, array }
    }
}

fn index(len: usize, i: i64) -> PyResult<usize> {
    let len_i = i64::try_from(len).unwrap_or(i64::MAX);
    let j = if i < 0 { i + len_i } else { i };
    if (0..len_i).contains(&j) {
        Ok(j as usize)
    } else {
        Err(PyError::new(PyErrorKind::IndexError, "invalid index"))
    }
}

/// The process `p` and its ancestors, nearest first.
fn lineage(sim: &Sim, p: UnitId) -> Vec<UnitId> {
    let mut out = vec![p];
    let mut cur = p;
    while let Some(pp) = sim.parent_process(cur) {
        if out.contains(&pp) {
            break;
        }
        out.push(pp);
        cur = pp;
    }
    out
}

/// Child processes of `p` that were started but have no copy of the variable yet: a write by
/// `p` must not reach them, so they keep the value they were forked with.
fn started_children(sim: &Sim, p: UnitId) -> Vec<Vec<UnitId>> {
    sim.started_children(p).map(|c| lineage(sim, c)).collect()
}

impl VarState {
    /// The value process `lineage[0]` sees: its own copy, else the one it inherited.
    fn value_for(&self, lineage: &[UnitId]) -> Value {
        lineage
            .iter()
            .find_map(|p| self.values.get(p))
            .or_else(|| self.values.get(&self.home))
            .cloned()
            .unwrap_or_default()
    }
}

// Out of line, so that `prims::apply` stays a small dispatcher with a cheap entry.
#[inline(never)]
pub(crate) fn apply(sim: &mut Sim, u: UnitId, o: ObjId, op: ObjOp) -> PyResult<()> {
    let proc = sim.process_of(u);
    let (me, children) = match (&sim.objs[o].state, &op) {
        (ObjState::Var(_), ObjOp::Read) => (lineage(sim, proc), Vec::new()),
        (ObjState::Var(_), ObjOp::Write(_)) => (Vec::new(), started_children(sim, proc)),
        _ => (Vec::new(), Vec::new()),
    };
    let (kind, detail, reply) = match (&mut sim.objs[o].state, op) {
        (ObjState::Var(v), ObjOp::Read) => {
            let x = v.value_for(&me);
            v.values.insert(proc, x.clone());
            (EventKind::Read, x.repr(), Ret::Value(x))
        }
        (ObjState::Var(v), ObjOp::Write(x)) => {
            let x = *x;
            let d = x.repr();
            for child in children {
                if !v.values.contains_key(&child[0]) {
                    let inherited = v.value_for(&child);
                    v.values.insert(child[0], inherited);
                }
            }
            v.values.insert(proc, x);
            (EventKind::Write, d, Ret::None)
        }
        (ObjState::Shared(s), ObjOp::Read) => {
            let x = if s.array {
                Value::List(s.values.clone())
            } else {
                s.values[0].clone()
            };
            (EventKind::Read, x.repr(), Ret::Value(x))
        }
        (ObjState::Shared(s), ObjOp::Write(x)) => {
            let x = *x;
            let d = x.repr();
            if s.array {
                match x {
                    Value::List(v) if v.len() == s.values.len() => s.values = v,
                    _ => {
                        return Err(PyError::new(
                            PyErrorKind::ValueError,
                            "Can only assign sequence of same size",
                        ));
                    }
                }
            } else {
                s.values[0] = x;
            }
            (EventKind::Write, d, Ret::None)
        }
        (ObjState::Shared(s), ObjOp::ReadAt(i)) if s.array => {
            let j = index(s.values.len(), i)?;
            let x = s.values[j].clone();
            (EventKind::Read, format!("[{i}] → {x}"), Ret::Value(x))
        }
        (ObjState::Shared(s), ObjOp::WriteAt(ix)) if s.array => {
            let (i, x) = *ix;
            let j = index(s.values.len(), i)?;
            let d = format!("[{i}] = {x}");
            s.values[j] = x;
            (EventKind::Write, d, Ret::None)
        }
        (ObjState::Shared(s), ObjOp::Len) if s.array => (
            EventKind::Read,
            "len".to_string(),
            Ret::Int(s.values.len() as i64),
        ),
        (ObjState::Var(_) | ObjState::Shared(_), _) => {
            return Err(wrong_kind(sim, o, "this method"));
        }
        _ => return Err(internal("not a shared variable")),
    };
    sim.event(u, kind, Some(o), Some(detail));
    sim.complete(u, Ok(reply));
    Ok(())
}

/// What unit `u` would read from `o` now, without a step: a variable's value as its process
/// sees it, a shared value or array, a manager list, or the items of a queue as a list.
/// `None` for other objects.
pub(crate) fn peek(sim: &Sim, u: UnitId, o: ObjId) -> Option<Value> {
    let obj = sim.objs.get(o)?;
    match &obj.state {
        ObjState::Var(v) => {
            let proc = sim.process_of(u);
            Some(v.value_for(&lineage(sim, proc)))
        }
        ObjState::Shared(s) if s.array => Some(Value::List(s.values.clone())),
        ObjState::Shared(s) => s.values.first().cloned(),
        ObjState::List(items) => Some(Value::List(items.clone())),
        ObjState::Queue(q) => Some(Value::List(
            q.items.iter().map(|i| i.value.clone()).collect(),
        )),
        ObjState::Event { flag } => Some(Value::Bool(*flag)),
        _ => None,
    }
}
