//! The pure parts of the standard library the playground offers: `random` (seeded from the run,
//! per process), `math`, `json`, `sys`, `os`, `itertools`, `functools` and `collections` (Python
//! preludes), `string`, and small helpers (`typing`, `abc`, `copy`, `operator`, `atexit`,
//! `traceback`, `contextlib`, `warnings`).

use std::cell::RefCell;
use std::rc::Rc;

use rand_core::{Rng, SeedableRng};

use crate::builtins::{native, want_f64, want_int, want_str};
use crate::format;
use crate::obj::*;
use crate::ops;
use crate::vm::{Args, Flow, NativeFn, Res, Vm};

fn ok(v: Val) -> Res<Flow> {
    Ok(Flow::Val(v))
}

fn put(m: &Rc<Module>, name: &'static str, f: NativeFn) {
    m.set(name, native(name, f));
}

// ---- random -------------------------------------------------------------------------------------

fn below(vm: &Vm, n: u64) -> u64 {
    if n <= 1 {
        return 0;
    }
    let mut rng = vm.world.rng.borrow_mut();
    // Rejection sampling keeps the result uniform.
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let x = rng.next_u64();
        if x < zone {
            return x % n;
        }
    }
}

fn unit_float(vm: &Vm) -> f64 {
    let x = vm.world.rng.borrow_mut().next_u64() >> 11;
    x as f64 / (1u64 << 53) as f64
}

pub fn random_module(_vm: &mut Vm, m: &Rc<Module>) {
    put(m, "seed", |vm, a| {
        let seed = match a.pos.first() {
            None | Some(Val::None) => 0,
            Some(Val::Int(i)) => *i as u64,
            Some(other) => {
                let s = vm.repr(&other.clone())?;
                s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
                })
            }
        };
        *vm.world.rng.borrow_mut() = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
        ok(Val::None)
    });
    put(m, "random", |vm, _a| ok(Val::Float(unit_float(vm))));
    put(m, "uniform", |vm, a| {
        let lo = want_f64(vm, a.pos.first().unwrap_or(&Val::None), "uniform()")?;
        let hi = want_f64(vm, a.pos.get(1).unwrap_or(&Val::None), "uniform()")?;
        ok(Val::Float(lo + (hi - lo) * unit_float(vm)))
    });
    put(m, "randint", |vm, a| {
        let lo = want_int(vm, a.pos.first().unwrap_or(&Val::None), "randint()")?;
        let hi = want_int(vm, a.pos.get(1).unwrap_or(&Val::None), "randint()")?;
        if hi < lo {
            return Err(vm.value_error(format!(
                "empty range for randrange() ({lo}, {}, {})",
                hi + 1,
                hi + 1 - lo
            )));
        }
        let span = (hi - lo) as u64 + 1;
        ok(Val::Int(lo + below(vm, span) as i64))
    });
    put(m, "randrange", |vm, a| {
        let ints: Vec<i64> = a
            .pos
            .iter()
            .map(|v| want_int(vm, v, "randrange()"))
            .collect::<Res<_>>()?;
        let (start, stop, step) = match ints.len() {
            1 => (0, ints[0], 1),
            2 => (ints[0], ints[1], 1),
            3 => (ints[0], ints[1], ints[2]),
            _ => return Err(vm.type_error("randrange expected 1 to 3 arguments")),
        };
        let n = ops::range_len(&[start, stop, step]);
        if n <= 0 {
            return Err(vm.value_error(format!(
                "empty range for randrange() ({start}, {stop}, {})",
                stop - start
            )));
        }
        ok(Val::Int(start + step * below(vm, n as u64) as i64))
    });
    put(m, "choice", |vm, a| {
        let items = vm.collect(a.pos.first().cloned().unwrap_or_default())?;
        if items.is_empty() {
            return Err(vm.exc("IndexError", "Cannot choose from an empty sequence"));
        }
        let i = below(vm, items.len() as u64) as usize;
        ok(items[i].clone())
    });
    put(m, "shuffle", |vm, a| {
        let Some(Val::List(l)) = a.pos.first() else {
            return Err(vm.type_error("shuffle() needs a list"));
        };
        let n = l.borrow().len();
        for i in (1..n).rev() {
            let j = below(vm, i as u64 + 1) as usize;
            l.borrow_mut().swap(i, j);
        }
        ok(Val::None)
    });
    put(m, "sample", |vm, mut a| {
        let k = a.arg(1, "k").unwrap_or_default();
        let k = want_int(vm, &k, "sample()")?;
        let mut pool = vm.collect(a.pos.first().cloned().unwrap_or_default())?;
        if k < 0 || k as usize > pool.len() {
            return Err(vm.value_error("Sample larger than population or is negative"));
        }
        let mut out = Vec::new();
        for _ in 0..k {
            let j = below(vm, pool.len() as u64) as usize;
            out.push(pool.swap_remove(j));
        }
        ok(Val::list(out))
    });
    put(m, "gauss", |vm, a| {
        let mu = want_f64(vm, a.pos.first().unwrap_or(&Val::Float(0.0)), "gauss()")?;
        let sigma = want_f64(vm, a.pos.get(1).unwrap_or(&Val::Float(1.0)), "gauss()")?;
        let (u1, u2) = (unit_float(vm).max(1e-300), unit_float(vm));
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        ok(Val::Float(mu + sigma * z))
    });
}

