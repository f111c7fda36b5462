//! Playing the scheduler: a run that follows the user's choices and stops at the next
//! decision, and the fewest further choices that reach a goal.
//!
//! A position is a list of choices, one per scheduling decision with two or more candidates,
//! each an index into that decision's candidates — exactly a replay string's choices, so any
//! position is a permalink. Going back is replaying a shorter list.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use crate::config::Machine;
use crate::ids::UnitId;
use crate::kernel::Sim;
use crate::program::Program;
use crate::sched::{Candidate, Schedule, Scheduler};
use crate::trace::{Outcome, Trace};

/// Where a run stands after the given choices.
#[derive(Clone, Debug, PartialEq)]
pub struct Position {
    /// The run so far (finished when `next` is `None`).
    pub trace: Trace,
    /// The units that could run at the next decision, in candidate order (pick one by its
    /// index); `None` once the run has ended.
    pub next: Option<Vec<UnitId>>,
}

struct Manual {
    choices: Vec<u32>,
    pos: usize,
    paused: Rc<RefCell<Option<Vec<UnitId>>>>,
}

const PAUSED: &str = "paused for the next choice";

impl Scheduler for Manual {
    fn choose(&mut self, _step: u64, candidates: &[Candidate]) -> Result<usize, String> {
        if let Some(&c) = self.choices.get(self.pos) {
            self.pos += 1;
            let c = c as usize;
            if c < candidates.len() {
                return Ok(c);
            }
            return Err(format!(
                "choice {} is {c}, but only {} units can run there",
                self.pos,
                candidates.len()
            ));
        }
        *self.paused.borrow_mut() = Some(candidates.iter().map(|c| c.unit).collect());
        Err(PAUSED.to_string())
    }
}

/// Runs `build` with `choices` and stops at the next decision.
pub fn position(
    machine: &Machine,
    seed: u64,
    build: &dyn Fn() -> Program,
    choices: &[u32],
) -> Result<Position, String> {
    let paused = Rc::new(RefCell::new(None));
    let manual = Manual {
        choices: choices.to_vec(),
        pos: 0,
        paused: Rc::clone(&paused),
    };
    let mut sim = Sim::with_scheduler(machine.clone(), seed, Box::new(manual))?;
    sim.spawn_main("MainProcess", build());
    let mut trace = sim.run();
    let next = paused.borrow_mut().take();
    if next.is_some() {
        // Not an ending: the run waits for the next choice.
        trace.outcome = Outcome::Running;
    }
    Ok(Position { trace, next })
}

/// The replay string of a list of choices.
pub fn schedule_string(choices: &[u32]) -> String {
    Schedule {
        choices: choices.to_vec(),
    }
    .encode()
}

/// The fewest further choices after `choices` that end in a run where `goal` holds, by
/// breadth-first search over at most `budget` runs; `None` if none was found in budget.
pub fn shortest_path(
    machine: &Machine,
    seed: u64,
    build: &dyn Fn() -> Program,
    choices: &[u32],
    goal: &dyn Fn(&Trace) -> bool,
    budget: u64,
) -> Result<Option<Vec<u32>>, String> {
    let mut queue = VecDeque::from([choices.to_vec()]);
    let mut runs = 0;
    while let Some(prefix) = queue.pop_front() {
        if runs >= budget {
            return Ok(None);
        }
        runs += 1;
        let pos = position(machine, seed, build, &prefix)?;
        match pos.next {
            None if goal(&pos.trace) => return Ok(Some(prefix[choices.len()..].to_vec())),
            None => {}
            Some(units) => {
                for i in 0..units.len() {
                    let mut p = prefix.clone();
                    p.push(i as u32);
                    queue.push_back(p);
                }
            }
        }
    }
    Ok(None)
}
