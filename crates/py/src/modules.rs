//! The modules a program may import. Each is built on first import in a process: natives
//! (from `natives`) plus, where CPython's module is Python too, a prelude in Python compiled
//! and run like the user's code (`threading.Thread` is a Python class, so subclasses that
//! override `run()` work). Importing anything else is a clear error.

use std::rc::Rc;

use crate::builtins::native;
use crate::natives;
use crate::obj::*;
use crate::vm::{Args, Flow, Res, Vm};

/// Modules the playground knows but does not run, with the reason shown to the user.
const REFUSED: &[(&str, &str)] = &[
    ("socket", "sockets (there is no network)"),
    ("subprocess", "real subprocess commands"),
    ("signal", "signals"),
    ("select", "select (there are no sockets or files)"),
    ("selectors", "selectors (there are no sockets or files)"),
    ("ssl", "sockets (there is no network)"),
    ("http", "the network"),
    ("urllib", "the network"),
    ("requests", "third-party packages"),
    ("numpy", "third-party packages"),
    ("aiofiles", "third-party packages"),
    ("tkinter", "windows"),
    ("pathlib", "files"),
    ("shutil", "files"),
    ("tempfile", "files"),
    ("io", "files"),
];

/// The Python half of `threading`.
const THREADING_PRELUDE: &str = include_str!("prelude/threading.py");

/// Whether iterating `v` may run Python code (a generator, a user iterator or iterable): then
/// built-ins iterate it in Python (`prelude/pybuiltins.py`) rather than in Rust, so every step
/// stays on the frame stack and may block.
pub fn is_lazy(v: &Val) -> bool {
    match v {
        Val::Gen(_) => true,
        Val::Obj(o) => o.class.builtin != Builtin::Native,
        _ => false,
    }
}

impl Vm {
    /// A function of the Python built-ins prelude.
    pub fn pyb(&mut self, name: &str) -> Res<Val> {
        let m = self.import_module("_pybuiltins")?;
        self.getattr(&m, name)
    }

    /// `Flow::Call` of a Python built-in.
    pub fn pyb_call(&mut self, name: &str, args: Args) -> Res<Flow> {
        let f = self.pyb(name)?;
        Ok(Flow::Call(f, args))
    }

    /// `import name`: the module, built on first use in this process.
    pub fn import_module(&mut self, name: &str) -> Res<Val> {
        if let Some(m) = self.world.modules.borrow().get(name) {
            return Ok(m.clone());
        }
        let m = self.build_module(name)?;
        self.world
            .modules
            .borrow_mut()
            .insert(name.to_string(), m.clone());
        // A package's submodule is also its attribute (`import concurrent.futures`).
        if let Some((parent, child)) = name.rsplit_once('.') {
            let p = self.import_module(parent)?;
            if let Val::Module(p) = p {
                p.set(child, m.clone());
            }
        }
        Ok(m)
    }

