//! Recording: the timeline's spans (one per state a unit is in), events, links and counters.

use super::*;

impl Sim {
    #[inline(always)]
    pub(crate) fn set_display(
        &mut self,
        u: UnitId,
        state: State,
        obj: Option<ObjId>,
        core: Option<u32>,
    ) {
        // Cores number at most 64 (`Machine::validate`), so the index fits a span's 16 bits.
        let new = Some(Lane {
            state,
            obj,
            core: core.map(|c| c as u16),
        });
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
    pub(super) fn change_display(&mut self, u: UnitId, new: Option<Lane>) {
        let now = self.now;
        let unit = &mut self.units[u.index()];
        let old = std::mem::replace(&mut unit.display, new);
        let start = std::mem::replace(&mut unit.span_start, now);
        let Some(Lane { state, obj, core }) = old else {
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
    pub(super) fn close_span(&mut self, u: UnitId) {
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
        let Some(obj) = self.objs.get(o) else {
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
            .get(o)
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
}
