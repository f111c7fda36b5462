//! The compiler: our AST to bytecode ([`Code`]). Two passes, as CPython's: a symbol table
//! decides for every name in every scope whether it is a local slot, a cell (captured by an inner
//! function), a free variable (captured from an outer one), a global or a class-namespace name;
//! then code generation emits ops, inlining `finally` bodies at every `return`, `break` and
//! `continue` that leaves them.
//!
//! Recursion here follows the AST, whose depth `lower` has already bounded.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use crate::ast::*;
use crate::code::{Anchor, Code, CodeKind, Label, Op, Signature, Span};
use crate::error::{SourceError, SourceErrorKind};
use crate::obj::Val;

/// Compiles a module.
pub fn compile_module(
    module: &Module,
    name: &str,
    filename: &str,
) -> Result<Rc<Code>, SourceError> {
    let mut table = SymTable::default();
    let root = table.new_scope(CodeKind::Module, None);
    for s in &module.body {
        table.scan_stmt(s, root)?;
    }
    table.resolve()?;
    let mut c = Compiler {
        table: &table,
        units: Vec::new(),
        filename: Rc::from(filename),
    };
    c.push_unit(root, name, name, 1);
    for s in &module.body {
        c.stmt(s)?;
    }
    c.emit_const(Val::None);
    c.emit(Op::ReturnValue);
    Ok(c.pop_unit(Signature::default()))
}

// ---- the symbol table ---------------------------------------------------------------------

#[derive(Debug)]
struct Scope {
    kind: CodeKind,
    parent: Option<usize>,
    params: Vec<String>,
    bound: BTreeSet<String>,
    used: BTreeSet<String>,
    globals: BTreeSet<String>,
    nonlocals: BTreeSet<String>,
    cells: BTreeSet<String>,
    frees: BTreeSet<String>,
    is_generator: bool,
    is_async: bool,
}

#[derive(Debug, Default)]
struct SymTable {
    scopes: Vec<Scope>,
    /// The scope of each function, class, lambda and comprehension, by its node's address.
    by_node: BTreeMap<usize, usize>,
}

/// How a name is reached in a scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    Fast,
    Deref,
    Global,
    Name,
    ClassDeref,
}

fn node_key<T>(node: &T) -> usize {
    node as *const T as usize
}

impl SymTable {
    fn new_scope(&mut self, kind: CodeKind, parent: Option<usize>) -> usize {
        self.scopes.push(Scope {
            kind,
            parent,
            params: Vec::new(),
            bound: BTreeSet::new(),
            used: BTreeSet::new(),
            globals: BTreeSet::new(),
            nonlocals: BTreeSet::new(),
            cells: BTreeSet::new(),
            frees: BTreeSet::new(),
            is_generator: false,
            is_async: false,
        });
        self.scopes.len() - 1
    }

    fn bind(&mut self, scope: usize, name: &str) {
        self.scopes[scope].bound.insert(name.to_string());
    }

    fn use_name(&mut self, scope: usize, name: &str) {
        self.scopes[scope].used.insert(name.to_string());
    }

    fn scan_body(&mut self, body: &[Stmt], scope: usize) -> Result<(), SourceError> {
        for s in body {
            self.scan_stmt(s, scope)?;
        }
        Ok(())
    }

    fn scan_params(
        &mut self,
        params: &Params,
        outer: usize,
        inner: usize,
    ) -> Result<(), SourceError> {
        for p in params
            .posonly
            .iter()
            .chain(&params.args)
            .chain(&params.kwonly)
        {
            if let Some(d) = &p.default {
                self.scan_expr(d, outer)?;
            }
        }
        let mut names: Vec<String> = Vec::new();
        for p in params.posonly.iter().chain(&params.args) {
            names.push(p.name.clone());
        }
        for p in &params.kwonly {
            names.push(p.name.clone());
        }
        if let Some(v) = &params.vararg {
            names.push(v.clone());
        }
        if let Some(k) = &params.kwarg {
            names.push(k.clone());
        }
        for n in &names {
            self.bind(inner, n);
        }
        self.scopes[inner].params = names;
        Ok(())
    }

    fn scan_stmt(&mut self, s: &Stmt, scope: usize) -> Result<(), SourceError> {
        match &s.kind {
            StmtKind::Expr(e) => self.scan_expr(e, scope)?,
            StmtKind::WaitIn { wait, holds, .. } => {
                self.scan_expr(holds, scope)?;
                self.scan_expr(wait, scope)?;
            }
            StmtKind::Assign { targets, value } => {
                self.scan_expr(value, scope)?;
                for t in targets {
                    self.scan_target(t, scope)?;
                }
            }
            StmtKind::AugAssign { target, value, .. } => {
                self.scan_expr(value, scope)?;
                if let ExprKind::Name(n) = &target.kind {
                    self.use_name(scope, n);
                }
                self.scan_target(target, scope)?;
            }
            StmtKind::AnnAssign { target, value } => {
                if let Some(v) = value {
                    self.scan_expr(v, scope)?;
                    self.scan_target(target, scope)?;
                }
            }
            StmtKind::FunctionDef(f) => {
                for d in &f.decorators {
                    self.scan_expr(d, scope)?;
                }
                self.bind(scope, &f.name);
                let inner = self.new_scope(CodeKind::Function, Some(scope));
                self.scopes[inner].is_async = f.is_async;
                self.by_node.insert(node_key(&**f), inner);
                self.scan_params(&f.params, scope, inner)?;
                self.scan_body(&f.body, inner)?;
            }
            StmtKind::ClassDef(c) => {
                for d in &c.decorators {
                    self.scan_expr(d, scope)?;
                }
                for b in &c.bases {
                    self.scan_expr(b, scope)?;
                }
                for k in &c.keywords {
                    self.scan_expr(&k.value, scope)?;
                }
                self.bind(scope, &c.name);
                let inner = self.new_scope(CodeKind::Class, Some(scope));
                self.by_node.insert(node_key(&**c), inner);
                self.scan_body(&c.body, inner)?;
            }
            StmtKind::Return(v) => {
                if let Some(v) = v {
                    self.scan_expr(v, scope)?;
                }
            }
            StmtKind::Delete(ts) => {
                for t in ts {
                    self.scan_target(t, scope)?;
                }
            }
            StmtKind::If { test, body, orelse } | StmtKind::While { test, body, orelse } => {
                self.scan_expr(test, scope)?;
                self.scan_body(body, scope)?;
                self.scan_body(orelse, scope)?;
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                ..
            } => {
                self.scan_expr(iter, scope)?;
                self.scan_target(target, scope)?;
                self.scan_body(body, scope)?;
                self.scan_body(orelse, scope)?;
            }
            StmtKind::With { items, body, .. } => {
                for it in items {
                    self.scan_expr(&it.context, scope)?;
                    if let Some(v) = &it.var {
                        self.scan_target(v, scope)?;
                    }
                }
                self.scan_body(body, scope)?;
            }
            StmtKind::Raise { exc, cause } => {
                if let Some(e) = exc {
                    self.scan_expr(e, scope)?;
                }
                if let Some(c) = cause {
                    self.scan_expr(c, scope)?;
                }
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                self.scan_body(body, scope)?;
                for h in handlers {
                    if let Some(t) = &h.typ {
                        self.scan_expr(t, scope)?;
                    }
                    if let Some(n) = &h.name {
                        self.bind(scope, n);
                    }
                    self.scan_body(&h.body, scope)?;
                }
                self.scan_body(orelse, scope)?;
                self.scan_body(finalbody, scope)?;
            }
            StmtKind::Assert { test, msg } => {
                self.scan_expr(test, scope)?;
                if let Some(m) = msg {
                    self.scan_expr(m, scope)?;
                }
            }
            StmtKind::Import(names) => {
                for a in names {
                    let bound = match &a.asname {
                        Some(n) => n.clone(),
                        None => a.name.split('.').next().unwrap_or_default().to_string(),
                    };
                    self.bind(scope, &bound);
                }
            }
            StmtKind::ImportFrom { names, .. } => {
                for a in names {
                    if a.name != "*" {
                        self.bind(scope, a.asname.as_ref().unwrap_or(&a.name));
                    }
                }
            }
            StmtKind::Global(names) => {
                for n in names {
                    self.scopes[scope].globals.insert(n.clone());
                }
            }
            StmtKind::Nonlocal(names) => {
                if self.scopes[scope].kind == CodeKind::Module {
                    return Err(SourceError::new(
                        SourceErrorKind::Syntax,
                        "nonlocal declaration not allowed at module level",
                        s.pos,
                    ));
                }
                for n in names {
                    self.scopes[scope].nonlocals.insert(n.clone());
                }
            }
            StmtKind::Pass | StmtKind::Break | StmtKind::Continue => {}
        }
        Ok(())
    }

