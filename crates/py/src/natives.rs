//! The bridge to the simulator: [`SimCall`] (a blocking operation the VM hands to its unit's
//! adapter), [`SimHandle`] (a simulator object inside a Python object), the conversion of
//! Python objects to and from the simulator's values, and the native halves of `threading`,
//! `queue`, `time` and `random`.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use interleave_sim::{self as sim, Ctx, Opaque, PyError, PyErrorKind, Value};

use crate::builtins::{native, native_class, set, want_f64, want_int, want_str};
use crate::obj::*;
use crate::vm::{Args, Flow, Res, Vm};
use crate::wakeup::Declaring;
use crate::world::Types;

/// The future a blocking operation becomes on its unit.
pub type SimFuture = Pin<Box<dyn Future<Output = Result<Reply, PyError>>>>;

/// A blocking operation: what the unit's adapter awaits, and what it replies to the VM.
pub struct SimCall {
    what: &'static str,
    run: Box<dyn FnOnce(Ctx) -> SimFuture>,
}

/// The reply of a blocking operation.
pub enum Reply {
    Val(Val),
    /// A value from the simulator, converted by the adapter (it knows the object table).
    Sim(Value),
    /// The same, for a value that may be read again (a task's result).
    SimKeep(Value),
    /// A list of those (`gather`).
    SimListKeep(Vec<Value>),
    /// Results and exceptions (`gather(return_exceptions=True)`).
    Outcomes(Vec<Result<Value, PyError>>),
    /// Done and pending tasks, by unit (`asyncio.wait`).
    Tasks(Vec<u32>, Vec<u32>),
    /// Raise this built-in exception class with this message.
    Raise(&'static str, String),
}

impl std::fmt::Debug for SimCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SimCall({})", self.what)
    }
}

impl SimCall {
    pub fn new<F, Fut>(what: &'static str, f: F) -> SimCall
    where
        F: FnOnce(Ctx) -> Fut + 'static,
        Fut: Future<Output = Result<Reply, PyError>> + 'static,
    {
        SimCall {
            what,
            run: Box::new(move |cx| Box::pin(f(cx))),
        }
    }

    /// The Python operation, for messages (`"Lock.acquire()"`).
    pub fn what(&self) -> &'static str {
        self.what
    }

    pub fn perform(self, cx: Ctx) -> SimFuture {
        (self.run)(cx)
    }

    pub fn print(line: String) -> SimCall {
        SimCall::new("print()", move |cx| async move {
            cx.print(line).await?;
            Ok(Reply::Val(Val::None))
        })
    }
}

/// A simulator object held by a Python object.
#[derive(Clone, Debug)]
pub enum SimHandle {
    Lock(sim::Lock),
    Semaphore(sim::Semaphore, bool),
    Event(sim::Event),
    Condition(sim::Condition),
    Barrier(sim::Barrier),
    Queue(sim::Queue),
    Thread(sim::Thread),
    Process(sim::Process),
    Task(sim::Task),
    Future(sim::Future),
    Callback(sim::Handle),
    Shared(sim::SharedValue),
    Conn(sim::Conn),
}

pub fn handle_of(vm: &Vm, v: &Val) -> Res<SimHandle> {
    if let Val::Obj(o) = v
        && let Payload::Sim(h) = &*o.payload.borrow()
    {
        return Ok(h.clone());
    }
    let tn = vm.world.type_name(v);
    Err(vm.type_error(format!(
        "'{tn}' object is not initialised (call its __init__)"
    )))
}

pub fn set_handle(v: &Val, h: SimHandle) {
    if let Val::Obj(o) = v {
        *o.payload.borrow_mut() = Payload::Sim(h);
    }
}

fn none() -> Result<Reply, PyError> {
    Ok(Reply::Val(Val::None))
}

fn boolean(b: bool) -> Result<Reply, PyError> {
    Ok(Reply::Val(Val::Bool(b)))
}

/// Seconds (int or float) to virtual nanoseconds; negative is a `ValueError`.
pub fn to_nanos(vm: &Vm, v: &Val, what: &str) -> Res<u64> {
    let s = want_f64(vm, v, what)?;
    if s.is_nan() {
        return Err(vm.value_error("Invalid value NaN (not a number)"));
    }
    if s < 0.0 {
        return Err(vm.value_error(format!("{what} must be non-negative")));
    }
    Ok(sim::from_secs_f64(s.min(1.0e7)))
}

/// An optional timeout: `None` or negative is "wait for ever" (for `acquire`, -1).
fn timeout_of(vm: &Vm, v: Option<Val>) -> Res<Option<u64>> {
    match v {
        None | Some(Val::None) => Ok(None),
        Some(t) => {
            let s = want_f64(vm, &t, "timeout")?;
            if s < 0.0 {
                Ok(None)
            } else {
                Ok(Some(sim::from_secs_f64(s.min(1.0e7))))
            }
        }
    }
}

/// A name for a new simulator object: the variable the program is about to store it in
/// (`lock = threading.Lock()` names it `lock`), else the class name.
pub fn object_name(vm: &Vm, default: &str) -> String {
    object_name_at(vm, 0, default)
}

/// Like [`object_name`], for an object made inside a constructor: the name is where the
/// caller of that constructor stores it.
pub fn object_name_up(vm: &Vm, default: &str) -> String {
    object_name_at(vm, 1, default)
}

fn object_name_at(vm: &Vm, up: usize, default: &str) -> String {
    let n = vm.frames.len();
    if let Some(f) = n.checked_sub(1 + up).and_then(|i| vm.frames.get(i)) {
        let code = &f.code;
        for op in code.ops.iter().skip(f.ip).take(4) {
            let n = match op {
                crate::code::Op::StoreFast(i) => code.locals.get(*i as usize),
                crate::code::Op::StoreGlobal(i)
                | crate::code::Op::StoreName(i)
                | crate::code::Op::StoreAttr(i) => code.names.get(*i as usize),
                crate::code::Op::StoreDeref(i) => code.cellvars.get(*i as usize),
                crate::code::Op::Call(_)
                | crate::code::Op::CallMethod(_)
                | crate::code::Op::CallKw(_)
                | crate::code::Op::LoadFast(_)
                | crate::code::Op::LoadGlobal(_)
                | crate::code::Op::LoadDeref(_) => continue,
                _ => break,
            };
            if let Some(n) = n {
                return n.to_string();
            }
            break;
        }
    }
    default.to_string()
}

