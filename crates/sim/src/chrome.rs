//! Export to the Chrome Trace Event format, which Perfetto and `chrome://tracing` open as is.
//!
//! Processes map to `pid`, threads to `tid` (with `process_name`/`thread_name` metadata),
//! state spans to complete (`X`) events, asyncio tasks and callbacks to async (`b`/`e`) events
//! on their loop thread, marked events to instants, causal links to flow (`s`/`f`) events and
//! counters to `C` events. Times are in microseconds.

use serde_json::{Value as Json, json};

use crate::ids::UnitId;
use crate::trace::{Trace, UnitKind};

fn micros(ns: u64) -> f64 {
    ns as f64 / 1000.0
}

/// Where a unit's events go: `(pid, tid, async id for tasks)`.
fn place(trace: &Trace, u: UnitId) -> (u32, u32, Option<u32>) {
    match trace.units.get(u.index()) {
        Some(info) if matches!(info.kind, UnitKind::Task | UnitKind::Callback) => {
            (info.process.0, info.host.unwrap_or(u).0, Some(u.0))
        }
        Some(info) => (info.process.0, u.0, None),
        None => (0, u.0, None),
    }
}

/// The trace as a Chrome Trace Event JSON document.
pub fn to_chrome(trace: &Trace) -> Json {
    let mut events: Vec<Json> = Vec::new();
    unit_names(trace, &mut events);
    span_events(trace, &mut events);
    instant_events(trace, &mut events);
    link_events(trace, &mut events);
    counter_events(trace, &mut events);
    json!({
        "traceEvents": events,
        "displayTimeUnit": "ns",
        "otherData": {"generator": "interleave", "seed": trace.seed, "schedule": trace.schedule,
            "outcome": trace.outcome.summary()},
    })
}

/// Metadata naming each process and thread row.
fn unit_names(trace: &Trace, events: &mut Vec<Json>) {
    for info in &trace.units {
        match info.kind {
            UnitKind::Process => {
                events.push(json!({"ph": "M", "name": "process_name", "pid": info.id.0, "tid": info.id.0, "ts": 0,
                    "args": {"name": format!("{} (pid {})", info.name, info.id.0)}}));
                events.push(json!({"ph": "M", "name": "thread_name", "pid": info.id.0, "tid": info.id.0, "ts": 0,
                    "args": {"name": format!("{} (main thread)", info.name)}}));
            }
            UnitKind::Thread => {
                events.push(json!({"ph": "M", "name": "thread_name", "pid": info.process.0, "tid": info.id.0, "ts": 0,
                    "args": {"name": info.name}}));
            }
            UnitKind::Task | UnitKind::Callback => {}
        }
    }
}

/// A slice per span (an async slice for a task, which shares its thread's row).
fn span_events(trace: &Trace, events: &mut Vec<Json>) {
    for s in &trace.spans {
        let (pid, tid, task) = place(trace, s.unit);
        let mut args = serde_json::Map::new();
        if let Some(o) = s.obj {
            args.insert("object".into(), json!(trace.obj_name(o)));
        }
        if let Some(c) = s.core {
            args.insert("core".into(), json!(c));
        }
        match task {
            Some(id) => {
                let name = format!("{}: {}", trace.unit_name(s.unit), s.state.label());
                events.push(
                    json!({"ph": "b", "cat": "task", "id": id, "name": name, "pid": pid, "tid": tid,
                    "ts": micros(s.start), "args": args}),
                );
                events.push(
                    json!({"ph": "e", "cat": "task", "id": id, "name": name, "pid": pid, "tid": tid,
                    "ts": micros(s.end)}),
                );
            }
            None => {
                events.push(json!({"ph": "X", "cat": "state", "name": s.state.label(), "pid": pid, "tid": tid,
                    "ts": micros(s.start), "dur": micros(s.end - s.start), "args": args}));
            }
        }
    }
}

/// An instant per event (a task's on its async track).
fn instant_events(trace: &Trace, events: &mut Vec<Json>) {
    for (e, detail) in trace.events_with_details() {
        let (pid, tid, task) = place(trace, e.unit);
        let name = match e.obj {
            Some(o) => format!("{:?} {}", e.kind, trace.obj_name(o)).to_lowercase(),
            None => format!("{:?}", e.kind).to_lowercase(),
        };
        let args = json!({"unit": trace.unit_name(e.unit), "detail": detail});
        match task {
            Some(id) => events.push(
                json!({"ph": "n", "cat": "task", "id": id, "name": name, "pid": pid,
                "tid": tid, "ts": micros(e.time), "args": args}),
            ),
            None => events.push(
                json!({"ph": "i", "s": "t", "cat": "event", "name": name, "pid": pid,
                "tid": tid, "ts": micros(e.time), "args": args}),
            ),
        }
    }
}

/// A flow arrow per causal link.
fn link_events(trace: &Trace, events: &mut Vec<Json>) {
    for (i, l) in trace.links.iter().enumerate() {
        let (Some(from), Some(to)) = (
            trace.events.get(l.from as usize),
            trace.events.get(l.to as usize),
        ) else {
            continue;
        };
        let (fp, ft, _) = place(trace, from.unit);
        let (tp, tt, _) = place(trace, to.unit);
        let name = format!("{:?}", l.kind).to_lowercase();
        events.push(json!({"ph": "s", "cat": "link", "id": i, "name": name, "pid": fp, "tid": ft, "ts": micros(from.time)}));
        events.push(json!({"ph": "f", "bp": "e", "cat": "link", "id": i, "name": name, "pid": tp, "tid": tt, "ts": micros(to.time)}));
    }
}

/// Counter tracks (the GIL holder, queue sizes ...).
fn counter_events(trace: &Trace, events: &mut Vec<Json>) {
    for c in &trace.counters {
        let pid = trace.units.first().map_or(0, |u| u.id.0);
        for &(t, v) in &c.points {
            events.push(json!({"ph": "C", "name": c.name, "pid": pid, "tid": pid, "ts": micros(t), "args": {"value": v}}));
        }
    }
}
