//! What a worker does with a request, as plain functions (the worker binary only adds the
//! message plumbing and the clock), so they are tested natively.

use interleave_scenarios::RunOptions;
use interleave_sim::{Nanos, SchedulerKind, Trace};
use interleave_workloads::factorize::divisors_in;
use interleave_workloads::life::BitGrid;
use interleave_workloads::primes::{Kernel, Trial};

use std::cell::RefCell;

pub use crate::protocol::PROGRAM_FILE;
use crate::protocol::{
    Answer, BadSource, Choice, ExploreRequest, ModelReport, PlayRequest, ProgramRun, PyModel,
    Response, Sched, SimRequest, Subject, UncaughtAt, Work,
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

/// The most bytecode instructions one run of a program from the page may execute (about
/// ten seconds of a browser's time): a program that loops forever ends with a clear limit.
pub const MAX_PROGRAM_INSTRUCTIONS: u64 = 50_000_000;

/// What a request runs, checked and ready to build runs from.
enum Target {
    Scenario {
        scenario: interleave_scenarios::Scenario,
        params: interleave_scenarios::Params,
    },
    Code {
        compiled: interleave_py::Compiled,
        opts: interleave_py::PyOptions,
        /// The output of the run built last (the label reads its uncaught exceptions).
        printed: RefCell<Option<interleave_py::RunOutput>>,
    },
}

impl Target {
    fn build(&self) -> interleave_sim::Program {
        match self {
            Target::Scenario { scenario, params } => (scenario.build)(params),
            Target::Code {
                compiled,
                opts,
                printed,
            } => {
                let (program, out) = compiled.program(opts);
                printed.replace(Some(out));
                program
            }
        }
    }

    /// A finished run's outcome, as the explorer tallies it.
    fn label(&self, t: &Trace) -> (String, bool) {
        match self {
            Target::Scenario { scenario, .. } => scenario.outcome_label(t),
            Target::Code { printed, .. } => match printed.borrow().as_ref() {
                Some(out) => interleave_py::outcome_label(t, out),
                None => interleave_sim::explore::default_label(t),
            },
        }
    }

    /// Whether a finished game reached its goal: the scenario's, or for a program, any
    /// failing outcome (an uncaught exception or failed assert, a deadlock, a lost wakeup).
    fn reached(&self, t: &Trace) -> bool {
        match self {
            Target::Scenario { scenario, .. } => scenario.goal.reached(scenario, t),
            Target::Code { .. } => self.label(t).1,
        }
    }
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
            let machine = scenario.machine_for(&params, &opts)?;
            Ok((Target::Scenario { scenario, params }, machine))
        }
        Subject::Code { source, python } => {
            let model = model(python)?;
            let compiled =
                interleave_py::compile(source, PROGRAM_FILE).map_err(|e| bad_source(&e))?;
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
            let printed = RefCell::new(None);
            Ok((
                Target::Code {
                    compiled,
                    opts,
                    printed,
                },
                machine,
            ))
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
        Target::Scenario { scenario, params } => {
            let opts = RunOptions {
                seed: req.seed,
                cores: req.cores,
                gil: req.gil,
                scheduler: scheduler(req),
            };
            let trace = scenario.simulate_observed(&params, &opts, PROGRESS_EVERY, progress)?;
            Ok((trace, None))
        }
        Target::Code { compiled, opts, .. } => {
            let r =
                compiled.run_observed(&opts, machine, &scheduler(req), PROGRESS_EVERY, progress)?;
            let run = program_run(&r);
            Ok((r.trace, Some(run)))
        }
    }
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
    if let Target::Code { opts, .. } = &mut target {
        // A search runs the program many times: each run gets a tenth of a single run's
        // instructions, so one that loops forever is a limit outcome, quickly.
        opts.max_instructions = MAX_PROGRAM_INSTRUCTIONS / 10;
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
