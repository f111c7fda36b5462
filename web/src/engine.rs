//! What a worker does with a request, as plain functions (the worker binary only adds the
//! message plumbing and the clock), so they are tested natively.

use interleave_scenarios::RunOptions;
use interleave_sim::{Nanos, SchedulerKind, Trace};
use interleave_workloads::factorize::divisors_in;
use interleave_workloads::life::BitGrid;
use interleave_workloads::primes::{Kernel, Trial};

pub use crate::protocol::PROGRAM_FILE;
use crate::protocol::{
    Answer, BadSource, Choice, ExploreRequest, ModelReport, PlayRequest, ProgramRun, PyModel,
    Response, Sched, SimRequest, Subject, Work,
};

/// How many scheduling steps pass between progress reports.
pub const PROGRESS_EVERY: u64 = 20_000;

/// Divisors tried per call of the trial-division kernel: each call is short, so a browser's
/// optimising compiler gets to replace the baseline code between calls.
const TRIAL_CHUNK: u64 = 1 << 20;

/// The scheduler for a request: a replay string wins over the named scheduler.
pub fn scheduler(req: &SimRequest) -> SchedulerKind {
    match &req.replay {
        Some(schedule) if !schedule.trim().is_empty() => SchedulerKind::Replay {
            schedule: schedule.trim().to_string(),
        },
        _ => match req.sched {
            Sched::Random => SchedulerKind::Random,
            Sched::Fifo => SchedulerKind::Fifo,
            Sched::Pct => SchedulerKind::Pct {
                depth: 3,
                expected_steps: 10_000,
            },
        },
    }
}

/// Why the worker refused a request: a plain message, or a program that cannot run (which
/// the page underlines in the editor).
#[derive(Debug, PartialEq)]
pub enum Refusal {
    Message(String),
    Source(BadSource),
}

impl From<String> for Refusal {
    fn from(m: String) -> Self {
        Refusal::Message(m)
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Message(m) => f.write_str(m),
            Refusal::Source(bad) => f.write_str(&bad.en),
        }
    }
}

impl Refusal {
    pub fn into_response(self) -> Response {
        match self {
            Refusal::Message(message) => Response::Error { job: None, message },
            Refusal::Source(bad) => Response::BadSource(bad),
        }
    }
}

/// A Python program checked and compiled, ready to build runs from: the interpreter's half
/// of the engine (`engine_python`), reached only through [`Python`].
pub trait CodeTarget {
    /// A fresh run of the program.
    fn build(&self) -> interleave_sim::Program;
    /// The run built last, labelled as `interleave explore FILE.py` labels it.
    fn label(&self, t: &Trace) -> (String, bool);
    /// A search runs the program many times: each run gets a smaller instruction budget.
    fn for_search(&mut self);
    /// One run with progress: its trace and what it printed.
    fn simulate(
        &self,
        machine: interleave_sim::Machine,
        scheduler: &SchedulerKind,
        progress: &mut dyn FnMut(u64, Nanos),
    ) -> Result<(Trace, ProgramRun), Refusal>;
}

/// What a request runs, checked and ready to build runs from (one per request, so the
/// variants' sizes do not matter).
#[allow(clippy::large_enum_variant)]
enum Target {
    Scenario {
        scenario: interleave_scenarios::Scenario,
        params: interleave_scenarios::Params,
        runs: interleave_scenarios::Runs,
    },
    Code(Box<dyn CodeTarget>),
}

impl Target {
    fn build(&self) -> interleave_sim::Program {
        match self {
            Target::Scenario { runs, .. } => runs.build(),
            Target::Code(code) => code.build(),
        }
    }

    /// A finished run's outcome, as the explorer tallies it.
    fn label(&self, t: &Trace) -> (String, bool) {
        match self {
            Target::Scenario { scenario, .. } => scenario.outcome_label(t),
            Target::Code(code) => code.label(t),
        }
    }

    /// Whether a finished game reached its goal: the scenario's, or for a program, any
    /// failing outcome (an uncaught exception or failed assert, a deadlock, a lost wakeup).
    fn reached(&self, t: &Trace) -> bool {
        match self {
            Target::Scenario { scenario, .. } => scenario.goal.reached(scenario, t),
            Target::Code(code) => code.label(t).1,
        }
    }
}