// ---- values across the simulator --------------------------------------------------------------

/// Converts a Python value for the simulator: scalars as they are, anything else as an opaque
/// handle to the object itself (so a thread that gets it gets the same object).
pub fn to_sim(vm: &mut Vm, v: &Val) -> Res<Value> {
    Ok(match v {
        Val::None => Value::None,
        Val::Bool(b) => Value::Bool(*b),
        Val::Int(i) => Value::Int(*i),
        Val::Float(f) => Value::Float(*f),
        Val::Str(s) => Value::Str(s.to_string()),
        other => {
            let items = match other {
                Val::Tuple(t) => {
                    let mut items = Vec::with_capacity(t.len());
                    for x in t.iter() {
                        items.push(to_sim(vm, x)?);
                    }
                    Some(items)
                }
                _ => None,
            };
            let repr = vm.repr(other).unwrap_or_else(|_| "<object>".into());
            let size = 16 + repr.len() as u64;
            let id = vm.world.shared.register(other.clone());
            Value::Opaque(Box::new(Opaque {
                id,
                repr,
                type_name: vm.world.type_name(other),
                size,
                items,
            }))
        }
    })
}

/// What crosses to another process is a copy, taken when it is sent (pickling).
pub fn copy_if_mp(vm: &Vm, carrier: &Val, item: Val) -> Val {
    if flavor_of(carrier) == sim::Flavor::Multiprocessing {
        crate::fork::deep_copy(vm, &item)
    } else {
        item
    }
}

/// Converts a value from the simulator back to the Python object it stands for.
pub fn from_sim(vm: &Vm, v: Value) -> Val {
    match v {
        Value::None => Val::None,
        Value::Bool(b) => Val::Bool(b),
        Value::Int(i) => Val::Int(i),
        Value::Float(f) => Val::Float(f),
        Value::Str(s) => Val::str(&s),
        Value::List(items) => Val::list(items.into_iter().map(|x| from_sim(vm, x)).collect()),
        Value::Opaque(o) => vm.world.shared.take(o.id).unwrap_or_default(),
    }
}

/// Converts a value that may be read again (a task's result).
pub fn from_sim_keep(vm: &Vm, v: Value) -> Val {
    match v {
        Value::Opaque(o) => vm.world.shared.peek(o.id).unwrap_or_default(),
        Value::List(items) => Val::list(items.into_iter().map(|x| from_sim_keep(vm, x)).collect()),
        other => from_sim(vm, other),
    }
}

/// Converts a simulator error to the Python exception programs catch: the very exception
/// object when it came out of a task of this program.
pub fn exc_from_sim(vm: &Vm, e: PyError) -> Val {
    exc_from_sim_in(&vm.world, e)
}

/// [`exc_from_sim`] with only the world at hand (inside a blocking call's future).
pub fn exc_from_sim_in(world: &crate::world::World, e: PyError) -> Val {
    if let Some((_, v)) = world
        .shared
        .task_errors
        .borrow()
        .iter()
        .rev()
        .find(|(pe, _)| *pe == e)
    {
        return v.clone();
    }
    let class = crate::world::sim_error_class(e.kind);
    if e.message.is_empty() {
        world.new_exc_args(class, vec![])
    } else {
        world.new_exc(class, e.message)
    }
}

// ---- awaitables (asyncio is not in this level yet) --------------------------------------------

pub fn is_awaitable(_vm: &Vm, v: &Val) -> bool {
    crate::aio::is_awaitable(v)
}

pub fn await_native(vm: &mut Vm, v: &Val) -> Res<Flow> {
    crate::aio::await_native(vm, v)
}

// ---- threading --------------------------------------------------------------------------------

/// The native classes of `threading`, added to the built-in types.
pub fn install_threading(t: &mut Types) {
    let lock = native_class(t, "lock", "_thread");
    for (n, f) in LOCK_METHODS {
        set(&lock, n, *f);
    }
    t.by_name.insert("lock", lock);
    let rlock = native_class(t, "RLock", "_thread");
    for (n, f) in LOCK_METHODS {
        set(&rlock, n, *f);
    }
    t.by_name.insert("RLock", rlock);
    install_primitives(t, &THREADING_NAMES);
    install_primitives(t, &MP_NAMES);
    let handle = native_class(t, "_thread_handle", "_thread");
    t.by_name.insert("_thread_handle", handle);
}

/// The keys (in `Types`) and modules of one family of primitive classes.
struct Names {
    module: &'static str,
    queue_module: &'static str,
    sem: &'static str,
    bsem: &'static str,
    event: &'static str,
    cond: &'static str,
    barrier: &'static str,
    queues: &'static [(&'static str, &'static str, sim::QueueKind)],
}

const THREADING_NAMES: Names = Names {
    module: "threading",
    queue_module: "queue",
    sem: "Semaphore",
    bsem: "BoundedSemaphore",
    event: "Event",
    cond: "Condition",
    barrier: "Barrier",
    queues: &[
        ("Queue", "Queue", sim::QueueKind::Fifo),
        ("LifoQueue", "LifoQueue", sim::QueueKind::Lifo),
        ("PriorityQueue", "PriorityQueue", sim::QueueKind::Priority),
        ("SimpleQueue", "SimpleQueue", sim::QueueKind::Simple),
    ],
};

