//! `asyncio` on the simulator: every Task is a simulator task unit whose body runs a
//! coroutine on its own VM, so the event loop *is* the simulator's (tasks switch only at
//! awaits that suspend, in FIFO order). Awaitable operations (`asyncio.sleep`, `Queue.get`,
//! `Lock.acquire` ...) are objects holding one blocking call; `await` performs it.

use std::cell::RefCell;
use std::rc::Rc;

use interleave_sim::{self as sim, Ctx, PyError, PyErrorKind};

use crate::builtins::{native, native_class, set, want_int};
use crate::natives::{Reply, SimCall, SimHandle, exc_from_sim, new_native_obj, to_nanos, to_sim};
use crate::obj::*;
use crate::vm::{Args, Flow, Res, Vm};
use crate::world::{Types, World};

/// The native classes of `asyncio`.
pub fn install(t: &mut Types) {
    let a = native_class(t, "_awaitable", "asyncio");
    t.by_name.insert("_awaitable", a);
    let task = native_class(t, "Task", "asyncio");
    set(&task, "get_name", task_get_name);
    set(&task, "set_name", task_set_name);
    set(&task, "done", task_done);
    set(&task, "result", task_result);
    set(&task, "cancel", task_cancel);
    set(&task, "cancelled", task_cancelled);
    set(&task, "__repr__", task_repr);
    set(&task, "exception", task_exception);
    set(&task, "add_done_callback", task_add_done_callback);
    let fut = native_class(t, "Future", "asyncio");
    set(&fut, "__init__", future_init);
    set(&fut, "set_result", future_set_result);
    set(&fut, "set_exception", future_set_exception);
    set(&fut, "result", future_result);
    set(&fut, "exception", future_exception);
    set(&fut, "done", future_done);
    set(&fut, "cancelled", future_cancelled);
    set(&fut, "cancel", future_cancel);
    set(&fut, "add_done_callback", future_add_done_callback);
    t.by_name.insert("aio.Future", fut);
    let cb = native_class(t, "_callback", "asyncio");
    t.by_name.insert("_callback", cb);
    t.by_name.insert("aio.Task", task);
    // asyncio's three queues differ only in which item `get` takes.
    let queues: [(&'static str, &str, crate::vm::NativeFn); 3] = [
        ("aio.Queue", "Queue", queue_init),
        ("aio.LifoQueue", "LifoQueue", lifo_queue_init),
        ("aio.PriorityQueue", "PriorityQueue", priority_queue_init),
    ];
    for (key, name, init) in queues {
        let q = native_class(t, name, "asyncio");
        set(&q, "__init__", init);
        set(&q, "put", queue_put);
        set(&q, "get", queue_get);
        set(&q, "put_nowait", queue_put_nowait);
        set(&q, "get_nowait", queue_get_nowait);
        set(&q, "qsize", queue_qsize);
        set(&q, "empty", queue_empty);
        set(&q, "full", queue_full);
        set(&q, "task_done", queue_task_done);
        set(&q, "join", queue_join);
        t.by_name.insert(key, q);
    }
    let l = native_class(t, "Lock", "asyncio");
    set(&l, "__init__", lock_init);
    set(&l, "acquire", lock_acquire);
    set(&l, "__aenter__", lock_acquire);
    set(&l, "release", lock_release);
    set(&l, "__aexit__", lock_aexit);
    set(&l, "locked", lock_locked);
    t.by_name.insert("aio.Lock", l);
    for (key, name, bounded) in [
        ("aio.Semaphore", "Semaphore", false),
        ("aio.BoundedSemaphore", "BoundedSemaphore", true),
    ] {
        let s = native_class(t, name, "asyncio");
        set(&s, "__init__", if bounded { bsem_init } else { sem_init });
        set(&s, "acquire", sem_acquire);
        set(&s, "__aenter__", sem_acquire);
        set(&s, "release", sem_release);
        set(&s, "__aexit__", sem_aexit);
        set(&s, "locked", sem_locked);
        s.dict.borrow_mut().set(
            Rc::from("_value"),
            Val::Property(Rc::new([native("_value", sem_value), Val::None, Val::None])),
        );
        s.has_props.set(true);
        t.by_name.insert(key, s);
    }
    let e = native_class(t, "Event", "asyncio");
    set(&e, "__init__", event_init);
    set(&e, "set", event_set);
    set(&e, "clear", event_clear);
    set(&e, "is_set", event_is_set);
    set(&e, "wait", event_wait);
    t.by_name.insert("aio.Event", e);
}

/// The `asyncio` module's natives.
pub fn fill_module(vm: &Vm, m: &Rc<Module>) {
    let f = |n: &'static str, func: crate::vm::NativeFn| m.set(n, native(n, func));
    f("_run", run);
    f("sleep", sleep);
    f("create_task", create_task);
    f("ensure_future", create_task);
    f("gather", gather);
    f("wait_for", wait_for);
    f("current_task", current_task);
    f("iscoroutine", iscoroutine);
    f("_is_coroutine_function", is_coroutine_function);
    f("_wait", wait_native);
    f("_all_task_objects", all_task_objects);
    f("to_thread", to_thread);
    f("_call_later", call_later_native);
    f("_call_soon_threadsafe", call_soon_threadsafe_native);
    f("_cancel_callback", cancel_callback);
    f("_in_loop", in_loop);
    f("_loop_key", loop_key);
    f("_shielded", shielded);
    f("_expecting", crate::wakeup::expecting);
    for (key, name) in [
        ("aio.Task", "Task"),
        ("aio.Queue", "Queue"),
        ("aio.LifoQueue", "LifoQueue"),
        ("aio.PriorityQueue", "PriorityQueue"),
        ("aio.Lock", "Lock"),
        ("aio.Semaphore", "Semaphore"),
        ("aio.BoundedSemaphore", "BoundedSemaphore"),
        ("aio.Event", "Event"),
        ("aio.Future", "Future"),
        ("CancelledError", "CancelledError"),
        ("InvalidStateError", "InvalidStateError"),
        ("QueueEmpty", "QueueEmpty"),
        ("QueueFull", "QueueFull"),
        ("TimeoutError", "TimeoutError"),
    ] {
        m.set(name, Val::Class(vm.world.class(key)));
    }
}

/// An object that `await` turns into one blocking call.
fn awaitable(vm: &Vm, call: SimCall) -> Val {
    Val::Obj(Rc::new(Instance {
        class: vm.world.class("_awaitable"),
        attrs: RefCell::new(Attrs::default()),
        payload: RefCell::new(Payload::Await(Some(call))),
    }))
}

/// Whether `await` may take `v` as it is (a native awaitable or a task).
pub fn is_awaitable(v: &Val) -> bool {
    match v {
        Val::Obj(o) => {
            matches!(&*o.payload.borrow(), Payload::Await(_))
                || (matches!(
                    &*o.payload.borrow(),
                    Payload::Sim(SimHandle::Task(_) | SimHandle::Future(_))
                ))
        }
        _ => false,
    }
}

/// `await v` for a native awaitable or a task.
pub fn await_native(vm: &mut Vm, v: &Val) -> Res<Flow> {
    if let Val::Obj(o) = v {
        let mut p = o.payload.borrow_mut();
        match &mut *p {
            Payload::Await(call) => {
                return match call.take() {
                    Some(c) => Ok(Flow::Sim(c)),
                    None => Err(vm.exc("RuntimeError", "cannot reuse already awaited coroutine")),
                };
            }
            Payload::Sim(SimHandle::Task(t)) => {
                let t = *t;
                return Ok(Flow::Sim(SimCall::new(
                    "await task",
                    move |cx| async move { Ok(Reply::SimKeep(t.wait(&cx).await?)) },
                )));
            }
            Payload::Sim(SimHandle::Future(f)) => {
                let f = *f;
                return Ok(Flow::Sim(SimCall::new(
                    "await future",
                    move |cx| async move { Ok(Reply::SimKeep(f.wait(&cx).await?)) },
                )));
            }
            _ => {}
        }
    }
    let tn = vm.world.type_name(v);
    Err(vm.type_error(format!("object {tn} can't be used in 'await' expression")))
}

/// The simulator error kind that stands for a Python exception leaving a task or thread.
pub(crate) fn kind_of(vm: &Vm, e: &Val) -> PyErrorKind {
    use PyErrorKind as K;
    let c = vm.world.class_of(e);
    for k in [
        K::CancelledError,
        K::TimeoutError,
        K::BrokenBarrierError,
        K::EOFError,
        K::ZeroDivisionError,
        K::KeyError,
        K::IndexError,
        K::ValueError,
        K::TypeError,
        K::AttributeError,
        K::RuntimeError,
        K::AssertionError,
        K::OSError,
    ] {
        if c.is_subclass(&vm.world.class(crate::world::sim_error_class(k))) {
            return k;
        }
    }
    K::Exception
}

/// What a task or loop callback takes from the unit that made it: the context (a copy, or
/// the one given), and the thread it runs in.
#[derive(Clone)]
pub struct Origin {
    context: Val,
    current: Val,
    thread_unit: u32,
}

impl Origin {
    /// `vm`'s thread, with a copy of its context.
    pub fn of(vm: &Vm) -> Origin {
        Origin {
            context: crate::natives::copy_context(&vm.context),
            current: vm.current.clone(),
            thread_unit: vm.thread_unit,
        }
    }

    /// A VM for the new unit.
    fn vm(self, world: &Rc<World>, cx: &Ctx) -> Vm {
        let mut vm = Vm::new(world.clone(), cx.clone(), self.current);
        vm.context = self.context;
        vm.thread_unit = self.thread_unit;
        vm
    }
}

/// The body of a task unit: runs the coroutine to its end.
pub fn task_program(world: Rc<World>, coro: Val, name: String, origin: Origin) -> sim::Program {
    sim::Program::new(move |cx: Ctx| async move {
        let mut vm = origin.vm(&world, &cx);
        let id = cx.id();
        if !world.tasks.borrow().contains_key(&id.0) {
            // asyncio.run's main task: made by the simulator, known here by its unit.
            let obj = task_object(&vm, sim::Task { id }, &name);
            world.tasks.borrow_mut().insert(id.0, obj);
        }
        if let Err(e) = vm.start_coroutine(coro) {
            return Err(keep_error(&mut vm, e));
        }
        match crate::runner::drive(&cx, &mut vm).await {
            Ok(v) => to_sim(&mut vm, &v).map_err(|e| keep_error(&mut vm, e)),
            Err(e) => Err(keep_error(&mut vm, e)),
        }
    })
}

/// The simulator error for a Python exception, remembered so that whoever awaits the task
/// gets the very exception object back.
fn keep_error(vm: &mut Vm, e: Val) -> PyError {
    let msg = vm.str_of(&e).unwrap_or_default();
    let pe = PyError::new(kind_of(vm, &e), msg);
    vm.world
        .shared
        .task_errors
        .borrow_mut()
        .push((pe.clone(), e));
    pe
}

fn next_task_name(vm: &Vm) -> String {
    let n = vm.world.task_counter.get() + 1;
    vm.world.task_counter.set(n);
    format!("Task-{n}")
}

fn expect_coroutine(vm: &Vm, v: &Val, what: &str) -> Res<()> {
    match v {
        Val::Gen(g) if g.borrow().is_coroutine => Ok(()),
        other => {
            let tn = vm.world.type_name(other);
            Err(vm.type_error(format!("{what} a coroutine was expected, got {tn}")))
        }
    }
}

/// `asyncio.run(main())`.
fn run(vm: &mut Vm, a: Args) -> Res<Flow> {
    let coro = a.pos.first().cloned().unwrap_or_default();
    expect_coroutine(vm, &coro, "")?;
    let name = next_task_name(vm);
    let program = task_program(vm.world.clone(), coro, name.clone(), Origin::of(vm));
    Ok(Flow::Sim(SimCall::new(
        "asyncio.run()",
        move |cx| async move { Ok(Reply::SimKeep(cx.run_loop(&name, program).await?)) },
    )))
}

fn sleep(vm: &mut Vm, mut a: Args) -> Res<Flow> {
    let d = to_nanos(vm, a.pos.first().unwrap_or(&Val::Int(0)), "sleep length")?;
    let result = a.arg(1, "result").unwrap_or_default();
    let v = to_sim(vm, &result)?;
    let call = SimCall::new("asyncio.sleep()", move |cx| async move {
        cx.asleep(d).await?;
        Ok(Reply::SimKeep(v))
    });
    Ok(Flow::Val(awaitable(vm, call)))
}

/// A task object for a new task running `coro`.
fn new_task(vm: &mut Vm, coro: Val, name: Option<String>, context: Option<Val>) -> Res<Val> {
    expect_coroutine(vm, &coro, "")?;
    // Tasks interleave at awaits: their shared accesses are noted for the race detector.
    vm.world.tracking.set(true);
    let auto = next_task_name(vm);
    let name = name.unwrap_or(auto);
    // A task runs in a copy of the creator's context, or in the one given (`context=`).
    let mut origin = Origin::of(vm);
    if let Some(c) = context {
        origin.context = c;
    }
    let program = task_program(vm.world.clone(), coro, name.clone(), origin);
    let t = vm
        .cx
        .create_task(&name, program)
        .map_err(|e| exc_from_sim(vm, e))?;
    let obj = task_object(vm, t, &name);
    vm.world.tasks.borrow_mut().insert(t.id.0, obj.clone());
    Ok(obj)
}

fn task_object(vm: &Vm, t: sim::Task, name: &str) -> Val {
    let obj = Val::Obj(Rc::new(Instance {
        class: vm.world.class("aio.Task"),
        attrs: RefCell::new(Attrs::default()),
        payload: RefCell::new(Payload::Sim(SimHandle::Task(t))),
    }));
    if let Val::Obj(o) = &obj {
        o.attrs.borrow_mut().set(Rc::from("_name"), Val::str(name));
    }
    obj
}

fn create_task(vm: &mut Vm, mut a: Args) -> Res<Flow> {
    let name = match a.take_kw("name") {
        None | Some(Val::None) => None,
        Some(n) => Some(vm.str_of(&n)?),
    };
    let context = a.take_kw("context").filter(|c| !matches!(c, Val::None));
    let coro = a.pos.first().cloned().unwrap_or_default();
    if is_task(&coro) {
        return Ok(Flow::Val(coro));
    }
    let coro = if is_awaitable(&coro) {
        let m = vm.import_module("asyncio")?;
        let wrap = vm.getattr(&m, "_wrap")?;
        vm.call_nested(wrap, Args::new(vec![coro]))?
    } else {
        coro
    };
    Ok(Flow::Val(new_task(vm, coro, name, context)?))
}

fn is_task(v: &Val) -> bool {
    matches!(v, Val::Obj(o) if matches!(&*o.payload.borrow(), Payload::Sim(SimHandle::Task(_))))
}

fn task_of(vm: &Vm, v: &Val) -> Res<sim::Task> {
    if let Val::Obj(o) = v
        && let Payload::Sim(SimHandle::Task(t)) = &*o.payload.borrow()
    {
        return Ok(*t);
    }
    Err(vm.type_error("not a task"))
}

/// A task for an awaitable argument of `gather`/`wait_for` (coroutines become tasks; other
/// awaitables are wrapped in a coroutine first).
fn ensure_task(vm: &mut Vm, v: Val) -> Res<sim::Task> {
    if is_task(&v) {
        return task_of(vm, &v);
    }
    let v = if is_awaitable(&v) {
        let m = vm.import_module("asyncio")?;
        let wrap = vm.getattr(&m, "_wrap")?;
        vm.call_nested(wrap, Args::new(vec![v]))?
    } else {
        v
    };
    let t = new_task(vm, v, None, None)?;
    task_of(vm, &t)
}

fn is_coroutine_function(_vm: &mut Vm, a: Args) -> Res<Flow> {
    let r = match a.pos.first() {
        Some(Val::Func(f)) => f.code.is_coroutine && !f.code.is_generator,
        Some(Val::Method(m)) => matches!(&m.1, Val::Func(f) if f.code.is_coroutine),
        _ => false,
    };
    Ok(Flow::Val(Val::Bool(r)))
}

/// `_wait(tasks, timeout, return_when)`: an awaitable of `(done, pending)` lists.
fn wait_native(vm: &mut Vm, a: Args) -> Res<Flow> {
    let items = vm.collect(a.pos.first().cloned().unwrap_or_default())?;
    let mut tasks = Vec::new();
    for t in items {
        tasks.push(ensure_task(vm, t)?);
    }
    let timeout = match a.pos.get(1) {
        None | Some(Val::None) => None,
        Some(t) => Some(to_nanos(vm, t, "timeout")?),
    };
    let when = match a.pos.get(2).and_then(Val::as_str) {
        Some("FIRST_COMPLETED") => sim::ReturnWhen::FirstCompleted,
        Some("FIRST_EXCEPTION") => sim::ReturnWhen::FirstException,
        _ => sim::ReturnWhen::AllCompleted,
    };
    let call = SimCall::new("asyncio.wait()", move |cx| async move {
        let (done, pending) = cx.wait_tasks(&tasks, timeout, when).await?;
        Ok(Reply::Tasks(
            done.iter().map(|t| t.id.0).collect(),
            pending.iter().map(|t| t.id.0).collect(),
        ))
    });
    Ok(Flow::Val(awaitable(vm, call)))
}

/// `asyncio.to_thread(func, *args)`: `func` runs in a new thread; the task awaits it.
fn to_thread(vm: &mut Vm, a: Args) -> Res<Flow> {
    let mut it = a.pos.into_iter();
    let func = it.next().unwrap_or_default();
    let args: Vec<Val> = it.collect();
    let n = vm.world.task_counter.get();
    let name = format!("asyncio_{n}");
    let world = vm.world.clone();
    // Like CPython's, the thread runs the function in a copy of the task's context.
    let context = crate::natives::copy_context(&vm.context);
    let program = sim::Program::new(move |cx: Ctx| async move {
        let mut vm = Vm::new(world.clone(), cx.clone(), Val::None);
        vm.context = context;
        let r = crate::runner::run_call(&cx, &mut vm, func, Args::new(args)).await;
        match r {
            Ok(v) => to_sim(&mut vm, &v).map_err(|e| keep_error(&mut vm, e)),
            Err(e) => Err(keep_error(&mut vm, e)),
        }
    });
    let call = SimCall::new("asyncio.to_thread()", move |cx| async move {
        Ok(Reply::SimKeep(cx.to_thread(&name, program).await?))
    });
    Ok(Flow::Val(awaitable(vm, call)))
}

fn gather(vm: &mut Vm, mut a: Args) -> Res<Flow> {
    let all = match a.take_kw("return_exceptions") {
        Some(v) => vm.truthy(&v)?,
        None => false,
    };
    let mut tasks = Vec::new();
    for aw in a.pos {
        tasks.push(ensure_task(vm, aw)?);
    }
    let call = SimCall::new("asyncio.gather()", move |cx| async move {
        if all {
            let rs = cx.gather_all(&tasks).await?;
            Ok(Reply::Outcomes(rs))
        } else {
            Ok(Reply::SimListKeep(cx.gather(&tasks).await?))
        }
    });
    Ok(Flow::Val(awaitable(vm, call)))
}

fn wait_for(vm: &mut Vm, mut a: Args) -> Res<Flow> {
    let aw = a.arg(0, "fut").unwrap_or_default();
    let timeout = a.arg(1, "timeout").unwrap_or_default();
    let t = ensure_task(vm, aw)?;
    let call = match timeout {
        Val::None => SimCall::new("asyncio.wait_for()", move |cx| async move {
            Ok(Reply::SimKeep(t.wait(&cx).await?))
        }),
        other => {
            let d = to_nanos(vm, &other, "timeout")?;
            SimCall::new("asyncio.wait_for()", move |cx| async move {
                Ok(Reply::SimKeep(cx.wait_for(t, d).await?))
            })
        }
    };
    Ok(Flow::Val(awaitable(vm, call)))
}

fn current_task(vm: &mut Vm, _a: Args) -> Res<Flow> {
    let id = vm.cx.id().0;
    Ok(Flow::Val(
        vm.world
            .tasks
            .borrow()
            .get(&id)
            .cloned()
            .unwrap_or_default(),
    ))
}

fn iscoroutine(_vm: &mut Vm, a: Args) -> Res<Flow> {
    let r = matches!(a.pos.first(), Some(Val::Gen(g)) if g.borrow().is_coroutine);
    Ok(Flow::Val(Val::Bool(r)))
}

fn task_get_name(_vm: &mut Vm, a: Args) -> Res<Flow> {
    match a.pos.first() {
        Some(Val::Obj(o)) => Ok(Flow::Val(
            o.attrs.borrow().get("_name").cloned().unwrap_or_default(),
        )),
        _ => Ok(Flow::Val(Val::None)),
    }
}

fn task_set_name(_vm: &mut Vm, a: Args) -> Res<Flow> {
    if let (Some(Val::Obj(o)), Some(n)) = (a.pos.first(), a.pos.get(1)) {
        o.attrs.borrow_mut().set(Rc::from("_name"), n.clone());
    }
    Ok(Flow::Val(Val::None))
}

fn task_done(vm: &mut Vm, a: Args) -> Res<Flow> {
    let t = task_of(vm, a.pos.first().unwrap_or(&Val::None))?;
    Ok(Flow::Sim(SimCall::new(
        "Task.done()",
        move |cx| async move { Ok(Reply::Val(Val::Bool(t.done(&cx).await?))) },
    )))
}

fn task_result(vm: &mut Vm, a: Args) -> Res<Flow> {
    let t = task_of(vm, a.pos.first().unwrap_or(&Val::None))?;
    Ok(Flow::Sim(SimCall::new(
        "Task.result()",
        move |cx| async move { Ok(Reply::SimKeep(t.result(&cx).await?)) },
    )))
}

fn task_cancel(vm: &mut Vm, a: Args) -> Res<Flow> {
    let t = task_of(vm, a.pos.first().unwrap_or(&Val::None))?;
    Ok(Flow::Sim(SimCall::new(
        "Task.cancel()",
        move |cx| async move { Ok(Reply::Val(Val::Bool(t.cancel(&cx).await?))) },
    )))
}

fn task_cancelled(vm: &mut Vm, a: Args) -> Res<Flow> {
    let t = task_of(vm, a.pos.first().unwrap_or(&Val::None))?;
    Ok(Flow::Sim(SimCall::new(
        "Task.cancelled()",
        move |cx| async move {
            if !t.done(&cx).await? {
                return Ok(Reply::Val(Val::Bool(false)));
            }
            let c = matches!(t.result(&cx).await, Err(e) if e.kind == PyErrorKind::CancelledError);
            Ok(Reply::Val(Val::Bool(c)))
        },
    )))
}

fn all_task_objects(vm: &mut Vm, _a: Args) -> Res<Flow> {
    let v: Vec<Val> = vm.world.tasks.borrow().values().cloned().collect();
    Ok(Flow::Val(Val::list(v)))
}

fn task_repr(_vm: &mut Vm, a: Args) -> Res<Flow> {
    let name = match a.pos.first() {
        Some(Val::Obj(o)) => o.attrs.borrow().get("_name").cloned().unwrap_or_default(),
        _ => Val::None,
    };
    Ok(Flow::Val(Val::str(&format!(
        "<Task name='{}'>",
        crate::ops::str_of_plain(&name)
    ))))
}

// ---- primitives -----------------------------------------------------------------------------

fn handle(vm: &Vm, a: &Args) -> Res<SimHandle> {
    crate::natives::handle_of(vm, a.pos.first().unwrap_or(&Val::None))
}

fn set_handle(a: &Args, h: SimHandle) {
    crate::natives::set_handle(a.pos.first().unwrap_or(&Val::None), h);
}

fn queue_init(vm: &mut Vm, a: Args) -> Res<Flow> {
    init_queue(vm, a, sim::QueueKind::Fifo)
}

fn lifo_queue_init(vm: &mut Vm, a: Args) -> Res<Flow> {
    init_queue(vm, a, sim::QueueKind::Lifo)
}

fn priority_queue_init(vm: &mut Vm, a: Args) -> Res<Flow> {
    init_queue(vm, a, sim::QueueKind::Priority)
}

fn init_queue(vm: &mut Vm, mut a: Args, kind: sim::QueueKind) -> Res<Flow> {
    let maxsize = match a.arg(1, "maxsize") {
        Some(m) => want_int(vm, &m, "Queue()")?,
        None => 0,
    };
    let name = crate::natives::object_name(vm, "queue");
    let q = vm.cx.new_queue(sim::Flavor::Asyncio, kind, &name, maxsize);
    set_handle(&a, SimHandle::Queue(q));
    if let Some(Val::Obj(o)) = a.pos.first() {
        o.attrs
            .borrow_mut()
            .set(Rc::from("maxsize"), Val::Int(maxsize));
    }
    Ok(Flow::Val(Val::None))
}

fn queue(vm: &Vm, a: &Args) -> Res<sim::Queue> {
    match handle(vm, a)? {
        SimHandle::Queue(q) => Ok(q),
        _ => Err(vm.type_error("not a queue")),
    }
}

fn queue_put(vm: &mut Vm, a: Args) -> Res<Flow> {
    let q = queue(vm, &a)?;
    let v = to_sim(vm, a.pos.get(1).unwrap_or(&Val::None))?;
    let call = SimCall::new("Queue.put()", move |cx| async move {
        q.put(&cx, v).await?;
        Ok(Reply::Val(Val::None))
    });
    Ok(Flow::Val(awaitable(vm, call)))
}

fn queue_get(vm: &mut Vm, a: Args) -> Res<Flow> {
    let q = queue(vm, &a)?;
    let call = SimCall::new("Queue.get()", move |cx| async move {
        Ok(Reply::Sim(q.get(&cx).await?))
    });
    Ok(Flow::Val(awaitable(vm, call)))
}

fn queue_put_nowait(vm: &mut Vm, a: Args) -> Res<Flow> {
    let q = queue(vm, &a)?;
    let v = to_sim(vm, a.pos.get(1).unwrap_or(&Val::None))?;
    Ok(Flow::Sim(SimCall::new(
        "Queue.put_nowait()",
        move |cx| async move {
            match q.put_nowait(&cx, v).await {
                Ok(()) => Ok(Reply::Val(Val::None)),
                Err(e) if e.kind == PyErrorKind::Full => {
                    Ok(Reply::Raise("QueueFull", String::new()))
                }
                Err(e) => Err(e),
            }
        },
    )))
}

fn queue_get_nowait(vm: &mut Vm, a: Args) -> Res<Flow> {
    let q = queue(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Queue.get_nowait()",
        move |cx| async move {
            match q.get_nowait(&cx).await {
                Ok(v) => Ok(Reply::Sim(v)),
                Err(e) if e.kind == PyErrorKind::Empty => {
                    Ok(Reply::Raise("QueueEmpty", String::new()))
                }
                Err(e) => Err(e),
            }
        },
    )))
}

