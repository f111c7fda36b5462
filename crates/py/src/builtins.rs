//! The `builtins` module and the built-in types: their classes (with the methods of `str`,
//! `list`, `dict`, `set`, `tuple` ... in `methods`), their constructors, and the built-in
//! functions (`print`, `len`, `range`, `sorted`, `isinstance` ...).

use std::cell::RefCell;
use std::rc::Rc;

use crate::format;
use crate::methods;
use crate::modules::is_lazy;
use crate::natives::SimCall;
use crate::obj::*;
use crate::ops::{self, range_len};
use crate::vm::{Args, Flow, NativeFn, Res, Vm};
use crate::world::{EXCEPTIONS, Types};

/// A native function value.
pub fn native(name: &'static str, f: NativeFn) -> Val {
    Val::Native(Rc::new(Native { name, f }))
}

pub fn set(cls: &Rc<Class>, name: &'static str, f: NativeFn) {
    cls.dict.borrow_mut().set(Rc::from(name), native(name, f));
}

fn new_class(
    name: &'static str,
    module: &str,
    builtin: Builtin,
    bases: Vec<Rc<Class>>,
    ctor: Option<NativeFn>,
) -> Rc<Class> {
    let cls = Rc::new(Class {
        name: Rc::from(name),
        qualname: Rc::from(name),
        module: Rc::from(module),
        bases: bases.clone(),
        mro: RefCell::new(Vec::new()),
        dict: RefCell::new(Attrs::default()),
        builtin,
        ctor,
        has_props: std::cell::Cell::new(false),
    });
    let mut mro = vec![cls.clone()];
    if let Some(b) = bases.first() {
        mro.extend(b.mro.borrow().iter().cloned());
    }
    *cls.mro.borrow_mut() = mro;
    cls
}

/// Makes a class implemented in Rust whose instances carry a simulator handle or data
/// (locks, queues, ...), for the modules.
pub fn native_class(types: &Types, name: &'static str, module: &str) -> Rc<Class> {
    new_class(
        name,
        module,
        Builtin::Native,
        vec![types.get("object")],
        None,
    )
}