/// Checks a request: its scenario and parameters or its program, and the machine it runs on.
/// `fixed_schedules` refuses the scenarios that draw fixed schedules (nothing to explore).
fn setup(
    req: &SimRequest,
    fixed_schedules: bool,
) -> Result<(Target, interleave_sim::Machine), Refusal> {
    match &req.subject {
        Subject::Scenario { id, params } => {
            let scenario = interleave_scenarios::find(id)
                .ok_or_else(|| format!("there is no scenario {id:?}"))?;
            let params = scenario.validate(params).map_err(|e| e.to_string())?;
            if !fixed_schedules && interleave_scenarios::is_synthetic(scenario.id) {
                return Err(format!(
                    "{} draws fixed schedules; there is nothing to explore or play",
                    scenario.id
                )
                .into());
            }
            let opts = RunOptions {
                seed: req.seed,
                cores: req.cores,
                gil: req.gil,
                scheduler: scheduler(req),
            };
            let (runs, machine) = scenario.runs(&params, &opts)?;
            Ok((
                Target::Scenario {
                    scenario,
                    params,
                    runs,
                },
                machine,
            ))
        }
        Subject::Code {
            source,
            python: model,
        } => {
            let (code, machine) = crate::engine_python::setup(req, source, model)?;
            Ok((Target::Code(code), machine))
        }
    }
}

/// Runs one simulation, validating everything the page sent: the trace, and for a program
/// what it printed.
pub fn simulate(
    req: &SimRequest,
    progress: &mut dyn FnMut(u64, Nanos),
) -> Result<(Trace, Option<ProgramRun>), Refusal> {
    let (target, machine) = setup(req, true)?;
    match target {
        Target::Scenario {
            scenario,
            params,
            runs,
        } => {
            let opts = RunOptions {
                seed: req.seed,
                cores: req.cores,
                gil: req.gil,
                scheduler: scheduler(req),
            };
            let trace = if interleave_scenarios::is_synthetic(scenario.id) {
                scenario.simulate_observed(&params, &opts, PROGRESS_EVERY, progress)?
            } else {
                runs.simulate_observed(machine, &opts, PROGRESS_EVERY, progress)?
            };
            Ok((trace, None))
        }
        Target::Code(code) => {
            let (trace, run) = code.simulate(machine, &scheduler(req), progress)?;
            Ok((trace, Some(run)))
        }
    }
}

/// Most runs an exploration may take, and a hint's search.
pub const MAX_EXPLORE_RUNS: u64 = 200_000;
pub const HINT_RUNS: u64 = 5_000;