/// `multiprocessing`'s versions: the same methods on simulator objects of the
/// multiprocessing flavour (shared between processes; items are copied).
const MP_NAMES: Names = Names {
    module: "multiprocessing",
    queue_module: "multiprocessing",
    sem: "mp.Semaphore",
    bsem: "mp.BoundedSemaphore",
    event: "mp.Event",
    cond: "mp.Condition",
    barrier: "mp.Barrier",
    queues: &[
        ("mp.Queue", "Queue", sim::QueueKind::Fifo),
        ("mp.JoinableQueue", "JoinableQueue", sim::QueueKind::Fifo),
        ("mp.SimpleQueue", "SimpleQueue", sim::QueueKind::Simple),
    ],
};

fn install_primitives(t: &mut Types, n: &Names) {
    for (key, name, bounded) in [
        (n.sem, "Semaphore", false),
        (n.bsem, "BoundedSemaphore", true),
    ] {
        let c = native_class(t, name, n.module);
        set(&c, "__init__", if bounded { bsem_init } else { sem_init });
        set(&c, "acquire", sem_acquire);
        set(&c, "__enter__", sem_acquire);
        set(&c, "release", sem_release);
        set(&c, "__exit__", sem_exit);
        if n.module == "multiprocessing" {
            // `multiprocessing`'s semaphores say their value through a method.
            set(&c, "get_value", sem_value);
        }
        c.dict.borrow_mut().set(
            Rc::from("_value"),
            Val::Property(Rc::new([native("_value", sem_value), Val::None, Val::None])),
        );
        c.has_props.set(true);
        t.by_name.insert(key, c);
    }
    let ev = native_class(t, "Event", n.module);
    set(&ev, "__init__", event_init);
    set(&ev, "set", event_set);
    set(&ev, "clear", event_clear);
    set(&ev, "is_set", event_is_set);
    set(&ev, "isSet", event_is_set);
    set(&ev, "wait", event_wait);
    t.by_name.insert(n.event, ev);
    let cond = native_class(t, "Condition", n.module);
    set(&cond, "__init__", cond_init);
    set(&cond, "acquire", cond_acquire);
    set(&cond, "__enter__", cond_acquire);
    set(&cond, "release", cond_release);
    set(&cond, "__exit__", cond_exit);
    set(&cond, "wait", cond_wait);
    set(&cond, "notify", cond_notify);
    set(&cond, "wait_for", cond_wait_for);
    set(&cond, "notify_all", cond_notify_all);
    set(&cond, "notifyAll", cond_notify_all);
    t.by_name.insert(n.cond, cond);
    let bar = native_class(t, "Barrier", n.module);
    set(&bar, "__init__", barrier_init);
    set(&bar, "wait", barrier_wait);
    set(&bar, "abort", barrier_abort);
    set(&bar, "reset", barrier_reset);
    bar.dict.borrow_mut().set(
        Rc::from("n_waiting"),
        Val::Property(Rc::new([
            native("n_waiting", barrier_n_waiting),
            Val::None,
            Val::None,
        ])),
    );
    bar.has_props.set(true);
    bar.dict.borrow_mut().set(
        Rc::from("broken"),
        Val::Property(Rc::new([
            native("broken", barrier_broken),
            Val::None,
            Val::None,
        ])),
    );
    t.by_name.insert(n.barrier, bar);
    for (key, name, kind) in n.queues {
        let c = native_class(t, name, n.queue_module);
        set(
            &c,
            "__init__",
            match kind {
                sim::QueueKind::Fifo if *name == "JoinableQueue" => queue_init_joinable,
                sim::QueueKind::Fifo => queue_init_fifo,
                sim::QueueKind::Lifo => queue_init_lifo,
                sim::QueueKind::Priority => queue_init_priority,
                _ => queue_init_simple,
            },
        );
        for (n, f) in QUEUE_METHODS {
            set(&c, n, *f);
        }
        c.has_props.set(true);
        c.dict.borrow_mut().set(
            Rc::from("unfinished_tasks"),
            Val::Property(Rc::new([
                native("unfinished_tasks", queue_unfinished_tasks),
                Val::None,
                Val::None,
            ])),
        );
        t.by_name.insert(key, c);
    }
}

type M = (&'static str, crate::vm::NativeFn);

const LOCK_METHODS: &[M] = &[
    ("acquire", lock_acquire),
    ("__enter__", lock_acquire),
    ("release", lock_release),
    ("__exit__", lock_exit),
    ("locked", lock_locked),
    ("__repr__", lock_repr),
];

/// `threading.Lock()`.
pub fn new_lock(vm: &mut Vm, _args: Args) -> Res<Flow> {
    let name = object_name(vm, "lock");
    let h = vm.cx.lock(&name);
    Ok(Flow::Val(new_native_obj(vm, "lock", SimHandle::Lock(h))))
}

/// `threading.RLock()`.
pub fn new_rlock(vm: &mut Vm, _args: Args) -> Res<Flow> {
    let name = object_name(vm, "rlock");
    let h = vm.cx.rlock(&name);
    Ok(Flow::Val(new_native_obj(vm, "RLock", SimHandle::Lock(h))))
}

/// The simulator flavour of a primitive object: from its native class's module.
pub fn flavor_of(v: &Val) -> sim::Flavor {
    if let Val::Obj(o) = v {
        for c in o.class.mro.borrow().iter() {
            if c.builtin == Builtin::Native {
                return if c.module.starts_with("multiprocessing") {
                    sim::Flavor::Multiprocessing
                } else {
                    sim::Flavor::Threading
                };
            }
        }
    }
    sim::Flavor::Threading
}

pub fn new_native_obj(vm: &Vm, class: &str, h: SimHandle) -> Val {
    Val::Obj(Rc::new(Instance {
        class: vm.world.class(class),
        attrs: RefCell::new(Attrs::default()),
        payload: RefCell::new(Payload::Sim(h)),
    }))
}

fn lock_of(vm: &Vm, a: &Args) -> Res<sim::Lock> {
    match handle_of(vm, a.pos.first().unwrap_or(&Val::None))? {
        SimHandle::Lock(l) => Ok(l),
        _ => Err(vm.type_error("not a lock")),
    }
}

fn lock_acquire(vm: &mut Vm, mut a: Args) -> Res<Flow> {
    let l = lock_of(vm, &a)?;
    let blocking = match a.arg(1, "blocking") {
        Some(b) => vm.truthy(&b)?,
        None => true,
    };
    let timeout = a.arg(2, "timeout");
    let t = match &timeout {
        Some(Val::Int(-1)) | None => None,
        Some(t) => {
            let s = want_f64(vm, t, "timeout")?;
            if s < 0.0 && s != -1.0 {
                return Err(vm.value_error("timeout value must be a non-negative number"));
            }
            if !blocking {
                return Err(vm.value_error("can't specify a timeout for a non-blocking call"));
            }
            Some(sim::from_secs_f64(s.min(1.0e7)))
        }
    };
    Ok(Flow::Sim(SimCall::new(
        "Lock.acquire()",
        move |cx| async move {
            match (blocking, t) {
                (false, _) => boolean(l.try_acquire(&cx).await?),
                (true, Some(t)) => boolean(l.acquire_timeout(&cx, t).await?),
                (true, None) => boolean(l.acquire(&cx).await?),
            }
        },
    )))
}

fn lock_release(vm: &mut Vm, a: Args) -> Res<Flow> {
    let l = lock_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Lock.release()",
        move |cx| async move {
            l.release(&cx).await?;
            none()
        },
    )))
}

