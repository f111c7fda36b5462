//! Dynamic partial-order reduction (Flanagan–Godefroid, with vector clocks and sleep sets):
//! the kernel records each step's footprint, a race between two dependent steps that nothing
//! orders adds a backtrack point, and sleep sets drop orders already covered.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::{Job, OnRun};
use crate::config::Machine;
use crate::ids::UnitId;
use crate::kernel::{Resource, Sim, Touch};
use crate::program::Program;
use crate::sched::{Candidate, Scheduler};
use crate::trace::Outcome;

/// What one step touched, with whether it wrote.
type Footprint = Vec<Touch>;

/// A vector clock: per unit (by index), how many of its steps happened before.
type Clock = Vec<u32>;

fn join(a: &mut Clock, b: &[u32]) {
    if a.len() < b.len() {
        a.resize(b.len(), 0);
    }
    for (x, y) in a.iter_mut().zip(b) {
        *x = (*x).max(*y);
    }
}

/// One step of the current run, and the search state at the point before it.
struct Node {
    /// The units that could run, when there was a choice; empty when only `unit` could.
    enabled: Vec<UnitId>,
    unit: UnitId,
    footprint: Footprint,
    /// This step's position in its unit's own steps (1-based).
    seq: u32,
    /// Units to try here (some may have been tried already).
    backtrack: Vec<UnitId>,
    /// The sleep set on arrival: units whose step here (with its footprint) would only
    /// repeat an order already explored.
    sleep: Vec<(UnitId, Footprint)>,
    /// The units tried here before `unit`, with the footprints of their steps.
    tried: Vec<(UnitId, Footprint)>,
}

impl Node {
    fn can_run(&self, u: UnitId) -> bool {
        if self.enabled.is_empty() {
            u == self.unit
        } else {
            self.enabled.contains(&u)
        }
    }

    fn done(&self, u: UnitId) -> bool {
        u == self.unit || self.tried.iter().any(|(t, _)| *t == u)
    }

    fn asleep(&self, u: UnitId) -> bool {
        self.sleep.iter().any(|(s, _)| *s == u)
    }

    /// Adds `u` to the units to try, kept in id order (the order they are tried in).
    fn want(&mut self, u: UnitId) {
        if let Err(at) = self.backtrack.binary_search(&u) {
            self.backtrack.insert(at, u);
        }
    }
}

fn dependent(a: &[Touch], b: &[Touch]) -> bool {
    a.iter().any(|x| {
        b.iter().any(|y| {
            x.resource == Resource::Global
                || y.resource == Resource::Global
                || (x.resource == y.resource && (x.write || y.write))
        })
    })
}

/// Replays units by id for the first decisions, then keeps running the unit that ran last
/// (else the oldest candidate). Leaves the candidates of the latest decision in `seen`.
struct Follow {
    prefix: Vec<UnitId>,
    /// Units not to choose after the prefix (the current sleep set).
    asleep: Rc<RefCell<Vec<UnitId>>>,
    pos: usize,
    last: Option<UnitId>,
    seen: Rc<RefCell<Vec<UnitId>>>,
    preemptions: Rc<RefCell<u32>>,
}

impl Scheduler for Follow {
    fn choose(&mut self, _step: u64, candidates: &[Candidate]) -> Result<usize, String> {
        {
            let mut seen = self.seen.borrow_mut();
            seen.clear();
            seen.extend(candidates.iter().map(|c| c.unit));
        }
        let cont = candidates.iter().position(|c| Some(c.unit) == self.last);
        let ix = match self.prefix.get(self.pos) {
            Some(u) => candidates
                .iter()
                .position(|c| c.unit == *u)
                .ok_or_else(|| format!("unit {} cannot run at decision {}", u.0, self.pos + 1))?,
            None => {
                let asleep = self.asleep.borrow();
                match cont.filter(|&c| !asleep.contains(&candidates[c].unit)) {
                    Some(c) => c,
                    None => candidates
                        .iter()
                        .position(|c| !asleep.contains(&c.unit))
                        .ok_or_else(|| SLEEP_BLOCKED.to_string())?,
                }
            }
        };
        self.pos += 1;
        if cont.is_some_and(|c| c != ix) {
            *self.preemptions.borrow_mut() += 1;
        }
        Ok(ix)
    }

    fn observe(&mut self, unit: UnitId) {
        self.last = Some(unit);
    }
}

const SLEEP_BLOCKED: &str = "every unit that could run is asleep";