/// Explores a scenario's or a program's interleavings.
pub fn explore(
    req: &ExploreRequest,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<interleave_sim::explore::Report, Refusal> {
    use interleave_sim::explore::{Config, Strategy};
    let (mut target, machine) = setup(&req.sim, false)?;
    match &mut target {
        Target::Code(code) => code.for_search(),
        Target::Scenario { runs, .. } => {
            runs.limit_instructions(interleave_scenarios::MAX_INSTRUCTIONS / 10);
        }
    }
    let strategy = match req.strategy.as_str() {
        "dfs" => Strategy::Dfs,
        "dpor" => Strategy::Dpor,
        "random" => Strategy::Random,
        "pct" => Strategy::Pct { depth: 3 },
        other => {
            return Err(format!("the strategy is dpor, dfs, random or pct, got {other:?}").into());
        }
    };
    if req.budget == 0 || req.budget > MAX_EXPLORE_RUNS {
        return Err(format!(
            "the budget must be from 1 to {MAX_EXPLORE_RUNS} runs, got {}",
            req.budget
        )
        .into());
    }
    let cfg = Config {
        strategy,
        max_preemptions: req.max_preemptions,
        budget: req.budget,
        seed: req.sim.seed,
    };
    let build = || target.build();
    let label = |t: &Trace| target.label(t);
    Ok(interleave_sim::explore::explore_observed(
        &machine, &build, &label, &cfg, progress,
    )?)
}

/// Explores a program under each Python model in turn (3.11, 3.9, 3.13t), with the same
/// strategy and budget: which outcomes each model allows, side by side. `progress` counts
/// the runs of all three.
pub fn compare(
    req: &ExploreRequest,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<Vec<ModelReport>, Refusal> {
    let Subject::Code { source, .. } = &req.sim.subject else {
        return Err(Refusal::Message(
            "only a Python program runs under the Python models".to_string(),
        ));
    };
    let mut reports = Vec::new();
    let mut before = 0;
    for model in PyModel::ALL {
        let mut one = req.clone();
        one.sim.subject = Subject::Code {
            source: source.clone(),
            python: model.label().to_string(),
        };
        let report = explore(&one, &mut |runs| progress(before + runs))?;
        before += report.runs;
        reports.push(ModelReport {
            python: model.label().to_string(),
            report,
        });
    }
    Ok(reports)
}

/// One position of "you are the scheduler".
pub fn play(req: &PlayRequest) -> Result<Response, Refusal> {
    let (target, machine) = setup(&req.sim, false)?;
    let build = || target.build();
    let pos = interleave_sim::play::position(&machine, req.sim.seed, &build, &req.choices)?;
    let reached = |t: &Trace| target.reached(t);
    let goal_reached = pos.next.is_none() && reached(&pos.trace);
    let hint = if req.hint && !goal_reached && pos.next.is_some() {
        interleave_sim::play::shortest_path(
            &machine,
            req.sim.seed,
            &build,
            &req.choices,
            &reached,
            HINT_RUNS,
        )?
    } else if goal_reached {
        Some(Vec::new())
    } else {
        None
    };
    let next = pos.next.map(|units| {
        units
            .into_iter()
            .map(|u| Choice {
                unit: u.0,
                name: pos
                    .trace
                    .units
                    .get(u.index())
                    .map_or_else(|| format!("unit {}", u.0), |x| x.name.clone()),
            })
            .collect()
    });
    Ok(Response::Position {
        trace: Box::new(pos.trace),
        choices: req.choices.clone(),
        next,
        goal_reached,
        hint,
    })
}

/// Most data races reported per run.
pub const MAX_RACES: usize = 20;

/// The data races of a run, described.
pub fn races(trace: &Trace) -> Vec<String> {
    interleave_sim::races::find(trace, MAX_RACES)
        .iter()
        .map(|r| r.describe(trace))
        .collect()
}

/// Carries out one piece of real work.
pub fn work(work: &Work) -> Result<Answer, String> {
    match work {
        Work::Prime { n, kernel } => {
            let kernel = Kernel::parse(kernel)?;
            let prime = match kernel {
                Kernel::Faithful => {
                    let mut trial = Trial::new(*n);
                    loop {
                        if let Some(answer) = trial.run(TRIAL_CHUNK) {
                            break answer;
                        }
                    }
                }
                other => other.check(*n),
            };
            Ok(Answer::Prime { n: *n, prime })
        }
        Work::Divisors { n, from, to } => {
            if *n == 0 || *n > interleave_workloads::factorize::MAX_N {
                return Err(format!(
                    "n must be from 1 to {}, got {n}",
                    interleave_workloads::factorize::MAX_N
                ));
            }
            Ok(Answer::Divisors {
                n: *n,
                divisors: divisors_in(*n, *from, *to),
            })
        }
        Work::LifeBand { width, rows, words } => life_band(*width, rows, *words),
    }
}

/// The next generation of the band inside `rows` (which carries one halo row on each side).
fn life_band(width: usize, rows: &[u64], words: usize) -> Result<Answer, String> {
    if words == 0 || words != width.div_ceil(64) || !rows.len().is_multiple_of(words) {
        return Err(format!(
            "a band of width {width} needs {} words per row, got {} words in all with {words} \
             per row",
            width.div_ceil(64),
            rows.len()
        ));
    }
    let height = rows.len() / words;
    if height < 3 {
        return Err(format!(
            "a band needs its halo rows and at least one row, got {height} rows"
        ));
    }
    let mut grid = BitGrid::new(height, width)?;
    grid.bits.copy_from_slice(rows);
    let mut out = vec![0u64; (height - 2) * words];
    grid.step_band(1..height - 1, &mut out);
    let alive = out.iter().map(|w| u64::from(w.count_ones())).sum();
    Ok(Answer::LifeBand { rows: out, alive })
}
