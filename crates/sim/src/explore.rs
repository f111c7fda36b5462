//! Exploring interleavings: run a program under many schedules and tally the outcomes, keeping
//! for each outcome the shortest schedule that reaches it (fewest preemptions, then fewest
//! steps) as a replay string.
//!
//! Strategies: depth-first search over every scheduling decision (stateless: each run replays
//! a prefix of decisions, then continues without preempting), optionally bounded in
//! preemptions; seeded random search; and PCT. A budget bounds the number of runs. The same
//! program and settings always give the same report.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use crate::config::Machine;
use crate::ids::UnitId;
use crate::kernel::Sim;
use crate::program::Program;
use crate::sched::{Candidate, Pct, RandomSched, Scheduler};
use crate::trace::{Outcome, Trace};

/// Runs between progress reports.
pub const PROGRESS_EVERY: u64 = 100;

/// How to choose the schedules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Strategy {
    /// Every interleaving, depth first.
    Dfs,
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

/// One scheduling decision of a run.
#[derive(Clone, Copy, Debug)]
struct Decision {
    /// The rank taken in the decision's order (continuation first).
    rank: u32,
    options: u32,
    /// Whether a continuation existed (then any other rank is a preemption).
    can_continue: bool,
}

#[derive(Default)]
struct Log {
    decisions: Vec<Decision>,
    preemptions: u32,
}

/// Wraps the strategy's scheduler: replays a prefix of ranks, records every decision, and
/// counts preemptions (choosing another unit while the one that ran last could go on).
struct Recorder {
    inner: Option<Box<dyn Scheduler>>,
    prefix: Vec<u32>,
    pos: usize,
    last: Option<UnitId>,
    log: Rc<RefCell<Log>>,
}

/// Candidate indices in decision order: the unit that ran last first, then the rest.
fn order(candidates: &[Candidate], last: Option<UnitId>) -> (Vec<usize>, bool) {
    let cont = candidates.iter().position(|c| Some(c.unit) == last);
    let mut v = Vec::with_capacity(candidates.len());
    if let Some(c) = cont {
        v.push(c);
    }
    v.extend((0..candidates.len()).filter(|&i| Some(i) != cont));
    (v, cont.is_some())
}

impl Scheduler for Recorder {
    fn choose(&mut self, step: u64, candidates: &[Candidate]) -> Result<usize, String> {
        let (ord, can_continue) = order(candidates, self.last);
        let rank = match (self.prefix.get(self.pos), self.inner.as_mut()) {
            (Some(&r), _) => r as usize,
            (None, Some(inner)) => {
                let ix = inner.choose(step, candidates)?;
                ord.iter().position(|&i| i == ix).unwrap_or(0)
            }
            (None, None) => 0,
        };
        self.pos += 1;
        let Some(&ix) = ord.get(rank) else {
            return Err(format!(
                "decision {} has {} options, not {}",
                self.pos,
                ord.len(),
                rank + 1
            ));
        };
        let mut log = self.log.borrow_mut();
        if can_continue && rank > 0 {
            log.preemptions += 1;
        }
        log.decisions.push(Decision {
            rank: rank as u32,
            options: ord.len() as u32,
            can_continue,
        });
        Ok(ix)
    }

    fn observe(&mut self, unit: UnitId) {
        self.last = Some(unit);
        if let Some(inner) = self.inner.as_mut() {
            inner.observe(unit);
        }
    }
}

/// Runs one schedule and returns its trace and decision log.
fn run_once(
    machine: &Machine,
    seed: u64,
    build: &dyn Fn() -> Program,
    inner: Option<Box<dyn Scheduler>>,
    prefix: Vec<u32>,
) -> Result<(Trace, Log), String> {
    let log = Rc::new(RefCell::new(Log::default()));
    let rec = Recorder {
        inner,
        prefix,
        pos: 0,
        last: None,
        log: Rc::clone(&log),
    };
    let mut sim = Sim::with_scheduler(machine.clone(), seed, Box::new(rec))?;
    sim.spawn_main("MainProcess", build());
    let trace = sim.run();
    let log = log.replace(Log::default());
    Ok((trace, log))
}

/// The next DFS prefix after a run, or `None` when every schedule (within the preemption
/// bound) has been tried. Sets `pruned` when the bound cut an alternative off.
fn next_prefix(log: &Log, bound: Option<u32>, pruned: &mut bool) -> Option<Vec<u32>> {
    let d = &log.decisions;
    // Preemptions taken before each decision.
    let mut before = Vec::with_capacity(d.len());
    let mut p = 0;
    for x in d {
        before.push(p);
        if x.can_continue && x.rank > 0 {
            p += 1;
        }
    }
    for k in (0..d.len()).rev() {
        let x = d[k];
        let next = x.rank + 1;
        if next >= x.options {
            continue;
        }
        let preempts = x.can_continue;
        if bound.is_some_and(|b| before[k] + u32::from(preempts) > b) {
            *pruned = true;
            continue;
        }
        let mut prefix: Vec<u32> = d[..k].iter().map(|x| x.rank).collect();
        prefix.push(next);
        return Some(prefix);
    }
    None
}

