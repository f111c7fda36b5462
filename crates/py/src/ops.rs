//! Python's operators and protocols on [`Val`]: arithmetic with CPython's semantics and
//! messages, comparison, hashing into dict keys, truth, `repr`/`str`/`format`, attribute
//! access with descriptors and bound methods, subscripts and iteration. User classes take part
//! through their dunder methods.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::rc::Rc;

use crate::ast::{BinOp, CmpOp, UnaryOp};
use crate::format;
use crate::obj::*;
use crate::vm::{Args, Next, Res, Vm};

/// Containers nested deeper than this are printed as `[...]` rather than recursed into.
const MAX_REPR_DEPTH: usize = 200;

/// `str()` of a value that needs no VM (for messages).
pub fn str_of_plain(v: &Val) -> String {
    match v {
        Val::Str(s) => s.to_string(),
        other => repr_plain(other),
    }
}

/// `repr()` of plain data without calling Python code (for messages and keys).
pub fn repr_plain(v: &Val) -> String {
    match v {
        Val::None => "None".into(),
        Val::Bool(true) => "True".into(),
        Val::Bool(false) => "False".into(),
        Val::Int(i) => i.to_string(),
        Val::Float(f) => format::float_repr(*f),
        Val::Str(s) => str_repr(s),
        Val::Tuple(t) if t.len() == 1 => format!("({},)", repr_plain(&t[0])),
        Val::Tuple(t) => format!(
            "({})",
            t.iter().map(repr_plain).collect::<Vec<_>>().join(", ")
        ),
        Val::List(l) => match l.try_borrow() {
            Ok(l) => format!(
                "[{}]",
                l.iter().map(repr_plain).collect::<Vec<_>>().join(", ")
            ),
            Err(_) => "[...]".into(),
        },
        other => format!("<{}>", kind_name(other)),
    }
}

fn kind_name(v: &Val) -> &'static str {
    match v {
        Val::Dict(_) => "dict",
        Val::Set(d) if d.borrow().frozen => "frozenset",
        Val::Set(_) => "set",
        Val::Obj(_) => "object",
        Val::Func(_) => "function",
        Val::Class(_) => "class",
        _ => "object",
    }
}

/// Python's `repr` of a string.
pub fn str_repr(s: &str) -> String {
    format::str_repr(s)
}

/// `ascii()`: non-ASCII characters escaped.
pub fn ascii(repr: &str) -> String {
    let mut out = String::new();
    for c in repr.chars() {
        let n = c as u32;
        if n < 0x80 {
            out.push(c);
        } else if n < 0x100 {
            out.push_str(&format!("\\x{n:02x}"));
        } else if n < 0x10000 {
            out.push_str(&format!("\\u{n:04x}"));
        } else {
            out.push_str(&format!("\\U{n:08x}"));
        }
    }
    out
}

fn bytes_repr(b: &[u8]) -> String {
    let mut out = String::from("b'");
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str("\\'"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(c as char),
            _ => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push('\'');
    out
}

fn overflow(vm: &Vm, what: &str) -> Val {
    vm.exc(
        "OverflowError",
        format!(
            "integer result of {what} does not fit in 64 bits (the playground's ints are 64-bit)"
        ),
    )
}

/// Floor division and modulo with Python's signs.
fn int_floordiv(a: i64, b: i64) -> Option<i64> {
    let q = a.checked_div(b)?;
    if (a % b != 0) && ((a < 0) != (b < 0)) {
        q.checked_sub(1)
    } else {
        Some(q)
    }
}

fn int_mod(a: i64, b: i64) -> Option<i64> {
    let r = a.checked_rem(b)?;
    if r != 0 && ((r < 0) != (b < 0)) {
        Some(r + b)
    } else {
        Some(r)
    }
}

fn float_mod(a: f64, b: f64) -> f64 {
    let r = a % b;
    if r != 0.0 && ((r < 0.0) != (b < 0.0)) {
        r + b
    } else if r == 0.0 {
        0.0f64.copysign(b)
    } else {
        r
    }
}

pub fn int_pow(base: i64, exp: u64) -> Option<i64> {
    let mut result: i64 = 1;
    let mut b = base;
    let mut e = exp;
    while e > 0 {
        if e & 1 == 1 {
            result = result.checked_mul(b)?;
        }
        e >>= 1;
        if e > 0 {
            b = b.checked_mul(b)?;
        }
    }
    Some(result)
}

fn as_f64(v: &Val) -> Option<f64> {
    match v {
        Val::Int(i) => Some(*i as f64),
        Val::Bool(b) => Some(f64::from(u8::from(*b))),
        Val::Float(f) => Some(*f),
        _ => None,
    }
}

fn as_int(v: &Val) -> Option<i64> {
    match v {
        Val::Int(i) => Some(*i),
        Val::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

fn op_symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mult => "*",
        BinOp::MatMult => "@",
        BinOp::Div => "/",
        BinOp::Mod => "%",
        BinOp::Pow => "** or pow()",
        BinOp::LShift => "<<",
        BinOp::RShift => ">>",
        BinOp::BitOr => "|",
        BinOp::BitXor => "^",
        BinOp::BitAnd => "&",
        BinOp::FloorDiv => "//",
    }
}

fn dunder(op: BinOp) -> (&'static str, &'static str, &'static str) {
    match op {
        BinOp::Add => ("__add__", "__radd__", "__iadd__"),
        BinOp::Sub => ("__sub__", "__rsub__", "__isub__"),
        BinOp::Mult => ("__mul__", "__rmul__", "__imul__"),
        BinOp::MatMult => ("__matmul__", "__rmatmul__", "__imatmul__"),
        BinOp::Div => ("__truediv__", "__rtruediv__", "__itruediv__"),
        BinOp::Mod => ("__mod__", "__rmod__", "__imod__"),
        BinOp::Pow => ("__pow__", "__rpow__", "__ipow__"),
        BinOp::LShift => ("__lshift__", "__rlshift__", "__ilshift__"),
        BinOp::RShift => ("__rshift__", "__rrshift__", "__irshift__"),
        BinOp::BitOr => ("__or__", "__ror__", "__ior__"),
        BinOp::BitXor => ("__xor__", "__rxor__", "__ixor__"),
        BinOp::BitAnd => ("__and__", "__rand__", "__iand__"),
        BinOp::FloorDiv => ("__floordiv__", "__rfloordiv__", "__ifloordiv__"),
    }
}

/// Normalises a sequence index (negative from the end); `None` when out of range.
pub fn norm_index(i: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let j = if i < 0 { i + len } else { i };
    if (0..len).contains(&j) {
        Some(j as usize)
    } else {
        None
    }
}

/// `slice.indices(len)`: start, stop, step, with Python's clamping.
pub fn slice_indices(vm: &Vm, s: &[Val; 3], len: usize) -> Res<(i64, i64, i64)> {
    let get = |v: &Val| -> Res<Option<i64>> {
        match v {
            Val::None => Ok(None),
            Val::Int(i) => Ok(Some(*i)),
            Val::Bool(b) => Ok(Some(i64::from(*b))),
            _ => Err(
                vm.type_error("slice indices must be integers or None or have an __index__ method")
            ),
        }
    };
    let len = len as i64;
    let step = get(&s[2])?.unwrap_or(1);
    if step == 0 {
        return Err(vm.value_error("slice step cannot be zero"));
    }
    let clamp = |v: Option<i64>, default: i64, lo: i64, hi: i64| -> i64 {
        match v {
            None => default,
            Some(x) => {
                let x = if x < 0 { x + len } else { x };
                x.clamp(lo, hi)
            }
        }
    };
    let (start, stop) = if step > 0 {
        (
            clamp(get(&s[0])?, 0, 0, len),
            clamp(get(&s[1])?, len, 0, len),
        )
    } else {
        (
            clamp(get(&s[0])?, len - 1, -1, len - 1),
            clamp(get(&s[1])?, -1, -1, len - 1),
        )
    };
    Ok((start, stop, step))
}

/// The positions a slice selects.
pub fn slice_positions(start: i64, stop: i64, step: i64) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = start;
    if step > 0 {
        while i < stop {
            out.push(i as usize);
            i += step;
        }
    } else {
        while i > stop {
            out.push(i as usize);
            i += step;
        }
    }
    out
}

pub fn range_len(r: &[i64; 3]) -> i64 {
    let (start, stop, step) = (r[0], r[1], r[2]);
    if step > 0 && start < stop {
        (stop - start - 1) / step + 1
    } else if step < 0 && start > stop {
        (start - stop - 1) / (-step) + 1
    } else {
        0
    }
}

impl Vm {
    // ---- truth, keys, equality --------------------------------------------------------------

    pub fn truthy(&mut self, v: &Val) -> Res<bool> {
        Ok(match v {
            Val::None => false,
            Val::Bool(b) => *b,
            Val::Int(i) => *i != 0,
            Val::Float(f) => *f != 0.0,
            Val::Str(s) => !s.is_empty(),
            Val::Bytes(b) => !b.is_empty(),
            Val::Tuple(t) => !t.is_empty(),
            Val::List(l) => !l.borrow().is_empty(),
            Val::Dict(d) | Val::Set(d) => !d.borrow().is_empty(),
            Val::Range(r) => range_len(r) != 0,
            Val::Obj(o) => {
                if let Some(f) = o.class.lookup("__bool__") {
                    let r = self.call_method_nested(f, v.clone(), vec![])?;
                    match r {
                        Val::Bool(b) => b,
                        other => {
                            let tn = self.world.type_name(&other);
                            return Err(self.type_error(format!(
                                "__bool__ should return bool, returned {tn}"
                            )));
                        }
                    }
                } else if let Some(f) = o.class.lookup("__len__") {
                    let r = self.call_method_nested(f, v.clone(), vec![])?;
                    !matches!(r, Val::Int(0))
                } else {
                    true
                }
            }
            _ => true,
        })
    }

    /// Calls a class attribute as a method of `this`.
    pub fn call_method_nested(&mut self, f: Val, this: Val, mut args: Vec<Val>) -> Res<Val> {
        args.insert(0, this);
        self.call_nested(f, Args::new(args))
    }