    fn scan_target(&mut self, t: &Expr, scope: usize) -> Result<(), SourceError> {
        match &t.kind {
            ExprKind::Name(n) => self.bind(scope, n),
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                for i in items {
                    self.scan_target(i, scope)?;
                }
            }
            ExprKind::Starred(inner) => self.scan_target(inner, scope)?,
            ExprKind::Attribute { value, .. } => self.scan_expr(value, scope)?,
            ExprKind::Subscript { value, index } => {
                self.scan_expr(value, scope)?;
                self.scan_expr(index, scope)?;
            }
            _ => {
                return Err(SourceError::new(
                    SourceErrorKind::Syntax,
                    "cannot assign to expression",
                    t.pos,
                ));
            }
        }
        Ok(())
    }

    fn scan_comp(
        &mut self,
        e: &Expr,
        generators: &[Comprehension],
        elts: &[&Expr],
        scope: usize,
        is_gen: bool,
    ) -> Result<(), SourceError> {
        let Some(first) = generators.first() else {
            return Ok(());
        };
        self.scan_expr(&first.iter, scope)?;
        let inner = self.new_scope(CodeKind::Comprehension, Some(scope));
        self.scopes[inner].is_generator = is_gen;
        // `async for` in it (or an `await`, see scan_expr) makes it a coroutine, or an async
        // generator for a generator expression.
        self.scopes[inner].is_async = generators.iter().any(|g| g.is_async);
        self.by_node.insert(node_key(e), inner);
        self.bind(inner, ".0");
        self.scopes[inner].params = vec![".0".to_string()];
        for (i, g) in generators.iter().enumerate() {
            if i > 0 {
                self.scan_expr(&g.iter, inner)?;
            }
            self.scan_target(&g.target, inner)?;
            for c in &g.ifs {
                self.scan_expr(c, inner)?;
            }
        }
        for x in elts {
            self.scan_expr(x, inner)?;
        }
        Ok(())
    }

    fn scan_expr(&mut self, e: &Expr, scope: usize) -> Result<(), SourceError> {
        match &e.kind {
            ExprKind::Name(n) => self.use_name(scope, n),
            ExprKind::Const(_) => {}
            ExprKind::BoolOp { values, .. } => {
                for v in values {
                    self.scan_expr(v, scope)?;
                }
            }
            ExprKind::Named { target, value } => {
                self.scan_expr(value, scope)?;
                // In a comprehension the target binds in the enclosing function or module.
                let mut s = scope;
                while self.scopes[s].kind == CodeKind::Comprehension {
                    let parent = self.scopes[s].parent.unwrap_or(0);
                    if self.scopes[parent].kind == CodeKind::Module {
                        self.scopes[s].globals.insert(target.clone());
                    } else {
                        self.scopes[s].nonlocals.insert(target.clone());
                    }
                    s = parent;
                }
                self.bind(s, target);
            }
            ExprKind::BinOp { left, right, .. } => {
                self.scan_expr(left, scope)?;
                self.scan_expr(right, scope)?;
            }
            ExprKind::UnaryOp { operand, .. } => self.scan_expr(operand, scope)?,
            ExprKind::Lambda { params, body } => {
                let inner = self.new_scope(CodeKind::Lambda, Some(scope));
                self.by_node.insert(node_key(e), inner);
                self.scan_params(params, scope, inner)?;
                self.scan_expr(body, inner)?;
            }
            ExprKind::IfExp { test, body, orelse } => {
                self.scan_expr(test, scope)?;
                self.scan_expr(body, scope)?;
                self.scan_expr(orelse, scope)?;
            }
            ExprKind::Dict(items) => {
                for (k, v) in items {
                    if let Some(k) = k {
                        self.scan_expr(k, scope)?;
                    }
                    self.scan_expr(v, scope)?;
                }
            }
            ExprKind::Set(items) | ExprKind::List(items) | ExprKind::Tuple(items) => {
                for i in items {
                    self.scan_expr(i, scope)?;
                }
            }
            ExprKind::ListComp { elt, generators } | ExprKind::SetComp { elt, generators } => {
                self.scan_comp(e, generators, &[elt], scope, false)?;
            }
            ExprKind::GeneratorExp { elt, generators } => {
                self.scan_comp(e, generators, &[elt], scope, true)?;
            }
            ExprKind::DictComp {
                key,
                value,
                generators,
            } => self.scan_comp(e, generators, &[key, value], scope, false)?,
            ExprKind::Await(v) | ExprKind::YieldFrom(v) => {
                if matches!(e.kind, ExprKind::YieldFrom(_)) {
                    self.mark_generator(scope, e.pos)?;
                } else if self.scopes[scope].kind == CodeKind::Comprehension {
                    self.scopes[scope].is_async = true;
                }
                self.scan_expr(v, scope)?;
            }
            ExprKind::Yield(v) => {
                self.mark_generator(scope, e.pos)?;
                if let Some(v) = v {
                    self.scan_expr(v, scope)?;
                }
            }
            ExprKind::Compare {
                left, comparators, ..
            } => {
                self.scan_expr(left, scope)?;
                for c in comparators {
                    self.scan_expr(c, scope)?;
                }
            }
            ExprKind::Call {
                func,
                args,
                keywords,
            } => {
                self.scan_expr(func, scope)?;
                for a in args {
                    self.scan_expr(a, scope)?;
                }
                for k in keywords {
                    self.scan_expr(&k.value, scope)?;
                }
            }
            ExprKind::FString(parts) => self.scan_fparts(parts, scope)?,
            ExprKind::Attribute { value, .. } => self.scan_expr(value, scope)?,
            ExprKind::Subscript { value, index } => {
                self.scan_expr(value, scope)?;
                self.scan_expr(index, scope)?;
            }
            ExprKind::Starred(v) => self.scan_expr(v, scope)?,
            ExprKind::Slice { lower, upper, step } => {
                for x in [lower, upper, step].into_iter().flatten() {
                    self.scan_expr(x, scope)?;
                }
            }
        }
        Ok(())
    }

    fn scan_fparts(&mut self, parts: &[FPart], scope: usize) -> Result<(), SourceError> {
        for p in parts {
            if let FPart::Value { value, spec, .. } = p {
                self.scan_expr(value, scope)?;
                self.scan_fparts(spec, scope)?;
            }
        }
        Ok(())
    }

    fn mark_generator(&mut self, scope: usize, pos: Pos) -> Result<(), SourceError> {
        match self.scopes[scope].kind {
            CodeKind::Function | CodeKind::Lambda | CodeKind::Comprehension => {
                self.scopes[scope].is_generator = true;
                Ok(())
            }
            _ => Err(SourceError::new(
                SourceErrorKind::Syntax,
                "'yield' outside function",
                pos,
            )),
        }
    }

    fn is_function_like(&self, s: usize) -> bool {
        matches!(
            self.scopes[s].kind,
            CodeKind::Function | CodeKind::Lambda | CodeKind::Comprehension
        )
    }

    /// Decides cells and free variables.
    fn resolve(&mut self) -> Result<(), SourceError> {
        for s in 0..self.scopes.len() {
            if self.scopes[s].kind == CodeKind::Module {
                continue;
            }
            let mut wanted: Vec<(String, bool)> = Vec::new();
            let sc = &self.scopes[s];
            for n in sc.nonlocals.iter() {
                wanted.push((n.clone(), true));
            }
            for n in sc.used.iter() {
                if sc.globals.contains(n) || sc.nonlocals.contains(n) {
                    continue;
                }
                if sc.bound.contains(n) {
                    continue;
                }
                wanted.push((n.clone(), false));
            }
            for (name, required) in wanted {
                // Find the nearest enclosing function-like scope that binds the name.
                let mut path = vec![s];
                let mut cur = self.scopes[s].parent;
                let mut found = None;
                while let Some(p) = cur {
                    let ps = &self.scopes[p];
                    if ps.kind == CodeKind::Module {
                        break;
                    }
                    if self.is_function_like(p) {
                        if ps.globals.contains(&name) {
                            break;
                        }
                        if ps.bound.contains(&name) && !ps.nonlocals.contains(&name) {
                            found = Some(p);
                            break;
                        }
                    }
                    path.push(p);
                    cur = ps.parent;
                }
                match found {
                    Some(owner) => {
                        self.scopes[owner].cells.insert(name.clone());
                        for p in path {
                            self.scopes[p].frees.insert(name.clone());
                        }
                    }
                    None if required => {
                        return Err(SourceError::new(
                            SourceErrorKind::Syntax,
                            format!("no binding for nonlocal '{name}' found"),
                            Pos { line: 1, col: 1 },
                        ));
                    }
                    None => {}
                }
            }
        }
        Ok(())
    }
}