/// Builds every built-in class.
pub fn new_types() -> Types {
    let mut t = Types::default();
    let object = new_class(
        "object",
        "builtins",
        Builtin::Object,
        vec![],
        Some(ctor_object),
    );
    t.by_name.insert("object", object.clone());
    let simple: &[(&'static str, Builtin, Option<NativeFn>)] = &[
        ("type", Builtin::Type, Some(ctor_type)),
        ("int", Builtin::Int, Some(ctor_int)),
        ("float", Builtin::Float, Some(ctor_float)),
        ("str", Builtin::Str, Some(ctor_str)),
        ("bytes", Builtin::Bytes, Some(ctor_bytes)),
        ("tuple", Builtin::Tuple, Some(ctor_tuple)),
        ("list", Builtin::List, Some(ctor_list)),
        ("dict", Builtin::Dict, Some(ctor_dict)),
        ("set", Builtin::Set, Some(ctor_set)),
        ("frozenset", Builtin::Set, Some(ctor_set)),
        ("range", Builtin::Range, Some(ctor_range)),
        ("slice", Builtin::Slice, Some(ctor_slice)),
        ("NoneType", Builtin::NoneType, None),
        ("function", Builtin::Function, None),
        ("builtin_function_or_method", Builtin::Function, None),
        ("method", Builtin::Function, None),
        ("module", Builtin::Module, None),
        ("iterator", Builtin::Iterator, None),
        ("generator", Builtin::Generator, None),
        ("coroutine", Builtin::Coroutine, None),
        ("async_generator", Builtin::Generator, None),
        ("cell", Builtin::Object, None),
        ("code", Builtin::Object, None),
        ("super", Builtin::Object, Some(ctor_super)),
        ("property", Builtin::Object, Some(ctor_property)),
        ("classmethod", Builtin::Object, Some(ctor_classmethod)),
        ("staticmethod", Builtin::Object, Some(ctor_staticmethod)),
        ("ellipsis", Builtin::Object, None),
        ("NotImplementedType", Builtin::Object, None),
    ];
    for (name, b, ctor) in simple {
        let c = new_class(name, "builtins", *b, vec![object.clone()], *ctor);
        t.by_name.insert(name, c);
    }
    let int = t.get("int");
    let boolc = new_class(
        "bool",
        "builtins",
        Builtin::Bool,
        vec![int],
        Some(ctor_bool),
    );
    t.by_name.insert("bool", boolc);
    for (name, base, module) in EXCEPTIONS {
        let b = t.get(base);
        let c = new_class(name, module, Builtin::BaseException, vec![b], None);
        t.by_name.insert(name, c);
    }
    methods::install(&t);
    t
}

/// The `builtins` module.
pub fn builtins_module(types: &Types) -> Rc<Module> {
    let m = Module::new("builtins");
    let fns: &[(&'static str, NativeFn)] = &[
        ("print", b_print),
        ("len", b_len),
        ("aiter", |vm, a| vm.pyb_call("_aiter_builtin", a)),
        ("anext", |vm, a| vm.pyb_call("_anext", a)),
        ("repr", b_repr),
        ("ascii", b_ascii),
        ("abs", b_abs),
        ("min", b_min),
        ("max", b_max),
        ("sum", b_sum),
        ("any", b_any),
        ("all", b_all),
        ("sorted", b_sorted),
        ("reversed", b_reversed),
        ("enumerate", b_enumerate),
        ("zip", b_zip),
        ("map", b_map),
        ("filter", b_filter),
        ("isinstance", b_isinstance),
        ("issubclass", b_issubclass),
        ("hasattr", b_hasattr),
        ("getattr", b_getattr),
        ("setattr", b_setattr),
        ("delattr", b_delattr),
        ("callable", b_callable),
        ("id", b_id),
        ("hash", b_hash),
        ("divmod", b_divmod),
        ("pow", b_pow),
        ("round", b_round),
        ("chr", b_chr),
        ("ord", b_ord),
        ("hex", b_hex),
        ("oct", b_oct),
        ("bin", b_bin),
        ("iter", b_iter),
        ("next", b_next),
        ("format", b_format),
        ("vars", b_vars),
        ("dir", b_dir),
        ("globals", b_globals),
        ("input", b_unsupported_input),
        ("open", b_unsupported_open),
        ("eval", b_unsupported_eval),
        ("exec", b_unsupported_exec),
        ("exit", b_exit),
        ("quit", b_exit),
    ];
    for (name, f) in fns {
        m.set(name, native(name, *f));
    }
    for (name, c) in types.by_name.iter() {
        if matches!(
            *name,
            "NoneType"
                | "function"
                | "builtin_function_or_method"
                | "method"
                | "module"
                | "iterator"
                | "generator"
                | "coroutine"
                | "async_generator"
                | "cell"
                | "code"
                | "ellipsis"
                | "NotImplementedType"
                | "Empty"
                | "Full"
                | "BrokenBarrierError"
                | "CancelledError"
                | "InvalidStateError"
                | "QueueEmpty"
                | "QueueFull"
                | "BrokenProcessPool"
                | "ProcessError"
        ) {
            continue;
        }
        m.set(name, Val::Class(c.clone()));
    }
    m.set("None", Val::None);
    m.set("True", Val::Bool(true));
    m.set("False", Val::Bool(false));
    m.set("NotImplemented", Val::NotImplemented);
    m.set("Ellipsis", Val::Ellipsis);
    m.set("__name__", Val::str("builtins"));
    m
}

// ---- argument helpers -------------------------------------------------------------------------

pub fn want_int(vm: &Vm, v: &Val, what: &str) -> Res<i64> {
    match v {
        Val::Int(i) => Ok(*i),
        Val::Bool(b) => Ok(i64::from(*b)),
        other => {
            let tn = vm.world.type_name(other);
            Err(vm.type_error(format!(
                "{what}: '{tn}' object cannot be interpreted as an integer"
            )))
        }
    }
}

pub fn want_f64(vm: &Vm, v: &Val, what: &str) -> Res<f64> {
    match v {
        Val::Int(i) => Ok(*i as f64),
        Val::Bool(b) => Ok(f64::from(u8::from(*b))),
        Val::Float(f) => Ok(*f),
        other => {
            let tn = vm.world.type_name(other);
            Err(vm.type_error(format!("{what}: must be real number, not {tn}")))
        }
    }
}

pub fn want_str(vm: &Vm, v: &Val, what: &str) -> Res<Rc<str>> {
    match v {
        Val::Str(s) => Ok(s.clone()),
        other => {
            let tn = vm.world.type_name(other);
            Err(vm.type_error(format!("{what} must be str, not {tn}")))
        }
    }
}

/// Checks the number of positional arguments.
pub fn arity(vm: &Vm, args: &Args, name: &str, min: usize, max: usize) -> Res<()> {
    let n = args.pos.len();
    if n < min || n > max {
        let expect = if min == 1 && max == 1 {
            "exactly one argument".to_string()
        } else if min == max {
            format!("exactly {min} argument{}", if min == 1 { "" } else { "s" })
        } else if n < min {
            format!("at least {min} argument{}", if min == 1 { "" } else { "s" })
        } else {
            format!("at most {max} argument{}", if max == 1 { "" } else { "s" })
        };
        return Err(vm.type_error(format!("{name}() takes {expect} ({n} given)")));
    }
    Ok(())
}

fn ok(v: Val) -> Res<Flow> {
    Ok(Flow::Val(v))
}

// ---- constructors -----------------------------------------------------------------------------

fn ctor_object(vm: &mut Vm, args: Args) -> Res<Flow> {
    if args.pos.len() > 1 {
        return Err(vm.type_error("object() takes no arguments"));
    }
    Ok(Flow::Val(Val::Obj(Rc::new(Instance {
        class: vm.world.class("object"),
        attrs: RefCell::new(Attrs::default()),
        payload: RefCell::new(Payload::None),
    }))))
}

fn ctor_type(vm: &mut Vm, args: Args) -> Res<Flow> {
    match args.pos.len() {
        2 => ok(Val::Class(vm.world.class_of(&args.pos[1]))),
        _ => Err(vm.exc(
            "TypeError",
            "not supported in the playground: type() with three arguments (use a class statement)",
        )),
    }
}

fn ctor_int(vm: &mut Vm, mut args: Args) -> Res<Flow> {
    let base = args.take_kw("base");
    let v = args.pos.get(1).cloned().unwrap_or(Val::Int(0));
    let base = match base.or_else(|| args.pos.get(2).cloned()) {
        Some(b) => Some(want_int(vm, &b, "int()")?),
        None => None,
    };
    ok(Val::Int(to_int(vm, &v, base)?))
}

/// `int(v, base)`.
pub fn to_int(vm: &mut Vm, v: &Val, base: Option<i64>) -> Res<i64> {
    match v {
        Val::Int(i) => Ok(*i),
        Val::Bool(b) => Ok(i64::from(*b)),
        Val::Float(f) => {
            if f.is_nan() {
                return Err(vm.value_error("cannot convert float NaN to integer"));
            }
            if f.is_infinite() {
                return Err(vm.exc("OverflowError", "cannot convert float infinity to integer"));
            }
            if f.abs() >= 9.223_372_036_854_776e18 {
                return Err(vm.exc(
                    "OverflowError",
                    "int too large: the playground's ints are 64-bit",
                ));
            }
            Ok(f.trunc() as i64)
        }
        Val::Str(s) => {
            let base = base.unwrap_or(10);
            let t = s.trim().replace('_', "");
            let (neg, digits) = match t.strip_prefix('-') {
                Some(d) => (true, d.to_string()),
                None => (false, t.strip_prefix('+').unwrap_or(&t).to_string()),
            };
            let (base, digits) = match base {
                0 | 16 if digits.starts_with("0x") || digits.starts_with("0X") => {
                    (16, digits[2..].to_string())
                }
                0 | 8 if digits.starts_with("0o") || digits.starts_with("0O") => {
                    (8, digits[2..].to_string())
                }
                0 | 2 if digits.starts_with("0b") || digits.starts_with("0B") => {
                    (2, digits[2..].to_string())
                }
                0 => (10, digits),
                b => (b, digits),
            };
            if !(2..=36).contains(&base) {
                return Err(vm.value_error("int() base must be >= 2 and <= 36, or 0"));
            }
            match i64::from_str_radix(&digits, base as u32) {
                Ok(n) if !digits.is_empty() && !digits.starts_with(['+', '-']) => {
                    Ok(if neg { -n } else { n })
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow
                    ) =>
                {
                    Err(vm.exc(
                        "OverflowError",
                        "int too large: the playground's ints are 64-bit",
                    ))
                }
                _ => Err(vm.value_error(format!(
                    "invalid literal for int() with base {base}: {}",
                    ops::str_repr(s)
                ))),
            }
        }
        Val::Obj(o) => {
            if let Some(f) = o
                .class
                .lookup("__int__")
                .or_else(|| o.class.lookup("__index__"))
            {
                let r = vm.call_method_nested(f, v.clone(), vec![])?;
                return want_int(vm, &r, "__int__");
            }
            let tn = vm.world.type_name(v);
            Err(vm.type_error(format!(
                "int() argument must be a string, a bytes-like object or a real number, not '{tn}'"
            )))
        }
        other => {
            let tn = vm.world.type_name(other);
            Err(vm.type_error(format!(
                "int() argument must be a string, a bytes-like object or a real number, not '{tn}'"
            )))
        }
    }
}

fn ctor_float(vm: &mut Vm, args: Args) -> Res<Flow> {
    let v = args.pos.get(1).cloned().unwrap_or(Val::Float(0.0));
    ok(Val::Float(to_float(vm, &v)?))
}

pub fn to_float(vm: &mut Vm, v: &Val) -> Res<f64> {
    match v {
        Val::Int(i) => Ok(*i as f64),
        Val::Bool(b) => Ok(f64::from(u8::from(*b))),
        Val::Float(f) => Ok(*f),
        Val::Str(s) => {
            let t = s.trim().replace('_', "").to_ascii_lowercase();
            let parsed = match t.as_str() {
                "inf" | "+inf" | "infinity" | "+infinity" => Some(f64::INFINITY),
                "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
                "nan" | "+nan" | "-nan" => Some(f64::NAN),
                _ => t
                    .parse::<f64>()
                    .ok()
                    .filter(|_| !t.contains("inf") && !t.contains("nan")),
            };
            parsed.ok_or_else(|| {
                vm.value_error(format!(
                    "could not convert string to float: {}",
                    ops::str_repr(s)
                ))
            })
        }
        Val::Obj(o) => {
            if let Some(f) = o.class.lookup("__float__") {
                let r = vm.call_method_nested(f, v.clone(), vec![])?;
                return want_f64(vm, &r, "__float__");
            }
            let tn = vm.world.type_name(v);
            Err(vm.type_error(format!(
                "float() argument must be a string or a real number, not '{tn}'"
            )))
        }
        other => {
            let tn = vm.world.type_name(other);
            Err(vm.type_error(format!(
                "float() argument must be a string or a real number, not '{tn}'"
            )))
        }
    }
}

/// The Python method `str(v)` (or `repr(v)` when `repr`) calls, when it is Python code.
fn python_str_method(vm: &Vm, v: &Val, repr: bool) -> Option<(Val, &'static str)> {
    let Val::Obj(o) = v else { return None };
    if !repr {
        match o.class.lookup("__str__") {
            Some(f @ Val::Func(_)) => return Some((f, "__str__")),
            // object.__str__ calls __repr__; any other native __str__ is the answer.
            Some(f)
                if !f.is(&vm
                    .world
                    .class("object")
                    .lookup("__str__")
                    .unwrap_or_default()) =>
            {
                return None;
            }
            _ => {}
        }
    }
    match o.class.lookup("__repr__") {
        Some(f @ Val::Func(_)) => Some((f, "__repr__")),
        _ => None,
    }
}

fn ctor_str(vm: &mut Vm, args: Args) -> Res<Flow> {
    // A Python __str__/__repr__ runs as a frame (it may block, as a proxy's does).
    if args.pos.len() == 2
        && let Some((f, what)) = python_str_method(vm, &args.pos[1], false)
    {
        let o = args.pos[1].clone();
        return vm.pyb_call("_checked_str", Args::new(vec![f, o, Val::str(what)]));
    }
    match args.pos.get(1) {
        None => ok(Val::str("")),
        Some(Val::Bytes(b)) if args.pos.len() > 2 => ok(Val::str(&String::from_utf8_lossy(b))),
        Some(v) => {
            let v = v.clone();
            ok(Val::str(&vm.str_of(&v)?))
        }
    }
}

fn ctor_bytes(vm: &mut Vm, args: Args) -> Res<Flow> {
    match args.pos.get(1) {
        None => ok(Val::Bytes(Rc::from(Vec::new()))),
        Some(Val::Str(s)) => ok(Val::Bytes(Rc::from(s.as_bytes()))),
        Some(Val::Int(n)) => {
            let n = (*n).max(0) as usize;
            if n > vm.world.shared.max_items {
                return Err(vm.limit_error("bytes", n));
            }
            ok(Val::Bytes(Rc::from(vec![0u8; n])))
        }
        Some(other) => {
            let items = vm.collect(other.clone())?;
            let mut out = Vec::new();
            for i in items {
                let b = want_int(vm, &i, "bytes()")?;
                if !(0..256).contains(&b) {
                    return Err(vm.value_error("bytes must be in range(0, 256)"));
                }
                out.push(b as u8);
            }
            ok(Val::Bytes(Rc::from(out)))
        }
    }
}

fn ctor_bool(vm: &mut Vm, args: Args) -> Res<Flow> {
    match args.pos.get(1) {
        None => ok(Val::Bool(false)),
        Some(v) => {
            let v = v.clone();
            ok(Val::Bool(vm.truthy(&v)?))
        }
    }
}

fn ctor_tuple(vm: &mut Vm, args: Args) -> Res<Flow> {
    if args.pos.get(1).is_some_and(is_lazy) {
        return vm.pyb_call("_tuple", Args::new(vec![args.pos[1].clone()]));
    }
    match args.pos.get(1) {
        None => ok(Val::tuple(vec![])),
        Some(Val::Tuple(t)) => ok(Val::Tuple(t.clone())),
        Some(v) => {
            let items = vm.collect(v.clone())?;
            ok(Val::tuple(items))
        }
    }
}

fn ctor_list(vm: &mut Vm, args: Args) -> Res<Flow> {
    if args.pos.get(1).is_some_and(is_lazy) {
        return vm.pyb_call("_list", Args::new(vec![args.pos[1].clone()]));
    }
    match args.pos.get(1) {
        None => ok(Val::list(vec![])),
        Some(v) => {
            let items = vm.collect(v.clone())?;
            ok(Val::list(items))
        }
    }
}

fn ctor_dict(vm: &mut Vm, args: Args) -> Res<Flow> {
    if let Some(src) = args.pos.get(1) {
        if let Val::Obj(o) = src
            && !is_lazy(src)
        {
            // A native mapping: copy through keys() and item access (a Python one goes
            // through `_dict`, as frames).
            if o.class.lookup("keys").is_some() {
                let keys_fn = vm.getattr(src, "keys")?;
                let keys = vm.call_nested(keys_fn, Args::default())?;
                let keys = vm.collect(keys)?;
                let mut d = Dict::new();
                for k in keys {
                    let v = vm.getitem_nested(src, &k)?;
                    let key = vm.key(&k)?;
                    d.insert(key, k, v);
                }
                for (k, v) in args.kw {
                    d.insert(Key::Str(k.clone()), Val::Str(k), v);
                }
                return ok(Val::dict(d));
            }
        }
        if is_lazy(src) {
            let a = Args {
                pos: vec![src.clone()],
                kw: args.kw,
            };
            return vm.pyb_call("_dict", a);
        }
    }
    let mut d = Dict::new();
    if let Some(src) = args.pos.get(1) {
        dict_update_from(vm, &mut d, src.clone())?;
    }
    for (k, v) in args.kw {
        d.insert(Key::Str(k.clone()), Val::Str(k), v);
    }
    ok(Val::dict(d))
}

/// `dict.update(src)`: a mapping or an iterable of pairs.
pub fn dict_update_from(vm: &mut Vm, d: &mut Dict, src: Val) -> Res<()> {
    match &src {
        Val::Dict(s) => {
            let pairs: Vec<(Val, Val)> = s
                .borrow()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            for (k, v) in pairs {
                let key = vm.key(&k)?;
                d.insert(key, k, v);
            }
        }
        other => {
            let items = vm.collect(other.clone())?;
            for (i, it) in items.into_iter().enumerate() {
                let pair = vm.collect(it)?;
                if pair.len() != 2 {
                    return Err(vm.value_error(format!(
                        "dictionary update sequence element #{i} has length {}; 2 is required",
                        pair.len()
                    )));
                }
                let mut p = pair.into_iter();
                if let (Some(k), Some(v)) = (p.next(), p.next()) {
                    let key = vm.key(&k)?;
                    d.insert(key, k, v);
                }
            }
        }
    }
    Ok(())
}

fn ctor_set(vm: &mut Vm, args: Args) -> Res<Flow> {
    let frozen = matches!(args.pos.first(), Some(Val::Class(c)) if &*c.name == "frozenset");
    if args.pos.get(1).is_some_and(is_lazy) {
        let f = if frozen { "_frozenset" } else { "_set" };
        return vm.pyb_call(f, Args::new(vec![args.pos[1].clone()]));
    }
    if frozen
        && let Some(Val::Set(s)) = args.pos.get(1)
        && s.borrow().frozen
    {
        return ok(args.pos[1].clone());
    }
    let mut d = Dict::new();
    d.frozen = frozen;
    if let Some(src) = args.pos.get(1) {
        for it in vm.collect(src.clone())? {
            let k = vm.key(&it)?;
            d.insert(k, it, Val::None);
        }
    }
    ok(Val::Set(Rc::new(RefCell::new(d))))
}

fn ctor_range(vm: &mut Vm, args: Args) -> Res<Flow> {
    let a: Vec<i64> = args
        .pos
        .iter()
        .skip(1)
        .map(|v| want_int(vm, v, "range()"))
        .collect::<Res<_>>()?;
    let r = match a.len() {
        1 => [0, a[0], 1],
        2 => [a[0], a[1], 1],
        3 => [a[0], a[1], a[2]],
        0 => return Err(vm.type_error("range expected at least 1 argument, got 0")),
        n => return Err(vm.type_error(format!("range expected at most 3 arguments, got {n}"))),
    };
    if r[2] == 0 {
        return Err(vm.value_error("range() arg 3 must not be zero"));
    }
    ok(Val::Range(Rc::new(r)))
}

fn ctor_slice(_vm: &mut Vm, args: Args) -> Res<Flow> {
    let a: Vec<Val> = args.pos.into_iter().skip(1).collect();
    let s = match a.len() {
        1 => [Val::None, a[0].clone(), Val::None],
        2 => [a[0].clone(), a[1].clone(), Val::None],
        _ => [
            a.first().cloned().unwrap_or_default(),
            a.get(1).cloned().unwrap_or_default(),
            a.get(2).cloned().unwrap_or_default(),
        ],
    };
    ok(Val::Slice(Rc::new(s)))
}

fn ctor_super(vm: &mut Vm, args: Args) -> Res<Flow> {
    if args.pos.len() >= 3 {
        let cls = match &args.pos[1] {
            Val::Class(c) => c.clone(),
            _ => return Err(vm.type_error("super() argument 1 must be a type")),
        };
        return ok(Val::Super(Rc::new((cls, args.pos[2].clone()))));
    }
    // Zero-argument form: the calling method's class and first argument.
    let Some(frame) = vm.frames.last() else {
        return Err(vm.exc("RuntimeError", "super(): no arguments"));
    };
    let owner = frame.func.as_ref().and_then(|f| f.owner.borrow().upgrade());
    let first = frame.locals.first().cloned().flatten();
    match (owner, first) {
        (Some(cls), Some(this)) => ok(Val::Super(Rc::new((cls, this)))),
        _ => Err(vm.exc("RuntimeError", "super(): no arguments")),
    }
}

fn ctor_property(_vm: &mut Vm, mut args: Args) -> Res<Flow> {
    let fget = args.arg(1, "fget").unwrap_or_default();
    let fset = args.arg(2, "fset").unwrap_or_default();
    let fdel = args.arg(3, "fdel").unwrap_or_default();
    ok(Val::Property(Rc::new([fget, fset, fdel])))
}

fn ctor_classmethod(_vm: &mut Vm, args: Args) -> Res<Flow> {
    ok(Val::ClassMethod(Rc::new(
        args.pos.get(1).cloned().unwrap_or_default(),
    )))
}

fn ctor_staticmethod(_vm: &mut Vm, args: Args) -> Res<Flow> {
    ok(Val::StaticMethod(Rc::new(
        args.pos.get(1).cloned().unwrap_or_default(),
    )))
}

// ---- built-in functions -----------------------------------------------------------------------

fn b_print(vm: &mut Vm, mut args: Args) -> Res<Flow> {
    // Objects printed through a Python __str__/__repr__: convert them in Python, as frames.
    if args
        .pos
        .iter()
        .any(|a| python_str_method(vm, a, false).is_some())
    {
        return vm.pyb_call("_print", args);
    }
    let sep = match args.take_kw("sep") {
        None | Some(Val::None) => " ".to_string(),
        Some(Val::Str(s)) => s.to_string(),
        Some(other) => {
            let tn = vm.world.type_name(&other);
            return Err(vm.type_error(format!("sep must be None or a string, not {tn}")));
        }
    };
    let end = match args.take_kw("end") {
        None | Some(Val::None) => "\n".to_string(),
        Some(Val::Str(s)) => s.to_string(),
        Some(other) => {
            let tn = vm.world.type_name(&other);
            return Err(vm.type_error(format!("end must be None or a string, not {tn}")));
        }
    };
    let file = args.take_kw("file");
    let _flush = args.take_kw("flush");
    if let Some((k, _)) = args.kw.first() {
        return Err(vm.type_error(format!("'{k}' is an invalid keyword argument for print()")));
    }
    let mut text = String::new();
    for (i, a) in args.pos.iter().enumerate() {
        if i > 0 {
            text.push_str(&sep);
        }
        text.push_str(&vm.str_of(a)?);
    }
    text.push_str(&end);
    let to_stderr = matches!(&file, Some(Val::Obj(o)) if matches!(&*o.payload.borrow(), Payload::Data(Val::Str(s)) if &**s == "stderr"));
    if file.is_some()
        && !to_stderr
        && !matches!(file, Some(Val::None))
        && !matches!(&file, Some(Val::Obj(o)) if matches!(&*o.payload.borrow(), Payload::Data(Val::Str(s)) if &**s == "stdout"))
    {
        return Err(vm.exc(
            "TypeError",
            "not supported in the playground: print(file=...) other than sys.stdout or sys.stderr",
        ));
    }
    write_console(vm, &text, to_stderr)
}

/// Writes program output: to the console now, and as a `print` event on the timeline.
pub fn write_console(vm: &mut Vm, text: &str, to_stderr: bool) -> Res<Flow> {
    {
        let mut c = vm.world.shared.console.borrow_mut();
        if to_stderr {
            c.stderr.push_str(text);
        } else {
            c.stdout.push_str(text);
        }
    }
    let line = text.strip_suffix('\n').unwrap_or(text).to_string();
    Ok(Flow::Sim(SimCall::print(line)))
}

/// Whether `v` is an instance whose class defines `name` in Python (not a native method).
pub fn python_dunder(v: &Val, name: &str) -> bool {
    match v {
        Val::Obj(o) => matches!(o.class.lookup(name), Some(Val::Func(_))),
        _ => false,
    }
}

pub fn len_of(vm: &mut Vm, v: &Val) -> Res<i64> {
    Ok(match v {
        Val::Str(s) => s.chars().count() as i64,
        Val::Bytes(b) => b.len() as i64,
        Val::Tuple(t) => t.len() as i64,
        Val::List(l) => l.borrow().len() as i64,
        Val::Dict(d) | Val::Set(d) => d.borrow().len() as i64,
        Val::Range(r) => range_len(r),
        Val::Obj(o) => match o.class.lookup("__len__") {
            Some(f) => {
                let r = vm.call_method_nested(f, v.clone(), vec![])?;
                let n = want_int(vm, &r, "__len__")?;
                if n < 0 {
                    return Err(vm.value_error("__len__() should return >= 0"));
                }
                n
            }
            None => {
                let tn = vm.world.type_name(v);
                return Err(vm.type_error(format!("object of type '{tn}' has no len()")));
            }
        },
        other => {
            let tn = vm.world.type_name(other);
            return Err(vm.type_error(format!("object of type '{tn}' has no len()")));
        }
    })
}

fn b_len(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "len", 1, 1)?;
    // A Python `__len__` runs as a frame (it may block, as a manager proxy's does).
    if python_dunder(&args.pos[0], "__len__") {
        return vm.pyb_call("_len", args);
    }
    ok(Val::Int(len_of(vm, &args.pos[0])?))
}

fn b_repr(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "repr", 1, 1)?;
    if let Some((f, what)) = python_str_method(vm, &args.pos[0], true) {
        let o = args.pos[0].clone();
        return vm.pyb_call("_checked_str", Args::new(vec![f, o, Val::str(what)]));
    }
    ok(Val::str(&vm.repr(&args.pos[0])?))
}

