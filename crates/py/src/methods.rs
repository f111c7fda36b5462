//! Methods of the built-in types: `str`, `list`, `dict`, `set`, `tuple`, `int`, `float`,
//! `bytes`, generators, `object` and `BaseException`, with CPython's behaviour and messages.

use std::cell::RefCell;
use std::rc::Rc;

use crate::builtins::{arity, dict_update_from, native, set, sort_values, want_int, want_str};
use crate::format;
use crate::obj::*;
use crate::ops;
use crate::vm::{Args, Flow, Res, Vm};
use crate::world::Types;

fn ok(v: Val) -> Res<Flow> {
    Ok(Flow::Val(v))
}

/// Registers every method.
pub fn install(t: &Types) {
    let s = t.get("str");
    for (n, f) in STR_METHODS {
        set(&s, n, *f);
    }
    let l = t.get("list");
    for (n, f) in LIST_METHODS {
        set(&l, n, *f);
    }
    let d = t.get("dict");
    for (n, f) in DICT_METHODS {
        set(&d, n, *f);
    }
    d.dict.borrow_mut().set(
        Rc::from("fromkeys"),
        Val::ClassMethod(Rc::new(native("fromkeys", dict_fromkeys))),
    );
    for name in ["set", "frozenset"] {
        let c = t.get(name);
        for (n, f) in SET_METHODS {
            // A frozenset has no methods that change it.
            let mutates = matches!(
                *n,
                "add"
                    | "remove"
                    | "discard"
                    | "pop"
                    | "clear"
                    | "update"
                    | "intersection_update"
                    | "difference_update"
                    | "symmetric_difference_update"
            );
            if name == "frozenset" && mutates {
                continue;
            }
            set(&c, n, *f);
        }
    }
    let tu = t.get("tuple");
    set(&tu, "index", seq_index);
    set(&tu, "count", seq_count);
    let i = t.get("int");
    set(&i, "bit_length", int_bit_length);
    set(&i, "__index__", int_index);
    let fl = t.get("float");
    set(&fl, "is_integer", float_is_integer);
    set(&fl, "as_integer_ratio", float_as_integer_ratio);
    let b = t.get("bytes");
    set(&b, "decode", bytes_decode);
    for name in ["generator", "coroutine"] {
        let g = t.get(name);
        set(&g, "send", gen_send);
        set(&g, "throw", gen_throw);
        set(&g, "close", gen_close);
        set(&g, "__next__", gen_next);
        set(&g, "__iter__", identity);
    }
    // An async generator's methods return awaitables (coroutines of the Python built-ins);
    // its generator half (`send`, `close`) is what they drive.
    let ag = t.get("async_generator");
    set(&ag, "send", gen_send);
    set(&ag, "throw", gen_throw);
    set(&ag, "close", gen_close);
    set(&ag, "__aiter__", identity);
    set(&ag, "__anext__", |vm, a| {
        vm.pyb_call(
            "_agen_asend",
            Args::new(vec![this_agen(vm, &a)?, Val::None]),
        )
    });
    set(&ag, "asend", |vm, a| {
        let v = a.pos.get(1).cloned().unwrap_or_default();
        vm.pyb_call("_agen_asend", Args::new(vec![this_agen(vm, &a)?, v]))
    });
    set(&ag, "athrow", |vm, a| {
        let e = a.pos.get(1).cloned().unwrap_or_default();
        vm.pyb_call("_agen_athrow", Args::new(vec![this_agen(vm, &a)?, e]))
    });
    set(&ag, "aclose", |vm, a| {
        vm.pyb_call("_agen_aclose", Args::new(vec![this_agen(vm, &a)?]))
    });
    let it = t.get("iterator");
    set(&it, "__next__", iter_next);
    set(&it, "__iter__", identity);
    let o = t.get("object");
    set(&o, "__init__", object_init);
    set(&o, "__repr__", object_repr);
    set(&o, "__str__", object_str);
    set(&o, "__eq__", object_eq);
    set(&o, "__ne__", object_ne);
    set(&o, "__hash__", object_hash);
    set(&o, "__setattr__", object_setattr);
    let e = t.get("BaseException");
    set(&e, "__init__", exc_init);
    set(&e, "with_traceback", identity);
    set(&e, "add_note", exc_add_note);
    let sl = t.get("slice");
    set(&sl, "indices", slice_indices_method);
    let p = t.get("property");
    set(&p, "setter", property_setter);
    set(&p, "getter", property_getter);
    set(&p, "deleter", property_deleter);
}

fn this_str(vm: &Vm, args: &Args) -> Res<Rc<str>> {
    match args.pos.first() {
        Some(Val::Str(s)) => Ok(s.clone()),
        _ => Err(vm.type_error("descriptor requires a 'str' object")),
    }
}

fn this_list(vm: &Vm, args: &Args) -> Res<Rc<RefCell<Vec<Val>>>> {
    match args.pos.first() {
        Some(Val::List(l)) => Ok(l.clone()),
        _ => Err(vm.type_error("descriptor requires a 'list' object")),
    }
}

fn this_dict(vm: &Vm, args: &Args) -> Res<Rc<RefCell<Dict>>> {
    match args.pos.first() {
        Some(Val::Dict(d)) | Some(Val::Set(d)) => Ok(d.clone()),
        _ => Err(vm.type_error("descriptor requires a 'dict' object")),
    }
}

fn opt_str_arg(vm: &Vm, args: &Args, i: usize, what: &str) -> Res<Option<Rc<str>>> {
    match args.pos.get(i) {
        None | Some(Val::None) => Ok(None),
        Some(v) => want_str(vm, v, what).map(Some),
    }
}

