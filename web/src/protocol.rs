//! The messages between the page and its Web Workers. Both sides are this crate, so the
//! messages are serde types sent as JSON strings.

use interleave_sim::{Nanos, Trace};
use serde::{Deserialize, Serialize};

/// Which scheduler a simulated run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Sched {
    /// Seeded random choices (the default: different seeds show different interleavings).
    #[default]
    Random,
    /// Always the first ready unit.
    Fifo,
    /// Probabilistic concurrency testing with a few priority change points.
    Pct,
}

impl Sched {
    pub const ALL: [Sched; 3] = [Sched::Random, Sched::Fifo, Sched::Pct];

    pub fn name(self) -> &'static str {
        match self {
            Sched::Random => "random",
            Sched::Fifo => "fifo",
            Sched::Pct => "pct",
        }
    }

    pub fn parse(s: &str) -> Option<Sched> {
        Sched::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// The file name a program from the page runs as (tracebacks and the event log name it).
pub const PROGRAM_FILE: &str = "main.py";

/// What a request runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    /// A catalogue scenario with raw parameter overrides, validated in the worker by the
    /// catalogue's `validate`.
    Scenario {
        id: String,
        params: Vec<(String, String)>,
    },
    /// A Python program, run by the interpreter under a Python model (`3.11`, `3.9` or
    /// `3.13t`, which decides the GIL). Untrusted: it only ever reaches the interpreter.
    Code { source: String, python: String },
}

/// The Python a program runs as: the model decides the GIL and where it may switch threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PyModel {
    /// CPython 3.11 (the default): the GIL changes hands only at eval-breaker points.
    #[default]
    Py311,
    /// CPython 3.9: the GIL may change hands before any instruction.
    Py39,
    /// Free-threaded CPython 3.13t: no GIL; threads run at once on the machine's cores.
    Py313t,
}

impl PyModel {
    pub const ALL: [PyModel; 3] = [PyModel::Py311, PyModel::Py39, PyModel::Py313t];

    /// `3.11`, `3.9` or `3.13t`, as links and the interpreter name it.
    pub fn label(self) -> &'static str {
        match self {
            PyModel::Py311 => "3.11",
            PyModel::Py39 => "3.9",
            PyModel::Py313t => "3.13t",
        }
    }

    pub fn parse(s: &str) -> Option<PyModel> {
        PyModel::ALL.into_iter().find(|m| m.label() == s)
    }
}

/// One simulated run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimRequest {
    pub subject: Subject,
    pub seed: u64,
    pub cores: Option<u32>,
    /// Scenarios only: a program's GIL is its Python model's.
    pub gil: Option<bool>,
    pub sched: Sched,
    /// A recorded schedule to replay instead of `sched`.
    pub replay: Option<String>,
}

/// A search over a scenario's interleavings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExploreRequest {
    pub sim: SimRequest,
    /// `dfs`, `random` or `pct`.
    pub strategy: String,
    /// DFS only: at most this many preemptions per run.
    pub max_preemptions: Option<u32>,
    /// At most this many runs.
    pub budget: u64,
    /// At most this many seconds (the worker's clock).
    pub seconds: Option<f64>,
}

/// One position of "you are the scheduler": the choices so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlayRequest {
    pub sim: SimRequest,
    pub choices: Vec<u32>,
    /// Also search for the fewest further choices that reach the scenario's goal.
    pub hint: bool,
}

/// A unit that may run next, as the player sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub unit: u32,
    pub name: String,
}

/// One piece of real work for a process-style worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Work {
    /// Is `n` prime? Checked with the named kernel.
    Prime { n: u64, kernel: String },
    /// The divisors of `n` in `from..to`.
    Divisors { n: u64, from: u64, to: u64 },
    /// One generation of a band of a Game of Life grid: `rows` (64-bit words, `words` per row)
    /// with one halo row above and one below; returns the band's next rows.
    LifeBand {
        width: usize,
        rows: Vec<u64>,
        words: usize,
    },
}

/// What a worker is asked to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    Simulate(SimRequest),
    Explore(ExploreRequest),
    /// A program's exploration under each Python model, for the side-by-side view.
    Compare(ExploreRequest),
    Play(PlayRequest),
    Work {
        job: u32,
        work: Work,
    },
}

/// The answer to one piece of work.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Answer {
    Prime { n: u64, prime: bool },
    Divisors { n: u64, divisors: Vec<u64> },
    LifeBand { rows: Vec<u64>, alive: u64 },
}

/// What a worker reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Response {
    /// The worker's wasm is instantiated and it takes requests.
    Ready,
    /// A long simulation is `steps` scheduling steps in, at virtual time `time`.
    Progress { steps: u64, time: Nanos },
    /// A finished simulation, with its data races described (see `interleave_sim::races`)
    /// and, for a Python program, what it printed.
    Trace {
        trace: Box<Trace>,
        races: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        program: Option<ProgramRun>,
    },
    /// A Python program that cannot run: it does not parse, uses a construct the playground
    /// does not run, or is too large.
    BadSource(BadSource),
    /// An exploration is `runs` runs in.
    ExploreProgress { runs: u64 },
    /// A finished exploration.
    Explored {
        report: interleave_sim::explore::Report,
    },
    /// A program explored under each Python model.
    Compared { reports: Vec<ModelReport> },
    /// A position of the game: the run so far, who may run next (none once it ended), whether
    /// the goal is reached, and a hint when one was asked for.
    Position {
        trace: Box<Trace>,
        choices: Vec<u32>,
        next: Option<Vec<Choice>>,
        goal_reached: bool,
        /// The fewest further choices to the goal (empty when it is reached; `None` when not
        /// asked or not found within the search budget).
        hint: Option<Vec<u32>>,
    },
    /// A finished piece of work, timed on the worker's clock (milliseconds since the Unix
    /// epoch: `performance.timeOrigin + performance.now()`, so every worker shares one origin).
    Done {
        job: u32,
        start_ms: f64,
        end_ms: f64,
        answer: Answer,
    },
    /// A request the worker could not carry out.
    Error { job: Option<u32>, message: String },
}

impl Response {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            format!(r#"{{"type":"error","job":null,"message":"cannot encode a response: {e}"}}"#)
        })
    }
}

/// One Python model's exploration of a program.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelReport {
    /// `3.11`, `3.9` or `3.13t`.
    pub python: String,
    pub report: interleave_sim::explore::Report,
}

/// What a Python program's run printed and how it ended.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct ProgramRun {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
    /// Bytecode instructions executed by all threads.
    pub instructions: u64,
    /// The uncaught exceptions, where they happened.
    pub uncaught: Vec<UncaughtAt>,
}

/// An uncaught exception: its last traceback line, the unit (lane) of the thread it ended
/// when the report names one, and the program's line it was raised at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UncaughtAt {
    pub message: String,
    pub unit: Option<u32>,
    pub line: Option<u32>,
}

/// Why a program did not start, where, in both languages (the page does not link the
/// interpreter that renders these).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BadSource {
    /// `syntax`, `unsupported`, `too_deep` or `too_large`.
    pub kind: String,
    pub line: u32,
    pub col: u32,
    pub en: String,
    pub zh: String,
}

/// One number checked by the shared-memory thread engine (`web/threads`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadJob {
    /// Decimal, so 64-bit values survive JavaScript.
    pub n: String,
    pub prime: bool,
    /// rayon's index of the thread that ran it.
    pub thread: usize,
    pub start_ms: f64,
    pub end_ms: f64,
}

/// What the thread engine reports for one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadsReport {
    pub jobs: Vec<ThreadJob>,
    pub threads: usize,
    pub shared_memory: bool,
}