fn b_ascii(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "ascii", 1, 1)?;
    ok(Val::str(&ops::ascii(&vm.repr(&args.pos[0])?)))
}

fn b_abs(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "abs", 1, 1)?;
    match &args.pos[0] {
        Val::Int(i) => ok(Val::Int(i.checked_abs().ok_or_else(|| {
            vm.exc(
                "OverflowError",
                "int too large: the playground's ints are 64-bit",
            )
        })?)),
        Val::Bool(b) => ok(Val::Int(i64::from(*b))),
        Val::Float(f) => ok(Val::Float(f.abs())),
        Val::Obj(o) if o.class.lookup("__abs__").is_some() => {
            let f = o.class.lookup("__abs__").unwrap_or_default();
            Ok(Flow::Call(f, Args::new(vec![args.pos[0].clone()])))
        }
        other => {
            let tn = vm.world.type_name(other);
            Err(vm.type_error(format!("bad operand type for abs(): '{tn}'")))
        }
    }
}

/// Applies `key` to each item (nested calls).
fn keyed(vm: &mut Vm, items: Vec<Val>, key: &Option<Val>) -> Res<Vec<(Val, Val)>> {
    let mut out = Vec::with_capacity(items.len());
    for it in items {
        let k = match key {
            Some(f) if !matches!(f, Val::None) => {
                vm.call_nested(f.clone(), Args::new(vec![it.clone()]))?
            }
            _ => it.clone(),
        };
        out.push((k, it));
    }
    Ok(out)
}

