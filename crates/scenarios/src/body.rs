//! What a scenario runs: its Python program on the interpreter, or (where the interpreter
//! cannot serve) a Rust model of it. Either way a run is a fresh simulator [`Program`] built
//! by [`Runs::build`], so one run, a search over thousands of schedules and a game all go
//! through the same door.

use interleave_py::{Compiled, Model, PyOptions};
use interleave_sim::{Ctx, Machine, Program, Trace, Value};
use serde_json::Value as Json;

use crate::params::Params;

/// How a scenario is run.
#[derive(Clone, Copy)]
pub enum Body {
    /// Its Python program (`Scenario::python`, the template filled with the parameters) on
    /// the interpreter: what the page shows is what ran. The program's last `RESULT {json}`
    /// line becomes the run's result map.
    Python,
    /// A Rust model of the program, kept where the interpreter cannot serve; ARCHITECTURE.md
    /// lists each one with its reason.
    Model(fn(&Params) -> Program),
}

/// The file name a scenario's program runs as (tracebacks and the event log name it).
pub const SCENARIO_FILE: &str = "scenario.py";

/// Instructions one run of a scenario's program may execute before it is stopped.
pub const MAX_INSTRUCTIONS: u64 = 400_000_000;

/// A scenario's runs for one set of parameters and one machine.
pub struct Runs {
    kind: Kind,
}

enum Kind {
    Model(fn(&Params) -> Program, Params),
    Python(Box<Compiled>, PyOptions),
}

impl Runs {
    /// The runs of `body` for `params` on `machine`; a program that does not compile (which
    /// the catalogue's tests rule out for every parameter value) is an error.
    pub(crate) fn new(
        body: Body,
        program: &str,
        params: &Params,
        machine: &Machine,
        seed: u64,
    ) -> Result<Runs, String> {
        let kind = match body {
            Body::Model(build) => Kind::Model(build, params.clone()),
            Body::Python => {
                let compiled = interleave_py::compile(program, SCENARIO_FILE)
                    .map_err(|e| format!("the scenario's program: {}", e.render("en")))?;
                let opts = PyOptions {
                    model: if machine.gil {
                        Model::Py311
                    } else {
                        Model::Py313t
                    },
                    seed,
                    cores: machine.cores,
                    filename: SCENARIO_FILE.to_string(),
                    max_instructions: MAX_INSTRUCTIONS,
                    ..PyOptions::default()
                };
                Kind::Python(Box::new(compiled), opts)
            }
        };
        Ok(Runs { kind })
    }

    /// Whether the runs are the scenario's Python program.
    pub fn is_python(&self) -> bool {
        matches!(self.kind, Kind::Python(..))
    }

    /// Gives each run at most `n` instructions (a search runs the program many times).
    pub fn limit_instructions(&mut self, n: u64) {
        if let Kind::Python(_, opts) = &mut self.kind {
            opts.max_instructions = n;
        }
    }

    /// One run on `machine`, calling `progress(steps, virtual time)` every `every` scheduling
    /// steps (for a progress bar).
    pub fn simulate_observed(
        &self,
        machine: Machine,
        opts: &crate::RunOptions,
        every: u64,
        progress: &mut dyn FnMut(u64, interleave_sim::Nanos),
    ) -> Result<Trace, String> {
        interleave_sim::simulate_observed(
            machine,
            opts.seed,
            &opts.scheduler,
            self.build(),
            every,
            progress,
        )
    }

    /// A fresh run.
    pub fn build(&self) -> Program {
        match &self.kind {
            Kind::Model(build, params) => build(params),
            Kind::Python(compiled, opts) => with_result_line(compiled, opts),
        }
    }
}

/// The program, followed by reporting its last `RESULT {json}` line as the run's results.
fn with_result_line(compiled: &Compiled, opts: &PyOptions) -> Program {
    let (program, out) = compiled.program(opts);
    Program::new(move |cx: Ctx| async move {
        let ended = program.call(cx.clone()).await;
        let line = {
            let console = out.console.borrow();
            console
                .stdout
                .lines()
                .rev()
                .find_map(|l| l.strip_prefix("RESULT "))
                .map(str::to_string)
        };
        if let Some(Ok(Json::Object(map))) = line.map(|l| serde_json::from_str::<Json>(&l)) {
            for (key, v) in map {
                cx.set_result(key, value_of(v)).await?;
            }
        }
        ended
    })
}

/// A JSON value as the simulator's value (an object, which no result uses, as its text).
fn value_of(v: Json) -> Value {
    match v {
        Json::Null => Value::None,
        Json::Bool(b) => Value::Bool(b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::Str(s),
        Json::Array(items) => Value::List(items.into_iter().map(value_of).collect()),
        other @ Json::Object(_) => Value::Str(other.to_string()),
    }
}