// ---- math ---------------------------------------------------------------------------------------

fn f1(vm: &Vm, a: &Args, name: &str) -> Res<f64> {
    want_f64(vm, a.pos.first().unwrap_or(&Val::None), name)
}

fn domain(vm: &Vm) -> Val {
    vm.value_error("math domain error")
}

pub fn math_module(_vm: &mut Vm, m: &Rc<Module>) {
    m.set("pi", Val::Float(std::f64::consts::PI));
    m.set("e", Val::Float(std::f64::consts::E));
    m.set("tau", Val::Float(std::f64::consts::TAU));
    m.set("inf", Val::Float(f64::INFINITY));
    m.set("nan", Val::Float(f64::NAN));
    put(m, "sqrt", |vm, a| {
        let x = f1(vm, &a, "sqrt")?;
        if x < 0.0 {
            return Err(domain(vm));
        }
        ok(Val::Float(x.sqrt()))
    });
    put(m, "isqrt", |vm, a| {
        let n = want_int(vm, a.pos.first().unwrap_or(&Val::None), "isqrt()")?;
        if n < 0 {
            return Err(vm.value_error("isqrt() argument must be nonnegative"));
        }
        let mut r = (n as f64).sqrt() as i64;
        while r > 0 && r.checked_mul(r).is_none_or(|sq| sq > n) {
            r -= 1;
        }
        while (r + 1).checked_mul(r + 1).is_some_and(|sq| sq <= n) {
            r += 1;
        }
        ok(Val::Int(r))
    });
    put(m, "floor", |vm, a| {
        let x = a.pos.first().cloned().unwrap_or_default();
        if let Val::Int(i) = x {
            return ok(Val::Int(i));
        }
        let f = want_f64(vm, &x, "floor")?;
        ok(Val::Int(crate::builtins::to_int(
            vm,
            &Val::Float(f.floor()),
            None,
        )?))
    });
    put(m, "ceil", |vm, a| {
        let x = a.pos.first().cloned().unwrap_or_default();
        if let Val::Int(i) = x {
            return ok(Val::Int(i));
        }
        let f = want_f64(vm, &x, "ceil")?;
        ok(Val::Int(crate::builtins::to_int(
            vm,
            &Val::Float(f.ceil()),
            None,
        )?))
    });
    put(m, "trunc", |vm, a| {
        let x = a.pos.first().cloned().unwrap_or_default();
        ok(Val::Int(crate::builtins::to_int(vm, &x, None)?))
    });
    put(m, "fabs", |vm, a| ok(Val::Float(f1(vm, &a, "fabs")?.abs())));
    put(m, "exp", |vm, a| ok(Val::Float(f1(vm, &a, "exp")?.exp())));
    put(m, "log", |vm, a| {
        let x = f1(vm, &a, "log")?;
        if x <= 0.0 {
            return Err(domain(vm));
        }
        match a.pos.get(1) {
            Some(b) => {
                let b = want_f64(vm, b, "log")?;
                ok(Val::Float(x.ln() / b.ln()))
            }
            None => ok(Val::Float(x.ln())),
        }
    });
    put(m, "log2", |vm, a| {
        let x = f1(vm, &a, "log2")?;
        if x <= 0.0 {
            return Err(domain(vm));
        }
        ok(Val::Float(x.log2()))
    });
    put(m, "log10", |vm, a| {
        let x = f1(vm, &a, "log10")?;
        if x <= 0.0 {
            return Err(domain(vm));
        }
        ok(Val::Float(x.log10()))
    });
    put(m, "pow", |vm, a| {
        let x = f1(vm, &a, "pow")?;
        let y = want_f64(vm, a.pos.get(1).unwrap_or(&Val::None), "pow")?;
        ok(Val::Float(x.powf(y)))
    });
    put(m, "sin", |vm, a| ok(Val::Float(f1(vm, &a, "sin")?.sin())));
    put(m, "cos", |vm, a| ok(Val::Float(f1(vm, &a, "cos")?.cos())));
    put(m, "tan", |vm, a| ok(Val::Float(f1(vm, &a, "tan")?.tan())));
    put(m, "atan", |vm, a| {
        ok(Val::Float(f1(vm, &a, "atan")?.atan()))
    });
    put(m, "atan2", |vm, a| {
        let y = f1(vm, &a, "atan2")?;
        let x = want_f64(vm, a.pos.get(1).unwrap_or(&Val::None), "atan2")?;
        ok(Val::Float(y.atan2(x)))
    });
    put(m, "hypot", |vm, a| {
        let mut s = 0.0f64;
        for v in &a.pos {
            let x = want_f64(vm, v, "hypot")?;
            s = s.hypot(x);
        }
        ok(Val::Float(s))
    });
    put(m, "isclose", |vm, mut a| {
        let x = f1(vm, &a, "isclose")?;
        let y = want_f64(vm, a.pos.get(1).unwrap_or(&Val::None), "isclose")?;
        let rel = match a.take_kw("rel_tol") {
            Some(v) => want_f64(vm, &v, "rel_tol")?,
            None => 1e-9,
        };
        let abs = match a.take_kw("abs_tol") {
            Some(v) => want_f64(vm, &v, "abs_tol")?,
            None => 0.0,
        };
        ok(Val::Bool(
            x == y || (x - y).abs() <= (rel * x.abs().max(y.abs())).max(abs),
        ))
    });
    put(m, "isnan", |vm, a| {
        ok(Val::Bool(f1(vm, &a, "isnan")?.is_nan()))
    });
    put(m, "isinf", |vm, a| {
        ok(Val::Bool(f1(vm, &a, "isinf")?.is_infinite()))
    });
    put(m, "gcd", |vm, a| {
        let mut g: i64 = 0;
        for v in &a.pos {
            let mut x = want_int(vm, v, "gcd()")?.unsigned_abs();
            let mut y = g.unsigned_abs();
            while x != 0 {
                let t = y % x;
                y = x;
                x = t;
            }
            g = y as i64;
        }
        ok(Val::Int(g))
    });
    put(m, "factorial", |vm, a| {
        let n = want_int(vm, a.pos.first().unwrap_or(&Val::None), "factorial()")?;
        if n < 0 {
            return Err(vm.value_error("factorial() not defined for negative values"));
        }
        let mut r: i64 = 1;
        for i in 2..=n {
            r = r.checked_mul(i).ok_or_else(|| {
                vm.exc(
                    "OverflowError",
                    format!(
                        "factorial({n}) does not fit in 64 bits (the playground's ints are 64-bit)"
                    ),
                )
            })?;
        }
        ok(Val::Int(r))
    });
    put(m, "prod", |vm, a| {
        let items = vm.collect(a.pos.first().cloned().unwrap_or_default())?;
        let mut acc = Val::Int(1);
        for x in items {
            acc = vm
                .binary_builtin(&acc, crate::ast::BinOp::Mult, &x, false)?
                .ok_or_else(|| vm.type_error("prod() needs numbers"))?;
        }
        ok(acc)
    });
    put(m, "comb", |vm, a| {
        let n = want_int(vm, a.pos.first().unwrap_or(&Val::None), "comb()")?;
        let k = want_int(vm, a.pos.get(1).unwrap_or(&Val::None), "comb()")?;
        if n < 0 || k < 0 {
            return Err(vm.value_error("n must be a non-negative integer"));
        }
        if k > n {
            return ok(Val::Int(0));
        }
        let k = k.min(n - k);
        let mut r: i128 = 1;
        for i in 0..k {
            r = r * i128::from(n - i) / i128::from(i + 1);
            if r > i128::from(i64::MAX) {
                return Err(vm.exc(
                    "OverflowError",
                    "comb() result does not fit in 64 bits (the playground's ints are 64-bit)",
                ));
            }
        }
        ok(Val::Int(r as i64))
    });
    put(m, "perm", |vm, a| {
        let n = want_int(vm, a.pos.first().unwrap_or(&Val::None), "perm()")?;
        let k = match a.pos.get(1) {
            Some(Val::None) | None => n,
            Some(v) => want_int(vm, v, "perm()")?,
        };
        if n < 0 || k < 0 {
            return Err(vm.value_error("n must be a non-negative integer"));
        }
        if k > n {
            return ok(Val::Int(0));
        }
        let mut r: i64 = 1;
        for i in 0..k {
            r = r
                .checked_mul(n - i)
                .ok_or_else(|| vm.exc("OverflowError", "perm() result does not fit in 64 bits"))?;
        }
        ok(Val::Int(r))
    });
    put(m, "degrees", |vm, a| {
        ok(Val::Float(f1(vm, &a, "degrees")?.to_degrees()))
    });
    put(m, "radians", |vm, a| {
        ok(Val::Float(f1(vm, &a, "radians")?.to_radians()))
    });
    put(m, "copysign", |vm, a| {
        let x = f1(vm, &a, "copysign")?;
        let y = want_f64(vm, a.pos.get(1).unwrap_or(&Val::None), "copysign")?;
        ok(Val::Float(x.copysign(y)))
    });
    put(m, "dist", |vm, a| {
        let p = vm.collect(a.pos.first().cloned().unwrap_or_default())?;
        let q = vm.collect(a.pos.get(1).cloned().unwrap_or_default())?;
        if p.len() != q.len() {
            return Err(vm.value_error("both points must have the same number of dimensions"));
        }
        let mut s = 0.0f64;
        for (x, y) in p.iter().zip(&q) {
            let d = want_f64(vm, x, "dist")? - want_f64(vm, y, "dist")?;
            s = s.hypot(d);
        }
        ok(Val::Float(s))
    });
    put(m, "asin", |vm, a| {
        ok(Val::Float(f1(vm, &a, "asin")?.asin()))
    });
    put(m, "acos", |vm, a| {
        ok(Val::Float(f1(vm, &a, "acos")?.acos()))
    });
    put(m, "fsum", |vm, a| {
        let items = vm.collect(a.pos.first().cloned().unwrap_or_default())?;
        // Neumaier summation: exact enough to match CPython's fsum on ordinary inputs.
        let (mut s, mut c) = (0.0f64, 0.0f64);
        for x in items {
            let x = want_f64(vm, &x, "fsum")?;
            let t = s + x;
            c += if s.abs() >= x.abs() {
                (s - t) + x
            } else {
                (x - t) + s
            };
            s = t;
        }
        ok(Val::Float(s + c))
    });
}