fn queue_qsize(vm: &mut Vm, a: Args) -> Res<Flow> {
    let q = queue(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Queue.qsize()",
        move |cx| async move { Ok(Reply::Val(Val::Int(q.qsize(&cx).await?))) },
    )))
}

fn queue_empty(vm: &mut Vm, a: Args) -> Res<Flow> {
    let q = queue(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Queue.empty()",
        move |cx| async move { Ok(Reply::Val(Val::Bool(q.empty(&cx).await?))) },
    )))
}

fn queue_full(vm: &mut Vm, a: Args) -> Res<Flow> {
    let q = queue(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Queue.full()",
        move |cx| async move { Ok(Reply::Val(Val::Bool(q.full(&cx).await?))) },
    )))
}

fn queue_task_done(vm: &mut Vm, a: Args) -> Res<Flow> {
    let q = queue(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Queue.task_done()",
        move |cx| async move {
            q.task_done(&cx).await?;
            Ok(Reply::Val(Val::None))
        },
    )))
}

fn queue_join(vm: &mut Vm, a: Args) -> Res<Flow> {
    let q = queue(vm, &a)?;
    let call = SimCall::new("Queue.join()", move |cx| async move {
        q.join(&cx).await?;
        Ok(Reply::Val(Val::None))
    });
    Ok(Flow::Val(awaitable(vm, call)))
}

