//! The program side of the simulator: `Ctx`, the handle a simulated unit uses to act.
//!
//! Programs are ordinary Rust `async` blocks. Every simulator operation is a future that hands
//! one [`Op`] to the kernel through the unit's mailbox and completes when the kernel replies.
//! Between operations a program runs instantly in virtual time; only `compute`, `sleep`, `io`
//! and blocking operations let time pass. The kernel polls each unit's future itself with a
//! no-op waker, so no async runtime is involved and everything is deterministic.
//!
//! `request.rs` holds what a unit asks (`Op`, `ObjOp`) and what the kernel answers (`Ret`,
//! `Answer`), with the word encoding the mailbox carries them in; `mailbox.rs` the per-unit
//! mailbox and the registry through which programs create units and objects; `ops.rs` the
//! future of one operation and `Ctx`'s async methods.

mod mailbox;
mod ops;
mod request;

pub(crate) use mailbox::*;
pub(crate) use ops::*;
pub(crate) use request::*;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::error::{PyError, PyErrorKind, PyResult};
use crate::ids::{ObjId, UnitId};
use crate::time::Nanos;
use crate::value::Value;

/// A boxed unit body.
pub type BoxFuture = Pin<Box<dyn Future<Output = PyResult<Value>>>>;

/// The body of a thread, process, task or callback: a function from its context to a future.
pub struct Program(pub(crate) Box<dyn FnOnce(Ctx) -> BoxFuture>);

impl Program {
    /// Wraps an async closure. The future's output may be `PyResult<T>` for any `T: Into<Value>`.
    pub fn new<F, Fut, T>(f: F) -> Self
    where
        F: FnOnce(Ctx) -> Fut + 'static,
        Fut: Future<Output = PyResult<T>> + 'static,
        T: Into<Value>,
    {
        Program(Box::new(move |cx| {
            Box::pin(IntoValue {
                inner: Box::pin(f(cx)),
            })
        }))
    }

    /// Runs this program's body in the unit `cx` belongs to, as a part of another program's
    /// body (a wrapper that does something before or after it).
    pub fn call(self, cx: Ctx) -> BoxFuture {
        (self.0)(cx)
    }
}

/// A program's future with its result converted to a `Value`. A plain struct rather than an
/// `async` block around the program: it is polled on every step, and this way the poll goes
/// straight to the program's own state machine.
struct IntoValue<F> {
    inner: Pin<Box<F>>,
}

impl<F, T> Future for IntoValue<F>
where
    F: Future<Output = PyResult<T>>,
    T: Into<Value>,
{
    type Output = PyResult<Value>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<PyResult<Value>> {
        self.inner.as_mut().poll(cx).map(|r| r.map(Into::into))
    }
}

impl fmt::Debug for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Program")
    }
}

/// Which Python module an object comes from. It decides who may use the object and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flavor {
    /// `threading` / `queue`: shared by the threads of one process.
    Threading,
    /// `multiprocessing`: shared between processes; messages are copied.
    Multiprocessing,
    /// `asyncio`: used by tasks of one event loop; waiting suspends the task, not the thread.
    Asyncio,
}

impl Flavor {
    pub(crate) fn module(self) -> &'static str {
        match self {
            Flavor::Threading => "threading",
            Flavor::Multiprocessing => "multiprocessing",
            Flavor::Asyncio => "asyncio",
        }
    }
}

/// A deadline as a program states it and as the kernel stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Deadline {
    Never,
    /// Relative to when the operation first runs.
    In(Nanos),
    /// Absolute virtual time.
    At(Nanos),
}

impl Deadline {
    pub(crate) fn from_timeout(t: Option<Nanos>) -> Self {
        t.map_or(Deadline::Never, Deadline::In)
    }
}

/// `asyncio.wait`'s `return_when`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnWhen {
    FirstCompleted,
    FirstException,
    AllCompleted,
}

/// The kind of a queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum QueueKind {
    Fifo,
    Lifo,
    Priority,
    Simple,
}

/// The handle a running unit acts through. Cheap to clone; each unit gets its own.
#[derive(Clone)]
pub struct Ctx {
    pub(crate) unit: UnitId,
    pub(crate) mailbox: Rc<Mailbox>,
    pub(crate) registry: Rc<Registry>,
    /// True for asyncio tasks and loop callbacks.
    pub(crate) in_task: bool,
}

impl Ctx {
    /// The virtual time when this unit last resumed, read without an operation. Time moves
    /// on for a unit only through its operations, so while it runs, the current time is this
    /// plus the CPU it has used since and not yet charged (the interpreter's clock reads).
    pub fn clock(&self) -> Nanos {
        self.mailbox.resumed_at.get()
    }

    /// Tells the simulator which source line the program is at: the events of this unit's
    /// next operations (and wake-ups of it) carry it, in `Trace::lines`.
    pub fn set_line(&self, line: u32) {
        self.mailbox.line.set(line);
    }

    /// Notes a read (or write) of shared variable `var` without taking a step: the kernel
    /// records it as a `Read`/`Write` event just before this unit's next operation (or its
    /// end), which is where the access falls in happens-before order anyway, since nothing
    /// synchronises the unit in between. The data-race detector and DPOR see it; repeats of
    /// the same access before that operation are one event. (The Python interpreter notes
    /// its programs' accesses to globals and attributes this way.)
    /// The event carries the line set (`set_line`) when the access was noted.
    pub fn note_access(&self, var: ObjId, write: bool) {
        let mut a = self.mailbox.accesses.borrow_mut();
        if !a
            .iter()
            .rev()
            .take(16)
            .any(|&(o, w, _)| o == var && w == write)
        {
            a.push((var, write, self.mailbox.line.get()));
        }
    }