    /// The dict key of a hashable value, or `TypeError: unhashable type`.
    pub fn key(&mut self, v: &Val) -> Res<Key> {
        Ok(match v {
            Val::None => Key::None,
            Val::Bool(b) => Key::Int(i64::from(*b)),
            Val::Int(i) => Key::Int(*i),
            Val::Float(f) => Key::float(*f),
            Val::Str(s) => Key::Str(s.clone()),
            Val::Bytes(b) => Key::Bytes(b.clone()),
            Val::Tuple(t) => {
                let mut ks = Vec::with_capacity(t.len());
                for x in t.iter() {
                    ks.push(self.key(x)?);
                }
                Key::Tuple(ks)
            }
            Val::Set(d) if d.borrow().frozen => {
                // Equal frozensets are equal keys whatever their order: the sorted keys.
                let mut ks: Vec<Key> = d.borrow().key_iter().cloned().collect();
                ks.sort();
                ks.insert(0, Key::Str(Rc::from("\u{0}frozenset")));
                Key::Tuple(ks)
            }
            Val::List(_) | Val::Dict(_) | Val::Set(_) | Val::Slice(_) => {
                let tn = self.world.type_name(v);
                return Err(self.type_error(format!("unhashable type: '{tn}'")));
            }
            Val::Obj(o) => match o.class.lookup("__hash__") {
                Some(Val::None) => {
                    let tn = self.world.type_name(v);
                    return Err(self.type_error(format!("unhashable type: '{tn}'")));
                }
                Some(f) if !matches!(f, Val::Native(_)) => {
                    let h = self.call_method_nested(f, v.clone(), vec![])?;
                    match h {
                        Val::Int(h) => Key::Tuple(vec![Key::Id(0), Key::Int(h)]),
                        _ => {
                            return Err(self.type_error("__hash__ method should return an integer"));
                        }
                    }
                }
                _ => {
                    if o.class
                        .lookup("__eq__")
                        .is_some_and(|e| !matches!(e, Val::Native(_)))
                        && o.class.lookup("__hash__").is_none()
                    {
                        let tn = self.world.type_name(v);
                        return Err(self.type_error(format!("unhashable type: '{tn}'")));
                    }
                    Key::Id(v.addr())
                }
            },
            other => Key::Id(other.addr()),
        })
    }

