//! The native half of `multiprocessing`: starting a process forks the interpreter (the child's
//! world is a copy of the parent's modules and globals, `fork` semantics), and the shared
//! objects — `Value`, `Array`, `Pipe` connections, and the primitives in `natives` — are
//! simulator objects of the multiprocessing flavour that both processes reach.

use std::collections::BTreeMap;
use std::rc::Rc;

use interleave_sim::{self as sim, Ctx, PyError, PyErrorKind, Value};

use crate::builtins::{native_class, set, want_str};
use crate::natives::{Reply, SimCall, SimHandle, exc_from_sim, handle_of, new_native_obj, to_sim};
use crate::obj::*;
use crate::vm::{Args, Flow, Res, Vm};
use crate::world::{Types, World};

/// The native classes: process handles, shared values and connections.
pub fn install(t: &mut Types) {
    let h = native_class(t, "_process_handle", "multiprocessing");
    t.by_name.insert("_process_handle", h);
    let v = native_class(t, "_shared", "multiprocessing");
    t.by_name.insert("_shared", v);
    let c = native_class(t, "Connection", "multiprocessing.connection");
    set(&c, "send", conn_send);
    set(&c, "recv", conn_recv);
    set(&c, "poll", conn_poll);
    set(&c, "close", conn_close);
    t.by_name.insert("Connection", c);
}

fn process_of(vm: &Vm, a: &Args) -> Res<sim::Process> {
    match handle_of(vm, a.pos.first().unwrap_or(&Val::None))? {
        SimHandle::Process(p) => Ok(p),
        _ => Err(vm.type_error("not a process handle")),
    }
}

/// A copy of `parent`'s interpreter for a child process, copies of `extra` made with the
/// same memo (so the child's objects point at each other as the parent's did), and the pipe
/// ends whose open handles the child inherited (each needs `Conn::dup_for` the child, so
/// that the parent closing its own copy is no end of file).
pub fn fork_world(
    parent: &Rc<World>,
    pid: i64,
    extra: &[Val],
) -> (World, Vec<Val>, Vec<sim::Conn>) {
    let shared = parent.shared.clone();
    let child = World::new(shared, pid, parent.pid, parent.switch_interval_s);
    let mut memo: BTreeMap<usize, Val> = BTreeMap::new();
    let mut pairs: Vec<(Rc<Module>, Rc<Module>)> = Vec::new();
    let mut modules: BTreeMap<String, Val> = BTreeMap::new();
    for (name, m) in parent.modules.borrow().iter() {
        if let Val::Module(pm) = m {
            let cm = Module::new(&pm.name);
            memo.insert(m.addr(), Val::Module(cm.clone()));
            pairs.push((pm.clone(), cm.clone()));
            modules.insert(name.clone(), Val::Module(cm));
        }
    }
    let main_val = Val::Module(parent.main.clone());
    memo.insert(main_val.addr(), Val::Module(child.main.clone()));
    pairs.push((parent.main.clone(), child.main.clone()));
    for (pm, cm) in &pairs {
        let entries: Vec<(Key, Val, Val)> = {
            let d = pm.dict.borrow();
            d.key_iter()
                .cloned()
                .zip(d.iter().map(|(k, v)| (k.clone(), v.clone())))
                .map(|(key, (k, v))| (key, k, v))
                .collect()
        };
        for (key, k, v) in entries {
            let v = crate::fork::copy_with(&v, &mut memo);
            cm.dict.borrow_mut().insert(key, k, v);
        }
    }
    *child.modules.borrow_mut() = modules;
    // Functions keep the module they were defined in; the child reads its copy instead.
    let mut remap: Vec<(usize, Rc<Module>)> = pairs
        .iter()
        .map(|(pm, cm)| (Rc::as_ptr(pm) as usize, cm.clone()))
        .collect();
    for (orig, pm) in parent.remap.borrow().iter() {
        if let Some((_, cm)) = pairs.iter().find(|(p, _)| Rc::ptr_eq(p, pm)) {
            remap.push((*orig, cm.clone()));
        }
    }
    *child.remap.borrow_mut() = remap;
    let extra = extra
        .iter()
        .map(|v| crate::fork::copy_with(v, &mut memo))
        .collect();
    // Every copied object is in the memo: the open connections among them.
    let mut conns: Vec<sim::Conn> = Vec::new();
    for v in memo.values() {
        if let Val::Obj(o) = v
            && let Payload::Sim(SimHandle::Conn(c)) = &*o.payload.borrow()
            && !matches!(o.attrs.borrow().get("closed"), Some(Val::Bool(true)))
            && !conns.contains(c)
        {
            conns.push(*c);
        }
    }
    (child, extra, conns)
}