fn min_max(vm: &mut Vm, mut args: Args, want_max: bool) -> Res<Flow> {
    let name = if want_max { "max" } else { "min" };
    if args.pos.len() == 1 && is_lazy(&args.pos[0]) {
        return vm.pyb_call(if want_max { "_max" } else { "_min" }, args);
    }
    let key = args.take_kw("key");
    let default = args.take_kw("default");
    let items = match args.pos.len() {
        0 => return Err(vm.type_error(format!("{name} expected at least 1 argument, got 0"))),
        1 => {
            let v = args.pos[0].clone();
            vm.collect(v)?
        }
        _ => args.pos,
    };
    if items.is_empty() {
        return match default {
            Some(d) => ok(d),
            None => Err(vm.value_error(format!("{name}() arg is an empty sequence"))),
        };
    }
    let pairs = keyed(vm, items, &key)?;
    let mut best = 0;
    for i in 1..pairs.len() {
        let better = if want_max {
            vm.less(&pairs[best].0, &pairs[i].0)?
        } else {
            vm.less(&pairs[i].0, &pairs[best].0)?
        };
        if better {
            best = i;
        }
    }
    ok(pairs[best].1.clone())
}

fn b_min(vm: &mut Vm, args: Args) -> Res<Flow> {
    min_max(vm, args, false)
}

