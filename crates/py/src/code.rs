//! The bytecode: what `compile` produces and `vm` runs. One [`Code`] per module, function,
//! class body, lambda and comprehension, each a flat list of [`Op`]s with a source line per op.
//!
//! Ops that CPython (3.10 and later) ends with an eval-breaker check — where another thread may
//! take the GIL — say so through [`Op::is_breaker`]: loop back-edges, function entry and the end
//! of calls. Everything between two breaker points runs without a GIL hand-over on 3.11.

use std::rc::Rc;

use crate::ast::{BinOp, CmpOp, UnaryOp};
use crate::obj::Val;

/// An index into a [`Code`]'s instructions.
pub type Label = u32;

/// One instruction. `Copy` and small (8 bytes), so the VM reads it without touching a refcount.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    Nop,
    /// Function entry and resumption after `yield`: an eval-breaker point.
    Resume,
    LoadConst(u32),
    LoadFast(u32),
    StoreFast(u32),
    DeleteFast(u32),
    /// A cell (a captured variable) by index into the frame's cells.
    LoadDeref(u32),
    StoreDeref(u32),
    DeleteDeref(u32),
    /// In a class body: the class namespace first, then the enclosing function's cell.
    LoadClassDeref(u32),
    /// Pushes the cell itself, to build a closure.
    LoadClosure(u32),
    LoadGlobal(u32),
    StoreGlobal(u32),
    DeleteGlobal(u32),
    /// Class bodies: the namespace, then globals, then builtins.
    LoadName(u32),
    StoreName(u32),
    DeleteName(u32),
    LoadAttr(u32),
    /// `obj.name` for a call: pushes `obj` and its class's function when `name` is a plain
    /// method (of a Python class, or a built-in's native one), else the marker
    /// `NotImplemented` (never a receiver here) and the attribute's value.
    LoadMethod(u32),
    /// `CallMethod(n)`: calls what LoadMethod left, with `obj` first when it left one.
    CallMethod(u32),
    StoreAttr(u32),
    DeleteAttr(u32),
    Subscr,
    StoreSubscr,
    DeleteSubscr,
    Binary(BinOp),
    Inplace(BinOp),
    Unary(UnaryOp),
    Compare(CmpOp),
    Jump(Label),
    /// A loop's back-edge: an eval-breaker point.
    JumpBack(Label),
    PopJumpIfFalse(Label),
    PopJumpIfTrue(Label),
    JumpIfFalseOrPop(Label),
    JumpIfTrueOrPop(Label),
    GetIter,
    /// `async for`: an async generator as it is, any other async iterable through
    /// `__aiter__` wrapped in one (`_pybuiltins._aiter`); `ForIter` then steps it.
    GetAIter,
    /// Pushes the iterator's next value, or pops the iterator and jumps when it is exhausted.
    ForIter(Label),
    BuildList(u32),
    BuildTuple(u32),
    BuildSet(u32),
    /// `n` key/value pairs.
    BuildMap(u32),
    BuildSlice(u32),
    /// Comprehensions: append TOS to the list/set/dict `depth` below it (after popping).
    ListAppend(u32),
    SetAdd(u32),
    MapAdd(u32),
    /// Star-unpacking in displays and calls: extend the list below TOS with TOS.
    ListExtend(u32),
    /// Merge the mapping TOS into the dict below it (`**` in displays; `merge` checks keys).
    DictUpdate(u32),
    DictMerge(u32),
    ListToTuple,
    UnpackSequence(u32),
    /// `a, *b, c = ...`: `before` and `after` the starred target.
    UnpackEx(u16, u16),
    /// Positional call: the function, then `n` arguments.
    Call(u32),
    /// The function, `n` arguments, then a tuple of keyword names (the last `len` arguments).
    CallKw(u32),
    /// `f(*args)` / `f(*args, **kwargs)`: the function, a tuple, and (flag) a dict.
    CallEx(bool),
    /// Builds a function from the code constant on TOS; flags: 1 defaults tuple, 2 keyword
    /// defaults dict, 4 closure tuple (pushed in that order below the code).
    MakeFunction(u8),
    /// Runs a class body: TOS is the body's function, below it `n` bases; keyword-free.
    BuildClass(u32),
    ReturnValue,
    YieldValue,
    /// `yield from` / `await`: TOS is the value to send, below it the sub-iterator.
    YieldFrom,
    GetAwaitable,
    Pop,
    Dup,
    Dup2,
    Rot2,
    Rot3,
    Rot4,
    /// Pushes an exception handler / `finally` block that catches from here until `PopBlock`.
    SetupExcept(Label),
    SetupFinally(Label),
    PopBlock,
    /// Leaves an `except` body: the exception being handled is forgotten.
    PopExcept,
    /// Re-raises the exception on TOS (the end of an unmatched handler or of `finally`).
    Reraise,
    /// `raise` (0), `raise exc` (1), `raise exc from cause` (2).
    Raise(u8),
    /// TOS: a class or tuple of classes; below it the exception (left in place). Pushes whether
    /// it matches.
    CheckExcMatch,
    /// `with`: TOS is the context manager. Pushes `__exit__` and the result of `__enter__`
    /// and sets up a `finally` block to the label.
    SetupWith(Label),
    /// `async with`: like `SetupWith` with `__aenter__`/`__aexit__`; the awaitable that
    /// `__aenter__` returns is left for the following `await` ops.
    SetupAsyncWith(Label),
    /// The normal end of a `with` body: calls `__exit__(None, None, None)`.
    WithExitNormal,
    /// In the `with` handler: calls `__exit__(type, exc, tb)`; pushes whether to suppress.
    WithExitExcept,
    /// f-strings: convert (0 none, 1 str, 2 repr, 3 ascii) and format with the spec on TOS
    /// when `spec` is set.
    FormatValue(u8, bool),
    BuildString(u32),
    ImportName(u32),
    ImportFrom(u32),
    ImportStar,
    /// Pushes `AssertionError` (so a shadowed name cannot change `assert`).
    LoadAssertionError,
    /// Pushes the current exception (for a bare `raise` check and `except` bodies).
    PushExcInfo,
    /// Pops `lambda: <what the loop waits for>` and declares it for the wait that follows;
    /// the constant is `(text, first op, end op, ops that built the lambda)` of that wait (see
    /// `StmtKind::WaitIn`). Costs no virtual time and refunds the ops that built the lambda:
    /// CPython runs none of them.
    Awaiting(u32),
}

