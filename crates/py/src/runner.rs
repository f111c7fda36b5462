//! Running a program: compile once ([`Compiled`]), then build a fresh simulator [`Program`]
//! per run. Each simulated thread is a unit whose body drives a [`Vm`]: it charges the CPU time
//! the VM reports at eval-breaker points with `Ctx::compute`, performs the blocking calls the
//! VM hands out, and resumes it with their replies. Uncaught exceptions print as CPython prints
//! them.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use interleave_sim::{Ctx, Program, Value};

use crate::code::{Anchor, Code, Span};
use crate::error::SourceError;
use crate::natives::{self, Reply};
use crate::obj::*;
use crate::vm::{Args, Exit, Vm};
use crate::world::{Console, Model, PyCosts, Shared, World};

/// Settings of one run of a program.
#[derive(Clone, Debug)]
pub struct PyOptions {
    pub model: Model,
    pub costs: PyCosts,
    /// Charge CPU time in pieces of at least this much (virtual ns).
    pub flush_ns: u64,
    pub max_instructions: u64,
    pub max_items: usize,
    pub filename: String,
    pub seed: u64,
    pub cores: u32,
    pub switch_interval_s: f64,
}

impl Default for PyOptions {
    fn default() -> Self {
        PyOptions {
            model: Model::Py311,
            costs: PyCosts::default(),
            flush_ns: 50_000,
            max_instructions: 200_000_000,
            max_items: 10_000_000,
            filename: "main.py".to_string(),
            seed: 0,
            cores: 2,
            switch_interval_s: 0.005,
        }
    }
}

impl PyOptions {
    /// The machine a program runs on by default: the model decides the GIL.
    pub fn machine(&self) -> interleave_sim::Machine {
        interleave_sim::Machine {
            gil: self.model.gil(),
            cores: self.cores,
            ..interleave_sim::Machine::default()
        }
    }
}

/// Everything one run produced.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub trace: interleave_sim::Trace,
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
    /// Bytecode instructions executed by all threads.
    pub instructions: u64,
}

/// Why a program did not run.
#[derive(Debug, Clone, PartialEq)]
pub enum RunError {
    /// It does not parse, or uses a construct the playground does not run.
    Source(SourceError),
    /// The machine or scheduler settings were refused.
    Settings(String),
}

/// Compiles and runs a program once on `machine` (see [`PyOptions::machine`]).
pub fn run_program(
    src: &str,
    opts: &PyOptions,
    machine: interleave_sim::Machine,
    scheduler: &interleave_sim::SchedulerKind,
) -> Result<RunResult, RunError> {
    let compiled = compile(src, &opts.filename).map_err(RunError::Source)?;
    compiled
        .run(opts, machine, scheduler)
        .map_err(RunError::Settings)
}

/// A parsed and compiled program, ready to run any number of times.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub code: Rc<Code>,
    pub source: Rc<Vec<String>>,
}

/// Parses and compiles a program.
pub fn compile(src: &str, filename: &str) -> Result<Compiled, SourceError> {
    let module = crate::lower::parse(src)?;
    let code = crate::compile::compile_module(&module, "<module>", filename)?;
    Ok(Compiled {
        code,
        source: Rc::new(src.lines().map(str::to_string).collect()),
    })
}

/// What a run printed, readable after the simulation ends.
#[derive(Debug, Clone, Default)]
pub struct RunOutput {
    pub console: Rc<RefCell<Console>>,
    /// 0, or 1 after an uncaught exception in the main thread, or `sys.exit`'s code.
    pub exit_code: Rc<Cell<i32>>,
    /// Instructions executed by all threads (read after the run).
    pub instructions: Rc<Cell<u64>>,
}

impl Compiled {
    /// Runs the program once.
    pub fn run(
        &self,
        opts: &PyOptions,
        machine: interleave_sim::Machine,
        scheduler: &interleave_sim::SchedulerKind,
    ) -> Result<RunResult, String> {
        let (program, out) = self.program(opts);
        let trace = interleave_sim::simulate(machine, opts.seed, scheduler, program)?;
        Ok(finished(trace, &out))
    }