fn b_max(vm: &mut Vm, args: Args) -> Res<Flow> {
    min_max(vm, args, true)
}

fn b_sum(vm: &mut Vm, mut args: Args) -> Res<Flow> {
    let start = args
        .take_kw("start")
        .or_else(|| args.pos.get(1).cloned())
        .unwrap_or(Val::Int(0));
    if matches!(start, Val::Str(_)) {
        return Err(vm.type_error("sum() can't sum strings [use ''.join(seq) instead]"));
    }
    let Some(it) = args.pos.first().cloned() else {
        return Err(vm.type_error("sum() takes at least 1 positional argument (0 given)"));
    };
    if is_lazy(&it) {
        return vm.pyb_call("_sum", Args::new(vec![it, start]));
    }
    let items = vm.collect(it)?;
    let mut acc = start;
    for x in items {
        acc = match vm.binary_builtin(&acc, crate::ast::BinOp::Add, &x, false)? {
            Some(v) => v,
            None => {
                let (ta, tb) = (vm.world.type_name(&acc), vm.world.type_name(&x));
                // User classes with __add__ / __radd__.
                let f = match (&acc, &x) {
                    (Val::Obj(o), _) if o.class.lookup("__add__").is_some() => Some((
                        o.class.lookup("__add__").unwrap_or_default(),
                        acc.clone(),
                        x.clone(),
                    )),
                    (_, Val::Obj(o)) if o.class.lookup("__radd__").is_some() => Some((
                        o.class.lookup("__radd__").unwrap_or_default(),
                        x.clone(),
                        acc.clone(),
                    )),
                    _ => None,
                };
                match f {
                    Some((f, a, b)) => vm.call_method_nested(f, a, vec![b])?,
                    None => {
                        return Err(vm.type_error(format!(
                            "unsupported operand type(s) for +: '{ta}' and '{tb}'"
                        )));
                    }
                }
            }
        };
    }
    ok(acc)
}

fn b_any(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "any", 1, 1)?;
    if is_lazy(&args.pos[0]) {
        return vm.pyb_call("_any", args);
    }
    let it = vm.get_iter(args.pos[0].clone())?;
    while let Some(x) = vm.next_of(&it)? {
        if vm.truthy(&x)? {
            return ok(Val::Bool(true));
        }
    }
    ok(Val::Bool(false))
}

fn b_all(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "all", 1, 1)?;
    if is_lazy(&args.pos[0]) {
        return vm.pyb_call("_all", args);
    }
    let it = vm.get_iter(args.pos[0].clone())?;
    while let Some(x) = vm.next_of(&it)? {
        if !vm.truthy(&x)? {
            return ok(Val::Bool(false));
        }
    }
    ok(Val::Bool(true))
}

/// A stable merge sort whose comparisons may run Python code and raise.
pub fn sort_values(vm: &mut Vm, items: Vec<Val>, key: Option<Val>, reverse: bool) -> Res<Vec<Val>> {
    let mut pairs = keyed(vm, items, &key)?;
    merge_sort(vm, &mut pairs, reverse)?;
    Ok(pairs.into_iter().map(|(_, v)| v).collect())
}

