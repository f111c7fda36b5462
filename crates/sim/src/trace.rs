//! The trace: everything a run produced, in a form the CLI, the browser and the tests share.
//!
//! A trace is plain data (serde). It is append-only while the simulation runs; `metrics` and
//! `outcome` are filled in when the run ends.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::PyError;
use crate::ids::{ObjId, UnitId};
use crate::time::Nanos;
use crate::value::Value;

/// What kind of execution unit a lane shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// The main thread of a process (the process itself).
    Process,
    Thread,
    /// An asyncio task on an event loop.
    Task,
    /// A callback scheduled with `call_soon`/`call_later`/`call_at` or `add_done_callback`.
    Callback,
}

/// Static facts about a unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitInfo {
    pub id: UnitId,
    pub name: String,
    pub kind: UnitKind,
    /// The process the unit lives in (the id of that process's main unit).
    pub process: UnitId,
    pub parent: Option<UnitId>,
    pub daemon: bool,
    /// For tasks and callbacks: the thread that runs their event loop.
    pub host: Option<UnitId>,
    pub created: Nanos,
}

/// The state a lane is drawn in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Executing on a core.
    Running,
    /// Wants a core; every core is busy.
    Ready,
    /// Wants to run Python code; another thread of its process holds the GIL.
    WaitingGil,
    /// Waiting on a synchronisation object (named by the span's `obj`), a join or a future.
    Blocked,
    Sleeping,
    /// In a blocking system call (file, socket, subprocess, manager round trip).
    Io,
    /// An event-loop thread with no task ready (waiting in `select`).
    Idle,
    /// An event-loop thread running tasks.
    Loop,
    /// A process starting up, or a callback waiting for its time.
    Starting,
}

impl State {
    /// Every state, in legend order.
    pub const ALL: [State; 9] = [
        State::Running,
        State::Ready,
        State::WaitingGil,
        State::Blocked,
        State::Sleeping,
        State::Io,
        State::Idle,
        State::Loop,
        State::Starting,
    ];

    pub fn label(self) -> &'static str {
        match self {
            State::Running => "running",
            State::Ready => "ready",
            State::WaitingGil => "waiting for GIL",
            State::Blocked => "blocked",
            State::Sleeping => "sleeping",
            State::Io => "I/O",
            State::Idle => "idle",
            State::Loop => "event loop",
            State::Starting => "starting",
        }
    }
}

/// A stretch of time one unit spent in one state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub unit: UnitId,
    pub start: Nanos,
    pub end: Nanos,
    pub state: State,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub obj: Option<ObjId>,
    /// The core a running span ran on (cores number 1–64, so 16 bits keep a span at 32
    /// bytes).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub core: Option<u16>,
}

/// What an event marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Create,
    Start,
    Exit,
    Error,
    Killed,
    Join,
    Terminate,
    Acquire,
    AcquireTimeout,
    Release,
    Wait,
    WaitTimeout,
    Wake,
    Notify,
    Set,
    Clear,
    Put,
    Get,
    Send,
    Recv,
    Close,
    TaskDone,
    QueueJoin,
    Pass,
    Broken,
    Read,
    Write,
    Call,
    GilTake,
    GilDrop,
    Cancel,
    Result,
    Timeout,
    Sleep,
    Io,
    Print,
}

/// One marked moment on a lane. Its text, if any, is in [`Trace::details`]: most events
/// have none, and without it an event is 24 bytes of plain data, which matters when a run
/// records millions of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub time: Nanos,
    pub unit: UnitId,
    pub kind: EventKind,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub obj: Option<ObjId>,
}

/// Why one event caused another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// A release that let a blocked acquire proceed.
    Unlock,
    /// A put or send whose item a get or recv took.
    Feed,
    /// A notify, set, barrier pass or future completion that woke a waiter.
    Wake,
    /// A unit's exit that a join observed.
    Join,
    /// A start that began a unit.
    Spawn,
}

/// A causal arrow between two events (indices into `Trace::events`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub from: u32,
    pub to: u32,
    pub kind: LinkKind,
}

/// A value over time (queue depth, semaphore value, GIL holder).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Counter {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub obj: Option<ObjId>,
    /// `(time, value)` pairs in time order; the value holds until the next point.
    pub points: Vec<(Nanos, i64)>,
}

/// Static facts about a synchronisation object or shared variable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObjInfo {
    pub id: ObjId,
    pub name: String,
    /// The Python type, e.g. `threading.Lock`, `multiprocessing.Queue`, `asyncio.Event`.
    pub kind: String,
}

/// An exception that ended a unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitError {
    pub unit: UnitId,
    pub time: Nanos,
    pub error: PyError,
}

/// A waiter that stayed blocked on `obj` although what it waits for held: the wake-up it
/// needed was lost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LostWakeup {
    pub unit: UnitId,
    pub obj: ObjId,
    /// What the waiter declared it waits for.
    pub waits_for: String,
    /// When it was found (the end of the run, or the unit's death at exit).
    pub time: Nanos,
}