    /// [`Compiled::run`], calling `progress(steps, virtual time)` every `every` scheduling
    /// steps (the page's progress bar).
    pub fn run_observed(
        &self,
        opts: &PyOptions,
        machine: interleave_sim::Machine,
        scheduler: &interleave_sim::SchedulerKind,
        every: u64,
        progress: &mut dyn FnMut(u64, interleave_sim::Nanos),
    ) -> Result<RunResult, String> {
        let (program, out) = self.program(opts);
        let trace = interleave_sim::simulate_observed(
            machine, opts.seed, scheduler, program, every, progress,
        )?;
        Ok(finished(trace, &out))
    }

    /// A fresh program for one run, and the handle to its output.
    pub fn program(&self, opts: &PyOptions) -> (Program, RunOutput) {
        let shared = Rc::new(Shared {
            types: crate::world::all_types(),
            model: opts.model,
            costs: opts.costs,
            flush_ns: opts.flush_ns.max(1),
            console: Rc::new(RefCell::new(Console::default())),
            max_instructions: opts.max_instructions,
            max_items: opts.max_items,
            filename: Rc::from(opts.filename.as_str()),
            source: self.source.clone(),
            next_pid: Cell::new(1001),
            seed: opts.seed,
            cores: opts.cores,
            objects: RefCell::new(BTreeMap::new()),
            next_object: Cell::new(1),
            instructions: Rc::new(Cell::new(0)),
            exit_code: Rc::new(Cell::new(0)),
            task_errors: RefCell::new(Vec::new()),
            ids: RefCell::new(BTreeMap::new()),
        });
        let out = RunOutput {
            // Shared, not copied at the end: a run that deadlocks or hits a limit keeps what
            // it printed.
            console: shared.console.clone(),
            exit_code: shared.exit_code.clone(),
            instructions: shared.instructions.clone(),
        };
        let code = self.code.clone();
        let switch = opts.switch_interval_s;
        let program = Program::new(move |cx: Ctx| async move {
            let world = Rc::new(World::new(shared.clone(), 1000, 999, switch));
            let main = world.main.clone();
            let mut vm = Vm::new(world.clone(), cx.clone(), Val::None);
            if code.is_coroutine {
                // `await` at the top level (as notebooks allow): the module runs as the main
                // task of an event loop, as IPython runs a cell.
                world.task_counter.set(1);
                let w = world.clone();
                let body = Program::new(move |tcx: Ctx| async move {
                    let mut tvm = Vm::new(w.clone(), tcx.clone(), Val::None);
                    tvm.start_module(code, main);
                    if let Err(e) = drive(&tcx, &mut tvm).await {
                        report_main_error(&mut tvm, &e);
                    }
                    Ok(Value::None)
                });
                let _ = cx.run_loop("Task-1", body).await;
            } else {
                vm.start_module(code, main);
                let r = drive(&cx, &mut vm).await;
                if let Err(e) = r {
                    report_main_error(&mut vm, &e);
                }
            }
            run_atexit(&cx, &mut vm).await;
            Ok(Value::None)
        });
        (program, out)
    }
}

/// A finished run's trace with what it printed, its exit code and instruction count.
fn finished(trace: interleave_sim::Trace, out: &RunOutput) -> RunResult {
    let console = out.console.borrow().clone();
    let mut exit_code = out.exit_code.get();
    if !matches!(trace.outcome, interleave_sim::Outcome::Completed) && exit_code == 0 {
        exit_code = 1;
    }
    RunResult {
        trace,
        stdout: console.stdout,
        stderr: console.stderr,
        exit_code,
        instructions: out.instructions.get(),
    }
}

/// Runs `f(*args)` as the entry of the unit `vm` runs on, to its end.
pub async fn run_call(cx: &Ctx, vm: &mut Vm, f: Val, args: Args) -> Result<Val, Val> {
    match vm.start(f, args) {
        Some(Exit::Done(ns, v)) => {
            charge(cx, ns).await;
            Ok(v)
        }
        Some(Exit::Error(ns, e)) => {
            charge(cx, ns).await;
            Err(e)
        }
        Some(Exit::Sim(ns, call)) => {
            charge(cx, ns).await;
            let reply = perform(cx, vm, call).await;
            vm.resume(reply);
            drive(cx, vm).await
        }
        Some(Exit::Charge(ns)) => {
            charge(cx, ns).await;
            drive(cx, vm).await
        }
        None => drive(cx, vm).await,
    }
}