// ---- json ---------------------------------------------------------------------------------------

fn json_str(s: &str, ascii: bool) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if ascii && (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

struct JsonOpts {
    indent: Option<String>,
    item_sep: String,
    key_sep: String,
    sort_keys: bool,
    ascii: bool,
}

fn json_dump(vm: &mut Vm, v: &Val, o: &JsonOpts, level: usize, out: &mut String) -> Res<()> {
    if level > 200 {
        return Err(vm.exc(
            "RecursionError",
            "maximum recursion depth exceeded while encoding a JSON object",
        ));
    }
    let nl = |out: &mut String, level: usize| {
        if let Some(ind) = &o.indent {
            out.push('\n');
            for _ in 0..level {
                out.push_str(ind);
            }
        }
    };
    match v {
        Val::None => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Int(i) => out.push_str(&i.to_string()),
        Val::Float(f) => {
            if f.is_nan() {
                out.push_str("NaN");
            } else if f.is_infinite() {
                out.push_str(if *f > 0.0 { "Infinity" } else { "-Infinity" });
            } else {
                out.push_str(&format::float_repr(*f));
            }
        }
        Val::Str(s) => out.push_str(&json_str(s, o.ascii)),
        Val::List(_) | Val::Tuple(_) => {
            let items = vm.collect(v.clone())?;
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(&o.item_sep);
                }
                nl(out, level + 1);
                json_dump(vm, x, o, level + 1, out)?;
            }
            nl(out, level);
            out.push(']');
        }
        Val::Dict(d) => {
            let mut items: Vec<(Val, Val)> = d
                .borrow()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if items.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            if o.sort_keys {
                let keys: Vec<Val> = items.iter().map(|(k, _)| k.clone()).collect();
                let sorted = crate::builtins::sort_values(vm, keys, None, false)?;
                let mut re = Vec::with_capacity(items.len());
                for k in sorted {
                    if let Some(p) = items.iter().position(|(kk, _)| kk.is(&k)) {
                        re.push(items.remove(p));
                    }
                }
                items = re;
            }
            out.push('{');
            for (i, (k, x)) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(&o.item_sep);
                }
                nl(out, level + 1);
                let ks = match k {
                    Val::Str(s) => s.to_string(),
                    Val::Int(i) => i.to_string(),
                    Val::Float(f) => format::float_repr(*f),
                    Val::Bool(b) => (if *b { "true" } else { "false" }).to_string(),
                    Val::None => "null".to_string(),
                    other => {
                        let tn = vm.world.type_name(other);
                        return Err(vm.type_error(format!(
                            "keys must be str, int, float, bool or None, not {tn}"
                        )));
                    }
                };
                out.push_str(&json_str(&ks, o.ascii));
                out.push_str(&o.key_sep);
                json_dump(vm, x, o, level + 1, out)?;
            }
            nl(out, level);
            out.push('}');
        }
        other => {
            let tn = vm.world.type_name(other);
            return Err(vm.type_error(format!("Object of type {tn} is not JSON serializable")));
        }
    }
    Ok(())
}