fn merge_sort(vm: &mut Vm, v: &mut Vec<(Val, Val)>, reverse: bool) -> Res<()> {
    let n = v.len();
    if n <= 1 {
        return Ok(());
    }
    // Insertion sort for short runs, then bottom-up merges.
    let run = 16;
    let mut start = 0;
    while start < n {
        let end = (start + run).min(n);
        for i in start + 1..end {
            let mut j = i;
            while j > start {
                let lt = if reverse {
                    vm.less(&v[j - 1].0, &v[j].0)?
                } else {
                    vm.less(&v[j].0, &v[j - 1].0)?
                };
                if !lt {
                    break;
                }
                v.swap(j, j - 1);
                j -= 1;
            }
        }
        start = end;
    }
    let mut width = run;
    while width < n {
        let mut out: Vec<(Val, Val)> = Vec::with_capacity(n);
        let mut lo = 0;
        while lo < n {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            let (mut i, mut j) = (lo, mid);
            while i < mid && j < hi {
                let take_right = if reverse {
                    vm.less(&v[i].0, &v[j].0)?
                } else {
                    vm.less(&v[j].0, &v[i].0)?
                };
                if take_right {
                    out.push(v[j].clone());
                    j += 1;
                } else {
                    out.push(v[i].clone());
                    i += 1;
                }
            }
            out.extend_from_slice(&v[i..mid]);
            out.extend_from_slice(&v[j..hi]);
            lo = hi;
        }
        *v = out;
        width *= 2;
    }
    Ok(())
}

fn b_sorted(vm: &mut Vm, mut args: Args) -> Res<Flow> {
    if args.pos.len() == 1 && is_lazy(&args.pos[0]) {
        return vm.pyb_call("_sorted", args);
    }
    let key = args.take_kw("key");
    let reverse = match args.take_kw("reverse") {
        Some(r) => vm.truthy(&r)?,
        None => false,
    };
    arity(vm, &args, "sorted", 1, 1)?;
    let items = vm.collect(args.pos[0].clone())?;
    ok(Val::list(sort_values(vm, items, key, reverse)?))
}

fn b_reversed(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "reversed", 1, 1)?;
    let v = args.pos[0].clone();
    match &v {
        Val::List(l) => {
            let n = l.borrow().len();
            ok(Val::Iter(Rc::new(RefCell::new(Iter::Reversed(
                l.clone(),
                n,
            )))))
        }
        Val::Tuple(_) | Val::Str(_) | Val::Range(_) | Val::Dict(_) => {
            let mut items = vm.collect(v)?;
            items.reverse();
            ok(Val::Iter(Rc::new(RefCell::new(Iter::Vec(
                items.into_iter(),
            )))))
        }
        Val::Obj(o) if o.class.lookup("__reversed__").is_some() => {
            let f = o.class.lookup("__reversed__").unwrap_or_default();
            Ok(Flow::Call(f, Args::new(vec![v.clone()])))
        }
        other => {
            let tn = vm.world.type_name(other);
            Err(vm.type_error(format!("'{tn}' object is not reversible")))
        }
    }
}

fn b_enumerate(vm: &mut Vm, mut args: Args) -> Res<Flow> {
    let start = match args.take_kw("start").or_else(|| args.pos.get(1).cloned()) {
        Some(s) => want_int(vm, &s, "enumerate()")?,
        None => 0,
    };
    let Some(src) = args.pos.first().cloned() else {
        return Err(vm.type_error("enumerate() missing required argument 'iterable' (pos 1)"));
    };
    if is_lazy(&src) {
        return vm.pyb_call("_enumerate", Args::new(vec![src, Val::Int(start)]));
    }
    let inner = vm.get_iter(src)?;
    ok(Val::Iter(Rc::new(RefCell::new(Iter::Enumerate {
        inner,
        count: start,
    }))))
}

fn b_zip(vm: &mut Vm, mut args: Args) -> Res<Flow> {
    let _ = args.take_kw("strict");
    if args.pos.iter().any(is_lazy) {
        return vm.pyb_call("_zip", Args::new(args.pos));
    }
    let mut its = Vec::new();
    for a in args.pos {
        its.push(vm.get_iter(a)?);
    }
    ok(Val::Iter(Rc::new(RefCell::new(Iter::Zip(its)))))
}

fn b_map(vm: &mut Vm, args: Args) -> Res<Flow> {
    if args.pos.len() < 2 {
        return Err(vm.type_error("map() must have at least two arguments."));
    }
    let f = args.pos[0].clone();
    if matches!(f, Val::Func(_) | Val::Method(_) | Val::Obj(_)) || args.pos[1..].iter().any(is_lazy)
    {
        // Lazily, in Python: the function runs when the map is iterated, as in CPython.
        return vm.pyb_call("_map", args);
    }
    let mut lists = Vec::new();
    for a in args.pos.into_iter().skip(1) {
        lists.push(vm.collect(a)?);
    }
    let n = lists.iter().map(Vec::len).min().unwrap_or(0);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let a: Vec<Val> = lists.iter().map(|l| l[i].clone()).collect();
        out.push(vm.call_nested(f.clone(), Args::new(a))?);
    }
    ok(Val::Iter(Rc::new(RefCell::new(Iter::Vec(out.into_iter())))))
}

fn b_filter(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "filter", 2, 2)?;
    let f = args.pos[0].clone();
    if matches!(f, Val::Func(_) | Val::Method(_) | Val::Obj(_)) || is_lazy(&args.pos[1]) {
        return vm.pyb_call("_filter", args);
    }
    let items = vm.collect(args.pos[1].clone())?;
    let mut out = Vec::new();
    for it in items {
        let keep = if matches!(f, Val::None) {
            vm.truthy(&it)?
        } else {
            let r = vm.call_nested(f.clone(), Args::new(vec![it.clone()]))?;
            vm.truthy(&r)?
        };
        if keep {
            out.push(it);
        }
    }
    ok(Val::Iter(Rc::new(RefCell::new(Iter::Vec(out.into_iter())))))
}

/// `isinstance(v, cls)`.
pub fn is_instance(vm: &Vm, v: &Val, cls: &Val) -> Res<bool> {
    match cls {
        Val::Class(c) => {
            let vc = vm.world.class_of(v);
            // bool is an int; everything is an object.
            Ok(vc.is_subclass(c))
        }
        Val::Tuple(t) => {
            for c in t.iter() {
                if is_instance(vm, v, c)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        _ => Err(vm.type_error("isinstance() arg 2 must be a type, a tuple of types, or a union")),
    }
}

fn b_isinstance(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "isinstance", 2, 2)?;
    ok(Val::Bool(is_instance(vm, &args.pos[0], &args.pos[1])?))
}

fn b_issubclass(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "issubclass", 2, 2)?;
    let Val::Class(c) = &args.pos[0] else {
        return Err(vm.type_error("issubclass() arg 1 must be a class"));
    };
    let check = |t: &Val| match t {
        Val::Class(o) => Ok(c.is_subclass(o)),
        _ => {
            Err(vm.type_error("issubclass() arg 2 must be a class, a tuple of classes, or a union"))
        }
    };
    match &args.pos[1] {
        Val::Tuple(t) => {
            for x in t.iter() {
                if check(x)? {
                    return ok(Val::Bool(true));
                }
            }
            ok(Val::Bool(false))
        }
        other => ok(Val::Bool(check(other)?)),
    }
}

