//! A simulated process's interpreter state ([`World`]): its modules and `__main__`, plus what
//! every process of a run shares ([`Shared`]): the built-in types and exception classes, the
//! settings (Python model, costs) and the console the program writes to.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use crate::obj::*;
use crate::vm::{NativeFn, Res};

/// Which CPython's switching rules the VM follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Model {
    /// CPython 3.10+ with the GIL: switches only at eval-breaker points.
    #[default]
    Py311,
    /// CPython 3.9: the GIL may change hands before any instruction.
    Py39,
    /// Free-threaded 3.13t: no GIL; threads run at once on the machine's cores.
    Py313t,
}

impl Model {
    pub fn parse(s: &str) -> Option<Model> {
        match s {
            "3.11" | "3.10" | "3.12" | "3.13" | "311" => Some(Model::Py311),
            "3.9" | "39" => Some(Model::Py39),
            "3.13t" | "3.14t" | "313t" => Some(Model::Py313t),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Model::Py311 => "3.11",
            Model::Py39 => "3.9",
            Model::Py313t => "3.13t",
        }
    }

    /// Whether processes of this model have a GIL.
    pub fn gil(self) -> bool {
        self != Model::Py313t
    }
}

/// Virtual CPU time per bytecode instruction, calibrated against CPython 3.11 on this kind of
/// machine (`for _ in range(n): pass` ≈ 8.7 ns per instruction, a call ≈ 25 ns more).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PyCosts {
    pub op: u64,
    pub call: u64,
}

impl Default for PyCosts {
    fn default() -> Self {
        PyCosts { op: 9, call: 30 }
    }
}

/// What the program wrote: standard output and standard error, as one would see them.
#[derive(Debug, Default, Clone)]
pub struct Console {
    pub stdout: String,
    pub stderr: String,
}

/// The built-in classes by name (types and exceptions).
#[derive(Debug, Default)]
pub struct Types {
    pub by_name: BTreeMap<&'static str, Rc<Class>>,
    /// The classes of the common built-in values, found without a lookup by name:
    /// str, list, dict, tuple, set, int, float (see `class_of`).
    pub common: Vec<Rc<Class>>,
}

/// The built-in types in `Types::common`, in order.
const COMMON: [&str; 7] = ["str", "list", "dict", "tuple", "set", "int", "float"];

impl Types {
    pub fn get(&self, name: &str) -> Rc<Class> {
        match self.by_name.get(name) {
            Some(c) => c.clone(),
            None => self.by_name.get("object").cloned().unwrap_or_else(|| {
                Rc::new(Class {
                    name: Rc::from("object"),
                    qualname: Rc::from("object"),
                    module: Rc::from("builtins"),
                    bases: Vec::new(),
                    mro: RefCell::new(Vec::new()),
                    dict: RefCell::new(Attrs::default()),
                    builtin: Builtin::Object,
                    ctor: None,
                    has_props: std::cell::Cell::new(false),
                })
            }),
        }
    }
}

/// What all processes of one run share.
#[derive(Debug)]
pub struct Shared {
    pub types: Types,
    pub model: Model,
    pub costs: PyCosts,
    /// Charge accumulated CPU time to the simulator once it reaches this much.
    pub flush_ns: u64,
    pub console: Rc<RefCell<Console>>,
    /// Stop a run after this many instructions in one thread.
    pub max_instructions: u64,
    /// Largest list/str a single operation may build.
    pub max_items: usize,
    /// The program's file name, for tracebacks.
    pub filename: Rc<str>,
    /// Source lines, for tracebacks.
    pub source: Rc<Vec<String>>,
    pub next_pid: Cell<i64>,
    /// The run's seed: every process's `random` starts from it and the process id.
    pub seed: u64,
    /// `os.cpu_count()`: the simulated machine's cores.
    pub cores: u32,
    /// Objects handed to the simulator (queue items), by handle.
    pub objects: RefCell<BTreeMap<u64, Val>>,
    pub next_object: Cell<u64>,
    /// Instructions run by all threads so far.
    pub instructions: Rc<Cell<u64>>,
    pub exit_code: Rc<Cell<i32>>,
    /// Exceptions that ended tasks, with the simulator error that stands for each.
    pub task_errors: RefCell<Vec<(interleave_sim::PyError, Val)>>,
    /// `id()` of the objects asked about, in the order asked (see `stable_id`), with the
    /// object (kept, so that no other object takes its address).
    pub ids: RefCell<BTreeMap<usize, (u64, Val)>>,
}

