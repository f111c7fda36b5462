//! The discrete-event kernel: units, cores, GILs, event loops, timers and the step loop.
//!
//! One `step()` makes one scheduling decision: it collects the units that could run now
//! (a free core, and the GIL of their process if it has one), lets the scheduler pick one,
//! resumes that unit until it issues its next operation and applies the operation. When no
//! unit can run, virtual time jumps to the next timer (a compute quantum ending, a sleep or
//! I/O finishing, a timeout). When nothing can run and no timer is pending, the run is over:
//! completed if every unit finished, otherwise a deadlock.

use std::collections::{BTreeMap, VecDeque};
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

mod dispatch;
mod exec;
mod finish;
mod gil;
mod lifecycle;
mod metrics;
mod parts;

pub(crate) use parts::{Cores, Decisions, Gil, Timer, Timers, Verdict};
mod record;
mod step;
mod surface;

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
    /// How it was spawned (an executor thread and a callback differ from a plain thread and
    /// task in what they inherit and how they end).
    pub(crate) spawn_kind: SpawnKind,
    /// Where it is in its life: created, runnable, blocked, done.
    pub(crate) status: Status,
    /// Its body before it starts; taken (into `fut`) when it begins.
    pub(crate) program: Option<Program>,
    /// Its running body, polled by the kernel; `None` before it begins and once it ends.
    pub(crate) fut: Option<BoxFuture>,
    /// Its request and reply slots (shared with its `Ctx`).
    pub(crate) mailbox: Rc<Mailbox>,
    /// An operation taken from the mailbox that has not been applied yet (it waits for a
    /// core, the GIL or its loop).
    pub(crate) pending: Option<Op>,
    /// What happens when its compute chunk or timed wait completes.
    pub(crate) after: Option<After>,
    /// When it last became ready (a global counter): candidates are offered oldest first.
    pub(crate) ready_seq: u64,
    /// Whether it is in its process's ready queue.
    pub(crate) in_runnable: bool,
    /// Neighbours in the process's ready queue while `in_runnable`.
    pub(crate) ready_prev: Option<UnitId>,
    pub(crate) ready_next: Option<UnitId>,
    /// Bumped whenever it blocks or is answered: a timer set for an older epoch is stale.
    pub(crate) epoch: u32,
    /// What it is blocked on, while blocked.
    pub(crate) wait: Option<Wait>,
    /// Whether its block is an `await` (a task's), which cancellation may interrupt.
    pub(crate) async_wait: bool,
    /// The units a gather / wait / wait_for is waiting on, and how.
    pub(crate) multi: Option<MultiWait>,
    /// Whether its `await` of another unit is shielded (cancelling it does not cancel that).
    pub(crate) shielded: bool,
    /// CPU time still to run of its current `compute`.
    pub(crate) compute_left: Nanos,
    /// The part of it running now, up to a quantum or a GIL switch interval.
    pub(crate) chunk: Nanos,
    /// The core it occupies while computing.
    pub(crate) core: Option<u32>,
    /// What its lane shows now, so a span starts only when that changes.
    pub(crate) display: Option<Lane>,
    /// When the lane's current span started.
    pub(crate) span_start: Nanos,
    /// Index of the unit's last recorded span, which a span in the same state that starts
    /// where it ends continues.
    pub(crate) last_span: Option<u32>,
    /// Its context variables (copied from its creator as asyncio and `copy_context` do).
    pub(crate) cvars: BTreeMap<ObjId, Value>,
    /// Units blocked joining or awaiting it (or waiting for it to start).
    pub(crate) joiners: Vec<UnitId>,
    /// Its return value or exception, once done.
    pub(crate) result: Option<PyResult<Value>>,
    /// Whether it ended cancelled.
    pub(crate) cancelled: bool,
    /// A cancel asked for before it could be delivered: raised at its next step.
    pub(crate) must_cancel: bool,
    /// Whether `start()` was called on it.
    pub(crate) started: bool,
    /// For tasks and callbacks: their loop. For loop hosts: the loop they run.
    pub(crate) loop_ix: Option<usize>,
    /// Its process's index in `Sim::procs`.
    pub(crate) proc_ix: usize,
    /// Its exit event (joiners' wake-ups link from it) and its start event.
    pub(crate) exit_event: Option<u32>,
    pub(crate) start_event: Option<u32>,
    /// The order in which it finished (`as_completed` and `FIRST_COMPLETED` read it).
    pub(crate) done_seq: u64,
    /// Whether it runs on an event loop (a task or a loop callback).
    pub(crate) in_task: bool,
}

/// What a unit's lane shows: its state, the object it waits on, the core it runs on. A span
/// of the timeline is one stretch of one `Lane`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Lane {
    pub(crate) state: State,
    pub(crate) obj: Option<ObjId>,
    pub(crate) core: Option<u16>,
}

impl Lane {
    /// Ready, waiting for nothing in particular, on no core.
    pub(crate) const READY: Lane = Lane {
        state: State::Ready,
        obj: None,
        core: None,
    };
}

/// Where a new unit lives: its process's index, its event loop (a task's or callback's) and
/// whether it runs on a loop.
pub(crate) struct Placement {
    pub(crate) proc_ix: usize,
    pub(crate) loop_ix: Option<usize>,
    pub(crate) in_task: bool,
}

