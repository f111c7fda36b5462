//! The program side of the simulator: `Ctx`, the handle a simulated unit uses to act.
//!
//! Programs are ordinary Rust `async` blocks. Every simulator operation is a future that hands
//! one [`Op`] to the kernel through the unit's mailbox and completes when the kernel replies.
//! Between operations a program runs instantly in virtual time; only `compute`, `sleep`, `io`
//! and blocking operations let time pass. The kernel polls each unit's future itself with a
//! no-op waker, so no async runtime is involved and everything is deterministic.

use std::cell::{Cell, RefCell};
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
const REQ_FLAG: u64 = 1 << 8;
const REQ_DEADLINE_SHIFT: u32 = 9;

impl Deadline {
    #[inline(always)]
    fn into_words(self) -> (u64, u64) {
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
    fn into_words(self) -> Result<(u64, u64), Op> {
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
        // The kinds with words own nothing: forgetting the op spares its drop glue.
        std::mem::forget(self);
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
const NO_REPLY: u64 = 0;
const REPLY_NONE: u64 = 1;
const REPLY_BOOL: u64 = 2;
const REPLY_INT: u64 = 3;
const REPLY_INT_VALUE: u64 = 4;
const REPLY_OTHER: u64 = 5;

impl Answer {
    /// Inlined, so that a reply the caller spells out (`Ok(Ret::None)`) folds to its answer.
    #[inline(always)]
    pub(crate) fn pack(reply: Reply) -> Answer {
        let plain = match &reply {
            Ok(Ret::None) => Answer::None,
            Ok(Ret::Bool(b)) => Answer::Bool(*b),
            Ok(Ret::Int(i)) => Answer::Int(*i),
            Ok(Ret::Value(Value::Int(i))) => Answer::IntValue(*i),
            _ => return Answer::boxed(reply),
        };
        // These replies own nothing. Forgetting the reply spares a call to its drop glue,
        // which the compiler does not fold away for a reply only known at run time.
        std::mem::forget(reply);
        plain
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

/// One request slot and one reply slot per unit.
#[derive(Default)]
pub(crate) struct Mailbox {
    /// The request waiting for the kernel, as [`Op::into_words`] gives it: the head word
    /// (`REQ_NONE`: none), the number word, and the op itself when it has no words.
    req_head: Cell<u64>,
    req_word: Cell<u64>,
    request: Cell<Option<Op>>,
    /// The reply waiting for the program, as [`Answer::into_words`] gives it.
    reply_kind: Cell<u64>,
    reply_word: Cell<u64>,
    reply_other: Cell<Option<Box<Reply>>>,
    /// Set when a unit issued a second operation while one was outstanding.
    pub(crate) misuse: Cell<bool>,
    /// What the unit declared it waits for while it waits (lost-wakeup detection).
    pub(crate) awaiting: RefCell<Option<crate::wakeup::Awaiting>>,
    /// The virtual time when the kernel last resumed the unit (see [`Ctx::clock`]).
    pub(crate) resumed_at: Cell<u64>,
    /// The source line the program is at (see [`Ctx::set_line`]); 0: none.
    pub(crate) line: Cell<u32>,
    /// Accesses noted since the last operation (see [`Ctx::note_access`]).
    pub(crate) accesses: RefCell<Vec<(ObjId, bool, u32)>>,
}

impl Mailbox {
    /// Hands `op` to the kernel. A request still waiting (a unit that awaits two operations
    /// at once) is misuse: flagged, and the newer request stays.
    #[inline(always)]
    pub(crate) fn submit(&self, op: Op) {
        if self.req_head.get() != REQ_NONE {
            self.misuse.set(true);
        }
        match op.into_words() {
            Ok((head, word)) => {
                self.req_head.set(head);
                self.req_word.set(word);
            }
            Err(op) => {
                self.req_head.set(REQ_OP);
                // Matching on the previous request, rather than dropping it whole, spares
                // the drop glue in the usual case: the slot was empty.
                if let Some(previous) = self.request.replace(Some(op)) {
                    drop(previous);
                }
            }
        }
    }

    /// Takes the waiting request's head and number words (`REQ_NONE`: none is waiting;
    /// `REQ_OP`: the op is in [`Mailbox::take_op`]).
    #[inline(always)]
    pub(crate) fn take_words(&self) -> (u64, u64) {
        (self.req_head.replace(REQ_NONE), self.req_word.get())
    }

    /// Takes the waiting request that had no words.
    pub(crate) fn take_op(&self) -> Option<Op> {
        self.request.take()
    }

    /// Leaves a reply for the program, in the words [`Answer::into_words`] gives. A reply
    /// still waiting is replaced.
    #[inline(always)]
    pub(crate) fn put(&self, kind: u64, word: u64, other: Option<Box<Reply>>) {
        if other.is_some() {
            self.reply_other.set(other);
        }
        self.reply_kind.set(kind);
        self.reply_word.set(word);
    }

    pub(crate) fn put_reply(&self, reply: Reply) {
        let (kind, word, other) = Answer::pack(reply).into_words();
        self.put(kind, word, other);
    }

    /// Takes the waiting reply, if there is one.
    #[inline(always)]
    pub(crate) fn take_answer(&self) -> Option<Answer> {
        let word = self.reply_word.get();
        Some(match self.reply_kind.replace(NO_REPLY) {
            NO_REPLY => return None,
            REPLY_NONE => Answer::None,
            REPLY_BOOL => Answer::Bool(word != 0),
            REPLY_INT => Answer::Int(word as i64),
            REPLY_INT_VALUE => Answer::IntValue(word as i64),
            _ => Answer::Other(self.reply_other.take().unwrap_or_else(|| {
                Box::new(Err(PyError::runtime("internal error: a reply was lost")))
            })),
        })
    }
}

/// What kind of unit a spawn request creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SpawnKind {
    Thread,
    Process,
    Task,
    Callback,
    /// A thread started by `asyncio.to_thread` / `run_in_executor`.
    ExecutorThread,
}

pub(crate) struct UnitSpec {
    pub(crate) id: UnitId,
    pub(crate) name: String,
    pub(crate) kind: SpawnKind,
    pub(crate) parent: UnitId,
    pub(crate) program: Program,
    pub(crate) copy_context: bool,
}

/// How an object starts out.
#[derive(Clone, Debug)]
pub(crate) enum ObjInit {
    Lock(Flavor),
    RLock(Flavor),
    Semaphore {
        flavor: Flavor,
        value: i64,
        bounded: bool,
    },
    Event(Flavor),
    Condition {
        flavor: Flavor,
        lock: ObjId,
    },
    Barrier {
        flavor: Flavor,
        parties: i64,
        timeout: Option<Nanos>,
        has_action: bool,
    },
    Queue {
        flavor: Flavor,
        kind: QueueKind,
        maxsize: i64,
        joinable: bool,
    },
    Conn {
        peer: ObjId,
        readable: bool,
        writable: bool,
    },
    Var(Value),
    SharedValue {
        init: Value,
        lock: Option<ObjId>,
        array: bool,
    },
    ManagerDict,
    ManagerList,
    Future,
    ContextVar {
        default: Option<Value>,
    },
}

pub(crate) struct ObjSpec {
    pub(crate) id: ObjId,
    pub(crate) name: String,
    pub(crate) init: ObjInit,
    pub(crate) creator: UnitId,
}

/// Units and objects created by programs since the kernel last looked.
#[derive(Default)]
pub(crate) struct Registry {
    pub(crate) next_unit: Cell<u32>,
    pub(crate) next_obj: Cell<u32>,
    /// Something was registered since the kernel last drained the lists: one flag to test
    /// after every poll.
    pub(crate) fresh: Cell<bool>,
    pub(crate) units: RefCell<Vec<UnitSpec>>,
    pub(crate) objs: RefCell<Vec<ObjSpec>>,
}

impl Registry {
    pub(crate) fn add_unit(
        &self,
        name: String,
        kind: SpawnKind,
        parent: UnitId,
        program: Program,
        copy_context: bool,
    ) -> UnitId {
        let id = UnitId(self.next_unit.get());
        self.next_unit.set(id.0.saturating_add(1));
        self.fresh.set(true);
        self.units.borrow_mut().push(UnitSpec {
            id,
            name,
            kind,
            parent,
            program,
            copy_context,
        });
        id
    }

    pub(crate) fn add_obj(&self, name: String, init: ObjInit, creator: UnitId) -> ObjId {
        let id = ObjId::new(self.next_obj.get());
        self.next_obj.set(id.number().saturating_add(1));
        self.fresh.set(true);
        self.objs.borrow_mut().push(ObjSpec {
            id,
            name,
            init,
            creator,
        });
        id
    }
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

/// The future of one operation: it builds its `Op` with `make` when first polled, hands it
/// to the kernel through the mailbox, and converts the reply to `T` when the kernel answers.
/// One future, not an `async fn` wrapped around another, on the simulator's hottest path; the
/// conversion is a type parameter, so it inlines.
///
/// Building the op late matters: a future that held a whole op would write it when made and
/// copy it out on its first poll, moments later, and copying data just written stalls the
/// CPU. Most `make`s capture an id or a duration, which reads back as one word.
pub(crate) struct OpFuture<'a, F, T> {
    mailbox: &'a Mailbox,
    make: Option<F>,
    _to: std::marker::PhantomData<fn() -> T>,
}

// The future never pins `make`: it moves it out and calls it. So it may move itself.
impl<F, T> Unpin for OpFuture<'_, F, T> {}

impl<F: FnOnce() -> Op, T: FromRet> Future for OpFuture<'_, F, T> {
    type Output = PyResult<T>;

    #[inline(always)]
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<PyResult<T>> {
        if let Some(make) = self.make.take() {
            self.mailbox.submit(make());
            return Poll::Pending;
        }
        match self.mailbox.take_answer() {
            Some(answer) => Poll::Ready(match answer.unpack() {
                Ok(r) => T::from_ret(r),
                Err(e) => Err(e),
            }),
            None => Poll::Pending,
        }
    }
}

/// A type an operation's reply converts to.
pub(crate) trait FromRet: Sized {
    fn from_ret(r: Ret) -> PyResult<Self>;
}

impl FromRet for Ret {
    #[inline]
    fn from_ret(r: Ret) -> PyResult<Ret> {
        Ok(r)
    }
}

impl FromRet for () {
    #[inline]
    fn from_ret(r: Ret) -> PyResult<()> {
        // `Ret::None` owns nothing: forgetting it spares an out-of-line drop on every reply.
        if matches!(r, Ret::None) {
            std::mem::forget(r);
        } else {
            drop(r);
        }
        Ok(())
    }
}

impl FromRet for bool {
    #[inline]
    fn from_ret(r: Ret) -> PyResult<bool> {
        if let Ret::Bool(b) = r {
            // Owns nothing, as for `()`: no out-of-line drop.
            std::mem::forget(r);
            return Ok(b);
        }
        Err(unexpected(&r))
    }
}

impl FromRet for i64 {
    #[inline]
    fn from_ret(r: Ret) -> PyResult<i64> {
        match r {
            Ret::Int(i) => Ok(i),
            other => Err(unexpected(&other)),
        }
    }
}

impl FromRet for Value {
    fn from_ret(r: Ret) -> PyResult<Value> {
        match r {
            Ret::Value(v) => Ok(v),
            Ret::None => Ok(Value::None),
            Ret::Bool(b) => Ok(Value::Bool(b)),
            Ret::Int(i) => Ok(Value::Int(i)),
            other => Err(unexpected(&other)),
        }
    }
}

pub(crate) fn unexpected(ret: &Ret) -> PyError {
    PyError::runtime(format!("internal error: unexpected reply {ret:?}"))
}

impl Ctx {
    /// This unit's id.
    pub fn id(&self) -> UnitId {
        self.unit
    }

    /// An operation whose reply converts to `T`, built by `make` when first polled.
    fn request<F: FnOnce() -> Op, T: FromRet>(&self, make: F) -> OpFuture<'_, F, T> {
        OpFuture {
            mailbox: &self.mailbox,
            make: Some(make),
            _to: std::marker::PhantomData,
        }
    }

    pub(crate) fn op<F: FnOnce() -> Op>(&self, make: F) -> OpFuture<'_, F, Ret> {
        self.request(make)
    }

    pub(crate) fn op_unit<F: FnOnce() -> Op>(&self, make: F) -> OpFuture<'_, F, ()> {
        self.request(make)
    }