/// The unit body of a thread started with `Thread.start()`: runs `run` (the bound method).
pub fn thread_program(world: Rc<World>, run: Val, thread: Val) -> Program {
    Program::new(move |cx: Ctx| async move {
        let mut vm = Vm::new(world.clone(), cx.clone(), thread.clone());
        let r = run_call(&cx, &mut vm, run, Args::default()).await;
        match r {
            Err(e) if !vm.world.is_instance_of(&e, "SystemExit") => {
                // Printed as CPython prints it, and the thread's lane ends in that error.
                let error = interleave_sim::PyError::new(
                    crate::aio::kind_of(&vm, &e),
                    vm.str_of(&e).unwrap_or_default(),
                );
                report_thread_error(&cx, &mut vm, &thread, e).await;
                Err(error)
            }
            _ => Ok(Value::None),
        }
    })
}

pub async fn charge(cx: &Ctx, ns: u64) {
    if ns > 0 {
        let _ = cx.compute(ns).await;
    }
}

pub async fn perform(cx: &Ctx, vm: &Vm, call: natives::SimCall) -> Result<Val, Val> {
    // The events of this call carry the program's line (the editor marks it).
    cx.set_line(vm.user_line());
    match call.perform(cx.clone()).await {
        Ok(Reply::Val(v)) => Ok(v),
        Ok(Reply::Sim(v)) => Ok(natives::from_sim(vm, v)),
        Ok(Reply::SimKeep(v)) => Ok(natives::from_sim_keep(vm, v)),
        Ok(Reply::SimListKeep(vs)) => Ok(Val::list(
            vs.into_iter()
                .map(|v| natives::from_sim_keep(vm, v))
                .collect(),
        )),
        Ok(Reply::Tasks(done, pending)) => {
            let tasks = vm.world.tasks.borrow();
            let pick = |ids: Vec<u32>| {
                Val::list(ids.iter().filter_map(|i| tasks.get(i).cloned()).collect())
            };
            Ok(Val::tuple(vec![pick(done), pick(pending)]))
        }
        Ok(Reply::Raise(class, msg)) => Err(if msg.is_empty() {
            vm.world.new_exc_args(class, vec![])
        } else {
            vm.exc(class, msg)
        }),
        Ok(Reply::Outcomes(rs)) => Ok(Val::list(
            rs.into_iter()
                .map(|r| match r {
                    Ok(v) => natives::from_sim_keep(vm, v),
                    Err(e) => natives::exc_from_sim(vm, e),
                })
                .collect(),
        )),
        Err(e) => Err(natives::exc_from_sim(vm, e)),
    }
}

/// Runs the VM to its end, serving its requests.
pub async fn drive(cx: &Ctx, vm: &mut Vm) -> Result<Val, Val> {
    loop {
        let before = vm.instructions;
        let exit = vm.run();
        let shared = &vm.world.shared;
        shared
            .instructions
            .set(shared.instructions.get() + (vm.instructions - before));
        if shared.instructions.get() > shared.max_instructions {
            // The VM may have stopped at the limit itself, with the traceback of where.
            if let Exit::Error(ns, e) = exit {
                charge(cx, ns).await;
                return Err(e);
            }
            let e = vm.limit_exceeded();
            vm.frames.clear();
            return Err(e);
        }
        match exit {
            Exit::Charge(ns) => {
                if let Err(e) = cx.compute(ns).await {
                    vm.resume(Err(natives::exc_from_sim(vm, e)));
                }
            }
            Exit::Sim(ns, call) => {
                if ns > 0
                    && let Err(e) = cx.compute(ns).await
                {
                    vm.resume(Err(natives::exc_from_sim(vm, e)));
                    continue;
                }
                let reply = perform(cx, vm, call).await;
                vm.resume(reply);
            }
            Exit::Done(ns, v) => {
                charge(cx, ns).await;
                return Ok(v);
            }
            Exit::Error(ns, e) => {
                charge(cx, ns).await;
                return Err(e);
            }
        }
    }
}