fn lock_init(vm: &mut Vm, a: Args) -> Res<Flow> {
    let name = crate::natives::object_name(vm, "lock");
    let l = vm.cx.new_lock(sim::Flavor::Asyncio, &name);
    set_handle(&a, SimHandle::Lock(l));
    Ok(Flow::Val(Val::None))
}

fn lock(vm: &Vm, a: &Args) -> Res<sim::Lock> {
    match handle(vm, a)? {
        SimHandle::Lock(l) => Ok(l),
        _ => Err(vm.type_error("not a lock")),
    }
}

fn lock_acquire(vm: &mut Vm, a: Args) -> Res<Flow> {
    let l = lock(vm, &a)?;
    let call = SimCall::new("Lock.acquire()", move |cx| async move {
        Ok(Reply::Val(Val::Bool(l.acquire(&cx).await?)))
    });
    Ok(Flow::Val(awaitable(vm, call)))
}

fn lock_release(vm: &mut Vm, a: Args) -> Res<Flow> {
    let l = lock(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Lock.release()",
        move |cx| async move {
            l.release(&cx).await?;
            Ok(Reply::Val(Val::None))
        },
    )))
}

fn lock_aexit(vm: &mut Vm, a: Args) -> Res<Flow> {
    let l = lock(vm, &a)?;
    let call = SimCall::new("Lock.release()", move |cx| async move {
        l.release(&cx).await?;
        Ok(Reply::Val(Val::Bool(false)))
    });
    Ok(Flow::Val(awaitable(vm, call)))
}

