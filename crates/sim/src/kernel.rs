//! The discrete-event kernel: units, cores, GILs, event loops, timers and the step loop.
//!
//! One `step()` makes one scheduling decision: it collects the units that could run now
//! (a free core, and the GIL of their process if it has one), lets the scheduler pick one,
//! resumes that unit until it issues its next operation and applies the operation. When no
//! unit can run, virtual time jumps to the next timer (a compute quantum ending, a sleep or
//! I/O finishing, a timeout). When nothing can run and no timer is pending, the run is over:
//! completed if every unit finished, otherwise a deadlock.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use rand_core::SeedableRng;
use rand_pcg::Pcg64Mcg;

use crate::config::Machine;
use crate::error::{PyError, PyErrorKind, PyResult};
use crate::ids::{ObjId, UnitId};
use crate::prims::Obj;
use crate::program::{
    Answer, BoxFuture, Ctx, Deadline, Mailbox, Op, Program, Registry, Reply, Ret, SpawnKind,
};
use crate::sched::{Candidate, Scheduler, SchedulerKind, below};
use crate::time::{Nanos, fmt_nanos};
use crate::trace::{
    Counter, Event, EventKind, LimitKind, Link, LinkKind, Metrics, Outcome, Span, State, Trace,
    UnitError, UnitInfo, UnitKind, UnitMetrics, WaitEdge,
};
use crate::value::Value;

/// What happens when a compute or a timed wait completes.
pub(crate) enum After {
    Reply(Reply),
    Op(Op),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// Created with `Thread(...)`/`Process(...)`, not started.
    Created,
    /// Wants to run: has a reply to resume with, or a pending operation.
    Runnable,
    /// Occupying a core.
    Computing,
    Blocked,
    Done,
}

/// What a blocked unit waits for.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Wait {
    Sleep,
    Io,
    AsyncSleep,
    Starting,
    Obj(ObjId),
    Proxy(ObjId),
    Join(UnitId),
    /// `Thread.start()` waits until the new thread runs (CPython's `_started.wait()`).
    Started(UnitId),
    AwaitUnit(UnitId),
    AwaitFuture(ObjId),
    Multi,
    Loop(usize),
    Shutdown,
}

#[derive(Clone, Debug)]
pub(crate) enum MultiKind {
    Gather { return_exceptions: bool },
    Wait(crate::program::ReturnWhen),
    WaitFor,
}

#[derive(Clone, Debug)]
pub(crate) struct MultiWait {
    pub(crate) kind: MultiKind,
    pub(crate) units: Vec<UnitId>,
}

pub(crate) struct Unit {
    /// The unit's entry in `Trace::units`, without the name (read it with `Sim::name`).
    pub(crate) info: UnitInfo,
    pub(crate) spawn_kind: SpawnKind,
    pub(crate) status: Status,
    pub(crate) program: Option<Program>,
    pub(crate) fut: Option<BoxFuture>,
    pub(crate) mailbox: Rc<Mailbox>,
    pub(crate) pending: Option<Op>,
    pub(crate) after: Option<After>,
    pub(crate) ready_seq: u64,
    pub(crate) in_runnable: bool,
    /// Neighbours in the process's ready queue while `in_runnable`.
    pub(crate) ready_prev: Option<UnitId>,
    pub(crate) ready_next: Option<UnitId>,
    pub(crate) epoch: u32,
    pub(crate) wait: Option<Wait>,
    pub(crate) async_wait: bool,
    pub(crate) multi: Option<MultiWait>,
    pub(crate) shielded: bool,
    pub(crate) compute_left: Nanos,
    pub(crate) chunk: Nanos,
    pub(crate) core: Option<u32>,
    pub(crate) display: Option<(State, Option<ObjId>, Option<u16>)>,
    pub(crate) span_start: Nanos,
    /// Index of the unit's last recorded span, which a span in the same state that starts
    /// where it ends continues.
    pub(crate) last_span: Option<u32>,
    pub(crate) cvars: BTreeMap<ObjId, Value>,
    pub(crate) joiners: Vec<UnitId>,
    pub(crate) result: Option<PyResult<Value>>,
    pub(crate) cancelled: bool,
    pub(crate) must_cancel: bool,
    pub(crate) started: bool,
    /// For tasks and callbacks: their loop. For loop hosts: the loop they run.
    pub(crate) loop_ix: Option<usize>,
    pub(crate) proc_ix: usize,
    pub(crate) exit_event: Option<u32>,
    pub(crate) start_event: Option<u32>,
    pub(crate) done_seq: u64,
    pub(crate) in_task: bool,
}

/// Per-process state: the GIL and the family.
pub(crate) struct Proc {
    pub(crate) main: UnitId,
    pub(crate) gil_holder: Option<UnitId>,
    pub(crate) gil_since: Nanos,
    pub(crate) forced_out: Option<UnitId>,
    pub(crate) gil_counter: Option<usize>,
    pub(crate) threads: Vec<UnitId>,
    pub(crate) children: Vec<UnitId>,
    pub(crate) exiting: bool,
    pub(crate) daemons_terminated: bool,
    /// Runnable threads of this process (not tasks), oldest first by ready sequence.
    pub(crate) runnable: ReadyQueue,
    pub(crate) exit_code: Option<i32>,
}

/// An asyncio event loop run by one thread.
pub(crate) struct EventLoop {
    pub(crate) host: UnitId,
    pub(crate) main: UnitId,
    pub(crate) ready: VecDeque<UnitId>,
    pub(crate) current: Option<UnitId>,
    pub(crate) members: Vec<UnitId>,
    pub(crate) closing: bool,
}

/// The runnable threads of one process in the order they became ready: a doubly linked list
/// threaded through the units (`Unit::ready_prev` / `ready_next`). Joining at the back and
/// leaving from anywhere are O(1), with no search and no stale entries: this changes on
/// almost every step.
#[derive(Default)]
pub(crate) struct ReadyQueue {
    head: Option<UnitId>,
    tail: Option<UnitId>,
    len: usize,
}

impl ReadyQueue {
    /// Appends `u`, which must not be in any ready queue.
    fn push(&mut self, units: &mut [Box<Unit>], u: UnitId) {
        let unit = &mut units[u.index()];
        unit.ready_prev = self.tail;
        unit.ready_next = None;
        match self.tail {
            Some(t) => units[t.index()].ready_next = Some(u),
            None => self.head = Some(u),
        }
        self.tail = Some(u);
        self.len += 1;
    }

    /// Unlinks `u`, which must be in this queue.
    fn remove(&mut self, units: &mut [Box<Unit>], u: UnitId) {
        let unit = &mut units[u.index()];
        let (prev, next) = (unit.ready_prev.take(), unit.ready_next.take());
        match prev {
            Some(p) => units[p.index()].ready_next = next,
            None => self.head = next,
        }
        match next {
            Some(n) => units[n.index()].ready_prev = prev,
            None => self.tail = prev,
        }
        self.len = self.len.saturating_sub(1);
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// The runnable units with their ready sequence, oldest first.
    pub(crate) fn iter<'a>(
        &'a self,
        units: &'a [Box<Unit>],
    ) -> impl Iterator<Item = (u64, UnitId)> + 'a {
        std::iter::successors(self.head, move |u| units[u.index()].ready_next)
            .map(move |u| (units[u.index()].ready_seq, u))
    }
}

struct Core {
    occupant: Option<UnitId>,
    last: Option<UnitId>,
}

/// What `Sim::quick_pick` decided.
enum Quick {
    /// Run this unit, one of this many candidates.
    Run(UnitId, usize),
    /// No unit can run now.
    Nobody,
    /// Not decided: list the candidates.
    Ask,
}

/// What one step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The unit that ran.
    pub unit: UnitId,
    /// Virtual time of the step.
    pub time: Nanos,
    /// How many units could have run.
    pub candidates: usize,
    /// The range of `Trace::events` this step added.
    pub events: std::ops::Range<usize>,
}

/// Something a step reads or changes, for partial-order reduction: two steps are
/// independent when they touch no common resource, or only read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resource {
    /// A synchronisation object or shared variable.
    Obj(ObjId),
    /// A unit's life: start, end, join.
    Unit(UnitId),
    /// The GIL of the process whose main unit is given.
    Gil(UnitId),
    /// An event loop.
    Loop(u32),
    /// Anything else (time, timers, output, the result map, the program RNG): conflicts with
    /// every step.
    Global,
}

/// A deterministic simulation of one program on one machine.
pub struct Sim {
    /// When recording (for the explorer's reduction): what the current step touched, with
    /// whether it wrote.
    footprint: Option<Vec<(Resource, bool)>>,
    pub(crate) machine: Machine,
    pub(crate) now: Nanos,
    steps: u64,
    /// Boxed: a `Unit` is large, and a run that spawns thousands of them would otherwise
    /// copy the whole table every time it grows.
    #[allow(clippy::vec_box)]
    pub(crate) units: Vec<Box<Unit>>,
    pub(crate) objs: Vec<Obj>,
    pub(crate) procs: Vec<Proc>,
    pub(crate) loops: Vec<EventLoop>,
    seq: u64,
    done_counter: u64,
    timers: BinaryHeap<Reverse<(Nanos, u64, u32, u32)>>,
    timer_seq: u64,
    cores: Vec<Core>,
    busy_cores: u32,
    registry: Rc<Registry>,
    sched: Box<dyn Scheduler>,
    /// `sched.oldest_only()`, asked once.
    oldest_only: bool,
    pub(crate) rng: Pcg64Mcg,
    pub(crate) trace: Trace,
    choices: Vec<u32>,
    cands: Vec<Candidate>,
    excluded: Vec<Candidate>,
    /// A reusable buffer for lists of units built on hot paths.
    scratch: Vec<UnitId>,
    /// The spawn list the registry does not hold (see `drain_registry_slow`).
    spec_buf: Vec<crate::program::UnitSpec>,
    outcome: Option<Outcome>,
    gil_switches: u64,
    context_switches: u64,
}

impl Sim {
    /// A simulation on `machine`, with every random choice drawn from `seed`.
    pub fn new(machine: Machine, seed: u64, scheduler: &SchedulerKind) -> Result<Sim, String> {
        let sched = scheduler.build(seed)?;
        Sim::with_scheduler(machine, seed, sched)
    }

    /// A simulation with a scheduler built by the caller (the explorer uses this).
    pub fn with_scheduler(
        machine: Machine,
        seed: u64,
        sched: Box<dyn Scheduler>,
    ) -> Result<Sim, String> {
        machine.validate()?;
        let footprint = None;
        let cores = (0..machine.cores)
            .map(|_| Core {
                occupant: None,
                last: None,
            })
            .collect();
        // Room for a small run up front: the explorer makes thousands of short runs, and
        // growing every list from empty was a tenth of its time.
        let trace = Trace {
            seed,
            cores: machine.cores,
            units: Vec::with_capacity(8),
            objects: Vec::with_capacity(8),
            spans: Vec::with_capacity(128),
            events: Vec::with_capacity(128),
            links: Vec::with_capacity(32),
            ..Trace::default()
        };
        Ok(Sim {
            footprint,
            now: 0,
            steps: 0,
            units: Vec::with_capacity(8),
            objs: Vec::with_capacity(8),
            procs: Vec::new(),
            loops: Vec::new(),
            seq: 0,
            done_counter: 0,
            timers: BinaryHeap::new(),
            timer_seq: 0,
            cores,
            busy_cores: 0,
            registry: Rc::new(Registry::default()),
            oldest_only: sched.oldest_only(),
            sched,
            rng: Pcg64Mcg::seed_from_u64(seed),
            trace,
            choices: Vec::new(),
            cands: Vec::new(),
            excluded: Vec::new(),
            scratch: Vec::new(),
            spec_buf: Vec::new(),
            outcome: None,
            gil_switches: 0,
            context_switches: 0,
            machine,
        })
    }

    /// Creates and starts the main thread of the main process.
    pub fn spawn_main(&mut self, name: &str, program: Program) -> UnitId {
        let id = self.registry.add_unit(
            name.to_string(),
            SpawnKind::Process,
            UnitId(u32::MAX),
            program,
            false,
        );
        self.drain_registry();
        if let Some(u) = self.units.get_mut(id.index()) {
            u.started = true;
            u.pending = Some(Op::Begin);
        }
        let ev = self.event(id, EventKind::Start, None, None);
        self.units[id.index()].start_event = Some(ev);
        self.make_runnable(id);
        id
    }

    /// Virtual time now.
    pub fn now(&self) -> Nanos {
        self.now
    }

