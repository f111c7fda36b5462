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
    let n = t.events.len();
    let units = t.units.len();
    // Incoming causal links per event, and which events are link sources.
    let mut incoming: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut sources: BTreeSet<usize> = BTreeSet::new();
    for l in &t.links {
        let (from, to) = (l.from as usize, l.to as usize);
        if from < n && to < n && from < to {
            incoming.entry(to).or_default().push(from);
            sources.insert(from);
        }
    }
    let mut unit_clock: Vec<Clock> = vec![vec![0; units]; units];
    let mut source_clock: BTreeMap<usize, Clock> = BTreeMap::new();
    let mut sync: BTreeMap<ObjId, Clock> = BTreeMap::new();
    let mut vars: BTreeMap<ObjId, VarState> = BTreeMap::new();
    let mut begun = vec![false; units];
    let mut start_clock: BTreeMap<usize, Clock> = BTreeMap::new();
    let mut races = Vec::new();
    let join = |c: &mut Clock, o: &Clock| {
        for (k, x) in o.iter().enumerate() {
            if k < c.len() {
                c[k] = c[k].max(*x);
            }
        }
    };
    for (i, e) in t.events.iter().enumerate() {
        let u = e.unit.index();
        if u >= units {
            continue;
        }
        let mut c = std::mem::take(&mut unit_clock[u]);
        // A unit's first event comes after the `start()` that began it.
        // (A unit's Create event is recorded when its parent makes it, before the start.)
        if !begun[u] && e.kind != EventKind::Create {
            begun[u] = true;
            if let Some(sc) = start_clock.remove(&u) {
                join(&mut c, &sc);
            }
        }
        if let Some(froms) = incoming.get(&i) {
            for f in froms {
                if let Some(fc) = source_clock.get(f) {
                    join(&mut c, fc);
                }
            }
        }
        let access = match e.kind {
            EventKind::Read => Some(false),
            EventKind::Write => Some(true),
            _ => None,
        };
        // Every other operation on an object synchronises through it, in trace order
        // (a lock's release before the next acquire, a put before the get, …).
        if let (None, Some(obj)) = (access, e.obj)
            && let Some(oc) = sync.get(&obj)
        {
            join(&mut c, oc);
        }
        c[u] += 1;
        if let (None, Some(obj)) = (access, e.obj) {
            sync.insert(obj, c.clone());
        }
        if let (Some(write), Some(obj)) = (access, e.obj) {
            let me = Access {
                event: i,
                unit: e.unit,
                write,
            };
            let v = vars.entry(obj).or_default();
            let mut check = |a: &(Access, Clock)| {
                if a.0.unit != e.unit && !leq(&a.1, &c) && races.len() < limit {
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
                v.reads.retain(|r| r.0.unit != e.unit);
                v.reads.push((me, c.clone()));
            }
        }
        if e.kind == EventKind::Start
            && let Some(name) = t.detail(i)
            && let Some(child) = t.units.iter().find(|x| {
                x.parent == Some(e.unit)
                    && x.name == name
                    && !begun[x.id.index()]
                    && !start_clock.contains_key(&x.id.index())
            })
        {
            start_clock.insert(child.id.index(), c.clone());
        }
        if sources.contains(&i) {
            source_clock.insert(i, c.clone());
        }
        unit_clock[u] = c;
    }
    races
}

#[derive(Default)]
struct VarState {
    last_write: Option<(Access, Clock)>,
    reads: Vec<(Access, Clock)>,
}