type M = (&'static str, crate::vm::NativeFn);

const STR_METHODS: &[M] = &[
    ("upper", |vm, a| {
        ok(Val::str(&this_str(vm, &a)?.to_uppercase()))
    }),
    ("lower", |vm, a| {
        ok(Val::str(&this_str(vm, &a)?.to_lowercase()))
    }),
    ("casefold", |vm, a| {
        ok(Val::str(&this_str(vm, &a)?.to_lowercase()))
    }),
    ("strip", |vm, a| strip(vm, a, 0)),
    ("lstrip", |vm, a| strip(vm, a, 1)),
    ("rstrip", |vm, a| strip(vm, a, 2)),
    ("split", |vm, a| split(vm, a, false)),
    ("rsplit", |vm, a| split(vm, a, true)),
    ("splitlines", str_splitlines),
    ("join", str_join),
    ("replace", str_replace),
    ("startswith", |vm, a| str_affix(vm, a, true)),
    ("endswith", |vm, a| str_affix(vm, a, false)),
    ("find", |vm, a| str_find(vm, a, false, false)),
    ("rfind", |vm, a| str_find(vm, a, true, false)),
    ("index", |vm, a| str_find(vm, a, false, true)),
    ("rindex", |vm, a| str_find(vm, a, true, true)),
    ("count", str_count),
    ("format", str_format),
    ("zfill", str_zfill),
    ("center", |vm, a| str_pad(vm, a, '^')),
    ("ljust", |vm, a| str_pad(vm, a, '<')),
    ("rjust", |vm, a| str_pad(vm, a, '>')),
    ("partition", |vm, a| str_partition(vm, a, false)),
    ("rpartition", |vm, a| str_partition(vm, a, true)),
    ("isdigit", |vm, a| str_test(vm, a, |c| c.is_ascii_digit())),
    ("isdecimal", |vm, a| str_test(vm, a, |c| c.is_ascii_digit())),
    ("isnumeric", |vm, a| str_test(vm, a, char::is_numeric)),
    ("isalpha", |vm, a| str_test(vm, a, char::is_alphabetic)),
    ("isalnum", |vm, a| str_test(vm, a, char::is_alphanumeric)),
    ("isspace", |vm, a| str_test(vm, a, char::is_whitespace)),
    ("isupper", str_isupper),
    ("islower", str_islower),
    ("isidentifier", str_isidentifier),
    ("title", str_title),
    ("capitalize", str_capitalize),
    ("swapcase", str_swapcase),
    ("encode", |vm, a| {
        ok(Val::Bytes(Rc::from(this_str(vm, &a)?.as_bytes())))
    }),
    ("removeprefix", |vm, a| {
        let s = this_str(vm, &a)?;
        let p = want_str(
            vm,
            a.pos.get(1).unwrap_or(&Val::None),
            "removeprefix() argument",
        )?;
        ok(Val::str(s.strip_prefix(&*p).unwrap_or(&s)))
    }),
    ("removesuffix", |vm, a| {
        let s = this_str(vm, &a)?;
        let p = want_str(
            vm,
            a.pos.get(1).unwrap_or(&Val::None),
            "removesuffix() argument",
        )?;
        ok(Val::str(s.strip_suffix(&*p).unwrap_or(&s)))
    }),
    ("__len__", |vm, a| {
        ok(Val::Int(this_str(vm, &a)?.chars().count() as i64))
    }),
];

fn strip(vm: &mut Vm, a: Args, side: u8) -> Res<Flow> {
    let s = this_str(vm, &a)?;
    let chars = opt_str_arg(vm, &a, 1, "strip arg")?;
    let pred = |c: char| match &chars {
        Some(cs) => cs.contains(c),
        None => c.is_whitespace(),
    };
    let r = match side {
        0 => s.trim_matches(pred),
        1 => s.trim_start_matches(pred),
        _ => s.trim_end_matches(pred),
    };
    ok(Val::str(r))
}

fn split(vm: &mut Vm, mut a: Args, from_right: bool) -> Res<Flow> {
    let maxsplit = match a.take_kw("maxsplit").or_else(|| a.pos.get(2).cloned()) {
        Some(m) => want_int(vm, &m, "maxsplit")?,
        None => -1,
    };
    let sep = match a.take_kw("sep") {
        Some(v) => match v {
            Val::None => None,
            v => Some(want_str(vm, &v, "sep")?),
        },
        None => opt_str_arg(vm, &a, 1, "must be str or None")?,
    };
    let s = this_str(vm, &a)?;
    let parts: Vec<String> = match &sep {
        Some(sep) if sep.is_empty() => return Err(vm.value_error("empty separator")),
        Some(sep) => {
            if maxsplit < 0 {
                s.split(&**sep).map(String::from).collect()
            } else if from_right {
                let mut v: Vec<String> = s
                    .rsplitn(maxsplit as usize + 1, &**sep)
                    .map(String::from)
                    .collect();
                v.reverse();
                v
            } else {
                s.splitn(maxsplit as usize + 1, &**sep)
                    .map(String::from)
                    .collect()
            }
        }
        None => {
            // Runs of whitespace; leading/trailing whitespace gives no empty strings.
            let mut out: Vec<String> = Vec::new();
            if maxsplit < 0 {
                out = s.split_whitespace().map(String::from).collect();
            } else if !from_right {
                let mut rest = s.trim_start();
                let mut n = 0;
                while !rest.is_empty() {
                    if n == maxsplit {
                        out.push(rest.to_string());
                        break;
                    }
                    match rest.find(char::is_whitespace) {
                        Some(i) => {
                            out.push(rest[..i].to_string());
                            rest = rest[i..].trim_start();
                        }
                        None => {
                            out.push(rest.to_string());
                            break;
                        }
                    }
                    n += 1;
                }
            } else {
                let mut rest = s.trim_end();
                let mut n = 0;
                while !rest.is_empty() {
                    if n == maxsplit {
                        out.push(rest.to_string());
                        break;
                    }
                    match rest.rfind(char::is_whitespace) {
                        Some(i) => {
                            let w = rest[i..].chars().next().map_or(1, char::len_utf8);
                            out.push(rest[i + w..].to_string());
                            rest = rest[..i].trim_end();
                        }
                        None => {
                            out.push(rest.to_string());
                            break;
                        }
                    }
                    n += 1;
                }
                out.reverse();
            }
            out
        }
    };
    ok(Val::list(parts.iter().map(|p| Val::str(p)).collect()))
}

fn str_splitlines(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = this_str(vm, &a)?;
    let keep = match a.pos.get(1) {
        Some(v) => vm.truthy(&v.clone())?,
        None => false,
    };
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' || c == '\r' {
            let mut end = c.to_string();
            if c == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
                end.push('\n');
            }
            if keep {
                cur.push_str(&end);
            }
            out.push(Val::str(&std::mem::take(&mut cur)));
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push(Val::str(&cur));
    }
    ok(Val::list(out))
}