fn lock_exit(vm: &mut Vm, a: Args) -> Res<Flow> {
    let l = lock_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Lock.release()",
        move |cx| async move {
            l.release(&cx).await?;
            boolean(false)
        },
    )))
}

fn lock_locked(vm: &mut Vm, a: Args) -> Res<Flow> {
    let l = lock_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Lock.locked()",
        move |cx| async move { boolean(l.locked(&cx).await?) },
    )))
}

fn lock_repr(vm: &mut Vm, a: Args) -> Res<Flow> {
    let v = a.pos.first().cloned().unwrap_or_default();
    let tn = vm.world.type_name(&v);
    let name = if tn == "lock" {
        "_thread.lock"
    } else {
        "_thread.RLock"
    };
    Ok(Flow::Val(Val::str(&format!(
        "<{name} object at 0x{:012x}>",
        vm.world.shared.stable_id(&v)
    ))))
}

fn sem_init_with(vm: &mut Vm, mut a: Args, bounded: bool) -> Res<Flow> {
    let value = match a.arg(1, "value") {
        Some(v) => want_int(vm, &v, "Semaphore()")?,
        None => 1,
    };
    if value < 0 {
        return Err(vm.value_error("semaphore initial value must be >= 0"));
    }
    let name = object_name(
        vm,
        if bounded {
            "bounded_semaphore"
        } else {
            "semaphore"
        },
    );
    let flavor = flavor_of(a.pos.first().unwrap_or(&Val::None));
    let s = vm
        .cx
        .new_semaphore(flavor, &name, value, bounded)
        .map_err(|e| exc_from_sim(vm, e))?;
    set_handle(
        a.pos.first().unwrap_or(&Val::None),
        SimHandle::Semaphore(s, bounded),
    );
    Ok(Flow::Val(Val::None))
}

fn sem_init(vm: &mut Vm, a: Args) -> Res<Flow> {
    sem_init_with(vm, a, false)
}

fn bsem_init(vm: &mut Vm, a: Args) -> Res<Flow> {
    sem_init_with(vm, a, true)
}

fn sem_of(vm: &Vm, a: &Args) -> Res<sim::Semaphore> {
    match handle_of(vm, a.pos.first().unwrap_or(&Val::None))? {
        SimHandle::Semaphore(s, _) => Ok(s),
        _ => Err(vm.type_error("not a semaphore")),
    }
}

fn sem_acquire(vm: &mut Vm, mut a: Args) -> Res<Flow> {
    let s = sem_of(vm, &a)?;
    let blocking = match a.arg(1, "blocking") {
        Some(b) => vm.truthy(&b)?,
        None => true,
    };
    let t = timeout_of(vm, a.arg(2, "timeout"))?;
    if !blocking && t.is_some() {
        return Err(vm.value_error("can't specify timeout for non-blocking acquire"));
    }
    Ok(Flow::Sim(SimCall::new(
        "Semaphore.acquire()",
        move |cx| async move {
            match (blocking, t) {
                (false, _) => boolean(s.try_acquire(&cx).await?),
                (true, Some(t)) => boolean(s.acquire_timeout(&cx, t).await?),
                (true, None) => boolean(s.acquire(&cx).await?),
            }
        },
    )))
}

fn sem_release(vm: &mut Vm, mut a: Args) -> Res<Flow> {
    let s = sem_of(vm, &a)?;
    let n = match a.arg(1, "n") {
        Some(n) => want_int(vm, &n, "release()")?,
        None => 1,
    };
    if n < 1 {
        return Err(vm.value_error("n must be one or more"));
    }
    Ok(Flow::Sim(SimCall::new(
        "Semaphore.release()",
        move |cx| async move {
            s.release_n(&cx, n).await?;
            none()
        },
    )))
}

fn sem_exit(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = sem_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Semaphore.release()",
        move |cx| async move {
            s.release(&cx).await?;
            boolean(false)
        },
    )))
}

fn sem_value(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = sem_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Semaphore._value",
        move |cx| async move { Ok(Reply::Val(Val::Int(s.value(&cx).await?))) },
    )))
}

fn event_init(vm: &mut Vm, a: Args) -> Res<Flow> {
    let name = object_name(vm, "event");
    let e = vm
        .cx
        .new_event(flavor_of(a.pos.first().unwrap_or(&Val::None)), &name);
    set_handle(a.pos.first().unwrap_or(&Val::None), SimHandle::Event(e));
    Ok(Flow::Val(Val::None))
}