pub fn json_module(_vm: &mut Vm, m: &Rc<Module>) {
    put(m, "dumps", |vm, mut a| {
        let indent = match a.take_kw("indent") {
            None | Some(Val::None) => None,
            Some(Val::Int(n)) => Some(" ".repeat(n.max(0) as usize)),
            Some(Val::Str(s)) => Some(s.to_string()),
            Some(_) => return Err(vm.type_error("indent must be an int or a string")),
        };
        let sort_keys = match a.take_kw("sort_keys") {
            Some(v) => vm.truthy(&v)?,
            None => false,
        };
        let ascii = match a.take_kw("ensure_ascii") {
            Some(v) => vm.truthy(&v)?,
            None => true,
        };
        let (mut item_sep, mut key_sep) = if indent.is_some() {
            (",".to_string(), ": ".to_string())
        } else {
            (", ".to_string(), ": ".to_string())
        };
        if let Some(Val::Tuple(t)) = a.take_kw("separators")
            && let (Some(Val::Str(i)), Some(Val::Str(k))) = (t.first(), t.get(1))
        {
            item_sep = i.to_string();
            key_sep = k.to_string();
        }
        let _ = a.take_kw("default");
        let o = JsonOpts {
            indent,
            item_sep,
            key_sep,
            sort_keys,
            ascii,
        };
        let mut out = String::new();
        let v = a.pos.first().cloned().unwrap_or_default();
        json_dump(vm, &v, &o, 0, &mut out)?;
        ok(Val::str(&out))
    });
    put(m, "loads", |vm, a| {
        let s = want_str(vm, a.pos.first().unwrap_or(&Val::None), "the JSON object")?;
        let v: serde_json::Value = serde_json::from_str(&s)
            .map_err(|e| vm.exc("ValueError", format!("Expecting value: {e}")))?;
        fn conv(vm: &mut Vm, v: serde_json::Value) -> Res<Val> {
            Ok(match v {
                serde_json::Value::Null => Val::None,
                serde_json::Value::Bool(b) => Val::Bool(b),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(i) => Val::Int(i),
                    None => Val::Float(n.as_f64().unwrap_or(0.0)),
                },
                serde_json::Value::String(s) => Val::str(&s),
                serde_json::Value::Array(items) => {
                    let mut out = Vec::new();
                    for x in items {
                        out.push(conv(vm, x)?);
                    }
                    Val::list(out)
                }
                serde_json::Value::Object(map) => {
                    let mut d = Dict::new();
                    for (k, x) in map {
                        let kv = Val::str(&k);
                        let key = vm.key(&kv)?;
                        let x = conv(vm, x)?;
                        d.insert(key, kv, x);
                    }
                    Val::dict(d)
                }
            })
        }
        ok(conv(vm, v)?)
    });
}

