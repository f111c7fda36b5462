//! Depth-first search over every scheduling decision, stateless: each run replays a prefix of
//! decisions (`Recorder`), then continues without preempting; iterative preemption bounding
//! explores all schedules with 0 preemptions, then exactly 1, 2, … so the fewest-preemption
//! failures turn up first.

use std::cell::RefCell;
use std::rc::Rc;

use super::{Job, OnRun};
use crate::config::Machine;
use crate::ids::UnitId;
use crate::kernel::Sim;
use crate::program::Program;
use crate::sched::{Candidate, Scheduler};
use crate::trace::Trace;

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
pub(super) struct Log {
    decisions: Vec<Decision>,
    pub(super) preemptions: u32,
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
pub(super) fn run_once(
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

/// Every schedule up to `cfg.max_preemptions`, at most `budget` counted runs. A schedule is
/// counted at the bound equal to its preemptions. Returns whether the search finished.
pub(super) fn search(job: Job<'_>, on_run: &mut OnRun<'_>) -> Result<bool, String> {
    let max = job.cfg.max_preemptions.unwrap_or(u32::MAX);
    let mut runs = 0u64;
    let mut go_on = true;
    for bound in 0..=max {
        let mut prefix = Vec::new();
        let mut pruned = false;
        loop {
            if runs >= job.budget || !go_on {
                return Ok(false);
            }
            let (trace, log) = run_once(
                job.machine,
                job.cfg.seed,
                job.build,
                None,
                std::mem::take(&mut prefix),
            )?;
            if log.preemptions == bound {
                runs += 1;
                go_on = on_run(&trace, log.preemptions, job.cfg.seed);
            }
            match next_prefix(&log, Some(bound), &mut pruned) {
                Some(p) => prefix = p,
                None => break,
            }
        }
        if !pruned || bound == max {
            return Ok(true);
        }
    }
    Ok(true)
}
