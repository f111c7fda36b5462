//! Parsing: the only module that touches the parser crate's types.
//!
//! [`parse`] turns source text into the interpreter's own AST ([`crate::ast`]) in four steps,
//! each of which keeps the next one safe:
//!
//! 1. A size check and a pre-scan (module `scan`). The pre-scan tokenizes the text the way the
//!    parser's lexer does and bounds how deeply brackets, blocks and operator chains nest, so that
//!    neither the parser's recursion nor ours can overflow the stack, even in a 1 MiB wasm stack.
//!    A lexical error found there (an unclosed string, a stray character, an unmatched bracket)
//!    is reported without handing the text after it to the parser, whose error recovery the
//!    pre-scan does not mirror.
//! 2. `ruff_python_parser`. Its first syntax error becomes a [`SourceErrorKind::Syntax`] error.
//! 3. A depth probe over the parser's tree. Dropping that tree recurses, so a tree deeper than
//!    the limit (which the pre-scan should already have ruled out) is leaked instead of dropped.
//! 4. The lowering proper (`Lowerer`), which rejects the constructs the playground does not run
//!    with [`SourceErrorKind::Unsupported`] errors that name them.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as py, Mod};
use ruff_python_parser::{Mode, ParseError, ParseOptions, Parsed};
use ruff_source_file::LineIndex;
use ruff_text_size::{Ranged, TextSize};

use crate::ast::{
    Alias, BinOp, BoolOp, ClassDef, CmpOp, Comprehension, Const, Expr, ExprKind, FPart,
    FunctionDef, Handler, Keyword, Module, Param, Params, Pos, Stmt, StmtKind, UnaryOp, WithItem,
};
use crate::error::{SourceError, SourceErrorKind};

/// The longest source accepted, in bytes; a longer one is a [`SourceErrorKind::TooLarge`] error.
pub const MAX_SOURCE_BYTES: usize = 1 << 20;

/// How deeply brackets and blocks may nest together; deeper is a [`SourceErrorKind::TooDeep`]
/// error on the line where the limit was passed.
pub const MAX_DEPTH: usize = 100;

/// How deep the pre-scan's estimate of one statement's tree may get (blocks, brackets and
/// operator chains such as `- - - x` or `a.b.c` together).
const MAX_EXPR_DEPTH: usize = 2 * MAX_DEPTH;

/// How deep the parser's tree and our recursive lowering may get. Above the pre-scan's limit, so
/// that the pre-scan (which knows the line) normally reports first; the lowering also counts each
/// `elif` as a level, since it nests the `if` statements.
const MAX_TREE_DEPTH: usize = 3 * MAX_DEPTH;

type Result<T> = std::result::Result<T, SourceError>;

/// Parses a program. Checks size and nesting depth first so that no input overflows the stack.
pub fn parse(src: &str) -> std::result::Result<Module, SourceError> {
    if src.len() > MAX_SOURCE_BYTES {
        return Err(SourceError::new(
            SourceErrorKind::TooLarge,
            format!(
                "{} bytes, more than the limit of {MAX_SOURCE_BYTES} bytes",
                src.len()
            ),
            Pos { line: 1, col: 1 },
        ));
    }
    let mut positions = Positions::new(src);
    if let Err(stop) = scan::check(src) {
        return Err(match stop {
            scan::Stop::TooDeep { offset, message } => {
                SourceError::new(SourceErrorKind::TooDeep, message, positions.pos(offset))
            }
            scan::Stop::Lexical { offset, message } => {
                first_error_before(src, offset, message, &mut positions)
            }
        });
    }
    let parsed = parse_probed(src, &mut positions)?;
    // The parser's "unsupported syntax" errors (syntax newer than its default target version,
    // 3.10) are ignored: the playground runs current Python, and whatever it lacks is rejected
    // by the lowering with a clearer message.
    if let Some(error) = parsed.errors().first() {
        let e = syntax_error(error, &mut positions);
        // Character names are not in the build (crates/unicode-names2-stub): say so.
        let at = usize::from(error.location.start());
        if src
            .get(at.saturating_sub(8)..(at + 8).min(src.len()))
            .is_some_and(|t| t.contains("\\N{"))
        {
            return Err(SourceError::unsupported(
                "\\N{...} character names in strings (write the character itself or \\u....)",
                e.pos,
            ));
        }
        return Err(e);
    }
    let Mod::Module(module) = parsed.syntax() else {
        return Err(SourceError::new(
            SourceErrorKind::Syntax,
            "expected a module",
            Pos { line: 1, col: 1 },
        ));
    };
    let mut lowerer = Lowerer {
        src,
        positions,
        depth: 0,
    };
    let body = lowerer.body(&module.body)?;
    Ok(Module { body })
}

/// Runs the parser (which recovers from syntax errors, so that a tree always comes back) and
/// the depth probe.
fn parse_probed(src: &str, positions: &mut Positions) -> Result<Parsed<Mod>> {
    let parsed = ruff_python_parser::parse_unchecked(src, ParseOptions::from(Mode::Module));
    if let Some(at) = too_deep_at(parsed.syntax()) {
        // Dropping a tree this deep could overflow the stack, so it is leaked. The pre-scan
        // rules such trees out, so this is a last line of defence that should never run.
        std::mem::forget(parsed);
        return Err(SourceError::new(
            SourceErrorKind::TooDeep,
            format!("expressions and blocks nested more than {MAX_TREE_DEPTH} levels deep"),
            positions.pos(at),
        ));
    }
    Ok(parsed)
}

/// Converts one of the parser's syntax errors, placing it at the start of its range.
fn syntax_error(error: &ParseError, positions: &mut Positions) -> SourceError {
    SourceError::new(
        SourceErrorKind::Syntax,
        error.error.to_string(),
        positions.pos(error.location.start().to_usize()),
    )
}

/// Builds the error for a lexical problem the pre-scan found at `offset`. The text before the
/// problem's line is still handed to the parser, so that an earlier syntax error is reported
/// first, as the parser would have done; the parser never sees the problem itself. Errors that
/// reach the end of that text are ignored, since cutting the text may have caused them.
fn first_error_before(
    src: &str,
    offset: usize,
    message: String,
    positions: &mut Positions,
) -> SourceError {
    let cut = positions.line_start(offset);
    if let Some(prefix) = src.get(..cut).filter(|prefix| !prefix.is_empty()) {
        match parse_probed(prefix, positions) {
            Err(error) => return error,
            Ok(parsed) => {
                if let Some(error) = parsed.errors().first()
                    && error.location.end().to_usize() < cut
                {
                    return syntax_error(error, positions);
                }
            }
        }
    }
    SourceError::new(SourceErrorKind::Syntax, message, positions.pos(offset))
}

/// Finds where the parser's tree first gets deeper than [`MAX_TREE_DEPTH`], if it does. The walk
/// itself recurses, but never deeper than the limit.
fn too_deep_at(tree: &Mod) -> Option<usize> {
    let mut probe = DepthProbe {
        depth: 0,
        too_deep_at: None,
    };
    match tree {
        Mod::Module(module) => probe.visit_body(&module.body),
        Mod::Expression(expression) => probe.visit_expr(&expression.body),
    }
    probe.too_deep_at
}

/// A visitor that counts how deeply statements, expressions, patterns and f-string parts nest.
struct DepthProbe {
    depth: usize,
    too_deep_at: Option<usize>,
}

impl DepthProbe {
    /// Enters a node; returns whether to walk its children.
    fn enter(&mut self, at: TextSize) -> bool {
        self.depth += 1;
        if self.too_deep_at.is_some() {
            return false;
        }
        if self.depth > MAX_TREE_DEPTH {
            self.too_deep_at = Some(at.to_usize());
            return false;
        }
        true
    }
}

impl<'a> Visitor<'a> for DepthProbe {
    fn visit_stmt(&mut self, stmt: &'a py::Stmt) {
        if self.enter(stmt.start()) {
            visitor::walk_stmt(self, stmt);
        }
        self.depth -= 1;
    }

    fn visit_expr(&mut self, expr: &'a py::Expr) {
        if self.enter(expr.start()) {
            visitor::walk_expr(self, expr);
        }
        self.depth -= 1;
    }

    fn visit_pattern(&mut self, pattern: &'a py::Pattern) {
        if self.enter(pattern.start()) {
            visitor::walk_pattern(self, pattern);
        }
        self.depth -= 1;
    }

    fn visit_interpolated_string_element(&mut self, element: &'a py::InterpolatedStringElement) {
        if self.enter(element.start()) {
            visitor::walk_interpolated_string_element(self, element);
        }
        self.depth -= 1;
    }
}

/// Turns byte offsets into 1-based lines and 1-based columns counted in characters.
struct Positions<'s> {
    src: &'s str,
    /// The byte offset where each line starts (lines end at `\n`, `\r\n` or `\r`).
    line_starts: Vec<usize>,
    /// The last answer, as (line index, offset, characters from the line start), so that the
    /// mostly increasing offsets of a long line are not counted from its start each time.
    last: (usize, usize, usize),
}

impl<'s> Positions<'s> {
    fn new(src: &'s str) -> Self {
        let index = LineIndex::from_source_text(src);
        let line_starts = index
            .line_starts()
            .iter()
            .map(|start| start.to_usize())
            .collect();
        Positions {
            src,
            line_starts,
            last: (0, 0, 0),
        }
    }

    /// The index of the line holding `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1)
    }

    /// The offset where the line holding `offset` starts.
    fn line_start(&self, offset: usize) -> usize {
        self.line_starts
            .get(self.line_of(offset))
            .copied()
            .unwrap_or(0)
    }

    fn pos(&mut self, offset: usize) -> Pos {
        let offset = offset.min(self.src.len());
        let line = self.line_of(offset);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let (last_line, last_offset, last_chars) = self.last;
        let (from, before) = if last_line == line && (start..=offset).contains(&last_offset) {
            (last_offset, last_chars)
        } else {
            (start, 0)
        };
        let chars = before + self.src.get(from..offset).map_or(0, |s| s.chars().count());
        self.last = (line, offset, chars);
        // As in the parser's own line index, a byte order mark is not a column.
        let bom = usize::from(line == 0 && offset > 0 && self.src.starts_with('\u{feff}'));
        Pos {
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            col: u32::try_from(chars.saturating_sub(bom) + 1).unwrap_or(u32::MAX),
        }
    }
}

/// `x.wait()` or `await x.wait()`, without arguments (a wait with a timeout ends by itself).
fn is_plain_wait(e: &Expr) -> bool {
    let call = match &e.kind {
        ExprKind::Await(inner) => inner,
        _ => e,
    };
    matches!(&call.kind, ExprKind::Call { func, args, keywords }
        if args.is_empty()
            && keywords.is_empty()
            && matches!(&func.kind, ExprKind::Attribute { attr, .. } if attr == "wait"))
}

/// Converts the parser's tree into ours, one small function per kind of node.
struct Lowerer<'s> {
    src: &'s str,
    positions: Positions<'s>,
    /// How many statements and expressions enclose the node being lowered.
    depth: usize,
}