/// The sleep set after `unit`'s step with `footprint`: the sleepers (and the units already
/// tried at this node) whose next step is independent of it.
fn next_sleep(node: &Node, unit: UnitId, footprint: &[Touch]) -> Vec<(UnitId, Footprint)> {
    node.sleep
        .iter()
        .chain(node.tried.iter())
        .filter(|(u, f)| *u != unit && !dependent(f, footprint))
        .cloned()
        .collect()
}

/// What the current run did to one resource: the clocks of its last write and of the reads
/// since, and where those steps are. Kept between runs (reset, and a zero clock joins as
/// nothing) so a run allocates none.
#[derive(Default)]
struct Access {
    write_clock: Clock,
    read_clock: Clock,
    last_write: Option<usize>,
    /// Per unit, its latest read since the last write.
    reads: Vec<(UnitId, usize)>,
}

#[derive(Default)]
struct Accesses {
    by_resource: BTreeMap<Resource, Access>,
    /// The last step that touched `Resource::Global` (which conflicts with every step).
    last_global: Option<usize>,
}

impl Accesses {
    fn reset(&mut self) {
        for a in self.by_resource.values_mut() {
            a.write_clock.fill(0);
            a.read_clock.fill(0);
            a.last_write = None;
            a.reads.clear();
        }
        self.last_global = None;
    }

    /// The steps that a step with `footprint` depends on and that could be the latest one
    /// not ordered before it: every other dependent step comes before one of these (so is
    /// ordered before the step whenever that one is). False when the footprint touches
    /// `Global`: then every earlier step is a candidate.
    fn candidates(&self, footprint: &[Touch], out: &mut Vec<usize>) -> bool {
        out.clear();
        if footprint.iter().any(|t| t.resource == Resource::Global) {
            return false;
        }
        out.extend(self.last_global);
        for &Touch {
            resource: r,
            write: w,
        } in footprint
        {
            if let Some(a) = self.by_resource.get(&r) {
                out.extend(a.last_write);
                if w {
                    out.extend(a.reads.iter().map(|&(_, i)| i));
                }
            }
        }
        true
    }

    /// Joins into `c` the clocks of the steps a step with `footprint` depends on.
    fn join_into(&self, footprint: &[Touch], c: &mut Clock) {
        for &Touch {
            resource: r,
            write: w,
        } in footprint
        {
            if let Some(a) = self.by_resource.get(&r) {
                join(c, &a.write_clock);
                if w {
                    join(c, &a.read_clock);
                }
            }
        }
    }

    /// Records step `ix` by `unit` with `footprint` and its final clock `c`.
    fn record(&mut self, ix: usize, unit: UnitId, footprint: &[Touch], c: &Clock) {
        for &Touch {
            resource: r,
            write: w,
        } in footprint
        {
            if r == Resource::Global {
                self.last_global = Some(ix);
            }
            let a = self.by_resource.entry(r).or_default();
            if w {
                a.write_clock.clone_from(c);
                a.read_clock.fill(0);
                a.last_write = Some(ix);
                a.reads.clear();
            } else {
                join(&mut a.read_clock, c);
                match a.reads.iter_mut().find(|(u, _)| *u == unit) {
                    Some(slot) => slot.1 = ix,
                    None => a.reads.push((unit, ix)),
                }
            }
        }
    }
}

