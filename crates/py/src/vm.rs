//! The virtual machine: runs bytecode on an explicit frame stack. A simulated thread is one
//! [`Vm`]; [`Vm::run`] executes until the thread needs the simulator — CPU time to charge at an
//! eval-breaker point, a blocking operation, or the end — and returns an [`Exit`]. Resuming is
//! calling `run` again: suspension costs nothing at any instruction, and Python calls,
//! generators and coroutines are frames on the heap, never recursion on the Rust stack.
//!
//! The only Rust recursion is [`Vm::call_nested`], used when a built-in must call back into
//! Python (a `key=` function, `__repr__`, `__eq__` ...). Such a call may not block on the
//! simulator: it gets a clear `RuntimeError` instead.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use crate::ast::BinOp;
use crate::code::{Code, Op};
use crate::natives::SimCall;
use crate::obj::*;
use crate::ops;
use crate::world::{Model, World};

/// A Python exception (an instance of an exception class) as a Rust error.
pub type Res<T> = Result<T, Val>;

/// A built-in function: receives the VM and the call's arguments.
pub type NativeFn = fn(&mut Vm, Args) -> Res<Flow>;

/// A call's arguments.
#[derive(Debug, Default)]
pub struct Args {
    pub pos: Vec<Val>,
    pub kw: Vec<(Rc<str>, Val)>,
}

impl Args {
    pub fn new(pos: Vec<Val>) -> Args {
        Args {
            pos,
            kw: Vec::new(),
        }
    }

    /// Takes a keyword argument by name.
    pub fn take_kw(&mut self, name: &str) -> Option<Val> {
        let i = self.kw.iter().position(|(k, _)| k.as_ref() == name)?;
        Some(self.kw.remove(i).1)
    }

    /// Positional `i`, or keyword `name`, or `None`.
    pub fn arg(&mut self, i: usize, name: &str) -> Option<Val> {
        if let Some(v) = self.take_kw(name) {
            return Some(v);
        }
        self.pos.get(i).cloned()
    }
}

/// What a built-in asks the VM to do.
pub enum Flow {
    /// Return this value.
    Val(Val),
    /// Block on the simulator; the reply is the call's value.
    Sim(SimCall),
    /// Call this instead; its result is the call's result.
    Call(Val, Args),
    /// Resume a generator with a value (or throw into it); the value it yields is the result.
    Resume(Rc<RefCell<Gen>>, Val, Option<Val>),
    /// `generator.close()`: throw `GeneratorExit` in; the result is `None`.
    Close(Rc<RefCell<Gen>>, Val),
}

/// Why `run` returned.
pub enum Exit {
    /// Charge this much CPU time (an eval-breaker point); then call `run` again.
    Charge(u64),
    /// Charge the first (possibly 0), then perform the operation and `resume` with its reply.
    Sim(u64, SimCall),
    /// The thread's entry function returned (the time still to charge, the value).
    Done(u64, Val),
    /// It raised and nothing caught it.
    Error(u64, Val),
}

/// How a frame hands its result on.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Push the result on the caller's stack.
    Normal,
    /// `__init__`: the result must be `None`; push the instance.
    Init(Val),
    /// A class body: build the class from the namespace and push it.
    Class(Rc<str>, Rc<str>, Vec<Rc<Class>>),
    /// A generator: how it was resumed decides what its yield or return does.
    Gen(Rc<RefCell<Gen>>, GenResume),
    /// The thread's entry: returning ends `run`.
    Top,
    /// A nested call from a built-in: returning ends that `run_nested`.
    Nested,
    /// Discard the result (a callback whose value nobody wants).
    Discard,
    /// A user iterator's `__next__` called by `for`: its value is pushed; `StopIteration`
    /// out of it ends the loop (pops the iterator, jumps to the label).
    ForNext(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenResume {
    /// By `for`: exhaustion jumps to the loop's end.
    ForIter(u32),
    /// By `next()`/`send()`: exhaustion raises `StopIteration`.
    Call,
    /// By `yield from`/`await`: a yield is passed outward; the return value is the result.
    YieldFrom,
    /// By `close()`: the generator must finish; the result is `None`.
    Close,
    /// As the entry of a task unit: its return ends `run`.
    Entry,
}

#[derive(Debug, Clone, Copy)]
pub struct Block {
    pub handler: u32,
    pub stack_depth: usize,
    pub exc_depth: usize,
}

/// One activation of a code object.
#[derive(Debug)]
pub struct Frame {
    /// Unique in its thread: traceback entries name frames by it.
    pub id: u64,
    pub code: Rc<Code>,
    pub ip: usize,
    pub locals: Vec<Option<Val>>,
    pub cells: Vec<Rc<RefCell<Option<Val>>>>,
    pub globals: Rc<Module>,
    /// A class body's namespace.
    pub ns: Option<Rc<RefCell<Dict>>>,
    pub blocks: Vec<Block>,
    pub stack_base: usize,
    pub exc_base: usize,
    pub mode: Mode,
    pub func: Option<Rc<Function>>,
}

/// Stop a thread after this many frames (CPython's default recursion limit).
pub const MAX_FRAMES: usize = 1000;
/// Nested calls from built-ins (each uses some Rust stack).
pub const MAX_NESTED: u32 = 20;

/// One simulated thread's interpreter state.
pub struct Vm {
    pub world: Rc<World>,
    pub frames: Vec<Frame>,
    pub stack: Vec<Val>,
    /// Exceptions being handled (`sys.exc_info()`), innermost last.
    pub exc_info: Vec<Val>,
    /// CPU time run since the last charge, in virtual nanoseconds.
    pub pending_ns: u64,
    /// The simulator handle of the unit this thread runs as.
    pub cx: interleave_sim::Ctx,
    /// The `threading.Thread` (or process) object this VM runs, for `current_thread()`.
    pub current: Val,
    nested: u32,
    /// What the running code declared it waits for (`StmtKind::WaitIn`, `_expecting`); see
    /// [`Vm::awaiting`].
    pub(crate) awaiting: Option<crate::wakeup::Declared>,
    /// A blocking call a built-in asked for: `run` returns it as `Exit::Sim`.
    blocked: Option<SimCall>,
    /// The error reply of a blocking call, raised when `run` is called again.
    pending_raise: Option<Val>,
    /// The blocking call's value is not wanted (a property setter, `__setitem__`).
    discard_reply: bool,
    /// Instructions executed (for the instruction limit and the benchmark).
    pub instructions: u64,
    /// Set when a limit stopped the thread: the error it raised cannot be caught.
    pub stopped: bool,
    /// The `contextvars.Context` this unit runs in (`None`: an empty one, made on first use).
    /// A task starts in a copy of its creator's; a thread starts empty, as in CPython.
    pub context: Val,
    /// The simulator unit of the thread this code runs in: its own for a thread, the loop's
    /// thread for an asyncio task or callback (`get_ident`, `threading.local`).
    pub thread_unit: u32,
    /// Emptied `locals` vectors of returned frames, reused by the next calls.
    locals_pool: Vec<Vec<Option<Val>>>,
    next_frame_id: u64,
}

impl std::fmt::Debug for Vm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Vm({} frames)", self.frames.len())
    }
}

/// Control inside the loop after an op.
pub enum Next {
    Continue,
    /// The frame stack changed: reload the top frame.
    Reload,
    Exit(Exit),
}

impl Vm {
    pub fn new(world: Rc<World>, cx: interleave_sim::Ctx, current: Val) -> Vm {
        let thread_unit = cx.id().0;
        Vm {
            thread_unit,
            locals_pool: Vec::new(),
            world,
            frames: Vec::new(),
            stack: Vec::new(),
            exc_info: Vec::new(),
            pending_ns: 0,
            cx,
            current,
            nested: 0,
            awaiting: None,
            blocked: None,
            pending_raise: None,
            discard_reply: false,
            instructions: 0,
            stopped: false,
            context: Val::None,
            next_frame_id: 0,
        }
    }

    /// Starts the thread: its entry is `func(*args)`. Returns an exit if the call finished
    /// at once (a built-in), else sets up the frame for `run`.
    pub fn start(&mut self, func: Val, args: Args) -> Option<Exit> {
        match self.call_value(func, args, Mode::Top) {
            Ok(Some(v)) => Some(Exit::Done(self.take_pending(), v)),
            Ok(None) => self
                .blocked
                .take()
                .map(|call| Exit::Sim(self.take_pending(), call)),
            Err(e) => Some(Exit::Error(self.take_pending(), e)),
        }
    }

    /// Starts running a coroutine as the entry of this unit (an asyncio task).
    pub fn start_coroutine(&mut self, coro: Val) -> Res<()> {
        match coro {
            Val::Gen(g) => self.resume_gen(g, Val::None, None, GenResume::Entry),
            other => {
                let tn = self.world.type_name(&other);
                Err(self.type_error(format!("a coroutine was expected, got {tn}")))
            }
        }
    }

    /// Starts running a module's code as the thread's entry.
    pub fn start_module(&mut self, code: Rc<Code>, module: Rc<Module>) {
        let id = self.new_frame_id();
        let frame = Frame {
            id,
            locals: Vec::new(),
            cells: Vec::new(),
            globals: module,
            ns: None,
            blocks: Vec::new(),
            stack_base: self.stack.len(),
            exc_base: self.exc_info.len(),
            mode: Mode::Top,
            func: None,
            ip: 0,
            code,
        };
        self.frames.push(frame);
    }

    fn new_frame_id(&mut self) -> u64 {
        self.next_frame_id += 1;
        self.next_frame_id
    }

    fn take_pending(&mut self) -> u64 {
        std::mem::take(&mut self.pending_ns)
    }

    /// Delivers the reply of a blocking call.
    pub fn resume(&mut self, reply: Result<Val, Val>) {
        match reply {
            Ok(_) if std::mem::take(&mut self.discard_reply) => {}
            Ok(v) => self.stack.push(v),
            Err(e) => {
                self.pending_raise = Some(e);
            }
        }
    }