// ---- sys, os ----------------------------------------------------------------------------------

fn stream(vm: &Vm, name: &str) -> Val {
    Val::Obj(Rc::new(Instance {
        class: vm.world.class("_stream"),
        attrs: RefCell::new(Attrs::default()),
        payload: RefCell::new(Payload::Data(Val::str(name))),
    }))
}

/// The class of `sys.stdout` / `sys.stderr`.
pub fn install_streams(t: &mut crate::world::Types) {
    let c = crate::builtins::native_class(t, "_stream", "_io");
    crate::builtins::set(&c, "write", |vm, a| {
        let to_err = matches!(a.pos.first(), Some(Val::Obj(o)) if matches!(&*o.payload.borrow(), Payload::Data(Val::Str(s)) if &**s == "stderr"));
        let text = want_str(vm, a.pos.get(1).unwrap_or(&Val::None), "write() argument")?;
        let n = text.chars().count() as i64;
        crate::builtins::write_console(vm, &text, to_err)?;
        ok(Val::Int(n))
    });
    crate::builtins::set(&c, "flush", |_vm, _a| ok(Val::None));
    t.by_name.insert("_stream", c);
}

pub fn sys_module(vm: &mut Vm, m: &Rc<Module>) {
    m.set(
        "argv",
        Val::list(vec![Val::Str(vm.world.shared.filename.clone())]),
    );
    m.set("version", Val::str("3.11.7 (interleave playground)"));
    m.set(
        "version_info",
        Val::tuple(vec![
            Val::Int(3),
            Val::Int(11),
            Val::Int(7),
            Val::str("final"),
            Val::Int(0),
        ]),
    );
    m.set("platform", Val::str("linux"));
    m.set("maxsize", Val::Int(i64::MAX));
    m.set("byteorder", Val::str("little"));
    m.set("stdout", stream(vm, "stdout"));
    m.set("stderr", stream(vm, "stderr"));
    put(m, "getswitchinterval", |vm, _a| {
        ok(Val::Float(vm.world.switch_interval_s))
    });
    put(m, "setswitchinterval", |vm, _a| {
        Err(vm.exc(
            "RuntimeError",
            "not supported in the playground: sys.setswitchinterval() (set the machine's switch interval instead)",
        ))
    });
    put(m, "getrecursionlimit", |_vm, _a| {
        ok(Val::Int(crate::vm::MAX_FRAMES as i64))
    });
    put(m, "setrecursionlimit", |_vm, _a| ok(Val::None));
    put(m, "exit", |vm, a| {
        let code = a.pos.first().cloned().unwrap_or(Val::None);
        Err(vm.world.new_exc_args(
            "SystemExit",
            if matches!(code, Val::None) {
                vec![]
            } else {
                vec![code]
            },
        ))
    });
    put(m, "exc_info", |vm, _a| {
        let e = vm.exc_info.last().cloned();
        ok(match e {
            Some(e) => Val::tuple(vec![Val::Class(vm.world.class_of(&e)), e, Val::None]),
            None => Val::tuple(vec![Val::None, Val::None, Val::None]),
        })
    });
    put(m, "getsizeof", |vm, a| {
        let v = a.pos.first().cloned().unwrap_or_default();
        let n = match &v {
            Val::Int(_) => 28,
            Val::Float(_) => 24,
            Val::Str(s) => 49 + s.len() as i64,
            Val::List(l) => 56 + 8 * l.borrow().len() as i64,
            Val::Tuple(t) => 40 + 8 * t.len() as i64,
            _ => 64,
        };
        let _ = vm;
        ok(Val::Int(n))
    });
}