impl Lowerer<'_> {
    fn pos(&mut self, node: &impl Ranged) -> Pos {
        self.positions.pos(node.start().to_usize())
    }

    /// Counts one more level of nesting, failing past [`MAX_TREE_DEPTH`]. Every `enter` is
    /// paired with a `self.depth -= 1` once the node is lowered (after an error the count no
    /// longer matters, since lowering stops).
    fn enter(&mut self, pos: Pos) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_TREE_DEPTH {
            return Err(SourceError::new(
                SourceErrorKind::TooDeep,
                format!("statements and expressions nested more than {MAX_TREE_DEPTH} levels deep"),
                pos,
            ));
        }
        Ok(())
    }

    /// Where a statement starts: for a decorated `def` or `class`, at its keyword.
    fn stmt_pos(&mut self, stmt: &py::Stmt) -> Pos {
        let last_decorator = match stmt {
            py::Stmt::FunctionDef(def) => def.decorator_list.last(),
            py::Stmt::ClassDef(class) => class.decorator_list.last(),
            _ => None,
        };
        match last_decorator {
            Some(decorator) => self.keyword_after(decorator.end()),
            None => self.pos(stmt),
        }
    }

    /// The position of the `def` or `class` keyword after a decorator ending at `offset`: the
    /// parser's range of a decorated statement starts at its first decorator, while CPython
    /// places the statement at its keyword.
    fn keyword_after(&mut self, offset: TextSize) -> Pos {
        let bytes = self.src.as_bytes();
        let mut i = offset.to_usize();
        while let Some(&byte) = bytes.get(i) {
            match byte {
                b' ' | b'\t' | b'\x0C' | b'\r' | b'\n' | b'\\' => i += 1,
                b'#' => {
                    while bytes.get(i).is_some_and(|&b| b != b'\n' && b != b'\r') {
                        i += 1;
                    }
                }
                _ => break,
            }
        }
        self.positions.pos(i)
    }

    // Statements. Lists of nodes are lowered with plain loops rather than iterator adapters:
    // those are on the stack at every level of nesting, and are large in debug builds.

    fn body(&mut self, stmts: &[py::Stmt]) -> Result<Vec<Stmt>> {
        let mut body = Vec::with_capacity(stmts.len());
        for stmt in stmts {
            body.push(self.stmt(stmt)?);
        }
        Ok(body)
    }

    fn stmt(&mut self, stmt: &py::Stmt) -> Result<Stmt> {
        let pos = self.stmt_pos(stmt);
        self.enter(pos)?;
        let kind = self.stmt_kind(stmt, pos);
        self.depth -= 1;
        Ok(Stmt { pos, kind: kind? })
    }

    /// Dispatches on the kind of statement. As with expressions, each kind that holds
    /// statements or expressions has its own function, which keeps this frame small.
    fn stmt_kind(&mut self, stmt: &py::Stmt, pos: Pos) -> Result<StmtKind> {
        use py::Stmt as S;
        match stmt {
            S::FunctionDef(def) => self.function_def(def, pos),
            S::ClassDef(class) => self.class_def(class, pos),
            S::Return(ret) => self.return_stmt(ret),
            S::Delete(del) => self.delete(del),
            S::TypeAlias(_) => Err(SourceError::unsupported("type alias", pos)),
            S::Assign(assign) => self.assign(assign),
            S::AugAssign(assign) => self.aug_assign(assign),
            S::AnnAssign(assign) => self.ann_assign(assign),
            S::For(for_) => self.for_stmt(for_),
            S::While(while_) => self.while_stmt(while_),
            S::If(if_) => self.if_stmt(if_),
            S::With(with) => self.with_stmt(with),
            S::Match(_) => Err(SourceError::unsupported("match statement", pos)),
            S::Raise(raise) => self.raise(raise),
            S::Try(try_) => self.try_stmt(try_, pos),
            S::Assert(assert) => self.assert(assert),
            S::Import(import) => import_stmt(import, pos),
            S::ImportFrom(import) => import_from(import, pos),
            S::Global(global) => Ok(StmtKind::Global(identifiers(&global.names))),
            S::Nonlocal(nonlocal) => Ok(StmtKind::Nonlocal(identifiers(&nonlocal.names))),
            S::Expr(expr) => self.expr_stmt(expr),
            S::Pass(_) => Ok(StmtKind::Pass),
            S::Break(_) => Ok(StmtKind::Break),
            S::Continue(_) => Ok(StmtKind::Continue),
            S::IpyEscapeCommand(_) => Err(SourceError::unsupported("IPython escape command", pos)),
        }
    }

    fn expr_stmt(&mut self, expr: &py::StmtExpr) -> Result<StmtKind> {
        Ok(StmtKind::Expr(self.expr(&expr.value)?))
    }

    fn return_stmt(&mut self, ret: &py::StmtReturn) -> Result<StmtKind> {
        Ok(StmtKind::Return(self.opt_expr(ret.value.as_deref())?))
    }

    fn delete(&mut self, del: &py::StmtDelete) -> Result<StmtKind> {
        Ok(StmtKind::Delete(self.exprs(&del.targets)?))
    }

    fn assign(&mut self, assign: &py::StmtAssign) -> Result<StmtKind> {
        let mut targets = Vec::with_capacity(assign.targets.len());
        for target in &assign.targets {
            targets.push(self.target(target)?);
        }
        Ok(StmtKind::Assign {
            targets,
            value: self.expr(&assign.value)?,
        })
    }

    fn aug_assign(&mut self, assign: &py::StmtAugAssign) -> Result<StmtKind> {
        Ok(StmtKind::AugAssign {
            target: self.target(&assign.target)?,
            op: bin_op(assign.op),
            value: self.expr(&assign.value)?,
        })
    }

    /// `target: annotation [= value]`; the annotation is dropped.
    fn ann_assign(&mut self, assign: &py::StmtAnnAssign) -> Result<StmtKind> {
        Ok(StmtKind::AnnAssign {
            target: self.target(&assign.target)?,
            value: self.opt_expr(assign.value.as_deref())?,
        })
    }

    fn for_stmt(&mut self, for_: &py::StmtFor) -> Result<StmtKind> {
        Ok(StmtKind::For {
            target: self.target(&for_.target)?,
            iter: self.expr(&for_.iter)?,
            body: self.body(&for_.body)?,
            orelse: self.body(&for_.orelse)?,
            is_async: for_.is_async,
        })
    }

    fn while_stmt(&mut self, while_: &py::StmtWhile) -> Result<StmtKind> {
        let test = self.expr(&while_.test)?;
        let mut body = self.body(&while_.body)?;
        if let Some((holds, what)) = self.awaited(&while_.test, &test) {
            for stmt in &mut body {
                if let StmtKind::Expr(e) = &stmt.kind
                    && is_plain_wait(e)
                {
                    stmt.kind = StmtKind::WaitIn {
                        wait: e.clone(),
                        holds: holds.clone(),
                        what: what.clone(),
                    };
                }
            }
        }
        Ok(StmtKind::While {
            test,
            body,
            orelse: self.body(&while_.orelse)?,
        })
    }

    /// What `while test:` waits for, for the waits in its body: `lambda: not test` and its
    /// text (`not not x` is `x`). `None` when evaluating the test again later could change
    /// something or cannot be done in a lambda (`:=`, `await`, `yield`).
    fn awaited(&self, py_test: &py::Expr, test: &Expr) -> Option<(Expr, String)> {
        let unsafe_to_repeat = ruff_python_ast::helpers::any_over_expr(py_test, |e| {
            matches!(
                e,
                py::Expr::Named(_)
                    | py::Expr::Await(_)
                    | py::Expr::Yield(_)
                    | py::Expr::YieldFrom(_)
            )
        });
        if unsafe_to_repeat {
            return None;
        }
        let text = |e: &py::Expr| {
            let raw = self.src.get(e.range().to_std_range()).unwrap_or("");
            raw.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        let (holds, what) = match (&test.kind, py_test) {
            (
                ExprKind::UnaryOp {
                    op: UnaryOp::Not,
                    operand,
                },
                py::Expr::UnaryOp(u),
            ) => ((**operand).clone(), text(&u.operand)),
            _ => (
                Expr {
                    pos: test.pos,
                    end: Pos::default(),
                    kind: ExprKind::UnaryOp {
                        op: UnaryOp::Not,
                        operand: Box::new(test.clone()),
                    },
                },
                format!("not ({})", text(py_test)),
            ),
        };
        let lambda = Expr {
            pos: test.pos,
            end: Pos::default(),
            kind: ExprKind::Lambda {
                params: Box::default(),
                body: Box::new(holds),
            },
        };
        Some((lambda, what))
    }

    fn with_stmt(&mut self, with: &py::StmtWith) -> Result<StmtKind> {
        let mut items = Vec::with_capacity(with.items.len());
        for item in &with.items {
            items.push(WithItem {
                context: self.expr(&item.context_expr)?,
                var: self.opt_target(item.optional_vars.as_deref())?,
            });
        }
        Ok(StmtKind::With {
            items,
            body: self.body(&with.body)?,
            is_async: with.is_async,
        })
    }

    fn raise(&mut self, raise: &py::StmtRaise) -> Result<StmtKind> {
        Ok(StmtKind::Raise {
            exc: self.opt_expr(raise.exc.as_deref())?,
            cause: self.opt_expr(raise.cause.as_deref())?,
        })
    }

    fn assert(&mut self, assert: &py::StmtAssert) -> Result<StmtKind> {
        Ok(StmtKind::Assert {
            test: self.expr(&assert.test)?,
            msg: self.opt_expr(assert.msg.as_deref())?,
        })
    }

    /// `def` and `async def`; the return annotation is dropped.
    fn function_def(&mut self, def: &py::StmtFunctionDef, pos: Pos) -> Result<StmtKind> {
        if def.type_params.is_some() {
            return Err(SourceError::unsupported("type parameters", pos));
        }
        Ok(StmtKind::FunctionDef(Box::new(FunctionDef {
            decorators: self.decorators(&def.decorator_list)?,
            name: def.name.id.to_string(),
            params: self.params(&def.parameters)?,
            body: self.body(&def.body)?,
            is_async: def.is_async,
        })))
    }

    fn class_def(&mut self, class: &py::StmtClassDef, pos: Pos) -> Result<StmtKind> {
        if class.type_params.is_some() {
            return Err(SourceError::unsupported("type parameters", pos));
        }
        let decorators = self.decorators(&class.decorator_list)?;
        let (bases, keywords) = match class.arguments.as_deref() {
            Some(arguments) => (
                self.elements(&arguments.args)?,
                self.keywords(&arguments.keywords)?,
            ),
            None => (Vec::new(), Vec::new()),
        };
        Ok(StmtKind::ClassDef(Box::new(ClassDef {
            name: class.name.id.to_string(),
            bases,
            keywords,
            body: self.body(&class.body)?,
            decorators,
        })))
    }

    fn decorators(&mut self, decorators: &[py::Decorator]) -> Result<Vec<Expr>> {
        let mut exprs = Vec::with_capacity(decorators.len());
        for decorator in decorators {
            exprs.push(self.expr(&decorator.expression)?);
        }
        Ok(exprs)
    }

    /// A function's or lambda's parameters; annotations are dropped.
    fn params(&mut self, params: &py::Parameters) -> Result<Params> {
        Ok(Params {
            posonly: self.param_list(&params.posonlyargs)?,
            args: self.param_list(&params.args)?,
            vararg: params
                .vararg
                .as_ref()
                .map(|param| param.name.id.to_string()),
            kwonly: self.param_list(&params.kwonlyargs)?,
            kwarg: params.kwarg.as_ref().map(|param| param.name.id.to_string()),
        })
    }

    fn param_list(&mut self, params: &[py::ParameterWithDefault]) -> Result<Vec<Param>> {
        let mut lowered = Vec::with_capacity(params.len());
        for param in params {
            lowered.push(Param {
                name: param.parameter.name.id.to_string(),
                default: self.opt_expr(param.default.as_deref())?,
            });
        }
        Ok(lowered)
    }

    /// `if` with its `elif` and `else` clauses: each `elif` becomes an `if` alone in the
    /// previous one's `orelse`, as in CPython's tree, and so counts as a level of nesting.
    fn if_stmt(&mut self, if_: &py::StmtIf) -> Result<StmtKind> {
        Ok(StmtKind::If {
            test: self.expr(&if_.test)?,
            body: self.body(&if_.body)?,
            orelse: self.elif_else(&if_.elif_else_clauses)?,
        })
    }

    /// The `orelse` of an `if` statement with these `elif` and `else` clauses.
    fn elif_else(&mut self, clauses: &[py::ElifElseClause]) -> Result<Vec<Stmt>> {
        let mut elifs = Vec::new();
        let mut orelse = Vec::new();
        for clause in clauses {
            match &clause.test {
                Some(test) => {
                    let pos = self.pos(clause);
                    self.enter(pos)?;
                    elifs.push((pos, self.expr(test)?, self.body(&clause.body)?));
                }
                None => orelse = self.body(&clause.body)?,
            }
        }
        self.depth -= elifs.len();
        while let Some((pos, test, body)) = elifs.pop() {
            let kind = StmtKind::If { test, body, orelse };
            orelse = vec![Stmt { pos, kind }];
        }
        Ok(orelse)
    }

    fn try_stmt(&mut self, try_: &py::StmtTry, pos: Pos) -> Result<StmtKind> {
        if try_.is_star {
            return Err(SourceError::unsupported("except* (exception groups)", pos));
        }
        let body = self.body(&try_.body)?;
        let mut handlers = Vec::with_capacity(try_.handlers.len());
        for handler in &try_.handlers {
            let py::ExceptHandler::ExceptHandler(handler) = handler;
            handlers.push(Handler {
                pos: self.pos(handler),
                typ: self.opt_expr(handler.type_.as_deref())?,
                name: handler.name.as_ref().map(|name| name.id.to_string()),
                body: self.body(&handler.body)?,
            });
        }
        Ok(StmtKind::Try {
            body,
            handlers,
            orelse: self.body(&try_.orelse)?,
            finalbody: self.body(&try_.finalbody)?,
        })
    }

    // Expressions.

    fn expr(&mut self, expr: &py::Expr) -> Result<Expr> {
        let pos = self.pos(expr);
        self.enter(pos)?;
        let kind = self.expr_kind(expr, pos);
        self.depth -= 1;
        let end = self.positions.pos(expr.end().to_usize());
        Ok(Expr {
            pos,
            end,
            kind: kind?,
        })
    }

    fn opt_expr(&mut self, expr: Option<&py::Expr>) -> Result<Option<Expr>> {
        match expr {
            Some(expr) => Ok(Some(self.expr(expr)?)),
            None => Ok(None),
        }
    }

    fn boxed(&mut self, expr: &py::Expr) -> Result<Box<Expr>> {
        Ok(Box::new(self.expr(expr)?))
    }

    fn opt_boxed(&mut self, expr: Option<&py::Expr>) -> Result<Option<Box<Expr>>> {
        match expr {
            Some(expr) => Ok(Some(self.boxed(expr)?)),
            None => Ok(None),
        }
    }

    fn exprs(&mut self, exprs: &[py::Expr]) -> Result<Vec<Expr>> {
        let mut lowered = Vec::with_capacity(exprs.len());
        for expr in exprs {
            lowered.push(self.expr(expr)?);
        }
        Ok(lowered)
    }

    /// The elements of a list, tuple or set display, a call's positional arguments or a class's
    /// bases: the one place besides assignment targets where `*value` may stand.
    fn elements(&mut self, exprs: &[py::Expr]) -> Result<Vec<Expr>> {
        let mut lowered = Vec::with_capacity(exprs.len());
        for expr in exprs {
            lowered.push(match expr {
                py::Expr::Starred(starred) => self.starred(starred)?,
                _ => self.expr(expr)?,
            });
        }
        Ok(lowered)
    }

    fn starred(&mut self, starred: &py::ExprStarred) -> Result<Expr> {
        let pos = self.pos(starred);
        self.enter(pos)?;
        let value = self.boxed(&starred.value);
        self.depth -= 1;
        Ok(Expr {
            pos,
            end: self.positions.pos(starred.end().to_usize()),
            kind: ExprKind::Starred(value?),
        })
    }

    /// An assignment, `for`, `with` or comprehension target. The parser has checked the kinds of
    /// node allowed, but not that a starred target stands inside a tuple or list.
    fn target(&mut self, target: &py::Expr) -> Result<Expr> {
        if let py::Expr::Starred(starred) = target {
            return Err(SourceError::new(
                SourceErrorKind::Syntax,
                "starred assignment target must be in a list or tuple",
                self.pos(starred),
            ));
        }
        self.expr(target)
    }

    fn opt_target(&mut self, target: Option<&py::Expr>) -> Result<Option<Expr>> {
        match target {
            Some(target) => Ok(Some(self.target(target)?)),
            None => Ok(None),
        }
    }

    fn keywords(&mut self, keywords: &[py::Keyword]) -> Result<Vec<Keyword>> {
        let mut lowered = Vec::with_capacity(keywords.len());
        for keyword in keywords {
            lowered.push(Keyword {
                name: keyword.arg.as_ref().map(|name| name.id.to_string()),
                value: self.expr(&keyword.value)?,
            });
        }
        Ok(lowered)
    }

    fn comprehensions(&mut self, generators: &[py::Comprehension]) -> Result<Vec<Comprehension>> {
        let mut lowered = Vec::with_capacity(generators.len());
        for generator in generators {
            lowered.push(Comprehension {
                target: self.target(&generator.target)?,
                iter: self.expr(&generator.iter)?,
                ifs: self.exprs(&generator.ifs)?,
                is_async: generator.is_async,
            });
        }
        Ok(lowered)
    }

    /// The element of a list, set or generator comprehension, where `*value` is not allowed
    /// (the parser accepts it, for a proposal newer than the playground's Python).
    fn comprehension_element(&mut self, elt: &py::Expr) -> Result<Box<Expr>> {
        if let py::Expr::Starred(starred) = elt {
            let pos = self.pos(starred);
            return Err(SourceError::unsupported(
                "unpacking in a comprehension",
                pos,
            ));
        }
        self.boxed(elt)
    }

    /// Dispatches on the kind of expression. Each kind that holds expressions has its own
    /// function, which keeps this frame small: it is on the stack once per level of nesting.
    fn expr_kind(&mut self, expr: &py::Expr, pos: Pos) -> Result<ExprKind> {
        use py::Expr as E;
        match expr {
            E::BoolOp(bool_op) => self.boolean(bool_op),
            E::Named(named) => self.named(named, pos),
            E::BinOp(bin) => self.binary(bin),
            E::UnaryOp(unary) => self.unary(unary),
            E::Lambda(lambda) => self.lambda(lambda),
            E::If(if_) => self.if_exp(if_),
            E::Dict(dict) => self.dict(dict),
            E::Set(set) => self.display(&set.elts, ExprKind::Set),
            E::ListComp(comp) => self.list_comp(comp),
            E::SetComp(comp) => self.set_comp(comp),
            E::DictComp(comp) => self.dict_comp(comp, pos),
            E::Generator(generator) => self.generator(generator),
            E::Await(await_) => self.unary_kind(&await_.value, ExprKind::Await),
            E::Yield(yield_) => self.yield_expr(yield_),
            E::YieldFrom(yield_from) => self.unary_kind(&yield_from.value, ExprKind::YieldFrom),
            E::Compare(compare) => self.compare(compare),
            E::Call(call) => self.call(call),
            E::FString(fstring) => self.fstring(fstring),
            E::Attribute(attribute) => self.attribute(attribute),
            E::Subscript(subscript) => self.subscript(subscript),
            E::Name(name) => Ok(ExprKind::Name(name.id.to_string())),
            E::List(list) => self.display(&list.elts, ExprKind::List),
            E::Tuple(tuple) => self.display(&tuple.elts, ExprKind::Tuple),
            E::Slice(slice) => self.slice(slice),
            E::StringLiteral(_)
            | E::BytesLiteral(_)
            | E::NumberLiteral(_)
            | E::BooleanLiteral(_)
            | E::NoneLiteral(_)
            | E::EllipsisLiteral(_) => constant(expr, pos),
            E::Starred(_) | E::TString(_) | E::IpyEscapeCommand(_) => Err(rejected(expr, pos)),
        }
    }

    /// A list, tuple or set display.
    fn display(&mut self, elts: &[py::Expr], kind: fn(Vec<Expr>) -> ExprKind) -> Result<ExprKind> {
        Ok(kind(self.elements(elts)?))
    }

    /// `await value` or `yield from value`.
    fn unary_kind(
        &mut self,
        value: &py::Expr,
        kind: fn(Box<Expr>) -> ExprKind,
    ) -> Result<ExprKind> {
        Ok(kind(self.boxed(value)?))
    }

    fn yield_expr(&mut self, yield_: &py::ExprYield) -> Result<ExprKind> {
        Ok(ExprKind::Yield(self.opt_boxed(yield_.value.as_deref())?))
    }

    fn boolean(&mut self, bool_op: &py::ExprBoolOp) -> Result<ExprKind> {
        Ok(ExprKind::BoolOp {
            op: match bool_op.op {
                py::BoolOp::And => BoolOp::And,
                py::BoolOp::Or => BoolOp::Or,
            },
            values: self.exprs(&bool_op.values)?,
        })
    }

    /// `(target := value)`; the parser has checked that the target is a name.
    fn named(&mut self, named: &py::ExprNamed, pos: Pos) -> Result<ExprKind> {
        let py::Expr::Name(target) = &*named.target else {
            return Err(SourceError::new(
                SourceErrorKind::Syntax,
                "assignment expression target must be a name",
                pos,
            ));
        };
        Ok(ExprKind::Named {
            target: target.id.to_string(),
            value: self.boxed(&named.value)?,
        })
    }

    fn binary(&mut self, bin: &py::ExprBinOp) -> Result<ExprKind> {
        Ok(ExprKind::BinOp {
            left: self.boxed(&bin.left)?,
            op: bin_op(bin.op),
            right: self.boxed(&bin.right)?,
        })
    }

    fn lambda(&mut self, lambda: &py::ExprLambda) -> Result<ExprKind> {
        let params = match lambda.parameters.as_deref() {
            Some(params) => self.params(params)?,
            None => Params::default(),
        };
        Ok(ExprKind::Lambda {
            params: Box::new(params),
            body: self.boxed(&lambda.body)?,
        })
    }

    /// `body if test else orelse`, lowered in source order so that the first error in the text
    /// is the one reported.
    fn if_exp(&mut self, if_: &py::ExprIf) -> Result<ExprKind> {
        let body = self.boxed(&if_.body)?;
        Ok(ExprKind::IfExp {
            test: self.boxed(&if_.test)?,
            body,
            orelse: self.boxed(&if_.orelse)?,
        })
    }

    fn dict(&mut self, dict: &py::ExprDict) -> Result<ExprKind> {
        let mut items = Vec::with_capacity(dict.items.len());
        for item in &dict.items {
            items.push((self.opt_expr(item.key.as_ref())?, self.expr(&item.value)?));
        }
        Ok(ExprKind::Dict(items))
    }

    fn list_comp(&mut self, comp: &py::ExprListComp) -> Result<ExprKind> {
        Ok(ExprKind::ListComp {
            elt: self.comprehension_element(&comp.elt)?,
            generators: self.comprehensions(&comp.generators)?,
        })
    }

    fn set_comp(&mut self, comp: &py::ExprSetComp) -> Result<ExprKind> {
        Ok(ExprKind::SetComp {
            elt: self.comprehension_element(&comp.elt)?,
            generators: self.comprehensions(&comp.generators)?,
        })
    }

    /// A dict comprehension; the parser also accepts `{**m for m in ms}` (a proposal newer than
    /// the playground's Python), which has no key.
    fn dict_comp(&mut self, comp: &py::ExprDictComp, pos: Pos) -> Result<ExprKind> {
        let key = comp
            .key
            .as_deref()
            .ok_or_else(|| SourceError::unsupported("unpacking in a comprehension", pos))?;
        Ok(ExprKind::DictComp {
            key: self.boxed(key)?,
            value: self.boxed(&comp.value)?,
            generators: self.comprehensions(&comp.generators)?,
        })
    }

    fn generator(&mut self, generator: &py::ExprGenerator) -> Result<ExprKind> {
        Ok(ExprKind::GeneratorExp {
            elt: self.comprehension_element(&generator.elt)?,
            generators: self.comprehensions(&generator.generators)?,
        })
    }

    fn compare(&mut self, compare: &py::ExprCompare) -> Result<ExprKind> {
        Ok(ExprKind::Compare {
            left: self.boxed(&compare.left)?,
            ops: compare.ops.iter().map(|&op| cmp_op(op)).collect(),
            comparators: self.exprs(&compare.comparators)?,
        })
    }

    fn call(&mut self, call: &py::ExprCall) -> Result<ExprKind> {
        Ok(ExprKind::Call {
            func: self.boxed(&call.func)?,
            args: self.elements(&call.arguments.args)?,
            keywords: self.keywords(&call.arguments.keywords)?,
        })
    }

    fn attribute(&mut self, attribute: &py::ExprAttribute) -> Result<ExprKind> {
        Ok(ExprKind::Attribute {
            value: self.boxed(&attribute.value)?,
            attr: attribute.attr.id.to_string(),
        })
    }

    fn subscript(&mut self, subscript: &py::ExprSubscript) -> Result<ExprKind> {
        Ok(ExprKind::Subscript {
            value: self.boxed(&subscript.value)?,
            index: self.boxed(&subscript.slice)?,
        })
    }

    /// `lower:upper:step`; the parser makes slices only as a subscript's index or an element
    /// of it.
    fn slice(&mut self, slice: &py::ExprSlice) -> Result<ExprKind> {
        Ok(ExprKind::Slice {
            lower: self.opt_boxed(slice.lower.as_deref())?,
            upper: self.opt_boxed(slice.upper.as_deref())?,
            step: self.opt_boxed(slice.step.as_deref())?,
        })
    }

    /// A unary operation. `-9223372036854775808` is folded into the constant `i64::MIN`, since
    /// its operand alone does not fit 64 bits.
    fn unary(&mut self, unary: &py::ExprUnaryOp) -> Result<ExprKind> {
        if unary.op == py::UnaryOp::USub
            && let py::Expr::NumberLiteral(literal) = &*unary.operand
            && let py::Number::Int(int) = &literal.value
            && int.to_string() == "9223372036854775808"
        {
            return Ok(ExprKind::Const(Const::Int(i64::MIN)));
        }
        Ok(ExprKind::UnaryOp {
            op: match unary.op {
                py::UnaryOp::Invert => UnaryOp::Invert,
                py::UnaryOp::Not => UnaryOp::Not,
                py::UnaryOp::UAdd => UnaryOp::UAdd,
                py::UnaryOp::USub => UnaryOp::USub,
            },
            operand: self.boxed(&unary.operand)?,
        })
    }

    /// An f-string, implicitly concatenated plain strings included, as its parts.
    fn fstring(&mut self, fstring: &py::ExprFString) -> Result<ExprKind> {
        let mut parts = Vec::new();
        for part in &fstring.value {
            match part {
                py::FStringPart::Literal(literal) => push_literal(&mut parts, &literal.value),
                py::FStringPart::FString(fstring) => {
                    self.fstring_elements(&fstring.elements, &mut parts)?;
                }
            }
        }
        Ok(ExprKind::FString(parts))
    }

    /// The literal text and replacement fields of an f-string or of a format spec.
    fn fstring_elements(
        &mut self,
        elements: &py::InterpolatedStringElements,
        parts: &mut Vec<FPart>,
    ) -> Result<()> {
        for element in elements {
            match element {
                py::InterpolatedStringElement::Literal(literal) => {
                    push_literal(parts, &literal.value);
                }
                py::InterpolatedStringElement::Interpolation(field) => {
                    self.fstring_field(field, parts)?;
                }
            }
        }
        Ok(())
    }

    /// A replacement field `{value!conversion:spec}`. For `{x=}` the text up to and including
    /// the `=` (with the spaces the source has around it) comes first as literal text, and the
    /// conversion defaults to `r` unless there is a format spec, as in CPython.
    fn fstring_field(
        &mut self,
        field: &py::InterpolatedElement,
        parts: &mut Vec<FPart>,
    ) -> Result<()> {
        if let Some(debug) = &field.debug_text {
            push_literal(parts, &without_comments(debug.as_str()));
        }
        let value = self.boxed(&field.expression)?;
        let mut spec = Vec::new();
        if let Some(format_spec) = &field.format_spec {
            let pos = self.pos(&**format_spec);
            self.enter(pos)?;
            let lowered = self.fstring_elements(&format_spec.elements, &mut spec);
            self.depth -= 1;
            lowered?;
        }
        let conversion = match field.conversion.to_char() {
            None if field.debug_text.is_some() && field.format_spec.is_none() => Some('r'),
            conversion => conversion,
        };
        parts.push(FPart::Value {
            value,
            conversion,
            spec,
        });
        Ok(())
    }
}