    // ---- errors -----------------------------------------------------------------------------

    /// A new exception of a built-in class.
    pub fn exc(&self, class: &str, msg: impl Into<String>) -> Val {
        self.world.new_exc(class, msg.into())
    }

    pub fn type_error(&self, msg: impl Into<String>) -> Val {
        self.exc("TypeError", msg)
    }

    pub fn value_error(&self, msg: impl Into<String>) -> Val {
        self.exc("ValueError", msg)
    }

    // ---- shared accesses, for the race detector -----------------------------------------------

    /// Notes an access to global `names[i]` of frame `top`'s module.
    #[inline(never)]
    fn note_global(&mut self, top: usize, i: u32, write: bool) {
        let name = self.name(top, i);
        let g = Val::Module(self.frames[top].globals.clone());
        self.note_location(&g, name, write);
    }

    /// Notes an access to location (`obj`, `name`): a global of a module, an attribute of an
    /// instance, or `[]` for a list's or dict's items. Only in code of the program itself
    /// (the preludes' own bookkeeping would be noise) and only once tracking is on.
    #[inline(never)]
    pub fn note_location(&mut self, obj: &Val, name: Rc<str>, write: bool) {
        if self
            .frames
            .last()
            .is_some_and(|f| f.code.filename.starts_with("<stdlib>"))
        {
            return;
        }
        let key = (obj.addr(), name);
        let known = self.world.locations.borrow().get(&key).map(|(id, _)| *id);
        let id = match known {
            Some(id) => id,
            None => {
                let label = match obj {
                    Val::Module(_) => key.1.to_string(),
                    Val::Obj(o) => format!("{}.{}", o.class.name, key.1),
                    other => format!("{} items", self.world.type_name(other)),
                };
                let id = self.cx.var(&label, interleave_sim::Value::None).id;
                self.world
                    .locations
                    .borrow_mut()
                    .insert(key, (id, obj.clone()));
                id
            }
        };
        self.cx.set_line(self.current_line());
        self.cx.note_access(id, write);
    }

    /// The line of the innermost frame of the program itself (not of a prelude module), or 0.
    pub fn user_line(&self) -> u32 {
        self.frames
            .iter()
            .rev()
            .find(|f| !f.code.filename.starts_with("<stdlib>"))
            .map_or(0, |f| f.code.line_at(f.ip.saturating_sub(1)))
    }

    /// The line the current frame is at.
    pub fn current_line(&self) -> u32 {
        self.frames
            .last()
            .map(|f| f.code.line_at(f.ip.saturating_sub(1)))
            .unwrap_or(0)
    }

    // ---- the loop ---------------------------------------------------------------------------

    /// Runs until the thread needs the simulator or ends.
    pub fn run(&mut self) -> Exit {
        if let Some(e) = self.pending_raise.take()
            && let Some(exit) = self.raise(e, 0)
        {
            return exit;
        }
        loop {
            if self.frames.is_empty() {
                // The entry was a built-in that blocked: its reply is the thread's result.
                let v = self.pop();
                return Exit::Done(self.take_pending(), v);
            }
            match self.run_frames(0) {
                Next::Exit(e) => return e,
                Next::Continue | Next::Reload => {}
            }
        }
    }

    /// Calls a Python callable from a built-in and runs it to completion.
    pub fn call_nested(&mut self, func: Val, args: Args) -> Res<Val> {
        if self.nested >= MAX_NESTED {
            return Err(self.exc(
                "RecursionError",
                "maximum recursion depth exceeded (nested calls from built-ins)",
            ));
        }
        let depth = self.frames.len();
        if let Some(v) = self.call_value(func, args, Mode::Nested)? {
            return Ok(v);
        }
        if let Some(call) = self.blocked.take() {
            let what = call.what();
            return Err(self.exc(
                "RuntimeError",
                format!(
                    "{what} cannot block inside a call made by a built-in function \
                     (for example a key= function or __repr__) in the playground"
                ),
            ));
        }
        self.nested += 1;
        let result = loop {
            match self.run_frames(depth) {
                Next::Continue | Next::Reload => {
                    if self.frames.len() <= depth {
                        break self.stack.pop().ok_or(Val::None);
                    }
                }
                Next::Exit(Exit::Error(ns, e)) => {
                    self.pending_ns += ns;
                    break Err(e);
                }
                Next::Exit(Exit::Done(ns, v)) => {
                    self.pending_ns += ns;
                    break Ok(v);
                }
                Next::Exit(Exit::Charge(ns)) => {
                    self.pending_ns += ns;
                }
                Next::Exit(Exit::Sim(ns, call)) => {
                    self.pending_ns += ns;
                    let what = call.what();
                    // Unwind the nested frames: the call cannot block here.
                    self.truncate_frames(depth);
                    break Err(self.exc(
                        "RuntimeError",
                        format!(
                            "{what} cannot block inside a call made by a built-in function \
                             (for example a key= function or __repr__) in the playground"
                        ),
                    ));
                }
            }
        };
        self.nested -= 1;
        result
    }

    fn truncate_frames(&mut self, depth: usize) {
        while self.frames.len() > depth {
            if let Some(f) = self.frames.pop() {
                self.stack.truncate(f.stack_base);
                self.exc_info.truncate(f.exc_base);
            }
        }
    }