pub fn os_module(vm: &mut Vm, m: &Rc<Module>) {
    put(m, "getpid", |vm, _a| ok(Val::Int(vm.world.pid)));
    put(m, "getppid", |vm, _a| ok(Val::Int(vm.world.ppid)));
    put(m, "cpu_count", |vm, _a| {
        ok(Val::Int(i64::from(vm.world.shared.cores)))
    });
    put(m, "getcwd", |_vm, _a| ok(Val::str("/playground")));
    m.set("sep", Val::str("/"));
    m.set("linesep", Val::str("\n"));
    m.set("name", Val::str("posix"));
    m.set("environ", Val::dict(Dict::new()));
    put(m, "getenv", |_vm, a| {
        ok(a.pos.get(1).cloned().unwrap_or_default())
    });
    for name in [
        "fork", "system", "kill", "remove", "mkdir", "listdir", "popen", "execv",
    ] {
        m.set(name, native("os.unsupported", |vm, _a| {
            Err(vm.exc("OSError", "not supported in the playground: this os function (there are no real processes or files)"))
        }));
    }
    if let Ok(p) = vm.import_module("os.path") {
        m.set("path", p);
    }
}

pub fn os_path_module(_vm: &mut Vm, m: &Rc<Module>) {
    put(m, "join", |vm, a| {
        let mut out = String::new();
        for p in &a.pos {
            let s = want_str(vm, p, "join() argument")?;
            if s.starts_with('/') {
                out = s.to_string();
            } else {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&s);
            }
        }
        ok(Val::str(&out))
    });
    put(m, "basename", |vm, a| {
        let s = want_str(
            vm,
            a.pos.first().unwrap_or(&Val::None),
            "basename() argument",
        )?;
        ok(Val::str(s.rsplit('/').next().unwrap_or("")))
    });
    put(m, "exists", |_vm, _a| ok(Val::Bool(false)));
}

// ---- itertools ----------------------------------------------------------------------------------

fn new_iter(it: Iter) -> Val {
    Val::Iter(Rc::new(RefCell::new(it)))
}

