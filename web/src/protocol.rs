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

/// One simulated run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimRequest {
    pub scenario: String,
    /// Raw parameter overrides, validated in the worker by the catalogue's `validate`.
    pub params: Vec<(String, String)>,
    pub seed: u64,
    pub cores: Option<u32>,
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
    Play(PlayRequest),
    Work { job: u32, work: Work },
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
    /// A finished simulation, with its data races described (see `interleave_sim::races`).
    Trace {
        trace: Box<Trace>,
        races: Vec<String>,
    },
    /// An exploration is `runs` runs in.
    ExploreProgress { runs: u64 },
    /// A finished exploration.
    Explored {
        report: interleave_sim::explore::Report,
    },
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