fn str_join(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = this_str(vm, &a)?;
    arity(vm, &a, "join", 2, 2)?;
    if crate::modules::is_lazy(&a.pos[1]) {
        return vm.pyb_call("_join", a);
    }
    let items = vm.collect(a.pos[1].clone())?;
    let mut out = String::new();
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(&s);
        }
        match it {
            Val::Str(x) => out.push_str(x),
            other => {
                let tn = vm.world.type_name(other);
                return Err(vm.type_error(format!(
                    "sequence item {i}: expected str instance, {tn} found"
                )));
            }
        }
    }
    ok(Val::str(&out))
}

fn str_replace(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = this_str(vm, &a)?;
    arity(vm, &a, "replace", 3, 4)?;
    let old = want_str(vm, &a.pos[1], "replace() argument 1")?;
    let new = want_str(vm, &a.pos[2], "replace() argument 2")?;
    let count = match a.pos.get(3) {
        Some(c) => want_int(vm, c, "replace()")?,
        None => -1,
    };
    let r = if count < 0 {
        s.replace(&*old, &new)
    } else {
        s.replacen(&*old, &new, count as usize)
    };
    ok(Val::str(&r))
}

fn str_affix(vm: &mut Vm, a: Args, start: bool) -> Res<Flow> {
    let full = this_str(vm, &a)?;
    let (lo, hi) = char_range(vm, &a, &full)?;
    let s: Rc<str> = Rc::from(&full[byte_of_char(&full, lo)..byte_of_char(&full, hi.max(lo))]);
    let Some(p) = a.pos.get(1) else {
        return Err(vm.type_error("startswith() takes at least 1 argument (0 given)"));
    };
    let cands: Vec<Val> = match p {
        Val::Tuple(t) => t.to_vec(),
        other => vec![other.clone()],
    };
    for c in cands {
        let c = want_str(
            vm,
            &c,
            if start {
                "startswith first arg"
            } else {
                "endswith first arg"
            },
        )?;
        if (start && s.starts_with(&*c)) || (!start && s.ends_with(&*c)) {
            return ok(Val::Bool(true));
        }
    }
    ok(Val::Bool(false))
}

fn char_range(vm: &Vm, a: &Args, s: &str) -> Res<(usize, usize)> {
    let n = s.chars().count();
    let get = |i: usize, d: usize| -> Res<usize> {
        match a.pos.get(i) {
            None | Some(Val::None) => Ok(d),
            Some(v) => {
                let x = want_int(vm, v, "slice index")?;
                let x = if x < 0 { x + n as i64 } else { x };
                Ok(x.clamp(0, n as i64) as usize)
            }
        }
    };
    Ok((get(2, 0)?, get(3, n)?))
}

fn byte_of_char(s: &str, ci: usize) -> usize {
    s.char_indices().nth(ci).map_or(s.len(), |(b, _)| b)
}

fn str_find(vm: &mut Vm, a: Args, rev: bool, raise: bool) -> Res<Flow> {
    let s = this_str(vm, &a)?;
    let sub = want_str(
        vm,
        a.pos.get(1).unwrap_or(&Val::None),
        "must be str, not NoneType",
    )?;
    let (lo, hi) = char_range(vm, &a, &s)?;
    let (bl, bh) = (byte_of_char(&s, lo), byte_of_char(&s, hi.max(lo)));
    let hay = &s[bl..bh];
    let found = if rev {
        hay.rfind(&*sub)
    } else {
        hay.find(&*sub)
    };
    match found {
        Some(b) => ok(Val::Int((s[..bl + b].chars().count()) as i64)),
        None if raise => Err(vm.value_error("substring not found")),
        None => ok(Val::Int(-1)),
    }
}

fn str_count(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = this_str(vm, &a)?;
    let sub = want_str(
        vm,
        a.pos.get(1).unwrap_or(&Val::None),
        "must be str, not NoneType",
    )?;
    let (lo, hi) = char_range(vm, &a, &s)?;
    let hay = &s[byte_of_char(&s, lo)..byte_of_char(&s, hi.max(lo))];
    let n = if sub.is_empty() {
        hay.chars().count() + 1
    } else {
        hay.matches(&*sub).count()
    };
    ok(Val::Int(n as i64))
}

fn str_zfill(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = this_str(vm, &a)?;
    let w = want_int(vm, a.pos.get(1).unwrap_or(&Val::None), "zfill()")?.max(0) as usize;
    let n = s.chars().count();
    if n >= w {
        return ok(Val::Str(s));
    }
    let (sign, rest) = match s.chars().next() {
        Some(c @ ('+' | '-')) => (c.to_string(), &s[1..]),
        _ => (String::new(), &s[..]),
    };
    ok(Val::str(&format!("{sign}{}{rest}", "0".repeat(w - n))))
}

fn str_pad(vm: &mut Vm, a: Args, align: char) -> Res<Flow> {
    let s = this_str(vm, &a)?;
    let w = want_int(vm, a.pos.get(1).unwrap_or(&Val::None), "width")?.max(0) as usize;
    let fill = match a.pos.get(2) {
        Some(Val::Str(f)) if f.chars().count() == 1 => f.chars().next().unwrap_or(' '),
        Some(_) => {
            return Err(vm.type_error("The fill character must be exactly one character long"));
        }
        None => ' ',
    };
    let n = s.chars().count();
    if n >= w {
        return ok(Val::Str(s));
    }
    let pad = w - n;
    let (left, right) = match align {
        '<' => (0, pad),
        '>' => (pad, 0),
        // str.center puts the odd extra space on the left when the width is odd... as CPython:
        _ => {
            let left = pad / 2 + (pad & w & 1);
            (left, pad - left)
        }
    };
    let f = fill.to_string();
    ok(Val::str(&format!(
        "{}{s}{}",
        f.repeat(left),
        f.repeat(right)
    )))
}