/// An exception a run's standard error reports as uncaught.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uncaught {
    /// The last line of CPython's traceback (`AssertionError: balance went negative`).
    pub message: String,
    /// The thread the report names (`Exception in thread Thread-1 (work):`), if any.
    pub thread: Option<String>,
    /// The line of the innermost frame in `filename`, where the exception was raised.
    pub line: Option<u32>,
}

/// The exceptions a run's standard error reports as uncaught, in order, each with its thread
/// and the line of `filename` it was raised at. Output a program writes to `sys.stderr`
/// itself is not a traceback and is skipped; of a chain, only the last exception counts.
pub fn uncaught(stderr: &str, filename: &str) -> Vec<Uncaught> {
    const CHAINED: [&str; 2] = [
        "During handling of the above exception",
        "The above exception was the direct cause",
    ];
    let frame = format!("  File \"{filename}\", line ");
    let mut found: Vec<Uncaught> = Vec::new();
    // The thread named by the report being read, and by the last one read (for a chain).
    let mut thread: Option<&str> = None;
    let mut last_thread: Option<&str> = None;
    let mut line: Option<u32> = None;
    let mut in_traceback = false;
    for text in stderr.lines() {
        if let Some(name) = text
            .strip_prefix("Exception in thread ")
            .and_then(|rest| rest.strip_suffix(':'))
        {
            thread = Some(name);
        } else if CHAINED.iter().any(|c| text.starts_with(c)) {
            // The exception before the marker was handled; the one after it is uncaught.
            if found.pop().is_some() {
                thread = last_thread;
            }
        } else if text == "Traceback (most recent call last):" {
            in_traceback = true;
            line = None;
        } else if in_traceback && let Some(rest) = text.strip_prefix(frame.as_str()) {
            let digits = rest.split(|c: char| !c.is_ascii_digit()).next();
            line = digits.and_then(|d| d.parse().ok()).or(line);
        } else if in_traceback && !text.starts_with(' ') && !text.is_empty() {
            in_traceback = false;
            found.push(Uncaught {
                message: text.to_string(),
                thread: thread.map(str::to_string),
                line,
            });
            last_thread = thread.take();
        }
    }
    found
}

/// [`uncaught`] as one line each, suffixed with the thread when the report names one: what
/// `interleave explore` counts as a broken invariant.
pub fn uncaught_exceptions(stderr: &str) -> Vec<String> {
    uncaught(stderr, "\0")
        .into_iter()
        .map(|u| match u.thread {
            Some(t) => format!("{} (in {t})", u.message),
            None => u.message,
        })
        .collect()
}

/// How the explorer and the page name a run's outcome: the simulator's verdict (deadlock,
/// limit, lost wakeup), the uncaught exceptions (an `assert` is an invariant) and a non-zero
/// exit code, each a failure, then what the program printed last.
pub fn outcome_label(trace: &interleave_sim::Trace, out: &RunOutput) -> (String, bool) {
    let (mut verdict, mut failing) = interleave_sim::explore::default_label(trace);
    let uncaught = uncaught_exceptions(&out.console.borrow().stderr);
    if !uncaught.is_empty()
        && !trace.errors.is_empty()
        && matches!(trace.outcome, interleave_sim::Outcome::Completed)
    {
        // The simulator's verdict names the threads that raised; the uncaught part below
        // says what they raised, with the message. Only a lost wakeup is left to say.
        verdict = verdict
            .split_once(" · lost wakeup: ")
            .map(|(_, who)| format!("lost wakeup: {who}"))
            .unwrap_or_default();
    }
    let mut parts: Vec<String> = Vec::new();
    if !verdict.is_empty() {
        parts.push(verdict);
    }
    if !uncaught.is_empty() {
        failing = true;
        parts.push(format!("uncaught {}", uncaught.join(", ")));
    }
    let code = out.exit_code.get();
    if code != 0 {
        failing = true;
        parts.push(format!("exit code {code}"));
    }
    if parts.is_empty() {
        parts.push("completed".to_string());
    }
    let last = trace.output.last().map_or("", |o| o.2.as_str());
    (
        format!("{}; printed last: {last}", parts.join(" · ")),
        failing,
    )
}