impl LostWakeup {
    /// One line for people: "c1 still waits on cond for “the buffer is not empty”, which
    /// holds".
    pub fn describe(&self, t: &Trace) -> String {
        format!(
            "{} still waits on {} for “{}”, which already holds: its wake-up was lost",
            t.unit_name(self.unit),
            t.obj_name(self.obj),
            self.waits_for
        )
    }
}

/// One edge of a wait-for graph: `unit` waits on `obj`, which `holder` (if any) must release.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaitEdge {
    pub unit: UnitId,
    pub unit_name: String,
    pub waits_for: String,
    pub obj: Option<ObjId>,
    pub holder: Option<UnitId>,
}

/// Which limit a run hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    Steps,
    Time,
    Units,
}

/// How a run ended. Every finished trace has one of the endings; `Running` is only ever the
/// outcome of a trace taken before the end (a game position, `Sim::trace` mid-run).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// Not ended yet.
    #[default]
    Running,
    /// Every unit finished (some possibly with an error: see `Trace::errors`).
    Completed,
    /// Every live unit is blocked and no timer is pending. `cycle` is the wait-for cycle when
    /// there is one; `blocked` lists every blocked unit and what it waits for.
    Deadlock {
        cycle: Vec<WaitEdge>,
        blocked: Vec<WaitEdge>,
        message: String,
    },
    /// A limit stopped the run.
    LimitExceeded { limit: LimitKind, message: String },
    /// The scheduler could not continue (a replay string that does not fit the program).
    SchedulerError { message: String },
}

impl Outcome {
    /// A one-line summary.
    pub fn summary(&self) -> String {
        match self {
            Outcome::Running => "running".to_string(),
            Outcome::Completed => "completed".to_string(),
            Outcome::Deadlock { message, .. } => format!("deadlock: {message}"),
            Outcome::LimitExceeded { message, .. } => format!("limit exceeded: {message}"),
            Outcome::SchedulerError { message } => format!("scheduler error: {message}"),
        }
    }

    pub fn is_deadlock(&self) -> bool {
        matches!(self, Outcome::Deadlock { .. })
    }
}

/// Time one unit spent in each state.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UnitMetrics {
    pub unit: UnitId,
    pub running: Nanos,
    pub ready: Nanos,
    pub waiting_gil: Nanos,
    pub blocked: Nanos,
    pub sleeping: Nanos,
    pub io: Nanos,
    /// `ready + waiting_gil + blocked`: time it wanted to make progress and could not.
    pub waiting: Nanos,
}

/// Whole-run measurements.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Virtual time from start to the last unit's end.
    pub makespan: Nanos,
    pub steps: u64,
    pub events: u64,
    /// Busy fraction of each core over the makespan, 0.0–1.0.
    pub core_utilisation: Vec<f64>,
    pub units: Vec<UnitMetrics>,
    /// Total time threads spent waiting for a GIL.
    pub gil_wait: Nanos,
    /// How many times a GIL changed hands.
    pub gil_switches: u64,
    pub context_switches: u64,
}

/// The full record of one run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub seed: u64,
    /// The scheduler's decisions, replayable with the `replay` scheduler.
    pub schedule: String,
    pub cores: u32,
    pub units: Vec<UnitInfo>,
    pub objects: Vec<ObjInfo>,
    pub spans: Vec<Span>,
    pub events: Vec<Event>,
    /// The events' texts ("re-entered, depth 2", "slept 5 ms"): `(event index, text)` in
    /// index order, for the few events that have one. Read them with [`Trace::detail`] or
    /// [`Trace::events_with_details`]; add events with [`Trace::record`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<(u32, String)>,
    /// The source line each event happened at, for programs that say (`Ctx::set_line`: the
    /// Python interpreter does): `(event index, line)` in index order. Read with
    /// [`Trace::line`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<(u32, u32)>,
    pub links: Vec<Link>,
    pub counters: Vec<Counter>,
    pub errors: Vec<UnitError>,
    /// Waiters left blocked while what they wait for already held (see `wakeup`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lost_wakeups: Vec<LostWakeup>,
    /// What the program reported with `Ctx::set_result`, in key order.
    pub result: BTreeMap<String, Value>,
    /// Lines the program printed, in order, with the time and unit.
    pub output: Vec<(Nanos, UnitId, String)>,
    pub metrics: Metrics,
    /// `null` in older files (a run taken before its end) reads as `Running`.
    #[serde(default, deserialize_with = "outcome_or_running")]
    pub outcome: Outcome,
}

fn outcome_or_running<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Outcome, D::Error> {
    Ok(Option::<Outcome>::deserialize(d)?.unwrap_or_default())
}

impl Trace {
    /// Appends an event with its text, if any, and returns its index.
    #[inline]
    pub fn record(&mut self, event: Event, detail: Option<String>) -> u32 {
        let ix = u32::try_from(self.events.len()).unwrap_or(u32::MAX);
        self.events.push(event);
        if let Some(text) = detail {
            self.details.push((ix, text));
        }
        ix
    }