fn b_hasattr(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "hasattr", 2, 2)?;
    let name = want_str(vm, &args.pos[1], "attribute name")?;
    match vm.getattr(&args.pos[0], &name) {
        Ok(_) => ok(Val::Bool(true)),
        Err(e) if vm.world.is_instance_of(&e, "AttributeError") => ok(Val::Bool(false)),
        Err(e) => Err(e),
    }
}

fn b_getattr(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "getattr", 2, 3)?;
    let name = want_str(vm, &args.pos[1], "attribute name")?;
    match vm.getattr(&args.pos[0], &name) {
        Ok(v) => ok(v),
        Err(e) if args.pos.len() == 3 && vm.world.is_instance_of(&e, "AttributeError") => {
            ok(args.pos[2].clone())
        }
        Err(e) => Err(e),
    }
}

fn b_setattr(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "setattr", 3, 3)?;
    let name = want_str(vm, &args.pos[1], "attribute name")?;
    vm.setattr(&args.pos[0], name, args.pos[2].clone())?;
    ok(Val::None)
}

fn b_delattr(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "delattr", 2, 2)?;
    let name = want_str(vm, &args.pos[1], "attribute name")?;
    vm.delattr(&args.pos[0], &name)?;
    ok(Val::None)
}

fn b_callable(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "callable", 1, 1)?;
    let c = match &args.pos[0] {
        Val::Func(_) | Val::Native(_) | Val::Method(_) | Val::Class(_) => true,
        Val::Obj(o) => o.class.lookup("__call__").is_some(),
        _ => false,
    };
    ok(Val::Bool(c))
}

fn b_id(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "id", 1, 1)?;
    ok(Val::Int(vm.world.shared.stable_id(&args.pos[0]) as i64))
}

fn b_hash(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "hash", 1, 1)?;
    let v = args.pos[0].clone();
    let k = vm.key(&v)?;
    ok(Val::Int(match k {
        Key::Int(i) => {
            // CPython's hash of an int is its value modulo 2**61 - 1 (and -1 becomes -2).
            let m: i64 = (1 << 61) - 1;
            let h = i.rem_euclid(m);
            let h = if i < 0 { -((-i).rem_euclid(m)) } else { h };
            if h == -1 { -2 } else { h }
        }
        Key::None => 0x5f1f_6a2b,
        other => {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in format!("{other:?}").bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            (h >> 2) as i64
        }
    }))
}

fn b_divmod(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "divmod", 2, 2)?;
    let (a, b) = (args.pos[0].clone(), args.pos[1].clone());
    let q = vm.binary_builtin(&a, crate::ast::BinOp::FloorDiv, &b, false)?;
    let r = vm.binary_builtin(&a, crate::ast::BinOp::Mod, &b, false)?;
    match (q, r) {
        (Some(q), Some(r)) => ok(Val::tuple(vec![q, r])),
        _ => {
            let (ta, tb) = (vm.world.type_name(&a), vm.world.type_name(&b));
            Err(vm.type_error(format!(
                "unsupported operand type(s) for divmod(): '{ta}' and '{tb}'"
            )))
        }
    }
}

fn b_pow(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "pow", 2, 3)?;
    if args.pos.len() == 3 && !matches!(args.pos[2], Val::None) {
        let b = want_int(vm, &args.pos[0], "pow()")?;
        let e = want_int(vm, &args.pos[1], "pow()")?;
        let m = want_int(vm, &args.pos[2], "pow()")?;
        if m == 0 {
            return Err(vm.value_error("pow() 3rd argument cannot be 0"));
        }
        if e < 0 {
            return Err(vm.value_error(
                "not supported in the playground: pow() with a negative exponent and a modulus",
            ));
        }
        let m128 = i128::from(m);
        let mut result: i128 = 1;
        let mut base = i128::from(b).rem_euclid(m128);
        let mut e = e;
        while e > 0 {
            if e & 1 == 1 {
                result = (result * base).rem_euclid(m128);
            }
            base = (base * base).rem_euclid(m128);
            e >>= 1;
        }
        let r = result.rem_euclid(m128);
        let r = if m < 0 && r != 0 { r + m128 } else { r };
        return ok(Val::Int(r as i64));
    }
    let (a, b) = (args.pos[0].clone(), args.pos[1].clone());
    match vm.binary_builtin(&a, crate::ast::BinOp::Pow, &b, false)? {
        Some(v) => ok(v),
        None => {
            let (ta, tb) = (vm.world.type_name(&a), vm.world.type_name(&b));
            Err(vm.type_error(format!(
                "unsupported operand type(s) for ** or pow(): '{ta}' and '{tb}'"
            )))
        }
    }
}

fn b_round(vm: &mut Vm, mut args: Args) -> Res<Flow> {
    let nd = args.take_kw("ndigits").or_else(|| args.pos.get(1).cloned());
    let Some(x) = args.pos.first().cloned() else {
        return Err(vm.type_error("round() missing required argument 'number' (pos 1)"));
    };
    let nd = match nd {
        None | Some(Val::None) => None,
        Some(n) => Some(want_int(vm, &n, "round()")?),
    };
    match (&x, nd) {
        (Val::Int(i), None) => ok(Val::Int(*i)),
        (Val::Bool(b), None) => ok(Val::Int(i64::from(*b))),
        (Val::Int(i), Some(n)) => {
            if n >= 0 {
                return ok(Val::Int(*i));
            }
            let p = ops::int_pow(10, (-n) as u64).unwrap_or(i64::MAX);
            let q = i.div_euclid(p);
            let r = i.rem_euclid(p);
            let q = if 2 * r > p || (2 * r == p && q % 2 != 0) {
                q + 1
            } else {
                q
            };
            ok(Val::Int(q.saturating_mul(p)))
        }
        (Val::Float(f), None) => {
            if f.is_nan() {
                return Err(vm.value_error("cannot convert float NaN to integer"));
            }
            if f.is_infinite() {
                return Err(vm.exc("OverflowError", "cannot convert float infinity to integer"));
            }
            ok(Val::Int(f.round_ties_even() as i64))
        }
        (Val::Float(f), Some(n)) => {
            if !f.is_finite() {
                return ok(Val::Float(*f));
            }
            if n > 300 {
                return ok(Val::Float(*f));
            }
            if n < -308 {
                return ok(Val::Float(0.0f64.copysign(*f)));
            }
            if n >= 0 {
                let s = format!("{:.*}", n as usize, f);
                ok(Val::Float(s.parse::<f64>().unwrap_or(*f)))
            } else {
                let p = 10f64.powi((-n) as i32);
                ok(Val::Float((f / p).round_ties_even() * p))
            }
        }
        (Val::Obj(o), _) if o.class.lookup("__round__").is_some() => {
            let f = o.class.lookup("__round__").unwrap_or_default();
            let mut a = vec![x.clone()];
            if let Some(n) = nd {
                a.push(Val::Int(n));
            }
            Ok(Flow::Call(f, Args::new(a)))
        }
        (other, _) => {
            let tn = vm.world.type_name(other);
            Err(vm.type_error(format!("type {tn} doesn't define __round__ method")))
        }
    }
}