fn event_of(vm: &Vm, a: &Args) -> Res<sim::Event> {
    match handle_of(vm, a.pos.first().unwrap_or(&Val::None))? {
        SimHandle::Event(e) => Ok(e),
        _ => Err(vm.type_error("not an event")),
    }
}

fn event_set(vm: &mut Vm, a: Args) -> Res<Flow> {
    let e = event_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Event.set()",
        move |cx| async move {
            e.set(&cx).await?;
            none()
        },
    )))
}

fn event_clear(vm: &mut Vm, a: Args) -> Res<Flow> {
    let e = event_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Event.clear()",
        move |cx| async move {
            e.clear(&cx).await?;
            none()
        },
    )))
}

fn event_is_set(vm: &mut Vm, a: Args) -> Res<Flow> {
    let e = event_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Event.is_set()",
        move |cx| async move { boolean(e.is_set(&cx).await?) },
    )))
}

fn event_wait(vm: &mut Vm, mut a: Args) -> Res<Flow> {
    let e = event_of(vm, &a)?;
    let t = timeout_of(vm, a.arg(1, "timeout"))?;
    let awaiting = vm.awaiting();
    Ok(Flow::Sim(SimCall::new(
        "Event.wait()",
        move |cx| async move {
            let _declared = Declaring::new(&cx, awaiting);
            match t {
                Some(t) => boolean(e.wait_timeout(&cx, t).await?),
                None => boolean(e.wait(&cx).await?),
            }
        },
    )))
}

fn cond_init(vm: &mut Vm, mut a: Args) -> Res<Flow> {
    let lock = match a.arg(1, "lock") {
        None | Some(Val::None) => None,
        Some(l) => match handle_of(vm, &l)? {
            SimHandle::Lock(l) => Some(l),
            _ => return Err(vm.type_error("Condition() needs a Lock or RLock")),
        },
    };
    let name = object_name(vm, "condition");
    let c = vm
        .cx
        .new_condition(flavor_of(a.pos.first().unwrap_or(&Val::None)), &name, lock);
    set_handle(a.pos.first().unwrap_or(&Val::None), SimHandle::Condition(c));
    Ok(Flow::Val(Val::None))
}

fn cond_of(vm: &Vm, a: &Args) -> Res<sim::Condition> {
    match handle_of(vm, a.pos.first().unwrap_or(&Val::None))? {
        SimHandle::Condition(c) => Ok(c),
        _ => Err(vm.type_error("not a condition")),
    }
}

fn cond_acquire(vm: &mut Vm, a: Args) -> Res<Flow> {
    let c = cond_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Condition.acquire()",
        move |cx| async move { boolean(c.acquire(&cx).await?) },
    )))
}

fn cond_release(vm: &mut Vm, a: Args) -> Res<Flow> {
    let c = cond_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Condition.release()",
        move |cx| async move {
            c.release(&cx).await?;
            none()
        },
    )))
}

fn cond_exit(vm: &mut Vm, a: Args) -> Res<Flow> {
    let c = cond_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Condition.release()",
        move |cx| async move {
            c.release(&cx).await?;
            boolean(false)
        },
    )))
}

fn cond_wait(vm: &mut Vm, mut a: Args) -> Res<Flow> {
    let c = cond_of(vm, &a)?;
    let t = timeout_of(vm, a.arg(1, "timeout"))?;
    let awaiting = vm.awaiting();
    Ok(Flow::Sim(SimCall::new(
        "Condition.wait()",
        move |cx| async move {
            let _declared = Declaring::new(&cx, awaiting);
            match t {
                Some(t) => boolean(c.wait_timeout(&cx, t).await?),
                None => boolean(c.wait(&cx).await?),
            }
        },
    )))
}

fn cond_wait_for(vm: &mut Vm, mut a: Args) -> Res<Flow> {
    let this = a.pos.first().cloned().unwrap_or_default();
    let pred = a.arg(1, "predicate").unwrap_or_default();
    let timeout = a.arg(2, "timeout").unwrap_or_default();
    vm.pyb_call("_cond_wait_for", Args::new(vec![this, pred, timeout]))
}

fn cond_notify(vm: &mut Vm, mut a: Args) -> Res<Flow> {
    let c = cond_of(vm, &a)?;
    let n = match a.arg(1, "n") {
        Some(n) => want_int(vm, &n, "notify()")?.max(0) as usize,
        None => 1,
    };
    Ok(Flow::Sim(SimCall::new(
        "Condition.notify()",
        move |cx| async move {
            c.notify_n(&cx, n).await?;
            none()
        },
    )))
}

fn cond_notify_all(vm: &mut Vm, a: Args) -> Res<Flow> {
    let c = cond_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Condition.notify_all()",
        move |cx| async move {
            c.notify_all(&cx).await?;
            none()
        },
    )))
}

fn barrier_init(vm: &mut Vm, mut a: Args) -> Res<Flow> {
    let parties = match a.arg(1, "parties") {
        Some(p) => want_int(vm, &p, "Barrier()")?,
        None => {
            return Err(vm.type_error(
                "Barrier.__init__() missing 1 required positional argument: 'parties'",
            ));
        }
    };
    let action = match a.arg(2, "action") {
        None | Some(Val::None) => None,
        Some(f) => {
            // The last thread to arrive runs the action (a fresh VM on its unit, as CPython
            // runs it in that thread).
            let world = vm.world.clone();
            let act: sim::BarrierAction = Rc::new(move |cx: Ctx| {
                let world = world.clone();
                let f = f.clone();
                Box::pin(async move {
                    let mut vm = Vm::new(world, cx.clone(), Val::None);
                    let r = crate::runner::run_call(&cx, &mut vm, f, Args::default()).await;
                    match r {
                        Ok(_) => Ok(Value::None),
                        Err(e) => {
                            let text = crate::runner::format_exception(&mut vm, &e);
                            vm.world.shared.console.borrow_mut().stderr.push_str(&text);
                            Err(PyError::new(
                                PyErrorKind::RuntimeError,
                                "barrier action raised",
                            ))
                        }
                    }
                })
            });
            Some(act)
        }
    };
    let timeout = timeout_of(vm, a.arg(3, "timeout"))?;
    let name = object_name(vm, "barrier");
    let b = vm
        .cx
        .new_barrier(
            flavor_of(a.pos.first().unwrap_or(&Val::None)),
            &name,
            parties,
            action,
            timeout,
        )
        .map_err(|e| exc_from_sim(vm, e))?;
    let this = a.pos.first().cloned().unwrap_or_default();
    set_handle(&this, SimHandle::Barrier(b));
    if let Val::Obj(o) = &this {
        o.attrs
            .borrow_mut()
            .set(Rc::from("parties"), Val::Int(parties));
    }
    Ok(Flow::Val(Val::None))
}