    /// `a == b`.
    pub fn eq(&mut self, a: &Val, b: &Val) -> Res<bool> {
        use Val::*;
        Ok(match (a, b) {
            (Int(x), Int(y)) => x == y,
            (Str(x), Str(y)) => x == y,
            (None, None) => true,
            (Bool(x), Bool(y)) => x == y,
            (Int(_) | Bool(_) | Float(_), Int(_) | Bool(_) | Float(_)) => {
                match (as_int(a), as_int(b)) {
                    (Some(x), Some(y)) => x == y,
                    _ => as_f64(a) == as_f64(b),
                }
            }
            (Bytes(x), Bytes(y)) => x == y,
            (Tuple(x), Tuple(y)) => self.seq_eq(x, y)?,
            (List(x), List(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                let (xs, ys) = (x.borrow().clone(), y.borrow().clone());
                self.seq_eq(&xs, &ys)?
            }
            (Dict(x), Dict(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                let xs: Vec<(Val, Val)> = x
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if xs.len() != y.borrow().len() {
                    return Ok(false);
                }
                for (k, v) in xs {
                    let key = self.key(&k)?;
                    let other = y.borrow().get(&key).cloned();
                    match other {
                        Some(w) => {
                            if !self.eq(&v, &w)? {
                                return Ok(false);
                            }
                        }
                        Option::None => return Ok(false),
                    }
                }
                true
            }
            (Set(x), Set(y)) => {
                let (x, y) = (x.borrow(), y.borrow());
                x.len() == y.len() && x.key_iter().all(|k| y.contains(k))
            }
            (Range(x), Range(y)) => {
                let (lx, ly) = (range_len(x), range_len(y));
                lx == ly && (lx == 0 || (x[0] == y[0] && (lx == 1 || x[2] == y[2])))
            }
            (Obj(o), _) => {
                if let Some(f) = o.class.lookup("__eq__")
                    && !matches!(f, Native(_))
                {
                    let r = self.call_method_nested(f, a.clone(), vec![b.clone()])?;
                    if !matches!(r, NotImplemented) {
                        return self.truthy(&r);
                    }
                }
                if let Obj(p) = b
                    && let Some(f) = p.class.lookup("__eq__")
                    && !matches!(f, Native(_))
                    && !Rc::ptr_eq(o, p)
                {
                    let r = self.call_method_nested(f, b.clone(), vec![a.clone()])?;
                    if !matches!(r, NotImplemented) {
                        return self.truthy(&r);
                    }
                }
                a.is(b)
            }
            (_, Obj(_)) => return self.eq(b, a),
            _ => a.is(b),
        })
    }

    fn seq_eq(&mut self, x: &[Val], y: &[Val]) -> Res<bool> {
        if x.len() != y.len() {
            return Ok(false);
        }
        for (a, b) in x.iter().zip(y) {
            if !a.is(b) && !self.eq(a, b)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Python's ordering `a < b` family as an `Ordering`, or `TypeError`.
    pub fn order(&mut self, a: &Val, b: &Val, op: CmpOp) -> Res<Ordering> {
        use Val::*;
        match (a, b) {
            (Int(x), Int(y)) => return Ok(x.cmp(y)),
            (Str(x), Str(y)) => return Ok(x.cmp(y)),
            (Bytes(x), Bytes(y)) => return Ok(x.cmp(y)),
            (Int(_) | Bool(_) | Float(_), Int(_) | Bool(_) | Float(_)) => {
                if let (Some(x), Some(y)) = (as_int(a), as_int(b)) {
                    return Ok(x.cmp(&y));
                }
                if let (Some(x), Some(y)) = (as_f64(a), as_f64(b)) {
                    // NaN compares false every way: report it as "not less, not greater".
                    return Ok(x.partial_cmp(&y).unwrap_or(Ordering::Equal));
                }
            }
            (Tuple(_) | List(_), Tuple(_) | List(_))
                if std::mem::discriminant(a) == std::mem::discriminant(b) =>
            {
                let xs = self.collect(a.clone())?;
                let ys = self.collect(b.clone())?;
                for (x, y) in xs.iter().zip(&ys) {
                    if !self.eq(x, y)? {
                        return self.order(x, y, op);
                    }
                }
                return Ok(xs.len().cmp(&ys.len()));
            }
            (Set(x), Set(y)) => {
                let (x, y) = (x.borrow(), y.borrow());
                let sub = x.key_iter().all(|k| y.contains(k));
                let sup = y.key_iter().all(|k| x.contains(k));
                return Ok(match (sub, sup) {
                    (true, true) => Ordering::Equal,
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    // Incomparable sets: every ordering test is false.
                    (false, false) => return Err(Val::NotImplemented),
                });
            }
            _ => {}
        }
        let sym = match op {
            CmpOp::Lt => "<",
            CmpOp::LtE => "<=",
            CmpOp::Gt => ">",
            _ => ">=",
        };
        let (ta, tb) = (self.world.type_name(a), self.world.type_name(b));
        Err(self.type_error(format!(
            "'{sym}' not supported between instances of '{ta}' and '{tb}'"
        )))
    }

    /// `a < b` as sorting needs it (user classes through `__lt__`).
    pub fn less(&mut self, a: &Val, b: &Val) -> Res<bool> {
        if let Val::Obj(o) = a
            && let Some(f) = o.class.lookup("__lt__")
        {
            let r = self.call_method_nested(f, a.clone(), vec![b.clone()])?;
            if !matches!(r, Val::NotImplemented) {
                return self.truthy(&r);
            }
        }
        if let Val::Obj(o) = b
            && let Some(f) = o.class.lookup("__gt__")
        {
            let r = self.call_method_nested(f, b.clone(), vec![a.clone()])?;
            if !matches!(r, Val::NotImplemented) {
                return self.truthy(&r);
            }
        }
        match self.order(a, b, CmpOp::Lt) {
            Ok(o) => Ok(o == Ordering::Less),
            Err(Val::NotImplemented) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub fn compare(&mut self, l: Val, c: CmpOp, r: Val) -> Res<Next> {
        let v = self.compare_val(&l, c, &r)?;
        Ok(match v {
            CmpResult::Val(v) => {
                self.push_val(v);
                Next::Continue
            }
            CmpResult::Called(n) => n,
        })
    }

    fn push_val(&mut self, v: Val) {
        self.stack.push(v);
    }

    fn compare_val(&mut self, l: &Val, c: CmpOp, r: &Val) -> Res<CmpResult> {
        let b = match c {
            CmpOp::Is => l.is(r),
            CmpOp::IsNot => !l.is(r),
            CmpOp::In | CmpOp::NotIn if crate::builtins::python_dunder(r, "__contains__") => {
                // A Python `__contains__` runs as a frame (it may block).
                let f = self.pyb(if c == CmpOp::In {
                    "_contains"
                } else {
                    "_not_contains"
                })?;
                let n = self.call_op_pub(f, Args::new(vec![r.clone(), l.clone()]))?;
                return Ok(CmpResult::Called(n));
            }
            CmpOp::In => self.contains(r, l)?,
            CmpOp::NotIn => !self.contains(r, l)?,
            CmpOp::Eq | CmpOp::NotEq => {
                // A user __eq__/__ne__ runs as a frame when it is Python code.
                if let Val::Obj(o) = l {
                    let name = if c == CmpOp::Eq { "__eq__" } else { "__ne__" };
                    if let Some(f) = o.class.lookup(name)
                        && !matches!(f, Val::Native(_))
                    {
                        let n = self.call_op_pub(f, Args::new(vec![l.clone(), r.clone()]))?;
                        return Ok(CmpResult::Called(n));
                    }
                }
                let e = self.eq(l, r)?;
                if c == CmpOp::Eq { e } else { !e }
            }
            CmpOp::Lt | CmpOp::LtE | CmpOp::Gt | CmpOp::GtE => {
                if let Val::Obj(o) = l {
                    let name = match c {
                        CmpOp::Lt => "__lt__",
                        CmpOp::LtE => "__le__",
                        CmpOp::Gt => "__gt__",
                        _ => "__ge__",
                    };
                    if let Some(f) = o.class.lookup(name)
                        && !matches!(f, Val::Native(_))
                    {
                        let n = self.call_op_pub(f, Args::new(vec![l.clone(), r.clone()]))?;
                        return Ok(CmpResult::Called(n));
                    }
                }
                if let Val::Obj(o) = r {
                    let name = match c {
                        CmpOp::Lt => "__gt__",
                        CmpOp::LtE => "__ge__",
                        CmpOp::Gt => "__lt__",
                        _ => "__le__",
                    };
                    if let Some(f) = o.class.lookup(name)
                        && !matches!(f, Val::Native(_))
                    {
                        let n = self.call_op_pub(f, Args::new(vec![r.clone(), l.clone()]))?;
                        return Ok(CmpResult::Called(n));
                    }
                }
                match self.order(l, r, c) {
                    Ok(ord) => {
                        let nan = matches!((as_f64(l), as_f64(r)), (Some(x), Some(y)) if x.is_nan() || y.is_nan());
                        if nan {
                            false
                        } else {
                            match c {
                                CmpOp::Lt => ord == Ordering::Less,
                                CmpOp::LtE => ord != Ordering::Greater,
                                CmpOp::Gt => ord == Ordering::Greater,
                                _ => ord != Ordering::Less,
                            }
                        }
                    }
                    Err(Val::NotImplemented) => false,
                    Err(e) => return Err(e),
                }
            }
        };
        Ok(CmpResult::Val(Val::Bool(b)))
    }

    /// `item in container`.
    pub fn contains(&mut self, container: &Val, item: &Val) -> Res<bool> {
        match container {
            Val::Str(s) => match item {
                Val::Str(sub) => Ok(s.contains(&**sub)),
                other => {
                    let tn = self.world.type_name(other);
                    Err(self.type_error(format!(
                        "'in <string>' requires string as left operand, not {tn}"
                    )))
                }
            },
            Val::Dict(d) | Val::Set(d) => {
                let k = self.key(item)?;
                Ok(d.borrow().contains(&k))
            }
            Val::Range(r) => match as_int(item) {
                Some(i) => {
                    let (start, stop, step) = (r[0], r[1], r[2]);
                    Ok(if step > 0 {
                        i >= start && i < stop && (i - start) % step == 0
                    } else {
                        i <= start && i > stop && (start - i) % (-step) == 0
                    })
                }
                None => Ok(false),
            },
            Val::Obj(o) if o.class.lookup("__contains__").is_some() => {
                let f = o.class.lookup("__contains__").unwrap_or_default();
                let r = self.call_method_nested(f, container.clone(), vec![item.clone()])?;
                self.truthy(&r)
            }
            Val::List(_) | Val::Tuple(_) | Val::Obj(_) | Val::Iter(_) | Val::Gen(_) => {
                let items = self.collect(container.clone())?;
                for x in &items {
                    if x.is(item) || self.eq(x, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            other => {
                let tn = self.world.type_name(other);
                Err(self.type_error(format!("argument of type '{tn}' is not iterable")))
            }
        }
    }

    // ---- arithmetic -------------------------------------------------------------------------

    pub fn unary(&mut self, op: UnaryOp, v: Val) -> Res<Next> {
        let r = match (op, &v) {
            (UnaryOp::Not, _) => Val::Bool(!self.truthy(&v)?),
            (UnaryOp::USub, Val::Int(i)) => {
                Val::Int(i.checked_neg().ok_or_else(|| overflow(self, "-x"))?)
            }
            (UnaryOp::USub, Val::Bool(b)) => Val::Int(-i64::from(*b)),
            (UnaryOp::USub, Val::Float(f)) => Val::Float(-f),
            (UnaryOp::UAdd, Val::Int(_) | Val::Float(_)) => v.clone(),
            (UnaryOp::UAdd, Val::Bool(b)) => Val::Int(i64::from(*b)),
            (UnaryOp::Invert, Val::Int(i)) => Val::Int(!i),
            (UnaryOp::Invert, Val::Bool(b)) => Val::Int(!i64::from(*b)),
            (_, Val::Obj(o)) => {
                let name = match op {
                    UnaryOp::USub => "__neg__",
                    UnaryOp::UAdd => "__pos__",
                    _ => "__invert__",
                };
                if let Some(f) = o.class.lookup(name) {
                    return self.call_op_pub(f, Args::new(vec![v.clone()]));
                }
                return Err(self.bad_unary(op, &v));
            }
            _ => return Err(self.bad_unary(op, &v)),
        };
        self.push_val(r);
        Ok(Next::Continue)
    }

    fn bad_unary(&self, op: UnaryOp, v: &Val) -> Val {
        let sym = match op {
            UnaryOp::USub => "-",
            UnaryOp::UAdd => "+",
            UnaryOp::Invert => "~",
            UnaryOp::Not => "not",
        };
        let tn = self.world.type_name(v);
        self.type_error(format!("bad operand type for unary {sym}: '{tn}'"))
    }

    pub fn binary(&mut self, l: Val, op: BinOp, r: Val, inplace: bool) -> Res<Next> {
        if let Some(v) = self.binary_builtin(&l, op, &r, inplace)? {
            self.push_val(v);
            return Ok(Next::Continue);
        }
        let (fwd, rev, inp) = dunder(op);
        if let Val::Obj(o) = &l {
            if inplace && let Some(f) = o.class.lookup(inp) {
                return self.call_op_pub(f, Args::new(vec![l.clone(), r.clone()]));
            }
            if let Some(f) = o.class.lookup(fwd) {
                return self.call_op_pub(f, Args::new(vec![l.clone(), r.clone()]));
            }
        }
        if let Val::Obj(o) = &r
            && let Some(f) = o.class.lookup(rev)
        {
            return self.call_op_pub(f, Args::new(vec![r.clone(), l.clone()]));
        }
        let (ta, tb) = (self.world.type_name(&l), self.world.type_name(&r));
        match (&l, op) {
            (Val::Str(_) | Val::List(_) | Val::Tuple(_), BinOp::Add) => {
                return Err(
                    self.type_error(format!("can only concatenate {ta} (not \"{tb}\") to {ta}"))
                );
            }
            (Val::Str(_) | Val::List(_) | Val::Tuple(_), BinOp::Mult) | (_, BinOp::Mult)
                if matches!(r, Val::Str(_) | Val::List(_) | Val::Tuple(_))
                    || matches!(l, Val::Str(_) | Val::List(_) | Val::Tuple(_)) =>
            {
                let other = if matches!(l, Val::Str(_) | Val::List(_) | Val::Tuple(_)) {
                    &tb
                } else {
                    &ta
                };
                return Err(self.type_error(format!(
                    "can't multiply sequence by non-int of type '{other}'"
                )));
            }
            _ => {}
        }
        let sym = op_symbol(op);
        let sym = if inplace && op != BinOp::Pow {
            format!("{sym}=")
        } else {
            sym.to_string()
        };
        Err(self.type_error(format!(
            "unsupported operand type(s) for {sym}: '{ta}' and '{tb}'"
        )))
    }

    /// Arithmetic on built-in values; `None` when no built-in rule applies.
    pub fn binary_builtin(
        &mut self,
        l: &Val,
        op: BinOp,
        r: &Val,
        inplace: bool,
    ) -> Res<Option<Val>> {
        use Val::*;
        // Integers (and bools as integers), the hot path.
        if let (Some(a), Some(b)) = (as_int(l), as_int(r)) {
            if matches!((l, r), (Bool(_), Bool(_)))
                && matches!(op, BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor)
            {
                let (x, y) = (a != 0, b != 0);
                return Ok(Some(Bool(match op {
                    BinOp::BitAnd => x & y,
                    BinOp::BitOr => x | y,
                    _ => x ^ y,
                })));
            }
            let v = match op {
                BinOp::Add => Int(a.checked_add(b).ok_or_else(|| overflow(self, "+"))?),
                BinOp::Sub => Int(a.checked_sub(b).ok_or_else(|| overflow(self, "-"))?),
                BinOp::Mult => Int(a.checked_mul(b).ok_or_else(|| overflow(self, "*"))?),
                BinOp::Div => {
                    if b == 0 {
                        return Err(self.exc("ZeroDivisionError", "division by zero"));
                    }
                    Float(a as f64 / b as f64)
                }
                BinOp::FloorDiv => {
                    if b == 0 {
                        return Err(
                            self.exc("ZeroDivisionError", "integer division or modulo by zero")
                        );
                    }
                    Int(int_floordiv(a, b).ok_or_else(|| overflow(self, "//"))?)
                }
                BinOp::Mod => {
                    if b == 0 {
                        return Err(self.exc("ZeroDivisionError", "integer modulo by zero"));
                    }
                    Int(int_mod(a, b).ok_or_else(|| overflow(self, "%"))?)
                }
                BinOp::Pow => {
                    if b < 0 {
                        if a == 0 {
                            return Err(self.exc(
                                "ZeroDivisionError",
                                "0.0 cannot be raised to a negative power",
                            ));
                        }
                        Float((a as f64).powf(b as f64))
                    } else {
                        Int(int_pow(a, b as u64).ok_or_else(|| overflow(self, "**"))?)
                    }
                }
                BinOp::LShift => {
                    if b < 0 {
                        return Err(self.value_error("negative shift count"));
                    }
                    if a == 0 {
                        Int(0)
                    } else if b >= 63 || (a << b) >> b != a {
                        return Err(overflow(self, "<<"));
                    } else {
                        Int(a << b)
                    }
                }
                BinOp::RShift => {
                    if b < 0 {
                        return Err(self.value_error("negative shift count"));
                    }
                    Int(if b >= 64 {
                        if a < 0 { -1 } else { 0 }
                    } else {
                        a >> b
                    })
                }
                BinOp::BitAnd => Int(a & b),
                BinOp::BitOr => Int(a | b),
                BinOp::BitXor => Int(a ^ b),
                BinOp::MatMult => return Ok(Option::None),
            };
            return Ok(Some(v));
        }
        if let (Some(a), Some(b)) = (as_f64(l), as_f64(r)) {
            let v = match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mult => a * b,
                BinOp::Div => {
                    if b == 0.0 {
                        return Err(self.exc("ZeroDivisionError", "float division by zero"));
                    }
                    a / b
                }
                BinOp::FloorDiv => {
                    if b == 0.0 {
                        return Err(self.exc("ZeroDivisionError", "float floor division by zero"));
                    }
                    (a / b).floor()
                }
                BinOp::Mod => {
                    if b == 0.0 {
                        return Err(self.exc("ZeroDivisionError", "float modulo"));
                    }
                    float_mod(a, b)
                }
                BinOp::Pow => {
                    if a == 0.0 && b < 0.0 {
                        return Err(self.exc(
                            "ZeroDivisionError",
                            "0.0 cannot be raised to a negative power",
                        ));
                    }
                    if a < 0.0 && b.fract() != 0.0 {
                        return Err(self.value_error(
                            "not supported in the playground: complex results of ** (a negative number to a fractional power)",
                        ));
                    }
                    let p = a.powf(b);
                    if p.is_infinite() && a.is_finite() && b.is_finite() {
                        return Err(
                            self.exc("OverflowError", "(34, 'Numerical result out of range')")
                        );
                    }
                    p
                }
                _ => return Ok(Option::None),
            };
            return Ok(Some(Float(v)));
        }
        let max = self.world.shared.max_items;
        Ok(match (l, op, r) {
            (Str(a), BinOp::Add, Str(b)) => {
                let mut s = String::with_capacity(a.len() + b.len());
                s.push_str(a);
                s.push_str(b);
                Some(Val::str(&s))
            }
            (Str(a), BinOp::Mult, Int(_) | Bool(_)) | (Int(_) | Bool(_), BinOp::Mult, Str(a)) => {
                let n = as_int(if matches!(l, Str(_)) { r } else { l })
                    .unwrap_or(0)
                    .max(0) as usize;
                if a.len().saturating_mul(n) > max {
                    return Err(self.limit_error("string", a.len().saturating_mul(n)));
                }
                Some(Val::str(&a.repeat(n)))
            }
            (Str(fmt), BinOp::Mod, args) => Some(Val::str(&self.percent(fmt, args)?)),
            (List(a), BinOp::Add, List(b)) => {
                if inplace {
                    let items = b.borrow().clone();
                    a.borrow_mut().extend(items);
                    Some(l.clone())
                } else {
                    let mut v = a.borrow().clone();
                    v.extend(b.borrow().iter().cloned());
                    Some(Val::list(v))
                }
            }
            (List(a), BinOp::Add, other) if inplace => {
                let items = self.collect(other.clone())?;
                a.borrow_mut().extend(items);
                Some(l.clone())
            }
            (Tuple(a), BinOp::Add, Tuple(b)) => {
                let mut v = a.to_vec();
                v.extend(b.iter().cloned());
                Some(Val::tuple(v))
            }
            (List(a), BinOp::Mult, Int(_) | Bool(_)) | (Int(_) | Bool(_), BinOp::Mult, List(a)) => {
                let n = as_int(if matches!(l, List(_)) { r } else { l })
                    .unwrap_or(0)
                    .max(0) as usize;
                let src = a.borrow().clone();
                if src.len().saturating_mul(n) > max {
                    return Err(self.limit_error("list", src.len().saturating_mul(n)));
                }
                let mut v = Vec::with_capacity(src.len() * n);
                for _ in 0..n {
                    v.extend(src.iter().cloned());
                }
                if inplace && matches!(l, List(_)) {
                    *a.borrow_mut() = v;
                    Some(l.clone())
                } else {
                    Some(Val::list(v))
                }
            }
            (Tuple(a), BinOp::Mult, Int(_) | Bool(_))
            | (Int(_) | Bool(_), BinOp::Mult, Tuple(a)) => {
                let n = as_int(if matches!(l, Tuple(_)) { r } else { l })
                    .unwrap_or(0)
                    .max(0) as usize;
                if a.len().saturating_mul(n) > max {
                    return Err(self.limit_error("tuple", a.len().saturating_mul(n)));
                }
                let mut v = Vec::with_capacity(a.len() * n);
                for _ in 0..n {
                    v.extend(a.iter().cloned());
                }
                Some(Val::tuple(v))
            }
            (Dict(a), BinOp::BitOr, Dict(b)) => {
                let pairs: Vec<(Key, Val, Val)> = b
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .map(|(k, v)| (Key::None, k, v))
                    .collect();
                let target = if inplace {
                    a.clone()
                } else {
                    Rc::new(RefCell::new(a.borrow().clone()))
                };
                for (_, k, v) in pairs {
                    let key = self.key(&k)?;
                    target.borrow_mut().insert(key, k, v);
                }
                Some(Dict(target))
            }
            (Set(a), BinOp::BitOr | BinOp::BitAnd | BinOp::Sub | BinOp::BitXor, Set(b)) => {
                let (x, y) = (a.borrow().clone(), b.borrow().clone());
                let mut out = crate::obj::Dict::new();
                // The result has the left operand's type; `|=` on a frozenset rebinds.
                out.frozen = x.frozen;
                let inplace = inplace && !x.frozen;
                match op {
                    BinOp::BitOr => {
                        for (k, kv) in x.key_iter().zip(x.keys()) {
                            out.insert(k.clone(), kv, None);
                        }
                        for (k, kv) in y.key_iter().zip(y.keys()) {
                            out.insert(k.clone(), kv, None);
                        }
                    }
                    BinOp::BitAnd => {
                        for (k, kv) in x.key_iter().zip(x.keys()) {
                            if y.contains(k) {
                                out.insert(k.clone(), kv, None);
                            }
                        }
                    }
                    BinOp::Sub => {
                        for (k, kv) in x.key_iter().zip(x.keys()) {
                            if !y.contains(k) {
                                out.insert(k.clone(), kv, None);
                            }
                        }
                    }
                    _ => {
                        for (k, kv) in x.key_iter().zip(x.keys()) {
                            if !y.contains(k) {
                                out.insert(k.clone(), kv, None);
                            }
                        }
                        for (k, kv) in y.key_iter().zip(y.keys()) {
                            if !x.contains(k) {
                                out.insert(k.clone(), kv, None);
                            }
                        }
                    }
                }
                if inplace {
                    *a.borrow_mut() = out;
                    Some(l.clone())
                } else {
                    Some(Set(Rc::new(RefCell::new(out))))
                }
            }
            (Bytes(a), BinOp::Add, Bytes(b)) => {
                let mut v = a.to_vec();
                v.extend_from_slice(b);
                Some(Bytes(Rc::from(v)))
            }
            _ => Option::None,
        })
    }

    pub fn limit_error(&self, what: &str, n: usize) -> Val {
        self.exc(
            "MemoryError",
            format!(
                "a {what} of {n} items is over the playground's limit of {} items",
                self.world.shared.max_items
            ),
        )
    }

    /// `fmt % args`.
    pub fn percent(&mut self, fmt: &str, args: &Val) -> Res<String> {
        let to_arg = |vm: &mut Vm, v: &Val| -> Res<format::PercentArg> {
            Ok(match v {
                Val::Int(i) => format::PercentArg::Int(*i),
                Val::Bool(b) => format::PercentArg::Int(i64::from(*b)),
                Val::Float(f) => format::PercentArg::Float(*f),
                other => format::PercentArg::Str {
                    str: vm.str_of(other)?,
                    repr: vm.repr(other)?,
                },
            })
        };
        let result = match args {
            Val::Tuple(t) => {
                let mut v = Vec::new();
                for x in t.iter() {
                    v.push(to_arg(self, x)?);
                }
                format::percent_format(fmt, format::PercentArgs::Seq(v))
            }
            Val::Dict(d) => {
                let mut entries: Vec<(String, format::PercentArg)> = Vec::new();
                let pairs: Vec<(Val, Val)> = d
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                for (k, v) in pairs {
                    if let Val::Str(s) = k {
                        entries.push((s.to_string(), to_arg(self, &v)?));
                    }
                }
                let lookup = |name: &str| -> Result<format::PercentArg, format::FormatError> {
                    entries
                        .iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v.clone())
                        .ok_or_else(|| {
                            format::FormatError::new(
                                format::FormatErrorKind::KeyError,
                                format::str_repr(name),
                            )
                        })
                };
                // A conversion without a key formats the dict itself (`'%r' % {'a': 1}`).
                let whole = to_arg(self, args)?;
                format::percent_format(
                    fmt,
                    format::PercentArgs::Mapping {
                        whole,
                        lookup: &lookup,
                    },
                )
            }
            other => {
                let a = to_arg(self, other)?;
                format::percent_format(fmt, format::PercentArgs::Seq(vec![a]))
            }
        };
        result.map_err(|e| self.format_error(e))
    }

    pub fn format_error(&self, e: format::FormatError) -> Val {
        let class = e.kind.name();
        self.exc(class, e.message)
    }

    // ---- repr, str, format ------------------------------------------------------------------

    pub fn repr(&mut self, v: &Val) -> Res<String> {
        self.repr_depth(v, 0)
    }

    fn repr_depth(&mut self, v: &Val, depth: usize) -> Res<String> {
        if depth > MAX_REPR_DEPTH {
            return Err(self.exc(
                "RecursionError",
                "maximum recursion depth exceeded while getting the repr of an object",
            ));
        }
        Ok(match v {
            Val::None | Val::Bool(_) | Val::Int(_) | Val::Float(_) | Val::Str(_) => repr_plain(v),
            Val::Bytes(b) => bytes_repr(b),
            Val::Tuple(t) => {
                let mut parts = Vec::with_capacity(t.len());
                for x in t.iter() {
                    parts.push(self.repr_depth(x, depth + 1)?);
                }
                if parts.len() == 1 {
                    format!("({},)", parts[0])
                } else {
                    format!("({})", parts.join(", "))
                }
            }
            Val::List(l) => {
                let items = l.borrow().clone();
                let mut parts = Vec::with_capacity(items.len());
                for x in &items {
                    if let Val::List(inner) = x
                        && Rc::ptr_eq(inner, l)
                    {
                        parts.push("[...]".to_string());
                        continue;
                    }
                    parts.push(self.repr_depth(x, depth + 1)?);
                }
                format!("[{}]", parts.join(", "))
            }
            Val::Dict(d) => {
                let items: Vec<(Val, Val)> = d
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let mut parts = Vec::with_capacity(items.len());
                for (k, x) in &items {
                    let vs = match x {
                        Val::Dict(inner) if Rc::ptr_eq(inner, d) => "{...}".to_string(),
                        _ => self.repr_depth(x, depth + 1)?,
                    };
                    parts.push(format!("{}: {}", self.repr_depth(k, depth + 1)?, vs));
                }
                format!("{{{}}}", parts.join(", "))
            }
            Val::Set(s) => {
                let items = set_order(&s.borrow());
                let frozen = s.borrow().frozen;
                if items.is_empty() {
                    if frozen { "frozenset()" } else { "set()" }.to_string()
                } else {
                    let mut parts = Vec::with_capacity(items.len());
                    for x in &items {
                        parts.push(self.repr_depth(x, depth + 1)?);
                    }
                    if frozen {
                        format!("frozenset({{{}}})", parts.join(", "))
                    } else {
                        format!("{{{}}}", parts.join(", "))
                    }
                }
            }
            Val::Range(r) => {
                if r[2] == 1 {
                    format!("range({}, {})", r[0], r[1])
                } else {
                    format!("range({}, {}, {})", r[0], r[1], r[2])
                }
            }
            Val::Slice(s) => format!(
                "slice({}, {}, {})",
                self.repr_depth(&s[0], depth + 1)?,
                self.repr_depth(&s[1], depth + 1)?,
                self.repr_depth(&s[2], depth + 1)?
            ),
            Val::Func(f) => format!(
                "<function {} at 0x{:012x}>",
                f.code.qualname,
                self.world.shared.stable_id(v)
            ),
            Val::Native(n) => format!("<built-in function {}>", n.name),
            Val::Method(m) => match &m.1 {
                Val::Func(f) => {
                    let owner = self.repr_depth(&m.0, depth + 1)?;
                    format!("<bound method {} of {owner}>", f.code.qualname)
                }
                Val::Native(n) => {
                    let tn = self.world.type_name(&m.0);
                    format!(
                        "<built-in method {} of {tn} object at 0x{:012x}>",
                        n.name,
                        self.world.shared.stable_id(&m.0)
                    )
                }
                _ => "<bound method>".to_string(),
            },
            Val::Class(c) => {
                if &*c.module == "builtins" {
                    format!("<class '{}'>", c.qualname)
                } else {
                    format!("<class '{}.{}'>", c.module, c.qualname)
                }
            }
            Val::Module(m) => format!("<module '{}' (built-in)>", m.name),
            Val::Gen(g) => {
                let g = g.borrow();
                let kind = if g.is_coroutine {
                    "coroutine"
                } else {
                    "generator"
                };
                format!(
                    "<{kind} object {} at 0x{:012x}>",
                    g.qualname,
                    self.world.shared.stable_id(v)
                )
            }
            Val::Iter(_) => {
                let tn = self.world.type_name(v);
                format!("<{tn} object at 0x{:012x}>", self.world.shared.stable_id(v))
            }
            Val::Obj(o) => {
                if let Some(f) = o.class.lookup("__repr__")
                    && (!matches!(f, Val::Native(_)) || o.class.builtin == Builtin::Native)
                {
                    let r = self.call_method_nested(f, v.clone(), vec![])?;
                    return match r {
                        Val::Str(s) => Ok(s.to_string()),
                        other => {
                            let tn = self.world.type_name(&other);
                            Err(self
                                .type_error(format!("__repr__ returned non-string (type {tn})")))
                        }
                    };
                }
                if o.class.builtin == Builtin::BaseException {
                    let args = self
                        .world
                        .exc_data(v, |d| d.args.clone())
                        .unwrap_or_default();
                    let mut parts = Vec::new();
                    for a in &args {
                        parts.push(self.repr_depth(a, depth + 1)?);
                    }
                    let inner = parts.join(", ");
                    return Ok(format!("{}({inner})", o.class.name));
                }
                let module = &o.class.module;
                format!(
                    "<{module}.{} object at 0x{:012x}>",
                    o.class.qualname,
                    self.world.shared.stable_id(v)
                )
            }
            Val::Cell(_) => "<cell>".into(),
            Val::Code(c) => format!("<code object {}>", c.name),
            Val::Super(_) => "<super>".into(),
            Val::Property(_) => format!(
                "<property object at 0x{:012x}>",
                self.world.shared.stable_id(v)
            ),
            Val::ClassMethod(_) => "<classmethod>".into(),
            Val::StaticMethod(_) => "<staticmethod>".into(),
            Val::Ellipsis => "Ellipsis".into(),
            Val::NotImplemented => "NotImplemented".into(),
        })
    }

    pub fn str_of(&mut self, v: &Val) -> Res<String> {
        match v {
            Val::Str(s) => Ok(s.to_string()),
            Val::Obj(o) => {
                if let Some(f) = o.class.lookup("__str__")
                    && !matches!(f, Val::Native(_))
                {
                    let r = self.call_method_nested(f, v.clone(), vec![])?;
                    return match r {
                        Val::Str(s) => Ok(s.to_string()),
                        other => {
                            let tn = self.world.type_name(&other);
                            Err(self.type_error(format!("__str__ returned non-string (type {tn})")))
                        }
                    };
                }
                if o.class.builtin == Builtin::BaseException {
                    let args = self
                        .world
                        .exc_data(v, |d| d.args.clone())
                        .unwrap_or_default();
                    return match args.len() {
                        0 => Ok(String::new()),
                        1 => {
                            // KeyError shows its key as a repr.
                            if self.world.is_instance_of(v, "KeyError") {
                                self.repr(&args[0])
                            } else {
                                self.str_of(&args[0])
                            }
                        }
                        _ => self.repr(&Val::tuple(args)),
                    };
                }
                self.repr(v)
            }
            _ => self.repr(v),
        }
    }

    /// `format(v, spec)`.
    pub fn format(&mut self, v: &Val, spec: &str) -> Res<String> {
        let r = match v {
            Val::Int(i) => format::format_int(*i, spec),
            Val::Bool(b) => {
                if spec.is_empty() {
                    return Ok(if *b { "True" } else { "False" }.into());
                }
                format::format_int(i64::from(*b), spec)
            }
            Val::Float(f) => format::format_float(*f, spec),
            Val::Str(s) => format::format_str(s, spec),
            Val::Obj(o)
                if o.class
                    .lookup("__format__")
                    .is_some_and(|f| !matches!(f, Val::Native(_))) =>
            {
                let f = o.class.lookup("__format__").unwrap_or_default();
                let r = self.call_method_nested(f, v.clone(), vec![Val::str(spec)])?;
                return Ok(r.as_str().unwrap_or_default().to_string());
            }
            other => {
                if spec.is_empty() {
                    return self.str_of(other);
                }
                let s = self.str_of(other)?;
                let tn = self.world.type_name(other);
                return match format::format_str(&s, spec) {
                    Ok(_)
                        if matches!(
                            other,
                            Val::None | Val::List(_) | Val::Tuple(_) | Val::Dict(_) | Val::Obj(_)
                        ) =>
                    {
                        Err(self.type_error(format!(
                            "unsupported format string passed to {tn}.__format__"
                        )))
                    }
                    Ok(s) => Ok(s),
                    Err(e) => Err(self.format_error(e)),
                };
            }
        };
        r.map_err(|e| self.format_error(e))
    }

    // ---- attributes -------------------------------------------------------------------------

    pub fn getattr(&mut self, obj: &Val, name: &str) -> Res<Val> {
        self.getattr_with(obj, name, true)
    }

    /// `getattr`, calling a class's `__getattr__` (nested) only when `fallback` is set.
    pub fn getattr_with(&mut self, obj: &Val, name: &str, fallback: bool) -> Res<Val> {
        match obj {
            Val::Obj(o) => {
                if !o.class.has_props.get()
                    && let Some(v) = o.attrs.borrow().get(name)
                {
                    let v = v.clone();
                    if self.world.tracking.get() && o.class.builtin != Builtin::Native {
                        self.note_location(obj, Rc::from(name), false);
                    }
                    return Ok(v);
                }
                let class_attr = o.class.lookup(name);
                // Data descriptors (properties) win over the instance dict.
                if let Some(Val::Property(p)) = &class_attr {
                    let getter = p[0].clone();
                    if matches!(getter, Val::None) {
                        return Err(self.exc(
                            "AttributeError",
                            format!(
                                "property '{name}' of '{}' object has no getter",
                                o.class.name
                            ),
                        ));
                    }
                    return self.call_nested(getter, Args::new(vec![obj.clone()]));
                }
                if let Some(v) = o.attrs.borrow().get(name) {
                    return Ok(v.clone());
                }
                if let Some(v) = class_attr {
                    return Ok(self.bind(v, obj, &o.class));
                }
                match name {
                    "__class__" => return Ok(Val::Class(o.class.clone())),
                    "__dict__" => {
                        let mut d = Dict::new();
                        for (k, v) in o.attrs.borrow().0.iter() {
                            d.insert(Key::Str(k.clone()), Val::Str(k.clone()), v.clone());
                        }
                        return Ok(Val::dict(d));
                    }
                    _ => {}
                }
                if o.class.builtin == Builtin::BaseException {
                    match name {
                        "args" => {
                            let a = self
                                .world
                                .exc_data(obj, |d| d.args.clone())
                                .unwrap_or_default();
                            return Ok(Val::tuple(a));
                        }
                        "__cause__" => {
                            return Ok(self
                                .world
                                .exc_data(obj, |d| d.cause.clone())
                                .flatten()
                                .unwrap_or_default());
                        }
                        "__context__" => {
                            return Ok(self
                                .world
                                .exc_data(obj, |d| d.context.clone())
                                .flatten()
                                .unwrap_or_default());
                        }
                        "__traceback__" => return Ok(Val::None),
                        "__suppress_context__" => {
                            return Ok(Val::Bool(
                                self.world
                                    .exc_data(obj, |d| d.suppress_context)
                                    .unwrap_or(false),
                            ));
                        }
                        _ => {}
                    }
                }
                if fallback && let Some(ga) = o.class.lookup("__getattr__") {
                    return self.call_method_nested(ga, obj.clone(), vec![Val::str(name)]);
                }
                Err(self.exc(
                    "AttributeError",
                    format!("'{}' object has no attribute '{name}'", o.class.name),
                ))
            }
            Val::Class(c) => {
                if let Some(v) = c.lookup(name) {
                    return Ok(match v {
                        Val::ClassMethod(f) => Val::Method(Rc::new((obj.clone(), (*f).clone()))),
                        Val::StaticMethod(f) => (*f).clone(),
                        other => other,
                    });
                }
                match name {
                    "__name__" => Ok(Val::Str(c.name.clone())),
                    "__qualname__" => Ok(Val::Str(c.qualname.clone())),
                    "__module__" => Ok(Val::Str(c.module.clone())),
                    "__mro__" => Ok(Val::tuple(
                        c.mro
                            .borrow()
                            .iter()
                            .map(|c| Val::Class(c.clone()))
                            .collect(),
                    )),
                    "__bases__" => Ok(Val::tuple(
                        c.bases.iter().map(|c| Val::Class(c.clone())).collect(),
                    )),
                    "__doc__" => Ok(Val::None),
                    _ => Err(self.exc(
                        "AttributeError",
                        format!("type object '{}' has no attribute '{name}'", c.name),
                    )),
                }
            }
            Val::Module(m) => match m.get(name) {
                Some(v) => Ok(v),
                None if name == "__name__" => Ok(Val::Str(m.name.clone())),
                None => Err(self.exc(
                    "AttributeError",
                    format!("module '{}' has no attribute '{name}'", m.name),
                )),
            },
            Val::Super(s) => {
                let (cls, this) = (s.0.clone(), s.1.clone());
                let start = match &this {
                    Val::Class(c) => c.clone(),
                    other => self.world.class_of(other),
                };
                let mro = start.mro.borrow().clone();
                let pos = mro
                    .iter()
                    .position(|c| Rc::ptr_eq(c, &cls))
                    .map_or(0, |p| p + 1);
                for c in &mro[pos.min(mro.len())..] {
                    let found = c.dict.borrow().get(name).cloned();
                    if let Some(v) = found {
                        return Ok(match (&this, v) {
                            (Val::Class(_), Val::Func(f)) => Val::Func(f),
                            (_, Val::Property(p)) => {
                                return self
                                    .call_nested(p[0].clone(), Args::new(vec![this.clone()]));
                            }
                            (_, v) => self.bind(v, &this, c),
                        });
                    }
                }
                Err(self.exc(
                    "AttributeError",
                    format!("'super' object has no attribute '{name}'"),
                ))
            }
            Val::Func(f) => match name {
                "__name__" => Ok(Val::Str(f.name.borrow().clone())),
                "__qualname__" => Ok(Val::Str(f.code.qualname.clone())),
                "__module__" => Ok(f.globals.get("__name__").unwrap_or_default()),
                "__doc__" => Ok(Val::None),
                "__defaults__" => Ok(if f.defaults.is_empty() {
                    Val::None
                } else {
                    Val::tuple(f.defaults.clone())
                }),
                "__kwdefaults__" => Ok(if f.kwdefaults.is_empty() {
                    Val::None
                } else {
                    let mut d = Dict::new();
                    for (k, v) in &f.kwdefaults {
                        d.insert(Key::Str(k.clone()), Val::Str(k.clone()), v.clone());
                    }
                    Val::dict(d)
                }),
                "__dict__" => {
                    let mut d = Dict::new();
                    for (k, v) in f.attrs.borrow().0.iter() {
                        d.insert(Key::Str(k.clone()), Val::Str(k.clone()), v.clone());
                    }
                    Ok(Val::dict(d))
                }
                _ => match f.attrs.borrow().get(name) {
                    Some(v) => Ok(v.clone()),
                    None => Err(self.exc(
                        "AttributeError",
                        format!("'function' object has no attribute '{name}'"),
                    )),
                },
            },
            Val::Native(n) if name == "__name__" => Ok(Val::str(n.name)),
            Val::Method(m) if name == "__self__" => Ok(m.0.clone()),
            Val::Method(m) if name == "__func__" => Ok(m.1.clone()),
            Val::Method(m) if name == "__name__" => self.getattr(&m.1.clone(), "__name__"),
            Val::Gen(g) if name == "__name__" => Ok(Val::Str(g.borrow().name.clone())),
            Val::Gen(g) if name == "__qualname__" => Ok(Val::Str(g.borrow().qualname.clone())),
            Val::Slice(s) => match name {
                "start" => Ok(s[0].clone()),
                "stop" => Ok(s[1].clone()),
                "step" => Ok(s[2].clone()),
                _ => self.builtin_attr(obj, name),
            },
            Val::Range(r) if matches!(name, "start" | "stop" | "step") => {
                Ok(Val::Int(match name {
                    "start" => r[0],
                    "stop" => r[1],
                    _ => r[2],
                }))
            }
            Val::Int(i) if name == "real" || name == "numerator" => Ok(Val::Int(*i)),
            Val::Int(_) if name == "imag" => Ok(Val::Int(0)),
            Val::Int(_) if name == "denominator" => Ok(Val::Int(1)),
            Val::Float(f) if name == "real" => Ok(Val::Float(*f)),
            Val::Float(_) if name == "imag" => Ok(Val::Float(0.0)),
            Val::Property(p) => match name {
                "fget" => Ok(p[0].clone()),
                "fset" => Ok(p[1].clone()),
                _ => self.builtin_attr(obj, name),
            },
            _ => self.builtin_attr(obj, name),
        }
    }

    fn builtin_attr(&mut self, obj: &Val, name: &str) -> Res<Val> {
        let cls = self.world.class_of(obj);
        if name == "__class__" {
            return Ok(Val::Class(cls));
        }
        match cls.lookup(name) {
            Some(v) => Ok(self.bind(v, obj, &cls)),
            None => Err(self.no_attr(obj, name)),
        }
    }

    fn no_attr(&self, obj: &Val, name: &str) -> Val {
        let tn = self.world.type_name(obj);
        self.exc(
            "AttributeError",
            format!("'{tn}' object has no attribute '{name}'"),
        )
    }

    /// A class attribute seen through an instance: functions become bound methods.
    fn bind(&self, v: Val, obj: &Val, cls: &Rc<Class>) -> Val {
        match v {
            Val::Func(_) | Val::Native(_) => Val::Method(Rc::new((obj.clone(), v))),
            Val::ClassMethod(f) => Val::Method(Rc::new((Val::Class(cls.clone()), (*f).clone()))),
            Val::StaticMethod(f) => (*f).clone(),
            other => other,
        }
    }

    pub fn setattr(&mut self, obj: &Val, name: Rc<str>, v: Val) -> Res<Next> {
        match obj {
            Val::Obj(o) => {
                if self.world.tracking.get() && o.class.builtin != Builtin::Native {
                    self.note_location(obj, name.clone(), true);
                }
                let prop = if o.class.has_props.get() {
                    o.class.lookup(&name)
                } else {
                    None
                };
                if let Some(Val::Property(p)) = prop {
                    let setter = p[1].clone();
                    if matches!(setter, Val::None) {
                        return Err(self.exc(
                            "AttributeError",
                            format!(
                                "property '{name}' of '{}' object has no setter",
                                o.class.name
                            ),
                        ));
                    }
                    // As a call whose value is dropped: the setter may block (a shared Value).
                    return Ok(
                        match self.call_value(
                            setter,
                            Args::new(vec![obj.clone(), v]),
                            crate::vm::Mode::Discard,
                        )? {
                            Some(_) => Next::Continue,
                            None => Next::Reload,
                        },
                    );
                }
                if o.class.builtin == Builtin::BaseException && &*name == "args" {
                    let items = self.collect(v)?;
                    self.world.exc_data(obj, |d| d.args = items);
                    return Ok(Next::Continue);
                }
                if o.class.builtin == Builtin::BaseException && &*name == "__cause__" {
                    let c = if matches!(v, Val::None) {
                        None
                    } else {
                        Some(v)
                    };
                    self.world.set_cause(obj, c);
                    return Ok(Next::Continue);
                }
                if !o.class.has_props.get() {
                    o.attrs.borrow_mut().set(name, v);
                    return Ok(Next::Continue);
                }
                if let Some(sa) = o.class.lookup("__setattr__")
                    && !matches!(sa, Val::Native(_))
                {
                    // As a frame: a proxy's __setattr__ may block.
                    let args = Args::new(vec![obj.clone(), Val::Str(name), v]);
                    return Ok(match self.call_value(sa, args, crate::vm::Mode::Discard)? {
                        Some(_) => Next::Continue,
                        None => Next::Reload,
                    });
                }
                o.attrs.borrow_mut().set(name, v);
                Ok(Next::Continue)
            }
            Val::Class(c) => {
                if c.builtin != Builtin::Object
                    && c.builtin != Builtin::BaseException
                    && c.builtin != Builtin::Native
                    && &*c.module == "builtins"
                {
                    return Err(self.type_error(format!(
                        "cannot set '{name}' attribute of immutable type '{}'",
                        c.name
                    )));
                }
                if matches!(v, Val::Property(_)) {
                    c.has_props.set(true);
                }
                c.dict.borrow_mut().set(name, v);
                Ok(Next::Continue)
            }
            Val::Module(m) => {
                m.set(&name, v);
                Ok(Next::Continue)
            }
            Val::Func(f) => {
                if &*name == "__name__"
                    && let Val::Str(s) = &v
                {
                    *f.name.borrow_mut() = s.clone();
                }
                f.attrs.borrow_mut().set(name, v);
                Ok(Next::Continue)
            }
            other => {
                let tn = self.world.type_name(other);
                Err(self.exc(
                    "AttributeError",
                    format!("'{tn}' object has no attribute '{name}'"),
                ))
            }
        }
    }

    pub fn delattr(&mut self, obj: &Val, name: &str) -> Res<()> {
        match obj {
            Val::Obj(o) => {
                if let Some(f) = o.class.lookup("__delattr__")
                    && !matches!(f, Val::Native(_))
                {
                    self.call_method_nested(f, obj.clone(), vec![Val::str(name)])?;
                    return Ok(());
                }
                if o.attrs.borrow_mut().remove(name).is_none() {
                    return Err(self.exc(
                        "AttributeError",
                        format!("'{}' object has no attribute '{name}'", o.class.name),
                    ));
                }
                Ok(())
            }
            Val::Class(c) => {
                c.dict.borrow_mut().remove(name);
                Ok(())
            }
            other => Err(self.no_attr(other, name)),
        }
    }

    // ---- subscripts -------------------------------------------------------------------------

    pub fn subscr(&mut self, obj: Val, idx: Val) -> Res<Next> {
        if self.world.tracking.get() && matches!(obj, Val::List(_) | Val::Dict(_)) {
            self.note_location(&obj, Rc::from("[]"), false);
        }
        let v = match (&obj, &idx) {
            (Val::List(l), Val::Int(_) | Val::Bool(_)) => {
                let i = as_int(&idx).unwrap_or(0);
                let l = l.borrow();
                match norm_index(i, l.len()) {
                    Some(j) => l[j].clone(),
                    None => return Err(self.exc("IndexError", "list index out of range")),
                }
            }
            (Val::Tuple(t), Val::Int(_) | Val::Bool(_)) => {
                let i = as_int(&idx).unwrap_or(0);
                match norm_index(i, t.len()) {
                    Some(j) => t[j].clone(),
                    None => return Err(self.exc("IndexError", "tuple index out of range")),
                }
            }
            (Val::Str(s), Val::Int(_) | Val::Bool(_)) => {
                let i = as_int(&idx).unwrap_or(0);
                let n = s.chars().count();
                match norm_index(i, n) {
                    Some(j) => Val::str(&s.chars().nth(j).map(String::from).unwrap_or_default()),
                    None => return Err(self.exc("IndexError", "string index out of range")),
                }
            }
            (Val::Bytes(b), Val::Int(i)) => match norm_index(*i, b.len()) {
                Some(j) => Val::Int(i64::from(b[j])),
                None => return Err(self.exc("IndexError", "index out of range")),
            },
            (Val::Range(r), Val::Int(i)) => {
                let n = range_len(r);
                let j = if *i < 0 { i + n } else { *i };
                if !(0..n).contains(&j) {
                    return Err(self.exc("IndexError", "range object index out of range"));
                }
                Val::Int(r[0] + j * r[2])
            }
            (Val::List(l), Val::Slice(s)) => {
                let items = l.borrow().clone();
                let (a, b, st) = slice_indices(self, s, items.len())?;
                Val::list(
                    slice_positions(a, b, st)
                        .into_iter()
                        .map(|i| items[i].clone())
                        .collect(),
                )
            }
            (Val::Tuple(t), Val::Slice(s)) => {
                let (a, b, st) = slice_indices(self, s, t.len())?;
                Val::tuple(
                    slice_positions(a, b, st)
                        .into_iter()
                        .map(|i| t[i].clone())
                        .collect(),
                )
            }
            (Val::Str(st), Val::Slice(s)) => {
                let chars: Vec<char> = st.chars().collect();
                let (a, b, step) = slice_indices(self, s, chars.len())?;
                let out: String = slice_positions(a, b, step)
                    .into_iter()
                    .map(|i| chars[i])
                    .collect();
                Val::str(&out)
            }
            (Val::Bytes(bs), Val::Slice(s)) => {
                let (a, b, step) = slice_indices(self, s, bs.len())?;
                let out: Vec<u8> = slice_positions(a, b, step)
                    .into_iter()
                    .map(|i| bs[i])
                    .collect();
                Val::Bytes(Rc::from(out))
            }
            (Val::Range(r), Val::Slice(s)) => {
                let n = range_len(r) as usize;
                let (a, b, st) = slice_indices(self, s, n)?;
                let pos = slice_positions(a, b, st);
                Val::list(
                    pos.into_iter()
                        .map(|i| Val::Int(r[0] + i as i64 * r[2]))
                        .collect(),
                )
            }
            (Val::Dict(d), _) => {
                let k = self.key(&idx)?;
                let found = d.borrow().get(&k).cloned();
                match found {
                    Some(v) => v,
                    None => {
                        return Err(self.world.new_exc_args("KeyError", vec![idx.clone()]));
                    }
                }
            }
            (Val::Obj(o), _) => {
                if let Some(f) = o.class.lookup("__getitem__") {
                    return self.call_op_pub(f, Args::new(vec![obj.clone(), idx.clone()]));
                }
                let tn = self.world.type_name(&obj);
                return Err(self.type_error(format!("'{tn}' object is not subscriptable")));
            }
            (Val::Class(c), _) => {
                // `list[int]` and the like: typing generics evaluate to the class itself.
                let _ = c;
                obj.clone()
            }
            (Val::List(_) | Val::Tuple(_) | Val::Str(_), _) => {
                let tn = self.world.type_name(&obj);
                let it = self.world.type_name(&idx);
                return Err(
                    self.type_error(format!("{tn} indices must be integers or slices, not {it}"))
                );
            }
            _ => {
                let tn = self.world.type_name(&obj);
                return Err(self.type_error(format!("'{tn}' object is not subscriptable")));
            }
        };
        self.push_val(v);
        Ok(Next::Continue)
    }

    /// `obj[idx]` from a built-in (a user `__getitem__` runs nested).
    pub fn getitem_nested(&mut self, obj: &Val, idx: &Val) -> Res<Val> {
        if let Val::Obj(o) = obj
            && let Some(f) = o.class.lookup("__getitem__")
        {
            return self.call_method_nested(f, obj.clone(), vec![idx.clone()]);
        }
        match self.subscr(obj.clone(), idx.clone())? {
            Next::Continue => Ok(self.stack.pop().unwrap_or_default()),
            _ => Err(self.exc("SystemError", "subscript ran a frame unexpectedly")),
        }
    }

    pub fn store_subscr(&mut self, obj: Val, idx: Val, v: Val) -> Res<Next> {
        if self.world.tracking.get() && matches!(obj, Val::List(_) | Val::Dict(_)) {
            self.note_location(&obj, Rc::from("[]"), true);
        }
        match (&obj, &idx) {
            (Val::List(l), Val::Int(_) | Val::Bool(_)) => {
                let i = as_int(&idx).unwrap_or(0);
                let mut l = l.borrow_mut();
                match norm_index(i, l.len()) {
                    Some(j) => l[j] = v,
                    None => {
                        return Err(self.exc("IndexError", "list assignment index out of range"));
                    }
                }
            }
            (Val::List(l), Val::Slice(s)) => {
                let items = self.collect(v)?;
                let len = l.borrow().len();
                let (a, b, st) = slice_indices(self, s, len)?;
                if st == 1 {
                    let b = b.max(a);
                    l.borrow_mut().splice(a as usize..b as usize, items);
                } else {
                    let pos = slice_positions(a, b, st);
                    if pos.len() != items.len() {
                        return Err(self.value_error(format!(
                            "attempt to assign sequence of size {} to extended slice of size {}",
                            items.len(),
                            pos.len()
                        )));
                    }
                    let mut l = l.borrow_mut();
                    for (p, x) in pos.into_iter().zip(items) {
                        l[p] = x;
                    }
                }
            }
            (Val::Dict(d), _) => {
                let k = self.key(&idx)?;
                d.borrow_mut().insert(k, idx, v);
            }
            (Val::Obj(o), _) => {
                if let Some(f) = o.class.lookup("__setitem__") {
                    return Ok(
                        match self.call_value(
                            f,
                            Args::new(vec![obj.clone(), idx.clone(), v]),
                            crate::vm::Mode::Discard,
                        )? {
                            Some(_) => Next::Continue,
                            None => Next::Reload,
                        },
                    );
                } else {
                    let tn = self.world.type_name(&obj);
                    return Err(
                        self.type_error(format!("'{tn}' object does not support item assignment"))
                    );
                }
            }
            _ => {
                let tn = self.world.type_name(&obj);
                return Err(
                    self.type_error(format!("'{tn}' object does not support item assignment"))
                );
            }
        }
        Ok(Next::Continue)
    }

    pub fn delete_subscr(&mut self, obj: Val, idx: Val) -> Res<Next> {
        match (&obj, &idx) {
            (Val::List(l), Val::Int(i)) => {
                let mut l = l.borrow_mut();
                match norm_index(*i, l.len()) {
                    Some(j) => {
                        l.remove(j);
                    }
                    None => {
                        return Err(self.exc("IndexError", "list assignment index out of range"));
                    }
                }
            }
            (Val::List(l), Val::Slice(s)) => {
                let len = l.borrow().len();
                let (a, b, st) = slice_indices(self, s, len)?;
                let mut pos = slice_positions(a, b, st);
                pos.sort_unstable();
                let mut l = l.borrow_mut();
                for p in pos.into_iter().rev() {
                    l.remove(p);
                }
            }
            (Val::Dict(d), _) => {
                let k = self.key(&idx)?;
                if d.borrow_mut().remove(&k).is_none() {
                    return Err(self.world.new_exc_args("KeyError", vec![idx.clone()]));
                }
            }
            (Val::Obj(o), _) => {
                if let Some(f) = o.class.lookup("__delitem__") {
                    self.call_nested(f, Args::new(vec![obj.clone(), idx.clone()]))?;
                } else {
                    let tn = self.world.type_name(&obj);
                    return Err(
                        self.type_error(format!("'{tn}' object doesn't support item deletion"))
                    );
                }
            }
            _ => {
                let tn = self.world.type_name(&obj);
                return Err(self.type_error(format!("'{tn}' object doesn't support item deletion")));
            }
        }
        Ok(Next::Continue)
    }

    // ---- iteration --------------------------------------------------------------------------

    /// `iter(v)`.
    pub fn get_iter(&mut self, v: Val) -> Res<Val> {
        let it = match &v {
            Val::List(l) => Iter::List(l.clone(), 0),
            Val::Tuple(t) => Iter::Tuple(t.clone(), 0),
            Val::Str(s) => Iter::Str(s.clone(), 0),
            Val::Range(r) => Iter::Range {
                next: r[0],
                stop: r[1],
                step: r[2],
            },
            Val::Dict(d) => Iter::Dict {
                version: d.borrow().version,
                dict: d.clone(),
                pos: 0,
                mode: DictIterMode::Keys,
            },
            Val::Set(d) => Iter::Vec(set_order(&d.borrow()).into_iter()),
            Val::Bytes(b) => Iter::Vec(
                b.iter()
                    .map(|&x| Val::Int(i64::from(x)))
                    .collect::<Vec<_>>()
                    .into_iter(),
            ),
            Val::Iter(_) | Val::Gen(_) => return Ok(v),
            Val::Obj(o) => {
                if let Some(f) = o.class.lookup("__iter__") {
                    return self.call_method_nested(f, v.clone(), vec![]);
                }
                if o.class.lookup("__getitem__").is_some() {
                    let f = self.pyb("_seq_iter")?;
                    return self.call_nested(f, Args::new(vec![v.clone()]));
                }
                let tn = self.world.type_name(&v);
                return Err(self.type_error(format!("'{tn}' object is not iterable")));
            }
            _ => {
                let tn = self.world.type_name(&v);
                return Err(self.type_error(format!("'{tn}' object is not iterable")));
            }
        };
        Ok(Val::Iter(Rc::new(RefCell::new(it))))
    }

    /// The next item of any iterator (`None` when exhausted); generators and user iterators
    /// run nested.
    pub fn next_of(&mut self, it: &Val) -> Res<Option<Val>> {
        match it {
            Val::Iter(_) => self.iter_next_builtin(it),
            Val::Gen(g) => {
                let next = crate::builtins::next_native(self);
                match self.call_nested(next, Args::new(vec![Val::Gen(g.clone())])) {
                    Ok(v) => Ok(Some(v)),
                    Err(e) if self.world.is_instance_of(&e, "StopIteration") => Ok(None),
                    Err(e) => Err(e),
                }
            }
            other => {
                let next = self.getattr(other, "__next__")?;
                match self.call_nested(next, Args::default()) {
                    Ok(v) => Ok(Some(v)),
                    Err(e) if self.world.is_instance_of(&e, "StopIteration") => Ok(None),
                    Err(e) => Err(e),
                }
            }
        }
    }

    /// The next item of a built-in iterator.
    pub fn iter_next_builtin(&mut self, it: &Val) -> Res<Option<Val>> {
        let Val::Iter(cell) = it else {
            return self.next_of(it);
        };
        // Iterators over other iterators take their inner value out first, so the borrow
        // is not held while running the inner one.
        let inner = {
            let st = cell.borrow();
            match &*st {
                Iter::Enumerate { inner, .. } => Some(inner.clone()),
                _ => None,
            }
        };
        if let Some(inner) = inner {
            let v = self.next_of(&inner)?;
            let mut st = cell.borrow_mut();
            if let Iter::Enumerate { count, .. } = &mut *st {
                return Ok(v.map(|v| {
                    let c = *count;
                    *count += 1;
                    Val::tuple(vec![Val::Int(c), v])
                }));
            }
            return Ok(None);
        }
        let zips = {
            let st = cell.borrow();
            match &*st {
                Iter::Zip(its) => Some(its.clone()),
                _ => None,
            }
        };
        if let Some(its) = zips {
            if its.is_empty() {
                return Ok(None);
            }
            let mut out = Vec::with_capacity(its.len());
            for i in &its {
                match self.next_of(i)? {
                    Some(v) => out.push(v),
                    None => {
                        *cell.borrow_mut() = Iter::Done;
                        return Ok(None);
                    }
                }
            }
            return Ok(Some(Val::tuple(out)));
        }
        let mut st = cell.borrow_mut();
        let (v, done) = match &mut *st {
            Iter::List(l, i) => {
                let l = l.borrow();
                match l.get(*i) {
                    Some(v) => {
                        *i += 1;
                        (Some(v.clone()), false)
                    }
                    None => (None, true),
                }
            }
            Iter::Tuple(t, i) => match t.get(*i) {
                Some(v) => {
                    *i += 1;
                    (Some(v.clone()), false)
                }
                None => (None, true),
            },
            Iter::Str(s, i) => match s[*i..].chars().next() {
                Some(c) => {
                    *i += c.len_utf8();
                    (Some(Val::str(c.encode_utf8(&mut [0u8; 4]))), false)
                }
                None => (None, true),
            },
            Iter::Range { next, stop, step } => {
                if (*step > 0 && *next < *stop) || (*step < 0 && *next > *stop) {
                    let v = *next;
                    *next = next.saturating_add(*step);
                    (Some(Val::Int(v)), false)
                } else {
                    (None, true)
                }
            }
            Iter::Dict {
                dict,
                pos,
                version,
                mode,
            } => {
                let d = dict.borrow();
                if d.version != *version {
                    drop(d);
                    drop(st);
                    *cell.borrow_mut() = Iter::Done;
                    return Err(
                        self.exc("RuntimeError", "dictionary changed size during iteration")
                    );
                }
                match d.entry_from(pos) {
                    Some((k, v)) => (
                        Some(match mode {
                            DictIterMode::Keys => k,
                            DictIterMode::Values => v,
                            DictIterMode::Items => Val::tuple(vec![k, v]),
                        }),
                        false,
                    ),
                    None => (None, true),
                }
            }
            Iter::Vec(it) => {
                let v = it.next();
                let done = v.is_none();
                (v, done)
            }
            Iter::Reversed(l, i) => {
                if *i == 0 {
                    (None, true)
                } else {
                    *i -= 1;
                    let v = l.borrow().get(*i).cloned();
                    let done = v.is_none();
                    (v, done)
                }
            }
            Iter::Count { next, step } => {
                let v = *next;
                *next = next.saturating_add(*step);
                (Some(Val::Int(v)), false)
            }
            Iter::Cycle { items, pos } => {
                if items.is_empty() {
                    (None, true)
                } else {
                    let v = items[*pos % items.len()].clone();
                    *pos += 1;
                    (Some(v), false)
                }
            }
            Iter::Enumerate { .. } | Iter::Zip(_) | Iter::Done => (None, true),
        };
        if done {
            *st = Iter::Done;
        }
        Ok(v)
    }

    /// Materialises any iterable into a vector.
    pub fn collect(&mut self, v: Val) -> Res<Vec<Val>> {
        match &v {
            Val::List(l) => return Ok(l.borrow().clone()),
            Val::Tuple(t) => return Ok(t.to_vec()),
            Val::Str(s) => {
                return Ok(s
                    .chars()
                    .map(|c| Val::str(c.encode_utf8(&mut [0u8; 4])))
                    .collect());
            }
            Val::Dict(d) => return Ok(d.borrow().keys()),
            Val::Set(d) => return Ok(set_order(&d.borrow())),
            Val::Range(r) => {
                let n = range_len(r);
                if n as usize > self.world.shared.max_items {
                    return Err(self.limit_error("list", n as usize));
                }
                return Ok((0..n).map(|i| Val::Int(r[0] + i * r[2])).collect());
            }
            _ => {}
        }
        let it = self.get_iter(v)?;
        let mut out = Vec::new();
        let max = self.world.shared.max_items;
        while let Some(x) = self.next_of(&it)? {
            out.push(x);
            if out.len() > max {
                return Err(self.limit_error("list", out.len()));
            }
        }
        Ok(out)
    }

    /// A call from an operator (a dunder method): like a call op.
    pub fn call_op_pub(&mut self, f: Val, args: Args) -> Res<Next> {
        match self.call_value(f, args, crate::vm::Mode::Normal)? {
            Some(v) => {
                self.push_val(v);
                Ok(Next::Continue)
            }
            None => Ok(Next::Reload),
        }
    }
}

enum CmpResult {
    Val(Val),
    Called(Next),
}

/// The order a set iterates in. CPython's order for small non-negative ints is ascending (their
/// hash is their value and the table is larger than they are); other elements keep insertion
/// order here, which CPython does not promise either.
pub fn set_order(d: &Dict) -> Vec<Val> {
    let keys = d.keys();
    let all_small = keys
        .iter()
        .all(|k| matches!(k, Val::Int(i) if (0..(1 << 20)).contains(i)));
    if all_small && !keys.is_empty() {
        let mut ks: Vec<(i64, Val)> = keys
            .into_iter()
            .map(|k| (if let Val::Int(i) = k { i } else { 0 }, k))
            .collect();
        // CPython places small ints by value modulo the table size: with the table sized for
        // the set (at least 8 slots, at most 60% full) ascending order is exact while the
        // values stay below the table size.
        let mut size = 8usize;
        while ks.len() * 5 >= size * 3 {
            size *= 4;
        }
        ks.sort_by_key(|(i, _)| ((*i as usize) % size, *i));
        return ks.into_iter().map(|(_, k)| k).collect();
    }
    keys
}