    /// The source line of event `ix`, if the program gave one.
    pub fn line(&self, ix: usize) -> Option<u32> {
        let ix = u32::try_from(ix).ok()?;
        let i = self.lines.binary_search_by_key(&ix, |d| d.0).ok()?;
        Some(self.lines[i].1)
    }

    /// The text of event `ix`, if it has one.
    pub fn detail(&self, ix: usize) -> Option<&str> {
        let ix = u32::try_from(ix).ok()?;
        let i = self.details.binary_search_by_key(&ix, |d| d.0).ok()?;
        Some(&self.details[i].1)
    }

    /// Every event in order with its text, if it has one.
    pub fn events_with_details(&self) -> impl Iterator<Item = (&Event, Option<&str>)> {
        let mut details = self.details.iter().peekable();
        self.events.iter().enumerate().map(move |(i, e)| {
            // Details are in index order: skip any that point nowhere, take this one's.
            while details.next_if(|d| (d.0 as usize) < i).is_some() {}
            (
                e,
                details.next_if(|d| d.0 as usize == i).map(|d| d.1.as_str()),
            )
        })
    }

    /// A stable 64-bit FNV-1a hash of the trace's JSON form, equal on every platform for the
    /// same trace.
    pub fn hash(&self) -> u64 {
        let json = serde_json::to_vec(self).unwrap_or_default();
        fnv1a(&json)
    }

    /// The unit's name, or `#id` for an unknown id.
    pub fn unit_name(&self, id: UnitId) -> String {
        self.units
            .get(id.index())
            .map_or_else(|| format!("#{}", id.0), |u| u.name.clone())
    }

    /// The object's name, or `#id` for an unknown id.
    pub fn obj_name(&self, id: ObjId) -> String {
        self.objects
            .get(id.index())
            .map_or_else(|| format!("#{}", id.number()), |o| o.name.clone())
    }

    /// Events of one kind, in order.
    pub fn events_of(&self, kind: EventKind) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(move |e| e.kind == kind)
    }

    /// The error that ended a unit, if any.
    pub fn error_of(&self, unit: UnitId) -> Option<&PyError> {
        self.errors
            .iter()
            .find(|e| e.unit == unit)
            .map(|e| &e.error)
    }
}

/// FNV-1a over bytes: small, portable, stable.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A long run records millions of events and spans; their size is most of a trace's
    /// memory and much of the simulator's time.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn trace_records_stay_compact() {
        assert_eq!(std::mem::size_of::<Event>(), 24);
        assert_eq!(std::mem::size_of::<Span>(), 32);
        assert_eq!(std::mem::size_of::<Link>(), 12);
    }

    /// A finished trace's outcome reads back as it was written; `null` (older files, a run
    /// taken before its end) and a missing field read as `Running`.
    #[test]
    fn outcomes_read_back_and_null_means_running() {
        #![allow(clippy::unwrap_used)]
        let t = Trace {
            outcome: Outcome::Completed,
            ..Trace::default()
        };
        let json = serde_json::to_string(&t).unwrap();
        assert!(json.contains(r#""outcome":{"kind":"completed"}"#), "{json}");
        let back: Trace = serde_json::from_str(&json).unwrap();
        assert_eq!(back.outcome, Outcome::Completed);
        let null = json.replace(r#"{"kind":"completed"}"#, "null");
        let back: Trace = serde_json::from_str(&null).unwrap();
        assert_eq!(back.outcome, Outcome::Running);
        let missing = json.replace(r#","outcome":{"kind":"completed"}"#, "");
        assert_ne!(missing, json);
        let back: Trace = serde_json::from_str(&missing).unwrap();
        assert_eq!(back.outcome, Outcome::Running);
    }

    #[test]
    fn details_are_found_by_event_index() {
        let mut t = Trace::default();
        let e = |kind| Event {
            time: 5,
            unit: UnitId(1),
            kind,
            obj: Some(ObjId::new(2)),
        };
        t.record(e(EventKind::Acquire), None);
        t.record(e(EventKind::Acquire), Some("re-entered, depth 2".into()));
        t.record(e(EventKind::Release), None);
        t.record(e(EventKind::Release), Some("depth 1".into()));
        assert_eq!(t.detail(0), None);
        assert_eq!(t.detail(1), Some("re-entered, depth 2"));
        assert_eq!(t.detail(3), Some("depth 1"));
        assert_eq!(t.detail(9), None);
        let texts: Vec<Option<&str>> = t.events_with_details().map(|(_, d)| d).collect();
        assert_eq!(
            texts,
            [None, Some("re-entered, depth 2"), None, Some("depth 1")]
        );
        let json = serde_json::to_string(&t.events[1]).unwrap();
        assert_eq!(json, r#"{"time":5,"unit":1,"kind":"acquire","obj":2}"#);
        let back: Trace = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
        assert_eq!(back.details, t.details);
    }
}