fn barrier_of(vm: &Vm, a: &Args) -> Res<sim::Barrier> {
    match handle_of(vm, a.pos.first().unwrap_or(&Val::None))? {
        SimHandle::Barrier(b) => Ok(b),
        _ => Err(vm.type_error("not a barrier")),
    }
}

fn barrier_wait(vm: &mut Vm, mut a: Args) -> Res<Flow> {
    let b = barrier_of(vm, &a)?;
    let t = timeout_of(vm, a.arg(1, "timeout"))?;
    Ok(Flow::Sim(SimCall::new(
        "Barrier.wait()",
        move |cx| async move {
            let i = match t {
                Some(t) => b.wait_timeout(&cx, t).await?,
                None => b.wait(&cx).await?,
            };
            Ok(Reply::Val(Val::Int(i)))
        },
    )))
}

fn barrier_n_waiting(vm: &mut Vm, a: Args) -> Res<Flow> {
    let b = barrier_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Barrier.n_waiting",
        move |cx| async move { Ok(Reply::Val(Val::Int(b.n_waiting(&cx).await?))) },
    )))
}

fn barrier_broken(vm: &mut Vm, a: Args) -> Res<Flow> {
    let b = barrier_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Barrier.broken",
        move |cx| async move { boolean(b.broken(&cx).await?) },
    )))
}

fn barrier_abort(vm: &mut Vm, a: Args) -> Res<Flow> {
    let b = barrier_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Barrier.abort()",
        move |cx| async move {
            b.abort(&cx).await?;
            none()
        },
    )))
}

fn barrier_reset(vm: &mut Vm, a: Args) -> Res<Flow> {
    let b = barrier_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Barrier.reset()",
        move |cx| async move {
            b.reset(&cx).await?;
            none()
        },
    )))
}

// ---- threads ----------------------------------------------------------------------------------

/// `_start_thread(thread, name, daemon)`: creates the thread's unit running `thread.run()`
/// and starts it (the caller waits until it runs, as CPython's `start()` does).
pub fn start_thread(vm: &mut Vm, a: Args) -> Res<Flow> {
    // From now on this process's shared accesses are noted for the race detector.
    vm.world.tracking.set(true);
    let thread = a.pos.first().cloned().unwrap_or_default();
    let name = match a.pos.get(1) {
        Some(Val::Str(s)) => s.to_string(),
        _ => "Thread".to_string(),
    };
    let daemon = match a.pos.get(2) {
        Some(d) => vm.truthy(&d.clone())?,
        None => false,
    };
    let run = vm.getattr(&thread, "run")?;
    let program = crate::runner::thread_program(vm.world.clone(), run, thread);
    let t = vm.cx.thread(&name, program);
    let handle = new_native_obj(vm, "_thread_handle", SimHandle::Thread(t));
    Ok(Flow::Sim(SimCall::new(
        "Thread.start()",
        move |cx| async move {
            if daemon {
                t.set_daemon(&cx, true).await?;
            }
            t.start(&cx).await?;
            Ok(Reply::Val(handle))
        },
    )))
}

fn thread_of(vm: &Vm, v: &Val) -> Res<sim::Thread> {
    match handle_of(vm, v)? {
        SimHandle::Thread(t) => Ok(t),
        _ => Err(vm.type_error("not a thread handle")),
    }
}

/// `_join_thread(handle, timeout)`.
pub fn join_thread(vm: &mut Vm, a: Args) -> Res<Flow> {
    let t = thread_of(vm, a.pos.first().unwrap_or(&Val::None))?;
    let timeout = timeout_of(vm, a.pos.get(1).cloned())?;
    Ok(Flow::Sim(SimCall::new(
        "Thread.join()",
        move |cx| async move {
            match timeout {
                Some(d) => t.join_timeout(&cx, d).await?,
                None => t.join(&cx).await?,
            }
            none()
        },
    )))
}

/// `_thread_alive(handle)`.
pub fn thread_alive(vm: &mut Vm, a: Args) -> Res<Flow> {
    let t = thread_of(vm, a.pos.first().unwrap_or(&Val::None))?;
    Ok(Flow::Sim(SimCall::new(
        "Thread.is_alive()",
        move |cx| async move { boolean(t.is_alive(&cx).await?) },
    )))
}

/// `threading.current_thread()`.
pub fn current_thread(vm: &mut Vm, _a: Args) -> Res<Flow> {
    if !matches!(vm.current, Val::None) {
        return Ok(Flow::Val(vm.current.clone()));
    }
    let main = vm.world.modules.borrow().get("threading").cloned();
    match main {
        Some(Val::Module(m)) => Ok(Flow::Val(m.get("_main_thread").unwrap_or_default())),
        _ => Ok(Flow::Val(Val::None)),
    }
}