/// The exit code a `SystemExit` stands for (a message is printed, and is code 1).
pub fn exit_code_of(vm: &mut Vm, e: &Val) -> Option<i32> {
    if !vm.world.is_instance_of(e, "SystemExit") {
        return None;
    }
    let args = vm.world.exc_data(e, |d| d.args.clone()).unwrap_or_default();
    Some(match args.first() {
        None | Some(Val::None) => 0,
        Some(Val::Int(i)) => *i as i32,
        Some(other) => {
            let text = vm.str_of(other).unwrap_or_default();
            vm.world
                .shared
                .console
                .borrow_mut()
                .stderr
                .push_str(&format!("{text}\n"));
            1
        }
    })
}

fn report_main_error(vm: &mut Vm, e: &Val) {
    if let Some(code) = exit_code_of(vm, e) {
        vm.world.shared.exit_code.set(code);
        return;
    }
    let text = format_exception(vm, e);
    vm.world.shared.console.borrow_mut().stderr.push_str(&text);
    vm.world.shared.exit_code.set(1);
}

async fn report_thread_error(cx: &Ctx, vm: &mut Vm, thread: &Val, e: Val) {
    if vm.world.is_instance_of(&e, "SystemExit") {
        return;
    }
    // A program's own threading.excepthook gets the exception instead of the default report.
    let hook = match vm.world.modules.borrow().get("threading") {
        Some(Val::Module(m)) => m
            .get("excepthook")
            .filter(|h| !h.is(&m.get("__excepthook__").unwrap_or_default())),
        _ => None,
    };
    if let Some(hook) = hook {
        let args_cls = match vm.world.modules.borrow().get("threading") {
            Some(Val::Module(m)) => m.get("ExceptHookArgs"),
            _ => None,
        };
        if let Some(cls) = args_cls {
            let exc_type = Val::Class(vm.world.class_of(&e));
            let made = vm.call_nested(
                cls,
                Args::new(vec![exc_type, e.clone(), Val::None, thread.clone()]),
            );
            if let Ok(args) = made {
                vm.frames.clear();
                if let Some(exit) = vm.start(hook, Args::new(vec![args])) {
                    if let Exit::Error(_, e2) = exit {
                        let text = format_exception(vm, &e2);
                        vm.world.shared.console.borrow_mut().stderr.push_str(&text);
                    }
                    return;
                }
                if let Err(e2) = drive(cx, vm).await {
                    let text = format_exception(vm, &e2);
                    vm.world.shared.console.borrow_mut().stderr.push_str(&text);
                }
                return;
            }
        }
    }
    let name = match vm.getattr(thread, "name") {
        Ok(Val::Str(s)) => s.to_string(),
        _ => format!("Thread-{}", cx.id().0),
    };
    let mut text = format!("Exception in thread {name}:\n");
    text.push_str(&format_exception_in_thread(vm, &e));
    vm.world.shared.console.borrow_mut().stderr.push_str(&text);
    let _ = cx;
}

/// What CPython does after the main module: `threading._shutdown()` (its atexit hooks, then
/// joining every non-daemon thread), then the `atexit` callbacks, last registered first.
async fn run_atexit(cx: &Ctx, vm: &mut Vm) {
    let shutdown = match vm.world.modules.borrow().get("threading") {
        Some(Val::Module(m)) => m.get("_shutdown"),
        _ => None,
    };
    let mut calls: Vec<(Val, Vec<Val>, &str)> = Vec::new();
    if let Some(f) = shutdown {
        calls.push((f, Vec::new(), "Exception ignored on threading shutdown:"));
    }
    let callbacks: Vec<(Val, Vec<Val>)> = std::mem::take(&mut *vm.world.atexit.borrow_mut());
    for (f, args) in callbacks.into_iter().rev() {
        calls.push((f, args, "Exception ignored in atexit callback:"));
    }
    for (f, args, what) in calls {
        vm.frames.clear();
        if let Err(e) = run_call(cx, vm, f, Args::new(args)).await {
            let text = format!("{what}\n{}", format_exception(vm, &e));
            vm.world.shared.console.borrow_mut().stderr.push_str(&text);
        }
    }
}

