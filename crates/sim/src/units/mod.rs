//! Units: threads and processes (`threads`), asyncio's tasks, callbacks and loops
//! (`asyncio`), `threading.Timer` and context variables. Each file holds both halves of its
//! operations: the handle methods programs await and the kernel's answer to them; `touches`
//! is their rule for the explorer's reduction.

use crate::error::PyResult;
use crate::ids::{ObjId, UnitId};
use crate::kernel::Resource;
use crate::prims::event::Event;
use crate::program::{Ctx, ObjInit, Op, Program, SpawnKind};
use crate::time::Nanos;
use crate::value::Value;

mod asyncio;
mod threads;

pub use asyncio::{Handle, Task};
pub use threads::{Process, Thread};

/// The unit an operation on units touches and whether it changes it, for the explorer's
/// reduction (`None`: not an operation on a unit).
pub(crate) fn touches(op: &Op) -> Option<(Resource, bool)> {
    match op {
        // A unit's life changes only when it starts, ends, is cancelled or
        // terminated, or has its daemon flag set. Asking about it, or waiting for it
        // (which only adds a waiter that the change wakes), reads it: two joins of
        // one thread commute, and a join conflicts with the end it waits for.
        Op::Start(t) | Op::SetDaemon(t, _) | Op::Terminate(t) | Op::Cancel(t) => {
            Some((Resource::Unit(*t), true))
        }
        Op::AwaitStarted(t)
        | Op::Join(t, _)
        | Op::IsAlive(t)
        | Op::ExitCode(t)
        | Op::UnitDone(t)
        | Op::UnitResult(t) => Some((Resource::Unit(*t), false)),
        Op::AwaitUnit { unit, .. } => Some((Resource::Unit(*unit), false)),
        _ => None,
    }
}

/// A `threading.Timer`: a thread that runs its function after a delay unless cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timer {
    pub thread: Thread,
    finished: Event,
}

/// A `contextvars.ContextVar`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContextVar {
    pub id: ObjId,
}

impl Ctx {
    /// A new unit of `kind` created by this one, running `program` (in a copy of this unit's
    /// context when `in_context`).
    pub(crate) fn new_unit(
        &self,
        name: &str,
        kind: SpawnKind,
        program: Program,
        in_context: bool,
    ) -> UnitId {
        self.registry
            .add_unit(name.to_string(), kind, self.unit, program, in_context)
    }

    /// `threading.Timer(interval, fn)`, not started yet.
    pub fn timer(&self, name: &str, interval: Nanos, program: Program) -> Timer {
        let finished = self.event(&format!("{name}.finished"));
        let body = Program::new(move |cx: Ctx| async move {
            if !finished.wait_timeout(&cx, interval).await? {
                (program.0)(cx.clone()).await?;
            }
            finished.set(&cx).await?;
            Ok(Value::None)
        });
        Timer {
            thread: self.thread(name, body),
            finished,
        }
    }

    /// `contextvars.ContextVar(name, default=default)`.
    pub fn context_var(&self, name: &str, default: Option<Value>) -> ContextVar {
        ContextVar {
            id: self.new_obj(name, ObjInit::ContextVar { default }),
        }
    }
}

impl Timer {
    pub async fn start(&self, cx: &Ctx) -> PyResult<()> {
        self.thread.start(cx).await
    }

    /// `cancel()`: stops the timer if it is still waiting.
    pub async fn cancel(&self, cx: &Ctx) -> PyResult<()> {
        self.finished.set(cx).await
    }

    pub async fn join(&self, cx: &Ctx) -> PyResult<()> {
        self.thread.join(cx).await
    }
}

impl ContextVar {
    /// `var.get()`: `LookupError` when unset and without a default.
    pub async fn get(&self, cx: &Ctx) -> PyResult<Value> {
        cx.op_value(move || Op::CvarGet(self.id)).await
    }

    pub async fn set(&self, cx: &Ctx, v: impl Into<Value>) -> PyResult<()> {
        cx.op_unit(move || Op::CvarSet(self.id, Box::new(v.into())))
            .await
    }
}