    pub(crate) fn op_bool<F: FnOnce() -> Op>(&self, make: F) -> OpFuture<'_, F, bool> {
        self.request(make)
    }

    pub(crate) fn op_int<F: FnOnce() -> Op>(&self, make: F) -> OpFuture<'_, F, i64> {
        self.request(make)
    }

    pub(crate) fn op_value<F: FnOnce() -> Op>(&self, make: F) -> OpFuture<'_, F, Value> {
        self.request(make)
    }

    pub(crate) fn new_obj(&self, name: impl Into<String>, init: ObjInit) -> ObjId {
        self.registry.add_obj(name.into(), init, self.unit)
    }

    // ---- time -------------------------------------------------------------------------------

    /// Runs Python code for `d` of CPU time. Needs a core, and the GIL when there is one.
    pub fn compute(&self, d: Nanos) -> impl Future<Output = PyResult<()>> + '_ {
        self.op_unit(move || Op::Compute(d))
    }

    /// `time.sleep(d)`: blocks the thread (and, inside a task, the whole event loop) and
    /// releases the GIL.
    pub fn sleep(&self, d: Nanos) -> impl Future<Output = PyResult<()>> + '_ {
        self.op_unit(move || Op::Sleep(d))
    }

    /// A blocking system call that takes `d` (file, socket, child process). Releases the GIL.
    pub fn io(&self, d: Nanos) -> impl Future<Output = PyResult<()>> + '_ {
        self.op_unit(move || Op::Io(d, None))
    }

    /// Like [`Ctx::io`] with a label shown on the lane, e.g. `"GET /a"`.
    pub async fn io_labelled(&self, d: Nanos, label: impl Into<String>) -> PyResult<()> {
        self.op_unit(move || Op::Io(d, Some(label.into().into_boxed_str())))
            .await
    }

    /// `await asyncio.sleep(d)`: suspends only this task. Outside a task: `RuntimeError`.
    pub async fn asleep(&self, d: Nanos) -> PyResult<()> {
        self.op_unit(move || Op::AsyncSleep(d)).await
    }

    /// The current virtual time (`time.monotonic()` relative to the start).
    pub async fn now(&self) -> PyResult<Nanos> {
        let t = self.op_int(move || Op::Now).await?;
        Ok(u64::try_from(t).unwrap_or(0))
    }

    /// `print(...)`: recorded in the trace's output with the time and unit.
    pub async fn print(&self, line: impl Into<String>) -> PyResult<()> {
        self.op_unit(move || Op::Print(line.into())).await
    }

    /// Records a named result of the program (shown under the timeline, asserted by tests).
    pub async fn set_result(
        &self,
        key: impl Into<String>,
        value: impl Into<Value>,
    ) -> PyResult<()> {
        self.op_unit(move || Op::SetResult(Box::new((key.into(), value.into()))))
            .await
    }

    /// A number in `0..bound` from the run's seeded generator (`random.randrange(bound)`).
    pub async fn random_below(&self, bound: u64) -> PyResult<u64> {
        let r = self.op_int(move || Op::Random(bound)).await?;
        Ok(u64::try_from(r).unwrap_or(0))
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

    /// Every request that travels as words comes back as the same op, and the mailbox hands
    /// words and whole ops back in the order of the protocol.
    #[test]
    fn requests_round_trip_through_the_mailbox() {
        use super::{Deadline, Mailbox, ObjOp, Op, REQ_NONE, REQ_OP};
        use crate::ObjId;
        let o = ObjId::new(7);
        let big = ObjId::new(u32::MAX - 1);
        let deadlines = [
            Deadline::Never,
            Deadline::In(0),
            Deadline::In(u64::MAX),
            Deadline::At(12_345),
        ];
        let mut ops = vec![
            Op::Compute(0),
            Op::Compute(u64::MAX),
            Op::Sleep(17),
            Op::Obj(o, ObjOp::Release(1)),
            Op::Obj(big, ObjOp::Release(u32::MAX)),
        ];
        for d in deadlines {
            for flag in [false, true] {
                ops.push(Op::acquire(o, flag, d));
                ops.push(Op::acquire(big, flag, d));
                ops.push(Op::Obj(
                    o,
                    ObjOp::Get {
                        block: flag,
                        deadline: d,
                    },
                ));
            }
            ops.push(Op::Obj(big, ObjOp::Wait(d)));
        }
        let mailbox = Mailbox::default();
        for op in ops {
            let want = format!("{op:?}");
            let (head, word) = op.clone().into_words().expect("travels as words");
            let back = Op::from_words(head, word).expect("a kind with words");
            assert_eq!(format!("{back:?}"), want);
            mailbox.submit(op);
            let (head, word) = mailbox.take_words();
            assert_eq!(
                format!("{:?}", Op::from_words(head, word)),
                format!("Some({want})")
            );
            assert_eq!(mailbox.take_words().0, REQ_NONE);
        }
        // An op without words travels whole.
        mailbox.submit(Op::Print("hi".into()));
        assert_eq!(mailbox.take_words().0, REQ_OP);
        assert!(matches!(mailbox.take_op(), Some(Op::Print(s)) if s == "hi"));
        assert!(!mailbox.misuse.get());
        // A second request while one waits is misuse, whichever way each travels.
        mailbox.submit(Op::Compute(1));
        mailbox.submit(Op::Print("again".into()));
        assert!(mailbox.misuse.get());
        assert!(Op::from_words(REQ_NONE, 0).is_none());
        assert!(Op::from_words(REQ_OP, 0).is_none());
    }
}