// ---- code generation ----------------------------------------------------------------------

/// What a `return`, `break` or `continue` must undo on its way out.
#[derive(Clone, Debug)]
enum FBlock<'a> {
    Loop {
        start: Label,
        breaks: Vec<usize>,
        is_for: bool,
    },
    /// Inside `try:` with handlers (a block is on the VM's block stack).
    TryExcept,
    /// Inside `try:` with a `finally:` whose body must run on the way out.
    TryFinally(&'a [Stmt]),
    /// Inside the exception path of a `finally:` (the exception is on the stack).
    FinallyHandler,
    /// Inside an `except` body (the exception is being handled).
    Handler,
    /// Inside a `with` body (the `__exit__` is on the stack, a block on the block stack).
    With,
    /// Inside an `async with` body (its `__aexit__` must be awaited on the way out).
    AsyncWith,
}

struct Unit<'a> {
    scope: usize,
    name: Rc<str>,
    qualname: Rc<str>,
    kind: CodeKind,
    ops: Vec<Op>,
    lines: Vec<u32>,
    spans: Vec<Span>,
    /// The range of the expression being compiled: what each op emitted now records.
    span: Span,
    consts: Vec<Val>,
    names: Vec<Rc<str>>,
    name_ix: BTreeMap<Rc<str>, u32>,
    locals: Vec<Rc<str>>,
    cellvars: Vec<Rc<str>>,
    freevars: Vec<Rc<str>>,
    line: u32,
    first_line: u32,
    fblocks: Vec<FBlock<'a>>,
    /// A module with `await` at its top level (as notebooks allow) runs as a task.
    top_level_await: bool,
}

struct Compiler<'a> {
    table: &'a SymTable,
    units: Vec<Unit<'a>>,
    filename: Rc<str>,
}

/// An expression's source range, with the anchor CPython's carets use for its kind.
fn span_of(e: &Expr) -> Span {
    let anchor = match &e.kind {
        ExprKind::BinOp { left, right, .. } => Anchor::BinOp {
            left_end: left.end.col,
            right_start: right.pos.col,
        },
        ExprKind::Subscript { value, index } => Anchor::Subscript {
            value_end: value.end.col,
            index_end: index.end.col,
        },
        _ => Anchor::None,
    };
    Span {
        line: e.pos.line,
        col: e.pos.col,
        end_line: e.end.line,
        end_col: e.end.col,
        anchor,
    }
}

/// The comparison an `assert` test ends in (through `not` and `and`/`or`), if any.
fn assert_compare(test: &Expr) -> Option<&Expr> {
    match &test.kind {
        ExprKind::Compare { .. } if test.end.line > 0 => Some(test),
        ExprKind::UnaryOp {
            op: UnaryOp::Not,
            operand,
        } => assert_compare(operand),
        ExprKind::BoolOp { values, .. } => values.last().and_then(assert_compare),
        _ => None,
    }
}

fn unsupported(what: &str, pos: Pos) -> SourceError {
    SourceError::unsupported(what, pos)
}