impl Shared {
    /// `id(v)`, and the address in a default `repr`: a number given in the order objects are
    /// first asked about, not the memory address, which differs from run to run (a run's
    /// output and trace must not).
    pub fn stable_id(&self, v: &Val) -> u64 {
        let a = v.addr();
        if let Some((id, _)) = self.ids.borrow().get(&a) {
            return *id;
        }
        let n = self.ids.borrow().len() as u64;
        let id = 0x7f3a_5c00_0000 + 0x40 * n;
        self.ids.borrow_mut().insert(a, (id, v.clone()));
        id
    }

    /// Keeps an object for the simulator to carry; returns its handle.
    pub fn register(&self, v: Val) -> u64 {
        let id = self.next_object.get();
        self.next_object.set(id + 1);
        self.objects.borrow_mut().insert(id, v);
        id
    }

    /// The object behind a handle, kept for later reads (a task's result).
    pub fn peek(&self, id: u64) -> Option<Val> {
        self.objects.borrow().get(&id).cloned()
    }

    /// The object behind a handle (handed out once: a queue item is got once).
    pub fn take(&self, id: u64) -> Option<Val> {
        self.objects.borrow_mut().remove(&id)
    }
}

/// Every built-in class: types, exceptions, and the native classes of the modules.
pub fn all_types() -> Types {
    let mut t = crate::builtins::new_types();
    crate::methods::install_views(&mut t);
    crate::natives::install_threading(&mut t);
    crate::stdlib::install_streams(&mut t);
    crate::mp::install(&mut t);
    crate::aio::install(&mut t);
    t.common = COMMON.iter().map(|n| t.get(n)).collect();
    t
}

/// A place a program reads and writes: (address of the module, instance or container, name).
pub type Location = (usize, Rc<str>);

/// One simulated process's interpreter.
#[derive(Debug)]
pub struct World {
    pub shared: Rc<Shared>,
    pub model: Model,
    pub flush_ns: u64,
    pub costs: PyCosts,
    pub builtins: Rc<Module>,
    pub main: Rc<Module>,
    pub modules: RefCell<BTreeMap<String, Val>>,
    pub pid: i64,
    pub ppid: i64,
    /// `multiprocessing.current_process().name`.
    pub process_name: RefCell<Rc<str>>,
    /// The process object (`multiprocessing.Process`) this world runs, if a child.
    pub process_obj: RefCell<Val>,
    /// `random`'s generator: seeded from the run's seed and the process id.
    pub rng: RefCell<rand_pcg::Pcg64Mcg>,
    /// `atexit.register`ed callbacks.
    pub atexit: RefCell<Vec<(Val, Vec<Val>)>>,
    /// Set once this process runs a second thread or a task: from then on, reads and writes
    /// of globals, instance attributes and list/dict items are noted to the simulator
    /// (`Ctx::note_access`), so its race detector and DPOR see them.
    pub tracking: std::cell::Cell<bool>,
    /// The simulator variable standing for each location noted: (object address, name) →
    /// the variable and the object (kept, so that its address is not reused).
    pub locations: RefCell<BTreeMap<Location, (interleave_sim::ObjId, Val)>>,
    /// `sys.getswitchinterval()`.
    pub switch_interval_s: f64,
    /// In a forked child: each parent module (by address) and the child's copy, so that
    /// functions defined before the fork use the child's globals.
    pub remap: RefCell<Vec<(usize, Rc<Module>)>>,
    /// asyncio tasks by unit id, and the counter behind their `Task-N` names.
    pub tasks: RefCell<BTreeMap<u32, Val>>,
    pub task_counter: Cell<u64>,
}