/// `_start_process(proc, name, daemon)`: forks now and starts the child unit, which runs
/// `proc.run()` in its copy of the interpreter. Returns `(handle, pid)`.
pub fn start_process(vm: &mut Vm, a: Args) -> Res<Flow> {
    let proc_obj = a.pos.first().cloned().unwrap_or_default();
    let name = want_str(vm, a.pos.get(1).unwrap_or(&Val::None), "process name")?.to_string();
    let daemon = match a.pos.get(2) {
        Some(d) => vm.truthy(&d.clone())?,
        None => false,
    };
    let pid = vm.world.shared.next_pid.get();
    vm.world.shared.next_pid.set(pid + 1);
    // The child sees itself as started, with its pid.
    if let Val::Obj(o) = &proc_obj {
        o.attrs.borrow_mut().set(Rc::from("_pid"), Val::Int(pid));
    }
    let (child, copies, conns) = fork_world(&vm.world, pid, std::slice::from_ref(&proc_obj));
    let child_proc = copies.into_iter().next().unwrap_or_default();
    *child.process_name.borrow_mut() = Rc::from(name.as_str());
    *child.process_obj.borrow_mut() = child_proc.clone();
    let child = Rc::new(child);
    let program = process_program(child, child_proc);
    let p = vm.cx.process(&name, program);
    let h = new_native_obj(vm, "_process_handle", SimHandle::Process(p));
    Ok(Flow::Sim(SimCall::new(
        "Process.start()",
        move |cx| async move {
            if daemon {
                p.set_daemon(&cx, true).await?;
            }
            // The child holds its own handle to every pipe end it inherited.
            for c in conns {
                c.dup_for(&cx, p.id).await?;
            }
            p.start(&cx).await?;
            Ok(Reply::Val(Val::tuple(vec![h, Val::Int(pid)])))
        },
    )))
}

/// The child process's main unit.
fn process_program(world: Rc<World>, proc_obj: Val) -> sim::Program {
    sim::Program::new(move |cx: Ctx| async move {
        let mut vm = Vm::new(world.clone(), cx.clone(), Val::None);
        let run = match vm.getattr(&proc_obj, "run") {
            Ok(r) => r,
            Err(_) => return Err(PyError::new(PyErrorKind::AttributeError, "run")),
        };
        let r = crate::runner::run_call(&cx, &mut vm, run, Args::default()).await;
        match r {
            Ok(_) => Ok(Value::None),
            Err(e) => {
                if let Some(code) = crate::runner::exit_code_of(&mut vm, &e) {
                    if code == 0 {
                        return Ok(Value::None);
                    }
                    return Err(PyError::new(PyErrorKind::SystemExit, code.to_string()));
                }
                let name = world.process_name.borrow().clone();
                let text = format!(
                    "Process {name}:\n{}",
                    crate::runner::format_exception_in_process(&mut vm, &e)
                );
                vm.world.shared.console.borrow_mut().stderr.push_str(&text);
                Err(PyError::new(PyErrorKind::Exception, "uncaught exception"))
            }
        }
    })
}

pub fn join_process(vm: &mut Vm, a: Args) -> Res<Flow> {
    let p = process_of(vm, &a)?;
    let timeout = match a.pos.get(1) {
        None | Some(Val::None) => None,
        Some(t) => Some(crate::natives::to_nanos(vm, t, "timeout")?),
    };
    Ok(Flow::Sim(SimCall::new(
        "Process.join()",
        move |cx| async move {
            match timeout {
                Some(t) => p.join_timeout(&cx, t).await?,
                None => p.join(&cx).await?,
            }
            Ok(Reply::Val(Val::None))
        },
    )))
}

pub fn process_alive(vm: &mut Vm, a: Args) -> Res<Flow> {
    let p = process_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Process.is_alive()",
        move |cx| async move { Ok(Reply::Val(Val::Bool(p.is_alive(&cx).await?))) },
    )))
}

pub fn process_exitcode(vm: &mut Vm, a: Args) -> Res<Flow> {
    let p = process_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Process.exitcode",
        move |cx| async move {
            Ok(Reply::Val(match p.exitcode(&cx).await? {
                Some(c) => Val::Int(c),
                None => Val::None,
            }))
        },
    )))
}