fn lock_locked(vm: &mut Vm, a: Args) -> Res<Flow> {
    let l = lock(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Lock.locked()",
        move |cx| async move { Ok(Reply::Val(Val::Bool(l.locked(&cx).await?))) },
    )))
}

fn sem_make(vm: &mut Vm, mut a: Args, bounded: bool) -> Res<Flow> {
    let value = match a.arg(1, "value") {
        Some(v) => want_int(vm, &v, "Semaphore()")?,
        None => 1,
    };
    let name = crate::natives::object_name(vm, "semaphore");
    let s = vm
        .cx
        .new_semaphore(sim::Flavor::Asyncio, &name, value, bounded)
        .map_err(|e| exc_from_sim(vm, e))?;
    set_handle(&a, SimHandle::Semaphore(s, bounded));
    Ok(Flow::Val(Val::None))
}

fn sem_init(vm: &mut Vm, a: Args) -> Res<Flow> {
    sem_make(vm, a, false)
}

fn bsem_init(vm: &mut Vm, a: Args) -> Res<Flow> {
    sem_make(vm, a, true)
}

fn sem(vm: &Vm, a: &Args) -> Res<sim::Semaphore> {
    match handle(vm, a)? {
        SimHandle::Semaphore(s, _) => Ok(s),
        _ => Err(vm.type_error("not a semaphore")),
    }
}