impl World {
    /// A process's interpreter with a fresh `__main__`.
    pub fn new(shared: Rc<Shared>, pid: i64, ppid: i64, switch_interval_s: f64) -> World {
        use rand_core::SeedableRng;
        let seed = shared.seed;
        let builtins = crate::builtins::builtins_module(&shared.types);
        let main = Module::new("__main__");
        main.set("__name__", Val::str("__main__"));
        main.set("__file__", Val::Str(shared.filename.clone()));
        main.set("__doc__", Val::None);
        World {
            model: shared.model,
            flush_ns: shared.flush_ns,
            costs: shared.costs,
            builtins,
            main,
            modules: RefCell::new(BTreeMap::new()),
            pid,
            ppid,
            process_name: RefCell::new(Rc::from("MainProcess")),
            process_obj: RefCell::new(Val::None),
            rng: RefCell::new(rand_pcg::Pcg64Mcg::seed_from_u64(
                seed ^ (pid as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15),
            )),
            atexit: RefCell::new(Vec::new()),
            tracking: std::cell::Cell::new(false),
            locations: RefCell::new(BTreeMap::new()),
            switch_interval_s,
            remap: RefCell::new(Vec::new()),
            tasks: RefCell::new(BTreeMap::new()),
            task_counter: Cell::new(0),
            shared,
        }
    }

    /// The module a function's globals are in this process.
    #[inline]
    pub fn globals_for(&self, m: &Rc<Module>) -> Rc<Module> {
        let remap = self.remap.borrow();
        if !remap.is_empty() {
            let p = Rc::as_ptr(m) as usize;
            if let Some((_, c)) = remap.iter().find(|(q, _)| *q == p) {
                return c.clone();
            }
        }
        m.clone()
    }

    pub fn class(&self, name: &str) -> Rc<Class> {
        self.shared.types.get(name)
    }

    /// The class of any value.
    pub fn class_of(&self, v: &Val) -> Rc<Class> {
        let common = |i: usize| self.shared.types.common.get(i).cloned();
        let hit = match v {
            Val::Obj(o) => return o.class.clone(),
            Val::Str(_) => common(0),
            Val::List(_) => common(1),
            Val::Dict(_) => common(2),
            Val::Tuple(_) => common(3),
            Val::Set(d) if d.borrow().frozen => None,
            Val::Set(_) => common(4),
            Val::Int(_) => common(5),
            Val::Float(_) => common(6),
            _ => None,
        };
        if let Some(c) = hit {
            return c;
        }
        let name = match v {
            Val::Obj(o) => return o.class.clone(),
            Val::None => "NoneType",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::Float(_) => "float",
            Val::Str(_) => "str",
            Val::Bytes(_) => "bytes",
            Val::Tuple(_) => "tuple",
            Val::List(_) => "list",
            Val::Dict(_) => "dict",
            Val::Set(d) if d.borrow().frozen => "frozenset",
            Val::Set(_) => "set",
            Val::Range(_) => "range",
            Val::Slice(_) => "slice",
            Val::Func(_) => "function",
            Val::Native(_) => "builtin_function_or_method",
            Val::Method(_) => "method",
            Val::Class(_) => "type",
            Val::Module(_) => "module",
            Val::Iter(_) => "iterator",
            Val::Gen(g) => {
                let g = g.borrow();
                if g.is_coroutine {
                    "coroutine"
                } else if g.is_async_gen {
                    "async_generator"
                } else {
                    "generator"
                }
            }
            Val::Cell(_) => "cell",
            Val::Code(_) => "code",
            Val::Super(_) => "super",
            Val::Property(_) => "property",
            Val::ClassMethod(_) => "classmethod",
            Val::StaticMethod(_) => "staticmethod",
            Val::Ellipsis => "ellipsis",
            Val::NotImplemented => "NotImplementedType",
        };
        self.shared.types.get(name)
    }