    fn build_module(&mut self, name: &str) -> Res<Val> {
        let m = Module::new(name);
        let f =
            |m: &Rc<Module>, n: &'static str, func: crate::vm::NativeFn| m.set(n, native(n, func));
        let class = |vm: &Vm, m: &Rc<Module>, n: &str, as_name: &str| {
            m.set(as_name, Val::Class(vm.world.class(n)));
        };
        match name {
            "time" => {
                f(&m, "sleep", natives::time_sleep);
                f(&m, "time", natives::time_time);
                f(&m, "time_ns", natives::time_time_ns);
                f(&m, "monotonic", natives::time_monotonic);
                f(&m, "monotonic_ns", natives::time_monotonic_ns);
                f(&m, "perf_counter", natives::time_monotonic);
                f(&m, "perf_counter_ns", natives::time_monotonic_ns);
                f(&m, "process_time", natives::time_monotonic);
                f(&m, "thread_time", natives::time_monotonic);
                f(&m, "ctime", time_ctime);
                f(&m, "strftime", time_strftime);
            }
            "threading" => {
                f(&m, "Lock", natives::new_lock);
                f(&m, "RLock", natives::new_rlock);
                for c in [
                    "Semaphore",
                    "BoundedSemaphore",
                    "Event",
                    "Condition",
                    "Barrier",
                ] {
                    class(self, &m, c, c);
                }
                class(self, &m, "BrokenBarrierError", "BrokenBarrierError");
                f(&m, "_start_thread", natives::start_thread);
                f(&m, "_join_thread", natives::join_thread);
                f(&m, "_thread_alive", natives::thread_alive);
                f(&m, "current_thread", natives::current_thread);
                f(&m, "currentThread", natives::current_thread);
                f(&m, "get_ident", natives::get_ident);
                f(&m, "get_native_id", natives::get_ident);
                f(&m, "_local_dict", natives::local_dict);
                m.set("TIMEOUT_MAX", Val::Float(9_223_372_036.0));
                self.run_prelude(&m, THREADING_PRELUDE, "threading")?;
            }
            "queue" => {
                for c in [
                    "Queue",
                    "LifoQueue",
                    "PriorityQueue",
                    "SimpleQueue",
                    "Empty",
                    "Full",
                ] {
                    class(self, &m, c, c);
                }
            }
            "_pybuiltins" => {
                f(&m, "_expecting", crate::wakeup::expecting);
                self.run_prelude(&m, include_str!("prelude/pybuiltins.py"), "_pybuiltins")?;
            }
            "multiprocessing" => {
                f(&m, "_start_process", crate::mp::start_process);
                f(&m, "_join_process", crate::mp::join_process);
                f(&m, "_process_alive", crate::mp::process_alive);
                f(&m, "_process_exitcode", crate::mp::process_exitcode);
                f(&m, "_terminate_process", crate::mp::terminate_process);
                f(&m, "_current_process", crate::mp::current_process);
                f(&m, "_getpid", crate::mp::getpid);
                f(&m, "_cpu_count", crate::mp::cpu_count);
                f(&m, "_new_value", crate::mp::new_value);
                f(&m, "_new_array", crate::mp::new_array);
                f(&m, "_value_lock", crate::mp::value_lock);
                f(&m, "_value_get", crate::mp::value_get);
                f(&m, "_value_set", crate::mp::value_set);
                f(&m, "_array_get", crate::mp::array_get);
                f(&m, "_array_set", crate::mp::array_set);
                f(&m, "_pipe", crate::mp::pipe);
                f(&m, "Lock", crate::mp::new_lock);
                f(&m, "RLock", crate::mp::new_rlock);
                for (key, name) in [
                    ("mp.Semaphore", "Semaphore"),
                    ("mp.BoundedSemaphore", "BoundedSemaphore"),
                    ("mp.Event", "Event"),
                    ("mp.Condition", "Condition"),
                    ("mp.Barrier", "Barrier"),
                    ("mp.Queue", "Queue"),
                    ("mp.JoinableQueue", "JoinableQueue"),
                    ("mp.SimpleQueue", "SimpleQueue"),
                ] {
                    class(self, &m, key, name);
                }
                class(self, &m, "ProcessError", "ProcessError");
                class(self, &m, "BrokenBarrierError", "BrokenBarrierError");
                self.run_prelude(
                    &m,
                    include_str!("prelude/multiprocessing.py"),
                    "multiprocessing",
                )?;
            }
            "multiprocessing.pool" => {
                self.run_prelude(
                    &m,
                    include_str!("prelude/mp_pool.py"),
                    "multiprocessing.pool",
                )?;
            }
            "multiprocessing.managers" => {
                self.run_prelude(
                    &m,
                    include_str!("prelude/mp_managers.py"),
                    "multiprocessing.managers",
                )?;
            }
            "contextvars" => {
                f(&m, "_get_context", natives::get_context);
                f(&m, "_set_context", natives::set_context);
                self.run_prelude(&m, include_str!("prelude/contextvars.py"), "contextvars")?;
            }
            "logging" => {
                f(&m, "_caller", natives::caller);
                m.set("_start_time", Val::Float(natives::EPOCH));
                self.run_prelude(&m, include_str!("prelude/logging.py"), "logging")?;
            }
            "concurrent" => {}
            "concurrent.futures" => {
                self.run_prelude(
                    &m,
                    include_str!("prelude/concurrent_futures.py"),
                    "concurrent.futures",
                )?;
            }
            "asyncio" => {
                crate::aio::fill_module(self, &m);
                self.run_prelude(&m, include_str!("prelude/asyncio.py"), "asyncio")?;
            }
            "_thread" => {
                f(&m, "allocate_lock", natives::new_lock);
                f(&m, "get_ident", natives::get_ident);
            }
            "random" => crate::stdlib::random_module(self, &m),
            "math" => crate::stdlib::math_module(self, &m),
            "json" => crate::stdlib::json_module(self, &m),
            "sys" => crate::stdlib::sys_module(self, &m),
            "os" => crate::stdlib::os_module(self, &m),
            "os.path" => crate::stdlib::os_path_module(self, &m),
            "itertools" => {
                crate::stdlib::itertools_module(self, &m);
                self.run_prelude(&m, include_str!("prelude/itertools.py"), "itertools")?;
            }
            "functools" => crate::stdlib::functools_module(self, &m)?,
            "collections" => crate::stdlib::collections_module(self, &m)?,
            "string" => crate::stdlib::string_module(self, &m),
            "dataclasses" | "typing" | "abc" | "enum" | "__future__" | "copy" | "operator"
            | "atexit" | "traceback" | "warnings" | "contextlib" | "statistics" => {
                crate::stdlib::small_module(self, name, &m)?
            }
            _ => {
                let top = name.split('.').next().unwrap_or(name);
                if let Some((_, why)) = REFUSED.iter().find(|(n, _)| *n == top) {
                    return Err(self.exc(
                        "ModuleNotFoundError",
                        format!("not supported in the playground: `import {name}` ({why})"),
                    ));
                }
                let later = matches!(top, "datetime" | "decimal" | "fractions" | "re" | "heapq");
                return Err(self.exc(
                    "ModuleNotFoundError",
                    if later {
                        format!("not supported in the playground yet: `import {name}`")
                    } else {
                        format!(
                            "No module named '{name}' (not in the playground's standard library)"
                        )
                    },
                ));
            }
        }
        m.set("__name__", Val::str(name));
        Ok(Val::Module(m))
    }

