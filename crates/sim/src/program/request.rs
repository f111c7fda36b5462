//! What a unit asks the kernel and what the kernel answers, and the words the mailbox carries
//! them in.

use crate::error::{PyError, PyResult};
use crate::ids::{ObjId, UnitId};
use crate::time::Nanos;
use crate::value::Value;

use super::*;

/// An operation on an object.
#[derive(Clone, Debug)]
pub(crate) enum ObjOp {
    Acquire {
        blocking: bool,
        deadline: Deadline,
    },
    Release(u32),
    Locked,
    Value,
    Set,
    Clear,
    IsSet,
    Wait(Deadline),
    Notify(usize),
    NotifyAll,
    /// Internal: a condition waiter taking its lock back.
    Reacquire {
        depth: u32,
        ret: bool,
    },
    BarrierWait(Deadline),
    BarrierActionDone(Result<(), Box<PyError>>),
    Abort,
    Reset,
    NWaiting,
    Broken,
    /// Boxed, like every operation that carries a `Value` or an error: ops are moved on
    /// every step, and these payloads would double the size of every `Op`.
    Put(Box<PutOp>),
    Get {
        block: bool,
        deadline: Deadline,
    },
    QSize,
    /// `queue.Queue.unfinished_tasks`: items put and not yet marked done.
    Unfinished,
    Empty,
    Full,
    TaskDone,
    Join,
    Send(Box<Value>),
    Recv,
    Poll(Deadline),
    Close,
    /// A connection end's handle is inherited by the process whose main unit is given (a
    /// fork): the end stays open until every holder closed it or exited.
    DupFor(UnitId),
    Read,
    Write(Box<Value>),
    ReadAt(i64),
    WriteAt(Box<(i64, Value)>),
    Len,
    /// Boxed, like the other rare two-value operations, to keep every `Op` small: ops are
    /// moved on every step.
    DictGet(Box<(Value, Option<Value>)>),
    DictSet(Box<(Value, Value)>),
    DictKeys,
    Append(Box<Value>),
    Pop,
    /// Internal: a Manager proxy call after its round trip.
    ProxyApply(Box<ObjOp>),
    SetResult(Box<Value>),
    SetException(Box<PyError>),
    Cancel,
    Result,
    Done,
    AwaitFuture,
    AddDoneCallback(UnitId),
}

/// `Queue.put`'s arguments.
#[derive(Clone, Debug)]
pub(crate) struct PutOp {
    pub(crate) item: Value,
    pub(crate) block: bool,
    pub(crate) deadline: Deadline,
}

/// One request from a unit to the kernel.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    /// Internal: start running the unit's program.
    Begin,
    /// Internal: the rest of a compute that was preempted at a quantum's end.
    ContinueCompute,
    Compute(Nanos),
    Sleep(Nanos),
    Io(Nanos, Option<Box<str>>),
    AsyncSleep(Nanos),
    Now,
    Print(String),
    SetResult(Box<(String, Value)>),
    Random(u64),
    CvarGet(ObjId),
    CvarSet(ObjId, Box<Value>),
    Start(UnitId),
    /// Internal: the second half of `Thread.start()`.
    AwaitStarted(UnitId),
    SetDaemon(UnitId, bool),
    Join(UnitId, Deadline),
    Terminate(UnitId),
    IsAlive(UnitId),
    ExitCode(UnitId),
    RunLoop(UnitId),
    CallLater(UnitId, Nanos),
    CallAt(UnitId, Nanos),
    /// `loop.call_soon_threadsafe`: the callback (first) joins the loop that the task
    /// (second) belongs to, from any unit.
    CallSoonIn(UnitId, UnitId),
    Cancel(UnitId),
    AwaitUnit {
        unit: UnitId,
        shield: bool,
    },
    UnitDone(UnitId),
    UnitResult(UnitId),
    Gather {
        units: Vec<UnitId>,
        return_exceptions: bool,
    },
    WaitUnits(Box<(Vec<UnitId>, Deadline, ReturnWhen)>),
    WaitFor {
        unit: UnitId,
        deadline: Deadline,
    },
    ToThread(UnitId),
    Obj(ObjId, ObjOp),
}