pub fn terminate_process(vm: &mut Vm, a: Args) -> Res<Flow> {
    let p = process_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Process.terminate()",
        move |cx| async move {
            p.terminate(&cx).await?;
            Ok(Reply::Val(Val::None))
        },
    )))
}

pub fn current_process(vm: &mut Vm, _a: Args) -> Res<Flow> {
    Ok(Flow::Val(vm.world.process_obj.borrow().clone()))
}

pub fn getpid(vm: &mut Vm, _a: Args) -> Res<Flow> {
    Ok(Flow::Val(Val::Int(vm.world.pid)))
}

pub fn cpu_count(vm: &mut Vm, _a: Args) -> Res<Flow> {
    Ok(Flow::Val(Val::Int(i64::from(vm.world.shared.cores))))
}

/// `multiprocessing.Lock()` / `RLock()`.
pub fn new_lock(vm: &mut Vm, _a: Args) -> Res<Flow> {
    let name = crate::natives::object_name(vm, "lock");
    let l = vm.cx.new_lock(sim::Flavor::Multiprocessing, &name);
    Ok(Flow::Val(new_native_obj(vm, "lock", SimHandle::Lock(l))))
}

pub fn new_rlock(vm: &mut Vm, _a: Args) -> Res<Flow> {
    let name = crate::natives::object_name(vm, "rlock");
    let l = vm.cx.new_rlock(sim::Flavor::Multiprocessing, &name);
    Ok(Flow::Val(new_native_obj(vm, "RLock", SimHandle::Lock(l))))
}

fn initial(typecode: &str, v: &Val) -> Value {
    match (typecode, v) {
        ("d" | "f", Val::Int(i)) => Value::Float(*i as f64),
        (_, Val::Int(i)) => Value::Int(*i),
        (_, Val::Float(f)) => Value::Float(*f),
        (_, Val::Bool(b)) => Value::Int(i64::from(*b)),
        (_, Val::Str(s)) => Value::Str(s.to_string()),
        _ => Value::Int(0),
    }
}

/// `_new_value(typecode, value, lock)`.
pub fn new_value(vm: &mut Vm, a: Args) -> Res<Flow> {
    let tc = want_str(vm, a.pos.first().unwrap_or(&Val::None), "typecode")?;
    let v = a.pos.get(1).cloned().unwrap_or(Val::Int(0));
    let lock = match a.pos.get(2) {
        Some(l) => vm.truthy(&l.clone())?,
        None => true,
    };
    let name = crate::natives::object_name_up(vm, "value");
    let sv = vm.cx.mp_value(&name, initial(&tc, &v), lock);
    Ok(Flow::Val(new_native_obj(
        vm,
        "_shared",
        SimHandle::Shared(sv),
    )))
}

/// `_new_array(typecode, initial list, lock)`.
pub fn new_array(vm: &mut Vm, a: Args) -> Res<Flow> {
    let tc = want_str(vm, a.pos.first().unwrap_or(&Val::None), "typecode")?;
    let items = vm.collect(a.pos.get(1).cloned().unwrap_or_default())?;
    let lock = match a.pos.get(2) {
        Some(l) => vm.truthy(&l.clone())?,
        None => true,
    };
    let values = items.iter().map(|v| initial(&tc, v)).collect();
    let name = crate::natives::object_name_up(vm, "array");
    let sv = vm.cx.mp_array(&name, values, lock);
    Ok(Flow::Val(new_native_obj(
        vm,
        "_shared",
        SimHandle::Shared(sv),
    )))
}

fn shared_of(vm: &Vm, a: &Args) -> Res<sim::SharedValue> {
    match handle_of(vm, a.pos.first().unwrap_or(&Val::None))? {
        SimHandle::Shared(s) => Ok(s),
        _ => Err(vm.type_error("not a shared value")),
    }
}

pub fn value_lock(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = shared_of(vm, &a)?;
    let l = s.get_lock().map_err(|e| exc_from_sim(vm, e))?;
    Ok(Flow::Val(new_native_obj(vm, "RLock", SimHandle::Lock(l))))
}

pub fn value_get(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = shared_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Value.value",
        move |cx| async move { Ok(Reply::Sim(s.read(&cx).await?)) },
    )))
}

pub fn value_set(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = shared_of(vm, &a)?;
    let v = to_sim(vm, a.pos.get(1).unwrap_or(&Val::None))?;
    Ok(Flow::Sim(SimCall::new(
        "Value.value = ...",
        move |cx| async move {
            s.write(&cx, v).await?;
            Ok(Reply::Val(Val::None))
        },
    )))
}