    pub fn type_name(&self, v: &Val) -> String {
        match v {
            Val::Obj(o) => o.class.name.to_string(),
            Val::Iter(i) => match &*i.borrow() {
                Iter::List(..) => "list_iterator",
                Iter::Tuple(..) => "tuple_iterator",
                Iter::Str(..) => "str_iterator",
                Iter::Range { .. } => "range_iterator",
                Iter::Dict { mode, .. } => match mode {
                    DictIterMode::Keys => "dict_keyiterator",
                    DictIterMode::Values => "dict_valueiterator",
                    DictIterMode::Items => "dict_itemiterator",
                },
                Iter::Enumerate { .. } => "enumerate",
                Iter::Zip(_) => "zip",
                Iter::Reversed(..) => "list_reverseiterator",
                Iter::Count { .. } => "itertools.count",
                Iter::Cycle { .. } => "itertools.cycle",
                Iter::Vec(_) | Iter::Done => "iterator",
            }
            .to_string(),
            other => self.class_of(other).name.to_string(),
        }
    }

    pub fn is_instance_of(&self, v: &Val, class_name: &str) -> bool {
        let c = self.class(class_name);
        self.class_of(v).is_subclass(&c)
    }

    /// A new exception of a built-in class with one message argument.
    pub fn new_exc(&self, class: &str, msg: String) -> Val {
        self.new_exc_args(class, vec![Val::str(&msg)])
    }

    pub fn new_exc_args(&self, class: &str, args: Vec<Val>) -> Val {
        let cls = self.class(class);
        Val::Obj(Rc::new(Instance {
            class: cls,
            attrs: RefCell::new(Attrs::default()),
            payload: RefCell::new(Payload::Exc(Box::new(ExcData {
                args,
                ..ExcData::default()
            }))),
        }))
    }

    pub fn exc_data<T>(&self, exc: &Val, f: impl FnOnce(&mut ExcData) -> T) -> Option<T> {
        if let Val::Obj(o) = exc
            && let Payload::Exc(d) = &mut *o.payload.borrow_mut()
        {
            return Some(f(d));
        }
        None
    }

    pub fn set_cause(&self, exc: &Val, cause: Option<Val>) {
        self.exc_data(exc, |d| {
            d.cause = cause;
            d.suppress_context = true;
        });
    }

    pub fn set_context(&self, exc: &Val, ctx: Val) {
        self.exc_data(exc, |d| {
            if d.context.is_none() {
                d.context = Some(ctx);
            }
        });
    }

    /// Adds the frame an exception passes through to its traceback (outermost first); a frame
    /// already listed (a re-raise in the same frame) is not added again.
    pub fn add_traceback(
        &self,
        exc: &Val,
        frame: u64,
        file: Rc<str>,
        name: Rc<str>,
        (line, span): (u32, crate::code::Span),
    ) {
        self.exc_data(exc, |d| {
            if d.traceback.first().is_some_and(|e| e.frame == frame) {
                return;
            }
            d.traceback.insert(
                0,
                TbEntry {
                    frame,
                    file,
                    name,
                    line,
                    span,
                },
            );
        });
    }

    /// The constructor of a built-in type, if `cls` is one (not a subclass).
    pub fn constructor(&self, cls: &Rc<Class>) -> Option<NativeFn> {
        cls.ctor
    }

    /// What a new instance of `cls` carries.
    pub fn payload_for(&self, cls: &Rc<Class>) -> Payload {
        match cls.builtin {
            Builtin::BaseException => Payload::Exc(Box::default()),
            _ => Payload::None,
        }
    }