/// `_local_dict(obj)`: this thread's attribute dict of a `threading.local`. A thread other
/// than the first to touch the object runs the class's `__init__` on its fresh dict, as
/// CPython does.
pub fn local_dict(vm: &mut Vm, a: Args) -> Res<Flow> {
    let obj = a.pos.first().cloned().unwrap_or_default();
    let Val::Obj(o) = &obj else {
        return Err(vm.type_error("_local_dict() needs a local object"));
    };
    let ident = Val::Int(i64::from(vm.thread_unit));
    let key = vm.key(&ident)?;
    let store = {
        let mut p = o.payload.borrow_mut();
        if !matches!(&*p, Payload::Data(Val::Dict(_))) {
            *p = Payload::Data(Val::dict(Dict::new()));
        }
        match &*p {
            Payload::Data(Val::Dict(d)) => d.clone(),
            _ => return Err(vm.type_error("bad local object")),
        }
    };
    let found = store.borrow().get(&key).cloned();
    if let Some(d) = found {
        return Ok(Flow::Val(d));
    }
    let first = store.borrow().is_empty();
    let fresh = Val::dict(Dict::new());
    store.borrow_mut().insert(key, ident, fresh.clone());
    if !first
        && let Some(init) = o.class.lookup("__init__")
        && matches!(init, Val::Func(_))
    {
        vm.call_method_nested(init, obj.clone(), vec![])?;
    }
    Ok(Flow::Val(fresh))
}

pub fn get_ident(vm: &mut Vm, _a: Args) -> Res<Flow> {
    Ok(Flow::Val(Val::Int(
        140_000_000_000_000 + i64::from(vm.thread_unit) * 4096,
    )))
}

// ---- queue ------------------------------------------------------------------------------------

const QUEUE_METHODS: &[M] = &[
    ("put", queue_put),
    ("put_nowait", queue_put_nowait),
    ("get", queue_get),
    ("get_nowait", queue_get_nowait),
    ("qsize", queue_qsize),
    ("empty", queue_empty),
    ("full", queue_full),
    ("task_done", queue_task_done),
    ("join", queue_join),
];

fn queue_init(vm: &mut Vm, mut a: Args, kind: sim::QueueKind, joinable: bool) -> Res<Flow> {
    let maxsize = match a.arg(1, "maxsize") {
        Some(m) => want_int(vm, &m, "Queue()")?,
        None => 0,
    };
    let default = match kind {
        sim::QueueKind::Lifo => "lifo_queue",
        sim::QueueKind::Priority => "priority_queue",
        _ => "queue",
    };
    let name = object_name(vm, default);
    let flavor = flavor_of(a.pos.first().unwrap_or(&Val::None));
    let q = if joinable && flavor == sim::Flavor::Multiprocessing {
        vm.cx.mp_joinable_queue(&name, maxsize)
    } else {
        vm.cx.new_queue(flavor, kind, &name, maxsize)
    };
    let this = a.pos.first().cloned().unwrap_or_default();
    set_handle(&this, SimHandle::Queue(q));
    if let Val::Obj(o) = &this {
        o.attrs
            .borrow_mut()
            .set(Rc::from("maxsize"), Val::Int(maxsize));
    }
    Ok(Flow::Val(Val::None))
}

fn queue_init_joinable(vm: &mut Vm, a: Args) -> Res<Flow> {
    queue_init(vm, a, sim::QueueKind::Fifo, true)
}

fn queue_init_fifo(vm: &mut Vm, a: Args) -> Res<Flow> {
    queue_init(vm, a, sim::QueueKind::Fifo, false)
}

fn queue_init_lifo(vm: &mut Vm, a: Args) -> Res<Flow> {
    queue_init(vm, a, sim::QueueKind::Lifo, false)
}

fn queue_init_priority(vm: &mut Vm, a: Args) -> Res<Flow> {
    queue_init(vm, a, sim::QueueKind::Priority, false)
}

fn queue_init_simple(vm: &mut Vm, a: Args) -> Res<Flow> {
    queue_init(vm, a, sim::QueueKind::Simple, false)
}

fn queue_of(vm: &Vm, a: &Args) -> Res<sim::Queue> {
    match handle_of(vm, a.pos.first().unwrap_or(&Val::None))? {
        SimHandle::Queue(q) => Ok(q),
        _ => Err(vm.type_error("not a queue")),
    }
}

fn queue_put(vm: &mut Vm, mut a: Args) -> Res<Flow> {
    let q = queue_of(vm, &a)?;
    let Some(item) = a.arg(1, "item") else {
        return Err(vm.type_error("put() missing 1 required positional argument: 'item'"));
    };
    let block = match a.arg(2, "block") {
        Some(b) => vm.truthy(&b)?,
        None => true,
    };
    let t = timeout_of(vm, a.arg(3, "timeout"))?;
    let item = copy_if_mp(vm, a.pos.first().unwrap_or(&Val::None), item);
    let v = to_sim(vm, &item)?;
    Ok(Flow::Sim(SimCall::new(
        "Queue.put()",
        move |cx| async move {
            match (block, t) {
                (false, _) => q.put_nowait(&cx, v).await?,
                (true, Some(t)) => q.put_timeout(&cx, v, t).await?,
                (true, None) => q.put(&cx, v).await?,
            }
            none()
        },
    )))
}

fn queue_put_nowait(vm: &mut Vm, a: Args) -> Res<Flow> {
    let q = queue_of(vm, &a)?;
    let item = a.pos.get(1).cloned().unwrap_or_default();
    let item = copy_if_mp(vm, a.pos.first().unwrap_or(&Val::None), item);
    let v = to_sim(vm, &item)?;
    Ok(Flow::Sim(SimCall::new(
        "Queue.put_nowait()",
        move |cx| async move {
            q.put_nowait(&cx, v).await?;
            none()
        },
    )))
}

fn queue_get(vm: &mut Vm, mut a: Args) -> Res<Flow> {
    let q = queue_of(vm, &a)?;
    let block = match a.arg(1, "block") {
        Some(b) => vm.truthy(&b)?,
        None => true,
    };
    let t = timeout_of(vm, a.arg(2, "timeout"))?;
    Ok(Flow::Sim(SimCall::new(
        "Queue.get()",
        move |cx| async move {
            let v = match (block, t) {
                (false, _) => q.get_nowait(&cx).await?,
                (true, Some(t)) => q.get_timeout(&cx, t).await?,
                (true, None) => q.get(&cx).await?,
            };
            Ok(Reply::Sim(v))
        },
    )))
}