/// Explores `build`'s schedules on `machine`. `label` names a run's outcome and says whether it
/// is a failure.
pub fn explore(
    machine: &Machine,
    build: &dyn Fn() -> Program,
    label: &dyn Fn(&Trace) -> (String, bool),
    cfg: &Config,
) -> Result<Report, String> {
    explore_observed(machine, build, label, cfg, &mut |_| {})
}

/// [`explore`], calling `progress(runs)` after every `PROGRESS_EVERY` counted runs.
pub fn explore_observed(
    machine: &Machine,
    build: &dyn Fn() -> Program,
    label: &dyn Fn(&Trace) -> (String, bool),
    cfg: &Config,
    progress: &mut dyn FnMut(u64),
) -> Result<Report, String> {
    let mut tally: BTreeMap<String, OutcomeCount> = BTreeMap::new();
    let mut runs = 0;
    let mut exhausted = false;
    let mut record = |trace: &Trace, log: &Log, seed: u64| {
        let (name, failing) = label(trace);
        let candidate = Counterexample {
            schedule: trace.schedule.clone(),
            seed,
            preemptions: log.preemptions,
            steps: trace.metrics.steps,
        };
        let entry = tally.entry(name.clone()).or_insert_with(|| OutcomeCount {
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
    };
    let budget = cfg.budget.max(1);
    match cfg.strategy {
        Strategy::Dfs => {
            // Iterative preemption bounding: all schedules with 0 preemptions, then those with
            // exactly 1, 2, … so the fewest-preemption failures turn up first. A schedule is
            // counted at the bound equal to its preemptions.
            let max = cfg.max_preemptions.unwrap_or(u32::MAX);
            'bounds: for bound in 0..=max {
                let mut prefix = Vec::new();
                let mut pruned = false;
                loop {
                    if runs >= budget {
                        break 'bounds;
                    }
                    let (trace, log) =
                        run_once(machine, cfg.seed, build, None, std::mem::take(&mut prefix))?;
                    if log.preemptions == bound {
                        runs += 1;
                        record(&trace, &log, cfg.seed);
                        if runs.is_multiple_of(PROGRESS_EVERY) {
                            progress(runs);
                        }
                    }
                    match next_prefix(&log, Some(bound), &mut pruned) {
                        Some(p) => prefix = p,
                        None => break,
                    }
                }
                if !pruned {
                    exhausted = true;
                    break;
                }
                if bound == max {
                    exhausted = true;
                }
            }
        }
        Strategy::Random | Strategy::Pct { .. } => {
            while runs < budget {
                let seed = cfg.seed.wrapping_add(runs);
                let inner: Box<dyn Scheduler> = match cfg.strategy {
                    Strategy::Pct { depth } => Box::new(Pct::new(seed, depth, 1000)),
                    _ => Box::new(RandomSched::new(seed)),
                };
                let (trace, log) = run_once(machine, seed, build, Some(inner), Vec::new())?;
                runs += 1;
                record(&trace, &log, seed);
                if runs.is_multiple_of(PROGRESS_EVERY) {
                    progress(runs);
                }
            }
        }
    }
    let mut outcomes: Vec<OutcomeCount> = tally.into_values().collect();
    outcomes.sort_by(|a, b| b.failing.cmp(&a.failing).then(a.label.cmp(&b.label)));
    Ok(Report {
        runs,
        exhausted,
        outcomes,
    })
}

/// A generic outcome label: the deadlock cycle, the exceptions, a limit, or the result map.
/// Deadlocks, exceptions and limits are failures.
pub fn default_label(t: &Trace) -> (String, bool) {
    match &t.outcome {
        Some(Outcome::Deadlock { cycle, blocked, .. }) => {
            let who: Vec<&str> = if cycle.is_empty() {
                blocked.iter()
            } else {
                cycle.iter()
            }
            .map(|e| e.unit_name.as_str())
            .collect();
            (format!("deadlock ({})", who.join(" → ")), true)
        }
        Some(Outcome::LimitExceeded { message, .. }) => (format!("limit: {message}"), true),
        Some(Outcome::SchedulerError { message }) => (format!("scheduler error: {message}"), true),
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