impl Op {
    /// `acquire(blocking, timeout)` on the lock or semaphore `id`.
    pub(crate) fn acquire(id: ObjId, blocking: bool, deadline: Deadline) -> Op {
        Op::Obj(id, ObjOp::Acquire { blocking, deadline })
    }

    /// Operations that touch only the unit's own state run inline without a scheduling
    /// decision.
    pub(crate) fn is_local(&self) -> bool {
        matches!(self, Op::CvarGet(_) | Op::CvarSet(..))
    }
}

// The `kind` byte of a request in the mailbox, as for replies (see [`Answer`]): the
// commonest operations travel as two plain words, the kind with flags and an id, and a
// number; the rest as a whole `Op` in `Mailbox::request`. The common ones then cost no
// `Op` to build, copy out of the slot and drop (3-9 % of the events bench).
pub(crate) const REQ_NONE: u64 = 0;
pub(crate) const REQ_OP: u64 = 1;
pub(crate) const REQ_COMPUTE: u64 = 2;
pub(crate) const REQ_SLEEP: u64 = 3;
pub(crate) const REQ_ACQUIRE: u64 = 4;
pub(crate) const REQ_RELEASE: u64 = 5;
pub(crate) const REQ_WAIT: u64 = 6;
pub(crate) const REQ_GET: u64 = 7;

// The head word: the kind in bits 0–7, a flag (`blocking`, `block`) in bit 8, the
// deadline's kind in bits 9–10 (its time is the number word), an object's index in the
// high half.
pub(crate) const REQ_FLAG: u64 = 1 << 8;
pub(crate) const REQ_DEADLINE_SHIFT: u32 = 9;

impl Deadline {
    #[inline(always)]
    pub(crate) fn into_words(self) -> (u64, u64) {
        match self {
            Deadline::Never => (0, 0),
            Deadline::In(t) => (1 << REQ_DEADLINE_SHIFT, t),
            Deadline::At(t) => (2 << REQ_DEADLINE_SHIFT, t),
        }
    }

    #[inline(always)]
    fn from_words(head: u64, t: Nanos) -> Deadline {
        match (head >> REQ_DEADLINE_SHIFT) & 3 {
            0 => Deadline::Never,
            1 => Deadline::In(t),
            _ => Deadline::At(t),
        }
    }
}

impl Op {
    /// The request as the mailbox's head and number words, or the op itself when it does
    /// not fit them. Inlined, so that an op the caller spells out folds to its words.
    #[inline(always)]
    pub(crate) fn into_words(self) -> Result<(u64, u64), Op> {
        let obj = |o: &ObjId| u64::from(o.number()) << 32;
        let words = match &self {
            Op::Compute(d) => (REQ_COMPUTE, *d),
            Op::Sleep(d) => (REQ_SLEEP, *d),
            Op::Obj(o, ObjOp::Acquire { blocking, deadline }) => {
                let (dk, t) = deadline.into_words();
                let flag = if *blocking { REQ_FLAG } else { 0 };
                (REQ_ACQUIRE | flag | dk | obj(o), t)
            }
            Op::Obj(o, ObjOp::Release(n)) => (REQ_RELEASE | obj(o), u64::from(*n)),
            Op::Obj(o, ObjOp::Wait(deadline)) => {
                let (dk, t) = deadline.into_words();
                (REQ_WAIT | dk | obj(o), t)
            }
            Op::Obj(o, ObjOp::Get { block, deadline }) => {
                let (dk, t) = deadline.into_words();
                let flag = if *block { REQ_FLAG } else { 0 };
                (REQ_GET | flag | dk | obj(o), t)
            }
            _ => return Err(self),
        };
        Ok(words)
    }

    /// The op [`Op::into_words`] gave `head` and `word` for (`None`: not such a kind).
    #[inline(always)]
    pub(crate) fn from_words(head: u64, word: u64) -> Option<Op> {
        let obj = obj_from_words(head);
        let flag = head & REQ_FLAG != 0;
        Some(match head & 0xff {
            REQ_COMPUTE => Op::Compute(word),
            REQ_SLEEP => Op::Sleep(word),
            REQ_ACQUIRE => Op::Obj(obj, ObjOp::acquire_from_words(head, word)),
            REQ_RELEASE => Op::Obj(obj, ObjOp::release_from_words(word)),
            REQ_WAIT => Op::Obj(obj, ObjOp::Wait(Deadline::from_words(head, word))),
            REQ_GET => Op::Obj(
                obj,
                ObjOp::Get {
                    block: flag,
                    deadline: Deadline::from_words(head, word),
                },
            ),
            _ => return None,
        })
    }
}