    /// Runs Python source as the body of module `m` (a nested run: a prelude never blocks).
    pub fn run_prelude(&mut self, m: &Rc<Module>, src: &str, name: &str) -> Res<()> {
        let ast = crate::lower::parse(src)
            .map_err(|e| self.exc("SystemError", format!("prelude {name}: {}", e.render("en"))))?;
        let file = format!("<stdlib>/{}.py", name.replace('.', "/"));
        let code = crate::compile::compile_module(&ast, name, &file)
            .map_err(|e| self.exc("SystemError", format!("prelude {name}: {}", e.render("en"))))?;
        m.set("__name__", Val::str(name));
        let func = Rc::new(Function {
            name: std::cell::RefCell::new(Rc::from(name)),
            code,
            globals: m.clone(),
            defaults: Vec::new(),
            kwdefaults: Vec::new(),
            closure: Vec::new(),
            owner: std::cell::RefCell::new(std::rc::Weak::new()),
            attrs: std::cell::RefCell::new(Attrs::default()),
        });
        self.call_nested(Val::Func(func), Args::default())?;
        Ok(())
    }
}

fn time_ctime(_vm: &mut Vm, _a: Args) -> Res<Flow> {
    Ok(Flow::Val(Val::str("Mon Jan  1 00:00:00 2024")))
}

fn time_strftime(vm: &mut Vm, a: Args) -> Res<Flow> {
    let fmt = natives::string_arg(vm, &a, 0, "strftime() argument 1")?;
    let out = fmt
        .replace("%Y", "2024")
        .replace("%m", "01")
        .replace("%d", "01")
        .replace("%H", "00")
        .replace("%M", "00")
        .replace("%S", "00");
    Ok(Flow::Val(Val::str(&out)))
}
