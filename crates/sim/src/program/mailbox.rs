//! The per-unit mailbox (one request slot, one reply slot) and the registry through which
//! programs create units and objects synchronously.

use std::cell::{Cell, RefCell};

use crate::error::PyError;
use crate::ids::{ObjId, UnitId};
use crate::time::Nanos;
use crate::value::Value;

use super::*;

/// One request slot and one reply slot per unit.
#[derive(Default)]
pub(crate) struct Mailbox {
    /// The request waiting for the kernel: a [`Quick`] one as [`Quick::into_words`] gives
    /// it, the head word (`REQ_NONE`: none; `REQ_OP`: the op is in `request`) and the
    /// number word; any other op itself.
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
    /// Hands a request to the kernel. A request still waiting (a unit that awaits two
    /// operations at once) is misuse: flagged, and the newer request stays.
    #[inline(always)]
    pub(crate) fn submit(&self, req: impl Submit) {
        if self.req_head.get() != REQ_NONE {
            self.misuse.set(true);
        }
        req.submit_to(self);
    }

    #[inline(always)]
    fn put_words(&self, q: Quick) {
        let (head, word) = q.into_words();
        self.req_head.set(head);
        self.req_word.set(word);
    }

    fn put_op(&self, op: Op) {
        self.req_head.set(REQ_OP);
        // Matching on the previous request, rather than dropping it whole, spares the drop
        // glue in the usual case: the slot was empty.
        if let Some(previous) = self.request.replace(Some(op)) {
            drop(previous);
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

/// A request a program can hand to its mailbox: a [`Quick`] one travels as words, any other
/// [`Op`] whole.
pub(crate) trait Submit {
    fn submit_to(self, mailbox: &Mailbox);
}

impl Submit for Quick {
    #[inline(always)]
    fn submit_to(self, mailbox: &Mailbox) {
        mailbox.put_words(self);
    }
}

impl Submit for Op {
    #[inline(always)]
    fn submit_to(self, mailbox: &Mailbox) {
        mailbox.put_op(self);
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
