//! Copies of object graphs: `copy.deepcopy`, and what a process gets of its parent's objects.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use crate::obj::*;
use crate::vm::Vm;

/// A deep copy of `v`: containers and instances are copied (shared sub-objects stay shared in
/// the copy); classes, functions, modules and simulator objects are kept as they are.
pub fn deep_copy(_vm: &Vm, v: &Val) -> Val {
    let mut memo = BTreeMap::new();
    copy_val(v, &mut memo, 0)
}

/// A deep copy sharing `memo` with other copies (a fork copies a whole interpreter with one
/// memo); modules found in the memo are replaced by their copies.
pub fn copy_with(v: &Val, memo: &mut BTreeMap<usize, Val>) -> Val {
    copy_val(v, memo, 0)
}

fn copy_val(v: &Val, memo: &mut BTreeMap<usize, Val>, depth: usize) -> Val {
    if depth > 500 {
        return v.clone();
    }
    let key = v.addr();
    match v {
        Val::List(_)
        | Val::Dict(_)
        | Val::Set(_)
        | Val::Tuple(_)
        | Val::Obj(_)
        | Val::Module(_) => {
            if let Some(c) = memo.get(&key) {
                return c.clone();
            }
        }
        _ => return v.clone(),
    }

    match v {
        Val::List(l) => {
            let new = Rc::new(RefCell::new(Vec::new()));
            memo.insert(key, Val::List(new.clone()));
            let items: Vec<Val> = l
                .borrow()
                .iter()
                .map(|x| copy_val(x, memo, depth + 1))
                .collect();
            *new.borrow_mut() = items;
            Val::List(new)
        }
        Val::Tuple(t) => Val::tuple(t.iter().map(|x| copy_val(x, memo, depth + 1)).collect()),
        Val::Dict(d) | Val::Set(d) => {
            let new = Rc::new(RefCell::new(Dict::new()));
            let wrapped = if matches!(v, Val::Dict(_)) {
                Val::Dict(new.clone())
            } else {
                Val::Set(new.clone())
            };
            memo.insert(key, wrapped.clone());
            let pairs: Vec<(Val, Val)> = d
                .borrow()
                .iter()
                .map(|(k, x)| (k.clone(), x.clone()))
                .collect();
            let keys: Vec<Key> = d.borrow().key_iter().cloned().collect();
            for ((k, x), kk) in pairs.into_iter().zip(keys) {
                let x = copy_val(&x, memo, depth + 1);
                new.borrow_mut().insert(kk, k, x);
            }
            wrapped
        }
        Val::Obj(o) => {
            let payload = match &*o.payload.borrow() {
                Payload::Sim(h) => Payload::Sim(h.clone()),
                Payload::Data(d) => Payload::Data(d.clone()),
                Payload::Exc(e) => Payload::Exc(Box::new(ExcData {
                    args: e.args.clone(),
                    ..ExcData::default()
                })),
                Payload::None | Payload::Await(_) => Payload::None,
            };
            let new = Rc::new(Instance {
                class: o.class.clone(),
                attrs: RefCell::new(Attrs::default()),
                payload: RefCell::new(payload),
            });
            memo.insert(key, Val::Obj(new.clone()));
            let attrs: Vec<(Rc<str>, Val)> = o.attrs.borrow().0.clone();
            for (k, x) in attrs {
                let x = copy_val(&x, memo, depth + 1);
                new.attrs.borrow_mut().set(k, x);
            }
            Val::Obj(new)
        }
        other => other.clone(),
    }
}