    /// Builds a class from a class body's namespace.
    pub fn make_class(
        &self,
        name: &str,
        qualname: &str,
        bases: Vec<Rc<Class>>,
        ns: &Dict,
    ) -> Res<Rc<Class>> {
        let object = self.class("object");
        let bases = if bases.is_empty() {
            vec![object]
        } else {
            bases
        };
        let mut builtin = Builtin::Object;
        for b in &bases {
            match b.builtin {
                Builtin::Object => {}
                Builtin::BaseException | Builtin::Native => builtin = b.builtin,
                _ => {
                    return Err(self.new_exc(
                        "TypeError",
                        format!(
                            "not supported in the playground: subclassing the built-in type '{}'",
                            b.name
                        ),
                    ));
                }
            }
        }
        let mro = c3_merge(&bases).ok_or_else(|| {
            self.new_exc(
                "TypeError",
                "Cannot create a consistent method resolution order (MRO)".to_string(),
            )
        })?;
        let mut attrs = Attrs::default();
        for (k, v) in ns.iter() {
            if let Val::Str(s) = k {
                attrs.set(s.clone(), v.clone());
            }
        }
        let module = match attrs.get("__module__") {
            Some(Val::Str(s)) => s.clone(),
            _ => Rc::from("__main__"),
        };
        let cls = Rc::new(Class {
            name: Rc::from(name),
            qualname: Rc::from(qualname),
            module,
            bases,
            mro: RefCell::new(Vec::new()),
            dict: RefCell::new(attrs),
            builtin,
            ctor: None,
            has_props: std::cell::Cell::new(false),
        });
        let has_props =
            attrs_have_props(&cls.dict.borrow()) || mro.iter().any(|c| c.has_props.get());
        cls.has_props.set(has_props);
        let mut full = vec![cls.clone()];
        full.extend(mro);
        *cls.mro.borrow_mut() = full;
        // Methods learn their class, for zero-argument super().
        for (_, v) in cls.dict.borrow().0.iter() {
            let f = match v {
                Val::Func(f) => Some(f.clone()),
                Val::ClassMethod(inner) | Val::StaticMethod(inner) => match &**inner {
                    Val::Func(f) => Some(f.clone()),
                    _ => None,
                },
                Val::Property(p) => {
                    for part in p.iter() {
                        if let Val::Func(f) = part {
                            *f.owner.borrow_mut() = Rc::downgrade(&cls);
                        }
                    }
                    None
                }
                _ => None,
            };
            if let Some(f) = f {
                *f.owner.borrow_mut() = Rc::downgrade(&cls);
            }
        }
        Ok(cls)
    }
}

/// Whether a class dict holds what makes attribute access slow: a property, or a Python
/// `__setattr__` / `__delattr__`.
fn attrs_have_props(a: &Attrs) -> bool {
    a.0.iter().any(|(k, v)| {
        matches!(v, Val::Property(_))
            || (matches!(&**k, "__setattr__" | "__delattr__") && matches!(v, Val::Func(_)))
    })
}

/// C3 linearisation of the bases' MROs (without the new class itself).
fn c3_merge(bases: &[Rc<Class>]) -> Option<Vec<Rc<Class>>> {
    let mut seqs: Vec<Vec<Rc<Class>>> = bases.iter().map(|b| b.mro.borrow().clone()).collect();
    seqs.push(bases.to_vec());
    let mut out: Vec<Rc<Class>> = Vec::new();
    loop {
        seqs.retain(|s| !s.is_empty());
        if seqs.is_empty() {
            return Some(out);
        }
        let mut pick = None;
        for s in &seqs {
            let cand = &s[0];
            let in_tail = seqs
                .iter()
                .any(|t| t.iter().skip(1).any(|c| Rc::ptr_eq(c, cand)));
            if !in_tail {
                pick = Some(cand.clone());
                break;
            }
        }
        let c = pick?;
        for s in seqs.iter_mut() {
            if s.first().is_some_and(|f| Rc::ptr_eq(f, &c)) {
                s.remove(0);
            }
        }
        out.push(c);
    }
}