fn import_stmt(import: &py::StmtImport, pos: Pos) -> Result<StmtKind> {
    if import.is_lazy {
        return Err(SourceError::unsupported("lazy import", pos));
    }
    Ok(StmtKind::Import(import.names.iter().map(alias).collect()))
}

/// `from module import names`; `module` is empty for `from . import x`.
fn import_from(import: &py::StmtImportFrom, pos: Pos) -> Result<StmtKind> {
    if import.is_lazy {
        return Err(SourceError::unsupported("lazy import", pos));
    }
    Ok(StmtKind::ImportFrom {
        module: import
            .module
            .as_ref()
            .map_or_else(String::new, |module| module.id.to_string()),
        names: import.names.iter().map(alias).collect(),
        level: import.level,
    })
}

/// The text of a `{x=}` field as CPython shows it: without comments, which a field spanning
/// lines of a triple-quoted f-string may hold (quotes are followed so that a `#` in a string
/// stays).
fn without_comments(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('#') {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // The closing quote of the string being copied, if any.
    let mut close: Option<&str> = None;
    while let Some(c) = rest.chars().next() {
        let mut len = c.len_utf8();
        match close {
            Some(_) if c == '\\' => len += rest[len..].chars().next().map_or(0, char::len_utf8),
            Some(quote) if rest.starts_with(quote) => {
                len = quote.len();
                close = None;
            }
            Some(_) => {}
            None if c == '#' => {
                rest = &rest[rest.find(['\n', '\r']).unwrap_or(rest.len())..];
                continue;
            }
            None if c == '\'' || c == '"' => {
                let quote = if rest.starts_with("'''") {
                    "'''"
                } else if rest.starts_with("\"\"\"") {
                    "\"\"\""
                } else if c == '\'' {
                    "'"
                } else {
                    "\""
                };
                len = quote.len();
                close = Some(quote);
            }
            None => {}
        }
        out.push_str(&rest[..len]);
        rest = &rest[len..];
    }
    out.into()
}

/// Appends literal text to f-string parts, merging it into a literal part just before.
fn push_literal(parts: &mut Vec<FPart>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(FPart::Lit(last)) = parts.last_mut() {
        last.push_str(text);
    } else {
        parts.push(FPart::Lit(text.to_owned()));
    }
}

/// A literal other than an f-string.
fn constant(expr: &py::Expr, pos: Pos) -> Result<ExprKind> {
    let value = match expr {
        py::Expr::StringLiteral(string) => Const::Str(string.value.to_str().into()),
        py::Expr::BytesLiteral(bytes) => Const::Bytes(bytes.value.bytes().collect()),
        py::Expr::NumberLiteral(number) => number_const(&number.value, pos)?,
        py::Expr::BooleanLiteral(boolean) => Const::Bool(boolean.value),
        py::Expr::EllipsisLiteral(_) => Const::Ellipsis,
        py::Expr::NoneLiteral(_) => Const::None,
        _ => return Err(rejected(expr, pos)),
    };
    Ok(ExprKind::Const(value))
}

/// The error for an expression that is never lowered.
fn rejected(expr: &py::Expr, pos: Pos) -> SourceError {
    match expr {
        py::Expr::TString(_) => SourceError::unsupported("template strings (t-strings)", pos),
        py::Expr::IpyEscapeCommand(_) => SourceError::unsupported("IPython escape command", pos),
        // The elements of displays, call arguments and targets handle their own `*value`.
        _ => SourceError::new(
            SourceErrorKind::Syntax,
            "can't use starred expression here",
            pos,
        ),
    }
}

fn number_const(number: &py::Number, pos: Pos) -> Result<Const> {
    match number {
        py::Number::Int(int) => int
            .as_i64()
            .map(Const::Int)
            .ok_or_else(|| SourceError::unsupported("integer literal larger than 64 bits", pos)),
        py::Number::Float(float) => Ok(Const::Float(*float)),
        py::Number::Complex { .. } => Err(SourceError::unsupported("complex numbers", pos)),
    }
}

fn alias(alias: &py::Alias) -> Alias {
    Alias {
        name: alias.name.id.to_string(),
        asname: alias.asname.as_ref().map(|name| name.id.to_string()),
    }
}

fn identifiers(names: &[py::Identifier]) -> Vec<String> {
    names.iter().map(|name| name.id.to_string()).collect()
}

fn bin_op(op: py::Operator) -> BinOp {
    use py::Operator as O;
    match op {
        O::Add => BinOp::Add,
        O::Sub => BinOp::Sub,
        O::Mult => BinOp::Mult,
        O::MatMult => BinOp::MatMult,
        O::Div => BinOp::Div,
        O::Mod => BinOp::Mod,
        O::Pow => BinOp::Pow,
        O::LShift => BinOp::LShift,
        O::RShift => BinOp::RShift,
        O::BitOr => BinOp::BitOr,
        O::BitXor => BinOp::BitXor,
        O::BitAnd => BinOp::BitAnd,
        O::FloorDiv => BinOp::FloorDiv,
    }
}

fn cmp_op(op: py::CmpOp) -> CmpOp {
    use py::CmpOp as C;
    match op {
        C::Eq => CmpOp::Eq,
        C::NotEq => CmpOp::NotEq,
        C::Lt => CmpOp::Lt,
        C::LtE => CmpOp::LtE,
        C::Gt => CmpOp::Gt,
        C::GtE => CmpOp::GtE,
        C::Is => CmpOp::Is,
        C::IsNot => CmpOp::IsNot,
        C::In => CmpOp::In,
        C::NotIn => CmpOp::NotIn,
    }
}

/// The pre-scan: a tokenizer that follows `ruff_python_parser`'s lexer rule for rule (string
/// prefixes and quotes, f-string replacement fields and format specs, comments, line joining,
/// indentation), so that it sees the same brackets and blocks the parser will, and bounds their
/// nesting without recursing.
///
/// Three measures are checked as it goes:
///
/// - Blocks plus open brackets (f-string replacement fields count as brackets) against
///   [`MAX_DEPTH`]. Blocks are the parser's indentation levels, plus the levels of lines inside
///   brackets: the parser may recover from an unclosed bracket by reading such lines as
///   statements, and they must not nest deeper than counted.
/// - An estimate of the depth of each statement's tree against [`MAX_EXPR_DEPTH`]. Every
///   operator, keyword, `.`, call or subscript bracket may add a level of tree within the
///   comma-separated element it stands in, and every bracket a level around its contents. The
///   sum over a path is an upper bound on the tree's depth, so chains such as `- - - x`,
///   `not not x` or `x[0][0][0]` are caught as well as nested brackets.
/// - Errors that the parser recovers from in ways this scan does not follow: lexical errors
///   (an unclosed string, a stray character) and brackets that do not match or are never
///   closed. The scan stops at the first one, and only the text before its line is parsed, to
///   report an earlier syntax error first.
mod scan {
    use std::cmp::Ordering;
    use std::collections::BTreeMap;

    use ruff_python_ast::token::TokenKind;
    use ruff_python_parser::{Mode, lexer};

    use super::{MAX_DEPTH, MAX_EXPR_DEPTH};

    /// Why the scan stopped.
    pub(super) enum Stop {
        /// Nesting passed a limit at `offset`.
        TooDeep { offset: usize, message: String },
        /// The text is not Python at `offset` (a lexical error, with the parser's message).
        Lexical { offset: usize, message: String },
    }

    /// Scans the whole text.
    pub(super) fn check(src: &str) -> Result<(), Stop> {
        Scanner::new(src).run()
    }

    /// A line's indentation as the parser's lexer measures it: the column (a tab advances to
    /// the next multiple of 2) and the number of whitespace characters.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    struct Indentation {
        column: u32,
        characters: u32,
    }

    impl Indentation {
        fn space(self) -> Self {
            Indentation {
                column: self.column.saturating_add(1),
                characters: self.characters.saturating_add(1),
            }
        }

        fn tab(self) -> Self {
            Indentation {
                column: self.column.saturating_add(2 - self.column % 2),
                characters: self.characters.saturating_add(1),
            }
        }

        /// Compares two indentations; `None` when column and characters disagree (tabs and
        /// spaces mixed inconsistently).
        fn compare(self, other: Self) -> Option<Ordering> {
            let by_column = self.column.cmp(&other.column);
            (by_column == self.characters.cmp(&other.characters)).then_some(by_column)
        }
    }

    /// A stack of indentation levels.
    #[derive(Default)]
    struct Indents {
        stack: Vec<Indentation>,
    }

    impl Indents {
        fn current(&self) -> Indentation {
            self.stack.last().copied().unwrap_or_default()
        }

        /// Applies a line's indentation as the parser's lexer does: a deeper one is a new level,
        /// a shallower one closes the levels deeper than it, an inconsistent one changes nothing.
        fn apply(&mut self, indentation: Indentation) {
            match self.current().compare(indentation) {
                Some(Ordering::Less) => self.stack.push(indentation),
                Some(Ordering::Greater) => {
                    while self.current().compare(indentation) == Some(Ordering::Greater)
                        && self.stack.pop().is_some()
                    {}
                }
                _ => {}
            }
        }
    }

    /// An f-string (or t-string) being read, with the state the parser's lexer keeps for it.
    #[derive(Clone, Copy)]
    struct Interpolated {
        /// Where its prefix starts.
        start: usize,
        quote: u8,
        triple: bool,
        raw: bool,
        template: bool,
        /// The bracket nesting outside it.
        nesting: u32,
        /// How many format specs (`:` in a replacement field) are open.
        spec_depth: u32,
        /// How many frames were open outside it.
        frames: usize,
    }

    impl Interpolated {
        fn open_brackets(&self, nesting: u32) -> u32 {
            nesting.saturating_sub(self.nesting)
        }

        /// Whether the text at `nesting` is code in a replacement field (not literal text).
        fn in_field(&self, nesting: u32) -> bool {
            self.open_brackets(nesting) > self.spec_depth
        }

        fn in_spec(&self, nesting: u32) -> bool {
            self.spec_depth > 0 && !self.in_field(nesting)
        }

        /// A `:` at `nesting` starts a format spec when it stands directly in a field.
        fn try_start_spec(&mut self, nesting: u32) -> bool {
            let starts = self.open_brackets(nesting).saturating_sub(self.spec_depth) == 1;
            if starts {
                self.spec_depth += 1;
            }
            starts
        }

        fn try_end_spec(&mut self, nesting: u32) {
            if self.in_spec(nesting) {
                self.spec_depth -= 1;
            }
        }

        fn name(&self) -> &'static str {
            if self.template {
                "t-string"
            } else {
                "f-string"
            }
        }
    }

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum FrameKind {
        /// The logical line itself.
        Line,
        /// A bracket, with its byte and offset.
        Bracket(u8, usize),
        /// An f-string's literal text.
        Interpolated,
    }

    /// Depth bookkeeping for the logical line or one bracket or f-string in it.
    #[derive(Clone, Copy)]
    struct Frame {
        kind: FrameKind,
        /// Operators in the current comma-separated element.
        ops: usize,
        /// The deepest bracket closed in the current element.
        inner: usize,
        /// The deepest of the finished elements.
        best: usize,
    }

    impl Frame {
        fn new(kind: FrameKind) -> Self {
            Frame {
                kind,
                ops: 0,
                inner: 0,
                best: 0,
            }
        }

        /// A bound on the depth of the current element's tree.
        fn element(&self) -> usize {
            self.ops + self.inner.max(1)
        }

        /// A bound on the depth of the trees of all elements so far.
        fn value(&self) -> usize {
            self.best.max(self.element())
        }
    }

    /// String prefix flags.
    #[derive(Clone, Copy, Default)]
    struct Prefix {
        raw: bool,
        /// `Some(is_template)` for f-strings and t-strings.
        interpolated: Option<bool>,
    }

    /// A single-letter string prefix, as the parser's lexer accepts it.
    fn single_prefix(byte: u8) -> Option<Prefix> {
        match byte.to_ascii_lowercase() {
            b'r' => Some(Prefix {
                raw: true,
                interpolated: None,
            }),
            b'u' | b'b' => Some(Prefix::default()),
            b'f' => Some(Prefix {
                raw: false,
                interpolated: Some(false),
            }),
            b't' => Some(Prefix {
                raw: false,
                interpolated: Some(true),
            }),
            _ => None,
        }
    }

    /// A two-letter string prefix: `r` (either case) with `b`, `f` or `t`, in either order.
    fn double_prefix(first: u8, second: u8) -> Option<Prefix> {
        let (first, second) = (first.to_ascii_lowercase(), second.to_ascii_lowercase());
        let other = match (first, second) {
            (b'r', other) | (other, b'r') => other,
            _ => return None,
        };
        match other {
            b'b' => Some(Prefix {
                raw: true,
                interpolated: None,
            }),
            b'f' => Some(Prefix {
                raw: true,
                interpolated: Some(false),
            }),
            b't' => Some(Prefix {
                raw: true,
                interpolated: Some(true),
            }),
            _ => None,
        }
    }

    /// The keywords that cannot be names. Soft keywords (`match`, `case`, `type`, `lazy`) are
    /// names in expressions, and count as operands here.
    fn is_hard_keyword(word: &str) -> bool {
        matches!(
            word,
            "and"
                | "as"
                | "assert"
                | "async"
                | "await"
                | "break"
                | "class"
                | "continue"
                | "def"
                | "del"
                | "elif"
                | "else"
                | "except"
                | "finally"
                | "for"
                | "from"
                | "global"
                | "if"
                | "import"
                | "in"
                | "is"
                | "lambda"
                | "nonlocal"
                | "not"
                | "or"
                | "pass"
                | "raise"
                | "return"
                | "try"
                | "while"
                | "with"
                | "yield"
        )
    }

    /// The length of the operator token starting with `byte`, given the two bytes after it.
    fn operator_len(byte: u8, next: Option<u8>, after: Option<u8>) -> usize {
        match (byte, next, after) {
            (b'*', Some(b'*'), Some(b'='))
            | (b'/', Some(b'/'), Some(b'='))
            | (b'<', Some(b'<'), Some(b'='))
            | (b'>', Some(b'>'), Some(b'=')) => 3,
            (b'*', Some(b'*'), _)
            | (b'/', Some(b'/'), _)
            | (b'<', Some(b'<'), _)
            | (b'>', Some(b'>'), _)
            | (b'-', Some(b'>'), _) => 2,
            (b'~' | b'.', _, _) => 1,
            (_, Some(b'='), _) => 2,
            _ => 1,
        }
    }

    struct Scanner<'s> {
        text: &'s str,
        src: &'s [u8],
        i: usize,
        /// Open brackets, as the parser's lexer counts them (f-string fields included).
        nesting: u32,
        interpolated: Vec<Interpolated>,
        /// Indentation levels of logical lines.
        logical: Indents,
        /// Indentation levels of lines inside brackets.
        continuation: Indents,
        /// At the start of a logical line, before its indentation.
        after_newline: bool,
        /// A token other than a comment or a newline has been read on the logical line.
        line_started: bool,
        /// The last token can end an operand, so that a `(` or `[` after it is a call or a
        /// subscript.
        after_operand: bool,
        frames: Vec<Frame>,
        /// The operators counted in all open frames.
        open_ops: usize,
        /// Whether a non-ASCII character can start or continue a name, as (start, continue).
        identifier_chars: BTreeMap<char, (bool, bool)>,
    }

    impl<'s> Scanner<'s> {
        fn new(text: &'s str) -> Self {
            Scanner {
                text,
                src: text.as_bytes(),
                i: 0,
                nesting: 0,
                interpolated: Vec::new(),
                logical: Indents::default(),
                continuation: Indents::default(),
                after_newline: true,
                line_started: false,
                after_operand: false,
                frames: vec![Frame::new(FrameKind::Line)],
                open_ops: 0,
                identifier_chars: BTreeMap::new(),
            }
        }

        fn peek(&self, ahead: usize) -> Option<u8> {
            self.src.get(self.i + ahead).copied()
        }

        fn run(mut self) -> Result<(), Stop> {
            if self.text.starts_with('\u{feff}') {
                self.i = '\u{feff}'.len_utf8();
            }
            loop {
                if let Some(context) = self.interpolated.last().copied()
                    && !context.in_field(self.nesting)
                    && self.literal_text(context)?
                {
                    continue;
                }
                if self.after_newline {
                    self.indentation()?;
                } else {
                    self.whitespace()?;
                }
                let Some(byte) = self.peek(0) else {
                    return self.end();
                };
                self.token(byte)?;
            }
        }

        fn lexical(&self, offset: usize, message: impl Into<String>) -> Stop {
            Stop::Lexical {
                offset,
                message: message.into(),
            }
        }

        /// The number of levels of blocks the parser may see.
        fn blocks(&self) -> usize {
            self.logical.stack.len() + self.continuation.stack.len()
        }

        fn check_nesting(&self, offset: usize) -> Result<(), Stop> {
            if self.blocks() + self.nesting as usize > MAX_DEPTH {
                return Err(Stop::TooDeep {
                    offset,
                    message: format!("more than {MAX_DEPTH} levels of brackets and blocks"),
                });
            }
            Ok(())
        }

        /// Checks a lower bound of the statement's final depth estimate: each open frame's
        /// value is at least its operators so far plus the depth of the open frame inside it.
        fn check_estimate(&self, offset: usize) -> Result<(), Stop> {
            let top = self.frames.last().map_or(1, |frame| frame.inner.max(1));
            let estimate =
                self.blocks() + 2 + self.open_ops + self.frames.len().saturating_sub(1) + top;
            if estimate > MAX_EXPR_DEPTH {
                return Err(Stop::TooDeep {
                    offset,
                    message: format!(
                        "an expression more than {MAX_EXPR_DEPTH} levels deep \
                         (counting brackets, operators and blocks)"
                    ),
                });
            }
            Ok(())
        }

        /// Counts an operator (or keyword, `.`, call or subscript) in the current element.
        fn operator(&mut self, offset: usize) -> Result<(), Stop> {
            if let Some(frame) = self.frames.last_mut() {
                frame.ops += 1;
                self.open_ops += 1;
            }
            self.after_operand = false;
            self.check_estimate(offset)
        }

        /// Ends the current comma-separated element.
        fn separator(&mut self) {
            if let Some(frame) = self.frames.last_mut() {
                self.open_ops = self.open_ops.saturating_sub(frame.ops);
                frame.best = frame.value();
                frame.ops = 0;
                frame.inner = 0;
            }
            self.after_operand = false;
        }

        fn push_frame(&mut self, kind: FrameKind, offset: usize) -> Result<(), Stop> {
            self.frames.push(Frame::new(kind));
            self.after_operand = false;
            self.check_estimate(offset)
        }

        /// Closes the innermost frame (never the line's), folding its depth into its parent.
        fn pop_frame(&mut self, offset: usize) -> Result<(), Stop> {
            if self.frames.len() <= 1 {
                return Ok(());
            }
            if let Some(frame) = self.frames.pop() {
                self.open_ops = self.open_ops.saturating_sub(frame.ops);
                if let Some(parent) = self.frames.last_mut() {
                    parent.inner = parent.inner.max(1 + frame.value());
                }
            }
            self.check_estimate(offset)
        }

        /// Reads the indentation at the start of a logical line (`State::AfterNewline`).
        fn indentation(&mut self) -> Result<(), Stop> {
            let mut indentation = Indentation::default();
            loop {
                match self.peek(0) {
                    Some(b' ') => {
                        self.i += 1;
                        indentation = indentation.space();
                    }
                    Some(b'\t') => {
                        self.i += 1;
                        indentation = indentation.tab();
                    }
                    Some(b'\\') => {
                        self.line_continuation()?;
                        // The whitespace after a continuation does not add to the indentation.
                        if indentation != Indentation::default() {
                            while matches!(self.peek(0), Some(b' ' | b'\t' | b'\x0C')) {
                                self.i += 1;
                            }
                        }
                    }
                    Some(b'\x0C') => {
                        self.i += 1;
                        indentation = Indentation::default();
                    }
                    _ => break,
                }
            }
            if !matches!(self.peek(0), Some(b'\n' | b'\r' | b'#') | None) {
                self.after_newline = false;
                self.logical.apply(indentation);
                self.check_nesting(self.i)?;
            }
            Ok(())
        }

        /// Measures the indentation of a line inside brackets, without consuming it.
        fn continuation_line(&mut self) -> Result<(), Stop> {
            let mut indentation = Indentation::default();
            let mut j = self.i;
            loop {
                match self.src.get(j) {
                    Some(b' ') => indentation = indentation.space(),
                    Some(b'\t') => indentation = indentation.tab(),
                    Some(b'\x0C') => indentation = Indentation::default(),
                    Some(b'\n' | b'\r' | b'#') | None => return Ok(()),
                    Some(_) => break,
                }
                j += 1;
            }
            self.continuation.apply(indentation);
            self.check_nesting(j)
        }

        /// Consumes a `\` that must end the line, and the line break after it.
        fn line_continuation(&mut self) -> Result<(), Stop> {
            let at = self.i;
            self.i += 1;
            match self.peek(0) {
                Some(b'\r') => {
                    self.i += 1;
                    if self.peek(0) == Some(b'\n') {
                        self.i += 1;
                    }
                }
                Some(b'\n') => self.i += 1,
                _ => {
                    return Err(
                        self.lexical(at, "Expected a newline after line continuation character")
                    );
                }
            }
            if self.peek(0).is_none() {
                return Err(self.lexical(at, "unexpected EOF while parsing"));
            }
            Ok(())
        }

        fn whitespace(&mut self) -> Result<(), Stop> {
            loop {
                match self.peek(0) {
                    Some(b' ' | b'\t' | b'\x0C') => self.i += 1,
                    Some(b'\\') => self.line_continuation()?,
                    _ => return Ok(()),
                }
            }
        }

        /// The end of the text.
        fn end(&mut self) -> Result<(), Stop> {
            if let Some(context) = self.interpolated.last() {
                let message = format!("{}: unterminated string", context.name());
                return Err(self.lexical(context.start, message));
            }
            for frame in self.frames.iter().rev() {
                if let FrameKind::Bracket(open, offset) = frame.kind {
                    let message = format!("'{}' was never closed", char::from(open));
                    return Err(self.lexical(offset, message));
                }
            }
            Ok(())
        }

        fn token(&mut self, byte: u8) -> Result<(), Stop> {
            let start = self.i;
            match byte {
                b'#' => {
                    while self.peek(0).is_some_and(|b| b != b'\n' && b != b'\r') {
                        self.i += 1;
                    }
                    return Ok(());
                }
                b'\n' | b'\r' => {
                    self.i += 1;
                    if byte == b'\r' && self.peek(0) == Some(b'\n') {
                        self.i += 1;
                    }
                    return self.newline();
                }
                _ => {}
            }
            self.line_started = true;
            match byte {
                b'0'..=b'9' => {
                    self.number();
                    self.after_operand = true;
                }
                b'.' if self.peek(1).is_some_and(|b| b.is_ascii_digit()) => {
                    self.i += 1;
                    self.decimal(false);
                    self.after_operand = true;
                }
                b'.' if self.peek(1) == Some(b'.') && self.peek(2) == Some(b'.') => {
                    self.i += 3;
                    self.after_operand = true;
                }
                b'\'' | b'"' => self.string(start, Prefix::default())?,
                b'(' | b'[' | b'{' => {
                    self.i += 1;
                    if byte != b'{' && self.after_operand {
                        self.operator(start)?;
                    }
                    self.nesting += 1;
                    self.push_frame(FrameKind::Bracket(byte, start), start)?;
                    self.check_nesting(start)?;
                }
                b')' | b']' | b'}' => self.close(byte, start)?,
                b':' => {
                    self.i += 1;
                    let nesting = self.nesting;
                    let spec = self
                        .interpolated
                        .last_mut()
                        .is_some_and(|context| context.try_start_spec(nesting));
                    if !spec && self.peek(0) == Some(b'=') {
                        self.i += 1;
                    }
                    self.operator(start)?;
                }
                b',' | b';' => {
                    self.i += 1;
                    self.separator();
                }
                b'=' if self.peek(1) != Some(b'=') => {
                    self.i += 1;
                    self.separator();
                }
                b'=' | b'+' | b'-' | b'*' | b'/' | b'%' | b'@' | b'&' | b'|' | b'^' | b'~'
                | b'<' | b'>' | b'!' | b'.' => {
                    self.i += operator_len(byte, self.peek(1), self.peek(2));
                    self.operator(start)?;
                }
                b'a'..=b'z' | b'A'..=b'Z' | b'_' | 0x80.. => self.name_or_string(start)?,
                _ => return Err(self.invalid_character(start)),
            }
            Ok(())
        }

        fn invalid_character(&self, start: usize) -> Stop {
            let c = self.text.get(start..).and_then(|s| s.chars().next());
            let shown = c.map_or_else(String::new, |c| c.escape_debug().to_string());
            self.lexical(start, format!("Got unexpected token {shown}"))
        }

        fn newline(&mut self) -> Result<(), Stop> {
            if self.nesting == 0 && self.line_started {
                // The end of a logical line: every bracket is closed, so only its frame is left.
                self.frames.truncate(1);
                if let Some(line) = self.frames.first_mut() {
                    *line = Frame::new(FrameKind::Line);
                }
                self.open_ops = 0;
                self.after_newline = true;
                self.line_started = false;
                self.after_operand = false;
                return Ok(());
            }
            let nesting = self.nesting;
            if let Some(context) = self.interpolated.last_mut() {
                context.try_end_spec(nesting);
            }
            if nesting > 0 {
                self.continuation_line()?;
            }
            Ok(())
        }

        /// A closing bracket, which must match the innermost open one.
        fn close(&mut self, byte: u8, start: usize) -> Result<(), Stop> {
            self.i += 1;
            let nesting = self.nesting;
            if byte == b'}'
                && let Some(context) = self.interpolated.last_mut()
            {
                if context.nesting == nesting {
                    let message = format!("{}: single '}}' is not allowed", context.name());
                    return Err(self.lexical(start, message));
                }
                context.try_end_spec(nesting);
            }
            let open = match byte {
                b')' => b'(',
                b']' => b'[',
                _ => b'{',
            };
            match self.frames.last().map(|frame| frame.kind) {
                Some(FrameKind::Bracket(found, _)) if found == open => {}
                Some(FrameKind::Bracket(found, _)) => {
                    let message = format!(
                        "closing parenthesis '{}' does not match opening parenthesis '{}'",
                        char::from(byte),
                        char::from(found)
                    );
                    return Err(self.lexical(start, message));
                }
                _ => {
                    let message = format!("unmatched '{}'", char::from(byte));
                    return Err(self.lexical(start, message));
                }
            }
            self.nesting = nesting.saturating_sub(1);
            self.pop_frame(start)?;
            self.after_operand = true;
            Ok(())
        }

        /// A number, consumed exactly as the parser's lexer does.
        fn number(&mut self) {
            let Some(first) = self.peek(0) else {
                return;
            };
            self.i += 1;
            if first == b'0' {
                let digit: Option<fn(u8) -> bool> = match self.peek(0) {
                    Some(b'x' | b'X') => Some(|b| b.is_ascii_hexdigit()),
                    Some(b'o' | b'O') => Some(|b| matches!(b, b'0'..=b'7')),
                    Some(b'b' | b'B') => Some(|b| matches!(b, b'0' | b'1')),
                    _ => None,
                };
                if let Some(digit) = digit {
                    self.i += 1;
                    self.digits(digit);
                    return;
                }
            }
            self.decimal(true);
        }

        /// The rest of a decimal number; `after_digit` is false when it started with `.`.
        fn decimal(&mut self, after_digit: bool) {
            let is_digit = |b: u8| b.is_ascii_digit();
            if after_digit {
                self.digits(is_digit);
            }
            if !after_digit || self.peek(0) == Some(b'.') {
                if after_digit {
                    self.i += 1;
                }
                if self.peek(0) == Some(b'_') {
                    // An error token ends here.
                    self.i += 1;
                    return;
                }
                self.digits(is_digit);
            }
            let exponent = matches!(
                (self.peek(1), self.peek(2)),
                (Some(b'0'..=b'9'), _) | (Some(b'+' | b'-'), Some(b'0'..=b'9'))
            );
            if matches!(self.peek(0), Some(b'e' | b'E')) && exponent {
                self.i += 1;
                if matches!(self.peek(0), Some(b'+' | b'-')) {
                    self.i += 1;
                }
                self.digits(is_digit);
            }
            if matches!(self.peek(0), Some(b'j' | b'J')) {
                self.i += 1;
            }
        }

        /// Digits, with single `_` between them.
        fn digits(&mut self, digit: fn(u8) -> bool) {
            loop {
                match self.peek(0) {
                    Some(b) if digit(b) => self.i += 1,
                    Some(b'_') if self.peek(1).is_some_and(digit) => self.i += 1,
                    _ => return,
                }
            }
        }

        /// A name or keyword, or a string with a prefix.
        fn name_or_string(&mut self, start: usize) -> Result<(), Stop> {
            let first = self.src.get(start).copied().unwrap_or_default();
            if let Some(prefix) = single_prefix(first) {
                match (self.peek(1), self.peek(2)) {
                    (Some(b'\'' | b'"'), _) => {
                        self.i += 1;
                        return self.string(start, prefix);
                    }
                    (Some(second), Some(b'\'' | b'"')) => {
                        if let Some(prefix) = double_prefix(first, second) {
                            self.i += 2;
                            return self.string(start, prefix);
                        }
                    }
                    _ => {}
                }
            }
            let rest = self.text.get(start..).unwrap_or_default();
            let mut chars = rest.char_indices();
            if let Some((_, c)) = chars.next()
                && !c.is_ascii()
                && !self.identifier_char(c).0
            {
                return Err(self.invalid_character(start));
            }
            let mut end = rest.len();
            for (at, c) in chars {
                let continues = if c.is_ascii() {
                    c.is_ascii_alphanumeric() || c == '_'
                } else {
                    self.identifier_char(c).1
                };
                if !continues {
                    end = at;
                    break;
                }
            }
            self.i = start + end;
            let word = rest.get(..end).unwrap_or_default();
            if is_hard_keyword(word) {
                self.operator(start)
            } else {
                self.after_operand = true;
                Ok(())
            }
        }

        /// Whether a non-ASCII character can start or continue a name. The parser's lexer uses
        /// the Unicode XID properties, which are asked of that lexer itself (once per character)
        /// rather than copied here: a lone `c` lexes as a name exactly when `c` can start one,
        /// and `ac` lexes as one name exactly when `c` can continue one.
        fn identifier_char(&mut self, c: char) -> (bool, bool) {
            *self.identifier_chars.entry(c).or_insert_with(|| {
                let alone = c.to_string();
                let starts = lexer::lex(&alone, Mode::Module).next_token() == TokenKind::Name;
                let after = format!("a{c}");
                let mut after = lexer::lex(&after, Mode::Module);
                let continues = after.next_token() == TokenKind::Name
                    && after.next_token() != TokenKind::Unknown;
                (starts, continues)
            })
        }

        /// A string from its opening quote at `self.i` (its prefix starts at `start`). An
        /// f-string or t-string only has its start read here; its text is read by
        /// `literal_text` and its replacement fields as code.
        fn string(&mut self, start: usize, prefix: Prefix) -> Result<(), Stop> {
            let Some(quote) = self.peek(0) else {
                return Ok(());
            };
            self.i += 1;
            let triple = self.peek(0) == Some(quote) && self.peek(1) == Some(quote);
            if triple {
                self.i += 2;
            }
            if let Some(template) = prefix.interpolated {
                self.interpolated.push(Interpolated {
                    start,
                    quote,
                    triple,
                    raw: prefix.raw,
                    template,
                    nesting: self.nesting,
                    spec_depth: 0,
                    frames: self.frames.len(),
                });
                return self.push_frame(FrameKind::Interpolated, start);
            }
            let unclosed = || Stop::Lexical {
                offset: start,
                message: "missing closing quote in string literal".into(),
            };
            loop {
                let rest = self.src.get(self.i..).unwrap_or_default();
                let (found, byte) = rest
                    .iter()
                    .copied()
                    .enumerate()
                    .find(|&(_, b)| b == quote || (!triple && (b == b'\n' || b == b'\r')))
                    .ok_or_else(unclosed)?;
                let backslashes = rest
                    .iter()
                    .take(found)
                    .rev()
                    .take_while(|&&b| b == b'\\')
                    .count();
                self.i += found + 1;
                if backslashes % 2 == 1 {
                    // An escaped quote or line break.
                    if byte == b'\r' && self.peek(0) == Some(b'\n') {
                        self.i += 1;
                    }
                    continue;
                }
                if byte != quote {
                    return Err(unclosed());
                }
                if !triple {
                    break;
                }
                if self.peek(0) == Some(quote) && self.peek(1) == Some(quote) {
                    self.i += 2;
                    break;
                }
            }
            self.after_operand = true;
            Ok(())
        }

        /// Reads an f-string's literal text (or its end) at `self.i`, where the innermost
        /// f-string is not in a replacement field. Returns whether anything was read; if not,
        /// a `{` or `}` follows, to be read as a token.
        fn literal_text(&mut self, context: Interpolated) -> Result<bool, Stop> {
            let quote = context.quote;
            let at_quote = |scanner: &Self| {
                scanner.peek(0) == Some(quote)
                    && (!context.triple
                        || (scanner.peek(1) == Some(quote) && scanner.peek(2) == Some(quote)))
            };
            if at_quote(self) {
                self.i += if context.triple { 3 } else { 1 };
                self.end_interpolated(context)?;
                return Ok(true);
            }
            let in_spec = context.in_spec(self.nesting);
            let begin = self.i;
            let mut named_escape = false;
            loop {
                match self.peek(0) {
                    None => {
                        let kind = if context.triple { "triple-quoted " } else { "" };
                        let message = format!("{}: unterminated {kind}string", context.name());
                        return Err(self.lexical(context.start, message));
                    }
                    Some(b'\n' | b'\r') if !context.triple => {
                        let message = format!("{}: unterminated string", context.name());
                        return Err(self.lexical(context.start, message));
                    }
                    Some(b'\\') => {
                        self.i += 1;
                        if matches!(self.peek(0), Some(b'{' | b'}')) {
                            continue;
                        }
                        if !context.raw && self.peek(0) == Some(b'N') && self.peek(1) == Some(b'{')
                        {
                            self.i += 2;
                            named_escape = true;
                            continue;
                        }
                        let escaped = self.peek(0);
                        if escaped.is_some() {
                            self.i += 1;
                        }
                        if escaped == Some(b'\r') && self.peek(0) == Some(b'\n') {
                            self.i += 1;
                        }
                    }
                    Some(b) if b == quote => {
                        if at_quote(self) {
                            break;
                        }
                        self.i += 1;
                    }
                    Some(b'{') => {
                        if self.peek(1) == Some(b'{') && !in_spec {
                            self.i += 2;
                        } else {
                            break;
                        }
                    }
                    Some(b'}') => {
                        if named_escape {
                            named_escape = false;
                            self.i += 1;
                        } else if self.peek(1) == Some(b'}') && !in_spec {
                            self.i += 2;
                        } else {
                            break;
                        }
                    }
                    Some(_) => self.i += 1,
                }
            }
            self.after_operand = false;
            Ok(self.i > begin)
        }

        /// The closing quote of the innermost f-string.
        fn end_interpolated(&mut self, context: Interpolated) -> Result<(), Stop> {
            self.interpolated.pop();
            if self.nesting != context.nesting {
                let message = format!("{}: expecting '}}'", context.name());
                return Err(self.lexical(self.i.saturating_sub(1), message));
            }
            while self.frames.len() > context.frames.max(1) {
                self.pop_frame(self.i)?;
            }
            self.after_operand = true;
            Ok(())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn module(src: &str) -> Module {
        match parse(src) {
            Ok(module) => module,
            Err(error) => panic!("{src:?} did not parse: {error:?}"),
        }
    }

    fn error(src: &str) -> SourceError {
        match parse(src) {
            Ok(module) => panic!("{src:?} parsed: {module:?}"),
            Err(error) => error,
        }
    }

    fn stmts(src: &str) -> Vec<StmtKind> {
        module(src).body.into_iter().map(|stmt| stmt.kind).collect()
    }

    fn stmt(src: &str) -> StmtKind {
        let mut body = stmts(src);
        assert_eq!(body.len(), 1, "{src:?}");
        body.remove(0)
    }

    /// The expression of a one-line expression statement.
    fn expr(src: &str) -> Expr {
        match stmt(src) {
            StmtKind::Expr(expr) => expr,
            other => panic!("not an expression statement: {other:?}"),
        }
    }

    fn kind(src: &str) -> ExprKind {
        expr(src).kind
    }

    fn name(expr: &Expr) -> &str {
        match &expr.kind {
            ExprKind::Name(name) => name,
            other => panic!("not a name: {other:?}"),
        }
    }

    fn int(expr: &Expr) -> i64 {
        match &expr.kind {
            ExprKind::Const(Const::Int(value)) => *value,
            other => panic!("not an int: {other:?}"),
        }
    }

    fn assert_kind(error: &SourceError, kind: SourceErrorKind, line: u32) {
        assert_eq!((error.kind, error.pos.line), (kind, line), "{error:?}");
    }

    #[test]
    fn assignments() {
        let body =
            stmts("a = b = 1\nx, *y = [1, 2]\n[p, (q, r)] = t\nn += 2\nm: int = 3\nk: str\n");
        let StmtKind::Assign { targets, value } = &body[0] else {
            panic!("{body:?}")
        };
        assert_eq!(
            (name(&targets[0]), name(&targets[1]), int(value)),
            ("a", "b", 1)
        );
        let StmtKind::Assign { targets, .. } = &body[1] else {
            panic!("{body:?}")
        };
        let ExprKind::Tuple(elts) = &targets[0].kind else {
            panic!("{targets:?}")
        };
        assert!(matches!(&elts[1].kind, ExprKind::Starred(inner) if name(inner) == "y"));
        let StmtKind::Assign { targets, .. } = &body[2] else {
            panic!("{body:?}")
        };
        let ExprKind::List(elts) = &targets[0].kind else {
            panic!("{targets:?}")
        };
        assert!(matches!(&elts[1].kind, ExprKind::Tuple(inner) if inner.len() == 2));
        assert!(matches!(
            &body[3],
            StmtKind::AugAssign { op: BinOp::Add, .. }
        ));
        assert!(matches!(
            &body[4],
            StmtKind::AnnAssign { value: Some(_), .. }
        ));
        assert!(matches!(&body[5], StmtKind::AnnAssign { value: None, .. }));
    }

    #[test]
    fn starred_outside_a_tuple_is_a_syntax_error() {
        assert_kind(&error("*a = b\n"), SourceErrorKind::Syntax, 1);
        assert_kind(&error("x = 1\nx = *a\n"), SourceErrorKind::Syntax, 2);
        assert_kind(&error("[*a for a in b]\n"), SourceErrorKind::Unsupported, 1);
    }

    #[test]
    fn functions_and_classes() {
        let src = "@dec\n@other(1)\nasync def f(a, b=1, /, c=2, *args, d, e=3, **kw) -> int:\n    \
                   '''Doc.'''\n    return a\n\n@decorate\nclass C(Base, *more, metaclass=M, **extra):\n    \
                   x = 1\n    def m(self): pass\n";
        let body = module(src).body;
        assert_eq!(body[0].pos, Pos { line: 3, col: 1 });
        let StmtKind::FunctionDef(def) = &body[0].kind else {
            panic!("{body:?}")
        };
        assert_eq!(def.name, "f");
        assert!(def.is_async);
        assert_eq!(def.decorators.len(), 2);
        let params = &def.params;
        let names = |params: &[Param]| params.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&params.posonly), ["a", "b"]);
        assert!(params.posonly[0].default.is_none() && params.posonly[1].default.is_some());
        assert_eq!(names(&params.args), ["c"]);
        assert_eq!(params.vararg.as_deref(), Some("args"));
        assert_eq!(names(&params.kwonly), ["d", "e"]);
        assert!(params.kwonly[0].default.is_none() && params.kwonly[1].default.is_some());
        assert_eq!(params.kwarg.as_deref(), Some("kw"));
        assert!(matches!(&def.body[0].kind,
            StmtKind::Expr(Expr { kind: ExprKind::Const(Const::Str(doc)), .. }) if doc == "Doc."));
        assert_eq!(body[1].pos, Pos { line: 8, col: 1 });
        let StmtKind::ClassDef(class) = &body[1].kind else {
            panic!("{body:?}")
        };
        assert_eq!(
            (
                class.name.as_str(),
                class.bases.len(),
                class.decorators.len()
            ),
            ("C", 2, 1)
        );
        assert!(matches!(class.bases[1].kind, ExprKind::Starred(_)));
        assert_eq!(class.keywords[0].name.as_deref(), Some("metaclass"));
        assert!(class.keywords[1].name.is_none());
        assert_eq!(class.body.len(), 2);
        let ExprKind::Lambda { params, .. } = kind("lambda: 0") else {
            panic!()
        };
        assert!(params.args.is_empty() && params.vararg.is_none());
        let ExprKind::Lambda { params, .. } = kind("lambda x, *y, z=1, **w: x") else {
            panic!()
        };
        assert_eq!((params.args.len(), params.kwonly.len()), (1, 1));
    }

    #[test]
    fn control_flow() {
        let src = "if a:\n    pass\nelif b:\n    x = 1\nelif c:\n    break\nelse:\n    continue\n";
        let StmtKind::If { orelse, .. } = stmt(src) else {
            panic!()
        };
        assert_eq!(orelse[0].pos.line, 3);
        let StmtKind::If { orelse, .. } = &orelse[0].kind else {
            panic!("{orelse:?}")
        };
        let StmtKind::If { orelse, .. } = &orelse[0].kind else {
            panic!("{orelse:?}")
        };
        assert!(matches!(orelse[0].kind, StmtKind::Continue));

        let src = "while x:\n    x -= 1\nelse:\n    done()\nfor i, j in pairs:\n    pass\nelse:\n    \
                   pass\nasync def g():\n    async for x in y: pass\n    async with a as b, c: pass\n";
        let body = stmts(src);
        assert!(matches!(&body[0], StmtKind::While { orelse, .. } if orelse.len() == 1));
        assert!(matches!(
            &body[1],
            StmtKind::For {
                target: Expr {
                    kind: ExprKind::Tuple(_),
                    ..
                },
                is_async: false,
                ..
            }
        ));
        let StmtKind::FunctionDef(def) = &body[2] else {
            panic!("{body:?}")
        };
        assert!(matches!(
            def.body[0].kind,
            StmtKind::For { is_async: true, .. }
        ));
        let StmtKind::With {
            items,
            is_async: true,
            ..
        } = &def.body[1].kind
        else {
            panic!()
        };
        assert!(items[0].var.is_some() && items[1].var.is_none());

        let src = "try:\n    f()\nexcept (A, B) as e:\n    raise C from e\nexcept D:\n    raise\n\
                   except:\n    pass\nelse:\n    g()\nfinally:\n    h()\n";
        let StmtKind::Try {
            handlers,
            orelse,
            finalbody,
            ..
        } = stmt(src)
        else {
            panic!()
        };
        assert_eq!((handlers.len(), orelse.len(), finalbody.len()), (3, 1, 1));
        assert_eq!(handlers[0].pos, Pos { line: 3, col: 1 });
        assert!(matches!(
            &handlers[0].typ,
            Some(Expr {
                kind: ExprKind::Tuple(_),
                ..
            })
        ));
        assert_eq!(handlers[0].name.as_deref(), Some("e"));
        assert!(matches!(
            &handlers[0].body[0].kind,
            StmtKind::Raise {
                exc: Some(_),
                cause: Some(_)
            }
        ));
        assert!(matches!(
            &handlers[1].body[0].kind,
            StmtKind::Raise {
                exc: None,
                cause: None
            }
        ));
        assert!(handlers[2].typ.is_none());

        let body = stmts("assert x, 'msg'\ndel a, b[0]\nglobal g, h\ndef f():\n    nonlocal n\n");
        assert!(matches!(&body[0], StmtKind::Assert { msg: Some(_), .. }));
        assert!(matches!(&body[1], StmtKind::Delete(targets) if targets.len() == 2));
        assert!(matches!(&body[2], StmtKind::Global(names) if names == &["g", "h"]));
        let StmtKind::FunctionDef(def) = &body[3] else {
            panic!()
        };
        assert!(matches!(&def.body[0].kind, StmtKind::Nonlocal(names) if names == &["n"]));
    }

    #[test]
    fn imports() {
        let body = stmts(
            "import a.b as c, d\nfrom x.y import p as q, r\nfrom .. import s\nfrom . m import *\n",
        );
        let StmtKind::Import(names) = &body[0] else {
            panic!()
        };
        assert_eq!(
            (names[0].name.as_str(), names[0].asname.as_deref()),
            ("a.b", Some("c"))
        );
        assert_eq!(
            (names[1].name.as_str(), names[1].asname.as_deref()),
            ("d", None)
        );
        let StmtKind::ImportFrom {
            module,
            names,
            level,
        } = &body[1]
        else {
            panic!()
        };
        assert_eq!(
            (module.as_str(), *level, names[0].asname.as_deref()),
            ("x.y", 0, Some("q"))
        );
        assert!(
            matches!(&body[2], StmtKind::ImportFrom { module, level: 2, .. } if module.is_empty())
        );
        let StmtKind::ImportFrom {
            module,
            names,
            level,
        } = &body[3]
        else {
            panic!()
        };
        assert_eq!(
            (module.as_str(), *level, names[0].name.as_str()),
            ("m", 1, "*")
        );
    }

    #[test]
    fn operators() {
        let ExprKind::BinOp {
            op: BinOp::MatMult,
            left,
            ..
        } = kind("a @ b")
        else {
            panic!()
        };
        assert_eq!(name(&left), "a");
        let ExprKind::BoolOp {
            op: BoolOp::Or,
            values,
        } = kind("a or b or c")
        else {
            panic!()
        };
        assert_eq!(values.len(), 3);
        assert!(matches!(
            kind("not x"),
            ExprKind::UnaryOp {
                op: UnaryOp::Not,
                ..
            }
        ));
        assert!(matches!(
            kind("~x"),
            ExprKind::UnaryOp {
                op: UnaryOp::Invert,
                ..
            }
        ));
        assert!(matches!(
            kind("-x"),
            ExprKind::UnaryOp {
                op: UnaryOp::USub,
                ..
            }
        ));
        let ExprKind::Compare {
            ops, comparators, ..
        } = kind("a < b <= c is not d not in e")
        else {
            panic!()
        };
        assert_eq!(ops, [CmpOp::Lt, CmpOp::LtE, CmpOp::IsNot, CmpOp::NotIn]);
        assert_eq!(comparators.len(), 4);
        assert!(matches!(kind("(n := 10)"), ExprKind::Named { target, .. } if target == "n"));
        let ExprKind::IfExp { test, body, orelse } = kind("a if b else c") else {
            panic!()
        };
        assert_eq!((name(&body), name(&test), name(&orelse)), ("a", "b", "c"));
        assert!(matches!(
            kind("-9223372036854775808"),
            ExprKind::Const(Const::Int(i64::MIN))
        ));
        assert!(matches!(kind("0xff"), ExprKind::Const(Const::Int(255))));
        assert!(matches!(kind("1.5e3"), ExprKind::Const(Const::Float(f)) if f == 1500.0));
        assert!(matches!(kind("..."), ExprKind::Const(Const::Ellipsis)));
        assert!(matches!(kind("None"), ExprKind::Const(Const::None)));
        assert!(matches!(kind("True"), ExprKind::Const(Const::Bool(true))));
    }

    #[test]
    fn displays_and_comprehensions() {
        let ExprKind::Dict(items) = kind("{'a': 1, **m, b: 2}") else {
            panic!()
        };
        assert!(items[0].0.is_some() && items[1].0.is_none() && items[2].0.is_some());
        assert!(matches!(kind("{1, *s}"), ExprKind::Set(elts) if elts.len() == 2));
        assert!(matches!(kind("[]"), ExprKind::List(elts) if elts.is_empty()));
        assert!(matches!(kind("()"), ExprKind::Tuple(elts) if elts.is_empty()));
        assert!(matches!(kind("1,"), ExprKind::Tuple(elts) if elts.len() == 1));
        let ExprKind::ListComp { generators, .. } =
            kind("[x * y for x in a if x if x > 1 for y in b]")
        else {
            panic!()
        };
        assert_eq!(
            (
                generators.len(),
                generators[0].ifs.len(),
                generators[1].ifs.len()
            ),
            (2, 2, 0)
        );
        assert!(matches!(kind("{x for x in a}"), ExprKind::SetComp { .. }));
        assert!(matches!(
            kind("{k: v for k, v in d}"),
            ExprKind::DictComp { .. }
        ));
        assert!(matches!(kind("f(x for x in a)"),
            ExprKind::Call { args, .. } if matches!(args[0].kind, ExprKind::GeneratorExp { .. })));
        let src = "async def f():\n    return [x async for x in a]\n";
        let StmtKind::FunctionDef(def) = stmt(src) else {
            panic!()
        };
        let StmtKind::Return(Some(Expr {
            kind: ExprKind::ListComp { generators, .. },
            ..
        })) = &def.body[0].kind
        else {
            panic!("{def:?}")
        };
        assert!(generators[0].is_async);
    }

    #[test]
    fn calls_attributes_subscripts() {
        let ExprKind::Call {
            func,
            args,
            keywords,
        } = kind("o.m(a, *b, c=1, **d)")
        else {
            panic!()
        };
        assert!(matches!(&func.kind, ExprKind::Attribute { attr, .. } if attr == "m"));
        assert!(matches!(args[1].kind, ExprKind::Starred(_)));
        assert_eq!(keywords[0].name.as_deref(), Some("c"));
        assert!(keywords[1].name.is_none());
        let ExprKind::Subscript { index, .. } = kind("x[1:2]") else {
            panic!()
        };
        assert!(matches!(
            index.kind,
            ExprKind::Slice {
                lower: Some(_),
                upper: Some(_),
                step: None
            }
        ));
        let ExprKind::Subscript { index, .. } = kind("x[::2, 3, :]") else {
            panic!()
        };
        let ExprKind::Tuple(elts) = &index.kind else {
            panic!("{index:?}")
        };
        assert!(matches!(
            elts[0].kind,
            ExprKind::Slice {
                lower: None,
                upper: None,
                step: Some(_)
            }
        ));
        assert!(matches!(elts[1].kind, ExprKind::Const(Const::Int(3))));
        assert!(matches!(
            elts[2].kind,
            ExprKind::Slice {
                lower: None,
                upper: None,
                step: None
            }
        ));
        let ExprKind::Subscript { index, .. } = kind("x[*a]") else {
            panic!()
        };
        assert!(
            matches!(&index.kind, ExprKind::Tuple(elts) if matches!(elts[0].kind, ExprKind::Starred(_)))
        );
    }

    #[test]
    fn generators_and_await() {
        let src = "def g():\n    yield\n    yield 1\n    x = yield from h()\n";
        let StmtKind::FunctionDef(def) = stmt(src) else {
            panic!()
        };
        assert!(matches!(
            &def.body[0].kind,
            StmtKind::Expr(Expr {
                kind: ExprKind::Yield(None),
                ..
            })
        ));
        assert!(matches!(
            &def.body[1].kind,
            StmtKind::Expr(Expr {
                kind: ExprKind::Yield(Some(_)),
                ..
            })
        ));
        assert!(matches!(
            &def.body[2].kind,
            StmtKind::Assign {
                value: Expr {
                    kind: ExprKind::YieldFrom(_),
                    ..
                },
                ..
            }
        ));
        // Top-level `await`, as in a notebook.
        assert!(matches!(kind("await asyncio.sleep(1)"), ExprKind::Await(_)));
    }

    #[test]
    fn strings() {
        assert!(matches!(kind("'a' \"b\" '''c'''"), ExprKind::Const(Const::Str(s)) if s == "abc"));
        assert!(matches!(kind("b'\\x00a' b'b'"), ExprKind::Const(Const::Bytes(b)) if b == b"\0ab"));
        assert!(matches!(kind("'\\u00e9\\n'"), ExprKind::Const(Const::Str(s)) if s == "é\n"));
        let ExprKind::FString(parts) = kind("'a' f'b{x!r}c' 'd' f'{y:>{w}.2f}'") else {
            panic!()
        };
        assert!(matches!(&parts[0], FPart::Lit(s) if s == "ab"));
        let FPart::Value {
            value,
            conversion,
            spec,
        } = &parts[1]
        else {
            panic!("{parts:?}")
        };
        assert_eq!((name(value), *conversion, spec.len()), ("x", Some('r'), 0));
        assert!(matches!(&parts[2], FPart::Lit(s) if s == "cd"));
        let FPart::Value {
            conversion: None,
            spec,
            ..
        } = &parts[3]
        else {
            panic!("{parts:?}")
        };
        assert!(matches!(&spec[0], FPart::Lit(s) if s == ">"));
        assert!(matches!(&spec[1], FPart::Value { value, .. } if name(value) == "w"));
        assert!(matches!(&spec[2], FPart::Lit(s) if s == ".2f"));
        assert_eq!(parts.len(), 4);
    }

    #[test]
    fn fstring_debug_fields() {
        let ExprKind::FString(parts) = kind("f'{x=}'") else {
            panic!()
        };
        assert!(matches!(&parts[0], FPart::Lit(s) if s == "x="));
        assert!(
            matches!(&parts[1], FPart::Value { conversion: Some('r'), spec, .. } if spec.is_empty())
        );
        let ExprKind::FString(parts) = kind("f'a{ x = !s:>10}b{y=:d}'") else {
            panic!()
        };
        assert!(matches!(&parts[0], FPart::Lit(s) if s == "a x = "));
        let FPart::Value {
            conversion: Some('s'),
            spec,
            ..
        } = &parts[1]
        else {
            panic!("{parts:?}")
        };
        assert!(matches!(&spec[..], [FPart::Lit(s)] if s == ">10"));
        assert!(matches!(&parts[2], FPart::Lit(s) if s == "by="));
        assert!(matches!(
            &parts[3],
            FPart::Value {
                conversion: None,
                ..
            }
        ));
        // A comment in a multi-line field is not part of the text shown.
        let src = "f'''{\n1+2 = # c\n  }''' f'{\"#\"=}'";
        let ExprKind::FString(parts) = kind(src) else {
            panic!()
        };
        assert!(matches!(&parts[0], FPart::Lit(s) if s == "\n1+2 = \n  "));
        assert!(matches!(&parts[2], FPart::Lit(s) if s == "\"#\"="));
        // Nested quotes and `{{` escapes, as Python 3.12 allows.
        let ExprKind::FString(parts) = kind("f\"{d[\"k\"]}{{}}\"") else {
            panic!()
        };
        assert!(matches!(&parts[0], FPart::Value { value, .. }
            if matches!(value.kind, ExprKind::Subscript { .. })));
        assert!(matches!(&parts[1], FPart::Lit(s) if s == "{}"));
    }

    #[test]
    fn positions_are_one_based_in_characters() {
        let body = module("a = 1\nb = 2\nprint(a,  name)\n").body;
        let StmtKind::Expr(Expr {
            kind: ExprKind::Call { args, .. },
            ..
        }) = &body[2].kind
        else {
            panic!("{body:?}")
        };
        assert_eq!(
            (name(&args[1]), args[1].pos),
            ("name", Pos { line: 3, col: 11 })
        );
        let body = module("x = 1\n\n# comment\nif x:\n    héllo = 'ü' + yy\n").body;
        let StmtKind::If { body, .. } = &body[1].kind else {
            panic!("{body:?}")
        };
        assert_eq!(body[0].pos, Pos { line: 5, col: 5 });
        let StmtKind::Assign { value, .. } = &body[0].kind else {
            panic!()
        };
        let ExprKind::BinOp { right, .. } = &value.kind else {
            panic!()
        };
        assert_eq!(right.pos, Pos { line: 5, col: 19 });
        let body = module("\u{feff}a = b\r\nc = d\r").body;
        assert_eq!(
            (body[0].pos, body[1].pos),
            (Pos { line: 1, col: 1 }, Pos { line: 2, col: 1 })
        );
        let StmtKind::Assign { value, .. } = &body[0].kind else {
            panic!()
        };
        assert_eq!(value.pos, Pos { line: 1, col: 5 });
    }

    #[test]
    fn syntax_errors() {
        let def = error("def f(:\n    pass\n");
        assert_kind(&def, SourceErrorKind::Syntax, 1);
        assert!(!def.message.is_empty());
        let unclosed = error("x = 1\ny = (2 +\n");
        assert_kind(&unclosed, SourceErrorKind::Syntax, 2);
        assert_eq!(
            (unclosed.message.as_str(), unclosed.pos.col),
            ("'(' was never closed", 5)
        );
        let string = error("a = 1\nprint('hello)\n");
        assert_kind(&string, SourceErrorKind::Syntax, 2);
        let message = "missing closing quote in string literal";
        assert_eq!((string.message.as_str(), string.pos.col), (message, 7));
        // An earlier error comes first, even when a lexical error follows.
        assert_kind(&error("x = = 1\ny = 'open\n"), SourceErrorKind::Syntax, 1);
        assert_kind(&error("x = [1, 2)\n"), SourceErrorKind::Syntax, 1);
        assert_kind(&error("x = 1\n)\n"), SourceErrorKind::Syntax, 2);
        assert_kind(&error("x = f'{a'\n"), SourceErrorKind::Syntax, 1);
        assert_kind(&error("x = f'''{a}\n"), SourceErrorKind::Syntax, 1);
        assert_kind(&error("x = 1 $ 2\n"), SourceErrorKind::Syntax, 1);
        assert_kind(&error("x = 1\n€ = 2\n"), SourceErrorKind::Syntax, 2);
        assert_kind(&error("x = 1 \\ 2\n"), SourceErrorKind::Syntax, 1);
        assert_kind(&error("if x:\n  a\n    b\n"), SourceErrorKind::Syntax, 3);
    }

    #[test]
    fn unsupported_constructs() {
        let unsupported = |src: &str, construct: &str, line: u32| {
            let rejected = error(src);
            assert_kind(&rejected, SourceErrorKind::Unsupported, line);
            assert!(rejected.message.contains(construct), "{rejected:?}");
        };
        unsupported("match x:\n    case 1: pass\n", "match", 1);
        unsupported("x = 1\ntype X = int\n", "type alias", 2);
        unsupported("def f[T](x: T): pass\n", "type parameters", 1);
        unsupported("class C[T]: pass\n", "type parameters", 1);
        unsupported("try:\n    pass\nexcept* E:\n    pass\n", "except*", 1);
        unsupported(
            "x = 12345678901234567890\n",
            "integer literal larger than 64 bits",
            1,
        );
        unsupported("x = 1\ny = 2j\n", "complex", 2);
        unsupported("x = t'{y}'\n", "t-strings", 1);
        unsupported("{**a for a in b}\n", "unpacking", 1);
    }

    #[test]
    fn too_large() {
        let src = "#".repeat(MAX_SOURCE_BYTES + 1);
        assert_eq!(error(&src).kind, SourceErrorKind::TooLarge);
    }

    #[test]
    fn deep_brackets_are_too_deep() {
        let src = "(".repeat(10_000) + &")".repeat(10_000);
        assert_kind(&error(&src), SourceErrorKind::TooDeep, 1);
        for open in ["(", "[", "{"] {
            let close = match open {
                "(" => ")",
                "[" => "]",
                _ => "}",
            };
            let src = format!(
                "x = 1\ny = {}{}\n",
                open.repeat(10_000),
                close.repeat(10_000)
            );
            assert_kind(&error(&src), SourceErrorKind::TooDeep, 2);
            assert_kind(&error(&open.repeat(10_000)), SourceErrorKind::TooDeep, 1);
        }
        // Nested f-string fields are brackets too.
        let src = format!("{}x{}\n", "f'{".repeat(5_000), "}'".repeat(5_000));
        assert_eq!(error(&src).kind, SourceErrorKind::TooDeep);
        let src = format!("{}x{}\n", "f\"{f'{".repeat(3_000), "}'}\"".repeat(3_000));
        assert_eq!(error(&src).kind, SourceErrorKind::TooDeep);
    }

    #[test]
    fn deep_blocks_are_too_deep() {
        let mut src = String::new();
        for depth in 0..150 {
            src.push_str(&" ".repeat(depth));
            src.push_str("if x:\n");
        }
        src.push_str(&" ".repeat(150));
        src.push_str("pass\n");
        // Line `n` is indented `n - 1` levels.
        let deep = error(&src);
        assert_kind(
            &deep,
            SourceErrorKind::TooDeep,
            u32::try_from(MAX_DEPTH + 2).unwrap(),
        );
    }

    #[test]
    fn long_chains_are_too_deep() {
        for chain in [
            "-",
            "not ",
            "~",
            "+",
            "await ",
            "lambda: ",
            "a if b else ",
            "x ** ",
            "a + ",
        ] {
            let src = format!("x = 1\ny = {}z\n", chain.repeat(5_000));
            assert_kind(&error(&src), SourceErrorKind::TooDeep, 2);
        }
        let src = format!("x = a{}\n", ".b".repeat(10_000));
        assert_kind(&error(&src), SourceErrorKind::TooDeep, 1);
        let src = format!("x = a{}\n", "[0]".repeat(10_000));
        assert_kind(&error(&src), SourceErrorKind::TooDeep, 1);
        let src = format!("x = a{}\n", "()".repeat(10_000));
        assert_kind(&error(&src), SourceErrorKind::TooDeep, 1);
        // A long `elif` chain nests `if` statements in our tree.
        let mut src = "if x == 0:\n    pass\n".to_owned();
        for i in 1..1_000 {
            src.push_str(&format!("elif x == {i}:\n    pass\n"));
        }
        assert_eq!(error(&src).kind, SourceErrorKind::TooDeep);
    }

    #[test]
    fn nesting_below_the_limits_is_fine() {
        let depth = MAX_DEPTH - 5;
        module(&format!(
            "x = {}1{}\n",
            "(".repeat(depth),
            ")".repeat(depth)
        ));
        module(&format!(
            "x = {}1{}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        ));
        module(&format!("x = {}1\n", "-".repeat(MAX_EXPR_DEPTH - 10)));
        module(&format!("x = a{}\n", ".b".repeat(MAX_EXPR_DEPTH - 10)));
        let mut src = String::new();
        for depth in 0..MAX_DEPTH - 5 {
            src.push_str(&"  ".repeat(depth));
            src.push_str("while x:\n");
        }
        src.push_str(&"  ".repeat(MAX_DEPTH - 5));
        src.push_str("x = [f(a, (b, {c: d})) for a in y]\n");
        module(&src);
        let mut src = "if x == 0:\n    pass\n".to_owned();
        for i in 1..150 {
            src.push_str(&format!("elif x == {i}:\n    pass\n"));
        }
        module(&src);
        // Brackets inside strings and comments do not count.
        let brackets = "(".repeat(500);
        module(&format!(
            "a = '{brackets}'\nb = \"{brackets}\"\nc = '''\n{brackets}\n'''\n# {brackets}\n\
             d = f'{{{{{brackets}}}}}'\ne = r'\\'{brackets}'\n"
        ));
        // Long flat lists are not deep.
        let items = (0..5_000)
            .map(|i| format!("-{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        module(&format!("data = [{items}]\n"));
    }

    /// A realistic program of about 50 lines, made distinct by `n`.
    fn program(n: usize) -> String {
        format!(
            r#"
import threading
from collections import deque as Deque

LIMIT_{n} = 10_000


class Counter{n}:
    """Counts, under a lock."""

    def __init__(self, start=0, *, step=1):
        self.value = start
        self.step = step
        self.lock = threading.Lock()

    def increment(self, times: int = 1) -> None:
        for _ in range(times):
            with self.lock:
                self.value += self.step

    @property
    def doubled(self):
        return self.value * 2 if self.value >= 0 else -self.value


def worker_{n}(counter, items, results):
    total = 0
    while items:
        try:
            item = items.popleft()
        except IndexError:
            break
        else:
            total += item ** 2 % 7
        finally:
            counter.increment()
    results[threading.current_thread().name] = total
    return {{k: v for k, v in results.items() if v}}


async def main_{n}(loop=None):
    queue = Deque(range(100))
    results = {{}}
    counter = Counter{n}(step=2)
    threads = [threading.Thread(target=worker_{n}, args=(counter, queue, results)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counter.value == 200, f"lost updates: {{counter.value!r:>8}} ({{len(threads)=}})"
    print(*sorted(results), sep=", ", end="\n")
    return [x for x in results.values() if x > 0][::-1], lambda a, b=2: a @ b
"#
        )
    }

    #[test]
    fn realistic_programs_lower() {
        for chunks in [1, 10, 25] {
            let src = (0..chunks).map(program).collect::<String>();
            let module = module(&src);
            assert_eq!(module.body.len(), chunks * 6);
        }
        let long = (0..10).map(program).collect::<String>();
        assert!(long.lines().count() >= 500);
        let body = module(&long).body;
        assert_eq!(body[2].pos, Pos { line: 5, col: 1 });
        assert!(matches!(body[3].kind, StmtKind::ClassDef(_)));
    }
}
