//! Python objects: [`Val`], the value every stack slot, variable and container holds, and the
//! heap objects behind it. Objects are reference-counted (`Rc`), so identity (`is`) is pointer
//! identity and threads of one process share objects just as CPython's do. The simulator runs
//! every unit on one OS thread, so nothing here needs to be `Send`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};

use crate::code::Code;

/// A Python value.
#[derive(Clone, Debug, Default)]
pub enum Val {
    #[default]
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
    Tuple(Rc<[Val]>),
    List(Rc<RefCell<Vec<Val>>>),
    Dict(Rc<RefCell<Dict>>),
    Set(Rc<RefCell<Dict>>),
    /// `range(start, stop, step)`.
    Range(Rc<[i64; 3]>),
    Slice(Rc<[Val; 3]>),
    Func(Rc<Function>),
    Native(Rc<Native>),
    /// A function bound to its first argument.
    Method(Rc<(Val, Val)>),
    Class(Rc<Class>),
    Obj(Rc<Instance>),
    Module(Rc<Module>),
    Iter(Rc<RefCell<Iter>>),
    /// A generator or coroutine.
    Gen(Rc<RefCell<Gen>>),
    Cell(Rc<RefCell<Option<Val>>>),
    Code(Rc<Code>),
    Super(Rc<(Rc<Class>, Val)>),
    Property(Rc<[Val; 3]>),
    ClassMethod(Rc<Val>),
    StaticMethod(Rc<Val>),
    Ellipsis,
    NotImplemented,
}

impl Val {
    pub fn str(s: &str) -> Val {
        Val::Str(Rc::from(s))
    }

    pub fn tuple(items: Vec<Val>) -> Val {
        Val::Tuple(Rc::from(items))
    }

    pub fn list(items: Vec<Val>) -> Val {
        Val::List(Rc::new(RefCell::new(items)))
    }

    pub fn dict(d: Dict) -> Val {
        Val::Dict(Rc::new(RefCell::new(d)))
    }

