//! The interpreter's half of the engine: a Python program from the page compiled into an
//! [`crate::engine::CodeTarget`].

use std::cell::RefCell;

use interleave_sim::{Nanos, SchedulerKind, Trace};

use crate::engine::{CodeTarget, PROGRESS_EVERY, Refusal};
use crate::protocol::{BadSource, PROGRAM_FILE, ProgramRun, SimRequest, UncaughtAt};

/// The most bytecode instructions one run of a program from the page may execute (about
/// ten seconds of a browser's time): a program that loops forever ends with a clear limit.
pub const MAX_PROGRAM_INSTRUCTIONS: u64 = 50_000_000;

/// A compiled program with the options of its runs.
struct Program {
    compiled: interleave_py::Compiled,
    opts: interleave_py::PyOptions,
    /// The output of the run built last (the label reads its uncaught exceptions).
    printed: RefCell<Option<interleave_py::RunOutput>>,
}

impl CodeTarget for Program {
    fn build(&self) -> interleave_sim::Program {
        let (program, out) = self.compiled.program(&self.opts);
        self.printed.replace(Some(out));
        program
    }

    fn label(&self, t: &Trace) -> (String, bool) {
        match self.printed.borrow().as_ref() {
            Some(out) => interleave_py::outcome_label(t, out),
            None => interleave_sim::explore::default_label(t),
        }
    }

    fn for_search(&mut self) {
        // Each run gets a tenth of a single run's instructions, so one that loops forever is
        // a limit outcome, quickly.
        self.opts.max_instructions = MAX_PROGRAM_INSTRUCTIONS / 10;
    }

    fn simulate(
        &self,
        machine: interleave_sim::Machine,
        scheduler: &SchedulerKind,
        progress: &mut dyn FnMut(u64, Nanos),
    ) -> Result<(Trace, ProgramRun), Refusal> {
        let r =
            self.compiled
                .run_observed(&self.opts, machine, scheduler, PROGRESS_EVERY, progress)?;
        let run = program_run(&r);
        Ok((r.trace, run))
    }
}

/// Compiles a request's program: its source under the named Python model.
pub fn setup(
    req: &SimRequest,
    source: &str,
    python: &str,
) -> Result<(Box<dyn CodeTarget>, interleave_sim::Machine), Refusal> {
    let model = model(python)?;
    let compiled = interleave_py::compile(source, PROGRAM_FILE).map_err(|e| bad_source(&e))?;
    let mut machine = interleave_sim::Machine {
        gil: model.gil(),
        ..interleave_sim::Machine::default()
    };
    if let Some(c) = req.cores {
        let max = interleave_sim::config::MAX_CORES;
        if !(1..=max).contains(&c) {
            return Err(format!("cores must be from 1 to {max}, got {c}").into());
        }
        machine.cores = c;
    }
    let opts = interleave_py::PyOptions {
        model,
        filename: PROGRAM_FILE.to_string(),
        seed: req.seed,
        cores: machine.cores,
        max_instructions: MAX_PROGRAM_INSTRUCTIONS,
        ..interleave_py::PyOptions::default()
    };
    let program = Program {
        compiled,
        opts,
        printed: RefCell::new(None),
    };
    Ok((Box::new(program), machine))
}

/// The Python model named by a request.
fn model(python: &str) -> Result<interleave_py::Model, Refusal> {
    interleave_py::Model::parse(python).ok_or_else(|| {
        Refusal::Message(format!(
            "the Python model is 3.11, 3.9 or 3.13t, got {python:?}"
        ))
    })
}

/// A source error for the page, rendered in both languages.
fn bad_source(e: &interleave_py::SourceError) -> Refusal {
    use interleave_py::SourceErrorKind as K;
    let kind = match e.kind {
        K::Syntax => "syntax",
        K::Unsupported => "unsupported",
        K::TooDeep => "too_deep",
        K::TooLarge => "too_large",
    };
    Refusal::Source(BadSource {
        kind: kind.to_string(),
        line: e.pos.line,
        col: e.pos.col,
        en: e.render("en"),
        zh: e.render("zh"),
    })
}

/// What the page shows of a program's run beside its trace: its output, exit code and where
/// each uncaught exception happened (the thread's lane, found by its name).
pub fn program_run(r: &interleave_py::RunResult) -> ProgramRun {
    let uncaught = interleave_py::uncaught(&r.stderr, PROGRAM_FILE)
        .into_iter()
        .map(|u| UncaughtAt {
            unit: match &u.thread {
                Some(name) => r.trace.units.iter().position(|x| &x.name == name),
                None => r.trace.units.iter().position(|x| x.parent.is_none()),
            }
            .and_then(|i| u32::try_from(i).ok()),
            line: u.line,
            message: u.message,
        })
        .collect();
    ProgramRun {
        stdout: r.stdout.clone(),
        stderr: r.stderr.clone(),
        exit_code: r.exit_code,
        instructions: r.instructions,
        uncaught,
    }
}