fn sem_acquire(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = sem(vm, &a)?;
    let call = SimCall::new("Semaphore.acquire()", move |cx| async move {
        Ok(Reply::Val(Val::Bool(s.acquire(&cx).await?)))
    });
    Ok(Flow::Val(awaitable(vm, call)))
}

/// `sem._value`: the permits left (what CPython's attribute holds).
fn sem_value(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = sem(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Semaphore._value",
        move |cx| async move { Ok(Reply::Val(Val::Int(s.value(&cx).await?))) },
    )))
}

fn sem_locked(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = sem(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Semaphore.locked()",
        move |cx| async move { Ok(Reply::Val(Val::Bool(s.value(&cx).await? == 0))) },
    )))
}

fn sem_release(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = sem(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Semaphore.release()",
        move |cx| async move {
            s.release(&cx).await?;
            Ok(Reply::Val(Val::None))
        },
    )))
}

fn sem_aexit(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = sem(vm, &a)?;
    let call = SimCall::new("Semaphore.release()", move |cx| async move {
        s.release(&cx).await?;
        Ok(Reply::Val(Val::Bool(false)))
    });
    Ok(Flow::Val(awaitable(vm, call)))
}

fn event_init(vm: &mut Vm, a: Args) -> Res<Flow> {
    let name = crate::natives::object_name(vm, "event");
    let e = vm.cx.new_event(sim::Flavor::Asyncio, &name);
    set_handle(&a, SimHandle::Event(e));
    Ok(Flow::Val(Val::None))
}