    /// `is`: the same object (equal immutable scalars count as the same, as CPython's caches
    /// make small ints, `None`, `True` and interned strings).
    pub fn is(&self, other: &Val) -> bool {
        use Val::*;
        match (self, other) {
            (None, None) | (Ellipsis, Ellipsis) | (NotImplemented, NotImplemented) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (Str(a), Str(b)) => Rc::ptr_eq(a, b) || (a.len() <= 20 && a == b),
            (Bytes(a), Bytes(b)) => Rc::ptr_eq(a, b),
            (Tuple(a), Tuple(b)) => Rc::ptr_eq(a, b) || (a.is_empty() && b.is_empty()),
            (List(a), List(b)) => Rc::ptr_eq(a, b),
            (Dict(a), Dict(b)) | (Set(a), Set(b)) => Rc::ptr_eq(a, b),
            (Range(a), Range(b)) => Rc::ptr_eq(a, b),
            (Func(a), Func(b)) => Rc::ptr_eq(a, b),
            (Native(a), Native(b)) => Rc::ptr_eq(a, b),
            (Method(a), Method(b)) => Rc::ptr_eq(a, b),
            (Class(a), Class(b)) => Rc::ptr_eq(a, b),
            (Obj(a), Obj(b)) => Rc::ptr_eq(a, b),
            (Module(a), Module(b)) => Rc::ptr_eq(a, b),
            (Iter(a), Iter(b)) => Rc::ptr_eq(a, b),
            (Gen(a), Gen(b)) => Rc::ptr_eq(a, b),
            (Cell(a), Cell(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// A stable identity for `id()` and identity-keyed dicts: the object's address.
    pub fn addr(&self) -> usize {
        use Val::*;
        match self {
            Str(s) => Rc::as_ptr(s) as *const u8 as usize,
            Bytes(s) => Rc::as_ptr(s) as *const u8 as usize,
            Tuple(t) => Rc::as_ptr(t) as *const u8 as usize,
            List(l) => Rc::as_ptr(l) as usize,
            Dict(d) | Set(d) => Rc::as_ptr(d) as usize,
            Range(r) => Rc::as_ptr(r) as usize,
            Slice(s) => Rc::as_ptr(s) as usize,
            Func(f) => Rc::as_ptr(f) as usize,
            Native(n) => Rc::as_ptr(n) as usize,
            Method(m) => Rc::as_ptr(m) as usize,
            Class(c) => Rc::as_ptr(c) as usize,
            Obj(o) => Rc::as_ptr(o) as usize,
            Module(m) => Rc::as_ptr(m) as usize,
            Iter(i) => Rc::as_ptr(i) as usize,
            Gen(g) => Rc::as_ptr(g) as usize,
            Cell(c) => Rc::as_ptr(c) as usize,
            Code(c) => Rc::as_ptr(c) as usize,
            Super(s) => Rc::as_ptr(s) as usize,
            Property(p) => Rc::as_ptr(p) as usize,
            ClassMethod(c) | StaticMethod(c) => Rc::as_ptr(c) as usize,
            None => 1,
            Bool(b) => 2 + usize::from(*b),
            Int(i) => *i as usize,
            Float(f) => f.to_bits() as usize,
            Ellipsis => 4,
            NotImplemented => 5,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// A hashable value as a dict or set key. Numbers that compare equal are one key
/// (`1 == 1.0 == True`), as in Python.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    None,
    Int(i64),
    /// A non-integral float, by its bits.
    Float(u64),
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
    Tuple(Vec<Key>),
    /// Objects hashed by identity (instances, functions, classes, ...).
    Id(usize),
}

impl Key {
    pub fn float(f: f64) -> Key {
        if f.fract() == 0.0 && f.abs() < 9.0e18 {
            Key::Int(f as i64)
        } else {
            Key::Float(f.to_bits())
        }
    }
}

/// An insertion-ordered dict (also the storage of sets, with `None` values). Deleted entries
/// leave a hole so that raw positions stay valid for iterators; holes are compacted when they
/// dominate.
#[derive(Clone, Debug, Default)]
pub struct Dict {
    entries: Vec<Option<(Key, Val, Val)>>,
    index: BTreeMap<Key, usize>,
    /// Bumped on every insertion or removal, so iterators notice a size change.
    pub version: u64,
    /// A `frozenset` (immutable, hashable): a set whose storage says so.
    pub frozen: bool,
}

impl Dict {
    pub fn new() -> Dict {
        Dict::default()
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    pub fn get(&self, key: &Key) -> Option<&Val> {
        let i = *self.index.get(key)?;
        self.entries.get(i)?.as_ref().map(|e| &e.2)
    }

    /// The raw position of a key's entry (stable until `version` changes).
    pub fn position(&self, key: &Key) -> Option<usize> {
        self.index.get(key).copied()
    }

    /// The value at a raw position from [`Dict::position`].
    #[inline]
    pub fn value_at(&self, pos: usize) -> Option<&Val> {
        self.entries.get(pos)?.as_ref().map(|e| &e.2)
    }

    /// Replaces the value at a raw position (the key stays).
    #[inline]
    pub fn set_value_at(&mut self, pos: usize, v: Val) -> bool {
        match self.entries.get_mut(pos) {
            Some(Some(e)) => {
                e.2 = v;
                true
            }
            _ => false,
        }
    }

    pub fn get_str(&self, key: &str) -> Option<&Val> {
        self.get(&Key::Str(Rc::from(key)))
    }

    pub fn contains(&self, key: &Key) -> bool {
        self.index.contains_key(key)
    }

    /// Inserts or replaces; a replaced entry keeps its place (and its original key object).
    pub fn insert(&mut self, key: Key, k: Val, v: Val) {
        if let Some(&i) = self.index.get(&key)
            && let Some(Some(e)) = self.entries.get_mut(i)
        {
            e.2 = v;
            return;
        }
        self.index.insert(key.clone(), self.entries.len());
        self.entries.push(Some((key, k, v)));
        self.version += 1;
    }

    pub fn remove(&mut self, key: &Key) -> Option<(Val, Val)> {
        let i = self.index.remove(key)?;
        let e = self.entries.get_mut(i)?.take();
        self.version += 1;
        if self.entries.len() > 16 && self.index.len() * 2 < self.entries.len() {
            self.entries.retain(Option::is_some);
            for (pos, e) in self.entries.iter().enumerate() {
                if let Some((k, _, _)) = e {
                    self.index.insert(k.clone(), pos);
                }
            }
        }
        e.map(|(_, k, v)| (k, v))
    }

    /// Entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&Val, &Val)> {
        self.entries
            .iter()
            .filter_map(|e| e.as_ref().map(|(_, k, v)| (k, v)))
    }

    /// Keys in insertion order.
    pub fn key_iter(&self) -> impl Iterator<Item = &Key> {
        self.entries
            .iter()
            .filter_map(|e| e.as_ref().map(|(k, _, _)| k))
    }

    /// The next live entry at or after raw position `*pos`, advancing `*pos` (iterators).
    pub fn entry_from(&self, pos: &mut usize) -> Option<(Val, Val)> {
        while *pos < self.entries.len() {
            let i = *pos;
            *pos += 1;
            if let Some((_, k, v)) = &self.entries[i] {
                return Some((k.clone(), v.clone()));
            }
        }
        None
    }

    pub fn keys(&self) -> Vec<Val> {
        self.iter().map(|(k, _)| k.clone()).collect()
    }

    pub fn values(&self) -> Vec<Val> {
        self.iter().map(|(_, v)| v.clone()).collect()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.index.clear();
        self.version += 1;
    }

    /// Removes and returns the last entry (`popitem`).
    pub fn pop_last(&mut self) -> Option<(Val, Val)> {
        while let Some(last) = self.entries.pop() {
            if let Some((key, k, v)) = last {
                self.index.remove(&key);
                self.version += 1;
                return Some((k, v));
            }
        }
        None
    }
}

/// Attribute storage of instances, classes and modules: few names, insertion order.
#[derive(Clone, Debug, Default)]
pub struct Attrs(pub Vec<(Rc<str>, Val)>);

impl Attrs {
    #[inline]
    pub fn get(&self, name: &str) -> Option<&Val> {
        self.0
            .iter()
            .find(|(k, _)| k.as_ref() == name)
            .map(|(_, v)| v)
    }

    pub fn set(&mut self, name: Rc<str>, v: Val) {
        if let Some(slot) = self.0.iter_mut().find(|(k, _)| *k == name) {
            slot.1 = v;
        } else {
            self.0.push((name, v));
        }
    }

    pub fn remove(&mut self, name: &str) -> Option<Val> {
        let i = self.0.iter().position(|(k, _)| k.as_ref() == name)?;
        Some(self.0.remove(i).1)
    }
}

/// A Python function: code plus what it closes over.
#[derive(Debug)]
pub struct Function {
    pub code: Rc<Code>,
    pub globals: Rc<Module>,
    pub defaults: Vec<Val>,
    pub kwdefaults: Vec<(Rc<str>, Val)>,
    pub closure: Vec<Rc<RefCell<Option<Val>>>>,
    pub name: RefCell<Rc<str>>,
    /// The class whose body defined this function, for zero-argument `super()`.
    pub owner: RefCell<Weak<Class>>,
    pub attrs: RefCell<Attrs>,
}

/// A built-in function or method implemented in Rust.
pub struct Native {
    pub name: &'static str,
    pub f: crate::vm::NativeFn,
}

impl std::fmt::Debug for Native {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<built-in {}>", self.name)
    }
}

/// The built-in kind an instance's storage follows (the nearest built-in base of its class).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    Object,
    Type,
    Int,
    Bool,
    Float,
    Str,
    Bytes,
    Tuple,
    List,
    Dict,
    Set,
    Range,
    Slice,
    Function,
    NoneType,
    Module,
    Iterator,
    Generator,
    Coroutine,
    BaseException,
    /// A class implemented natively whose instances carry a simulator handle.
    Native,
}

/// A class (user-defined or built-in).
#[derive(Debug)]
pub struct Class {
    pub name: Rc<str>,
    pub qualname: Rc<str>,
    pub module: Rc<str>,
    pub bases: Vec<Rc<Class>>,
    /// The method resolution order, this class first.
    pub mro: RefCell<Vec<Rc<Class>>>,
    pub dict: RefCell<Attrs>,
    pub builtin: Builtin,
    /// A built-in type's constructor (`int(...)`, `list(...)`); called with the class first.
    pub ctor: Option<crate::vm::NativeFn>,
    /// Whether the class or a base has a property: only then must attribute loads consult
    /// the class before the instance (data descriptors win), which is the slow order.
    pub has_props: std::cell::Cell<bool>,
}

impl Class {
    /// Looks a name up along the MRO.
    pub fn lookup(&self, name: &str) -> Option<Val> {
        if let Some(v) = self.dict.borrow().get(name) {
            return Some(v.clone());
        }
        let mro = self.mro.borrow();
        for c in mro.iter().skip(1) {
            if let Some(v) = c.dict.borrow().get(name) {
                return Some(v.clone());
            }
        }
        None
    }

    pub fn is_subclass(self: &Rc<Class>, other: &Rc<Class>) -> bool {
        Rc::ptr_eq(self, other) || self.mro.borrow().iter().any(|c| Rc::ptr_eq(c, other))
    }
}

/// An instance of a class.
#[derive(Debug)]
pub struct Instance {
    pub class: Rc<Class>,
    pub attrs: RefCell<Attrs>,
    pub payload: RefCell<Payload>,
}

/// What a built-in base gives an instance beyond its attributes.
#[derive(Debug, Default)]
pub enum Payload {
    #[default]
    None,
    /// An exception: its arguments, traceback and chained exceptions.
    Exc(Box<ExcData>),
    /// A simulator object (a lock, queue, thread ...).
    Sim(crate::natives::SimHandle),
    /// A value a native class keeps (e.g. `threading.local` storage, a deque).
    Data(Val),
    /// An asyncio awaitable: the blocking call `await` performs (taken once).
    Await(Option<crate::natives::SimCall>),
}

#[derive(Debug, Default)]
pub struct ExcData {
    pub args: Vec<Val>,
    /// The frames it passed through, outermost first.
    pub traceback: Vec<TbEntry>,
    pub cause: Option<Val>,
    pub context: Option<Val>,
    pub suppress_context: bool,
}

/// One frame of a traceback.
#[derive(Debug, Clone)]
pub struct TbEntry {
    /// Unique per thread: a re-raise in the same frame is not listed twice.
    pub frame: u64,
    pub file: Rc<str>,
    pub name: Rc<str>,
    pub line: u32,
    /// The range of the failing expression (the call, in a caller's frame).
    pub span: crate::code::Span,
}

/// A module: a name and its globals.
#[derive(Debug)]
pub struct Module {
    pub name: Rc<str>,
    pub dict: RefCell<Dict>,
}

impl Module {
    pub fn new(name: &str) -> Rc<Module> {
        Rc::new(Module {
            name: Rc::from(name),
            dict: RefCell::new(Dict::new()),
        })
    }

    pub fn get(&self, name: &str) -> Option<Val> {
        self.dict.borrow().get_str(name).cloned()
    }

    pub fn set(&self, name: &str, v: Val) {
        let k: Rc<str> = Rc::from(name);
        self.dict
            .borrow_mut()
            .insert(Key::Str(k.clone()), Val::Str(k), v);
    }
}

/// A built-in iterator's state.
#[derive(Debug)]
pub enum Iter {
    /// Over a snapshot-free sequence: a list is read live (as CPython's list iterator).
    List(Rc<RefCell<Vec<Val>>>, usize),
    Tuple(Rc<[Val]>, usize),
    Str(Rc<str>, usize),
    Range {
        next: i64,
        stop: i64,
        step: i64,
    },
    /// Keys, values or items of a dict (or a set's keys): raw position and the version seen.
    Dict {
        dict: Rc<RefCell<Dict>>,
        pos: usize,
        version: u64,
        mode: DictIterMode,
    },
    /// A materialised sequence (zip, map, enumerate results over finished inputs ...).
    Vec(std::vec::IntoIter<Val>),
    Enumerate {
        inner: Val,
        count: i64,
    },
    Zip(Vec<Val>),
    Reversed(Rc<RefCell<Vec<Val>>>, usize),
    Count {
        next: i64,
        step: i64,
    },
    Cycle {
        items: Vec<Val>,
        pos: usize,
    },
    Done,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DictIterMode {
    Keys,
    Values,
    Items,
}

/// A suspended generator or coroutine: its frame and its slice of the value stack.
#[derive(Debug)]
pub struct Gen {
    pub frame: Option<Box<crate::vm::Frame>>,
    pub stack: Vec<Val>,
    pub name: Rc<str>,
    pub qualname: Rc<str>,
    pub started: bool,
    pub running: bool,
    pub finished: bool,
    pub is_coroutine: bool,
    /// An async generator (`async def` with `yield`): it runs as a generator whose `await`s
    /// block the task, and `async for` steps it like `for`.
    pub is_async_gen: bool,
}