impl<'a> Compiler<'a> {
    fn unit(&mut self) -> &mut Unit<'a> {
        let last = self.units.len() - 1;
        &mut self.units[last]
    }

    fn unit_ref(&self) -> &Unit<'a> {
        &self.units[self.units.len() - 1]
    }

    fn push_unit(&mut self, scope: usize, name: &str, qualname: &str, line: u32) {
        let sc = &self.table.scopes[scope];
        let mut locals: Vec<Rc<str>> = sc.params.iter().map(|p| Rc::from(p.as_str())).collect();
        if matches!(
            sc.kind,
            CodeKind::Function | CodeKind::Lambda | CodeKind::Comprehension
        ) {
            for n in &sc.bound {
                if !sc.params.contains(n)
                    && !sc.cells.contains(n)
                    && !sc.globals.contains(n)
                    && !sc.nonlocals.contains(n)
                {
                    locals.push(Rc::from(n.as_str()));
                }
            }
        }
        let cellvars = sc.cells.iter().map(|n| Rc::from(n.as_str())).collect();
        let freevars = sc.frees.iter().map(|n| Rc::from(n.as_str())).collect();
        self.units.push(Unit {
            scope,
            name: Rc::from(name),
            qualname: Rc::from(qualname),
            kind: sc.kind,
            ops: Vec::new(),
            lines: Vec::new(),
            spans: Vec::new(),
            span: Span::default(),
            consts: Vec::new(),
            names: Vec::new(),
            name_ix: BTreeMap::new(),
            locals,
            cellvars,
            freevars,
            line,
            first_line: line,
            fblocks: Vec::new(),
            top_level_await: false,
        });
    }

    fn pop_unit(&mut self, sig: Signature) -> Rc<Code> {
        let Some(u) = self.units.pop() else {
            return Rc::new(Code {
                filename: self.filename.clone(),
                name: Rc::from("?"),
                qualname: Rc::from("?"),
                kind: CodeKind::Module,
                ops: vec![Op::LoadConst(0), Op::ReturnValue],
                lines: vec![1, 1],
                spans: vec![Span::default(); 2],
                consts: vec![Val::None],
                names: Vec::new(),
                locals: Vec::new(),
                cellvars: Vec::new(),
                freevars: Vec::new(),
                cell_params: Vec::new(),
                sig,
                is_generator: false,
                is_coroutine: false,
                first_line: 1,
                global_cache: Default::default(),
            });
        };
        let sc = &self.table.scopes[u.scope];
        let nnames = u.names.len();
        let cell_params = u
            .cellvars
            .iter()
            .enumerate()
            .filter_map(|(ci, n)| {
                u.locals
                    .iter()
                    .position(|l| l == n)
                    .map(|li| (ci as u32, li as u32))
            })
            .collect();
        Rc::new(Code {
            filename: self.filename.clone(),
            name: u.name,
            qualname: u.qualname,
            kind: u.kind,
            ops: u.ops,
            lines: u.lines,
            spans: u.spans,
            consts: u.consts,
            names: u.names,
            locals: u.locals,
            cellvars: u.cellvars,
            freevars: u.freevars,
            cell_params,
            sig,
            is_generator: sc.is_generator,
            is_coroutine: sc.is_async || u.top_level_await,
            first_line: u.first_line,
            global_cache: std::cell::RefCell::new(vec![Default::default(); nnames]),
        })
    }

    fn emit(&mut self, op: Op) -> usize {
        let u = self.unit();
        u.ops.push(op);
        u.lines.push(u.line);
        u.spans.push(u.span);
        u.ops.len() - 1
    }

    /// Emits `op` with `e`'s source range (a store or delete target's), as CPython places it.
    fn emit_at(&mut self, e: &Expr, op: Op) {
        let outer = self.unit().span;
        if e.end.line > 0 {
            self.unit().span = span_of(e);
        }
        self.emit(op);
        self.unit().span = outer;
    }

    fn here(&self) -> Label {
        self.unit_ref().ops.len() as Label
    }

    fn patch(&mut self, at: usize, target: Label) {
        let u = self.unit();
        if let Some(op) = u.ops.get_mut(at) {
            *op = match *op {
                Op::Jump(_) => Op::Jump(target),
                Op::JumpBack(_) => Op::JumpBack(target),
                Op::PopJumpIfFalse(_) => Op::PopJumpIfFalse(target),
                Op::PopJumpIfTrue(_) => Op::PopJumpIfTrue(target),
                Op::JumpIfFalseOrPop(_) => Op::JumpIfFalseOrPop(target),
                Op::JumpIfTrueOrPop(_) => Op::JumpIfTrueOrPop(target),
                Op::ForIter(_) => Op::ForIter(target),
                Op::SetupExcept(_) => Op::SetupExcept(target),
                Op::SetupFinally(_) => Op::SetupFinally(target),
                Op::SetupWith(_) => Op::SetupWith(target),
                Op::SetupAsyncWith(_) => Op::SetupAsyncWith(target),
                other => other,
            };
        }
    }

    fn patch_here(&mut self, at: usize) {
        let h = self.here();
        self.patch(at, h);
    }

    fn set_line(&mut self, pos: Pos) {
        if pos.line > 0 {
            self.unit().line = pos.line;
        }
    }

    fn add_const(&mut self, v: Val) -> u32 {
        let u = self.unit();
        u.consts.push(v);
        (u.consts.len() - 1) as u32
    }

    fn emit_const(&mut self, v: Val) {
        let i = self.add_const(v);
        self.emit(Op::LoadConst(i));
    }

    fn name_index(&mut self, name: &str) -> u32 {
        let u = self.unit();
        if let Some(&i) = u.name_ix.get(name) {
            return i;
        }
        let rc: Rc<str> = Rc::from(name);
        u.names.push(rc.clone());
        let i = (u.names.len() - 1) as u32;
        u.name_ix.insert(rc, i);
        i
    }

    fn access(&self, name: &str) -> (Access, u32) {
        let u = self.unit_ref();
        let sc = &self.table.scopes[u.scope];
        let cell_ix = |n: &str| {
            u.cellvars
                .iter()
                .position(|c| c.as_ref() == n)
                .or_else(|| {
                    u.freevars
                        .iter()
                        .position(|c| c.as_ref() == n)
                        .map(|i| i + u.cellvars.len())
                })
                .map(|i| i as u32)
        };
        match sc.kind {
            CodeKind::Module => (Access::Global, 0),
            CodeKind::Class => {
                if sc.globals.contains(name) {
                    (Access::Global, 0)
                } else if sc.bound.contains(name) {
                    (Access::Name, 0)
                } else if let Some(i) = cell_ix(name) {
                    (Access::ClassDeref, i)
                } else {
                    (Access::Name, 0)
                }
            }
            _ => {
                if sc.globals.contains(name) {
                    return (Access::Global, 0);
                }
                if let Some(i) = cell_ix(name) {
                    return (Access::Deref, i);
                }
                if let Some(i) = u.locals.iter().position(|l| l.as_ref() == name) {
                    return (Access::Fast, i as u32);
                }
                (Access::Global, 0)
            }
        }
    }

    fn load(&mut self, name: &str) {
        match self.access(name) {
            (Access::Fast, i) => self.emit(Op::LoadFast(i)),
            (Access::Deref, i) => self.emit(Op::LoadDeref(i)),
            (Access::ClassDeref, i) => self.emit(Op::LoadClassDeref(i)),
            (Access::Global, _) => {
                let i = self.name_index(name);
                self.emit(Op::LoadGlobal(i))
            }
            (Access::Name, _) => {
                let i = self.name_index(name);
                self.emit(Op::LoadName(i))
            }
        };
    }

    fn store(&mut self, name: &str) {
        match self.access(name) {
            (Access::Fast, i) => self.emit(Op::StoreFast(i)),
            (Access::Deref, i) | (Access::ClassDeref, i) => self.emit(Op::StoreDeref(i)),
            (Access::Global, _) => {
                let i = self.name_index(name);
                self.emit(Op::StoreGlobal(i))
            }
            (Access::Name, _) => {
                let i = self.name_index(name);
                self.emit(Op::StoreName(i))
            }
        };
    }

    fn delete(&mut self, name: &str) {
        match self.access(name) {
            (Access::Fast, i) => self.emit(Op::DeleteFast(i)),
            (Access::Deref, i) | (Access::ClassDeref, i) => self.emit(Op::DeleteDeref(i)),
            (Access::Global, _) => {
                let i = self.name_index(name);
                self.emit(Op::DeleteGlobal(i))
            }
            (Access::Name, _) => {
                let i = self.name_index(name);
                self.emit(Op::DeleteName(i))
            }
        };
    }

    // ---- statements ---------------------------------------------------------------------

    fn body(&mut self, body: &'a [Stmt]) -> Result<(), SourceError> {
        for s in body {
            self.stmt(s)?;
        }
        Ok(())
    }

    fn stmt(&mut self, s: &'a Stmt) -> Result<(), SourceError> {
        self.set_line(s.pos);
        self.unit().span = Span::default();
        match &s.kind {
            StmtKind::Expr(e) => {
                self.expr(e)?;
                self.emit(Op::Pop);
            }
            StmtKind::WaitIn { wait, holds, what } => {
                // The declaration names the ops of this statement: outside them (after the
                // loop, say) it no longer describes the frame's waits.
                let first = self.here();
                self.expr(holds)?;
                let built_in = self.here() - first;
                let at = self.add_const(Val::None);
                self.emit(Op::Awaiting(at));
                let start = self.here();
                self.expr(wait)?;
                self.emit(Op::Pop);
                let end = self.here();
                self.unit().consts[at as usize] = Val::tuple(vec![
                    Val::str(what),
                    Val::Int(i64::from(start)),
                    Val::Int(i64::from(end)),
                    Val::Int(i64::from(built_in)),
                ]);
            }
            StmtKind::Assign { targets, value } => {
                self.expr(value)?;
                for (i, t) in targets.iter().enumerate() {
                    if i + 1 < targets.len() {
                        self.emit(Op::Dup);
                    }
                    self.store_target(t)?;
                }
            }
            StmtKind::AugAssign { target, op, value } => self.aug_assign(target, *op, value)?,
            StmtKind::AnnAssign { target, value } => {
                if let Some(v) = value {
                    self.expr(v)?;
                    self.store_target(target)?;
                }
            }
            StmtKind::FunctionDef(f) => {
                for d in &f.decorators {
                    self.expr(d)?;
                }
                self.make_function(
                    node_key(&**f),
                    &f.name,
                    &f.params,
                    FnBody::Stmts(&f.body),
                    s.pos,
                )?;
                for _ in &f.decorators {
                    self.emit(Op::Call(1));
                }
                self.store(&f.name);
            }
            StmtKind::ClassDef(c) => self.class_def(c, s.pos)?,
            StmtKind::Return(v) => {
                if !matches!(self.unit_ref().kind, CodeKind::Function | CodeKind::Lambda) {
                    return Err(SourceError::new(
                        SourceErrorKind::Syntax,
                        "'return' outside function",
                        s.pos,
                    ));
                }
                match v {
                    Some(v) => self.expr(v)?,
                    None => self.emit_const(Val::None),
                }
                self.unwind_for_return()?;
                self.emit(Op::ReturnValue);
            }
            StmtKind::Delete(targets) => {
                for t in targets {
                    self.delete_target(t)?;
                }
            }
            StmtKind::If { test, body, orelse } => {
                self.expr(test)?;
                let jf = self.emit(Op::PopJumpIfFalse(0));
                self.body(body)?;
                if orelse.is_empty() {
                    self.patch_here(jf);
                } else {
                    let je = self.emit(Op::Jump(0));
                    self.patch_here(jf);
                    self.body(orelse)?;
                    self.patch_here(je);
                }
            }
            StmtKind::While { test, body, orelse } => {
                let start = self.here();
                self.expr(test)?;
                let jf = self.emit(Op::PopJumpIfFalse(0));
                self.unit().fblocks.push(FBlock::Loop {
                    start,
                    breaks: Vec::new(),
                    is_for: false,
                });
                self.body(body)?;
                self.emit(Op::JumpBack(start));
                let breaks = self.pop_loop();
                self.patch_here(jf);
                self.body(orelse)?;
                for b in breaks {
                    self.patch_here(b);
                }
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                is_async,
            } => {
                if *is_async {
                    self.check_async_allowed("'async for'", s.pos)?;
                }
                self.expr(iter)?;
                // An async iterator is stepped like a generator: see Op::GetAIter.
                self.emit(if *is_async { Op::GetAIter } else { Op::GetIter });
                let start = self.here();
                let fi = self.emit(Op::ForIter(0));
                self.store_target(target)?;
                self.unit().fblocks.push(FBlock::Loop {
                    start,
                    breaks: Vec::new(),
                    is_for: true,
                });
                self.body(body)?;
                self.set_line(s.pos);
                self.emit(Op::JumpBack(start));
                let breaks = self.pop_loop();
                self.patch_here(fi);
                self.body(orelse)?;
                for b in breaks {
                    self.patch_here(b);
                }
            }
            StmtKind::With {
                items,
                body,
                is_async,
            } => {
                if *is_async {
                    self.check_await_allowed(s.pos)?;
                }
                self.with(items, body, s.pos, *is_async)?;
            }
            StmtKind::Raise { exc, cause } => {
                let mut n = 0;
                if let Some(e) = exc {
                    self.expr(e)?;
                    n = 1;
                    if let Some(c) = cause {
                        self.expr(c)?;
                        n = 2;
                    }
                }
                self.emit(Op::Raise(n));
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                if finalbody.is_empty() {
                    self.try_except(body, handlers, orelse)?;
                } else {
                    let setup = self.emit(Op::SetupFinally(0));
                    self.unit().fblocks.push(FBlock::TryFinally(finalbody));
                    if handlers.is_empty() {
                        self.body(body)?;
                    } else {
                        self.try_except(body, handlers, orelse)?;
                    }
                    self.unit().fblocks.pop();
                    self.emit(Op::PopBlock);
                    self.body(finalbody)?;
                    let jend = self.emit(Op::Jump(0));
                    self.patch_here(setup);
                    self.unit().fblocks.push(FBlock::FinallyHandler);
                    self.body(finalbody)?;
                    self.unit().fblocks.pop();
                    self.emit(Op::Reraise);
                    self.patch_here(jend);
                }
            }
            StmtKind::Assert { test, msg } => {
                self.expr(test)?;
                let jt = self.emit(Op::PopJumpIfTrue(0));
                // CPython 3.11 places the `AssertionError` at a comparison test, not at the
                // statement (its carets mark `x > 0`).
                if let Some(c) = assert_compare(test) {
                    self.unit().span = span_of(c);
                }
                self.emit(Op::LoadAssertionError);
                if let Some(m) = msg {
                    self.expr(m)?;
                    self.emit(Op::Call(1));
                }
                self.emit(Op::Raise(1));
                self.patch_here(jt);
            }
            StmtKind::Import(names) => {
                for a in names {
                    let i = self.name_index(&a.name);
                    self.emit(Op::ImportName(i));
                    match &a.asname {
                        Some(n) => self.store(n),
                        None => {
                            self.emit(Op::Pop);
                            let top = a.name.split('.').next().unwrap_or_default().to_string();
                            let t = self.name_index(&top);
                            self.emit(Op::ImportName(t));
                            self.store(&top);
                        }
                    }
                }
            }
            StmtKind::ImportFrom {
                module,
                names,
                level,
            } => {
                if *level > 0 {
                    return Err(unsupported("relative import", s.pos));
                }
                let m = self.name_index(module);
                self.emit(Op::ImportName(m));
                for a in names {
                    if a.name == "*" {
                        if self.unit_ref().kind != CodeKind::Module {
                            return Err(SourceError::new(
                                SourceErrorKind::Syntax,
                                "import * only allowed at module level",
                                s.pos,
                            ));
                        }
                        self.emit(Op::ImportStar);
                        return Ok(());
                    }
                    let i = self.name_index(&a.name);
                    self.emit(Op::ImportFrom(i));
                    self.store(a.asname.as_ref().unwrap_or(&a.name));
                }
                self.emit(Op::Pop);
            }
            StmtKind::Global(_) | StmtKind::Nonlocal(_) | StmtKind::Pass => {}
            StmtKind::Break => self.break_or_continue(true, s.pos)?,
            StmtKind::Continue => self.break_or_continue(false, s.pos)?,
        }
        Ok(())
    }

    fn pop_loop(&mut self) -> Vec<usize> {
        match self.unit().fblocks.pop() {
            Some(FBlock::Loop { breaks, .. }) => breaks,
            _ => Vec::new(),
        }
    }

    /// Emits what leaving one block needs; `preserve` keeps a value on top of the stack.
    fn unwind_block(&mut self, b: &FBlock<'a>, preserve: bool) -> Result<(), SourceError> {
        match b {
            FBlock::Loop { is_for: true, .. } => {
                if preserve {
                    self.emit(Op::Rot2);
                }
                self.emit(Op::Pop);
            }
            FBlock::Loop { .. } => {}
            FBlock::TryExcept => {
                self.emit(Op::PopBlock);
            }
            FBlock::TryFinally(body) => {
                self.emit(Op::PopBlock);
                self.body(body)?;
            }
            FBlock::FinallyHandler => {
                if preserve {
                    self.emit(Op::Rot2);
                }
                self.emit(Op::Pop);
                self.emit(Op::PopExcept);
            }
            FBlock::Handler => {
                self.emit(Op::PopExcept);
            }
            FBlock::With => {
                self.emit(Op::PopBlock);
                if preserve {
                    self.emit(Op::Rot2);
                }
                self.emit(Op::WithExitNormal);
                self.emit(Op::Pop);
            }
            FBlock::AsyncWith => {
                self.emit(Op::PopBlock);
                if preserve {
                    self.emit(Op::Rot2);
                }
                self.emit(Op::WithExitNormal);
                self.emit_await();
                self.emit(Op::Pop);
            }
        }
        Ok(())
    }

    fn unwind_for_return(&mut self) -> Result<(), SourceError> {
        let saved = self.unit_ref().fblocks.clone();
        while let Some(b) = self.unit().fblocks.pop() {
            self.unwind_block(&b, true)?;
        }
        self.unit().fblocks = saved;
        Ok(())
    }

    fn break_or_continue(&mut self, is_break: bool, pos: Pos) -> Result<(), SourceError> {
        let saved = self.unit_ref().fblocks.clone();
        loop {
            let Some(b) = self.unit().fblocks.pop() else {
                self.unit().fblocks = saved;
                let what = if is_break { "'break'" } else { "'continue'" };
                return Err(SourceError::new(
                    SourceErrorKind::Syntax,
                    format!("{what} outside loop"),
                    pos,
                ));
            };
            if let FBlock::Loop { start, is_for, .. } = b {
                if is_break {
                    if is_for {
                        self.emit(Op::Pop);
                    }
                    let j = self.emit(Op::Jump(0));
                    self.unit().fblocks = saved;
                    // Register the break with the innermost loop.
                    for fb in self.unit().fblocks.iter_mut().rev() {
                        if let FBlock::Loop { breaks, .. } = fb {
                            breaks.push(j);
                            break;
                        }
                    }
                } else {
                    self.emit(Op::JumpBack(start));
                    self.unit().fblocks = saved;
                }
                return Ok(());
            }
            self.unwind_block(&b, false)?;
        }
    }

    fn try_except(
        &mut self,
        body: &'a [Stmt],
        handlers: &'a [Handler],
        orelse: &'a [Stmt],
    ) -> Result<(), SourceError> {
        let setup = self.emit(Op::SetupExcept(0));
        self.unit().fblocks.push(FBlock::TryExcept);
        self.body(body)?;
        self.unit().fblocks.pop();
        self.emit(Op::PopBlock);
        self.body(orelse)?;
        let mut ends = vec![self.emit(Op::Jump(0))];
        self.patch_here(setup);
        for h in handlers {
            self.set_line(h.pos);
            let mut next = None;
            if let Some(t) = &h.typ {
                self.expr(t)?;
                self.emit(Op::CheckExcMatch);
                next = Some(self.emit(Op::PopJumpIfFalse(0)));
            }
            match &h.name {
                Some(n) => self.store(n),
                None => {
                    self.emit(Op::Pop);
                }
            }
            self.unit().fblocks.push(FBlock::Handler);
            self.body(&h.body)?;
            self.unit().fblocks.pop();
            self.emit(Op::PopExcept);
            if let Some(n) = &h.name {
                self.emit_const(Val::None);
                self.store(n);
                self.delete(n);
            }
            ends.push(self.emit(Op::Jump(0)));
            if let Some(j) = next {
                self.patch_here(j);
            }
        }
        self.emit(Op::Reraise);
        for e in ends {
            self.patch_here(e);
        }
        Ok(())
    }

    fn emit_await(&mut self) {
        self.emit(Op::GetAwaitable);
        self.emit_const(Val::None);
        self.emit(Op::YieldFrom);
    }

    /// `async for` / `async with` outside an async function is a syntax error (at the top
    /// level it is allowed, as notebooks allow it).
    fn check_async_allowed(&mut self, what: &str, pos: Pos) -> Result<(), SourceError> {
        let k = self.unit_ref().kind;
        if !(self.table.scopes[self.unit_ref().scope].is_async || k == CodeKind::Module) {
            return Err(SourceError::new(
                SourceErrorKind::Syntax,
                format!("{what} outside async function"),
                pos,
            ));
        }
        if k == CodeKind::Module {
            self.unit().top_level_await = true;
        }
        Ok(())
    }

    fn check_await_allowed(&mut self, pos: Pos) -> Result<(), SourceError> {
        let k = self.unit_ref().kind;
        let in_async = self.table.scopes[self.unit_ref().scope].is_async;
        if !(in_async || k == CodeKind::Module) {
            return Err(SourceError::new(
                SourceErrorKind::Syntax,
                "'await' outside async function",
                pos,
            ));
        }
        if k == CodeKind::Module {
            self.unit().top_level_await = true;
        }
        Ok(())
    }

    fn with(
        &mut self,
        items: &'a [WithItem],
        body: &'a [Stmt],
        pos: Pos,
        is_async: bool,
    ) -> Result<(), SourceError> {
        let Some((first, rest)) = items.split_first() else {
            return self.body(body);
        };
        self.expr(&first.context)?;
        self.set_line(pos);
        let setup = if is_async {
            let s = self.emit(Op::SetupAsyncWith(0));
            self.emit_await();
            s
        } else {
            self.emit(Op::SetupWith(0))
        };
        match &first.var {
            Some(v) => self.store_target(v)?,
            None => {
                self.emit(Op::Pop);
            }
        }
        self.unit().fblocks.push(if is_async {
            FBlock::AsyncWith
        } else {
            FBlock::With
        });
        if rest.is_empty() {
            self.body(body)?;
        } else {
            self.with(rest, body, pos, is_async)?;
        }
        self.unit().fblocks.pop();
        self.set_line(pos);
        self.emit(Op::PopBlock);
        self.emit(Op::WithExitNormal);
        if is_async {
            self.emit_await();
        }
        self.emit(Op::Pop);
        let jend = self.emit(Op::Jump(0));
        self.patch_here(setup);
        self.emit(Op::WithExitExcept);
        if is_async {
            self.emit_await();
        }
        let jsup = self.emit(Op::PopJumpIfTrue(0));
        self.emit(Op::Reraise);
        self.patch_here(jsup);
        self.emit(Op::Pop);
        self.emit(Op::Pop);
        self.emit(Op::PopExcept);
        self.patch_here(jend);
        Ok(())
    }

    fn aug_assign(
        &mut self,
        target: &'a Expr,
        op: BinOp,
        value: &'a Expr,
    ) -> Result<(), SourceError> {
        match &target.kind {
            ExprKind::Name(n) => {
                self.load(n);
                self.expr(value)?;
                self.emit(Op::Inplace(op));
                self.store(n);
            }
            // As CPython's: the target's load and store carry the target's range, the
            // operation itself the statement's.
            ExprKind::Attribute { value: obj, attr } => {
                let outer = self.unit().span;
                self.expr(obj)?;
                self.unit().span = span_of(target);
                self.emit(Op::Dup);
                let i = self.name_index(attr);
                self.emit(Op::LoadAttr(i));
                self.unit().span = outer;
                self.expr(value)?;
                self.emit(Op::Inplace(op));
                self.unit().span = span_of(target);
                self.emit(Op::Rot2);
                self.emit(Op::StoreAttr(i));
                self.unit().span = outer;
            }
            ExprKind::Subscript { value: obj, index } => {
                let outer = self.unit().span;
                self.expr(obj)?;
                self.expr(index)?;
                self.unit().span = span_of(target);
                self.emit(Op::Dup2);
                self.emit(Op::Subscr);
                self.unit().span = outer;
                self.expr(value)?;
                self.emit(Op::Inplace(op));
                self.unit().span = span_of(target);
                self.emit(Op::Rot3);
                self.emit(Op::StoreSubscr);
                self.unit().span = outer;
            }
            _ => {
                return Err(SourceError::new(
                    SourceErrorKind::Syntax,
                    "illegal expression for augmented assignment",
                    target.pos,
                ));
            }
        }
        Ok(())
    }

    fn store_target(&mut self, t: &'a Expr) -> Result<(), SourceError> {
        match &t.kind {
            ExprKind::Name(n) => self.store(n),
            ExprKind::Attribute { value, attr } => {
                self.expr(value)?;
                let i = self.name_index(attr);
                self.emit_at(t, Op::StoreAttr(i));
            }
            ExprKind::Subscript { value, index } => {
                self.expr(value)?;
                self.expr(index)?;
                self.emit_at(t, Op::StoreSubscr);
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let star = items
                    .iter()
                    .position(|i| matches!(i.kind, ExprKind::Starred(_)));
                match star {
                    None => {
                        self.emit(Op::UnpackSequence(items.len() as u32));
                    }
                    Some(si) => {
                        if items
                            .iter()
                            .filter(|i| matches!(i.kind, ExprKind::Starred(_)))
                            .count()
                            > 1
                        {
                            return Err(SourceError::new(
                                SourceErrorKind::Syntax,
                                "multiple starred expressions in assignment",
                                t.pos,
                            ));
                        }
                        let after = items.len() - si - 1;
                        self.emit(Op::UnpackEx(si as u16, after as u16));
                    }
                }
                for i in items {
                    match &i.kind {
                        ExprKind::Starred(inner) => self.store_target(inner)?,
                        _ => self.store_target(i)?,
                    }
                }
            }
            _ => {
                return Err(SourceError::new(
                    SourceErrorKind::Syntax,
                    "cannot assign to expression",
                    t.pos,
                ));
            }
        }
        Ok(())
    }

    fn delete_target(&mut self, t: &'a Expr) -> Result<(), SourceError> {
        match &t.kind {
            ExprKind::Name(n) => self.delete(n),
            ExprKind::Attribute { value, attr } => {
                self.expr(value)?;
                let i = self.name_index(attr);
                self.emit_at(t, Op::DeleteAttr(i));
            }
            ExprKind::Subscript { value, index } => {
                self.expr(value)?;
                self.expr(index)?;
                self.emit_at(t, Op::DeleteSubscr);
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                for i in items {
                    self.delete_target(i)?;
                }
            }
            _ => {
                return Err(SourceError::new(
                    SourceErrorKind::Syntax,
                    "cannot delete expression",
                    t.pos,
                ));
            }
        }
        Ok(())
    }

    fn class_def(&mut self, c: &'a ClassDef, pos: Pos) -> Result<(), SourceError> {
        for d in &c.decorators {
            self.expr(d)?;
        }
        if let Some(k) = c.keywords.first() {
            return Err(unsupported(
                &format!(
                    "class keyword argument `{}`",
                    k.name.as_deref().unwrap_or("**")
                ),
                k.value.pos,
            ));
        }
        let scope = self.table.by_node.get(&node_key(c)).copied().unwrap_or(0);
        let qual = self.qualname_for(&c.name);
        self.push_unit(scope, &c.name, &qual, pos.line);
        // The body: `__module__` and `__qualname__`, then the statements; it returns nothing,
        // the VM builds the class from the namespace the body filled.
        self.body(&c.body)?;
        self.emit_const(Val::None);
        self.emit(Op::ReturnValue);
        let code = self.pop_unit(Signature::default());
        self.closure_and_code(code, 0)?;
        for b in &c.bases {
            if matches!(b.kind, ExprKind::Starred(_)) {
                return Err(unsupported("starred base classes", b.pos));
            }
            self.expr(b)?;
        }
        self.set_line(pos);
        self.emit(Op::BuildClass(c.bases.len() as u32));
        for _ in &c.decorators {
            self.emit(Op::Call(1));
        }
        self.store(&c.name);
        Ok(())
    }

    fn qualname_for(&self, name: &str) -> String {
        let mut parts = Vec::new();
        for u in self.units.iter().skip(1) {
            parts.push(u.name.to_string());
            if matches!(u.kind, CodeKind::Function | CodeKind::Lambda) {
                parts.push("<locals>".to_string());
            }
        }
        parts.push(name.to_string());
        parts.join(".")
    }

    /// Pushes the closure tuple (if any) and the code, then `MakeFunction`.
    fn closure_and_code(&mut self, code: Rc<Code>, mut flags: u8) -> Result<(), SourceError> {
        if !code.freevars.is_empty() {
            for fv in code.freevars.iter() {
                let (acc, i) = self.access(fv);
                match acc {
                    Access::Deref | Access::ClassDeref => {
                        self.emit(Op::LoadClosure(i));
                    }
                    _ => {
                        // The enclosing scope is a class whose own free variable this is.
                        let u = self.unit_ref();
                        let ix = u
                            .cellvars
                            .iter()
                            .chain(u.freevars.iter())
                            .position(|c| c == fv)
                            .unwrap_or(0);
                        self.emit(Op::LoadClosure(ix as u32));
                    }
                }
            }
            self.emit(Op::BuildTuple(code.freevars.len() as u32));
            flags |= 4;
        }
        self.emit_const(Val::Code(code));
        self.emit(Op::MakeFunction(flags));
        Ok(())
    }

    fn make_function(
        &mut self,
        key: usize,
        name: &str,
        params: &'a Params,
        body: FnBody<'a>,
        pos: Pos,
    ) -> Result<(), SourceError> {
        let mut flags = 0u8;
        let positional: Vec<&Param> = params.posonly.iter().chain(&params.args).collect();
        let defaults: Vec<&Expr> = positional
            .iter()
            .filter_map(|p| p.default.as_ref())
            .collect();
        if !defaults.is_empty() {
            for d in &defaults {
                self.expr(d)?;
            }
            self.emit(Op::BuildTuple(defaults.len() as u32));
            flags |= 1;
        }
        let kwdefaults: Vec<(&str, &Expr)> = params
            .kwonly
            .iter()
            .filter_map(|p| p.default.as_ref().map(|d| (p.name.as_str(), d)))
            .collect();
        if !kwdefaults.is_empty() {
            for (n, d) in &kwdefaults {
                self.emit_const(Val::str(n));
                self.expr(d)?;
            }
            self.emit(Op::BuildMap(kwdefaults.len() as u32));
            flags |= 2;
        }
        let scope = self.table.by_node.get(&key).copied().unwrap_or(0);
        let qual = self.qualname_for(name);
        self.push_unit(scope, name, &qual, pos.line);
        self.emit(Op::Resume);
        match body {
            FnBody::Stmts(stmts) => {
                self.body(stmts)?;
                self.emit_const(Val::None);
                self.emit(Op::ReturnValue);
            }
            FnBody::Expr(e) => {
                self.expr(e)?;
                self.emit(Op::ReturnValue);
            }
        }
        let sig = Signature {
            names: self.table.scopes[scope]
                .params
                .iter()
                .map(|p| Rc::from(p.as_str()))
                .collect(),
            posonly: params.posonly.len(),
            positional: positional.len(),
            kwonly: params.kwonly.len(),
            vararg: params.vararg.is_some(),
            kwarg: params.kwarg.is_some(),
        };
        let code = self.pop_unit(sig);
        self.closure_and_code(code, flags)
    }

    // ---- expressions --------------------------------------------------------------------

    /// Compiles an expression; its ops (not its operands') record its source range.
    fn expr(&mut self, e: &'a Expr) -> Result<(), SourceError> {
        let outer = self.unit().span;
        if e.end.line > 0 {
            self.unit().span = span_of(e);
        }
        let compiled = self.expr_ops(e);
        self.unit().span = outer;
        compiled
    }

    fn expr_ops(&mut self, e: &'a Expr) -> Result<(), SourceError> {
        self.set_line(e.pos);
        match &e.kind {
            ExprKind::Name(n) => self.load(n),
            ExprKind::Const(c) => {
                let v = match c {
                    Const::None => Val::None,
                    Const::Bool(b) => Val::Bool(*b),
                    Const::Int(i) => Val::Int(*i),
                    Const::Float(f) => Val::Float(*f),
                    Const::Str(s) => Val::str(s),
                    Const::Bytes(b) => Val::Bytes(Rc::from(b.as_slice())),
                    Const::Ellipsis => Val::Ellipsis,
                };
                self.emit_const(v);
            }
            ExprKind::BoolOp { op, values } => {
                let mut jumps = Vec::new();
                for (i, v) in values.iter().enumerate() {
                    self.expr(v)?;
                    if i + 1 < values.len() {
                        jumps.push(self.emit(match op {
                            BoolOp::And => Op::JumpIfFalseOrPop(0),
                            BoolOp::Or => Op::JumpIfTrueOrPop(0),
                        }));
                    }
                }
                for j in jumps {
                    self.patch_here(j);
                }
            }
            ExprKind::Named { target, value } => {
                self.expr(value)?;
                self.emit(Op::Dup);
                self.store(target);
            }
            ExprKind::BinOp { left, op, right } => {
                self.expr(left)?;
                self.expr(right)?;
                self.set_line(e.pos);
                self.emit(Op::Binary(*op));
            }
            ExprKind::UnaryOp { op, operand } => {
                self.expr(operand)?;
                self.emit(Op::Unary(*op));
            }
            ExprKind::Lambda { params, body } => {
                self.make_function(node_key(e), "<lambda>", params, FnBody::Expr(body), e.pos)?;
            }
            ExprKind::IfExp { test, body, orelse } => {
                self.expr(test)?;
                let jf = self.emit(Op::PopJumpIfFalse(0));
                self.expr(body)?;
                let je = self.emit(Op::Jump(0));
                self.patch_here(jf);
                self.expr(orelse)?;
                self.patch_here(je);
            }
            ExprKind::Dict(items) => {
                if items.iter().all(|(k, _)| k.is_some()) {
                    for (k, v) in items {
                        if let Some(k) = k {
                            self.expr(k)?;
                        }
                        self.expr(v)?;
                    }
                    self.emit(Op::BuildMap(items.len() as u32));
                } else {
                    self.emit(Op::BuildMap(0));
                    for (k, v) in items {
                        match k {
                            Some(k) => {
                                self.expr(k)?;
                                self.expr(v)?;
                                self.emit(Op::MapAdd(1));
                            }
                            None => {
                                self.expr(v)?;
                                self.emit(Op::DictUpdate(1));
                            }
                        }
                    }
                }
            }
            ExprKind::Set(items) => {
                if items.iter().any(|i| matches!(i.kind, ExprKind::Starred(_))) {
                    return Err(unsupported("starred item in a set display", e.pos));
                }
                for i in items {
                    self.expr(i)?;
                }
                self.emit(Op::BuildSet(items.len() as u32));
            }
            ExprKind::List(items) | ExprKind::Tuple(items) => {
                let is_tuple = matches!(e.kind, ExprKind::Tuple(_));
                if items.iter().any(|i| matches!(i.kind, ExprKind::Starred(_))) {
                    self.emit(Op::BuildList(0));
                    for i in items {
                        match &i.kind {
                            ExprKind::Starred(inner) => {
                                self.expr(inner)?;
                                self.emit(Op::ListExtend(1));
                            }
                            _ => {
                                self.expr(i)?;
                                self.emit(Op::ListAppend(1));
                            }
                        }
                    }
                    if is_tuple {
                        self.emit(Op::ListToTuple);
                    }
                } else {
                    for i in items {
                        self.expr(i)?;
                    }
                    self.emit(if is_tuple {
                        Op::BuildTuple(items.len() as u32)
                    } else {
                        Op::BuildList(items.len() as u32)
                    });
                }
            }
            ExprKind::ListComp { elt, generators } => {
                self.comprehension(e, generators, CompKind::List(elt))?
            }
            ExprKind::SetComp { elt, generators } => {
                self.comprehension(e, generators, CompKind::Set(elt))?
            }
            ExprKind::DictComp {
                key,
                value,
                generators,
            } => self.comprehension(e, generators, CompKind::Dict(key, value))?,
            ExprKind::GeneratorExp { elt, generators } => {
                self.comprehension(e, generators, CompKind::Gen(elt))?
            }
            ExprKind::Await(v) => {
                self.check_await_allowed(e.pos)?;
                self.expr(v)?;
                self.emit(Op::GetAwaitable);
                self.emit_const(Val::None);
                self.emit(Op::YieldFrom);
            }
            ExprKind::Yield(v) => {
                match v {
                    Some(v) => self.expr(v)?,
                    None => self.emit_const(Val::None),
                }
                self.emit(Op::YieldValue);
                self.emit(Op::Resume);
            }
            ExprKind::YieldFrom(v) => {
                self.expr(v)?;
                self.emit(Op::GetIter);
                self.emit_const(Val::None);
                self.emit(Op::YieldFrom);
            }
            ExprKind::Compare {
                left,
                ops,
                comparators,
            } => {
                self.expr(left)?;
                if ops.len() == 1 {
                    if let Some(c) = comparators.first() {
                        self.expr(c)?;
                    }
                    self.set_line(e.pos);
                    self.emit(Op::Compare(ops[0]));
                } else {
                    let mut cleanups = Vec::new();
                    for (i, (op, c)) in ops.iter().zip(comparators).enumerate() {
                        self.expr(c)?;
                        if i + 1 < ops.len() {
                            self.emit(Op::Dup);
                            self.emit(Op::Rot3);
                            self.emit(Op::Compare(*op));
                            cleanups.push(self.emit(Op::JumpIfFalseOrPop(0)));
                        } else {
                            self.emit(Op::Compare(*op));
                        }
                    }
                    let jend = self.emit(Op::Jump(0));
                    for c in cleanups {
                        self.patch_here(c);
                    }
                    self.emit(Op::Rot2);
                    self.emit(Op::Pop);
                    self.patch_here(jend);
                }
            }
            ExprKind::Call {
                func,
                args,
                keywords,
            } => self.call(func, args, keywords, e.pos)?,
            ExprKind::FString(parts) => self.fstring(parts)?,
            ExprKind::Attribute { value, attr } => {
                self.expr(value)?;
                let i = self.name_index(attr);
                self.set_line(e.pos);
                self.emit(Op::LoadAttr(i));
            }
            ExprKind::Subscript { value, index } => {
                self.expr(value)?;
                self.expr(index)?;
                self.set_line(e.pos);
                self.emit(Op::Subscr);
            }
            ExprKind::Starred(_) => {
                return Err(SourceError::new(
                    SourceErrorKind::Syntax,
                    "can't use starred expression here",
                    e.pos,
                ));
            }
            ExprKind::Slice { lower, upper, step } => {
                for part in [lower, upper] {
                    match part {
                        Some(x) => self.expr(x)?,
                        None => self.emit_const(Val::None),
                    }
                }
                match step {
                    Some(s) => {
                        self.expr(s)?;
                        self.emit(Op::BuildSlice(3));
                    }
                    None => {
                        self.emit(Op::BuildSlice(2));
                    }
                }
            }
        }
        Ok(())
    }

    fn fstring(&mut self, parts: &'a [FPart]) -> Result<(), SourceError> {
        let mut n = 0;
        for p in parts {
            match p {
                FPart::Lit(s) => self.emit_const(Val::str(s)),
                FPart::Value {
                    value,
                    conversion,
                    spec,
                } => {
                    self.expr(value)?;
                    let conv = match conversion {
                        Some('s') => 1,
                        Some('r') => 2,
                        Some('a') => 3,
                        _ => 0,
                    };
                    let has_spec = !spec.is_empty();
                    if has_spec {
                        self.fstring(spec)?;
                    }
                    self.emit(Op::FormatValue(conv, has_spec));
                }
            }
            n += 1;
        }
        if n != 1 || !matches!(parts.first(), Some(FPart::Value { .. })) || n == 0 {
            self.emit(Op::BuildString(n));
        }
        Ok(())
    }

    fn call(
        &mut self,
        func: &'a Expr,
        args: &'a [Expr],
        keywords: &'a [Keyword],
        pos: Pos,
    ) -> Result<(), SourceError> {
        let simple = !args.iter().any(|a| matches!(a.kind, ExprKind::Starred(_)))
            && keywords.iter().all(|k| k.name.is_some());
        // `obj.name(args)`: the method is called with `obj` without making a bound method
        // (as CPython's LOAD_METHOD does); the same instructions count, so the same time.
        if let ExprKind::Attribute { value, attr } = &func.kind
            && simple
            && keywords.is_empty()
        {
            self.expr(value)?;
            let i = self.name_index(attr);
            self.set_line(func.pos);
            self.emit(Op::LoadMethod(i));
            for a in args {
                self.expr(a)?;
            }
            self.set_line(pos);
            self.emit(Op::CallMethod(args.len() as u32));
            return Ok(());
        }
        self.expr(func)?;
        if simple {
            for a in args {
                self.expr(a)?;
            }
            if keywords.is_empty() {
                self.set_line(pos);
                self.emit(Op::Call(args.len() as u32));
            } else {
                let mut names = Vec::new();
                for k in keywords {
                    self.expr(&k.value)?;
                    names.push(Val::str(k.name.as_deref().unwrap_or_default()));
                }
                self.emit_const(Val::tuple(names));
                self.set_line(pos);
                self.emit(Op::CallKw((args.len() + keywords.len()) as u32));
            }
            return Ok(());
        }
        self.emit(Op::BuildList(0));
        for a in args {
            match &a.kind {
                ExprKind::Starred(inner) => {
                    self.expr(inner)?;
                    self.emit(Op::ListExtend(1));
                }
                _ => {
                    self.expr(a)?;
                    self.emit(Op::ListAppend(1));
                }
            }
        }
        self.emit(Op::ListToTuple);
        let has_kw = !keywords.is_empty();
        if has_kw {
            self.emit(Op::BuildMap(0));
            for k in keywords {
                match &k.name {
                    Some(n) => {
                        self.emit_const(Val::str(n));
                        self.expr(&k.value)?;
                        self.emit(Op::MapAdd(1));
                    }
                    None => {
                        self.expr(&k.value)?;
                        self.emit(Op::DictMerge(1));
                    }
                }
            }
        }
        self.set_line(pos);
        self.emit(Op::CallEx(has_kw));
        Ok(())
    }

    fn comprehension(
        &mut self,
        e: &'a Expr,
        generators: &'a [Comprehension],
        kind: CompKind<'a>,
    ) -> Result<(), SourceError> {
        let Some(first) = generators.first() else {
            return Err(SourceError::new(
                SourceErrorKind::Syntax,
                "comprehension without a for",
                e.pos,
            ));
        };
        let scope = self.table.by_node.get(&node_key(e)).copied().unwrap_or(0);
        let is_async = self.table.scopes[scope].is_async;
        if is_async && !matches!(kind, CompKind::Gen(_)) {
            // Awaited where it stands, so only inside an async function (or at the top level).
            self.check_await_allowed(e.pos)?;
        }
        let name = match kind {
            CompKind::List(_) => "<listcomp>",
            CompKind::Set(_) => "<setcomp>",
            CompKind::Dict(..) => "<dictcomp>",
            CompKind::Gen(_) => "<genexpr>",
        };
        let qual = self.qualname_for(name);
        self.push_unit(scope, name, &qual, e.pos.line);
        if matches!(kind, CompKind::Gen(_)) {
            self.emit(Op::Resume);
        }
        match kind {
            CompKind::List(_) => {
                self.emit(Op::BuildList(0));
            }
            CompKind::Set(_) => {
                self.emit(Op::BuildSet(0));
            }
            CompKind::Dict(..) => {
                self.emit(Op::BuildMap(0));
            }
            CompKind::Gen(_) => {}
        }
        self.comp_level(generators, 0, &kind)?;
        if matches!(kind, CompKind::Gen(_)) {
            self.emit_const(Val::None);
        }
        self.emit(Op::ReturnValue);
        let sig = Signature {
            names: vec![Rc::from(".0")],
            posonly: 0,
            positional: 1,
            kwonly: 0,
            vararg: false,
            kwarg: false,
        };
        let code = self.pop_unit(sig);
        self.closure_and_code(code, 0)?;
        self.expr(&first.iter)?;
        self.emit(if first.is_async {
            Op::GetAIter
        } else {
            Op::GetIter
        });
        self.emit(Op::Call(1));
        if is_async && !matches!(kind, CompKind::Gen(_)) {
            self.emit(Op::GetAwaitable);
            self.emit_const(Val::None);
            self.emit(Op::YieldFrom);
        }
        Ok(())
    }

    fn comp_level(
        &mut self,
        generators: &'a [Comprehension],
        level: usize,
        kind: &CompKind<'a>,
    ) -> Result<(), SourceError> {
        let Some(g) = generators.get(level) else {
            return Ok(());
        };
        if level == 0 {
            self.emit(Op::LoadFast(0));
        } else {
            self.expr(&g.iter)?;
            self.emit(if g.is_async {
                Op::GetAIter
            } else {
                Op::GetIter
            });
        }
        let start = self.here();
        let fi = self.emit(Op::ForIter(0));
        self.store_target(&g.target)?;
        // A false condition skips to the loop's back-edge, so every turn of the loop passes
        // an eval-breaker point (and the instruction limit is checked there).
        let mut skips = Vec::new();
        for cond in &g.ifs {
            self.expr(cond)?;
            skips.push(self.emit(Op::PopJumpIfFalse(0)));
        }
        if level + 1 < generators.len() {
            self.comp_level(generators, level + 1, kind)?;
        } else {
            let depth = (generators.len() + 1) as u32;
            match kind {
                CompKind::List(elt) => {
                    self.expr(elt)?;
                    self.emit(Op::ListAppend(depth));
                }
                CompKind::Set(elt) => {
                    self.expr(elt)?;
                    self.emit(Op::SetAdd(depth));
                }
                CompKind::Dict(k, v) => {
                    self.expr(k)?;
                    self.expr(v)?;
                    self.emit(Op::MapAdd(depth));
                }
                CompKind::Gen(elt) => {
                    self.expr(elt)?;
                    self.emit(Op::YieldValue);
                    self.emit(Op::Resume);
                    self.emit(Op::Pop);
                }
            }
        }
        for s in skips {
            self.patch_here(s);
        }
        self.emit(Op::JumpBack(start));
        self.patch_here(fi);
        Ok(())
    }
}

enum FnBody<'a> {
    Stmts(&'a [Stmt]),
    Expr(&'a Expr),
}

enum CompKind<'a> {
    List(&'a Expr),
    Set(&'a Expr),
    Dict(&'a Expr, &'a Expr),
    Gen(&'a Expr),
}