    /// The inner loop: runs frames above `floor` until an exit or until the frame stack
    /// drops to `floor`.
    fn run_frames(&mut self, floor: usize) -> Next {
        let model = self.world.model;
        let flush = self.world.flush_ns;
        let costs = self.world.costs;
        'reload: loop {
            if self.frames.len() <= floor {
                return Next::Continue;
            }
            let top = self.frames.len() - 1;
            let code = self.frames[top].code.clone();
            let mut ip = self.frames[top].ip;
            loop {
                let Some(&op) = code.ops.get(ip) else {
                    // Falling off the end cannot happen (every body ends in a return).
                    self.frames[top].ip = ip;
                    let e = self.exc("SystemError", "ran past the end of a code object");
                    match self.raise(e, floor) {
                        Some(exit) => return Next::Exit(exit),
                        None => continue 'reload,
                    }
                };
                ip += 1;
                self.instructions += 1;
                self.pending_ns += match op {
                    Op::Call(_) | Op::CallMethod(_) | Op::CallKw(_) | Op::CallEx(_) => costs.call,
                    Op::Nop | Op::Resume | Op::Awaiting(_) => 0,
                    _ => costs.op,
                };
                // 3.9 and free-threaded builds may switch before any instruction.
                if model != Model::Py311
                    && self.pending_ns >= flush
                    && self.nested == 0
                    && !matches!(op, Op::Resume)
                {
                    self.frames[top].ip = ip - 1;
                    self.pending_ns -= match op {
                        Op::Call(_) | Op::CallMethod(_) | Op::CallKw(_) | Op::CallEx(_) => {
                            costs.call
                        }
                        _ => costs.op,
                    };
                    self.instructions -= 1;
                    return Next::Exit(Exit::Charge(self.take_pending()));
                }
                self.frames[top].ip = ip;
                if op.is_breaker() && self.instructions > self.world.shared.max_instructions {
                    let e = self.limit_exceeded();
                    match self.raise(e, floor) {
                        Some(exit) => return Next::Exit(exit),
                        None => continue 'reload,
                    }
                }
                let next = self.exec(op, top, floor);
                if self.blocked.is_some()
                    && let Some(call) = self.blocked.take()
                {
                    if let Err(e) = &next {
                        let e = e.clone();
                        match self.raise(e, floor) {
                            Some(exit) => return Next::Exit(exit),
                            None => continue 'reload,
                        }
                    }
                    return Next::Exit(Exit::Sim(self.take_pending(), call));
                }
                match next {
                    Ok(Next::Continue) => {
                        if op.is_breaker()
                            && model == Model::Py311
                            && self.pending_ns >= flush
                            && self.nested == 0
                        {
                            return Next::Exit(Exit::Charge(self.take_pending()));
                        }
                        match self.frames.get(top) {
                            Some(f) if self.frames.len() == top + 1 => ip = f.ip,
                            _ => continue 'reload,
                        }
                    }
                    Ok(Next::Reload) => {
                        if op.is_breaker()
                            && model == Model::Py311
                            && self.pending_ns >= flush
                            && self.nested == 0
                            && self.frames.len() > floor
                        {
                            return Next::Exit(Exit::Charge(self.take_pending()));
                        }
                        continue 'reload;
                    }
                    Ok(Next::Exit(e)) => return Next::Exit(e),
                    Err(exc) => match self.raise(exc, floor) {
                        Some(exit) => return Next::Exit(exit),
                        None => continue 'reload,
                    },
                }
            }
        }
    }

    #[inline]
    fn push(&mut self, v: Val) {
        self.stack.push(v);
    }

    #[inline]
    fn pop(&mut self) -> Val {
        self.stack.pop().unwrap_or_default()
    }

    #[inline]
    fn peek(&self, depth: usize) -> Val {
        let n = self.stack.len();
        if depth < n {
            self.stack[n - 1 - depth].clone()
        } else {
            Val::None
        }
    }

    fn popn(&mut self, n: usize) -> Vec<Val> {
        let at = self.stack.len().saturating_sub(n);
        self.stack.split_off(at)
    }

    fn name(&self, top: usize, i: u32) -> Rc<str> {
        self.frames[top]
            .code
            .names
            .get(i as usize)
            .cloned()
            .unwrap_or_else(|| Rc::from("?"))
    }

    fn jump(&mut self, top: usize, target: u32) {
        self.frames[top].ip = target as usize;
    }

    /// Executes one op of frame `top`.
    fn exec(&mut self, op: Op, top: usize, floor: usize) -> Res<Next> {
        match op {
            Op::Nop | Op::Resume => {}
            Op::LoadConst(i) => {
                let v = self.frames[top]
                    .code
                    .consts
                    .get(i as usize)
                    .cloned()
                    .unwrap_or_default();
                self.push(v);
            }
            Op::LoadFast(i) => match self.frames[top].locals.get(i as usize) {
                Some(Some(v)) => {
                    let v = v.clone();
                    self.push(v);
                }
                _ => {
                    let name = self.frames[top]
                        .code
                        .locals
                        .get(i as usize)
                        .cloned()
                        .unwrap_or_else(|| Rc::from("?"));
                    return Err(self.exc(
                        "UnboundLocalError",
                        format!(
                            "cannot access local variable '{name}' where it is not associated with a value"
                        ),
                    ));
                }
            },
            Op::StoreFast(i) => {
                let v = self.pop();
                if let Some(slot) = self.frames[top].locals.get_mut(i as usize) {
                    *slot = Some(v);
                }
            }
            Op::DeleteFast(i) => {
                if let Some(slot) = self.frames[top].locals.get_mut(i as usize) {
                    *slot = None;
                }
            }
            Op::LoadDeref(i) | Op::LoadClassDeref(i) => {
                if let Op::LoadClassDeref(_) = op {
                    let name = self.cell_name(top, i);
                    let found = self.frames[top]
                        .ns
                        .as_ref()
                        .and_then(|ns| ns.borrow().get_str(&name).cloned());
                    if let Some(v) = found {
                        self.push(v);
                        return Ok(Next::Continue);
                    }
                }
                let v = self.frames[top]
                    .cells
                    .get(i as usize)
                    .and_then(|c| c.borrow().clone());
                match v {
                    Some(v) => self.push(v),
                    None => {
                        let name = self.cell_name(top, i);
                        return Err(self.exc(
                            "NameError",
                            format!(
                                "cannot access free variable '{name}' where it is not associated with a value in enclosing scope"
                            ),
                        ));
                    }
                }
            }
            Op::StoreDeref(i) => {
                let v = self.pop();
                if let Some(c) = self.frames[top].cells.get(i as usize) {
                    *c.borrow_mut() = Some(v);
                }
            }
            Op::DeleteDeref(i) => {
                if let Some(c) = self.frames[top].cells.get(i as usize) {
                    *c.borrow_mut() = None;
                }
            }
            Op::LoadClosure(i) => {
                let c = self.frames[top].cells.get(i as usize).cloned();
                self.push(match c {
                    Some(c) => Val::Cell(c),
                    None => Val::None,
                });
            }
            Op::LoadGlobal(i) => {
                let v = self.load_global_cached(top, i)?;
                if self.world.tracking.get() && is_data(&v) {
                    self.note_global(top, i, false);
                }
                self.push(v);
            }
            Op::StoreGlobal(i) => {
                if self.world.tracking.get() {
                    self.note_global(top, i, true);
                }
                let v = self.pop();
                let frame = &self.frames[top];
                let g = &frame.globals;
                let slot = frame
                    .code
                    .global_cache
                    .borrow()
                    .get(i as usize)
                    .copied()
                    .unwrap_or_default();
                let mut d = g.dict.borrow_mut();
                let here = Rc::as_ptr(g) as usize;
                if slot.globals == here
                    && slot.version == d.version
                    && slot.builtins.is_none()
                    && d.set_value_at(slot.pos, v.clone())
                {
                    return Ok(Next::Continue);
                }
                drop(d);
                let name = self.name(top, i);
                let g = self.frames[top].globals.clone();
                g.dict
                    .borrow_mut()
                    .insert(Key::Str(name.clone()), Val::Str(name), v);
            }
            Op::DeleteGlobal(i) => {
                let name = self.name(top, i);
                let g = self.frames[top].globals.clone();
                if g.dict
                    .borrow_mut()
                    .remove(&Key::Str(name.clone()))
                    .is_none()
                {
                    return Err(self.exc("NameError", format!("name '{name}' is not defined")));
                }
            }
            Op::LoadName(i) => {
                let name = self.name(top, i);
                let found = self.frames[top]
                    .ns
                    .as_ref()
                    .and_then(|ns| ns.borrow().get_str(&name).cloned());
                let v = match found {
                    Some(v) => v,
                    None => self.load_global(top, &name)?,
                };
                self.push(v);
            }
            Op::StoreName(i) => {
                let name = self.name(top, i);
                let v = self.pop();
                match &self.frames[top].ns {
                    Some(ns) => ns
                        .borrow_mut()
                        .insert(Key::Str(name.clone()), Val::Str(name), v),
                    None => {
                        let g = self.frames[top].globals.clone();
                        g.dict
                            .borrow_mut()
                            .insert(Key::Str(name.clone()), Val::Str(name), v);
                    }
                }
            }
            Op::DeleteName(i) => {
                let name = self.name(top, i);
                let removed = match &self.frames[top].ns {
                    Some(ns) => ns.borrow_mut().remove(&Key::Str(name.clone())).is_some(),
                    None => self.frames[top]
                        .globals
                        .dict
                        .borrow_mut()
                        .remove(&Key::Str(name.clone()))
                        .is_some(),
                };
                if !removed {
                    return Err(self.exc("NameError", format!("name '{name}' is not defined")));
                }
            }
            Op::LoadMethod(i) => {
                let name = self.name(top, i);
                let obj = self.pop();
                let method = match &obj {
                    Val::Obj(o)
                        if !o.class.has_props.get() && o.attrs.borrow().get(&name).is_none() =>
                    {
                        o.class.lookup(&name)
                    }
                    Val::Str(_) | Val::List(_) | Val::Dict(_) | Val::Tuple(_) | Val::Set(_) => {
                        self.world.class_of(&obj).lookup(&name)
                    }
                    _ => None,
                };
                if let Some(f @ (Val::Func(_) | Val::Native(_))) = method {
                    self.push(obj);
                    self.push(f);
                    return Ok(Next::Continue);
                }
                // Anything else: the attribute itself, called without a self (the marker).
                self.push(Val::NotImplemented);
                return self.load_attr(obj, name);
            }
            Op::CallMethod(n) => {
                let n = n as usize;
                let len = self.stack.len();
                if len < n + 2 {
                    return Err(self.exc("SystemError", "stack underflow in a method call"));
                }
                if let Val::Func(func) = &self.stack[len - n - 1]
                    && matches!(self.stack[len - n - 2], Val::Obj(_))
                    && is_plain_call(func, n + 1)
                {
                    let func = func.clone();
                    let this = std::mem::take(&mut self.stack[len - n - 2]);
                    return self.enter_plain(func, n, Some(this));
                }
                let f = std::mem::take(&mut self.stack[len - n - 1]);
                let this = std::mem::take(&mut self.stack[len - n - 2]);
                let mut args = Vec::with_capacity(n + 1);
                if !matches!(this, Val::NotImplemented) {
                    args.push(this);
                }
                args.extend(self.stack.drain(len - n..));
                self.stack.truncate(len - n - 2);
                return self.call_op(f, Args::new(args));
            }
            Op::LoadAttr(i) => {
                let name = self.name(top, i);
                let obj = self.pop();
                return self.load_attr(obj, name);
            }
            Op::StoreAttr(i) => {
                let name = self.name(top, i);
                let obj = self.pop();
                let v = self.pop();
                return self.setattr(&obj, name, v);
            }
            Op::DeleteAttr(i) => {
                let name = self.name(top, i);
                let obj = self.pop();
                self.delattr(&obj, &name)?;
            }
            Op::Subscr => {
                let idx = self.pop();
                let obj = self.pop();
                return self.subscr(obj, idx);
            }
            Op::StoreSubscr => {
                let idx = self.pop();
                let obj = self.pop();
                let v = self.pop();
                return self.store_subscr(obj, idx, v);
            }
            Op::DeleteSubscr => {
                let idx = self.pop();
                let obj = self.pop();
                return self.delete_subscr(obj, idx);
            }
            Op::Binary(b) | Op::Inplace(b) => {
                let r = self.pop();
                let l = self.pop();
                if let (Val::Int(x), Val::Int(y)) = (&l, &r) {
                    let fast = match b {
                        BinOp::Add => x.checked_add(*y),
                        BinOp::Sub => x.checked_sub(*y),
                        BinOp::Mult => x.checked_mul(*y),
                        _ => None,
                    };
                    if let Some(v) = fast {
                        self.push(Val::Int(v));
                        return Ok(Next::Continue);
                    }
                }
                return self.binary(l, b, r, matches!(op, Op::Inplace(_)));
            }
            Op::Unary(u) => {
                let v = self.pop();
                return self.unary(u, v);
            }
            Op::Compare(c) => {
                let r = self.pop();
                let l = self.pop();
                return self.compare(l, c, r);
            }
            Op::Jump(t) | Op::JumpBack(t) => self.jump(top, t),
            Op::PopJumpIfFalse(t) => {
                let v = self.pop();
                if !self.truthy(&v)? {
                    self.jump(top, t);
                }
            }
            Op::PopJumpIfTrue(t) => {
                let v = self.pop();
                if self.truthy(&v)? {
                    self.jump(top, t);
                }
            }
            Op::JumpIfFalseOrPop(t) => {
                let v = self.peek(0);
                if self.truthy(&v)? {
                    self.pop();
                } else {
                    self.jump(top, t);
                }
            }
            Op::JumpIfTrueOrPop(t) => {
                let v = self.peek(0);
                if self.truthy(&v)? {
                    self.jump(top, t);
                } else {
                    self.pop();
                }
            }
            Op::GetAIter => {
                let v = self.pop();
                if let Val::Gen(g) = &v
                    && g.borrow().is_async_gen
                {
                    self.push(v);
                } else {
                    let f = self.pyb("_aiter")?;
                    return self.call_op(f, Args::new(vec![v]));
                }
            }
            Op::GetIter => {
                let v = self.pop();
                // A Python `__iter__` runs as a frame (it may block, as a manager proxy's does).
                if let Val::Obj(o) = &v
                    && let Some(f @ Val::Func(_)) = o.class.lookup("__iter__")
                {
                    return self.call_op(f, Args::new(vec![v]));
                }
                let it = self.get_iter(v)?;
                self.push(it);
            }
            Op::ForIter(t) => {
                // The common iterators step here without cloning the iterator.
                if let Some(Val::Iter(cell)) = self.stack.last() {
                    let mut st = cell.borrow_mut();
                    let next = match &mut *st {
                        Iter::Range { next, stop, step } => {
                            if (*step > 0 && *next < *stop) || (*step < 0 && *next > *stop) {
                                let v = *next;
                                *next = next.saturating_add(*step);
                                Some(Some(Val::Int(v)))
                            } else {
                                Some(None)
                            }
                        }
                        Iter::List(l, i) => {
                            let v = l.borrow().get(*i).cloned();
                            if v.is_some() {
                                *i += 1;
                            }
                            Some(v)
                        }
                        _ => None,
                    };
                    drop(st);
                    match next {
                        Some(Some(v)) => {
                            self.push(v);
                            return Ok(Next::Continue);
                        }
                        Some(None) => {
                            self.pop();
                            self.jump(top, t);
                            return Ok(Next::Continue);
                        }
                        None => {}
                    }
                }
                let it = self.peek(0);
                return self.for_iter(it, top, t);
            }
            Op::BuildList(n) => {
                let items = self.popn(n as usize);
                self.push(Val::list(items));
            }
            Op::BuildTuple(n) => {
                let items = self.popn(n as usize);
                self.push(Val::tuple(items));
            }
            Op::BuildSet(n) => {
                let items = self.popn(n as usize);
                let mut d = Dict::new();
                for it in items {
                    let k = self.key(&it)?;
                    d.insert(k, it, Val::None);
                }
                self.push(Val::Set(Rc::new(RefCell::new(d))));
            }
            Op::BuildMap(n) => {
                let items = self.popn(2 * n as usize);
                let mut d = Dict::new();
                let mut it = items.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    let key = self.key(&k)?;
                    d.insert(key, k, v);
                }
                self.push(Val::dict(d));
            }
            Op::BuildSlice(n) => {
                let step = if n == 3 { self.pop() } else { Val::None };
                let hi = self.pop();
                let lo = self.pop();
                self.push(Val::Slice(Rc::new([lo, hi, step])));
            }
            Op::ListAppend(d) => {
                let v = self.pop();
                let target = self.peek(d as usize - 1);
                if let Val::List(l) = target {
                    l.borrow_mut().push(v);
                }
            }
            Op::SetAdd(d) => {
                let v = self.pop();
                let target = self.peek(d as usize - 1);
                if let Val::Set(s) = target {
                    let k = self.key(&v)?;
                    s.borrow_mut().insert(k, v, Val::None);
                }
            }
            Op::MapAdd(d) => {
                let v = self.pop();
                let k = self.pop();
                let target = self.peek(d as usize - 1);
                if let Val::Dict(m) = target {
                    let key = self.key(&k)?;
                    m.borrow_mut().insert(key, k, v);
                }
            }
            Op::ListExtend(d) => {
                let v = self.pop();
                if crate::modules::is_lazy(&v) {
                    return self.materialise_and_retry(top, v);
                }
                let items = self.collect(v)?;
                let target = self.peek(d as usize - 1);
                if let Val::List(l) = target {
                    l.borrow_mut().extend(items);
                }
            }
            Op::DictUpdate(d) | Op::DictMerge(d) => {
                let v = self.pop();
                let target = self.peek(d as usize - 1);
                let Val::Dict(dst) = target else {
                    return Ok(Next::Continue);
                };
                let pairs: Vec<(Val, Val)> = match &v {
                    Val::Dict(src) => src
                        .borrow()
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                    other => {
                        let tn = self.world.type_name(other);
                        return Err(self.type_error(format!("'{tn}' object is not a mapping")));
                    }
                };
                for (k, val) in pairs {
                    let key = self.key(&k)?;
                    if matches!(op, Op::DictMerge(_)) && dst.borrow().contains(&key) {
                        let ks = ops::str_of_plain(&k);
                        return Err(self.type_error(format!(
                            "got multiple values for keyword argument '{ks}'"
                        )));
                    }
                    dst.borrow_mut().insert(key, k, val);
                }
            }
            Op::ListToTuple => {
                let v = self.pop();
                if let Val::List(l) = v {
                    let items = l.borrow().clone();
                    self.push(Val::tuple(items));
                } else {
                    self.push(v);
                }
            }
            Op::UnpackSequence(n) => {
                let v = self.pop();
                if crate::modules::is_lazy(&v) {
                    return self.materialise_and_retry(top, v);
                }
                let items = self.collect(v)?;
                if items.len() != n as usize {
                    return Err(if items.len() > n as usize {
                        self.value_error(format!("too many values to unpack (expected {n})"))
                    } else {
                        self.value_error(format!(
                            "not enough values to unpack (expected {n}, got {})",
                            items.len()
                        ))
                    });
                }
                for it in items.into_iter().rev() {
                    self.push(it);
                }
            }
            Op::UnpackEx(before, after) => {
                let v = self.pop();
                if crate::modules::is_lazy(&v) {
                    return self.materialise_and_retry(top, v);
                }
                let mut items = self.collect(v)?;
                let (b, a) = (before as usize, after as usize);
                if items.len() < b + a {
                    return Err(self.value_error(format!(
                        "not enough values to unpack (expected at least {}, got {})",
                        b + a,
                        items.len()
                    )));
                }
                let tail = items.split_off(items.len() - a);
                let mid = items.split_off(b);
                for it in tail.into_iter().rev() {
                    self.push(it);
                }
                self.push(Val::list(mid));
                for it in items.into_iter().rev() {
                    self.push(it);
                }
            }
            Op::Call(n) => {
                let n = n as usize;
                if let Some(Val::Func(func)) =
                    self.stack.len().checked_sub(n + 1).map(|i| &self.stack[i])
                    && is_plain_call(func, n)
                {
                    let func = func.clone();
                    return self.enter_plain(func, n, None);
                }
                let args = self.popn(n);
                let f = self.pop();
                return self.call_op(f, Args::new(args));
            }
            Op::CallKw(n) => {
                let names = self.pop();
                let mut args = self.popn(n as usize);
                let f = self.pop();
                let names: Vec<Val> = match names {
                    Val::Tuple(t) => t.to_vec(),
                    _ => Vec::new(),
                };
                let kwvals = args.split_off(args.len() - names.len());
                let kw = names
                    .into_iter()
                    .zip(kwvals)
                    .map(|(k, v)| (Rc::from(k.as_str().unwrap_or("?")), v))
                    .collect();
                return self.call_op(f, Args { pos: args, kw });
            }
            Op::CallEx(has_kw) => {
                let kwargs = if has_kw { self.pop() } else { Val::None };
                let args = self.pop();
                let f = self.pop();
                let pos = match args {
                    Val::Tuple(t) => t.to_vec(),
                    other => self.collect(other)?,
                };
                let _ = top;
                let mut kw = Vec::new();
                if let Val::Dict(d) = kwargs {
                    for (k, v) in d.borrow().iter() {
                        match k {
                            Val::Str(s) => kw.push((s.clone(), v.clone())),
                            _ => return Err(self.type_error("keywords must be strings")),
                        }
                    }
                }
                return self.call_op(f, Args { pos, kw });
            }
            Op::MakeFunction(flags) => {
                let code = self.pop();
                let closure = if flags & 4 != 0 {
                    self.pop()
                } else {
                    Val::None
                };
                let kwdefaults = if flags & 2 != 0 {
                    self.pop()
                } else {
                    Val::None
                };
                let defaults = if flags & 1 != 0 {
                    self.pop()
                } else {
                    Val::None
                };
                let Val::Code(code) = code else {
                    return Err(self.exc("SystemError", "MakeFunction without code"));
                };
                let closure = match closure {
                    Val::Tuple(t) => t
                        .iter()
                        .filter_map(|c| match c {
                            Val::Cell(c) => Some(c.clone()),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                let defaults = match defaults {
                    Val::Tuple(t) => t.to_vec(),
                    _ => Vec::new(),
                };
                let kwdefaults = match kwdefaults {
                    Val::Dict(d) => d
                        .borrow()
                        .iter()
                        .filter_map(|(k, v)| match k {
                            Val::Str(s) => Some((s.clone(), v.clone())),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                let f = Function {
                    name: RefCell::new(code.name.clone()),
                    code,
                    globals: self.frames[top].globals.clone(),
                    defaults,
                    kwdefaults,
                    closure,
                    owner: RefCell::new(Weak::new()),
                    attrs: RefCell::new(Attrs::default()),
                };
                self.push(Val::Func(Rc::new(f)));
            }
            Op::BuildClass(n) => {
                let bases = self.popn(n as usize);
                let body = self.pop();
                return self.build_class(body, bases);
            }
            Op::ReturnValue => {
                let v = self.pop();
                return self.do_return(v, floor);
            }
            Op::YieldValue => {
                let v = self.pop();
                return self.do_yield(v);
            }
            Op::YieldFrom => {
                let sent = self.pop();
                let sub = self.peek(0);
                return self.yield_from(sub, sent, top);
            }
            Op::GetAwaitable => {
                let v = self.pop();
                let a = self.get_awaitable(v)?;
                self.push(a);
            }
            Op::Pop => {
                self.pop();
            }
            Op::Dup => {
                let v = self.peek(0);
                self.push(v);
            }
            Op::Dup2 => {
                let a = self.peek(1);
                let b = self.peek(0);
                self.push(a);
                self.push(b);
            }
            Op::Rot2 => {
                let n = self.stack.len();
                if n >= 2 {
                    self.stack.swap(n - 1, n - 2);
                }
            }
            Op::Rot3 => {
                let n = self.stack.len();
                if n >= 3 {
                    let v = self.stack.remove(n - 1);
                    self.stack.insert(n - 3, v);
                }
            }
            Op::Rot4 => {
                let n = self.stack.len();
                if n >= 4 {
                    let v = self.stack.remove(n - 1);
                    self.stack.insert(n - 4, v);
                }
            }
            Op::SetupExcept(t) | Op::SetupFinally(t) => {
                let b = Block {
                    handler: t,
                    stack_depth: self.stack.len(),
                    exc_depth: self.exc_info.len(),
                };
                self.frames[top].blocks.push(b);
            }
            Op::PopBlock => {
                self.frames[top].blocks.pop();
            }
            Op::PopExcept => {
                if self.exc_info.len() > self.frames[top].exc_base {
                    self.exc_info.pop();
                }
            }
            Op::Reraise => {
                let e = self.pop();
                return Err(e);
            }
            Op::Raise(n) => return Err(self.make_raise(n)?),
            Op::CheckExcMatch => {
                let cls = self.pop();
                let exc = self.peek(0);
                let m = self.exc_matches(&exc, &cls)?;
                self.push(Val::Bool(m));
            }
            Op::SetupWith(t) => return self.setup_with(top, t, false),
            Op::SetupAsyncWith(t) => return self.setup_with(top, t, true),
            Op::WithExitNormal => {
                let exit = self.pop();
                return self.call_op(exit, Args::new(vec![Val::None, Val::None, Val::None]));
            }
            Op::WithExitExcept => {
                let exc = self.peek(0);
                let exit = self.peek(1);
                let cls = Val::Class(self.world.class_of(&exc));
                return self.call_op(exit, Args::new(vec![cls, exc, Val::None]));
            }
            Op::FormatValue(conv, has_spec) => {
                let spec = if has_spec { self.pop() } else { Val::str("") };
                let v = self.pop();
                let v = match conv {
                    1 => Val::str(&self.str_of(&v)?),
                    2 => Val::str(&self.repr(&v)?),
                    3 => Val::str(&ops::ascii(&self.repr(&v)?)),
                    _ => v,
                };
                let spec = spec.as_str().unwrap_or("").to_string();
                let s = self.format(&v, &spec)?;
                self.push(Val::str(&s));
            }
            Op::BuildString(n) => {
                let parts = self.popn(n as usize);
                let mut s = String::new();
                for p in parts {
                    match p {
                        Val::Str(x) => s.push_str(&x),
                        other => s.push_str(&self.str_of(&other)?),
                    }
                }
                self.push(Val::str(&s));
            }
            Op::ImportName(i) => {
                let name = self.name(top, i);
                let m = self.import_module(&name)?;
                self.push(m);
            }
            Op::ImportFrom(i) => {
                let name = self.name(top, i);
                let m = self.peek(0);
                let v = match self.getattr(&m, &name) {
                    Ok(v) => v,
                    Err(_) => {
                        let mn = match &m {
                            Val::Module(m) => m.name.to_string(),
                            _ => "?".into(),
                        };
                        return Err(self.exc(
                            "ImportError",
                            format!("cannot import name '{name}' from '{mn}'"),
                        ));
                    }
                };
                self.push(v);
            }
            Op::ImportStar => {
                let m = self.pop();
                if let Val::Module(m) = m {
                    let g = self.frames[top].globals.clone();
                    let items: Vec<(Val, Val)> = m
                        .dict
                        .borrow()
                        .iter()
                        .filter(|(k, _)| !k.as_str().unwrap_or("_").starts_with('_'))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    for (k, v) in items {
                        if let Val::Str(s) = &k {
                            g.dict
                                .borrow_mut()
                                .insert(Key::Str(s.clone()), k.clone(), v);
                        }
                    }
                }
            }
            Op::LoadAssertionError => {
                let c = self.world.class("AssertionError");
                self.push(Val::Class(c));
            }
            Op::PushExcInfo => {
                let e = self.exc_info.last().cloned().unwrap_or_default();
                self.push(e);
            }
            Op::Awaiting(i) => {
                let holds = self.pop();
                let frame = &self.frames[top];
                if let Some(Val::Tuple(t)) = frame.code.consts.get(i as usize)
                    && let [
                        Val::Str(what),
                        Val::Int(start),
                        Val::Int(end),
                        Val::Int(built),
                    ] = &t[..]
                {
                    let built = *built as u64;
                    self.instructions = self.instructions.saturating_sub(built);
                    self.pending_ns = self.pending_ns.saturating_sub(built * self.world.costs.op);
                    self.awaiting = Some(crate::wakeup::Declared {
                        frame: frame.id,
                        ops: *start as usize..=*end as usize,
                        holds,
                        what: what.clone(),
                    });
                }
            }
        }
        Ok(Next::Continue)
    }

    /// `with` / `async with`: pushes `__exit__` (or `__aexit__`), a block to the handler, and
    /// calls `__enter__` (or `__aenter__`).
    fn setup_with(&mut self, top: usize, handler: u32, is_async: bool) -> Res<Next> {
        let mgr = self.pop();
        let (enter_name, exit_name, what) = if is_async {
            (
                "__aenter__",
                "__aexit__",
                "the asynchronous context manager protocol",
            )
        } else {
            ("__enter__", "__exit__", "the context manager protocol")
        };
        let exit = self.getattr(&mgr, exit_name).map_err(|_| {
            let tn = self.world.type_name(&mgr);
            self.type_error(format!("'{tn}' object does not support {what}"))
        })?;
        let enter = self.getattr(&mgr, enter_name)?;
        self.push(exit);
        let b = Block {
            handler,
            stack_depth: self.stack.len(),
            exc_depth: self.exc_info.len(),
        };
        self.frames[top].blocks.push(b);
        self.call_op(enter, Args::default())
    }

    /// An op met a generator or user iterator where it needs a sequence: list it in Python
    /// (on the frame stack, so it may block), then run the op again on the list.
    fn materialise_and_retry(&mut self, top: usize, v: Val) -> Res<Next> {
        self.frames[top].ip -= 1;
        let f = self.pyb("_list")?;
        self.call_op(f, Args::new(vec![v]))
    }

    fn cell_name(&self, top: usize, i: u32) -> Rc<str> {
        let code = &self.frames[top].code;
        let i = i as usize;
        code.cellvars
            .get(i)
            .or_else(|| code.freevars.get(i - code.cellvars.len().min(i)))
            .cloned()
            .unwrap_or_else(|| Rc::from("?"))
    }

    /// A global (or built-in) by name: `LoadName`'s fallback in class bodies.
    fn load_global(&self, top: usize, name: &str) -> Res<Val> {
        if let Some(v) = self.frames[top].globals.get(name) {
            return Ok(v);
        }
        if let Some(v) = self.world.builtins.get(name) {
            return Ok(v);
        }
        Err(self.exc("NameError", format!("name '{name}' is not defined")))
    }

    /// `LoadGlobal`: through the code object's cache while the dicts are unchanged.
    #[inline]
    fn load_global_cached(&self, top: usize, i: u32) -> Res<Val> {
        let frame = &self.frames[top];
        let g = &frame.globals;
        let here = Rc::as_ptr(g) as usize;
        let slot = frame
            .code
            .global_cache
            .borrow()
            .get(i as usize)
            .copied()
            .unwrap_or_default();
        if slot.globals == here {
            let d = g.dict.borrow();
            if slot.version == d.version {
                match slot.builtins {
                    None => {
                        if let Some(v) = d.value_at(slot.pos) {
                            return Ok(v.clone());
                        }
                    }
                    Some(bv) => {
                        let b = self.world.builtins.dict.borrow();
                        if b.version == bv
                            && let Some(v) = b.value_at(slot.pos)
                        {
                            return Ok(v.clone());
                        }
                    }
                }
            }
        }
        let name = self.name(top, i);
        let key = Key::Str(name.clone());
        let d = g.dict.borrow();
        let found = match d.position(&key) {
            Some(pos) => Some((pos, None)),
            None => {
                let b = self.world.builtins.dict.borrow();
                b.position(&key).map(|pos| (pos, Some(b.version)))
            }
        };
        let Some((pos, builtins)) = found else {
            return Err(self.exc("NameError", format!("name '{name}' is not defined")));
        };
        if let Some(c) = frame.code.global_cache.borrow_mut().get_mut(i as usize) {
            *c = crate::code::GlobalSlot {
                globals: here,
                version: d.version,
                pos,
                builtins,
            };
        }
        let v = match builtins {
            None => d.value_at(pos).cloned(),
            Some(_) => self.world.builtins.dict.borrow().value_at(pos).cloned(),
        };
        Ok(v.unwrap_or_default())
    }

    // ---- calls ------------------------------------------------------------------------------

    /// A call from bytecode: its result is pushed (now, or when a pushed frame returns).
    /// `obj.name` onto the stack: a property's getter and a Python `__getattr__` run as calls
    /// (frames, or blocking natives).
    fn load_attr(&mut self, obj: Val, name: Rc<str>) -> Res<Next> {
        if let Val::Obj(o) = &obj
            && o.class.has_props.get()
            && let Some(Val::Property(p)) = o.class.lookup(&name)
        {
            let getter = p[0].clone();
            if !matches!(getter, Val::None) {
                return self.call_op(getter, Args::new(vec![obj]));
            }
        }
        if let Val::Obj(o) = &obj
            && let Some(ga @ Val::Func(_)) = o.class.lookup("__getattr__")
        {
            match self.getattr_with(&obj, &name, false) {
                Ok(v) => self.push(v),
                Err(e) if self.world.is_instance_of(&e, "AttributeError") => {
                    return self.call_op(ga, Args::new(vec![obj, Val::Str(name)]));
                }
                Err(e) => return Err(e),
            }
            return Ok(Next::Continue);
        }
        let v = self.getattr(&obj, &name)?;
        self.push(v);
        Ok(Next::Continue)
    }

    fn call_op(&mut self, f: Val, args: Args) -> Res<Next> {
        match self.call_value(f, args, Mode::Normal)? {
            Some(v) => {
                self.push(v);
                Ok(Next::Continue)
            }
            None => Ok(Next::Reload),
        }
    }

    /// Calls `f`. `Ok(Some(v))`: finished with `v`. `Ok(None)`: a frame was pushed (its
    /// return delivers the result per `mode`) or the thread must block (see `blocked`).
    pub fn call_value(&mut self, f: Val, mut args: Args, mode: Mode) -> Res<Option<Val>> {
        let mut f = f;
        loop {
            match f {
                Val::Func(func) => {
                    if func.code.is_generator || func.code.is_coroutine {
                        let g = self.make_generator(func, args)?;
                        return self.deliver(g, mode);
                    }
                    self.push_frame(func, args, mode)?;
                    return Ok(None);
                }
                Val::Method(m) => {
                    let (this, func) = (m.0.clone(), m.1.clone());
                    args.pos.insert(0, this);
                    f = func;
                }
                Val::Native(n) => {
                    let flow = (n.f)(self, args)?;
                    match flow {
                        Flow::Val(v) => return self.deliver(v, mode),
                        Flow::Call(g, a) => {
                            f = g;
                            args = a;
                        }
                        Flow::Sim(call) => {
                            return match mode {
                                Mode::Normal | Mode::Nested | Mode::Top => {
                                    self.blocked = Some(call);
                                    Ok(None)
                                }
                                Mode::Discard => {
                                    self.blocked = Some(call);
                                    self.discard_reply = true;
                                    Ok(None)
                                }
                                _ => Err(self.exc(
                                    "RuntimeError",
                                    format!("{} cannot block here in the playground", call.what()),
                                )),
                            };
                        }
                        Flow::Resume(genr, sent, throw) => {
                            self.resume_gen(genr, sent, throw, GenResume::Call)?;
                            return Ok(None);
                        }
                        Flow::Close(genr, exc) => {
                            self.resume_gen(genr, Val::None, Some(exc), GenResume::Close)?;
                            return Ok(None);
                        }
                    }
                }
                Val::Class(cls) => return self.instantiate(cls, args, mode),
                Val::Obj(ref o) => {
                    let Some(call) = o.class.lookup("__call__") else {
                        let tn = self.world.type_name(&f);
                        return Err(self.type_error(format!("'{tn}' object is not callable")));
                    };
                    args.pos.insert(0, f.clone());
                    f = call;
                }
                Val::StaticMethod(inner) => f = (*inner).clone(),
                other => {
                    let tn = self.world.type_name(&other);
                    return Err(self.type_error(format!("'{tn}' object is not callable")));
                }
            }
        }
    }

    /// A value produced at once by a call made with `mode`.
    fn deliver(&mut self, v: Val, mode: Mode) -> Res<Option<Val>> {
        match mode {
            Mode::Init(inst) => {
                if !matches!(v, Val::None) {
                    let tn = self.world.type_name(&v);
                    return Err(
                        self.type_error(format!("__init__() should return None, not '{tn}'"))
                    );
                }
                Ok(Some(inst))
            }
            Mode::Discard => Ok(Some(Val::None)),
            _ => Ok(Some(v)),
        }
    }

    /// The common call, `f(a, b)` with exactly the positional parameters `f` has: the frame
    /// takes its arguments straight from the stack into a reused `locals` vector (the callee
    /// and, for a method, the instance below them are dropped from the stack too).
    fn enter_plain(&mut self, func: Rc<Function>, n: usize, this: Option<Val>) -> Res<Next> {
        if self.frames.len() >= MAX_FRAMES {
            return Err(self.exc("RecursionError", "maximum recursion depth exceeded"));
        }
        let code = func.code.clone();
        let mut locals = self.locals_pool.pop().unwrap_or_default();
        locals.reserve(code.locals.len());
        let has_self = this.is_some();
        if let Some(t) = this {
            locals.push(Some(t));
        }
        let len = self.stack.len();
        locals.extend(self.stack.drain(len - n..).map(Some));
        locals.resize(code.locals.len(), None);
        // The callee (and the instance's emptied slot, for a method).
        self.stack
            .truncate(self.stack.len() - 1 - usize::from(has_self));
        let id = self.new_frame_id();
        self.frames.push(Frame {
            id,
            code,
            ip: 0,
            locals,
            cells: func.closure.clone(),
            globals: self.world.globals_for(&func.globals),
            ns: None,
            blocks: Vec::new(),
            stack_base: self.stack.len(),
            exc_base: self.exc_info.len(),
            mode: Mode::Normal,
            func: Some(func),
        });
        Ok(Next::Reload)
    }

    fn push_frame(&mut self, func: Rc<Function>, args: Args, mode: Mode) -> Res<()> {
        if self.frames.len() >= MAX_FRAMES {
            return Err(self.exc("RecursionError", "maximum recursion depth exceeded"));
        }
        let frame = self.new_frame(func, args, mode)?;
        self.frames.push(frame);
        Ok(())
    }

    /// Calling a generator or coroutine function makes the generator; its frame waits in it.
    fn make_generator(&mut self, func: Rc<Function>, args: Args) -> Res<Val> {
        let frame = self.new_frame(func.clone(), args, Mode::Normal)?;
        let code = &func.code;
        let genr = Gen {
            frame: Some(Box::new(frame)),
            stack: Vec::new(),
            name: func.name.borrow().clone(),
            qualname: code.qualname.clone(),
            started: false,
            running: false,
            finished: false,
            is_coroutine: code.is_coroutine && !code.is_generator,
            is_async_gen: code.is_coroutine && code.is_generator,
        };
        Ok(Val::Gen(Rc::new(RefCell::new(genr))))
    }

    fn new_frame(&mut self, func: Rc<Function>, args: Args, mode: Mode) -> Res<Frame> {
        let code = func.code.clone();
        let locals = self.bind_args(&func, args)?;
        let mut cells: Vec<Rc<RefCell<Option<Val>>>> = code
            .cellvars
            .iter()
            .map(|_| Rc::new(RefCell::new(None)))
            .collect();
        for &(ci, li) in &code.cell_params {
            if let (Some(c), Some(v)) = (cells.get(ci as usize), locals.get(li as usize)) {
                *c.borrow_mut() = v.clone();
            }
        }
        cells.extend(func.closure.iter().cloned());
        let id = self.new_frame_id();
        Ok(Frame {
            id,
            code: code.clone(),
            ip: 0,
            locals,
            cells,
            globals: self.world.globals_for(&func.globals),
            ns: None,
            blocks: Vec::new(),
            stack_base: self.stack.len(),
            exc_base: self.exc_info.len(),
            mode,
            func: Some(func.clone()),
        })
    }

    /// Binds a call's arguments to a function's parameters (CPython's rules and messages).
    fn bind_args(&self, func: &Function, mut args: Args) -> Res<Vec<Option<Val>>> {
        let code = &func.code;
        let sig = &code.sig;
        let fname = func.code.qualname.clone();
        let mut locals: Vec<Option<Val>> = vec![None; code.locals.len()];
        let npos = sig.positional;
        let given = args.pos.len();
        if given > npos && !sig.vararg {
            let takes = if func.defaults.is_empty() {
                format!("{npos}")
            } else {
                format!("from {} to {npos}", npos - func.defaults.len().min(npos))
            };
            return Err(self.type_error(format!(
                "{fname}() takes {takes} positional argument{} but {given} {} given",
                if npos == 1 && func.defaults.is_empty() {
                    ""
                } else {
                    "s"
                },
                if given == 1 { "was" } else { "were" }
            )));
        }
        let extra: Vec<Val> = if given > npos {
            args.pos.split_off(npos)
        } else {
            Vec::new()
        };
        for (i, v) in args.pos.into_iter().enumerate() {
            locals[i] = Some(v);
        }
        let nkwonly = sig.kwonly;
        let mut varkw = Dict::new();
        for (k, v) in args.kw {
            let slot = sig.names[..npos + nkwonly]
                .iter()
                .position(|n| *n == k)
                .filter(|&i| i >= sig.posonly);
            match slot {
                Some(i) => {
                    if locals[i].is_some() {
                        return Err(self.type_error(format!(
                            "{fname}() got multiple values for argument '{k}'"
                        )));
                    }
                    locals[i] = Some(v);
                }
                None if sig.kwarg => {
                    varkw.insert(Key::Str(k.clone()), Val::Str(k), v);
                }
                None => {
                    return Err(self.type_error(format!(
                        "{fname}() got an unexpected keyword argument '{k}'"
                    )));
                }
            }
        }
        // Defaults fill the last positional parameters.
        let first_default = npos - func.defaults.len().min(npos);
        let mut missing = Vec::new();
        for (i, slot) in locals.iter_mut().enumerate().take(npos) {
            if slot.is_none() {
                if i >= first_default {
                    *slot = func.defaults.get(i - first_default).cloned();
                } else {
                    missing.push(sig.names[i].clone());
                }
            }
        }
        if !missing.is_empty() {
            let names: Vec<String> = missing.iter().map(|n| format!("'{n}'")).collect();
            let list = match names.len() {
                1 => names[0].clone(),
                _ => {
                    let (last, rest) = names
                        .split_last()
                        .map_or((String::new(), &names[..0]), |(l, r)| (l.clone(), r));
                    format!("{} and {last}", rest.join(", "))
                }
            };
            return Err(self.type_error(format!(
                "{fname}() missing {} required positional argument{}: {list}",
                missing.len(),
                if missing.len() == 1 { "" } else { "s" }
            )));
        }
        for (i, slot) in locals
            .iter_mut()
            .enumerate()
            .take(npos + nkwonly)
            .skip(npos)
        {
            if slot.is_none() {
                let n = &sig.names[i];
                match func.kwdefaults.iter().find(|(k, _)| k == n) {
                    Some((_, v)) => *slot = Some(v.clone()),
                    None => {
                        return Err(self.type_error(format!(
                            "{fname}() missing 1 required keyword-only argument: '{n}'"
                        )));
                    }
                }
            }
        }
        let mut next = npos + nkwonly;
        if sig.vararg {
            locals[next] = Some(Val::tuple(extra));
            next += 1;
        }
        if sig.kwarg {
            locals[next] = Some(Val::dict(varkw));
        }
        Ok(locals)
    }

    /// `Class(*args)`: a new instance, then `__init__`.
    fn instantiate(&mut self, cls: Rc<Class>, args: Args, mode: Mode) -> Res<Option<Val>> {
        // Built-in types construct through their native constructor.
        if let Some(ctor) = self.world.constructor(&cls) {
            let mut args = args;
            args.pos.insert(0, Val::Class(cls.clone()));
            let flow = ctor(self, args)?;
            return match flow {
                Flow::Val(v) => self.deliver(v, mode),
                Flow::Call(f, a) => self.call_value(f, a, mode),
                Flow::Sim(call) => {
                    self.blocked = Some(call);
                    Ok(None)
                }
                Flow::Resume(g, s, t) => {
                    self.resume_gen(g, s, t, GenResume::Call)?;
                    Ok(None)
                }
                Flow::Close(g, e) => {
                    self.resume_gen(g, Val::None, Some(e), GenResume::Close)?;
                    Ok(None)
                }
            };
        }
        let payload = self.world.payload_for(&cls);
        let inst = Val::Obj(Rc::new(Instance {
            class: cls.clone(),
            attrs: RefCell::new(Attrs::default()),
            payload: RefCell::new(payload),
        }));
        match cls.lookup("__init__") {
            Some(init) => {
                let mut a = args;
                a.pos.insert(0, inst.clone());
                let m = match mode {
                    Mode::Normal => Mode::Init(inst.clone()),
                    other => {
                        // Entry or nested: run __init__ nested, then hand on the instance.
                        let r = self.call_nested(init, a)?;
                        if !matches!(r, Val::None) {
                            return Err(self.type_error("__init__() should return None"));
                        }
                        return self.deliver(inst, other);
                    }
                };
                self.call_value(init, a, m)
            }
            None => {
                if !args.pos.is_empty() || !args.kw.is_empty() {
                    return Err(self.type_error(format!("{}() takes no arguments", cls.name)));
                }
                self.deliver(inst, mode)
            }
        }
    }

    fn build_class(&mut self, body: Val, bases: Vec<Val>) -> Res<Next> {
        let Val::Func(func) = body else {
            return Err(self.exc("SystemError", "class body is not a function"));
        };
        let mut bs = Vec::new();
        for b in bases {
            match b {
                Val::Class(c) => bs.push(c),
                other => {
                    let tn = self.world.type_name(&other);
                    return Err(self.type_error(format!("bases must be types, not {tn}")));
                }
            }
        }
        let code = func.code.clone();
        let id = self.new_frame_id();
        let ns = Rc::new(RefCell::new(Dict::new()));
        let modname = func
            .globals
            .get("__name__")
            .unwrap_or_else(|| Val::str("__main__"));
        ns.borrow_mut().insert(
            Key::Str(Rc::from("__module__")),
            Val::str("__module__"),
            modname,
        );
        ns.borrow_mut().insert(
            Key::Str(Rc::from("__qualname__")),
            Val::str("__qualname__"),
            Val::Str(code.qualname.clone()),
        );
        let frame = Frame {
            id,
            code: code.clone(),
            ip: 0,
            locals: Vec::new(),
            cells: code
                .cellvars
                .iter()
                .map(|_| Rc::new(RefCell::new(None)))
                .chain(func.closure.iter().cloned())
                .collect(),
            globals: self.world.globals_for(&func.globals),
            ns: Some(ns),
            blocks: Vec::new(),
            stack_base: self.stack.len(),
            exc_base: self.exc_info.len(),
            mode: Mode::Class(code.name.clone(), code.qualname.clone(), bs),
            func: None,
        };
        if self.frames.len() >= MAX_FRAMES {
            return Err(self.exc("RecursionError", "maximum recursion depth exceeded"));
        }
        self.frames.push(frame);
        Ok(Next::Reload)
    }

    fn do_return(&mut self, v: Val, _floor: usize) -> Res<Next> {
        let Some(mut frame) = self.frames.pop() else {
            return Ok(Next::Exit(Exit::Done(self.take_pending(), v)));
        };
        if self.locals_pool.len() < 64 {
            let mut locals = std::mem::take(&mut frame.locals);
            locals.clear();
            self.locals_pool.push(locals);
        }
        self.stack.truncate(frame.stack_base);
        self.exc_info.truncate(frame.exc_base);
        match frame.mode {
            Mode::Normal => self.push(v),
            Mode::Init(inst) => {
                if !matches!(v, Val::None) {
                    let tn = self.world.type_name(&v);
                    return Err(
                        self.type_error(format!("__init__() should return None, not '{tn}'"))
                    );
                }
                self.push(inst);
            }
            Mode::Class(name, qualname, bases) => {
                let ns = frame.ns.unwrap_or_default();
                let cls = self
                    .world
                    .make_class(&name, &qualname, bases, &ns.borrow())?;
                self.push(Val::Class(cls));
            }
            Mode::Gen(genr, how) => {
                {
                    let mut g = genr.borrow_mut();
                    g.finished = true;
                    g.running = false;
                    g.frame = None;
                }
                match how {
                    GenResume::ForIter(target) => {
                        // The loop ends: pop the iterator and jump past the loop.
                        self.pop();
                        if let Some(f) = self.frames.last_mut() {
                            f.ip = target as usize;
                        }
                    }
                    GenResume::Call => {
                        let is_coro = genr.borrow().is_coroutine;
                        let e = self.world.new_exc_args(
                            "StopIteration",
                            if matches!(v, Val::None) && !is_coro {
                                vec![]
                            } else {
                                vec![v]
                            },
                        );
                        return Err(e);
                    }
                    GenResume::YieldFrom => {
                        // The sub-iterator is done: replace it with its return value.
                        self.pop();
                        self.push(v);
                    }
                    GenResume::Close => self.push(Val::None),
                    GenResume::Entry => {
                        return Ok(Next::Exit(Exit::Done(self.take_pending(), v)));
                    }
                }
            }
            Mode::Top => {
                return Ok(Next::Exit(Exit::Done(self.take_pending(), v)));
            }
            Mode::Nested => {
                self.push(v);
            }
            Mode::Discard => {}
            Mode::ForNext(_) => self.push(v),
        }
        Ok(Next::Reload)
    }

    // ---- generators ---------------------------------------------------------------------------

    /// Resumes `genr` with `sent` (or throws `throw` into it); the frame goes on top.
    pub fn resume_gen(
        &mut self,
        genr: Rc<RefCell<Gen>>,
        sent: Val,
        throw: Option<Val>,
        how: GenResume,
    ) -> Res<()> {
        let (frame, saved, started) = {
            let mut g = genr.borrow_mut();
            if g.running {
                return Err(self.value_error("generator already executing"));
            }
            if g.finished {
                drop(g);
                return match how {
                    GenResume::ForIter(t) => {
                        self.pop();
                        if let Some(f) = self.frames.last_mut() {
                            f.ip = t as usize;
                        }
                        Ok(())
                    }
                    _ => {
                        if let Some(e) = throw {
                            return Err(e);
                        }
                        let coro = genr.borrow().is_coroutine;
                        if coro {
                            Err(self.exc("RuntimeError", "cannot reuse already awaited coroutine"))
                        } else {
                            Err(self.world.new_exc_args("StopIteration", vec![]))
                        }
                    }
                };
            }
            if !g.started && !matches!(sent, Val::None) && throw.is_none() {
                drop(g);
                return Err(
                    self.type_error("can't send non-None value to a just-started generator")
                );
            }
            let Some(frame) = g.frame.take() else {
                return Err(self.value_error("generator already executing"));
            };
            g.running = true;
            let started = g.started;
            g.started = true;
            (frame, std::mem::take(&mut g.stack), started)
        };
        if self.frames.len() >= MAX_FRAMES {
            let mut g = genr.borrow_mut();
            g.frame = Some(frame);
            g.running = false;
            return Err(self.exc("RecursionError", "maximum recursion depth exceeded"));
        }
        let mut frame = *frame;
        frame.stack_base = self.stack.len();
        frame.exc_base = self.exc_info.len();
        frame.mode = Mode::Gen(genr, how);
        self.stack.extend(saved);
        if started {
            self.stack.push(sent);
        }
        self.frames.push(frame);
        if let Some(e) = throw {
            return Err(e);
        }
        Ok(())
    }

    fn do_yield(&mut self, v: Val) -> Res<Next> {
        let Some(frame) = self.frames.pop() else {
            return Ok(Next::Continue);
        };
        let Mode::Gen(genr, how) = frame.mode.clone() else {
            self.frames.push(frame);
            return Err(self.exc("SystemError", "yield outside a generator frame"));
        };
        let saved = self.stack.split_off(frame.stack_base.min(self.stack.len()));
        self.exc_info.truncate(frame.exc_base);
        {
            let mut g = genr.borrow_mut();
            g.stack = saved;
            g.running = false;
            let mut f = frame;
            f.mode = Mode::Normal;
            g.frame = Some(Box::new(f));
        }
        match how {
            GenResume::Close => Err(self.exc("RuntimeError", "generator ignored GeneratorExit")),
            GenResume::Entry => Err(self.exc(
                "RuntimeError",
                "not supported in the playground: a bare yield inside a task's coroutine",
            )),
            GenResume::ForIter(_) | GenResume::Call => {
                self.push(v);
                Ok(Next::Reload)
            }
            GenResume::YieldFrom => {
                // The delegating frame yields the value outward and, when resumed, sends the
                // reply on into the sub-generator (its ip goes back to the `YieldFrom`).
                if let Some(f) = self.frames.last_mut() {
                    f.ip = f.ip.saturating_sub(1);
                }
                self.do_yield(v)
            }
        }
    }

    fn yield_from(&mut self, sub: Val, sent: Val, top: usize) -> Res<Next> {
        match sub {
            Val::Gen(g) => {
                self.resume_gen(g, sent, None, GenResume::YieldFrom)?;
                Ok(Next::Reload)
            }
            Val::Iter(_) => {
                // A plain iterator under `yield from`: yield its items one by one.
                match self.iter_next_builtin(&sub)? {
                    Some(v) => {
                        self.frames[top].ip -= 1;
                        self.do_yield(v)
                    }
                    None => {
                        self.pop();
                        self.push(Val::None);
                        Ok(Next::Continue)
                    }
                }
            }
            other => {
                // An awaitable the natives understand (a task, a future, asyncio.sleep ...).
                match crate::natives::await_native(self, &other)? {
                    Flow::Val(v) => {
                        self.pop();
                        self.push(v);
                        Ok(Next::Continue)
                    }
                    Flow::Sim(call) => {
                        self.pop();
                        self.blocked = Some(call);
                        Ok(Next::Continue)
                    }
                    Flow::Call(f, a) => {
                        self.pop();
                        self.call_op(f, a)
                    }
                    Flow::Resume(g, s, t) => {
                        self.pop();
                        self.resume_gen(g, s, t, GenResume::Call)?;
                        Ok(Next::Reload)
                    }
                    Flow::Close(g, e) => {
                        self.pop();
                        self.resume_gen(g, Val::None, Some(e), GenResume::Close)?;
                        Ok(Next::Reload)
                    }
                }
            }
        }
    }

    fn get_awaitable(&mut self, v: Val) -> Res<Val> {
        match &v {
            Val::Gen(g) if g.borrow().is_coroutine => Ok(v),
            Val::Gen(_) => {
                Err(self.type_error("object generator can't be used in 'await' expression"))
            }
            _ if crate::natives::is_awaitable(self, &v) => Ok(v),
            Val::Obj(_) => {
                if let Ok(m) = self.getattr(&v, "__await__") {
                    return self.call_nested(m, Args::default());
                }
                let tn = self.world.type_name(&v);
                Err(self.type_error(format!("object {tn} can't be used in 'await' expression")))
            }
            _ => {
                let tn = self.world.type_name(&v);
                Err(self.type_error(format!("object {tn} can't be used in 'await' expression")))
            }
        }
    }

    fn for_iter(&mut self, it: Val, top: usize, target: u32) -> Res<Next> {
        match &it {
            Val::Gen(g) => {
                self.resume_gen(g.clone(), Val::None, None, GenResume::ForIter(target))?;
                Ok(Next::Reload)
            }
            Val::Iter(_) => {
                match self.iter_next_builtin(&it)? {
                    Some(v) => self.push(v),
                    None => {
                        self.pop();
                        self.jump(top, target);
                    }
                }
                Ok(Next::Continue)
            }
            _ => {
                // A user iterator: `__next__` runs as a frame; StopIteration ends the loop.
                let next = self.getattr(&it, "__next__")?;
                match self.call_value(next, Args::default(), Mode::ForNext(target))? {
                    Some(v) => {
                        self.push(v);
                        Ok(Next::Continue)
                    }
                    None => Ok(Next::Reload),
                }
            }
        }
    }

    // ---- exceptions -------------------------------------------------------------------------

    fn make_raise(&mut self, n: u8) -> Res<Val> {
        match n {
            0 => match self.exc_info.last() {
                Some(e) => Ok(e.clone()),
                None => Err(self.exc("RuntimeError", "No active exception to reraise")),
            },
            _ => {
                let cause = if n == 2 { Some(self.pop()) } else { None };
                let e = self.pop();
                let e = self.as_exception(e)?;
                if let Some(c) = cause {
                    let c = match c {
                        Val::None => None,
                        other => Some(self.as_exception(other)?),
                    };
                    self.world.set_cause(&e, c);
                }
                Ok(e)
            }
        }
    }

    /// `raise X`: an instance as is, a class instantiated with no arguments.
    fn as_exception(&mut self, e: Val) -> Res<Val> {
        match &e {
            Val::Obj(o) if o.class.builtin == Builtin::BaseException => Ok(e),
            Val::Class(c) if c.builtin == Builtin::BaseException => {
                self.call_nested(e.clone(), Args::default())
            }
            _ => Err(self.type_error("exceptions must derive from BaseException")),
        }
    }

    fn exc_matches(&self, exc: &Val, cls: &Val) -> Res<bool> {
        let ec = self.world.class_of(exc);
        match cls {
            Val::Class(c) => Ok(ec.is_subclass(c)),
            Val::Tuple(t) => {
                for c in t.iter() {
                    if self.exc_matches(exc, c)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            _ => Err(self.type_error(
                "catching classes that do not inherit from BaseException is not allowed",
            )),
        }
    }

    /// The uncatchable error of a thread that ran past the instruction limit.
    pub fn limit_exceeded(&mut self) -> Val {
        self.stopped = true;
        let exc = self.exc(
            "RuntimeError",
            format!(
                "the program ran more than {} Python instructions (the playground's instruction limit)",
                self.world.shared.max_instructions
            ),
        );
        // Its traceback is where each frame was when the limit struck, innermost first as
        // propagation would record it.
        for frame in self.frames.iter().rev() {
            let at = frame.ip.saturating_sub(1);
            let place = (frame.code.line_at(at), frame.code.span_at(at));
            self.world.add_traceback(
                &exc,
                frame.id,
                frame.code.filename.clone(),
                frame.code.name.clone(),
                place,
            );
        }
        exc
    }

    /// Propagates `exc` from the top frame: to a handler (returns `None`, the loop goes on) or
    /// out of the thread / out of the nested call at `floor` (returns the exit).
    fn raise(&mut self, exc: Val, floor: usize) -> Option<Exit> {
        if self.stopped {
            // A limit stopped the thread: no handler may run.
            self.truncate_frames(floor);
            let ns = if floor == 0 { self.take_pending() } else { 0 };
            return Some(Exit::Error(ns, exc));
        }
        let mut exc = exc;
        // Chain: an exception raised while another is handled gets it as __context__.
        if let Some(ctx) = self.exc_info.last()
            && !ctx.is(&exc)
        {
            self.world.set_context(&exc, ctx.clone());
        }
        loop {
            if self.frames.len() <= floor {
                let ns = if floor == 0 { self.take_pending() } else { 0 };
                return Some(Exit::Error(ns, exc));
            }
            let Some(frame) = self.frames.last_mut() else {
                return Some(Exit::Error(self.take_pending(), exc));
            };
            let at = frame.ip.saturating_sub(1);
            let place = (frame.code.line_at(at), frame.code.span_at(at));
            let (fid, fname, file) = (
                frame.id,
                frame.code.name.clone(),
                frame.code.filename.clone(),
            );
            if let Some(block) = frame.blocks.pop() {
                let base = frame.stack_base;
                frame.ip = block.handler as usize;
                self.world
                    .add_traceback(&exc, fid, file.clone(), fname.clone(), place);
                self.stack.truncate(block.stack_depth.max(base));
                self.exc_info.truncate(block.exc_depth);
                self.exc_info.push(exc.clone());
                self.stack.push(exc);
                return None;
            }
            self.world
                .add_traceback(&exc, fid, file.clone(), fname.clone(), place);
            // No handler here: the frame ends.
            let Some(frame) = self.frames.pop() else {
                return Some(Exit::Error(self.take_pending(), exc));
            };
            self.stack.truncate(frame.stack_base);
            self.exc_info.truncate(frame.exc_base);
            match frame.mode {
                Mode::Top => return Some(Exit::Error(self.take_pending(), exc)),
                Mode::ForNext(target) if self.world.is_instance_of(&exc, "StopIteration") => {
                    // The loop ends: drop the iterator and continue after the loop.
                    self.stack.pop();
                    if let Some(f) = self.frames.last_mut() {
                        f.ip = target as usize;
                    }
                    return None;
                }
                Mode::Gen(genr, how) => {
                    {
                        let mut g = genr.borrow_mut();
                        g.finished = true;
                        g.running = false;
                        g.frame = None;
                    }
                    if how == GenResume::Close
                        && (self.world.is_instance_of(&exc, "GeneratorExit")
                            || self.world.is_instance_of(&exc, "StopIteration"))
                    {
                        // close() succeeded: its result is None.
                        self.stack.push(Val::None);
                        return None;
                    }
                    // StopIteration escaping a generator becomes RuntimeError (PEP 479).
                    if self.world.is_instance_of(&exc, "StopIteration") {
                        let e = self.exc("RuntimeError", "generator raised StopIteration");
                        self.world.set_cause(&e, Some(exc));
                        exc = e;
                    }
                }
                _ => {}
            }
        }
    }
}

/// Whether calling `func` with `argc` positional arguments needs none of the general binding:
/// exactly its positional parameters, no `*args`/`**kwargs`/keyword-only ones, no cells, and a
/// plain function (not a generator or coroutine).
fn is_plain_call(func: &Function, argc: usize) -> bool {
    let code = &func.code;
    let sig = &code.sig;
    sig.positional == argc
        && !sig.vararg
        && !sig.kwarg
        && sig.kwonly == 0
        && code.cellvars.is_empty()
        && !code.is_generator
        && !code.is_coroutine
}

/// Whether reading a global with value `v` is a data access worth noting (not a function,
/// class or module looked up to be called).
fn is_data(v: &Val) -> bool {
    !matches!(
        v,
        Val::Func(_) | Val::Native(_) | Val::Class(_) | Val::Module(_) | Val::Method(_)
    )
}
