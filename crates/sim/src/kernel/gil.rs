//! The GIL: who holds it, handing it over, dropping it at a switch interval, its counter.

use super::*;

impl Sim {
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
    pub(super) fn hand_gil(&mut self, pix: usize, os: UnitId) {
        self.procs[pix].gil.give(os, self.now);
        self.gil_switches += 1;
        self.gil_counter_point(pix, i64::from(os.0));
        self.refresh_gil_displays(pix);
    }

    pub(crate) fn drop_gil(&mut self, os: UnitId) {
        let pix = self.units[os.index()].proc_ix;
        if self.procs[pix].gil.holder != Some(os) {
            return;
        }
        self.procs[pix].gil.holder = None;
        self.gil_counter_point(pix, -1);
        self.refresh_gil_displays(pix);
    }

    pub(super) fn release_gil_if_loop_idle(&mut self, l: usize) {
        let lp = &self.loops[l];
        if lp.current.is_none() && lp.ready.is_empty() && self.machine.gil {
            let host = lp.host;
            self.drop_gil(host);
        }
    }

    pub(super) fn gil_counter_point(&mut self, pix: usize, value: i64) {
        let ix = match self.procs[pix].gil.counter {
            Some(ix) => ix,
            None => {
                let ix = self.trace.counters.len();
                let name = format!("GIL holder ({})", self.name(self.procs[pix].main));
                self.trace.counters.push(Counter {
                    name,
                    obj: None,
                    points: Vec::new(),
                });
                self.procs[pix].gil.counter = Some(ix);
                ix
            }
        };
        push_point(&mut self.trace.counters[ix].points, self.now, value);
    }

    pub(super) fn refresh_gil_displays(&mut self, pix: usize) {
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
    pub(super) fn runnable_display(&self, u: UnitId) -> State {
        if !self.machine.gil {
            return State::Ready;
        }
        let os = self.os_thread(u);
        match self.procs[self.units[os.index()].proc_ix].gil.holder {
            Some(h) if h != os => State::WaitingGil,
            _ => State::Ready,
        }
    }

    pub(crate) fn refresh_loop_display(&mut self, l: usize) {
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
}