impl Op {
    /// Whether CPython 3.10+ checks the eval breaker at this instruction.
    #[inline]
    pub fn is_breaker(self) -> bool {
        matches!(
            self,
            Op::Resume
                | Op::JumpBack(_)
                | Op::Call(_)
                | Op::CallMethod(_)
                | Op::CallKw(_)
                | Op::CallEx(_)
        )
    }
}

/// How a function takes its arguments.
#[derive(Clone, Debug, Default)]
pub struct Signature {
    /// Positional parameters (positional-only first), then keyword-only ones, in local slots
    /// `0..`; then `*args` and `**kwargs` if present.
    pub names: Vec<Rc<str>>,
    pub posonly: usize,
    pub positional: usize,
    pub kwonly: usize,
    pub vararg: bool,
    pub kwarg: bool,
}

/// What kind of body a code object is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    Module,
    Function,
    Class,
    Lambda,
    Comprehension,
}

/// A compiled body.
#[derive(Debug)]
pub struct Code {
    pub name: Rc<str>,
    /// The file it came from, for tracebacks.
    pub filename: Rc<str>,
    pub qualname: Rc<str>,
    pub kind: CodeKind,
    pub ops: Vec<Op>,
    /// The source line of each op.
    pub lines: Vec<u32>,
    /// The source range of each op's expression (CPython's positions), for traceback carets.
    pub spans: Vec<Span>,
    pub consts: Vec<Val>,
    /// Global, attribute and imported names.
    pub names: Vec<Rc<str>>,
    /// Local variable names (parameters first); `locals.len()` slots per frame.
    pub locals: Vec<Rc<str>>,
    /// Locals captured by inner functions, then variables captured from outer ones.
    pub cellvars: Vec<Rc<str>>,
    pub freevars: Vec<Rc<str>>,
    /// For each cell var that is also a parameter, its local slot (copied in at entry).
    pub cell_params: Vec<(u32, u32)>,
    pub sig: Signature,
    pub is_generator: bool,
    pub is_coroutine: bool,
    pub first_line: u32,
    /// Where each global name was last found, per name: checked against the dicts' identity
    /// and version before use, so a stale entry is never read.
    pub global_cache: std::cell::RefCell<Vec<GlobalSlot>>,
}

/// A cached global lookup: the module's globals (by address) at a version, and where the
/// name was: in the globals at a position, or in the builtins at a position and version.
#[derive(Clone, Copy, Debug, Default)]
pub struct GlobalSlot {
    pub globals: usize,
    pub version: u64,
    pub pos: usize,
    /// `Some(builtins version)` when the name came from the builtins.
    pub builtins: Option<u64>,
}

/// Where an op's expression stands in the source, as CPython's instruction positions: from
/// `line:col` to `end_line:end_col` (1-based character columns, the end exclusive); `col == 0`
/// when the op belongs to a statement as a whole.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub line: u32,
    pub col: u32,
    pub end_line: u32,
    pub end_col: u32,
    pub anchor: Anchor,
}

/// The part of an expression that CPython's carets mark with `^` (the rest with `~`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Anchor {
    #[default]
    None,
    /// `left op right`: where `left` ends and `right` starts.
    BinOp { left_end: u32, right_start: u32 },
    /// `value[index]`: where `value` ends and `index` ends.
    Subscript { value_end: u32, index_end: u32 },
}

impl Code {
    /// The source range of the op at `ip`.
    pub fn span_at(&self, ip: usize) -> Span {
        self.spans.get(ip).copied().unwrap_or_default()
    }

    /// The line of the op at `ip`.
    pub fn line_at(&self, ip: usize) -> u32 {
        self.lines.get(ip).copied().unwrap_or(self.first_line)
    }
}