/// The object a request's head word names.
#[inline(always)]
pub(crate) fn obj_from_words(head: u64) -> ObjId {
    ObjId::new((head >> 32) as u32)
}

impl ObjOp {
    /// The `acquire` a `REQ_ACQUIRE` request's words carry.
    #[inline(always)]
    pub(crate) fn acquire_from_words(head: u64, word: u64) -> ObjOp {
        ObjOp::Acquire {
            blocking: head & REQ_FLAG != 0,
            deadline: Deadline::from_words(head, word),
        }
    }

    /// The `release` a `REQ_RELEASE` request's number word carries.
    #[inline(always)]
    pub(crate) fn release_from_words(word: u64) -> ObjOp {
        ObjOp::Release(word as u32)
    }
}

/// The kernel's answer to an operation.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Ret {
    None,
    Bool(bool),
    Int(i64),
    Value(Value),
    /// `asyncio.wait`'s (done, pending), boxed to keep every reply small.
    Split(Box<(Vec<UnitId>, Vec<UnitId>)>),
    Results(Vec<PyResult<Value>>),
    /// Barrier: the caller is the last to arrive and must run the action.
    RunAction,
}

pub(crate) type Reply = PyResult<Ret>;

/// A reply on its way through the mailbox. Nearly every reply is `None`, a flag or a number
/// (an answer, or an `int` value read or taken from a queue): those travel as two plain
/// words, a kind and a number; the rest is boxed. The kernel writes the reply and the program
/// reads it back moments later, and reading a value just written field by field with one
/// wide load stalls the CPU (the load cannot be served from the narrow stores still in
/// flight). Whole words written and read back as whole words do not.
pub(crate) enum Answer {
    None,
    Bool(bool),
    Int(i64),
    IntValue(i64),
    Other(Box<Reply>),
}

// The `kind` word of a reply in the mailbox. `NO_REPLY`: none is waiting.
pub(crate) const NO_REPLY: u64 = 0;
pub(crate) const REPLY_NONE: u64 = 1;
pub(crate) const REPLY_BOOL: u64 = 2;
pub(crate) const REPLY_INT: u64 = 3;
pub(crate) const REPLY_INT_VALUE: u64 = 4;
pub(crate) const REPLY_OTHER: u64 = 5;

impl Answer {
    /// Inlined, so that a reply the caller spells out (`Ok(Ret::None)`) folds to its answer.
    #[inline(always)]
    pub(crate) fn pack(reply: Reply) -> Answer {
        match reply {
            Ok(Ret::None) => Answer::None,
            Ok(Ret::Bool(b)) => Answer::Bool(b),
            Ok(Ret::Int(i)) => Answer::Int(i),
            Ok(Ret::Value(Value::Int(i))) => Answer::IntValue(i),
            reply => Answer::boxed(reply),
        }
    }

    #[inline(never)]
    fn boxed(reply: Reply) -> Answer {
        Answer::Other(Box::new(reply))
    }

    #[inline(always)]
    pub(crate) fn unpack(self) -> Reply {
        match self {
            Answer::None => Ok(Ret::None),
            Answer::Bool(b) => Ok(Ret::Bool(b)),
            Answer::Int(i) => Ok(Ret::Int(i)),
            Answer::IntValue(i) => Ok(Ret::Value(Value::Int(i))),
            Answer::Other(reply) => *reply,
        }
    }

    /// The kind word, the number word and the boxed reply the answer travels as.
    #[inline(always)]
    pub(crate) fn into_words(self) -> (u64, u64, Option<Box<Reply>>) {
        match self {
            Answer::None => (REPLY_NONE, 0, None),
            Answer::Bool(b) => (REPLY_BOOL, u64::from(b), None),
            Answer::Int(i) => (REPLY_INT, i as u64, None),
            Answer::IntValue(i) => (REPLY_INT_VALUE, i as u64, None),
            Answer::Other(reply) => (REPLY_OTHER, 0, Some(reply)),
        }
    }
}
