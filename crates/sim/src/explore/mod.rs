//! Exploring interleavings: run a program under many schedules and tally the outcomes, keeping
//! for each outcome the shortest schedule that reaches it (fewest preemptions, then fewest
//! steps) as a replay string.
//!
//! Strategies: depth-first search over every scheduling decision (stateless: each run replays
//! a prefix of decisions, then continues without preempting), optionally bounded in
//! preemptions; seeded random search; and PCT. A budget bounds the number of runs. The same
//! program and settings always give the same report.
//!
//! `dfs.rs` is the preemption-bounded depth-first search (and the recorder that replays and
//! logs a run's decisions, which random and PCT runs use too), `random.rs` the seeded random
//! and PCT runs, `dpor.rs` dynamic partial-order reduction. Each calls back once per counted
//! run; this module tallies the outcomes.

mod dfs;
mod dpor;
mod random;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::Machine;
use crate::program::Program;
use crate::trace::{Outcome, Trace};

/// Runs between progress reports.
pub const PROGRESS_EVERY: u64 = 100;

/// How to choose the schedules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Strategy {
    /// Every interleaving, depth first.
    Dfs,
    /// Every interleaving up to the order of independent steps: depth first with dynamic
    /// partial-order reduction (Flanagan–Godefroid, with vector clocks). Reaches the same
    /// outcomes as `Dfs` in far fewer runs.
    Dpor,
    /// Seeded random choices, one seed per run.
    Random,
    /// Probabilistic concurrency testing with this bug depth.
    Pct { depth: u32 },
}

/// Settings of an exploration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    pub strategy: Strategy,
    /// At most this many preemptions per run (DFS only); `None` explores them all.
    pub max_preemptions: Option<u32>,
    /// At most this many runs.
    pub budget: u64,
    /// The program's seed (random and PCT runs use `seed + run`).
    pub seed: u64,
}

/// A schedule that reaches an outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counterexample {
    /// The replay string (`Trace::schedule`).
    pub schedule: String,
    /// The seed to replay it with.
    pub seed: u64,
    pub preemptions: u32,
    pub steps: u64,
}

/// One outcome and how often it was reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeCount {
    pub label: String,
    pub failing: bool,
    pub count: u64,
    pub shortest: Counterexample,
}

/// What an exploration found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub runs: u64,
    /// True when DFS covered every schedule (within the preemption bound, if one was given).
    pub exhausted: bool,
    /// Outcomes, failing ones first, then by label.
    pub outcomes: Vec<OutcomeCount>,
}

/// What a search calls back with once per counted run: its trace, its preemptions and the
/// seed it ran with. Returns whether to go on.
type OnRun<'a> = dyn FnMut(&Trace, u32, u64) -> bool + 'a;

/// What one search runs: the program on the machine, the settings, and how many runs it may
/// count.
#[derive(Clone, Copy)]
struct Job<'a> {
    machine: &'a Machine,
    build: &'a dyn Fn() -> Program,
    cfg: &'a Config,
    budget: u64,
}

/// The outcomes so far, each with how often it was reached and its shortest schedule.
#[derive(Default)]
struct Tally(BTreeMap<String, OutcomeCount>);

impl Tally {
    fn record(&mut self, name: String, failing: bool, candidate: Counterexample) {
        let entry = self.0.entry(name.clone()).or_insert_with(|| OutcomeCount {
            label: name,
            failing,
            count: 0,
            shortest: candidate.clone(),
        });
        entry.count += 1;
        if (candidate.preemptions, candidate.steps)
            < (entry.shortest.preemptions, entry.shortest.steps)
        {
            entry.shortest = candidate;
        }
    }

    /// Failing outcomes first, then by label.
    fn report(self, runs: u64, exhausted: bool) -> Report {
        let mut outcomes: Vec<OutcomeCount> = self.0.into_values().collect();
        outcomes.sort_by(|a, b| b.failing.cmp(&a.failing).then(a.label.cmp(&b.label)));
        Report {
            runs,
            exhausted,
            outcomes,
        }
    }
}

/// Explores `build`'s schedules on `machine`. `label` names a run's outcome and says whether it
/// is a failure.
pub fn explore(
    machine: &Machine,
    build: &dyn Fn() -> Program,
    label: &dyn Fn(&Trace) -> (String, bool),
    cfg: &Config,
) -> Result<Report, String> {
    explore_observed(machine, build, label, cfg, &mut |_| true)
}

/// [`explore`], calling `progress(runs)` after every `PROGRESS_EVERY` counted runs; when it
/// returns false (a time budget ran out, the user cancelled) the search stops there, not
/// exhausted.
pub fn explore_observed(
    machine: &Machine,
    build: &dyn Fn() -> Program,
    label: &dyn Fn(&Trace) -> (String, bool),
    cfg: &Config,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<Report, String> {
    let mut tally = Tally::default();
    let mut runs = 0u64;
    let mut on_run = |trace: &Trace, preemptions: u32, seed: u64| {
        runs += 1;
        let (name, failing) = label(trace);
        let candidate = Counterexample {
            schedule: trace.schedule.clone(),
            seed,
            preemptions,
            steps: trace.metrics.steps,
        };
        tally.record(name, failing, candidate);
        !runs.is_multiple_of(PROGRESS_EVERY) || progress(runs)
    };
    let job = Job {
        machine,
        build,
        cfg,
        budget: cfg.budget.max(1),
    };
    let exhausted = match cfg.strategy {
        Strategy::Dfs => dfs::search(job, &mut on_run)?,
        Strategy::Dpor => dpor::search(job, &mut on_run)?,
        Strategy::Random | Strategy::Pct { .. } => random::search(job, &mut on_run)?,
    };
    Ok(tally.report(runs, exhausted))
}

/// A generic outcome label: the deadlock cycle, the exceptions, a limit, or the result map,
/// then any lost wakeups. Deadlocks, exceptions, limits and lost wakeups are failures.
pub fn default_label(t: &Trace) -> (String, bool) {
    let (label, failing) = base_label(t);
    if t.lost_wakeups.is_empty() {
        return (label, failing);
    }
    let who: Vec<String> = t.lost_wakeups.iter().map(|l| t.unit_name(l.unit)).collect();
    (format!("{label} · lost wakeup: {}", who.join(", ")), true)
}

fn base_label(t: &Trace) -> (String, bool) {
    match &t.outcome {
        Outcome::Deadlock { cycle, blocked, .. } => {
            let who: Vec<&str> = if cycle.is_empty() {
                blocked.iter()
            } else {
                cycle.iter()
            }
            .map(|e| e.unit_name.as_str())
            .collect();
            (format!("deadlock ({})", who.join(" → ")), true)
        }
        Outcome::LimitExceeded { message, .. } => (format!("limit: {message}"), true),
        Outcome::SchedulerError { message } => (format!("scheduler error: {message}"), true),
        _ if !t.errors.is_empty() => {
            let errs: Vec<String> = t
                .errors
                .iter()
                .map(|e| format!("{} raised {}", t.unit_name(e.unit), e.error.kind.name()))
                .collect();
            (errs.join(", "), true)
        }
        _ => {
            let parts: Vec<String> = t.result.iter().map(|(k, v)| format!("{k}={v}")).collect();
            (parts.join(" "), false)
        }
    }
}