/// The name CPython prints for an exception's class.
fn exc_type_name(vm: &Vm, e: &Val) -> String {
    let c = vm.world.class_of(e);
    match &*c.module {
        "builtins" | "__main__" => c.qualname.to_string(),
        m => format!("{m}.{}", c.qualname),
    }
}

fn exc_line(vm: &mut Vm, e: &Val) -> String {
    let name = exc_type_name(vm, e);
    let msg = vm.str_of(e).unwrap_or_default();
    if msg.is_empty() {
        format!("{name}\n")
    } else {
        format!("{name}: {msg}\n")
    }
}

fn source_line(vm: &Vm, file: &str, line: u32) -> Option<String> {
    if file == &*vm.world.shared.filename {
        let l = vm.world.shared.source.get(line.checked_sub(1)? as usize)?;
        let t = l.trim();
        if t.is_empty() {
            return None;
        }
        return Some(t.to_string());
    }
    None
}

/// CPython 3.11's marker line under a traceback's source line (without the 4-space indent of
/// the line itself): `^` under the failing expression, or `~` with `^` under the operator of
/// a binary operation and the brackets of a subscript; `None` when the expression is the
/// whole line (CPython then draws nothing). A port of `traceback.format_frame_summary`.
fn carets(original: &str, line: u32, span: Span) -> Option<String> {
    if span.col == 0 || span.line != line {
        return None;
    }
    let chars: Vec<char> = original.chars().collect();
    let stripped = original.trim().chars().count();
    // CPython counts the line's newline and trailing blanks as stripped too.
    let stripped_characters = chars.len() + 1 - stripped;
    let start = (span.col as usize - 1).min(chars.len());
    let one_line = span.end_line == line;
    let end = if one_line {
        (span.end_col as usize)
            .saturating_sub(1)
            .clamp(start, chars.len())
    } else {
        original.trim_end().chars().count().max(start)
    };
    let segment = &chars[start..end];
    let anchors = if one_line {
        anchors_in(segment, span.anchor, span.col)
    } else {
        None
    };
    let wide_middle = anchors.is_some_and(|(l, r)| r > l);
    if end - start >= stripped && !wide_middle {
        return None;
    }
    let dp_start = display_width(&chars[..start]) + 1;
    let dp_end = display_width(&chars[..end]) + 1;
    let mut out = String::from("    ");
    out.push_str(&" ".repeat(dp_start.saturating_sub(stripped_characters)));
    match anchors {
        Some((left, right)) => {
            let dl = display_width(&segment[..left]);
            let dr = display_width(&segment[..right]);
            out.push_str(&"~".repeat(dl));
            out.push_str(&"^".repeat(dr.saturating_sub(dl)));
            out.push_str(&"~".repeat((dp_end - dp_start).saturating_sub(dr)));
        }
        None => out.push_str(&"^".repeat(dp_end - dp_start)),
    }
    Some(out)
}

/// Where `^` starts and ends inside `segment` (which starts at column `col`), as CPython's
/// `_extract_caret_anchors_from_line_segment` finds them.
fn anchors_in(segment: &[char], anchor: Anchor, col: u32) -> Option<(usize, usize)> {
    let rel = |c: u32| -> Option<usize> { Some((c.checked_sub(col)? as usize).min(segment.len())) };
    let at = |i: usize| segment.get(i).copied();
    match anchor {
        Anchor::None => None,
        Anchor::BinOp {
            left_end,
            right_start,
        } => {
            let (op_start, op_end) = (rel(left_end)?, rel(right_start)?);
            let op = segment.get(op_start..op_end.max(op_start))?;
            let offset = op.iter().take_while(|c| c.is_whitespace()).count();
            let mut left = op_start + offset;
            let mut right = left + 1;
            if op.get(offset + 1).is_some_and(|c| !c.is_whitespace()) {
                right += 1;
            }
            while let Some(c) = at(left) {
                if !(c.is_whitespace() || c == ')' || c == '#') {
                    break;
                }
                left += 1;
                right += 1;
            }
            Some((left, right.min(segment.len())))
        }
        Anchor::Subscript {
            value_end,
            index_end,
        } => {
            let mut left = rel(value_end)?;
            let mut right = rel(index_end)? + 1;
            while at(left).is_some_and(|c| c != '[') {
                left += 1;
            }
            while at(right).is_some_and(|c| c != ']') {
                right += 1;
            }
            if right < segment.len() {
                right += 1;
            }
            Some((left, right.min(segment.len())))
        }
    }
}