fn str_partition(vm: &mut Vm, a: Args, rev: bool) -> Res<Flow> {
    let s = this_str(vm, &a)?;
    let sep = want_str(
        vm,
        a.pos.get(1).unwrap_or(&Val::None),
        "must be str, not NoneType",
    )?;
    if sep.is_empty() {
        return Err(vm.value_error("empty separator"));
    }
    let pos = if rev { s.rfind(&*sep) } else { s.find(&*sep) };
    let t = match pos {
        Some(i) => vec![
            Val::str(&s[..i]),
            Val::Str(sep.clone()),
            Val::str(&s[i + sep.len()..]),
        ],
        None if rev => vec![Val::str(""), Val::str(""), Val::Str(s.clone())],
        None => vec![Val::Str(s.clone()), Val::str(""), Val::str("")],
    };
    ok(Val::tuple(t))
}

fn str_test(vm: &mut Vm, a: Args, f: fn(char) -> bool) -> Res<Flow> {
    let s = this_str(vm, &a)?;
    ok(Val::Bool(!s.is_empty() && s.chars().all(f)))
}

fn str_isupper(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = this_str(vm, &a)?;
    let cased: Vec<char> = s.chars().filter(|c| c.is_alphabetic()).collect();
    ok(Val::Bool(
        !cased.is_empty() && cased.iter().all(|c| !c.is_lowercase()),
    ))
}

fn str_islower(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = this_str(vm, &a)?;
    let cased: Vec<char> = s.chars().filter(|c| c.is_alphabetic()).collect();
    ok(Val::Bool(
        !cased.is_empty() && cased.iter().all(|c| !c.is_uppercase()),
    ))
}

fn str_isidentifier(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = this_str(vm, &a)?;
    let mut it = s.chars();
    let okay = match it.next() {
        Some(c) if c == '_' || c.is_alphabetic() => it.all(|c| c == '_' || c.is_alphanumeric()),
        _ => false,
    };
    ok(Val::Bool(okay))
}