impl Unit {
    /// A unit just created: not started, nothing pending, no span yet.
    pub(crate) fn new(
        info: UnitInfo,
        spawn_kind: SpawnKind,
        program: Program,
        at: Placement,
        cvars: BTreeMap<ObjId, Value>,
        now: Nanos,
    ) -> Unit {
        Unit {
            info,
            spawn_kind,
            status: Status::Created,
            program: Some(program),
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
            span_start: now,
            last_span: None,
            cvars,
            joiners: Vec::new(),
            result: None,
            cancelled: false,
            must_cancel: false,
            started: false,
            loop_ix: at.loop_ix,
            proc_ix: at.proc_ix,
            exit_event: None,
            start_event: None,
            done_seq: 0,
            in_task: at.in_task,
        }
    }
}

impl Proc {
    /// A process whose main unit is `main`, with no GIL holder, threads or children yet.
    pub(crate) fn new(main: UnitId) -> Proc {
        Proc {
            main,
            gil: Gil::default(),
            threads: Vec::new(),
            children: Vec::new(),
            exiting: false,
            daemons_terminated: false,
            runnable: ReadyQueue::default(),
            exit_code: None,
        }
    }
}

/// Per-process state: the GIL and the family.
pub(crate) struct Proc {
    pub(crate) main: UnitId,
    pub(crate) gil: Gil,
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

/// What `Sim::candidates` decided.
enum Pick {
    /// Run this unit, one of this many candidates.
    Run(UnitId, usize),
    /// No unit can run now (`cands` is empty).
    Nobody,
    /// The candidates are in `cands` (possibly none).
    Listed,
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

/// One resource a step touched, and whether it changed it (for partial-order reduction).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Touch {
    pub resource: Resource,
    pub write: bool,
}

/// A deterministic simulation of one program on one machine.
pub struct Sim {
    /// When recording (for the explorer's reduction): what the current step touched, with
    /// whether it wrote.
    footprint: Option<Vec<Touch>>,
    pub(crate) machine: Machine,
    pub(crate) now: Nanos,
    steps: u64,
    /// Boxed: a `Unit` is large, and a run that spawns thousands of them would otherwise
    /// copy the whole table every time it grows.
    #[allow(clippy::vec_box)]
    pub(crate) units: Vec<Box<Unit>>,
    pub(crate) objs: crate::prims::Objects,
    pub(crate) procs: Vec<Proc>,
    pub(crate) loops: Vec<EventLoop>,
    seq: u64,
    done_counter: u64,
    timers: Timers,
    cores: Cores,
    registry: Rc<Registry>,
    pick: Decisions,
    pub(crate) rng: Pcg64Mcg,
    pub(crate) trace: Trace,
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
        // PERF(events bench): FIFO always takes the oldest candidate, so the kernel need not
        // list the candidates nor report what ran (`candidates`).
        let oldest_only = matches!(scheduler, SchedulerKind::Fifo);
        Sim::build(machine, seed, sched, oldest_only)
    }

    /// A simulation with a scheduler built by the caller (the explorer uses this). The
    /// kernel lists every decision's candidates for it and reports every step to it.
    pub fn with_scheduler(
        machine: Machine,
        seed: u64,
        sched: Box<dyn Scheduler>,
    ) -> Result<Sim, String> {
        Sim::build(machine, seed, sched, false)
    }

    fn build(
        machine: Machine,
        seed: u64,
        sched: Box<dyn Scheduler>,
        oldest_only: bool,
    ) -> Result<Sim, String> {
        machine.validate()?;
        let footprint = None;
        let cores = Cores::new(machine.cores);
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
            objs: crate::prims::Objects::with_capacity(8),
            procs: Vec::new(),
            loops: Vec::new(),
            seq: 0,
            done_counter: 0,
            timers: Timers::default(),
            cores,
            registry: Rc::new(Registry::default()),
            pick: Decisions::new(sched, oldest_only),
            rng: Pcg64Mcg::seed_from_u64(seed),
            trace,
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
    pub fn take_footprint(&mut self) -> Vec<Touch> {
        self.footprint
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Moves what the steps since the last call touched into `buf` (cleared first), giving
    /// the kernel `buf`'s old storage to record into next.
    pub fn swap_footprint(&mut self, buf: &mut Vec<Touch>) {
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
            if self.objs.get(obj).is_none() {
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
            f.push(Touch { resource: r, write });
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
        // Set just above when the run had not ended.
        self.trace.outcome = self.outcome.take().unwrap_or_default();
        self.trace.schedule = crate::sched::Schedule {
            choices: self.pick.take_choices(),
        }
        .encode();
        self.trace.metrics = self.metrics();
        self.trace
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

/// [`simulate`], calling `progress(steps, virtual time)` every `every` scheduling steps (for a
/// progress bar).
pub fn simulate_observed(
    machine: Machine,
    seed: u64,
    scheduler: &SchedulerKind,
    program: Program,
    every: u64,
    progress: &mut dyn FnMut(u64, Nanos),
) -> Result<Trace, String> {
    let mut sim = Sim::new(machine, seed, scheduler)?;
    sim.spawn_main("MainProcess", program);
    let every = every.max(1);
    let mut steps = 0u64;
    while let Some(step) = sim.step() {
        steps += 1;
        if steps.is_multiple_of(every) {
            progress(steps, step.time);
        }
    }
    Ok(sim.finish())
}
