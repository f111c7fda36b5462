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

impl Quick {
    /// `acquire(blocking, timeout)` on the lock or semaphore `o`.
    pub(crate) fn acquire(o: ObjId, blocking: bool, deadline: Deadline) -> Quick {
        Quick::Acquire {
            o,
            blocking,
            deadline,
        }
    }
}

impl Op {
    /// Operations that touch only the unit's own state run inline without a scheduling
    /// decision.
    pub(crate) fn is_local(&self) -> bool {
        matches!(self, Op::CvarGet(_) | Op::CvarSet(..))
    }
}

// The requests that travel as two words instead of a whole `Op` in `Mailbox::request`:
// the head word (the kind in bits 0–7, a flag in bit 8, a deadline's kind in bits 9–10, an
// object's index in the high half) and a number word (a duration, a count, a deadline's
// time). The common operations then cost no `Op` to build, copy out of the slot and drop:
// without the words the events bench measured 0.92–0.95×.
pub(crate) const REQ_NONE: u64 = 0;
pub(crate) const REQ_OP: u64 = 1;
const REQ_FLAG: u64 = 1 << 8;
const REQ_DEADLINE_SHIFT: u32 = 9;

/// Where one field of a request travels in the two words: each field type has one place.
/// An entry of `word_requests!` may hold one field of each place.
pub(crate) trait Field: Sized {
    fn put(self, head: &mut u64, word: &mut u64);
    fn get(head: u64, word: u64) -> Self;
}

/// An object: the head word's high half.
impl Field for ObjId {
    #[inline(always)]
    fn put(self, head: &mut u64, _: &mut u64) {
        *head |= u64::from(self.number()) << 32;
    }
    #[inline(always)]
    fn get(head: u64, _: u64) -> ObjId {
        ObjId::new((head >> 32) as u32)
    }
}

/// A flag (`blocking`, `block`): bit 8.
impl Field for bool {
    #[inline(always)]
    fn put(self, head: &mut u64, _: &mut u64) {
        if self {
            *head |= REQ_FLAG;
        }
    }
    #[inline(always)]
    fn get(head: u64, _: u64) -> bool {
        head & REQ_FLAG != 0
    }
}

/// A deadline: its kind in bits 9–10, its time in the number word.
impl Field for Deadline {
    #[inline(always)]
    fn put(self, head: &mut u64, word: &mut u64) {
        let (kind, t) = match self {
            Deadline::Never => (0, 0),
            Deadline::In(t) => (1, t),
            Deadline::At(t) => (2, t),
        };
        *head |= kind << REQ_DEADLINE_SHIFT;
        *word = t;
    }
    #[inline(always)]
    fn get(head: u64, word: u64) -> Deadline {
        match (head >> REQ_DEADLINE_SHIFT) & 3 {
            0 => Deadline::Never,
            1 => Deadline::In(word),
            _ => Deadline::At(word),
        }
    }
}

/// A duration: the number word.
impl Field for Nanos {
    #[inline(always)]
    fn put(self, _: &mut u64, word: &mut u64) {
        *word = self;
    }
    #[inline(always)]
    fn get(_: u64, word: u64) -> Nanos {
        word
    }
}

/// A count (`release(n)`): the number word.
impl Field for u32 {
    #[inline(always)]
    fn put(self, _: &mut u64, word: &mut u64) {
        *word = u64::from(self);
    }
    #[inline(always)]
    fn get(_: u64, word: u64) -> u32 {
        word as u32
    }
}

/// The requests that travel as words, as the program side builds them: `Copy`, so making,
/// moving and dropping one costs nothing. The kernel turns one into its `Op` only off the
/// hot path (`Quick::into_op`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Quick {
    Compute(Nanos),
    Sleep(Nanos),
    Acquire {
        o: ObjId,
        blocking: bool,
        deadline: Deadline,
    },
    Release {
        o: ObjId,
        n: u32,
    },
    Wait {
        o: ObjId,
        deadline: Deadline,
    },
    Get {
        o: ObjId,
        block: bool,
        deadline: Deadline,
    },
}

/// The table of requests with words: for each, its kind's constant and number, its fields,
/// the `Quick` request (written once, used both as the pattern that encodes it and as the
/// expression that decodes it) and the `Op` it stands for.
macro_rules! word_requests {
    ($($kind:ident = $code:literal, [$($field:ident),*] => {$($quick:tt)+} as {$($op:tt)+})+) => {
        $(pub(crate) const $kind: u64 = $code;)+

        impl Quick {
            /// The request as the mailbox's head and number words.
            #[inline(always)]
            pub(crate) fn into_words(self) -> (u64, u64) {
                match self {
                    $($($quick)+ => {
                        let (mut head, mut word) = ($kind, 0);
                        $(Field::put($field, &mut head, &mut word);)*
                        (head, word)
                    })+
                }
            }

            /// The request [`Quick::into_words`] gave `head` and `word` for (`None`: not
            /// such a kind).
            #[inline(always)]
            pub(crate) fn from_words(head: u64, word: u64) -> Option<Quick> {
                match head & 0xff {
                    $($kind => {
                        $(let $field = Field::get(head, word);)*
                        Some($($quick)+)
                    })+
                    _ => None,
                }
            }

            /// The operation this request stands for.
            pub(crate) fn into_op(self) -> Op {
                match self {
                    $($($quick)+ => $($op)+,)+
                }
            }
        }
    };
}

word_requests! {
    REQ_COMPUTE = 2, [d] => { Quick::Compute(d) } as { Op::Compute(d) }
    REQ_SLEEP = 3, [d] => { Quick::Sleep(d) } as { Op::Sleep(d) }
    REQ_ACQUIRE = 4, [o, blocking, deadline] => { Quick::Acquire { o, blocking, deadline } }
        as { Op::Obj(o, ObjOp::Acquire { blocking, deadline }) }
    REQ_RELEASE = 5, [o, n] => { Quick::Release { o, n } } as { Op::Obj(o, ObjOp::Release(n)) }
    REQ_WAIT = 6, [o, deadline] => { Quick::Wait { o, deadline } } as { Op::Obj(o, ObjOp::Wait(deadline)) }
    REQ_GET = 7, [o, block, deadline] => { Quick::Get { o, block, deadline } }
        as { Op::Obj(o, ObjOp::Get { block, deadline }) }
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