fn b_chr(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "chr", 1, 1)?;
    let i = want_int(vm, &args.pos[0], "chr()")?;
    match u32::try_from(i).ok().and_then(char::from_u32) {
        Some(c) => ok(Val::str(c.encode_utf8(&mut [0u8; 4]))),
        None => Err(vm.value_error("chr() arg not in range(0x110000)")),
    }
}

fn b_ord(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "ord", 1, 1)?;
    match &args.pos[0] {
        Val::Str(s) => {
            let mut it = s.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => ok(Val::Int(i64::from(c as u32))),
                _ => Err(vm.type_error(format!(
                    "ord() expected a character, but string of length {} found",
                    s.chars().count()
                ))),
            }
        }
        other => {
            let tn = vm.world.type_name(other);
            Err(vm.type_error(format!("ord() expected string of length 1, but {tn} found")))
        }
    }
}

fn radix(vm: &mut Vm, args: Args, name: &str, spec: &str) -> Res<Flow> {
    arity(vm, &args, name, 1, 1)?;
    let i = want_int(vm, &args.pos[0], &format!("{name}()"))?;
    let s = format::format_int(i, spec).map_err(|e| vm.format_error(e))?;
    ok(Val::str(&s))
}

fn b_hex(vm: &mut Vm, args: Args) -> Res<Flow> {
    radix(vm, args, "hex", "#x")
}

fn b_oct(vm: &mut Vm, args: Args) -> Res<Flow> {
    radix(vm, args, "oct", "#o")
}

fn b_bin(vm: &mut Vm, args: Args) -> Res<Flow> {
    radix(vm, args, "bin", "#b")
}

fn b_iter(vm: &mut Vm, args: Args) -> Res<Flow> {
    if args.pos.len() == 2 {
        return vm.pyb_call("_iter_call", args);
    }
    arity(vm, &args, "iter", 1, 1)?;
    ok(vm.get_iter(args.pos[0].clone())?)
}

/// The `next` built-in as a value (for nested iteration of generators).
pub fn next_native(_vm: &Vm) -> Val {
    native("next", b_next)
}

fn b_next(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "next", 1, 2)?;
    let it = args.pos[0].clone();
    let default = args.pos.get(1).cloned();
    match &it {
        Val::Gen(g) => {
            if let Some(d) = default {
                // A default turns exhaustion into a value: run it nested to catch that.
                let r =
                    vm.call_nested(native("next", b_next), Args::new(vec![Val::Gen(g.clone())]));
                return match r {
                    Ok(v) => ok(v),
                    Err(e) if vm.world.is_instance_of(&e, "StopIteration") => ok(d),
                    Err(e) => Err(e),
                };
            }
            Ok(Flow::Resume(g.clone(), Val::None, None))
        }
        Val::Iter(_) => match vm.iter_next_builtin(&it)? {
            Some(v) => ok(v),
            None => match default {
                Some(d) => ok(d),
                None => Err(vm.world.new_exc_args("StopIteration", vec![])),
            },
        },
        Val::Obj(o) if o.class.lookup("__next__").is_some() => {
            let f = o.class.lookup("__next__").unwrap_or_default();
            if let Some(d) = default {
                return match vm.call_method_nested(f, it.clone(), vec![]) {
                    Ok(v) => ok(v),
                    Err(e) if vm.world.is_instance_of(&e, "StopIteration") => ok(d),
                    Err(e) => Err(e),
                };
            }
            Ok(Flow::Call(f, Args::new(vec![it.clone()])))
        }
        other => {
            let tn = vm.world.type_name(other);
            Err(vm.type_error(format!("'{tn}' object is not an iterator")))
        }
    }
}

fn b_format(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "format", 1, 2)?;
    let spec = match args.pos.get(1) {
        Some(s) => want_str(vm, s, "format() argument 2")?.to_string(),
        None => String::new(),
    };
    ok(Val::str(&vm.format(&args.pos[0], &spec)?))
}

fn b_vars(vm: &mut Vm, args: Args) -> Res<Flow> {
    arity(vm, &args, "vars", 1, 1)?;
    vm.getattr(&args.pos[0], "__dict__").map(Flow::Val)
}

fn b_dir(vm: &mut Vm, args: Args) -> Res<Flow> {
    let mut names: Vec<String> = match args.pos.first() {
        Some(Val::Obj(o)) => {
            let mut n: Vec<String> = o
                .attrs
                .borrow()
                .0
                .iter()
                .map(|(k, _)| k.to_string())
                .collect();
            for c in o.class.mro.borrow().iter() {
                n.extend(c.dict.borrow().0.iter().map(|(k, _)| k.to_string()));
            }
            n
        }
        Some(Val::Module(m)) => m
            .dict
            .borrow()
            .keys()
            .iter()
            .map(ops::str_of_plain)
            .collect(),
        Some(Val::Class(c)) => c
            .mro
            .borrow()
            .iter()
            .flat_map(|c| {
                c.dict
                    .borrow()
                    .0
                    .iter()
                    .map(|(k, _)| k.to_string())
                    .collect::<Vec<_>>()
            })
            .collect(),
        Some(other) => {
            let c = vm.world.class_of(other);
            c.dict
                .borrow()
                .0
                .iter()
                .map(|(k, _)| k.to_string())
                .collect()
        }
        None => match vm.frames.last() {
            Some(f) => f
                .globals
                .dict
                .borrow()
                .keys()
                .iter()
                .map(ops::str_of_plain)
                .collect(),
            None => Vec::new(),
        },
    };
    names.sort();
    names.dedup();
    ok(Val::list(names.iter().map(|s| Val::str(s)).collect()))
}

fn b_globals(vm: &mut Vm, _args: Args) -> Res<Flow> {
    let Some(f) = vm.frames.last() else {
        return ok(Val::dict(Dict::new()));
    };
    // A snapshot: writes to it do not reach the module (a documented difference).
    ok(Val::dict(f.globals.dict.borrow().clone()))
}

fn b_unsupported_input(vm: &mut Vm, _args: Args) -> Res<Flow> {
    Err(vm.exc("OSError", "not supported in the playground: input() (programs run without a keyboard; set the value in the code)"))
}

fn b_unsupported_open(vm: &mut Vm, _args: Args) -> Res<Flow> {
    Err(vm.exc(
        "OSError",
        "not supported in the playground: open() (there are no files)",
    ))
}

fn b_unsupported_eval(vm: &mut Vm, _args: Args) -> Res<Flow> {
    Err(vm.exc("RuntimeError", "not supported in the playground: eval()"))
}

fn b_unsupported_exec(vm: &mut Vm, _args: Args) -> Res<Flow> {
    Err(vm.exc("RuntimeError", "not supported in the playground: exec()"))
}

fn b_exit(vm: &mut Vm, args: Args) -> Res<Flow> {
    let code = args.pos.first().cloned().unwrap_or(Val::None);
    Err(vm.world.new_exc_args(
        "SystemExit",
        if matches!(code, Val::None) {
            vec![]
        } else {
            vec![code]
        },
    ))
}
