//! Data races in a finished run: two accesses to the same shared variable by different units,
//! at least one a write, that no synchronisation orders. Happens-before is program order plus
//! the trace's causal links (lock hand-off, put → get, send → recv, set/notify → wake, barrier
//! pass, start → first step, exit → join) and every operation on a synchronisation object in
//! trace order, tracked with vector clocks.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ids::{ObjId, UnitId};
use crate::trace::{EventKind, Trace};

/// One access of a race: the event's index in `Trace::events`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    pub event: usize,
    pub unit: UnitId,
    pub write: bool,
}

/// Two unordered conflicting accesses to one variable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Race {
    pub obj: ObjId,
    pub first: Access,
    pub second: Access,
}

impl Race {
    /// A one-line description, e.g. `counter: T0 writes (#14) ‖ T1 reads (#9)`.
    pub fn describe(&self, t: &Trace) -> String {
        let name = |u: UnitId| {
            t.units
                .get(u.index())
                .map_or_else(|| format!("unit {}", u.0), |x| x.name.clone())
        };
        let verb = |w: bool| if w { "writes" } else { "reads" };
        format!(
            "{}: {} {} (#{}) ‖ {} {} (#{})",
            t.obj_name(self.obj),
            name(self.first.unit),
            verb(self.first.write),
            self.first.event,
            name(self.second.unit),
            verb(self.second.write),
            self.second.event
        )
    }
}

type Clock = Vec<u32>;

fn leq(a: &Clock, b: &Clock) -> bool {
    a.iter()
        .enumerate()
        .all(|(i, x)| *x <= b.get(i).copied().unwrap_or(0))
}

/// Racing pairs, in trace order of the second access, at most `limit` of them. Like
/// FastTrack, each access is checked against the variable's last write and (for a write) the
/// reads since it, so the cost is linear in the trace for a bounded number of readers.
pub fn find(t: &Trace, limit: usize) -> Vec<Race> {
    let mut d = Detector::new(t, limit);
    for (i, e) in t.events.iter().enumerate() {
        d.visit(i, e);
    }
    d.races
}

/// The happens-before walk over a trace's events, in order.
struct Detector<'t> {
    t: &'t Trace,
    limit: usize,
    /// Incoming causal links per event, and which events are link sources.
    incoming: BTreeMap<usize, Vec<usize>>,
    sources: BTreeSet<usize>,
    /// Each unit's clock after its last event; each link source's clock.
    unit_clock: Vec<Clock>,
    source_clock: BTreeMap<usize, Clock>,
    /// The clock of the last synchronising operation on each object.
    sync: BTreeMap<ObjId, Clock>,
    vars: BTreeMap<ObjId, VarState>,
    /// Whether each unit has had an event since it was created, and the clock of the
    /// `start()` that will begin it.
    begun: Vec<bool>,
    start_clock: BTreeMap<usize, Clock>,
    races: Vec<Race>,
}

fn join(c: &mut Clock, o: &Clock) {
    for (k, x) in o.iter().enumerate() {
        if k < c.len() {
            c[k] = c[k].max(*x);
        }
    }
}

impl<'t> Detector<'t> {
    fn new(t: &'t Trace, limit: usize) -> Self {
        let n = t.events.len();
        let units = t.units.len();
        let mut incoming: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut sources: BTreeSet<usize> = BTreeSet::new();
        for l in &t.links {
            let (from, to) = (l.from as usize, l.to as usize);
            if from < n && to < n && from < to {
                incoming.entry(to).or_default().push(from);
                sources.insert(from);
            }
        }
        Detector {
            t,
            limit,
            incoming,
            sources,
            unit_clock: vec![vec![0; units]; units],
            source_clock: BTreeMap::new(),
            sync: BTreeMap::new(),
            vars: BTreeMap::new(),
            begun: vec![false; units],
            start_clock: BTreeMap::new(),
            races: Vec::new(),
        }
    }

    fn visit(&mut self, i: usize, e: &crate::trace::Event) {
        let u = e.unit.index();
        if u >= self.t.units.len() {
            return;
        }
        let mut c = self.clock_in(i, e);
        let access = match e.kind {
            EventKind::Read => Some(false),
            EventKind::Write => Some(true),
            _ => None,
        };
        // Every other operation on an object synchronises through it, in trace order
        // (a lock's release before the next acquire, a put before the get, …).
        if let (None, Some(obj)) = (access, e.obj)
            && let Some(oc) = self.sync.get(&obj)
        {
            join(&mut c, oc);
        }
        c[u] += 1;
        match (access, e.obj) {
            (None, Some(obj)) => {
                self.sync.insert(obj, c.clone());
            }
            (Some(write), Some(obj)) => self.access(i, e.unit, obj, write, &c),
            _ => {}
        }
        if e.kind == EventKind::Start {
            self.note_start(i, e.unit, &c);
        }
        if self.sources.contains(&i) {
            self.source_clock.insert(i, c.clone());
        }
        self.unit_clock[u] = c;
    }

    /// The clock event `i` starts from: its unit's, after the `start()` that began the unit
    /// (for its first event) and after every event linked to it.
    fn clock_in(&mut self, i: usize, e: &crate::trace::Event) -> Clock {
        let u = e.unit.index();
        let mut c = std::mem::take(&mut self.unit_clock[u]);
        // (A unit's Create event is recorded when its parent makes it, before the start.)
        if !self.begun[u] && e.kind != EventKind::Create {
            self.begun[u] = true;
            if let Some(sc) = self.start_clock.remove(&u) {
                join(&mut c, &sc);
            }
        }
        if let Some(froms) = self.incoming.get(&i) {
            for f in froms {
                if let Some(fc) = self.source_clock.get(f) {
                    join(&mut c, fc);
                }
            }
        }
        c
    }

    /// A read or write of `obj` at clock `c`: races with every earlier conflicting access
    /// by another unit that is not ordered before it.
    fn access(&mut self, i: usize, unit: UnitId, obj: ObjId, write: bool, c: &Clock) {
        let me = Access {
            event: i,
            unit,
            write,
        };
        let v = self.vars.entry(obj).or_default();
        let (races, limit) = (&mut self.races, self.limit);
        let mut check = |a: &(Access, Clock)| {
            if a.0.unit != unit && !leq(&a.1, c) && races.len() < limit {
                races.push(Race {
                    obj,
                    first: a.0,
                    second: me,
                });
            }
        };
        if let Some(w) = &v.last_write {
            check(w);
        }
        if write {
            for r in &v.reads {
                check(r);
            }
            v.last_write = Some((me, c.clone()));
            v.reads.clear();
        } else {
            v.reads.retain(|r| r.0.unit != unit);
            v.reads.push((me, c.clone()));
        }
    }

    /// A `start()` at event `i`: the child it starts begins after it.
    fn note_start(&mut self, i: usize, parent: UnitId, c: &Clock) {
        let t = self.t;
        let Some(name) = t.detail(i) else { return };
        if let Some(child) = t.units.iter().find(|x| {
            x.parent == Some(parent)
                && x.name == name
                && !self.begun[x.id.index()]
                && !self.start_clock.contains_key(&x.id.index())
        }) {
            self.start_clock.insert(child.id.index(), c.clone());
        }
    }
}

#[derive(Default)]
struct VarState {
    last_write: Option<(Access, Clock)>,
    reads: Vec<(Access, Clock)>,
}