/// The built-in exception hierarchy: (name, base, module).
pub const EXCEPTIONS: &[(&str, &str, &str)] = &[
    ("BaseException", "object", "builtins"),
    ("SystemExit", "BaseException", "builtins"),
    ("KeyboardInterrupt", "BaseException", "builtins"),
    ("GeneratorExit", "BaseException", "builtins"),
    ("Exception", "BaseException", "builtins"),
    ("StopIteration", "Exception", "builtins"),
    ("StopAsyncIteration", "Exception", "builtins"),
    ("ArithmeticError", "Exception", "builtins"),
    ("OverflowError", "ArithmeticError", "builtins"),
    ("ZeroDivisionError", "ArithmeticError", "builtins"),
    ("AssertionError", "Exception", "builtins"),
    ("AttributeError", "Exception", "builtins"),
    ("BufferError", "Exception", "builtins"),
    ("EOFError", "Exception", "builtins"),
    ("ImportError", "Exception", "builtins"),
    ("ModuleNotFoundError", "ImportError", "builtins"),
    ("LookupError", "Exception", "builtins"),
    ("IndexError", "LookupError", "builtins"),
    ("KeyError", "LookupError", "builtins"),
    ("MemoryError", "Exception", "builtins"),
    ("NameError", "Exception", "builtins"),
    ("UnboundLocalError", "NameError", "builtins"),
    ("OSError", "Exception", "builtins"),
    ("FileNotFoundError", "OSError", "builtins"),
    ("PermissionError", "OSError", "builtins"),
    ("TimeoutError", "OSError", "builtins"),
    ("ConnectionError", "OSError", "builtins"),
    ("BrokenPipeError", "ConnectionError", "builtins"),
    ("RuntimeError", "Exception", "builtins"),
    ("NotImplementedError", "RuntimeError", "builtins"),
    ("RecursionError", "RuntimeError", "builtins"),
    ("SyntaxError", "Exception", "builtins"),
    ("SystemError", "Exception", "builtins"),
    ("TypeError", "Exception", "builtins"),
    ("ValueError", "Exception", "builtins"),
    ("UnicodeError", "ValueError", "builtins"),
    ("Warning", "Exception", "builtins"),
    ("DeprecationWarning", "Warning", "builtins"),
    ("RuntimeWarning", "Warning", "builtins"),
    ("UserWarning", "Warning", "builtins"),
    ("Empty", "Exception", "_queue"),
    ("Full", "Exception", "queue"),
    ("BrokenBarrierError", "RuntimeError", "threading"),
    ("CancelledError", "BaseException", "asyncio.exceptions"),
    ("InvalidStateError", "Exception", "asyncio.exceptions"),
    ("QueueEmpty", "Exception", "asyncio.queues"),
    ("QueueFull", "Exception", "asyncio.queues"),
    (
        "BrokenProcessPool",
        "RuntimeError",
        "concurrent.futures.process",
    ),
    ("ProcessError", "Exception", "multiprocessing"),
];

/// Maps the simulator's error kinds to the classes Python programs catch.
pub fn sim_error_class(kind: interleave_sim::PyErrorKind) -> &'static str {
    use interleave_sim::PyErrorKind as K;
    match kind {
        K::RuntimeError => "RuntimeError",
        K::ValueError => "ValueError",
        K::TypeError => "TypeError",
        K::AttributeError => "AttributeError",
        K::KeyError => "KeyError",
        K::LookupError => "LookupError",
        K::IndexError => "IndexError",
        K::AssertionError => "AssertionError",
        K::ZeroDivisionError => "ZeroDivisionError",
        K::BrokenBarrierError => "BrokenBarrierError",
        K::Full => "Full",
        K::Empty => "Empty",
        K::EOFError => "EOFError",
        K::OSError => "OSError",
        K::TimeoutError => "TimeoutError",
        K::CancelledError => "CancelledError",
        K::InvalidStateError => "InvalidStateError",
        K::Exception => "Exception",
        K::SystemExit => "SystemExit",
    }
}