fn queue_get_nowait(vm: &mut Vm, a: Args) -> Res<Flow> {
    let q = queue_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Queue.get_nowait()",
        move |cx| async move { Ok(Reply::Sim(q.get_nowait(&cx).await?)) },
    )))
}

fn queue_unfinished_tasks(vm: &mut Vm, a: Args) -> Res<Flow> {
    let q = queue_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Queue.unfinished_tasks",
        move |cx| async move { Ok(Reply::Val(Val::Int(q.unfinished_tasks(&cx).await?))) },
    )))
}

fn queue_qsize(vm: &mut Vm, a: Args) -> Res<Flow> {
    let q = queue_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Queue.qsize()",
        move |cx| async move { Ok(Reply::Val(Val::Int(q.qsize(&cx).await?))) },
    )))
}

fn queue_empty(vm: &mut Vm, a: Args) -> Res<Flow> {
    let q = queue_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Queue.empty()",
        move |cx| async move { boolean(q.empty(&cx).await?) },
    )))
}

fn queue_full(vm: &mut Vm, a: Args) -> Res<Flow> {
    let q = queue_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Queue.full()",
        move |cx| async move { boolean(q.full(&cx).await?) },
    )))
}

fn queue_task_done(vm: &mut Vm, a: Args) -> Res<Flow> {
    let q = queue_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Queue.task_done()",
        move |cx| async move {
            q.task_done(&cx).await?;
            none()
        },
    )))
}

fn queue_join(vm: &mut Vm, a: Args) -> Res<Flow> {
    let q = queue_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Queue.join()",
        move |cx| async move {
            q.join(&cx).await?;
            none()
        },
    )))
}

// ---- time -------------------------------------------------------------------------------------

pub fn time_sleep(vm: &mut Vm, a: Args) -> Res<Flow> {
    let Some(s) = a.pos.first() else {
        return Err(vm.type_error("time.sleep() takes exactly one argument (0 given)"));
    };
    let d = to_nanos(vm, s, "sleep length")?;
    Ok(Flow::Sim(SimCall::new(
        "time.sleep()",
        move |cx| async move {
            cx.sleep(d).await?;
            none()
        },
    )))
}

/// `time.time()` and friends: virtual seconds (the epoch of `time.time()` is fixed). The
/// clock is read without a simulator operation: the time the thread last resumed plus the CPU
/// it has run since (a busy-wait on `perf_counter` costs what CPython's does, not a step each).
pub fn time_now(vm: &mut Vm, _a: Args, offset: f64, ns: bool) -> Res<Flow> {
    let t = vm.cx.clock().saturating_add(vm.pending_ns);
    Ok(Flow::Val(if ns {
        Val::Int((t as i64).saturating_add((offset * 1e9) as i64))
    } else {
        Val::Float(offset + t as f64 / 1e9)
    }))
}

/// The virtual clock's epoch for `time.time()`: 2024-01-01 00:00:00 UTC.
pub const EPOCH: f64 = 1_704_067_200.0;

pub fn time_time(vm: &mut Vm, a: Args) -> Res<Flow> {
    time_now(vm, a, EPOCH, false)
}

pub fn time_time_ns(vm: &mut Vm, a: Args) -> Res<Flow> {
    time_now(vm, a, EPOCH, true)
}

pub fn time_monotonic(vm: &mut Vm, a: Args) -> Res<Flow> {
    time_now(vm, a, 0.0, false)
}

pub fn time_monotonic_ns(vm: &mut Vm, a: Args) -> Res<Flow> {
    time_now(vm, a, 0.0, true)
}

pub fn string_arg(vm: &Vm, a: &Args, i: usize, what: &str) -> Res<Rc<str>> {
    want_str(vm, a.pos.get(i).unwrap_or(&Val::None), what)
}

// ---- contextvars ------------------------------------------------------------------------------

/// A copy of a `contextvars.Context` (a new one over a copy of its `_data` dict), for a new
/// task; `None` (no context made yet) stays `None`.
pub fn copy_context(ctx: &Val) -> Val {
    let Val::Obj(o) = ctx else { return Val::None };
    let data = match o.attrs.borrow().get("_data") {
        Some(Val::Dict(d)) => d.borrow().clone(),
        _ => return Val::None,
    };
    let mut attrs = Attrs::default();
    attrs.set(Rc::from("_data"), Val::dict(data));
    attrs.set(Rc::from("_entered"), Val::Bool(false));
    Val::Obj(Rc::new(Instance {
        class: o.class.clone(),
        attrs: RefCell::new(attrs),
        payload: RefCell::new(Payload::None),
    }))
}

/// `_get_context()`: the unit's current context, or `None` before the first use.
pub fn get_context(vm: &mut Vm, _a: Args) -> Res<Flow> {
    Ok(Flow::Val(vm.context.clone()))
}

/// `_set_context(ctx)`.
pub fn set_context(vm: &mut Vm, a: Args) -> Res<Flow> {
    vm.context = a.pos.first().cloned().unwrap_or_default();
    Ok(Flow::Val(Val::None))
}

/// `logging._caller()`: `(filename, line, function)` of the innermost frame outside
/// logging, for a log record.
pub fn caller(vm: &mut Vm, _a: Args) -> Res<Flow> {
    let frame = vm
        .frames
        .iter()
        .rev()
        .find(|f| !f.code.filename.starts_with("<stdlib>/logging"));
    Ok(Flow::Val(match frame {
        Some(f) => Val::tuple(vec![
            Val::Str(f.code.filename.clone()),
            Val::Int(i64::from(f.code.line_at(f.ip.saturating_sub(1)))),
            Val::Str(f.code.name.clone()),
        ]),
        None => Val::tuple(vec![
            Val::str("(unknown file)"),
            Val::Int(0),
            Val::str("(unknown function)"),
        ]),
    }))
}