fn event(vm: &Vm, a: &Args) -> Res<sim::Event> {
    match handle(vm, a)? {
        SimHandle::Event(e) => Ok(e),
        _ => Err(vm.type_error("not an event")),
    }
}

fn event_set(vm: &mut Vm, a: Args) -> Res<Flow> {
    let e = event(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Event.set()",
        move |cx| async move {
            e.set(&cx).await?;
            Ok(Reply::Val(Val::None))
        },
    )))
}

fn event_clear(vm: &mut Vm, a: Args) -> Res<Flow> {
    let e = event(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Event.clear()",
        move |cx| async move {
            e.clear(&cx).await?;
            Ok(Reply::Val(Val::None))
        },
    )))
}

fn event_is_set(vm: &mut Vm, a: Args) -> Res<Flow> {
    let e = event(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Event.is_set()",
        move |cx| async move { Ok(Reply::Val(Val::Bool(e.is_set(&cx).await?))) },
    )))
}

fn event_wait(vm: &mut Vm, a: Args) -> Res<Flow> {
    let e = event(vm, &a)?;
    let awaiting = vm.awaiting();
    let call = SimCall::new("Event.wait()", move |cx| async move {
        let _declared = crate::wakeup::Declaring::new(&cx, awaiting);
        Ok(Reply::Val(Val::Bool(e.wait(&cx).await?)))
    });
    Ok(Flow::Val(awaitable(vm, call)))
}