/// Depth-first search with dynamic partial-order reduction; calls `on_run` per complete run.
/// Returns whether the search finished within `budget` runs.
pub(super) fn search(job: Job<'_>, on_run: &mut OnRun<'_>) -> Result<bool, String> {
    let seed = job.cfg.seed;
    let mut dpor = Dpor::default();
    // The choice to make at one node of the next run: its index and the unit.
    let mut forced: Option<(usize, UnitId)> = None;
    for _ in 0..job.budget {
        let keep = forced.map_or(0, |(d, _)| d);
        let (mut sim, preemptions) = dpor.start_run(job.machine, job.build, seed, keep, forced)?;
        let mut run = Run {
            depth: 0,
            keep,
            forced: forced.is_some(),
            sleep: Vec::new(),
            redundant: false,
        };
        while !run.redundant && dpor.step(&mut sim, &mut run) {}
        let blocked = matches!(
            sim.outcome(),
            Some(Outcome::SchedulerError { message }) if message == SLEEP_BLOCKED
        );
        dpor.nodes.truncate(run.depth);
        let trace = sim.finish();
        if !run.redundant && !blocked && !on_run(&trace, *preemptions.borrow(), seed) {
            return Ok(false);
        }
        forced = dpor.deepest_choice_left();
        if forced.is_none() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The search tree of decision nodes, and the buffers each run rebuilds its clocks in.
#[derive(Default)]
struct Dpor {
    nodes: Vec<Node>,
    /// Per unit, the clock of its last step in the current run.
    clocks: Vec<Clock>,
    accesses: Accesses,
    candidates: Vec<usize>,
    /// The clock of the previous step.
    prev_clock: Clock,
    enabled: Vec<UnitId>,
    prev_enabled: Vec<UnitId>,
    runnable: Vec<UnitId>,
    prev_runnable: Vec<UnitId>,
    footprint: Footprint,
    /// What the `Follow` scheduler saw at its last decision, and whom it must not pick.
    seen: Rc<RefCell<Vec<UnitId>>>,
    asleep: Rc<RefCell<Vec<UnitId>>>,
}

/// Where the current run is.
struct Run {
    depth: usize,
    /// Steps replayed from the previous run before the new choice.
    keep: usize,
    /// Whether the step at `keep` is a new choice (not the first run).
    forced: bool,
    /// The sleep set for the next step after the replayed prefix (the prefix's choices are
    /// fixed; the forced node derives its own from what it stores).
    sleep: Vec<(UnitId, Footprint)>,
    /// Only asleep units could run: this order was explored.
    redundant: bool,
}

impl Dpor {
    /// A simulation that replays the units chosen at the kept decision nodes, then takes the
    /// forced new choice; and the count of its preemptions.
    fn start_run(
        &mut self,
        machine: &Machine,
        build: &dyn Fn() -> Program,
        seed: u64,
        keep: usize,
        forced: Option<(usize, UnitId)>,
    ) -> Result<(Sim, Rc<RefCell<u32>>), String> {
        let mut prefix: Vec<UnitId> = self.nodes[..keep]
            .iter()
            .filter(|n| !n.enabled.is_empty())
            .map(|n| n.unit)
            .collect();
        if let Some((_, u)) = forced {
            prefix.push(u);
        }
        let preemptions = Rc::new(RefCell::new(0));
        self.asleep.borrow_mut().clear();
        let follow = Follow {
            prefix,
            asleep: Rc::clone(&self.asleep),
            pos: 0,
            last: None,
            seen: Rc::clone(&self.seen),
            preemptions: Rc::clone(&preemptions),
        };
        let mut sim = Sim::with_scheduler(machine.clone(), seed, Box::new(follow))?;
        sim.record_footprints();
        sim.spawn_main("MainProcess", build());
        sim.swap_footprint(&mut self.footprint);
        for c in &mut self.clocks {
            c.fill(0);
        }
        self.accesses.reset();
        self.prev_clock.fill(0);
        self.prev_enabled.clear();
        self.prev_runnable.clear();
        Ok((sim, preemptions))
    }

    /// Takes one step of the run and files it in the tree. False once the run has ended.
    fn step(&mut self, sim: &mut Sim, run: &mut Run) -> bool {
        if run.depth >= run.keep {
            let mut a = self.asleep.borrow_mut();
            a.clear();
            a.extend(run.sleep.iter().map(|(u, _)| *u));
        }
        sim.runnable_units(&mut self.runnable);
        let Some(step) = sim.step() else {
            return false;
        };
        sim.swap_footprint(&mut self.footprint);
        let p = step.unit;
        self.enabled.clear();
        if step.candidates > 1 {
            self.enabled.extend_from_slice(&self.seen.borrow());
        } else {
            self.enabled.push(p);
        }
        self.inherit_clocks();
        let pi = p.index();
        if self.clocks.len() <= pi {
            self.clocks.resize(pi + 1, Clock::new());
        }
        let mut c = std::mem::take(&mut self.clocks[pi]);
        // A replayed step (before `keep`) found its races when it first ran, against the
        // same steps.
        if run.depth >= run.keep
            && let Some(i) = self.racing(run.depth, p, &c)
        {
            self.backtrack_at(i, p);
        }
        // This step's clock.
        if c.len() <= pi {
            c.resize(pi + 1, 0);
        }
        c[pi] += 1;
        let seq = c[pi];
        self.accesses.join_into(&self.footprint, &mut c);
        self.accesses.record(run.depth, p, &self.footprint, &c);
        self.prev_clock.clone_from(&c);
        self.clocks[pi] = c;
        self.file(run, p, seq, step.candidates > 1);
        run.depth += 1;
        true
    }

    /// A unit that became runnable in the previous step was started, woken or handed
    /// something by it: its next step comes after that one in every execution, so it
    /// inherits that step's clock (as a thread inherits its creator's). The race that
    /// matters is the one with the step that blocked it. A unit that was runnable but waited
    /// for a core or its GIL inherits nothing: who gets those is the choice.
    fn inherit_clocks(&mut self) {
        for u in &self.runnable {
            if !self.prev_runnable.contains(u) {
                let ui = u.index();
                if self.clocks.len() <= ui {
                    self.clocks.resize(ui + 1, Clock::new());
                }
                join(&mut self.clocks[ui], &self.prev_clock);
            }
        }
        std::mem::swap(&mut self.prev_runnable, &mut self.runnable);
        std::mem::swap(&mut self.prev_enabled, &mut self.enabled);
    }

    /// The last earlier step that races with `p`'s step at `depth` (clock `c`): dependent,
    /// by another unit, and not already ordered before `p`.
    fn racing(&mut self, depth: usize, p: UnitId, c: &Clock) -> Option<usize> {
        let nodes = &self.nodes;
        let scan = depth.min(nodes.len());
        let unordered = |i: usize| {
            let ni = &nodes[i];
            ni.unit != p && c.get(ni.unit.index()).copied().unwrap_or(0) < ni.seq
        };
        if self
            .accesses
            .candidates(&self.footprint, &mut self.candidates)
        {
            self.candidates
                .iter()
                .copied()
                .filter(|&i| i < scan && unordered(i))
                .max()
        } else {
            (0..scan)
                .rev()
                .find(|&i| dependent(&nodes[i].footprint, &self.footprint) && unordered(i))
        }
    }

    /// Asks for `p` to be tried before the step at node `i` it races with.
    fn backtrack_at(&mut self, i: usize, p: UnitId) {
        // Where `p` could not run only because another thread held the GIL or the cores,
        // the choice was made where they were last free: the latest node since `p`'s own
        // last step at which `p` could have run.
        let free = (0..=i)
            .rev()
            .take_while(|&k| self.nodes[k].unit != p)
            .find(|&k| self.nodes[k].can_run(p));
        let n = &mut self.nodes[free.unwrap_or(i)];
        // Otherwise any unit that could run might lead to it (a node without a choice
        // offers none: its one unit is already done).
        if n.can_run(p) {
            n.want(p);
        } else {
            for k in 0..n.enabled.len() {
                let u = n.enabled[k];
                n.want(u);
            }
        }
    }

    /// Files `p`'s step (its `seq`-th) at the run's depth: a replayed node stays as it was,
    /// the node of the new choice records the unit tried before, a new node joins the tree.
    fn file(&mut self, run: &mut Run, p: UnitId, seq: u32, had_choice: bool) {
        let depth = run.depth;
        if depth < run.keep {
            // A replayed node: the same step as before, with the same footprint and place in
            // its unit; its search sets stay.
        } else if depth == run.keep && run.forced && depth < self.nodes.len() {
            // The node where this run took its new choice: the units tried here before join
            // the sleep set when independent of this step.
            let n = &mut self.nodes[depth];
            let old_unit = std::mem::replace(&mut n.unit, p);
            let old_footprint = std::mem::replace(&mut n.footprint, self.footprint.clone());
            n.tried.push((old_unit, old_footprint));
            n.seq = seq;
            run.sleep = next_sleep(n, p, &self.footprint);
            self.nodes.truncate(depth + 1);
        } else {
            if run.sleep.iter().any(|(s, _)| *s == p) {
                // Only one unit could run and it is asleep: this order was explored.
                run.redundant = true;
            }
            let n = Node {
                enabled: if had_choice {
                    self.prev_enabled.clone()
                } else {
                    Vec::new()
                },
                unit: p,
                footprint: self.footprint.clone(),
                seq,
                backtrack: Vec::new(),
                sleep: std::mem::take(&mut run.sleep),
                tried: Vec::new(),
            };
            run.sleep = next_sleep(&n, p, &self.footprint);
            self.nodes.truncate(depth);
            self.nodes.push(n);
        }
    }

    /// The deepest node with a unit still to try, and that unit.
    fn deepest_choice_left(&self) -> Option<(usize, UnitId)> {
        (0..self.nodes.len()).rev().find_map(|d| {
            let n = &self.nodes[d];
            n.backtrack
                .iter()
                .find(|&&u| !n.done(u) && !n.asleep(u) && n.can_run(u))
                .map(|&u| (d, u))
        })
    }
}