/// Columns a terminal gives `chars`: East Asian wide and full-width characters take two.
fn display_width(chars: &[char]) -> usize {
    chars.len() + chars.iter().filter(|&&c| is_wide(c)).count()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x1F300..=0x1F64F
            | 0x1F900..=0x1F9FF
            | 0x20000..=0x3FFFD)
}

/// Formats an exception with its traceback (and chained exceptions) as CPython does.
pub fn format_exception(vm: &mut Vm, e: &Val) -> String {
    format_chain(vm, e, false, 0)
}

fn format_exception_in_thread(vm: &mut Vm, e: &Val) -> String {
    format_chain(vm, e, true, 0)
}

/// An exception that ended a child process, with CPython's start-up frames.
pub fn format_exception_in_process(vm: &mut Vm, e: &Val) -> String {
    let text = format_chain(vm, e, false, 0);
    let body = text
        .strip_prefix("Traceback (most recent call last):\n")
        .unwrap_or(&text)
        .to_string();
    format!(
        "Traceback (most recent call last):\n  File \"<stdlib>/multiprocessing/process.py\", line 314, in _bootstrap\n    self.run()\n{body}"
    )
}

fn format_chain(vm: &mut Vm, e: &Val, in_thread: bool, depth: usize) -> String {
    let mut out = String::new();
    if depth < 10 {
        let (cause, context, suppress) = vm
            .world
            .exc_data(e, |d| {
                (d.cause.clone(), d.context.clone(), d.suppress_context)
            })
            .unwrap_or((None, None, false));
        if let Some(c) = cause {
            out.push_str(&format_chain(vm, &c, in_thread, depth + 1));
            out.push_str(
                "\nThe above exception was the direct cause of the following exception:\n\n",
            );
        } else if let (Some(c), false) = (context, suppress) {
            out.push_str(&format_chain(vm, &c, in_thread, depth + 1));
            out.push_str(
                "\nDuring handling of the above exception, another exception occurred:\n\n",
            );
        }
    }
    let tb = vm
        .world
        .exc_data(e, |d| d.traceback.clone())
        .unwrap_or_default();
    if !tb.is_empty() || in_thread {
        out.push_str("Traceback (most recent call last):\n");
    }
    let mut entries: Vec<(String, u32, String, Option<String>)> = Vec::new();
    for entry in &tb {
        let file = entry.file.to_string();
        let name = entry.name.to_string();
        let text = source_line(vm, &file, entry.line).map(|t| {
            let original = vm
                .world
                .shared
                .source
                .get((entry.line as usize).saturating_sub(1));
            match original.and_then(|o| carets(o, entry.line, entry.span)) {
                Some(c) => format!("{t}\n{c}"),
                None => t,
            }
        });
        entries.push((file, entry.line, name, text));
    }
    if in_thread && depth == 0 {
        // CPython's frames of a thread's start-up (threading.py, 3.11.7's line numbers).
        let mut fixed = vec![(
            "<stdlib>/threading.py".to_string(),
            1045,
            "_bootstrap_inner".to_string(),
            Some("self.run()".to_string()),
        )];
        for e in entries.drain(..) {
            if e.0 == "<stdlib>/threading.py" && e.2 == "run" {
                fixed.push((
                    e.0,
                    982,
                    e.2,
                    Some("self._target(*self._args, **self._kwargs)".to_string()),
                ));
            } else {
                fixed.push(e);
            }
        }
        entries = fixed;
    }
    for (file, line, name, text) in entries {
        out.push_str(&format!("  File \"{file}\", line {line}, in {name}\n"));
        if let Some(t) = text {
            out.push_str(&format!("    {t}\n"));
        }
    }
    out.push_str(&exc_line(vm, e));
    out
}