fn str_title(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = this_str(vm, &a)?;
    let mut out = String::new();
    let mut prev_cased = false;
    for c in s.chars() {
        if c.is_alphabetic() {
            if prev_cased {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            prev_cased = true;
        } else {
            out.push(c);
            prev_cased = false;
        }
    }
    ok(Val::str(&out))
}

fn str_capitalize(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = this_str(vm, &a)?;
    let mut it = s.chars();
    let out = match it.next() {
        Some(c) => c
            .to_uppercase()
            .chain(it.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    };
    ok(Val::str(&out))
}

fn str_swapcase(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = this_str(vm, &a)?;
    let out: String = s
        .chars()
        .flat_map(|c| {
            if c.is_uppercase() {
                c.to_lowercase().collect::<Vec<_>>()
            } else {
                c.to_uppercase().collect::<Vec<_>>()
            }
        })
        .collect();
    ok(Val::str(&out))
}

/// `str.format(*args, **kwargs)`.
fn str_format(vm: &mut Vm, a: Args) -> Res<Flow> {
    let s = this_str(vm, &a)?;
    let mut pieces = format::parse_template(&s).map_err(|e| vm.format_error(e))?;
    format::number_fields(&mut pieces).map_err(|e| vm.format_error(e))?;
    let pos: Vec<Val> = a.pos[1..].to_vec();
    let kw = a.kw;
    let out = render_template(vm, &pieces, &pos, &kw, 0)?;
    ok(Val::str(&out))
}

fn render_template(
    vm: &mut Vm,
    pieces: &[format::Piece],
    pos: &[Val],
    kw: &[(Rc<str>, Val)],
    depth: usize,
) -> Res<String> {
    if depth > 2 {
        return Err(vm.value_error("Max string recursion exceeded"));
    }
    let mut out = String::new();
    for p in pieces {
        match p {
            format::Piece::Lit(s) => out.push_str(s),
            format::Piece::Field {
                name,
                accessors,
                conversion,
                spec,
            } => {
                let mut v = match name {
                    format::FieldName::Auto => return Err(vm.value_error("cannot switch from manual field specification to automatic field numbering")),
                    format::FieldName::Index(i) => match pos.get(*i) {
                        Some(v) => v.clone(),
                        None => {
                            return Err(vm.exc(
                                "IndexError",
                                format!("Replacement index {i} out of range for positional args tuple"),
                            ));
                        }
                    },
                    format::FieldName::Name(n) => match kw.iter().find(|(k, _)| k.as_ref() == n) {
                        Some((_, v)) => v.clone(),
                        None => return Err(vm.world.new_exc_args("KeyError", vec![Val::str(n)])),
                    },
                };
                for acc in accessors {
                    v = match acc {
                        format::Accessor::Attr(n) => vm.getattr(&v, n)?,
                        format::Accessor::Index(i) => {
                            let idx = Val::Int(*i as i64);
                            subscript_value(vm, v, idx)?
                        }
                        format::Accessor::Key(k) => subscript_value(vm, v, Val::str(k))?,
                    };
                }
                let v = match conversion {
                    Some('r') => Val::str(&vm.repr(&v)?),
                    Some('s') => Val::str(&vm.str_of(&v)?),
                    Some('a') => Val::str(&ops::ascii(&vm.repr(&v)?)),
                    _ => v,
                };
                let spec_text = render_template(vm, spec, pos, kw, depth + 1)?;
                out.push_str(&vm.format(&v, &spec_text)?);
            }
        }
    }
    Ok(out)
}

fn subscript_value(vm: &mut Vm, obj: Val, idx: Val) -> Res<Val> {
    vm.getitem_nested(&obj, &idx)
}

// ---- list -------------------------------------------------------------------------------------

const LIST_METHODS: &[M] = &[
    ("append", |vm, a| {
        let l = this_list(vm, &a)?;
        arity(vm, &a, "append", 2, 2)?;
        let max = vm.world.shared.max_items;
        if l.borrow().len() >= max {
            return Err(vm.limit_error("list", max + 1));
        }
        l.borrow_mut().push(a.pos[1].clone());
        ok(Val::None)
    }),
    ("extend", |vm, a| {
        let l = this_list(vm, &a)?;
        arity(vm, &a, "extend", 2, 2)?;
        if crate::modules::is_lazy(&a.pos[1]) {
            return vm.pyb_call("_extend", a);
        }
        let items = vm.collect(a.pos[1].clone())?;
        l.borrow_mut().extend(items);
        ok(Val::None)
    }),
    ("insert", |vm, a| {
        let l = this_list(vm, &a)?;
        arity(vm, &a, "insert", 3, 3)?;
        let i = want_int(vm, &a.pos[1], "insert()")?;
        let mut l = l.borrow_mut();
        let n = l.len() as i64;
        let j = if i < 0 { (i + n).max(0) } else { i.min(n) };
        l.insert(j as usize, a.pos[2].clone());
        ok(Val::None)
    }),
    ("pop", |vm, a| {
        let l = this_list(vm, &a)?;
        let i = match a.pos.get(1) {
            Some(v) => want_int(vm, v, "pop()")?,
            None => -1,
        };
        let mut l = l.borrow_mut();
        if l.is_empty() {
            return Err(vm.exc("IndexError", "pop from empty list"));
        }
        match ops::norm_index(i, l.len()) {
            Some(j) => ok(l.remove(j)),
            None => Err(vm.exc("IndexError", "pop index out of range")),
        }
    }),
    ("remove", |vm, a| {
        let l = this_list(vm, &a)?;
        arity(vm, &a, "remove", 2, 2)?;
        let items = l.borrow().clone();
        for (i, x) in items.iter().enumerate() {
            if x.is(&a.pos[1]) || vm.eq(x, &a.pos[1])? {
                l.borrow_mut().remove(i);
                return ok(Val::None);
            }
        }
        Err(vm.value_error("list.remove(x): x not in list"))
    }),
    ("index", seq_index),
    ("count", seq_count),
    ("sort", |vm, mut a| {
        let key = a.take_kw("key");
        let reverse = match a.take_kw("reverse") {
            Some(r) => vm.truthy(&r)?,
            None => false,
        };
        let l = this_list(vm, &a)?;
        let items = std::mem::take(&mut *l.borrow_mut());
        let sorted = sort_values(vm, items.clone(), key, reverse);
        match sorted {
            Ok(v) => {
                *l.borrow_mut() = v;
                ok(Val::None)
            }
            Err(e) => {
                *l.borrow_mut() = items;
                Err(e)
            }
        }
    }),
    ("reverse", |vm, a| {
        this_list(vm, &a)?.borrow_mut().reverse();
        ok(Val::None)
    }),
    ("clear", |vm, a| {
        this_list(vm, &a)?.borrow_mut().clear();
        ok(Val::None)
    }),
    ("copy", |vm, a| {
        ok(Val::list(this_list(vm, &a)?.borrow().clone()))
    }),
    ("__len__", |vm, a| {
        ok(Val::Int(this_list(vm, &a)?.borrow().len() as i64))
    }),
];

fn seq_items(vm: &Vm, a: &Args) -> Res<Vec<Val>> {
    match a.pos.first() {
        Some(Val::List(l)) => Ok(l.borrow().clone()),
        Some(Val::Tuple(t)) => Ok(t.to_vec()),
        _ => Err(vm.type_error("descriptor requires a sequence")),
    }
}

fn seq_index(vm: &mut Vm, a: Args) -> Res<Flow> {
    let items = seq_items(vm, &a)?;
    let Some(x) = a.pos.get(1).cloned() else {
        return Err(vm.type_error("index expected at least 1 argument, got 0"));
    };
    for (i, it) in items.iter().enumerate() {
        if it.is(&x) || vm.eq(it, &x)? {
            return ok(Val::Int(i as i64));
        }
    }
    let what = if matches!(a.pos.first(), Some(Val::Tuple(_))) {
        "tuple.index(x): x not in tuple".to_string()
    } else {
        format!("{} is not in list", vm.repr(&x)?)
    };
    Err(vm.value_error(what))
}

fn seq_count(vm: &mut Vm, a: Args) -> Res<Flow> {
    let items = seq_items(vm, &a)?;
    let Some(x) = a.pos.get(1).cloned() else {
        return Err(vm.type_error("count() takes exactly one argument (0 given)"));
    };
    let mut n = 0;
    for it in &items {
        if it.is(&x) || vm.eq(it, &x)? {
            n += 1;
        }
    }
    ok(Val::Int(n))
}

// ---- dict -------------------------------------------------------------------------------------

fn view(vm: &Vm, d: Rc<RefCell<Dict>>, kind: &str) -> Val {
    let cls = vm.world.class(kind);
    Val::Obj(Rc::new(Instance {
        class: cls,
        attrs: RefCell::new(Attrs::default()),
        payload: RefCell::new(Payload::Data(Val::Dict(d))),
    }))
}

const DICT_METHODS: &[M] = &[
    ("get", |vm, a| {
        let d = this_dict(vm, &a)?;
        arity(vm, &a, "get", 2, 3)?;
        let k = vm.key(&a.pos[1])?;
        let v = d.borrow().get(&k).cloned();
        ok(v.unwrap_or_else(|| a.pos.get(2).cloned().unwrap_or_default()))
    }),
    ("keys", |vm, a| {
        let d = this_dict(vm, &a)?;
        ok(view(vm, d, "dict_keys"))
    }),
    ("values", |vm, a| {
        let d = this_dict(vm, &a)?;
        ok(view(vm, d, "dict_values"))
    }),
    ("items", |vm, a| {
        let d = this_dict(vm, &a)?;
        ok(view(vm, d, "dict_items"))
    }),
    ("pop", |vm, a| {
        let d = this_dict(vm, &a)?;
        arity(vm, &a, "pop", 2, 3)?;
        let k = vm.key(&a.pos[1])?;
        let r = d.borrow_mut().remove(&k);
        match (r, a.pos.get(2)) {
            (Some((_, v)), _) => ok(v),
            (None, Some(def)) => ok(def.clone()),
            (None, None) => Err(vm.world.new_exc_args("KeyError", vec![a.pos[1].clone()])),
        }
    }),
    ("popitem", |vm, a| {
        let d = this_dict(vm, &a)?;
        let r = d.borrow_mut().pop_last();
        match r {
            Some((k, v)) => ok(Val::tuple(vec![k, v])),
            None => Err(vm.exc("KeyError", "popitem(): dictionary is empty")),
        }
    }),
    ("setdefault", |vm, a| {
        let d = this_dict(vm, &a)?;
        arity(vm, &a, "setdefault", 2, 3)?;
        let k = vm.key(&a.pos[1])?;
        let existing = d.borrow().get(&k).cloned();
        match existing {
            Some(v) => ok(v),
            None => {
                let v = a.pos.get(2).cloned().unwrap_or_default();
                d.borrow_mut().insert(k, a.pos[1].clone(), v.clone());
                ok(v)
            }
        }
    }),
    ("update", |vm, a| {
        let d = this_dict(vm, &a)?;
        let mut tmp = d.borrow().clone();
        if let Some(src) = a.pos.get(1) {
            dict_update_from(vm, &mut tmp, src.clone())?;
        }
        for (k, v) in a.kw {
            tmp.insert(Key::Str(k.clone()), Val::Str(k), v);
        }
        *d.borrow_mut() = tmp;
        ok(Val::None)
    }),
    ("clear", |vm, a| {
        this_dict(vm, &a)?.borrow_mut().clear();
        ok(Val::None)
    }),
    ("copy", |vm, a| {
        ok(Val::dict(this_dict(vm, &a)?.borrow().clone()))
    }),
    ("__len__", |vm, a| {
        ok(Val::Int(this_dict(vm, &a)?.borrow().len() as i64))
    }),
];

fn dict_fromkeys(vm: &mut Vm, a: Args) -> Res<Flow> {
    let keys = vm.collect(a.pos.get(1).cloned().unwrap_or_default())?;
    let v = a.pos.get(2).cloned().unwrap_or_default();
    let mut d = Dict::new();
    for k in keys {
        let key = vm.key(&k)?;
        d.insert(key, k, v.clone());
    }
    ok(Val::dict(d))
}

/// Registers the dict view classes (`dict_keys`, ...).
pub fn install_views(t: &mut Types) {
    for name in ["dict_keys", "dict_values", "dict_items"] {
        let c = crate::builtins::native_class(t, name, "builtins");
        set(&c, "__iter__", view_iter);
        set(&c, "__len__", view_len);
        set(&c, "__repr__", view_repr);
        set(&c, "__contains__", view_contains);
        t.by_name.insert(name, c);
    }
}

fn view_parts(vm: &Vm, a: &Args) -> Res<(Rc<RefCell<Dict>>, DictIterMode)> {
    if let Some(Val::Obj(o)) = a.pos.first()
        && let Payload::Data(Val::Dict(d)) = &*o.payload.borrow()
    {
        let mode = match &*o.class.name {
            "dict_keys" => DictIterMode::Keys,
            "dict_values" => DictIterMode::Values,
            _ => DictIterMode::Items,
        };
        return Ok((d.clone(), mode));
    }
    Err(vm.type_error("bad dict view"))
}

fn view_iter(vm: &mut Vm, a: Args) -> Res<Flow> {
    let (d, mode) = view_parts(vm, &a)?;
    let version = d.borrow().version;
    ok(Val::Iter(Rc::new(RefCell::new(Iter::Dict {
        dict: d,
        pos: 0,
        version,
        mode,
    }))))
}

fn view_len(vm: &mut Vm, a: Args) -> Res<Flow> {
    let (d, _) = view_parts(vm, &a)?;
    let n = d.borrow().len();
    ok(Val::Int(n as i64))
}

fn view_items(d: &Dict, mode: DictIterMode) -> Vec<Val> {
    d.iter()
        .map(|(k, v)| match mode {
            DictIterMode::Keys => k.clone(),
            DictIterMode::Values => v.clone(),
            DictIterMode::Items => Val::tuple(vec![k.clone(), v.clone()]),
        })
        .collect()
}

fn view_repr(vm: &mut Vm, a: Args) -> Res<Flow> {
    let (d, mode) = view_parts(vm, &a)?;
    let items = view_items(&d.borrow(), mode);
    let name = match mode {
        DictIterMode::Keys => "dict_keys",
        DictIterMode::Values => "dict_values",
        DictIterMode::Items => "dict_items",
    };
    let inner = vm.repr(&Val::list(items))?;
    ok(Val::str(&format!("{name}({inner})")))
}

fn view_contains(vm: &mut Vm, a: Args) -> Res<Flow> {
    let (d, mode) = view_parts(vm, &a)?;
    let x = a.pos.get(1).cloned().unwrap_or_default();
    if mode == DictIterMode::Keys {
        let k = vm.key(&x)?;
        return ok(Val::Bool(d.borrow().contains(&k)));
    }
    let items = view_items(&d.borrow(), mode);
    for it in &items {
        if vm.eq(it, &x)? {
            return ok(Val::Bool(true));
        }
    }
    ok(Val::Bool(false))
}

// ---- set --------------------------------------------------------------------------------------

fn set_of(vm: &mut Vm, v: &Val) -> Res<Dict> {
    match v {
        Val::Set(d) => Ok(d.borrow().clone()),
        other => {
            let mut d = Dict::new();
            for it in vm.collect(other.clone())? {
                let k = vm.key(&it)?;
                d.insert(k, it, Val::None);
            }
            Ok(d)
        }
    }
}

fn new_set(d: Dict) -> Val {
    Val::Set(Rc::new(RefCell::new(d)))
}

const SET_METHODS: &[M] = &[
    ("add", |vm, a| {
        let d = this_dict(vm, &a)?;
        arity(vm, &a, "add", 2, 2)?;
        let k = vm.key(&a.pos[1])?;
        d.borrow_mut().insert(k, a.pos[1].clone(), Val::None);
        ok(Val::None)
    }),
    ("remove", |vm, a| {
        let d = this_dict(vm, &a)?;
        arity(vm, &a, "remove", 2, 2)?;
        let k = vm.key(&a.pos[1])?;
        if d.borrow_mut().remove(&k).is_none() {
            return Err(vm.world.new_exc_args("KeyError", vec![a.pos[1].clone()]));
        }
        ok(Val::None)
    }),
    ("discard", |vm, a| {
        let d = this_dict(vm, &a)?;
        arity(vm, &a, "discard", 2, 2)?;
        let k = vm.key(&a.pos[1])?;
        d.borrow_mut().remove(&k);
        ok(Val::None)
    }),
    ("pop", |vm, a| {
        let d = this_dict(vm, &a)?;
        let first = ops::set_order(&d.borrow()).into_iter().next();
        match first {
            Some(v) => {
                let k = vm.key(&v)?;
                d.borrow_mut().remove(&k);
                ok(v)
            }
            None => Err(vm.exc("KeyError", "pop from an empty set")),
        }
    }),
    ("clear", |vm, a| {
        this_dict(vm, &a)?.borrow_mut().clear();
        ok(Val::None)
    }),
    ("copy", |vm, a| {
        ok(new_set(this_dict(vm, &a)?.borrow().clone()))
    }),
    ("update", |vm, a| {
        let d = this_dict(vm, &a)?;
        for other in a.pos.iter().skip(1) {
            let o = set_of(vm, other)?;
            for (k, kv) in o.key_iter().cloned().zip(o.keys()) {
                d.borrow_mut().insert(k, kv, Val::None);
            }
        }
        ok(Val::None)
    }),
    ("union", |vm, a| set_binop(vm, a, crate::ast::BinOp::BitOr)),
    ("intersection", |vm, a| {
        set_binop(vm, a, crate::ast::BinOp::BitAnd)
    }),
    ("difference", |vm, a| {
        set_binop(vm, a, crate::ast::BinOp::Sub)
    }),
    ("symmetric_difference", |vm, a| {
        set_binop(vm, a, crate::ast::BinOp::BitXor)
    }),
    ("issubset", |vm, a| {
        let d = this_dict(vm, &a)?;
        let o = set_of(vm, a.pos.get(1).unwrap_or(&Val::None))?;
        let r = d.borrow().key_iter().all(|k| o.contains(k));
        ok(Val::Bool(r))
    }),
    ("issuperset", |vm, a| {
        let d = this_dict(vm, &a)?;
        let o = set_of(vm, a.pos.get(1).unwrap_or(&Val::None))?;
        let r = o.key_iter().all(|k| d.borrow().contains(k));
        ok(Val::Bool(r))
    }),
    ("isdisjoint", |vm, a| {
        let d = this_dict(vm, &a)?;
        let o = set_of(vm, a.pos.get(1).unwrap_or(&Val::None))?;
        let r = !o.key_iter().any(|k| d.borrow().contains(k));
        ok(Val::Bool(r))
    }),
    ("__len__", |vm, a| {
        ok(Val::Int(this_dict(vm, &a)?.borrow().len() as i64))
    }),
];

fn set_binop(vm: &mut Vm, a: Args, op: crate::ast::BinOp) -> Res<Flow> {
    let mut acc = a.pos.first().cloned().unwrap_or_default();
    for other in a.pos.iter().skip(1) {
        let o = new_set(set_of(vm, other)?);
        acc = match vm.binary_builtin(&acc, op, &o, false)? {
            Some(v) => v,
            None => return Err(vm.type_error("bad set operand")),
        };
    }
    if a.pos.len() == 1
        && let Val::Set(d) = &acc
    {
        return ok(new_set(d.borrow().clone()));
    }
    ok(acc)
}

// ---- numbers, bytes ---------------------------------------------------------------------------

fn int_bit_length(vm: &mut Vm, a: Args) -> Res<Flow> {
    let i = want_int(vm, a.pos.first().unwrap_or(&Val::None), "bit_length")?;
    ok(Val::Int(i64::from(64 - i.unsigned_abs().leading_zeros())))
}

fn int_index(vm: &mut Vm, a: Args) -> Res<Flow> {
    let i = want_int(vm, a.pos.first().unwrap_or(&Val::None), "__index__")?;
    ok(Val::Int(i))
}

fn float_is_integer(_vm: &mut Vm, a: Args) -> Res<Flow> {
    let r = matches!(a.pos.first(), Some(Val::Float(f)) if f.fract() == 0.0 && f.is_finite());
    ok(Val::Bool(r))
}

fn float_as_integer_ratio(vm: &mut Vm, a: Args) -> Res<Flow> {
    let Some(Val::Float(f)) = a.pos.first() else {
        return Err(vm.type_error("descriptor requires a 'float' object"));
    };
    if !f.is_finite() {
        return Err(vm.value_error("cannot convert Infinity or NaN to integer ratio"));
    }
    // f = m * 2**e exactly; reduce while the numerator is even.
    let mut num = *f;
    let mut den: i64 = 1;
    let mut guard = 0;
    while num.fract() != 0.0 && guard < 62 {
        num *= 2.0;
        den = den.saturating_mul(2);
        guard += 1;
    }
    if num.abs() >= 9.2e18 || num.fract() != 0.0 {
        return Err(vm.exc(
            "OverflowError",
            "as_integer_ratio() result does not fit in 64 bits",
        ));
    }
    let mut n = num as i64;
    while den > 1 && n % 2 == 0 {
        n /= 2;
        den /= 2;
    }
    ok(Val::tuple(vec![Val::Int(n), Val::Int(den)]))
}

fn bytes_decode(vm: &mut Vm, a: Args) -> Res<Flow> {
    match a.pos.first() {
        Some(Val::Bytes(b)) => match std::str::from_utf8(b) {
            Ok(s) => ok(Val::str(s)),
            Err(e) => Err(vm.exc(
                "UnicodeError",
                format!(
                    "'utf-8' codec can't decode byte at position {}",
                    e.valid_up_to()
                ),
            )),
        },
        _ => Err(vm.type_error("descriptor 'decode' requires a 'bytes' object")),
    }
}

// ---- generators -------------------------------------------------------------------------------

fn this_gen(vm: &Vm, a: &Args) -> Res<Rc<RefCell<Gen>>> {
    match a.pos.first() {
        Some(Val::Gen(g)) => Ok(g.clone()),
        _ => Err(vm.type_error("descriptor requires a generator")),
    }
}

fn gen_send(vm: &mut Vm, a: Args) -> Res<Flow> {
    let g = this_gen(vm, &a)?;
    let v = a.pos.get(1).cloned().unwrap_or_default();
    Ok(Flow::Resume(g, v, None))
}

fn gen_next(vm: &mut Vm, a: Args) -> Res<Flow> {
    let g = this_gen(vm, &a)?;
    Ok(Flow::Resume(g, Val::None, None))
}

fn gen_throw(vm: &mut Vm, a: Args) -> Res<Flow> {
    let g = this_gen(vm, &a)?;
    let e = a.pos.get(1).cloned().unwrap_or_default();
    let e = match e {
        Val::Class(_) => vm.call_nested(e, Args::default())?,
        other => other,
    };
    if !g.borrow().started {
        let mut gb = g.borrow_mut();
        gb.finished = true;
        gb.frame = None;
        return Err(e);
    }
    Ok(Flow::Resume(g, Val::None, Some(e)))
}

fn gen_close(vm: &mut Vm, a: Args) -> Res<Flow> {
    let g = this_gen(vm, &a)?;
    let started = g.borrow().started;
    let finished = g.borrow().finished;
    if !started || finished {
        let mut gb = g.borrow_mut();
        gb.finished = true;
        gb.frame = None;
        return ok(Val::None);
    }
    // Throw GeneratorExit in (on the frame stack); a generator that yields again is an error.
    let e = vm.world.new_exc_args("GeneratorExit", vec![]);
    Ok(Flow::Close(g, e))
}

fn iter_next(vm: &mut Vm, a: Args) -> Res<Flow> {
    let it = a.pos.first().cloned().unwrap_or_default();
    match vm.iter_next_builtin(&it)? {
        Some(v) => ok(v),
        None => Err(vm.world.new_exc_args("StopIteration", vec![])),
    }
}

/// The async generator a method of one is called on (a `TypeError` for anything else).
fn this_agen(vm: &Vm, a: &Args) -> Res<Val> {
    match a.pos.first() {
        Some(v @ Val::Gen(g)) if g.borrow().is_async_gen => Ok(v.clone()),
        _ => Err(vm.type_error(
            "descriptor of 'async_generator' object needs an 'async_generator' object",
        )),
    }
}

fn identity(_vm: &mut Vm, a: Args) -> Res<Flow> {
    ok(a.pos.first().cloned().unwrap_or_default())
}

// ---- object and BaseException -----------------------------------------------------------------

fn object_init(_vm: &mut Vm, _a: Args) -> Res<Flow> {
    ok(Val::None)
}

fn object_repr(vm: &mut Vm, a: Args) -> Res<Flow> {
    let v = a.pos.first().cloned().unwrap_or_default();
    match &v {
        Val::Obj(o) => ok(Val::str(&format!(
            "<{}.{} object at 0x{:012x}>",
            o.class.module,
            o.class.qualname,
            vm.world.shared.stable_id(&v)
        ))),
        other => ok(Val::str(&vm.repr(other)?)),
    }
}

fn object_str(vm: &mut Vm, a: Args) -> Res<Flow> {
    let v = a.pos.first().cloned().unwrap_or_default();
    ok(Val::str(&vm.repr(&v)?))
}

fn object_eq(_vm: &mut Vm, a: Args) -> Res<Flow> {
    match (a.pos.first(), a.pos.get(1)) {
        (Some(x), Some(y)) if x.is(y) => ok(Val::Bool(true)),
        _ => ok(Val::NotImplemented),
    }
}

fn object_ne(vm: &mut Vm, a: Args) -> Res<Flow> {
    match (a.pos.first().cloned(), a.pos.get(1).cloned()) {
        (Some(x), Some(y)) => ok(Val::Bool(!vm.eq(&x, &y)?)),
        _ => ok(Val::NotImplemented),
    }
}

fn object_hash(vm: &mut Vm, a: Args) -> Res<Flow> {
    ok(Val::Int(
        a.pos
            .first()
            .map_or(0, |v| (vm.world.shared.stable_id(v) >> 4) as i64),
    ))
}

fn object_setattr(_vm: &mut Vm, a: Args) -> Res<Flow> {
    if let (Some(Val::Obj(o)), Some(Val::Str(n)), Some(v)) =
        (a.pos.first(), a.pos.get(1), a.pos.get(2))
    {
        o.attrs.borrow_mut().set(n.clone(), v.clone());
    }
    ok(Val::None)
}

fn exc_init(vm: &mut Vm, a: Args) -> Res<Flow> {
    let mut it = a.pos.into_iter();
    let this = it.next().unwrap_or_default();
    let args: Vec<Val> = it.collect();
    vm.world.exc_data(&this, |d| d.args = args);
    ok(Val::None)
}

fn exc_add_note(_vm: &mut Vm, _a: Args) -> Res<Flow> {
    ok(Val::None)
}

fn slice_indices_method(vm: &mut Vm, a: Args) -> Res<Flow> {
    let Some(Val::Slice(s)) = a.pos.first() else {
        return Err(vm.type_error("descriptor 'indices' requires a 'slice' object"));
    };
    let n = want_int(vm, a.pos.get(1).unwrap_or(&Val::None), "indices()")?;
    if n < 0 {
        return Err(vm.value_error("length should not be negative"));
    }
    let (x, y, z) = ops::slice_indices(vm, s, n as usize)?;
    ok(Val::tuple(vec![Val::Int(x), Val::Int(y), Val::Int(z)]))
}

fn property_with(vm: &mut Vm, a: Args, slot: usize) -> Res<Flow> {
    let Some(Val::Property(p)) = a.pos.first() else {
        return Err(vm.type_error("descriptor requires a property"));
    };
    let mut parts = (**p).clone();
    parts[slot] = a.pos.get(1).cloned().unwrap_or_default();
    ok(Val::Property(Rc::new(parts)))
}

fn property_setter(vm: &mut Vm, a: Args) -> Res<Flow> {
    property_with(vm, a, 1)
}

fn property_getter(vm: &mut Vm, a: Args) -> Res<Flow> {
    property_with(vm, a, 0)
}

fn property_deleter(vm: &mut Vm, a: Args) -> Res<Flow> {
    property_with(vm, a, 2)
}