    /// Whether this unit runs on an asyncio event loop (a task or a loop callback).
    pub fn in_loop(&self) -> bool {
        self.in_task
    }
}

impl fmt::Debug for Ctx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ctx({})", self.unit.0)
    }
}

/// Raises `kind(message)` as an `Err`.
pub fn err<T>(kind: PyErrorKind, message: impl Into<String>) -> PyResult<T> {
    Err(PyError::new(kind, message))
}

#[cfg(test)]
mod tests {
    /// Ops move through the mailbox on every step: keep them at four words.
    #[test]
    fn ops_stay_small() {
        assert_eq!(std::mem::size_of::<super::Op>(), 32);
    }

    /// Every reply comes back from the mailbox as it went in, once.
    #[test]
    fn mailbox_keeps_replies() {
        use super::{Answer, Mailbox, Ret};
        use crate::{PyError, Value};
        let replies = [
            Ok(Ret::None),
            Ok(Ret::Bool(true)),
            Ok(Ret::Bool(false)),
            Ok(Ret::Int(-7)),
            Ok(Ret::Value(Value::Int(i64::MIN))),
            Ok(Ret::Value(Value::from("text"))),
            Ok(Ret::RunAction),
            Err(PyError::runtime("boom")),
        ];
        let mailbox = Mailbox::default();
        assert!(mailbox.take_answer().is_none());
        for r in replies {
            mailbox.put_reply(r.clone());
            assert_eq!(mailbox.take_answer().map(Answer::unpack), Some(r));
            assert!(mailbox.take_answer().is_none());
        }
        // A newer reply replaces one the program never took, boxed or not.
        mailbox.put_reply(Err(PyError::runtime("stale")));
        mailbox.put_reply(Ok(Ret::Int(3)));
        assert_eq!(
            mailbox.take_answer().map(Answer::unpack),
            Some(Ok(Ret::Int(3)))
        );
        mailbox.put_reply(Ok(Ret::Int(4)));
        mailbox.put_reply(Err(PyError::runtime("new")));
        assert_eq!(
            mailbox.take_answer().map(Answer::unpack),
            Some(Err(PyError::runtime("new")))
        );
    }

    /// Every request that travels as words comes back as the same request, stands for the
    /// op it names, and the mailbox hands words and whole ops back in the order of the
    /// protocol.
    #[test]
    fn requests_round_trip_through_the_mailbox() {
        use super::{Deadline, Mailbox, ObjOp, Op, Quick, REQ_NONE, REQ_OP};
        use crate::ObjId;
        let o = ObjId::new(7);
        let big = ObjId::new(u32::MAX - 1);
        let deadlines = [
            Deadline::Never,
            Deadline::In(0),
            Deadline::In(u64::MAX),
            Deadline::At(12_345),
        ];
        let mut reqs = vec![
            (Quick::Compute(0), Op::Compute(0)),
            (Quick::Compute(u64::MAX), Op::Compute(u64::MAX)),
            (Quick::Sleep(17), Op::Sleep(17)),
            (Quick::Release { o, n: 1 }, Op::Obj(o, ObjOp::Release(1))),
            (
                Quick::Release {
                    o: big,
                    n: u32::MAX,
                },
                Op::Obj(big, ObjOp::Release(u32::MAX)),
            ),
        ];
        for deadline in deadlines {
            for flag in [false, true] {
                for obj in [o, big] {
                    reqs.push((
                        Quick::acquire(obj, flag, deadline),
                        Op::Obj(
                            obj,
                            ObjOp::Acquire {
                                blocking: flag,
                                deadline,
                            },
                        ),
                    ));
                }
                reqs.push((
                    Quick::Get {
                        o,
                        block: flag,
                        deadline,
                    },
                    Op::Obj(
                        o,
                        ObjOp::Get {
                            block: flag,
                            deadline,
                        },
                    ),
                ));
            }
            reqs.push((
                Quick::Wait { o: big, deadline },
                Op::Obj(big, ObjOp::Wait(deadline)),
            ));
        }
        let mailbox = Mailbox::default();
        for (q, op) in reqs {
            let (head, word) = q.into_words();
            assert_eq!(Quick::from_words(head, word), Some(q));
            assert_eq!(format!("{:?}", q.into_op()), format!("{op:?}"));
            mailbox.submit(q);
            let (head, word) = mailbox.take_words();
            assert_eq!(Quick::from_words(head, word), Some(q));
            assert_eq!(mailbox.take_words().0, REQ_NONE);
        }
        // An op travels whole, whether or not it has a `Quick` form.
        mailbox.submit(Op::Print("hi".into()));
        assert_eq!(mailbox.take_words().0, REQ_OP);
        assert!(matches!(mailbox.take_op(), Some(Op::Print(s)) if s == "hi"));
        mailbox.submit(Op::Compute(3));
        assert_eq!(mailbox.take_words().0, REQ_OP);
        assert!(matches!(mailbox.take_op(), Some(Op::Compute(3))));
        assert!(!mailbox.misuse.get());
        // A second request while one waits is misuse, whichever way each travels.
        mailbox.submit(Quick::Compute(1));
        mailbox.submit(Op::Print("again".into()));
        assert!(mailbox.misuse.get());
        assert!(Quick::from_words(REQ_NONE, 0).is_none());
        assert!(Quick::from_words(REQ_OP, 0).is_none());
    }
}