pub fn array_get(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = shared_of(vm, &a)?;
    let i = crate::builtins::want_int(vm, a.pos.get(1).unwrap_or(&Val::None), "array index")?;
    Ok(Flow::Sim(SimCall::new("Array[i]", move |cx| async move {
        Ok(Reply::Sim(s.read_at(&cx, i).await?))
    })))
}

pub fn array_set(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = shared_of(vm, &a)?;
    let i = crate::builtins::want_int(vm, a.pos.get(1).unwrap_or(&Val::None), "array index")?;
    let v = to_sim(vm, a.pos.get(2).unwrap_or(&Val::None))?;
    Ok(Flow::Sim(SimCall::new(
        "Array[i] = ...",
        move |cx| async move {
            s.write_at(&cx, i, v).await?;
            Ok(Reply::Val(Val::None))
        },
    )))
}

/// `_pipe(duplex)`: two connections.
pub fn pipe(vm: &mut Vm, a: Args) -> Res<Flow> {
    let duplex = match a.pos.first() {
        Some(d) => vm.truthy(&d.clone())?,
        None => true,
    };
    let (x, y) = vm.cx.pipe("pipe", duplex);
    let x = new_native_obj(vm, "Connection", SimHandle::Conn(x));
    let y = new_native_obj(vm, "Connection", SimHandle::Conn(y));
    Ok(Flow::Val(Val::tuple(vec![x, y])))
}

fn conn_of(vm: &Vm, a: &Args) -> Res<sim::Conn> {
    match handle_of(vm, a.pos.first().unwrap_or(&Val::None))? {
        SimHandle::Conn(c) => Ok(c),
        _ => Err(vm.type_error("not a connection")),
    }
}

fn conn_send(vm: &mut Vm, a: Args) -> Res<Flow> {
    check_open(vm, &a)?;
    let c = conn_of(vm, &a)?;
    let item = crate::fork::deep_copy(vm, a.pos.get(1).unwrap_or(&Val::None));
    let v = to_sim(vm, &item)?;
    Ok(Flow::Sim(SimCall::new(
        "Connection.send()",
        move |cx| async move {
            c.send(&cx, v).await?;
            Ok(Reply::Val(Val::None))
        },
    )))
}

fn conn_recv(vm: &mut Vm, a: Args) -> Res<Flow> {
    check_open(vm, &a)?;
    let c = conn_of(vm, &a)?;
    Ok(Flow::Sim(SimCall::new(
        "Connection.recv()",
        move |cx| async move { Ok(Reply::Sim(c.recv(&cx).await?)) },
    )))
}

fn conn_poll(vm: &mut Vm, a: Args) -> Res<Flow> {
    check_open(vm, &a)?;
    let c = conn_of(vm, &a)?;
    let t = match a.pos.get(1) {
        None | Some(Val::None) => 0,
        Some(t) => crate::natives::to_nanos(vm, t, "timeout")?,
    };
    Ok(Flow::Sim(SimCall::new(
        "Connection.poll()",
        move |cx| async move { Ok(Reply::Val(Val::Bool(c.poll(&cx, t).await?))) },
    )))
}

/// `close()` closes this process's handle only: after a fork both processes hold both
/// ends, so the peer sees end of file only once every copy is closed or its process has
/// exited (the simulator counts the handles, as the OS counts descriptors). Using the
/// closed handle is an `OSError`; closing it again does nothing.
fn conn_close(vm: &mut Vm, a: Args) -> Res<Flow> {
    let c = conn_of(vm, &a)?;
    if let Some(Val::Obj(o)) = a.pos.first() {
        if matches!(o.attrs.borrow().get("closed"), Some(Val::Bool(true))) {
            return Ok(Flow::Val(Val::None));
        }
        o.attrs
            .borrow_mut()
            .set(Rc::from("closed"), Val::Bool(true));
    }
    Ok(Flow::Sim(SimCall::new(
        "Connection.close()",
        move |cx| async move {
            c.close(&cx).await?;
            Ok(Reply::Val(Val::None))
        },
    )))
}

fn check_open(vm: &Vm, a: &Args) -> Res<()> {
    if let Some(Val::Obj(o)) = a.pos.first()
        && matches!(o.attrs.borrow().get("closed"), Some(Val::Bool(true)))
    {
        return Err(vm.exc("OSError", "handle is closed"));
    }
    Ok(())
}