// ---- loop callbacks ---------------------------------------------------------------------------

/// The body of a loop callback unit: `func(*args)`. An exception is reported as CPython's
/// loop reports it, and the loop goes on.
fn callback_program(world: Rc<World>, func: Val, args: Vec<Val>, origin: Origin) -> sim::Program {
    sim::Program::new(move |cx: Ctx| async move {
        run_callback(&cx, world, func, args, origin).await;
        Ok(sim::Value::None)
    })
}

async fn run_callback(cx: &Ctx, world: Rc<World>, func: Val, args: Vec<Val>, origin: Origin) {
    let mut vm = origin.vm(&world, cx);
    let name = callable_name(&mut vm, &func);
    if let Err(e) = crate::runner::run_call(cx, &mut vm, func, Args::new(args)).await
        && !vm.stopped
    {
        let text = format!(
            "Exception in callback {name}()\nhandle: <Handle {name}()>\n{}",
            crate::runner::format_exception(&mut vm, &e)
        );
        vm.world.shared.console.borrow_mut().stderr.push_str(&text);
    }
}

fn callable_name(vm: &mut Vm, f: &Val) -> String {
    match vm.getattr(f, "__qualname__") {
        Ok(Val::Str(s)) => s.to_string(),
        _ => "callback".to_string(),
    }
}

/// `_call_later(delay, when, func, args)`: `func(*args)` on this loop after `delay` seconds,
/// or at loop time `when`; returns the native handle.
fn call_later_native(vm: &mut Vm, a: Args) -> Res<Flow> {
    let delay = match a.pos.first() {
        None | Some(Val::None) => None,
        Some(d) => Some(to_nanos(vm, d, "delay")?),
    };
    let when = match a.pos.get(1) {
        None | Some(Val::None) => None,
        Some(w) => Some(to_nanos(vm, w, "when")?),
    };
    let func = a.pos.get(2).cloned().unwrap_or_default();
    let args = vm.collect(a.pos.get(3).cloned().unwrap_or(Val::tuple(vec![])))?;
    let name = callable_name(vm, &func);
    let program = callback_program(vm.world.clone(), func, args, Origin::of(vm));
    let obj = new_native_obj(
        vm,
        "_callback",
        SimHandle::Callback(sim::Handle { id: vm.cx.id() }),
    );
    Ok(Flow::Sim(SimCall::new(
        "loop.call_later()",
        move |cx| async move {
            let h = match when {
                Some(w) => cx.call_at(w, &name, program).await?,
                None => cx.call_later(delay.unwrap_or(0), &name, program).await?,
            };
            crate::natives::set_handle(&obj, SimHandle::Callback(h));
            Ok(Reply::Val(obj))
        },
    )))
}

/// `_call_soon_threadsafe(task, func, args)`: `func(*args)` on the loop `task` belongs to,
/// from any thread.
fn call_soon_threadsafe_native(vm: &mut Vm, a: Args) -> Res<Flow> {
    let via = task_of(vm, a.pos.first().unwrap_or(&Val::None))?;
    let func = a.pos.get(1).cloned().unwrap_or_default();
    let args = vm.collect(a.pos.get(2).cloned().unwrap_or(Val::tuple(vec![])))?;
    let name = callable_name(vm, &func);
    let mut origin = Origin::of(vm);
    origin.context = Val::None;
    let program = callback_program(vm.world.clone(), func, args, origin);
    let obj = new_native_obj(
        vm,
        "_callback",
        SimHandle::Callback(sim::Handle { id: vm.cx.id() }),
    );
    Ok(Flow::Sim(SimCall::new(
        "loop.call_soon_threadsafe()",
        move |cx| async move {
            let h = cx.call_soon_threadsafe(via, &name, program).await?;
            crate::natives::set_handle(&obj, SimHandle::Callback(h));
            Ok(Reply::Val(obj))
        },
    )))
}

/// `_cancel_callback(handle)`.
fn cancel_callback(vm: &mut Vm, a: Args) -> Res<Flow> {
    let SimHandle::Callback(h) =
        crate::natives::handle_of(vm, a.pos.first().unwrap_or(&Val::None))?
    else {
        return Err(vm.type_error("not a loop callback handle"));
    };
    Ok(Flow::Sim(SimCall::new(
        "Handle.cancel()",
        move |cx| async move {
            h.cancel(&cx).await?;
            Ok(Reply::Val(Val::None))
        },
    )))
}

/// `_in_loop()`: whether this unit runs on an event loop (a task or a callback).
fn in_loop(vm: &mut Vm, _a: Args) -> Res<Flow> {
    Ok(Flow::Val(Val::Bool(vm.cx.in_loop())))
}

/// `_loop_key()`: the thread whose loop this is (the running loop is looked up by it).
fn loop_key(vm: &mut Vm, _a: Args) -> Res<Flow> {
    Ok(Flow::Val(Val::Int(i64::from(vm.thread_unit))))
}

// ---- futures -----------------------------------------------------------------------------------

fn future_of(vm: &Vm, a: &Args) -> Res<sim::Future> {
    match crate::natives::handle_of(vm, a.pos.first().unwrap_or(&Val::None))? {
        SimHandle::Future(f) => Ok(f),
        _ => Err(vm.type_error("not an asyncio.Future")),
    }
}

fn future_init(vm: &mut Vm, a: Args) -> Res<Flow> {
    let f = vm.cx.future("Future");
    crate::natives::set_handle(a.pos.first().unwrap_or(&Val::None), SimHandle::Future(f));
    Ok(Flow::Val(Val::None))
}

fn future_set_result(vm: &mut Vm, a: Args) -> Res<Flow> {
    let f = future_of(vm, &a)?;
    let v = to_sim(vm, a.pos.get(1).unwrap_or(&Val::None))?;
    Ok(Flow::Sim(SimCall::new(
        "Future.set_result()",
        move |cx| async move {
            f.set_result(&cx, v).await?;
            Ok(Reply::Val(Val::None))
        },
    )))
}