pub fn itertools_module(_vm: &mut Vm, m: &Rc<Module>) {
    put(m, "count", |vm, mut a| {
        let start = match a.arg(0, "start") {
            Some(v) => want_int(vm, &v, "count()")?,
            None => 0,
        };
        let step = match a.arg(1, "step") {
            Some(v) => want_int(vm, &v, "count()")?,
            None => 1,
        };
        ok(new_iter(Iter::Count { next: start, step }))
    });
    put(m, "cycle", |vm, a| {
        let items = vm.collect(a.pos.first().cloned().unwrap_or_default())?;
        ok(new_iter(Iter::Cycle { items, pos: 0 }))
    });
    put(m, "repeat", |vm, a| {
        let x = a.pos.first().cloned().unwrap_or_default();
        match a.pos.get(1) {
            Some(n) => {
                let n = want_int(vm, n, "repeat()")?.max(0) as usize;
                if n > vm.world.shared.max_items {
                    return Err(vm.limit_error("repeat", n));
                }
                ok(new_iter(Iter::Vec(vec![x; n].into_iter())))
            }
            None => ok(new_iter(Iter::Cycle {
                items: vec![x],
                pos: 0,
            })),
        }
    });
    put(m, "islice", |vm, a| {
        let it = vm.get_iter(a.pos.first().cloned().unwrap_or_default())?;
        let ints: Vec<Option<i64>> = a.pos[1..]
            .iter()
            .map(|v| match v {
                Val::None => Ok(None),
                other => want_int(vm, other, "islice()").map(Some),
            })
            .collect::<Res<_>>()?;
        let (start, stop, step) = match ints.len() {
            1 => (0, ints[0], 1),
            2 => (ints[0].unwrap_or(0), ints[1], 1),
            _ => (
                ints.first().copied().flatten().unwrap_or(0),
                ints.get(1).copied().flatten(),
                ints.get(2).copied().flatten().unwrap_or(1),
            ),
        };
        let Some(stop) = stop else {
            return Err(vm.exc(
                "ValueError",
                "not supported in the playground: islice() without a stop",
            ));
        };
        let mut out = Vec::new();
        let mut i = 0;
        while i < stop {
            match vm.next_of(&it)? {
                Some(v) => {
                    if i >= start && (i - start) % step.max(1) == 0 {
                        out.push(v);
                    }
                }
                None => break,
            }
            i += 1;
        }
        ok(new_iter(Iter::Vec(out.into_iter())))
    });
    put(m, "chain", |vm, a| {
        let mut out = Vec::new();
        for x in a.pos {
            out.extend(vm.collect(x)?);
        }
        ok(new_iter(Iter::Vec(out.into_iter())))
    });
    put(m, "product", |vm, mut a| {
        let repeat = match a.take_kw("repeat") {
            Some(r) => want_int(vm, &r, "product()")?.max(0) as usize,
            None => 1,
        };
        let mut pools = Vec::new();
        for x in a.pos {
            pools.push(vm.collect(x)?);
        }
        let pools: Vec<Vec<Val>> = (0..repeat).flat_map(|_| pools.clone()).collect();
        let mut out: Vec<Vec<Val>> = vec![vec![]];
        for p in &pools {
            let mut next = Vec::new();
            for prefix in &out {
                for x in p {
                    let mut t = prefix.clone();
                    t.push(x.clone());
                    next.push(t);
                }
            }
            if next.len() > vm.world.shared.max_items {
                return Err(vm.limit_error("product", next.len()));
            }
            out = next;
        }
        ok(new_iter(Iter::Vec(
            out.into_iter()
                .map(Val::tuple)
                .collect::<Vec<_>>()
                .into_iter(),
        )))
    });
    put(m, "permutations", |vm, a| {
        let items = vm.collect(a.pos.first().cloned().unwrap_or_default())?;
        let r = match a.pos.get(1) {
            Some(Val::None) | None => items.len(),
            Some(v) => want_int(vm, v, "permutations()")?.max(0) as usize,
        };
        let mut out = Vec::new();
        fn rec(
            items: &[Val],
            r: usize,
            used: &mut Vec<bool>,
            cur: &mut Vec<Val>,
            out: &mut Vec<Val>,
            max: usize,
        ) {
            if out.len() > max {
                return;
            }
            if cur.len() == r {
                out.push(Val::tuple(cur.clone()));
                return;
            }
            for i in 0..items.len() {
                if !used[i] {
                    used[i] = true;
                    cur.push(items[i].clone());
                    rec(items, r, used, cur, out, max);
                    cur.pop();
                    used[i] = false;
                }
            }
        }
        if r <= items.len() && items.len() <= 12 {
            rec(
                &items,
                r,
                &mut vec![false; items.len()],
                &mut Vec::new(),
                &mut out,
                vm.world.shared.max_items,
            );
        } else if r <= items.len() {
            return Err(vm.limit_error("permutations", usize::MAX));
        }
        ok(new_iter(Iter::Vec(out.into_iter())))
    });
    put(m, "combinations", |vm, a| {
        let items = vm.collect(a.pos.first().cloned().unwrap_or_default())?;
        let r = want_int(vm, a.pos.get(1).unwrap_or(&Val::None), "combinations()")?.max(0) as usize;
        let mut out = Vec::new();
        fn rec(
            items: &[Val],
            r: usize,
            start: usize,
            cur: &mut Vec<Val>,
            out: &mut Vec<Val>,
            max: usize,
        ) {
            if out.len() > max {
                return;
            }
            if cur.len() == r {
                out.push(Val::tuple(cur.clone()));
                return;
            }
            for i in start..items.len() {
                cur.push(items[i].clone());
                rec(items, r, i + 1, cur, out, max);
                cur.pop();
            }
        }
        rec(
            &items,
            r,
            0,
            &mut Vec::new(),
            &mut out,
            vm.world.shared.max_items,
        );
        ok(new_iter(Iter::Vec(out.into_iter())))
    });
    put(m, "accumulate", |vm, a| {
        let items = vm.collect(a.pos.first().cloned().unwrap_or_default())?;
        let f = a.pos.get(1).cloned();
        let mut out: Vec<Val> = Vec::new();
        for x in items {
            let next = match out.last() {
                None => x,
                Some(prev) => match &f {
                    Some(f) => vm.call_nested(f.clone(), Args::new(vec![prev.clone(), x]))?,
                    None => vm
                        .binary_builtin(prev, crate::ast::BinOp::Add, &x, false)?
                        .ok_or_else(|| vm.type_error("accumulate() needs numbers"))?,
                },
            };
            out.push(next);
        }
        ok(new_iter(Iter::Vec(out.into_iter())))
    });
}

// ---- Python preludes and small modules ----------------------------------------------------------

pub fn functools_module(vm: &mut Vm, m: &Rc<Module>) -> Res<()> {
    vm.run_prelude(m, include_str!("prelude/functools.py"), "functools")
}

pub fn collections_module(vm: &mut Vm, m: &Rc<Module>) -> Res<()> {
    vm.run_prelude(m, include_str!("prelude/collections.py"), "collections")
}