    /// The trace so far.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Starts recording what each step touches (see [`Sim::take_footprint`]).
    pub fn record_footprints(&mut self) {
        self.footprint = Some(Vec::new());
    }

    /// What the steps since the last call touched (empty when not recording).
    pub fn take_footprint(&mut self) -> Vec<(Resource, bool)> {
        self.footprint
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Moves what the steps since the last call touched into `buf` (cleared first), giving
    /// the kernel `buf`'s old storage to record into next.
    pub fn swap_footprint(&mut self, buf: &mut Vec<(Resource, bool)>) {
        buf.clear();
        if let Some(f) = self.footprint.as_mut() {
            std::mem::swap(f, buf);
        }
    }

    /// The units that could run now but for a free core, their GIL or their event loop
    /// (in id order), into `out`: for the explorer, a unit that joins this set was started,
    /// woken or handed something by the step before, while one that only waited for a core
    /// or the GIL was not.
    pub fn runnable_units(&self, out: &mut Vec<UnitId>) {
        out.clear();
        out.extend(
            self.units
                .iter()
                .filter(|u| u.status == Status::Runnable)
                .map(|u| u.info.id),
        );
    }

    /// The accesses unit `u` noted since its last operation (`Ctx::note_access`), as events.
    #[inline(always)]
    fn record_accesses(&mut self, u: UnitId) {
        if !self.units[u.index()].mailbox.accesses.borrow().is_empty() {
            self.record_noted(u);
        }
    }

    #[inline(never)]
    fn record_noted(&mut self, u: UnitId) {
        let mailbox = Rc::clone(&self.units[u.index()].mailbox);
        let noted: Vec<(ObjId, bool, u32)> = std::mem::take(&mut *mailbox.accesses.borrow_mut());
        let now_at = mailbox.line.get();
        for (obj, write, line) in noted {
            if obj.index() >= self.objs.len() {
                continue;
            }
            let kind = if write {
                EventKind::Write
            } else {
                EventKind::Read
            };
            // The event carries the line of the access, not the line the unit is at now.
            mailbox.line.set(line);
            self.event(u, kind, Some(obj), None);
            self.touch(Resource::Obj(obj), write);
        }
        mailbox.line.set(now_at);
    }

    #[inline]
    pub(crate) fn touch(&mut self, r: Resource, write: bool) {
        if let Some(f) = self.footprint.as_mut() {
            f.push((r, write));
        }
    }

    /// How the run ended, once it has.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    /// Runs to the end and returns the finished trace.
    pub fn run(mut self) -> Trace {
        // The step loop inlined, so that a whole run makes no call per step and builds no
        // `Step` it would throw away.
        while self.step_inline().is_some() {}
        self.finish()
    }

    /// Closes open spans, computes metrics and returns the trace. Call after `step()` returned
    /// `None`, or earlier to cut a run short.
    pub fn finish(mut self) -> Trace {
        if self.outcome.is_none() {
            self.outcome = Some(Outcome::LimitExceeded {
                limit: LimitKind::Steps,
                message: "the run was stopped before it ended".to_string(),
            });
        }
        for i in 0..self.units.len() {
            self.check_lost_wakeup(UnitId(i as u32));
            self.close_span(UnitId(i as u32));
        }
        self.trace.outcome = self.outcome.take();
        self.trace.schedule = crate::sched::Schedule {
            choices: std::mem::take(&mut self.choices),
        }
        .encode();
        self.trace.metrics = self.metrics();
        self.trace
    }

    // ---- the step loop ----------------------------------------------------------------------

    /// Makes one scheduling decision. Returns `None` once the run has ended.
    pub fn step(&mut self) -> Option<Step> {
        self.step_inline()
    }

    /// `step`, inlined into its two callers.
    #[inline(always)]
    fn step_inline(&mut self) -> Option<Step> {
        if self.outcome.is_some() {
            return None;
        }
        // The unit to run, how many could have, and whether `quick_pick` chose it (see
        // `exec`).
        let (unit, n, settled) = loop {
            if self.steps >= self.machine.limits.max_steps {
                self.end_step_limit();
                return None;
            }
            // Timers already due (a zero sleep, a zero timeout) fire before anyone runs, so
            // their units compete with the rest.
            self.fire_due();
            match self.quick_pick() {
                Quick::Run(unit, n) => {
                    if n > 1 {
                        self.choices.push(0);
                    }
                    break (unit, n, true);
                }
                Quick::Nobody => self.cands.clear(),
                Quick::Ask => self.collect_candidates(),
            }
            if !self.cands.is_empty() {
                let n = self.cands.len();
                let ix = if n == 1 {
                    0
                } else {
                    match self.sched.choose(self.steps, &self.cands) {
                        Ok(ix) if ix < n => ix,
                        other => {
                            self.end_scheduler_error(other, n);
                            return None;
                        }
                    }
                };
                if n > 1 {
                    self.choices.push(ix as u32);
                }
                break (self.cands[ix].unit, n, false);
            }
            if self.outcome.is_some() {
                return None;
            }
            // Nothing can run now: move time to the next live timer (a wait that ended early
            // leaves its timer behind, stale by epoch; it must not move the clock).
            self.drop_stale_timers();
            let Some(&Reverse((t, _, _, _))) = self.timers.peek() else {
                self.end_without_progress();
                return None;
            };
            if t > self.machine.limits.max_time {
                self.end_time_limit();
                return None;
            }
            self.now = self.now.max(t);
        };
        if !self.oldest_only {
            self.sched.observe(unit);
        }
        self.steps += 1;
        let first_event = self.trace.events.len();
        self.exec(unit, settled);
        Some(Step {
            unit,
            time: self.now,
            candidates: n,
            events: first_event..self.trace.events.len(),
        })
    }

    /// The commonest shapes of a program (one process, no event loop), decided without
    /// listing candidates: no free core, nobody runs; with a GIL, its holder runs if it can
    /// (the one candidate), nobody otherwise; without, for a scheduler that takes the oldest,
    /// the oldest runnable thread runs. Exactly what `collect_candidates` and the scheduler
    /// would decide, with `n` the number of candidates it would have listed.
    #[inline(always)]
    fn quick_pick(&self) -> Quick {
        if self.busy_cores >= self.machine.cores {
            return Quick::Nobody;
        }
        if !self.loops.is_empty() {
            return Quick::Ask;
        }
        let [p] = &self.procs[..] else {
            return Quick::Ask;
        };
        if self.machine.gil {
            return match p.gil_holder {
                Some(h) if self.units[h.index()].in_runnable => Quick::Run(h, 1),
                Some(_) => Quick::Nobody,
                None => Quick::Ask,
            };
        }
        if !self.oldest_only {
            return Quick::Ask;
        }
        match p.runnable.head {
            Some(head) => Quick::Run(head, p.runnable.len().min(2)),
            None => Quick::Nobody,
        }
    }

    // The ways a run ends inside `step`, kept out of line: they format messages, and inlined
    // they would weigh on every step.

    #[cold]
    #[inline(never)]
    fn end_step_limit(&mut self) {
        self.end(Outcome::LimitExceeded {
            limit: LimitKind::Steps,
            message: format!(
                "the run took more than {} scheduling steps (raise the step limit or shrink the \
                 parameters)",
                self.machine.limits.max_steps
            ),
        });
    }

    #[cold]
    #[inline(never)]
    fn end_time_limit(&mut self) {
        self.end(Outcome::LimitExceeded {
            limit: LimitKind::Time,
            message: format!(
                "virtual time passed {} (the time limit)",
                fmt_nanos(self.machine.limits.max_time)
            ),
        });
    }

    /// The scheduler answered `choice` for `n` candidates: an index out of range or an error.
    #[cold]
    #[inline(never)]
    fn end_scheduler_error(&mut self, choice: Result<usize, String>, n: usize) {
        let message = match choice {
            Ok(ix) => format!("scheduler chose {ix} of {n} candidates"),
            Err(message) => message,
        };
        self.end(Outcome::SchedulerError { message });
    }

    /// Pops timers at the front of the heap that no longer belong to a live wait.
    fn drop_stale_timers(&mut self) {
        while let Some(&Reverse((_, _, unit, epoch))) = self.timers.peek() {
            let live = self.units.get(unit as usize).is_some_and(|u| {
                u.epoch == epoch && matches!(u.status, Status::Computing | Status::Blocked)
            });
            if live {
                break;
            }
            self.timers.pop();
        }
    }

    /// Fires every timer due now, so that everything waking at one instant competes fairly.
    /// Only the test for a due timer is inline: most passes of the step loop find none.
    #[inline(always)]
    fn fire_due(&mut self) {
        if self
            .timers
            .peek()
            .is_some_and(|&Reverse((t, ..))| t <= self.now)
        {
            self.fire_all_due();
        }
    }

    #[inline(never)]
    fn fire_all_due(&mut self) {
        while let Some(&Reverse((t, _, unit, epoch))) = self.timers.peek() {
            if t > self.now {
                break;
            }
            self.timers.pop();
            self.touch(Resource::Global, true);
            self.fire(UnitId(unit), epoch);
        }
    }

    fn end(&mut self, outcome: Outcome) {
        if self.outcome.is_none() {
            self.outcome = Some(outcome);
        }
    }

    /// Fills `cands` with the units that could run now, oldest-ready first. With a scheduler
    /// that only ever takes the oldest, at most two are collected per process: enough to know
    /// the first and whether there was a choice.
    fn collect_candidates(&mut self) {
        self.cands.clear();
        self.excluded.clear();
        if self.busy_cores >= self.machine.cores {
            return;
        }
        let gil = self.machine.gil;
        let per_proc = if self.oldest_only { 2 } else { usize::MAX };
        // One process, no event loop, no GIL (`quick_pick` already decided the same shape
        // with a GIL held, or for a FIFO scheduler): the candidates are the runnable threads,
        // already in ready order. The general scan below finds the same, at a higher price.
        if !gil
            && self.loops.is_empty()
            && let [p] = &self.procs[..]
        {
            for (seq, u) in p.runnable.iter(&self.units).take(per_proc) {
                self.cands.push(Candidate {
                    unit: u,
                    ready_seq: seq,
                });
            }
            return;
        }
        for p in &self.procs {
            if p.runnable.is_empty() {
                continue;
            }
            match (gil, p.gil_holder) {
                (true, Some(h)) => {
                    if let Some(c) = self.holder_candidate(h) {
                        self.cands.push(c);
                    }
                }
                _ => {
                    let mut taken = 0;
                    for (seq, u) in p.runnable.iter(&self.units) {
                        let c = Candidate {
                            unit: u,
                            ready_seq: seq,
                        };
                        if gil && p.forced_out == Some(u) {
                            self.excluded.push(c);
                            continue;
                        }
                        self.cands.push(c);
                        taken += 1;
                        if taken >= per_proc {
                            break;
                        }
                    }
                }
            }
        }
        for lp in &self.loops {
            let t = match lp.current {
                Some(t) => (self.units[t.index()].status == Status::Runnable).then_some(t),
                None => lp.ready.front().copied(),
            };
            let Some(t) = t else { continue };
            let c = Candidate {
                unit: t,
                ready_seq: self.units[t.index()].ready_seq,
            };
            match gil_verdict(
                gil,
                &self.procs[self.units[lp.host.index()].proc_ix],
                lp.host,
            ) {
                Verdict::Yes => self.cands.push(c),
                Verdict::Excluded => self.excluded.push(c),
                Verdict::No => {}
            }
        }
        if self.cands.is_empty() && !self.excluded.is_empty() {
            // The thread that was made to drop the GIL may take it back when nobody else can.
            std::mem::swap(&mut self.cands, &mut self.excluded);
        }
        if self.cands.len() > 1 && !self.cands.is_sorted_by_key(|c| c.ready_seq) {
            self.cands.sort_unstable_by_key(|c| c.ready_seq);
        }
    }

    /// The GIL holder `h` as a candidate: its process's only one, if it can run.
    #[inline]
    fn holder_candidate(&self, h: UnitId) -> Option<Candidate> {
        let unit = &self.units[h.index()];
        unit.in_runnable.then_some(Candidate {
            unit: h,
            ready_seq: unit.ready_seq,
        })
    }

    fn end_without_progress(&mut self) {
        let live: Vec<UnitId> = self
            .units
            .iter()
            .filter(|u| u.status != Status::Done && u.status != Status::Created)
            .map(|u| u.info.id)
            .collect();
        if live.is_empty() {
            self.end(Outcome::Completed);
            return;
        }
        let blocked: Vec<WaitEdge> = live.iter().map(|&u| self.wait_edge(u)).collect();
        let cycle = find_cycle(&blocked);
        let message = if cycle.is_empty() {
            let parts: Vec<String> = blocked.iter().map(describe_edge).collect();
            format!(
                "every unit is blocked and nothing can wake them: {}",
                parts.join("; ")
            )
        } else {
            let parts: Vec<String> = cycle.iter().map(describe_edge).collect();
            format!("wait-for cycle: {}", parts.join(" → "))
        };
        self.end(Outcome::Deadlock {
            cycle,
            blocked,
            message,
        });
    }

    fn wait_edge(&self, u: UnitId) -> WaitEdge {
        let unit = &self.units[u.index()];
        let (waits_for, obj, holder) = match &unit.wait {
            Some(Wait::Obj(o)) | Some(Wait::AwaitFuture(o)) => {
                let (what, holder) = self.obj_wait_reason(u, *o);
                (what, Some(*o), holder)
            }
            Some(Wait::Join(t)) => (format!("join {}", self.name(*t)), None, Some(*t)),
            Some(Wait::Started(t)) => (format!("{} to start", self.name(*t)), None, Some(*t)),
            Some(Wait::AwaitUnit(t)) => (format!("await {}", self.name(*t)), None, Some(*t)),
            Some(Wait::Multi) => {
                let first = unit
                    .multi
                    .as_ref()
                    .and_then(|m| m.units.iter().copied().find(|t| !self.is_done(*t)));
                ("tasks to finish".to_string(), None, first)
            }
            Some(Wait::Loop(l)) => {
                let main = self.loops[*l].main;
                (
                    format!("asyncio.run({})", self.name(main)),
                    None,
                    Some(main),
                )
            }
            Some(Wait::Shutdown) => {
                let p = &self.procs[unit.proc_ix];
                let first =
                    p.threads.iter().chain(&p.children).copied().find(|&t| {
                        t != u && !self.is_done(t) && !self.units[t.index()].info.daemon
                    });
                (
                    "non-daemon threads and children to exit".to_string(),
                    None,
                    first,
                )
            }
            Some(Wait::Proxy(o)) => (format!("manager call on {}", self.obj_name(*o)), None, None),
            Some(w) => (format!("{w:?}").to_lowercase(), None, None),
            None => match unit.status {
                Status::Runnable => ("the GIL or a core".to_string(), None, None),
                _ => ("nothing".to_string(), None, None),
            },
        };
        WaitEdge {
            unit: u,
            unit_name: self.name(u),
            waits_for,
            obj,
            holder,
        }
    }

    // ---- executing a unit -------------------------------------------------------------------

    /// Runs `u` to its next operation and applies it. `settled`: `quick_pick` chose `u`, so
    /// no event loop exists and, with a GIL, `u` holds its own; nothing here need change.
    #[inline(always)]
    fn exec(&mut self, u: UnitId, settled: bool) {
        // Most steps are a thread that `quick_pick` chose resuming its program (nothing
        // pending): a few tests here, and the rest of entering a unit is out of line.
        let idle = self.units[u.index()].pending.is_none();
        if settled {
            if self.machine.gil && self.footprint.is_some() {
                let process = self.units[u.index()].info.process;
                self.touch(Resource::Gil(process), true);
            }
        } else {
            self.exec_enter(u);
        }
        // Usually nothing is pending: tested before taking, so the common case does not copy
        // the whole empty slot out and back.
        if idle {
            self.resume(u);
        } else if !crate::prims::lock::wait_again(self, u) {
            match self.units[u.index()].pending.take() {
                Some(Op::Begin) => self.begin(u),
                Some(op) => self.dispatch(u, op),
                None => {}
            }
        }
    }

    /// Before a unit that the scheduler chose runs: its thread takes the GIL, and a task
    /// becomes its loop's current one.
    #[inline(never)]
    fn exec_enter(&mut self, u: UnitId) {
        let task_loop = self.task_loop(u);
        if self.machine.gil {
            // A task runs on its loop's thread, which holds the GIL for it.
            let os = self.os_thread(u);
            let host = &self.units[os.index()];
            let (process, pix) = (host.info.process, host.proc_ix);
            self.touch(Resource::Gil(process), true);
            if self.procs[pix].gil_holder != Some(os) {
                self.hand_gil(pix, os);
            }
        }
        if let Some(l) = task_loop {
            self.touch(Resource::Loop(l as u32), true);
            let lp = &mut self.loops[l];
            if lp.current != Some(u) {
                if lp.ready.front() == Some(&u) {
                    lp.ready.pop_front();
                } else {
                    lp.ready.retain(|&t| t != u);
                }
                lp.current = Some(u);
                self.refresh_loop_display(l);
            }
        }
    }

    /// Starts a unit's program, runs it to its first operation and applies that.
    fn begin(&mut self, u: UnitId) {
        // Beginning runs the unit's own code up to its first operation: it only reads its
        // start (and a cancel that came first). `Thread.start()` waiting for this step reads
        // it too, so the two commute: whichever goes first, both end in the same state.
        self.touch(Resource::Unit(u), false);
        let unit = &mut self.units[u.index()];
        if unit.must_cancel {
            unit.must_cancel = false;
            self.finish_unit(u, Err(PyError::cancelled()));
            return;
        }
        let Some(program) = unit.program.take() else {
            self.finish_unit(
                u,
                Err(PyError::runtime("internal error: unit has no program")),
            );
            return;
        };
        let cx = Ctx {
            unit: u,
            mailbox: Rc::clone(&unit.mailbox),
            registry: Rc::clone(&self.registry),
            in_task: unit.in_task,
        };
        unit.fut = Some((program.0)(cx));
        // Wake whoever waits in `start()` for this unit to run, in the order they came.
        // Waking one does not touch this unit's list, so it is walked in place.
        let mut i = 0;
        while let Some(&j) = self.units[u.index()].joiners.get(i) {
            if self.units[j.index()].wait == Some(Wait::Started(u)) {
                self.units[u.index()].joiners.remove(i);
                self.complete(j, Ok(Ret::None));
            } else {
                i += 1;
            }
        }
        self.resume(u);
    }

    /// Polls the unit's future until it asks for a non-local operation, and applies that; or
    /// until it returns.
    // Inlined into the step loop, its one hot caller: the call itself was a tenth of its
    // cost.
    #[inline(always)]
    fn resume(&mut self, u: UnitId) {
        {
            let unit = &mut self.units[u.index()];
            unit.mailbox.resumed_at.set(self.now);
            if unit.must_cancel && unit.in_task {
                unit.must_cancel = false;
                unit.mailbox.put_reply(Err(PyError::cancelled()));
            }
        }
        loop {
            // The program's code runs here; it only talks to its mailbox and the registry,
            // never to the kernel, so the future is polled where it lives.
            let poll = match self.units[u.index()].fut.as_mut() {
                Some(fut) => fut.as_mut().poll(&mut Context::from_waker(Waker::noop())),
                None => {
                    self.finish_unit(
                        u,
                        Err(PyError::runtime("internal error: unit has no future")),
                    );
                    return;
                }
            };
            self.drain_registry();
            self.record_accesses(u);
            match poll {
                Poll::Ready(result) => {
                    self.units[u.index()].fut = None;
                    self.unit_returned(u, result);
                    return;
                }
                Poll::Pending => {
                    if self.units[u.index()].mailbox.misuse.get() {
                        self.finish_unit(
                            u,
                            Err(PyError::runtime(
                                "a unit awaited two simulator operations at once; await them \
                                 one after the other",
                            )),
                        );
                        return;
                    }
                    let (head, word) = self.units[u.index()].mailbox.take_words();
                    if head != crate::program::REQ_OP {
                        self.dispatch_words(u, head, word);
                        return;
                    }
                    match self.units[u.index()].mailbox.take_op() {
                        None => {
                            self.not_an_op(u);
                            return;
                        }
                        Some(op) if op.is_local() => {
                            let reply = self.local_op(u, op);
                            self.units[u.index()].mailbox.put_reply(reply);
                        }
                        Some(op) => {
                            self.dispatch(u, op);
                            return;
                        }
                    }
                }
            }
        }
    }

    fn local_op(&mut self, u: UnitId, op: Op) -> Reply {
        match op {
            Op::CvarGet(var) => {
                if let Some(v) = self.units[u.index()].cvars.get(&var) {
                    return Ok(Ret::Value(v.clone()));
                }
                match self.objs.get(var.index()).map(|o| &o.state) {
                    Some(crate::prims::ObjState::ContextVar { default: Some(d) }) => {
                        Ok(Ret::Value(d.clone()))
                    }
                    _ => Err(PyError::new(
                        PyErrorKind::LookupError,
                        format!("<ContextVar name='{}'>", self.obj_name(var)),
                    )),
                }
            }
            Op::CvarSet(var, v) => {
                self.units[u.index()].cvars.insert(var, *v);
                Ok(Ret::None)
            }
            _ => Err(PyError::runtime("internal error: not a local operation")),
        }
    }

    /// Moves units and objects that programs created into the kernel's arenas.
    #[inline]
    fn drain_registry(&mut self) {
        if self.registry.fresh.get() {
            self.drain_registry_slow();
        }
    }

    #[cold]
    fn drain_registry_slow(&mut self) {
        self.registry.fresh.set(false);
        // The registry's list and `spec_buf` trade places, so that spawning does not
        // allocate a fresh list every time.
        let mut specs = std::mem::take(&mut self.spec_buf);
        std::mem::swap(&mut specs, &mut *self.registry.units.borrow_mut());
        for spec in specs.drain(..) {
            self.add_unit(spec);
        }
        self.spec_buf = specs;
        let objs = std::mem::take(&mut *self.registry.objs.borrow_mut());
        for spec in objs {
            let proc = self
                .units
                .get(spec.creator.index())
                .map_or(UnitId(0), |c| c.info.process);
            let obj = crate::prims::create(spec, proc);
            if let Some(kind) = crate::prims::counter_name(&obj) {
                let ix = self.trace.counters.len();
                self.trace.counters.push(Counter {
                    name: format!("{} {}", kind, obj.info.name),
                    obj: Some(obj.info.id),
                    points: vec![(self.now, crate::prims::counter_value(&obj))],
                });
                self.objs.push(Obj {
                    counter: Some(ix),
                    ..obj
                });
            } else {
                self.objs.push(obj);
            }
            self.trace
                .objects
                .push(self.objs[self.objs.len() - 1].info.clone());
        }
        if self.units.len() > self.machine.limits.max_units {
            self.end(Outcome::LimitExceeded {
                limit: LimitKind::Units,
                message: format!(
                    "the program created more than {} units (threads, processes, tasks)",
                    self.machine.limits.max_units
                ),
            });
        }
    }

    fn add_unit(&mut self, spec: crate::program::UnitSpec) {
        let parent = self.units.get(spec.parent.index()).map(|p| p.info.id);
        let parent_unit = parent.map(|p| &self.units[p.index()]);
        let kind = match spec.kind {
            SpawnKind::Process => UnitKind::Process,
            SpawnKind::Thread | SpawnKind::ExecutorThread => UnitKind::Thread,
            SpawnKind::Task => UnitKind::Task,
            SpawnKind::Callback => UnitKind::Callback,
        };
        let in_task = matches!(kind, UnitKind::Task | UnitKind::Callback);
        let (process, proc_ix) = match (kind, parent_unit) {
            (UnitKind::Process, _) | (_, None) => (spec.id, self.procs.len()),
            (_, Some(p)) => (p.info.process, p.proc_ix),
        };
        let host = if in_task {
            parent_unit.map(|p| {
                if p.in_task {
                    p.info.host.unwrap_or(p.info.id)
                } else {
                    p.info.id
                }
            })
        } else {
            None
        };
        let daemon = match (kind, parent_unit) {
            (UnitKind::Thread, Some(p)) => p.info.daemon && p.info.kind == UnitKind::Thread,
            (UnitKind::Process, Some(p)) => self.units[p.info.process.index()].info.daemon,
            _ => false,
        };
        let cvars = match (spec.kind, parent_unit) {
            (SpawnKind::Task | SpawnKind::Callback | SpawnKind::ExecutorThread, Some(p)) => {
                p.cvars.clone()
            }
            (SpawnKind::Thread, Some(p)) if spec.copy_context => p.cvars.clone(),
            _ => BTreeMap::new(),
        };
        let loop_ix = if in_task {
            parent_unit.and_then(|p| if p.in_task { p.loop_ix } else { None })
        } else {
            None
        };
        // The trace keeps the name; the kernel's copy goes without (no second allocation per
        // unit), and `Sim::name` reads it from the trace.
        let info = UnitInfo {
            id: spec.id,
            name: String::new(),
            kind,
            process,
            parent,
            daemon,
            host,
            created: self.now,
        };
        self.trace.units.push(UnitInfo {
            name: spec.name,
            ..info.clone()
        });
        if kind == UnitKind::Process {
            self.procs.push(Proc {
                main: spec.id,
                gil_holder: None,
                gil_since: 0,
                forced_out: None,
                gil_counter: None,
                threads: Vec::new(),
                children: Vec::new(),
                exiting: false,
                daemons_terminated: false,
                runnable: ReadyQueue::default(),
                exit_code: None,
            });
            if let Some(p) = parent {
                let pp = self.units[p.index()].proc_ix;
                self.procs[pp].children.push(spec.id);
            }
        } else if !in_task {
            self.procs[proc_ix].threads.push(spec.id);
        }
        self.units.push(Box::new(Unit {
            info,
            spawn_kind: spec.kind,
            status: Status::Created,
            program: Some(spec.program),
            fut: None,
            mailbox: Rc::new(Mailbox::default()),
            pending: None,
            after: None,
            ready_seq: 0,
            in_runnable: false,
            ready_prev: None,
            ready_next: None,
            epoch: 0,
            wait: None,
            async_wait: false,
            multi: None,
            shielded: false,
            compute_left: 0,
            chunk: 0,
            core: None,
            display: None,
            span_start: self.now,
            last_span: None,
            cvars,
            joiners: Vec::new(),
            result: None,
            cancelled: false,
            must_cancel: false,
            started: false,
            loop_ix,
            proc_ix,
            exit_event: None,
            start_event: None,
            done_seq: 0,
            in_task,
        }));
        self.event(spec.id, EventKind::Create, None, None);
        // A task created from inside a running loop is scheduled at once (create_task).
        if in_task
            && spec.kind == SpawnKind::Task
            && let Some(l) = loop_ix
        {
            self.schedule_in_loop(spec.id, l);
        }
    }

    pub(crate) fn schedule_in_loop(&mut self, t: UnitId, l: usize) {
        let unit = &mut self.units[t.index()];
        unit.loop_ix = Some(l);
        unit.started = true;
        unit.pending = Some(Op::Begin);
        self.loops[l].members.push(t);
        let ev = self.event(t, EventKind::Start, None, None);
        self.units[t.index()].start_event = Some(ev);
        self.make_runnable(t);
    }

    // ---- unit state transitions -------------------------------------------------------------

    /// Gives `u` the reply to its current operation and makes it runnable.
    #[inline(always)]
    pub(crate) fn complete(&mut self, u: UnitId, reply: Reply) {
        // Three scalars, passed in registers: a packed answer passed by reference would be
        // written to the stack and read back at once, which stalls (see `Answer`).
        let (kind, word, other) = Answer::pack(reply).into_words();
        self.answer(u, kind, word, other);
    }

    /// `complete` with the reply in the words the mailbox holds. Inlined: it runs after
    /// nearly every operation and usually ends at the first test below.
    #[inline(always)]
    pub(crate) fn answer(&mut self, u: UnitId, kind: u64, word: u64, other: Option<Box<Reply>>) {
        let unit = &mut self.units[u.index()];
        if unit.status == Status::Done {
            return;
        }
        unit.mailbox.put(kind, word, other);
        unit.epoch = unit.epoch.wrapping_add(1);
        // The usual case: a thread's operation finished at once, so it never stopped being
        // runnable and its lane already shows it ready. Nothing else changes. (The last test
        // is `runnable_display` for a thread, which is its own OS thread; calling it here
        // costs 3 % of the events bench.)
        if unit.status == Status::Runnable
            && unit.in_runnable
            && !unit.in_task
            && unit.wait.is_none()
            && unit.multi.is_none()
            && unit.display == Some((State::Ready, None, None))
            && (!self.machine.gil || self.procs[unit.proc_ix].gil_holder == Some(u))
        {
            return;
        }
        self.wake(u);
    }

    /// The rest of `answer`: the unit was waiting, or its lane shows another state.
    #[inline(never)]
    fn wake(&mut self, u: UnitId) {
        let unit = &mut self.units[u.index()];
        unit.wait = None;
        unit.multi = None;
        self.runnable_now(u);
    }

    /// Makes a woken `u` try its pending operation again.
    pub(crate) fn retry(&mut self, u: UnitId) {
        let unit = &mut self.units[u.index()];
        if unit.status == Status::Done {
            return;
        }
        unit.epoch = unit.epoch.wrapping_add(1);
        unit.wait = None;
        self.make_runnable(u);
    }

    pub(crate) fn make_runnable(&mut self, u: UnitId) {
        self.runnable_now(u);
    }

    /// `make_runnable`, inlined into `wake`: most units become runnable there, at the end of
    /// a compute or a wait.
    #[inline(always)]
    fn runnable_now(&mut self, u: UnitId) {
        let unit = &mut self.units[u.index()];
        unit.status = Status::Runnable;
        if unit.in_task
            && let Some(l) = unit.loop_ix
        {
            self.make_task_ready(u, l);
        } else if !unit.in_runnable {
            self.seq += 1;
            unit.ready_seq = self.seq;
            unit.in_runnable = true;
            let pix = unit.proc_ix;
            self.procs[pix].runnable.push(&mut self.units, u);
        }
        let d = self.runnable_display(u);
        self.set_display(u, d, None, None);
    }

    /// `make_runnable` for a task of loop `l`: it joins the loop's ready queue.
    #[inline(never)]
    fn make_task_ready(&mut self, u: UnitId, l: usize) {
        let lp = &mut self.loops[l];
        if lp.current != Some(u) && !lp.ready.contains(&u) {
            lp.ready.push_back(u);
            self.seq += 1;
            self.units[u.index()].ready_seq = self.seq;
        }
        self.refresh_loop_display(l);
    }

    #[inline(always)]
    fn remove_runnable(&mut self, u: UnitId) {
        let unit = &mut self.units[u.index()];
        if unit.in_runnable {
            unit.in_runnable = false;
            let pix = unit.proc_ix;
            self.procs[pix].runnable.remove(&mut self.units, u);
        }
    }

    /// Blocks `u` on `wait` until woken or until `deadline`.
    pub(crate) fn block(&mut self, u: UnitId, wait: Wait, deadline: Option<Nanos>, is_async: bool) {
        let is_async = is_async && self.units[u.index()].in_task;
        if is_async && self.units[u.index()].must_cancel {
            // Task.cancel() was called while the task ran: it takes effect at this await.
            self.units[u.index()].must_cancel = false;
            self.detach_wait_target(u, &wait);
            self.complete(u, Err(PyError::cancelled()));
            return;
        }
        self.remove_runnable(u);
        let (state, obj) = match &wait {
            Wait::Sleep | Wait::AsyncSleep => (State::Sleeping, None),
            Wait::Io | Wait::Proxy(_) => (State::Io, None),
            Wait::Starting => (State::Starting, None),
            Wait::Obj(o) | Wait::AwaitFuture(o) => (State::Blocked, Some(*o)),
            _ => (State::Blocked, None),
        };
        let unit = &mut self.units[u.index()];
        unit.status = Status::Blocked;
        unit.epoch = unit.epoch.wrapping_add(1);
        unit.async_wait = is_async;
        let epoch = unit.epoch;
        let is_loop = matches!(wait, Wait::Loop(_));
        unit.wait = Some(wait);
        if let Some(d) = deadline {
            self.add_timer(d, u, epoch);
        }
        if let Some(l) = self.task_loop(u) {
            if is_async {
                if self.loops[l].current == Some(u) {
                    self.loops[l].current = None;
                }
                self.release_gil_if_loop_idle(l);
            } else if self.machine.gil {
                let host = self.loops[l].host;
                self.drop_gil(host);
            }
            self.refresh_loop_display(l);
        } else if self.machine.gil {
            self.drop_gil(u);
        }
        if !is_loop {
            self.set_display(u, state, obj, None);
        } else if let Some(l) = self.units[u.index()].loop_ix {
            self.refresh_loop_display(l);
        }
    }

    /// Blocks `u` and keeps `op` to run again when woken with `retry`.
    pub(crate) fn block_retry(
        &mut self,
        u: UnitId,
        op: Op,
        wait: Wait,
        deadline: Option<Nanos>,
        is_async: bool,
    ) {
        self.units[u.index()].pending = Some(op);
        self.block(u, wait, deadline, is_async);
        if self.units[u.index()].status != Status::Blocked {
            // Cancelled instead of blocking.
            self.units[u.index()].pending = None;
        }
    }

    /// Resolves a program's deadline into absolute time.
    #[inline]
    pub(crate) fn resolve(&self, d: Deadline) -> Option<Nanos> {
        match d {
            Deadline::Never => None,
            Deadline::In(x) => Some(self.now.saturating_add(x)),
            Deadline::At(t) => Some(t),
        }
    }

    #[inline]
    pub(crate) fn add_timer(&mut self, t: Nanos, u: UnitId, epoch: u32) {
        self.timer_seq += 1;
        self.timers.push(Reverse((t, self.timer_seq, u.0, epoch)));
    }

    /// Starts `d` of CPU work for `u`; `after` says what happens when it is done.
    pub(crate) fn start_compute(&mut self, u: UnitId, d: Nanos, after: Option<After>) {
        if d == 0 {
            match after {
                None => self.complete(u, Ok(Ret::None)),
                Some(After::Reply(r)) => self.complete(u, r),
                Some(After::Op(op)) => {
                    self.units[u.index()].pending = Some(op);
                    self.make_runnable(u);
                }
            }
            return;
        }
        let unit = &mut self.units[u.index()];
        unit.compute_left = d;
        // Usually nothing comes after, and nothing is left from before (a chunk's end takes
        // it): then there is nothing to write, nor an old value to drop.
        if after.is_some() || unit.after.is_some() {
            unit.after = after;
        } else {
            std::mem::forget(after);
        }
        self.run_chunk(u);
    }

    // Inlined into `start_compute`, which every `compute` goes through.
    #[inline(always)]
    fn run_chunk(&mut self, u: UnitId) {
        let os = self.os_thread(u);
        let Some(core) = self.free_core(u) else {
            // No core: wait as a runnable unit (cannot happen for a chosen unit).
            self.units[u.index()].pending = Some(Op::ContinueCompute);
            self.make_runnable(u);
            return;
        };
        self.remove_runnable(u);
        let mut chunk = self.units[u.index()]
            .compute_left
            .min(self.machine.costs.os_quantum);
        if self.machine.gil {
            let p = &self.procs[self.units[os.index()].proc_ix];
            let held = self.now.saturating_sub(p.gil_since);
            let left = self.machine.switch_interval.saturating_sub(held);
            chunk = chunk.min(if left == 0 {
                self.machine.switch_interval
            } else {
                left
            });
        }
        let mut extra = 0;
        let c = &mut self.cores[core as usize];
        if c.last.is_some_and(|l| l != os) {
            extra = self.machine.costs.context_switch;
            self.context_switches += 1;
        }
        c.last = Some(os);
        c.occupant = Some(u);
        self.busy_cores += 1;
        let unit = &mut self.units[u.index()];
        unit.status = Status::Computing;
        unit.core = Some(core);
        unit.chunk = chunk;
        unit.epoch = unit.epoch.wrapping_add(1);
        let epoch = unit.epoch;
        let end = self.now.saturating_add(chunk).saturating_add(extra);
        self.add_timer(end, u, epoch);
        self.set_display(u, State::Running, None, Some(core));
    }

    fn free_core(&self, u: UnitId) -> Option<u32> {
        let os = self.os_thread(u);
        let mut first = None;
        for (i, c) in self.cores.iter().enumerate() {
            if c.occupant.is_none() {
                if c.last == Some(os) {
                    return Some(i as u32);
                }
                if first.is_none() {
                    first = Some(i as u32);
                }
            }
        }
        first
    }

    fn release_core(&mut self, u: UnitId) {
        if let Some(core) = self.units[u.index()].core.take()
            && let Some(c) = self.cores.get_mut(core as usize)
            && c.occupant == Some(u)
        {
            c.occupant = None;
            self.busy_cores = self.busy_cores.saturating_sub(1);
        }
    }

    fn fire(&mut self, u: UnitId, epoch: u32) {
        let Some(unit) = self.units.get(u.index()) else {
            return;
        };
        if unit.epoch != epoch {
            return;
        }
        match unit.status {
            Status::Computing => self.chunk_end(u),
            Status::Blocked => self.timeout(u),
            _ => {}
        }
    }

    fn chunk_end(&mut self, u: UnitId) {
        self.release_core(u);
        let unit = &mut self.units[u.index()];
        unit.compute_left = unit.compute_left.saturating_sub(unit.chunk);
        let more = unit.compute_left > 0;
        if self.machine.gil {
            let os = self.os_thread(u);
            let pix = self.units[os.index()].proc_ix;
            let held = self.now.saturating_sub(self.procs[pix].gil_since);
            if held >= self.machine.switch_interval {
                self.switch_interval_elapsed(pix, os);
            }
        }
        if more {
            self.compute_continues(u);
            return;
        }
        // Tested before taking: a plain `compute` has nothing after it, and taking would copy
        // the whole slot out and write it back empty.
        if self.units[u.index()].after.is_none() {
            self.complete(u, Ok(Ret::None));
            return;
        }
        match self.units[u.index()].after.take() {
            None => self.complete(u, Ok(Ret::None)),
            Some(After::Reply(r)) => self.complete(u, r),
            Some(After::Op(op)) => {
                self.units[u.index()].pending = Some(op);
                self.make_runnable(u);
            }
        }
    }

    /// `os` has held its GIL for the switch interval: if another thread waits for it, it
    /// must hand it over.
    #[inline(never)]
    fn switch_interval_elapsed(&mut self, pix: usize, os: UnitId) {
        if self.gil_waiters(pix, os) {
            self.drop_gil(os);
            self.procs[pix].forced_out = Some(os);
        }
    }

    /// A chunk of a longer compute ended: the rest waits its turn.
    #[inline(never)]
    fn compute_continues(&mut self, u: UnitId) {
        self.units[u.index()].pending = Some(Op::ContinueCompute);
        // Goes to the back of the ready queue, so the OS can run another thread.
        if self.task_loop(u).is_some() {
            self.seq += 1;
            self.units[u.index()].ready_seq = self.seq;
        }
        self.make_runnable(u);
    }

    /// Whether some thread of process `pix` other than `holder` wants the GIL.
    fn gil_waiters(&self, pix: usize, holder: UnitId) -> bool {
        let r = &self.procs[pix].runnable;
        r.len() > 1
            || r.iter(&self.units).next().is_some_and(|(_, t)| t != holder)
            || self.loops.iter().any(|lp| {
                lp.host != holder
                    && self.units[lp.host.index()].proc_ix == pix
                    && (lp
                        .current
                        .is_some_and(|t| self.units[t.index()].status == Status::Runnable)
                        || (lp.current.is_none() && !lp.ready.is_empty()))
            })
    }

    // Out of line: `fire` ends far more computes than waits.
    #[inline(never)]
    fn timeout(&mut self, u: UnitId) {
        let Some(wait) = self.units[u.index()].wait.clone() else {
            return;
        };
        match wait {
            Wait::Sleep | Wait::AsyncSleep | Wait::Io | Wait::Proxy(_) => {
                match self.units[u.index()].after.take() {
                    Some(After::Op(op)) => {
                        self.units[u.index()].wait = None;
                        self.units[u.index()].pending = Some(op);
                        self.make_runnable(u);
                    }
                    Some(After::Reply(r)) => self.complete(u, r),
                    None => self.complete(u, Ok(Ret::None)),
                }
            }
            Wait::Starting => {
                self.units[u.index()].wait = None;
                if self.units[u.index()].spawn_kind == SpawnKind::Callback {
                    if let Some(l) = self.units[u.index()].loop_ix
                        && !self.loops[l].closing
                    {
                        self.make_runnable(u);
                    }
                } else {
                    self.make_runnable(u);
                }
            }
            Wait::Obj(o) => crate::prims::timeout(self, u, o),
            Wait::Join(t) => {
                if let Some(unit) = self.units.get_mut(t.index()) {
                    unit.joiners.retain(|&j| j != u);
                }
                self.complete(u, Ok(Ret::None));
            }
            Wait::Multi => self.multi_timeout(u),
            Wait::AwaitUnit(_)
            | Wait::AwaitFuture(_)
            | Wait::Loop(_)
            | Wait::Shutdown
            | Wait::Started(_) => {}
        }
    }

    // ---- the GIL ----------------------------------------------------------------------------

    /// The OS thread a unit runs on: itself, or the host of its event loop.
    #[inline]
    pub(crate) fn os_thread(&self, u: UnitId) -> UnitId {
        let unit = &self.units[u.index()];
        if unit.in_task {
            unit.info.host.unwrap_or(u)
        } else {
            u
        }
    }

    #[inline]
    pub(crate) fn task_loop(&self, u: UnitId) -> Option<usize> {
        let unit = &self.units[u.index()];
        if unit.in_task { unit.loop_ix } else { None }
    }

    /// Gives the GIL of process `pix` to `os`, which does not hold it.
    fn hand_gil(&mut self, pix: usize, os: UnitId) {
        let p = &mut self.procs[pix];
        p.gil_holder = Some(os);
        p.gil_since = self.now;
        p.forced_out = None;
        self.gil_switches += 1;
        self.gil_counter_point(pix, i64::from(os.0));
        self.refresh_gil_displays(pix);
    }

    pub(crate) fn drop_gil(&mut self, os: UnitId) {
        let pix = self.units[os.index()].proc_ix;
        if self.procs[pix].gil_holder != Some(os) {
            return;
        }
        self.procs[pix].gil_holder = None;
        self.gil_counter_point(pix, -1);
        self.refresh_gil_displays(pix);
    }

    fn release_gil_if_loop_idle(&mut self, l: usize) {
        let lp = &self.loops[l];
        if lp.current.is_none() && lp.ready.is_empty() && self.machine.gil {
            let host = lp.host;
            self.drop_gil(host);
        }
    }

    fn gil_counter_point(&mut self, pix: usize, value: i64) {
        let ix = match self.procs[pix].gil_counter {
            Some(ix) => ix,
            None => {
                let ix = self.trace.counters.len();
                let name = format!("GIL holder ({})", self.name(self.procs[pix].main));
                self.trace.counters.push(Counter {
                    name,
                    obj: None,
                    points: Vec::new(),
                });
                self.procs[pix].gil_counter = Some(ix);
                ix
            }
        };
        push_point(&mut self.trace.counters[ix].points, self.now, value);
    }

    fn refresh_gil_displays(&mut self, pix: usize) {
        if self.loops.is_empty() {
            // No event loop: only the ready queue, walked in place (a display change leaves
            // it as it is), with no list to collect first.
            let mut next = self.procs[pix].runnable.head;
            while let Some(t) = next {
                next = self.units[t.index()].ready_next;
                let d = self.runnable_display(t);
                self.set_display(t, d, None, None);
            }
            return;
        }
        let mut ids = std::mem::take(&mut self.scratch);
        ids.clear();
        ids.extend(self.procs[pix].runnable.iter(&self.units).map(|(_, u)| u));
        for lp in &self.loops {
            if self.units[lp.host.index()].proc_ix == pix {
                ids.extend(
                    lp.current
                        .iter()
                        .chain(lp.ready.iter())
                        .copied()
                        .filter(|&t| self.units[t.index()].status == Status::Runnable),
                );
            }
        }
        for &t in &ids {
            let d = self.runnable_display(t);
            self.set_display(t, d, None, None);
        }
        self.scratch = ids;
    }

    #[inline]
    fn runnable_display(&self, u: UnitId) -> State {
        if !self.machine.gil {
            return State::Ready;
        }
        let os = self.os_thread(u);
        match self.procs[self.units[os.index()].proc_ix].gil_holder {
            Some(h) if h != os => State::WaitingGil,
            _ => State::Ready,
        }
    }

    fn refresh_loop_display(&mut self, l: usize) {
        let lp = &self.loops[l];
        let host = lp.host;
        if self.units[host.index()].wait != Some(Wait::Loop(l)) {
            return;
        }
        let busy = lp.current.is_some() || !lp.ready.is_empty();
        self.set_display(
            host,
            if busy { State::Loop } else { State::Idle },
            None,
            None,
        );
    }

    // ---- spans, events, links ---------------------------------------------------------------

    #[inline(always)]
    pub(crate) fn set_display(
        &mut self,
        u: UnitId,
        state: State,
        obj: Option<ObjId>,
        core: Option<u32>,
    ) {
        // Cores number at most 64 (`Machine::validate`), so the index fits a span's 16 bits.
        let new = Some((state, obj, core.map(|c| c as u16)));
        // Most calls repeat the state the lane already shows, or leave a state entered at
        // this same instant, which records nothing: those tests stay inline, and only a
        // change that closes a span pays for the call.
        let now = self.now;
        let unit = &mut self.units[u.index()];
        if unit.display != new {
            if unit.span_start >= now {
                unit.display = new;
                unit.span_start = now;
            } else {
                self.change_display(u, new);
            }
        }
    }

    /// Closes the lane's current span (recording it, or extending the last one) and opens
    /// one in `new` (`None`: no span, the unit is done).
    #[inline(never)]
    fn change_display(&mut self, u: UnitId, new: Option<(State, Option<ObjId>, Option<u16>)>) {
        let now = self.now;
        let unit = &mut self.units[u.index()];
        let old = std::mem::replace(&mut unit.display, new);
        let start = std::mem::replace(&mut unit.span_start, now);
        let Some((state, obj, core)) = old else {
            return;
        };
        if start >= now {
            return;
        }
        // A lane that leaves a state and comes back to it at the same instant (a compute, no
        // time ready, the next compute) stays in one span: spans are maximal.
        match unit
            .last_span
            .and_then(|i| self.trace.spans.get_mut(i as usize))
        {
            Some(last)
                if last.end == start
                    && last.state == state
                    && last.obj == obj
                    && last.core == core =>
            {
                last.end = now;
            }
            _ => {
                unit.last_span = u32::try_from(self.trace.spans.len()).ok();
                self.trace.spans.push(Span {
                    unit: u,
                    start,
                    end: now,
                    state,
                    obj,
                    core,
                });
            }
        }
    }

    /// Ends the lane's current span.
    fn close_span(&mut self, u: UnitId) {
        self.change_display(u, None);
    }

    /// Records an event and returns its index.
    #[inline]
    pub(crate) fn event(
        &mut self,
        unit: UnitId,
        kind: EventKind,
        obj: Option<ObjId>,
        detail: Option<String>,
    ) -> u32 {
        let ix = self.trace.record(
            Event {
                time: self.now,
                unit,
                kind,
                obj,
            },
            detail,
        );
        // The line the unit's program last said it is at (0: it never said).
        if let Some(u) = self.units.get(unit.index()) {
            let line = u.mailbox.line.get();
            if line != 0 {
                self.trace.lines.push((ix, line));
            }
        }
        ix
    }

    #[inline]
    pub(crate) fn link(&mut self, from: Option<u32>, to: u32, kind: LinkKind) {
        if let Some(from) = from
            && from != to
        {
            self.trace.links.push(Link { from, to, kind });
        }
    }

    pub(crate) fn counter(&mut self, o: ObjId) {
        let Some(obj) = self.objs.get(o.index()) else {
            return;
        };
        if let Some(ix) = obj.counter {
            let v = crate::prims::counter_value(obj);
            push_point(&mut self.trace.counters[ix].points, self.now, v);
        }
    }

    pub(crate) fn name(&self, u: UnitId) -> String {
        self.trace
            .units
            .get(u.index())
            .map_or_else(|| format!("#{}", u.0), |x| x.name.clone())
    }

    pub(crate) fn obj_name(&self, o: ObjId) -> String {
        self.objs
            .get(o.index())
            .map_or_else(|| format!("#{}", o.number()), |x| x.info.name.clone())
    }

    pub(crate) fn is_done(&self, u: UnitId) -> bool {
        self.units
            .get(u.index())
            .is_none_or(|x| x.status == Status::Done)
    }

    pub(crate) fn unit_ok(&self, u: UnitId) -> PyResult<()> {
        if u.index() < self.units.len() {
            Ok(())
        } else {
            Err(PyError::new(
                PyErrorKind::ValueError,
                format!("no unit #{}", u.0),
            ))
        }
    }

    // ---- applying operations ----------------------------------------------------------------

    /// Applies a request that came as words (see [`Op::into_words`]). The commonest kinds go
    /// straight to their operation, without an `Op` in between.
    #[inline(always)]
    fn dispatch_words(&mut self, u: UnitId, head: u64, word: u64) {
        use crate::program::{ObjOp, REQ_ACQUIRE, REQ_COMPUTE, REQ_RELEASE, obj_from_words};
        if self.footprint.is_some() {
            return self.dispatch_other_words(u, head, word);
        }
        let obj = obj_from_words(head);
        match head & 0xff {
            REQ_COMPUTE => self.start_compute(u, word, None),
            REQ_ACQUIRE => {
                crate::prims::apply(self, u, obj, ObjOp::acquire_from_words(head, word));
            }
            REQ_RELEASE => crate::prims::apply(self, u, obj, ObjOp::release_from_words(word)),
            _ => self.dispatch_other_words(u, head, word),
        }
    }

    #[inline(never)]
    fn dispatch_other_words(&mut self, u: UnitId, head: u64, word: u64) {
        match Op::from_words(head, word) {
            Some(op) => self.dispatch(u, op),
            None => self.not_an_op(u),
        }
    }

    #[cold]
    fn not_an_op(&mut self, u: UnitId) {
        self.finish_unit(
            u,
            Err(PyError::runtime(
                "a unit awaited something that is not a simulator operation",
            )),
        );
    }

    /// Applies `op` for `u`. The two operations that dominate every program (object
    /// operations and `compute`) go straight to their handlers; `apply`, one big match for
    /// the rest, costs more to enter than these operations' own work.
    #[inline(always)]
    fn dispatch(&mut self, u: UnitId, op: Op) {
        if self.footprint.is_some() {
            self.note_footprint(&op);
        }
        match op {
            Op::Obj(o, op) => crate::prims::apply(self, u, o, op),
            Op::Compute(d) => {
                // Owns nothing: forgetting it spares the out-of-line drop of the whole `Op`.
                std::mem::forget(op);
                self.start_compute(u, d, None);
            }
            op => self.apply(u, op),
        }
    }

    /// What `op` will touch, for the explorer's reduction (only called while recording).
    fn note_footprint(&mut self, op: &Op) {
        let (r, write) = match op {
            Op::Obj(
                o,
                crate::program::ObjOp::Read
                | crate::program::ObjOp::ReadAt(_)
                | crate::program::ObjOp::Locked
                | crate::program::ObjOp::IsSet
                | crate::program::ObjOp::Empty
                | crate::program::ObjOp::Full,
            ) => (Resource::Obj(*o), false),
            // Waiting on an event that is already set only reads it.
            Op::Obj(o, crate::program::ObjOp::Wait(_))
                if matches!(
                    self.objs.get(o.index()).map(|x| &x.state),
                    Some(crate::prims::ObjState::Event { flag: true })
                ) =>
            {
                (Resource::Obj(*o), false)
            }
            Op::Obj(o, _) => (Resource::Obj(*o), true),
            // A unit's life changes only when it starts, ends, is cancelled or
            // terminated, or has its daemon flag set. Asking about it, or waiting for it
            // (which only adds a waiter that the change wakes), reads it: two joins of
            // one thread commute, and a join conflicts with the end it waits for.
            Op::Start(t) | Op::SetDaemon(t, _) | Op::Terminate(t) | Op::Cancel(t) => {
                (Resource::Unit(*t), true)
            }
            Op::AwaitStarted(t)
            | Op::Join(t, _)
            | Op::IsAlive(t)
            | Op::ExitCode(t)
            | Op::UnitDone(t)
            | Op::UnitResult(t) => (Resource::Unit(*t), false),
            Op::AwaitUnit { unit, .. } => (Resource::Unit(*unit), false),
            _ => (Resource::Global, true),
        };
        self.touch(r, write);
    }

    /// Every operation but the two `dispatch` handles itself.
    fn apply(&mut self, u: UnitId, op: Op) {
        let result: PyResult<()> = match op {
            Op::Begin => Ok(()),
            Op::ContinueCompute => {
                self.run_chunk(u);
                Ok(())
            }
            Op::Obj(..) | Op::Compute(_) => Err(crate::prims::internal(
                "object operations and compute are dispatched directly",
            )),
            Op::Sleep(d) => {
                self.event(u, EventKind::Sleep, None, Some(fmt_nanos(d)));
                let at = self.now.saturating_add(d);
                self.block(u, Wait::Sleep, Some(at), false);
                Ok(())
            }
            Op::Io(d, label) => {
                self.event(u, EventKind::Io, None, label.map(String::from));
                let at = self.now.saturating_add(d);
                self.block(u, Wait::Io, Some(at), false);
                Ok(())
            }
            Op::AsyncSleep(d) => self.async_sleep(u, d),
            Op::Now => {
                self.complete(u, Ok(Ret::Int(i64::try_from(self.now).unwrap_or(i64::MAX))));
                Ok(())
            }
            Op::Print(line) => {
                self.event(u, EventKind::Print, None, Some(line.clone()));
                self.trace.output.push((self.now, u, line));
                self.complete(u, Ok(Ret::None));
                Ok(())
            }
            Op::SetResult(kv) => {
                let (key, value) = *kv;
                self.event(u, EventKind::Result, None, Some(format!("{key} = {value}")));
                self.trace.result.insert(key, value);
                self.complete(u, Ok(Ret::None));
                Ok(())
            }
            Op::Random(bound) => {
                let r = below(&mut self.rng, bound.max(1));
                self.complete(u, Ok(Ret::Int(i64::try_from(r).unwrap_or(i64::MAX))));
                Ok(())
            }
            Op::CvarGet(_) | Op::CvarSet(..) => {
                let r = self.local_op(u, op);
                self.complete(u, r);
                Ok(())
            }
            Op::Start(t) => self.op_start(u, t),
            Op::AwaitStarted(t) => {
                if self.units[t.index()].fut.is_some() || self.is_done(t) {
                    self.complete(u, Ok(Ret::None));
                } else {
                    self.units[t.index()].joiners.push(u);
                    self.block(u, Wait::Started(t), None, false);
                }
                Ok(())
            }
            Op::SetDaemon(t, flag) => self.op_set_daemon(u, t, flag),
            Op::Join(t, d) => self.op_join(u, t, d),
            Op::Terminate(t) => self.op_terminate(u, t),
            Op::IsAlive(t) => self.unit_ok(t).map(|()| {
                let x = &self.units[t.index()];
                let alive = x.started && x.status != Status::Done;
                self.complete(u, Ok(Ret::Bool(alive)));
            }),
            Op::ExitCode(t) => self.unit_ok(t).map(|()| {
                let code = self
                    .procs
                    .get(self.units[t.index()].proc_ix)
                    .and_then(|p| if p.main == t { p.exit_code } else { None });
                let r = code.map_or(Ret::None, |c| Ret::Int(i64::from(c)));
                self.complete(u, Ok(r));
            }),
            Op::RunLoop(main) => self.op_run_loop(u, main),
            Op::CallLater(cb, d) => self.op_call_at(u, cb, self.now.saturating_add(d)),
            Op::CallAt(cb, t) => self.op_call_at(u, cb, t),
            Op::CallSoonIn(cb, via) => self.op_call_soon_in(u, cb, via),
            Op::Cancel(t) => self.unit_ok(t).map(|()| {
                let r = self.cancel_unit(t, Some(u));
                self.complete(u, Ok(Ret::Bool(r)));
            }),
            Op::AwaitUnit { unit, shield } => self.op_await_unit(u, unit, shield),
            Op::UnitDone(t) => self.unit_ok(t).map(|()| {
                let d = self.is_done(t);
                self.complete(u, Ok(Ret::Bool(d)));
            }),
            Op::UnitResult(t) => {
                self.unit_ok(t)
                    .and_then(|()| match &self.units[t.index()].result {
                        Some(r) => {
                            let r = r.clone().map(Ret::Value);
                            self.complete(u, r);
                            Ok(())
                        }
                        None => Err(PyError::new(
                            PyErrorKind::InvalidStateError,
                            "Result is not set.",
                        )),
                    })
            }
            Op::Gather {
                units,
                return_exceptions,
            } => self.op_multi(
                u,
                units,
                MultiKind::Gather { return_exceptions },
                Deadline::Never,
            ),
            Op::WaitUnits(args) => {
                let (units, deadline, when) = *args;
                if units.is_empty() {
                    Err(PyError::new(
                        PyErrorKind::ValueError,
                        "Set of Tasks/Futures is empty.",
                    ))
                } else {
                    self.op_multi(u, units, MultiKind::Wait(when), deadline)
                }
            }
            Op::WaitFor { unit, deadline } => {
                self.op_multi(u, vec![unit], MultiKind::WaitFor, deadline)
            }
            Op::ToThread(t) => self.op_to_thread(u, t),
        };
        if let Err(e) = result {
            self.complete(u, Err(e));
        }
    }

    fn async_sleep(&mut self, u: UnitId, d: Nanos) -> PyResult<()> {
        if !self.units[u.index()].in_task {
            return Err(PyError::runtime(
                "no running event loop (asyncio.sleep outside a task)",
            ));
        }
        self.event(
            u,
            EventKind::Sleep,
            None,
            Some(format!("asyncio.sleep({})", fmt_nanos(d))),
        );
        let at = self.now.saturating_add(d);
        self.block(u, Wait::AsyncSleep, Some(at), true);
        Ok(())
    }

    fn op_start(&mut self, u: UnitId, t: UnitId) -> PyResult<()> {
        self.unit_ok(t)?;
        let target = &self.units[t.index()];
        let is_process = target.info.kind == UnitKind::Process;
        match target.spawn_kind {
            SpawnKind::Thread | SpawnKind::Process => {}
            _ => {
                return Err(PyError::new(
                    PyErrorKind::TypeError,
                    "only threads and processes are started",
                ));
            }
        }
        if target.started {
            return Err(if is_process {
                PyError::new(PyErrorKind::AssertionError, "cannot start a process twice")
            } else {
                PyError::runtime("threads can only be started once")
            });
        }
        if is_process
            && self.units[self.units[u.index()].info.process.index()]
                .info
                .daemon
        {
            return Err(PyError::new(
                PyErrorKind::AssertionError,
                "daemonic processes are not allowed to have children",
            ));
        }
        let ev = self.event(u, EventKind::Start, None, Some(self.name(t)));
        let target = &mut self.units[t.index()];
        target.started = true;
        target.start_event = Some(ev);
        target.pending = Some(Op::Begin);
        if is_process {
            let at = self.now.saturating_add(self.machine.costs.process_spawn);
            self.block(t, Wait::Starting, Some(at), false);
            self.start_compute(u, self.machine.costs.thread_spawn, None);
        } else {
            self.make_runnable(t);
            let after = After::Op(Op::AwaitStarted(t));
            self.start_compute(u, self.machine.costs.thread_spawn, Some(after));
        }
        Ok(())
    }

    fn op_set_daemon(&mut self, u: UnitId, t: UnitId, flag: bool) -> PyResult<()> {
        self.unit_ok(t)?;
        let target = &mut self.units[t.index()];
        if target.started {
            return Err(if target.info.kind == UnitKind::Process {
                PyError::new(PyErrorKind::AssertionError, "process has already started")
            } else {
                PyError::runtime("cannot set daemon status of active thread")
            });
        }
        target.info.daemon = flag;
        self.trace.units[t.index()].daemon = flag;
        self.complete(u, Ok(Ret::None));
        Ok(())
    }

    fn op_join(&mut self, u: UnitId, t: UnitId, d: Deadline) -> PyResult<()> {
        self.unit_ok(t)?;
        let target = &self.units[t.index()];
        let is_process = target.info.kind == UnitKind::Process;
        if !target.started {
            return Err(if is_process {
                PyError::new(
                    PyErrorKind::AssertionError,
                    "can only join a started process",
                )
            } else {
                PyError::runtime("cannot join thread before it is started")
            });
        }
        if t == self.os_thread(u) {
            return Err(PyError::runtime("cannot join current thread"));
        }
        if is_process
            && target
                .info
                .parent
                .map(|p| self.units[p.index()].info.process)
                != Some(self.units[u.index()].info.process)
        {
            return Err(PyError::new(
                PyErrorKind::AssertionError,
                "can only join a child process",
            ));
        }
        if target.status == Status::Done {
            let ev = self.event(u, EventKind::Join, None, Some(self.name(t)));
            let exit = self.units[t.index()].exit_event;
            self.link(exit, ev, LinkKind::Join);
            self.complete(u, Ok(Ret::None));
            return Ok(());
        }
        let deadline = self.resolve(d);
        if deadline == Some(self.now) {
            self.complete(u, Ok(Ret::None));
            return Ok(());
        }
        self.units[t.index()].joiners.push(u);
        self.block(u, Wait::Join(t), deadline, false);
        Ok(())
    }

    fn op_terminate(&mut self, u: UnitId, t: UnitId) -> PyResult<()> {
        self.unit_ok(t)?;
        let target = &self.units[t.index()];
        if target.info.kind != UnitKind::Process {
            return Err(PyError::new(
                PyErrorKind::TypeError,
                "only processes can be terminated",
            ));
        }
        if target.status != Status::Done && target.started {
            self.event(u, EventKind::Terminate, None, Some(self.name(t)));
            self.kill_process(t, -15);
        }
        self.complete(u, Ok(Ret::None));
        Ok(())
    }

    fn op_run_loop(&mut self, u: UnitId, main: UnitId) -> PyResult<()> {
        self.unit_ok(main)?;
        if self.units[u.index()].in_task {
            return Err(PyError::runtime(
                "asyncio.run() cannot be called from a running event loop",
            ));
        }
        let l = self.loops.len();
        self.loops.push(EventLoop {
            host: u,
            main,
            ready: VecDeque::new(),
            current: None,
            members: Vec::new(),
            closing: false,
        });
        self.units[u.index()].loop_ix = Some(l);
        self.block(u, Wait::Loop(l), None, false);
        self.schedule_in_loop(main, l);
        self.refresh_loop_display(l);
        Ok(())
    }

    fn op_call_at(&mut self, u: UnitId, cb: UnitId, at: Nanos) -> PyResult<()> {
        self.unit_ok(cb)?;
        let Some(l) = self.task_loop(u) else {
            return Err(PyError::runtime("no running event loop"));
        };
        self.add_callback(u, cb, l, at);
        Ok(())
    }

    /// `call_soon_threadsafe` from unit `u`: `cb` runs on the loop task `via` belongs to, if
    /// that loop still runs.
    fn op_call_soon_in(&mut self, u: UnitId, cb: UnitId, via: UnitId) -> PyResult<()> {
        self.unit_ok(cb)?;
        self.unit_ok(via)?;
        let running = |l: usize| self.units[self.loops[l].host.index()].wait == Some(Wait::Loop(l));
        let Some(l) = self.task_loop(via).filter(|&l| running(l)) else {
            return Err(PyError::runtime("Event loop is closed"));
        };
        self.add_callback(u, cb, l, self.now);
        Ok(())
    }

    /// Puts callback `cb` on loop `l`, due at `at`, and answers `u`.
    fn add_callback(&mut self, u: UnitId, cb: UnitId, l: usize, at: Nanos) {
        // It runs on the loop's thread (which holds the GIL for it), whoever scheduled it.
        let host = self.loops[l].host;
        self.units[cb.index()].info.host = Some(host);
        let unit = &mut self.units[cb.index()];
        unit.loop_ix = Some(l);
        unit.started = true;
        unit.pending = Some(Op::Begin);
        self.loops[l].members.push(cb);
        if at <= self.now {
            self.make_runnable(cb);
        } else {
            self.block(cb, Wait::Starting, Some(at), false);
        }
        self.complete(u, Ok(Ret::None));
    }

    fn op_await_unit(&mut self, u: UnitId, t: UnitId, shield: bool) -> PyResult<()> {
        self.unit_ok(t)?;
        if !self.units[u.index()].in_task {
            return Err(PyError::runtime(
                "'await' outside a task: use join() in threads",
            ));
        }
        if t == u {
            return Err(PyError::runtime("a task cannot await itself"));
        }
        if self.units[t.index()].status == Status::Done {
            let r = self.unit_outcome(t);
            self.complete(u, r);
            return Ok(());
        }
        self.units[t.index()].joiners.push(u);
        self.units[u.index()].shielded = shield;
        self.block(u, Wait::AwaitUnit(t), None, true);
        Ok(())
    }

    fn op_to_thread(&mut self, u: UnitId, t: UnitId) -> PyResult<()> {
        self.unit_ok(t)?;
        if !self.units[u.index()].in_task {
            return Err(PyError::runtime(
                "no running event loop (to_thread outside a task)",
            ));
        }
        let ev = self.event(u, EventKind::Start, None, Some(self.name(t)));
        let target = &mut self.units[t.index()];
        target.started = true;
        target.start_event = Some(ev);
        target.pending = Some(Op::Begin);
        self.make_runnable(t);
        self.units[t.index()].joiners.push(u);
        self.units[u.index()].shielded = true;
        self.block(u, Wait::AwaitUnit(t), None, true);
        Ok(())
    }

    /// The value an `await` of a finished unit produces.
    fn unit_outcome(&self, t: UnitId) -> Reply {
        let unit = &self.units[t.index()];
        if unit.cancelled {
            return Err(PyError::cancelled());
        }
        match &unit.result {
            Some(Ok(v)) => Ok(Ret::Value(v.clone())),
            Some(Err(e)) => Err(e.clone()),
            None => Ok(Ret::None),
        }
    }

    fn op_multi(
        &mut self,
        u: UnitId,
        units: Vec<UnitId>,
        kind: MultiKind,
        d: Deadline,
    ) -> PyResult<()> {
        for &t in &units {
            self.unit_ok(t)?;
        }
        if !self.units[u.index()].in_task {
            return Err(PyError::runtime(
                "no running event loop (await outside a task)",
            ));
        }
        let deadline = self.resolve(d);
        for &t in &units {
            if !self.units[t.index()].joiners.contains(&u) {
                self.units[t.index()].joiners.push(u);
            }
        }
        self.units[u.index()].multi = Some(MultiWait { kind, units });
        if !self.check_multi(u) {
            self.units[u.index()].pending = None;
            self.block(u, Wait::Multi, deadline, true);
        }
        Ok(())
    }

    /// Completes a gather/wait/wait_for if its condition holds. Returns whether it did.
    fn check_multi(&mut self, u: UnitId) -> bool {
        let Some(m) = self.units[u.index()].multi.clone() else {
            return false;
        };
        let done: Vec<UnitId> = m
            .units
            .iter()
            .copied()
            .filter(|&t| self.is_done(t))
            .collect();
        let failed = |s: &Self, t: UnitId| {
            let x = &s.units[t.index()];
            x.cancelled || matches!(x.result, Some(Err(_)))
        };
        let reply = match m.kind {
            MultiKind::Gather { return_exceptions } => {
                if !return_exceptions {
                    let first_failure = done
                        .iter()
                        .copied()
                        .filter(|&t| failed(self, t))
                        .min_by_key(|&t| self.units[t.index()].done_seq);
                    if let Some(t) = first_failure {
                        Some(self.unit_outcome(t).map(|_| Ret::None))
                    } else if done.len() == m.units.len() {
                        Some(Ok(Ret::Results(
                            m.units
                                .iter()
                                .map(|&t| self.unit_outcome(t).map(ret_value))
                                .collect(),
                        )))
                    } else {
                        None
                    }
                } else if done.len() == m.units.len() {
                    Some(Ok(Ret::Results(
                        m.units
                            .iter()
                            .map(|&t| self.unit_outcome(t).map(ret_value))
                            .collect(),
                    )))
                } else {
                    None
                }
            }
            MultiKind::Wait(when) => {
                use crate::program::ReturnWhen::*;
                let ready = match when {
                    FirstCompleted => !done.is_empty(),
                    FirstException => {
                        done.len() == m.units.len()
                            || done.iter().any(|&t| {
                                matches!(self.units[t.index()].result, Some(Err(_)))
                                    && !self.units[t.index()].cancelled
                            })
                    }
                    AllCompleted => done.len() == m.units.len(),
                };
                ready.then(|| Ok(self.split(&m.units)))
            }
            MultiKind::WaitFor => {
                let t = m.units[0];
                self.is_done(t).then(|| self.unit_outcome(t))
            }
        };
        match reply {
            Some(r) => {
                for &t in &m.units {
                    if let Some(x) = self.units.get_mut(t.index()) {
                        x.joiners.retain(|&j| j != u);
                    }
                }
                self.complete(u, r);
                true
            }
            None => false,
        }
    }

    fn split(&self, units: &[UnitId]) -> Ret {
        let (done, pending): (Vec<UnitId>, Vec<UnitId>) =
            units.iter().copied().partition(|&t| self.is_done(t));
        Ret::Split(Box::new((done, pending)))
    }

    fn multi_timeout(&mut self, u: UnitId) {
        let Some(m) = self.units[u.index()].multi.clone() else {
            return;
        };
        for &t in &m.units {
            if let Some(x) = self.units.get_mut(t.index()) {
                x.joiners.retain(|&j| j != u);
            }
        }
        match m.kind {
            MultiKind::Wait(_) => {
                let r = self.split(&m.units);
                self.complete(u, Ok(r));
            }
            MultiKind::WaitFor => {
                self.event(u, EventKind::Timeout, None, Some(self.name(m.units[0])));
                self.cancel_unit(m.units[0], Some(u));
                self.complete(u, Err(PyError::new(PyErrorKind::TimeoutError, "")));
            }
            MultiKind::Gather { .. } => {}
        }
    }

    /// `Task.cancel()` / `Handle.cancel()`. Returns False when the unit already finished.
    pub(crate) fn cancel_unit(&mut self, t: UnitId, by: Option<UnitId>) -> bool {
        let unit = &self.units[t.index()];
        if unit.status == Status::Done {
            return false;
        }
        if !unit.in_task {
            // Threads cannot be cancelled in Python; to_thread keeps running.
            return false;
        }
        self.event(by.unwrap_or(t), EventKind::Cancel, None, Some(self.name(t)));
        let unit = &self.units[t.index()];
        if unit.spawn_kind == SpawnKind::Callback && unit.fut.is_none() {
            // A callback that has not run yet is simply dropped.
            self.units[t.index()].cancelled = true;
            self.finish_unit(t, Err(PyError::cancelled()));
            return true;
        }
        if unit.status == Status::Blocked && unit.async_wait {
            match unit.wait.clone() {
                Some(Wait::AwaitUnit(x)) if !unit.shielded && self.cancel_unit(x, Some(t)) => {
                    return true;
                }
                Some(Wait::AwaitFuture(f)) => {
                    crate::prims::cancel_future(self, f, t);
                    if self.units[t.index()].status != Status::Blocked {
                        return true;
                    }
                }
                Some(Wait::Multi) => {
                    if let Some(m) = self.units[t.index()].multi.clone()
                        && matches!(m.kind, MultiKind::Gather { .. } | MultiKind::WaitFor)
                    {
                        for x in m.units {
                            self.cancel_unit(x, Some(t));
                        }
                    }
                }
                _ => {}
            }
            if self.units[t.index()].status == Status::Blocked {
                let wait = self.units[t.index()].wait.clone();
                if let Some(w) = wait {
                    self.detach_wait_target(t, &w);
                }
                self.units[t.index()].pending = None;
                self.complete(t, Err(PyError::cancelled()));
            }
            return true;
        }
        self.units[t.index()].must_cancel = true;
        true
    }

    /// Removes `u` from whatever list it is waiting in.
    pub(crate) fn detach_wait_target(&mut self, u: UnitId, wait: &Wait) {
        match wait {
            Wait::Obj(o) | Wait::AwaitFuture(o) => crate::prims::detach(self, u, *o),
            Wait::Join(t) | Wait::AwaitUnit(t) | Wait::Started(t) => {
                if let Some(x) = self.units.get_mut(t.index()) {
                    x.joiners.retain(|&j| j != u);
                }
            }
            Wait::Multi => {
                if let Some(m) = self.units[u.index()].multi.take() {
                    for t in m.units {
                        if let Some(x) = self.units.get_mut(t.index()) {
                            x.joiners.retain(|&j| j != u);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    // ---- finishing --------------------------------------------------------------------------

    /// The unit's program returned (or raised).
    fn unit_returned(&mut self, u: UnitId, result: PyResult<Value>) {
        let is_process_main = self.units[u.index()].info.kind == UnitKind::Process;
        if is_process_main {
            // The interpreter shuts down: wait for non-daemon threads and children first.
            let unit = &mut self.units[u.index()];
            unit.fut = None;
            if let Err(e) = &result {
                self.record_error(u, e.clone());
            }
            self.units[u.index()].result = Some(result);
            let pix = self.units[u.index()].proc_ix;
            self.procs[pix].exiting = true;
            self.remove_runnable(u);
            self.maybe_exit_process(pix);
        } else {
            self.finish_unit(u, result);
        }
    }

    fn record_error(&mut self, u: UnitId, e: PyError) {
        self.event(u, EventKind::Error, None, Some(e.to_string()));
        self.trace.errors.push(UnitError {
            unit: u,
            time: self.now,
            error: e,
        });
    }

    /// Ends a thread, task or callback (not a process main thread: see `exit_process`).
    pub(crate) fn finish_unit(&mut self, u: UnitId, result: PyResult<Value>) {
        self.touch(Resource::Unit(u), true);
        if self.units[u.index()].status == Status::Done {
            return;
        }
        let cancelled = matches!(&result, Err(e) if e.kind == PyErrorKind::CancelledError)
            && self.units[u.index()].in_task;
        match &result {
            Err(_) if cancelled => {}
            Err(e) => self.record_error(u, e.clone()),
            Ok(_) => {}
        }
        let ev = self.event(
            u,
            if cancelled {
                EventKind::Cancel
            } else {
                EventKind::Exit
            },
            None,
            None,
        );
        self.retire(u, ev);
        self.done_counter += 1;
        let unit = &mut self.units[u.index()];
        unit.cancelled = cancelled;
        unit.result = Some(result);
        unit.done_seq = self.done_counter;
        self.wake_joiners(u);
        let unit = &self.units[u.index()];
        if let Some(l) = self.task_loop(u) {
            let is_main = self.loops[l].main == u;
            if is_main {
                self.close_loop(l);
            }
            self.check_loop_done(l);
            self.release_gil_if_loop_idle(l);
            self.refresh_loop_display(l);
        } else if unit.spawn_kind != SpawnKind::Process {
            let pix = unit.proc_ix;
            if self.procs[pix].exiting {
                self.maybe_exit_process(pix);
            }
        }
    }

    /// Takes a unit off every run structure and marks it done.
    fn retire(&mut self, u: UnitId, exit_event: u32) {
        self.remove_runnable(u);
        self.release_core(u);
        let unit = &mut self.units[u.index()];
        unit.status = Status::Done;
        unit.fut = None;
        unit.pending = None;
        unit.after = None;
        unit.epoch = unit.epoch.wrapping_add(1);
        unit.exit_event = Some(exit_event);
        if let Some(w) = unit.wait.take() {
            self.detach_wait_target(u, &w);
        }
        if let Some(l) = self.task_loop(u) {
            let lp = &mut self.loops[l];
            if lp.current == Some(u) {
                lp.current = None;
            }
            lp.ready.retain(|&t| t != u);
        } else if self.machine.gil {
            self.drop_gil(u);
        }
        self.close_span(u);
    }

    fn wake_joiners(&mut self, u: UnitId) {
        let joiners = std::mem::take(&mut self.units[u.index()].joiners);
        let exit = self.units[u.index()].exit_event;
        for j in joiners {
            match self.units[j.index()].wait.clone() {
                Some(Wait::Join(t)) if t == u => {
                    let ev = self.event(j, EventKind::Join, None, Some(self.name(u)));
                    self.link(exit, ev, LinkKind::Join);
                    self.complete(j, Ok(Ret::None));
                }
                Some(Wait::Started(t)) if t == u => self.complete(j, Ok(Ret::None)),
                Some(Wait::AwaitUnit(t)) if t == u => {
                    let ev = self.event(j, EventKind::Wake, None, Some(self.name(u)));
                    self.link(exit, ev, LinkKind::Join);
                    let r = self.unit_outcome(u);
                    self.complete(j, r);
                }
                Some(Wait::Multi) => {
                    self.check_multi(j);
                }
                _ => {}
            }
        }
    }

    /// asyncio.run's end: the main task finished, so every other task is cancelled.
    fn close_loop(&mut self, l: usize) {
        self.loops[l].closing = true;
        let members = self.loops[l].members.clone();
        for t in members {
            if !self.is_done(t) {
                let unit = &self.units[t.index()];
                if unit.spawn_kind == SpawnKind::Callback {
                    self.kill_unit(t);
                } else if unit.spawn_kind == SpawnKind::Task {
                    self.cancel_unit(t, None);
                }
            }
        }
    }

    fn check_loop_done(&mut self, l: usize) {
        let lp = &self.loops[l];
        if !lp.closing || lp.members.iter().any(|&t| !self.is_done(t)) {
            return;
        }
        let host = lp.host;
        let main = lp.main;
        if self.units[host.index()].wait == Some(Wait::Loop(l)) {
            let r = self.unit_outcome(main);
            self.complete(host, r);
        }
    }

    fn maybe_exit_process(&mut self, pix: usize) {
        let main = self.procs[pix].main;
        if !self.procs[pix].exiting || self.is_done(main) {
            return;
        }
        let live_threads = self.procs[pix].threads.iter().any(|&t| {
            !self.is_done(t) && self.units[t.index()].started && !self.units[t.index()].info.daemon
        });
        if !live_threads && !self.procs[pix].daemons_terminated {
            self.procs[pix].daemons_terminated = true;
            let children = self.procs[pix].children.clone();
            for c in children {
                if self.units[c.index()].info.daemon
                    && self.units[c.index()].started
                    && !self.is_done(c)
                {
                    self.event(main, EventKind::Terminate, None, Some(self.name(c)));
                    self.kill_process(c, -15);
                }
            }
        }
        let live_children = self.procs[pix].children.iter().any(|&c| {
            !self.is_done(c) && self.units[c.index()].started && !self.units[c.index()].info.daemon
        });
        if live_threads || live_children {
            if self.units[main.index()].wait != Some(Wait::Shutdown) {
                self.block(main, Wait::Shutdown, None, false);
            }
            return;
        }
        let code = match &self.units[main.index()].result {
            Some(Err(e)) if e.kind == PyErrorKind::SystemExit => e.message.parse().unwrap_or(1),
            Some(Err(_)) => 1,
            _ => 0,
        };
        self.exit_process(pix, code);
    }

    fn exit_process(&mut self, pix: usize, code: i32) {
        let main = self.procs[pix].main;
        // Daemon threads die with the interpreter.
        let threads = self.procs[pix].threads.clone();
        for t in threads {
            if !self.is_done(t) && self.units[t.index()].started {
                self.kill_unit(t);
            }
        }
        self.procs[pix].exit_code = Some(code);
        crate::prims::pipe::process_gone(self, main);
        let ev = self.event(
            main,
            EventKind::Exit,
            None,
            Some(format!("exit code {code}")),
        );
        self.retire(main, ev);
        self.done_counter += 1;
        self.units[main.index()].done_seq = self.done_counter;
        self.wake_joiners(main);
        if let Some(parent) = self.units[main.index()].info.parent {
            let ppix = self.units[parent.index()].proc_ix;
            if self.procs[ppix].exiting {
                self.maybe_exit_process(ppix);
            }
        }
    }

    /// Stops a unit where it stands (daemon threads at exit, terminated processes).
    fn kill_unit(&mut self, u: UnitId) {
        if self.is_done(u) {
            return;
        }
        // Tasks on a killed loop thread die with it.
        if let Some(l) = self.units[u.index()]
            .loop_ix
            .filter(|_| !self.units[u.index()].in_task)
        {
            let members = self.loops[l].members.clone();
            for t in members {
                self.kill_unit(t);
            }
        }
        self.check_lost_wakeup(u);
        let ev = self.event(u, EventKind::Killed, None, None);
        self.retire(u, ev);
        self.done_counter += 1;
        self.units[u.index()].done_seq = self.done_counter;
        if self.units[u.index()].in_task {
            self.units[u.index()].cancelled = true;
        }
        self.wake_joiners(u);
    }

    fn kill_process(&mut self, p: UnitId, code: i32) {
        let pix = self.units[p.index()].proc_ix;
        let threads = self.procs[pix].threads.clone();
        for t in threads {
            if t != p {
                self.kill_unit(t);
            }
        }
        if self.units[p.index()].status == Status::Done {
            return;
        }
        self.procs[pix].exit_code = Some(code);
        crate::prims::pipe::process_gone(self, p);
        let ev = self.event(
            p,
            EventKind::Killed,
            None,
            Some(format!("exit code {code}")),
        );
        self.retire(p, ev);
        self.done_counter += 1;
        self.units[p.index()].done_seq = self.done_counter;
        self.wake_joiners(p);
        if let Some(parent) = self.units[p.index()].info.parent {
            let ppix = self.units[parent.index()].proc_ix;
            if self.procs[ppix].exiting {
                self.maybe_exit_process(ppix);
            }
        }
    }

    // ---- metrics ----------------------------------------------------------------------------

    fn metrics(&self) -> Metrics {
        let makespan = self
            .trace
            .spans
            .iter()
            .map(|s| s.end)
            .max()
            .unwrap_or(0)
            .max(self.now);
        let mut busy = vec![0u64; self.machine.cores as usize];
        let mut units: Vec<UnitMetrics> = self
            .units
            .iter()
            .map(|u| UnitMetrics {
                unit: u.info.id,
                ..UnitMetrics::default()
            })
            .collect();
        let mut gil_wait = 0;
        for s in &self.trace.spans {
            let d = s.end - s.start;
            let m = &mut units[s.unit.index()];
            match s.state {
                State::Running => {
                    m.running += d;
                    if let Some(c) = s.core.and_then(|c| busy.get_mut(c as usize)) {
                        *c += d;
                    }
                }
                State::Ready => m.ready += d,
                State::WaitingGil => {
                    m.waiting_gil += d;
                    gil_wait += d;
                }
                State::Blocked => m.blocked += d,
                State::Sleeping => m.sleeping += d,
                State::Io => m.io += d,
                State::Idle | State::Loop | State::Starting => {}
            }
        }
        for m in &mut units {
            m.waiting = m.ready + m.waiting_gil + m.blocked;
        }
        Metrics {
            makespan,
            steps: self.steps,
            events: self.trace.events.len() as u64,
            core_utilisation: busy
                .iter()
                .map(|&b| {
                    if makespan == 0 {
                        0.0
                    } else {
                        b as f64 / makespan as f64
                    }
                })
                .collect(),
            units,
            gil_wait,
            gil_switches: self.gil_switches,
            context_switches: self.context_switches,
        }
    }

    /// Why a unit blocked on an object waits, and who could release it.
    fn obj_wait_reason(&self, u: UnitId, o: ObjId) -> (String, Option<UnitId>) {
        crate::prims::wait_reason(self, u, o)
    }
}

enum Verdict {
    Yes,
    No,
    Excluded,
}

fn gil_verdict(gil: bool, p: &Proc, os: UnitId) -> Verdict {
    if !gil {
        return Verdict::Yes;
    }
    match p.gil_holder {
        Some(h) if h == os => Verdict::Yes,
        Some(_) => Verdict::No,
        None if p.forced_out == Some(os) => Verdict::Excluded,
        None => Verdict::Yes,
    }
}

fn ret_value(r: Ret) -> Value {
    match r {
        Ret::Value(v) => v,
        Ret::Bool(b) => Value::Bool(b),
        Ret::Int(i) => Value::Int(i),
        _ => Value::None,
    }
}

fn push_point(points: &mut Vec<(Nanos, i64)>, t: Nanos, v: i64) {
    match points.last_mut() {
        Some(last) if last.1 == v => {}
        Some(last) if last.0 == t => last.1 = v,
        _ => points.push((t, v)),
    }
}

fn describe_edge(e: &WaitEdge) -> String {
    format!("{} waits for {}", e.unit_name, e.waits_for)
}

/// Follows `holder` edges from each blocked unit; returns the first cycle found.
fn find_cycle(edges: &[WaitEdge]) -> Vec<WaitEdge> {
    let by_unit: BTreeMap<UnitId, &WaitEdge> = edges.iter().map(|e| (e.unit, e)).collect();
    for start in edges {
        let mut path: Vec<UnitId> = Vec::new();
        let mut cur = start.unit;
        loop {
            if let Some(pos) = path.iter().position(|&p| p == cur) {
                return path[pos..]
                    .iter()
                    .filter_map(|u| by_unit.get(u).map(|e| (*e).clone()))
                    .collect();
            }
            path.push(cur);
            match by_unit.get(&cur).and_then(|e| e.holder) {
                Some(next) if by_unit.contains_key(&next) => cur = next,
                _ => break,
            }
        }
    }
    Vec::new()
}

/// Runs `program` as the main thread on `machine` with `seed` and `scheduler` to the end.
pub fn simulate(
    machine: Machine,
    seed: u64,
    scheduler: &SchedulerKind,
    program: Program,
) -> Result<Trace, String> {
    let mut sim = Sim::new(machine, seed, scheduler)?;
    sim.spawn_main("MainProcess", program);
    Ok(sim.run())
}