fn future_set_exception(vm: &mut Vm, a: Args) -> Res<Flow> {
    let f = future_of(vm, &a)?;
    let e = a.pos.get(1).cloned().unwrap_or_default();
    let e = match e {
        Val::Class(_) => vm.call_nested(e, Args::default())?,
        other => other,
    };
    if !vm.world.is_instance_of(&e, "BaseException") {
        return Err(vm.type_error("exception must derive from BaseException"));
    }
    let pe = keep_error(vm, e);
    Ok(Flow::Sim(SimCall::new(
        "Future.set_exception()",
        move |cx| async move {
            f.set_exception(&cx, pe).await?;
            Ok(Reply::Val(Val::None))
        },
    )))
}

fn future_result(vm: &mut Vm, a: Args) -> Res<Flow> {
    let f = future_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Future.result()",
        move |cx| async move { Ok(Reply::SimKeep(f.result(&cx).await?)) },
    )))
}

fn future_exception(vm: &mut Vm, a: Args) -> Res<Flow> {
    let f = future_of(vm, &a)?;
    let errors = vm.world.clone();
    Ok(Flow::Sim(SimCall::new(
        "Future.exception()",
        move |cx| async move {
            match f.result(&cx).await {
                Ok(_) => Ok(Reply::Val(Val::None)),
                Err(e)
                    if matches!(
                        e.kind,
                        PyErrorKind::CancelledError | PyErrorKind::InvalidStateError
                    ) =>
                {
                    Err(e)
                }
                Err(e) => Ok(Reply::Val(crate::natives::exc_from_sim_in(&errors, e))),
            }
        },
    )))
}

fn future_done(vm: &mut Vm, a: Args) -> Res<Flow> {
    let f = future_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Future.done()",
        move |cx| async move { Ok(Reply::Val(Val::Bool(f.done(&cx).await?))) },
    )))
}

fn future_cancelled(vm: &mut Vm, a: Args) -> Res<Flow> {
    let f = future_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Future.cancelled()",
        move |cx| async move {
            if !f.done(&cx).await? {
                return Ok(Reply::Val(Val::Bool(false)));
            }
            let c = matches!(f.result(&cx).await, Err(e) if e.kind == PyErrorKind::CancelledError);
            Ok(Reply::Val(Val::Bool(c)))
        },
    )))
}

fn future_cancel(vm: &mut Vm, a: Args) -> Res<Flow> {
    let f = future_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Future.cancel()",
        move |cx| async move { Ok(Reply::Val(Val::Bool(f.cancel(&cx).await?))) },
    )))
}

/// `fut.add_done_callback(fn)`: `fn(fut)` runs on the loop once the future is done.
fn future_add_done_callback(vm: &mut Vm, a: Args) -> Res<Flow> {
    let f = future_of(vm, &a)?;
    let me = a.pos.first().cloned().unwrap_or_default();
    let func = a.pos.get(1).cloned().unwrap_or_default();
    let name = callable_name(vm, &func);
    let program = callback_program(vm.world.clone(), func, vec![me], Origin::of(vm));
    Ok(Flow::Sim(SimCall::new(
        "Future.add_done_callback()",
        move |cx| async move {
            f.add_done_callback(&cx, &name, program).await?;
            Ok(Reply::Val(Val::None))
        },
    )))
}

/// `task.add_done_callback(fn)`: a loop callback that waits for the task, then calls
/// `fn(task)` (CPython schedules it with call_soon when the task finishes: the same order).
fn task_add_done_callback(vm: &mut Vm, a: Args) -> Res<Flow> {
    let t = task_of(vm, a.pos.first().unwrap_or(&Val::None))?;
    let me = a.pos.first().cloned().unwrap_or_default();
    let func = a.pos.get(1).cloned().unwrap_or_default();
    let name = callable_name(vm, &func);
    let (world, origin) = (vm.world.clone(), Origin::of(vm));
    let program = sim::Program::new(move |cx: Ctx| async move {
        let _ = t.wait_shielded(&cx).await;
        run_callback(&cx, world, func, vec![me], origin).await;
        Ok(sim::Value::None)
    });
    Ok(Flow::Sim(SimCall::new(
        "Task.add_done_callback()",
        move |cx| async move {
            cx.call_soon(&name, program).await?;
            Ok(Reply::Val(Val::None))
        },
    )))
}

fn task_exception(vm: &mut Vm, a: Args) -> Res<Flow> {
    let t = task_of(vm, a.pos.first().unwrap_or(&Val::None))?;
    let world = vm.world.clone();
    Ok(Flow::Sim(SimCall::new(
        "Task.exception()",
        move |cx| async move {
            if !t.done(&cx).await? {
                return Err(PyError::new(
                    PyErrorKind::InvalidStateError,
                    "Exception is not set.",
                ));
            }
            match t.result(&cx).await {
                Ok(_) => Ok(Reply::Val(Val::None)),
                Err(e) if e.kind == PyErrorKind::CancelledError => Err(e),
                Err(e) => Ok(Reply::Val(crate::natives::exc_from_sim_in(&world, e))),
            }
        },
    )))
}

/// `_shielded(task)`: awaiting it waits for the task, but cancelling the awaiter does not
/// cancel the task (`asyncio.shield`).
fn shielded(vm: &mut Vm, a: Args) -> Res<Flow> {
    let t = task_of(vm, a.pos.first().unwrap_or(&Val::None))?;
    let call = SimCall::new("asyncio.shield()", move |cx| async move {
        Ok(Reply::SimKeep(t.wait_shielded(&cx).await?))
    });
    Ok(Flow::Val(awaitable(vm, call)))
}