#[cfg(test)]
mod tests {
    use super::{Uncaught, carets, uncaught, uncaught_exceptions};
    use crate::code::{Anchor, Span};

    fn span(col: u32, end_col: u32, anchor: Anchor) -> Span {
        Span {
            line: 1,
            col,
            end_line: 1,
            end_col,
            anchor,
        }
    }

    #[test]
    fn carets_mark_the_expression_unless_it_is_the_whole_line() {
        // `    y = f(x)` with `f(x)` at columns 9..13.
        assert_eq!(
            carets("    y = f(x)", 1, span(9, 13, Anchor::None)).as_deref(),
            Some("        ^^^^")
        );
        assert_eq!(carets("    f(x)", 1, span(5, 9, Anchor::None)), None);
        // A binary operation: `~` for the operands, `^` for the operator.
        let binop = Anchor::BinOp {
            left_end: 6,
            right_start: 9,
        };
        assert_eq!(
            carets("x = a / b", 1, span(5, 10, binop)).as_deref(),
            Some("        ~~^~~")
        );
        // Even spanning the whole line, an operator is marked (CPython: `~~^^~~`).
        let binop = Anchor::BinOp {
            left_end: 2,
            right_start: 6,
        };
        assert_eq!(
            carets("a // b", 1, span(1, 7, binop)).as_deref(),
            Some("    ~~^^~~")
        );
        // Wide characters take two columns (CPython: `~~~~~~~^~~` under `"名字" + 1`).
        let binop = Anchor::BinOp {
            left_end: 9,
            right_start: 12,
        };
        assert_eq!(
            carets("s = \"名字\" + 1", 1, span(5, 13, binop)).as_deref(),
            Some("        ~~~~~~~^~~")
        );
        // A range that starts on another line, or none at all, draws nothing.
        assert_eq!(carets("y = f(x)", 2, span(5, 9, Anchor::None)), None);
        assert_eq!(carets("y = f(x)", 1, Span::default()), None);
    }

    #[test]
    fn uncaught_exceptions_are_the_last_lines_of_tracebacks() {
        let stderr = "\
warning: printed by the program itself
Exception in thread Thread-1 (work):
Traceback (most recent call last):
  File \"p.py\", line 3, in work
    assert x > 0, \"x went negative\"
AssertionError: x went negative
Traceback (most recent call last):
  File \"p.py\", line 9, in <module>
    main()
ValueError: bad
";
        assert_eq!(
            uncaught_exceptions(stderr),
            [
                "AssertionError: x went negative (in Thread-1 (work))",
                "ValueError: bad"
            ]
        );
    }

    #[test]
    fn of_a_chain_only_the_last_exception_counts() {
        let stderr = "\
Exception in thread T:
Traceback (most recent call last):
  File \"p.py\", line 3, in work
KeyError: 'k'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File \"p.py\", line 5, in work
RuntimeError: lookup failed
";
        assert_eq!(
            uncaught_exceptions(stderr),
            ["RuntimeError: lookup failed (in T)"]
        );
        assert!(uncaught_exceptions("just output\n").is_empty());
    }

    #[test]
    fn an_uncaught_exception_names_its_thread_and_the_line_it_was_raised_at() {
        let stderr = "\
Exception in thread Thread-2 (work):
Traceback (most recent call last):
  File \"<stdlib>/threading.py\", line 1016, in _bootstrap_inner
  File \"main.py\", line 4, in work
    helper()
  File \"main.py\", line 8, in helper
    raise ValueError(\"no\")
ValueError: no
";
        assert_eq!(
            uncaught(stderr, "main.py"),
            [Uncaught {
                message: "ValueError: no".to_string(),
                thread: Some("Thread-2 (work)".to_string()),
                line: Some(8),
            }]
        );
        // Another file's frames do not count as the program's line.
        assert_eq!(uncaught(stderr, "other.py")[0].line, None);
    }
}
