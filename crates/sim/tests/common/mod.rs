//! Helpers shared by the simulator's integration tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

use interleave_sim::*;

/// Runs `program` as the main thread with the FIFO scheduler on the default machine.
pub fn run(program: Program) -> Trace {
    run_with(Machine::default(), 0, SchedulerKind::Fifo, program)
}

pub fn run_with(machine: Machine, seed: u64, sched: SchedulerKind, program: Program) -> Trace {
    match simulate(machine, seed, &sched, program) {
        Ok(t) => t,
        Err(e) => panic!("bad configuration: {e}"),
    }
}

/// The machine without a GIL, so threads interleave at every operation.
pub fn free_threaded(cores: u32) -> Machine {
    Machine {
        cores,
        gil: false,
        ..Machine::default()
    }
}

/// The error that ended the unit named `name`.
pub fn error_of(trace: &Trace, name: &str) -> Option<PyError> {
    let id = trace.units.iter().find(|u| u.name == name)?.id;
    trace.error_of(id).cloned()
}

pub fn result_int(trace: &Trace, key: &str) -> i64 {
    match trace.result.get(key) {
        Some(Value::Int(i)) => *i,
        other => panic!(
            "result {key} is {other:?}; trace outcome {:?}, errors {:?}",
            trace.outcome, trace.errors
        ),
    }
}

pub fn result(trace: &Trace, key: &str) -> Value {
    trace.result.get(key).cloned().unwrap_or_else(|| {
        panic!(
            "no result {key}; outcome {:?}, errors {:?}",
            trace.outcome, trace.errors
        )
    })
}

pub fn assert_completed(trace: &Trace) {
    assert_eq!(
        trace.outcome,
        Outcome::Completed,
        "errors: {:?}",
        trace.errors
    );
}

/// Captures a program-level outcome as a string result: "ok:<value>" or "<Kind>:<message>".
pub fn outcome_str(r: PyResult<Value>) -> String {
    match r {
        Ok(v) => format!("ok:{v}"),
        Err(e) => format!("{}:{}", e.kind.name(), e.message),
    }
}

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Follows a prefix of choices, then always the first candidate, logging `(choice, options)`.
struct PrefixSched {
    prefix: Vec<u32>,
    pos: usize,
    log: Rc<RefCell<Vec<(u32, u32)>>>,
}

impl Scheduler for PrefixSched {
    fn choose(&mut self, _step: u64, candidates: &[Candidate]) -> Result<usize, String> {
        let c = self.prefix.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        self.log.borrow_mut().push((c, candidates.len() as u32));
        Ok(c as usize)
    }
}

/// Runs every interleaving of the program (plain depth-first search over scheduling choices,
/// no reduction) and counts each outcome as `label(trace)` names it. Panics past `max_runs`.
pub fn all_outcomes(
    machine: &Machine,
    build: &dyn Fn() -> Program,
    label: &dyn Fn(&Trace) -> String,
    max_runs: usize,
) -> BTreeMap<String, usize> {
    let mut outcomes = BTreeMap::new();
    let mut prefix: Vec<u32> = Vec::new();
    for _ in 0..max_runs {
        let log = Rc::new(RefCell::new(Vec::new()));
        let sched = PrefixSched {
            prefix: prefix.clone(),
            pos: 0,
            log: Rc::clone(&log),
        };
        let mut sim = match Sim::with_scheduler(machine.clone(), 0, Box::new(sched)) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        sim.spawn_main("main", build());
        let trace = sim.run();
        *outcomes.entry(label(&trace)).or_insert(0) += 1;
        let log = log.borrow();
        let Some(k) = log.iter().rposition(|&(c, n)| c + 1 < n) else {
            return outcomes;
        };
        prefix = log[..k].iter().map(|&(c, _)| c).collect();
        prefix.push(log[k].0 + 1);
    }
    panic!("more than {max_runs} interleavings");
}

/// The `counter` result, or the outcome's kind when there is none.
pub fn counter_label(t: &Trace) -> String {
    match t.result.get("counter") {
        Some(v) => v.to_string(),
        None => match &t.outcome {
            Outcome::Deadlock { .. } => "deadlock".to_string(),
            other => format!("{other:?}"),
        },
    }
}