pub fn string_module(_vm: &mut Vm, m: &Rc<Module>) {
    m.set("ascii_lowercase", Val::str("abcdefghijklmnopqrstuvwxyz"));
    m.set("ascii_uppercase", Val::str("ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
    m.set(
        "ascii_letters",
        Val::str("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    );
    m.set("digits", Val::str("0123456789"));
    m.set("hexdigits", Val::str("0123456789abcdefABCDEF"));
    m.set(
        "punctuation",
        Val::str("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    );
}

const SMALL_PRELUDE: &str = r#"
def _identity(x):
    return x
"#;

pub fn small_module(vm: &mut Vm, name: &str, m: &Rc<Module>) -> Res<()> {
    match name {
        "typing" => {
            let obj = Val::Class(vm.world.class("object"));
            for n in [
                "Any",
                "List",
                "Dict",
                "Tuple",
                "Set",
                "Optional",
                "Union",
                "Callable",
                "Iterable",
                "Iterator",
                "Generator",
                "Sequence",
                "Mapping",
                "TypeVar",
                "Awaitable",
                "Coroutine",
            ] {
                m.set(n, obj.clone());
            }
        }
        "__future__" => {
            m.set("annotations", Val::None);
        }
        "abc" => {
            m.set("ABC", Val::Class(vm.world.class("object")));
            vm.run_prelude(m, "def abstractmethod(f):\n    return f\n", "abc")?;
        }
        "copy" => {
            put(m, "copy", |_vm, a| {
                let v = a.pos.first().cloned().unwrap_or_default();
                ok(match &v {
                    Val::List(l) => Val::list(l.borrow().clone()),
                    Val::Dict(d) => Val::dict(d.borrow().clone()),
                    Val::Set(d) => Val::Set(Rc::new(RefCell::new(d.borrow().clone()))),
                    Val::Obj(o) => Val::Obj(Rc::new(Instance {
                        class: o.class.clone(),
                        attrs: RefCell::new(o.attrs.borrow().clone()),
                        payload: RefCell::new(Payload::None),
                    })),
                    _ => v.clone(),
                })
            });
            put(m, "deepcopy", |vm, a| {
                let v = a.pos.first().cloned().unwrap_or_default();
                ok(crate::fork::deep_copy(vm, &v))
            });
        }
        "operator" => {
            vm.run_prelude(
                m,
                "def add(a, b):\n    return a + b\n\ndef sub(a, b):\n    return a - b\n\ndef mul(a, b):\n    return a * b\n\ndef truediv(a, b):\n    return a / b\n\ndef floordiv(a, b):\n    return a // b\n\ndef neg(a):\n    return -a\n\ndef itemgetter(*keys):\n    if len(keys) == 1:\n        k = keys[0]\n        return lambda obj: obj[k]\n    return lambda obj: tuple(obj[k] for k in keys)\n\ndef attrgetter(name):\n    return lambda obj: getattr(obj, name)\n",
                "operator",
            )?;
        }
        "atexit" => {
            put(m, "register", |vm, a| {
                let f = a.pos.first().cloned().unwrap_or_default();
                let rest: Vec<Val> = a.pos.iter().skip(1).cloned().collect();
                vm.world.atexit.borrow_mut().push((f.clone(), rest));
                ok(f)
            });
        }
        "traceback" => {
            put(m, "print_exc", |vm, _a| {
                let e = vm.exc_info.last().cloned();
                if let Some(e) = e {
                    let text = crate::runner::format_exception(vm, &e);
                    return crate::builtins::write_console(vm, &text, true);
                }
                ok(Val::None)
            });
            put(m, "format_exception", |vm, a| {
                // format_exception(exc) or format_exception(type, value, tb): one string
                // holding the whole report, in a list.
                let e = match a.pos.len() {
                    1 => a.pos[0].clone(),
                    _ => a.pos.get(1).cloned().unwrap_or_default(),
                };
                let text = if matches!(e, Val::None) {
                    "NoneType: None\n".to_string()
                } else {
                    crate::runner::format_exception(vm, &e)
                };
                ok(Val::list(vec![Val::str(&text)]))
            });
            put(m, "format_exc", |vm, _a| {
                let e = vm.exc_info.last().cloned();
                ok(Val::str(&match e {
                    Some(e) => crate::runner::format_exception(vm, &e),
                    None => "NoneType: None\n".to_string(),
                }))
            });
        }
        "warnings" => {
            put(m, "warn", |_vm, _a| ok(Val::None));
            put(m, "filterwarnings", |_vm, _a| ok(Val::None));
            put(m, "simplefilter", |_vm, _a| ok(Val::None));
        }
        "contextlib" => {
            vm.run_prelude(m, CONTEXTLIB, "contextlib")?;
        }
        "statistics" => {
            vm.run_prelude(m, "def mean(xs):\n    xs = list(xs)\n    return sum(xs) / len(xs)\n\ndef median(xs):\n    xs = sorted(xs)\n    n = len(xs)\n    if n % 2:\n        return xs[n // 2]\n    return (xs[n // 2 - 1] + xs[n // 2]) / 2\n", "statistics")?;
        }
        _ => {
            vm.run_prelude(m, SMALL_PRELUDE, name)?;
        }
    }
    Ok(())
}

const CONTEXTLIB: &str = r#"
class _GeneratorContextManager:
    def __init__(self, gen):
        self.gen = gen

    def __enter__(self):
        return next(self.gen)

    def __exit__(self, typ, value, tb):
        if typ is None:
            try:
                next(self.gen)
            except StopIteration:
                return False
            raise RuntimeError("generator didn't stop")
        try:
            self.gen.throw(value)
        except StopIteration:
            return True
        except BaseException as e:
            if e is value:
                return False
            raise
        raise RuntimeError("generator didn't stop after throw()")


def contextmanager(func):
    def helper(*args, **kwds):
        return _GeneratorContextManager(func(*args, **kwds))
    return helper


class suppress:
    def __init__(self, *exceptions):
        self._exceptions = exceptions

    def __enter__(self):
        pass

    def __exit__(self, typ, value, tb):
        return typ is not None and issubclass(typ, self._exceptions)
"#;
